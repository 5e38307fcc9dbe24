/*
 * What the fork backend's measuring tools share: a failing clpool call ends
 * the tool with its message, the clock, medians, kernels from the source
 * tree's kernels/ folder, and the workers' pids and CPU time from /proc.
 * Each tool is one .c file (CMakeLists.txt: host/<area>/tools/<name>.c).
 */
#ifndef CLPOOL_FORK_TOOLS_TOOL_H
#define CLPOOL_FORK_TOOLS_TOOL_H

#include <clpool.h>

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

/* The pids of this process's children (the workers), at most max. */
static inline size_t worker_pids(pid_t *pids, size_t max)
{
    size_t n = 0;
    DIR *d = opendir("/proc/self/task");
    if (d == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[300];
        snprintf(path, sizeof path, "/proc/self/task/%s/children", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        long pid;
        while (n < max && fscanf(f, "%ld", &pid) == 1)
            pids[n++] = (pid_t)pid;
        fclose(f);
    }
    closedir(d);
    return n;
}

/* utime + stime of a process, in clock ticks (0 if it cannot be read). */
static inline long long cpu_ticks(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long long u = 0, s = 0;
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &u,
                            &s) != 2)
        return 0;
    return (long long)(u + s);
}

#endif /* CLPOOL_FORK_TOOLS_TOOL_H */
