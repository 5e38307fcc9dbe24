/* clpool_config_init: the defaults, then the CLPOOL_* environment. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <strings.h>

static clpool_backend parse_backend(const char *s)
{
    if (strcasecmp(s, "auto") == 0 || s[0] == '\0')
        return CLPOOL_AUTO;
    if (strcasecmp(s, "opencl") == 0)
        return CLPOOL_OPENCL;
    if (strcasecmp(s, "fork") == 0)
        return CLPOOL_FORK;
    return CLPOOL__BAD_BACKEND;
}

/* A decimal in [0, max], or -1. */
static long long parse_count(const char *s, long long max)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max)
        return -1;
    return v;
}

void clpool_config_init(clpool_config *cfg)
{
    if (cfg == NULL)
        return;
    cfg->backend = CLPOOL_AUTO;
    cfg->device = NULL;
    cfg->workers = 0;
    cfg->cache_dir = NULL;
    cfg->timeout_ms = 0;

    const char *v;
    if ((v = getenv("CLPOOL_BACKEND")) != NULL)
        cfg->backend = parse_backend(v);
    if ((v = getenv("CLPOOL_DEVICE")) != NULL && v[0] != '\0')
        cfg->device = v;
    if ((v = getenv("CLPOOL_WORKERS")) != NULL && v[0] != '\0') {
        long long w = parse_count(v, INT_MAX);
        cfg->workers = w < 0 ? CLPOOL__BAD_WORKERS : (int)w;
    }
    if ((v = getenv("CLPOOL_CACHE_DIR")) != NULL)
        cfg->cache_dir = v;
    if ((v = getenv("CLPOOL_TIMEOUT_MS")) != NULL && v[0] != '\0') {
        long long t = parse_count(v, UINT_MAX - 1);
        /* UINT_MAX marks a value that did not parse. */
        cfg->timeout_ms = t < 0 ? UINT_MAX : (unsigned)t;
    }
}
