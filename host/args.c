/* Kernel arguments: the constructors, and the check of a list of arguments
 * against the kernel's parameters before anything runs. */
#include "backend.h"
#include "internal.h"

#include <stdio.h>
#include <string.h>

clpool_arg clpool_buf(clpool_buffer *buf)
{
    clpool_arg a = {.kind = CLPOOL_ARG_BUFFER, .buf = buf};
    return a;
}

clpool_arg clpool_in(const void *host, size_t elem_size)
{
    clpool_arg a = {.kind = CLPOOL_ARG_IN, .size = elem_size, .host = host};
    return a;
}

clpool_arg clpool_out(void *host, size_t elem_size)
{
    clpool_arg a = {.kind = CLPOOL_ARG_OUT, .size = elem_size, .host = host};
    return a;
}

clpool_arg clpool_inout(void *host, size_t elem_size)
{
    clpool_arg a = {.kind = CLPOOL_ARG_INOUT, .size = elem_size, .host = host};
    return a;
}

#define SCALAR_CONSTRUCTOR(fn, type, field)                                            \
    clpool_arg fn(type v)                                                              \
    {                                                                                  \
        clpool_arg a = {.kind = CLPOOL_ARG_SCALAR, .size = sizeof(type)};              \
        a.value.field = v;                                                             \
        return a;                                                                      \
    }
SCALAR_CONSTRUCTOR(clpool_i32, int32_t, i32)
SCALAR_CONSTRUCTOR(clpool_u32, uint32_t, u32)
SCALAR_CONSTRUCTOR(clpool_i64, int64_t, i64)
SCALAR_CONSTRUCTOR(clpool_u64, uint64_t, u64)
SCALAR_CONSTRUCTOR(clpool_f32, float, f32)
SCALAR_CONSTRUCTOR(clpool_f64, double, f64)

clpool_arg clpool_scalar(const void *bytes, size_t size)
{
    clpool_arg a = {.kind = CLPOOL_ARG_SCALAR, .size = size, .host = bytes};
    return a;
}

/* What the caller gave, in words, for messages. */
static const char *given(const clpool_arg *a, char *buf, size_t len)
{
    switch (a->kind) {
    case CLPOOL_ARG_BUFFER:
        return "a buffer (clpool_buf)";
    case CLPOOL_ARG_IN:
        return "a host array (clpool_in)";
    case CLPOOL_ARG_OUT:
        return "a host array (clpool_out)";
    case CLPOOL_ARG_INOUT:
        return "a host array (clpool_inout)";
    case CLPOOL_ARG_SCALAR:
        snprintf(buf, len, "a %zu-byte scalar", a->size);
        return buf;
    case CLPOOL_ARG_LOCAL:
        return "__local memory (clpool_local)";
    case CLPOOL_ARG_ARRAY_IN:
        return "a whole host array (clpool_array_in)";
    case CLPOOL_ARG_ARRAY_OUT:
        return "a whole host array (clpool_array_out)";
    case CLPOOL_ARG_ARRAY_INOUT:
        return "a whole host array (clpool_array_inout)";
    case CLPOOL_ARG_NONE:
        break;
    }
    return "something not made by a clpool_* argument constructor";
}

static int is_host_array(const clpool_arg *a)
{
    return clpool__is_elementwise(a);
}

/* Checks what can be checked without a signature. */
static int check_arg_alone(clpool_kernel *k, size_t n, const clpool_arg *a, size_t i)
{
    clpool *pool = k->prog->pool;
    switch (a->kind) {
    case CLPOOL_ARG_BUFFER:
        if (a->buf == NULL)
            return clpool__error(pool, CLPOOL_EINVAL,
                                 "kernel '%s' argument %zu: clpool_buf(NULL) was given", k->name,
                                 i);
        if (a->buf->pool != pool)
            return clpool__error(pool, CLPOOL_EINVAL,
                                 "kernel '%s' argument %zu: the buffer belongs to another pool",
                                 k->name, i);
        return CLPOOL_OK;
    case CLPOOL_ARG_IN:
    case CLPOOL_ARG_OUT:
    case CLPOOL_ARG_INOUT: {
        if (a->size == 0)
            return clpool__error(pool, CLPOOL_EINVAL,
                                 "kernel '%s' argument %zu: a host array's element size is 0",
                                 k->name, i);
        if (a->host == NULL && n > 0)
            return clpool__error(pool, CLPOOL_EINVAL,
                                 "kernel '%s' argument %zu: the host array is NULL", k->name, i);
        size_t bytes;
        if (clpool__mul_size(n, a->size, &bytes) != 0)
            return clpool__error(pool, CLPOOL_EOVERFLOW,
                                 "kernel '%s' argument %zu: %zu items of %zu bytes overflow "
                                 "size_t",
                                 k->name, i, n, a->size);
        return CLPOOL_OK;
    }
    case CLPOOL_ARG_SCALAR:
        if (a->size == 0)
            return clpool__error(pool, CLPOOL_EINVAL,
                                 "kernel '%s' argument %zu: a scalar of 0 bytes was given",
                                 k->name, i);
        if (a->host == NULL && a->size > sizeof a->value)
            return clpool__error(pool, CLPOOL_EINVAL,
                                 "kernel '%s' argument %zu: clpool_scalar(NULL, %zu) was given",
                                 k->name, i, a->size);
        return CLPOOL_OK;
    case CLPOOL_ARG_LOCAL:
        if (a->size == 0)
            return clpool__error(pool, CLPOOL_EINVAL,
                                 "kernel '%s' argument %zu: clpool_local(0) was given; a "
                                 "__local parameter needs at least 1 byte per work-group",
                                 k->name, i);
        if (k->limits.local_mem != 0 && a->size > k->limits.local_mem)
            return clpool__error(pool, CLPOOL_EINVAL,
                                 "kernel '%s' argument %zu: clpool_local(%zu) is more than the "
                                 "%zu bytes of __local memory a work-group has on the %s "
                                 "backend",
                                 k->name, i, a->size, k->limits.local_mem, pool->ops->name);
        return CLPOOL_OK;
    case CLPOOL_ARG_ARRAY_IN:
    case CLPOOL_ARG_ARRAY_OUT:
    case CLPOOL_ARG_ARRAY_INOUT:
        if (a->size == 0)
            return clpool__error(pool, CLPOOL_EINVAL,
                                 "kernel '%s' argument %zu: a whole host array of 0 bytes was "
                                 "given",
                                 k->name, i);
        if (a->host == NULL)
            return clpool__error(pool, CLPOOL_EINVAL,
                                 "kernel '%s' argument %zu: the whole host array is NULL",
                                 k->name, i);
        if (a->size > pool->max_alloc)
            return clpool__error(pool, CLPOOL_EOVERFLOW,
                                 "kernel '%s' argument %zu: the whole host array holds %zu "
                                 "bytes, more than the %s backend's largest allocation (%zu "
                                 "bytes); whole arrays are never chunked",
                                 k->name, i, a->size, pool->ops->name, pool->max_alloc);
        return CLPOOL_OK;
    case CLPOOL_ARG_NONE:
        break;
    }
    return clpool__error(pool, CLPOOL_EINVAL,
                         "kernel '%s' argument %zu was not made by a clpool_* argument "
                         "constructor (kind %d)",
                         k->name, i, (int)a->kind);
}

/* "argument 2 (x, `__global const float *`)" */
#define PARAM_FMT "kernel '%s' argument %zu (%s) is `%s`"

static int check_against_param(clpool_kernel *k, const clpool_arg *a, size_t i,
                               const clpool__param *p)
{
    clpool *pool = k->prog->pool;
    char what[64];
    const char *pname = p->name[0] ? p->name : "unnamed";
    switch (p->kind) {
    case CLPOOL__PARAM_GLOBAL:
    case CLPOOL__PARAM_CONSTANT:
        if (a->kind == CLPOOL_ARG_SCALAR || a->kind == CLPOOL_ARG_LOCAL)
            return clpool__error(pool, CLPOOL_EARG,
                                 PARAM_FMT " but %s was given: pass a buffer (clpool_buf) or a "
                                           "host array (clpool_in/out/inout, clpool_array_*)",
                                 k->name, i, pname, p->type, given(a, what, sizeof what));
        if (clpool__is_whole_array(a) && p->size != 0 && a->size % p->size != 0)
            return clpool__error(pool, CLPOOL_EARG,
                                 PARAM_FMT " but the whole host array's %zu bytes are not a "
                                           "whole number of `%s` (%zu bytes)",
                                 k->name, i, pname, p->type, a->size, p->base, p->size);
        if (is_host_array(a) && p->size != 0 && a->size != p->size)
            return clpool__error(pool, CLPOOL_EARG,
                                 PARAM_FMT " but the host array's elements are %zu bytes, and "
                                           "`%s` is %zu",
                                 k->name, i, pname, p->type, a->size, p->base, p->size);
        return CLPOOL_OK;
    case CLPOOL__PARAM_SCALAR:
        if (a->kind != CLPOOL_ARG_SCALAR)
            return clpool__error(pool, CLPOOL_EARG,
                                 PARAM_FMT " but %s was given: pass a scalar (clpool_%s...)",
                                 k->name, i, pname, p->type, given(a, what, sizeof what),
                                 "i32/u32/f32/f64/scalar");
        if (p->size != 0 && a->size != p->size)
            return clpool__error(pool, CLPOOL_EARG,
                                 PARAM_FMT " (%zu bytes) but a %zu-byte scalar was given",
                                 k->name, i, pname, p->type, p->size, a->size);
        return CLPOOL_OK;
    case CLPOOL__PARAM_LOCAL:
        if (a->kind != CLPOOL_ARG_LOCAL)
            return clpool__error(pool, CLPOOL_EARG,
                                 PARAM_FMT " but %s was given: pass clpool_local(bytes per "
                                           "work-group)",
                                 k->name, i, pname, p->type, given(a, what, sizeof what));
        return CLPOOL_OK;
    case CLPOOL__PARAM_OTHER:
        break;
    }
    return clpool__error(pool, CLPOOL_EARG,
                         PARAM_FMT ", which clpool maps cannot pass (images, samplers and "
                                   "private pointers are not supported)",
                         k->name, i, pname, p->type);
}

/* The common arguments, passed in a few instructions each: a buffer of this
 * pool for a pointer parameter, a scalar of the parameter's size for a
 * by-value one. Anything else, right or wrong, takes the full checks
 * (and gets their messages). The full checks cost a one-item map about 40
 * instructions an argument (callgrind). */
static int plainly_right(const clpool *pool, const clpool_arg *a, const clpool__param *p)
{
    if (a->kind == CLPOOL_ARG_BUFFER)
        return (p->kind == CLPOOL__PARAM_GLOBAL || p->kind == CLPOOL__PARAM_CONSTANT) &&
               a->buf != NULL && a->buf->pool == pool;
    if (a->kind == CLPOOL_ARG_SCALAR)
        return p->kind == CLPOOL__PARAM_SCALAR && a->size != 0 &&
               (p->size == 0 || a->size == p->size) &&
               (a->host != NULL || a->size <= sizeof a->value);
    return 0;
}

/* Every check, with its messages: the arguments that are not all plainly
 * right. Out of line, so that the plain maps' path saves no registers for
 * it. */
static CLPOOL__NOINLINE int check_fully(clpool_kernel *k, size_t n, const clpool_arg *args,
                                        size_t nargs, int *host_arrays)
{
    clpool *pool = k->prog->pool;
    if (nargs > 0 && args == NULL)
        return clpool__error(pool, CLPOOL_EINVAL, "kernel '%s': %zu arguments but args is NULL",
                             k->name, nargs);
    const clpool__kernel_sig *sig = k->sig;
    if (sig != NULL && nargs != sig->nparams) {
        /* List the parameters so the caller sees what is expected. */
        char list[512] = "";
        size_t used = 0;
        for (size_t i = 0; i < sig->nparams && used < sizeof list; i++) {
            int w = snprintf(list + used, sizeof list - used, "%s%s %s", i ? ", " : "",
                             sig->params[i].type, sig->params[i].name);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        return clpool__error(pool, CLPOOL_EARG,
                             "kernel '%s' takes %zu argument%s (%s) but %zu %s given", k->name,
                             sig->nparams, sig->nparams == 1 ? "" : "s", list, nargs,
                             nargs == 1 ? "was" : "were");
    }
    size_t local_total = 0;
    int hosts = 0;
    for (size_t i = 0; i < nargs; i++) {
        hosts |= clpool__is_elementwise(&args[i]) || clpool__is_whole_array(&args[i]);
        int status = check_arg_alone(k, n, &args[i], i);
        if (status == CLPOOL_OK && sig != NULL)
            status = check_against_param(k, &args[i], i, &sig->params[i]);
        if (status == CLPOOL_OK && sig == NULL && args[i].kind == CLPOOL_ARG_LOCAL)
            status = clpool__error(pool, CLPOOL_EARG,
                                   "kernel '%s' argument %zu: clpool_local was given but "
                                   "clpool could not read the kernel's parameters to check it",
                                   k->name, i);
        if (status != CLPOOL_OK)
            return status;
        if (args[i].kind == CLPOOL_ARG_LOCAL)
            local_total += args[i].size; /* each at most local_mem: no overflow */
    }
    if (k->limits.local_mem != 0 && local_total > k->limits.local_mem)
        return clpool__error(pool, CLPOOL_EINVAL,
                             "kernel '%s': its clpool_local arguments ask for %zu bytes of "
                             "__local memory per work-group, more than the %zu bytes the %s "
                             "backend has",
                             k->name, local_total, k->limits.local_mem, pool->ops->name);
    if (host_arrays != NULL)
        *host_arrays = hosts;
    return CLPOOL_OK;
}

int clpool__args_check(clpool_kernel *k, size_t n, const clpool_arg *args, size_t nargs,
                       int *host_arrays)
{
    const clpool__kernel_sig *sig = k->sig;
    if (sig != NULL && nargs == sig->nparams && (nargs == 0 || args != NULL)) {
        const clpool *pool = k->prog->pool;
        size_t i = 0;
        while (i < nargs && plainly_right(pool, &args[i], &sig->params[i]))
            i++;
        if (i == nargs) {
            if (host_arrays != NULL)
                *host_arrays = 0;
            return CLPOOL_OK;
        }
    }
    return check_fully(k, n, args, nargs, host_arrays);
}

clpool_arg clpool_local(size_t bytes)
{
    clpool_arg a = {.kind = CLPOOL_ARG_LOCAL, .size = bytes};
    return a;
}

clpool_arg clpool_array_in(const void *host, size_t bytes)
{
    clpool_arg a = {.kind = CLPOOL_ARG_ARRAY_IN, .size = bytes, .host = host};
    return a;
}

clpool_arg clpool_array_out(void *host, size_t bytes)
{
    clpool_arg a = {.kind = CLPOOL_ARG_ARRAY_OUT, .size = bytes, .host = host};
    return a;
}

clpool_arg clpool_array_inout(void *host, size_t bytes)
{
    clpool_arg a = {.kind = CLPOOL_ARG_ARRAY_INOUT, .size = bytes, .host = host};
    return a;
}
