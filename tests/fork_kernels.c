/*
 * The built-in kernels on the fork backend against plain C references:
 * saxpy, Mandelbrot and Black-Scholes, each through device buffers
 * (clpool_buf) and through host arrays (clpool_in / clpool_out /
 * clpool_inout).
 */
#include "task.h"

#include "reference.h"

/* Deterministic inputs without rand()'s global state. */
static uint32_t next_random(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static float uniform(uint32_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)(next_random(s) >> 8) / (float)(1u << 24);
}

/* ------------------------------------------------------------------ saxpy */

static void check_saxpy(const float *x, const float *y0, const float *y, size_t n, float a)
{
    for (size_t i = 0; i < n; i++) {
        float want = ref_saxpy(a, x[i], y0[i]);
        /* The kernel may be compiled with fused multiply-adds: one rounding
         * less, so an error of an ulp of the terms, not of the result. */
        float scale = fabsf(a * x[i]) + fabsf(y0[i]) + 1.0f;
        if (!(fabsf(y[i] - want) <= 1e-6f * scale))
            FAIL_("saxpy item %zu: got %.9g, want %.9g", i, y[i], want);
    }
}

static void test_saxpy(clpool *pool)
{
    clpool_program *prog;
    clpool_kernel *k = test_kernel(pool, "saxpy", &prog);
    const size_t n = (1u << 20) + 3;
    const float a = 2.5f;
    float *x = malloc(n * sizeof *x), *y0 = malloc(n * sizeof *y0), *y = malloc(n * sizeof *y);
    ASSERT(x && y0 && y);
    uint32_t seed = 12345;
    for (size_t i = 0; i < n; i++) {
        x[i] = uniform(&seed, -100.0f, 100.0f);
        y0[i] = uniform(&seed, -100.0f, 100.0f);
    }

    /* Device buffers. */
    clpool_buffer *bx, *by;
    ASSERT_OK(pool, clpool_buffer_new(pool, n * sizeof(float), &bx));
    ASSERT_OK(pool, clpool_buffer_new(pool, n * sizeof(float), &by));
    ASSERT_OK(pool, clpool_buffer_write(bx, 0, x, n * sizeof(float)));
    ASSERT_OK(pool, clpool_buffer_write(by, 0, y0, n * sizeof(float)));
    ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_f32(a), clpool_buf(bx), clpool_buf(by)));
    ASSERT_OK(pool, clpool_buffer_read(by, 0, y, n * sizeof(float)));
    check_saxpy(x, y0, y, n, a);
    clpool_buffer_free(bx);
    clpool_buffer_free(by);

    /* Host arrays: y is both read and written. */
    memcpy(y, y0, n * sizeof *y);
    ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_f32(a), clpool_in(x, sizeof(float)),
                               clpool_inout(y, sizeof(float))));
    check_saxpy(x, y0, y, n, a);

    /* Many small maps in a row reuse the warm workers. */
    for (int rep = 0; rep < 2000; rep++)
        ASSERT_OK(pool, CLPOOL_MAP(k, 1024, clpool_f32(0.0f), clpool_in(x, sizeof(float)),
                                   clpool_inout(y, sizeof(float))));
    check_saxpy(x, y0, y, n, a);

    free(x);
    free(y0);
    free(y);
    clpool_program_free(prog);
}

/* ------------------------------------------------------------- mandelbrot */

static void check_mandel(const uint32_t *got, size_t n, uint32_t width, float x0, float y0,
                         float dx, float dy, uint32_t max_iter)
{
    /* Pixels on the set's boundary are chaotic: a fused multiply-add in the
     * compiled kernel changes a few of them. Far more than a few is a bug. */
    size_t differ = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t want = ref_mandelbrot(i, width, x0, y0, dx, dy, max_iter);
        ASSERT_LE(got[i], max_iter);
        if (got[i] != want)
            differ++;
    }
    if (differ > n / 200)
        FAIL_("mandelbrot: %zu of %zu pixels differ from the C reference", differ, n);
}

static void test_mandelbrot(clpool *pool)
{
    clpool_program *prog;
    clpool_kernel *k = test_kernel(pool, "mandelbrot", &prog);
    const uint32_t width = 640, height = 480, max_iter = 300;
    const float x0 = -2.2f, y0 = -1.2f, dx = 3.2f / width, dy = 2.4f / height;
    const size_t n = (size_t)width * height;
    uint32_t *it = malloc(n * sizeof *it);
    ASSERT(it != NULL);

    clpool_buffer *b;
    ASSERT_OK(pool, clpool_buffer_new(pool, n * sizeof(uint32_t), &b));
    ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_buf(b), clpool_u32(width), clpool_f32(x0),
                               clpool_f32(y0), clpool_f32(dx), clpool_f32(dy),
                               clpool_u32(max_iter)));
    ASSERT_OK(pool, clpool_buffer_read(b, 0, it, n * sizeof(uint32_t)));
    check_mandel(it, n, width, x0, y0, dx, dy, max_iter);
    clpool_buffer_free(b);

    memset(it, 0xff, n * sizeof *it);
    ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_out(it, sizeof(uint32_t)), clpool_u32(width),
                               clpool_f32(x0), clpool_f32(y0), clpool_f32(dx), clpool_f32(dy),
                               clpool_u32(max_iter)));
    check_mandel(it, n, width, x0, y0, dx, dy, max_iter);
    free(it);
    clpool_program_free(prog);
}

/* ----------------------------------------------------------- blackscholes */

static void check_bs(const float *S, const float *K, const float *T, const float *call,
                     const float *put, size_t n, float r, float v)
{
    for (size_t i = 0; i < n; i++) {
        float c, p;
        ref_blackscholes(S[i], K[i], T[i], r, v, &c, &p);
        /* Prices up to ~100: a few float ulps of the inputs' scale. */
        if (!(fabsf(call[i] - c) <= 1e-3f) || !(fabsf(put[i] - p) <= 1e-3f))
            FAIL_("blackscholes option %zu: call %.7g vs %.7g, put %.7g vs %.7g", i, call[i], c,
                  put[i], p);
    }
}

static void test_blackscholes(clpool *pool)
{
    clpool_program *prog;
    clpool_kernel *k = test_kernel(pool, "blackscholes", &prog);
    const size_t n = 100003;
    const float r = 0.02f, v = 0.30f;
    float *S = malloc(n * sizeof *S), *K = malloc(n * sizeof *K), *T = malloc(n * sizeof *T);
    float *call = malloc(n * sizeof *call), *put = malloc(n * sizeof *put);
    ASSERT(S && K && T && call && put);
    uint32_t seed = 777;
    for (size_t i = 0; i < n; i++) {
        S[i] = uniform(&seed, 5.0f, 30.0f);
        K[i] = uniform(&seed, 1.0f, 100.0f);
        T[i] = uniform(&seed, 0.25f, 10.0f);
    }

    clpool_buffer *b[5];
    const float *in[3] = {S, K, T};
    for (int j = 0; j < 5; j++)
        ASSERT_OK(pool, clpool_buffer_new(pool, n * sizeof(float), &b[j]));
    for (int j = 0; j < 3; j++)
        ASSERT_OK(pool, clpool_buffer_write(b[j], 0, in[j], n * sizeof(float)));
    ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_buf(b[0]), clpool_buf(b[1]), clpool_buf(b[2]),
                               clpool_buf(b[3]), clpool_buf(b[4]), clpool_f32(r),
                               clpool_f32(v)));
    ASSERT_OK(pool, clpool_buffer_read(b[3], 0, call, n * sizeof(float)));
    ASSERT_OK(pool, clpool_buffer_read(b[4], 0, put, n * sizeof(float)));
    check_bs(S, K, T, call, put, n, r, v);
    for (int j = 0; j < 5; j++)
        clpool_buffer_free(b[j]);

    memset(call, 0, n * sizeof *call);
    memset(put, 0, n * sizeof *put);
    ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_in(S, sizeof(float)), clpool_in(K, sizeof(float)),
                               clpool_in(T, sizeof(float)), clpool_out(call, sizeof(float)),
                               clpool_out(put, sizeof(float)), clpool_f32(r), clpool_f32(v)));
    check_bs(S, K, T, call, put, n, r, v);

    free(S);
    free(K);
    free(T);
    free(call);
    free(put);
    clpool_program_free(prog);
}

int main(void)
{
    clpool *pool = test_open(CLPOOL_FORK, NULL);
    ASSERT_STR_CONTAINS(clpool_describe(pool), "fork");
    test_saxpy(pool);
    test_mandelbrot(pool);
    test_blackscholes(pool);
    clpool_close(pool);
    return 0;
}
