/*
 * cmd_log.c: cairn log, the commits reachable from some revisions and not
 * from others, newest first, in git log's formats.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pretty.h"

const char cmd_log_usage[] =
    "cairn log [-<n> | -n <n>] [--oneline] [--format=<fmt>] [--reverse] "
    "[--first-parent] <rev>...";

struct log_opts {
	struct cmd_pretty pretty;
	int reverse;
	/* With --reverse, the commits shown, to print last first. */
	struct cairn_oid *ids;
	size_t n, cap;
	int nomem;
};

static int
show(void *arg, const struct cairn_oid *id, const unsigned char *data,
    size_t len)
{
	struct log_opts *o = arg;
	struct cairn_oid *nv;

	if (o->reverse) {
		if (o->n == o->cap) {
			o->cap = o->cap * 2 + 64;
			if ((nv = realloc(o->ids, o->cap * sizeof(*nv))) ==
			    NULL) {
				o->nomem = 1;
				return 1;
			}
			o->ids = nv;
		}
		o->ids[o->n++] = *id;
		return 0;
	}
	cmd_pretty_commit(&o->pretty, id, data, len);
	/* Stop walking once output cannot be written (cmd_finish_output). */
	return ferror(stdout) ? 1 : 0;
}

/* --reverse: the commits collected, oldest first. */
static const struct cairn_error *
show_reversed(struct log_opts *o)
{
	const struct cairn_error *err;
	enum cairn_otype type;
	unsigned char *data;
	size_t len;

	while (o->n > 0 && !ferror(stdout)) {
		if ((err = cairn_object_get(o->pretty.repo, &o->ids[--o->n], 0,
		    &type, &data, &len)) != NULL)
			return err;
		cmd_pretty_commit(&o->pretty, &o->ids[o->n], data, len);
		free(data);
	}
	return NULL;
}

int
cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "oneline", no_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "pretty", optional_argument, NULL, 'p' },
		{ "max-count", required_argument, NULL, 'n' },
		{ "reverse", no_argument, NULL, 'R' },
		{ "first-parent", no_argument, NULL, '1' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct cairn_walk_opts w = CAIRN_WALK_OPTS_INIT;
	struct log_opts o;
	struct cmd_revs revs;
	struct cmd_getopt g;
	uint64_t max = 0;
	int c, none = 0;

	memset(&o, 0, sizeof(o));
	o.pretty.kind = CMD_PRETTY_MEDIUM;
	if ((c = cmd_count_args(&argc, argv, &max)) < 0)
		return cmd_usage(cmd_log_usage, "count too large");
	none = c > 0 && max == 0;
	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "n:h", opts,
	    cmd_log_usage)) != -1) {
		switch (c) {
		case 'n':
			if (cmd_parse_count(g.arg, &max) != 0)
				return cmd_usage(cmd_log_usage,
				    "bad count '%s'", g.arg);
			none = max == 0;
			break;
		case 'o':
			cmd_pretty_parse(&o.pretty, "oneline");
			o.pretty.abbrev = 1;
			break;
		case 'f':
		case 'p':
			if (cmd_pretty_parse(&o.pretty, g.arg ? g.arg :
			    "medium") != 0)
				return cmd_usage(cmd_log_usage,
				    "invalid --%s format '%s' (oneline, medium, "
				    "format:<fmt>, tformat:<fmt>, or a string "
				    "with %%)", c == 'f' ? "format" : "pretty",
				    g.arg);
			break;
		case 'R':
			o.reverse = 1;
			break;
		case '1':
			w.flags |= CAIRN_WALK_FIRST_PARENT;
			break;
		case 'h':
			return cmd_help(cmd_log_usage);
		default:
			return 2;
		}
	}
	if (argc == g.ind)
		return cmd_usage(cmd_log_usage, "expected a revision");
	if ((err = cmd_revs_check(argv + g.ind, (size_t)(argc - g.ind))) !=
	    NULL)
		return cmd_fail(err);
	if ((err = cmd_open(&o.pretty.repo, 0)) != NULL)
		return cmd_fail(err);
	err = cmd_revs_resolve(o.pretty.repo, argv + g.ind,
	    (size_t)(argc - g.ind), &revs);
	/* -n 0 shows nothing (max 0 would be no limit), as git log. */
	if (err == NULL && !none) {
		cmd_revs_walk(&revs, &w);
		w.max = max;
		w.commit = show;
		w.arg = &o;
		if ((err = cairn_rev_walk(o.pretty.repo, &w)) == NULL &&
		    o.nomem)
			err = cairn_error_nomem();
		if (err == NULL && o.reverse)
			err = show_reversed(&o);
	}
	cmd_revs_release(&revs);
	free(o.ids);
	cmd_close(o.pretty.repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}
