/*
 * error.h: error objects.  Every fallible function in core/ and store/
 * returns const struct cairn_error *, NULL meaning success.
 */
#ifndef CAIRN_ERROR_H
#define CAIRN_ERROR_H

/*
 * Error codes.  Callers branch on these, never on the message text (the
 * command line maps them to its exit statuses: cmd/util.c).
 */
enum cairn_errcode {
	CAIRN_ERR_NONE = 0,
	CAIRN_ERR_NOT_FOUND,	/* object or ref absent */
	CAIRN_ERR_CAS_MISMATCH,	/* a compare-and-swap precondition failed */
	CAIRN_ERR_EXISTS,	/* the thing to create already exists */
	CAIRN_ERR_USAGE,	/* bad arguments */
	CAIRN_ERR_INVALID,	/* malformed id, name or object content */
	CAIRN_ERR_AMBIGUOUS,	/* an id prefix matches several objects */
	CAIRN_ERR_NOT_REPO,	/* no repository there */
	CAIRN_ERR_CORRUPT,	/* damaged repository data */
	CAIRN_ERR_IO,		/* a system call failed */
	CAIRN_ERR_READ_ONLY,	/* a write on a read-only handle */
	CAIRN_ERR_NOMEM,	/* out of memory */
	CAIRN_ERR_LOCKED,	/* a lock was not obtained in time */
};

struct cairn_error {
	enum cairn_errcode code;
	int sys_errno;		/* errno behind a CAIRN_ERR_IO, else 0 */
	const char *msg;	/* one line, lowercase, no final period */
};

/*
 * cairn_error_new(code, fmt, ...):
 * Return an error with a formatted message.  The message lives in a small
 * per-thread ring of buffers: it stays valid until several more errors have
 * been made on the same thread.  Never allocates, never fails.
 */
const struct cairn_error *cairn_error_new(enum cairn_errcode code,
    const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * cairn_error_relabel(err, code, fmt, ...):
 * err said again: with fmt's message (which may quote err->msg; NULL
 * keeps err's), with code (CAIRN_ERR_NONE keeps err's) and with err's
 * errno, so that wrapping an error loses neither.
 */
const struct cairn_error *cairn_error_relabel(const struct cairn_error *err,
    enum cairn_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * cairn_error_sys(err, fmt, ...):
 * Like cairn_error_new(CAIRN_ERR_IO, ...) with ": <strerror(err)>" appended
 * and sys_errno set to err.
 */
const struct cairn_error *cairn_error_sys(int err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The out-of-memory error, a static object. */
const struct cairn_error *cairn_error_nomem(void);

#endif
