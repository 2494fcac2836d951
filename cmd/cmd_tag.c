/*
 * cmd_tag.c: cairn tag, create, list and delete tags: the refs tags/<name>,
 * pointing at annotated tag objects (with -m) or at objects directly.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const char cmd_tag_usage[] =
    "cairn tag [-f] [-m <message>... | -F <file>] <name> <object>\n"
    "       cairn tag [-l [<pattern>]...]\n"
    "       cairn tag -d <name>...";

#define TAGS "tags/"

/* "tags/<name>", malloc'd, checked as a ref name. */
static const struct cairn_error *
tag_ref(const char *name, char **out)
{
	const struct cairn_error *err;
	size_t len = strlen(name);

	if ((*out = malloc(sizeof(TAGS) + len)) == NULL)
		return cairn_error_nomem();
	memcpy(*out, TAGS, sizeof(TAGS) - 1);
	memcpy(*out + sizeof(TAGS) - 1, name, len + 1);
	if (len == 0 || (err = cairn_ref_name_check(*out)) != NULL) {
		free(*out);
		*out = NULL;
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "'%s' is not a valid tag name", name);
	}
	return NULL;
}

struct lister {
	char **patterns;
	int n;
};

static int
list_one(void *arg, const char *name, const struct cairn_oid *id)
{
	const struct lister *l = arg;
	const char *tag = name + sizeof(TAGS) - 1;
	int i;

	(void)id;
	for (i = 0; i < l->n; i++)
		if (fnmatch(l->patterns[i], tag, 0) == 0)
			break;
	if (l->n == 0 || i < l->n)
		printf("%s\n", tag);
	return 0;
}

static int
tag_list(char **patterns, int n)
{
	const struct cairn_error *err;
	struct cairn_repo *repo;
	struct lister l = { patterns, n };

	if ((err = cmd_open(&repo, 0)) != NULL)
		return cmd_fail(err);
	err = cairn_ref_list(repo, TAGS, list_one, &l);
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}

/* Every name is checked before any tag is deleted. */
static int
tag_delete(char **names, int n)
{
	const struct cairn_error *err = NULL;
	struct cairn_repo *repo;
	char *ref;
	int i;

	for (i = 0; err == NULL && i < n; i++)
		if ((err = tag_ref(names[i], &ref)) == NULL)
			free(ref);
	if (err != NULL)
		return cmd_fail(err);
	if ((err = cmd_open(&repo, 1)) != NULL)
		return cmd_fail(err);
	for (i = 0; err == NULL && i < n; i++) {
		if ((err = tag_ref(names[i], &ref)) != NULL)
			break;
		err = cairn_ref_delete(repo, ref, NULL);
		free(ref);
	}
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}

static int
tag_create(const char *name, const char *object, const char *msg, int force)
{
	const struct cairn_error *err;
	struct cairn_repo *repo = NULL;
	struct cairn_ident tagger;
	struct cairn_oid target, id;
	char *ref = NULL;

	if ((err = tag_ref(name, &ref)) != NULL ||
	    (err = cmd_check_name(object)) != NULL ||
	    (err = cmd_open(&repo, 1)) != NULL ||
	    (err = cairn_rev_resolve(repo, object, &target)) != NULL ||
	    (err = cairn_object_exists(repo, &target)) != NULL)
		goto done;
	id = target;
	if (msg != NULL && ((err = cmd_identity(repo, "COMMITTER",
	    &tagger)) != NULL || (err = cairn_tag_create(repo, &target, name,
	    &tagger, msg, &id)) != NULL))
		goto done;
	err = force ? cairn_ref_set(repo, ref, &id, NULL) :
	    cairn_ref_create(repo, ref, &id);
	if (err != NULL && err->code == CAIRN_ERR_EXISTS)
		err = cairn_error_new(CAIRN_ERR_EXISTS, "tag '%s' already "
		    "exists (-f replaces it)", name);
done:
	free(ref);
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}

int
cmd_tag(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list", no_argument, NULL, 'l' },
		{ "delete", no_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "message", required_argument, NULL, 'm' },
		{ "file", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct cmd_getopt g;
	const char *file = NULL;
	char *msg = NULL;
	int c, list = 0, del = 0, force = 0, n, status;

	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "ldfm:F:h", opts,
	    cmd_tag_usage)) != -1) {
		switch (c) {
		case 'F': file = g.arg; break;
		case 'l': list = 1; break;
		case 'd': del = 1; break;
		case 'f': force = 1; break;
		case 'm':
			if (!cmd_add_message(&msg, g.arg)) {
				free(msg);
				return cmd_fail(cairn_error_nomem());
			}
			break;
		case 'h':
			free(msg);
			return cmd_help(cmd_tag_usage);
		default:
			free(msg);
			return 2;
		}
	}
	n = argc - g.ind;
	if (file != NULL && msg != NULL) {
		free(msg);
		return cmd_usage(cmd_tag_usage, "-m and -F exclude each other");
	}
	if (file != NULL && !list && !del && n == 2 &&
	    (err = cmd_message_file(file, 1, &msg)) != NULL)
		return cmd_fail(err);
	if (list + del > 1 || ((list || del) && (force || msg != NULL ||
	    file != NULL)))
		status = cmd_usage(cmd_tag_usage, "-l, -d and creating a tag "
		    "exclude each other");
	else if (del && n == 0)
		status = cmd_usage(cmd_tag_usage, "-d needs a tag name");
	else if (del)
		status = tag_delete(argv + g.ind, n);
	else if (list || (n == 0 && !force && msg == NULL && file == NULL))
		status = tag_list(argv + g.ind, n);
	else if (n != 2)
		status = cmd_usage(cmd_tag_usage, "expected a name and an "
		    "object");
	else
		status = tag_create(argv[g.ind], argv[g.ind + 1], msg, force);
	free(msg);
	return status;
}
