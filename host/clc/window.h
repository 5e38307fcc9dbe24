/*
 * Window wrappers: generated OpenCL C that lets one chunk of a map run over
 * buffers that hold only that chunk's elements (host/chunk.c). For a kernel
 *
 *     __kernel void saxpy(const float a, __global const float *x, __global float *y)
 *
 * the wrapper is
 *
 *     __kernel void clpool_window_saxpy(const float p0, __global const float * p1,
 *                                       __global float * p2, ulong s1, ulong s2)
 *     { saxpy(p0, (__global const float *)((__global char *)p1 - s1), ...); }
 *
 * one ulong shift per pointer parameter, in parameter order: the kernel's
 * index i then lands at byte i*elem - shift of the window buffer, so the
 * kernel, launched with a global offset, is unchanged and its indices stay
 * absolute.
 */
#ifndef CLPOOL_CLC_WINDOW_H
#define CLPOOL_CLC_WINDOW_H

#include <stddef.h>

#include "signature.h"

#define CLPOOL__WINDOW_PREFIX "clpool_window_"

/* Nonzero if sig can have a wrapper: every parameter a __global or
 * __constant pointer, a __local pointer (passed through) or a scalar, and
 * at least one __global or __constant pointer. */
int clpool__window_wrappable(const clpool__kernel_sig *sig);

/* Nonzero if source asks anything of work-groups: the group functions
 * (get_group_id, get_num_groups, get_global_linear_id), __local memory or
 * barriers, outside comments. A launch of part of a range changes what the
 * first return, and PoCL 3.1 runs a kernel with __local memory wrongly when
 * another kernel (the wrapper) calls it (a tile of a tiled matmul wrong in
 * 5-20% of launches, measured): such kernels run in one window over the
 * whole range, or unchunked. */
int clpool__window_uses_groups(const char *source);

/* Nonzero if source names __local (or local) more often than the kernels
 * in sigs have __local parameters: a __local variable declared in a body,
 * or a helper taking a __local pointer. OpenCL C leaves a kernel that
 * declares __local variables and is called from another kernel to the
 * implementation, and PoCL 3.1 gets it wrong even over the whole range
 * (reduce.cl with a range offset: wrong in 94 of 200 runs): such programs
 * are never run through their wrappers. */
int clpool__window_local_vars(const char *source, const clpool__kernel_sig *sigs, size_t nsigs);

/* source with the wrapper of every wrappable kernel in sigs (parsed from
 * source) placed after the kernel's body, inside the same preprocessor
 * conditionals, followed by a #line directive so that the compiler's line
 * numbers stay the file's; a kernel whose body's end cannot be placed
 * safely has its wrapper at the end. NULL on allocation failure. */
char *clpool__window_source(const char *source, const clpool__kernel_sig *sigs, size_t nsigs);

#endif /* CLPOOL_CLC_WINDOW_H */
