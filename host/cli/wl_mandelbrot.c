/* mandelbrot: escape-time iteration counts over a square image. Compute-bound
 * and uneven: pixels inside the set take max_iter iterations, pixels far
 * outside a handful. GFLOP/s counts 8 flops per iteration actually run. */
#include "openmp.h"
#include "util.h"
#include "workload.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

#define MANDEL_MAX_ITER 256u
#define MANDEL_FLOPS_PER_ITER 8.0 /* x*x, y*y, x*x+y*y, x*x-y*y+cx (2), 2*x*y+cy (3) */

typedef struct mandel {
    uint32_t width;
    float x0, y0, dx, dy;
    uint32_t *ref;
} mandel;

static uint32_t mandel_pixel(const mandel *p, size_t i)
{
    /* The same float operations in the same order as kernels/mandelbrot.cl. */
    const float cx = p->x0 + (float)(i % p->width) * p->dx;
    const float cy = p->y0 + (float)(i / p->width) * p->dy;
    float x = 0.0f, y = 0.0f;
    uint32_t n = 0;
    while (n < MANDEL_MAX_ITER && x * x + y * y <= 4.0f) {
        const float xt = x * x - y * y + cx;
        y = 2.0f * x * y + cy;
        x = xt;
        n++;
    }
    return n;
}

static int mandel_setup(bench_data *d, size_t n)
{
    /* A square image of about n pixels over [-2, 1] x [-1.5, 1.5]. */
    size_t w = (size_t)llround(sqrt((double)n));
    if (w < 1)
        w = 1;
    if (w > UINT32_MAX)
        return -1;
    n = w * w;
    mandel *p = bench_alloc(d, 1, sizeof *p);
    if (p == NULL || bench_array_add(d, BENCH_OUT, sizeof(uint32_t), n, NULL) != 0 ||
        (p->ref = bench_alloc(d, n, sizeof *p->ref)) == NULL)
        return -1;
    p->width = (uint32_t)w;
    p->x0 = -2.0f;
    p->y0 = -1.5f;
    p->dx = 3.0f / (float)w;
    p->dy = 3.0f / (float)w;
    double iters = 0.0;
    for (size_t i = 0; i < n; i++) {
        p->ref[i] = mandel_pixel(p, i);
        iters += p->ref[i];
    }
    d->n = n;
    d->flops = MANDEL_FLOPS_PER_ITER * iters;
    d->priv = p;
    return 0;
}

static size_t mandel_bind(const bench_data *d, clpool_buffer *const *bufs, size_t n,
                          clpool_arg *args)
{
    const mandel *p = d->priv;
    (void)n;
    args[0] = clpool_buf(bufs[0]);
    args[1] = clpool_u32(p->width);
    args[2] = clpool_f32(p->x0);
    args[3] = clpool_f32(p->y0);
    args[4] = clpool_f32(p->dx);
    args[5] = clpool_f32(p->dy);
    args[6] = clpool_u32(MANDEL_MAX_ITER);
    return 7;
}

static int mandel_verify(const bench_data *d, void *const *results, char *why, size_t whylen)
{
    const mandel *p = d->priv;
    const uint32_t *got = results[0];
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < d->n; i++)
        if (got[i] != p->ref[i] && bad++ == 0)
            first = i;
    /* Near the set's boundary the orbit is chaotic: a fused multiply-add,
     * which OpenCL C allows, changes the last bit of x or y and with it the
     * escape count of some pixels. A wrong kernel changes far more than one
     * pixel in a hundred. */
    if (bad <= d->n / 100)
        return 1;
    snprintf(why, whylen, "%zu of %zu pixels differ (at most %zu allowed); pixel %zu: %u, reference %u",
             bad, d->n, d->n / 100, first, (unsigned)got[first], (unsigned)p->ref[first]);
    return 0;
}

static void mandel_omp(const bench_data *d, void *const *arrays)
{
    const mandel *p = d->priv;
    bench_openmp_mandelbrot(arrays[0], p->width, p->x0, p->y0, p->dx, p->dy, MANDEL_MAX_ITER,
                            d->n);
}

const bench_workload bench_mandelbrot = {
    .name = "mandelbrot",
    .file = "mandelbrot.cl",
    .kernel = "mandelbrot",
    .about = "escape-time iterations of a square image; compute-bound, uneven (GFLOP/s)",
    .default_n = (size_t)1 << 20,
    .setup = mandel_setup,
    .bind = mandel_bind,
    .verify = mandel_verify,
    .omp = mandel_omp,
};
