/*
 * cmd_log.c: cairn log, the commits reachable from an object, newest
 * first, in git log's default or --oneline format.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"

const char cmd_log_usage[] = "cairn log [-n <count>] [--oneline] <object>";

struct log_opts {
	struct cairn_repo *repo;
	int oneline;
	int shown;
};

/* "Thu Apr 7 15:13:13 2005 -0700", in the identity's own time zone. */
static void
print_date(const char *ident, size_t len)
{
	const char *gt = NULL, *p;
	long long t = 0;
	int tz = 0, sign;
	time_t local;
	struct tm tm;
	char buf[64];

	for (p = ident; p < ident + len; p++)
		if (*p == '>')
			gt = p;
	if (gt != NULL && sscanf(gt + 1, " %lld %d", &t, &tz) < 1)
		t = 0;
	sign = tz < 0 ? -1 : 1;
	local = (time_t)(t + sign * ((sign * tz) / 100 * 3600 +
	    (sign * tz) % 100 * 60));
	if (gmtime_r(&local, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm);
	/* git prints the day of the month without padding. */
	if (buf[8] == ' ')
		memmove(buf + 8, buf + 9, strlen(buf + 9) + 1);
	printf("Date:   %s %c%04d\n", buf, tz < 0 ? '-' : '+', sign * tz);
}

static int
print_parent(void *arg, const struct cairn_oid *id, enum cairn_otype type)
{
	struct log_opts *o = arg;
	char hex[CAIRN_OID_HEXMAX + 1];

	if (type == CAIRN_OBJ_COMMIT) {
		cmd_abbrev(o->repo, id, hex);
		printf(" %s", hex);
	}
	return 0;
}

/* Length of a line without its trailing blanks (git's is_blank_line). */
static size_t
rstrip(const char *p, size_t len)
{
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' ||
	    p[len - 1] == '\r' || p[len - 1] == '\v' || p[len - 1] == '\f'))
		len--;
	return len;
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
print_medium(struct log_opts *o, const struct cairn_oid *id,
    const struct cairn_commit_info *ci, const unsigned char *data, size_t len)
{
	const char *p = ci->message, *end = p + ci->message_len, *nl;
	char hex[CAIRN_OID_HEXMAX + 1];
	size_t nameend, n, blanks = 0;
	int first = 1;

	if (o->shown++)
		putchar('\n');
	printf("commit %s\n", cairn_oid_fmt(id, hex));
	if (ci->nparents > 1) {
		printf("Merge:");
		cairn_object_links(CAIRN_OBJ_COMMIT, data, len,
		    cairn_repo_hash_algo(o->repo), print_parent, o);
		putchar('\n');
	}
	nameend = (size_t)((const char *)memchr(ci->author, '>',
	    ci->author_len) - ci->author) + 1;
	printf("Author: %.*s\n", (int)nameend, ci->author);
	print_date(ci->author, ci->author_len);
	putchar('\n');
	/*
	 * As git log: blank lines at the start are skipped and at the end
	 * dropped; trailing blanks of each line go.
	 */
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		n = rstrip(p, (size_t)(nl - p));
		if (n == 0) {
			blanks += !first;
		} else {
			for (; blanks > 0; blanks--)
				fputs("    \n", stdout);
			print_body_line(p, n);
			first = 0;
		}
		p = nl + 1;
	}
}

/* The subject: the first paragraph, its lines joined by spaces. */
static void
print_oneline(struct log_opts *o, const struct cairn_oid *id,
    const struct cairn_commit_info *ci)
{
	const char *p = ci->message, *end = p + ci->message_len, *nl;
	char hex[CAIRN_OID_HEXMAX + 1];
	int first = 1;

	cmd_abbrev(o->repo, id, hex);
	printf("%s ", hex);
	while (p < end && *p == '\n')
		p++;
	while (p < end && *p != '\n') {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (rstrip(p, (size_t)(nl - p)) == 0)
			break;
		printf("%s%.*s", first ? "" : " ",
		    (int)rstrip(p, (size_t)(nl - p)), p);
		first = 0;
		p = nl + 1;
	}
	putchar('\n');
}

static int
show(void *arg, const struct cairn_oid *id, const unsigned char *data,
    size_t len)
{
	struct log_opts *o = arg;
	struct cairn_commit_info ci;

	if (cairn_commit_parse(data, len, cairn_repo_hash_algo(o->repo),
	    &ci) != NULL)
		return 0;
	if (o->oneline)
		print_oneline(o, id, &ci);
	else
		print_medium(o, id, &ci, data, len);
	/* Stop walking once output cannot be written (cmd_finish_output). */
	return ferror(stdout) ? 1 : 0;
}

int
cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "oneline", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct log_opts o = { NULL, 0, 0 };
	struct cairn_oid id;
	struct cmd_getopt g;
	uint64_t max = 0;
	char *end;
	int c, none = 0;

	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "n:h", opts,
	    cmd_log_usage)) != -1) {
		if (c == 'n') {
			errno = 0;
			max = strtoull(g.arg, &end, 10);
			if (*g.arg < '0' || *g.arg > '9' || *end != '\0' ||
			    errno == ERANGE)
				return cmd_usage(cmd_log_usage,
				    "bad count '%s'", g.arg);
			none = max == 0;
		} else if (c == 'o')
			o.oneline = 1;
		else if (c == 'h')
			return cmd_help(cmd_log_usage);
		else
			return 2;
	}
	if (argc - g.ind != 1)
		return cmd_usage(cmd_log_usage, "expected one object");
	if ((err = cmd_check_name(argv[g.ind])) != NULL)
		return cmd_fail(err);
	if ((err = cmd_open(&o.repo, 0)) != NULL)
		return cmd_fail(err);
	err = cairn_rev_resolve(o.repo, argv[g.ind], &id);
	/* -n 0 shows nothing (max 0 would be no limit), as git log. */
	if (err == NULL && !none)
		err = cairn_log_walk(o.repo, &id, max, show, &o);
	cmd_close(o.repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}
