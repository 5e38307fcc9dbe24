/*
 * Work-item loops for kernels with barriers (see workgroup.h): the kernel's
 * body, split at its barriers, becomes loops over the group's items, one
 * per stretch of code between barriers, so that a group costs what its
 * items' work costs and the compiler can vectorise each loop. The shapes
 * handled: barriers as statements of the body, of blocks, and of the
 * bodies of for, while and if statements whose conditions are uniform
 * across the group (checked as the group runs: a condition true for some
 * items and false for others is the non-uniform barrier the fibers report
 * too). Anything else (a barrier in a helper or in an expression, do-while,
 * switch, break/continue/goto crossing a barrier, preprocessor lines or
 * another kernel's call in the body, ...) keeps the fibers.
 *
 * Variables declared in the body that live across a barrier become arrays
 * with one element per item (VLAs sized by the group), named as before and
 * indexed by the item: `acc` becomes `acc[clpool_li_]`. A variable that is
 * never assigned after its declaration and whose value comes from the
 * work-item functions, the parameters and other such variables is declared
 * again at the top of every loop instead (the compiler then sees, for
 * example, that the local id is the loop's index).
 */
#include "clc/workgroup.h"

#include <stdlib.h>
#include <string.h>

#include "clc/native.h"
#include "clc/native_gen.h"
#include "clc/scan.h"
#include "clc/sizes.h"

typedef struct var {
    size_t name;  /* token index of the name */
    size_t decl;  /* token index of the declaration statement's first token */
    size_t decl_end;
    int remat;    /* declared again in every loop, not an array */
} var;

typedef struct ctx {
    const char *src;
    const clpool__tok *t;
    size_t nt;
    const clpool_program *prog;
    const clpool__kernel_sig *sig;
    size_t body_open, body_close; /* token indices of the body's { and } */
    var *vars;
    size_t nvars, cap;
    clpool__buf *out;
    clpool__buf hoist; /* the per-item arrays, declared at the top */
    unsigned labels;
    int failed; /* a shape not handled, or no memory */
} ctx;

/* ------------------------------------------------------------- tokens */

static int is_p(const ctx *c, size_t i, char ch)
{
    return i < c->nt && c->t[i].kind == CLPOOL__TOK_PUNCT && c->src[c->t[i].start] == ch;
}

static int is_id(const ctx *c, size_t i, const char *s)
{
    size_t n = strlen(s);
    return i < c->nt && c->t[i].kind == CLPOOL__TOK_IDENT && c->t[i].len == n &&
           memcmp(c->src + c->t[i].start, s, n) == 0;
}

static int same_name(const ctx *c, size_t i, size_t j)
{
    return c->t[i].kind == CLPOOL__TOK_IDENT && c->t[j].kind == CLPOOL__TOK_IDENT &&
           c->t[i].len == c->t[j].len &&
           memcmp(c->src + c->t[i].start, c->src + c->t[j].start, c->t[i].len) == 0;
}

static int is_barrier_name(const ctx *c, size_t i)
{
    return is_id(c, i, "barrier") || is_id(c, i, "work_group_barrier");
}

/* The token after the bracket that matches the one at i. */
static size_t skip_group(const ctx *c, size_t i)
{
    size_t depth = 0;
    for (size_t j = i; j < c->nt; j++) {
        if (c->t[j].kind != CLPOOL__TOK_PUNCT)
            continue;
        char ch = c->src[c->t[j].start];
        if (ch == '(' || ch == '[' || ch == '{')
            depth++;
        else if ((ch == ')' || ch == ']' || ch == '}') && --depth == 0)
            return j + 1;
    }
    return c->nt;
}

/* The end (exclusive) of the statement at i, or c->nt. */
static size_t stmt_end(const ctx *c, size_t i)
{
    if (i >= c->nt)
        return c->nt;
    if (is_p(c, i, '{'))
        return skip_group(c, i);
    if (is_id(c, i, "for") || is_id(c, i, "while") || is_id(c, i, "switch")) {
        if (!is_p(c, i + 1, '('))
            return c->nt;
        return stmt_end(c, skip_group(c, i + 1));
    }
    if (is_id(c, i, "if")) {
        if (!is_p(c, i + 1, '('))
            return c->nt;
        size_t e = stmt_end(c, skip_group(c, i + 1));
        if (is_id(c, e, "else"))
            e = stmt_end(c, e + 1);
        return e;
    }
    if (is_id(c, i, "do")) {
        size_t e = stmt_end(c, i + 1);
        if (!is_id(c, e, "while") || !is_p(c, e + 1, '('))
            return c->nt;
        e = skip_group(c, e + 1);
        return is_p(c, e, ';') ? e + 1 : c->nt;
    }
    for (size_t j = i; j < c->nt;) {
        if (is_p(c, j, '(') || is_p(c, j, '[') || is_p(c, j, '{')) {
            j = skip_group(c, j);
            continue;
        }
        if (is_p(c, j, ';'))
            return j + 1;
        if (is_p(c, j, '}'))
            return c->nt;
        j++;
    }
    return c->nt;
}

static int has_barrier(const ctx *c, size_t b, size_t e)
{
    for (size_t i = b; i < e; i++)
        if (is_barrier_name(c, i))
            return 1;
    return 0;
}

static int has_token(const ctx *c, size_t b, size_t e, const char *s)
{
    for (size_t i = b; i < e; i++)
        if (is_id(c, i, s))
            return 1;
    return 0;
}

/* A break or continue in [b, e) that is not inside a loop or switch of its
 * own: it would leave a loop the transformation split. */
static int escaping_jump(const ctx *c, size_t b, size_t e)
{
    for (size_t i = b; i < e; i++) {
        if (is_id(c, i, "for") || is_id(c, i, "while") || is_id(c, i, "switch") ||
            is_id(c, i, "do")) {
            size_t s = stmt_end(c, i);
            if (s > e)
                return 1;
            i = s - 1;
            continue;
        }
        if (is_id(c, i, "break") || is_id(c, i, "continue") || is_id(c, i, "goto"))
            return 1;
    }
    return 0;
}

/* ------------------------------------------------------- declarations */

static const char *const not_types[] = {"return", "else", "case", "sizeof", "do", "goto",
                                        "break", "continue", "default", "if", "for", "while",
                                        "switch"};

static int keyword_not_type(const ctx *c, size_t i)
{
    for (size_t k = 0; k < sizeof not_types / sizeof not_types[0]; k++)
        if (is_id(c, i, not_types[k]))
            return 1;
    return 0;
}

/* The index of the first declarator's first token when [b, e) is a
 * declaration (two names or more, with '*'s, before '=', ',', '[' or
 * ';'), else 0. */
static size_t decl_start(const ctx *c, size_t b, size_t e)
{
    if (keyword_not_type(c, b) || c->t[b].kind != CLPOOL__TOK_IDENT)
        return 0;
    size_t names = 0, last = 0;
    for (size_t i = b; i < e; i++) {
        if (c->t[i].kind == CLPOOL__TOK_IDENT) {
            names++;
            last = i;
            continue;
        }
        if (is_p(c, i, '*'))
            continue;
        if (is_p(c, i, '=') || is_p(c, i, ',') || is_p(c, i, '[') || is_p(c, i, ';')) {
            if (names < 2)
                return 0;
            /* back over the '*'s before the name */
            size_t d = last;
            while (d > b && is_p(c, d - 1, '*'))
                d--;
            return d;
        }
        return 0;
    }
    return 0;
}

static int add_var(ctx *c, var v)
{
    /* A parameter's name: which one a later use means depends on scopes
     * this does not follow. */
    for (size_t p = 0; p < c->sig->nparams; p++) {
        const char *pn = c->sig->params[p].name;
        if (pn != NULL && strlen(pn) == c->t[v.name].len &&
            memcmp(pn, c->src + c->t[v.name].start, c->t[v.name].len) == 0)
            return -1;
    }
    for (size_t i = 0; i < c->nvars; i++)
        if (same_name(c, c->vars[i].name, v.name))
            return -1; /* declared twice: scopes this does not follow */
    if (c->nvars == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        var *g = realloc(c->vars, cap * sizeof *g);
        if (g == NULL)
            return -1;
        c->vars = g;
        c->cap = cap;
    }
    c->vars[c->nvars++] = v;
    return 0;
}

static const var *find_var(const ctx *c, size_t i)
{
    if (c->t[i].kind != CLPOOL__TOK_IDENT)
        return NULL;
    for (size_t k = 0; k < c->nvars; k++)
        if (same_name(c, c->vars[k].name, i))
            return &c->vars[k];
    return NULL;
}

/* Whether the name (len bytes) is changed anywhere in the body at or after
 * token `after` (other than at token `skip`), or has its address taken;
 * with elements, a store to an element (name[i] = ...) counts too. */
static int changed(const ctx *c, const char *name, size_t len, size_t after, size_t skip,
                   int elements)
{
    for (size_t i = after; i < c->body_close; i++) {
        if (i == skip || c->t[i].kind != CLPOOL__TOK_IDENT || c->t[i].len != len ||
            memcmp(c->src + c->t[i].start, name, len) != 0)
            continue;
        if (i > 0 && (is_p(c, i - 1, '&') || (is_p(c, i - 1, '+') && is_p(c, i - 2, '+')) ||
                      (is_p(c, i - 1, '-') && is_p(c, i - 2, '-'))))
            return 1;
        size_t j = i + 1;
        if (is_p(c, j, '[') && !elements)
            continue; /* a pointer's element: the pointer stays */
        if (is_p(c, j, '[')) /* an element: the array is changed */
            while (is_p(c, j, '['))
                j = skip_group(c, j);
        if ((is_p(c, j, '+') && is_p(c, j + 1, '+')) || (is_p(c, j, '-') && is_p(c, j + 1, '-')))
            return 1;
        if (is_p(c, j, '=') && !is_p(c, j + 1, '='))
            return 1;
        static const char ops[] = "+-*/%&|^";
        if (c->t[j].kind == CLPOOL__TOK_PUNCT && strchr(ops, c->src[c->t[j].start]) &&
            is_p(c, j + 1, '=') && !is_p(c, j + 2, '='))
            return 1;
        if ((is_p(c, j, '<') && is_p(c, j + 1, '<') && is_p(c, j + 2, '=')) ||
            (is_p(c, j, '>') && is_p(c, j + 1, '>') && is_p(c, j + 2, '=')))
            return 1;
    }
    return 0;
}

/* Whether the variable named at token n is changed after its declaration. */
static int assigned(const ctx *c, size_t n, size_t after)
{
    return changed(c, c->src + c->t[n].start, c->t[n].len, after, n, 1);
}

static const char *const item_fns[] = {
    "get_global_id",   "get_local_id",          "get_group_id",  "get_local_size",
    "get_global_size", "get_num_groups",        "get_work_dim",  "get_global_offset",
    "get_enqueued_local_size", "get_global_linear_id", "get_local_linear_id"};

/* Whether an initialiser [b, e) may be evaluated again in every loop:
 * names of parameters, work-item functions, casts, other such variables;
 * no other call, no variable that is an array, and no memory read (an
 * index, a member, a unary '*'): memory may have changed since. */
static int remat_init(const ctx *c, size_t b, size_t e)
{
    for (size_t i = b; i < e; i++) {
        if (is_p(c, i, '[') || is_p(c, i, '.') || (is_p(c, i, '-') && is_p(c, i + 1, '>')))
            return 0;
        if ((is_p(c, i, '*') || is_p(c, i, '&')) &&
            (i == b || (c->t[i - 1].kind == CLPOOL__TOK_PUNCT && !is_p(c, i - 1, ')') &&
                        !is_p(c, i - 1, ']'))))
            return 0;
        if (c->t[i].kind != CLPOOL__TOK_IDENT)
            continue;
        const var *v = find_var(c, i);
        if (v != NULL) {
            if (!v->remat)
                return 0;
            continue;
        }
        if (is_p(c, i + 1, '(')) {
            int known = 0;
            for (size_t k = 0; k < sizeof item_fns / sizeof item_fns[0]; k++)
                known |= is_id(c, i, item_fns[k]);
            if (!known)
                return 0;
        }
    }
    return 1;
}

/* --------------------------------------------------------------- output */

static void emit_tok_range(ctx *c, size_t b, size_t e, int rename, unsigned ret_label)
{
    for (size_t i = b; i < e; i++) {
        const clpool__tok *t = &c->t[i];
        /* A blank where the source has one: "+ +" is not "++". */
        if (i == b || c->t[i - 1].start + c->t[i - 1].len < t->start)
            clpool__buf_str(c->out, " ");
        if (rename && t->kind == CLPOOL__TOK_IDENT && !(i > 0 && is_p(c, i - 1, '.')) &&
            !(i > 1 && is_p(c, i - 1, '>') && is_p(c, i - 2, '-'))) {
            const var *v = find_var(c, i);
            if (v != NULL && !v->remat && i >= v->name) {
                /* Declared again in an inner block: scopes this does not
                 * follow. */
                if (i > v->name && i > 0 && c->t[i - 1].kind == CLPOOL__TOK_IDENT &&
                    !keyword_not_type(c, i - 1))
                    c->failed = 1;
                clpool__buf_add(c->out, c->src + t->start, t->len);
                clpool__buf_str(c->out, "[clpool_li_]");
                continue;
            }
        }
        if (ret_label != 0 && is_id(c, i, "return") && is_p(c, i + 1, ';')) {
            clpool__buf_fmt(c->out, "{ clpool_nd_++; goto clpool_ret%u_; }", ret_label);
            i++;
            continue;
        }
        clpool__buf_add(c->out, c->src + t->start, t->len);
    }
}

static void line_mark(ctx *c, size_t tok)
{
    clpool__buf_fmt(c->out, "\n#line %u \"", c->t[tok].line);
    clpool__buf_cstring(c->out, c->prog->path);
    clpool__buf_str(c->out, "\"\n");
}

/* The re-declared variables in scope at token `at`. */
static void emit_remats(ctx *c, size_t at)
{
    size_t last_decl = (size_t)-1;
    for (size_t k = 0; k < c->nvars; k++) {
        const var *v = &c->vars[k];
        if (!v->remat || v->decl >= at || v->decl == last_decl)
            continue;
        last_decl = v->decl;
        emit_tok_range(c, v->decl, v->decl_end, 0, 0);
        clpool__buf_str(c->out, "\n");
    }
}

static void loop_open(ctx *c, int simd, size_t at)
{
    clpool__buf_str(c->out,
                    "\nfor (size_t clpool_ro_ = 0; clpool_ro_ < clpool_nrows_; clpool_ro_++) {\n"
                    "const clpool_wi_t_ *const clpool_wi_ = &clpool_rows_[clpool_ro_];\n"
                    "const size_t clpool_b0_ = clpool_wi_->base0, clpool_lb_ = clpool_ro_ * "
                    "clpool_len0_;\n");
    if (simd)
        clpool__buf_str(c->out, "#pragma omp simd\n");
    clpool__buf_str(c->out, "for (size_t clpool_x_ = 0; clpool_x_ < clpool_len0_; clpool_x_++) {\n"
                            "const size_t clpool_gid_ = clpool_b0_ + clpool_x_;\n"
                            "const size_t clpool_li_ = clpool_lb_ + clpool_x_;\n"
                            "(void)clpool_gid_; (void)clpool_li_;\n");
    emit_remats(c, at);
}

static void loop_close(ctx *c)
{
    clpool__buf_str(c->out, "\n}\n}\n");
}

/* A declaration statement [b, e) of the body's own sequence: its variables
 * are recorded; returns the statement to emit in the loop, as assignments
 * for arrays, or nothing for re-declared variables. */
static void declare(ctx *c, size_t b, size_t e, size_t d, size_t region_b, size_t region_e,
                    int emit, unsigned ret)
{
    /* Split into declarators at top-level commas. */
    size_t starts[64], ends[64], nd = 0;
    size_t i = d;
    while (i < e - 1 && nd < 64) {
        starts[nd] = i;
        while (i < e - 1 && !is_p(c, i, ',')) {
            if (is_p(c, i, '(') || is_p(c, i, '[') || is_p(c, i, '{'))
                i = skip_group(c, i);
            else
                i++;
        }
        ends[nd++] = i;
        i++;
    }
    if (nd == 64) {
        c->failed = 1;
        return;
    }
    /* Where each declarator's name and initialiser are, and whether the
     * whole statement can be declared again in each loop. */
    size_t names[64], inits[64];
    int all_remat = 1, any_outside = 0;
    for (size_t k = 0; k < nd; k++) {
        size_t j = starts[k];
        while (is_p(c, j, '*'))
            j++;
        if (c->t[j].kind != CLPOOL__TOK_IDENT) {
            c->failed = 1;
            return;
        }
        names[k] = j;
        size_t q = j + 1;
        int dims = is_p(c, q, '[');
        while (is_p(c, q, '['))
            q = skip_group(c, q);
        inits[k] = is_p(c, q, '=') ? q + 1 : 0;
        if (inits[k] != 0 && is_p(c, inits[k], '{')) {
            c->failed = 1; /* an array initialiser: no assignment can say it */
            return;
        }
        if (dims || inits[k] == 0 || assigned(c, j, e) || !remat_init(c, inits[k], ends[k]))
            all_remat = 0;
        for (size_t u = c->body_open; u < c->body_close; u++)
            if (u != j && same_name(c, u, j) && (u < region_b || u >= region_e))
                any_outside = 1;
    }
    if (!any_outside && !all_remat) {
        /* Used only in this stretch: an ordinary local of the loop. */
        if (emit)
            emit_tok_range(c, b, e, 1, ret);
        return;
    }
    for (size_t k = 0; k < nd; k++)
        if (add_var(c, (var){names[k], b, e, all_remat}) != 0) {
            c->failed = 1;
            return;
        }
    if (all_remat) {
        /* Here as written; emit_remats declares it again in later loops. */
        if (emit)
            emit_tok_range(c, b, e, 0, 0);
        return;
    }
    /* Arrays, declared at the top; the initialisers become assignments. */
    for (size_t k = 0; k < nd; k++) {
        for (size_t q = b; q < d; q++)
            if (!is_id(c, q, "const")) {
                clpool__buf_str(&c->hoist, " ");
                clpool__buf_add(&c->hoist, c->src + c->t[q].start, c->t[q].len);
            }
        for (size_t q = starts[k]; q < (inits[k] ? inits[k] - 1 : ends[k]); q++) {
            clpool__buf_str(&c->hoist, " ");
            clpool__buf_add(&c->hoist, c->src + c->t[q].start, c->t[q].len);
            if (q == names[k])
                clpool__buf_str(&c->hoist, "[clpool_n_]");
        }
        clpool__buf_str(&c->hoist, ";\n");
        if (emit && inits[k] != 0) {
            emit_tok_range(c, names[k], names[k] + 1, 1, 0);
            clpool__buf_str(c->out, " =");
            emit_tok_range(c, inits[k], ends[k], 1, 0);
            clpool__buf_str(c->out, ";");
        }
    }
}

/* One stretch of statements [b, e) without barriers: a loop over the
 * group's items. top_last: the last stretch of the body, after which a
 * return needs no check. */
static void region(ctx *c, size_t b, size_t e, int top_last)
{
    if (b == e)
        return;
    int returns = has_token(c, b, e, "return");
    unsigned ret = returns ? ++c->labels : 0;
    size_t mark = c->out->len;
    loop_open(c, !returns, b);
    clpool__buf_str(c->out, "{");
    for (size_t s = b; s < e && !c->failed;) {
        size_t se = stmt_end(c, s);
        if (se > e) {
            c->failed = 1;
            return;
        }
        line_mark(c, s);
        size_t d = decl_start(c, s, se);
        if (d != 0 && !is_id(c, s, "__local") && !is_id(c, s, "local") &&
            !is_id(c, s, "static"))
            declare(c, s, se, d, b, e, 1, ret);
        else if (d != 0)
            c->failed = 1; /* group memory is handled before this */
        else
            emit_tok_range(c, s, se, 1, ret);
        s = se;
    }
    clpool__buf_str(c->out, "\n}");
    if (returns)
        clpool__buf_fmt(c->out, "\nclpool_ret%u_: ;", ret);
    loop_close(c);
    (void)mark;
    if (returns && !top_last)
        clpool__buf_str(c->out, "if (clpool_nd_ == clpool_n_) return;\n"
                                "if (clpool_nd_ != 0) clpool_wg_nonuniform_();\n");
}

/* The condition [b, e) (inside its parentheses), uniform across the group:
 * sets clpool_c_ to 1 if it holds for every item, 0 if for none. */
static void condition(ctx *c, size_t b, size_t e)
{
    clpool__buf_str(c->out, "{ size_t clpool_k_ = 0;\n");
    loop_open(c, 0, b);
    line_mark(c, b);
    clpool__buf_str(c->out, "clpool_k_ += (");
    emit_tok_range(c, b, e, 1, 0);
    clpool__buf_str(c->out, ") ? 1 : 0;\n");
    loop_close(c);
    clpool__buf_str(c->out, "if (clpool_k_ != 0 && clpool_k_ != clpool_n_) clpool_wg_nonuniform_();\n"
                            "clpool_c_ = clpool_k_ != 0; }\n");
}

static void sequence(ctx *c, size_t b, size_t e, int top);

/* A statement with a barrier inside. */
static void control(ctx *c, size_t s, size_t se)
{
    if (is_p(c, s, '{')) {
        sequence(c, s + 1, se - 1, 0);
        return;
    }
    if (is_id(c, s, "for") || is_id(c, s, "while")) {
        size_t close = skip_group(c, s + 1) - 1; /* the ')' */
        size_t body = close + 1;
        if (escaping_jump(c, body, se)) {
            c->failed = 1;
            return;
        }
        size_t cb = s + 2, ce = close, init_e = cb, step_b = ce;
        if (is_id(c, s, "for")) {
            /* for (init; cond; step) */
            size_t semi1 = cb, semi2;
            while (semi1 < close && !is_p(c, semi1, ';'))
                semi1 = is_p(c, semi1, '(') ? skip_group(c, semi1) : semi1 + 1;
            semi2 = semi1 + 1;
            while (semi2 < close && !is_p(c, semi2, ';'))
                semi2 = is_p(c, semi2, '(') ? skip_group(c, semi2) : semi2 + 1;
            if (semi1 >= close || semi2 >= close) {
                c->failed = 1;
                return;
            }
            init_e = semi1;
            if (init_e > cb) {
                /* the init as its own stretch: a declaration or an expression */
                size_t d = decl_start(c, cb, semi1 + 1);
                loop_open(c, 1, cb);
                line_mark(c, cb);
                if (d != 0) {
                    declare(c, cb, semi1 + 1, d, 0, 0, 1, 0); /* used outside: an array */
                } else {
                    emit_tok_range(c, cb, semi1 + 1, 1, 0);
                }
                loop_close(c);
            }
            cb = semi1 + 1;
            ce = semi2;
            step_b = semi2 + 1;
        }
        clpool__buf_str(c->out, "for (;;) {\nint clpool_c_ = 1;\n");
        if (ce > cb)
            condition(c, cb, ce);
        clpool__buf_str(c->out, "if (!clpool_c_) break;\n");
        if (is_p(c, body, '{'))
            sequence(c, body + 1, se - 1, 0);
        else
            sequence(c, body, se, 0);
        if (step_b < close) {
            loop_open(c, 1, step_b);
            line_mark(c, step_b);
            emit_tok_range(c, step_b, close, 1, 0);
            clpool__buf_str(c->out, ";");
            loop_close(c);
        }
        clpool__buf_str(c->out, "}\n");
        return;
    }
    if (is_id(c, s, "if")) {
        size_t close = skip_group(c, s + 1) - 1;
        size_t then_b = close + 1, then_e = stmt_end(c, then_b);
        if (escaping_jump(c, then_b, se)) {
            c->failed = 1;
            return;
        }
        clpool__buf_str(c->out, "{ int clpool_c_ = 1;\n");
        condition(c, s + 2, close);
        clpool__buf_str(c->out, "if (clpool_c_) {\n");
        if (is_p(c, then_b, '{'))
            sequence(c, then_b + 1, then_e - 1, 0);
        else
            sequence(c, then_b, then_e, 0);
        clpool__buf_str(c->out, "} else {\n");
        if (then_e < se && is_id(c, then_e, "else")) {
            size_t eb = then_e + 1;
            if (is_p(c, eb, '{'))
                sequence(c, eb + 1, se - 1, 0);
            else
                sequence(c, eb, se, 0);
        }
        clpool__buf_str(c->out, "} }\n");
        return;
    }
    c->failed = 1;
}

static int barrier_stmt(const ctx *c, size_t s, size_t se)
{
    return is_barrier_name(c, s) && is_p(c, s + 1, '(') && skip_group(c, s + 1) + 1 == se &&
           is_p(c, se - 1, ';');
}

static void sequence(ctx *c, size_t b, size_t e, int top)
{
    size_t run = b; /* the first statement of the stretch being gathered */
    for (size_t s = b; s < e && !c->failed;) {
        size_t se = stmt_end(c, s);
        if (se > e || se == s) {
            c->failed = 1;
            return;
        }
        if (!has_barrier(c, s, se)) {
            s = se;
            continue;
        }
        region(c, run, s, 0);
        if (barrier_stmt(c, s, se))
            clpool__buf_str(c->out, "/* barrier */\n");
        else
            control(c, s, se);
        s = se;
        run = s;
    }
    region(c, run, e, top);
}

/* ---------------------------------------------------------------- entry */

int clpool__wg_loops(const clpool_program *prog, const clpool__kernel_sig *sig, size_t open,
                     size_t close, clpool__buf *out)
{
    ctx c;
    memset(&c, 0, sizeof c);
    c.src = prog->source;
    c.prog = prog;
    c.sig = sig;
    c.out = out;
    size_t cap = 256;
    clpool__tok *toks = malloc(cap * sizeof *toks);
    if (toks == NULL)
        return -1;
    clpool__scan s;
    clpool__scan_init(&s, prog->source + 0);
    size_t n = 0;
    int result = 0;
    for (;;) {
        clpool__tok t;
        if (!clpool__scan_next(&s, &t))
            break;
        if (t.start <= open)
            continue;
        if (t.start >= close)
            break;
        if (t.directive) /* a preprocessor line in the body: fibers */
            goto free_toks;
        if (n == cap) {
            clpool__tok *g = realloc(toks, cap * 2 * sizeof *g);
            if (g == NULL) {
                result = -1;
                goto free_toks;
            }
            toks = g;
            cap *= 2;
        }
        toks[n++] = t;
    }
    c.t = toks;
    c.nt = n;
    c.body_open = 0;
    c.body_close = n;
    /* A parameter the body changes would be one variable for the whole
     * group in the loops, not one per item: fibers. */
    for (size_t p = 0; p < sig->nparams; p++) {
        const char *pn = sig->params[p].name;
        if (pn != NULL && pn[0] != '\0' && changed(&c, pn, strlen(pn), 0, (size_t)-1, 0))
            goto free_toks;
    }
    /* Group memory first: at the top, static, and out of the sequence. */
    clpool__buf statics = {0};
    size_t first = 0;
    for (size_t i = 0; i < n;) {
        size_t e = stmt_end(&c, i);
        if (e > n || e == i) {
            clpool__buf_free(&statics);
            goto free_toks;
        }
        if (is_id(&c, i, "__local") || is_id(&c, i, "local")) {
            if (i != first) {
                clpool__buf_free(&statics);
                goto free_toks; /* after other statements: keep it simple */
            }
            clpool__buf_str(&statics, "static");
            for (size_t q = i + 1; q < e; q++) {
                clpool__buf_str(&statics, " ");
                clpool__buf_add(&statics, c.src + toks[q].start, toks[q].len);
            }
            clpool__buf_str(&statics, "\n");
            first = e;
        }
        i = e;
    }
    clpool__buf body = {0};
    c.out = &body;
    sequence(&c, first, n, 1);
    if (!c.failed && !body.failed && !c.hoist.failed && !statics.failed) {
        clpool__buf_str(out, "\n");
        clpool__buf_add(out, statics.data ? statics.data : "", statics.len);
        clpool__buf_str(out, "const clpool_wi_t_ *const clpool_rows_ = clpool_wi_;\n"
                             "const size_t clpool_len0_ = clpool_wi_->lsize[0];\n"
                             "const size_t clpool_nrows_ = clpool_wi_->lsize[1] * "
                             "clpool_wi_->lsize[2];\n"
                             "const size_t clpool_n_ = clpool_len0_ * clpool_nrows_;\n"
                             "size_t clpool_nd_ = 0;\n"
                             "(void)clpool_gid_; (void)clpool_nd_;\n");
        clpool__buf_add(out, c.hoist.data ? c.hoist.data : "", c.hoist.len);
        clpool__buf_add(out, body.data ? body.data : "", body.len);
        /* The closing '}' and what follows keep their lines. */
        unsigned line = 1;
        for (size_t i = 0; i < close; i++)
            line += prog->source[i] == '\n';
        clpool__buf_fmt(out, "\n#line %u \"", line);
        clpool__buf_cstring(out, prog->path);
        clpool__buf_str(out, "\"\n");
        result = out->failed ? -1 : 1;
    } else if (body.failed || c.hoist.failed || statics.failed) {
        result = -1;
    }
    clpool__buf_free(&body);
    clpool__buf_free(&statics);
    clpool__buf_free(&c.hoist);
free_toks:
    free(c.vars);
    free(toks);
    return result;
}

void clpool__wg_loop_caller(clpool__buf *b, const clpool__kernel_sig *sig)
{
    clpool__sizes_native(b, sig);
    const char *proto = "void " CLPOOL__NATIVE_PREFIX "%s(void *const *clpool_args_, "
                        "const clpool_range_t_ *clpool_r_, size_t clpool_gb_, size_t clpool_ge_)";
    clpool__buf_fmt(b, proto, sig->name);
    clpool__buf_str(b, " __attribute__((visibility(\"default\")));\n");
    clpool__buf_fmt(b, proto, sig->name);
    clpool__buf_str(b, "\n{\n");
    for (size_t p = 0; p < sig->nparams; p++) {
        const clpool__param *par = &sig->params[p];
        if (par->kind == CLPOOL__PARAM_SCALAR) {
            clpool__buf_str(b, "    ");
            clpool__gen_unqualified(b, par);
            clpool__buf_fmt(b, " clpool_a%zu_;\n    __builtin_memcpy(&clpool_a%zu_, "
                               "clpool_args_[%zu], sizeof clpool_a%zu_);\n",
                            p, p, p, p);
        } else {
            clpool__buf_fmt(b, "    void *clpool_a%zu_ = clpool_args_[%zu];\n", p, p);
        }
    }
    clpool__buf_str(b, "    const clpool_range_t_ clpool_rc_ = *clpool_r_;\n"
                       "    for (size_t clpool_g_ = clpool_gb_; clpool_g_ < clpool_ge_; "
                       "clpool_g_++) {\n"
                       "        clpool_wi_t_ *clpool_rows_ = clpool_wg_rows_;\n"
                       "        clpool_wi_t_ clpool_w_;\n"
                       "        clpool_w_.r = &clpool_rc_;\n"
                       "        clpool_wi_group_(&clpool_w_, clpool_g_);\n"
                       "        size_t clpool_n_ = 0;\n"
                       "        for (size_t clpool_l2_ = 0; clpool_l2_ < clpool_w_.lsize[2]; "
                       "clpool_l2_++)\n"
                       "        for (size_t clpool_l1_ = 0; clpool_l1_ < clpool_w_.lsize[1]; "
                       "clpool_l1_++) {\n"
                       "            clpool_rows_[clpool_n_] = clpool_w_;\n"
                       "            clpool_wi_row_(&clpool_rows_[clpool_n_++], clpool_l1_, "
                       "clpool_l2_);\n"
                       "        }\n");
    clpool__buf_fmt(b, "        %s(clpool_rows_, 0", sig->name);
    for (size_t p = 0; p < sig->nparams; p++)
        clpool__buf_fmt(b, ", clpool_a%zu_", p);
    clpool__buf_str(b, ");\n    }\n    (void)clpool_args_;\n}\n\n");
}
