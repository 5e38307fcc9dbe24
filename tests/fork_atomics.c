/*
 * OpenCL C atomics on __global memory across worker processes: the buffers
 * are shared memory, so atomic_inc / atomic_add from different workers must
 * give exact totals.
 */
#include "task.h"

#include <unistd.h>

static const char source[] =
    "__kernel void histogram(__global const uint *data, __global uint *bins, const uint nbins)\n"
    "{\n"
    "    atomic_inc(&bins[data[get_global_id(0)] % nbins]);\n"
    "}\n"
    "__kernel void total(__global const uint *data, __global uint *sum)\n"
    "{\n"
    "    atomic_add(sum, data[get_global_id(0)]);\n"
    "}\n";

int main(void)
{
    clpool_config cfg = test_config(CLPOOL_FORK);
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    cfg.workers = online < 4 ? 4 : (int)online; /* several processes, even on one CPU */
    clpool *pool = NULL;
    ASSERT_OK(NULL, clpool_open(&cfg, &pool));

    clpool_program *prog;
    clpool_kernel *hist, *total;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    ASSERT_OK(pool, clpool_kernel_get(prog, "histogram", &hist));
    ASSERT_OK(pool, clpool_kernel_get(prog, "total", &total));

    const size_t n = (size_t)1 << 22;
    const uint32_t nbins = 7; /* few bins: many workers hit the same words */
    uint32_t *data = malloc(n * sizeof *data);
    ASSERT(data != NULL);
    uint32_t want[7] = {0}, want_sum = 0, s = 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        data[i] = s % 1000;
        want[data[i] % nbins]++;
        want_sum += data[i];
    }

    clpool_buffer *bdata, *bbins, *bsum;
    ASSERT_OK(pool, clpool_buffer_new(pool, n * sizeof *data, &bdata));
    ASSERT_OK(pool, clpool_buffer_write(bdata, 0, data, n * sizeof *data));
    ASSERT_OK(pool, clpool_buffer_new(pool, sizeof want, &bbins));
    ASSERT_OK(pool, clpool_buffer_new(pool, sizeof want_sum, &bsum));
    for (int rep = 0; rep < 5; rep++) {
        uint32_t bins[7] = {0}, sum = 0;
        ASSERT_OK(pool, clpool_buffer_write(bbins, 0, bins, sizeof bins));
        ASSERT_OK(pool, clpool_buffer_write(bsum, 0, &sum, sizeof sum));
        ASSERT_OK(pool, CLPOOL_MAP(hist, n, clpool_buf(bdata), clpool_buf(bbins),
                                   clpool_u32(nbins)));
        ASSERT_OK(pool, CLPOOL_MAP(total, n, clpool_buf(bdata), clpool_buf(bsum)));
        ASSERT_OK(pool, clpool_buffer_read(bbins, 0, bins, sizeof bins));
        ASSERT_OK(pool, clpool_buffer_read(bsum, 0, &sum, sizeof sum));
        for (uint32_t b = 0; b < nbins; b++)
            if (bins[b] != want[b])
                FAIL_("round %d: bin %u holds %u, want %u", rep, b, bins[b], want[b]);
        ASSERT_EQ(sum, want_sum);
    }
    clpool_buffer_free(bbins);
    clpool_buffer_free(bsum);
    free(data);
    clpool_buffer_free(bdata);
    clpool_program_free(prog);
    clpool_close(pool);
    return 0;
}
