/*
 * cmd_rev_list.c: cairn rev-list, the ids of the commits (and, with
 * --objects, of every object) reachable from some revisions and not from
 * others, as git rev-list prints them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pretty.h"

const char cmd_rev_list_usage[] =
    "cairn rev-list [--objects] [-<n> | -n <n>] [--first-parent] <rev>...";

static int
show_commit(void *arg, const struct cairn_oid *id, const unsigned char *data,
    size_t len)
{
	char hex[CAIRN_OID_HEXMAX + 1];

	(void)arg;
	(void)data;
	(void)len;
	puts(cairn_oid_fmt(id, hex));
	return ferror(stdout) ? 1 : 0;
}

/* "<id> <path>", the path up to a newline (git's show_object_with_name). */
static int
show_object(void *arg, const struct cairn_oid *id, enum cairn_otype type,
    const char *path)
{
	char hex[CAIRN_OID_HEXMAX + 1];

	(void)arg;
	(void)type;
	printf("%s %.*s\n", cairn_oid_fmt(id, hex), (int)strcspn(path, "\n"),
	    path);
	return ferror(stdout) ? 1 : 0;
}

int
cmd_rev_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "objects", no_argument, NULL, 'o' },
		{ "max-count", required_argument, NULL, 'n' },
		{ "first-parent", no_argument, NULL, '1' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct cairn_walk_opts w = CAIRN_WALK_OPTS_INIT;
	struct cairn_repo *repo;
	struct cmd_revs revs;
	struct cmd_getopt g;
	uint64_t max = 0;
	int c, none;

	if ((c = cmd_count_args(&argc, argv, &max)) < 0)
		return cmd_usage(cmd_rev_list_usage, "count too large");
	none = c > 0 && max == 0;
	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "n:h", opts,
	    cmd_rev_list_usage)) != -1) {
		switch (c) {
		case 'n':
			if (cmd_parse_count(g.arg, &max) != 0)
				return cmd_usage(cmd_rev_list_usage,
				    "bad count '%s'", g.arg);
			none = max == 0;
			break;
		case 'o':
			w.flags |= CAIRN_WALK_OBJECTS;
			break;
		case '1':
			w.flags |= CAIRN_WALK_FIRST_PARENT;
			break;
		case 'h':
			return cmd_help(cmd_rev_list_usage);
		default:
			return 2;
		}
	}
	if (argc == g.ind)
		return cmd_usage(cmd_rev_list_usage, "expected a revision");
	if ((err = cmd_revs_check(argv + g.ind, (size_t)(argc - g.ind))) !=
	    NULL)
		return cmd_fail(err);
	if ((err = cmd_open(&repo, 0)) != NULL)
		return cmd_fail(err);
	err = cmd_revs_resolve(repo, argv + g.ind, (size_t)(argc - g.ind),
	    &revs);
	if (err == NULL && !none) {
		cmd_revs_walk(&revs, &w);
		w.max = max;
		w.commit = show_commit;
		w.object = show_object;
		err = cairn_rev_walk(repo, &w);
	}
	cmd_revs_release(&revs);
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}
