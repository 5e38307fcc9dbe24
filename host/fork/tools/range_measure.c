/*
 * clpool-range_measure: what the N-D range path costs (issue 10, Done-when
 * 7), on the backend CLPOOL_BACKEND names (default fork). Interleaved runs,
 * medians, ratios within one process:
 *   launch   a one-item map through clpool_map and through the 1-D
 *            clpool_map_range (median of many);
 *   saxpy    2^24 floats resident in buffers, the same two ways;
 *   blur     a 3x3 box blur over a 4096x4096 float image in buffers, as a
 *            2-D range {w, h} (local size left to clpool) and written 1-D
 *            over w*h items with x = i % w, y = i / w.
 * Every result is checked against C. Usage: clpool-range_measure [reps]
 */
#include <clpool.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(pool, call)                                                                   \
    do {                                                                                    \
        if ((call) != CLPOOL_OK) {                                                          \
            fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,                              \
                    clpool_errmsg(pool));                                                   \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

static const char source[] =
    "__kernel void saxpy(const float a, __global const float *x, __global float *y)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    y[i] = a * x[i] + y[i];\n"
    "}\n"
    "__kernel void blur2d(__global const float *in, __global float *out, uint w, uint h)\n"
    "{\n"
    "    int x = (int)get_global_id(0), y = (int)get_global_id(1);\n"
    "    float s = 0.0f;\n"
    "    for (int dy = -1; dy <= 1; dy++)\n"
    "        for (int dx = -1; dx <= 1; dx++)\n"
    "            s += in[clamp(y + dy, 0, (int)h - 1) * (int)w + clamp(x + dx, 0, (int)w - 1)];\n"
    "    out[y * (int)w + x] = s * (1.0f / 9.0f);\n"
    "}\n"
    "__kernel void blur1d(__global const float *in, __global float *out, uint w, uint h)\n"
    "{\n"
    "    size_t i = get_global_id(0);\n"
    "    int x = (int)(i % w), y = (int)(i / w);\n"
    "    float s = 0.0f;\n"
    "    for (int dy = -1; dy <= 1; dy++)\n"
    "        for (int dx = -1; dx <= 1; dx++)\n"
    "            s += in[clamp(y + dy, 0, (int)h - 1) * (int)w + clamp(x + dx, 0, (int)w - 1)];\n"
    "    out[y * (int)w + x] = s * (1.0f / 9.0f);\n"
    "}\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Times fa and fb alternately, reps times each; medians in ma and mb. */
typedef void (*runner)(void *ctx);
static void pair(runner fa, runner fb, void *ctx, int reps, double *ma, double *mb)
{
    double *ta = malloc((size_t)reps * sizeof *ta), *tb = malloc((size_t)reps * sizeof *tb);
    if (ta == NULL || tb == NULL)
        exit(1);
    fa(ctx);
    fb(ctx);
    for (int r = 0; r < reps; r++) {
        double t0 = now_s();
        (r % 2 ? fb : fa)(ctx);
        double t1 = now_s();
        (r % 2 ? fa : fb)(ctx);
        double t2 = now_s();
        (r % 2 ? tb : ta)[r] = t1 - t0;
        (r % 2 ? ta : tb)[r] = t2 - t1;
    }
    *ma = median(ta, reps);
    *mb = median(tb, reps);
    free(ta);
    free(tb);
}

struct ctx {
    clpool *pool;
    clpool_kernel *saxpy, *blur2d, *blur1d;
    clpool_buffer *bx, *by, *bin, *bout;
    size_t n, w, h;
    int inner; /* maps per timed run */
};

static void launch_map(void *p)
{
    struct ctx *c = p;
    for (int i = 0; i < c->inner; i++)
        CHECK(c->pool, CLPOOL_MAP(c->saxpy, 1, clpool_f32(1.0f), clpool_buf(c->bx),
                                  clpool_buf(c->by)));
}

static void launch_range(void *p)
{
    struct ctx *c = p;
    clpool_range r = {1, {1}, {0}, {0}};
    clpool_arg a[] = {clpool_f32(1.0f), clpool_buf(c->bx), clpool_buf(c->by)};
    for (int i = 0; i < c->inner; i++)
        CHECK(c->pool, clpool_map_range(c->saxpy, &r, a, 3));
}

static void saxpy_map(void *p)
{
    struct ctx *c = p;
    CHECK(c->pool, CLPOOL_MAP(c->saxpy, c->n, clpool_f32(1.0f), clpool_buf(c->bx),
                              clpool_buf(c->by)));
}

static void saxpy_range(void *p)
{
    struct ctx *c = p;
    clpool_range r = {1, {c->n}, {0}, {0}};
    clpool_arg a[] = {clpool_f32(1.0f), clpool_buf(c->bx), clpool_buf(c->by)};
    CHECK(c->pool, clpool_map_range(c->saxpy, &r, a, 3));
}

static void blur_2d(void *p)
{
    struct ctx *c = p;
    clpool_range r = {2, {c->w, c->h}, {0, 0}, {0, 0}};
    clpool_arg a[] = {clpool_buf(c->bin), clpool_buf(c->bout), clpool_u32((uint32_t)c->w),
                      clpool_u32((uint32_t)c->h)};
    CHECK(c->pool, clpool_map_range(c->blur2d, &r, a, 4));
}

static void blur_1d(void *p)
{
    struct ctx *c = p;
    CHECK(c->pool, CLPOOL_MAP(c->blur1d, c->w * c->h, clpool_buf(c->bin), clpool_buf(c->bout),
                              clpool_u32((uint32_t)c->w), clpool_u32((uint32_t)c->h)));
}

static void check_blur(struct ctx *c, const float *img, float *out, runner run, const char *what)
{
    memset(out, 0, c->w * c->h * sizeof *out);
    CHECK(c->pool, clpool_buffer_write(c->bout, 0, out, c->w * c->h * sizeof *out));
    run(c);
    CHECK(c->pool, clpool_buffer_read(c->bout, 0, out, c->w * c->h * sizeof *out));
    for (size_t y = 0; y < c->h; y += 37)
        for (size_t x = 0; x < c->w; x += 13) {
            float s = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    long yy = (long)y + dy, xx = (long)x + dx;
                    yy = yy < 0 ? 0 : yy >= (long)c->h ? (long)c->h - 1 : yy;
                    xx = xx < 0 ? 0 : xx >= (long)c->w ? (long)c->w - 1 : xx;
                    s += img[(size_t)yy * c->w + (size_t)xx];
                }
            s *= 1.0f / 9.0f;
            if (fabsf(out[y * c->w + x] - s) > 1e-4f * (1 + fabsf(s))) {
                fprintf(stderr, "%s: pixel (%zu, %zu) is %g, want %g\n", what, x, y,
                        out[y * c->w + x], s);
                exit(1);
            }
        }
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 15;
    if (reps < 3 || reps > 1000) {
        fprintf(stderr, "usage: %s [reps 3..1000]\n", argv[0]);
        return 2;
    }
    clpool_config cfg;
    clpool_config_init(&cfg);
    if (getenv("CLPOOL_BACKEND") == NULL)
        cfg.backend = CLPOOL_FORK;
    struct ctx c = {.n = (size_t)1 << 24, .w = 4096, .h = 4096};
    if (clpool_open(&cfg, &c.pool) != CLPOOL_OK) {
        fprintf(stderr, "clpool_open: %s\n", clpool_errmsg(NULL));
        return 1;
    }
    clpool_program *prog;
    CHECK(c.pool, clpool_program_source(c.pool, source, NULL, &prog));
    CHECK(c.pool, clpool_kernel_get(prog, "saxpy", &c.saxpy));
    CHECK(c.pool, clpool_kernel_get(prog, "blur2d", &c.blur2d));
    CHECK(c.pool, clpool_kernel_get(prog, "blur1d", &c.blur1d));
    size_t bytes = c.n * sizeof(float), img = c.w * c.h * sizeof(float);
    float *x = malloc(bytes), *pix = malloc(img), *out = malloc(img);
    if (x == NULL || pix == NULL || out == NULL)
        return 1;
    for (size_t i = 0; i < c.n; i++)
        x[i] = (float)(i & 1023);
    for (size_t i = 0; i < c.w * c.h; i++)
        pix[i] = (float)((i * 2654435761u) >> 24);
    CHECK(c.pool, clpool_buffer_new(c.pool, bytes, &c.bx));
    CHECK(c.pool, clpool_buffer_new(c.pool, bytes, &c.by));
    CHECK(c.pool, clpool_buffer_new(c.pool, img, &c.bin));
    CHECK(c.pool, clpool_buffer_new(c.pool, img, &c.bout));
    CHECK(c.pool, clpool_buffer_write(c.bx, 0, x, bytes));
    CHECK(c.pool, clpool_buffer_write(c.by, 0, x, bytes));
    CHECK(c.pool, clpool_buffer_write(c.bin, 0, pix, img));
    check_blur(&c, pix, out, blur_2d, "blur 2-D");
    check_blur(&c, pix, out, blur_1d, "blur 1-D");

    printf("%s\n", clpool_describe(c.pool));
    double a, b;
    c.inner = 1000;
    pair(launch_map, launch_range, &c, reps, &a, &b);
    printf("launch   clpool_map %8.3f us  clpool_map_range %8.3f us  range/map time %.3f\n",
           a / c.inner * 1e6, b / c.inner * 1e6, b / a);
    pair(saxpy_map, saxpy_range, &c, reps, &a, &b);
    printf("saxpy    clpool_map %8.3f ms  clpool_map_range %8.3f ms  range/map throughput "
           "%.3f\n",
           a * 1e3, b * 1e3, a / b);
    pair(blur_2d, blur_1d, &c, reps, &a, &b);
    printf("blur     2-D range  %8.3f ms  1-D i%%w, i/w    %8.3f ms  2-D/1-D throughput %.3f\n",
           a * 1e3, b * 1e3, b / a);
    clpool_close(c.pool);
    free(x);
    free(pix);
    free(out);
    return 0;
}
