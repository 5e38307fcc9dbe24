/* Root's side of a call: SETUP, READY, GO, then the hand-out of chunks to
 * every rank (itself included) as each finishes, then FINAL. Root's own
 * chunks run on the call's compute thread, so this thread answers the other
 * ranks at once. */
#include "mpi_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SENDING, RECEIVING };

typedef struct peer {
    int stopped;
    int outstanding;       /* chunks whose DONE has not come */
    double rate;           /* items per second of its chunks' maps; 0: not yet known */
    MPI_Request done_req;  /* the posted DONE receive */
    cmpi__done done_msg;
    MPI_Request stop_req;
    cmpi__assign stop_msg;
    cmpi__chunk *chunks, *tail; /* assigned, in order, until their outputs are in */
} peer;

typedef struct root_state {
    cmpi__call *c;
    peer *peers;
    cmpi__plan plan;
    cmpi__compute cp;
    size_t next;           /* the first item not handed out */
    uint64_t seq;
    int self_outstanding;
    MPI_Request *misc;     /* SETUP, GO, arrays, FINAL */
    int nmisc, misc_cap;
} root_state;

static MPI_Request *misc_slots(root_state *s, int n)
{
    if (s->nmisc + n > s->misc_cap) {
        int cap = (s->nmisc + n) * 2;
        MPI_Request *m = realloc(s->misc, (size_t)cap * sizeof *m);
        if (m == NULL)
            return NULL;
        s->misc = m;
        s->misc_cap = cap;
    }
    return s->misc;
}

static int handing_out(const root_state *s)
{
    return s->c->status == CLPOOL_OK && s->next < s->c->n;
}

static cmpi__chunk *new_chunk(root_state *s, int owner, double rate)
{
    cmpi__call *c = s->c;
    cmpi__chunk *ch = calloc(1, sizeof *ch);
    if (ch == NULL)
        return NULL;
    size_t items = cmpi__plan_next(&s->plan, rate, s->next, c->n, c->size);
    ch->seq = s->seq++;
    ch->b = s->next;
    ch->e = s->next + items;
    ch->owner = owner;
    ch->reqs = malloc((c->nargs + 1) * sizeof *ch->reqs);
    if (ch->reqs == NULL) {
        free(ch);
        return NULL;
    }
    s->next = (size_t)ch->e;
    return ch;
}

static void assign_self(root_state *s)
{
    cmpi__call *c = s->c;
    if (!handing_out(s))
        return;
    cmpi__chunk *ch = new_chunk(s, c->rank, s->peers[c->rank].rate);
    if (ch == NULL || cmpi__chunk_args(c, ch) != CLPOOL_OK) {
        cmpi__chunk_free(ch, c->nargs);
        cmpi__fail(c, CLPOOL_ENOMEM, c->rank, "clpool_mpi_map: out of memory");
        return;
    }
    cmpi__compute_push(&s->cp, ch);
    s->self_outstanding++;
}

static void post_done(root_state *s, int w)
{
    peer *p = &s->peers[w];
    if (p->done_req != MPI_REQUEST_NULL || p->outstanding == 0)
        return;
    int rc = MPI_Irecv(&p->done_msg, (int)sizeof p->done_msg, MPI_BYTE, w,
                       cmpi__tag(s->c, CMPI__TAG_DONE), s->c->comm, &p->done_req);
    if (rc != MPI_SUCCESS)
        cmpi__mpi_fail(s->c, rc, "MPI_Irecv");
}

/* Sends rank w its next chunk: ASSIGN, then the chunk's input slices. */
static void assign_peer(root_state *s, int w)
{
    cmpi__call *c = s->c;
    if (!handing_out(s))
        return;
    peer *p = &s->peers[w];
    cmpi__chunk *ch = new_chunk(s, w, p->rate);
    if (ch == NULL) {
        cmpi__fail(c, CLPOOL_ENOMEM, c->rank, "clpool_mpi_map: out of memory");
        return;
    }
    ch->wire = (cmpi__assign){ch->seq, ch->b, ch->e};
    ch->state = SENDING;
    int rc = MPI_Isend(&ch->wire, (int)sizeof ch->wire, MPI_BYTE, w,
                       cmpi__tag(c, CMPI__TAG_ASSIGN), c->comm, &ch->reqs[ch->nreqs++]);
    if (rc != MPI_SUCCESS)
        cmpi__mpi_fail(c, rc, "MPI_Isend");
    for (size_t i = 0; i < c->nargs && rc == MPI_SUCCESS; i++) {
        const clpool_arg *a = &c->args[i];
        if (!cmpi__is_input(a->kind))
            continue;
        size_t elem = a->size;
        if (cmpi__isend_bytes(c, (const char *)c->user[i].host + (size_t)ch->b * elem,
                              (size_t)(ch->e - ch->b) * elem, w, CMPI__TAG_IN, ch->reqs,
                              &ch->nreqs) != CLPOOL_OK)
            break;
    }
    if (p->tail != NULL)
        p->tail->next = ch;
    else
        p->chunks = ch;
    p->tail = ch;
    p->outstanding++;
    post_done(s, w);
}

static void note_rate(peer *p, const cmpi__chunk *ch, double seconds)
{
    if (seconds <= 0)
        return;
    double r = (double)(ch->e - ch->b) / seconds;
    p->rate = p->rate > 0 ? 0.5 * p->rate + 0.5 * r : r;
}

static void on_done(root_state *s, int w)
{
    cmpi__call *c = s->c;
    peer *p = &s->peers[w];
    cmpi__done *d = &p->done_msg;
    d->msg[sizeof d->msg - 1] = '\0';
    cmpi__chunk *ch = p->chunks;
    while (ch != NULL && ch->seq != d->seq)
        ch = ch->next;
    if (ch == NULL || ch->done) {
        cmpi__fail(c, CLPOOL_EIO, w, "clpool_mpi_map: rank %d reported a chunk (%llu) root "
                   "did not give it", w, (unsigned long long)d->seq);
    } else {
        ch->done = 1;
        p->outstanding--;
        if (d->status != CLPOOL_OK)
            cmpi__fail_named(c, d->status, w, d->msg);
        else
            note_rate(p, ch, d->seconds);
    }
    assign_peer(s, w);
    post_done(s, w);
}

/* Moves rank w's chunks along: once a chunk's input is out, its output
 * receives are posted into root's arrays, strictly in assignment order
 * (the rank sends outputs in that order, and receives on one tag match in
 * the order they were posted). Chunks whose outputs are in are freed. */
static int advance_peer(root_state *s, int w)
{
    cmpi__call *c = s->c;
    peer *p = &s->peers[w];
    int progress = 0, in_order = 1;
    cmpi__chunk **link = &p->chunks, *prev = NULL;
    while (*link != NULL) {
        cmpi__chunk *ch = *link;
        int all = 0;
        cmpi__test_all(c, ch->reqs, ch->nreqs, &all);
        if (ch->state == SENDING && all && in_order) {
            ch->state = RECEIVING;
            ch->nreqs = 0;
            for (size_t i = 0; i < c->nargs; i++) {
                const clpool_arg *a = &c->args[i];
                if (!cmpi__is_output(a->kind))
                    continue;
                if (cmpi__irecv_bytes(c, (char *)c->user[i].host + (size_t)ch->b * a->size,
                                      (size_t)(ch->e - ch->b) * a->size, w, CMPI__TAG_OUT,
                                      ch->reqs, &ch->nreqs) != CLPOOL_OK)
                    break;
            }
            progress = 1;
            all = ch->nreqs == 0;
        }
        if (ch->state == SENDING)
            in_order = 0;
        if (ch->state == RECEIVING && all && ch->done) {
            *link = ch->next;
            if (p->tail == ch)
                p->tail = prev;
            cmpi__chunk_free(ch, c->nargs);
            progress = 1;
            continue;
        }
        prev = ch;
        link = &ch->next;
    }
    return progress;
}

static int take_self(root_state *s)
{
    cmpi__call *c = s->c;
    int progress = 0;
    cmpi__chunk *ch;
    while ((ch = cmpi__compute_take(&s->cp)) != NULL) {
        s->self_outstanding--;
        if (ch->status != CLPOOL_OK) {
            cmpi__fail_text(c, ch->status, c->rank, ch->msg);
        } else {
            note_rate(&s->peers[c->rank], ch, ch->seconds);
            c->stats.items += (size_t)(ch->e - ch->b);
            c->stats.chunks++;
        }
        c->stats.compute_s += ch->seconds;
        cmpi__chunk_free(ch, c->nargs);
        assign_self(s);
        progress = 1;
    }
    return progress;
}

static void send_stop(root_state *s, int w)
{
    peer *p = &s->peers[w];
    p->stop_msg = (cmpi__assign){CMPI__STOP, 0, 0};
    int rc = MPI_Isend(&p->stop_msg, (int)sizeof p->stop_msg, MPI_BYTE, w,
                       cmpi__tag(s->c, CMPI__TAG_ASSIGN), s->c->comm, &p->stop_req);
    if (rc != MPI_SUCCESS)
        cmpi__mpi_fail(s->c, rc, "MPI_Isend");
    p->stopped = 1;
}

static int finished(root_state *s)
{
    cmpi__call *c = s->c;
    if (s->self_outstanding > 0)
        return 0;
    for (int w = 0; w < c->size; w++) {
        if (w == c->rank)
            continue;
        peer *p = &s->peers[w];
        if (!p->stopped || p->chunks != NULL)
            return 0;
        int all = 0;
        cmpi__test_all(c, &p->stop_req, 1, &all);
        if (!all)
            return 0;
    }
    return 1;
}

/* Names the ranks that still hold chunks, for the timeout's message. */
static void busy_ranks(root_state *s, char *out, size_t len)
{
    cmpi__call *c = s->c;
    size_t used = 0;
    out[0] = '\0';
    for (int w = 0; w < c->size && used + 16 < len; w++) {
        int busy = w == c->rank ? s->self_outstanding > 0 : s->peers[w].chunks != NULL;
        if (busy)
            used += (size_t)snprintf(out + used, len - used, "%s%d", used ? ", " : "", w);
    }
    if (used == 0)
        snprintf(out, len, "none");
}

static void hand_out(root_state *s)
{
    cmpi__call *c = s->c;
    if (cmpi__compute_start(&s->cp, c->k, c->nargs) != CLPOOL_OK) {
        cmpi__fail(c, CLPOOL_ENOMEM, c->rank, "clpool_mpi_map: cannot start a thread");
        for (int w = 0; w < c->size; w++)
            if (w != c->rank)
                send_stop(s, w);
        return;
    }
    for (int round = 0; round < CMPI__DEPTH; round++) {
        assign_self(s);
        for (int w = 0; w < c->size; w++)
            if (w != c->rank)
                assign_peer(s, w);
    }
    int idle = 0, abandoned = 0;
    for (;;) {
        int progress = take_self(s);
        for (int w = 0; w < c->size; w++) {
            if (w == c->rank)
                continue;
            peer *p = &s->peers[w];
            if (p->done_req != MPI_REQUEST_NULL) {
                int flag = 0;
                int rc = MPI_Test(&p->done_req, &flag, MPI_STATUS_IGNORE);
                if (rc != MPI_SUCCESS) {
                    cmpi__mpi_fail(c, rc, "MPI_Test");
                    abandoned = 1;
                    break;
                }
                if (flag) {
                    on_done(s, w);
                    progress = 1;
                }
            }
            progress |= advance_peer(s, w);
            if (!p->stopped && p->outstanding == 0 && !handing_out(s)) {
                send_stop(s, w);
                progress = 1;
            }
        }
        if (abandoned || finished(s))
            break;
        if (c->deadline != 0 && cmpi__now() > c->deadline) {
            char busy[256];
            busy_ranks(s, busy, sizeof busy);
            c->status = CLPOOL_OK; /* the timeout is what every rank must hear */
            cmpi__fail(c, CLPOOL_ETIMEDOUT, c->rank, "clpool_mpi_map: the map ran past its "
                       "time limit of %u ms (%zu of %zu items handed out; ranks still "
                       "running chunks: %s)", c->timeout_ms, s->next, c->n, busy);
            abandoned = 1;
            break;
        }
        if (progress)
            idle = 0;
        else
            cmpi__compute_wait(&s->cp, &idle);
    }
    /* Root's own running chunk, if any, is stopped after FINAL has gone
     * (root_run), so that the others hear the outcome while it finishes. */
    if (!abandoned)
        return;
    for (int w = 0; w < c->size; w++) {
        if (w == c->rank)
            continue;
        peer *p = &s->peers[w];
        cmpi__drop(&p->done_req, 1);
        cmpi__drop(&p->stop_req, 1);
        for (cmpi__chunk *ch = p->chunks, *next; ch != NULL; ch = next) {
            next = ch->next;
            /* A chunk still in flight keeps its ASSIGN message alive. */
            if (cmpi__drop(ch->reqs, ch->nreqs) == 0)
                cmpi__chunk_free(ch, c->nargs);
        }
        p->chunks = p->tail = NULL;
    }
}

void cmpi__root_run(cmpi__call *c)
{
    root_state s;
    memset(&s, 0, sizeof s);
    s.c = c;
    cmpi__report *reports = NULL;
    cmpi__report go, fin;
    MPI_Request *ready = NULL;
    int went = 0;
    s.peers = calloc((size_t)c->size, sizeof *s.peers);
    reports = calloc((size_t)c->size, sizeof *reports);
    if (s.peers == NULL || reports == NULL || misc_slots(&s, 4 * c->size) == NULL) {
        /* Nothing can be told to the others; they time out. */
        cmpi__fail(c, CLPOOL_ENOMEM, c->rank, "clpool_mpi_map: out of memory");
        goto out;
    }
    for (int w = 0; w < c->size; w++)
        s.peers[w].done_req = s.peers[w].stop_req = MPI_REQUEST_NULL;
    c->args = calloc(c->nargs ? c->nargs : 1, sizeof *c->args);
    if (c->args == NULL && c->status == CLPOOL_OK)
        cmpi__fail(c, CLPOOL_ENOMEM, c->rank, "clpool_mpi_map: out of memory");
    if (c->args != NULL && c->status == CLPOOL_OK)
        memcpy(c->args, c->user, c->nargs * sizeof *c->args);

    /* SETUP, carrying root's own failure (named) if it has one. */
    if (c->status != CLPOOL_OK) {
        cmpi__report r;
        cmpi__report_make(c, &r);
    }
    size_t len = 0;
    if (cmpi__setup_pack(c, &c->setup, &len) != CLPOOL_OK) {
        cmpi__fail(c, CLPOOL_ENOMEM, c->rank, "clpool_mpi_map: out of memory");
        goto out;
    }
    for (int w = 0; w < c->size; w++) {
        if (w == c->rank)
            continue;
        int rc = MPI_Isend(c->setup, (int)len, MPI_BYTE, w, cmpi__tag(c, CMPI__TAG_SETUP),
                           c->comm, &s.misc[s.nmisc++]);
        if (rc != MPI_SUCCESS) {
            cmpi__mpi_fail(c, rc, "MPI_Isend");
            goto out;
        }
    }
    if (c->status != CLPOOL_OK)
        goto out; /* the others return root's failure from SETUP */

    /* READY from every rank; the first failure in rank order is the call's. */
    ready = malloc((size_t)c->size * sizeof *ready);
    if (ready == NULL) {
        cmpi__fail(c, CLPOOL_ENOMEM, c->rank, "clpool_mpi_map: out of memory");
        goto out;
    }
    int nready = 0;
    for (int w = 0; w < c->size; w++) {
        if (w == c->rank)
            continue;
        int rc = MPI_Irecv(&reports[w], (int)sizeof reports[w], MPI_BYTE, w,
                           cmpi__tag(c, CMPI__TAG_READY), c->comm, &ready[nready++]);
        if (rc != MPI_SUCCESS) {
            cmpi__mpi_fail(c, rc, "MPI_Irecv");
            goto out;
        }
    }
    int st = cmpi__wait_all(c, ready, nready, c->deadline);
    if (st == CLPOOL_ETIMEDOUT) {
        char late[256];
        size_t used = 0;
        late[0] = '\0';
        for (int w = 0, i = 0; w < c->size; w++) {
            if (w == c->rank)
                continue;
            /* MPI_Testall completes all or none: ask each. */
            int flag = 0;
            if (ready[i] != MPI_REQUEST_NULL)
                MPI_Test(&ready[i], &flag, MPI_STATUS_IGNORE);
            if (ready[i++] != MPI_REQUEST_NULL && used + 16 < sizeof late)
                used += (size_t)snprintf(late + used, sizeof late - used, "%s%d",
                                         used ? ", " : "", w);
        }
        cmpi__drop(ready, nready);
        cmpi__fail(c, CLPOOL_ETIMEDOUT, c->rank, "clpool_mpi_map: rank(s) %s did not answer "
                   "within the time limit of %u ms (did they call clpool_mpi_map?)", late,
                   c->timeout_ms);
    } else if (st != CLPOOL_OK) {
        goto out;
    }
    for (int w = 0; w < c->size && c->status == CLPOOL_OK; w++) {
        if (w == c->rank)
            continue;
        reports[w].msg[sizeof reports[w].msg - 1] = '\0';
        if (reports[w].status != CLPOOL_OK)
            cmpi__fail_named(c, reports[w].status, w, reports[w].msg);
    }

    /* GO (or the failure), then root's whole arrays. */
    cmpi__report_make(c, &go);
    for (int w = 0; w < c->size; w++) {
        if (w == c->rank)
            continue;
        int rc = MPI_Isend(&go, (int)sizeof go, MPI_BYTE, w, cmpi__tag(c, CMPI__TAG_GO),
                           c->comm, &s.misc[s.nmisc++]);
        if (rc != MPI_SUCCESS) {
            cmpi__mpi_fail(c, rc, "MPI_Isend");
            goto out;
        }
    }
    if (c->status != CLPOOL_OK)
        goto out;
    went = 1;
    for (size_t i = 0; i < c->nargs; i++) {
        if (c->args[i].kind != CLPOOL_ARG_ARRAY_IN)
            continue;
        int pieces = cmpi__pieces(c->args[i].size);
        for (int w = 0; w < c->size; w++) {
            if (w == c->rank)
                continue;
            if (misc_slots(&s, pieces) == NULL) {
                cmpi__fail(c, CLPOOL_ENOMEM, c->rank, "clpool_mpi_map: out of memory");
                goto out;
            }
            if (cmpi__isend_bytes(c, c->args[i].host, c->args[i].size, w, CMPI__TAG_GO,
                                  s.misc, &s.nmisc) != CLPOOL_OK)
                goto out;
        }
    }

    size_t max_elem = 0;
    for (size_t i = 0; i < c->nargs; i++)
        if (cmpi__is_slice(c->args[i].kind) && c->args[i].size > max_elem)
            max_elem = c->args[i].size;
    cmpi__plan_init(&s.plan, c->n, c->size, c->item_bytes, max_elem);
    hand_out(&s);

out:
    /* FINAL, to ranks that were told to go: every other rank has had the
     * call's failure already, in SETUP or GO. */
    if (went && misc_slots(&s, c->size) != NULL) {
        cmpi__report_make(c, &fin);
        for (int w = 0; w < c->size; w++) {
            if (w == c->rank)
                continue;
            if (MPI_Isend(&fin, (int)sizeof fin, MPI_BYTE, w, cmpi__tag(c, CMPI__TAG_FINAL),
                          c->comm, &s.misc[s.nmisc++]) != MPI_SUCCESS)
                s.nmisc--;
        }
    }
    {
        /* Root's own chunks: they use the caller's arrays; the one running
         * ends within its pool's timeout_ms. */
        cmpi__chunk *left = cmpi__compute_stop(&s.cp);
        while (left != NULL) {
            cmpi__chunk *next = left->qnext;
            cmpi__chunk_free(left, c->nargs);
            left = next;
        }
    }
    if (s.nmisc > 0) {
        double until = c->deadline != 0 ? cmpi__now() + 2.0 : 0;
        if (cmpi__wait_all(c, s.misc, s.nmisc, until) != CLPOOL_OK)
            cmpi__drop(s.misc, s.nmisc);
    }
    free(ready);
    free(s.misc);
    free(reports);
    free(s.peers);
}
