/*
 * Building programs, through clpool's disk cache: a hit is loaded as a
 * device binary, a miss (or a binary the driver refuses) is built from
 * source and its binary stored for the next process.
 *
 * A cache entry is "CLPOOLB1", the build log's length as 8 little-endian
 * bytes, the log, then the device binary: the log is kept so that a program
 * loaded from the cache reports the same warnings as the build that made it.
 */
#include "opencl/opencl.h"

#include "clc/window.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENTRY_MAGIC "CLPOOLB1"
#define ENTRY_MAGIC_LEN 8
#define ENTRY_HEADER_LEN (ENTRY_MAGIC_LEN + 8)

#ifndef CLPOOL_VERSION
#define CLPOOL_VERSION CLPOOL_VERSION_STRING
#endif

/* A "#line 1 "file.cl"" directive, so that the compiler's messages name the
 * .cl file rather than the driver's temporary copy; "" for a name that
 * cannot be written as a string literal plainly. The file's base name is
 * enough there (the message's first line has the whole path), and it keeps
 * the cache key the same whatever directory the program is run from. */
static void line_directive(const char *path, char *buf, size_t len)
{
    buf[0] = '\0';
    const char *slash = strrchr(path, '/');
    const char *name = slash != NULL ? slash + 1 : path;
    if (name[0] == '\0' || strpbrk(name, "\"\\\n\r") != NULL)
        return;
    int n = snprintf(buf, len, "#line 1 \"%s\"\n", name);
    if (n < 0 || (size_t)n >= len)
        buf[0] = '\0';
}

/* Everything that decides what the compiler produces. A new driver,
 * device, or clpool version gives a new key, so a stale binary is never
 * offered to a driver that did not make it. */
static void make_key(const clpool_program *prog, const struct clpool__cl_pool *cl,
                     const char *line, const char *text, char key[CLPOOL__KEY_HEX])
{
    /* The #line directive is part of the compiled text (__FILE__ expands
     * to its name), so it is part of the key. */
    const char *parts[] = {
        "opencl-binary",      line,           text,               prog->options,
        cl->platform_name,    cl->platform_version, cl->device_name, cl->driver_version,
        cl->device_version,   CLPOOL_VERSION,
    };
    clpool__key_part kp[sizeof parts / sizeof parts[0]];
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        kp[i].data = parts[i];
        kp[i].len = strlen(parts[i]);
    }
    clpool__cache_key(kp, sizeof kp / sizeof kp[0], key);
}

/* The device's build log with trailing blanks removed; NULL when it is
 * empty or cannot be read (a log is detail, not a reason to fail). */
static char *build_log(cl_program program, cl_device_id device)
{
    size_t size = 0;
    if (clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, NULL, &size) !=
            CL_SUCCESS ||
        size == 0)
        return NULL;
    char *log = malloc(size + 1);
    if (log == NULL)
        return NULL;
    if (clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, size, log, NULL) !=
        CL_SUCCESS) {
        free(log);
        return NULL;
    }
    log[size] = '\0';
    size_t len = strlen(log);
    while (len > 0 && (log[len - 1] == '\n' || log[len - 1] == ' ' || log[len - 1] == '\t' ||
                       log[len - 1] == '\r'))
        log[--len] = '\0';
    if (len == 0) {
        free(log);
        return NULL;
    }
    return log;
}

/* Tries a cached entry. Returns the built program, or NULL when the entry is
 * malformed or the driver refuses it; the caller then builds from source
 * (and the new binary replaces the entry). */
static cl_program load_entry(const clpool_program *prog, const struct clpool__cl_pool *cl,
                             const unsigned char *entry, size_t len, char **log)
{
    *log = NULL;
    if (len < ENTRY_HEADER_LEN || memcmp(entry, ENTRY_MAGIC, ENTRY_MAGIC_LEN) != 0)
        return NULL;
    uint64_t log_len = 0;
    for (int i = 7; i >= 0; i--)
        log_len = (log_len << 8) | entry[ENTRY_MAGIC_LEN + i];
    if (log_len >= len - ENTRY_HEADER_LEN)
        return NULL; /* no room left for a binary */
    const unsigned char *binary = entry + ENTRY_HEADER_LEN + log_len;
    size_t binary_len = len - ENTRY_HEADER_LEN - (size_t)log_len;

    cl_int err, binary_status;
    cl_program program = clCreateProgramWithBinary(cl->context, 1, &cl->device, &binary_len,
                                                   &binary, &binary_status, &err);
    if (err != CL_SUCCESS || binary_status != CL_SUCCESS) {
        if (program != NULL)
            (void)clReleaseProgram(program);
        return NULL;
    }
    if (clBuildProgram(program, 1, &cl->device, prog->options, NULL, NULL) != CL_SUCCESS) {
        (void)clReleaseProgram(program);
        return NULL;
    }
    if (log_len > 0) {
        *log = malloc((size_t)log_len + 1);
        if (*log == NULL) {
            (void)clReleaseProgram(program);
            return NULL;
        }
        memcpy(*log, entry + ENTRY_HEADER_LEN, (size_t)log_len);
        (*log)[log_len] = '\0';
    }
    return program;
}

/* Stores the built program's binary under key. Every failure is ignored:
 * the cache only saves time, and the program is already built. */
static void store_entry(const clpool_program *prog, cl_program program, const char *key)
{
    size_t binary_len = 0;
    if (clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, sizeof binary_len, &binary_len,
                         NULL) != CL_SUCCESS ||
        binary_len == 0)
        return;
    size_t log_len = prog->log != NULL ? strlen(prog->log) : 0;
    size_t header_and_log = ENTRY_HEADER_LEN + log_len, total;
    if (__builtin_add_overflow(header_and_log, binary_len, &total))
        return;
    unsigned char *entry = malloc(total);
    if (entry == NULL)
        return;
    memcpy(entry, ENTRY_MAGIC, ENTRY_MAGIC_LEN);
    for (int i = 0; i < 8; i++)
        entry[ENTRY_MAGIC_LEN + i] = (unsigned char)((uint64_t)log_len >> (8 * i));
    if (log_len > 0)
        memcpy(entry + ENTRY_HEADER_LEN, prog->log, log_len);
    /* The driver writes the binary straight into its place in the entry. */
    unsigned char *binary = entry + header_and_log;
    /* The driver cannot say which headers it read: the host compiler's
     * preprocessor lists them, and without that list nothing is stored. */
    clpool__deps deps = {0};
    clpool__deps_of_source(&deps, prog->source, prog->options);
    if (clGetProgramInfo(program, CL_PROGRAM_BINARIES, sizeof binary, &binary, NULL) ==
        CL_SUCCESS)
        (void)clpool__cache_store_deps(&prog->pool->cache, key, &deps, entry, total);
    clpool__deps_free(&deps);
    free(entry);
}

/* The message of a failed build from source. */
static int build_failed(clpool_program *prog, cl_int err, const char *log)
{
    clpool *pool = prog->pool;
    const char *shown = log != NULL ? log : "(the compiler left no log)";
    /* The log goes in as a %s argument, so a '%' in it is printed as is. */
    if (err == CL_BUILD_PROGRAM_FAILURE)
        return clpool__error(pool, CLPOOL_EBUILD, "building %s%s%s%s failed:\n%s", prog->path,
                             prog->options[0] ? " with options '" : "", prog->options,
                             prog->options[0] ? "'" : "", shown);
    if (err == CL_INVALID_BUILD_OPTIONS)
        return clpool__error(pool, CLPOOL_EBUILD,
                             "building %s failed: the compiler refused the options '%s' "
                             "(CL_INVALID_BUILD_OPTIONS):\n%s",
                             prog->path, prog->options, shown);
    return clpool__error(pool, clpool__cl_status(err), "clBuildProgram of %s failed: %s (%d)%s%s",
                         prog->path, clpool__cl_err_name(err), (int)err, log ? ":\n" : "",
                         log ? log : "");
}

static int build_from_source(clpool_program *prog, const struct clpool__cl_pool *cl,
                             const char *line, const char *text, cl_program *out)
{
    cl_int err;
    const char *src[2] = {line, text};
    cl_program program = clCreateProgramWithSource(cl->context, 2, src, NULL, &err);
    if (err != CL_SUCCESS)
        return clpool__cl_error(prog->pool, err, "clCreateProgramWithSource of %s failed",
                                prog->path);
    err = clBuildProgram(program, 1, &cl->device, prog->options, NULL, NULL);
    char *log = build_log(program, cl->device);
    if (err != CL_SUCCESS) {
        int status = build_failed(prog, err, log);
        free(log);
        (void)clReleaseProgram(program);
        return status;
    }
    prog->log = log;
    *out = program;
    return CLPOOL_OK;
}

/* The last step of a build: the struct sizes; a failure releases the
 * program, as a failed build leaves nothing behind. */
static int with_sizes(clpool_program *prog)
{
    int status = clpool__cl_read_sizes(prog);
    if (status != CLPOOL_OK) {
        (void)clReleaseProgram((cl_program)prog->impl);
        prog->impl = NULL;
        free(prog->log);
        prog->log = NULL;
    }
    return status;
}

int clpool__cl_program_build(clpool_program *prog)
{
    clpool *pool = prog->pool;
    const struct clpool__cl_pool *cl = clpool__cl_of(pool);
    const int caching = pool->cache.dir != NULL;
    char key[CLPOOL__KEY_HEX];
    char line[512];
    line_directive(prog->path, line, sizeof line);
    /* The window wrappers that chunked maps launch (clc/window.h) are built
     * with the program, each after its kernel; the text compiled (and so
     * the cache key) is the source with them. */
    char *text = clpool__window_source(prog->source, prog->sigs, prog->nsigs);
    if (text == NULL)
        return clpool__error(pool, CLPOOL_ENOMEM, "no memory for the window wrappers of %s",
                             prog->path);

    if (caching) {
        make_key(prog, cl, line, text, key);
        void *entry = NULL;
        size_t len = 0;
        /* An allocation failure while loading is treated as a miss: the
         * build below reports memory trouble with a better message. */
        if (clpool__cache_load(&pool->cache, key, &entry, &len) == 1) {
            char *log = NULL;
            cl_program program = load_entry(prog, cl, entry, len, &log);
            free(entry);
            if (program != NULL) {
                prog->impl = program;
                prog->log = log;
                prog->from_cache = 1;
                free(text);
                return with_sizes(prog);
            }
        }
    }

    cl_program program = NULL;
    int status = build_from_source(prog, cl, line, text, &program);
    if (status != CLPOOL_OK && strcmp(text, prog->source) != 0) {
        /* A wrapper that does not build (the parser saw a kernel that a
         * macro changes, say) must not stop the program. The program alone
         * decides: if it builds, it runs, whole (window.c finds no wrapper
         * and the core maps whole); if not, its own log, free of wrapper
         * lines, is the message. */
        status = build_from_source(prog, cl, line, prog->source, &program);
    }
    free(text);
    if (status != CLPOOL_OK)
        return status;
    if (caching)
        store_entry(prog, program, key);
    prog->impl = program;
    prog->from_cache = 0;
    return with_sizes(prog);
}

void clpool__cl_program_free(clpool_program *prog)
{
    if (prog->impl != NULL)
        (void)clReleaseProgram((cl_program)prog->impl);
    prog->impl = NULL;
}
