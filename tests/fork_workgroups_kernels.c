/*
 * Work-groups on the fork backend: __local memory and barriers, against C
 * references. Tiled matrix multiply (a barrier in a loop), a barrier in an
 * if that is uniform across the group, two barriers in a row, a barrier in
 * a helper function, __local arrays in the body and as parameters, private
 * values kept across barriers, 1-D, 2-D and 3-D groups, local size 0 (the
 * backend picks) and reqd_work_group_size; each with host arrays chunked (a
 * small CLPOOL_MAX_CHUNK_BYTES) and not, built with gcc and with clang.
 * The kernels run twice: alone, where the fork backend turns them into
 * work-item loops, and with a helper that has a barrier, where every
 * kernel of the program runs its items as fibers.
 */
#include "task.h"

static const char *const SRC =
    "#define TS 16\n"
    "__kernel void matmul(__global const float *a, __global const float *b,\n"
    "                     __global float *c, int n)\n"
    "{\n"
    "    __local float as[TS][TS];\n"
    "    __local float bs[TS][TS];\n"
    "    int tx = get_local_id(0), ty = get_local_id(1);\n"
    "    int col = get_global_id(0), row = get_global_id(1);\n"
    "    float acc = 0.0f;\n"
    "    for (int t = 0; t < n / TS; t++) {\n"
    "        as[ty][tx] = a[row * n + t * TS + tx];\n"
    "        bs[ty][tx] = b[(t * TS + ty) * n + col];\n"
    "        barrier(CLK_LOCAL_MEM_FENCE);\n"
    "        for (int k = 0; k < TS; k++)\n"
    "            acc += as[ty][k] * bs[k][tx];\n"
    "        barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    }\n"
    "    c[row * n + col] = acc;\n"
    "}\n"
    "/* Reverses each group's items; odd groups also add their group id. */\n"
    "__kernel void uniform_if(__global const float *x, __global float *y)\n"
    "{\n"
    "    __local float t[256];\n"
    "    size_t l = get_local_id(0), n = get_local_size(0);\n"
    "    float mine = x[get_global_id(0)] * 2.0f;\n"
    "    if (get_group_id(0) % 2 == 1) {\n"
    "        t[l] = mine;\n"
    "        barrier(CLK_LOCAL_MEM_FENCE);\n"
    "        y[get_global_id(0)] = t[n - 1 - l] + (float)get_group_id(0) + mine;\n"
    "    } else {\n"
    "        t[l] = mine;\n"
    "        work_group_barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);\n"
    "        y[get_global_id(0)] = t[n - 1 - l] + mine;\n"
    "    }\n"
    "}\n"
    "/* Two barriers in a row, then a rotation through a __local parameter. */\n"
    "__kernel void two_barriers(__global const int *x, __global int *y, __local int *t)\n"
    "{\n"
    "    size_t l = get_local_id(0), n = get_local_size(0);\n"
    "    int v = x[get_global_id(0)];\n"
    "    t[l] = v;\n"
    "    barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    barrier(CLK_GLOBAL_MEM_FENCE);\n"
    "    int w = t[(l + 1) % n];\n"
    "    barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    t[l] = w + v;\n"
    "    mem_fence(CLK_LOCAL_MEM_FENCE);\n"
    "    read_mem_fence(CLK_LOCAL_MEM_FENCE);\n"
    "    write_mem_fence(CLK_LOCAL_MEM_FENCE);\n"
    "    barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    y[get_global_id(0)] = t[(l + n - 1) % n];\n"
    "}\n"
    "/* A tree reduction: a __local array in the body and one as a parameter;\n"
    " * barriers in a loop whose trip count is the group's. */\n"
    "__kernel void reduce(__global const float *x, __global float *sums,\n"
    "                     __local float *scratch)\n"
    "{\n"
    "    __local float part[1024];\n"
    "    size_t l = get_local_id(0), n = get_local_size(0);\n"
    "    scratch[l] = x[get_global_id(0)];\n"
    "    barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    for (size_t s = n / 2; s > 0; s /= 2) {\n"
    "        if (l < s)\n"
    "            scratch[l] += scratch[l + s];\n"
    "        barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    }\n"
    "    part[l] = scratch[0] + (float)l;\n"
    "    barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    sums[get_global_id(0)] = part[n - 1 - l];\n"
    "}\n"
    "/* 3-D groups: every item reads the item opposite it in its group. */\n"
    "__kernel __attribute__((reqd_work_group_size(4, 2, 2)))\n"
    "void cube(__global const int *x, __global int *y)\n"
    "{\n"
    "    __local int t[16];\n"
    "    size_t ll = get_local_linear_id();\n"
    "    size_t gl = get_global_id(0) + get_global_size(0) * (get_global_id(1) +\n"
    "                get_global_size(1) * get_global_id(2));\n"
    "    int mine = x[gl];\n"
    "    t[ll] = mine;\n"
    "    barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    y[gl] = t[15 - ll] * 100 + mine + (int)get_group_id(2);\n"
    "}\n"
    "/* Shapes the work-item loops leave to the fibers: a parameter the body\n"
    " * changes, a do-while with barriers, a break out of a barrier loop. */\n"
    "__kernel void shapes(__global int *y, __local int *t)\n"
    "{\n"
    "    y += get_group_id(0) * get_local_size(0);\n"
    "    size_t l = get_local_id(0), n = get_local_size(0);\n"
    "    int v = (int)l, round = 0;\n"
    "    do {\n"
    "        t[l] = v;\n"
    "        barrier(CLK_LOCAL_MEM_FENCE);\n"
    "        v = t[(l + 1) % n];\n"
    "        barrier(CLK_LOCAL_MEM_FENCE);\n"
    "        round++;\n"
    "    } while (round < 3);\n"
    "    for (;;) {\n"
    "        t[l] = v;\n"
    "        barrier(CLK_LOCAL_MEM_FENCE);\n"
    "        v += t[n - 1 - l];\n"
    "        barrier(CLK_LOCAL_MEM_FENCE);\n"
    "        if (round++ == 4)\n"
    "            break;\n"
    "    }\n"
    "    y[l] = v;\n"
    "}\n"
    "/* No barrier, a __local array: runs as a plain loop. */\n"
    "__kernel void nobarrier(__global const float *x, __global float *y)\n"
    "{\n"
    "    __local float t[1024];\n"
    "    __local float *p = t;\n"
    "    size_t l = get_local_id(0);\n"
    "    p[l] = x[get_global_id(0)] + 1.0f;\n"
    "    y[get_global_id(0)] = ((__local float *)p)[l] * 2.0f;\n"
    "}\n";

/* A barrier in a helper function: the fork backend runs every kernel of
 * such a program as fibers, the ones above included. */
static const char *const HELPER =
    "/* A barrier in a helper, which asks for the local id itself. */\n"
    "static float neighbour(__local float *t, float v)\n"
    "{\n"
    "    size_t l = get_local_id(0);\n"
    "    t[l] = v;\n"
    "    barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    float r = t[l ^ 1];\n"
    "    barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    return r;\n"
    "}\n"
    "__kernel void helper(__global const float *x, __global float *y, __local float *t)\n"
    "{\n"
    "    float v = x[get_global_id(0)];\n"
    "    float a = neighbour(t, v);\n"
    "    float b = neighbour(t, a * 3.0f);\n"
    "    y[get_global_id(0)] = a + b + v;\n"
    "}\n";

static uint32_t next_random(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static clpool_kernel *get(clpool *pool, clpool_program *prog, const char *name)
{
    clpool_kernel *k;
    ASSERT_OK(pool, clpool_kernel_get(prog, name, &k));
    return k;
}

static void test_matmul(clpool *pool, clpool_program *prog)
{
    enum { N = 96 };
    float *a = malloc(N * N * sizeof *a), *b = malloc(N * N * sizeof *b);
    float *c = malloc(N * N * sizeof *c);
    ASSERT(a && b && c);
    uint32_t seed = 7;
    for (int i = 0; i < N * N; i++) {
        a[i] = (float)(next_random(&seed) % 17) - 8.0f;
        b[i] = (float)(next_random(&seed) % 13) - 6.0f;
    }
    clpool_range r = {2, {N, N}, {16, 16}, {0}};
    clpool_arg args[] = {clpool_array_in(a, N * N * sizeof *a), clpool_array_in(b, N * N * sizeof *b),
                         clpool_out(c, sizeof *c), clpool_i32(N)};
    ASSERT_OK(pool, clpool_map_range(get(pool, prog, "matmul"), &r, args, 4));
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            float want = 0;
            for (int k = 0; k < N; k++)
                want += a[i * N + k] * b[k * N + j];
            if (c[i * N + j] != want) /* small integers: exact */
                FAIL_("matmul c[%d][%d]: got %g, want %g", i, j, c[i * N + j], want);
        }
    free(a);
    free(b);
    free(c);
}

static void test_uniform_if(clpool *pool, clpool_program *prog, size_t local)
{
    enum { N = 4096 };
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    ASSERT(x && y);
    for (int i = 0; i < N; i++)
        x[i] = (float)(i % 101);
    clpool_range r = {1, {N}, {local}, {0}};
    clpool_arg args[] = {clpool_in(x, sizeof *x), clpool_out(y, sizeof *y)};
    ASSERT_OK(pool, clpool_map_range(get(pool, prog, "uniform_if"), &r, args, 2));
    size_t l = local != 0 ? local : 256; /* what the fork backend picks */
    for (size_t i = 0; i < N; i++) {
        size_t g = i / l, first = g * l, li = i - first;
        float want = 2.0f * x[first + l - 1 - li] + 2.0f * x[i] + (g % 2 ? (float)g : 0.0f);
        if (y[i] != want)
            FAIL_("uniform_if local %zu, item %zu: got %g, want %g", local, i, y[i], want);
    }
    free(x);
    free(y);
}

static void test_two_barriers(clpool *pool, clpool_program *prog)
{
    enum { N = 3000, L = 100 };
    int *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    ASSERT(x && y);
    for (int i = 0; i < N; i++)
        x[i] = i * 7 % 1000;
    clpool_range r = {1, {N}, {L}, {0}};
    clpool_arg args[] = {clpool_in(x, sizeof *x), clpool_out(y, sizeof *y),
                         clpool_local(L * sizeof(int))};
    ASSERT_OK(pool, clpool_map_range(get(pool, prog, "two_barriers"), &r, args, 3));
    for (int i = 0; i < N; i++) {
        int g = i / L * L, l = i % L;
        int m = (l + L - 1) % L; /* y[l] = t[m] = x[m + 1] + x[m] */
        int want = x[g + (m + 1) % L] + x[g + m];
        if (y[i] != want)
            FAIL_("two_barriers item %d: got %d, want %d", i, y[i], want);
    }
    free(x);
    free(y);
}

static void test_helper(clpool *pool, clpool_program *prog)
{
    enum { N = 2048, L = 64 };
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    ASSERT(x && y);
    for (int i = 0; i < N; i++)
        x[i] = (float)(i % 31);
    clpool_range r = {1, {N}, {L}, {0}};
    clpool_arg args[] = {clpool_in(x, sizeof *x), clpool_out(y, sizeof *y),
                         clpool_local(L * sizeof(float))};
    ASSERT_OK(pool, clpool_map_range(get(pool, prog, "helper"), &r, args, 3));
    for (int i = 0; i < N; i++) {
        float a = x[i ^ 1], b = x[i] * 3.0f; /* the neighbour's a is x[i] */
        float want = a + b + x[i];
        if (y[i] != want)
            FAIL_("helper item %d: got %g, want %g", i, y[i], want);
    }
    free(x);
    free(y);
}

static void test_reduce(clpool *pool, clpool_program *prog, size_t local)
{
    enum { N = 1 << 14 };
    float *x = malloc(N * sizeof *x), *s = malloc(N * sizeof *s);
    ASSERT(x && s);
    for (int i = 0; i < N; i++)
        x[i] = (float)(i % 10);
    clpool_range r = {1, {N}, {local}, {0}};
    clpool_arg args[] = {clpool_in(x, sizeof *x), clpool_out(s, sizeof *s),
                         clpool_local(local * sizeof(float))};
    ASSERT_OK(pool, clpool_map_range(get(pool, prog, "reduce"), &r, args, 3));
    for (size_t g = 0; g < N / local; g++) {
        float sum = 0;
        for (size_t i = 0; i < local; i++)
            sum += x[g * local + i];
        for (size_t i = 0; i < local; i++) {
            float want = sum + (float)(local - 1 - i);
            if (s[g * local + i] != want)
                FAIL_("reduce local %zu, item %zu: got %g, want %g", local, g * local + i,
                      s[g * local + i], want);
        }
    }
    free(x);
    free(s);
}

static void test_cube(clpool *pool, clpool_program *prog)
{
    enum { X = 8, Y = 6, Z = 4, N = X * Y * Z };
    int x[N], y[N];
    for (int i = 0; i < N; i++)
        x[i] = i;
    clpool_range r = {3, {X, Y, Z}, {0}, {0}}; /* reqd_work_group_size(4, 2, 2) */
    clpool_arg args[] = {clpool_in(x, sizeof *x), clpool_out(y, sizeof *y)};
    ASSERT_OK(pool, clpool_map_range(get(pool, prog, "cube"), &r, args, 2));
    for (int k = 0; k < Z; k++)
        for (int j = 0; j < Y; j++)
            for (int i = 0; i < X; i++) {
                int ll = (i % 4) + 4 * ((j % 2) + 2 * (k % 2)), o = 15 - ll;
                int oi = i / 4 * 4 + o % 4, oj = j / 2 * 2 + o / 4 % 2, ok = k / 2 * 2 + o / 8;
                int gl = i + X * (j + Y * k);
                int want = x[oi + X * (oj + Y * ok)] * 100 + x[gl] + k / 2;
                if (y[gl] != want)
                    FAIL_("cube item (%d, %d, %d): got %d, want %d", i, j, k, y[gl], want);
            }
}

static void test_shapes(clpool *pool, clpool_program *prog)
{
    enum { N = 256, L = 32 };
    int y[N], v[L], t[L];
    clpool_range r = {1, {N}, {L}, {0}};
    clpool_arg args[] = {clpool_out(y, sizeof *y), clpool_local(L * sizeof(int))};
    ASSERT_OK(pool, clpool_map_range(get(pool, prog, "shapes"), &r, args, 2));
    for (int l = 0; l < L; l++)
        v[l] = (l + 3) % L; /* after the do-while's three rotations */
    for (int it = 0; it < 2; it++) {
        for (int l = 0; l < L; l++)
            t[l] = v[l];
        for (int l = 0; l < L; l++)
            v[l] += t[L - 1 - l];
    }
    for (int i = 0; i < N; i++)
        if (y[i] != v[i % L])
            FAIL_("shapes item %d: got %d, want %d", i, y[i], v[i % L]);
}

static void test_nobarrier(clpool *pool, clpool_program *prog)
{
    enum { N = 5000 };
    float x[N], y[N];
    for (int i = 0; i < N; i++)
        x[i] = (float)i;
    clpool_arg args[] = {clpool_in(x, sizeof *x), clpool_out(y, sizeof *y)};
    ASSERT_OK(pool, clpool_map(get(pool, prog, "nobarrier"), N, args, 2));
    for (int i = 0; i < N; i++)
        ASSERT_EQ(y[i], (x[i] + 1.0f) * 2.0f);
}

static void run_all(clpool *pool, int fibers)
{
    clpool_program *prog;
    size_t len = strlen(SRC) + strlen(HELPER) + 1;
    char *src = malloc(len);
    ASSERT(src != NULL);
    snprintf(src, len, "%s%s", SRC, fibers ? HELPER : "");
    ASSERT_OK(pool, clpool_program_source(pool, src, NULL, &prog));
    free(src);
    for (int chunked = 0; chunked < 2; chunked++) {
        if (chunked)
            ASSERT_EQ(setenv("CLPOOL_MAX_CHUNK_BYTES", "4096", 1), 0);
        test_matmul(pool, prog);
        test_uniform_if(pool, prog, 64);
        test_uniform_if(pool, prog, 256);
        test_uniform_if(pool, prog, 0);
        test_two_barriers(pool, prog);
        if (fibers)
            test_helper(pool, prog);
        test_reduce(pool, prog, 256);
        test_reduce(pool, prog, 1024);
        test_reduce(pool, prog, 2);
        test_cube(pool, prog);
        test_shapes(pool, prog);
        test_nobarrier(pool, prog);
        ASSERT_EQ(unsetenv("CLPOOL_MAX_CHUNK_BYTES"), 0);
    }
    clpool_program_free(prog);
}

int main(void)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 2;
    clpool *pool = test_open_cfg(&cfg);
    static const char *const compilers[] = {"gcc", "clang"};
    int ran = 0;
    for (int c = 0; c < 2; c++) {
        if (c == 1 && system("clang --version >/dev/null 2>&1") != 0) {
            fprintf(stderr, "clang is not installed: the clang half is skipped\n");
            continue;
        }
        ASSERT_EQ(setenv("CC", compilers[c], 1), 0);
        run_all(pool, 0);
        run_all(pool, 1);
        ran++;
    }
    clpool_close(pool);
    return ran > 0 ? 0 : TEST_SKIP;
}
