/*
 * The workloads' kernels as C loops with OpenMP (openmp.c): what a user who
 * did not pick clpool would write for the CPU, measured beside clpool's rows
 * (measure_openmp.c). Each loop computes what its kernel (kernels/<name>.cl)
 * computes for items [0, n), on the same arrays, with the kernel's
 * parameters in the kernel's order; the workloads call them from their omp
 * slot (workload.h).
 *
 * openmp.c is compiled with the flags the fork backend compiles kernels with
 * (CMakeLists.txt), so that an OpenMP row and a fork row differ in how they
 * run, not in how they were compiled. Without OpenMP the loops are serial
 * and unused: bench_openmp_available says so and no OpenMP row is made.
 */
#ifndef CLPOOL_BENCH_OPENMP_H
#define CLPOOL_BENCH_OPENMP_H

#include <stddef.h>
#include <stdint.h>

/* Whether this clpool-bench was built with OpenMP. */
int bench_openmp_available(void);

/* The number of threads of every loop after it: exactly that many. */
void bench_openmp_threads(int threads);

/* The rows' describe text: "openmp: 2 threads, loops built with gcc (the
 * compiler's version, the OpenMP version, the flags)". */
void bench_openmp_describe(char *out, size_t len, int threads);

/* A parallel loop over *(size_t *)items items (at most 256) that does
 * almost nothing: what starting a loop costs, for the launch latency.
 * CLPOOL_OK (bench_latency_us's once). */
int bench_openmp_launch(void *items);

/* The kernels, each named for its kernels/<name>.cl. */
void bench_openmp_saxpy(float a, const float *x, float *y, size_t n);
void bench_openmp_mandelbrot(uint32_t *iterations, uint32_t width, float x0, float y0,
                             float dx, float dy, uint32_t max_iter, size_t n);
void bench_openmp_blackscholes(const float *S, const float *K, const float *T, float *call,
                               float *put, float r, float v, size_t n);
void bench_openmp_nbody(const float *x, const float *y, const float *z, const float *m,
                        float *ax, float *ay, float *az, uint32_t count, float eps2, size_t n);
void bench_openmp_histogram(uint32_t *bins, uint32_t seed, uint32_t rounds, size_t n);
/* c = a * b, n x n: the kernel's n*n items. */
void bench_openmp_matmul(const float *a, const float *b, float *c, int n);
/* n a multiple of the kernel's 256-item group. */
void bench_openmp_reduce(const float *x, float *partial, uint32_t *ticket, float *total,
                         size_t n);

#endif /* CLPOOL_BENCH_OPENMP_H */
