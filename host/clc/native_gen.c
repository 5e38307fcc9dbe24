/* The generated C text (see native_gen.h). */
#include "clc/native_gen.h"

#include <stdlib.h>
#include <string.h>

#include "clc/native.h"
#include "clc/scan.h"
#include "clc/sizes.h"
#include "clc/workgroup.h"

#define HIDDEN_PARAMS "const clpool_wi_t_ *clpool_wi_, size_t clpool_gid_"

/* One change to the source: del bytes at `at` are replaced by the ins
 * strings; with keep_newlines, the newlines among the deleted bytes are put
 * back after them, so that no line moves. */
typedef struct edit {
    size_t at, del;
    const char *ins[3];
    int keep_newlines;
} edit;

typedef struct edits {
    edit *v;
    size_t n, cap;
} edits;

static int add_edit(edits *e, edit ed)
{
    if (e->n == e->cap) {
        size_t cap = e->cap != 0 ? e->cap * 2 : 32;
        edit *grown = realloc(e->v, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        e->v = grown;
        e->cap = cap;
    }
    e->v[e->n++] = ed;
    return 0;
}

static int by_offset(const void *a, const void *b)
{
    const edit *x = a, *y = b;
    return x->at < y->at ? -1 : x->at > y->at;
}

void clpool__buf_cstring(clpool__buf *b, const char *path)
{
    for (const char *p = path; *p != '\0'; p++) {
        if (*p == '\\' || *p == '"') {
            char esc[2] = {'\\', *p};
            clpool__buf_add(b, esc, 2);
        } else if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            clpool__buf_add(b, "?", 1); /* no control characters in a #line */
        } else {
            clpool__buf_add(b, p, 1);
        }
    }
}

/* ------------------------------------------------------- vector literals */

/* Element types the prelude's CLPOOL_VLIT knows, with their suffixes. */
static const struct {
    const char *type, *suffix;
} elements[] = {
    {"char", "c"},   {"uchar", "uc"}, {"short", "s"}, {"ushort", "us"}, {"int", "i"},
    {"uint", "ui"},  {"long", "l"},   {"ulong", "ul"}, {"float", "f"},  {"double", "d"},
};

/* A token array with the source it points into. */
typedef struct toks {
    clpool__tok *v;
    size_t n;
    const char *src;
} toks;

static int tokenise(const char *src, toks *t)
{
    size_t cap = 256;
    clpool__scan s;
    t->v = malloc(cap * sizeof *t->v);
    t->n = 0;
    t->src = src;
    if (t->v == NULL)
        return -1;
    clpool__scan_init(&s, src);
    for (;;) {
        if (t->n == cap) {
            clpool__tok *grown = realloc(t->v, cap * 2 * sizeof *grown);
            if (grown == NULL) {
                free(t->v);
                t->v = NULL;
                return -1;
            }
            t->v = grown;
            cap *= 2;
        }
        if (!clpool__scan_next(&s, &t->v[t->n]))
            break;
        t->n++;
    }
    return 0;
}

static int punct(const toks *t, size_t i, char c)
{
    return i < t->n && t->v[i].kind == CLPOOL__TOK_PUNCT && t->src[t->v[i].start] == c;
}

static int ident_is(const toks *t, size_t i, const char *name)
{
    size_t n = strlen(name);
    return i < t->n && t->v[i].kind == CLPOOL__TOK_IDENT && t->v[i].len == n &&
           memcmp(t->src + t->v[i].start, name, n) == 0;
}

/* Finds the ')' closing the '(' at token i and counts the commas at its
 * top level. Returns the index of the ')', or t->n if it is not there. */
static size_t closing(const toks *t, size_t i, size_t *commas)
{
    size_t depth = 0;
    *commas = 0;
    for (size_t j = i; j < t->n; j++) {
        if (t->v[j].kind != CLPOOL__TOK_PUNCT)
            continue;
        char c = t->src[t->v[j].start];
        if (c == '(' || c == '[' || c == '{') {
            depth++;
        } else if (c == ')' || c == ']' || c == '}') {
            if (--depth == 0)
                return c == ')' ? j : t->n;
        } else if (c == ',' && depth == 1) {
            (*commas)++;
        }
    }
    return t->n;
}

/* Adds the edits that turn each OpenCL vector literal into C. */
static int vector_literals(const char *src, edits *e)
{
    toks t;
    if (tokenise(src, &t) != 0)
        return -1;
    int status = 0;
    for (size_t i = 0; i + 3 < t.n && status == 0; i++) {
        /* ( type ) ( ... ), not after sizeof and friends, where (type)
         * is a type's size, not a cast */
        if (!punct(&t, i, '(') || t.v[i + 1].kind != CLPOOL__TOK_IDENT || !punct(&t, i + 2, ')') ||
            !punct(&t, i + 3, '('))
            continue;
        if (i > 0 && (ident_is(&t, i - 1, "sizeof") || ident_is(&t, i - 1, "_Alignof") ||
                      ident_is(&t, i - 1, "__alignof__") || ident_is(&t, i - 1, "vec_step")))
            continue;
        const char *name = src + t.v[i + 1].start;
        size_t elem;
        unsigned width;
        if (!clpool__vector_type(name, t.v[i + 1].len, &elem, &width))
            continue;
        size_t k;
        for (k = 0; k < sizeof elements / sizeof elements[0]; k++)
            if (strlen(elements[k].type) == elem && memcmp(name, elements[k].type, elem) == 0)
                break;
        if (k == sizeof elements / sizeof elements[0])
            continue; /* half and bool vectors: the compiler will refuse them */
        size_t commas;
        size_t close = closing(&t, i + 3, &commas);
        if (close == t.n || commas == 0)
            continue; /* (float4)(x): clang's cast splats a scalar */
        if (commas + 1 == width) {
            /* In parentheses: the braces' commas must not split the
             * arguments of a macro the literal is passed to. */
            status |= add_edit(e, (edit){t.v[i].start, 1, {"((", NULL, NULL}, 0});
            status |= add_edit(e, (edit){t.v[i + 3].start, 1, {"{", NULL, NULL}, 0});
            status |= add_edit(e, (edit){t.v[close].start, 1, {"})", NULL, NULL}, 0});
        } else {
            status |= add_edit(e, (edit){t.v[i].start, 1, {"CLPOOL_VLIT(", NULL, NULL}, 0});
            status |= add_edit(e, (edit){t.v[i + 2].start, 1, {", ", elements[k].type, ", "}, 0});
            status |= add_edit(e, (edit){t.v[i + 3].start, 1, {elements[k].suffix, ", ", NULL}, 0});
        }
    }
    free(t.v);
    return status;
}

/* ------------------------------------------------- other uses of kernels */

/* The program's kernels sorted by name, so that finding the kernel a token
 * names costs log n: a program of many kernels stays linear in its size. */
typedef struct by_name {
    const clpool__kernel_sig **v;
    size_t n;
} by_name;

static int cmp_sig_name(const void *a, const void *b)
{
    const clpool__kernel_sig *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

static int by_name_make(const clpool_program *prog, by_name *out)
{
    out->n = prog->nsigs;
    out->v = out->n != 0 ? malloc(out->n * sizeof *out->v) : NULL;
    if (out->n != 0 && out->v == NULL)
        return -1;
    for (size_t k = 0; k < out->n; k++)
        out->v[k] = &prog->sigs[k];
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, cmp_sig_name);
    return 0;
}

static const clpool__kernel_sig *kernel_named(const by_name *names, const toks *t, size_t i)
{
    if (i >= t->n || t->v[i].kind != CLPOOL__TOK_IDENT)
        return NULL;
    const char *w = t->src + t->v[i].start;
    size_t len = t->v[i].len, lo = 0, hi = names->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *name = names->v[mid]->name;
        int c = strncmp(name, w, len);
        if (c == 0 && name[len] != '\0')
            c = 1; /* name is longer than the token */
        if (c == 0)
            return names->v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* A kernel's prototype gets the hidden parameters too, and a call of a
 * kernel from another function passes them on (inside a kernel: the
 * caller's item; inside a helper: the file-scope copies). */
static int kernel_uses(const clpool_program *prog, edits *e)
{
    toks t;
    by_name names;
    if (by_name_make(prog, &names) != 0)
        return -1;
    if (tokenise(prog->source, &t) != 0) {
        free(names.v);
        return -1;
    }
    int status = 0;
    size_t braces = 0, boundary = 0;
    for (size_t i = 0; i + 1 < t.n && status == 0; i++) {
        if (!t.v[i].directive && punct(&t, i, '{')) {
            braces++;
        } else if (!t.v[i].directive && punct(&t, i, '}')) {
            braces -= braces > 0;
            if (braces == 0)
                boundary = i + 1;
        } else if (!t.v[i].directive && braces == 0 && punct(&t, i, ';')) {
            boundary = i + 1;
        }
        const clpool__kernel_sig *sig = kernel_named(&names, &t, i);
        if (sig == NULL || !punct(&t, i + 1, '('))
            continue;
        /* The definition the parser reported is edited already (the parser
         * reports each name once). */
        if (sig->name_offset == t.v[i].start)
            continue;
        size_t commas;
        size_t close = closing(&t, i + 1, &commas);
        if (close == t.n)
            continue;
        size_t open_at = t.v[i + 1].start + 1;
        int empty = close == i + 2;
        if (braces > 0 || t.v[i].directive) {
            status |= add_edit(e, (edit){open_at, 0, {"clpool_wi_, clpool_gid_",
                                                      empty ? NULL : ", ", NULL}, 0});
            continue;
        }
        /* At file scope, after a kernel keyword: a prototype (';' follows),
         * or another definition of the kernel ('{' follows: the parser
         * reports a name once, and #if branches may each define it). */
        int is_kernel = 0;
        for (size_t j = boundary; j < i; j++)
            is_kernel |= ident_is(&t, j, "__kernel") || ident_is(&t, j, "kernel");
        if (!is_kernel || !(punct(&t, close + 1, ';') || punct(&t, close + 1, '{')))
            continue;
        edit ed = {open_at, 0, {HIDDEN_PARAMS ", ", NULL, NULL}, 0};
        if (empty || (close == i + 3 && ident_is(&t, i + 2, "void"))) {
            ed.del = t.v[close].start - open_at;
            ed.ins[0] = HIDDEN_PARAMS;
            ed.keep_newlines = 1;
        }
        status |= add_edit(e, ed);
    }
    free(t.v);
    free(names.v);
    return status;
}

/* ------------------------------------------------------------- callers */

/* The type of a by-value parameter without its qualifiers, so that the
 * caller can declare a variable of it and copy the bytes in. */
void clpool__gen_unqualified(clpool__buf *b, const clpool__param *p)
{
    const char *type = p->type != NULL && p->type[0] != '\0' ? p->type : p->base;
    const char *s = type;
    int first = 1;
    while (*s != '\0') {
        while (*s == ' ')
            s++;
        const char *w = s;
        while (*s != '\0' && *s != ' ')
            s++;
        size_t n = (size_t)(s - w);
        if (n == 0)
            break;
        static const char *const drop[] = {"const", "volatile", "restrict", "__restrict",
                                           "__private", "private"};
        int dropped = 0;
        for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
            if (strlen(drop[i]) == n && memcmp(w, drop[i], n) == 0)
                dropped = 1;
        if (dropped)
            continue;
        if (!first)
            clpool__buf_add(b, " ", 1);
        clpool__buf_add(b, w, n);
        first = 0;
    }
}

/* ------------------------------------------------- item-loop versions
 *
 * A kernel with an inner loop over a uniform count (n-body's `for (j = 0;
 * j < count; j++)`) is vectorised across items, as OpenMP's `simd` over the
 * outer loop does, only if gcc sees the inner loop run unconditionally: its
 * guard `count > 0` is control flow in the item loop, gcc 12 does not
 * unswitch it out of an outer loop, and it falls back to vectorising the
 * inner loop as an in-order reduction (without fast-math the sums cannot be
 * reordered), 4x slower than OpenMP on 2 CPUs. So the caller unswitches it:
 * for up to VERSION_PARAMS integer by-value parameters that a for loop of
 * the source is bounded by (`< count`, `<= n`), it emits the item loop once with
 * `count > 0` known and once without. Measured with clpool-speed_vs_openmp
 * (figure 4) and -fopt-info-vec: the item loop of kernels/nbody.cl is then
 * vectorised with 64-byte vectors. */
#define VERSION_PARAMS 2

static int is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Is the text before p (back to the start of source) inside the condition
 * of a for statement's header: `for (init; ` with no brace or second `;`
 * between? */
static int in_for_condition(const char *source, const char *p)
{
    int semis = 0;
    for (const char *q = p; q > source && p - q < 256; q--) {
        char c = q[-1];
        if (c == '{' || c == '}')
            return 0;
        if (c == ';' && ++semis > 1)
            return 0;
        if (c == '(') {
            const char *r = q - 1;
            while (r > source && (r[-1] == ' ' || r[-1] == '\t'))
                r--;
            return semis == 1 && r - source >= 3 && memcmp(r - 3, "for", 3) == 0 &&
                   (r - 3 == source || !is_ident(r[-4]));
        }
    }
    return 0;
}

/* Does source compare something against name with < or <= in the condition
 * of a for loop (`for (j = 0; j < count; j++)`)? A while loop's bound
 * (Mandelbrot's `n < max_iter && ...`) is not one: its loop does not
 * vectorise across items either way, and the versions cost it 2-5%
 * (measured: single-core CPU time of its caller, 1024x1024 items). */
static int compared_against(const char *source, const char *name)
{
    size_t len = strlen(name);
    if (len == 0)
        return 0;
    for (const char *p = strstr(source, name); p != NULL; p = strstr(p + 1, name)) {
        if ((p > source && is_ident(p[-1])) || is_ident(p[len]))
            continue;
        const char *q = p;
        while (q > source && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '('))
            q--;
        if (q > source && q[-1] == '=' && q - 1 > source && q[-2] == '<' &&
            in_for_condition(source, p))
            return 1;
        if (q > source && q[-1] == '<' && !(q - 1 > source && q[-2] == '<') &&
            in_for_condition(source, p))
            return 1;
    }
    return 0;
}

static int is_integer_type(const char *t)
{
    static const char *const ints[] = {"int",  "uint",   "long",   "ulong", "short", "ushort",
                                       "char", "uchar",  "size_t", "unsigned int",
                                       "unsigned", "unsigned long", "signed int"};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (strcmp(t, ints[i]) == 0)
            return 1;
    return 0;
}

/* The item loop, nested in if/else on each parameter of ver[depth..]. */
static void versions(clpool__buf *b, const size_t *ver, unsigned nver, unsigned depth,
                     const char *loop)
{
    if (depth == nver) {
        clpool__buf_str(b, loop);
        return;
    }
    clpool__buf_fmt(b, "            if (clpool_a%zu_ > 0) {\n", ver[depth]);
    versions(b, ver, nver, depth + 1, loop);
    clpool__buf_str(b, "            } else {\n");
    versions(b, ver, nver, depth + 1, loop);
    clpool__buf_str(b, "            }\n");
}

/* The caller's first lines: the arguments out of clpool_args_ and the
 * range into locals. */
static void caller_prologue(clpool__buf *b, const clpool__kernel_sig *sig)
{
    for (size_t p = 0; p < sig->nparams; p++) {
        const clpool__param *par = &sig->params[p];
        if (par->kind == CLPOOL__PARAM_SCALAR) {
            /* memcpy: the bytes need not be aligned for the type */
            clpool__buf_str(b, "    ");
            clpool__gen_unqualified(b, par);
            clpool__buf_fmt(b, " clpool_a%zu_;\n    __builtin_memcpy(&clpool_a%zu_, "
                               "clpool_args_[%zu], sizeof clpool_a%zu_);\n",
                            p, p, p, p);
        } else {
            /* void * converts to the kernel's pointer type at the call */
            clpool__buf_fmt(b, "    void *clpool_a%zu_ = clpool_args_[%zu];\n", p, p);
        }
    }
    /* A copy of the range: the compiler then knows that the kernel's stores
     * cannot change it, and keeps its fields in registers. */
    clpool__buf_str(b, "    const clpool_range_t_ clpool_rc_ = *clpool_r_;\n"
                       "    clpool_wi_t_ clpool_w_;\n"
                       "    clpool_w_.r = &clpool_rc_;\n");
}

/* The exported caller's declaration and the start of its definition, to
 * the end of its prologue. */
static void exported_head(clpool__buf *b, const clpool__kernel_sig *sig, const char *params)
{
    clpool__buf_fmt(b, "void " CLPOOL__NATIVE_PREFIX "%s%s"
                       " __attribute__((visibility(\"default\")));\n",
                    sig->name, params);
    clpool__buf_fmt(b, "void " CLPOOL__NATIVE_PREFIX "%s%s\n{\n", sig->name, params);
    caller_prologue(b, sig);
}

/* The exported caller of the ABI in native.h: the groups [gb, ge) of the
 * range, each run row by row (dimensions 2 and 1), and each row as one loop
 * over dimension 0 that the compiler can inline the kernel into and
 * vectorise. A kernel that asks nothing of its groups (agnostic) runs a 1-D
 * range's groups as one loop instead; the row-by-row path is then a
 * function of its own, not inlined: with both loops in one function, gcc 12
 * kept Black-Scholes' constants in stack slots across the vector math
 * calls, and its one loop ran 15% slower than the row loop it replaced
 * (measured on 2^20 items, the two callers alternated in one process). */
static void caller(clpool__buf *b, const clpool__kernel_sig *sig, int helpers, int agnostic,
                   const char *source)
{
    const char *params = "(void *const *clpool_args_, const clpool_range_t_ *clpool_r_, "
                         "size_t clpool_gb_, size_t clpool_ge_)";
    clpool__sizes_native(b, sig);
    /* The loop over one run of items [clpool_b0_, clpool_e0_). */
    clpool__buf loop = {0};
    size_t ver[VERSION_PARAMS];
    unsigned nver = 0;
    if (helpers) {
        /* Helpers read the file-scope copies, so items must run one after
         * the other: no simd. */
        clpool__buf_str(&loop, "            clpool_wi_ = &clpool_w_;\n"
                               "            for (size_t clpool_i_ = clpool_b0_; clpool_i_ < "
                               "clpool_e0_; clpool_i_++) {\n"
                               "                clpool_gid_ = clpool_i_;\n");
    } else {
        clpool__buf_str(&loop, "#pragma omp simd\n"
                               "            for (size_t clpool_i_ = clpool_b0_; clpool_i_ < "
                               "clpool_e0_; clpool_i_++) {\n");
        for (size_t p = 0; p < sig->nparams && nver < VERSION_PARAMS; p++) {
            const clpool__param *par = &sig->params[p];
            if (par->kind == CLPOOL__PARAM_SCALAR && par->base != NULL && par->name != NULL &&
                is_integer_type(par->base) && compared_against(source, par->name))
                ver[nver++] = p;
        }
    }
    clpool__buf_fmt(&loop, "                %s(&clpool_w_, clpool_i_", sig->name);
    for (size_t p = 0; p < sig->nparams; p++)
        clpool__buf_fmt(&loop, ", clpool_a%zu_", p);
    clpool__buf_str(&loop, ");\n            }\n");
    if (loop.data == NULL || loop.failed) {
        b->failed = 1;
        clpool__buf_free(&loop);
        return;
    }

    /* The row-by-row path: the whole body, or the function the 1-D path
     * calls for the other ranges. */
    if (agnostic) {
        clpool__buf_fmt(b, "static __attribute__((noinline)) void clpool_groups_%s%s\n{\n",
                        sig->name, params);
        caller_prologue(b, sig);
    } else {
        exported_head(b, sig, params);
    }
    clpool__buf_str(b, "    for (size_t clpool_g_ = clpool_gb_; clpool_g_ < clpool_ge_; "
                       "clpool_g_++) {\n"
                       "        clpool_wi_group_(&clpool_w_, clpool_g_);\n"
                       "        for (size_t clpool_l2_ = 0; clpool_l2_ < clpool_w_.lsize[2]; "
                       "clpool_l2_++)\n"
                       "        for (size_t clpool_l1_ = 0; clpool_l1_ < clpool_w_.lsize[1]; "
                       "clpool_l1_++) {\n"
                       "            clpool_wi_row_(&clpool_w_, clpool_l1_, clpool_l2_);\n"
                       "            const size_t clpool_b0_ = clpool_w_.base0;\n"
                       "            const size_t clpool_e0_ = clpool_b0_ + clpool_w_.lsize[0];\n");
    versions(b, ver, nver, 0, loop.data);
    clpool__buf_str(b, "        }\n    }\n    (void)clpool_args_;\n}\n\n");
    if (agnostic) {
        /* Its items see nothing of their groups: a 1-D range's groups
         * [gb, ge) are one run of items, and one loop (small local sizes
         * would otherwise cost a loop's start per group). */
        exported_head(b, sig, params);
        clpool__buf_str(b, "    if (clpool_rc_.dims == 1 && clpool_gb_ < clpool_ge_) {\n"
                           "        clpool_wi_group_(&clpool_w_, clpool_gb_);\n"
                           "        clpool_wi_row_(&clpool_w_, 0, 0);\n"
                           "        const size_t clpool_b0_ = clpool_w_.base0;\n"
                           "        size_t clpool_e0_ = clpool_ge_ * clpool_rc_.elsize[0];\n"
                           "        if (clpool_e0_ > clpool_rc_.gsize[0])\n"
                           "            clpool_e0_ = clpool_rc_.gsize[0];\n"
                           "        clpool_e0_ += clpool_rc_.off[0];\n");
        versions(b, ver, nver, 0, loop.data);
        clpool__buf_fmt(b, "        return;\n    }\n"
                           "    clpool_groups_%s(clpool_args_, clpool_r_, clpool_gb_, "
                           "clpool_ge_);\n}\n\n",
                        sig->name);
    }
    clpool__buf_free(&loop);
}

/* ------------------------------------------------------ work-item loops */

/* How many times name appears as a name in the program. */
static size_t uses_of(const char *src, const char *name)
{
    clpool__scan s;
    clpool__tok t;
    size_t n = 0, len = strlen(name);
    clpool__scan_init(&s, src);
    while (clpool__scan_next(&s, &t))
        n += t.kind == CLPOOL__TOK_IDENT && t.len == len && memcmp(src + t.start, name, len) == 0;
    return n;
}

/* For each kernel with barriers whose body the work-item loops handle
 * (clc/wg_loops.c), and that nothing else edits or calls: its body's
 * replacement, in place of the edits inside it (the loops declare the
 * group memory themselves). The rest keep the fibers. */
static int work_item_loops(const clpool_program *prog, const clpool__native_facts *facts,
                           const int *fibers, edits *e, clpool__buf *texts, int *loops)
{
    if (fibers == NULL || facts->helpers_use_gid)
        return CLPOOL_OK; /* helpers read the item from file scope: fibers set it */
    clpool__body *bodies = calloc(prog->nsigs != 0 ? prog->nsigs : 1, sizeof *bodies);
    if (bodies == NULL)
        return clpool__error(prog->pool, CLPOOL_ENOMEM, "no memory to scan the program");
    clpool__find_bodies(prog->source, prog->sigs, prog->nsigs, bodies);
    int status = CLPOOL_OK;
    for (size_t k = 0; k < prog->nsigs && status == CLPOOL_OK; k++) {
        const clpool__body *b = &bodies[k];
        if (fibers[k] != 2 || b->close == 0 || uses_of(prog->source, prog->sigs[k].name) != 1)
            continue;
        int others = 0; /* edits inside the body other than the group memory's */
        for (size_t i = 0; i < e->n; i++)
            if (e->v[i].at > b->open && e->v[i].at < b->close &&
                !(e->v[i].ins[0] != NULL && strcmp(e->v[i].ins[0], "static") == 0 &&
                  e->v[i].del > 0))
                others = 1;
        if (others)
            continue;
        int r = clpool__wg_loops(prog, &prog->sigs[k], b->open, b->close, &texts[k]);
        if (r < 0) {
            status = clpool__error(prog->pool, CLPOOL_ENOMEM,
                                   "no memory to generate the native source");
            break;
        }
        if (r == 0) {
            clpool__buf_free(&texts[k]);
            continue;
        }
        size_t kept = 0;
        for (size_t i = 0; i < e->n; i++)
            if (!(e->v[i].at > b->open && e->v[i].at < b->close))
                e->v[kept++] = e->v[i];
        e->n = kept;
        if (add_edit(e, (edit){b->open + 1, b->close - b->open - 1, {texts[k].data, NULL, NULL},
                               0}) != 0) {
            status = clpool__error(prog->pool, CLPOOL_ENOMEM,
                                   "no memory to generate the native source");
            break;
        }
        loops[k] = 1;
    }
    free(bodies);
    return status;
}

/* ------------------------------------------------------------ selection */

/* The selection's part of the edits (select.h): each blanked range takes
 * the place of the edits inside it, and each built kernel definition gets
 * its marker after its '}'. */
static int selection_edits(const clpool__native_facts *facts, edits *e)
{
    size_t kept = 0;
    for (size_t i = 0; i < e->n; i++) {
        int inside = 0;
        for (size_t b = 0; b < facts->nblanks && !inside; b++)
            inside = e->v[i].at >= facts->blanks[b].start && e->v[i].at < facts->blanks[b].end;
        if (!inside)
            e->v[kept++] = e->v[i];
    }
    e->n = kept;
    int status = 0;
    for (size_t s = 0; s < facts->nsites; s++) {
        /* A blank that starts where a marker goes carries it (edits at one
         * offset would not keep their order). */
        const char *text = facts->sites[s].text;
        for (size_t b = 0; b < facts->nblanks && text != NULL; b++)
            if (facts->blanks[b].start == facts->sites[s].at)
                text = NULL;
        if (text != NULL)
            status |= add_edit(e, (edit){facts->sites[s].at, 0, {text, NULL, NULL}, 0});
    }
    for (size_t b = 0; b < facts->nblanks; b++) {
        edit ed = {facts->blanks[b].start, facts->blanks[b].end - facts->blanks[b].start,
                   {NULL, NULL, NULL}, 1};
        for (size_t s = 0; s < facts->nsites; s++)
            if (facts->sites[s].at == ed.at)
                ed.ins[0] = facts->sites[s].text;
        status |= add_edit(e, ed);
    }
    return status;
}

/* ---------------------------------------------------------------- text */

int clpool__native_gen(const clpool_program *prog, const clpool__native_facts *facts,
                       int vectors, const int *fibers, clpool__buf *out)
{
    const char *src = prog->source;
    size_t len = strlen(src);
    edits e = {0};
    int status = CLPOOL_OK;
    clpool__buf *loop_texts = calloc(prog->nsigs != 0 ? prog->nsigs : 1, sizeof *loop_texts);
    int *loops = calloc(prog->nsigs != 0 ? prog->nsigs : 1, sizeof *loops);
    if (loop_texts == NULL || loops == NULL) {
        free(loop_texts);
        free(loops);
        return clpool__error(prog->pool, CLPOOL_ENOMEM, "no memory to generate the native source");
    }

    for (size_t k = 0; k < prog->nsigs; k++) {
        const clpool__kernel_sig *sig = &prog->sigs[k];
        if (sig->open_paren >= len || src[sig->open_paren] != '(' ||
            sig->close_paren >= len || src[sig->close_paren] != ')' ||
            sig->close_paren <= sig->open_paren) {
            status = clpool__error(prog->pool, CLPOOL_EBUILD,
                                   "kernel '%s' at %s:%u: clpool could not find its parameter "
                                   "list",
                                   sig->name, prog->path, sig->line);
            goto free_edits;
        }
        /* A reqd_work_group_size the parser could not read would leave the
         * fork backend picking another size, and a kernel whose tiles
         * need that one would run wrong: refused instead. */
        if (sig->reqd[0] == 0) {
            size_t from = sig->name_offset;
            while (from > 0 && src[from - 1] != ';' && src[from - 1] != '}')
                from--;
            const char *attr = NULL;
            for (const char *q = src + from; q < src + sig->name_offset; q++)
                if (strncmp(q, "reqd_work_group_size", 20) == 0) {
                    attr = q;
                    break;
                }
            if (attr != NULL) {
                status = clpool__error(prog->pool, CLPOOL_EBUILD,
                                       "kernel '%s' at %s:%u declares reqd_work_group_size "
                                       "with sizes the fork backend cannot read; write them as "
                                       "numbers or as macros #define'd to numbers",
                                       sig->name, prog->path, sig->line);
                goto free_edits;
            }
        }
        edit ed = {sig->open_paren + 1, 0, {HIDDEN_PARAMS ", ", NULL, NULL}, 0};
        if (sig->nparams == 0) {
            /* () or (void): the list becomes the hidden parameters alone */
            ed.del = sig->close_paren - sig->open_paren - 1;
            ed.ins[0] = HIDDEN_PARAMS;
            ed.keep_newlines = 1;
        }
        if (add_edit(&e, ed) != 0)
            goto no_memory;
    }
    if (kernel_uses(prog, &e) != 0 || (vectors && vector_literals(src, &e) != 0))
        goto no_memory;
    clpool__wg_edit *locals;
    size_t nlocals;
    if (clpool__wg_local_edits(src, &locals, &nlocals) != 0)
        goto no_memory;
    for (size_t i = 0; i < nlocals; i++)
        if (add_edit(&e, (edit){locals[i].at, locals[i].del, {locals[i].ins, NULL, NULL}, 0}) !=
            0) {
            free(locals);
            goto no_memory;
        }
    free(locals);
    status = work_item_loops(prog, facts, fibers, &e, loop_texts, loops);
    if (status != CLPOOL_OK)
        goto free_edits;
    /* Last: the blanks replace every edit inside them. */
    if (selection_edits(facts, &e) != 0)
        goto no_memory;
    if (e.n > 0) /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(e.v, e.n, sizeof *e.v, by_offset);

    size_t at = 0;
    for (size_t i = 0; i < e.n; i++) {
        const edit *ed = &e.v[i];
        if (ed->at < at)
            continue; /* overlapping edits cannot happen; be safe anyway */
        clpool__buf_add(out, src + at, ed->at - at);
        for (size_t j = 0; j < 3; j++)
            if (ed->ins[j] != NULL)
                clpool__buf_str(out, ed->ins[j]);
        if (ed->keep_newlines)
            for (size_t j = 0; j < ed->del; j++)
                if (src[ed->at + j] == '\n')
                    clpool__buf_add(out, "\n", 1);
        at = ed->at + ed->del;
    }
    clpool__buf_add(out, src + at, len - at);

    /* A simd loop that cannot vectorise (a kernel with a loop of its own)
     * is no news to the user: clang would warn about each. */
    clpool__buf_str(out, "\n#line 1 \"<clpool generated callers>\"\n"
                         "#ifdef __clang__\n#pragma clang diagnostic ignored \"-Wpass-failed\"\n"
                         "#endif\n");
    /* The parser reports each name once (a kernel defined in two #if
     * branches is the first), so each gets one caller, compiled only where
     * the preprocessor kept a definition of it (select.h). */
    int *agnostic = clpool__wg_group_agnostic(prog); /* NULL: the general callers */
    for (size_t k = 0; k < prog->nsigs; k++) {
        if (!facts->has_caller[k])
            continue;
        clpool__buf_fmt(out, "#ifdef " CLPOOL__DEFINED_MARK "%zu\n", k);
        if (loops[k])
            clpool__wg_loop_caller(out, &prog->sigs[k]);
        else if (fibers != NULL && fibers[k])
            clpool__wg_caller(out, &prog->sigs[k]);
        else
            caller(out, &prog->sigs[k], facts->helpers_use_gid,
                   agnostic != NULL && agnostic[k], src);
        clpool__buf_str(out, "#endif\n");
    }
    free(agnostic);
    if (out->failed)
        goto no_memory;
    goto free_edits;

no_memory:
    status = clpool__error(prog->pool, CLPOOL_ENOMEM, "no memory to generate the native source");
free_edits:
    for (size_t k = 0; k < prog->nsigs; k++)
        clpool__buf_free(&loop_texts[k]);
    free(loop_texts);
    free(loops);
    free(e.v);
    return status;
}
