/* Clocks, medians, random numbers and formatting for clpool-bench. */
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double bench_now(void)
{
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail with a valid pointer on the systems clpool
     * supports; a zero time would show as an absurd timing, not a crash. */
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0.0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

uint64_t bench_rand_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

float bench_rand_float(uint64_t *state, float lo, float hi)
{
    /* The top 24 bits give every float in [0, 1) a uniform step. */
    float u = (float)(bench_rand_next(state) >> 40) * (1.0f / 16777216.0f);
    return lo + (hi - lo) * u;
}

void bench_format_si(char *out, size_t len, double v)
{
    static const char prefixes[] = " kMGTPE";
    if (isnan(v)) {
        snprintf(out, len, "-");
        return;
    }
    size_t p = 0;
    double a = fabs(v);
    while (a >= 999.5 && p + 1 < sizeof prefixes - 1) {
        a /= 1000.0;
        v /= 1000.0;
        p++;
    }
    if (p == 0)
        snprintf(out, len, "%.3g", v);
    else
        snprintf(out, len, "%.3g %c", v, prefixes[p]);
}

void bench_copy(char *dst, size_t len, const char *src)
{
    if (len == 0)
        return;
    snprintf(dst, len, "%s", src != NULL ? src : "");
}

void bench_progress(const char *fmt, ...)
{
    if (!isatty(STDERR_FILENO))
        return;
    fputs("\r\033[K", stderr);
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fflush(stderr);
}
