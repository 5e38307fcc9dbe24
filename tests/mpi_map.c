/*
 * clpool_mpi_map gives what one pool's clpool_map gives: saxpy (clpool_in,
 * clpool_inout, a scalar), Mandelbrot (clpool_out, the item's absolute index
 * in the kernel's arithmetic) and a table lookup (clpool_array_in broadcast),
 * at 1, 2 and 3 ranks, with root 0 and the last rank, with sizes that are
 * and are not multiples of the chunk granule, with the ranks' pools running
 * their chunks in chunks of their own (CLPOOL_MAX_CHUNK_BYTES small), with
 * a fixed CLPOOL_MPI_CHUNK, and maps one after another on one communicator.
 * The kernels are the tests' own (mpi_harness.h); mpi_absolute runs the
 * built-in .cl files themselves.
 */
#include "mpi_harness.h"
#include "reference.h"

/* saxpy over n items with root root: the MPI map against root's own pool. */
static void check_saxpy(clpool *pool, clpool_kernel *k, size_t n, int root)
{
    int me = mpi_rank();
    float *x = NULL, *y = NULL, *want = NULL;
    if (me == root) {
        x = malloc((n + 1) * sizeof *x);
        y = malloc((n + 1) * sizeof *y);
        want = malloc((n + 1) * sizeof *want);
        ASSERT(x != NULL && y != NULL && want != NULL);
        unsigned seed = (unsigned)n;
        for (size_t i = 0; i < n; i++) {
            x[i] = ref_uniform(&seed, -1, 1);
            y[i] = want[i] = ref_uniform(&seed, -1, 1);
        }
        ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_f32(2.5f), clpool_in(x, 4), clpool_inout(want, 4)));
    }
    /* Other ranks' scalars are ignored: give a wrong one. */
    clpool_arg args[] = {clpool_f32(me == root ? 2.5f : -7.0f), clpool_in(x, 4),
                         clpool_inout(y, 4)};
    int st = clpool_mpi_map(k, MPI_COMM_WORLD, root, n, args, 3);
    if (st != CLPOOL_OK)
        fprintf(stderr, "rank %d: %s\n", me, clpool_errmsg(pool));
    mpi_assert_same(st);
    ASSERT_OK(pool, st);
    if (me == root) {
        for (size_t i = 0; i < n; i++)
            if (y[i] != want[i])
                FAIL_("saxpy n=%zu root=%d: y[%zu] = %.9g, one pool gives %.9g", n, root, i,
                      y[i], want[i]);
    }
    free(x);
    free(y);
    free(want);
}

static void check_mandelbrot(clpool *pool, clpool_kernel *k, uint32_t width, uint32_t height,
                             int root)
{
    int me = mpi_rank();
    size_t n = (size_t)width * height;
    uint32_t *it = NULL, *want = NULL;
    const float x0 = -2.0f, y0 = -1.2f, dx = 3.0f / (float)width, dy = 2.4f / (float)height;
    const uint32_t max_iter = 200;
    if (me == root) {
        it = calloc(n, sizeof *it);
        want = calloc(n, sizeof *want);
        ASSERT(it != NULL && want != NULL);
        ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_out(want, 4), clpool_u32(width), clpool_f32(x0),
                                   clpool_f32(y0), clpool_f32(dx), clpool_f32(dy),
                                   clpool_u32(max_iter)));
    }
    clpool_arg args[] = {clpool_out(it, 4), clpool_u32(width), clpool_f32(x0), clpool_f32(y0),
                         clpool_f32(dx), clpool_f32(dy), clpool_u32(max_iter)};
    int st = clpool_mpi_map(k, MPI_COMM_WORLD, root, n, args, 7);
    if (st != CLPOOL_OK)
        fprintf(stderr, "rank %d: %s\n", me, clpool_errmsg(pool));
    mpi_assert_same(st);
    ASSERT_OK(pool, st);
    if (me == root)
        for (size_t i = 0; i < n; i++)
            if (it[i] != want[i])
                FAIL_("mandelbrot %ux%u: pixel %zu = %u, one pool gives %u", width, height, i,
                      it[i], want[i]);
    free(it);
    free(want);
}

static void check_lut(clpool *pool, clpool_kernel *k, size_t n, int root)
{
    int me = mpi_rank();
    enum { M = 1000 };
    int32_t table[M];
    uint32_t *idx = NULL;
    int32_t *out = NULL, *want = NULL;
    if (me == root) {
        for (int i = 0; i < M; i++)
            table[i] = i * i - 5000;
        idx = malloc(n * sizeof *idx);
        out = malloc(n * sizeof *out);
        want = malloc(n * sizeof *want);
        ASSERT(idx != NULL && out != NULL && want != NULL);
        unsigned seed = 7;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1664525u + 1013904223u;
            idx[i] = seed >> 4;
        }
        ASSERT_OK(pool, CLPOOL_MAP(k, n, clpool_array_in(table, sizeof table), clpool_in(idx, 4),
                                   clpool_out(want, 4), clpool_u32(M)));
    } else {
        memset(table, 0xff, sizeof table); /* ignored: root's table is sent */
    }
    clpool_arg args[] = {clpool_array_in(me == root ? table : NULL, sizeof table),
                         clpool_in(idx, 4), clpool_out(out, 4), clpool_u32(M)};
    int st = clpool_mpi_map(k, MPI_COMM_WORLD, root, n, args, 4);
    if (st != CLPOOL_OK)
        fprintf(stderr, "rank %d: %s\n", me, clpool_errmsg(pool));
    mpi_assert_same(st);
    ASSERT_OK(pool, st);
    if (me == root)
        for (size_t i = 0; i < n; i++)
            if (out[i] != want[i])
                FAIL_("lut: out[%zu] = %d, one pool gives %d", i, out[i], want[i]);
    free(idx);
    free(out);
    free(want);
}

static int case_results(void)
{
    int size = mpi_size();
    clpool *pool = mpi_open(CLPOOL_FORK);
    ASSERT(pool != NULL);
    clpool_program *prog = mpi_test_program(pool);
    clpool_kernel *saxpy = mpi_test_kernel(prog, "saxpy");
    clpool_kernel *mandel = mpi_test_kernel(prog, "mandelbrot");
    clpool_kernel *lut = mpi_test_kernel(prog, "lut");

    const size_t sizes[] = {0, 1, 2, 255, 1000, 100003, 300000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        check_saxpy(pool, saxpy, sizes[i], 0);
    check_saxpy(pool, saxpy, 100003, size - 1);
    check_mandelbrot(pool, mandel, 640, 333, 0);
    check_mandelbrot(pool, mandel, 301, 97, size - 1);
    check_lut(pool, lut, 54321, 0);
    clpool_close(pool);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--rank") == 0) {
        mpi_rank_init(&argc, &argv);
        int rc = 1;
        if (strcmp(argv[2], "results") == 0)
            rc = case_results();
        else
            FAIL_("unknown case %s", argv[2]);
        mpi_rank_finalize();
        return rc;
    }
    mpi_launcher_start();
    const char *chunked[] = {"CLPOOL_MAX_CHUNK_BYTES=4096", NULL};
    const char *fixed[] = {"CLPOOL_MPI_CHUNK=1000", NULL};
    for (int ranks = 1; ranks <= 3; ranks++)
        MPI_EXPECT_RUN(mpi_run_env(argv[0], ranks, "results", NULL));
    for (int ranks = 2; ranks <= 3; ranks++)
        MPI_EXPECT_RUN(mpi_run_env(argv[0], ranks, "results", chunked));
    MPI_EXPECT_RUN(mpi_run_env(argv[0], 3, "results", fixed));
    return 0;
}
