/*
 * Workers that die and maps that never end: a kernel that dereferences NULL
 * for one item fails its map with CLPOOL_EWORKER naming the signal, the pid
 * and the kernel; a kernel that loops forever fails with CLPOOL_ETIMEDOUT
 * under a time limit; a worker killed from outside while idle is replaced;
 * a crash in a later chunk of a chunked map names the item range by absolute
 * item numbers.
 * After each, the next map works and no zombie or extra child is left.
 */
#include "task.h"

#include "fork_proc.h"

#include <signal.h>
#include <time.h>

static const char source[] =
    "__kernel void crash(__global uint *out, const uint bad)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    if (i == bad) {\n"
    "        __global volatile uint *null = 0;\n"
    "        *null = 1u;\n"
    "    }\n"
    "    out[i] = (uint)i;\n"
    "}\n"
    "__kernel void spin(__global volatile uint *flag, __global uint *out)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    while (flag[0] == 0u)\n"
    "        ;\n"
    "    out[i] = (uint)i + 1u;\n"
    "}\n";

#define WORKERS 3

static clpool *open_pool(unsigned timeout_ms)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = WORKERS;
    cfg.timeout_ms = timeout_ms;
    clpool *pool = NULL;
    ASSERT_OK(NULL, clpool_open(&cfg, &pool));
    return pool;
}

/* The crash kernel with no bad item: every item writes its index. */
static void check_good_map(clpool *pool, clpool_kernel *crash, size_t n)
{
    uint32_t *out = malloc(n * sizeof *out);
    ASSERT(out != NULL);
    ASSERT_OK(pool, CLPOOL_MAP(crash, n, clpool_out(out, sizeof *out), clpool_u32(UINT32_MAX)));
    for (size_t i = 0; i < n; i++)
        if (out[i] != (uint32_t)i)
            FAIL_("item %zu holds %u", i, out[i]);
    free(out);
}

/* The pool's children are exactly its workers: none dead and unreaped. */
static void check_children(void)
{
    pid_t pids[64];
    size_t n = proc_children(pids, 64);
    ASSERT_EQ(n, WORKERS);
    for (size_t i = 0; i < n; i++) {
        char state = proc_state(pids[i]);
        ASSERT(state != 0);
        if (state == 'Z')
            FAIL_("worker pid %ld is a zombie", (long)pids[i]);
    }
}

static void test_segv(void)
{
    clpool *pool = open_pool(0);
    clpool_program *prog;
    clpool_kernel *crash;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "crash", &crash));
    check_good_map(pool, crash, 1000);

    const size_t n = 200000;
    uint32_t *out = calloc(n, sizeof *out);
    ASSERT(out != NULL);
    for (int round = 0; round < 3; round++) {
        double t0 = test_seconds();
        ASSERT_STATUS(pool, CLPOOL_MAP(crash, n, clpool_out(out, sizeof *out), clpool_u32(77777)),
                      CLPOOL_EWORKER);
        double took = test_seconds() - t0;
        const char *msg = clpool_errmsg(pool);
        fprintf(stderr, "round %d (%.1f ms): %s\n", round, took * 1e3, msg);
        ASSERT_STR_CONTAINS(msg, "SIGSEGV");
        ASSERT_STR_CONTAINS(msg, "(pid ");
        ASSERT_STR_CONTAINS(msg, "kernel 'crash'");
        ASSERT_STR_CONTAINS(msg, "items [");
        ASSERT(took < 2.0); /* noticed promptly, not at some distant timeout */

        /* The dead worker was replaced, with the program loaded. */
        check_children();
        check_good_map(pool, crash, n);
    }
    free(out);
    clpool_program_free(prog);
    clpool_close(pool);
    ASSERT_EQ(proc_children(NULL, 0), 0);
}

/* Host arrays over CLPOOL_MAX_CHUNK_BYTES run in chunks (window_start): a
 * crash in a later chunk names the range it hit in the map's own item
 * numbers, not the chunk's, and the chunks before it delivered their items. */
static void test_chunked_segv(void)
{
    ASSERT_EQ(setenv("CLPOOL_MAX_CHUNK_BYTES", "65536", 1), 0);
    clpool *pool = open_pool(0);
    clpool_program *prog;
    clpool_kernel *crash;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "crash", &crash));

    /* 16384 items a chunk: bad is in the tenth, [147456, 163840). */
    const size_t n = 200000, bad = 150001, per_chunk = 65536 / sizeof(uint32_t);
    uint32_t *out = calloc(n, sizeof *out);
    ASSERT(out != NULL);
    ASSERT_STATUS(pool, CLPOOL_MAP(crash, n, clpool_out(out, sizeof *out), clpool_u32((uint32_t)bad)),
                  CLPOOL_EWORKER);
    const char *msg = clpool_errmsg(pool);
    fprintf(stderr, "chunked: %s\n", msg);
    ASSERT_STR_CONTAINS(msg, "SIGSEGV");
    ASSERT_STR_CONTAINS(msg, "kernel 'crash'");
    const char *items = strstr(msg, "items [");
    ASSERT(items != NULL);
    size_t lo = 0, hi = 0;
    ASSERT_EQ(sscanf(items, "items [%zu, %zu)", &lo, &hi), 2);
    if (!(lo <= bad && bad < hi && lo >= bad / per_chunk * per_chunk &&
          hi <= (bad / per_chunk + 1) * per_chunk))
        FAIL_("the message names items [%zu, %zu), not a range of item %zu's chunk", lo, hi, bad);
    for (size_t i = 0; i < bad / per_chunk * per_chunk; i++)
        if (out[i] != (uint32_t)i)
            FAIL_("item %zu, in a chunk before the crash, holds %u", i, out[i]);

    check_children();
    check_good_map(pool, crash, n); /* chunked too, and whole again */
    free(out);
    clpool_program_free(prog);
    clpool_close(pool);
    ASSERT_EQ(unsetenv("CLPOOL_MAX_CHUNK_BYTES"), 0);
    ASSERT_EQ(proc_children(NULL, 0), 0);
}

static void test_timeout(void)
{
    clpool *pool = open_pool(200);
    clpool_program *prog;
    clpool_kernel *spin;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "spin", &spin));

    clpool_buffer *flag;
    ASSERT_OK(pool, clpool_buffer_new(pool, sizeof(uint32_t), &flag));
    const uint32_t stop = 0, go = 1;
    const size_t n = 100;
    uint32_t out[100];
    for (int round = 0; round < 2; round++) {
        ASSERT_OK(pool, clpool_buffer_write(flag, 0, &stop, sizeof stop));
        double t0 = test_seconds();
        ASSERT_STATUS(pool, CLPOOL_MAP(spin, n, clpool_buf(flag), clpool_out(out, sizeof *out)),
                      CLPOOL_ETIMEDOUT);
        double took = test_seconds() - t0;
        const char *msg = clpool_errmsg(pool);
        fprintf(stderr, "timeout round %d (%.1f ms): %s\n", round, took * 1e3, msg);
        ASSERT_STR_CONTAINS(msg, "kernel 'spin'");
        ASSERT_STR_CONTAINS(msg, "200 ms");
        ASSERT_STR_CONTAINS(msg, "items [");
        ASSERT(took >= 0.2);
        ASSERT(took < 2.0);
        check_children();

        ASSERT_OK(pool, clpool_buffer_write(flag, 0, &go, sizeof go));
        ASSERT_OK(pool, CLPOOL_MAP(spin, n, clpool_buf(flag), clpool_out(out, sizeof *out)));
        for (size_t i = 0; i < n; i++)
            ASSERT_EQ(out[i], i + 1);
    }
    clpool_buffer_free(flag);
    clpool_program_free(prog);
    clpool_close(pool);
    ASSERT_EQ(proc_children(NULL, 0), 0);
}

/* A worker killed while idle (the OOM killer, a user's kill) is replaced;
 * the maps meanwhile still succeed with the workers that are left. */
static void test_killed_idle(void)
{
    clpool *pool = open_pool(0);
    clpool_program *prog;
    clpool_kernel *crash;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "crash", &crash));
    pid_t pids[64];
    ASSERT_EQ(proc_children(pids, 64), WORKERS);
    ASSERT_EQ(kill(pids[1], SIGKILL), 0);
    struct timespec pause = {0, 50000000};
    nanosleep(&pause, NULL);
    for (int i = 0; i < 20; i++)
        check_good_map(pool, crash, 300000);
    check_children();
    clpool_program_free(prog);
    clpool_close(pool);
    ASSERT_EQ(proc_children(NULL, 0), 0);
}

int main(void)
{
    test_segv();
    test_chunked_segv();
    test_timeout();
    test_killed_idle();
    return 0;
}
