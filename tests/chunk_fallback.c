/*
 * Kernels that cannot run in windows still map. A program with a kernel
 * that the preprocessor removes (the signature parser sees it, so its
 * window wrapper does not build) builds without wrappers, and its maps run
 * whole: correct while the host arrays fit one buffer. A kernel whose
 * parameters the parser cannot read (a macro declares it) likewise.
 * OpenCL only: the fork backend has no windows yet to decline.
 */
#include "task.h"

static const char *SRC =
    "#if 0\n"
    "__kernel void ghost(__global float *x) { x[get_global_id(0)] = 0.0f; }\n"
    "#endif\n"
    "__kernel void twice(__global const float *x, __global float *y)\n"
    "{ size_t i = get_global_id(0); y[i] = 2.0f * x[i]; }\n"
    "#define DECLARE(name) __kernel void name(__global const float *x, __global float *y)\n"
    "DECLARE(thrice) { size_t i = get_global_id(0); y[i] = 3.0f * x[i]; }\n";

int main(void)
{
    ASSERT_EQ(setenv("CLPOOL_MAX_CHUNK_BYTES", "65536", 1), 0);
    clpool *pool = test_open(CLPOOL_OPENCL, NULL);
    clpool_program *prog = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, SRC, NULL, &prog));
    const size_t n = 100003; /* 400 KB per array: over the 64 KiB chunk limit */
    float *x = malloc(n * 4), *y = malloc(n * 4);
    ASSERT(x != NULL && y != NULL);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(i % 1000);
    const char *names[] = {"twice", "thrice"};
    for (int j = 0; j < 2; j++) {
        clpool_kernel *k = NULL;
        ASSERT_OK(pool, clpool_kernel_get(prog, names[j], &k));
        memset(y, 0, n * 4);
        ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_in(x, 4), clpool_out(y, 4)));
        for (size_t i = 0; i < n; i++)
            if (y[i] != (float)(j + 2) * x[i])
                FAIL_("%s item %zu: %g", names[j], i, y[i]);
    }
    free(x), free(y);
    clpool_program_free(prog);
    clpool_close(pool);
    return 0;
}
