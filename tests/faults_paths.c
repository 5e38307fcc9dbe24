/*
 * Paths and processes that used to mislead or stall (issue 12, item 14):
 *   - a cache directory its owner cannot write (mode 0500) is described as
 *     off, with the reason, not as in use;
 *   - a relative cache directory is resolved once, at clpool_open: a later
 *     chdir does not move the cache;
 *   - clpool_program_file on a FIFO returns at once (not a regular file)
 *     instead of blocking in open();
 *   - clpool_close in a forked child leaves the parent's workers alone.
 */
#include "task.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static const char source[] =
    "__kernel void k(__global int *o) { o[get_global_id(0)] = 5; }\n";

static int run_k(clpool *pool)
{
    clpool_program *p = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &p));
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_kernel_get(p, "k", &k));
    int out[4] = {0};
    ASSERT_OK(pool, CLPOOL_MAP(k, 4, clpool_out(out, sizeof(int))));
    clpool_program_free(p);
    return out[0];
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strlen(e->d_name) == 64;
    closedir(d);
    return n;
}

static int unwritable_child(void)
{
    /* root may write anywhere: be somebody else. */
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
        fprintf(stderr, "skipped: cannot drop to uid 65534\n");
        return TEST_SKIP;
    }
    char dir[] = "/tmp/clpool-ro-cache-XXXXXX";
    ASSERT(mkdtemp(dir) != NULL);
    ASSERT_EQ(chmod(dir, 0500), 0);
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 1;
    cfg.cache_dir = dir;
    clpool *pool = test_open_cfg(&cfg);
    const char *d = clpool_describe(pool);
    int ok = strstr(d, "cache: off (") != NULL && strstr(d, "not writable") != NULL;
    if (!ok)
        fprintf(stderr, "a mode 0500 cache directory is described as: %s\n", d);
    clpool_close(pool);
    ASSERT_EQ(rmdir(dir), 0);
    return ok ? 0 : 1;
}

static void test_unwritable(void)
{
    fflush(NULL);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0)
        _exit(unwritable_child());
    int st;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    ASSERT(WIFEXITED(st));
    if (WEXITSTATUS(st) != TEST_SKIP)
        ASSERT_EQ(WEXITSTATUS(st), 0);
}

static void test_relative(void)
{
    char cwd[4096];
    ASSERT(getcwd(cwd, sizeof cwd) != NULL);
    const char *base = test_under("rel");
    ASSERT_EQ(mkdir(base, 0700), 0);
    const char *away = test_under("away");
    ASSERT_EQ(mkdir(away, 0700), 0);
    ASSERT_EQ(chdir(base), 0);

    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 1;
    cfg.cache_dir = "relcache";
    clpool *pool = test_open_cfg(&cfg);
    char want[600];
    snprintf(want, sizeof want, "cache: %s/relcache", base);
    ASSERT_STR_CONTAINS(clpool_describe(pool), want);

    ASSERT_EQ(chdir(away), 0);
    ASSERT_EQ(run_k(pool), 5);
    char at_base[600], at_away[600];
    snprintf(at_base, sizeof at_base, "%s/relcache", base);
    snprintf(at_away, sizeof at_away, "%s/relcache", away);
    ASSERT_GE(count_entries(at_base), 1);
    struct stat st;
    if (stat(at_away, &st) == 0)
        FAIL_("after chdir the cache moved to %s", at_away);
    clpool_close(pool);
    ASSERT_EQ(chdir(cwd), 0);
}

static void test_fifo(clpool *pool)
{
    const char *fifo = test_under("kernel.cl");
    ASSERT_EQ(mkfifo(fifo, 0600), 0);
    alarm(20); /* a blocking open() would hang here: die instead */
    clpool_program *p = NULL;
    ASSERT_STATUS(pool, clpool_program_file(pool, fifo, NULL, &p), CLPOOL_EIO);
    alarm(0);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "not a regular file");
}

static void test_child_close(clpool *pool)
{
    ASSERT_EQ(run_k(pool), 5);
    fflush(NULL);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        clpool_close(pool);
        _exit(0);
    }
    int st;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* The parent's pool still has its workers and runs maps. */
    clpool_program *p = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &p));
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_kernel_get(p, "k", &k));
    int out[4] = {0};
    int rc = CLPOOL_MAP(k, 4, clpool_out(out, sizeof(int)));
    if (rc != CLPOOL_OK)
        FAIL_("after a forked child's clpool_close the parent's map gave %s: %s",
              clpool_err_name(rc), clpool_errmsg(pool));
    ASSERT_EQ(out[0], 5);
    clpool_program_free(p);
}

/* With an argument, only that part: unwritable, relative, fifo, child. */
int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : "";
    test_tmpdir("paths");
    if (!only[0] || strcmp(only, "unwritable") == 0)
        test_unwritable();
    if (!only[0] || strcmp(only, "relative") == 0)
        test_relative();
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 2;
    clpool *pool = test_open_cfg(&cfg);
    if (!only[0] || strcmp(only, "fifo") == 0)
        test_fifo(pool);
    if (!only[0] || strcmp(only, "child") == 0)
        test_child_close(pool);
    clpool_close(pool);
    return 0;
}
