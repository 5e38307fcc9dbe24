/*
 * The disk cache under the OpenCL backend: a second pool loads what the
 * first built; damaged entries, and entries whose binary the driver refuses,
 * are rebuilt rather than trusted; build options give separate entries; a
 * directory others may write to turns the cache off, and says so.
 */
#include "task.h"

#include "internal.h" /* prog->from_cache */

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

enum { N = 4099 };

/* An OpenCL pool whose cache is dir; skips the test where there is no
 * OpenCL device. */
static clpool *open_with_cache(const char *dir)
{
    clpool_config cfg = test_config(CLPOOL_OPENCL);
    cfg.cache_dir = dir;
    return test_open_cfg(&cfg);
}

/* The cache entries in dir (temporary files excluded), up to max names. */
static size_t entries(const char *dir, char names[][80], size_t max)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        FAIL_("opendir %s: %s", dir, strerror(errno));
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n < max && names != NULL)
            snprintf(names[n], 80, "%.79s", e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

/* Builds saxpy in pool, checks where it came from, and checks a map. */
static void saxpy_once(clpool *pool, int want_from_cache, const char *when)
{
    clpool_program *prog = NULL;
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_program_file(pool, test_kernel_path("saxpy.cl"), NULL, &prog));
    if (prog->from_cache != want_from_cache)
        FAIL_("%s: from_cache is %d, want %d (%s)", when, prog->from_cache, want_from_cache,
              clpool_describe(pool));
    ASSERT_OK(pool, clpool_kernel_get(prog, "saxpy", &k));
    static float x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = (float)(i % 100);
        y[i] = (float)(i % 3);
    }
    ASSERT_OK(pool, CLPOOL_MAP(k, N, clpool_f32(2.0f), clpool_in(x, sizeof(float)),
                               clpool_inout(y, sizeof(float))));
    for (int i = 0; i < N; i++)
        if (y[i] != 2.0f * (float)(i % 100) + (float)(i % 3))
            FAIL_("%s: item %d is %g, want %g", when, i, y[i],
                  2.0f * (float)(i % 100) + (float)(i % 3));
    clpool_program_free(prog);
}

/* Builds the kernel that writes X into its output, with -DX=value. */
static void constant_once(clpool *pool, int value, int want_from_cache)
{
    const char *src = "__kernel void constant_x(__global int *out)\n"
                      "{ out[get_global_id(0)] = X; }\n";
    char options[32];
    snprintf(options, sizeof options, "-DX=%d", value);
    clpool_program *prog = NULL;
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, src, options, &prog));
    if (prog->from_cache != want_from_cache)
        FAIL_("%s: from_cache is %d, want %d", options, prog->from_cache, want_from_cache);
    ASSERT_OK(pool, clpool_kernel_get(prog, "constant_x", &k));
    int out[16];
    memset(out, 0, sizeof out);
    ASSERT_OK(pool, CLPOOL_MAP(k, 16, clpool_out(out, sizeof(int))));
    for (int i = 0; i < 16; i++)
        if (out[i] != value)
            FAIL_("%s: item %d is %d: the program of other options was used", options, i,
                  out[i]);
    clpool_program_free(prog);
}

static void flip_bytes(const char *path)
{
    FILE *f = fopen(path, "r+b");
    if (f == NULL)
        FAIL_("open %s: %s", path, strerror(errno));
    ASSERT_EQ(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    ASSERT_GT(len, 48);
    /* One byte of the header's digest, one in the middle, the last. */
    const long at[] = {20, len / 2, len - 1};
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(fseek(f, at[i], SEEK_SET), 0);
        int c = fgetc(f);
        ASSERT(c != EOF);
        ASSERT_EQ(fseek(f, at[i], SEEK_SET), 0);
        ASSERT(fputc(c ^ 0x5a, f) != EOF);
    }
    ASSERT_EQ(fclose(f), 0);
}

int main(void)
{
    test_tmpdir("opencl-cache");
    char names[64][80];
    char want[512];

    /* A cache directory that does not exist yet is made, and described. */
    const char *dir = test_under("cache");
    clpool *pool = open_with_cache(dir);
    snprintf(want, sizeof want, "cache: %s", dir);
    ASSERT_STR_CONTAINS(clpool_describe(pool), want);
    ASSERT_EQ(entries(dir, NULL, 0), 0);
    saxpy_once(pool, 0, "first build");
    size_t after_first = entries(dir, NULL, 0);
    ASSERT_GE(after_first, 1);
    /* In the same pool a second build of the same program comes from disk. */
    saxpy_once(pool, 1, "second build, same pool");
    clpool_close(pool);

    /* A new pool loads it. */
    pool = open_with_cache(dir);
    saxpy_once(pool, 1, "second pool");
    clpool_close(pool);
    ASSERT_EQ(entries(dir, NULL, 0), after_first);

    /* Damage every entry: the next pool rebuilds, the map is still right,
     * and the rebuilt entry serves the pool after it. */
    size_t n = entries(dir, names, 64);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%.3900s/%.79s", dir, names[i]);
        flip_bytes(path);
    }
    pool = open_with_cache(dir);
    saxpy_once(pool, 0, "after damaging every entry");
    clpool_close(pool);
    pool = open_with_cache(dir);
    saxpy_once(pool, 1, "after the rebuild");
    clpool_close(pool);

    /* Entries that verify but hold a binary the driver cannot load (here:
     * text) are rebuilt from source too. */
    pool = open_with_cache(dir);
    n = entries(dir, names, 64);
    for (size_t i = 0; i < n; i++) {
        static const char junk[] = "this is not a device binary";
        ASSERT_EQ(clpool__cache_store(&pool->cache, names[i], junk, sizeof junk), 0);
    }
    saxpy_once(pool, 0, "after replacing the binaries with junk");
    clpool_close(pool);
    pool = open_with_cache(dir);
    saxpy_once(pool, 1, "after rebuilding over junk");
    clpool_close(pool);

    /* Different build options are different entries, and each pool gets
     * the program of its own options. */
    size_t before = entries(dir, NULL, 0);
    pool = open_with_cache(dir);
    constant_once(pool, 1, 0);
    ASSERT_EQ(entries(dir, NULL, 0), before + 1);
    constant_once(pool, 2, 0);
    ASSERT_EQ(entries(dir, NULL, 0), before + 2);
    clpool_close(pool);
    pool = open_with_cache(dir);
    constant_once(pool, 2, 1);
    constant_once(pool, 1, 1);
    clpool_close(pool);

    /* A failed build leaves no entry. */
    before = entries(dir, NULL, 0);
    pool = open_with_cache(dir);
    clpool_program *prog = NULL;
    ASSERT_STATUS(pool,
                  clpool_program_source(pool, "__kernel void bad(__global int *o) { o[0] = nope; }\n",
                                        NULL, &prog),
                  CLPOOL_EBUILD);
    clpool_close(pool);
    ASSERT_EQ(entries(dir, NULL, 0), before);

    /* A directory others may write to: the cache is off, the description
     * says why, nothing is loaded from it or written to it. */
    ASSERT_EQ(chmod(dir, 0777), 0);
    pool = open_with_cache(dir);
    snprintf(want, sizeof want, "cache: off (%s is writable by group or others; chmod 700 it)",
             dir);
    ASSERT_STR_CONTAINS(clpool_describe(pool), want);
    saxpy_once(pool, 0, "cache dir 0777");
    saxpy_once(pool, 0, "cache dir 0777, again");
    constant_once(pool, 3, 0);
    clpool_close(pool);
    ASSERT_EQ(entries(dir, NULL, 0), before);
    ASSERT_EQ(chmod(dir, 0700), 0);

    /* "" turns the cache off. */
    pool = open_with_cache("");
    ASSERT_STR_CONTAINS(clpool_describe(pool), "cache: off");
    saxpy_once(pool, 0, "cache off");
    saxpy_once(pool, 0, "cache off, again");
    clpool_close(pool);

    /* Someone else's directory (root can arrange one): off, naming them. */
    if (geteuid() == 0) {
        const char *theirs = test_under("theirs");
        ASSERT_EQ(mkdir(theirs, 0700), 0);
        ASSERT_EQ(chown(theirs, 65534, 65534), 0);
        pool = open_with_cache(theirs);
        snprintf(want, sizeof want, "cache: off (%s is owned by uid 65534, not 0)", theirs);
        ASSERT_STR_CONTAINS(clpool_describe(pool), want);
        saxpy_once(pool, 0, "someone else's cache dir");
        clpool_close(pool);
        ASSERT_EQ(entries(theirs, NULL, 0), 0);
    }
    return 0;
}
