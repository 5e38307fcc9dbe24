/*
 * What the build's -D options choose: constants that must be given
 * (SCALE, OFFSET), a kernel that exists only WITH_SQUARE, one name defined
 * in two branches of an #if on MODE, and a kernel that never builds, behind
 * #ifdef NEVER: it calls a function that does not exist.
 */
#ifndef SCALE
#error "build with -DSCALE=... -DOFFSET=..."
#endif

__kernel void affine(__global const int *x, __global int *y)
{
    const size_t i = get_global_id(0);
    y[i] = x[i] * SCALE + OFFSET;
}

#ifdef WITH_SQUARE
__kernel void square(__global const int *x, __global int *y)
{
    const size_t i = get_global_id(0);
    y[i] = x[i] * x[i];
}
#endif

#if MODE == 1
__kernel void limit(__global const int *x, __global int *y)
{
    const size_t i = get_global_id(0);
    y[i] = clamp(x[i], -100, 100);
}
#else
__kernel void limit(__global const int *x, __global int *y)
{
    const size_t i = get_global_id(0);
    y[i] = max(x[i], 0);
}
#endif

#ifdef NEVER
__kernel void never_built(__global int *x)
{
    x[get_global_id(0)] = function_that_does_not_exist(x);
}
#endif
