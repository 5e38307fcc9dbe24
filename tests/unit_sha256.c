/*
 * SHA-256 against the FIPS 180-4 example vectors (NIST "Example Algorithms",
 * SHA256.pdf and SHA2_Additional.pdf), and incremental updates that split
 * the message at awkward places.
 */
#include "task.h"

#include "sha256.h"

static void hex(const unsigned char d[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[64] = '\0';
}

static void check_one_shot(const char *msg, size_t len, const char *want)
{
    clpool__sha256 h;
    unsigned char d[32];
    char got[65];
    clpool__sha256_init(&h);
    clpool__sha256_update(&h, msg, len);
    clpool__sha256_final(&h, d);
    hex(d, got);
    if (strcmp(got, want) != 0)
        FAIL_("sha256 of %zu bytes \"%.20s...\": got %s, want %s", len, msg, got, want);
}

/* Hashes msg in pieces whose sizes come from the sequence `cuts`, cycled. */
static void check_split(const char *msg, size_t len, const size_t *cuts, size_t ncuts,
                        const char *want)
{
    clpool__sha256 h;
    unsigned char d[32];
    char got[65];
    clpool__sha256_init(&h);
    size_t at = 0, c = 0;
    while (at < len) {
        size_t take = cuts[c++ % ncuts];
        if (take > len - at)
            take = len - at;
        clpool__sha256_update(&h, msg + at, take);
        at += take;
    }
    clpool__sha256_final(&h, d);
    hex(d, got);
    if (strcmp(got, want) != 0)
        FAIL_("split sha256 of %zu bytes (first cut %zu): got %s, want %s", len, cuts[0], got,
              want);
}

int main(void)
{
    static const char abc448[] =
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    static const char abc896[] =
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
        "klmnopqrlmnopqrsmnopqrstnopqrstu";
    const char *empty_d = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const char *abc_d = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const char *abc448_d = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
    const char *abc896_d = "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1";
    const char *million_d = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

    check_one_shot("", 0, empty_d);
    check_one_shot("abc", 3, abc_d);
    ASSERT_EQ(strlen(abc448), 56);
    check_one_shot(abc448, 56, abc448_d);
    ASSERT_EQ(strlen(abc896), 112);
    check_one_shot(abc896, 112, abc896_d);

    /* One million 'a': once in one call, once 1000 bytes at a time (the
     * standard's own suggestion), once in odd pieces that straddle blocks. */
    char *million = malloc(1000000);
    ASSERT(million != NULL);
    memset(million, 'a', 1000000);
    check_one_shot(million, 1000000, million_d);
    static const size_t thousand[] = {1000};
    check_split(million, 1000000, thousand, 1, million_d);
    static const size_t odd[] = {1, 63, 65, 7, 128, 55, 57, 0, 64, 3};
    check_split(million, 1000000, odd, sizeof odd / sizeof odd[0], million_d);
    free(million);

    /* Every split point of the two-block message, including the ones where
     * the padding lands exactly on or beside a block boundary. */
    for (size_t cut = 1; cut < 112; cut++) {
        size_t cuts[] = {cut, 112};
        check_split(abc896, 112, cuts, 2, abc896_d);
    }
    for (size_t cut = 1; cut <= 56; cut++) {
        size_t cuts[] = {cut};
        check_split(abc448, 56, cuts, 1, abc448_d);
    }

    /* Lengths around the padding boundary (55, 56, 63, 64, 65 bytes) hash the
     * same in one call and byte by byte. */
    char buf[130];
    memset(buf, 'x', sizeof buf);
    for (size_t len = 50; len <= sizeof buf; len++) {
        clpool__sha256 h;
        unsigned char d1[32], d2[32];
        clpool__sha256_init(&h);
        clpool__sha256_update(&h, buf, len);
        clpool__sha256_final(&h, d1);
        clpool__sha256_init(&h);
        for (size_t i = 0; i < len; i++)
            clpool__sha256_update(&h, buf + i, 1);
        clpool__sha256_final(&h, d2);
        if (memcmp(d1, d2, 32) != 0)
            FAIL_("length %zu: byte-by-byte digest differs from one-shot", len);
    }
    /* A known value in that range: 64 'a' (one block, padding in a second). */
    check_one_shot("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64,
                   "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
    return 0;
}
