/* Square matrix multiply c = a * b (n x n, row-major, n a multiple of 16)
 * through 16x16 __local tiles: each work-group of 256 items computes one
 * 16x16 tile of c, loading a tile of a and one of b per step, with a
 * barrier after the loads and one after the products. A 1-D range of n*n
 * items: group g is tile (g / (n/16), g % (n/16)), item l its element
 * (l / 16, l % 16). */
#define TS 16

__kernel __attribute__((reqd_work_group_size(TS * TS, 1, 1)))
void matmul(__global const float *a, __global const float *b, __global float *c, const int n)
{
    __local float as[TS][TS];
    __local float bs[TS][TS];
    const int l = (int)get_local_id(0), tx = l % TS, ty = l / TS;
    const int g = (int)get_group_id(0), tiles = n / TS;
    const int row = g / tiles * TS + ty, col = g % tiles * TS + tx;
    float acc = 0.0f;
    for (int t = 0; t < tiles; t++) {
        as[ty][tx] = a[row * n + t * TS + tx];
        bs[ty][tx] = b[(t * TS + ty) * n + col];
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < TS; k++)
            acc += as[ty][k] * bs[k][tx];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    c[row * n + col] = acc;
}
