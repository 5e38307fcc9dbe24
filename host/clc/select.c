/* Which kernels the native path builds (see select.h). */
#include "clc/select.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clc/buf.h"
#include "clc/native.h"
#include "clc/native_gen.h"
#include "clc/ppcond.h"

#define NONE SIZE_MAX

enum def_kind { DEF_FUNC, DEF_DECL, DEF_MACRO };
enum ev_kind { EV_CONSTRUCT, EV_VECTOR, EV_USE, EV_PARAM };

/* Something a definition does that may refuse it: a construct or vector
 * name at token tok, a use of the name at token tok, or (EV_PARAM) a
 * kernel parameter the caller cannot pass, param being its index. */
typedef struct event {
    enum ev_kind kind;
    size_t tok;
    const clpool__refusal *r; /* EV_CONSTRUCT */
    size_t param;             /* EV_PARAM */
} event;

/* Why a definition is refused: the event that refuses it, in the
 * definition that holds the event (itself, or one it uses). */
typedef struct reason {
    const event *ev;
    size_t holder;
} reason;

typedef struct def {
    enum def_kind kind;
    size_t first, last; /* its tokens, inclusive */
    size_t close;       /* DEF_FUNC: the body's '}' token; NONE if never closed */
    size_t name;        /* DEF_FUNC and DEF_MACRO: the name's token, or NONE */
    int kernel;         /* DEF_FUNC: a kernel keyword before the body */
    size_t ev0, nev;    /* its events */
    int state;          /* 0: not judged, 1: being judged, 2: judged */
    int refused;
    reason why;
} def;

/* A name some definition defines. */
typedef struct name {
    size_t tok, def;
} name;

struct kernel_name {
    const char *name;
    size_t k; /* index in prog->sigs */
};

typedef struct model {
    const clpool_program *prog;
    const char *src;
    clpool__tok *toks;
    unsigned char *skip; /* per token: in a branch known not to be compiled */
    size_t ntoks;
    def *defs;
    size_t ndefs, capdefs;
    name *names;
    size_t nnames, capnames;
    event *evs;
    size_t nevs, capevs;
    size_t *head, *next; /* the names by hash of their text: chains in name order */
    size_t mask;
    size_t *conds; /* the last token of each conditional directive */
    size_t nconds, capconds;
    struct kernel_name *kernels_by_name; /* prog->sigs sorted by name (sig_named) */
    int vectors_ok;
    int lost; /* out of memory */
} model;

/* ------------------------------------------------------------- helpers */

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap != 0 ? *cap * 2 : 64;
    void *g = realloc(*v, c * size);
    if (g == NULL)
        return -1;
    *v = g;
    *cap = c;
    return 0;
}

static int tok_is(const model *m, size_t i, const char *s)
{
    size_t n = strlen(s);
    return i < m->ntoks && m->toks[i].kind == CLPOOL__TOK_IDENT && m->toks[i].len == n &&
           memcmp(m->src + m->toks[i].start, s, n) == 0;
}

static int punct_at(const model *m, size_t i, char c)
{
    return i < m->ntoks && m->toks[i].kind == CLPOOL__TOK_PUNCT && m->src[m->toks[i].start] == c;
}

static int same_text(const model *m, size_t a, size_t b)
{
    return m->toks[a].len == m->toks[b].len &&
           memcmp(m->src + m->toks[a].start, m->src + m->toks[b].start, m->toks[a].len) == 0;
}

static int text_is(const model *m, size_t i, const char *s, size_t len)
{
    return m->toks[i].len == len && memcmp(m->src + m->toks[i].start, s, len) == 0;
}

/* Kernel lookups that keep the scan n log n in the number of kernels:
 * prog->sigs are in source order (name_offset increasing), and
 * kernels_by_name sorts them by name. */
static int cmp_kernel_names(const void *a, const void *b)
{
    const struct kernel_name *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static int index_kernels(model *m)
{
    size_t n = m->prog->nsigs;
    m->kernels_by_name = malloc((n != 0 ? n : 1) * sizeof *m->kernels_by_name);
    if (m->kernels_by_name == NULL)
        return -1;
    for (size_t k = 0; k < n; k++)
        m->kernels_by_name[k] = (struct kernel_name){m->prog->sigs[k].name, k};
    if (n > 1)
        qsort(m->kernels_by_name, n, sizeof *m->kernels_by_name, cmp_kernel_names);
    return 0;
}

/* The index of the kernel named as token i reads, or NONE. */
static size_t sig_named(const model *m, size_t i)
{
    const char *w = m->src + m->toks[i].start;
    size_t len = m->toks[i].len, lo = 0, hi = m->prog->nsigs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, k = m->kernels_by_name[mid].k;
        const char *text = m->kernels_by_name[mid].name;
        int c = strncmp(text, w, len);
        if (c == 0 && text[len] != '\0')
            c = 1;
        if (c == 0)
            return k;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NONE;
}

/* The kernel whose name the parser found at byte offset, or NULL. */
static const clpool__kernel_sig *sig_at(const model *m, size_t offset)
{
    size_t lo = 0, hi = m->prog->nsigs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        size_t at = m->prog->sigs[mid].name_offset;
        if (at == offset)
            return &m->prog->sigs[mid];
        if (at < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static size_t add_def(model *m, def d)
{
    if (grow((void **)&m->defs, &m->capdefs, m->ndefs, sizeof *m->defs) != 0) {
        m->lost = 1;
        return NONE;
    }
    d.ev0 = d.nev = 0;
    d.state = d.refused = 0;
    d.why = (reason){NULL, NONE};
    m->defs[m->ndefs] = d;
    return m->ndefs++;
}

static void add_name(model *m, size_t tok, size_t d)
{
    if (tok == NONE || d == NONE || m->toks[tok].kind != CLPOOL__TOK_IDENT)
        return;
    if (grow((void **)&m->names, &m->capnames, m->nnames, sizeof *m->names) != 0) {
        m->lost = 1;
        return;
    }
    m->names[m->nnames++] = (name){tok, d};
}

static void add_event(model *m, event ev)
{
    if (grow((void **)&m->evs, &m->capevs, m->nevs, sizeof *m->evs) != 0) {
        m->lost = 1;
        return;
    }
    m->evs[m->nevs++] = ev;
}

/* ------------------------------------------------------------- tokens */

static int tokenise(model *m)
{
    size_t cap = 0;
    clpool__scan s;
    clpool__tok t;
    clpool__scan_init(&s, m->src);
    while (clpool__scan_next(&s, &t)) {
        if (grow((void **)&m->toks, &cap, m->ntoks, sizeof *m->toks) != 0)
            return -1;
        m->toks[m->ntoks++] = t;
    }
    m->skip = calloc(m->ntoks != 0 ? m->ntoks : 1, 1);
    return m->skip != NULL ? 0 : -1;
}

static int is_conditional(const model *m, size_t kw)
{
    return tok_is(m, kw, "if") || tok_is(m, kw, "ifdef") || tok_is(m, kw, "ifndef") ||
           tok_is(m, kw, "elif") || tok_is(m, kw, "else") || tok_is(m, kw, "endif");
}

/* Marks the tokens in branches known not to be compiled, judging each
 * conditional where its value is plain (ppcond.h), and records each
 * #define (outside them) as a macro definition. */
static void directives(model *m)
{
    clpool__conds pp = {.depth = 0, .overflow = 0};
    clpool__macros *macros = clpool__macros_new(m->prog->options);
    if (macros == NULL) {
        m->lost = 1;
        return;
    }
    size_t i = 0;
    while (i < m->ntoks) {
        if (m->toks[i].directive != 2) {
            m->skip[i] = (unsigned char)clpool__conds_skipping(&pp);
            i++;
            continue;
        }
        size_t end = i + 1; /* one past the directive's last token */
        while (end < m->ntoks && m->toks[end].directive == 1)
            end++;
        size_t kw = i + 1, args = kw + 1, nargs = end > args ? end - args : 0;
        int skipping = clpool__conds_skipping(&pp), sure = clpool__conds_sure(&pp);
        for (size_t j = i; j < end; j++)
            m->skip[j] = (unsigned char)skipping;
        if (kw < end && is_conditional(m, kw)) {
            if (grow((void **)&m->conds, &m->capconds, m->nconds, sizeof *m->conds) != 0)
                m->lost = 1;
            else
                m->conds[m->nconds++] = end - 1;
            int v = -1;
            if (tok_is(m, kw, "if") || tok_is(m, kw, "elif"))
                v = clpool__macros_eval(macros, m->src, m->toks + args, nargs);
            else if ((tok_is(m, kw, "ifdef") || tok_is(m, kw, "ifndef")) && nargs == 1 &&
                     m->toks[args].kind == CLPOOL__TOK_IDENT) {
                v = clpool__macros_defined(macros, m->src + m->toks[args].start,
                                           m->toks[args].len);
                if (v >= 0 && tok_is(m, kw, "ifndef"))
                    v = !v;
            }
            clpool__conds_directive(&pp, m->src + m->toks[kw].start, m->toks[kw].len, v);
        } else if (kw < end && !skipping && tok_is(m, kw, "include")) {
            clpool__macros_include(macros);
        } else if (nargs >= 1 && !skipping && tok_is(m, kw, "undef") &&
                   m->toks[args].kind == CLPOOL__TOK_IDENT) {
            clpool__macros_undef(macros, m->src, &m->toks[args], sure);
        } else if (nargs >= 1 && tok_is(m, kw, "define") && !skipping &&
                   m->toks[args].kind == CLPOOL__TOK_IDENT) {
            const clpool__tok *mname = &m->toks[args];
            int fn = m->src[mname->start + mname->len] == '(';
            clpool__macros_define(macros, m->src, mname, m->toks + args + 1, nargs - 1, fn, sure);
            size_t d = add_def(m, (def){.kind = DEF_MACRO, .first = args + 1, .last = end - 1,
                                        .close = NONE, .name = args});
            add_name(m, args, d);
        }
        i = end;
    }
    clpool__macros_free(macros);
}

/* ------------------------------------------------- file-scope definitions */

static int is_attribute(const model *m, size_t i)
{
    return tok_is(m, i, "__attribute__") || tok_is(m, i, "__attribute");
}

/* Cuts the code (tokens off preprocessor lines) into file-scope
 * definitions: a function ends with its body's '}', anything else with a
 * ';' at file scope. */
static void definitions(model *m)
{
    size_t i = 0;
    for (;;) {
        while (i < m->ntoks && m->toks[i].directive)
            i++;
        if (i >= m->ntoks)
            return;
        size_t first = i, prev = NONE, fname = NONE, body = NONE;
        size_t names0 = m->nnames;
        size_t depth = 0, paren = 0;
        int kernel = 0, ended = 0;
        def d = {.kind = DEF_DECL, .first = first, .close = NONE, .name = NONE};
        size_t di = add_def(m, d);
        if (di == NONE)
            return;
        for (; i < m->ntoks && !ended; i++) {
            if (m->toks[i].directive)
                continue;
            if (depth > 0) {
                if (punct_at(m, i, '{')) {
                    depth++;
                } else if (punct_at(m, i, '}') && --depth == 0 && body != NONE) {
                    m->defs[di].kind = DEF_FUNC;
                    m->defs[di].close = i;
                    ended = 1;
                }
                prev = i;
                continue;
            }
            if (punct_at(m, i, '(')) {
                /* The name of a function or prototype: the last name
                 * before a parameter list, attributes aside. */
                if (paren == 0 && prev != NONE && m->toks[prev].kind == CLPOOL__TOK_IDENT &&
                    !is_attribute(m, prev))
                    fname = prev;
                paren++;
            } else if (punct_at(m, i, ')')) {
                paren -= paren > 0;
            } else if (paren == 0) {
                if (punct_at(m, i, '{')) {
                    if (prev != NONE && punct_at(m, prev, ')'))
                        body = i;
                    depth = 1;
                } else if (punct_at(m, i, ';') || punct_at(m, i, '=') || punct_at(m, i, ',') ||
                           punct_at(m, i, '[')) {
                    /* int a[4], b = 1; typedef struct {...} S; */
                    if (prev != NONE && m->toks[prev].kind == CLPOOL__TOK_IDENT)
                        add_name(m, prev, di);
                    if (punct_at(m, i, ';'))
                        ended = 1;
                } else if (m->toks[i].kind == CLPOOL__TOK_IDENT && prev != NONE &&
                           (tok_is(m, prev, "struct") || tok_is(m, prev, "union") ||
                            tok_is(m, prev, "enum"))) {
                    add_name(m, i, di);
                } else if (tok_is(m, i, "__kernel") || tok_is(m, i, "kernel")) {
                    kernel = 1;
                }
            }
            prev = i;
        }
        def *dp = &m->defs[di];
        dp->last = prev != NONE ? prev : first;
        if (body != NONE) {
            /* A function (closed or not): known by its name alone; the
             * names collected on the way were its parameters' and types'. */
            m->nnames = names0;
            dp->kind = DEF_FUNC;
            dp->name = fname;
            dp->kernel = kernel;
            add_name(m, fname, di);
        } else {
            add_name(m, fname, di);
        }
    }
}

/* ------------------------------------------------------------- events */

static size_t hash_text(const model *m, size_t tok)
{
    size_t h = 14695981039346656037u;
    for (size_t i = 0; i < m->toks[tok].len; i++)
        h = (h ^ (unsigned char)m->src[m->toks[tok].start + i]) * 1099511628211u;
    return h;
}

static int index_names(model *m)
{
    size_t nb = 16;
    while (nb < 2 * m->nnames)
        nb *= 2;
    m->mask = nb - 1;
    m->head = malloc(nb * sizeof *m->head);
    m->next = malloc((m->nnames != 0 ? m->nnames : 1) * sizeof *m->next);
    if (m->head == NULL || m->next == NULL)
        return -1;
    for (size_t b = 0; b < nb; b++)
        m->head[b] = NONE;
    for (size_t k = m->nnames; k-- > 0;) {
        size_t b = hash_text(m, m->names[k].tok) & m->mask;
        m->next[k] = m->head[b];
        m->head[b] = k;
    }
    return 0;
}

/* The names with tok's text, in order: the first is name_after(m, NONE,
 * tok), the one after k is name_after(m, k, tok); NONE at the end. */
static size_t name_after(const model *m, size_t k, size_t tok)
{
    k = k == NONE ? m->head[hash_text(m, tok) & m->mask] : m->next[k];
    while (k != NONE && !same_text(m, m->names[k].tok, tok))
        k = m->next[k];
    return k;
}

static int defines_name(const model *m, size_t tok)
{
    return name_after(m, NONE, tok) != NONE;
}

/* The events of each definition, in the order of its tokens. */
static void events(model *m)
{
    for (size_t d = 0; d < m->ndefs; d++) {
        def *dp = &m->defs[d];
        dp->ev0 = m->nevs;
        int macro = dp->kind == DEF_MACRO;
        for (size_t i = dp->first; i <= dp->last && i < m->ntoks; i++) {
            const clpool__tok *t = &m->toks[i];
            if ((t->directive != 0) != macro || m->skip[i] || t->kind != CLPOOL__TOK_IDENT ||
                i == dp->name)
                continue;
            const char *s = m->src + t->start;
            if (text_is(m, i, "vec_type_hint", 13)) {
                /* The attribute's type is a hint the prelude drops, not a
                 * use of a vector type: skip its parentheses. */
                size_t depth = 0;
                for (i++; i <= dp->last && i < m->ntoks; i++) {
                    if (punct_at(m, i, '('))
                        depth++;
                    else if (punct_at(m, i, ')') && (depth == 0 || --depth == 0))
                        break;
                }
                continue;
            }
            const clpool__refusal *r = clpool__refused_name(s, t->len);
            if (r != NULL)
                add_event(m, (event){EV_CONSTRUCT, i, r, 0});
            else if (clpool__names_vector(s, t->len))
                add_event(m, (event){EV_VECTOR, i, NULL, 0});
            else if (defines_name(m, i))
                add_event(m, (event){EV_USE, i, NULL, 0});
        }
        /* A kernel's parameters the caller cannot pass refuse it too, after
         * whatever its tokens refuse it for. */
        const clpool__kernel_sig *sig =
            dp->kind == DEF_FUNC && dp->name != NONE ? sig_at(m, m->toks[dp->name].start) : NULL;
        for (size_t p = 0; sig != NULL && p < sig->nparams; p++)
            if (sig->params[p].kind == CLPOOL__PARAM_OTHER)
                add_event(m, (event){EV_PARAM, dp->name, NULL, p});
        dp->nev = m->nevs - dp->ev0;
    }
}

/* -------------------------------------------------------------- judging */

static void judge(model *m, size_t d)
{
    def *dp = &m->defs[d];
    if (dp->state != 0)
        return; /* judged, or a cycle (no OpenCL function recurses) */
    dp->state = 1;
    for (size_t e = dp->ev0; e < dp->ev0 + dp->nev && !dp->refused; e++) {
        const event *ev = &m->evs[e];
        if (ev->kind == EV_CONSTRUCT || ev->kind == EV_PARAM ||
            (ev->kind == EV_VECTOR && !m->vectors_ok)) {
            dp->refused = 1;
            dp->why = (reason){ev, d};
            continue;
        }
        if (ev->kind != EV_USE)
            continue;
        for (size_t k = name_after(m, NONE, ev->tok); k != NONE && !dp->refused;
             k = name_after(m, k, ev->tok)) {
            size_t other = m->names[k].def;
            if (other == d)
                continue;
            judge(m, other);
            dp = &m->defs[d];
            if (m->defs[other].refused) {
                dp->refused = 1;
                dp->why = m->defs[other].why;
            }
        }
    }
    dp->state = 2;
}

/* ------------------------------------------------------------ messages */

static const char *def_name(const model *m, size_t d, size_t *len)
{
    size_t t = m->defs[d].name;
    if (t == NONE) {
        for (size_t k = 0; k < m->nnames; k++)
            if (m->names[k].def == d) {
                t = m->names[k].tok;
                break;
            }
    }
    if (t == NONE) {
        *len = 0;
        return "";
    }
    *len = m->toks[t].len;
    return m->src + m->toks[t].start;
}

/* Why kernel `who` (or, who NULL, the program) cannot run here. */
static char *message(const model *m, const char *who, size_t self, const reason *why)
{
    const clpool_program *prog = m->prog;
    const event *ev = why->ev;
    const clpool__tok *t = &m->toks[ev->tok];
    clpool__buf b = {0};
    char through[160] = "";
    if (why->holder != self) {
        size_t len;
        const char *n = def_name(m, why->holder, &len);
        snprintf(through, sizeof through, " (in '%.*s', which it uses)", (int)(len < 80 ? len : 80),
                 n);
    }
    if (who != NULL)
        clpool__buf_fmt(&b, "kernel '%s' ", who);
    else
        clpool__buf_str(&b, "the program ");
    if (ev->kind == EV_CONSTRUCT) {
        char shown[96];
        clpool__refusal_shown(shown, sizeof shown, ev->r, m->src + t->start, t->len);
        clpool__buf_fmt(&b, "uses %s at %s:%u%s, which the fork backend cannot run (%s); use the "
                            "OpenCL backend for it",
                        shown, prog->path, t->line, through, ev->r->why);
    } else if (ev->kind == EV_VECTOR) {
        clpool__buf_fmt(&b, "uses the vector type or built-in %.*s at %s:%u%s, which the fork "
                            "backend builds only with clang (other C compilers have no OpenCL "
                            "vector types); set CC=clang (or leave CC unset with clang on PATH), "
                            "or use the OpenCL backend for it",
                        (int)(t->len < 40 ? t->len : 40), m->src + t->start, prog->path, t->line,
                        through);
    } else {
        const clpool__kernel_sig *sig = NULL;
        for (size_t k = 0; k < prog->nsigs; k++)
            if (prog->sigs[k].name_offset == t->start)
                sig = &prog->sigs[k];
        const clpool__param *par = &sig->params[ev->param];
        if (why->holder != self)
            clpool__buf_fmt(&b, "uses kernel '%s', which ", sig->name);
        clpool__buf_fmt(&b, "at %s:%u has parameter %zu '%s' of type '%s', which the fork "
                            "backend cannot pass (it passes __global and __constant pointers "
                            "and values); use the OpenCL backend for it",
                        prog->path, sig->line, ev->param + 1, par->name, par->type);
    }
    return clpool__buf_take(&b);
}

/* ------------------------------------------------------------- results */

static int add_span(clpool__native_facts *f, size_t *cap, size_t start, size_t end)
{
    if (grow((void **)&f->blanks, cap, f->nblanks, sizeof *f->blanks) != 0)
        return -1;
    f->blanks[f->nblanks++] = (clpool__span){start, end};
    return 0;
}

/* The code tokens of a refused definition, in runs that stop at each
 * preprocessor line (those stay, so that #if and #endif still pair). */
static int blank(const model *m, const def *dp, clpool__native_facts *f, size_t *cap)
{
    size_t run = NONE, last = NONE;
    for (size_t i = dp->first; i <= dp->last && i < m->ntoks; i++) {
        if (m->toks[i].directive) {
            if (run != NONE && add_span(f, cap, m->toks[run].start,
                                        m->toks[last].start + m->toks[last].len) != 0)
                return -1;
            run = NONE;
            continue;
        }
        if (run == NONE)
            run = i;
        last = i;
    }
    if (run != NONE &&
        add_span(f, cap, m->toks[run].start, m->toks[last].start + m->toks[last].len) != 0)
        return -1;
    return 0;
}

static int add_site(const model *m, clpool__native_facts *f, size_t *cap, size_t k, size_t close)
{
    if (grow((void **)&f->sites, cap, f->nsites, sizeof *f->sites) != 0)
        return -1;
    clpool__buf b = {0};
    /* The next line is the rest of the '}' line: it keeps that number. */
    clpool__buf_fmt(&b, "\n#define " CLPOOL__DEFINED_MARK "%zu 1\n#line %u \"", k,
                    m->toks[close].line);
    clpool__buf_cstring(&b, m->prog->path);
    clpool__buf_str(&b, "\"\n");
    char *text = clpool__buf_take(&b);
    if (text == NULL)
        return -1;
    f->sites[f->nsites++] = (clpool__site){k, m->toks[close].start + 1, text};
    return 0;
}

/* The offset of the newline that ends the directive whose last token ends
 * at p (comments may run on past it), or NONE at the end of the text. */
static size_t directive_end(const char *src, size_t p)
{
    while (src[p] != '\0') {
        if (src[p] == '\n' && (p == 0 || src[p - 1] != '\\'))
            return p;
        if (src[p] == '/' && src[p + 1] == '*') {
            const char *close = strstr(src + p + 2, "*/");
            if (close == NULL)
                return NONE;
            p = (size_t)(close - src) + 2;
        } else if (src[p] == '/' && src[p + 1] == '/') {
            while (src[p] != '\0' && src[p] != '\n')
                p++;
        } else {
            p++;
        }
    }
    return NONE;
}

/* A marker in a branch the preprocessor skips still takes its two lines:
 * a #line after each conditional directive that follows a marker puts the
 * numbers right again wherever the text is compiled. It goes in before the
 * directive's newline, so it never shares an offset with another edit. */
static int line_fixes(const model *m, clpool__native_facts *f, size_t *cap)
{
    if (f->nsites == 0)
        return 0;
    size_t after = f->sites[0].at, nsites = f->nsites;
    for (size_t s = 1; s < nsites; s++)
        after = f->sites[s].at < after ? f->sites[s].at : after;
    size_t counted = 0;
    unsigned line = 1;
    for (size_t c = 0; c < m->nconds; c++) {
        const clpool__tok *t = &m->toks[m->conds[c]];
        if (t->start < after)
            continue;
        size_t nl = directive_end(m->src, t->start + t->len);
        if (nl == NONE)
            break;
        for (; counted < nl; counted++)
            line += m->src[counted] == '\n';
        if (grow((void **)&f->sites, cap, f->nsites, sizeof *f->sites) != 0)
            return -1;
        clpool__buf b = {0};
        clpool__buf_fmt(&b, "\n#line %u \"", line + 1);
        clpool__buf_cstring(&b, m->prog->path);
        clpool__buf_str(&b, "\"");
        char *text = clpool__buf_take(&b);
        if (text == NULL)
            return -1;
        f->sites[f->nsites++] = (clpool__site){NONE, nl, text};
    }
    return 0;
}

/* Whether a helper (a function that is not a kernel, or a macro) asks for
 * the item: the caller must then set the file-scope copies for it. */
static int helpers_use_gid(const model *m)
{
    /* Macros, in order: one that expands another that asks, asks. */
    unsigned char *asks = calloc(m->ndefs != 0 ? m->ndefs : 1, 1);
    if (asks == NULL)
        return 1; /* the safe answer */
    int any = 0;
    for (size_t pass = 0; pass < 2; pass++) {
        for (size_t d = 0; d < m->ndefs; d++) {
            const def *dp = &m->defs[d];
            int macro = dp->kind == DEF_MACRO;
            if ((pass == 0) != macro || dp->refused || (dp->kind == DEF_FUNC && dp->kernel))
                continue;
            size_t depth = 0;
            for (size_t i = dp->first; i <= dp->last && i < m->ntoks && !asks[d]; i++) {
                const clpool__tok *t = &m->toks[i];
                if ((t->directive != 0) != macro || m->skip[i])
                    continue;
                if (punct_at(m, i, '{'))
                    depth++;
                else if (punct_at(m, i, '}') && depth > 0)
                    depth--;
                if (t->kind != CLPOOL__TOK_IDENT || (!macro && depth == 0))
                    continue;
                int a = clpool__asks_for_gid(m->src + t->start, t->len) ||
                        sig_named(m, i) != NONE;
                for (size_t k = name_after(m, NONE, i); k != NONE && !a; k = name_after(m, k, i))
                    a = asks[m->names[k].def] && m->defs[m->names[k].def].kind == DEF_MACRO;
                asks[d] = (unsigned char)a;
            }
            any |= !macro && asks[d];
        }
    }
    free(asks);
    return any;
}

void clpool__native_facts_free(clpool__native_facts *f)
{
    for (size_t i = 0; i < f->nsites; i++)
        free(f->sites[i].text);
    for (size_t k = 0; f->refused != NULL && k < f->nsigs; k++)
        free(f->refused[k]);
    free(f->sites);
    free(f->blanks);
    free(f->has_caller);
    free(f->refused);
    free(f->refused_always);
    memset(f, 0, sizeof *f);
}

static int results_(model *m, clpool__native_facts *f, unsigned *lines);

static int results(model *m, clpool__native_facts *f)
{
    unsigned *lines = calloc(m->prog->nsigs != 0 ? m->prog->nsigs : 1, sizeof *lines);
    if (lines == NULL)
        return CLPOOL_ENOMEM;
    int status = results_(m, f, lines);
    free(lines);
    return status;
}

/* lines: per kernel, the line of its first definition in a skipped branch. */
static int results_(model *m, clpool__native_facts *f, unsigned *lines)
{
    const clpool_program *prog = m->prog;
    size_t nk = prog->nsigs != 0 ? prog->nsigs : 1;
    size_t capblanks = 0, capsites = 0;
    f->nsigs = prog->nsigs;
    f->has_caller = calloc(nk, 1);
    f->refused_always = calloc(nk, 1);
    f->refused = calloc(nk, sizeof *f->refused);
    if (f->has_caller == NULL || f->refused_always == NULL || f->refused == NULL)
        return CLPOOL_ENOMEM;

    for (size_t d = 0; d < m->ndefs; d++) {
        def *dp = &m->defs[d];
        if (dp->kind == DEF_MACRO)
            continue;
        if (dp->refused) {
            size_t len;
            def_name(m, d, &len);
            if (len == 0) {
                /* Nothing names it, so nothing can be left out with it. */
                char *msg = message(m, NULL, d, &dp->why);
                int status = msg != NULL ? clpool__error_text(prog->pool, CLPOOL_EBUILD, msg)
                                         : CLPOOL_ENOMEM;
                free(msg);
                return status;
            }
            if (blank(m, dp, f, &capblanks) != 0)
                return CLPOOL_ENOMEM;
        }
    }
    /* Each kernel definition, in source order, adds to its kernel's state. */
    unsigned char *built = calloc(nk, 1), *refused = calloc(nk, 1), *skipped = calloc(nk, 1);
    if (built == NULL || refused == NULL || skipped == NULL) {
        free(built);
        free(refused);
        free(skipped);
        return CLPOOL_ENOMEM;
    }
    int status = CLPOOL_OK;
    for (size_t d = 0; d < m->ndefs && status == CLPOOL_OK; d++) {
        def *dp = &m->defs[d];
        if (dp->kind != DEF_FUNC || !dp->kernel || dp->name == NONE)
            continue;
        size_t k = sig_named(m, dp->name);
        if (k == NONE)
            continue;
        if (m->skip[dp->name]) {
            /* In a branch known not to be compiled. */
            if (!skipped[k])
                lines[k] = m->toks[dp->name].line;
            skipped[k] = 1;
        } else if (dp->refused) {
            refused[k] = 1;
            if (f->refused[k] == NULL &&
                (f->refused[k] = message(m, prog->sigs[k].name, d, &dp->why)) == NULL)
                status = CLPOOL_ENOMEM;
        } else if (dp->close != NONE) {
            built[k] = 1;
            if (add_site(m, f, &capsites, k, dp->close) != 0)
                status = CLPOOL_ENOMEM;
        }
    }
    for (size_t k = 0; k < prog->nsigs; k++) {
        f->has_caller[k] = built[k];
        f->refused_always[k] = built[k]     ? CLPOOL__KERNEL_MAYBE
                               : refused[k] ? CLPOOL__KERNEL_REFUSED
                               : skipped[k] ? CLPOOL__KERNEL_LEFT_OUT
                                            : CLPOOL__KERNEL_MAYBE;
        if (!skipped[k])
            lines[k] = 0;
    }
    free(built);
    free(refused);
    free(skipped);
    if (status != CLPOOL_OK)
        return status;
    /* The kernels left out, with the list of the others (as a kernel the
     * program lacks is told). */
    for (size_t k = 0; k < prog->nsigs; k++) {
        if (f->refused_always[k] != CLPOOL__KERNEL_LEFT_OUT)
            continue;
        unsigned line = lines[k];
        clpool__buf b = {0};
        clpool__buf_fmt(&b, "%s: kernel '%s' (line %u) is in a preprocessor branch the build's "
                            "options leave out, so it is not built; its kernels built: ",
                        prog->path, prog->sigs[k].name, line);
        int any = 0;
        for (size_t j = 0; j < prog->nsigs; j++) {
            if (f->refused_always[j] != CLPOOL__KERNEL_MAYBE || !f->has_caller[j])
                continue;
            clpool__buf_fmt(&b, "%s%s", any ? ", " : "", prog->sigs[j].name);
            any = 1;
        }
        if (!any)
            clpool__buf_str(&b, "none");
        if ((f->refused[k] = clpool__buf_take(&b)) == NULL)
            return CLPOOL_ENOMEM;
    }

    if (line_fixes(m, f, &capsites) != 0)
        return CLPOOL_ENOMEM;
    f->helpers_use_gid = helpers_use_gid(m);
    for (size_t e = 0; e < m->nevs && m->vectors_ok; e++)
        f->uses_vectors |= m->evs[e].kind == EV_VECTOR;
    return CLPOOL_OK;
}

int clpool__native_select(const clpool_program *prog, int vectors_ok, clpool__native_facts *facts)
{
    memset(facts, 0, sizeof *facts);
    model m = {.prog = prog, .src = prog->source, .vectors_ok = vectors_ok};
    int status = CLPOOL_ENOMEM;
    if (tokenise(&m) != 0)
        goto free_model;
    directives(&m);
    definitions(&m);
    if (m.lost || index_names(&m) != 0 || index_kernels(&m) != 0)
        goto free_model;
    events(&m);
    if (m.lost)
        goto free_model;
    for (size_t d = 0; d < m.ndefs; d++)
        judge(&m, d);
    status = results(&m, facts);
free_model:
    if (status != CLPOOL_OK)
        clpool__native_facts_free(facts);
    if (status == CLPOOL_ENOMEM)
        status = clpool__error(prog->pool, CLPOOL_ENOMEM, "no memory to scan the program");
    free(m.toks);
    free(m.skip);
    free(m.defs);
    free(m.names);
    free(m.evs);
    free(m.conds);
    free(m.head);
    free(m.next);
    free(m.kernels_by_name);
    return status;
}
