/* The measuring every row shares (runs.h). */
#include "runs.h"

#include "util.h"

#include <clpool.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Latency: calls until LAT_MAX of them or LAT_SECONDS have passed, but at
 * least LAT_MIN. */
#define LAT_MIN 10
#define LAT_MAX 200
#define LAT_SECONDS 0.25

void bench_row_reset(bench_row *row, size_t n)
{
    row->n = n;
    row->verified = 0;
    row->seconds = row->items_per_second = row->gbytes_per_second = row->gflops = NAN;
    row->min_seconds = row->max_seconds = row->spread = NAN;
    row->speedup = row->vs_explicit = NAN;
    row->build_cold_ms = row->build_warm_ms = row->launch_us = NAN;
    row->runs = row->warmup = 0;
    row->error[0] = '\0';
}

void bench_row_fail(bench_row *row, const char *what, int status, const char *detail)
{
    if (row->error[0] != '\0')
        return;
    snprintf(row->error, sizeof row->error, "%s: %s%s%s", what, clpool_strerror(status),
             detail != NULL && detail[0] != '\0' ? ": " : "", detail != NULL ? detail : "");
    for (char *p = row->error; *p != '\0'; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
}

void bench_timed_runs(const bench_step *s, const bench_options *o, const char *label,
                      const char *workload, bench_row *row)
{
    int repeat = o->repeat, warmup = o->warmup;
    double *times = malloc((size_t)repeat * sizeof *times);
    if (times == NULL) {
        bench_row_fail(row, "timed runs", CLPOOL_ENOMEM, "no memory for the timings");
        return;
    }
    for (int r = -warmup; r < repeat; r++) {
        if (r < 0)
            bench_progress("%s: %s (%s): warm-up %d of %d", label, workload, row->mode,
                           r + warmup + 1, warmup);
        else
            bench_progress("%s: %s (%s): run %d of %d", label, workload, row->mode, r + 1,
                           repeat);
        int rc = s->restore(s->ctx);
        if (rc != CLPOOL_OK) {
            bench_row_fail(row, "restoring the inputs", rc,
                           s->errmsg != NULL ? s->errmsg(s->ctx) : NULL);
            goto free_times;
        }
        double t0 = bench_now();
        rc = s->run(s->ctx);
        double dt = bench_now() - t0;
        if (rc != CLPOOL_OK) {
            bench_row_fail(row, "map", rc, s->errmsg != NULL ? s->errmsg(s->ctx) : NULL);
            goto free_times;
        }
        if (r >= 0)
            times[r] = dt;
    }
    row->seconds = bench_median(times, (size_t)repeat); /* sorts them */
    row->min_seconds = times[0];
    row->max_seconds = times[repeat - 1];
    row->spread = (row->max_seconds - row->min_seconds) / row->seconds;
    row->runs = repeat;
    row->warmup = warmup;
free_times:
    free(times);
}

int bench_latency_us(int (*once)(void *ctx), void *ctx, double *us)
{
    double lat[LAT_MAX];
    size_t n = 0;
    double start = bench_now();
    *us = NAN;
    while (n < LAT_MAX && (n < LAT_MIN || bench_now() - start < LAT_SECONDS)) {
        double t0 = bench_now();
        int rc = once(ctx);
        lat[n++] = bench_now() - t0;
        if (rc != CLPOOL_OK)
            return rc;
    }
    *us = bench_median(lat, n) * 1e6;
    return CLPOOL_OK;
}

void bench_row_rates(bench_row *row, const bench_data *d)
{
    row->items_per_second = (double)d->n / row->seconds;
    if (d->bytes > 0.0)
        row->gbytes_per_second = d->bytes / row->seconds * 1e-9;
    if (d->flops > 0.0)
        row->gflops = d->flops / row->seconds * 1e-9;
}

void bench_row_verify(bench_row *row, const bench_workload *w, const bench_data *d,
                      void *const *results)
{
    char why[sizeof row->error - 32] = "";
    row->verified = w->verify(d, results, why, sizeof why);
    if (!row->verified)
        snprintf(row->error, sizeof row->error, "not verified: %s", why);
}
