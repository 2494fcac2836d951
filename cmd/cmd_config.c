/*
 * cmd_config.c: cairn config, read, set or unset a key of <repo>/config.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

const char cmd_config_usage[] =
    "cairn config <key> [<value>]\n       cairn config --unset <key>\n"
    "       cairn config --list";

static int
print_item(void *arg, const char *key, const char *value)
{
	(void)arg;
	printf("%s=%s\n", key, value);
	return 0;
}

int
cmd_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list", no_argument, NULL, 'l' },
		{ "unset", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err = NULL;
	struct cairn_repo *repo;
	struct cmd_getopt g;
	const char *v;
	int c, list = 0, unset = 0, n;

	/* Options end at the key: a value may start with '-'. */
	cmd_getopt_init(&g, 1);
	while ((c = cmd_getopt(&g, argc, argv, "h", opts,
	    cmd_config_usage)) != -1) {
		if (c == 'l')
			list = 1;
		else if (c == 'u')
			unset = 1;
		else if (c == 'h')
			return cmd_help(cmd_config_usage);
		else
			return 2;
	}
	n = argc - g.ind;
	if (list + unset > 1 || (list ? n != 0 : unset ? n != 1 : n < 1 ||
	    n > 2))
		return cmd_usage(cmd_config_usage, "expected a key, a key and "
		    "a value, --unset and a key, or --list");
	if ((err = cmd_open(&repo, n == 2 || unset)) != NULL)
		return cmd_fail(err);
	if (list)
		cairn_repo_config_list(repo, print_item, NULL);
	else if (unset)
		err = cairn_repo_config_unset(repo, argv[g.ind]);
	else if (n == 2)
		err = cairn_repo_config_set(repo, argv[g.ind], argv[g.ind + 1]);
	else if ((err = cairn_repo_config_get(repo, argv[g.ind], &v)) == NULL)
		printf("%s\n", v);
	cmd_close(repo);
	/* A key not set is exit 1 with nothing printed, read or unset. */
	if (err != NULL && err->code == CAIRN_ERR_NOT_FOUND)
		return cmd_finish_output(1);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}
