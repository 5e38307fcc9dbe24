/*
 * clpool_map_async and clpool_wait.
 *
 * A pool that is given an async map gets one thread of its own, started at
 * the first such map and stopped by clpool_close. The thread runs the pool's
 * async maps in the order they were submitted, each under the pool's lock
 * like any other call, while the submitting thread goes on: several maps
 * can be in flight on one pool, and the caller's own work overlaps them.
 *
 * An event owns a copy of its arguments (the caller's array and
 * clpool_scalar's bytes need not outlive clpool_map_async) and, once run,
 * the map's status and message. A failed async map does not touch the
 * pool's message: its text stays in the event until its own wait puts it
 * there, so one map's failure never shows as another's.
 */
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

struct clpool_event {
    clpool *pool;
    clpool_kernel *k;
    clpool__nd nd;
    size_t nargs;
    clpool_arg *args;   /* the copy; scalars given by pointer point into it */
    int done;           /* guarded by the queue's mutex */
    int status;
    char *errmsg;       /* the failure's message; NULL if none */
    struct clpool_event *next_queued;
    struct clpool_event *prev, *next; /* every event not yet waited for */
};

struct clpool__async {
    pthread_mutex_t mu;    /* guards everything below and each event's done */
    pthread_cond_t work;   /* a map was queued, or the pool is closing */
    pthread_cond_t done;   /* an event finished */
    pthread_t thread;
    int stopping;
    clpool_event *head, *tail; /* queued, not yet started */
    clpool_event *events;      /* every event not yet waited for */
};

static void event_free(clpool_event *ev)
{
    free(ev->args);
    free(ev->errmsg);
    free(ev);
}

/* Runs ev's map under the pool's lock. The pool's own message is kept as it
 * was; a failure's message moves into the event. */
static void event_run(clpool_event *ev)
{
    clpool *pool = ev->pool;
    pthread_mutex_lock(&pool->lock);
    char *kept = clpool__error_swap(pool, NULL);
    int status = clpool__map_locked(ev->k, &ev->nd, ev->args, ev->nargs);
    clpool__hostmem_release(pool, ev->args, ev->nargs, ev->nd.items);
    char *mine = clpool__error_swap(pool, kept);
    pthread_mutex_unlock(&pool->lock);
    if (status != CLPOOL_OK)
        ev->errmsg = mine;
    else
        free(mine);
    ev->status = status;
}

static void *async_main(void *arg)
{
    clpool *pool = arg;
    struct clpool__async *a = pool->async;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (a->head == NULL && !a->stopping)
            pthread_cond_wait(&a->work, &a->mu);
        if (a->stopping)
            break; /* maps still queued are dropped with their events */
        clpool_event *ev = a->head;
        a->head = ev->next_queued;
        if (a->head == NULL)
            a->tail = NULL;
        pthread_mutex_unlock(&a->mu);
        event_run(ev);
        pthread_mutex_lock(&a->mu);
        ev->done = 1;
        pthread_cond_broadcast(&a->done);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* Makes the pool's queue and starts its thread; the pool's lock is held. */
static int async_start(clpool *pool)
{
    struct clpool__async *a = calloc(1, sizeof *a);
    if (a == NULL)
        return clpool__error(pool, CLPOOL_ENOMEM, "no memory for the pool's async queue");
    int err = pthread_mutex_init(&a->mu, NULL);
    if (err != 0)
        goto free_a;
    err = pthread_cond_init(&a->work, NULL);
    if (err != 0)
        goto destroy_mu;
    err = pthread_cond_init(&a->done, NULL);
    if (err != 0)
        goto destroy_work;

    /* The thread blocks every signal, so that the host program's handlers
     * (an interval timer, say) run in its own threads, as they did before
     * clpool started one. It inherits the mask in force at its creation. */
    sigset_t all, old;
    sigfillset(&all);
    err = pthread_sigmask(SIG_SETMASK, &all, &old);
    if (err != 0)
        goto destroy_done;
    pool->async = a;
    err = pthread_create(&a->thread, NULL, async_main, pool);
    (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err == 0)
        return CLPOOL_OK;
    pool->async = NULL;

destroy_done:
    pthread_cond_destroy(&a->done);
destroy_work:
    pthread_cond_destroy(&a->work);
destroy_mu:
    pthread_mutex_destroy(&a->mu);
free_a:
    free(a);
    return clpool__error(pool, err == ENOMEM || err == EAGAIN ? CLPOOL_ENOMEM : CLPOOL_EIO,
                         "cannot start the pool's thread for async maps: %s", strerror(err));
}

/* A copy of args that owns the bytes of every scalar given by pointer
 * (clpool_scalar); the typed constructors' values travel in the copy. The
 * arguments have passed clpool__args_check, so the sizes are the kernel's. */
static clpool_arg *args_copy(const clpool_arg *args, size_t nargs)
{
    size_t bytes = nargs * sizeof *args;
    for (size_t i = 0; i < nargs; i++)
        if (args[i].kind == CLPOOL_ARG_SCALAR && args[i].host != NULL)
            bytes += (args[i].size + 15) & ~(size_t)15;
    clpool_arg *copy = malloc(bytes > 0 ? bytes : 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, args, nargs * sizeof *args);
    unsigned char *store = (unsigned char *)(copy + nargs);
    for (size_t i = 0; i < nargs; i++) {
        if (copy[i].kind != CLPOOL_ARG_SCALAR || copy[i].host == NULL)
            continue;
        memcpy(store, copy[i].host, copy[i].size);
        copy[i].host = store;
        store += (copy[i].size + 15) & ~(size_t)15;
    }
    return copy;
}

/* Queues a map of range (NULL: the 1-D range of n items). */
static int submit(clpool_kernel *k, const clpool_range *range, size_t n, const clpool_arg *args,
                  size_t nargs, clpool_event **ev)
{
    if (ev == NULL)
        return k != NULL ? clpool__error_locked(k->prog->pool, CLPOOL_EINVAL,
                                                "clpool_map_async: ev is NULL")
                         : CLPOOL_EINVAL;
    *ev = NULL;
    if (k == NULL)
        return CLPOOL_EINVAL;
    clpool *pool = k->prog->pool;
    clpool_event *e = calloc(1, sizeof *e);
    if (e == NULL)
        return clpool__error_locked(pool, CLPOOL_ENOMEM, "no memory for an async map's event");
    e->pool = pool;
    e->k = k;
    e->nargs = nargs;

    pthread_mutex_lock(&pool->lock);
    int status = pool->async != NULL ? CLPOOL_OK : async_start(pool);
    if (status != CLPOOL_OK) {
        pthread_mutex_unlock(&pool->lock);
        free(e);
        return status;
    }
    /* Arguments are checked now, while the caller's array is alive; a
     * mismatch is this map's status, returned by its wait. */
    char *kept = clpool__error_swap(pool, NULL);
    if (range != NULL)
        e->status = clpool__range_resolve(k, range, &e->nd);
    else
        e->status = clpool__range_1d(k, n, &e->nd);
    if (e->status == CLPOOL_OK)
        e->status = clpool__args_check(k, e->nd.items, args, nargs, NULL);
    if (e->status == CLPOOL_OK) {
        e->args = args_copy(args, nargs);
        if (e->args == NULL)
            e->status = clpool__error(pool, CLPOOL_ENOMEM, "no memory to copy the %zu "
                                      "arguments of an async map of kernel '%s'", nargs, k->name);
    }
    char *mine = clpool__error_swap(pool, kept);
    if (e->status != CLPOOL_OK) {
        e->errmsg = mine;
        e->done = 1;
    } else {
        free(mine);
        clpool__hostmem_hold(pool, e->args, e->nargs, e->nd.items);
    }

    struct clpool__async *a = pool->async;
    pthread_mutex_lock(&a->mu);
    e->next = a->events;
    if (a->events != NULL)
        a->events->prev = e;
    a->events = e;
    if (!e->done) {
        if (a->tail != NULL)
            a->tail->next_queued = e;
        else
            a->head = e;
        a->tail = e;
        pthread_cond_signal(&a->work);
    }
    pthread_mutex_unlock(&a->mu);
    pthread_mutex_unlock(&pool->lock);
    *ev = e;
    return CLPOOL_OK;
}

int clpool_map_async(clpool_kernel *k, size_t n, const clpool_arg *args, size_t nargs,
                     clpool_event **ev)
{
    return submit(k, NULL, n, args, nargs, ev);
}

int clpool_map_range_async(clpool_kernel *k, const clpool_range *range, const clpool_arg *args,
                           size_t nargs, clpool_event **ev)
{
    if (range == NULL) {
        if (ev != NULL)
            *ev = NULL;
        return CLPOOL_EINVAL;
    }
    return submit(k, range, 0, args, nargs, ev);
}

int clpool_wait(clpool_event *ev)
{
    if (ev == NULL)
        return CLPOOL_EINVAL;
    clpool *pool = ev->pool;
    struct clpool__async *a = pool->async;
    pthread_mutex_lock(&a->mu);
    while (!ev->done)
        pthread_cond_wait(&a->done, &a->mu);
    if (ev->prev != NULL)
        ev->prev->next = ev->next;
    else
        a->events = ev->next;
    if (ev->next != NULL)
        ev->next->prev = ev->prev;
    pthread_mutex_unlock(&a->mu);

    int status = ev->status;
    if (status != CLPOOL_OK) {
        pthread_mutex_lock(&pool->lock);
        free(clpool__error_swap(pool, ev->errmsg));
        ev->errmsg = NULL;
        pthread_mutex_unlock(&pool->lock);
    }
    event_free(ev);
    return status;
}

void clpool__async_stop(clpool *pool)
{
    struct clpool__async *a = pool->async;
    if (a == NULL)
        return;
    pthread_mutex_lock(&a->mu);
    a->stopping = 1;
    pthread_cond_signal(&a->work);
    pthread_mutex_unlock(&a->mu);
    /* Waits for the map it is running, if any; the queued ones never run. */
    (void)pthread_join(a->thread, NULL);
    while (a->events != NULL) {
        clpool_event *ev = a->events;
        a->events = ev->next;
        event_free(ev);
    }
    pthread_cond_destroy(&a->done);
    pthread_cond_destroy(&a->work);
    pthread_mutex_destroy(&a->mu);
    free(a);
    pool->async = NULL;
}
