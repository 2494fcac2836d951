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
	const struct cairn_error *err = NULL;
	struct cairn_repo *repo;
	const char *v;
	int status = 0;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		printf("usage: %s\n", cmd_config_usage);
		return cmd_finish_output(0);
	}
	if (argc < 2 || argc > 3)
		return cmd_usage(cmd_config_usage, "expected a key, a key and "
		    "a value, or --list");
	if (argv[1][0] == '-' && !(argc == 2 && strcmp(argv[1], "--list") == 0))
		return cmd_usage(cmd_config_usage, "unknown option '%s'",
		    argv[1]);
	if ((err = cmd_open(&repo, argc == 3)) != NULL)
		return cmd_fail(err);
	if (argc == 3)
		err = cairn_config_update(repo, argv[1], argv[2]);
	else if (strcmp(argv[1], "--list") == 0)
		cairn_config_each(repo, print_item, NULL);
	else if ((v = cairn_config_value(repo, argv[1])) != NULL)
		printf("%s\n", v);
	else
		status = 1;
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(status);
}
