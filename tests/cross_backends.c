/*
 * Every built-in kernel gives the same output on the fork backend and on an
 * OpenCL device: integers exactly, floats within stated bounds.
 *
 * Bounds, and why they are not zero: PoCL and the host compiler contract
 * a*b+c into fused multiply-adds in different places, and their exp, log,
 * sqrt and rsqrt differ in the last bits (OpenCL allows up to 3-4 ulp).
 *   saxpy          |fork - cl| <= 2^-22 * (|a*x| + |y|)     (a couple of ulp)
 *   blackscholes   |fork - cl| <= 1e-4 + 1e-4 * |cl|
 *   nbody          |fork - cl| <= 1e-4 * (sum over j of |pull of j|) + 1e-6
 *   mandelbrot     iteration counts equal on at least 99% of pixels (a fused
 *                  multiply-add near the set's edge changes some escapes)
 *   histogram      bins equal exactly
 */
#include "task.h"

#include "reference.h"

#define N_SAXPY 100003
#define W 320
#define H 240
#define N_BS 65536
#define N_BODY 1024
#define N_HIST 1000003

struct outputs {
    float *saxpy;
    unsigned *mandel;
    float *call, *put;
    float *ax, *ay, *az;
    unsigned bins[256];
};

/* Inputs, made once and shared by both backends. */
static float sx[N_SAXPY], sy[N_SAXPY];
static float S[N_BS], K[N_BS], T[N_BS];
static float bx[N_BODY], by[N_BODY], bz[N_BODY], bm[N_BODY];

static void make_inputs(void)
{
    unsigned s = 12345;
    for (int i = 0; i < N_SAXPY; i++) {
        sx[i] = ref_uniform(&s, -100, 100);
        sy[i] = ref_uniform(&s, -100, 100);
    }
    for (int i = 0; i < N_BS; i++) {
        S[i] = ref_uniform(&s, 5, 30);
        K[i] = ref_uniform(&s, 1, 100);
        T[i] = ref_uniform(&s, 0.25f, 10);
    }
    for (int i = 0; i < N_BODY; i++) {
        bx[i] = ref_uniform(&s, -1, 1);
        by[i] = ref_uniform(&s, -1, 1);
        bz[i] = ref_uniform(&s, -1, 1);
        bm[i] = ref_uniform(&s, 0.5f, 1.5f);
    }
}

static void run_all(clpool *pool, struct outputs *o)
{
    o->saxpy = malloc(N_SAXPY * sizeof *o->saxpy);
    o->mandel = malloc(W * H * sizeof *o->mandel);
    o->call = malloc(N_BS * sizeof(float));
    o->put = malloc(N_BS * sizeof(float));
    o->ax = malloc(N_BODY * sizeof(float));
    o->ay = malloc(N_BODY * sizeof(float));
    o->az = malloc(N_BODY * sizeof(float));
    ASSERT(o->saxpy && o->mandel && o->call && o->put && o->ax && o->ay && o->az);

    memcpy(o->saxpy, sy, sizeof sy);
    ASSERT_OK(pool, CLPOOL_MAP(test_kernel(pool, "saxpy", NULL), N_SAXPY, clpool_f32(1.7f),
                               clpool_in(sx, sizeof(float)), clpool_inout(o->saxpy, sizeof(float))));
    ASSERT_OK(pool, CLPOOL_MAP(test_kernel(pool, "mandelbrot", NULL), W * H,
                               clpool_out(o->mandel, sizeof(unsigned)), clpool_u32(W),
                               clpool_f32(-2.0f), clpool_f32(-1.125f), clpool_f32(3.0f / W),
                               clpool_f32(2.25f / H), clpool_u32(512)));
    ASSERT_OK(pool, CLPOOL_MAP(test_kernel(pool, "blackscholes", NULL), N_BS,
                               clpool_in(S, sizeof(float)), clpool_in(K, sizeof(float)),
                               clpool_in(T, sizeof(float)), clpool_out(o->call, sizeof(float)),
                               clpool_out(o->put, sizeof(float)), clpool_f32(0.02f),
                               clpool_f32(0.30f)));

    /* nbody reads every body's position through buffers, not item by item. */
    clpool_buffer *b[4];
    const float *src[4] = {bx, by, bz, bm};
    for (int i = 0; i < 4; i++) {
        ASSERT_OK(pool, clpool_buffer_new(pool, sizeof bx, &b[i]));
        ASSERT_OK(pool, clpool_buffer_write(b[i], 0, src[i], sizeof bx));
    }
    ASSERT_OK(pool, CLPOOL_MAP(test_kernel(pool, "nbody", NULL), N_BODY, clpool_buf(b[0]),
                               clpool_buf(b[1]), clpool_buf(b[2]), clpool_buf(b[3]),
                               clpool_out(o->ax, sizeof(float)), clpool_out(o->ay, sizeof(float)),
                               clpool_out(o->az, sizeof(float)), clpool_u32(N_BODY),
                               clpool_f32(0.01f)));
    for (int i = 0; i < 4; i++)
        clpool_buffer_free(b[i]);

    clpool_buffer *bins;
    ASSERT_OK(pool, clpool_buffer_new(pool, sizeof o->bins, &bins));
    memset(o->bins, 0, sizeof o->bins);
    ASSERT_OK(pool, clpool_buffer_write(bins, 0, o->bins, sizeof o->bins));
    ASSERT_OK(pool, CLPOOL_MAP(test_kernel(pool, "histogram", NULL), N_HIST,
                               clpool_buf(bins), clpool_u32(7), clpool_u32(16)));
    ASSERT_OK(pool, clpool_buffer_read(bins, 0, o->bins, sizeof o->bins));
    clpool_buffer_free(bins);
}

static void free_outputs(struct outputs *o)
{
    free(o->saxpy);
    free(o->mandel);
    free(o->call);
    free(o->put);
    free(o->ax);
    free(o->ay);
    free(o->az);
}

/* The sum of the sizes of every pull on body i (scale for nbody's bound). */
static double pull_scale(int i)
{
    double total = 0;
    for (int j = 0; j < N_BODY; j++) {
        double dx = bx[j] - bx[i], dy = by[j] - by[i], dz = bz[j] - bz[i];
        double r2 = dx * dx + dy * dy + dz * dz + 0.01;
        total += bm[j] / r2;
    }
    return total;
}

static void compare(const struct outputs *f, const struct outputs *c)
{
    for (int i = 0; i < N_SAXPY; i++)
        ASSERT_NEAR(f->saxpy[i], c->saxpy[i],
                    ldexp(fabs(1.7 * sx[i]) + fabs(sy[i]), -22));

    int differ = 0;
    for (int i = 0; i < W * H; i++)
        differ += f->mandel[i] != c->mandel[i];
    fprintf(stderr, "mandelbrot: %d of %d pixels differ\n", differ, W * H);
    ASSERT_LE(differ * 100, W * H);

    for (int i = 0; i < N_BS; i++) {
        ASSERT_NEAR(f->call[i], c->call[i], 1e-4 + 1e-4 * fabs(c->call[i]));
        ASSERT_NEAR(f->put[i], c->put[i], 1e-4 + 1e-4 * fabs(c->put[i]));
    }

    for (int i = 0; i < N_BODY; i++) {
        double tol = 1e-4 * pull_scale(i) + 1e-6;
        ASSERT_NEAR(f->ax[i], c->ax[i], tol);
        ASSERT_NEAR(f->ay[i], c->ay[i], tol);
        ASSERT_NEAR(f->az[i], c->az[i], tol);
    }

    unsigned long total = 0;
    for (int i = 0; i < 256; i++) {
        ASSERT_EQ(f->bins[i], c->bins[i]);
        total += f->bins[i];
    }
    ASSERT_EQ(total, N_HIST);
}

int main(void)
{
    make_inputs();
    /* The fork pool comes first: a process that has loaded an OpenCL driver
     * forks no workers. */
    clpool *fork_pool = test_open(CLPOOL_FORK, NULL);
    clpool_config cfg = test_config(CLPOOL_OPENCL);
    clpool *cl_pool = test_try_open(&cfg);
    if (cl_pool == NULL) {
        clpool_close(fork_pool);
        return TEST_SKIP;
    }

    struct outputs f, c;
    run_all(fork_pool, &f);
    run_all(cl_pool, &c);
    compare(&f, &c);
    free_outputs(&f);
    free_outputs(&c);
    clpool_close(cl_pool);
    clpool_close(fork_pool);
    return 0;
}
