/*
 * The test harness: asserts that print both values, a skip exit, helpers
 * that open a pool on a backend (or skip, or say so, when it is missing) and
 * that build a built-in kernel, a clock, and private temporary directories.
 * Every test is its own executable; ctest bounds each one with a timeout.
 */
#ifndef CLPOOL_TEST_TASK_H
#define CLPOOL_TEST_TASK_H

#include <clpool.h>

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define TEST_SKIP 77

#define FAIL_(...)                                                                       \
    do {                                                                                 \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                  \
        fprintf(stderr, __VA_ARGS__);                                                    \
        fputc('\n', stderr);                                                             \
        exit(1);                                                                         \
    } while (0)

#define ASSERT(cond)                                                                     \
    do {                                                                                 \
        if (!(cond))                                                                     \
            FAIL_("assertion failed: %s", #cond);                                        \
    } while (0)

#define ASSERT_INT_OP_(a, op, b)                                                         \
    do {                                                                                 \
        long long a_ = (long long)(a), b_ = (long long)(b);                              \
        if (!(a_ op b_))                                                                 \
            FAIL_("%s %s %s: %lld vs %lld", #a, #op, #b, a_, b_);                        \
    } while (0)
#define ASSERT_EQ(a, b) ASSERT_INT_OP_(a, ==, b)
#define ASSERT_NE(a, b) ASSERT_INT_OP_(a, !=, b)
#define ASSERT_GE(a, b) ASSERT_INT_OP_(a, >=, b)
#define ASSERT_LE(a, b) ASSERT_INT_OP_(a, <=, b)
#define ASSERT_LT(a, b) ASSERT_INT_OP_(a, <, b)
#define ASSERT_GT(a, b) ASSERT_INT_OP_(a, >, b)

/* A status check that prints the status's name and the pool's message. */
#define ASSERT_STATUS(pool, call, want)                                                  \
    do {                                                                                 \
        int got_ = (call);                                                               \
        if (got_ != (want))                                                              \
            FAIL_("%s: got %s, want %s; errmsg: %s", #call, clpool_err_name(got_),       \
                  clpool_err_name(want), clpool_errmsg(pool));                           \
    } while (0)
#define ASSERT_OK(pool, call) ASSERT_STATUS(pool, call, CLPOOL_OK)

#define ASSERT_STR_CONTAINS(hay, needle)                                                 \
    do {                                                                                 \
        const char *h_ = (hay), *n_ = (needle);                                          \
        if (h_ == NULL || strstr(h_, n_) == NULL)                                        \
            FAIL_("%s does not contain \"%s\": \"%s\"", #hay, n_, h_ ? h_ : "(null)");   \
    } while (0)

#define ASSERT_NEAR(a, b, tol)                                                           \
    do {                                                                                 \
        double a_ = (double)(a), b_ = (double)(b);                                       \
        if (!(fabs(a_ - b_) <= (tol)))                                                   \
            FAIL_("%s ~ %s: %.9g vs %.9g (tolerance %g)", #a, #b, a_, b_, (double)(tol)); \
    } while (0)

/* Seconds on the monotonic clock. */
static inline double test_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* clpool_config_init's defaults (the environment applied) on backend. */
static inline clpool_config test_config(clpool_backend backend)
{
    clpool_config cfg;
    clpool_config_init(&cfg);
    cfg.backend = backend;
    return cfg;
}

/* Parts: a test whose source has the comment "ctest parts: A B" runs as
 * one ctest test per part, with CLPOOL_TEST_PART=A or B (CMakeLists.txt),
 * so that a part that cannot run here shows as skipped, not as a pass. Run
 * by hand (no CLPOOL_TEST_PART), a test does every part. Whether this run
 * does part: */
static inline int test_part(const char *part)
{
    const char *want = getenv("CLPOOL_TEST_PART");
    return want == NULL || want[0] == '\0' || strcmp(want, part) == 0;
}

/* Part cannot run here: exits 77 (skipped) when it is this run's part;
 * run by hand, says so and returns. */
static inline void test_part_skip(const char *part, const char *why)
{
    const char *want = getenv("CLPOOL_TEST_PART");
    fprintf(stderr, "part %s skipped: %s\n", part, why);
    if (want != NULL && strcmp(want, part) == 0)
        exit(TEST_SKIP);
}

/* Opens a pool with cfg, or returns NULL, having said why on stderr, when
 * the backend has no device here (or, in a test with parts "fork" and
 * "opencl", when the backend is another run's part: then a missing device
 * skips this run). Any other failure fails the test. */
static inline clpool *test_try_open(const clpool_config *cfg)
{
    const char *part = cfg->backend == CLPOOL_FORK     ? "fork"
                       : cfg->backend == CLPOOL_OPENCL ? "opencl"
                                                       : NULL;
    if (part != NULL && !test_part(part))
        return NULL;
    clpool *pool = NULL;
    int rc = clpool_open(cfg, &pool);
    if (rc == CLPOOL_ENODEV) {
        fprintf(stderr, "no device: %s\n", clpool_errmsg(NULL));
        if (part != NULL)
            test_part_skip(part, "no device");
        return NULL;
    }
    if (rc != CLPOOL_OK)
        FAIL_("clpool_open: %s: %s", clpool_err_name(rc), clpool_errmsg(NULL));
    return pool;
}

/* Opens a pool with cfg, or exits 77 (skipped) when the backend has no
 * device here. Any other failure fails the test. */
static inline clpool *test_open_cfg(const clpool_config *cfg)
{
    clpool *pool = test_try_open(cfg);
    if (pool == NULL) {
        fprintf(stderr, "skipped\n");
        exit(TEST_SKIP);
    }
    return pool;
}

/* Opens a pool on backend (with device filter, may be NULL), or exits 77
 * when the backend has no device here. Any other failure fails the test. */
static inline clpool *test_open(clpool_backend backend, const char *device)
{
    clpool_config cfg = test_config(backend);
    if (device != NULL)
        cfg.device = device;
    return test_open_cfg(&cfg);
}

/* The path of a built-in kernel file. */
static inline const char *test_kernel_path(const char *file)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", CLPOOL_KERNELS_DIR, file);
    return path;
}

/* Builds the built-in kernels/<name>.cl on pool and returns its kernel name.
 * The program goes to *prog, or is left for clpool_close when prog is NULL. */
static inline clpool_kernel *test_kernel(clpool *pool, const char *name, clpool_program **prog)
{
    char file[256];
    snprintf(file, sizeof file, "%s.cl", name);
    clpool_program *p = NULL;
    ASSERT_OK(pool, clpool_program_file(pool, test_kernel_path(file), NULL, &p));
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_kernel_get(p, name, &k));
    ASSERT(k != NULL);
    if (prog != NULL)
        *prog = p;
    return k;
}

/* Whether a removal under test_remove_tree failed (nftw passes no context). */
static inline int *test_remove_failed_(void)
{
    static int failed;
    return &failed;
}

static inline int test_remove_one_(const char *path, const struct stat *st, int flag,
                                   struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0) {
        fprintf(stderr, "cleanup: remove %s: %s\n", path, strerror(errno));
        *test_remove_failed_() = 1;
    }
    return 0;
}

/* Removes path and everything under it (links are not followed), saying on
 * stderr what it could not remove. 0 when all of it is gone. */
static inline int test_remove_tree(const char *path)
{
    *test_remove_failed_() = 0;
    int rc = nftw(path, test_remove_one_, 16, FTW_DEPTH | FTW_PHYS);
    return rc == 0 && !*test_remove_failed_() ? 0 : -1;
}

static inline char *test_tmpdir_path_(void)
{
    static char dir[64];
    return dir;
}

static inline void test_tmpdir_remove_(void)
{
    if (test_tmpdir_path_()[0] != '\0')
        test_remove_tree(test_tmpdir_path_());
}

/* Makes the test's private temporary directory, /tmp/clpool-<name>-XXXXXX,
 * which is removed with everything in it when the test exits (a failed
 * assertion included). Returns its path. */
static inline const char *test_tmpdir(const char *name)
{
    char *dir = test_tmpdir_path_();
    snprintf(dir, 64, "/tmp/clpool-%s-XXXXXX", name);
    if (mkdtemp(dir) == NULL) {
        dir[0] = '\0';
        FAIL_("mkdtemp: %s", strerror(errno));
    }
    atexit(test_tmpdir_remove_);
    return dir;
}

/* A path under test_tmpdir's directory; the last four returned stay valid. */
static inline const char *test_under(const char *rel)
{
    static char bufs[4][512];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", test_tmpdir_path_(), rel);
    return b;
}

#endif /* CLPOOL_TEST_TASK_H */
