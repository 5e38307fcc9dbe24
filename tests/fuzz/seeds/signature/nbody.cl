/* One step of an all-pairs gravitational n-body simulation: item i sums the
 * acceleration that bodies [0, count) exert on body i. The softening eps2 keeps
 * close pairs finite and makes body i's pull on itself zero (dx = dy = dz = 0),
 * so the loop needs no branch. About 20 floating-point operations per pair and
 * count pairs per item: O(n^2) work per step for O(n) data.
 * Positions and masses are separate float arrays rather than float4 so that
 * the fork backend's C compiler needs no OpenCL vector types. */
__kernel void nbody(__global const float *x, __global const float *y,
                    __global const float *z, __global const float *m,
                    __global float *ax, __global float *ay, __global float *az,
                    const uint count, const float eps2)
{
    const size_t i = get_global_id(0);
    const float xi = x[i], yi = y[i], zi = z[i];
    float sx = 0.0f, sy = 0.0f, sz = 0.0f;
    for (uint j = 0; j < count; j++) {
        const float dx = x[j] - xi;
        const float dy = y[j] - yi;
        const float dz = z[j] - zi;
        const float inv = rsqrt(dx * dx + dy * dy + dz * dz + eps2);
        const float s = m[j] * inv * inv * inv;
        sx += s * dx;
        sy += s * dy;
        sz += s * dz;
    }
    ax[i] = sx;
    ay[i] = sy;
    az[i] = sz;
}
