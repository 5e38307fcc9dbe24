/*
 * N-D ranges on every backend: each work-item function's value for every
 * item of 1-, 2- and 3-D ranges with and without offsets and local sizes,
 * reqd_work_group_size applied when the local size is all zero (in
 * clpool_map and clpool_map_async too), whole arrays, and every bad range refused with a status
 * and a message naming what is wrong, before anything runs.
 * ctest parts: fork opencl
 */
#include "task.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FIELDS 24

static const char *const SRC =
    "__kernel void probe(__global uint *out)\n"
    "{\n"
    "    size_t x = get_global_id(0) - get_global_offset(0);\n"
    "    size_t y = get_global_id(1) - get_global_offset(1);\n"
    "    size_t z = get_global_id(2) - get_global_offset(2);\n"
    "    size_t lin = (z * get_global_size(1) + y) * get_global_size(0) + x;\n"
    "    __global uint *o = out + lin * 24;\n"
    "    o[0] = get_work_dim();\n"
    "    for (uint d = 0; d < 3; d++) {\n"
    "        o[1 + d] = (uint)get_global_id(d);\n"
    "        o[4 + d] = (uint)get_global_size(d);\n"
    "        o[7 + d] = (uint)get_global_offset(d);\n"
    "        o[10 + d] = (uint)get_local_id(d);\n"
    "        o[13 + d] = (uint)get_group_id(d);\n"
    "        o[16 + d] = (uint)get_num_groups(d);\n"
    "        o[19 + d] = (uint)get_local_size(d);\n"
    "    }\n"
    "    o[22] = (uint)get_global_linear_id();\n"
    "    o[23] = (uint)get_local_linear_id();\n"
    "}\n"
    "__kernel __attribute__((reqd_work_group_size(64, 1, 1)))\n"
    "void fixed(__global uint *lsize)\n"
    "{\n"
    "    lsize[get_global_id(0)] = (uint)get_local_size(0) + 1000u * (uint)get_group_id(0);\n"
    "}\n"
    "__kernel void count(__global uint *counter, __global const float *x, __global float *y)\n"
    "{\n"
    "    size_t i = get_global_id(0);\n"
    "    atomic_inc(counter);\n"
    "    y[i] = x[i] * 2.0f;\n"
    "}\n"
    "__kernel void twice(__global const float *x, __global float *y)\n"
    "{\n"
    "    size_t i = get_global_id(0);\n"
    "    y[i] = 2.0f * x[i];\n"
    "}\n"
    "__kernel void where(__global uint *out, uint w)\n"
    "{\n"
    "    size_t x = get_global_id(0), y = get_global_id(1);\n"
    "    out[y * w + x] = (uint)(x + 1000 * y);\n"
    "}\n"
    "__kernel void stencil(__global const float *x, __global float *y, uint n)\n"
    "{\n"
    "    size_t i = get_global_id(0);\n"
    "    float l = i > 0 ? x[i - 1] : 0.0f, r = i + 1 < n ? x[i + 1] : 0.0f;\n"
    "    y[i] = l + x[i] + r;\n"
    "}\n";

/* The expected fields of the item at (x, y, z) (relative to the offset). */
static void expect(const clpool_range *r, const size_t *local, size_t x, size_t y, size_t z,
                   unsigned *o)
{
    size_t rel[3] = {x, y, z}, g[3] = {1, 1, 1}, off[3] = {0, 0, 0}, l[3] = {1, 1, 1};
    for (unsigned d = 0; d < r->dims; d++) {
        g[d] = r->global[d];
        off[d] = r->offset[d];
        l[d] = local[d];
    }
    o[0] = r->dims;
    for (unsigned d = 0; d < 3; d++) {
        o[1 + d] = (unsigned)(off[d] + rel[d]);
        o[4 + d] = (unsigned)g[d];
        o[7 + d] = (unsigned)off[d];
        o[10 + d] = (unsigned)(rel[d] % l[d]);
        o[13 + d] = (unsigned)(rel[d] / l[d]);
        o[16 + d] = (unsigned)(g[d] / l[d]);
        o[19 + d] = (unsigned)l[d];
    }
    o[22] = (unsigned)((z * g[1] + y) * g[0] + x);
    o[23] = (unsigned)(((rel[2] % l[2]) * l[1] + rel[1] % l[1]) * l[0] + rel[0] % l[0]);
}

static void check_probe(clpool *pool, clpool_kernel *probe, clpool_range r)
{
    size_t items = 1;
    for (unsigned d = 0; d < r.dims; d++)
        items *= r.global[d];
    unsigned *out = calloc(items * FIELDS, sizeof *out), want[FIELDS];
    ASSERT(out != NULL);
    clpool_arg a = clpool_array_out(out, items * FIELDS * sizeof *out);
    ASSERT_OK(pool, clpool_map_range(probe, &r, &a, 1));
    size_t gz = r.dims > 2 ? r.global[2] : 1, gy = r.dims > 1 ? r.global[1] : 1;
    for (size_t z = 0; z < gz; z++)
        for (size_t y = 0; y < gy; y++)
            for (size_t x = 0; x < r.global[0]; x++) {
                size_t lin = (z * gy + y) * r.global[0] + x;
                expect(&r, r.local, x, y, z, want);
                for (int f = 0; f < FIELDS; f++)
                    if (out[lin * FIELDS + f] != want[f])
                        FAIL_("%u-D range, item (%zu, %zu, %zu): field %d is %u, want %u",
                              r.dims, x, y, z, f, out[lin * FIELDS + f], want[f]);
            }
    free(out);
}

/* With the local size left to clpool: every item agrees with itself. */
static void check_picked(clpool *pool, clpool_kernel *probe)
{
    enum { N = 5000 };
    unsigned *out = calloc((size_t)N * FIELDS, sizeof *out);
    ASSERT(out != NULL);
    clpool_range r = {1, {N}, {0}, {7}};
    clpool_arg a = clpool_array_out(out, (size_t)N * FIELDS * sizeof *out);
    ASSERT_OK(pool, clpool_map_range(probe, &r, &a, 1));
    for (size_t i = 0; i < N; i++) {
        const unsigned *o = out + i * FIELDS;
        ASSERT_EQ(o[1], 7 + i);
        ASSERT_EQ(o[22], i);
        ASSERT_LT(o[10], o[19]);
        ASSERT_EQ(o[13] * (size_t)(out[19]) + o[10], i); /* group * first group's size + lid */
    }
    free(out);
}

static void expect_bad(clpool *pool, clpool_kernel *k, clpool_range r, int status,
                       const char *words)
{
    unsigned word = 0;
    clpool_arg a = clpool_array_out(&word, sizeof word);
    ASSERT_STATUS(pool, clpool_map_range(k, &r, &a, 1), status);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), words);
    ASSERT_EQ(word, 0u); /* nothing ran */
}

/* Host arrays in ranges with offsets hold the range's items from element 0,
 * while the kernel indexes them by absolute ids; in pool memory too. */
static void run_offsets(clpool *pool, clpool_kernel *twice, clpool_kernel *where)
{
    enum { N = 3000, W = 40, H = 30 };
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *hx, *hy;
    unsigned *out = malloc(W * H * sizeof *out);
    ASSERT(x != NULL && y != NULL && out != NULL);
    ASSERT_OK(pool, clpool_host_alloc(pool, N * sizeof *hx, (void **)&hx));
    ASSERT_OK(pool, clpool_host_alloc(pool, N * sizeof *hy, (void **)&hy));
    for (int i = 0; i < N; i++)
        hx[i] = x[i] = (float)(i * 3 % 101);
    for (int mem = 0; mem < 2; mem++) {
        float *in = mem ? hx : x, *res = mem ? hy : y;
        for (int chunked = 0; chunked < 2; chunked++) {
            if (chunked)
                setenv("CLPOOL_MAX_CHUNK_BYTES", "1024", 1);
            memset(res, 0, N * sizeof *res);
            clpool_range r = {1, {N}, {0}, {12345}};
            clpool_arg a[] = {clpool_in(in, sizeof *in), clpool_out(res, sizeof *res)};
            ASSERT_OK(pool, clpool_map_range(twice, &r, a, 2));
            for (int i = 0; i < N; i++)
                ASSERT_EQ(res[i], 2.0f * in[i]);
            memset(out, 0, W * H * sizeof *out);
            clpool_range r2 = {2, {W, H}, {0}, {3, 5}};
            clpool_arg b[] = {clpool_out(out, sizeof *out), clpool_u32(W)};
            ASSERT_OK(pool, clpool_map_range(where, &r2, b, 2));
            for (unsigned ry = 0; ry < H; ry++)
                for (unsigned rx = 0; rx < W; rx++)
                    ASSERT_EQ(out[ry * W + rx], (3 + rx) + 1000 * (5 + ry));
            unsetenv("CLPOOL_MAX_CHUNK_BYTES");
        }
    }
    /* Pool memory freed while an async map that uses it is queued: the free
     * waits for the map. */
    clpool_event *ev;
    memset(hy, 0, N * sizeof *hy);
    ASSERT_OK(pool, clpool_map_async(twice, N, (clpool_arg[]){clpool_in(hx, sizeof *hx),
                                                              clpool_out(y, sizeof *y)},
                                     2, &ev));
    clpool_host_free(pool, hx);
    ASSERT_OK(pool, clpool_wait(ev));
    for (int i = 0; i < N; i++)
        ASSERT_EQ(y[i], 2.0f * x[i]);
    clpool_host_free(pool, hy);
    clpool_host_free(pool, NULL);
    void *p = NULL;
    ASSERT_STATUS(pool, clpool_host_alloc(pool, 0, &p), CLPOOL_EINVAL);
    ASSERT(p == NULL);
    free(x);
    free(y);
    free(out);
}

static void run_backend(clpool *pool)
{
    clpool_program *prog;
    clpool_kernel *probe, *fixed, *count, *stencil;
    ASSERT_OK(pool, clpool_program_source(pool, SRC, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "probe", &probe));
    ASSERT_OK(pool, clpool_kernel_get(prog, "fixed", &fixed));
    ASSERT_OK(pool, clpool_kernel_get(prog, "count", &count));
    ASSERT_OK(pool, clpool_kernel_get(prog, "stencil", &stencil));
    clpool_kernel *twice, *where;
    ASSERT_OK(pool, clpool_kernel_get(prog, "twice", &twice));
    ASSERT_OK(pool, clpool_kernel_get(prog, "where", &where));
    run_offsets(pool, twice, where);

    check_probe(pool, probe, (clpool_range){2, {48, 32}, {16, 16}, {0, 0}});
    check_probe(pool, probe, (clpool_range){3, {8, 6, 4}, {4, 3, 2}, {1, 2, 3}});
    check_probe(pool, probe, (clpool_range){2, {30, 10}, {5, 2}, {100, 7}});
    check_probe(pool, probe, (clpool_range){1, {1024}, {64}, {0}});
    check_picked(pool, probe);

    /* reqd_work_group_size(64) when the local size is left to clpool. */
    enum { NF = 1024 };
    unsigned ls[NF];
    ASSERT_OK(pool, CLPOOL_MAP(fixed, NF, clpool_out(ls, sizeof *ls)));
    for (unsigned i = 0; i < NF; i++)
        ASSERT_EQ(ls[i], 64u + 1000u * (i / 64));
    /* The same through clpool_map_async, which once ran groups of the
     * backend's own size for it, and let a range of 1000 items through. */
    memset(ls, 0, sizeof ls);
    clpool_arg out = clpool_out(ls, sizeof *ls);
    clpool_event *ev;
    ASSERT_OK(pool, clpool_map_async(fixed, NF, &out, 1, &ev));
    ASSERT_OK(pool, clpool_wait(ev));
    for (unsigned i = 0; i < NF; i++)
        ASSERT_EQ(ls[i], 64u + 1000u * (i / 64));
    ASSERT_OK(pool, clpool_map_async(fixed, 1000, &out, 1, &ev));
    ASSERT_STATUS(pool, clpool_wait(ev), CLPOOL_EINVAL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "does not divide the global size 1000");

    /* A counter in a whole array, and a stencil over whole inputs, both
     * chunked (a small limit) and not. */
    enum { NC = 1 << 16 };
    float *x = malloc(NC * sizeof *x), *y = malloc(NC * sizeof *y);
    ASSERT(x != NULL && y != NULL);
    for (int i = 0; i < NC; i++)
        x[i] = (float)(i % 97);
    for (int chunked = 0; chunked < 2; chunked++) {
        if (chunked)
            setenv("CLPOOL_MAX_CHUNK_BYTES", "8192", 1);
        uint32_t counter = 0;
        ASSERT_OK(pool, CLPOOL_MAP(count, NC, clpool_array_inout(&counter, sizeof counter),
                                   clpool_in(x, sizeof *x), clpool_out(y, sizeof *y)));
        ASSERT_EQ(counter, (uint32_t)NC);
        for (int i = 0; i < NC; i++)
            ASSERT_EQ(y[i], 2.0f * x[i]);
        ASSERT_OK(pool, CLPOOL_MAP(stencil, NC, clpool_array_in(x, NC * sizeof *x),
                                   clpool_out(y, sizeof *y), clpool_u32(NC)));
        for (int i = 0; i < NC; i++) {
            float want = (i > 0 ? x[i - 1] : 0) + x[i] + (i + 1 < NC ? x[i + 1] : 0);
            ASSERT_EQ(y[i], want);
        }
        unsetenv("CLPOOL_MAX_CHUNK_BYTES");
    }
    free(x);
    free(y);

    /* Bad ranges: a status, the dimension and value named, nothing run. */
    expect_bad(pool, probe, (clpool_range){0, {4}, {0}, {0}}, CLPOOL_EINVAL, "dims 0");
    expect_bad(pool, probe, (clpool_range){4, {4}, {0}, {0}}, CLPOOL_EINVAL, "dims 4");
    expect_bad(pool, probe, (clpool_range){2, {48, 30}, {16, 16}, {0}}, CLPOOL_EINVAL,
               "local size 16 does not divide the global size 30 in dimension 1");
    expect_bad(pool, probe, (clpool_range){2, {48, 32}, {16, 0}, {0}}, CLPOOL_EINVAL,
               "local[1] is 0");
    expect_bad(pool, probe, (clpool_range){1, {1 << 20}, {1 << 20}, {0}}, CLPOOL_EINVAL,
               "limit");
    expect_bad(pool, probe, (clpool_range){2, {SIZE_MAX / 2, 4}, {0}, {0}}, CLPOOL_EOVERFLOW,
               "multiply past size_t");
    expect_bad(pool, probe, (clpool_range){1, {16}, {0}, {SIZE_MAX - 4}}, CLPOOL_EOVERFLOW,
               "offset[0]");
    expect_bad(pool, fixed, (clpool_range){1, {1024}, {32}, {0}}, CLPOOL_EINVAL,
               "reqd_work_group_size(64, 1, 1)");
    expect_bad(pool, fixed, (clpool_range){1, {1000}, {0}, {0}}, CLPOOL_EINVAL,
               "does not divide the global size 1000");
    /* A zero-size range succeeds without running anything. */
    unsigned word = 5;
    clpool_arg a = clpool_array_out(&word, sizeof word);
    ASSERT_OK(pool, clpool_map_range(probe, &(clpool_range){2, {0, 4}, {0}, {0}}, &a, 1));
    ASSERT_EQ(word, 5u);

    /* Whole arrays: sizes and kinds checked against the parameter. */
    unsigned small[3];
    ASSERT_STATUS(pool, CLPOOL_MAP(probe, 1, clpool_array_out(small, 0)), CLPOOL_EINVAL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "0 bytes");
    ASSERT_STATUS(pool, CLPOOL_MAP(probe, 1, clpool_array_out(small, 5)), CLPOOL_EARG);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "not a whole number of `uint`");
    ASSERT_STATUS(pool, CLPOOL_MAP(probe, 1, clpool_array_out(small, SIZE_MAX - 3)),
                  CLPOOL_EOVERFLOW);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "largest allocation");
    ASSERT_STATUS(pool, CLPOOL_MAP(probe, 1, clpool_local(16)), CLPOOL_EARG);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "__local memory (clpool_local) was given");
    ASSERT_STATUS(pool, CLPOOL_MAP(stencil, 4, clpool_array_in(small, 12),
                                   clpool_out(small, sizeof *small), clpool_local(4)),
                  CLPOOL_EARG);
    clpool_program_free(prog);
}

/* __local parameters: what the OpenCL backend runs, and the checks. */
static void run_local(clpool *pool)
{
    static const char *const LSRC =
        "__kernel void sums(__global const float *x, __global float *out, __local float *t)\n"
        "{\n"
        "    size_t l = get_local_id(0), n = get_local_size(0);\n"
        "    t[l] = x[get_global_id(0)];\n"
        "    barrier(CLK_LOCAL_MEM_FENCE);\n"
        "    for (size_t s = n / 2; s > 0; s /= 2) {\n"
        "        if (l < s) t[l] += t[l + s];\n"
        "        barrier(CLK_LOCAL_MEM_FENCE);\n"
        "    }\n"
        "    if (l == 0) out[get_group_id(0)] = t[0];\n"
        "}\n";
    clpool_program *prog = NULL;
    clpool_kernel *k;
    int rc = clpool_program_source(pool, LSRC, NULL, &prog);
    if (rc == CLPOOL_OK)
        rc = clpool_kernel_get(prog, "sums", &k);
    if (rc != CLPOOL_OK) {
        /* The fork backend refuses work-groups until it runs them. */
        ASSERT_EQ(rc, CLPOOL_EBUILD);
        ASSERT_STR_CONTAINS(clpool_errmsg(pool), "sums");
        clpool_program_free(prog);
        return;
    }
    enum { N = 4096, L = 128 };
    float x[N], out[N / L];
    for (int i = 0; i < N; i++)
        x[i] = (float)(i % 13);
    clpool_range r = {1, {N}, {L}, {0}};
    clpool_arg args[] = {clpool_in(x, sizeof *x), clpool_array_out(out, sizeof out),
                         clpool_local(L * sizeof(float))};
    for (int chunked = 0; chunked < 2; chunked++) {
        /* Chunked, the kernel asks for its group: OpenCL maps it whole. */
        if (chunked)
            setenv("CLPOOL_MAX_CHUNK_BYTES", "2048", 1);
        memset(out, 0, sizeof out);
        ASSERT_OK(pool, clpool_map_range(k, &r, args, 3));
        for (int g = 0; g < N / L; g++) {
            float want = 0;
            for (int i = 0; i < L; i++)
                want += x[g * L + i];
            ASSERT_EQ(out[g], want);
        }
        unsetenv("CLPOOL_MAX_CHUNK_BYTES");
    }
    args[2] = clpool_local(0);
    ASSERT_STATUS(pool, clpool_map_range(k, &r, args, 3), CLPOOL_EINVAL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "clpool_local(0)");
    args[2] = clpool_local((size_t)1 << 40);
    ASSERT_STATUS(pool, clpool_map_range(k, &r, args, 3), CLPOOL_EINVAL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "bytes of __local memory");
    args[2] = clpool_f32(1.0f);
    ASSERT_STATUS(pool, clpool_map_range(k, &r, args, 3), CLPOOL_EARG);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "pass clpool_local");
    clpool_program_free(prog);
}

int main(void)
{
    int ran = 0;
    clpool_config cfg = test_config(CLPOOL_FORK);
    clpool *pool = test_try_open(&cfg);
    if (pool != NULL) {
        run_backend(pool);
        run_local(pool);
        clpool_close(pool);
        ran++;
    }
    cfg = test_config(CLPOOL_OPENCL);
    pool = test_try_open(&cfg);
    if (pool != NULL) {
        run_backend(pool);
        run_local(pool);
        clpool_close(pool);
        ran++;
    } else if (test_part("opencl")) {
        fprintf(stderr, "opencl: no device, that part skipped\n");
    }
    return ran > 0 ? 0 : TEST_SKIP;
}
