/* Temporary: the range entry points before the range path lands. */
#include "internal.h"

#include <stdlib.h>

int clpool_map_range(clpool_kernel *k, const clpool_range *range, const clpool_arg *args,
                     size_t nargs)
{
    if (k == NULL || range == NULL || range->dims != 1 || range->offset[0] != 0 ||
        range->local[0] != 0)
        return CLPOOL_EINVAL;
    return clpool_map(k, range->global[0], args, nargs);
}

int clpool_map_range_async(clpool_kernel *k, const clpool_range *range, const clpool_arg *args,
                           size_t nargs, clpool_event **ev)
{
    if (k == NULL || range == NULL || range->dims != 1 || range->offset[0] != 0 ||
        range->local[0] != 0)
        return CLPOOL_EINVAL;
    return clpool_map_async(k, range->global[0], args, nargs, ev);
}

int clpool_host_alloc(clpool *pool, size_t bytes, void **out)
{
    if (pool == NULL || out == NULL || bytes == 0)
        return CLPOOL_EINVAL;
    *out = malloc(bytes);
    return *out != NULL ? CLPOOL_OK : CLPOOL_ENOMEM;
}

void clpool_host_free(clpool *pool, void *p)
{
    (void)pool;
    free(p);
}
