/*
 * Corpus: a bitonic sort driven stage by stage from the host, Monte Carlo
 * with a counter-based generator and an atomic counter in a whole array,
 * the 2^20-item counter and tickets, structs by value and by pointer from
 * an #included header, and what -D options and #if choose
 * (tests/corpus/sort.cl, montecarlo.cl, structs.cl, options.cl), on every
 * backend, chunked and unchunked, against C references (see corpus.h).
 */
#include "corpus.h"

#define MAP_OK(c, call)                                                                  \
    do {                                                                                 \
        int rc_ = (call);                                                                \
        if (rc_ != CLPOOL_OK)                                                            \
            FAIL_("%s: %s: %s: %s", corpus_where(c), #call, clpool_err_name(rc_),        \
                  clpool_errmsg((c)->pool));                                             \
    } while (0)

/* ---------------------------------------------------------------- bitonic */

enum { SORT_N = 4096 };

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint32_t *sort_keys(uint32_t *want)
{
    uint32_t *keys = corpus_alloc(SORT_N * 4), s = 21;
    for (int i = 0; i < SORT_N; i++)
        keys[i] = corpus_next(&s) >> 12; /* repeats among them */
    memcpy(want, keys, SORT_N * 4);
    qsort(want, SORT_N, 4, cmp_u32);
    return keys;
}

/* The keys as a whole array, copied in and out by each of the 78 steps. */
static void case_bitonic_array(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "sort.cl", NULL, "bitonic_step", CORPUS_PLAIN);
    if (k == NULL)
        return;
    uint32_t *want = corpus_alloc(SORT_N * 4), *keys = sort_keys(want);
    for (uint32_t size = 2; size <= SORT_N; size <<= 1)
        for (uint32_t j = size / 2; j > 0; j >>= 1)
            MAP_OK(c, CLPOOL_MAP(k, SORT_N, clpool_array_inout(keys, SORT_N * 4), clpool_u32(j),
                                 clpool_u32(size)));
    corpus_same_u32(c, "bitonic keys", keys, want, SORT_N);
    free(keys), free(want);
}

/* The keys in a device buffer across the steps, as a real sort keeps them. */
static void case_bitonic_buffer(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "sort.cl", NULL, "bitonic_step", CORPUS_PLAIN);
    if (k == NULL)
        return;
    uint32_t *want = corpus_alloc(SORT_N * 4), *keys = sort_keys(want);
    clpool_buffer *buf = NULL;
    ASSERT_OK(c->pool, clpool_buffer_new(c->pool, SORT_N * 4, &buf));
    ASSERT_OK(c->pool, clpool_buffer_write(buf, 0, keys, SORT_N * 4));
    clpool_range r = corpus_range(1, SORT_N, 1, 1, 0, 0, 0);
    for (uint32_t size = 2; size <= SORT_N; size <<= 1)
        for (uint32_t j = size / 2; j > 0; j >>= 1)
            CORPUS_RUN(c, k, &r, clpool_buf(buf), clpool_u32(j), clpool_u32(size));
    ASSERT_OK(c->pool, clpool_buffer_read(buf, 0, keys, SORT_N * 4));
    clpool_buffer_free(buf);
    corpus_same_u32(c, "bitonic keys (buffer)", keys, want, SORT_N);
    free(keys), free(want);
}

/* ------------------------------------------------------------ Monte Carlo */

typedef struct ctr2 {
    uint32_t v[2];
} ctr2;

static ctr2 ref_philox2x32_10(ctr2 c, uint32_t key)
{
    for (int round = 0; round < 10; round++) {
        const uint64_t prod = (uint64_t)0xD256D193u * c.v[0];
        ctr2 r;
        r.v[0] = (uint32_t)(prod >> 32) ^ key ^ c.v[1];
        r.v[1] = (uint32_t)prod;
        c = r;
        key += 0x9E3779B9u;
    }
    return c;
}

static void case_mc_pi(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "montecarlo.cl", NULL, "mc_pi", CORPUS_PLAIN);
    if (k == NULL)
        return;
    enum { ITEMS = 20000, SAMPLES = 64 };
    const uint32_t seed = 0x5eed1234u;
    uint32_t *per_item = corpus_alloc(ITEMS * 4), hits = 0;
    clpool_range r = corpus_range(1, ITEMS, 1, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_array_inout(&hits, sizeof hits), clpool_out(per_item, 4),
               clpool_u32(seed), clpool_u32(SAMPLES));
    uint64_t total = 0;
    for (uint32_t id = 0; id < ITEMS; id++) {
        uint32_t inside = 0;
        for (uint32_t s = 0; s < SAMPLES; s++) {
            ctr2 ctr = {{id, s}};
            ctr2 v = ref_philox2x32_10(ctr, seed);
            uint32_t x = v.v[0] >> 17, y = v.v[1] >> 17;
            inside += x * x + y * y < (1u << 30);
        }
        if (per_item[id] != inside)
            FAIL_("%s: mc_pi item %u: %u inside, want %u", corpus_where(c), id, per_item[id],
                  inside);
        total += inside;
    }
    ASSERT_EQ(hits, total);
    double pi = 4.0 * (double)hits / ((double)ITEMS * SAMPLES);
    ASSERT_NEAR(pi, 3.14159265, 0.01);
    free(per_item);
}

/* Done-when 3: atomic_inc on a counter in clpool_array_inout from 2^20
 * items. No host array is one element per item, so the map is whole
 * either way; take_tickets adds one that is (4 MiB, chunked at 4 KiB). */
static void case_count_items(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "montecarlo.cl", NULL, "count_items", CORPUS_PLAIN);
    if (k == NULL)
        return;
    uint32_t counter = 0;
    MAP_OK(c, CLPOOL_MAP(k, (size_t)1 << 20, clpool_array_inout(&counter, sizeof counter)));
    ASSERT_EQ(counter, 1u << 20);
    /* Once more, from where the last map left it. */
    clpool_range r = corpus_range(1, (size_t)1 << 20, 1, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_array_inout(&counter, sizeof counter));
    ASSERT_EQ(counter, 2u << 20);
}

/* The counter in clpool_host_alloc'd memory: on fork the workers' atomics
 * act on it in place. */
static void case_count_host_alloc(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "montecarlo.cl", NULL, "count_items", CORPUS_PLAIN);
    if (k == NULL)
        return;
    void *p = NULL;
    ASSERT_OK(c->pool, clpool_host_alloc(c->pool, sizeof(uint32_t), &p));
    uint32_t *counter = p;
    *counter = 7;
    MAP_OK(c, CLPOOL_MAP(k, (size_t)1 << 20, clpool_array_inout(counter, sizeof *counter)));
    ASSERT_EQ(*counter, (1u << 20) + 7);
    clpool_host_free(c->pool, p);
}

static void case_take_tickets(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "montecarlo.cl", NULL, "take_tickets", CORPUS_PLAIN);
    if (k == NULL)
        return;
    const uint32_t n = 1u << 20;
    uint32_t counter = 0, *ticket = corpus_alloc((size_t)n * 4);
    unsigned char *seen = corpus_alloc(n);
    MAP_OK(c, CLPOOL_MAP(k, n, clpool_array_inout(&counter, sizeof counter), clpool_out(ticket, 4)));
    ASSERT_EQ(counter, n);
    /* Every ticket handed out exactly once. */
    for (uint32_t i = 0; i < n; i++) {
        if (ticket[i] >= n || seen[ticket[i]])
            FAIL_("%s: take_tickets: item %u got ticket %u (%s)", corpus_where(c), i, ticket[i],
                  ticket[i] >= n ? "out of range" : "twice");
        seen[ticket[i]] = 1;
    }
    free(ticket), free(seen);
}

/* ---------------------------------------------------------------- structs */

/* tests/corpus/common.h's structs, the same layout. */
typedef struct particle {
    float x, y;
    float vx, vy;
    float mass;
    uint32_t id;
} particle;

typedef struct sim_params {
    float dt;
    float gx, gy;
    float drag;
    uint32_t steps;
} sim_params;

typedef struct bin_spec {
    float lo, hi;
    uint32_t bin_count;
    uint32_t base;
} bin_spec;

/* A particle array in and out (24-byte elements), the parameters by
 * value (20 bytes, clpool_scalar). */
static void case_particles(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "structs.cl", NULL, "particles_step", CORPUS_PLAIN);
    if (k == NULL)
        return;
    enum { N = 3001 };
    particle *in = corpus_alloc(N * sizeof *in), *got = corpus_alloc(N * sizeof *got);
    uint32_t s = 22;
    for (int i = 0; i < N; i++) {
        in[i].x = corpus_uniform(&s, -10, 10);
        in[i].y = corpus_uniform(&s, 0, 10);
        in[i].vx = corpus_uniform(&s, -1, 1);
        in[i].vy = corpus_uniform(&s, -1, 1);
        in[i].mass = corpus_uniform(&s, 0.5f, 2);
        in[i].id = (uint32_t)i * 7u;
    }
    const sim_params p = {0.01f, 0.0f, -9.81f, 0.1f, 16};
    clpool_range r = corpus_range(1, N, 1, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_in(in, sizeof *in), clpool_out(got, sizeof *got),
               clpool_scalar(&p, sizeof p));
    for (int i = 0; i < N; i++) {
        particle q = in[i];
        for (uint32_t st = 0; st < p.steps; st++) {
            q.vx += (p.gx - p.drag * q.vx / q.mass) * p.dt;
            q.vy += (p.gy - p.drag * q.vy / q.mass) * p.dt;
            q.x += q.vx * p.dt;
            q.y += q.vy * p.dt;
        }
        const float want[5] = {q.x, q.y, q.vx, q.vy, q.mass};
        corpus_near_f32(c, "particles_step", &got[i].x, want, 5, 1e-5, 1e-5);
        if (got[i].id != q.id * 2u + 1u)
            FAIL_("%s: particle %d: id %u, want %u", corpus_where(c), i, got[i].id,
                  q.id * 2u + 1u);
    }
    free(in), free(got);
}

/* A table of structs through __global const bin_spec *. Values are put
 * clear of the bins' edges, so rounding cannot move one. */
static void case_classify(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "structs.cl", NULL, "classify", CORPUS_PLAIN);
    if (k == NULL)
        return;
    enum { N = 5000, NSPECS = 3 };
    const bin_spec specs[NSPECS] = {{0.0f, 1.0f, 10, 0}, {-4.0f, 4.0f, 16, 100}, {10.0f, 20.0f, 5, 1000}};
    float *x = corpus_alloc(N * 4);
    uint32_t *got = corpus_alloc(N * 4), *want = corpus_alloc(N * 4), s = 23;
    for (int i = 0; i < N; i++) {
        const bin_spec *sp = &specs[i % NSPECS];
        float width = (sp->hi - sp->lo) / (float)sp->bin_count;
        int bin = (int)(corpus_next(&s) >> 16) % (int)(sp->bin_count + 2) - 1; /* one past each end */
        x[i] = sp->lo + ((float)bin + 0.5f) * width;
        want[i] = sp->base + (uint32_t)(bin < 0 ? 0 : bin >= (int)sp->bin_count ? (int)sp->bin_count - 1 : bin);
    }
    clpool_range r = corpus_range(1, N, 1, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_in(x, 4), clpool_array_in(specs, sizeof specs),
               clpool_u32(NSPECS), clpool_out(got, 4));
    corpus_same_u32(c, "classify", got, want, N);
    free(x), free(got), free(want);
}

/* ---------------------------------------------------------------- options */

enum { OPT_N = 2000 };

static void opt_run(corpus_ctx *c, clpool_kernel *k, const int32_t *x, int32_t *y)
{
    clpool_range r = corpus_range(1, OPT_N, 1, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_in(x, 4), clpool_out(y, 4));
}

/* One file built two ways: which kernels exist and what they compute
 * follow the -D options, and the kernel behind #ifdef NEVER (which calls a
 * function that does not exist) breaks neither build. */
static void case_options(corpus_ctx *c)
{
    int32_t *x = corpus_alloc(OPT_N * 4), *y = corpus_alloc(OPT_N * 4);
    uint32_t s = 24;
    for (int i = 0; i < OPT_N; i++)
        x[i] = (int32_t)(corpus_next(&s) >> 20) - 2048;

    clpool_program *p1 =
        corpus_program(c, "options.cl", "-DSCALE=3 -DOFFSET=-7 -DWITH_SQUARE -DMODE=1", "affine", 0);
    clpool_kernel *k = NULL;
    ASSERT_OK(c->pool, clpool_kernel_get(p1, "affine", &k));
    opt_run(c, k, x, y);
    for (int i = 0; i < OPT_N; i++)
        ASSERT_EQ(y[i], x[i] * 3 - 7);
    ASSERT_OK(c->pool, clpool_kernel_get(p1, "square", &k));
    opt_run(c, k, x, y);
    for (int i = 0; i < OPT_N; i++)
        ASSERT_EQ(y[i], x[i] * x[i]);
    ASSERT_OK(c->pool, clpool_kernel_get(p1, "limit", &k));
    opt_run(c, k, x, y);
    for (int i = 0; i < OPT_N; i++)
        ASSERT_EQ(y[i], x[i] < -100 ? -100 : x[i] > 100 ? 100 : x[i]);
    ASSERT_STATUS(c->pool, clpool_kernel_get(p1, "never_built", &k), CLPOOL_ENOKERNEL);

    clpool_program *p2 = corpus_program(c, "options.cl", "-DSCALE=5 -DOFFSET=2 -DMODE=2", "affine", 0);
    ASSERT_OK(c->pool, clpool_kernel_get(p2, "affine", &k));
    opt_run(c, k, x, y);
    for (int i = 0; i < OPT_N; i++)
        ASSERT_EQ(y[i], x[i] * 5 + 2);
    ASSERT_OK(c->pool, clpool_kernel_get(p2, "limit", &k));
    opt_run(c, k, x, y);
    for (int i = 0; i < OPT_N; i++)
        ASSERT_EQ(y[i], x[i] > 0 ? x[i] : 0);
    ASSERT_STATUS(c->pool, clpool_kernel_get(p2, "square", &k), CLPOOL_ENOKERNEL);
    ASSERT_STR_CONTAINS(clpool_errmsg(c->pool), "affine");
    free(x), free(y);
}

/* ----------------------------------------------------- vectors, doubles */

/* uchar4 pixels in, uchar out: 4-byte and 1-byte elements, both chunked. */
static void case_rgba_to_gray(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "color.cl", NULL, "rgba_to_gray", CORPUS_VECTORS);
    if (k == NULL)
        return;
    enum { N = 160 * 120 };
    unsigned char *rgba = corpus_alloc(N * 4), *gray = corpus_alloc(N);
    uint32_t s = 25;
    for (int i = 0; i < N * 4; i++)
        rgba[i] = (unsigned char)(corpus_next(&s) >> 24);
    clpool_range r = corpus_range(1, N, 1, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_in(rgba, 4), clpool_out(gray, 1));
    for (int i = 0; i < N; i++) {
        int v = (77 * rgba[4 * i] + 150 * rgba[4 * i + 1] + 29 * rgba[4 * i + 2] + 128) >> 8;
        if (gray[i] != (v > 255 ? 255 : v))
            FAIL_("%s: rgba_to_gray[%d] = %u, want %d", corpus_where(c), i, gray[i], v);
    }
    free(rgba), free(gray);
}

/* float4 arithmetic, convert_uchar4_sat_rte. Gain and bias make every
 * value exact (quarters), so the rounding to even is the same everywhere. */
static void case_adjust_rgba(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "color_adjust.cl", NULL, "adjust_rgba", CORPUS_VECTORS);
    if (k == NULL)
        return;
    enum { N = 100 * 99 };
    unsigned char *rgba = corpus_alloc(N * 4), *want = corpus_alloc(N * 4);
    uint32_t s = 26;
    for (int i = 0; i < N * 4; i++)
        rgba[i] = (unsigned char)(corpus_next(&s) >> 24);
    for (int i = 0; i < N * 4; i++) {
        if (i % 4 == 3) {
            want[i] = rgba[i];
            continue;
        }
        double v = rint((double)rgba[i] * 1.25 - 10.5);
        want[i] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    clpool_range r = corpus_range(1, N, 1, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_inout(rgba, 4), clpool_f32(1.25f), clpool_f32(-10.5f));
    for (int i = 0; i < N * 4; i++)
        if (rgba[i] != want[i])
            FAIL_("%s: adjust_rgba byte %d = %u, want %u", corpus_where(c), i, rgba[i], want[i]);
    free(rgba), free(want);
}

static void case_daxpy(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "daxpy.cl", NULL, "daxpy", CORPUS_PLAIN);
    if (k == NULL)
        return;
    clpool_kernel *dot = corpus_kernel(c, "daxpy.cl", NULL, "dot_terms", CORPUS_PLAIN);
    if (dot == NULL)
        return;
    enum { N = 5003, ITEMS = 5120 };
    double *x = corpus_alloc(ITEMS * 8), *y = corpus_alloc(ITEMS * 8), *t = corpus_alloc(ITEMS * 8);
    uint32_t s = 27;
    for (int i = 0; i < ITEMS; i++) {
        x[i] = corpus_uniform(&s, -1, 1) * 1e3;
        y[i] = corpus_uniform(&s, -1, 1) * 1e-3;
    }
    const double a = 0.7071067811865476;
    double *want = corpus_alloc(ITEMS * 8);
    for (int i = 0; i < ITEMS; i++)
        want[i] = a * x[i] + y[i];
    clpool_range r = corpus_range(1, ITEMS, 1, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_f64(a), clpool_in(x, 8), clpool_inout(y, 8));
    for (int i = 0; i < ITEMS; i++)
        if (!(fabs(y[i] - want[i]) <= 1e-15 * (fabs(a * x[i]) + fabs(want[i]))))
            FAIL_("%s: daxpy[%d] = %.17g, want %.17g", corpus_where(c), i, y[i], want[i]);
    clpool_range rd = corpus_range(1, ITEMS, 1, 1, 128, 0, 0);
    CORPUS_RUN(c, dot, &rd, clpool_in(x, 8), clpool_in(y, 8), clpool_out(t, 8), clpool_u32(N));
    for (int i = 0; i < ITEMS; i++) {
        double w = i < N ? x[i] * y[i] : 0.0;
        if (t[i] != w)
            FAIL_("%s: dot_terms[%d] = %.17g, want %.17g", corpus_where(c), i, t[i], w);
    }
    free(x), free(y), free(t), free(want);
}

int main(void)
{
    static const corpus_case cases[] = {
        {"bitonic_step (array)", case_bitonic_array},
        {"bitonic_step (buffer)", case_bitonic_buffer},
        {"mc_pi", case_mc_pi},
        {"count_items 2^20", case_count_items},
        {"count (host_alloc)", case_count_host_alloc},
        {"take_tickets 2^20", case_take_tickets},
        {"particles_step", case_particles},
        {"classify", case_classify},
        {"options (-D, #if)", case_options},
        {"rgba_to_gray", case_rgba_to_gray},
        {"adjust_rgba", case_adjust_rgba},
        {"daxpy+dot_terms", case_daxpy},
    };
    return corpus_main(cases, sizeof cases / sizeof cases[0]);
}
