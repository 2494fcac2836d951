/*
 * tree.c: trees over the object API: storing a directory as a tree (in
 * batches of bounded size) and walking a tree's entries.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "graph.h"

/*
 * cairn_tree_put_dir stores a directory in two passes.  The walk reads
 * every file and symlink and queues it on an ingest (cairn.h), which
 * hashes and compresses on worker threads and appends in order, and it
 * notes every entry in one array of nodes, a directory's entries side by
 * side.  Once all that is appended, and so every blob's id known, the
 * trees are built, each directory after its subdirectories.  The batch
 * is committed whenever it holds this much, so that memory does not grow
 * with the content (the nodes do: a name and an id per entry).  An
 * interrupted put leaves only objects no ref reaches, which gc removes
 * after the grace period.
 */
#define PUTDIR_BATCH_BYTES ((uint64_t)8 << 20)
#define PUTDIR_BATCH_OBJECTS 10000

struct node {
	char *name;		/* NULL for the root */
	unsigned mode;
	struct cairn_oid id;	/* once stored */
	size_t parent;		/* the directory it is in; the root's: 0 */
	size_t first, count;	/* a directory's entries */
	int empty;		/* a directory with nothing to store */
};

struct putdir {
	struct cairn_repo *repo;
	const char *root;		/* the path given */
	struct cairn_ingest *ing;	/* NULL once the walk is done */
	struct node *nodes;
	size_t n, cap;
	size_t *queued;			/* the node of each object queued */
	size_t nqueued, qcap, noted;
	size_t *dirs;			/* directories, deepest first */
	size_t ndirs, dcap;
	int open;			/* a batch is open */
	uint64_t bytes;			/* content added to the open batch */
	size_t objects;
};

static const struct cairn_error *
push_index(size_t **a, size_t *n, size_t *cap, size_t v)
{
	size_t *p;

	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 256;
		if ((p = realloc(*a, *cap * sizeof(*p))) == NULL)
			return cairn_error_nomem();
		*a = p;
	}
	(*a)[(*n)++] = v;
	return NULL;
}

/* The ingest appended an object: its node gets the id. */
static const struct cairn_error *
putdir_noted(void *arg, const struct cairn_oid *id, uint64_t size)
{
	struct putdir *pd = arg;

	(void)size;
	pd->nodes[pd->queued[pd->noted++]].id = *id;
	return NULL;
}

/* Open a batch if none is. */
static const struct cairn_error *
putdir_begin(struct putdir *pd)
{
	const struct cairn_error *err;

	if (pd->open)
		return NULL;
	if ((err = cairn_batch_begin(pd->repo)) != NULL)
		return err;
	pd->open = 1;
	pd->bytes = 0;
	pd->objects = 0;
	return NULL;
}

/* Count an object added; commit the batch once it reaches the bounds. */
static const struct cairn_error *
putdir_added(struct putdir *pd, uint64_t size)
{
	const struct cairn_error *err;

	pd->bytes += size;
	pd->objects++;
	if (pd->bytes < PUTDIR_BATCH_BYTES &&
	    pd->objects < PUTDIR_BATCH_OBJECTS)
		return NULL;
	if (pd->ing != NULL && (err = cairn_ingest_drain(pd->ing)) != NULL)
		return err;
	pd->nqueued = pd->noted = 0;
	pd->open = 0;
	return cairn_batch_commit(pd->repo);
}

/* Queue node k's content: data is malloc'd, the ingest's from now on. */
static const struct cairn_error *
queue_blob(struct putdir *pd, size_t k, void *data, size_t len)
{
	const struct cairn_error *err;

	if ((err = putdir_begin(pd)) != NULL ||
	    (err = push_index(&pd->queued, &pd->nqueued, &pd->qcap,
	    k)) != NULL) {
		free(data);
		return err;
	}
	if ((err = cairn_ingest_add(pd->ing, CAIRN_OBJ_BLOB, data, len,
	    NULL)) != NULL)
		return err;
	return putdir_added(pd, len);
}

/*
 * A regular file.  Opened without blocking, and checked once open: a
 * file replaced by a fifo after the walk saw it must not hang the put.
 */
static const struct cairn_error *
put_file(struct putdir *pd, size_t k, const char *path)
{
	const struct cairn_error *err;
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return cairn_error_sys(errno, "open '%s'", path);
	if (fstat(fd, &st) != 0) {
		err = cairn_error_sys(errno, "stat '%s'", path);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		err = cairn_error_new(CAIRN_ERR_INVALID, "'%s' changed while "
		    "being read: no longer a regular file", path);
		goto done;
	}
	if ((err = putdir_begin(pd)) != NULL ||
	    (err = push_index(&pd->queued, &pd->nqueued, &pd->qcap,
	    k)) != NULL ||
	    (err = cairn_ingest_add_fd(pd->ing, CAIRN_OBJ_BLOB, fd,
	    (uint64_t)st.st_size)) != NULL)
		goto done;
	err = putdir_added(pd, (uint64_t)st.st_size);
done:
	close(fd);
	return err;
}

static const struct cairn_error *
put_link(struct putdir *pd, size_t k, const char *path)
{
	char *target;
	ssize_t n;

	if ((target = malloc(PATH_MAX + 1)) == NULL)
		return cairn_error_nomem();
	if ((n = readlink(path, target, PATH_MAX + 1)) < 0) {
		free(target);
		return cairn_error_sys(errno, "read link '%s'", path);
	}
	return queue_blob(pd, k, target, (size_t)n);
}

static const struct cairn_error *walk_dir(struct putdir *pd, size_t k,
    struct cairn_buf *path, int depth);

/* Node k, the entry at path: store it, or walk it if a directory. */
static const struct cairn_error *
walk_entry(struct putdir *pd, size_t k, struct cairn_buf *path, int depth)
{
	const char *p = (const char *)path->data;
	struct stat st;

	if (lstat(p, &st) != 0)
		return cairn_error_sys(errno, "stat '%s'", p);
	if (S_ISREG(st.st_mode)) {
		pd->nodes[k].mode = st.st_mode & S_IXUSR ? CAIRN_MODE_EXEC :
		    CAIRN_MODE_FILE;
		return put_file(pd, k, p);
	}
	if (S_ISLNK(st.st_mode)) {
		pd->nodes[k].mode = CAIRN_MODE_LINK;
		return put_link(pd, k, p);
	}
	if (S_ISDIR(st.st_mode)) {
		pd->nodes[k].mode = CAIRN_MODE_TREE;
		return walk_dir(pd, k, path, depth + 1);
	}
	return cairn_error_new(CAIRN_ERR_INVALID,
	    "'%s' is a special file (only files, symlinks and directories "
	    "can be stored)", p);
}

/* A node named name in directory parent. */
static const struct cairn_error *
add_node(struct putdir *pd, const char *name, size_t parent)
{
	struct node *n;

	if (pd->n == pd->cap) {
		pd->cap = pd->cap ? 2 * pd->cap : 256;
		if ((n = realloc(pd->nodes, pd->cap * sizeof(*n))) == NULL)
			return cairn_error_nomem();
		pd->nodes = n;
	}
	n = &pd->nodes[pd->n];
	memset(n, 0, sizeof(*n));
	n->parent = parent;
	if (name != NULL && (n->name = strdup(name)) == NULL)
		return cairn_error_nomem();
	pd->n++;
	return NULL;
}

/* Directory k's entries as nodes, less ".", "..", ".git" and ".cairn". */
static const struct cairn_error *
list_dir(struct putdir *pd, size_t k, const char *path)
{
	const struct cairn_error *err = NULL;
	struct dirent *de;
	DIR *d;

	pd->nodes[k].first = pd->n;
	if ((d = opendir(path)) == NULL)
		return cairn_error_sys(errno, "open directory '%s'", path);
	while (err == NULL && (errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".git") == 0 ||
		    strcmp(de->d_name, ".cairn") == 0)
			continue;
		err = add_node(pd, de->d_name, k);
	}
	if (err == NULL && errno != 0)
		err = cairn_error_sys(errno, "read directory '%s'", path);
	closedir(d);
	pd->nodes[k].count = pd->n - pd->nodes[k].first;
	return err;
}

/* Directory k, at path: its entries, then k on the list of directories. */
static const struct cairn_error *
walk_dir(struct putdir *pd, size_t k, struct cairn_buf *path, int depth)
{
	const struct cairn_error *err;
	size_t i, first, base = path->len;

	if (depth > TREE_DEPTH_MAX)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "'%s': directories nested too deep", (char *)path->data);
	if ((err = list_dir(pd, k, (char *)path->data)) != NULL)
		return err;
	first = pd->nodes[k].first;
	for (i = 0; i < pd->nodes[k].count; i++) {
		path->len = base;
		if ((err = cairn_buf_printf(path, "/%s",
		    pd->nodes[first + i].name)) != NULL ||
		    (err = walk_entry(pd, first + i, path, depth)) != NULL)
			return err;
	}
	path->len = base;
	path->data[base] = '\0';
	return push_index(&pd->dirs, &pd->ndirs, &pd->dcap, k);
}

/* Node k's path, for messages: the root's, then the names down to k. */
static const struct cairn_error *
node_path(struct putdir *pd, size_t k, struct cairn_buf *b)
{
	const struct cairn_error *err;

	if (k == 0)
		return cairn_buf_printf(b, "%s", pd->root);
	if ((err = node_path(pd, pd->nodes[k].parent, b)) != NULL)
		return err;
	return cairn_buf_printf(b, "/%s", pd->nodes[k].name);
}

struct dent {
	const char *name;
	unsigned mode;
	const struct cairn_oid *id;
};

static int
dent_cmp(const void *a, const void *b)
{
	const struct dent *x = a, *y = b;

	return cairn_tree_name_cmp(x->name, strlen(x->name),
	    x->mode == CAIRN_MODE_TREE, y->name, strlen(y->name),
	    y->mode == CAIRN_MODE_TREE);
}

/* Directory k's tree, from its entries' ids, unless it holds nothing. */
static const struct cairn_error *
build_tree(struct putdir *pd, size_t k, struct cairn_buf *t)
{
	const struct cairn_error *err = NULL;
	struct node *dir = &pd->nodes[k], *e;
	struct cairn_buf where = { 0 };
	struct dent *d;
	size_t i, n = 0;

	if ((d = calloc(dir->count + 1, sizeof(*d))) == NULL)
		return cairn_error_nomem();
	for (i = 0; i < dir->count; i++) {
		e = &pd->nodes[dir->first + i];
		if (e->mode == CAIRN_MODE_TREE && e->empty)
			continue;
		d[n].name = e->name;
		d[n].mode = e->mode;
		d[n].id = &e->id;
		n++;
	}
	dir->empty = n == 0;
	if (n == 0)
		goto done;
	qsort(d, n, sizeof(*d), dent_cmp);
	cairn_buf_reset(t);
	for (i = 0; i < n && err == NULL; i++)
		if ((err = cairn_buf_printf(t, "%o %s", d[i].mode,
		    d[i].name)) == NULL &&
		    (err = cairn_buf_append(t, "", 1)) == NULL)
			err = cairn_buf_append(t, d[i].id->hash, d[i].id->len);
	if (err == NULL && (err = putdir_begin(pd)) == NULL &&
	    (err = cairn_batch_add(pd->repo, CAIRN_OBJ_TREE, t->data, t->len,
	    &dir->id)) == NULL)
		err = putdir_added(pd, t->len);
	if (err != NULL && err->code == CAIRN_ERR_INVALID &&
	    node_path(pd, k, &where) == NULL)
		err = cairn_error_new(CAIRN_ERR_INVALID, "'%s': %s",
		    (char *)where.data, err->msg);
done:
	cairn_buf_release(&where);
	free(d);
	return err;
}

/* Walk, wait for every blob, then build the trees, the root's last. */
static const struct cairn_error *
put_dir(struct putdir *pd, struct cairn_oid *out)
{
	const struct cairn_error *err;
	struct cairn_buf b = { 0 };
	size_t i;

	if ((err = add_node(pd, NULL, 0)) != NULL ||
	    (err = cairn_buf_printf(&b, "%s", pd->root)) != NULL ||
	    (err = cairn_ingest_open(&pd->ing, pd->repo, putdir_noted,
	    pd)) != NULL ||
	    (err = walk_dir(pd, 0, &b, 0)) != NULL ||
	    (err = cairn_ingest_drain(pd->ing)) != NULL)
		goto done;
	cairn_ingest_close(pd->ing);
	pd->ing = NULL;
	for (i = 0; i < pd->ndirs && err == NULL; i++)
		err = build_tree(pd, pd->dirs[i], &b);
	/* Nothing to track: the empty tree, as git write-tree gives. */
	if (err == NULL && pd->nodes[0].empty &&
	    (err = putdir_begin(pd)) == NULL)
		err = cairn_batch_add(pd->repo, CAIRN_OBJ_TREE, "", 0, out);
	else if (err == NULL)
		*out = pd->nodes[0].id;
done:
	cairn_buf_release(&b);
	return err;
}

const struct cairn_error *
cairn_tree_put_dir(struct cairn_repo *repo, const char *path,
    struct cairn_oid *out)
{
	const struct cairn_error *err;
	struct putdir pd;
	struct stat st;
	size_t i;

	if (stat(path, &st) != 0)
		return cairn_error_new(errno == ENOENT ? CAIRN_ERR_INVALID :
		    CAIRN_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "'%s' is not a directory", path);
	memset(&pd, 0, sizeof(pd));
	pd.repo = repo;
	pd.root = path;
	err = put_dir(&pd, out);
	/* What is still queued after an error is dropped, not stored. */
	cairn_ingest_close(pd.ing);
	if (err != NULL && pd.open)
		cairn_batch_abort(repo);
	else if (err == NULL && pd.open)
		err = cairn_batch_commit(repo);
	for (i = 0; i < pd.n; i++)
		free(pd.nodes[i].name);
	free(pd.nodes);
	free(pd.queued);
	free(pd.dirs);
	return err;
}

/* Reading trees. */

const struct cairn_error *
cairn_graph_get_typed(struct cairn_repo *repo, const struct cairn_oid *id,
    enum cairn_otype want, unsigned char **data, size_t *len)
{
	const struct cairn_error *err;
	char hex[CAIRN_OID_HEXMAX + 1];
	enum cairn_otype type;

	if ((err = cairn_object_get(repo, id, 0, &type, data, len)) != NULL)
		return err;
	if (type != want) {
		free(*data);
		return cairn_error_new(CAIRN_ERR_INVALID, "object %s is a %s, "
		    "not a %s", cairn_oid_fmt(id, hex), cairn_otype_name(type),
		    cairn_otype_name(want));
	}
	return NULL;
}

struct walk {
	struct cairn_repo *repo;
	int recursive;
	int (*fn)(void *, const char *, const struct cairn_tree_entry *);
	void *arg;
	int stopped;
};

static const struct cairn_error *
walk_tree(struct walk *w, const struct cairn_oid *tree, struct cairn_buf *path,
    int depth)
{
	const struct cairn_error *err;
	struct cairn_tree_entry e;
	unsigned char *data;
	size_t len, pos = 0, base = path->len;
	int r = 0;

	if (depth > TREE_DEPTH_MAX)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "trees nested too deep");
	if ((err = cairn_graph_get_typed(w->repo, tree, CAIRN_OBJ_TREE, &data,
	    &len)) != NULL)
		return err;
	while (err == NULL && !w->stopped && (r = cairn_tree_next(data, len,
	    &pos, cairn_repo_hash_algo(w->repo), &e)) == 1) {
		path->len = base;
		if ((err = cairn_buf_append(path, e.name, e.name_len)) != NULL ||
		    (err = cairn_buf_append(path, "", 1)) != NULL)
			break;
		path->len--;
		if (w->recursive && e.mode == CAIRN_MODE_TREE) {
			if ((err = cairn_buf_append(path, "/", 1)) == NULL)
				err = walk_tree(w, &e.id, path, depth + 1);
		} else if (w->fn(w->arg, (char *)path->data, &e) != 0)
			w->stopped = 1;
	}
	if (err == NULL && r < 0)
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "malformed tree");
	path->len = base;
	free(data);
	return err;
}

const struct cairn_error *
cairn_tree_walk(struct cairn_repo *repo, const struct cairn_oid *tree,
    int recursive,
    int (*fn)(void *arg, const char *path, const struct cairn_tree_entry *e),
    void *arg)
{
	const struct cairn_error *err;
	struct walk w = { repo, recursive, fn, arg, 0 };
	struct cairn_buf path = { 0 };

	err = walk_tree(&w, tree, &path, 0);
	cairn_buf_release(&path);
	return err;
}

