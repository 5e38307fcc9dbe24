/*
 * How a workload's arrays reach the kernel in each mode of clpool-bench:
 *
 *  buffers        every array stays in a clpool buffer; the timed part is
 *                 the map alone (the default).
 *  host-arrays    elementwise arrays are passed as host arrays (clpool_in,
 *                 clpool_out, clpool_inout), so the timed map includes the
 *                 transfers and, past the chunk limit, the chunking.
 *  explicit-copy  the same data moved by hand: clpool_buffer_write of the
 *                 inputs, a map over the buffers, clpool_buffer_read of the
 *                 results, all timed; what host-arrays is compared with.
 *  host-alloc     the host arrays of host-arrays, in memory from
 *                 clpool_host_alloc: the inputs are copied there once,
 *                 untimed, and a backend that can (fork) maps them in place,
 *                 without staging copies or chunks; on one that cannot it is
 *                 ordinary memory, copied like any host array.
 *
 * Arrays a workload marks whole (bench_array.whole) stay in buffers in every
 * mode, written before the timed part.
 */
#ifndef CLPOOL_BENCH_TRANSFER_H
#define CLPOOL_BENCH_TRANSFER_H

#include "workload.h"

#include <clpool.h>

typedef enum bench_mode {
    BENCH_MODE_BUFFERS = 0,
    BENCH_MODE_HOST,
    BENCH_MODE_EXPLICIT,
    BENCH_MODE_HOST_ALLOC
} bench_mode;

/* "buffers", "host-arrays", "explicit-copy", "host-alloc". */
const char *bench_mode_name(bench_mode mode);
/* The mode of a name bench_mode_name gives (BENCH_MODE_BUFFERS for others). */
bench_mode bench_mode_of(const char *name);

/* Whether d has an array that host-arrays mode can pass as a host array. */
int bench_has_host_arrays(const bench_data *d);

/* One mode's runs of a workload over bufs (one per array of d, all made). */
typedef struct bench_io {
    bench_mode mode;
    clpool *pool;                    /* host-alloc's memory is the pool's */
    const bench_data *d;
    clpool_buffer *const *bufs;
    int host_side[BENCH_MAX_ARRAYS]; /* moved by the map (host) or by hand (explicit) */
    void *host[BENCH_MAX_ARRAYS];    /* results of host-side INOUT and OUT arrays; in
                                        host-alloc mode every host-side array */
    clpool_arg args[BENCH_MAX_ARGS]; /* for a map of all d->n items */
    size_t nargs;
} bench_io;

/* Allocates the host arrays (in host-alloc mode with clpool_host_alloc on
 * pool, the inputs copied in) and binds the arguments. CLPOOL_OK or the
 * failing status (clpool_errmsg(pool) says why in host-alloc mode;
 * otherwise it is CLPOOL_ENOMEM); bench_io_free is due either way. */
int bench_io_init(bench_io *io, bench_mode mode, clpool *pool, const bench_workload *w,
                  const bench_data *d, clpool_buffer *const *bufs);
/* Untimed, before each run: puts back the starting contents of the in-out
 * arrays that the run itself does not write. */
int bench_io_restore(bench_io *io);
/* The timed part of one run: (explicit) writes, the map, (explicit) reads. */
int bench_io_run(bench_io *io, clpool_kernel *k);
/* After the last run: results[i] for each INOUT and OUT array (NULL for IN),
 * read back from the buffers where they are there. Free with
 * bench_io_results_free. */
int bench_io_results(const bench_io *io, void **results);
void bench_io_results_free(const bench_io *io, void **results);
void bench_io_free(bench_io *io);

#endif /* CLPOOL_BENCH_TRANSFER_H */
