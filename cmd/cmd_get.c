/*
 * cmd_get.c: cairn get, write a tree's files into a directory.
 */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "progress.h"

const char cmd_get_usage[] = "cairn get [-f] <tree> <dir>";

int
cmd_get(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct cairn_repo *repo;
	struct cairn_oid id;
	struct cmd_meter m;
	unsigned flags = 0;
	int c;

	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		if (c == 'f')
			flags |= CAIRN_CHECKOUT_FORCE;
		else if (c == 'h') {
			printf("usage: %s\n", cmd_get_usage);
			return cmd_finish_output(0);
		} else if (optopt != 0)
			/* A letter, maybe inside a cluster ("-fx"). */
			return cmd_usage(cmd_get_usage, "unknown option '-%c'",
			    optopt);
		else
			return cmd_usage(cmd_get_usage, "unknown option '%s'",
			    argv[optind - 1]);
	}
	if (argc - optind != 2)
		return cmd_usage(cmd_get_usage, "expected a tree and a directory");
	if ((err = cmd_open(&repo, 0)) != NULL)
		return cmd_fail(err);
	err = cairn_rev_resolve(repo, argv[optind], &id);
	if (err == NULL)
		err = cmd_peel_tree(repo, &id);
	cmd_meter_start(&m, "get", "files");
	cairn_repo_set_progress(repo, cmd_meter_progress, &m);
	if (err == NULL)
		err = cairn_tree_checkout(repo, &id, argv[optind + 1], flags);
	cairn_repo_set_progress(repo, NULL, NULL);
	cmd_close(repo);
	if (err != NULL) {
		cmd_meter_stop(&m);
		return cmd_fail(err);
	}
	cmd_meter_done(&m);
	return 0;
}
