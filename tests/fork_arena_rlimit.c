/*
 * The fork backend's arena reserves address space the process may map, not
 * all of it: under RLIMIT_AS (ulimit -v) the program's own allocations that
 * fit before clpool_open still fit after it (issue 12, item 7). Runs in a
 * child, which sets the limit to what it maps now plus 4 GiB.
 */
#include "task.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static size_t mapped_now(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    ASSERT(f != NULL);
    unsigned long pages = 0;
    ASSERT_EQ(fscanf(f, "%lu", &pages), 1);
    fclose(f);
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

/* The largest malloc that succeeds, to 64 MiB. */
static size_t largest_malloc(void)
{
    size_t lo = 0, hi = (size_t)8 << 30, step = (size_t)64 << 20;
    while (hi - lo > step) {
        size_t mid = lo + (hi - lo) / 2;
        void *p = malloc(mid);
        if (p != NULL) {
            free(p);
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static int child(void)
{
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max = (rlim_t)(mapped_now() + ((size_t)4 << 30));
    ASSERT_EQ(setrlimit(RLIMIT_AS, &rl), 0);
    size_t before = largest_malloc();
    ASSERT_GT(before, (size_t)3 << 30);

    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 1;
    clpool *pool = test_open_cfg(&cfg);
    size_t after = largest_malloc();
    fprintf(stderr, "largest malloc: %zu MiB before clpool_open, %zu MiB after\n", before >> 20,
            after >> 20);
    if (after < before / 4 * 3)
        FAIL_("the arena took %zu of the %zu MiB the process could allocate",
              (before - after) >> 20, before >> 20);
    void *p = malloc((size_t)1500 << 20);
    ASSERT(p != NULL);
    free(p);

    /* The pool still works under the limit. */
    clpool_buffer *b = NULL;
    ASSERT_OK(pool, clpool_buffer_new(pool, (size_t)16 << 20, &b));
    clpool_buffer_free(b);
    clpool_close(pool);
    return 0;
}

int main(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    fprintf(stderr, "skipped: a sanitizer's shadow memory does not fit under RLIMIT_AS\n");
    return TEST_SKIP;
#endif
    fflush(NULL);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0)
        _exit(child());
    int st;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    if (WIFSIGNALED(st))
        FAIL_("the child died of signal %d", WTERMSIG(st));
    return WEXITSTATUS(st);
}
