/*
 * All-pairs gravity with float4 bodies: xyz the position, w the mass.
 * nbody_accel reads every body from global memory; nbody_tiled stages
 * get_local_size(0) bodies at a time in __local memory (the host gives the
 * space); nbody_integrate moves each body by its velocity and
 * acceleration. n is a multiple of the group size.
 */

float4 pull(float4 p, float4 q, float eps2)
{
    float4 d = q - p;
    d.w = 0.0f;
    const float r2 = dot(d, d) + eps2;
    const float inv = rsqrt(r2);
    return (q.w * inv * inv * inv) * d;
}

__kernel void nbody_accel(__global const float4 *pos, __global float4 *acc, const int n,
                          const float eps2)
{
    const int i = (int)get_global_id(0);
    const float4 p = pos[i];
    float4 a = (float4)(0.0f);
    for (int j = 0; j < n; j++)
        a += pull(p, pos[j], eps2);
    acc[i] = a;
}

__kernel void nbody_tiled(__global const float4 *pos, __global float4 *acc,
                          __local float4 *tile, const int n, const float eps2)
{
    const int i = (int)get_global_id(0);
    const int l = (int)get_local_id(0);
    const int size = (int)get_local_size(0);
    const float4 p = pos[i];
    float4 a = (float4)(0.0f);
    for (int base = 0; base < n; base += size) {
        tile[l] = pos[base + l];
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int j = 0; j < size; j++)
            a += pull(p, tile[j], eps2);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    acc[i] = a;
}

__kernel void nbody_integrate(__global float4 *pos, __global float4 *vel,
                              __global const float4 *acc, const float dt)
{
    const int i = (int)get_global_id(0);
    float4 v = vel[i] + acc[i] * dt;
    v.w = 0.0f;
    pos[i] += v * dt;
    vel[i] = v;
}
