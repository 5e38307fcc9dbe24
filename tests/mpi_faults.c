/*
 * Failures in an MPI map reach every rank, with the failing rank named:
 * a worker that crashes on one rank's chunk; arguments that are wrong on
 * one rank (count, kind, a NULL kernel, a refused kind, root's element
 * size, a root outside the communicator); a rank whose chunk never ends,
 * root or not (the time limit); a rank that never calls. Each case then runs a good map,
 * which must succeed: a failed call leaves nothing that confuses the next.
 */
#include "mpi_harness.h"

enum { N = 100000 };

typedef struct fixture {
    clpool *pool;
    clpool_program *prog;
    clpool_kernel *fault, *saxpy;
    clpool_buffer *flag;
    uint32_t *in, *out;
} fixture;

static fixture setup(unsigned pool_timeout_ms)
{
    fixture f;
    memset(&f, 0, sizeof f);
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 1;
    cfg.timeout_ms = pool_timeout_ms;
    f.pool = test_try_open(&cfg);
    ASSERT(f.pool != NULL);
    f.prog = mpi_test_program(f.pool);
    f.fault = mpi_test_kernel(f.prog, "fault");
    f.saxpy = mpi_test_kernel(f.prog, "saxpy");
    ASSERT_OK(f.pool, clpool_buffer_new(f.pool, sizeof(int32_t), &f.flag));
    f.in = malloc(N * sizeof *f.in);
    f.out = malloc(N * sizeof *f.out);
    ASSERT(f.in != NULL && f.out != NULL);
    for (size_t i = 0; i < N; i++)
        f.in[i] = (uint32_t)i * 7u;
    return f;
}

static void teardown(fixture *f)
{
    free(f->in);
    free(f->out);
    clpool_close(f->pool);
}

/* Sets this rank's own flag buffer (0: run, 1: crash, 2: spin). */
static void set_flag(fixture *f, int32_t v)
{
    ASSERT_OK(f->pool, clpool_buffer_write(f->flag, 0, &v, sizeof v));
}

static int fault_map(fixture *f)
{
    int me = mpi_rank();
    clpool_arg args[] = {clpool_buf(f->flag), clpool_in(me == 0 ? f->in : NULL, 4),
                         clpool_out(me == 0 ? f->out : NULL, 4)};
    return clpool_mpi_map(f->fault, MPI_COMM_WORLD, 0, N, args, 3);
}

/* A good map on every rank, checked at root. */
static void good_map(fixture *f)
{
    set_flag(f, 0);
    int st = fault_map(f);
    if (st != CLPOOL_OK)
        fprintf(stderr, "rank %d: %s\n", mpi_rank(), clpool_errmsg(f->pool));
    mpi_assert_same(st);
    ASSERT_OK(f->pool, st);
    if (mpi_rank() == 0)
        for (size_t i = 0; i < N; i++)
            if (f->out[i] != (uint32_t)i * 7u + 1)
                FAIL_("out[%zu] = %u, want %u", i, f->out[i], (uint32_t)i * 7u + 1);
}

/* Every rank got want, and its message names rank bad; on the pool too,
 * except on a rank that gave no kernel (f->pool NULL there). */
static void expect_failure(fixture *f, int st, int want, int bad, const char *also)
{
    char name[64];
    snprintf(name, sizeof name, "rank %d of %d", bad, mpi_size());
    fprintf(stderr, "rank %d: %s: %s\n", mpi_rank(), clpool_err_name(st), clpool_mpi_errmsg());
    mpi_assert_same(st);
    ASSERT_STATUS(f->pool, st, want);
    ASSERT_STR_CONTAINS(clpool_mpi_errmsg(), name);
    if (f->pool != NULL) {
        ASSERT_STR_CONTAINS(clpool_errmsg(f->pool), name);
        if (also != NULL)
            ASSERT_STR_CONTAINS(clpool_errmsg(f->pool), also);
    }
}

static int case_crash(void)
{
    fixture f = setup(0);
    int me = mpi_rank(), bad = mpi_size() - 1;
    good_map(&f);
    set_flag(&f, me == bad ? 1 : 0);
    double t = test_seconds();
    int st = fault_map(&f);
    expect_failure(&f, st, CLPOOL_EWORKER, bad, "SIGSEGV");
    ASSERT_LT(test_seconds() - t, 60);
    good_map(&f); /* the dead worker is replaced */
    teardown(&f);
    return 0;
}

static int case_badargs(void)
{
    fixture f = setup(0);
    int me = mpi_rank(), size = mpi_size();
    float *x = calloc(N, sizeof *x), *y = calloc(N, sizeof *y);
    ASSERT(x != NULL && y != NULL);
    clpool_arg sargs[] = {clpool_f32(2.0f), clpool_in(x, 4), clpool_inout(y, 4)};
    int st;

    /* Rank 1 gives two arguments where root gives three. */
    st = clpool_mpi_map(f.saxpy, MPI_COMM_WORLD, 0, N, sargs, me == 1 ? 2 : 3);
    expect_failure(&f, st, CLPOOL_EARG, 1, "arguments where root gives 3");

    /* The last rank gives clpool_out where root gives clpool_in. */
    clpool_arg kind_args[] = {clpool_f32(2.0f), clpool_out(x, 4), clpool_inout(y, 4)};
    st = clpool_mpi_map(f.saxpy, MPI_COMM_WORLD, 0, N, me == size - 1 ? kind_args : sargs, 3);
    expect_failure(&f, st, CLPOOL_EARG, size - 1, "clpool_out here where root gives clpool_in");

    /* Root gives a whole array to be written: refused, it has no one meaning. */
    int32_t counter = 0;
    clpool_arg aout[] = {clpool_array_out(&counter, sizeof counter), clpool_in(f.in, 4),
                         clpool_out(f.out, 4)};
    st = clpool_mpi_map(f.fault, MPI_COMM_WORLD, 0, N, aout, 3);
    expect_failure(&f, st, CLPOOL_EARG, 0, "clpool_array_out");

    /* Rank 1 has no kernel (say its build failed): its pool is out of reach,
     * clpool_mpi_errmsg still says it. */
    st = clpool_mpi_map(me == 1 ? NULL : f.saxpy, MPI_COMM_WORLD, 0, N, sargs, 3);
    {
        fixture nopool = f;
        if (me == 1)
            nopool.pool = NULL;
        expect_failure(&nopool, st, CLPOOL_EINVAL, 1, "no kernel");
    }

    /* Root's element size is not the kernel's: each rank's pool refuses its
     * chunk; the first root hears of is named. */
    clpool_arg wide[] = {clpool_f32(2.0f), clpool_in(x, 8), clpool_inout(y, 4)};
    st = clpool_mpi_map(f.saxpy, MPI_COMM_WORLD, 0, N / 2, wide, 3);
    mpi_assert_same(st);
    ASSERT_STATUS(f.pool, st, CLPOOL_EARG);
    ASSERT_STR_CONTAINS(clpool_errmsg(f.pool), "kernel 'saxpy'");
    ASSERT_STR_CONTAINS(clpool_errmsg(f.pool), "rank ");

    /* A root that is not a rank. */
    st = clpool_mpi_map(f.saxpy, MPI_COMM_WORLD, size + 3, N, sargs, 3);
    mpi_assert_same(st);
    ASSERT_STATUS(f.pool, st, CLPOOL_EINVAL);
    ASSERT_STR_CONTAINS(clpool_errmsg(f.pool), "is not a rank");

    good_map(&f);
    free(x);
    free(y);
    teardown(&f);
    return 0;
}

/* CLPOOL_MPI_TIMEOUT_MS=3000 (the launcher's): the chunks of rank spinner
 * spin until its pool's own limit (5 s) stops them. The others return when
 * root's limit passes, whether or not root is the one spinning. */
static int case_timeout(int spinner)
{
    fixture f = setup(5000);
    int me = mpi_rank();
    good_map(&f);
    set_flag(&f, me == spinner ? 2 : 0);
    double t = test_seconds();
    int st = fault_map(&f);
    double took = test_seconds() - t;
    fprintf(stderr, "rank %d: returned after %.2f s\n", me, took);
    expect_failure(&f, st, CLPOOL_ETIMEDOUT, 0, "time limit of 3000 ms");
    char busy[64];
    snprintf(busy, sizeof busy, "running chunks: %d", spinner);
    ASSERT_STR_CONTAINS(clpool_errmsg(f.pool), busy);
    ASSERT_LT(took, 12);
    if (me != spinner)
        ASSERT_LT(took, 3.0 + 1.0);
    good_map(&f);
    teardown(&f);
    return 0;
}

/* The last rank never calls: the others return within the limit. */
static int case_absent(void)
{
    fixture f = setup(0);
    int me = mpi_rank(), absent = mpi_size() - 1;
    good_map(&f);
    if (me != absent) {
        double t = test_seconds();
        int st = fault_map(&f);
        double took = test_seconds() - t;
        fprintf(stderr, "rank %d: %s after %.2f s: %s\n", me, clpool_err_name(st), took,
                clpool_errmsg(f.pool));
        ASSERT_STATUS(f.pool, st, CLPOOL_ETIMEDOUT);
        char late[64];
        snprintf(late, sizeof late, "rank(s) %d did not answer", absent);
        ASSERT_STR_CONTAINS(clpool_errmsg(f.pool), late);
        ASSERT_LT(took, 2.0 + 3.0);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    teardown(&f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--rank") == 0) {
        mpi_rank_init(&argc, &argv);
        int rc = 1;
        if (strcmp(argv[2], "crash") == 0)
            rc = case_crash();
        else if (strcmp(argv[2], "badargs") == 0)
            rc = case_badargs();
        else if (strcmp(argv[2], "timeout") == 0)
            rc = case_timeout(1);
        else if (strcmp(argv[2], "timeout_root") == 0)
            rc = case_timeout(0);
        else if (strcmp(argv[2], "absent") == 0)
            rc = case_absent();
        else
            FAIL_("unknown case %s", argv[2]);
        mpi_rank_finalize();
        return rc;
    }
    mpi_launcher_start();
    const char *limit3[] = {"CLPOOL_MPI_TIMEOUT_MS=3000", NULL};
    const char *limit2[] = {"CLPOOL_MPI_TIMEOUT_MS=2000", NULL};
    MPI_EXPECT_RUN(mpi_run_env(argv[0], 2, "crash", NULL));
    MPI_EXPECT_RUN(mpi_run_env(argv[0], 3, "crash", NULL));
    MPI_EXPECT_RUN(mpi_run_env(argv[0], 2, "badargs", NULL));
    MPI_EXPECT_RUN(mpi_run_env(argv[0], 3, "badargs", NULL));
    MPI_EXPECT_RUN(mpi_run_env(argv[0], 3, "timeout", limit3));
    MPI_EXPECT_RUN(mpi_run_env(argv[0], 2, "timeout_root", limit3));
    MPI_EXPECT_RUN(mpi_run_env(argv[0], 3, "absent", limit2));
    return 0;
}
