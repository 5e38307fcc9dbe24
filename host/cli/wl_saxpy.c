/* saxpy: y = a*x + y. 12 bytes move per 2 flops, so it measures memory
 * bandwidth: the metric is GB/s. */
#include "openmp.h"
#include "util.h"
#include "workload.h"

#include <math.h>
#include <stdio.h>

#define SAXPY_A 2.5f

static int saxpy_setup(bench_data *d, size_t n)
{
    float *x, *y;
    if (bench_array_add(d, BENCH_IN, sizeof(float), n, (void **)&x) != 0 ||
        bench_array_add(d, BENCH_INOUT, sizeof(float), n, (void **)&y) != 0)
        return -1;
    uint64_t seed = 1;
    for (size_t i = 0; i < n; i++) {
        x[i] = bench_rand_float(&seed, -1.0f, 1.0f);
        y[i] = bench_rand_float(&seed, -1.0f, 1.0f);
    }
    d->n = n;
    d->bytes = 12.0 * (double)n; /* read x and y, write y */
    return 0;
}

static size_t saxpy_bind(const bench_data *d, clpool_buffer *const *bufs, size_t n,
                         clpool_arg *args)
{
    (void)d;
    (void)n;
    args[0] = clpool_f32(SAXPY_A);
    args[1] = clpool_buf(bufs[0]);
    args[2] = clpool_buf(bufs[1]);
    return 3;
}

static int saxpy_verify(const bench_data *d, void *const *results, char *why, size_t whylen)
{
    const float *x = d->arrays[0].init, *y0 = d->arrays[1].init, *y = results[1];
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < d->n; i++) {
        double ax = (double)SAXPY_A * x[i], want = ax + y0[i];
        /* A fused multiply-add (allowed in OpenCL C) skips one rounding of
         * a*x: a few float ulps of the terms, never more. */
        double tol = 1e-6 * (fabs(ax) + fabs((double)y0[i]));
        if (!(fabs((double)y[i] - want) <= tol) && bad++ == 0)
            first = i;
    }
    if (bad == 0)
        return 1;
    snprintf(why, whylen, "%zu of %zu items differ; y[%zu] = %.9g, reference %.9g", bad, d->n,
             first, (double)y[first], (double)SAXPY_A * x[first] + y0[first]);
    return 0;
}

static void saxpy_omp(const bench_data *d, void *const *arrays)
{
    bench_openmp_saxpy(SAXPY_A, arrays[0], arrays[1], d->n);
}

const bench_workload bench_saxpy = {
    .name = "saxpy",
    .file = "saxpy.cl",
    .kernel = "saxpy",
    .about = "y = a*x + y over floats; memory-bound (GB/s)",
    .default_n = (size_t)1 << 24,
    .setup = saxpy_setup,
    .bind = saxpy_bind,
    .verify = saxpy_verify,
    .omp = saxpy_omp,
};
