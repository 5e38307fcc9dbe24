/* The core without a device: the status table, configuration from the
 * environment, argument checks, and open failures that name their cause. */
#include "task.h"

#include "internal.h"

#include <limits.h>

static void test_status_table(void)
{
    ASSERT(strcmp(clpool_strerror(CLPOOL_OK), "success") == 0);
    ASSERT(strcmp(clpool_err_name(CLPOOL_EBUILD), "CLPOOL_EBUILD") == 0);
    ASSERT(strcmp(clpool_err_name(12345), "CLPOOL_UNKNOWN") == 0);
    ASSERT(strcmp(clpool_strerror(-999), "unknown status") == 0);
    /* Every code has its own name and a message. */
    int codes[] = {CLPOOL_OK,      CLPOOL_EINVAL,    CLPOOL_ENOMEM,   CLPOOL_ENODEV,
                   CLPOOL_EBUILD,  CLPOOL_ENOKERNEL, CLPOOL_EARG,     CLPOOL_EWORKER,
                   CLPOOL_ETIMEDOUT, CLPOOL_EIO,     CLPOOL_EOPENCL,  CLPOOL_EOVERFLOW};
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        ASSERT(codes[i] <= 0);
        ASSERT(strcmp(clpool_strerror(codes[i]), "unknown status") != 0);
        for (size_t j = i + 1; j < n; j++) {
            ASSERT_NE(codes[i], codes[j]);
            ASSERT(strcmp(clpool_err_name(codes[i]), clpool_err_name(codes[j])) != 0);
        }
    }
}

static void test_config_env(void)
{
    clpool_config cfg;
    unsetenv("CLPOOL_BACKEND");
    unsetenv("CLPOOL_DEVICE");
    unsetenv("CLPOOL_WORKERS");
    unsetenv("CLPOOL_TIMEOUT_MS");
    setenv("CLPOOL_CACHE_DIR", "", 1);
    clpool_config_init(&cfg);
    ASSERT_EQ(cfg.backend, CLPOOL_AUTO);
    ASSERT(cfg.device == NULL);
    ASSERT_EQ(cfg.workers, 0);
    ASSERT_EQ(cfg.timeout_ms, 0);
    ASSERT(cfg.cache_dir != NULL && cfg.cache_dir[0] == '\0');

    setenv("CLPOOL_BACKEND", "FoRk", 1);
    setenv("CLPOOL_DEVICE", "gpu", 1);
    setenv("CLPOOL_WORKERS", "3", 1);
    setenv("CLPOOL_TIMEOUT_MS", "250", 1);
    clpool_config_init(&cfg);
    ASSERT_EQ(cfg.backend, CLPOOL_FORK);
    ASSERT(strcmp(cfg.device, "gpu") == 0);
    ASSERT_EQ(cfg.workers, 3);
    ASSERT_EQ(cfg.timeout_ms, 250);

    /* Values that do not parse are reported by clpool_open, naming them. */
    clpool *pool = (clpool *)0x1;
    setenv("CLPOOL_BACKEND", "cuda", 1);
    clpool_config_init(&cfg);
    ASSERT_STATUS(NULL, clpool_open(&cfg, &pool), CLPOOL_EINVAL);
    ASSERT(pool == NULL);
    ASSERT_STR_CONTAINS(clpool_errmsg(NULL), "CLPOOL_BACKEND='cuda'");
    setenv("CLPOOL_BACKEND", "fork", 1);

    setenv("CLPOOL_WORKERS", "many", 1);
    clpool_config_init(&cfg);
    ASSERT_STATUS(NULL, clpool_open(&cfg, &pool), CLPOOL_EINVAL);
    ASSERT_STR_CONTAINS(clpool_errmsg(NULL), "CLPOOL_WORKERS='many'");
    setenv("CLPOOL_WORKERS", "2", 1);

    setenv("CLPOOL_TIMEOUT_MS", "-5", 1);
    clpool_config_init(&cfg);
    ASSERT_STATUS(NULL, clpool_open(&cfg, &pool), CLPOOL_EINVAL);
    ASSERT_STR_CONTAINS(clpool_errmsg(NULL), "CLPOOL_TIMEOUT_MS='-5'");
    unsetenv("CLPOOL_TIMEOUT_MS");

    clpool_config_init(&cfg);
    cfg.workers = -3;
    ASSERT_STATUS(NULL, clpool_open(&cfg, &pool), CLPOOL_EINVAL);
    ASSERT_STR_CONTAINS(clpool_errmsg(NULL), "workers is -3");

    clpool_config_init(&cfg);
    cfg.backend = (clpool_backend)42;
    ASSERT_STATUS(NULL, clpool_open(&cfg, &pool), CLPOOL_EINVAL);
    ASSERT_STATUS(NULL, clpool_open(NULL, NULL), CLPOOL_EINVAL);

    unsetenv("CLPOOL_BACKEND");
    unsetenv("CLPOOL_DEVICE");
    unsetenv("CLPOOL_WORKERS");
}

static void test_constructors(void)
{
    float f[4];
    clpool_arg a = clpool_f32(1.5f);
    ASSERT_EQ(a.kind, CLPOOL_ARG_SCALAR);
    ASSERT_EQ(a.size, 4);
    ASSERT(*(const float *)clpool__arg_bytes(&a) == 1.5f);
    a = clpool_f64(2.5);
    ASSERT_EQ(a.size, 8);
    ASSERT(*(const double *)clpool__arg_bytes(&a) == 2.5);
    a = clpool_i64(-7);
    ASSERT(*(const int64_t *)clpool__arg_bytes(&a) == -7);
    a = clpool_u32(UINT32_MAX);
    ASSERT(*(const uint32_t *)clpool__arg_bytes(&a) == UINT32_MAX);
    struct { float x, y, z; } s = {1, 2, 3};
    a = clpool_scalar(&s, sizeof s);
    ASSERT_EQ(a.size, 12);
    ASSERT(clpool__arg_bytes(&a) == (const void *)&s);
    a = clpool_in(f, sizeof *f);
    ASSERT_EQ(a.kind, CLPOOL_ARG_IN);
    ASSERT(a.host == f);
    ASSERT_EQ(clpool_out(f, 4).kind, CLPOOL_ARG_OUT);
    ASSERT_EQ(clpool_inout(f, 4).kind, CLPOOL_ARG_INOUT);
    ASSERT_EQ(clpool_buf(NULL).kind, CLPOOL_ARG_BUFFER);
}

static void test_null_handles(void)
{
    char b[4];
    ASSERT_EQ(clpool_map(NULL, 1, NULL, 0), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_buffer_write(NULL, 0, b, 1), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_buffer_read(NULL, 0, b, 1), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_kernel_get(NULL, "x", NULL), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_program_file(NULL, "x", NULL, NULL), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_wait(NULL), CLPOOL_EINVAL);
    ASSERT(clpool_buffer_size(NULL) == 0);
    ASSERT(strcmp(clpool_describe(NULL), "") == 0);
    clpool_close(NULL);
    clpool_program_free(NULL);
    clpool_buffer_free(NULL);
}

int main(void)
{
    test_status_table();
    test_config_env();
    test_constructors();
    test_null_handles();
    return 0;
}
