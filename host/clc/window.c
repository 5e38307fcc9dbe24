/* Generating window wrappers (see window.h). */
#include "window.h"

#include "buf.h"

#include <stdlib.h>

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
        else if (kind != CLPOOL__PARAM_SCALAR)
            return 0;
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

char *clpool__window_source(const clpool__kernel_sig *sigs, size_t nsigs)
{
    clpool__buf b = {0};
    for (size_t i = 0; i < nsigs; i++) {
        if (!clpool__window_wrappable(&sigs[i]))
            continue;
        /* The user's source may end inside a line (or a // comment). */
        if (b.len == 0)
            clpool__buf_str(&b, "\n");
        add_wrapper(&b, &sigs[i]);
    }
    if (b.failed) {
        clpool__buf_free(&b);
        return NULL;
    }
    return clpool__buf_take(&b);
}
