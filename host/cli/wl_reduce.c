/* reduce: the sum of n floats, a __local tree per 256-item work-group and
 * a final pass over the partial sums by the group that finishes last. 4
 * bytes read per item, so GB/s. The partial sums and the total are checked
 * against sums in double. */
#include "openmp.h"
#include "util.h"
#include "workload.h"

#include <math.h>
#include <stdio.h>

#define RED_GROUP 256

typedef struct reduce {
    size_t groups;
    double *ref;  /* per group: its sum in double */
    double total, total_abs;
} reduce;

static int red_setup(bench_data *d, size_t n)
{
    reduce *p = bench_alloc(d, 1, sizeof *p);
    if (p == NULL)
        return -1;
    n = (n + RED_GROUP - 1) / RED_GROUP * RED_GROUP;
    size_t groups = n / RED_GROUP;
    float *x;
    uint32_t *ticket;
    if (bench_array_add(d, BENCH_IN, sizeof(float), n, (void **)&x) != 0 ||
        bench_array_add(d, BENCH_OUT, sizeof(float), groups, NULL) != 0 ||
        bench_array_add(d, BENCH_INOUT, sizeof(uint32_t), 1, (void **)&ticket) != 0 ||
        bench_array_add(d, BENCH_OUT, sizeof(float), 1, NULL) != 0)
        return -1;
    /* The last group reads every group's sum, through a shared ticket: no
     * array may be split into chunks. */
    for (size_t i = 0; i < d->narrays; i++)
        d->arrays[i].whole = 1;
    if ((p->ref = bench_alloc(d, groups, sizeof(double))) == NULL)
        return -1;
    uint64_t seed = 5;
    for (size_t g = 0; g < groups; g++) {
        double s = 0.0;
        for (size_t i = 0; i < RED_GROUP; i++) {
            float v = bench_rand_float(&seed, 0.0f, 1.0f);
            x[g * RED_GROUP + i] = v;
            s += v;
        }
        p->ref[g] = s;
        p->total += s;
    }
    p->total_abs = p->total; /* all inputs are positive */
    p->groups = groups;
    d->n = n;
    d->priv = p;
    d->bytes = 4.0 * (double)n;
    d->flops = (double)n;
    return 0;
}

static size_t red_bind(const bench_data *d, clpool_buffer *const *bufs, size_t n,
                       clpool_arg *args)
{
    (void)d;
    (void)n;
    for (size_t i = 0; i < 4; i++)
        args[i] = clpool_buf(bufs[i]);
    return 4;
}

static int red_verify(const bench_data *d, void *const *results, char *why, size_t whylen)
{
    const reduce *p = d->priv;
    const float *partial = results[1], *total = results[3];
    for (size_t g = 0; g < p->groups; g++) {
        /* 256 positive floats below 1 in a tree: 8 roundings per input. */
        if (!(fabs((double)partial[g] - p->ref[g]) <= 1e-5 * p->ref[g] + 1e-6)) {
            snprintf(why, whylen, "group %zu sums to %.9g, reference %.9g", g,
                     (double)partial[g], p->ref[g]);
            return 0;
        }
    }
    if (!(fabs((double)total[0] - p->total) <= 1e-5 * p->total_abs)) {
        snprintf(why, whylen, "the total is %.9g, reference %.9g", (double)total[0], p->total);
        return 0;
    }
    return 1;
}

static void red_omp(const bench_data *d, void *const *arrays)
{
    bench_openmp_reduce(arrays[0], arrays[1], arrays[2], arrays[3], d->n);
}

const bench_workload bench_reduce = {
    .name = "reduce",
    .file = "reduce.cl",
    .kernel = "reduce",
    .about = "sum of floats: __local tree per 256-item group, then a final pass (GB/s)",
    .default_n = (size_t)1 << 24,
    .launch_items = RED_GROUP,
    .setup = red_setup,
    .bind = red_bind,
    .verify = red_verify,
    .omp = red_omp,
};
