/*
 * clpool in a program that uses signals itself:
 *  - a 1 ms ITIMER_REAL whose SIGALRM handler is installed without
 *    SA_RESTART, so every slow system call the library makes is interrupted
 *    again and again: builds (the compiler is a child process), maps, buffer
 *    copies, a worker's death and close must all still give the right
 *    status. On the fork backend, and on OpenCL (in a child process that
 *    never forks workers) when a device is present;
 *  - SIGCHLD set to SIG_IGN (children are reaped by the kernel, waitpid
 *    fails with ECHILD): open, build, map, a worker's death, close give the
 *    right status and never hang;
 *  - SIGPIPE at its default disposition (it would kill the process): workers
 *    killed under the pool, then builds and maps, never raise it.
 * The watchdog uses SIGXCPU, not SIGALRM.
 * ctest parts: fork opencl
 */
#include "faults_util.h"

#include <sys/time.h>
#include <sys/wait.h>

static const char source[] =
    "__kernel void scale(__global const float *x, __global float *y, const float a)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    y[i] = a * x[i];\n"
    "}\n"
    "__kernel void crash(__global uint *out, const uint bad)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    if (i == bad) {\n"
    "        __global volatile uint *null = 0;\n"
    "        *null = 1u;\n"
    "    }\n"
    "    out[i] = (uint)i;\n"
    "}\n";

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
    (void)sig;
    int saved = errno;
    alarms++;
    errno = saved;
}

static void itimer_1ms(int on)
{
    if (on) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_alarm;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; /* no SA_RESTART: slow calls fail with EINTR */
        ASSERT_EQ(sigaction(SIGALRM, &sa, NULL), 0);
    }
    struct itimerval it;
    memset(&it, 0, sizeof it);
    if (on)
        it.it_interval.tv_usec = it.it_value.tv_usec = 1000;
    ASSERT_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
}

/* Builds, maps (checking the results) and copies through buffers, rounds
 * times; with crash, one map in the middle loses a worker. */
static void exercise(clpool *pool, int rounds, int crash)
{
    clpool_program *prog;
    clpool_kernel *scale, *crash_k;
    faults_phase("building under signals");
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "scale", &scale));
    ASSERT_OK(pool, clpool_kernel_get(prog, "crash", &crash_k));
    const size_t n = 50000;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
    ASSERT(x != NULL && y != NULL && z != NULL);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)i;
    clpool_buffer *bx, *by;
    ASSERT_OK(pool, clpool_buffer_new(pool, n * sizeof *x, &bx));
    ASSERT_OK(pool, clpool_buffer_new(pool, n * sizeof *y, &by));
    for (int r = 0; r < rounds; r++) {
        faults_phase("maps under signals");
        const float a = (float)(r % 7) + 0.5f;
        ASSERT_OK(pool, CLPOOL_MAP(scale, n, clpool_in(x, sizeof *x), clpool_out(y, sizeof *y),
                                   clpool_f32(a)));
        ASSERT_OK(pool, clpool_buffer_write(bx, 0, x, n * sizeof *x));
        ASSERT_OK(pool, CLPOOL_MAP(scale, n, clpool_buf(bx), clpool_buf(by), clpool_f32(a)));
        ASSERT_OK(pool, clpool_buffer_read(by, 0, z, n * sizeof *z));
        for (size_t i = 0; i < n; i += 97) {
            ASSERT_NEAR(y[i], a * x[i], 0.0);
            ASSERT_NEAR(z[i], a * x[i], 0.0);
        }
        if (crash && r == rounds / 2) {
            faults_phase("a worker's death under signals");
            uint32_t *out = (uint32_t *)y;
            ASSERT_STATUS(pool, CLPOOL_MAP(crash_k, n, clpool_out(out, sizeof *out),
                                           clpool_u32(1234)),
                          CLPOOL_EWORKER);
            ASSERT_STR_CONTAINS(clpool_errmsg(pool), "kernel 'crash'");
        }
    }
    clpool_buffer_free(bx);
    clpool_buffer_free(by);
    clpool_program_free(prog);
    free(x);
    free(y);
    free(z);
}

/* A build right after a worker died while idle works: the pool replaces
 * the dead worker before it publishes the load (with SIGCHLD ignored, the
 * kernel has already reaped it and waitpid says ECHILD). */
static void first_call_after_idle_death(clpool *pool, const char *what)
{
    faults_phase(what);
    clpool_program *prog = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    clpool_program_free(prog);
}

static clpool *open_fork(int workers)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = workers;
    /* No cache: every build runs the compiler under the signals. */
    cfg.cache_dir = "";
    clpool *pool = NULL;
    ASSERT_OK(NULL, clpool_open(&cfg, &pool));
    return pool;
}

static void fork_with_itimer(void)
{
    size_t fds0 = proc_count_fds();
    alarms = 0;
    itimer_1ms(1);
    faults_phase("fork pool: open under a 1 ms SIGALRM");
    clpool *pool = open_fork(2);
    exercise(pool, 200, 1);
    faults_phase("fork pool: close under a 1 ms SIGALRM");
    clpool_close(pool);
    itimer_1ms(0);
    fprintf(stderr, "fork backend under a 1 ms itimer: %d SIGALRMs handled\n", (int)alarms);
    ASSERT_GT(alarms, 10);
    faults_check_children(0);
    ASSERT_EQ(proc_count_fds(), fds0);
}

/* OpenCL in a child process: this process goes on forking workers. Returns
 * the child's exit status (77: no device). */
static int opencl_with_itimer(void)
{
    fflush(NULL);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        clpool_config cfg = test_config(CLPOOL_OPENCL);
        cfg.cache_dir = "";
        itimer_1ms(1);
        clpool *pool = NULL;
        int rc = clpool_open(&cfg, &pool);
        if (rc == CLPOOL_ENODEV) {
            fprintf(stderr, "opencl part skipped: %s\n", clpool_errmsg(NULL));
            _exit(TEST_SKIP);
        }
        ASSERT_OK(NULL, rc);
        exercise(pool, 20, 0);
        clpool_close(pool);
        itimer_1ms(0);
        fprintf(stderr, "opencl backend under a 1 ms itimer: %d SIGALRMs handled\n",
                (int)alarms);
        _exit(alarms > 10 ? 0 : 1);
    }
    int st = 0;
    pid_t w;
    while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    ASSERT_EQ(w, pid);
    if (WIFSIGNALED(st))
        FAIL_("the OpenCL child was killed by signal %d", WTERMSIG(st));
    return WEXITSTATUS(st);
}

static void sigchld_ignored(void)
{
    faults_phase("SIGCHLD ignored");
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    ASSERT_EQ(sigaction(SIGCHLD, &sa, &old), 0);
    for (int workers = 1; workers <= 2; workers++) {
        clpool *pool = open_fork(workers);
        exercise(pool, 6, 1);
        /* A worker killed from outside while idle, under SIG_IGN. */
        pid_t pids[8];
        ASSERT_EQ(proc_children(pids, 8), workers);
        ASSERT_EQ(kill(pids[0], SIGKILL), 0);
        faults_sleep_ms(20);
        first_call_after_idle_death(pool, "SIGCHLD ignored, a worker killed while idle");
        exercise(pool, 4, 0);
        clpool_close(pool);
    }
    ASSERT_EQ(sigaction(SIGCHLD, &old, NULL), 0);
    faults_check_children(0);
}

static void sigpipe_default(void)
{
    faults_phase("SIGPIPE at its default");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    ASSERT_EQ(sigaction(SIGPIPE, &sa, NULL), 0);
    clpool *pool = open_fork(2);
    exercise(pool, 2, 0);
    /* Every worker killed while idle: whatever the pool holds towards them
     * leads nowhere now. */
    pid_t pids[8];
    ASSERT_EQ(proc_children(pids, 8), 2);
    for (int i = 0; i < 2; i++)
        ASSERT_EQ(kill(pids[i], SIGKILL), 0);
    faults_sleep_ms(20);
    first_call_after_idle_death(pool, "SIGPIPE default, every worker killed while idle");
    exercise(pool, 4, 1);
    clpool_close(pool);
    faults_check_children(0);
}

int main(void)
{
    faults_watchdog(200);
    if (test_part("fork")) {
        fork_with_itimer();
        sigchld_ignored();
        sigpipe_default();
    }
    /* Last: the fork pools are closed; OpenCL lives only in the child. */
    int st = test_part("opencl") ? opencl_with_itimer() : 0;
    if (st == TEST_SKIP)
        test_part_skip("opencl", "no OpenCL device");
    else if (st != 0)
        FAIL_("the OpenCL part failed (exit status %d)", st);
    return 0;
}
