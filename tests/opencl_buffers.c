/*
 * Device buffers on an OpenCL device: copies in and out at offsets, the
 * ranges that are refused (and then copy nothing), sizes that cannot be
 * made, and buffers left for clpool_close to free.
 */
#include "task.h"

#include "internal.h" /* pool->max_alloc: the limit the message must name */

#define SIZE 4096

static void fill(unsigned char *p, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(i * 31u + seed);
}

static void test_round_trip(clpool *pool)
{
    unsigned char src[SIZE], dst[SIZE], want[SIZE];
    clpool_buffer *buf = NULL;
    ASSERT_OK(pool, clpool_buffer_new(pool, SIZE, &buf));
    ASSERT(buf != NULL);
    ASSERT_EQ(clpool_buffer_size(buf), SIZE);

    /* Whole buffer. */
    fill(src, SIZE, 7);
    ASSERT_OK(pool, clpool_buffer_write(buf, 0, src, SIZE));
    memset(dst, 0, SIZE);
    ASSERT_OK(pool, clpool_buffer_read(buf, 0, dst, SIZE));
    ASSERT(memcmp(dst, src, SIZE) == 0);
    memcpy(want, src, SIZE);

    /* Pieces at odd offsets overwrite only their range. */
    const size_t offs[] = {1, 100, 1023, SIZE - 3};
    const size_t lens[] = {1, 50, 777, 3};
    for (size_t i = 0; i < 4; i++) {
        unsigned char piece[1024];
        fill(piece, lens[i], (unsigned)(100 + i));
        ASSERT_OK(pool, clpool_buffer_write(buf, offs[i], piece, lens[i]));
        memcpy(want + offs[i], piece, lens[i]);
        unsigned char back[1024];
        ASSERT_OK(pool, clpool_buffer_read(buf, offs[i], back, lens[i]));
        ASSERT(memcmp(back, piece, lens[i]) == 0);
    }
    ASSERT_OK(pool, clpool_buffer_read(buf, 0, dst, SIZE));
    for (size_t i = 0; i < SIZE; i++)
        if (dst[i] != want[i])
            FAIL_("byte %zu is %u, want %u", i, dst[i], want[i]);

    /* Exactly up to the end, and empty copies at the end, are fine. */
    ASSERT_OK(pool, clpool_buffer_read(buf, SIZE - 1, dst, 1));
    ASSERT_EQ(dst[0], want[SIZE - 1]);
    ASSERT_OK(pool, clpool_buffer_read(buf, SIZE, dst, 0));
    ASSERT_OK(pool, clpool_buffer_write(buf, SIZE, src, 0));
    clpool_buffer_free(buf);
}

static void test_out_of_range(clpool *pool)
{
    unsigned char src[SIZE], dst[SIZE + 16], orig[SIZE];
    clpool_buffer *buf = NULL;
    ASSERT_OK(pool, clpool_buffer_new(pool, SIZE, &buf));
    fill(orig, SIZE, 3);
    ASSERT_OK(pool, clpool_buffer_write(buf, 0, orig, SIZE));

    struct {
        size_t off, len;
    } bad[] = {
        {0, SIZE + 1},        {1, SIZE},           {SIZE, 1},       {SIZE + 1, 0},
        {SIZE - 1, 2},        {SIZE_MAX, 1},       {SIZE_MAX, 0},   {1, SIZE_MAX},
        {SIZE_MAX, SIZE_MAX}, {SIZE / 2, SIZE_MAX - SIZE / 2 + 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* Reads: refused, and dst untouched. */
        memset(dst, 0xAB, sizeof dst);
        int rc = clpool_buffer_read(buf, bad[i].off, dst, bad[i].len);
        if (rc != CLPOOL_EINVAL && rc != CLPOOL_EOVERFLOW)
            FAIL_("read of %zu bytes at %zu: %s (%s)", bad[i].len, bad[i].off,
                  clpool_err_name(rc), clpool_errmsg(pool));
        ASSERT(strlen(clpool_errmsg(pool)) > 0);
        for (size_t j = 0; j < sizeof dst; j++)
            if (dst[j] != 0xAB)
                FAIL_("refused read (%zu at %zu) wrote byte %zu", bad[i].len, bad[i].off, j);

        /* Writes: refused, and the buffer unchanged. */
        fill(src, SIZE, 99);
        rc = clpool_buffer_write(buf, bad[i].off, src, bad[i].len);
        if (rc != CLPOOL_EINVAL && rc != CLPOOL_EOVERFLOW)
            FAIL_("write of %zu bytes at %zu: %s (%s)", bad[i].len, bad[i].off,
                  clpool_err_name(rc), clpool_errmsg(pool));
    }
    unsigned char now[SIZE];
    ASSERT_OK(pool, clpool_buffer_read(buf, 0, now, SIZE));
    ASSERT(memcmp(now, orig, SIZE) == 0);

    /* NULL host pointers with a length are refused too. */
    ASSERT_STATUS(pool, clpool_buffer_read(buf, 0, NULL, 4), CLPOOL_EINVAL);
    ASSERT_STATUS(pool, clpool_buffer_write(buf, 0, NULL, 4), CLPOOL_EINVAL);
    clpool_buffer_free(buf);
}

static void test_sizes(clpool *pool)
{
    clpool_buffer *buf = (void *)&buf;
    ASSERT_STATUS(pool, clpool_buffer_new(pool, 0, &buf), CLPOOL_EINVAL);
    ASSERT(buf == NULL);

    /* One byte over the device's largest allocation: refused before the
     * driver is asked, with the limit in the message. */
    size_t limit = pool->max_alloc;
    ASSERT_GT(limit, 0);
    char limit_text[32];
    snprintf(limit_text, sizeof limit_text, "%zu", limit);
    buf = (void *)&buf;
    int rc = clpool_buffer_new(pool, limit + 1, &buf);
    ASSERT_NE(rc, CLPOOL_OK);
    ASSERT(buf == NULL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), limit_text);
    rc = clpool_buffer_new(pool, SIZE_MAX, &buf);
    ASSERT_NE(rc, CLPOOL_OK);
    ASSERT(buf == NULL);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), limit_text);

    /* One byte, the smallest buffer. */
    ASSERT_OK(pool, clpool_buffer_new(pool, 1, &buf));
    unsigned char b = 42, back = 0;
    ASSERT_OK(pool, clpool_buffer_write(buf, 0, &b, 1));
    ASSERT_OK(pool, clpool_buffer_read(buf, 0, &back, 1));
    ASSERT_EQ(back, 42);
    clpool_buffer_free(buf);
}

/* Data stays on the device between maps. */
static void test_persistence(clpool *pool)
{
    enum { N = 1000 };
    clpool_program *prog = NULL;
    clpool_kernel *k = test_kernel(pool, "saxpy", &prog);
    float x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = (float)(i % 10);
        y[i] = 1.0f;
    }
    clpool_buffer *bx = NULL, *by = NULL;
    ASSERT_OK(pool, clpool_buffer_new(pool, sizeof x, &bx));
    ASSERT_OK(pool, clpool_buffer_new(pool, sizeof y, &by));
    ASSERT_OK(pool, clpool_buffer_write(bx, 0, x, sizeof x));
    ASSERT_OK(pool, clpool_buffer_write(by, 0, y, sizeof y));
    for (int r = 0; r < 3; r++)
        ASSERT_OK(pool, CLPOOL_MAP(k, N, clpool_f32(1.0f), clpool_buf(bx), clpool_buf(by)));
    ASSERT_OK(pool, clpool_buffer_read(by, 0, y, sizeof y));
    for (int i = 0; i < N; i++)
        ASSERT_EQ(y[i], 1.0f + 3.0f * (float)(i % 10));
    clpool_buffer_free(bx);
    clpool_buffer_free(by);
    clpool_program_free(prog);
}

int main(void)
{
    clpool *pool = test_open(CLPOOL_OPENCL, NULL);
    test_round_trip(pool);
    test_out_of_range(pool);
    test_sizes(pool);
    test_persistence(pool);

    /* Many buffers made and freed, then some left for clpool_close. */
    for (int i = 0; i < 200; i++) {
        clpool_buffer *b = NULL;
        ASSERT_OK(pool, clpool_buffer_new(pool, 1024 + (size_t)i, &b));
        clpool_buffer_free(b);
    }
    for (int i = 0; i < 5; i++) {
        clpool_buffer *b = NULL;
        ASSERT_OK(pool, clpool_buffer_new(pool, 64, &b));
    }
    clpool_close(pool);
    return 0;
}
