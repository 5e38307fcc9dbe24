/*
 * What the native path cannot run: work-group collectives (work_group_*,
 * async copies; barrier, the fences and __local memory run:
 * clc/workgroup.h), images and samplers, sub-groups, device-side enqueue
 * and printf; and, for a C compiler without them, OpenCL's vector types.
 * This file knows the names; select.h finds which kernels use them
 * (directly or through what they call) and keeps those kernels, and only
 * those, out of the build.
 *
 * Preprocessor conditionals are followed where their value is plain (see
 * ppcond.h: the build's -D options, the program's own integer #defines,
 * __CLPOOL_NATIVE__, which this path defines), so that
 * `#ifndef __CLPOOL_NATIVE__ ... printf(...) ... #endif` refuses nothing.
 * Every other branch is scanned as if taken.
 */
#ifndef CLPOOL_CLC_REFUSE_H
#define CLPOOL_CLC_REFUSE_H

#include "../internal.h"
#include "scan.h"

/* A kernel's body: the offsets of its '{' and '}'; close is 0 when the
 * body was not found. */
typedef struct clpool__body {
    size_t open, close;
} clpool__body;

/* Finds the body of each kernel: bodies[i] belongs to sigs[i]. */
void clpool__find_bodies(const char *src, const clpool__kernel_sig *sigs, size_t n,
                         clpool__body *bodies);

/* A construct the native path refuses. */
typedef struct clpool__refusal {
    const char *shown; /* how the message names it; NULL: the name and "()";
                          "": the name alone (a type) */
    const char *why;   /* "no work-groups on this path", ... */
} clpool__refusal;

extern const char clpool__why_groups[];

/* The refusal for a name, or NULL. */
const clpool__refusal *clpool__refused_name(const char *name, size_t len);

/* How a message names the construct: "barrier()", "__local memory",
 * "image2d_t". */
void clpool__refusal_shown(char *out, size_t cap, const clpool__refusal *r, const char *name,
                           size_t len);

/* Nonzero if name is an OpenCL vector type ("float4", "uchar16"); *elem
 * gets the element type's length in name and *width the element count. */
int clpool__vector_type(const char *name, size_t len, size_t *elem, unsigned *width);

/* Names that only exist for vectors: the types, vloadN/vstoreN (and their
 * half forms), convert_<vector>..., as_<vector>. */
int clpool__names_vector(const char *name, size_t len);

/* get_global_id and the other work-item functions that read the item. */
int clpool__asks_for_gid(const char *name, size_t len);

/* ------------------------------------------------ preprocessor branches */

#define CLPOOL__MAX_NESTING 64

typedef struct clpool__cond {
    int skip;    /* this branch is known not to be compiled */
    int taken;   /* a branch of this #if is known to be compiled */
    int unknown; /* some condition of this #if could not be judged */
    int sure;    /* this branch is known to be compiled */
} clpool__cond;

typedef struct clpool__conds {
    clpool__cond stack[CLPOOL__MAX_NESTING];
    size_t depth;
    size_t overflow; /* levels past CLPOOL__MAX_NESTING, treated as unknown */
} clpool__conds;

/* Applies a conditional directive: kw is its keyword (if, ifdef, ifndef,
 * elif, else, endif); v the value of an if/ifdef/ifndef/elif condition
 * (1, 0, or -1 when it cannot be judged; see ppcond.h). */
void clpool__conds_directive(clpool__conds *c, const char *kw, size_t kwlen, int v);

/* Whether the text here is known not to be compiled. */
int clpool__conds_skipping(const clpool__conds *c);

/* Whether the text here is known to be compiled. */
int clpool__conds_sure(const clpool__conds *c);

/* ------------------------------------------------- what the build needs */

/* A byte range of the source: [start, end). */
typedef struct clpool__span {
    size_t start, end;
} clpool__span;

/* Where a kernel's definition ends: the generator inserts text (a marker
 * that the definition was compiled) just after its closing '}'. */
typedef struct clpool__site {
    size_t sig;  /* the kernel: index into prog->sigs; SIZE_MAX for a #line that
                    puts the numbering right after a conditional directive */
    size_t at;   /* the offset just past the '}' */
    char *text;  /* what goes there (heap); it adds no line to the .cl's numbering */
} clpool__site;

/* What the scan learnt that the build needs (select.h fills it). */
typedef struct clpool__native_facts {
    /* A function that is not a kernel (or a macro) asks for the global id
     * or size: the caller must set the file-scope copies for it. */
    int helpers_use_gid;
    /* Vector types or built-ins are in what is compiled: the vector prelude
     * and the rewriting of vector literals are needed. */
    int uses_vectors;
    /* Source ranges to blank out (keeping their newlines): the refused
     * kernels, and the functions and declarations that only they can use. */
    clpool__span *blanks;
    size_t nblanks;
    /* The definitions that get a caller, in source order. */
    clpool__site *sites;
    size_t nsites;
    /* Per kernel (prog->sigs order): whether some definition of it is
     * built, so that it gets a caller (inside #ifdef of its marker). */
    unsigned char *has_caller;
    /* Per kernel: why it cannot run here (heap message, NULL if it can),
     * and a CLPOOL__KERNEL_* state (native.h): REFUSED, every definition of it is
     * refused; LEFT_OUT, every definition is in a branch known not to be
     * compiled (the message says so); MAYBE, it may be built (a message
     * then stands only when the compiled program lacks the kernel: a
     * refused definition may be the one the preprocessor keeps). */
    char **refused;
    unsigned char *refused_always;
    size_t nsigs;
} clpool__native_facts;

/* The marker a built definition of kernel k defines: CLPOOL__DEFINED_<k>. */
#define CLPOOL__DEFINED_MARK "clpool_defined_"

#endif /* CLPOOL_CLC_REFUSE_H */
