/*
 * Files of a native build: private temporary files made with O_EXCL, and
 * the folder they go in.
 */
#ifndef CLPOOL_CLC_NATIVE_FILES_H
#define CLPOOL_CLC_NATIVE_FILES_H

#include "../internal.h"

/* Where the temporary files of one build go. With the cache on: the cache's
 * own "tmp" folder (mode 0700, inside the private cache directory), which
 * is also where the handed-out .so stays. With the cache off: a fresh
 * mkdtemp folder that is removed at the end; the .so is then moved out to a
 * mkstemps file directly in $TMPDIR (mode 0600; in a sticky /tmp no other
 * user can replace it), because the folder cannot outlive the build. */
typedef struct clpool__workspace {
    char *dir;
    int ours; /* dir was made for this build */
} clpool__workspace;

/* Opens a workspace for pool: the cache's "tmp" folder, else a fresh one
 * under $TMPDIR. Returns CLPOOL_OK, CLPOOL_EIO or CLPOOL_ENOMEM (message on
 * pool). */
int clpool__workspace_open(clpool *pool, clpool__workspace *w);
/* A fresh private folder under $TMPDIR, whatever the cache: for a build
 * whose cache file system is full. */
int clpool__workspace_open_private(clpool *pool, clpool__workspace *w);
/* Removes the folder if it was made for this build (it must be empty by
 * then), and frees w's strings. */
void clpool__workspace_close(clpool__workspace *w);

/* $TMPDIR when it is an absolute path, else /tmp. */
const char *clpool__tmp_dir(void);

/* Makes dir/clpool-XXXXXX<suffix> with O_EXCL, mode 0600; *path is heap.
 * Returns the descriptor, or -1 with errno set. */
int clpool__make_file(const char *dir, const char *suffix, char **path);

/* Writes data into a new private file in dir. Returns CLPOOL_OK with *path
 * set, or CLPOOL_EIO/ENOMEM (message on pool, nothing left behind). */
int clpool__write_new_file(clpool *pool, const char *dir, const char *suffix, const void *data,
                           size_t len, char **path);

/* Reads a whole file into a heap buffer. Returns 0, or an errno value. */
int clpool__read_all(const char *path, void **data, size_t *len);

#endif /* CLPOOL_CLC_NATIVE_FILES_H */
