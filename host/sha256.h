/* SHA-256 (FIPS 180-4), for cache keys and entry checksums. */
#ifndef CLPOOL_SHA256_H
#define CLPOOL_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct clpool__sha256 {
    uint32_t state[8];
    uint64_t bytes;
    unsigned char block[64];
    size_t fill;
} clpool__sha256;

void clpool__sha256_init(clpool__sha256 *h);
void clpool__sha256_update(clpool__sha256 *h, const void *data, size_t len);
void clpool__sha256_final(clpool__sha256 *h, unsigned char digest[32]);

#endif /* CLPOOL_SHA256_H */
