/*
 * What the native path cannot run, found before anything is compiled:
 * work-group collectives (work_group_*, async copies; barrier, the fences
 * and __local memory run: clc/workgroup.h), images and samplers,
 * sub-groups, device-side enqueue and printf. Each is refused with CLPOOL_EBUILD naming the kernel (or "the
 * program", for helpers and macros), the construct and the .cl line, never
 * compiled into something that runs differently.
 *
 * The scan sees tokens, with comments and literals skipped. Preprocessor
 * conditionals are followed only where their value is plain:
 * `#if 0`, `#if 1`, and tests of __CLPOOL_NATIVE__ (defined on this path),
 * so `#ifndef __CLPOOL_NATIVE__ ... barrier(...) ... #endif` is not
 * refused. Every other branch is scanned as if taken.
 */
#ifndef CLPOOL_CLC_REFUSE_H
#define CLPOOL_CLC_REFUSE_H

#include "../internal.h"

/* A kernel's body: the offsets of its '{' and '}'; close is 0 when the
 * body was not found. */
typedef struct clpool__body {
    size_t open, close;
} clpool__body;

/* What the scan learnt that the build needs. */
typedef struct clpool__native_facts {
    /* A function that is not a kernel (or a macro) asks for the global id
     * or size: the caller must set the file-scope copies for it. */
    int helpers_use_gid;
    /* The program names a vector type or a vector built-in: the first. */
    int uses_vectors;
    char vector_name[48];
    unsigned vector_line;
    const char *vector_owner; /* the kernel's name, NULL for "the program" */
} clpool__native_facts;

/* Finds the body of each kernel: bodies[i] belongs to sigs[i]. */
void clpool__find_bodies(const char *src, const clpool__kernel_sig *sigs, size_t n,
                         clpool__body *bodies);

/* Refuses what the native path cannot run (CLPOOL_EBUILD, message on the
 * pool) and fills *facts. */
int clpool__native_refuse(const clpool_program *prog, const clpool__body *bodies,
                          clpool__native_facts *facts);

/* Refuses the vector types found in *facts, for a compiler without them. */
int clpool__native_refuse_vectors(const clpool_program *prog, const clpool__native_facts *facts);

/* Nonzero if name is an OpenCL vector type ("float4", "uchar16"); *elem
 * gets the element type's length in name and *width the element count. */
int clpool__vector_type(const char *name, size_t len, size_t *elem, unsigned *width);

#endif /* CLPOOL_CLC_REFUSE_H */
