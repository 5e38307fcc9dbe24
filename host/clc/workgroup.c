/* Work-groups on the native path (see workgroup.h). */
#include "clc/workgroup.h"

#include <stdlib.h>
#include <string.h>

#include "clc/native.h"
#include "clc/refuse.h"
#include "clc/scan.h"
#include "clc/sizes.h"

static int name_is(const char *src, const clpool__tok *t, const char *s)
{
    size_t n = strlen(s);
    return t->kind == CLPOOL__TOK_IDENT && t->len == n && memcmp(src + t->start, s, n) == 0;
}

static int is_punct(const char *src, const clpool__tok *t, char c)
{
    return t->kind == CLPOOL__TOK_PUNCT && src[t->start] == c;
}

static int is_barrier(const char *src, const clpool__tok *t)
{
    return name_is(src, t, "barrier") || name_is(src, t, "work_group_barrier");
}

int *clpool__wg_fiber_kernels(const clpool_program *prog, int *any)
{
    size_t n = prog->nsigs;
    *any = 0;
    int *needs = calloc(n != 0 ? n : 1, sizeof *needs);
    clpool__body *bodies = calloc(n != 0 ? n : 1, sizeof *bodies);
    if (needs == NULL || bodies == NULL) {
        free(needs);
        free(bodies);
        return NULL;
    }
    clpool__find_bodies(prog->source, prog->sigs, n, bodies);
    const char *src = prog->source;
    int outside = 0, items_outside = 0;
    clpool__scan s;
    clpool__tok t;
    clpool__scan_init(&s, src);
    while (clpool__scan_next(&s, &t)) {
        int item_fn = t.kind == CLPOOL__TOK_IDENT && t.len > 4 && memcmp(src + t.start, "get_", 4) == 0;
        if (!is_barrier(src, &t) && !item_fn)
            continue;
        size_t k;
        for (k = 0; k < n; k++)
            if (bodies[k].close != 0 && bodies[k].open < t.start && t.start < bodies[k].close &&
                !t.directive)
                break;
        if (item_fn)
            items_outside |= k == n;
        else if (k < n)
            needs[k] = 1;
        else
            outside = 1;
    }
    /* Work-item loops need the barriers in the kernel's own body, and no
     * helper that asks for its item from file scope. */
    for (size_t k = 0; k < n; k++) {
        needs[k] |= outside;
        if (needs[k] && !outside && !items_outside)
            needs[k] = 2;
        *any |= needs[k] != 0;
    }
    free(bodies);
    return needs;
}

int clpool__wg_kernel_has_barrier(const clpool_program *prog, const clpool__kernel_sig *sig)
{
    int any;
    int *needs = clpool__wg_fiber_kernels(prog, &any);
    if (needs == NULL)
        return 0;
    int has = needs[sig - prog->sigs] != 0;
    free(needs);
    return has;
}

static const char *const group_fns[] = {"get_local_id",   "get_group_id",
                                        "get_local_size", "get_local_linear_id",
                                        "get_enqueued_local_size", "get_num_groups"};

int *clpool__wg_group_agnostic(const clpool_program *prog)
{
    size_t n = prog->nsigs;
    int *ok = malloc((n != 0 ? n : 1) * sizeof *ok);
    clpool__body *bodies = calloc(n != 0 ? n : 1, sizeof *bodies);
    if (ok == NULL || bodies == NULL) {
        free(ok);
        free(bodies);
        return NULL;
    }
    for (size_t k = 0; k < n; k++)
        ok[k] = 1;
    clpool__find_bodies(prog->source, prog->sigs, n, bodies);
    const char *src = prog->source;
    clpool__scan s;
    clpool__tok t;
    clpool__scan_init(&s, src);
    while (clpool__scan_next(&s, &t)) {
        int group_fn = 0;
        for (size_t i = 0; i < sizeof group_fns / sizeof group_fns[0]; i++)
            group_fn |= name_is(src, &t, group_fns[i]);
        if (!group_fn)
            continue;
        size_t k;
        for (k = 0; k < n; k++)
            if (bodies[k].close != 0 && bodies[k].open < t.start && t.start < bodies[k].close &&
                !t.directive)
                break;
        if (k < n) {
            ok[k] = 0;
        } else {
            for (k = 0; k < n; k++)
                ok[k] = 0; /* a helper or a macro: any kernel may use it */
        }
    }
    free(bodies);
    return ok;
}

/* ------------------------------------------------------------ __local */

int clpool__wg_local_edits(const char *src, clpool__wg_edit **out, size_t *n)
{
    size_t cap = 0, ntoks = 0, tcap = 256;
    *out = NULL;
    *n = 0;
    clpool__tok *toks = malloc(tcap * sizeof *toks);
    if (toks == NULL)
        return -1;
    clpool__scan s;
    clpool__scan_init(&s, src);
    for (;;) {
        if (ntoks == tcap) {
            clpool__tok *grown = realloc(toks, tcap * 2 * sizeof *grown);
            if (grown == NULL)
                goto no_memory;
            toks = grown;
            tcap *= 2;
        }
        if (!clpool__scan_next(&s, &toks[ntoks]))
            break;
        if (toks[ntoks].directive == 0)
            ntoks++; /* macros are left alone: the prelude drops __local there */
    }
    size_t depth = 0;
    for (size_t i = 0; i < ntoks; i++) {
        const clpool__tok *t = &toks[i];
        if (is_punct(src, t, '{'))
            depth++;
        else if (is_punct(src, t, '}') && depth > 0)
            depth--;
        if (depth == 0 || !(name_is(src, t, "__local") || name_is(src, t, "local")))
            continue;
        /* A declaration starts here: before it (past const and volatile)
         * a statement ended or a block began. */
        size_t j = i;
        while (j > 0 && (name_is(src, &toks[j - 1], "const") ||
                         name_is(src, &toks[j - 1], "volatile")))
            j--;
        if (j == 0 || !(is_punct(src, &toks[j - 1], ';') || is_punct(src, &toks[j - 1], '{') ||
                        is_punct(src, &toks[j - 1], '}')))
            continue;
        /* An object, not a pointer: its name comes before any '*'. */
        int object = 0;
        for (size_t k = i + 1; k < ntoks; k++) {
            const clpool__tok *u = &toks[k];
            if (is_punct(src, u, '*') || is_punct(src, u, '('))
                break;
            if (is_punct(src, u, '[') || is_punct(src, u, ';') || is_punct(src, u, '=') ||
                is_punct(src, u, ',')) {
                object = 1;
                break;
            }
            if (u->kind != CLPOOL__TOK_IDENT)
                break;
        }
        if (!object)
            continue;
        if (*n == cap) {
            size_t c = cap != 0 ? cap * 2 : 8;
            clpool__wg_edit *grown = realloc(*out, c * sizeof *grown);
            if (grown == NULL)
                goto no_memory;
            *out = grown;
            cap = c;
        }
        (*out)[(*n)++] = (clpool__wg_edit){t->start, t->len, "static"};
    }
    free(toks);
    return 0;

no_memory:
    free(toks);
    free(*out);
    *out = NULL;
    *n = 0;
    return -1;
}

/* ------------------------------------------------------------- caller */

void clpool__wg_caller(clpool__buf *b, const clpool__kernel_sig *sig)
{
    clpool__sizes_native(b, sig);
    /* One item: what the plain caller's loop body does, as a function the
     * fibers start in. */
    clpool__buf_fmt(b,
                    "static void clpool_item_%s_(void *const *clpool_args_, "
                    "const clpool_wi_t_ *clpool_w_, size_t clpool_i_)\n{\n",
                    sig->name);
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
    clpool__buf_fmt(b, "    %s(clpool_w_, clpool_i_", sig->name);
    for (size_t p = 0; p < sig->nparams; p++)
        clpool__buf_fmt(b, ", clpool_a%zu_", p);
    clpool__buf_str(b, ");\n    (void)clpool_args_;\n}\n");
    const char *proto = "void " CLPOOL__NATIVE_PREFIX "%s(void *const *clpool_args_, "
                        "const clpool_range_t_ *clpool_r_, size_t clpool_gb_, size_t clpool_ge_)";
    clpool__buf_fmt(b, proto, sig->name);
    clpool__buf_str(b, " __attribute__((visibility(\"default\")));\n");
    clpool__buf_fmt(b, proto, sig->name);
    clpool__buf_fmt(b, "\n{\n    clpool_wg_run_(clpool_item_%s_, clpool_args_, clpool_r_, "
                       "clpool_gb_, clpool_ge_);\n}\n\n",
                    sig->name);
}
