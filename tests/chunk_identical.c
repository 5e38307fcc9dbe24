/*
 * Chunked maps give the same bytes as whole maps: every built-in kernel is
 * run once whole and once with CLPOOL_MAX_CHUNK_BYTES forcing many chunks
 * (odd sizes, so the last chunk is short), on the fork backend (opened
 * first: no process that has initialised OpenCL may fork) and on OpenCL.
 * One case passes a clpool_buf beside host arrays, whole to every chunk.
 * Everything runs twice: chunks one after another, and with their copies
 * overlapping the running chunk (CLPOOL_CHUNK_OVERLAP), whichever the
 * backend would pick by itself.
 * ctest parts: fork opencl
 */
#include "task.h"

#include "reference.h"

#define CHUNK_ENV "CLPOOL_MAX_CHUNK_BYTES"

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes);
    ASSERT(p != NULL);
    return p;
}

static void chunked(int on)
{
    if (on)
        ASSERT_EQ(setenv(CHUNK_ENV, "1048576", 1), 0);
    else
        ASSERT_EQ(unsetenv(CHUNK_ENV), 0);
}

static void same_bytes(const char *what, const void *a, const void *b, size_t bytes)
{
    if (memcmp(a, b, bytes) == 0)
        return;
    const unsigned char *x = a, *y = b;
    size_t i = 0;
    while (x[i] == y[i])
        i++;
    FAIL_("%s: chunked and whole differ first at byte %zu of %zu", what, i, bytes);
}

static void saxpy(clpool *pool)
{
    clpool_program *prog;
    clpool_kernel *k = test_kernel(pool, "saxpy", &prog);
    const size_t n = 1000003; /* 4 MB per array: four chunks and a short one */
    float *x = xmalloc(n * 4), *y0 = xmalloc(n * 4), *whole = xmalloc(n * 4),
          *parts = xmalloc(n * 4);
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)(i % 1000) * 0.25f;
        y0[i] = (float)(i % 777) - 3.5f;
    }
    memcpy(whole, y0, n * 4);
    memcpy(parts, y0, n * 4);
    chunked(0);
    ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_f32(1.5f), clpool_in(x, 4), clpool_inout(whole, 4)));
    chunked(1);
    ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_f32(1.5f), clpool_in(x, 4), clpool_inout(parts, 4)));
    same_bytes("saxpy", whole, parts, n * 4);
    for (size_t i = 0; i < n; i += 9973)
        ASSERT(whole[i] == ref_saxpy(1.5f, x[i], y0[i]));

    /* y in a buffer, x a host array: the buffer goes whole to every chunk
     * and the kernel indexes it with the item's absolute index. */
    clpool_buffer *yb = NULL;
    ASSERT_OK(pool, clpool_buffer_new(pool, n * 4, &yb));
    ASSERT_OK(pool, clpool_buffer_write(yb, 0, y0, n * 4));
    ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_f32(1.5f), clpool_in(x, 4), clpool_buf(yb)));
    ASSERT_OK(pool, clpool_buffer_read(yb, 0, parts, n * 4));
    same_bytes("saxpy with y in a buffer", whole, parts, n * 4);
    clpool_buffer_free(yb);
    chunked(0);
    free(x), free(y0), free(whole), free(parts);
    clpool_program_free(prog);
}

static void mandelbrot(clpool *pool)
{
    clpool_program *prog;
    clpool_kernel *k = test_kernel(pool, "mandelbrot", &prog);
    const uint32_t width = 1031, height = 517; /* 2.1 MB of uint */
    const size_t n = (size_t)width * height;
    uint32_t *whole = xmalloc(n * 4), *parts = xmalloc(n * 4);
    for (int on = 0; on <= 1; on++) {
        chunked(on);
        ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_out(on ? parts : whole, 4), clpool_u32(width),
                                   clpool_f32(-2.0f), clpool_f32(-1.0f),
                                   clpool_f32(3.0f / width), clpool_f32(2.0f / height),
                                   clpool_u32(200)));
    }
    chunked(0);
    same_bytes("mandelbrot", whole, parts, n * 4);
    /* The middle of the image's left part is inside the set. */
    ASSERT_EQ(whole[(size_t)(height / 2) * width + width / 2], 200);
    free(whole), free(parts);
    clpool_program_free(prog);
}

static void blackscholes(clpool *pool)
{
    clpool_program *prog;
    clpool_kernel *k = test_kernel(pool, "blackscholes", &prog);
    const size_t n = 300007; /* 1.2 MB per array: two chunks, five windows */
    float *S = xmalloc(n * 4), *K = xmalloc(n * 4), *T = xmalloc(n * 4);
    float *out[2][2] = {{xmalloc(n * 4), xmalloc(n * 4)}, {xmalloc(n * 4), xmalloc(n * 4)}};
    for (size_t i = 0; i < n; i++) {
        S[i] = 5.0f + (float)(i % 251) * 0.1f;
        K[i] = 1.0f + (float)(i % 97) * 0.3f;
        T[i] = 0.25f + (float)(i % 37) * 0.25f;
    }
    for (int on = 0; on <= 1; on++) {
        chunked(on);
        ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_in(S, 4), clpool_in(K, 4), clpool_in(T, 4),
                                   clpool_out(out[on][0], 4), clpool_out(out[on][1], 4),
                                   clpool_f32(0.02f), clpool_f32(0.30f)));
    }
    chunked(0);
    same_bytes("blackscholes call", out[0][0], out[1][0], n * 4);
    same_bytes("blackscholes put", out[0][1], out[1][1], n * 4);
    free(S), free(K), free(T);
    for (int i = 0; i < 4; i++)
        free(out[i / 2][i % 2]);
    clpool_program_free(prog);
}

/* Elements wider than a float, a __constant table indexed by item, and an
 * element size that does not divide the chunk limit. */
static const char *WIDE_SRC =
    "typedef struct { float a; int b; short c; } rec;\n"
    "typedef struct { float x, y, z, w; } quad;\n"
    "__kernel void wide(__global const quad *v, __constant int *table,\n"
    "                   __global rec *r, const int k)\n"
    "{\n"
    "    size_t i = get_global_id(0);\n"
    "    r[i].a = v[i].x + v[i].w * (float)table[i];\n"
    "    r[i].b = (int)i * k + table[i];\n"
    "    r[i].c = (short)(i & 0x7fff);\n"
    "}\n";

static void wide(clpool *pool)
{
    clpool_program *prog;
    ASSERT_OK(pool, clpool_program_source(pool, WIDE_SRC, NULL, &prog));
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_kernel_get(prog, "wide", &k));
    const size_t n = 100003, rec = 12;
    float *v = xmalloc(n * 16);
    int32_t *table = xmalloc(n * 4);
    unsigned char *whole = calloc(n, rec), *parts = calloc(n, rec);
    ASSERT(whole != NULL && parts != NULL);
    for (size_t i = 0; i < n * 4; i++)
        v[i] = (float)(i % 13) - 6.0f;
    for (size_t i = 0; i < n; i++)
        table[i] = (int32_t)(i % 101);
    clpool_buffer *tb = NULL;
    ASSERT_OK(pool, clpool_buffer_new(pool, n * 4, &tb));
    ASSERT_OK(pool, clpool_buffer_write(tb, 0, table, n * 4));
    for (int on = 0; on <= 1; on++) {
        chunked(on);
        ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_in(v, 16), clpool_buf(tb),
                                   clpool_out(on ? parts : whole, rec), clpool_i32(3)));
    }
    chunked(0);
    /* Padding bytes are whatever the kernel left: compare the fields. */
    for (size_t i = 0; i < n; i++) {
        float a0, a1;
        int32_t b0, b1;
        memcpy(&a0, whole + i * rec, 4), memcpy(&a1, parts + i * rec, 4);
        memcpy(&b0, whole + i * rec + 4, 4), memcpy(&b1, parts + i * rec + 4, 4);
        if (memcmp(&a0, &a1, 4) != 0 || b0 != b1 || memcmp(whole + i * rec + 8, parts + i * rec + 8, 2) != 0)
            FAIL_("wide: item %zu differs chunked", i);
        ASSERT_EQ(b0, (int32_t)i * 3 + table[i]);
    }
    clpool_buffer_free(tb);
    free(v), free(table), free(whole), free(parts);
    clpool_program_free(prog);
}

/* nbody: every item reads every body, so the bodies stay in buffers and
 * only the outputs are host arrays (chunked). */
static void nbody(clpool *pool)
{
    clpool_program *prog;
    clpool_kernel *k = test_kernel(pool, "nbody", &prog);
    const size_t n = 70001; /* 280 KB per output: with 64 KiB chunks, five */
    float *in[4], *out[2][3];
    clpool_buffer *b[4];
    for (int a = 0; a < 4; a++) {
        in[a] = xmalloc(n * 4);
        for (size_t i = 0; i < n; i++)
            in[a][i] = a == 3 ? 1.0f + (float)(i % 7) : (float)((i * (a + 3)) % 1009) / 1009.0f;
        ASSERT_OK(pool, clpool_buffer_new(pool, n * 4, &b[a]));
        ASSERT_OK(pool, clpool_buffer_write(b[a], 0, in[a], n * 4));
    }
    /* Only the first 512 bodies pull, to keep the O(n * count) work small. */
    for (int on = 0; on <= 1; on++) {
        for (int c = 0; c < 3; c++)
            out[on][c] = xmalloc(n * 4);
        if (on)
            ASSERT_EQ(setenv(CHUNK_ENV, "65536", 1), 0);
        else
            chunked(0);
        ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_buf(b[0]), clpool_buf(b[1]), clpool_buf(b[2]),
                                   clpool_buf(b[3]), clpool_out(out[on][0], 4),
                                   clpool_out(out[on][1], 4), clpool_out(out[on][2], 4),
                                   clpool_u32(512), clpool_f32(0.01f)));
    }
    chunked(0);
    same_bytes("nbody ax", out[0][0], out[1][0], n * 4);
    same_bytes("nbody ay", out[0][1], out[1][1], n * 4);
    same_bytes("nbody az", out[0][2], out[1][2], n * 4);
    for (int a = 0; a < 4; a++) {
        clpool_buffer_free(b[a]);
        free(in[a]);
    }
    for (int on = 0; on <= 1; on++)
        for (int c = 0; c < 3; c++)
            free(out[on][c]);
    clpool_program_free(prog);
}

/* histogram has no elementwise array (its bins are a buffer every item
 * writes), so there is nothing to chunk: the same counts either way. */
static void histogram(clpool *pool)
{
    clpool_program *prog;
    clpool_kernel *k = test_kernel(pool, "histogram", &prog);
    uint32_t bins[2][256];
    for (int on = 0; on <= 1; on++) {
        chunked(on);
        clpool_buffer *b;
        memset(bins[on], 0, sizeof bins[on]);
        ASSERT_OK(pool, clpool_buffer_new(pool, sizeof bins[on], &b));
        ASSERT_OK(pool, clpool_buffer_write(b, 0, bins[on], sizeof bins[on]));
        ASSERT_OK(pool, CLPOOL_MAP(k, 300007, clpool_buf(b), clpool_u32(3), clpool_u32(4)));
        ASSERT_OK(pool, clpool_buffer_read(b, 0, bins[on], sizeof bins[on]));
        clpool_buffer_free(b);
    }
    chunked(0);
    same_bytes("histogram", bins[0], bins[1], sizeof bins[0]);
    clpool_program_free(prog);
}

static void all(clpool *pool)
{
    fprintf(stderr, "%s\n", clpool_describe(pool));
    for (int overlap = 0; overlap <= 1; overlap++) {
        ASSERT_EQ(setenv("CLPOOL_CHUNK_OVERLAP", overlap ? "1" : "0", 1), 0);
        saxpy(pool);
        mandelbrot(pool);
        blackscholes(pool);
        nbody(pool);
        histogram(pool);
        wide(pool);
    }
    ASSERT_EQ(unsetenv("CLPOOL_CHUNK_OVERLAP"), 0);
    clpool_close(pool);
}

int main(void)
{
    int ran = 0;
    clpool_config cfg = test_config(CLPOOL_FORK);
    clpool *pool = test_try_open(&cfg);
    if (pool != NULL) {
        all(pool);
        ran++;
    }
    cfg.backend = CLPOOL_OPENCL;
    pool = test_try_open(&cfg);
    if (pool != NULL) {
        all(pool);
        ran++;
    }
    return ran > 0 ? 0 : TEST_SKIP;
}
