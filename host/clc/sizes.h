/*
 * The sizes of by-value structs and of the structs pointers point to are
 * known only to the compiler. Each backend builds, beside the kernels, a
 * table of them per kernel, reads it once after the build, and writes the
 * sizes into the kernel's signature (clpool__param.size), so that the
 * argument check catches a struct argument of the wrong size as it catches
 * a float given for a double.
 *
 * Native text: `const unsigned long long clpool_sizes_<kernel>[nparams]`,
 * exported, 0 where the parser knew the size (or the type is void).
 * OpenCL text: `__kernel void clpool_sizes_<kernel>(__global ulong *o)`, one
 * work-item writing the same table.
 */
#ifndef CLPOOL_CLC_SIZES_H
#define CLPOOL_CLC_SIZES_H

#include "clc/buf.h"
#include "clc/signature.h"

#define CLPOOL__SIZES_PREFIX "clpool_sizes_"

/* Nonzero if some parameter of sig has a size only the compiler knows. */
int clpool__sizes_wanted(const clpool__kernel_sig *sig);

/* Appends sig's table (nothing if none is wanted), as C or OpenCL C. */
void clpool__sizes_native(clpool__buf *b, const clpool__kernel_sig *sig);
void clpool__sizes_opencl(clpool__buf *b, const clpool__kernel_sig *sig);

/* Writes the sizes of table (nparams entries, as built) into sig's
 * parameters whose size was unknown. */
void clpool__sizes_apply(clpool__kernel_sig *sig, const unsigned long long *table);

#endif /* CLPOOL_CLC_SIZES_H */
