/*
 * The harness of the mpi tests. Each test is one executable with two lives:
 * run by ctest with no arguments it is the launcher, which starts itself
 * under mpirun ("<self> --rank <case>") at the rank counts it needs, with the
 * environment each run needs, and checks mpirun's exit; run with --rank it
 * is one rank of a case, which exits non-zero (failing the run) on a failed
 * assertion, as every test does. The launcher skips (77) where mpirun is
 * missing; a case whose ranks all exit 77 is skipped.
 */
#ifndef CLPOOL_TEST_MPI_HARNESS_H
#define CLPOOL_TEST_MPI_HARNESS_H

#include "task.h"

#include <clpool_mpi.h>

#include <signal.h>
#include <sys/wait.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define MPI_TEST_LSAN_ 1
#endif
#include <unistd.h>

#ifndef CLPOOL_MPIEXEC
#define CLPOOL_MPIEXEC ""
#endif

/* mpirun: the one CMake found, else the first on PATH; NULL if none. */
static inline const char *mpi_exec(void)
{
    static char path[4096];
    if (CLPOOL_MPIEXEC[0] != '\0' && access(CLPOOL_MPIEXEC, X_OK) == 0)
        return CLPOOL_MPIEXEC;
    const char *p = getenv("PATH");
    while (p != NULL && *p != '\0') {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        snprintf(path, sizeof path, "%.*s/mpirun", (int)len, p);
        if (access(path, X_OK) == 0)
            return path;
        p = colon ? colon + 1 : NULL;
    }
    return NULL;
}

/* The launcher's argument list for one run: mpirun, its options, then
 * "<self> --rank <mode>". */
typedef struct mpi_cmd {
    const char *argv[64];
    int argc;
} mpi_cmd;

static inline void mpi_cmd_add(mpi_cmd *c, const char *arg)
{
    if (c->argc >= 63)
        FAIL_("mpi_cmd: too many arguments");
    c->argv[c->argc++] = arg;
    c->argv[c->argc] = NULL;
}

/* mpirun -n <ranks> --oversubscribe, ready for more options. */
static inline mpi_cmd mpi_cmd_make(int ranks)
{
    static char nbuf[16];
    mpi_cmd c = {{0}, 0};
    const char *exe = mpi_exec();
    mpi_cmd_add(&c, exe != NULL ? exe : "mpirun");
    snprintf(nbuf, sizeof nbuf, "%d", ranks);
    mpi_cmd_add(&c, "-n");
    mpi_cmd_add(&c, nbuf);
    mpi_cmd_add(&c, "--oversubscribe");
    return c;
}

/* Under AddressSanitizer the ranks are checked for leaks at exit, and the
 * MPI libraries keep memory for the life of the process: the ranks get a
 * suppressions file of their own, the MPI libraries added to the one
 * LSAN_OPTIONS names (CI's driver suppressions). */
static inline void mpi_lsan_env_(void)
{
#if defined(__SANITIZE_ADDRESS__)
#define MPI_TEST_ASAN_ 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MPI_TEST_ASAN_ 1
#endif
#endif
#ifdef MPI_TEST_ASAN_
    static const char mpi_libs[] = "leak:libmpi.so\nleak:libopen-pal.so\nleak:libopen-rte.so\n"
                                   "leak:libpmix.so\nleak:libevent\nleak:libhwloc.so\n"
                                   "leak:mca_\nleak:libucp\nleak:libucs\nleak:libfabric\n";
    char path[512];
    snprintf(path, sizeof path, "%s", test_under("lsan.supp"));
    FILE *out = fopen(path, "w");
    if (out == NULL)
        return;
    fputs(mpi_libs, out);
    const char *old = getenv("LSAN_OPTIONS");
    const char *sup = old != NULL ? strstr(old, "suppressions=") : NULL;
    if (sup != NULL) {
        char prev[1024];
        snprintf(prev, sizeof prev, "%s", sup + strlen("suppressions="));
        prev[strcspn(prev, ": ")] = '\0';
        FILE *in = fopen(prev, "r");
        char line[512];
        while (in != NULL && fgets(line, sizeof line, in) != NULL)
            fputs(line, out);
        if (in != NULL)
            fclose(in);
    }
    fclose(out);
    char opts[600];
    snprintf(opts, sizeof opts, "suppressions=%s:print_suppressions=0", path);
    setenv("LSAN_OPTIONS", opts, 1);
#endif
}

/* Runs argv (prefix: a command such as "ip netns exec ns", or NULL) with
 * env (NAME=VALUE strings, NULL-terminated, may be NULL) added, for at most
 * timeout_s seconds; returns its exit status, or -1 if it was killed or
 * ran out of time. Open MPI runs as root only when told. */
static inline int mpi_spawn(const char *const *argv, const char *const *env, unsigned timeout_s)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        FAIL_("fork: %s", strerror(errno));
    if (pid == 0) {
        setpgid(0, 0);
        setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
        setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
        /* Quiet about the container's lack of a high-speed network. */
        setenv("OMPI_MCA_btl_base_warn_component_unused", "0", 1);
        for (size_t i = 0; env != NULL && env[i] != NULL; i++)
            putenv((char *)env[i]);
        mpi_lsan_env_();
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    double end = test_seconds() + timeout_s;
    for (;;) {
        int status = 0;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (r < 0)
            FAIL_("waitpid: %s", strerror(errno));
        if (test_seconds() > end) {
            fprintf(stderr, "mpi: %s ran past %u s; killing it\n", argv[0], timeout_s);
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        usleep(20000);
    }
}

/* "ASAN_OPTIONS=...:detect_leaks=0": for runs whose ranks LeakSanitizer's
 * tracer cannot stop reliably (it crashed, signal 11, on a rank holding both
 * PoCL's and Open MPI's threads, and once in the namespace test); the leak
 * checks stay in mpi_map and mpi_faults. Harmless without ASan. */
static inline const char *mpi_env_no_leaks(void)
{
    static char buf[512];
    const char *asan = getenv("ASAN_OPTIONS");
    snprintf(buf, sizeof buf, "ASAN_OPTIONS=%s%sdetect_leaks=0", asan ? asan : "",
             asan && *asan ? ":" : "");
    return buf;
}

/* Runs case mode of this executable on ranks ranks (env added); returns
 * mpirun's exit status. */
static inline int mpi_run_env(const char *self, int ranks, const char *mode,
                              const char *const *env)
{
    mpi_cmd c = mpi_cmd_make(ranks);
    mpi_cmd_add(&c, self);
    mpi_cmd_add(&c, "--rank");
    mpi_cmd_add(&c, mode);
    fprintf(stderr, "mpi: %d ranks, case %s\n", ranks, mode);
    return mpi_spawn(c.argv, env, 240);
}

/* The launcher's check of one run: passed (0) or skipped (77). */
#define MPI_EXPECT_RUN(status)                                                           \
    do {                                                                                 \
        int st_ = (status);                                                              \
        if (st_ != 0 && st_ != TEST_SKIP)                                                \
            FAIL_("the MPI run failed (mpirun's exit status %d)", st_);                  \
    } while (0)

/* The launcher's start: skips the test where there is no mpirun; makes the
 * launcher's private directory (test_under). */
static inline void mpi_launcher_start(void)
{
    if (mpi_exec() == NULL) {
        fprintf(stderr, "skipped: no mpirun (apt-get install openmpi-bin)\n");
        exit(TEST_SKIP);
    }
    test_tmpdir("mpi");
}

/* In a rank: the start of a case. Under AddressSanitizer, what MPI_Init
 * allocates is not counted as leaked: some of it belongs to components that
 * MPI_Init loads and unloads, whose frames LSan cannot name. */
static inline void mpi_rank_init(int *argc, char ***argv)
{
#ifdef MPI_TEST_LSAN_
    __lsan_disable();
#endif
    MPI_Init(argc, argv);
#ifdef MPI_TEST_LSAN_
    __lsan_enable();
#endif
}

/* In a rank: the end of a case. Under AddressSanitizer, the leak check
 * runs here, before MPI_Finalize unloads the MPI components whose memory it
 * would otherwise report without a name to suppress it by; it then does
 * not run again at exit. */
static inline void mpi_rank_finalize(void)
{
#ifdef MPI_TEST_LSAN_
    __lsan_do_leak_check();
#endif
    MPI_Finalize();
}

/* In a rank: MPI_COMM_WORLD's rank and size. */
static inline int mpi_rank(void)
{
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

static inline int mpi_size(void)
{
    int s = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
}

/* In a rank: ends the case with 77 on every rank if any rank asks to skip
 * (skip non-zero), after saying why on the ranks that asked. */
static inline void mpi_skip_if_any(int skip, const char *why)
{
    int any = 0;
    MPI_Allreduce(&skip, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (any) {
        if (skip)
            fprintf(stderr, "rank %d: skipped: %s\n", mpi_rank(), why);
        mpi_rank_finalize();
        exit(TEST_SKIP);
    }
}

/* In a rank: a pool of one fork worker (the machines these run on have few
 * cores and several ranks), or on backend as given. */
static inline clpool *mpi_open(clpool_backend backend)
{
    clpool_config cfg = test_config(backend);
    if (backend == CLPOOL_FORK)
        cfg.workers = 1;
    return test_try_open(&cfg);
}

/* Asserts that every rank got the same status (in a rank). */
static inline void mpi_assert_same(int status)
{
    int lo = 0, hi = 0;
    MPI_Allreduce(&status, &lo, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&status, &hi, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (lo != hi)
        FAIL_("rank %d: statuses differ across ranks: %d..%d (this rank: %s)", mpi_rank(), lo,
              hi, clpool_err_name(status));
}

/* The tests' own kernels, written as for clpool_map (host arrays indexed
 * with get_global_id(0)): saxpy and Mandelbrot as in kernels/, a table
 * lookup, an integer hash, and one that crashes or spins on command. */
static const char mpi_test_source[] =
    "__kernel void saxpy(const float a, __global const float *x, __global float *y)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    y[i] = a * x[i] + y[i];\n"
    "}\n"
    "__kernel void mandelbrot(__global uint *iterations, const uint width,\n"
    "                         const float x0, const float y0, const float dx, const float dy,\n"
    "                         const uint max_iter)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    const float cx = x0 + (float)(i % width) * dx;\n"
    "    const float cy = y0 + (float)(i / width) * dy;\n"
    "    float x = 0.0f, y = 0.0f;\n"
    "    uint n = 0;\n"
    "    while (n < max_iter && x * x + y * y <= 4.0f) {\n"
    "        const float xt = x * x - y * y + cx;\n"
    "        y = 2.0f * x * y + cy;\n"
    "        x = xt;\n"
    "        n++;\n"
    "    }\n"
    "    iterations[i] = n;\n"
    "}\n"
    "__kernel void lut(__global const int *table, __global const uint *idx,\n"
    "                  __global int *out, const uint m)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    out[i] = table[idx[i] % m] * 3 + (int)i;\n"
    "}\n"
    "__kernel void hash(__global const uint *in, __global uint *out, const uint salt)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    uint h = (uint)i * 2654435761u ^ salt;\n"
    "    for (int r = 0; r < 16; r++)\n"
    "        h = (h ^ (h >> 15)) * 2246822519u + in[i];\n"
    "    out[i] = h;\n"
    "}\n"
    "__kernel void fault(__global const int *flag, __global const uint *in, __global uint *out)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    if (flag[0] == 1)\n"
    "        *(volatile __global int *)0 = 1;   /* this rank's worker dies */\n"
    "    if (flag[0] == 2)\n"
    "        for (volatile uint s = 0; ; s++) ;  /* this rank never finishes */\n"
    "    out[i] = in[i] + 1;\n"
    "}\n";

/* Builds mpi_test_source on pool. */
static inline clpool_program *mpi_test_program(clpool *pool)
{
    clpool_program *prog = NULL;
    ASSERT_OK(pool, clpool_program_source(pool, mpi_test_source, NULL, &prog));
    return prog;
}

static inline clpool_kernel *mpi_test_kernel(clpool_program *prog, const char *name)
{
    clpool_kernel *k = NULL;
    if (clpool_kernel_get(prog, name, &k) != CLPOOL_OK)
        FAIL_("no kernel %s in the tests' source", name);
    return k;
}

#endif /* CLPOOL_TEST_MPI_HARNESS_H */
