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

/* "<seconds> <+|-hhmm>" or "@<seconds> [<+|-hhmm>]", git's raw form. */
static int
parse_raw_date(const char *s, int64_t *t, int *tz)
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
	if (*end == '\0') {
		/* No offset: the local time zone's then, as git takes it. */
		time_t when = (time_t)v;
		struct tm tm;

		if (localtime_r(&when, &tm) != NULL)
			*tz = (int)(tm.tm_gmtoff / 60);
		return 1;
	}
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

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Digits at *p, n of them at least and at most max; *p moves past. */
static int
digits(const char **p, int min, int max, int *out)
{
	int n = 0, v = 0;

	while (n < max && **p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	*out = v;
	return n >= min && !(**p >= '0' && **p <= '9');
}

/* A UTC offset: "Z", "UTC", "GMT", "+hh", "+hhmm" or "+hh:mm". */
static int
parse_zone(const char *p, int *tz)
{
	int sign, hh, mm = 0;

	if (strcmp(p, "Z") == 0 || strcmp(p, "UTC") == 0 ||
	    strcmp(p, "GMT") == 0) {
		*tz = 0;
		return 1;
	}
	if (*p != '+' && *p != '-')
		return 0;
	sign = *p++ == '-' ? -1 : 1;
	if (strlen(p) == 4) {
		if (!digits(&p, 4, 4, &hh))
			return 0;
		mm = hh % 100;
		hh /= 100;
	} else if (!digits(&p, 2, 2, &hh) || (*p == ':' &&
	    (p++, !digits(&p, 2, 2, &mm))) || *p != '\0') {
		return 0;
	}
	if (hh > 23 || mm > 59)
		return 0;
	*tz = sign * (hh * 60 + mm);
	return 1;
}

/* "hh:mm[:ss[.fraction]]" */
static int
parse_clock(const char *p, int *h, int *mi, int *sec)
{
	*sec = 0;
	if (!digits(&p, 1, 2, h) || *p++ != ':' || !digits(&p, 2, 2, mi))
		return 0;
	if (*p == ':') {
		p++;
		if (!digits(&p, 2, 2, sec))
			return 0;
		if (*p == '.' || *p == ',')
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
	}
	return *p == '\0' && *h <= 23 && *mi <= 59 && *sec <= 60;
}

/*
 * A date as git's GIT_AUTHOR_DATE takes it besides the raw form: RFC 2822
 * ("Thu, 07 Apr 2005 22:13:13 +0200"), ISO 8601 ("2005-04-07T22:13:13Z",
 * "2005-04-07 22:13:13 +02:00") and git log's own ("Thu Apr 7 22:13:13
 * 2005 +0200"); without an offset the local time zone's, as git.
 */
static int
parse_text_date(const char *s, int64_t *t, int *tz)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	static const char days[] = "sunmontuewedthufrisat";
	char buf[256], *tok, *save, *p;
	int y = -1, mo = -1, d = -1, h = -1, mi = 0, sec = 0, zone = 0;
	int have_zone = 0, v, i;
	struct tm tm;
	time_t local;

	if (strlen(s) >= sizeof(buf))
		return 0;
	strcpy(buf, s);
	for (tok = strtok_r(buf, " ,", &save); tok != NULL;
	    tok = strtok_r(NULL, " ,", &save)) {
		const char *q = tok;

		if ((p = strchr(tok, 'T')) != NULL && p > tok && p[-1] >= '0' &&
		    p[-1] <= '9') {
			/* "2005-04-07T22:13:13[zone]": split at the T. */
			*p++ = '\0';
			for (i = 0; p[i] != '\0' && p[i] != 'Z' &&
			    p[i] != '+' && p[i] != '-'; i++)
				;
			if (p[i] != '\0') {
				if (!parse_zone(p + i, &zone))
					return 0;
				have_zone = 1;
				p[i] = '\0';
			}
			if (h >= 0 || !parse_clock(p, &h, &mi, &sec))
				return 0;
		}
		if (strlen(tok) == 3 && strchr(tok, ':') == NULL &&
		    (tok[0] | 0x20) >= 'a' && (tok[0] | 0x20) <= 'z') {
			char low[4] = { (char)(tok[0] | 0x20),
			    (char)(tok[1] | 0x20), (char)(tok[2] | 0x20), 0 };
			const char *m = strstr(months, low);

			if (m != NULL && (m - months) % 3 == 0) {
				if (mo >= 0)
					return 0;
				mo = (int)(m - months) / 3 + 1;
				continue;
			}
			m = strstr(days, low);
			if (m != NULL && (m - days) % 3 == 0)
				continue;
			if (parse_zone(tok, &zone)) {
				have_zone = 1;
				continue;
			}
			return 0;
		}
		if (strchr(tok, ':') != NULL && tok[0] != '+' &&
		    tok[0] != '-') {
			if (h >= 0 || !parse_clock(tok, &h, &mi, &sec))
				return 0;
			continue;
		}
		if (tok[0] == '+' || tok[0] == '-' || strcmp(tok, "Z") == 0) {
			if (have_zone || !parse_zone(tok, &zone))
				return 0;
			have_zone = 1;
			continue;
		}
		if (strchr(tok, '-') != NULL) {
			/* "2005-04-07" */
			if (y >= 0 || !digits(&q, 4, 4, &y) || *q++ != '-' ||
			    !digits(&q, 1, 2, &mo) || *q++ != '-' ||
			    !digits(&q, 1, 2, &d) || *q != '\0')
				return 0;
			continue;
		}
		if (!digits(&q, 1, 4, &v) || *q != '\0')
			return 0;
		if (q - tok == 4 && y < 0)
			y = v;
		else if (q - tok <= 2 && d < 0)
			d = v;
		else
			return 0;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0)
		return 0;
	*t = (days_from_civil(y, mo, d) * 86400) + h * 3600 + mi * 60 + sec;
	if (have_zone) {
		*t -= zone * 60;
		*tz = zone;
		return 1;
	}
	/* The local time zone's offset at that time, as git takes it. */
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	if ((local = mktime(&tm)) == (time_t)-1)
		return 0;
	*t = (int64_t)local;
	*tz = (int)(tm.tm_gmtoff / 60);
	return 1;
}

static int
parse_date(const char *s, int64_t *t, int *tz)
{
	return parse_raw_date(s, t, tz) || parse_text_date(s, t, tz);
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
		    "(expected '<seconds> <+hhmm>', RFC 2822 or ISO 8601)", var, date);
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
