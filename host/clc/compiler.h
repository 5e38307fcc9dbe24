/*
 * Which C compiler the native path runs: $CC when it is set (split on
 * blanks, no shell); else clang, which has OpenCL's vector types, when one
 * is on PATH (`clang`, else the newest `clang-NN`); else `cc`.
 */
#ifndef CLPOOL_CLC_COMPILER_H
#define CLPOOL_CLC_COMPILER_H

#include "options.h"

/* Appends the compiler command's words to cc. CLPOOL_OK or CLPOOL_ENOMEM
 * (message on pool). Looks at $CC and $PATH each time: a program that sets
 * CC between builds gets the compiler it set. */
int clpool__compiler_words(clpool *pool, clpool__argv *cc);

/* The compiler used when CC is not set: "clang", "clang-NN" or "cc", into
 * name (always NUL-terminated). */
void clpool__compiler_default(char *name, size_t len);

#endif /* CLPOOL_CLC_COMPILER_H */
