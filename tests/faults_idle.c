/*
 * Workers killed from outside while the pool is idle: the next call must
 * simply work, the pool replacing the lost workers before it publishes the
 * job, with no error for the caller to retry on.
 *
 * With 1, 2 and 4 workers, after a SIGKILL to an idle worker (or to all of
 * them):
 *  - a build of a source the pool has never seen (so it has to be compiled
 *    and loaded by every worker) started at once, then a kernel from it and
 *    a map, all succeed;
 *  - a kernel looked up at once on an already built program succeeds (the
 *    worker may not have finished dying when the lookup is published);
 *  - a map started once the worker is a zombie succeeds, on every worker
 *    count, one worker included;
 * the pool has all its workers back after each, and after close the process
 * has the descriptors and children it had before.
 */
#include "faults_util.h"

#include <signal.h>
#include <stdint.h>

/* A source no pool (and no cache) has seen: the build compiles and the
 * workers load a new shared object. */
static void fresh_source(char *buf, size_t len)
{
    static unsigned counter;
    snprintf(buf, len,
             "/* faults_idle: pid %ld, build %u, at %.0f ms */\n"
             "__kernel void add(__global uint *out, const uint k)\n"
             "{\n"
             "    const size_t i = get_global_id(0);\n"
             "    out[i] = (uint)i + k;\n"
             "}\n"
             "__kernel void twice(__global uint *out)\n"
             "{\n"
             "    const size_t i = get_global_id(0);\n"
             "    out[i] = 2u * (uint)i;\n"
             "}\n",
             (long)getpid(), counter++, faults_now_ms());
}

/* The map works on the workers the pool has: every item written. */
static void check_add(clpool *pool, clpool_kernel *add, uint32_t k)
{
    enum { N = 10000 };
    static uint32_t out[N];
    memset(out, 0xff, sizeof out);
    ASSERT_OK(pool, CLPOOL_MAP(add, N, clpool_out(out, sizeof *out), clpool_u32(k)));
    for (size_t i = 0; i < N; i++)
        if (out[i] != (uint32_t)i + k)
            FAIL_("item %zu holds %u, want %u (while: %s)", i, out[i], (uint32_t)i + k,
                  faults_phase_);
}

static void check_twice(clpool *pool, clpool_kernel *twice)
{
    enum { N = 10000 };
    static uint32_t out[N];
    ASSERT_OK(pool, CLPOOL_MAP(twice, N, clpool_out(out, sizeof *out)));
    for (size_t i = 0; i < N; i++)
        if (out[i] != 2u * (uint32_t)i)
            FAIL_("item %zu holds %u (while: %s)", i, out[i], faults_phase_);
}

/* SIGKILLs the workers chosen by mask (bit i: the i-th child); returns how
 * many. */
static int kill_workers(int workers, unsigned mask)
{
    pid_t pids[16];
    ASSERT_EQ(proc_children(pids, 16), workers);
    int killed = 0;
    for (int i = 0; i < workers; i++) {
        if (mask & (1u << i)) {
            ASSERT_EQ(kill(pids[i], SIGKILL), 0);
            killed++;
        }
    }
    return killed;
}

/* Waits (bounded) until pid is a zombie or gone: dead for sure. */
static void wait_dead(pid_t pid)
{
    double t0 = faults_now_ms();
    char s;
    while ((s = proc_state(pid)) != 'Z' && s != 0 &&
           faults_now_ms() - t0 < 1000.0 * faults_time_scale())
        faults_sleep_ms(1);
    s = proc_state(pid);
    if (s != 'Z' && s != 0)
        FAIL_("pid %ld is still in state %c a second after SIGKILL", (long)pid, s);
}

/* Kill, then at once build a new program, get its kernels, map. */
static void build_after_kill(clpool *pool, int workers, unsigned mask, const char *what)
{
    char phase[160], source[1024];
    snprintf(phase, sizeof phase, "%d workers: %s, then a build at once", workers, what);
    faults_phase(phase);
    fresh_source(source, sizeof source);
    kill_workers(workers, mask);
    clpool_program *prog = NULL;
    clpool_kernel *add = NULL, *twice = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "add", &add));
    ASSERT_OK(pool, clpool_kernel_get(prog, "twice", &twice));
    check_add(pool, add, 7);
    check_twice(pool, twice);
    faults_check_children((size_t)workers);
    clpool_program_free(prog);
}

/* Build first; kill, then at once look up a kernel: the lookup may be
 * published before the worker has finished dying. */
static void resolve_after_kill(clpool *pool, int workers, unsigned mask, const char *what)
{
    char phase[160], source[1024];
    snprintf(phase, sizeof phase, "%d workers: %s, then a kernel lookup at once", workers,
             what);
    faults_phase(phase);
    fresh_source(source, sizeof source);
    clpool_program *prog = NULL;
    clpool_kernel *add = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    kill_workers(workers, mask);
    ASSERT_OK(pool, clpool_kernel_get(prog, "add", &add));
    check_add(pool, add, 11);
    faults_check_children((size_t)workers);
    clpool_program_free(prog);
}

/* Kill, wait until the worker is dead, then map: the map is not where the
 * death happened, so it must not fail for it. */
static void map_after_death(clpool *pool, clpool_kernel *add, int workers, unsigned mask,
                            const char *what)
{
    char phase[160];
    snprintf(phase, sizeof phase, "%d workers: %s, then a map once dead", workers, what);
    faults_phase(phase);
    pid_t pids[16];
    ASSERT_EQ(proc_children(pids, 16), workers);
    kill_workers(workers, mask);
    for (int i = 0; i < workers; i++)
        if (mask & (1u << i))
            wait_dead(pids[i]);
    check_add(pool, add, 3);
    faults_check_children((size_t)workers);
}

static void run(int workers)
{
    size_t children0, fds0;
    clpool *pool = faults_open_fork(workers, &children0, &fds0);

    char source[1024];
    fresh_source(source, sizeof source);
    clpool_program *prog;
    clpool_kernel *add;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "add", &add));
    check_add(pool, add, 1);

    const unsigned all = (1u << workers) - 1u;
    for (int round = 0; round < 3; round++) {
        const unsigned one = 1u << (round % workers);
        build_after_kill(pool, workers, one, "one worker killed while idle");
        resolve_after_kill(pool, workers, one, "one worker killed while idle");
        map_after_death(pool, add, workers, one, "one worker killed while idle");
    }
    build_after_kill(pool, workers, all, "every worker killed while idle");
    resolve_after_kill(pool, workers, all, "every worker killed while idle");
    map_after_death(pool, add, workers, all, "every worker killed while idle");

    faults_close_and_check(pool, prog, children0, fds0);
}

int main(void)
{
    faults_watchdog(240);
    faults_each_worker_count(run);
    return 0;
}
