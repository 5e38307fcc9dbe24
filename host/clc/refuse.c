/* Finding what the native path cannot run (see refuse.h). */
#include "clc/refuse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clc/scan.h"

/* ------------------------------------------------------------------ bodies */

void clpool__find_bodies(const char *src, const clpool__kernel_sig *sigs, size_t n,
                         clpool__body *bodies)
{
    for (size_t i = 0; i < n; i++)
        bodies[i].open = bodies[i].close = 0;

    clpool__scan s;
    clpool__tok t;
    clpool__scan_init(&s, src);
    size_t depth = 0, last_semicolon = 0;
    const clpool__kernel_sig *pending = NULL; /* the kernel whose '{' comes next */
    clpool__body *open_body = NULL;           /* the body we are in at depth > 0 */

    while (clpool__scan_next(&s, &t)) {
        if (t.directive || t.kind != CLPOOL__TOK_PUNCT)
            continue;
        char c = src[t.start];
        if (depth == 0 && c == ';') {
            last_semicolon = t.start;
        } else if (c == '{') {
            if (depth == 0) {
                /* The body belongs to the last kernel whose ')' is before
                 * this '{' with no ';' between (that would be a prototype). */
                pending = NULL;
                for (size_t i = 0; i < n; i++)
                    if (sigs[i].close_paren < t.start &&
                        (pending == NULL || sigs[i].close_paren > pending->close_paren))
                        pending = &sigs[i];
                open_body = NULL;
                if (pending != NULL && pending->close_paren > last_semicolon &&
                    bodies[pending - sigs].close == 0) {
                    open_body = &bodies[pending - sigs];
                    open_body->open = t.start;
                }
            }
            depth++;
        } else if (c == '}' && depth > 0) {
            depth--;
            if (depth == 0) {
                if (open_body != NULL)
                    open_body->close = t.start;
                open_body = NULL;
                last_semicolon = t.start;
            }
        }
    }
    /* A body left open at the end of the text: the compiler will say so. */
    if (open_body != NULL)
        open_body->close = strlen(src);
}

/* --------------------------------------------------------- what is refused */

static const char why_groups[] = "no work-groups on this path";
static const char why_images[] = "no images on this path";
static const char why_enqueue[] = "no device-side enqueue on this path";
static const char why_subgroups[] = "no sub-groups on this path";
static const char why_printf[] = "no printf on this path";

typedef struct refusal {
    const char *shown; /* how the message names it; NULL: the name and "()" */
    const char *why;
} refusal;

static const struct {
    const char *name;
    refusal r;
} refused_names[] = {
    {"async_work_group_copy", {NULL, why_groups}},
    {"async_work_group_strided_copy", {NULL, why_groups}},
    {"wait_group_events", {NULL, why_groups}},
    {"sampler_t", {"sampler_t", why_images}},
    {"enqueue_kernel", {NULL, why_enqueue}},
    {"enqueue_marker", {NULL, why_enqueue}},
    {"get_default_queue", {NULL, why_enqueue}},
    {"get_kernel_work_group_size", {NULL, why_enqueue}},
    {"get_kernel_preferred_work_group_size_multiple", {NULL, why_enqueue}},
    {"ndrange_1D", {NULL, why_enqueue}},
    {"ndrange_2D", {NULL, why_enqueue}},
    {"ndrange_3D", {NULL, why_enqueue}},
    {"queue_t", {"queue_t", why_enqueue}},
    {"clk_event_t", {"clk_event_t", why_enqueue}},
    {"printf", {NULL, why_printf}},
    {"get_num_sub_groups", {NULL, why_subgroups}},
    {"get_max_sub_group_size", {NULL, why_subgroups}},
    {"get_enqueued_num_sub_groups", {NULL, why_subgroups}},
};

static const struct {
    const char *prefix;
    refusal r;
} refused_prefixes[] = {
    {"work_group_", {NULL, why_groups}},
    {"sub_group_", {NULL, why_subgroups}},
    {"get_sub_group_", {NULL, why_subgroups}},
    {"read_image", {NULL, why_images}},
    {"write_image", {NULL, why_images}},
    {"get_image_", {NULL, why_images}},
};

static int name_is(const char *name, size_t len, const char *s)
{
    return strlen(s) == len && memcmp(name, s, len) == 0;
}

static int has_prefix(const char *name, size_t len, const char *p)
{
    size_t n = strlen(p);
    return len > n && memcmp(name, p, n) == 0;
}

/* The refusal for a name, or NULL. An image type (image2d_t, ...) is shown
 * as a type; the rest as a call. */
static const refusal *refused(const char *name, size_t len)
{
    static const refusal image_type = {"", why_images};
    /* A kernel attribute, not a work-group function: the prelude drops it. */
    if (name_is(name, len, "work_group_size_hint"))
        return NULL;
    /* Work-groups run (clc/workgroup.h): the barrier is no refusal. */
    if (name_is(name, len, "work_group_barrier"))
        return NULL;
    for (size_t i = 0; i < sizeof refused_names / sizeof refused_names[0]; i++)
        if (name_is(name, len, refused_names[i].name))
            return &refused_names[i].r;
    for (size_t i = 0; i < sizeof refused_prefixes / sizeof refused_prefixes[0]; i++)
        if (has_prefix(name, len, refused_prefixes[i].prefix))
            return &refused_prefixes[i].r;
    if (has_prefix(name, len, "image") && len > 7 && memcmp(name + len - 2, "_t", 2) == 0)
        return &image_type;
    return NULL;
}

/* --------------------------------------------------------- vector names */

static const char *const vector_elems[] = {"char", "uchar", "short", "ushort", "int", "uint",
                                           "long", "ulong", "float", "double", "half", "bool"};

int clpool__vector_type(const char *name, size_t len, size_t *elem, unsigned *width)
{
    for (size_t i = 0; i < sizeof vector_elems / sizeof vector_elems[0]; i++) {
        size_t n = strlen(vector_elems[i]);
        if (len <= n || memcmp(name, vector_elems[i], n) != 0)
            continue;
        const char *w = name + n;
        size_t wl = len - n;
        unsigned v = 0;
        if (wl == 1 && (w[0] == '2' || w[0] == '3' || w[0] == '4' || w[0] == '8'))
            v = (unsigned)(w[0] - '0');
        else if (wl == 2 && w[0] == '1' && w[1] == '6')
            v = 16;
        if (v == 0)
            continue;
        *elem = n;
        *width = v;
        return 1;
    }
    return 0;
}

/* Names that only exist for vectors: the types, vloadN/vstoreN (and their
 * half forms), convert_<vector>..., as_<vector>. */
static int names_vector(const char *name, size_t len)
{
    size_t elem;
    unsigned width;
    if (clpool__vector_type(name, len, &elem, &width))
        return 1;
    static const char *const loads[] = {"vload_half", "vstore_half", "vloada_half",
                                        "vstorea_half", "vload", "vstore"};
    for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++) {
        size_t n = strlen(loads[i]);
        if (len > n && memcmp(name, loads[i], n) == 0 && name[n] >= '0' && name[n] <= '9')
            return 1;
    }
    static const char *const convs[] = {"convert_", "as_"};
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(convs[i]);
        if (len <= n || memcmp(name, convs[i], n) != 0)
            continue;
        const char *t = name + n;
        const char *end = memchr(t, '_', len - n);
        size_t tl = end != NULL ? (size_t)(end - t) : len - n;
        if (clpool__vector_type(t, tl, &elem, &width))
            return 1;
    }
    return 0;
}

static int asks_for_gid(const char *name, size_t len)
{
    return name_is(name, len, "get_global_id") || name_is(name, len, "get_global_size") ||
           name_is(name, len, "get_group_id") || name_is(name, len, "get_num_groups") ||
           name_is(name, len, "get_global_linear_id");
}

/* ------------------------------------------------- preprocessor branches */

#define MAX_NESTING 64

typedef struct cond {
    int skip;    /* this branch is known not to be compiled */
    int taken;   /* a branch of this #if is known to be compiled */
    int unknown; /* some condition of this #if could not be judged */
} cond;

typedef struct conds {
    cond stack[MAX_NESTING];
    size_t depth;
    size_t overflow; /* levels past MAX_NESTING, treated as unknown */
} conds;

static int skipping(const conds *c)
{
    for (size_t i = 0; i < c->depth; i++)
        if (c->stack[i].skip)
            return 1;
    return 0;
}

#define NATIVE_MACRO "__CLPOOL_NATIVE__"

/* Judges the tokens of an #if/#elif condition: 1, 0, or -1 (unknown). */
static int judge(const char *src, const clpool__tok *toks, size_t n)
{
    int negate = 0;
    size_t i = 0;
    if (n == 1 && toks[0].kind == CLPOOL__TOK_NUMBER && toks[0].len == 1 &&
        (src[toks[0].start] == '0' || src[toks[0].start] == '1'))
        return src[toks[0].start] == '1';
    if (i < n && toks[i].kind == CLPOOL__TOK_PUNCT && src[toks[i].start] == '!') {
        negate = 1;
        i++;
    }
    if (i < n && name_is(src + toks[i].start, toks[i].len, "defined")) {
        i++;
        int paren = i < n && src[toks[i].start] == '(';
        if (paren)
            i++;
        if (i < n && name_is(src + toks[i].start, toks[i].len, NATIVE_MACRO)) {
            i++;
            if (paren && i < n && src[toks[i].start] == ')')
                i++;
            else if (paren)
                return -1;
            if (i == n)
                return !negate;
        }
    }
    return -1;
}

/* Applies a conditional directive: kw is its keyword, toks what follows. */
static void directive(conds *c, const char *src, const char *kw, size_t kwlen,
                      const clpool__tok *toks, size_t n)
{
    int v;
    if (name_is(kw, kwlen, "if") || name_is(kw, kwlen, "ifdef") || name_is(kw, kwlen, "ifndef")) {
        if (name_is(kw, kwlen, "if"))
            v = judge(src, toks, n);
        else if (n == 1 && name_is(src + toks[0].start, toks[0].len, NATIVE_MACRO))
            v = name_is(kw, kwlen, "ifdef");
        else
            v = -1;
        if (c->depth == MAX_NESTING) {
            c->overflow++;
            return;
        }
        c->stack[c->depth++] = (cond){v == 0, v == 1, v == -1};
        return;
    }
    if (c->overflow > 0) {
        if (name_is(kw, kwlen, "endif"))
            c->overflow--;
        return;
    }
    if (c->depth == 0)
        return; /* unbalanced: the compiler will say so */
    cond *top = &c->stack[c->depth - 1];
    if (name_is(kw, kwlen, "elif")) {
        if (top->taken) {
            top->skip = 1;
        } else {
            v = judge(src, toks, n);
            top->skip = v == 0;
            /* After a branch known to be taken, none of the later ones is
             * compiled, whatever the unknown ones before it were. */
            top->taken = v == 1;
            top->unknown |= v == -1;
        }
    } else if (name_is(kw, kwlen, "else")) {
        top->skip = top->taken;
        top->taken = 1;
    } else if (name_is(kw, kwlen, "endif")) {
        c->depth--;
    }
}

/* ------------------------------------------------------------------ scan */

static int is_kernel(const clpool_program *prog, const char *name, size_t len)
{
    for (size_t i = 0; i < prog->nsigs; i++)
        if (name_is(name, len, prog->sigs[i].name))
            return 1;
    return 0;
}

/* The kernel whose parameter list or body holds offset, or NULL. */
static const char *owner(const clpool_program *prog, const clpool__body *bodies, size_t off)
{
    for (size_t i = 0; i < prog->nsigs; i++) {
        const clpool__kernel_sig *sig = &prog->sigs[i];
        if ((sig->name_offset <= off && off <= sig->close_paren) ||
            (bodies[i].close != 0 && bodies[i].open < off && off < bodies[i].close))
            return sig->name;
    }
    return NULL;
}

static int refuse_at(const clpool_program *prog, const char *who, const char *name, size_t len,
                     const refusal *r, unsigned line)
{
    char shown[96];
    if (r->shown != NULL && r->shown[0] != '\0')
        snprintf(shown, sizeof shown, "%s", r->shown);
    else
        snprintf(shown, sizeof shown, "%.*s%s", (int)(len < 80 ? len : 80), name,
                 r->shown == NULL ? "()" : "");
    if (who != NULL)
        return clpool__error(prog->pool, CLPOOL_EBUILD,
                             "kernel '%s' uses %s at %s:%u, which the fork backend cannot run "
                             "(%s); use the OpenCL backend for it",
                             who, shown, prog->path, line, r->why);
    return clpool__error(prog->pool, CLPOOL_EBUILD,
                         "the program uses %s at %s:%u, which the fork backend cannot run (%s); "
                         "use the OpenCL backend for it",
                         shown, prog->path, line, r->why);
}

/* Parameters the generated caller cannot pass. */
static int refuse_params(const clpool_program *prog)
{
    for (size_t k = 0; k < prog->nsigs; k++) {
        const clpool__kernel_sig *sig = &prog->sigs[k];
        for (size_t p = 0; p < sig->nparams; p++) {
            const clpool__param *par = &sig->params[p];
            if (par->kind == CLPOOL__PARAM_OTHER)
                return clpool__error(prog->pool, CLPOOL_EBUILD,
                                     "kernel '%s' at %s:%u has parameter %zu '%s' of type '%s', "
                                     "which the fork backend cannot pass (it passes __global and "
                                     "__constant pointers and values); use the OpenCL backend "
                                     "for it",
                                     sig->name, prog->path, sig->line, p + 1, par->name,
                                     par->type);
        }
    }
    return CLPOOL_OK;
}

/* Macros whose expansion asks for the global id (or calls a kernel): the
 * names, as offsets into the source. */
typedef struct id_macros {
    clpool__tok *v;
    size_t n, cap;
    int lost; /* out of memory: assume every macro might */
} id_macros;

static int is_id_macro(const id_macros *m, const char *src, const char *name, size_t len)
{
    if (m->lost)
        return 1;
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].len == len && memcmp(src + m->v[i].start, name, len) == 0)
            return 1;
    return 0;
}

static void add_id_macro(id_macros *m, const clpool__tok *name)
{
    if (m->n == m->cap) {
        size_t cap = m->cap != 0 ? m->cap * 2 : 8;
        clpool__tok *grown = realloc(m->v, cap * sizeof *grown);
        if (grown == NULL) {
            m->lost = 1;
            return;
        }
        m->v = grown;
        m->cap = cap;
    }
    m->v[m->n++] = *name;
}

int clpool__native_refuse(const clpool_program *prog, const clpool__body *bodies,
                          clpool__native_facts *facts)
{
    const char *src = prog->source;
    clpool__scan s;
    clpool__tok t, pushed;
    int have_pushed = 0;
    conds pp = {.depth = 0, .overflow = 0};
    size_t braces = 0; /* depth of { } outside directives */
    int in_define = 0;
    clpool__tok macro = {0}; /* the name of the #define we are in */
    int macro_counted = 0;
    id_macros ids = {NULL, 0, 0, 0};
    int status = CLPOOL_OK;

    memset(facts, 0, sizeof *facts);
    clpool__scan_init(&s, src);
    for (;;) {
        if (have_pushed) {
            t = pushed;
            have_pushed = 0;
        } else if (!clpool__scan_next(&s, &t)) {
            break;
        }

        if (t.directive == 2) {
            /* A directive: conditionals are judged here, #define bodies are
             * scanned like code, the rest (#include, #pragma, #error) is not. */
            clpool__tok kw;
            if (!clpool__scan_next(&s, &kw))
                break;
            if (kw.directive != 1 || kw.kind != CLPOOL__TOK_IDENT) {
                pushed = kw;
                have_pushed = 1;
                in_define = 0;
                continue;
            }
            const char *k = src + kw.start;
            in_define = name_is(k, kw.len, "define");
            if (in_define) {
                /* Its name is a definition, not a use. */
                if (!clpool__scan_next(&s, &macro))
                    break;
                if (macro.directive != 1 || macro.kind != CLPOOL__TOK_IDENT) {
                    pushed = macro;
                    have_pushed = 1;
                    in_define = 0;
                    continue;
                }
                macro_counted = 0;
            }
            if (name_is(k, kw.len, "if") || name_is(k, kw.len, "ifdef") ||
                name_is(k, kw.len, "ifndef") || name_is(k, kw.len, "elif") ||
                name_is(k, kw.len, "else") || name_is(k, kw.len, "endif")) {
                clpool__tok toks[8];
                size_t n = 0, extra = 0;
                while (clpool__scan_next(&s, &t) && t.directive == 1) {
                    if (n < 8)
                        toks[n++] = t;
                    else
                        extra = 1;
                }
                if (t.kind != CLPOOL__TOK_END) {
                    pushed = t;
                    have_pushed = 1;
                }
                /* A long condition is not one of the plain ones: unknown. */
                directive(&pp, src, k, kw.len, toks, extra ? 8 : n);
                if (extra && pp.depth > 0 && !name_is(k, kw.len, "endif") &&
                    !name_is(k, kw.len, "else"))
                    pp.stack[pp.depth - 1].unknown = 1;
            }
            continue;
        }
        if (t.directive == 1 && !in_define)
            continue;
        if (t.directive == 0 && t.kind == CLPOOL__TOK_PUNCT) {
            if (src[t.start] == '{')
                braces++;
            else if (src[t.start] == '}' && braces > 0)
                braces--;
        }
        if (t.kind != CLPOOL__TOK_IDENT || skipping(&pp))
            continue;

        const char *name = src + t.start;
        if (name_is(name, t.len, "vec_type_hint")) {
            /* The attribute's type is a hint the prelude drops, not a use of
             * a vector type: skip its parentheses. */
            size_t depth = 0;
            while (clpool__scan_next(&s, &t)) {
                if (t.kind != CLPOOL__TOK_PUNCT)
                    continue;
                char c = src[t.start];
                if (c == '(')
                    depth++;
                else if (c == ')' && (depth == 0 || --depth == 0))
                    break;
            }
            continue;
        }
        const char *who = t.directive ? NULL : owner(prog, bodies, t.start);
        const refusal *r = refused(name, t.len);
        if (r != NULL) {
            status = refuse_at(prog, who, name, t.len, r, t.line);
            goto free_ids;
        }
        if (!facts->uses_vectors && names_vector(name, t.len)) {
            facts->uses_vectors = 1;
            snprintf(facts->vector_name, sizeof facts->vector_name, "%.*s",
                     (int)(t.len < 40 ? t.len : 40), name);
            facts->vector_line = t.line;
            facts->vector_owner = who;
        }
        /* A helper function that asks for the id, calls a kernel (which may)
         * or expands a macro that does: the caller must set the file-scope
         * copies. Kernels themselves have it as a parameter. */
        int asks = asks_for_gid(name, t.len) || is_kernel(prog, name, t.len) ||
                   is_id_macro(&ids, src, name, t.len);
        if (asks && t.directive && !macro_counted) {
            add_id_macro(&ids, &macro);
            macro_counted = 1;
        } else if (asks && !t.directive && who == NULL && braces > 0) {
            facts->helpers_use_gid = 1;
        }
    }
    status = refuse_params(prog);
free_ids:
    free(ids.v);
    return status;
}

int clpool__native_refuse_vectors(const clpool_program *prog, const clpool__native_facts *facts)
{
    const char *what = facts->vector_name;
    if (facts->vector_owner != NULL)
        return clpool__error(prog->pool, CLPOOL_EBUILD,
                             "kernel '%s' uses the vector type or built-in %s at %s:%u, which "
                             "the fork backend builds only with clang (other C compilers have "
                             "no OpenCL vector types); set CC=clang, or use the OpenCL backend "
                             "for it",
                             facts->vector_owner, what, prog->path, facts->vector_line);
    return clpool__error(prog->pool, CLPOOL_EBUILD,
                         "the program uses the vector type or built-in %s at %s:%u, which the "
                         "fork backend builds only with clang (other C compilers have no OpenCL "
                         "vector types); set CC=clang, or use the OpenCL backend for it",
                         what, prog->path, facts->vector_line);
}
