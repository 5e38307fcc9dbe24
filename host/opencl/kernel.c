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
    size_t count = 0;
    for (const char *p = names; *p; p++)
        count += *p == ';';
    char *pretty = malloc(strlen(names) + count + 1);
    if (pretty == NULL) {
        free(names);
        return NULL;
    }
    char *q = pretty;
    for (const char *p = names; *p; p++) {
        if (*p == ';') {
            *q++ = ',';
            *q++ = ' ';
        } else {
            *q++ = *p;
        }
    }
    *q = '\0';
    free(names);
    return pretty;
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
    return CLPOOL_OK;
}

void clpool__cl_kernel_free(clpool_kernel *k)
{
    if (k->impl != NULL)
        (void)clReleaseKernel((cl_kernel)k->impl);
    k->impl = NULL;
}
