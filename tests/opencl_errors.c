/*
 * The failures a user meets on an OpenCL device, each with its status and a
 * message that says what to fix: build errors, unknown kernels, arguments
 * that do not match the kernel, missing files, a device filter that matches
 * nothing, NULL handles.
 */
#include "task.h"

#include <errno.h>

/* Where an out-parameter must be reset to NULL on failure, it starts here. */
static char poison[1];

static const char *BAD_SOURCE = "__kernel void broken(__global float *x)\n"
                                "{\n"
                                "    const size_t i = get_global_id(0);\n"
                                "    x[i] = undeclared_thing_42 * 2.0f;\n"
                                "}\n";

static void test_build_error(clpool *pool)
{
    clpool_program *prog = (void *)poison;
    ASSERT_STATUS(pool, clpool_program_source(pool, BAD_SOURCE, NULL, &prog), CLPOOL_EBUILD);
    ASSERT(prog == NULL);
    /* The compiler's log, naming the identifier and its line. */
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "undeclared_thing_42");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), ":4:");

    /* A build option that defines nothing useful still fails the same way,
     * and the failure is not cached: the next attempt builds (and fails)
     * again rather than loading anything. */
    ASSERT_STATUS(pool, clpool_program_source(pool, BAD_SOURCE, "-DUNUSED=1", &prog),
                  CLPOOL_EBUILD);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "undeclared_thing_42");

    /* A bad option is a build error too, not a crash. */
    ASSERT_STATUS(pool,
                  clpool_program_source(pool, "__kernel void ok(__global int *x) {}\n",
                                        "-no-such-option-zz", &prog),
                  CLPOOL_EBUILD);
    ASSERT(prog == NULL);
    ASSERT(strlen(clpool_errmsg(pool)) > 0);
}

static void test_unknown_kernel(clpool *pool)
{
    clpool_program *prog = NULL;
    const char *two = "__kernel void alpha_k(__global int *x) { x[get_global_id(0)] = 1; }\n"
                      "__kernel void beta_k(__global int *x) { x[get_global_id(0)] = 2; }\n";
    ASSERT_OK(pool, clpool_program_source(pool, two, NULL, &prog));
    clpool_kernel *k = (void *)poison;
    ASSERT_STATUS(pool, clpool_kernel_get(prog, "gamma_k", &k), CLPOOL_ENOKERNEL);
    ASSERT(k == NULL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "gamma_k");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "alpha_k");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "beta_k");
    /* The real ones still work after the failure, and asking twice gives the
     * same handle. */
    clpool_kernel *k1 = NULL, *k2 = NULL;
    ASSERT_OK(pool, clpool_kernel_get(prog, "beta_k", &k1));
    ASSERT_OK(pool, clpool_kernel_get(prog, "beta_k", &k2));
    ASSERT(k1 == k2);
    int out[5] = {0};
    ASSERT_OK(pool, CLPOOL_MAP(k1, 5, clpool_out(out, sizeof(int))));
    for (int i = 0; i < 5; i++)
        ASSERT_EQ(out[i], 2);
    clpool_program_free(prog);
}

static void test_arguments(clpool *pool)
{
    enum { N = 16 };
    clpool_program *prog = NULL;
    clpool_kernel *k = test_kernel(pool, "saxpy", &prog);
    clpool_buffer *bx = NULL, *by = NULL;
    ASSERT_OK(pool, clpool_buffer_new(pool, N * sizeof(float), &bx));
    ASSERT_OK(pool, clpool_buffer_new(pool, N * sizeof(float), &by));
    float y0[N], y[N];
    for (int i = 0; i < N; i++)
        y0[i] = (float)i;
    ASSERT_OK(pool, clpool_buffer_write(bx, 0, y0, sizeof y0));
    ASSERT_OK(pool, clpool_buffer_write(by, 0, y0, sizeof y0));

    /* Too few and too many. */
    ASSERT_STATUS(pool, CLPOOL_MAP(k, N, clpool_f32(1.0f), clpool_buf(bx)), CLPOOL_EARG);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "saxpy");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "3 arguments");
    ASSERT_STATUS(pool,
                  CLPOOL_MAP(k, N, clpool_f32(1.0f), clpool_buf(bx), clpool_buf(by),
                             clpool_i32(0)),
                  CLPOOL_EARG);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "3 arguments");
    ASSERT_STATUS(pool, clpool_map(k, N, NULL, 0), CLPOOL_EARG);

    /* A buffer where the scalar `a` goes: position 0, its name and type. */
    ASSERT_STATUS(pool, CLPOOL_MAP(k, N, clpool_buf(bx), clpool_buf(bx), clpool_buf(by)),
                  CLPOOL_EARG);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "saxpy");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "argument 0");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "(a)");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "const float");

    /* A scalar where the buffer `x` goes. */
    ASSERT_STATUS(pool, CLPOOL_MAP(k, N, clpool_f32(1.0f), clpool_f32(2.0f), clpool_buf(by)),
                  CLPOOL_EARG);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "saxpy");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "argument 1");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "(x)");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "__global const float *");

    /* An 8-byte scalar for the float, and a host array of doubles for the
     * float pointer `y`. */
    ASSERT_STATUS(pool, CLPOOL_MAP(k, N, clpool_f64(1.0), clpool_buf(bx), clpool_buf(by)),
                  CLPOOL_EARG);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "argument 0");
    double yd[N] = {0};
    ASSERT_STATUS(pool,
                  CLPOOL_MAP(k, N, clpool_f32(1.0f), clpool_buf(bx),
                             clpool_inout(yd, sizeof(double))),
                  CLPOOL_EARG);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "saxpy");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "argument 2");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "(y)");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "__global float *");
    for (int i = 0; i < N; i++)
        ASSERT(yd[i] == 0.0); /* nothing ran, nothing was copied back */

    /* None of the refused maps ran: y is as written. */
    ASSERT_OK(pool, clpool_buffer_read(by, 0, y, sizeof y));
    ASSERT(memcmp(y, y0, sizeof y) == 0);
    /* The same async: the error comes back from the wait. */
    clpool_event *ev = NULL;
    const clpool_arg wrong[] = {clpool_buf(bx), clpool_buf(bx), clpool_buf(by)};
    ASSERT_OK(pool, clpool_map_async(k, N, wrong, 3, &ev));
    ASSERT_STATUS(pool, clpool_wait(ev), CLPOOL_EARG);

    clpool_buffer_free(bx);
    clpool_buffer_free(by);
    clpool_program_free(prog);

    /* A 4-byte scalar for a double parameter. Devices without doubles cannot
     * build the kernel; a long parameter checks the same rule there. */
    const char *dsrc = "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n"
                       "__kernel void scale(__global double *x, const double factor)\n"
                       "{ x[get_global_id(0)] *= factor; }\n";
    const char *lsrc = "__kernel void scale(__global long *x, const long factor)\n"
                       "{ x[get_global_id(0)] *= factor; }\n";
    const char *type = "const double";
    int rc = clpool_program_source(pool, dsrc, NULL, &prog);
    if (rc == CLPOOL_EBUILD) {
        fprintf(stderr, "note: no doubles on this device; checking a long parameter\n");
        type = "const long";
        rc = clpool_program_source(pool, lsrc, NULL, &prog);
    }
    ASSERT_OK(pool, rc);
    ASSERT_OK(pool, clpool_kernel_get(prog, "scale", &k));
    double xd[4] = {1, 2, 3, 4};
    ASSERT_STATUS(pool, CLPOOL_MAP(k, 4, clpool_inout(xd, 8), clpool_f32(2.0f)), CLPOOL_EARG);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "scale");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "argument 1");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "(factor)");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), type);
    ASSERT(xd[0] == 1.0 && xd[3] == 4.0);
    /* The right size works. */
    if (strcmp(type, "const double") == 0) {
        ASSERT_OK(pool, CLPOOL_MAP(k, 4, clpool_inout(xd, 8), clpool_f64(2.0)));
        ASSERT(xd[0] == 2.0 && xd[3] == 8.0);
    }
    clpool_program_free(prog);
}

static void test_missing_file(clpool *pool)
{
    clpool_program *prog = (void *)poison;
    const char *path = "/nonexistent-dir-clpool/kernel-that-is-not-there.cl";
    ASSERT_STATUS(pool, clpool_program_file(pool, path, NULL, &prog), CLPOOL_EIO);
    ASSERT(prog == NULL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), path);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), strerror(ENOENT));
}

static void test_no_such_device(clpool *pool)
{
    /* The device this machine has, from the working pool's description:
     * "opencl: NAME (platform, ...)". */
    const char *desc = clpool_describe(pool);
    ASSERT_STR_CONTAINS(desc, "opencl: ");
    const char *name = strstr(desc, "opencl: ") + strlen("opencl: ");
    const char *end = strstr(name, " (");
    ASSERT(end != NULL && end > name);
    char device[256];
    snprintf(device, sizeof device, "%.*s", (int)(end - name), name);

    clpool_config cfg = test_config(CLPOOL_OPENCL);
    cfg.device = "no-such-device-xyz";
    clpool *other = (void *)poison;
    ASSERT_STATUS(NULL, clpool_open(&cfg, &other), CLPOOL_ENODEV);
    ASSERT(other == NULL);
    ASSERT_STR_CONTAINS(clpool_errmsg(NULL), "no-such-device-xyz");
    ASSERT_STR_CONTAINS(clpool_errmsg(NULL), device);
}

static void test_null_handles(clpool *pool)
{
    clpool_program *prog = NULL;
    clpool_kernel *k = NULL;
    clpool_buffer *buf = NULL;
    clpool_event *ev = NULL;
    char byte = 0;
    const clpool_arg one[] = {clpool_i32(1)};

    ASSERT_EQ(clpool_open(NULL, NULL), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_program_file(NULL, test_kernel_path("saxpy.cl"), NULL, &prog),
              CLPOOL_EINVAL);
    ASSERT_EQ(clpool_program_file(pool, test_kernel_path("saxpy.cl"), NULL, NULL),
              CLPOOL_EINVAL);
    ASSERT_EQ(clpool_program_file(pool, NULL, NULL, &prog), CLPOOL_EINVAL);
    ASSERT(prog == NULL);
    ASSERT_EQ(clpool_program_source(NULL, "", NULL, &prog), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_program_source(pool, NULL, NULL, &prog), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_kernel_get(NULL, "saxpy", &k), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_buffer_new(NULL, 16, &buf), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_buffer_new(pool, 16, NULL), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_buffer_write(NULL, 0, &byte, 1), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_buffer_read(NULL, 0, &byte, 1), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_map(NULL, 1, one, 1), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_map_async(NULL, 1, one, 1, NULL), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_wait(NULL), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_buffer_size(NULL), 0);
    /* Free functions take NULL. */
    clpool_program_free(NULL);
    clpool_buffer_free(NULL);
    clpool_close(NULL);
    ASSERT(clpool_describe(NULL) != NULL);
    (void)ev;

    ASSERT_OK(pool, clpool_program_file(pool, test_kernel_path("saxpy.cl"), NULL, &prog));
    ASSERT_EQ(clpool_kernel_get(prog, NULL, &k), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_kernel_get(prog, "saxpy", NULL), CLPOOL_EINVAL);
    ASSERT_OK(pool, clpool_kernel_get(prog, "saxpy", &k));
    /* NULL buffer and NULL host array inside an argument list. */
    float f[4] = {0};
    ASSERT_STATUS(pool, CLPOOL_MAP(k, 4, clpool_f32(1.0f), clpool_buf(NULL), clpool_inout(f, 4)),
                  CLPOOL_EINVAL);
    ASSERT_STATUS(pool, CLPOOL_MAP(k, 4, clpool_f32(1.0f), clpool_in(NULL, 4), clpool_inout(f, 4)),
                  CLPOOL_EINVAL);
    ASSERT_STATUS(pool, clpool_map(k, 4, NULL, 3), CLPOOL_EINVAL);
    clpool_program_free(prog);
}

int main(void)
{
    clpool *pool = test_open(CLPOOL_OPENCL, NULL);
    test_build_error(pool);
    test_unknown_kernel(pool);
    test_arguments(pool);
    test_missing_file(pool);
    test_no_such_device(pool);
    test_null_handles(pool);
    clpool_close(pool);
    return 0;
}
