/*
 * Runs a program from an argument vector (never through a shell) and
 * captures what it writes: how the native path runs the C compiler.
 */
#ifndef CLPOOL_CLC_SPAWN_H
#define CLPOOL_CLC_SPAWN_H

#include "clc/buf.h"

/* Output beyond this many bytes is read and dropped, so that a compiler
 * that prints without end cannot take all memory. */
#define CLPOOL__SPAWN_OUTPUT_MAX ((size_t)1 << 20)

/*
 * Runs argv[0] (found on PATH when it has no '/') with argv, stdin from
 * /dev/null and stdout and stderr both into *output, and waits for it.
 * Returns 0 when it ran: *wstatus is its waitpid() status, or -1 when the
 * status could not be had (the host set SIGCHLD to SIG_IGN, so the child
 * was reaped by the kernel: the caller judges by what it produced).
 * Otherwise returns the errno value that stopped it from running (ENOENT
 * for a missing program, ENOMEM, ...), and nothing is left behind.
 * Waits for that child only; safe to call from any thread.
 */
int clpool__spawn(char *const argv[], clpool__buf *output, int *wstatus);

/*
 * Why exec would refuse argv with E2BIG: writes which limit it is over
 * (Linux's MAX_ARG_STRLEN for one argument, or ARG_MAX for all arguments and
 * the environment together) and by how much into why. Returns 1 when it
 * found the limit, 0 when argv fits both (why then says only that the
 * system refused the list).
 */
int clpool__spawn_too_long(char *const argv[], char *why, size_t whylen);

#endif /* CLPOOL_CLC_SPAWN_H */
