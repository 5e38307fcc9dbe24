/* Temporary directories for the cold and warm build measurements. */
#include "tmpdir.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int bench_mkdtemp(const char *parent, const char *prefix, char *out, size_t outlen)
{
    if (parent == NULL) {
        parent = getenv("TMPDIR");
        if (parent == NULL || parent[0] == '\0')
            parent = "/tmp";
    }
    int len = snprintf(out, outlen, "%s/%sXXXXXX", parent, prefix);
    if (len < 0 || (size_t)len >= outlen) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return mkdtemp(out) != NULL ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    /* Keep going after a failure, to remove as much as possible; the caller
     * checks whether the top is gone. */
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

int bench_rmtree(const char *path)
{
    /* FTW_DEPTH: a directory after its contents; FTW_PHYS: links themselves,
     * never what they point at. */
    nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    struct stat st;
    return lstat(path, &st) == 0 ? -1 : 0;
}
