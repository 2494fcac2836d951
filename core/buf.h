/*
 * buf.h: growable byte buffers.
 */
#ifndef CAIRN_BUF_H
#define CAIRN_BUF_H

#include <stddef.h>

#include "error.h"

/* A zeroed struct is an empty buffer.  data is NULL until the first grow. */
struct cairn_buf {
	unsigned char *data;
	size_t len;
	size_t cap;
};

/* Make room for at least extra more bytes past len (CAIRN_ERR_NOMEM). */
const struct cairn_error *cairn_buf_grow(struct cairn_buf *b, size_t extra);

/* Append len bytes. */
const struct cairn_error *cairn_buf_append(struct cairn_buf *b,
    const void *data, size_t len);

/* Append a formatted string (no NUL counted in len, but one is kept). */
const struct cairn_error *cairn_buf_printf(struct cairn_buf *b,
    const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Drop the contents, keep the memory. */
void cairn_buf_reset(struct cairn_buf *b);

/* Free the memory; the buffer is empty and reusable afterwards. */
void cairn_buf_release(struct cairn_buf *b);

/* Hand the memory to the caller (who frees it) and empty the buffer. */
unsigned char *cairn_buf_detach(struct cairn_buf *b, size_t *len);

#endif
