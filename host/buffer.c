/* Public entry points for device buffers. */
#include "backend.h"
#include "internal.h"

#include <stdlib.h>

/* Checks that [offset, offset + bytes) lies inside buf. */
static int check_range(clpool_buffer *buf, size_t offset, size_t bytes, const void *host,
                       const char *what)
{
    clpool *pool = buf->pool;
    if (host == NULL && bytes > 0)
        return clpool__error(pool, CLPOOL_EINVAL, "clpool_buffer_%s: the host pointer is NULL",
                             what);
    size_t end;
    if (offset > buf->size || __builtin_add_overflow(offset, bytes, &end) || end > buf->size)
        return clpool__error(pool, CLPOOL_EINVAL,
                             "clpool_buffer_%s of %zu bytes at offset %zu is past the end of a "
                             "%zu-byte buffer",
                             what, bytes, offset, buf->size);
    return CLPOOL_OK;
}

int clpool__buffer_make(clpool *pool, size_t bytes, clpool_buffer **out)
{
    if (bytes == 0)
        return clpool__error(pool, CLPOOL_EINVAL, "a buffer of 0 bytes was asked for");
    if (bytes > pool->max_alloc)
        return clpool__error(pool, CLPOOL_ENOMEM,
                             "a buffer of %zu bytes is larger than the largest allocation the "
                             "%s backend allows (%zu bytes)",
                             bytes, pool->ops->name, pool->max_alloc);
    clpool_buffer *buf = calloc(1, sizeof *buf);
    if (buf == NULL)
        return clpool__error(pool, CLPOOL_ENOMEM, "no memory for a buffer");
    buf->pool = pool;
    buf->size = bytes;
    int status = pool->ops->buffer_new(buf);
    if (status != CLPOOL_OK) {
        free(buf);
        return status;
    }
    *out = buf;
    return CLPOOL_OK;
}

void clpool__buffer_destroy(clpool_buffer *buf)
{
    buf->pool->ops->buffer_free(buf);
    free(buf);
}

int clpool_buffer_new(clpool *pool, size_t bytes, clpool_buffer **out)
{
    if (pool == NULL)
        return CLPOOL_EINVAL;
    if (out == NULL)
        return clpool__error_locked(pool, CLPOOL_EINVAL, "clpool_buffer_new: out is NULL");
    *out = NULL;
    clpool_buffer *buf = NULL;
    pthread_mutex_lock(&pool->lock);
    int status = clpool__buffer_make(pool, bytes, &buf);
    if (status == CLPOOL_OK) {
        buf->next = pool->buffers;
        if (pool->buffers != NULL)
            pool->buffers->prev = buf;
        pool->buffers = buf;
        *out = buf;
    }
    pthread_mutex_unlock(&pool->lock);
    return status;
}

int clpool_buffer_write(clpool_buffer *buf, size_t offset, const void *src, size_t bytes)
{
    if (buf == NULL)
        return CLPOOL_EINVAL;
    pthread_mutex_lock(&buf->pool->lock);
    int status = check_range(buf, offset, bytes, src, "write");
    if (status == CLPOOL_OK && bytes > 0)
        status = buf->pool->ops->buffer_write(buf, offset, src, bytes);
    pthread_mutex_unlock(&buf->pool->lock);
    return status;
}

int clpool_buffer_read(clpool_buffer *buf, size_t offset, void *dst, size_t bytes)
{
    if (buf == NULL)
        return CLPOOL_EINVAL;
    pthread_mutex_lock(&buf->pool->lock);
    int status = check_range(buf, offset, bytes, dst, "read");
    if (status == CLPOOL_OK && bytes > 0)
        status = buf->pool->ops->buffer_read(buf, offset, dst, bytes);
    pthread_mutex_unlock(&buf->pool->lock);
    return status;
}

size_t clpool_buffer_size(const clpool_buffer *buf)
{
    return buf == NULL ? 0 : buf->size;
}

void clpool_buffer_free(clpool_buffer *buf)
{
    if (buf == NULL)
        return;
    clpool *pool = buf->pool;
    pthread_mutex_lock(&pool->lock);
    if (buf->prev != NULL)
        buf->prev->next = buf->next;
    else
        pool->buffers = buf->next;
    if (buf->next != NULL)
        buf->next->prev = buf->prev;
    clpool__buffer_destroy(buf);
    pthread_mutex_unlock(&pool->lock);
}
