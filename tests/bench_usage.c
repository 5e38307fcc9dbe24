/*
 * clpool-bench's command line: --help (and -h) documents every option,
 * environment variable and exit code; --version names clpool's version;
 * options take "--opt value" and "--opt=value"; usage errors exit 2 with the
 * usage on stderr. argv[1] is the clpool-bench binary.
 */
#include "bench_run.h"
#include "task.h"

static void expect_usage_error(const char *bench, char *const argv[])
{
    bench_output o = bench_run(bench, argv, NULL);
    if (o.status != 2 || strstr(o.err, "usage: clpool-bench") == NULL || o.out[0] != '\0') {
        bench_output_show(argv[1], &o);
        FAIL_("'%s' should be a usage error (exit 2, usage on stderr, nothing on stdout)",
              argv[1]);
    }
    bench_output_free(&o);
}

int main(int argc, char **argv)
{
    ASSERT_EQ(argc, 2);
    char *bench = argv[1];

    static const char *const documented[] = {
        "--backend", "--device", "--workload", "--size", "--repeat", "--warmup", "--workers",
        "--list", "--json", "--csv", "--markdown", "--svg FILE", "--version", "-h, --help",
        "--host-arrays", "host-alloc", "explicit-copy", "openmp", "OpenMP rows", "OMP_*",
        "--size=0.5", "Examples:", "spread", "min", "max", "CLPOOL_BACKEND",
        "CLPOOL_DEVICE", "CLPOOL_WORKERS", "CLPOOL_CACHE_DIR", "CLPOOL_TIMEOUT_MS",
        "CLPOOL_KERNELS_DIR", "Kernels: the .cl files are read from", "Exit status",
        "0  every row", "1  a row", "2  usage", "3  no backend"};
    char *help[] = {bench, "--help", NULL};
    char *h[] = {bench, "-h", NULL};
    char *const *helps[] = {help, h};
    for (size_t k = 0; k < 2; k++) {
        bench_output o = bench_run(bench, helps[k], NULL);
        ASSERT_EQ(o.status, 0);
        for (size_t i = 0; i < sizeof documented / sizeof documented[0]; i++)
            ASSERT_STR_CONTAINS(o.out, documented[i]);
        bench_output_free(&o);
    }

    char *version[] = {bench, "--version", NULL};
    bench_output o = bench_run(bench, version, NULL);
    ASSERT_EQ(o.status, 0);
    char want[64];
    snprintf(want, sizeof want, "(clpool %s)\n", CLPOOL_VERSION_STRING);
    ASSERT(strncmp(o.out, "clpool-bench ", 13) == 0);
    ASSERT_STR_CONTAINS(o.out, want);
    bench_output_free(&o);

    /* Both spellings of an option with a value; --list runs no workload. */
    char *eq[] = {bench, "--workload=saxpy", "--size=0.5", "--repeat=2", "--warmup=0",
                  "--list", NULL};
    char *sp[] = {bench, "--workload", "saxpy", "--size", "0.5", "--warmup", "0", "--list",
                  NULL};
    char *omp[] = {bench, "--backend=openmp", "--list", NULL};
    o = bench_run(bench, eq, NULL);
    bench_output_show("--opt=value", &o);
    ASSERT_EQ(o.status, 0);
    bench_output_free(&o);
    o = bench_run(bench, sp, NULL);
    ASSERT_EQ(o.status, 0);
    bench_output_free(&o);
    /* A backend with or without OpenMP in the build: --list says which. */
    o = bench_run(bench, omp, NULL);
    bench_output_show("--backend=openmp --list", &o);
    ASSERT_EQ(o.status, 0);
    ASSERT_STR_CONTAINS(o.out, "openmp");
    bench_output_free(&o);

    char *unknown[] = {bench, "--frobnicate", NULL};
    char *bad_backend[] = {bench, "--backend", "cuda", NULL};
    char *bad_workload[] = {bench, "--workload", "saxpy,nosuch", NULL};
    char *bad_size[] = {bench, "--size", "-1", NULL};
    char *bad_repeat[] = {bench, "--repeat", "0", NULL};
    char *both[] = {bench, "--json", "--csv", NULL};
    char *md_json[] = {bench, "--markdown", "--json", NULL};
    char *bad_eq[] = {bench, "--repeat=x", NULL};
    char *bad_warmup[] = {bench, "--warmup", "-1", NULL};
    char *no_svg[] = {bench, "--svg", NULL};
    char *empty_svg[] = {bench, "--svg=", NULL};
    char *flag_value[] = {bench, "--json=yes", NULL};
    char *missing[] = {bench, "--repeat", NULL};
    char *stray[] = {bench, "saxpy", NULL};
    expect_usage_error(bench, unknown);
    expect_usage_error(bench, bad_backend);
    expect_usage_error(bench, bad_workload);
    expect_usage_error(bench, bad_size);
    expect_usage_error(bench, bad_repeat);
    expect_usage_error(bench, both);
    expect_usage_error(bench, md_json);
    expect_usage_error(bench, bad_eq);
    expect_usage_error(bench, bad_warmup);
    expect_usage_error(bench, no_svg);
    expect_usage_error(bench, empty_svg);
    expect_usage_error(bench, flag_value);
    expect_usage_error(bench, missing);
    expect_usage_error(bench, stray);

    /* --list names every workload. */
    char *list[] = {bench, "--list", NULL};
    o = bench_run(bench, list, NULL);
    bench_output_show("--list", &o);
    ASSERT_STR_CONTAINS(o.out, "kernels from");
    ASSERT_EQ(o.status, 0);
    static const char *const workloads[] = {"saxpy", "mandelbrot", "blackscholes", "nbody",
                                            "histogram"};
    for (size_t i = 0; i < sizeof workloads / sizeof workloads[0]; i++)
        ASSERT_STR_CONTAINS(o.out, workloads[i]);
    bench_output_free(&o);
    return 0;
}
