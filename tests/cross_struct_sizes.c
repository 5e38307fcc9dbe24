/*
 * Struct arguments are checked against the sizes the compiler gives them
 * (issue 12, item 3): a by-value struct given the wrong number of bytes,
 * and a pointer to structs given host elements of the wrong size, are
 * CLPOOL_EARG naming the kernel, the parameter and both sizes, on every
 * backend; the right sizes run.
 */
#include "task.h"

#include <string.h>

static const char *const SRC =
    "typedef struct { float scale; int w; } params;\n"
    "struct pair { double a; int b; };\n"
    "__kernel void apply(params p, __global const params *q, __global float *y)\n"
    "{\n"
    "    size_t i = get_global_id(0);\n"
    "    y[i] = p.scale * (float)(p.w + q[i].w) * q[i].scale;\n"
    "}\n"
    "__kernel void pairs(__global struct pair *v, struct pair s)\n"
    "{\n"
    "    size_t i = get_global_id(0);\n"
    "    v[i].a += s.a;\n"
    "    v[i].b += s.b;\n"
    "}\n";

typedef struct {
    float scale;
    int w;
} params;

struct pair {
    double a;
    int b;
};

static void run(clpool *pool)
{
    clpool_program *prog;
    clpool_kernel *apply, *pairs;
    ASSERT_OK(pool, clpool_program_source(pool, SRC, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "apply", &apply));
    ASSERT_OK(pool, clpool_kernel_get(prog, "pairs", &pairs));
    enum { N = 64 };
    params p = {2.0f, 3}, q[N];
    float y[N];
    for (int i = 0; i < N; i++)
        q[i] = (params){0.5f, i};
    ASSERT_OK(pool, CLPOOL_MAP(apply, N, clpool_scalar(&p, sizeof p), clpool_in(q, sizeof *q),
                               clpool_out(y, sizeof *y)));
    for (int i = 0; i < N; i++)
        ASSERT_EQ(y[i], 2.0f * (float)(3 + i) * 0.5f);
    ASSERT_STATUS(pool, CLPOOL_MAP(apply, N, clpool_scalar(&p, 4), clpool_in(q, sizeof *q),
                                   clpool_out(y, sizeof *y)),
                  CLPOOL_EARG);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "kernel 'apply' argument 0 (p) is `params` (8 bytes) "
                                             "but a 4-byte scalar was given");
    ASSERT_STATUS(pool, CLPOOL_MAP(apply, N, clpool_scalar(&p, 16), clpool_in(q, sizeof *q),
                                   clpool_out(y, sizeof *y)),
                  CLPOOL_EARG);
    ASSERT_STATUS(pool, CLPOOL_MAP(apply, N, clpool_scalar(&p, sizeof p), clpool_in(q, 4),
                                   clpool_out(y, sizeof *y)),
                  CLPOOL_EARG);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "argument 1 (q)");
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "elements are 4 bytes, and `params` is 8");

    struct pair v[N], s = {1.5, 2};
    memset(v, 0, sizeof v);
    ASSERT_OK(pool, CLPOOL_MAP(pairs, N, clpool_inout(v, sizeof *v), clpool_scalar(&s, sizeof s)));
    for (int i = 0; i < N; i++) {
        ASSERT_EQ(v[i].a, 1.5);
        ASSERT_EQ(v[i].b, 2);
    }
    ASSERT_STATUS(pool, CLPOOL_MAP(pairs, N, clpool_inout(v, 12), clpool_scalar(&s, sizeof s)),
                  CLPOOL_EARG);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "`struct pair` is 16");
    clpool_program_free(prog);
}

int main(void)
{
    int ran = 0;
    clpool_config cfg = test_config(CLPOOL_FORK);
    clpool *pool = test_try_open(&cfg);
    if (pool != NULL) {
        run(pool);
        clpool_close(pool);
        ran++;
    }
    cfg = test_config(CLPOOL_OPENCL);
    pool = test_try_open(&cfg);
    if (pool != NULL) {
        run(pool);
        clpool_close(pool);
        ran++;
    }
    return ran > 0 ? 0 : TEST_SKIP;
}
