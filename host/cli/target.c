/* The targets a run covers, and what a target's child process does: open the
 * pools, run the workloads, send the rows. */
#include "target.h"

#include "measure.h"
#include "openmp.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

size_t bench_targets(const bench_options *o, bench_target *out)
{
    size_t n = 0;
    /* The baseline comes first: the others' speedups are relative to it.
     * It is left out when only OpenCL or only OpenMP is asked for. */
    if (o->backends != BENCH_BACKENDS_OPENCL && o->backends != BENCH_BACKENDS_OPENMP)
        out[n++] = (bench_target){.backend = "fork", .kind = CLPOOL_FORK, .workers = 1,
                                  .baseline = 1};
    /* A second fork row only when it has more than the baseline's 1 worker
     * (0 asks the library for one per online CPU). */
    int workers = o->workers > 0 ? o->workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if ((o->backends == BENCH_BACKENDS_ALL || o->backends == BENCH_BACKENDS_FORK) &&
        workers != 1)
        out[n++] = (bench_target){.backend = "fork", .kind = CLPOOL_FORK,
                                  .workers = o->workers};
    /* What a user would write instead of clpool for the CPU: the same loops
     * with OpenMP, a thread per worker of the fork row. In a run of all
     * backends only where the build has OpenMP; asked for by name, it says
     * why it is missing. */
    if ((o->backends == BENCH_BACKENDS_ALL && bench_openmp_available()) ||
        o->backends == BENCH_BACKENDS_OPENMP)
        out[n++] = (bench_target){.backend = "openmp", .workers = workers > 0 ? workers : 1,
                                  .openmp = 1};
    if (o->backends == BENCH_BACKENDS_ALL || o->backends == BENCH_BACKENDS_OPENCL)
        out[n++] = (bench_target){.backend = "opencl", .kind = CLPOOL_OPENCL};
    if (o->backends == BENCH_BACKENDS_AUTO)
        out[n++] = (bench_target){.backend = "auto", .kind = CLPOOL_AUTO,
                                  .workers = o->workers};
    return n;
}

/* Writes all of m to fd. The parent reads until end of file, so a failed
 * write (the parent gone) only ends the child's work early. */
static int send_msg(int fd, const bench_msg *m)
{
    const char *p = (const char *)m;
    size_t left = sizeof *m;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        left -= (size_t)w;
    }
    return 0;
}

/* The device column: the describe text without the backend's "name: "
 * prefix (kept for AUTO, where it says what was chosen), the reason in
 * parentheses and the cache state after ';'. */
static void shorten(const char *describe, int keep_prefix, char *out, size_t len)
{
    const char *s = describe;
    size_t n = strcspn(s, ";");
    const char *colon = memchr(s, ':', n);
    if (!keep_prefix && colon != NULL && colon - s < 16 && colon[1] == ' ') {
        n -= (size_t)(colon + 2 - s);
        s = colon + 2;
    }
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == ' ' && s[i + 1] == '(') {
            n = i;
            break;
        }
    }
    snprintf(out, len, "%.*s", (int)n, s);
}

/* Fills the identification of a message about what describe describes (a
 * pool's clpool_describe; NULL: nothing opened). */
static void identify(bench_msg *m, const bench_target *t, const char *describe)
{
    memset(m, 0, sizeof *m);
    bench_copy(m->row.backend, sizeof m->row.backend, t->backend);
    m->row.baseline = t->baseline;
    if (describe != NULL) {
        bench_copy(m->row.describe, sizeof m->row.describe, describe);
        shorten(m->row.describe, !t->openmp && t->kind == CLPOOL_AUTO, m->row.device,
                sizeof m->row.device);
    }
}

/* Runs every workload on pool, or for --list only says it is available. */
static int run_on_pool(clpool *pool, const clpool_config *cfg, const bench_target *t,
                       const bench_options *o, const bench_data *data, int fd)
{
    bench_msg m;
    identify(&m, t, clpool_describe(pool));
    if (o->list) {
        m.kind = BENCH_MSG_AVAILABLE;
        return send_msg(fd, &m);
    }
    char label[160];
    snprintf(label, sizeof label, "%s %s", t->backend, m.row.device);
    for (size_t i = 0; i < o->nworkloads; i++) {
        identify(&m, t, clpool_describe(pool));
        m.kind = BENCH_MSG_ROW;
        bench_copy(m.row.workload, sizeof m.row.workload, o->workloads[i]->name);
        bench_row rows[BENCH_MAX_MODES];
        for (size_t r = 0; r < BENCH_MAX_MODES; r++)
            rows[r] = m.row;
        size_t nrows = bench_measure_rows(o, &data[i], rows);
        bench_measure(pool, cfg, o->workloads[i], &data[i], o, label, rows, nrows);
        for (size_t r = 0; r < nrows; r++) {
            m.row = rows[r];
            if (send_msg(fd, &m) != 0)
                return -1;
        }
    }
    return 0;
}

static int send_unavailable(int fd, const bench_target *t, const char *what, const char *why)
{
    bench_msg m;
    identify(&m, t, NULL);
    m.kind = BENCH_MSG_UNAVAILABLE;
    bench_copy(m.row.device, sizeof m.row.device, what);
    bench_copy(m.row.error, sizeof m.row.error, why);
    return send_msg(fd, &m);
}

/* One pool of cfg; unavailable if it does not open. */
static void run_one(const bench_target *t, clpool_config *cfg, const bench_options *o,
                    const bench_data *data, int fd)
{
    clpool *pool = NULL;
    if (clpool_open(cfg, &pool) != CLPOOL_OK) {
        send_unavailable(fd, t, "", clpool_errmsg(NULL));
        return;
    }
    run_on_pool(pool, cfg, t, o, data, fd);
    clpool_close(pool);
}

/* Every OpenCL device once: the filters gpu, cpu, accelerator and then none
 * (which catches any other kind), with the devices already run recognised by
 * their describe text. With --device, that filter alone. */
static void run_opencl(const bench_target *t, clpool_config *cfg, const bench_options *o,
                       const bench_data *data, int fd)
{
    static const char *const filters[] = {"gpu", "cpu", "accelerator", NULL};
    char seen[4][320];
    size_t nseen = 0, nfilters = o->device != NULL ? 1 : sizeof filters / sizeof filters[0];
    char why[512] = "";
    for (size_t f = 0; f < nfilters; f++) {
        cfg->device = o->device != NULL ? o->device : filters[f];
        clpool *pool = NULL;
        if (clpool_open(cfg, &pool) != CLPOOL_OK) {
            /* The unfiltered open's message lists every device seen: the
             * best reason to give when nothing opened. */
            bench_copy(why, sizeof why, clpool_errmsg(NULL));
            continue;
        }
        const char *desc = clpool_describe(pool);
        size_t keylen = strcspn(desc, ";");
        int dup = 0;
        for (size_t i = 0; i < nseen; i++)
            dup |= strlen(seen[i]) == keylen && strncmp(seen[i], desc, keylen) == 0;
        if (!dup) {
            snprintf(seen[nseen++], sizeof seen[0], "%.*s", (int)keylen, desc);
            run_on_pool(pool, cfg, t, o, data, fd);
        }
        clpool_close(pool);
    }
    if (nseen == 0)
        send_unavailable(fd, t, o->device != NULL ? o->device : "", why);
}

/* The workloads as OpenMP loops: the same rows as a pool's, with no pool. */
static void run_openmp(const bench_target *t, const bench_options *o, const bench_data *data,
                       int fd)
{
    if (!bench_openmp_available()) {
        send_unavailable(fd, t, "",
                         "this clpool-bench was built without OpenMP (CMake found none for "
                         "its C compiler)");
        return;
    }
    bench_openmp_threads(t->workers);
    bench_msg m;
    char describe[sizeof m.row.describe];
    bench_openmp_describe(describe, sizeof describe, t->workers);
    identify(&m, t, describe);
    if (o->list) {
        m.kind = BENCH_MSG_AVAILABLE;
        send_msg(fd, &m);
        return;
    }
    char label[160];
    snprintf(label, sizeof label, "%s %s", t->backend, m.row.device);
    for (size_t i = 0; i < o->nworkloads; i++) {
        identify(&m, t, describe);
        m.kind = BENCH_MSG_ROW;
        bench_copy(m.row.workload, sizeof m.row.workload, o->workloads[i]->name);
        bench_measure_openmp(o->workloads[i], &data[i], o, label, &m.row);
        if (send_msg(fd, &m) != 0)
            return;
    }
}

/* OpenCL drivers keep caches of their own, which would make the cold build
 * warm from the second run of clpool-bench on: point the ones we know of
 * into this child's fresh directory. Only this child's environment changes. */
static void fresh_driver_caches(const char *cache_dir)
{
    static const char *const vars[] = {"POCL_CACHE_DIR", "CUDA_CACHE_PATH"};
    char path[4200];
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        snprintf(path, sizeof path, "%s/driver-%zu", cache_dir, i);
        if (mkdir(path, 0700) == 0)
            setenv(vars[i], path, 1);
    }
}

void bench_target_child(const bench_target *t, const bench_options *o, const bench_data *data,
                        const char *cache_dir, int fd)
{
    if (t->openmp) {
        run_openmp(t, o, data, fd);
        return;
    }
    if (t->kind != CLPOOL_FORK)
        fresh_driver_caches(cache_dir);
    clpool_config cfg;
    /* The environment's timeout; the rest is the target's. */
    clpool_config_init(&cfg);
    cfg.backend = t->kind;
    cfg.workers = t->workers;
    cfg.device = o->device;
    cfg.cache_dir = cache_dir;
    if (t->kind == CLPOOL_OPENCL)
        run_opencl(t, &cfg, o, data, fd);
    else
        run_one(t, &cfg, o, data, fd);
}
