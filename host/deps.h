/*
 * The files a build read besides its source: the headers that #include
 * finds through -I. A cache entry records each with the size and SHA-256 of
 * its contents (or that it did not exist), and a load is a hit only while
 * every one still matches, so that editing a header rebuilds the program.
 */
#ifndef CLPOOL_DEPS_H
#define CLPOOL_DEPS_H

#include <stddef.h>
#include <stdint.h>

typedef struct clpool__deps {
    unsigned char *data; /* the records, as stored in a cache entry */
    size_t len, cap;
    int failed;          /* a file could not be read, or no memory: do not cache */
} clpool__deps;

/* Records path with its contents' size and hash now, or as absent when
 * there is no such file. A file that exists but cannot be read, or is not a
 * regular file, sets failed. */
void clpool__deps_add(clpool__deps *d, const char *path);

/* Records every prerequisite of the make rules in text, as a compiler
 * writes them with -M or -MD ("target: a.h b.h \<newline> c.h", blanks in
 * names escaped "\ ", '$' as "$$"), except skip (the compiled file itself;
 * NULL: none). Text with no rule in it sets failed. */
void clpool__deps_add_make(clpool__deps *d, const char *text, size_t len, const char *skip);

/* clpool__deps_add_make over the file at path (a compiler's -MF output);
 * a file that cannot be read sets failed. */
void clpool__deps_add_file_list(clpool__deps *d, const char *path, const char *skip);

/* The headers an OpenCL program reads, for a driver that cannot say: when
 * the source mentions "include" at all, the host C compiler ($CC, else cc)
 * preprocesses it with the options' -D, -U and -I words (-E -M -MG, in an
 * empty private directory) and its list is recorded. A compiler that cannot
 * be run or that fails sets failed: such a program is not cached. */
void clpool__deps_of_source(clpool__deps *d, const char *source, const char *options);

void clpool__deps_free(clpool__deps *d);

/* One record of a stored list. */
typedef struct clpool__dep {
    const char *path;    /* not NUL-terminated: path_len bytes */
    size_t path_len;
    int present;
    uint64_t size;
    const unsigned char *sha256; /* 32 bytes */
} clpool__dep;

/* Reads the record at *at of a stored list of len bytes, and moves *at past
 * it. Returns 1 with *dep set, 0 at the end of the list, -1 when the list is
 * malformed. Touches nothing but the bytes (the fuzz harness drives it). */
int clpool__deps_next(const unsigned char *data, size_t len, size_t *at, clpool__dep *dep);

/* 0 when every file of a stored list still has its recorded contents (or is
 * still absent), 1 when one has changed or the list is malformed, -1 when
 * there was no memory to check. */
int clpool__deps_check(const unsigned char *data, size_t len);

#endif /* CLPOOL_DEPS_H */
