/* The process plumbing of targets: a child per target, its messages read
 * through a pipe, its exit checked. */
#include "target.h"

#include "tmpdir.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int results_add(bench_results *res, const bench_msg *m)
{
    if (res->nmsgs == res->cap) {
        size_t cap = res->cap ? 2 * res->cap : 16;
        bench_msg *p = realloc(res->msgs, cap * sizeof *p);
        if (p == NULL)
            return -1;
        res->msgs = p;
        res->cap = cap;
    }
    res->msgs[res->nmsgs++] = *m;
    return 0;
}

void bench_results_free(bench_results *res)
{
    free(res->msgs);
    memset(res, 0, sizeof *res);
}

/* The child: never returns. */
static void child_main(const bench_target *t, const bench_options *o, const bench_data *data,
                       const char *tmp_root, int fd)
{
    /* Ctrl-C reaches the whole process group; the parent, which owns the
     * temporary directories, cleans up after us. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    char cache_dir[4096];
    if (bench_mkdtemp(tmp_root, "cache-", cache_dir, sizeof cache_dir) != 0) {
        bench_msg m;
        memset(&m, 0, sizeof m);
        m.kind = BENCH_MSG_UNAVAILABLE;
        bench_copy(m.row.backend, sizeof m.row.backend, t->backend);
        snprintf(m.row.error, sizeof m.row.error, "no cache directory under %s: %s", tmp_root,
                 strerror(errno));
        if (write(fd, &m, sizeof m) < 0)
            _exit(1);
        _exit(0);
    }
    bench_target_child(t, o, data, cache_dir, fd);
    bench_rmtree(cache_dir);
    _exit(0);
}

volatile sig_atomic_t bench_stop = 0;

/* Reads one whole message; 1, 0 at end of file, -1 on error or when
 * bench_stop interrupted the read. */
static int read_msg(int fd, bench_msg *m)
{
    char *p = (char *)m;
    size_t got = 0;
    while (got < sizeof *m) {
        ssize_t r = read(fd, p + got, sizeof *m - got);
        if (r < 0 && errno == EINTR && !bench_stop)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return got == 0 ? 0 : -1;
        got += (size_t)r;
    }
    return 1;
}

/* A row that says the child died (or was cut off) and how. */
static int add_death(bench_results *res, const bench_target *t, const bench_options *o,
                     int wstatus, size_t nrows)
{
    bench_msg m;
    memset(&m, 0, sizeof m);
    m.kind = BENCH_MSG_ROW;
    bench_copy(m.row.workload, sizeof m.row.workload, "-");
    bench_copy(m.row.backend, sizeof m.row.backend, t->backend);
    m.row.baseline = t->baseline;
    m.row.seconds = m.row.items_per_second = m.row.gbytes_per_second = m.row.gflops = NAN;
    m.row.speedup = m.row.build_cold_ms = m.row.build_warm_ms = m.row.launch_us = NAN;
    m.row.vs_explicit = m.row.min_seconds = m.row.max_seconds = m.row.spread = NAN;
    bench_copy(m.row.mode, sizeof m.row.mode, o->host_arrays ? "-" : "buffers");
    char how[64];
    if (WIFSIGNALED(wstatus))
        snprintf(how, sizeof how, "was killed by signal %d (%s)", WTERMSIG(wstatus),
                 strsignal(WTERMSIG(wstatus)));
    else
        snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(wstatus));
    snprintf(m.row.error, sizeof m.row.error,
             "the process measuring this backend %s after %zu row%s", how, nrows,
             nrows == 1 ? "" : "s");
    return results_add(res, &m);
}

int bench_target_run(const bench_target *t, const bench_options *o, const bench_data *data,
                     const char *tmp_root, bench_results *res)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    /* Whatever stdio holds would otherwise be written twice. */
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        child_main(t, o, data, tmp_root, fds[1]);
    }
    close(fds[1]);

    int status = 0, r;
    size_t nrows = 0;
    bench_msg m;
    while ((r = read_msg(fds[0], &m)) == 1) {
        if (status == 0 && results_add(res, &m) != 0)
            status = -1; /* keep reading: the child must not block on a full pipe */
        nrows += m.kind == BENCH_MSG_ROW;
    }
    if (r < 0 && bench_stop)
        kill(pid, SIGTERM);
    close(fds[0]);
    int wstatus;
    while (waitpid(pid, &wstatus, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    if (bench_stop)
        return status;
    if (r < 0 || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
        if (add_death(res, t, o, wstatus, nrows) != 0)
            status = -1;
    return status;
}
