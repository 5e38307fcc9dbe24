/* Measures one workload on one pool. Every array lives in a clpool buffer,
 * so the timed part is clpool_map alone. */
#include "measure.h"

#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Launch latency: 1-item maps until LAT_MAX of them or LAT_SECONDS have
 * passed, but at least LAT_MIN. */
#define LAT_MIN 10
#define LAT_MAX 200
#define LAT_SECONDS 0.25

/* Records what failed in row->error (keeping the first failure), with the
 * library's message folded onto one line. */
static void row_fail(bench_row *row, const char *what, int status, const char *detail)
{
    if (row->error[0] != '\0')
        return;
    snprintf(row->error, sizeof row->error, "%s: %s%s%s", what, clpool_strerror(status),
             detail != NULL && detail[0] != '\0' ? ": " : "", detail != NULL ? detail : "");
    for (char *p = row->error; *p != '\0'; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
}

/* The same build in a second pool on the same cache directory: what a
 * program that starts again pays. NAN (and a note in row) if it fails. */
static double warm_build_ms(const clpool_config *cfg, const char *path, bench_row *row)
{
    clpool *pool = NULL;
    int rc = clpool_open(cfg, &pool);
    if (rc != CLPOOL_OK) {
        row_fail(row, "warm build: second pool", rc, clpool_errmsg(NULL));
        return NAN;
    }
    clpool_program *prog = NULL;
    double t0 = bench_now();
    rc = clpool_program_file(pool, path, NULL, &prog);
    double ms = (bench_now() - t0) * 1e3;
    if (rc != CLPOOL_OK) {
        row_fail(row, "warm build", rc, clpool_errmsg(pool));
        ms = NAN;
    }
    clpool_program_free(prog);
    clpool_close(pool);
    return ms;
}

/* Puts the starting contents of every in-out array back. */
static int restore_inout(const bench_data *d, clpool_buffer *const *bufs)
{
    for (size_t i = 0; i < d->narrays; i++) {
        const bench_array *a = &d->arrays[i];
        if (a->dir == BENCH_INOUT) {
            int rc = clpool_buffer_write(bufs[i], 0, a->init, a->elem_size * a->count);
            if (rc != CLPOOL_OK)
                return rc;
        }
    }
    return CLPOOL_OK;
}

/* Median time of 1-item maps of the built kernel, in microseconds. */
static double launch_us(clpool *pool, clpool_kernel *k, const bench_workload *w,
                        const bench_data *d, clpool_buffer *const *bufs, bench_row *row)
{
    clpool_arg args[BENCH_MAX_ARGS];
    size_t nargs = w->bind(d, bufs, 1, args);
    double lat[LAT_MAX];
    size_t n = 0;
    double start = bench_now();
    while (n < LAT_MAX && (n < LAT_MIN || bench_now() - start < LAT_SECONDS)) {
        double t0 = bench_now();
        int rc = clpool_map(k, 1, args, nargs);
        lat[n++] = bench_now() - t0;
        if (rc != CLPOOL_OK) {
            row_fail(row, "1-item map", rc, clpool_errmsg(pool));
            return NAN;
        }
    }
    return bench_median(lat, n) * 1e6;
}

/* The timed runs: one untimed warm-up, then o->repeat runs, in-out arrays
 * restored before each (untimed). Returns the median seconds, or NAN. */
static double timed_runs(clpool *pool, clpool_kernel *k, const bench_workload *w,
                         const bench_data *d, clpool_buffer *const *bufs, int repeat,
                         const char *label, bench_row *row)
{
    clpool_arg args[BENCH_MAX_ARGS];
    size_t nargs = w->bind(d, bufs, d->n, args);
    double *times = malloc((size_t)repeat * sizeof *times);
    if (times == NULL) {
        row_fail(row, "timed runs", CLPOOL_ENOMEM, "no memory for the timings");
        return NAN;
    }
    double median = NAN;
    for (int r = -1; r < repeat; r++) {
        bench_progress("%s: %s: run %d of %d", label, w->name, r + 1, repeat);
        /* The buffers were just written for the warm-up. */
        int rc = r >= 0 ? restore_inout(d, bufs) : CLPOOL_OK;
        if (rc != CLPOOL_OK) {
            row_fail(row, "restoring the inputs", rc, clpool_errmsg(pool));
            goto free_times;
        }
        double t0 = bench_now();
        rc = clpool_map(k, d->n, args, nargs);
        double dt = bench_now() - t0;
        if (rc != CLPOOL_OK) {
            row_fail(row, "map", rc, clpool_errmsg(pool));
            goto free_times;
        }
        if (r >= 0)
            times[r] = dt;
    }
    median = bench_median(times, (size_t)repeat);
free_times:
    free(times);
    return median;
}

/* Reads back the INOUT and OUT arrays and asks the workload to verify them. */
static void verify(clpool *pool, const bench_workload *w, const bench_data *d,
                   clpool_buffer *const *bufs, bench_row *row)
{
    void *results[BENCH_MAX_ARRAYS] = {NULL};
    for (size_t i = 0; i < d->narrays; i++) {
        const bench_array *a = &d->arrays[i];
        if (a->dir == BENCH_IN)
            continue;
        if ((results[i] = malloc(a->elem_size * a->count)) == NULL) {
            row_fail(row, "verification", CLPOOL_ENOMEM, "no memory for the results");
            goto free_results;
        }
        int rc = clpool_buffer_read(bufs[i], 0, results[i], a->elem_size * a->count);
        if (rc != CLPOOL_OK) {
            row_fail(row, "reading the results", rc, clpool_errmsg(pool));
            goto free_results;
        }
    }
    char why[sizeof row->error - 32] = "";
    row->verified = w->verify(d, results, why, sizeof why);
    if (!row->verified)
        snprintf(row->error, sizeof row->error, "not verified: %s", why);
free_results:
    for (size_t i = 0; i < d->narrays; i++)
        free(results[i]);
}

void bench_measure(clpool *pool, const clpool_config *cfg, const bench_workload *w,
                   const bench_data *d, const bench_options *o, const char *label,
                   bench_row *row)
{
    row->n = d->n;
    row->verified = 0;
    row->seconds = row->items_per_second = row->gbytes_per_second = row->gflops = NAN;
    row->speedup = row->build_cold_ms = row->build_warm_ms = row->launch_us = NAN;
    row->error[0] = '\0';

    clpool_buffer *bufs[BENCH_MAX_ARRAYS] = {NULL};
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", o->kernels_dir, w->file) >= (int)sizeof path) {
        row_fail(row, "kernel path", CLPOOL_EINVAL, "too long");
        return;
    }

    bench_progress("%s: %s: building", label, w->name);
    clpool_program *prog = NULL;
    double t0 = bench_now();
    int rc = clpool_program_file(pool, path, NULL, &prog);
    row->build_cold_ms = (bench_now() - t0) * 1e3;
    if (rc != CLPOOL_OK) {
        row->build_cold_ms = NAN;
        row_fail(row, "build", rc, clpool_errmsg(pool));
        return;
    }
    clpool_kernel *k = NULL;
    rc = clpool_kernel_get(prog, w->kernel, &k);
    if (rc != CLPOOL_OK) {
        row_fail(row, "kernel", rc, clpool_errmsg(pool));
        goto free_prog;
    }

    for (size_t i = 0; i < d->narrays; i++) {
        const bench_array *a = &d->arrays[i];
        rc = clpool_buffer_new(pool, a->elem_size * a->count, &bufs[i]);
        if (rc == CLPOOL_OK && a->dir != BENCH_OUT)
            rc = clpool_buffer_write(bufs[i], 0, a->init, a->elem_size * a->count);
        if (rc != CLPOOL_OK) {
            row_fail(row, "buffers", rc, clpool_errmsg(pool));
            goto free_bufs;
        }
    }

    row->seconds = timed_runs(pool, k, w, d, bufs, o->repeat, label, row);
    if (isnan(row->seconds))
        goto free_bufs;
    row->items_per_second = (double)d->n / row->seconds;
    if (d->bytes > 0.0)
        row->gbytes_per_second = d->bytes / row->seconds * 1e-9;
    if (d->flops > 0.0)
        row->gflops = d->flops / row->seconds * 1e-9;
    verify(pool, w, d, bufs, row);

    /* Last: these maps overwrite the results just verified. */
    bench_progress("%s: %s: launch latency", label, w->name);
    row->launch_us = launch_us(pool, k, w, d, bufs, row);
    bench_progress("%s: %s: warm build", label, w->name);
    row->build_warm_ms = warm_build_ms(cfg, path, row);

free_bufs:
    for (size_t i = 0; i < d->narrays; i++)
        clpool_buffer_free(bufs[i]);
free_prog:
    clpool_program_free(prog);
}
