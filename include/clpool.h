/*
 * clpool: run OpenCL C map kernels over arrays, on an OpenCL device or on a
 * pool of forked worker processes that run the same kernel compiled to native
 * code.
 *
 * The whole public API is this header. Conventions, which hold for every
 * function below unless its comment says otherwise:
 *
 *  - Fallible calls return a status: CLPOOL_OK (0) or a negative CLPOOL_E*
 *    code. The detail behind a failure (the build log, the device list, the
 *    pid and signal of a dead worker) is in clpool_errmsg(pool) until the next
 *    failing call on the same pool. The library never prints, never calls
 *    exit() or abort().
 *  - Handles are opaque. Each is made by one function and freed by one
 *    function; free functions accept NULL. A program, buffer or kernel must be
 *    freed before the pool it came from is closed; clpool_close() frees
 *    whatever is left, so the handles are invalid after it.
 *  - Threads: every call may be made from any thread. Calls on one pool (and
 *    on its programs, kernels and buffers) take the pool's lock, so threads
 *    may share a pool and their maps run one after another; different pools
 *    run concurrently. The exceptions are the ends of a handle's life: no
 *    other thread may be using a handle while it is freed, or a pool while it
 *    is closed. clpool_errmsg(pool) gives the calling thread its own copy of
 *    the message of the most recent failure on the pool, by whichever thread.
 *  - Processes: a pool belongs to the process that opened it; do not use it in
 *    a child after fork().
 */
#ifndef CLPOOL_H
#define CLPOOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CLPOOL_VERSION_MAJOR 0
#define CLPOOL_VERSION_MINOR 1
#define CLPOOL_VERSION_PATCH 0
#define CLPOOL_VERSION_STRING "0.1.0"

#if defined(__GNUC__) || defined(__clang__)
#define CLPOOL_NODISCARD __attribute__((warn_unused_result))
#define CLPOOL_EXTERN __attribute__((visibility("default")))
#else
#define CLPOOL_NODISCARD
#define CLPOOL_EXTERN
#endif

/*
 * Status codes. XX(name, value, message): the one table that the enum,
 * clpool_err_name() and clpool_strerror() are all made from.
 */
#define CLPOOL_STATUS_MAP(XX)                                                          \
    XX(OK, 0, "success")                                                               \
    XX(EINVAL, -1, "invalid argument")                                                 \
    XX(ENOMEM, -2, "out of memory")                                                    \
    XX(ENODEV, -3, "no usable device or backend")                                      \
    XX(EBUILD, -4, "program build failed")                                             \
    XX(ENOKERNEL, -5, "no kernel of that name in the program")                         \
    XX(EARG, -6, "kernel arguments do not match the kernel's parameters")              \
    XX(EWORKER, -7, "a worker process died")                                           \
    XX(ETIMEDOUT, -8, "the map ran past its time limit")                               \
    XX(EIO, -9, "input/output error")                                                  \
    XX(EOPENCL, -10, "the OpenCL runtime reported an error")                           \
    XX(EOVERFLOW, -11, "a size computation overflowed")

typedef enum clpool_status {
#define CLPOOL_STATUS_ENUM_(name, value, msg) CLPOOL_##name = (value),
    CLPOOL_STATUS_MAP(CLPOOL_STATUS_ENUM_)
#undef CLPOOL_STATUS_ENUM_
} clpool_status;

/* "success", "program build failed", ...; "unknown status" for other values.
 * The string is static. */
CLPOOL_EXTERN const char *clpool_strerror(int status);
/* "CLPOOL_OK", "CLPOOL_EBUILD", ...; "CLPOOL_UNKNOWN" for other values. */
CLPOOL_EXTERN const char *clpool_err_name(int status);

/* ------------------------------------------------------------------ pools */

typedef struct clpool clpool;
typedef struct clpool_program clpool_program;
typedef struct clpool_kernel clpool_kernel;
typedef struct clpool_buffer clpool_buffer;
typedef struct clpool_event clpool_event;

typedef enum clpool_backend {
    CLPOOL_AUTO = 0, /* an OpenCL GPU or accelerator if there is one, else fork workers */
    CLPOOL_OPENCL,   /* an OpenCL device (cfg.device picks which); error if none */
    CLPOOL_FORK      /* forked worker processes running the kernel as native code */
} clpool_backend;

typedef struct clpool_config {
    clpool_backend backend; /* AUTO: an OpenCL GPU if there is one, else fork workers */
    const char *device;     /* OpenCL device filter: "gpu", "cpu", "accelerator", or a
                               case-insensitive part of the device name; NULL = any,
                               GPUs first */
    int workers;            /* fork backend: number of processes; 0 = online CPUs */
    const char *cache_dir;  /* NULL = default per-user cache, "" = no cache */
    unsigned timeout_ms;    /* per map call; 0 = no limit */
} clpool_config;

/*
 * Fills *cfg with the defaults, then applies the environment:
 *   CLPOOL_BACKEND     auto | opencl | fork
 *   CLPOOL_DEVICE      the device filter
 *   CLPOOL_WORKERS     number of fork workers
 *   CLPOOL_CACHE_DIR   cache directory ("" disables the cache)
 *   CLPOOL_TIMEOUT_MS  per-map time limit
 * and, read by every map rather than here:
 *   CLPOOL_MAX_CHUNK_BYTES  the most bytes of one host array that a map puts
 *                      in one buffer (see clpool_map; default 4 MiB, never
 *                      more than the device's largest allocation);
 *                      unparseable or 0: ignored
 *   CLPOOL_CHUNK_OVERLAP   1: a chunked map copies the next chunk in and the
 *                      last one out while a chunk runs (two windows per
 *                      host array); 0: one chunk after another. Unset: 1 on
 *                      an OpenCL device with memory of its own (a GPU), 0
 *                      on a CPU device and on the fork backend, where the
 *                      copies and the kernel share the same memory and
 *                      overlapping them measured slower
 * Unparseable values are ignored here; clpool_open() reports them with
 * CLPOOL_EINVAL. The strings in *cfg point into the environment and must not
 * be freed.
 */
CLPOOL_EXTERN void clpool_config_init(clpool_config *cfg);

/*
 * Opens a pool: chooses the backend, opens the device or starts the workers.
 * cfg may be NULL (then clpool_config_init's result is used). cfg and its
 * strings are copied; they need not outlive the call.
 * On failure *out is NULL and clpool_errmsg(NULL), in the same thread, says
 * why (for a forced backend that is missing: the reason; AUTO never fails
 * over silently to something it did not describe).
 */
CLPOOL_EXTERN CLPOOL_NODISCARD int clpool_open(const clpool_config *cfg, clpool **out);

/* Frees every program, kernel, buffer and event left on the pool, stops its
 * workers or releases its device. NULL is allowed. */
CLPOOL_EXTERN void clpool_close(clpool *pool);

/* What runs the maps and why it was chosen, e.g.
 * "opencl: NVIDIA H100 (NVIDIA CUDA, OpenCL 3.0)" or
 * "fork: 2 workers (no OpenCL GPU: 1 platform, CPU devices only)",
 * followed by the cache's state. Owned by the pool, valid until it is closed. */
CLPOOL_EXTERN const char *clpool_describe(const clpool *pool);

/* The detail of the last failure on pool ("" if none). With pool NULL: the
 * calling thread's last failed clpool_open(). Owned by the library; valid in
 * the calling thread until its next clpool_errmsg (or clpool_open) call. */
CLPOOL_EXTERN const char *clpool_errmsg(const clpool *pool);

/* ---------------------------------------------------------------- programs */

/*
 * Builds an OpenCL C program from a .cl file or from source text. options are
 * OpenCL build options ("-DN=4 -cl-fast-relaxed-math"); NULL means none.
 * Built programs are cached on disk (see clpool_config.cache_dir), keyed by a
 * SHA-256 of the source, options, device, driver and clpool version.
 * CLPOOL_EBUILD: clpool_errmsg() holds the compiler's whole log, with line
 * numbers of the .cl file. The program owns its kernels.
 */
CLPOOL_EXTERN CLPOOL_NODISCARD int clpool_program_file(clpool *pool, const char *path, const char *options,
                                         clpool_program **out);
CLPOOL_EXTERN CLPOOL_NODISCARD int clpool_program_source(clpool *pool, const char *source,
                                           const char *options, clpool_program **out);
/* The build log of a program that built (warnings), "" if none. Owned by prog. */
CLPOOL_EXTERN const char *clpool_program_log(const clpool_program *prog);
/* Frees the program and the kernels taken from it. NULL is allowed. */
CLPOOL_EXTERN void clpool_program_free(clpool_program *prog);

/* Finds a __kernel function by name. The kernel is owned by prog: never free
 * it; it is valid until prog is freed. Asking twice gives the same handle.
 * CLPOOL_ENOKERNEL: clpool_errmsg() lists the kernels the program has.
 * CLPOOL_EBUILD: the backend cannot run this kernel (the fork backend and
 * barrier, __local memory, images, ...); clpool_errmsg() names the
 * construct and its line. The program's other kernels are not affected. */
CLPOOL_EXTERN CLPOOL_NODISCARD int clpool_kernel_get(clpool_program *prog, const char *name,
                                       clpool_kernel **out);

/* ----------------------------------------------------------------- buffers */

/*
 * Device buffers, for data that stays on the device across maps. Contents
 * start undefined. A size over the device's largest allocation is refused
 * with the limit in the message. Reads and writes past the end are
 * CLPOOL_EINVAL and copy nothing. Both block until the copy is complete.
 *
 * On the fork backend every buffer (host arrays' temporary copies
 * included) ends against an inaccessible guard page: a kernel that reads or
 * writes past the end of a buffer fails the map with CLPOOL_EWORKER naming
 * the worker and its items, instead of changing the next buffer. Buffers
 * start on a 128-byte boundary, so the check is exact for sizes that are a
 * multiple of 128 bytes; for other sizes an overrun of less than the
 * rounding to 128 bytes is not caught. OpenCL devices give no such check.
 */
CLPOOL_EXTERN CLPOOL_NODISCARD int clpool_buffer_new(clpool *pool, size_t bytes, clpool_buffer **out);
CLPOOL_EXTERN CLPOOL_NODISCARD int clpool_buffer_write(clpool_buffer *buf, size_t offset, const void *src,
                                         size_t bytes);
CLPOOL_EXTERN CLPOOL_NODISCARD int clpool_buffer_read(clpool_buffer *buf, size_t offset, void *dst,
                                        size_t bytes);
CLPOOL_EXTERN size_t clpool_buffer_size(const clpool_buffer *buf);
CLPOOL_EXTERN void clpool_buffer_free(clpool_buffer *buf);

/* --------------------------------------------------------------- arguments */

typedef enum clpool_arg_kind {
    CLPOOL_ARG_NONE = 0,
    CLPOOL_ARG_BUFFER, /* a clpool_buffer for a __global/__constant pointer */
    CLPOOL_ARG_IN,     /* a host array, copied to the device before the map */
    CLPOOL_ARG_OUT,    /* a host array, copied back after the map */
    CLPOOL_ARG_INOUT,  /* both */
    CLPOOL_ARG_SCALAR, /* a by-value parameter */
    CLPOOL_ARG_LOCAL,  /* a __local pointer parameter: size bytes per work-group */
    CLPOOL_ARG_ARRAY_IN,    /* a whole host array of size bytes, copied in */
    CLPOOL_ARG_ARRAY_OUT,   /* a whole host array of size bytes, copied back */
    CLPOOL_ARG_ARRAY_INOUT  /* both */
} clpool_arg_kind;

/*
 * One kernel argument. Make it with the constructors below; the fields are
 * public only so that arrays of arguments can be built on the stack.
 * Host arrays are elementwise: the kernel's item i uses element i, so the
 * array holds n elements of elem_size bytes (which must match the pointee
 * size of the kernel's parameter).
 */
typedef struct clpool_arg {
    clpool_arg_kind kind;
    size_t size;            /* scalar: its size; host array: element size */
    clpool_buffer *buf;     /* CLPOOL_ARG_BUFFER */
    const void *host;       /* host arrays, and clpool_scalar()'s bytes */
    union {
        int32_t i32;
        uint32_t u32;
        int64_t i64;
        uint64_t u64;
        float f32;
        double f64;
    } value;                /* the typed scalar constructors store here */
} clpool_arg;
/* (For whole arrays and clpool_local, size is the array's or the work-group's
 * byte count.) */

CLPOOL_EXTERN clpool_arg clpool_buf(clpool_buffer *buf);               /* a __global pointer parameter */
CLPOOL_EXTERN clpool_arg clpool_in(const void *host, size_t elem_size);   /* host array, elementwise, read */
CLPOOL_EXTERN clpool_arg clpool_out(void *host, size_t elem_size);        /* host array, elementwise, written */
CLPOOL_EXTERN clpool_arg clpool_inout(void *host, size_t elem_size);      /* host array, elementwise, both */
CLPOOL_EXTERN clpool_arg clpool_i32(int32_t v);
CLPOOL_EXTERN clpool_arg clpool_u32(uint32_t v);
CLPOOL_EXTERN clpool_arg clpool_i64(int64_t v);
CLPOOL_EXTERN clpool_arg clpool_u64(uint64_t v);
CLPOOL_EXTERN clpool_arg clpool_f32(float v);
CLPOOL_EXTERN clpool_arg clpool_f64(double v);
/* Any other by-value parameter (a struct, a vector type). The bytes are read
 * during clpool_map / clpool_map_async and need not outlive the call. */
CLPOOL_EXTERN clpool_arg clpool_scalar(const void *bytes, size_t size);

/*
 * A __local pointer parameter: bytes of local memory for each work-group,
 * shared by the group's items. bytes must be more than 0 and at most the
 * device's local memory (CLPOOL_EINVAL names the limit; the fork backend's
 * is 1 MiB, each worker holding one group's at a time). Giving it to a
 * parameter that is not __local, or anything else to a __local parameter,
 * is CLPOOL_EARG naming the parameter.
 */
CLPOOL_EXTERN clpool_arg clpool_local(size_t bytes);

/*
 * Whole host arrays, for data the kernel may index anywhere: lookup tables,
 * counters, the neighbours of a stencil. The bytes are copied to the device
 * before the map and (out, inout) back after it, and are never chunked:
 * every chunk of a chunked map sees the whole array. A pointer parameter
 * given one of these must point to elements whose size divides bytes. More
 * bytes than the device can hold in one allocation is CLPOOL_EOVERFLOW with
 * the limit in the message. Atomics on a whole array work across the fork
 * backend's workers (the array lives in memory they share). Arrays inside
 * clpool_host_alloc'd memory are used in place (see there).
 */
CLPOOL_EXTERN clpool_arg clpool_array_in(const void *host, size_t bytes);
CLPOOL_EXTERN clpool_arg clpool_array_out(void *host, size_t bytes);
CLPOOL_EXTERN clpool_arg clpool_array_inout(void *host, size_t bytes);

/*
 * Host memory that every backend reads and writes without a copy where it
 * can. Host arrays (elementwise or whole) that lie inside it are passed in
 * place, with no staging copy and no chunks: on the fork backend it is the
 * workers' shared arena, and every array inside it is used in place; on
 * OpenCL it is memory that a CPU device uses in place (CL_MEM_USE_HOST_PTR)
 * or, on a device with memory of its own, pinned memory that the device
 * reaches by DMA (CL_MEM_ALLOC_HOST_PTR, mapped). OpenCL copies an array as
 * usual in a range with an offset, and where it does not start on a
 * multiple of the device's CL_DEVICE_MEM_BASE_ADDR_ALIGN (128 bytes on
 * PoCL). *out is page aligned; its contents start undefined.
 * clpool_host_free takes the pointer clpool_host_alloc gave (NULL is
 * allowed) and returns at once: memory that an async map still uses is
 * freed once that map has run (on OpenCL, memory that a kernel past its
 * time limit may still write, once that kernel has ended). Memory still
 * allocated when the pool closes is freed by clpool_close.
 */
CLPOOL_EXTERN CLPOOL_NODISCARD int clpool_host_alloc(clpool *pool, size_t bytes, void **out);
CLPOOL_EXTERN void clpool_host_free(clpool *pool, void *p);

/* ---------------------------------------------------------------------- maps */

/*
 * Runs kernel k once for each item i in [0, n): get_global_id(0) == i.
 * args are the kernel's arguments in parameter order; they are checked
 * against the kernel's parameters before anything runs (count, buffer or
 * scalar, scalar size, host-array element size), and a mismatch is
 * CLPOOL_EARG with a message naming the kernel and the parameter's position,
 * name and type. n == 0 succeeds without running anything.
 * Blocks until the results are visible in the buffers and host arrays.
 * Host arrays must hold n elements and must not overlap each other.
 *
 * Host arrays of any size: a host array bigger than the pool's chunk limit
 * (CLPOOL_MAX_CHUNK_BYTES, by default 4 MiB, and never more than the
 * device's largest allocation) makes the map run in chunks of consecutive items, each
 * host array passing through a buffer that holds one chunk's elements;
 * clpool_buf arguments are passed whole to every chunk. Chunking is
 * invisible to the kernel's indexing: get_global_id(0) is still the item's
 * index in [0, n) and element i is still at index i, so a kernel must use
 * element i of a host array only from item i (the elementwise rule above).
 * One difference shows: on the OpenCL backend get_global_size(0) is the
 * chunk's item count in a chunked map (and get_global_offset(0) its first
 * item), so a kernel that needs n should take it as an argument. A kernel whose parameters the parser could not read
 * (declared by a macro) cannot be chunked and its over-sized host arrays
 * are refused as before.
 */
CLPOOL_EXTERN CLPOOL_NODISCARD int clpool_map(clpool_kernel *k, size_t n, const clpool_arg *args,
                                size_t nargs);

/* clpool_map with an inline argument list:
 *   CLPOOL_MAP(k, n, clpool_f32(a), clpool_buf(x), clpool_buf(y)); */
#ifdef __cplusplus
#define CLPOOL_MAP(k, n, ...)                                                          \
    ([&]() {                                                                           \
        const clpool_arg clpool_args_[] = {__VA_ARGS__};                               \
        return clpool_map((k), (n), clpool_args_, sizeof clpool_args_ / sizeof clpool_args_[0]); \
    }())
#else
#define CLPOOL_MAP(k, n, ...)                                                          \
    clpool_map((k), (n), (const clpool_arg[]){__VA_ARGS__},                            \
               sizeof((const clpool_arg[]){__VA_ARGS__}) / sizeof(clpool_arg))
#endif

/* ------------------------------------------------------------------ ranges */

#define CLPOOL_MAX_DIMS 3

/*
 * An N-D range, as OpenCL's clEnqueueNDRangeKernel takes it. Entries past
 * dims are ignored. local all zero: clpool picks the work-group size (the
 * kernel's reqd_work_group_size where it declares one; see
 * clpool_map_range). offset is what get_global_offset(d) returns.
 */
typedef struct clpool_range {
    unsigned dims;                  /* 1, 2 or 3 */
    size_t global[CLPOOL_MAX_DIMS]; /* work-items in each used dimension */
    size_t local[CLPOOL_MAX_DIMS];  /* work-group size per used dimension; all 0: clpool picks */
    size_t offset[CLPOOL_MAX_DIMS]; /* get_global_offset(d) */
} clpool_range;

/*
 * Runs k over an N-D range. clpool_map(k, n, ...) is the 1-D range
 * {1, {n}, {0}, {0}}: everything said of clpool_map holds here.
 *
 * Host arrays (clpool_in/out/inout) hold one element per work-item: element
 * i belongs to the item whose linear index of get_global_id(d) -
 * get_global_offset(d), dimension 0 fastest, is i. So a kernel over
 * {width, height} that indexes y * width + x uses host arrays of width *
 * height elements. The kernel still indexes them by absolute ids: with an
 * offset, clpool shifts each host array by the offset's linear index
 * (offset[0] + offset[1] * global[0] + ...), so that x[get_global_id(0)]
 * in a 1-D range with offset b reads element 0 for the first item.
 *
 * Checked before anything runs, each failure naming the dimension and the
 * value: dims outside 1..3 is CLPOOL_EINVAL; a zero global size in a used
 * dimension succeeds without running anything (as n == 0 does); a local
 * size that is zero in some used dimensions but not all, or that does not
 * divide the global size (OpenCL 1.2's rule), or whose product is over the
 * device's or the kernel's work-group limit, or that differs from the
 * kernel's reqd_work_group_size, is CLPOOL_EINVAL; sizes whose products or
 * sums overflow a size_t are CLPOOL_EOVERFLOW.
 *
 * local all zero: the kernel's reqd_work_group_size if it declares one;
 * else on OpenCL the driver chooses (the launch passes no local size); on
 * the fork backend each group is up to 256 items of dimension 0 for a
 * kernel that reaches a barrier, 1024 for any other (then 1 in the others;
 * get_enqueued_local_size(0) is that, and the last group of a dimension may
 * be smaller, as OpenCL 2.0's non-uniform groups are: get_local_size(0)
 * says its size; a kernel whose tiles need whole groups declares
 * reqd_work_group_size or passes a local size).
 *
 * Work-groups on the fork backend. A group runs inside one worker, its
 * items one after another, so __local memory (__local arrays in the body,
 * clpool_local parameters: at most 1 MiB a group) is the group's, and
 * barrier(), work_group_barrier() (any flags) and the fences have OpenCL's
 * meaning: every item of the group reaches a barrier before any passes it,
 * private variables keep their values across it. A kernel whose barriers
 * are statements of its own body, or of blocks, for/while loops and ifs
 * whose conditions are the same for the whole group, runs as loops over the
 * group's items between barriers, about as fast as a kernel without
 * barriers; any other (a barrier in a helper function, in a do-while, a
 * break out of a loop with a barrier, a parameter the kernel changes, ...)
 * runs each item as a fiber with a 128 KiB stack, which is right but slower
 * (a switch per item per barrier). A group of at most 1024 items for such
 * kernels, 4096 for others. A barrier reached by only some items of a
 * group, or a loop or if around a barrier whose condition differs between
 * the group's items, fails the map with CLPOOL_EWORKER ("stopped at a
 * barrier that only some work-items of a group reached"); the worker is
 * replaced and the next map works.
 *
 * Chunks. A map whose host arrays exceed the chunk limit runs in chunks of
 * whole work-groups along the outermost used dimension (whole rows of a
 * 2-D range, whole planes of a 3-D one). Inside a chunk get_global_id is
 * absolute on every backend; on the fork backend every work-item function
 * keeps its whole-range value. On OpenCL, get_global_size, get_num_groups,
 * get_global_offset and get_global_linear_id of the chunked dimension are
 * the chunk's (OpenCL launches each chunk as its own range), and a program
 * that uses get_group_id, get_num_groups, get_global_linear_id, __local
 * memory or barriers anywhere is not chunked there: it runs whole if its
 * arrays fit one allocation (PoCL runs a __local kernel wrongly when the
 * chunk's wrapper kernel calls it).
 */
CLPOOL_EXTERN CLPOOL_NODISCARD int clpool_map_range(clpool_kernel *k, const clpool_range *range,
                                                     const clpool_arg *args, size_t nargs);
/* clpool_map_range, started as clpool_map_async starts a map; range is
 * copied and need not outlive the call. */
CLPOOL_EXTERN CLPOOL_NODISCARD int clpool_map_range_async(clpool_kernel *k,
                                                           const clpool_range *range,
                                                           const clpool_arg *args, size_t nargs,
                                                           clpool_event **ev);

/*
 * Starts a map and returns at once with *ev set; clpool_wait(ev) blocks until
 * that map has finished, returns its status, and frees ev. Every event must
 * be waited for exactly once, in any order, from any thread.
 *
 * The pool runs its async maps one after another, in the order they were
 * started, on a thread of its own (started at the first async map, stopped
 * by clpool_close), while the caller goes on: several maps may be in flight
 * on one pool. A blocking call on the same pool (clpool_map, a buffer copy)
 * waits for the map the thread is running, not for the queue.
 *
 * The arguments are checked and copied at once: args and clpool_scalar's
 * bytes need not outlive the call. What they point to does: host arrays
 * must stay valid, and untouched, until the map's wait returns, and the
 * kernel, its program and every buffer the map uses must not be freed
 * before then. A map's error (argument errors included) comes back from its
 * own wait, with its message in clpool_errmsg() after that wait; the other
 * maps are unaffected. clpool_close drops maps not yet started and frees
 * every event not waited for.
 * clpool_map_async itself fails only for a NULL k or ev (CLPOOL_EINVAL) or
 * when the event or the thread cannot be made (*ev is then NULL).
 */
CLPOOL_EXTERN CLPOOL_NODISCARD int clpool_map_async(clpool_kernel *k, size_t n, const clpool_arg *args,
                                      size_t nargs, clpool_event **ev);
CLPOOL_EXTERN CLPOOL_NODISCARD int clpool_wait(clpool_event *ev);

/* ------------------------------------------------ kernel introspection
 * (host/introspect.c) What the library's signature parser read of a
 * kernel's parameters, for bindings that match arguments to parameters
 * (the Python package) without a second parser of their own. */

/* clpool_kernel_nparams's answer for a kernel whose parameters the parser
 * could not read (declared by a macro). */
#define CLPOOL_PARAMS_UNKNOWN ((size_t)-1)

typedef enum clpool_param_kind {
    CLPOOL_PARAM_SCALAR = 0, /* passed by value */
    CLPOOL_PARAM_GLOBAL,     /* __global T * */
    CLPOOL_PARAM_CONSTANT,   /* __constant T * */
    CLPOOL_PARAM_LOCAL,      /* __local T * */
    CLPOOL_PARAM_OTHER       /* images, samplers, private pointers, what the parser
                                could not read */
} clpool_param_kind;

typedef struct clpool_param_info {
    clpool_param_kind kind;
    const char *name;  /* "x"; "" if the parameter is unnamed */
    const char *type;  /* as written, one space between tokens: "__global const float *" */
    const char *base;  /* the element or scalar type alone: "float", "uint4" */
    size_t size;       /* scalar: its size; pointer: the pointee's size; 0 if not known
                          (a struct or typedef) */
    int is_const;      /* pointer: the pointee is const (always for __constant);
                          scalar: declared const */
} clpool_param_info;

/* The kernel's name, owned by its program; NULL for a NULL k. */
CLPOOL_EXTERN const char *clpool_kernel_name(const clpool_kernel *k);
/* The number of parameters, or CLPOOL_PARAMS_UNKNOWN (also for a NULL k). */
CLPOOL_EXTERN size_t clpool_kernel_nparams(const clpool_kernel *k);
/* Describes parameter i (0-based). The strings are owned by the kernel's
 * program and valid until it is freed. CLPOOL_EINVAL for a NULL k or out,
 * for i out of range, or for a kernel whose parameters are unknown (with
 * the reason in clpool_errmsg). */
CLPOOL_EXTERN CLPOOL_NODISCARD int clpool_kernel_param(const clpool_kernel *k, size_t i,
                                                        clpool_param_info *out);

/* ------------------------------------- for libraries on the public API
 * (libclpool_mpi uses these; a layer of one's own over clpool may too) */

/* The pool k belongs to (NULL for a NULL k). Owned as the pool is. */
CLPOOL_EXTERN clpool *clpool_kernel_pool(const clpool_kernel *k);
/* Makes msg (copied; NULL means "") the message of the last failure on pool,
 * as clpool_errmsg(pool) will return it, and returns status, so that a
 * layer's error paths read `return clpool_set_errmsg(pool, st, msg);`.
 * CLPOOL_EINVAL for a NULL pool. */
CLPOOL_EXTERN int clpool_set_errmsg(clpool *pool, int status, const char *msg);

#ifdef __cplusplus
}
#endif

#endif /* CLPOOL_H */
