/*
 * Waiting on words in shared memory. The futexes here are shared between
 * processes (the words live in MAP_SHARED memory), so they must not use
 * FUTEX_PRIVATE_FLAG: a private futex is keyed by the address space and a
 * wake in the parent would never reach a worker.
 */
#include "fork.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

uint64_t clpool__fork_now_ns(void)
{
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail with a valid pointer; it is a vDSO call. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void clpool__fork_futex_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t timeout_ns)
{
    struct timespec ts, *tsp = NULL;
    if (timeout_ns != 0) {
        ts.tv_sec = (time_t)(timeout_ns / 1000000000u);
        ts.tv_nsec = (long)(timeout_ns % 1000000000u);
        tsp = &ts;
    }
    /* EAGAIN (the word already changed), EINTR and ETIMEDOUT all mean "look
     * again": every caller loops on its own condition and its own clock. */
    (void)syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected, tsp, NULL, 0);
}

void clpool__fork_futex_wake(_Atomic uint32_t *word, int count)
{
    /* Cannot fail on a valid, aligned, mapped word. */
    (void)syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, count, NULL, NULL, 0);
}

void clpool__fork_sleep_ns(uint64_t ns)
{
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
                          .tv_nsec = (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A command (loading a program in every worker) is not a map, but a pool
 * with a time limit must not wait 30 s on one: its limit is the pool's,
 * though never under a second (a dlopen of a big object under a slow
 * machine or valgrind), and never over the default. */
#define COMMAND_MIN_NS 1000000000ull

uint64_t clpool__fork_command_ns(const struct clpool__fork_pool *fp, uint64_t default_ns)
{
    uint64_t ms = fp->pool->cfg.timeout_ms;
    if (ms == 0)
        return default_ns;
    uint64_t ns = ms * 1000000u;
    if (ns < COMMAND_MIN_NS)
        ns = COMMAND_MIN_NS;
    return ns < default_ns ? ns : default_ns;
}
