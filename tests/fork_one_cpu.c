/*
 * A process that may run on one CPU only (taskset -c N, a container's
 * cpuset) while the machine has more: the fork backend counts the CPUs of
 * its affinity mask, so its parent and workers take turns on that CPU
 * instead of spinning against each other. Maps back to back, one-item and
 * 1024-item, with 1, 2 and 3 workers, then a large map of host arrays
 * (staged, with no copying threads beside the parent): every result right.
 * Before, with one worker, each one-item map waited ~300 us for the
 * parent's spin to end; the test has no timing, only the ctest bound
 * against a hang.
 */
#include "task.h"

#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

static const char source[] =
    "__kernel void bump(__global uint *c, uint k)\n"
    "{\n"
    "    c[get_global_id(0)] += k;\n"
    "}\n"
    "__kernel void square(__global const uint *in, __global uint *out)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    out[i] = in[i] * in[i];\n"
    "}\n";

enum { SMALL_MAPS = 2000, GROUP_MAPS = 200, GROUP = 1024, LARGE = 1 << 20 };

static void run(int workers)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = workers;
    clpool *pool = NULL;
    ASSERT_OK(NULL, clpool_open(&cfg, &pool));
    clpool_program *prog;
    clpool_kernel *bump, *square;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "bump", &bump));
    ASSERT_OK(pool, clpool_kernel_get(prog, "square", &square));

    clpool_buffer *c;
    ASSERT_OK(pool, clpool_buffer_new(pool, GROUP * sizeof(uint32_t), &c));
    uint32_t zero[GROUP] = {0};
    ASSERT_OK(pool, clpool_buffer_write(c, 0, zero, sizeof zero));
    for (uint32_t i = 0; i < SMALL_MAPS; i++)
        ASSERT_OK(pool, CLPOOL_MAP(bump, 1, clpool_buf(c), clpool_u32(i + 1)));
    for (uint32_t i = 0; i < GROUP_MAPS; i++)
        ASSERT_OK(pool, CLPOOL_MAP(bump, GROUP, clpool_buf(c), clpool_u32(1)));
    uint32_t got[GROUP];
    ASSERT_OK(pool, clpool_buffer_read(c, 0, got, sizeof got));
    ASSERT_EQ(got[0], (uint32_t)SMALL_MAPS * (SMALL_MAPS + 1) / 2 + GROUP_MAPS);
    for (size_t i = 1; i < GROUP; i++)
        ASSERT_EQ(got[i], (uint32_t)GROUP_MAPS);

    uint32_t *in = malloc(LARGE * sizeof *in), *out = malloc(LARGE * sizeof *out);
    ASSERT(in != NULL && out != NULL);
    for (size_t i = 0; i < LARGE; i++)
        in[i] = (uint32_t)(i * 2654435761u);
    ASSERT_OK(pool, CLPOOL_MAP(square, LARGE, clpool_in(in, sizeof *in),
                               clpool_out(out, sizeof *out)));
    for (size_t i = 0; i < LARGE; i++)
        if (out[i] != in[i] * in[i])
            FAIL_("%d workers, item %zu: %u, want %u", workers, i, out[i], in[i] * in[i]);
    free(in);
    free(out);
    clpool_buffer_free(c);
    clpool_program_free(prog);
    clpool_close(pool);
}

int main(void)
{
    int cpu = sched_getcpu();
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu >= 0 ? cpu : 0, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) {
        fprintf(stderr, "skipped: cannot limit this process to one CPU\n");
        return 77;
    }
    for (int workers = 1; workers <= 3; workers++)
        run(workers);
    return 0;
}
