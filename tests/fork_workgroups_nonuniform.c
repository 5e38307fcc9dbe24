/*
 * A barrier that only some items of a group reach (undefined in OpenCL):
 * on the fork backend the map fails with CLPOOL_EWORKER and a message that
 * says so, without a hang, and the pool runs the next map. So does a group
 * whose items reach different numbers of barriers. Both as work-item loops
 * and as fibers (a helper with a barrier makes the program's kernels
 * fibers). A crash and a timeout inside a group with barriers end the map
 * as they do elsewhere (CLPOOL_EWORKER naming the signal, CLPOOL_ETIMEDOUT).
 */
#include "task.h"

static const char *const SRC =
    "__kernel void some(__global int *y)\n"
    "{\n"
    "    if (get_local_id(0) < 3)\n"
    "        barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    y[get_global_id(0)] = 1;\n"
    "}\n"
    "__kernel void counts(__global int *y)\n"
    "{\n"
    "    for (size_t i = 0; i < get_local_id(0); i++)\n"
    "        barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    y[get_global_id(0)] = 2;\n"
    "}\n"
    "__kernel void fine(__global int *y, __local int *t)\n"
    "{\n"
    "    t[get_local_id(0)] = (int)get_global_id(0);\n"
    "    barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    y[get_global_id(0)] = t[get_local_size(0) - 1 - get_local_id(0)];\n"
    "}\n"
    "__kernel void crash(__global int *y, __local int *t)\n"
    "{\n"
    "    t[get_local_id(0)] = 1;\n"
    "    barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    if (get_group_id(0) == 3 && get_local_id(0) == 5)\n"
    "        *(volatile int *)0 = 1;\n"
    "    y[get_global_id(0)] = t[0];\n"
    "}\n"
    "__kernel void spin(__global int *y, __local int *t)\n"
    "{\n"
    "    t[get_local_id(0)] = y[0];\n"
    "    barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    while (t[0] == 0)\n"
    "        y[get_global_id(0)] = 0;\n"
    "}\n";
static const char *const FIBERS = "static void unused_sync(void) { barrier(CLK_LOCAL_MEM_FENCE); }\n";

int main(void)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 2;
    clpool *pool = test_open_cfg(&cfg);
    enum { N = 1024, L = 64 };
    static int y[N];
    clpool_range r = {1, {N}, {L}, {0}};
    clpool_arg args[] = {clpool_out(y, sizeof *y), clpool_local(L * sizeof(int))};
    for (int fibers = 0; fibers < 2; fibers++) {
        clpool_program *prog;
        clpool_kernel *some, *counts, *fine;
        char src[4096];
        snprintf(src, sizeof src, "%s%s", SRC, fibers ? FIBERS : "");
        ASSERT_OK(pool, clpool_program_source(pool, src, NULL, &prog));
        ASSERT_OK(pool, clpool_kernel_get(prog, "some", &some));
        ASSERT_OK(pool, clpool_kernel_get(prog, "counts", &counts));
        ASSERT_OK(pool, clpool_kernel_get(prog, "fine", &fine));
        for (int round = 0; round < 2; round++) {
            double t0 = test_seconds();
            ASSERT_STATUS(pool, clpool_map_range(round ? counts : some, &r, args, 1),
                          CLPOOL_EWORKER);
            ASSERT_STR_CONTAINS(clpool_errmsg(pool), "barrier that only some work-items");
            ASSERT_STR_CONTAINS(clpool_errmsg(pool), round ? "counts" : "some");
            ASSERT_STR_CONTAINS(clpool_errmsg(pool), "the lost workers were replaced");
            ASSERT_LT(test_seconds() - t0, 30.0); /* bounded, no hang */

            /* The pool runs the next map. */
            ASSERT_OK(pool, clpool_map_range(fine, &r, args, 2));
            for (int i = 0; i < N; i++)
                ASSERT_EQ(y[i], i / L * L + (L - 1 - i % L));
        }
        clpool_kernel *crash;
        ASSERT_OK(pool, clpool_kernel_get(prog, "crash", &crash));
        ASSERT_STATUS(pool, clpool_map_range(crash, &r, args, 2), CLPOOL_EWORKER);
        ASSERT_STR_CONTAINS(clpool_errmsg(pool), "SIGSEGV");
        ASSERT_STR_CONTAINS(clpool_errmsg(pool), "crash");
        ASSERT_OK(pool, clpool_map_range(fine, &r, args, 2));
        clpool_program_free(prog);
    }

    /* A reqd_work_group_size the fork backend cannot read (a -D macro) is
     * refused, naming the kernel: a size of its own could run it wrong. */
    clpool_program *bad = NULL;
    ASSERT_STATUS(pool,
                  clpool_program_source(pool,
                                        "__kernel __attribute__((reqd_work_group_size(W, 1, 1)))\n"
                                        "void tiled(__global int *y) { y[0] = 1; }\n",
                                        "-DW=64", &bad),
                  CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "kernel 'tiled'");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "reqd_work_group_size");
    clpool_close(pool);

    /* A group that never finishes: the pool's time limit ends the map. */
    cfg.timeout_ms = 300;
    pool = test_open_cfg(&cfg);
    clpool_program *prog;
    clpool_kernel *spin, *fine;
    ASSERT_OK(pool, clpool_program_source(pool, SRC, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "spin", &spin));
    ASSERT_OK(pool, clpool_kernel_get(prog, "fine", &fine));
    memset(y, 0, sizeof y);
    ASSERT_STATUS(pool, clpool_map_range(spin, &r, args, 2), CLPOOL_ETIMEDOUT);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "spin");
    ASSERT_OK(pool, clpool_map_range(fine, &r, args, 2));
    clpool_program_free(prog);
    clpool_close(pool);
    return 0;
}
