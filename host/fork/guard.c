/*
 * Has this process initialised OpenCL? DESIGN.md: no process that has
 * initialised OpenCL ever forks, because a forked copy of a process running a
 * driver's threads can deadlock on a lock one of those threads held.
 *
 * The ICD loader (libOpenCL.so) is linked into libclpool and costs nothing
 * until it is called; the first call loads the vendor drivers. So the answer
 * is whether a vendor driver is mapped: a library named in an ICD file
 * (/etc/OpenCL/vendors/\*.icd, $OCL_ICD_VENDORS, $OCL_ICD_FILENAMES), or one
 * whose name says it is a driver (libpocl, libnvidia-opencl, libamdocl, ...).
 * The backends never call each other, so /proc/self/maps is the one place
 * that knows without a global flag.
 */
#include "fork.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Drivers by name, for the ICD files this process cannot see. */
static int looks_like_driver(const char *base)
{
    /* Shared libraries only: a program may well be called opencl_test. */
    if (strncmp(base, "lib", 3) != 0 || strstr(base, ".so") == NULL)
        return 0;
    static const char *const names[] = {"pocl", "amdocl", "intelocl", "igdrcl", "nvopencl"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (contains_ci(base, names[i]))
            return 1;
    /* libnvidia-opencl, libMesaOpenCL, libRusticlOpenCL; not the loader. */
    return contains_ci(base, "opencl") && strncmp(base, "libOpenCL.so", 12) != 0;
}

/* A list of library base names, from ICD files and the environment. */
struct names {
    char **v;
    size_t n, cap;
};

static void names_add(struct names *l, const char *path)
{
    const char *base = base_name(path);
    if (*base == '\0')
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **grown = realloc(l->v, cap * sizeof *grown);
        if (grown == NULL)
            return; /* the name heuristic still applies */
        l->v = grown;
        l->cap = cap;
    }
    char *copy = clpool__strdup(base);
    if (copy != NULL)
        l->v[l->n++] = copy;
}

static void read_icd_file(struct names *l, const char *path)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return;
    char line[1024];
    if (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        names_add(l, line);
    }
    fclose(f);
}

static void read_icd_dir(struct names *l, const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".icd") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        read_icd_file(l, path);
    }
    closedir(d);
}

static void gather_icd_names(struct names *l)
{
    read_icd_dir(l, "/etc/OpenCL/vendors");
    const char *v = getenv("OCL_ICD_VENDORS");
    if (v != NULL && *v != '\0') {
        size_t len = strlen(v);
        if (len > 4 && strcmp(v + len - 4, ".icd") == 0)
            read_icd_file(l, v);
        else
            read_icd_dir(l, v);
    }
    const char *files = getenv("OCL_ICD_FILENAMES");
    if (files != NULL) {
        char *copy = clpool__strdup(files);
        char *save = NULL;
        for (char *tok = copy ? strtok_r(copy, ":;", &save) : NULL; tok != NULL;
             tok = strtok_r(NULL, ":;", &save))
            names_add(l, tok);
        free(copy);
    }
}

int clpool__fork_opencl_loaded(char *lib, size_t liblen)
{
    FILE *maps = fopen("/proc/self/maps", "re");
    if (maps == NULL)
        return 0; /* no /proc: nothing to go on, and nothing was seen */
    struct names icd = {0};
    gather_icd_names(&icd);

    int found = 0;
    char *line = NULL;
    size_t cap = 0;
    while (!found && getline(&line, &cap, maps) > 0) {
        char *path = strchr(line, '/');
        if (path == NULL)
            continue;
        path[strcspn(path, "\n")] = '\0';
        const char *base = base_name(path);
        found = looks_like_driver(base);
        for (size_t i = 0; i < icd.n && !found; i++)
            found = strcmp(base, icd.v[i]) == 0;
        if (found)
            snprintf(lib, liblen, "%s", base);
    }
    free(line);
    fclose(maps);
    for (size_t i = 0; i < icd.n; i++)
        free(icd.v[i]);
    free(icd.v);
    return found;
}
