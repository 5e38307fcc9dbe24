/* The tables of compiler-known parameter sizes (see sizes.h). */
#include "clc/sizes.h"

#include <string.h>

static int unknown(const clpool__param *p)
{
    return p->size == 0 && p->base != NULL && p->base[0] != '\0' &&
           strcmp(p->base, "void") != 0 &&
           (p->kind == CLPOOL__PARAM_SCALAR || p->kind == CLPOOL__PARAM_GLOBAL ||
            p->kind == CLPOOL__PARAM_CONSTANT);
}

int clpool__sizes_wanted(const clpool__kernel_sig *sig)
{
    for (size_t p = 0; p < sig->nparams; p++)
        if (unknown(&sig->params[p]))
            return 1;
    return 0;
}

void clpool__sizes_native(clpool__buf *b, const clpool__kernel_sig *sig)
{
    if (!clpool__sizes_wanted(sig))
        return;
    clpool__buf_fmt(b, "const unsigned long long " CLPOOL__SIZES_PREFIX "%s[%zu] "
                       "__attribute__((visibility(\"default\"))) = {",
                    sig->name, sig->nparams);
    for (size_t p = 0; p < sig->nparams; p++) {
        const clpool__param *par = &sig->params[p];
        if (unknown(par))
            clpool__buf_fmt(b, "%ssizeof(%s)", p ? ", " : "", par->base);
        else
            clpool__buf_str(b, p ? ", 0" : "0");
    }
    clpool__buf_str(b, "};\n");
}

void clpool__sizes_opencl(clpool__buf *b, const clpool__kernel_sig *sig)
{
    if (!clpool__sizes_wanted(sig))
        return;
    clpool__buf_fmt(b, "__kernel void " CLPOOL__SIZES_PREFIX "%s(__global ulong *clpool_o)\n{\n",
                    sig->name);
    for (size_t p = 0; p < sig->nparams; p++)
        if (unknown(&sig->params[p]))
            clpool__buf_fmt(b, "    clpool_o[%zu] = sizeof(%s);\n", p, sig->params[p].base);
    clpool__buf_str(b, "}\n");
}

void clpool__sizes_apply(clpool__kernel_sig *sig, const unsigned long long *table)
{
    for (size_t p = 0; p < sig->nparams; p++)
        if (unknown(&sig->params[p]) && table[p] != 0)
            sig->params[p].size = (size_t)table[p];
}
