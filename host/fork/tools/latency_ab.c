/*
 * clpool-latency_ab: the per-map latency of two or more builds of
 * libclpool, measured in one process. Each build is dlopen'd on its own
 * (RTLD_LOCAL) with a fork pool of its own, and short blocks of small saxpy
 * maps alternate between them (ABBA order). Runs of separate processes on a
 * shared 2-CPU VM differ by 20-30% from one minute to the next; blocks a few
 * milliseconds apart see the same machine, so the builds' figures can be
 * set side by side.
 *
 * It calls libclpool only through the builds it loads (nothing of clpool is
 * linked in: clpool-latency_ab has no clpool symbol of its own, or the
 * builds' calls could bind to it), through the public API, whose
 * clpool_config is fixed.
 */
#include "tool.h" /* now(), tool_cmp_double: its clpool calls are inline, unused here */

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_BLOCKS 1000
#define SAMPLES 20000
/* Untimed maps at the start of each block: the previous build's idle
 * workers spin for up to 4 ms after its block (worker_main.c, SPIN_MAX_NS). */
#define WARM_SECONDS 0.006
#define BLOCK_SECONDS 0.03

typedef struct build {
    const char *path;
    void *dl;
    clpool *pool;
    clpool_kernel *k;
    clpool_buffer *x, *y;
    int (*map)(clpool_kernel *, size_t, const clpool_arg *, size_t);
    clpool_arg (*f32)(float);
    clpool_arg (*buf)(clpool_buffer *);
    const char *(*errmsg)(clpool *);
    void (*close)(clpool *);
    double mean[MAX_BLOCKS], median[MAX_BLOCKS];
} build;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: clpool-latency_ab [--workers N] [--blocks B] [--items N] LIBA LIBB...\n"
            "\n"
            "Loads each libclpool build given (a path to its libclpool.so) into this\n"
            "process, opens a fork pool of N workers (default 2) on each, and alternates\n"
            "blocks of back-to-back saxpy maps of --items items (default 1) between them:\n"
            "B rounds (default 40), each build's block %.0f ms after %.0f ms untimed.\n"
            "For each build it prints the mean time of a map in a block and the median\n"
            "map of a block (maps timed one by one, as clpool-bench's launch_us is),\n"
            "each as the median over the blocks with the quartiles.\n"
            "\n"
            "Each build keeps its kernels in a cache folder of its own,\n"
            "$TMPDIR/clpool-latency_ab-<i>. CC chooses the kernels' compiler as usual.\n"
            "\n"
            "example: clpool-latency_ab --workers 2 old/libclpool.so build-rel/libclpool.so\n",
            BLOCK_SECONDS * 1e3, WARM_SECONDS * 1e3);
}

static void *sym(build *b, const char *name)
{
    void *p = dlsym(b->dl, name);
    if (p == NULL) {
        fprintf(stderr, "clpool-latency_ab: %s has no %s\n", b->path, name);
        exit(1);
    }
    return p;
}

static void fail(build *b, const char *what)
{
    fprintf(stderr, "clpool-latency_ab: %s: %s: %s\n", b->path, what,
            b->errmsg(b->pool));
    exit(1);
}

static void open_build(build *b, int workers, size_t items, int index)
{
    b->dl = dlopen(b->path, RTLD_NOW | RTLD_LOCAL);
    if (b->dl == NULL) {
        fprintf(stderr, "clpool-latency_ab: %s\n", dlerror());
        exit(1);
    }
    void (*config_init)(clpool_config *) = (void (*)(clpool_config *))sym(b, "clpool_config_init");
    int (*open)(const clpool_config *, clpool **) =
        (int (*)(const clpool_config *, clpool **))sym(b, "clpool_open");
    int (*program_file)(clpool *, const char *, const char *, clpool_program **) =
        (int (*)(clpool *, const char *, const char *, clpool_program **))sym(
            b, "clpool_program_file");
    int (*kernel_get)(clpool_program *, const char *, clpool_kernel **) =
        (int (*)(clpool_program *, const char *, clpool_kernel **))sym(b, "clpool_kernel_get");
    int (*buffer_new)(clpool *, size_t, clpool_buffer **) =
        (int (*)(clpool *, size_t, clpool_buffer **))sym(b, "clpool_buffer_new");
    b->map = (int (*)(clpool_kernel *, size_t, const clpool_arg *, size_t))sym(b, "clpool_map");
    b->f32 = (clpool_arg(*)(float))sym(b, "clpool_f32");
    b->buf = (clpool_arg(*)(clpool_buffer *))sym(b, "clpool_buf");
    b->errmsg = (const char *(*)(clpool *))sym(b, "clpool_errmsg");
    b->close = (void (*)(clpool *))sym(b, "clpool_close");

    const char *tmp = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
    char cache[4096];
    snprintf(cache, sizeof cache, "%s/clpool-latency_ab-%d", tmp, index);
    clpool_config cfg;
    config_init(&cfg);
    cfg.backend = CLPOOL_FORK;
    cfg.workers = workers;
    cfg.cache_dir = cache;
    if (open(&cfg, &b->pool) != CLPOOL_OK)
        fail(b, "clpool_open");
    clpool_program *prog;
    if (program_file(b->pool, CLPOOL_KERNELS_DIR "/saxpy.cl", NULL, &prog) != CLPOOL_OK)
        fail(b, "clpool_program_file");
    if (kernel_get(prog, "saxpy", &b->k) != CLPOOL_OK)
        fail(b, "clpool_kernel_get");
    if (buffer_new(b->pool, items * sizeof(float), &b->x) != CLPOOL_OK ||
        buffer_new(b->pool, items * sizeof(float), &b->y) != CLPOOL_OK)
        fail(b, "clpool_buffer_new");
}

static void map_once(build *b, size_t items)
{
    clpool_arg args[3] = {b->f32(2.0f), b->buf(b->x), b->buf(b->y)};
    if (b->map(b->k, items, args, 3) != CLPOOL_OK)
        fail(b, "clpool_map");
}

/* One block of build b: the mean map, then the median of maps timed one by
 * one. */
static void run_block(build *b, size_t items, int round)
{
    static double lat[SAMPLES];
    double t0 = now(), t;
    while (now() - t0 < WARM_SECONDS)
        map_once(b, items);
    size_t n = 0;
    t0 = now();
    do {
        for (int i = 0; i < 100; i++)
            map_once(b, items);
        n += 100;
        t = now();
    } while (t - t0 < BLOCK_SECONDS);
    b->mean[round] = (t - t0) / (double)n * 1e6;
    size_t m = 0;
    for (t0 = now(); m < SAMPLES && now() - t0 < BLOCK_SECONDS; m++) {
        double s = now();
        map_once(b, items);
        lat[m] = now() - s;
    }
    qsort(lat, m, sizeof lat[0], tool_cmp_double);
    b->median[round] = lat[m / 2] * 1e6;
}

static size_t parse_size(const char *opt, const char *v, size_t max)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v != NULL ? v : "", &end, 10);
    if (v == NULL || *v == '\0' || *end != '\0' || errno != 0 || x == 0 || x > max) {
        fprintf(stderr, "clpool-latency_ab: %s needs a number from 1 to %zu, not '%s'\n", opt,
                max, v != NULL ? v : "");
        exit(2);
    }
    return (size_t)x;
}

int main(int argc, char **argv)
{
    int workers = 2, blocks = 40;
    size_t items = 1;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--workers") == 0) {
            workers = (int)parse_size(argv[i], v, 1024);
            i++;
        } else if (strcmp(argv[i], "--blocks") == 0) {
            blocks = (int)parse_size(argv[i], v, MAX_BLOCKS);
            i++;
        } else if (strcmp(argv[i], "--items") == 0) {
            items = parse_size(argv[i], v, (size_t)1 << 26);
            i++;
        } else {
            fprintf(stderr, "clpool-latency_ab: unknown option '%s' (see --help)\n", argv[i]);
            return 2;
        }
    }
    int nbuilds = argc - i;
    if (nbuilds < 2) {
        fprintf(stderr, "clpool-latency_ab: give two or more builds to compare (see --help)\n");
        return 2;
    }
    build *b = calloc((size_t)nbuilds, sizeof *b);
    if (b == NULL) {
        fprintf(stderr, "clpool-latency_ab: out of memory\n");
        return 1;
    }
    for (int j = 0; j < nbuilds; j++) {
        b[j].path = argv[i + j];
        open_build(&b[j], workers, items, j);
        for (int o = 0; o < j; o++)
            if (b[o].map == b[j].map) {
                fprintf(stderr, "clpool-latency_ab: %s and %s are the same library\n",
                        b[o].path, b[j].path);
                return 1;
            }
    }
    for (int r = 0; r < blocks; r++)
        for (int j = 0; j < nbuilds; j++)
            run_block(&b[r % 2 ? nbuilds - 1 - j : j], items, r);

    printf("# %d-item saxpy maps, %d fork workers, %d blocks per build, alternated\n",
           (int)items, workers, blocks);
    printf("# %-40s %28s %28s\n", "build", "mean map: median (q1-q3) us",
           "median map: median (q1-q3)");
    for (int j = 0; j < nbuilds; j++) {
        qsort(b[j].mean, (size_t)blocks, sizeof(double), tool_cmp_double);
        qsort(b[j].median, (size_t)blocks, sizeof(double), tool_cmp_double);
        printf("%-42s %10.3f (%.3f-%.3f) %15.3f (%.3f-%.3f)\n", b[j].path, b[j].mean[blocks / 2],
               b[j].mean[blocks / 4], b[j].mean[3 * blocks / 4], b[j].median[blocks / 2],
               b[j].median[blocks / 4], b[j].median[3 * blocks / 4]);
    }
    for (int j = 0; j < nbuilds; j++)
        b[j].close(b[j].pool);
    free(b);
    return 0;
}
