/*
 * clpool-mpi-bench: one map over every rank of MPI_COMM_WORLD against the
 * same map on one rank (root's pool alone, the other ranks idle), in
 * alternated runs (and against root alone taking the map's one chunk while
 * the others wait in the call); prints the medians, the parallel
 * efficiency T1 / (P TP),
 * and per rank the items and chunks it took and its throughput. Run it under
 * mpirun:
 *
 *   mpirun -n 2 clpool-mpi-bench --workload mandelbrot --reps 5
 *
 * Workloads: mandelbrot (2048x2048 at 512 iterations: compute-bound),
 * saxpy (16M floats: bandwidth-bound, 12 bytes moved per item), chunkcost
 * (a kernel that does nothing, in chunks of 256 items and in one chunk per
 * rank: the per-chunk cost). Options: --size S (scales the items), --reps
 * R, --workers W (fork workers per rank, default 1), --backend B.
 * Waiting ranks sleep in their waits, so that they leave the cores to the
 * ranks that run. The kernels are kernels/mandelbrot.cl and saxpy.cl,
 * found as clpool-bench finds them (CLPOOL_KERNELS_DIR overrides).
 */
#include <clpool_mpi.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The per-chunk cost's kernel; the others are kernels/mandelbrot.cl and
 * saxpy.cl. */
static const char noop_source[] =
    "__kernel void noop(__global uint *out) { out[get_global_id(0)] = 1u; }\n";

/* Where the .cl files are: CLPOOL_KERNELS_DIR, else the source tree's, else
 * the installed ones (as clpool-bench finds them). */
static const char *kernels_dir(void)
{
    const char *env = getenv("CLPOOL_KERNELS_DIR");
    if (env != NULL && *env != '\0')
        return env;
    struct stat st;
    if (stat(CLPOOL_SOURCE_KERNELS_DIR, &st) == 0 && S_ISDIR(st.st_mode))
        return CLPOOL_SOURCE_KERNELS_DIR;
    return CLPOOL_INSTALL_KERNELS_DIR;
}

static int rank, size;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A barrier whose waiters sleep instead of spinning. */
static void quiet_barrier(MPI_Comm comm)
{
    MPI_Request req;
    MPI_Ibarrier(comm, &req);
    int flag = 0;
    while (!flag) {
        MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
        if (!flag) {
            struct timespec ts = {0, 500000};
            nanosleep(&ts, NULL);
        }
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    double *c = malloc((size_t)n * sizeof *c);
    if (c == NULL)
        return NAN;
    memcpy(c, v, (size_t)n * sizeof *c);
    qsort(c, (size_t)n, sizeof *c, cmp_double);
    double m = n % 2 ? c[n / 2] : 0.5 * (c[n / 2 - 1] + c[n / 2]);
    free(c);
    return m;
}

static void die(const char *what, int st, clpool *pool)
{
    fprintf(stderr, "clpool-mpi-bench: rank %d: %s: %s: %s\n", rank, what, clpool_err_name(st),
            pool != NULL ? clpool_errmsg(pool) : clpool_mpi_errmsg());
    MPI_Abort(MPI_COMM_WORLD, 1);
}

typedef struct work {
    const char *name;
    clpool_kernel *k;
    size_t n;
    clpool_arg args[8];
    size_t nargs;
    void *out;          /* root: the output, compared between 1 and P ranks */
    size_t out_bytes;
    void *in_copy;      /* saxpy: y's start, restored before each run */
    void *inout;
    char what[160];
    size_t item_bytes;  /* host-array bytes per item, in and out */
} work;

/* CPU seconds of the calling thread: at root, the thread that serves the
 * other ranks (its own chunks run on a thread of the call's). */
static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double last_cpu; /* the calling thread's CPU seconds in the last run */

/* One timed map on comm (all of it or root alone). */
static double run(work *w, MPI_Comm comm, clpool *pool, clpool_mpi_stats *stats)
{
    /* Outputs start as garbage, so that the comparison of 1 and P ranks
     * sees a chunk that was not written. */
    if (w->in_copy != NULL && rank == 0)
        memcpy(w->inout, w->in_copy, w->out_bytes);
    else if (rank == 0)
        memset(w->out, 0xa5, w->out_bytes);
    quiet_barrier(comm);
    double t = now(), cpu = thread_cpu();
    int st = clpool_mpi_map(w->k, comm, 0, w->n, w->args, w->nargs);
    double took = now() - t;
    last_cpu = thread_cpu() - cpu;
    if (st != CLPOOL_OK)
        die(w->name, st, pool);
    clpool_mpi_last_stats(stats);
    return took;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const char *workload = "mandelbrot", *backend = NULL;
    double scale = 1.0;
    int reps = 5, workers = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--workload") == 0 && i + 1 < argc)
            workload = argv[++i];
        else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
            scale = atof(argv[++i]);
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
            workers = atoi(argv[++i]);
        else if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc)
            backend = argv[++i];
        else {
            if (rank == 0)
                fprintf(stderr, "usage: mpirun -n P clpool-mpi-bench [--workload "
                                "mandelbrot|saxpy|chunkcost] [--size S] [--reps R] "
                                "[--workers W] [--backend auto|opencl|fork]\n");
            MPI_Finalize();
            return 2;
        }
    }
    if (reps < 1 || scale <= 0) {
        MPI_Finalize();
        return 2;
    }
    if (backend != NULL)
        setenv("CLPOOL_BACKEND", backend, 1);
    clpool_config cfg;
    clpool_config_init(&cfg);
    if (backend == NULL)
        cfg.backend = CLPOOL_FORK;
    cfg.workers = workers;
    clpool *pool = NULL;
    int st = clpool_open(&cfg, &pool);
    if (st != CLPOOL_OK)
        die("clpool_open", st, NULL);

    clpool_program *prog = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.cl", kernels_dir(),
             strcmp(workload, "chunkcost") == 0 ? "saxpy" : workload);
    if (strcmp(workload, "chunkcost") == 0)
        st = clpool_program_source(pool, noop_source, NULL, &prog);
    else if (strcmp(workload, "mandelbrot") == 0 || strcmp(workload, "saxpy") == 0)
        st = clpool_program_file(pool, path, NULL, &prog);
    else
        st = CLPOOL_OK;
    if (st != CLPOOL_OK)
        die("build", st, pool);

    work w;
    memset(&w, 0, sizeof w);
    w.name = workload;
    int chunkcost = strcmp(workload, "chunkcost") == 0;
    if (strcmp(workload, "mandelbrot") == 0) {
        uint32_t side = (uint32_t)(2048 * sqrt(scale)), iters = 512;
        w.n = (size_t)side * side;
        w.out_bytes = w.n * 4;
        if (rank == 0 && (w.out = calloc(w.n, 4)) == NULL)
            die("calloc", CLPOOL_ENOMEM, pool);
        if ((st = clpool_kernel_get(prog, "mandelbrot", &w.k)) != CLPOOL_OK)
            die("kernel", st, pool);
        w.args[0] = clpool_out(w.out, 4);
        w.args[1] = clpool_u32(side);
        w.args[2] = clpool_f32(-2.0f);
        w.args[3] = clpool_f32(-1.5f);
        w.args[4] = clpool_f32(3.0f / (float)side);
        w.args[5] = clpool_f32(3.0f / (float)side);
        w.args[6] = clpool_u32(iters);
        w.nargs = 7;
        w.item_bytes = 4;
        snprintf(w.what, sizeof w.what, "mandelbrot %ux%u at %u iterations (compute-bound)",
                 side, side, iters);
    } else if (strcmp(workload, "saxpy") == 0 || chunkcost) {
        w.n = (size_t)((chunkcost ? (1 << 20) : (1 << 24)) * scale);
        w.out_bytes = w.n * 4;
        if (rank == 0) {
            float *x = malloc(w.n * 4), *y = malloc(w.n * 4), *y0 = malloc(w.n * 4);
            if (x == NULL || y == NULL || y0 == NULL)
                die("malloc", CLPOOL_ENOMEM, pool);
            for (size_t i = 0; i < w.n; i++) {
                x[i] = (float)(i % 1000) * 0.001f;
                y0[i] = (float)(i % 77);
            }
            w.out = w.inout = y;
            w.in_copy = y0;
            w.args[1] = clpool_in(x, 4);
        } else {
            w.args[1] = clpool_in(NULL, 4);
        }
        if (chunkcost) {
            if ((st = clpool_kernel_get(prog, "noop", &w.k)) != CLPOOL_OK)
                die("kernel", st, pool);
            w.args[0] = clpool_out(w.out, 4);
            w.nargs = 1;
            w.item_bytes = 4;
            w.in_copy = NULL;
            snprintf(w.what, sizeof w.what, "a kernel that does nothing over %zu items "
                     "(4 bytes out each)", w.n);
        } else {
            if ((st = clpool_kernel_get(prog, "saxpy", &w.k)) != CLPOOL_OK)
                die("kernel", st, pool);
            w.args[0] = clpool_f32(2.0f);
            w.args[2] = clpool_inout(w.out, 4);
            w.nargs = 3;
            w.item_bytes = 12;
            snprintf(w.what, sizeof w.what, "saxpy over %zu floats (bandwidth-bound, 12 "
                     "bytes per item)", w.n);
        }
    } else {
        if (rank == 0)
            fprintf(stderr, "clpool-mpi-bench: unknown workload %s\n", workload);
        MPI_Finalize();
        return 2;
    }

    MPI_Comm alone;
    MPI_Comm_split(MPI_COMM_WORLD, rank == 0 ? 0 : MPI_UNDEFINED, 0, &alone);
    double *t1 = calloc((size_t)reps, sizeof *t1), *tp = calloc((size_t)reps, sizeof *tp);
    double *t1w = calloc((size_t)reps, sizeof *t1w);
    const char *user_chunk = getenv("CLPOOL_MPI_CHUNK");
    char *user_chunk_copy = user_chunk != NULL ? strdup(user_chunk) : NULL;
    void *ref = rank == 0 ? malloc(w.out_bytes) : NULL;
    unsigned long long *items = calloc((size_t)size, sizeof *items);
    unsigned long long *chunks = calloc((size_t)size, sizeof *chunks);
    double *busy = calloc((size_t)size, sizeof *busy);
    if (t1 == NULL || tp == NULL || t1w == NULL || items == NULL || chunks == NULL || busy == NULL ||
        (rank == 0 && ref == NULL))
        die("calloc", CLPOOL_ENOMEM, pool);
    clpool_mpi_stats s;

    if (chunkcost) {
        /* Per-chunk cost: the same map in chunks of 256 items and in one
         * chunk per rank; the difference over the extra chunks a rank ran. */
        double small[64], big[64], cpu_small[64];
        unsigned long long nsmall = 0, nbig = 0;
        for (int r = 0; r < reps && r < 64; r++) {
            if (rank == 0)
                setenv("CLPOOL_MPI_CHUNK", "256", 1);
            small[r] = run(&w, MPI_COMM_WORLD, pool, &s);
            cpu_small[r] = last_cpu;
            unsigned long long c = s.chunks;
            MPI_Allreduce(&c, &nsmall, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
            if (rank == 0) {
                char b[32];
                snprintf(b, sizeof b, "%zu", (w.n + (size_t)size - 1) / (size_t)size);
                setenv("CLPOOL_MPI_CHUNK", b, 1);
            }
            big[r] = run(&w, MPI_COMM_WORLD, pool, &s);
            c = s.chunks;
            MPI_Allreduce(&c, &nbig, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
        }
        int m = reps < 64 ? reps : 64;
        if (rank == 0) {
            double ms = median(small, m), mb = median(big, m);
            double per = (ms - mb) / (((double)nsmall - (double)nbig) / size);
            printf("clpool-mpi-bench: %s, %d ranks, %d runs each way\n", w.what, size, m);
            printf("  chunks of 256 items: %llu chunks, median %.4f s\n", nsmall, ms);
            printf("  one chunk per rank:  %llu chunks, median %.4f s\n", nbig, mb);
            printf("  per-chunk cost: %.1f us (a message each way, the chunk's map call, "
                   "the hand-out; per rank, the ranks running at once)\n", per * 1e6);
            printf("  root's serving thread: %.1f us of CPU per chunk handed out\n",
                   median(cpu_small, m) / (double)nsmall * 1e6);
        }
        goto out;
    }

    for (int r = 0; r < reps; r++) {
        if (rank == 0)
            t1[r] = run(&w, alone, pool, &s);
        if (rank == 0 && r == 0)
            memcpy(ref, w.out, w.out_bytes);
        /* Root alone again, but as one chunk of a map over every rank: the
         * others wait inside the call, as they do between their chunks. On
         * a shared machine the two baselines differ; both are printed. */
        if (rank == 0) {
            char all[32];
            snprintf(all, sizeof all, "%zu", w.n > 0 ? w.n : 1);
            setenv("CLPOOL_MPI_CHUNK", all, 1);
        }
        t1w[r] = run(&w, MPI_COMM_WORLD, pool, &s);
        if (rank == 0) {
            if (user_chunk_copy != NULL)
                setenv("CLPOOL_MPI_CHUNK", user_chunk_copy, 1);
            else
                unsetenv("CLPOOL_MPI_CHUNK");
        }
        quiet_barrier(MPI_COMM_WORLD);
        tp[r] = run(&w, MPI_COMM_WORLD, pool, &s);
        if (rank == 0 && memcmp(ref, w.out, w.out_bytes) != 0) {
            fprintf(stderr, "clpool-mpi-bench: %d ranks gave other results than 1 rank\n", size);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        unsigned long long it = s.items, ch = s.chunks;
        double b = s.compute_s;
        unsigned long long *gi = calloc((size_t)size, sizeof *gi), *gc = calloc((size_t)size, sizeof *gc);
        double *gb = calloc((size_t)size, sizeof *gb);
        MPI_Gather(&it, 1, MPI_UNSIGNED_LONG_LONG, gi, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
        MPI_Gather(&ch, 1, MPI_UNSIGNED_LONG_LONG, gc, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
        MPI_Gather(&b, 1, MPI_DOUBLE, gb, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        for (int q = 0; rank == 0 && q < size; q++) {
            items[q] += gi[q];
            chunks[q] += gc[q];
            busy[q] += gb[q];
        }
        free(gi);
        free(gc);
        free(gb);
    }
    if (rank == 0) {
        double m1 = median(t1, reps), mp = median(tp, reps);
        printf("clpool-mpi-bench: %s; %d ranks, %d fork worker%s each (%s); %d alternated "
               "runs; results of %d ranks equal to 1 rank's\n", w.what, size, workers,
               workers == 1 ? "" : "s", clpool_describe(pool), reps, size);
        printf("  1 rank : median %.3f s  (runs:", m1);
        for (int r = 0; r < reps; r++)
            printf(" %.3f", t1[r]);
        double m1w = median(t1w, reps);
        printf(")\n  1 rank, the others waiting in the call: median %.3f s  (runs:", m1w);
        for (int r = 0; r < reps; r++)
            printf(" %.3f", t1w[r]);
        printf(")\n  %d ranks: median %.3f s  (runs:", size, mp);
        for (int r = 0; r < reps; r++)
            printf(" %.3f", tp[r]);
        printf(")\n  speed-up %.2f, parallel efficiency %.3f (T1 / (%d * T%d)); against the "
               "second baseline %.2f and %.3f\n", m1 / mp, m1 / (size * mp), size, size,
               m1w / mp, m1w / (size * mp));
        double moved = 0;
        for (int q = 1; q < size; q++)
            moved += (double)items[q] / reps * (double)w.item_bytes;
        printf("  through root's link: %.1f MB per run (the other ranks' slices), %.0f MB/s "
               "over the %d-rank median\n", moved / 1e6, moved / 1e6 / mp, size);
        printf("  rank      items  share  chunks  busy s   items/s busy\n");
        for (int q = 0; q < size; q++)
            printf("  %4d %10.0f %5.1f%% %7.1f %7.3f %9.3g\n", q, (double)items[q] / reps,
                   100.0 * (double)items[q] / ((double)w.n * reps), (double)chunks[q] / reps,
                   busy[q] / reps, busy[q] > 0 ? (double)items[q] / busy[q] : 0.0);
    }
out:
    free(t1);
    free(t1w);
    free(tp);
    free(user_chunk_copy);
    free(ref);
    free(items);
    free(chunks);
    free(busy);
    if (alone != MPI_COMM_NULL)
        MPI_Comm_free(&alone);
    clpool_close(pool);
    MPI_Finalize();
    return 0;
}
