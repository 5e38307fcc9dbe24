/*
 * clpool-speed_vs_openmp: the figures of issue 13, the fork backend against
 * OpenMP on the same data.
 *
 *   1 saxpy 2^26 floats in clpool_host_alloc'd arrays  vs  OpenMP on the same arrays
 *   2 saxpy 2^26 floats in malloc'd arrays (clpool_in/inout)  vs  OpenMP on them;
 *     beside it the ceiling of any design that stages such arrays through
 *     copies: OpenMP's own threads, each copying its half of every 1 or 4
 *     MiB chunk into a window, running it there and copying it back (no
 *     other process, no hand-off), against OpenMP on the arrays themselves
 *   3 saxpy 2^18 floats resident in buffers, 200 maps  vs  200 OpenMP loops
 *   4 n-body 4096 bodies, one step, kernels/nbody.cl (rsqrt, no fast-math)
 *     vs  OpenMP parallel for simd over the bodies, 1.0f / sqrtf
 *   5 a 1024-item map after a 1 ms pause (median), and the CPU the idle
 *     workers use over the second after 100 ms without maps
 *
 * Runs alternate (fork, OpenMP, fork, ...) and each figure is a ratio of the
 * medians: OpenMP time / fork time, so 1.0 is parity and above is the fork
 * backend faster. The C side is built as the kernels are (-O3 -march=native
 * -fno-math-errno, by the tools' rule in CMakeLists.txt), with OpenMP where
 * the build has it; libgomp is made to wait passively (see fork_vs_openmp.c:
 * its spinning idle threads would take the cores from the fork runs).
 * Both sides use --workers N (default 2) processes or threads.
 *
 * Usage: clpool-speed_vs_openmp [--reps N] [--workers N] [--only LIST]
 *   LIST: figure numbers, e.g. 1,3,5
 */
#include "tool.h"

#include "openmp.h"

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef CLPOOL_HAVE_OPENMP
#include <omp.h>
#endif

static void pause_ns(long ns)
{
    struct timespec ts = {ns / 1000000000L, ns % 1000000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* ------------------------------------------------------------ the C side */

static void nbody_omp(const float *restrict x, const float *restrict y, const float *restrict z,
                      const float *restrict m, float *restrict ax, float *restrict ay,
                      float *restrict az, uint32_t count, float eps2)
{
#ifdef CLPOOL_HAVE_OPENMP
#pragma omp parallel for simd schedule(static)
#endif
    for (size_t i = 0; i < count; i++) {
        const float xi = x[i], yi = y[i], zi = z[i];
        float sx = 0.0f, sy = 0.0f, sz = 0.0f;
        for (uint32_t j = 0; j < count; j++) {
            const float dx = x[j] - xi, dy = y[j] - yi, dz = z[j] - zi;
            const float inv = 1.0f / sqrtf(dx * dx + dy * dy + dz * dz + eps2);
            const float s = m[j] * inv * inv * inv;
            sx += s * dx;
            sy += s * dy;
            sz += s * dz;
        }
        ax[i] = sx;
        ay[i] = sy;
        az[i] = sz;
    }
}

/* saxpy staged as the fork backend must stage malloc'd arrays (a copy in
 * of x and y, the kernel on the copies, a copy out of y), at its best: each
 * thread stages its own part of every chunk through its own windows, which
 * stay in its caches, with no synchronisation at all. */
static void saxpy_staged_omp(float a, const float *x, float *y, size_t n, size_t chunk)
{
#ifdef CLPOOL_HAVE_OPENMP
#pragma omp parallel
#endif
    {
#ifdef CLPOOL_HAVE_OPENMP
        const size_t t = (size_t)omp_get_thread_num(), nt = (size_t)omp_get_num_threads();
#else
        const size_t t = 0, nt = 1;
#endif
        const size_t part = chunk / nt;
        float *wx = malloc(part * sizeof *wx), *wy = malloc(part * sizeof *wy);
        if (wx == NULL || wy == NULL) {
            fprintf(stderr, "out of memory for the staging windows\n");
            exit(1);
        }
        for (size_t c = 0; c < n; c += chunk) {
            size_t b = c + t * part, e = b + part < n ? b + part : n;
            if (b >= e)
                continue;
            memcpy(wx, x + b, (e - b) * sizeof *x);
            memcpy(wy, y + b, (e - b) * sizeof *y);
#ifdef CLPOOL_HAVE_OPENMP
#pragma omp simd
#endif
            for (size_t i = 0; i < e - b; i++)
                wy[i] = a * wx[i] + wy[i];
            memcpy(y + b, wy, (e - b) * sizeof *y);
        }
        free(wx);
        free(wy);
    }
}

/* ------------------------------------------------------------- reporting */

static int missed;

static void ratio_line(int fig, const char *what, double t_fork, double t_c, double target)
{
    double ratio = t_c / t_fork;
    int met = ratio >= target;
    missed += !met;
    printf("(%d) %-44s fork %9.3f ms  OpenMP %9.3f ms  ratio %.3f  (target >= %.2f: %s)\n", fig,
           what, t_fork * 1e3, t_c * 1e3, ratio, target, met ? "met" : "MISSED");
    fflush(stdout);
}


static int wanted(const char *only, int fig)
{
    if (only == NULL)
        return 1;
    for (const char *p = only; *p; p++)
        if (*p - '0' == fig && (p[1] == '\0' || p[1] == ','))
            return 1;
    return 0;
}

static void fill_saxpy(float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)(i % 1000);
        y[i] = 1.0f;
    }
}

/* Figures 1 and 2: saxpy over n floats in the host arrays x, y, through
 * clpool_in / clpool_inout, against OpenMP on the same arrays. */
static void host_saxpy(clpool *pool, clpool_kernel *k, float *x, float *y, size_t n, int reps,
                       int fig, const char *what, double target)
{
    double *tf = xmalloc((size_t)reps * sizeof *tf), *tc = xmalloc((size_t)reps * sizeof *tc);
    fill_saxpy(x, y, n);
    for (int r = -1; r < reps; r++) { /* r == -1: warm-up, not counted */
        double t0 = now();
        CHECK(pool, CLPOOL_MAP(k, n, clpool_f32(1e-3f), clpool_in(x, sizeof(float)),
                               clpool_inout(y, sizeof(float))));
        double t1 = now();
        bench_openmp_saxpy(1e-3f, x, y, n);
        double t2 = now();
        if (r >= 0) {
            tf[r] = t1 - t0;
            tc[r] = t2 - t1;
        }
    }
    /* Each run added 1e-3 * x[i] twice (once per side). */
    size_t bad = 0;
    for (size_t i = 0; i < n; i += 4099) {
        float want = 1.0f;
        for (int r = -1; r < reps; r++)
            for (int s = 0; s < 2; s++)
                want = 1e-3f * x[i] + want;
        bad += fabsf(want - y[i]) > 1e-3f * fabsf(want);
    }
    if (bad != 0)
        printf("    WRONG: %zu sampled results differ\n", bad);
    ratio_line(fig, what, median(tf, (size_t)reps), median(tc, (size_t)reps), target);
    free(tf);
    free(tc);
}

int main(int argc, char **argv)
{
#ifdef CLPOOL_HAVE_OPENMP
    if (getenv("OMP_WAIT_POLICY") == NULL) {
        if (setenv("OMP_WAIT_POLICY", "passive", 1) == 0)
            execv("/proc/self/exe", argv);
        fprintf(stderr, "warning: could not re-run with OMP_WAIT_POLICY=passive\n");
    }
#endif
    int reps = 9, workers = 2;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
            workers = atoi(argv[++i]);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--reps N] [--workers N] [--only 1,2,3,4,5]\n", argv[0]);
            return 2;
        }
    }
    if (reps < 1)
        reps = 1;
    if (workers < 1)
        workers = 1;
#ifdef CLPOOL_HAVE_OPENMP
    omp_set_num_threads(workers);
#endif

    clpool_config cfg;
    clpool_config_init(&cfg);
    cfg.backend = CLPOOL_FORK;
    cfg.workers = workers;
    clpool *pool;
    if (clpool_open(&cfg, &pool) != CLPOOL_OK) {
        fprintf(stderr, "clpool_open: %s\n", clpool_errmsg(NULL));
        return 1;
    }
    double load[3] = {0, 0, 0};
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf != NULL) {
        if (fscanf(lf, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = load[1] = load[2] = -1;
        fclose(lf);
    }
    printf("# %s\n", clpool_describe(pool));
#ifdef CLPOOL_HAVE_OPENMP
    printf("# OpenMP: %d threads, OMP_WAIT_POLICY=%s", omp_get_max_threads(),
           getenv("OMP_WAIT_POLICY"));
#else
    printf("# built WITHOUT OpenMP: the C side is serial");
#endif
    printf("; %ld CPUs online; load average %.2f %.2f %.2f; median of %d alternated runs\n",
           sysconf(_SC_NPROCESSORS_ONLN), load[0], load[1], load[2], reps);
    fflush(stdout);

    clpool_kernel *ksaxpy = tool_kernel(pool, "saxpy.cl", "saxpy", NULL);
    double *tf = xmalloc((size_t)(reps > 200 ? reps : 200) * sizeof *tf);
    double *tc = xmalloc((size_t)(reps > 200 ? reps : 200) * sizeof *tc);

    if (wanted(only, 1)) {
        const size_t n = (size_t)1 << 26;
        float *x, *y;
        CHECK(pool, clpool_host_alloc(pool, n * sizeof(float), (void **)&x));
        CHECK(pool, clpool_host_alloc(pool, n * sizeof(float), (void **)&y));
        host_saxpy(pool, ksaxpy, x, y, n, reps, 1, "saxpy 2^26, clpool_host_alloc'd arrays", 0.9);
        clpool_host_free(pool, x);
        clpool_host_free(pool, y);
    }

    if (wanted(only, 2)) {
        const size_t n = (size_t)1 << 26;
        float *x = xmalloc(n * sizeof(float)), *y = xmalloc(n * sizeof(float));
        host_saxpy(pool, ksaxpy, x, y, n, reps, 2, "saxpy 2^26, malloc'd arrays", 0.6);
        /* The ceiling of staging on this machine, alternated the same way,
         * for chunks of 1 MiB and of 4 MiB (the fork backend's) per array. */
        for (size_t mib = 1; mib <= 4; mib *= 4) {
            const size_t chunk = (mib << 20) / sizeof(float);
            for (int r = -1; r < reps; r++) {
                double t0 = now();
                saxpy_staged_omp(1e-3f, x, y, n, chunk);
                double t1 = now();
                bench_openmp_saxpy(1e-3f, x, y, n);
                double t2 = now();
                if (r >= 0) {
                    tf[r] = t1 - t0;
                    tc[r] = t2 - t1;
                }
            }
            printf("    the ceiling of staging: OpenMP staging its own %zu MiB chunks %.3f ms, "
                   "directly %.3f ms, ratio %.3f\n",
                   mib, median(tf, (size_t)reps) * 1e3, median(tc, (size_t)reps) * 1e3,
                   median(tc, (size_t)reps) / median(tf, (size_t)reps));
        }
        free(x);
        free(y);
    }

    if (wanted(only, 3)) {
        /* 200 maps back to back on data that stays in the caches; the
         * figure is the median over reps of the time of 200 maps. */
        const size_t n = (size_t)1 << 18;
        const int maps = 200;
        float *x = xmalloc(n * sizeof(float)), *y = xmalloc(n * sizeof(float));
        fill_saxpy(x, y, n);
        clpool_buffer *bx, *by;
        CHECK(pool, clpool_buffer_new(pool, n * sizeof(float), &bx));
        CHECK(pool, clpool_buffer_new(pool, n * sizeof(float), &by));
        CHECK(pool, clpool_buffer_write(bx, 0, x, n * sizeof(float)));
        CHECK(pool, clpool_buffer_write(by, 0, y, n * sizeof(float)));
        for (int r = -1; r < reps; r++) {
            double t0 = now();
            for (int m = 0; m < maps; m++)
                CHECK(pool, CLPOOL_MAP(ksaxpy, n, clpool_f32(1e-6f), clpool_buf(bx),
                                       clpool_buf(by)));
            double t1 = now();
            for (int m = 0; m < maps; m++)
                bench_openmp_saxpy(1e-6f, x, y, n);
            double t2 = now();
            if (r >= 0) {
                tf[r] = t1 - t0;
                tc[r] = t2 - t1;
            }
        }
        ratio_line(3, "saxpy 2^18 in buffers, 200 maps", median(tf, (size_t)reps),
                   median(tc, (size_t)reps), 0.85);
        clpool_buffer_free(bx);
        clpool_buffer_free(by);
        free(x);
        free(y);
    }

    if (wanted(only, 4)) {
        const uint32_t count = 4096;
        const float eps2 = 0.01f;
        clpool_kernel *knb = tool_kernel(pool, "nbody.cl", "nbody", NULL);
        float *h[7];
        clpool_buffer *b[7];
        for (int j = 0; j < 7; j++) {
            h[j] = xmalloc(count * sizeof(float));
            CHECK(pool, clpool_buffer_new(pool, count * sizeof(float), &b[j]));
        }
        uint32_t s = 7;
        for (uint32_t i = 0; i < count; i++)
            for (int j = 0; j < 4; j++) {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                h[j][i] = j == 3 ? 0.5f + (float)(s >> 8) / 16777216.0f
                                 : (float)(s >> 8) / 16777216.0f * 2.0f - 1.0f;
            }
        for (int j = 0; j < 4; j++)
            CHECK(pool, clpool_buffer_write(b[j], 0, h[j], count * sizeof(float)));
        for (int r = -1; r < reps; r++) {
            double t0 = now();
            CHECK(pool, CLPOOL_MAP(knb, count, clpool_buf(b[0]), clpool_buf(b[1]),
                                   clpool_buf(b[2]), clpool_buf(b[3]), clpool_buf(b[4]),
                                   clpool_buf(b[5]), clpool_buf(b[6]), clpool_u32(count),
                                   clpool_f32(eps2)));
            double t1 = now();
            nbody_omp(h[0], h[1], h[2], h[3], h[4], h[5], h[6], count, eps2);
            double t2 = now();
            if (r >= 0) {
                tf[r] = t1 - t0;
                tc[r] = t2 - t1;
            }
        }
        float *fa = xmalloc(count * sizeof(float));
        CHECK(pool, clpool_buffer_read(b[4], 0, fa, count * sizeof(float)));
        double worst = 0;
        for (uint32_t i = 0; i < count; i++)
            worst = fmax(worst, fabs((double)fa[i] - h[4][i]) / (fabs((double)h[4][i]) + 1e-3));
        printf("    n-body: largest relative difference in ax: %.3g\n", worst);
        ratio_line(4, "n-body 4096 bodies, one step (rsqrt)", median(tf, (size_t)reps),
                   median(tc, (size_t)reps), 0.9);
        free(fa);
        for (int j = 0; j < 7; j++) {
            free(h[j]);
            clpool_buffer_free(b[j]);
        }
    }

    if (wanted(only, 5)) {
        clpool_buffer *bx, *by;
        CHECK(pool, clpool_buffer_new(pool, 1024 * sizeof(float), &bx));
        CHECK(pool, clpool_buffer_new(pool, 1024 * sizeof(float), &by));
        const int calls = 200;
        /* A few maps after pauses first, as a program that works in bursts
         * would have had. */
        double *paused = xmalloc((size_t)calls * sizeof *paused);
        for (int i = -20; i < calls; i++) {
            double tp = now();
            pause_ns(1000000);
            double t0 = now();
            if (i >= 0)
                paused[i] = t0 - tp;
            CHECK(pool, CLPOOL_MAP(ksaxpy, 1024, clpool_f32(0.0f), clpool_buf(bx),
                                   clpool_buf(by)));
            double t1 = now();
            if (i >= 0)
                tf[i] = t1 - t0;
        }
        double med = median(tf, (size_t)calls);
        int met = med <= 10e-6;
        missed += !met;
        printf("(5) %-44s median %.2f us, 90th %.2f us over %d calls  (target <= 10 us: %s)\n",
               "1024-item map after a 1 ms pause", med * 1e6, tf[(size_t)(calls * 0.9)] * 1e6,
               calls, met ? "met" : "MISSED");
        printf("    %-44s median %.0f us (the gap the workers saw)\n", "the pauses lasted",
               median(paused, (size_t)calls) * 1e6);
        free(paused);
        /* Back to back, for comparison. */
        for (int i = -100; i < calls; i++) {
            double t0 = now();
            CHECK(pool, CLPOOL_MAP(ksaxpy, 1024, clpool_f32(0.0f), clpool_buf(bx),
                                   clpool_buf(by)));
            double t1 = now();
            if (i >= 0)
                tf[i] = t1 - t0;
        }
        printf("    %-44s median %.2f us\n", "the same map back to back",
               median(tf, (size_t)calls) * 1e6);

        size_t nw;
        pause_ns(100000000);
        long long before = workers_cpu_ticks(&nw);
        double t0 = now();
        pause_ns(1000000000);
        double el = now() - t0;
        long long after = workers_cpu_ticks(&nw);
        double share = (double)(after - before) / (double)sysconf(_SC_CLK_TCK) / el;
        met = share <= 0.05;
        missed += !met;
        printf("(5) %-44s %zu workers used %.1f%% of a core over %.2f s  (target <= 5%%: %s)\n",
               "idle 100 ms, then the next second", nw, share * 100.0, el, met ? "met" : "MISSED");
        clpool_buffer_free(bx);
        clpool_buffer_free(by);
    }

    free(tf);
    free(tc);
    clpool_close(pool);
    printf("# %d figure(s) missed\n", missed);
    return 0;
}
