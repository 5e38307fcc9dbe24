/*
 * One MPI map over ranks with different backends: rank 1 runs its chunks
 * on OpenCL (PoCL's CPU device here, CLPOOL_BACKEND=opencl set from the rank
 * number before clpool_open), the others on fork workers. Integer kernels,
 * so that the results must equal root's one-pool map bit for bit; every
 * rank must have run items. Then clpool_local on every rank, all on
 * OpenCL and all on fork: a kernel with reqd_work_group_size(256) sums its
 * group in local memory, which is right only if every chunk holds whole
 * groups. The OpenCL cases skip where OpenCL is missing.
 */
#include "mpi_harness.h"

static int case_mixed(void)
{
    int me = mpi_rank(), size = mpi_size();
    setenv("CLPOOL_BACKEND", me == 1 ? "opencl" : "fork", 1);
    clpool_config cfg;
    clpool_config_init(&cfg);
    cfg.workers = 1;
    clpool *pool = test_try_open(&cfg);
    mpi_skip_if_any(pool == NULL, "no OpenCL device for rank 1");
    fprintf(stderr, "rank %d: %s\n", me, clpool_describe(pool));
    clpool_program *prog = mpi_test_program(pool);
    clpool_kernel *hash = mpi_test_kernel(prog, "hash");
    clpool_kernel *lut = mpi_test_kernel(prog, "lut");

    const size_t n = 400000;
    uint32_t *in = NULL, *out = NULL, *want = NULL;
    if (me == 0) {
        in = malloc(n * sizeof *in);
        out = malloc(n * sizeof *out);
        want = malloc(n * sizeof *want);
        ASSERT(in != NULL && out != NULL && want != NULL);
        for (size_t i = 0; i < n; i++)
            in[i] = (uint32_t)(i * 2654435761u);
        ASSERT_OK(pool, CLPOOL_MAP(hash, n, clpool_in(in, 4), clpool_out(want, 4),
                                   clpool_u32(99)));
    }
    for (int rep = 0; rep < 2; rep++) {
        clpool_arg args[] = {clpool_in(in, 4), clpool_out(out, 4), clpool_u32(99)};
        int st = clpool_mpi_map(hash, MPI_COMM_WORLD, 0, n, args, 3);
        if (st != CLPOOL_OK)
            fprintf(stderr, "rank %d: %s\n", me, clpool_errmsg(pool));
        mpi_assert_same(st);
        ASSERT_OK(pool, st);
        clpool_mpi_stats stats;
        clpool_mpi_last_stats(&stats);
        fprintf(stderr, "rank %d: %zu items in %zu chunks\n", me, stats.items, stats.chunks);
        ASSERT_GT(stats.items, 0);
        unsigned long long mine = stats.items, total = 0;
        MPI_Reduce(&mine, &total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
        if (me == 0) {
            ASSERT_EQ(total, n);
            for (size_t i = 0; i < n; i++)
                if (out[i] != want[i])
                    FAIL_("hash: out[%zu] = %u, one pool gives %u", i, out[i], want[i]);
        }
    }

    /* A whole array broadcast to the OpenCL rank too, root the last rank. */
    enum { M = 777 };
    int32_t table[M];
    for (int i = 0; i < M; i++)
        table[i] = me == size - 1 ? 3 * i - 100 : -1;
    int32_t *lout = NULL, *lwant = NULL;
    if (me == size - 1) {
        lout = malloc(n * sizeof *lout);
        lwant = malloc(n * sizeof *lwant);
        ASSERT(lout != NULL && lwant != NULL);
        if (me != 0) {
            in = malloc(n * sizeof *in);
            ASSERT(in != NULL);
            for (size_t i = 0; i < n; i++)
                in[i] = (uint32_t)(i * 2654435761u);
        }
        ASSERT_OK(pool, CLPOOL_MAP(lut, n, clpool_array_in(table, sizeof table),
                                   clpool_in(in, 4), clpool_out(lwant, 4), clpool_u32(M)));
    }
    clpool_arg largs[] = {clpool_array_in(table, sizeof table), clpool_in(in, 4),
                          clpool_out(lout, 4), clpool_u32(M)};
    int st = clpool_mpi_map(lut, MPI_COMM_WORLD, size - 1, n, largs, 4);
    mpi_assert_same(st);
    ASSERT_OK(pool, st);
    if (me == size - 1)
        for (size_t i = 0; i < n; i++)
            if (lout[i] != lwant[i])
                FAIL_("lut: out[%zu] = %d, one pool gives %d", i, lout[i], lwant[i]);
    free(in);
    free(out);
    free(want);
    free(lout);
    free(lwant);
    clpool_close(pool);
    return 0;
}

static const char local_source[] =
    "__kernel __attribute__((reqd_work_group_size(256, 1, 1)))\n"
    "void groupsum(__global const uint *in, __global uint *out, __local uint *tmp)\n"
    "{\n"
    "    const size_t i = get_global_id(0), l = get_local_id(0);\n"
    "    tmp[l] = in[i];\n"
    "    barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    uint s = 0;\n"
    "    for (size_t j = 0; j < 256; j++)\n"
    "        s += tmp[j];\n"
    "    out[i] = s + (uint)(i / 256);\n"
    "}\n";

static int case_local(const char *backend)
{
    int me = mpi_rank();
    setenv("CLPOOL_BACKEND", backend, 1);
    clpool_config cfg;
    clpool_config_init(&cfg);
    cfg.workers = 1;
    clpool *pool = test_try_open(&cfg);
    mpi_skip_if_any(pool == NULL, "no device for the backend");
    clpool_program *prog = NULL;
    clpool_kernel *k = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, local_source, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "groupsum", &k));
    const size_t n = 256 * 1000;
    uint32_t *in = NULL, *out = NULL;
    if (me == 0) {
        in = malloc(n * sizeof *in);
        out = malloc(n * sizeof *out);
        ASSERT(in != NULL && out != NULL);
        for (size_t i = 0; i < n; i++)
            in[i] = (uint32_t)(i % 1013);
    }
    clpool_arg args[] = {clpool_in(in, 4), clpool_out(out, 4),
                         clpool_local(256 * sizeof(uint32_t))};
    int st = clpool_mpi_map(k, MPI_COMM_WORLD, 0, n, args, 3);
    if (st != CLPOOL_OK)
        fprintf(stderr, "rank %d: %s\n", me, clpool_errmsg(pool));
    mpi_assert_same(st);
    ASSERT_OK(pool, st);
    if (me == 0)
        for (size_t g = 0; g < n / 256; g++) {
            uint32_t sum = 0;
            for (size_t j = 0; j < 256; j++)
                sum += in[g * 256 + j];
            for (size_t j = 0; j < 256; j++)
                if (out[g * 256 + j] != sum + (uint32_t)g)
                    FAIL_("groupsum: out[%zu] = %u, want %u", g * 256 + j, out[g * 256 + j],
                          sum + (uint32_t)g);
        }
    free(in);
    free(out);
    clpool_close(pool);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--rank") == 0) {
        mpi_rank_init(&argc, &argv);
        int rc = strcmp(argv[2], "mixed") == 0 ? case_mixed()
                 : strcmp(argv[2], "local") == 0      ? case_local("opencl")
                 : strcmp(argv[2], "local_fork") == 0 ? case_local("fork")
                                                      : 1;
        mpi_rank_finalize();
        return rc;
    }
    mpi_launcher_start();
    const char *no_leaks = mpi_env_no_leaks();
    const char *plain[] = {no_leaks, NULL};
    const char *fixed[] = {no_leaks, "CLPOOL_MPI_CHUNK=1024", NULL};
    int st2 = mpi_run_env(argv[0], 2, "mixed", plain);
    MPI_EXPECT_RUN(st2);
    int st3 = mpi_run_env(argv[0], 3, "mixed", plain);
    MPI_EXPECT_RUN(st3);
    MPI_EXPECT_RUN(mpi_run_env(argv[0], 2, "local", plain));
    MPI_EXPECT_RUN(mpi_run_env(argv[0], 2, "local", fixed));
    MPI_EXPECT_RUN(mpi_run_env(argv[0], 3, "local_fork", plain));
    MPI_EXPECT_RUN(mpi_run_env(argv[0], 2, "local_fork", fixed));
    return st2 == TEST_SKIP && st3 == TEST_SKIP ? TEST_SKIP : 0;
}
