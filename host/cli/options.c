/* The command line of clpool-bench: defaults (from the environment), parsing,
 * --help. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char usage_line[] =
    "usage: clpool-bench [--backend all|auto|opencl|fork] [--device FILTER]\n"
    "                    [--workload LIST] [--size SCALE] [--repeat N] [--workers N]\n"
    "                    [--host-arrays] [--list] [--json | --csv] [--help]\n";

static void print_help(void)
{
    printf("%s", usage_line);
    printf(
        "\n"
        "Runs the built-in OpenCL C map kernels on every clpool backend found, checks\n"
        "every result against a C reference, and prints one row per workload and\n"
        "backend. Data stays in clpool buffers: the times are the maps themselves\n"
        "(unless --host-arrays).\n"
        "\n"
        "Options:\n"
        "  --backend B      all (default): the fork backend with 1 worker (the baseline)\n"
        "                   and with N workers, then every OpenCL device;\n"
        "                   auto: the baseline and the pool CLPOOL_AUTO chooses;\n"
        "                   opencl: OpenCL devices only (speedups are then relative to\n"
        "                   the first device); fork: the fork backend only.\n"
        "  --device FILTER  OpenCL device filter: gpu, cpu, accelerator, or part of the\n"
        "                   device name. Default: every device (tried as gpu, cpu,\n"
        "                   accelerator and any, each device once).\n"
        "  --workload LIST  comma-separated workloads (default: all; see --list).\n"
        "  --size SCALE     multiplies every workload's default size (default 1).\n"
        "  --repeat N       timed runs per row, after one untimed warm-up (default 5);\n"
        "                   the row shows their median.\n"
        "  --workers N      fork workers of the non-baseline fork row (default: one per\n"
        "                   online CPU).\n"
        "  --host-arrays    pass each workload's elementwise arrays as host arrays\n"
        "                   (clpool_in, clpool_out, clpool_inout), so that the timed map\n"
        "                   includes the transfers (and, past CLPOOL_MAX_CHUNK_BYTES,\n"
        "                   the chunking). Each workload then has two rows per backend:\n"
        "                   mode explicit-copy (clpool_buffer_write of the inputs, the\n"
        "                   map over buffers, clpool_buffer_read of the results, all\n"
        "                   timed) and mode host-arrays, whose vs explicit column is its\n"
        "                   throughput / explicit-copy's. Arrays that are not one\n"
        "                   element per item, or that an item reads beyond its own\n"
        "                   element (nbody's bodies, histogram's bins), stay in buffers\n"
        "                   written before the timed part; a workload with no other\n"
        "                   array keeps its one buffers row. Without this option every\n"
        "                   row is mode buffers.\n"
        "  --list           list the workloads and the backends that open here, and exit.\n"
        "  --json           print a JSON array of rows instead of the table.\n"
        "  --csv            print CSV (a header line, then one line per row).\n"
        "  --help           print this help and exit.\n"
        "\n"
        "Columns: mode (only with --host-arrays), seconds (median map time), items/s,\n"
        "GB/s (memory-bound workloads) or GFLOP/s (where flops are meaningful), speedup\n"
        "(baseline seconds / seconds; the baseline is the fork backend with 1 worker:\n"
        "the kernel as native code in a single process), cold build ms (the first build,\n"
        "into an empty cache), warm build ms (the same build in a second pool, from the\n"
        "cache), launch us (median of many 1-item maps of the built kernel), verified\n"
        "(results match the C reference within the workload's tolerance), vs explicit\n"
        "(only with --host-arrays). Speedups compare rows of the same mode. A workload's\n"
        "two --host-arrays rows share one build and one launch latency (1-item maps over\n"
        "buffers).\n"
        "\n"
        "Each backend runs in a child process of its own: OpenCL is never initialised\n"
        "in a process that forks workers, and a backend that crashes costs only its\n"
        "rows. A backend that cannot open is reported as unavailable, not as an error.\n"
        "\n"
        "Environment:\n"
        "  CLPOOL_BACKEND     default of --backend (all, auto, opencl, fork).\n"
        "  CLPOOL_DEVICE      default of --device.\n"
        "  CLPOOL_WORKERS     default of --workers.\n"
        "  CLPOOL_CACHE_DIR   not used: to measure cold and warm builds every backend\n"
        "                     gets a fresh cache directory (made with mkdtemp under\n"
        "                     $TMPDIR or /tmp, removed at exit).\n"
        "  CLPOOL_TIMEOUT_MS  time limit of every map (default: none).\n"
        "  CLPOOL_KERNELS_DIR where the .cl files are read from; default: the source\n"
        "                     tree's kernels/ if present (%s),\n"
        "                     else the installed %s.\n"
        "  TMPDIR             where the temporary cache directories are made.\n"
        "  POCL_CACHE_DIR, CUDA_CACHE_PATH\n"
        "                     set, in the process measuring an OpenCL device, to a\n"
        "                     fresh directory: a driver's own kernel cache would make\n"
        "                     the cold build warm.\n"
        "\n"
        "Exit status:\n"
        "  0  every row ran and was verified\n"
        "  1  a row failed verification, or a backend that opened could not run a row\n"
        "  2  usage error\n"
        "  3  no backend could run\n",
        CLPOOL_SOURCE_KERNELS_DIR, CLPOOL_INSTALL_KERNELS_DIR);
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
                 {"fork", BENCH_BACKENDS_FORK}};
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

static const char *kernels_dir(void)
{
    const char *env = getenv("CLPOOL_KERNELS_DIR");
    if (env != NULL && env[0] != '\0')
        return env;
    /* A build tree runs its own kernels; an installed binary, whose source
     * tree may be gone, the installed ones. */
    struct stat st;
    if (stat(CLPOOL_SOURCE_KERNELS_DIR, &st) == 0 && S_ISDIR(st.st_mode))
        return CLPOOL_SOURCE_KERNELS_DIR;
    return CLPOOL_INSTALL_KERNELS_DIR;
}

/* Defaults, including those the environment sets. */
static int set_defaults(bench_options *o, int *exit_code)
{
    memset(o, 0, sizeof *o);
    o->scale = 1.0;
    o->repeat = 5;
    for (size_t i = 0; i < bench_nworkloads; i++)
        o->workloads[o->nworkloads++] = bench_workloads[i];
    o->kernels_dir = kernels_dir();

    const char *v;
    if ((v = getenv("CLPOOL_BACKEND")) != NULL && v[0] != '\0' &&
        parse_backends(v, &o->backends) != 0)
        return usage_error(exit_code, "CLPOOL_BACKEND='%s': use all, auto, opencl or fork", v);
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
    enum { OPT_JSON = 256, OPT_CSV, OPT_LIST, OPT_HELP, OPT_HOST_ARRAYS };
    static const struct option longopts[] = {
        {"backend", required_argument, NULL, 'b'}, {"device", required_argument, NULL, 'd'},
        {"workload", required_argument, NULL, 'w'}, {"size", required_argument, NULL, 's'},
        {"repeat", required_argument, NULL, 'r'},  {"workers", required_argument, NULL, 'n'},
        {"list", no_argument, NULL, OPT_LIST},     {"json", no_argument, NULL, OPT_JSON},
        {"csv", no_argument, NULL, OPT_CSV},       {"help", no_argument, NULL, OPT_HELP},
        {"host-arrays", no_argument, NULL, OPT_HOST_ARRAYS},
        {NULL, 0, NULL, 0}};

    if (set_defaults(o, exit_code) != 0)
        return -1;
    int json = 0, csv = 0;
    long v;
    char *end;
    opterr = 0; /* our own messages, and exit code 2 */
    for (;;) {
        int c = getopt_long(argc, argv, "", longopts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'b':
            if (parse_backends(optarg, &o->backends) != 0)
                return usage_error(exit_code, "--backend '%s': use all, auto, opencl or fork",
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
            json = 1;
            break;
        case OPT_CSV:
            csv = 1;
            break;
        case OPT_HELP:
            print_help();
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
    if (json && csv)
        return usage_error(exit_code, "%s", "--json and --csv exclude each other");
    o->format = json ? BENCH_JSON : csv ? BENCH_CSV : BENCH_TABLE;
    return 0;
}
