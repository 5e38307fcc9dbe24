/* The sum of n floats: each work-group of 256 items adds its 256 inputs in
 * a __local tree (a barrier per level) and writes one partial sum; the
 * group that finishes last (a global ticket) adds the partial sums in a
 * small final pass, the same way, into total[0]. */
#define GROUP 256

__kernel __attribute__((reqd_work_group_size(GROUP, 1, 1)))
void reduce(__global const float *x, __global float *partial, __global uint *ticket,
            __global float *total)
{
    __local float t[GROUP];
    __local int last;
    const uint l = (uint)get_local_id(0), groups = (uint)get_num_groups(0);
    t[l] = x[get_global_id(0)];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint s = GROUP / 2; s > 0; s /= 2) {
        if (l < s)
            t[l] += t[l + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0) {
        partial[get_group_id(0)] = t[0];
        mem_fence(CLK_GLOBAL_MEM_FENCE);
        last = atomic_inc(ticket) == groups - 1;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (!last)
        return;
    /* The final pass: every group's partial sum is written. */
    float sum = 0.0f;
    for (uint i = l; i < groups; i += GROUP)
        sum += partial[i];
    t[l] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint h = GROUP / 2; h > 0; h /= 2) {
        if (l < h)
            t[l] += t[l + h];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0)
        total[0] = t[0];
}
