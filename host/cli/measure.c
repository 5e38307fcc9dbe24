/* Measures one workload on one pool, in one mode (buffers: the timed part
 * is clpool_map alone) or three (--host-arrays: explicit-copy, host-arrays
 * and host-alloc, see transfer.h). The build and the launch latency are
 * measured once and shared by the rows. */
#include "measure.h"

#include "runs.h"
#include "transfer.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The same build in a second pool on the same cache directory: what a
 * program that starts again pays. NAN (and a note in row) if it fails. */
static double warm_build_ms(const clpool_config *cfg, const char *path, bench_row *row)
{
    clpool *pool = NULL;
    int rc = clpool_open(cfg, &pool);
    if (rc != CLPOOL_OK) {
        bench_row_fail(row, "warm build: second pool", rc, clpool_errmsg(NULL));
        return NAN;
    }
    clpool_program *prog = NULL;
    double t0 = bench_now();
    rc = clpool_program_file(pool, path, NULL, &prog);
    double ms = (bench_now() - t0) * 1e3;
    if (rc != CLPOOL_OK) {
        bench_row_fail(row, "warm build", rc, clpool_errmsg(pool));
        ms = NAN;
    }
    clpool_program_free(prog);
    clpool_close(pool);
    return ms;
}

/* A 1-item map (a whole group's for a workload that sets launch_items). */
typedef struct launch {
    clpool_kernel *k;
    size_t items;
    clpool_arg args[BENCH_MAX_ARGS];
    size_t nargs;
} launch;

static int launch_once(void *ctx)
{
    launch *l = ctx;
    return clpool_map(l->k, l->items, l->args, l->nargs);
}

/* Median time of 1-item maps of the built kernel, in microseconds. */
static double launch_us(clpool *pool, clpool_kernel *k, const bench_workload *w,
                        const bench_data *d, clpool_buffer *const *bufs, bench_row *row)
{
    launch l = {.k = k, .items = w->launch_items != 0 ? w->launch_items : 1};
    l.nargs = w->bind(d, bufs, l.items, l.args);
    double us;
    int rc = bench_latency_us(launch_once, &l, &us);
    if (rc != CLPOOL_OK)
        bench_row_fail(row, "1-item map", rc, clpool_errmsg(pool));
    return us;
}

/* The timed part of a mode's runs (bench_step). */
typedef struct mode_step {
    clpool *pool;
    clpool_kernel *k;
    bench_io *io;
} mode_step;

static int mode_restore(void *ctx)
{
    /* The restore before each run also covers the first: the buffers of
     * explicit-copy's whole arrays were written when they were made, but an
     * earlier mode's runs may have changed them since. */
    return bench_io_restore(((mode_step *)ctx)->io);
}

static int mode_run(void *ctx)
{
    mode_step *m = ctx;
    return bench_io_run(m->io, m->k);
}

static const char *mode_errmsg(void *ctx)
{
    return clpool_errmsg(((mode_step *)ctx)->pool);
}

/* Asks the workload to verify the results of io's last run. */
static void verify(clpool *pool, const bench_workload *w, const bench_io *io, bench_row *row)
{
    void *results[BENCH_MAX_ARRAYS] = {NULL};
    int rc = bench_io_results(io, results);
    if (rc != CLPOOL_OK)
        bench_row_fail(row, "reading the results", rc,
                       rc == CLPOOL_ENOMEM ? "no memory for the results" : clpool_errmsg(pool));
    else
        bench_row_verify(row, w, io->d, results);
    bench_io_results_free(io, results);
}

/* One mode's row: the timed runs, their metrics, verification. */
static void measure_mode(clpool *pool, clpool_kernel *k, const bench_workload *w,
                         const bench_data *d, clpool_buffer *const *bufs, const bench_options *o,
                         const char *label, bench_row *row)
{
    bench_mode mode = bench_mode_of(row->mode);
    bench_io io;
    mode_step m = {.pool = pool, .k = k, .io = &io};
    const bench_step step = {.restore = mode_restore, .run = mode_run, .errmsg = mode_errmsg,
                             .ctx = &m};
    int rc = bench_io_init(&io, mode, pool, w, d, bufs);
    if (rc != CLPOOL_OK) {
        if (mode == BENCH_MODE_HOST_ALLOC)
            bench_row_fail(row, "clpool_host_alloc", rc, clpool_errmsg(pool));
        else
            bench_row_fail(row, "host arrays", rc, "no memory for them");
        goto free_io;
    }
    bench_timed_runs(&step, o, label, w->name, row);
    if (isnan(row->seconds))
        goto free_io;
    bench_row_rates(row, d);
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
    /* The reference first, so that the others can be compared with it as
     * soon as they are measured. */
    static const bench_mode modes[BENCH_MAX_MODES] = {BENCH_MODE_EXPLICIT, BENCH_MODE_HOST,
                                                      BENCH_MODE_HOST_ALLOC};
    for (size_t m = 0; m < BENCH_MAX_MODES; m++)
        bench_copy(rows[m].mode, sizeof rows[m].mode, bench_mode_name(modes[m]));
    return BENCH_MAX_MODES;
}

void bench_measure(clpool *pool, const clpool_config *cfg, const bench_workload *w,
                   const bench_data *d, const bench_options *o, const char *label,
                   bench_row *rows, size_t nrows)
{
    /* What the rows share: the build, the launch latency, their failures. */
    bench_row common;
    memset(&common, 0, sizeof common);
    common.build_cold_ms = common.build_warm_ms = common.launch_us = NAN;
    for (size_t m = 0; m < nrows; m++)
        bench_row_reset(&rows[m], d->n);

    clpool_buffer *bufs[BENCH_MAX_ARRAYS] = {NULL};
    clpool_program *prog = NULL;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", o->kernels_dir, w->file) >= (int)sizeof path) {
        bench_row_fail(&common, "kernel path", CLPOOL_EINVAL, "too long");
        goto share;
    }

    bench_progress("%s: %s: building", label, w->name);
    double t0 = bench_now();
    int rc = clpool_program_file(pool, path, NULL, &prog);
    common.build_cold_ms = (bench_now() - t0) * 1e3;
    if (rc != CLPOOL_OK) {
        common.build_cold_ms = NAN;
        bench_row_fail(&common, "build", rc, clpool_errmsg(pool));
        goto share;
    }
    clpool_kernel *k = NULL;
    rc = clpool_kernel_get(prog, w->kernel, &k);
    if (rc != CLPOOL_OK) {
        bench_row_fail(&common, "kernel", rc, clpool_errmsg(pool));
        goto free_bufs;
    }

    for (size_t i = 0; i < d->narrays; i++) {
        const bench_array *a = &d->arrays[i];
        rc = clpool_buffer_new(pool, a->elem_size * a->count, &bufs[i]);
        if (rc == CLPOOL_OK && a->dir != BENCH_OUT)
            rc = clpool_buffer_write(bufs[i], 0, a->init, a->elem_size * a->count);
        if (rc != CLPOOL_OK) {
            bench_row_fail(&common, "buffers", rc, clpool_errmsg(pool));
            goto free_bufs;
        }
    }

    int ran = 0;
    for (size_t m = 0; m < nrows; m++) {
        measure_mode(pool, k, w, d, bufs, o, label, &rows[m]);
        ran |= !isnan(rows[m].seconds);
    }
    /* Row 0 is explicit-copy when there are more. */
    for (size_t m = 1; m < nrows && !isnan(rows[0].seconds); m++)
        rows[m].vs_explicit = rows[0].seconds / rows[m].seconds;
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
