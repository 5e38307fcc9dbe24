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
    size_t depth = 0, last_semicolon = 0, next_sig = 0;
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
                /* sigs are in source order: the braces' offsets only grow,
                 * so one pass over them finds each. */
                while (next_sig < n && sigs[next_sig].close_paren < t.start)
                    next_sig++;
                pending = next_sig > 0 ? &sigs[next_sig - 1] : NULL;
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

const char clpool__why_groups[] = "no work-groups on this path";
#define why_groups clpool__why_groups
static const char why_images[] = "no images on this path";
static const char why_enqueue[] = "no device-side enqueue on this path";
static const char why_subgroups[] = "no sub-groups on this path";
static const char why_printf[] = "no printf on this path";

typedef clpool__refusal refusal;

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
const clpool__refusal *clpool__refused_name(const char *name, size_t len)
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
int clpool__names_vector(const char *name, size_t len)
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

int clpool__asks_for_gid(const char *name, size_t len)
{
    return name_is(name, len, "get_global_id") || name_is(name, len, "get_global_size") ||
           name_is(name, len, "get_group_id") || name_is(name, len, "get_num_groups") ||
           name_is(name, len, "get_global_linear_id");
}

/* ------------------------------------------------- preprocessor branches */

typedef clpool__conds conds;
typedef clpool__cond cond;
#define MAX_NESTING CLPOOL__MAX_NESTING

int clpool__conds_skipping(const clpool__conds *c)
{
    for (size_t i = 0; i < c->depth; i++)
        if (c->stack[i].skip)
            return 1;
    return 0;
}

void clpool__conds_directive(clpool__conds *c, const char *kw, size_t kwlen, int v)
{
    if (name_is(kw, kwlen, "if") || name_is(kw, kwlen, "ifdef") || name_is(kw, kwlen, "ifndef")) {
        if (c->depth == MAX_NESTING) {
            c->overflow++;
            return;
        }
        c->stack[c->depth++] = (cond){v == 0, v == 1, v == -1, v == 1};
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
            top->sure = 0;
        } else {
            top->skip = v == 0;
            /* Compiled for sure only when every branch before it is known
             * not to be. */
            top->sure = v == 1 && !top->unknown;
            /* After a branch known to be taken, none of the later ones is
             * compiled, whatever the unknown ones before it were. */
            top->taken = v == 1;
            top->unknown |= v == -1;
        }
    } else if (name_is(kw, kwlen, "else")) {
        top->skip = top->taken;
        top->sure = !top->taken && !top->unknown;
        top->taken = 1;
    } else if (name_is(kw, kwlen, "endif")) {
        c->depth--;
    }
}

int clpool__conds_sure(const clpool__conds *c)
{
    if (c->overflow > 0)
        return 0;
    for (size_t i = 0; i < c->depth; i++)
        if (!c->stack[i].sure)
            return 0;
    return 1;
}

/* ------------------------------------------------------------- messages */

void clpool__refusal_shown(char *out, size_t cap, const clpool__refusal *r, const char *name,
                           size_t len)
{
    if (r->shown != NULL && r->shown[0] != '\0')
        snprintf(out, cap, "%s", r->shown);
    else
        snprintf(out, cap, "%.*s%s", (int)(len < 80 ? len : 80), name,
                 r->shown == NULL ? "()" : "");
}

