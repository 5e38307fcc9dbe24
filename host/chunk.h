/*
 * Maps whose host arrays are bigger than one buffer should be: the items are
 * run in chunks, each host array passing through a window buffer that holds
 * one chunk's elements (backend slot map_window).
 */
#ifndef CLPOOL_CHUNK_H
#define CLPOOL_CHUNK_H

#include "internal.h"

/* Largest bytes of one host array in one chunk when nothing smaller is
 * asked for: big enough that a chunk's launch costs nothing next to its
 * copies, small enough that the windows of a few arrays fit anywhere. */
#define CLPOOL__CHUNK_DEFAULT_BYTES ((size_t)256 << 20)

/* The most bytes of one host array the pool puts in one buffer: the
 * smallest of pool->max_alloc, CLPOOL__CHUNK_DEFAULT_BYTES and
 * CLPOOL_MAX_CHUNK_BYTES (read now, so a program may set it between maps;
 * an unparseable or zero value is ignored). */
size_t clpool__chunk_limit(const clpool *pool);

/* Runs k over [0, n) in chunks of at most limit bytes per host array
 * (args checked, host arrays present, pool->ops->map_window set). */
int clpool__map_chunked(clpool_kernel *k, size_t n, const clpool_arg *args, size_t nargs,
                        size_t limit);

#endif /* CLPOOL_CHUNK_H */
