/* Threads: two threads mapping on one shared pool, and two threads each on
 * its own pool, on every backend present. Run under ThreadSanitizer in CI.
 * ctest parts: fork opencl */
#include "task.h"

#include "reference.h"

#include <pthread.h>

#define N 4096
#define ROUNDS 100

struct job {
    clpool *pool;
    clpool_kernel *saxpy;
    float a;
    int failed;
    char why[512];
};

static void *run_job(void *arg)
{
    struct job *j = arg;
    static _Thread_local float x[N], y[N];
    for (int r = 0; r < ROUNDS && !j->failed; r++) {
        for (int i = 0; i < N; i++) {
            x[i] = (float)i;
            y[i] = (float)r;
        }
        int rc = CLPOOL_MAP(j->saxpy, N, clpool_f32(j->a), clpool_in(x, sizeof *x),
                            clpool_inout(y, sizeof *y));
        if (rc != CLPOOL_OK) {
            snprintf(j->why, sizeof j->why, "map: %s: %s", clpool_err_name(rc),
                     clpool_errmsg(j->pool));
            j->failed = 1;
            break;
        }
        for (int i = 0; i < N; i++) {
            if (y[i] != ref_saxpy(j->a, (float)i, (float)r)) {
                snprintf(j->why, sizeof j->why, "round %d item %d: %g, want %g", r, i, y[i],
                         ref_saxpy(j->a, (float)i, (float)r));
                j->failed = 1;
                break;
            }
        }
    }
    /* A failure on a shared pool names a kernel in this thread's copy. */
    return NULL;
}

static void run_two(struct job *a, struct job *b)
{
    pthread_t ta, tb;
    ASSERT_EQ(pthread_create(&ta, NULL, run_job, a), 0);
    ASSERT_EQ(pthread_create(&tb, NULL, run_job, b), 0);
    ASSERT_EQ(pthread_join(ta, NULL), 0);
    ASSERT_EQ(pthread_join(tb, NULL), 0);
    if (a->failed)
        FAIL_("thread a: %s", a->why);
    if (b->failed)
        FAIL_("thread b: %s", b->why);
}

static void shared_pool(clpool *pool)
{
    clpool_program *prog;
    clpool_kernel *k = test_kernel(pool, "saxpy", &prog);
    struct job a = {.pool = pool, .saxpy = k, .a = 2.0f};
    struct job b = {.pool = pool, .saxpy = k, .a = 3.0f};
    run_two(&a, &b);
    clpool_program_free(prog);
}

static void two_pools(clpool *p1, clpool *p2)
{
    clpool_program *g1, *g2;
    struct job a = {.pool = p1, .saxpy = test_kernel(p1, "saxpy", &g1), .a = 2.0f};
    struct job b = {.pool = p2, .saxpy = test_kernel(p2, "saxpy", &g2), .a = 5.0f};
    run_two(&a, &b);
    clpool_program_free(g1);
    clpool_program_free(g2);
}

static clpool *try_open(clpool_backend backend)
{
    clpool_config cfg = test_config(backend);
    cfg.workers = 2;
    return test_try_open(&cfg);
}

int main(void)
{
    int ran = 0;
    /* Fork pools first: a process that has initialised OpenCL forks no
     * workers. */
    clpool *f1 = try_open(CLPOOL_FORK), *f2 = f1 ? try_open(CLPOOL_FORK) : NULL;
    clpool *o1 = try_open(CLPOOL_OPENCL), *o2 = o1 ? try_open(CLPOOL_OPENCL) : NULL;
    if (f1 != NULL) {
        shared_pool(f1);
        two_pools(f1, f2);
        ran++;
    }
    if (o1 != NULL) {
        shared_pool(o1);
        two_pools(o1, o2);
        ran++;
    }
    clpool_close(f1);
    clpool_close(f2);
    clpool_close(o1);
    clpool_close(o2);
    return ran > 0 ? 0 : TEST_SKIP;
}
