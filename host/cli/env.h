/* What a run of clpool-bench ran on: clpool's version, the host (CPU model,
 * cores, system), the devices of the rows, the date. Printed as the header
 * line of every output format. */
#ifndef CLPOOL_BENCH_ENV_H
#define CLPOOL_BENCH_ENV_H

#include "row.h"

#include <stddef.h>

#define BENCH_MAX_DEVICES 8

typedef struct bench_env {
    const char *version;       /* clpool's */
    char cpu[128];             /* /proc/cpuinfo's model name, or "unknown CPU" */
    int cores;                 /* online CPUs */
    char os[200];              /* uname: system, release, machine */
    char date[32];             /* the start of the run, ISO 8601 in UTC */
    char devices[BENCH_MAX_DEVICES][112]; /* "backend device" of the rows, once each */
    size_t ndevices;
} bench_env;

/* Everything but the devices; call it when the run starts. */
void bench_env_init(bench_env *e);

/* Sets the devices from the rows, in their order. */
void bench_env_devices(bench_env *e, bench_row *const *rows, size_t n);

/* "clpool 0.1.0 | AMD EPYC 7B13 (2 cores) | devices: ... | 2026-12-01 20:30 UTC",
 * without a newline. */
void bench_env_line(const bench_env *e, char *out, size_t len);

#endif /* CLPOOL_BENCH_ENV_H */
