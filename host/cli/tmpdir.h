/* Temporary cache directories: made with mkdtemp, removed with everything in
 * them. */
#ifndef CLPOOL_BENCH_TMPDIR_H
#define CLPOOL_BENCH_TMPDIR_H

#include <stddef.h>

/* Makes a fresh directory "<parent>/<prefix>XXXXXX" (parent NULL: $TMPDIR
 * or /tmp) and writes its path to out. 0, or -1 with errno set. */
int bench_mkdtemp(const char *parent, const char *prefix, char *out, size_t outlen);

/* Removes path and everything under it, without following symbolic links.
 * 0, or -1 if something could not be removed. */
int bench_rmtree(const char *path);

#endif /* CLPOOL_BENCH_TMPDIR_H */
