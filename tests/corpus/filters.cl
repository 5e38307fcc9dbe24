/*
 * 2-D image filters over a w x h float image, row-major: one work-item per
 * output pixel, x = get_global_id(0), y = get_global_id(1). The source image
 * is read around the pixel (the edge repeated outside it), so it is passed
 * whole; the output has one element per item.
 */
#include "common.h"

/* A 3x3 box blur. */
__kernel void blur3x3(__global const float *src, __global float *dst, const int w, const int h)
{
    const int x = (int)get_global_id(0);
    const int y = (int)get_global_id(1);
    float sum = 0.0f;
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
            sum += pixel_clamped(src, x + dx, y + dy, w, h);
    dst[y * w + x] = sum * (1.0f / 9.0f);
}

/* Sobel: the size of the gradient. */
__kernel void sobel(__global const float *src, __global float *mag, const int w, const int h)
{
    const int x = (int)get_global_id(0);
    const int y = (int)get_global_id(1);
    const float p00 = pixel_clamped(src, x - 1, y - 1, w, h);
    const float p10 = pixel_clamped(src, x, y - 1, w, h);
    const float p20 = pixel_clamped(src, x + 1, y - 1, w, h);
    const float p01 = pixel_clamped(src, x - 1, y, w, h);
    const float p21 = pixel_clamped(src, x + 1, y, w, h);
    const float p02 = pixel_clamped(src, x - 1, y + 1, w, h);
    const float p12 = pixel_clamped(src, x, y + 1, w, h);
    const float p22 = pixel_clamped(src, x + 1, y + 1, w, h);
    const float gx = (p20 + 2.0f * p21 + p22) - (p00 + 2.0f * p01 + p02);
    const float gy = (p02 + 2.0f * p12 + p22) - (p00 + 2.0f * p10 + p20);
    mag[y * w + x] = sqrt(gx * gx + gy * gy);
}

/* A 5x5 Gaussian blur whose weights are a program-scope __constant table
 * (binomial, summing to 256). */
__constant float gauss5[25] = {
    1, 4,  6,  4,  1,
    4, 16, 24, 16, 4,
    6, 24, 36, 24, 6,
    4, 16, 24, 16, 4,
    1, 4,  6,  4,  1,
};

__kernel void gauss5x5(__global const float *src, __global float *dst, const int w, const int h)
{
    const int x = (int)get_global_id(0);
    const int y = (int)get_global_id(1);
    float sum = 0.0f;
    for (int dy = -2; dy <= 2; dy++)
        for (int dx = -2; dx <= 2; dx++)
            sum += gauss5[(dy + 2) * 5 + dx + 2] * pixel_clamped(src, x + dx, y + dy, w, h);
    dst[y * w + x] = sum * (1.0f / 256.0f);
}
