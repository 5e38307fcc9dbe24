/*
 * A growable byte buffer for building text (generated source, compiler
 * output, messages). Allocation failure is sticky: the calls after it do
 * nothing, and the owner checks `failed` once at the end.
 */
#ifndef CLPOOL_CLC_BUF_H
#define CLPOOL_CLC_BUF_H

#include <stddef.h>

#include "../internal.h"

typedef struct clpool__buf {
    char *data; /* NUL-terminated once anything was added; NULL while empty */
    size_t len, cap;
    int failed;
} clpool__buf;

void clpool__buf_add(clpool__buf *b, const void *data, size_t len);
void clpool__buf_str(clpool__buf *b, const char *s);
void clpool__buf_fmt(clpool__buf *b, const char *fmt, ...) CLPOOL__PRINTF(2, 3);
/* Hands over the text (never NULL unless failed: "" for an empty buffer)
 * and leaves b empty. */
char *clpool__buf_take(clpool__buf *b);
void clpool__buf_free(clpool__buf *b);

#endif /* CLPOOL_CLC_BUF_H */
