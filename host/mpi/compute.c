/* The thread that runs a rank's chunks, so that the call's thread stays free
 * to answer and move messages while a chunk runs. It makes no MPI call. */
#include "mpi_internal.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <string.h>

static void run_chunk(cmpi__compute *cp, cmpi__chunk *ch)
{
    if (ch->status != CLPOOL_OK)
        return; /* it failed before it could run; it only keeps its place */
    clpool_range r;
    memset(&r, 0, sizeof r);
    r.dims = 1;
    r.global[0] = (size_t)(ch->e - ch->b);
    r.offset[0] = (size_t)ch->b;
    double t = cmpi__now();
    ch->status = clpool_map_range(cp->k, &r, ch->cargs, cp->nargs);
    ch->seconds = cmpi__now() - t;
    if (ch->status != CLPOOL_OK)
        snprintf(ch->msg, sizeof ch->msg, "%s",
                 clpool_errmsg(clpool_kernel_pool(cp->k)));
}

static void *compute_main(void *arg)
{
    cmpi__compute *cp = arg;
    pthread_mutex_lock(&cp->mu);
    for (;;) {
        while (cp->todo == NULL && !cp->quit)
            pthread_cond_wait(&cp->cv, &cp->mu);
        if (cp->quit)
            break;
        cmpi__chunk *ch = cp->todo;
        cp->todo = ch->qnext;
        if (cp->todo == NULL)
            cp->todo_tail = NULL;
        cp->running = 1;
        pthread_mutex_unlock(&cp->mu);
        run_chunk(cp, ch);
        pthread_mutex_lock(&cp->mu);
        cp->running = 0;
        ch->qnext = NULL;
        if (cp->done_tail != NULL)
            cp->done_tail->qnext = ch;
        else
            cp->done = ch;
        cp->done_tail = ch;
        pthread_cond_signal(&cp->done_cv);
    }
    pthread_mutex_unlock(&cp->mu);
    return NULL;
}

int cmpi__compute_start(cmpi__compute *cp, clpool_kernel *k, size_t nargs)
{
    memset(cp, 0, sizeof *cp);
    cp->k = k;
    cp->nargs = nargs;
    if (pthread_mutex_init(&cp->mu, NULL) != 0)
        return CLPOOL_ENOMEM;
    if (pthread_cond_init(&cp->cv, NULL) != 0) {
        pthread_mutex_destroy(&cp->mu);
        return CLPOOL_ENOMEM;
    }
    /* done_cv's timed waits are on CLOCK_MONOTONIC, like cmpi__now. */
    pthread_condattr_t attr;
    int made = pthread_condattr_init(&attr) == 0;
    int ok = made && pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
             pthread_cond_init(&cp->done_cv, &attr) == 0;
    if (made)
        pthread_condattr_destroy(&attr);
    if (!ok) {
        pthread_cond_destroy(&cp->cv);
        pthread_mutex_destroy(&cp->mu);
        return CLPOOL_ENOMEM;
    }
    if (pthread_create(&cp->thread, NULL, compute_main, cp) != 0) {
        pthread_cond_destroy(&cp->done_cv);
        pthread_cond_destroy(&cp->cv);
        pthread_mutex_destroy(&cp->mu);
        return CLPOOL_ENOMEM;
    }
    cp->started = 1;
    return CLPOOL_OK;
}

void cmpi__compute_push(cmpi__compute *cp, cmpi__chunk *ch)
{
    ch->qnext = NULL;
    pthread_mutex_lock(&cp->mu);
    if (cp->todo_tail != NULL)
        cp->todo_tail->qnext = ch;
    else
        cp->todo = ch;
    cp->todo_tail = ch;
    pthread_cond_signal(&cp->cv);
    pthread_mutex_unlock(&cp->mu);
}

/* A chunk that has run, or NULL. */
cmpi__chunk *cmpi__compute_take(cmpi__compute *cp)
{
    pthread_mutex_lock(&cp->mu);
    cmpi__chunk *ch = cp->done;
    if (ch != NULL) {
        cp->done = ch->qnext;
        if (cp->done == NULL)
            cp->done_tail = NULL;
        ch->qnext = NULL;
    }
    pthread_mutex_unlock(&cp->mu);
    return ch;
}

void cmpi__compute_wait(cmpi__compute *cp, int *idle)
{
    if (!cp->started) {
        cmpi__backoff(idle);
        return;
    }
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += cmpi__backoff_ns(idle);
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&cp->mu);
    int rc = 0;
    while (cp->done == NULL && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&cp->done_cv, &cp->mu, &until);
    pthread_mutex_unlock(&cp->mu);
}

/* Stops the thread after the chunk it is running (waiting for it: the
 * pool's own timeout_ms bounds it) and returns every chunk not yet taken,
 * run or not, as one list linked by qnext. */
cmpi__chunk *cmpi__compute_stop(cmpi__compute *cp)
{
    if (!cp->started)
        return NULL;
    pthread_mutex_lock(&cp->mu);
    cp->quit = 1;
    pthread_cond_signal(&cp->cv);
    pthread_mutex_unlock(&cp->mu);
    pthread_join(cp->thread, NULL);
    cp->started = 0;
    cmpi__chunk *list = cp->done;
    if (cp->done_tail != NULL)
        cp->done_tail->qnext = cp->todo;
    else
        list = cp->todo;
    cp->todo = cp->todo_tail = cp->done = cp->done_tail = NULL;
    pthread_cond_destroy(&cp->done_cv);
    pthread_cond_destroy(&cp->cv);
    pthread_mutex_destroy(&cp->mu);
    return list;
}
