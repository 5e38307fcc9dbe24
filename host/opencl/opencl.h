/*
 * The OpenCL backend's internal declarations. The files of host/opencl/ are
 * the only ones in libclpool that include CL/cl.h; the rest of the library
 * sees this backend only through clpool__opencl_ops.
 *
 * The backend's handles are stored in the generic impl pointers:
 *   pool->impl   struct clpool__cl_pool *
 *   prog->impl   cl_program
 *   k->impl      cl_kernel
 *   buf->impl    cl_mem
 * (cl_program, cl_kernel and cl_mem are pointers already, so no wrapper
 * allocation is needed for them.)
 */
#ifndef CLPOOL_OPENCL_H
#define CLPOOL_OPENCL_H

/* The library's build defines it; tools that include this header get the
 * same API level (and no deprecation warnings for the 1.2 calls). */
#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

#include "internal.h"

/* The state of an open pool: one device, one context, one in-order queue
 * for maps and buffer copies, and a second one for the copies that a
 * chunked map overlaps with its running chunk. */
struct clpool__cl_pool {
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
    cl_command_queue xfer; /* NULL until a chunked map first needs it */
    /* The kernel enqueued and not yet waited for (map.c). */
    struct {
        clpool_kernel *k;
        cl_event ev;
        size_t n;
        unsigned timeout_ms;
        int64_t deadline; /* CLOCK_MONOTONIC ns; 0: no limit */
    } flight;
    /* A kernel that ran past the pool's time limit and may still be
     * running (busy.c): every later command waits behind it on the
     * in-order queue, so it is asked about first. ev NULL: none. */
    struct {
        cl_event ev;
        char kernel[128];
        unsigned timeout_ms;
    } busy;
    /* clpool_host_alloc (hostmem.c): the alignment a view's start needs
     * (CL_DEVICE_MEM_BASE_ADDR_ALIGN, in bytes), the blocks' alignment
     * (that and a page), whether blocks are pinned memory (a device with
     * memory of its own), and the blocks. */
    size_t base_align;
    size_t host_align;
    int host_pinned;
    struct clpool__cl_block *blocks;
    /* What identifies the compiler that builds programs, for cache keys
     * and for describe strings. */
    char *platform_name;
    char *platform_version;
    char *device_name;
    char *device_version;
    char *driver_version;
};

static inline struct clpool__cl_pool *clpool__cl_of(const clpool *pool)
{
    return (struct clpool__cl_pool *)pool->impl;
}

/* ---------------------------------------------------------------- errors.c */

/* "CL_OUT_OF_RESOURCES" for -5, "CL_UNKNOWN_ERROR" for codes not in the
 * table. The string is static. */
const char *clpool__cl_err_name(cl_int err);

/* The clpool status for an OpenCL error: CLPOOL_ENOMEM for the three
 * out-of-memory codes, CLPOOL_EOPENCL for the rest. */
int clpool__cl_status(cl_int err);

/* Records "<formatted what>: CL_NAME (code)" on pool and returns
 * clpool__cl_status(err), e.g.
 * clpool__cl_error(pool, err, "clEnqueueNDRangeKernel of kernel '%s' failed", name). */
int clpool__cl_error(clpool *pool, cl_int err, const char *fmt, ...) CLPOOL__PRINTF(3, 4);

/* ------------------------------------------------------------------ busy.c */

/* Records that the kernel of ev (retained here) ran past its time limit and
 * may still be running. */
void clpool__cl_busy_set(clpool *pool, cl_event ev, const char *kernel, unsigned timeout_ms);
/* Before a command that would queue behind such a kernel: CLPOOL_OK when
 * there is none or it ends within the pool's time limit (2 s when the pool
 * has none now); else
 * CLPOOL_ETIMEDOUT with a message that the device is still busy with it. */
int clpool__cl_busy_check(clpool *pool);
/* Whether such a kernel is still running (for close, which must not wait
 * for it); forgets a finished one. */
int clpool__cl_busy_now(struct clpool__cl_pool *cl);

/* ---------------------------------------------------------------- device.c */

/* One device seen while enumerating every platform. */
typedef struct clpool__cl_device {
    cl_platform_id platform;
    cl_device_id device;
    cl_device_type type;
    char *name;          /* CL_DEVICE_NAME */
    char *vendor;        /* CL_DEVICE_VENDOR */
    char *platform_name; /* CL_PLATFORM_NAME */
    char *platform_vendor; /* CL_PLATFORM_VENDOR ("The pocl project") */
} clpool__cl_device;

typedef struct clpool__cl_device_list {
    cl_uint nplatforms;
    clpool__cl_device *devices;
    size_t ndevices;
    /* The first failure that made a platform's devices invisible, for
     * messages ("" if none): such a platform is skipped, not fatal. */
    char skipped[256];
} clpool__cl_device_list;

/* Enumerates every platform's devices. No platform at all is not an error
 * (nplatforms = 0). Returns CL_SUCCESS, or the failing call's status with
 * *failed naming the call; the list is then empty. */
cl_int clpool__cl_devices(clpool__cl_device_list *list, const char **failed);
void clpool__cl_devices_free(clpool__cl_device_list *list);

/* The device that the filter (pool->cfg.device semantics) picks, or NULL:
 * NULL or "" = a GPU, else an accelerator, else any device; "gpu", "cpu",
 * "accelerator" = the first of that type; anything else = the first device
 * whose name, vendor, platform name or platform vendor contains it (any
 * case), GPUs first. */
const clpool__cl_device *clpool__cl_select(const clpool__cl_device_list *list,
                                           const char *filter);

/* "CPU", "GPU", "accelerator", ... for messages. */
const char *clpool__cl_type_word(cl_device_type type);

/* Heap copies of a string property; CL_OUT_OF_HOST_MEMORY if malloc fails. */
cl_int clpool__cl_platform_string(cl_platform_id p, cl_platform_info what, char **out);
cl_int clpool__cl_device_string(cl_device_id d, cl_device_info what, char **out);

/* The backend's auto_probe slot. */
int clpool__cl_auto_probe(char *why, size_t whylen);

/* --------------------------------------------------------------- context.c */

int clpool__cl_open(clpool *pool, char *desc, size_t desclen);
void clpool__cl_close(clpool *pool);

/* --------------------------------------------------------------- program.c */

int clpool__cl_program_build(clpool_program *prog);
void clpool__cl_program_free(clpool_program *prog);

/* ---------------------------------------------------------------- kernel.c */

int clpool__cl_kernel_create(clpool_kernel *k);
void clpool__cl_kernel_free(clpool_kernel *k);

/* ---------------------------------------------------------------- buffer.c */

int clpool__cl_buffer_new(clpool_buffer *buf);
void clpool__cl_buffer_free(clpool_buffer *buf);
int clpool__cl_buffer_write(clpool_buffer *buf, size_t off, const void *src, size_t len);
int clpool__cl_buffer_read(clpool_buffer *buf, size_t off, void *dst, size_t len);

/* ------------------------------------------------------------------- map.c */

int clpool__cl_map(clpool_kernel *k, const clpool__nd *nd, const clpool_arg *args, size_t nargs);
/* clSetKernelArg for args on kernel (k's or its window wrapper), with
 * k's messages. */
int clpool__cl_set_args(clpool_kernel *k, cl_kernel kernel, const clpool_arg *args, size_t nargs);
/* Enqueues kernel over the range nd (no local size when nd's is all 0, no
 * offset when nd's is all 0) and waits for it, within pool->cfg.timeout_ms
 * if set. */
int clpool__cl_launch(clpool_kernel *k, cl_kernel kernel, const clpool__nd *nd);
/* The two halves of clpool__cl_launch: start enqueues and returns, leaving
 * the command as cl->flight (nothing is left in flight if it fails), and
 * with submit (or a time limit) flushes the queue so that it runs while the
 * caller does other work; finish waits for cl->flight, within the limit in
 * force at its start. */
int clpool__cl_start(clpool_kernel *k, cl_kernel kernel, const clpool__nd *nd, int submit);
int clpool__cl_finish(clpool *pool);

/* ----------------------------------------------------------------- sizes.c */

/* Fills the struct parameter sizes of prog's kernels (built) from the
 * device (clc/sizes.h). */
int clpool__cl_read_sizes(clpool_program *prog);

/* --------------------------------------------------------------- hostmem.c */

/* The blocks' alignment for a device whose CL_DEVICE_MEM_BASE_ADDR_ALIGN
 * is base_align bytes: a page, or more where the device wants more. */
size_t clpool__cl_host_align(size_t base_align);
/* The host_alloc, host_free, host_view and host_unview slots. */
int clpool__cl_host_alloc(clpool *pool, size_t bytes, void **out);
void clpool__cl_host_free(clpool *pool, void *p, size_t bytes);
int clpool__cl_host_view(clpool *pool, const void *host, size_t bytes, size_t shift,
                         clpool_buffer *view);
int clpool__cl_host_unview(clpool_buffer *view, int written);
/* For close, before the queue goes: frees the blocks whose free waited for
 * a kernel that timed out, if it has ended. */
void clpool__cl_hostmem_close(struct clpool__cl_pool *cl);

/* ---------------------------------------------------------------- window.c */

/* The window_start slot: starts k's window wrapper (clc/window.h), made on
 * the first chunked map and kept in k->window_impl; window_wait waits for
 * it. */
int clpool__cl_window_start(clpool_kernel *k, const clpool__nd *nd, size_t begin, size_t count,
                            const clpool_arg *args, const size_t *shift, size_t nargs);
int clpool__cl_window_wait(clpool_kernel *k);
/* The xfer_write and xfer_read slots: blocking copies on the pool's transfer
 * queue (made on first use), which do not wait behind a window in flight. */
int clpool__cl_xfer_write(clpool_buffer *buf, size_t off, const void *src, size_t len);
int clpool__cl_xfer_read(clpool_buffer *buf, size_t off, void *dst, size_t len);
/* The kernel_free slot: releases the wrapper, then k->impl. */
void clpool__cl_window_kernel_free(clpool_kernel *k);

#endif /* CLPOOL_OPENCL_H */
