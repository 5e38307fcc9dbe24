/* Device buffers: one cl_mem each, copied to and from with blocking
 * transfers on the pool's in-order queue, or on its transfer queue for the
 * copies that a chunked map overlaps with a running chunk. */
#include "opencl/opencl.h"

int clpool__cl_buffer_new(clpool_buffer *buf)
{
    clpool *pool = buf->pool;
    struct clpool__cl_pool *cl = clpool__cl_of(pool);
    cl_int err;
    cl_mem mem = clCreateBuffer(cl->context, CL_MEM_READ_WRITE, buf->size, NULL, &err);
    if (err != CL_SUCCESS)
        return clpool__cl_error(pool, err, "clCreateBuffer of %zu bytes on %s failed", buf->size,
                                cl->device_name);
    buf->impl = mem;
    return CLPOOL_OK;
}

void clpool__cl_buffer_free(clpool_buffer *buf)
{
    /* The runtime keeps the memory until commands still using it (a map
     * that timed out) have finished. */
    if (buf->impl != NULL)
        (void)clReleaseMemObject((cl_mem)buf->impl);
    buf->impl = NULL;
}

/* One blocking copy between host memory and buf on queue q; which names
 * the queue in messages ("" for the pool's own). */
static int copy(clpool_buffer *buf, cl_command_queue q, int write, size_t off, void *host,
                size_t len, const char *which)
{
    int busy = clpool__cl_busy_check(buf->pool);
    if (busy != CLPOOL_OK)
        return busy;
    cl_mem mem = (cl_mem)buf->impl;
    cl_int err = write ? clEnqueueWriteBuffer(q, mem, CL_TRUE, off, len, host, 0, NULL, NULL)
                       : clEnqueueReadBuffer(q, mem, CL_TRUE, off, len, host, 0, NULL, NULL);
    if (err != CL_SUCCESS)
        return clpool__cl_error(buf->pool, err,
                                "%s %zu bytes at offset %zu of a %zu-byte buffer failed "
                                "(%s%s)",
                                write ? "writing" : "reading", len, off, buf->size,
                                write ? "clEnqueueWriteBuffer" : "clEnqueueReadBuffer", which);
    return CLPOOL_OK;
}

int clpool__cl_buffer_write(clpool_buffer *buf, size_t off, const void *src, size_t len)
{
    return copy(buf, clpool__cl_of(buf->pool)->queue, 1, off, (void *)src, len, "");
}

int clpool__cl_buffer_read(clpool_buffer *buf, size_t off, void *dst, size_t len)
{
    return copy(buf, clpool__cl_of(buf->pool)->queue, 0, off, dst, len, "");
}

/* The transfer queue, made on first use: pools that never chunk a map pay
 * nothing for it. */
static int xfer_queue(clpool *pool, cl_command_queue *out)
{
    struct clpool__cl_pool *cl = clpool__cl_of(pool);
    if (cl->xfer == NULL) {
        cl_int err;
        cl->xfer = clCreateCommandQueue(cl->context, cl->device, 0, &err);
        if (err != CL_SUCCESS) {
            cl->xfer = NULL;
            return clpool__cl_error(pool, err, "clCreateCommandQueue of the transfer queue on "
                                    "%s failed", cl->device_name);
        }
    }
    *out = cl->xfer;
    return CLPOOL_OK;
}

int clpool__cl_xfer_write(clpool_buffer *buf, size_t off, const void *src, size_t len)
{
    cl_command_queue q = NULL;
    int status = xfer_queue(buf->pool, &q);
    return status != CLPOOL_OK ? status
                               : copy(buf, q, 1, off, (void *)src, len, " on the transfer queue");
}

int clpool__cl_xfer_read(clpool_buffer *buf, size_t off, void *dst, size_t len)
{
    cl_command_queue q = NULL;
    int status = xfer_queue(buf->pool, &q);
    return status != CLPOOL_OK ? status : copy(buf, q, 0, off, dst, len, " on the transfer queue");
}
