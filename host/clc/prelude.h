/*
 * The native prelude: C text that maps OpenCL C onto C for gcc and clang.
 *
 * clpool__prelude (every build):
 *  - address spaces: __global/__constant/__private/__generic and the plain
 *    names map to nothing (__constant to const); __kernel becomes
 *    `static inline` + always_inline, so the generated caller inlines it;
 *  - scalar types uchar, ushort, uint, ulong (64-bit), half (_Float16 where
 *    the compiler has it, clang's storage-only __fp16 otherwise, else an
 *    incomplete type that fails to compile when used), bool, size_t;
 *  - work-item functions: item i is the kernel's hidden parameter; one
 *    work-group per item (local size 1, local id 0), one dimension;
 *  - math, common, integer, relational and geometric built-ins on float and
 *    double (ints go to double, as in C), chosen with _Generic on the first
 *    argument so that the calls stay inlinable and vectorisable; native_*
 *    and half_* map to the full-precision versions;
 *  - convert_T[_sat][_rte|_rtz|_rtp|_rtn] and as_T for scalars (rounding
 *    modes round to an integer; converting to float always rounds to
 *    nearest);
 *  - atomic_* and atom_* on __global int/uint/long/ulong via __atomic
 *    builtins (sequentially consistent, return the old value; atomic_xchg
 *    also on float): buffers are shared memory, so they are atomic across
 *    worker processes;
 *  - vload_half/vstore_half on scalars;
 *  - gcc on x86-64 glibc: libm's functions declared with glibc's libmvec
 *    vector versions (errors within OpenCL's limits), so an item loop that
 *    calls exp or sin still vectorises (clang gets -fveclib=libmvec);
 *  - reqd_work_group_size, work_group_size_hint and vec_type_hint
 *    attributes are dropped.
 * Not there (they fail to compile, naming the function): OpenCL 2.0
 * atomics (atomic_int, atomic_fetch_*), nan(), vload_halfN, mixed-type
 * calls OpenCL would reject (gcc and clang pick the version by the first
 * argument, so pow(x, 2.0) with a float x is powf).
 * min/max/clamp, sincos and the relational functions are statement
 * expressions: they work inside functions, not in file-scope initialisers.
 *
 * clpool__prelude_vector (clang only, programs that name a vector type):
 * charN ... doubleN (N = 2, 3, 4, 8, 16) as ext_vector_type, so .xyzw,
 * .s0-.sF, .lo/.hi/.even/.odd and element-wise operators work; the
 * built-ins above element by element; convert_TN (plain and rounding
 * modes, no _sat), as_TN, vloadN/vstoreN, dot/length/distance/normalize/
 * cross, select/any/all by most significant bit. OpenCL vector literals
 * (float4)(a, b, c, d) are rewritten by the generator (native_gen.c).
 */
#ifndef CLPOOL_CLC_PRELUDE_H
#define CLPOOL_CLC_PRELUDE_H

extern const char clpool__prelude[];
extern const char clpool__prelude_vector[];

/* clpool__prelude_wg (every build, after clpool__prelude): CLK_*_MEM_FENCE,
 * memory_scope_*, mem_fence/read_mem_fence/write_mem_fence (compiler
 * fences: a group's items run in one thread), and __local/local, which
 * the generator has already turned into `static` where they declare group
 * memory in a body (clc/workgroup.h).
 * clpool__prelude_fibers (programs with a kernel that needs barriers, after
 * the others; clpool__prelude_fiber_headers goes before clpool__prelude):
 * barrier(flags), work_group_barrier(flags[, scope]) and the runtime that
 * runs a group's items as fibers (native.h's CLPOOL__NATIVE_WG_*). */
extern const char clpool__prelude_wg[];
extern const char clpool__prelude_fiber_headers[];
extern const char clpool__prelude_fibers[];

#endif /* CLPOOL_CLC_PRELUDE_H */
