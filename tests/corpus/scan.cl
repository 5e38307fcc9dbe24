/*
 * An inclusive prefix sum of any length that is a multiple of WG (a -D
 * option), in the usual three steps: scan_group scans each work-group's
 * WG values in __local memory (Hillis-Steele, double-buffered) and writes
 * the group's total; the totals are scanned the same way (one group);
 * scan_add_offsets adds to each value the inclusive sum of the groups
 * before its own.
 */
#ifndef WG
#define WG 256
#endif

__kernel void scan_group(__global const uint *in, __global uint *out, __global uint *group_sums)
{
    __local uint buf[2][WG];
    const uint l = (uint)get_local_id(0);
    const uint i = (uint)get_global_id(0);
    uint cur = 0;
    buf[cur][l] = in[i];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint off = 1; off < WG; off <<= 1) {
        const uint prev = cur;
        cur = 1 - cur;
        buf[cur][l] = buf[prev][l] + (l >= off ? buf[prev][l - off] : 0u);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    out[i] = buf[cur][l];
    if (l == WG - 1)
        group_sums[get_group_id(0)] = buf[cur][l];
}

/* group_incl[g]: the sum of groups 0..g. */
__kernel void scan_add_offsets(__global uint *data, __global const uint *group_incl)
{
    const uint i = (uint)get_global_id(0);
    const uint g = i / WG;
    if (g > 0)
        data[i] += group_incl[g - 1];
}
