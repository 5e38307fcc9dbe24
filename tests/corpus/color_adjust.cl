/*
 * Brightness and contrast on uchar4 RGBA pixels, every channel but alpha,
 * in float4, rounded to nearest even and saturated on the way back
 * (convert_uchar4_sat_rte).
 */
__kernel void adjust_rgba(__global uchar4 *rgba, const float gain, const float bias)
{
    const size_t i = get_global_id(0);
    const float4 p = convert_float4(rgba[i]);
    float4 q = p * gain + bias;
    q.w = p.w;
    rgba[i] = convert_uchar4_sat_rte(q);
}
