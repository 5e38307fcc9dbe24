/*
 * A cache entry holds its own key: an entry copied over another key's file
 * (a valid entry, its payload's hash intact) is a miss there and is removed,
 * so the program of the other key is rebuilt instead of the wrong one run
 * (issue 12, item 1). End to end on the fork backend too: two programs, the
 * first one's entry copied over the second's, and the second still computes
 * its own values.
 */
#include "task.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    ASSERT(in != NULL);
    FILE *out = fopen(to, "wb");
    ASSERT(out != NULL);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ASSERT_EQ(fwrite(buf, 1, n, out), n);
    ASSERT_EQ(fclose(in), 0);
    ASSERT_EQ(fclose(out), 0);
}

static void test_unit(void)
{
    clpool__cache c;
    ASSERT_EQ(clpool__cache_open(&c, test_under("unit")), 0);
    ASSERT(c.dir != NULL);
    char a[CLPOOL__KEY_HEX], b[CLPOOL__KEY_HEX];
    clpool__key_part pa = {"program a", 9}, pb = {"program b", 9};
    clpool__cache_key(&pa, 1, a);
    clpool__cache_key(&pb, 1, b);
    ASSERT_EQ(clpool__cache_store(&c, a, "code of a", 9), 0);
    ASSERT_EQ(clpool__cache_store(&c, b, "code of b", 9), 0);

    char pa_path[600], pb_path[600];
    snprintf(pa_path, sizeof pa_path, "%s/%s", c.dir, a);
    snprintf(pb_path, sizeof pb_path, "%s/%s", c.dir, b);
    copy_file(pa_path, pb_path);

    void *data = NULL;
    size_t len = 0;
    int hit = clpool__cache_load(&c, b, &data, &len);
    if (hit == 1)
        FAIL_("key b loaded \"%.*s\" from a's copied entry", (int)len, (char *)data);
    ASSERT_EQ(hit, 0);
    struct stat st;
    ASSERT(stat(pb_path, &st) != 0); /* thrown away */
    /* a's own entry is untouched. */
    ASSERT_EQ(clpool__cache_load(&c, a, &data, &len), 1);
    ASSERT(len == 9 && memcmp(data, "code of a", 9) == 0);
    free(data);
    clpool__cache_close(&c);
}

static const char src_zero[] = "__kernel void k(__global int *o) { o[get_global_id(0)] = 0; }\n";
static const char src_one[] = "__kernel void k(__global int *o) { o[get_global_id(0)] = 1; }\n";
static const char src_two[] = "__kernel void k(__global int *o) { o[get_global_id(0)] = 2; }\n";

/* The names of the entries in dir (64-hex-digit files). */
static size_t entries(const char *dir, char names[][CLPOOL__KEY_HEX], size_t cap)
{
    DIR *d = opendir(dir);
    ASSERT(d != NULL);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strlen(e->d_name) == 64 && n < cap)
            memcpy(names[n++], e->d_name, CLPOOL__KEY_HEX);
    closedir(d);
    return n;
}

static const char *new_entry(char before[][CLPOOL__KEY_HEX], size_t nb,
                             char after[][CLPOOL__KEY_HEX], size_t na)
{
    for (size_t i = 0; i < na; i++) {
        int seen = 0;
        for (size_t j = 0; j < nb; j++)
            seen |= strcmp(after[i], before[j]) == 0;
        if (!seen)
            return after[i];
    }
    return NULL;
}

static int run(clpool *pool, const char *src)
{
    clpool_program *p = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, src, NULL, &p));
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_kernel_get(p, "k", &k));
    int out[8] = {0};
    ASSERT_OK(pool, CLPOOL_MAP(k, 8, clpool_out(out, sizeof(int))));
    clpool_program_free(p);
    return out[0];
}

static void test_fork(void)
{
    const char *dir = test_under("fork");
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 1;
    cfg.cache_dir = dir;
    clpool *pool = test_open_cfg(&cfg);

    /* A first build stores the compiler's identity too; after it, each
     * build adds its own entry alone. */
    ASSERT_EQ(run(pool, src_zero), 0);
    static char s0[64][CLPOOL__KEY_HEX], s1[64][CLPOOL__KEY_HEX], s2[64][CLPOOL__KEY_HEX];
    size_t n0 = entries(dir, s0, 64);
    ASSERT_EQ(run(pool, src_one), 1);
    size_t n1 = entries(dir, s1, 64);
    const char *one = new_entry(s0, n0, s1, n1);
    ASSERT(one != NULL);
    ASSERT_EQ(run(pool, src_two), 2);
    size_t n2 = entries(dir, s2, 64);
    const char *two = new_entry(s1, n1, s2, n2);
    ASSERT(two != NULL);

    char from[600], to[600];
    snprintf(from, sizeof from, "%s/%s", dir, one);
    snprintf(to, sizeof to, "%s/%s", dir, two);
    copy_file(from, to);
    /* A new pool, so that nothing is remembered in memory. */
    clpool_close(pool);
    pool = test_open_cfg(&cfg);
    int got = run(pool, src_two);
    if (got != 2)
        FAIL_("program two computed %d: program one's copied entry was run", got);
    clpool_close(pool);
}

int main(int argc, char **argv)
{
    (void)argv;
    test_tmpdir("cache-key");
    if (argc < 2)
        test_unit();
    test_fork();
    return 0;
}
