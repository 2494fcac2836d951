/*
 * tap.h: a tiny header-only TAP producer for the C unit tests.
 *
 * Usage:
 *
 *	#include "tap.h"
 *
 *	int
 *	main(void)
 *	{
 *		plan(3);			(optional; else done_testing prints it)
 *		ok(1 + 1 == 2, "addition");
 *		is_int(strlen("abc"), 3, "length of %s", "abc");
 *		no_error(cairn_something(&x), "cairn_something");
 *		return done_testing();
 *	}
 *
 * Every check prints "ok N - name" or "not ok N - name" on stdout and
 * returns nonzero if it passed, so a test can stop early:
 *	if (!no_error(err, "open")) return done_testing();
 *
 *   plan(n)			print "1..n" before the first test
 *   done_testing()		print "1..N" if there was no plan; return the
 *				exit status: 0 if every test passed and the
 *				count matches the plan, 1 otherwise
 *   ok(cond, fmt, ...)		pass if cond is true
 *   is_int(got, want, ...)	compare as intmax_t; diagnoses both values
 *   is_uint(got, want, ...)	compare as uintmax_t
 *   is_str(got, want, ...)	compare C strings (either may be NULL)
 *   is_mem(got, want, n, ...)	compare n bytes; diagnoses the first difference
 *   no_error(err, ...)		pass if err (a struct cairn_error *) is NULL
 *   is_error(err, code, ...)	pass if err is non-NULL with that code
 *   skip(n, fmt, ...)		count n tests as skipped ("ok N # skip why")
 *   diag(fmt, ...)		a "# " comment on stderr (what prove shows)
 *   bail_out(fmt, ...)		print "Bail out! ..." and exit(255)
 *
 * Failures also print the file and line of the check via diag().  All state
 * lives in one static struct, so each test binary has its own counters.
 */
#ifndef CAIRN_TAP_H
#define CAIRN_TAP_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

struct tap_state {
	int planned;		/* -1 until plan() */
	int run;
	int failed;
};

static inline struct tap_state *
tap_state(void)
{
	static struct tap_state s = { -1, 0, 0 };

	return &s;
}

static inline void
tap_vdiag(const char *fmt, va_list ap)
{
	fflush(stdout);		/* keep the order of stdout and stderr */
	fputs("# ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static inline void diag(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static inline void
diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vdiag(fmt, ap);
	va_end(ap);
}

static inline void
plan(int n)
{
	tap_state()->planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

/* Print one result line and count it. */
static inline int
tap_vresult(int pass, const char *file, int line, const char *fmt,
    va_list ap)
{
	struct tap_state *s = tap_state();

	s->run++;
	if (!pass)
		s->failed++;
	printf("%sok %d - ", pass ? "" : "not ", s->run);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	if (!pass)
		diag("  failed test %d at %s line %d", s->run, file, line);
	return pass;
}

static inline int tap_ok(int pass, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static inline int
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pass = tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

static inline int tap_is_int(intmax_t got, intmax_t want, const char *file,
    int line, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline int
tap_is_int(intmax_t got, intmax_t want, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;
	int pass;

	va_start(ap, fmt);
	pass = tap_vresult(got == want, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("       got: %jd\n#   expected: %jd", got, want);
	return pass;
}

static inline int tap_is_uint(uintmax_t got, uintmax_t want,
    const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static inline int
tap_is_uint(uintmax_t got, uintmax_t want, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;
	int pass;

	va_start(ap, fmt);
	pass = tap_vresult(got == want, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("       got: %ju (0x%jx)\n#   expected: %ju (0x%jx)",
		    got, got, want, want);
	return pass;
}

static inline int tap_is_str(const char *got, const char *want,
    const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static inline int
tap_is_str(const char *got, const char *want, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;
	int pass;

	pass = (got == NULL || want == NULL) ? got == want :
	    strcmp(got, want) == 0;
	va_start(ap, fmt);
	pass = tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("       got: %s%s%s\n#   expected: %s%s%s",
		    got ? "'" : "", got ? got : "NULL", got ? "'" : "",
		    want ? "'" : "", want ? want : "NULL", want ? "'" : "");
	return pass;
}

static inline int tap_is_mem(const void *got, const void *want, size_t n,
    const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static inline int
tap_is_mem(const void *got, const void *want, size_t n, const char *file,
    int line, const char *fmt, ...)
{
	const unsigned char *g = got, *w = want;
	va_list ap;
	size_t i = 0;
	int pass;

	while (i < n && g[i] == w[i])
		i++;
	va_start(ap, fmt);
	pass = tap_vresult(i == n, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("  first difference at byte %zu of %zu: got 0x%02x, "
		    "expected 0x%02x", i, n, g[i], w[i]);
	return pass;
}

static inline int tap_is_error(const struct cairn_error *err, int code,
    const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* code 0 (CAIRN_ERR_NONE) expects success. */
static inline int
tap_is_error(const struct cairn_error *err, int code, const char *file,
    int line, const char *fmt, ...)
{
	va_list ap;
	int pass;

	pass = code == CAIRN_ERR_NONE ? err == NULL :
	    err != NULL && (int)err->code == code;
	va_start(ap, fmt);
	pass = tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass && err != NULL)
		diag("  got error code %d: %s (expected code %d)", err->code,
		    err->msg, code);
	else if (!pass)
		diag("  got success (expected error code %d)", code);
	return pass;
}

static inline void skip(int n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void
skip(int n, const char *fmt, ...)
{
	va_list ap;

	while (n-- > 0) {
		printf("ok %d # skip ", ++tap_state()->run);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		putchar('\n');
	}
	fflush(stdout);
}

static inline void bail_out(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
static inline void
bail_out(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	exit(255);
}

static inline int
done_testing(void)
{
	struct tap_state *s = tap_state();

	if (s->planned < 0)
		printf("1..%d\n", s->run);
	fflush(stdout);
	if (s->planned >= 0 && s->planned != s->run) {
		diag("planned %d tests but ran %d", s->planned, s->run);
		return 1;
	}
	if (s->failed > 0)
		diag("failed %d of %d tests", s->failed, s->run);
	return s->failed > 0;
}

#define ok(cond, ...) \
	tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
	tap_is_int((intmax_t)(got), (intmax_t)(want), __FILE__, __LINE__, \
	    __VA_ARGS__)
#define is_uint(got, want, ...) \
	tap_is_uint((uintmax_t)(got), (uintmax_t)(want), __FILE__, __LINE__, \
	    __VA_ARGS__)
#define is_str(got, want, ...) \
	tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define is_mem(got, want, n, ...) \
	tap_is_mem((got), (want), (n), __FILE__, __LINE__, __VA_ARGS__)
#define no_error(err, ...) \
	tap_is_error((err), CAIRN_ERR_NONE, __FILE__, __LINE__, __VA_ARGS__)
#define is_error(err, code, ...) \
	tap_is_error((err), (code), __FILE__, __LINE__, __VA_ARGS__)

#endif
