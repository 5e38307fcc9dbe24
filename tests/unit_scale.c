/*
 * The OpenCL C handling is linear in the source: parsing signatures,
 * finding bodies, refusing, generating the native text and the window
 * wrappers. Two sources that were quadratic: 80,000 `kernel` tokens inside
 * `#if 0` (14.5 s to parse), and 10,000 ordinary kernels (15 s before the
 * compiler started). Here each must be handled before an alarm of 60 s: a
 * bound that a hang or a quadratic pass fails (each takes well under a
 * second when linear), not a timing.
 */
#include "task.h"

#include <signal.h>
#include <unistd.h>

#include "clc/buf.h"
#include "clc/native_gen.h"
#include "clc/refuse.h"
#include "clc/select.h"
#include "clc/workgroup.h"
#include "clc/signature.h"
#include "clc/window.h"
#include "internal.h"

static char *kernels_source(size_t n)
{
    clpool__buf b = {0};
    for (size_t i = 0; i < n; i++)
        clpool__buf_fmt(&b,
                        "float h%zu(float v) { return v * 2.0f; }\n"
                        "__kernel void k%zu(__global float *x, const float a)\n"
                        "{ size_t i = get_global_id(0); x[i] = h%zu(a * x[i]); }\n",
                        i, i, i);
    ASSERT(!b.failed);
    return clpool__buf_take(&b);
}

static char *tokens_source(size_t n)
{
    clpool__buf b = {0};
    clpool__buf_str(&b, "#if 0\n");
    for (size_t i = 0; i < n; i++)
        clpool__buf_str(&b, i % 16 == 15 ? "kernel\n" : "kernel ");
    clpool__buf_str(&b, "\n#endif\n__kernel void only(__global int *x) { x[0] = 1; }\n");
    ASSERT(!b.failed);
    return clpool__buf_take(&b);
}

static void handle(clpool *pool, char *source, size_t want_kernels)
{
    clpool_program prog = {.pool = pool, .source = source, .path = "<scale>", .options = ""};
    ASSERT_EQ(clpool__sig_parse(source, &prog.sigs, &prog.nsigs), 0);
    ASSERT_EQ(prog.nsigs, want_kernels);
    clpool__native_facts facts;
    memset(&facts, 0, sizeof facts);
    ASSERT_OK(pool, clpool__native_select(&prog, 1, &facts));
    int any_fibers = 0;
    int *fibers = clpool__wg_fiber_kernels(&prog, &any_fibers);
    clpool__buf text = {0};
    ASSERT_OK(pool, clpool__native_gen(&prog, &facts, 0, fibers, &text));
    ASSERT(text.len > strlen(source));
    clpool__buf_free(&text);
    free(fibers);
    clpool__native_facts_free(&facts);
    char *windowed = clpool__window_source(source, prog.sigs, prog.nsigs);
    ASSERT(windowed != NULL);
    free(windowed);
    clpool__sig_free(prog.sigs, prog.nsigs);
    free(source);
}

int main(void)
{
    alarm(60);
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = 1;
    clpool *pool = test_open_cfg(&cfg);
    handle(pool, tokens_source(80000), 1);
    handle(pool, kernels_source(10000), 10000);
    clpool_close(pool);
    return 0;
}
