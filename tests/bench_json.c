/*
 * clpool-bench's machine-readable outputs: --json prints an object with
 * clpool's version, the date, the host and the devices, and rows that each
 * have every documented key (the spread over --repeat runs after --warmup
 * runs included); --csv a header and one line per row with the same facts;
 * --markdown a table under the header line; --svg FILE a chart with a bar
 * per row. argv[1] is the clpool-bench binary.
 */
#include "bench_run.h"
#include "task.h"

static const char *const required[] = {
    "workload", "backend", "device", "describe", "mode", "n", "baseline", "runs", "warmup",
    "seconds", "min_seconds", "max_seconds", "spread", "items_per_second",
    "gbytes_per_second", "gflops", "speedup", "build_cold_ms", "build_warm_ms", "launch_us",
    "vs_explicit", "verified", "error"};

/* The number after "key": in [row, end), or NAN when it is not a number. */
static double number(const char *row, const char *end, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *at = strstr(row, k);
    if (at == NULL || at >= end)
        return NAN;
    char *stop;
    double v = strtod(at + strlen(k), &stop);
    return stop == at + strlen(k) ? NAN : v;
}

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
        /* 3 timed runs after 2 warm-ups: min <= median <= max, and the
         * spread is theirs. */
        ASSERT_EQ(number(row, row + len, "runs"), 3);
        ASSERT_EQ(number(row, row + len, "warmup"), 2);
        double lo = number(row, row + len, "min_seconds");
        double med = number(row, row + len, "seconds");
        double hi = number(row, row + len, "max_seconds");
        double spread = number(row, row + len, "spread");
        ASSERT(lo > 0 && lo <= med && med <= hi);
        ASSERT_NEAR(spread, (hi - lo) / med, 1e-4 + 1e-4 * spread);
        rows++;
        row = next;
    }
    return rows;
}

static size_t count_lines(const char *s)
{
    size_t lines = 0;
    for (const char *p = s; *p != '\0'; p++)
        lines += *p == '\n';
    return lines;
}

int main(int argc, char **argv)
{
    ASSERT_EQ(argc, 2);
    const char *bench = argv[1];
    test_tmpdir("bench-json");
    const char *svg = test_under("run.svg");

    char *json_argv[] = {(char *)bench, "--json", "--workload", "saxpy", "--repeat", "3",
                         "--warmup=2", "--size", "0.01", "--svg", (char *)svg, NULL};
    bench_output o = bench_run(bench, json_argv, NULL);
    bench_output_show("--json", &o);
    if (o.status == 3)
        return TEST_SKIP; /* no backend here */
    ASSERT_EQ(o.status, 0);
    ASSERT(strncmp(o.out, "{\n  \"clpool_version\": \"", 23) == 0);
    ASSERT(strncmp(o.out + 23, CLPOOL_VERSION_STRING "\"", strlen(CLPOOL_VERSION_STRING) + 1) ==
           0);
    ASSERT_STR_CONTAINS(o.out, "\"date\": \"20");
    ASSERT_STR_CONTAINS(o.out, "\"host\": {\"cpu\": \"");
    ASSERT_STR_CONTAINS(o.out, "\"cores\": ");
    ASSERT_STR_CONTAINS(o.out, "\"devices\": [\"fork 1 worker process");
    ASSERT_STR_CONTAINS(o.out, "\"rows\": [");
    size_t len = strlen(o.out);
    ASSERT_GE(len, 3);
    ASSERT_GE(len, 7);
    ASSERT(strcmp(o.out + len - 7, "\n  ]\n}\n") == 0);
    size_t rows = check_rows(o.out);
    ASSERT_GE(rows, 1);
    ASSERT(strstr(o.out, "\"verified\": false") == NULL);
    /* Without --host-arrays every row is mode buffers, with no ratio. */
    ASSERT(strstr(o.out, "\"mode\": \"host-arrays\"") == NULL);
    ASSERT(strstr(o.out, "\"mode\": \"explicit-copy\"") == NULL);
    ASSERT(strstr(o.out, "\"vs_explicit\": null") != NULL);
    bench_output_free(&o);

    /* The chart: one SVG document with a bar (a titled rect) per row. */
    FILE *f = fopen(svg, "r");
    ASSERT(f != NULL);
    static char text[1 << 16];
    size_t got = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[got] = '\0';
    ASSERT(strncmp(text, "<?xml", 5) == 0);
    ASSERT_STR_CONTAINS(text, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
    ASSERT(got > 7 && strcmp(text + got - 7, "</svg>\n") == 0);
    ASSERT_STR_CONTAINS(text, "log scale");
    ASSERT_STR_CONTAINS(text, ">saxpy</text>");
    ASSERT_STR_CONTAINS(text, "clpool " CLPOOL_VERSION_STRING);
    size_t bars = 0;
    for (const char *p = strstr(text, "<rect x="); p != NULL; p = strstr(p + 1, "<rect x="))
        bars += strncmp(strstr(p, ">") + 1, "<title>", 7) == 0;
    ASSERT_EQ(bars, rows);

    char *csv_argv[] = {(char *)bench, "--csv", "--workload", "saxpy", "--repeat", "1",
                        "--size", "0.01", NULL};
    o = bench_run(bench, csv_argv, NULL);
    bench_output_show("--csv", &o);
    ASSERT_EQ(o.status, 0);
    ASSERT(strncmp(o.out, "workload,backend,device,n,seconds,items_per_second,", 51) == 0);
    ASSERT_STR_CONTAINS(o.out, ",min_seconds,max_seconds,spread,runs,warmup,clpool_version,"
                               "date,host_cpu,host_cores\n");
    ASSERT_STR_CONTAINS(o.out, "," CLPOOL_VERSION_STRING ",20");
    ASSERT_EQ(count_lines(o.out), rows + 1);
    bench_output_free(&o);

    char *md_argv[] = {(char *)bench, "--markdown", "--workload", "saxpy", "--repeat", "1",
                       "--size", "0.01", NULL};
    o = bench_run(bench, md_argv, NULL);
    bench_output_show("--markdown", &o);
    ASSERT_EQ(o.status, 0);
    ASSERT(strncmp(o.out, "**clpool " CLPOOL_VERSION_STRING " \\| ",
                   strlen("**clpool " CLPOOL_VERSION_STRING " \\| ")) == 0);
    ASSERT_STR_CONTAINS(o.out, "\n\n| workload | backend | device | n | seconds | min | max |");
    ASSERT_STR_CONTAINS(o.out, "| :--- | :--- | :--- | ---: |");
    /* The bold header line, a blank line, the header and rule, the rows. */
    ASSERT_EQ(count_lines(o.out), rows + 4);
    bench_output_free(&o);
    return 0;
}
