/*
 * Corpus: kernels built around work-groups (tests/corpus/matmul.cl,
 * reduce.cl, scan.cl, histogram.cl, nbody.cl) on every backend, chunked and
 * unchunked, against C references (see corpus.h). Their __local and
 * barrier kernels run on OpenCL and are refused, naming the kernel and the
 * construct, on fork until it runs work-groups; their plain neighbours run
 * everywhere. Integer-valued floats keep sums exact whatever order a
 * device adds them in.
 */
#include "corpus.h"

/* ---------------------------------------------------------------- matmul */

enum { MM_M = 48, MM_N = 64, MM_K = 80 };

static void matmul_case(corpus_ctx *c, const char *name, unsigned needs)
{
    clpool_kernel *k = corpus_kernel(c, "matmul.cl", NULL, name, needs);
    if (k == NULL)
        return;
    float *a = corpus_alloc(MM_M * MM_K * 4), *b = corpus_alloc(MM_K * MM_N * 4),
          *got = corpus_alloc(MM_M * MM_N * 4), *want = corpus_alloc(MM_M * MM_N * 4);
    uint32_t s = 11;
    for (int i = 0; i < MM_M * MM_K; i++)
        a[i] = (float)((int)(corpus_next(&s) >> 29) - 4);
    for (int i = 0; i < MM_K * MM_N; i++)
        b[i] = (float)((int)(corpus_next(&s) >> 29) - 4);
    /* All zeros: the tiled kernel's reqd_work_group_size(16, 16, 1). */
    clpool_range r = corpus_range(2, MM_N, MM_M, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_array_in(a, MM_M * MM_K * 4), clpool_array_in(b, MM_K * MM_N * 4),
               clpool_out(got, 4), clpool_i32(MM_M), clpool_i32(MM_N), clpool_i32(MM_K));
    for (int row = 0; row < MM_M; row++)
        for (int col = 0; col < MM_N; col++) {
            float acc = 0.0f;
            for (int i = 0; i < MM_K; i++)
                acc += a[row * MM_K + i] * b[i * MM_N + col];
            want[row * MM_N + col] = acc;
        }
    corpus_near_f32(c, name, got, want, MM_M * MM_N, 0, 0);
    free(a), free(b), free(got), free(want);
}

static void case_matmul_naive(corpus_ctx *c)
{
    matmul_case(c, "matmul_naive", CORPUS_PLAIN);
}

static void case_matmul_tiled(corpus_ctx *c)
{
    matmul_case(c, "matmul_tiled", CORPUS_GROUPS);
}

/* ------------------------------------------------------------ reductions */

/* n not a multiple of the group: the range is rounded up, the host array
 * holds one element per item, the kernel ignores the ones past n. */
static void case_reduce_sum(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "reduce.cl", NULL, "reduce_sum", CORPUS_GROUPS);
    if (k == NULL)
        return;
    enum { WG = 256, GROUPS = 256, ITEMS = WG * GROUPS };
    const uint32_t n = ITEMS - 100;
    float *in = corpus_alloc(ITEMS * 4), partial[GROUPS], want[GROUPS];
    uint32_t s = 12;
    for (uint32_t i = 0; i < ITEMS; i++)
        in[i] = i < n ? (float)(corpus_next(&s) >> 28) : 1e30f; /* past n: must be ignored */
    clpool_range r = corpus_range(1, ITEMS, 1, 1, WG, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_in(in, 4), clpool_array_out(partial, sizeof partial),
               clpool_local(WG * sizeof(float)), clpool_u32(n));
    for (int g = 0; g < GROUPS; g++) {
        float sum = 0.0f;
        for (uint32_t i = (uint32_t)g * WG; i < (uint32_t)(g + 1) * WG && i < n; i++)
            sum += in[i];
        want[g] = sum;
    }
    corpus_near_f32(c, "reduce_sum partial", partial, want, GROUPS, 0, 0);
    free(in);
}

/* reqd_work_group_size(64, 1, 1) through plain clpool_map: clpool must
 * give the kernel its declared size. */
static void case_reduce_max64(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "reduce.cl", NULL, "reduce_max64", CORPUS_GROUPS);
    if (k == NULL)
        return;
    enum { GROUPS = 200, N = 64 * GROUPS };
    int32_t *in = corpus_alloc(N * 4), partial[GROUPS], want[GROUPS];
    uint32_t s = 13;
    for (int i = 0; i < N; i++)
        in[i] = (int32_t)corpus_next(&s);
    int rc = CLPOOL_MAP(k, N, clpool_in(in, 4), clpool_array_out(partial, sizeof partial));
    if (rc != CLPOOL_OK)
        FAIL_("%s: clpool_map: %s: %s", corpus_where(c), clpool_err_name(rc),
              clpool_errmsg(c->pool));
    for (int g = 0; g < GROUPS; g++) {
        int32_t m = in[g * 64];
        for (int i = 1; i < 64; i++)
            m = in[g * 64 + i] > m ? in[g * 64 + i] : m;
        want[g] = m;
    }
    corpus_same_i32(c, "reduce_max64 partial", partial, want, GROUPS);
    free(in);
}

/* ------------------------------------------------------------------ scan */

/* A whole inclusive scan of 128 * 128 values: groups, then the groups'
 * totals (one group), then the offsets added back (a plain kernel). */
static void case_scan(corpus_ctx *c)
{
    enum { WG = 128, N = WG * WG };
    clpool_kernel *group = corpus_kernel(c, "scan.cl", "-DWG=128", "scan_group", CORPUS_GROUPS);
    if (group == NULL)
        return;
    clpool_kernel *add = corpus_kernel(c, "scan.cl", "-DWG=128", "scan_add_offsets", CORPUS_PLAIN);
    if (add == NULL)
        return;
    uint32_t *in = corpus_alloc(N * 4), *data = corpus_alloc(N * 4), sums[WG], incl[WG], total;
    uint32_t s = 14;
    for (int i = 0; i < N; i++)
        in[i] = corpus_next(&s) >> 24;
    clpool_range whole = corpus_range(1, N, 1, 1, WG, 0, 0);
    CORPUS_RUN(c, group, &whole, clpool_in(in, 4), clpool_out(data, 4),
               clpool_array_out(sums, sizeof sums));
    clpool_range one = corpus_range(1, WG, 1, 1, WG, 0, 0);
    CORPUS_RUN(c, group, &one, clpool_in(sums, 4), clpool_out(incl, 4),
               clpool_array_out(&total, sizeof total));
    clpool_range plain = corpus_range(1, N, 1, 1, 0, 0, 0);
    CORPUS_RUN(c, add, &plain, clpool_inout(data, 4), clpool_array_in(incl, sizeof incl));
    uint32_t run = 0;
    for (int i = 0; i < N; i++) {
        run += in[i];
        if (data[i] != run)
            FAIL_("%s: scan[%d] = %" PRIu32 ", want %" PRIu32, corpus_where(c), i, data[i], run);
    }
    ASSERT_EQ(total, run);
    free(in), free(data);
}

/* The plain step alone, where the group kernels are refused: the offsets
 * of groups of WG, added in place. */
static void case_scan_add_offsets(corpus_ctx *c)
{
    enum { WG = 128, N = WG * 40 };
    clpool_kernel *add = corpus_kernel(c, "scan.cl", "-DWG=128", "scan_add_offsets", CORPUS_PLAIN);
    if (add == NULL)
        return;
    uint32_t *data = corpus_alloc(N * 4), *want = corpus_alloc(N * 4), incl[40];
    uint32_t s = 15;
    for (int i = 0; i < N; i++)
        data[i] = corpus_next(&s) >> 8;
    for (int g = 0; g < 40; g++)
        incl[g] = corpus_next(&s) >> 4;
    for (int i = 0; i < N; i++)
        want[i] = data[i] + (i / WG > 0 ? incl[i / WG - 1] : 0);
    clpool_range r = corpus_range(1, N, 1, 1, 0, 0, 0);
    CORPUS_RUN(c, add, &r, clpool_inout(data, 4), clpool_array_in(incl, sizeof incl));
    corpus_same_u32(c, "scan_add_offsets", data, want, N);
    free(data), free(want);
}

/* ------------------------------------------------- work-groups in helpers */

/* The work-group code is in a helper (group_sum), not in the kernel. */
static void case_block_sums(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "helpers.cl", NULL, "block_sums", CORPUS_GROUPS);
    if (k == NULL)
        return;
    enum { WG = 64, N = WG * 50 };
    float *x = corpus_alloc(N * 4), *share = corpus_alloc(N * 4), *want = corpus_alloc(N * 4);
    uint32_t s = 18;
    /* Eighths in [-0.5, 1.5): clamped sums of 64 of them are exact. */
    for (int i = 0; i < N; i++)
        x[i] = (float)(corpus_next(&s) >> 28) * 0.125f - 0.5f;
    clpool_range r = corpus_range(1, N, 1, 1, WG, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_in(x, 4), clpool_out(share, 4), clpool_local(WG * 4));
    for (int g = 0; g < N / WG; g++) {
        float total = 0.0f;
        for (int i = g * WG; i < (g + 1) * WG; i++)
            total += fminf(fmaxf(x[i], 0.0f), 1.0f);
        for (int i = g * WG; i < (g + 1) * WG; i++) {
            float v = fminf(fmaxf(x[i], 0.0f), 1.0f);
            want[i] = total > 0.0f ? v / total : 0.0f;
        }
    }
    /* OpenCL allows single divisions 2.5 ulp off. */
    corpus_near_f32(c, "block_sums", share, want, N, 0, 1e-6);
    free(x), free(share), free(want);
}

/* Its neighbour, which uses no work-group construct: runs everywhere. */
static void case_rescale(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "helpers.cl", NULL, "rescale", CORPUS_PLAIN);
    if (k == NULL)
        return;
    enum { N = 10007 };
    float *x = corpus_alloc(N * 4), *y = corpus_alloc(N * 4), *want = corpus_alloc(N * 4);
    uint32_t s = 19;
    for (int i = 0; i < N; i++) {
        x[i] = corpus_uniform(&s, -2, 12);
        want[i] = fminf(fmaxf((x[i] - 0.0f) / (10.0f - 0.0f), 0.0f), 1.0f);
    }
    clpool_range r = corpus_range(1, N, 1, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_in(x, 4), clpool_out(y, 4), clpool_f32(0.0f), clpool_f32(10.0f));
    corpus_near_f32(c, "rescale", y, want, N, 1e-7, 1e-6);
    free(x), free(y), free(want);
}

/* ------------------------------------------------------------- histogram */

enum { HIST_N = 100000, HIST_WG = 128, HIST_ITEMS = (HIST_N + HIST_WG - 1) / HIST_WG * HIST_WG };

/* Skewed bytes (some bins hot, some empty), and the bins they make. */
static unsigned char *hist_data(uint32_t *want)
{
    unsigned char *data = corpus_alloc(HIST_ITEMS);
    uint32_t s = 16;
    memset(want, 0, 256 * 4);
    for (int i = 0; i < HIST_ITEMS; i++) {
        uint32_t h = corpus_next(&s);
        data[i] = (unsigned char)((h >> 24) & (h >> 16) & 0xf7);
        if (i < HIST_N)
            want[data[i]]++;
    }
    return data;
}

static void case_histogram_local(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "histogram.cl", NULL, "histogram_local", CORPUS_GROUPS);
    if (k == NULL)
        return;
    uint32_t want[256], bins[256] = {0};
    unsigned char *data = hist_data(want);
    clpool_range r = corpus_range(1, HIST_ITEMS, 1, 1, HIST_WG, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_in(data, 1), clpool_array_inout(bins, sizeof bins),
               clpool_u32(HIST_N));
    corpus_same_u32(c, "histogram_local bins", bins, want, 256);
    free(data);
}

static void case_histogram_global(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "histogram.cl", NULL, "histogram_global", CORPUS_PLAIN);
    if (k == NULL)
        return;
    uint32_t want[256], bins[256] = {0};
    unsigned char *data = hist_data(want);
    clpool_range r = corpus_range(1, HIST_N, 1, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_in(data, 1), clpool_array_inout(bins, sizeof bins));
    corpus_same_u32(c, "histogram_global bins", bins, want, 256);
    free(data);
}

/* ----------------------------------------------------------------- nbody */

typedef struct f4 {
    float x, y, z, w;
} f4;

enum { NB = 512 };

static f4 *nbody_bodies(void)
{
    f4 *p = corpus_alloc(NB * sizeof *p);
    uint32_t s = 17;
    for (int i = 0; i < NB; i++) {
        p[i].x = corpus_uniform(&s, -1, 1);
        p[i].y = corpus_uniform(&s, -1, 1);
        p[i].z = corpus_uniform(&s, -1, 1);
        p[i].w = corpus_uniform(&s, 0.5f, 1.5f);
    }
    return p;
}

/* The accelerations in double, and the bound: rsqrt may be a few ulp off
 * (OpenCL allows 2), summed over every pull. */
static void nbody_check(corpus_ctx *c, const char *name, const f4 *p, const f4 *acc, float eps2)
{
    for (int i = 0; i < NB; i++) {
        double a[3] = {0, 0, 0}, scale = 0;
        for (int j = 0; j < NB; j++) {
            double d[3] = {p[j].x - p[i].x, p[j].y - p[i].y, p[j].z - p[i].z};
            double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2] + eps2;
            double f = p[j].w / (r2 * sqrt(r2));
            for (int e = 0; e < 3; e++)
                a[e] += f * d[e];
            scale += p[j].w / r2;
        }
        double tol = 1e-4 * scale + 1e-6;
        const float got[3] = {acc[i].x, acc[i].y, acc[i].z};
        for (int e = 0; e < 3; e++)
            if (!(fabs(got[e] - a[e]) <= tol))
                FAIL_("%s: %s body %d axis %d: %.9g, want %.9g (tolerance %g)", corpus_where(c),
                      name, i, e, got[e], a[e], tol);
        if (acc[i].w != 0.0f)
            FAIL_("%s: %s body %d: w = %g, want 0", corpus_where(c), name, i, acc[i].w);
    }
}

static void case_nbody_accel(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "nbody.cl", NULL, "nbody_accel", CORPUS_VECTORS);
    if (k == NULL)
        return;
    f4 *p = nbody_bodies(), *acc = corpus_alloc(NB * sizeof *acc);
    clpool_range r = corpus_range(1, NB, 1, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_array_in(p, NB * sizeof *p), clpool_out(acc, sizeof *acc),
               clpool_i32(NB), clpool_f32(0.01f));
    nbody_check(c, "nbody_accel", p, acc, 0.01f);
    free(p), free(acc);
}

static void case_nbody_tiled(corpus_ctx *c)
{
    clpool_kernel *k =
        corpus_kernel(c, "nbody.cl", NULL, "nbody_tiled", CORPUS_GROUPS | CORPUS_VECTORS);
    if (k == NULL)
        return;
    enum { WG = 64 };
    f4 *p = nbody_bodies(), *acc = corpus_alloc(NB * sizeof *acc);
    clpool_range r = corpus_range(1, NB, 1, 1, WG, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_array_in(p, NB * sizeof *p), clpool_out(acc, sizeof *acc),
               clpool_local(WG * sizeof(f4)), clpool_i32(NB), clpool_f32(0.01f));
    nbody_check(c, "nbody_tiled", p, acc, 0.01f);
    free(p), free(acc);
}

static void case_nbody_integrate(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "nbody.cl", NULL, "nbody_integrate", CORPUS_VECTORS);
    if (k == NULL)
        return;
    f4 *p = nbody_bodies(), *v = nbody_bodies(), *a = nbody_bodies();
    f4 *wp = corpus_alloc(NB * sizeof *wp), *wv = corpus_alloc(NB * sizeof *wv);
    const float dt = 0.125f;
    for (int i = 0; i < NB; i++) {
        wv[i].x = v[i].x + a[i].x * dt;
        wv[i].y = v[i].y + a[i].y * dt;
        wv[i].z = v[i].z + a[i].z * dt;
        wv[i].w = 0.0f;
        wp[i].x = p[i].x + wv[i].x * dt;
        wp[i].y = p[i].y + wv[i].y * dt;
        wp[i].z = p[i].z + wv[i].z * dt;
        wp[i].w = p[i].w;
    }
    clpool_range r = corpus_range(1, NB, 1, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_inout(p, sizeof *p), clpool_inout(v, sizeof *v),
               clpool_in(a, sizeof *a), clpool_f32(dt));
    /* Multiply-adds may be contracted: a couple of ulp. */
    corpus_near_f32(c, "nbody_integrate pos", &p[0].x, &wp[0].x, NB * 4, 1e-6, 1e-6);
    corpus_near_f32(c, "nbody_integrate vel", &v[0].x, &wv[0].x, NB * 4, 1e-6, 1e-6);
    free(p), free(v), free(a), free(wp), free(wv);
}

int main(void)
{
    static const corpus_case cases[] = {
        {"matmul_naive", case_matmul_naive},
        {"matmul_tiled", case_matmul_tiled},
        {"reduce_sum", case_reduce_sum},
        {"reduce_max64", case_reduce_max64},
        {"scan (3 passes)", case_scan},
        {"scan_add_offsets", case_scan_add_offsets},
        {"block_sums (helper)", case_block_sums},
        {"rescale", case_rescale},
        {"histogram_local", case_histogram_local},
        {"histogram_global", case_histogram_global},
        {"nbody_accel", case_nbody_accel},
        {"nbody_tiled", case_nbody_tiled},
        {"nbody_integrate", case_nbody_integrate},
    };
    return corpus_main(cases, sizeof cases / sizeof cases[0]);
}
