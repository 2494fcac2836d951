/*
 * cmd_config.c: cairn config, read or set a key of <repo>/config.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

const char cmd_config_usage[] =
    "cairn config <key> [<value>]\n       cairn config --list";

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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err = NULL;
	struct cairn_repo *repo;
	struct cmd_getopt g;
	const char *v;
	int c, list = 0, n, status = 0;

	/* Options end at the key: a value may start with '-'. */
	cmd_getopt_init(&g, 1);
	while ((c = cmd_getopt(&g, argc, argv, "h", opts,
	    cmd_config_usage)) != -1) {
		if (c == 'l')
			list = 1;
		else if (c == 'h')
			return cmd_help(cmd_config_usage);
		else
			return 2;
	}
	n = argc - g.ind;
	if (list ? n != 0 : n < 1 || n > 2)
		return cmd_usage(cmd_config_usage, "expected a key, a key and "
		    "a value, or --list");
	if ((err = cmd_open(&repo, n == 2)) != NULL)
		return cmd_fail(err);
	if (n == 2)
		err = cairn_config_update(repo, argv[g.ind], argv[g.ind + 1]);
	else if (list)
		cairn_config_each(repo, print_item, NULL);
	else if ((v = cairn_config_value(repo, argv[g.ind])) != NULL)
		printf("%s\n", v);
	else
		status = 1;
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(status);
}
