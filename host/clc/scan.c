/* The token scanner (see scan.h). */
#include "clc/scan.h"

#include <string.h>

static int is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

void clpool__scan_init(clpool__scan *s, const char *src)
{
    s->src = src;
    s->pos = 0;
    s->line = 1;
    s->in_directive = 0;
    s->line_start = 1;
}

/* Consumes a newline at s->pos; a preprocessor line ends unless the newline
 * was escaped with a backslash. */
static void newline(clpool__scan *s)
{
    size_t p = s->pos;
    int escaped = p > 0 && s->src[p - 1] == '\\';
    if (!escaped)
        s->in_directive = 0;
    s->line++;
    s->line_start = !escaped;
    s->pos++;
}

/* Skips blanks, newlines and comments. */
static void skip_space(clpool__scan *s)
{
    const char *src = s->src;
    for (;;) {
        char c = src[s->pos];
        if (c == '\n') {
            newline(s);
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' ||
                   (c == '\\' && src[s->pos + 1] == '\n')) {
            s->pos++;
        } else if (c == '/' && src[s->pos + 1] == '/') {
            while (src[s->pos] != '\0' && src[s->pos] != '\n')
                s->pos++;
        } else if (c == '/' && src[s->pos + 1] == '*') {
            s->pos += 2;
            while (src[s->pos] != '\0' && !(src[s->pos] == '*' && src[s->pos + 1] == '/')) {
                if (src[s->pos] == '\n') {
                    /* A comment does not end a directive, and does not start a
                     * new line for the purpose of '#'. */
                    s->line++;
                }
                s->pos++;
            }
            if (src[s->pos] != '\0')
                s->pos += 2;
        } else {
            return;
        }
    }
}

int clpool__scan_next(clpool__scan *s, clpool__tok *t)
{
    skip_space(s);
    const char *src = s->src;
    size_t start = s->pos;
    char c = src[start];

    t->start = start;
    t->line = s->line;
    if (c == '\0') {
        t->kind = CLPOOL__TOK_END;
        t->len = 0;
        t->directive = 0;
        return 0;
    }
    int starts = c == '#' && s->line_start;
    if (starts)
        s->in_directive = 1;
    s->line_start = 0;
    t->directive = starts ? 2 : s->in_directive;

    if (is_ident_start(c)) {
        while (is_ident(src[s->pos]))
            s->pos++;
        t->kind = CLPOOL__TOK_IDENT;
    } else if ((c >= '0' && c <= '9') || (c == '.' && src[start + 1] >= '0' && src[start + 1] <= '9')) {
        /* A preprocessing number: digits, letters, '.', and a sign after an
         * exponent letter. */
        s->pos++;
        for (;;) {
            char d = src[s->pos];
            if ((d == '+' || d == '-') && strchr("eEpP", src[s->pos - 1]) != NULL)
                s->pos++;
            else if (is_ident(d) || d == '.')
                s->pos++;
            else
                break;
        }
        t->kind = CLPOOL__TOK_NUMBER;
    } else if (c == '"' || c == '\'') {
        s->pos++;
        while (src[s->pos] != '\0' && src[s->pos] != c && src[s->pos] != '\n') {
            if (src[s->pos] == '\\' && src[s->pos + 1] != '\0') {
                if (src[s->pos + 1] == '\n')
                    s->line++;
                s->pos++;
            }
            s->pos++;
        }
        if (src[s->pos] == c)
            s->pos++;
        t->kind = CLPOOL__TOK_STRING;
    } else {
        s->pos++;
        t->kind = CLPOOL__TOK_PUNCT;
    }
    t->len = s->pos - start;
    return 1;
}
