/*
 * buf.c: growable byte buffers with geometric growth.  Every size
 * computation is checked; an overflow is reported as out of memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define BUF_MINCAP	64
/* No object may be larger than PTRDIFF_MAX bytes (malloc refuses anyway). */
#define BUF_MAXCAP	((size_t)PTRDIFF_MAX)

/* The capacity to grow from cap to hold at least need bytes. */
static size_t
next_cap(size_t cap, size_t need)
{
	size_t c;

	c = cap < BUF_MINCAP ? BUF_MINCAP : cap;
	while (c < need) {
		if (c > BUF_MAXCAP / 2)
			return need;
		c *= 2;
	}
	return c;
}

const struct cairn_error *
cairn_buf_grow(struct cairn_buf *b, size_t extra)
{
	unsigned char *p;
	size_t cap;

	if (extra > BUF_MAXCAP - b->len)
		return cairn_error_nomem();
	if (b->len + extra <= b->cap && b->data != NULL)
		return NULL;
	cap = next_cap(b->cap, b->len + extra);
	if ((p = realloc(b->data, cap)) == NULL)
		return cairn_error_nomem();
	b->data = p;
	b->cap = cap;
	return NULL;
}

const struct cairn_error *
cairn_buf_append(struct cairn_buf *b, const void *data, size_t len)
{
	const struct cairn_error *err;

	if (len == 0)
		return NULL;
	if ((err = cairn_buf_grow(b, len)) != NULL)
		return err;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return NULL;
}

const struct cairn_error *
cairn_buf_printf(struct cairn_buf *b, const char *fmt, ...)
{
	const struct cairn_error *err;
	va_list ap;
	int n;

	/* Measure first, then format into room known to be enough. */
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "cannot format \"%s\"", fmt);
	if ((err = cairn_buf_grow(b, (size_t)n + 1)) != NULL)
		return err;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return NULL;
}

void
cairn_buf_reset(struct cairn_buf *b)
{
	b->len = 0;
}

void
cairn_buf_release(struct cairn_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

unsigned char *
cairn_buf_detach(struct cairn_buf *b, size_t *len)
{
	unsigned char *p;

	p = b->data;
	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
