/*
 * The fork backend and OpenCL in one process (DESIGN: no process that has
 * initialised OpenCL ever forks). Linking libOpenCL and AUTO's probe (run in
 * a child) do not count: fork pools open. Once an OpenCL pool is open here,
 * a new fork pool is refused with the reason, a fork pool opened before it
 * keeps working, and its lost workers are not replaced but reported.
 * Skipped where no OpenCL device exists.
 */
#include "task.h"

#include "fork_proc.h"

#include <signal.h>
#include <time.h>

static const char source[] =
    "__kernel void inc(__global uint *x)\n"
    "{\n"
    "    x[get_global_id(0)] += 1u;\n"
    "}\n";

static clpool *open_fork(int workers, int *status)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = workers;
    clpool *pool = NULL;
    *status = clpool_open(&cfg, &pool);
    return pool;
}

static void check_inc(clpool *pool, clpool_kernel *k)
{
    uint32_t x[5000];
    for (uint32_t i = 0; i < 5000; i++)
        x[i] = i;
    ASSERT_OK(pool, CLPOOL_MAP(k, 5000, clpool_inout(x, sizeof *x)));
    for (uint32_t i = 0; i < 5000; i++)
        ASSERT_EQ(x[i], i + 1);
}

int main(void)
{
    int status;
    clpool *early = open_fork(2, &status);
    ASSERT_OK(NULL, status);
    clpool_program *prog;
    clpool_kernel *k;
    ASSERT_OK(early, clpool_program_source(early, source, NULL, &prog));
    ASSERT_OK(early, clpool_kernel_get(prog, "inc", &k));
    check_inc(early, k);

    /* AUTO probes OpenCL in a child: unless it chose an OpenCL device, this
     * process is still clean and more fork pools open. */
    clpool_config cfg = test_config(CLPOOL_AUTO);
    cfg.workers = 1;
    clpool *autop = NULL;
    ASSERT_OK(NULL, clpool_open(&cfg, &autop));
    int auto_is_fork = strncmp(clpool_describe(autop), "fork", 4) == 0;
    clpool_close(autop);
    if (auto_is_fork) {
        clpool *again = open_fork(1, &status);
        ASSERT_OK(NULL, status);
        clpool_close(again);
    }

    cfg.backend = CLPOOL_OPENCL;
    clpool *cl = NULL;
    status = clpool_open(&cfg, &cl);
    if (status == CLPOOL_ENODEV) {
        fprintf(stderr, "skipped: %s\n", clpool_errmsg(NULL));
        clpool_program_free(prog);
        clpool_close(early);
        return TEST_SKIP;
    }
    ASSERT_OK(NULL, status);

    /* OpenCL lives here now: no new fork pool. */
    clpool *late = open_fork(1, &status);
    ASSERT(late == NULL);
    ASSERT_STATUS(NULL, status, CLPOOL_ENODEV);
    ASSERT_STR_CONTAINS(clpool_errmsg(NULL), "initialised OpenCL");
    fprintf(stderr, "refused as expected: %s\n", clpool_errmsg(NULL));

    /* The early pool's workers were forked before: it goes on. */
    check_inc(early, k);

    /* A worker lost now is not replaced; the pool carries on with the other,
     * and says why when none is left. */
    pid_t pids[4];
    ASSERT_EQ(proc_children(pids, 4), 2);
    ASSERT_EQ(kill(pids[0], SIGKILL), 0);
    struct timespec pause = {0, 50000000};
    nanosleep(&pause, NULL);
    for (int i = 0; i < 10; i++)
        check_inc(early, k);
    ASSERT_EQ(proc_children(NULL, 0), 1);
    ASSERT_STR_CONTAINS(clpool_errmsg(early), "initialised OpenCL");

    ASSERT_EQ(proc_children(pids, 4), 1);
    ASSERT_EQ(kill(pids[0], SIGKILL), 0);
    nanosleep(&pause, NULL);
    uint32_t x[100] = {0};
    int got = CLPOOL_MAP(k, 100, clpool_inout(x, sizeof *x));
    ASSERT(got == CLPOOL_EWORKER || got == CLPOOL_ENODEV);
    ASSERT_STR_CONTAINS(clpool_errmsg(early), "initialised OpenCL");
    fprintf(stderr, "no workers left: %s\n", clpool_errmsg(early));
    ASSERT_EQ(proc_children(NULL, 0), 0);

    clpool_close(cl);
    clpool_program_free(prog);
    clpool_close(early);
    ASSERT_EQ(proc_children(NULL, 0), 0);
    return 0;
}
