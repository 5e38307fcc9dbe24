/*
 * Public entry points for maps. Arguments are checked, host arrays are
 * copied into temporary buffers (the backend then sees only buffers and
 * scalars), the backend runs the items, and outputs are copied back.
 */
#include "backend.h"
#include "chunk.h"
#include "clc/window.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Maps with up to this many arguments need no heap for the argument copy. */
#define STACK_ARGS 16

static const char *kind_word(clpool_arg_kind kind)
{
    return kind == CLPOOL_ARG_IN ? "clpool_in" : kind == CLPOOL_ARG_OUT ? "clpool_out"
                                                                         : "clpool_inout";
}

/* Replaces each host array in run[] by a temporary buffer holding its n
 * elements (copied in for IN and INOUT). temps[i] is the buffer made for
 * argument i, NULL for the others. */
static int stage_host_arrays(clpool_kernel *k, size_t n, const clpool_arg *args, size_t nargs,
                             clpool_arg *run, clpool_buffer **temps)
{
    clpool *pool = k->prog->pool;
    for (size_t i = 0; i < nargs; i++) {
        const clpool_arg *a = &args[i];
        if (a->kind != CLPOOL_ARG_IN && a->kind != CLPOOL_ARG_OUT && a->kind != CLPOOL_ARG_INOUT)
            continue;
        size_t bytes = n * a->size; /* checked for overflow by clpool__args_check */
        if (bytes > pool->max_alloc)
            return clpool__error(pool, CLPOOL_ENOMEM,
                                 "kernel '%s' argument %zu: the %s host array holds %zu bytes, "
                                 "more than the %s backend's largest allocation (%zu bytes); "
                                 "map it in parts of at most %zu items",
                                 k->name, i, kind_word(a->kind), bytes, pool->ops->name,
                                 pool->max_alloc, pool->max_alloc / a->size);
        int status = clpool__buffer_make(pool, bytes, &temps[i]);
        if (status != CLPOOL_OK)
            return status;
        if (a->kind != CLPOOL_ARG_OUT) {
            status = pool->ops->buffer_write(temps[i], 0, a->host, bytes);
            if (status != CLPOOL_OK)
                return status;
        }
        run[i] = clpool_buf(temps[i]);
    }
    return CLPOOL_OK;
}

/* Copies OUT and INOUT arrays back to the host. */
static int unstage_outputs(clpool_kernel *k, size_t n, const clpool_arg *args, size_t nargs,
                           clpool_buffer **temps)
{
    clpool *pool = k->prog->pool;
    for (size_t i = 0; i < nargs; i++) {
        const clpool_arg *a = &args[i];
        if (a->kind != CLPOOL_ARG_OUT && a->kind != CLPOOL_ARG_INOUT)
            continue;
        int status = pool->ops->buffer_read(temps[i], 0, (void *)a->host, n * a->size);
        if (status != CLPOOL_OK)
            return status;
    }
    return CLPOOL_OK;
}

int clpool_map(clpool_kernel *k, size_t n, const clpool_arg *args, size_t nargs)
{
    if (k == NULL)
        return CLPOOL_EINVAL;
    clpool *pool = k->prog->pool;
    pthread_mutex_lock(&pool->lock);
    int status = clpool__map_locked(k, n, args, nargs);
    pthread_mutex_unlock(&pool->lock);
    return status;
}

int clpool__map_locked(clpool_kernel *k, size_t n, const clpool_arg *args, size_t nargs)
{
    clpool *pool = k->prog->pool;
    int status = clpool__args_check(k, n, args, nargs);
    if (status != CLPOOL_OK || n == 0)
        return status;

    int has_host_arrays = 0;
    for (size_t i = 0; i < nargs; i++)
        if (args[i].kind != CLPOOL_ARG_BUFFER && args[i].kind != CLPOOL_ARG_SCALAR)
            has_host_arrays = 1;
    if (!has_host_arrays)
        return pool->ops->map(k, n, args, nargs);
    if (pool->ops->window_start != NULL && k->sig != NULL && clpool__window_wrappable(k->sig)) {
        /* Chunked only when a host array is over the limit: every other map
         * takes the whole-buffer path below, unchanged. */
        size_t limit = clpool__chunk_limit(pool);
        for (size_t i = 0; i < nargs; i++)
            if (args[i].kind != CLPOOL_ARG_BUFFER && args[i].kind != CLPOOL_ARG_SCALAR &&
                n * args[i].size > limit) {
                status = clpool__map_chunked(k, n, args, nargs, limit);
                if (status != CLPOOL__ENOWINDOW)
                    return status;
                break; /* no windows for this kernel: whole, if it fits */
            }
    }

    clpool_arg stack_run[STACK_ARGS];
    clpool_buffer *stack_temps[STACK_ARGS];
    clpool_arg *run = stack_run;
    clpool_buffer **temps = stack_temps;
    if (nargs > STACK_ARGS) {
        run = malloc(nargs * sizeof *run);
        temps = malloc(nargs * sizeof *temps);
        if (run == NULL || temps == NULL) {
            status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for %zu arguments", nargs);
            goto free_arrays;
        }
    }
    memcpy(run, args, nargs * sizeof *run);
    memset(temps, 0, nargs * sizeof *temps);

    status = stage_host_arrays(k, n, args, nargs, run, temps);
    if (status == CLPOOL_OK)
        status = pool->ops->map(k, n, run, nargs);
    if (status == CLPOOL_OK)
        status = unstage_outputs(k, n, args, nargs, temps);

    for (size_t i = 0; i < nargs; i++)
        if (temps[i] != NULL)
            clpool__buffer_destroy(temps[i]);
free_arrays:
    if (run != stack_run)
        free(run);
    if (temps != stack_temps)
        free(temps);
    return status;
}
