/*
 * cmd_ls.c: cairn ls, a tree's entries in git ls-tree format.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

const char cmd_ls_usage[] = "cairn ls [-r] [-z] <tree>";

static int
print_one(void *arg, const char *path, const struct cairn_tree_entry *e)
{
	struct cairn_tree_entry shown = *e;

	/* Print the whole path through the entry printer's quoting. */
	shown.name = path;
	shown.name_len = strlen(path);
	cmd_print_entry(&shown, "", *(int *)arg);
	return 0;
}

int
cmd_ls(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct cairn_repo *repo;
	struct cairn_oid id;
	int c, recursive = 0, nul = 0;

	while ((c = getopt_long(argc, argv, "rzh", opts, NULL)) != -1) {
		if (c == 'r')
			recursive = 1;
		else if (c == 'z')
			nul = 1;
		else if (c == 'h') {
			printf("usage: %s\n", cmd_ls_usage);
			return cmd_finish_output(0);
		} else if (optopt != 0)
			/* A letter, maybe inside a cluster ("-fx"). */
			return cmd_usage(cmd_ls_usage, "unknown option '-%c'",
			    optopt);
		else
			return cmd_usage(cmd_ls_usage, "unknown option '%s'",
			    argv[optind - 1]);
	}
	if (argc - optind != 1)
		return cmd_usage(cmd_ls_usage, "expected one tree");
	if ((err = cmd_open(&repo, 0)) != NULL)
		return cmd_fail(err);
	err = cairn_rev_resolve(repo, argv[optind], &id);
	if (err == NULL)
		err = cmd_peel_tree(repo, &id);
	if (err == NULL)
		err = cairn_tree_walk(repo, &id, recursive, print_one, &nul);
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}
