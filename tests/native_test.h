/*
 * Helpers for the tests of the native build path: a hand-made pool and
 * program (no backend), a build through clpool__native_build, and the
 * built object loaded into the test process itself.
 */
#ifndef CLPOOL_TEST_NATIVE_H
#define CLPOOL_TEST_NATIVE_H

#include "task.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clc/native.h"
#include "internal.h"

/* A pool with nothing but a cache: on a fresh private directory under
 * root (made with mkdtemp), or off when root is NULL. */
static inline clpool *nt_pool(char root[64])
{
    clpool *pool = calloc(1, sizeof *pool);
    ASSERT(pool != NULL);
    ASSERT_EQ(pthread_mutex_init(&pool->lock, NULL), 0);
    if (root != NULL) {
        snprintf(root, 64, "/tmp/clpool-unit-native-XXXXXX");
        ASSERT(mkdtemp(root) != NULL);
        char dir[128];
        snprintf(dir, sizeof dir, "%s/cache", root);
        ASSERT_EQ(clpool__cache_open(&pool->cache, dir), 0);
        ASSERT(pool->cache.dir != NULL);
    }
    return pool;
}

/* Frees the pool and removes root, the directory nt_pool made. */
static inline void nt_pool_free(clpool *pool, const char *root)
{
    if (root != NULL)
        test_remove_tree(root);
    clpool__cache_close(&pool->cache);
    pthread_mutex_destroy(&pool->lock);
    free(pool->errmsg);
    free(pool);
}

static inline clpool_program *nt_program(clpool *pool, const char *path, const char *source,
                                         const char *options)
{
    clpool_program *prog = calloc(1, sizeof *prog);
    ASSERT(prog != NULL);
    prog->pool = pool;
    prog->path = clpool__strdup(path);
    prog->options = clpool__strdup(options != NULL ? options : "");
    if (source != NULL) {
        prog->source = clpool__strdup(source);
    } else {
        size_t len;
        ASSERT_OK(pool, clpool__read_file(pool, path, &prog->source, &len));
    }
    ASSERT(prog->path != NULL && prog->options != NULL && prog->source != NULL);
    ASSERT_EQ(clpool__sig_parse(prog->source, &prog->sigs, &prog->nsigs), 0);
    return prog;
}

static inline void nt_program_free(clpool_program *prog)
{
    clpool__sig_free(prog->sigs, prog->nsigs);
    free(prog->source);
    free(prog->path);
    free(prog->options);
    free(prog->log);
    free(prog);
}

/* A built and loaded program. */
typedef struct nt_built {
    clpool_program *prog;
    void *dl;
    char *log;
    int status;
    clpool__refusals refused; /* the kernels the build left out */
} nt_built;

/* Builds (path, source, options); on success loads the object and unlinks
 * its file at once (the mapping stays). */
static inline nt_built nt_build(clpool *pool, const char *path, const char *source,
                                const char *options)
{
    nt_built b = {nt_program(pool, path, source, options), NULL, NULL, 0, {NULL, NULL, 0}};
    char *so = NULL;
    b.status = clpool__native_build(b.prog, &so, &b.log, &b.refused);
    if (b.status == CLPOOL_OK) {
        ASSERT(so != NULL);
        struct stat st;
        ASSERT_EQ(stat(so, &st), 0);
        ASSERT_EQ(st.st_mode & 077, 0); /* the owner's alone */
        ASSERT_EQ(st.st_uid, geteuid());
        b.dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
        if (b.dl == NULL)
            FAIL_("dlopen %s: %s", so, dlerror());
        ASSERT_EQ(unlink(so), 0);
        free(so);
    } else {
        ASSERT(so == NULL);
        ASSERT(b.log == NULL);
    }
    return b;
}

static inline void nt_built_free(nt_built *b)
{
    if (b->dl != NULL)
        dlclose(b->dl);
    free(b->log);
    clpool__refusals_free(&b->refused);
    nt_program_free(b->prog);
}

static inline clpool__native_fn nt_fn(const nt_built *b, const char *kernel)
{
    char name[256];
    snprintf(name, sizeof name, "%s%s", CLPOOL__NATIVE_PREFIX, kernel);
    void *f = dlsym(b->dl, name);
    if (f == NULL)
        FAIL_("dlsym %s: %s", name, dlerror());
    clpool__native_fn fn;
    memcpy(&fn, &f, sizeof fn);
    return fn;
}

/* The refusal of kernel name in a build (NULL: not refused). */
static inline const char *nt_refusal(const nt_built *b, const char *kernel)
{
    for (size_t k = 0; k < b->refused.n; k++)
        if (strcmp(b->prog->sigs[k].name, kernel) == 0)
            return b->refused.why[k];
    return NULL;
}

/* Whether the built object has kernel's caller. */
static inline int nt_has(const nt_built *b, const char *kernel)
{
    char name[256];
    snprintf(name, sizeof name, "%s%s", CLPOOL__NATIVE_PREFIX, kernel);
    return b->dl != NULL && dlsym(b->dl, name) != NULL;
}

/* Builds and asserts success, printing the compiler's message if not. */
static inline nt_built nt_build_ok(clpool *pool, const char *path, const char *source,
                                   const char *options)
{
    nt_built b = nt_build(pool, path, source, options);
    if (b.status != CLPOOL_OK)
        FAIL_("build of %s failed: %s: %s", path, clpool_err_name(b.status),
              clpool_errmsg(pool));
    return b;
}

/* Sets $CC (NULL: unsets it). */
static inline void nt_set_cc(const char *cc)
{
    if (cc != NULL)
        ASSERT_EQ(setenv("CC", cc, 1), 0);
    else
        ASSERT_EQ(unsetenv("CC"), 0);
}

/* Whether clang can be run here. */
static inline int nt_have_clang(void)
{
    return system("clang --version >/dev/null 2>&1") == 0;
}

#endif /* CLPOOL_TEST_NATIVE_H */
