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

/* The launcher's start: skips the test where there is no mpirun. */
static inline void mpi_launcher_start(void)
{
    if (mpi_exec() == NULL) {
        fprintf(stderr, "skipped: no mpirun (apt-get install openmpi-bin)\n");
        exit(TEST_SKIP);
    }
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
        MPI_Finalize();
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

#endif /* CLPOOL_TEST_MPI_HARNESS_H */
