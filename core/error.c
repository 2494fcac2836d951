/*
 * error.c: error objects.  Messages are formatted into a small per-thread
 * ring of fixed buffers, so making or reporting an error never allocates.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

#define RING_SLOTS	8	/* errors alive at once on one thread */
#define RING_MSGLEN	512	/* bytes per message, NUL included */

/*
 * The ring: slot i's error points at message i.  An error stays valid until
 * RING_SLOTS more errors have been made on the same thread, which is why a
 * wrapping error may quote the message of the one it wraps.
 */
struct error_ring {
	struct cairn_error err[RING_SLOTS];
	char msg[RING_SLOTS][RING_MSGLEN];
	unsigned int next;
};

static _Thread_local struct error_ring ring;

static const struct cairn_error nomem = {
	CAIRN_ERR_NOMEM, 0, "out of memory"
};

/* Take the oldest slot of this thread's ring and fill it. */
static const struct cairn_error *
ring_put(enum cairn_errcode code, int sys_errno, const char *msg)
{
	unsigned int i;
	size_t n;
	struct cairn_error *e;

	i = ring.next++ % RING_SLOTS;
	e = &ring.err[i];
	/* msg was formatted elsewhere: it may quote the slot we overwrite. */
	n = strnlen(msg, RING_MSGLEN - 1);
	memcpy(ring.msg[i], msg, n);
	ring.msg[i][n] = '\0';
	e->code = code;
	e->sys_errno = sys_errno;
	e->msg = ring.msg[i];
	return e;
}

/* Format fmt into tmp (RING_MSGLEN bytes); truncation is acceptable. */
static void
format_msg(char *tmp, const char *fmt, va_list ap)
{
	if (vsnprintf(tmp, RING_MSGLEN, fmt, ap) < 0) {
		/* An encoding error: the bare format still says something. */
		snprintf(tmp, RING_MSGLEN, "%s", fmt);
	}
}

const struct cairn_error *
cairn_error_new(enum cairn_errcode code, const char *fmt, ...)
{
	char tmp[RING_MSGLEN];
	va_list ap;

	va_start(ap, fmt);
	format_msg(tmp, fmt, ap);
	va_end(ap);
	return ring_put(code, 0, tmp);
}

const struct cairn_error *
cairn_error_relabel(const struct cairn_error *err, enum cairn_errcode code,
    const char *fmt, ...)
{
	char tmp[RING_MSGLEN];
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		format_msg(tmp, fmt, ap);
		va_end(ap);
	} else
		snprintf(tmp, sizeof(tmp), "%s", err->msg);
	return ring_put(code != CAIRN_ERR_NONE ? code : err->code,
	    err->sys_errno, tmp);
}

/* Append ": <strerror(err)>" to the message in tmp, as room allows. */
static void
append_strerror(char *tmp, int err)
{
	size_t used;

	used = strlen(tmp);
	if (used + 3 >= RING_MSGLEN)
		return;
	memcpy(tmp + used, ": ", 3);
	used += 2;
	/* XSI strerror_r: thread-safe, writes into our buffer. */
	if (strerror_r(err, tmp + used, RING_MSGLEN - used) != 0)
		snprintf(tmp + used, RING_MSGLEN - used, "error %d", err);
}

const struct cairn_error *
cairn_error_sys(int err, const char *fmt, ...)
{
	char tmp[RING_MSGLEN];
	va_list ap;

	va_start(ap, fmt);
	format_msg(tmp, fmt, ap);
	va_end(ap);
	append_strerror(tmp, err);
	return ring_put(CAIRN_ERR_IO, err, tmp);
}

const struct cairn_error *
cairn_error_nomem(void)
{
	return &nomem;
}
