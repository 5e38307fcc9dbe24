/*
 * clpool-bench --json prints a JSON array whose every row has the documented
 * keys; --csv a header and one line per row. argv[1] is the clpool-bench
 * binary.
 */
#include "bench_run.h"
#include "task.h"

static const char *const required[] = {
    "workload", "backend", "device", "n", "seconds", "items_per_second", "speedup",
    "verified", "gbytes_per_second", "gflops", "build_cold_ms", "build_warm_ms", "launch_us",
    "mode", "vs_explicit"};

/* Checks every row of a --json output; returns the number of rows. */
static size_t check_rows(const char *json)
{
    size_t rows = 0;
    const char *row = strstr(json, "{\"workload\":");
    while (row != NULL) {
        const char *next = strstr(row + 1, "{\"workload\":");
        size_t len = next ? (size_t)(next - row) : strlen(row);
        for (size_t k = 0; k < sizeof required / sizeof required[0]; k++) {
            char key[64];
            snprintf(key, sizeof key, "\"%s\":", required[k]);
            const char *at = strstr(row, key);
            if (at == NULL || at >= row + len)
                FAIL_("row %zu has no %s: %.*s", rows, key, (int)len, row);
        }
        rows++;
        row = next;
    }
    return rows;
}

int main(int argc, char **argv)
{
    ASSERT_EQ(argc, 2);
    const char *bench = argv[1];

    char *json_argv[] = {(char *)bench, "--json", "--workload", "saxpy", "--repeat", "1",
                         "--size", "0.01", NULL};
    bench_output o = bench_run(bench, json_argv, NULL);
    bench_output_show("--json", &o);
    if (o.status == 3)
        return TEST_SKIP; /* no backend here */
    ASSERT_EQ(o.status, 0);
    ASSERT_EQ(o.out[0], '[');
    size_t len = strlen(o.out);
    ASSERT_GE(len, 3);
    ASSERT_EQ(o.out[len - 2], ']');
    ASSERT_EQ(o.out[len - 1], '\n');
    size_t rows = check_rows(o.out);
    ASSERT_GE(rows, 1);
    ASSERT(strstr(o.out, "\"verified\": false") == NULL);
    /* Without --host-arrays every row is mode buffers, with no ratio. */
    ASSERT(strstr(o.out, "\"mode\": \"host-arrays\"") == NULL);
    ASSERT(strstr(o.out, "\"mode\": \"explicit-copy\"") == NULL);
    ASSERT(strstr(o.out, "\"vs_explicit\": null") != NULL);
    bench_output_free(&o);

    char *csv_argv[] = {(char *)bench, "--csv", "--workload", "saxpy", "--repeat", "1",
                        "--size", "0.01", NULL};
    o = bench_run(bench, csv_argv, NULL);
    bench_output_show("--csv", &o);
    ASSERT_EQ(o.status, 0);
    ASSERT(strncmp(o.out, "workload,backend,device,n,seconds,items_per_second,", 51) == 0);
    size_t lines = 0;
    for (const char *p = o.out; *p != '\0'; p++)
        lines += *p == '\n';
    ASSERT_EQ(lines, rows + 1);
    bench_output_free(&o);
    return 0;
}
