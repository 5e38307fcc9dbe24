/* histogram: integer hashing and a global atomic_inc per item into 256
 * bins. Integer work, so items/s only; the counts must match exactly. */
#include "openmp.h"
#include "util.h"
#include "workload.h"

#include <stdint.h>
#include <stdio.h>

#define HIST_BINS 256
#define HIST_SEED 0x9e3779b9u
#define HIST_ROUNDS 16u

typedef struct hist {
    uint32_t ref[HIST_BINS];
} hist;

/* The kernel's hash_round, in C. */
static uint32_t hash_round(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    h *= 0x846ca68bu;
    h ^= h >> 16;
    return h;
}

static int hist_setup(bench_data *d, size_t n)
{
    hist *p = bench_alloc(d, 1, sizeof *p);
    /* The bins start at zero, and are zeroed again before every run. */
    if (p == NULL || n > UINT32_MAX ||
        bench_array_add(d, BENCH_INOUT, sizeof(uint32_t), HIST_BINS, NULL) != 0)
        return -1;
    d->arrays[0].whole = 1; /* 256 bins shared by every item */
    for (size_t i = 0; i < n; i++) {
        uint32_t h = (uint32_t)i ^ HIST_SEED;
        for (uint32_t r = 0; r < HIST_ROUNDS; r++)
            h = hash_round(h + r);
        p->ref[h >> 24]++;
    }
    d->n = n;
    d->priv = p;
    return 0;
}

static size_t hist_bind(const bench_data *d, clpool_buffer *const *bufs, size_t n,
                        clpool_arg *args)
{
    (void)d;
    (void)n;
    args[0] = clpool_buf(bufs[0]);
    args[1] = clpool_u32(HIST_SEED);
    args[2] = clpool_u32(HIST_ROUNDS);
    return 3;
}

static int hist_verify(const bench_data *d, void *const *results, char *why, size_t whylen)
{
    const hist *p = d->priv;
    const uint32_t *got = results[0];
    for (size_t b = 0; b < HIST_BINS; b++) {
        if (got[b] != p->ref[b]) {
            snprintf(why, whylen, "bin %zu counts %u, reference %u", b, (unsigned)got[b],
                     (unsigned)p->ref[b]);
            return 0;
        }
    }
    return 1;
}

static void hist_omp(const bench_data *d, void *const *arrays)
{
    bench_openmp_histogram(arrays[0], HIST_SEED, HIST_ROUNDS, d->n);
}

const bench_workload bench_histogram = {
    .name = "histogram",
    .file = "histogram.cl",
    .kernel = "histogram",
    .about = "hash each index, atomic_inc into 256 global bins; integer, exact",
    .default_n = (size_t)1 << 22,
    .setup = hist_setup,
    .bind = hist_bind,
    .verify = hist_verify,
    .omp = hist_omp,
};
