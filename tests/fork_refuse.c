/*
 * What the fork backend refuses, and how: kernels that need group-wide
 * built-ins it lacks (async copies, work_group_reduce) or images are
 * refused by clpool_kernel_get with a message naming the kernel and the
 * construct; a missing compiler fails naming the command;
 * a kernel name the program lacks lists the ones it has. The pool works
 * normally after each refusal.
 */
#include "task.h"

#include "fork_proc.h"

static const char good[] =
    "__kernel void twice(__global uint *x)\n"
    "{\n"
    "    x[get_global_id(0)] *= 2u;\n"
    "}\n"
    "__kernel void thrice(__global uint *x)\n"
    "{\n"
    "    x[get_global_id(0)] *= 3u;\n"
    "}\n";

/* The program builds; the kernel is refused when it is asked for. (The
 * program's build failed before kernels were built one at a time.) */
static void expect_refused(clpool *pool, const char *source, const char *kernel,
                           const char *construct)
{
    clpool_program *prog = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    clpool_kernel *k = (clpool_kernel *)1;
    ASSERT_STATUS(pool, clpool_kernel_get(prog, kernel, &k), CLPOOL_EBUILD);
    ASSERT(k == NULL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), kernel);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), construct);
    /* Asked again, the same answer. */
    ASSERT_STATUS(pool, clpool_kernel_get(prog, kernel, &k), CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), construct);
    clpool_program_free(prog);
}

static void check_pool_works(clpool *pool)
{
    clpool_program *prog;
    clpool_kernel *k;
    ASSERT_OK(pool, clpool_program_source(pool, good, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "twice", &k));
    uint32_t x[100];
    for (uint32_t i = 0; i < 100; i++)
        x[i] = i;
    ASSERT_OK(pool, CLPOOL_MAP(k, 100, clpool_inout(x, sizeof *x)));
    for (uint32_t i = 0; i < 100; i++)
        ASSERT_EQ(x[i], 2 * i);
    clpool_program_free(prog);
}

int main(void)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 2;
    /* No cache: the compiler must really run for the missing-compiler case. */
    cfg.cache_dir = "";
    clpool *pool = NULL;
    ASSERT_OK(NULL, clpool_open(&cfg, &pool));

    expect_refused(pool,
                   "__kernel void uses_copy(__global float *x, __local float *t)\n"
                   "{\n"
                   "    event_t e = async_work_group_copy(t, x, 16, 0);\n"
                   "    wait_group_events(1, &e);\n"
                   "}\n",
                   "uses_copy", "async_work_group_copy");
    check_pool_works(pool);

    expect_refused(pool,
                   "__kernel void uses_reduce(__global float *x)\n"
                   "{\n"
                   "    __local float tile[64];\n"
                   "    tile[0] = work_group_reduce_add(x[get_global_id(0)]);\n"
                   "    x[get_global_id(0)] = tile[0];\n"
                   "}\n",
                   "uses_reduce", "work_group_reduce_add");
    check_pool_works(pool);

    expect_refused(pool,
                   "__kernel void uses_image(__read_only image2d_t img, __global float4 *out)\n"
                   "{\n"
                   "    out[get_global_id(0)] = (float4)(0.0f);\n"
                   "}\n",
                   "uses_image", "image");
    check_pool_works(pool);

    /* The kernel name the program lacks. */
    clpool_program *prog;
    clpool_kernel *k = (clpool_kernel *)1;
    ASSERT_OK(pool, clpool_program_source(pool, good, NULL, &prog));
    ASSERT_STATUS(pool, clpool_kernel_get(prog, "four_times", &k), CLPOOL_ENOKERNEL);
    ASSERT(k == NULL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "four_times");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "twice");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "thrice");
    ASSERT_OK(pool, clpool_kernel_get(prog, "thrice", &k));
    clpool_program_free(prog);

    /* A compiler that is not there. */
    const char *old_cc = getenv("CC");
    char *saved = old_cc ? strdup(old_cc) : NULL;
    ASSERT_EQ(setenv("CC", "/nonexistent/cc", 1), 0);
    ASSERT_STATUS(pool, clpool_program_source(pool, good, "-DDIFFERENT_KEY", &prog),
                  CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "/nonexistent/cc");
    if (saved != NULL) {
        ASSERT_EQ(setenv("CC", saved, 1), 0);
        free(saved);
    } else {
        ASSERT_EQ(unsetenv("CC"), 0);
    }
    check_pool_works(pool);

    /* None of it cost a worker. */
    ASSERT_EQ(proc_children(NULL, 0), 2);
    clpool_close(pool);
    return 0;
}
