/*
 * The native build path: the built-in kernels compiled with the host C
 * compiler, loaded into this process and run against C references; the
 * cache; refusals; compiler errors with .cl line numbers; build options;
 * atomics across processes; vector types (clang) or their clear refusal.
 */
#include "native_test.h"

#include "reference.h"

#include <math.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

static char root[64];
static clpool *pool;

/* ---------------------------------------------------------------- kernels */

static void test_saxpy(void)
{
    nt_built b = nt_build_ok(pool, test_kernel_path("saxpy.cl"), NULL, NULL);
    ASSERT_EQ(b.prog->from_cache, 0);
    clpool__native_fn run = nt_fn(&b, "saxpy");

    enum { N = 10007 };
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *want = malloc(N * sizeof *want);
    ASSERT(x != NULL && y != NULL && want != NULL);
    unsigned seed = 1;
    const float a = 2.5f;
    for (size_t i = 0; i < N; i++) {
        x[i] = ref_uniform(&seed, -10, 10);
        y[i] = ref_uniform(&seed, -10, 10);
        want[i] = ref_saxpy(a, x[i], y[i]);
    }
    void *args[] = {(void *)&a, x, y};
    /* In three ranges, as workers would run it. */
    clpool__native_run_items(run, args, 0, 5, N);
    clpool__native_run_items(run, args, 5, 4000, N);
    clpool__native_run_items(run, args, 4000, N, N);
    for (size_t i = 0; i < N; i++)
        ASSERT_NEAR(y[i], want[i], 1e-5 * (fabs(want[i]) + 1));
    free(x);
    free(y);
    free(want);
    nt_built_free(&b);

    /* The same program again comes from the cache, and runs. */
    b = nt_build_ok(pool, test_kernel_path("saxpy.cl"), NULL, NULL);
    ASSERT_EQ(b.prog->from_cache, 1);
    run = nt_fn(&b, "saxpy");
    float one = 1, xs[3] = {1, 2, 3}, ys[3] = {10, 20, 30};
    void *args2[] = {&one, xs, ys};
    clpool__native_run_items(run, args2, 0, 3, 3);
    ASSERT_NEAR(ys[2], 33, 0);
    nt_built_free(&b);
}

enum { MW = 256, MH = 192, MAX_ITER = 256 };

static void test_mandelbrot(void)
{
    nt_built b = nt_build_ok(pool, test_kernel_path("mandelbrot.cl"), NULL, NULL);
    ASSERT(b.log == NULL); /* a loop that does not vectorise is not worth a warning */
    clpool__native_fn run = nt_fn(&b, "mandelbrot");
    uint32_t *iters = calloc(MW * MH, sizeof *iters);
    ASSERT(iters != NULL);
    uint32_t width = MW, max_iter = MAX_ITER;
    float x0 = -2.0f, y0 = -1.125f, dx = 3.0f / MW, dy = 2.25f / MH;
    void *args[] = {iters, &width, &x0, &y0, &dx, &dy, &max_iter};
    clpool__native_run_items(run, args, 0, MW * MH, MW * MH);
    /* Contracted multiply-adds may move a pixel on the edge of escaping:
     * at most 1 in 100 may differ (as for the OpenCL devices). */
    size_t differ = 0, inside = 0;
    for (size_t i = 0; i < MW * MH; i++) {
        differ += iters[i] != ref_mandelbrot(i, MW, x0, y0, dx, dy, MAX_ITER);
        inside += iters[i] == MAX_ITER;
    }
    ASSERT_LE(differ * 100, MW * MH);
    ASSERT_GT(inside, MW * MH / 20);
    free(iters);
    nt_built_free(&b);
}

static void test_blackscholes(void)
{
    nt_built b = nt_build_ok(pool, test_kernel_path("blackscholes.cl"), NULL, NULL);
    clpool__native_fn run = nt_fn(&b, "blackscholes");
    enum { N = 4099 };
    float *S = malloc(N * 5 * sizeof *S);
    ASSERT(S != NULL);
    float *K = S + N, *T = K + N, *call = T + N, *put = call + N;
    unsigned seed = 7;
    for (size_t i = 0; i < N; i++) {
        S[i] = ref_uniform(&seed, 5, 30);
        K[i] = ref_uniform(&seed, 1, 100);
        T[i] = ref_uniform(&seed, 0.25f, 10);
    }
    float r = 0.02f, v = 0.30f;
    void *args[] = {S, K, T, call, put, &r, &v};
    clpool__native_run_items(run, args, 0, N, N);
    for (size_t i = 0; i < N; i++) {
        float c, p;
        ref_blackscholes(S[i], K[i], T[i], r, v, &c, &p);
        ASSERT_NEAR(call[i], c, 1e-4 * (fabs(c) + 1));
        ASSERT_NEAR(put[i], p, 1e-4 * (fabs(p) + 1));
    }
    free(S);
    nt_built_free(&b);
}

/* ---------------------------------------------------------------- refusals */

/* The build succeeds without kernel: its refusal names it, the construct
 * and where it is. (Whole programs were refused before kernels were built
 * one at a time.) */
static void expect_refusal(const char *source, const char *kernel, const char *construct,
                           const char *where)
{
    nt_built b = nt_build(pool, "refused.cl", source, NULL);
    if (b.status != CLPOOL_OK)
        FAIL_("%s: got %s, want CLPOOL_OK: %s", construct, clpool_err_name(b.status),
              clpool_errmsg(pool));
    const char *msg = nt_refusal(&b, kernel);
    if (msg == NULL)
        FAIL_("%s: kernel '%s' was not refused", construct, kernel);
    char who[64];
    snprintf(who, sizeof who, "kernel '%s'", kernel);
    ASSERT_STR_CONTAINS(msg, who);
    ASSERT_STR_CONTAINS(msg, construct);
    ASSERT_STR_CONTAINS(msg, where);
    ASSERT_STR_CONTAINS(msg, "use the OpenCL backend");
    ASSERT(!nt_has(&b, kernel));
    nt_built_free(&b);
}

static void test_refusals(void)
{
    expect_refusal("__kernel void k(__global float *x)\n"
                   "{\n"
                   "    x[get_global_id(0)] = 1; /* wait_group_events() in a comment is fine */\n"
                   "    wait_group_events(0, 0);\n"
                   "}\n",
                   "k", "wait_group_events()", "refused.cl:4");
    expect_refusal("kernel void a(global float *x) { x[0] = 1; }\n"
                   "kernel void sum(global float *x)\n"
                   "{\n"
                   "    event_t e = async_work_group_copy(x, x, 4, 0);\n"
                   "    x[0] = 1;\n"
                   "}\n",
                   "sum", "async_work_group_copy()", "refused.cl:4");
    expect_refusal("__kernel void blur(__read_only image2d_t in, __global float *out)\n"
                   "{\n"
                   "    out[0] = 0;\n"
                   "}\n",
                   "blur", "image2d_t", "refused.cl:1");
    /* A helper's construct refuses the kernel that calls it (it used to
     * refuse "the program"). */
    expect_refusal("float helper(float x) { return sub_group_reduce_add(x); }\n"
                   "__kernel void k(__global float *x) { x[0] = helper(x[0]); }\n",
                   "k", "sub_group_reduce_add()", "refused.cl:1 (in 'helper', which it uses)");
    expect_refusal("__kernel void k(__global float *x)\n"
                   "{\n"
                   "    x[0] = work_group_reduce_add(x[0]);\n"
                   "}\n",
                   "k", "work_group_reduce_add()", "refused.cl:3");
    expect_refusal("__kernel void k(__global float *x)\n"
                   "{\n"
                   "    printf(\"%f\", x[0]);\n"
                   "}\n",
                   "k", "printf()", "refused.cl:3");
    expect_refusal("__kernel void k(__global float *x, sampler_t s)\n"
                   "{\n"
                   "    x[0] = 0;\n"
                   "}\n",
                   "k", "sampler_t", "refused.cl:1");

    /* Code the native path does not compile is not refused. */
    nt_built b = nt_build_ok(pool, "guarded.cl",
                             "__kernel void k(__global float *x)\n"
                             "{\n"
                             "#ifndef __CLPOOL_NATIVE__\n"
                             "    barrier(CLK_LOCAL_MEM_FENCE);\n"
                             "#else\n"
                             "    x[get_global_id(0)] = 5;\n"
                             "#endif\n"
                             "#if 0\n"
                             "    __local float t[4];\n"
                             "#endif\n"
                             "}\n",
                             NULL);
    float x[2] = {0, 0};
    void *args[] = {x};
    clpool__native_run_items(nt_fn(&b, "k"), args, 0, 2, 2);
    ASSERT_NEAR(x[1], 5, 0);
    nt_built_free(&b);
}

/* -------------------------------------------------------- compiler output */

static void test_compiler_errors(void)
{
    /* A syntax error on line 4 of the .cl file. */
    nt_built b = nt_build(pool, "kernels/broken.cl",
                          "/* line 1 */\n"
                          "__kernel void k(__global float *x)\n"
                          "{\n"
                          "    x[0] = 1 +;\n"
                          "}\n",
                          NULL);
    ASSERT_EQ(b.status, CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "kernels/broken.cl:4");
    nt_built_free(&b);

    /* An unknown function is an error, not a .so that fails to load. */
    b = nt_build(pool, "undeclared.cl",
                 "__kernel void k(__global float *x)\n{\n    x[0] = no_such_builtin(x[0]);\n}\n",
                 NULL);
    ASSERT_EQ(b.status, CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "undeclared.cl:3");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "no_such_builtin");
    nt_built_free(&b);

    /* Warnings of a build that works go to the log. */
    b = nt_build_ok(pool, "warns.cl",
                    "#warning \"clpool test warning\"\n"
                    "__kernel void k(__global float *x) { x[0] = 1; }\n",
                    NULL);
    ASSERT_STR_CONTAINS(b.log, "clpool test warning");
    ASSERT_STR_CONTAINS(b.log, "warns.cl:1");
    nt_built_free(&b);

    /* A compiler that is not there. */
    const char *saved = getenv("CC");
    char *saved_copy = saved != NULL ? strdup(saved) : NULL;
    nt_set_cc("/nonexistent/cc");
    b = nt_build(pool, "saxpy.cl", "__kernel void k(__global float *x) { x[0] = 1; }\n", NULL);
    ASSERT_EQ(b.status, CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "cannot run the C compiler '/nonexistent/cc'");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "No such file or directory");
    nt_built_free(&b);
    /* $CC with arguments: split into words, no shell. */
    nt_set_cc("  cc   -DFROM_CC=7 ");
    b = nt_build_ok(pool, "cc_words.cl",
                    "__kernel void k(__global int *x) { x[0] = FROM_CC; }\n", NULL);
    int v = 0;
    void *args[] = {&v};
    clpool__native_run_items(nt_fn(&b, "k"), args, 0, 1, 1);
    ASSERT_EQ(v, 7);
    nt_built_free(&b);
    nt_set_cc(saved_copy);
    free(saved_copy);
}

/* The compiler's output is read while it runs (a full pipe must not stall
 * it), and a host that ignores SIGCHLD (so waitpid cannot report the exit
 * status) still gets its builds and its errors. */
static void test_spawn_edges(void)
{
    size_t cap = 3000 * 64 + 256, len = 0;
    char *src = malloc(cap);
    ASSERT(src != NULL);
    for (int i = 0; i < 3000; i++)
        len += (size_t)snprintf(src + len, cap - len, "#warning \"noisy warning %d\"\n", i);
    snprintf(src + len, cap - len, "__kernel void k(__global int *x) { x[0] = 1; }\n");
    nt_built b = nt_build_ok(pool, "noisy.cl", src, NULL);
    ASSERT_GT(strlen(b.log), (size_t)100000);
    ASSERT_STR_CONTAINS(b.log, "noisy warning 2999");
    nt_built_free(&b);
    free(src);

    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    ASSERT_EQ(sigaction(SIGCHLD, &ign, &old), 0);
    b = nt_build_ok(pool, "ignored.cl", "__kernel void k(__global int *x) { x[0] = 42; }\n",
                    NULL);
    int v = 0;
    void *args[] = {&v};
    clpool__native_run_items(nt_fn(&b, "k"), args, 0, 1, 1);
    ASSERT_EQ(v, 42);
    nt_built_free(&b);
    b = nt_build(pool, "ignored.cl", "__kernel void k(__global int *x) { x[0] = ; }\n", NULL);
    ASSERT_EQ(b.status, CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "ignored.cl:1");
    nt_built_free(&b);
    ASSERT_EQ(sigaction(SIGCHLD, &old, NULL), 0);
}

/* ------------------------------------------------------------- options */

static void test_options(void)
{
    const char *src = "__kernel void scale(__global const float *x, __global float *y)\n"
                      "{\n"
                      "    size_t i = get_global_id(0);\n"
                      "    y[i] = SCALE * x[i] + OFFSET;\n"
                      "}\n";
    nt_built b = nt_build_ok(pool, "scale.cl", src,
                             "-DSCALE=3 -D OFFSET=\"(1.0f + 0.5f)\" -cl-mad-enable "
                             "-cl-std=CL1.2 -cl-fast-relaxed-math -cl-denorms-are-zero");
    float x[4] = {1, 2, 3, 4}, y[4];
    void *args[] = {x, y};
    clpool__native_run_items(nt_fn(&b, "scale"), args, 0, 4, 4);
    for (int i = 0; i < 4; i++)
        ASSERT_NEAR(y[i], 3 * x[i] + 1.5f, 1e-6);
    nt_built_free(&b);

    /* -I, attached and not: the header is found either way. */
    char inc[128], opt[300];
    snprintf(inc, sizeof inc, "%s/inc.h", root);
    FILE *f = fopen(inc, "w");
    ASSERT(f != NULL);
    ASSERT(fputs("#define FROM_HEADER 11\n", f) >= 0);
    ASSERT_EQ(fclose(f), 0);
    const char *isrc = "#include \"inc.h\"\n__kernel void k(__global int *x) { x[0] = FROM_HEADER; }\n";
    for (int attached = 0; attached < 2; attached++) {
        snprintf(opt, sizeof opt, attached ? "-I%s" : "-I '%s'", root);
        b = nt_build_ok(pool, "include.cl", isrc, opt);
        int got = 0;
        void *iargs[] = {&got};
        clpool__native_run_items(nt_fn(&b, "k"), iargs, 0, 1, 1);
        ASSERT_EQ(got, 11);
        nt_built_free(&b);
    }

    /* The prelude itself never warns, so -Werror builds; -O0 too. */
    b = nt_build_ok(pool, test_kernel_path("blackscholes.cl"), NULL,
                    "-Werror -cl-opt-disable -cl-kernel-arg-info");
    nt_built_free(&b);
    b = nt_build(pool, "warns.cl", "#warning \"made an error\"\n__kernel void k(void) { }\n",
                 "-Werror");
    ASSERT_EQ(b.status, CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "made an error");
    nt_built_free(&b);
    b = nt_build_ok(pool, "warns.cl", "#warning \"silenced\"\n__kernel void k(void) { }\n", "-w");
    ASSERT(b.log == NULL);
    nt_built_free(&b);

    b = nt_build(pool, "scale.cl", src, "-DSCALE=3 -DOFFSET=0 -cl-single-precision-constant");
    ASSERT_EQ(b.status, CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool),
                        "build option '-cl-single-precision-constant' is not supported by the "
                        "fork backend");
    nt_built_free(&b);

    b = nt_build(pool, "scale.cl", src, "-DSCALE=3 -D");
    ASSERT_EQ(b.status, CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "'-D' needs a value");
    nt_built_free(&b);

    b = nt_build(pool, "scale.cl", src, "-DOFFSET='1");
    ASSERT_EQ(b.status, CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "quote");
    nt_built_free(&b);
}

/* ------------------------------------------------------------- shapes */

static void test_kernel_shapes(void)
{
    /* Empty and (void) parameter lists, two kernels, a kernel spread over
     * lines, a struct passed by value, and a helper that asks for the id. */
    const char *src =
        "typedef struct { float scale; int add; } params;\n"
        "__kernel void nothing(void) { }\n"
        "__kernel void empty() { }\n"
        "size_t my_id(void) { return get_global_id(0) + 0 * get_global_size(0); }\n"
        "__kernel void\n"
        "fill(\n"
        "    __global int *out,\n"
        "    const params p)\n"
        "{\n"
        "    out[my_id()] = (int)(p.scale * (float)get_global_id(0)) + p.add\n"
        "                 + (int)get_global_size(0) * 1000;\n"
        "}\n"
        "__kernel void count(__global volatile int *n) { atomic_inc(n); }\n";
    nt_built b = nt_build_ok(pool, "shapes.cl", src, NULL);
    void *none[1] = {NULL};
    clpool__native_run_items(nt_fn(&b, "nothing"), none, 0, 10, 10);
    clpool__native_run_items(nt_fn(&b, "empty"), none, 0, 10, 10);
    int out[8] = {0};
    struct {
        float scale;
        int add;
    } p = {2.0f, 5};
    void *args[] = {out, &p};
    clpool__native_run_items(nt_fn(&b, "fill"), args, 2, 8, 8);
    ASSERT_EQ(out[0], 0);
    for (int i = 2; i < 8; i++)
        ASSERT_EQ(out[i], 2 * i + 5 + 8000);
    int n = 0;
    void *cargs[] = {&n};
    clpool__native_run_items(nt_fn(&b, "count"), cargs, 0, 100, 100);
    ASSERT_EQ(n, 100);
    nt_built_free(&b);

    /* A prototype, work-group attributes, an OpenCL pragma, a kernel that
     * calls another kernel, and a helper that calls one. */
    const char *src2 =
        "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n"
        "__kernel void twice(__global double *x);\n"
        "__kernel void none(void);\n"
        "__kernel __attribute__((reqd_work_group_size(64, 1, 1)))\n"
        "__attribute__((vec_type_hint(float4)))\n"
        "void twice(__global double *x) { x[get_global_id(0)] *= 2; }\n"
        "__kernel __attribute__((work_group_size_hint(8, 1, 1))) void none(void) { }\n"
        "void helper(__global double *x) { twice(x); none(); }\n"
        "__kernel void outer(__global double *x, __global double *y)\n"
        "{\n"
        "    twice(x);\n"
        "    helper(y);\n"
        "}\n";
    b = nt_build_ok(pool, "calls.cl", src2, NULL);
    ASSERT(b.log == NULL);
    double x[4] = {1, 2, 3, 4}, y[4] = {1, 2, 3, 4};
    void *dargs[] = {x, y};
    clpool__native_run_items(nt_fn(&b, "outer"), dargs, 1, 4, 4);
    for (int i = 0; i < 4; i++) {
        ASSERT_NEAR(x[i], i == 0 ? 1 : 2 * (i + 1), 0);
        ASSERT_NEAR(y[i], i == 0 ? 1 : 2 * (i + 1), 0);
    }
    nt_built_free(&b);

    /* One kernel defined in two #if branches: the one compiled runs. */
    const char *twice = "#ifdef FAST\n"
                        "__kernel void k(__global int *x) { x[get_global_id(0)] = 1; }\n"
                        "#else\n"
                        "__kernel void k(__global int *x) { x[get_global_id(0)] = 2; }\n"
                        "#endif\n";
    for (int fast = 0; fast < 2; fast++) {
        b = nt_build_ok(pool, "twice.cl", twice, fast ? "-DFAST" : NULL);
        int got = 0;
        void *targs[] = {&got};
        clpool__native_run_items(nt_fn(&b, "k"), targs, 0, 1, 1);
        ASSERT_EQ(got, fast ? 1 : 2);
        nt_built_free(&b);
    }

    /* Macros that ask for the id, used in a kernel and in a helper. */
    b = nt_build_ok(pool, "macros.cl",
                    "#define GID get_global_id(0)\n"
                    "#define TWICE_GID (GID * 2)\n"
                    "int from_helper(void) { return (int)TWICE_GID; }\n"
                    "__kernel void k(__global int *x) { x[GID] = from_helper() + (int)GID; }\n",
                    NULL);
    int ids[6] = {0};
    void *iargs[] = {ids};
    clpool__native_run_items(nt_fn(&b, "k"), iargs, 2, 6, 6);
    for (int i = 2; i < 6; i++)
        ASSERT_EQ(ids[i], 3 * i);
    nt_built_free(&b);
}

/* ------------------------------------------------------------- atomics */

static void test_atomics(void)
{
    const char *src =
        "__kernel void histogram(__global const uint *v, __global int *bins,\n"
        "                        __global volatile uint *big, __global long *sum)\n"
        "{\n"
        "    size_t i = get_global_id(0);\n"
        "    int old = atomic_add(&bins[v[i] % 16], 1);\n"
        "    (void)old;\n"
        "    atomic_max(big, v[i]);\n"
        "    atom_add(sum, (long)v[i]);\n"
        "}\n";
    nt_built b = nt_build_ok(pool, "histogram.cl", src, NULL);
    clpool__native_fn run = nt_fn(&b, "histogram");

    /* Buffers in shared memory, items split between two processes that run
     * at the same time: the counts add up only if the adds are atomic. */
    enum { N = 1 << 20 };
    size_t bytes = N * sizeof(uint32_t) + 16 * sizeof(int) + sizeof(uint32_t) + sizeof(int64_t);
    void *shared = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ASSERT(shared != MAP_FAILED);
    int64_t *sum = shared;
    uint32_t *v = (uint32_t *)(sum + 1);
    int *bins = (int *)(v + N);
    uint32_t *big = (uint32_t *)(bins + 16);
    memset(bins, 0, 16 * sizeof *bins);
    *big = 0;
    *sum = 0;
    int want[16] = {0};
    uint32_t want_big = 0;
    int64_t want_sum = 0;
    unsigned seed = 3;
    for (size_t i = 0; i < N; i++) {
        seed = seed * 1664525u + 1013904223u;
        v[i] = seed >> 8;
        want[v[i] % 16]++;
        want_big = v[i] > want_big ? v[i] : want_big;
        want_sum += v[i];
    }
    void *args[] = {v, bins, big, sum};
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        clpool__native_run_items(run, args, 0, N / 2, N);
        _exit(0);
    }
    clpool__native_run_items(run, args, N / 2, N, N);
    int st;
    ASSERT_EQ(waitpid(child, &st, 0), child);
    ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    for (int k = 0; k < 16; k++)
        ASSERT_EQ(bins[k], want[k]);
    ASSERT_EQ(*big, want_big);
    ASSERT_EQ(*sum, want_sum);
    ASSERT_EQ(munmap(shared, bytes), 0);
    nt_built_free(&b);
}

/* ------------------------------------------------------------- vectors */

static const char vector_src[] =
    "__kernel void vec(__global const float4 *in, __global float4 *out, __global int *ints)\n"
    "{\n"
    "    size_t i = get_global_id(0);\n"
    "    float4 v = in[i];\n"
    "    float2 h = (float2)(10.0f, 20.0f);\n"
    "    float4 lit = (float4)(1.0f, 2.0f, 3.0f, 4.0f);\n"
    "    float4 joined = (float4)(h, v.zw);\n"
    "    float4 splat = (float4)(0.5f);\n"
    "    out[4 * i + 0] = v * lit + splat;\n"
    "    out[4 * i + 1] = joined;\n"
    "    out[4 * i + 2] = (float4)(v.wzyx.lo, v.even.y, v.s0) + sqrt(fabs(v)) * 0.0f;\n"
    "    out[4 * i + 3] = clamp(v, 0.0f, 1.0f) + (float4)(dot(v, lit), length(v.xy), 0, 0);\n"
    "    int4 m = v > 1.5f;\n"
    "    int4 c = convert_int4(v * 2.0f);\n"
    "    ints[8 * i + 0] = m.x; ints[8 * i + 1] = m.y; ints[8 * i + 2] = any(m); ints[8 * i + 3] = all(m);\n"
    "    ints[8 * i + 4] = c.x; ints[8 * i + 5] = c.w;\n"
    "    ints[8 * i + 6] = select((int4)(1, 2, 3, 4), (int4)(5, 6, 7, 8), m).y;\n"
    "    ints[8 * i + 7] = (int)vload4(i, (__global const float *)in).w;\n"
    "}\n";

static void test_vectors(void)
{
    const char *saved = getenv("CC");
    char *saved_copy = saved != NULL ? strdup(saved) : NULL;

    /* A compiler other than clang refuses vectors with a clear message. */
    nt_set_cc("gcc");
    if (system("gcc --version >/dev/null 2>&1") == 0) {
        /* The kernel, not the program (it was the program's build that
         * failed before kernels were built one at a time). */
        nt_built b = nt_build_ok(pool, "vec.cl", vector_src, NULL);
        const char *why = nt_refusal(&b, "vec");
        ASSERT_STR_CONTAINS(why, "kernel 'vec' uses the vector type");
        ASSERT_STR_CONTAINS(why, "float4 at vec.cl:1");
        ASSERT_STR_CONTAINS(why, "CC=clang");
        ASSERT(!nt_has(&b, "vec"));
        nt_built_free(&b);
    }

    if (!nt_have_clang()) {
        fprintf(stderr, "unit_native: no clang here; vector types not run\n");
        nt_set_cc(saved_copy);
        free(saved_copy);
        return;
    }
    nt_set_cc("clang");
    nt_built b = nt_build_ok(pool, "vec.cl", vector_src, NULL);
    if (b.log != NULL)
        FAIL_("clang warned: %s", b.log);
    float in[8] = {1, 2, 3, 4, -1, 0.25f, 9, 16};
    float out[32];
    int ints[16];
    void *args[] = {in, out, ints};
    clpool__native_run_items(nt_fn(&b, "vec"), args, 0, 2, 2);
    /* item 0: v = (1, 2, 3, 4) */
    const float want0[16] = {1.5f, 4.5f, 9.5f, 16.5f,  10, 20, 3, 4,
                             4, 3, 3, 1,               1 + 30, 1 + sqrtf(5), 1, 1};
    for (int k = 0; k < 16; k++)
        ASSERT_NEAR(out[k], want0[k], 1e-5);
    ASSERT_EQ(ints[0], 0);
    ASSERT_EQ(ints[1], -1);
    ASSERT_EQ(ints[2], 1);
    ASSERT_EQ(ints[3], 0);
    ASSERT_EQ(ints[4], 2);
    ASSERT_EQ(ints[5], 8);
    ASSERT_EQ(ints[6], 6);
    ASSERT_EQ(ints[7], 4);
    /* item 1: v = (-1, 0.25, 9, 16) */
    ASSERT_NEAR(out[16 + 0], -1 * 1 + 0.5f, 1e-6);
    ASSERT_NEAR(out[16 + 6], 9, 0);
    ASSERT_NEAR(out[16 + 12], 0 + (-1 + 0.5f + 27 + 64), 1e-4);
    ASSERT_EQ(ints[8 + 3], 0);
    ASSERT_EQ(ints[8 + 7], 16);
    nt_built_free(&b);

    nt_set_cc(saved_copy);
    free(saved_copy);
}

int main(void)
{
    pool = nt_pool(root);
    test_saxpy();
    test_mandelbrot();
    test_blackscholes();
    test_refusals();
    test_compiler_errors();
    test_spawn_edges();
    test_options();
    test_kernel_shapes();
    test_atomics();
    test_vectors();
    nt_pool_free(pool, root);

    /* With the cache off the object still comes back, from $TMPDIR. */
    pool = nt_pool(NULL);
    nt_built b = nt_build_ok(pool, test_kernel_path("saxpy.cl"), NULL, NULL);
    ASSERT_EQ(b.prog->from_cache, 0);
    nt_built_free(&b);
    nt_pool_free(pool, NULL);
    return 0;
}
