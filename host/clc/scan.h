/*
 * A token scanner for OpenCL C that is just good enough to find names,
 * brackets and commas: comments, string and character literals are skipped,
 * numbers are one token, and every token knows its line and whether it sits
 * on a preprocessor line. It never fails: unterminated comments or literals
 * end at the end of the text.
 */
#ifndef CLPOOL_CLC_SCAN_H
#define CLPOOL_CLC_SCAN_H

#include <stddef.h>

typedef enum clpool__tok_kind {
    CLPOOL__TOK_END,
    CLPOOL__TOK_IDENT,  /* a name or keyword */
    CLPOOL__TOK_NUMBER, /* a preprocessing number: 1, 0x1F, 1.0e-3f */
    CLPOOL__TOK_STRING, /* a string or character literal */
    CLPOOL__TOK_PUNCT   /* any other single character */
} clpool__tok_kind;

typedef struct clpool__tok {
    clpool__tok_kind kind;
    size_t start, len;  /* byte offset and length in the source */
    unsigned line;      /* 1-based */
    int directive;      /* the token is on a preprocessor line (#define, #if, ...):
                           2 for the '#' that starts it, 1 for the tokens after */
} clpool__tok;

typedef struct clpool__scan {
    const char *src;
    size_t pos;
    unsigned line;
    int in_directive;
    int line_start; /* only blanks since the last newline: a '#' starts a directive */
} clpool__scan;

void clpool__scan_init(clpool__scan *s, const char *src);
/* Fills *t with the next token; returns 0 (and kind END) at the end. */
int clpool__scan_next(clpool__scan *s, clpool__tok *t);

#endif /* CLPOOL_CLC_SCAN_H */
