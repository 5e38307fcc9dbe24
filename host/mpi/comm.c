/* The duplicate communicator, tags, and the nonblocking waits every part of
 * the protocol uses. */
#include "mpi_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Kept on the user's comm as an attribute: the duplicate our messages use
 * and the count of calls made on it. */
typedef struct comm_attr {
    MPI_Comm dup;
    unsigned epoch;
} comm_attr;

static int keyval = MPI_KEYVAL_INVALID;

static int attr_delete(MPI_Comm comm, int key, void *value, void *extra)
{
    (void)comm;
    (void)key;
    (void)extra;
    comm_attr *a = value;
    if (a->dup != MPI_COMM_NULL)
        MPI_Comm_free(&a->dup);
    free(a);
    return MPI_SUCCESS;
}

static void mpi_text(int rc, const char *what, char *msg, size_t len)
{
    char s[MPI_MAX_ERROR_STRING];
    int slen = 0;
    if (MPI_Error_string(rc, s, &slen) != MPI_SUCCESS)
        snprintf(s, sizeof s, "MPI error %d", rc);
    snprintf(msg, len, "%s: %s", what, s);
}

double cmpi__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A wait that found nothing to do sleeps, a little longer each time (20 us
 * doubling up to 1.28 ms), so that waiting ranks leave the cores to the
 * workers: a rank spinning in MPI_Test measured a 32 ms round trip over TCP
 * on an oversubscribed 2-core machine, against 0.4 ms sleeping 20 us. The
 * cap is long because each wake-up costs the worker it interrupts more
 * than its own few microseconds: with a 160 us cap, a 2048x2048 Mandelbrot
 * on one rank ran 17% slower while a second rank waited in the call on the
 * same 2 cores (1.04 s against 1.20 s), and 2 ranks reached an efficiency
 * of 0.83; with 1.28 ms, 1.06 s and 0.89-0.95 (clpool-mpi-bench, 5 runs).
 * A message then waits at most ~1.3 ms for its answer once a wait has
 * found nothing for ~2.5 ms; any progress starts the wait short again. */
long cmpi__backoff_ns(int *idle)
{
    int shift = *idle < CMPI__BACKOFF_STEPS ? *idle : CMPI__BACKOFF_STEPS;
    (*idle)++;
    return 20000L << shift;
}

void cmpi__backoff(int *idle)
{
    struct timespec ts = {0, cmpi__backoff_ns(idle)};
    nanosleep(&ts, NULL);
}

/* The comm's duplicate, made at its first call (collective, but polled: a
 * rank that never comes cannot hold the others past their own limit). */
int cmpi__comm_get(MPI_Comm user, MPI_Comm *dup, unsigned *epoch, char *msg, size_t len)
{
    int rc;
    if (keyval == MPI_KEYVAL_INVALID) {
        rc = MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, attr_delete, &keyval, NULL);
        if (rc != MPI_SUCCESS) {
            mpi_text(rc, "MPI_Comm_create_keyval", msg, len);
            return CLPOOL_EIO;
        }
    }
    comm_attr *a = NULL;
    int found = 0;
    rc = MPI_Comm_get_attr(user, keyval, &a, &found);
    if (rc != MPI_SUCCESS) {
        mpi_text(rc, "MPI_Comm_get_attr", msg, len);
        return CLPOOL_EIO;
    }
    if (found) {
        *dup = a->dup;
        *epoch = ++a->epoch;
        return CLPOOL_OK;
    }
    a = calloc(1, sizeof *a);
    if (a == NULL) {
        snprintf(msg, len, "out of memory");
        return CLPOOL_ENOMEM;
    }
    a->dup = MPI_COMM_NULL;
    MPI_Request req;
    rc = MPI_Comm_idup(user, &a->dup, &req);
    if (rc != MPI_SUCCESS) {
        free(a);
        mpi_text(rc, "MPI_Comm_idup", msg, len);
        return CLPOOL_EIO;
    }
    clpool_config cfg;
    clpool_config_init(&cfg);
    const char *env = getenv("CLPOOL_MPI_TIMEOUT_MS");
    unsigned ms = env != NULL ? (unsigned)strtoul(env, NULL, 10) : cfg.timeout_ms;
    double deadline = ms != 0 ? cmpi__now() + ms / 1e3 : 0;
    int flag = 0, idle = 0;
    for (;;) {
        rc = MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS || flag)
            break;
        if (deadline != 0 && cmpi__now() > deadline) {
            /* The request cannot be taken back; a is left to it. */
            snprintf(msg, len, "the other ranks of the communicator did not all call "
                     "clpool_mpi_map within %u ms", ms);
            return CLPOOL_ETIMEDOUT;
        }
        cmpi__backoff(&idle);
    }
    if (rc != MPI_SUCCESS) {
        free(a);
        mpi_text(rc, "MPI_Comm_idup", msg, len);
        return CLPOOL_EIO;
    }
    MPI_Comm_set_errhandler(a->dup, MPI_ERRORS_RETURN);
    rc = MPI_Comm_set_attr(user, keyval, a);
    if (rc != MPI_SUCCESS) {
        MPI_Comm_free(&a->dup);
        free(a);
        mpi_text(rc, "MPI_Comm_set_attr", msg, len);
        return CLPOOL_EIO;
    }
    *dup = a->dup;
    *epoch = a->epoch = 0;
    return CLPOOL_OK;
}

/* MPI guarantees tags up to 32767: 2048 epochs of 8 types. */
int cmpi__tag(const cmpi__call *c, int type)
{
    return (int)((c->epoch % 2048u) * CMPI__TAG_COUNT + (unsigned)type);
}

void cmpi__fail_text(cmpi__call *c, int status, int rank, const char *text)
{
    if (c->status != CLPOOL_OK)
        return; /* the first failure is the one reported */
    c->status = status;
    c->fail_rank = rank;
    c->named = 0;
    snprintf(c->msg, sizeof c->msg, "%s", text);
}

/* A failure whose text already names its rank (it came from another rank). */
void cmpi__fail_named(cmpi__call *c, int status, int rank, const char *text)
{
    if (c->status != CLPOOL_OK)
        return;
    cmpi__fail_text(c, status, rank, text);
    c->named = 1;
}

/* "rank R of P (host): text", for this rank's own failure. */
void cmpi__name(cmpi__call *c, char *out, size_t len, const char *text)
{
    static const char prefix[] = "clpool_mpi_map: ";
    if (strncmp(text, prefix, sizeof prefix - 1) == 0)
        text += sizeof prefix - 1;
    char copy[CMPI__MSG_MAX];
    snprintf(copy, sizeof copy, "%s", text);
    snprintf(out, len, "rank %d of %d (%s): %s", c->rank, c->size, c->host, copy);
}

/* The call's outcome as it travels: status, failing rank, named message. */
void cmpi__report_make(cmpi__call *c, cmpi__report *r)
{
    memset(r, 0, sizeof *r);
    r->status = c->status;
    r->rank = c->fail_rank;
    if (c->status == CLPOOL_OK)
        return;
    if (!c->named) {
        cmpi__name(c, r->msg, sizeof r->msg, c->msg);
        snprintf(c->msg, sizeof c->msg, "%s", r->msg);
        c->named = 1;
    } else {
        snprintf(r->msg, sizeof r->msg, "%s", c->msg);
    }
}

void cmpi__fail(cmpi__call *c, int status, int rank, const char *fmt, ...)
{
    char text[CMPI__MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    cmpi__fail_text(c, status, rank, text);
}

/* An MPI call that failed on this rank: the call fails here with EIO. */
int cmpi__mpi_fail(cmpi__call *c, int rc, const char *what)
{
    char text[CMPI__MSG_MAX];
    mpi_text(rc, what, text, sizeof text);
    cmpi__fail_text(c, CLPOOL_EIO, c->rank, text);
    return CLPOOL_EIO;
}

/* Tests requests; *all_done once every one has completed (completed ones
 * become MPI_REQUEST_NULL). */
int cmpi__test_all(cmpi__call *c, MPI_Request *reqs, int n, int *all_done)
{
    *all_done = 1;
    if (n == 0)
        return CLPOOL_OK;
    int rc = MPI_Testall(n, reqs, all_done, MPI_STATUSES_IGNORE);
    if (rc != MPI_SUCCESS) {
        *all_done = 1;
        return cmpi__mpi_fail(c, rc, "MPI_Testall");
    }
    return CLPOOL_OK;
}

/* Gives up on requests of an abandoned call: each is cancelled and waited
 * for a moment; returns how many are still in flight (their requests freed),
 * whose buffers must then be left allocated. */
int cmpi__drop(MPI_Request *reqs, int n)
{
    for (int i = 0; i < n; i++)
        if (reqs[i] != MPI_REQUEST_NULL)
            MPI_Cancel(&reqs[i]);
    double until = cmpi__now() + 0.2;
    int idle = 0, left = 0;
    for (;;) {
        int flag = 0;
        if (n == 0 || MPI_Testall(n, reqs, &flag, MPI_STATUSES_IGNORE) != MPI_SUCCESS || flag)
            break;
        if (cmpi__now() > until)
            break;
        cmpi__backoff(&idle);
    }
    for (int i = 0; i < n; i++)
        if (reqs[i] != MPI_REQUEST_NULL) {
            MPI_Request_free(&reqs[i]);
            left++;
        }
    return left;
}

/* Bytes travel in pieces of at most CMPI__PIECE, as MPI counts are ints. */
int cmpi__pieces(size_t bytes)
{
    return bytes == 0 ? 1 : (int)((bytes + CMPI__PIECE - 1) / CMPI__PIECE);
}

int cmpi__isend_bytes(cmpi__call *c, const void *p, size_t bytes, int dest, int type,
                      MPI_Request *reqs, int *nreqs)
{
    size_t off = 0;
    do {
        size_t len = bytes - off < CMPI__PIECE ? bytes - off : CMPI__PIECE;
        int rc = MPI_Isend((const char *)p + off, (int)len, MPI_BYTE, dest, cmpi__tag(c, type),
                           c->comm, &reqs[(*nreqs)++]);
        if (rc != MPI_SUCCESS)
            return cmpi__mpi_fail(c, rc, "MPI_Isend");
        off += len;
    } while (off < bytes);
    return CLPOOL_OK;
}

int cmpi__irecv_bytes(cmpi__call *c, void *p, size_t bytes, int src, int type,
                      MPI_Request *reqs, int *nreqs)
{
    size_t off = 0;
    do {
        size_t len = bytes - off < CMPI__PIECE ? bytes - off : CMPI__PIECE;
        int rc = MPI_Irecv((char *)p + off, (int)len, MPI_BYTE, src, cmpi__tag(c, type), c->comm,
                           &reqs[(*nreqs)++]);
        if (rc != MPI_SUCCESS)
            return cmpi__mpi_fail(c, rc, "MPI_Irecv");
        off += len;
    } while (off < bytes);
    return CLPOOL_OK;
}

/* Waits for requests until deadline (0: none). CLPOOL_ETIMEDOUT leaves them
 * pending for the caller to drop. */
int cmpi__wait_all(cmpi__call *c, MPI_Request *reqs, int n, double deadline)
{
    int idle = 0;
    for (;;) {
        int all = 0;
        int st = cmpi__test_all(c, reqs, n, &all);
        if (st != CLPOOL_OK)
            return st;
        if (all)
            return CLPOOL_OK;
        if (deadline != 0 && cmpi__now() > deadline)
            return CLPOOL_ETIMEDOUT;
        cmpi__backoff(&idle);
    }
}
