/*
 * Which kernels with barriers the fork backend turns into work-item loops
 * (clc/wg_loops.c) and which it leaves to the fibers: the shapes of the
 * built-in matmul and reduce, barriers in blocks, uniform ifs and while
 * loops take the loops; a barrier in a do-while, a break out of a barrier
 * loop, a parameter the body changes, a variable declared twice, a
 * preprocessor line in the body keep the fibers. Both are correct (the
 * fork_workgroups tests run them); this keeps the fast path from being lost
 * unnoticed.
 */
#include "task.h"

#include "clc/buf.h"
#include "clc/refuse.h"
#include "clc/signature.h"
#include "clc/workgroup.h"

static int loops_for(const char *src)
{
    clpool_program prog;
    memset(&prog, 0, sizeof prog);
    prog.source = (char *)src;
    prog.path = (char *)"t.cl";
    ASSERT_EQ(clpool__sig_parse(src, &prog.sigs, &prog.nsigs), 0);
    ASSERT_EQ(prog.nsigs, 1);
    clpool__body body;
    clpool__find_bodies(src, prog.sigs, 1, &body);
    ASSERT(body.close > body.open);
    clpool__buf out = {0};
    int r = clpool__wg_loops(&prog, &prog.sigs[0], body.open, body.close, &out);
    ASSERT(r >= 0);
    ASSERT_EQ(out.len > 0, r == 1);
    clpool__buf_free(&out);
    clpool__sig_free(prog.sigs, prog.nsigs);
    return r;
}

static char *slurp(const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", CLPOOL_KERNELS_DIR, file);
    FILE *f = fopen(path, "rb");
    ASSERT(f != NULL);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* reqd_work_group_size written with macros, as tiled kernels write it. */
static void test_reqd(void)
{
    static const char src[] = "#define TS 16\n"
                              "#define ROWS (4)\n"
                              "__kernel __attribute__((reqd_work_group_size(TS, ROWS, 1)))\n"
                              "void a(__global float *x) { x[0] = 1; }\n"
                              "__kernel __attribute__((reqd_work_group_size(TS * TS, 1, 1)))\n"
                              "void b(__global float *x) { x[0] = 1; }\n"
                              "__kernel __attribute__((reqd_work_group_size(WIDTH, 1, 1)))\n"
                              "void c(__global float *x) { x[0] = 1; }\n";
    clpool__kernel_sig *sigs;
    size_t n;
    ASSERT_EQ(clpool__sig_parse(src, &sigs, &n), 0);
    ASSERT_EQ(n, 3);
    ASSERT_EQ(sigs[0].reqd[0], 16);
    ASSERT_EQ(sigs[0].reqd[1], 4);
    ASSERT_EQ(sigs[0].reqd[2], 1);
    ASSERT_EQ(sigs[1].reqd[0], 256);
    ASSERT_EQ(sigs[1].reqd[1], 1);
    ASSERT_EQ(sigs[2].reqd[0], 0); /* -D WIDTH: unknown here; the fork build refuses it */
    clpool__sig_free(sigs, n);
}

int main(void)
{
    test_reqd();
    ASSERT_EQ(loops_for(slurp("matmul.cl")), 1);
    ASSERT_EQ(loops_for(slurp("reduce.cl")), 1);
    ASSERT_EQ(loops_for("__kernel void k(__global float *y, __local float *t)\n"
                        "{\n"
                        "    size_t l = get_local_id(0);\n"
                        "    float v = y[get_global_id(0)];\n"
                        "    { t[l] = v; barrier(CLK_LOCAL_MEM_FENCE); v += t[0]; }\n"
                        "    if (get_group_id(0) > 2) {\n"
                        "        barrier(CLK_LOCAL_MEM_FENCE);\n"
                        "        t[l] = v;\n"
                        "    } else\n"
                        "        work_group_barrier(CLK_GLOBAL_MEM_FENCE);\n"
                        "    int i = 0;\n"
                        "    while (i < 4) { i++; barrier(CLK_LOCAL_MEM_FENCE); }\n"
                        "    y[get_global_id(0)] = v + (float)i;\n"
                        "}\n"),
              1);
    static const char *const fibers[] = {
        "__kernel void k(__global int *y)\n"
        "{ int i = 0; do { barrier(CLK_LOCAL_MEM_FENCE); i++; } while (i < 3); y[0] = i; }\n",
        "__kernel void k(__global int *y)\n"
        "{ for (int i = 0; i < 9; i++) { barrier(CLK_LOCAL_MEM_FENCE); if (i == 3) break; } }\n",
        "__kernel void k(__global int *y)\n"
        "{ y += get_group_id(0); barrier(CLK_LOCAL_MEM_FENCE); y[0] = 1; }\n",
        "__kernel void k(__global int *y)\n"
        "{ int a = y[0]; barrier(CLK_LOCAL_MEM_FENCE); { int a = 2; y[1] = a; } y[0] = a; }\n",
        "__kernel void k(__global int *y)\n"
        "{\n#ifdef X\n    y[0] = 1;\n#endif\n    barrier(CLK_LOCAL_MEM_FENCE);\n}\n",
        "__kernel void k(__global int *y)\n"
        "{ y[0] = 1, barrier(CLK_LOCAL_MEM_FENCE); }\n",
    };
    for (size_t i = 0; i < sizeof fibers / sizeof fibers[0]; i++)
        if (loops_for(fibers[i]) != 0)
            FAIL_("shape %zu should keep the fibers:\n%s", i, fibers[i]);
    return 0;
}
