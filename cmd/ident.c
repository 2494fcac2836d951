/*
 * ident.c: what commands that write commits and tags share: identities
 * from the environment or the configuration, and -m and -F messages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"

/* Parse "<seconds> <+|-hhmm>" or "@<seconds> [<+|-hhmm>]". */
static int
parse_date(const char *s, int64_t *t, int *tz)
{
	char *end;
	long long v;
	int sign, hh, mm;

	if (*s == '@')
		s++;
	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return 0;
	*t = v;
	*tz = 0;
	if (*end == '\0')
		return 1;
	if (*end++ != ' ' || (*end != '+' && *end != '-') ||
	    strlen(end) != 5 || strspn(end + 1, "0123456789") != 4)
		return 0;
	sign = *end == '-' ? -1 : 1;
	hh = (end[1] - '0') * 10 + end[2] - '0';
	mm = (end[3] - '0') * 10 + end[4] - '0';
	if (mm > 59)
		return 0;
	*tz = sign * (hh * 60 + mm);
	return 1;
}

/* Now, with the local UTC offset. */
static void
now(int64_t *t, int *tz)
{
	time_t n = time(NULL);
	struct tm tm;

	*t = (int64_t)n;
	*tz = localtime_r(&n, &tm) ? (int)(tm.tm_gmtoff / 60) : 0;
}

/*
 * An identity from CAIRN_<WHO>_NAME, _EMAIL, _DATE, else config
 * user.name and user.email, and now.
 */
const struct cairn_error *
cmd_identity(struct cairn_repo *repo, const char *who, struct cairn_ident *id)
{
	char var[64];
	const char *date;

	snprintf(var, sizeof(var), "CAIRN_%s_NAME", who);
	if ((id->name = getenv(var)) == NULL)
		id->name = cmd_config_value(repo, "user.name");
	snprintf(var, sizeof(var), "CAIRN_%s_EMAIL", who);
	if ((id->email = getenv(var)) == NULL)
		id->email = cmd_config_value(repo, "user.email");
	if (id->name == NULL || id->email == NULL)
		return cairn_error_new(CAIRN_ERR_INVALID, "%s identity unknown: "
		    "set CAIRN_%s_NAME and CAIRN_%s_EMAIL, or the config keys "
		    "user.name and user.email", strcmp(who, "AUTHOR") == 0 ?
		    "author" : "committer", who, who);
	snprintf(var, sizeof(var), "CAIRN_%s_DATE", who);
	if ((date = getenv(var)) == NULL)
		now(&id->time, &id->tz_minutes);
	else if (!parse_date(date, &id->time, &id->tz_minutes))
		return cairn_error_new(CAIRN_ERR_INVALID, "%s: bad date '%s' "
		    "(expected '<seconds> <+hhmm>')", var, date);
	return NULL;
}

/*
 * git commit-tree's -m: each one a paragraph: a newline between them, and
 * a final newline unless the message is empty or already ends in one.
 */
int
cmd_add_message(char **msg, const char *m)
{
	size_t old = *msg ? strlen(*msg) : 0, len = strlen(m);
	char *n = realloc(*msg, old + len + 3);

	if (n == NULL)
		return 0;
	if (old > 0)
		n[old++] = '\n';
	memcpy(n + old, m, len);
	old += len;
	if (old > 0 && n[old - 1] != '\n')
		n[old++] = '\n';
	n[old] = '\0';
	*msg = n;
	return 1;
}

/*
 * The message of -F: the file's content ("-": standard input), with a
 * final newline added if it has none and newline is set.  A NUL byte is
 * refused, as git refuses it in a message.
 */
const struct cairn_error *
cmd_message_file(const char *path, int newline, char **out)
{
	const struct cairn_error *err = NULL;
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t len = 0, cap = 4096, n;
	char *m, *nm;

	*out = NULL;
	if (f == NULL)
		return cairn_error_new(CAIRN_ERR_INVALID, "cannot open '%s': %s",
		    path, strerror(errno));
	if ((m = malloc(cap)) == NULL)
		err = cairn_error_nomem();
	while (err == NULL && (n = fread(m + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			if ((nm = realloc(m, cap * 2)) == NULL)
				err = cairn_error_nomem();
			else {
				m = nm;
				cap *= 2;
			}
		}
	}
	if (err == NULL && ferror(f))
		err = cairn_error_sys(errno, "read '%s'", path);
	if (err == NULL && memchr(m, '\0', len) != NULL)
		err = cairn_error_new(CAIRN_ERR_INVALID, "the message in '%s' "
		    "holds a NUL byte", path);
	if (f != stdin)
		fclose(f);
	if (err != NULL) {
		free(m);
		return err;
	}
	if (newline && len > 0 && m[len - 1] != '\n')
		m[len++] = '\n';
	m[len] = '\0';
	*out = m;
	return NULL;
}
