/*
 * Which C compiler the native path runs: $CC when it is set (split on
 * blanks, no shell). Otherwise it depends on the program: one that names
 * OpenCL's vector types gets clang, which has them, when one is on PATH
 * (`clang`, else the newest `clang-NN`), else `cc`; any other program gets
 * `cc` (else `gcc`, else that clang), because gcc's code for scalar kernels
 * is the faster one on the loops measured (n-body vectorised across items,
 * Black-Scholes through libmvec: README, "The compiler").
 */
#ifndef CLPOOL_CLC_COMPILER_H
#define CLPOOL_CLC_COMPILER_H

#include "options.h"

/* Whether $CC names a compiler (set and not blank). */
int clpool__compiler_from_env(void);

/* Appends the compiler command's words to cc: $CC's, else the default for
 * a program with (vectors nonzero) or without vector types. CLPOOL_OK or
 * CLPOOL_ENOMEM (message on pool). Looks at $CC and $PATH each time: a
 * program that sets CC between builds gets the compiler it set. */
int clpool__compiler_words(clpool *pool, int vectors, clpool__argv *cc);

/* The compiler used when CC is not set for programs with vector types:
 * "clang", "clang-NN" or "cc", into name (always NUL-terminated). */
void clpool__compiler_default(char *name, size_t len);

/* The same for programs without them: "cc", else "gcc", else the above. */
void clpool__compiler_plain(char *name, size_t len);

#endif /* CLPOOL_CLC_COMPILER_H */
