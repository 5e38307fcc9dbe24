/*
 * Chunks of a map (the window_start and window_wait slots): the kernel's
 * window wrapper,
 * appended to the program when it was built (clc/window.h), is launched with
 * a global offset, so get_global_id(0) is the item's absolute index; its
 * extra ulong arguments shift each pointer back by the window's start.
 *
 * A chunk is its own launch: get_global_size, get_global_offset and
 * get_num_groups of the chunked dimension are the chunk's, and get_group_id
 * counts from the chunk's start. Only the item's index is promised to stay
 * the same under chunking, so a program that asks about work-groups is not
 * chunked here (clpool__window_uses_groups; the core maps it whole).
 */
#include "opencl/opencl.h"

#include "backend.h"

#include "clc/window.h"

#include <stdlib.h>
#include <string.h>

static int window_kernel(clpool_kernel *k, cl_kernel *out)
{
    if (k->window_impl != NULL) {
        *out = (cl_kernel)k->window_impl;
        return CLPOOL_OK;
    }
    clpool_program *prog = k->prog;
    /* No wrapper was generated, or the program built without them (see
     * program.c), or the wrapper would call a kernel that declares __local
     * variables: the core maps such a kernel whole. */
    if (k->window_never || k->sig == NULL || !clpool__window_wrappable(k->sig))
        return CLPOOL__ENOWINDOW;
    if (clpool__window_local_vars(prog->source, prog->sigs, prog->nsigs)) {
        k->window_never = 1;
        return CLPOOL__ENOWINDOW;
    }
    char *name = clpool__asprintf(CLPOOL__WINDOW_PREFIX "%s", k->name);
    if (name == NULL)
        return clpool__error(prog->pool, CLPOOL_ENOMEM, "no memory for a kernel name");
    cl_int err;
    cl_kernel kernel = clCreateKernel((cl_program)prog->impl, name, &err);
    free(name);
    if (err == CL_INVALID_KERNEL_NAME)
        return CLPOOL__ENOWINDOW;
    if (err != CL_SUCCESS)
        return clpool__cl_error(prog->pool, err, "clCreateKernel of the window wrapper of '%s' "
                                "failed", k->name);
    k->window_impl = kernel;
    k->window_whole_only = clpool__window_uses_groups(prog->source);
    *out = kernel;
    return CLPOOL_OK;
}

int clpool__cl_window_start(clpool_kernel *k, const clpool__nd *nd, size_t begin, size_t count,
                            const clpool_arg *args, const size_t *shift, size_t nargs)
{
    cl_kernel kernel = NULL;
    int status = window_kernel(k, &kernel);
    if (status != CLPOOL_OK)
        return status;
    /* A kernel that asks about work-groups runs only in one window over the
     * whole range (a range with an offset): see clpool__window_uses_groups.
     * The test is over the whole program, since a helper may ask. */
    if (k->window_whole_only && count != nd->global[nd->dims - 1])
        return CLPOOL__ENOWINDOW;
    status = clpool__cl_set_args(k, kernel, args, nargs);
    if (status != CLPOOL_OK)
        return status;
    /* The shifts follow the kernel's own parameters, one per pointer. */
    cl_uint index = (cl_uint)nargs;
    for (size_t i = 0; i < nargs && i < k->sig->nparams; i++) {
        clpool__param_kind kind = k->sig->params[i].kind;
        if (kind != CLPOOL__PARAM_GLOBAL && kind != CLPOOL__PARAM_CONSTANT)
            continue;
        cl_ulong s = (cl_ulong)shift[i];
        cl_int err = clSetKernelArg(kernel, index++, sizeof s, &s);
        if (err != CL_SUCCESS)
            return clpool__cl_error(k->prog->pool, err,
                                    "clSetKernelArg of the window shift of '%s' argument %zu "
                                    "failed", k->name, i);
    }
    /* Submitted now, so that it runs while the core copies the next
     * chunk's windows on the transfer queue. */
    clpool__nd chunk = *nd;
    unsigned od = nd->dims - 1;
    chunk.global[od] = count;
    chunk.offset[od] += begin;
    chunk.items = nd->items / nd->global[od] * count;
    return clpool__cl_start(k, kernel, &chunk, 1);
}

int clpool__cl_window_wait(clpool_kernel *k)
{
    return clpool__cl_finish(k->prog->pool);
}

void clpool__cl_window_kernel_free(clpool_kernel *k)
{
    if (k->window_impl != NULL)
        (void)clReleaseKernel((cl_kernel)k->window_impl);
    k->window_impl = NULL;
    clpool__cl_kernel_free(k);
}
