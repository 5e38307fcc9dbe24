/*
 * N-D ranges: the check of a clpool_range against the kernel, and the one
 * form every backend receives (clpool__nd). A 1-D map is the 1-D range.
 */
#include "backend.h"
#include "internal.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* "(16, 16)" for the used dimensions of v. */
static const char *dims_text(const size_t *v, unsigned dims, char *buf, size_t len)
{
    size_t used = 0;
    for (unsigned d = 0; d < dims && used < len; d++) {
        int w = snprintf(buf + used, len - used, "%s%zu", d ? ", " : "(", v[d]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (used < len)
        snprintf(buf + used, len - used, ")");
    return buf;
}

/* off0 + off1*g0 + off2*g0*g1; -1 on overflow. */
static int linear_offset(const clpool__nd *nd, size_t *out)
{
    size_t l = 0, pitch = 1, t;
    for (unsigned d = 0; d < CLPOOL_MAX_DIMS; d++) {
        if (clpool__mul_size(nd->offset[d], pitch, &t) != 0 || t > SIZE_MAX - l)
            return -1;
        l += t;
        if (d + 1 < CLPOOL_MAX_DIMS && clpool__mul_size(pitch, nd->global[d], &pitch) != 0)
            return -1;
    }
    *out = l;
    return 0;
}

size_t clpool__nd_linear_offset(const clpool__nd *nd)
{
    size_t l = 0;
    (void)linear_offset(nd, &l); /* checked by clpool__range_resolve */
    return l;
}

int clpool__range_resolve_checked(clpool_kernel *k, const clpool_range *range, clpool__nd *nd)
{
    clpool *pool = k->prog->pool;
    const clpool__kernel_limits *lim = &k->limits;
    if (range->dims < 1 || range->dims > CLPOOL_MAX_DIMS)
        return clpool__error(pool, CLPOOL_EINVAL,
                             "kernel '%s': the range has dims %u; it must be 1, 2 or 3", k->name,
                             range->dims);
    unsigned dims = range->dims;
    memset(nd, 0, sizeof *nd);
    nd->dims = dims;
    nd->items = 1;
    int zeros = 0;
    for (unsigned d = 0; d < CLPOOL_MAX_DIMS; d++) {
        int used = d < dims;
        nd->global[d] = used ? range->global[d] : 1;
        nd->offset[d] = used ? range->offset[d] : 0;
        nd->local[d] = used ? range->local[d] : 1;
        if (used && nd->local[d] == 0)
            zeros++;
        if (nd->global[d] > SIZE_MAX - nd->offset[d])
            return clpool__error(pool, CLPOOL_EOVERFLOW,
                                 "kernel '%s': the range's offset[%u] %zu plus global[%u] %zu "
                                 "overflows size_t",
                                 k->name, d, nd->offset[d], d, nd->global[d]);
        if (clpool__mul_size(nd->items, nd->global[d], &nd->items) != 0)
            return clpool__error(pool, CLPOOL_EOVERFLOW,
                                 "kernel '%s': the range's global sizes multiply past size_t "
                                 "(at dimension %u, global[%u] = %zu)",
                                 k->name, d, d, nd->global[d]);
    }
    size_t lin;
    if (linear_offset(nd, &lin) != 0)
        return clpool__error(pool, CLPOOL_EOVERFLOW,
                             "kernel '%s': the range's offset, as a linear index over the "
                             "global sizes, overflows size_t",
                             k->name);
    if (zeros != 0 && zeros != (int)dims) {
        for (unsigned d = 0; d < dims; d++)
            if (range->local[d] == 0)
                return clpool__error(pool, CLPOOL_EINVAL,
                                     "kernel '%s': the range's local[%u] is 0 but other "
                                     "dimensions have a local size; give every used dimension "
                                     "one, or all zeros to let clpool pick",
                                     k->name, d);
    }
    int has_reqd = lim->reqd[0] != 0;
    char a[96], b[96];
    if (zeros != 0) {
        if (!has_reqd) {
            memset(nd->local, 0, sizeof nd->local); /* the backend picks */
            return CLPOOL_OK;
        }
        memcpy(nd->local, lim->reqd, sizeof nd->local);
        for (unsigned d = dims; d < CLPOOL_MAX_DIMS; d++)
            if (lim->reqd[d] != 1)
                return clpool__error(pool, CLPOOL_EINVAL,
                                     "kernel '%s' declares reqd_work_group_size%s, which needs "
                                     "a %u-D range, but the range has %u dimension%s",
                                     k->name, dims_text(lim->reqd, 3, a, sizeof a), d + 1, dims,
                                     dims == 1 ? "" : "s");
    } else if (has_reqd) {
        for (unsigned d = 0; d < CLPOOL_MAX_DIMS; d++)
            if (nd->local[d] != lim->reqd[d])
                return clpool__error(pool, CLPOOL_EINVAL,
                                     "kernel '%s': the range's local size %s differs from the "
                                     "kernel's reqd_work_group_size%s in dimension %u",
                                     k->name, dims_text(nd->local, 3, a, sizeof a),
                                     dims_text(lim->reqd, 3, b, sizeof b), d);
    }
    size_t group = 1;
    for (unsigned d = 0; d < CLPOOL_MAX_DIMS; d++) {
        if (nd->global[d] % nd->local[d] != 0)
            return clpool__error(pool, CLPOOL_EINVAL,
                                 "kernel '%s': the local size %zu does not divide the global "
                                 "size %zu in dimension %u%s",
                                 k->name, nd->local[d], nd->global[d], d,
                                 zeros != 0 ? " (the local size is the kernel's "
                                              "reqd_work_group_size)"
                                            : "");
        if (lim->max_item[d] != 0 && nd->local[d] > lim->max_item[d])
            return clpool__error(pool, CLPOOL_EINVAL,
                                 "kernel '%s': the local size %zu in dimension %u is over the "
                                 "%s backend's limit of %zu work-items in that dimension",
                                 k->name, nd->local[d], d, pool->ops->name, lim->max_item[d]);
        if (clpool__mul_size(group, nd->local[d], &group) != 0)
            return clpool__error(pool, CLPOOL_EOVERFLOW,
                                 "kernel '%s': the local sizes multiply past size_t", k->name);
    }
    if (lim->max_group != 0 && group > lim->max_group)
        return clpool__error(pool, CLPOOL_EINVAL,
                             "kernel '%s': a work-group of %s = %zu work-items is over the "
                             "kernel's limit of %zu on the %s backend",
                             k->name, dims_text(nd->local, dims, a, sizeof a), group,
                             lim->max_group, pool->ops->name);
    return CLPOOL_OK;
}

int clpool_map_range(clpool_kernel *k, const clpool_range *range, const clpool_arg *args,
                     size_t nargs)
{
    if (k == NULL)
        return CLPOOL_EINVAL;
    clpool *pool = k->prog->pool;
    pthread_mutex_lock(&pool->lock);
    clpool__nd nd;
    int status = range == NULL ? clpool__error(pool, CLPOOL_EINVAL,
                                               "kernel '%s': the range is NULL", k->name)
                               : clpool__range_resolve(k, range, &nd);
    if (status == CLPOOL_OK)
        status = clpool__map_locked(k, &nd, args, nargs);
    pthread_mutex_unlock(&pool->lock);
    return status;
}
