/*
 * Maps whose host arrays are bigger than one buffer should be: the items are
 * run in chunks, each host array passing through a window buffer that holds
 * one chunk's elements (backend slots window_start and window_wait), and,
 * where the backend says it pays, the copies of the next and last chunks
 * overlap the running one.
 */
#ifndef CLPOOL_CHUNK_H
#define CLPOOL_CHUNK_H

#include "internal.h"

/* Largest bytes of one host array in one chunk when nothing smaller is
 * asked for. Small enough that a chunk's windows stay in a CPU's cache
 * between the copy in, the kernel and the copy out, where PoCL and the
 * fork backend run: saxpy over 2^26 floats on PoCL ran 2-3x faster through
 * 2-4 MiB windows than through whole 256 MiB temporaries (and 16 MiB
 * windows gave half of that gain); big enough that a chunk's launch and
 * wait (tens of microseconds) stay small next to its copies on a GPU. */
#define CLPOOL__CHUNK_DEFAULT_BYTES ((size_t)4 << 20)

/* The most bytes of one host array the pool puts in one buffer:
 * CLPOOL_MAX_CHUNK_BYTES if set (read now, so a program may set it between
 * maps; an unparseable or zero value is ignored), else
 * CLPOOL__CHUNK_DEFAULT_BYTES; never more than pool->max_alloc. */
size_t clpool__chunk_limit(const clpool *pool);

/* Whether a chunked map overlaps its copies with the running chunk:
 * CLPOOL_CHUNK_OVERLAP=1 or 0 if set (read now, like the limit), else the
 * backend's choice, pool->chunk_overlap. */
int clpool__chunk_overlap(const clpool *pool);

/* Runs k over nd in chunks of at most limit bytes per host array: slices
 * of whole work-groups along the outermost used dimension (args checked,
 * host arrays present, whole arrays already staged into buffers,
 * pool->ops->window_start set).
 * CLPOOL__ENOWINDOW: the backend cannot run k in windows, and nothing
 * reached the host arrays; the caller maps whole instead. */
int clpool__map_chunked(clpool_kernel *k, const clpool__nd *nd, const clpool_arg *args,
                        size_t nargs, size_t limit);

#endif /* CLPOOL_CHUNK_H */
