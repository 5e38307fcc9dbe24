/*
 * clpool_host_alloc on OpenCL: the host_alloc, host_free, host_view and
 * host_unview slots.
 *
 * A block is host memory the device can use where it lies. On a CPU device,
 * or one that shares the host's memory (CL_DEVICE_HOST_UNIFIED_MEMORY), it
 * is ordinary memory aligned to a page and to CL_DEVICE_MEM_BASE_ADDR_ALIGN.
 * On a device with memory of its own (a discrete GPU) it is pinned memory:
 * the mapping of a buffer made with CL_MEM_ALLOC_HOST_PTR, kept mapped for
 * the block's life, which the device reaches by DMA. Pinned memory is an
 * optimisation: where the runtime does not give it (a block over
 * CL_DEVICE_MAX_MEM_ALLOC_SIZE, a device still busy with a kernel that
 * timed out, a mapping that is not page aligned), the block is ordinary
 * memory and its arrays reach the device as the runtime sees fit.
 *
 * A view is a buffer made with CL_MEM_USE_HOST_PTR over exactly the host
 * array, for one map. A CPU device uses such memory in place: on PoCL 3.1
 * a kernel's writes are in the host array before any map, at any start;
 * creating and releasing the buffer costs under 0.1 us, as a sub-buffer's
 * does. A sub-buffer of the block is not used: its origin would have to
 * be a multiple of CL_DEVICE_MEM_BASE_ADDR_ALIGN, and a pinned block's
 * buffer stays mapped, so no kernel may use it or its sub-buffers (OpenCL
 * 1.2, "Accessing mapped regions of a memory object"); a separate buffer
 * over the mapped memory has no such rule.
 *
 * Declined, so that the core copies the array as usual:
 *   - a range with an offset (shift > 0): OpenCL cannot give a kernel a
 *     pointer before a buffer's start;
 *   - an array that does not start on CL_DEVICE_MEM_BASE_ADDR_ALIGN: the
 *     kernel may see it as the device's widest type (long16) and its
 *     compiler may then use aligned loads, while the copy's buffers are
 *     aligned;
 *   - more than CL_DEVICE_MAX_MEM_ALLOC_SIZE, or a buffer the runtime does
 *     not make (the copy then says why, if it fails too).
 *
 * Results: the host memory of a CL_MEM_USE_HOST_PTR buffer is guaranteed to
 * hold a kernel's writes only once a map of them has completed (OpenCL 1.2,
 * clEnqueueMapBuffer), so host_unview maps every view the map may have
 * written, blocking, and unmaps it. On a device that uses the memory in
 * place that copies nothing, but it is one more command's round trip
 * after the kernel's: 27 us back to back, 55 us after a kernel, on PoCL
 * 3.1 on the 2-core machine. Inputs need nothing: a view is made after the
 * host wrote them.
 *
 * Freeing. The core frees a block only once no async map it knows of uses
 * it, and a map's views are released when it returns; but a kernel that
 * ran past the time limit keeps running (busy.c), writing its views'
 * memory, which the runtime does not know belongs to a block. Freeing a
 * block then is deferred: it stays on the list, marked, and goes at the
 * next host call that finds the device idle. At close, blocks still
 * waiting for such a kernel are left to the process rather than freed
 * under it.
 *
 * The pinned path is written to the specification but untested: the only
 * OpenCL device where this was written is PoCL's CPU device.
 */
#include "opencl/opencl.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

struct clpool__cl_block {
    void *p;
    cl_mem mem; /* the pinned block's buffer, mapped at p; NULL: ordinary memory */
    int freed;  /* host_free was called: kept while a timed-out kernel may use it */
    struct clpool__cl_block *next;
};

size_t clpool__cl_host_align(size_t base_align)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t align = page > 0 ? (size_t)page : 4096;
    /* posix_memalign wants a power of two; the device's alignment is one. */
    while (align < base_align && align <= SIZE_MAX / 2)
        align *= 2;
    return align;
}

static void block_release(struct clpool__cl_pool *cl, struct clpool__cl_block *b)
{
    if (b->mem != NULL) {
        /* Nothing to report to: the memory goes with the buffer either way,
         * and the unmap, queued before the release, comes first. */
        (void)clEnqueueUnmapMemObject(cl->queue, b->mem, b->p, 0, NULL, NULL);
        (void)clReleaseMemObject(b->mem);
    } else {
        free(b->p);
    }
    free(b);
}

/* Frees the blocks whose free was deferred, unless a kernel that timed out
 * may still use them. */
static void reap(struct clpool__cl_pool *cl)
{
    if (cl->blocks == NULL || clpool__cl_busy_now(cl))
        return;
    for (struct clpool__cl_block **at = &cl->blocks; *at != NULL;) {
        struct clpool__cl_block *b = *at;
        if (!b->freed) {
            at = &b->next;
            continue;
        }
        *at = b->next;
        block_release(cl, b);
    }
}

/* Pinned memory for b, or nonzero (no message) where there is none: the
 * caller then makes ordinary memory. */
static int pinned_alloc(struct clpool__cl_pool *cl, size_t bytes, struct clpool__cl_block *b)
{
    /* A blocking map would wait behind a kernel that timed out. */
    if (clpool__cl_busy_now(cl))
        return -1;
    cl_int err;
    cl_mem mem = clCreateBuffer(cl->context, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR, bytes,
                                NULL, &err);
    if (err != CL_SUCCESS)
        return -1;
    void *p = clEnqueueMapBuffer(cl->queue, mem, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0, bytes, 0,
                                 NULL, NULL, &err);
    if (err == CL_SUCCESS && (uintptr_t)p % cl->host_align == 0) {
        b->p = p;
        b->mem = mem;
        return 0;
    }
    /* clpool_host_alloc promises page-aligned memory. */
    if (err == CL_SUCCESS)
        (void)clEnqueueUnmapMemObject(cl->queue, mem, p, 0, NULL, NULL);
    (void)clReleaseMemObject(mem);
    return -1;
}

int clpool__cl_host_alloc(clpool *pool, size_t bytes, void **out)
{
    struct clpool__cl_pool *cl = clpool__cl_of(pool);
    reap(cl);
    struct clpool__cl_block *b = calloc(1, sizeof *b);
    if (b == NULL)
        return clpool__error(pool, CLPOOL_ENOMEM, "no memory for a host block's record");
    if ((!cl->host_pinned || pinned_alloc(cl, bytes, b) != 0) &&
        posix_memalign(&b->p, cl->host_align, bytes) != 0) {
        free(b);
        return clpool__error(pool, CLPOOL_ENOMEM,
                             "clpool_host_alloc: no memory for %zu bytes aligned to %zu", bytes,
                             cl->host_align);
    }
    b->next = cl->blocks;
    cl->blocks = b;
    *out = b->p;
    return CLPOOL_OK;
}

void clpool__cl_host_free(clpool *pool, void *p, size_t bytes)
{
    (void)bytes;
    struct clpool__cl_pool *cl = clpool__cl_of(pool);
    for (struct clpool__cl_block *b = cl->blocks; b != NULL; b = b->next)
        if (b->p == p) {
            b->freed = 1;
            break;
        }
    reap(cl);
}

void clpool__cl_hostmem_close(struct clpool__cl_pool *cl)
{
    /* The core has freed every block; those still here wait for a kernel
     * that timed out, and are left to the process if it still runs: it
     * may still write them. */
    int busy = clpool__cl_busy_now(cl);
    while (cl->blocks != NULL) {
        struct clpool__cl_block *b = cl->blocks;
        cl->blocks = b->next;
        if (busy)
            free(b);
        else
            block_release(cl, b);
    }
}

int clpool__cl_host_view(clpool *pool, const void *host, size_t bytes, size_t shift,
                         clpool_buffer *view)
{
    struct clpool__cl_pool *cl = clpool__cl_of(pool);
    if (shift != 0 || (uintptr_t)host % cl->base_align != 0 || bytes > pool->max_alloc)
        return CLPOOL_EINVAL;
    cl_int err;
    cl_mem mem = clCreateBuffer(cl->context, CL_MEM_READ_WRITE | CL_MEM_USE_HOST_PTR, bytes,
                                (void *)host, &err);
    if (err != CL_SUCCESS)
        return clpool__cl_status(err);
    view->impl = mem;
    return CLPOOL_OK;
}

/* Makes what the map wrote in view visible at its host memory. */
static int sync_view(clpool_buffer *view)
{
    clpool *pool = view->pool;
    struct clpool__cl_pool *cl = clpool__cl_of(pool);
    int busy = clpool__cl_busy_check(pool);
    if (busy != CLPOOL_OK)
        return busy;
    cl_mem mem = (cl_mem)view->impl;
    cl_int err;
    void *p = clEnqueueMapBuffer(cl->queue, mem, CL_TRUE, CL_MAP_READ, 0, view->size, 0, NULL,
                                 NULL, &err);
    if (err != CL_SUCCESS)
        return clpool__cl_error(pool, err,
                                "making a map's results visible in clpool_host_alloc'd memory: "
                                "clEnqueueMapBuffer of %zu bytes on %s failed",
                                view->size, cl->device_name);
    err = clEnqueueUnmapMemObject(cl->queue, mem, p, 0, NULL, NULL);
    if (err != CL_SUCCESS)
        return clpool__cl_error(pool, err,
                                "clEnqueueUnmapMemObject of %zu bytes of clpool_host_alloc'd "
                                "memory on %s failed after its results were mapped",
                                view->size, cl->device_name);
    return CLPOOL_OK;
}

int clpool__cl_host_unview(clpool_buffer *view, int written)
{
    int status = written ? sync_view(view) : CLPOOL_OK;
    /* The runtime keeps the buffer until the commands that use it (a
     * kernel that timed out) have ended. */
    (void)clReleaseMemObject((cl_mem)view->impl);
    view->impl = NULL;
    return status;
}
