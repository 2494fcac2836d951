/*
 * cmd_show.c: cairn show, objects as git show prints them: a commit as
 * git show --no-patch (with --name-status, its changes from its first
 * parent), a tag's header and message and then what it tags, a tree's
 * entry names, a blob's content.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pretty.h"

const char cmd_show_usage[] =
    "cairn show [--name-status] [--oneline | --format=<fmt>] <object>...";

struct show {
	struct cmd_pretty pretty;	/* its count: objects shown, as git's
					   shown_one, for the blank lines */
	int name_status;
};

/* A tag: "tag <name>", the tagger, the message; *id becomes its target. */
static const struct cairn_error *
show_tag(struct show *s, struct cairn_oid *id)
{
	const struct cairn_error *err;
	enum cairn_hash_algo algo = cairn_repo_hash_algo(s->pretty.repo);
	const char *p, *end, *nl, *name = "", *tagger = NULL;
	size_t name_len = 0, tagger_len = 0;
	enum cairn_otype type;
	unsigned char *data;
	size_t len;
	int target = 0;

	if ((err = cairn_object_get(s->pretty.repo, id, 0, &type, &data,
	    &len)) != NULL)
		return err;
	p = (const char *)data;
	end = p + len;
	while (p < end && *p != '\n') {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl - p > 7 && memcmp(p, "object ", 7) == 0)
			target = cairn_oid_parse(algo, p + 7, (size_t)(nl - p -
			    7), id) == NULL;
		else if (nl - p >= 4 && memcmp(p, "tag ", 4) == 0) {
			name = p + 4;
			name_len = (size_t)(nl - name);
		} else if (nl - p > 7 && memcmp(p, "tagger ", 7) == 0) {
			tagger = p + 7;
			tagger_len = (size_t)(nl - tagger);
		}
		p = nl < end ? nl + 1 : end;
	}
	if (!target) {
		free(data);
		return cairn_error_new(CAIRN_ERR_CORRUPT, "malformed tag");
	}
	if (s->pretty.shown++ > 0)
		putchar('\n');
	printf("tag %.*s\n", (int)name_len, name);
	if (tagger != NULL)
		cmd_pretty_person("Tagger", tagger, tagger_len);
	/* From the blank line that ends the header, as git writes it. */
	fwrite(p, 1, (size_t)(end - p), stdout);
	free(data);
	return NULL;
}

/* A tree: "tree <name>", a blank line, each entry's name ("/" for trees). */
static int
tree_entry(void *arg, const char *path, const struct cairn_tree_entry *e)
{
	(void)arg;
	printf("%s%s\n", path, e->mode == CAIRN_MODE_TREE ? "/" : "");
	return ferror(stdout) ? 1 : 0;
}

static const struct cairn_error *
show_tree(struct show *s, const struct cairn_oid *id, const char *name)
{
	if (s->pretty.shown++ > 0)
		putchar('\n');
	printf("tree %s\n\n", name);
	return cairn_tree_walk(s->pretty.repo, id, 0, tree_entry, NULL);
}

static int
name_status(void *arg, const struct cairn_diff_entry *d)
{
	int *first = arg;

	if (*first) {
		putchar('\n');
		*first = 0;
	}
	printf("%c\t", d->status);
	cmd_print_path(d->path, strlen(d->path));
	putchar('\n');
	return ferror(stdout) ? 1 : 0;
}

static const struct cairn_error *
show_commit(struct show *s, const struct cairn_oid *id)
{
	const struct cairn_error *err;
	enum cairn_hash_algo algo = cairn_repo_hash_algo(s->pretty.repo);
	struct cairn_commit_info ci;
	struct cairn_oid parent_tree, *from = NULL;
	enum cairn_otype type;
	unsigned char *data, *pdata;
	size_t len, plen;
	int first = 1;

	if ((err = cairn_object_get(s->pretty.repo, id, 0, &type, &data,
	    &len)) != NULL)
		return err;
	cmd_pretty_commit(&s->pretty, id, data, len);
	err = cairn_commit_parse(data, len, algo, &ci);
	if (err == NULL && s->name_status && ci.nparents > 0 &&
	    (err = cairn_commit_parent(&ci, 0, &parent_tree)) == NULL &&
	    (err = cairn_object_get(s->pretty.repo, &parent_tree, 0, &type,
	    &pdata, &plen)) == NULL) {
		struct cairn_commit_info pci;

		if ((err = cairn_commit_parse(pdata, plen, algo, &pci)) ==
		    NULL) {
			parent_tree = pci.tree;
			from = &parent_tree;
		}
		free(pdata);
	}
	/* A root commit: everything added, as git's log.showRoot. */
	if (err == NULL && s->name_status)
		err = cairn_tree_diff(s->pretty.repo, from, &ci.tree, NULL, 0,
		    name_status, &first);
	free(data);
	return err;
}

static const struct cairn_error *
show_one(struct show *s, const char *name)
{
	const struct cairn_error *err;
	struct cairn_oid id;
	enum cairn_otype type;
	int depth;

	if ((err = cairn_rev_resolve(s->pretty.repo, name, &id)) != NULL)
		return err;
	for (depth = 0; depth < 64; depth++) {
		if ((err = cairn_object_stat(s->pretty.repo, &id, &type,
		    NULL)) != NULL)
			return err;
		switch (type) {
		case CAIRN_OBJ_TAG:
			if ((err = show_tag(s, &id)) != NULL)
				return err;
			continue;
		case CAIRN_OBJ_COMMIT:
			return show_commit(s, &id);
		case CAIRN_OBJ_TREE:
			return show_tree(s, &id, name);
		default:
			/* A blob: its content as it is, no blank line. */
			return cairn_object_get_stream(s->pretty.repo, &id, 0,
			    cmd_stdout_sink, NULL);
		}
	}
	return cairn_error_new(CAIRN_ERR_INVALID, "tags nested too deep");
}

int
cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name-status", no_argument, NULL, 'N' },
		{ "no-patch", no_argument, NULL, 's' },
		{ "oneline", no_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "pretty", optional_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err = NULL;
	struct cmd_getopt g;
	struct show s;
	int c, i;

	memset(&s, 0, sizeof(s));
	s.pretty.kind = CMD_PRETTY_MEDIUM;
	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "sh", opts,
	    cmd_show_usage)) != -1) {
		switch (c) {
		case 'N':
			s.name_status = 1;
			break;
		case 's':
			s.name_status = 0;
			break;
		case 'o':
			cmd_pretty_parse(&s.pretty, "oneline");
			s.pretty.abbrev = 1;
			break;
		case 'f':
		case 'p':
			if (cmd_pretty_parse(&s.pretty, g.arg ? g.arg :
			    "medium") != 0)
				return cmd_usage(cmd_show_usage,
				    "invalid --%s format '%s'", c == 'f' ?
				    "format" : "pretty", g.arg);
			break;
		case 'h':
			return cmd_help(cmd_show_usage);
		default:
			return 2;
		}
	}
	if (argc == g.ind)
		return cmd_usage(cmd_show_usage, "expected an object");
	for (i = g.ind; i < argc; i++)
		if ((err = cairn_rev_check(argv[i])) != NULL)
			return cmd_fail(err);
	if ((err = cmd_open(&s.pretty.repo, 0)) != NULL)
		return cmd_fail(err);
	for (i = g.ind; i < argc && err == NULL && !ferror(stdout); i++)
		err = show_one(&s, argv[i]);
	cmd_close(s.pretty.repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}
