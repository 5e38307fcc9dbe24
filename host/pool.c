/*
 * Public entry points for pools: open (checking the configuration and
 * choosing the backend), describe, close.
 */
#include "backend.h"
#include "internal.h"
#include "probe.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The compiled-in backends, in the order AUTO considers them. This is the one
 * place that knows which backends exist. */
static const struct clpool__backend_ops *const backends[] = {
#ifdef CLPOOL_HAVE_OPENCL
    &clpool__opencl_ops,
#endif
    &clpool__fork_ops,
};
#define NBACKENDS (sizeof backends / sizeof backends[0])

static const char *backend_word(clpool_backend b)
{
    switch (b) {
    case CLPOOL_AUTO:
        return "auto";
    case CLPOOL_OPENCL:
        return "opencl";
    case CLPOOL_FORK:
        return "fork";
    }
    return "?";
}

static int check_config(const clpool_config *cfg)
{
    const char *env;
    if (cfg->backend == CLPOOL__BAD_BACKEND && (env = getenv("CLPOOL_BACKEND")) != NULL)
        return clpool__error(NULL, CLPOOL_EINVAL,
                             "CLPOOL_BACKEND='%s' is not a backend: use auto, opencl or fork", env);
    if (cfg->backend != CLPOOL_AUTO && cfg->backend != CLPOOL_OPENCL &&
        cfg->backend != CLPOOL_FORK)
        return clpool__error(NULL, CLPOOL_EINVAL,
                             "clpool_config.backend is %d: use CLPOOL_AUTO, CLPOOL_OPENCL or "
                             "CLPOOL_FORK",
                             (int)cfg->backend);
    if (cfg->workers < 0) {
        env = getenv("CLPOOL_WORKERS");
        if (cfg->workers == CLPOOL__BAD_WORKERS && env != NULL)
            return clpool__error(NULL, CLPOOL_EINVAL,
                                 "CLPOOL_WORKERS='%s' is not a number of worker processes", env);
        return clpool__error(NULL, CLPOOL_EINVAL,
                             "clpool_config.workers is %d: use 0 (one per CPU) or a positive count",
                             cfg->workers);
    }
    if (cfg->timeout_ms == UINT_MAX && (env = getenv("CLPOOL_TIMEOUT_MS")) != NULL)
        return clpool__error(NULL, CLPOOL_EINVAL,
                             "CLPOOL_TIMEOUT_MS='%s' is not a number of milliseconds", env);
    return CLPOOL_OK;
}

/* Chooses the backend. why receives the reason AUTO made its choice ("" when
 * the backend was forced). */
static int choose_backend(const clpool_config *cfg, const struct clpool__backend_ops **out,
                          char *why, size_t whylen)
{
    why[0] = '\0';
    if (cfg->backend != CLPOOL_AUTO) {
        for (size_t i = 0; i < NBACKENDS; i++) {
            if (backends[i]->kind == cfg->backend) {
                *out = backends[i];
                return CLPOOL_OK;
            }
        }
        return clpool__error(NULL, CLPOOL_ENODEV,
                             "the %s backend is not compiled into this libclpool (it was built "
                             "without OpenCL: install the OpenCL headers and loader, e.g. Debian's "
                             "ocl-icd-opencl-dev, and rebuild)",
                             backend_word(cfg->backend));
    }

    const struct clpool__backend_ops *fallback = NULL;
    for (size_t i = 0; i < NBACKENDS; i++) {
        const struct clpool__backend_ops *ops = backends[i];
        if (ops->auto_probe == NULL) {
            if (fallback == NULL)
                fallback = ops;
            continue;
        }
        char reason[256] = "";
        int found = ops->probe_in_child ? clpool__probe_in_child(ops->auto_probe, reason,
                                                                 sizeof reason)
                                        : ops->auto_probe(reason, sizeof reason);
        if (found == 1) {
            snprintf(why, whylen, "AUTO: %s", reason[0] ? reason : "device found");
            *out = ops;
            return CLPOOL_OK;
        }
        /* The probe's reason is phrased as what was seen ("1 platform, CPU
         * devices only"); AUTO says what was missing. */
        snprintf(why, whylen, "no OpenCL GPU: %s", reason[0] ? reason : "none found");
    }
    if (fallback == NULL)
        return clpool__error(NULL, CLPOOL_ENODEV, "no backend can run maps here (%s)", why);
    *out = fallback;
    return CLPOOL_OK;
}

static void pool_free(clpool *pool)
{
    pthread_mutex_destroy(&pool->lock);
    clpool__cache_close(&pool->cache);
    free(pool->cfg_device);
    free(pool->cfg_cache_dir);
    free(pool->describe);
    free(pool->errmsg);
    free(pool);
}

int clpool_open(const clpool_config *cfg_in, clpool **out)
{
    if (out == NULL)
        return clpool__error(NULL, CLPOOL_EINVAL, "clpool_open: out is NULL");
    *out = NULL;

    clpool_config cfg;
    if (cfg_in != NULL)
        cfg = *cfg_in;
    else
        clpool_config_init(&cfg);
    int status = check_config(&cfg);
    if (status != CLPOOL_OK)
        return status;

    clpool *pool = calloc(1, sizeof *pool);
    if (pool == NULL)
        return clpool__error(NULL, CLPOOL_ENOMEM, "no memory for a pool");
    if (pthread_mutex_init(&pool->lock, NULL) != 0) {
        free(pool);
        return clpool__error(NULL, CLPOOL_ENOMEM, "cannot make the pool's lock");
    }
    pool->cfg = cfg;
    pool->owner = (long)getpid();
    pool->cfg_device = clpool__strdup(cfg.device);
    pool->cfg_cache_dir = clpool__strdup(cfg.cache_dir);
    if ((cfg.device != NULL && pool->cfg_device == NULL) ||
        (cfg.cache_dir != NULL && pool->cfg_cache_dir == NULL)) {
        status = clpool__error(NULL, CLPOOL_ENOMEM, "no memory for the pool's configuration");
        goto free_pool;
    }
    pool->cfg.device = pool->cfg_device;
    pool->cfg.cache_dir = pool->cfg_cache_dir;
    pool->max_alloc = (size_t)-1;

    if (clpool__cache_open(&pool->cache, pool->cfg.cache_dir) != 0) {
        status = clpool__error(NULL, CLPOOL_ENOMEM, "no memory to set up the cache");
        goto free_pool;
    }

    char why[320];
    status = choose_backend(&pool->cfg, &pool->ops, why, sizeof why);
    if (status != CLPOOL_OK)
        goto free_pool;

    char desc[512] = "";
    status = pool->ops->open(pool, desc, sizeof desc);
    if (status != CLPOOL_OK) {
        clpool__error_to_thread(pool);
        goto free_pool;
    }
    pool->describe = clpool__asprintf("%s%s%s%s; %s", desc[0] ? desc : pool->ops->name,
                                      why[0] ? " (" : "", why, why[0] ? ")" : "",
                                      pool->cache.note ? pool->cache.note : "cache: off");
    if (pool->describe == NULL) {
        pool->ops->close(pool);
        status = clpool__error(NULL, CLPOOL_ENOMEM, "no memory for the pool's description");
        goto free_pool;
    }
    clpool__error_clear_thread();
    *out = pool;
    return CLPOOL_OK;

free_pool:
    pool_free(pool);
    return status;
}

void clpool_close(clpool *pool)
{
    if (pool == NULL)
        return;
    /* A forked child has a copy of the pool, not the pool: its workers,
     * device and files are the parent's, and closing them here would stop
     * them under the parent. The child's copy of the memory goes with it. */
    if ((long)getpid() != pool->owner)
        return;
    clpool__async_stop(pool);
    while (pool->programs != NULL)
        clpool_program_free(pool->programs);
    while (pool->buffers != NULL)
        clpool_buffer_free(pool->buffers);
    clpool__hostmem_close(pool);
    pool->ops->close(pool);
    pool_free(pool);
}

const char *clpool_describe(const clpool *pool)
{
    if (pool == NULL || pool->describe == NULL)
        return "";
    return pool->describe;
}
