/*
 * diff.c: what changed between two trees, as git diff-tree -r reports it.
 *
 * Both trees are read in their order, which is git's: names compared
 * byte by byte as if a tree's had a '/' after it.  An entry on one side
 * only is added or deleted (a tree: everything below it, entry by
 * entry); an entry on both is modified ('M': id or mode) or changes type
 * ('T': file, symlink or gitlink for another).  A tree on both sides is
 * entered only if its ids differ, so what did not change is never read.
 * A file that becomes a tree (or back) is two entries of different names
 * in that order: the file deleted, the tree's entries added (or the other
 * way round), as git reports them.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "graph.h"
#include "object.h"

struct diff {
	struct cairn_repo *repo;
	enum cairn_hash_algo algo;
	const char *const *paths;	/* limits, trailing '/' dropped */
	size_t *plen;
	size_t npaths;
	cairn_diff_fn fn;
	void *arg;
	int stopped;
	struct cairn_buf path;
};

/*
 * Whether the entry at path (a tree if tree) is inside a limit (1), a
 * tree on the way to one (2), or neither (0).
 */
static int
wanted(const struct diff *d, const char *path, size_t len, int tree)
{
	size_t i, l;
	int r = 0;

	if (d->npaths == 0)
		return 1;
	for (i = 0; i < d->npaths; i++) {
		l = d->plen[i];
		if (len >= l && memcmp(path, d->paths[i], l) == 0 &&
		    (len == l || path[l] == '/' || l == 0))
			return 1;
		if (tree && l > len && memcmp(path, d->paths[i], len) == 0 &&
		    d->paths[i][len] == '/')
			r = 2;
	}
	return r;
}

/* git's order of tree entries: names as if a tree's ended with '/'. */
static int
entry_cmp(const struct cairn_tree_entry *a, const struct cairn_tree_entry *b)
{
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = memcmp(a->name, b->name, n);
	unsigned char ca, cb;

	if (c != 0)
		return c;
	ca = a->name_len > n ? (unsigned char)a->name[n] :
	    a->mode == CAIRN_MODE_TREE ? '/' : '\0';
	cb = b->name_len > n ? (unsigned char)b->name[n] :
	    b->mode == CAIRN_MODE_TREE ? '/' : '\0';
	return (int)ca - (int)cb;
}

static const struct cairn_error *diff_trees(struct diff *d,
    const struct cairn_oid *a, const struct cairn_oid *b, int depth);

/* The full path of entry e in d->path, NUL-terminated; its old length. */
static const struct cairn_error *
enter(struct diff *d, const struct cairn_tree_entry *e, size_t *base)
{
	const struct cairn_error *err = NULL;

	*base = d->path.len;
	if (*base > 0)
		err = cairn_buf_append(&d->path, "/", 1);
	if (err == NULL)
		err = cairn_buf_append(&d->path, e->name, e->name_len);
	if (err == NULL && (err = cairn_buf_append(&d->path, "", 1)) == NULL)
		d->path.len--;
	return err;
}

static void
leave(struct diff *d, size_t base)
{
	d->path.len = base;
	if (d->path.data != NULL)
		d->path.data[base] = '\0';
}

static void
report(struct diff *d, char status, const struct cairn_tree_entry *old,
    const struct cairn_tree_entry *new)
{
	struct cairn_diff_entry de;

	memset(&de, 0, sizeof(de));
	de.status = status;
	de.path = (const char *)d->path.data;
	if (old != NULL) {
		de.old_mode = old->mode;
		de.old_id = old->id;
	} else {
		de.old_id.len = new->id.len;
	}
	if (new != NULL) {
		de.new_mode = new->mode;
		de.new_id = new->id;
	} else {
		de.new_id.len = old->id.len;
	}
	if (d->fn(d->arg, &de) != 0)
		d->stopped = 1;
}

/* One side's entry with nothing on the other: added or deleted. */
static const struct cairn_error *
one_side(struct diff *d, const struct cairn_tree_entry *e, int added,
    int depth)
{
	const struct cairn_error *err;
	size_t base;
	int w;

	if ((err = enter(d, e, &base)) != NULL)
		return err;
	w = wanted(d, (const char *)d->path.data, d->path.len,
	    e->mode == CAIRN_MODE_TREE);
	if (w != 0 && e->mode == CAIRN_MODE_TREE)
		err = diff_trees(d, added ? NULL : &e->id, added ? &e->id :
		    NULL, depth + 1);
	else if (w == 1)
		report(d, added ? 'A' : 'D', added ? NULL : e, added ? e : NULL);
	leave(d, base);
	return err;
}

/* The same name on both sides. */
static const struct cairn_error *
both_sides(struct diff *d, const struct cairn_tree_entry *a,
    const struct cairn_tree_entry *b, int depth)
{
	const struct cairn_error *err;
	size_t base;
	int w;

	if (a->mode == b->mode && cairn_oid_cmp(&a->id, &b->id) == 0)
		return NULL;
	if ((err = enter(d, a, &base)) != NULL)
		return err;
	w = wanted(d, (const char *)d->path.data, d->path.len,
	    a->mode == CAIRN_MODE_TREE);
	if (w != 0 && a->mode == CAIRN_MODE_TREE)
		err = diff_trees(d, &a->id, &b->id, depth + 1);
	else if (w == 1)
		report(d, (a->mode & 0170000) != (b->mode & 0170000) ? 'T' :
		    'M', a, b);
	leave(d, base);
	return err;
}

static const struct cairn_error *
load(struct diff *d, const struct cairn_oid *id, unsigned char **data,
    size_t *len)
{
	*data = NULL;
	*len = 0;
	if (id == NULL)
		return NULL;
	return cairn_graph_get_typed(d->repo, id, CAIRN_OBJ_TREE, data, len);
}

static const struct cairn_error *
diff_trees(struct diff *d, const struct cairn_oid *a,
    const struct cairn_oid *b, int depth)
{
	const struct cairn_error *err;
	struct cairn_tree_entry ea, eb;
	unsigned char *da, *db = NULL;
	size_t la, lb, pa = 0, pb = 0;
	int ra, rb, c;

	if (depth > TREE_DEPTH_MAX)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "trees nested too deep");
	if ((err = load(d, a, &da, &la)) != NULL ||
	    (err = load(d, b, &db, &lb)) != NULL) {
		free(da);
		return err;
	}
	ra = da ? cairn_tree_next(da, la, &pa, d->algo, &ea) : 0;
	rb = db ? cairn_tree_next(db, lb, &pb, d->algo, &eb) : 0;
	while (err == NULL && !d->stopped && ra == 1 && rb == 1) {
		c = entry_cmp(&ea, &eb);
		if (c < 0)
			err = one_side(d, &ea, 0, depth);
		else if (c > 0)
			err = one_side(d, &eb, 1, depth);
		else
			err = both_sides(d, &ea, &eb, depth);
		if (c <= 0)
			ra = cairn_tree_next(da, la, &pa, d->algo, &ea);
		if (c >= 0)
			rb = cairn_tree_next(db, lb, &pb, d->algo, &eb);
	}
	for (; err == NULL && !d->stopped && ra == 1;
	    ra = cairn_tree_next(da, la, &pa, d->algo, &ea))
		err = one_side(d, &ea, 0, depth);
	for (; err == NULL && !d->stopped && rb == 1;
	    rb = cairn_tree_next(db, lb, &pb, d->algo, &eb))
		err = one_side(d, &eb, 1, depth);
	if (err == NULL && !d->stopped && (ra < 0 || rb < 0))
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "malformed tree");
	free(da);
	free(db);
	return err;
}

const struct cairn_error *
cairn_tree_diff(struct cairn_repo *repo, const struct cairn_oid *a,
    const struct cairn_oid *b, const char *const *paths, size_t npaths,
    cairn_diff_fn fn, void *arg)
{
	const struct cairn_error *err;
	struct diff d;
	size_t i;

	memset(&d, 0, sizeof(d));
	d.repo = repo;
	d.algo = cairn_repo_hash_algo(repo);
	d.paths = paths;
	d.npaths = npaths;
	d.fn = fn;
	d.arg = arg;
	if (npaths > 0 && (d.plen = calloc(npaths, sizeof(*d.plen))) == NULL)
		return cairn_error_nomem();
	for (i = 0; i < npaths; i++) {
		d.plen[i] = strlen(paths[i]);
		while (d.plen[i] > 0 && paths[i][d.plen[i] - 1] == '/')
			d.plen[i]--;
	}
	if ((err = cairn_buf_append(&d.path, "", 1)) == NULL) {
		d.path.len = 0;
		if (a == NULL || b == NULL || cairn_oid_cmp(a, b) != 0)
			err = diff_trees(&d, a, b, 0);
	}
	cairn_buf_release(&d.path);
	free(d.plen);
	return err;
}
