/*
 * What issue 13's speed work must not break on the fork backend:
 * - copies split over the CPUs (host/fork/copy.c) move every byte, for
 *   sizes around the split threshold and page boundaries, at offsets, both
 *   ways, and chunked host-array maps that copy through them are exact;
 * - the item loop versioned on an integer parameter that bounds a for loop
 *   (host/clc/native_gen.c) gives the same results whichever version runs:
 *   count 0, 1, and a count that is not a multiple of any vector width.
 */
#include "task.h"

static const char source[] =
    "__kernel void sum_prefix(__global const float *x, __global float *out, const uint count)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    float s = 0.0f;\n"
    "    for (uint j = 0; j < count; j++)\n"
    "        s += x[j] * (float)(i + 1);\n"
    "    out[i] = s + 0.5f;\n"
    "}\n"
    "__kernel void addone(__global float *y)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    y[i] = y[i] + 1.0f;\n"
    "}\n";

static void test_copies(clpool *pool)
{
    const size_t sizes[] = {1, 4095, 4096, (1u << 20) - 1, 1u << 20, (1u << 20) + 1,
                            (2u << 20) + 1, (3u << 20) + 4097, 9u << 20};
    const size_t max = 9u << 20, off = 4093;
    unsigned char *src = malloc(max + off), *dst = malloc(max + off);
    ASSERT(src != NULL && dst != NULL);
    for (size_t i = 0; i < max + off; i++)
        src[i] = (unsigned char)(i * 2654435761u >> 24);
    clpool_buffer *b;
    ASSERT_OK(pool, clpool_buffer_new(pool, max + off, &b));
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        const size_t n = sizes[k];
        memset(dst, 0xA5, n + off);
        ASSERT_OK(pool, clpool_buffer_write(b, off, src, n));
        ASSERT_OK(pool, clpool_buffer_read(b, off, dst, n));
        for (size_t i = 0; i < n; i++)
            if (dst[i] != src[i])
                FAIL_("%zu bytes at offset %zu: byte %zu is %#x, want %#x", n, off, i, dst[i],
                      src[i]);
        ASSERT_EQ(dst[n], 0xA5); /* nothing past the end */
    }
    clpool_buffer_free(b);
    free(src);
    free(dst);
}

static void test_chunked(clpool *pool, clpool_kernel *addone)
{
    /* 3 MiB + 12 floats through 1 MiB windows (CLPOOL_MAX_CHUNK_BYTES, set
     * in main): whole chunks, and a short last one. */
    const size_t n = (3u << 18) + 12;
    float *y = malloc(n * sizeof *y);
    ASSERT(y != NULL);
    for (size_t i = 0; i < n; i++)
        y[i] = (float)(i % 4096);
    ASSERT_OK(pool, CLPOOL_MAP(addone, n, clpool_inout(y, sizeof *y)));
    for (size_t i = 0; i < n; i++)
        if (y[i] != (float)(i % 4096) + 1.0f)
            FAIL_("item %zu: %g, want %g", i, (double)y[i], (double)(i % 4096) + 1.0);
    free(y);
}

static void test_versions(clpool *pool, clpool_kernel *k)
{
    const size_t n = 1000; /* not a multiple of a vector width or a group */
    float x[37], *out = malloc(n * sizeof *out);
    ASSERT(out != NULL);
    for (unsigned j = 0; j < 37; j++)
        x[j] = (float)j;
    clpool_buffer *bx;
    ASSERT_OK(pool, clpool_buffer_new(pool, sizeof x, &bx));
    ASSERT_OK(pool, clpool_buffer_write(bx, 0, x, sizeof x));
    const uint32_t counts[] = {0, 1, 37};
    for (size_t c = 0; c < 3; c++) {
        ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_buf(bx), clpool_out(out, sizeof *out),
                                   clpool_u32(counts[c])));
        for (size_t i = 0; i < n; i++) {
            float s = 0.0f;
            for (uint32_t j = 0; j < counts[c]; j++)
                s += x[j] * (float)(i + 1);
            ASSERT_NEAR(out[i], s + 0.5f, 1e-6 * (1.0 + s));
        }
    }
    clpool_buffer_free(bx);
    free(out);
}

int main(void)
{
    setenv("CLPOOL_MAX_CHUNK_BYTES", "1048576", 1);
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 2;
    clpool *pool = test_open_cfg(&cfg);
    clpool_program *prog;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    clpool_kernel *sum, *addone;
    ASSERT_OK(pool, clpool_kernel_get(prog, "sum_prefix", &sum));
    ASSERT_OK(pool, clpool_kernel_get(prog, "addone", &addone));
    test_copies(pool);
    test_chunked(pool, addone);
    test_versions(pool, sum);
    clpool_close(pool);
    return 0;
}
