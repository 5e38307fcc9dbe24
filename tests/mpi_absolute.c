/*
 * The built-in kernels themselves (kernels/saxpy.cl and mandelbrot.cl, which
 * index host arrays with get_global_id(0) as clpool_map gives it) through
 * clpool_mpi_map at 2 and 3 ranks, against one pool's clpool_map: the map a
 * user already wrote runs unchanged across ranks. Each rank's chunks are
 * ranges with an offset, so this holds only while the core's ranges shift
 * host arrays by their offset (element i - offset at the kernel's index i).
 */
#include "mpi_harness.h"
#include "reference.h"

static int case_builtin(void)
{
    int me = mpi_rank();
    clpool *pool = mpi_open(CLPOOL_FORK);
    ASSERT(pool != NULL);
    clpool_kernel *saxpy = test_kernel(pool, "saxpy", NULL);
    clpool_kernel *mandel = test_kernel(pool, "mandelbrot", NULL);

    const size_t n = 200003;
    float *x = NULL, *y = NULL, *want = NULL;
    if (me == 0) {
        x = malloc(n * sizeof *x);
        y = malloc(n * sizeof *y);
        want = malloc(n * sizeof *want);
        ASSERT(x != NULL && y != NULL && want != NULL);
        unsigned seed = 3;
        for (size_t i = 0; i < n; i++) {
            x[i] = ref_uniform(&seed, -1, 1);
            y[i] = want[i] = ref_uniform(&seed, -1, 1);
        }
        ASSERT_OK(pool, CLPOOL_MAP(saxpy, n, clpool_f32(3.0f), clpool_in(x, 4),
                                   clpool_inout(want, 4)));
    }
    clpool_arg sargs[] = {clpool_f32(3.0f), clpool_in(x, 4), clpool_inout(y, 4)};
    int st = clpool_mpi_map(saxpy, MPI_COMM_WORLD, 0, n, sargs, 3);
    mpi_assert_same(st);
    ASSERT_OK(pool, st);
    if (me == 0)
        for (size_t i = 0; i < n; i++)
            if (y[i] != want[i])
                FAIL_("saxpy.cl: y[%zu] = %.9g, one pool gives %.9g", i, y[i], want[i]);

    const uint32_t w = 500, h = 301, iters = 300;
    const size_t m = (size_t)w * h;
    uint32_t *it = NULL, *iwant = NULL;
    if (me == 0) {
        it = calloc(m, sizeof *it);
        iwant = calloc(m, sizeof *iwant);
        ASSERT(it != NULL && iwant != NULL);
        ASSERT_OK(pool, CLPOOL_MAP(mandel, m, clpool_out(iwant, 4), clpool_u32(w),
                                   clpool_f32(-2.0f), clpool_f32(-1.2f), clpool_f32(3.0f / w),
                                   clpool_f32(2.4f / h), clpool_u32(iters)));
    }
    clpool_arg margs[] = {clpool_out(it, 4), clpool_u32(w), clpool_f32(-2.0f),
                          clpool_f32(-1.2f), clpool_f32(3.0f / w), clpool_f32(2.4f / h),
                          clpool_u32(iters)};
    st = clpool_mpi_map(mandel, MPI_COMM_WORLD, 0, m, margs, 7);
    mpi_assert_same(st);
    ASSERT_OK(pool, st);
    if (me == 0)
        for (size_t i = 0; i < m; i++)
            if (it[i] != iwant[i])
                FAIL_("mandelbrot.cl: pixel %zu = %u, one pool gives %u", i, it[i], iwant[i]);
    free(x);
    free(y);
    free(want);
    free(it);
    free(iwant);
    clpool_close(pool);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--rank") == 0) {
        mpi_rank_init(&argc, &argv);
        int rc = strcmp(argv[2], "builtin") == 0 ? case_builtin() : 1;
        mpi_rank_finalize();
        return rc;
    }
    mpi_launcher_start();
    for (int ranks = 2; ranks <= 3; ranks++)
        MPI_EXPECT_RUN(mpi_run_env(argv[0], ranks, "builtin", NULL));
    return 0;
}
