/* The output of clpool-bench: speedups, then the rows as an aligned table,
 * JSON, CSV or Markdown (the SVG chart: svg.h). */
#ifndef CLPOOL_BENCH_REPORT_H
#define CLPOOL_BENCH_REPORT_H

#include "env.h"
#include "options.h"
#include "row.h"

#include <stdio.h>

/* Sets every row's speedup against its workload's baseline row (the first
 * baseline row that ran; without one, the workload's first row that ran, and
 * then a line saying so goes to notes). */
void bench_report_speedups(bench_row *const *rows, size_t n, FILE *notes);

/* The table alone; the header line is the caller's. */
void bench_report_table(FILE *out, bench_row *const *rows, size_t n);
/* An object: clpool_version, date, host, devices, rows. */
void bench_report_json(FILE *out, const bench_env *env, bench_row *const *rows, size_t n);
/* A header line, then one line per row; env's facts in the last columns. */
void bench_report_csv(FILE *out, const bench_env *env, bench_row *const *rows, size_t n);
/* The header line in bold, the table, the notes as a list. */
void bench_report_markdown(FILE *out, const bench_env *env, bench_row *const *rows, size_t n);

#endif /* CLPOOL_BENCH_REPORT_H */
