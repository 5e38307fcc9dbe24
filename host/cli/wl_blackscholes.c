/* blackscholes: European call and put prices. Each option costs a log, an
 * exp, a sqrt and four normal CDFs (each with an exp): it measures the speed
 * of transcendental functions, in options (items) per second. Flops are not
 * counted: a transcendental has no agreed flop count. */
#include "openmp.h"
#include "util.h"
#include "workload.h"

#include <math.h>
#include <stdio.h>

#define BS_RATE 0.02f
#define BS_VOLATILITY 0.30f

typedef struct bs {
    float *call, *put; /* reference prices */
} bs;

/* The kernel's cumulative normal (Abramowitz & Stegun 26.2.17), in double. */
static double bs_cnd(double d)
{
    const double a1 = 0.319381530, a2 = -0.356563782, a3 = 1.781477937;
    const double a4 = -1.821255978, a5 = 1.330274429;
    const double k = 1.0 / (1.0 + 0.2316419 * fabs(d));
    const double poly = k * (a1 + k * (a2 + k * (a3 + k * (a4 + k * a5))));
    const double c = 0.39894228040143267794 * exp(-0.5 * d * d) * poly;
    return d > 0.0 ? 1.0 - c : c;
}

static int bs_setup(bench_data *d, size_t n)
{
    float *S, *K, *T;
    bs *p = bench_alloc(d, 1, sizeof *p);
    if (p == NULL || bench_array_add(d, BENCH_IN, sizeof(float), n, (void **)&S) != 0 ||
        bench_array_add(d, BENCH_IN, sizeof(float), n, (void **)&K) != 0 ||
        bench_array_add(d, BENCH_IN, sizeof(float), n, (void **)&T) != 0 ||
        bench_array_add(d, BENCH_OUT, sizeof(float), n, NULL) != 0 ||
        bench_array_add(d, BENCH_OUT, sizeof(float), n, NULL) != 0 ||
        (p->call = bench_alloc(d, n, sizeof(float))) == NULL ||
        (p->put = bench_alloc(d, n, sizeof(float))) == NULL)
        return -1;
    /* The ranges of the CUDA and OpenCL SDK samples. */
    uint64_t seed = 2;
    const double r = BS_RATE, v = BS_VOLATILITY;
    for (size_t i = 0; i < n; i++) {
        S[i] = bench_rand_float(&seed, 5.0f, 30.0f);
        K[i] = bench_rand_float(&seed, 1.0f, 100.0f);
        T[i] = bench_rand_float(&seed, 0.25f, 10.0f);
        const double s = S[i], k = K[i], t = T[i], sqrt_t = sqrt(t);
        const double d1 = (log(s / k) + (r + 0.5 * v * v) * t) / (v * sqrt_t);
        const double d2 = d1 - v * sqrt_t;
        const double discount = exp(-r * t);
        p->call[i] = (float)(s * bs_cnd(d1) - k * discount * bs_cnd(d2));
        p->put[i] = (float)(k * discount * bs_cnd(-d2) - s * bs_cnd(-d1));
    }
    d->n = n;
    d->priv = p;
    return 0;
}

static size_t bs_bind(const bench_data *d, clpool_buffer *const *bufs, size_t n,
                      clpool_arg *args)
{
    (void)d;
    (void)n;
    for (size_t i = 0; i < 5; i++)
        args[i] = clpool_buf(bufs[i]);
    args[5] = clpool_f32(BS_RATE);
    args[6] = clpool_f32(BS_VOLATILITY);
    return 7;
}

static int bs_verify(const bench_data *d, void *const *results, char *why, size_t whylen)
{
    const bs *p = d->priv;
    const float *got[2] = {results[3], results[4]}, *want[2] = {p->call, p->put};
    static const char *const names[2] = {"call", "put"};
    for (size_t a = 0; a < 2; a++) {
        for (size_t i = 0; i < d->n; i++) {
            /* The kernel works in float: log(s/k) and exp lose a few ulps,
             * which a price of tens of units turns into about 1e-5. */
            double tol = 1e-4 + 1e-4 * fabs((double)want[a][i]);
            if (!(fabs((double)got[a][i] - want[a][i]) <= tol)) {
                snprintf(why, whylen, "%s[%zu] = %.7g, reference %.7g (tolerance %.2g)",
                         names[a], i, (double)got[a][i], (double)want[a][i], tol);
                return 0;
            }
        }
    }
    return 1;
}

static void bs_omp(const bench_data *d, void *const *arrays)
{
    bench_openmp_blackscholes(arrays[0], arrays[1], arrays[2], arrays[3], arrays[4], BS_RATE,
                              BS_VOLATILITY, d->n);
}

const bench_workload bench_blackscholes = {
    .name = "blackscholes",
    .file = "blackscholes.cl",
    .kernel = "blackscholes",
    .about = "Black-Scholes call and put prices; transcendental functions (options/s)",
    .default_n = (size_t)1 << 20,
    .setup = bs_setup,
    .bind = bs_bind,
    .verify = bs_verify,
    .omp = bs_omp,
};
