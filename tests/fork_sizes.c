/*
 * Map sizes on the fork backend: 0, 1, primes, powers of two and their
 * neighbours, fewer items than workers. Every item runs exactly once, sees
 * get_global_size(0) == n, and nothing past item n - 1 is written.
 */
#include "task.h"

static const char source[] =
    "__kernel void fill(__global uint *out, const uint mul)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    out[i] += (uint)i * mul + 1u;\n" /* += : an item run twice shows */
    "}\n"
    "__kernel void global_size(__global ulong *out)\n"
    "{\n"
    "    out[get_global_id(0)] = get_global_size(0);\n"
    "}\n";

#define GUARD 64
#define SENTINEL 0xdeadbeefu

static void check_n(clpool *pool, clpool_kernel *fill, clpool_kernel *size, size_t n)
{
    const uint32_t mul = 7;
    size_t total = n + GUARD;
    uint32_t *host = malloc(total * sizeof *host);
    ASSERT(host != NULL);
    for (size_t i = 0; i < total; i++)
        host[i] = i < n ? 0 : SENTINEL;

    clpool_buffer *b;
    ASSERT_OK(pool, clpool_buffer_new(pool, total * sizeof(uint32_t), &b));
    ASSERT_OK(pool, clpool_buffer_write(b, 0, host, total * sizeof(uint32_t)));
    ASSERT_OK(pool, CLPOOL_MAP(fill, n, clpool_buf(b), clpool_u32(mul)));
    ASSERT_OK(pool, clpool_buffer_read(b, 0, host, total * sizeof(uint32_t)));
    for (size_t i = 0; i < n; i++)
        if (host[i] != (uint32_t)i * mul + 1u)
            FAIL_("n = %zu: item %zu holds %u, want %u (run %s)", n, i, host[i],
                  (uint32_t)i * mul + 1u, host[i] == 0 ? "never" : "more than once?");
    for (size_t i = n; i < total; i++)
        if (host[i] != SENTINEL)
            FAIL_("n = %zu: element %zu past the end was written: %#x", n, i, host[i]);
    clpool_buffer_free(b);

    if (n > 0) {
        uint64_t *g = malloc(n * sizeof *g);
        ASSERT(g != NULL);
        ASSERT_OK(pool, CLPOOL_MAP(size, n, clpool_out(g, sizeof(uint64_t))));
        for (size_t i = 0; i < n; i++)
            if (g[i] != n)
                FAIL_("n = %zu: item %zu saw get_global_size(0) = %llu", n, i,
                      (unsigned long long)g[i]);
        free(g);
    }
    free(host);
}

int main(void)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 5; /* more workers than the smallest maps have items */
    clpool *pool = NULL;
    ASSERT_OK(NULL, clpool_open(&cfg, &pool));

    clpool_program *prog;
    clpool_kernel *fill, *size;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "fill", &fill));
    ASSERT_OK(pool, clpool_kernel_get(prog, "global_size", &size));

    static const size_t fixed[] = {0, 1, 2, 3, 4, 5, 6, 7, 31, 33, 1009, 65521, 999983};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        check_n(pool, fill, size, fixed[i]);
    for (unsigned k = 4; k <= 22; k++) {
        size_t p = (size_t)1 << k;
        check_n(pool, fill, size, p - 1);
        check_n(pool, fill, size, p);
        check_n(pool, fill, size, p + 1);
    }

    /* n == 0 runs nothing and succeeds, even with host arrays. */
    uint32_t one = 5;
    ASSERT_OK(pool, CLPOOL_MAP(fill, 0, clpool_inout(&one, sizeof one), clpool_u32(3)));
    ASSERT_EQ(one, 5);
    ASSERT_OK(pool, CLPOOL_MAP(fill, 1, clpool_inout(&one, sizeof one), clpool_u32(3)));
    ASSERT_EQ(one, 6);

    clpool_program_free(prog);
    clpool_close(pool);
    return 0;
}
