/* The table of workloads, and the memory bookkeeping they share. To add a
 * workload: a kernels/<name>.cl, a wl_<name>.c with its bench_workload, and
 * one line in the table below. */
#include "workload.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const bench_workload *const bench_workloads[] = {
    &bench_saxpy, &bench_mandelbrot, &bench_blackscholes, &bench_nbody, &bench_histogram,
    &bench_matmul, &bench_reduce,
};
const size_t bench_nworkloads = sizeof bench_workloads / sizeof bench_workloads[0];

const bench_workload *bench_workload_find(const char *name)
{
    for (size_t i = 0; i < bench_nworkloads; i++)
        if (strcmp(bench_workloads[i]->name, name) == 0)
            return bench_workloads[i];
    return NULL;
}

void *bench_alloc(bench_data *d, size_t count, size_t size)
{
    if (d->nallocs == BENCH_MAX_ALLOCS || (size != 0 && count > SIZE_MAX / size))
        return NULL;
    /* calloc of 0 bytes may return NULL; one byte keeps NULL meaning failure. */
    int empty = count == 0 || size == 0;
    void *p = calloc(empty ? 1 : count, empty ? 1 : size);
    if (p != NULL)
        d->allocs[d->nallocs++] = p;
    return p;
}

int bench_array_add(bench_data *d, bench_dir dir, size_t elem_size, size_t count, void **init)
{
    if (init != NULL)
        *init = NULL;
    if (d->narrays == BENCH_MAX_ARRAYS || elem_size == 0 || count > SIZE_MAX / elem_size)
        return -1;
    void *p = NULL;
    if (dir != BENCH_OUT && (p = bench_alloc(d, count, elem_size)) == NULL)
        return -1;
    d->arrays[d->narrays++] = (bench_array){.init = p, .elem_size = elem_size,
                                            .count = count, .dir = dir};
    if (init != NULL)
        *init = p;
    return 0;
}

void bench_data_free(bench_data *d)
{
    for (size_t i = 0; i < d->nallocs; i++)
        free(d->allocs[i]);
    memset(d, 0, sizeof *d);
}
