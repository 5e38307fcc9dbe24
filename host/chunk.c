/*
 * Chunked maps. When a host array is bigger than the pool's chunk limit, the
 * items are run in chunks of c items. Each host array gets two window
 * buffers of c elements, made once per map: while chunk j runs in one set
 * of windows (window_start .. window_wait), the core copies chunk j-1's
 * outputs out of the other set and chunk j+1's inputs into it (xfer_read,
 * xfer_write), so that transfers overlap compute. The backend shifts each
 * window so that the kernel still sees element i at index i, and item
 * indices stay absolute. clpool_buf arguments are passed whole to every
 * chunk.
 *
 * Overlap pays where copies and kernels use different engines (a GPU's DMA
 * and its cores). Where both are the CPU's cores and memory (the fork
 * backend, a CPU OpenCL device), it does not: on the 2-core CI machine
 * (clpool-bench --host-arrays --size 4, medians of three runs), host-array
 * saxpy over 2^26 floats took 100 ms overlapped against 75 ms in sequence on
 * fork with one worker, and 119 against 85 ms on PoCL; Black-Scholes was the
 * same within noise. In sequence, one set of windows stays in the cache from
 * the copy in through the kernel to the copy out. So the
 * backend says which it wants (pool->chunk_overlap); without overlap, or if
 * the second set cannot be made, chunks run one after another through one
 * set.
 */
#include "chunk.h"

#include "backend.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

size_t clpool__chunk_limit(const clpool *pool)
{
    size_t want = CLPOOL__CHUNK_DEFAULT_BYTES;
    const char *env = getenv("CLPOOL_MAX_CHUNK_BYTES");
    if (env != NULL && env[0] >= '0' && env[0] <= '9') {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(env, &end, 10);
        if (errno == 0 && *end == '\0' && v > 0)
            want = v > SIZE_MAX ? SIZE_MAX : (size_t)v;
    }
    return want < pool->max_alloc ? want : pool->max_alloc;
}

int clpool__chunk_overlap(const clpool *pool)
{
    const char *env = getenv("CLPOOL_CHUNK_OVERLAP");
    if (env != NULL && (strcmp(env, "0") == 0 || strcmp(env, "1") == 0))
        return env[0] == '1';
    return pool->chunk_overlap;
}

static int is_host_array(const clpool_arg *a)
{
    return clpool__is_elementwise(a);
}

/* The state of one chunked map: the arguments as the backend sees them for
 * each set of windows (host arrays replaced by their windows), the windows,
 * and the shifts. */
struct chunked {
    clpool_kernel *k;
    const clpool__nd *nd;
    const clpool_arg *args;
    size_t nargs;
    /* Chunks are slices of the outermost used dimension: n units of it, each
     * holding plane elements of every host array, per_chunk units a chunk
     * (a multiple of that dimension's local size, so that groups stay whole). */
    size_t n, plane, per_chunk;
    size_t lin_offset; /* clpool__nd_linear_offset: every window's shift includes it */
    int nsets;                  /* 2: overlapped; 1: one chunk after another */
    clpool_arg *run[2];
    clpool_buffer **windows[2]; /* per argument; NULL for non-host arrays */
    size_t *shift;
};

/* The units of chunk j: [*begin, *begin + return value). */
static size_t chunk_items(const struct chunked *c, size_t j, size_t *begin)
{
    *begin = j * c->per_chunk;
    return c->n - *begin < c->per_chunk ? c->n - *begin : c->per_chunk;
}

/* Copies chunk j's inputs into window set `set`. */
static int fill(struct chunked *c, int set, size_t j)
{
    clpool *pool = c->k->prog->pool;
    size_t begin, count = chunk_items(c, j, &begin);
    for (size_t i = 0; i < c->nargs; i++) {
        const clpool_arg *a = &c->args[i];
        if (a->kind != CLPOOL_ARG_IN && a->kind != CLPOOL_ARG_INOUT)
            continue;
        int status = pool->ops->xfer_write(c->windows[set][i], 0,
                                           (const unsigned char *)a->host +
                                               begin * c->plane * a->size,
                                           count * c->plane * a->size);
        if (status != CLPOOL_OK)
            return status;
    }
    return CLPOOL_OK;
}

/* Copies chunk j's outputs out of window set `set`. */
static int drain(struct chunked *c, int set, size_t j)
{
    clpool *pool = c->k->prog->pool;
    size_t begin, count = chunk_items(c, j, &begin);
    for (size_t i = 0; i < c->nargs; i++) {
        const clpool_arg *a = &c->args[i];
        if (a->kind != CLPOOL_ARG_OUT && a->kind != CLPOOL_ARG_INOUT)
            continue;
        int status = pool->ops->xfer_read(c->windows[set][i], 0,
                                          (unsigned char *)a->host + begin * c->plane * a->size,
                                          count * c->plane * a->size);
        if (status != CLPOOL_OK)
            return status;
    }
    return CLPOOL_OK;
}

/* Makes window set `set`: one buffer of per_chunk elements per host array. */
static int make_windows(struct chunked *c, int set)
{
    clpool *pool = c->k->prog->pool;
    memcpy(c->run[set], c->args, c->nargs * sizeof *c->run[set]);
    for (size_t i = 0; i < c->nargs; i++) {
        if (!is_host_array(&c->args[i]))
            continue;
        int status = clpool__buffer_make(pool, c->per_chunk * c->plane * c->args[i].size,
                                         &c->windows[set][i]);
        if (status != CLPOOL_OK)
            return status;
        c->run[set][i] = clpool_buf(c->windows[set][i]);
    }
    return CLPOOL_OK;
}

static void free_windows(struct chunked *c, int set)
{
    if (c->windows[set] == NULL)
        return;
    for (size_t i = 0; i < c->nargs; i++)
        if (c->windows[set][i] != NULL)
            clpool__buffer_destroy(c->windows[set][i]);
    free(c->windows[set]);
    c->windows[set] = NULL;
    free(c->run[set]);
    c->run[set] = NULL;
}

/* Runs chunk j in set j % nsets: starts it, makes the copies that can
 * overlap it, and waits. With one set, the copies come before and after. */
static int run_chunk(struct chunked *c, size_t j, size_t nchunks)
{
    clpool *pool = c->k->prog->pool;
    int set = (int)(j % (size_t)c->nsets);
    size_t begin, count = chunk_items(c, j, &begin);
    int status;
    if (c->nsets == 1 && j > 0) {
        status = drain(c, 0, j - 1);
        if (status == CLPOOL_OK)
            status = fill(c, 0, j);
        if (status != CLPOOL_OK)
            return status;
    }
    for (size_t i = 0; i < c->nargs; i++)
        c->shift[i] = is_host_array(&c->args[i])
                          ? (c->lin_offset + begin * c->plane) * c->args[i].size
                          : 0;
    status = pool->ops->window_start(c->k, c->nd, begin, count, c->run[set], c->shift, c->nargs);
    if (status != CLPOOL_OK)
        return status;
    int side = CLPOOL_OK;
    if (c->nsets == 2) {
        if (j > 0)
            side = drain(c, set ^ 1, j - 1);
        if (side == CLPOOL_OK && j + 1 < nchunks)
            side = fill(c, set ^ 1, j + 1);
    }
    /* A window in flight is always waited for, whatever the copies did;
     * its failure is the one reported. */
    status = pool->ops->window_wait(c->k);
    return status != CLPOOL_OK ? status : side;
}

int clpool__map_chunked(clpool_kernel *k, const clpool__nd *nd, const clpool_arg *args,
                        size_t nargs, size_t limit)
{
    clpool *pool = k->prog->pool;
    const unsigned od = nd->dims - 1;
    const size_t n = nd->global[od], plane = nd->items / n;
    const size_t gran = nd->local[od] != 0 ? nd->local[od] : 1;
    /* The chunk is as many units as the widest host array's limit allows,
     * in whole work-groups, so that every window is at most limit bytes; a
     * slice wider than the limit still gets a chunk of one group (its
     * buffer is refused below if it is over max_alloc). */
    size_t per_chunk = n;
    for (size_t i = 0; i < nargs; i++) {
        if (!is_host_array(&args[i]))
            continue;
        size_t fit = limit / args[i].size / plane;
        fit -= fit % gran;
        if (fit == 0)
            fit = gran;
        if (fit < per_chunk)
            per_chunk = fit;
    }

    struct chunked c = {.k = k, .nd = nd, .args = args, .nargs = nargs, .n = n, .plane = plane,
                        .per_chunk = per_chunk, .lin_offset = clpool__nd_linear_offset(nd)};
    const size_t nchunks = n / per_chunk + (n % per_chunk != 0);
    c.nsets = nchunks > 1 && clpool__chunk_overlap(pool) ? 2 : 1;
    c.shift = calloc(nargs, sizeof *c.shift);
    int status = CLPOOL_OK;
    for (int set = 0; set < c.nsets; set++) {
        c.run[set] = malloc(nargs * sizeof *c.run[set]);
        c.windows[set] = calloc(nargs, sizeof *c.windows[set]);
        if (c.run[set] == NULL || c.windows[set] == NULL)
            status = CLPOOL_ENOMEM;
    }
    if (c.shift == NULL || status != CLPOOL_OK) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for a chunked map of %zu arguments",
                               nargs);
        goto free_arrays;
    }
    status = make_windows(&c, 0);
    if (status != CLPOOL_OK)
        goto free_arrays;
    if (c.nsets == 2) {
        /* Without room for a second set, the map still runs, unoverlapped;
         * the failure to make it is not the map's, so its message goes. */
        char *kept = clpool__error_swap(pool, NULL);
        if (make_windows(&c, 1) != CLPOOL_OK) {
            free_windows(&c, 1);
            c.nsets = 1;
        }
        free(clpool__error_swap(pool, kept));
    }
    status = fill(&c, 0, 0);
    if (status != CLPOOL_OK)
        goto free_arrays;

    /* timeout_ms bounds the whole map: each chunk's backend call gets what
     * is left of it (the pool's lock is held, so nobody else sees the
     * temporary value). */
    const unsigned timeout_ms = pool->cfg.timeout_ms;
    struct timespec start;
    if (timeout_ms != 0 && clock_gettime(CLOCK_MONOTONIC, &start) != 0) {
        status = clpool__error(pool, CLPOOL_EIO, "clock_gettime(CLOCK_MONOTONIC) failed: %s",
                               strerror(errno));
        goto free_arrays;
    }
    for (size_t j = 0; j < nchunks && status == CLPOOL_OK; j++) {
        size_t begin, count = chunk_items(&c, j, &begin);
        if (timeout_ms != 0) {
            struct timespec now;
            if (clock_gettime(CLOCK_MONOTONIC, &now) != 0) {
                status = clpool__error(pool, CLPOOL_EIO,
                                       "clock_gettime(CLOCK_MONOTONIC) failed: %s",
                                       strerror(errno));
                break;
            }
            double used = (double)(now.tv_sec - start.tv_sec) * 1e3 +
                          (double)(now.tv_nsec - start.tv_nsec) * 1e-6;
            if (used >= (double)timeout_ms) {
                status = clpool__error(pool, CLPOOL_ETIMEDOUT,
                                       "kernel '%s' over %zu items ran past the %u ms limit "
                                       "(timeout_ms) after %zu items, run in chunks",
                                       k->name, nd->items, timeout_ms, begin * plane);
                break;
            }
            pool->cfg.timeout_ms = timeout_ms - (unsigned)used;
        }
        status = run_chunk(&c, j, nchunks);
        pool->cfg.timeout_ms = timeout_ms;
        if (status == CLPOOL_ETIMEDOUT && timeout_ms != 0) {
            /* The backend named what was left of the limit; say the map's. */
            char *detail = clpool__strdup(pool->errmsg != NULL ? pool->errmsg : "");
            status = clpool__error(pool, CLPOOL_ETIMEDOUT,
                                   "kernel '%s' over %zu items ran past the %u ms limit "
                                   "(timeout_ms) in its chunk of items [%zu, %zu): %s",
                                   k->name, nd->items, timeout_ms, begin * plane,
                                   (begin + count) * plane,
                                   detail != NULL ? detail : "");
            free(detail);
        }
        /* Only a first chunk may decline: after it, inout arrays hold
         * results and a whole map would apply the kernel twice. */
        if (status == CLPOOL__ENOWINDOW && begin != 0)
            status = clpool__error(pool, CLPOOL_EOPENCL,
                                   "kernel '%s': the %s backend refused a window after running "
                                   "others", k->name, pool->ops->name);
    }

    if (status == CLPOOL_OK)
        status = drain(&c, (int)((nchunks - 1) % (size_t)c.nsets), nchunks - 1);

free_arrays:
    for (int set = 0; set < 2; set++)
        free_windows(&c, set);
    free(c.shift);
    return status;
}
