/*
 * Dependency lists for cache entries (see deps.h). A record is
 *
 *     present     1 byte: 1, or 0 for a file that did not exist
 *     size        8 bytes, little-endian (0 when absent)
 *     SHA-256     32 bytes of the contents (zeros when absent)
 *     path length 4 bytes, little-endian
 *     path        that many bytes, no NUL
 *
 * Paths are kept as the compiler named them: a relative one (from a
 * relative -I) is checked against the current directory, which is where
 * the compiler would look for it again.
 */
#include "deps.h"

#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clc/options.h"
#include "clc/spawn.h"
#include "internal.h"
#include "sha256.h"

#define RECORD_FIXED (1 + 8 + 32 + 4)

static void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Hashes the file at path. Returns 1 with its size and digest, 0 when there
 * is no such file, -1 when it cannot be read or is not a regular file. */
static int hash_file(const char *path, uint64_t *size, unsigned char digest[32])
{
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
    struct stat st;
    int result = -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto close_fd;
    clpool__sha256 h;
    clpool__sha256_init(&h);
    unsigned char buf[65536];
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto close_fd;
        if (n == 0)
            break;
        clpool__sha256_update(&h, buf, (size_t)n);
        total += (uint64_t)n;
    }
    clpool__sha256_final(&h, digest);
    *size = total;
    result = 1;
close_fd:
    (void)close(fd);
    return result;
}

static int grow(clpool__deps *d, size_t more)
{
    if (d->cap - d->len >= more)
        return 0;
    size_t cap = d->cap ? d->cap : 256;
    while (cap - d->len < more) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    unsigned char *p = realloc(d->data, cap);
    if (p == NULL)
        return -1;
    d->data = p;
    d->cap = cap;
    return 0;
}

static void add_n(clpool__deps *d, const char *path, size_t path_len)
{
    if (d->failed)
        return;
    char *z = malloc(path_len + 1);
    if (z == NULL || path_len > UINT32_MAX || grow(d, RECORD_FIXED + path_len) != 0) {
        free(z);
        d->failed = 1;
        return;
    }
    memcpy(z, path, path_len);
    z[path_len] = '\0';
    uint64_t size = 0;
    unsigned char digest[32] = {0};
    int present = hash_file(z, &size, digest);
    free(z);
    if (present < 0) {
        d->failed = 1;
        return;
    }
    unsigned char *p = d->data + d->len;
    p[0] = (unsigned char)present;
    put_le(p + 1, size, 8);
    memcpy(p + 9, digest, 32);
    put_le(p + 41, path_len, 4);
    memcpy(p + RECORD_FIXED, path, path_len);
    d->len += RECORD_FIXED + path_len;
}

void clpool__deps_add(clpool__deps *d, const char *path)
{
    add_n(d, path, strlen(path));
}

/* The make syntax compilers write: a rule is "targets: prerequisites",
 * continued over lines ending in a backslash; in names, "\ " is a blank,
 * "\#" a '#' and "$$" a '$'. */
void clpool__deps_add_make(clpool__deps *d, const char *text, size_t len, const char *skip)
{
    size_t i = 0;
    int rules = 0;
    char *name = malloc(len + 1);
    if (name == NULL) {
        d->failed = 1;
        return;
    }
    while (i < len && !d->failed) {
        /* The targets, up to the first ':' that is not part of a name. */
        while (i < len && text[i] != ':' && text[i] != '\n') {
            if (text[i] == '\\' && i + 1 < len)
                i++;
            i++;
        }
        if (i >= len || text[i] == '\n') {
            i++;
            continue; /* a blank line, or one without a rule */
        }
        i++; /* ':' */
        rules++;
        for (;;) {
            while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r'))
                i++;
            if (i + 1 < len && text[i] == '\\' && (text[i + 1] == '\n' || text[i + 1] == '\r')) {
                i += 2;
                continue;
            }
            if (i >= len || text[i] == '\n')
                break;
            size_t n = 0;
            while (i < len && text[i] != ' ' && text[i] != '\t' && text[i] != '\n' &&
                   text[i] != '\r') {
                if (text[i] == '\\' && i + 1 < len && (text[i + 1] == ' ' || text[i + 1] == '#')) {
                    name[n++] = text[i + 1];
                    i += 2;
                } else if (text[i] == '\\' && i + 1 < len && text[i + 1] == '\n') {
                    break; /* a continuation right after a name */
                } else if (text[i] == '$' && i + 1 < len && text[i + 1] == '$') {
                    name[n++] = '$';
                    i += 2;
                } else {
                    name[n++] = text[i++];
                }
            }
            if (n > 0 && !(skip != NULL && strlen(skip) == n && memcmp(skip, name, n) == 0))
                add_n(d, name, n);
        }
    }
    free(name);
    if (rules == 0)
        d->failed = 1;
}

void clpool__deps_add_file_list(clpool__deps *d, const char *path, const char *skip)
{
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        d->failed = 1;
        return;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            char *bigger = cap > SIZE_MAX / 4 ? NULL : realloc(text, cap * 2 + 4096);
            if (bigger == NULL) {
                d->failed = 1;
                goto done;
            }
            text = bigger;
            cap = cap * 2 + 4096;
        }
        ssize_t n = read(fd, text + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            d->failed = 1;
            goto done;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    clpool__deps_add_make(d, text, len, skip);
done:
    free(text);
    (void)close(fd);
}

/* The OpenCL C macros that decide what a program includes on a device;
 * the host compiler is told them so that it takes the same branches. */
static const char *const opencl_macros[] = {
    "-D__OPENCL_VERSION__=120", "-D__OPENCL_C_VERSION__=120", "-DCL_VERSION_1_0=100",
    "-DCL_VERSION_1_1=110", "-DCL_VERSION_1_2=120", "-D__ENDIAN_LITTLE__=1",
    "-D__IMAGE_SUPPORT__=1", NULL,
};

static int add_words(clpool__argv *a, const char *text)
{
    while (*text != '\0') {
        text += strspn(text, " \t\n");
        size_t n = strcspn(text, " \t\n");
        if (n == 0)
            break;
        char *w = clpool__asprintf("%.*s", (int)n, text);
        int failed = w == NULL || clpool__argv_add(a, w) != 0;
        free(w);
        if (failed)
            return -1;
        text += n;
    }
    return 0;
}

void clpool__deps_of_source(clpool__deps *d, const char *source, const char *options)
{
    if (d->failed || strstr(source, "include") == NULL)
        return; /* nothing to include: the key's source says it all */
    const char *tmp = getenv("TMPDIR");
    char *dir = clpool__asprintf("%s/clpool-deps-XXXXXX",
                                 tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
    char *file = NULL;
    clpool__argv argv = {0}, words = {0};
    clpool__buf out = {0};
    d->failed = 1; /* until the list is in */
    if (dir == NULL || mkdtemp(dir) == NULL)
        goto free_dir;
    file = clpool__asprintf("%s/program.cl", dir);
    if (file == NULL)
        goto remove_dir;
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        goto remove_dir;
    size_t len = strlen(source), done = 0;
    while (done < len) {
        ssize_t n = write(fd, source + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    if (close(fd) != 0 || done < len)
        goto unlink_file;

    const char *cc = secure_getenv("CC");
    if (cc == NULL || cc[strspn(cc, " \t\n")] == '\0')
        cc = "cc";
    if (add_words(&argv, cc) != 0 || argv.n == 0)
        goto unlink_file;
    static const char *const flags[] = {"-E", "-M", "-MG", "-w", "-x", "c", NULL};
    for (int i = 0; flags[i] != NULL; i++)
        if (clpool__argv_add(&argv, flags[i]) != 0)
            goto unlink_file;
    for (int i = 0; opencl_macros[i] != NULL; i++)
        if (clpool__argv_add(&argv, opencl_macros[i]) != 0)
            goto unlink_file;
    /* Of the build options only the preprocessor's matter; -D, -U and -I
     * take their value attached or as the next word. */
    if (clpool__split_words(options, &words) != 0)
        goto unlink_file;
    for (size_t i = 0; i < words.n; i++) {
        const char *w = words.v[i];
        int takes = w[0] == '-' && (w[1] == 'D' || w[1] == 'U' || w[1] == 'I');
        if (!takes)
            continue;
        if (w[2] == '\0') {
            if (i + 1 == words.n)
                goto unlink_file;
            char *joined = clpool__asprintf("%s%s", w, words.v[++i]);
            int failed = joined == NULL || clpool__argv_add(&argv, joined) != 0;
            free(joined);
            if (failed)
                goto unlink_file;
        } else if (clpool__argv_add(&argv, w) != 0) {
            goto unlink_file;
        }
    }
    if (clpool__argv_add(&argv, file) != 0)
        goto unlink_file;
    int wstatus;
    if (clpool__spawn(argv.v, &out, &wstatus) != 0 || wstatus == -1 || !WIFEXITED(wstatus) ||
        WEXITSTATUS(wstatus) != 0 || out.failed)
        goto unlink_file;
    d->failed = 0;
    clpool__deps_add_make(d, out.data != NULL ? out.data : "", out.len, file);

unlink_file:
    (void)unlink(file);
remove_dir:
    (void)rmdir(dir);
free_dir:
    clpool__buf_free(&out);
    clpool__argv_free(&words);
    clpool__argv_free(&argv);
    free(file);
    free(dir);
}

void clpool__deps_free(clpool__deps *d)
{
    free(d->data);
    d->data = NULL;
    d->len = d->cap = 0;
    d->failed = 0;
}

int clpool__deps_next(const unsigned char *data, size_t len, size_t *at, clpool__dep *dep)
{
    if (*at == len)
        return 0;
    if (*at > len || len - *at < RECORD_FIXED)
        return -1;
    const unsigned char *p = data + *at;
    uint64_t path_len = get_le(p + 41, 4);
    if (p[0] > 1 || path_len == 0 || path_len > len - *at - RECORD_FIXED)
        return -1;
    dep->present = p[0];
    dep->size = get_le(p + 1, 8);
    dep->sha256 = p + 9;
    dep->path = (const char *)p + RECORD_FIXED;
    dep->path_len = (size_t)path_len;
    if (memchr(dep->path, '\0', dep->path_len) != NULL)
        return -1;
    *at += RECORD_FIXED + (size_t)path_len;
    return 1;
}

int clpool__deps_check(const unsigned char *data, size_t len)
{
    size_t at = 0;
    clpool__dep dep;
    int r;
    while ((r = clpool__deps_next(data, len, &at, &dep)) == 1) {
        char *path = malloc(dep.path_len + 1);
        if (path == NULL)
            return -1;
        memcpy(path, dep.path, dep.path_len);
        path[dep.path_len] = '\0';
        /* A size that differs settles it without reading the file. */
        struct stat st;
        int changed;
        if (stat(path, &st) != 0) {
            changed = dep.present;
        } else if (!dep.present || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != dep.size) {
            changed = 1;
        } else {
            uint64_t size = 0;
            unsigned char digest[32];
            changed = hash_file(path, &size, digest) != 1 || size != dep.size ||
                      memcmp(digest, dep.sha256, 32) != 0;
        }
        free(path);
        if (changed)
            return 1;
    }
    return r < 0 ? 1 : 0;
}
