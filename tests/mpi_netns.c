/*
 * A map that crosses a network: two network namespaces made by the test
 * (ip netns, a veth pair between them, addresses 10.200.x.1 and .2 of their
 * own), one rank in each, Open MPI over TCP between them (its launcher's rsh
 * agent is a script that runs the remote daemon in the other namespace).
 * The ranks check that they are in different namespaces, then run maps that
 * must equal root's one-pool map. Skipped where namespaces cannot be made
 * (not root, no ip, no CAP_NET_ADMIN). The namespaces go when the test ends.
 */
#include "mpi_harness.h"
#include "reference.h"

#include <stdarg.h>
#include <sys/stat.h>

static char ns_a[64], ns_b[64];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void remove_namespaces(void)
{
    /* The veth pair goes with its namespaces. */
    if (ns_a[0] != '\0')
        sh("ip netns del %s 2>/dev/null", ns_a);
    if (ns_b[0] != '\0')
        sh("ip netns del %s 2>/dev/null", ns_b);
}

static int case_netns(void)
{
    int me = mpi_rank();
    ASSERT_EQ(mpi_size(), 2);
    struct stat st;
    ASSERT_EQ(stat("/proc/self/ns/net", &st), 0);
    unsigned long long mine = (unsigned long long)st.st_ino, both[2] = {0, 0};
    MPI_Allgather(&mine, 1, MPI_UNSIGNED_LONG_LONG, both, 1, MPI_UNSIGNED_LONG_LONG,
                  MPI_COMM_WORLD);
    fprintf(stderr, "rank %d: network namespace %llu\n", me, mine);
    ASSERT_NE(both[0], both[1]);

    clpool *pool = mpi_open(CLPOOL_FORK);
    ASSERT(pool != NULL);
    clpool_program *prog = mpi_test_program(pool);
    clpool_kernel *saxpy = mpi_test_kernel(prog, "saxpy");
    clpool_kernel *mandel = mpi_test_kernel(prog, "mandelbrot");

    const size_t n = 1000003; /* 8 MB each way across the veth */
    float *x = NULL, *y = NULL, *want = NULL;
    if (me == 0) {
        x = malloc(n * sizeof *x);
        y = malloc(n * sizeof *y);
        want = malloc(n * sizeof *want);
        ASSERT(x != NULL && y != NULL && want != NULL);
        unsigned seed = 11;
        for (size_t i = 0; i < n; i++) {
            x[i] = ref_uniform(&seed, -1, 1);
            y[i] = want[i] = ref_uniform(&seed, -1, 1);
        }
        ASSERT_OK(pool, CLPOOL_MAP(saxpy, n, clpool_f32(0.5f), clpool_in(x, 4),
                                   clpool_inout(want, 4)));
    }
    clpool_arg sargs[] = {clpool_f32(0.5f), clpool_in(x, 4), clpool_inout(y, 4)};
    int s = clpool_mpi_map(saxpy, MPI_COMM_WORLD, 0, n, sargs, 3);
    mpi_assert_same(s);
    ASSERT_OK(pool, s);
    clpool_mpi_stats stats;
    clpool_mpi_last_stats(&stats);
    fprintf(stderr, "rank %d: saxpy %zu items in %zu chunks\n", me, stats.items, stats.chunks);
    ASSERT_GT(stats.items, 0);
    if (me == 0)
        for (size_t i = 0; i < n; i++)
            if (y[i] != want[i])
                FAIL_("saxpy across namespaces: y[%zu] = %.9g, one pool gives %.9g", i, y[i],
                      want[i]);

    const uint32_t w = 400, h = 400, iters = 256;
    uint32_t *it = NULL, *iwant = NULL;
    if (me == 0) {
        it = calloc((size_t)w * h, sizeof *it);
        iwant = calloc((size_t)w * h, sizeof *iwant);
        ASSERT(it != NULL && iwant != NULL);
        ASSERT_OK(pool, CLPOOL_MAP(mandel, (size_t)w * h, clpool_out(iwant, 4), clpool_u32(w),
                                   clpool_f32(-2.0f), clpool_f32(-1.5f), clpool_f32(3.0f / w),
                                   clpool_f32(3.0f / h), clpool_u32(iters)));
    }
    clpool_arg margs[] = {clpool_out(it, 4), clpool_u32(w), clpool_f32(-2.0f), clpool_f32(-1.5f),
                          clpool_f32(3.0f / w), clpool_f32(3.0f / h), clpool_u32(iters)};
    s = clpool_mpi_map(mandel, MPI_COMM_WORLD, 0, (size_t)w * h, margs, 7);
    mpi_assert_same(s);
    ASSERT_OK(pool, s);
    if (me == 0)
        for (size_t i = 0; i < (size_t)w * h; i++)
            if (it[i] != iwant[i])
                FAIL_("mandelbrot across namespaces: pixel %zu = %u, one pool gives %u", i,
                      it[i], iwant[i]);
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
        int rc = strcmp(argv[2], "netns") == 0 ? case_netns() : 1;
        mpi_rank_finalize();
        return rc;
    }
    mpi_launcher_start();
    if (geteuid() != 0) {
        fprintf(stderr, "skipped: making network namespaces needs root\n");
        return TEST_SKIP;
    }
    if (sh("ip -V >/dev/null 2>&1") != 0) {
        fprintf(stderr, "skipped: no ip command (iproute2)\n");
        return TEST_SKIP;
    }
    long pid = (long)getpid();
    int net = (int)(pid % 200) + 20;
    snprintf(ns_a, sizeof ns_a, "clpool-a-%ld", pid);
    if (sh("ip netns add %s", ns_a) != 0) {
        ns_a[0] = '\0';
        fprintf(stderr, "skipped: cannot make a network namespace here (no CAP_NET_ADMIN?)\n");
        return TEST_SKIP;
    }
    atexit(remove_namespaces);
    snprintf(ns_b, sizeof ns_b, "clpool-b-%ld", pid);
    char va[16], vb[16];
    snprintf(va, sizeof va, "cpa%ld", pid % 10000000);
    snprintf(vb, sizeof vb, "cpb%ld", pid % 10000000);
    if (sh("ip netns add %s", ns_b) != 0 ||
        sh("ip link add %s type veth peer name %s", va, vb) != 0 ||
        sh("ip link set %s netns %s && ip link set %s netns %s", va, ns_a, vb, ns_b) != 0 ||
        sh("ip -n %s addr add 10.200.%d.1/24 dev %s && ip -n %s addr add 10.200.%d.2/24 dev %s",
           ns_a, net, va, ns_b, net, vb) != 0 ||
        sh("ip -n %s link set %s up && ip -n %s link set %s up && ip -n %s link set lo up && "
           "ip -n %s link set lo up", ns_a, va, ns_b, vb, ns_a, ns_b) != 0) {
        fprintf(stderr, "skipped: cannot make the veth pair between the namespaces\n");
        return TEST_SKIP;
    }

    /* Open MPI starts the remote rank's daemon through an "rsh agent",
     * called as: agent <host> <command>. Ours runs it in that host's
     * namespace instead of over ssh. */
    char agent[512], hosts[512];
    snprintf(agent, sizeof agent, "%s", test_under("agent.sh"));
    snprintf(hosts, sizeof hosts, "%s", test_under("hosts"));
    FILE *f = fopen(agent, "w");
    ASSERT(f != NULL);
    fprintf(f, "#!/bin/sh\nhost=\"$1\"; shift\ncase \"$host\" in\n"
               "  10.200.%d.1) ns=%s ;;\n  10.200.%d.2) ns=%s ;;\n"
               "  *) echo \"agent: unknown host $host\" >&2; exit 1 ;;\nesac\n"
               "exec ip netns exec \"$ns\" /bin/sh -c \"$*\"\n", net, ns_a, net, ns_b);
    fclose(f);
    ASSERT_EQ(chmod(agent, 0700), 0);
    f = fopen(hosts, "w");
    ASSERT(f != NULL);
    fprintf(f, "10.200.%d.1 slots=1\n10.200.%d.2 slots=1\n", net, net);
    fclose(f);

    char subnet[32];
    snprintf(subnet, sizeof subnet, "10.200.%d.0/24", net);
    mpi_cmd c = {{0}, 0};
    mpi_cmd_add(&c, "ip");
    mpi_cmd_add(&c, "netns");
    mpi_cmd_add(&c, "exec");
    mpi_cmd_add(&c, ns_a);
    mpi_cmd_add(&c, mpi_exec());
    /* Both hosts are this machine: bound to their first core, both ranks
     * would share core 0. */
    const char *opts[] = {"--hostfile", hosts, "-n", "2", "--bind-to", "none", "--mca",
                          "plm_rsh_agent", agent,
                          "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", subnet,
                          "--mca", "oob_tcp_if_include", subnet, argv[0], "--rank", "netns"};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        mpi_cmd_add(&c, opts[i]);
    fprintf(stderr, "mpi: 2 ranks in namespaces %s and %s over %s\n", ns_a, ns_b, subnet);
    const char *env[] = {mpi_env_no_leaks(), NULL};
    MPI_EXPECT_RUN(mpi_spawn(c.argv, env, 240));
    return 0;
}
