/*
 * 256-bin histograms of bytes. histogram_local counts its work-group's
 * bytes in __local bins with local atomics and merges them into the global
 * bins with one atomic_add per non-empty bin; histogram_global is the
 * simple version, one global atomic per byte.
 */
#define BINS 256

__kernel void histogram_local(__global const uchar *data, __global uint *bins, const uint n)
{
    __local uint local_bins[BINS];
    const uint l = (uint)get_local_id(0);
    const uint size = (uint)get_local_size(0);
    const uint i = (uint)get_global_id(0);
    for (uint b = l; b < BINS; b += size)
        local_bins[b] = 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (i < n)
        atomic_inc(&local_bins[data[i]]);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint b = l; b < BINS; b += size)
        if (local_bins[b] != 0)
            atomic_add(&bins[b], local_bins[b]);
}

__kernel void histogram_global(__global const uchar *data, __global uint *bins)
{
    atomic_inc(&bins[data[get_global_id(0)]]);
}
