/* The SVG chart of a run. Layout, in pixels: the title and the header line
 * on top, the plot (a log axis on the left, decades as grid lines, a group of
 * bars per workload), the workload names under it, the legend at the bottom. */
#include "svg.h"

#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* With --host-arrays: 3 modes of 2 fork pools and of each OpenCL device, and
 * the OpenMP row. */
#define MAX_SERIES 16
#define MAX_GROUPS 32
#define NAME_LEN 160 /* a series: backend, device, mode */

#define LEFT 78      /* room for the axis labels */
#define RIGHT 20
#define TOP 80       /* title and header line */
#define PLOT_H 320
#define BAR_MAX 34   /* widest bar */
#define LEGEND_ROW 18

/* Colour-blind-safe (Okabe-Ito, then Tol's muted), then greys. */
static const char *const colours[MAX_SERIES] = {
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
    "#F0E442", "#000000", "#882255", "#44AA99", "#117733", "#AA4499",
    "#999999", "#666666", "#BBBBBB", "#333333"};

/* Text with XML's special characters escaped. */
static void xml_text(FILE *out, const char *s)
{
    for (const char *p = s; *p != '\0'; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        default:
            if ((unsigned char)*p >= 0x20)
                fputc(*p, out);
        }
    }
}

/* A bar's series: its backend, device and (with --host-arrays) mode. */
static void series_name(const bench_row *r, char *out, size_t len)
{
    snprintf(out, len, "%s %s%s%s", r->backend, r->device,
             strcmp(r->mode, "buffers") != 0 ? ", " : "",
             strcmp(r->mode, "buffers") != 0 ? r->mode : "");
}

/* Index of name in list[0..*n), appended if new; -1 when the list is full. */
static int index_of(char list[][NAME_LEN], size_t *n, size_t max, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i], name) == 0)
            return (int)i;
    if (*n == max)
        return -1;
    bench_copy(list[*n], NAME_LEN, name);
    return (int)(*n)++;
}

static int usable(const bench_row *r)
{
    return isfinite(r->items_per_second) && r->items_per_second > 0.0;
}

int bench_svg_write(const char *path, const bench_env *env, bench_row *const *rows, size_t n)
{
    char series[MAX_SERIES][NAME_LEN], groups[MAX_GROUPS][NAME_LEN];
    size_t nseries = 0, ngroups = 0;
    double lo = INFINITY, hi = -INFINITY;
    char name[NAME_LEN];
    for (size_t i = 0; i < n; i++) {
        if (!usable(rows[i]))
            continue;
        series_name(rows[i], name, sizeof name);
        index_of(series, &nseries, MAX_SERIES, name);
        index_of(groups, &ngroups, MAX_GROUPS, rows[i]->workload);
        lo = fmin(lo, rows[i]->items_per_second);
        hi = fmax(hi, rows[i]->items_per_second);
    }
    FILE *out = fopen(path, "w");
    if (out == NULL)
        return -1;

    /* Whole decades around the data, at least two. */
    double dlo = nseries ? floor(log10(lo)) : 0.0, dhi = nseries ? ceil(log10(hi)) : 1.0;
    /* Room above the tallest bar for its label. */
    if (nseries && log10(hi) > dhi - 0.35)
        dhi += 1.0;
    if (dhi - dlo < 2.0)
        dhi = dlo + 2.0;
    size_t slots = nseries ? nseries : 1;
    double group_w = (double)slots * BAR_MAX + 36.0;
    double plot_w = fmax(560.0, group_w * (double)(ngroups ? ngroups : 1));
    group_w = plot_w / (double)(ngroups ? ngroups : 1);
    double bar_w = fmin((double)BAR_MAX, (group_w - 24.0) / (double)slots);
    double width = LEFT + plot_w + RIGHT;
    double legend_y = TOP + PLOT_H + 44.0;
    double height = legend_y + (double)nseries * LEGEND_ROW + 16.0;
    char line[2048], label[32];

    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Helvetica, Arial, "
            "sans-serif\" font-size=\"12\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
            width, height, width, height);
    fputs("<text x=\"12\" y=\"22\" font-size=\"16\" font-weight=\"bold\">"
          "clpool-bench: items per second (log scale; higher is better)</text>\n",
          out);
    /* The header line's facts on two lines: the devices are long. */
    snprintf(line, sizeof line, "clpool %s | %s (%d core%s) | %s | %s | median of %d runs",
             env->version, env->cpu, env->cores, env->cores == 1 ? "" : "s", env->os,
             env->date, n ? rows[0]->runs : 0);
    fputs("<text x=\"12\" y=\"42\" font-size=\"11\" fill=\"#444444\">", out);
    xml_text(out, line);
    fputs("</text>\n<text x=\"12\" y=\"58\" font-size=\"11\" fill=\"#444444\">devices: ", out);
    for (size_t d = 0; d < env->ndevices; d++) {
        fputs(d ? ", " : "", out);
        xml_text(out, env->devices[d]);
    }
    fputs("</text>\n", out);

    /* The axis: a grid line and a label per decade. */
    for (double d = dlo; d <= dhi + 0.5; d += 1.0) {
        double y = TOP + PLOT_H - (d - dlo) / (dhi - dlo) * PLOT_H;
        bench_format_si(label, sizeof label, pow(10.0, d));
        fprintf(out,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>\n"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
                LEFT, y, LEFT + plot_w, y, LEFT - 6, y + 4.0);
        xml_text(out, label);
        fputs("</text>\n", out);
    }
    fprintf(out,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000000\"/>\n"
            "<line x1=\"%d\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000000\"/>\n"
            "<text transform=\"translate(16 %d) rotate(-90)\" text-anchor=\"middle\">"
            "items/s</text>\n",
            LEFT, TOP, LEFT, TOP + PLOT_H, LEFT, TOP + PLOT_H, LEFT + plot_w, TOP + PLOT_H,
            TOP + PLOT_H / 2);

    /* The bars, each with its value; the slots of a group are the series. */
    for (size_t g = 0; g < ngroups; g++) {
        double gx = LEFT + (double)g * group_w;
        double first = gx + (group_w - bar_w * (double)nseries) / 2.0;
        for (size_t i = 0; i < n; i++) {
            const bench_row *r = rows[i];
            if (!usable(r) || strcmp(r->workload, groups[g]) != 0)
                continue;
            series_name(r, name, sizeof name);
            int s = index_of(series, &nseries, nseries, name);
            if (s < 0)
                continue; /* past MAX_SERIES */
            double h = (log10(r->items_per_second) - dlo) / (dhi - dlo) * PLOT_H;
            double x = first + (double)s * bar_w, y = TOP + PLOT_H - h;
            bench_format_si(label, sizeof label, r->items_per_second);
            fprintf(out,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                    "fill=\"%s\"><title>",
                    x + 1.0, y, bar_w - 2.0, h, colours[s]);
            xml_text(out, r->workload);
            fputs(" on ", out);
            xml_text(out, name);
            fprintf(out, ": %s items/s (median of %d runs)%s</title></rect>\n", label, r->runs,
                    r->verified ? "" : ", NOT verified");
            /* The value above the bar, turned upright when bars are narrow. */
            fprintf(out,
                    "<text transform=\"translate(%.1f %.1f) rotate(-90)\" font-size=\"10\">",
                    x + bar_w / 2.0 + 3.5, y - 4.0);
            xml_text(out, label);
            fputs(r->verified ? "" : " NOT verified", out);
            fputs("</text>\n", out);
        }
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">",
                gx + group_w / 2.0, TOP + PLOT_H + 20);
        xml_text(out, groups[g]);
        fputs("</text>\n", out);
    }
    if (ngroups == 0)
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">no row ran</text>\n",
                LEFT + plot_w / 2.0, TOP + PLOT_H / 2);

    for (size_t s = 0; s < nseries; s++) {
        double y = legend_y + (double)s * LEGEND_ROW;
        fprintf(out,
                "<rect x=\"%d\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n"
                "<text x=\"%d\" y=\"%.1f\">",
                LEFT, y - 10.0, colours[s], LEFT + 18, y);
        xml_text(out, series[s]);
        fputs("</text>\n", out);
    }
    fputs("</svg>\n", out);
    int failed = ferror(out);
    if (fclose(out) != 0 || failed) {
        if (errno == 0)
            errno = EIO;
        return -1;
    }
    return 0;
}
