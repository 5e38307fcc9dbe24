/*
 * The fork backend's table of operations: opening and closing the pool of
 * worker processes, and buffers in the shared arena. Programs are in
 * programs.c, maps in dispatch.c.
 *
 * OpenCL and fork. A forked copy of a process in which an OpenCL driver runs
 * threads can deadlock (the copy has the driver's locks but not the threads
 * that would release them), so this backend refuses to fork from a process
 * that has initialised OpenCL: open returns CLPOOL_ENODEV saying so, and a
 * worker lost later is not replaced (the map says why, and the pool goes on
 * with the workers it has). pool.c never initialises OpenCL in this process
 * for AUTO (its probe runs in a child), only for a pool the user opened on
 * OpenCL; so the rule for programs is: open fork pools first.
 */
#include "fork.h"

#include "../backend.h"
#include "../clc/native.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

static void pool_free(struct clpool__fork_pool *fp)
{
    clpool__fork_copy_close(fp);
    clpool__fork_shared_unmap(fp->ctl, fp->ctl_len);
    clpool__fork_arena_close(&fp->arena);
    for (uint32_t i = 0; i < fp->nprogs; i++)
        free(fp->progs[i].so_path);
    for (uint32_t i = 0; i < fp->nkerns; i++)
        free(fp->kerns[i].name);
    free(fp->progs);
    free(fp->kerns);
    free(fp->workers);
    free(fp);
}

/* The CPUs this process may run on: its affinity mask (a container's cpuset,
 * taskset), else the online ones. What "the workers fill the CPUs" is judged
 * against (fork.h, ncpus): counted as online, one worker under taskset -c 0
 * shared its CPU with a parent that spun 300 us for every one-item map. */
static uint32_t usable_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (uint32_t)CPU_COUNT(&set);
    long online = sysconf(_SC_NPROCESSORS_ONLN); /* more CPUs than a cpu_set_t holds */
    return online < 1 ? 1 : online > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)online;
}

static int fork_open(clpool *pool, char *desc, size_t desclen)
{
    int want = pool->cfg.workers;
    if (want < 0)
        return clpool__error(pool, CLPOOL_EINVAL,
                             "clpool_config.workers is %d: use 0 (one per CPU) or a positive count",
                             want);
    if (want == 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        want = online < 1 ? 1 : online > FORK_MAX_WORKERS ? FORK_MAX_WORKERS : (int)online;
    }
    if (want > FORK_MAX_WORKERS)
        return clpool__error(pool, CLPOOL_EINVAL,
                             "clpool_config.workers is %d: the fork backend starts at most %d "
                             "worker processes",
                             want, FORK_MAX_WORKERS);

    struct clpool__fork_pool *fp = calloc(1, sizeof *fp);
    if (fp == NULL)
        return clpool__error(pool, CLPOOL_ENOMEM, "no memory for the fork backend");
    fp->pool = pool;
    fp->parent = getpid();
    fp->nworkers = (uint32_t)want;
    fp->ncpus = usable_cpus();
    int status = CLPOOL_OK;
    fp->workers = calloc(fp->nworkers, sizeof *fp->workers);
    if (fp->workers == NULL) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for %u workers", fp->nworkers);
        goto free_pool;
    }
    status = clpool__fork_arena_open(&fp->arena, pool);
    if (status != CLPOOL_OK)
        goto free_pool;
    long page = sysconf(_SC_PAGESIZE);
    size_t pg = page > 0 ? (size_t)page : 4096;
    fp->ctl_len = (sizeof *fp->ctl + fp->nworkers * sizeof fp->ctl->w[0] + pg - 1) & ~(pg - 1);
    fp->ctl = clpool__fork_shared_map(fp->ctl_len);
    if (fp->ctl == NULL) {
        status = clpool__error(pool, CLPOOL_ENOMEM,
                               "fork backend: cannot map %zu bytes of shared memory: %s",
                               fp->ctl_len, strerror(errno));
        goto free_pool;
    }
    /* A fresh anonymous mapping is zeroed: every gen, cur and counter
     * starts at 0, which is what "nothing yet" means for each of them. */
    pool->impl = fp;
    status = clpool__fork_respawn_absent(fp);
    if (status != CLPOOL_OK)
        goto stop_workers;
    pool->max_alloc = fp->arena.size;
    /* The parent's copies and the workers' kernels share the CPU's memory:
     * overlapping them does not pay (see host/chunk.c). */
    pool->chunk_overlap = 0;
    char compiler[CLPOOL__COMPILER_NOTE_MAX];
    clpool__native_compiler_note(pool, compiler, sizeof compiler);
    snprintf(desc, desclen, "fork: %u worker process%s, kernels built with %s", fp->nworkers,
             fp->nworkers == 1 ? "" : "es", compiler);
    return CLPOOL_OK;

stop_workers:
    clpool__fork_stop_all(fp);
    pool->impl = NULL;
free_pool:
    pool_free(fp);
    return status;
}

static void fork_close(clpool *pool)
{
    struct clpool__fork_pool *fp = pool->impl;
    if (fp == NULL)
        return;
    clpool__fork_stop_all(fp);
    pool_free(fp);
    pool->impl = NULL;
}

static int fork_buffer_new(clpool_buffer *buf)
{
    struct clpool__fork_pool *fp = buf->pool->impl;
    void *p = clpool__fork_arena_alloc(&fp->arena, buf->size);
    if (p == NULL)
        return clpool__error(buf->pool, CLPOOL_ENOMEM,
                             "fork backend: no room for a buffer of %zu bytes in the %zu-byte "
                             "shared arena",
                             buf->size, fp->arena.size);
    buf->impl = p;
    return CLPOOL_OK;
}

static void fork_buffer_free(clpool_buffer *buf)
{
    struct clpool__fork_pool *fp = buf->pool->impl;
    clpool__fork_arena_free(&fp->arena, buf->impl, buf->size);
    buf->impl = NULL;
}

/* clpool_host_alloc: blocks of the arena itself, which the workers share,
 * so maps use them in place. Whole pages, so that the block starts on one. */
static size_t page_round(size_t bytes)
{
    return (bytes + 4095) & ~(size_t)4095;
}

static int fork_host_alloc(clpool *pool, size_t bytes, void **out)
{
    struct clpool__fork_pool *fp = pool->impl;
    if (bytes > SIZE_MAX - 4095 || (*out = clpool__fork_arena_alloc(&fp->arena,
                                                                     page_round(bytes))) == NULL)
        return clpool__error(pool, CLPOOL_ENOMEM,
                             "fork backend: no room for %zu bytes of host memory in the "
                             "%zu-byte shared arena",
                             bytes, fp->arena.size);
    return CLPOOL_OK;
}

static void fork_host_free(clpool *pool, void *p, size_t bytes)
{
    struct clpool__fork_pool *fp = pool->impl;
    clpool__fork_arena_free(&fp->arena, p, page_round(bytes));
}

static int fork_host_view(clpool *pool, const void *host, size_t bytes, size_t shift,
                          clpool_buffer *view)
{
    (void)pool;
    (void)bytes;
    /* Through uintptr_t, as dispatch.c shifts windows: the kernel's pointer
     * may lie before the block; the kernel touches only the block. */
    view->impl = (void *)((uintptr_t)host - shift);
    return CLPOOL_OK;
}

/* The arena is mapped in this process too: copies are memcpy (split over
 * the CPUs when large, copy.c), and the next map's publication (a release
 * store) makes them visible. */
static int fork_buffer_write(clpool_buffer *buf, size_t off, const void *src, size_t len)
{
    clpool__fork_copy(buf->pool->impl, (unsigned char *)buf->impl + off, src, len);
    return CLPOOL_OK;
}

static int fork_buffer_read(clpool_buffer *buf, size_t off, void *dst, size_t len)
{
    clpool__fork_copy(buf->pool->impl, dst, (const unsigned char *)buf->impl + off, len);
    return CLPOOL_OK;
}

const struct clpool__backend_ops clpool__fork_ops = {
    .name = "fork",
    .kind = CLPOOL_FORK,
    .auto_probe = NULL, /* the fallback AUTO takes */
    .probe_in_child = 0,
    .open = fork_open,
    .close = fork_close,
    .program_build = clpool__fork_program_build,
    .program_free = clpool__fork_program_free,
    .kernel_create = clpool__fork_kernel_create,
    .kernel_free = clpool__fork_kernel_free,
    .buffer_new = fork_buffer_new,
    .buffer_free = fork_buffer_free,
    .buffer_write = fork_buffer_write,
    .buffer_read = fork_buffer_read,
    .map = clpool__fork_map,
    .window_start = clpool__fork_window_start,
    .window_wait = clpool__fork_window_wait,
    /* Copies never wait for a map: the arena is this process's memory. */
    .xfer_write = fork_buffer_write,
    .xfer_read = fork_buffer_read,
    .host_alloc = fork_host_alloc,
    .host_free = fork_host_free,
    .host_view = fork_host_view,
};
