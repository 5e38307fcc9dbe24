/* The struct sizes a program's kernels take, asked of the device (see
 * clc/sizes.h): one single-item launch of each kernel's size table, after
 * the build, for the kernels that have one. */
#include "opencl/opencl.h"

#include "clc/sizes.h"

#include <stdlib.h>

static int read_one(clpool_program *prog, clpool__kernel_sig *sig)
{
    clpool *pool = prog->pool;
    struct clpool__cl_pool *cl = clpool__cl_of(pool);
    char *name = clpool__asprintf(CLPOOL__SIZES_PREFIX "%s", sig->name);
    unsigned long long *table = calloc(sig->nparams, sizeof *table);
    int status = CLPOOL_OK;
    cl_int err;
    cl_kernel kernel = NULL;
    cl_mem mem = NULL;
    if (name == NULL || table == NULL) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for kernel '%s''s sizes",
                               sig->name);
        goto free_all;
    }
    kernel = clCreateKernel((cl_program)prog->impl, name, &err);
    if (err != CL_SUCCESS)
        goto free_all; /* built without the tables (see program.c): sizes stay unknown */
    size_t bytes = sig->nparams * sizeof(cl_ulong);
    mem = clCreateBuffer(cl->context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, bytes, table,
                         &err);
    if (err != CL_SUCCESS) {
        status = clpool__cl_error(pool, err, "clCreateBuffer for kernel '%s''s sizes", sig->name);
        goto free_all;
    }
    err = clSetKernelArg(kernel, 0, sizeof mem, &mem);
    const size_t one = 1;
    if (err == CL_SUCCESS)
        err = clEnqueueNDRangeKernel(cl->queue, kernel, 1, NULL, &one, &one, 0, NULL, NULL);
    if (err == CL_SUCCESS)
        err = clEnqueueReadBuffer(cl->queue, mem, CL_TRUE, 0, bytes, table, 0, NULL, NULL);
    if (err != CL_SUCCESS) {
        status = clpool__cl_error(pool, err, "reading kernel '%s''s parameter sizes",
                                  sig->name);
        goto free_all;
    }
    clpool__sizes_apply(sig, table);
free_all:
    if (mem != NULL)
        (void)clReleaseMemObject(mem);
    if (kernel != NULL)
        (void)clReleaseKernel(kernel);
    free(table);
    free(name);
    return status;
}

int clpool__cl_read_sizes(clpool_program *prog)
{
    for (size_t k = 0; k < prog->nsigs; k++) {
        if (!clpool__sizes_wanted(&prog->sigs[k]))
            continue;
        int status = read_one(prog, &prog->sigs[k]);
        if (status != CLPOOL_OK)
            return status;
    }
    return CLPOOL_OK;
}
