/*
 * clpool-bench's OpenMP rows. Where the build has OpenMP: --backend openmp
 * gives one row per workload, backend openmp, with as many threads as
 * --workers, verified by the workload's own check, with no build times but a
 * launch latency, in mode host-arrays under --host-arrays where the workload
 * has elementwise arrays (buffers otherwise); a run of all backends has one
 * OpenMP row per workload, its speedup against the fork baseline, and a fork
 * run none. Without OpenMP: --backend openmp is "no backend" (exit 3) with the
 * reason, a run of all backends has no OpenMP row, and --help says so.
 * argv[1] is the clpool-bench binary.
 */
#include "bench_run.h"
#include "task.h"

#include <math.h>

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

#ifdef CLPOOL_BENCH_OPENMP

/* The value after "key": in [row, end), or NULL. */
static const char *field(const char *row, const char *end, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *at = strstr(row, pat);
    return at != NULL && at < end ? at + strlen(pat) : NULL;
}

/* Whether the string value of key in [row, end) is want (a prefix of it
 * when prefix is set). */
static int is(const char *row, const char *end, const char *key, const char *want, int prefix)
{
    const char *v = field(row, end, key);
    if (v == NULL || *v != '"')
        return 0;
    size_t len = strlen(want);
    return strncmp(v + 1, want, len) == 0 && (prefix || v[1 + len] == '"');
}

static double number(const char *row, const char *end, const char *key)
{
    const char *v = field(row, end, key);
    if (v == NULL)
        return NAN;
    char *stop;
    double x = strtod(v, &stop);
    return stop == v ? NAN : x;
}

/* The rows of a --json output, one at a time: *end is set to where the
 * row's text ends. */
static const char *next_row(const char *from, const char **end)
{
    const char *row = strstr(from, "{\"workload\":");
    if (row == NULL)
        return NULL;
    const char *next = strstr(row + 1, "{\"workload\":");
    *end = next != NULL ? next : row + strlen(row);
    return row;
}

/* Every workload, its OpenMP row alone, under --host-arrays. */
static void openmp_only(const char *bench)
{
    static const struct {
        const char *name, *mode;
    } workloads[] = {{"saxpy", "host-arrays"},      {"mandelbrot", "host-arrays"},
                     {"blackscholes", "host-arrays"}, {"nbody", "host-arrays"},
                     {"histogram", "buffers"},        {"matmul", "buffers"},
                     {"reduce", "buffers"}};
    char *args[] = {(char *)bench, "--backend", "openmp", "--workers", "2", "--host-arrays",
                    "--json", "--repeat", "2", "--size", "0.01", NULL};
    bench_output o = bench_run(bench, args, NULL);
    bench_output_show("--backend openmp --host-arrays --json", &o);
    ASSERT_EQ(o.status, 0);
    ASSERT_STR_CONTAINS(o.out, "\"devices\": [\"openmp 2 threads, loops built with ");
    size_t rows = 0;
    const char *end;
    for (const char *row = next_row(o.out, &end); row != NULL; row = next_row(end, &end)) {
        ASSERT(rows < sizeof workloads / sizeof workloads[0]);
        ASSERT(is(row, end, "workload", workloads[rows].name, 0));
        if (!is(row, end, "mode", workloads[rows].mode, 0))
            FAIL_("%s: mode should be %s: %.*s", workloads[rows].name, workloads[rows].mode,
                  (int)(end - row), row);
        ASSERT(is(row, end, "backend", "openmp", 0));
        ASSERT(is(row, end, "device", "2 threads, loops built with ", 1));
        /* The flags it was compiled with, in the describe text. */
        ASSERT(is(row, end, "describe", "openmp: 2 threads, loops built with ", 1));
        const char *describe = field(row, end, "describe");
        ASSERT(strstr(describe, "-O3") != NULL && strstr(describe, "-O3") < end);
        ASSERT(strncmp(field(row, end, "verified"), "true", 4) == 0);
        ASSERT(strncmp(field(row, end, "error"), "null", 4) == 0);
        ASSERT(strncmp(field(row, end, "baseline"), "false", 5) == 0);
        ASSERT(strncmp(field(row, end, "build_cold_ms"), "null", 4) == 0);
        ASSERT(strncmp(field(row, end, "build_warm_ms"), "null", 4) == 0);
        ASSERT(strncmp(field(row, end, "vs_explicit"), "null", 4) == 0);
        ASSERT_EQ(number(row, end, "runs"), 2);
        ASSERT(number(row, end, "seconds") > 0);
        ASSERT(number(row, end, "launch_us") > 0);
        rows++;
    }
    ASSERT_EQ(rows, sizeof workloads / sizeof workloads[0]);
    bench_output_free(&o);
}

/* Beside the fork rows: one OpenMP row, its speedup the fork baseline's
 * seconds / its own; and none in a fork run. */
static void beside_fork(const char *bench)
{
    char *args[] = {(char *)bench, "--workload", "saxpy", "--json", "--repeat", "1", "--size",
                    "0.01", NULL};
    bench_output o = bench_run(bench, args, NULL);
    bench_output_show("--json (all backends)", &o);
    ASSERT_EQ(o.status, 0);
    double base = NAN, omp = NAN, omp_speedup = NAN;
    size_t omp_rows = 0;
    const char *end;
    for (const char *row = next_row(o.out, &end); row != NULL; row = next_row(end, &end)) {
        if (strncmp(field(row, end, "baseline"), "true", 4) == 0)
            base = number(row, end, "seconds");
        if (is(row, end, "backend", "openmp", 0)) {
            omp_rows++;
            ASSERT(is(row, end, "mode", "buffers", 0));
            ASSERT(strncmp(field(row, end, "verified"), "true", 4) == 0);
            omp = number(row, end, "seconds");
            omp_speedup = number(row, end, "speedup");
        }
    }
    ASSERT_EQ(omp_rows, 1);
    /* Without a fork backend here the speedup is its own, 1. */
    double want = isnan(base) ? 1.0 : base / omp;
    ASSERT_NEAR(omp_speedup, want, 1e-3 * want);
    bench_output_free(&o);

    char *fork[] = {(char *)bench, "--backend", "fork", "--workload", "saxpy", "--json",
                    "--repeat", "1", "--size", "0.01", NULL};
    o = bench_run(bench, fork, NULL);
    bench_output_show("--backend fork --json", &o);
    if (o.status != 3) {
        ASSERT_EQ(o.status, 0);
        ASSERT_EQ(count(o.out, "\"backend\": \"openmp\""), 0);
    }
    bench_output_free(&o);

    char *list[] = {(char *)bench, "--list", NULL};
    o = bench_run(bench, list, NULL);
    ASSERT_EQ(o.status, 0);
    ASSERT_STR_CONTAINS(o.out, "\n  openmp  openmp: ");
    bench_output_free(&o);

    char *help[] = {(char *)bench, "--help", NULL};
    o = bench_run(bench, help, NULL);
    ASSERT_EQ(o.status, 0);
    ASSERT_STR_CONTAINS(o.out, "This clpool-bench has OpenMP.");
    bench_output_free(&o);
}

#else

static void without_openmp(const char *bench)
{
    char *only[] = {(char *)bench, "--backend", "openmp", "--size", "0.01", "--repeat", "1",
                    NULL};
    bench_output o = bench_run(bench, only, NULL);
    bench_output_show("--backend openmp, built without OpenMP", &o);
    ASSERT_EQ(o.status, 3);
    ASSERT_STR_CONTAINS(o.out, "openmp: unavailable: this clpool-bench was built without OpenMP");
    bench_output_free(&o);

    char *all[] = {(char *)bench, "--workload", "saxpy", "--json", "--repeat", "1", "--size",
                   "0.01", NULL};
    o = bench_run(bench, all, NULL);
    bench_output_show("--json (all backends), built without OpenMP", &o);
    ASSERT_EQ(count(o.out, "\"backend\": \"openmp\""), 0);
    bench_output_free(&o);

    char *help[] = {(char *)bench, "--help", NULL};
    o = bench_run(bench, help, NULL);
    ASSERT_EQ(o.status, 0);
    ASSERT_STR_CONTAINS(o.out, "built without OpenMP: it has no OpenMP rows");
    bench_output_free(&o);
}

#endif

int main(int argc, char **argv)
{
    ASSERT_EQ(argc, 2);
#ifdef CLPOOL_BENCH_OPENMP
    openmp_only(argv[1]);
    beside_fork(argv[1]);
#else
    without_openmp(argv[1]);
#endif
    return 0;
}
