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

int main(void)
{
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
