/*
 * Helpers and types shared by corpus kernels, #included the way real
 * projects share a header between kernel files: "common.h", found through
 * the build option -I tests/corpus. The C tests declare the same structs
 * with the same layout (tests/cross_corpus_misc.c).
 */
#ifndef CORPUS_COMMON_H
#define CORPUS_COMMON_H

/* The pixel at (x, y) of a w x h row-major image, the edge repeated
 * outside it. */
float pixel_clamped(__global const float *img, int x, int y, int w, int h)
{
    x = clamp(x, 0, w - 1);
    y = clamp(y, 0, h - 1);
    return img[y * w + x];
}

/* A point mass in 2-D (24 bytes, no padding). */
typedef struct particle {
    float x, y;
    float vx, vy;
    float mass;
    uint id;
} particle;

/* The parameters of a simulation step, passed by value (20 bytes). */
typedef struct sim_params {
    float dt;
    float gx, gy;
    float drag;
    uint steps;
} sim_params;

/* How to put a value in one of bin_count bins over [lo, hi) (16 bytes). */
typedef struct bin_spec {
    float lo, hi;
    uint bin_count;
    uint base; /* added to the bin number */
} bin_spec;

#endif
