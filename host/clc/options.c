/* Build options for the native path (see options.h). */
#include "clc/options.h"

#include <stdlib.h>
#include <string.h>

#include "clc/buf.h"

int clpool__argv_add(clpool__argv *a, const char *s)
{
    if (a->n + 2 > a->cap) {
        size_t cap = a->cap != 0 ? a->cap * 2 : 16;
        char **grown = realloc(a->v, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        a->v = grown;
        a->cap = cap;
    }
    char *copy = clpool__strdup(s);
    if (copy == NULL)
        return -1;
    a->v[a->n++] = copy;
    a->v[a->n] = NULL;
    return 0;
}

void clpool__argv_free(clpool__argv *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int clpool__split_words(const char *text, clpool__argv *out)
{
    clpool__buf word = {0};
    const char *p = text;
    int status = 0;

    for (;;) {
        while (is_blank(*p))
            p++;
        if (*p == '\0')
            break;
        char quote = 0;
        word.len = 0;
        clpool__buf_add(&word, "", 0);
        while (*p != '\0' && (quote != 0 || !is_blank(*p))) {
            char c = *p++;
            if (quote == '\'') {
                if (c == '\'')
                    quote = 0;
                else
                    clpool__buf_add(&word, &c, 1);
            } else if (c == '\\' && *p != '\0' && (quote == 0 || *p == '"' || *p == '\\')) {
                clpool__buf_add(&word, p++, 1);
            } else if (quote == '"') {
                if (c == '"')
                    quote = 0;
                else
                    clpool__buf_add(&word, &c, 1);
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else {
                clpool__buf_add(&word, &c, 1);
            }
        }
        if (quote != 0) {
            status = 1;
            goto done;
        }
        if (word.failed || clpool__argv_add(out, word.data) != 0) {
            status = -1;
            goto done;
        }
    }
done:
    clpool__buf_free(&word);
    return status;
}

/* OpenCL options and the flag each becomes ("" = ignored). */
static const struct {
    const char *opt, *flag;
} option_map[] = {
    {"-w", "-w"},
    {"-Werror", "-Werror"},
    {"-cl-fast-relaxed-math", "-ffast-math"},
    {"-cl-mad-enable", "-ffp-contract=fast"},
    {"-cl-unsafe-math-optimizations", "-funsafe-math-optimizations"},
    {"-cl-finite-math-only", "-ffinite-math-only"},
    {"-cl-no-signed-zeros", "-fno-signed-zeros"},
    {"-cl-opt-disable", "-O0"},
    /* Flushing denormals is a device property; results only differ in the
     * last bits of tiny numbers. */
    {"-cl-denorms-are-zero", ""},
    {"-cl-kernel-arg-info", ""},
};

static int add(clpool *pool, clpool__argv *flags, const char *s)
{
    if (clpool__argv_add(flags, s) != 0)
        return clpool__error(pool, CLPOOL_ENOMEM, "no memory for the build options");
    return CLPOOL_OK;
}

/* -D and -I take their value attached or as the next word; the flag is
 * always passed attached, so that a value cannot become a flag of its own. */
static int add_joined(clpool *pool, clpool__argv *flags, const char *opt, const char *value)
{
    char *s = clpool__asprintf("%s%s", opt, value);
    if (s == NULL)
        return clpool__error(pool, CLPOOL_ENOMEM, "no memory for the build options");
    int status = add(pool, flags, s);
    free(s);
    return status;
}

int clpool__map_options(clpool *pool, const char *options, clpool__argv *flags)
{
    clpool__argv words = {0};
    int status = CLPOOL_OK;
    int split = clpool__split_words(options != NULL ? options : "", &words);
    if (split < 0) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for the build options");
        goto free_words;
    }
    if (split > 0) {
        status = clpool__error(pool, CLPOOL_EBUILD,
                               "build options \"%s\" have a quote that is not closed", options);
        goto free_words;
    }

    for (size_t i = 0; i < words.n && status == CLPOOL_OK; i++) {
        const char *w = words.v[i];
        if (strcmp(w, "-D") == 0 || strcmp(w, "-I") == 0) {
            if (i + 1 == words.n || words.v[i + 1][0] == '\0') {
                status = clpool__error(pool, CLPOOL_EBUILD,
                                       "build option '%s' needs a value after it", w);
                break;
            }
            status = add_joined(pool, flags, w, words.v[++i]);
            continue;
        }
        if ((strncmp(w, "-D", 2) == 0 || strncmp(w, "-I", 2) == 0) && w[2] != '\0') {
            status = add(pool, flags, w);
            continue;
        }
        if (strncmp(w, "-cl-std=", 8) == 0)
            continue; /* the prelude is OpenCL C 1.2 whatever is asked */
        size_t k;
        for (k = 0; k < sizeof option_map / sizeof option_map[0]; k++)
            if (strcmp(w, option_map[k].opt) == 0)
                break;
        if (k == sizeof option_map / sizeof option_map[0]) {
            status = clpool__error(pool, CLPOOL_EBUILD,
                                   "build option '%s' is not supported by the fork backend", w);
            break;
        }
        if (option_map[k].flag[0] != '\0')
            status = add(pool, flags, option_map[k].flag);
        /* OpenCL defines this macro for -cl-fast-relaxed-math; kernels test it. */
        if (status == CLPOOL_OK && strcmp(w, "-cl-fast-relaxed-math") == 0)
            status = add(pool, flags, "-D__FAST_RELAXED_MATH__=1");
    }

free_words:
    clpool__argv_free(&words);
    return status;
}
