/* Measures one workload on one pool, in one mode (buffers: the timed part
 * is clpool_map alone) or two (--host-arrays: explicit-copy and host-arrays,
 * see transfer.h). The build and the launch latency are measured once and
 * shared by the rows. */
#include "measure.h"

#include "transfer.h"
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

/* Median time of 1-item maps of the built kernel (a whole group's for a
 * workload that sets launch_items), in microseconds. */
static double launch_us(clpool *pool, clpool_kernel *k, const bench_workload *w,
                        const bench_data *d, clpool_buffer *const *bufs, bench_row *row)
{
    clpool_arg args[BENCH_MAX_ARGS];
    size_t items = w->launch_items != 0 ? w->launch_items : 1;
    size_t nargs = w->bind(d, bufs, items, args);
    double lat[LAT_MAX];
    size_t n = 0;
    double start = bench_now();
    while (n < LAT_MAX && (n < LAT_MIN || bench_now() - start < LAT_SECONDS)) {
        double t0 = bench_now();
        int rc = clpool_map(k, items, args, nargs);
        lat[n++] = bench_now() - t0;
        if (rc != CLPOOL_OK) {
            row_fail(row, "1-item map", rc, clpool_errmsg(pool));
            return NAN;
        }
    }
    return bench_median(lat, n) * 1e6;
}

/* The timed runs of one mode: one untimed warm-up, then o->repeat runs,
 * in-out arrays restored before each (untimed). Returns the median seconds,
 * or NAN. */
static double timed_runs(clpool *pool, clpool_kernel *k, const bench_workload *w,
                         bench_io *io, int repeat, const char *label, bench_row *row)
{
    double *times = malloc((size_t)repeat * sizeof *times);
    if (times == NULL) {
        row_fail(row, "timed runs", CLPOOL_ENOMEM, "no memory for the timings");
        return NAN;
    }
    double median = NAN;
    for (int r = -1; r < repeat; r++) {
        bench_progress("%s: %s (%s): run %d of %d", label, w->name, row->mode, r + 1, repeat);
        /* The warm-up also restores: the buffers of explicit-copy's whole
         * arrays were written when they were made, but an earlier mode's
         * runs may have changed them since. */
        int rc = bench_io_restore(io);
        if (rc != CLPOOL_OK) {
            row_fail(row, "restoring the inputs", rc, clpool_errmsg(pool));
            goto free_times;
        }
        double t0 = bench_now();
        rc = bench_io_run(io, k);
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

/* Asks the workload to verify the results of io's last run. */
static void verify(clpool *pool, const bench_workload *w, const bench_io *io, bench_row *row)
{
    void *results[BENCH_MAX_ARRAYS] = {NULL};
    int rc = bench_io_results(io, results);
    if (rc != CLPOOL_OK) {
        row_fail(row, "reading the results", rc,
                 rc == CLPOOL_ENOMEM ? "no memory for the results" : clpool_errmsg(pool));
    } else {
        char why[sizeof row->error - 32] = "";
        row->verified = w->verify(io->d, results, why, sizeof why);
        if (!row->verified)
            snprintf(row->error, sizeof row->error, "not verified: %s", why);
    }
    bench_io_results_free(io, results);
}

/* One mode's row: the timed runs, their metrics, verification. */
static void measure_mode(clpool *pool, clpool_kernel *k, const bench_workload *w,
                         const bench_data *d, clpool_buffer *const *bufs, const bench_options *o,
                         const char *label, bench_row *row)
{
    bench_mode mode = strcmp(row->mode, bench_mode_name(BENCH_MODE_HOST)) == 0 ? BENCH_MODE_HOST
                      : strcmp(row->mode, bench_mode_name(BENCH_MODE_EXPLICIT)) == 0
                          ? BENCH_MODE_EXPLICIT
                          : BENCH_MODE_BUFFERS;
    bench_io io;
    int rc = bench_io_init(&io, mode, w, d, bufs);
    if (rc != CLPOOL_OK) {
        row_fail(row, "host arrays", rc, "no memory for them");
        goto free_io;
    }
    row->seconds = timed_runs(pool, k, w, &io, o->repeat, label, row);
    if (isnan(row->seconds))
        goto free_io;
    row->items_per_second = (double)d->n / row->seconds;
    if (d->bytes > 0.0)
        row->gbytes_per_second = d->bytes / row->seconds * 1e-9;
    if (d->flops > 0.0)
        row->gflops = d->flops / row->seconds * 1e-9;
    verify(pool, w, &io, row);
free_io:
    bench_io_free(&io);
}

size_t bench_measure_rows(const bench_options *o, const bench_data *d, bench_row *rows)
{
    if (!o->host_arrays || !bench_has_host_arrays(d)) {
        bench_copy(rows[0].mode, sizeof rows[0].mode, bench_mode_name(BENCH_MODE_BUFFERS));
        return 1;
    }
    /* The reference first, so that the host-arrays row can be compared
     * with it as soon as it is measured. */
    bench_copy(rows[0].mode, sizeof rows[0].mode, bench_mode_name(BENCH_MODE_EXPLICIT));
    bench_copy(rows[1].mode, sizeof rows[1].mode, bench_mode_name(BENCH_MODE_HOST));
    return 2;
}

void bench_measure(clpool *pool, const clpool_config *cfg, const bench_workload *w,
                   const bench_data *d, const bench_options *o, const char *label,
                   bench_row *rows, size_t nrows)
{
    /* What the rows share: the build, the launch latency, their failures. */
    bench_row common;
    memset(&common, 0, sizeof common);
    common.build_cold_ms = common.build_warm_ms = common.launch_us = NAN;
    for (size_t m = 0; m < nrows; m++) {
        bench_row *row = &rows[m];
        row->n = d->n;
        row->verified = 0;
        row->seconds = row->items_per_second = row->gbytes_per_second = row->gflops = NAN;
        row->speedup = row->vs_explicit = NAN;
        row->error[0] = '\0';
    }

    clpool_buffer *bufs[BENCH_MAX_ARRAYS] = {NULL};
    clpool_program *prog = NULL;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", o->kernels_dir, w->file) >= (int)sizeof path) {
        row_fail(&common, "kernel path", CLPOOL_EINVAL, "too long");
        goto share;
    }

    bench_progress("%s: %s: building", label, w->name);
    double t0 = bench_now();
    int rc = clpool_program_file(pool, path, NULL, &prog);
    common.build_cold_ms = (bench_now() - t0) * 1e3;
    if (rc != CLPOOL_OK) {
        common.build_cold_ms = NAN;
        row_fail(&common, "build", rc, clpool_errmsg(pool));
        goto share;
    }
    clpool_kernel *k = NULL;
    rc = clpool_kernel_get(prog, w->kernel, &k);
    if (rc != CLPOOL_OK) {
        row_fail(&common, "kernel", rc, clpool_errmsg(pool));
        goto free_bufs;
    }

    for (size_t i = 0; i < d->narrays; i++) {
        const bench_array *a = &d->arrays[i];
        rc = clpool_buffer_new(pool, a->elem_size * a->count, &bufs[i]);
        if (rc == CLPOOL_OK && a->dir != BENCH_OUT)
            rc = clpool_buffer_write(bufs[i], 0, a->init, a->elem_size * a->count);
        if (rc != CLPOOL_OK) {
            row_fail(&common, "buffers", rc, clpool_errmsg(pool));
            goto free_bufs;
        }
    }

    int ran = 0;
    for (size_t m = 0; m < nrows; m++) {
        measure_mode(pool, k, w, d, bufs, o, label, &rows[m]);
        ran |= !isnan(rows[m].seconds);
    }
    if (nrows == 2 && !isnan(rows[0].seconds))
        rows[1].vs_explicit = rows[0].seconds / rows[1].seconds;
    if (o->host_arrays && nrows == 1)
        bench_copy(common.error, sizeof common.error,
                   "no elementwise array: measured with buffers only");
    if (!ran)
        goto free_bufs;

    /* Last: these maps overwrite the results just verified. */
    bench_progress("%s: %s: launch latency", label, w->name);
    common.launch_us = launch_us(pool, k, w, d, bufs, &common);
    bench_progress("%s: %s: warm build", label, w->name);
    common.build_warm_ms = warm_build_ms(cfg, path, &common);

free_bufs:
    for (size_t i = 0; i < d->narrays; i++)
        clpool_buffer_free(bufs[i]);
    clpool_program_free(prog);
share:
    for (size_t m = 0; m < nrows; m++) {
        rows[m].build_cold_ms = common.build_cold_ms;
        rows[m].build_warm_ms = common.build_warm_ms;
        rows[m].launch_us = common.launch_us;
        if (rows[m].error[0] == '\0')
            bench_copy(rows[m].error, sizeof rows[m].error, common.error);
    }
}
