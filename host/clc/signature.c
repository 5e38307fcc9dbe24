/*
 * Finds the __kernel function definitions in OpenCL C source and describes
 * their parameters.
 *
 * This is not a C parser. It splits the source into tokens (dropping
 * comments, string and character literals and preprocessor lines), then looks
 * at file scope for `__kernel`/`kernel` followed by identifiers and
 * attributes, `void`, a name, a parenthesised parameter list and a `{`. That
 * is the whole grammar of a kernel's head, and it is enough to check
 * arguments before a map runs. Whatever it does not understand it leaves out
 * (the compiler is the judge of the source); it never fails on bad input,
 * only on allocation failure.
 */
#include "signature.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------------- tokens */

enum tok_kind { TOK_IDENT, TOK_PUNCT, TOK_NUMBER, TOK_LITERAL };

typedef struct tok {
    enum tok_kind kind;
    size_t off, len;
    unsigned line;
    int space_before; /* whitespace or a comment separates it from the previous token */
} tok;

typedef struct toks {
    tok *v;
    size_t n, cap;
} toks;

static int push_tok(toks *t, tok k)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        if (cap > SIZE_MAX / sizeof *t->v)
            return -1;
        tok *v = realloc(t->v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        t->v = v;
        t->cap = cap;
    }
    t->v[t->n++] = k;
    return 0;
}

static int is_ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

static int is_ident_char(unsigned char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* The lexer's position. Lines are counted as characters are consumed so that
 * every token knows its line without a second pass. */
typedef struct lexer {
    const char *s;
    size_t pos;
    unsigned line;
} lexer;

static unsigned char peek(const lexer *lx, size_t ahead)
{
    /* The source is NUL-terminated and reads stop at the NUL, so looking
     * one or two characters ahead never passes the end. */
    const unsigned char *p = (const unsigned char *)lx->s + lx->pos;
    for (size_t i = 0; i < ahead; i++)
        if (p[i] == '\0')
            return '\0';
    return p[ahead];
}

static void advance(lexer *lx)
{
    if (lx->s[lx->pos] == '\n')
        lx->line++;
    lx->pos++;
}

/* A backslash followed by a newline joins two lines (translation phase 2). */
static int at_splice(const lexer *lx)
{
    return peek(lx, 0) == '\\' &&
           (peek(lx, 1) == '\n' || (peek(lx, 1) == '\r' && peek(lx, 2) == '\n'));
}

static void skip_splice(lexer *lx)
{
    advance(lx); /* the backslash */
    if (peek(lx, 0) == '\r')
        advance(lx);
    advance(lx); /* the newline */
}

/* Skips a comment starting at the current position, if there is one. */
static int skip_comment(lexer *lx)
{
    if (peek(lx, 0) != '/')
        return 0;
    if (peek(lx, 1) == '*') {
        advance(lx);
        advance(lx);
        while (peek(lx, 0) != '\0' && !(peek(lx, 0) == '*' && peek(lx, 1) == '/'))
            advance(lx);
        if (peek(lx, 0) != '\0') {
            advance(lx);
            advance(lx);
        }
        return 1;
    }
    if (peek(lx, 1) == '/') {
        /* A line comment ends at a newline that is not spliced. */
        while (peek(lx, 0) != '\0' && peek(lx, 0) != '\n') {
            if (at_splice(lx))
                skip_splice(lx);
            else
                advance(lx);
        }
        return 1;
    }
    return 0;
}

/* Skips a string or character literal. An unterminated one ends at the end
 * of its line, as the compiler would report it, so one stray quote in a
 * comment-free `#error don't` or in garbage does not swallow the file. */
static void skip_literal(lexer *lx)
{
    unsigned char quote = peek(lx, 0);
    advance(lx);
    while (peek(lx, 0) != '\0' && peek(lx, 0) != '\n') {
        unsigned char c = peek(lx, 0);
        if (c == '\\' && peek(lx, 1) != '\0') {
            advance(lx);
            advance(lx);
            continue;
        }
        advance(lx);
        if (c == quote)
            return;
    }
}

/* Skips a preprocessor directive from its '#' to the end of its logical
 * line: spliced lines continue it, and a block comment inside it may run
 * across lines without ending it. */
static void skip_directive(lexer *lx)
{
    while (peek(lx, 0) != '\0' && peek(lx, 0) != '\n') {
        if (at_splice(lx))
            skip_splice(lx);
        else if (skip_comment(lx))
            continue;
        else if (peek(lx, 0) == '"' || peek(lx, 0) == '\'')
            skip_literal(lx);
        else
            advance(lx);
    }
}

static int tokenize(const char *s, toks *out)
{
    lexer lx = {s, 0, 1};
    int line_start = 1; /* only whitespace and comments since the last newline */
    int space = 1;
    while (peek(&lx, 0) != '\0') {
        unsigned char c = peek(&lx, 0);
        if (c == '\n') {
            advance(&lx);
            line_start = 1;
            space = 1;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            advance(&lx);
            space = 1;
            continue;
        }
        if (at_splice(&lx)) {
            skip_splice(&lx);
            continue;
        }
        if (skip_comment(&lx)) {
            space = 1;
            continue;
        }
        if (c == '#' && line_start) {
            skip_directive(&lx);
            space = 1;
            continue;
        }

        tok t = {TOK_PUNCT, lx.pos, 1, lx.line, space};
        if (c == '"' || c == '\'') {
            t.kind = TOK_LITERAL;
            skip_literal(&lx);
        } else if (is_ident_start(c)) {
            t.kind = TOK_IDENT;
            while (is_ident_char(peek(&lx, 0)))
                advance(&lx);
        } else if (c >= '0' && c <= '9') {
            /* Good enough for numbers: they only need to be one token. */
            t.kind = TOK_NUMBER;
            while (is_ident_char(peek(&lx, 0)) || peek(&lx, 0) == '.')
                advance(&lx);
        } else {
            advance(&lx);
        }
        t.len = lx.pos - t.off;
        if (push_tok(out, t) != 0)
            return -1;
        line_start = 0;
        space = 0;
    }
    return 0;
}

/* --------------------------------------------------------------- matching */

typedef struct parser {
    const char *s;
    const tok *t;
    size_t n;
} parser;

static int tok_is(const parser *p, size_t i, const char *word)
{
    size_t len = strlen(word);
    return i < p->n && p->t[i].len == len && memcmp(p->s + p->t[i].off, word, len) == 0;
}

static int tok_punct(const parser *p, size_t i, char c)
{
    return i < p->n && p->t[i].kind == TOK_PUNCT && p->s[p->t[i].off] == c;
}

static int tok_in(const parser *p, size_t i, const char *const *words)
{
    for (; *words != NULL; words++)
        if (tok_is(p, i, *words))
            return 1;
    return 0;
}

/* The index of the bracket closing the one at i, or p->n if the source ends
 * first. Parentheses, brackets and braces are counted together: mismatched
 * kinds are the compiler's to report, and counting cannot run off the end. */
static size_t match(const parser *p, size_t i)
{
    size_t depth = 0;
    for (; i < p->n; i++) {
        if (p->t[i].kind != TOK_PUNCT)
            continue;
        char c = p->s[p->t[i].off];
        if (c == '(' || c == '[' || c == '{') {
            depth++;
        } else if (c == ')' || c == ']' || c == '}') {
            if (depth == 0)
                return p->n; /* a closer with nothing open: garbage */
            if (--depth == 0)
                return i;
        }
    }
    return p->n;
}

static int is_attribute(const parser *p, size_t i)
{
    return tok_is(p, i, "__attribute__") || tok_is(p, i, "__attribute");
}

/* Past an attribute at i (`__attribute__((...))`), or i if there is none
 * there; p->n if it never closes. */
static size_t skip_attribute(const parser *p, size_t i)
{
    if (!is_attribute(p, i) || !tok_punct(p, i + 1, '('))
        return i;
    size_t close = match(p, i + 1);
    return close < p->n ? close + 1 : p->n;
}

/* -------------------------------------------------------------- parameters */

static const char *const address_spaces[] = {
    "__global", "global", "__constant", "constant", "__local", "local",
    "__private", "private", NULL,
};

static const char *const qualifiers[] = {
    "const",      "volatile",      "restrict",   "__restrict",    "__restrict__",
    "__const",    "read_only",     "__read_only", "write_only",   "__write_only",
    "read_write", "__read_write",  NULL,
};

/* Words that only ever build up a C integer type: a word after one of these
 * is still the type ("unsigned int"), not the parameter's name. */
static const char *const int_words[] = {
    "signed", "unsigned", "char", "short", "int", "long", NULL,
};

static clpool__param_kind space_kind(const parser *p, size_t i)
{
    if (tok_is(p, i, "__global") || tok_is(p, i, "global"))
        return CLPOOL__PARAM_GLOBAL;
    if (tok_is(p, i, "__constant") || tok_is(p, i, "constant"))
        return CLPOOL__PARAM_CONSTANT;
    if (tok_is(p, i, "__local") || tok_is(p, i, "local"))
        return CLPOOL__PARAM_LOCAL;
    return CLPOOL__PARAM_OTHER; /* __private */
}

/* Writes the tokens of [from, to) to buf, except skip (the name) and
 * attributes, with one space where the source had whitespace, a comment or a
 * left-out token. buf holds at least the tokens' lengths plus one each. */
static void append_tokens(const parser *p, size_t from, size_t to, size_t skip, char *buf)
{
    size_t used = 0;
    int gap = 0;
    for (size_t i = from; i < to; i++) {
        if (i == skip) {
            gap = 1;
            continue;
        }
        if (is_attribute(p, i)) {
            size_t end = skip_attribute(p, i);
            if (end > i + 1)
                i = end - 1;
            gap = 1;
            continue;
        }
        if (used > 0 && (gap || p->t[i].space_before))
            buf[used++] = ' ';
        gap = 0;
        memcpy(buf + used, p->s + p->t[i].off, p->t[i].len);
        used += p->t[i].len;
    }
    buf[used] = '\0';
}

/* The base type from its words: "unsigned int" -> "uint", "float4" as is,
 * "struct s" as written. Heap string or NULL. */
static char *base_type(const parser *p, const size_t *words, size_t nwords)
{
    int all_int = nwords > 0;
    int sign = 0, uns = 0, chr = 0, shrt = 0, lng = 0, other = 0;
    for (size_t w = 0; w < nwords; w++) {
        size_t i = words[w];
        if (!tok_in(p, i, int_words))
            all_int = 0;
        sign += tok_is(p, i, "signed");
        uns += tok_is(p, i, "unsigned");
        chr += tok_is(p, i, "char");
        shrt += tok_is(p, i, "short");
        lng += tok_is(p, i, "long");
        other += tok_is(p, i, "int");
    }
    if (all_int && sign + uns <= 1 && chr + shrt + lng <= 1 && other <= 1 &&
        !(chr && other)) {
        const char *b = chr ? "char" : shrt ? "short" : lng ? "long" : "int";
        size_t len = strlen(b);
        char *s = malloc(len + 2);
        if (s == NULL)
            return NULL;
        s[0] = 'u';
        memcpy(s + 1, b, len + 1);
        return uns ? s : memmove(s, s + 1, len + 1);
    }

    size_t len = 1;
    for (size_t w = 0; w < nwords; w++)
        len += p->t[words[w]].len + 1;
    char *s = malloc(len);
    if (s == NULL)
        return NULL;
    size_t used = 0;
    for (size_t w = 0; w < nwords; w++) {
        if (w > 0)
            s[used++] = ' ';
        memcpy(s + used, p->s + p->t[words[w]].off, p->t[words[w]].len);
        used += p->t[words[w]].len;
    }
    s[used] = '\0';
    return s;
}

static int is_opaque_type(const char *base)
{
    static const char *const opaque[] = {"sampler_t", "event_t", "queue_t", "clk_event_t",
                                         "reserve_id_t", "ndrange_t", NULL};
    for (const char *const *o = opaque; *o != NULL; o++)
        if (strcmp(base, *o) == 0)
            return 1;
    size_t len = strlen(base);
    return strncmp(base, "image", 5) == 0 && len > 7 && strcmp(base + len - 2, "_t") == 0;
}

static char *dup_range(const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

static int is_tag(const parser *p, size_t i)
{
    return tok_is(p, i, "struct") || tok_is(p, i, "union") || tok_is(p, i, "enum") ||
           tok_is(p, i, "pipe");
}

/* Describes the parameter whose tokens are [from, to). -1 on allocation
 * failure (out's strings are then freed by the caller). */
static int parse_param(const parser *p, size_t from, size_t to, clpool__param *out)
{
    size_t words[32]; /* the identifiers that are the type, then the name */
    size_t nwords = 0, name = SIZE_MAX;
    int pointers = 0, array = 0, odd = 0, star_before_last = 0, has_space = 0;
    clpool__param_kind space = CLPOOL__PARAM_OTHER;

    size_t text = 1;
    for (size_t i = from; i < to; i++)
        text += p->t[i].len + 1;

    for (size_t i = from; i < to; i++) {
        if (is_attribute(p, i)) {
            size_t end = skip_attribute(p, i);
            if (end == i)
                odd = 1;
            else
                i = (end < to ? end : to) - 1;
            continue;
        }
        if (p->t[i].kind == TOK_IDENT) {
            if (tok_in(p, i, address_spaces)) {
                space = space_kind(p, i);
                has_space = 1;
            } else if (tok_in(p, i, qualifiers)) {
                /* They say nothing about the type's size or kind. */
            } else if (nwords < sizeof words / sizeof words[0]) {
                words[nwords++] = i;
                star_before_last = i > from && tok_punct(p, i - 1, '*');
                if (tok_is(p, i, "pipe"))
                    odd = 1; /* pipes are not map arguments */
            } else {
                odd = 1;
            }
        } else if (tok_punct(p, i, '*')) {
            pointers++;
        } else if (tok_punct(p, i, '[')) {
            /* Arrays are not kernel parameters: left as unknown. */
            array = 1;
            size_t close = match(p, i);
            i = (close < to ? close + 1 : to) - 1;
        } else {
            odd = 1;
        }
    }

    /* The last word is the name if a type came before it: a '*', or another
     * word that leaves the type complete. "unsigned int" and "struct s" are
     * types alone; "unsigned n" and "float x" are a type and a name. */
    if (nwords > 0) {
        size_t last = words[nwords - 1];
        int after_tag = nwords >= 2 && is_tag(p, words[nwords - 2]);
        if (!after_tag && !is_tag(p, last) &&
            (star_before_last || (nwords >= 2 && !tok_in(p, last, int_words)))) {
            name = last;
            nwords--;
        }
    }

    out->name = name != SIZE_MAX ? dup_range(p->s + p->t[name].off, p->t[name].len)
                                 : dup_range("", 0);
    out->type = malloc(text);
    out->base = nwords > 0 ? base_type(p, words, nwords) : dup_range("", 0);
    if (out->name == NULL || out->type == NULL || out->base == NULL)
        return -1;
    append_tokens(p, from, to, name, out->type);

    int opaque = is_opaque_type(out->base);
    if (odd || array || opaque || nwords == 0)
        out->kind = CLPOOL__PARAM_OTHER;
    else if (pointers > 0)
        /* A pointer with no address space is a private pointer. */
        out->kind = has_space ? space : CLPOOL__PARAM_OTHER;
    else
        out->kind = CLPOOL__PARAM_SCALAR;
    out->size = (out->kind == CLPOOL__PARAM_OTHER || pointers > 1)
                    ? 0
                    : clpool__type_size(out->base);
    return 0;
}

/* ------------------------------------------------------------------ kernels */

typedef struct sigs {
    clpool__kernel_sig *v;
    size_t n, cap;
} sigs;

static void free_params(clpool__param *params, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(params[i].name);
        free(params[i].type);
        free(params[i].base);
    }
    free(params);
}

/* Fills sig's parameters from the list between the parentheses at open and
 * close. -1 on allocation failure. */
static int parse_params(const parser *p, size_t open, size_t close, clpool__kernel_sig *sig)
{
    sig->params = NULL;
    sig->nparams = 0;
    /* `()` and `(void)` take nothing. */
    if (close == open + 1 || (close == open + 2 && tok_is(p, open + 1, "void")))
        return 0;

    size_t count = 1;
    for (size_t i = open + 1; i < close; i++) {
        if (tok_punct(p, i, '(') || tok_punct(p, i, '[') || tok_punct(p, i, '{')) {
            size_t m = match(p, i);
            i = m < close ? m : close;
        } else if (tok_punct(p, i, ',')) {
            count++;
        }
    }
    sig->params = calloc(count, sizeof *sig->params);
    if (sig->params == NULL)
        return -1;

    size_t from = open + 1;
    for (size_t i = open + 1; i <= close; i++) {
        if (i < close && (tok_punct(p, i, '(') || tok_punct(p, i, '[') || tok_punct(p, i, '{'))) {
            /* Commas inside brackets (attributes, array sizes) do not split. */
            size_t m = match(p, i);
            i = m < close ? m : close - 1;
            continue;
        }
        if (i == close || tok_punct(p, i, ',')) {
            clpool__param *prm = &sig->params[sig->nparams++];
            if (parse_param(p, from, i, prm) != 0)
                goto fail;
            from = i + 1;
        }
    }
    return 0;

fail:
    free_params(sig->params, sig->nparams);
    sig->params = NULL;
    sig->nparams = 0;
    return -1;
}

static const char *const kernel_words[] = {"__kernel", "kernel", NULL};

/* The value of a number token, or 0. */
static unsigned long long number_at(const char *s, size_t len)
{
    char num[32], *stop;
    if (len == 0 || len >= sizeof num)
        return 0;
    memcpy(num, s, len);
    num[len] = '\0';
    unsigned long long x = strtoull(num, &stop, 0);
    while (*stop == 'u' || *stop == 'U' || *stop == 'l' || *stop == 'L')
        stop++;
    return *stop == '\0' ? x : 0;
}

/* The number an object-like macro of the source stands for
 * (`#define TS 16`, `#define TS (16)`), or 0: the work-group sizes tiled
 * kernels declare are usually written with one. */
static unsigned long long macro_number(const char *src, const char *name, size_t len)
{
    for (const char *d = strstr(src, "define"); d != NULL; d = strstr(d + 6, "define")) {
        const char *h = d;
        while (h > src && (h[-1] == ' ' || h[-1] == '\t'))
            h--;
        if (h == src || h[-1] != '#')
            continue;
        const char *q = d + 6;
        if (*q != ' ' && *q != '\t')
            continue;
        q += strspn(q, " \t");
        if (strncmp(q, name, len) != 0 || !(q[len] == ' ' || q[len] == '\t'))
            continue;
        q += len;
        q += strspn(q, " \t(");
        size_t n = strspn(q, "0123456789xXabcdefABCDEFuUlL");
        const char *after = q + n;
        after += strspn(after, " \t)");
        if (*after != '\n' && *after != '\0' && *after != '/' && *after != '\r')
            return 0;
        return number_at(q, n);
    }
    return 0;
}

/* One argument of reqd_work_group_size: tokens [b, e) that are numbers and
 * such macros joined by '*'. 0 if it is anything else. */
static size_t reqd_value(const parser *p, size_t b, size_t e)
{
    unsigned long long v = 1;
    for (size_t j = b; j < e; j++) {
        const tok *t = &p->t[j];
        if ((j - b) % 2 == 1) {
            if (!tok_punct(p, j, '*'))
                return 0;
            continue;
        }
        unsigned long long x = t->kind == TOK_NUMBER ? number_at(p->s + t->off, t->len)
                               : t->kind == TOK_IDENT ? macro_number(p->s, p->s + t->off, t->len)
                                                      : 0;
        if (x == 0 || x > SIZE_MAX / v)
            return 0;
        v *= x;
    }
    return (e - b) % 2 == 1 ? (size_t)v : 0;
}

/* Reads reqd_work_group_size(x, y, z) from the attribute at i, if it holds
 * one with three plain numbers (or products of numbers and macros that
 * stand for one). */
static void read_reqd(const parser *p, size_t i, clpool__kernel_sig *sig)
{
    size_t end = skip_attribute(p, i);
    for (size_t j = i; j + 7 < end; j++) {
        if (!tok_is(p, j, "reqd_work_group_size") && !tok_is(p, j, "__reqd_work_group_size__"))
            continue;
        if (!tok_punct(p, j + 1, '('))
            return;
        size_t v[3], at = j + 2;
        for (int d = 0; d < 3; d++) {
            size_t stop = at;
            while (stop < end && !tok_punct(p, stop, d < 2 ? ',' : ')'))
                stop++;
            if (stop >= end || (v[d] = reqd_value(p, at, stop)) == 0)
                return;
            at = stop + 1;
        }
        memcpy(sig->reqd, v, sizeof v);
        return;
    }
}

static size_t try_kernel(const parser *p, size_t i, clpool__kernel_sig *sig, int *oom)
{
    size_t j = i + 1, name = SIZE_MAX, void_at = SIZE_MAX;
    size_t reqd_at[8], nreqd = 0; /* attributes seen, read once the kernel matched */
    /* An attribute just before the kernel keyword: __attribute__((...)) __kernel */
    for (size_t b = i; b >= 2 && tok_punct(p, b - 1, ')') && nreqd < 8;) {
        size_t a = SIZE_MAX;
        for (size_t c = b - 1; c-- > 0 && b - c < 64;)
            if (is_attribute(p, c) && skip_attribute(p, c) == b) {
                a = c;
                break;
            }
        if (a == SIZE_MAX)
            break;
        reqd_at[nreqd++] = a;
        b = a;
    }
    while (j < p->n && !tok_punct(p, j, '(')) {
        if (is_attribute(p, j)) {
            size_t end = skip_attribute(p, j);
            if (end == j)
                return i + 1;
            if (nreqd < 8)
                reqd_at[nreqd++] = j;
            j = end;
            continue;
        }
        /* A second kernel keyword ends this try: the next one starts there,
         * so a run of them costs linear time, not quadratic. */
        if (p->t[j].kind != TOK_IDENT || tok_in(p, j, kernel_words))
            return i + 1;
        if (tok_is(p, j, "void"))
            void_at = j;
        else if (!tok_in(p, j, kernel_words))
            name = j;
        j++;
    }
    if (j >= p->n || void_at == SIZE_MAX || name == SIZE_MAX || name < void_at ||
        name != j - 1)
        return i + 1;

    size_t open = j, close = match(p, open);
    if (close >= p->n)
        return i + 1;
    size_t body = close + 1;
    for (size_t next = skip_attribute(p, body); next != body; next = skip_attribute(p, body)) {
        if (nreqd < 8)
            reqd_at[nreqd++] = body;
        body = next;
    }
    if (!tok_punct(p, body, '{'))
        return i + 1; /* a declaration, or not a kernel at all */

    sig->name = dup_range(p->s + p->t[name].off, p->t[name].len);
    if (sig->name == NULL || parse_params(p, open, close, sig) != 0) {
        free(sig->name);
        sig->name = NULL;
        *oom = 1;
        return i + 1;
    }
    memset(sig->reqd, 0, sizeof sig->reqd);
    for (size_t r = 0; r < nreqd; r++)
        read_reqd(p, reqd_at[r], sig);
    sig->line = p->t[name].line;
    sig->name_offset = p->t[name].off;
    sig->open_paren = p->t[open].off;
    sig->close_paren = p->t[close].off;
    return body;
}

static int same_params(const clpool__kernel_sig *a, const clpool__kernel_sig *b)
{
    if (a->nparams != b->nparams)
        return 0;
    for (size_t i = 0; i < a->nparams; i++)
        if (strcmp(a->params[i].type, b->params[i].type) != 0)
            return 0;
    return 1;
}

static void free_sig(clpool__kernel_sig *s)
{
    free(s->name);
    free_params(s->params, s->nparams);
}

/* Preprocessor lines are skipped, so both arms of an #if can define the same
 * kernel. If the arms agree on the parameters, one description serves; if
 * not, the parser cannot know which one the compiler sees, and guessing
 * could let wrong arguments through, so the kernel is left out. */
/* A kernel's name and its place among the parsed kernels, for sorting. */
typedef struct named {
    const char *name;
    size_t i;
} named;

static int by_name(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : (x->i > y->i) - (x->i < y->i);
}

/* A name defined twice with the same parameters (two #if branches) is kept
 * once, the first; a name defined with different parameters is dropped
 * (the parser cannot tell which one the compiler sees). Sorted by name, so
 * that a program of many kernels costs n log n, not n^2. Returns -1 on
 * allocation failure. */
static int drop_duplicates(sigs *s)
{
    if (s->n < 2)
        return 0;
    named *idx = malloc(s->n * sizeof *idx);
    if (idx == NULL)
        return -1;
    for (size_t i = 0; i < s->n; i++)
        idx[i] = (named){s->v[i].name, i};
    qsort(idx, s->n, sizeof *idx, by_name);
    size_t dropped = 0;
    for (size_t g = 0; g < s->n;) {
        size_t e = g + 1;
        while (e < s->n && strcmp(idx[g].name, idx[e].name) == 0)
            e++;
        int conflict = 0;
        for (size_t j = g + 1; j < e; j++)
            conflict |= !same_params(&s->v[idx[g].i], &s->v[idx[j].i]);
        /* Mark for removal with line 0; freed below. */
        for (size_t j = conflict ? g : g + 1; j < e; j++) {
            s->v[idx[j].i].line = 0;
            dropped++;
        }
        g = e;
    }
    free(idx);
    if (dropped == 0)
        return 0;
    size_t w = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].line == 0)
            free_sig(&s->v[i]);
        else
            s->v[w++] = s->v[i];
    }
    s->n = w;
    return 0;
}

int clpool__sig_parse(const char *source, clpool__kernel_sig **out, size_t *count)
{
    int result = -1;
    toks t = {NULL, 0, 0};
    sigs s = {NULL, 0, 0};
    *out = NULL;
    *count = 0;
    if (source == NULL)
        return 0;
    if (tokenize(source, &t) != 0)
        goto fail;

    parser p = {source, t.v, t.n};
    size_t depth = 0;
    for (size_t i = 0; i < t.n;) {
        if (tok_punct(&p, i, '{')) {
            depth++;
        } else if (tok_punct(&p, i, '}')) {
            if (depth > 0)
                depth--;
        } else if (depth == 0 && tok_in(&p, i, kernel_words)) {
            clpool__kernel_sig sig;
            memset(&sig, 0, sizeof sig);
            int oom = 0;
            size_t next = try_kernel(&p, i, &sig, &oom);
            if (oom)
                goto fail;
            if (sig.name != NULL) {
                if (s.n == s.cap) {
                    size_t cap = s.cap ? s.cap * 2 : 8;
                    clpool__kernel_sig *v = realloc(s.v, cap * sizeof *v);
                    if (v == NULL) {
                        free_sig(&sig);
                        goto fail;
                    }
                    s.v = v;
                    s.cap = cap;
                }
                s.v[s.n++] = sig;
            }
            i = next;
            continue;
        }
        i++;
    }
    if (drop_duplicates(&s) != 0)
        goto fail;
    *out = s.v;
    *count = s.n;
    s.v = NULL;
    s.n = 0;
    result = 0;

fail:
    clpool__sig_free(s.v, s.n);
    free(t.v);
    return result;
}

void clpool__sig_free(clpool__kernel_sig *sigs_, size_t count)
{
    if (sigs_ == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        free_sig(&sigs_[i]);
    free(sigs_);
}

const clpool__kernel_sig *clpool__sig_find(const clpool__kernel_sig *sigs_, size_t count,
                                           const char *name)
{
    if (sigs_ == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < count; i++)
        if (strcmp(sigs_[i].name, name) == 0)
            return &sigs_[i];
    return NULL;
}

/* ------------------------------------------------------------------- sizes */

size_t clpool__type_size(const char *base)
{
    static const struct {
        const char *name;
        size_t size;
        int vector; /* has typeN forms */
    } types[] = {
        {"char", 1, 1},      {"uchar", 1, 1},     {"bool", 1, 0},    {"short", 2, 1},
        {"ushort", 2, 1},    {"half", 2, 1},      {"int", 4, 1},     {"uint", 4, 1},
        {"float", 4, 1},     {"long", 8, 1},      {"ulong", 8, 1},   {"double", 8, 1},
        {"size_t", 8, 0},    {"ptrdiff_t", 8, 0}, {"intptr_t", 8, 0}, {"uintptr_t", 8, 0},
    };
    if (base == NULL)
        return 0;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t len = strlen(types[i].name);
        if (strncmp(base, types[i].name, len) != 0)
            continue;
        const char *rest = base + len;
        if (*rest == '\0')
            return types[i].size;
        if (!types[i].vector)
            continue;
        /* typeN: a 3-vector takes the space of a 4-vector (OpenCL C 6.1.5). */
        if (strcmp(rest, "2") == 0)
            return 2 * types[i].size;
        if (strcmp(rest, "3") == 0 || strcmp(rest, "4") == 0)
            return 4 * types[i].size;
        if (strcmp(rest, "8") == 0)
            return 8 * types[i].size;
        if (strcmp(rest, "16") == 0)
            return 16 * types[i].size;
    }
    return 0;
}
