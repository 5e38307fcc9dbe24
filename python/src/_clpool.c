/*
 * clpool._clpool: the C half of the Python package, on the public C API
 * (clpool.h) only. It owns the handles (pool, program, kernel, buffer),
 * matches Python arguments to a kernel's parameters as the library's own
 * parser read them (clpool_kernel_param), and runs maps with the GIL
 * released. The Python half (clpool/__init__.py) subclasses these types to
 * add the friendly parts: keyword defaults, docstrings, futures, exceptions.
 *
 * How a blocking map runs. A one-item map costs a few microseconds in C, and
 * a handoff to another thread costs tens, so a map runs in the calling
 * thread whenever it can: in any thread but the main one (Python delivers
 * signals to the main thread only), and in the main thread when it has at
 * most `direct_items` work-items. A bigger map from the main thread is
 * handed to the pool's waiter thread (below), which runs it with clpool_map
 * while the main thread sleeps in slices, checking for signals between
 * them, so that Ctrl-C raises KeyboardInterrupt at once. The interrupted
 * map cannot be stopped (clpool has no cancel): it runs on to its end in
 * the background, keeping its arrays alive, and the pool stays usable; its
 * next map starts after it.
 *
 * The waiter thread (one per pool, started at its first such map) takes
 * jobs in order: an async map's event, which it waits for with clpool_wait
 * (clpool runs async maps in the order they were started), or a blocking
 * map, which it runs. It copies the message of a failure at once, then
 * either wakes the main thread or, for map_async and for interrupted maps,
 * takes the GIL to resolve the future and drop the references the map
 * held.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <clpool.h>

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ module state */

/* Exception classes by -status (CLPOOL_EINVAL .. CLPOOL_EOVERFLOW), set by
 * the Python half; [0] is clpool.Error, for statuses without a class. */
#define N_STATUS 12
static PyObject *error_classes[N_STATUS + 1];
static PyTypeObject *program_type, *kernel_type; /* the Python subclasses */
static unsigned long main_thread_ident;
static Py_ssize_t direct_items = 65536;

static PyObject *error_class(int status)
{
    int i = -status;
    if (i > 0 && i <= N_STATUS && error_classes[i] != NULL)
        return error_classes[i];
    return error_classes[0] != NULL ? error_classes[0] : PyExc_RuntimeError;
}

/* Raises the class for status with (message, status). Returns NULL. */
static PyObject *raise_status(int status, const char *msg)
{
    PyObject *cls = error_class(status);
    PyObject *text = msg != NULL && msg[0] != '\0' ? PyUnicode_DecodeUTF8(msg, strlen(msg), "replace")
                                                    : PyUnicode_FromString(clpool_strerror(status));
    if (text == NULL)
        return NULL;
    PyObject *exc = PyObject_CallFunction(cls, "Oi", text, status);
    Py_DECREF(text);
    if (exc == NULL)
        return NULL;
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return NULL;
}

static PyObject *raise_fmt(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PyObject *text = PyUnicode_FromFormatV(fmt, ap);
    va_end(ap);
    if (text == NULL)
        return NULL;
    PyObject *exc = PyObject_CallFunction(error_class(status), "Oi", text, status);
    Py_DECREF(text);
    if (exc == NULL)
        return NULL;
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return NULL;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s != NULL ? s : "") + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s != NULL ? s : "", n);
    return d;
}

/* ------------------------------------------------------------------- jobs */

/* What a map started in the background holds until its wait returns: its
 * argument block (the buffer views pin the arrays) and references to the
 * kernel and every argument object. */
typedef struct argblock {
    clpool_arg *args;
    Py_buffer *views;   /* views[i] is live when has_view[i] */
    char *has_view;
    unsigned char (*scratch)[128]; /* scalar bytes */
    size_t n;
} argblock;

typedef struct job {
    struct job *next;
    clpool_event *ev;   /* an async map's event; NULL: the waiter runs the map itself */
    clpool_kernel *k;   /* for a map the waiter runs (refs holds its Kernel) */
    clpool_range range;
    int done, status, detached;
    char *msg;
    PyObject *future; /* map_async: resolved by the waiter */
    PyObject *refs;   /* a tuple: the kernel and the arguments */
    argblock blk;
} job;

static void argblock_release(argblock *b)
{
    if (b->views != NULL)
        for (size_t i = 0; i < b->n; i++)
            if (b->has_view[i])
                PyBuffer_Release(&b->views[i]);
    free(b->args);
    b->args = NULL;
    b->views = NULL;
}

/* ------------------------------------------------------------------ pools */

/* The waiter's state lives apart from the pool object: the waiter may drop
 * the last reference to the pool (a job holds its kernel, which holds the
 * program and the pool), and then it must outlive the object. */
typedef struct wstate {
    pthread_mutex_t m;
    pthread_cond_t c;
    pthread_t thread;
    int started, stop, orphan; /* orphan: the pool went away; the thread frees this */
    job *head, *tail;
    size_t inflight;           /* jobs queued or being waited for */
    clpool *p;
} wstate;

typedef struct {
    PyObject_HEAD
    clpool *p;
    long owner_pid;           /* a pool belongs to the process that opened it */
    int busy;                 /* threads inside a call with the GIL released */
    int closed;               /* close() has run; p may stay open for host memory */
    Py_ssize_t hostmem;       /* live host memory blocks: clpool_close would free them */
    wstate *w;
    PyObject *weakreflist;
} PoolObject;

static PyTypeObject PoolType;

static int pool_check(PoolObject *pool)
{
    if (pool == NULL || pool->p == NULL || pool->closed) {
        raise_fmt(CLPOOL_EINVAL, "the pool is closed");
        return -1;
    }
    return 0;
}

static void resolve_job(job *j)
{
    /* With the GIL held. */
    if (j->future != NULL) {
        PyObject *r;
        if (j->status == CLPOOL_OK) {
            r = PyObject_CallMethod(j->future, "set_result", "O", Py_None);
        } else {
            raise_status(j->status, j->msg);
            PyObject *type, *value, *tb;
            PyErr_Fetch(&type, &value, &tb);
            PyErr_NormalizeException(&type, &value, &tb);
            r = PyObject_CallMethod(j->future, "set_exception", "O", value != NULL ? value : Py_None);
            Py_XDECREF(type);
            Py_XDECREF(value);
            Py_XDECREF(tb);
        }
        if (r == NULL)
            PyErr_WriteUnraisable(j->future);
        Py_XDECREF(r);
    }
    argblock_release(&j->blk);
    Py_CLEAR(j->future);
    Py_CLEAR(j->refs);
    free(j->msg);
    free(j);
}

static void wstate_free(wstate *w)
{
    pthread_mutex_destroy(&w->m);
    pthread_cond_destroy(&w->c);
    free(w);
}

static void *waiter_main(void *arg)
{
    wstate *w = arg;
    pthread_mutex_lock(&w->m);
    for (;;) {
        while (w->head == NULL && !w->stop)
            pthread_cond_wait(&w->c, &w->m);
        if (w->head == NULL)
            break;
        job *j = w->head;
        w->head = j->next;
        if (w->head == NULL)
            w->tail = NULL;
        pthread_mutex_unlock(&w->m);

        /* A blocking map from the main thread runs here, with clpool_map
         * itself (measured a little faster than an async map's own thread
         * for big host arrays); an async map is waited for. */
        int st = j->ev != NULL ? clpool_wait(j->ev)
                 : j->range.dims == 1 && j->range.local[0] == 0 && j->range.offset[0] == 0
                     ? clpool_map(j->k, j->range.global[0], j->blk.args, j->blk.n)
                     : clpool_map_range(j->k, &j->range, j->blk.args, j->blk.n);
        char *msg = st != CLPOOL_OK ? dup_str(clpool_errmsg(w->p)) : NULL;

        pthread_mutex_lock(&w->m);
        j->status = st;
        j->msg = msg;
        j->done = 1;
        int mine = j->future != NULL || j->detached;
        pthread_cond_broadcast(&w->c);
        pthread_mutex_unlock(&w->m);
        if (mine) {
            /* May drop the last reference to the pool: see pool_shutdown. */
            PyGILState_STATE g = PyGILState_Ensure();
            resolve_job(j);
            PyGILState_Release(g);
        }
        pthread_mutex_lock(&w->m);
        w->inflight--;
        pthread_cond_broadcast(&w->c);
    }
    int orphan = w->orphan;
    pthread_mutex_unlock(&w->m);
    if (orphan)
        wstate_free(w);
    return NULL;
}

/* Hands a started map to the waiter (starting it if need be). The GIL may
 * be held: this only takes the waiter's small mutex. */
static int enqueue(PoolObject *pool, job *j)
{
    wstate *w = pool->w;
    pthread_mutex_lock(&w->m);
    if (!w->started) {
        w->p = pool->p;
        int rc = pthread_create(&w->thread, NULL, waiter_main, w);
        if (rc != 0) {
            pthread_mutex_unlock(&w->m);
            return rc;
        }
        w->started = 1;
    }
    j->next = NULL;
    if (w->tail != NULL)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    w->inflight++;
    pthread_cond_signal(&w->c);
    pthread_mutex_unlock(&w->m);
    return 0;
}

static PyObject *pool_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    (void)args;
    (void)kw;
    PoolObject *self = (PoolObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->w = calloc(1, sizeof *self->w);
    if (self->w == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    pthread_mutex_init(&self->w->m, NULL);
    pthread_cond_init(&self->w->c, NULL);
    return (PyObject *)self;
}

static int pool_init(PoolObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"backend", "device", "workers", "cache_dir", "timeout_ms", NULL};
    const char *backend = NULL, *device = NULL, *cache_dir = NULL;
    PyObject *workers = Py_None, *timeout = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|zzOzO:_Pool", names, &backend, &device, &workers,
                                     &cache_dir, &timeout))
        return -1;
    if (self->p != NULL) {
        raise_fmt(CLPOOL_EINVAL, "the pool is already open");
        return -1;
    }
    clpool_config cfg;
    clpool_config_init(&cfg);
    if (backend != NULL && strcmp(backend, "auto") != 0) {
        if (strcmp(backend, "opencl") == 0)
            cfg.backend = CLPOOL_OPENCL;
        else if (strcmp(backend, "fork") == 0)
            cfg.backend = CLPOOL_FORK;
        else {
            raise_fmt(CLPOOL_EINVAL, "backend must be 'auto', 'opencl' or 'fork', not '%s'", backend);
            return -1;
        }
    }
    if (device != NULL)
        cfg.device = device;
    if (cache_dir != NULL)
        cfg.cache_dir = cache_dir;
    if (workers != Py_None) {
        long w = PyLong_AsLong(workers);
        if (w == -1 && PyErr_Occurred())
            return -1;
        if (w < 0 || w > INT_MAX) {
            raise_fmt(CLPOOL_EINVAL, "workers must be 0 (one per CPU) or more, not %ld", w);
            return -1;
        }
        if (w > 0)
            cfg.workers = (int)w;
    }
    if (timeout != Py_None) {
        unsigned long long t = PyLong_AsUnsignedLongLong(timeout);
        if (t == (unsigned long long)-1 && PyErr_Occurred())
            return -1;
        if (t > UINT_MAX) {
            raise_fmt(CLPOOL_EINVAL, "timeout too long: %llu ms", t);
            return -1;
        }
        cfg.timeout_ms = (unsigned)t;
    }
    clpool *p = NULL;
    int st;
    char *msg = NULL;
    Py_BEGIN_ALLOW_THREADS
    st = clpool_open(&cfg, &p);
    if (st != CLPOOL_OK)
        msg = dup_str(clpool_errmsg(NULL));
    Py_END_ALLOW_THREADS
    if (st != CLPOOL_OK) {
        raise_status(st, msg);
        free(msg);
        return -1;
    }
    self->p = p;
    self->owner_pid = (long)getpid();
    return 0;
}

/* Waits for every map the pool's objects started, then closes the pool.
 * With the GIL held. */
static void pool_shutdown(PoolObject *self)
{
    if (self->p == NULL || self->closed)
        return;
    if ((long)getpid() != self->owner_pid) {
        /* A forked child's copy (multiprocessing): the pool is the parent's. */
        self->p = NULL;
        return;
    }
    /* Maps running in other threads with the GIL released. */
    while (self->busy > 0) {
        Py_BEGIN_ALLOW_THREADS
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
        Py_END_ALLOW_THREADS
    }
    clpool *p = self->p;
    wstate *w = self->w;
    self->closed = 1;
    if (self->hostmem == 0)
        self->p = NULL;
    pthread_mutex_lock(&w->m);
    int started = w->started;
    if (started && pthread_equal(pthread_self(), w->thread)) {
        /* The waiter dropped the last reference (its queue is empty: queued
         * jobs hold the pool). It cannot join itself: it frees w when it
         * leaves its loop. */
        w->stop = 1;
        w->orphan = 1;
        pthread_mutex_unlock(&w->m);
        pthread_detach(w->thread);
        self->w = NULL;
        if (self->p == NULL)
            clpool_close(p);
        return;
    }
    w->stop = 1;
    pthread_cond_broadcast(&w->c);
    pthread_mutex_unlock(&w->m);
    Py_BEGIN_ALLOW_THREADS
    if (started)
        pthread_join(w->thread, NULL);
    /* With host memory still in numpy's hands, the pool closes when the
     * last block goes (hostmem_dealloc). */
    if (self->p == NULL)
        clpool_close(p);
    Py_END_ALLOW_THREADS
    w->started = 0;
    w->stop = 0;
}

static PyObject *pool_close(PoolObject *self, PyObject *unused)
{
    (void)unused;
    pool_shutdown(self);
    Py_RETURN_NONE;
}

static void pool_dealloc(PoolObject *self)
{
    if (self->weakreflist != NULL)
        PyObject_ClearWeakRefs((PyObject *)self);
    pool_shutdown(self);
    if (self->w != NULL)
        wstate_free(self->w);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *pool_describe(PoolObject *self, void *closure)
{
    (void)closure;
    if (pool_check(self) < 0)
        return NULL;
    return PyUnicode_FromString(clpool_describe(self->p));
}

static PyObject *pool_closed(PoolObject *self, void *closure)
{
    (void)closure;
    return PyBool_FromLong(self->p == NULL || self->closed);
}

static PyObject *pool_errmsg(PoolObject *self, void *closure)
{
    (void)closure;
    if (pool_check(self) < 0)
        return NULL;
    return PyUnicode_FromString(clpool_errmsg(self->p));
}

/* --------------------------------------------------------------- programs */

typedef struct {
    PyObject_HEAD
    PoolObject *pool;
    clpool_program *prog;
    PyObject *weakreflist;
} ProgramObject;

static PyTypeObject ProgramType;

static PyObject *make_program(PoolObject *pool, const char *path, const char *source,
                              const char *options)
{
    if (pool_check(pool) < 0)
        return NULL;
    clpool_program *prog = NULL;
    int st;
    char *msg = NULL;
    pool->busy++;
    Py_BEGIN_ALLOW_THREADS
    st = path != NULL ? clpool_program_file(pool->p, path, options, &prog)
                      : clpool_program_source(pool->p, source, options, &prog);
    if (st != CLPOOL_OK)
        msg = dup_str(clpool_errmsg(pool->p));
    Py_END_ALLOW_THREADS
    pool->busy--;
    if (st != CLPOOL_OK) {
        raise_status(st, msg);
        free(msg);
        return NULL;
    }
    PyTypeObject *t = program_type != NULL ? program_type : &ProgramType;
    ProgramObject *self = (ProgramObject *)t->tp_alloc(t, 0);
    if (self == NULL) {
        clpool_program_free(prog);
        return NULL;
    }
    Py_INCREF(pool);
    self->pool = pool;
    self->prog = prog;
    return (PyObject *)self;
}

static PyObject *pool_program(PoolObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"source", "options", NULL};
    const char *source, *options = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|z:program", names, &source, &options))
        return NULL;
    return make_program(self, NULL, source, options);
}

static PyObject *pool_program_file(PoolObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"path", "options", NULL};
    PyObject *path = NULL;
    const char *options = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|z:program_file", names, PyUnicode_FSConverter,
                                     &path, &options))
        return NULL;
    PyObject *r = make_program(self, PyBytes_AS_STRING(path), NULL, options);
    Py_DECREF(path);
    return r;
}

static void program_dealloc(ProgramObject *self)
{
    if (self->weakreflist != NULL)
        PyObject_ClearWeakRefs((PyObject *)self);
    if (self->pool != NULL && self->pool->p != NULL && self->prog != NULL)
        clpool_program_free(self->prog);
    Py_CLEAR(self->pool);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int program_check(ProgramObject *self)
{
    if (self->prog == NULL) {
        raise_fmt(CLPOOL_EINVAL, "the program was not built");
        return -1;
    }
    return pool_check(self->pool);
}

static PyObject *program_log(ProgramObject *self, void *closure)
{
    (void)closure;
    if (program_check(self) < 0)
        return NULL;
    return PyUnicode_FromString(clpool_program_log(self->prog));
}

static PyObject *program_pool(ProgramObject *self, void *closure)
{
    (void)closure;
    PyObject *p = self->pool != NULL ? (PyObject *)self->pool : Py_None;
    Py_INCREF(p);
    return p;
}

/* ---------------------------------------------------------------- kernels */

/* A parameter's element type: its scalar kind ('i' signed, 'u' unsigned,
 * 'f' floating, 0 unknown) and size, and how many of them make one element
 * (vector lanes; 3-vectors take the room of 4). */
typedef struct param {
    clpool_param_kind kind;
    int is_const;
    size_t size;   /* pointee or scalar size, 0 if unknown */
    char skind;
    size_t ssize;
    char *name, *type, *base;
} param;

typedef struct {
    PyObject_HEAD
    ProgramObject *prog;
    clpool_kernel *k;
    PyObject *name;
    size_t nparams;  /* CLPOOL_PARAMS_UNKNOWN if the parser could not read them */
    param *params;
    PyObject *weakreflist;
} KernelObject;

static PyTypeObject KernelType;

static void classify(param *p)
{
    static const struct {
        const char *name;
        char kind;
        size_t size;
    } scalars[] = {
        {"char", 'i', 1},   {"uchar", 'u', 1},     {"short", 'i', 2},     {"ushort", 'u', 2},
        {"int", 'i', 4},    {"uint", 'u', 4},      {"long", 'i', 8},      {"ulong", 'u', 8},
        {"float", 'f', 4},  {"double", 'f', 8},    {"half", 'f', 2},      {"size_t", 'u', 8},
        {"ptrdiff_t", 'i', 8}, {"intptr_t", 'i', 8}, {"uintptr_t", 'u', 8}, {"bool", 'b', 1},
    };
    p->skind = 0;
    p->ssize = 0;
    const char *b = p->base;
    size_t len = strlen(b);
    while (len > 0 && b[len - 1] >= '0' && b[len - 1] <= '9')
        len--;
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
        if (strlen(scalars[i].name) == len && strncmp(scalars[i].name, b, len) == 0) {
            p->skind = scalars[i].kind;
            p->ssize = scalars[i].size;
        }
    if (p->size == 0 || p->ssize == 0 || p->size % p->ssize != 0) {
        p->skind = 0;
        p->ssize = 0;
    }
}

static void free_params(param *ps, size_t n)
{
    if (ps == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(ps[i].name);
        free(ps[i].type);
        free(ps[i].base);
    }
    free(ps);
}

static PyObject *program_kernel(ProgramObject *self, PyObject *arg)
{
    if (program_check(self) < 0)
        return NULL;
    const char *name = PyUnicode_AsUTF8(arg);
    if (name == NULL)
        return NULL;
    clpool_kernel *k = NULL;
    int st = clpool_kernel_get(self->prog, name, &k);
    if (st != CLPOOL_OK)
        return raise_status(st, clpool_errmsg(self->pool->p));
    size_t n = clpool_kernel_nparams(k);
    param *ps = NULL;
    if (n != CLPOOL_PARAMS_UNKNOWN && n > 0) {
        ps = calloc(n, sizeof *ps);
        if (ps == NULL)
            return PyErr_NoMemory();
        for (size_t i = 0; i < n; i++) {
            clpool_param_info info;
            st = clpool_kernel_param(k, i, &info);
            if (st != CLPOOL_OK) {
                free_params(ps, n);
                return raise_status(st, clpool_errmsg(self->pool->p));
            }
            ps[i].kind = info.kind;
            ps[i].is_const = info.is_const;
            ps[i].size = info.size;
            ps[i].name = dup_str(info.name);
            ps[i].type = dup_str(info.type);
            ps[i].base = dup_str(info.base);
            if (ps[i].name == NULL || ps[i].type == NULL || ps[i].base == NULL) {
                free_params(ps, n);
                return PyErr_NoMemory();
            }
            classify(&ps[i]);
        }
    }
    PyTypeObject *t = kernel_type != NULL ? kernel_type : &KernelType;
    KernelObject *ko = (KernelObject *)t->tp_alloc(t, 0);
    if (ko == NULL) {
        free_params(ps, n);
        return NULL;
    }
    Py_INCREF(self);
    ko->prog = self;
    ko->k = k;
    ko->nparams = n;
    ko->params = ps;
    ko->name = PyUnicode_FromString(name);
    if (ko->name == NULL) {
        Py_DECREF(ko);
        return NULL;
    }
    return (PyObject *)ko;
}

static void kernel_dealloc(KernelObject *self)
{
    if (self->weakreflist != NULL)
        PyObject_ClearWeakRefs((PyObject *)self);
    free_params(self->params, self->nparams == CLPOOL_PARAMS_UNKNOWN ? 0 : self->nparams);
    Py_CLEAR(self->name);
    Py_CLEAR(self->prog);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static const char *kind_word(clpool_param_kind k)
{
    switch (k) {
    case CLPOOL_PARAM_SCALAR: return "scalar";
    case CLPOOL_PARAM_GLOBAL: return "global";
    case CLPOOL_PARAM_CONSTANT: return "constant";
    case CLPOOL_PARAM_LOCAL: return "local";
    default: return "other";
    }
}

/* The parameters as a tuple of (name, kind, type, base, size, const). */
static PyObject *kernel_params(KernelObject *self, void *closure)
{
    (void)closure;
    if (self->nparams == CLPOOL_PARAMS_UNKNOWN)
        Py_RETURN_NONE;
    PyObject *t = PyTuple_New((Py_ssize_t)self->nparams);
    if (t == NULL)
        return NULL;
    for (size_t i = 0; i < self->nparams; i++) {
        const param *p = &self->params[i];
        PyObject *e = Py_BuildValue("(ssssnO)", p->name, kind_word(p->kind), p->type, p->base,
                                    (Py_ssize_t)p->size, p->is_const ? Py_True : Py_False);
        if (e == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, (Py_ssize_t)i, e);
    }
    return t;
}

static PyObject *kernel_program(KernelObject *self, void *closure)
{
    (void)closure;
    Py_INCREF(self->prog);
    return (PyObject *)self->prog;
}

/* ------------------------------------------------ argument wrapper types */

enum { MODE_DEFAULT = 0, MODE_IN, MODE_OUT, MODE_INOUT };

typedef struct {
    PyObject_HEAD
    PyObject *array;
    int mode;
    int whole;
} HostArgObject;

static PyTypeObject HostArgType;

static int hostarg_init(HostArgObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"array", "mode", "whole", NULL};
    PyObject *array;
    int mode = MODE_DEFAULT, whole = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|ip:_HostArg", names, &array, &mode, &whole))
        return -1;
    if (mode < MODE_DEFAULT || mode > MODE_INOUT) {
        PyErr_SetString(PyExc_ValueError, "mode must be 0..3");
        return -1;
    }
    Py_INCREF(array);
    Py_XSETREF(self->array, array);
    self->mode = mode;
    self->whole = whole;
    return 0;
}

static void hostarg_dealloc(HostArgObject *self)
{
    Py_CLEAR(self->array);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMemberDef hostarg_members[] = {
    {"array", T_OBJECT_EX, offsetof(HostArgObject, array), READONLY, "the wrapped array"},
    {"mode", T_INT, offsetof(HostArgObject, mode), READONLY,
     "0: from the parameter, 1: in, 2: out, 3: inout"},
    {"whole", T_BOOL, offsetof(HostArgObject, whole), READONLY, "passed whole, never chunked"},
    {NULL, 0, 0, 0, NULL},
};

typedef struct {
    PyObject_HEAD
    Py_ssize_t nbytes;
} LocalObject;

static PyTypeObject LocalType;

static int local_init(LocalObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"nbytes", NULL};
    Py_ssize_t n;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "n:Local", names, &n))
        return -1;
    if (n <= 0) {
        PyErr_Format(PyExc_ValueError, "Local needs more than 0 bytes, not %zd", n);
        return -1;
    }
    self->nbytes = n;
    return 0;
}

static PyObject *local_repr(LocalObject *self)
{
    return PyUnicode_FromFormat("Local(%zd)", self->nbytes);
}

static PyMemberDef local_members[] = {
    {"nbytes", T_PYSSIZET, offsetof(LocalObject, nbytes), READONLY,
     "bytes of local memory per work-group"},
    {NULL, 0, 0, 0, NULL},
};

/* ---------------------------------------------------------------- buffers */

typedef struct {
    PyObject_HEAD
    PoolObject *pool;
    clpool_buffer *b;
    Py_ssize_t size;
} BufferObject;

static PyTypeObject BufferType;

static int buffer_init(BufferObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"pool", "nbytes", NULL};
    PyObject *pool;
    Py_ssize_t n;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!n:Buffer", names, &PoolType, &pool, &n))
        return -1;
    if (self->b != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the buffer is already made");
        return -1;
    }
    if (pool_check((PoolObject *)pool) < 0)
        return -1;
    if (n <= 0) {
        raise_fmt(CLPOOL_EINVAL, "a buffer needs more than 0 bytes, not %zd", n);
        return -1;
    }
    clpool_buffer *b = NULL;
    int st = clpool_buffer_new(((PoolObject *)pool)->p, (size_t)n, &b);
    if (st != CLPOOL_OK) {
        raise_status(st, clpool_errmsg(((PoolObject *)pool)->p));
        return -1;
    }
    Py_INCREF(pool);
    self->pool = (PoolObject *)pool;
    self->b = b;
    self->size = n;
    return 0;
}

static void buffer_free_handle(BufferObject *self)
{
    if (self->b != NULL && self->pool != NULL && self->pool->p != NULL)
        clpool_buffer_free(self->b);
    self->b = NULL;
}

static void buffer_dealloc(BufferObject *self)
{
    buffer_free_handle(self);
    Py_CLEAR(self->pool);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int buffer_check(BufferObject *self)
{
    if (self->b == NULL) {
        raise_fmt(CLPOOL_EINVAL, "the buffer has been freed");
        return -1;
    }
    return pool_check(self->pool);
}

static PyObject *buffer_copy(BufferObject *self, PyObject *args, PyObject *kw, int write)
{
    static char *names[] = {"array", "offset", NULL};
    PyObject *obj;
    Py_ssize_t offset = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, write ? "O|n:write" : "O|n:read", names, &obj,
                                     &offset))
        return NULL;
    if (buffer_check(self) < 0)
        return NULL;
    Py_buffer v;
    int flags = PyBUF_C_CONTIGUOUS | (write ? 0 : PyBUF_WRITABLE);
    if (PyObject_GetBuffer(obj, &v, flags) < 0) {
        PyErr_Clear();
        return raise_fmt(CLPOOL_EARG, "Buffer.%s needs a C-contiguous%s array",
                         write ? "write" : "read", write ? "" : ", writable");
    }
    if (offset < 0) {
        PyBuffer_Release(&v);
        return raise_fmt(CLPOOL_EINVAL, "offset must not be negative");
    }
    int st;
    char *msg = NULL;
    self->pool->busy++;
    Py_BEGIN_ALLOW_THREADS
    st = write ? clpool_buffer_write(self->b, (size_t)offset, v.buf, (size_t)v.len)
               : clpool_buffer_read(self->b, (size_t)offset, v.buf, (size_t)v.len);
    if (st != CLPOOL_OK)
        msg = dup_str(clpool_errmsg(self->pool->p));
    Py_END_ALLOW_THREADS
    self->pool->busy--;
    PyBuffer_Release(&v);
    if (st != CLPOOL_OK) {
        raise_status(st, msg);
        free(msg);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *buffer_write(BufferObject *self, PyObject *args, PyObject *kw)
{
    return buffer_copy(self, args, kw, 1);
}

static PyObject *buffer_read(BufferObject *self, PyObject *args, PyObject *kw)
{
    return buffer_copy(self, args, kw, 0);
}

static PyObject *buffer_free(BufferObject *self, PyObject *unused)
{
    (void)unused;
    buffer_free_handle(self);
    Py_RETURN_NONE;
}

static PyMemberDef buffer_members[] = {
    {"nbytes", T_PYSSIZET, offsetof(BufferObject, size), READONLY, "the buffer's size in bytes"},
    {"pool", T_OBJECT, offsetof(BufferObject, pool), READONLY, "the pool the buffer belongs to"},
    {NULL, 0, 0, 0, NULL},
};

/* ------------------------------------------------------------ host memory */

/* A block of clpool_host_alloc memory, exported through the buffer
 * protocol (pool.empty wraps it in a numpy array). It holds the pool: a
 * pool closed while blocks live stays open until the last one goes, since
 * clpool_close would free them under numpy's feet. */
typedef struct {
    PyObject_HEAD
    PoolObject *pool;
    void *mem;
    Py_ssize_t size;
    long pid;
} HostMemObject;

static PyTypeObject HostMemType;

static int hostmem_init(HostMemObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"pool", "nbytes", NULL};
    PyObject *pool;
    Py_ssize_t n;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!n:_HostMem", names, &PoolType, &pool, &n))
        return -1;
    if (self->mem != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the block is already made");
        return -1;
    }
    if (pool_check((PoolObject *)pool) < 0)
        return -1;
    if (n <= 0) {
        raise_fmt(CLPOOL_EINVAL, "host memory needs more than 0 bytes, not %zd", n);
        return -1;
    }
    void *mem = NULL;
    int st = clpool_host_alloc(((PoolObject *)pool)->p, (size_t)n, &mem);
    if (st != CLPOOL_OK) {
        raise_status(st, clpool_errmsg(((PoolObject *)pool)->p));
        return -1;
    }
    Py_INCREF(pool);
    self->pool = (PoolObject *)pool;
    self->pool->hostmem++;
    self->mem = mem;
    self->size = n;
    self->pid = (long)getpid();
    return 0;
}

static void hostmem_dealloc(HostMemObject *self)
{
    PoolObject *pool = self->pool;
    if (self->mem != NULL && pool != NULL && (long)getpid() == self->pid) {
        pool->hostmem--;
        if (pool->p != NULL)
            clpool_host_free(pool->p, self->mem);
        if (pool->closed && pool->hostmem == 0 && pool->p != NULL) {
            clpool *p = pool->p;
            pool->p = NULL;
            clpool_close(p);
        }
    }
    Py_CLEAR(self->pool);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int hostmem_getbuffer(HostMemObject *self, Py_buffer *view, int flags)
{
    if (self->mem == NULL) {
        PyErr_SetString(PyExc_BufferError, "no memory");
        return -1;
    }
    return PyBuffer_FillInfo(view, (PyObject *)self, self->mem, self->size, 0, flags);
}

static PyBufferProcs hostmem_as_buffer = {(getbufferproc)hostmem_getbuffer, NULL};

static PyMemberDef hostmem_members[] = {
    {"nbytes", T_PYSSIZET, offsetof(HostMemObject, size), READONLY, "the block's size"},
    {NULL, 0, 0, 0, NULL},
};

/* ------------------------------------------------------ argument matching */

static PyObject *param_error(KernelObject *ko, size_t i, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PyObject *detail = PyUnicode_FromFormatV(fmt, ap);
    va_end(ap);
    if (detail == NULL)
        return NULL;
    PyObject *r;
    if (ko->nparams != CLPOOL_PARAMS_UNKNOWN && i < ko->nparams)
        r = raise_fmt(CLPOOL_EARG, "kernel '%U', parameter %zu '%s' (%s): %U", ko->name, i,
                      ko->params[i].name, ko->params[i].type, detail);
    else
        r = raise_fmt(CLPOOL_EARG, "kernel '%U', argument %zu: %U", ko->name, i, detail);
    Py_DECREF(detail);
    return r;
}

/* The scalar kind and size of a buffer's format ("f", "<i4"-style prefixes
 * allowed), or kind 0 for formats that are not one native scalar. */
static char format_kind(const char *fmt)
{
    if (fmt == NULL)
        return 'u'; /* plain bytes */
    if (*fmt == '@' || *fmt == '=' || *fmt == '<')
        fmt++;
    if (fmt[0] == '\0' || fmt[1] != '\0')
        return 0;
    switch (fmt[0]) {
    case 'b': case 'h': case 'i': case 'l': case 'q': case 'n': return 'i';
    case 'B': case 'H': case 'I': case 'L': case 'Q': case 'N': case 'c': return 'u';
    case 'e': case 'f': case 'd': return 'f';
    case '?': return 'b';
    default: return 0;
    }
}

static const char *kind_name(char k, size_t size, char *buf, size_t len)
{
    const char *w = k == 'i' ? "int" : k == 'u' ? "uint" : k == 'f' ? "float" : k == 'b' ? "bool" : NULL;
    if (w == NULL)
        snprintf(buf, len, "%zu-byte items of another type", size);
    else if (k == 'b')
        snprintf(buf, len, "bool");
    else
        snprintf(buf, len, "%s%zu", w, size * 8);
    return buf;
}

/* Converts one Python number to a scalar of kind/size at out. */
static int convert_number(KernelObject *ko, size_t i, PyObject *obj, char kind, size_t size,
                          unsigned char *out)
{
    /* Python ints (bool and IntEnum too) and floats; numpy's float64, a
     * subclass of float, is a numpy scalar and is checked as one. */
    if (PyLong_Check(obj)) {
        if (kind == 'f') {
            double d = PyLong_AsDouble(obj);
            if (d == -1.0 && PyErr_Occurred()) {
                PyErr_Clear();
                param_error(ko, i, "%R is out of range", obj);
                return -1;
            }
            if (size == 4) {
                if (fabs(d) > FLT_MAX) {
                    param_error(ko, i, "%R is out of range for a float", obj);
                    return -1;
                }
                float f = (float)d;
                memcpy(out, &f, 4);
            } else if (size == 8) {
                memcpy(out, &d, 8);
            } else {
                param_error(ko, i, "Python numbers cannot be given as half; pass a numpy.float16");
                return -1;
            }
            return 0;
        }
        if (kind == 'i') {
            int overflow = 0;
            long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
            if (v == -1 && PyErr_Occurred())
                return -1;
            long long lo = size == 1 ? INT8_MIN : size == 2 ? INT16_MIN : size == 4 ? INT32_MIN : INT64_MIN;
            long long hi = size == 1 ? INT8_MAX : size == 2 ? INT16_MAX : size == 4 ? INT32_MAX : INT64_MAX;
            if (overflow || v < lo || v > hi) {
                param_error(ko, i, "%R is out of range [%lld, %lld]", obj, lo, hi);
                return -1;
            }
            if (size == 1) { int8_t x = (int8_t)v; memcpy(out, &x, 1); }
            else if (size == 2) { int16_t x = (int16_t)v; memcpy(out, &x, 2); }
            else if (size == 4) { int32_t x = (int32_t)v; memcpy(out, &x, 4); }
            else { int64_t x = v; memcpy(out, &x, 8); }
            return 0;
        }
        if (kind == 'u') {
            unsigned long long hi = size == 1 ? UINT8_MAX : size == 2 ? UINT16_MAX
                                  : size == 4 ? UINT32_MAX : UINT64_MAX;
            int bad = 0;
            unsigned long long v = PyLong_AsUnsignedLongLong(obj);
            if (v == (unsigned long long)-1 && PyErr_Occurred()) {
                /* Negative or too big: out of range either way. */
                PyErr_Clear();
                bad = 1;
            }
            if (bad || v > hi) {
                param_error(ko, i, "%R is out of range [0, %llu]", obj, hi);
                return -1;
            }
            if (size == 1) { uint8_t x = (uint8_t)v; memcpy(out, &x, 1); }
            else if (size == 2) { uint16_t x = (uint16_t)v; memcpy(out, &x, 2); }
            else if (size == 4) { uint32_t x = (uint32_t)v; memcpy(out, &x, 4); }
            else { uint64_t x = v; memcpy(out, &x, 8); }
            return 0;
        }
        param_error(ko, i, "cannot take a Python int");
        return -1;
    }
    if (PyFloat_CheckExact(obj) || (PyFloat_Check(obj) && !PyObject_CheckBuffer(obj))) {
        if (kind != 'f') {
            param_error(ko, i, "%R is a float; the parameter is an integer", obj);
            return -1;
        }
        double d = PyFloat_AS_DOUBLE(obj);
        if (size == 4) {
            if (isfinite(d) && fabs(d) > FLT_MAX) {
                param_error(ko, i, "%R is out of range for a float", obj);
                return -1;
            }
            float f = (float)d;
            memcpy(out, &f, 4);
        } else if (size == 8) {
            memcpy(out, &d, 8);
        } else {
            param_error(ko, i, "Python numbers cannot be given as half; pass a numpy.float16");
            return -1;
        }
        return 0;
    }
    return 1; /* not a Python number */
}

/* Fills a->args[i] for a by-value parameter. */
static int match_scalar(KernelObject *ko, size_t i, const param *p, PyObject *obj, argblock *a)
{
    unsigned char *out = a->scratch[i];
    if (p->skind != 0 && p->skind != 'b' && p->size == p->ssize) {
        int r = convert_number(ko, i, obj, p->skind, p->size, out);
        if (r <= 0) {
            if (r == 0)
                a->args[i] = clpool_scalar(out, p->size);
            return r;
        }
    } else if (p->skind != 0 && p->skind != 'b' && (PyTuple_Check(obj) || PyList_Check(obj))) {
        /* A vector from a sequence of numbers: float4 from (1, 2, 3, 4). */
        size_t lanes = p->size / p->ssize;
        Py_ssize_t len = PySequence_Fast_GET_SIZE(obj);
        if ((size_t)len != lanes && !(lanes == 4 && len == 3)) {
            param_error(ko, i, "a sequence of %zd numbers for a vector of %zu", len, lanes);
            return -1;
        }
        memset(out, 0, p->size);
        for (Py_ssize_t l = 0; l < len; l++) {
            PyObject *e = PySequence_Fast_GET_ITEM(obj, l);
            int r = convert_number(ko, i, e, p->skind, p->ssize, out + (size_t)l * p->ssize);
            if (r < 0)
                return -1;
            if (r > 0) {
                param_error(ko, i, "element %zd of the sequence is %s, not a Python number", l,
                            Py_TYPE(e)->tp_name);
                return -1;
            }
        }
        a->args[i] = clpool_scalar(out, p->size);
        return 0;
    }
    /* numpy scalars, 0-d arrays, and raw bytes for vectors and structs. */
    Py_buffer *v = &a->views[i];
    if (PyObject_CheckBuffer(obj) && PyObject_GetBuffer(obj, v, PyBUF_RECORDS_RO) == 0) {
        a->has_view[i] = 1;
        char buf[64], want[64];
        char k = format_kind(v->format);
        if (p->size == 0) {
            /* A struct or typedef the parser cannot size: the bytes as given. */
        } else if ((size_t)v->len != p->size) {
            param_error(ko, i, "%zd bytes (%s) for a %zu-byte parameter", v->len,
                        kind_name(k, (size_t)v->itemsize, buf, sizeof buf), p->size);
            return -1;
        } else if (p->skind != 0 && (k != p->skind || (size_t)v->itemsize != p->ssize) &&
                   !PyBytes_Check(obj) && !PyByteArray_Check(obj)) {
            param_error(ko, i, "a value of %s for a parameter of %s",
                        kind_name(k, (size_t)v->itemsize, buf, sizeof buf),
                        kind_name(p->skind, p->ssize, want, sizeof want));
            return -1;
        }
        if (!PyBuffer_IsContiguous(v, 'C')) {
            param_error(ko, i, "the value is not contiguous");
            return -1;
        }
        a->args[i] = clpool_scalar(v->buf, (size_t)v->len);
        return 0;
    }
    PyErr_Clear();
    param_error(ko, i, "expected a number, got %s", Py_TYPE(obj)->tp_name);
    return -1;
}

/* Fills a->args[i] for a __global or __constant pointer parameter. */
static int match_array(KernelObject *ko, size_t i, const param *p, PyObject *obj, size_t items,
                       argblock *a)
{
    int mode = MODE_DEFAULT, whole = 0;
    PyObject *arr = obj;
    if (PyObject_TypeCheck(obj, &BufferType)) {
        BufferObject *b = (BufferObject *)obj;
        if (buffer_check(b) < 0)
            return -1;
        if (b->pool != ko->prog->pool) {
            param_error(ko, i, "the buffer belongs to another pool");
            return -1;
        }
        a->args[i] = clpool_buf(b->b);
        return 0;
    }
    if (PyObject_TypeCheck(obj, &HostArgType)) {
        HostArgObject *h = (HostArgObject *)obj;
        mode = h->mode;
        whole = h->whole;
        arr = h->array;
        if (PyObject_TypeCheck(arr, &BufferType)) {
            param_error(ko, i, "a clpool.Buffer is passed as it is, not wrapped");
            return -1;
        }
    }
    if (mode == MODE_DEFAULT)
        mode = p->is_const ? MODE_IN : MODE_INOUT;
    if (p->kind == CLPOOL_PARAM_CONSTANT && mode != MODE_IN) {
        param_error(ko, i, "__constant memory is read-only: it takes input only");
        return -1;
    }
    if (p->is_const && mode != MODE_IN) {
        param_error(ko, i, "the pointee is const: the kernel cannot write it");
        return -1;
    }
    if (!PyObject_CheckBuffer(arr)) {
        param_error(ko, i, "expected a numpy array or a clpool.Buffer, got %s",
                    Py_TYPE(arr)->tp_name);
        return -1;
    }
    Py_buffer *v = &a->views[i];
    int flags = PyBUF_RECORDS_RO | (mode == MODE_IN ? 0 : PyBUF_WRITABLE);
    if (PyObject_GetBuffer(arr, v, flags) < 0) {
        PyErr_Clear();
        if (mode != MODE_IN && PyObject_GetBuffer(arr, v, PyBUF_RECORDS_RO) == 0) {
            PyBuffer_Release(v);
            param_error(ko, i, "the array is read-only, and the kernel writes it (wrap it in "
                               "clpool.In to pass it as input only)");
        } else {
            param_error(ko, i, "expected a numpy array or a clpool.Buffer, got %s",
                        Py_TYPE(arr)->tp_name);
        }
        return -1;
    }
    a->has_view[i] = 1;
    if (!PyBuffer_IsContiguous(v, 'C')) {
        param_error(ko, i, "the array is not C-contiguous (use numpy.ascontiguousarray)");
        return -1;
    }
    char k = format_kind(v->format);
    size_t elem = p->size;
    if (p->skind != 0) {
        if (k != p->skind || (size_t)v->itemsize != p->ssize) {
            char got[64], want[64];
            param_error(ko, i, "the array's dtype holds %s; the parameter points to %s",
                        kind_name(k, (size_t)v->itemsize, got, sizeof got),
                        kind_name(p->skind, p->ssize, want, sizeof want));
            return -1;
        }
    } else if (elem == 0) {
        elem = (size_t)v->itemsize; /* a struct the parser cannot size: the array says */
    } else if ((size_t)v->itemsize != elem && ((size_t)v->len % elem != 0)) {
        param_error(ko, i, "the array's items are %zd bytes; the parameter points to %zu-byte "
                           "items", v->itemsize, elem);
        return -1;
    }
    if (elem == 0 || (size_t)v->len % elem != 0) {
        param_error(ko, i, "the array holds %zd bytes, not a whole number of %zu-byte elements",
                    v->len, elem);
        return -1;
    }
    size_t nelem = (size_t)v->len / elem;
    if (whole) {
        if (v->len == 0) {
            param_error(ko, i, "the array is empty");
            return -1;
        }
        a->args[i] = mode == MODE_IN    ? clpool_array_in(v->buf, (size_t)v->len)
                   : mode == MODE_OUT   ? clpool_array_out(v->buf, (size_t)v->len)
                                        : clpool_array_inout(v->buf, (size_t)v->len);
        return 0;
    }
    if (items > 0 && nelem < items) {
        param_error(ko, i, "the array is too short: %zu elements for %zu work-items", nelem, items);
        return -1;
    }
    a->args[i] = mode == MODE_IN    ? clpool_in(v->buf, elem)
               : mode == MODE_OUT   ? clpool_out(v->buf, elem)
                                    : clpool_inout(v->buf, elem);
    return 0;
}

/* Arguments of a kernel whose parameters are unknown: arrays elementwise
 * and inout by their itemsize, numpy scalars by their bytes. */
static int match_unknown(KernelObject *ko, size_t i, PyObject *obj, argblock *a)
{
    if (PyObject_TypeCheck(obj, &BufferType)) {
        if (buffer_check((BufferObject *)obj) < 0)
            return -1;
        a->args[i] = clpool_buf(((BufferObject *)obj)->b);
        return 0;
    }
    if (PyObject_TypeCheck(obj, &LocalType)) {
        a->args[i] = clpool_local((size_t)((LocalObject *)obj)->nbytes);
        return 0;
    }
    int mode = MODE_INOUT, whole = 0;
    PyObject *arr = obj;
    if (PyObject_TypeCheck(obj, &HostArgType)) {
        arr = ((HostArgObject *)obj)->array;
        whole = ((HostArgObject *)obj)->whole;
        if (((HostArgObject *)obj)->mode != MODE_DEFAULT)
            mode = ((HostArgObject *)obj)->mode;
    }
    Py_buffer *v = &a->views[i];
    if (PyLong_Check(obj) || PyFloat_Check(obj) || !PyObject_CheckBuffer(arr)) {
        param_error(ko, i, "the kernel's parameters could not be read from its source, so a "
                           "scalar must be a numpy scalar of the parameter's exact type");
        return -1;
    }
    if (PyObject_GetBuffer(arr, v, PyBUF_RECORDS_RO | (mode == MODE_IN ? 0 : PyBUF_WRITABLE)) < 0) {
        PyErr_Clear();
        param_error(ko, i, "expected a writable C-contiguous array or a numpy scalar");
        return -1;
    }
    a->has_view[i] = 1;
    if (!PyBuffer_IsContiguous(v, 'C')) {
        param_error(ko, i, "the array is not C-contiguous");
        return -1;
    }
    if (v->ndim == 0) {
        a->args[i] = clpool_scalar(v->buf, (size_t)v->len);
        return 0;
    }
    size_t elem = (size_t)v->itemsize;
    if (whole)
        a->args[i] = mode == MODE_IN    ? clpool_array_in(v->buf, (size_t)v->len)
                   : mode == MODE_OUT   ? clpool_array_out(v->buf, (size_t)v->len)
                                        : clpool_array_inout(v->buf, (size_t)v->len);
    else
        a->args[i] = mode == MODE_IN    ? clpool_in(v->buf, elem)
                   : mode == MODE_OUT   ? clpool_out(v->buf, elem)
                                        : clpool_inout(v->buf, elem);
    return 0;
}

static int argblock_alloc(argblock *a, size_t n)
{
    size_t m = n > 0 ? n : 1;
    size_t bytes = m * (sizeof(clpool_arg) + sizeof(Py_buffer) + 1 + 128);
    char *mem = malloc(bytes);
    if (mem == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    a->args = (clpool_arg *)mem;
    a->scratch = (unsigned char(*)[128])(mem + m * sizeof(clpool_arg));
    a->views = (Py_buffer *)(mem + m * (sizeof(clpool_arg) + 128));
    a->has_view = mem + m * (sizeof(clpool_arg) + 128 + sizeof(Py_buffer));
    memset(a->has_view, 0, m);
    a->n = n;
    return 0;
}

/* Matches every argument; on failure releases the block and raises. */
static int match_args(KernelObject *ko, PyObject *const *objs, size_t n, size_t items, argblock *a)
{
    if (ko->nparams != CLPOOL_PARAMS_UNKNOWN && n != ko->nparams) {
        raise_fmt(CLPOOL_EARG, "kernel '%U' takes %zu arguments, %zu given", ko->name,
                  ko->nparams, n);
        return -1;
    }
    if (argblock_alloc(a, n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int r;
        if (ko->nparams == CLPOOL_PARAMS_UNKNOWN) {
            r = match_unknown(ko, i, objs[i], a);
        } else {
            const param *p = &ko->params[i];
            switch (p->kind) {
            case CLPOOL_PARAM_SCALAR:
                if (PyObject_TypeCheck(objs[i], &HostArgType) ||
                    PyObject_TypeCheck(objs[i], &BufferType) ||
                    PyObject_TypeCheck(objs[i], &LocalType)) {
                    param_error(ko, i, "a by-value parameter takes a number, not %s",
                                Py_TYPE(objs[i])->tp_name);
                    r = -1;
                } else {
                    r = match_scalar(ko, i, p, objs[i], a);
                }
                break;
            case CLPOOL_PARAM_GLOBAL:
            case CLPOOL_PARAM_CONSTANT:
                r = match_array(ko, i, p, objs[i], items, a);
                break;
            case CLPOOL_PARAM_LOCAL:
                if (!PyObject_TypeCheck(objs[i], &LocalType)) {
                    param_error(ko, i, "a __local parameter takes clpool.Local(nbytes), not %s",
                                Py_TYPE(objs[i])->tp_name);
                    r = -1;
                } else {
                    a->args[i] = clpool_local((size_t)((LocalObject *)objs[i])->nbytes);
                    r = 0;
                }
                break;
            default:
                param_error(ko, i, "clpool cannot pass this kind of parameter");
                r = -1;
                break;
            }
        }
        if (r < 0) {
            argblock_release(a);
            return -1;
        }
    }
    /* Host arrays must not overlap when either is written. */
    for (size_t i = 0; i < n; i++) {
        if (!a->has_view[i] || a->args[i].kind == CLPOOL_ARG_SCALAR)
            continue;
        for (size_t j = i + 1; j < n; j++) {
            if (!a->has_view[j] || a->args[j].kind == CLPOOL_ARG_SCALAR)
                continue;
            int wi = a->args[i].kind != CLPOOL_ARG_IN && a->args[i].kind != CLPOOL_ARG_ARRAY_IN;
            int wj = a->args[j].kind != CLPOOL_ARG_IN && a->args[j].kind != CLPOOL_ARG_ARRAY_IN;
            const char *bi = a->views[i].buf, *bj = a->views[j].buf;
            if ((wi || wj) && bi < bj + a->views[j].len && bj < bi + a->views[i].len &&
                a->views[i].len > 0 && a->views[j].len > 0) {
                param_error(ko, j, "the array overlaps the one given for parameter %zu, and one "
                                   "of them is written", i);
                argblock_release(a);
                return -1;
            }
        }
    }
    return 0;
}

/* -------------------------------------------------------------------- maps */

static int parse_sizes(PyObject *obj, const char *what, unsigned *dims, size_t out[CLPOOL_MAX_DIMS])
{
    memset(out, 0, sizeof(size_t) * CLPOOL_MAX_DIMS);
    if (PyIndex_Check(obj)) { /* int, numpy integers */
        Py_ssize_t v = PyNumber_AsSsize_t(obj, PyExc_OverflowError);
        if (v == -1 && PyErr_Occurred())
            return -1;
        if (v < 0) {
            raise_fmt(CLPOOL_EINVAL, "%s must not be negative: %zd", what, v);
            return -1;
        }
        *dims = 1;
        out[0] = (size_t)v;
        return 0;
    }
    PyObject *seq = PySequence_Fast(obj, "");
    if (seq == NULL) {
        PyErr_Clear();
        raise_fmt(CLPOOL_EINVAL, "%s must be an int or a tuple of 1 to 3 ints", what);
        return -1;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n < 1 || n > CLPOOL_MAX_DIMS) {
        Py_DECREF(seq);
        raise_fmt(CLPOOL_EINVAL, "%s has %zd dimensions; clpool takes 1 to 3", what, n);
        return -1;
    }
    for (Py_ssize_t d = 0; d < n; d++) {
        Py_ssize_t v = PyNumber_Check(PySequence_Fast_GET_ITEM(seq, d))
                           ? PyNumber_AsSsize_t(PySequence_Fast_GET_ITEM(seq, d), PyExc_OverflowError)
                           : -2;
        if (v == -1 && PyErr_Occurred()) {
            Py_DECREF(seq);
            return -1;
        }
        if (v < 0) {
            Py_DECREF(seq);
            raise_fmt(CLPOOL_EINVAL, "%s[%zd] must be a non-negative int", what, d);
            return -1;
        }
        out[d] = (size_t)v;
    }
    *dims = (unsigned)n;
    Py_DECREF(seq);
    return 0;
}

static int is_plain_1d(const clpool_range *r)
{
    return r->dims == 1 && r->local[0] == 0 && r->offset[0] == 0;
}

/* Runs (future NULL) or starts (future set) a map over range r. */
static PyObject *kernel_run(KernelObject *self, clpool_range *r, PyObject *const *objs, size_t n,
                            PyObject *future)
{
    PoolObject *pool = self->prog->pool;
    if (pool_check(pool) < 0)
        return NULL;
    size_t items = 1;
    for (unsigned d = 0; d < r->dims; d++) {
        if (r->global[d] != 0 && items > SIZE_MAX / r->global[d])
            return raise_fmt(CLPOOL_EOVERFLOW, "the range's size overflows");
        items *= r->global[d];
    }
    argblock a;
    if (match_args(self, objs, n, items, &a) < 0)
        return NULL;

    int direct = future == NULL && (PyThread_get_thread_ident() != main_thread_ident ||
                                    (Py_ssize_t)items <= direct_items || items == 0);
    int st;
    if (direct) {
        char *msg = NULL;
        pool->busy++;
        Py_BEGIN_ALLOW_THREADS
        st = is_plain_1d(r) ? clpool_map(self->k, r->global[0], a.args, n)
                            : clpool_map_range(self->k, r, a.args, n);
        if (st != CLPOOL_OK)
            msg = dup_str(clpool_errmsg(pool->p));
        Py_END_ALLOW_THREADS
        pool->busy--;
        argblock_release(&a);
        if (st != CLPOOL_OK) {
            raise_status(st, msg);
            free(msg);
            return NULL;
        }
        Py_RETURN_NONE;
    }

    job *j = calloc(1, sizeof *j);
    if (j == NULL) {
        argblock_release(&a);
        return PyErr_NoMemory();
    }
    j->blk = a;
    j->refs = PyTuple_New((Py_ssize_t)n + 1);
    if (j->refs == NULL) {
        argblock_release(&a);
        free(j);
        return NULL;
    }
    Py_INCREF(self);
    PyTuple_SET_ITEM(j->refs, 0, (PyObject *)self);
    for (size_t i = 0; i < n; i++) {
        Py_INCREF(objs[i]);
        PyTuple_SET_ITEM(j->refs, (Py_ssize_t)i + 1, objs[i]);
    }
    char *msg = NULL;
    if (future != NULL) {
        Py_INCREF(future);
        j->future = future;
    }
    j->k = self->k;
    j->range = *r;
    /* busy: a close in another thread waits until the event is queued,
     * so that its join of the waiter sees it. */
    pool->busy++;
    if (future != NULL) {
        Py_BEGIN_ALLOW_THREADS
        st = is_plain_1d(r) ? clpool_map_async(self->k, r->global[0], a.args, n, &j->ev)
                            : clpool_map_range_async(self->k, r, a.args, n, &j->ev);
        if (st != CLPOOL_OK)
            msg = dup_str(clpool_errmsg(pool->p));
        Py_END_ALLOW_THREADS
    } else {
        st = CLPOOL_OK; /* the waiter runs it (j->ev NULL) */
    }
    int queued = st == CLPOOL_OK && enqueue(pool, j) == 0;
    pool->busy--;
    if (st == CLPOOL_OK && !queued) {
        /* No waiter: wait (or run the map) here, so that nothing is lost. */
        Py_BEGIN_ALLOW_THREADS
        st = j->ev != NULL ? clpool_wait(j->ev)
             : is_plain_1d(r) ? clpool_map(self->k, r->global[0], a.args, n)
                              : clpool_map_range(self->k, r, a.args, n);
        if (st != CLPOOL_OK)
            msg = dup_str(clpool_errmsg(pool->p));
        Py_END_ALLOW_THREADS
        if (st == CLPOOL_OK)
            st = CLPOOL_ENOMEM, msg = dup_str("could not start the waiter thread");
    } else if (st == CLPOOL_OK && future != NULL) {
        Py_RETURN_NONE; /* the waiter resolves the future and frees j */
    }
    if (st != CLPOOL_OK) {
        argblock_release(&j->blk);
        Py_CLEAR(j->refs);
        Py_CLEAR(j->future);
        free(j);
        raise_status(st, msg);
        free(msg);
        return NULL;
    }

    /* A blocking map from the main thread: wait in slices, checking for
     * signals between them. */
    wstate *w = pool->w;
    for (;;) {
        int done;
        Py_BEGIN_ALLOW_THREADS
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&w->m);
        while (!j->done)
            if (pthread_cond_timedwait(&w->c, &w->m, &ts) == ETIMEDOUT)
                break;
        done = j->done;
        pthread_mutex_unlock(&w->m);
        Py_END_ALLOW_THREADS
        if (done)
            break;
        if (PyErr_CheckSignals() < 0) {
            pthread_mutex_lock(&w->m);
            done = j->done;
            if (!done)
                j->detached = 1; /* the waiter drops the references when it ends */
            pthread_mutex_unlock(&w->m);
            if (done) {
                argblock_release(&j->blk);
                Py_CLEAR(j->refs);
                free(j->msg);
                free(j);
            }
            return NULL;
        }
    }
    st = j->status;
    msg = j->msg;
    argblock_release(&j->blk);
    Py_CLEAR(j->refs);
    free(j);
    if (st != CLPOOL_OK) {
        raise_status(st, msg);
        free(msg);
        return NULL;
    }
    Py_RETURN_NONE;
}

/* k.map(n, *args) */
static PyObject *kernel_map(KernelObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1)
        return raise_fmt(CLPOOL_EINVAL, "map(n, *args): n is missing");
    clpool_range r = {0};
    if (!PyIndex_Check(args[0]))
        return raise_fmt(CLPOOL_EINVAL, "map(n, *args): n must be an int, not %s",
                         Py_TYPE(args[0])->tp_name);
    if (parse_sizes(args[0], "n", &r.dims, r.global) < 0)
        return NULL;
    return kernel_run(self, &r, args + 1, (size_t)nargs - 1, NULL);
}

/* The shared front of _run: (future, global, local, offset, *args). */
static PyObject *kernel_run_py(KernelObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 4)
        return raise_fmt(CLPOOL_EINVAL, "_run(future, global, local, offset, *args)");
    clpool_range r = {0};
    if (parse_sizes(args[1], "global", &r.dims, r.global) < 0)
        return NULL;
    unsigned dl = r.dims, doff = r.dims;
    if (args[2] != Py_None) {
        if (parse_sizes(args[2], "local", &dl, r.local) < 0)
            return NULL;
        if (dl != r.dims)
            return raise_fmt(CLPOOL_EINVAL, "local has %u dimensions, global has %u", dl, r.dims);
    }
    if (args[3] != Py_None) {
        if (parse_sizes(args[3], "offset", &doff, r.offset) < 0)
            return NULL;
        if (doff != r.dims)
            return raise_fmt(CLPOOL_EINVAL, "offset has %u dimensions, global has %u", doff,
                             r.dims);
    }
    PyObject *future = args[0] != Py_None ? args[0] : NULL;
    return kernel_run(self, &r, args + 4, (size_t)nargs - 4, future);
}

/* _c_saxpy_loop(kernel, reps, n, a, x, y) -> seconds: reps calls of
 * clpool_map(k, n, {f32 a, in x, inout y}) made straight from C, with the
 * arguments built once and no matching: the C API's cost on the same pool
 * and the same arrays, for `python -m clpool.bench --overhead`. */
static PyObject *kernel_c_saxpy_loop(KernelObject *self, PyObject *args)
{
    Py_ssize_t reps, n;
    float a;
    Py_buffer x, y;
    if (!PyArg_ParseTuple(args, "nnfy*w*:_c_saxpy_loop", &reps, &n, &a, &x, &y))
        return NULL;
    PoolObject *pool = self->prog->pool;
    if (pool_check(pool) < 0 || n < 0 || x.len < n * 4 || y.len < n * 4) {
        PyBuffer_Release(&x);
        PyBuffer_Release(&y);
        if (!PyErr_Occurred())
            raise_fmt(CLPOOL_EINVAL, "_c_saxpy_loop: arrays too short");
        return NULL;
    }
    clpool_arg cargs[3] = {clpool_f32(a), clpool_in(x.buf, 4), clpool_inout(y.buf, 4)};
    int st = CLPOOL_OK;
    struct timespec t0, t1;
    pool->busy++;
    Py_BEGIN_ALLOW_THREADS
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (Py_ssize_t i = 0; i < reps && st == CLPOOL_OK; i++)
        st = clpool_map(self->k, (size_t)n, cargs, 3);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    Py_END_ALLOW_THREADS
    pool->busy--;
    PyBuffer_Release(&x);
    PyBuffer_Release(&y);
    if (st != CLPOOL_OK)
        return raise_status(st, clpool_errmsg(pool->p));
    return PyFloat_FromDouble((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
}

/* ------------------------------------------------------------ type tables */

static PyMethodDef pool_methods[] = {
    {"close", (PyCFunction)pool_close, METH_NOARGS,
     "close()\n\nWaits for the maps in flight, then closes the pool. Idempotent."},
    {"program", (PyCFunction)(void (*)(void))pool_program, METH_VARARGS | METH_KEYWORDS,
     "program(source, options=None) -> Program\n\nBuilds OpenCL C source."},
    {"program_file", (PyCFunction)(void (*)(void))pool_program_file, METH_VARARGS | METH_KEYWORDS,
     "program_file(path, options=None) -> Program\n\nBuilds a .cl file."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef pool_getset[] = {
    {"describe", (getter)pool_describe, NULL, "What runs the maps, and why (clpool_describe).", NULL},
    {"closed", (getter)pool_closed, NULL, "Whether close() has run.", NULL},
    {"errmsg", (getter)pool_errmsg, NULL, "The detail of the pool's last failure.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject PoolType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "clpool._clpool._Pool",
    .tp_basicsize = sizeof(PoolObject),
    .tp_dealloc = (destructor)pool_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The C half of clpool.Pool.",
    .tp_weaklistoffset = offsetof(PoolObject, weakreflist),
    .tp_methods = pool_methods,
    .tp_getset = pool_getset,
    .tp_init = (initproc)pool_init,
    .tp_new = pool_new,
};

static PyMethodDef program_methods[] = {
    {"kernel", (PyCFunction)program_kernel, METH_O,
     "kernel(name) -> Kernel\n\nThe __kernel function of that name."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef program_getset[] = {
    {"log", (getter)program_log, NULL, "The build log (warnings) of the program.", NULL},
    {"pool", (getter)program_pool, NULL, "The pool that built the program.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject ProgramType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "clpool._clpool._Program",
    .tp_basicsize = sizeof(ProgramObject),
    .tp_dealloc = (destructor)program_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The C half of clpool.Program.",
    .tp_weaklistoffset = offsetof(ProgramObject, weakreflist),
    .tp_methods = program_methods,
    .tp_getset = program_getset,
};

static PyMethodDef kernel_methods[] = {
    {"map", (PyCFunction)(void (*)(void))kernel_map, METH_FASTCALL,
     "map(n, *args)\n\n"
     "Runs the kernel once for each item i in range(n) (get_global_id(0) == i) and returns\n"
     "when the results are in the arrays. args are matched to the kernel's parameters:\n"
     "numbers converted to the declared type (range-checked), numpy scalars of that exact\n"
     "type, numpy arrays as host arrays (C-contiguous, dtype checked; const pointers are\n"
     "inputs, others in and out; clpool.In/Out/InOut/Whole say otherwise), clpool.Buffer,\n"
     "clpool.Local(nbytes). A mismatch raises ArgumentError naming the parameter before\n"
     "anything runs. The GIL is released while the map runs.\n\n"
     "Ctrl-C: a map of more than 65536 work-items from the main thread is watched, and\n"
     "Ctrl-C raises KeyboardInterrupt at once. The map itself cannot be stopped: it runs on\n"
     "to its end in the background (its arrays kept alive, and written when it ends), and\n"
     "the pool stays usable; its next map starts after that one, and close() waits for it.\n"
     "Smaller maps, and maps from other threads, run in the calling thread (a one-item map\n"
     "costs what it costs from C) and are not interrupted."},
    {"_c_saxpy_loop", (PyCFunction)kernel_c_saxpy_loop, METH_VARARGS,
     "_c_saxpy_loop(reps, n, a, x, y) -> seconds: clpool_map straight from C (benchmarks)."},
    {"_run", (PyCFunction)(void (*)(void))kernel_run_py, METH_FASTCALL,
     "_run(future, global, local, offset, *args): the engine of map_range and map_async."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef kernel_members[] = {
    {"name", T_OBJECT, offsetof(KernelObject, name), READONLY, "The kernel's name."},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef kernel_getset[] = {
    {"params", (getter)kernel_params, NULL,
     "The parameters as (name, kind, type, base, size, const) tuples; None if unknown.", NULL},
    {"program", (getter)kernel_program, NULL, "The program the kernel belongs to.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject KernelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "clpool._clpool._Kernel",
    .tp_basicsize = sizeof(KernelObject),
    .tp_dealloc = (destructor)kernel_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The C half of clpool.Kernel.",
    .tp_weaklistoffset = offsetof(KernelObject, weakreflist),
    .tp_methods = kernel_methods,
    .tp_members = kernel_members,
    .tp_getset = kernel_getset,
};

static PyTypeObject HostArgType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "clpool._clpool._HostArg",
    .tp_basicsize = sizeof(HostArgObject),
    .tp_dealloc = (destructor)hostarg_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The C half of clpool.In, Out, InOut and Whole.",
    .tp_members = hostarg_members,
    .tp_init = (initproc)hostarg_init,
    .tp_new = PyType_GenericNew,
};

static PyTypeObject LocalType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "clpool.Local",
    .tp_basicsize = sizeof(LocalObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Local(nbytes)\n\nA __local pointer argument: nbytes of local memory for each "
              "work-group, shared by the group's work-items.",
    .tp_members = local_members,
    .tp_repr = (reprfunc)local_repr,
    .tp_init = (initproc)local_init,
    .tp_new = PyType_GenericNew,
};

static PyMethodDef buffer_methods[] = {
    {"write", (PyCFunction)(void (*)(void))buffer_write, METH_VARARGS | METH_KEYWORDS,
     "write(array, offset=0)\n\nCopies the array's bytes into the buffer at byte offset."},
    {"read", (PyCFunction)(void (*)(void))buffer_read, METH_VARARGS | METH_KEYWORDS,
     "read(array, offset=0)\n\nFills the (writable) array from the buffer at byte offset."},
    {"free", (PyCFunction)buffer_free, METH_NOARGS,
     "free()\n\nFrees the device memory now (also done when the object goes)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject HostMemType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "clpool._clpool._HostMem",
    .tp_basicsize = sizeof(HostMemObject),
    .tp_dealloc = (destructor)hostmem_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "_HostMem(pool, nbytes): a block of clpool_host_alloc memory (pool.empty).",
    .tp_as_buffer = &hostmem_as_buffer,
    .tp_members = hostmem_members,
    .tp_init = (initproc)hostmem_init,
    .tp_new = PyType_GenericNew,
};

static PyTypeObject BufferType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "clpool._clpool._Buffer",
    .tp_basicsize = sizeof(BufferObject),
    .tp_dealloc = (destructor)buffer_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The C half of clpool.Buffer.",
    .tp_methods = buffer_methods,
    .tp_members = buffer_members,
    .tp_init = (initproc)buffer_init,
    .tp_new = PyType_GenericNew,
};

/* ------------------------------------------------------------------ module */

static PyObject *mod_setup(PyObject *mod, PyObject *args)
{
    (void)mod;
    PyObject *errors, *prog, *kern;
    unsigned long main_ident;
    if (!PyArg_ParseTuple(args, "O!O!O!k", &PyDict_Type, &errors, &PyType_Type, &prog,
                          &PyType_Type, &kern, &main_ident))
        return NULL;
    if (!PyType_IsSubtype((PyTypeObject *)prog, &ProgramType) ||
        !PyType_IsSubtype((PyTypeObject *)kern, &KernelType)) {
        PyErr_SetString(PyExc_TypeError, "_setup: wrong types");
        return NULL;
    }
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(errors, &pos, &key, &value)) {
        long s = PyLong_AsLong(key);
        if (s == -1 && PyErr_Occurred())
            return NULL;
        if (s > 0 || -s > N_STATUS)
            continue;
        Py_INCREF(value);
        Py_XSETREF(error_classes[-s], value);
    }
    Py_INCREF(prog);
    Py_INCREF(kern);
    program_type = (PyTypeObject *)prog;
    kernel_type = (PyTypeObject *)kern;
    main_thread_ident = main_ident;
    Py_RETURN_NONE;
}

static PyObject *mod_set_direct_items(PyObject *mod, PyObject *arg)
{
    (void)mod;
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    Py_ssize_t old = direct_items;
    direct_items = n;
    return PyLong_FromSsize_t(old);
}

static PyObject *mod_strerror(PyObject *mod, PyObject *arg)
{
    (void)mod;
    long s = PyLong_AsLong(arg);
    if (s == -1 && PyErr_Occurred())
        return NULL;
    return Py_BuildValue("(ss)", clpool_err_name((int)s), clpool_strerror((int)s));
}

static PyMethodDef module_methods[] = {
    {"_setup", mod_setup, METH_VARARGS, "_setup(errors, Program, Kernel, main_thread_ident)"},
    {"_set_direct_items", mod_set_direct_items, METH_O,
     "_set_direct_items(n) -> old: blocking maps from the main thread with at most n "
     "work-items run in the calling thread (not interruptible); bigger ones are watched "
     "for Ctrl-C."},
    {"strerror", mod_strerror, METH_O, "strerror(status) -> (name, message)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "clpool._clpool",
    "The C half of clpool: handles, argument matching and maps on the public C API.", -1,
    module_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__clpool(void)
{
    PyTypeObject *types[] = {&PoolType, &ProgramType, &KernelType, &HostArgType, &LocalType,
                             &BufferType, &HostMemType};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (PyType_Ready(types[i]) < 0)
            return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (m == NULL)
        return NULL;
    const char *names[] = {"_Pool", "_Program", "_Kernel", "_HostArg", "Local", "_Buffer",
                           "_HostMem"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        Py_INCREF(types[i]);
        if (PyModule_AddObject(m, names[i], (PyObject *)types[i]) < 0) {
            Py_DECREF(types[i]);
            Py_DECREF(m);
            return NULL;
        }
    }
    if (PyModule_AddStringConstant(m, "version", CLPOOL_VERSION_STRING) < 0 ||
        PyModule_AddIntConstant(m, "MODE_DEFAULT", MODE_DEFAULT) < 0 ||
        PyModule_AddIntConstant(m, "MODE_IN", MODE_IN) < 0 ||
        PyModule_AddIntConstant(m, "MODE_OUT", MODE_OUT) < 0 ||
        PyModule_AddIntConstant(m, "MODE_INOUT", MODE_INOUT) < 0) {
        Py_DECREF(m);
        return NULL;
    }
#define ADD_STATUS(name, value, msg)                                                           \
    if (PyModule_AddIntConstant(m, "CLPOOL_" #name, value) < 0) {                              \
        Py_DECREF(m);                                                                          \
        return NULL;                                                                           \
    }
    CLPOOL_STATUS_MAP(ADD_STATUS)
#undef ADD_STATUS
    return m;
}
