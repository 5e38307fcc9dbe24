/*
 * OpenCL after a map that hit timeout_ms (issue 12, item 10): the kernel
 * keeps running (OpenCL cannot stop it), but later calls on the pool return
 * within their own time limit, with a message that the device is still busy
 * with the timed-out kernel, instead of waiting behind it; once it ends the
 * pool works again; and clpool_close returns while such a kernel runs.
 */
#include "task.h"

#include <signal.h>
#include <unistd.h>

static const char source[] =
    "__kernel void spin(__global uint *out, const ulong iters)\n"
    "{\n"
    "    volatile uint acc = 0;\n"
    "    for (ulong i = 0; i < iters; i++)\n"
    "        acc += i;\n"
    "    out[get_global_id(0)] = acc;\n"
    "}\n"
    "__kernel void one(__global uint *out) { out[get_global_id(0)] = 1u; }\n";

#define LIMIT_MS 300

static double ms_since(double t0)
{
    return (test_seconds() - t0) * 1e3;
}

int main(void)
{
    alarm(240); /* a hang fails the test, not ctest's timeout */
    clpool_config cfg = test_config(CLPOOL_OPENCL);
    cfg.device = "cpu";
    cfg.timeout_ms = LIMIT_MS;
    clpool *pool = test_open_cfg(&cfg);
    clpool_program *prog = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    clpool_kernel *spin = NULL, *one = NULL;
    ASSERT_OK(pool, clpool_kernel_get(prog, "spin", &spin));
    ASSERT_OK(pool, clpool_kernel_get(prog, "one", &one));
    clpool_buffer *buf = NULL;
    ASSERT_OK(pool, clpool_buffer_new(pool, 16 * sizeof(unsigned), &buf));

    /* How many iterations make a few seconds: well past the limit. */
    uint64_t iters = 1u << 20;
    double took = 0;
    ASSERT_OK(pool, CLPOOL_MAP(spin, 1, clpool_buf(buf), clpool_u64(16))); /* first launch */
    for (;;) {
        double t0 = test_seconds();
        ASSERT_OK(pool, CLPOOL_MAP(spin, 1, clpool_buf(buf), clpool_u64(iters)));
        took = ms_since(t0);
        if (took > 20 || iters >= ((uint64_t)1 << 36))
            break;
        iters *= 4;
    }
    double want_ms = 4000;
    double scaled = (double)iters * want_ms / (took > 0.01 ? took : 0.01);
    uint64_t big = scaled > 1e13 ? (uint64_t)1e13 : (uint64_t)scaled;
    fprintf(stderr, "%" PRIu64 " iterations took %.1f ms; the long map runs %" PRIu64 "\n",
            iters, took, big);

    ASSERT_STATUS(pool, CLPOOL_MAP(spin, 1, clpool_buf(buf), clpool_u64(big)), CLPOOL_ETIMEDOUT);

    /* The kernel runs on: a read and a map both come back within their
     * limit, saying why. */
    unsigned host[16];
    double t0 = test_seconds();
    int rc = clpool_buffer_read(buf, 0, host, sizeof host);
    double waited = ms_since(t0);
    if (rc != CLPOOL_ETIMEDOUT)
        FAIL_("a read after the timed-out map gave %s after %.0f ms: %s", clpool_err_name(rc),
              waited, clpool_errmsg(pool));
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "still busy");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "'spin'");
    ASSERT_STATUS(pool, CLPOOL_MAP(one, 16, clpool_buf(buf)), CLPOOL_ETIMEDOUT);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "still busy");

    /* Once it ends, the pool works again. */
    t0 = test_seconds();
    while ((rc = clpool_buffer_read(buf, 0, host, sizeof host)) == CLPOOL_ETIMEDOUT &&
           ms_since(t0) < 120000)
        ;
    ASSERT_OK(pool, rc);
    ASSERT_OK(pool, CLPOOL_MAP(one, 16, clpool_buf(buf)));
    ASSERT_OK(pool, clpool_buffer_read(buf, 0, host, sizeof host));
    ASSERT_EQ(host[5], 1);

    /* Close while a timed-out kernel runs: it returns. */
    ASSERT_STATUS(pool, CLPOOL_MAP(spin, 1, clpool_buf(buf), clpool_u64(big)), CLPOOL_ETIMEDOUT);
    t0 = test_seconds();
    clpool_close(pool);
    fprintf(stderr, "clpool_close took %.0f ms\n", ms_since(t0));
    return 0;
}
