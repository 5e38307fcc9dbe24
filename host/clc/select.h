/*
 * Which kernels the native path builds. A construct it cannot run (see
 * refuse.h) refuses only the kernels that use it, directly or through the
 * functions, macros and file-scope declarations they use; their neighbours
 * in the same file build and run.
 *
 * The source is cut into its file-scope definitions by tokens: functions
 * (up to the '}' of the body), declarations (up to the ';') and #define'd
 * macros. Each is known by the names it defines, and uses the names its
 * tokens mention; "uses barrier() at line 7" travels from a definition to
 * every one that uses it. A refused kernel, and every function or
 * declaration that is refused with it, is blanked out of the generated text
 * (newlines kept, so every line keeps its number); a helper that uses no
 * refused construct stays, used or not. Macros are never blanked: one that
 * is not expanded costs nothing.
 *
 * The scan follows preprocessor branches where their value is plain
 * (ppcond.h) and takes the others as possibly compiled. Which kernels get a
 * caller is left to the compiler, which sees the build's -D options: just
 * after the '}' of each kernel definition that is built the
 * generator inserts `#define clpool_defined_<k> 1` (and a #line that keeps
 * the .cl numbering), and the kernel's caller is compiled inside
 * `#ifdef clpool_defined_<k>`. A kernel in a branch the build leaves out
 * gets no caller; one defined in both branches of an #if/#else gets one,
 * for the definition that is compiled. A kernel with a refused definition
 * and a built one is refused only when the compiled program lacks it.
 */
#ifndef CLPOOL_CLC_SELECT_H
#define CLPOOL_CLC_SELECT_H

#include "refuse.h"

/* Fills *facts for prog. vectors_ok: the compiler has OpenCL's vector
 * types (clang); without them a vector type or built-in is one more
 * refused construct. Returns CLPOOL_OK; CLPOOL_EBUILD when a refused
 * construct sits in a file-scope definition clpool cannot name, so that no
 * kernel can be left out for it (message on prog->pool); CLPOOL_ENOMEM.
 * On failure *facts holds nothing to free. */
int clpool__native_select(const clpool_program *prog, int vectors_ok, clpool__native_facts *facts);

void clpool__native_facts_free(clpool__native_facts *facts);

#endif /* CLPOOL_CLC_SELECT_H */
