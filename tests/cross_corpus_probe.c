/*
 * Done-when 2 of issue 10: every work-item function, for every item of a
 * 2-D map over {W, H} with local {16, 16}, of a 3-D map and of maps with
 * offsets (tests/corpus/probe.cl), against the values OpenCL defines,
 * computed here, on every backend, chunked and unchunked. With the local
 * size left to clpool the group size is the backend's choice, so those
 * maps check that the functions agree with each other and with the range.
 *
 * The probe calls get_group_id, so on OpenCL it is never chunked and every
 * value is whole-range (clpool.h); on fork every value is whole-range in a
 * chunk. One band of groups of these 120-byte records is bigger than 4
 * KiB, so chunked runs use a limit of one band (corpus_chunk_limit).
 */
#include "corpus.h"

typedef struct probe_rec {
    uint32_t work_dim;
    uint32_t global_id[3], global_size[3], global_offset[3];
    uint32_t local_id[3], local_size[3], enqueued_local_size[3];
    uint32_t group_id[3], num_groups[3];
    uint32_t global_linear_id, local_linear_id;
} probe_rec;

static void mismatch(const corpus_ctx *c, const clpool_range *r, size_t item, const char *field,
                     int d, uint32_t got, uint32_t want)
{
    FAIL_("%s: range {%u dims, global %zu %zu %zu, local %zu %zu %zu, offset %zu %zu %zu}: item "
          "%zu: %s(%d) = %u, want %u",
          corpus_where(c), r->dims, r->global[0], r->global[1], r->global[2], r->local[0],
          r->local[1], r->local[2], r->offset[0], r->offset[1], r->offset[2], item, field, d, got,
          want);
}

#define CHECK(field, d, want)                                                            \
    do {                                                                                 \
        uint32_t w_ = (uint32_t)(want);                                                  \
        if (got->field != w_)                                                            \
            mismatch(c, r, item, #field, (d), got->field, w_);                           \
    } while (0)
#define CHECK_D(field, want) CHECK(field[d], d, want)

/* Runs the probe over *r and checks every record. */
static void probe(corpus_ctx *c, const clpool_range *r, size_t band_items)
{
    clpool_kernel *k = corpus_kernel(c, "probe.cl", NULL, "probe", CORPUS_PLAIN);
    if (k == NULL)
        return;
    size_t g[3] = {1, 1, 1}, o[3] = {0, 0, 0}, l[3] = {1, 1, 1};
    int given = r->local[0] != 0;
    for (unsigned d = 0; d < r->dims; d++) {
        g[d] = r->global[d];
        o[d] = r->offset[d];
        l[d] = given ? r->local[d] : 0;
    }
    const size_t n = g[0] * g[1] * g[2];
    probe_rec *rec = corpus_alloc(n * sizeof *rec);
    memset(rec, 0xa5, n * sizeof *rec);
    corpus_chunk_limit(c, band_items * sizeof *rec);
    CORPUS_RUN(c, k, r, clpool_out(rec, sizeof *rec), clpool_u32((uint32_t)g[0]),
               clpool_u32((uint32_t)g[1]));

    /* The group size clpool picked: the first item's, the same for all. */
    uint32_t enq[3];
    for (int d = 0; d < 3; d++) {
        enq[d] = rec[0].enqueued_local_size[d];
        if (given || d >= (int)r->dims)
            enq[d] = (uint32_t)(d < (int)r->dims ? l[d] : 1);
        ASSERT_GE(enq[d], 1);
    }
    if (!given && c->fork) {
        /* fork: up to 1024 items of dimension 0 for a kernel without
         * barriers (clpool.h), 1 in the others. */
        ASSERT_LE(enq[0], 1024);
        ASSERT_LE(enq[0], r->global[0]);
        ASSERT_EQ(enq[1], 1);
        ASSERT_EQ(enq[2], 1);
    }

    for (size_t item = 0; item < n; item++) {
        const probe_rec *got = &rec[item];
        const size_t idx[3] = {item % g[0], item / g[0] % g[1], item / (g[0] * g[1])};
        CHECK(work_dim, 0, r->dims);
        uint32_t lid[3], lsz[3];
        for (int d = 0; d < 3; d++) {
            const int used = d < (int)r->dims;
            const size_t grp = idx[d] / enq[d];
            const size_t groups = (g[d] + enq[d] - 1) / enq[d];
            lid[d] = (uint32_t)(idx[d] % enq[d]);
            /* The last group of a dimension may be smaller (non-uniform). */
            lsz[d] = (uint32_t)(g[d] - grp * enq[d] < enq[d] ? g[d] - grp * enq[d] : enq[d]);
            CHECK_D(global_id, used ? o[d] + idx[d] : 0);
            CHECK_D(global_size, used ? g[d] : 1);
            CHECK_D(global_offset, used ? o[d] : 0);
            CHECK_D(enqueued_local_size, enq[d]);
            CHECK_D(local_size, lsz[d]);
            CHECK_D(local_id, lid[d]);
            CHECK_D(group_id, grp);
            CHECK_D(num_groups, groups);
        }
        CHECK(global_linear_id, 0, item);
        CHECK(local_linear_id, 0, (lid[2] * lsz[1] + lid[1]) * lsz[0] + lid[0]);
    }
    free(rec);
}

enum { W = 64, H = 48 };

static void case_2d_16x16(corpus_ctx *c)
{
    clpool_range r = corpus_range(2, W, H, 1, 16, 16, 0);
    probe(c, &r, 16 * W);
}

static void case_3d(corpus_ctx *c)
{
    clpool_range r = corpus_range(3, 8, 6, 4, 4, 3, 2);
    probe(c, &r, 8 * 6 * 2);
}

static void case_2d_offset(corpus_ctx *c)
{
    clpool_range r = corpus_range(2, 40, 24, 1, 8, 4, 0);
    r.offset[0] = 5;
    r.offset[1] = 7;
    probe(c, &r, 4 * 40);
}

static void case_3d_offset(corpus_ctx *c)
{
    clpool_range r = corpus_range(3, 12, 10, 6, 4, 5, 3);
    r.offset[0] = 3;
    r.offset[1] = 100;
    r.offset[2] = 1;
    probe(c, &r, 12 * 10 * 3);
}

/* The group size left to clpool: odd sizes, an offset. */
static void case_2d_picked(corpus_ctx *c)
{
    clpool_range r = corpus_range(2, 300, 7, 1, 0, 0, 0);
    r.offset[1] = 2;
    probe(c, &r, 300);
}

static void case_1d_picked(corpus_ctx *c)
{
    clpool_range r = corpus_range(1, 1000, 1, 1, 0, 0, 0);
    probe(c, &r, 256);
}

/* Whether the chunked runs chunk: on OpenCL a chunk is launched as its own
 * range, so get_global_size(1) and get_global_offset(1) are the chunk's
 * rows (clpool.h), whole rows tiling the range; on fork they stay
 * whole-range. 64 x 64 items, 16 KiB per array. */
static void case_chunk_witness(corpus_ctx *c)
{
    clpool_kernel *k = corpus_kernel(c, "witness.cl", NULL, "chunk_witness", CORPUS_PLAIN);
    if (k == NULL)
        return;
    enum { CW = 64, CH = 64 };
    uint32_t *size1 = corpus_alloc(CW * CH * 4), *offset1 = corpus_alloc(CW * CH * 4);
    clpool_range r = corpus_range(2, CW, CH, 1, 0, 0, 0);
    CORPUS_RUN(c, k, &r, clpool_out(size1, 4), clpool_out(offset1, 4), clpool_u32(CW));
    if (c->fork || !c->chunked) {
        for (int i = 0; i < CW * CH; i++)
            if (size1[i] != CH || offset1[i] != 0)
                FAIL_("%s: item %d saw rows [%u, +%u), want the whole range", corpus_where(c), i,
                      offset1[i], size1[i]);
    } else {
        /* Chunks of whole rows: every item of a row saw the same chunk,
         * its row inside it, the next chunk starting where it ends. */
        uint32_t next = 0, chunks = 0;
        for (uint32_t y = 0; y < CH; y++) {
            const uint32_t o = offset1[y * CW], s = size1[y * CW];
            for (uint32_t x = 0; x < CW; x++)
                if (offset1[y * CW + x] != o || size1[y * CW + x] != s)
                    FAIL_("%s: row %u is in two chunks", corpus_where(c), y);
            ASSERT(y >= o && y < o + s);
            if (o == y) {
                ASSERT_EQ(o, next);
                next = o + s;
                chunks++;
            }
        }
        ASSERT_EQ(next, CH);
        ASSERT_GE(chunks, 4); /* 16 KiB per array in chunks of at most 4 KiB */
    }
    free(size1), free(offset1);
}

int main(void)
{
    static const corpus_case cases[] = {
        {"probe 2-D 16x16", case_2d_16x16},   {"probe 3-D", case_3d},
        {"probe 2-D offset", case_2d_offset}, {"probe 3-D offset", case_3d_offset},
        {"probe 2-D picked", case_2d_picked}, {"probe 1-D picked", case_1d_picked},
        {"chunk witness", case_chunk_witness},
    };
    return corpus_main(cases, sizeof cases / sizeof cases[0]);
}
