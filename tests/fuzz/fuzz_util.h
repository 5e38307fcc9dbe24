/*
 * Shared by the libFuzzer harnesses: the input as a NUL-terminated string
 * (the parsers take C strings), and a pool that only collects messages.
 */
#ifndef CLPOOL_FUZZ_UTIL_H
#define CLPOOL_FUZZ_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A heap copy of data with a NUL after it; embedded NULs end the string
 * early, as they would for a caller's source. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* A pool that is only somewhere to put clpool__error's messages. */
static inline clpool *fuzz_pool(void)
{
    static clpool pool;
    return &pool;
}

static inline void fuzz_pool_reset(void)
{
    free(fuzz_pool()->errmsg);
    fuzz_pool()->errmsg = NULL;
}

#endif /* CLPOOL_FUZZ_UTIL_H */
