/*
 * What a chunk looks like from inside: each item of a 2-D range writes
 * get_global_size(1) and get_global_offset(1). The OpenCL backend launches
 * each chunk of a map as its own range, so these are the chunk's there
 * (clpool.h); in a file of its own, because that backend maps a whole
 * program unchunked when any of its text asks for the item's group.
 */
__kernel void chunk_witness(__global uint *size1, __global uint *offset1, const uint w)
{
    const size_t x = get_global_id(0), y = get_global_id(1);
    size1[y * w + x] = (uint)get_global_size(1);
    offset1[y * w + x] = (uint)get_global_offset(1);
}
