/*
 * clpool-chunk_measure: what host arrays cost, and whether arrays bigger
 * than the device's largest allocation map correctly.
 *
 *   clpool-chunk_measure ratio [--repeat N] [--log2n K]
 *       saxpy over 2^K floats (default 26) on the OpenCL backend, interleaved:
 *       (a) host arrays: clpool_map with clpool_in(x) and clpool_inout(y);
 *       (b) explicit: clpool_buffer_write x and y into buffers made once,
 *           clpool_map on the buffers, clpool_buffer_read y.
 *       Prints the median of each and a/b throughput. With
 *       CLPOOL_MAX_CHUNK_BYTES set, (a) runs chunked.
 *
 *   clpool-chunk_measure big [--gib G]
 *       saxpy over host arrays of G GiB each (default 3) with a = 2 and
 *       small integer data, so the result is exact whatever the device's
 *       rounding; checks every element against the C reference. Run once:
 *       it needs 2*G GiB of memory.
 *
 * A tool, not library code: it prints, and exits on the first failure.
 */
#include <clpool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(pool, call)                                                                  \
    do {                                                                                   \
        int rc_ = (call);                                                                  \
        if (rc_ != CLPOOL_OK) {                                                            \
            fprintf(stderr, "clpool-chunk_measure: %s: %s: %s\n", #call,                   \
                    clpool_err_name(rc_), clpool_errmsg(pool));                            \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes);
    if (p == NULL) {
        fprintf(stderr, "clpool-chunk_measure: no memory for %zu bytes\n", bytes);
        exit(1);
    }
    return p;
}

static clpool_kernel *open_saxpy(clpool **pool, clpool_program **prog)
{
    clpool_config cfg;
    clpool_config_init(&cfg);
    /* OpenCL unless CLPOOL_BACKEND asks for another (fork, for the same
     * figures on the process pool). */
    if (getenv("CLPOOL_BACKEND") == NULL)
        cfg.backend = CLPOOL_OPENCL;
    CHECK(NULL, clpool_open(&cfg, pool));
    CHECK(*pool, clpool_program_file(*pool, CLPOOL_KERNELS_DIR "/saxpy.cl", NULL, prog));
    clpool_kernel *k = NULL;
    CHECK(*pool, clpool_kernel_get(*prog, "saxpy", &k));
    printf("%s\n", clpool_describe(*pool));
    return k;
}

static int ratio(int repeat, int log2n)
{
    clpool *pool;
    clpool_program *prog;
    clpool_kernel *k = open_saxpy(&pool, &prog);
    const size_t n = (size_t)1 << log2n, bytes = n * sizeof(float);
    float *x = xmalloc(bytes), *y = xmalloc(bytes);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(i & 1023), y[i] = 1.0f;
    clpool_buffer *xb, *yb;
    CHECK(pool, clpool_buffer_new(pool, bytes, &xb));
    CHECK(pool, clpool_buffer_new(pool, bytes, &yb));
    double *ta = xmalloc((size_t)repeat * sizeof *ta), *tb = xmalloc((size_t)repeat * sizeof *tb);
    for (int r = -1; r < repeat; r++) { /* r = -1 warms up both */
        double t0 = now_s();
        CHECK(pool, CLPOOL_MAP(k, n, clpool_f32(0.5f), clpool_in(x, 4), clpool_inout(y, 4)));
        double t1 = now_s();
        CHECK(pool, clpool_buffer_write(xb, 0, x, bytes));
        CHECK(pool, clpool_buffer_write(yb, 0, y, bytes));
        CHECK(pool, CLPOOL_MAP(k, n, clpool_f32(0.5f), clpool_buf(xb), clpool_buf(yb)));
        CHECK(pool, clpool_buffer_read(yb, 0, y, bytes));
        double t2 = now_s();
        if (r >= 0)
            ta[r] = t1 - t0, tb[r] = t2 - t1;
    }
    double ma = median(ta, repeat), mb = median(tb, repeat);
    const char *cap = getenv("CLPOOL_MAX_CHUNK_BYTES");
    printf("saxpy 2^%d floats, %d runs, CLPOOL_MAX_CHUNK_BYTES=%s\n", log2n, repeat,
           cap ? cap : "(unset)");
    printf("  host arrays      %8.2f ms  %6.2f GB/s\n", ma * 1e3, 3.0 * (double)bytes / ma / 1e9);
    printf("  explicit buffers %8.2f ms  %6.2f GB/s\n", mb * 1e3, 3.0 * (double)bytes / mb / 1e9);
    printf("  ratio (host arrays / explicit throughput) %.3f\n", mb / ma);
    clpool_buffer_free(xb);
    clpool_buffer_free(yb);
    free(x), free(y), free(ta), free(tb);
    clpool_program_free(prog);
    clpool_close(pool);
    return 0;
}

static int big(double gib)
{
    clpool *pool;
    clpool_program *prog;
    clpool_kernel *k = open_saxpy(&pool, &prog);
    const size_t n = (size_t)(gib * (double)(1u << 30)) / sizeof(float);
    float *x = xmalloc(n * sizeof *x), *y = xmalloc(n * sizeof *y);
    /* Small integers: 2*x + y is exact in float, fused or not. */
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(i % 4093), y[i] = (float)(i % 127);
    double t0 = now_s();
    CHECK(pool, CLPOOL_MAP(k, n, clpool_f32(2.0f), clpool_in(x, 4), clpool_inout(y, 4)));
    double t = now_s() - t0;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        if (y[i] != 2.0f * (float)(i % 4093) + (float)(i % 127) && bad++ < 5)
            fprintf(stderr, "  item %zu: %g\n", i, y[i]);
    printf("saxpy over %zu floats (%.2f GiB per array): %.2f s, %zu wrong\n", n,
           (double)n * 4 / (1u << 30), t, bad);
    free(x), free(y);
    clpool_program_free(prog);
    clpool_close(pool);
    return bad != 0;
}

int main(int argc, char **argv)
{
    int repeat = 7, log2n = 26;
    double gib = 3.0;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--repeat") == 0)
            repeat = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--log2n") == 0)
            log2n = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--gib") == 0)
            gib = atof(argv[i + 1]);
    }
    if (argc >= 2 && strcmp(argv[1], "ratio") == 0 && repeat > 0 && log2n > 0 && log2n < 40)
        return ratio(repeat, log2n);
    if (argc >= 2 && strcmp(argv[1], "big") == 0 && gib > 0)
        return big(gib);
    fprintf(stderr, "usage: clpool-chunk_measure ratio [--repeat N] [--log2n K] | big [--gib G]\n");
    return 2;
}
