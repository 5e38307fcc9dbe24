/*
 * A workload of clpool-bench: one .cl kernel, the inputs it runs on, how its
 * arguments are bound, and a C reference its results are checked against.
 *
 * By default every array a kernel touches lives in a clpool buffer for the
 * whole measurement, so that the timings are the maps themselves, not host
 * transfers (--host-arrays times the transfers too: transfer.h). A workload
 * binds buffers only; the measuring code swaps in host arrays. It describes its arrays (direction, element size,
 * count, starting contents); the measuring code (measure.c) makes the
 * buffers, restores the starting contents of in-out arrays before each run
 * (untimed), reads the results back after the last run, and hands them to the
 * workload's verify. The same workload as an OpenMP loop (omp) gives the
 * OpenMP rows (measure_openmp.c).
 */
#ifndef CLPOOL_BENCH_WORKLOAD_H
#define CLPOOL_BENCH_WORKLOAD_H

#include <clpool.h>

#include <stddef.h>

#define BENCH_MAX_ARRAYS 8
#define BENCH_MAX_ARGS 12
#define BENCH_MAX_ALLOCS 16

typedef enum bench_dir {
    BENCH_IN,    /* written once before the runs, only read by the kernel */
    BENCH_INOUT, /* restored before every run, read back after the last */
    BENCH_OUT    /* written by the kernel, read back after the last run */
} bench_dir;

typedef struct bench_array {
    void *init;       /* starting contents (IN, INOUT); NULL for OUT */
    size_t elem_size;
    size_t count;
    bench_dir dir;
    /* The kernel reads elements other than its item's (nbody's positions)
     * or the array is not one element per item (histogram's bins): it can
     * never be a host array, which is elementwise and may be chunked, so
     * --host-arrays keeps it in a buffer. Set by the workload's setup. */
    int whole;
} bench_array;

/* One workload instance at one size, made once and shared by every backend. */
typedef struct bench_data {
    size_t n;                 /* items per map (the workload may round the request) */
    bench_array arrays[BENCH_MAX_ARRAYS]; /* in the order bind() expects */
    size_t narrays;
    double bytes;             /* bytes one map moves; 0 when GB/s means nothing */
    double flops;             /* floating-point operations of one map; 0: not meaningful */
    void *priv;               /* the workload's parameters and reference results */
    void *allocs[BENCH_MAX_ALLOCS]; /* everything bench_data_free releases */
    size_t nallocs;
} bench_data;

typedef struct bench_workload {
    const char *name;
    const char *file;         /* in the kernels directory */
    const char *kernel;       /* __kernel function name */
    const char *about;        /* one line for --list */
    size_t default_n;         /* items at --size 1 */
    size_t launch_items;      /* items of the launch-latency map: 0 for 1 (a kernel
                                 with a reqd_work_group_size needs a whole group) */
    /* Makes inputs for about n items (sets d->n, may round it), their
     * reference results and the metric sizes. 0, or -1 when out of memory. */
    int (*setup)(bench_data *d, size_t n);
    /* Fills args for a map of n items (n <= d->n) over bufs (one per array,
     * in d->arrays order); returns the argument count. */
    size_t (*bind)(const bench_data *d, clpool_buffer *const *bufs, size_t n, clpool_arg *args);
    /* Compares results (per array: the read-back contents of INOUT and OUT
     * arrays, NULL for IN) with the reference. Returns 1 if within the
     * workload's tolerance; otherwise 0 with the first mismatch in why. */
    int (*verify)(const bench_data *d, void *const *results, char *why, size_t whylen);
    /* The kernel as an OpenMP loop (openmp.h) over all d->n items, as bind
     * binds it: arrays has one pointer per array of d (in d->arrays order),
     * to ordinary memory holding its contents. */
    void (*omp)(const bench_data *d, void *const *arrays);
} bench_workload;

/* Zeroed memory owned by d, freed by bench_data_free; NULL on failure
 * (overflow included). */
void *bench_alloc(bench_data *d, size_t count, size_t size);
/* Appends an array to d and sets *init (if init is not NULL) to its zeroed
 * starting contents, which the caller fills; OUT arrays have none (NULL).
 * 0, or -1 when out of memory or past BENCH_MAX_ARRAYS. */
int bench_array_add(bench_data *d, bench_dir dir, size_t elem_size, size_t count, void **init);
/* Releases what setup made; d may then be set up again. */
void bench_data_free(bench_data *d);

/* The table of workloads, in the order they run. */
extern const bench_workload *const bench_workloads[];
extern const size_t bench_nworkloads;
const bench_workload *bench_workload_find(const char *name);

/* The workloads (wl_*.c). */
extern const bench_workload bench_saxpy;
extern const bench_workload bench_mandelbrot;
extern const bench_workload bench_blackscholes;
extern const bench_workload bench_nbody;
extern const bench_workload bench_histogram;
extern const bench_workload bench_matmul;
extern const bench_workload bench_reduce;

#endif /* CLPOOL_BENCH_WORKLOAD_H */
