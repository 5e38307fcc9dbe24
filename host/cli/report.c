/* Speedups and the three output formats. */
#include "report.h"

#include "env.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Speedups compare the same workload moved the same way: a host-arrays row
 * against the baseline's host-arrays row, not against its buffers. */
static int same_group(const bench_row *a, const bench_row *b)
{
    return strcmp(a->workload, b->workload) == 0 && strcmp(a->mode, b->mode) == 0;
}

void bench_report_speedups(bench_row *const *rows, size_t n, FILE *notes)
{
    for (size_t i = 0; i < n; i++) {
        /* The reference row of rows[i]'s workload. */
        const bench_row *base = NULL;
        for (size_t j = 0; j < n && base == NULL; j++)
            if (same_group(rows[j], rows[i]) && rows[j]->baseline &&
                !isnan(rows[j]->seconds))
                base = rows[j];
        int fallback = base == NULL;
        for (size_t j = 0; j < n && base == NULL; j++)
            if (same_group(rows[j], rows[i]) && !isnan(rows[j]->seconds))
                base = rows[j];
        if (base == NULL)
            continue;
        rows[i]->speedup = base->seconds / rows[i]->seconds;
        if (fallback && base == rows[i] && notes != NULL)
            fprintf(notes, "%s%s%s: no fork baseline ran; speedups are relative to %s (%s)\n",
                    rows[i]->workload, strcmp(rows[i]->mode, "buffers") ? " " : "",
                    strcmp(rows[i]->mode, "buffers") ? rows[i]->mode : "", rows[i]->backend,
                    rows[i]->device);
    }
}

/* ------------------------------------------------------------------ table */

enum { COL_WORKLOAD, COL_BACKEND, COL_DEVICE, COL_MODE, COL_N, COL_SECONDS, COL_MIN, COL_MAX,
       COL_SPREAD, COL_ITEMS, COL_GBS, COL_GFLOPS, COL_SPEEDUP, COL_VS_EXPLICIT, COL_COLD,
       COL_WARM, COL_LAUNCH, COL_VERIFIED, NCOLS };

static const char *const headers[NCOLS] = {
    "workload", "backend", "device", "mode", "n", "seconds", "min", "max", "spread",
    "items/s", "GB/s", "GFLOP/s", "speedup", "vs explicit", "cold ms", "warm ms",
    "launch us", "verified"};

/* Numbers right-aligned, words left-aligned. */
static const int right_aligned[NCOLS] = {0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0};

/* The mode columns appear only when some row is not mode buffers, so that
 * the default table stays as it was. */
static int shows(int col, int modes)
{
    return modes || (col != COL_MODE && col != COL_VS_EXPLICIT);
}

static void fixed(char *out, size_t len, const char *fmt, double v)
{
    if (isnan(v) || isinf(v))
        snprintf(out, len, "-");
    else
        snprintf(out, len, fmt, v);
}

static void table_cells(const bench_row *r, char cells[NCOLS][96])
{
    snprintf(cells[COL_WORKLOAD], 96, "%s", r->workload);
    snprintf(cells[COL_BACKEND], 96, "%s", r->backend);
    snprintf(cells[COL_DEVICE], 96, "%s", r->device);
    snprintf(cells[COL_MODE], 96, "%s", r->mode);
    snprintf(cells[COL_N], 96, "%llu", (unsigned long long)r->n);
    fixed(cells[COL_SECONDS], 96, "%.4g", r->seconds);
    fixed(cells[COL_MIN], 96, "%.4g", r->min_seconds);
    fixed(cells[COL_MAX], 96, "%.4g", r->max_seconds);
    /* 0.4% or 12%: a tenth of a percent matters only for steady rows. */
    fixed(cells[COL_SPREAD], 96, r->spread < 0.1 ? "%.1f%%" : "%.0f%%", r->spread * 100.0);
    bench_format_si(cells[COL_ITEMS], 96, r->items_per_second);
    fixed(cells[COL_GBS], 96, "%.2f", r->gbytes_per_second);
    fixed(cells[COL_GFLOPS], 96, "%.2f", r->gflops);
    fixed(cells[COL_SPEEDUP], 96, "%.2f", r->speedup);
    fixed(cells[COL_VS_EXPLICIT], 96, "%.3f", r->vs_explicit);
    fixed(cells[COL_COLD], 96, "%.1f", r->build_cold_ms);
    fixed(cells[COL_WARM], 96, "%.1f", r->build_warm_ms);
    fixed(cells[COL_LAUNCH], 96, "%.1f", r->launch_us);
    snprintf(cells[COL_VERIFIED], 96, "%s", r->verified ? "yes" : "NO");
}

static void table_line(FILE *out, char cells[NCOLS][96], const int *width, int modes)
{
    for (int c = 0; c < NCOLS; c++) {
        if (!shows(c, modes))
            continue;
        const char *sep = c + 1 < NCOLS ? "  " : "\n";
        if (c + 1 == NCOLS)
            fprintf(out, "%s%s", cells[c], sep); /* no trailing blanks */
        else if (right_aligned[c])
            fprintf(out, "%*s%s", width[c], cells[c], sep);
        else
            fprintf(out, "%-*s%s", width[c], cells[c], sep);
    }
}

/* What went wrong, one line per row that has something to say. */
static void row_notes(FILE *out, bench_row *const *rows, size_t n, int modes, const char *bullet)
{
    for (size_t i = 0; i < n; i++) {
        const bench_row *r = rows[i];
        if (r->error[0] == '\0')
            continue;
        /* "not verified: why" reads "NOT verified: why"; a row that could
         * not run says FAILED; a verified row's note (a warm build that
         * failed) is only a note. */
        int mismatch = strncmp(r->error, "not verified: ", 14) == 0;
        fprintf(out, "%s%s%s%s on %s%s%s%s: %s%s\n", bullet, r->workload, modes ? " " : "",
                modes ? r->mode : "", r->backend, r->device[0] ? " (" : "", r->device,
                r->device[0] ? ")" : "",
                r->verified ? "note: " : mismatch ? "NOT verified: " : "FAILED: ",
                mismatch ? r->error + 14 : r->error);
    }
}

void bench_report_table(FILE *out, bench_row *const *rows, size_t n)
{
    int width[NCOLS], modes = 0;
    char cells[NCOLS][96];
    for (size_t i = 0; i < n; i++)
        modes |= strcmp(rows[i]->mode, "buffers") != 0;
    for (int c = 0; c < NCOLS; c++)
        width[c] = (int)strlen(headers[c]);
    for (size_t i = 0; i < n; i++) {
        table_cells(rows[i], cells);
        for (int c = 0; c < NCOLS; c++)
            if ((int)strlen(cells[c]) > width[c])
                width[c] = (int)strlen(cells[c]);
    }
    for (int c = 0; c < NCOLS; c++)
        snprintf(cells[c], sizeof cells[c], "%s", headers[c]);
    table_line(out, cells, width, modes);
    for (size_t i = 0; i < n; i++) {
        table_cells(rows[i], cells);
        table_line(out, cells, width, modes);
    }
    /* What went wrong, below the table where it has room. */
    row_notes(out, rows, n, modes, "");
}

/* ---------------------------------------------------------------- Markdown */

/* A cell with the characters that would end or break a Markdown cell
 * escaped. */
static void md_cell(FILE *out, const char *s)
{
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '|' || *p == '\\' || *p == '*' || *p == '_' || *p == '`')
            fputc('\\', out);
        fputc(*p, out);
    }
}

void bench_report_markdown(FILE *out, const bench_env *env, bench_row *const *rows, size_t n)
{
    char line[2048];
    bench_env_line(env, line, sizeof line);
    fputs("**", out);
    md_cell(out, line);
    fputs("**\n\n", out);
    int modes = 0;
    for (size_t i = 0; i < n; i++)
        modes |= strcmp(rows[i]->mode, "buffers") != 0;
    char cells[NCOLS][96];
    for (int pass = 0; pass < 2; pass++) {
        fputc('|', out);
        for (int c = 0; c < NCOLS; c++) {
            if (!shows(c, modes))
                continue;
            fputc(' ', out);
            if (pass == 0)
                md_cell(out, headers[c]);
            else
                fputs(right_aligned[c] ? "---:" : ":---", out);
            fputs(" |", out);
        }
        fputc('\n', out);
    }
    for (size_t i = 0; i < n; i++) {
        table_cells(rows[i], cells);
        fputc('|', out);
        for (int c = 0; c < NCOLS; c++) {
            if (!shows(c, modes))
                continue;
            fputc(' ', out);
            md_cell(out, cells[c]);
            fputs(" |", out);
        }
        fputc('\n', out);
    }
    int any = 0;
    for (size_t i = 0; i < n; i++)
        any |= rows[i]->error[0] != '\0';
    if (any) {
        fputc('\n', out);
        row_notes(out, rows, n, modes, "- ");
    }
}

/* ------------------------------------------------------------------- JSON */

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

/* JSON has no NaN or infinity: those are null. */
static void json_number(FILE *out, double v)
{
    if (isnan(v) || isinf(v))
        fputs("null", out);
    else
        fprintf(out, "%.6g", v);
}

void bench_report_json(FILE *out, const bench_env *env, bench_row *const *rows, size_t n)
{
    fputs("{\n  \"clpool_version\": ", out);
    json_string(out, env->version);
    fputs(",\n  \"date\": ", out);
    json_string(out, env->date);
    fputs(",\n  \"host\": {\"cpu\": ", out);
    json_string(out, env->cpu);
    fprintf(out, ", \"cores\": %d, \"os\": ", env->cores);
    json_string(out, env->os);
    fputs("},\n  \"devices\": [", out);
    for (size_t d = 0; d < env->ndevices; d++) {
        fputs(d ? ", " : "", out);
        json_string(out, env->devices[d]);
    }
    fputs("],\n  \"rows\": [", out);
    for (size_t i = 0; i < n; i++) {
        const bench_row *r = rows[i];
        fputs(i ? ",\n    {" : "\n    {", out);
        fputs("\"workload\": ", out);
        json_string(out, r->workload);
        fputs(", \"backend\": ", out);
        json_string(out, r->backend);
        fputs(", \"device\": ", out);
        json_string(out, r->device);
        fputs(", \"describe\": ", out);
        json_string(out, r->describe);
        fputs(", \"mode\": ", out);
        json_string(out, r->mode);
        fprintf(out, ", \"n\": %llu, \"baseline\": %s, \"runs\": %d, \"warmup\": %d",
                (unsigned long long)r->n, r->baseline ? "true" : "false", r->runs, r->warmup);
        static const char *const keys[] = {
            "seconds",  "min_seconds",   "max_seconds",   "spread",    "items_per_second",
            "gbytes_per_second", "gflops", "speedup",     "build_cold_ms", "build_warm_ms",
            "launch_us", "vs_explicit"};
        const double values[] = {r->seconds, r->min_seconds, r->max_seconds, r->spread,
                                 r->items_per_second, r->gbytes_per_second, r->gflops,
                                 r->speedup, r->build_cold_ms, r->build_warm_ms,
                                 r->launch_us, r->vs_explicit};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            fprintf(out, ", \"%s\": ", keys[k]);
            json_number(out, values[k]);
        }
        fprintf(out, ", \"verified\": %s, \"error\": ", r->verified ? "true" : "false");
        if (r->error[0] != '\0')
            json_string(out, r->error);
        else
            fputs("null", out);
        fputs("}", out);
    }
    fputs(n ? "\n  ]\n}\n" : "]\n}\n", out);
}

/* -------------------------------------------------------------------- CSV */

/* RFC 4180: quoted when it holds a comma, a quote or a line break. */
static void csv_field(FILE *out, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

static void csv_number(FILE *out, double v)
{
    if (!isnan(v) && !isinf(v))
        fprintf(out, "%.6g", v);
}

void bench_report_csv(FILE *out, const bench_env *env, bench_row *const *rows, size_t n)
{
    fputs("workload,backend,device,n,seconds,items_per_second,gbytes_per_second,gflops,"
          "speedup,build_cold_ms,build_warm_ms,launch_us,verified,baseline,describe,error,"
          "mode,vs_explicit,min_seconds,max_seconds,spread,runs,warmup,clpool_version,date,"
          "host_cpu,host_cores\n",
          out);
    for (size_t i = 0; i < n; i++) {
        const bench_row *r = rows[i];
        csv_field(out, r->workload);
        fputc(',', out);
        csv_field(out, r->backend);
        fputc(',', out);
        csv_field(out, r->device);
        fprintf(out, ",%llu", (unsigned long long)r->n);
        const double values[] = {r->seconds, r->items_per_second, r->gbytes_per_second,
                                 r->gflops, r->speedup, r->build_cold_ms,
                                 r->build_warm_ms, r->launch_us};
        for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
            fputc(',', out);
            csv_number(out, values[k]);
        }
        fprintf(out, ",%s,%s,", r->verified ? "true" : "false", r->baseline ? "true" : "false");
        csv_field(out, r->describe);
        fputc(',', out);
        csv_field(out, r->error);
        fputc(',', out);
        csv_field(out, r->mode);
        const double more[] = {r->vs_explicit, r->min_seconds, r->max_seconds, r->spread};
        for (size_t k = 0; k < sizeof more / sizeof more[0]; k++) {
            fputc(',', out);
            csv_number(out, more[k]);
        }
        fprintf(out, ",%d,%d,", r->runs, r->warmup);
        csv_field(out, env->version);
        fputc(',', out);
        csv_field(out, env->date);
        fputc(',', out);
        csv_field(out, env->cpu);
        fprintf(out, ",%d\n", env->cores);
    }
}
