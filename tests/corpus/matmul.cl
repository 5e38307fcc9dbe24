/*
 * C = A * B for row-major A (m x k) and B (k x n): one work-item per element
 * of C, column = get_global_id(0), row = get_global_id(1). The tiled kernel
 * walks k in TS-wide steps, the work-group loading a TS x TS tile of A and
 * one of B into __local memory between barriers. Sizes are multiples of TS.
 */
#define TS 16

__kernel void matmul_naive(__global const float *a, __global const float *b, __global float *c,
                           const int m, const int n, const int k)
{
    const int col = (int)get_global_id(0);
    const int row = (int)get_global_id(1);
    float acc = 0.0f;
    for (int i = 0; i < k; i++)
        acc += a[row * k + i] * b[i * n + col];
    c[row * n + col] = acc;
}

__kernel __attribute__((reqd_work_group_size(TS, TS, 1)))
void matmul_tiled(__global const float *a, __global const float *b, __global float *c,
                  const int m, const int n, const int k)
{
    __local float as[TS][TS];
    __local float bs[TS][TS];
    const int col = (int)get_global_id(0);
    const int row = (int)get_global_id(1);
    const int lx = (int)get_local_id(0);
    const int ly = (int)get_local_id(1);
    float acc = 0.0f;
    for (int t = 0; t < k; t += TS) {
        as[ly][lx] = a[row * k + t + lx];
        bs[ly][lx] = b[(t + ly) * n + col];
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int i = 0; i < TS; i++)
            acc += as[ly][i] * bs[i][lx];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    c[row * n + col] = acc;
}
