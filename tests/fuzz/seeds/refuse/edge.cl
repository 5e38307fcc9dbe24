int helper(int i) { return get_global_id(0) + i; }
__kernel void vec(__global float4 *a) { a[get_global_id(0)] = (float4)(1.0f, 2.0f, 3.0f, 4.0f); }
__kernel void img(read_only image2d_t im, __global float *o) { o[0] = 1; }
__kernel void loc(__global int *a, __local int *t) { t[get_local_id(0)] = a[0]; barrier(CLK_LOCAL_MEM_FENCE); }
__kernel void atom(__global int *c) { atomic_add(c, 1); }
__kernel void pf(__global int *c) { printf("%d\n", c[0]); }
