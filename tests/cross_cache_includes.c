/*
 * The cache key covers the files a program #includes: with "-I dir" and
 * #include "val.h", editing val.h rebuilds the program instead of running
 * the old code from the cache, on the fork backend and on OpenCL (issue 12,
 * item 2). An unchanged header is still a cache hit.
 */
#include "task.h"

#include <unistd.h>

#include "internal.h"

static const char source[] = "#include \"val.h\"\n"
                             "__kernel void k(__global int *o) { o[get_global_id(0)] = VAL; }\n";

static void write_header(const char *path, int val)
{
    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    fprintf(f, "#define VAL %d\n", val);
    ASSERT_EQ(fclose(f), 0);
}

/* Builds source in a fresh pool (nothing kept in memory), runs it, and
 * returns the value; *cached says whether the build came from the cache. */
static int build_run(const clpool_config *cfg, const char *options, int *cached)
{
    clpool *pool = test_try_open(cfg);
    if (pool == NULL)
        return -1;
    clpool_program *p = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, source, options, &p));
    *cached = p->from_cache;
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_kernel_get(p, "k", &k));
    int out[4] = {0};
    ASSERT_OK(pool, CLPOOL_MAP(k, 4, clpool_out(out, sizeof(int))));
    clpool_program_free(p);
    clpool_close(pool);
    return out[0];
}

static int check_backend(clpool_backend backend, const char *name, const char *device)
{
    char dir[256], inc[300], header[320], options[400];
    snprintf(dir, sizeof dir, "%s", test_under(name));
    ASSERT_EQ(mkdir(dir, 0700), 0);
    snprintf(inc, sizeof inc, "%s/inc", dir);
    ASSERT_EQ(mkdir(inc, 0700), 0);
    snprintf(header, sizeof header, "%s/val.h", inc);
    snprintf(options, sizeof options, "-I %s", inc);
    char cache[300];
    snprintf(cache, sizeof cache, "%s/cache", dir);

    clpool_config cfg = test_config(backend);
    cfg.workers = 1;
    cfg.device = device;
    cfg.cache_dir = cache;
    int cached = -1;

    write_header(header, 1);
    int got = build_run(&cfg, options, &cached);
    if (got == -1)
        return 0; /* no such backend here */
    ASSERT_EQ(got, 1);
    ASSERT_EQ(cached, 0);
    ASSERT_EQ(build_run(&cfg, options, &cached), 1);
    if (cached != 1)
        FAIL_("%s: an unchanged header should give a cache hit", name);

    write_header(header, 2); /* the same size: only the contents say so */
    got = build_run(&cfg, options, &cached);
    if (got != 2)
        FAIL_("%s: val.h says 2, the kernel returned %d (cached: %d): a stale entry ran", name,
              got, cached);
    ASSERT_EQ(cached, 0);
    ASSERT_EQ(build_run(&cfg, options, &cached), 2);
    ASSERT_EQ(cached, 1);

    /* A header that is removed is noticed as well: the build then fails. */
    ASSERT_EQ(unlink(header), 0);
    clpool *pool = test_try_open(&cfg);
    ASSERT(pool != NULL);
    clpool_program *p = NULL;
    ASSERT_STATUS(pool, clpool_program_source(pool, source, options, &p), CLPOOL_EBUILD);
    clpool_close(pool);
    return 1;
}

int main(void)
{
    test_tmpdir("cache-includes");
    int ran = check_backend(CLPOOL_FORK, "fork", NULL);
    ran += check_backend(CLPOOL_OPENCL, "opencl", "cpu");
    return ran > 0 ? 0 : TEST_SKIP;
}
