/*
 * Double precision, as scientific codes write it: the extension enabled by
 * pragma, a y = a*x + y update and a per-item dot-product term.
 */
#pragma OPENCL EXTENSION cl_khr_fp64 : enable

__kernel void daxpy(const double a, __global const double *x, __global double *y)
{
    const size_t i = get_global_id(0);
    y[i] = a * x[i] + y[i];
}

__kernel void dot_terms(__global const double *x, __global const double *y, __global double *t,
                        const uint n)
{
    const uint i = (uint)get_global_id(0);
    t[i] = i < n ? x[i] * y[i] : 0.0;
}
