/*
 * The plain preprocessor conditionals the native path judges before the
 * compiler runs (host/clc/ppcond.h): -D options, the program's own integer
 * #defines, defined(), integer arithmetic and comparisons; and unknown
 * (-1) for everything it cannot be sure of.
 */
#include "task.h"

#include "clc/ppcond.h"
#include "clc/scan.h"

static clpool__macros *m;

/* Evaluates the condition text as an #if would. */
static int eval(const char *text)
{
    clpool__tok toks[64];
    size_t n = 0;
    clpool__scan s;
    clpool__scan_init(&s, text);
    while (n < 64 && clpool__scan_next(&s, &toks[n]))
        n++;
    return clpool__macros_eval(m, text, toks, n);
}

#define EXPECT(text, want)                                                               \
    do {                                                                                 \
        int got_ = eval(text);                                                           \
        if (got_ != (want))                                                              \
            FAIL_("#if %s: got %d, want %d", text, got_, want);                          \
    } while (0)

/* Feeds "#define ..." / "#undef ..." lines as the scanner sees them. */
static void directive(const char *line, int sure)
{
    clpool__tok toks[16];
    size_t n = 0;
    clpool__scan s;
    clpool__scan_init(&s, line);
    while (n < 16 && clpool__scan_next(&s, &toks[n]))
        n++;
    ASSERT(n >= 3);
    if (toks[1].len == 6 && memcmp(line + toks[1].start, "define", 6) == 0)
        clpool__macros_define(m, line, &toks[2], toks + 3, n - 3,
                              line[toks[2].start + toks[2].len] == '(', sure);
    else
        clpool__macros_undef(m, line, &toks[2], sure);
}

int main(void)
{
    m = clpool__macros_new("-DFOO=0 -DBAR -D SIZE=0x20 -DNAME=float -cl-mad-enable");
    ASSERT(m != NULL);
    EXPECT("0", 0);
    EXPECT("1", 1);
    EXPECT("FOO", 0);
    EXPECT("BAR", 1);
    EXPECT("defined(FOO) && !FOO", 1);
    EXPECT("defined FOO", 1);
    EXPECT("NEVER", 0); /* an undefined name is 0 */
    EXPECT("defined(NEVER)", 0);
    EXPECT("SIZE == 32 && SIZE >= 16 && SIZE <= 32 && SIZE != 31", 1);
    EXPECT("SIZE / 4 * 2 + 1 == 17", 1);
    EXPECT("(SIZE << 1) > 63 || NEVER", 1);
    EXPECT("SIZE % 5 == 2", 1);
    EXPECT("-1 < 0 && ~0 == -1", 1);
    EXPECT("(1 | 2) == 3 && (3 & 1) && (1 ^ 3) == 2", 1);
    EXPECT("defined(__CLPOOL_NATIVE__)", 1);
    EXPECT("!defined(__CLPOOL_NATIVE__)", 0);
    /* Not sure of: a value that is not an integer, reserved and system
     * names, the prelude's macros, function-like macros, bad syntax. */
    EXPECT("NAME", -1);
    EXPECT("defined(NAME)", 1);
    EXPECT("__OPENCL_VERSION__ >= 120", -1);
    EXPECT("defined(__clang__)", -1);
    EXPECT("FLT_MAX > 0", -1);
    EXPECT("defined(CL_VERSION_1_0)", -1);
    EXPECT("F(1)", -1);
    EXPECT("1 +", -1);
    EXPECT("1 / FOO", -1);
    EXPECT("1 ? 2 : 3", -1);
    /* ... unless the other side decides it. */
    EXPECT("FOO && __clang__", 0);
    EXPECT("BAR || __clang__", 1);
    EXPECT("BAR && __clang__", -1);

    /* The program's own #defines and #undefs. */
    directive("#define TILE 16", 1);
    directive("#define WIDE (64)", 1);
    directive("#define F(x) x", 1);
    directive("#define MAYBE 1", 0); /* in a branch not known to be compiled */
    EXPECT("TILE * 4 == WIDE", 1);
    EXPECT("defined(F)", 1);
    EXPECT("MAYBE", -1);
    EXPECT("defined(MAYBE)", -1);
    directive("#undef TILE", 1);
    EXPECT("defined(TILE)", 0);
    EXPECT("TILE", 0);
    directive("#undef BAR", 0);
    EXPECT("BAR", -1);

    /* After an #include, what the program has not set may be defined there;
     * what it set stays. */
    clpool__macros_include(m);
    EXPECT("defined(OTHER)", -1);
    EXPECT("defined(TILE)", -1);
    EXPECT("WIDE == 64 && FOO == 0", 1);
    clpool__macros_free(m);
    return 0;
}
