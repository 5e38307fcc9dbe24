/*
 * The C side of `python -m clpool.bench --overhead`: the same two
 * measurements as the Python side, through the C API on the backend that
 * the CLPOOL_* environment picks. Prints one JSON object:
 *   one_item_us   median over 21 batches of 2000 one-item saxpy maps
 *   saxpy24_ms    median of 11 saxpy maps over 2^24 floats (host arrays)
 *   saxpy24_gbs   12 bytes per item over that time
 *   bench_c_overhead SAXPY_CL
 */
#include <clpool.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

/* The arrays as numpy makes them: page aligned, and (numpy does this for
 * arrays of 4 MiB or more) advised to use transparent huge pages, so that
 * both sides copy through the same kind of memory. */
static float *numpy_like_array(size_t n)
{
    size_t bytes = (n * sizeof(float) + 4095) & ~(size_t)4095;
    float *p = aligned_alloc(4096, bytes);
#ifdef MADV_HUGEPAGE
    if (p != NULL)
        madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s saxpy.cl\n", argv[0]);
        return 2;
    }
    clpool *pool;
    clpool_program *prog;
    clpool_kernel *k;
    if (clpool_open(NULL, &pool) != CLPOOL_OK) {
        fprintf(stderr, "%s\n", clpool_errmsg(NULL));
        return 1;
    }
    if (clpool_program_file(pool, argv[1], NULL, &prog) != CLPOOL_OK ||
        clpool_kernel_get(prog, "saxpy", &k) != CLPOOL_OK) {
        fprintf(stderr, "%s\n", clpool_errmsg(pool));
        return 1;
    }
    float x1 = 1, y1 = 1;
    enum { BATCHES = 21, PER = 2000, BIG = 11 };
    double t1[BATCHES], tb[BIG];
    for (int b = -1; b < BATCHES; b++) {
        double t = now();
        for (int i = 0; i < PER; i++)
            if (CLPOOL_MAP(k, 1, clpool_f32(2.0f), clpool_in(&x1, 4), clpool_inout(&y1, 4)) != 0) {
                fprintf(stderr, "%s\n", clpool_errmsg(pool));
                return 1;
            }
        if (b >= 0)
            t1[b] = (now() - t) / PER;
    }
    size_t n = (size_t)1 << 24;
    float *x = numpy_like_array(n), *y = numpy_like_array(n);
    if (x == NULL || y == NULL)
        return 1;
    for (size_t i = 0; i < n; i++)
        x[i] = y[i] = 1.0f;
    for (int r = -3; r < BIG; r++) {
        double t = now();
        if (CLPOOL_MAP(k, n, clpool_f32(2.0f), clpool_in(x, 4), clpool_inout(y, 4)) != 0) {
            fprintf(stderr, "%s\n", clpool_errmsg(pool));
            return 1;
        }
        if (r >= 0)
            tb[r] = now() - t;
    }
    double big = median(tb, BIG);
    printf("{\"one_item_us\": %.3f, \"saxpy24_ms\": %.3f, \"saxpy24_gbs\": %.3f}\n",
           median(t1, BATCHES) * 1e6, big * 1e3, 12.0 * (double)n / big / 1e9);
    free(x);
    free(y);
    clpool_program_free(prog);
    clpool_close(pool);
    return 0;
}
