/*
 * Per-group reductions: each work-group combines its items' values in
 * __local memory, a tree that halves the active items after each barrier,
 * and its first item writes the group's result to partial[group]. The host
 * (or another pass) combines the partials.
 */

/* Sums, with the scratch space given by the host (clpool_local). Items
 * past n add nothing; the group size is a power of two. */
__kernel void reduce_sum(__global const float *in, __global float *partial,
                         __local float *scratch, const uint n)
{
    const uint i = (uint)get_global_id(0);
    const uint l = (uint)get_local_id(0);
    scratch[l] = i < n ? in[i] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint s = (uint)get_local_size(0) / 2; s > 0; s >>= 1) {
        if (l < s)
            scratch[l] += scratch[l + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0)
        partial[get_group_id(0)] = scratch[0];
}

/* Maxima over groups of exactly 64, the size the kernel declares and its
 * __local array assumes. */
__kernel __attribute__((reqd_work_group_size(64, 1, 1)))
void reduce_max64(__global const int *in, __global int *partial)
{
    __local int s[64];
    const uint l = (uint)get_local_id(0);
    s[l] = in[get_global_id(0)];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint step = 32; step > 0; step >>= 1) {
        if (l < step)
            s[l] = max(s[l], s[l + step]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0)
        partial[get_group_id(0)] = s[0];
}
