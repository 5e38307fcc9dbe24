/*
 * The C text the native path compiles, after the prelude and the line
 *     #line 1 "<the .cl path>"
 * that native.c writes before it:
 *
 *  - the program's source, with each kernel's parameter list opened by two
 *    hidden parameters, on the '(' line so that line numbers stay those of
 *    the .cl file:  kernel void k(size_t clpool_gid_, size_t clpool_gsize_, ...)
 *    (an empty or (void) list becomes just those two); a kernel's prototype
 *    gets them too, and a call of a kernel from another function passes
 *    them on (the caller's item, or a helper's file-scope copies);
 *  - with vectors: OpenCL vector literals rewritten into C, again without
 *    adding lines: (float4)(a, b, c, d) -> ((float4){a, b, c, d}) when there
 *    is one value per element, (float4)(v2, x, y) -> CLPOOL_VLIT(...) (a
 *    prelude helper; inside functions only) when smaller vectors are
 *    joined, and (float4)(x) is left as clang's scalar-to-vector cast;
 *  - __local declarations of group memory in bodies made static
 *    (clc/workgroup.h);
 *  - the kernels select.h leaves out blanked (newlines kept), with the
 *    functions and declarations refused with them; after the '}' of each
 *    kernel definition that is built, `#define clpool_defined_<k> 1` and a
 *    #line that keeps the numbering (and a #line after each conditional
 *    directive from there on, for markers in skipped branches);
 *  - `#line 1 "<clpool generated callers>"` and, per kernel that has a
 *    built definition, inside `#ifdef clpool_defined_<k>`, the exported
 *    caller of the ABI in native.h, whose loop over items the compiler can
 *    inline the kernel into and vectorise (#pragma omp simd), or, for a
 *    kernel with barriers (fibers[k] set), one that runs each group's items
 *    as fibers (clc/workgroup.h).
 */
#ifndef CLPOOL_CLC_NATIVE_GEN_H
#define CLPOOL_CLC_NATIVE_GEN_H

#include "clc/buf.h"
#include "clc/refuse.h"

/* Appends the text to out. Returns CLPOOL_OK, CLPOOL_ENOMEM, or
 * CLPOOL_EBUILD when a kernel's parameter list is not where its signature
 * says (messages on prog->pool). */
int clpool__native_gen(const clpool_program *prog, const clpool__native_facts *facts,
                       int vectors, const int *fibers, clpool__buf *out);

/* Appends path as the inside of a C string literal. */
void clpool__buf_cstring(clpool__buf *b, const char *path);

#endif /* CLPOOL_CLC_NATIVE_GEN_H */
