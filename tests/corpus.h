/*
 * The corpus runner: real-world-shaped kernels (the .cl files of tests/corpus)
 * run on every backend this machine has and compared with C references.
 *
 * A corpus test is a list of cases. corpus_main runs every case on every
 * target, in this order (fork pools first: a process that has initialised
 * OpenCL forks no workers):
 *   fork with CC unset (the library's default compiler),
 *   fork with CC=gcc and fork with CC=clang, each where it is on PATH,
 *   OpenCL (skipped, not failed, when there is no platform),
 * and each case twice on each: unchunked (CLPOOL_MAX_CHUNK_BYTES unset) and
 * chunked (CLPOOL_MAX_CHUNK_BYTES=4096, so that every host array of more
 * than 4 KiB passes through the map in chunks).
 *
 * What a backend cannot run yet is expected to be refused, clearly: kernels
 * that use work-groups (__local memory, barrier) on the fork backend, and
 * kernels with vector types on fork under a compiler that is not clang.
 * corpus_kernel takes what a kernel needs; when the build or
 * clpool_kernel_get fails it requires CLPOOL_EBUILD and the message the
 * backend owes: for work-groups one naming the kernel and the construct,
 * for vector types one saying to set CC=clang. The case stops there
 * ("refused"). When the build succeeds the kernel runs and its results are
 * compared, so a backend that learns to run them (issue 11) turns the
 * refusal into a comparison without a change here. A refusal of a kernel
 * that needs nothing the backend lacks (a plain kernel beside a __local
 * one in the same file) fails.
 *
 * A failure ends its case only: the test goes on with the others, prints
 * a table of every case on every target, and exits 1. CORPUS_ONLY and
 * CORPUS_TARGETS (comma-separated parts of names) narrow a run by hand.
 */
#ifndef CLPOOL_TEST_CORPUS_H
#define CLPOOL_TEST_CORPUS_H

#include "task.h"

#include <setjmp.h>
#include <unistd.h>

/* A failed assertion inside a case ends that case, not the test: the
 * runner marks it FAIL, goes on with the others, and the test fails at the
 * end with the whole table printed. Outside a case it exits as usual. */
static jmp_buf *corpus_jump_;

static inline void corpus_fail_(void)
{
    if (corpus_jump_ != NULL)
        longjmp(*corpus_jump_, 1);
    exit(1);
}

#undef FAIL_
#define FAIL_(...)                                                                       \
    do {                                                                                 \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                  \
        fprintf(stderr, __VA_ARGS__);                                                    \
        fputc('\n', stderr);                                                             \
        corpus_fail_();                                                                  \
    } while (0)

#ifndef CORPUS_DIR
#define CORPUS_DIR CLPOOL_KERNELS_DIR "/../tests/corpus"
#endif
#define CORPUS_CHUNK_ENV "CLPOOL_MAX_CHUNK_BYTES"
#define CORPUS_CHUNK_BYTES 4096

/* What a kernel needs that a backend may refuse (corpus_kernel's needs). */
#define CORPUS_PLAIN 0u
#define CORPUS_GROUPS 1u  /* __local memory or barrier */
#define CORPUS_VECTORS 2u /* OpenCL vector types */

#define CORPUS_MAX_PROGS 8
#define CORPUS_MAX_CASES 32
#define CORPUS_MAX_TARGETS 4

typedef struct corpus_target {
    const char *name;
    clpool_backend backend;
    const char *cc; /* fork: the CC to set; NULL: CC unset */
} corpus_target;

typedef struct corpus_ctx {
    clpool *pool;
    const corpus_target *target;
    int fork;    /* the fork backend */
    int chunked; /* CLPOOL_MAX_CHUNK_BYTES is set small */
    int refused; /* the case stopped at an expected refusal */
    const char *case_name;
    clpool_program *progs[CORPUS_MAX_PROGS];
    size_t nprogs;
} corpus_ctx;

typedef struct corpus_case {
    const char *name;
    void (*run)(corpus_ctx *c);
} corpus_case;

/* ------------------------------------------------------------ helpers */

static inline void *corpus_alloc(size_t bytes)
{
    void *p = calloc(1, bytes != 0 ? bytes : 1);
    ASSERT(p != NULL);
    return p;
}

/* "(fork, CC=gcc, chunked)": where a failure happened. */
static inline const char *corpus_where(const corpus_ctx *c)
{
    static char buf[160];
    snprintf(buf, sizeof buf, "%s on %s, %s", c->case_name, c->target->name,
             c->chunked ? "chunked" : "unchunked");
    return buf;
}

/* Whether an executable named name is on PATH. */
static inline int corpus_on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        return 0;
    while (*path != '\0') {
        size_t n = strcspn(path, ":");
        char full[4096];
        snprintf(full, sizeof full, "%.*s/%s", (int)n, n ? path : ".", name);
        if (access(full, X_OK) == 0)
            return 1;
        path += n;
        if (*path == ':')
            path++;
    }
    return 0;
}

/* A range of dims dimensions; sizes past dims are ignored. */
static inline clpool_range corpus_range(unsigned dims, size_t g0, size_t g1, size_t g2, size_t l0,
                                        size_t l1, size_t l2)
{
    clpool_range r;
    memset(&r, 0, sizeof r);
    r.dims = dims;
    r.global[0] = g0, r.global[1] = g1, r.global[2] = g2;
    r.local[0] = l0, r.local[1] = l1, r.local[2] = l2;
    return r;
}

/* In a chunked run, a chunk limit of bytes instead of CORPUS_CHUNK_BYTES:
 * for a case whose one band of work-groups is bigger than that (a chunk
 * holds whole groups). The runner resets it after the case. */
static inline void corpus_chunk_limit(const corpus_ctx *c, size_t bytes)
{
    if (!c->chunked)
        return;
    char v[32];
    snprintf(v, sizeof v, "%zu", bytes);
    ASSERT_EQ(setenv(CORPUS_CHUNK_ENV, v, 1), 0);
}

/* Runs k over *range and requires CLPOOL_OK. */
#define CORPUS_RUN(c, k, range, ...)                                                     \
    do {                                                                                 \
        const clpool_arg corpus_args_[] = {__VA_ARGS__};                                 \
        int corpus_rc_ = clpool_map_range((k), (range), corpus_args_,                    \
                                          sizeof corpus_args_ / sizeof corpus_args_[0]); \
        if (corpus_rc_ != CLPOOL_OK)                                                     \
            FAIL_("%s: clpool_map_range: %s: %s", corpus_where(c),                       \
                  clpool_err_name(corpus_rc_), clpool_errmsg((c)->pool));                \
    } while (0)

/* Whether a refusal message says a work-group construct. */
static inline int corpus_says_groups(const char *msg)
{
    return strstr(msg, "barrier") != NULL || strstr(msg, "__local") != NULL ||
           strstr(msg, "work-group") != NULL;
}

/* Whether the fork pool's compiler is clang: CC=clang, or CC unset and
 * the pool's description naming clang (the default where it is on PATH). */
static inline int corpus_fork_clang(const corpus_ctx *c)
{
    if (c->target->cc != NULL)
        return strcmp(c->target->cc, "clang") == 0;
    return strstr(clpool_describe(c->pool), "clang") != NULL;
}

/* A failed build or kernel_get of kernel name (rc, the pool's message):
 * returns 1 where that is the refusal the backend owes for what the kernel
 * needs, else fails the test. */
static inline int corpus_refusal(corpus_ctx *c, const char *name, unsigned needs, int rc,
                                 const char *step)
{
    const char *msg = clpool_errmsg(c->pool);
    int owed = 0;
    if (rc == CLPOOL_EBUILD && c->fork) {
        /* Work-groups: the message names the kernel and the construct. */
        if ((needs & CORPUS_GROUPS) && strstr(msg, name) != NULL && corpus_says_groups(msg))
            owed = 1;
        /* Vector types under a compiler other than clang: the message says
         * to set CC=clang (it is about the program, so it need not name
         * the kernel). */
        if ((needs & CORPUS_VECTORS) && !corpus_fork_clang(c) && strstr(msg, "CC=clang") != NULL)
            owed = 1;
    }
    if (!owed)
        FAIL_("%s: %s of kernel %s: %s: %s", corpus_where(c), step, name, clpool_err_name(rc),
              msg);
    fprintf(stderr, "  %s: %s refused as expected: %.200s\n", corpus_where(c), name, msg);
    c->refused = 1;
    return 1;
}

/* Builds tests/corpus/<file> with -I tests/corpus and options (may be
 * NULL). NULL: refused as expected, for kernel name's needs. The program
 * is freed after the case. */
static inline clpool_program *corpus_program(corpus_ctx *c, const char *file, const char *options,
                                             const char *name, unsigned needs)
{
    char path[4096], opts[4096];
    snprintf(path, sizeof path, "%s/%s", CORPUS_DIR, file);
    snprintf(opts, sizeof opts, "-I %s %s", CORPUS_DIR, options != NULL ? options : "");
    clpool_program *prog = NULL;
    int rc = clpool_program_file(c->pool, path, opts, &prog);
    if (rc != CLPOOL_OK) {
        corpus_refusal(c, name, needs, rc, "the build of its file");
        return NULL;
    }
    ASSERT(c->nprogs < CORPUS_MAX_PROGS);
    c->progs[c->nprogs++] = prog;
    return prog;
}

/* Kernel name from tests/corpus/<file> built with options; NULL when it is
 * refused as expected for its needs (then the case returns: c->refused). */
static inline clpool_kernel *corpus_kernel(corpus_ctx *c, const char *file, const char *options,
                                           const char *name, unsigned needs)
{
    clpool_program *prog = corpus_program(c, file, options, name, needs);
    if (prog == NULL)
        return NULL;
    clpool_kernel *k = NULL;
    int rc = clpool_kernel_get(prog, name, &k);
    if (rc != CLPOOL_OK) {
        corpus_refusal(c, name, needs, rc, "clpool_kernel_get");
        return NULL;
    }
    ASSERT(k != NULL);
    return k;
}

/* ---------------------------------------------------------- comparisons */

static inline void corpus_same_u32(const corpus_ctx *c, const char *what, const uint32_t *got,
                                   const uint32_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i])
            FAIL_("%s: %s[%zu] = %" PRIu32 ", want %" PRIu32, corpus_where(c), what, i, got[i],
                  want[i]);
}

static inline void corpus_same_i32(const corpus_ctx *c, const char *what, const int32_t *got,
                                   const int32_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i])
            FAIL_("%s: %s[%zu] = %" PRId32 ", want %" PRId32, corpus_where(c), what, i, got[i],
                  want[i]);
}

/* |got - want| <= abs_tol + rel_tol * |want| for every element. */
static inline void corpus_near_f32(const corpus_ctx *c, const char *what, const float *got,
                                   const float *want, size_t n, double abs_tol, double rel_tol)
{
    for (size_t i = 0; i < n; i++) {
        double g = got[i], w = want[i];
        if (!(fabs(g - w) <= abs_tol + rel_tol * fabs(w)))
            FAIL_("%s: %s[%zu] = %.9g, want %.9g (tolerance %g + %g relative)", corpus_where(c),
                  what, i, g, w, abs_tol, rel_tol);
    }
}

/* Deterministic inputs: a 32-bit LCG. */
static inline uint32_t corpus_next(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

static inline float corpus_uniform(uint32_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)(corpus_next(s) >> 8) / (float)(1u << 24);
}

/* --------------------------------------------------------------- runner */

/* Whether name contains one of the comma-separated words of list (NULL or
 * "": every name). */
static inline int corpus_selected(const char *list, const char *name)
{
    if (list == NULL || list[0] == '\0')
        return 1;
    while (*list != '\0') {
        size_t n = strcspn(list, ",");
        char word[128];
        snprintf(word, sizeof word, "%.*s", (int)n, list);
        if (n > 0 && strstr(name, word) != NULL)
            return 1;
        list += n;
        if (*list == ',')
            list++;
    }
    return 0;
}

static inline void corpus_set_cc(const char *cc)
{
    if (cc != NULL)
        ASSERT_EQ(setenv("CC", cc, 1), 0);
    else
        ASSERT_EQ(unsetenv("CC"), 0);
}

static inline void corpus_set_chunked(int on)
{
    if (on) {
        char v[32];
        snprintf(v, sizeof v, "%d", CORPUS_CHUNK_BYTES);
        ASSERT_EQ(setenv(CORPUS_CHUNK_ENV, v, 1), 0);
    } else {
        ASSERT_EQ(unsetenv(CORPUS_CHUNK_ENV), 0);
    }
}

static const corpus_target corpus_targets[CORPUS_MAX_TARGETS] = {
    {"fork (CC unset)", CLPOOL_FORK, NULL},
    {"fork (CC=gcc)", CLPOOL_FORK, "gcc"},
    {"fork (CC=clang)", CLPOOL_FORK, "clang"},
    {"opencl", CLPOOL_OPENCL, NULL},
};

/* What ran where: the table corpus_main prints at its end (and at exit,
 * should something outside a case end the test early). */
enum { CORPUS_NOT_RUN, CORPUS_OK, CORPUS_REFUSED, CORPUS_FAILED };
static struct {
    const corpus_case *cases;
    size_t ncases;
    int have[CORPUS_MAX_TARGETS]; /* 0 not tried, 1 ran, -1 missing */
    int failures;
    unsigned char cell[CORPUS_MAX_CASES][CORPUS_MAX_TARGETS][2];
} corpus_tally;

static inline void corpus_print_table(void)
{
    static const char *const word[] = {"-", "ok", "refused", "FAIL"};
    if (corpus_tally.cases == NULL)
        return;
    printf("%-22s", "case");
    for (int t = 0; t < CORPUS_MAX_TARGETS; t++)
        printf(" | %-17s", corpus_targets[t].name);
    printf("\n");
    for (size_t i = 0; i < corpus_tally.ncases; i++) {
        printf("%-22s", corpus_tally.cases[i].name);
        for (int t = 0; t < CORPUS_MAX_TARGETS; t++) {
            char cell[40];
            if (corpus_tally.have[t] < 0)
                snprintf(cell, sizeof cell, "missing");
            else
                snprintf(cell, sizeof cell, "%s/%s", word[corpus_tally.cell[i][t][0]],
                         word[corpus_tally.cell[i][t][1]]);
            printf(" | %-17s", cell);
        }
        printf("\n");
    }
    printf("(each cell: unchunked/chunked at %d bytes; ok: matches C; refused: as the backend "
           "owes)\n",
           CORPUS_CHUNK_BYTES);
    fflush(stdout);
    corpus_tally.cases = NULL;
}

/* Runs every case on every target, chunked and unchunked; prints the
 * table. Returns the test's exit status. */
static inline int corpus_main(const corpus_case *cases, size_t ncases)
{
    ASSERT(ncases <= CORPUS_MAX_CASES);
    const char *env_cc = getenv("CC");
    char *saved_cc = env_cc != NULL ? strdup(env_cc) : NULL;
    corpus_tally.cases = cases;
    corpus_tally.ncases = ncases;
    atexit(corpus_print_table);
    /* For a run by hand: CORPUS_ONLY=blur,sobel runs the cases whose names
     * contain one of the words; CORPUS_TARGETS=opencl,gcc the targets. */
    const char *only = getenv("CORPUS_ONLY"), *only_targets = getenv("CORPUS_TARGETS");

    for (int t = 0; t < CORPUS_MAX_TARGETS; t++) {
        const corpus_target *tg = &corpus_targets[t];
        if (!corpus_selected(only_targets, tg->name))
            continue;
        if (tg->cc != NULL && !corpus_on_path(tg->cc)) {
            fprintf(stderr, "%s: %s is not on PATH, skipped\n", tg->name, tg->cc);
            corpus_tally.have[t] = -1;
            continue;
        }
        clpool_config cfg = test_config(tg->backend);
        if (tg->backend == CLPOOL_FORK)
            cfg.workers = 3; /* more than one, fewer than the chunks */
        corpus_set_cc(tg->cc);
        clpool *pool = NULL;
        if (tg->backend == CLPOOL_OPENCL) {
            pool = test_try_open(&cfg);
            if (pool == NULL) {
                fprintf(stderr, "%s: no OpenCL platform, skipped\n", tg->name);
                corpus_tally.have[t] = -1;
                continue;
            }
        } else {
            ASSERT_OK(NULL, clpool_open(&cfg, &pool));
        }
        corpus_tally.have[t] = 1;
        fprintf(stderr, "== %s: %s\n", tg->name, clpool_describe(pool));
        for (size_t i = 0; i < ncases; i++) {
            if (!corpus_selected(only, cases[i].name))
                continue;
            for (int chunked = 0; chunked <= 1; chunked++) {
                /* Static: a failure longjmps back here, past the case's
                 * changes to it. */
                static corpus_ctx c;
                memset(&c, 0, sizeof c);
                c.pool = pool;
                c.target = tg;
                c.fork = tg->backend == CLPOOL_FORK;
                c.chunked = chunked;
                c.case_name = cases[i].name;
                corpus_set_chunked(chunked);
                jmp_buf jump;
                corpus_jump_ = &jump;
                if (setjmp(jump) == 0) {
                    cases[i].run(&c);
                    corpus_tally.cell[i][t][chunked] = c.refused ? CORPUS_REFUSED : CORPUS_OK;
                } else {
                    corpus_tally.cell[i][t][chunked] = CORPUS_FAILED;
                    corpus_tally.failures++;
                }
                corpus_jump_ = NULL;
                corpus_set_chunked(0);
                for (size_t p = 0; p < c.nprogs; p++)
                    clpool_program_free(c.progs[p]);
            }
        }
        clpool_close(pool);
        if (saved_cc != NULL)
            ASSERT_EQ(setenv("CC", saved_cc, 1), 0);
        else
            ASSERT_EQ(unsetenv("CC"), 0);
    }
    corpus_print_table();
    free(saved_cc);
    if (corpus_tally.failures > 0) {
        fprintf(stderr, "%d case runs failed\n", corpus_tally.failures);
        return 1;
    }
    return 0;
}

#endif /* CLPOOL_TEST_CORPUS_H */
