/*
 * A full cache file system does not stop builds: hits and misses both build
 * (in a private folder elsewhere) and run, on the fork backend (issue 12,
 * item 6). The full file system is a small tmpfs mounted over the cache in
 * a private mount namespace of a child process; where mounting is not
 * allowed the test is skipped.
 */
#include "task.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

static const char src_a[] = "__kernel void k(__global int *o) { o[get_global_id(0)] = 11; }\n";
static const char src_b[] = "__kernel void k(__global int *o) { o[get_global_id(0)] = 22; }\n";

static int build_run(const clpool_config *cfg, const char *src, int *cached)
{
    clpool *pool = test_open_cfg(cfg);
    clpool_program *p = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, src, NULL, &p));
    *cached = p->from_cache;
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_kernel_get(p, "k", &k));
    int out[4] = {0};
    ASSERT_OK(pool, CLPOOL_MAP(k, 4, clpool_out(out, sizeof(int))));
    clpool_program_free(p);
    clpool_close(pool);
    return out[0];
}

static void fill(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT(fd >= 0);
    static char block[65536];
    for (;;) {
        ssize_t n = write(fd, block, sizeof block);
        if (n < 0) {
            ASSERT_EQ(errno, ENOSPC);
            break;
        }
        if (n < (ssize_t)sizeof block) {
            /* the last partial block: one more write says ENOSPC */
            continue;
        }
    }
    ASSERT_EQ(close(fd), 0);
}

static int child(const char *fs) /* fs: under 600 bytes */
{
    if (unshare(CLONE_NEWNS) != 0 && unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        fprintf(stderr, "skipped: no mount namespace (%s)\n", strerror(errno));
        return TEST_SKIP;
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("none", fs, "tmpfs", 0, "size=24m,mode=0700") != 0) {
        fprintf(stderr, "skipped: cannot mount a tmpfs (%s)\n", strerror(errno));
        return TEST_SKIP;
    }
    char cache[640], filler[640];
    snprintf(cache, sizeof cache, "%s/cache", fs);
    snprintf(filler, sizeof filler, "%s/filler", fs);

    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 1;
    cfg.cache_dir = cache;
    int cached = -1;
    ASSERT_EQ(build_run(&cfg, src_a, &cached), 11);
    ASSERT_EQ(build_run(&cfg, src_a, &cached), 11);
    ASSERT_EQ(cached, 1);

    fill(filler);
    /* A hit (the entry is there, but its object cannot be written out to
     * the cache's folder) and a miss both build and run. */
    ASSERT_EQ(build_run(&cfg, src_a, &cached), 11);
    ASSERT_EQ(build_run(&cfg, src_b, &cached), 22);
    ASSERT_EQ(cached, 0);
    ASSERT_EQ(umount(fs), 0);
    return 0;
}

int main(void)
{
    test_tmpdir("cachefull");
    const char *fs = test_under("fs");
    ASSERT_EQ(mkdir(fs, 0700), 0);
    char path[600];
    snprintf(path, sizeof path, "%s", fs);
    fflush(NULL);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0)
        _exit(child(path));
    int st;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    if (WIFSIGNALED(st))
        FAIL_("the child died of signal %d", WTERMSIG(st));
    if (WEXITSTATUS(st) == TEST_SKIP)
        return TEST_SKIP;
    ASSERT_EQ(WEXITSTATUS(st), 0);
    return 0;
}
