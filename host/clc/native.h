/*
 * Builds an OpenCL C map program into a shared object for the host CPU with
 * the host C compiler ($CC, else clang when one is on PATH, else cc; see
 * compiler.h), through the prelude that maps OpenCL C
 * onto C. Used by the fork backend; kept here because it is OpenCL C handling
 * that does not depend on how the kernels are run.
 *
 * The shared object's ABI: for each __kernel `name` it exports
 *
 *     void clpool_run_<name>(void *const *args, const struct clpool__native_range *r,
 *                            size_t gbegin, size_t gend);
 *
 * which runs the work-groups [gbegin, gend) of the range r, in linear group
 * order (dimension 0 fastest). Group g's items in dimension d are
 * [g_d * elsize[d], min((g_d + 1) * elsize[d], gsize[d])) past off[d], so
 * the last group of a dimension may be smaller (OpenCL 2.0's non-uniform
 * groups). Every work-item function has its whole-range value. args[p] is,
 * for parameter p, the address of the buffer's first byte when the
 * parameter is a pointer, or the address of the scalar's bytes when it is
 * passed by value.
 */
#ifndef CLPOOL_CLC_NATIVE_H
#define CLPOOL_CLC_NATIVE_H

#include "../internal.h"

/* The range's fields, declared once for the host (below) and for the
 * prelude (as text, clpool_range_t_): entries past dims are 1 (sizes,
 * group counts) and 0 (offsets). */
#define CLPOOL__NATIVE_RANGE_FIELDS                                                    \
    unsigned dims;                                                                     \
    size_t gsize[3], off[3], elsize[3], ngroups[3];
struct clpool__native_range {
    CLPOOL__NATIVE_RANGE_FIELDS
};

typedef void (*clpool__native_fn)(void *const *args, const struct clpool__native_range *r,
                                  size_t gbegin, size_t gend);

/* The groups of local items (0 counts as 1) that cover global, the last
 * one maybe partial. Without a division where the local size is 1, as in
 * every unused dimension: this is on the path of every map, where a
 * division costs tens of cycles. */
static inline size_t clpool__native_groups(size_t global, size_t local)
{
    if (local <= 1)
        return global;
    if (global <= local)
        return global != 0; /* a small map: one group */
    return global / local + (global % local != 0);
}

/* The native range of nd, whose local sizes are all set (map.c set them):
 * ngroups rounds up. */
static inline void clpool__native_range_of(const clpool__nd *nd, struct clpool__native_range *r)
{
    r->dims = nd->dims;
    for (unsigned d = 0; d < 3; d++) {
        r->gsize[d] = nd->global[d];
        r->off[d] = nd->offset[d];
        r->elsize[d] = nd->local[d] != 0 ? nd->local[d] : 1;
        r->ngroups[d] = clpool__native_groups(r->gsize[d], r->elsize[d]);
    }
}

/* Runs items [begin, end) of a 1-D map of global items (a tool's or a
 * test's call): groups of gcd(begin, end) items make [begin, end) whole
 * groups. */
static inline void clpool__native_run_items(clpool__native_fn fn, void *const *args,
                                            size_t begin, size_t end, size_t global)
{
    size_t a = begin, b = end;
    while (b != 0) {
        size_t t = a % b;
        a = b;
        b = t;
    }
    if (a == 0 || end <= begin)
        return;
    clpool__nd nd;
    clpool__nd_1d(&nd, global);
    nd.local[0] = a;
    nd.local[1] = nd.local[2] = 1;
    struct clpool__native_range r;
    clpool__native_range_of(&nd, &r);
    fn(args, &r, begin / a, end / a + (end % a != 0));
}

#define CLPOOL__NATIVE_PREFIX "clpool_run_"

/* What became of a kernel in a build (clpool__refusals.always). */
#define CLPOOL__KERNEL_MAYBE 0
#define CLPOOL__KERNEL_REFUSED 1
#define CLPOOL__KERNEL_LEFT_OUT 2

/* The kernels a build left out, and why (see select.h). */
typedef struct clpool__refusals {
    char **why;            /* per kernel, prog->sigs order: the message, or NULL */
    unsigned char *always; /* per kernel: CLPOOL__KERNEL_REFUSED (every
                              definition refused: why[k] is CLPOOL_EBUILD's
                              message), CLPOOL__KERNEL_LEFT_OUT (in a branch
                              the options leave out: CLPOOL_ENOKERNEL's), or
                              CLPOOL__KERNEL_MAYBE (why[k], if any, stands
                              only where the compiled program lacks it) */
    size_t n;
} clpool__refusals;

void clpool__refusals_free(clpool__refusals *r);

/* Kernels with barriers (clc/workgroup.h) run each item of a group as a
 * fiber: at most CLPOOL__NATIVE_WG_MAX items to a group, each with a stack
 * of CLPOOL__NATIVE_WG_STACK bytes (and a guard page). A group in which
 * some items reach a barrier that others never reach ends the process with
 * CLPOOL__NATIVE_EXIT_BARRIER; one whose stacks cannot be mapped, with
 * CLPOOL__NATIVE_EXIT_NOMEM. The fibers' state is per process: such
 * kernels run in one thread of a process at a time (a fork worker). */
#define CLPOOL__NATIVE_WG_MAX 1024
#define CLPOOL__NATIVE_WG_STACK 131072
#define CLPOOL__NATIVE_EXIT_BARRIER 113
#define CLPOOL__NATIVE_EXIT_NOMEM 114

/* Compiles prog (source, path, options, sigs) or takes it from the pool's
 * cache. On success *so_path is a heap string naming a file only the
 * caller's user can read or replace (mode 0700), that the caller may dlopen
 * and must unlink and free when done: with the cache on it lies in the
 * cache's private "tmp" folder; with the cache off it is a mkstemps file in
 * $TMPDIR (else /tmp), because the build's own private folder is removed
 * before returning. *log holds compiler warnings (heap, may be NULL; NULL
 * on a cache hit). prog->from_cache is set on a hit. Calls only the
 * compiler it names (posix_spawnp, no shell), and waits for that child
 * alone.
 * A kernel that uses what cannot run natively (barrier, __local, images,
 * vector types without clang), directly or through what it calls, is left
 * out of the build, and the rest builds: *refused (when not NULL) gets, per
 * kernel, the message that names the kernel, the construct and its line
 * (free it with clpool__refusals_free; empty on failure).
 * CLPOOL_EBUILD: the compiler's output with line numbers of the .cl file,
 * or a refused construct that no kernel can be left out for. A missing
 * compiler is CLPOOL_EBUILD with a message naming the command that was
 * tried. */
int clpool__native_build(clpool_program *prog, char **so_path, char **log,
                         clpool__refusals *refused);

/* The compilers a build started now would use, for clpool_describe: each
 * command and version, "clang (Ubuntu Clang 14.0.6)" or "cc (gcc 12.2.0),
 * those with vector types with clang (Debian Clang 14.0.6)" (CC unset),
 * into buf (CLPOOL__COMPILER_NOTE_MAX bytes hold any note). Asks the compiler (or the cache of its identity) once per
 * process for each CC and PATH; never fails and leaves the pool's message
 * as it was. */
#define CLPOOL__COMPILER_NOTE_MAX 400
void clpool__native_compiler_note(clpool *pool, char *buf, size_t len);

#endif /* CLPOOL_CLC_NATIVE_H */
