/*
 * What the fork tests look at in /proc: this process's children (the
 * workers), its open descriptors and mappings, and a process's state and CPU
 * time.
 */
#ifndef CLPOOL_TEST_FORK_PROC_H
#define CLPOOL_TEST_FORK_PROC_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* The pids of this process's live children (zombies included: they are
 * still children), from /proc/self/task/<tid>/children. Returns the count;
 * pids gets at most max of them. */
static inline size_t proc_children(pid_t *pids, size_t max)
{
    size_t n = 0;
    DIR *d = opendir("/proc/self/task");
    if (d == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[300];
        snprintf(path, sizeof path, "/proc/self/task/%s/children", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        long pid;
        while (fscanf(f, "%ld", &pid) == 1) {
            if (n < max && pids != NULL)
                pids[n] = (pid_t)pid;
            n++;
        }
        fclose(f);
    }
    closedir(d);
    return n;
}

/* Entries in a /proc/self directory or lines in a /proc/self file. */
static inline size_t proc_count_fds(void)
{
    size_t n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

static inline size_t proc_count_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (f == NULL)
        return 0;
    size_t n = 0;
    int c;
    while ((c = fgetc(f)) != EOF)
        if (c == '\n')
            n++;
    fclose(f);
    return n;
}

/* The state letter of /proc/<pid>/stat ('R', 'S', 'Z', ...), 0 if gone. */
static inline char proc_state(pid_t pid)
{
    char path[64], state = 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    char buf[512];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    const char *p = strrchr(buf, ')');
    if (p != NULL && p[1] == ' ')
        state = p[2];
    return state;
}

/* Whether process pid has ended: no /proc entry, or dead and waiting to be
 * reaped (a zombie). */
static inline int proc_gone(pid_t pid)
{
    char state = proc_state(pid);
    return state == 0 || state == 'Z' || state == 'X';
}

/* utime + stime of a process in clock ticks, -1 if it is gone. */
static inline long long proc_cpu_ticks(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    /* Fields after the command name, which may hold spaces: from the last ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return -1;
    unsigned long long utime = 0, stime = 0;
    /* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
               &stime) != 2)
        return -1;
    return (long long)(utime + stime);
}

#endif /* CLPOOL_TEST_FORK_PROC_H */
