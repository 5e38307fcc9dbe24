/*
 * SIGSTOPped workers (issue 12, item 11): a stopped idle worker does not
 * stall the next build (it used to wait 30 s and fail with ETIMEDOUT), and
 * stopped busy workers do not hang a map without a time limit: the map
 * fails with CLPOOL_EWORKER naming the stop, the stopped workers are
 * replaced, and the pool runs maps again.
 */
#include "faults_util.h"

static const char endless[] = "__kernel void endless(__global uint *out)\n"
                              "{\n"
                              "    volatile uint spin = 1u;\n"
                              "    while (spin)\n"
                              "        ;\n"
                              "    out[get_global_id(0)] = 1u;\n"
                              "}\n";
static const char plain[] =
    "__kernel void k(__global int *o) { o[get_global_id(0)] = 3; }\n";
static const char other[] =
    "__kernel void k2(__global int *o) { o[get_global_id(0)] = 4; }\n";

static void stop_workers(size_t children0, int how_many)
{
    pid_t pids[64];
    size_t n = proc_children(pids, 64);
    ASSERT_GE(n, children0 + (size_t)how_many);
    /* The workers are the children the pool added; the test has no others. */
    for (int i = 0; i < how_many; i++)
        ASSERT_EQ(kill(pids[i], SIGSTOP), 0);
    /* Let the stops land. */
    for (int i = 0; i < how_many; i++)
        for (int tries = 0; tries < 1000 && proc_state(pids[i]) != 'T'; tries++)
            faults_sleep_ms(1);
}

static int run(clpool *pool, clpool_program *p, const char *name)
{
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_kernel_get(p, name, &k));
    int out[8] = {0};
    ASSERT_OK(pool, CLPOOL_MAP(k, 8, clpool_out(out, sizeof(int))));
    return out[0];
}

/* With the argument "busy", only the busy part (to see it hang without the
 * fix). */
int main(int argc, char **argv)
{
    int busy_only = argc > 1 && strcmp(argv[1], "busy") == 0;
    size_t children0, fds0;
    faults_watchdog(120);
    clpool *pool = faults_open_fork(2, &children0, &fds0);
    ASSERT_EQ(children0, 0);

    clpool_program *p = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, plain, NULL, &p));
    ASSERT_EQ(run(pool, p, "k"), 3);

    /* An idle worker stopped: the next build neither stalls nor fails. */
    faults_phase("building with a stopped idle worker");
    if (!busy_only)
        stop_workers(children0, 1);
    double t0 = faults_now_ms();
    clpool_program *q = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, other, NULL, &q));
    double took = faults_now_ms() - t0;
    if (took > 10000 * faults_time_scale())
        FAIL_("the build took %.0f ms with a stopped worker", took);
    ASSERT_EQ(run(pool, q, "k2"), 4);

    /* Busy workers stopped: the map without a time limit fails, it does not
     * hang. */
    faults_phase("a map whose workers are stopped");
    clpool_program *e = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, endless, NULL, &e));
    clpool_kernel *ke = NULL;
    ASSERT_OK(pool, clpool_kernel_get(e, "endless", &ke));
    unsigned out[2];
    clpool_arg args[] = {clpool_out(out, sizeof out[0])};
    clpool_event *ev = NULL;
    ASSERT_OK(pool, clpool_map_async(ke, 2, args, 1, &ev));
    faults_sleep_ms(200);
    stop_workers(children0, 2);
    int rc = clpool_wait(ev);
    ASSERT_STATUS(pool, rc, CLPOOL_EWORKER);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "SIGSTOP");

    faults_phase("maps after the stopped workers were replaced");
    ASSERT_EQ(run(pool, p, "k"), 3);
    faults_check_children(children0 + 2);
    clpool_program_free(e);
    clpool_program_free(q);
    clpool_program_free(p);
    clpool_close(pool);
    faults_check_children(children0);
    return 0;
}
