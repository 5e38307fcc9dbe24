/*
 * The on-disk cache: keys, entries that verify or are thrown away, and the
 * directory checks that keep the cache private.
 */
#include "task.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "sha256.h"

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ASSERT(f != NULL);
    ASSERT_EQ(fwrite(data, 1, len, f), len);
    ASSERT_EQ(fclose(f), 0);
}

static size_t read_file(const char *path, unsigned char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    ASSERT(f != NULL);
    size_t n = fread(buf, 1, cap, f);
    ASSERT_EQ(fclose(f), 0);
    return n;
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static size_t count_files(const char *dir)
{
    DIR *d = opendir(dir);
    ASSERT(d != NULL);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void key_of(const char *a, const char *b, char key[CLPOOL__KEY_HEX])
{
    clpool__key_part parts[2] = {{a, strlen(a)}, {b, strlen(b)}};
    clpool__cache_key(parts, 2, key);
}

static void test_keys(void)
{
    char k1[CLPOOL__KEY_HEX], k2[CLPOOL__KEY_HEX], k3[CLPOOL__KEY_HEX];
    key_of("ab", "c", k1);
    key_of("a", "bc", k2);
    key_of("ab", "c", k3);
    ASSERT_EQ(strlen(k1), 64);
    ASSERT(strcmp(k1, k2) != 0);
    ASSERT(strcmp(k1, k3) == 0);
    /* An empty part still counts: ("abc") and ("abc", "") differ. */
    clpool__key_part one[1] = {{"abc", 3}};
    clpool__key_part two[2] = {{"abc", 3}, {"", 0}};
    clpool__cache_key(one, 1, k1);
    clpool__cache_key(two, 2, k2);
    ASSERT(strcmp(k1, k2) != 0);

    /* The encoding is the documented one: SHA-256 of len(8 bytes LE) || data. */
    unsigned char msg[11] = {3, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c'};
    unsigned char d[32];
    clpool__sha256 h;
    clpool__sha256_init(&h);
    clpool__sha256_update(&h, msg, sizeof msg);
    clpool__sha256_final(&h, d);
    char want[65];
    for (int i = 0; i < 32; i++)
        snprintf(want + 2 * i, 3, "%02x", d[i]);
    if (strcmp(k1, want) != 0)
        FAIL_("key of (\"abc\"): got %s, want %s", k1, want);

    /* No parts at all: the hash of nothing. */
    clpool__cache_key(NULL, 0, k1);
    ASSERT(strcmp(k1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
}

static clpool__cache open_dir(const char *dir)
{
    clpool__cache c;
    ASSERT_EQ(clpool__cache_open(&c, dir), 0);
    ASSERT(c.note != NULL);
    return c;
}

static void test_entries(void)
{
    const char *dir = test_under("entries");
    clpool__cache c = open_dir(dir);
    ASSERT(c.dir != NULL);
    char want_note[600];
    snprintf(want_note, sizeof want_note, "cache: %s", dir);
    ASSERT(strcmp(c.note, want_note) == 0);

    char key[CLPOOL__KEY_HEX], other[CLPOOL__KEY_HEX];
    key_of("source", "options", key);
    key_of("source", "other options", other);

    void *data = (void *)1;
    size_t len = 99;
    /* A miss first, with the outputs cleared. */
    ASSERT_EQ(clpool__cache_load(&c, key, &data, &len), 0);
    ASSERT(data == NULL);
    ASSERT_EQ(len, 0);

    const char payload[] = "a built program\0with a NUL inside";
    ASSERT_EQ(clpool__cache_store(&c, key, payload, sizeof payload), 0);
    ASSERT_EQ(clpool__cache_load(&c, key, &data, &len), 1);
    ASSERT_EQ(len, sizeof payload);
    ASSERT(memcmp(data, payload, len) == 0);
    free(data);
    /* A different key is still a miss. */
    ASSERT_EQ(clpool__cache_load(&c, other, &data, &len), 0);

    /* The entry is the file the format describes, mode 0600, and no
     * temporary file is left beside it. */
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, key);
    struct stat st;
    ASSERT_EQ(lstat(path, &st), 0);
    ASSERT(S_ISREG(st.st_mode));
    ASSERT_EQ(st.st_mode & 07777, 0600);
    ASSERT_EQ(st.st_size, 88 + sizeof payload);
    ASSERT_EQ(count_files(dir), 1);
    unsigned char file[256];
    size_t flen = read_file(path, file, sizeof file);
    ASSERT_EQ(flen, 88 + sizeof payload);
    ASSERT(memcmp(file, "CLPOOLC2", 8) == 0);
    /* The key itself, as bytes, then no dependencies, then the length. */
    for (int i = 0; i < 32; i++) {
        unsigned hi, lo;
        ASSERT_EQ(sscanf(key + 2 * i, "%1x%1x", &hi, &lo), 2);
        ASSERT_EQ(file[8 + i], hi << 4 | lo);
    }
    for (int i = 40; i < 48; i++)
        ASSERT_EQ(file[i], 0);
    ASSERT_EQ(file[48], sizeof payload);
    for (int i = 49; i < 56; i++)
        ASSERT_EQ(file[i], 0);
    ASSERT(memcmp(file + 88, payload, sizeof payload) == 0);

    /* Storing again replaces the entry. */
    ASSERT_EQ(clpool__cache_store(&c, key, "new", 3), 0);
    ASSERT_EQ(clpool__cache_load(&c, key, &data, &len), 1);
    ASSERT_EQ(len, 3);
    ASSERT(memcmp(data, "new", 3) == 0);
    free(data);
    ASSERT_EQ(count_files(dir), 1);

    /* An empty payload is a hit with length 0 and a pointer to free. */
    ASSERT_EQ(clpool__cache_store(&c, other, NULL, 0), 0);
    ASSERT_EQ(clpool__cache_load(&c, other, &data, &len), 1);
    ASSERT_EQ(len, 0);
    ASSERT(data != NULL);
    free(data);

    /* Each way of damaging an entry: a flipped byte anywhere (magic, length,
     * digest, payload), a truncation, a byte too many. Each is a miss and the
     * file is gone afterwards. */
    ASSERT_EQ(clpool__cache_store(&c, key, payload, sizeof payload), 0);
    flen = read_file(path, file, sizeof file);
    size_t flips[] = {0, 7, 8, 39, 40, 47, 48, 55, 56, 87, 88, flen - 1};
    for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        unsigned char bad[256];
        memcpy(bad, file, flen);
        bad[flips[i]] ^= 0x01;
        write_file(path, bad, flen);
        ASSERT_EQ(clpool__cache_load(&c, key, &data, &len), 0);
        ASSERT(data == NULL);
        if (exists(path))
            FAIL_("entry with byte %zu flipped was not removed", flips[i]);
    }
    size_t cuts[] = {0, 1, 8, 47, 48, 87, 88, flen - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        write_file(path, file, cuts[i]);
        ASSERT_EQ(clpool__cache_load(&c, key, &data, &len), 0);
        if (exists(path))
            FAIL_("entry truncated to %zu bytes was not removed", cuts[i]);
    }
    unsigned char longer[257];
    memcpy(longer, file, flen);
    longer[flen] = 0;
    write_file(path, longer, flen + 1);
    ASSERT_EQ(clpool__cache_load(&c, key, &data, &len), 0);
    ASSERT(!exists(path));

    /* After all that, a store and a hit work again. */
    ASSERT_EQ(clpool__cache_store(&c, key, payload, sizeof payload), 0);
    ASSERT_EQ(clpool__cache_load(&c, key, &data, &len), 1);
    free(data);

    /* A symbolic link where an entry should be, even to a valid entry, is
     * not followed, and is removed. */
    char target[600];
    snprintf(target, sizeof target, "%s", test_under("real-entry"));
    write_file(target, file, flen);
    ASSERT_EQ(unlink(path), 0);
    ASSERT_EQ(symlink(target, path), 0);
    ASSERT_EQ(clpool__cache_load(&c, key, &data, &len), 0);
    ASSERT(!exists(path));
    ASSERT(exists(target));

    /* A directory where an entry should be: a miss, not a crash. */
    ASSERT_EQ(mkdir(path, 0700), 0);
    ASSERT_EQ(clpool__cache_load(&c, key, &data, &len), 0);
    /* ... and a store cannot rename over it, which is reported, and leaves no
     * temporary file behind. */
    size_t before = count_files(dir);
    ASSERT_EQ(clpool__cache_store(&c, key, payload, sizeof payload), -1);
    ASSERT_EQ(count_files(dir), before);
    ASSERT_EQ(rmdir(path), 0);

    /* Keys that are not 64 lowercase hex digits never become paths. */
    ASSERT_EQ(clpool__cache_store(&c, "../escape", "x", 1), -1);
    ASSERT_EQ(clpool__cache_load(&c, "../escape", &data, &len), 0);
    char upper[CLPOOL__KEY_HEX];
    memcpy(upper, key, sizeof upper);
    upper[0] = 'A';
    ASSERT_EQ(clpool__cache_store(&c, upper, "x", 1), -1);
    char shortkey[CLPOOL__KEY_HEX];
    memcpy(shortkey, key, sizeof shortkey);
    shortkey[63] = '\0';
    ASSERT_EQ(clpool__cache_load(&c, shortkey, &data, &len), 0);
    ASSERT(!exists(test_under("escape")));

    clpool__cache_close(&c);
    ASSERT(c.dir == NULL && c.note == NULL);
    clpool__cache_close(&c); /* twice is harmless */
}

static void expect_off(const char *dir, const char *why)
{
    clpool__cache c = open_dir(dir);
    if (c.dir != NULL)
        FAIL_("cache on at %s, want off because \"%s\"; note: %s", c.dir, why, c.note);
    char want[700];
    snprintf(want, sizeof want, "cache: off (%s)", why);
    if (strcmp(c.note, want) != 0)
        FAIL_("note \"%s\", want \"%s\"", c.note, want);
    /* Off means off: nothing is loaded or stored. */
    char key[CLPOOL__KEY_HEX];
    key_of("k", "", key);
    void *data;
    size_t len;
    ASSERT_EQ(clpool__cache_store(&c, key, "x", 1), -1);
    ASSERT_EQ(clpool__cache_load(&c, key, &data, &len), 0);
    clpool__cache_close(&c);
}

static void test_directories(void)
{
    char why[700];

    /* "" turns the cache off, saying only that. */
    clpool__cache c = open_dir("");
    ASSERT(c.dir == NULL);
    ASSERT(strcmp(c.note, "cache: off") == 0);
    clpool__cache_close(&c);

    /* Missing directories are made, each one 0700, whatever the umask. */
    mode_t old = umask(0);
    c = open_dir(test_under("a/b//c/"));
    umask(old);
    ASSERT(c.dir != NULL);
    ASSERT(strcmp(c.dir, test_under("a/b//c")) == 0); /* trailing slash dropped */
    const char *made[] = {"a", "a/b", "a/b/c"};
    for (int i = 0; i < 3; i++) {
        struct stat st;
        ASSERT_EQ(lstat(test_under(made[i]), &st), 0);
        ASSERT(S_ISDIR(st.st_mode));
        if ((st.st_mode & 07777) != 0700)
            FAIL_("%s made with mode %o, want 700", made[i], (unsigned)(st.st_mode & 07777));
    }
    clpool__cache_close(&c);
    /* Open again: an existing good directory is used as is. */
    c = open_dir(test_under("a/b/c"));
    ASSERT(c.dir != NULL);
    clpool__cache_close(&c);

    /* Writable by others: off, with the fix in the note. */
    ASSERT_EQ(mkdir(test_under("open"), 0700), 0);
    ASSERT_EQ(chmod(test_under("open"), 0777), 0);
    snprintf(why, sizeof why, "%s is writable by group or others; chmod 700 it",
             test_under("open"));
    expect_off(test_under("open"), why);
    ASSERT_EQ(chmod(test_under("open"), 0770), 0);
    expect_off(test_under("open"), why);
    /* Readable by others is allowed: only writing lets them plant code. */
    ASSERT_EQ(chmod(test_under("open"), 0755), 0);
    c = open_dir(test_under("open"));
    ASSERT(c.dir != NULL);
    clpool__cache_close(&c);

    /* A symbolic link to a good directory: off (it could be repointed). */
    ASSERT_EQ(symlink(test_under("a/b/c"), test_under("link")), 0);
    snprintf(why, sizeof why, "%s is a symbolic link; use the directory it points to",
             test_under("link"));
    expect_off(test_under("link"), why);
    expect_off(test_under("link/"), why);

    /* A regular file: off; and a path through a file cannot be made. */
    write_file(test_under("file"), "x", 1);
    snprintf(why, sizeof why, "%s is not a directory", test_under("file"));
    expect_off(test_under("file"), why);
    snprintf(why, sizeof why, "cannot create %s: %s", test_under("file/sub"), strerror(ENOTDIR));
    expect_off(test_under("file/sub/dir"), why);

    /* Owned by someone else (needs root to arrange): off, naming the owner. */
    if (geteuid() == 0) {
        ASSERT_EQ(mkdir(test_under("theirs"), 0700), 0);
        ASSERT_EQ(chown(test_under("theirs"), 65534, 65534), 0);
        snprintf(why, sizeof why, "%s is owned by uid 65534, not 0", test_under("theirs"));
        expect_off(test_under("theirs"), why);
    } else {
        fprintf(stderr, "note: not root, the other-owner case is not tested\n");
    }
}

static void test_default_dir(void)
{
    /* XDG_CACHE_HOME, when absolute, wins. */
    ASSERT_EQ(setenv("XDG_CACHE_HOME", test_under("xdg"), 1), 0);
    ASSERT_EQ(setenv("HOME", test_under("home"), 1), 0);
    clpool__cache c = open_dir(NULL);
    ASSERT(c.dir != NULL);
    ASSERT(strcmp(c.dir, test_under("xdg/clpool")) == 0);
    clpool__cache_close(&c);

    /* A relative XDG_CACHE_HOME is invalid (XDG spec): HOME is used. */
    ASSERT_EQ(setenv("XDG_CACHE_HOME", "relative/dir", 1), 0);
    c = open_dir(NULL);
    ASSERT(c.dir != NULL);
    ASSERT(strcmp(c.dir, test_under("home/.cache/clpool")) == 0);
    clpool__cache_close(&c);
    ASSERT(!exists("relative"));

    ASSERT_EQ(unsetenv("XDG_CACHE_HOME"), 0);
    c = open_dir(NULL);
    ASSERT(c.dir != NULL);
    ASSERT(strcmp(c.dir, test_under("home/.cache/clpool")) == 0);
    char note[600];
    snprintf(note, sizeof note, "cache: %s", test_under("home/.cache/clpool"));
    ASSERT(strcmp(c.note, note) == 0);
    clpool__cache_close(&c);
    /* ~/.cache was made private too. */
    struct stat st;
    ASSERT_EQ(lstat(test_under("home/.cache"), &st), 0);
    ASSERT_EQ(st.st_mode & 077, 0);
}

int main(void)
{
    test_tmpdir("unit-cache");

    test_keys();
    test_entries();
    test_directories();
    test_default_dir();
    return 0;
}
