/*
 * Runs the clpool-bench binary for the bench_* tests: in its own process
 * group (so that a hung run, its fork workers included, can be killed as a
 * whole), with stdout and stderr captured, every wait bounded.
 */
#ifndef CLPOOL_TEST_BENCH_RUN_H
#define CLPOOL_TEST_BENCH_RUN_H

#include "task.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_RUN_LIMIT_S 120

typedef struct bench_output {
    int status;     /* exit status, or 128 + signal */
    char *out, *err; /* all of stdout and stderr, NUL-terminated */
} bench_output;

/* Appends what fd has to *buf; returns 0 at end of file. */
static int bench_run_drain(int fd, char **buf, size_t *len)
{
    char chunk[4096];
    ssize_t r = read(fd, chunk, sizeof chunk);
    if (r < 0 && errno == EINTR)
        return 1;
    if (r <= 0)
        return 0;
    char *p = realloc(*buf, *len + (size_t)r + 1);
    ASSERT(p != NULL);
    memcpy(p + *len, chunk, (size_t)r);
    *len += (size_t)r;
    p[*len] = '\0';
    *buf = p;
    return 1;
}

/* Runs bench with argv (argv[0] included, NULL-terminated). kernels_dir,
 * if not NULL, becomes CLPOOL_KERNELS_DIR. Kills the run's whole process
 * group and fails the test after BENCH_RUN_LIMIT_S seconds. */
static bench_output bench_run(const char *bench, char *const argv[], const char *kernels_dir)
{
    int out[2], err[2];
    ASSERT(pipe(out) == 0 && pipe(err) == 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0);
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        close(out[0]);
        close(out[1]);
        close(err[0]);
        close(err[1]);
        if (kernels_dir != NULL)
            setenv("CLPOOL_KERNELS_DIR", kernels_dir, 1);
        execv(bench, argv);
        fprintf(stderr, "exec %s: %s\n", bench, strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid); /* also here: no race with the kill below */
    close(out[1]);
    close(err[1]);

    bench_output res = {0, NULL, NULL};
    size_t outlen = 0, errlen = 0;
    int out_open = 1, err_open = 1;
    double deadline = test_seconds() + BENCH_RUN_LIMIT_S;
    while (out_open || err_open) {
        double left = deadline - test_seconds();
        if (left <= 0) {
            kill(-pid, SIGKILL);
            waitpid(pid, NULL, 0);
            FAIL_("%s ran past %d s; killed. stderr so far:\n%s", bench, BENCH_RUN_LIMIT_S,
                  res.err ? res.err : "");
        }
        struct pollfd p[2] = {{out_open ? out[0] : -1, POLLIN, 0},
                              {err_open ? err[0] : -1, POLLIN, 0}};
        int n = poll(p, 2, (int)(left * 1000) + 1);
        if (n < 0 && errno == EINTR)
            continue;
        ASSERT(n >= 0);
        if (out_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
            out_open = bench_run_drain(out[0], &res.out, &outlen);
        if (err_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
            err_open = bench_run_drain(err[0], &res.err, &errlen);
    }
    close(out[0]);
    close(err[0]);
    int wstatus;
    while (waitpid(pid, &wstatus, 0) < 0)
        ASSERT(errno == EINTR);
    res.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    if (res.out == NULL)
        res.out = calloc(1, 1);
    if (res.err == NULL)
        res.err = calloc(1, 1);
    ASSERT(res.out != NULL && res.err != NULL);
    return res;
}

static void bench_output_free(bench_output *o)
{
    free(o->out);
    free(o->err);
    o->out = o->err = NULL;
}

/* Prints a run for the test log. */
static void bench_output_show(const char *what, const bench_output *o)
{
    fprintf(stderr, "--- %s: exit %d\n--- stdout:\n%s--- stderr:\n%s---\n", what, o->status,
            o->out, o->err);
}

#endif /* CLPOOL_TEST_BENCH_RUN_H */
