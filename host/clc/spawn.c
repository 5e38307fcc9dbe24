/* Running the C compiler (see spawn.h). */
#include "clc/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void close_fd(int fd)
{
    /* close() is not retried on EINTR: on Linux the descriptor is gone
     * either way, and a retry could close someone else's. */
    if (fd >= 0)
        (void)close(fd);
}

/* Reads fd to its end into out (up to the cap; the rest is dropped).
 * Returns 0, or an errno value. */
static int drain(int fd, clpool__buf *out)
{
    char chunk[8192];
    int dropped = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (n == 0)
            break;
        size_t room = out->len < CLPOOL__SPAWN_OUTPUT_MAX ? CLPOOL__SPAWN_OUTPUT_MAX - out->len : 0;
        size_t keep = (size_t)n < room ? (size_t)n : room;
        if (keep > 0)
            clpool__buf_add(out, chunk, keep);
        if (keep < (size_t)n)
            dropped = 1;
    }
    if (dropped)
        clpool__buf_str(out, "\n[clpool: the rest of the output was dropped]\n");
    return out->failed ? ENOMEM : 0;
}

/* Waits for pid, retrying on EINTR. Returns 0 with *wstatus set (or -1 when
 * the child was reaped for us because SIGCHLD is ignored), or an errno. */
static int wait_child(pid_t pid, int *wstatus)
{
    for (;;) {
        int st;
        pid_t r = waitpid(pid, &st, 0);
        if (r == pid) {
            *wstatus = st;
            return 0;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == ECHILD) {
            *wstatus = -1;
            return 0;
        }
        return r < 0 ? errno : ECHILD;
    }
}

int clpool__spawn(char *const argv[], clpool__buf *output, int *wstatus)
{
    int err;
    int pipefd[2] = {-1, -1};
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;

    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return errno;
    err = posix_spawn_file_actions_init(&actions);
    if (err != 0)
        goto close_pipe;
    err = posix_spawnattr_init(&attr);
    if (err != 0)
        goto destroy_actions;

    /* The child gets /dev/null as stdin and the pipe's write end as stdout
     * and stderr (dup2 clears close-on-exec on the copies; the originals
     * close on exec). */
    err = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (err == 0)
        err = posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
    if (err == 0)
        err = posix_spawn_file_actions_adddup2(&actions, pipefd[1], 2);
    if (err != 0)
        goto destroy_attr;

    /* The compiler driver waits for its own children, and must not inherit
     * a host's SIG_IGN for SIGCHLD (its waitpid would fail) or a blocked
     * signal mask. */
    sigset_t defaults, empty;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGCHLD);
    sigaddset(&defaults, SIGPIPE);
    sigemptyset(&empty);
    err = posix_spawnattr_setsigdefault(&attr, &defaults);
    if (err == 0)
        err = posix_spawnattr_setsigmask(&attr, &empty);
    if (err == 0)
        err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    if (err != 0)
        goto destroy_attr;

    pid_t pid;
    err = posix_spawnp(&pid, argv[0], &actions, &attr, argv, environ);
    if (err != 0)
        goto destroy_attr;

    /* Our copy of the write end must go, or the read below never sees the
     * end of the output. */
    close_fd(pipefd[1]);
    pipefd[1] = -1;
    int read_err = drain(pipefd[0], output);
    close_fd(pipefd[0]);
    pipefd[0] = -1;
    /* Always reap the child, even when reading failed. */
    err = wait_child(pid, wstatus);
    if (err == 0)
        err = read_err;

destroy_attr:
    posix_spawnattr_destroy(&attr);
destroy_actions:
    posix_spawn_file_actions_destroy(&actions);
close_pipe:
    close_fd(pipefd[0]);
    close_fd(pipefd[1]);
    return err;
}

/* Linux refuses any one argument or environment string longer than 32
 * pages (MAX_ARG_STRLEN in linux/binfmts.h), whatever ARG_MAX says. */
#define ONE_ARG_MAX ((size_t)32 * 4096)

int clpool__spawn_too_long(char *const argv[], char *why, size_t whylen)
{
    size_t total = 0, longest = 0, longest_at = 0;
    for (size_t i = 0; argv[i] != NULL; i++) {
        size_t len = strlen(argv[i]) + 1;
        total += len + sizeof(char *);
        if (len > longest) {
            longest = len;
            longest_at = i;
        }
    }
    for (char **e = environ; e != NULL && *e != NULL; e++)
        total += strlen(*e) + 1 + sizeof(char *);
    long arg_max = sysconf(_SC_ARG_MAX);
    if (longest > ONE_ARG_MAX) {
        snprintf(why, whylen,
                 "argument %zu ('%.24s...') is %zu bytes, over the system's limit of %zu bytes "
                 "for one argument (MAX_ARG_STRLEN)",
                 longest_at, argv[longest_at], longest - 1, ONE_ARG_MAX);
        return 1;
    }
    if (arg_max > 0 && total > (size_t)arg_max) {
        snprintf(why, whylen,
                 "the arguments and the environment take %zu bytes, over the system's limit of "
                 "%ld bytes for them together (ARG_MAX, a quarter of the stack limit)",
                 total, arg_max);
        return 1;
    }
    snprintf(why, whylen, "the system refused the argument list as too long");
    return 0;
}
