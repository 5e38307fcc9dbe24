/* One result row of clpool-bench: a workload on a backend and device. Rows
 * are plain fixed-size structs because the process that measures them (a
 * child per backend, see target.c) sends them to the parent through a pipe. */
#ifndef CLPOOL_BENCH_ROW_H
#define CLPOOL_BENCH_ROW_H

#include <stdint.h>

typedef struct bench_row {
    char workload[32];
    char backend[16];          /* "fork", "opencl", "auto" */
    char device[96];           /* clpool_describe, shortened */
    char describe[320];        /* clpool_describe, whole */
    char mode[16];             /* "buffers", "host-arrays", "explicit-copy", "host-alloc" */
    uint64_t n;
    int baseline;              /* this row's target is the single-process baseline */
    int verified;              /* the results matched the C reference */
    /* NAN where unknown or not meaningful (null in JSON). */
    double seconds;            /* median of the timed runs */
    double min_seconds;        /* the fastest timed run */
    double max_seconds;        /* the slowest timed run */
    double spread;             /* (max - min) / median: how much the runs disagree */
    int runs;                  /* timed runs (--repeat), after warmup untimed ones */
    int warmup;
    double items_per_second;
    double gbytes_per_second;
    double gflops;
    double speedup;            /* filled in by the parent: baseline seconds / seconds */
    double build_cold_ms;
    double build_warm_ms;
    double launch_us;
    double vs_explicit;        /* host-arrays and host-alloc rows: its throughput / the
                                  explicit-copy row's on the same pool; NAN on others */
    char error[512];           /* why the row has no result or is not verified; "" if none */
} bench_row;

/* What a measuring child sends: a row, a backend it could not open, or (for
 * --list) a backend it could open. */
typedef enum bench_msg_kind {
    BENCH_MSG_ROW = 1,
    BENCH_MSG_UNAVAILABLE,
    BENCH_MSG_AVAILABLE
} bench_msg_kind;

typedef struct bench_msg {
    int kind;
    bench_row row;             /* UNAVAILABLE/AVAILABLE: backend, device, describe, error */
} bench_msg;

#endif /* CLPOOL_BENCH_ROW_H */
