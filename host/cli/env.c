/* The facts of the header line: version, CPU, cores, system, devices, date. */
#include "env.h"

#include "util.h"

#include <clpool.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* The first "model name" of /proc/cpuinfo (x86), else its "Model" or
 * "Hardware" line (ARM), trimmed. */
static void cpu_model(char *out, size_t len)
{
    bench_copy(out, len, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "model name", 10) != 0 && strncmp(line, "Model", 5) != 0 &&
            strncmp(line, "Hardware", 8) != 0)
            continue;
        char *colon = strchr(line, ':');
        if (colon == NULL)
            continue;
        char *v = colon + 1;
        while (isspace((unsigned char)*v))
            v++;
        size_t n = strlen(v);
        while (n > 0 && isspace((unsigned char)v[n - 1]))
            v[--n] = '\0';
        /* Runs of blanks inside ("Intel(R) Xeon(R) CPU    @ 2.20GHz") become one. */
        char *w = v;
        for (char *r = v; *r != '\0'; r++)
            if (!(*r == ' ' && w > v && w[-1] == ' '))
                *w++ = *r;
        *w = '\0';
        if (v[0] != '\0') {
            bench_copy(out, len, v);
            found = 1;
        }
    }
    fclose(f);
}

void bench_env_init(bench_env *e)
{
    memset(e, 0, sizeof *e);
    e->version = CLPOOL_VERSION_STRING;
    cpu_model(e->cpu, sizeof e->cpu);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    e->cores = cores > 0 ? (int)cores : 0;
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(e->os, sizeof e->os, "%s %s %s", u.sysname, u.release, u.machine);
    else
        bench_copy(e->os, sizeof e->os, "unknown system");
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) == NULL || strftime(e->date, sizeof e->date, "%Y-%m-%dT%H:%M:%SZ",
                                                &tm) == 0)
        bench_copy(e->date, sizeof e->date, "unknown date");
}

void bench_env_devices(bench_env *e, bench_row *const *rows, size_t n)
{
    e->ndevices = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i]->device[0] == '\0')
            continue; /* a child that died before saying what it ran on */
        char name[sizeof e->devices[0]];
        snprintf(name, sizeof name, "%s %s", rows[i]->backend, rows[i]->device);
        int seen = 0;
        for (size_t d = 0; d < e->ndevices && !seen; d++)
            seen = strcmp(e->devices[d], name) == 0;
        if (!seen && e->ndevices < BENCH_MAX_DEVICES)
            bench_copy(e->devices[e->ndevices++], sizeof e->devices[0], name);
    }
}

void bench_env_line(const bench_env *e, char *out, size_t len)
{
    char devices[BENCH_MAX_DEVICES * 116] = "";
    for (size_t d = 0; d < e->ndevices; d++) {
        size_t used = strlen(devices);
        snprintf(devices + used, sizeof devices - used, "%s%s", d ? ", " : "", e->devices[d]);
    }
    /* "2026-12-01T20:30:05Z" reads "2026-12-01 20:30 UTC". */
    snprintf(out, len, "clpool %s | %s (%d core%s) | %s | %.10s %.5s UTC", e->version, e->cpu,
             e->cores, e->cores == 1 ? "" : "s", e->ndevices ? devices : "no device ran",
             e->date, e->date + (strlen(e->date) > 11 ? 11 : strlen(e->date)));
}
