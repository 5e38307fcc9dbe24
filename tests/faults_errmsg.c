/*
 * Every failing call sets its own message: after a failure that left a
 * message on the pool, a call refused for a NULL out-pointer must not show
 * that older message (issue 12, item 13).
 */
#include "task.h"

static const char source[] = "__kernel void k(__global int *a) { a[get_global_id(0)] = 1; }\n";

/* Leaves a known, unrelated message on the pool. */
static void stale_message(clpool *pool)
{
    clpool_program *p = NULL;
    ASSERT_STATUS(pool, clpool_program_file(pool, "/nonexistent/errmsg.cl", NULL, &p),
                  CLPOOL_EIO);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "/nonexistent/errmsg.cl");
}

int main(void)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 1;
    clpool *pool = test_open_cfg(&cfg);

    stale_message(pool);
    ASSERT_STATUS(pool, clpool_program_source(pool, source, NULL, NULL), CLPOOL_EINVAL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "clpool_program_source: out is NULL");

    stale_message(pool);
    ASSERT_STATUS(pool, clpool_program_file(pool, "x.cl", NULL, NULL), CLPOOL_EINVAL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "clpool_program_file: out is NULL");

    stale_message(pool);
    ASSERT_STATUS(pool, clpool_buffer_new(pool, 16, NULL), CLPOOL_EINVAL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "clpool_buffer_new: out is NULL");

    clpool_program *prog = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    stale_message(pool);
    ASSERT_STATUS(pool, clpool_kernel_get(prog, "k", NULL), CLPOOL_EINVAL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "clpool_kernel_get: out is NULL");

    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_kernel_get(prog, "k", &k));
    stale_message(pool);
    ASSERT_STATUS(pool, clpool_map_async(k, 4, NULL, 0, NULL), CLPOOL_EINVAL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "clpool_map_async: ev is NULL");

    clpool_close(pool);
    return 0;
}
