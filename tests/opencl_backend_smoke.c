/*
 * A quick pass over every slot of the OpenCL backend on whatever OpenCL
 * device is here (PoCL's CPU device in CI): open, build, buffers, maps, and
 * the messages of the failures a user meets first. The full suite lives in
 * the other opencl_*.c tests.
 */
#include "task.h"

#include "reference.h"

#include "internal.h" /* prog->from_cache, pool->cfg */

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A prime, so that no work-group size divides it evenly. */
#define N 100003

static void test_saxpy_buffers(clpool *pool)
{
    clpool_program *prog = NULL;
    clpool_kernel *k = test_kernel(pool, "saxpy", &prog);

    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *got = malloc(N * sizeof *got);
    ASSERT(x != NULL && y != NULL && got != NULL);
    for (size_t i = 0; i < N; i++) {
        x[i] = (float)i;
        y[i] = 1.0f - (float)i;
    }
    clpool_buffer *bx = NULL, *by = NULL;
    ASSERT_OK(pool, clpool_buffer_new(pool, N * sizeof(float), &bx));
    ASSERT_OK(pool, clpool_buffer_new(pool, N * sizeof(float), &by));
    ASSERT_OK(pool, clpool_buffer_write(bx, 0, x, N * sizeof(float)));
    ASSERT_OK(pool, clpool_buffer_write(by, 0, y, N * sizeof(float)));
    ASSERT_OK(pool, CLPOOL_MAP(k, N, clpool_f32(2.0f), clpool_buf(bx), clpool_buf(by)));
    ASSERT_OK(pool, clpool_buffer_read(by, 0, got, N * sizeof(float)));
    for (size_t i = 0; i < N; i++)
        ASSERT_NEAR(got[i], ref_saxpy(2.0f, x[i], y[i]), 1e-3 * fabs(2.0 * x[i] + y[i]) + 1e-6);

    /* Part of a buffer, read at an offset. */
    ASSERT_OK(pool, CLPOOL_MAP(k, 7, clpool_f32(1.0f), clpool_buf(bx), clpool_buf(by)));
    float head[8];
    ASSERT_OK(pool, clpool_buffer_read(by, 0, head, sizeof head));
    for (size_t i = 0; i < 8; i++) {
        float want = ref_saxpy(2.0f, x[i], y[i]) + (i < 7 ? x[i] : 0.0f);
        ASSERT_NEAR(head[i], want, 1e-3);
    }

    /* Host arrays: pool.c stages them through this backend's buffers. */
    ASSERT_OK(pool, CLPOOL_MAP(k, N, clpool_f32(-1.0f), clpool_in(x, sizeof(float)),
                               clpool_inout(y, sizeof(float))));
    for (size_t i = 0; i < N; i++)
        ASSERT_NEAR(y[i], 1.0f - 2.0f * (float)i, 1e-3 * fabs(1.0 - 2.0 * i) + 1e-6);

    clpool_buffer_free(bx);
    clpool_buffer_free(by);
    clpool_program_free(prog);
    free(x);
    free(y);
    free(got);
}

static void test_build_failure(clpool *pool)
{
    clpool_program *prog = NULL;
    const char *bad = "__kernel void bad(__global float *x)\n"
                      "{\n"
                      "    x[0] = no_such_variable;\n"
                      "}\n";
    ASSERT_STATUS(pool, clpool_program_source(pool, bad, NULL, &prog), CLPOOL_EBUILD);
    ASSERT(prog == NULL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "building <source> failed:\n");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "no_such_variable");
    /* The log names the line of the source. */
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), ":3:");

    /* A log holding a '%' reaches the message as is. */
    ASSERT_STATUS(pool, clpool_program_source(pool, "#error 100% broken %s %n\n", NULL, &prog),
                  CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "100% broken %s %n");

    /* A failure is not cached: the same source fails again, the same way. */
    ASSERT_STATUS(pool, clpool_program_source(pool, bad, NULL, &prog), CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "no_such_variable");

    ASSERT_STATUS(pool, clpool_program_source(pool, "__kernel void k(__global int *x) {}",
                                              "-no-such-option", &prog),
                  CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "-no-such-option");
}

static void test_unknown_kernel(clpool *pool)
{
    clpool_program *prog = NULL;
    clpool_kernel *k = NULL;
    const char *two = "__kernel void first(__global int *x) { x[get_global_id(0)] = 1; }\n"
                      "__kernel void second(__global int *x) { x[get_global_id(0)] = 2; }\n";
    ASSERT_OK(pool, clpool_program_source(pool, two, NULL, &prog));
    ASSERT_STATUS(pool, clpool_kernel_get(prog, "third", &k), CLPOOL_ENOKERNEL);
    ASSERT(k == NULL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "program <source> has no kernel 'third'");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "first");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "second");
    ASSERT_OK(pool, clpool_kernel_get(prog, "second", &k));
    clpool_program_free(prog);
}

static void test_device_filters(void)
{
    clpool_config cfg = test_config(CLPOOL_OPENCL);
    cfg.device = "nomatch";
    clpool *pool = NULL;
    ASSERT_STATUS(NULL, clpool_open(&cfg, &pool), CLPOOL_ENODEV);
    ASSERT(pool == NULL);
    ASSERT_STR_CONTAINS(clpool_errmsg(NULL), "no OpenCL device matches 'nomatch'");
    ASSERT_STR_CONTAINS(clpool_errmsg(NULL), "devices seen: [0] ");

    /* Whatever the device is, its type word picks it. */
    const char *types[] = {"cpu", "gpu", "accelerator"};
    int opened = 0;
    for (size_t i = 0; i < 3; i++) {
        cfg.device = types[i];
        int rc = clpool_open(&cfg, &pool);
        if (rc == CLPOOL_OK) {
            opened++;
            ASSERT_STR_CONTAINS(clpool_describe(pool), "opencl: ");
            clpool_close(pool);
        } else {
            ASSERT_EQ(rc, CLPOOL_ENODEV);
            ASSERT_STR_CONTAINS(clpool_errmsg(NULL), "devices seen:");
        }
    }
    ASSERT_GE(opened, 1);
}

/* A second pool on the same cache directory loads the binary instead of
 * compiling, and the loaded program runs. */
static void test_cache(void)
{
    char dir[] = "/tmp/clpool-smoke-XXXXXX";
    ASSERT(mkdtemp(dir) != NULL);
    clpool_config cfg = test_config(CLPOOL_OPENCL);
    cfg.cache_dir = dir;
    /* A source no other test builds, so the first build is a miss. */
    char src[256];
    snprintf(src, sizeof src,
             "/* %ld-%d */ __kernel void twice(__global int *x) { size_t i = get_global_id(0); "
             "x[i] = 2 * x[i]; }\n",
             (long)time(NULL), (int)getpid());
    for (int round = 0; round < 2; round++) {
        clpool *pool = NULL;
        ASSERT_OK(NULL, clpool_open(&cfg, &pool));
        clpool_program *prog = NULL;
        clpool_kernel *k = NULL;
        ASSERT_OK(pool, clpool_program_source(pool, src, NULL, &prog));
        ASSERT_EQ(prog->from_cache, round);
        ASSERT_OK(pool, clpool_kernel_get(prog, "twice", &k));
        int v[5] = {1, 2, 3, 4, 5};
        ASSERT_OK(pool, CLPOOL_MAP(k, 5, clpool_inout(v, sizeof(int))));
        for (int i = 0; i < 5; i++)
            ASSERT_EQ(v[i], 2 * (i + 1));
        clpool_close(pool); /* frees the program too */
    }
    ASSERT_EQ(test_remove_tree(dir), 0);
}

/* A kernel that runs for seconds, bounded by a 50 ms limit. */
static void test_timeout(void)
{
    clpool_config cfg = test_config(CLPOOL_OPENCL);
    /* Generous at first: PoCL compiles a kernel for the device at its first
     * enqueue, and that counts against the limit. */
    cfg.timeout_ms = 20000;
    clpool *pool = NULL;
    ASSERT_OK(NULL, clpool_open(&cfg, &pool));
    const char *spin = "__kernel void spin(__global uint *x, const uint rounds)\n"
                       "{\n"
                       "    size_t i = get_global_id(0);\n"
                       "    uint a = x[i];\n"
                       "    for (uint j = 0; j < rounds; j++)\n"
                       "        a = a * 1664525u + 1013904223u;\n"
                       "    x[i] = a;\n"
                       "}\n";
    clpool_program *prog = NULL;
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, spin, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "spin", &k));
    clpool_buffer *b = NULL;
    ASSERT_OK(pool, clpool_buffer_new(pool, 64 * sizeof(unsigned), &b));
    unsigned zero[64] = {0};
    ASSERT_OK(pool, clpool_buffer_write(b, 0, zero, sizeof zero));
    /* Short: well inside the limit, and it leaves the kernel compiled. */
    ASSERT_OK(pool, CLPOOL_MAP(k, 64, clpool_buf(b), clpool_u32(10)));
    pool->cfg.timeout_ms = 50;
    ASSERT_OK(pool, CLPOOL_MAP(k, 64, clpool_buf(b), clpool_u32(10)));
    /* Long: a few hundred ms on a CPU device, seconds under sanitizers. */
    ASSERT_STATUS(pool, CLPOOL_MAP(k, 64, clpool_buf(b), clpool_u32(40000000u)),
                  CLPOOL_ETIMEDOUT);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "kernel 'spin' over 64 items ran past the 50 ms");
    /* The pool is still usable: a read returns within its own limit, busy
     * while the long kernel runs, and reads once it has ended. */
    int rc;
    double t0 = test_seconds();
    while ((rc = clpool_buffer_read(b, 0, zero, sizeof zero)) == CLPOOL_ETIMEDOUT &&
           test_seconds() - t0 < 120)
        ASSERT_STR_CONTAINS(clpool_errmsg(pool), "still busy with kernel 'spin'");
    ASSERT_OK(pool, rc);
    clpool_close(pool);
}

int main(void)
{
    clpool *pool = test_open(CLPOOL_OPENCL, NULL);
    ASSERT_STR_CONTAINS(clpool_describe(pool), "opencl: ");
    test_saxpy_buffers(pool);
    test_build_failure(pool);
    test_unknown_kernel(pool);
    clpool_close(pool);

    test_device_filters();
    test_cache();
    test_timeout();
    return 0;
}
