/*
 * clpool-bench --host-arrays: every workload with elementwise arrays gets an
 * explicit-copy row, a host-arrays row and a host-alloc row (its arrays from
 * clpool_host_alloc) per backend, all verified, and the host-arrays and
 * host-alloc rows carry vs_explicit. A small chunk limit makes the host-array
 * maps run in chunks (host-alloc's too on OpenCL, where that memory is
 * ordinary), so verification covers the chunked path; on the fork backend
 * host-alloc's arrays are used in place. Where the build has OpenMP, the
 * workload's one OpenMP row is in mode host-arrays, with no vs_explicit.
 * argv[1] is the clpool-bench binary.
 */
#include "bench_run.h"
#include "task.h"

/* The value of "key": in row (up to end), or NULL. */
static const char *field(const char *row, const char *end, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *at = strstr(row, pat);
    return at != NULL && at < end ? at + strlen(pat) : NULL;
}

int main(int argc, char **argv)
{
    ASSERT_EQ(argc, 2);
    const char *bench = argv[1];

    /* 0.01 of saxpy is 167772 floats (655 KB per array): chunks of 64 KiB. */
    ASSERT(setenv("CLPOOL_MAX_CHUNK_BYTES", "65536", 1) == 0);
    char *args[] = {(char *)bench, "--host-arrays", "--json", "--workload", "saxpy",
                    "--repeat", "1", "--size", "0.01", NULL};
    bench_output o = bench_run(bench, args, NULL);
    bench_output_show("--host-arrays --json", &o);
    if (o.status == 3)
        return TEST_SKIP; /* no backend here */
    ASSERT_EQ(o.status, 0);

    /* Per backend: fork, opencl. */
    size_t host[2] = {0, 0}, explicit_copy[2] = {0, 0}, alloc[2] = {0, 0}, openmp = 0;
    for (const char *row = strstr(o.out, "{\"workload\":"); row != NULL;) {
        const char *next = strstr(row + 1, "{\"workload\":");
        const char *end = next != NULL ? next : row + strlen(row);
        const char *mode = field(row, end, "mode");
        const char *backend = field(row, end, "backend");
        const char *verified = field(row, end, "verified");
        const char *ratio = field(row, end, "vs_explicit");
        ASSERT(mode != NULL && backend != NULL && verified != NULL && ratio != NULL);
        ASSERT(strncmp(verified, "true", 4) == 0);
        row = next;
        if (strncmp(backend, "\"openmp\"", 8) == 0) {
            openmp++;
            ASSERT(strncmp(mode, "\"host-arrays\"", 13) == 0);
            ASSERT(strncmp(ratio, "null", 4) == 0);
            continue;
        }
        int b = strncmp(backend, "\"fork\"", 6) == 0 ? 0 : 1;
        ASSERT(b == 0 || strncmp(backend, "\"opencl\"", 8) == 0);
        if (strncmp(mode, "\"host-arrays\"", 13) == 0) {
            host[b]++;
            /* A positive number, not null. */
            ASSERT(strtod(ratio, NULL) > 0.0);
        } else if (strncmp(mode, "\"host-alloc\"", 12) == 0) {
            alloc[b]++;
            ASSERT(strtod(ratio, NULL) > 0.0);
        } else {
            ASSERT(strncmp(mode, "\"explicit-copy\"", 15) == 0);
            explicit_copy[b]++;
            ASSERT(strncmp(ratio, "null", 4) == 0);
        }
    }
    ASSERT_GE(host[0] + host[1], 1);
    for (int b = 0; b < 2; b++) {
        /* A row of each mode for each pool that ran. */
        ASSERT_EQ(host[b], explicit_copy[b]);
        ASSERT_EQ(alloc[b], explicit_copy[b]);
    }
#ifdef CLPOOL_BENCH_OPENMP
    ASSERT_EQ(openmp, 1);
#else
    ASSERT_EQ(openmp, 0);
#endif
    bench_output_free(&o);
    return 0;
}
