/*
 * C references for the built-in kernels (the .cl files in kernels/), shared
 * by the tests that check their results. The float functions do the kernels'
 * float operations in the kernels' order, so that a test may compare exactly
 * where the kernel cannot round differently; the _f64 ones are the same
 * formulas in double, a reference closer to the truth than either float
 * version. Also the tests' deterministic input generator.
 */
#ifndef CLPOOL_TEST_REFERENCE_H
#define CLPOOL_TEST_REFERENCE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* Uniform floats in [lo, hi) from a 32-bit LCG: the same inputs on every
 * run, without rand()'s global state. */
static inline float ref_uniform(unsigned *state, float lo, float hi)
{
    *state = *state * 1664525u + 1013904223u;
    return lo + (hi - lo) * (float)(*state >> 8) / (float)(1u << 24);
}

/* saxpy.cl: item i's new y. */
static inline float ref_saxpy(float a, float x, float y)
{
    return a * x + y;
}

/* mandelbrot.cl: the iteration count of pixel i (of an image width pixels
 * wide), at most max_iter. */
static inline uint32_t ref_mandelbrot(size_t i, uint32_t width, float x0, float y0, float dx,
                                      float dy, uint32_t max_iter)
{
    const float cx = x0 + (float)(i % width) * dx;
    const float cy = y0 + (float)(i / width) * dy;
    float x = 0.0f, y = 0.0f;
    uint32_t n = 0;
    while (n < max_iter && x * x + y * y <= 4.0f) {
        const float xt = x * x - y * y + cx;
        y = 2.0f * x * y + cy;
        x = xt;
        n++;
    }
    return n;
}

/* blackscholes.cl's cnd: the cumulative normal distribution, Abramowitz &
 * Stegun 26.2.17. */
static inline float ref_cnd(float d)
{
    const float a1 = 0.319381530f, a2 = -0.356563782f, a3 = 1.781477937f;
    const float a4 = -1.821255978f, a5 = 1.330274429f;
    const float rsqrt2pi = 0.39894228040143267794f;
    const float k = 1.0f / (1.0f + 0.2316419f * fabsf(d));
    const float poly = k * (a1 + k * (a2 + k * (a3 + k * (a4 + k * a5))));
    const float c = rsqrt2pi * expf(-0.5f * d * d) * poly;
    return d > 0.0f ? 1.0f - c : c;
}

/* blackscholes.cl: the call and put prices of one option. */
static inline void ref_blackscholes(float s, float k, float t, float r, float v, float *call,
                                    float *put)
{
    const float sqrt_t = sqrtf(t);
    const float d1 = (logf(s / k) + (r + 0.5f * v * v) * t) / (v * sqrt_t);
    const float d2 = d1 - v * sqrt_t;
    const float discount = expf(-r * t);
    *call = s * ref_cnd(d1) - k * discount * ref_cnd(d2);
    *put = k * discount * ref_cnd(-d2) - s * ref_cnd(-d1);
}

/* ref_cnd in double. */
static inline double ref_cnd_f64(double d)
{
    const double a1 = 0.319381530, a2 = -0.356563782, a3 = 1.781477937;
    const double a4 = -1.821255978, a5 = 1.330274429;
    const double rsqrt2pi = 0.39894228040143267794;
    const double k = 1.0 / (1.0 + 0.2316419 * fabs(d));
    const double poly = k * (a1 + k * (a2 + k * (a3 + k * (a4 + k * a5))));
    const double c = rsqrt2pi * exp(-0.5 * d * d) * poly;
    return d > 0.0 ? 1.0 - c : c;
}

/* ref_blackscholes in double. */
static inline void ref_blackscholes_f64(double s, double k, double t, double r, double v,
                                        double *call, double *put)
{
    const double sqrt_t = sqrt(t);
    const double d1 = (log(s / k) + (r + 0.5 * v * v) * t) / (v * sqrt_t);
    const double d2 = d1 - v * sqrt_t;
    const double discount = exp(-r * t);
    *call = s * ref_cnd_f64(d1) - k * discount * ref_cnd_f64(d2);
    *put = k * discount * ref_cnd_f64(-d2) - s * ref_cnd_f64(-d1);
}

#endif /* CLPOOL_TEST_REFERENCE_H */
