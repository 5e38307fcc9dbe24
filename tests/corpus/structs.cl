/*
 * Structs, declared in the #included common.h: an array of particles in
 * and out, the step's parameters by value, and a table of bin specs read
 * through a __global const struct pointer.
 */
#include "common.h"

__kernel void particles_step(__global const particle *in, __global particle *out,
                             const sim_params p)
{
    const size_t i = get_global_id(0);
    particle q = in[i];
    for (uint s = 0; s < p.steps; s++) {
        q.vx += (p.gx - p.drag * q.vx / q.mass) * p.dt;
        q.vy += (p.gy - p.drag * q.vy / q.mass) * p.dt;
        q.x += q.vx * p.dt;
        q.y += q.vy * p.dt;
    }
    q.id = q.id * 2u + 1u;
    out[i] = q;
}

__kernel void classify(__global const float *x, __global const bin_spec *specs,
                       const uint nspecs, __global uint *bin)
{
    const size_t i = get_global_id(0);
    const bin_spec s = specs[i % nspecs];
    const float v = x[i];
    uint b;
    if (v < s.lo)
        b = 0;
    else if (v >= s.hi)
        b = s.bin_count - 1;
    else
        b = (uint)((v - s.lo) / (s.hi - s.lo) * (float)s.bin_count);
    bin[i] = s.base + min(b, s.bin_count - 1);
}
