/*
 * cmd_flush.c: cairn flush, make everything durable and indexed.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "progress.h"

const char cmd_flush_usage[] = "cairn flush";

int
cmd_flush(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct cairn_repo *repo;
	struct cmd_meter m;
	struct cmd_getopt g;
	int c;

	cmd_getopt_init(&g, 0);
	if ((c = cmd_getopt(&g, argc, argv, "h", opts, cmd_flush_usage)) != -1)
		return c == 'h' ? cmd_help(cmd_flush_usage) : 2;
	if (g.ind < argc)
		return cmd_usage(cmd_flush_usage, "unexpected argument '%s'",
		    argv[g.ind]);
	if ((err = cmd_open(&repo, 1)) != NULL)
		return cmd_fail(err);
	cmd_meter_start(&m, "flush", "index entries");
	cairn_repo_set_progress(repo, cmd_meter_progress, &m);
	err = cairn_repo_flush(repo);
	cairn_repo_set_progress(repo, NULL, NULL);
	cmd_close(repo);
	if (err != NULL) {
		cmd_meter_stop(&m);
		return cmd_fail(err);
	}
	cmd_meter_done(&m);
	return 0;
}
