/* Public entry points for programs and kernels. */
#include "backend.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static void kernel_destroy(clpool_kernel *k)
{
    if (k->impl != NULL)
        k->prog->pool->ops->kernel_free(k);
    free(k->name);
    free(k);
}

static void program_destroy(clpool_program *prog)
{
    for (size_t i = 0; i < prog->nkernels; i++)
        kernel_destroy(prog->kernels[i]);
    free(prog->kernels);
    clpool__sig_free(prog->sigs, prog->nsigs);
    free(prog->source);
    free(prog->path);
    free(prog->options);
    free(prog->log);
    free(prog);
}

/* Refuses a -D or -I with nothing after it before any backend sees it: PoCL
 * 3.1 crashes in clBuildProgram on a trailing "-I". */
static int check_options(clpool *pool, const char *options)
{
    if (options == NULL)
        return CLPOOL_OK;
    const char *p = options;
    while (*p != '\0') {
        p += strspn(p, " \t\r\n");
        size_t len = strcspn(p, " \t\r\n");
        if (len == 2 && p[0] == '-' && (p[1] == 'D' || p[1] == 'I') &&
            p[len + strspn(p + len, " \t\r\n")] == '\0')
            return clpool__error(pool, CLPOOL_EBUILD, "build option '%.2s' needs a value after it",
                                 p);
        p += len;
    }
    return CLPOOL_OK;
}

/* Takes ownership of source. */
static int program_build(clpool *pool, char *source, const char *path, const char *options,
                         clpool_program **out)
{
    int status = check_options(pool, options);
    if (status != CLPOOL_OK) {
        free(source);
        return status;
    }
    clpool_program *prog = calloc(1, sizeof *prog);
    if (prog == NULL) {
        free(source);
        return clpool__error(pool, CLPOOL_ENOMEM, "no memory for a program");
    }
    prog->pool = pool;
    prog->source = source;
    prog->path = clpool__strdup(path);
    prog->options = clpool__strdup(options != NULL ? options : "");
    if (prog->path == NULL || prog->options == NULL) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for a program");
        goto destroy;
    }
    if (clpool__sig_parse(source, &prog->sigs, &prog->nsigs) != 0) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory to parse %s", path);
        goto destroy;
    }
    status = pool->ops->program_build(prog);
    if (status != CLPOOL_OK)
        goto destroy;

    prog->next = pool->programs;
    if (pool->programs != NULL)
        pool->programs->prev = prog;
    pool->programs = prog;
    *out = prog;
    return CLPOOL_OK;

destroy:
    program_destroy(prog);
    return status;
}

static int program_source(clpool *pool, const char *source, const char *options,
                          clpool_program **out)
{
    if (source == NULL)
        return clpool__error(pool, CLPOOL_EINVAL, "clpool_program_source: source is NULL");
    char *copy = clpool__strdup(source);
    if (copy == NULL)
        return clpool__error(pool, CLPOOL_ENOMEM, "no memory for the program's source");
    return program_build(pool, copy, "<source>", options, out);
}

static int program_file(clpool *pool, const char *path, const char *options,
                        clpool_program **out)
{
    if (path == NULL)
        return clpool__error(pool, CLPOOL_EINVAL, "clpool_program_file: path is NULL");
    char *source = NULL;
    size_t len = 0;
    int status = clpool__read_file(pool, path, &source, &len);
    if (status != CLPOOL_OK)
        return status;
    if (strspn(source, " \t\r\n") == len) {
        free(source);
        return clpool__error(pool, CLPOOL_EBUILD, "kernel file '%s' is empty: it has no kernels",
                             path);
    }
    return program_build(pool, source, path, options, out);
}

int clpool_program_source(clpool *pool, const char *source, const char *options,
                          clpool_program **out)
{
    if (pool == NULL)
        return CLPOOL_EINVAL;
    if (out == NULL)
        return clpool__error_locked(pool, CLPOOL_EINVAL, "clpool_program_source: out is NULL");
    *out = NULL;
    pthread_mutex_lock(&pool->lock);
    int status = program_source(pool, source, options, out);
    pthread_mutex_unlock(&pool->lock);
    return status;
}

int clpool_program_file(clpool *pool, const char *path, const char *options,
                        clpool_program **out)
{
    if (pool == NULL)
        return CLPOOL_EINVAL;
    if (out == NULL)
        return clpool__error_locked(pool, CLPOOL_EINVAL, "clpool_program_file: out is NULL");
    *out = NULL;
    pthread_mutex_lock(&pool->lock);
    int status = program_file(pool, path, options, out);
    pthread_mutex_unlock(&pool->lock);
    return status;
}

const char *clpool_program_log(const clpool_program *prog)
{
    if (prog == NULL || prog->log == NULL)
        return "";
    return prog->log;
}

void clpool_program_free(clpool_program *prog)
{
    if (prog == NULL)
        return;
    clpool *pool = prog->pool;
    pthread_mutex_lock(&pool->lock);
    if (prog->prev != NULL)
        prog->prev->next = prog->next;
    else
        pool->programs = prog->next;
    if (prog->next != NULL)
        prog->next->prev = prog->prev;
    /* Kernels go first: the backend's kernels refer to its program. */
    for (size_t i = 0; i < prog->nkernels; i++)
        kernel_destroy(prog->kernels[i]);
    prog->nkernels = 0;
    if (prog->impl != NULL)
        pool->ops->program_free(prog);
    program_destroy(prog);
    pthread_mutex_unlock(&pool->lock);
}

static int kernel_get(clpool_program *prog, const char *name, clpool_kernel **out);

int clpool_kernel_get(clpool_program *prog, const char *name, clpool_kernel **out)
{
    if (prog == NULL)
        return CLPOOL_EINVAL;
    if (out == NULL)
        return clpool__error_locked(prog->pool, CLPOOL_EINVAL, "clpool_kernel_get: out is NULL");
    *out = NULL;
    pthread_mutex_lock(&prog->pool->lock);
    int status = kernel_get(prog, name, out);
    pthread_mutex_unlock(&prog->pool->lock);
    return status;
}

static int kernel_get(clpool_program *prog, const char *name, clpool_kernel **out)
{
    clpool *pool = prog->pool;
    if (name == NULL)
        return clpool__error(pool, CLPOOL_EINVAL, "clpool_kernel_get: name is NULL");

    for (size_t i = 0; i < prog->nkernels; i++) {
        if (strcmp(prog->kernels[i]->name, name) == 0) {
            *out = prog->kernels[i];
            return CLPOOL_OK;
        }
    }

    clpool_kernel **grown = realloc(prog->kernels, (prog->nkernels + 1) * sizeof *grown);
    if (grown == NULL)
        return clpool__error(pool, CLPOOL_ENOMEM, "no memory for a kernel");
    prog->kernels = grown;

    clpool_kernel *k = calloc(1, sizeof *k);
    if (k == NULL)
        return clpool__error(pool, CLPOOL_ENOMEM, "no memory for a kernel");
    k->prog = prog;
    k->name = clpool__strdup(name);
    if (k->name == NULL) {
        free(k);
        return clpool__error(pool, CLPOOL_ENOMEM, "no memory for a kernel");
    }
    k->sig = clpool__sig_find(prog->sigs, prog->nsigs, name);
    int status = pool->ops->kernel_create(k);
    if (status != CLPOOL_OK) {
        k->impl = NULL;
        kernel_destroy(k);
        return status;
    }
    prog->kernels[prog->nkernels++] = k;
    *out = k;
    return CLPOOL_OK;
}
