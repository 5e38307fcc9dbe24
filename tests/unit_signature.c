/*
 * The kernel signature parser: the built-in kernels, the shapes of kernel
 * heads that real sources use, the things that must not be mistaken for
 * kernels, type sizes, and a little fuzzing for crashes.
 */
#include "task.h"

#include "clc/signature.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        FAIL_("cannot open %s", path);
    ASSERT_EQ(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    ASSERT_GE(len, 0);
    ASSERT_EQ(fseek(f, 0, SEEK_SET), 0);
    char *s = malloc((size_t)len + 1);
    ASSERT(s != NULL);
    ASSERT_EQ(fread(s, 1, (size_t)len, f), (size_t)len);
    s[len] = '\0';
    ASSERT_EQ(fclose(f), 0);
    return s;
}

typedef struct parsed {
    clpool__kernel_sig *sigs;
    size_t n;
} parsed;

static parsed parse(const char *src)
{
    parsed r;
    ASSERT_EQ(clpool__sig_parse(src, &r.sigs, &r.n), 0);
    return r;
}

static void done(parsed r)
{
    clpool__sig_free(r.sigs, r.n);
}

static const clpool__kernel_sig *kernel(parsed r, const char *name)
{
    const clpool__kernel_sig *k = clpool__sig_find(r.sigs, r.n, name);
    if (k == NULL) {
        fprintf(stderr, "kernels found:");
        for (size_t i = 0; i < r.n; i++)
            fprintf(stderr, " %s", r.sigs[i].name);
        FAIL_(" no kernel '%s'", name);
    }
    return k;
}

static const char *kind_name(clpool__param_kind k)
{
    switch (k) {
    case CLPOOL__PARAM_SCALAR: return "SCALAR";
    case CLPOOL__PARAM_GLOBAL: return "GLOBAL";
    case CLPOOL__PARAM_CONSTANT: return "CONSTANT";
    case CLPOOL__PARAM_LOCAL: return "LOCAL";
    case CLPOOL__PARAM_OTHER: return "OTHER";
    }
    return "?";
}

/* Checks parameter i of k completely. */
#define PARAM(k, i, kind_, name_, type_, base_, size_) check_param(__LINE__, k, i, kind_, name_, type_, base_, size_)
static void check_param(int line, const clpool__kernel_sig *k, size_t i, clpool__param_kind kind,
                        const char *name, const char *type, const char *base, size_t size)
{
    if (i >= k->nparams)
        FAIL_("line %d: kernel %s has %zu parameters, no parameter %zu", line, k->name,
              k->nparams, i);
    const clpool__param *p = &k->params[i];
    if (p->kind != kind || strcmp(p->name, name) != 0 || strcmp(p->type, type) != 0 ||
        strcmp(p->base, base) != 0 || p->size != size)
        FAIL_("line %d: %s param %zu: got {%s, \"%s\", \"%s\", \"%s\", %zu}, "
              "want {%s, \"%s\", \"%s\", \"%s\", %zu}",
              line, k->name, i, kind_name(p->kind), p->name, p->type, p->base, p->size,
              kind_name(kind), name, type, base, size);
}

static void test_builtin_kernels(void)
{
    char *src = slurp(test_kernel_path("saxpy.cl"));
    parsed r = parse(src);
    ASSERT_EQ(r.n, 1);
    const clpool__kernel_sig *k = kernel(r, "saxpy");
    ASSERT_EQ(k->nparams, 3);
    PARAM(k, 0, CLPOOL__PARAM_SCALAR, "a", "const float", "float", 4);
    PARAM(k, 1, CLPOOL__PARAM_GLOBAL, "x", "__global const float *", "float", 4);
    PARAM(k, 2, CLPOOL__PARAM_GLOBAL, "y", "__global float *", "float", 4);
    /* The offsets point at what they say. */
    ASSERT(strncmp(src + k->name_offset, "saxpy(", 6) == 0);
    ASSERT_EQ(src[k->open_paren], '(');
    ASSERT_EQ(src[k->close_paren], ')');
    ASSERT(strncmp(src + k->close_paren - 2, "*y)", 3) == 0);
    ASSERT_EQ(k->line, 3);
    done(r);
    free(src);

    src = slurp(test_kernel_path("mandelbrot.cl"));
    r = parse(src);
    ASSERT_EQ(r.n, 1);
    k = kernel(r, "mandelbrot");
    ASSERT_EQ(k->nparams, 7);
    PARAM(k, 0, CLPOOL__PARAM_GLOBAL, "iterations", "__global uint *", "uint", 4);
    PARAM(k, 1, CLPOOL__PARAM_SCALAR, "width", "const uint", "uint", 4);
    PARAM(k, 2, CLPOOL__PARAM_SCALAR, "x0", "const float", "float", 4);
    PARAM(k, 5, CLPOOL__PARAM_SCALAR, "dy", "const float", "float", 4);
    PARAM(k, 6, CLPOOL__PARAM_SCALAR, "max_iter", "const uint", "uint", 4);
    ASSERT_EQ(k->line, 5);
    done(r);
    free(src);

    /* blackscholes.cl has a helper function before the kernel; only the
     * kernel is reported. */
    src = slurp(test_kernel_path("blackscholes.cl"));
    r = parse(src);
    ASSERT_EQ(r.n, 1);
    ASSERT(clpool__sig_find(r.sigs, r.n, "cnd") == NULL);
    k = kernel(r, "blackscholes");
    ASSERT_EQ(k->nparams, 7);
    PARAM(k, 0, CLPOOL__PARAM_GLOBAL, "S", "__global const float *", "float", 4);
    PARAM(k, 4, CLPOOL__PARAM_GLOBAL, "put", "__global float *", "float", 4);
    PARAM(k, 6, CLPOOL__PARAM_SCALAR, "v", "const float", "float", 4);
    ASSERT_EQ(k->line, 18);
    ASSERT(strncmp(src + k->name_offset, "blackscholes(", 13) == 0);
    done(r);
    free(src);
}

static void test_tricky_heads(void)
{
    const char *src =
        "// __kernel void in_a_line_comment(int a) {}\n"          /* 1 */
        "/* __kernel void in_a_block_comment(int a) {}\n"         /* 2 */
        "   still a comment */\n"                                 /* 3 */
        "#define K __kernel void from_macro(int a) {} \\\n"       /* 4 */
        "    __kernel void continued_macro(int b) {}\n"           /* 5 */
        "constant char *msg = \"__kernel void in_string(int a) {}\";\n" /* 6 */
        "char c = '{';\n"                                         /* 7 */
        "float helper(float x) { return x; }\n"                   /* 8 */
        "__kernel /* c1 */ void /* c2 */ commented /* c3 */ (\n"  /* 9 */
        "    __global /* c4 */ float /* c5 */ * /* c6 */ p) {}\n" /* 10 */
        "kernel void plain(global int *out, unsigned int n, unsigned char c,\n" /* 11 */
        "                  unsigned u, signed char s, long int l, unsigned short int us) {}\n"
        "__kernel __attribute__((reqd_work_group_size(64, 1, 1))) void attr_before(int a) {}\n"
        "__attribute__((vec_type_hint(float4))) __kernel void attr_first(float f) {}\n"
        "__kernel void __attribute__((always_inline)) attr_after_void(int a) {}\n"
        "__kernel void attr_after_params(int a) __attribute__((noinline)) {}\n"
        "__kernel void vec(__global const float4 *restrict p, float3 v, uchar16 u,\n"
        "                  __constant double2 *c, half h, ulong8 w) {}\n"
        "__kernel void images(__read_only image2d_t img, sampler_t s, __local float *tmp,\n"
        "                     float *priv, __private int x, event_t e) {}\n"
        "__kernel void structs(__global struct point *p, struct point q, my_t m,\n"
        "                      __global my_t *mp, float arr[4]) {}\n"
        "__kernel void noargs(void) {}\n"
        "__kernel void noargs2() { if (1) { int x = '}'; } }\n"
        "__kernel void unnamed(__global float *, int, unsigned int) {}\n"
        "__kernel void declared_only(int a);\n"
        "__kernel void sizes(size_t a, ptrdiff_t b, bool c, char2 d, short3 e, int16 f) {}\n";
    parsed r = parse(src);

    const char *absent[] = {"in_a_line_comment", "in_a_block_comment", "from_macro",
                            "continued_macro", "in_string", "helper", "declared_only"};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        if (clpool__sig_find(r.sigs, r.n, absent[i]) != NULL)
            FAIL_("'%s' was taken for a kernel", absent[i]);

    const clpool__kernel_sig *k = kernel(r, "commented");
    ASSERT_EQ(k->line, 9);
    ASSERT_EQ(k->nparams, 1);
    PARAM(k, 0, CLPOOL__PARAM_GLOBAL, "p", "__global float *", "float", 4);
    ASSERT(strncmp(src + k->name_offset, "commented", 9) == 0);
    ASSERT_EQ(src[k->open_paren], '(');
    ASSERT_EQ(src[k->close_paren], ')');
    ASSERT(strncmp(src + k->close_paren - 1, "p) {}", 5) == 0);

    k = kernel(r, "plain");
    ASSERT_EQ(k->line, 11);
    ASSERT_EQ(k->nparams, 7);
    PARAM(k, 0, CLPOOL__PARAM_GLOBAL, "out", "global int *", "int", 4);
    PARAM(k, 1, CLPOOL__PARAM_SCALAR, "n", "unsigned int", "uint", 4);
    PARAM(k, 2, CLPOOL__PARAM_SCALAR, "c", "unsigned char", "uchar", 1);
    PARAM(k, 3, CLPOOL__PARAM_SCALAR, "u", "unsigned", "uint", 4);
    PARAM(k, 4, CLPOOL__PARAM_SCALAR, "s", "signed char", "char", 1);
    PARAM(k, 5, CLPOOL__PARAM_SCALAR, "l", "long int", "long", 8);
    PARAM(k, 6, CLPOOL__PARAM_SCALAR, "us", "unsigned short int", "ushort", 2);

    k = kernel(r, "attr_before");
    ASSERT_EQ(k->nparams, 1);
    PARAM(k, 0, CLPOOL__PARAM_SCALAR, "a", "int", "int", 4);
    ASSERT_EQ(kernel(r, "attr_first")->nparams, 1);
    ASSERT_EQ(kernel(r, "attr_after_void")->nparams, 1);
    ASSERT_EQ(kernel(r, "attr_after_params")->nparams, 1);

    k = kernel(r, "vec");
    ASSERT_EQ(k->nparams, 6);
    PARAM(k, 0, CLPOOL__PARAM_GLOBAL, "p", "__global const float4 *restrict", "float4", 16);
    PARAM(k, 1, CLPOOL__PARAM_SCALAR, "v", "float3", "float3", 16);
    PARAM(k, 2, CLPOOL__PARAM_SCALAR, "u", "uchar16", "uchar16", 16);
    PARAM(k, 3, CLPOOL__PARAM_CONSTANT, "c", "__constant double2 *", "double2", 16);
    PARAM(k, 4, CLPOOL__PARAM_SCALAR, "h", "half", "half", 2);
    PARAM(k, 5, CLPOOL__PARAM_SCALAR, "w", "ulong8", "ulong8", 64);

    k = kernel(r, "images");
    ASSERT_EQ(k->nparams, 6);
    PARAM(k, 0, CLPOOL__PARAM_OTHER, "img", "__read_only image2d_t", "image2d_t", 0);
    PARAM(k, 1, CLPOOL__PARAM_OTHER, "s", "sampler_t", "sampler_t", 0);
    PARAM(k, 2, CLPOOL__PARAM_LOCAL, "tmp", "__local float *", "float", 4);
    PARAM(k, 3, CLPOOL__PARAM_OTHER, "priv", "float *", "float", 0);
    PARAM(k, 4, CLPOOL__PARAM_SCALAR, "x", "__private int", "int", 4);
    PARAM(k, 5, CLPOOL__PARAM_OTHER, "e", "event_t", "event_t", 0);

    k = kernel(r, "structs");
    ASSERT_EQ(k->nparams, 5);
    PARAM(k, 0, CLPOOL__PARAM_GLOBAL, "p", "__global struct point *", "struct point", 0);
    PARAM(k, 1, CLPOOL__PARAM_SCALAR, "q", "struct point", "struct point", 0);
    PARAM(k, 2, CLPOOL__PARAM_SCALAR, "m", "my_t", "my_t", 0);
    PARAM(k, 3, CLPOOL__PARAM_GLOBAL, "mp", "__global my_t *", "my_t", 0);
    PARAM(k, 4, CLPOOL__PARAM_OTHER, "arr", "float [4]", "float", 0);

    ASSERT_EQ(kernel(r, "noargs")->nparams, 0);
    ASSERT_EQ(kernel(r, "noargs2")->nparams, 0);

    k = kernel(r, "unnamed");
    ASSERT_EQ(k->nparams, 3);
    PARAM(k, 0, CLPOOL__PARAM_GLOBAL, "", "__global float *", "float", 4);
    PARAM(k, 1, CLPOOL__PARAM_SCALAR, "", "int", "int", 4);
    PARAM(k, 2, CLPOOL__PARAM_SCALAR, "", "unsigned int", "uint", 4);

    k = kernel(r, "sizes");
    PARAM(k, 0, CLPOOL__PARAM_SCALAR, "a", "size_t", "size_t", 8);
    PARAM(k, 1, CLPOOL__PARAM_SCALAR, "b", "ptrdiff_t", "ptrdiff_t", 8);
    PARAM(k, 2, CLPOOL__PARAM_SCALAR, "c", "bool", "bool", 1);
    PARAM(k, 3, CLPOOL__PARAM_SCALAR, "d", "char2", "char2", 2);
    PARAM(k, 4, CLPOOL__PARAM_SCALAR, "e", "short3", "short3", 8);
    PARAM(k, 5, CLPOOL__PARAM_SCALAR, "f", "int16", "int16", 64);

    /* Exactly the kernels above, in source order. */
    const char *order[] = {"commented", "plain", "attr_before", "attr_first",
                           "attr_after_void", "attr_after_params", "vec", "images",
                           "structs", "noargs", "noargs2", "unnamed", "sizes"};
    ASSERT_EQ(r.n, sizeof order / sizeof order[0]);
    for (size_t i = 0; i < r.n; i++)
        if (strcmp(r.sigs[i].name, order[i]) != 0)
            FAIL_("kernel %zu is '%s', want '%s'", i, r.sigs[i].name, order[i]);
    done(r);
}

static void test_multiple_and_duplicates(void)
{
    /* Several kernels with helpers between them; lines count through block
     * comments and continued preprocessor lines. */
    const char *src = "int twice(int x) { return 2 * x; }\n"
                      "__kernel void first(__global int *a) { a[0] = twice(a[0]); }\n"
                      "/* one\n"
                      "   two */\n"
                      "#define LONG_MACRO(x) \\\n"
                      "    ((x) + 1)\n"
                      "__kernel void second(__global int *a, int b)\n"
                      "{\n"
                      "    a[0] = LONG_MACRO(b);\n"
                      "}\n"
                      "__kernel\n"
                      "void\n"
                      "third\n"
                      "(int c) {}\n";
    parsed r = parse(src);
    ASSERT_EQ(r.n, 3);
    ASSERT_EQ(kernel(r, "first")->line, 2);
    ASSERT_EQ(kernel(r, "second")->line, 7);
    ASSERT_EQ(kernel(r, "second")->nparams, 2);
    ASSERT_EQ(kernel(r, "third")->line, 13);
    done(r);

    /* Both arms of an #if define the kernel. The same parameters: one entry.
     * Different ones: the parser cannot tell which the compiler sees, so it
     * reports neither rather than guess. */
    src = "#ifdef FAST\n"
          "__kernel void same(__global float *x) { x[0] = 1; }\n"
          "#else\n"
          "__kernel void same(__global float *x) { x[0] = 2; }\n"
          "#endif\n"
          "#ifdef DOUBLE\n"
          "__kernel void differ(__global double *x) {}\n"
          "#else\n"
          "__kernel void differ(__global float *x) {}\n"
          "#endif\n"
          "__kernel void other(int a) {}\n";
    r = parse(src);
    ASSERT_EQ(r.n, 2);
    ASSERT_EQ(kernel(r, "same")->line, 2);
    ASSERT(clpool__sig_find(r.sigs, r.n, "differ") == NULL);
    kernel(r, "other");
    done(r);

    /* Empty and kernel-free sources. */
    r = parse("");
    ASSERT_EQ(r.n, 0);
    done(r);
    r = parse("float f(float x) { return x; }\n");
    ASSERT_EQ(r.n, 0);
    done(r);
}

static void test_type_sizes(void)
{
    struct {
        const char *name;
        size_t size;
    } cases[] = {
        {"char", 1},      {"uchar", 1},    {"bool", 1},       {"short", 2},   {"ushort", 2},
        {"half", 2},      {"int", 4},      {"uint", 4},       {"float", 4},   {"long", 8},
        {"ulong", 8},     {"double", 8},   {"size_t", 8},     {"ptrdiff_t", 8},
        {"intptr_t", 8},  {"uintptr_t", 8}, {"char2", 2},     {"uchar3", 4},  {"short4", 8},
        {"int8", 32},     {"float16", 64}, {"double3", 32},   {"half8", 16},  {"ulong16", 128},
        {"float5", 0},    {"float1", 0},   {"float32", 0},    {"bool2", 0},   {"size_t2", 0},
        {"floaty", 0},    {"", 0},         {"struct s", 0},   {"unsigned int", 0},
        {"image2d_t", 0}, {"float4 ", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (clpool__type_size(cases[i].name) != cases[i].size)
            FAIL_("clpool__type_size(\"%s\") = %zu, want %zu", cases[i].name,
                  clpool__type_size(cases[i].name), cases[i].size);
    ASSERT_EQ(clpool__type_size(NULL), 0);
}

/* A small deterministic generator, so a failure reproduces. */
static unsigned long long rng_state = 0x2545F4914F6CDD1DULL;
static unsigned rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state >> 11);
}

/* Parses src and checks what must hold of any result: offsets inside the
 * source and pointing at the name and the parentheses. */
static void parse_anything(const char *src)
{
    clpool__kernel_sig *sigs;
    size_t n;
    ASSERT_EQ(clpool__sig_parse(src, &sigs, &n), 0);
    size_t len = strlen(src);
    for (size_t i = 0; i < n; i++) {
        ASSERT(sigs[i].name != NULL);
        ASSERT_LT(sigs[i].name_offset, len);
        ASSERT_LT(sigs[i].close_paren, len);
        ASSERT(strncmp(src + sigs[i].name_offset, sigs[i].name, strlen(sigs[i].name)) == 0);
        ASSERT_EQ(src[sigs[i].open_paren], '(');
        ASSERT_EQ(src[sigs[i].close_paren], ')');
        ASSERT_LT(sigs[i].name_offset, sigs[i].open_paren);
        ASSERT_LT(sigs[i].open_paren, sigs[i].close_paren);
        for (size_t j = 0; j < sigs[i].nparams; j++)
            ASSERT(sigs[i].params[j].name && sigs[i].params[j].type && sigs[i].params[j].base);
    }
    clpool__sig_free(sigs, n);
}

static void test_fuzz(void)
{
    const char *files[] = {"saxpy.cl", "mandelbrot.cl", "blackscholes.cl"};
    static const char extra[] =
        "__kernel void t(__global const float4 *restrict p, unsigned int n) {}\n"
        "#define X \\\n  __kernel\n"
        "/* unterminated comment __kernel void u(int a) {}";
    for (size_t f = 0; f < 3; f++) {
        char *src = slurp(test_kernel_path(files[f]));
        size_t len = strlen(src);
        /* Every truncation. */
        for (size_t cut = 0; cut <= len; cut++) {
            char *c = malloc(cut + 1);
            ASSERT(c != NULL);
            memcpy(c, src, cut);
            c[cut] = '\0';
            parse_anything(c);
            free(c);
        }
        /* Random byte edits, favouring the characters that steer the lexer. */
        static const char steer[] = "(){}[]/*\"'#\\\n,;_ ";
        for (int round = 0; round < 300; round++) {
            char *c = malloc(len + 1);
            ASSERT(c != NULL);
            memcpy(c, src, len + 1);
            for (int e = 0; e < 1 + (int)(rnd() % 8); e++) {
                size_t at = rnd() % len;
                c[at] = (rnd() & 1) ? steer[rnd() % (sizeof steer - 1)] : (char)(1 + rnd() % 255);
            }
            parse_anything(c);
            free(c);
        }
        free(src);
    }
    for (size_t cut = 0; cut <= sizeof extra - 1; cut++) {
        char c[sizeof extra];
        memcpy(c, extra, cut);
        c[cut] = '\0';
        parse_anything(c);
    }
    /* Garbage, and deep nesting. */
    for (int round = 0; round < 200; round++) {
        char g[512];
        size_t len = 1 + rnd() % (sizeof g - 1);
        for (size_t i = 0; i < len; i++)
            g[i] = (char)(1 + rnd() % 255);
        g[len] = '\0';
        parse_anything(g);
    }
    char deep[20000];
    size_t at = (size_t)snprintf(deep, sizeof deep, "__kernel void d(");
    while (at < sizeof deep - 2)
        deep[at++] = '(';
    deep[at] = '\0';
    parse_anything(deep);
    parse_anything("__kernel void");
    parse_anything("__kernel void f(");
    parse_anything("__kernel void f(int a)");
    parse_anything("__kernel void f(int a) {");
    parse_anything("} } } __kernel void g(int a) {}");
    parse_anything("__kernel void h(__attribute__((");
    parse_anything("\"\\");
    parse_anything("'");
    parse_anything("#");
    parse_anything("\\");
}

int main(void)
{
    test_builtin_kernels();
    test_tricky_heads();
    test_multiple_and_duplicates();
    test_type_sizes();
    test_fuzz();
    return 0;
}
