/*
 * CLPOOL_NATIVE_ARCH picks the instruction set fork kernels are built for
 * (CI's memcheck builds for x86-64-v3, as valgrind lacks AVX-512): a valid
 * name builds and runs, and is a different build from -march=native (a
 * cache miss, not a hit on the other's code); a value that is not a plain
 * name is ignored.
 */
#include "task.h"

#include <stdlib.h>

#include "internal.h"

static const char *const SRC = "__kernel void twice(__global float *x)\n"
                               "{ x[get_global_id(0)] *= 2.0f; }\n";

static void run(clpool *pool, int *from_cache)
{
    clpool_program *prog;
    clpool_kernel *k;
    ASSERT_OK(pool, clpool_program_source(pool, SRC, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "twice", &k));
    float x[100];
    for (int i = 0; i < 100; i++)
        x[i] = (float)i;
    ASSERT_OK(pool, CLPOOL_MAP(k, 100, clpool_inout(x, sizeof *x)));
    for (int i = 0; i < 100; i++)
        ASSERT_EQ(x[i], 2.0f * (float)i);
    *from_cache = prog->from_cache;
    clpool_program_free(prog);
}

int main(void)
{
#if !defined(__x86_64__)
    fprintf(stderr, "skipped: the names tried are x86-64's\n");
    return TEST_SKIP;
#endif
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 1;
    cfg.cache_dir = test_tmpdir("march-cache");
    int hit;
    unsetenv("CLPOOL_NATIVE_ARCH");
    clpool *pool = test_open_cfg(&cfg);
    run(pool, &hit);
    run(pool, &hit);
    ASSERT_EQ(hit, 1); /* the cache works at all */
    clpool_close(pool);

    setenv("CLPOOL_NATIVE_ARCH", "x86-64", 1);
    pool = test_open_cfg(&cfg);
    run(pool, &hit);
    ASSERT_EQ(hit, 0); /* another instruction set: another build */
    run(pool, &hit);
    ASSERT_EQ(hit, 1);
    clpool_close(pool);

    setenv("CLPOOL_NATIVE_ARCH", "native; rm -rf /", 1);
    pool = test_open_cfg(&cfg);
    run(pool, &hit);
    ASSERT_EQ(hit, 1); /* ignored: the -march=native build from the first pool */
    clpool_close(pool);
    unsetenv("CLPOOL_NATIVE_ARCH");
    return 0;
}
