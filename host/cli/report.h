/* The output of clpool-bench: speedups, then the rows as an aligned table,
 * JSON or CSV. */
#ifndef CLPOOL_BENCH_REPORT_H
#define CLPOOL_BENCH_REPORT_H

#include "options.h"
#include "row.h"

#include <stdio.h>

/* Sets every row's speedup against its workload's baseline row (the first
 * baseline row that ran; without one, the workload's first row that ran, and
 * then a line saying so goes to notes). */
void bench_report_speedups(bench_row *const *rows, size_t n, FILE *notes);

void bench_report_table(FILE *out, bench_row *const *rows, size_t n);
void bench_report_json(FILE *out, bench_row *const *rows, size_t n);
void bench_report_csv(FILE *out, bench_row *const *rows, size_t n);

#endif /* CLPOOL_BENCH_REPORT_H */
