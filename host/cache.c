/*
 * The on-disk cache of built programs.
 *
 * An entry is one file named by its key (64 hex digits) in a private
 * directory:
 *
 *     "CLPOOLC2"            8 bytes, magic and format version
 *     key                   32 bytes, the SHA-256 whose hex is the file's name
 *     dependencies length   8 bytes, little-endian
 *     payload length        8 bytes, little-endian
 *     SHA-256               32 bytes, of key, dependencies and payload
 *     dependencies          the files the build read besides its source
 *                           (deps.h), each with the hash of its contents
 *     payload
 *
 * Entries are written to a temporary file in the same directory and renamed
 * over the final name, so a reader sees a whole old entry or a whole new one.
 * A reader trusts nothing it did not verify: a file that is short, long, of
 * the wrong magic, made for another key (an entry copied over another's
 * name), whose contents do not hash to the stored digest, or one of whose
 * dependencies has changed since, is a miss, and is removed so that the next
 * build replaces it.
 *
 * The directory must be ours and closed to others, because a cached binary is
 * loaded and run: a directory someone else can write to would let them choose
 * the code we run.
 */
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

#include "deps.h"
#include "sha256.h"

#define MAGIC "CLPOOLC2"
#define HEADER_SIZE CLPOOL__CACHE_HEADER
_Static_assert(CLPOOL__CACHE_HEADER == 8 + 32 + 8 + 8 + 32, "the header layout above");
#define TMP_PREFIX ".tmp-"

/* ------------------------------------------------------------------ helpers */

static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s == NULL)
        return NULL;
    if (vsnprintf(s, (size_t)n + 1, fmt, ap) != n) {
        free(s);
        return NULL;
    }
    return s;
}

static char *format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    return s;
}

/* strerror() may use a shared buffer for unknown codes; the cache may be
 * opened from several threads at once, so take the reentrant form. */
static const char *errstr(int err, char *buf, size_t len)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
    return strerror_r(err, buf, len);
#else
    if (strerror_r(err, buf, len) != 0)
        snprintf(buf, len, "error %d", err);
    return buf;
#endif
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Keys become file names; anything but 64 lowercase hex digits could name a
 * path outside the directory, so it is refused. */
static int key_valid(const char *key)
{
    if (key == NULL)
        return 0;
    for (int i = 0; i < 64; i++)
        if (!((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' && key[i] <= 'f')))
            return 0;
    return key[64] == '\0';
}

/* The 32 bytes a valid key's hex digits spell. */
static void key_bytes(const char *key, unsigned char out[32])
{
    for (int i = 0; i < 32; i++) {
        int hi = key[2 * i], lo = key[2 * i + 1];
        hi = hi <= '9' ? hi - '0' : hi - 'a' + 10;
        lo = lo <= '9' ? lo - '0' : lo - 'a' + 10;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
}

/* The entry's digest: over the key, so that an entry renamed or copied to
 * another key's name fails, then the dependency list and the payload. */
static void entry_digest(const unsigned char key[32], const void *deps, size_t deps_len,
                         const void *payload, size_t len, unsigned char digest[32])
{
    clpool__sha256 h;
    clpool__sha256_init(&h);
    clpool__sha256_update(&h, key, 32);
    if (deps_len > 0)
        clpool__sha256_update(&h, deps, deps_len);
    if (len > 0)
        clpool__sha256_update(&h, payload, len);
    clpool__sha256_final(&h, digest);
}

/* -------------------------------------------------------------- directory */

/* The default directory, heap-allocated; NULL with *why set when there is no
 * home to put it in, NULL with *why left NULL on allocation failure. Follows the XDG base directory spec: a relative
 * XDG_CACHE_HOME is invalid and ignored. */
static char *default_dir(const char **why)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg != NULL && xdg[0] == '/')
        return format("%s/clpool", xdg);
    const char *home = getenv("HOME");
    if (home != NULL && home[0] != '\0')
        return format("%s/.cache/clpool", home);

    /* getpwuid() returns a shared static record; the _r form does not. */
    long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
    size_t bufsize = sz > 0 ? (size_t)sz : 16384;
    char *buf = malloc(bufsize);
    if (buf == NULL)
        return NULL;
    struct passwd pw, *res = NULL;
    int rc;
    while ((rc = getpwuid_r(geteuid(), &pw, buf, bufsize, &res)) == ERANGE &&
           bufsize < (1u << 20)) {
        bufsize *= 2;
        char *bigger = realloc(buf, bufsize);
        if (bigger == NULL) {
            free(buf);
            return NULL;
        }
        buf = bigger;
    }
    char *dir = NULL;
    if (rc == 0 && res != NULL && pw.pw_dir != NULL && pw.pw_dir[0] != '\0')
        dir = format("%s/.cache/clpool", pw.pw_dir);
    else
        *why = "no HOME and no home directory for this user";
    free(buf);
    return dir;
}

/* mkdir -p with mode 0700 for every directory it creates. Returns 0, or the
 * errno of the first component that could not be made, with that component
 * left in path (the caller names it). Existing components are left alone:
 * their permissions are their owner's business, only the last one is
 * checked. */
static int make_dirs(char *path, size_t *failed_len)
{
    size_t len = strlen(path);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        if (path[i - 1] == '/')
            continue; /* "a//b" */
        char saved = path[i];
        path[i] = '\0';
        int err = 0;
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            err = errno;
            /* Some file systems answer EACCES or EROFS for a directory that
             * exists but that we may not write to; that is not a failure. */
            struct stat st;
            if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
                err = 0;
        }
        path[i] = saved;
        if (err != 0) {
            *failed_len = i;
            return err;
        }
    }
    return 0;
}

/* Checks that dir is a directory (not a link to one) owned by us and closed
 * to others. Returns NULL if so, else a heap string saying why not (or NULL
 * with *oom set on allocation failure). */
static char *check_dir(const char *dir, int *oom)
{
    char ebuf[128];
    struct stat st;
    char *why;
    if (lstat(dir, &st) != 0)
        why = format("cannot use %s: %s", dir, errstr(errno, ebuf, sizeof ebuf));
    else if (S_ISLNK(st.st_mode))
        why = format("%s is a symbolic link; use the directory it points to", dir);
    else if (!S_ISDIR(st.st_mode))
        why = format("%s is not a directory", dir);
    else if (st.st_uid != geteuid())
        why = format("%s is owned by uid %lu, not %lu", dir, (unsigned long)st.st_uid,
                     (unsigned long)geteuid());
    else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        why = format("%s is writable by group or others; chmod 700 it", dir);
    else if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0)
        /* Ours but closed to us too (mode 0500, a read-only mount): in use
         * it would store nothing. */
        why = format("%s is not writable: %s; chmod 700 it", dir,
                     errstr(errno, ebuf, sizeof ebuf));
    else
        return NULL;
    if (why == NULL)
        *oom = 1;
    return why;
}

int clpool__cache_open(clpool__cache *c, const char *cfg_dir)
{
    char ebuf[128];
    char *dir = NULL, *why = NULL;
    const char *fixed_why = NULL;
    int oom = 0;

    c->dir = NULL;
    c->note = NULL;

    if (cfg_dir != NULL && cfg_dir[0] == '\0') {
        c->note = format("cache: off");
        return c->note != NULL ? 0 : -1;
    }

    if (cfg_dir != NULL && cfg_dir[0] != '/') {
        /* Resolved once, now: a relative directory must not move when the
         * program changes its working directory later. */
        char *cwd = getcwd(NULL, 0);
        if (cwd == NULL) {
            if (errno == ENOMEM)
                return -1;
            c->note = format("cache: off (cannot resolve the relative directory %s: %s)",
                             cfg_dir, errstr(errno, ebuf, sizeof ebuf));
            return c->note != NULL ? 0 : -1;
        }
        dir = format("%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, cfg_dir);
        free(cwd);
    } else if (cfg_dir != NULL)
        dir = format("%s", cfg_dir);
    else
        dir = default_dir(&fixed_why);
    if (dir == NULL) {
        if (fixed_why == NULL)
            return -1;
        c->note = format("cache: off (%s)", fixed_why);
        return c->note != NULL ? 0 : -1;
    }

    /* "dir/" would make lstat follow a symbolic link; the name without the
     * slash is the thing to check. */
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        dir[--len] = '\0';

    size_t failed_len = 0;
    int err = make_dirs(dir, &failed_len);
    if (err != 0)
        why = format("cannot create %.*s: %s", (int)failed_len, dir,
                     errstr(err, ebuf, sizeof ebuf));
    else
        why = check_dir(dir, &oom);
    if (why == NULL && (err != 0 || oom))
        goto fail_dir;

    if (why != NULL) {
        c->note = format("cache: off (%s)", why);
        free(why);
        free(dir);
        return c->note != NULL ? 0 : -1;
    }
    c->note = format("cache: %s", dir);
    if (c->note == NULL)
        goto fail_dir;
    c->dir = dir;
    return 0;

fail_dir:
    free(dir);
    return -1;
}

void clpool__cache_close(clpool__cache *c)
{
    if (c == NULL)
        return;
    free(c->dir);
    free(c->note);
    c->dir = NULL;
    c->note = NULL;
}

/* -------------------------------------------------------------------- keys */

void clpool__cache_key(const clpool__key_part *parts, size_t nparts, char key[CLPOOL__KEY_HEX])
{
    static const char digits[] = "0123456789abcdef";
    clpool__sha256 h;
    unsigned char d[32];
    clpool__sha256_init(&h);
    for (size_t i = 0; i < nparts; i++) {
        /* The length before each part makes the encoding unambiguous:
         * moving a boundary between parts changes the hashed bytes. */
        unsigned char lenbuf[8];
        put_le64(lenbuf, (uint64_t)parts[i].len);
        clpool__sha256_update(&h, lenbuf, sizeof lenbuf);
        if (parts[i].len > 0)
            clpool__sha256_update(&h, parts[i].data, parts[i].len);
    }
    clpool__sha256_final(&h, d);
    for (int i = 0; i < 32; i++) {
        key[2 * i] = digits[d[i] >> 4];
        key[2 * i + 1] = digits[d[i] & 15];
    }
    key[64] = '\0';
}

/* ------------------------------------------------------------------- load */

/* Reads exactly len bytes; 0 on success, -1 on an error or an early end. */
static int read_all(int fd, void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Removes a bad entry, but only if the name still refers to the file we
 * judged: another process may have renamed a good entry over it meanwhile. */
static void drop_entry(const char *path, const struct stat *judged)
{
    struct stat now;
    if (lstat(path, &now) != 0)
        return; /* already gone */
    if (judged != NULL && (now.st_dev != judged->st_dev || now.st_ino != judged->st_ino))
        return;
    /* A failure leaves the entry, which the next load rejects again: the
     * cache stays correct, only slower, so there is nothing to report. */
    (void)unlink(path);
}

int clpool__cache_entry_check(const char *key, const unsigned char *header,
                              const unsigned char *body, size_t body_len, size_t *deps_len,
                              size_t *payload_len)
{
    unsigned char want_key[32], digest[32];
    *deps_len = *payload_len = 0;
    if (!key_valid(key) || memcmp(header, MAGIC, 8) != 0)
        return 1;
    key_bytes(key, want_key);
    if (memcmp(header + 8, want_key, 32) != 0)
        return 1; /* another key's entry under this name */
    uint64_t dl = get_le64(header + 40), pl = get_le64(header + 48);
    if (dl > body_len || pl != body_len - dl)
        return 1;
    entry_digest(want_key, body, (size_t)dl, body + dl, (size_t)pl, digest);
    if (memcmp(digest, header + 56, 32) != 0)
        return 1;
    *deps_len = (size_t)dl;
    *payload_len = (size_t)pl;
    return 0;
}

int clpool__cache_load(const clpool__cache *c, const char *key, void **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (c == NULL || c->dir == NULL || !key_valid(key))
        return 0;

    int result = 0;
    char *path = format("%s/%s", c->dir, key);
    if (path == NULL)
        return -1;

    int fd;
    do
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        /* ELOOP: a symbolic link where an entry should be is not ours. */
        if (errno == ELOOP)
            drop_entry(path, NULL);
        goto free_path;
    }

    struct stat st;
    if (fstat(fd, &st) != 0)
        goto close_fd;
    if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        /* O_NONBLOCK above keeps a FIFO planted here from blocking the open;
         * whatever it is, it is not an entry. */
        drop_entry(path, &st);
        goto close_fd;
    }
    if (st.st_size < HEADER_SIZE || (uintmax_t)st.st_size > (uintmax_t)SIZE_MAX) {
        drop_entry(path, &st);
        goto close_fd;
    }

    unsigned char header[HEADER_SIZE];
    size_t body_len = (size_t)st.st_size - HEADER_SIZE;
    /* malloc(0) may return NULL; an empty body still needs a pointer. */
    unsigned char *body = malloc(body_len > 0 ? body_len : 1);
    if (body == NULL) {
        result = -1;
        goto close_fd;
    }
    if (read_all(fd, header, HEADER_SIZE) != 0 || read_all(fd, body, body_len) != 0) {
        drop_entry(path, &st);
        goto free_body;
    }
    size_t deps_len, payload_len;
    int verdict = clpool__cache_entry_check(key, header, body, body_len, &deps_len, &payload_len);
    if (verdict == 0)
        verdict = clpool__deps_check(body, deps_len);
    if (verdict < 0) {
        result = -1;
        goto free_body;
    }
    if (verdict != 0) {
        drop_entry(path, &st);
        goto free_body;
    }
    /* The caller gets the payload alone, at the start of its block. */
    memmove(body, body + deps_len, payload_len);
    unsigned char *payload = body;
    *data = payload;
    *len = payload_len;
    result = 1;
    goto close_fd;

free_body:
    free(body);
close_fd:
    /* Read-only: a failing close loses nothing we need. */
    (void)close(fd);
free_path:
    free(path);
    return result;
}

int clpool__cache_has_room(const clpool__cache *c)
{
    if (c == NULL || c->dir == NULL)
        return 0;
    struct statvfs sv;
    if (statvfs(c->dir, &sv) != 0)
        return 1; /* cannot tell: the writes themselves will say */
    /* A native build writes its .c, the .so and the entry: a few MB. */
    const unsigned long long need = 8ull << 20;
    return (unsigned long long)sv.f_bavail * sv.f_frsize >= need;
}

void clpool__cache_drop(const clpool__cache *c, const char *key)
{
    if (c == NULL || c->dir == NULL || !key_valid(key))
        return;
    char *path = format("%s/%s", c->dir, key);
    if (path != NULL)
        drop_entry(path, NULL);
    free(path);
}

/* ------------------------------------------------------------------ store */

static int write_all(int fd, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int clpool__cache_store(const clpool__cache *c, const char *key, const void *data, size_t len)
{
    return clpool__cache_store_deps(c, key, NULL, data, len);
}

int clpool__cache_store_deps(const clpool__cache *c, const char *key, const clpool__deps *deps,
                             const void *data, size_t len)
{
    if (c == NULL || c->dir == NULL || !key_valid(key) || (data == NULL && len > 0))
        return -1;
    /* A build whose dependencies could not all be recorded is not cached:
     * an entry could not tell when it went stale. */
    if (deps != NULL && deps->failed)
        return -1;
    const unsigned char *deps_data = deps != NULL ? deps->data : NULL;
    size_t deps_len = deps != NULL ? deps->len : 0;

    int result = -1;
    char *path = format("%s/%s", c->dir, key);
    if (path == NULL)
        return -1;
    char *tmp = format("%s/" TMP_PREFIX "%.16s-XXXXXX", c->dir, key);
    if (tmp == NULL)
        goto free_path;

    unsigned char header[HEADER_SIZE];
    memcpy(header, MAGIC, 8);
    key_bytes(key, header + 8);
    put_le64(header + 40, (uint64_t)deps_len);
    put_le64(header + 48, (uint64_t)len);
    entry_digest(header + 8, deps_data, deps_len, data, len, header + 56);

    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        goto free_tmp;
    /* mkostemp already makes the file 0600 less the umask; fchmod states the
     * mode we rely on whatever the umask was. */
    if (fchmod(fd, 0600) != 0 || write_all(fd, header, HEADER_SIZE) != 0 ||
        write_all(fd, deps_data, deps_len) != 0 || write_all(fd, data, len) != 0) {
        (void)close(fd);
        goto unlink_tmp;
    }
    /* No fsync: after a crash a short or empty entry fails verification and
     * is rebuilt, which is cheaper than syncing every build. A failing close
     * may mean the data did not reach the file (NFS), so it counts. */
    if (close(fd) != 0)
        goto unlink_tmp;
    if (rename(tmp, path) != 0)
        goto unlink_tmp;
    result = 0;
    goto free_tmp;

unlink_tmp:
    /* Nothing more to do if this fails: a stray temporary file is never read
     * as an entry (its name is not a key). */
    (void)unlink(tmp);
free_tmp:
    free(tmp);
free_path:
    free(path);
    return result;
}
