/* A non-root rank's side of a call: SETUP, READY, GO, root's whole arrays,
 * then chunks as root sends them (two at a time: one runs on the compute
 * thread while the next one's input arrives), then FINAL. */
#include "mpi_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RECEIVING, RUNNING, SENDING };

typedef struct rank_state {
    cmpi__call *c;
    cmpi__compute cp;
    cmpi__chunk *chunks, *tail; /* in the order root sent them */
    char scratch[64];           /* where a chunk's input goes when it has no memory */
    int compute_ok;             /* the compute thread started */
} rank_state;

static void append(rank_state *s, cmpi__chunk *ch)
{
    ch->next = NULL;
    if (s->tail != NULL)
        s->tail->next = ch;
    else
        s->chunks = ch;
    s->tail = ch;
}

/* A new chunk from root: its buffers, and receives for its input slices. */
static void on_assign(rank_state *s, const cmpi__assign *a)
{
    cmpi__call *c = s->c;
    cmpi__chunk *ch = calloc(1, sizeof *ch);
    if (ch == NULL) {
        cmpi__fail(c, CLPOOL_ENOMEM, c->rank, "clpool_mpi_map: out of memory");
        return;
    }
    ch->seq = a->seq;
    ch->b = a->b;
    ch->e = a->e;
    ch->state = RECEIVING;
    ch->reqs = malloc((c->nargs + 1) * sizeof *ch->reqs);
    ch->bufs = calloc(c->nargs ? c->nargs : 1, sizeof *ch->bufs);
    size_t items = (size_t)(a->e - a->b);
    int no_memory = ch->reqs == NULL || ch->bufs == NULL || a->e < a->b || a->e > c->n;
    for (size_t i = 0; i < c->nargs && !no_memory; i++)
        if (cmpi__is_slice(c->args[i].kind)) {
            ch->bufs[i] = malloc(items * c->args[i].size + 1);
            no_memory = ch->bufs[i] == NULL;
        }
    if (ch->reqs == NULL) {
        /* Not even requests: the input cannot be taken in; root hears of it
         * through this rank's failure when the call ends. */
        cmpi__chunk_free(ch, c->nargs);
        cmpi__fail(c, CLPOOL_ENOMEM, c->rank, "clpool_mpi_map: out of memory");
        return;
    }
    if (c->status != CLPOOL_OK) {
        /* This rank failed after GO: every chunk it is given says so. */
        ch->status = c->status;
        snprintf(ch->msg, sizeof ch->msg, "%s", c->msg);
    } else if (no_memory) {
        ch->status = CLPOOL_ENOMEM;
        snprintf(ch->msg, sizeof ch->msg, "clpool_mpi_map: no memory for a chunk of %zu "
                 "items (%zu bytes per item)", items, c->item_bytes);
    }
    for (size_t i = 0; i < c->nargs; i++) {
        const clpool_arg *arg = &c->args[i];
        if (!cmpi__is_input(arg->kind))
            continue;
        /* Without memory the slice is still taken off the wire (truncated into
         * scratch), so that the next chunk's slices match their receives. */
        if (ch->status == CLPOOL_OK)
            cmpi__irecv_bytes(c, ch->bufs[i], items * arg->size, c->root, CMPI__TAG_IN,
                              ch->reqs, &ch->nreqs);
        else
            cmpi__irecv_bytes(c, s->scratch, sizeof s->scratch, c->root, CMPI__TAG_IN,
                              ch->reqs, &ch->nreqs);
    }
    append(s, ch);
}

/* A chunk that has run (or could not): its outputs, then DONE. A failed
 * chunk sends empty outputs, so that root's receives complete. */
static void send_result(rank_state *s, cmpi__chunk *ch)
{
    cmpi__call *c = s->c;
    size_t items = (size_t)(ch->e - ch->b);
    int ok = ch->status == CLPOOL_OK;
    if (ok) {
        c->stats.items += items;
        c->stats.chunks++;
    }
    c->stats.compute_s += ch->seconds;
    ch->nreqs = 0;
    for (size_t i = 0; i < c->nargs; i++) {
        const clpool_arg *arg = &c->args[i];
        if (!cmpi__is_output(arg->kind))
            continue;
        cmpi__isend_bytes(c, ok ? ch->bufs[i] : s->scratch, ok ? items * arg->size : 0,
                          c->root, CMPI__TAG_OUT, ch->reqs, &ch->nreqs);
    }
    cmpi__done *d = &ch->donemsg;
    memset(d, 0, sizeof *d);
    d->seq = ch->seq;
    d->status = ch->status;
    d->seconds = ch->seconds;
    if (!ok)
        cmpi__name(c, d->msg, sizeof d->msg, ch->msg);
    int rc = MPI_Isend(d, (int)sizeof *d, MPI_BYTE, c->root, cmpi__tag(c, CMPI__TAG_DONE),
                       c->comm, &ch->reqs[ch->nreqs++]);
    if (rc != MPI_SUCCESS)
        cmpi__mpi_fail(c, rc, "MPI_Isend");
    ch->state = SENDING;
}

/* Moves chunks along; returns whether anything moved. */
static int advance(rank_state *s)
{
    cmpi__call *c = s->c;
    int progress = 0;
    cmpi__chunk *ch;
    while ((ch = cmpi__compute_take(&s->cp)) != NULL) {
        send_result(s, ch);
        progress = 1;
    }
    /* Chunks go to the compute thread strictly in the order root sent them,
     * even when a later one's input is in first (a small message overtakes a
     * large one still arriving): their outputs must go back in that order,
     * for root's receives match them in the order it posted them. A chunk
     * that cannot run goes through the queue too, and comes back unrun. */
    int in_order = 1;
    cmpi__chunk **link = &s->chunks, *prev = NULL;
    while (*link != NULL) {
        ch = *link;
        int all = 0;
        if (ch->state != RUNNING)
            cmpi__test_all(c, ch->reqs, ch->nreqs, &all);
        if (ch->state == RECEIVING && all && in_order) {
            progress = 1;
            if (ch->status == CLPOOL_OK && cmpi__chunk_args(c, ch) != CLPOOL_OK) {
                ch->status = CLPOOL_ENOMEM;
                snprintf(ch->msg, sizeof ch->msg, "clpool_mpi_map: out of memory");
            }
            ch->nreqs = 0;
            if (s->compute_ok) {
                ch->state = RUNNING;
                cmpi__compute_push(&s->cp, ch);
                /* The compute thread owns it now; it comes back through
                 * take. It stays on the list until its results are sent. */
            } else {
                send_result(s, ch); /* failed: this rank has no thread to run it */
            }
        } else if (ch->state == SENDING && all) {
            *link = ch->next;
            if (s->tail == ch)
                s->tail = prev;
            cmpi__chunk_free(ch, c->nargs);
            progress = 1;
            continue;
        }
        if (ch->state == RECEIVING)
            in_order = 0;
        prev = ch;
        link = &ch->next;
    }
    return progress;
}

/* Waits for root's message of type into buf (of len bytes). */
static int recv_from_root(cmpi__call *c, void *buf, size_t len, int type)
{
    MPI_Request req;
    int rc = MPI_Irecv(buf, (int)len, MPI_BYTE, c->root, cmpi__tag(c, type), c->comm, &req);
    if (rc != MPI_SUCCESS)
        return cmpi__mpi_fail(c, rc, "MPI_Irecv");
    int st = cmpi__wait_all(c, &req, 1, c->deadline);
    if (st == CLPOOL_ETIMEDOUT)
        cmpi__drop(&req, 1);
    return st;
}

static void timed_out(cmpi__call *c, const char *waiting_for)
{
    c->status = CLPOOL_OK;
    cmpi__fail(c, CLPOOL_ETIMEDOUT, c->rank, "clpool_mpi_map: no %s from root (rank %d) "
               "within %.1f s", waiting_for, c->root, cmpi__now() - c->t0);
}

static void chunks_run(cmpi__call *c)
{
    rank_state s;
    memset(&s, 0, sizeof s);
    s.c = c;
    cmpi__assign a;
    cmpi__report fin;
    MPI_Request areq = MPI_REQUEST_NULL, freq = MPI_REQUEST_NULL;
    int compute_ok = cmpi__compute_start(&s.cp, c->k, c->nargs) == CLPOOL_OK;
    s.compute_ok = compute_ok;
    if (!compute_ok)
        cmpi__fail(c, CLPOOL_ENOMEM, c->rank, "clpool_mpi_map: cannot start a thread");
    int rc = MPI_Irecv(&fin, (int)sizeof fin, MPI_BYTE, c->root, cmpi__tag(c, CMPI__TAG_FINAL),
                       c->comm, &freq);
    if (rc == MPI_SUCCESS)
        rc = MPI_Irecv(&a, (int)sizeof a, MPI_BYTE, c->root, cmpi__tag(c, CMPI__TAG_ASSIGN),
                       c->comm, &areq);
    if (rc != MPI_SUCCESS) {
        cmpi__mpi_fail(c, rc, "MPI_Irecv");
        goto abandon;
    }
    int stopped = 0, idle = 0, final = 0;
    for (;;) {
        int progress = 0, flag = 0;
        if (MPI_Test(&freq, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS || flag) {
            final = flag; /* root gave up on the call: its FINAL says why */
            break;
        }
        if (!stopped) {
            if (MPI_Test(&areq, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS)
                break;
            if (flag) {
                progress = 1;
                if (a.seq == CMPI__STOP) {
                    stopped = 1;
                } else {
                    on_assign(&s, &a);
                    if (MPI_Irecv(&a, (int)sizeof a, MPI_BYTE, c->root,
                                  cmpi__tag(c, CMPI__TAG_ASSIGN), c->comm, &areq) != MPI_SUCCESS)
                        break;
                }
            }
        }
        progress |= advance(&s);
        if (stopped && s.chunks == NULL)
            break;
        if (c->deadline != 0 && cmpi__now() > c->deadline) {
            timed_out(c, "word");
            goto abandon;
        }
        if (progress)
            idle = 0;
        else
            cmpi__compute_wait(&s.cp, &idle);
    }
    if (!final) {
        int st = cmpi__wait_all(c, &freq, 1, c->deadline);
        if (st == CLPOOL_ETIMEDOUT)
            timed_out(c, "FINAL");
        if (st != CLPOOL_OK)
            goto abandon;
    }
    fin.msg[sizeof fin.msg - 1] = '\0';
    c->status = CLPOOL_OK;
    if (fin.status != CLPOOL_OK)
        cmpi__fail_named(c, fin.status, fin.rank, fin.msg);
    if (s.chunks == NULL && stopped) {
        cmpi__compute_stop(&s.cp);
        return;
    }
abandon:
    cmpi__drop(&areq, 1);
    cmpi__drop(&freq, 1);
    {
        cmpi__chunk *left = compute_ok ? cmpi__compute_stop(&s.cp) : NULL;
        (void)left; /* every chunk the thread had is also on s.chunks */
    }
    for (cmpi__chunk *ch = s.chunks, *next; ch != NULL; ch = next) {
        next = ch->next;
        /* Buffers still read or written by MPI are left to it. */
        if (cmpi__drop(ch->reqs, ch->nreqs) == 0)
            cmpi__chunk_free(ch, c->nargs);
    }
}

void cmpi__rank_run(cmpi__call *c)
{
    /* SETUP: its size is root's, so probe for it first. */
    int idle = 0, flag = 0, count = 0;
    MPI_Status st;
    for (;;) {
        int rc = MPI_Iprobe(c->root, cmpi__tag(c, CMPI__TAG_SETUP), c->comm, &flag, &st);
        if (rc != MPI_SUCCESS) {
            cmpi__mpi_fail(c, rc, "MPI_Iprobe");
            return;
        }
        if (flag)
            break;
        if (c->deadline != 0 && cmpi__now() > c->deadline) {
            timed_out(c, "SETUP");
            return;
        }
        cmpi__backoff(&idle);
    }
    MPI_Get_count(&st, MPI_BYTE, &count);
    c->setup = malloc(count > 0 ? (size_t)count : 1);
    if (c->setup == NULL) {
        /* Taken off the wire all the same, into nothing. */
        char one;
        MPI_Recv(&one, 0, MPI_BYTE, c->root, cmpi__tag(c, CMPI__TAG_SETUP), c->comm,
                 MPI_STATUS_IGNORE);
        cmpi__fail(c, CLPOOL_ENOMEM, c->rank, "clpool_mpi_map: out of memory");
    } else {
        int rc = MPI_Recv(c->setup, count, MPI_BYTE, c->root, cmpi__tag(c, CMPI__TAG_SETUP),
                          c->comm, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS) {
            cmpi__mpi_fail(c, rc, "MPI_Recv");
        } else {
            cmpi__setup_unpack(c, c->setup, (size_t)count);
            if (c->status != CLPOOL_OK && c->fail_rank == c->root)
                return; /* root failed: SETUP said so, and no one waits for us */
        }
    }
    /* Root's limit, from the start of this rank's call, and a margin for
     * root's FINAL to arrive after root's own limit. */
    if (c->timeout_ms != 0) {
        double ms = c->timeout_ms < 2000 ? 2000 : c->timeout_ms;
        c->deadline = c->t0 + (c->timeout_ms + ms) / 1e3;
    } else {
        c->deadline = 0;
    }

    /* READY: this rank's check. */
    cmpi__report ready, go;
    cmpi__report_make(c, &ready);
    ready.rank = c->rank;
    MPI_Request req;
    int rc = MPI_Isend(&ready, (int)sizeof ready, MPI_BYTE, c->root,
                       cmpi__tag(c, CMPI__TAG_READY), c->comm, &req);
    if (rc != MPI_SUCCESS) {
        cmpi__mpi_fail(c, rc, "MPI_Isend");
        return;
    }
    if (cmpi__wait_all(c, &req, 1, c->deadline) != CLPOOL_OK) {
        cmpi__drop(&req, 1);
        timed_out(c, "answer");
        return;
    }

    /* GO, or the call's first failure. */
    int stg = recv_from_root(c, &go, sizeof go, CMPI__TAG_GO);
    if (stg == CLPOOL_ETIMEDOUT) {
        timed_out(c, "GO");
        return;
    }
    if (stg != CLPOOL_OK)
        return;
    go.msg[sizeof go.msg - 1] = '\0';
    c->status = CLPOOL_OK;
    if (go.status != CLPOOL_OK) {
        cmpi__fail_named(c, go.status, go.rank, go.msg);
        return;
    }

    /* Root's whole arrays. */
    for (size_t i = 0; i < c->nargs; i++) {
        if (c->args[i].kind != CLPOOL_ARG_ARRAY_IN)
            continue;
        size_t bytes = c->args[i].size;
        int pieces = cmpi__pieces(bytes), n = 0;
        MPI_Request *reqs = malloc((size_t)pieces * sizeof *reqs);
        if (reqs == NULL) {
            cmpi__fail(c, CLPOOL_ENOMEM, c->rank, "clpool_mpi_map: out of memory");
            break;
        }
        if (cmpi__irecv_bytes(c, c->arrays[i], bytes, c->root, CMPI__TAG_GO, reqs, &n) ==
                CLPOOL_OK &&
            cmpi__wait_all(c, reqs, n, c->deadline) == CLPOOL_ETIMEDOUT) {
            if (cmpi__drop(reqs, n) != 0)
                c->arrays[i] = NULL; /* left to MPI */
            timed_out(c, "whole array");
        }
        free(reqs);
        if (c->status == CLPOOL_ETIMEDOUT)
            return;
    }
    /* A failure here still goes through the chunks, which report it. */
    chunks_run(c);
}
