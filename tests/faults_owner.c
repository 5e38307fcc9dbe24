/*
 * Workers die with the process that owns their pool: a child process opens a
 * fork pool with 2 workers, sends their pids up a pipe, and then ends without
 * closing the pool, by _exit(0) or by SIGKILL. Its workers (now orphans,
 * reparented to init or a subreaper) must be gone within a second: no
 * /proc/<pid> entry, or a zombie waiting for its new parent to reap it.
 * Both with the pool idle and with a map running.
 */
#include "faults_util.h"

#include <sys/wait.h>

static const char source[] =
    "__kernel void endless(__global uint *out)\n"
    "{\n"
    "    volatile uint spin = 1u;\n"
    "    while (spin)\n"
    "        ;\n"
    "    out[get_global_id(0)] = 1u;\n"
    "}\n";

enum how { EXIT_IDLE, KILLED_IDLE, EXIT_BUSY, KILLED_BUSY };
static const char *const names[] = {"_exit(0) while idle", "SIGKILL while idle",
                                    "_exit(0) while a map runs", "SIGKILL while a map runs"};

static void exit_now(int sig)
{
    (void)sig;
    _exit(0);
}

/* The child: opens the pool, reports its workers, then ends as told. */
static void owner_main(int wfd, enum how how)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 2;
    clpool *pool = NULL;
    if (clpool_open(&cfg, &pool) != CLPOOL_OK)
        _exit(2);
    clpool_program *prog;
    clpool_kernel *k;
    if (clpool_program_source(pool, source, NULL, &prog) != CLPOOL_OK ||
        clpool_kernel_get(prog, "endless", &k) != CLPOOL_OK)
        _exit(3);
    pid_t pids[8];
    size_t n = proc_children(pids, 8);
    if (n != 2)
        _exit(4);
    if (write(wfd, pids, sizeof pids[0] * n) != (ssize_t)(sizeof pids[0] * n))
        _exit(5);
    if (how == EXIT_IDLE)
        _exit(0);
    if (how == KILLED_IDLE) {
        faults_sleep_ms(10000); /* the parent kills us */
        _exit(6);
    }
    /* A map that never ends. For EXIT_BUSY a timer ends the process 100 ms
     * into it with _exit(0); for KILLED_BUSY the parent kills it. */
    static uint32_t out[4096];
    if (how == EXIT_BUSY) {
        /* Ends the process 100 ms into the map, from a POSIX timer. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = exit_now;
        sigaction(SIGUSR1, &sa, NULL);
        struct sigevent sev;
        memset(&sev, 0, sizeof sev);
        sev.sigev_notify = SIGEV_SIGNAL;
        sev.sigev_signo = SIGUSR1;
        timer_t t;
        if (timer_create(CLOCK_MONOTONIC, &sev, &t) != 0)
            _exit(7);
        struct itimerspec its = {{0, 0}, {0, 0}};
        its.it_value.tv_nsec = (long)(100000000 * faults_time_scale()) % 1000000000L;
        its.it_value.tv_sec = (time_t)(0.1 * faults_time_scale());
        if (timer_settime(t, 0, &its, NULL) != 0)
            _exit(8);
    }
    int rc = CLPOOL_MAP(k, 4096, clpool_out(out, sizeof *out));
    _exit(rc == CLPOOL_OK ? 9 : 10);
}

static void run(enum how how)
{
    faults_phase(names[how]);
    static double t_start;
    if (t_start == 0)
        t_start = faults_now_ms();
    fprintf(stderr, "[%.0f ms] %s\n", faults_now_ms() - t_start, names[how]);
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    pid_t owner = fork();
    ASSERT_GE(owner, 0);
    if (owner == 0) {
        close(p[0]);
        owner_main(p[1], how);
    }
    close(p[1]);
    pid_t pids[2];
    size_t got = 0;
    while (got < sizeof pids) {
        ssize_t r = read(p[0], (char *)pids + got, sizeof pids - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(p[0]);
    if (got != sizeof pids) {
        int st = 0;
        waitpid(owner, &st, 0);
        FAIL_("%s: the owner sent no worker pids (wait status %#x)", names[how], st);
    }
    if (how == KILLED_IDLE || how == KILLED_BUSY) {
        if (how == KILLED_BUSY)
            faults_sleep_ms((unsigned)(100 * faults_time_scale()));
        ASSERT_EQ(kill(owner, SIGKILL), 0);
    }
    int st = 0;
    ASSERT_EQ(waitpid(owner, &st, 0), owner);
    double t0 = faults_now_ms();
    double gone_after[2] = {-1, -1};
    while (faults_now_ms() - t0 < 3000.0 * faults_time_scale()) {
        int left = 0;
        for (int i = 0; i < 2; i++) {
            if (gone_after[i] >= 0)
                continue;
            if (proc_gone(pids[i]))
                gone_after[i] = faults_now_ms() - t0;
            else
                left++;
        }
        if (left == 0)
            break;
        faults_sleep_ms(5);
    }
    for (int i = 0; i < 2; i++) {
        fprintf(stderr, "%s: worker pid %ld gone after %.1f ms\n", names[how], (long)pids[i],
                gone_after[i]);
        if (gone_after[i] < 0) {
            (void)kill(pids[i], SIGKILL); /* leave nothing behind */
            FAIL_("%s: worker pid %ld still alive 3 s after its owner died", names[how],
                  (long)pids[i]);
        }
        if (gone_after[i] > 1000.0 * faults_time_scale())
            FAIL_("%s: worker pid %ld took %.0f ms to die (limit 1000)", names[how],
                  (long)pids[i], gone_after[i]);
    }
}

int main(void)
{
    faults_watchdog(60);
    run(EXIT_IDLE);
    run(KILLED_IDLE);
    run(EXIT_BUSY);
    run(KILLED_BUSY);
    faults_check_children(0);
    return 0;
}
