/* Plain preprocessor conditionals (see ppcond.h). */
#include "clc/ppcond.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clc/options.h"
#include "clc/prelude.h"

enum { M_UNDEF, M_INT, M_OTHER, M_UNKNOWN };

typedef struct macro {
    char *name;
    int state;
    long long value;
} macro;

struct clpool__macros {
    macro *v;
    size_t n, cap;
    int included; /* an #include was compiled: unset names are unknown */
    int lost;     /* out of memory: everything is unknown */
};

/* The names the prelude #defines, pointing into its text: found once per
 * process (the prelude is a constant), kept for the process's life. */
typedef struct pname {
    const char *p;
    size_t len;
} pname;

static pthread_once_t prelude_once = PTHREAD_ONCE_INIT;
static pname *prelude_names;
static size_t nprelude_names;
static int prelude_lost;

/* ------------------------------------------------------------- the table */

static macro *find(const clpool__macros *m, const char *name, size_t len)
{
    for (size_t i = 0; i < m->n; i++)
        if (strlen(m->v[i].name) == len && memcmp(m->v[i].name, name, len) == 0)
            return &m->v[i];
    return NULL;
}

static void set(clpool__macros *m, const char *name, size_t len, int state, long long value)
{
    macro *e = find(m, name, len);
    if (e == NULL) {
        if (m->n == m->cap) {
            size_t cap = m->cap != 0 ? m->cap * 2 : 16;
            macro *g = realloc(m->v, cap * sizeof *g);
            if (g == NULL) {
                m->lost = 1;
                return;
            }
            m->v = g;
            m->cap = cap;
        }
        char *copy = malloc(len + 1);
        if (copy == NULL) {
            m->lost = 1;
            return;
        }
        memcpy(copy, name, len);
        copy[len] = '\0';
        e = &m->v[m->n++];
        e->name = copy;
    }
    e->state = state;
    e->value = value;
}

/* Names the prelude's system headers (float.h, limits.h, math.h,
 * stdbool.h, stddef.h, stdint.h) or the compiler may define. */
static int system_name(const char *name, size_t len)
{
    static const char *const prefixes[] = {
        "FLT_", "DBL_", "LDBL_", "DECIMAL_DIG", "CHAR_", "SCHAR_", "UCHAR_", "SHRT_", "USHRT_",
        "INT", "UINT", "LONG_", "ULONG_", "LLONG_", "ULLONG_", "MB_LEN", "PATH_MAX", "NAME_MAX",
        "ARG_MAX", "M_", "HUGE_VAL", "INFINITY", "NAN", "FP_", "MATH_", "SIZE_MAX", "PTRDIFF_",
        "WCHAR_", "WINT_", "SIG_ATOMIC_", "NULL", "PIPE_BUF", "LINK_MAX", "RTSIG_MAX", "NGROUPS",
        "IOV_MAX", "HOST_NAME_MAX", "LOGIN_NAME_MAX", "XATTR_", "NR_OPEN", "MAX_CANON",
        "MAX_INPUT", "PTHREAD_", "SEM_", "DELAYTIMER", "TTY_NAME", "AIO_", "BC_", "COLL_",
        "EXPR_", "LINE_MAX", "RE_DUP", "CHARCLASS", "SSIZE_MAX", "WORD_BIT", "LONG_BIT",
    };
    static const char *const names[] = {
        "bool", "true", "false", "offsetof", "math_errhandling", "isnan", "isinf", "isfinite",
        "isnormal", "signbit", "fpclassify", "isgreater", "isgreaterequal", "isless",
        "islessequal", "islessgreater", "isunordered", "linux", "unix", "i386", "errno",
        "assert", "static_assert", "alignas", "alignof", "noreturn", "complex", "imaginary",
    };
    if (len >= 2 && name[0] == '_' && (name[1] == '_' || (name[1] >= 'A' && name[1] <= 'Z')))
        return 1; /* reserved for the implementation */
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        if (len >= n && memcmp(name, prefixes[i], n) == 0)
            return 1;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == len && memcmp(name, names[i], len) == 0)
            return 1;
    return 0;
}

static int prelude_name(const char *name, size_t len)
{
    for (size_t i = 0; i < nprelude_names; i++)
        if (prelude_names[i].len == len && memcmp(prelude_names[i].p, name, len) == 0)
            return 1;
    return 0;
}

static void add_prelude_names(const char *text, size_t *cap)
{
    clpool__scan s;
    clpool__tok t, kw, name;
    clpool__scan_init(&s, text);
    while (clpool__scan_next(&s, &t)) {
        if (t.directive != 2 || !clpool__scan_next(&s, &kw))
            continue;
        if (kw.len != 6 || memcmp(text + kw.start, "define", 6) != 0 ||
            !clpool__scan_next(&s, &name) || name.kind != CLPOOL__TOK_IDENT)
            continue;
        if (nprelude_names == *cap) {
            size_t c = *cap != 0 ? *cap * 2 : 512;
            pname *g = realloc(prelude_names, c * sizeof *g);
            if (g == NULL) {
                prelude_lost = 1;
                return;
            }
            prelude_names = g;
            *cap = c;
        }
        prelude_names[nprelude_names++] = (pname){text + name.start, name.len};
    }
}

static void find_prelude_names(void)
{
    size_t cap = 0;
    add_prelude_names(clpool__prelude, &cap);
    add_prelude_names(clpool__prelude_vector, &cap);
}

/* The state of a name: M_UNDEF, M_INT (with *value), M_OTHER or M_UNKNOWN. */
static int lookup(const clpool__macros *m, const char *name, size_t len, long long *value)
{
    if (m->lost)
        return M_UNKNOWN;
    const macro *e = find(m, name, len);
    if (e != NULL) {
        *value = e->value;
        return e->state;
    }
    if (m->included || system_name(name, len) || prelude_name(name, len))
        return M_UNKNOWN;
    return M_UNDEF;
}

/* An integer literal (with u/l suffixes) filling text[0..len). */
static int integer(const char *text, size_t len, long long *v)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf || text[0] < '0' || text[0] > '9')
        return 0;
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *end;
    unsigned long long u = strtoull(buf, &end, 0);
    while (*end == 'u' || *end == 'U' || *end == 'l' || *end == 'L')
        end++;
    if (*end != '\0')
        return 0;
    *v = (long long)u;
    return 1;
}

clpool__macros *clpool__macros_new(const char *options)
{
    clpool__macros *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    set(m, "__CLPOOL_NATIVE__", 17, M_INT, 1);
    clpool__argv words = {0};
    if (clpool__split_words(options != NULL ? options : "", &words) != 0) {
        m->lost = 1;
    } else {
        for (size_t i = 0; i < words.n; i++) {
            const char *w = words.v[i];
            if (strcmp(w, "-D") == 0 && i + 1 < words.n)
                w = words.v[++i];
            else if (strncmp(w, "-D", 2) == 0 && w[2] != '\0')
                w += 2;
            else
                continue;
            const char *eq = strchr(w, '=');
            long long v = 1;
            size_t len = eq != NULL ? (size_t)(eq - w) : strlen(w);
            int state = eq == NULL || integer(eq + 1, strlen(eq + 1), &v) ? M_INT : M_OTHER;
            set(m, w, len, state, v);
        }
    }
    clpool__argv_free(&words);
    if (m->lost) {
        clpool__macros_free(m);
        return NULL;
    }
    /* Without the prelude's names nothing is sure: every lookup is unknown. */
    if (pthread_once(&prelude_once, find_prelude_names) != 0 || prelude_lost)
        m->lost = 1;
    return m;
}

void clpool__macros_free(clpool__macros *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->v[i].name);
    free(m->v);
    free(m);
}

void clpool__macros_define(clpool__macros *m, const char *src, const clpool__tok *name,
                           const clpool__tok *toks, size_t n, int fn, int sure)
{
    long long v = 0;
    int state = M_OTHER;
    /* 4, (4) */
    size_t a = 0, b = n;
    while (b - a >= 3 && src[toks[a].start] == '(' && toks[a].kind == CLPOOL__TOK_PUNCT &&
           src[toks[b - 1].start] == ')' && toks[b - 1].kind == CLPOOL__TOK_PUNCT) {
        a++;
        b--;
    }
    if (!fn && b - a == 1 && toks[a].kind == CLPOOL__TOK_NUMBER &&
        integer(src + toks[a].start, toks[a].len, &v))
        state = M_INT;
    set(m, src + name->start, name->len, sure ? state : M_UNKNOWN, v);
}

void clpool__macros_undef(clpool__macros *m, const char *src, const clpool__tok *name, int sure)
{
    set(m, src + name->start, name->len, sure ? M_UNDEF : M_UNKNOWN, 0);
}

void clpool__macros_include(clpool__macros *m)
{
    m->included = 1;
    /* A header may define what the program left undefined. */
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].state == M_UNDEF)
            m->v[i].state = M_UNKNOWN;
}

int clpool__macros_defined(const clpool__macros *m, const char *name, size_t len)
{
    long long v;
    int state = lookup(m, name, len, &v);
    return state == M_UNKNOWN ? -1 : state != M_UNDEF;
}

/* ---------------------------------------------------------- expressions */

typedef struct val {
    int known;
    long long v;
} val;

typedef struct parser {
    const clpool__macros *m;
    const char *src;
    const clpool__tok *t;
    size_t n, i;
    int bad; /* not an expression this parser follows: the result is unknown */
} parser;

/* The operator at the parser's position, joining adjacent punctuation
 * ("&&", "<=", ...): its text, or "" when there is none. */
static const char *peek_op(const parser *p, size_t *ntok)
{
    static const char *const two[] = {"||", "&&", "==", "!=", "<=", ">=", "<<", ">>"};
    *ntok = 0;
    if (p->i >= p->n || p->t[p->i].kind != CLPOOL__TOK_PUNCT)
        return "";
    char c = p->src[p->t[p->i].start];
    if (p->i + 1 < p->n && p->t[p->i + 1].kind == CLPOOL__TOK_PUNCT &&
        p->t[p->i + 1].start == p->t[p->i].start + 1) {
        char d = p->src[p->t[p->i + 1].start];
        for (size_t k = 0; k < sizeof two / sizeof two[0]; k++)
            if (two[k][0] == c && two[k][1] == d) {
                *ntok = 2;
                return two[k];
            }
    }
    static const char one[] = "|^&<>+-*/%!~()?:";
    const char *at = strchr(one, c);
    if (at == NULL || c == '\0')
        return "";
    static const char *const ones[] = {"|", "^", "&", "<", ">", "+", "-", "*",
                                       "/", "%", "!", "~", "(", ")", "?", ":"};
    *ntok = 1;
    return ones[at - one];
}

static int accept(parser *p, const char *op)
{
    size_t n;
    if (strcmp(peek_op(p, &n), op) != 0)
        return 0;
    p->i += n;
    return 1;
}

static val unknown(void)
{
    return (val){0, 0};
}

static val known(long long v)
{
    return (val){1, v};
}

static val expr(parser *p);

static val primary(parser *p)
{
    if (p->i >= p->n) {
        p->bad = 1;
        return unknown();
    }
    if (accept(p, "(")) {
        val v = expr(p);
        if (!accept(p, ")"))
            p->bad = 1;
        return v;
    }
    const clpool__tok *t = &p->t[p->i];
    const char *s = p->src + t->start;
    if (t->kind == CLPOOL__TOK_NUMBER) {
        long long v = 0;
        p->i++;
        if (!integer(s, t->len, &v))
            p->bad = 1;
        return known(v);
    }
    if (t->kind != CLPOOL__TOK_IDENT) {
        p->bad = 1;
        return unknown();
    }
    p->i++;
    if (t->len == 7 && memcmp(s, "defined", 7) == 0) {
        int paren = accept(p, "(");
        if (p->i >= p->n || p->t[p->i].kind != CLPOOL__TOK_IDENT) {
            p->bad = 1;
            return unknown();
        }
        const clpool__tok *name = &p->t[p->i++];
        if (paren && !accept(p, ")"))
            p->bad = 1;
        int d = clpool__macros_defined(p->m, p->src + name->start, name->len);
        return d < 0 ? unknown() : known(d);
    }
    /* A function-like macro's call, or a name: only plain values are known. */
    if (p->i < p->n && p->t[p->i].kind == CLPOOL__TOK_PUNCT && p->src[p->t[p->i].start] == '(') {
        p->bad = 1;
        return unknown();
    }
    long long v = 0;
    int state = lookup(p->m, s, t->len, &v);
    if (state == M_UNDEF)
        return known(0);
    return state == M_INT ? known(v) : unknown();
}

static val unary(parser *p)
{
    if (accept(p, "!")) {
        val v = unary(p);
        return v.known ? known(!v.v) : v;
    }
    if (accept(p, "~")) {
        val v = unary(p);
        return v.known ? known(~v.v) : v;
    }
    if (accept(p, "-")) {
        val v = unary(p);
        return v.known ? known((long long)(0ULL - (unsigned long long)v.v)) : v;
    }
    if (accept(p, "+"))
        return unary(p);
    return primary(p);
}

/* One binary operator on two values (both known). */
static val apply(const char *op, long long a, long long b)
{
    unsigned long long ua = (unsigned long long)a, ub = (unsigned long long)b;
    switch (op[0]) {
    case '*': return known((long long)(ua * ub));
    case '/': return b == 0 || (a == INT64_MIN && b == -1) ? unknown() : known(a / b);
    case '%': return b == 0 || (a == INT64_MIN && b == -1) ? unknown() : known(a % b);
    case '+': return known((long long)(ua + ub));
    case '-': return known((long long)(ua - ub));
    case '<':
        if (op[1] == '<')
            return b < 0 || b > 62 ? unknown() : known((long long)(ua << b));
        return known(op[1] == '=' ? a <= b : a < b);
    case '>':
        if (op[1] == '>')
            return b < 0 || b > 62 ? unknown() : known(a >> b);
        return known(op[1] == '=' ? a >= b : a > b);
    case '=': return known(a == b);
    case '!': return known(a != b);
    case '&': return known(a & b);
    case '^': return known(a ^ b);
    case '|': return known(a | b);
    }
    return unknown();
}

/* Binary operators by precedence, loosest last; each level's operators. */
static const char *const levels[][4] = {
    {"*", "/", "%", NULL}, {"+", "-", NULL},       {"<<", ">>", NULL}, {"<=", ">=", "<", ">"},
    {"==", "!=", NULL},    {"&", NULL},            {"^", NULL},        {"|", NULL},
};

static val binary(parser *p, int level)
{
    if (level < 0)
        return unary(p);
    val a = binary(p, level - 1);
    for (;;) {
        size_t n;
        const char *op = peek_op(p, &n);
        int found = 0;
        for (size_t k = 0; k < 4 && levels[level][k] != NULL; k++)
            found |= strcmp(op, levels[level][k]) == 0;
        if (!found)
            return a;
        p->i += n;
        val b = binary(p, level - 1);
        a = a.known && b.known ? apply(op, a.v, b.v) : unknown();
    }
}

static val logical_and(parser *p)
{
    val a = binary(p, (int)(sizeof levels / sizeof levels[0]) - 1);
    while (accept(p, "&&")) {
        val b = binary(p, (int)(sizeof levels / sizeof levels[0]) - 1);
        if ((a.known && a.v == 0) || (b.known && b.v == 0))
            a = known(0);
        else
            a = a.known && b.known ? known(1) : unknown();
    }
    return a;
}

static val expr(parser *p)
{
    val a = logical_and(p);
    while (accept(p, "||")) {
        val b = logical_and(p);
        if ((a.known && a.v != 0) || (b.known && b.v != 0))
            a = known(1);
        else
            a = a.known && b.known ? known(0) : unknown();
    }
    return a;
}

int clpool__macros_eval(const clpool__macros *m, const char *src, const clpool__tok *toks,
                        size_t n)
{
    parser p = {m, src, toks, n, 0, 0};
    if (n == 0)
        return -1;
    val v = expr(&p);
    if (p.bad || p.i != p.n || !v.known)
        return -1;
    return v.v != 0;
}
