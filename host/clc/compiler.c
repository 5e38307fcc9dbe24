/* The choice of the C compiler (see compiler.h). */
#include "clc/compiler.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether dir/name is an executable file. */
static int executable(const char *dir, size_t dirlen, const char *name)
{
    char path[4096];
    int w = snprintf(path, sizeof path, "%.*s/%s", (int)dirlen, dirlen == 0 ? "." : dir, name);
    struct stat st;
    return w > 0 && (size_t)w < sizeof path && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           access(path, X_OK) == 0;
}

/* NN for a name "clang-NN" (digits only), else -1. */
static long clang_version(const char *name)
{
    if (strncmp(name, "clang-", 6) != 0 || name[6] < '0' || name[6] > '9')
        return -1;
    char *end;
    long v = strtol(name + 6, &end, 10);
    return *end == '\0' && v >= 0 && v < 100000 ? v : -1;
}

/* Whether name is an executable file in a directory of PATH. */
static int on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path;;) {
        size_t n = strcspn(p, ":");
        if (executable(p, n, name))
            return 1;
        if (p[n] == '\0')
            return 0;
        p += n + 1;
    }
}

void clpool__compiler_default(char *name, size_t len)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        path = "/usr/local/bin:/usr/bin:/bin";
    long best = -1;
    char best_name[32] = "";
    /* `clang` anywhere on PATH first: it is the one the system calls clang. */
    if (on_path("clang")) {
        snprintf(name, len, "clang");
        return;
    }
    for (const char *p = path;;) {
        size_t n = strcspn(p, ":");
        char dir[4096];
        snprintf(dir, sizeof dir, "%.*s", (int)n, n == 0 ? "." : p);
        DIR *d = opendir(dir);
        if (d != NULL) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                long v = clang_version(e->d_name);
                /* An equal version later on PATH is the same name, and
                 * spawnp takes the first. */
                size_t nl = strlen(e->d_name);
                if (v > best && nl < sizeof best_name && executable(dir, strlen(dir), e->d_name)) {
                    best = v;
                    memcpy(best_name, e->d_name, nl + 1);
                }
            }
            closedir(d);
        }
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    snprintf(name, len, "%s", best >= 0 ? best_name : "cc");
}

void clpool__compiler_plain(char *name, size_t len)
{
    if (on_path("cc"))
        snprintf(name, len, "cc");
    else if (on_path("gcc"))
        snprintf(name, len, "gcc");
    else
        clpool__compiler_default(name, len);
}

int clpool__compiler_from_env(void)
{
    const char *env = secure_getenv("CC");
    return env != NULL && env[strspn(env, " \t\n")] != '\0';
}

int clpool__compiler_words(clpool *pool, int vectors, clpool__argv *cc)
{
    char fallback[32];
    const char *env = secure_getenv("CC");
    if (!clpool__compiler_from_env()) {
        if (vectors)
            clpool__compiler_default(fallback, sizeof fallback);
        else
            clpool__compiler_plain(fallback, sizeof fallback);
        env = fallback;
    }
    const char *p = env;
    while (*p != '\0') {
        p += strspn(p, " \t\n");
        size_t n = strcspn(p, " \t\n");
        if (n == 0)
            break;
        char *w = clpool__asprintf("%.*s", (int)n, p);
        int failed = w == NULL || clpool__argv_add(cc, w) != 0;
        free(w);
        if (failed)
            return clpool__error(pool, CLPOOL_ENOMEM, "no memory for the compiler's name");
        p += n;
    }
    return CLPOOL_OK;
}
