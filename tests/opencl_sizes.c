/*
 * Item counts that do not fit a work-group size evenly: 0, 1, a prime, and
 * 2^k-1, 2^k, 2^k+1. Every item in [0, n) runs and none past it: a sentinel
 * after the n-th element must be left as it was, in a device buffer and in a
 * host array.
 */
#include "task.h"

#include "reference.h"

#define SENTINELS 64

/* What lies past the n-th element of y. The x there is 1, so an item that
 * ran past the end would write 3 + SENTINEL, never SENTINEL itself (a NaN
 * would not do: arithmetic carries its payload through). */
#define SENTINEL 12345.0f

static void check_run(size_t n, const float *got, const float *y0, const float *x, float a,
                      const char *how)
{
    for (size_t i = 0; i < n; i++)
        if (got[i] != ref_saxpy(a, x[i], y0[i]))
            FAIL_("%s, n=%zu: item %zu is %g, want %g", how, n, i, got[i],
                  ref_saxpy(a, x[i], y0[i]));
    for (size_t i = n; i < n + SENTINELS; i++)
        if (got[i] != SENTINEL)
            FAIL_("%s, n=%zu: element %zu past the end was written (%g)", how, n, i, got[i]);
}

static void run_size(clpool *pool, clpool_kernel *k, size_t n)
{
    const size_t total = n + SENTINELS;
    float *x = malloc(total * sizeof *x), *y0 = malloc(total * sizeof *y0);
    float *got = malloc(total * sizeof *got);
    ASSERT(x != NULL && y0 != NULL && got != NULL);
    /* Small integers, so a*x + y is exact with or without a fused
     * multiply-add and the comparison can be exact. */
    for (size_t i = 0; i < total; i++) {
        x[i] = i < n ? (float)(i % 1000) : 1.0f;
        y0[i] = i < n ? (float)(i % 7) : SENTINEL;
    }
    const float a = 3.0f;

    clpool_buffer *bx = NULL, *by = NULL;
    ASSERT_OK(pool, clpool_buffer_new(pool, total * sizeof(float), &bx));
    ASSERT_OK(pool, clpool_buffer_new(pool, total * sizeof(float), &by));
    ASSERT_OK(pool, clpool_buffer_write(bx, 0, x, total * sizeof(float)));
    ASSERT_OK(pool, clpool_buffer_write(by, 0, y0, total * sizeof(float)));
    ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_f32(a), clpool_buf(bx), clpool_buf(by)));
    ASSERT_OK(pool, clpool_buffer_read(by, 0, got, total * sizeof(float)));
    check_run(n, got, y0, x, a, "buffer");

    /* Host arrays: only n elements are copied in and back. */
    memcpy(got, y0, total * sizeof(float));
    ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_f32(a), clpool_in(x, sizeof(float)),
                               clpool_inout(got, sizeof(float))));
    check_run(n, got, y0, x, a, "host array");

    clpool_buffer_free(bx);
    clpool_buffer_free(by);
    free(x);
    free(y0);
    free(got);
}

int main(void)
{
    clpool *pool = test_open(CLPOOL_OPENCL, NULL);
    clpool_program *prog = NULL;
    clpool_kernel *k = test_kernel(pool, "saxpy", &prog);

    /* n = 0 succeeds without running: everything is left as written, even
     * with host arrays that are NULL. */
    run_size(pool, k, 0);
    ASSERT_OK(pool, CLPOOL_MAP(k, 0, clpool_f32(1.0f), clpool_in(NULL, sizeof(float)),
                               clpool_out(NULL, sizeof(float))));

    const size_t sizes[] = {1,
                            7919,
                            (1u << 10) - 1,
                            1u << 10,
                            (1u << 10) + 1,
                            (1u << 16) - 1,
                            1u << 16,
                            (1u << 16) + 1};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        run_size(pool, k, sizes[i]);

    clpool_program_free(prog);
    clpool_close(pool);
    return 0;
}
