/*
 * cmd_init.c: cairn init, create an empty repository.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"

const char cmd_init_usage[] =
    "cairn init [--object-format=sha256|sha1] [--compression=<0-9>]\n"
    "           [--alternate=<repo>] [--shared[=group|umask]] [<repo>]";

/*
 * The value of --shared, as git spells it: none, "group" or "true" share
 * with the group; "umask" or "false" do not.  -1 for anything else.
 */
static int
shared_mode(const char *arg)
{
	if (arg == NULL || strcasecmp(arg, "group") == 0 ||
	    strcasecmp(arg, "true") == 0)
		return CAIRN_SHARED_GROUP;
	if (strcasecmp(arg, "umask") == 0 || strcasecmp(arg, "false") == 0)
		return CAIRN_SHARED_UMASK;
	return -1;
}

int
cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "object-format", required_argument, NULL, 'f' },
		{ "compression", required_argument, NULL, 'c' },
		{ "alternate", required_argument, NULL, 'a' },
		{ "shared", optional_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cairn_init_opts io = CAIRN_INIT_OPTS_INIT;
	const struct cairn_error *err;
	const char *path;
	char abs[PATH_MAX], *end;
	struct cmd_getopt g;
	int c;

	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "h", opts,
	    cmd_init_usage)) != -1) {
		switch (c) {
		case 'f':
			if ((io.hash_algo = cairn_hash_parse(g.arg)) == 0)
				return cmd_usage(cmd_init_usage,
				    "unknown object format '%s'", g.arg);
			break;
		case 'c':
			io.compression = (int)strtol(g.arg, &end, 10);
			if (*g.arg == '\0' || *end != '\0' ||
			    io.compression < 0 || io.compression > 9)
				return cmd_usage(cmd_init_usage,
				    "compression must be 0 to 9, not '%s'",
				    g.arg);
			break;
		case 'a':
			io.alternate = g.arg;
			break;
		case 's':
			if ((io.shared = shared_mode(g.arg)) == -1)
				return cmd_usage(cmd_init_usage, "--shared takes "
				    "group or umask, not '%s'", g.arg);
			break;
		case 'h':
			return cmd_help(cmd_init_usage);
		default:
			return 2;
		}
	}
	if (argc - g.ind > 1)
		return cmd_usage(cmd_init_usage, "too many arguments");
	/* The argument, else -r, else ./.cairn: never $CAIRN_DIR (cairn(1)). */
	path = argc > g.ind ? argv[g.ind] : cmd_global.repo;
	if (path == NULL)
		path = ".cairn";
	if (cmd_global.read_only)
		return cmd_fail(cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "cannot init with --read-only"));
	if (io.shared == CAIRN_SHARED_GROUP &&
	    strncasecmp(path, "rados://", 8) == 0)
		return cmd_usage(cmd_init_usage, "--shared applies to a "
		    "repository on disk, not in RADOS");
	if ((err = cairn_repo_init(path, &io)) != NULL)
		return cmd_fail(err);
	if (realpath(path, abs) == NULL)
		snprintf(abs, sizeof(abs), "%s", path);
	printf("initialized empty cairn repository in %s\n", abs);
	return cmd_finish_output(0);
}
