/*
 * cmd_update_server_info.c: cairn update-server-info, write the list of
 * refs that a reader over plain HTTP takes (cairn_ref_list_publish).
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

const char cmd_update_server_info_usage[] = "cairn update-server-info";

int
cmd_update_server_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct cairn_repo *repo;
	struct cmd_getopt g;
	int c;

	cmd_getopt_init(&g, 0);
	if ((c = cmd_getopt(&g, argc, argv, "h", opts,
	    cmd_update_server_info_usage)) != -1)
		return c == 'h' ? cmd_help(cmd_update_server_info_usage) : 2;
	if (g.ind < argc)
		return cmd_usage(cmd_update_server_info_usage,
		    "unexpected argument '%s'", argv[g.ind]);
	if ((err = cmd_open(&repo, 1)) != NULL)
		return cmd_fail(err);
	err = cairn_ref_list_publish(repo);
	cmd_close(repo);
	return err ? cmd_fail(err) : 0;
}
