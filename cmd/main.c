/*
 * main.c: the cairn command: global options and the command table.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static const char global_usage[] =
    "cairn [-C <dir>] [-r <repo>] [--read-only] [--no-progress] "
    "<command> [<args>]\n"
    "       cairn --version | --help | help [<command>]";

static const struct cmd commands[] = {
	{ "init", cmd_init, cmd_init_usage, "create an empty repository" },
	{ "put", cmd_put, cmd_put_usage, "store files or stdin as objects" },
	{ "import", cmd_import, cmd_import_usage,
	    "store every object of a git repository, and its refs" },
	{ "cat", cmd_cat, cmd_cat_usage, "print objects, their type or size" },
	{ "ls", cmd_ls, cmd_ls_usage, "list a tree's entries" },
	{ "get", cmd_get, cmd_get_usage, "write a tree's files into a directory" },
	{ "commit", cmd_commit, cmd_commit_usage, "create a commit of a tree" },
	{ "log", cmd_log, cmd_log_usage, "show the history of a commit" },
	{ "rev-parse", cmd_rev_parse, cmd_rev_parse_usage,
	    "print the ids revisions name" },
	{ "diff", cmd_diff, cmd_diff_usage,
	    "show what changed between two trees" },
	{ "show", cmd_show, cmd_show_usage,
	    "show a commit, tag, tree or blob as git show does" },
	{ "archive", cmd_archive, cmd_archive_usage,
	    "write a tree as a tar file, as git archive does" },
	{ "rev-list", cmd_rev_list, cmd_rev_list_usage,
	    "list the commits, or all objects, revisions reach" },
	{ "bundle", cmd_bundle, cmd_bundle_usage,
	    "move objects and refs as one file" },
	{ "clone", cmd_clone, cmd_clone_usage,
	    "make a new repository holding another's objects and refs" },
	{ "fetch", cmd_fetch, cmd_fetch_usage,
	    "copy the objects and refs of another repository" },
	{ "push", cmd_push, cmd_push_usage,
	    "send objects to another repository and move its refs" },
	{ "remote", cmd_remote, cmd_remote_usage,
	    "name the repositories fetch and push reach" },
	{ "serve", cmd_serve, cmd_serve_usage,
	    "the far side of a transfer, on stdin and stdout" },
	{ "update-server-info", cmd_update_server_info,
	    cmd_update_server_info_usage,
	    "let fetch and clone read the repository over plain HTTP" },
	{ "flush", cmd_flush, cmd_flush_usage,
	    "make everything durable and indexed" },
	{ "fsck", cmd_fsck, cmd_fsck_usage, "check, and repair, a repository" },
	{ "gc", cmd_gc, cmd_gc_usage,
	    "remove objects no ref reaches, and compact" },
	{ "stats", cmd_stats, cmd_stats_usage, "show repository statistics" },
	{ "tag", cmd_tag, cmd_tag_usage,
	    "create, list and delete tags (annotated with -m)" },
	{ "ref", cmd_ref, cmd_ref_usage,
	    "list, read and update refs (compare-and-swap, transactions)" },
	{ "config", cmd_config, cmd_config_usage,
	    "read or set configuration" },
	{ "completion", cmd_completion, cmd_completion_usage,
	    "print a shell completion script" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct cmd *const cmd_commands = commands;
const size_t cmd_ncommands = NCOMMANDS;
const char *const cmd_main_usage = global_usage;

static const struct cmd *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int
help(int argc, char **argv)
{
	const struct cmd *c;
	size_t i, width = 0;

	if (argc > 2)
		return cmd_usage("cairn help [<command>]", "too many arguments");
	if (argc == 2) {
		if ((c = find_command(argv[1])) == NULL && strcmp(argv[1],
		    "help") != 0)
			return cmd_usage(global_usage,
			    "'%s' is not a cairn command", argv[1]);
		return cmd_help(c ? c->usage : "cairn help [<command>]");
	}
	printf("usage: %s\n\ncommands:\n", global_usage);
	for (i = 0; i < NCOMMANDS; i++)
		if (strlen(commands[i].name) > width)
			width = strlen(commands[i].name);
	for (i = 0; i < NCOMMANDS; i++)
		printf("   %-*s  %s\n", (int)width, commands[i].name,
		    commands[i].summary);
	printf("\nSee 'cairn help <command>', and the manual: 'man cairn' "
	    "(cairn(1)),\n'man cairn-repository' (the files, "
	    "cairn-repository(5)).\n");
	return cmd_finish_output(0);
}

static int
global_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "read-only", no_argument, NULL, 'R' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_getopt g;
	int c;

	cmd_getopt_init(&g, 1);
	while ((c = cmd_getopt(&g, argc, argv, "C:r:h", opts,
	    global_usage)) != -1) {
		switch (c) {
		case 'C':
			if (chdir(g.arg) != 0) {
				fprintf(stderr, "cairn: cannot change to "
				    "'%s': %s\n", g.arg, strerror(errno));
				return -3;
			}
			break;
		case 'r':
			cmd_global.repo = g.arg;
			break;
		case 'R':
			cmd_global.read_only = 1;
			break;
		case 'P':
			cmd_global.no_progress = 1;
			break;
		case 'V':
			printf("cairn version %s\n", cairn_version());
			return -(cmd_finish_output(0) + 100);
		case 'h':
			return -(help(1, argv) + 100);
		default:
			return -2;
		}
	}
	return g.ind;
}

/*
 * The end of a command.  After a request that timed out, librados (Ceph
 * 16) may abort the process from one of its threads while the process
 * exits and runs its destructors, turning a clean error (exit 3) into a
 * crash.  A process that loaded it (a RADOS repository) therefore ends
 * without them, once its output is flushed.
 */
static int
end(int status)
{
	void *rados = dlopen("librados.so.2", RTLD_NOW | RTLD_NOLOAD);

	if (rados == NULL)
		return status;
	if (fflush(NULL) != 0 && status == 0)
		status = 3;
	_exit(status);
}

int
main(int argc, char **argv)
{
	static int streams_set;
	const struct cmd *c;
	int first;

	/*
	 * A closed pipe ends the command quietly, killed by SIGPIPE (status
	 * 141 in a shell), as git is: `cairn cat <big> | head` then reports
	 * no error, and `set -o pipefail` sees what git gives.  git restores
	 * the default action even when its parent ignored the signal, and so
	 * does cairn.  Dying there is safe: output goes out only after what
	 * it reports is durable, and a killed process leaves the repository
	 * as a crash does, which every reader and writer recovers from.
	 */
	signal(SIGPIPE, SIG_DFL);
	/*
	 * A descriptor 0, 1 or 2 that the caller closed is opened on
	 * /dev/null, as git does: else the next file opened (a repository's
	 * data file) would take its number, and output meant for stdout
	 * would land in it.
	 */
	{
		int fd;

		while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
			;
		if (fd > 2)
			close(fd);
	}
	/*
	 * A write past the file size limit (ulimit -f) fails with EFBIG,
	 * reported like any other I/O error, instead of killing the
	 * process part way through.
	 */
	signal(SIGXFSZ, SIG_IGN);
	/*
	 * An error line goes out in one write, so that the lines of
	 * processes sharing stderr do not interleave; the progress meters
	 * flush themselves.  (Once: a program may run this main again.)
	 */
	if (!streams_set) {
		setvbuf(stderr, NULL, _IOLBF, 0);
		/*
		 * Bulk output (cat --batch, ls -r) in writes of 64 KiB, not
		 * of a page; commands that answer as they go flush when
		 * their input would wait.
		 */
		if (!isatty(STDOUT_FILENO))
			setvbuf(stdout, NULL, _IOFBF, 65536);
		streams_set = 1;
	}
	opterr = 0;	/* the commands that use getopt report errors */
	first = global_options(argc, argv);
	if (first <= -100)
		return -first - 100;
	if (first < 0)
		return -first;
	if (first >= argc)
		return cmd_usage(global_usage, "no command given");
	argc -= first;
	argv += first;
	if (strcmp(argv[0], "help") == 0)
		return help(argc, argv);
	if ((c = find_command(argv[0])) == NULL)
		return cmd_usage(global_usage, "'%s' is not a cairn command",
		    argv[0]);
	optind = 0;	/* a fresh getopt for commands that still use it */
	return end(c->run(argc, argv));
}
