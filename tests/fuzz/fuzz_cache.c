/*
 * libFuzzer harness: the cache reader. The input is an entry file; it is
 * judged against two keys, its own (the one its header names, so that the
 * checks past the key are reached) and a fixed other one, and the
 * dependency list of an entry is walked record by record. The digest check
 * keeps random payloads out, so the list is also walked on the raw input.
 * Last, the whole reader: the input is stored as the file of its own key in
 * a private cache directory and loaded.
 */
#include "fuzz_util.h"

#include <stdio.h>
#include <unistd.h>

#include "cache.h"
#include "deps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const unsigned char *list, size_t len)
{
    size_t at = 0;
    clpool__dep dep;
    int r;
    while ((r = clpool__deps_next(list, len, &at, &dep)) == 1)
        if (dep.path_len == 0 || at > len || (const unsigned char *)dep.path < list ||
            (const unsigned char *)dep.path + dep.path_len > list + len)
            abort();
    if (r == 0 && at != len)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    walk(data, size);
    if (size < CLPOOL__CACHE_HEADER)
        return 0;
    static const char digits[] = "0123456789abcdef";
    char own[CLPOOL__KEY_HEX];
    for (int i = 0; i < 32; i++) {
        own[2 * i] = digits[data[8 + i] >> 4];
        own[2 * i + 1] = digits[data[8 + i] & 15];
    }
    own[64] = '\0';
    const char *keys[] = {own, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"};
    for (int k = 0; k < 2; k++) {
        size_t deps_len = 0, payload_len = 0;
        const unsigned char *body = data + CLPOOL__CACHE_HEADER;
        size_t body_len = size - CLPOOL__CACHE_HEADER;
        if (clpool__cache_entry_check(keys[k], data, body, body_len, &deps_len, &payload_len) ==
            0) {
            if (deps_len + payload_len != body_len)
                abort();
            walk(body, deps_len);
        }
    }

    static clpool__cache cache;
    static int opened;
    if (!opened) {
        char dir[] = "/tmp/clpool-fuzz-cache-XXXXXX";
        if (mkdtemp(dir) == NULL || clpool__cache_open(&cache, dir) != 0 || cache.dir == NULL)
            abort();
        opened = 1;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", cache.dir, own);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        abort();
    if (fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    void *payload = NULL;
    size_t len = 0;
    int hit = clpool__cache_load(&cache, own, &payload, &len);
    if (hit == 1 && len > size)
        abort();
    free(payload);
    (void)unlink(path);
    return 0;
}
