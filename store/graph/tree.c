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
 * cairn_tree_put_dir commits its batch whenever it holds this much, so memory
 * does not grow with the directory: a batch's small objects wait in
 * memory until their commit.  An interrupted put leaves only objects no
 * ref reaches, which gc removes after the grace period.
 */
#define PUTDIR_BATCH_BYTES ((uint64_t)8 << 20)
#define PUTDIR_BATCH_OBJECTS 1024

/* Storing a directory. */

struct putdir {
	struct cairn_repo *repo;
	int open;		/* a batch is open */
	uint64_t bytes;		/* content added to the open batch */
	size_t objects;
};

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
	pd->bytes += size;
	pd->objects++;
	if (pd->bytes < PUTDIR_BATCH_BYTES &&
	    pd->objects < PUTDIR_BATCH_OBJECTS)
		return NULL;
	pd->open = 0;
	return cairn_batch_commit(pd->repo);
}

struct dent {
	char *name;
	unsigned mode;
	struct cairn_oid id;
};

static int
dent_cmp(const void *a, const void *b)
{
	const struct dent *x = a, *y = b;

	return cairn_tree_name_cmp(x->name, strlen(x->name),
	    x->mode == CAIRN_MODE_TREE, y->name, strlen(y->name),
	    y->mode == CAIRN_MODE_TREE);
}

static const struct cairn_error *put_tree(struct putdir *pd,
    const char *path, struct cairn_oid *out, int *empty, int depth);

static const struct cairn_error *
put_file(struct putdir *pd, const char *path, const struct stat *st,
    struct cairn_oid *out)
{
	const struct cairn_error *err;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return cairn_error_sys(errno, "open '%s'", path);
	if ((err = putdir_begin(pd)) == NULL)
		err = cairn_batch_add_stream(pd->repo, CAIRN_OBJ_BLOB,
		    cairn_fd_read, &fd, (int64_t)st->st_size, out);
	close(fd);
	return err ? err : putdir_added(pd, (uint64_t)st->st_size);
}

static const struct cairn_error *
put_link(struct putdir *pd, const char *path, struct cairn_oid *out)
{
	const struct cairn_error *err;
	char target[PATH_MAX + 1];
	ssize_t n;

	if ((n = readlink(path, target, sizeof(target) - 1)) < 0)
		return cairn_error_sys(errno, "read link '%s'", path);
	if ((err = putdir_begin(pd)) != NULL ||
	    (err = cairn_batch_add(pd->repo, CAIRN_OBJ_BLOB, target, (size_t)n,
	    out)) != NULL)
		return err;
	return putdir_added(pd, (uint64_t)n);
}

/* One directory entry: store it; *skip when it contributes nothing. */
static const struct cairn_error *
put_entry(struct putdir *pd, const char *path, struct dent *e,
    int *skip, int depth)
{
	struct stat st;

	*skip = 0;
	if (lstat(path, &st) != 0)
		return cairn_error_sys(errno, "stat '%s'", path);
	if (S_ISREG(st.st_mode)) {
		e->mode = st.st_mode & S_IXUSR ? CAIRN_MODE_EXEC :
		    CAIRN_MODE_FILE;
		return put_file(pd, path, &st, &e->id);
	}
	if (S_ISLNK(st.st_mode)) {
		e->mode = CAIRN_MODE_LINK;
		return put_link(pd, path, &e->id);
	}
	if (S_ISDIR(st.st_mode)) {
		e->mode = CAIRN_MODE_TREE;
		return put_tree(pd, path, &e->id, skip, depth + 1);
	}
	return cairn_error_new(CAIRN_ERR_INVALID,
	    "'%s' is a special file (only files, symlinks and directories "
	    "can be stored)", path);
}

/* The names of a directory, less ".", "..", ".git" and ".cairn". */
static const struct cairn_error *
list_dir(const char *path, struct dent **out, size_t *n)
{
	const struct cairn_error *err = NULL;
	struct cairn_buf b = { 0 };
	struct dirent *de;
	struct dent e;
	DIR *d;

	*n = 0;
	if ((d = opendir(path)) == NULL)
		return cairn_error_sys(errno, "open directory '%s'", path);
	while (err == NULL && (errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".git") == 0 ||
		    strcmp(de->d_name, ".cairn") == 0)
			continue;
		memset(&e, 0, sizeof(e));
		if ((e.name = strdup(de->d_name)) == NULL)
			err = cairn_error_nomem();
		else if ((err = cairn_buf_append(&b, &e, sizeof(e))) != NULL)
			free(e.name);
		else
			(*n)++;
	}
	if (err == NULL && errno != 0)
		err = cairn_error_sys(errno, "read directory '%s'", path);
	closedir(d);
	*out = (struct dent *)b.data;
	return err;
}

/* Serialise sorted entries as a tree object and add it. */
static const struct cairn_error *
add_tree(struct putdir *pd, struct dent *e, size_t n, struct cairn_oid *out)
{
	const struct cairn_error *err = NULL;
	struct cairn_buf t = { 0 };
	size_t i;

	qsort(e, n, sizeof(*e), dent_cmp);
	for (i = 0; i < n && err == NULL; i++)
		if ((err = cairn_buf_printf(&t, "%o %s", e[i].mode,
		    e[i].name)) == NULL &&
		    (err = cairn_buf_append(&t, "", 1)) == NULL)
			err = cairn_buf_append(&t, e[i].id.hash, e[i].id.len);
	if (err == NULL && (err = putdir_begin(pd)) == NULL &&
	    (err = cairn_batch_add(pd->repo, CAIRN_OBJ_TREE, t.data, t.len,
	    out)) == NULL)
		err = putdir_added(pd, t.len);
	cairn_buf_release(&t);
	return err;
}

static const struct cairn_error *
put_tree(struct putdir *pd, const char *path, struct cairn_oid *out,
    int *empty, int depth)
{
	const struct cairn_error *err;
	struct cairn_buf sub = { 0 };
	struct dent *e = NULL;
	size_t n = 0, i, kept = 0;
	int skip;

	if (depth > TREE_DEPTH_MAX)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "'%s': directories nested too deep", path);
	if ((err = list_dir(path, &e, &n)) != NULL)
		goto done;
	for (i = 0; i < n && err == NULL; i++) {
		cairn_buf_reset(&sub);
		if ((err = cairn_buf_printf(&sub, "%s/%s", path, e[i].name)))
			break;
		err = put_entry(pd, (char *)sub.data, &e[i], &skip, depth);
		if (err == NULL && skip) {
			free(e[i].name);
			e[i].name = NULL;
		} else if (err == NULL) {
			e[kept] = e[i];
			if (kept != i)
				e[i].name = NULL;
			kept++;
		}
	}
	*empty = kept == 0;
	if (err == NULL && kept > 0 &&
	    (err = add_tree(pd, e, kept, out)) != NULL &&
	    err->code == CAIRN_ERR_INVALID)
		err = cairn_error_new(CAIRN_ERR_INVALID, "'%s': %s", path,
		    err->msg);
done:
	for (i = 0; i < n; i++)
		free(e[i].name);
	free(e);
	cairn_buf_release(&sub);
	return err;
}

const struct cairn_error *
cairn_tree_put_dir(struct cairn_repo *repo, const char *path,
    struct cairn_oid *out)
{
	const struct cairn_error *err;
	struct putdir pd = { repo, 0, 0, 0 };
	struct stat st;
	int empty;

	if (stat(path, &st) != 0)
		return cairn_error_new(errno == ENOENT ? CAIRN_ERR_INVALID :
		    CAIRN_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "'%s' is not a directory", path);
	err = put_tree(&pd, path, out, &empty, 0);
	/* Nothing to track: the empty tree, as git write-tree gives. */
	if (err == NULL && empty && (err = putdir_begin(&pd)) == NULL)
		err = cairn_batch_add(repo, CAIRN_OBJ_TREE, "", 0, out);
	if (err != NULL) {
		if (pd.open)
			cairn_batch_abort(repo);
		return err;
	}
	return pd.open ? cairn_batch_commit(repo) : NULL;
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

