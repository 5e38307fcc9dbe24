/*
 * Window wrappers (clc/window.h) never stop a program that builds without
 * them, never move the compiler's line numbers, and kernels without one
 * still map (whole, while their host arrays fit one buffer):
 *  - a kernel that #if 0 removes takes its wrapper with it, and the other
 *    kernels still run in chunks;
 *  - a program whose wrapper does not build (here: it defines the wrapper's
 *    name itself) builds without wrappers, and its maps run whole;
 *  - a kernel the signature parser cannot see (a macro declares it) has no
 *    wrapper and maps whole;
 *  - an error on a line after a wrapped kernel is reported at its own line.
 * OpenCL only: the fork backend has no windows yet.
 */
#include "task.h"

static const char *SRC =
    "#if 0\n"
    "__kernel void ghost(__global float *x) { x[get_global_id(0)] = 0.0f; }\n"
    "#endif\n"
    "__kernel void twice(__global const float *x, __global float *y)\n"
    "{ size_t i = get_global_id(0); y[i] = 2.0f * x[i]; } // trailing comment\n"
    "#define DECLARE(name) __kernel void name(__global const float *x, __global float *y)\n"
    "DECLARE(thrice) { size_t i = get_global_id(0); y[i] = 3.0f * x[i]; }\n";

static const char *CLASH_SRC =
    "void clpool_window_twice(void) {}\n"
    "__kernel void twice(__global const float *x, __global float *y)\n"
    "{ size_t i = get_global_id(0); y[i] = 2.0f * x[i]; }\n";

static const char *ERROR_SRC =
    "__kernel void twice(__global const float *x, __global float *y)\n"
    "{\n"
    "    size_t i = get_global_id(0); y[i] = 2.0f * x[i];\n"
    "}\n"
    "__kernel void broken(__global float *y) { y[0] = not_declared; }\n";

static void check(clpool *pool, clpool_program *prog, const char *name, float factor,
                  const float *x, float *y, size_t n)
{
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_kernel_get(prog, name, &k));
    memset(y, 0, n * 4);
    ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_in(x, 4), clpool_out(y, 4)));
    for (size_t i = 0; i < n; i++)
        if (y[i] != factor * x[i])
            FAIL_("%s item %zu: %g, want %g", name, i, y[i], factor * x[i]);
}

int main(void)
{
    ASSERT_EQ(setenv("CLPOOL_MAX_CHUNK_BYTES", "65536", 1), 0);
    clpool *pool = test_open(CLPOOL_OPENCL, NULL);
    const size_t n = 100003; /* 400 KB per array: over the 64 KiB chunk limit */
    float *x = malloc(n * 4), *y = malloc(n * 4);
    ASSERT(x != NULL && y != NULL);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(i % 1000);

    clpool_program *prog = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, SRC, NULL, &prog));
    check(pool, prog, "twice", 2.0f, x, y, n);
    check(pool, prog, "thrice", 3.0f, x, y, n);
    clpool_program_free(prog);

    ASSERT_OK(pool, clpool_program_source(pool, CLASH_SRC, NULL, &prog));
    check(pool, prog, "twice", 2.0f, x, y, n);
    clpool_program_free(prog);

    ASSERT_STATUS(pool, clpool_program_source(pool, ERROR_SRC, NULL, &prog), CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), ":5:");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "not_declared");

    free(x), free(y);
    clpool_close(pool);
    return 0;
}
