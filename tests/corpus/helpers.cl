/*
 * Work-group code in a helper function, as libraries of kernels write it:
 * group_sum (barriers, __local scratch) is called by block_sums only. The
 * file's other kernel, rescale, uses no work-group construct, directly or
 * through what it calls (the plain helper clamp01 is shared by both).
 */
float clamp01(float v)
{
    return fmin(fmax(v, 0.0f), 1.0f);
}

/* The sum of scratch[0 .. get_local_size(0)), a power of two, left in
 * scratch[0] for every item of the group. */
float group_sum(__local float *scratch)
{
    const uint l = (uint)get_local_id(0);
    for (uint s = (uint)get_local_size(0) / 2; s > 0; s >>= 1) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (l < s)
            scratch[l] += scratch[l + s];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    return scratch[0];
}

/* Each item's share of its group's total of clamped values. */
__kernel void block_sums(__global const float *x, __global float *share, __local float *scratch)
{
    const size_t i = get_global_id(0);
    const float v = clamp01(x[i]);
    scratch[get_local_id(0)] = v;
    const float total = group_sum(scratch);
    share[i] = total > 0.0f ? v / total : 0.0f;
}

__kernel void rescale(__global const float *x, __global float *y, const float lo, const float hi)
{
    const size_t i = get_global_id(0);
    y[i] = clamp01((x[i] - lo) / (hi - lo));
}
