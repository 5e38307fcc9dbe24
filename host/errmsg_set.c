/* For libraries built on the public API (libclpool_mpi): the pool a kernel
 * belongs to, and a way to put their own failure's message on it, so that
 * clpool_errmsg(pool) is the one place a user looks. */
#include "internal.h"

clpool *clpool_kernel_pool(const clpool_kernel *k)
{
    return k != NULL ? k->prog->pool : NULL;
}

int clpool_set_errmsg(clpool *pool, int status, const char *msg)
{
    if (pool == NULL)
        return CLPOOL_EINVAL;
    pthread_mutex_lock(&pool->lock);
    clpool__error_text(pool, status, msg != NULL ? msg : "");
    pthread_mutex_unlock(&pool->lock);
    return status;
}
