/*
 * The fork backend builds each kernel on its own: a construct it cannot run
 * (images, printf, work-group collectives, sub-groups) refuses only the
 * kernels that use it (directly or through a helper or a macro), and clpool_kernel_get of such a kernel says why, while its
 * neighbours in the same file build and run. Kernels in preprocessor
 * branches the build's -D options leave out get no caller and break
 * nothing; line numbers in compiler messages stay those of the .cl file.
 */
#include "task.h"

#include "fork_proc.h"

static clpool *pool;

static clpool_program *build(const char *source, const char *options)
{
    clpool_program *prog = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, source, options, &prog));
    return prog;
}

/* Runs kernel (one __global uint * parameter) over 64 items from 0, 1, ...
 * and checks that item i ends as i * mul + add. */
static void expect_runs(clpool_program *prog, const char *kernel, uint32_t mul, uint32_t add)
{
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_kernel_get(prog, kernel, &k));
    uint32_t x[64];
    for (uint32_t i = 0; i < 64; i++)
        x[i] = i;
    ASSERT_OK(pool, CLPOOL_MAP(k, 64, clpool_inout(x, sizeof *x)));
    for (uint32_t i = 0; i < 64; i++)
        ASSERT_EQ(x[i], i * mul + add);
}

/* kernel_get fails with status, and the message holds each of the parts. */
static void expect_refused(clpool_program *prog, const char *kernel, int status,
                           const char *part1, const char *part2)
{
    clpool_kernel *k = (clpool_kernel *)1;
    ASSERT_STATUS(pool, clpool_kernel_get(prog, kernel, &k), status);
    ASSERT(k == NULL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), kernel);
    if (part1 != NULL)
        ASSERT_STR_CONTAINS(clpool_errmsg(pool), part1);
    if (part2 != NULL)
        ASSERT_STR_CONTAINS(clpool_errmsg(pool), part2);
}

/* Kernels with constructs the fork backend cannot run (a work-group
 * collective, an image) beside a plain kernel in one file. */
static const char mixed[] =
    "__kernel void reduced(__global uint *x)\n"
    "{\n"
    "    x[get_global_id(0)] = work_group_reduce_add(x[get_global_id(0)]);\n"
    "}\n"
    "__kernel void plain(__global uint *x)\n"
    "{\n"
    "    x[get_global_id(0)] = x[get_global_id(0)] * 3u + 1u;\n"
    "}\n"
    "__kernel void imaged(__global uint *x, __read_only image2d_t img)\n"
    "{\n"
    "    x[get_global_id(0)] = 0u;\n"
    "}\n";

static void test_mixed(void)
{
    clpool_program *prog = build(mixed, NULL);
    expect_runs(prog, "plain", 3, 1);
    expect_refused(prog, "reduced", CLPOOL_EBUILD, "work_group_reduce_add() at <source>:3",
                   NULL);
    expect_refused(prog, "imaged", CLPOOL_EBUILD, "image2d_t at <source>:9", NULL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "use the OpenCL backend");
    /* A refusal costs the program nothing. */
    expect_runs(prog, "plain", 3, 1);
    clpool_program_free(prog);
}

/* A helper that uses printf, called only by a refused kernel; a macro that
 * uses a sub-group function; a helper that uses printf and that no kernel
 * calls. */
static const char helpers[] =
    "float first(__global float *x)\n"
    "{\n"
    "    printf(\"%f\", x[0]);\n"
    "    return x[0];\n"
    "}\n"
    "#define SYNC() sub_group_barrier(CLK_LOCAL_MEM_FENCE)\n"
    "void unused(void) { printf(\"never\"); }\n"
    "uint twice(uint v) { return 2u * v; }\n"
    "__kernel void firsts(__global float *x) { x[get_global_id(0)] = first(x); }\n"
    "__kernel void syncs(__global uint *x) { SYNC(); x[0] = 0u; }\n"
    "__kernel void doubles(__global uint *x)\n"
    "{\n"
    "    x[get_global_id(0)] = twice(x[get_global_id(0)]) + 5u;\n"
    "}\n";

static void test_helpers(void)
{
    clpool_program *prog = build(helpers, NULL);
    expect_runs(prog, "doubles", 2, 5);
    expect_refused(prog, "firsts", CLPOOL_EBUILD, "printf() at <source>:3",
                   "in 'first', which it uses");
    expect_refused(prog, "syncs", CLPOOL_EBUILD, "sub_group_barrier() at <source>:6",
                   "in 'SYNC', which it uses");
    clpool_program_free(prog);
}

/* Kernels in branches the build leaves out: they call a function that does
 * not exist, which the compiler would refuse if it saw them. */
static const char branches[] =
    "#ifdef NEVER\n"
    "__kernel void never(__global uint *x) { x[0] = b(x[0]); }\n"
    "#endif\n"
    "#if FOO\n"
    "__kernel void foo(__global uint *x) { x[0] = missing(x[0]); }\n"
    "#endif\n"
    "__kernel void neighbour(__global uint *x)\n"
    "{\n"
    "    x[get_global_id(0)] += 7u;\n"
    "}\n"
    "#if FOO\n"
    "__kernel void which(__global uint *x) { x[get_global_id(0)] *= 10u; }\n"
    "#else\n"
    "__kernel void which(__global uint *x) { x[get_global_id(0)] *= 20u; }\n"
    "#endif\n"
    /* A condition only the compiler can judge (a reserved name). */
    "#ifdef __FAST_RELAXED_MATH__\n"
    "__kernel void fast(__global uint *x) { x[0] = missing(x[0]); }\n"
    "#endif\n";

static void test_branches(void)
{
    clpool_program *prog = build(branches, "-DFOO=0");
    expect_runs(prog, "neighbour", 1, 7);
    expect_runs(prog, "which", 20, 0);
    /* Known from the options and the file: said at once, with the kernels
     * that are built (as for a name the program lacks). */
    expect_refused(prog, "never", CLPOOL_ENOKERNEL, "(line 2) is in a preprocessor branch",
                   "its kernels built: neighbour, which");
    expect_refused(prog, "foo", CLPOOL_ENOKERNEL, "(line 5) is in a preprocessor branch",
                   "neighbour");
    /* Known only to the compiler: the compiled program lacks it. */
    expect_refused(prog, "fast", CLPOOL_ENOKERNEL, "not in the compiled program",
                   "its kernels: never, foo, neighbour, which, fast");
    clpool_program_free(prog);

    /* The other branch of the same file: the compiler decides, with the
     * options it is given. */
    prog = build(branches + strlen("#ifdef NEVER\n"
                                   "__kernel void never(__global uint *x) { x[0] = b(x[0]); }\n"
                                   "#endif\n"
                                   "#if FOO\n"
                                   "__kernel void foo(__global uint *x) { x[0] = missing(x[0]); }\n"
                                   "#endif\n"),
                 "-DFOO=1");
    expect_runs(prog, "which", 10, 0);
    clpool_program_free(prog);
}

/* A kernel whose work-group-collective version the options choose:
 * refused only then. */
static const char chosen[] =
    "#ifdef USE_GROUPS\n"
    "__kernel void scale(__global uint *x)\n"
    "{\n"
    "    uint s = work_group_reduce_add(1u);\n"
    "    x[get_global_id(0)] *= s;\n"
    "}\n"
    "#else\n"
    "__kernel void scale(__global uint *x) { x[get_global_id(0)] *= 4u; }\n"
    "#endif\n";

static void test_chosen(void)
{
    clpool_program *prog = build(chosen, NULL);
    expect_runs(prog, "scale", 4, 0);
    clpool_program_free(prog);
    prog = build(chosen, "-DUSE_GROUPS");
    expect_refused(prog, "scale", CLPOOL_EBUILD, "work_group_reduce_add() at <source>:4", NULL);
    clpool_program_free(prog);
}

/* A helper with a work-group-collective version and a plain one: the
 * build's -D options and the file's own #defines say which one the kernel
 * calls. */
static const char helper_versions[] =
    "#define TILE 16\n"
    "#if defined(USE_GROUPS) && BLOCK > TILE\n"
    "uint scaled(uint v)\n"
    "{\n"
    "    return work_group_reduce_add(v) * 0u + v * 3u;\n"
    "}\n"
    "#else\n"
    "uint scaled(uint v) { return v * 3u; }\n"
    "#endif\n"
    "__kernel void triple(__global uint *x) { x[get_global_id(0)] = scaled(x[get_global_id(0)]); }\n";

static void test_helper_versions(void)
{
    clpool_program *prog = build(helper_versions, NULL);
    expect_runs(prog, "triple", 3, 0);
    clpool_program_free(prog);
    prog = build(helper_versions, "-DUSE_GROUPS -DBLOCK=8");
    expect_runs(prog, "triple", 3, 0);
    clpool_program_free(prog);
    prog = build(helper_versions, "-DUSE_GROUPS -DBLOCK=32");
    expect_refused(prog, "triple", CLPOOL_EBUILD, "work_group_reduce_add() at <source>:5",
                   "in 'scaled', which it uses");
    clpool_program_free(prog);
}

/* After a kernel in a skipped branch (its marker's lines are skipped with
 * it), compiler messages still name the .cl file's lines. */
static void test_lines(void)
{
    clpool_program *prog = (clpool_program *)1;
    ASSERT_STATUS(pool,
                  clpool_program_source(pool,
                                        "#ifdef NEVER\n"
                                        "__kernel void a(__global uint *x) { x[0] = 1u; }\n"
                                        "#endif\n"
                                        "__kernel void b(__global uint *x) { x[0] = 1u + ; }\n",
                                        NULL, &prog),
                  CLPOOL_EBUILD);
    ASSERT(prog == NULL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "<source>:4:");
    /* And after a refused kernel, blanked out with its helper. */
    ASSERT_STATUS(pool,
                  clpool_program_source(pool,
                                        "float h(float v)\n"
                                        "{\n"
                                        "    printf(\"%f\", v);\n"
                                        "    return v;\n"
                                        "}\n"
                                        "__kernel void a(__global float *x)\n"
                                        "{\n"
                                        "    x[0] = h(x[0]);\n"
                                        "}\n"
                                        "__kernel void b(__global uint *x) { x[0] = 1u + ; }\n",
                                        NULL, &prog),
                  CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "<source>:10:");
}

int main(void)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 2;
    cfg.cache_dir = test_tmpdir("fork_perkernel");
    pool = test_open_cfg(&cfg);
    test_mixed();
    test_helpers();
    test_branches();
    test_chosen();
    test_helper_versions();
    test_lines();
    /* None of it cost a worker. */
    ASSERT_EQ(proc_children(NULL, 0), 2);
    clpool_close(pool);
    return 0;
}
