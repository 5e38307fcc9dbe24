/*
 * Work-groups on the native path: which kernels need their groups run as
 * fibers (they reach a barrier), the rewrite of __local declarations into
 * group memory, and the exported caller of such kernels.
 *
 * Design. A kernel without barriers keeps the plain caller of
 * native_gen.c: its items run one after another in a loop the compiler
 * vectorises, which is already a correct schedule for a work-group (no
 * item waits for another). A kernel that reaches a barrier, directly or
 * through a helper, runs each item of a group as a fiber with its own
 * stack (prelude_wg.c): the group's items run in turn up to their next
 * barrier, so every item reaches a barrier before any passes it, private
 * variables live on their item's stack, and barriers work anywhere: in
 * loops, in conditionals uniform across the group, in helpers. A barrier
 * reached by only some items of a group ends the worker with
 * CLPOOL__NATIVE_EXIT_BARRIER (native.h), which the fork backend reports.
 *
 * __local memory: `__local T name[...]` in a body becomes `static T
 * name[...]` (groups run one after another in a process, so one object
 * serves each group in turn); a __local pointer, a __local parameter or a
 * cast to one loses the qualifier (the prelude defines it away).
 */
#ifndef CLPOOL_CLC_WORKGROUP_H
#define CLPOOL_CLC_WORKGROUP_H

#include "../internal.h"
#include "clc/buf.h"

/* One replacement in the source: del bytes at `at` become ins. */
typedef struct clpool__wg_edit {
    size_t at, del;
    const char *ins;
} clpool__wg_edit;

/* For each kernel of prog, whether it needs fibers: its body names barrier
 * or work_group_barrier, or some text outside every kernel body (a helper
 * function, a macro) does. A heap array of prog->nsigs ints (free it): 0
 * no barrier, 1 fibers, 2 fibers or work-item loops (the barriers are in
 * its own body and no helper calls a work-item function); *any set if one
 * has barriers; NULL on allocation failure. */
int *clpool__wg_fiber_kernels(const clpool_program *prog, int *any);

/* For each kernel of prog, whether what its items see does not depend on
 * its work-groups: neither it nor any helper or macro names a function of
 * the group (get_local_id, get_group_id, get_local_size, ...). Its plain
 * caller may then run the items of consecutive 1-D groups as one loop. A
 * heap array of prog->nsigs ints (free it); NULL on allocation failure. */
int *clpool__wg_group_agnostic(const clpool_program *prog);

/* Whether the kernel sig of prog needs fibers (0 when out of memory: the
 * caller only picks sizes from it). */
int clpool__wg_kernel_has_barrier(const clpool_program *prog, const clpool__kernel_sig *sig);

/* The edits that turn __local declarations of group memory into statics:
 * a heap array (free it) in *out, *n of them; -1 on allocation failure. */
int clpool__wg_local_edits(const char *src, clpool__wg_edit **out, size_t *n);

/* Appends the exported caller (native.h's ABI) of a fiber kernel. */
void clpool__wg_caller(clpool__buf *b, const clpool__kernel_sig *sig);

/* wg_loops.c: the body of kernel sig (the text between the '{' at byte
 * open and the '}' at byte close) as work-item loops, appended to out:
 * 1; 0 when the body has a shape they do not handle (out unchanged: the
 * kernel keeps the fibers); -1 out of memory. */
int clpool__wg_loops(const clpool_program *prog, const clpool__kernel_sig *sig, size_t open,
                     size_t close, clpool__buf *out);
/* The exported caller of a kernel whose body clpool__wg_loops rewrote: the
 * kernel runs a whole group per call. */
void clpool__wg_loop_caller(clpool__buf *b, const clpool__kernel_sig *sig);

/* native_gen.c: the type of a by-value parameter without its qualifiers. */
void clpool__gen_unqualified(clpool__buf *b, const clpool__param *p);

#endif /* CLPOOL_CLC_WORKGROUP_H */
