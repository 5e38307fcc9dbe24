/*
 * Stencils: each item reads its neighbours, so the input is passed whole.
 * stencil3 is 1-D (x[i-1], x[i], x[i+1], the ends repeated); laplace3d is
 * the 7-point Laplacian over an nx x ny x nz grid (x fastest) with
 * get_global_id(2), the boundary copied.
 */
__kernel void stencil3(__global const float *x, __global float *y, const uint n, const float a,
                       const float b)
{
    const uint i = (uint)get_global_id(0);
    const float left = i > 0 ? x[i - 1] : x[i];
    const float right = i + 1 < n ? x[i + 1] : x[i];
    y[i] = a * x[i] + b * (left + right);
}

__kernel void laplace3d(__global const float *u, __global float *out, const int nx, const int ny,
                        const int nz)
{
    const int x = (int)get_global_id(0);
    const int y = (int)get_global_id(1);
    const int z = (int)get_global_id(2);
    const int sx = 1, sy = nx, sz = nx * ny;
    const int c = z * sz + y * sy + x;
    if (x == 0 || y == 0 || z == 0 || x == nx - 1 || y == ny - 1 || z == nz - 1) {
        out[c] = u[c];
        return;
    }
    out[c] = (u[c - sx] + u[c + sx]) + (u[c - sy] + u[c + sy]) + (u[c - sz] + u[c + sz]) -
             6.0f * u[c];
}
