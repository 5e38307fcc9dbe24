/* Kernels: one cl_kernel per clpool_kernel, made once and reused by every
 * map (its arguments are set afresh by each map). */
#include "opencl/opencl.h"

#include <stdlib.h>
#include <string.h>

/* The program's kernel names as "saxpy, mandelbrot" (the runtime gives
 * "saxpy;mandelbrot"); NULL if they cannot be read. */
static char *kernel_names(cl_program program)
{
    size_t size = 0;
    if (clGetProgramInfo(program, CL_PROGRAM_KERNEL_NAMES, 0, NULL, &size) != CL_SUCCESS)
        return NULL;
    char *names = malloc(size + 1);
    if (names == NULL)
        return NULL;
    if (clGetProgramInfo(program, CL_PROGRAM_KERNEL_NAMES, size, names, NULL) != CL_SUCCESS) {
        free(names);
        return NULL;
    }
    names[size] = '\0';
    char *pretty = malloc(2 * strlen(names) + 1);
    if (pretty == NULL) {
        free(names);
        return NULL;
    }
    /* The user's kernels only: not clpool's window wrappers and size
     * tables, nor the runtime's own (PoCL's start with '_'). */
    char *q = pretty;
    for (char *save = NULL, *w = strtok_r(names, ";", &save); w != NULL;
         w = strtok_r(NULL, ";", &save)) {
        if (strncmp(w, "clpool_", 7) == 0 || w[0] == '_')
            continue;
        if (q != pretty) {
            *q++ = ',';
            *q++ = ' ';
        }
        size_t len = strlen(w);
        memcpy(q, w, len);
        q += len;
    }
    *q = '\0';
    free(names);
    return pretty;
}

/* The kernel's work-group limits, for the core's range checks. A query
 * that fails leaves its limit at 0 (unknown): the launch then says. */
static void limits(clpool_kernel *k, cl_kernel kernel)
{
    const struct clpool__cl_pool *cl = clpool__cl_of(k->prog->pool);
    clpool__kernel_limits *lim = &k->limits;
    memset(lim, 0, sizeof *lim);
    size_t reqd[3] = {0, 0, 0}, wg = 0, items[3] = {0, 0, 0};
    cl_ulong kernel_local = 0, device_local = 0;
    if (clGetKernelWorkGroupInfo(kernel, cl->device, CL_KERNEL_COMPILE_WORK_GROUP_SIZE,
                                 sizeof reqd, reqd, NULL) == CL_SUCCESS &&
        reqd[0] != 0)
        memcpy(lim->reqd, reqd, sizeof reqd);
    else if (k->sig != NULL)
        memcpy(lim->reqd, k->sig->reqd, sizeof lim->reqd);
    if (clGetKernelWorkGroupInfo(kernel, cl->device, CL_KERNEL_WORK_GROUP_SIZE, sizeof wg, &wg,
                                 NULL) == CL_SUCCESS)
        lim->max_group = wg;
    if (clGetDeviceInfo(cl->device, CL_DEVICE_MAX_WORK_ITEM_SIZES, sizeof items, items, NULL) ==
        CL_SUCCESS)
        memcpy(lim->max_item, items, sizeof items);
    if (clGetDeviceInfo(cl->device, CL_DEVICE_LOCAL_MEM_SIZE, sizeof device_local, &device_local,
                        NULL) == CL_SUCCESS) {
        (void)clGetKernelWorkGroupInfo(kernel, cl->device, CL_KERNEL_LOCAL_MEM_SIZE,
                                       sizeof kernel_local, &kernel_local, NULL);
        lim->local_mem = device_local > kernel_local ? (size_t)(device_local - kernel_local) : 1;
    }
}

int clpool__cl_kernel_create(clpool_kernel *k)
{
    clpool_program *prog = k->prog;
    cl_int err;
    cl_kernel kernel = clCreateKernel((cl_program)prog->impl, k->name, &err);
    if (err == CL_INVALID_KERNEL_NAME) {
        char *names = kernel_names((cl_program)prog->impl);
        int status;
        if (names == NULL)
            status = clpool__error(prog->pool, CLPOOL_ENOKERNEL, "program %s has no kernel '%s'",
                                   prog->path, k->name);
        else if (names[0] == '\0')
            status = clpool__error(prog->pool, CLPOOL_ENOKERNEL,
                                   "program %s has no kernel '%s'; it has no kernels at all",
                                   prog->path, k->name);
        else
            status = clpool__error(prog->pool, CLPOOL_ENOKERNEL,
                                   "program %s has no kernel '%s'; its kernels are: %s",
                                   prog->path, k->name, names);
        free(names);
        return status;
    }
    if (err != CL_SUCCESS)
        return clpool__cl_error(prog->pool, err, "clCreateKernel of '%s' in %s failed", k->name,
                                prog->path);
    k->impl = kernel;
    limits(k, kernel);
    return CLPOOL_OK;
}

void clpool__cl_kernel_free(clpool_kernel *k)
{
    if (k->impl != NULL)
        (void)clReleaseKernel((cl_kernel)k->impl);
    k->impl = NULL;
}
