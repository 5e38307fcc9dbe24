/* Measures one workload on one open pool: builds (cold and warm), timed runs,
 * verification, launch latency; or as an OpenMP loop, with no pool. */
#ifndef CLPOOL_BENCH_MEASURE_H
#define CLPOOL_BENCH_MEASURE_H

#include "options.h"
#include "row.h"
#include "workload.h"

#include <clpool.h>

#define BENCH_MAX_MODES 3

/* Sets the mode of each row that w (set up in d) gets under o, in order, and
 * returns their count (at most BENCH_MAX_MODES): one buffers row, or with
 * --host-arrays an explicit-copy row, a host-arrays row and a host-alloc row
 * (a workload without elementwise arrays keeps its one buffers row). */
size_t bench_measure_rows(const bench_options *o, const bench_data *d, bench_row *rows);

/* Runs w on pool in the modes of rows[0..nrows) (from bench_measure_rows)
 * and fills their measurements, verified, vs_explicit and error (their
 * identification is the caller's). cfg is the configuration pool was opened
 * with: the warm build opens a second pool with it, on the same cache
 * directory. label names the pool on the progress line. */
void bench_measure(clpool *pool, const clpool_config *cfg, const bench_workload *w,
                   const bench_data *d, const bench_options *o, const char *label,
                   bench_row *rows, size_t nrows);

/* The OpenMP row of w (measure_openmp.c): its kernel as an OpenMP loop, on
 * d's inputs in ordinary memory, with the thread count set before
 * (bench_openmp_threads). Sets the row's mode (buffers, or with
 * --host-arrays host-arrays where w has elementwise arrays: the mode whose
 * data also starts and ends in ordinary memory), its measurements, verified
 * and error; launch_us is a loop over as many items as the clpool rows'
 * launch map; no build, no vs_explicit. */
void bench_measure_openmp(const bench_workload *w, const bench_data *d, const bench_options *o,
                          const char *label, bench_row *row);

#endif /* CLPOOL_BENCH_MEASURE_H */
