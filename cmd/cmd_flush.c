/*
 * cmd_flush.c: cairn flush, make everything durable and indexed.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

const char cmd_flush_usage[] = "cairn flush";

int
cmd_flush(int argc, char **argv)
{
	const struct cairn_error *err;
	struct cairn_repo *repo;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		printf("usage: %s\n", cmd_flush_usage);
		return cmd_finish_output(0);
	}
	if (argc > 1)
		return cmd_usage(cmd_flush_usage, "unexpected argument '%s'",
		    argv[1]);
	if ((err = cmd_open(&repo, 1)) != NULL)
		return cmd_fail(err);
	err = cairn_flush(repo);
	cmd_close(repo);
	return err ? cmd_fail(err) : 0;
}
