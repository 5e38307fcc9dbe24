/*
 * clpool_host_alloc: host memory that a backend's maps use in place. The
 * pool keeps a list of its blocks; a host array (elementwise or whole) that
 * lies inside one is passed to the backend as a view of that memory
 * (host_view, released by host_unview after the map), with no staging copy
 * and no chunk windows; an array the backend declines to view is copied as
 * usual. A backend without the slots gets ordinary memory, which maps copy
 * like any host array.
 *
 * An async map that will use a block holds it from its submission to the
 * end of its run; freeing a held block is deferred until the last such map
 * has run, so that no queued map reads freed memory.
 */
#include "backend.h"
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct clpool__hostmem {
    void *p;
    size_t bytes;
    unsigned holds; /* async maps queued or running that use it */
    int freed;      /* clpool_host_free was called while held */
    struct clpool__hostmem *next;
};

static void block_release(clpool *pool, struct clpool__hostmem *b)
{
    if (pool->ops->host_free != NULL)
        pool->ops->host_free(pool, b->p, b->bytes);
    else
        free(b->p);
    free(b);
}

int clpool_host_alloc(clpool *pool, size_t bytes, void **out)
{
    if (pool == NULL || out == NULL)
        return pool != NULL ? clpool__error(pool, CLPOOL_EINVAL, "clpool_host_alloc: out is NULL")
                            : CLPOOL_EINVAL;
    *out = NULL;
    pthread_mutex_lock(&pool->lock);
    int status = CLPOOL_OK;
    struct clpool__hostmem *b = calloc(1, sizeof *b);
    if (bytes == 0)
        status = clpool__error(pool, CLPOOL_EINVAL, "clpool_host_alloc of 0 bytes");
    else if (b == NULL)
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for a host block's record");
    else if (pool->ops->host_alloc != NULL)
        status = pool->ops->host_alloc(pool, bytes, &b->p);
    else if (posix_memalign(&b->p, 4096, bytes) != 0)
        status = clpool__error(pool, CLPOOL_ENOMEM, "clpool_host_alloc: no memory for %zu bytes",
                               bytes);
    if (status != CLPOOL_OK) {
        free(b);
        pthread_mutex_unlock(&pool->lock);
        return status;
    }
    b->bytes = bytes;
    b->next = pool->hostmem;
    pool->hostmem = b;
    *out = b->p;
    pthread_mutex_unlock(&pool->lock);
    return CLPOOL_OK;
}

void clpool_host_free(clpool *pool, void *p)
{
    if (pool == NULL || p == NULL)
        return;
    pthread_mutex_lock(&pool->lock);
    for (struct clpool__hostmem **at = &pool->hostmem; *at != NULL; at = &(*at)->next) {
        struct clpool__hostmem *b = *at;
        if (b->p != p || b->freed)
            continue;
        if (b->holds > 0) {
            b->freed = 1; /* the last async map that uses it frees it */
        } else {
            *at = b->next;
            block_release(pool, b);
        }
        break;
    }
    pthread_mutex_unlock(&pool->lock);
}

void clpool__hostmem_close(clpool *pool)
{
    while (pool->hostmem != NULL) {
        struct clpool__hostmem *b = pool->hostmem;
        pool->hostmem = b->next;
        block_release(pool, b);
    }
}

/* The live block holding [p, p+bytes), or NULL. */
static struct clpool__hostmem *block_of(const clpool *pool, const void *p, size_t bytes)
{
    uintptr_t a = (uintptr_t)p;
    for (struct clpool__hostmem *b = pool->hostmem; b != NULL; b = b->next) {
        uintptr_t s = (uintptr_t)b->p;
        if (!b->freed && a >= s && bytes <= b->bytes && a - s <= b->bytes - bytes)
            return b;
    }
    return NULL;
}

int clpool__hostmem_view(clpool *pool, const void *host, size_t bytes, size_t shift,
                         clpool_buffer *view)
{
    if (pool->hostmem == NULL || pool->ops->host_view == NULL || bytes == 0 ||
        block_of(pool, host, bytes) == NULL)
        return 0;
    memset(view, 0, sizeof *view);
    view->pool = pool;
    view->size = bytes;
    if (pool->ops->host_view(pool, host, bytes, shift, view) != CLPOOL_OK)
        return 0;
    pool->hostmem_views++;
    return 1;
}

int clpool__hostmem_unview(clpool_buffer *view, int written)
{
    const struct clpool__backend_ops *ops = view->pool->ops;
    return ops->host_unview != NULL ? ops->host_unview(view, written) : CLPOOL_OK;
}

/* Adds delta to the holds of every block an argument lies in; a block
 * freed while held goes with its last hold. */
static void hold(clpool *pool, const clpool_arg *args, size_t nargs, size_t items, int delta)
{
    if (pool->hostmem == NULL)
        return;
    for (size_t i = 0; i < nargs; i++) {
        const clpool_arg *a = &args[i];
        size_t bytes = clpool__is_whole_array(a) ? a->size
                       : clpool__is_elementwise(a) ? items * a->size
                                                   : 0;
        if (bytes == 0)
            continue;
        uintptr_t h = (uintptr_t)a->host;
        for (struct clpool__hostmem **at = &pool->hostmem; *at != NULL; at = &(*at)->next) {
            struct clpool__hostmem *b = *at;
            uintptr_t s = (uintptr_t)b->p;
            if (!(h >= s && bytes <= b->bytes && h - s <= b->bytes - bytes))
                continue;
            if (delta > 0) {
                b->holds++;
            } else if (b->holds > 0 && --b->holds == 0 && b->freed) {
                *at = b->next;
                block_release(pool, b);
            }
            break;
        }
    }
}

void clpool__hostmem_hold(clpool *pool, const clpool_arg *args, size_t nargs, size_t items)
{
    hold(pool, args, nargs, items, 1);
}

void clpool__hostmem_release(clpool *pool, const clpool_arg *args, size_t nargs, size_t items)
{
    hold(pool, args, nargs, items, -1);
}
