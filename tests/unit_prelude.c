/*
 * The native prelude's built-ins against C: kernels that call many of them
 * once, built with the host C compiler (and again with clang when it is
 * here), run in this process, and compared value by value. Sizes of the
 * results check that float stays float and ints keep their types.
 */
#include "native_test.h"

#include <limits.h>
#include <math.h>

static clpool *pool;
static const char *compiler = "cc";

static const char int_src[] =
    "__kernel void ints(__global int *o, __global uint *u, __global long *l,\n"
    "                   const int a, const int b, const uint ua, const uint ub)\n"
    "{\n"
    "    o[0] = min(a, b); o[1] = max(a, b); o[2] = clamp(a, -5, 5);\n"
    "    o[3] = add_sat(a, b); o[4] = sub_sat(a, b); o[5] = mul_hi(a, b);\n"
    "    o[6] = mad24(a, b, 3); o[7] = mul24(a, b); o[8] = popcount(a); o[9] = clz(a);\n"
    "    o[10] = ctz(a); o[11] = rotate(a, 5); o[12] = hadd(a, b); o[13] = rhadd(a, b);\n"
    "    o[14] = select(a, b, a < b); o[15] = add_sat((char)100, (char)100);\n"
    "    o[16] = sub_sat((uchar)3, (uchar)5); o[17] = convert_int_sat(3e10f);\n"
    "    o[18] = convert_int_sat(-3e10f); o[19] = convert_uchar_sat(-5);\n"
    "    o[20] = convert_uchar_sat(300); o[21] = convert_int_rte(2.5f);\n"
    "    o[22] = convert_int_rtp(2.1f); o[23] = convert_int_rtn(-2.1f);\n"
    "    o[24] = convert_int(2.9f); o[25] = convert_short_sat(70000L);\n"
    "    o[26] = convert_int_sat(NAN); o[27] = clz((uchar)1); o[28] = abs((char)-128);\n"
    "    o[29] = mad_hi(a, b, 7); o[30] = mad_sat(INT_MAX, 2, 1); o[31] = convert_uint_sat(-1);\n"
    "    o[32] = sizeof(abs(a)); o[33] = sizeof(min((short)1, (short)2));\n"
    "    o[34] = sizeof(upsample(a, ua)); o[35] = popcount(-1L) == 64;\n"
    "    o[36] = bitselect(a, b, 0xF0F0);\n"
    "    u[0] = abs(a); u[1] = abs_diff(a, b); u[2] = add_sat(ua, ub); u[3] = sub_sat(ua, ub);\n"
    "    u[4] = mul_hi(ua, ub); u[5] = rotate(ua, 31u); u[6] = popcount(ua); u[7] = clz(ua);\n"
    "    u[8] = as_uint(1.0f); u[9] = abs(INT_MIN); u[10] = min(ua, 7u);\n"
    "    l[0] = upsample(a, ua); l[1] = mul_hi((long)a * (1L << 40), (long)b * (1L << 30));\n"
    "    l[2] = (long)mul_hi((ulong)ua << 40, (ulong)ub << 40); l[3] = upsample((short)-2, (ushort)5);\n"
    "    l[4] = rotate(1L, 63L); l[5] = abs_diff(LONG_MIN, LONG_MAX) == ULONG_MAX;\n"
    "}\n";

static void test_ints(void)
{
    nt_built b = nt_build_ok(pool, "ints.cl", int_src, NULL);
    int o[40] = {0};
    uint32_t u[16] = {0};
    int64_t l[8] = {0};
    int a = -1234567, bb = 98765;
    uint32_t ua = 4000000000u, ub = 400000000u;
    void *args[] = {o, u, l, &a, &bb, &ua, &ub};
    clpool__native_run_items(nt_fn(&b, "ints"), args, 0, 1, 1);

    ASSERT_EQ(o[0], a);
    ASSERT_EQ(o[1], bb);
    ASSERT_EQ(o[2], -5);
    ASSERT_EQ(o[3], a + bb);
    ASSERT_EQ(o[4], a - bb);
    ASSERT_EQ(o[5], (int)(((int64_t)a * bb) >> 32));
    ASSERT_EQ(o[6], (int)((unsigned)a * (unsigned)bb + 3u));
    ASSERT_EQ(o[7], (int)((unsigned)a * (unsigned)bb));
    ASSERT_EQ(o[8], __builtin_popcount((unsigned)a));
    ASSERT_EQ(o[9], __builtin_clz((unsigned)a));
    ASSERT_EQ(o[10], __builtin_ctz((unsigned)a));
    ASSERT_EQ(o[11], (int)(((unsigned)a << 5) | ((unsigned)a >> 27)));
    ASSERT_EQ(o[12], (int)(((int64_t)a + bb) >> 1));
    ASSERT_EQ(o[13], (int)(((int64_t)a + bb + 1) >> 1));
    ASSERT_EQ(o[14], bb);
    ASSERT_EQ(o[15], 127);
    ASSERT_EQ(o[16], 0);
    ASSERT_EQ(o[17], INT_MAX);
    ASSERT_EQ(o[18], INT_MIN);
    ASSERT_EQ(o[19], 0);
    ASSERT_EQ(o[20], 255);
    ASSERT_EQ(o[21], 2);
    ASSERT_EQ(o[22], 3);
    ASSERT_EQ(o[23], -3);
    ASSERT_EQ(o[24], 2);
    ASSERT_EQ(o[25], 32767);
    ASSERT_EQ(o[26], 0);
    ASSERT_EQ(o[27], 7);
    ASSERT_EQ(o[28], 128);
    ASSERT_EQ(o[29], (int)(((int64_t)a * bb) >> 32) + 7);
    ASSERT_EQ(o[30], INT_MAX);
    ASSERT_EQ(o[31], 0);
    ASSERT_EQ(o[32], 4);
    ASSERT_EQ(o[33], 2);
    ASSERT_EQ(o[34], 8);
    ASSERT_EQ(o[35], 1);
    ASSERT_EQ(o[36], (a & ~0xF0F0) | (bb & 0xF0F0));
    ASSERT_EQ(u[0], 1234567u);
    ASSERT_EQ(u[1], (uint32_t)(bb - a));
    ASSERT_EQ(u[2], UINT32_MAX);
    ASSERT_EQ(u[3], ua - ub);
    ASSERT_EQ(u[4], (uint32_t)(((uint64_t)ua * ub) >> 32));
    ASSERT_EQ(u[5], (ua << 31) | (ua >> 1));
    ASSERT_EQ(u[6], (uint32_t)__builtin_popcount(ua));
    ASSERT_EQ(u[7], (uint32_t)__builtin_clz(ua));
    ASSERT_EQ(u[8], 0x3f800000u);
    ASSERT_EQ(u[9], 0x80000000u);
    ASSERT_EQ(u[10], 7);
    ASSERT_EQ(l[0], (int64_t)(((uint64_t)(uint32_t)a << 32) | ua));
    ASSERT_EQ(l[1], (int64_t)(((__int128)((int64_t)a * ((int64_t)1 << 40)) * ((int64_t)bb * ((int64_t)1 << 30))) >> 64));
    ASSERT_EQ(l[2], (int64_t)(((unsigned __int128)((uint64_t)ua << 40) * ((uint64_t)ub << 40)) >> 64));
    ASSERT_EQ(l[3], (int32_t)0xfffe0005u);
    ASSERT_EQ(l[4], INT64_MIN);
    ASSERT_EQ(l[5], 1);
    nt_built_free(&b);
}

static const char float_src[] =
    "__kernel void floats(__global float *f, __global double *d, __global int *n,\n"
    "                     const float x, const float y)\n"
    "{\n"
    "    float c, ip;\n"
    "    f[0] = clamp(x, 0.0f, 1.0f); f[1] = mix(x, y, 0.25f); f[2] = step(0.5f, x);\n"
    "    f[3] = smoothstep(0.0f, 2.0f, x); f[4] = sign(-x); f[5] = degrees(x); f[6] = radians(x);\n"
    "    f[7] = min(x, y); f[8] = max(x, y); f[9] = fmin(x, y); f[10] = fmax(x, y);\n"
    "    f[11] = mad(x, y, 1.0f); f[12] = fma(x, y, 1.0f); f[13] = native_exp(x);\n"
    "    f[14] = half_exp(x); f[15] = native_sqrt(x); f[16] = rsqrt(x); f[17] = cbrt(x);\n"
    "    f[18] = exp2(x); f[19] = exp10(x); f[20] = expm1(x); f[21] = log(x); f[22] = log2(x);\n"
    "    f[23] = log10(x); f[24] = log1p(x); f[25] = pow(x, y); f[26] = pown(x, 3);\n"
    "    f[27] = powr(x, y); f[28] = sin(x); f[29] = cos(x); f[30] = tan(x); f[31] = asin(x / 4);\n"
    "    f[32] = acos(x / 4); f[33] = atan(x); f[34] = atan2(x, y); f[35] = sinh(x);\n"
    "    f[36] = cosh(x); f[37] = tanh(x); f[38] = fabs(-x); f[39] = floor(x); f[40] = ceil(x);\n"
    "    f[41] = round(x); f[42] = trunc(x); f[43] = rint(x); f[44] = fmod(y, x);\n"
    "    f[45] = hypot(x, y); f[46] = copysign(x, -1.0f); f[47] = erf(x); f[48] = erfc(x);\n"
    "    f[49] = tgamma(x); f[50] = lgamma(x); f[51] = ldexp(x, 3); f[52] = sincos(x, &c);\n"
    "    f[53] = c; f[54] = sinpi(x); f[55] = cospi(x); f[56] = fract(x, &ip); f[57] = ip;\n"
    "    f[58] = maxmag(x, -y); f[59] = minmag(x, -y); f[60] = rootn(-27.0f, 3);\n"
    "    f[61] = as_float(as_uint(x)); f[62] = native_divide(x, y); f[63] = native_recip(x);\n"
    "    f[64] = sqrt(x); f[65] = exp(x); f[66] = native_log(x); f[67] = half_sin(x);\n"
    "    f[68] = convert_float(7); f[69] = mix(1.0f, 3.0f, 0.5f); f[70] = fdim(x, y);\n"
    "    f[71] = remainder(y, x); f[72] = asinh(x); f[73] = acosh(x + 1); f[74] = atanh(x / 4);\n"
    "    f[75] = logb(x); f[76] = nextafter(x, 10.0f) - x; f[77] = atan2pi(x, y);\n"
    "    f[78] = vload_half(0, (__global const half *)(d + 8));\n"
    "    vstore_half(x, 0, (__global half *)(d + 9));\n"
    "    d[0] = sqrt((double)x); d[1] = exp((double)x); d[2] = pow((double)x, (double)y);\n"
    "    d[3] = clamp((double)x, 0.0, 1.0); d[4] = fma((double)x, (double)y, 1.0);\n"
    "    d[5] = mix((double)x, (double)y, 0.5);\n"
    "    n[0] = isnan(NAN); n[1] = isnan(x); n[2] = isinf(INFINITY); n[3] = isfinite(x);\n"
    "    n[4] = signbit(-x); n[5] = signbit(x); n[6] = isequal(x, x); n[7] = isless(x, y);\n"
    "    n[8] = isgreater(x, y); n[9] = isnormal(x); n[10] = isunordered(x, NAN);\n"
    "    n[11] = isordered(x, y); n[12] = islessgreater(x, y); n[13] = ilogb(x);\n"
    "    n[14] = sizeof(sqrt(x)); n[15] = sizeof(sqrt((double)x)); n[16] = sizeof(min(x, y));\n"
    "    n[17] = sizeof(pow(x, 2.0f)); n[18] = sizeof(fma(x, x, x)); n[19] = sizeof(native_exp(x));\n"
    "    n[20] = any(-5); n[21] = all(3); n[22] = select(1, 2, 0); n[23] = signbit(-0.0f);\n"
    "    n[24] = get_work_dim(); n[25] = (int)get_local_size(0); n[26] = (int)get_local_id(0);\n"
    "    n[27] = (int)get_group_id(0); n[28] = (int)get_num_groups(0);\n"
    "    n[29] = (int)get_global_offset(0); n[30] = (int)get_global_id(1);\n"
    "    n[31] = (int)get_global_size(1);\n"
    "}\n";

#define NEAR(got, want) ASSERT_NEAR(got, want, 4e-6 * fabs((double)(want)) + 1e-37)

static void test_floats(void)
{
    nt_built b = nt_build_ok(pool, "floats.cl", float_src, NULL);
    float f[80];
    double d[12];
    int n[32];
    memset(f, 0, sizeof f);
    memset(d, 0, sizeof d);
    float x = 1.75f, y = 2.5f;
    const uint16_t h = 0x3600; /* 0.375 as an IEEE binary16 (no _Float16 needed here) */
    memcpy(&d[8], &h, sizeof h);
    void *args[] = {f, d, n, &x, &y};
    clpool__native_run_items(nt_fn(&b, "floats"), args, 0, 1, 1);

    const float pi = 3.14159265358979323846f;
    NEAR(f[0], 1);
    NEAR(f[1], x + (y - x) * 0.25f);
    NEAR(f[2], 1);
    float t = x / 2;
    NEAR(f[3], t * t * (3 - 2 * t));
    NEAR(f[4], -1);
    NEAR(f[5], x * 180 / pi);
    NEAR(f[6], x * pi / 180);
    NEAR(f[7], x);
    NEAR(f[8], y);
    NEAR(f[9], x);
    NEAR(f[10], y);
    NEAR(f[11], x * y + 1);
    NEAR(f[12], fmaf(x, y, 1));
    NEAR(f[13], expf(x));
    NEAR(f[14], expf(x));
    NEAR(f[15], sqrtf(x));
    NEAR(f[16], 1 / sqrtf(x));
    NEAR(f[17], cbrtf(x));
    NEAR(f[18], exp2f(x));
    NEAR(f[19], powf(10, x));
    NEAR(f[20], expm1f(x));
    NEAR(f[21], logf(x));
    NEAR(f[22], log2f(x));
    NEAR(f[23], log10f(x));
    NEAR(f[24], log1pf(x));
    NEAR(f[25], powf(x, y));
    NEAR(f[26], x * x * x);
    NEAR(f[27], powf(x, y));
    NEAR(f[28], sinf(x));
    NEAR(f[29], cosf(x));
    NEAR(f[30], tanf(x));
    NEAR(f[31], asinf(x / 4));
    NEAR(f[32], acosf(x / 4));
    NEAR(f[33], atanf(x));
    NEAR(f[34], atan2f(x, y));
    NEAR(f[35], sinhf(x));
    NEAR(f[36], coshf(x));
    NEAR(f[37], tanhf(x));
    NEAR(f[38], x);
    NEAR(f[39], 1);
    NEAR(f[40], 2);
    NEAR(f[41], 2);
    NEAR(f[42], 1);
    NEAR(f[43], 2);
    NEAR(f[44], fmodf(y, x));
    NEAR(f[45], hypotf(x, y));
    NEAR(f[46], -x);
    NEAR(f[47], erff(x));
    NEAR(f[48], erfcf(x));
    NEAR(f[49], tgammaf(x));
    NEAR(f[50], lgammaf(x));
    NEAR(f[51], x * 8);
    NEAR(f[52], sinf(x));
    NEAR(f[53], cosf(x));
    NEAR(f[54], sinf(pi * x));
    NEAR(f[55], cosf(pi * x));
    NEAR(f[56], 0.75f);
    NEAR(f[57], 1);
    NEAR(f[58], -y);
    NEAR(f[59], x);
    NEAR(f[60], -3);
    NEAR(f[61], x);
    NEAR(f[62], x / y);
    NEAR(f[63], 1 / x);
    NEAR(f[64], sqrtf(x));
    NEAR(f[65], expf(x));
    NEAR(f[66], logf(x));
    NEAR(f[67], sinf(x));
    NEAR(f[68], 7);
    NEAR(f[69], 2);
    NEAR(f[70], 0);
    NEAR(f[71], remainderf(y, x));
    NEAR(f[72], asinhf(x));
    NEAR(f[73], acoshf(x + 1));
    NEAR(f[74], atanhf(x / 4));
    NEAR(f[75], 0);
    NEAR(f[76], nextafterf(x, 10) - x);
    NEAR(f[77], atan2f(x, y) / pi);
    NEAR(f[78], 0.375f);
    uint16_t stored;
    memcpy(&stored, &d[9], sizeof stored);
    ASSERT_EQ(stored, 0x3F00); /* 1.75 */
    NEAR(d[0], sqrt((double)x));
    NEAR(d[1], exp((double)x));
    NEAR(d[2], pow((double)x, (double)y));
    NEAR(d[3], 1);
    NEAR(d[4], (double)x * y + 1);
    NEAR(d[5], ((double)x + y) / 2);
    const int want_n[32] = {1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 0, 4, 8,
                            4, 4, 4, 4, 1, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 1};
    for (int k = 0; k < 32; k++)
        if (n[k] != want_n[k])
            FAIL_("%s: n[%d] = %d, want %d", compiler, k, n[k], want_n[k]);
    nt_built_free(&b);
}

/* clang only: the built-ins element by element on vectors. */
static const char vector_src[] =
    "__kernel void vecs(__global float4 *f, __global int4 *i, __global uint4 *u)\n"
    "{\n"
    "    float4 x = (float4)(0.25f, 1.0f, 4.0f, 9.0f);\n"
    "    int4 a = (int4)(-3, 0, 7, INT_MIN);\n"
    "    f[0] = sqrt(x); f[1] = pow(x, 2.0f); f[2] = clamp(x, 0.5f, 5.0f);\n"
    "    f[3] = mix(x, (float4)(1.0f), 0.5f); f[4] = convert_float4(a);\n"
    "    f[5] = normalize((float4)(3.0f, 0.0f, 4.0f, 0.0f));\n"
    "    f[6] = cross((float4)(1.0f, 0.0f, 0.0f, 0.0f), (float4)(0.0f, 1.0f, 0.0f, 0.0f));\n"
    "    f[7] = fmax(x, 2.0f); f[8] = select(x, -x, x > 2.0f); f[9] = (float4)(x.hi, x.lo);\n"
    "    i[0] = abs(a) > 2; i[1] = popcount(a); i[2] = min(a, 1); i[3] = max(a, (int4)(0));\n"
    "    i[4] = (int4)(any(a < 0), all(a < 8), any(a > 100), all(a != 1));\n"
    "    i[5] = as_int4(x); i[6] = convert_int4(x * 2.0f); i[7] = isnan(x / 0.0f - x / 0.0f);\n"
    "    u[0] = abs(a); u[1] = rotate((uint4)(1u, 2u, 3u, 0x80000000u), (uint4)(1u));\n"
    "    u[2] = add_sat((uint4)(UINT_MAX), (uint4)(1u, 0u, 5u, 9u)); u[3] = hadd((uint4)(5u), (uint4)(8u));\n"
    "    vstore4(vload4(0, (__global const float *)f), 10, (__global float *)f);\n"
    "}\n";

static void test_vectors(void)
{
    nt_built b = nt_build_ok(pool, "vecs.cl", vector_src, NULL);
    float f[44][4];
    int i[8][4];
    uint32_t u[4][4];
    void *args[] = {f, i, u};
    clpool__native_run_items(nt_fn(&b, "vecs"), args, 0, 1, 1);
    const float x[4] = {0.25f, 1, 4, 9};
    const int a[4] = {-3, 0, 7, INT_MIN};
    for (int k = 0; k < 4; k++) {
        NEAR(f[0][k], sqrtf(x[k]));
        NEAR(f[1][k], x[k] * x[k]);
        NEAR(f[2][k], x[k] < 0.5f ? 0.5f : x[k] > 5 ? 5 : x[k]);
        NEAR(f[3][k], (x[k] + 1) / 2);
        NEAR(f[4][k], (float)a[k]);
        NEAR(f[7][k], x[k] > 2 ? x[k] : 2);
        NEAR(f[8][k], x[k] > 2 ? -x[k] : x[k]);
        NEAR(f[9][k], x[(k + 2) % 4]);
        NEAR(f[10][k], f[0][k]);
        ASSERT_EQ(i[0][k], (a[k] == INT_MIN || abs(a[k]) > 2) ? -1 : 0);
        ASSERT_EQ(i[1][k], __builtin_popcount((unsigned)a[k]));
        ASSERT_EQ(i[2][k], a[k] < 1 ? a[k] : 1);
        ASSERT_EQ(i[3][k], a[k] > 0 ? a[k] : 0);
        uint32_t bits;
        memcpy(&bits, &x[k], 4);
        ASSERT_EQ(i[5][k], (int)bits);
        ASSERT_EQ(i[6][k], (int)(x[k] * 2));
        ASSERT_EQ(i[7][k], -1);
        ASSERT_EQ(u[0][k], a[k] == INT_MIN ? 0x80000000u : (uint32_t)abs(a[k]));
        ASSERT_EQ(u[2][k], UINT32_MAX);
        ASSERT_EQ(u[3][k], 6u);
    }
    NEAR(f[5][0], 0.6f);
    NEAR(f[5][2], 0.8f);
    NEAR(f[6][2], 1);
    NEAR(f[6][0], 0);
    ASSERT_EQ(i[4][0], 1);
    ASSERT_EQ(i[4][1], 1);
    ASSERT_EQ(i[4][2], 0);
    ASSERT_EQ(i[4][3], 1);
    ASSERT_EQ(u[1][0], 2u);
    ASSERT_EQ(u[1][3], 1u);
    nt_built_free(&b);
}

static void run_all(const char *cc)
{
    compiler = cc != NULL ? cc : "cc";
    nt_set_cc(cc);
    test_ints();
    test_floats();
    if (cc != NULL && strcmp(cc, "clang") == 0)
        test_vectors();
    fprintf(stderr, "unit_prelude: built-ins match C under %s\n", compiler);
}

int main(void)
{
    pool = nt_pool(NULL);
    run_all(NULL);
    if (nt_have_clang())
        run_all("clang");
    else
        fprintf(stderr, "unit_prelude: no clang here; its run is skipped\n");
    nt_pool_free(pool, NULL);
    return 0;
}
