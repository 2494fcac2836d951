/*
 * cmd_ls.c: cairn ls, a tree's entries in git ls-tree format, limited to
 * paths as git ls-tree limits them.
 *
 * With paths, an entry is shown when its path is one of them or lies
 * below one; a tree is entered when -r is given or when a path lies
 * below it ("dir/" enters dir, "dir" shows the entry dir itself).  -d
 * shows trees alone, and with -r also every tree it enters.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const char cmd_ls_usage[] =
    "cairn ls [-r] [-d] [-l | --name-only] [-z] <tree> [<path>...]";

struct lister {
	struct cairn_repo *repo;
	int recursive, trees_only, nul;
	int format;			/* 0, 'l' or 'n' */
	char **paths;
	int npaths;
	const struct cairn_error *err;
};

/*
 * Whether path (len bytes) is one of the paths or lies below one; a path
 * ending in '/' names a tree only.
 */
static int
selected(const struct lister *l, const char *path, size_t len, int tree)
{
	size_t sl;
	int i, slash;

	if (l->npaths == 0)
		return 1;
	for (i = 0; i < l->npaths; i++) {
		sl = strlen(l->paths[i]);
		if ((slash = sl > 0 && l->paths[i][sl - 1] == '/'))
			sl--;
		if (len >= sl && memcmp(path, l->paths[i], sl) == 0 &&
		    ((len == sl && (tree || !slash)) || sl == 0 ||
		    (len > sl && path[sl] == '/')))
			return 1;
	}
	return 0;
}

/* Whether a path lies below the tree at path: it must be entered. */
static int
leads(const struct lister *l, const char *path, size_t len)
{
	int i;

	for (i = 0; i < l->npaths; i++)
		if (strlen(l->paths[i]) > len &&
		    memcmp(l->paths[i], path, len) == 0 &&
		    l->paths[i][len] == '/')
			return 1;
	return 0;
}

/*
 * A path argument made relative to the tree's root, as git makes it
 * relative to the top of the work tree: empty and "." components go,
 * ".." takes the one before it; a directory keeps a trailing '/'.  NULL
 * if it is absolute or climbs above the root.
 */
static char *
normalize(const char *path)
{
	size_t len = strlen(path), i = 0, n, out = 0;
	char *r;

	if (*path == '/' || (r = malloc(len + 1)) == NULL)
		return NULL;
	while (i < len) {
		for (n = 0; i + n < len && path[i + n] != '/'; n++)
			;
		if (n == 2 && path[i] == '.' && path[i + 1] == '.') {
			if (out == 0) {
				free(r);
				return NULL;
			}
			/* Drop the last component (and its '/'). */
			out--;
			while (out > 0 && r[out - 1] != '/')
				out--;
		} else if (n > 0 && !(n == 1 && path[i] == '.')) {
			memcpy(r + out, path + i, n);
			out += n;
			r[out++] = '/';
		}
		i += n + 1;
	}
	/*
	 * The last '/' stays only if the argument names a directory: it
	 * ends with '/', "." or "..".
	 */
	n = len;
	while (n > 0 && path[n - 1] != '/')
		n--;
	if (out > 0 && path[len - 1] != '/' && strcmp(path + n, ".") != 0 &&
	    strcmp(path + n, "..") != 0)
		out--;
	r[out] = '\0';
	return r;
}

static void
show(struct lister *l, const char *path, const struct cairn_tree_entry *e)
{
	struct cairn_tree_entry shown = *e;
	char hex[CAIRN_OID_HEXMAX + 1];
	uint64_t size;

	shown.name = path;
	shown.name_len = strlen(path);
	if (l->format == 'n') {
		if (l->nul)
			fwrite(path, 1, shown.name_len + 1, stdout);
		else {
			cmd_print_path(path, shown.name_len);
			putchar('\n');
		}
		return;
	}
	if (l->format != 'l') {
		cmd_print_entry(&shown, "", l->nul);
		return;
	}
	printf("%06o %s %s ", e->mode, e->mode == CAIRN_MODE_TREE ? "tree" :
	    e->mode == CAIRN_MODE_GITLINK ? "commit" : "blob",
	    cairn_oid_fmt(&e->id, hex));
	if (e->mode == CAIRN_MODE_TREE || e->mode == CAIRN_MODE_GITLINK)
		printf("%7s\t", "-");
	else if ((l->err = cairn_object_stat(l->repo, &e->id, NULL,
	    &size)) == NULL)
		printf("%7llu\t", (unsigned long long)size);
	else
		return;
	if (l->nul)
		fwrite(path, 1, shown.name_len + 1, stdout);
	else {
		cmd_print_path(path, shown.name_len);
		putchar('\n');
	}
}

static const struct cairn_error *list_tree(struct lister *l,
    const struct cairn_oid *tree, const char *base);

/* One entry of a tree being listed, at base (empty, or ending in '/'). */
struct level {
	struct lister *l;
	const char *base;
	struct entry {
		char *path;
		struct cairn_tree_entry e;
	} *v;
	size_t n, cap;
	const struct cairn_error *err;
};

static int
collect(void *arg, const char *name, const struct cairn_tree_entry *e)
{
	struct level *lv = arg;
	struct entry *n;
	size_t bl = strlen(lv->base), nl = strlen(name);

	if (lv->n == lv->cap) {
		lv->cap = lv->cap ? 2 * lv->cap : 16;
		if ((n = realloc(lv->v, lv->cap * sizeof(*n))) == NULL) {
			lv->err = cairn_error_nomem();
			return 1;
		}
		lv->v = n;
	}
	if ((lv->v[lv->n].path = malloc(bl + nl + 1)) == NULL) {
		lv->err = cairn_error_nomem();
		return 1;
	}
	memcpy(lv->v[lv->n].path, lv->base, bl);
	memcpy(lv->v[lv->n].path + bl, name, nl + 1);
	lv->v[lv->n].e = *e;
	lv->v[lv->n].e.name = NULL;
	lv->n++;
	return 0;
}

static const struct cairn_error *
list_tree(struct lister *l, const struct cairn_oid *tree, const char *base)
{
	const struct cairn_error *err;
	struct level lv = { l, base, NULL, 0, 0, NULL };
	struct entry *en;
	size_t i, len;
	char *sub;
	int is_tree, sel;

	err = cairn_tree_walk(l->repo, tree, 0, collect, &lv);
	if (err == NULL)
		err = lv.err;
	for (i = 0; err == NULL && i < lv.n; i++) {
		en = &lv.v[i];
		len = strlen(en->path);
		is_tree = en->e.mode == CAIRN_MODE_TREE;
		sel = selected(l, en->path, len, is_tree);
		if (!sel && !leads(l, en->path, len))
			continue;
		if (is_tree && ((l->recursive && sel) ||
		    leads(l, en->path, len))) {
			/* git: -d with -r shows the trees it enters. */
			if (l->trees_only && l->recursive)
				show(l, en->path, &en->e);
			if ((sub = malloc(len + 2)) == NULL) {
				err = cairn_error_nomem();
				break;
			}
			memcpy(sub, en->path, len);
			memcpy(sub + len, "/", 2);
			err = list_tree(l, &en->e.id, sub);
			free(sub);
		} else if (sel && (!l->trees_only || is_tree))
			show(l, en->path, &en->e);
		if (err == NULL)
			err = l->err;
	}
	for (i = 0; i < lv.n; i++)
		free(lv.v[i].path);
	free(lv.v);
	return err;
}

int
cmd_ls(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "long", no_argument, NULL, 'l' },
		{ "name-only", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct lister l;
	struct cairn_oid id;
	int c, status;

	memset(&l, 0, sizeof(l));
	while ((c = getopt_long(argc, argv, "rdlzh", opts, NULL)) != -1) {
		if (c == 'r')
			l.recursive = 1;
		else if (c == 'd')
			l.trees_only = 1;
		else if (c == 'z')
			l.nul = 1;
		else if (c == 'l' || c == 'N') {
			if (l.format != 0 && l.format != (c == 'l' ? 'l' : 'n'))
				return cmd_usage(cmd_ls_usage, "-l and "
				    "--name-only exclude each other");
			l.format = c == 'l' ? 'l' : 'n';
		} else if (c == 'h') {
			printf("usage: %s\n", cmd_ls_usage);
			return cmd_finish_output(0);
		} else if (optopt != 0)
			/* A letter, maybe inside a cluster ("-fx"). */
			return cmd_usage(cmd_ls_usage, "unknown option '-%c'",
			    optopt);
		else
			return cmd_usage(cmd_ls_usage, "unknown option '%s'",
			    argv[optind - 1]);
	}
	if (argc - optind < 1)
		return cmd_usage(cmd_ls_usage, "expected a tree");
	if ((err = cmd_check_name(argv[optind])) != NULL)
		return cmd_fail(err);
	l.npaths = argc - optind - 1;
	if (l.npaths > 0 &&
	    (l.paths = calloc((size_t)l.npaths, sizeof(*l.paths))) == NULL)
		return cmd_fail(cairn_error_nomem());
	for (c = 0; c < l.npaths; c++)
		if ((l.paths[c] = normalize(argv[optind + 1 + c])) == NULL) {
			status = cmd_usage(cmd_ls_usage, "path '%s' is outside "
			    "the tree", argv[optind + 1 + c]);
			goto done;
		}
	if ((err = cmd_open(&l.repo, 0)) == NULL) {
		err = cairn_rev_resolve(l.repo, argv[optind], &id);
		if (err == NULL)
			err = cmd_peel_tree(l.repo, &id);
		if (err == NULL)
			err = list_tree(&l, &id, "");
		cmd_close(l.repo);
	}
	status = err ? cmd_fail(err) : cmd_finish_output(0);
done:
	for (c = 0; c < l.npaths; c++)
		free(l.paths[c]);
	free(l.paths);
	return status;
}
