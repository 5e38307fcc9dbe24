/*
 * Corpus: 2-D and 3-D filters and stencils (tests/corpus/filters.cl,
 * conv.cl, transpose.cl, stencil.cl) on every backend, chunked and
 * unchunked, against C references (see corpus.h). Inputs the kernels read
 * around an item are whole arrays (clpool_array_in); outputs are one
 * element per item (clpool_out), so they are what the chunks split.
 */
#include "corpus.h"

static float ref_px(const float *img, int x, int y, int w, int h)
{
    x = x < 0 ? 0 : x >= w ? w - 1 : x;
    y = y < 0 ? 0 : y >= h ? h - 1 : y;
    return img[y * w + x];
}

static float *random_image(size_t n, uint32_t seed)
{
    float *img = corpus_alloc(n * sizeof *img);
    for (size_t i = 0; i < n; i++)
        img[i] = corpus_uniform(&seed, 0.0f, 1.0f);
    return img;
}

/* 61 x 37: odd sizes, the clpool-picked group size, 9 KB of output. */
static void case_blur(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "filters.cl", NULL, "blur3x3", CORPUS_PLAIN);
    if (k == NULL)
        return;
    enum { W = 61, H = 37 };
    float *src = random_image(W * H, 1), *got = corpus_alloc(W * H * 4),
          *want = corpus_alloc(W * H * 4);
    clpool_range r = corpus_range(2, W, H, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_array_in(src, W * H * 4), clpool_out(got, 4), clpool_i32(W),
               clpool_i32(H));
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float sum = 0.0f;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    sum += ref_px(src, x + dx, y + dy, W, H);
            want[y * W + x] = sum * (1.0f / 9.0f);
        }
    corpus_near_f32(c, "blur3x3", got, want, W * H, 1e-6, 1e-6);
    free(src), free(got), free(want);
}

/* A region of interest: the blur over a rectangle of a bigger image, by a
 * range with an offset, the kernel indexing the whole image; the output is
 * the whole image too (clpool_array_inout), left as it was outside. */
static void case_blur_roi(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "filters.cl", NULL, "blur3x3", CORPUS_PLAIN);
    if (k == NULL)
        return;
    enum { W = 90, H = 70, OX = 13, OY = 21, RW = 50, RH = 30 };
    float *src = random_image(W * H, 11), *dst = corpus_alloc(W * H * 4),
          *want = corpus_alloc(W * H * 4);
    memcpy(dst, src, W * H * 4);
    memcpy(want, src, W * H * 4);
    clpool_range r = corpus_range(2, RW, RH, 1, 0, 0, 0);
    r.offset[0] = OX;
    r.offset[1] = OY;
    CORPUS_RUN(c, k, &r, clpool_array_in(src, W * H * 4), clpool_array_inout(dst, W * H * 4),
               clpool_i32(W), clpool_i32(H));
    for (int y = OY; y < OY + RH; y++)
        for (int x = OX; x < OX + RW; x++) {
            float sum = 0.0f;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    sum += ref_px(src, x + dx, y + dy, W, H);
            want[y * W + x] = sum * (1.0f / 9.0f);
        }
    corpus_near_f32(c, "blur3x3 (region)", dst, want, W * H, 1e-6, 1e-6);
    free(src), free(dst), free(want);
}

/* The same blur with both images in clpool_host_alloc'd memory (used in
 * place on fork, never chunked there). */
static void case_blur_host_alloc(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "filters.cl", NULL, "blur3x3", CORPUS_PLAIN);
    if (k == NULL)
        return;
    enum { W = 96, H = 33 };
    float *src = random_image(W * H, 9), *want = corpus_alloc(W * H * 4);
    void *a = NULL, *b = NULL;
    ASSERT_OK(c->pool, clpool_host_alloc(c->pool, W * H * 4, &a));
    ASSERT_OK(c->pool, clpool_host_alloc(c->pool, W * H * 4, &b));
    float *in = a, *out = b;
    memcpy(in, src, W * H * 4);
    clpool_range r = corpus_range(2, W, H, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_array_in(in, W * H * 4), clpool_out(out, 4), clpool_i32(W),
               clpool_i32(H));
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float sum = 0.0f;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    sum += ref_px(src, x + dx, y + dy, W, H);
            want[y * W + x] = sum * (1.0f / 9.0f);
        }
    corpus_near_f32(c, "blur3x3 (host_alloc)", out, want, W * H, 1e-6, 1e-6);
    clpool_host_free(c->pool, a);
    clpool_host_free(c->pool, b);
    free(src), free(want);
}

/* 64 x 48 in 16 x 16 groups: chunks of whole groups, 16 rows each. */
static void case_sobel(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "filters.cl", NULL, "sobel", CORPUS_PLAIN);
    if (k == NULL)
        return;
    enum { W = 64, H = 48 };
    float *src = random_image(W * H, 2), *got = corpus_alloc(W * H * 4),
          *want = corpus_alloc(W * H * 4);
    clpool_range r = corpus_range(2, W, H, 1, 16, 16, 0);
    CORPUS_RUN(c, k, &r, clpool_array_in(src, W * H * 4), clpool_out(got, 4), clpool_i32(W),
               clpool_i32(H));
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
#define P(dx, dy) ref_px(src, x + (dx), y + (dy), W, H)
            float gx = (P(1, -1) + 2.0f * P(1, 0) + P(1, 1)) - (P(-1, -1) + 2.0f * P(-1, 0) + P(-1, 1));
            float gy = (P(-1, 1) + 2.0f * P(0, 1) + P(1, 1)) - (P(-1, -1) + 2.0f * P(0, -1) + P(1, -1));
#undef P
            want[y * W + x] = sqrtf(gx * gx + gy * gy);
        }
    /* Contracted multiply-adds and sqrt: a few ulp. */
    corpus_near_f32(c, "sobel", got, want, W * H, 1e-5, 1e-5);
    free(src), free(got), free(want);
}

/* A program-scope __constant table of weights; 50 x 40 in 10 x 8 groups. */
static void case_gauss(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "filters.cl", NULL, "gauss5x5", CORPUS_PLAIN);
    if (k == NULL)
        return;
    enum { W = 50, H = 40 };
    static const float g[25] = {1, 4,  6,  4,  1, 4, 16, 24, 16, 4, 6, 24, 36,
                                24, 6, 4, 16, 24, 16, 4, 1, 4,  6,  4, 1};
    float *src = random_image(W * H, 8), *got = corpus_alloc(W * H * 4),
          *want = corpus_alloc(W * H * 4);
    clpool_range r = corpus_range(2, W, H, 1, 10, 8, 0);
    CORPUS_RUN(c, k, &r, clpool_array_in(src, W * H * 4), clpool_out(got, 4), clpool_i32(W),
               clpool_i32(H));
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float sum = 0.0f;
            for (int dy = -2; dy <= 2; dy++)
                for (int dx = -2; dx <= 2; dx++)
                    sum += g[(dy + 2) * 5 + dx + 2] * ref_px(src, x + dx, y + dy, W, H);
            want[y * W + x] = sum * (1.0f / 256.0f);
        }
    corpus_near_f32(c, "gauss5x5", got, want, W * H, 1e-6, 1e-5);
    free(src), free(got), free(want);
}

/* Blur then Sobel of the blurred image, both started with
 * clpool_map_range_async before either is waited for: the pool runs them
 * in order, so the second reads what the first wrote (a whole array given
 * the first's output). */
static void case_async_pipeline(corpus_ctx *c)
{
    clpool_kernel *blur = corpus_kernel(c, "filters.cl", NULL, "blur3x3", CORPUS_PLAIN);
    if (blur == NULL)
        return;
    clpool_kernel *sob = corpus_kernel(c, "filters.cl", NULL, "sobel", CORPUS_PLAIN);
    if (sob == NULL)
        return;
    enum { W = 48, H = 64 };
    float *src = random_image(W * H, 10), *mid = corpus_alloc(W * H * 4),
          *got = corpus_alloc(W * H * 4), *rmid = corpus_alloc(W * H * 4),
          *want = corpus_alloc(W * H * 4);
    const int32_t w = W, h = H;
    clpool_range r = corpus_range(2, W, H, 1, 16, 16, 0);
    const clpool_arg a1[] = {clpool_array_in(src, W * H * 4), clpool_out(mid, 4), clpool_i32(w),
                             clpool_i32(h)};
    const clpool_arg a2[] = {clpool_array_in(mid, W * H * 4), clpool_out(got, 4), clpool_i32(w),
                             clpool_i32(h)};
    clpool_event *e1 = NULL, *e2 = NULL;
    ASSERT_OK(c->pool, clpool_map_range_async(blur, &r, a1, 4, &e1));
    ASSERT_OK(c->pool, clpool_map_range_async(sob, &r, a2, 4, &e2));
    int rc1 = clpool_wait(e1), rc2 = clpool_wait(e2);
    if (rc1 != CLPOOL_OK || rc2 != CLPOOL_OK)
        FAIL_("%s: waits: %s, %s: %s", corpus_where(c), clpool_err_name(rc1), clpool_err_name(rc2),
              clpool_errmsg(c->pool));
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float sum = 0.0f;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    sum += ref_px(src, x + dx, y + dy, W, H);
            rmid[y * W + x] = sum * (1.0f / 9.0f);
        }
    corpus_near_f32(c, "blur3x3 (async)", mid, rmid, W * H, 1e-6, 1e-6);
    /* Sobel of the device's own blur, so only Sobel's rounding counts. */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
#define P(dx, dy) ref_px(mid, x + (dx), y + (dy), W, H)
            float gx = (P(1, -1) + 2.0f * P(1, 0) + P(1, 1)) - (P(-1, -1) + 2.0f * P(-1, 0) + P(-1, 1));
            float gy = (P(-1, 1) + 2.0f * P(0, 1) + P(1, 1)) - (P(-1, -1) + 2.0f * P(0, -1) + P(1, -1));
#undef P
            want[y * W + x] = sqrtf(gx * gx + gy * gy);
        }
    corpus_near_f32(c, "sobel (async)", got, want, W * H, 1e-5, 1e-5);
    free(src), free(mid), free(got), free(rmid), free(want);
}

/* Rows then columns, RADIUS=3 from -D, the weights a __constant table. */
static void case_separable(corpus_ctx *c)
{
    clpool_kernel *rows = corpus_kernel(c, "conv.cl", "-DRADIUS=3", "conv_rows", CORPUS_PLAIN);
    if (rows == NULL)
        return;
    clpool_kernel *cols = corpus_kernel(c, "conv.cl", "-DRADIUS=3", "conv_cols", CORPUS_PLAIN);
    if (cols == NULL)
        return;
    enum { W = 80, H = 50, R = 3 };
    const float weights[2 * R + 1] = {0.03125f, 0.109375f, 0.21875f, 0.28125f,
                                      0.21875f, 0.109375f, 0.03125f};
    float *src = random_image(W * H, 3), *tmp = corpus_alloc(W * H * 4),
          *got = corpus_alloc(W * H * 4), *rtmp = corpus_alloc(W * H * 4),
          *want = corpus_alloc(W * H * 4);
    clpool_range r = corpus_range(2, W, H, 1, 0, 0, 0);
    CORPUS_RUN(c, rows, &r, clpool_array_in(src, W * H * 4), clpool_array_in(weights, sizeof weights),
               clpool_out(tmp, 4), clpool_i32(W), clpool_i32(H));
    CORPUS_RUN(c, cols, &r, clpool_array_in(tmp, W * H * 4), clpool_array_in(weights, sizeof weights),
               clpool_out(got, 4), clpool_i32(W), clpool_i32(H));
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float sum = 0.0f;
            for (int j = -R; j <= R; j++)
                sum += weights[j + R] * ref_px(src, x + j, y, W, H);
            rtmp[y * W + x] = sum;
        }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float sum = 0.0f;
            for (int j = -R; j <= R; j++)
                sum += weights[j + R] * ref_px(rtmp, x, y + j, W, H);
            want[y * W + x] = sum;
        }
    corpus_near_f32(c, "conv_rows", tmp, rtmp, W * H, 1e-6, 1e-5);
    corpus_near_f32(c, "conv_cols", got, want, W * H, 1e-6, 1e-5);
    free(src), free(tmp), free(got), free(rtmp), free(want);
}

static void transpose_check(corpus_ctx *c, const char *name, const float *in, const float *out,
                            int w, int h)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (out[x * h + y] != in[y * w + x])
                FAIL_("%s: %s: out[%d][%d] = %g, want in[%d][%d] = %g", corpus_where(c), name, x,
                      y, out[x * h + y], y, x, in[y * w + x]);
}

/* 64 wide, 32 high; the input is one element per item (each item reads its
 * own), the output whole (each writes another's). */
static void case_transpose_naive(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "transpose.cl", NULL, "transpose_naive", CORPUS_PLAIN);
    if (k == NULL)
        return;
    enum { W = 64, H = 32 };
    float *in = random_image(W * H, 4), *out = corpus_alloc(W * H * 4);
    clpool_range r = corpus_range(2, W, H, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_in(in, 4), clpool_array_out(out, W * H * 4), clpool_i32(W),
               clpool_i32(H));
    transpose_check(c, "transpose_naive", in, out, W, H);
    free(in), free(out);
}

static void case_transpose_tiled(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "transpose.cl", NULL, "transpose_tiled", CORPUS_GROUPS);
    if (k == NULL)
        return;
    enum { W = 64, H = 32 };
    float *in = random_image(W * H, 5), *out = corpus_alloc(W * H * 4);
    clpool_range r = corpus_range(2, W, H, 1, 16, 16, 0);
    CORPUS_RUN(c, k, &r, clpool_in(in, 4), clpool_array_out(out, W * H * 4), clpool_i32(W),
               clpool_i32(H));
    transpose_check(c, "transpose_tiled", in, out, W, H);
    free(in), free(out);
}

/* Done-when 3: x[i-1] and x[i+1] from a whole array, the output past the
 * chunk limit (400 KB against 4 KiB chunks). Integers times 1/2 and 1/4:
 * exact everywhere. */
static void case_stencil3(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "stencil.cl", NULL, "stencil3", CORPUS_PLAIN);
    if (k == NULL)
        return;
    const uint32_t n = 100003;
    float *x = corpus_alloc(n * 4), *got = corpus_alloc(n * 4), *want = corpus_alloc(n * 4);
    uint32_t s = 6;
    for (uint32_t i = 0; i < n; i++)
        x[i] = (float)((int)(corpus_next(&s) >> 21) - 1024);
    clpool_range r = corpus_range(1, n, 1, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_array_in(x, n * 4), clpool_out(got, 4), clpool_u32(n),
               clpool_f32(0.5f), clpool_f32(0.25f));
    for (uint32_t i = 0; i < n; i++) {
        float left = i > 0 ? x[i - 1] : x[i], right = i + 1 < n ? x[i + 1] : x[i];
        want[i] = 0.5f * x[i] + 0.25f * (left + right);
    }
    corpus_near_f32(c, "stencil3", got, want, n, 0, 0);
    free(x), free(got), free(want);
}

/* A 3-D range: 20 x 12 x 10, chunks of whole planes. Integer values:
 * exact. */
static void case_laplace3d(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "stencil.cl", NULL, "laplace3d", CORPUS_PLAIN);
    if (k == NULL)
        return;
    enum { NX = 20, NY = 12, NZ = 10, N = NX * NY * NZ };
    float *u = corpus_alloc(N * 4), *got = corpus_alloc(N * 4), *want = corpus_alloc(N * 4);
    uint32_t s = 7;
    for (int i = 0; i < N; i++)
        u[i] = (float)(corpus_next(&s) >> 24);
    clpool_range r = corpus_range(3, NX, NY, NZ, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_array_in(u, N * 4), clpool_out(got, 4), clpool_i32(NX),
               clpool_i32(NY), clpool_i32(NZ));
    for (int z = 0; z < NZ; z++)
        for (int y = 0; y < NY; y++)
            for (int x = 0; x < NX; x++) {
                int i = (z * NY + y) * NX + x;
                if (x == 0 || y == 0 || z == 0 || x == NX - 1 || y == NY - 1 || z == NZ - 1)
                    want[i] = u[i];
                else
                    want[i] = (u[i - 1] + u[i + 1]) + (u[i - NX] + u[i + NX]) +
                              (u[i - NX * NY] + u[i + NX * NY]) - 6.0f * u[i];
            }
    corpus_near_f32(c, "laplace3d", got, want, N, 0, 0);
    free(u), free(got), free(want);
}

int main(void)
{
    static const corpus_case cases[] = {
        {"blur3x3", case_blur},
        {"blur3x3 (host_alloc)", case_blur_host_alloc},
        {"blur3x3 (region)", case_blur_roi},
        {"sobel", case_sobel},
        {"gauss5x5", case_gauss},
        {"blur+sobel async", case_async_pipeline},
        {"conv_rows+conv_cols", case_separable},
        {"transpose_naive", case_transpose_naive},
        {"transpose_tiled", case_transpose_tiled},
        {"stencil3", case_stencil3},
        {"laplace3d", case_laplace3d},
    };
    return corpus_main(cases, sizeof cases / sizeof cases[0]);
}
