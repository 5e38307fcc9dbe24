/*
 * The parent's side of a job: claiming a slot, publishing it, waiting for it
 * to finish, and cleaning up when a worker dies in it or it runs past the
 * pool's time limit. The protocol is described in fork.h.
 */
#include "fork.h"

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parent spins on a map's completion before it sleeps: a small map is
 * done by then, and sleeping would add a futex wake-up (tens to hundreds of
 * microseconds in a VM) to it. The spin must outlast a sleeping worker's
 * wake-up: if it did not, a map that had to wake its workers would put the
 * parent to sleep too, return a wake-up later, find the workers asleep again
 * (their own spin over), and stay in that cycle: measured on 2 CPUs, a
 * 166 us median for a 1024-item map that takes 1 us with the workers awake.
 * It does not yield the CPU while it spins: measured, yielding to the
 * spinning workers cost every map a ~50 us time slice. */
#define PARENT_SPIN_NS 300000u
/* But when the workers alone fill the CPUs, a spinning parent can take the
 * core a worker needs: measured on 2 CPUs with 2 workers, saxpy over 2^18
 * floats ran at 0.54x OpenMP, and on the loaded CI machine a 1024-item map
 * took 200-300 us (it finished only once the parent stopped spinning). So
 * there the parent spins only while it leaves a CPU to every worker that can
 * use one: while fewer workers than CPUs are inside the map (a small map
 * that one worker runs), and for PARENT_SPIN_BUSY_NS while none has entered
 * it yet; otherwise it sleeps and the worker that finishes wakes it. */
#define PARENT_SPIN_BUSY_NS 4000u
/* A sleeping parent looks at its workers' pids this often: the longest a
 * dead worker goes unnoticed. */
#define SLICE_NS 10000000u
/* A worker still inside a slot's old, finished job after this long is
 * killed (it is stopped or starved; its job needs nothing more from it). */
#define STRAGGLER_NS 1000000000ull
/* A map is published without waking sleeping workers while others are
 * awake (spinning after their last job): a small map is done by those before
 * a sleeper could even be scheduled. Measured on 2 CPUs with 2 workers, where
 * the parent's spinning always leaves one worker preempted long enough to go
 * to sleep: waking it for every 1024-item map made the median map 165 us
 * instead of 1.2 us, because the woken worker preempts the ones doing the
 * work. A map not finished after this long wakes everyone. */
#define LAZY_WAKE_NS 20000u
/* Loading a program or resolving a kernel takes milliseconds. */
#define COMMAND_NS 30000000000ull

/* Why a job failed, gathered before anything is killed. */
struct failure {
    int status;
    uint32_t worker; /* the dead worker, UINT32_MAX if none */
    int inside;      /* it had entered the job (a command's every_worker death may not have) */
    pid_t pid;
    char how[160];
    size_t begin, end;
    /* The first worker seen dead outside the job: named when no worker is
     * left to run it. */
    uint32_t idle_worker; /* UINT32_MAX if none */
    pid_t idle_pid;
    char idle_how[160];
};

/* Waits until worker i is no longer inside job old. */
static void wait_left(struct clpool__fork_pool *fp, uint32_t i, uint32_t old)
{
    _Atomic uint32_t *cur = &fp->ctl->w[i].cur;
    uint64_t start = 0, last_look = 0;
    for (unsigned spins = 0; atomic_load_explicit(cur, memory_order_seq_cst) == old; spins++) {
        if (spins < 256) {
            clpool__fork_relax();
            continue;
        }
        /* The worker is not running: let it have this CPU. */
        sched_yield();
        uint64_t now = clpool__fork_now_ns();
        if (start == 0)
            start = last_look = now;
        if (now - last_look > SLICE_NS) {
            char how[160];
            last_look = now;
            if (clpool__fork_check_dead(fp, i, how, sizeof how))
                return; /* replaced before the next map */
        }
        if (now - start > STRAGGLER_NS) {
            clpool__fork_kill(fp, i);
            return;
        }
    }
}

struct clpool__fork_job *clpool__fork_job_begin(struct clpool__fork_pool *fp, uint32_t *gen_out)
{
    uint32_t g = fp->gen + 1;
    if (g == 0)
        g = 1; /* 0 means "no job" in cur and in a slot */
    struct clpool__fork_job *job = &fp->ctl->jobs[g % FORK_SLOTS];
    /* Only the parent writes a slot's gen, so a relaxed look is exact. */
    uint32_t old = atomic_load_explicit(&job->gen, memory_order_relaxed);
    if (old != 0) {
        /* Invalidate, then look at every cur (seq_cst, the other half of
         * the handshake in worker_main.c). */
        atomic_store_explicit(&job->gen, 0, memory_order_seq_cst);
        for (uint32_t i = 0; i < fp->nworkers; i++)
            if (fp->workers[i].state == FORK_W_LIVE)
                wait_left(fp, i, old);
    }
    *gen_out = g;
    return job;
}

/* Wakes the workers asleep on ctl->gen, if any. Workers count themselves in
 * sleepers before their last look at gen (seq_cst on both sides, and gen
 * was stored first), so a sleeper is never missed; with none, the system
 * call is saved. */
static void wake_sleepers(struct clpool__fork_ctl *ctl)
{
    if (atomic_load_explicit(&ctl->sleepers, memory_order_seq_cst) != 0)
        clpool__fork_futex_wake(&ctl->gen, INT_MAX);
}

void clpool__fork_job_publish(struct clpool__fork_pool *fp, struct clpool__fork_job *job,
                              uint32_t gen, int lazy)
{
    struct clpool__fork_ctl *ctl = fp->ctl;
    job->nworkers = fp->nlive;
    /* The copies are over: idle workers may spin again (copy.c). */
    if (atomic_load_explicit(&ctl->nap, memory_order_relaxed) != 0)
        atomic_store_explicit(&ctl->nap, 0, memory_order_relaxed);
    /* The parent runs: a late-set parent_waking (fork.h) is over too. */
    if (atomic_load_explicit(&ctl->parent_waking, memory_order_relaxed) != 0)
        atomic_store_explicit(&ctl->parent_waking, 0, memory_order_relaxed);
    atomic_store_explicit(&job->next, 0, memory_order_relaxed);
    atomic_store_explicit(&job->done, 0, memory_order_relaxed);
    /* Release: a worker that sees gen sees the job's contents. */
    atomic_store_explicit(&job->gen, gen, memory_order_release);
    atomic_store_explicit(&ctl->gen, gen, memory_order_seq_cst);
    fp->gen = gen;
    /* A lazy publish leaves the sleepers asleep while some worker is awake:
     * wait_done wakes them if the job is not done after LAZY_WAKE_NS. */
    if (!lazy || atomic_load_explicit(&ctl->sleepers, memory_order_seq_cst) >= fp->nlive)
        wake_sleepers(ctl);
}

/* Has worker i died? A death is recorded in *f (the first one only) if the
 * worker was inside job gen, or if every worker counts. A worker that died
 * idle took nothing of this job with it: the map goes on without it, and it
 * is replaced before the next one. */
static void look_at(struct clpool__fork_pool *fp, uint32_t i, uint32_t gen, int every_worker,
                    struct failure *f)
{
    if (fp->workers[i].state != FORK_W_LIVE)
        return;
    /* Read before the check: a reaped worker's record is reset. */
    struct clpool__fork_wshared *w = &fp->ctl->w[i];
    uint32_t cur = atomic_load_explicit(&w->cur, memory_order_relaxed);
    size_t begin = atomic_load_explicit(&w->begin, memory_order_relaxed);
    size_t end = atomic_load_explicit(&w->end, memory_order_relaxed);
    char how[sizeof f->how];
    if (!clpool__fork_check_dead(fp, i, how, sizeof how))
        return;
    if ((every_worker || cur == gen) && f->status == CLPOOL_OK) {
        f->status = CLPOOL_EWORKER;
        f->worker = i;
        f->inside = cur == gen;
        f->pid = fp->workers[i].pid;
        snprintf(f->how, sizeof f->how, "%s", how);
        f->begin = begin;
        f->end = end;
    } else if (f->idle_worker == UINT32_MAX) {
        f->idle_worker = i;
        f->idle_pid = fp->workers[i].pid;
        snprintf(f->idle_how, sizeof f->idle_how, "%s", how);
    }
}

/* Waits for job gen to finish. A worker that dies while inside the job (or,
 * for a command, at all: every worker must answer it) fails it, and so does
 * the deadline (0: none). On failure *f says what happened. */
static int wait_done(struct clpool__fork_pool *fp, uint32_t gen, uint64_t deadline,
                     int every_worker, struct failure *f)
{
    struct clpool__fork_ctl *ctl = fp->ctl;
    f->status = CLPOOL_OK;
    f->worker = UINT32_MAX;
    f->idle_worker = UINT32_MAX;
    /* A worker without a life word (its kernel refused the robust list)
     * is looked at in turn while the workers start on the job: killed from
     * outside while idle, it is noticed within nworkers maps even when no
     * map is long enough to reach the slices below. The others' deaths are
     * seen before every job, at no cost; a waitpid here would be a third of
     * a small map's time. */
    fp->next_look = (fp->next_look + 1) % fp->nworkers;
    if (atomic_load_explicit(&ctl->w[fp->next_look].life, memory_order_relaxed) == 0)
        look_at(fp, fp->next_look, gen, every_worker, f);
    if (f->status != CLPOOL_OK)
        return f->status;
    /* The clock is first read after 64 spins: a small map is done by then,
     * and the read would be on its path (a few tens of ns in a VM). */
    uint64_t start = 0;
    const int crowded = !every_worker && fp->nlive >= fp->ncpus;
    if (crowded) {
        /* Stored only when it changes: the line is the one the workers
         * finish on. */
        int32_t cpu = (int32_t)sched_getcpu();
        if (atomic_load_explicit(&ctl->parent_cpu, memory_order_relaxed) != cpu)
            atomic_store_explicit(&ctl->parent_cpu, cpu, memory_order_relaxed);
    }
    int woken = 0;
    /* On a single CPU the workers run only while the parent does not: the
     * parent yields instead of spinning, and the worker that finishes the
     * map yields back (worker_main.c). */
    const int one_cpu = fp->ncpus == 1;
    for (unsigned i = 1;; i++) {
        if (atomic_load_explicit(&ctl->done_gen, memory_order_acquire) == gen) {
            return CLPOOL_OK;
        }
        if (one_cpu)
            (void)sched_yield();
        else
            clpool__fork_relax();
        if ((i & 63) == 0) {
            uint64_t now = clpool__fork_now_ns();
            if (start == 0)
                start = now;
            uint64_t spun = now - start;
            if (!woken && spun > LAZY_WAKE_NS) {
                wake_sleepers(ctl);
                woken = 1;
            }
            if (spun > PARENT_SPIN_NS)
                break;
            if (crowded && !one_cpu) {
                uint32_t inside = 0;
                for (uint32_t w = 0; w < fp->nworkers && inside < fp->ncpus; w++)
                    inside += fp->workers[w].state == FORK_W_LIVE &&
                              atomic_load_explicit(&ctl->w[w].cur, memory_order_relaxed) == gen;
                if (inside >= fp->ncpus || (inside == 0 && spun > PARENT_SPIN_BUSY_NS))
                    break;
            }
        }
    }
    if (!woken)
        wake_sleepers(ctl);
    for (;;) {
        /* Announce the sleep, then look (seq_cst; the worker stores done_gen,
         * then looks at parent_sleeping). */
        atomic_store_explicit(&ctl->parent_sleeping, 1, memory_order_seq_cst);
        uint32_t seen = atomic_load_explicit(&ctl->done_gen, memory_order_seq_cst);
        if (seen != gen) {
            uint64_t slice = SLICE_NS;
            if (deadline != 0) {
                uint64_t now = clpool__fork_now_ns();
                slice = now >= deadline ? 1 : deadline - now < slice ? deadline - now : slice;
            }
            clpool__fork_futex_wait(&ctl->done_gen, seen, slice);
        }
        atomic_store_explicit(&ctl->parent_sleeping, 0, memory_order_relaxed);
        if (atomic_load_explicit(&ctl->parent_waking, memory_order_relaxed) != 0)
            atomic_store_explicit(&ctl->parent_waking, 0, memory_order_relaxed);
        if (atomic_load_explicit(&ctl->done_gen, memory_order_acquire) == gen) {
            return CLPOOL_OK;
        }

        for (uint32_t i = 0; i < fp->nworkers; i++)
            look_at(fp, i, gen, every_worker, f);
        if (f->status != CLPOOL_OK)
            return f->status;
        if (fp->nlive == 0)
            return f->status = CLPOOL_EWORKER;
        if (deadline != 0 && clpool__fork_now_ns() >= deadline)
            return f->status = CLPOOL_ETIMEDOUT;
    }
}

/* Invalidates job gen and kills the workers still inside it: they hold
 * claimed items of a map that has been given up, and would otherwise go on
 * writing into buffers the caller now owns again. */
static void abandon(struct clpool__fork_pool *fp, struct clpool__fork_job *job, uint32_t gen)
{
    atomic_store_explicit(&job->gen, 0, memory_order_seq_cst);
    for (uint32_t i = 0; i < fp->nworkers; i++)
        if (fp->workers[i].state == FORK_W_LIVE &&
            atomic_load_explicit(&fp->ctl->w[i].cur, memory_order_seq_cst) == gen)
            clpool__fork_kill(fp, i);
}

/* Replaces the lost workers and records msg, and how the replacement went,
 * as the pool's message. */
static int fail(struct clpool__fork_pool *fp, int status, const char *msg)
{
    /* pool->errmsg, not clpool_errmsg(): the caller holds the pool's lock,
     * which clpool_errmsg takes. */
    if (clpool__fork_respawn_absent(fp) != CLPOOL_OK)
        clpool__error(fp->pool, status, "%s; the lost workers could not all be replaced: %s",
                      msg, fp->pool->errmsg ? fp->pool->errmsg : "");
    else
        clpool__error(fp->pool, status, "%s; the lost workers were replaced", msg);
    return status;
}

/* Appends to a message buffer, keeping it NUL-terminated when it fills. */
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
    CLPOOL__PRINTF(4, 5);
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    if (*used >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (r > 0)
        *used = *used + (size_t)r < len ? *used + (size_t)r : len;
}

/* Messages name absolute items (work-groups, past 1-D): job->first is added
 * to the job's own counters (the workers' begin and end already include it). */
static int map_failed(struct clpool__fork_pool *fp, clpool_kernel *k, struct clpool__fork_job *job,
                      uint32_t gen, const struct failure *f)
{
    size_t n = job->n, first = job->first;
    char msg[1024];
    size_t used = 0;
    if (f->status == CLPOOL_ETIMEDOUT) {
        size_t done = atomic_load_explicit(&job->done, memory_order_relaxed);
        size_t next = atomic_load_explicit(&job->next, memory_order_relaxed);
        /* In items where the range is 1-D: groups are elsize items, but for
         * a smaller last group, which counts as whole here. */
        const struct clpool__native_range *r = &job->range;
        int in_items = r->dims == 1;
        size_t total = n, left = n - done;
        if (in_items) {
            size_t e = (first + n) * r->elsize[0];
            total = (e < r->gsize[0] ? e : r->gsize[0]) - first * r->elsize[0];
            left = left * r->elsize[0] < total ? left * r->elsize[0] : total;
        }
        append(msg, sizeof msg, &used,
               "kernel '%s' did not finish within the pool's time limit of %u ms: %zu of %zu "
               "%s unfinished",
               k->name, fp->pool->cfg.timeout_ms, left, total, in_items ? "items" : "work-groups");
        unsigned listed = 0;
        char words[128];
        for (uint32_t i = 0; i < fp->nworkers; i++) {
            struct clpool__fork_wshared *w = &fp->ctl->w[i];
            if (fp->workers[i].state != FORK_W_LIVE ||
                atomic_load_explicit(&w->cur, memory_order_relaxed) != gen)
                continue;
            if (listed++ < 4) {
                clpool__fork_units_words(job, atomic_load_explicit(&w->begin, memory_order_relaxed),
                                         atomic_load_explicit(&w->end, memory_order_relaxed),
                                         words, sizeof words);
                append(msg, sizeof msg, &used, "%s %s on worker %u (pid %ld)",
                       listed == 1 ? "; running:" : ",", words, i, (long)fp->workers[i].pid);
            }
        }
        if (listed > 4)
            append(msg, sizeof msg, &used, " and %u more", listed - 4);
        if (next < n) {
            clpool__fork_units_words(job, first + next, first + n, words, sizeof words);
            append(msg, sizeof msg, &used, "; not started: %s", words);
        }
        append(msg, sizeof msg, &used, "; the workers running it were killed");
    } else if (f->worker != UINT32_MAX) {
        append(msg, sizeof msg, &used, "worker %u (pid %ld) %s while running ", f->worker,
               (long)f->pid, f->how);
        if (f->end > f->begin) {
            char words[128];
            clpool__fork_units_words(job, f->begin, f->end, words, sizeof words);
            append(msg, sizeof msg, &used, "%s of ", words);
        }
        append(msg, sizeof msg, &used, "kernel '%s'; the workers still running it were killed",
               k->name);
    } else if (f->idle_worker != UINT32_MAX) {
        append(msg, sizeof msg, &used,
               "worker %u (pid %ld) %s while idle, and no worker was left to run kernel '%s'",
               f->idle_worker, (long)f->idle_pid, f->idle_how, k->name);
    } else {
        append(msg, sizeof msg, &used, "kernel '%s': every worker process has died", k->name);
    }
    abandon(fp, job, gen);
    return fail(fp, f->status, msg);
}

/* A map or command needs workers: reap the ones that died since the last
 * job (their life words say so, without a system call) and bring back every
 * one lost. A command (thorough) also asks waitpid about every worker: each
 * one must answer it, a worker whose kernel refused it a life word would go
 * unseen otherwise, and a command takes milliseconds anyway. */
static int ensure_workers(struct clpool__fork_pool *fp, int thorough)
{
    (void)clpool__fork_reap_marked(fp);
    if (thorough) {
        char how[160];
        for (uint32_t i = 0; i < fp->nworkers; i++)
            (void)clpool__fork_check_dead(fp, i, how, sizeof how);
    }
    if (fp->nlive == fp->nworkers)
        return CLPOOL_OK;
    int status = clpool__fork_respawn_absent(fp);
    if (fp->nlive > 0)
        return CLPOOL_OK; /* fewer workers is slower, not wrong */
    return status != CLPOOL_OK
               ? status
               : clpool__error(fp->pool, CLPOOL_EWORKER, "fork backend: no worker processes");
}

/* Copies len bytes to a job slot's dst only if they differ from what it
 * holds (see struct clpool__fork_job). Compared here, a word at a time: a
 * memcmp call costs more than the few words of a small map's scalars. */
static void store_changed(void *dst, const void *src, size_t len)
{
    const unsigned char *d = dst, *s = src;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t a, b;
        memcpy(&a, d + i, 8);
        memcpy(&b, s + i, 8);
        if (a != b)
            goto differ;
    }
    if (i + 4 <= len) { /* an int or a float: the commonest scalar */
        uint32_t a, b;
        memcpy(&a, d + i, 4);
        memcpy(&b, s + i, 4);
        if (a != b)
            goto differ;
        i += 4;
    }
    for (; i < len; i++)
        if (d[i] != s[i])
            goto differ;
    return;
differ:
    memcpy(dst, src, len);
}

/* Whether two ranges are the same: what the native range is made from. */
static int same_nd(const clpool__nd *a, const clpool__nd *b)
{
    /* Without a branch per field: the compiler makes a few vector
     * instructions of it. */
    size_t differ = a->dims ^ b->dims;
    for (unsigned d = 0; d < CLPOOL_MAX_DIMS; d++)
        differ |= (a->global[d] ^ b->global[d]) | (a->local[d] ^ b->local[d]) |
                  (a->offset[d] ^ b->offset[d]);
    return differ == 0;
}

/* Sets argument i of a job's slot, storing only if it changes (see struct
 * clpool__fork_job). */
static void store_arg(struct clpool__fork_job *job, size_t i, void *p)
{
    if (job->argv[i] != p)
        job->argv[i] = p;
}

/* Starts the work-groups [first, first+count) of the range nd (its local
 * sizes set) and returns once they are published; finish_map waits for
 * them. shift[i] (NULL: all 0) moves buffer argument i's pointer back by
 * that many bytes, so that a window buffer holding a chunk's elements of a
 * host array is indexed by absolute item numbers. On success the map is
 * fp->flight. */
static int start_map(clpool_kernel *k, const clpool__nd *nd, size_t first, size_t count,
                     const clpool_arg *args, const size_t *shift, size_t nargs)
{
    clpool *pool = k->prog->pool;
    struct clpool__fork_pool *fp = pool->impl;
    const struct clpool__fork_kernel *fk = k->impl;
    if (nargs > FORK_MAX_ARGS)
        return clpool__error(pool, CLPOOL_EARG,
                             "kernel '%s' has %zu parameters; the fork backend takes at most %d",
                             k->name, nargs, FORK_MAX_ARGS);
    int status = ensure_workers(fp, 0);
    if (status != CLPOOL_OK)
        return status;

    uint32_t gen;
    struct clpool__fork_job *job = clpool__fork_job_begin(fp, &gen);
    job->cmd = FORK_CMD_MAP;
    job->kslot = fk->kslot;
    /* What lies outside the header line is stored only where it changes
     * (see struct clpool__fork_job); the range, with the unit made from it,
     * only when the slot's nd does. */
    const uint32_t slot = gen % FORK_SLOTS;
    if (!same_nd(&fp->slot_nd[slot], nd)) {
        struct clpool__native_range range;
        memset(&range, 0, sizeof range); /* the padding too, for the compare */
        clpool__native_range_of(nd, &range);
        store_changed(&job->range, &range, sizeof range);
        fp->slot_nd[slot] = *nd;
        job->unit = range.elsize[0] * range.elsize[1] * range.elsize[2];
    }
    job->n = count;
    job->first = first;
    size_t off = 0, local_total = 0;
    uint32_t nlocal = 0;
    for (size_t i = 0; i < nargs; i++) {
        const clpool_arg *a = &args[i];
        if (a->kind == CLPOOL_ARG_BUFFER) {
            /* Through uintptr_t: the shifted pointer may lie before the
             * buffer (outside any object), which pointer arithmetic may not
             * express; the kernel only touches bytes inside the buffer. */
            uintptr_t p = (uintptr_t)a->buf->impl;
            store_arg(job, i, (void *)(p - (shift != NULL ? shift[i] : 0)));
        } else if (a->kind == CLPOOL_ARG_SCALAR) {
            off = (off + FORK_SCALAR_ALIGN - 1) & ~(size_t)(FORK_SCALAR_ALIGN - 1);
            if (a->size > FORK_SCALAR_BYTES - off)
                return clpool__error(pool, CLPOOL_EARG,
                                     "kernel '%s' argument %zu: the fork backend passes at most "
                                     "%d bytes of by-value arguments to a kernel",
                                     k->name, i, FORK_SCALAR_BYTES);
            store_changed(job->scalars + off, clpool__arg_bytes(a), a->size);
            store_arg(job, i, job->scalars + off);
            off += a->size;
        } else {
            /* __local: each worker runs one group at a time, so one block
             * per worker, made there, holds every __local parameter of the
             * group. */
            if (nlocal == FORK_MAX_LOCAL_ARGS)
                return clpool__error(pool, CLPOOL_EARG,
                                     "kernel '%s' argument %zu: the fork backend passes at most "
                                     "%d __local parameters to a kernel",
                                     k->name, i, FORK_MAX_LOCAL_ARGS);
            size_t at = (local_total + FORK_SCALAR_ALIGN - 1) & ~(size_t)(FORK_SCALAR_ALIGN - 1);
            job->local_arg[nlocal] = (uint32_t)i;
            job->local_off[nlocal] = at;
            nlocal++;
            local_total = at + a->size;
            store_arg(job, i, NULL);
        }
    }
    job->nlocal = nlocal;
    if (nlocal != 0)
        job->local_total = local_total;

    fp->flight.k = k;
    fp->flight.job = job;
    fp->flight.gen = gen;
    fp->flight.deadline = 0;
    if (pool->cfg.timeout_ms != 0)
        fp->flight.deadline = clpool__fork_now_ns() + (uint64_t)pool->cfg.timeout_ms * 1000000u;
    clpool__fork_job_publish(fp, job, gen, 1);
    return CLPOOL_OK;
}

/* Waits for the map start_map published. */
static int finish_map(struct clpool__fork_pool *fp)
{
    struct failure f;
    int status = wait_done(fp, fp->flight.gen, fp->flight.deadline, 0, &f);
    if (status == CLPOOL_OK)
        return CLPOOL_OK;
    return map_failed(fp, fp->flight.k, fp->flight.job, fp->flight.gen, &f);
}

/* The groups of a whole range. */
static size_t groups_of(const clpool__nd *nd)
{
    size_t g = 1;
    for (unsigned d = 0; d < 3; d++)
        g *= clpool__native_groups(nd->global[d], nd->local[d]);
    return g;
}

int clpool__fork_map(clpool_kernel *k, const clpool__nd *nd, const clpool_arg *args,
                     size_t nargs)
{
    int status = start_map(k, nd, 0, groups_of(nd), args, NULL, nargs);
    return status != CLPOOL_OK ? status : finish_map(k->prog->pool->impl);
}

void clpool__fork_kernel_limits(clpool_kernel *k)
{
    clpool__kernel_limits *lim = &k->limits;
    memset(lim, 0, sizeof *lim);
    if (k->sig != NULL)
        memcpy(lim->reqd, k->sig->reqd, sizeof lim->reqd);
    const struct clpool__fork_kernel *fk = k->impl;
    lim->max_group = fk != NULL && fk->barriers ? FORK_MAX_BARRIER_GROUP : FORK_MAX_GROUP;
    for (unsigned d = 0; d < 3; d++)
        lim->max_item[d] = lim->max_group;
    lim->local_mem = FORK_LOCAL_MEM;
    /* Groups of up to FORK_GROUP_ITEMS items along dimension 0, or of
     * FORK_BARRIER_GROUP_ITEMS for a kernel whose items run as fibers. */
    lim->auto_group = fk != NULL && fk->barriers ? FORK_BARRIER_GROUP_ITEMS : FORK_GROUP_ITEMS;
}

void clpool__fork_units_words(const struct clpool__fork_job *job, size_t gb, size_t ge, char *buf,
                              size_t len)
{
    const struct clpool__native_range *r = &job->range;
    if (r->dims == 1) {
        size_t b = gb * r->elsize[0], e = ge * r->elsize[0];
        if (e > r->gsize[0])
            e = r->gsize[0];
        snprintf(buf, len, "items [%zu, %zu)", r->off[0] + b, r->off[0] + e);
        return;
    }
    snprintf(buf, len, "work-groups [%zu, %zu) of the %u-D range's %zu", gb, ge, r->dims,
             r->ngroups[0] * r->ngroups[1] * r->ngroups[2]);
}

/* Native kernels take any pointer, so every kernel runs in windows: no
 * wrapper is needed and CLPOOL__ENOWINDOW is never returned. While a window
 * runs, the parent is free: the core copies the next window's inputs into
 * the arena meanwhile (plain memcpy, made visible by the next publication). */
int clpool__fork_window_start(clpool_kernel *k, const clpool__nd *nd, size_t begin, size_t count,
                              const clpool_arg *args, const size_t *shift, size_t nargs)
{
    /* The slice [begin, begin+count) of the outermost dimension is whole
     * groups of it: the groups of every inner dimension, times its own. */
    unsigned od = nd->dims - 1;
    size_t l = nd->local[od] != 0 ? nd->local[od] : 1, inner = groups_of(nd);
    size_t outer = nd->global[od] / l + (nd->global[od] % l != 0);
    inner /= outer;
    size_t gb = begin / l, ge = (begin + count) / l + ((begin + count) % l != 0);
    return start_map(k, nd, gb * inner, (ge - gb) * inner, args, shift, nargs);
}

int clpool__fork_window_wait(clpool_kernel *k)
{
    return finish_map(k->prog->pool->impl);
}

static const char *command_word(uint32_t cmd)
{
    switch (cmd) {
    case FORK_CMD_LOAD:
        return "loading";
    case FORK_CMD_UNLOAD:
        return "unloading";
    case FORK_CMD_RESOLVE:
        return "looking up";
    default:
        return "running";
    }
}

/* Publishes a command and waits for every worker to carry it out. On
 * failure the command is withdrawn and every worker killed: workers that had
 * not yet seen it would now never see it, and those that had are started
 * afresh from the parent's tables, which do not hold what it was adding. */
static int command_once(struct clpool__fork_pool *fp, uint32_t cmd, uint32_t pslot,
                        uint32_t kslot, const char *text, struct failure *f)
{
    int status = ensure_workers(fp, 1);
    if (status != CLPOOL_OK) {
        f->status = CLPOOL_OK; /* nothing published, nothing to report here */
        return status;
    }
    uint32_t gen;
    struct clpool__fork_job *job = clpool__fork_job_begin(fp, &gen);
    job->cmd = cmd;
    job->pslot = pslot;
    job->kslot = kslot;
    job->n = fp->nlive;
    snprintf(job->path, sizeof job->path, "%s", cmd == FORK_CMD_LOAD ? text : "");
    snprintf(job->name, sizeof job->name, "%s", cmd == FORK_CMD_RESOLVE ? text : "");
    clpool__fork_job_publish(fp, job, gen, 0); /* every worker has to act */

    status = wait_done(fp, gen, clpool__fork_now_ns() + clpool__fork_command_ns(fp, COMMAND_NS),
                       1, f);
    if (status == CLPOOL_OK)
        return CLPOOL_OK;
    atomic_store_explicit(&job->gen, 0, memory_order_seq_cst);
    for (uint32_t i = 0; i < fp->nworkers; i++)
        clpool__fork_kill(fp, i);
    return status;
}

int clpool__fork_command(struct clpool__fork_pool *fp, uint32_t cmd, uint32_t pslot,
                         uint32_t kslot, const char *text)
{
    struct failure f;
    int status = command_once(fp, cmd, pslot, kslot, text, &f);
    /* A worker that died without entering the command was killed from
     * outside just before it was published, still alive when ensure_workers
     * looked: the command lost nothing to it. With every worker started
     * afresh, it runs once more, and the caller sees no error for a death
     * that happened while the pool was idle. */
    if (status == CLPOOL_EWORKER && f.status == CLPOOL_EWORKER && f.worker != UINT32_MAX &&
        !f.inside && clpool__fork_respawn_absent(fp) == CLPOOL_OK)
        status = command_once(fp, cmd, pslot, kslot, text, &f);
    if (status == CLPOOL_OK || f.status == CLPOOL_OK)
        return status;

    char msg[768];
    if (f.worker != UINT32_MAX)
        snprintf(msg, sizeof msg, "fork backend: worker %u (pid %ld) %s while %s %s", f.worker,
                 (long)f.pid, f.how, command_word(cmd), text ? text : "a program");
    else
        snprintf(msg, sizeof msg, "fork backend: the workers did not finish %s %s within %llu ms",
                 command_word(cmd), text ? text : "a program",
                 (unsigned long long)(clpool__fork_command_ns(fp, COMMAND_NS) / 1000000u));
    return fail(fp, f.status, msg);
}
