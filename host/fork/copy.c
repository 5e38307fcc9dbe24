/*
 * Copies between the caller's memory and the arena, spread over the CPUs.
 *
 * The workers cannot read the caller's private memory, so every copy of a
 * malloc'd host array (a chunk's fill and drain, host/chunk.c, through the
 * xfer slots) and of clpool_buffer_write/read is made in the parent. One
 * memcpy on one core was the bottleneck of host-array maps: measured on 2
 * CPUs, saxpy over 2^26 floats in malloc'd arrays ran at 0.3x OpenMP on the
 * same arrays, the parent copying 24 bytes per item on one core while the
 * workers waited. So a large copy is split into one part per CPU (at most
 * COPY_MAX_THREADS): the parent copies one, helper threads of the parent the
 * others. Chunks stay in sequence (copy in, kernel, copy out) so that a
 * chunk's windows stay in the cache between the three; each of the three
 * now uses every CPU.
 *
 * While the parent copies, idle workers that are still spinning for the
 * next map would take the CPUs the copy needs: ctl->nap asks them to sleep
 * (worker_main.c), and the next publication clears it.
 *
 * The helpers start with the first large copy. If they cannot be started,
 * the parent copies alone: slower, never wrong. They block every signal
 * (handlers are the caller's business, run on its own threads), are never
 * in a worker (fork copies only the calling thread) and take no lock, so a
 * fork of a replacement worker cannot inherit one held.
 */
#include "fork.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Below this, splitting costs more than it saves (a helper's wake-up is
 * tens of microseconds in a VM; one core copies ~1 MiB in about 100 us). */
#define COPY_SPLIT_BYTES ((size_t)1 << 20)
/* Memory bandwidth is reached well before this many cores copy. */
#define COPY_MAX_THREADS 8u
/* A chunk's copies come in runs (its outputs out, then each input in): a
 * helper spins this long for the next copy of the run before it sleeps, as
 * long as the workers nap (a published map clears ctl->nap: the helper then
 * leaves the CPUs to them at once). */
#define HELPER_SPIN_NS 50000u

struct clpool__fork_copier {
    pthread_t *threads;
    uint32_t nthreads;        /* helpers running */
    int tried;                /* helpers were started (or failed to be) */
    alignas(FORK_LINE) _Atomic uint32_t gen; /* a new copy (the helpers' futex word) */
    _Atomic uint32_t stop;
    alignas(FORK_LINE) _Atomic uint32_t left; /* helpers still copying */
    /* The copy: part i (of nthreads + 1) is [i * part, min(len, (i+1) * part)). */
    unsigned char *dst;
    const unsigned char *src;
    size_t len, part;
};

struct helper_arg {
    struct clpool__fork_copier *c;
    _Atomic uint32_t *nap;
    uint32_t index; /* 1..nthreads; the parent copies part 0 */
};

static void copy_part(struct clpool__fork_copier *c, uint32_t i)
{
    size_t b = (size_t)i * c->part;
    if (b >= c->len)
        return;
    size_t e = b + c->part < c->len ? b + c->part : c->len;
    memcpy(c->dst + b, c->src + b, e - b);
}

static void *helper_main(void *p)
{
    struct helper_arg a = *(struct helper_arg *)p;
    free(p);
    struct clpool__fork_copier *c = a.c;
    uint32_t seen = 0;
    for (;;) {
        uint32_t g;
        uint64_t start = clpool__fork_now_ns();
        for (unsigned i = 1; (g = atomic_load_explicit(&c->gen, memory_order_acquire)) == seen;
             i++) {
            clpool__fork_relax();
            if ((i & 63) == 0 && (atomic_load_explicit(a.nap, memory_order_relaxed) == 0 ||
                                  clpool__fork_now_ns() - start > HELPER_SPIN_NS))
                break;
        }
        while ((g = atomic_load_explicit(&c->gen, memory_order_acquire)) == seen)
            clpool__fork_futex_wait(&c->gen, seen, 0);
        seen = g;
        if (atomic_load_explicit(&c->stop, memory_order_relaxed))
            return NULL;
        copy_part(c, a.index);
        /* Release: the parent, and through its next publication the
         * workers, see the bytes copied. */
        atomic_fetch_sub_explicit(&c->left, 1, memory_order_release);
    }
}

/* Starts the helpers: one per CPU but the parent's, as far as they start. */
static void start_helpers(struct clpool__fork_pool *fp, struct clpool__fork_copier *c)
{
    c->tried = 1;
    uint32_t want = fp->ncpus > 1 ? fp->ncpus - 1 : 0;
    if (want > COPY_MAX_THREADS - 1)
        want = COPY_MAX_THREADS - 1;
    if (want == 0 || (c->threads = calloc(want, sizeof *c->threads)) == NULL)
        return;
    sigset_t all, old;
    sigfillset(&all);
    if (pthread_sigmask(SIG_SETMASK, &all, &old) != 0)
        return;
    for (uint32_t i = 0; i < want; i++) {
        struct helper_arg *a = malloc(sizeof *a);
        if (a == NULL)
            break;
        a->c = c;
        a->nap = &fp->ctl->nap;
        a->index = i + 1;
        if (pthread_create(&c->threads[i], NULL, helper_main, a) != 0) {
            free(a);
            break;
        }
        c->nthreads++;
    }
    (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void clpool__fork_copy(struct clpool__fork_pool *fp, void *dst, const void *src, size_t len)
{
    if (len < COPY_SPLIT_BYTES || fp->ncpus < 2 || fp->parent != getpid()) {
        memcpy(dst, src, len);
        return;
    }
    struct clpool__fork_copier *c = fp->copier;
    if (c == NULL) {
        /* Aligned for its cache-line members. */
        c = aligned_alloc(FORK_LINE, (sizeof *c + FORK_LINE - 1) / FORK_LINE * FORK_LINE);
        if (c != NULL) {
            memset(c, 0, sizeof *c);
            fp->copier = c;
        }
    }
    if (c != NULL && !c->tried)
        start_helpers(fp, c);
    if (c == NULL || c->nthreads == 0) {
        memcpy(dst, src, len);
        return;
    }
    /* The workers' spin would take the helpers' CPUs. */
    atomic_store_explicit(&fp->ctl->nap, 1, memory_order_relaxed);
    uint32_t parts = c->nthreads + 1;
    c->dst = dst;
    c->src = src;
    c->len = len;
    /* Whole pages each, the last part taking what is left. */
    c->part = ((len + parts - 1) / parts + 4095) & ~(size_t)4095;
    atomic_store_explicit(&c->left, c->nthreads, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->gen, 1, memory_order_release);
    /* A spinning helper needs no wake-up, but which ones sleep is not
     * known here without a count; the system call is cheap next to a copy
     * of a megabyte or more. */
    clpool__fork_futex_wake(&c->gen, INT_MAX);
    copy_part(c, 0);
    for (unsigned spins = 0; atomic_load_explicit(&c->left, memory_order_acquire) != 0; spins++) {
        if (spins < 1024)
            clpool__fork_relax();
        else
            sched_yield(); /* a helper is not running: let it have this CPU */
    }
}

void clpool__fork_copy_close(struct clpool__fork_pool *fp)
{
    struct clpool__fork_copier *c = fp->copier;
    if (c == NULL)
        return;
    /* In another process (a fork of the owner) the helpers do not exist. */
    if (fp->parent == getpid() && c->nthreads > 0) {
        atomic_store_explicit(&c->stop, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&c->gen, 1, memory_order_release);
        clpool__fork_futex_wake(&c->gen, INT_MAX);
        for (uint32_t i = 0; i < c->nthreads; i++)
            (void)pthread_join(c->threads[i], NULL);
    }
    free(c->threads);
    free(c);
    fp->copier = NULL;
}
