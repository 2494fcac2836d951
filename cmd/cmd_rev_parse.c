/*
 * cmd_rev_parse.c: cairn rev-parse, print the ids revisions name.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

const char cmd_rev_parse_usage[] = "cairn rev-parse <rev>...";

/*
 * Every revision is checked before any is resolved, and the ids are
 * printed only once all resolve: a script gets all of them or an error.
 */
int
cmd_rev_parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err = NULL;
	struct cairn_repo *repo;
	struct cairn_oid *ids;
	struct cmd_getopt g;
	char hex[CAIRN_OID_HEXMAX + 1];
	int c, i, n;

	cmd_getopt_init(&g, 0);
	if ((c = cmd_getopt(&g, argc, argv, "h", opts,
	    cmd_rev_parse_usage)) != -1)
		return c == 'h' ? cmd_help(cmd_rev_parse_usage) : 2;
	if (g.ind == argc)
		return cmd_usage(cmd_rev_parse_usage, "no revision given");
	n = argc - g.ind;
	for (i = g.ind; i < argc; i++)
		if ((err = cairn_rev_check(argv[i])) != NULL)
			return cmd_fail(err);
	if ((err = cmd_open(&repo, 0)) != NULL)
		return cmd_fail(err);
	if ((ids = calloc((size_t)n, sizeof(*ids))) == NULL)
		err = cairn_error_nomem();
	for (i = 0; err == NULL && i < n; i++)
		err = cairn_rev_resolve(repo, argv[g.ind + i], &ids[i]);
	for (i = 0; err == NULL && i < n; i++)
		printf("%s\n", cairn_oid_fmt(&ids[i], hex));
	free(ids);
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}
