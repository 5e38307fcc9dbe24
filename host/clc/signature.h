/*
 * Finds the __kernel functions in OpenCL C source and describes their
 * parameters, so that arguments can be checked before anything runs and the
 * native path can generate a caller for each kernel.
 */
#ifndef CLPOOL_CLC_SIGNATURE_H
#define CLPOOL_CLC_SIGNATURE_H

#include <stddef.h>

typedef enum clpool__param_kind {
    CLPOOL__PARAM_SCALAR,   /* passed by value */
    CLPOOL__PARAM_GLOBAL,   /* __global T* */
    CLPOOL__PARAM_CONSTANT, /* __constant T* */
    CLPOOL__PARAM_LOCAL,    /* __local T*: not supported by clpool maps */
    CLPOOL__PARAM_OTHER     /* images, samplers, private pointers, ... */
} clpool__param_kind;

typedef struct clpool__param {
    clpool__param_kind kind;
    char *name;   /* "x" ("" if the parameter is unnamed) */
    char *type;   /* the type as written, whitespace normalised: "__global const float *" */
    char *base;   /* the element or scalar type alone: "float", "float4", "uint" */
    size_t size;  /* scalar: its size in bytes; pointer: the pointee's size;
                     0 when not known (a struct or typedef the parser cannot size) */
} clpool__param;

typedef struct clpool__kernel_sig {
    char *name;
    clpool__param *params;
    size_t nparams;
    unsigned line;        /* 1-based source line of the kernel's name */
    size_t name_offset;   /* byte offset of the name in the source */
    size_t open_paren;    /* byte offset of the '(' opening the parameter list */
    size_t close_paren;   /* byte offset of the matching ')' */
    size_t reqd[3];       /* __attribute__((reqd_work_group_size(x, y, z))), all 0 if none */
} clpool__kernel_sig;

/* Parses every __kernel / kernel function definition in source (comments and
 * string literals are skipped; preprocessor lines are skipped, so kernels
 * that macros generate are not seen). Returns 0 and a heap array (free it
 * with clpool__sig_free), or -1 on allocation failure. Source that does not
 * parse yields fewer kernels, never an error: the compiler reports it. */
int clpool__sig_parse(const char *source, clpool__kernel_sig **out, size_t *count);
void clpool__sig_free(clpool__kernel_sig *sigs, size_t count);

/* The kernel of that name, or NULL. */
const clpool__kernel_sig *clpool__sig_find(const clpool__kernel_sig *sigs, size_t count,
                                           const char *name);

/* Size in bytes of an OpenCL C built-in type name ("float", "uchar16",
 * "size_t"), 0 if it is not one. size_t is 8 (64-bit devices). */
size_t clpool__type_size(const char *base);

#endif /* CLPOOL_CLC_SIGNATURE_H */
