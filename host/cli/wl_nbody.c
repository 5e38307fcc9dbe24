/* nbody: one step of all-pairs gravity. n bodies, n*n pairs, 20 flops per
 * pair by the usual convention (the CUDA SDK's), so GFLOP/s is meaningful. */
#include "openmp.h"
#include "util.h"
#include "workload.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

#define NBODY_EPS2 1e-4f
#define NBODY_FLOPS_PER_PAIR 20.0

typedef struct nbody {
    double *ref;   /* 3 per body: the acceleration, in double */
    double *scale; /* per body: the sum of the magnitudes of all pulls */
} nbody;

static void nbody_reference(const bench_data *d, nbody *p)
{
    const float *x = d->arrays[0].init, *y = d->arrays[1].init, *z = d->arrays[2].init,
                *m = d->arrays[3].init;
    for (size_t i = 0; i < d->n; i++) {
        double s[3] = {0.0, 0.0, 0.0}, mag = 0.0;
        for (size_t j = 0; j < d->n; j++) {
            const double dx = (double)x[j] - x[i], dy = (double)y[j] - y[i],
                         dz = (double)z[j] - z[i];
            const double d2 = dx * dx + dy * dy + dz * dz + (double)NBODY_EPS2;
            const double f = m[j] / (d2 * sqrt(d2));
            s[0] += f * dx;
            s[1] += f * dy;
            s[2] += f * dz;
            mag += f * sqrt(d2 - (double)NBODY_EPS2);
        }
        for (int c = 0; c < 3; c++)
            p->ref[3 * i + c] = s[c];
        p->scale[i] = mag;
    }
}

static int nbody_setup(bench_data *d, size_t n)
{
    float *pos[3], *m;
    nbody *p = bench_alloc(d, 1, sizeof *p);
    if (p == NULL)
        return -1;
    for (int c = 0; c < 3; c++)
        if (bench_array_add(d, BENCH_IN, sizeof(float), n, (void **)&pos[c]) != 0)
            return -1;
    if (bench_array_add(d, BENCH_IN, sizeof(float), n, (void **)&m) != 0)
        return -1;
    /* Every item reads every body: the inputs are passed whole. */
    for (size_t a = 0; a < d->narrays; a++)
        d->arrays[a].whole = 1;
    for (int c = 0; c < 3; c++)
        if (bench_array_add(d, BENCH_OUT, sizeof(float), n, NULL) != 0)
            return -1;
    if ((p->ref = bench_alloc(d, n, 3 * sizeof(double))) == NULL ||
        (p->scale = bench_alloc(d, n, sizeof(double))) == NULL)
        return -1;
    /* A uniform cube of bodies with masses within a factor of ten. */
    uint64_t seed = 3;
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < 3; c++)
            pos[c][i] = bench_rand_float(&seed, -1.0f, 1.0f);
        m[i] = bench_rand_float(&seed, 0.1f, 1.0f) / (float)n;
    }
    d->n = n;
    d->priv = p;
    nbody_reference(d, p);
    d->flops = NBODY_FLOPS_PER_PAIR * (double)n * (double)n;
    return 0;
}

static size_t nbody_bind(const bench_data *d, clpool_buffer *const *bufs, size_t n,
                         clpool_arg *args)
{
    (void)d;
    for (size_t i = 0; i < 7; i++)
        args[i] = clpool_buf(bufs[i]);
    /* A map of n items pulls on them from the first n bodies only: a small
     * map then costs little work per item (for the launch latency). */
    args[7] = clpool_u32((uint32_t)n);
    args[8] = clpool_f32(NBODY_EPS2);
    return 9;
}

static int nbody_verify(const bench_data *d, void *const *results, char *why, size_t whylen)
{
    const nbody *p = d->priv;
    static const char axes[] = "xyz";
    for (size_t i = 0; i < d->n; i++) {
        for (int c = 0; c < 3; c++) {
            const float got = ((const float *)results[4 + c])[i];
            const double want = p->ref[3 * i + c];
            /* The float sum of n pulls that cancel each other: its error
             * grows with the size of the pulls, not of the result. */
            const double tol = 1e-4 * p->scale[i] + 1e-30;
            if (!(fabs((double)got - want) <= tol)) {
                snprintf(why, whylen, "a%c[%zu] = %.7g, reference %.7g (tolerance %.2g)",
                         axes[c], i, (double)got, want, tol);
                return 0;
            }
        }
    }
    return 1;
}

static void nbody_omp(const bench_data *d, void *const *arrays)
{
    bench_openmp_nbody(arrays[0], arrays[1], arrays[2], arrays[3], arrays[4], arrays[5],
                       arrays[6], (uint32_t)d->n, NBODY_EPS2, d->n);
}

const bench_workload bench_nbody = {
    .name = "nbody",
    .file = "nbody.cl",
    .kernel = "nbody",
    .about = "one all-pairs gravity step, O(n^2); compute-bound (GFLOP/s, 20 per pair)",
    .default_n = 4096,
    .setup = nbody_setup,
    .bind = nbody_bind,
    .verify = nbody_verify,
    .omp = nbody_omp,
};
