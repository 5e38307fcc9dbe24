/*
 * The fork backend: a pool of worker processes, forked when the pool opens,
 * that run OpenCL C map kernels compiled to native code (host/clc/native.h).
 *
 * Memory. Two shared anonymous mappings are made before the first fork, so
 * that they sit at the same address in the parent and in every worker and no
 * file descriptor is ever passed:
 *   - the arena (shm.c), a large MAP_NORESERVE reservation from which the
 *     parent carves buffers; a buffer's address is valid in every worker;
 *   - the control block (struct clpool__fork_ctl), through which the parent
 *     hands out jobs and the workers report back.
 *
 * Jobs. A job is a map (run items [first, first+n) of a kernel) or a command that every
 * worker carries out once (load a program, resolve a kernel, unload, exit).
 * The parent writes a job into one of FORK_SLOTS slots, then publishes its
 * generation number in ctl->gen; workers spin briefly on ctl->gen and then
 * sleep on it with a futex (a map wakes sleepers only if the awake workers
 * have not finished it within a few microseconds). Slots rotate so that a worker that was preempted
 * inside an old job cannot see a half-written new one: before reusing a slot
 * the parent invalidates it and waits until no worker still has it as its
 * current job (a Dekker handshake on slot->gen and wshared->cur, both
 * seq_cst). A map is finished when its done counter reaches n; the worker
 * that completes it stores the generation in ctl->done_gen and wakes the
 * parent if it sleeps.
 *
 * Failure. The parent waits in bounded futex slices and between slices asks
 * waitpid(pid, WNOHANG) about each worker. A worker that dies inside a job,
 * or a job that runs past the pool's time limit, fails the map; the workers
 * still inside the job are killed and reaped, and every lost worker is
 * replaced by a fresh fork that reloads the live programs.
 *
 * Deaths between jobs. Each worker registers its life word (wshared.life)
 * as a robust futex it holds: however the worker ends, the kernel marks the
 * word FUTEX_OWNER_DIED as the process exits. Before it publishes any job
 * the parent reads every live worker's word (plain loads, no system call:
 * a warm map takes about a microsecond, and a waitpid is a third of that),
 * reaps the dead and forks their replacements, so that a map or a command
 * started after a worker was killed while the pool was idle just works.
 * A command, which every worker must answer, also asks waitpid about each
 * worker first, and runs again once if a worker that never entered it died
 * meanwhile (killed an instant before it was published).
 */
#ifndef CLPOOL_FORK_H
#define CLPOOL_FORK_H

#include "../internal.h"
#include "../clc/native.h"

#include <limits.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

/* Slots the jobs rotate through (see above). With four, a worker must be
 * preempted for three whole maps before the parent ever waits for it. */
#define FORK_SLOTS 4
/* More processes than this is a configuration mistake, not a pool. */
#define FORK_MAX_WORKERS 1024
/* A job's arguments live in its slot: pointers, and the bytes of scalars. */
#define FORK_MAX_ARGS 128
#define FORK_SCALAR_BYTES 8192
#define FORK_SCALAR_ALIGN 128 /* the alignment of OpenCL's widest vector, double16 */
/* A worker's message about a failed command (a dlerror text). */
#define FORK_ERRLEN 512
/* The work-group size the fork backend picks along dimension 0 when nobody
 * chose one: long enough that the per-row bookkeeping of the generated
 * caller is lost in the item loop, short enough that chunks and the claims
 * of uneven maps stay fine-grained. */
#define FORK_GROUP_ITEMS ((size_t)1024)
/* The work-group size picked along dimension 0 for a kernel with barriers
 * (its items run as fibers, clc/workgroup.h): big enough that a group's
 * start is lost in its items, small enough that a group's fibers' stacks
 * stay in the caches. */
#define FORK_BARRIER_GROUP_ITEMS ((size_t)256)
/* The largest work-group a range may ask for (a kernel with barriers: the
 * fibers a worker has), and the __local memory a group may have: each
 * __local parameter's bytes, which the worker allocates (clpool_local), plus
 * the kernel's own __local arrays (static data of the program). */
#define FORK_MAX_GROUP ((size_t)4096)
#define FORK_MAX_BARRIER_GROUP ((size_t)CLPOOL__NATIVE_WG_MAX)
#define FORK_LOCAL_MEM ((size_t)1 << 20)
/* __local parameters a kernel may have on this backend. */
#define FORK_MAX_LOCAL_ARGS 16
/* Kernel names travel in the slot of a RESOLVE command. */
#define FORK_NAME_MAX 256
/* Separates data written by different processes into different cache lines
 * (two lines: adjacent-line prefetchers pair them). */
#define FORK_LINE 128

enum clpool__fork_cmd {
    FORK_CMD_MAP = 1, /* run items of a kernel */
    FORK_CMD_LOAD,    /* dlopen path into program slot pslot */
    FORK_CMD_UNLOAD,  /* dlclose program slot pslot */
    FORK_CMD_RESOLVE, /* dlsym clpool_run_<name> of pslot into kernel slot kslot */
    FORK_CMD_EXIT     /* leave with _exit(0) */
};

/* One job. Written by the parent only while no worker has it as current. */
struct clpool__fork_job {
    /* The generation this slot holds; 0 while it is invalid or being
     * rewritten. Workers check it after announcing themselves in cur. */
    alignas(FORK_LINE) _Atomic uint32_t gen;
    uint32_t cmd;
    uint32_t nworkers; /* live workers when published: chunk sizes, acks */
    uint32_t pslot, kslot;
    /* Maps: the __local parameters (see local_arg below); here, in the line
     * every worker reads anyway, since each map looks at it. */
    uint32_t nlocal;
    size_t n;          /* maps: work-groups; commands: acks expected */
    /* Maps: the kernel runs the work-groups [first, first+n) of range (a
     * chunk of a bigger map, host/chunk.c, is a slice of its groups; a whole
     * map has first 0). Claims and done count from 0 to n: only the call
     * into the kernel and the ranges shown to the parent are offset by
     * first. unit is the items of a whole group, for claim sizes. */
    size_t first, unit;
    /* The parent stores range, argv and the scalars only where they differ
     * from what the slot held: a line left as it was stays in the workers'
     * caches, and a small map then costs only the lines that must change
     * hands (this header, next, done). */
    struct clpool__native_range range;
    void *argv[FORK_MAX_ARGS];
    /* Maps: the __local parameters, whose argv entries the worker points
     * at its own memory: argument local_arg[i] points at local_off[i]
     * of a block of local_total (aligned to FORK_SCALAR_ALIGN). */
    uint32_t local_arg[FORK_MAX_LOCAL_ARGS];
    size_t local_off[FORK_MAX_LOCAL_ARGS];
    size_t local_total;
    char path[PATH_MAX];
    char name[FORK_NAME_MAX];
    /* The next item nobody has claimed yet (maps). */
    alignas(FORK_LINE) _Atomic size_t next;
    /* Items finished (maps) or workers finished (commands). */
    alignas(FORK_LINE) _Atomic size_t done;
    alignas(FORK_LINE) unsigned char scalars[FORK_SCALAR_BYTES];
};

/* What one worker shows the parent. Only that worker writes it, except that
 * the parent resets it while the worker is not alive. */
struct clpool__fork_wshared {
    /* The generation of the job this worker is inside, 0 when none. */
    alignas(FORK_LINE) _Atomic uint32_t cur;
    /* The worker's thread id while it lives, 0 if the kernel refused its
     * robust futex list; the kernel sets FUTEX_OWNER_DIED in it when the
     * worker exits. In cur's line: the parent reads both for every job. */
    _Atomic uint32_t life;
    _Atomic uint32_t sleeping;  /* counted in ctl->sleepers */
    _Atomic uint32_t ready;     /* startup finished: WORKER_READY or WORKER_FAILED */
    /* The work-groups being run, for the message if the worker dies in them;
     * absolute group numbers (job->first added). */
    _Atomic size_t begin, end;
    /* The last command's outcome: 0 or -1 with err set. */
    int status;
    char err[FORK_ERRLEN];
};

#define WORKER_READY 1u
#define WORKER_FAILED 2u

struct clpool__fork_ctl {
    /* The newest published job (workers' futex word). */
    alignas(FORK_LINE) _Atomic uint32_t gen;
    _Atomic uint32_t sleepers; /* workers in (or entering) a futex wait */
    /* Nonzero while the parent copies with every CPU (copy.c): idle
     * workers stop spinning and sleep. Cleared by the next publication. */
    _Atomic uint32_t nap;
    /* Set by the worker that wakes the sleeping parent, cleared by the
     * parent once it runs: until then spinning workers yield their CPUs.
     * On this line because spinning workers read it with gen; it is
     * written only around a sleep of the parent. */
    _Atomic uint32_t parent_waking;
    /* The last finished job (the parent's futex word). */
    alignas(FORK_LINE) _Atomic uint32_t done_gen;
    _Atomic uint32_t parent_sleeping;
    /* The CPU the parent was on when it began to spin for the newest job
     * (-1: unknown): a worker that finishes it on the same CPU, or spins
     * idle there, has taken the parent's place and yields (worker_main.c:
     * finish(), wait_for_job()). */
    _Atomic int32_t parent_cpu;
    /* Workers that finished starting up (the parent's futex word at open). */
    alignas(FORK_LINE) _Atomic uint32_t nready;
    struct clpool__fork_job jobs[FORK_SLOTS];
    struct clpool__fork_wshared w[]; /* one per worker */
};

/* -------------------------------------------------------------- the arena */

struct clpool__fork_extent {
    size_t off, len;
};

/* Guard pages (see shm.c): the page after each block's data is made
 * inaccessible in every worker, so that a kernel running past a buffer's
 * end dies of SIGSEGV instead of writing into the next buffer. The parent
 * keeps the list, sorted, in shared memory; a worker applies what changed
 * at the start of each map. */
#define FORK_GUARDS_MAX 4096
struct clpool__fork_guards {
    _Atomic uint64_t gen;  /* odd while the parent is changing the list */
    uint32_t n;
    uint32_t page[FORK_GUARDS_MAX]; /* page numbers from the arena's base */
};

/* Freed blocks kept with their pages for a while (see shm.c). */
#define FORK_KEPT 8

struct clpool__fork_arena {
    unsigned char *base;
    size_t size;
    struct clpool__fork_guards *guards; /* shared; NULL: no guard pages */
    /* A worker's own record of the guards it has applied (its copy of
     * this struct; the parent never applies any, so a fresh worker starts
     * from "none"). */
    uint64_t applied_gen;
    uint32_t napplied;
    uint32_t *applied;
    struct clpool__fork_extent *free; /* free extents, sorted by offset, coalesced */
    size_t nfree, cap;
    size_t nblocks; /* blocks handed out or kept; cap > nfree + nblocks keeps free() infallible */
    struct clpool__fork_extent kept[FORK_KEPT]; /* oldest first; off is from base */
    size_t nkept, kept_bytes, kept_max;
};

/* Reserves the arena: as much shared address space as the machine has RAM
 * and swap (less if the kernel refuses). Records the message on failure. */
int clpool__fork_arena_open(struct clpool__fork_arena *a, clpool *pool);
void clpool__fork_arena_close(struct clpool__fork_arena *a);
/* In a worker, before it runs a map: makes its guard pages those of the
 * parent's current list. Inline, one load, when nothing changed: it is on
 * every map's path; clpool__fork_guards_apply (shm.c) does the rest. */
void clpool__fork_guards_apply(struct clpool__fork_arena *a);
static inline void clpool__fork_guards_sync(struct clpool__fork_arena *a)
{
    if (a->guards != NULL &&
        atomic_load_explicit(&a->guards->gen, memory_order_acquire) != a->applied_gen)
        clpool__fork_guards_apply(a);
}
/* bytes of memory, 128-byte aligned and placed so that its end (rounded up
 * to 128 bytes) meets a guard page, with undefined contents; NULL when no free extent is big enough or on
 * allocation failure. */
void *clpool__fork_arena_alloc(struct clpool__fork_arena *a, size_t bytes);
/* Returns the block of bytes at p (as allocated). Its memory goes back to the
 * system now, or, for a few recent blocks, when the room is needed. */
void clpool__fork_arena_free(struct clpool__fork_arena *a, void *p, size_t bytes);

/* A shared anonymous mapping made before fork (the control block); NULL
 * with errno set on failure. */
void *clpool__fork_shared_map(size_t len);
void clpool__fork_shared_unmap(void *p, size_t len);

/* ---------------------------------------------------------------- the pool */

enum clpool__fork_wstate {
    FORK_W_ABSENT = 0, /* no process (not started, reaped, or could not be forked) */
    FORK_W_LIVE        /* running */
};

/* The parent's record of one worker. */
struct clpool__fork_worker {
    pid_t pid;
    int state;
};

/* A program's .so, loaded into every worker under slot pslot. */
struct clpool__fork_prog {
    char *so_path; /* NULL: the slot is free */
};

/* A kernel resolved in every worker under slot kslot. */
struct clpool__fork_kern {
    char *name; /* NULL: the slot is free */
    uint32_t pslot;
};

/* prog->impl and k->impl. */
struct clpool__fork_program {
    uint32_t pslot;
    /* The kernels the build left out (clc/native.h's clpool__refusals) */
    char **refused;
    unsigned char *refused_always;
    size_t nrefused;
};
struct clpool__fork_kernel {
    uint32_t kslot;
    int barriers; /* it reaches a barrier: its groups run as fibers */
};

struct clpool__fork_pool {
    clpool *pool;
    struct clpool__fork_ctl *ctl;
    size_t ctl_len;
    struct clpool__fork_arena arena;
    struct clpool__fork_worker *workers;
    uint32_t nworkers;
    uint32_t nlive;
    uint32_t gen;  /* the last generation published */
    uint32_t next_look; /* the worker whose pid the next job looks at */
    uint32_t ncpus;     /* CPUs this process may run on, at open (ops.c) */
    struct clpool__fork_copier *copier; /* copy.c; NULL until the first large copy */
    pid_t parent;  /* the process that owns the workers */
    /* Slots, indexed by the numbers the workers know them by. Workers forked
     * later read these arrays from their copy of the parent's memory. */
    struct clpool__fork_prog *progs;
    uint32_t nprogs;
    struct clpool__fork_kern *kerns;
    uint32_t nkerns;
    /* The range each job slot holds, as the nd it was made from: a map
     * whose nd is the slot's leaves the slot's range and unit as they are
     * (dispatch.c, start_map; commands touch neither). A slot never used
     * holds dims 0 (the pool is calloc'd), which no map's nd has. */
    clpool__nd slot_nd[FORK_SLOTS];
    /* The map published and not yet waited for (dispatch.c). */
    struct {
        clpool_kernel *k;
        struct clpool__fork_job *job;
        uint32_t gen;
        uint64_t deadline; /* clpool__fork_now_ns() time; 0: no limit */
    } flight;
};

/* --------------------------------------------------------------- workers.c */

/* Forks every absent worker (at open: all of them) and waits until each has
 * started (loaded every live program, resolved every live kernel). Workers
 * that fail are absent again and the first failure's message is recorded.
 * Refused (CLPOOL_ENODEV) in a process that has initialised OpenCL. */
int clpool__fork_respawn_absent(struct clpool__fork_pool *fp);
/* If worker i has died, reaps it, marks it absent and writes how it ended
 * into how ("was killed by SIGSEGV"). Returns 1 if it died, 0 if it lives. */
int clpool__fork_check_dead(struct clpool__fork_pool *fp, uint32_t i, char *how, size_t howlen);
/* Reaps the live workers whose life word says they have exited, and marks
 * them absent; no system call unless one has. Returns how many. */
uint32_t clpool__fork_reap_marked(struct clpool__fork_pool *fp);
/* SIGKILLs worker i, reaps it, marks it absent. */
void clpool__fork_kill(struct clpool__fork_pool *fp, uint32_t i);
/* Asks every worker to exit, waits a bounded time, kills the rest. */
void clpool__fork_stop_all(struct clpool__fork_pool *fp);
/* "SIGSEGV" for SIGSEGV; "signal 70" for one without a name. */
const char *clpool__fork_signame(int sig, char *buf, size_t len);

/* ----------------------------------------------------------- worker_main.c */

/* The body of a worker process: never returns. */
_Noreturn void clpool__fork_worker_main(struct clpool__fork_pool *fp, uint32_t index,
                                        int use_pdeathsig);

/* ----------------------------------------------------------------- sched.c */

/* Claims the next chunk of a map job: 1 and [*begin, *end), or 0 when every
 * item has been claimed. */
int clpool__fork_claim(struct clpool__fork_job *job, size_t *begin, size_t *end);

/* -------------------------------------------------------------- dispatch.c */

/* Takes the next generation and its slot, first waiting until no worker is
 * still inside the job the slot held (a worker stuck there for long is
 * killed: its job is finished). Returns the slot, invalid (gen 0) until
 * published, with *gen_out set. */
struct clpool__fork_job *clpool__fork_job_begin(struct clpool__fork_pool *fp, uint32_t *gen_out);
/* Makes a filled-in slot visible to the workers and wakes the sleeping ones,
 * unless lazy and some worker is awake (then the waiter wakes them later, if
 * the job is still running). */
void clpool__fork_job_publish(struct clpool__fork_pool *fp, struct clpool__fork_job *job,
                              uint32_t gen, int lazy);
/* Runs a command on every live worker and waits for all of them. On
 * CLPOOL_OK each worker's outcome is in ctl->w[i].status / err. */
int clpool__fork_command(struct clpool__fork_pool *fp, uint32_t cmd, uint32_t pslot,
                         uint32_t kslot, const char *text);
/* The map, window_start and window_wait slots: one path, a map being its own
 * single window. */
int clpool__fork_map(clpool_kernel *k, const clpool__nd *nd, const clpool_arg *args,
                     size_t nargs);
int clpool__fork_window_start(clpool_kernel *k, const clpool__nd *nd, size_t begin, size_t count,
                              const clpool_arg *args, const size_t *shift, size_t nargs);
/* k->limits for a fork kernel (its reqd_work_group_size from the parser,
 * and the group size picked when nobody chose one). */
void clpool__fork_kernel_limits(clpool_kernel *k);
/* "items [8192, 12288)" for a 1-D range, "work-groups [3, 5) of 16" for
 * others: the absolute groups [gb, ge) of job's range, in words. */
void clpool__fork_units_words(const struct clpool__fork_job *job, size_t gb, size_t ge, char *buf,
                              size_t len);
int clpool__fork_window_wait(clpool_kernel *k);

/* -------------------------------------------------------------- programs.c */

int clpool__fork_program_build(clpool_program *prog);
void clpool__fork_program_free(clpool_program *prog);
int clpool__fork_kernel_create(clpool_kernel *k);
void clpool__fork_kernel_free(clpool_kernel *k);

/* ----------------------------------------------------------------- sizes.c */

/* Fills the struct parameter sizes of prog's kernels from the tables in the
 * shared object at so_path (clc/sizes.h). */
int clpool__fork_read_sizes(clpool_program *prog, const char *so_path);

/* ----------------------------------------------------------------- guard.c */

/* 1 if an OpenCL driver is loaded in this process (its file name in lib),
 * else 0. See guard.c for why the fork backend asks. */
int clpool__fork_opencl_loaded(char *lib, size_t liblen);

/* ------------------------------------------------------------------ copy.c */

/* memcpy between the caller's memory and the arena, split over the CPUs
 * when it is large (the parent and its helper threads); never fails. */
void clpool__fork_copy(struct clpool__fork_pool *fp, void *dst, const void *src, size_t len);
/* Stops and joins the helper threads, if any were started. */
void clpool__fork_copy_close(struct clpool__fork_pool *fp);

/* ------------------------------------------------------------------ wait.c */

uint64_t clpool__fork_now_ns(void);
/* How long a command may take on this pool: the pool's timeout_ms (at
 * least a second), else default_ns (wait.c). */
uint64_t clpool__fork_command_ns(const struct clpool__fork_pool *fp, uint64_t default_ns);
/* FUTEX_WAIT on a word shared between processes: returns when *word !=
 * expected, when woken, or after timeout_ns (0 = no limit). Spurious
 * returns are possible: callers re-check their condition. */
void clpool__fork_futex_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t timeout_ns);
void clpool__fork_futex_wake(_Atomic uint32_t *word, int count);
/* Sleeps ns nanoseconds (EINTR-safe). */
void clpool__fork_sleep_ns(uint64_t ns);

/* A spin-wait hint: lets the sibling hyperthread run, saves power. */
static inline void clpool__fork_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

#endif /* CLPOOL_FORK_H */
