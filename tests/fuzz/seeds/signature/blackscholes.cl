/* Black-Scholes prices of European call and put options: spot price S,
 * strike K and years to expiry T per option; riskless rate r and volatility v
 * shared by all. Dominated by exp, log, sqrt and the normal CDF. */

/* Cumulative normal distribution, Abramowitz & Stegun 26.2.17 (|error| <
 * 7.5e-8). */
float cnd(float d)
{
    const float a1 = 0.319381530f, a2 = -0.356563782f, a3 = 1.781477937f;
    const float a4 = -1.821255978f, a5 = 1.330274429f;
    const float rsqrt2pi = 0.39894228040143267794f;
    const float k = 1.0f / (1.0f + 0.2316419f * fabs(d));
    const float poly = k * (a1 + k * (a2 + k * (a3 + k * (a4 + k * a5))));
    const float c = rsqrt2pi * exp(-0.5f * d * d) * poly;
    return d > 0.0f ? 1.0f - c : c;
}

__kernel void blackscholes(__global const float *S, __global const float *K,
                           __global const float *T, __global float *call,
                           __global float *put, const float r, const float v)
{
    const size_t i = get_global_id(0);
    const float s = S[i], k = K[i], t = T[i];
    const float sqrt_t = sqrt(t);
    const float d1 = (log(s / k) + (r + 0.5f * v * v) * t) / (v * sqrt_t);
    const float d2 = d1 - v * sqrt_t;
    const float discount = exp(-r * t);
    call[i] = s * cnd(d1) - k * discount * cnd(d2);
    put[i] = k * discount * cnd(-d2) - s * cnd(-d1);
}
