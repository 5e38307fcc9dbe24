/*
 * Helpers shared by the faults tests: a watchdog that turns a hang into a
 * failure with a message (ctest's TIMEOUT is only the last resort), a clock,
 * and what /proc says about this process's children and descriptors.
 */
#ifndef CLPOOL_TEST_FAULTS_UTIL_H
#define CLPOOL_TEST_FAULTS_UTIL_H

#include "task.h"

#include "fork_proc.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/*
 * Time limits in the faults tests are multiplied by CLPOOL_TEST_TIME_SCALE
 * (default 1): under valgrind every worker runs tens of times slower, and
 * .ci/valgrind.sh sets it.
 */
static inline double faults_time_scale(void)
{
    const char *s = getenv("CLPOOL_TEST_TIME_SCALE");
    double v = s != NULL ? atof(s) : 1.0;
    return v >= 1.0 ? v : 1.0;
}

/* What the test is doing, for the watchdog's message. */
static const char *volatile faults_phase_ = "starting";

static inline void faults_phase(const char *what)
{
    faults_phase_ = what;
}

static void faults_watchdog_fired_(int sig)
{
    (void)sig;
    /* Only async-signal-safe calls here. */
    static const char head[] = "\nWATCHDOG: the test hung while: ";
    const char *what = faults_phase_;
    ssize_t r = write(2, head, sizeof head - 1);
    r = write(2, what, strlen(what));
    r = write(2, "\n", 1);
    (void)r;
    _exit(1);
}

/*
 * Fails the test with a message if it is still running after seconds. It
 * uses a POSIX timer on SIGXCPU rather than alarm()/SIGALRM so that tests
 * may use SIGALRM themselves. A second call re-arms it.
 */
static inline void faults_watchdog(unsigned seconds)
{
    static timer_t timer;
    static int made;
    if (!made) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = faults_watchdog_fired_;
        sigemptyset(&sa.sa_mask);
        ASSERT_EQ(sigaction(SIGXCPU, &sa, NULL), 0);
        struct sigevent sev;
        memset(&sev, 0, sizeof sev);
        sev.sigev_notify = SIGEV_SIGNAL;
        sev.sigev_signo = SIGXCPU;
        ASSERT_EQ(timer_create(CLOCK_MONOTONIC, &sev, &timer), 0);
        made = 1;
    }
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = (time_t)(seconds * faults_time_scale());
    ASSERT_EQ(timer_settime(timer, 0, &its, NULL), 0);
}

static inline double faults_now_ms(void)
{
    return test_seconds() * 1e3;
}

static inline void faults_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* This process's children, none of them a zombie: exactly want of them. */
static inline void faults_check_children(size_t want)
{
    pid_t pids[256];
    size_t n = proc_children(pids, 256);
    if (n != want)
        FAIL_("%zu child processes, want %zu (while: %s)", n, want, faults_phase_);
    for (size_t i = 0; i < n && i < 256; i++)
        if (proc_state(pids[i]) == 'Z')
            FAIL_("child pid %ld is an unreaped zombie (while: %s)", (long)pids[i],
                  faults_phase_);
}

/* Opens a fork pool of the given workers with no time limit, having noted
 * this process's children and descriptors before it (for
 * faults_close_and_check), and asserts that it added exactly its workers. */
static inline clpool *faults_open_fork(int workers, size_t *children0, size_t *fds0)
{
    *fds0 = proc_count_fds();
    *children0 = proc_children(NULL, 0);
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = workers;
    cfg.timeout_ms = 0;
    clpool *pool = NULL;
    faults_phase("opening the pool");
    ASSERT_OK(NULL, clpool_open(&cfg, &pool));
    faults_check_children(*children0 + (size_t)workers);
    return pool;
}

/* Frees prog, closes pool, and asserts that the children and descriptors
 * are back to what they were before the pool was opened. */
static inline void faults_close_and_check(clpool *pool, clpool_program *prog, size_t children0,
                                          size_t fds0)
{
    faults_phase("closing the pool");
    clpool_program_free(prog);
    clpool_close(pool);
    faults_check_children(children0);
    ASSERT_EQ(proc_count_fds(), fds0);
}

/* Runs run(workers) with 1, 2 and 4 workers, saying how long each took. */
static inline void faults_each_worker_count(void (*run)(int workers))
{
    static const int counts[] = {1, 2, 4};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        double t0 = faults_now_ms();
        run(counts[i]);
        fprintf(stderr, "%d workers: done in %.0f ms\n", counts[i], faults_now_ms() - t0);
    }
}

static inline int faults_cmp_double_(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static inline double faults_median(double *v, size_t n)
{
    if (n == 0)
        return 0.0;
    qsort(v, n, sizeof *v, faults_cmp_double_);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

#endif /* CLPOOL_TEST_FAULTS_UTIL_H */
