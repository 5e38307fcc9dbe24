/*
 * The one interface every backend fills in. pool.c calls these slots and
 * never asks which backend it is talking to: a difference in behaviour is a
 * slot or a flag here, not a strcmp on the name.
 *
 * Every slot that returns int returns CLPOOL_OK or a CLPOOL_E* status and, on
 * failure, has recorded the message with clpool__error() on the pool, and has
 * released whatever it made. Arguments have been validated by pool.c before a
 * slot is called (non-NULL handles, ranges inside buffers, n > 0, args
 * matching the kernel's signature).
 */
#ifndef CLPOOL_BACKEND_H
#define CLPOOL_BACKEND_H

#include "internal.h"

/* window_start's answer for a kernel it cannot run in windows (its wrapper
 * did not build, say). Internal: the core never returns it to a caller. */
#define CLPOOL__ENOWINDOW (-1000)

struct clpool__backend_ops {
    /* Short name used in describe strings and messages: "opencl", "fork". */
    const char *name;

    /* Which clpool_backend value forces this backend. */
    clpool_backend kind;

    /* For CLPOOL_AUTO: returns 1 if this backend has hardware worth choosing
     * (an OpenCL GPU or accelerator), 0 if not, with the reason written to
     * why ("1 platform, CPU devices only"). NULL: the backend is the fallback
     * that AUTO takes when no probe says 1. */
    int (*auto_probe)(char *why, size_t whylen);

    /* Nonzero if auto_probe initialises a runtime that must never live in a
     * process that may fork workers: pool.c then runs the probe in a
     * short-lived child and reads its answer through a pipe. */
    int probe_in_child;

    /* Opens the backend for pool according to pool->cfg: sets pool->impl,
     * pool->max_alloc and pool->chunk_overlap, and writes what runs the maps into desc
     * ("PoCL CPU device (Portable Computing Language, OpenCL 3.0 PoCL 3.1)"). */
    int (*open)(clpool *pool, char *desc, size_t desclen);

    /* Releases everything open made. Programs and buffers are already freed. */
    void (*close)(clpool *pool);

    /* Builds prog->source with prog->options (using pool->cache), sets
     * prog->impl, and stores warnings in prog->log (heap, may stay NULL).
     * A failed build is CLPOOL_EBUILD with the whole log as the message and
     * is never cached. */
    int (*program_build)(clpool_program *prog);
    void (*program_free)(clpool_program *prog);

    /* Prepares k->name of k->prog for maps; sets k->impl and k->limits (0
     * for a limit the backend does not have). A name the program lacks is
     * CLPOOL_ENOKERNEL with the program's kernel names listed. */
    int (*kernel_create)(clpool_kernel *k);
    void (*kernel_free)(clpool_kernel *k);

    /* buf->size (> 0, <= pool->max_alloc) is set; sets buf->impl. */
    int (*buffer_new)(clpool_buffer *buf);
    void (*buffer_free)(clpool_buffer *buf);
    /* Blocking copies; [off, off+len) is inside the buffer and len > 0. */
    int (*buffer_write)(clpool_buffer *buf, size_t off, const void *src, size_t len);
    int (*buffer_read)(clpool_buffer *buf, size_t off, void *dst, size_t len);

    /* Runs k over the range nd (nd->items > 0) and returns when the results
     * are visible. args has one entry per kernel parameter, each
     * CLPOOL_ARG_BUFFER (buf set), CLPOOL_ARG_SCALAR (bytes at
     * clpool__arg_bytes(), size set) or CLPOOL_ARG_LOCAL (size bytes of
     * __local memory per group): host arrays have already been turned into
     * buffers. nd->local is all 0 when neither the caller nor the kernel
     * chose a work-group size and k->limits.auto_group is 0: the backend's
     * runtime picks. pool->cfg.timeout_ms, if nonzero, bounds the call. */
    int (*map)(clpool_kernel *k, const clpool__nd *nd, const clpool_arg *args, size_t nargs);

    /* One chunk of a map too big for whole buffers (host/chunk.c), in two
     * halves: window_start launches k for the slice [begin, begin+count) of
     * the outermost used dimension od = nd->dims - 1 (relative to
     * nd->offset[od]; count > 0, and a multiple of nd->local[od] unless the
     * slice ends the range) of the range nd, and returns without waiting;
     * window_wait(k) waits for it and returns its status. One window is in
     * flight per pool at a time, and pool->cfg.timeout_ms as it was at
     * window_start bounds it.
     *
     * get_global_id is absolute, and clpool.h says which other work-item
     * functions keep their whole-range values. args are as for map; for
     * argument p, shift[p] is the number of bytes by which the kernel's
     * view of that buffer starts before the buffer: the kernel's pointer is
     * the buffer's address minus shift[p], so element i (at byte i*elem)
     * lands at byte i*elem - shift[p] of the buffer. shift is the slice's
     * first linear item times elem for a host array's window and 0 for a
     * whole buffer and for scalars. The kernel only touches the elements of
     * its slice in a windowed array.
     *
     * NULL: the backend cannot chunk, and a host array over max_alloc is
     * refused. CLPOOL__ENOWINDOW from window_start (no message recorded):
     * this kernel cannot run in windows and nothing ran; the core then maps
     * it whole if it can. Any failure of window_start leaves nothing to
     * wait for. */
    int (*window_start)(clpool_kernel *k, const clpool__nd *nd, size_t begin, size_t count,
                        const clpool_arg *args, const size_t *shift, size_t nargs);
    int (*window_wait)(clpool_kernel *k);

    /* clpool_host_alloc's memory: host_alloc returns bytes (> 0) of memory
     * in this process that the backend's maps can use in place, and
     * host_free returns it (the core calls it once no async map it knows
     * of uses the block; memory a kernel that timed out may still use is
     * the backend's to keep until that kernel ends). NULL: ordinary memory,
     * copied as any host array.
     *
     * host_view fills view (pool and size set) so that a map given
     * clpool_buf(view) sees the kernel pointer host - shift, for [host,
     * host+bytes) inside such memory. Any other answer than CLPOOL_OK means
     * "not in place", records no message, and leaves nothing to release:
     * the core then copies that array as if it lay outside the blocks.
     *
     * host_unview, called once for every view made, after the map that
     * used it (or after its failure), releases it. With written nonzero
     * the map succeeded and its kernel may have written the view: the
     * results must be in host memory when it returns, and a failure to
     * put them there is the map's status. NULL: views hold nothing and
     * results are in host memory when the map returns. */
    int (*host_alloc)(clpool *pool, size_t bytes, void **out);
    void (*host_free)(clpool *pool, void *p, size_t bytes);
    int (*host_view)(clpool *pool, const void *host, size_t bytes, size_t shift,
                     clpool_buffer *view);
    int (*host_unview)(clpool_buffer *view, int written);

    /* Blocking copies, as buffer_write and buffer_read, that the core makes
     * between window_start and window_wait to fill the next chunk's windows
     * and empty the last one's, so that transfers overlap compute. They
     * touch only buffers the window in flight does not use, and must not
     * wait for it (OpenCL: a second queue). Set wherever window_start is. */
    int (*xfer_write)(clpool_buffer *buf, size_t off, const void *src, size_t len);
    int (*xfer_read)(clpool_buffer *buf, size_t off, void *dst, size_t len);
};

/* The backends. Which are compiled in is decided in one place: the list in
 * pool.c. */
extern const struct clpool__backend_ops clpool__opencl_ops;
extern const struct clpool__backend_ops clpool__fork_ops;

#endif /* CLPOOL_BACKEND_H */
