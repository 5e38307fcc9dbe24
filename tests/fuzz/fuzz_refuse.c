/* libFuzzer harness: the fork backend's refusal scanner (the constructs it
 * cannot run, found per kernel body) on any text that the signature parser
 * accepts. */
#include "fuzz_util.h"

#include "clc/refuse.h"
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
    clpool__body *bodies = calloc(prog.nsigs != 0 ? prog.nsigs : 1, sizeof *bodies);
    if (bodies == NULL)
        abort();
    clpool__find_bodies(src, prog.sigs, prog.nsigs, bodies);
    clpool__native_facts facts;
    memset(&facts, 0, sizeof facts);
    if (clpool__native_refuse(&prog, bodies, &facts) == CLPOOL_OK && facts.uses_vectors)
        (void)clpool__native_refuse_vectors(&prog, &facts);
    fuzz_pool_reset();
    free(bodies);
    clpool__sig_free(prog.sigs, prog.nsigs);
free_src:
    free(src);
    return 0;
}
