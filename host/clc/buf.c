/* The growable text buffer (see buf.h). */
#include "clc/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for len more bytes and the NUL. */
static int reserve(clpool__buf *b, size_t len)
{
    if (b->failed)
        return -1;
    if (len < b->cap - b->len && b->data != NULL)
        return 0;
    size_t need;
    if (__builtin_add_overflow(b->len, len, &need) || __builtin_add_overflow(need, 1, &need)) {
        b->failed = 1;
        return -1;
    }
    size_t cap = b->cap != 0 ? b->cap : 256;
    while (cap < need) {
        if (cap > (size_t)-1 / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    char *grown = realloc(b->data, cap);
    if (grown == NULL) {
        b->failed = 1;
        return -1;
    }
    b->data = grown;
    b->cap = cap;
    return 0;
}

void clpool__buf_add(clpool__buf *b, const void *data, size_t len)
{
    if (reserve(b, len) != 0)
        return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void clpool__buf_str(clpool__buf *b, const char *s)
{
    clpool__buf_add(b, s, strlen(s));
}

void clpool__buf_fmt(clpool__buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (reserve(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *clpool__buf_take(clpool__buf *b)
{
    if (b->failed) {
        clpool__buf_free(b);
        return NULL;
    }
    if (reserve(b, 0) != 0) {
        clpool__buf_free(b);
        return NULL;
    }
    b->data[b->len] = '\0';
    char *s = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void clpool__buf_free(clpool__buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}
