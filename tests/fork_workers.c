/*
 * Worker counts and the pool's footprint: one worker, three per CPU, bad
 * counts refused; open/close again and again leaves no child process, no
 * descriptor and no mapping behind; idle workers sleep.
 */
#include "task.h"

#include "fork_proc.h"

#include <time.h>

/* Is this process running under valgrind? Its preload library is mapped. */
static int under_valgrind(void)
{
    FILE *f = fopen("/proc/self/maps", "re");
    if (f == NULL)
        return 0;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, f) != NULL)
        found = strstr(line, "vgpreload") != NULL;
    fclose(f);
    return found;
}

/* Is this an AddressSanitizer build? ASan keeps the stack of every
 * allocation in a depot it grows by mapping 64 KiB at a time, whenever
 * allocations from call paths it has not seen before fill the last one. */
static int under_asan(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return 1;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return 1;
#else
    return 0;
#endif
#else
    return 0;
#endif
}

static const char source[] =
    "__kernel void square(__global const uint *in, __global uint *out)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    out[i] = in[i] * in[i];\n"
    "}\n";

static clpool *open_workers(int workers)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = workers;
    clpool *pool = NULL;
    ASSERT_OK(NULL, clpool_open(&cfg, &pool));
    return pool;
}

/* Builds, maps and checks a small program on pool. */
static void exercise(clpool *pool, size_t n)
{
    clpool_program *prog;
    clpool_kernel *k;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "square", &k));
    uint32_t *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
    ASSERT(in && out);
    for (size_t i = 0; i < n; i++)
        in[i] = (uint32_t)(i * 2654435761u);
    ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_in(in, sizeof *in), clpool_out(out, sizeof *out)));
    for (size_t i = 0; i < n; i++)
        if (out[i] != in[i] * in[i])
            FAIL_("item %zu: %u, want %u", i, out[i], in[i] * in[i]);
    free(in);
    free(out);
    clpool_program_free(prog);
}

static void test_counts(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    ASSERT_GE(online, 1);

    clpool *pool = open_workers(1);
    ASSERT_STR_CONTAINS(clpool_describe(pool), "fork: 1 worker process");
    ASSERT_EQ(proc_children(NULL, 0), 1);
    exercise(pool, 100000);
    clpool_close(pool);

    pool = open_workers((int)(3 * online));
    ASSERT_EQ(proc_children(NULL, 0), 3 * online);
    exercise(pool, 100000);
    exercise(pool, 5); /* most workers get nothing */
    clpool_close(pool);

    pool = open_workers(0);
    ASSERT_EQ(proc_children(NULL, 0), online);
    clpool_close(pool);

    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = -1;
    ASSERT_STATUS(NULL, clpool_open(&cfg, &pool), CLPOOL_EINVAL);
    cfg.workers = 100000;
    ASSERT_STATUS(NULL, clpool_open(&cfg, &pool), CLPOOL_EINVAL);
    ASSERT_STR_CONTAINS(clpool_errmsg(NULL), "100000");
    ASSERT_EQ(proc_children(NULL, 0), 0);
}

static void test_no_leftovers(void)
{
    /* Warm up what the C library opens or maps once (locale, dlopen's
     * caches) so that only the pool's own resources are counted. */
    clpool *pool = open_workers(2);
    exercise(pool, 1000);
    clpool_close(pool);

    size_t fds = proc_count_fds(), maps = proc_count_maps();
    for (int round = 0; round < 20; round++) {
        pool = open_workers(1 + round % 4);
        if (round % 2 == 0)
            exercise(pool, 1000 + (size_t)round);
        clpool_buffer *b;
        ASSERT_OK(pool, clpool_buffer_new(pool, 12345, &b)); /* left for close to free */
        clpool_close(pool);
        ASSERT_EQ(proc_children(NULL, 0), 0);
        ASSERT_EQ(proc_count_fds(), fds);
        /* valgrind and ASan map memory of their own in the process, so
         * the count only means something without them. */
        if (!under_valgrind() && !under_asan())
            ASSERT_EQ(proc_count_maps(), maps);
    }
}

/* After a second without maps, the workers together use under 5% of a core. */
static void test_idle(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    clpool *pool = open_workers(0);
    exercise(pool, 1000000);
    pid_t pids[1024];
    size_t n = proc_children(pids, 1024);
    ASSERT_EQ(n, online);
    struct timespec pause = {1, 0};
    nanosleep(&pause, NULL);

    long long before = 0, after = 0;
    for (size_t i = 0; i < n; i++)
        before += proc_cpu_ticks(pids[i]);
    double t0 = test_seconds();
    nanosleep(&pause, NULL);
    double elapsed = test_seconds() - t0;
    for (size_t i = 0; i < n; i++)
        after += proc_cpu_ticks(pids[i]);
    double share = (double)(after - before) / (double)sysconf(_SC_CLK_TCK) / elapsed;
    fprintf(stderr, "idle: %zu workers used %.2f%% of a core over %.2f s\n", n, 100.0 * share,
            elapsed);
    ASSERT(share < 0.05);
    clpool_close(pool);
}

int main(void)
{
    test_counts();
    test_no_leftovers();
    test_idle();
    return 0;
}
