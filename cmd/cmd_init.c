/*
 * cmd_init.c: cairn init, create an empty repository.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const char cmd_init_usage[] =
    "cairn init [--object-format=sha256|sha1] [--compression=<0-9>]\n"
    "           [--alternate=<repo>] [<repo>]";

int
cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "object-format", required_argument, NULL, 'f' },
		{ "compression", required_argument, NULL, 'c' },
		{ "alternate", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cairn_init_opts io = { CAIRN_HASH_SHA256, -1, NULL };
	const struct cairn_error *err;
	const char *path;
	char abs[PATH_MAX], *end;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((io.hash_algo = cairn_hash_parse(optarg)) == 0)
				return cmd_usage(cmd_init_usage,
				    "unknown object format '%s'", optarg);
			break;
		case 'c':
			io.compression = (int)strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' ||
			    io.compression < 0 || io.compression > 9)
				return cmd_usage(cmd_init_usage,
				    "compression must be 0 to 9, not '%s'",
				    optarg);
			break;
		case 'a':
			io.alternate = optarg;
			break;
		case 'h':
			printf("usage: %s\n", cmd_init_usage);
			return cmd_finish_output(0);
		default:
			return cmd_usage(cmd_init_usage, "unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cmd_usage(cmd_init_usage, "too many arguments");
	path = argc > optind ? argv[optind] : cmd_global.repo;
	if (path == NULL && (path = getenv("CAIRN_DIR")) != NULL && !*path)
		path = NULL;
	if (path == NULL)
		path = ".cairn";
	if (cmd_global.read_only)
		return cmd_fail(cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "cannot init with --read-only"));
	if ((err = cairn_repo_init(path, &io)) != NULL)
		return cmd_fail(err);
	if (realpath(path, abs) == NULL)
		snprintf(abs, sizeof(abs), "%s", path);
	printf("initialized empty cairn repository in %s\n", abs);
	return cmd_finish_output(0);
}
