/*
 * linediff.h: how many lines a change inserts and deletes, for diff
 * --stat and --numstat.
 */
#ifndef CAIRN_LINEDIFF_H
#define CAIRN_LINEDIFF_H

#include <stddef.h>

/* Binary as git decides: a NUL byte in the first 8000. */
int cmd_is_binary(const unsigned char *data, size_t len);

/*
 * cmd_line_diff(a, alen, b, blen, ins, del): the lines of b not matched
 * in a (*ins) and of a not matched in b (*del), by the shortest edit
 * script (Myers) over whole lines (the last one without its newline is a
 * line of its own).  -1 if out of memory.
 */
int cmd_line_diff(const unsigned char *a, size_t alen,
    const unsigned char *b, size_t blen, size_t *ins, size_t *del);

#endif
