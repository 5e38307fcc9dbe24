/* libFuzzer harness: the kernel signature parser on any text. */
#include "fuzz_util.h"

#include "clc/signature.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = fuzz_cstring(data, size);
    clpool__kernel_sig *sigs = NULL;
    size_t n = 0;
    if (clpool__sig_parse(src, &sigs, &n) == 0) {
        size_t len = strlen(src);
        for (size_t i = 0; i < n; i++) {
            /* What the parser promises about each kernel it reports. */
            if (sigs[i].name == NULL || sigs[i].name_offset >= len ||
                (sigs[i].nparams > 0 && sigs[i].params == NULL))
                abort();
            for (size_t j = 0; j < sigs[i].nparams; j++)
                if (sigs[i].params[j].name == NULL || sigs[i].params[j].type == NULL)
                    abort();
            (void)clpool__sig_find(sigs, n, sigs[i].name);
        }
        clpool__sig_free(sigs, n);
    }
    free(src);
    return 0;
}
