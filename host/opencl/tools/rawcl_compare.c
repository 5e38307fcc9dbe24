/*
 * clpool-rawcl_compare: what clpool's OpenCL backend costs over hand-written
 * OpenCL, and what its program cache saves.
 *
 *   clpool-rawcl_compare [--repeat N] [--device FILTER]
 *       In one process, times clpool_map against a hand-written
 *       clSetKernelArg + clEnqueueNDRangeKernel + clFinish on its own
 *       context, queue, program and kernel (same device), interleaved, for
 *       saxpy over 2^24 floats already in device buffers and mandelbrot
 *       2048x2048 at 512 iterations. Prints median times and the ratio of
 *       clpool's throughput to the hand-written code's.
 *
 *   clpool-rawcl_compare --build-time [--repeat N] [--kernel FILE] [--device FILTER]
 *       Times clpool_program_file in fresh processes: the first on an empty
 *       cache directory (a real build), the second on the directory the
 *       first filled (a cache hit). POCL_KERNEL_CACHE=0 is set so that
 *       PoCL's own cache does not hide the difference.
 *
 * A tool, not library code: it prints, and exits on the first failure.
 */
#define CLPOOL_TOOL_NAME "clpool-rawcl_compare"

/* opencl.h brings CL/cl.h at the library's API level. */
#include "opencl/opencl.h"

#include <clpool.h>

#include "internal.h"

#include <errno.h>
#include <ftw.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SAXPY_N (1u << 24)
#define MANDEL_W 2048u
#define MANDEL_H 2048u
#define MANDEL_ITER 512u

/* Default runs: saxpy takes milliseconds, so its median needs many runs to
 * settle under noise; mandelbrot takes most of a second on a CPU. */
#define SAXPY_REPEAT 101
#define MANDEL_REPEAT 7
#define BUILD_REPEAT 3

struct options {
    int repeat;
    int build_time;
    const char *device;
    const char *kernel;
    const char *once_cache_dir; /* --build-once: the child of --build-time */
    int saxpy, mandelbrot;      /* which workloads to compare */
};

static void die(const char *fmt, ...) CLPOOL__PRINTF(1, 2);
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, CLPOOL_TOOL_NAME ": ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

#define CL_CHECK(err, what)                                                              \
    do {                                                                                 \
        cl_int e_ = (err);                                                               \
        if (e_ != CL_SUCCESS)                                                            \
            die("%s failed: %s (%d)", (what), clpool__cl_err_name(e_), (int)e_);         \
    } while (0)

#define POOL_CHECK(pool, call)                                                           \
    do {                                                                                 \
        int rc_ = (call);                                                                \
        if (rc_ != CLPOOL_OK)                                                            \
            die("%s: %s: %s", #call, clpool_err_name(rc_), clpool_errmsg(pool));         \
    } while (0)

static double now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        die("clock_gettime: %s", strerror(errno));
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: " CLPOOL_TOOL_NAME " [--repeat N] [--device FILTER] [--only WORKLOAD]\n"
            "       " CLPOOL_TOOL_NAME " --build-time [--repeat N] [--kernel FILE] "
            "[--device FILTER]\n"
            "\n"
            "Default mode: clpool_map against hand-written OpenCL on the same device, for\n"
            "saxpy over 2^24 floats in device buffers and mandelbrot %ux%u at %u\n"
            "iterations, interleaved; prints median ms and clpool/raw throughput.\n"
            "\n"
            "--build-time: clpool_program_file of FILE (default kernels/mandelbrot.cl) in a\n"
            "fresh process on an empty cache, then in another on the filled cache, with\n"
            "POCL_KERNEL_CACHE=0.\n"
            "\n"
            "  --repeat N       timed runs of each (default: saxpy %d, mandelbrot %d,\n"
            "                   build times %d)\n"
            "  --device FILTER  OpenCL device: gpu, cpu, accelerator, or part of its name\n"
            "  --kernel FILE    the .cl file for --build-time\n"
            "  --only WORKLOAD  compare saxpy or mandelbrot alone\n"
            "  --help           this text\n",
            MANDEL_W, MANDEL_H, MANDEL_ITER, SAXPY_REPEAT, MANDEL_REPEAT, BUILD_REPEAT);
}

static void parse_args(int argc, char **argv, struct options *o)
{
    o->repeat = 0; /* per workload, below */
    o->build_time = 0;
    o->device = NULL;
    o->kernel = CLPOOL_KERNELS_DIR "/mandelbrot.cl";
    o->once_cache_dir = NULL;
    o->saxpy = o->mandelbrot = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "--build-time") == 0) {
            o->build_time = 1;
        } else if (strcmp(a, "--repeat") == 0 && has_value) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end != '\0' || n < 1 || n > 100000)
                die("--repeat wants a count from 1 to 100000, not '%s'", argv[i]);
            o->repeat = (int)n;
        } else if (strcmp(a, "--device") == 0 && has_value) {
            o->device = argv[++i];
        } else if (strcmp(a, "--kernel") == 0 && has_value) {
            o->kernel = argv[++i];
        } else if (strcmp(a, "--only") == 0 && has_value) {
            const char *w = argv[++i];
            o->saxpy = strcmp(w, "saxpy") == 0;
            o->mandelbrot = strcmp(w, "mandelbrot") == 0;
            if (!o->saxpy && !o->mandelbrot)
                die("--only wants saxpy or mandelbrot, not '%s'", w);
        } else if (strcmp(a, "--build-once") == 0 && has_value) {
            o->once_cache_dir = argv[++i];
        } else {
            usage(stderr);
            die("unknown option or missing value: '%s'", a);
        }
    }
}

static clpool *open_pool(const char *device, const char *cache_dir)
{
    clpool_config cfg;
    clpool_config_init(&cfg);
    cfg.backend = CLPOOL_OPENCL;
    if (device != NULL)
        cfg.device = device;
    if (cache_dir != NULL)
        cfg.cache_dir = cache_dir;
    clpool *pool = NULL;
    int rc = clpool_open(&cfg, &pool);
    if (rc != CLPOOL_OK)
        die("clpool_open: %s: %s", clpool_err_name(rc), clpool_errmsg(NULL));
    return pool;
}

/* ------------------------------------------------------------ raw OpenCL */

/* What a careful programmer writes without clpool: its own context, queue,
 * program and kernels on the device clpool chose. */
struct raw {
    cl_context context;
    cl_command_queue queue;
    cl_program program;
};

static void raw_open(struct raw *r, cl_device_id device, const char *source)
{
    cl_int err;
    r->context = clCreateContext(NULL, 1, &device, NULL, NULL, &err);
    CL_CHECK(err, "clCreateContext");
    r->queue = clCreateCommandQueue(r->context, device, 0, &err);
    CL_CHECK(err, "clCreateCommandQueue");
    r->program = clCreateProgramWithSource(r->context, 1, &source, NULL, &err);
    CL_CHECK(err, "clCreateProgramWithSource");
    CL_CHECK(clBuildProgram(r->program, 1, &device, "", NULL, NULL), "clBuildProgram");
}

static void raw_close(struct raw *r)
{
    CL_CHECK(clReleaseProgram(r->program), "clReleaseProgram");
    CL_CHECK(clReleaseCommandQueue(r->queue), "clReleaseCommandQueue");
    CL_CHECK(clReleaseContext(r->context), "clReleaseContext");
}

static cl_mem raw_buffer(struct raw *r, size_t bytes, const void *init)
{
    cl_int err;
    cl_mem m = clCreateBuffer(r->context, CL_MEM_READ_WRITE, bytes, NULL, &err);
    CL_CHECK(err, "clCreateBuffer");
    if (init != NULL)
        CL_CHECK(clEnqueueWriteBuffer(r->queue, m, CL_TRUE, 0, bytes, init, 0, NULL, NULL),
                 "clEnqueueWriteBuffer");
    return m;
}

static void raw_run(struct raw *r, cl_kernel k, size_t n)
{
    CL_CHECK(clEnqueueNDRangeKernel(r->queue, k, 1, NULL, &n, NULL, 0, NULL, NULL),
             "clEnqueueNDRangeKernel");
    CL_CHECK(clFinish(r->queue), "clFinish");
}

/* ------------------------------------------------------- the comparisons */

struct result {
    const char *name;
    int runs;
    double pool_ms, raw_ms;
};

static char *read_source(clpool *pool, const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", CLPOOL_KERNELS_DIR, file);
    char *src = NULL;
    size_t len;
    POOL_CHECK(pool, clpool__read_file(pool, path, &src, &len));
    return src;
}

static struct result compare_saxpy(clpool *pool, struct raw *r, int repeat)
{
    const size_t n = SAXPY_N, bytes = n * sizeof(float);
    float *x = malloc(bytes), *y = malloc(bytes), *check = malloc(bytes);
    double *tp = malloc((size_t)repeat * sizeof *tp), *tr = malloc((size_t)repeat * sizeof *tr);
    if (x == NULL || y == NULL || check == NULL || tp == NULL || tr == NULL)
        die("no memory for saxpy's %zu-byte arrays", bytes);
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)(i % 1000) * 0.001f;
        y[i] = 1.0f;
    }
    const float a = 0.5f;

    clpool_program *prog = NULL;
    clpool_kernel *k = NULL;
    clpool_buffer *bx = NULL, *by = NULL;
    POOL_CHECK(pool, clpool_program_file(pool, CLPOOL_KERNELS_DIR "/saxpy.cl", NULL, &prog));
    POOL_CHECK(pool, clpool_kernel_get(prog, "saxpy", &k));
    POOL_CHECK(pool, clpool_buffer_new(pool, bytes, &bx));
    POOL_CHECK(pool, clpool_buffer_new(pool, bytes, &by));
    POOL_CHECK(pool, clpool_buffer_write(bx, 0, x, bytes));
    POOL_CHECK(pool, clpool_buffer_write(by, 0, y, bytes));

    cl_int err;
    cl_kernel rk = clCreateKernel(r->program, "saxpy", &err);
    CL_CHECK(err, "clCreateKernel(saxpy)");
    cl_mem rx = raw_buffer(r, bytes, x), ry = raw_buffer(r, bytes, y);

    /* The first run of each compiles the kernel for the device (PoCL does
     * it at the first enqueue) and touches the pages: not timed. */
    for (int i = -1; i < repeat; i++) {
        for (int turn = 0; turn < 2; turn++) {
            /* Alternate which goes first, so that neither always runs on a
             * cache the other warmed. */
            int pool_turn = (i & 1) ? turn == 1 : turn == 0;
            double t0 = now_ms();
            if (pool_turn) {
                POOL_CHECK(pool, CLPOOL_MAP(k, n, clpool_f32(a), clpool_buf(bx), clpool_buf(by)));
            } else {
                CL_CHECK(clSetKernelArg(rk, 0, sizeof a, &a), "clSetKernelArg");
                CL_CHECK(clSetKernelArg(rk, 1, sizeof rx, &rx), "clSetKernelArg");
                CL_CHECK(clSetKernelArg(rk, 2, sizeof ry, &ry), "clSetKernelArg");
                raw_run(r, rk, n);
            }
            double t = now_ms() - t0;
            if (i >= 0)
                (pool_turn ? tp : tr)[i] = t;
        }
    }

    /* Both did the same updates, so their results must be the same. */
    POOL_CHECK(pool, clpool_buffer_read(by, 0, y, bytes));
    CL_CHECK(clEnqueueReadBuffer(r->queue, ry, CL_TRUE, 0, bytes, check, 0, NULL, NULL),
             "clEnqueueReadBuffer");
    if (memcmp(y, check, bytes) != 0)
        die("saxpy: clpool's and the hand-written results differ");

    struct result res = {"saxpy 2^24 floats", repeat, median(tp, repeat), median(tr, repeat)};
    CL_CHECK(clReleaseMemObject(rx), "clReleaseMemObject");
    CL_CHECK(clReleaseMemObject(ry), "clReleaseMemObject");
    CL_CHECK(clReleaseKernel(rk), "clReleaseKernel");
    clpool_buffer_free(bx);
    clpool_buffer_free(by);
    clpool_program_free(prog);
    free(x);
    free(y);
    free(check);
    free(tp);
    free(tr);
    return res;
}

static struct result compare_mandelbrot(clpool *pool, struct raw *r, int repeat)
{
    const size_t n = (size_t)MANDEL_W * MANDEL_H, bytes = n * sizeof(cl_uint);
    const cl_uint width = MANDEL_W, max_iter = MANDEL_ITER;
    const float x0 = -2.0f, y0 = -1.5f, dx = 3.0f / MANDEL_W, dy = 3.0f / MANDEL_H;
    cl_uint *out = malloc(bytes), *check = malloc(bytes);
    double *tp = malloc((size_t)repeat * sizeof *tp), *tr = malloc((size_t)repeat * sizeof *tr);
    if (out == NULL || check == NULL || tp == NULL || tr == NULL)
        die("no memory for mandelbrot's %zu-byte image", bytes);

    clpool_program *prog = NULL;
    clpool_kernel *k = NULL;
    clpool_buffer *bo = NULL;
    POOL_CHECK(pool,
               clpool_program_file(pool, CLPOOL_KERNELS_DIR "/mandelbrot.cl", NULL, &prog));
    POOL_CHECK(pool, clpool_kernel_get(prog, "mandelbrot", &k));
    POOL_CHECK(pool, clpool_buffer_new(pool, bytes, &bo));

    cl_int err;
    cl_kernel rk = clCreateKernel(r->program, "mandelbrot", &err);
    CL_CHECK(err, "clCreateKernel(mandelbrot)");
    cl_mem ro = raw_buffer(r, bytes, NULL);

    for (int i = -1; i < repeat; i++) {
        for (int turn = 0; turn < 2; turn++) {
            int pool_turn = (i & 1) ? turn == 1 : turn == 0;
            double t0 = now_ms();
            if (pool_turn) {
                POOL_CHECK(pool, CLPOOL_MAP(k, n, clpool_buf(bo), clpool_u32(width),
                                            clpool_f32(x0), clpool_f32(y0), clpool_f32(dx),
                                            clpool_f32(dy), clpool_u32(max_iter)));
            } else {
                CL_CHECK(clSetKernelArg(rk, 0, sizeof ro, &ro), "clSetKernelArg");
                CL_CHECK(clSetKernelArg(rk, 1, sizeof width, &width), "clSetKernelArg");
                CL_CHECK(clSetKernelArg(rk, 2, sizeof x0, &x0), "clSetKernelArg");
                CL_CHECK(clSetKernelArg(rk, 3, sizeof y0, &y0), "clSetKernelArg");
                CL_CHECK(clSetKernelArg(rk, 4, sizeof dx, &dx), "clSetKernelArg");
                CL_CHECK(clSetKernelArg(rk, 5, sizeof dy, &dy), "clSetKernelArg");
                CL_CHECK(clSetKernelArg(rk, 6, sizeof max_iter, &max_iter), "clSetKernelArg");
                raw_run(r, rk, n);
            }
            double t = now_ms() - t0;
            if (i >= 0)
                (pool_turn ? tp : tr)[i] = t;
        }
    }

    POOL_CHECK(pool, clpool_buffer_read(bo, 0, out, bytes));
    CL_CHECK(clEnqueueReadBuffer(r->queue, ro, CL_TRUE, 0, bytes, check, 0, NULL, NULL),
             "clEnqueueReadBuffer");
    if (memcmp(out, check, bytes) != 0)
        die("mandelbrot: clpool's and the hand-written images differ");

    struct result res = {"mandelbrot 2048x2048/512", repeat, median(tp, repeat),
                         median(tr, repeat)};
    CL_CHECK(clReleaseMemObject(ro), "clReleaseMemObject");
    CL_CHECK(clReleaseKernel(rk), "clReleaseKernel");
    clpool_buffer_free(bo);
    clpool_program_free(prog);
    free(out);
    free(check);
    free(tp);
    free(tr);
    return res;
}

static int run_compare(const struct options *o)
{
    clpool *pool = open_pool(o->device, NULL);
    const struct clpool__cl_pool *cl = clpool__cl_of(pool);
    printf("device: %s\n", clpool_describe(pool));
    printf("runs of each, interleaved, alternating which goes first; times are medians\n\n");

    /* One raw program holding both kernels, as a hand-written program
     * would; built from the same files clpool builds. */
    char *saxpy = read_source(pool, "saxpy.cl");
    char *mandel = read_source(pool, "mandelbrot.cl");
    char *both = clpool__asprintf("%s\n%s", saxpy, mandel);
    if (both == NULL)
        die("no memory");
    struct raw r;
    raw_open(&r, cl->device, both);

    struct result res[2];
    int nres = 0;
    if (o->saxpy)
        res[nres++] = compare_saxpy(pool, &r, o->repeat ? o->repeat : SAXPY_REPEAT);
    if (o->mandelbrot)
        res[nres++] = compare_mandelbrot(pool, &r, o->repeat ? o->repeat : MANDEL_REPEAT);

    printf("%-26s %5s %12s %12s %18s\n", "workload", "runs", "clpool ms", "raw ms",
           "clpool/raw thrpt");
    for (int i = 0; i < nres; i++)
        printf("%-26s %5d %12.3f %12.3f %18.3f\n", res[i].name, res[i].runs, res[i].pool_ms,
               res[i].raw_ms, res[i].raw_ms / res[i].pool_ms);

    raw_close(&r);
    free(both);
    free(saxpy);
    free(mandel);
    clpool_close(pool);
    return 0;
}

/* ------------------------------------------------------------ build time */

/* The child of --build-time: open a pool on cache_dir, time
 * clpool_program_file, print "open_ms build_ms from_cache". */
static int run_build_once(const struct options *o)
{
    double t0 = now_ms();
    clpool *pool = open_pool(o->device, o->once_cache_dir);
    double t1 = now_ms();
    clpool_program *prog = NULL;
    POOL_CHECK(pool, clpool_program_file(pool, o->kernel, NULL, &prog));
    double t2 = now_ms();
    printf("%.3f %.3f %d\n", t1 - t0, t2 - t1, prog->from_cache);
    clpool_close(pool);
    return 0;
}

struct build_run {
    double open_ms, build_ms, process_ms;
    int from_cache;
};

/* Runs this program with --build-once in a new process (this one never
 * initialises OpenCL in --build-time mode, so spawning is safe). */
static struct build_run spawn_build_once(const struct options *o, const char *cache_dir)
{
    int fds[2];
    if (pipe(fds) != 0)
        die("pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    if (rc == 0)
        rc = posix_spawn_file_actions_addclose(&fa, fds[0]);
    if (rc != 0)
        die("posix_spawn_file_actions: %s", strerror(rc));
    char *args[10];
    int na = 0;
    args[na++] = (char *)CLPOOL_TOOL_NAME;
    args[na++] = (char *)"--build-once";
    args[na++] = (char *)cache_dir;
    args[na++] = (char *)"--kernel";
    args[na++] = (char *)o->kernel;
    if (o->device != NULL) {
        args[na++] = (char *)"--device";
        args[na++] = (char *)o->device;
    }
    args[na] = NULL;

    double t0 = now_ms();
    pid_t pid;
    rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, args, environ);
    if (rc != 0)
        die("posix_spawn: %s", strerror(rc));
    posix_spawn_file_actions_destroy(&fa);
    if (close(fds[1]) != 0)
        die("close: %s", strerror(errno));

    char line[256];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fds[0], line + got, sizeof line - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            die("read: %s", strerror(errno));
        if (n == 0 || got + (size_t)n == sizeof line - 1) {
            got += (size_t)n;
            break;
        }
        got += (size_t)n;
    }
    line[got] = '\0';
    if (close(fds[0]) != 0)
        die("close: %s", strerror(errno));
    int wstatus;
    pid_t w;
    do
        w = waitpid(pid, &wstatus, 0);
    while (w < 0 && errno == EINTR);
    double t1 = now_ms();
    if (w != pid)
        die("waitpid: %s", strerror(errno));
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
        die("the --build-once process failed (status 0x%x)", (unsigned)wstatus);

    struct build_run br;
    if (sscanf(line, "%lf %lf %d", &br.open_ms, &br.build_ms, &br.from_cache) != 3)
        die("unexpected answer from the --build-once process: '%s'", line);
    br.process_ms = t1 - t0;
    return br;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int run_build_time(const struct options *o)
{
    if (setenv("POCL_KERNEL_CACHE", "0", 1) != 0)
        die("setenv: %s", strerror(errno));
    int n = o->repeat ? o->repeat : BUILD_REPEAT;
    struct build_run *cold = malloc((size_t)n * sizeof *cold);
    struct build_run *hot = malloc((size_t)n * sizeof *hot);
    double *v = malloc((size_t)n * sizeof *v);
    if (cold == NULL || hot == NULL || v == NULL)
        die("no memory");

    printf("kernel: %s\nPOCL_KERNEL_CACHE=0; each run is a new process; times in ms\n\n",
           o->kernel);
    printf("%-4s %-14s %10s %22s %14s\n", "run", "clpool cache", "open", "clpool_program_file",
           "process");
    for (int i = 0; i < n; i++) {
        char dir[] = "/tmp/clpool-buildtime-XXXXXX";
        if (mkdtemp(dir) == NULL)
            die("mkdtemp: %s", strerror(errno));
        cold[i] = spawn_build_once(o, dir);
        hot[i] = spawn_build_once(o, dir);
        for (int j = 0; j < 2; j++) {
            const struct build_run *b = j == 0 ? &cold[i] : &hot[i];
            printf("%-4d %-14s %10.1f %22.1f %14.1f\n", i + 1,
                   b->from_cache ? "hit" : "miss (build)", b->open_ms, b->build_ms,
                   b->process_ms);
        }
        if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
            die("removing %s: %s", dir, strerror(errno));
        if (cold[i].from_cache || !hot[i].from_cache)
            die("run %d: expected a miss then a hit, got %s then %s", i + 1,
                cold[i].from_cache ? "hit" : "miss", hot[i].from_cache ? "hit" : "miss");
    }
    for (int i = 0; i < n; i++)
        v[i] = cold[i].build_ms;
    double cold_med = median(v, n);
    for (int i = 0; i < n; i++)
        v[i] = hot[i].build_ms;
    double hot_med = median(v, n);
    printf("\nmedian clpool_program_file: %.1f ms built, %.1f ms from clpool's cache "
           "(%.0fx faster)\n",
           cold_med, hot_med, hot_med > 0 ? cold_med / hot_med : 0.0);
    free(cold);
    free(hot);
    free(v);
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    parse_args(argc, argv, &o);
    if (o.once_cache_dir != NULL)
        return run_build_once(&o);
    if (o.build_time)
        return run_build_time(&o);
    return run_compare(&o);
}
