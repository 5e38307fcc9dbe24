/* libFuzzer harness: the fork backend's kernel selection (the constructs it
 * cannot run, carried through the functions and macros that use them, and
 * the preprocessor branches it judges) on any text that the signature
 * parser accepts. */
#include "fuzz_util.h"

#include "clc/select.h"
#include "clc/signature.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = fuzz_cstring(data, size);
    clpool_program prog;
    memset(&prog, 0, sizeof prog);
    prog.pool = fuzz_pool();
    prog.source = src;
    prog.path = "<fuzz>";
    prog.options = "";
    if (clpool__sig_parse(src, &prog.sigs, &prog.nsigs) != 0)
        goto free_src;
    for (int vectors_ok = 0; vectors_ok < 2; vectors_ok++) {
        clpool__native_facts facts;
        if (clpool__native_select(&prog, vectors_ok, &facts) == CLPOOL_OK)
            clpool__native_facts_free(&facts);
        fuzz_pool_reset();
    }
    clpool__sig_free(prog.sigs, prog.nsigs);
free_src:
    free(src);
    return 0;
}
