/* What every row of clpool-bench is measured with, whatever runs it (a
 * clpool map, measure.c; an OpenMP loop, measure_openmp.c): the warm-up and
 * timed runs, the latency of a small run, the rates, the verification. */
#ifndef CLPOOL_BENCH_RUNS_H
#define CLPOOL_BENCH_RUNS_H

#include "options.h"
#include "row.h"
#include "workload.h"

/* A row's timed part: restore (untimed, before each run) and run (timed).
 * Both return a clpool status; errmsg (NULL: none) gives the message behind
 * a failed one. */
typedef struct bench_step {
    int (*restore)(void *ctx);
    int (*run)(void *ctx);
    const char *(*errmsg)(void *ctx);
    void *ctx;
} bench_step;

/* Clears row's measurements (NAN, unverified, no error) for a row of n
 * items; its identification stays. */
void bench_row_reset(bench_row *row, size_t n);

/* Records what failed in row->error (keeping the first failure), with the
 * detail (the library's message) folded onto one line. */
void bench_row_fail(bench_row *row, const char *what, int status, const char *detail);

/* o->warmup untimed runs of s, then o->repeat timed ones, each after a
 * restore; the progress line names label, workload and the row's mode. Sets
 * the row's median, min, max, spread, runs and warmup; on a failure its
 * seconds stay NAN and its error says what failed. */
void bench_timed_runs(const bench_step *s, const bench_options *o, const char *label,
                      const char *workload, bench_row *row);

/* The median time of once(ctx), in microseconds: at least 10 calls, then
 * more until 200 or a quarter of a second. On failure, the status of the call
 * that failed (and *us NAN). */
int bench_latency_us(int (*once)(void *ctx), void *ctx, double *us);

/* items/s, GB/s and GFLOP/s from the row's seconds and d's metric sizes. */
void bench_row_rates(bench_row *row, const bench_data *d);

/* Hands results (per array of d: the contents of INOUT and OUT arrays, NULL
 * for IN) to w's verify; sets row->verified, and the mismatch in row->error. */
void bench_row_verify(bench_row *row, const bench_workload *w, const bench_data *d,
                      void *const *results);

#endif /* CLPOOL_BENCH_RUNS_H */
