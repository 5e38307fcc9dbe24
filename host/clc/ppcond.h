/*
 * What the preprocessor will make of a conditional, where that is plain: the
 * build's -D options, the program's own object-like #define / #undef with
 * integer values, `defined`, and integer arithmetic and comparisons with
 * && || ! ?:-free C precedence. Anything else is unknown (-1): a macro whose
 * value is not an integer, a function-like macro, a name the prelude or its
 * system headers may define (reserved names, the prelude's own macros),
 * and every name not set by the program after an #include (a header may
 * define it). Unknown is always safe: the caller then treats the branch as
 * possibly compiled.
 */
#ifndef CLPOOL_CLC_PPCOND_H
#define CLPOOL_CLC_PPCOND_H

#include <stddef.h>

#include "scan.h"

typedef struct clpool__macros clpool__macros;

/* A table seeded with __CLPOOL_NATIVE__ and the -D options in options
 * (already checked by clpool__map_options). NULL on allocation failure. */
clpool__macros *clpool__macros_new(const char *options);
void clpool__macros_free(clpool__macros *m);

/* A #define of name with the value tokens toks[0..n) of src; fn: it is
 * function-like. sure: the directive is known to be compiled (else the
 * name's state becomes unknown). */
void clpool__macros_define(clpool__macros *m, const char *src, const clpool__tok *name,
                           const clpool__tok *toks, size_t n, int fn, int sure);
void clpool__macros_undef(clpool__macros *m, const char *src, const clpool__tok *name, int sure);
/* An #include: names the program has not set since become unknown. */
void clpool__macros_include(clpool__macros *m);

/* #ifdef name: 1, 0 or -1. */
int clpool__macros_defined(const clpool__macros *m, const char *name, size_t len);
/* The #if / #elif condition toks[0..n) of src: 1, 0 or -1. */
int clpool__macros_eval(const clpool__macros *m, const char *src, const clpool__tok *toks,
                        size_t n);

#endif /* CLPOOL_CLC_PPCOND_H */
