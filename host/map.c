/*
 * Public entry points for maps, and the one path every map takes: the range
 * and the arguments are checked, whole host arrays (clpool_array_*) are
 * copied into temporary buffers, elementwise host arrays either go through
 * chunk windows (host/chunk.c) or are copied whole into temporaries, the
 * backend runs the range, and outputs are copied back. The backend sees
 * only buffers, scalars and __local sizes.
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
    switch (kind) {
    case CLPOOL_ARG_IN:
        return "clpool_in";
    case CLPOOL_ARG_OUT:
        return "clpool_out";
    case CLPOOL_ARG_INOUT:
        return "clpool_inout";
    case CLPOOL_ARG_ARRAY_IN:
        return "clpool_array_in";
    case CLPOOL_ARG_ARRAY_OUT:
        return "clpool_array_out";
    default:
        return "clpool_array_inout";
    }
}

static int is_input(const clpool_arg *a)
{
    return a->kind == CLPOOL_ARG_IN || a->kind == CLPOOL_ARG_INOUT ||
           a->kind == CLPOOL_ARG_ARRAY_IN || a->kind == CLPOOL_ARG_ARRAY_INOUT;
}

static int is_output(const clpool_arg *a)
{
    return a->kind == CLPOOL_ARG_OUT || a->kind == CLPOOL_ARG_INOUT ||
           a->kind == CLPOOL_ARG_ARRAY_OUT || a->kind == CLPOOL_ARG_ARRAY_INOUT;
}

/* Bytes of host argument a in a map of items work-items (checked for
 * overflow by clpool__args_check). */
static size_t host_bytes(const clpool_arg *a, size_t items)
{
    return clpool__is_whole_array(a) ? a->size : items * a->size;
}

/* Replaces each host array that `which` selects in run[] by a temporary
 * buffer holding it (copied in for inputs). temps[i] is the buffer made for
 * argument i. */
static int stage(clpool_kernel *k, size_t items, const clpool_arg *args, size_t nargs,
                 int (*which)(const clpool_arg *), clpool_arg *run, clpool_buffer **temps)
{
    clpool *pool = k->prog->pool;
    for (size_t i = 0; i < nargs; i++) {
        const clpool_arg *a = &args[i];
        if (!which(a))
            continue;
        size_t bytes = host_bytes(a, items);
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
        if (is_input(a)) {
            status = pool->ops->buffer_write(temps[i], 0, a->host, bytes);
            if (status != CLPOOL_OK)
                return status;
        }
        run[i] = clpool_buf(temps[i]);
    }
    return CLPOOL_OK;
}

/* Copies the outputs among the arguments `which` selects back to the host. */
static int unstage(clpool_kernel *k, size_t items, const clpool_arg *args, size_t nargs,
                   int (*which)(const clpool_arg *), clpool_buffer **temps)
{
    clpool *pool = k->prog->pool;
    for (size_t i = 0; i < nargs; i++) {
        const clpool_arg *a = &args[i];
        if (!which(a) || !is_output(a) || temps[i] == NULL)
            continue; /* temps[i] NULL: used in place */
        int status = pool->ops->buffer_read(temps[i], 0, (void *)a->host, host_bytes(a, items));
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
    clpool__nd nd;
    int status = clpool__range_1d(k, n, &nd);
    if (status == CLPOOL_OK)
        status = clpool__map_locked(k, &nd, args, nargs);
    pthread_mutex_unlock(&pool->lock);
    return status;
}

/* Runs the range with whole arrays already in buffers: elementwise host
 * arrays are chunked when one is over the limit, else staged whole. A
 * range with an offset runs them through one window (a chunk covering
 * every item), whose shift puts element 0 at the first item. */
static int map_elementwise(clpool_kernel *k, const clpool__nd *nd, const clpool_arg *args,
                           size_t nargs, clpool_arg *run, clpool_buffer **temps)
{
    clpool *pool = k->prog->pool;
    int has_host_arrays = 0;
    for (size_t i = 0; i < nargs; i++)
        has_host_arrays |= clpool__is_elementwise(&args[i]);
    if (!has_host_arrays)
        return pool->ops->map(k, nd, args, nargs);
    int offset = clpool__nd_linear_offset(nd) != 0;
    if (pool->ops->window_start != NULL && k->sig != NULL && clpool__window_wrappable(k->sig)) {
        /* Chunked only when a host array is over the limit: every other map
         * takes the whole-buffer path below, unchanged. */
        size_t limit = clpool__chunk_limit(pool);
        for (size_t i = 0; i < nargs; i++)
            if (clpool__is_elementwise(&args[i]) && nd->items * args[i].size > limit) {
                int status = clpool__map_chunked(k, nd, args, nargs, limit);
                if (status != CLPOOL__ENOWINDOW)
                    return status;
                break; /* no windows for this kernel: whole, if it fits */
            }
        if (offset) {
            int status = clpool__map_chunked(k, nd, args, nargs, SIZE_MAX);
            if (status != CLPOOL__ENOWINDOW)
                return status;
        }
    }
    if (offset)
        return clpool__error(pool, CLPOOL_EINVAL,
                             "kernel '%s': host arrays (clpool_in/out/inout) in a range with an "
                             "offset need a kernel that clpool can run through a window: "
                             "parameters it can read and, on OpenCL, no __local variables "
                             "declared in the program (a kernel called from clpool's window "
                             "may not have them); pass buffers (clpool_buf) instead",
                             k->name);
    memcpy(run, args, nargs * sizeof *run);
    int status = stage(k, nd->items, args, nargs, clpool__is_elementwise, run, temps);
    if (status == CLPOOL_OK)
        status = pool->ops->map(k, nd, run, nargs);
    if (status == CLPOOL_OK)
        status = unstage(k, nd->items, args, nargs, clpool__is_elementwise, temps);
    return status;
}

/* Host arrays inside clpool_host_alloc'd memory become views of it:
 * args[i] is replaced in out[] by clpool_buf(&views[i]), released by
 * release_views once the map has run. Returns whether any host array is
 * left to copy. */
static int use_in_place(clpool *pool, const clpool__nd *nd, clpool_arg *out, size_t nargs,
                        clpool_buffer *views)
{
    size_t lin = clpool__nd_linear_offset(nd);
    int left = 0;
    for (size_t i = 0; i < nargs; i++) {
        clpool_arg *a = &out[i];
        int whole = clpool__is_whole_array(a), elementwise = clpool__is_elementwise(a);
        if (!whole && !elementwise)
            continue;
        size_t bytes = whole ? a->size : nd->items * a->size;
        size_t shift = whole ? 0 : lin * a->size;
        if (clpool__hostmem_view(pool, a->host, bytes, shift, &views[i]))
            *a = clpool_buf(&views[i]);
        else
            left = 1;
    }
    return left;
}

/* Releases the views use_in_place made (whole[i] is clpool_buf(&views[i]))
 * after the map whose status is given; after one that succeeded, outputs
 * are made visible in host memory first. Returns the map's status, or the
 * first failure to make an output visible. */
static int release_views(const clpool_arg *args, const clpool_arg *whole, clpool_buffer *views,
                         size_t nargs, int status)
{
    int ran = status == CLPOOL_OK;
    for (size_t i = 0; i < nargs; i++) {
        if (whole[i].kind != CLPOOL_ARG_BUFFER || whole[i].buf != &views[i])
            continue;
        int rc = clpool__hostmem_unview(&views[i], ran && is_output(&args[i]));
        if (status == CLPOOL_OK)
            status = rc;
    }
    return status;
}

int clpool__map_locked(clpool_kernel *k, clpool__nd *nd, const clpool_arg *args, size_t nargs)
{
    clpool *pool = k->prog->pool;
    int has_host;
    int status = clpool__args_check(k, nd->items, args, nargs, &has_host);
    if (status != CLPOOL_OK || nd->items == 0)
        return status;
    if (nd->local[0] == 0 && k->limits.auto_group != 0) {
        nd->local[0] = nd->global[0] < k->limits.auto_group ? nd->global[0] : k->limits.auto_group;
        nd->local[1] = nd->local[2] = 1;
    }
    if (!has_host)
        return pool->ops->map(k, nd, args, nargs);

    /* Three argument lists: the caller's with in-place views and whole
     * arrays in buffers (what chunks and the elementwise staging start
     * from), and the elementwise staging's. */
    clpool_arg stack_whole[STACK_ARGS], stack_run[STACK_ARGS];
    clpool_buffer *stack_temps[2 * STACK_ARGS];
    clpool_buffer stack_views[STACK_ARGS];
    clpool_arg *whole = stack_whole, *run = stack_run;
    clpool_buffer **temps = stack_temps;
    clpool_buffer *views = stack_views;
    if (nargs > STACK_ARGS) {
        whole = malloc(nargs * sizeof *whole);
        run = malloc(nargs * sizeof *run);
        temps = malloc(2 * nargs * sizeof *temps);
        views = malloc(nargs * sizeof *views);
        if (whole == NULL || run == NULL || temps == NULL || views == NULL) {
            status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for %zu arguments", nargs);
            goto free_arrays;
        }
    }
    memcpy(whole, args, nargs * sizeof *whole);
    memset(temps, 0, 2 * nargs * sizeof *temps);
    if (!use_in_place(pool, nd, whole, nargs, views)) {
        status = pool->ops->map(k, nd, whole, nargs);
        goto unview;
    }

    /* From here on, args[i] for the arrays left is whole[i] too. */
    status = stage(k, nd->items, whole, nargs, clpool__is_whole_array, whole, temps);
    if (status == CLPOOL_OK)
        status = map_elementwise(k, nd, whole, nargs, run, temps + nargs);
    if (status == CLPOOL_OK)
        status = unstage(k, nd->items, args, nargs, clpool__is_whole_array, temps);

    for (size_t i = 0; i < 2 * nargs; i++)
        if (temps[i] != NULL)
            clpool__buffer_destroy(temps[i]);
unview:
    status = release_views(args, whole, views, nargs, status);
free_arrays:
    if (whole != stack_whole)
        free(whole);
    if (run != stack_run)
        free(run);
    if (temps != stack_temps)
        free(temps);
    if (views != stack_views)
        free(views);
    return status;
}
