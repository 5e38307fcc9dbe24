/*
 * On the fork backend a kernel that writes past the end of a clpool_buffer
 * hits a guard page: the map fails with CLPOOL_EWORKER naming the worker and
 * its items, and the buffer after it in the arena is untouched (issue 12,
 * item 4). Sizes that are multiples of 128 bytes are caught at the first
 * byte past the end; buffers that are not still work as before.
 */
#include "task.h"

static const char source[] =
    "__kernel void fill(__global int *a, const int v) { a[get_global_id(0)] = v; }\n";

#define SENTINEL 0x5a5a5a5a

static void check_overflow(clpool *pool, clpool_kernel *k, size_t ints)
{
    clpool_buffer *a = NULL, *b = NULL;
    ASSERT_OK(pool, clpool_buffer_new(pool, ints * sizeof(int), &a));
    ASSERT_OK(pool, clpool_buffer_new(pool, ints * sizeof(int), &b));
    int *init = malloc(ints * sizeof(int));
    ASSERT(init != NULL);
    for (size_t i = 0; i < ints; i++)
        init[i] = SENTINEL;
    ASSERT_OK(pool, clpool_buffer_write(b, 0, init, ints * sizeof(int)));

    /* In bounds: fine. */
    ASSERT_OK(pool, CLPOOL_MAP(k, ints, clpool_buf(a), clpool_i32(1)));
    /* One int past the end. */
    int rc = CLPOOL_MAP(k, ints + 1, clpool_buf(a), clpool_i32(7));
    const char *msg = clpool_errmsg(pool);
    if (rc != CLPOOL_EWORKER)
        FAIL_("%zu-int buffer written one int past its end: got %s, want CLPOOL_EWORKER (%s)",
              ints, clpool_err_name(rc), msg);
    ASSERT_STR_CONTAINS(msg, "SIGSEGV");
    ASSERT_STR_CONTAINS(msg, "(pid ");
    ASSERT_STR_CONTAINS(msg, "items [");
    int *back = malloc(ints * sizeof(int));
    ASSERT(back != NULL);
    ASSERT_OK(pool, clpool_buffer_read(b, 0, back, ints * sizeof(int)));
    for (size_t i = 0; i < ints; i++)
        if (back[i] != SENTINEL)
            FAIL_("the next buffer's int %zu became %d", i, back[i]);
    /* The pool carries on (a replaced worker gets the guards too). */
    ASSERT_OK(pool, CLPOOL_MAP(k, ints, clpool_buf(a), clpool_i32(2)));
    ASSERT_STATUS(pool, CLPOOL_MAP(k, ints + 1, clpool_buf(a), clpool_i32(7)), CLPOOL_EWORKER);
    free(back);
    free(init);
    clpool_buffer_free(b);
    clpool_buffer_free(a);
}

int main(void)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 2;
    cfg.timeout_ms = 0;
    clpool *pool = test_open_cfg(&cfg);
    clpool_program *prog = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_kernel_get(prog, "fill", &k));

    check_overflow(pool, k, 32);          /* 128 bytes */
    check_overflow(pool, k, 1024);        /* one page */
    check_overflow(pool, k, 3 * 1024 + 96); /* neither */
    check_overflow(pool, k, (size_t)1 << 20); /* 4 MiB: a 2 MiB-aligned block */

    /* A buffer whose size is not a multiple of 128 is still whole and
     * aligned for any OpenCL type. */
    clpool_buffer *odd = NULL;
    ASSERT_OK(pool, clpool_buffer_new(pool, 100, &odd));
    ASSERT_OK(pool, CLPOOL_MAP(k, 25, clpool_buf(odd), clpool_i32(3)));
    int got[25];
    ASSERT_OK(pool, clpool_buffer_read(odd, 0, got, sizeof got));
    for (int i = 0; i < 25; i++)
        ASSERT_EQ(got[i], 3);
    clpool_buffer_free(odd);

    clpool_program_free(prog);
    clpool_close(pool);
    return 0;
}
