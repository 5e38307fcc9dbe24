/* Files of a native build (see native_files.h). */
#include "clc/native_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *clpool__tmp_dir(void)
{
    const char *t = secure_getenv("TMPDIR");
    return t != NULL && t[0] == '/' ? t : "/tmp";
}

/* Writes all of data to fd. Returns 0 or an errno value. */
static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Makes dir/clpool-XXXXXX<suffix> with O_EXCL, mode 0600; *path is heap.
 * Returns the descriptor, or -1 with errno set. */
int clpool__make_file(const char *dir, const char *suffix, char **path)
{
    *path = clpool__asprintf("%s/clpool-XXXXXX%s", dir, suffix);
    if (*path == NULL) {
        errno = ENOMEM;
        return -1;
    }
    int fd = mkostemps(*path, (int)strlen(suffix), O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        free(*path);
        *path = NULL;
        errno = e;
    }
    return fd;
}

/* Writes data into a new private file in dir. Returns CLPOOL_OK with *path
 * set, or CLPOOL_EIO/ENOMEM (message on pool, nothing left behind). */
int clpool__write_new_file(clpool *pool, const char *dir, const char *suffix, const void *data,
                           size_t len, char **path)
{
    int fd = clpool__make_file(dir, suffix, path);
    if (fd < 0)
        return clpool__error(pool, errno == ENOMEM ? CLPOOL_ENOMEM : CLPOOL_EIO,
                             "cannot create a file in %s: %s", dir, strerror(errno));
    int err = write_all(fd, data, len);
    if (close(fd) != 0 && err == 0 && errno != EINTR)
        err = errno;
    if (err != 0) {
        unlink(*path);
        free(*path);
        *path = NULL;
        return clpool__error(pool, CLPOOL_EIO, "cannot write a file in %s: %s", dir,
                             strerror(err));
    }
    return CLPOOL_OK;
}

/* Reads a whole file. Returns 0, or an errno value. */
int clpool__read_all(const char *path, void **data, size_t *len)
{
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return errno;
    int err = 0;
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) != 0) {
        err = errno;
        goto close_fd;
    }
    size_t size = (size_t)st.st_size, got = 0;
    buf = malloc(size != 0 ? size : 1);
    if (buf == NULL) {
        err = ENOMEM;
        goto close_fd;
    }
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? errno : EIO; /* the file shrank under us */
            free(buf);
            buf = NULL;
            goto close_fd;
        }
        got += (size_t)n;
    }
    *data = buf;
    *len = size;
close_fd:
    close(fd);
    return err;
}

/* ------------------------------------------------------------ workspace */



static int private_dir_ok(const char *dir)
{
    struct stat st;
    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
           (st.st_mode & 077) == 0;
}

int clpool__workspace_open(clpool *pool, clpool__workspace *w)
{
    w->dir = NULL;
    w->ours = 0;
    if (pool->cache.dir != NULL) {
        char *d = clpool__asprintf("%s/tmp", pool->cache.dir);
        if (d == NULL)
            return clpool__error(pool, CLPOOL_ENOMEM, "no memory for a path");
        if ((mkdir(d, 0700) == 0 || errno == EEXIST) && private_dir_ok(d)) {
            w->dir = d;
            return CLPOOL_OK;
        }
        free(d); /* not usable: build as if the cache were off */
    }
    return clpool__workspace_open_private(pool, w);
}

int clpool__workspace_open_private(clpool *pool, clpool__workspace *w)
{
    w->dir = NULL;
    w->ours = 0;
    char *d = clpool__asprintf("%s/clpool-build-XXXXXX", clpool__tmp_dir());
    if (d == NULL)
        return clpool__error(pool, CLPOOL_ENOMEM, "no memory for a path");
    if (mkdtemp(d) == NULL) {
        int e = errno;
        free(d);
        return clpool__error(pool, CLPOOL_EIO, "cannot make a private folder in %s: %s",
                             clpool__tmp_dir(), strerror(e));
    }
    w->dir = d;
    w->ours = 1;
    return CLPOOL_OK;
}

void clpool__workspace_close(clpool__workspace *w)
{
    if (w->ours && w->dir != NULL)
        rmdir(w->dir); /* only empties it made; fails harmlessly otherwise */
    free(w->dir);
    w->dir = NULL;
}
