/*
 * Declarations shared inside libclpool. Nothing here is public; every
 * non-static name carries the clpool__ prefix.
 */
#ifndef CLPOOL_INTERNAL_H
#define CLPOOL_INTERNAL_H

#include "clpool.h"

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>

#include "cache.h"
#include "clc/signature.h"

#if defined(__GNUC__) || defined(__clang__)
#define CLPOOL__PRINTF(f, a) __attribute__((format(printf, f, a)))
#define CLPOOL__NOINLINE __attribute__((noinline))
#else
#define CLPOOL__PRINTF(f, a)
#define CLPOOL__NOINLINE
#endif

struct clpool__backend_ops;

struct clpool {
    /* Held by every public call that uses the pool, so that threads may
     * share it; the backend's slots run with it held. */
    pthread_mutex_t lock;
    const struct clpool__backend_ops *ops;
    void *impl;               /* the backend's state */
    clpool_config cfg;        /* the strings below are the pool's own copies */
    char *cfg_device;
    char *cfg_cache_dir;
    size_t max_alloc;         /* largest single buffer the backend can make */
    int chunk_overlap;        /* set by the backend's open: whether a chunked map's
                                 copies should overlap its running chunk by default
                                 (chunk.c; CLPOOL_CHUNK_OVERLAP overrides) */
    clpool__cache cache;
    char *describe;
    char *errmsg;             /* NULL means "" */
    long owner;               /* getpid() of the process that opened it: in a forked
                                 child, clpool_close leaves the pool alone */
    struct clpool_program *programs; /* every live program, for clpool_close */
    struct clpool_buffer *buffers;   /* every live buffer, for clpool_close */
    struct clpool__async *async;     /* clpool_map_async's queue and thread (async.c);
                                        NULL until the first async map */
    struct clpool__hostmem *hostmem; /* clpool_host_alloc's blocks (hostmem.c) */
    unsigned long hostmem_views;     /* host arrays passed in place so far (hostmem.c),
                                        which tests read to tell them from copies */
};

struct clpool_program {
    clpool *pool;
    void *impl;               /* the backend's program */
    char *source;             /* the OpenCL C text */
    char *path;               /* the .cl file's path, or "<source>" */
    char *options;            /* build options ("" if none) */
    char *log;                /* build log of a successful build (NULL if none) */
    int from_cache;           /* set by the backend: the build came from the disk cache */
    char cache_key[65];       /* with from_cache: the entry's key, so that an entry the
                                 backend then cannot load can be dropped */
    clpool__kernel_sig *sigs; /* __kernel signatures parsed from source */
    size_t nsigs;
    struct clpool_kernel **kernels; /* handed out by clpool_kernel_get */
    size_t nkernels;
    struct clpool_program *prev, *next;
};

/* A map's range as the backends see it (host/range.c makes it from a
 * clpool_range): entries past dims are global 1, local 1, offset 0. local is
 * all 0 when nobody chose one (no reqd_work_group_size, none given): the
 * backend picks. */
typedef struct clpool__nd {
    unsigned dims;
    size_t global[CLPOOL_MAX_DIMS], local[CLPOOL_MAX_DIMS], offset[CLPOOL_MAX_DIMS];
    size_t items; /* the product of global */
} clpool__nd;

/* What a backend's kernel_create tells the core about a kernel, for the
 * range and argument checks. */
typedef struct clpool__kernel_limits {
    size_t reqd[CLPOOL_MAX_DIMS]; /* reqd_work_group_size, all 0 if none */
    size_t max_group;             /* most work-items in one group */
    size_t max_item[CLPOOL_MAX_DIMS]; /* most work-items of a group per dimension */
    size_t local_mem;             /* bytes of __local memory a group may have */
    /* A range given no local sizes gets groups of min(global[0],
     * auto_group) x 1 x 1 items (they may not divide the global sizes: the
     * last group of a dimension is then smaller, as in OpenCL 2.0); 0: the
     * local sizes stay 0 and the backend's runtime picks. A field, not a
     * backend call: it is on every map's path. */
    size_t auto_group;
} clpool__kernel_limits;

struct clpool_kernel {
    clpool_program *prog;
    char *name;
    const clpool__kernel_sig *sig; /* NULL if the parser did not see it */
    clpool__kernel_limits limits;  /* set by the backend's kernel_create */
    void *impl;                    /* the backend's kernel */
    void *window_impl;             /* the backend's kernel for chunks (window_start), made
                                      on first use; NULL until then */
    int window_whole_only;         /* the backend's note, made with window_impl: this
                                      kernel runs only in a window over the whole range */
    int window_never;              /* the backend's note: this kernel has a wrapper it
                                      must not run (clpool__window_local_vars) */
};

struct clpool_buffer {
    clpool *pool;
    size_t size;
    void *impl;               /* the backend's buffer */
    struct clpool_buffer *prev, *next;
};


/* Records a failure on pool (formatted message) and returns status, so that
 * error paths read `return clpool__error(pool, CLPOOL_EINVAL, "...", ...);`.
 * pool NULL records it as the calling thread's open error. */
int clpool__error(clpool *pool, int status, const char *fmt, ...) CLPOOL__PRINTF(3, 4);
int clpool__verror(clpool *pool, int status, const char *fmt, va_list ap);
/* clpool__error for a public entry point that does not hold the pool's lock
 * yet (an argument refused before any work): takes the lock around the
 * message, so every failing call leaves its own message, never the last
 * call's. */
int clpool__error_locked(clpool *pool, int status, const char *fmt, ...) CLPOOL__PRINTF(3, 4);
/* Replaces the message with one taken as is (a build log may hold '%'). */
int clpool__error_text(clpool *pool, int status, const char *text);
/* Makes msg (heap or NULL, now owned by the pool) the pool's message and
 * returns the one it replaces, now the caller's. Work whose failure must not
 * show on the pool (yet) runs between swap(pool, NULL) and a swap back of
 * what the first returned; the second returns that work's message. */
char *clpool__error_swap(clpool *pool, char *msg);

/* clpool_open's failure message belongs to the calling thread: these move a
 * half-made pool's message there, and clear it on success. */
void clpool__error_to_thread(clpool *pool);
void clpool__error_clear_thread(void);

/* Sentinels clpool_config_init leaves for environment values it could not
 * parse, so that clpool_open can report them. */
#define CLPOOL__BAD_BACKEND ((clpool_backend)-1)
#define CLPOOL__BAD_WORKERS (-1)

/* The bytes of a scalar argument. */
static inline const void *clpool__arg_bytes(const clpool_arg *a)
{
    return a->host != NULL ? a->host : (const void *)&a->value;
}

/* A buffer that is not on the pool's list (host arrays' temporaries), and
 * its free function. */
int clpool__buffer_make(clpool *pool, size_t bytes, clpool_buffer **out);
void clpool__buffer_destroy(clpool_buffer *buf);

/* Checks args against k's parameters (count, buffer or scalar, sizes, host
 * array sizes for n items, __local sizes, whole arrays) and records a
 * message naming the kernel and the parameter on failure. On success
 * *host_arrays (if not NULL) says whether any argument is a host array,
 * elementwise or whole. */
int clpool__args_check(clpool_kernel *k, size_t n, const clpool_arg *args, size_t nargs,
                       int *host_arrays);

/* Whether an argument is an elementwise host array (clpool_in/out/inout),
 * or a whole one (clpool_array_*). */
static inline int clpool__is_elementwise(const clpool_arg *a)
{
    return a->kind == CLPOOL_ARG_IN || a->kind == CLPOOL_ARG_OUT || a->kind == CLPOOL_ARG_INOUT;
}
static inline int clpool__is_whole_array(const clpool_arg *a)
{
    return a->kind == CLPOOL_ARG_ARRAY_IN || a->kind == CLPOOL_ARG_ARRAY_OUT ||
           a->kind == CLPOOL_ARG_ARRAY_INOUT;
}

/* The 1-D range of n items (no local size, no offset). */
static inline void clpool__nd_1d(clpool__nd *nd, size_t n)
{
    *nd = (clpool__nd){.dims = 1, .global = {n, 1, 1}, .items = n};
}
/* Checks range for k and turns it into *nd (range.c): dims, overflow,
 * local sizes against the global sizes and the kernel's limits, the
 * kernel's reqd_work_group_size. Records the message on failure. */
int clpool__range_resolve_checked(clpool_kernel *k, const clpool_range *range, clpool__nd *nd);

/* clpool__range_resolve_checked, with the plain 1-D range (no local size,
 * no offset, no reqd_work_group_size: every small map's) made here: it has
 * nothing to check, and the call alone cost a one-item map 40 of its ~850
 * parent-side instructions (callgrind). */
static inline int clpool__range_resolve(clpool_kernel *k, const clpool_range *range,
                                        clpool__nd *nd)
{
    if (range->dims == 1 && range->local[0] == 0 && range->offset[0] == 0 &&
        k->limits.reqd[0] == 0) {
        clpool__nd_1d(nd, range->global[0]);
        return CLPOOL_OK;
    }
    return clpool__range_resolve_checked(k, range, nd);
}
/* The range of a map of n items given no range (clpool_map, the async
 * maps without one): made here when the kernel declares no
 * reqd_work_group_size, else checked against it. */
static inline int clpool__range_1d(clpool_kernel *k, size_t n, clpool__nd *nd)
{
    if (k->limits.reqd[0] == 0) {
        clpool__nd_1d(nd, n);
        return CLPOOL_OK;
    }
    const clpool_range range = {1, {n}, {0}, {0}};
    return clpool__range_resolve_checked(k, &range, nd);
}
/* The linear index of the range's offset with the global sizes as pitches
 * (offset[0] + offset[1]*global[0] + ...): how far an elementwise host
 * array is shifted, so that a kernel indexing it by absolute ids (x[i],
 * y*w + x) finds element 0 at the first item. */
size_t clpool__nd_linear_offset(const clpool__nd *nd);

/* A map with the pool's lock held: what clpool_map and clpool_map_range
 * run, and what the async thread runs for the async maps (map.c). nd's
 * local sizes are set here if they are 0 and the backend picks them
 * (k->limits.auto_group). */
int clpool__map_locked(clpool_kernel *k, clpool__nd *nd, const clpool_arg *args, size_t nargs);

/* clpool_host_alloc's blocks (hostmem.c). view: if [host, host+bytes) lies
 * in a live block and the backend can pass it in place, fills *view (a
 * buffer owned by the caller, not on the pool's list) so that the kernel's
 * pointer is host - shift, and returns 1; else 0, with no message. unview
 * releases a view after the map that used it; written (the map succeeded
 * and may have written it) first makes the results visible in host memory,
 * and its failure is returned. hold/release bracket an async map that may
 * use blocks, so that freeing one waits for it. */
int clpool__hostmem_view(clpool *pool, const void *host, size_t bytes, size_t shift,
                         clpool_buffer *view);
int clpool__hostmem_unview(clpool_buffer *view, int written);
void clpool__hostmem_hold(clpool *pool, const clpool_arg *args, size_t nargs, size_t items);
void clpool__hostmem_release(clpool *pool, const clpool_arg *args, size_t nargs, size_t items);
void clpool__hostmem_close(clpool *pool);

/* Stops the pool's async thread after the map it is running, and frees
 * every event not waited for (async.c). The pool's lock is not held. */
void clpool__async_stop(clpool *pool);

/* Heap copies; NULL on allocation failure (or for a NULL s in strdup). */
char *clpool__strdup(const char *s);
char *clpool__asprintf(const char *fmt, ...) CLPOOL__PRINTF(1, 2);

/* Reads a whole file into a NUL-terminated heap string. On failure returns
 * CLPOOL_EIO/ENOMEM and records a message naming the path and the reason. */
int clpool__read_file(clpool *pool, const char *path, char **out, size_t *len);

/* Overflow-checked size arithmetic: 0 on success, -1 on overflow. */
static inline int clpool__mul_size(size_t a, size_t b, size_t *out)
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_mul_overflow(a, b, out) ? -1 : 0;
#else
    if (a != 0 && b > (size_t)-1 / a)
        return -1;
    *out = a * b;
    return 0;
#endif
}

#endif /* CLPOOL_INTERNAL_H */
