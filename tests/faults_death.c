/*
 * Workers that die, every way a process can: a kernel that kills its own
 * worker for one chosen item (SIGSEGV, SIGBUS, SIGFPE, SIGILL, abort, _exit),
 * SIGKILL and the other signals sent from outside while a long map runs, and
 * the same signals sent to an idle worker between maps. With 1, 2 and 4
 * workers, each death is injected in the middle of a chunk (before the item
 * writes its result) and while results are being written (after the item
 * stored its own). Each map must fail promptly with CLPOOL_EWORKER and a
 * message naming the worker, its pid, the signal or exit status, the kernel
 * and an item range holding the item that died; the next map must work; and
 * after close the process has the descriptors and children it had before.
 *
 * The summary line at the end is what the report quotes:
 *   faults injected: N, hangs: 0, median death-to-error: X ms
 * For a death from outside, "death" is the moment of the kill; for a death
 * inside a kernel it is the map's start (the chosen item is among the first
 * each worker runs, so this is an upper bound).
 */
#include "faults_util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>

static const char source[] =
    "void abort(void);\n"
    "void _exit(int);\n"
    "int raise(int);\n"
    "\n"
    "/* Dies for item bad: mode says how; after != 0 dies after writing. */\n"
    "__kernel void die(__global uint *out, const uint bad, const uint mode, const uint after)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    if (after)\n"
    "        out[i] = (uint)i;\n"
    "    if (i == bad) {\n"
    "        volatile int zero = 0, one = 1;\n"
    "        __global volatile int *null = 0;\n"
    "        switch (mode) {\n"
    "        case 0: *null = 1; break;\n"
    "        case 1: raise(7); break;            /* SIGBUS on Linux */\n"
    "        case 2: out[i] = (uint)(one / zero); break;\n"
    "        case 3: __builtin_trap(); break;    /* SIGILL (ud2) on x86 */\n"
    "        case 4: abort(); break;\n"
    "        case 5: _exit(3); break;\n"
    "        }\n"
    "    }\n"
    "    if (!after)\n"
    "        out[i] = (uint)i;\n"
    "}\n"
    "\n"
    "/* Runs until flag[0] is set: a map that lasts until a worker is killed. */\n"
    "__kernel void spin(__global volatile uint *flag, __global uint *out)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    while (flag[0] == 0u)\n"
    "        ;\n"
    "    out[i] = (uint)i + 1u;\n"
    "}\n";

struct mode {
    const char *name;
    const char *expect; /* in the message */
};
static const struct mode modes[] = {
    {"NULL write", "SIGSEGV"}, {"raise(SIGBUS)", "SIGBUS"}, {"divide by zero", "SIGFPE"},
    {"__builtin_trap", "SIGILL"}, {"abort", "SIGABRT"},     {"_exit(3)", "exited with status 3"},
};
#define NMODES (sizeof modes / sizeof modes[0])

static const struct {
    int sig;
    const char *name;
} outside[] = {
    {SIGKILL, "SIGKILL"}, {SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"},
    {SIGFPE, "SIGFPE"},   {SIGILL, "SIGILL"},   {SIGABRT, "SIGABRT"},
};
#define NOUTSIDE (sizeof outside / sizeof outside[0])

#define MAX_FAULTS 512
static double latencies[MAX_FAULTS];
static size_t injected, measured;

static void record(double ms)
{
    injected++;
    if (measured < MAX_FAULTS)
        latencies[measured++] = ms;
}

/* Every worker writes its index: the pool works. */
static void check_good_map(clpool *pool, clpool_kernel *die, size_t n)
{
    uint32_t *out = malloc(n * sizeof *out);
    ASSERT(out != NULL);
    ASSERT_OK(pool, CLPOOL_MAP(die, n, clpool_out(out, sizeof *out), clpool_u32(UINT32_MAX),
                               clpool_u32(0), clpool_u32(0)));
    for (size_t i = 0; i < n; i++)
        if (out[i] != (uint32_t)i)
            FAIL_("after a death: item %zu holds %u", i, out[i]);
    free(out);
}

/* The message names the worker, a pid, how it died, the kernel and an item
 * range; the range holds item (unless item is SIZE_MAX). */
static void check_message(const char *msg, const char *how, const char *kernel, size_t item)
{
    ASSERT_STR_CONTAINS(msg, "worker ");
    ASSERT_STR_CONTAINS(msg, "(pid ");
    ASSERT_STR_CONTAINS(msg, how);
    char k[64];
    snprintf(k, sizeof k, "kernel '%s'", kernel);
    ASSERT_STR_CONTAINS(msg, k);
    const char *r = strstr(msg, "items [");
    if (r == NULL)
        FAIL_("no item range in \"%s\"", msg);
    size_t begin, end;
    if (sscanf(r, "items [%zu, %zu)", &begin, &end) != 2)
        FAIL_("unreadable item range in \"%s\"", msg);
    ASSERT_LT(begin, end);
    if (item != SIZE_MAX && (item < begin || item >= end))
        FAIL_("item %zu is not in the range named by \"%s\"", item, msg);
    const char *p = strstr(msg, "(pid ");
    long pid = 0;
    ASSERT_EQ(sscanf(p, "(pid %ld)", &pid), 1);
    ASSERT_GT(pid, 1);
}

static void deaths_inside(clpool *pool, clpool_kernel *die, int workers)
{
    const size_t n = 4096;
    uint32_t *out = malloc(n * sizeof *out);
    ASSERT(out != NULL);
    for (size_t m = 0; m < NMODES; m++) {
        for (uint32_t after = 0; after < 2; after++) {
            char phase[160];
            snprintf(phase, sizeof phase, "%d workers, %s %s", workers, modes[m].name,
                     after ? "while writing results" : "mid-chunk");
            faults_phase(phase);
            /* Mid-chunk: an item in the middle of the range. While writing:
             * the item has stored its result when it dies, the last one. */
            const size_t bad = after ? n - 1 : n / 2 + 17;
            double t0 = faults_now_ms();
            ASSERT_STATUS(pool,
                          CLPOOL_MAP(die, n, clpool_out(out, sizeof *out), clpool_u32((uint32_t)bad),
                                     clpool_u32((uint32_t)m), clpool_u32(after)),
                          CLPOOL_EWORKER);
            double took = faults_now_ms() - t0;
            const char *msg = clpool_errmsg(pool);
            check_message(msg, modes[m].expect, "die", bad);
            if (took >= 1000.0 * faults_time_scale())
                FAIL_("%s: the error came after %.0f ms", phase, took);
            record(took);
            check_good_map(pool, die, n);
            faults_check_children((size_t)workers);
        }
    }
    free(out);
}

/* Sends sig to pid after delay_ms, from another thread, and records when. */
struct killer {
    pid_t pid;
    int sig;
    unsigned delay_ms;
    double killed_at;
    atomic_int done;
};

static void *killer_main(void *arg)
{
    struct killer *k = arg;
    faults_sleep_ms(k->delay_ms);
    k->killed_at = faults_now_ms();
    if (kill(k->pid, k->sig) != 0)
        k->killed_at = -1.0;
    atomic_store(&k->done, 1);
    return NULL;
}

static void deaths_outside_busy(clpool *pool, clpool_kernel *spin, int workers)
{
    clpool_buffer *flag;
    ASSERT_OK(pool, clpool_buffer_new(pool, sizeof(uint32_t), &flag));
    const uint32_t stop = 0;
    /* Enough items that every worker claims a chunk (and spins in it). */
    const size_t n = 4096;
    static uint32_t out[4096];
    for (size_t s = 0; s < NOUTSIDE; s++) {
        char phase[160];
        snprintf(phase, sizeof phase, "%d workers, %s from outside during a map", workers,
                 outside[s].name);
        faults_phase(phase);
        ASSERT_OK(pool, clpool_buffer_write(flag, 0, &stop, sizeof stop));
        pid_t pids[16];
        ASSERT_EQ(proc_children(pids, 16), workers);
        struct killer k = {pids[s % (size_t)workers], outside[s].sig,
                           (unsigned)(100 * faults_time_scale()), 0.0, 0};
        /* Detached: the pool forks a replacement worker while this thread
         * may still exist, and a forked copy of an unjoined thread is not a
         * leak of ours (ThreadSanitizer would say it is). */
        pthread_t th;
        ASSERT_EQ(pthread_create(&th, NULL, killer_main, &k), 0);
        ASSERT_EQ(pthread_detach(th), 0);
        ASSERT_STATUS(pool, CLPOOL_MAP(spin, n, clpool_buf(flag), clpool_out(out, sizeof *out)),
                      CLPOOL_EWORKER);
        double returned = faults_now_ms();
        while (!atomic_load(&k.done))
            faults_sleep_ms(1);
        ASSERT(k.killed_at > 0.0);
        const char *msg = clpool_errmsg(pool);
        check_message(msg, outside[s].name, "spin", SIZE_MAX);
        char pidstr[32];
        snprintf(pidstr, sizeof pidstr, "(pid %ld)", (long)k.pid);
        ASSERT_STR_CONTAINS(msg, pidstr);
        if (returned - k.killed_at >= 1000.0 * faults_time_scale())
            FAIL_("%s: the error came %.0f ms after the kill", phase, returned - k.killed_at);
        record(returned - k.killed_at);
        faults_check_children((size_t)workers);
    }
    clpool_buffer_free(flag);
}

/* A worker killed between maps: by the time the next map is published the
 * pool has replaced it, so the map works and every worker is back. */
static void deaths_outside_idle(clpool *pool, clpool_kernel *die, int workers)
{
    const size_t n = 100000;
    uint32_t *out = malloc(n * sizeof *out);
    ASSERT(out != NULL);
    for (size_t s = 0; s < NOUTSIDE; s++) {
        char phase[160];
        snprintf(phase, sizeof phase, "%d workers, %s from outside while idle", workers,
                 outside[s].name);
        faults_phase(phase);
        pid_t pids[16];
        ASSERT_EQ(proc_children(pids, 16), workers);
        pid_t victim = pids[(s + 1) % (size_t)workers];
        ASSERT_EQ(kill(victim, outside[s].sig), 0);
        /* Dead for sure (a zombie) before the map starts. */
        double t0 = faults_now_ms();
        while (proc_state(victim) != 'Z' &&
               faults_now_ms() - t0 < 1000.0 * faults_time_scale())
            faults_sleep_ms(1);
        ASSERT_EQ(proc_state(victim), 'Z');
        injected++;
        /* The death happened before the map: the pool replaces the worker
         * before it publishes the map, which must not fail for it. */
        ASSERT_OK(pool, CLPOOL_MAP(die, n, clpool_out(out, sizeof *out), clpool_u32(UINT32_MAX),
                                   clpool_u32(0), clpool_u32(0)));
        for (size_t i = 0; i < n; i++)
            if (out[i] != (uint32_t)i)
                FAIL_("map after an idle death: item %zu holds %u", i, out[i]);
        faults_check_children((size_t)workers);
        check_good_map(pool, die, 1000);
    }
    free(out);
}

static void run(int workers)
{
    size_t children0, fds0;
    clpool *pool = faults_open_fork(workers, &children0, &fds0);
    clpool_program *prog;
    clpool_kernel *die, *spin;
    faults_phase("building the program");
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "die", &die));
    ASSERT_OK(pool, clpool_kernel_get(prog, "spin", &spin));
    check_good_map(pool, die, 1000);
    faults_check_children(children0 + (size_t)workers);

    deaths_inside(pool, die, workers);
    deaths_outside_busy(pool, spin, workers);
    deaths_outside_idle(pool, die, workers);

    faults_close_and_check(pool, prog, children0, fds0);
}

int main(void)
{
    faults_watchdog(240);
    faults_each_worker_count(run);
    double median = faults_median(latencies, measured);
    printf("faults injected: %zu, hangs: 0, median death-to-error: %.1f ms\n", injected, median);
    fprintf(stderr, "(death-to-error over %zu timed faults: min %.1f, max %.1f ms)\n", measured,
            latencies[0], latencies[measured - 1]);
    return 0;
}
