/*
 * Declarations shared inside libclpool_mpi (prefix cmpi__). The library uses
 * clpool's public API only.
 *
 * The protocol, on a duplicate of the user's comm, each message's tag made
 * from the call's epoch (every rank counts its calls on the comm) and the
 * message type, so that a later call never matches an abandoned call's
 * messages:
 *
 *   root -> all   SETUP   n, the argument kinds and sizes, root's scalars,
 *                         the time limit, root's own check (and message)
 *   all -> root   READY   each rank's check of its arguments against root's
 *   root -> all   GO      the first failure, or go; then root's whole arrays
 *   root -> one   ASSIGN  a chunk [b, e) (or STOP), then its input slices (IN)
 *   one -> root   OUT     a chunk's output slices, then DONE: its status,
 *                         seconds and message
 *   root -> all   FINAL   the call's status, the failing rank and its message
 *
 * Every wait is a loop of nonblocking tests with a short sleep, bounded by
 * the call's deadline; all MPI calls stay on the calling thread, and a
 * thread of the call's own runs the rank's chunks (compute.c).
 */
#ifndef CLPOOL_MPI_INTERNAL_H
#define CLPOOL_MPI_INTERNAL_H

#include "clpool_mpi.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define CMPI__DEPTH 2          /* chunks a rank holds at once: one runs, one arrives */
#define CMPI__GRANULE 256      /* chunks start at multiples of this many items */
#define CMPI__MSG_MAX 2048     /* bytes of a message carried between ranks */
#define CMPI__PIECE (1u << 30) /* the most bytes one MPI message carries */

enum {
    CMPI__TAG_SETUP,
    CMPI__TAG_READY,
    CMPI__TAG_GO,   /* also root's whole arrays, after GO */
    CMPI__TAG_ASSIGN,
    CMPI__TAG_IN,
    CMPI__TAG_DONE,
    CMPI__TAG_OUT,
    CMPI__TAG_FINAL,
    CMPI__TAG_COUNT
};

/* READY, GO and FINAL: a status, the rank it came from, and its message. */
typedef struct cmpi__report {
    int32_t status;
    int32_t rank;
    char msg[CMPI__MSG_MAX];
} cmpi__report;

#define CMPI__STOP UINT64_MAX
typedef struct cmpi__assign {
    uint64_t seq; /* CMPI__STOP: no more chunks */
    uint64_t b, e;
} cmpi__assign;

typedef struct cmpi__done {
    uint64_t seq;
    int32_t status;
    int32_t pad;
    double seconds;
    char msg[CMPI__MSG_MAX];
} cmpi__done;

/* One chunk, on the rank that runs it and, for remote ranks, at root. */
typedef struct cmpi__chunk {
    uint64_t seq, b, e;
    int owner;                /* root: the rank it went to */
    int state;                /* the owner's loop's own states */
    int done;                 /* root: the owner's DONE has come */
    void **bufs;              /* remote rank: one buffer per host-array argument */
    clpool_arg *cargs;        /* the arguments the chunk's map runs with */
    MPI_Request *reqs;        /* the requests of the chunk's current stage */
    int nreqs;
    int status;               /* the chunk's map */
    double seconds;
    char msg[CMPI__MSG_MAX];
    cmpi__assign wire;        /* root: the ASSIGN message, alive while it is sent */
    cmpi__done donemsg;       /* remote rank: the DONE message, alive while it is sent */
    struct cmpi__chunk *next;  /* the owner loop's list */
    struct cmpi__chunk *qnext; /* the compute thread's queues */
} cmpi__chunk;

/* The thread that runs a rank's chunks, and its queues. */
typedef struct cmpi__compute {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_cond_t done_cv; /* signalled when a chunk is put on done */
    clpool_kernel *k;
    size_t nargs;
    cmpi__chunk *todo, *todo_tail; /* pushed by the call's thread */
    cmpi__chunk *done, *done_tail; /* run, for the call's thread to pick up */
    int running;                   /* a chunk is in its map now */
    int quit;
    int started;
} cmpi__compute;

/* One call of clpool_mpi_map on one rank. */
typedef struct cmpi__call {
    MPI_Comm comm; /* the duplicate */
    int rank, size, root;
    unsigned epoch;
    char host[MPI_MAX_PROCESSOR_NAME];
    clpool_kernel *k;
    clpool *pool;
    size_t n, nargs;
    const clpool_arg *user;   /* the caller's arguments */
    clpool_arg *args;         /* resolved: root's scalars, sizes and kinds */
    void **arrays;            /* a non-root rank's copies of root's whole arrays */
    void *setup;              /* the SETUP message (scalars point into it) */
    size_t item_bytes;        /* bytes of all host arrays per item */
    unsigned timeout_ms;
    double t0, deadline;      /* seconds; deadline 0: none */
    /* the call's outcome: the first failure */
    int status;
    int fail_rank;
    int named;                /* msg already begins "rank R of P (host): " */
    char msg[CMPI__MSG_MAX];
    clpool_mpi_stats stats;
} cmpi__call;

/* comm.c */
int cmpi__comm_get(MPI_Comm user, MPI_Comm *dup, unsigned *epoch, char *msg, size_t len);
int cmpi__tag(const cmpi__call *c, int type);
double cmpi__now(void);
/* A wait that found nothing sleeps 20 us << min(*idle, CMPI__BACKOFF_STEPS)
 * and counts itself in *idle (see comm.c); cmpi__backoff_ns only says how
 * long, for a wait of another kind (cmpi__compute_wait). */
#define CMPI__BACKOFF_STEPS 6
long cmpi__backoff_ns(int *idle);
void cmpi__backoff(int *idle);
int cmpi__mpi_fail(cmpi__call *c, int rc, const char *what);
void cmpi__fail(cmpi__call *c, int status, int rank, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void cmpi__fail_text(cmpi__call *c, int status, int rank, const char *text);
void cmpi__fail_named(cmpi__call *c, int status, int rank, const char *text);
void cmpi__name(cmpi__call *c, char *out, size_t len, const char *text);
void cmpi__report_make(cmpi__call *c, cmpi__report *r);
int cmpi__test_all(cmpi__call *c, MPI_Request *reqs, int n, int *all_done);
int cmpi__drop(MPI_Request *reqs, int n);
int cmpi__isend_bytes(cmpi__call *c, const void *p, size_t bytes, int dest, int type,
                      MPI_Request *reqs, int *nreqs);
int cmpi__irecv_bytes(cmpi__call *c, void *p, size_t bytes, int src, int type,
                      MPI_Request *reqs, int *nreqs);
int cmpi__pieces(size_t bytes);
int cmpi__wait_all(cmpi__call *c, MPI_Request *reqs, int n, double deadline);

/* compute.c */
int cmpi__compute_start(cmpi__compute *cp, clpool_kernel *k, size_t nargs);
void cmpi__compute_push(cmpi__compute *cp, cmpi__chunk *ch);
cmpi__chunk *cmpi__compute_take(cmpi__compute *cp);
/* cmpi__backoff for the call's thread, cut short when a chunk is done. */
void cmpi__compute_wait(cmpi__compute *cp, int *idle);
cmpi__chunk *cmpi__compute_stop(cmpi__compute *cp);

/* plan.c */
typedef struct cmpi__plan {
    size_t fixed;      /* CLPOOL_MPI_CHUNK, 0 if unset */
    size_t first;      /* a rank's first chunks, before its speed is known */
    size_t max_items;  /* the byte cap, in items */
} cmpi__plan;
void cmpi__plan_init(cmpi__plan *p, size_t n, int size, size_t item_bytes, size_t max_elem);
size_t cmpi__plan_next(const cmpi__plan *p, double rate, size_t next, size_t n, int size);

/* setup.c */
int cmpi__check_local(cmpi__call *c);
int cmpi__setup_pack(cmpi__call *c, void **out, size_t *len);
int cmpi__setup_unpack(cmpi__call *c, void *msg, size_t len);
int cmpi__chunk_args(cmpi__call *c, cmpi__chunk *ch);
void cmpi__chunk_free(cmpi__chunk *ch, size_t nargs);
int cmpi__is_slice(clpool_arg_kind kind);
int cmpi__is_input(clpool_arg_kind kind);
int cmpi__is_output(clpool_arg_kind kind);

/* root.c, rank.c */
void cmpi__root_run(cmpi__call *c);
void cmpi__rank_run(cmpi__call *c);

#endif /* CLPOOL_MPI_INTERNAL_H */
