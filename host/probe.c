/* Probing a backend's hardware from a short-lived child process. */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* GPU drivers can take seconds to start; a probe slower than this is treated
 * as no device rather than hanging clpool_open. */
#define PROBE_TIMEOUT_MS 30000

struct probe_answer {
    int found;
    char why[256];
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the whole answer, or fails at the deadline. Returns bytes read. */
static size_t read_answer(int fd, struct probe_answer *ans)
{
    size_t got = 0;
    long long deadline = now_ms() + PROBE_TIMEOUT_MS;
    while (got < sizeof *ans) {
        long long left = deadline - now_ms();
        if (left <= 0)
            break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        ssize_t n = read(fd, (char *)ans + got, sizeof *ans - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got;
}

static void describe_exit(int wstatus, char *why, size_t whylen)
{
    if (WIFSIGNALED(wstatus))
        snprintf(why, whylen, "the OpenCL probe process was killed by signal %d (%s)",
                 WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
    else if (WIFEXITED(wstatus))
        snprintf(why, whylen, "the OpenCL probe process exited with status %d",
                 WEXITSTATUS(wstatus));
}

int clpool__probe_in_child(int (*probe)(char *why, size_t whylen), char *why, size_t whylen)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(why, whylen, "cannot create a pipe for the probe: %s", strerror(errno));
        return 0;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, whylen, "cannot fork the probe process: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return 0;
    }
    if (pid == 0) {
        /* The child only probes, reports, and leaves without running the
         * parent's atexit handlers or flushing its stdio buffers. */
        close(fds[0]);
        struct probe_answer ans;
        memset(&ans, 0, sizeof ans);
        ans.found = probe(ans.why, sizeof ans.why);
        ssize_t off = 0;
        while ((size_t)off < sizeof ans) {
            ssize_t n = write(fds[1], (char *)&ans + off, sizeof ans - (size_t)off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            off += n;
        }
        _exit(0);
    }

    close(fds[1]);
    struct probe_answer ans;
    memset(&ans, 0, sizeof ans);
    size_t got = read_answer(fds[0], &ans);
    close(fds[0]);
    if (got != sizeof ans)
        kill(pid, SIGKILL);

    int wstatus = 0;
    pid_t r;
    do
        r = waitpid(pid, &wstatus, 0);
    while (r < 0 && errno == EINTR);

    if (got == sizeof ans) {
        ans.why[sizeof ans.why - 1] = '\0';
        snprintf(why, whylen, "%s", ans.why);
        return ans.found == 1;
    }
    snprintf(why, whylen, "the OpenCL probe process gave no answer");
    /* With SIGCHLD ignored by the host program there is no status (ECHILD). */
    if (r == pid)
        describe_exit(wstatus, why, whylen);
    return 0;
}
