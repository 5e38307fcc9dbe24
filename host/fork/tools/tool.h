/*
 * What the fork backend's measuring tools share: a failing clpool call ends
 * the tool with its message, the clock, medians, kernels from the source
 * tree's kernels/ folder, and the workers' CPU time from /proc (through the
 * fork tests' readers, tests/fork_proc.h). Each tool is one .c file
 * (CMakeLists.txt: host/<area>/tools/<name>.c).
 */
#ifndef CLPOOL_FORK_TOOLS_TOOL_H
#define CLPOOL_FORK_TOOLS_TOOL_H

#include <clpool.h>

#include "../../../tests/fork_proc.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#define CHECK(pool, call)                                                                   \
    do {                                                                                    \
        int rc_ = (call);                                                                   \
        if (rc_ != CLPOOL_OK) {                                                             \
            fprintf(stderr, "%s:%d: %s: %s: %s\n", __FILE__, __LINE__, #call,               \
                    clpool_err_name(rc_), clpool_errmsg(pool));                             \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

/* CLOCK_MONOTONIC, in seconds. */
static inline double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int tool_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of v[0..n), which it sorts. */
static inline double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, tool_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static inline void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL) {
        fprintf(stderr, "out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

/* Kernel name of kernels/file, built on pool; its program goes to *prog
 * when prog is not NULL, else it is freed with the pool. */
static inline clpool_kernel *tool_kernel(clpool *pool, const char *file, const char *name,
                                         clpool_program **prog)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", CLPOOL_KERNELS_DIR, file);
    clpool_program *p;
    clpool_kernel *k;
    CHECK(pool, clpool_program_file(pool, path, NULL, &p));
    CHECK(pool, clpool_kernel_get(p, name, &k));
    if (prog != NULL)
        *prog = p;
    return k;
}

/* utime + stime of this process's children (the workers), in clock ticks,
 * from the tests' /proc readers; *count gets how many were read. */
static inline long long workers_cpu_ticks(size_t *count)
{
    pid_t pids[1024];
    size_t n = proc_children(pids, 1024);
    if (n > 1024)
        n = 1024;
    long long ticks = 0;
    for (size_t i = 0; i < n; i++) {
        long long t = proc_cpu_ticks(pids[i]);
        if (t > 0)
            ticks += t;
    }
    *count = n;
    return ticks;
}

#endif /* CLPOOL_FORK_TOOLS_TOOL_H */
