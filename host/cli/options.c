/* The command line of clpool-bench: defaults (from the environment), parsing,
 * --help. */
#include "options.h"

#include "openmp.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char usage_line[] =
    "usage: clpool-bench [--backend all|auto|opencl|fork|openmp] [--device FILTER]\n"
    "                    [--workload LIST] [--size SCALE] [--repeat N] [--warmup N]\n"
    "                    [--workers N] [--host-arrays] [--list]\n"
    "                    [--json | --csv | --markdown] [--svg FILE] [--version] [-h]\n";

static void print_help(const bench_options *o)
{
    printf("%s", usage_line);
    printf(
        "\n"
        "Runs the built-in OpenCL C map kernels on every clpool backend found, checks\n"
        "every result against a C reference, and prints one row per workload and\n"
        "backend. Data stays in clpool buffers: the times are the maps themselves\n"
        "(unless --host-arrays). Options take their value as --size 0.5 or --size=0.5.\n"
        "\n"
        "Examples:\n"
        "  clpool-bench                          every workload on every backend\n"
        "  clpool-bench --workload saxpy --size 0.05   one quick row per backend\n"
        "  clpool-bench --backend opencl --device gpu  OpenCL GPUs only\n"
        "  clpool-bench --repeat 20 --warmup 3   steadier figures: 3 untimed, 20 timed\n"
        "  clpool-bench --markdown --svg bench.svg     a table and a chart for a report\n"
        "  clpool-bench --json > run.json        every figure, for a script\n"
        "\n"
        "What runs:\n"
        "  --backend B      all (default): the fork backend with 1 worker (the baseline)\n"
        "                   and with N workers, the OpenMP rows (below), then every\n"
        "                   OpenCL device; auto: the baseline and the pool CLPOOL_AUTO\n"
        "                   chooses; opencl: OpenCL devices only (speedups are then\n"
        "                   relative to the first device); fork: the fork backend\n"
        "                   only; openmp: the OpenMP rows only.\n"
        "  --device FILTER  OpenCL device filter: gpu, cpu, accelerator, or part of the\n"
        "                   device name. Default: every device (tried as gpu, cpu,\n"
        "                   accelerator and any, each device once).\n"
        "  --workload LIST  comma-separated workloads (default: all; see --list).\n"
        "  --size SCALE     multiplies every workload's default size (default 1;\n"
        "                   0.05 for a quick look).\n"
        "  --workers N      fork workers of the non-baseline fork row, and threads of\n"
        "                   the OpenMP rows (default: one per online CPU).\n"
        "  --host-arrays    pass each workload's elementwise arrays as host arrays\n"
        "                   (clpool_in, clpool_out, clpool_inout), so that the timed map\n"
        "                   includes the transfers (and, past CLPOOL_MAX_CHUNK_BYTES, the\n"
        "                   chunking). Each workload then has three rows per backend:\n"
        "                   mode explicit-copy (clpool_buffer_write of the inputs, the\n"
        "                   map over buffers, clpool_buffer_read of the results, all\n"
        "                   timed), mode host-arrays (malloc'd arrays) and mode\n"
        "                   host-alloc (the same host arrays in memory from\n"
        "                   clpool_host_alloc, the inputs copied there untimed: the fork\n"
        "                   backend maps them in place, with no copies or chunks, and\n"
        "                   a CPU OpenCL device uses them in place too). The vs\n"
        "                   explicit column of the last two is their throughput /\n"
        "                   explicit-copy's. Arrays that\n"
        "                   are not one element per item, or that an item reads beyond\n"
        "                   its own element (nbody's bodies, histogram's bins), stay in\n"
        "                   buffers written before the timed part; a workload with no\n"
        "                   other array keeps its one buffers row. Without this option\n"
        "                   every row is mode buffers.\n"
        "\n"
        "How it is timed:\n"
        "  --warmup N       untimed runs of each row before the timed ones (default 1;\n"
        "                   0 times the first map too).\n"
        "  --repeat N       timed runs per row (default 5). A row shows their median\n"
        "                   (seconds), fastest (min), slowest (max) and spread: (max -\n"
        "                   min) / median, in percent. A spread of more than a few\n"
        "                   percent means a busy machine: add --repeat.\n"
        "\n"
        "Output (a header line first: clpool's version, the CPU, its cores, the\n"
        "devices that ran, the date in UTC):\n"
        "  (default)        an aligned table, notes below it.\n"
        "  --json           a JSON object: clpool_version, date, host, devices, rows\n"
        "                   (an array of rows with every figure; README.md lists the\n"
        "                   fields).\n"
        "  --csv            CSV: a header line, then one line per row (the header\n"
        "                   line's facts repeated in the last columns).\n"
        "  --markdown       a Markdown table (GitHub style) under the header line.\n"
        "  --svg FILE       also write a bar chart of the run to FILE: one group per\n"
        "                   workload, one bar per backend (and mode), items/s on a\n"
        "                   log scale. Written whatever the output format.\n"
        "  --list           list the workloads and the backends that open here, and exit.\n"
        "  --version        print clpool-bench's and clpool's version and exit.\n"
        "  -h, --help       print this help and exit.\n"
        "With --json, --csv or --markdown only the result goes to stdout; notes and\n"
        "progress go to stderr.\n"
        "\n"
        "Columns: mode (only with --host-arrays), seconds (median map time), min and\n"
        "max (fastest and slowest timed map), spread, items/s, GB/s (memory-bound\n"
        "workloads) or GFLOP/s (where flops are meaningful), speedup (baseline seconds\n"
        "/ seconds; the baseline is the fork backend with 1 worker: the kernel as\n"
        "native code in a single process), cold build ms (the first build, into an\n"
        "empty cache), warm build ms (the same build in a second pool, from the\n"
        "cache), launch us (median of many 1-item maps of the built kernel), verified\n"
        "(results match the C reference within the workload's tolerance), vs explicit\n"
        "(only with --host-arrays). Speedups compare rows of the same mode. A\n"
        "workload's three --host-arrays rows on a backend share one build and one\n"
        "launch latency (1-item maps over buffers).\n"
        "\n"
        "Each backend runs in a child process of its own: OpenCL is never initialised\n"
        "in a process that forks workers, and a backend that crashes costs only its\n"
        "rows. A backend that cannot open is reported as unavailable, not as an error.\n"
        "\n"
        "OpenMP rows (backend openmp): each workload's kernel written as a C loop with\n"
        "OpenMP (parallel for, and simd where it vectorises), with as many threads as\n"
        "the fork row has workers, on the same inputs, checked against the same\n"
        "reference and timed the same way: what one would write instead of clpool for\n"
        "the CPU. The loops are compiled with the flags the fork backend builds kernels\n"
        "with (the describe field of --json names them). Their data is in ordinary\n"
        "memory: their mode is buffers, or with --host-arrays host-arrays, whose rows\n"
        "their speedup is compared with. They have no build times; their launch us is a\n"
        "loop over 1 item (a work-group's for matmul and reduce).\n"
        "%s\n"
        "\n"
        "Kernels: the .cl files are read from %s\n"
        "  (%s).\n"
        "\n"
        "Environment:\n"
        "  CLPOOL_BACKEND     default of --backend (all, auto, opencl, fork, openmp).\n"
        "  OMP_*              read by the OpenMP runtime (OMP_WAIT_POLICY, OMP_PROC_BIND,\n"
        "                     ...), except the thread count: --workers sets it.\n"
        "  CLPOOL_DEVICE      default of --device.\n"
        "  CLPOOL_WORKERS     default of --workers.\n"
        "  CLPOOL_CACHE_DIR   not used: to measure cold and warm builds every backend\n"
        "                     gets a fresh cache directory (made with mkdtemp under\n"
        "                     $TMPDIR or /tmp, removed at exit).\n"
        "  CLPOOL_TIMEOUT_MS  time limit of every map (default: none).\n"
        "  CLPOOL_KERNELS_DIR where the .cl files are read from. Default: for an\n"
        "                     installed clpool-bench, %s from its own\n"
        "                     directory (whatever the install prefix); for the one in\n"
        "                     the build tree, the source tree's kernels/.\n"
        "  TMPDIR             where the temporary cache directories are made.\n"
        "  POCL_CACHE_DIR, CUDA_CACHE_PATH\n"
        "                     set, in the process measuring an OpenCL device, to a\n"
        "                     fresh directory: a driver's own kernel cache would make\n"
        "                     the cold build warm.\n"
        "\n"
        "Exit status:\n"
        "  0  every row ran and was verified\n"
        "  1  a row failed verification, a backend that opened could not run a row,\n"
        "     the kernels directory is missing, or the --svg file could not be written\n"
        "  2  usage error\n"
        "  3  no backend could run\n",
        bench_openmp_available()
            ? "This clpool-bench has OpenMP."
            : "This clpool-bench was built without OpenMP: it has no OpenMP rows.",
        o->kernels_dir, o->kernels_why, CLPOOL_BIN_TO_KERNELS);
}

static void print_version(void)
{
    printf("clpool-bench %s (clpool %s)\n", CLPOOL_VERSION_STRING, CLPOOL_VERSION_STRING);
}

static int usage_error(int *exit_code, const char *fmt, const char *arg)
{
    fputs("clpool-bench: ", stderr);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    fputs(usage_line, stderr);
    fputs("Try 'clpool-bench --help' for more.\n", stderr);
    *exit_code = BENCH_EXIT_USAGE;
    return -1;
}

static int parse_backends(const char *s, bench_backends *out)
{
    static const struct {
        const char *word;
        bench_backends value;
    } words[] = {{"all", BENCH_BACKENDS_ALL},
                 {"auto", BENCH_BACKENDS_AUTO},
                 {"opencl", BENCH_BACKENDS_OPENCL},
                 {"fork", BENCH_BACKENDS_FORK},
                 {"openmp", BENCH_BACKENDS_OPENMP}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strcasecmp(s, words[i].word) == 0) {
            *out = words[i].value;
            return 0;
        }
    }
    return -1;
}

/* A decimal in [min, max], or -1. */
static long parse_long(const char *s, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return -1;
    return v;
}

/* Splits LIST at commas into o->workloads. */
static int parse_workloads(const char *list, bench_options *o, int *exit_code)
{
    char name[64];
    o->nworkloads = 0;
    for (const char *p = list;;) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof name)
            return usage_error(exit_code, "--workload '%s': expected names separated by commas",
                               list);
        memcpy(name, p, len);
        name[len] = '\0';
        const bench_workload *w = bench_workload_find(name);
        if (w == NULL)
            return usage_error(exit_code, "unknown workload '%s' (see --list)", name);
        int dup = 0;
        for (size_t i = 0; i < o->nworkloads; i++)
            dup |= o->workloads[i] == w;
        if (!dup) {
            if (o->nworkloads == sizeof o->workloads / sizeof o->workloads[0])
                return usage_error(exit_code, "--workload '%s': too many names", list);
            o->workloads[o->nworkloads++] = w;
        }
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The directory this executable is in (symbolic links resolved), or "". */
static void exe_dir(char *out, size_t len)
{
    out[0] = '\0';
    char *exe = realpath("/proc/self/exe", NULL);
    if (exe == NULL)
        return;
    char *slash = strrchr(exe, '/');
    if (slash != NULL && (size_t)(slash - exe) < len)
        snprintf(out, len, "%.*s", (int)(slash - exe), exe);
    free(exe);
}

/* Whether two paths name the same existing directory. */
static int same_dir(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* Where the kernels are: CLPOOL_KERNELS_DIR; for the binary in the build
 * tree, the source tree's kernels/ (a build tree runs its own kernels); else
 * the installed ones, found relative to this executable, so that any install
 * prefix works, and a prefix moved elsewhere too. */
static void find_kernels(bench_options *o)
{
    static char dir[4096];
    const char *env = getenv("CLPOOL_KERNELS_DIR");
    if (env != NULL && env[0] != '\0') {
        o->kernels_dir = env;
        o->kernels_why = "CLPOOL_KERNELS_DIR";
        return;
    }
    char self[3800];
    exe_dir(self, sizeof self);
    if (self[0] != '\0' && same_dir(self, CLPOOL_BUILD_DIR) &&
        is_dir(CLPOOL_SOURCE_KERNELS_DIR)) {
        o->kernels_dir = CLPOOL_SOURCE_KERNELS_DIR;
        o->kernels_why = "the source tree's, as this clpool-bench is the build tree's";
        return;
    }
    char rel[4096];
    snprintf(rel, sizeof rel, "%s/%s", self[0] ? self : ".", CLPOOL_BIN_TO_KERNELS);
    /* Shown without the "bin/../". */
    if (realpath(rel, dir) == NULL)
        snprintf(dir, sizeof dir, "%s", rel);
    o->kernels_dir = dir;
    o->kernels_why = is_dir(dir) ? "installed beside this clpool-bench"
                                 : "where an installed clpool-bench has them; NOT FOUND there: "
                                   "set CLPOOL_KERNELS_DIR";
}

/* Defaults, including those the environment sets. */
static int set_defaults(bench_options *o, int *exit_code)
{
    memset(o, 0, sizeof *o);
    o->scale = 1.0;
    o->repeat = 5;
    o->warmup = 1;
    for (size_t i = 0; i < bench_nworkloads; i++)
        o->workloads[o->nworkloads++] = bench_workloads[i];
    find_kernels(o);

    const char *v;
    if ((v = getenv("CLPOOL_BACKEND")) != NULL && v[0] != '\0' &&
        parse_backends(v, &o->backends) != 0)
        return usage_error(exit_code,
                           "CLPOOL_BACKEND='%s': use all, auto, opencl, fork or openmp", v);
    if ((v = getenv("CLPOOL_DEVICE")) != NULL && v[0] != '\0')
        o->device = v;
    if ((v = getenv("CLPOOL_WORKERS")) != NULL && v[0] != '\0') {
        long w = parse_long(v, 0, 4096);
        if (w < 0)
            return usage_error(exit_code, "CLPOOL_WORKERS='%s': expected a number of workers", v);
        o->workers = (int)w;
    }
    /* The library would refuse it at every open; say so once, up front. */
    if ((v = getenv("CLPOOL_TIMEOUT_MS")) != NULL && v[0] != '\0' &&
        parse_long(v, 0, (long)(UINT_MAX - 1 > LONG_MAX ? LONG_MAX : UINT_MAX - 1)) < 0)
        return usage_error(exit_code, "CLPOOL_TIMEOUT_MS='%s': expected milliseconds", v);
    return 0;
}

int bench_options_parse(int argc, char **argv, bench_options *o, int *exit_code)
{
    enum { OPT_JSON = 256, OPT_CSV, OPT_MARKDOWN, OPT_LIST, OPT_HELP, OPT_VERSION,
           OPT_HOST_ARRAYS, OPT_WARMUP, OPT_SVG };
    static const struct option longopts[] = {
        {"backend", required_argument, NULL, 'b'}, {"device", required_argument, NULL, 'd'},
        {"workload", required_argument, NULL, 'w'}, {"size", required_argument, NULL, 's'},
        {"repeat", required_argument, NULL, 'r'},  {"workers", required_argument, NULL, 'n'},
        {"warmup", required_argument, NULL, OPT_WARMUP},
        {"list", no_argument, NULL, OPT_LIST},     {"json", no_argument, NULL, OPT_JSON},
        {"csv", no_argument, NULL, OPT_CSV},       {"markdown", no_argument, NULL, OPT_MARKDOWN},
        {"svg", required_argument, NULL, OPT_SVG}, {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {"host-arrays", no_argument, NULL, OPT_HOST_ARRAYS},
        {NULL, 0, NULL, 0}};

    if (set_defaults(o, exit_code) != 0)
        return -1;
    int formats = 0;
    o->format = BENCH_TABLE;
    long v;
    char *end;
    opterr = 0; /* our own messages, and exit code 2 */
    for (;;) {
        int c = getopt_long(argc, argv, "h", longopts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'b':
            if (parse_backends(optarg, &o->backends) != 0)
                return usage_error(exit_code,
                                   "--backend '%s': use all, auto, opencl, fork or openmp",
                                   optarg);
            break;
        case 'd':
            o->device = optarg[0] != '\0' ? optarg : NULL;
            break;
        case 'w':
            if (parse_workloads(optarg, o, exit_code) != 0)
                return -1;
            break;
        case 's':
            errno = 0;
            o->scale = strtod(optarg, &end);
            if (errno != 0 || end == optarg || *end != '\0' || !(o->scale > 0.0) ||
                o->scale > 1e6)
                return usage_error(exit_code, "--size '%s': expected a positive number", optarg);
            break;
        case 'r':
            if ((v = parse_long(optarg, 1, 100000)) < 0)
                return usage_error(exit_code, "--repeat '%s': expected a count of at least 1",
                                   optarg);
            o->repeat = (int)v;
            break;
        case OPT_WARMUP:
            if ((v = parse_long(optarg, 0, 100000)) < 0)
                return usage_error(exit_code, "--warmup '%s': expected a count (0 or more)",
                                   optarg);
            o->warmup = (int)v;
            break;
        case 'n':
            if ((v = parse_long(optarg, 1, 4096)) < 0)
                return usage_error(exit_code, "--workers '%s': expected a count of at least 1",
                                   optarg);
            o->workers = (int)v;
            break;
        case OPT_LIST:
            o->list = 1;
            break;
        case OPT_HOST_ARRAYS:
            o->host_arrays = 1;
            break;
        case OPT_JSON:
        case OPT_CSV:
        case OPT_MARKDOWN:
            formats |= 1 << (c - OPT_JSON);
            o->format = c == OPT_JSON ? BENCH_JSON : c == OPT_CSV ? BENCH_CSV : BENCH_MARKDOWN;
            break;
        case OPT_SVG:
            if (optarg[0] == '\0')
                return usage_error(exit_code, "%s", "--svg: expected a file name");
            o->svg_path = optarg;
            break;
        case 'h':
        case OPT_HELP:
            print_help(o);
            *exit_code = BENCH_EXIT_OK;
            return -1;
        case OPT_VERSION:
            print_version();
            *exit_code = BENCH_EXIT_OK;
            return -1;
        default:
            /* optind has moved past the offending word. */
            return usage_error(exit_code, "unknown or incomplete option '%s'",
                               optind > 0 && optind <= argc ? argv[optind - 1] : "?");
        }
    }
    if (optind < argc)
        return usage_error(exit_code, "unexpected argument '%s'", argv[optind]);
    if (formats & (formats - 1))
        return usage_error(exit_code, "%s", "--json, --csv and --markdown exclude each other");
    return 0;
}
