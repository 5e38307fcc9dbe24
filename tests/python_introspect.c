/*
 * clpool_kernel_nparams / clpool_kernel_param, the introspection the Python
 * package matches its arguments with: kinds, names, type text, base types,
 * sizes and const-ness as the library's parser read them, and the refusals
 * (out of range, a kernel declared by a macro).
 */
#include "task.h"

static const char source[] =
    "__kernel void k(const float a, __global const float *x, __global float * const y,\n"
    "                __constant int *table, __global double *d, const __global uchar *bytes,\n"
    "                uint n)\n"
    "{ size_t i = get_global_id(0); y[i] = a * x[i] + (float)(table[0] + bytes[i] + n);\n"
    "  d[i] = 1.0; }\n"

    "#define MAKE(name) __kernel void name(__global int *o) { o[get_global_id(0)] = 1; }\n"
    "MAKE(hidden)\n";

static const char local_source[] =
    "__kernel void loc(__global float *o, __local float *tmp)\n"
    "{ tmp[get_local_id(0)] = 1.0f; o[get_global_id(0)] = tmp[get_local_id(0)]; }\n";

int main(void)
{
    /* PoCL where it is there (it builds every kernel here), else fork. */
    clpool_config cfg = test_config(CLPOOL_OPENCL);
    cfg.device = "cpu";
    clpool *pool = test_try_open(&cfg);
    if (pool == NULL)
        pool = test_open(CLPOOL_FORK, NULL);
    int st;
    clpool_program *prog;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    clpool_kernel *k;
    ASSERT_OK(pool, clpool_kernel_get(prog, "k", &k));
    ASSERT(strcmp(clpool_kernel_name(k), "k") == 0);
    ASSERT_EQ(clpool_kernel_nparams(k), 7);

    static const struct {
        clpool_param_kind kind;
        const char *name, *base;
        size_t size;
        int is_const;
    } want[] = {
        {CLPOOL_PARAM_SCALAR, "a", "float", 4, 1},
        {CLPOOL_PARAM_GLOBAL, "x", "float", 4, 1},
        {CLPOOL_PARAM_GLOBAL, "y", "float", 4, 0}, /* a const pointer to writable floats */
        {CLPOOL_PARAM_CONSTANT, "table", "int", 4, 1},
        {CLPOOL_PARAM_GLOBAL, "d", "double", 8, 0},
        {CLPOOL_PARAM_GLOBAL, "bytes", "uchar", 1, 1},
        {CLPOOL_PARAM_SCALAR, "n", "uint", 4, 0},
    };
    for (size_t i = 0; i < 7; i++) {
        clpool_param_info p;
        ASSERT_OK(pool, clpool_kernel_param(k, i, &p));
        if (p.kind != want[i].kind || strcmp(p.name, want[i].name) != 0 ||
            strcmp(p.base, want[i].base) != 0 || p.size != want[i].size ||
            p.is_const != want[i].is_const)
            FAIL_("parameter %zu: kind %d name '%s' base '%s' size %zu const %d (type '%s'); "
                  "want kind %d name '%s' base '%s' size %zu const %d",
                  i, (int)p.kind, p.name, p.base, p.size, p.is_const, p.type, (int)want[i].kind,
                  want[i].name, want[i].base, want[i].size, want[i].is_const);
    }
    clpool_param_info p;
    ASSERT_STATUS(pool, clpool_kernel_param(k, 7, &p), CLPOOL_EINVAL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "no parameter 7");
    ASSERT_STATUS(pool, clpool_kernel_param(NULL, 0, &p), CLPOOL_EINVAL);
    ASSERT_STATUS(pool, clpool_kernel_param(k, 0, NULL), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_kernel_nparams(NULL), CLPOOL_PARAMS_UNKNOWN);

    /* A __local parameter, where the backend builds such a kernel. */
    clpool_program *lprog;
    clpool_kernel *l;
    if (clpool_program_source(pool, local_source, NULL, &lprog) == CLPOOL_OK) {
        ASSERT_OK(pool, clpool_kernel_get(lprog, "loc", &l));
        ASSERT_EQ(clpool_kernel_nparams(l), 2);
        ASSERT_OK(pool, clpool_kernel_param(l, 1, &p));
        ASSERT_EQ(p.kind, CLPOOL_PARAM_LOCAL);
        ASSERT(strcmp(p.base, "float") == 0 && p.size == 4 && !p.is_const);
        clpool_program_free(lprog);
    } else {
        fprintf(stderr, "kernel 'loc' refused here: %s\n", clpool_errmsg(pool));
    }

    /* A kernel made by a macro: the parser did not see its parameters. (The
     * fork backend knows only the kernels the parser saw.) */
    clpool_kernel *h;
    st = clpool_kernel_get(prog, "hidden", &h);
    if (st == CLPOOL_OK) {
        ASSERT(clpool_kernel_nparams(h) == CLPOOL_PARAMS_UNKNOWN);
        ASSERT_STATUS(pool, clpool_kernel_param(h, 0, &p), CLPOOL_EINVAL);
        ASSERT_STR_CONTAINS(clpool_errmsg(pool), "macro");
    } else {
        ASSERT_EQ(st, CLPOOL_ENOKERNEL);
    }

    clpool_program_free(prog);
    clpool_close(pool);
    return 0;
}
