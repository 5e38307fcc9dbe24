/*
 * Matrix transpose of a w x h row-major matrix into an h x w one: the
 * naive kernel, and the tiled one that reads a TILE x TILE block into
 * __local memory (one column of padding against bank conflicts) and writes
 * it out transposed, so that both its reads and its writes are along rows.
 * Only the second uses __local: the first must build and run wherever the
 * file is built.
 */
#define TILE 16

__kernel void transpose_naive(__global const float *in, __global float *out, const int w,
                              const int h)
{
    const int x = (int)get_global_id(0);
    const int y = (int)get_global_id(1);
    out[x * h + y] = in[y * w + x];
}

__kernel void transpose_tiled(__global const float *in, __global float *out, const int w,
                              const int h)
{
    __local float tile[TILE][TILE + 1];
    const int bx = (int)get_group_id(0) * TILE;
    const int by = (int)get_group_id(1) * TILE;
    const int lx = (int)get_local_id(0);
    const int ly = (int)get_local_id(1);
    tile[ly][lx] = in[(by + ly) * w + bx + lx];
    barrier(CLK_LOCAL_MEM_FENCE);
    out[(bx + ly) * h + by + lx] = tile[lx][ly];
}
