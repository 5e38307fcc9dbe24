/*
 * clpool_host_alloc'd memory on every backend: host arrays (elementwise and
 * whole) inside a block, at offsets that a backend can pass in place and
 * at offsets it cannot, are passed in place or copied, and either way give
 * C's results: saxpy, an atomic counter in a whole array, a range with an
 * offset, __local memory and barriers (which OpenCL runs in one window
 * over the whole range when it copies). Freeing a block an async map still uses
 * waits for the map; freeing one that a kernel past its time limit may
 * still write (OpenCL) waits for that kernel; clpool_close frees what is
 * left (ASan and valgrind see a leak).
 *
 * Whether an array was passed in place is read from the pool's count of
 * views (pool->hostmem_views). The fork backend passes every array inside
 * a block in place; OpenCL passes those that start on a multiple of
 * CL_DEVICE_MEM_BASE_ADDR_ALIGN (at least 64 bytes, at most a page here)
 * in ranges without an offset, and copies the rest.
 * ctest parts: fork opencl
 */
#include "task.h"

#include "internal.h" /* pool->hostmem_views */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const SRC =
    "__kernel void count_odd(__global const uint *x, __global uint *hits)\n"
    "{\n"
    "    if (x[get_global_id(0)] & 1u)\n"
    "        atomic_inc(hits);\n"
    "}\n"
    "__kernel __attribute__((reqd_work_group_size(256, 1, 1)))\n"
    "void psum(__global const float *x, __global float *partial, __local float *t)\n"
    "{\n"
    "    const uint l = (uint)get_local_id(0);\n"
    "    t[l] = x[get_global_id(0)];\n"
    "    barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    for (uint s = 128; s > 0; s /= 2) {\n"
    "        if (l < s)\n"
    "            t[l] += t[l + s];\n"
    "        barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    }\n"
    "    if (l == 0)\n"
    "        partial[get_group_id(0)] = t[0];\n"
    "}\n"
    "__kernel void spin(__global uint *out, const ulong iters)\n"
    "{\n"
    "    volatile uint acc = 0;\n"
    "    for (ulong i = 0; i < iters; i++)\n"
    "        acc += i;\n"
    "    out[get_global_id(0)] = acc + 1u;\n"
    "}\n";

enum { N = 10000, BLOCK = 1 << 20 };

/* Offsets in a block: page aligned (in place everywhere), then 4 and 132
 * bytes past a page (in place on fork only: no device's base address
 * alignment divides them). */
static const size_t OFFSETS[] = {0, 4096, 4096 + 4, 8192 + 132};

typedef struct ctx {
    clpool *pool;
    int opencl;
    clpool_kernel *saxpy, *count_odd, *psum, *reduce;
} ctx;

/* Whether the backend passes an array at this offset of a block in place,
 * in a range whose shift (offset items times the element size) is given. */
static int in_place(const ctx *c, size_t offset, size_t shift)
{
    return !c->opencl || (offset % 4096 == 0 && shift == 0);
}

static unsigned long views(const ctx *c)
{
    return c->pool->hostmem_views;
}

static void *block(const ctx *c)
{
    void *p = NULL;
    ASSERT_OK(c->pool, clpool_host_alloc(c->pool, BLOCK, &p));
    ASSERT(p != NULL);
    ASSERT_EQ((uintptr_t)p % 4096, 0);
    return p;
}

static void fill(float *x, float *y, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)((i * 7 + seed) % 1000) * 0.25f;
        y[i] = (float)((i * 13 + seed) % 500) - 250.0f;
    }
}

/* saxpy with x and y inside two blocks at each offset, elementwise and
 * with x whole, against C. */
static void case_saxpy(const ctx *c)
{
    unsigned char *bx = block(c), *by = block(c);
    float *want = malloc(N * sizeof *want);
    ASSERT(want != NULL);
    for (size_t o = 0; o < sizeof OFFSETS / sizeof OFFSETS[0]; o++) {
        for (int whole = 0; whole < 2; whole++) {
            float *x = (float *)(bx + OFFSETS[o]), *y = (float *)(by + OFFSETS[o]);
            fill(x, y, N, (unsigned)(o * 2 + whole));
            const float a = 1.5f;
            for (size_t i = 0; i < N; i++)
                want[i] = a * x[i] + y[i];
            unsigned long before = views(c);
            clpool_arg xa = whole ? clpool_array_in(x, N * sizeof *x) : clpool_in(x, sizeof *x);
            ASSERT_OK(c->pool,
                      CLPOOL_MAP(c->saxpy, N, clpool_f32(a), xa, clpool_inout(y, sizeof *y)));
            for (size_t i = 0; i < N; i++)
                if (y[i] != want[i])
                    FAIL_("saxpy at offset %zu (x %s): y[%zu] = %g, want %g", OFFSETS[o],
                          whole ? "whole" : "elementwise", i, y[i], want[i]);
            ASSERT_EQ(views(c) - before, in_place(c, OFFSETS[o], 0) ? 2 : 0);
        }
    }
    /* The same block holds both arrays, one after the other. */
    float *x = (float *)(bx + 4096), *y = x + 2048; /* y 8 KiB further: page aligned */
    fill(x, y, 2048, 9);
    for (size_t i = 0; i < 2048; i++)
        want[i] = 3.0f * x[i] + y[i];
    unsigned long before = views(c);
    ASSERT_OK(c->pool, CLPOOL_MAP(c->saxpy, 2048, clpool_f32(3.0f), clpool_in(x, sizeof *x),
                                  clpool_inout(y, sizeof *y)));
    for (size_t i = 0; i < 2048; i++)
        ASSERT_EQ(y[i], want[i]);
    ASSERT_EQ(views(c) - before, 2);
    free(want);
    clpool_host_free(c->pool, bx);
    clpool_host_free(c->pool, by);
}

/* An atomic counter in a whole array inside a block, the items' data
 * elementwise in the same block. */
static void case_counter(const ctx *c)
{
    unsigned char *b = block(c);
    uint32_t *x = (uint32_t *)b;
    uint32_t want = 0;
    for (size_t i = 0; i < N; i++) {
        x[i] = (uint32_t)(i * 2654435761u >> 7);
        want += x[i] & 1u;
    }
    const size_t at[] = {65536, 65536 + 4, 65536 + 132};
    for (size_t j = 0; j < sizeof at / sizeof at[0]; j++) {
        uint32_t *hits = (uint32_t *)(b + at[j]);
        *hits = 5;
        unsigned long before = views(c);
        ASSERT_OK(c->pool, CLPOOL_MAP(c->count_odd, N, clpool_in(x, sizeof *x),
                                      clpool_array_inout(hits, sizeof *hits)));
        ASSERT_EQ(*hits, want + 5);
        ASSERT_EQ(views(c) - before, 1 + in_place(c, at[j], 0));
    }
    clpool_host_free(c->pool, b);
}

/* A range with an offset: elementwise arrays are shifted, which OpenCL
 * cannot express, so they are copied there (through one window); a whole
 * array has no shift and is passed in place everywhere. */
static void case_offset(const ctx *c)
{
    enum { OFF = 1000 };
    unsigned char *b = block(c);
    float *x = (float *)b, *y = (float *)(b + 65536);
    fill(x, y, N, 3);
    float *want = malloc(N * sizeof *want);
    ASSERT(want != NULL);
    for (size_t i = 0; i < N; i++)
        want[i] = 0.5f * x[i] + y[i];
    clpool_range r = {1, {N}, {0}, {OFF}};
    clpool_arg a[] = {clpool_f32(0.5f), clpool_in(x, sizeof *x), clpool_inout(y, sizeof *y)};
    unsigned long before = views(c);
    ASSERT_OK(c->pool, clpool_map_range(c->saxpy, &r, a, 3));
    for (size_t i = 0; i < N; i++)
        ASSERT_EQ(y[i], want[i]);
    ASSERT_EQ(views(c) - before, in_place(c, 0, OFF * sizeof(float)) ? 2 : 0);

    uint32_t *u = (uint32_t *)b, *hits = (uint32_t *)(b + 131072), odd = 0;
    for (size_t i = 0; i < N; i++)
        odd += (u[i] = (uint32_t)i * 3u) & 1u;
    *hits = 0;
    clpool_arg ca[] = {clpool_in(u, sizeof *u), clpool_array_inout(hits, sizeof *hits)};
    before = views(c);
    ASSERT_OK(c->pool, clpool_map_range(c->count_odd, &r, ca, 2));
    ASSERT_EQ(*hits, odd);
    ASSERT_EQ(views(c) - before, 1 + in_place(c, 0, OFF * sizeof(uint32_t)));
    free(want);
    clpool_host_free(c->pool, b);
}

/* Work-groups with every array inside a block. kernels/reduce.cl (__local
 * variables, barriers, group ids, a global ticket) is passed in place;
 * psum (a __local parameter) too, and in a range with an offset, where
 * OpenCL copies x and runs the kernel in one window over the whole range
 * while the whole array stays in place. reduce.cl in a range with an
 * offset runs on fork; OpenCL refuses it (CLPOOL_EINVAL, saying why), since
 * its window wrapper would call a kernel that declares __local variables,
 * which OpenCL C leaves to the implementation and PoCL 3.1 got wrong in
 * about half the runs. */
static void case_groups(const ctx *c)
{
    enum { GROUP = 256, GROUPS = 64, ITEMS = GROUP * GROUPS };
    unsigned char *b = block(c);
    float *x = (float *)b, *partial = (float *)(b + 131072), *total = partial + 4096;
    uint32_t *ticket = (uint32_t *)(total + 4096);
    float want = 0, want_partial[GROUPS] = {0};
    for (size_t i = 0; i < ITEMS; i++) {
        x[i] = (float)(i % 7); /* small integers: every sum is exact */
        want += x[i];
        want_partial[i / GROUP] += x[i];
    }
    *ticket = 0;
    *total = -1;
    unsigned long before = views(c);
    ASSERT_OK(c->pool, CLPOOL_MAP(c->reduce, ITEMS, clpool_in(x, sizeof *x),
                                  clpool_array_out(partial, GROUPS * sizeof *x),
                                  clpool_array_inout(ticket, sizeof *ticket),
                                  clpool_array_out(total, sizeof *total)));
    ASSERT_EQ(*total, want);
    ASSERT_EQ(*ticket, GROUPS);
    ASSERT_EQ(views(c) - before, 4);

    for (int offset = 0; offset < 2; offset++) {
        memset(partial, 0, GROUPS * sizeof *partial);
        clpool_range r = {1, {ITEMS}, {0}, {offset ? 3 * GROUP : 0}};
        clpool_arg a[] = {clpool_in(x, sizeof *x), clpool_array_out(partial, GROUPS * sizeof *x),
                          clpool_local(GROUP * sizeof *x)};
        before = views(c);
        ASSERT_OK(c->pool, clpool_map_range(c->psum, &r, a, 3));
        for (int g = 0; g < GROUPS; g++)
            if (partial[g] != want_partial[g])
                FAIL_("psum (offset %zu): group %d's sum is %g, want %g", r.offset[0], g,
                      partial[g], want_partial[g]);
        ASSERT_EQ(views(c) - before, 1 + in_place(c, 0, r.offset[0] * sizeof *x));
    }

    /* reduce.cl over items [3 groups, ITEMS), whose host array x holds
     * items from the offset on (element 0 is item 3 * GROUP), in malloc'd
     * memory and in the block, 20 times each: nothing wrong is returned. */
    float *heap = malloc(ITEMS * sizeof *heap);
    ASSERT(heap != NULL);
    memcpy(heap, x, ITEMS * sizeof *x);
    float want_tail = 0;
    for (size_t i = 0; i < ITEMS - 3 * GROUP; i++)
        want_tail += x[i];
    for (int run = 0; run < 40; run++) {
        const float *src = run % 2 ? heap : x;
        clpool_range r = {1, {ITEMS - 3 * GROUP}, {0}, {3 * GROUP}};
        *ticket = 0;
        *total = -1;
        clpool_arg a[] = {clpool_in(src, sizeof *x), clpool_array_out(partial, GROUPS * sizeof *x),
                          clpool_array_inout(ticket, sizeof *ticket),
                          clpool_array_out(total, sizeof *total)};
        int rc = clpool_map_range(c->reduce, &r, a, 4);
        if (c->opencl) {
            ASSERT_STATUS(c->pool, rc, CLPOOL_EINVAL);
            ASSERT_STR_CONTAINS(clpool_errmsg(c->pool), "no __local variables");
            ASSERT_EQ(*total, -1);
        } else {
            ASSERT_OK(c->pool, rc);
            if (*total != want_tail)
                FAIL_("reduce over [%d, %d) (run %d): %g, want %g", 3 * GROUP, ITEMS, run,
                      *total, want_tail);
        }
    }
    free(heap);
    clpool_host_free(c->pool, b);
}

/* Blocks freed while async maps that use them are queued: the frees wait
 * for the maps, which read and write the blocks as if nothing happened. */
static void case_async_free(const ctx *c)
{
    enum { BIG = 1 << 21 };
    float *bx = malloc(BIG * sizeof *bx), *by = malloc(BIG * sizeof *by);
    float *out = malloc(N * sizeof *out), *want = malloc(N * sizeof *want);
    ASSERT(bx != NULL && by != NULL && out != NULL && want != NULL);
    fill(bx, by, BIG, 1);
    float *x = block(c), *y = block(c);
    fill(x, y, N, 4);
    for (size_t i = 0; i < N; i++) {
        out[i] = y[i];
        want[i] = 2.0f * x[i] + y[i];
    }
    clpool_event *ev[3];
    /* A slow map first, so that the others are still queued at the frees. */
    ASSERT_OK(c->pool, clpool_map_async(c->saxpy, BIG,
                                        (clpool_arg[]){clpool_f32(1.0f), clpool_in(bx, 4),
                                                       clpool_inout(by, 4)},
                                        3, &ev[0]));
    ASSERT_OK(c->pool, clpool_map_async(c->saxpy, N,
                                        (clpool_arg[]){clpool_f32(2.0f), clpool_in(x, 4),
                                                       clpool_inout(out, 4)},
                                        3, &ev[1]));
    ASSERT_OK(c->pool, clpool_map_async(c->saxpy, N,
                                        (clpool_arg[]){clpool_f32(2.0f), clpool_in(x, 4),
                                                       clpool_inout(y, 4)},
                                        3, &ev[2]));
    clpool_host_free(c->pool, x);
    for (int i = 0; i < 3; i++)
        ASSERT_OK(c->pool, clpool_wait(ev[i]));
    for (size_t i = 0; i < N; i++) {
        ASSERT_EQ(out[i], want[i]);
        ASSERT_EQ(y[i], want[i]);
    }
    clpool_host_free(c->pool, y);
    free(bx);
    free(by);
    free(out);
    free(want);
}

/* OpenCL: a kernel that ran past the time limit goes on writing the block
 * it was given in place; freeing the block waits for it, so the memory is
 * not handed out again meanwhile, and is freed by a later call once the
 * kernel has ended. */
static void case_timeout_free(void)
{
    clpool_config cfg = test_config(CLPOOL_OPENCL);
    clpool *pool = test_try_open(&cfg);
    if (pool == NULL)
        return;
    clpool_program *prog = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, SRC, NULL, &prog));
    clpool_kernel *spin = NULL;
    ASSERT_OK(pool, clpool_kernel_get(prog, "spin", &spin));
    void *p = NULL;
    ASSERT_OK(pool, clpool_host_alloc(pool, BLOCK, &p));
    uint32_t *out = p, scratch = 0;
    /* Iterations for about 0.6 s, from a run of a few milliseconds, with no
     * limit yet; after a first launch, which may build the kernel for the
     * device (PoCL does). */
    ASSERT_OK(pool, CLPOOL_MAP(spin, 1, clpool_array_out(out, 4), clpool_u64(1)));
    uint64_t iters = 1u << 16;
    double took = 0;
    for (;;) {
        double t0 = test_seconds();
        ASSERT_OK(pool, CLPOOL_MAP(spin, 1, clpool_array_out(out, 4), clpool_u64(iters)));
        took = test_seconds() - t0;
        if (took > 0.005 || iters >= ((uint64_t)1 << 34))
            break;
        iters *= 4;
    }
    ASSERT_NE(*out, 0);
    uint64_t big = (uint64_t)((double)iters * 0.6 / (took > 1e-4 ? took : 1e-4));
    fprintf(stderr, "%" PRIu64 " iterations took %.1f ms; the long map runs %" PRIu64 "\n", iters,
            took * 1e3, big);
    pool->cfg.timeout_ms = 100;
    ASSERT_STATUS(pool, CLPOOL_MAP(spin, 1, clpool_array_out(out, 4), clpool_u64(big)),
                  CLPOOL_ETIMEDOUT);
    clpool_host_free(pool, p);
    void *q = NULL;
    ASSERT_OK(pool, clpool_host_alloc(pool, BLOCK, &q));
    ASSERT(q != p); /* p is still allocated: the kernel may write it */
    clpool_host_free(pool, q);
    /* Once the kernel has ended the pool works again, and p is freed. */
    double t0 = test_seconds();
    int rc;
    while ((rc = CLPOOL_MAP(spin, 1, clpool_array_out(&scratch, 4), clpool_u64(1))) ==
               CLPOOL_ETIMEDOUT &&
           test_seconds() - t0 < 60)
        ;
    ASSERT_OK(pool, rc);
    ASSERT_EQ(scratch, 1);
    ASSERT_OK(pool, clpool_host_alloc(pool, 64, &q)); /* reaps p */
    clpool_program_free(prog);
    clpool_close(pool); /* frees q */
}

static void run(clpool *pool, clpool_backend backend)
{
    ctx c = {pool, backend == CLPOOL_OPENCL, NULL, NULL, NULL, NULL};
    clpool_program *prog = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, SRC, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "count_odd", &c.count_odd));
    ASSERT_OK(pool, clpool_kernel_get(prog, "psum", &c.psum));
    c.saxpy = test_kernel(pool, "saxpy", NULL);
    c.reduce = test_kernel(pool, "reduce", NULL);
    case_saxpy(&c);
    case_counter(&c);
    case_offset(&c);
    case_groups(&c);
    case_async_free(&c);
    /* Blocks left for clpool_close, one of them written by a map. */
    void *left[3];
    for (int i = 0; i < 3; i++)
        ASSERT_OK(pool, clpool_host_alloc(pool, 4096 << i, &left[i]));
    uint32_t *hits = left[1];
    *hits = 0;
    ASSERT_OK(pool, CLPOOL_MAP(c.count_odd, 4, clpool_in((uint32_t[]){1, 2, 3, 4}, 4),
                               clpool_array_inout(hits, 4)));
    ASSERT_EQ(*hits, 2);
    clpool_close(pool);
}

int main(void)
{
    int ran = 0;
    /* Fork first: a process that has initialised OpenCL never forks. */
    clpool_config cfg = test_config(CLPOOL_FORK);
    clpool *pool = test_try_open(&cfg);
    if (pool != NULL) {
        run(pool, CLPOOL_FORK);
        ran++;
    }
    cfg = test_config(CLPOOL_OPENCL);
    pool = test_try_open(&cfg);
    if (pool != NULL) {
        run(pool, CLPOOL_OPENCL);
        case_timeout_free();
        ran++;
    } else if (test_part("opencl")) {
        fprintf(stderr, "opencl: no device, that part skipped\n");
    }
    return ran > 0 ? 0 : TEST_SKIP;
}
