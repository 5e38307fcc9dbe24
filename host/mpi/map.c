/* clpool_mpi_map: the call's setting up, its one-rank case, and its end:
 * the same status on every rank, the failing rank's message on the pool. */
#include "mpi_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char last_msg[CMPI__MSG_MAX + 64];
static _Thread_local clpool_mpi_stats last_stats;

const char *clpool_mpi_errmsg(void)
{
    return last_msg;
}

void clpool_mpi_last_stats(clpool_mpi_stats *out)
{
    if (out != NULL)
        *out = last_stats;
}

static unsigned time_limit_ms(void)
{
    const char *env = getenv("CLPOOL_MPI_TIMEOUT_MS");
    if (env != NULL && *env != '\0') {
        char *end = NULL;
        unsigned long v = strtoul(env, &end, 10);
        if (end != env && *end == '\0')
            return (unsigned)v;
    }
    clpool_config cfg;
    clpool_config_init(&cfg);
    return cfg.timeout_ms;
}

/* One rank: the map runs whole on its pool, as clpool_map would run it. */
static void run_alone(cmpi__call *c)
{
    clpool_range r;
    memset(&r, 0, sizeof r);
    r.dims = 1;
    r.global[0] = c->n;
    double t = cmpi__now();
    int st = c->n == 0 ? CLPOOL_OK : clpool_map_range(c->k, &r, c->user, c->nargs);
    c->stats.compute_s = cmpi__now() - t;
    if (st != CLPOOL_OK) {
        cmpi__fail_text(c, st, c->rank, clpool_errmsg(c->pool));
        return;
    }
    c->stats.items = c->n;
    c->stats.chunks = c->n > 0;
}

static int finish(cmpi__call *c)
{
    last_stats = c->stats;
    last_stats.total_s = cmpi__now() - c->t0;
    if (c->status == CLPOOL_OK) {
        last_msg[0] = '\0';
    } else {
        char named[CMPI__MSG_MAX];
        if (c->named)
            snprintf(named, sizeof named, "%s", c->msg);
        else
            cmpi__name(c, named, sizeof named, c->msg);
        snprintf(last_msg, sizeof last_msg, "clpool_mpi_map: %s", named);
        if (c->pool != NULL)
            clpool_set_errmsg(c->pool, c->status, last_msg);
    }
    if (c->arrays != NULL)
        for (size_t i = 0; i < c->nargs; i++)
            free(c->arrays[i]);
    free(c->arrays);
    free(c->args);
    free(c->setup);
    return c->status;
}

int clpool_mpi_map(clpool_kernel *k, MPI_Comm comm, int root, size_t n, const clpool_arg *args,
                   size_t nargs)
{
    cmpi__call c;
    memset(&c, 0, sizeof c);
    c.t0 = cmpi__now();
    c.k = k;
    c.pool = clpool_kernel_pool(k);
    c.n = n;
    c.user = args;
    c.nargs = nargs;
    c.root = root;
    c.fail_rank = -1;
    snprintf(c.host, sizeof c.host, "?");

    int rc = MPI_Comm_size(comm, &c.size);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_rank(comm, &c.rank);
    if (rc != MPI_SUCCESS) {
        cmpi__fail(&c, CLPOOL_EINVAL, -1, "clpool_mpi_map: comm is not a communicator");
        return finish(&c);
    }
    int hlen = 0;
    if (MPI_Get_processor_name(c.host, &hlen) != MPI_SUCCESS)
        snprintf(c.host, sizeof c.host, "?");
    if (root < 0 || root >= c.size) {
        /* Every rank given this root sees the same. */
        cmpi__fail(&c, CLPOOL_EINVAL, c.rank, "clpool_mpi_map: root %d is not a rank of "
                   "the communicator (size %d)", root, c.size);
        return finish(&c);
    }
    c.timeout_ms = time_limit_ms();
    if (c.rank == c.root)
        c.deadline = c.timeout_ms != 0 ? c.t0 + c.timeout_ms / 1e3 : 0;
    else /* until root's limit is known: its own, with the margin */
        c.deadline = c.timeout_ms != 0
                         ? c.t0 + (c.timeout_ms + (c.timeout_ms < 2000 ? 2000 : c.timeout_ms)) / 1e3
                         : 0;

    if (c.size == 1) {
        if (cmpi__check_local(&c) == CLPOOL_OK)
            run_alone(&c);
        return finish(&c);
    }
    char msg[CMPI__MSG_MAX];
    int st = cmpi__comm_get(comm, &c.comm, &c.epoch, msg, sizeof msg);
    if (st != CLPOOL_OK) {
        cmpi__fail(&c, st, c.rank, "clpool_mpi_map: %s", msg);
        return finish(&c);
    }
    cmpi__check_local(&c);
    if (c.rank == c.root)
        cmpi__root_run(&c);
    else
        cmpi__rank_run(&c);
    return finish(&c);
}
