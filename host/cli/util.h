/* Small helpers of clpool-bench: clocks, medians, a reproducible random
 * generator, number formatting. */
#ifndef CLPOOL_BENCH_UTIL_H
#define CLPOOL_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Seconds on a monotonic clock. */
double bench_now(void);

/* The median of v[0..n) (sorts v in place); NAN for n == 0. */
double bench_median(double *v, size_t n);

/* splitmix64: the same inputs on every machine and every run, without the
 * global state of rand(). */
uint64_t bench_rand_next(uint64_t *state);
/* Uniform in [lo, hi). */
float bench_rand_float(uint64_t *state, float lo, float hi);

/* A value with an SI prefix and 3 significant digits: "4.19 G", "812 k";
 * "-" for NAN. */
void bench_format_si(char *out, size_t len, double v);

/* Copies src into dst[len] (truncating, always terminated). */
void bench_copy(char *dst, size_t len, const char *src);

/* Rewrites the progress line on stderr ("\r", the text, erase to the end of
 * the line), only when stderr is a terminal; fmt NULL clears it. */
void bench_progress(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif /* CLPOOL_BENCH_UTIL_H */
