/*
 * Several clpool_map_async in flight, chunked (CLPOOL_MAX_CHUNK_BYTES forces
 * chunks), waited for in reverse order; one has a bad argument, and its
 * error comes back from its own wait, with its message, while the others
 * succeed. A blocking map runs between them; a scalar's bytes die right
 * after the call that passed them; a pool is closed with maps in flight and
 * never waited for (the sanitizer and valgrind jobs see any leak). Fork
 * first (no process that has initialised OpenCL may fork), then OpenCL.
 * ctest parts: fork opencl
 */
#include "task.h"

#include "reference.h"

#define MAPS 5
#define BAD 2

/* clpool_scalar's bytes need not outlive the call: they are overwritten
 * right after it, before the map can have run. */
static void scalar_bytes_copied(clpool *pool, clpool_kernel *k, const float *x, size_t n)
{
    float *y = calloc(n, sizeof *y);
    ASSERT(y != NULL);
    float a = 2.0f;
    clpool_event *ev = NULL;
    ASSERT_OK(pool, clpool_map_async(k, n,
                                     (const clpool_arg[]){clpool_scalar(&a, sizeof a),
                                                          clpool_in(x, 4), clpool_inout(y, 4)},
                                     3, &ev));
    a = -100.0f;
    ASSERT_OK(pool, clpool_wait(ev));
    for (size_t i = 0; i < n; i++)
        if (y[i] != ref_saxpy(2.0f, x[i], 0.0f))
            FAIL_("item %zu: %g, want %g", i, y[i], ref_saxpy(2.0f, x[i], 0.0f));
    free(y);
}

/* Maps still queued or running when the pool closes: close waits for the
 * running one, drops the rest, and frees every event. The arrays outlive
 * the close, as the contract asks. */
static void in_flight_at_close(clpool *pool, clpool_kernel *k, size_t n)
{
    float *x = calloc(n, sizeof *x), *y = calloc(n, sizeof *y);
    ASSERT(x != NULL && y != NULL);
    clpool_event *ev;
    for (int m = 0; m < MAPS; m++)
        ASSERT_OK(pool, clpool_map_async(k, n,
                                         (const clpool_arg[]){clpool_f32(1.0f), clpool_in(x, 4),
                                                              clpool_inout(y, 4)},
                                         3, &ev));
    clpool_close(pool);
    free(x);
    free(y);
}

static void run(clpool *pool)
{
    fprintf(stderr, "%s\n", clpool_describe(pool));
    clpool_program *prog = NULL;
    clpool_kernel *k = test_kernel(pool, "saxpy", &prog);

    const size_t n = 300001; /* 1.2 MB per array: two chunks at 1 MiB */
    float *x = malloc(n * sizeof *x);
    float *y[MAPS];
    ASSERT(x != NULL);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(i % 1024);
    clpool_event *ev[MAPS];
    for (int m = 0; m < MAPS; m++) {
        y[m] = malloc(n * sizeof *y[m]);
        ASSERT(y[m] != NULL);
        for (size_t i = 0; i < n; i++)
            y[m][i] = (float)m;
        if (m == BAD) {
            /* A double where the kernel takes a float: CLPOOL_EARG, and
             * y is not touched. */
            ASSERT_OK(pool, clpool_map_async(k, n,
                                             (const clpool_arg[]){clpool_f64(2.0), clpool_in(x, 4),
                                                                  clpool_inout(y[m], 4)},
                                             3, &ev[m]));
        } else {
            ASSERT_OK(pool, clpool_map_async(k, n,
                                             (const clpool_arg[]){clpool_f32((float)m),
                                                                  clpool_in(x, 4),
                                                                  clpool_inout(y[m], 4)},
                                             3, &ev[m]));
        }
        ASSERT(ev[m] != NULL);
    }
    /* A blocking map while the others are in flight: it neither waits for
     * the queue's end nor sees the bad map's message. */
    float *z = malloc(n * sizeof *z);
    ASSERT(z != NULL);
    for (size_t i = 0; i < n; i++)
        z[i] = 1.0f;
    ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_f32(3.0f), clpool_in(x, 4), clpool_inout(z, 4)));
    ASSERT_EQ(strcmp(clpool_errmsg(pool), ""), 0);
    for (size_t i = 0; i < n; i++)
        ASSERT(z[i] == ref_saxpy(3.0f, x[i], 1.0f));
    free(z);
    for (int m = MAPS - 1; m >= 0; m--) {
        int rc = clpool_wait(ev[m]);
        if (m == BAD) {
            ASSERT_EQ(rc, CLPOOL_EARG);
            ASSERT_STR_CONTAINS(clpool_errmsg(pool), "saxpy");
            for (size_t i = 0; i < n; i += 997)
                ASSERT(y[m][i] == (float)m);
        } else {
            ASSERT_OK(pool, rc);
            for (size_t i = 0; i < n; i++)
                if (y[m][i] != ref_saxpy((float)m, x[i], (float)m))
                    FAIL_("map %d item %zu: %g, want %g", m, i, y[m][i],
                          ref_saxpy((float)m, x[i], (float)m));
        }
        free(y[m]);
    }
    scalar_bytes_copied(pool, k, x, n);
    free(x);
    in_flight_at_close(pool, k, n);
}

int main(void)
{
    ASSERT_EQ(setenv("CLPOOL_MAX_CHUNK_BYTES", "1048576", 1), 0);
    /* The async thread runs overlapped chunks: copies on the caller's side
     * while the chunk runs (under TSan and valgrind in CI). */
    ASSERT_EQ(setenv("CLPOOL_CHUNK_OVERLAP", "1", 1), 0);
    int ran = 0;
    clpool_config cfg = test_config(CLPOOL_FORK);
    clpool *pool = test_try_open(&cfg);
    if (pool != NULL)
        run(pool), ran++;
    cfg.backend = CLPOOL_OPENCL;
    pool = test_try_open(&cfg);
    if (pool != NULL)
        run(pool), ran++;
    return ran > 0 ? 0 : TEST_SKIP;
}
