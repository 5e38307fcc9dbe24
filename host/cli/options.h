/* The command line of clpool-bench. */
#ifndef CLPOOL_BENCH_OPTIONS_H
#define CLPOOL_BENCH_OPTIONS_H

#include "workload.h"

#include <stddef.h>

/* Exit codes, documented in --help. */
enum {
    BENCH_EXIT_OK = 0,        /* every row verified */
    BENCH_EXIT_UNVERIFIED = 1, /* a row failed verification or could not run */
    BENCH_EXIT_USAGE = 2,
    BENCH_EXIT_NO_BACKEND = 3
};

typedef enum bench_backends {
    BENCH_BACKENDS_ALL = 0, /* the fork backend (baseline and N workers), OpenMP where built
                               with it, every OpenCL device */
    BENCH_BACKENDS_AUTO,    /* the pool CLPOOL_AUTO chooses, beside the baseline */
    BENCH_BACKENDS_OPENCL,  /* OpenCL devices only (no baseline) */
    BENCH_BACKENDS_FORK,    /* the fork backend only (baseline and N workers) */
    BENCH_BACKENDS_OPENMP   /* the OpenMP loops only (no baseline) */
} bench_backends;

typedef enum bench_format { BENCH_TABLE = 0, BENCH_JSON, BENCH_CSV, BENCH_MARKDOWN } bench_format;

typedef struct bench_options {
    bench_backends backends;
    const char *device;       /* OpenCL device filter; NULL: every device */
    const bench_workload *workloads[16];
    size_t nworkloads;
    double scale;             /* multiplies every default size */
    int repeat;               /* timed runs per row */
    int warmup;               /* untimed runs before them */
    int workers;              /* fork workers of the non-baseline row, and OpenMP threads;
                                 0: online CPUs */
    int list;
    int host_arrays;          /* --host-arrays: explicit-copy, host-arrays, host-alloc rows */
    bench_format format;
    const char *svg_path;     /* --svg FILE; NULL: no chart */
    const char *kernels_dir;
    const char *kernels_why;  /* how kernels_dir was found, for --help and --list */
} bench_options;

/* Parses argv (defaults from the environment first). Returns -1 when the
 * program should exit with *exit_code (usage error, or --help printed). */
int bench_options_parse(int argc, char **argv, bench_options *o, int *exit_code);

#endif /* CLPOOL_BENCH_OPTIONS_H */
