/*
 * timeout_ms bounds a whole chunked map, not each chunk: a map of many
 * short chunks that together run far past the limit is CLPOOL_ETIMEDOUT,
 * and the pool works afterwards. On the fork backend (first: no process that
 * has initialised OpenCL may fork) and on OpenCL, each with chunks one after
 * another and with overlapped copies (CLPOOL_CHUNK_OVERLAP).
 * ctest parts: fork opencl
 */
#include "task.h"
#include "faults_util.h" /* faults_time_scale() */

#include "internal.h" /* pool->cfg.timeout_ms */

static const char *SRC =
    "__kernel void slow(__global const float *x, __global float *y, const int iters)\n"
    "{\n"
    "    size_t i = get_global_id(0);\n"
    "    float acc = 0.0f;\n"
    "    for (int j = 0; j < iters; j++)\n"
    "        acc = acc * 0.999f + x[i];\n"
    "    y[i] = acc;\n"
    "}\n";

static void run(clpool *pool, int overlap)
{
    ASSERT_EQ(setenv("CLPOOL_CHUNK_OVERLAP", overlap ? "1" : "0", 1), 0);
    fprintf(stderr, "%s, overlap %d\n", clpool_describe(pool), overlap);
    clpool_program *prog = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, SRC, NULL, &prog));
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_kernel_get(prog, "slow", &k));
    const size_t n = 1 << 20; /* 64 chunks of 16384 items */
    float *x = calloc(n, 4), *y = calloc(n, 4);
    ASSERT(x != NULL && y != NULL);

    /* One chunk's time, to size the map at about 16 times the limit. */
    double t0 = test_seconds();
    ASSERT_OK(pool, CLPOOL_MAP(k, 16384, clpool_in(x, 4), clpool_out(y, 4), clpool_i32(1000)));
    double chunk_s = test_seconds() - t0;
    int iters = 1000;
    const unsigned limit_ms = 200;
    /* Aim for chunks of ~limit/4 each: 64 of them run ~16 limits. */
    double want = (double)limit_ms * 1e-3 / 4;
    if (chunk_s > 0)
        iters = (int)(1000.0 * want / chunk_s) + 1;
    fprintf(stderr, "one chunk at 1000 iterations: %.1f ms; using %d iterations\n",
            chunk_s * 1e3, iters);

    pool->cfg.timeout_ms = limit_ms; /* the test links the internal library */
    t0 = test_seconds();
    int rc = CLPOOL_MAP(k, n, clpool_in(x, 4), clpool_out(y, 4), clpool_i32(iters));
    double took = test_seconds() - t0;
    fprintf(stderr, "map: %s after %.0f ms: %s\n", clpool_err_name(rc), took * 1e3,
            clpool_errmsg(pool));
    ASSERT_EQ(rc, CLPOOL_ETIMEDOUT);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "timeout_ms");
    /* The limit, plus at most about one chunk (a bound against a hang, with
     * room for a slow machine). */
    ASSERT_LT(took * 1e3, limit_ms * 3 * faults_time_scale());
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "200 ms limit");
    /* On OpenCL the chunk that timed out still runs and the next map waits
     * for it; on fork its workers were replaced. Either way the pool works,
     * chunked too. */
    pool->cfg.timeout_ms = 0;
    ASSERT_OK(pool, CLPOOL_MAP(k, 16, clpool_in(x, 4), clpool_out(y, 4), clpool_i32(1)));
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(i % 100);
    ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_in(x, 4), clpool_out(y, 4), clpool_i32(1)));
    for (size_t i = 0; i < n; i += 4099)
        ASSERT(y[i] == (float)(i % 100));
    free(x), free(y);
    clpool_program_free(prog);
}

int main(void)
{
    ASSERT_EQ(setenv("CLPOOL_MAX_CHUNK_BYTES", "65536", 1), 0);
    int ran = 0;
    const clpool_backend backends[] = {CLPOOL_FORK, CLPOOL_OPENCL};
    for (int b = 0; b < 2; b++) {
        clpool_config cfg = test_config(backends[b]);
        clpool *pool = test_try_open(&cfg);
        if (pool == NULL)
            continue;
        run(pool, 0);
        run(pool, 1);
        clpool_close(pool);
        ran++;
    }
    return ran > 0 ? 0 : TEST_SKIP;
}
