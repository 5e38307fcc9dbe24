/* The compiler fingerprint behind the cached compiler identity. */
#include "identity.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Finds name as execvp would (a name with a slash is taken as is) and
 * resolves links, so that `cc` and the gcc it points at are one compiler. */
static int resolve_program(const char *name, char out[PATH_MAX])
{
    if (strchr(name, '/') != NULL)
        return realpath(name, out) != NULL ? 0 : -1;
    const char *path = getenv("PATH");
    if (path == NULL)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path != '\0') {
        size_t len = strcspn(path, ":");
        char candidate[PATH_MAX];
        int w = snprintf(candidate, sizeof candidate, "%.*s/%s", (int)len,
                         len == 0 ? "." : path, name);
        if (w > 0 && (size_t)w < sizeof candidate && access(candidate, X_OK) == 0 &&
            realpath(candidate, out) != NULL)
            return 0;
        path += len;
        if (*path == ':')
            path++;
    }
    return -1;
}

/* The first "model name" and "flags" lines of /proc/cpuinfo (those are what
 * -march=native looks at); empty where there is no such file. */
static size_t cpu_lines(char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "re");
    if (f == NULL)
        return 0;
    char line[8192];
    int have_model = 0, have_flags = 0;
    while ((!have_model || !have_flags) && fgets(line, sizeof line, f) != NULL) {
        int is_model = strncmp(line, "model name", 10) == 0;
        int is_flags = strncmp(line, "flags", 5) == 0 || strncmp(line, "Features", 8) == 0;
        if ((is_model && !have_model) || (is_flags && !have_flags)) {
            size_t len = strlen(line);
            if (used + len < cap) {
                memcpy(out + used, line, len + 1);
                used += len;
            }
            have_model |= is_model;
            have_flags |= is_flags;
        }
    }
    fclose(f);
    return used;
}

int clpool__compiler_fingerprint(const clpool__argv *cc, char key[CLPOOL__KEY_HEX])
{
    if (cc->n == 0)
        return -1;
    char program[PATH_MAX];
    if (resolve_program(cc->v[0], program) != 0)
        return -1;
    struct stat st;
    if (stat(program, &st) != 0)
        return -1;
    unsigned long long file_id[5] = {(unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                                     (unsigned long long)st.st_size,
                                     (unsigned long long)st.st_mtim.tv_sec,
                                     (unsigned long long)st.st_mtim.tv_nsec};
    static const char label[] = "compiler-identity-v1";
    char cpu[16384];
    size_t cpu_len = cpu_lines(cpu, sizeof cpu);

    /* label, program, file id, cpu, then each further word of CC. */
    clpool__key_part parts[4 + 32];
    size_t n = 0;
    parts[n++] = (clpool__key_part){label, sizeof label - 1};
    parts[n++] = (clpool__key_part){program, strlen(program)};
    parts[n++] = (clpool__key_part){file_id, sizeof file_id};
    parts[n++] = (clpool__key_part){cpu, cpu_len};
    for (size_t i = 1; i < cc->n; i++) {
        if (n == sizeof parts / sizeof parts[0])
            return -1; /* an odd CC: ask the compiler every time */
        parts[n++] = (clpool__key_part){cc->v[i], strlen(cc->v[i])};
    }
    clpool__cache_key(parts, n, key);
    return 0;
}
