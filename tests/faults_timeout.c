/*
 * The pool's time limit: with timeout_ms = 200 a kernel that never ends
 * fails its map with CLPOOL_ETIMEDOUT, promptly, with a message naming the
 * kernel and the items left unfinished; the workers running it are killed and
 * replaced, the next map works, and after close no child is left. Also set
 * through CLPOOL_TIMEOUT_MS, which clpool_config_init reads.
 */
#include "faults_util.h"

static const char source[] =
    "__kernel void endless(__global uint *out, const uint forever)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    volatile uint spin = forever;\n"
    "    while (spin)\n"
    "        ;\n"
    "    out[i] = (uint)i * 3u;\n"
    "}\n";

static void run(int workers, int from_env)
{
    size_t fds0 = proc_count_fds();
    size_t children0 = proc_children(NULL, 0);
    clpool_config cfg;
    if (from_env)
        ASSERT_EQ(setenv("CLPOOL_TIMEOUT_MS", "200", 1), 0);
    clpool_config_init(&cfg);
    if (from_env)
        ASSERT_EQ(unsetenv("CLPOOL_TIMEOUT_MS"), 0);
    else
        cfg.timeout_ms = 200;
    ASSERT_EQ(cfg.timeout_ms, 200);
    cfg.backend = CLPOOL_FORK;
    cfg.workers = workers;
    clpool *pool = NULL;
    ASSERT_OK(NULL, clpool_open(&cfg, &pool));
    clpool_program *prog;
    clpool_kernel *k;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "endless", &k));

    const size_t n = 10000;
    uint32_t *out = malloc(n * sizeof *out);
    ASSERT(out != NULL);
    for (int round = 0; round < 2; round++) {
        char phase[96];
        snprintf(phase, sizeof phase, "%d workers, endless map, round %d", workers, round);
        faults_phase(phase);
        double t0 = faults_now_ms();
        ASSERT_STATUS(pool, CLPOOL_MAP(k, n, clpool_out(out, sizeof *out), clpool_u32(1)),
                      CLPOOL_ETIMEDOUT);
        double took = faults_now_ms() - t0;
        const char *msg = clpool_errmsg(pool);
        fprintf(stderr, "%d workers, round %d: %.1f ms: %s\n", workers, round, took, msg);
        ASSERT_GE(took, 199.0);
        ASSERT_LT(took, 1200.0 * faults_time_scale());
        ASSERT_STR_CONTAINS(msg, "kernel 'endless'");
        ASSERT_STR_CONTAINS(msg, "200 ms");
        ASSERT_STR_CONTAINS(msg, "unfinished");
        ASSERT_STR_CONTAINS(msg, "items [");
        /* "N of 10000 items unfinished": all of them, since none can end. */
        char all[64];
        snprintf(all, sizeof all, "%zu of %zu items unfinished", n, n);
        ASSERT_STR_CONTAINS(msg, all);
        faults_check_children(children0 + (size_t)workers);

        faults_phase("the map after a timeout");
        ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_out(out, sizeof *out), clpool_u32(0)));
        for (size_t i = 0; i < n; i++)
            if (out[i] != (uint32_t)(i * 3u))
                FAIL_("after a timeout: item %zu holds %u", i, out[i]);
    }
    free(out);
    faults_close_and_check(pool, prog, children0, fds0);
}

int main(void)
{
    faults_watchdog(120);
    run(1, 0);
    run(2, 1);
    run(4, 0);
    return 0;
}
