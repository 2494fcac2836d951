/*
 * cmd_commit.c: cairn commit, create a commit of a tree.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

const char cmd_commit_usage[] =
    "cairn commit [-p <parent>]... (-m <message>... | -F <file>) <tree>";

#define MAX_PARENTS 64

int
cmd_commit(int argc, char **argv)
{
	const struct cairn_error *err = NULL;
	struct cairn_repo *repo = NULL;
	struct cairn_oid tree, id, parents[MAX_PARENTS];
	struct cairn_ident author, committer;
	char hex[CAIRN_OID_HEXMAX + 1], *msg = NULL;
	const char *pnames[MAX_PARENTS], *file = NULL;
	struct cmd_getopt g;
	int c, np = 0, i, status;

	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	cmd_getopt_init(&g, 0);
	while (err == NULL && (c = cmd_getopt(&g, argc, argv, "p:m:F:h", opts,
	    cmd_commit_usage)) != -1) {
		if (c == 'p' && np < MAX_PARENTS)
			pnames[np++] = g.arg;
		else if (c == 'p') {
			status = cmd_usage(cmd_commit_usage, "too many parents");
			goto done;
		} else if (c == 'm') {
			if (!cmd_add_message(&msg, g.arg))
				err = cairn_error_nomem();
		} else if (c == 'F') {
			file = g.arg;
		} else if (c == 'h') {
			status = cmd_help(cmd_commit_usage);
			goto done;
		} else {
			status = 2;
			goto done;
		}
	}
	if (err == NULL && file != NULL && msg != NULL) {
		status = cmd_usage(cmd_commit_usage, "-m and -F exclude each "
		    "other");
		goto done;
	}
	if (err == NULL && msg == NULL && file == NULL) {
		status = cmd_usage(cmd_commit_usage, "a message (-m or -F) is "
		    "required");
		goto done;
	}
	if (err == NULL && argc - g.ind != 1) {
		status = cmd_usage(cmd_commit_usage, "expected one tree");
		goto done;
	}
	if (err == NULL)
		err = cmd_check_name(argv[g.ind]);
	if (err == NULL && file != NULL)
		err = cmd_message_file(file, 0, &msg);
	for (i = 0; err == NULL && i < np; i++)
		err = cmd_check_name(pnames[i]);
	if (err == NULL)
		err = cmd_open(&repo, 1);
	if (err == NULL)
		err = cairn_rev_resolve(repo, argv[g.ind], &tree);
	for (i = 0; err == NULL && i < np; i++)
		err = cairn_rev_resolve(repo, pnames[i], &parents[i]);
	if (err == NULL && (err = cmd_identity(repo, "AUTHOR", &author)) == NULL &&
	    (err = cmd_identity(repo, "COMMITTER", &committer)) == NULL)
		err = cairn_commit_create(repo, &tree, parents, (size_t)np,
		    &author, &committer, msg, &id);
	if (err == NULL)
		printf("%s\n", cairn_oid_fmt(&id, hex));
	cmd_close(repo);
	status = err ? cmd_fail(err) : cmd_finish_output(0);
done:
	free(msg);
	return status;
}
