/*
 * clpool-native_bench: the native path's loop against a plain C loop of the
 * same code, on one core. The .cl kernels go through clpool__native_build;
 * the plain C is compiled by the same compiler ($CC, else cc) with
 * -O3 -march=native, and again with -ffast-math, and both run in this
 * process, pinned to the CPU it starts on.
 *
 *   clpool-native_bench [--items N] [--runs R]
 *
 * Prints, per kernel, the median time per item of each, their ratio
 * (native / plain: 1.00 means the same speed, below 1 faster) and the ratio
 * of the fastest runs. The two loops run in turns, so that load from
 * elsewhere on the machine falls on both.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clc/native.h"
#include "clc/options.h"
#include "clc/spawn.h"
#include "internal.h"

#ifndef CLPOOL_KERNELS_DIR
#define CLPOOL_KERNELS_DIR "kernels"
#endif

static const char plain_c[] =
    "#include <math.h>\n"
    "#include <stddef.h>\n"
    "void plain_saxpy(size_t n, float a, const float *x, float *y)\n"
    "{\n"
    "    for (size_t i = 0; i < n; i++)\n"
    "        y[i] = a * x[i] + y[i];\n"
    "}\n"
    "static float cnd(float d)\n"
    "{\n"
    "    const float a1 = 0.319381530f, a2 = -0.356563782f, a3 = 1.781477937f;\n"
    "    const float a4 = -1.821255978f, a5 = 1.330274429f;\n"
    "    const float rsqrt2pi = 0.39894228040143267794f;\n"
    "    const float k = 1.0f / (1.0f + 0.2316419f * fabsf(d));\n"
    "    const float poly = k * (a1 + k * (a2 + k * (a3 + k * (a4 + k * a5))));\n"
    "    const float c = rsqrt2pi * expf(-0.5f * d * d) * poly;\n"
    "    return d > 0.0f ? 1.0f - c : c;\n"
    "}\n"
    "void plain_blackscholes(size_t n, const float *S, const float *K, const float *T,\n"
    "                        float *call, float *put, float r, float v)\n"
    "{\n"
    "    for (size_t i = 0; i < n; i++) {\n"
    "        const float s = S[i], k = K[i], t = T[i];\n"
    "        const float sqrt_t = sqrtf(t);\n"
    "        const float d1 = (logf(s / k) + (r + 0.5f * v * v) * t) / (v * sqrt_t);\n"
    "        const float d2 = d1 - v * sqrt_t;\n"
    "        const float discount = expf(-r * t);\n"
    "        call[i] = s * cnd(d1) - k * discount * cnd(d2);\n"
    "        put[i] = k * discount * cnd(-d2) - s * cnd(-d1);\n"
    "    }\n"
    "}\n";

typedef void (*plain_saxpy_fn)(size_t, float, const float *, float *);
typedef void (*plain_bs_fn)(size_t, const float *, const float *, const float *, float *,
                            float *, float, float);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void *load_native(clpool *pool, const char *file, const char *options)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", CLPOOL_KERNELS_DIR, file);
    clpool_program prog = {.pool = pool};
    size_t len;
    prog.path = path;
    prog.options = (char *)options;
    if (clpool__read_file(pool, path, &prog.source, &len) != CLPOOL_OK ||
        clpool__sig_parse(prog.source, &prog.sigs, &prog.nsigs) != 0) {
        fprintf(stderr, "native_bench: %s: %s\n", path, clpool_errmsg(pool));
        exit(1);
    }
    char *so = NULL, *log = NULL;
    int status = clpool__native_build(&prog, &so, &log, NULL);
    clpool__sig_free(prog.sigs, prog.nsigs);
    free(prog.source);
    free(log);
    if (status != CLPOOL_OK) {
        fprintf(stderr, "native_bench: %s: %s\n", file, clpool_errmsg(pool));
        exit(1);
    }
    void *dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    unlink(so);
    free(so);
    if (dl == NULL) {
        fprintf(stderr, "native_bench: dlopen: %s\n", dlerror());
        exit(1);
    }
    return dl;
}

/* Compiles the plain C with $CC -O3 -march=native [extra]. */
static void *load_plain(const char *extra)
{
    char dir[] = "/tmp/clpool-native-bench-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("native_bench: mkdtemp");
        exit(1);
    }
    char src[64], so[64];
    snprintf(src, sizeof src, "%s/plain.c", dir);
    snprintf(so, sizeof so, "%s/plain.so", dir);
    FILE *f = fopen(src, "w");
    if (f == NULL || fputs(plain_c, f) < 0 || fclose(f) != 0) {
        perror("native_bench: plain.c");
        exit(1);
    }
    clpool__argv argv = {0};
    const char *cc = getenv("CC");
    if (cc == NULL || cc[0] == '\0')
        cc = "cc";
    if (clpool__split_words(cc, &argv) != 0 || clpool__argv_add(&argv, "-O3") != 0 ||
        clpool__argv_add(&argv, "-march=native") != 0 || clpool__argv_add(&argv, "-fPIC") != 0 ||
        clpool__argv_add(&argv, "-shared") != 0 ||
        (extra[0] != '\0' && clpool__argv_add(&argv, extra) != 0) ||
        clpool__argv_add(&argv, "-o") != 0 || clpool__argv_add(&argv, so) != 0 ||
        clpool__argv_add(&argv, src) != 0 || clpool__argv_add(&argv, "-lm") != 0) {
        fprintf(stderr, "native_bench: out of memory\n");
        exit(1);
    }
    clpool__buf out = {0};
    int wstatus = 0;
    int err = clpool__spawn(argv.v, &out, &wstatus);
    if (err != 0 || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
        fprintf(stderr, "native_bench: compiling the plain C failed: %s\n%s\n",
                err ? strerror(err) : "", out.data ? out.data : "");
        exit(1);
    }
    void *dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    unlink(so);
    unlink(src);
    rmdir(dir);
    clpool__buf_free(&out);
    clpool__argv_free(&argv);
    if (dl == NULL) {
        fprintf(stderr, "native_bench: dlopen: %s\n", dlerror());
        exit(1);
    }
    return dl;
}

static void *sym(void *dl, const char *name)
{
    void *p = dlsym(dl, name);
    if (p == NULL) {
        fprintf(stderr, "native_bench: dlsym %s: %s\n", name, dlerror());
        exit(1);
    }
    return p;
}

typedef struct bench_data {
    size_t n;
    float *x, *y, *S, *K, *T, *call, *put;
    float a, r, v;
} bench_data;

/* Runs one of the four loops once; returns seconds. */
static double run_once(int which, void *fn, bench_data *d)
{
    double t0 = now();
    if (which == 0 || which == 2) {
        void *sx[] = {&d->a, d->x, d->y};
        void *bs[] = {d->S, d->K, d->T, d->call, d->put, &d->r, &d->v};
        clpool__native_fn f;
        memcpy(&f, &fn, sizeof f);
        clpool__native_run_items(f, which == 0 ? sx : bs, 0, d->n, d->n);
    } else if (which == 1) {
        plain_saxpy_fn f;
        memcpy(&f, &fn, sizeof f);
        f(d->n, d->a, d->x, d->y);
    } else {
        plain_bs_fn f;
        memcpy(&f, &fn, sizeof f);
        f(d->n, d->S, d->K, d->T, d->call, d->put, d->r, d->v);
    }
    return now() - t0;
}

/* Times the native loop (which) and the plain one (which + 1) in turns, so
 * that a neighbour's load falls on both alike; *native and *plain get the
 * median seconds per item, *best_ratio the ratio of the fastest runs. */
static void time_pair(int which, void *native_fn, void *plain_fn, bench_data *d, int runs,
                      double *native, double *plain, double *best_ratio)
{
    double *tn = malloc((size_t)runs * sizeof *tn), *tp = malloc((size_t)runs * sizeof *tp);
    if (tn == NULL || tp == NULL)
        exit(1);
    run_once(which, native_fn, d); /* warm-up: page faults, caches */
    run_once(which + 1, plain_fn, d);
    for (int k = 0; k < runs; k++) {
        /* Alternate which goes first, too. */
        if (k % 2 == 0) {
            tn[k] = run_once(which, native_fn, d);
            tp[k] = run_once(which + 1, plain_fn, d);
        } else {
            tp[k] = run_once(which + 1, plain_fn, d);
            tn[k] = run_once(which, native_fn, d);
        }
    }
    qsort(tn, (size_t)runs, sizeof *tn, by_value);
    qsort(tp, (size_t)runs, sizeof *tp, by_value);
    *native = tn[runs / 2] / (double)d->n;
    *plain = tp[runs / 2] / (double)d->n;
    *best_ratio = tn[0] / tp[0];
    free(tn);
    free(tp);
}

static void row(const char *what, double native, double plain, double best_ratio)
{
    printf("%-44s %10.3f %10.3f %8.2f %8.2f\n", what, native * 1e9, plain * 1e9, native / plain,
           best_ratio);
}

int main(int argc, char **argv)
{
    size_t items = (size_t)1 << 20;
    int runs = 21;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--items") == 0 && i + 1 < argc)
            items = (size_t)strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--items N] [--runs R]\n", argv[0]);
            return 2;
        }
    }
    if (items == 0 || runs < 1)
        return 2;

    /* One core: the CPU we are on now. */
    int cpu = sched_getcpu();
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu >= 0 ? cpu : 0, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        perror("native_bench: sched_setaffinity (timing unpinned)");

    clpool pool = {0};
    pthread_mutex_init(&pool.lock, NULL);
    bench_data d = {.n = items, .a = 2.0f, .r = 0.02f, .v = 0.30f};
    float *mem = malloc(items * 7 * sizeof *mem);
    if (mem == NULL)
        return 1;
    d.x = mem;
    d.y = d.x + items;
    d.S = d.y + items;
    d.K = d.S + items;
    d.T = d.K + items;
    d.call = d.T + items;
    d.put = d.call + items;
    unsigned seed = 1;
    for (size_t i = 0; i < items; i++) {
        seed = seed * 1664525u + 1013904223u;
        float u = (float)(seed >> 8) / (float)(1u << 24);
        d.x[i] = u;
        d.y[i] = 1 - u;
        d.S[i] = 5 + 25 * u;
        d.K[i] = 1 + 99 * (1 - u);
        d.T[i] = 0.25f + 9.75f * u;
    }

    const char *cc = getenv("CC");
    printf("compiler: %s; %zu items, median of %d runs, CPU %d\n", cc ? cc : "cc", items, runs,
           cpu);
    printf("%-44s %10s %10s %8s %8s\n", "kernel (per item, median)", "native ns", "plain ns",
           "ratio", "best");

    /* native options / plain C flags: the plain loop as the brief has it,
     * then the fastest plain C can be (fast math lets glibc's headers
     * declare libmvec), then both with fast math. */
    static const struct {
        const char *options, *plain_flag, *label;
    } modes[] = {
        {"", "", "native default / plain -O3 -march=native"},
        {"", "-ffast-math", "native default / plain + -ffast-math"},
        {"-cl-fast-relaxed-math", "-ffast-math", "native fast-relaxed / plain -ffast-math"},
    };
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        void *plain = load_plain(modes[m].plain_flag);
        void *sx = load_native(&pool, "saxpy.cl", modes[m].options);
        void *bs = load_native(&pool, "blackscholes.cl", modes[m].options);
        char label[128];
        printf("%s\n", modes[m].label);
        snprintf(label, sizeof label, "  saxpy");
        double tn, tp, best;
        time_pair(0, sym(sx, CLPOOL__NATIVE_PREFIX "saxpy"), sym(plain, "plain_saxpy"), &d, runs,
                  &tn, &tp, &best);
        row(label, tn, tp, best);
        snprintf(label, sizeof label, "  blackscholes");
        time_pair(2, sym(bs, CLPOOL__NATIVE_PREFIX "blackscholes"),
                  sym(plain, "plain_blackscholes"), &d, runs, &tn, &tp, &best);
        row(label, tn, tp, best);
        dlclose(sx);
        dlclose(bs);
        dlclose(plain);
    }
    free(pool.errmsg);
    pthread_mutex_destroy(&pool.lock);
    free(mem);
    return 0;
}
