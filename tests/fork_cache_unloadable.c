/*
 * A cache entry that verifies but that the workers cannot load (its payload
 * replaced by text under its own key) is dropped and rebuilt: the build
 * succeeds, the kernel computes, and the next build is a hit on the good
 * object (issue 12, item 5).
 */
#include "task.h"

#include <dirent.h>

#include "cache.h"
#include "internal.h"

static const char source[] = "__kernel void k(__global int *o) { o[get_global_id(0)] = 7; }\n";
static const char warmup[] = "__kernel void w(__global int *o) { o[get_global_id(0)] = 0; }\n";

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

static int build_run(const clpool_config *cfg, const char *src, const char *name, int *cached)
{
    clpool *pool = test_open_cfg(cfg);
    clpool_program *p = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, src, NULL, &p));
    *cached = p->from_cache;
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_kernel_get(p, name, &k));
    int out[4] = {0};
    ASSERT_OK(pool, CLPOOL_MAP(k, 4, clpool_out(out, sizeof(int))));
    clpool_program_free(p);
    clpool_close(pool);
    return out[0];
}

int main(void)
{
    test_tmpdir("cache-unloadable");
    const char *dir = test_under("cache");
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 2;
    cfg.cache_dir = dir;
    int cached;

    /* The first build also stores the compiler's identity; after it, the
     * program's own build adds exactly one entry. */
    ASSERT_EQ(build_run(&cfg, warmup, "w", &cached), 0);
    static char before[64][CLPOOL__KEY_HEX], after[64][CLPOOL__KEY_HEX];
    size_t nb = entries(dir, before, 64);
    ASSERT_EQ(build_run(&cfg, source, "k", &cached), 7);
    size_t na = entries(dir, after, 64);
    ASSERT_EQ(na, nb + 1);
    const char *key = NULL;
    for (size_t i = 0; i < na && key == NULL; i++) {
        int seen = 0;
        for (size_t j = 0; j < nb; j++)
            seen |= strcmp(after[i], before[j]) == 0;
        if (!seen)
            key = after[i];
    }
    ASSERT(key != NULL);

    /* A valid entry of the right key whose payload is not a shared object. */
    clpool__cache c;
    ASSERT_EQ(clpool__cache_open(&c, dir), 0);
    static const char text[] = "this is a text file, not a shared object\n";
    ASSERT_EQ(clpool__cache_store(&c, key, text, sizeof text - 1), 0);

    int got = build_run(&cfg, source, "k", &cached);
    ASSERT_EQ(got, 7);
    ASSERT_EQ(cached, 0); /* rebuilt */
    ASSERT_EQ(build_run(&cfg, source, "k", &cached), 7);
    if (cached != 1)
        FAIL_("the rebuilt object did not replace the unloadable entry");
    clpool__cache_close(&c);
    return 0;
}
