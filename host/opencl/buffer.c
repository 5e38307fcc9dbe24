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

int clpool__cl_buffer_write(clpool_buffer *buf, size_t off, const void *src, size_t len)
{
    struct clpool__cl_pool *cl = clpool__cl_of(buf->pool);
    cl_int err = clEnqueueWriteBuffer(cl->queue, (cl_mem)buf->impl, CL_TRUE, off, len, src, 0,
                                      NULL, NULL);
    if (err != CL_SUCCESS)
        return clpool__cl_error(buf->pool, err,
                                "writing %zu bytes at offset %zu of a %zu-byte buffer failed "
                                "(clEnqueueWriteBuffer)",
                                len, off, buf->size);
    return CLPOOL_OK;
}

int clpool__cl_buffer_read(clpool_buffer *buf, size_t off, void *dst, size_t len)
{
    struct clpool__cl_pool *cl = clpool__cl_of(buf->pool);
    cl_int err = clEnqueueReadBuffer(cl->queue, (cl_mem)buf->impl, CL_TRUE, off, len, dst, 0,
                                     NULL, NULL);
    if (err != CL_SUCCESS)
        return clpool__cl_error(buf->pool, err,
                                "reading %zu bytes at offset %zu of a %zu-byte buffer failed "
                                "(clEnqueueReadBuffer)",
                                len, off, buf->size);
    return CLPOOL_OK;
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
    if (status != CLPOOL_OK)
        return status;
    cl_int err = clEnqueueWriteBuffer(q, (cl_mem)buf->impl, CL_TRUE, off, len, src, 0, NULL,
                                      NULL);
    if (err != CL_SUCCESS)
        return clpool__cl_error(buf->pool, err,
                                "writing %zu bytes at offset %zu of a %zu-byte window failed "
                                "(clEnqueueWriteBuffer on the transfer queue)",
                                len, off, buf->size);
    return CLPOOL_OK;
}

int clpool__cl_xfer_read(clpool_buffer *buf, size_t off, void *dst, size_t len)
{
    cl_command_queue q = NULL;
    int status = xfer_queue(buf->pool, &q);
    if (status != CLPOOL_OK)
        return status;
    cl_int err = clEnqueueReadBuffer(q, (cl_mem)buf->impl, CL_TRUE, off, len, dst, 0, NULL,
                                     NULL);
    if (err != CL_SUCCESS)
        return clpool__cl_error(buf->pool, err,
                                "reading %zu bytes at offset %zu of a %zu-byte window failed "
                                "(clEnqueueReadBuffer on the transfer queue)",
                                len, off, buf->size);
    return CLPOOL_OK;
}
