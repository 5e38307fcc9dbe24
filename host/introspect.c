/*
 * Kernel introspection: the parameters that the signature parser read,
 * given out through the public API so that language bindings (the Python
 * package) match their arguments with the library's own parser rather than
 * a second one that could drift from it.
 *
 * The signatures are made once, when the program is built, and never change
 * afterwards, so reading them needs no lock; only recording a failure on
 * the pool takes it.
 */
#include "internal.h"

#include <string.h>

static int word_at(const char *s, size_t i, const char *word)
{
    size_t n = strlen(word);
    if (strncmp(s + i, word, n) != 0)
        return 0;
    int before = i == 0 || s[i - 1] == ' ';
    int after = s[i + n] == '\0' || s[i + n] == ' ';
    return before && after;
}

/* Whether a pointer's pointee is const: a const qualifier before the first
 * '*' of the type text ("__global const float *", "const __global float *");
 * "__global float * const" is a const pointer to writable floats. The text
 * is the parser's, one space between tokens. */
static int pointee_const(const char *type)
{
    for (size_t i = 0; type[i] != '\0' && type[i] != '*'; i++)
        if (word_at(type, i, "const") || word_at(type, i, "__const"))
            return 1;
    return 0;
}

static int scalar_const(const char *type)
{
    for (size_t i = 0; type[i] != '\0'; i++)
        if (word_at(type, i, "const") || word_at(type, i, "__const"))
            return 1;
    return 0;
}

static int fail(const clpool_kernel *k, int status, const char *what, size_t i, size_t n)
{
    clpool *pool = k->prog->pool;
    pthread_mutex_lock(&pool->lock);
    if (n == CLPOOL_PARAMS_UNKNOWN)
        clpool__error(pool, status,
                      "kernel '%s': its parameters were not read from the source (a kernel "
                      "declared by a macro), so %s",
                      k->name, what);
    else
        clpool__error(pool, status, "kernel '%s' has %zu parameters: there is no parameter %zu",
                      k->name, n, i);
    pthread_mutex_unlock(&pool->lock);
    return status;
}

const char *clpool_kernel_name(const clpool_kernel *k)
{
    return k != NULL ? k->name : NULL;
}

size_t clpool_kernel_nparams(const clpool_kernel *k)
{
    if (k == NULL || k->sig == NULL)
        return CLPOOL_PARAMS_UNKNOWN;
    return k->sig->nparams;
}

int clpool_kernel_param(const clpool_kernel *k, size_t i, clpool_param_info *out)
{
    if (k == NULL || out == NULL)
        return CLPOOL_EINVAL;
    size_t n = clpool_kernel_nparams(k);
    if (n == CLPOOL_PARAMS_UNKNOWN)
        return fail(k, CLPOOL_EINVAL, "they cannot be described", i, n);
    if (i >= n)
        return fail(k, CLPOOL_EINVAL, "", i, n);

    const clpool__param *p = &k->sig->params[i];
    memset(out, 0, sizeof *out);
    switch (p->kind) {
    case CLPOOL__PARAM_SCALAR: out->kind = CLPOOL_PARAM_SCALAR; break;
    case CLPOOL__PARAM_GLOBAL: out->kind = CLPOOL_PARAM_GLOBAL; break;
    case CLPOOL__PARAM_CONSTANT: out->kind = CLPOOL_PARAM_CONSTANT; break;
    case CLPOOL__PARAM_LOCAL: out->kind = CLPOOL_PARAM_LOCAL; break;
    default: out->kind = CLPOOL_PARAM_OTHER; break;
    }
    out->name = p->name;
    out->type = p->type;
    out->base = p->base;
    out->size = p->size;
    if (out->kind == CLPOOL_PARAM_SCALAR)
        out->is_const = scalar_const(p->type);
    else if (out->kind == CLPOOL_PARAM_CONSTANT)
        out->is_const = 1; /* __constant memory is read-only whatever the text says */
    else
        out->is_const = pointee_const(p->type);
    return CLPOOL_OK;
}
