/* libFuzzer harness: the mapping of OpenCL build options to C compiler
 * flags on any text. */
#include "fuzz_util.h"

#include "clc/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *opts = fuzz_cstring(data, size);
    clpool__argv flags = {0};
    int status = clpool__map_options(fuzz_pool(), opts, &flags);
    /* A mapped flag is never empty and never a word a value could smuggle
     * in as a flag of its own: -D and -I always carry their value. */
    if (status == CLPOOL_OK)
        for (size_t i = 0; i < flags.n; i++)
            if (flags.v[i] == NULL || strcmp(flags.v[i], "-D") == 0 ||
                strcmp(flags.v[i], "-I") == 0)
                abort();
    clpool__argv_free(&flags);
    fuzz_pool_reset();
    free(opts);
    return 0;
}
