/* clpool-bench --svg FILE: a bar chart of a run, as one self-contained SVG
 * file (no scripts, no external fonts or styles): one group of bars per
 * workload, one bar per backend (and mode), items per second on a log
 * scale, every bar labelled with its value, a legend, and the header line. */
#ifndef CLPOOL_BENCH_SVG_H
#define CLPOOL_BENCH_SVG_H

#include "env.h"
#include "row.h"

#include <stddef.h>

/* Writes the chart of rows[0..n) to path. 0, or -1 with errno set. */
int bench_svg_write(const char *path, const bench_env *env, bench_row *const *rows, size_t n);

#endif /* CLPOOL_BENCH_SVG_H */
