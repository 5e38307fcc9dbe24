/*
 * clpool__native_build: ask the C compiler who it is, leave out the kernels
 * it cannot run (select.h), generate the C text, then take the shared object from the cache or
 * compile it (see native.h).
 */
#include "clc/native.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"
#include "clc/buf.h"
#include "clc/compiler.h"
#include "clc/identity.h"
#include "clc/native_files.h"
#include "clc/native_gen.h"
#include "clc/options.h"
#include "clc/prelude.h"
#include "clc/refuse.h"
#include "clc/select.h"
#include "clc/spawn.h"
#include "clc/workgroup.h"

#ifndef CLPOOL_VERSION
#define CLPOOL_VERSION CLPOOL_VERSION_STRING
#endif

/* Flags every build gets, before the ones the build options map to (so an
 * option such as -cl-opt-disable's -O0 overrides them). gcc and clang both
 * accept each. -fno-math-errno and -fno-trapping-math: OpenCL C has neither
 * errno nor floating-point exception flags, and without them gcc may not
 * turn a kernel's `d > 0 ? 1 - c : c` into a select, which keeps the item
 * loop from vectorising. -fsigned-char: OpenCL's char is signed on every
 * host. -Werror=implicit-function-declaration and -Wl,-z,defs: a misspelt
 * built-in fails the build instead of making a .so that cannot load. */
static const char *const base_flags[] = {
    "-std=gnu11", "-O3", "-fPIC", "-shared", "-fno-math-errno",
    "-fno-trapping-math", "-fvisibility=hidden", "-fopenmp-simd", "-fsigned-char",
    "-Werror=implicit-function-declaration", "-Werror=implicit-int", "-Werror=return-type",
    "-Wl,-z,defs", "-pipe",
};

/* How the compiler is asked who it is: its predefined macros for this
 * machine name its version (__VERSION__) and the instruction set that
 * -march=native picks, so a cache shared between machines cannot hand an
 * AVX-512 build to a machine without it. */
static const char *const identity_flags[] = {"-dM", "-E", "-x", "c", "/dev/null"};

/* The instruction set kernels are built for: -march=native, or
 * -march=$CLPOOL_NATIVE_ARCH (letters, digits, '-', '_', '.'), for a
 * machine whose tools lag its processor: valgrind 3.19 does not know the
 * AVX-512 that -march=native picks on such a machine, so CI's memcheck
 * builds kernels for x86-64-v3. It is both in the compile and in the
 * identity (and so the cache key). */
static const char *march_flag(char *buf, size_t len)
{
    const char *arch = getenv("CLPOOL_NATIVE_ARCH");
    int ok = arch != NULL && arch[0] != '\0' && strlen(arch) < 64;
    for (const char *c = arch; ok && *c != '\0'; c++)
        ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
             *c == '-' || *c == '_' || *c == '.';
    snprintf(buf, len, "-march=%s", ok ? arch : "native");
    return buf;
}

static const char prelude_line[] = "#line 1 \"<clpool prelude>\"\n";

/* ------------------------------------------------------------- helpers */

static int add_all(clpool__argv *a, const char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (clpool__argv_add(a, words[i]) != 0)
            return -1;
    return 0;
}

/* Whether a spawn's wait status (or -1: unknown) means success. */
static int exited_ok(int wstatus)
{
    return wstatus != -1 && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
}

static void describe_exit(clpool__buf *b, int wstatus)
{
    if (wstatus == -1)
        clpool__buf_str(b, "its exit status is unknown (SIGCHLD is ignored) and it made no output");
    else if (WIFSIGNALED(wstatus))
        clpool__buf_fmt(b, "it was killed by signal %d", WTERMSIG(wstatus));
    else
        clpool__buf_fmt(b, "it exited with status %d", WEXITSTATUS(wstatus));
}

static int cannot_run(clpool *pool, const char *cc, int err, char *const argv[])
{
    if (err == E2BIG) {
        char why[256];
        clpool__spawn_too_long(argv, why, sizeof why);
        return clpool__error(pool, CLPOOL_EBUILD,
                             "the build options are too long for the C compiler '%s': %s", cc,
                             why);
    }
    if (err == ENOMEM)
        return clpool__error(pool, CLPOOL_ENOMEM, "no memory to run the C compiler '%s'", cc);
    return clpool__error(pool, CLPOOL_EBUILD,
                         "cannot run the C compiler '%s': %s (set CC to a C compiler)", cc,
                         strerror(err));
}

/* Spawns `cc -march=native -dM -E -x c /dev/null` (march_flag's) into *macros. */
static int ask_compiler_identity(clpool *pool, const clpool__argv *cc, clpool__buf *macros);

/* The compiler's predefined macros, from the cache when the compiler binary
 * and the CPU are the ones they were taken from: spawning the compiler costs
 * 20-70 ms, more than the rest of a cache hit together. */
static int compiler_identity(clpool *pool, const clpool__argv *cc, clpool__buf *macros)
{
    char key[CLPOOL__KEY_HEX], march[80];
    int have_key = pool->cache.dir != NULL && clpool__compiler_fingerprint(cc, key) == 0;
    if (have_key) {
        /* The identity is the compiler's for one instruction set. */
        march_flag(march, sizeof march);
        const clpool__key_part parts[] = {{key, strlen(key)}, {march, strlen(march)}};
        clpool__cache_key(parts, 2, key);
    }
    if (have_key) {
        void *data = NULL;
        size_t len = 0;
        int hit = clpool__cache_load(&pool->cache, key, &data, &len);
        if (hit == 1 && len > 0) {
            clpool__buf_add(macros, data, len);
            free(data);
            if (macros->failed)
                return clpool__error(pool, CLPOOL_ENOMEM, "no memory for the compiler identity");
            return CLPOOL_OK;
        }
        free(data);
    }
    int status = ask_compiler_identity(pool, cc, macros);
    if (status == CLPOOL_OK && have_key && macros->len > 0)
        (void)clpool__cache_store(&pool->cache, key, macros->data, macros->len);
    return status;
}

static int ask_compiler_identity(clpool *pool, const clpool__argv *cc, clpool__buf *macros)
{
    clpool__argv argv = {0};
    int status = CLPOOL_OK;
    char march[80];
    if (add_all(&argv, (const char *const *)cc->v, cc->n) != 0 ||
        clpool__argv_add(&argv, march_flag(march, sizeof march)) != 0 ||
        add_all(&argv, identity_flags, sizeof identity_flags / sizeof identity_flags[0]) != 0) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory to run the C compiler");
        goto free_argv;
    }
    int wstatus;
    int err = clpool__spawn(argv.v, macros, &wstatus);
    if (err != 0) {
        status = cannot_run(pool, cc->v[0], err, argv.v);
        goto free_argv;
    }
    if (!exited_ok(wstatus) && !(wstatus == -1 && macros->len > 0)) {
        clpool__buf msg = {0};
        clpool__buf_fmt(&msg, "the C compiler '%s' failed when asked for its predefined macros "
                              "(-march=native -dM -E): ",
                        cc->v[0]);
        describe_exit(&msg, wstatus);
        clpool__buf_fmt(&msg, "\n%s", macros->data != NULL ? macros->data : "");
        char *text = clpool__buf_take(&msg);
        status = text != NULL ? clpool__error_text(pool, CLPOOL_EBUILD, text)
                              : clpool__error(pool, CLPOOL_EBUILD,
                                              "the C compiler '%s' failed", cc->v[0]);
        free(text);
    }
free_argv:
    clpool__argv_free(&argv);
    return status;
}

/* Describes the compiler a program with (vectors) or without vector types
 * gets, as "cc (gcc 12.2.0)"; returns 1 when it answered. */
static int ask_one(clpool *pool, int vectors, char *buf, size_t len)
{
    int answered = 0;
    clpool__argv cc = {0};
    clpool__buf macros = {0};
    if (clpool__compiler_words(pool, vectors, &cc) != CLPOOL_OK || cc.n == 0) {
        snprintf(buf, len, "the C compiler");
        goto done;
    }
    if (compiler_identity(pool, &cc, &macros) != CLPOOL_OK || macros.data == NULL) {
        snprintf(buf, len, "%s (which cannot be run now)", cc.v[0]);
        goto done;
    }
    /* __VERSION__ is "Ubuntu Clang 14.0.6" for clang, "12.2.0" for gcc. */
    const char *v = strstr(macros.data, "#define __VERSION__ \"");
    int clang = strstr(macros.data, "#define __clang__ ") != NULL;
    if (v == NULL) {
        snprintf(buf, len, "%s", cc.v[0]);
        goto done;
    }
    v += strlen("#define __VERSION__ \"");
    size_t n = strcspn(v, "\"\n");
    snprintf(buf, len, "%s (%s%.*s)", cc.v[0],
             !clang && strstr(macros.data, "#define __GNUC__ ") != NULL ? "gcc " : "",
             (int)(n < 80 ? n : 80), v);
    answered = 1;
done:
    clpool__buf_free(&macros);
    clpool__argv_free(&cc);
    return answered;
}

/* Asks; returns 1 when the note names compilers that answered. With CC
 * unset and two defaults, both: "cc (gcc 12.2.0), those with vector types
 * with clang (Debian Clang 14.0.6)". */
static int ask_note(clpool *pool, char *buf, size_t len)
{
    /* Asking may fail (no compiler yet): that is for the first build to
     * report, not for the pool's message. */
    char *kept = clpool__error_swap(pool, NULL);
    char plain[180], vec[180];
    int answered = ask_one(pool, 0, plain, sizeof plain);
    if (!clpool__compiler_from_env()) {
        char a[32], b[32];
        clpool__compiler_plain(a, sizeof a);
        clpool__compiler_default(b, sizeof b);
        if (strcmp(a, b) != 0) {
            answered &= ask_one(pool, 1, vec, sizeof vec);
            snprintf(buf, len, "%s, those with vector types with %s", plain, vec);
            goto restore;
        }
    }
    snprintf(buf, len, "%s", plain);
restore:
    free(clpool__error_swap(pool, kept));
    return answered;
}

/* The last answer, for the CC and PATH it was given under: a program that
 * opens pools one after another asks the compiler (or reads the cache and
 * /proc/cpuinfo) once. */
static pthread_mutex_t note_lock = PTHREAD_MUTEX_INITIALIZER;
static char note_key[4096], note_text[CLPOOL__COMPILER_NOTE_MAX];

void clpool__native_compiler_note(clpool *pool, char *buf, size_t len)
{
    const char *cc = secure_getenv("CC"), *path = getenv("PATH");
    char key[sizeof note_key];
    int w = snprintf(key, sizeof key, "%s%c%s", cc != NULL ? cc : "", '\0',
                     path != NULL ? path : "");
    int keyed = w > 0 && (size_t)w < sizeof key;
    size_t klen = keyed ? (size_t)w + 1 : 0;
    pthread_mutex_lock(&note_lock);
    int hit = keyed && note_text[0] != '\0' && memcmp(key, note_key, klen) == 0;
    if (hit)
        snprintf(buf, len, "%s", note_text);
    pthread_mutex_unlock(&note_lock);
    if (hit)
        return;
    char text[sizeof note_text];
    int answered = ask_note(pool, text, sizeof text);
    snprintf(buf, len, "%s", text);
    if (answered && keyed) {
        pthread_mutex_lock(&note_lock);
        memcpy(note_key, key, klen);
        snprintf(note_text, sizeof note_text, "%s", text);
        pthread_mutex_unlock(&note_lock);
    }
}

/* --------------------------------------------------------------- compile */

/* Compiles text into a .so; on success *so_path is the handed-out file and
 * *log the compiler's warnings (or NULL), and deps the headers the compiler
 * read (from -MMD; failed set when it wrote no list). */
static int compile(clpool_program *prog, const clpool__workspace *w, const clpool__argv *cc,
                   const clpool__argv *flags, const char *text, size_t text_len, char **so_path,
                   char **log, clpool__deps *deps)
{
    clpool *pool = prog->pool;
    int status;
    char *c_path = NULL, *out_path = NULL, *final_path = NULL, *d_path = NULL;
    clpool__argv argv = {0};
    clpool__buf output = {0};

    status = clpool__write_new_file(pool, w->dir, ".c", text, text_len, &c_path);
    if (status != CLPOOL_OK)
        return status;

    /* In our own folder a fixed name is safe; in the cache's tmp folder the
     * output gets a unique name made with O_EXCL. */
    if (w->ours) {
        out_path = clpool__asprintf("%s/kernel.so", w->dir);
    } else {
        int fd = clpool__make_file(w->dir, ".so", &out_path);
        if (fd >= 0)
            close(fd);
        else if (errno != ENOMEM) {
            status = clpool__error(pool, CLPOOL_EIO, "cannot create a file in %s: %s", w->dir,
                                   strerror(errno));
            goto unlink_c;
        }
    }
    if (out_path == NULL) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for a path");
        goto unlink_c;
    }

    /* The dependency list (-MMD: the headers outside the system's
     * directories, which are the compiler's own) goes beside the .c; it is
     * not one of the flags, which are part of the key. */
    d_path = clpool__asprintf("%s.d", c_path);
    if (d_path == NULL || add_all(&argv, (const char *const *)cc->v, cc->n) != 0 ||
        add_all(&argv, (const char *const *)flags->v, flags->n) != 0 ||
        clpool__argv_add(&argv, "-MMD") != 0 || clpool__argv_add(&argv, "-MF") != 0 ||
        clpool__argv_add(&argv, d_path) != 0 ||
        clpool__argv_add(&argv, "-o") != 0 || clpool__argv_add(&argv, out_path) != 0 ||
        clpool__argv_add(&argv, c_path) != 0 || clpool__argv_add(&argv, "-lm") != 0) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory to run the C compiler");
        goto unlink_out;
    }

    int wstatus;
    int err = clpool__spawn(argv.v, &output, &wstatus);
    if (err != 0) {
        status = cannot_run(pool, cc->v[0], err, argv.v);
        goto unlink_out;
    }
    int ok = exited_ok(wstatus);
    if (wstatus == -1) {
        /* SIGCHLD ignored: judge by the output file. */
        struct stat st;
        ok = stat(out_path, &st) == 0 && st.st_size > 0;
    }
    if (!ok) {
        clpool__buf msg = {0};
        clpool__buf_fmt(&msg, "the C compiler '%s' could not build %s for the fork backend (",
                        cc->v[0], prog->path);
        describe_exit(&msg, wstatus);
        clpool__buf_fmt(&msg, "):\n%s", output.data != NULL ? output.data : "");
        char *m = clpool__buf_take(&msg);
        status = m != NULL ? clpool__error_text(pool, CLPOOL_EBUILD, m)
                           : clpool__error(pool, CLPOOL_EBUILD, "the C compiler failed");
        free(m);
        goto unlink_out;
    }

    /* The linker made the file afresh with the umask's mode: make it the
     * owner's alone, like everything else the build writes. */
    if (chmod(out_path, 0700) != 0) {
        status = clpool__error(pool, CLPOOL_EIO, "cannot set the mode of %s: %s", out_path,
                               strerror(errno));
        goto unlink_out;
    }
    if (w->ours) {
        /* Move the .so out of the folder that is about to go. */
        int fd = clpool__make_file(clpool__tmp_dir(), ".so", &final_path);
        if (fd < 0) {
            status = clpool__error(pool, errno == ENOMEM ? CLPOOL_ENOMEM : CLPOOL_EIO,
                                   "cannot create a file in %s: %s", clpool__tmp_dir(), strerror(errno));
            goto unlink_out;
        }
        close(fd);
        if (rename(out_path, final_path) != 0) {
            status = clpool__error(pool, CLPOOL_EIO, "cannot move the built object to %s: %s",
                                   final_path, strerror(errno));
            unlink(final_path);
            free(final_path);
            goto unlink_out;
        }
        free(out_path);
        out_path = final_path;
    }
    if (output.data != NULL && output.len > strspn(output.data, " \t\r\n")) {
        *log = clpool__buf_take(&output);
        if (*log == NULL) {
            status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for the build log");
            goto unlink_out;
        }
    }
    *so_path = out_path;
    out_path = NULL;
    status = CLPOOL_OK;
    clpool__deps_add_file_list(deps, d_path, c_path);

unlink_out:
    if (d_path != NULL)
        unlink(d_path);
    free(d_path);
    if (out_path != NULL)
        unlink(out_path);
    free(out_path);
    clpool__argv_free(&argv);
    clpool__buf_free(&output);
unlink_c:
    unlink(c_path);
    free(c_path);
    return status;
}

/* ------------------------------------------------------------------ build */

static void key_add(clpool__key_part *parts, size_t *n, const void *data, size_t len)
{
    parts[*n].data = data;
    parts[*n].len = len;
    (*n)++;
}

/* The words of an argument list, each with its NUL, as one key part. */
static char *joined(const clpool__argv *a, size_t *len)
{
    clpool__buf b = {0};
    for (size_t i = 0; i < a->n; i++)
        clpool__buf_add(&b, a->v[i], strlen(a->v[i]) + 1);
    *len = b.len;
    return clpool__buf_take(&b);
}

void clpool__refusals_free(clpool__refusals *r)
{
    for (size_t k = 0; r->why != NULL && k < r->n; k++)
        free(r->why[k]);
    free(r->why);
    free(r->always);
    r->why = NULL;
    r->always = NULL;
    r->n = 0;
}

int clpool__native_build(clpool_program *prog, char **so_path, char **log,
                         clpool__refusals *refused)
{
    clpool *pool = prog->pool;
    int status;
    *so_path = NULL;
    *log = NULL;
    if (refused != NULL)
        *refused = (clpool__refusals){NULL, NULL, 0};

    clpool__argv cc = {0}, flags = {0};
    clpool__buf macros = {0}, text = {0};
    char *cc_words = NULL, *flag_words = NULL;
    void *cached = NULL;
    clpool__workspace w = {NULL, 0};
    clpool__native_facts facts = {0};
    int *fibers = NULL, any_fibers = 0;

    char march[80];
    if (add_all(&flags, base_flags, sizeof base_flags / sizeof base_flags[0]) != 0 ||
        clpool__argv_add(&flags, march_flag(march, sizeof march)) != 0) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for the compiler's flags");
        goto free_all;
    }
    /* The options first: a bad one is the build's error (CLPOOL_EBUILD),
     * whatever the scan below would make of it. */
    status = clpool__map_options(pool, prog->options, &flags);
    if (status != CLPOOL_OK)
        goto free_all;
    /* With CC unset the compiler depends on whether the program names
     * vector types, which the selection tells when they are allowed; the
     * selection is made again only when they are used and the compiler
     * found for them turns out not to be clang. */
    int env_cc = clpool__compiler_from_env();
    if (!env_cc) {
        status = clpool__native_select(prog, 1, &facts);
        if (status != CLPOOL_OK)
            goto free_all;
    }
    status = clpool__compiler_words(pool, env_cc || facts.uses_vectors, &cc);
    if (status != CLPOOL_OK)
        goto free_all;
    status = compiler_identity(pool, &cc, &macros);
    if (status != CLPOOL_OK)
        goto free_all;
    int clang = macros.data != NULL && strstr(macros.data, "#define __clang__ ") != NULL;
    /* Without clang, vector types are one more construct that refuses the
     * kernels that use them. */
    if (env_cc || (facts.uses_vectors && !clang)) {
        clpool__native_facts_free(&facts);
        facts = (clpool__native_facts){0};
        status = clpool__native_select(prog, clang, &facts);
        if (status != CLPOOL_OK)
            goto free_all;
    }
    int vectors = facts.uses_vectors;
    /* clang vectorises calls to exp, sin, ... through glibc's libmvec when
     * told to (gcc learns it from the prelude's declarations). */
    if (clang && strstr(macros.data, "#define __x86_64__ ") != NULL &&
        strstr(macros.data, "#define __gnu_linux__ ") != NULL &&
        clpool__argv_add(&flags, "-fveclib=libmvec") != 0) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for the compiler's flags");
        goto free_all;
    }

    /* The text: prelude, the source's #line, then what the generator makes;
     * the key leaves the path out, so the same program from another path
     * is the same entry. */
    fibers = clpool__wg_fiber_kernels(prog, &any_fibers);
    if (fibers == NULL) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory to scan the program");
        goto free_all;
    }
    clpool__buf_str(&text, prelude_line);
    if (any_fibers)
        clpool__buf_str(&text, clpool__prelude_fiber_headers);
    clpool__buf_str(&text, clpool__prelude);
    if (vectors)
        clpool__buf_str(&text, clpool__prelude_vector);
    clpool__buf_str(&text, clpool__prelude_wg);
    if (any_fibers)
        clpool__buf_str(&text, clpool__prelude_fibers);
    size_t prelude_len = text.len;
    clpool__buf_str(&text, "#line 1 \"");
    clpool__buf_cstring(&text, prog->path);
    clpool__buf_str(&text, "\"\n");
    size_t body_at = text.len;
    if (text.failed) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory to generate the native source");
        goto free_all;
    }
    status = clpool__native_gen(prog, &facts, vectors, fibers, &text);
    if (status != CLPOOL_OK)
        goto free_all;

    size_t cc_len, flags_len;
    cc_words = joined(&cc, &cc_len);
    flag_words = joined(&flags, &flags_len);
    if (cc_words == NULL || flag_words == NULL) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory for the cache key");
        goto free_all;
    }
    clpool__key_part parts[10];
    size_t nparts = 0;
    static const char tag[] = "native-so";
    static const char version[] = CLPOOL_VERSION;
    key_add(parts, &nparts, tag, sizeof tag - 1);
    key_add(parts, &nparts, version, sizeof version - 1);
    key_add(parts, &nparts, prog->source, strlen(prog->source));
    key_add(parts, &nparts, prog->options, strlen(prog->options));
    key_add(parts, &nparts, text.data, prelude_len);
    key_add(parts, &nparts, text.data + body_at, text.len - body_at);
    key_add(parts, &nparts, cc_words, cc_len);
    key_add(parts, &nparts, macros.data != NULL ? macros.data : "", macros.len);
    key_add(parts, &nparts, flag_words, flags_len);
    char key[CLPOOL__KEY_HEX];
    clpool__cache_key(parts, nparts, key);

    status = clpool__workspace_open(pool, &w);
    if (status != CLPOOL_OK)
        goto free_all;
    /* The cache is an optimisation: on a full file system the build goes
     * to a private folder instead (and nothing is stored). */
    if (!w.ours && !clpool__cache_has_room(&pool->cache)) {
        clpool__workspace_close(&w);
        status = clpool__workspace_open_private(pool, &w);
        if (status != CLPOOL_OK)
            goto free_all;
    }

    size_t cached_len = 0;
    int hit = w.ours ? 0 : clpool__cache_load(&pool->cache, key, &cached, &cached_len);
    if (hit < 0) {
        status = clpool__error(pool, CLPOOL_ENOMEM, "no memory to read the cache");
        goto close_workspace;
    }
    if (hit) {
        status = clpool__write_new_file(pool, w.dir, ".so", cached, cached_len, so_path);
        if (status == CLPOOL_EIO && !w.ours) {
            clpool__workspace_close(&w);
            status = clpool__workspace_open_private(pool, &w);
            if (status == CLPOOL_OK)
                status = clpool__write_new_file(pool, w.dir, ".so", cached, cached_len, so_path);
        }
        if (status == CLPOOL_OK) {
            prog->from_cache = 1;
            memcpy(prog->cache_key, key, sizeof key);
        }
        goto close_workspace;
    }

    clpool__deps deps = {0};
    status = compile(prog, &w, &cc, &flags, text.data, text.len, so_path, log, &deps);
    if (status == CLPOOL_EIO && !w.ours) {
        clpool__workspace_close(&w);
        status = clpool__workspace_open_private(pool, &w);
        if (status == CLPOOL_OK)
            status = compile(prog, &w, &cc, &flags, text.data, text.len, so_path, log, &deps);
    }
    if (status == CLPOOL_OK && !w.ours) {
        void *so = NULL;
        size_t so_len = 0;
        /* The cache is an optimisation: a failed read or store is no error.
         * Without the list of headers read, nothing is stored. */
        if (clpool__read_all(*so_path, &so, &so_len) == 0) {
            (void)clpool__cache_store_deps(&pool->cache, key, &deps, so, so_len);
            free(so);
        }
    }
    clpool__deps_free(&deps);

close_workspace:
    clpool__workspace_close(&w);
    if (status == CLPOOL_OK && refused != NULL) {
        *refused = (clpool__refusals){facts.refused, facts.refused_always, facts.nsigs};
        facts.refused = NULL;
        facts.refused_always = NULL;
    }
free_all:
    clpool__native_facts_free(&facts);
    free(fibers);
    free(cached);
    free(cc_words);
    free(flag_words);
    clpool__buf_free(&text);
    clpool__buf_free(&macros);
    clpool__argv_free(&flags);
    clpool__argv_free(&cc);
    return status;
}
