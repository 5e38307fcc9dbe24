/*
 * clpool-build_time: times one clpool_program_file in this process, so that
 * running it twice shows a second process reading the built program from
 * clpool's cache.
 *
 *   clpool-build_time [--backend fork|opencl] FILE.cl
 *   (run it twice; with CLPOOL_CACHE_DIR set to an empty folder the first
 *   run builds and the second reads the cache)
 */
#include <clpool.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    clpool_config cfg;
    clpool_config_init(&cfg);
    cfg.backend = CLPOOL_FORK;
    int a = 1;
    if (argc > 2 && strcmp(argv[1], "--backend") == 0) {
        cfg.backend = strcmp(argv[2], "opencl") == 0 ? CLPOOL_OPENCL : CLPOOL_FORK;
        a = 3;
    }
    if (a >= argc) {
        fprintf(stderr, "usage: %s [--backend fork|opencl] FILE.cl\n", argv[0]);
        return 2;
    }
    clpool *pool;
    if (clpool_open(&cfg, &pool) != CLPOOL_OK) {
        fprintf(stderr, "clpool_open: %s\n", clpool_errmsg(NULL));
        return 1;
    }
    clpool_program *prog;
    double t0 = now_ms();
    int rc = clpool_program_file(pool, argv[a], NULL, &prog);
    double t1 = now_ms();
    if (rc != CLPOOL_OK)
        fprintf(stderr, "build: %s\n", clpool_errmsg(pool));
    else
        printf("%s: clpool_program_file %.2f ms (%s)\n", argv[a], t1 - t0,
               clpool_describe(pool));
    clpool_close(pool);
    return rc == CLPOOL_OK ? 0 : 1;
}
