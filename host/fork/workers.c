/*
 * Worker processes: forking them, noticing their death, killing and reaping
 * them. clpool installs no SIGCHLD handler and never waits for a child it did
 * not fork: every wait here is waitpid() on a worker's own pid.
 */
#include "fork.h"

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A worker that has not finished starting (loading every live program) in
 * this long is treated as failed. */
#define STARTUP_NS 30000000000ull
/* Between two looks at the workers' pids while waiting for them. */
#define SLICE_NS 10000000u
/* How long close waits for workers to leave on their own. */
#define STOP_NS 1000000000ull
/* A worker whose life word is marked has started to exit; if it is not
 * reapable after this long, the mark was not the kernel's (a kernel's stray
 * write into the control block) and the worker is killed. */
#define REAP_NS 1000000000ull

const char *clpool__fork_signame(int sig, char *buf, size_t len)
{
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev != NULL)
        snprintf(buf, len, "SIG%s", abbrev);
    else
        snprintf(buf, len, "signal %d", sig);
    return buf;
}

static void describe_status(int wstatus, char *how, size_t howlen)
{
    char name[32];
    if (WIFSIGNALED(wstatus))
        snprintf(how, howlen, "was killed by %s%s",
                 clpool__fork_signame(WTERMSIG(wstatus), name, sizeof name),
                 WCOREDUMP(wstatus) ? " (core dumped)" : "");
    else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == CLPOOL__NATIVE_EXIT_BARRIER)
        snprintf(how, howlen, "stopped at a barrier that only some work-items of a group "
                              "reached (OpenCL leaves that undefined)");
    else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == CLPOOL__NATIVE_EXIT_NOMEM)
        snprintf(how, howlen, "ran out of memory for a work-group's stacks or __local memory");
    else if (WIFEXITED(wstatus))
        snprintf(how, howlen, "exited with status %d", WEXITSTATUS(wstatus));
    else
        snprintf(how, howlen, "ended (wait status %#x)", (unsigned)wstatus);
}

/* The parent's bookkeeping for a worker that is gone. */
static void mark_absent(struct clpool__fork_pool *fp, uint32_t i)
{
    struct clpool__fork_wshared *w = &fp->ctl->w[i];
    /* A worker that died asleep is still counted in sleepers; left there,
     * the count would only cost every later publish a futex wake. */
    if (atomic_exchange_explicit(&w->sleeping, 0, memory_order_relaxed))
        atomic_fetch_sub_explicit(&fp->ctl->sleepers, 1, memory_order_relaxed);
    atomic_store_explicit(&w->cur, 0, memory_order_relaxed);
    fp->workers[i].state = FORK_W_ABSENT;
    fp->nlive--;
}

int clpool__fork_check_dead(struct clpool__fork_pool *fp, uint32_t i, char *how, size_t howlen)
{
    struct clpool__fork_worker *wk = &fp->workers[i];
    if (wk->state != FORK_W_LIVE)
        return 0;
    int wstatus = 0;
    pid_t r;
    /* WUNTRACED: a stopped worker (SIGSTOP, or a terminal stop signal sent
     * to it alone) holds its items, or its answer to a command, for as long
     * as nobody sends SIGCONT. It is as lost as a dead one: killed, reaped
     * and reported, and replaced before the next job like any other. */
    do
        r = waitpid(wk->pid, &wstatus, WNOHANG | WUNTRACED);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return 0;
    if (r == wk->pid && WIFSTOPPED(wstatus)) {
        char name[32];
        snprintf(how, howlen, "was stopped by %s (and was killed)",
                 clpool__fork_signame(WSTOPSIG(wstatus), name, sizeof name));
        clpool__fork_kill(fp, i);
        return 1;
    }
    if (r == wk->pid)
        describe_status(wstatus, how, howlen);
    else
        /* ECHILD: the worker is gone and someone else collected its status
         * (SIGCHLD set to SIG_IGN, or the program's own wait()). */
        snprintf(how, howlen,
                 "ended, but its exit status was collected elsewhere (is SIGCHLD ignored, or "
                 "does the program wait() for any child?)");
    mark_absent(fp, i);
    return 1;
}

void clpool__fork_kill(struct clpool__fork_pool *fp, uint32_t i)
{
    struct clpool__fork_worker *wk = &fp->workers[i];
    if (wk->state != FORK_W_LIVE)
        return;
    (void)kill(wk->pid, SIGKILL); /* ESRCH: already dead, still to be reaped */
    pid_t r;
    do
        r = waitpid(wk->pid, NULL, 0);
    while (r < 0 && errno == EINTR);
    mark_absent(fp, i);
}

/* Worker i's life word is marked: the kernel marks it early in the exit,
 * while the address space is torn down, so the process may need a moment
 * more before waitpid can reap it (or, with SIGCHLD ignored, before it is
 * gone). Waits for that, bounded. */
static void reap_exiting(struct clpool__fork_pool *fp, uint32_t i)
{
    char how[128];
    uint64_t start = clpool__fork_now_ns();
    for (unsigned tries = 0; !clpool__fork_check_dead(fp, i, how, sizeof how); tries++) {
        if (clpool__fork_now_ns() - start > REAP_NS) {
            clpool__fork_kill(fp, i);
            return;
        }
        if (tries < 16)
            sched_yield();
        else
            clpool__fork_sleep_ns(50000);
    }
}

uint32_t clpool__fork_reap_marked(struct clpool__fork_pool *fp)
{
    uint32_t reaped = 0;
    for (uint32_t i = 0; i < fp->nworkers; i++) {
        if (fp->workers[i].state != FORK_W_LIVE ||
            !(atomic_load_explicit(&fp->ctl->w[i].life, memory_order_relaxed) &
              FUTEX_OWNER_DIED))
            continue;
        reap_exiting(fp, i);
        reaped++;
    }
    return reaped;
}

/* Waits until every worker in the spawned set has reported its startup, or
 * has died, or STARTUP_NS has passed. Failed ones are killed and absent; the
 * first failure's message is recorded. */
static int wait_started(struct clpool__fork_pool *fp, const uint8_t *spawned, uint32_t target)
{
    struct clpool__fork_ctl *ctl = fp->ctl;
    uint64_t deadline = clpool__fork_now_ns() + STARTUP_NS;
    int status = CLPOOL_OK;
    for (;;) {
        atomic_store_explicit(&ctl->parent_sleeping, 1, memory_order_seq_cst);
        uint32_t got = atomic_load_explicit(&ctl->nready, memory_order_seq_cst);
        if (got != target)
            clpool__fork_futex_wait(&ctl->nready, got, SLICE_NS);
        atomic_store_explicit(&ctl->parent_sleeping, 0, memory_order_relaxed);
        got = atomic_load_explicit(&ctl->nready, memory_order_acquire);

        int pending = 0;
        for (uint32_t i = 0; i < fp->nworkers; i++) {
            if (!spawned[i] || fp->workers[i].state != FORK_W_LIVE)
                continue;
            uint32_t ready = atomic_load_explicit(&ctl->w[i].ready, memory_order_acquire);
            char how[128];
            pid_t pid = fp->workers[i].pid;
            if (ready == WORKER_READY)
                continue;
            if (ready == WORKER_FAILED) {
                if (status == CLPOOL_OK)
                    status = clpool__error(fp->pool, CLPOOL_EWORKER,
                                           "fork backend: worker %u (pid %ld) could not start: %s",
                                           i, (long)pid, ctl->w[i].err);
                clpool__fork_kill(fp, i);
            } else if (clpool__fork_check_dead(fp, i, how, sizeof how)) {
                if (status == CLPOOL_OK)
                    status = clpool__error(fp->pool, CLPOOL_EWORKER,
                                           "fork backend: worker %u (pid %ld) %s while starting",
                                           i, (long)pid, how);
            } else if (clpool__fork_now_ns() > deadline) {
                if (status == CLPOOL_OK)
                    status = clpool__error(fp->pool, CLPOOL_EWORKER,
                                           "fork backend: worker %u (pid %ld) did not start "
                                           "within %llu s",
                                           i, (long)pid, STARTUP_NS / 1000000000ull);
                clpool__fork_kill(fp, i);
            } else {
                pending = 1;
            }
        }
        if (!pending)
            return status;
    }
}

int clpool__fork_respawn_absent(struct clpool__fork_pool *fp)
{
    char lib[256];
    if (clpool__fork_opencl_loaded(lib, sizeof lib))
        return clpool__error(fp->pool, CLPOOL_ENODEV,
                             "fork backend: this process has initialised OpenCL (%s is loaded), "
                             "and a forked copy of a process running an OpenCL driver's threads "
                             "can deadlock, so no worker process is started; open fork pools "
                             "before any OpenCL pool in the process, or use OpenCL from another "
                             "process",
                             lib);

    uint8_t spawned[FORK_MAX_WORKERS] = {0};
    uint32_t target = atomic_load_explicit(&fp->ctl->nready, memory_order_relaxed);
    /* PR_SET_PDEATHSIG fires when the *thread* that forked exits, not the
     * process: from another thread, a worker would die with that thread.
     * Workers forked elsewhere rely on their once-a-second parent check. */
    int use_pdeathsig = gettid() == getpid();
    int status = CLPOOL_OK;
    for (uint32_t i = 0; i < fp->nworkers; i++) {
        if (fp->workers[i].state != FORK_W_ABSENT)
            continue;
        struct clpool__fork_wshared *w = &fp->ctl->w[i];
        atomic_store_explicit(&w->cur, 0, memory_order_relaxed);
        atomic_store_explicit(&w->life, 0, memory_order_relaxed);
        atomic_store_explicit(&w->sleeping, 0, memory_order_relaxed);
        atomic_store_explicit(&w->ready, 0, memory_order_relaxed);
        atomic_store_explicit(&w->begin, 0, memory_order_relaxed);
        atomic_store_explicit(&w->end, 0, memory_order_relaxed);
        w->status = 0;
        w->err[0] = '\0';
        pid_t pid = fork();
        if (pid < 0) {
            status = clpool__error(fp->pool, CLPOOL_EWORKER,
                                   "fork backend: cannot fork worker %u: %s", i, strerror(errno));
            break;
        }
        if (pid == 0)
            clpool__fork_worker_main(fp, i, use_pdeathsig);
        fp->workers[i].pid = pid;
        fp->workers[i].state = FORK_W_LIVE;
        fp->nlive++;
        spawned[i] = 1;
        target++;
    }
    int started = wait_started(fp, spawned, target);
    return status != CLPOOL_OK ? status : started;
}

void clpool__fork_stop_all(struct clpool__fork_pool *fp)
{
    if (fp->nlive > 0) {
        /* Asking first lets a worker leave between jobs rather than be
         * killed; nothing it holds needs that, but it is the polite order. */
        uint32_t gen;
        struct clpool__fork_job *job = clpool__fork_job_begin(fp, &gen);
        job->cmd = FORK_CMD_EXIT;
        job->n = fp->nlive;
        clpool__fork_job_publish(fp, job, gen, 0);
    }
    uint64_t deadline = clpool__fork_now_ns() + STOP_NS;
    uint64_t pause = 20000;
    while (fp->nlive > 0 && clpool__fork_now_ns() < deadline) {
        char how[128];
        for (uint32_t i = 0; i < fp->nworkers; i++)
            (void)clpool__fork_check_dead(fp, i, how, sizeof how);
        if (fp->nlive == 0)
            break;
        clpool__fork_sleep_ns(pause);
        if (pause < SLICE_NS)
            pause *= 2;
    }
    for (uint32_t i = 0; i < fp->nworkers; i++)
        clpool__fork_kill(fp, i);
}
