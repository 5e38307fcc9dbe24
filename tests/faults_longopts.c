/*
 * Build options longer than the system lets one command line be (a 1 MB
 * -D) are reported as options that are too long, naming the limit, not as
 * a C compiler that cannot be run (issue 12, item 9).
 */
#include "task.h"

static const char source[] =
    "__kernel void k(__global int *a) { a[get_global_id(0)] = (int)sizeof(BIG); }\n";

int main(void)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 1;
    clpool *pool = test_open_cfg(&cfg);

    size_t len = (size_t)1 << 20;
    char *options = malloc(len + 16);
    ASSERT(options != NULL);
    strcpy(options, "-DBIG=\"");
    memset(options + 7, 'x', len);
    strcpy(options + 7 + len, "\"");

    clpool_program *prog = NULL;
    ASSERT_STATUS(pool, clpool_program_source(pool, source, options, &prog), CLPOOL_EBUILD);
    const char *msg = clpool_errmsg(pool);
    ASSERT_STR_CONTAINS(msg, "build options are too long");
    ASSERT_STR_CONTAINS(msg, "MAX_ARG_STRLEN");
    ASSERT(strstr(msg, "set CC") == NULL);
    free(options);
    clpool_close(pool);
    return 0;
}
