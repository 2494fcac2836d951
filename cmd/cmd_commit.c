/*
 * cmd_commit.c: cairn commit, create a commit of a tree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"

const char cmd_commit_usage[] =
    "cairn commit [-p <parent>]... -m <message> <tree>";

#define MAX_PARENTS 64

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
static const struct cairn_error *
identity(struct cairn_repo *repo, const char *who, struct cairn_ident *id)
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
static int
add_message(char **msg, const char *m)
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

int
cmd_commit(int argc, char **argv)
{
	const struct cairn_error *err = NULL;
	struct cairn_repo *repo = NULL;
	struct cairn_oid tree, id, parents[MAX_PARENTS];
	struct cairn_ident author, committer;
	char hex[CAIRN_OID_HEXMAX + 1], *msg = NULL;
	const char *pnames[MAX_PARENTS];
	struct cmd_getopt g;
	int c, np = 0, i, status;

	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	cmd_getopt_init(&g, 0);
	while (err == NULL && (c = cmd_getopt(&g, argc, argv, "p:m:h", opts,
	    cmd_commit_usage)) != -1) {
		if (c == 'p' && np < MAX_PARENTS)
			pnames[np++] = g.arg;
		else if (c == 'p') {
			status = cmd_usage(cmd_commit_usage, "too many parents");
			goto done;
		} else if (c == 'm') {
			if (!add_message(&msg, g.arg))
				err = cairn_error_nomem();
		} else if (c == 'h') {
			status = cmd_help(cmd_commit_usage);
			goto done;
		} else {
			status = 2;
			goto done;
		}
	}
	if (err == NULL && msg == NULL) {
		status = cmd_usage(cmd_commit_usage, "a message (-m) is required");
		goto done;
	}
	if (err == NULL && argc - g.ind != 1) {
		status = cmd_usage(cmd_commit_usage, "expected one tree");
		goto done;
	}
	if (err == NULL)
		err = cmd_check_name(argv[g.ind]);
	for (i = 0; err == NULL && i < np; i++)
		err = cmd_check_name(pnames[i]);
	if (err == NULL)
		err = cmd_open(&repo, 1);
	if (err == NULL)
		err = cairn_rev_resolve(repo, argv[g.ind], &tree);
	for (i = 0; err == NULL && i < np; i++)
		err = cairn_rev_resolve(repo, pnames[i], &parents[i]);
	if (err == NULL && (err = identity(repo, "AUTHOR", &author)) == NULL &&
	    (err = identity(repo, "COMMITTER", &committer)) == NULL)
		err = cairn_commit_create(repo, &tree, parents, (size_t)np,
		    &author, &committer, msg, &id);
	if (err == NULL)
		printf("%s\n", cairn_oid_fmt(&id, hex));
	cmd_close(repo);
	status = err ? cmd_fail(err) : cmd_finish_output(0);
done:
	free(msg);
	return status;
}
