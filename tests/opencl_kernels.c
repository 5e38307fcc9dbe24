/*
 * The three built-in kernels on an OpenCL device, against references
 * computed here in C, through device buffers, host arrays, CLPOOL_MAP, an
 * explicit argument array and an async map.
 */
#include "task.h"

#include "reference.h"

#include <float.h>

/* A small deterministic generator, so a failure reproduces. */
static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static float uniform(float lo, float hi)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return lo + (hi - lo) * (float)((rng >> 40) / (double)(1u << 24));
}

/* ------------------------------------------------------------------ saxpy */

/* a*x + y may be computed with or without a fused multiply-add; either is
 * within one rounding of each term, so allow two ulps of the larger term. */
static void check_saxpy(const float *got, float a, const float *x, const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float want = ref_saxpy(a, x[i], y[i]);
        double tol = 2.0 * FLT_EPSILON * (fabs((double)a * x[i]) + fabs(y[i])) + FLT_MIN;
        if (!(fabs((double)got[i] - want) <= tol))
            FAIL_("saxpy item %zu: got %.9g, want %.9g (a=%g x=%g y=%g)", i, got[i], want, a,
                  x[i], y[i]);
    }
}

static void test_saxpy(clpool *pool)
{
    enum { N = 100000 };
    clpool_program *prog = NULL;
    clpool_kernel *k = test_kernel(pool, "saxpy", &prog);
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *got = malloc(N * sizeof *got);
    ASSERT(x != NULL && y != NULL && got != NULL);
    for (size_t i = 0; i < N; i++) {
        x[i] = uniform(-1000.0f, 1000.0f);
        y[i] = uniform(-1000.0f, 1000.0f);
    }
    const float a = 2.5f;

    /* Device buffers, with CLPOOL_MAP. */
    clpool_buffer *bx = NULL, *by = NULL;
    ASSERT_OK(pool, clpool_buffer_new(pool, N * sizeof(float), &bx));
    ASSERT_OK(pool, clpool_buffer_new(pool, N * sizeof(float), &by));
    ASSERT_OK(pool, clpool_buffer_write(bx, 0, x, N * sizeof(float)));
    ASSERT_OK(pool, clpool_buffer_write(by, 0, y, N * sizeof(float)));
    ASSERT_OK(pool, CLPOOL_MAP(k, N, clpool_f32(a), clpool_buf(bx), clpool_buf(by)));
    ASSERT_OK(pool, clpool_buffer_read(by, 0, got, N * sizeof(float)));
    check_saxpy(got, a, x, y, N);

    /* Host arrays, with an explicit argument array: y is read and written. */
    memcpy(got, y, N * sizeof(float));
    const clpool_arg args[] = {clpool_f32(a), clpool_in(x, sizeof(float)),
                               clpool_inout(got, sizeof(float))};
    ASSERT_OK(pool, clpool_map(k, N, args, 3));
    check_saxpy(got, a, x, y, N);

    /* A buffer and a host array mixed, through the async pair. */
    ASSERT_OK(pool, clpool_buffer_write(by, 0, y, N * sizeof(float)));
    clpool_event *ev = NULL;
    const clpool_arg mixed[] = {clpool_f32(-a), clpool_in(x, sizeof(float)), clpool_buf(by)};
    ASSERT_OK(pool, clpool_map_async(k, N, mixed, 3, &ev));
    ASSERT(ev != NULL);
    ASSERT_OK(pool, clpool_wait(ev));
    ASSERT_OK(pool, clpool_buffer_read(by, 0, got, N * sizeof(float)));
    check_saxpy(got, -a, x, y, N);

    clpool_buffer_free(bx);
    clpool_buffer_free(by);
    clpool_program_free(prog);
    free(x);
    free(y);
    free(got);
}

/* ------------------------------------------------------------- mandelbrot */

static void test_mandelbrot(clpool *pool)
{
    enum { W = 320, H = 240, MAX_ITER = 500 };
    const float x0 = -2.2f, y0 = -1.2f, dx = 3.2f / W, dy = 2.4f / H;
    clpool_program *prog = NULL;
    clpool_kernel *k = test_kernel(pool, "mandelbrot", &prog);
    uint32_t *iters = malloc(W * H * sizeof *iters);
    ASSERT(iters != NULL);
    memset(iters, 0xff, W * H * sizeof *iters);

    ASSERT_OK(pool, CLPOOL_MAP(k, (size_t)W * H, clpool_out(iters, sizeof(uint32_t)),
                               clpool_u32(W), clpool_f32(x0), clpool_f32(y0), clpool_f32(dx),
                               clpool_f32(dy), clpool_u32(MAX_ITER)));

    /* A device may contract the pixel's coordinate and the iteration into
     * fused multiply-adds, which moves c or the orbit by one rounding. Near
     * the set's boundary the orbit is chaotic and near the escape circle the
     * test `<= 4` is a knife edge, so such pixels may differ, even ones that
     * escape after one iteration (seen on PoCL: 263 of 76800, 0.34%). At
     * most 1 pixel in 100 may differ. */
    size_t differ = 0, inside = 0;
    for (size_t i = 0; i < (size_t)W * H; i++) {
        uint32_t want = ref_mandelbrot(i, W, x0, y0, dx, dy, MAX_ITER);
        if (iters[i] > MAX_ITER)
            FAIL_("pixel %zu: %u iterations, more than max_iter %u", i, iters[i], MAX_ITER);
        if (iters[i] != want)
            differ++;
        inside += want == MAX_ITER;
    }
    fprintf(stderr, "mandelbrot: %zu of %d pixels differ from the C reference\n", differ, W * H);
    ASSERT_LE(differ * 100, (size_t)W * H);
    /* The image is not trivial: part of it is inside the set. */
    ASSERT_GT(inside, (size_t)W * H / 20);
    /* The origin is inside, the far corner escapes at once. */
    size_t origin = (size_t)((0.0f - y0) / dy) * W + (size_t)((0.0f - x0) / dx);
    ASSERT_EQ(iters[origin], MAX_ITER);
    ASSERT_LE(iters[0], 2);

    clpool_program_free(prog);
    free(iters);
}

/* ----------------------------------------------------------- blackscholes */

static void test_blackscholes(clpool *pool)
{
    enum { N = 50000 };
    const float r = 0.02f, v = 0.30f;
    clpool_program *prog = NULL;
    clpool_kernel *k = test_kernel(pool, "blackscholes", &prog);
    float *S = malloc(N * sizeof *S), *K = malloc(N * sizeof *K), *T = malloc(N * sizeof *T);
    float *call = malloc(N * sizeof *call), *put = malloc(N * sizeof *put);
    ASSERT(S && K && T && call && put);
    for (size_t i = 0; i < N; i++) {
        S[i] = uniform(5.0f, 30.0f);
        K[i] = uniform(1.0f, 100.0f);
        T[i] = uniform(0.25f, 10.0f);
    }

    /* The inputs in device buffers, the outputs as host arrays. */
    clpool_buffer *bS = NULL, *bK = NULL, *bT = NULL;
    ASSERT_OK(pool, clpool_buffer_new(pool, N * sizeof(float), &bS));
    ASSERT_OK(pool, clpool_buffer_new(pool, N * sizeof(float), &bK));
    ASSERT_OK(pool, clpool_buffer_new(pool, N * sizeof(float), &bT));
    ASSERT_OK(pool, clpool_buffer_write(bS, 0, S, N * sizeof(float)));
    ASSERT_OK(pool, clpool_buffer_write(bK, 0, K, N * sizeof(float)));
    ASSERT_OK(pool, clpool_buffer_write(bT, 0, T, N * sizeof(float)));
    ASSERT_OK(pool, CLPOOL_MAP(k, N, clpool_buf(bS), clpool_buf(bK), clpool_buf(bT),
                               clpool_out(call, sizeof(float)), clpool_out(put, sizeof(float)),
                               clpool_f32(r), clpool_f32(v)));

    for (size_t i = 0; i < N; i++) {
        double want_call, want_put;
        /* In double: closer to the truth than either float version. */
        ref_blackscholes_f64(S[i], K[i], T[i], r, v, &want_call, &want_put);
        if (!(fabs(call[i] - want_call) <= 1e-3 * fmax(1.0, fabs(want_call))))
            FAIL_("option %zu (S=%g K=%g T=%g): call %.7g, want %.7g", i, S[i], K[i], T[i],
                  call[i], want_call);
        if (!(fabs(put[i] - want_put) <= 1e-3 * fmax(1.0, fabs(want_put))))
            FAIL_("option %zu (S=%g K=%g T=%g): put %.7g, want %.7g", i, S[i], K[i], T[i],
                  put[i], want_put);
    }

    clpool_buffer_free(bS);
    clpool_buffer_free(bK);
    clpool_buffer_free(bT);
    clpool_program_free(prog);
    free(S);
    free(K);
    free(T);
    free(call);
    free(put);
}

int main(void)
{
    clpool *pool = test_open(CLPOOL_OPENCL, NULL);
    ASSERT_STR_CONTAINS(clpool_describe(pool), "opencl");
    test_saxpy(pool);
    test_mandelbrot(pool);
    test_blackscholes(pool);
    clpool_close(pool);
    return 0;
}
