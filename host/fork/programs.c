/*
 * Programs and kernels on the fork backend: a program is a shared object
 * built by clpool__native_build and dlopen'ed by every worker under a program
 * slot; a kernel is its clpool_run_<name> symbol, looked up by every worker
 * under a kernel slot. The parent keeps the slot tables; a worker forked
 * later (a replacement) reads them from its copy of the parent's memory and
 * loads the same things before it takes its first job.
 */
#include "fork.h"

#include "../clc/native.h"
#include "../clc/workgroup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The first free slot of a table, growing it by doubling; -1 on allocation
 * failure. */
static int free_prog_slot(struct clpool__fork_pool *fp, uint32_t *slot)
{
    for (uint32_t i = 0; i < fp->nprogs; i++) {
        if (fp->progs[i].so_path == NULL) {
            *slot = i;
            return 0;
        }
    }
    uint32_t n = fp->nprogs ? fp->nprogs * 2 : 8;
    struct clpool__fork_prog *grown = realloc(fp->progs, n * sizeof *grown);
    if (grown == NULL)
        return -1;
    memset(grown + fp->nprogs, 0, (n - fp->nprogs) * sizeof *grown);
    *slot = fp->nprogs;
    fp->progs = grown;
    fp->nprogs = n;
    return 0;
}

static int free_kern_slot(struct clpool__fork_pool *fp, uint32_t *slot)
{
    for (uint32_t i = 0; i < fp->nkerns; i++) {
        if (fp->kerns[i].name == NULL) {
            *slot = i;
            return 0;
        }
    }
    uint32_t n = fp->nkerns ? fp->nkerns * 2 : 16;
    struct clpool__fork_kern *grown = realloc(fp->kerns, n * sizeof *grown);
    if (grown == NULL)
        return -1;
    memset(grown + fp->nkerns, 0, (n - fp->nkerns) * sizeof *grown);
    *slot = fp->nkerns;
    fp->kerns = grown;
    fp->nkerns = n;
    return 0;
}

/* The first worker that reported a failed command, or UINT32_MAX. */
static uint32_t first_failed(const struct clpool__fork_pool *fp)
{
    for (uint32_t i = 0; i < fp->nworkers; i++)
        if (fp->workers[i].state == FORK_W_LIVE && fp->ctl->w[i].status != 0)
            return i;
    return UINT32_MAX;
}

static void remove_file(const char *path)
{
    /* The file is ours to remove (native.h); one already gone, or left
     * behind in the private directory, is nothing to report. */
    (void)unlink(path);
}

static int build_once(clpool_program *prog)
{
    clpool *pool = prog->pool;
    struct clpool__fork_pool *fp = pool->impl;
    char *so_path = NULL, *log = NULL;
    clpool__refusals refused;
    int status = clpool__native_build(prog, &so_path, &log, &refused);
    if (status != CLPOOL_OK)
        return status;

    struct clpool__fork_program *fprog = malloc(sizeof *fprog);
    uint32_t slot;
    if (fprog == NULL || free_prog_slot(fp, &slot) != 0) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for a program");
        goto free_fprog;
    }
    if (strlen(so_path) >= sizeof fp->ctl->jobs[0].path) {
        status = clpool__error(pool, CLPOOL_EBUILD, "the built program's path is too long: %s",
                               so_path);
        goto free_fprog;
    }
    status = clpool__fork_command(fp, FORK_CMD_LOAD, slot, 0, so_path);
    if (status != CLPOOL_OK)
        goto free_fprog;
    uint32_t bad = first_failed(fp);
    if (bad != UINT32_MAX) {
        status = clpool__error(pool, CLPOOL_EBUILD,
                               "%s: the workers cannot load the compiled kernels: worker %u "
                               "(pid %ld): %s",
                               prog->path, bad, (long)fp->workers[bad].pid, fp->ctl->w[bad].err);
        /* Those that did load it let it go again (the message is kept:
         * UNLOAD cannot fail in a way worth reporting over this one). */
        char *msg = clpool__strdup(pool->errmsg); /* clpool_errmsg takes the held lock */
        (void)clpool__fork_command(fp, FORK_CMD_UNLOAD, slot, 0, NULL);
        if (msg != NULL) {
            clpool__error_text(pool, status, msg);
            free(msg);
        }
        goto free_fprog;
    }

    status = clpool__fork_read_sizes(prog, so_path);
    if (status != CLPOOL_OK) {
        char *msg = clpool__strdup(pool->errmsg);
        (void)clpool__fork_command(fp, FORK_CMD_UNLOAD, slot, 0, NULL);
        if (msg != NULL) {
            clpool__error_text(pool, status, msg);
            free(msg);
        }
        goto free_fprog;
    }
    /* From now on, replacement workers load it too. */
    fp->progs[slot].so_path = so_path;
    fprog->pslot = slot;
    fprog->refused = refused.why;
    fprog->refused_always = refused.always;
    fprog->nrefused = refused.n;
    prog->impl = fprog;
    free(prog->log);
    prog->log = log;
    return CLPOOL_OK;

free_fprog:
    free(fprog);
    clpool__refusals_free(&refused);
    remove_file(so_path);
    free(so_path);
    free(log);
    return status;
}

int clpool__fork_program_build(clpool_program *prog)
{
    int status = build_once(prog);
    if (status == CLPOOL_EBUILD && prog->from_cache) {
        /* A cached object the workers cannot load (replaced, or from a
         * loader that has changed since) is dropped and built afresh, once. */
        clpool__cache_drop(&prog->pool->cache, prog->cache_key);
        prog->from_cache = 0;
        status = build_once(prog);
    }
    return status;
}

void clpool__fork_program_free(clpool_program *prog)
{
    struct clpool__fork_pool *fp = prog->pool->impl;
    struct clpool__fork_program *fprog = prog->impl;
    char *so_path = fp->progs[fprog->pslot].so_path;
    /* Out of the table first: should the command fail, the workers that
     * replace the lost ones will not load it. */
    fp->progs[fprog->pslot].so_path = NULL;
    /* A failure here has already replaced the workers without the program;
     * program_free has no way to report it, and there is nothing to undo. */
    (void)clpool__fork_command(fp, FORK_CMD_UNLOAD, fprog->pslot, 0, NULL);
    remove_file(so_path);
    free(so_path);
    clpool__refusals r = {fprog->refused, fprog->refused_always, fprog->nrefused};
    clpool__refusals_free(&r);
    free(fprog);
    prog->impl = NULL;
}

/* "a, b, c" into buf. */
static void list_kernels(const clpool_program *prog, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < prog->nsigs && used < len; i++) {
        int r = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", prog->sigs[i].name);
        if (r < 0)
            break;
        used += (size_t)r;
    }
}

int clpool__fork_kernel_create(clpool_kernel *k)
{
    clpool_program *prog = k->prog;
    clpool *pool = prog->pool;
    struct clpool__fork_pool *fp = pool->impl;
    const struct clpool__fork_program *fprog = prog->impl;

    if (k->sig == NULL) {
        char names[1024];
        list_kernels(prog, names, sizeof names);
        if (prog->nsigs == 0)
            return clpool__error(pool, CLPOOL_ENOKERNEL, "%s has no kernel '%s': it has no kernels",
                                 prog->path, k->name);
        return clpool__error(pool, CLPOOL_ENOKERNEL, "%s has no kernel '%s'; its kernels: %s",
                             prog->path, k->name, names);
    }
    if (strlen(k->name) >= FORK_NAME_MAX)
        return clpool__error(pool, CLPOOL_ENOKERNEL,
                             "kernel name '%.40s...' is longer than the fork backend's limit of "
                             "%d bytes",
                             k->name, FORK_NAME_MAX - 1);

    /* A kernel the build left out: its refusal, kept per program. */
    size_t idx = (size_t)(k->sig - prog->sigs);
    const char *refusal = idx < fprog->nrefused ? fprog->refused[idx] : NULL;
    if (refusal != NULL && fprog->refused_always[idx] == CLPOOL__KERNEL_REFUSED)
        return clpool__error_text(pool, CLPOOL_EBUILD, refusal);
    if (refusal != NULL && fprog->refused_always[idx] == CLPOOL__KERNEL_LEFT_OUT)
        return clpool__error_text(pool, CLPOOL_ENOKERNEL, refusal);

    int status;
    struct clpool__fork_kernel *fk = malloc(sizeof *fk);
    char *name = clpool__strdup(k->name);
    uint32_t slot;
    if (fk == NULL || name == NULL || free_kern_slot(fp, &slot) != 0) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for a kernel");
        goto free_fk;
    }
    status = clpool__fork_command(fp, FORK_CMD_RESOLVE, fprog->pslot, slot, k->name);
    if (status != CLPOOL_OK)
        goto free_fk;
    uint32_t bad = first_failed(fp);
    if (bad != UINT32_MAX && refusal != NULL) {
        /* The preprocessor kept the definition that was left out. */
        status = clpool__error_text(pool, CLPOOL_EBUILD, refusal);
        goto free_fk;
    }
    if (bad != UINT32_MAX) {
        char names[1024];
        list_kernels(prog, names, sizeof names);
        status = clpool__error(pool, CLPOOL_ENOKERNEL,
                               "%s: kernel '%s' is not in the compiled program (a kernel in a "
                               "preprocessor branch the build leaves out is not built; its "
                               "kernels: %s): worker %u (pid %ld): %s",
                               prog->path, k->name, names, bad, (long)fp->workers[bad].pid,
                               fp->ctl->w[bad].err);
        goto free_fk;
    }
    fp->kerns[slot].name = name;
    fp->kerns[slot].pslot = fprog->pslot;
    fk->kslot = slot;
    fk->barriers = clpool__wg_kernel_has_barrier(prog, k->sig);
    k->impl = fk;
    clpool__fork_kernel_limits(k);
    return CLPOOL_OK;

free_fk:
    free(name);
    free(fk);
    return status;
}

void clpool__fork_kernel_free(clpool_kernel *k)
{
    struct clpool__fork_pool *fp = k->prog->pool->impl;
    struct clpool__fork_kernel *fk = k->impl;
    /* The workers keep a stale function pointer in the slot; nothing calls
     * it, and the next kernel in the slot overwrites it. */
    free(fp->kerns[fk->kslot].name);
    fp->kerns[fk->kslot].name = NULL;
    free(fk);
    k->impl = NULL;
}
