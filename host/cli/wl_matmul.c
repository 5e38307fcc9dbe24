/* matmul: c = a * b for square float matrices through 16x16 __local tiles
 * and barriers (a work-group per tile of c). n items are an N x N result,
 * N the multiple of 16 nearest sqrt(n); 2 N^3 flops, so GFLOP/s. */
#include "openmp.h"
#include "util.h"
#include "workload.h"

#include <math.h>
#include <stdio.h>

#define MM_TILE 16

typedef struct matmul {
    size_t side;
    double *ref, *scale; /* per element of c: the product in double, and sum |a||b| */
} matmul;

static int mm_setup(bench_data *d, size_t n)
{
    matmul *p = bench_alloc(d, 1, sizeof *p);
    if (p == NULL)
        return -1;
    size_t side = (size_t)(sqrt((double)n) / MM_TILE + 0.5) * MM_TILE;
    if (side < MM_TILE)
        side = MM_TILE;
    if (side > 32768)
        return -1;
    float *a, *b;
    if (bench_array_add(d, BENCH_IN, sizeof(float), side * side, (void **)&a) != 0 ||
        bench_array_add(d, BENCH_IN, sizeof(float), side * side, (void **)&b) != 0 ||
        bench_array_add(d, BENCH_OUT, sizeof(float), side * side, NULL) != 0)
        return -1;
    /* Items read whole rows and columns, and write c by tile: no array is
     * one element per item. */
    for (size_t i = 0; i < d->narrays; i++)
        d->arrays[i].whole = 1;
    uint64_t seed = 3;
    for (size_t i = 0; i < side * side; i++) {
        a[i] = bench_rand_float(&seed, -1.0f, 1.0f);
        b[i] = bench_rand_float(&seed, -1.0f, 1.0f);
    }
    if ((p->ref = bench_alloc(d, side * side, sizeof(double))) == NULL ||
        (p->scale = bench_alloc(d, side * side, sizeof(double))) == NULL)
        return -1;
    /* i-k-j order: the reference of a 1024 x 1024 product in about a second. */
    for (size_t i = 0; i < side; i++)
        for (size_t k = 0; k < side; k++) {
            double x = a[i * side + k], ax = fabs(x);
            const float *brow = b + k * side;
            double *r = p->ref + i * side, *s = p->scale + i * side;
            for (size_t j = 0; j < side; j++) {
                r[j] += x * brow[j];
                s[j] += ax * fabs((double)brow[j]);
            }
        }
    p->side = side;
    d->n = side * side;
    d->priv = p;
    d->flops = 2.0 * (double)side * (double)side * (double)side;
    d->bytes = 0.0;
    return 0;
}

static size_t mm_bind(const bench_data *d, clpool_buffer *const *bufs, size_t n,
                      clpool_arg *args)
{
    const matmul *p = d->priv;
    (void)n;
    args[0] = clpool_buf(bufs[0]);
    args[1] = clpool_buf(bufs[1]);
    args[2] = clpool_buf(bufs[2]);
    args[3] = clpool_i32((int32_t)p->side);
    return 4;
}

static int mm_verify(const bench_data *d, void *const *results, char *why, size_t whylen)
{
    const matmul *p = d->priv;
    const float *c = results[2];
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < d->n; i++) {
        /* float accumulation in the kernel's order: an error of a few ulps
         * of the sum of magnitudes per step, far below 1e-5 of it. */
        double tol = 1e-5 * p->scale[i] + 1e-30;
        if (!(fabs((double)c[i] - p->ref[i]) <= tol) && bad++ == 0)
            first = i;
    }
    if (bad == 0)
        return 1;
    snprintf(why, whylen, "%zu of %zu elements differ; c[%zu][%zu] = %.9g, reference %.9g",
             bad, d->n, first / p->side, first % p->side, (double)c[first], p->ref[first]);
    return 0;
}

static void mm_omp(const bench_data *d, void *const *arrays)
{
    const matmul *p = d->priv;
    bench_openmp_matmul(arrays[0], arrays[1], arrays[2], (int)p->side);
}

const bench_workload bench_matmul = {
    .name = "matmul",
    .file = "matmul.cl",
    .kernel = "matmul",
    .about = "square float matrix multiply, 16x16 __local tiles, barriers (GFLOP/s)",
    .default_n = (size_t)1 << 20,
    .launch_items = MM_TILE * MM_TILE,
    .setup = mm_setup,
    .bind = mm_bind,
    .verify = mm_verify,
    .omp = mm_omp,
};
