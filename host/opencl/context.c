/*
 * Opening and closing the OpenCL backend: pick the device that the
 * configuration asks for, then make the pool's one context and one in-order
 * queue on it.
 */
#include "opencl/opencl.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends to a fixed buffer, keeping it NUL-terminated; a list that does
 * not fit ends in "...", which is enough for a message. */
static void append(char *buf, size_t cap, const char *fmt, ...) CLPOOL__PRINTF(3, 4);
static void append(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= cap - len && cap > 4)
        memcpy(buf + cap - 4, "...", 4);
}

/* "[0] pthread-haswell-AMD EPYC (Portable Computing Language, CPU), [1] ..." */
static void list_devices(const clpool__cl_device_list *list, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t i = 0; i < list->ndevices; i++) {
        const clpool__cl_device *d = &list->devices[i];
        append(buf, cap, "%s[%zu] %s (%s, %s)", i ? ", " : "", i, d->name, d->platform_name,
               clpool__cl_type_word(d->type));
    }
    if (list->skipped[0] != '\0')
        append(buf, cap, "; %s", list->skipped);
}

/* The ENODEV message for a configuration that no device satisfies. */
static int no_device(clpool *pool, const clpool__cl_device_list *list, const char *filter)
{
    if (list->nplatforms == 0) {
        const char *vendors = getenv("OCL_ICD_VENDORS");
        return clpool__error(pool, CLPOOL_ENODEV,
                             "no OpenCL platform found (is an ICD installed? the loader reads "
                             "OCL_ICD_VENDORS=%s%s)",
                             vendors != NULL ? vendors : "/etc/OpenCL/vendors",
                             vendors != NULL ? "" : " by default");
    }
    char seen[2048];
    list_devices(list, seen, sizeof seen);
    if (list->ndevices == 0)
        return clpool__error(pool, CLPOOL_ENODEV, "%u OpenCL platform%s found, but no devices%s",
                             list->nplatforms, list->nplatforms == 1 ? "" : "s", seen);
    return clpool__error(pool, CLPOOL_ENODEV, "no OpenCL device matches '%s'; devices seen: %s",
                         filter != NULL ? filter : "", seen);
}

static void free_strings(struct clpool__cl_pool *cl)
{
    free(cl->platform_name);
    free(cl->platform_version);
    free(cl->device_name);
    free(cl->device_version);
    free(cl->driver_version);
}

/* The strings that name the compiler (cache keys) and the device
 * (describe). */
static int query_strings(clpool *pool, struct clpool__cl_pool *cl)
{
    struct {
        int is_platform;
        cl_uint what;
        char **out;
        const char *name;
    } q[] = {
        {1, CL_PLATFORM_NAME, &cl->platform_name, "CL_PLATFORM_NAME"},
        {1, CL_PLATFORM_VERSION, &cl->platform_version, "CL_PLATFORM_VERSION"},
        {0, CL_DEVICE_NAME, &cl->device_name, "CL_DEVICE_NAME"},
        {0, CL_DEVICE_VERSION, &cl->device_version, "CL_DEVICE_VERSION"},
        {0, CL_DRIVER_VERSION, &cl->driver_version, "CL_DRIVER_VERSION"},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        cl_int err = q[i].is_platform
                         ? clpool__cl_platform_string(cl->platform, q[i].what, q[i].out)
                         : clpool__cl_device_string(cl->device, q[i].what, q[i].out);
        if (err != CL_SUCCESS)
            return clpool__cl_error(pool, err, "querying %s failed",
                                    q[i].name);
    }
    return CLPOOL_OK;
}

int clpool__cl_open(clpool *pool, char *desc, size_t desclen)
{
    clpool__cl_device_list list;
    const char *failed;
    cl_int err = clpool__cl_devices(&list, &failed);
    if (err != CL_SUCCESS)
        return clpool__cl_error(pool, err, "listing OpenCL devices: %s failed", failed);

    int status;
    const clpool__cl_device *d = clpool__cl_select(&list, pool->cfg.device);
    if (d == NULL) {
        status = no_device(pool, &list, pool->cfg.device);
        goto free_list;
    }

    struct clpool__cl_pool *cl = calloc(1, sizeof *cl);
    if (cl == NULL) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for the OpenCL pool");
        goto free_list;
    }
    cl->platform = d->platform;
    cl->device = d->device;
    status = query_strings(pool, cl);
    if (status != CLPOOL_OK)
        goto free_cl;

    cl_ulong max_alloc = 0;
    err = clGetDeviceInfo(cl->device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof max_alloc,
                          &max_alloc, NULL);
    if (err != CL_SUCCESS) {
        status = clpool__cl_error(pool, err, "querying CL_DEVICE_MAX_MEM_ALLOC_SIZE of %s failed",
                                  cl->device_name);
        goto free_cl;
    }

    cl_uint align_bits = 0;
    err = clGetDeviceInfo(cl->device, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits,
                          &align_bits, NULL);
    if (err != CL_SUCCESS) {
        status = clpool__cl_error(pool, err, "querying CL_DEVICE_MEM_BASE_ADDR_ALIGN of %s failed",
                                  cl->device_name);
        goto free_cl;
    }
    cl->base_align = align_bits >= 8 ? align_bits / 8 : 1;
    cl->host_align = clpool__cl_host_align(cl->base_align);

    const cl_context_properties props[] = {CL_CONTEXT_PLATFORM,
                                           (cl_context_properties)cl->platform, 0};
    cl->context = clCreateContext(props, 1, &cl->device, NULL, NULL, &err);
    if (err != CL_SUCCESS) {
        status = clpool__cl_error(pool, err, "clCreateContext on %s failed", cl->device_name);
        goto free_cl;
    }
    /* In order: a map's kernel then sees every earlier write, and a read
     * sees every earlier map, with no events between them. */
    cl->queue = clCreateCommandQueue(cl->context, cl->device, 0, &err);
    if (err != CL_SUCCESS) {
        status = clpool__cl_error(pool, err, "clCreateCommandQueue on %s failed",
                                  cl->device_name);
        goto release_context;
    }

    /* A chunked map's copies overlap its kernels only on a device with
     * memory of its own (see host/chunk.c): on a CPU device, or one that
     * shares the host's memory, both are the same memory traffic. A device
     * that cannot say is taken by its type. */
    cl_bool unified = CL_FALSE;
    if (clGetDeviceInfo(cl->device, CL_DEVICE_HOST_UNIFIED_MEMORY, sizeof unified, &unified,
                        NULL) != CL_SUCCESS)
        unified = CL_FALSE;
    int own_memory = !unified && (d->type & CL_DEVICE_TYPE_CPU) == 0;
    pool->chunk_overlap = own_memory;
    /* Such a device gets pinned memory from clpool_host_alloc; the others
     * use ordinary memory in place (hostmem.c). */
    cl->host_pinned = own_memory;

    pool->impl = cl;
    pool->max_alloc = max_alloc > SIZE_MAX ? SIZE_MAX : (size_t)max_alloc;
    snprintf(desc, desclen, "opencl: %s (%s, %s, driver %s)", cl->device_name,
             cl->platform_name, cl->device_version, cl->driver_version);
    clpool__cl_devices_free(&list);
    return CLPOOL_OK;

release_context:
    (void)clReleaseContext(cl->context);
free_cl:
    free_strings(cl);
    free(cl);
free_list:
    clpool__cl_devices_free(&list);
    return status;
}

void clpool__cl_close(clpool *pool)
{
    struct clpool__cl_pool *cl = clpool__cl_of(pool);
    if (cl == NULL)
        return;
    /* No clFinish: after a map that timed out the kernel may still run, and
     * close must not wait for it without bound. Releasing the queue flushes
     * it; the runtime frees the queue and context once their commands end. */
    clpool__cl_hostmem_close(cl); /* before the queue: a pinned block unmaps on it */
    if (cl->busy.ev != NULL)
        (void)clReleaseEvent(cl->busy.ev);
    if (cl->xfer != NULL)
        (void)clReleaseCommandQueue(cl->xfer);
    (void)clReleaseCommandQueue(cl->queue);
    (void)clReleaseContext(cl->context);
    free_strings(cl);
    free(cl);
    pool->impl = NULL;
}
