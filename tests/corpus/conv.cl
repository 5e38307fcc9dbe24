/*
 * Separable convolution: a row pass then a column pass with the same
 * 2 * RADIUS + 1 weights (RADIUS from a -D option), over a w x h image,
 * the edge repeated outside it. The weights are a __constant table.
 */
#ifndef RADIUS
#define RADIUS 2
#endif

__kernel void conv_rows(__global const float *src, __constant float *weights,
                        __global float *dst, const int w, const int h)
{
    const int x = (int)get_global_id(0);
    const int y = (int)get_global_id(1);
    float sum = 0.0f;
    for (int k = -RADIUS; k <= RADIUS; k++) {
        const int xx = clamp(x + k, 0, w - 1);
        sum += weights[k + RADIUS] * src[y * w + xx];
    }
    dst[y * w + x] = sum;
}

__kernel void conv_cols(__global const float *src, __constant float *weights,
                        __global float *dst, const int w, const int h)
{
    const int x = (int)get_global_id(0);
    const int y = (int)get_global_id(1);
    float sum = 0.0f;
    for (int k = -RADIUS; k <= RADIUS; k++) {
        const int yy = clamp(y + k, 0, h - 1);
        sum += weights[k + RADIUS] * src[yy * w + x];
    }
    dst[y * w + x] = sum;
}
