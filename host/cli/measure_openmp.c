/* The OpenMP row of a workload (measure.h): its kernel as an OpenMP loop
 * (openmp.h) on the workload's own inputs, timed and verified as the clpool
 * rows are (runs.h). */
#include "measure.h"

#include "openmp.h"
#include "runs.h"
#include "transfer.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The timed part (bench_step): the loop over every array of d in ordinary
 * memory. Inputs are read from their starting contents, as host-arrays
 * mode reads them; the others have room of their own. */
typedef struct omp_step {
    const bench_workload *w;
    const bench_data *d;
    void *arrays[BENCH_MAX_ARRAYS];
} omp_step;

static size_t array_bytes(const bench_array *a)
{
    return a->elem_size * a->count;
}

static int omp_restore(void *ctx)
{
    omp_step *s = ctx;
    for (size_t i = 0; i < s->d->narrays; i++) {
        const bench_array *a = &s->d->arrays[i];
        if (a->dir == BENCH_INOUT)
            memcpy(s->arrays[i], a->init, array_bytes(a));
    }
    return CLPOOL_OK;
}

static int omp_run(void *ctx)
{
    omp_step *s = ctx;
    s->w->omp(s->d, s->arrays);
    return CLPOOL_OK;
}

void bench_measure_openmp(const bench_workload *w, const bench_data *d, const bench_options *o,
                          const char *label, bench_row *row)
{
    /* Its data is in ordinary memory from start to end: with --host-arrays
     * that is what the host-arrays rows time, so their baseline is its. */
    bench_mode mode = o->host_arrays && bench_has_host_arrays(d) ? BENCH_MODE_HOST
                                                                  : BENCH_MODE_BUFFERS;
    bench_copy(row->mode, sizeof row->mode, bench_mode_name(mode));
    bench_row_reset(row, d->n);

    omp_step s = {.w = w, .d = d};
    const bench_step step = {.restore = omp_restore, .run = omp_run, .errmsg = NULL, .ctx = &s};
    void *results[BENCH_MAX_ARRAYS] = {NULL};
    /* As many items as the clpool rows' 1-item map has. */
    size_t items = w->launch_items != 0 ? w->launch_items : 1;
    for (size_t i = 0; i < d->narrays; i++) {
        const bench_array *a = &d->arrays[i];
        size_t bytes = array_bytes(a);
        s.arrays[i] = a->dir == BENCH_IN ? a->init : malloc(bytes ? bytes : 1);
        if (s.arrays[i] == NULL) {
            bench_row_fail(row, "arrays", CLPOOL_ENOMEM, "no memory for them");
            goto free_arrays;
        }
    }

    bench_timed_runs(&step, o, label, w->name, row);
    if (isnan(row->seconds))
        goto free_arrays;
    bench_row_rates(row, d);
    for (size_t i = 0; i < d->narrays; i++)
        results[i] = d->arrays[i].dir == BENCH_IN ? NULL : s.arrays[i];
    bench_row_verify(row, w, d, results);

    bench_progress("%s: %s: launch latency", label, w->name);
    if (bench_latency_us(bench_openmp_launch, &items, &row->launch_us) != CLPOOL_OK)
        bench_row_fail(row, "launch latency", CLPOOL_EINVAL, "a loop lost its result");

free_arrays:
    for (size_t i = 0; i < d->narrays; i++)
        if (d->arrays[i].dir != BENCH_IN)
            free(s.arrays[i]);
}
