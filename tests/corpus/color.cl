/*
 * Colour conversion over uchar4 RGBA pixels, the usual vector shape: a
 * pixel widened with convert_int4, weighted in fixed point (BT.601's
 * 0.299, 0.587, 0.114 as 77, 150, 29 of 256) and narrowed with saturation.
 */
__kernel void rgba_to_gray(__global const uchar4 *rgba, __global uchar *gray)
{
    const size_t i = get_global_id(0);
    const int4 p = convert_int4(rgba[i]);
    gray[i] = convert_uchar_sat((77 * p.x + 150 * p.y + 29 * p.z + 128) >> 8);
}
