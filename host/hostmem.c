/* Host memory (clpool_host_alloc): for now ordinary memory on every backend. */
#include "internal.h"

#include <stdlib.h>

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
