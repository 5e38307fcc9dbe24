/*
 * The window wrappers' text (clc/window.h), without a device: where each
 * wrapper goes, what it passes, the #line that follows it, and the kernels
 * that get none; and which programs must not run through them
 * (clpool__window_local_vars).
 */
#include "task.h"

#include "clc/signature.h"
#include "clc/window.h"

static char *windowed(const char *src)
{
    clpool__kernel_sig *sigs = NULL;
    size_t n = 0;
    ASSERT_EQ(clpool__sig_parse(src, &sigs, &n), 0);
    char *text = clpool__window_source(src, sigs, n);
    ASSERT(text != NULL);
    clpool__sig_free(sigs, n);
    return text;
}

/* The offset of needle in hay, failing if absent. */
static size_t at(const char *hay, const char *needle)
{
    const char *p = strstr(hay, needle);
    if (p == NULL)
        FAIL_("\"%s\" not in:\n%s", needle, hay);
    return (size_t)(p - hay);
}

int main(void)
{
    /* No pointer parameters: no wrapper, text unchanged. */
    const char *plain = "__kernel void a(int x) { }\n";
    char *t = windowed(plain);
    ASSERT(strcmp(t, plain) == 0);
    free(t);

    /* A __local parameter (clpool_local) passes through the wrapper
     * unshifted; only the __global one has a shift. */
    t = windowed("__kernel void b(__global float *y, __local float *t) { }\n");
    at(t, "__kernel void clpool_window_b(__global float * clpool_p0, __local float * clpool_p1, "
          "ulong clpool_s0)");
    at(t, "b((__global float *)((__global char *)clpool_p0 - clpool_s0), clpool_p1);");
    ASSERT(strstr(t, "clpool_s1") == NULL);
    free(t);

    /* A kernel under #if 0 keeps its wrapper inside the #if; the next line
     * of the file is renumbered. */
    t = windowed("#if 0\n"
                 "__kernel void g(__global float *x) { }\n"
                 "#endif\n"
                 "__kernel void k(const float a, __global const float *x,\n"
                 "                __constant int *c)\n"
                 "{\n"
                 "    x[0];\n"
                 "} // end\n"
                 "int after;\n");
    ASSERT(at(t, "clpool_window_g(") < at(t, "#endif"));
    ASSERT_STR_CONTAINS(t, "__kernel void clpool_window_k(const float clpool_p0, "
                           "__global const float * clpool_p1, __constant int * clpool_p2, "
                           "ulong clpool_s1, ulong clpool_s2)");
    ASSERT_STR_CONTAINS(t, "k(clpool_p0, (__global const float *)((__global char *)clpool_p1 - "
                           "clpool_s1), (__constant int *)((__constant char *)clpool_p2 - "
                           "clpool_s2));");
    ASSERT(at(t, "} // end\n") < at(t, "clpool_window_k("));
    ASSERT_STR_CONTAINS(t, "#line 3\n#endif\n");
    ASSERT_STR_CONTAINS(t, "#line 9\nint after;\n");
    free(t);

    /* Code after the closing brace on its line: the wrapper goes at the
     * end; a source without a final newline gets one first. */
    t = windowed("__kernel void k(__global float *x) { x[0] = 1; } int y;\n"
                 "int z;");
    ASSERT(at(t, "int z;") < at(t, "clpool_window_k("));
    ASSERT_STR_CONTAINS(t, "int z;\n");
    ASSERT(strstr(t, "#line") == NULL);
    free(t);

    /* Braces in strings, characters and comments do not end the body. */
    t = windowed("__kernel void k(__global char *x)\n"
                 "{\n"
                 "    /* } */ x[0] = '}'; // }\n"
                 "    if (x[1]) { x[2] = 0; }\n"
                 "}\n");
    ASSERT(at(t, "if (x[1])") < at(t, "clpool_window_k("));
    free(t);

    /* __local parameters alone may go through a wrapper; a __local
     * variable in a body, or a helper's __local pointer, may not. */
    static const struct {
        const char *src;
        int want;
    } locals[] = {
        {"__kernel void a(__global float *x) { x[0] = 1; }\n", 0},
        {"__kernel void a(__global float *x, __local float *t) { t[0] = x[0]; }\n", 0},
        {"__kernel void a(__global float *x, local float *t, __local int *u) { }\n"
         "__kernel void b(__global float *y, __local float *v) { }\n", 0},
        {"__kernel void a(__global float *x) { __local float t[4]; t[0] = x[0]; }\n", 1},
        {"__kernel void a(__global float *x, __local float *t) { local int n; }\n", 1},
        {"void h(__local float *t) { }\n"
         "__kernel void a(__global float *x, __local float *t) { h(t); }\n", 1},
        {"/* __local */ __kernel void a(__global float *x) { }\n", 0},
    };
    for (size_t i = 0; i < sizeof locals / sizeof locals[0]; i++) {
        clpool__kernel_sig *sigs = NULL;
        size_t n = 0;
        ASSERT_EQ(clpool__sig_parse(locals[i].src, &sigs, &n), 0);
        int got = clpool__window_local_vars(locals[i].src, sigs, n);
        clpool__sig_free(sigs, n);
        if (got != locals[i].want)
            FAIL_("window_local_vars(%s) = %d, want %d", locals[i].src, got, locals[i].want);
    }
    return 0;
}
