/* The kernels as OpenMP loops (openmp.h). Each follows its kernel's
 * arithmetic in the kernel's order, so that the workload's own verify
 * accepts it for the same reasons it accepts the kernel. */
#include "openmp.h"

#include <clpool.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#ifdef CLPOOL_BENCH_OPENMP
#include <omp.h>
/* A directive as a macro, so that a build without OpenMP compiles the same
 * loops serially without warnings about unknown pragmas. */
#define OMP(...) _Pragma(#__VA_ARGS__)
#else
#define OMP(...)
#endif

#ifndef CLPOOL_BENCH_OPENMP_FLAGS
#define CLPOOL_BENCH_OPENMP_FLAGS "the build's flags"
#endif

/* The fork backend's kernels call glibc's vector exp and log (libmvec) when
 * a loop over items vectorises: its prelude declares them, as glibc itself
 * does only under -ffast-math, for gcc (clang gets -fveclib=libmvec, here
 * from CMakeLists.txt). The same declarations here, so that Black-Scholes
 * compares the two ways of running a loop, not two math libraries. */
#if defined(__x86_64__) && defined(__GLIBC__) && defined(__GNUC__) && !defined(__clang__)
#if __GLIBC_PREREQ(2, 22)
float expf(float) __attribute__((__simd__("notinbranch")));
float logf(float) __attribute__((__simd__("notinbranch")));
#endif
#endif

int bench_openmp_available(void)
{
#ifdef CLPOOL_BENCH_OPENMP
    return 1;
#else
    return 0;
#endif
}

void bench_openmp_threads(int threads)
{
#ifdef CLPOOL_BENCH_OPENMP
    /* Not fewer when the runtime thinks the machine busy (OMP_DYNAMIC). */
    omp_set_dynamic(0);
    omp_set_num_threads(threads);
#else
    (void)threads;
#endif
}

/* "4.5" for _OPENMP 201511. */
static void openmp_version(char *out, size_t len)
{
#ifdef CLPOOL_BENCH_OPENMP
    static const struct {
        long date;
        const char *version;
    } versions[] = {{200505, "2.5"}, {200805, "3.0"}, {201107, "3.1"}, {201307, "4.0"},
                    {201511, "4.5"}, {201811, "5.0"}, {202011, "5.1"}, {202111, "5.2"},
                    {202411, "6.0"}};
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        if (versions[i].date == (long)_OPENMP) {
            snprintf(out, len, "OpenMP %s", versions[i].version);
            return;
        }
    }
    snprintf(out, len, "OpenMP of %ld", (long)_OPENMP);
#else
    snprintf(out, len, "no OpenMP");
#endif
}

void bench_openmp_describe(char *out, size_t len, int threads)
{
#if defined(__clang__)
    const char *cc = "clang", *version = __VERSION__;
#elif defined(__GNUC__)
    const char *cc = "gcc", *version = "gcc " __VERSION__;
#else
    const char *cc = "cc", *version = "an unknown compiler";
#endif
    char omp[32];
    openmp_version(omp, sizeof omp);
    /* No ';' before the end: clpool_describe's cache state follows one, and
     * --list and the device column stop there. */
    snprintf(out, len, "openmp: %d thread%s, loops built with %s (%s, %s, %s)", threads,
             threads == 1 ? "" : "s", cc, version, omp, CLPOOL_BENCH_OPENMP_FLAGS);
}

int bench_openmp_launch(void *items)
{
    size_t n = *(const size_t *)items;
    uint32_t sink[256];
    if (n == 0)
        return CLPOOL_OK;
    if (n > sizeof sink / sizeof sink[0])
        n = sizeof sink / sizeof sink[0];
    OMP(omp parallel for schedule(static))
    for (size_t i = 0; i < n; i++)
        sink[i] = (uint32_t)i;
    /* Read back, so that the loop is not dropped as dead code. */
    return sink[n - 1] == (uint32_t)(n - 1) ? CLPOOL_OK : CLPOOL_EINVAL;
}

void bench_openmp_saxpy(float a, const float *restrict x, float *restrict y, size_t n)
{
    OMP(omp parallel for simd schedule(static))
    for (size_t i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}

void bench_openmp_mandelbrot(uint32_t *iterations, uint32_t width, float x0, float y0,
                             float dx, float dy, uint32_t max_iter, size_t n)
{
    /* Rows of the image as chunks handed out as threads finish: the work
     * per pixel differs by orders of magnitude across it. The escape loop
     * has no fixed trip count, so there is no simd to ask for. */
    OMP(omp parallel for schedule(dynamic, width))
    for (size_t i = 0; i < n; i++) {
        const float cx = x0 + (float)(i % width) * dx;
        const float cy = y0 + (float)(i / width) * dy;
        float x = 0.0f, y = 0.0f;
        uint32_t it = 0;
        while (it < max_iter && x * x + y * y <= 4.0f) {
            const float xt = x * x - y * y + cx;
            y = 2.0f * x * y + cy;
            x = xt;
            it++;
        }
        iterations[i] = it;
    }
}

/* The kernel's cumulative normal (Abramowitz & Stegun 26.2.17). */
OMP(omp declare simd notinbranch)
static inline float cnd(float d)
{
    const float a1 = 0.319381530f, a2 = -0.356563782f, a3 = 1.781477937f;
    const float a4 = -1.821255978f, a5 = 1.330274429f;
    const float rsqrt2pi = 0.39894228040143267794f;
    const float k = 1.0f / (1.0f + 0.2316419f * fabsf(d));
    const float poly = k * (a1 + k * (a2 + k * (a3 + k * (a4 + k * a5))));
    const float c = rsqrt2pi * expf(-0.5f * d * d) * poly;
    return d > 0.0f ? 1.0f - c : c;
}

void bench_openmp_blackscholes(const float *restrict S, const float *restrict K,
                               const float *restrict T, float *restrict call,
                               float *restrict put, float r, float v, size_t n)
{
    OMP(omp parallel for simd schedule(static))
    for (size_t i = 0; i < n; i++) {
        const float s = S[i], k = K[i], t = T[i];
        const float sqrt_t = sqrtf(t);
        const float d1 = (logf(s / k) + (r + 0.5f * v * v) * t) / (v * sqrt_t);
        const float d2 = d1 - v * sqrt_t;
        const float discount = expf(-r * t);
        call[i] = s * cnd(d1) - k * discount * cnd(d2);
        put[i] = k * discount * cnd(-d2) - s * cnd(-d1);
    }
}

void bench_openmp_nbody(const float *restrict x, const float *restrict y,
                        const float *restrict z, const float *restrict m, float *restrict ax,
                        float *restrict ay, float *restrict az, uint32_t count, float eps2,
                        size_t n)
{
    /* Bodies across threads, the pulls on each across simd lanes. C has no
     * rsqrt: 1 / sqrt is what one writes (and what -O3 may turn back into
     * one). */
    OMP(omp parallel for schedule(static))
    for (size_t i = 0; i < n; i++) {
        const float xi = x[i], yi = y[i], zi = z[i];
        float sx = 0.0f, sy = 0.0f, sz = 0.0f;
        OMP(omp simd reduction(+ : sx, sy, sz))
        for (uint32_t j = 0; j < count; j++) {
            const float dx = x[j] - xi;
            const float dy = y[j] - yi;
            const float dz = z[j] - zi;
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

/* The kernel's hash_round. */
static inline uint32_t hash_round(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    h *= 0x846ca68bu;
    h ^= h >> 16;
    return h;
}

void bench_openmp_histogram(uint32_t *bins, uint32_t seed, uint32_t rounds, size_t n)
{
    /* An atomic increment into the shared bins, as the kernel's atomic_inc:
     * the workload measures contended atomics (a private histogram per
     * thread would be another algorithm). */
    OMP(omp parallel for schedule(static))
    for (size_t i = 0; i < n; i++) {
        uint32_t h = (uint32_t)i ^ seed;
        for (uint32_t r = 0; r < rounds; r++)
            h = hash_round(h + r);
        OMP(omp atomic update)
        bins[h >> 24]++;
    }
}

void bench_openmp_matmul(const float *restrict a, const float *restrict b, float *restrict c,
                         int n)
{
    /* Rows of c across threads, each row's columns across simd lanes, in
     * i-k-j order: every element still sums its products in k order, as the
     * kernel's tiles do. */
    const size_t side = (size_t)n;
    OMP(omp parallel for schedule(static))
    for (size_t i = 0; i < side; i++) {
        float *restrict ci = c + i * side;
        for (size_t j = 0; j < side; j++)
            ci[j] = 0.0f;
        for (size_t k = 0; k < side; k++) {
            const float aik = a[i * side + k];
            const float *restrict bk = b + k * side;
            OMP(omp simd)
            for (size_t j = 0; j < side; j++)
                ci[j] += aik * bk[j];
        }
    }
}

#define GROUP 256 /* kernels/reduce.cl's work-group */

void bench_openmp_reduce(const float *restrict x, float *restrict partial,
                         uint32_t *restrict ticket, float *restrict total, size_t n)
{
    const size_t groups = n / GROUP;
    /* Each group's sum across threads, its 256 inputs across simd lanes. */
    OMP(omp parallel for schedule(static))
    for (size_t g = 0; g < groups; g++) {
        const float *xg = x + g * GROUP;
        float s = 0.0f;
        OMP(omp simd reduction(+ : s))
        for (size_t i = 0; i < GROUP; i++)
            s += xg[i];
        partial[g] = s;
    }
    /* The kernel's final pass, as its last group runs it: 256 strided sums
     * of the partial sums, then a tree. Its ticket ends up counting every
     * group; so does this one. */
    float t[GROUP];
    for (size_t l = 0; l < GROUP; l++) {
        float s = 0.0f;
        for (size_t g = l; g < groups; g += GROUP)
            s += partial[g];
        t[l] = s;
    }
    for (size_t h = GROUP / 2; h > 0; h /= 2)
        for (size_t l = 0; l < h; l++)
            t[l] += t[l + h];
    total[0] = t[0];
    ticket[0] += (uint32_t)groups;
}
