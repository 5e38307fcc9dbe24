/* y[i] = a * x[i] + y[i]: one multiply-add per 12 bytes moved, so its speed
 * is the memory bandwidth of whatever runs it. */
__kernel void saxpy(const float a, __global const float *x, __global float *y)
{
    const size_t i = get_global_id(0);
    y[i] = a * x[i] + y[i];
}
