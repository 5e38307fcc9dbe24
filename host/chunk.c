/*
 * Chunked maps. When a host array is bigger than the pool's chunk limit, the
 * items are run in chunks of c items: each host array gets one window
 * buffer of c elements, made once per map and reused by every chunk; a
 * chunk copies its inputs in, runs through the backend's map_window slot
 * (which shifts each window so that the kernel still sees element i at
 * index i, and item indices stay absolute), and copies its outputs back.
 * clpool_buf arguments are passed whole to every chunk.
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

static int is_host_array(const clpool_arg *a)
{
    return a->kind == CLPOOL_ARG_IN || a->kind == CLPOOL_ARG_OUT || a->kind == CLPOOL_ARG_INOUT;
}

/* The state of one chunked map: the arguments as the backend sees them
 * (host arrays replaced by their windows), the windows, and the shifts. */
struct chunked {
    clpool_kernel *k;
    const clpool_arg *args;
    size_t nargs;
    clpool_arg *run;
    clpool_buffer **windows; /* per argument; NULL for non-host arrays */
    size_t *shift;
};

static int run_chunk(struct chunked *c, size_t begin, size_t count, size_t n)
{
    clpool *pool = c->k->prog->pool;
    int status;
    for (size_t i = 0; i < c->nargs; i++) {
        const clpool_arg *a = &c->args[i];
        if (!is_host_array(a))
            continue;
        c->shift[i] = begin * a->size; /* below n * size, checked by clpool__args_check */
        if (a->kind == CLPOOL_ARG_OUT)
            continue;
        status = pool->ops->buffer_write(c->windows[i], 0,
                                         (const unsigned char *)a->host + c->shift[i],
                                         count * a->size);
        if (status != CLPOOL_OK)
            return status;
    }
    status = pool->ops->map_window(c->k, begin, count, n, c->run, c->shift, c->nargs);
    if (status != CLPOOL_OK)
        return status;
    for (size_t i = 0; i < c->nargs; i++) {
        const clpool_arg *a = &c->args[i];
        if (a->kind != CLPOOL_ARG_OUT && a->kind != CLPOOL_ARG_INOUT)
            continue;
        status = pool->ops->buffer_read(c->windows[i], 0, (unsigned char *)a->host + c->shift[i],
                                        count * a->size);
        if (status != CLPOOL_OK)
            return status;
    }
    return CLPOOL_OK;
}

int clpool__map_chunked(clpool_kernel *k, size_t n, const clpool_arg *args, size_t nargs,
                        size_t limit)
{
    clpool *pool = k->prog->pool;
    /* The chunk is as many items as the widest host array's limit allows,
     * so that every window is at most limit bytes; an element wider than
     * the limit still gets a chunk of one (its buffer is refused below if
     * it is over max_alloc). */
    size_t per_chunk = n;
    for (size_t i = 0; i < nargs; i++) {
        if (!is_host_array(&args[i]))
            continue;
        size_t fit = limit / args[i].size;
        if (fit == 0)
            fit = 1;
        if (fit < per_chunk)
            per_chunk = fit;
    }

    struct chunked c = {.k = k, .args = args, .nargs = nargs};
    c.run = malloc(nargs * sizeof *c.run);
    c.windows = calloc(nargs, sizeof *c.windows);
    c.shift = calloc(nargs, sizeof *c.shift);
    int status = CLPOOL_OK;
    if (c.run == NULL || c.windows == NULL || c.shift == NULL) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for a chunked map of %zu arguments",
                               nargs);
        goto free_arrays;
    }
    memcpy(c.run, args, nargs * sizeof *c.run);
    for (size_t i = 0; i < nargs; i++) {
        if (!is_host_array(&args[i]))
            continue;
        status = clpool__buffer_make(pool, per_chunk * args[i].size, &c.windows[i]);
        if (status != CLPOOL_OK)
            goto free_windows;
        c.run[i] = clpool_buf(c.windows[i]);
    }

    /* timeout_ms bounds the whole map: each chunk's backend call gets what
     * is left of it (the pool's lock is held, so nobody else sees the
     * temporary value). */
    const unsigned timeout_ms = pool->cfg.timeout_ms;
    struct timespec start;
    if (timeout_ms != 0 && clock_gettime(CLOCK_MONOTONIC, &start) != 0) {
        status = clpool__error(pool, CLPOOL_EIO, "clock_gettime(CLOCK_MONOTONIC) failed: %s",
                               strerror(errno));
        goto free_windows;
    }
    for (size_t begin = 0; begin < n && status == CLPOOL_OK; begin += per_chunk) {
        size_t count = n - begin < per_chunk ? n - begin : per_chunk;
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
                                       k->name, n, timeout_ms, begin);
                break;
            }
            pool->cfg.timeout_ms = timeout_ms - (unsigned)used;
        }
        status = run_chunk(&c, begin, count, n);
        pool->cfg.timeout_ms = timeout_ms;
        if (status == CLPOOL_ETIMEDOUT && timeout_ms != 0) {
            /* The backend named what was left of the limit; say the map's. */
            char *detail = clpool__strdup(pool->errmsg != NULL ? pool->errmsg : "");
            status = clpool__error(pool, CLPOOL_ETIMEDOUT,
                                   "kernel '%s' over %zu items ran past the %u ms limit "
                                   "(timeout_ms) in its chunk of items [%zu, %zu): %s",
                                   k->name, n, timeout_ms, begin, begin + count,
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

free_windows:
    for (size_t i = 0; i < nargs; i++)
        if (c.windows[i] != NULL)
            clpool__buffer_destroy(c.windows[i]);
free_arrays:
    free(c.run);
    free(c.windows);
    free(c.shift);
    return status;
}
