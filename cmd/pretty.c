/*
 * pretty.c: commits printed as git log prints them (medium, oneline, and
 * format strings with git's placeholders), and the revision arguments of
 * log and rev-list.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "pretty.h"

int
cmd_pretty_parse(struct cmd_pretty *p, const char *spec)
{
	p->abbrev = 0;
	p->fmt = NULL;
	if (strcmp(spec, "medium") == 0) {
		p->kind = CMD_PRETTY_MEDIUM;
	} else if (strcmp(spec, "oneline") == 0) {
		p->kind = CMD_PRETTY_ONELINE;
	} else if (strncmp(spec, "format:", 7) == 0) {
		p->kind = CMD_PRETTY_FORMAT;
		p->fmt = spec + 7;
	} else if (strncmp(spec, "tformat:", 8) == 0) {
		p->kind = CMD_PRETTY_TFORMAT;
		p->fmt = spec + 8;
	} else if (strchr(spec, '%') != NULL) {
		p->kind = CMD_PRETTY_TFORMAT;
		p->fmt = spec;
	} else {
		return -1;
	}
	return 0;
}

/* An identity line's parts: "<name> <<email>> <time> <tz>". */
struct ident {
	const char *name, *email;
	size_t name_len, email_len;
	int64_t time;
	int tz;			/* as written: -0700 is -700 */
};

static void
ident_split(const char *s, size_t len, struct ident *id)
{
	const char *lt = memchr(s, '<', len), *gt = NULL, *p;
	long long t = 0;
	int tz = 0;

	memset(id, 0, sizeof(*id));
	id->name = s;
	id->email = s;
	if (lt == NULL)
		return;
	for (p = lt; p < s + len; p++)
		if (*p == '>') {
			gt = p;
			break;
		}
	id->name_len = (size_t)(lt - s);
	while (id->name_len > 0 && s[id->name_len - 1] == ' ')
		id->name_len--;
	if (gt == NULL)
		return;
	id->email = lt + 1;
	id->email_len = (size_t)(gt - lt - 1);
	/* The identity ends the commit's line, so sscanf stops at '\n'. */
	if (sscanf(gt + 1, " %lld %d", &t, &tz) < 1)
		t = 0;
	id->time = t;
	id->tz = tz;
}

enum date_mode { DATE_DEFAULT, DATE_RFC2822, DATE_ISO, DATE_ISO_STRICT };

/* A date as git prints it in mode, in the identity's own time zone. */
static void
print_date(const struct ident *id, enum date_mode mode)
{
	int sign = id->tz < 0 ? -1 : 1, hh = sign * id->tz / 100,
	    mm = sign * id->tz % 100;
	time_t local = (time_t)(id->time + sign * (hh * 3600 + mm * 60));
	struct tm tm;
	char buf[64];

	if (gmtime_r(&local, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	switch (mode) {
	case DATE_DEFAULT:
		strftime(buf, sizeof(buf), "%a %b ", &tm);
		printf("%s%d ", buf, tm.tm_mday);
		strftime(buf, sizeof(buf), "%H:%M:%S %Y", &tm);
		printf("%s %c%02d%02d", buf, sign < 0 ? '-' : '+', hh, mm);
		break;
	case DATE_RFC2822:
		strftime(buf, sizeof(buf), "%a, ", &tm);
		printf("%s%d ", buf, tm.tm_mday);
		strftime(buf, sizeof(buf), "%b %Y %H:%M:%S", &tm);
		printf("%s %c%02d%02d", buf, sign < 0 ? '-' : '+', hh, mm);
		break;
	case DATE_ISO:
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
		printf("%s %c%02d%02d", buf, sign < 0 ? '-' : '+', hh, mm);
		break;
	case DATE_ISO_STRICT:
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		printf("%s%c%02d:%02d", buf, sign < 0 ? '-' : '+', hh, mm);
		break;
	}
}

/* Length of a line without its trailing blanks (git's is_blank_line). */
static size_t
rstrip(const char *p, size_t len)
{
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' ||
	    p[len - 1] == '\r' || p[len - 1] == '\v' || p[len - 1] == '\f' ||
	    p[len - 1] == '\n'))
		len--;
	return len;
}

/* The end of the line at p (its '\n', or end). */
static const char *
line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

/* Past blank lines (only blanks), as git's skip_blank_lines. */
static const char *
skip_blank_lines(const char *p, const char *end)
{
	const char *nl;

	while (p < end) {
		nl = line_end(p, end);
		if (rstrip(p, (size_t)(nl - p)) != 0)
			break;
		p = nl < end ? nl + 1 : end;
	}
	return p;
}

/*
 * The subject: the first paragraph, its lines' trailing blanks dropped,
 * joined by spaces; printed if out.  Returns where it ends (past the
 * blank line that ends it), as git's format_subject.
 */
static const char *
subject(const char *p, const char *end, int out)
{
	const char *nl;
	size_t n;
	int first = 1;

	while (p < end) {
		nl = line_end(p, end);
		n = rstrip(p, (size_t)(nl - p));
		if (n == 0)
			return nl < end ? nl + 1 : end;
		if (out)
			printf("%s%.*s", first ? "" : " ", (int)n, p);
		first = 0;
		p = nl < end ? nl + 1 : end;
	}
	return p;
}

/* A message line indented by 4, tabs expanded to 8-column stops. */
static void
print_body_line(const char *p, size_t len)
{
	size_t i, col = 0;

	fputs("    ", stdout);
	for (i = 0; i < len; i++) {
		if (p[i] == '\t') {
			do
				putchar(' ');
			while (++col % 8 != 0);
			continue;
		}
		putchar(p[i]);
		/* Columns count characters: UTF-8 continuation bytes add none. */
		if (((unsigned char)p[i] & 0xc0) != 0x80)
			col++;
	}
	putchar('\n');
}

static void
print_hex(struct cmd_pretty *p, const struct cairn_oid *id, int abbrev)
{
	char hex[CAIRN_OID_HEXMAX + 1];

	if (abbrev)
		cmd_abbrev(p->repo, id, hex);
	else
		cairn_oid_fmt(id, hex);
	fputs(hex, stdout);
}

/* The parents, space-separated. */
static void
print_parents(struct cmd_pretty *p, const struct cairn_commit_info *ci,
    int abbrev)
{
	struct cairn_oid parent;
	size_t i;

	for (i = 0; i < ci->nparents; i++) {
		if (cairn_commit_parent(ci, i, &parent) != NULL)
			break;
		if (i > 0)
			putchar(' ');
		print_hex(p, &parent, abbrev);
	}
}

void
cmd_pretty_person(const char *label, const char *ident, size_t len)
{
	struct ident id;

	ident_split(ident, len, &id);
	printf("%s: %.*s <%.*s>\nDate:   ", label, (int)id.name_len, id.name,
	    (int)id.email_len, id.email);
	print_date(&id, DATE_DEFAULT);
	putchar('\n');
}

static void
print_medium(struct cmd_pretty *p, const struct cairn_oid *id,
    const struct cairn_commit_info *ci)
{
	const char *m = ci->message, *end = m + ci->message_len, *nl;
	size_t n, blanks = 0;
	int first = 1;

	if (p->shown > 0)
		putchar('\n');
	fputs("commit ", stdout);
	print_hex(p, id, 0);
	putchar('\n');
	if (ci->nparents > 1) {
		fputs("Merge: ", stdout);
		print_parents(p, ci, 1);
		putchar('\n');
	}
	cmd_pretty_person("Author", ci->author, ci->author_len);
	putchar('\n');
	/*
	 * As git log: blank lines at the start are skipped and at the end
	 * dropped; trailing blanks of each line go.
	 */
	while (m < end) {
		nl = line_end(m, end);
		n = rstrip(m, (size_t)(nl - m));
		if (n == 0) {
			blanks += !first;
		} else {
			for (; blanks > 0; blanks--)
				fputs("    \n", stdout);
			print_body_line(m, n);
			first = 0;
		}
		m = nl < end ? nl + 1 : end;
	}
}

static void
print_oneline(struct cmd_pretty *p, const struct cairn_oid *id,
    const struct cairn_commit_info *ci)
{
	print_hex(p, id, p->abbrev);
	putchar(' ');
	subject(skip_blank_lines(ci->message, ci->message +
	    ci->message_len), ci->message + ci->message_len, 1);
	putchar('\n');
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One "%a<x>" or "%c<x>" placeholder; 0 if x is not one. */
static int
print_ident_part(const char *line, size_t len, char x)
{
	struct ident id;

	ident_split(line, len, &id);
	switch (x) {
	case 'n':
		printf("%.*s", (int)id.name_len, id.name);
		break;
	case 'e':
		printf("%.*s", (int)id.email_len, id.email);
		break;
	case 'd':
		print_date(&id, DATE_DEFAULT);
		break;
	case 'D':
		print_date(&id, DATE_RFC2822);
		break;
	case 'i':
		print_date(&id, DATE_ISO);
		break;
	case 'I':
		print_date(&id, DATE_ISO_STRICT);
		break;
	case 't':
		printf("%" PRId64, id.time);
		break;
	default:
		return 0;
	}
	return 1;
}

/*
 * A format string, git's placeholders expanded: %H %h %T %t %P %p, %an
 * %ae %ad %aD %ai %aI %at and the same with c for the committer, %s %b
 * %B, %n %% and %x<hh>.  Anything else is copied as it is, as git does.
 */
static void
print_format(struct cmd_pretty *p, const struct cairn_oid *id,
    const struct cairn_commit_info *ci)
{
	const char *f = p->fmt, *mend = ci->message + ci->message_len;
	const char *subj = skip_blank_lines(ci->message, mend);
	int h, l;

	for (; *f != '\0'; f++) {
		if (*f != '%') {
			putchar(*f);
			continue;
		}
		switch (f[1]) {
		case 'H':
		case 'h':
			print_hex(p, id, f[1] == 'h');
			break;
		case 'T':
		case 't':
			print_hex(p, &ci->tree, f[1] == 't');
			break;
		case 'P':
		case 'p':
			print_parents(p, ci, f[1] == 'p');
			break;
		case 's':
			subject(subj, mend, 1);
			break;
		case 'b': {
			const char *body = skip_blank_lines(subject(subj, mend,
			    0), mend);

			fwrite(body, 1, (size_t)(mend - body), stdout);
			break;
		}
		case 'B':
			fwrite(ci->message, 1, ci->message_len, stdout);
			break;
		case 'n':
			putchar('\n');
			break;
		case '%':
			putchar('%');
			break;
		case 'x':
			if ((h = hexval(f[2])) >= 0 && (l = hexval(f[3])) >= 0) {
				putchar(h * 16 + l);
				f += 2;
				break;
			}
			putchar('%');
			continue;
		case 'a':
		case 'c':
			if (f[2] != '\0' && print_ident_part(f[1] == 'a' ?
			    ci->author : ci->committer, f[1] == 'a' ?
			    ci->author_len : ci->committer_len, f[2])) {
				f++;
				break;
			}
			putchar('%');
			continue;
		default:
			putchar('%');
			continue;
		}
		f++;
	}
}

void
cmd_pretty_commit(struct cmd_pretty *p, const struct cairn_oid *id,
    const unsigned char *data, size_t len)
{
	struct cairn_commit_info ci;

	if (cairn_commit_parse(data, len, cairn_repo_hash_algo(p->repo),
	    &ci) != NULL)
		return;
	switch (p->kind) {
	case CMD_PRETTY_MEDIUM:
		print_medium(p, id, &ci);
		break;
	case CMD_PRETTY_ONELINE:
		print_oneline(p, id, &ci);
		break;
	case CMD_PRETTY_FORMAT:
		if (p->shown > 0)
			putchar('\n');
		print_format(p, id, &ci);
		break;
	case CMD_PRETTY_TFORMAT:
		print_format(p, id, &ci);
		putchar('\n');
		break;
	}
	p->shown++;
}

/* Revision arguments. */

/* The two sides of "<a>..<b>", or NULL if arg is not a range. */
static const char *
range_dots(const char *arg)
{
	const char *d = strstr(arg, "..");

	/* ".." inside a path ("<rev>:a/../b") is not a range. */
	if (d == NULL || (strchr(arg, ':') != NULL && strchr(arg, ':') < d))
		return NULL;
	return d;
}

static const struct cairn_error *
check_one(const char *arg)
{
	const char *d = range_dots(arg);
	const struct cairn_error *err;
	char *a;

	if (d == NULL)
		return cairn_rev_check(arg[0] == '^' ? arg + 1 : arg);
	if (d == arg || d[2] == '\0' || d[2] == '.' || arg[0] == '^')
		return cairn_error_new(CAIRN_ERR_INVALID, "bad revision '%s': "
		    "a range needs both ends (<a>..<b>)", arg);
	if ((a = strndup(arg, (size_t)(d - arg))) == NULL)
		return cairn_error_nomem();
	if ((err = cairn_rev_check(a)) == NULL)
		err = cairn_rev_check(d + 2);
	free(a);
	return err;
}

const struct cairn_error *
cmd_revs_check(char **args, size_t n)
{
	const struct cairn_error *err;
	size_t i;

	for (i = 0; i < n; i++)
		if ((err = check_one(args[i])) != NULL)
			return err;
	return NULL;
}

static const struct cairn_error *
add_oid(struct cairn_oid **v, size_t *n, const struct cairn_oid *id)
{
	struct cairn_oid *nv;

	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL)
		return cairn_error_nomem();
	nv[(*n)++] = *id;
	*v = nv;
	return NULL;
}

static const struct cairn_error *
add_start(struct cmd_revs *r, const char *rev, const struct cairn_oid *id)
{
	const char *colon = strchr(rev, ':');
	char **np;

	if ((np = realloc(r->paths, (r->nstarts + 1) * sizeof(*np))) == NULL)
		return cairn_error_nomem();
	r->paths = np;
	if ((np[r->nstarts] = strdup(colon ? colon + 1 : "")) == NULL)
		return cairn_error_nomem();
	return add_oid(&r->starts, &r->nstarts, id);
}

const struct cairn_error *
cmd_revs_resolve(struct cairn_repo *repo, char **args, size_t n,
    struct cmd_revs *r)
{
	const struct cairn_error *err = NULL;
	struct cairn_oid id;
	const char *d;
	char *a;
	size_t i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < n && err == NULL; i++) {
		if ((d = range_dots(args[i])) != NULL) {
			if ((a = strndup(args[i], (size_t)(d - args[i]))) ==
			    NULL)
				return cairn_error_nomem();
			err = cairn_rev_resolve(repo, a, &id);
			free(a);
			if (err == NULL)
				err = add_oid(&r->hide, &r->nhide, &id);
			if (err == NULL &&
			    (err = cairn_rev_resolve(repo, d + 2, &id)) == NULL)
				err = add_start(r, d + 2, &id);
		} else if (args[i][0] == '^') {
			if ((err = cairn_rev_resolve(repo, args[i] + 1,
			    &id)) == NULL)
				err = add_oid(&r->hide, &r->nhide, &id);
		} else if ((err = cairn_rev_resolve(repo, args[i], &id)) ==
		    NULL) {
			err = add_start(r, args[i], &id);
		}
	}
	return err;
}

void
cmd_revs_release(struct cmd_revs *r)
{
	size_t i;

	for (i = 0; i < r->nstarts; i++)
		free(r->paths[i]);
	free(r->paths);
	free(r->starts);
	free(r->hide);
	memset(r, 0, sizeof(*r));
}

void
cmd_revs_walk(const struct cmd_revs *r, struct cairn_walk_opts *w)
{
	w->starts = r->starts;
	w->paths = (const char *const *)r->paths;
	w->nstarts = r->nstarts;
	w->hide = r->hide;
	w->nhide = r->nhide;
}

int
cmd_parse_count(const char *s, uint64_t *max)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*max = strtoull(s, &end, 10);
	return *end != '\0' || errno == ERANGE ? -1 : 0;
}

int
cmd_count_args(int *argc, char **argv, uint64_t *max)
{
	int i, j, found = 0;
	const char *s;
	uint64_t v;

	for (i = j = 1; i < *argc; i++) {
		s = argv[i];
		if (strcmp(s, "--") == 0) {
			while (i < *argc)
				argv[j++] = argv[i++];
			break;
		}
		if (s[0] == '-' && s[1] >= '0' && s[1] <= '9') {
			for (v = 0, s++; *s >= '0' && *s <= '9'; s++) {
				if (v > (UINT64_MAX - 9) / 10)
					return -1;
				v = v * 10 + (uint64_t)(*s - '0');
			}
			if (*s == '\0') {
				*max = v;
				found = 1;
				continue;
			}
		}
		argv[j++] = argv[i];
	}
	*argc = j;
	argv[j] = NULL;
	return found;
}
