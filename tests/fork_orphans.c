/*
 * Workers die with their owner. A program that opens a pool and is then
 * killed (no clpool_close) leaves no worker running: promptly when the pool
 * was opened from the main thread (PR_SET_PDEATHSIG), within about a second
 * when it was opened from another thread (the workers' own parent check).
 * A pool opened from a thread that has since exited keeps its workers.
 */
#include "task.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fork_proc.h"

#define WORKERS 2

static const char source[] =
    "__kernel void inc(__global uint *x)\n"
    "{\n"
    "    x[get_global_id(0)] += 1u;\n"
    "}\n";

/* A killed owner cannot remove its built program: it builds into a cache
 * of its own, which the test removes afterwards. */
static char cache_dir[] = "/tmp/clpool-test-orphans-XXXXXX";

static void *open_in_thread(void *arg)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = WORKERS;
    cfg.cache_dir = cache_dir;
    clpool **out = arg;
    if (clpool_open(&cfg, out) != CLPOOL_OK)
        *out = NULL;
    return NULL;
}

/* Opens a pool (from a thread that then exits, if in_thread), proves that it
 * works, sends its workers' pids down fd, and waits to be killed. */
static _Noreturn void owner(int fd, int in_thread)
{
    clpool *pool = NULL;
    if (in_thread) {
        pthread_t t;
        if (pthread_create(&t, NULL, open_in_thread, &pool) != 0 || pthread_join(t, NULL) != 0)
            _exit(3);
    } else {
        open_in_thread(&pool);
    }
    if (pool == NULL)
        _exit(4);
    clpool_program *prog;
    clpool_kernel *k;
    if (clpool_program_source(pool, source, NULL, &prog) != CLPOOL_OK ||
        clpool_kernel_get(prog, "inc", &k) != CLPOOL_OK)
        _exit(5);
    uint32_t x[1000] = {0};
    /* The opening thread is gone: the workers must still be there. */
    struct timespec wait = {0, 100000000};
    nanosleep(&wait, NULL);
    for (int r = 0; r < 10; r++)
        if (CLPOOL_MAP(k, 1000, clpool_inout(x, sizeof *x)) != CLPOOL_OK)
            _exit(6);
    for (int i = 0; i < 1000; i++)
        if (x[i] != 10)
            _exit(7);
    pid_t pids[WORKERS];
    if (proc_children(pids, WORKERS) != WORKERS)
        _exit(8);
    if (write(fd, pids, sizeof pids) != (ssize_t)sizeof pids)
        _exit(9);
    for (;;)
        (void)pause();
}

static void run(int in_thread, double limit)
{
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        close(fds[0]);
        owner(fds[1], in_thread);
    }
    close(fds[1]);
    pid_t pids[WORKERS];
    ssize_t got;
    do
        got = read(fds[0], pids, sizeof pids);
    while (got < 0 && errno == EINTR);
    close(fds[0]);
    if (got != (ssize_t)sizeof pids) {
        int st = 0;
        waitpid(child, &st, 0);
        FAIL_("the owner process failed (exit status %d)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }

    ASSERT_EQ(kill(child, SIGKILL), 0);
    ASSERT_EQ(waitpid(child, NULL, 0), child);
    double t0 = test_seconds();
    for (int i = 0; i < WORKERS; i++) {
        while (!proc_gone(pids[i])) {
            if (test_seconds() - t0 > limit)
                FAIL_("worker pid %ld still runs %.1f s after its owner was killed (%s)",
                      (long)pids[i], test_seconds() - t0, in_thread ? "thread" : "main thread");
            struct timespec wait = {0, 5000000};
            nanosleep(&wait, NULL);
        }
    }
    fprintf(stderr, "pool opened from %s: workers gone %.3f s after the owner\n",
            in_thread ? "another thread" : "the main thread", test_seconds() - t0);
}

int main(void)
{
    ASSERT(mkdtemp(cache_dir) != NULL);
    run(0, 0.5);
    run(1, 3.0);
    ASSERT_EQ(test_remove_tree(cache_dir), 0);
    return 0;
}
