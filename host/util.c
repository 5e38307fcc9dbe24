/* Small helpers the rest of the library shares. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *clpool__strdup(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t len = strlen(s) + 1;
    char *copy = malloc(len);
    if (copy != NULL)
        memcpy(copy, s, len);
    return copy;
}

char *clpool__asprintf(const char *fmt, ...)
{
    va_list ap, copy;
    va_start(ap, fmt);
    va_copy(copy, ap);
    int len = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *s = len < 0 ? NULL : malloc((size_t)len + 1);
    if (s != NULL)
        vsnprintf(s, (size_t)len + 1, fmt, ap);
    va_end(ap);
    return s;
}

int clpool__read_file(clpool *pool, const char *path, char **out, size_t *len_out)
{
    int fd;
    do
        /* O_NONBLOCK: a FIFO (or a device) named as the kernel file must
         * not block the open; fstat below refuses it. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return clpool__error(pool, CLPOOL_EIO, "cannot open kernel file '%s': %s", path,
                             strerror(errno));

    int status = CLPOOL_OK;
    char *data = NULL;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        status = clpool__error(pool, CLPOOL_EIO, "cannot stat kernel file '%s': %s", path,
                               strerror(errno));
        goto close_fd;
    }
    if (!S_ISREG(st.st_mode)) {
        status = clpool__error(pool, CLPOOL_EIO, "kernel file '%s' is not a regular file",
                               path);
        goto close_fd;
    }

    /* Read until EOF rather than trusting st_size: the file may change. */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    data = malloc(cap);
    if (data == NULL) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory to read kernel file '%s' (%zu bytes)",
                               path, cap);
        goto close_fd;
    }
    for (;;) {
        if (len + 1 == cap) {
            char *bigger = cap > ((size_t)-1) / 2 ? NULL : realloc(data, cap * 2);
            if (bigger == NULL) {
                status = clpool__error(pool, CLPOOL_ENOMEM, "no memory to read kernel file '%s'",
                                       path);
                goto free_data;
            }
            data = bigger;
            cap *= 2;
        }
        ssize_t got = read(fd, data + len, cap - 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            status = clpool__error(pool, CLPOOL_EIO, "cannot read kernel file '%s': %s", path,
                                   strerror(errno));
            goto free_data;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    data[len] = '\0';
    *out = data;
    if (len_out != NULL)
        *len_out = len;
    close(fd);
    return CLPOOL_OK;

free_data:
    free(data);
close_fd:
    close(fd);
    return status;
}
