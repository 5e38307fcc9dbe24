/*
 * Targets: what a row runs on (the fork backend with 1 worker, the fork
 * backend with N workers, the workloads as OpenMP loops with N threads, the
 * OpenCL devices, or the pool AUTO chooses).
 *
 * Each target runs in a child process of its own, which opens its pools,
 * runs every workload and sends rows to the parent through a pipe. So the
 * parent never initialises OpenCL (it opens no pool at all), a process that
 * has initialised OpenCL never forks workers, each target gets a fresh cache
 * directory (for honest cold builds), and a target that crashes loses only
 * its own rows.
 */
#ifndef CLPOOL_BENCH_TARGET_H
#define CLPOOL_BENCH_TARGET_H

#include "options.h"
#include "row.h"
#include "workload.h"

#include <clpool.h>

#include <signal.h>

typedef struct bench_target {
    const char *backend;   /* the rows' backend column */
    clpool_backend kind;   /* (not for openmp) */
    int workers;           /* fork: worker processes (0: online CPUs); openmp: threads */
    int baseline;          /* the single-process native baseline */
    int openmp;            /* the workloads as OpenMP loops (openmp.h), with no pool */
} bench_target;

#define BENCH_MAX_TARGETS 4

/* The targets o asks for, in the order they run. Returns their count. */
size_t bench_targets(const bench_options *o, bench_target *out);

/* Results collected from the children. */
typedef struct bench_results {
    bench_msg *msgs;       /* rows and (un)available backends, in arrival order */
    size_t nmsgs, cap;
} bench_results;

/* Runs target t in a child process: the workloads of o (data[i] set up for
 * o->workloads[i]), or with o->list only the open. Appends what the child
 * sends to res; a child that dies adds a failed row saying how. tmp_root:
 * where the child makes its cache directory. 0, or -1 if the child could not
 * be started or res could not grow (errno set). */
int bench_target_run(const bench_target *t, const bench_options *o, const bench_data *data,
                     const char *tmp_root, bench_results *res);

void bench_results_free(bench_results *res);

/* Set by the parent's SIGINT/SIGTERM handler: bench_target_run then stops
 * the child and returns at once. */
extern volatile sig_atomic_t bench_stop;

/* What the child of bench_target_run does (target.c): opens the target's
 * pools with cache_dir and sends its messages to fd. */
void bench_target_child(const bench_target *t, const bench_options *o, const bench_data *data,
                        const char *cache_dir, int fd);

#endif /* CLPOOL_BENCH_TARGET_H */
