/*
 * clpool-chunk_saxpy: what chunking host arrays costs on the fork backend.
 * saxpy y = a*x + y over 2^K floats (default 26) in host arrays, three ways,
 * interleaved, median of the runs:
 *   chunked  CLPOOL_MAP with clpool_in/clpool_inout at the default chunk
 *            limit (the core copies window by window through window_start);
 *   whole    the same call with CLPOOL_MAX_CHUNK_BYTES above the arrays'
 *            size (the core stages whole buffers and calls map);
 *   buffers  buffers made once; timed: write x and y, map, read y.
 * Not built by CMake (a measurement, not a test):
 *   cc -O2 -Iinclude host/fork/tools/chunk_saxpy.c -Lbuild-rel -lclpool \
 *      -Wl,-rpath,$PWD/build-rel -o /tmp/chunk_saxpy
 * Usage: chunk_saxpy [log2n] [reps]
 */
#include <clpool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(pool, call)                                                                   \
    do {                                                                                    \
        if ((call) != CLPOOL_OK) {                                                          \
            fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,                              \
                    (pool) ? clpool_errmsg(pool) : "clpool_open failed");                   \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

static const char source[] = "__kernel void saxpy(const float a, __global const float *x,\n"
                             "                    __global float *y)\n"
                             "{\n"
                             "    const size_t i = get_global_id(0);\n"
                             "    y[i] = a * x[i] + y[i];\n"
                             "}\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int log2n = argc > 1 ? atoi(argv[1]) : 26;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (log2n < 10 || log2n > 30 || reps < 1 || reps > 100) {
        fprintf(stderr, "usage: %s [log2n 10..30] [reps 1..100]\n", argv[0]);
        return 2;
    }
    size_t n = (size_t)1 << log2n, bytes = n * sizeof(float);
    clpool_config cfg;
    clpool_config_init(&cfg);
    cfg.backend = CLPOOL_FORK;
    clpool *pool = NULL;
    CHECK(pool, clpool_open(&cfg, &pool));
    clpool_program *prog;
    clpool_kernel *k;
    CHECK(pool, clpool_program_source(pool, source, NULL, &prog));
    CHECK(pool, clpool_kernel_get(prog, "saxpy", &k));
    float *x = malloc(bytes), *y = malloc(bytes);
    if (x == NULL || y == NULL)
        return 1;
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)(i & 1023);
        y[i] = 1.0f;
    }
    clpool_buffer *bx, *by;
    CHECK(pool, clpool_buffer_new(pool, bytes, &bx));
    CHECK(pool, clpool_buffer_new(pool, bytes, &by));
    char whole_limit[32];
    snprintf(whole_limit, sizeof whole_limit, "%zu", bytes * 2);

    double *t[3];
    for (int v = 0; v < 3; v++)
        t[v] = calloc((size_t)reps, sizeof(double));
    /* One untimed round of each first: page faults of fresh memory. */
    for (int r = -1; r < reps; r++) {
        for (int v = 0; v < 3; v++) {
            double t0 = now_s();
            if (v == 0) {
                unsetenv("CLPOOL_MAX_CHUNK_BYTES");
                CHECK(pool, CLPOOL_MAP(k, n, clpool_f32(0.5f), clpool_in(x, sizeof(float)),
                                       clpool_inout(y, sizeof(float))));
            } else if (v == 1) {
                setenv("CLPOOL_MAX_CHUNK_BYTES", whole_limit, 1);
                CHECK(pool, CLPOOL_MAP(k, n, clpool_f32(0.5f), clpool_in(x, sizeof(float)),
                                       clpool_inout(y, sizeof(float))));
            } else {
                CHECK(pool, clpool_buffer_write(bx, 0, x, bytes));
                CHECK(pool, clpool_buffer_write(by, 0, y, bytes));
                CHECK(pool, CLPOOL_MAP(k, n, clpool_f32(0.5f), clpool_buf(bx), clpool_buf(by)));
                CHECK(pool, clpool_buffer_read(by, 0, y, bytes));
            }
            if (r >= 0)
                t[v][r] = now_s() - t0;
        }
    }
    static const char *const names[3] = {"chunked (default limit)", "whole (staged buffers)",
                                         "buffers: write+map+read"};
    printf("# %s; saxpy over 2^%d floats (%zu MiB per array), median of %d\n",
           clpool_describe(pool), log2n, bytes >> 20, reps);
    for (int v = 0; v < 3; v++) {
        qsort(t[v], (size_t)reps, sizeof(double), cmp);
        printf("%-26s %8.1f ms  (min %.1f, max %.1f)\n", names[v], t[v][reps / 2] * 1e3,
               t[v][0] * 1e3, t[v][reps - 1] * 1e3);
    }
    for (int v = 0; v < 3; v++)
        free(t[v]);
    clpool_buffer_free(bx);
    clpool_buffer_free(by);
    clpool_program_free(prog);
    clpool_close(pool);
    free(x);
    free(y);
    return 0;
}
