/*
 * A cheap fingerprint of the host C compiler and the CPU, so that the
 * compiler's answer to `-march=native -dM -E` (which names its version, and
 * the instruction set -march=native picks here) can be kept in the cache
 * instead of spawning the compiler on every build: a cache hit then costs a
 * few file reads, not a process.
 */
#ifndef CLPOOL_CLC_IDENTITY_H
#define CLPOOL_CLC_IDENTITY_H

#include "../cache.h"
#include "options.h"

/* The key under which the compiler's predefined macros are cached: a SHA-256
 * over the compiler's resolved path, that file's device, inode, size and
 * modification time, every other word of the compiler command, and the
 * CPU's model and feature flags. Returns 0, or -1 when the compiler cannot
 * be found on PATH or stat'ed (then nothing is cached and the caller asks
 * the compiler itself, which reports the real error). */
int clpool__compiler_fingerprint(const clpool__argv *cc, char key[CLPOOL__KEY_HEX]);

#endif /* CLPOOL_CLC_IDENTITY_H */
