/*
 * The fork backend's compiler: with CC unset, a program that names vector
 * types is built with clang when one is on PATH, so a float4 kernel builds
 * and runs, and any other program with cc (gcc here); clpool_describe
 * names both. The compiler is part of the cache key, the default ones
 * included. Under CC=gcc a vector kernel is refused alone and its
 * neighbour runs. Skipped (77) without clang.
 */
#include "task.h"

#include "internal.h" /* prog->from_cache */

#include <sys/stat.h>
#include <unistd.h>

static const char vector_src[] =
    "__kernel void move(__global float4 *p, __global const float4 *v, float dt)\n"
    "{\n"
    "    size_t i = get_global_id(0);\n"
    "    float4 d = v[i] * dt;\n"
    "    p[i] = p[i] + (float4)(d.xyz, 0.0f);\n"
    "}\n"
    "__kernel void plain(__global float *x)\n"
    "{\n"
    "    x[get_global_id(0)] += 1.5f;\n"
    "}\n";

static const char plain_src[] = "__kernel void inc(__global uint *x) { x[get_global_id(0)] += 1u; }\n";

/* Which compiler built a program: 1 for clang, 2 for another. */
#define WHO_SRC                                                                   \
    "#ifdef __clang__\n#define WHO 1\n#else\n#define WHO 2\n#endif\n"              \
    "__kernel void who(__global int *x) { x[get_global_id(0)] = WHO; }\n"
static const char who_plain_src[] = WHO_SRC;
static const char who_vector_src[] =
    WHO_SRC "__kernel void grow(__global float2 *v) { v[get_global_id(0)] *= 2.0f; }\n";

static int who(clpool *pool, const char *src)
{
    clpool_program *prog;
    ASSERT_OK(pool, clpool_program_source(pool, src, NULL, &prog));
    clpool_kernel *k;
    ASSERT_OK(pool, clpool_kernel_get(prog, "who", &k));
    int x[4] = {0};
    ASSERT_OK(pool, CLPOOL_MAP(k, 4, clpool_out(x, sizeof *x)));
    ASSERT_EQ(x[0], x[3]);
    clpool_program_free(prog);
    return x[0];
}

static void run_move(clpool *pool, clpool_program *prog)
{
    clpool_kernel *k;
    ASSERT_OK(pool, clpool_kernel_get(prog, "move", &k));
    enum { N = 1000 };
    float p[4 * N], v[4 * N];
    for (int i = 0; i < 4 * N; i++) {
        p[i] = (float)i;
        v[i] = (float)(i % 7) - 3.0f;
    }
    float dt = 0.5f;
    ASSERT_OK(pool, CLPOOL_MAP(k, N, clpool_inout(p, 4 * sizeof(float)),
                               clpool_in(v, 4 * sizeof(float)), clpool_f32(dt)));
    for (int i = 0; i < 4 * N; i++) {
        float want = (float)i + ((i % 4) == 3 ? 0.0f : ((float)(i % 7) - 3.0f) * dt);
        ASSERT_NEAR(p[i], want, 1e-5);
    }
}

static void run_plain(clpool *pool, clpool_program *prog)
{
    clpool_kernel *k;
    ASSERT_OK(pool, clpool_kernel_get(prog, "plain", &k));
    float x[100];
    for (int i = 0; i < 100; i++)
        x[i] = (float)i;
    ASSERT_OK(pool, CLPOOL_MAP(k, 100, clpool_inout(x, sizeof *x)));
    for (int i = 0; i < 100; i++)
        ASSERT_NEAR(x[i], i + 1.5f, 0);
}

/* Builds src (plain_src or who_vector_src) and says whether it came from
 * the cache. */
static int from_cache(clpool *pool, const char *src)
{
    clpool_program *prog;
    ASSERT_OK(pool, clpool_program_source(pool, src, NULL, &prog));
    int hit = prog->from_cache;
    clpool_program_free(prog);
    return hit;
}

/* Builds plain_src, runs it and says whether it came from the cache. */
static int inc_from_cache(clpool *pool)
{
    clpool_program *prog;
    ASSERT_OK(pool, clpool_program_source(pool, plain_src, NULL, &prog));
    int hit = prog->from_cache;
    clpool_kernel *k;
    ASSERT_OK(pool, clpool_kernel_get(prog, "inc", &k));
    uint32_t x[10] = {0};
    ASSERT_OK(pool, CLPOOL_MAP(k, 10, clpool_inout(x, sizeof *x)));
    ASSERT_EQ(x[9], 1);
    clpool_program_free(prog);
    return hit;
}

int main(void)
{
    if (system("clang --version >/dev/null 2>&1") != 0) {
        fprintf(stderr, "no clang on PATH: skipped\n");
        return TEST_SKIP;
    }
    ASSERT_EQ(unsetenv("CC"), 0);
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 2;
    cfg.cache_dir = test_tmpdir("fork_compiler");
    clpool *pool = test_open_cfg(&cfg);
    fprintf(stderr, "%s\n", clpool_describe(pool));
    /* gcc, and cc is a compiler that is not clang (Debian's gcc). */
    int have_gcc = system("gcc --version >/dev/null 2>&1") == 0 &&
                   system("cc -dM -E -x c /dev/null >/dev/null 2>&1") == 0 &&
                   system("cc -dM -E -x c /dev/null | grep -q __clang__") != 0;
    if (have_gcc) {
        ASSERT_STR_CONTAINS(clpool_describe(pool), "kernels built with cc (gcc ");
        ASSERT_STR_CONTAINS(clpool_describe(pool), "those with vector types with clang");
    } else {
        ASSERT_STR_CONTAINS(clpool_describe(pool), "kernels built with");
    }
    ASSERT_STR_CONTAINS(clpool_describe(pool), "lang "); /* the version: "Debian Clang 14.0.6" */

    /* The program decides: clang for vector types, cc for the rest. */
    ASSERT_EQ(who(pool, who_vector_src), 1);
    if (have_gcc)
        ASSERT_EQ(who(pool, who_plain_src), 2);

    /* CC unset: clang, vectors and all. */
    clpool_program *prog;
    ASSERT_OK(pool, clpool_program_source(pool, vector_src, NULL, &prog));
    run_move(pool, prog);
    run_plain(pool, prog);
    clpool_program_free(prog);

    /* The default compiler is in the cache key: the same source under
     * another compiler is another entry, and each is found again. */
    ASSERT_EQ(inc_from_cache(pool), 0);
    ASSERT_EQ(inc_from_cache(pool), 1);
    if (have_gcc) {
        ASSERT_EQ(setenv("CC", "gcc", 1), 0);
        ASSERT_EQ(inc_from_cache(pool), 0);
        ASSERT_EQ(inc_from_cache(pool), 1);
        ASSERT_EQ(unsetenv("CC"), 0);
        ASSERT_EQ(inc_from_cache(pool), 1);

        /* Under gcc the vector kernel is refused, alone. */
        ASSERT_EQ(setenv("CC", "gcc", 1), 0);
        ASSERT_OK(pool, clpool_program_source(pool, vector_src, NULL, &prog));
        run_plain(pool, prog);
        clpool_kernel *k = (clpool_kernel *)1;
        ASSERT_STATUS(pool, clpool_kernel_get(prog, "move", &k), CLPOOL_EBUILD);
        ASSERT(k == NULL);
        ASSERT_STR_CONTAINS(clpool_errmsg(pool), "kernel 'move' uses the vector type");
        ASSERT_STR_CONTAINS(clpool_errmsg(pool), "float4 at <source>:1");
        ASSERT_STR_CONTAINS(clpool_errmsg(pool), "CC=clang");
        clpool_program_free(prog);
        ASSERT_EQ(unsetenv("CC"), 0);
    }
    /* The choice made from PATH is keyed too: another clang found first on
     * PATH (here clang-15 under the name clang) is another entry for a
     * program with vector types. */
    if (access("/usr/bin/clang-15", X_OK) == 0 && access("/usr/bin/clang-14", X_OK) == 0) {
        char dir[600], link[700], path[8192];
        snprintf(dir, sizeof dir, "%s/bin", cfg.cache_dir);
        ASSERT_EQ(mkdir(dir, 0700), 0);
        snprintf(link, sizeof link, "%s/clang", dir);
        const char *old_path = getenv("PATH");
        char *saved = strdup(old_path != NULL ? old_path : "/usr/bin:/bin");
        ASSERT(saved != NULL);
        /* Whichever clang is not the default one. */
        int default_is_15 = strstr(clpool_describe(pool), "Clang 15") != NULL;
        ASSERT_EQ(symlink(default_is_15 ? "/usr/bin/clang-14" : "/usr/bin/clang-15", link), 0);
        snprintf(path, sizeof path, "%s:%s", dir, saved);
        ASSERT_EQ(from_cache(pool, who_vector_src), 1);
        ASSERT_EQ(setenv("PATH", path, 1), 0);
        ASSERT_EQ(from_cache(pool, who_vector_src), 0);
        ASSERT_EQ(from_cache(pool, who_vector_src), 1);
        ASSERT_EQ(setenv("PATH", saved, 1), 0);
        ASSERT_EQ(from_cache(pool, who_vector_src), 1);
        free(saved);
    }
    clpool_close(pool);

    /* A pool opened under CC=gcc says so. */
    if (have_gcc) {
        ASSERT_EQ(setenv("CC", "gcc", 1), 0);
        pool = test_open_cfg(&cfg);
        ASSERT_STR_CONTAINS(clpool_describe(pool), "kernels built with gcc (gcc ");
        clpool_close(pool);
        ASSERT_EQ(unsetenv("CC"), 0);
    }
    return 0;
}
