/* Measures one workload on one open pool: builds (cold and warm), timed runs,
 * verification, launch latency. */
#ifndef CLPOOL_BENCH_MEASURE_H
#define CLPOOL_BENCH_MEASURE_H

#include "options.h"
#include "row.h"
#include "workload.h"

#include <clpool.h>

/* Runs w (set up in d) on pool and fills row's measurements, verified and
 * error (its identification is the caller's). cfg is the configuration pool
 * was opened with: the warm build opens a second pool with it, on the same
 * cache directory. label names the pool on the progress line. */
void bench_measure(clpool *pool, const clpool_config *cfg, const bench_workload *w,
                   const bench_data *d, const bench_options *o, const char *label,
                   bench_row *row);

#endif /* CLPOOL_BENCH_MEASURE_H */
