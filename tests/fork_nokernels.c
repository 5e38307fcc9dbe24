/*
 * A program with no kernels at all builds on the fork backend (its code
 * generator sorts an empty edit list: qsort(NULL, 0, ...) is undefined
 * behaviour, which the sanitizer build turns into a failure; issue 12,
 * item 8), and asking it for a kernel is CLPOOL_ENOKERNEL.
 */
#include "task.h"

static const char source[] = "int helper(int x) { return x + 1; }\n"
                             "constant int table[2] = {1, 2};\n";

int main(void)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 1;
    clpool *pool = test_open_cfg(&cfg);
    clpool_program *prog = NULL;
    int rc = clpool_program_source(pool, source, NULL, &prog);
    ASSERT_OK(pool, rc);
    clpool_kernel *k = NULL;
    ASSERT_STATUS(pool, clpool_kernel_get(prog, "helper", &k), CLPOOL_ENOKERNEL);
    clpool_program_free(prog);
    clpool_close(pool);
    return 0;
}
