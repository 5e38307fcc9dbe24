/*
 * The compilers the native path uses when CC is not set. For programs with
 * vector types: `clang` on PATH, else the newest `clang-NN`, else `cc`; for
 * the others: `cc`, else `gcc`, else that clang. Fake executables in a
 * private PATH; nothing is run.
 */
#include "task.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clc/compiler.h"
#include "clc/options.h"

static void touch(const char *dir, const char *name, mode_t mode)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    ASSERT(fd >= 0);
    ASSERT_EQ(close(fd), 0);
    ASSERT_EQ(chmod(path, mode), 0);
}

static void expect_default(const char *path, const char *want)
{
    ASSERT_EQ(setenv("PATH", path, 1), 0);
    char name[32];
    clpool__compiler_default(name, sizeof name);
    if (strcmp(name, want) != 0)
        FAIL_("PATH=%s: got %s, want %s", path, name, want);
}

static void expect_plain(const char *path, const char *want)
{
    ASSERT_EQ(setenv("PATH", path, 1), 0);
    char name[32];
    clpool__compiler_plain(name, sizeof name);
    if (strcmp(name, want) != 0)
        FAIL_("PATH=%s: plain programs got %s, want %s", path, name, want);
}

int main(void)
{
    const char *root = test_tmpdir("unit_compiler");
    char a[256], b[256], both[600];
    snprintf(a, sizeof a, "%s/a", root);
    snprintf(b, sizeof b, "%s/b", root);
    ASSERT_EQ(mkdir(a, 0700), 0);
    ASSERT_EQ(mkdir(b, 0700), 0);
    snprintf(both, sizeof both, "%s:%s", a, b);

    expect_default(both, "cc");
    expect_plain(both, "cc");
    touch(a, "clang-9", 0700);
    touch(b, "clang-15", 0700);
    touch(b, "clang-16", 0600);      /* not executable */
    touch(a, "clang-17x", 0700);     /* not clang-NN */
    touch(a, "clang-format-18", 0700);
    expect_default(both, "clang-15");
    expect_default(a, "clang-9");
    expect_plain(both, "clang-15"); /* neither cc nor gcc */
    touch(b, "clang", 0700);
    expect_default(both, "clang");
    expect_plain(both, "clang");
    touch(b, "gcc", 0700);
    expect_plain(both, "gcc");
    touch(b, "cc", 0600); /* not executable */
    expect_plain(both, "gcc");
    touch(a, "cc", 0700);
    expect_plain(both, "cc");
    expect_default(both, "clang");

    /* CC, when set, is taken as it is. */
    clpool__argv cc = {0};
    ASSERT_EQ(setenv("CC", "gcc -m64", 1), 0);
    ASSERT(clpool__compiler_from_env());
    for (int vectors = 0; vectors < 2; vectors++) {
        ASSERT_EQ(clpool__compiler_words(NULL, vectors, &cc), CLPOOL_OK);
        ASSERT_EQ(cc.n, 2);
        ASSERT(strcmp(cc.v[0], "gcc") == 0 && strcmp(cc.v[1], "-m64") == 0);
        clpool__argv_free(&cc);
    }
    /* A blank CC is no CC. */
    ASSERT_EQ(setenv("CC", "  ", 1), 0);
    ASSERT(!clpool__compiler_from_env());
    ASSERT_EQ(clpool__compiler_words(NULL, 1, &cc), CLPOOL_OK);
    ASSERT_EQ(cc.n, 1);
    ASSERT(strcmp(cc.v[0], "clang") == 0);
    clpool__argv_free(&cc);
    ASSERT_EQ(clpool__compiler_words(NULL, 0, &cc), CLPOOL_OK);
    ASSERT_EQ(cc.n, 1);
    ASSERT(strcmp(cc.v[0], "cc") == 0);
    clpool__argv_free(&cc);
    return 0;
}
