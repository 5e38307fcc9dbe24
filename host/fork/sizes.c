/* The struct sizes a program's kernels take, read from the built shared
 * object's tables (see clc/sizes.h). The parent opens the object only to
 * read them, with RTLD_LOCAL, and closes it: nothing in it runs here. */
#include "fork.h"

#include "clc/sizes.h"

#include <dlfcn.h>
#include <stdio.h>

int clpool__fork_read_sizes(clpool_program *prog, const char *so_path)
{
    int wanted = 0;
    for (size_t k = 0; k < prog->nsigs; k++)
        wanted |= clpool__sizes_wanted(&prog->sigs[k]);
    if (!wanted)
        return CLPOOL_OK;
    void *so = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (so == NULL)
        return clpool__error(prog->pool, CLPOOL_EBUILD, "%s: cannot open the built kernels to "
                             "read their parameter sizes: %s",
                             prog->path, dlerror());
    for (size_t k = 0; k < prog->nsigs; k++) {
        clpool__kernel_sig *sig = &prog->sigs[k];
        if (!clpool__sizes_wanted(sig))
            continue;
        char name[320];
        snprintf(name, sizeof name, CLPOOL__SIZES_PREFIX "%s", sig->name);
        const unsigned long long *table = dlsym(so, name);
        if (table != NULL)
            clpool__sizes_apply(sig, table);
    }
    (void)dlclose(so);
    return CLPOOL_OK;
}
