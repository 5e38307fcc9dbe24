/*
 * Buffers in the fork backend's shared arena: many buffers made and freed in
 * random order never overlap and keep their contents, workers see what the
 * parent wrote and the parent sees what workers wrote, copies at offsets, a
 * large reservation that is never touched is cheap, and sizes over the limit
 * are refused with the limit in the message.
 */
#include "task.h"

static const char source[] =
    "__kernel void negate(__global uchar *b)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    b[i] = (uchar)~b[i];\n"
    "}\n";

#define LIVE 32

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void fill(unsigned char *p, size_t n, unsigned id)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(id * 131u + i * 7u);
}

static void verify(clpool *pool, clpool_buffer *b, size_t n, unsigned id, int negated,
                   unsigned char *scratch)
{
    ASSERT_OK(pool, clpool_buffer_read(b, 0, scratch, n));
    for (size_t i = 0; i < n; i++) {
        unsigned char want = (unsigned char)(id * 131u + i * 7u);
        if (negated)
            want = (unsigned char)~want;
        if (scratch[i] != want)
            FAIL_("buffer %u (%zu bytes), byte %zu: %#x, want %#x", id, n, i, scratch[i], want);
    }
}

static void test_random(clpool *pool, clpool_kernel *negate)
{
    clpool_buffer *bufs[LIVE] = {0};
    size_t sizes[LIVE] = {0};
    unsigned ids[LIVE] = {0};
    int negated[LIVE] = {0};
    const size_t max = 3u << 20;
    unsigned char *scratch = malloc(max);
    ASSERT(scratch != NULL);
    uint32_t s = 2024;
    unsigned next_id = 1;
    for (int op = 0; op < 600; op++) {
        unsigned slot = rnd(&s) % LIVE;
        if (bufs[slot] != NULL) {
            verify(pool, bufs[slot], sizes[slot], ids[slot], negated[slot], scratch);
            clpool_buffer_free(bufs[slot]);
            bufs[slot] = NULL;
            continue;
        }
        /* Sizes around page and huge-page boundaries as well as odd ones. */
        uint32_t r = rnd(&s);
        size_t n = r % 4 == 0 ? 4096 * (1 + r % 600) + (r >> 20) % 3 - 1
                 : r % 4 == 1 ? (2u << 20) + (r >> 8) % 3 - 1
                              : 1 + (r >> 4) % max;
        if (n == 0 || n > max)
            n = 1 + n % max;
        ASSERT_OK(pool, clpool_buffer_new(pool, n, &bufs[slot]));
        sizes[slot] = n;
        ids[slot] = next_id++;
        negated[slot] = 0;
        fill(scratch, n, ids[slot]);
        ASSERT_OK(pool, clpool_buffer_write(bufs[slot], 0, scratch, n));
        if (rnd(&s) % 4 == 0) {
            ASSERT_OK(pool, CLPOOL_MAP(negate, n, clpool_buf(bufs[slot])));
            negated[slot] = 1;
        }
    }
    for (unsigned i = 0; i < LIVE; i++) {
        if (bufs[i] != NULL) {
            verify(pool, bufs[i], sizes[i], ids[i], negated[i], scratch);
            clpool_buffer_free(bufs[i]);
        }
    }
    free(scratch);
}

static void test_offsets(clpool *pool)
{
    clpool_buffer *b;
    ASSERT_OK(pool, clpool_buffer_new(pool, 10000, &b));
    ASSERT_EQ(clpool_buffer_size(b), 10000);
    unsigned char data[10000], back[10000];
    for (int i = 0; i < 10000; i++)
        data[i] = (unsigned char)(i * 13);
    ASSERT_OK(pool, clpool_buffer_write(b, 0, data, 10000));
    ASSERT_OK(pool, clpool_buffer_write(b, 4095, "xyz", 3));
    ASSERT_OK(pool, clpool_buffer_read(b, 4094, back, 5));
    ASSERT_EQ(back[0], data[4094]);
    ASSERT(memcmp(back + 1, "xyz", 3) == 0);
    ASSERT_EQ(back[4], data[4098]);
    ASSERT_OK(pool, clpool_buffer_read(b, 9999, back, 1));
    ASSERT_EQ(back[0], data[9999]);
    ASSERT_STATUS(pool, clpool_buffer_read(b, 9999, back, 2), CLPOOL_EINVAL);
    clpool_buffer_free(b);
}

static void test_large(clpool *pool)
{
    /* 4 GiB that nobody touches: address space, not memory. */
    const size_t big = (size_t)4 << 30;
    clpool_buffer *b, *small;
    double t0 = test_seconds();
    int rc = clpool_buffer_new(pool, big, &b);
    if (rc == CLPOOL_ENOMEM) {
        fprintf(stderr, "a 4 GiB buffer is over this machine's limit: %s\n", clpool_errmsg(pool));
    } else {
        ASSERT_OK(pool, rc);
        /* Touch its two ends only. */
        ASSERT_OK(pool, clpool_buffer_write(b, 0, "head", 4));
        ASSERT_OK(pool, clpool_buffer_write(b, big - 4, "tail", 4));
        char got[4];
        ASSERT_OK(pool, clpool_buffer_read(b, big - 4, got, 4));
        ASSERT(memcmp(got, "tail", 4) == 0);
        clpool_buffer_free(b);
        ASSERT(test_seconds() - t0 < 1.0);
    }
    /* Beyond the backend's limit: refused, with the limit in the message. */
    ASSERT_STATUS(pool, clpool_buffer_new(pool, (size_t)1 << 62, &b), CLPOOL_ENOMEM);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "bytes");
    ASSERT_OK(pool, clpool_buffer_new(pool, 1, &small));
    clpool_buffer_free(small);
}

int main(void)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 2;
    clpool *pool = NULL;
    ASSERT_OK(NULL, clpool_open(&cfg, &pool));
    clpool_program *prog;
    clpool_kernel *negate;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "negate", &negate));

    test_random(pool, negate);
    test_offsets(pool);
    test_large(pool);

    clpool_program_free(prog);
    clpool_close(pool);
    return 0;
}
