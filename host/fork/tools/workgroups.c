/*
 * clpool-workgroups: work-groups on the fork backend against clpool on
 * PoCL (CLPOOL_BACKEND=opencl, a CPU device), in one run:
 *
 *   matmul 1024 x 1024 (kernels/matmul.cl: 16x16 __local tiles, barriers)
 *   reduce 2^24 floats (kernels/reduce.cl: 256-item groups, __local tree)
 *   a barrier-free kernel (saxpy, 2^24 floats) with local size 0 (the fork
 *   backend picks) against local sizes 64 and 256
 *   reduce 2^22 floats on fork as work-item loops against the same kernel
 *   run as fibers (a helper with a barrier appended makes it one)
 *
 * Runs alternate (fork, PoCL, fork, PoCL, ...; local 0, 64, 256, 0, ...),
 * and each figure is the median of its runs, so that a noisy neighbour hurts
 * each side alike. Ratios are other time / fork time (or local-0 time /
 * local-N time): above 1.0 the fork side (the given local size) is faster.
 * Every result is checked before it counts. The fork pool is opened first:
 * it cannot fork its workers once OpenCL is initialised in the process.
 *
 * Usage: clpool-workgroups [--reps N] [--workers N] [--size N] (matmul side)
 */
#include "tool.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- matmul */

typedef struct mm {
    clpool *pool;
    clpool_program *prog;
    clpool_kernel *k;
    clpool_buffer *a, *b, *c;
} mm;

static void mm_open(mm *m, clpool *pool, const float *a, const float *b, size_t n)
{
    m->pool = pool;
    m->k = tool_kernel(pool, "matmul.cl", "matmul", &m->prog);
    size_t bytes = n * n * sizeof(float);
    CHECK(pool, clpool_buffer_new(pool, bytes, &m->a));
    CHECK(pool, clpool_buffer_new(pool, bytes, &m->b));
    CHECK(pool, clpool_buffer_new(pool, bytes, &m->c));
    CHECK(pool, clpool_buffer_write(m->a, 0, a, bytes));
    CHECK(pool, clpool_buffer_write(m->b, 0, b, bytes));
}

static double mm_run(mm *m, size_t n)
{
    double t0 = now();
    CHECK(m->pool, CLPOOL_MAP(m->k, n * n, clpool_buf(m->a), clpool_buf(m->b), clpool_buf(m->c),
                              clpool_i32((int32_t)n)));
    return now() - t0;
}

static void mm_check(mm *m, const float *a, const float *b, size_t n, const char *who)
{
    float *c = malloc(n * n * sizeof *c);
    CHECK(m->pool, clpool_buffer_read(m->c, 0, c, n * n * sizeof *c));
    /* A sample of elements against double sums. */
    for (size_t s = 0; s < 4096; s++) {
        size_t i = (s * 7919) % n, j = (s * 104729) % n;
        double want = 0, mag = 0;
        for (size_t k = 0; k < n; k++) {
            want += (double)a[i * n + k] * b[k * n + j];
            mag += fabs((double)a[i * n + k] * b[k * n + j]);
        }
        if (!(fabs(c[i * n + j] - want) <= 1e-5 * mag + 1e-30)) {
            fprintf(stderr, "matmul on %s: c[%zu][%zu] = %.9g, want %.9g\n", who, i, j,
                    (double)c[i * n + j], want);
            exit(1);
        }
    }
    free(c);
}

static void mm_close(mm *m)
{
    clpool_buffer_free(m->a);
    clpool_buffer_free(m->b);
    clpool_buffer_free(m->c);
    clpool_program_free(m->prog);
}

/* ---------------------------------------------------------------- reduce */

typedef struct red {
    clpool *pool;
    clpool_program *prog;
    clpool_kernel *k;
    clpool_buffer *x, *part, *ticket, *total;
} red;

static void red_open(red *r, clpool *pool, const float *x, size_t n, int fibers)
{
    r->pool = pool;
    if (fibers) {
        char path[4096];
        snprintf(path, sizeof path, "%s/reduce.cl", CLPOOL_KERNELS_DIR);
        FILE *f = fopen(path, "rb");
        static char src[1 << 16];
        size_t len = f != NULL ? fread(src, 1, sizeof src - 256, f) : 0;
        if (f != NULL)
            fclose(f);
        if (len == 0) {
            fprintf(stderr, "cannot read %s\n", path);
            exit(1);
        }
        snprintf(src + len, 256, "\nstatic void fibers_please(void) { barrier(CLK_LOCAL_MEM_FENCE); }\n");
        CHECK(pool, clpool_program_source(pool, src, NULL, &r->prog));
        CHECK(pool, clpool_kernel_get(r->prog, "reduce", &r->k));
    } else {
        r->k = tool_kernel(pool, "reduce.cl", "reduce", &r->prog);
    }
    CHECK(pool, clpool_buffer_new(pool, n * sizeof(float), &r->x));
    CHECK(pool, clpool_buffer_new(pool, n / 256 * sizeof(float), &r->part));
    CHECK(pool, clpool_buffer_new(pool, sizeof(uint32_t), &r->ticket));
    CHECK(pool, clpool_buffer_new(pool, sizeof(float), &r->total));
    CHECK(pool, clpool_buffer_write(r->x, 0, x, n * sizeof(float)));
}

static double red_run(red *r, size_t n, double want)
{
    uint32_t zero = 0;
    CHECK(r->pool, clpool_buffer_write(r->ticket, 0, &zero, sizeof zero));
    double t0 = now();
    CHECK(r->pool, CLPOOL_MAP(r->k, n, clpool_buf(r->x), clpool_buf(r->part),
                              clpool_buf(r->ticket), clpool_buf(r->total)));
    double t = now() - t0;
    float total;
    CHECK(r->pool, clpool_buffer_read(r->total, 0, &total, sizeof total));
    if (!(fabs(total - want) <= 1e-5 * want)) {
        fprintf(stderr, "reduce: total %.9g, want %.9g\n", (double)total, want);
        exit(1);
    }
    return t;
}

static void red_close(red *r)
{
    clpool_buffer_free(r->x);
    clpool_buffer_free(r->part);
    clpool_buffer_free(r->ticket);
    clpool_buffer_free(r->total);
    clpool_program_free(r->prog);
}

/* ------------------------------------------------------- local sizes */

static double saxpy_run(clpool *pool, clpool_kernel *k, clpool_buffer *x, clpool_buffer *y,
                        size_t n, size_t local)
{
    clpool_range r = {1, {n}, {local}, {0}};
    clpool_arg args[] = {clpool_f32(2.0f), clpool_buf(x), clpool_buf(y)};
    double t0 = now();
    CHECK(pool, clpool_map_range(k, &r, args, 3));
    return now() - t0;
}

int main(int argc, char **argv)
{
    int reps = 7, workers = 2;
    size_t side = 1024;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
            workers = atoi(argv[++i]);
        else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
            side = (size_t)atol(argv[++i]) / 16 * 16;
        else {
            fprintf(stderr, "usage: clpool-workgroups [--reps N] [--workers N] [--size N]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > 1000 || workers < 1 || side < 16) {
        fprintf(stderr, "clpool-workgroups: bad arguments\n");
        return 2;
    }
    clpool_config cfg;
    clpool_config_init(&cfg);
    cfg.backend = CLPOOL_FORK;
    cfg.workers = workers;
    clpool *fork = NULL, *ocl = NULL;
    CHECK(NULL, clpool_open(&cfg, &fork));
    clpool_config_init(&cfg);
    cfg.backend = CLPOOL_OPENCL;
    cfg.device = "cpu";
    if (clpool_open(&cfg, &ocl) != CLPOOL_OK) {
        fprintf(stderr, "no OpenCL CPU device (%s): the PoCL columns are left out\n",
                clpool_errmsg(NULL));
        ocl = NULL;
    }
    printf("fork: %d workers; other: %s\n", workers, ocl ? clpool_describe(ocl) : "(none)");

    /* matmul */
    size_t nn = side * side;
    float *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b);
    uint32_t s = 1;
    for (size_t i = 0; i < nn; i++) {
        s = s * 1664525u + 1013904223u;
        a[i] = (float)(s >> 8) / 16777216.0f - 0.5f;
        s = s * 1664525u + 1013904223u;
        b[i] = (float)(s >> 8) / 16777216.0f - 0.5f;
    }
    double *tf = malloc((size_t)reps * sizeof *tf), *to = malloc((size_t)reps * sizeof *to);
    double *t3 = malloc((size_t)reps * sizeof *t3);
    mm mf, mo;
    mm_open(&mf, fork, a, b, side);
    if (ocl)
        mm_open(&mo, ocl, a, b, side);
    (void)mm_run(&mf, side);
    if (ocl)
        (void)mm_run(&mo, side);
    for (int r = 0; r < reps; r++) {
        tf[r] = mm_run(&mf, side);
        if (ocl)
            to[r] = mm_run(&mo, side);
    }
    mm_check(&mf, a, b, side, "fork");
    double mfs = median(tf, reps), flops = 2.0 * (double)side * side * side;
    printf("matmul %zux%zu: fork %.4f s (%.2f GFLOP/s)", side, side, mfs, flops / mfs * 1e-9);
    if (ocl) {
        mm_check(&mo, a, b, side, "opencl");
        double mos = median(to, reps);
        printf(", PoCL %.4f s (%.2f GFLOP/s), fork/PoCL %.2fx", mos, flops / mos * 1e-9,
               mos / mfs);
        mm_close(&mo);
    }
    printf("\n");
    mm_close(&mf);
    free(a);
    free(b);

    /* reduce */
    size_t n = (size_t)1 << 24;
    float *x = malloc(n * sizeof *x);
    double want = 0;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)(s >> 8) / 16777216.0f;
        want += x[i];
    }
    red rf, ro;
    red_open(&rf, fork, x, n, 0);
    if (ocl)
        red_open(&ro, ocl, x, n, 0);
    (void)red_run(&rf, n, want);
    if (ocl)
        (void)red_run(&ro, n, want);
    for (int r = 0; r < reps; r++) {
        tf[r] = red_run(&rf, n, want);
        if (ocl)
            to[r] = red_run(&ro, n, want);
    }
    double rfs = median(tf, reps);
    printf("reduce 2^24 floats, 256-item groups: fork %.4f s (%.2f GB/s)", rfs,
           4.0 * (double)n / rfs * 1e-9);
    if (ocl) {
        double ros = median(to, reps);
        printf(", PoCL %.4f s (%.2f GB/s), fork/PoCL %.2fx", ros, 4.0 * (double)n / ros * 1e-9,
               ros / rfs);
        red_close(&ro);
    }
    printf("\n");

    /* the same kernel as fibers, over a quarter of the floats */
    size_t nq = n / 4;
    double wq = 0;
    for (size_t i = 0; i < nq; i++)
        wq += x[i];
    red rq;
    red_open(&rq, fork, x, nq, 1);
    (void)red_run(&rq, nq, wq);
    int freps = reps < 3 ? reps : 3;
    for (int r = 0; r < freps; r++) {
        tf[r] = red_run(&rf, nq, wq);
        to[r] = red_run(&rq, nq, wq);
    }
    double lq = median(tf, freps), fq = median(to, freps);
    printf("reduce 2^22 on fork: work-item loops %.4f s, fibers %.4f s (loops %.1fx faster)\n", lq,
           fq, fq / lq);
    red_close(&rq);
    red_close(&rf);

    /* a barrier-free kernel with and without a local size (fork) */
    clpool_program *sp;
    clpool_kernel *sk = tool_kernel(fork, "saxpy.cl", "saxpy", &sp);
    clpool_buffer *bx, *by;
    CHECK(fork, clpool_buffer_new(fork, n * sizeof(float), &bx));
    CHECK(fork, clpool_buffer_new(fork, n * sizeof(float), &by));
    CHECK(fork, clpool_buffer_write(bx, 0, x, n * sizeof(float)));
    CHECK(fork, clpool_buffer_write(by, 0, x, n * sizeof(float)));
    (void)saxpy_run(fork, sk, bx, by, n, 0);
    for (int r = 0; r < reps; r++) {
        /* The order rotates: none of the three always runs first. */
        for (int j = 0; j < 3; j++) {
            int which = (r + j) % 3;
            double t = saxpy_run(fork, sk, bx, by, n, which == 0 ? 0 : which == 1 ? 64 : 256);
            (which == 0 ? tf : which == 1 ? to : t3)[r] = t;
        }
    }
    /* y = 2x + y, (1 + 3 reps * 3) times from y = x: y = x * (1 + 2 * runs). */
    float y0;
    CHECK(fork, clpool_buffer_read(by, 0, &y0, sizeof y0));
    double runs = 1.0 + 3.0 * reps;
    if (!(fabs(y0 - x[0] * (1.0 + 2.0 * runs)) <= 1e-4 * fabs(x[0] * (1.0 + 2.0 * runs)) + 1e-6)) {
        fprintf(stderr, "saxpy: y[0] = %.9g, want %.9g\n", (double)y0, x[0] * (1.0 + 2.0 * runs));
        return 1;
    }
    double l0 = median(tf, reps), l64 = median(to, reps), l256 = median(t3, reps);
    printf("saxpy 2^24 (no barrier) on fork: local 0 %.4f s, local 64 %.4f s (%.2fx), local 256 "
           "%.4f s (%.2fx)\n",
           l0, l64, l0 / l64, l256, l0 / l256);
    clpool_buffer_free(bx);
    clpool_buffer_free(by);
    clpool_program_free(sp);
    free(x);
    free(tf);
    free(to);
    free(t3);
    if (ocl)
        clpool_close(ocl);
    clpool_close(fork);
    return 0;
}
