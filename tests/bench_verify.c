/*
 * clpool-bench's verification can fail: a deliberately wrong saxpy.cl makes
 * the row "not verified" and the exit status 1; the real kernels then exit 0.
 * argv[1] is the clpool-bench binary.
 */
#include "bench_run.h"
#include "task.h"

#include <sys/stat.h>

/* y = a*x + y + 1: the right shape, the wrong numbers. */
static const char wrong_saxpy[] =
    "__kernel void saxpy(const float a, __global const float *x, __global float *y)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    y[i] = a * x[i] + y[i] + 1.0f;\n"
    "}\n";

static bench_output run_saxpy(const char *bench, const char *backend, const char *kernels_dir,
                              const char *format)
{
    char *argv[] = {(char *)bench, "--workload", "saxpy", "--backend", (char *)backend,
                    "--repeat", "1", "--size", "0.01", (char *)format, NULL};
    return bench_run(bench, argv, kernels_dir);
}

int main(int argc, char **argv)
{
    ASSERT_EQ(argc, 2);
    const char *bench = argv[1];

    char dir[] = "/tmp/clpool-bench-verify-XXXXXX";
    ASSERT(mkdtemp(dir) != NULL);
    char path[sizeof dir + 16];
    snprintf(path, sizeof path, "%s/saxpy.cl", dir);
    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    ASSERT_EQ(fputs(wrong_saxpy, f) >= 0, 1);
    ASSERT_EQ(fclose(f), 0);

    /* The fork backend if it runs here, else OpenCL; neither: skipped. */
    const char *backend = "fork";
    bench_output o = run_saxpy(bench, backend, dir, NULL);
    if (o.status == 3) {
        bench_output_free(&o);
        backend = "opencl";
        o = run_saxpy(bench, backend, dir, NULL);
    }
    if (o.status == 3) {
        bench_output_show("no backend", &o);
        unlink(path);
        rmdir(dir);
        return TEST_SKIP;
    }
    bench_output_show("wrong kernel", &o);
    ASSERT_EQ(o.status, 1);
    ASSERT_STR_CONTAINS(o.out, "NOT verified");
    ASSERT_STR_CONTAINS(o.out, "NOT all verified");
    bench_output_free(&o);

    /* The same in JSON: the row says so too. */
    o = run_saxpy(bench, backend, dir, "--json");
    bench_output_show("wrong kernel, --json", &o);
    ASSERT_EQ(o.status, 1);
    ASSERT_STR_CONTAINS(o.out, "\"verified\": false");
    ASSERT(strstr(o.out, "\"verified\": true") == NULL);
    bench_output_free(&o);

    unlink(path);
    ASSERT_EQ(rmdir(dir), 0);

    /* The real kernel verifies. */
    o = run_saxpy(bench, backend, CLPOOL_KERNELS_DIR, NULL);
    bench_output_show("real kernel", &o);
    ASSERT_EQ(o.status, 0);
    ASSERT_STR_CONTAINS(o.out, "all verified");
    ASSERT(strstr(o.out, "NOT") == NULL);
    bench_output_free(&o);
    return 0;
}
