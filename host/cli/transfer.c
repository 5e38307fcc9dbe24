/* The four ways a workload's arrays reach the kernel (transfer.h). */
#include "transfer.h"

#include <stdlib.h>
#include <string.h>

const char *bench_mode_name(bench_mode mode)
{
    switch (mode) {
    case BENCH_MODE_HOST:
        return "host-arrays";
    case BENCH_MODE_EXPLICIT:
        return "explicit-copy";
    case BENCH_MODE_HOST_ALLOC:
        return "host-alloc";
    case BENCH_MODE_BUFFERS:
        break;
    }
    return "buffers";
}

bench_mode bench_mode_of(const char *name)
{
    static const bench_mode modes[] = {BENCH_MODE_HOST, BENCH_MODE_EXPLICIT,
                                       BENCH_MODE_HOST_ALLOC};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(name, bench_mode_name(modes[i])) == 0)
            return modes[i];
    return BENCH_MODE_BUFFERS;
}

/* A host array holds one element per item and only item i touches element
 * i (clpool.h); anything else keeps its buffer. */
static int hostable(const bench_data *d, size_t i)
{
    return !d->arrays[i].whole && d->arrays[i].count == d->n;
}

int bench_has_host_arrays(const bench_data *d)
{
    for (size_t i = 0; i < d->narrays; i++)
        if (hostable(d, i))
            return 1;
    return 0;
}

static size_t array_bytes(const bench_array *a)
{
    return a->elem_size * a->count;
}

/* Makes the host-side array i: in host-alloc mode every one, from the pool,
 * with the inputs' contents; otherwise room for results only (inputs are
 * read from their starting contents, which stay as they are). */
static int host_array(bench_io *io, size_t i)
{
    const bench_array *a = &io->d->arrays[i];
    size_t bytes = array_bytes(a);
    if (io->mode == BENCH_MODE_HOST_ALLOC) {
        /* Elementwise arrays hold one element per item: never 0 bytes. */
        int rc = clpool_host_alloc(io->pool, bytes, &io->host[i]);
        if (rc == CLPOOL_OK && a->dir == BENCH_IN)
            memcpy(io->host[i], a->init, bytes);
        return rc;
    }
    if (a->dir != BENCH_IN && (io->host[i] = malloc(bytes ? bytes : 1)) == NULL)
        return CLPOOL_ENOMEM;
    return CLPOOL_OK;
}

int bench_io_init(bench_io *io, bench_mode mode, clpool *pool, const bench_workload *w,
                  const bench_data *d, clpool_buffer *const *bufs)
{
    memset(io, 0, sizeof *io);
    io->mode = mode;
    io->pool = pool;
    io->d = d;
    io->bufs = bufs;
    for (size_t i = 0; i < d->narrays; i++) {
        io->host_side[i] = mode != BENCH_MODE_BUFFERS && hostable(d, i);
        if (io->host_side[i]) {
            int rc = host_array(io, i);
            if (rc != CLPOOL_OK)
                return rc;
        }
    }
    /* The workload binds buffers; in host-arrays and host-alloc mode each
     * host-side array's buffer argument becomes the host array. */
    io->nargs = w->bind(d, bufs, d->n, io->args);
    if (mode != BENCH_MODE_HOST && mode != BENCH_MODE_HOST_ALLOC)
        return CLPOOL_OK;
    for (size_t j = 0; j < io->nargs; j++) {
        for (size_t i = 0; i < d->narrays; i++) {
            const bench_array *a = &d->arrays[i];
            if (io->args[j].kind != CLPOOL_ARG_BUFFER || io->args[j].buf != bufs[i] ||
                !io->host_side[i])
                continue;
            const void *in = mode == BENCH_MODE_HOST_ALLOC ? io->host[i] : a->init;
            io->args[j] = a->dir == BENCH_IN    ? clpool_in(in, a->elem_size)
                          : a->dir == BENCH_OUT ? clpool_out(io->host[i], a->elem_size)
                                                : clpool_inout(io->host[i], a->elem_size);
            break;
        }
    }
    return CLPOOL_OK;
}

int bench_io_restore(bench_io *io)
{
    const bench_data *d = io->d;
    for (size_t i = 0; i < d->narrays; i++) {
        const bench_array *a = &d->arrays[i];
        if (a->dir != BENCH_INOUT)
            continue;
        if (io->host_side[i] && io->mode != BENCH_MODE_EXPLICIT) {
            memcpy(io->host[i], a->init, array_bytes(a));
        } else if (!io->host_side[i]) {
            /* Explicit-copy writes its host-side arrays in the timed part. */
            int rc = clpool_buffer_write(io->bufs[i], 0, a->init, array_bytes(a));
            if (rc != CLPOOL_OK)
                return rc;
        }
    }
    return CLPOOL_OK;
}

int bench_io_run(bench_io *io, clpool_kernel *k)
{
    const bench_data *d = io->d;
    int explicit_copy = io->mode == BENCH_MODE_EXPLICIT;
    for (size_t i = 0; explicit_copy && i < d->narrays; i++) {
        const bench_array *a = &d->arrays[i];
        if (io->host_side[i] && a->dir != BENCH_OUT) {
            int rc = clpool_buffer_write(io->bufs[i], 0, a->init, array_bytes(a));
            if (rc != CLPOOL_OK)
                return rc;
        }
    }
    int rc = clpool_map(k, d->n, io->args, io->nargs);
    for (size_t i = 0; explicit_copy && rc == CLPOOL_OK && i < d->narrays; i++) {
        const bench_array *a = &d->arrays[i];
        if (io->host_side[i] && a->dir != BENCH_IN)
            rc = clpool_buffer_read(io->bufs[i], 0, io->host[i], array_bytes(a));
    }
    return rc;
}

int bench_io_results(const bench_io *io, void **results)
{
    const bench_data *d = io->d;
    for (size_t i = 0; i < d->narrays; i++)
        results[i] = NULL;
    for (size_t i = 0; i < d->narrays; i++) {
        const bench_array *a = &d->arrays[i];
        if (a->dir == BENCH_IN)
            continue;
        if (io->host_side[i]) {
            results[i] = io->host[i];
            continue;
        }
        if ((results[i] = malloc(array_bytes(a) ? array_bytes(a) : 1)) == NULL)
            return CLPOOL_ENOMEM;
        int rc = clpool_buffer_read(io->bufs[i], 0, results[i], array_bytes(a));
        if (rc != CLPOOL_OK)
            return rc;
    }
    return CLPOOL_OK;
}

void bench_io_results_free(const bench_io *io, void **results)
{
    for (size_t i = 0; i < io->d->narrays; i++) {
        if (results[i] != io->host[i])
            free(results[i]);
        results[i] = NULL;
    }
}

void bench_io_free(bench_io *io)
{
    for (size_t i = 0; i < BENCH_MAX_ARRAYS; i++) {
        if (io->mode == BENCH_MODE_HOST_ALLOC)
            clpool_host_free(io->pool, io->host[i]);
        else
            free(io->host[i]);
    }
    memset(io, 0, sizeof *io);
}
