/*
 * libclpool_mpi: one clpool map spread over the ranks of an MPI communicator,
 * each rank running its chunks on its own pool (a GPU on one node, fork
 * workers on another). Built on clpool's public API only; link the CMake
 * target clpool::mpi.
 *
 * Conventions are clpool.h's: a status from every call, the detail in
 * clpool_errmsg(pool), nothing printed, no exit or abort.
 */
#ifndef CLPOOL_MPI_H
#define CLPOOL_MPI_H

#include <mpi.h>

#include <clpool.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Runs k once for each item i in [0, n), spread over every rank of comm.
 * Collective: every rank of comm calls it, each with a kernel of the same
 * program taken from its own pool, the same number of arguments, and
 * arguments of the same kinds in the same order.
 *
 * What is whose:
 *  - n, scalars (clpool_i32 ... clpool_scalar) and clpool_local sizes are
 *    root's; the other ranks' values are ignored.
 *  - clpool_in / clpool_out / clpool_inout host arrays are significant at
 *    root only, where they hold n elements each (the pointers may be NULL
 *    elsewhere). Each chunk's input elements are sent to the rank that runs
 *    it, and its output elements are gathered into root's arrays.
 *  - clpool_array_in: root's whole array is sent to every rank before any
 *    item runs (the other ranks' pointers may be NULL).
 *  - clpool_buf: each rank's own buffer, on its own pool, passed whole to
 *    every chunk that rank runs. clpool_mpi_map moves none of its contents:
 *    use it for data each rank already holds.
 *  - clpool_array_out and clpool_array_inout are refused with CLPOOL_EARG:
 *    every rank would write its own copy and there is no one right way to
 *    merge them. Give per-item results as clpool_out instead.
 *
 * Chunks. The items are handed out in chunks of consecutive items, to every
 * rank (root included) as it finishes its previous chunk, so a faster rank
 * (a GPU) takes more. Each rank holds up to two chunks at a time, so that
 * the next chunk's input arrives while the current one runs. Chunk sizes
 * come from each rank's measured speed: about 40 ms of work per chunk, so
 * that the per-chunk cost (a message each way and a map call, measured
 * below 1 ms) stays small, and smaller near the end so that the ranks finish
 * together. Chunks start at multiples of 256 items, so a kernel whose
 * reqd_work_group_size divides 256 gets whole work-groups in every chunk
 * (n a multiple of it). CLPOOL_MPI_CHUNK=<items> fixes the chunk size
 * instead (then a multiple of the work-group size, for such kernels).
 *
 * Inside a chunk, get_global_id(0) is the item's absolute index in [0, n) on
 * every rank, and host-array element i is still at index i. Each chunk runs
 * as a range of its own (clpool_map_range with offset = the chunk's first
 * item): get_global_offset(0) is the chunk's first item and
 * get_global_size(0) its item count, so a kernel that needs n takes it as an
 * argument. A single-rank comm runs the map whole, as clpool_map would.
 *
 * Status. Every rank returns the same status. A failure on any rank (a bad
 * argument, a worker crash, a build or a map that failed there) stops the
 * hand-out of chunks, and every rank then returns that rank's status with
 * clpool_errmsg(pool) reading "clpool_mpi_map: rank R of P (host): <that
 * rank's message>". Where the first failure was seen on several ranks, the
 * one root heard of first is named. Outputs of a failed map are undefined.
 *
 * Time limit: CLPOOL_MPI_TIMEOUT_MS, else CLPOOL_TIMEOUT_MS (read as
 * clpool_config_init reads it), bounds the whole call; 0 or unset: no limit
 * (each chunk's run is still bounded by its pool's own timeout_ms). Past it
 * root stops the map and every rank returns CLPOOL_ETIMEDOUT naming the
 * ranks that still had chunks: at once, except a rank whose own chunk is
 * running, which returns when that chunk ends (its pool's timeout_ms is
 * what bounds it). A rank that hears nothing from root for the limit plus
 * max(2 s, the limit) returns CLPOOL_ETIMEDOUT by itself. After a
 * timeout, messages of the abandoned call may still be in flight; they
 * cannot be mistaken for a later call's.
 *
 * Threads and MPI. Call it from the thread that makes the program's MPI
 * calls; it makes every MPI call from there (MPI_THREAD_FUNNELED suffices)
 * and runs the rank's chunks on a thread of its own, which makes none.
 * The first call on a comm duplicates it (kept as an attribute of comm and
 * freed with it), so its messages never meet the program's.
 */
CLPOOL_EXTERN CLPOOL_NODISCARD int clpool_mpi_map(clpool_kernel *k, MPI_Comm comm, int root,
                                                   size_t n, const clpool_arg *args,
                                                   size_t nargs);

/*
 * The message of the calling thread's last failed clpool_mpi_map, as it was
 * put on the pool ("" if none). Useful where a rank had no pool to put it
 * on (a NULL kernel). Owned by the library; valid in the calling thread
 * until its next clpool_mpi_map.
 */
CLPOOL_EXTERN const char *clpool_mpi_errmsg(void);

/* What this rank did in the calling thread's last clpool_mpi_map. */
typedef struct clpool_mpi_stats {
    size_t items;       /* items this rank ran */
    size_t chunks;      /* chunks this rank ran */
    double compute_s;   /* seconds this rank spent in its chunks' maps */
    double total_s;     /* seconds the whole call took on this rank */
} clpool_mpi_stats;
CLPOOL_EXTERN void clpool_mpi_last_stats(clpool_mpi_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* CLPOOL_MPI_H */
