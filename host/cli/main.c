/*
 * clpool-bench: runs the built-in workloads on every clpool backend found
 * and prints how fast each ran, against a single-process native baseline,
 * with every result checked against a C reference. --help documents it.
 *
 * This process opens no pool itself. It makes the inputs and the reference
 * results, then runs each target (target.h) in a child process, collects the
 * rows through a pipe, and prints them.
 */
#include "env.h"
#include "options.h"
#include "report.h"
#include "row.h"
#include "svg.h"
#include "target.h"
#include "tmpdir.h"
#include "util.h"
#include "workload.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void on_signal(int sig)
{
    bench_stop = sig;
}

/* Without SA_RESTART, so that a blocking read in bench_target_run sees it.
 * sigaction cannot fail for these signals and a valid action; if it did,
 * Ctrl-C would only leave the temporary directory behind. */
static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* The inputs and references of every workload asked for. -1 (having said
 * why) when one cannot be made. */
static int setup_workloads(const bench_options *o, bench_data *data)
{
    for (size_t i = 0; i < o->nworkloads; i++) {
        const bench_workload *w = o->workloads[i];
        double want = floor((double)w->default_n * o->scale + 0.5);
        size_t n = want < 1.0 ? 1 : want > 1e15 ? (size_t)1e15 : (size_t)want;
        bench_progress("preparing %s: inputs and reference results for %zu items", w->name, n);
        if (w->setup(&data[i], n) != 0) {
            bench_progress(NULL);
            fprintf(stderr,
                    "clpool-bench: cannot prepare %s for %zu items: out of memory or past "
                    "the workload's limits (try a smaller --size)\n",
                    w->name, n);
            return -1;
        }
    }
    return 0;
}

/* Each backend that could not open, once (the two fork targets fail alike). */
static void print_unavailable(const bench_results *res, FILE *out, const char *indent)
{
    for (size_t i = 0; i < res->nmsgs; i++) {
        const bench_row *r = &res->msgs[i].row;
        int first = res->msgs[i].kind == BENCH_MSG_UNAVAILABLE;
        for (size_t j = 0; j < i && first; j++)
            first = !(res->msgs[j].kind == BENCH_MSG_UNAVAILABLE &&
                      strcmp(res->msgs[j].row.backend, r->backend) == 0);
        if (first)
            fprintf(out, "%s%s%s%s: unavailable: %s\n", indent, r->backend,
                    r->device[0] ? " " : "", r->device, r->error);
    }
}

static void print_list(const bench_options *o, const bench_results *res)
{
    printf("workloads (kernels from %s: %s):\n", o->kernels_dir, o->kernels_why);
    for (size_t i = 0; i < bench_nworkloads; i++) {
        const bench_workload *w = bench_workloads[i];
        printf("  %-13s %-16s n=%-9zu %s\n", w->name, w->file, w->default_n, w->about);
    }
    printf("backends:\n");
    for (size_t i = 0; i < res->nmsgs; i++) {
        const bench_row *r = &res->msgs[i].row;
        if (res->msgs[i].kind == BENCH_MSG_AVAILABLE)
            printf("  %-7s %.*s%s\n", r->backend, (int)strcspn(r->describe, ";"), r->describe,
                   r->baseline ? " [baseline]" : "");
    }
    print_unavailable(res, stdout, "  ");
}

/* The rows, grouped by workload in the order they were asked for. NULL when
 * out of memory. */
static bench_row **collect_rows(const bench_options *o, bench_results *res, size_t *n)
{
    bench_row **rows = malloc((res->nmsgs + 1) * sizeof *rows);
    if (rows == NULL)
        return NULL;
    *n = 0;
    for (size_t w = 0; w <= o->nworkloads; w++) {
        /* The last pass takes the rows of no workload (a child that died). */
        const char *name = w < o->nworkloads ? o->workloads[w]->name : "-";
        for (size_t i = 0; i < res->nmsgs; i++)
            if (res->msgs[i].kind == BENCH_MSG_ROW && strcmp(res->msgs[i].row.workload, name) == 0)
                rows[(*n)++] = &res->msgs[i].row;
    }
    return rows;
}

/* Prints the results (and writes the chart); returns the exit code. */
static int report(const bench_options *o, bench_results *res, bench_env *env, double started)
{
    size_t nrows = 0;
    bench_row **rows = collect_rows(o, res, &nrows);
    if (rows == NULL) {
        fprintf(stderr, "clpool-bench: no memory for the report\n");
        return BENCH_EXIT_UNVERIFIED;
    }
    bench_env_devices(env, rows, nrows);
    /* Notes go under the table, or to stderr when stdout is for machines. */
    FILE *notes = o->format == BENCH_TABLE ? stdout : stderr;
    if (o->format == BENCH_TABLE)
        fflush(stdout);
    int unverified = 0;
    for (size_t i = 0; i < nrows; i++)
        unverified |= !rows[i]->verified;

    /* The table's notes on the baseline go under it; elsewhere first. */
    bench_report_speedups(rows, nrows, o->format == BENCH_TABLE ? NULL : notes);
    if (o->format == BENCH_JSON) {
        bench_report_json(stdout, env, rows, nrows);
    } else if (o->format == BENCH_CSV) {
        bench_report_csv(stdout, env, rows, nrows);
    } else if (o->format == BENCH_MARKDOWN) {
        bench_report_markdown(stdout, env, rows, nrows);
    } else {
        char line[2048];
        bench_env_line(env, line, sizeof line);
        printf("%s\n", line);
        if (nrows > 0)
            bench_report_table(stdout, rows, nrows);
        bench_report_speedups(rows, nrows, notes);
    }
    print_unavailable(res, notes, "");
    int svg_failed = 0;
    if (o->svg_path != NULL) {
        if (bench_svg_write(o->svg_path, env, rows, nrows) != 0) {
            fprintf(stderr, "clpool-bench: cannot write %s: %s\n", o->svg_path,
                    strerror(errno));
            svg_failed = 1;
        } else {
            fprintf(notes, "chart written to %s\n", o->svg_path);
        }
    }
    if (o->format == BENCH_TABLE)
        fprintf(notes, "%zu row%s, %s, in %.1f s\n", nrows, nrows == 1 ? "" : "s",
                nrows == 0 ? "no backend could run"
                : unverified ? "NOT all verified" : "all verified",
                bench_now() - started);
    free(rows);
    if (nrows == 0)
        return BENCH_EXIT_NO_BACKEND;
    return unverified || svg_failed ? BENCH_EXIT_UNVERIFIED : BENCH_EXIT_OK;
}

int main(int argc, char **argv)
{
    double started = bench_now();
    bench_env env;
    bench_env_init(&env);
    bench_options o;
    int code;
    if (bench_options_parse(argc, argv, &o, &code) != 0)
        return code;
    catch_signals();
    /* Every row would fail the same way: say it once. */
    struct stat st;
    if (!o.list && (stat(o.kernels_dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        fprintf(stderr, "clpool-bench: no kernels directory %s (%s)\n", o.kernels_dir,
                o.kernels_why);
        return BENCH_EXIT_UNVERIFIED;
    }

    char tmp_root[4096];
    if (bench_mkdtemp(NULL, "clpool-bench-", tmp_root, sizeof tmp_root) != 0) {
        fprintf(stderr, "clpool-bench: cannot make a temporary directory: %s\n",
                strerror(errno));
        return BENCH_EXIT_NO_BACKEND;
    }
    bench_data data[sizeof o.workloads / sizeof o.workloads[0]];
    memset(data, 0, sizeof data);
    bench_results res = {0};
    code = BENCH_EXIT_UNVERIFIED;
    if (!o.list && setup_workloads(&o, data) != 0)
        goto cleanup;

    bench_target targets[BENCH_MAX_TARGETS];
    size_t ntargets = bench_targets(&o, targets);
    for (size_t t = 0; t < ntargets && !bench_stop; t++) {
        if (bench_target_run(&targets[t], &o, data, tmp_root, &res) != 0) {
            bench_progress(NULL);
            fprintf(stderr, "clpool-bench: running the %s backend: %s\n", targets[t].backend,
                    strerror(errno));
        }
    }
    bench_progress(NULL);
    if (bench_stop) {
        fprintf(stderr, "clpool-bench: interrupted\n");
        code = 128 + (int)bench_stop;
    } else if (o.list) {
        print_list(&o, &res);
        code = BENCH_EXIT_OK;
    } else {
        code = report(&o, &res, &env, started);
    }

cleanup:
    bench_results_free(&res);
    for (size_t i = 0; i < o.nworkloads; i++)
        bench_data_free(&data[i]);
    if (bench_rmtree(tmp_root) != 0)
        fprintf(stderr, "clpool-bench: could not remove all of %s\n", tmp_root);
    return code;
}
