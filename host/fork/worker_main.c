/*
 * The body of a worker process. A worker is a fork of the pool's owner; it
 * never returns into library or user code (STYLE rule 8): it reports through
 * the control block and leaves with _exit, so the owner's atexit handlers,
 * stdio buffers and destructors never run twice.
 */
#include "fork.h"

#include "../clc/native.h"

#include <dlfcn.h>
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* How long an idle worker keeps spinning on ctl->gen before it sleeps
 * adapts to the gaps it has recently seen between jobs: four times their
 * running average (a worker preempted during a gap sees it longer; measured
 * on the loaded 2-CPU machine, twice left maps after a 1 ms pause waking a
 * sleeping worker), between SPIN_MIN_NS and SPIN_MAX_NS. A program that calls
 * map after map, or pauses up to a millisecond between maps, finds
 * its workers awake (a futex wake-up costs 30-50 us in a VM, against ~1 us
 * for a small map to awake workers); one whose gaps are longer than
 * SPIN_MAX_NS gets the minimum spin, so idle workers sleep within
 * SPIN_MIN_NS and use no CPU. Gaps count up to 2 * SPIN_MAX_NS each. */
#define SPIN_MIN_NS 200000u
#define SPIN_MAX_NS 4000000u
/* A sleeping worker looks at its parent this often, in case the parent died
 * without PR_SET_PDEATHSIG reaching it (see clpool__fork_respawn_absent). */
#define IDLE_CHECK_NS 1000000000u

/* Exit codes the parent can tell apart from a kernel's own exit(). */
#define EXIT_PARENT_GONE 0
#define EXIT_STARTUP 111
#define EXIT_BAD_JOB 112
#define EXIT_NO_LOCAL CLPOOL__NATIVE_EXIT_NOMEM

/* The worker's own handles, indexed by the slots the parent gave out. */
struct tables {
    void **handles;
    uint32_t nhandles;
    clpool__native_fn *fns;
    uint32_t nfns;
};

struct worker {
    struct clpool__fork_pool *fp;
    struct clpool__fork_ctl *ctl;
    struct clpool__fork_wshared *me;
    pid_t parent;
    int pdeathsig; /* the kernel kills this worker when the parent dies */
    struct tables t;
    /* The block the __local parameters of a group point into: one group
     * runs at a time, so one block serves every group of every job. */
    unsigned char *local_mem;
    size_t local_len;
    uint64_t gap_avg; /* running average of the gaps between jobs (ns) */
    /* The gap a spin that found its job measured, noted after the job (see
     * wait_for_job). */
    uint64_t spun_gap;
    int crowded;      /* as many workers as CPUs, or more: see finish() */
    int one_cpu;      /* the process may run on one CPU only: see wait_for_job() */
};

/* Points job's __local parameters into the worker's block (grown as
 * needed) in argv, a copy of the job's. */
static void *const *local_args(struct worker *w, const struct clpool__fork_job *job,
                               void **argv)
{
    if (job->local_total > w->local_len) {
        free(w->local_mem);
        size_t len = (job->local_total + FORK_SCALAR_ALIGN - 1) & ~(size_t)(FORK_SCALAR_ALIGN - 1);
        w->local_mem = aligned_alloc(FORK_SCALAR_ALIGN, len);
        w->local_len = w->local_mem != NULL ? len : 0;
        if (w->local_mem == NULL)
            _exit(EXIT_NO_LOCAL);
    }
    memcpy(argv, job->argv, sizeof job->argv);
    for (uint32_t i = 0; i < job->nlocal && i < FORK_MAX_LOCAL_ARGS; i++)
        if (job->local_arg[i] < FORK_MAX_ARGS)
            argv[job->local_arg[i]] = w->local_mem + job->local_off[i];
    return argv;
}

/* The spin before sleeping, from the recent gaps (see SPIN_MIN_NS). */
static uint64_t spin_budget(const struct worker *w)
{
    if (w->gap_avg > SPIN_MAX_NS)
        return SPIN_MIN_NS; /* gaps too long to spin through */
    uint64_t b = 4 * w->gap_avg;
    return b < SPIN_MIN_NS ? SPIN_MIN_NS : b > SPIN_MAX_NS ? SPIN_MAX_NS : b;
}

/* The average follows a shorter gap at once and a longer one slowly: a
 * burst of maps 1 ms apart is spun through from its second map on, and the
 * odd long gap (a map that had to wake this worker under load, measured up
 * to 4 ms for a 1 ms pause) does not end the spinning. */
static void note_gap(struct worker *w, uint64_t gap)
{
    if (gap > 2 * (uint64_t)SPIN_MAX_NS)
        gap = 2 * (uint64_t)SPIN_MAX_NS;
    w->gap_avg = gap < w->gap_avg ? gap : (7 * w->gap_avg + gap) / 8;
}

/* The gap of a job found while spinning, noted once this worker has left
 * the job (cur 0): off the small map's path, and after the store to cur,
 * whose line the parent reads when it starts the next map. */
static void note_spun_gap(struct worker *w)
{
    if (w->spun_gap != UINT64_MAX) {
        note_gap(w, w->spun_gap);
        w->spun_gap = UINT64_MAX;
    }
}

static void set_err(struct clpool__fork_wshared *me, const char *fmt, const char *a,
                    const char *b)
{
    me->status = -1;
    snprintf(me->err, sizeof me->err, fmt, a, b);
}

static int grow(void **array, uint32_t *count, uint32_t need, size_t elem)
{
    if (need <= *count)
        return 0;
    uint32_t n = *count ? *count : 8;
    while (n < need)
        n *= 2;
    void *grown = realloc(*array, (size_t)n * elem);
    if (grown == NULL)
        return -1;
    memset((char *)grown + (size_t)*count * elem, 0, (size_t)(n - *count) * elem);
    *array = grown;
    *count = n;
    return 0;
}

static int load(struct worker *w, uint32_t pslot, const char *path)
{
    if (grow((void **)&w->t.handles, &w->t.nhandles, pslot + 1, sizeof(void *)) != 0) {
        set_err(w->me, "no memory to load %s%s", path, "");
        return -1;
    }
    /* RTLD_LOCAL: two programs may define the same helper functions. */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char *e = dlerror();
        set_err(w->me, "dlopen %s: %s", path, e ? e : "unknown error");
        return -1;
    }
    w->t.handles[pslot] = h;
    return 0;
}

static void unload(struct worker *w, uint32_t pslot)
{
    if (pslot < w->t.nhandles && w->t.handles[pslot] != NULL) {
        (void)dlclose(w->t.handles[pslot]);
        w->t.handles[pslot] = NULL;
    }
}

static int resolve(struct worker *w, uint32_t kslot, uint32_t pslot, const char *name)
{
    if (grow((void **)&w->t.fns, &w->t.nfns, kslot + 1, sizeof(clpool__native_fn)) != 0) {
        set_err(w->me, "no memory to resolve kernel '%s'%s", name, "");
        return -1;
    }
    if (pslot >= w->t.nhandles || w->t.handles[pslot] == NULL) {
        set_err(w->me, "kernel '%s': its program is not loaded in this worker%s", name, "");
        return -1;
    }
    char sym[FORK_NAME_MAX + sizeof CLPOOL__NATIVE_PREFIX];
    snprintf(sym, sizeof sym, "%s%s", CLPOOL__NATIVE_PREFIX, name);
    (void)dlerror();
    void *p = dlsym(w->t.handles[pslot], sym);
    if (p == NULL) {
        const char *e = dlerror();
        set_err(w->me, "the program's shared object has no symbol %s (%s)", sym,
                e ? e : "NULL");
        return -1;
    }
    /* POSIX guarantees that a dlsym result converts to a function pointer;
     * memcpy says so without a cast between object and function pointers. */
    clpool__native_fn fn;
    memcpy(&fn, &p, sizeof fn);
    w->t.fns[kslot] = fn;
    return 0;
}

/* After a job's completion is published: wakes the parent if it sleeps
 * (see parent_waking), or, where the workers fill the CPUs (crowded), yields
 * the CPU if the parent spins for the result on this very CPU. Measured on
 * the loaded 2-CPU machine: back-to-back 1024-item maps took 0.7-1.0 us
 * with the yield and 10.6 us without (the parent slept and was woken for
 * each); yielding on every CPU cost a quiet machine 0.3 us a map, the
 * worker's own way back to its next job. */
static CLPOOL__NOINLINE void after_finish(struct clpool__fork_ctl *ctl, int parent_sleeping)
{
    if (parent_sleeping) {
        atomic_store_explicit(&ctl->parent_waking, 1, memory_order_relaxed);
        clpool__fork_futex_wake(&ctl->done_gen, 1);
    } else if (atomic_load_explicit(&ctl->parent_cpu, memory_order_relaxed) == sched_getcpu()) {
        (void)sched_yield();
    }
}

/* Signals the parent that job gen is complete. The rest is out of line:
 * with it inline, one-item maps back to back took 4-9% longer at 1 worker,
 * where none of it runs (clpool-latency_ab, three runs against a build
 * without it). */
static inline void finish(struct clpool__fork_ctl *ctl, uint32_t gen, int crowded)
{
    atomic_store_explicit(&ctl->done_gen, gen, memory_order_seq_cst);
    int parent_sleeping = atomic_load_explicit(&ctl->parent_sleeping, memory_order_seq_cst) != 0;
    if (parent_sleeping || crowded)
        after_finish(ctl, parent_sleeping);
}

static void run_map(struct worker *w, struct clpool__fork_job *job, uint32_t gen)
{
    if (job->kslot >= w->t.nfns || w->t.fns[job->kslot] == NULL)
        _exit(EXIT_BAD_JOB); /* the parent resolved it everywhere first */
    clpool__native_fn fn = w->t.fns[job->kslot];
    clpool__fork_guards_sync(&w->fp->arena); /* shm.c: buffers' guard pages */
    void *local_argv[FORK_MAX_ARGS];
    void *const *argv = job->nlocal != 0 ? local_args(w, job, local_argv) : job->argv;
    size_t n = job->n, first = job->first, begin, end;
    while (clpool__fork_claim(job, &begin, &end)) {
        /* Without PR_SET_PDEATHSIG an orphan would go on with a long map
         * nobody waits for: look at the parent once per chunk (a chunk is
         * at least MIN_CHUNK items, a system call is ~100 ns). */
        if (!w->pdeathsig && getppid() != w->parent)
            _exit(EXIT_PARENT_GONE);
        atomic_store_explicit(&w->me->begin, first + begin, memory_order_relaxed);
        atomic_store_explicit(&w->me->end, first + end, memory_order_relaxed);
        fn(argv, &job->range, first + begin, first + end);
        /* acq_rel: the worker that completes the count has seen every other
         * worker's results before it tells the parent. */
        size_t done = atomic_fetch_add_explicit(&job->done, end - begin, memory_order_acq_rel);
        if (done + (end - begin) == n)
            finish(w->ctl, gen, w->crowded);
        if (end == n)
            break; /* claims are taken in order: none is left (a small map's one claim) */
    }
}

static void run_command(struct worker *w, struct clpool__fork_job *job, uint32_t gen)
{
    w->me->status = 0;
    w->me->err[0] = '\0';
    switch (job->cmd) {
    case FORK_CMD_LOAD:
        (void)load(w, job->pslot, job->path);
        break;
    case FORK_CMD_UNLOAD:
        unload(w, job->pslot);
        break;
    case FORK_CMD_RESOLVE:
        (void)resolve(w, job->kslot, job->pslot, job->name);
        break;
    case FORK_CMD_EXIT:
        _exit(0);
    default:
        _exit(EXIT_BAD_JOB);
    }
    size_t done = atomic_fetch_add_explicit(&job->done, 1, memory_order_acq_rel);
    if (done + 1 == job->n)
        finish(w->ctl, gen, 0);
}

/* Returns a generation other than seen: spins first, then sleeps. The spin
 * ends early when the parent asks for the CPUs (ctl->nap: it is about to
 * copy for a while, and a spinning worker would halve its speed). */
static uint32_t wait_for_job(struct worker *w, uint32_t seen)
{
    struct clpool__fork_ctl *ctl = w->ctl;
    uint32_t g;
    /* The clock is read every 256 spins only, from the 256th on: a job
     * found before it is a gap of a few microseconds, noted as 0 (a clock
     * read on the way to the next job, or on arrival, would be on the path
     * of every small map: about 40 ns each in a VM, measured), and one found
     * later is noted as the time to the last read. Either is within a few
     * microseconds of the gap, against spins of 200 us and more. */
    const uint64_t budget = spin_budget(w);
    uint64_t start = 0, last = 0;
    for (unsigned i = 1;; i++) {
        g = atomic_load_explicit(&ctl->gen, memory_order_acquire);
        if (g != seen) {
            w->spun_gap = last - start;
            return g;
        }
        clpool__fork_relax();
        if (atomic_load_explicit(&ctl->nap, memory_order_relaxed) != 0)
            break;
        /* On a single CPU, the spinner holds the CPU the parent needs to
         * publish the next job: it yields at every look. */
        if (w->one_cpu)
            (void)sched_yield();
        /* The scheduler does not preempt a spinner for a woken parent: with
         * 2 workers on 2 CPUs, each chunk of a chunked map waited for a
         * spin to end (perf sched: 0.21 ms of scheduling delay at every
         * wake-up of the parent) and saxpy over malloc'd arrays ran slower
         * at 2 workers than at 1. */
        if (atomic_load_explicit(&ctl->parent_waking, memory_order_relaxed) != 0)
            (void)sched_yield();
        if ((i & 255) == 0) {
            /* Crowded, a spinner on the parent's CPU may be what keeps the
             * parent from publishing the next job or seeing the last one
             * done: it lets the parent run. Measured on 2 CPUs with 2
             * workers, one-item maps back to back (three spinners on two
             * CPUs): 0.30-0.35 us a map on average with this, against
             * 0.32-0.41 without, the same blocks alternated in one process. */
            if (w->crowded &&
                atomic_load_explicit(&ctl->parent_cpu, memory_order_relaxed) == sched_getcpu())
                (void)sched_yield();
            last = clpool__fork_now_ns();
            if (start == 0)
                start = last;
            else if (last - start > budget)
                break;
        }
    }
    if (start == 0)
        start = clpool__fork_now_ns();
    for (;;) {
        /* Announce the sleep before the last look, so that the parent's
         * store to gen and its look at sleepers cannot both miss (seq_cst).
         * sleeping marks this worker's share of the count for the parent to
         * take back should it die asleep; it is set after the count goes up
         * and cleared before it goes down, so a death in between leaves the
         * count one too high (a spare wake-up), never too low. */
        atomic_fetch_add_explicit(&ctl->sleepers, 1, memory_order_seq_cst);
        atomic_store_explicit(&w->me->sleeping, 1, memory_order_relaxed);
        g = atomic_load_explicit(&ctl->gen, memory_order_seq_cst);
        if (g == seen)
            clpool__fork_futex_wait(&ctl->gen, seen, IDLE_CHECK_NS);
        atomic_store_explicit(&w->me->sleeping, 0, memory_order_relaxed);
        atomic_fetch_sub_explicit(&ctl->sleepers, 1, memory_order_relaxed);
        g = atomic_load_explicit(&ctl->gen, memory_order_acquire);
        if (g != seen) {
            note_gap(w, clpool__fork_now_ns() - start);
            w->spun_gap = UINT64_MAX;
            return g;
        }
        if (getppid() != w->parent)
            _exit(EXIT_PARENT_GONE);
    }
}

/* Signals inherited from the owner must not run the owner's handlers in a
 * worker, and a terminal's ^C or hang-up is for the owner to act on: if it
 * dies, its workers follow it (PR_SET_PDEATHSIG or the idle check). */
static void reset_signals(void)
{
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        struct sigaction old;
        if (sigaction(sig, NULL, &old) != 0)
            continue; /* not a signal this kernel has (glibc's internal ones) */
        if ((old.sa_flags & SA_SIGINFO) || (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN)) {
            struct sigaction dfl;
            memset(&dfl, 0, sizeof dfl);
            dfl.sa_handler = SIG_DFL;
            sigemptyset(&dfl.sa_mask);
            (void)sigaction(sig, &dfl, NULL);
        }
    }
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    (void)sigaction(SIGINT, &ign, NULL);
    (void)sigaction(SIGQUIT, &ign, NULL);
    (void)sigaction(SIGHUP, &ign, NULL);
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The worker's robust futex list: one entry, whose word is its life word
 * in the control block (see fork.h). It lives in the worker's own memory,
 * where the kernel walks it as the worker exits. It replaces the C
 * library's list for this thread, which only robust mutexes use, and
 * nothing in a worker does. */
static struct robust_list_head life_head;
static struct robust_list life_entry;

static void register_life(_Atomic uint32_t *life)
{
    life_entry.next = &life_head.list;
    life_head.list.next = &life_entry;
    /* The word is found at entry + offset: through uintptr_t, since the
     * two are in different objects. */
    life_head.futex_offset = (long)((uintptr_t)life - (uintptr_t)&life_entry);
    life_head.list_op_pending = NULL;
    /* The kernel marks the word only if it holds the exiting thread's id. */
    atomic_store_explicit(life, (uint32_t)gettid(), memory_order_relaxed);
    if (syscall(SYS_set_robust_list, &life_head, sizeof life_head) != 0)
        /* No mark will come: the parent looks at this worker with waitpid. */
        atomic_store_explicit(life, 0, memory_order_relaxed);
}

/* The owner's descriptors (sockets, pipe ends) must not stay open for as
 * long as the pool lives: a peer would wait for an EOF that never comes.
 * stdin/stdout/stderr stay for kernels that print. */
static void close_fds(void)
{
    if (close_range(3, ~0u, 0) == 0)
        return;
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    for (int fd = 3; fd < max; fd++)
        (void)close(fd);
}

_Noreturn void clpool__fork_worker_main(struct clpool__fork_pool *fp, uint32_t index,
                                        int use_pdeathsig)
{
    struct worker w;
    memset(&w, 0, sizeof w);
    w.fp = fp;
    w.ctl = fp->ctl;
    w.me = &fp->ctl->w[index];
    w.parent = fp->parent;
    w.crowded = fp->nworkers >= fp->ncpus;
    w.one_cpu = fp->ncpus == 1;
    w.spun_gap = UINT64_MAX;

    /* The owner may have died before the prctl: then the signal is never
     * sent, and the parent pid has already changed. */
    /* If the kernel refuses, the per-chunk and idle parent checks remain. */
    w.pdeathsig = use_pdeathsig && prctl(PR_SET_PDEATHSIG, SIGKILL) == 0;
    if (getppid() != w.parent)
        _exit(EXIT_PARENT_GONE);
    reset_signals();
    close_fds();
    /* Before ready: from then on the parent notices this worker's death
     * from the word. A death before it is seen by the startup wait. */
    register_life(&w.me->life);

    /* A replacement worker loads what its predecessors loaded one command
     * at a time: the slot tables are in its copy of the owner's memory. */
    int failed = 0;
    w.me->status = 0;
    w.me->err[0] = '\0';
    for (uint32_t p = 0; p < fp->nprogs && !failed; p++)
        if (fp->progs[p].so_path != NULL && load(&w, p, fp->progs[p].so_path) != 0)
            failed = 1;
    for (uint32_t k = 0; k < fp->nkerns && !failed; k++)
        if (fp->kerns[k].name != NULL &&
            resolve(&w, k, fp->kerns[k].pslot, fp->kerns[k].name) != 0)
            failed = 1;

    /* No job is published while a worker starts, so this is the current
     * generation and the next one is this worker's first job. */
    uint32_t seen = atomic_load_explicit(&w.ctl->gen, memory_order_acquire);
    atomic_store_explicit(&w.me->ready, failed ? WORKER_FAILED : WORKER_READY,
                          memory_order_release);
    atomic_fetch_add_explicit(&w.ctl->nready, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&w.ctl->parent_sleeping, memory_order_seq_cst))
        clpool__fork_futex_wake(&w.ctl->nready, 1);
    if (failed)
        _exit(EXIT_STARTUP);

    for (;;) {
        uint32_t g = wait_for_job(&w, seen);
        struct clpool__fork_job *job = &w.ctl->jobs[g % FORK_SLOTS];
        /* Announce, then look (the other half is in clpool__fork_job_begin):
         * either the parent sees cur == g and waits before reusing the slot,
         * or this worker sees the slot already invalid and stays out. */
        atomic_store_explicit(&w.me->cur, g, memory_order_seq_cst);
        if (atomic_load_explicit(&job->gen, memory_order_seq_cst) == g) {
            if (job->cmd == FORK_CMD_MAP)
                run_map(&w, job, g);
            else
                run_command(&w, job, g);
        }
        /* Every job before the newest is finished, so a worker that slept
         * through some has nothing to catch up on: commands wait for every
         * worker before the next job is published. */
        seen = g;
        atomic_store_explicit(&w.me->cur, 0, memory_order_release);
        note_spun_gap(&w);
    }
}
