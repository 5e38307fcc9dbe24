/* Generating window wrappers (see window.h). */
#include "window.h"

#include "clc/scan.h"
#include "clc/sizes.h"

#include "buf.h"

#include <stdlib.h>
#include <string.h>

static int is_pointer(clpool__param_kind kind)
{
    return kind == CLPOOL__PARAM_GLOBAL || kind == CLPOOL__PARAM_CONSTANT;
}

int clpool__window_wrappable(const clpool__kernel_sig *sig)
{
    int pointers = 0;
    for (size_t i = 0; i < sig->nparams; i++) {
        clpool__param_kind kind = sig->params[i].kind;
        if (is_pointer(kind))
            pointers = 1;
        else if (kind != CLPOOL__PARAM_SCALAR && kind != CLPOOL__PARAM_LOCAL)
            return 0; /* __local pointers pass through unshifted */
    }
    return pointers;
}

static void add_wrapper(clpool__buf *b, const clpool__kernel_sig *sig)
{
    clpool__buf_fmt(b, "__kernel void " CLPOOL__WINDOW_PREFIX "%s(", sig->name);
    for (size_t i = 0; i < sig->nparams; i++)
        clpool__buf_fmt(b, "%s%s clpool_p%zu", i ? ", " : "", sig->params[i].type, i);
    for (size_t i = 0; i < sig->nparams; i++)
        if (is_pointer(sig->params[i].kind))
            clpool__buf_fmt(b, ", ulong clpool_s%zu", i);
    clpool__buf_fmt(b, ")\n{\n    %s(", sig->name);
    for (size_t i = 0; i < sig->nparams; i++) {
        const clpool__param *p = &sig->params[i];
        if (i > 0)
            clpool__buf_str(b, ", ");
        if (is_pointer(p->kind))
            /* Through char so that the shift is in bytes whatever the
             * element type; the casts drop and restore const explicitly. */
            clpool__buf_fmt(b, "(%s)((%s char *)clpool_p%zu - clpool_s%zu)", p->type,
                            p->kind == CLPOOL__PARAM_GLOBAL ? "__global" : "__constant", i, i);
        else
            clpool__buf_fmt(b, "clpool_p%zu", i);
    }
    clpool__buf_str(b, ");\n}\n");
}

int clpool__window_uses_groups(const char *source)
{
    static const char *const words[] = {"get_group_id", "get_num_groups",
                                        "get_global_linear_id", "__local", "local", "barrier",
                                        "work_group_barrier", NULL};
    clpool__scan s;
    clpool__tok t;
    clpool__scan_init(&s, source);
    while (clpool__scan_next(&s, &t)) {
        if (t.kind != CLPOOL__TOK_IDENT)
            continue;
        for (const char *const *w = words; *w != NULL; w++)
            if (strlen(*w) == t.len && memcmp(source + t.start, *w, t.len) == 0)
                return 1;
    }
    return 0;
}

int clpool__window_local_vars(const char *source, const clpool__kernel_sig *sigs, size_t nsigs)
{
    size_t params = 0, named = 0;
    for (size_t k = 0; k < nsigs; k++)
        for (size_t i = 0; i < sigs[k].nparams; i++)
            params += sigs[k].params[i].kind == CLPOOL__PARAM_LOCAL;
    clpool__scan s;
    clpool__tok t;
    clpool__scan_init(&s, source);
    while (clpool__scan_next(&s, &t))
        if (t.kind == CLPOOL__TOK_IDENT &&
            ((t.len == 7 && memcmp(source + t.start, "__local", 7) == 0) ||
             (t.len == 5 && memcmp(source + t.start, "local", 5) == 0)))
            named++;
    return named > params;
}

/* What follows a kernel: its window wrapper, and the table of its struct
 * parameters' sizes (clc/sizes.h), each where the kernel can have it. */
static void add_extras(clpool__buf *b, const clpool__kernel_sig *sig)
{
    if (clpool__window_wrappable(sig))
        add_wrapper(b, sig);
    clpool__sizes_opencl(b, sig);
}

/* Skips a comment, string or character literal starting at s[i], if one
 * does; returns the offset after it (the end of the text if unterminated). */
static size_t skip_lexical(const char *s, size_t len, size_t i)
{
    if (s[i] == '/' && i + 1 < len && s[i + 1] == '/') {
        while (i < len && s[i] != '\n')
            i++;
        return i;
    }
    if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
        const char *end = strstr(s + i + 2, "*/");
        return end != NULL ? (size_t)(end - s) + 2 : len;
    }
    if (s[i] == '"' || s[i] == '\'') {
        char quote = s[i++];
        while (i < len && s[i] != quote && s[i] != '\n')
            i += s[i] == '\\' && i + 1 < len ? 2 : 1;
        return i < len ? i + 1 : len;
    }
    return i;
}

/*
 * Where the wrapper of the kernel whose parameter list closes at
 * close_paren goes: the start of the line after the body's closing brace
 * (len at the end of the text), so that it sits inside the same
 * preprocessor conditionals as the kernel; a kernel that an #if removes
 * then takes its wrapper with it. 0 when the brace's line goes on with
 * anything but a // comment (the wrapper then goes at the end).
 */
static size_t after_body(const char *s, size_t len, size_t close_paren)
{
    size_t i = close_paren + 1;
    int depth = 0;
    while (i < len) {
        size_t next = skip_lexical(s, len, i);
        if (next != i) {
            i = next;
            continue;
        }
        if (s[i] == ';' && depth == 0)
            return 0; /* a declaration: no body */
        if (s[i] == '{')
            depth++;
        if (s[i] == '}' && --depth == 0)
            break;
        i++;
    }
    if (i >= len)
        return 0;
    i++;
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
        i++;
    if (i + 1 < len && s[i] == '/' && s[i + 1] == '/')
        i = skip_lexical(s, len, i);
    if (i == len)
        return len;
    return s[i] == '\n' ? i + 1 : 0;
}

/* The line of offset off, counting on from an earlier (*from, *line): the
 * places asked for increase, so the whole source is counted once. */
static unsigned line_at(const char *s, size_t off, size_t *from, unsigned *line)
{
    for (; *from < off; (*from)++)
        *line += s[*from] == '\n';
    return *line;
}

char *clpool__window_source(const char *source, const clpool__kernel_sig *sigs, size_t nsigs)
{
    const size_t len = strlen(source);
    clpool__buf b = {0};
    clpool__buf tail = {0}; /* wrappers that cannot sit beside their kernel */
    size_t copied = 0, counted = 0;
    unsigned line = 1;
    /* sigs are in source order, so the places are increasing. */
    for (size_t k = 0; k < nsigs; k++) {
        const clpool__kernel_sig *sig = &sigs[k];
        if (!clpool__window_wrappable(sig) && !clpool__sizes_wanted(sig))
            continue;
        size_t at = after_body(source, len, sig->close_paren);
        if (at == 0 || at < copied) {
            add_extras(&tail, sig);
            continue;
        }
        clpool__buf_add(&b, source + copied, at - copied);
        copied = at;
        if (at == len && (len == 0 || source[len - 1] != '\n'))
            clpool__buf_str(&b, "\n");
        add_extras(&b, sig);
        /* The compiler's line numbers go on from the kernel's file. */
        if (at < len)
            clpool__buf_fmt(&b, "#line %u\n", line_at(source, at, &counted, &line));
    }
    clpool__buf_add(&b, source + copied, len - copied);
    if (tail.len > 0) {
        /* The source may end inside a line (or a // comment). */
        clpool__buf_str(&b, "\n");
        clpool__buf_add(&b, tail.data, tail.len);
    }
    int failed = b.failed || tail.failed;
    clpool__buf_free(&tail);
    if (failed) {
        clpool__buf_free(&b);
        return NULL;
    }
    return clpool__buf_take(&b);
}
