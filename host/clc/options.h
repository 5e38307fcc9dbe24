/*
 * Maps OpenCL build options ("-DN=4 -cl-fast-relaxed-math") onto C compiler
 * flags for the native path. Options are split like a shell would split them
 * (quotes group, backslash escapes) but nothing is expanded and no shell
 * runs. An option the native path has no meaning for is refused, never
 * dropped silently; the few that only matter to OpenCL devices are ignored.
 */
#ifndef CLPOOL_CLC_OPTIONS_H
#define CLPOOL_CLC_OPTIONS_H

#include <stddef.h>

#include "../internal.h"

/* A NULL-terminated, heap-allocated argument list. */
typedef struct clpool__argv {
    char **v;
    size_t n, cap;
} clpool__argv;

/* Appends a copy of s. Returns 0, or -1 on allocation failure. */
int clpool__argv_add(clpool__argv *a, const char *s);
void clpool__argv_free(clpool__argv *a);

/* Splits text into words: blanks separate, '...' and "..." group, a
 * backslash outside single quotes takes the next character as is.
 * Returns 0, 1 for an unterminated quote, or -1 on allocation failure. */
int clpool__split_words(const char *text, clpool__argv *out);

/* Appends the C compiler flags for the OpenCL options to flags. Returns
 * CLPOOL_OK, CLPOOL_EBUILD naming an option that is not supported (message
 * recorded on pool), or CLPOOL_ENOMEM. */
int clpool__map_options(clpool *pool, const char *options, clpool__argv *flags);

#endif /* CLPOOL_CLC_OPTIONS_H */
