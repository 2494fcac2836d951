/*
 * graph.c: trees, commits and history over the object API: storing a
 * directory, walking and checking out trees, creating commits, and
 * walking history in git log's order.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cairn.h"
#include "memtable.h"

#define TREE_DEPTH_MAX 512
/*
 * cairn_put_dir commits its batch whenever it holds this much, so memory
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

static ssize_t
fd_read(void *arg, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(*(int *)arg, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

static const struct cairn_error *expect_type(struct cairn_repo *repo,
    const struct cairn_oid *id, int want);
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
		err = cairn_batch_add_stream(pd->repo, out, CAIRN_OBJ_BLOB,
		    fd_read, &fd, (int64_t)st->st_size);
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
	    (err = cairn_batch_add(pd->repo, out, CAIRN_OBJ_BLOB, target,
	    (size_t)n)) != NULL)
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
	    (err = cairn_batch_add(pd->repo, out, CAIRN_OBJ_TREE, t.data,
	    t.len)) == NULL)
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
cairn_put_dir(struct cairn_repo *repo, struct cairn_oid *out, const char *path)
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
		err = cairn_batch_add(repo, out, CAIRN_OBJ_TREE, "", 0);
	if (err != NULL) {
		if (pd.open)
			cairn_batch_abort(repo);
		return err;
	}
	return pd.open ? cairn_batch_commit(repo) : NULL;
}

/* Reading trees. */

static const struct cairn_error *
get_typed(struct cairn_repo *repo, const struct cairn_oid *id, int want,
    unsigned char **data, size_t *len)
{
	const struct cairn_error *err;
	char hex[CAIRN_OID_HEXMAX + 1];
	int type;

	if ((err = cairn_get(repo, id, 0, &type, data, len)) != NULL)
		return err;
	if (type != want) {
		free(*data);
		return cairn_error_new(CAIRN_ERR_INVALID, "object %s is a %s, "
		    "not a %s", cairn_oid_fmt(hex, id), cairn_otype_name(type),
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
	if ((err = get_typed(w->repo, tree, CAIRN_OBJ_TREE, &data, &len)))
		return err;
	while (err == NULL && !w->stopped && (r = cairn_tree_next(&e, data,
	    len, &pos, cairn_repo_hash_algo(w->repo))) == 1) {
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

/* Checkout. */

/*
 * A name that is safe as one path component here and on the file systems
 * git guards against (cairn_tree_name_check).  A name that no put accepts
 * ('/', ".", "..", empty) is damage; a ".git" or ".cairn" lookalike,
 * which a put with CAIRN_OPEN_LITERALLY may have stored, is refused.
 */
static const struct cairn_error *
check_entry_name(const struct cairn_oid *tree, const struct cairn_tree_entry *e)
{
	const struct cairn_error *err;
	char hex[CAIRN_OID_HEXMAX + 1];
	int code = CAIRN_ERR_CORRUPT;

	if ((err = cairn_tree_name_check(e->name, e->name_len,
	    CAIRN_CHECK_LITERALLY)) == NULL) {
		if ((err = cairn_tree_name_check(e->name, e->name_len, 0)) ==
		    NULL)
			return NULL;
		code = CAIRN_ERR_INVALID;
	}
	return cairn_error_new(code, "refusing to check out tree %s: %s",
	    cairn_oid_fmt(hex, tree), err->msg);
}

/*
 * Check every entry name of every tree under tree before anything is
 * written, so that a refused name leaves the directory as it was.  Trees
 * already checked are remembered in seen (a tree may be shared).
 */
static const struct cairn_error *
checkout_check(struct cairn_repo *repo, const struct cairn_oid *tree,
    struct cairn_memtable *seen, int depth)
{
	const struct cairn_error *err;
	struct cairn_tree_entry e;
	struct cairn_mem_ent m;
	unsigned char *data;
	size_t len, pos = 0;
	int r = 0;

	if (depth > TREE_DEPTH_MAX)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "trees nested too deep");
	if (cairn_memtable_get(seen, tree->hash) != NULL)
		return NULL;
	if ((err = get_typed(repo, tree, CAIRN_OBJ_TREE, &data, &len)))
		return err;
	while (err == NULL && (r = cairn_tree_next(&e, data, len, &pos,
	    cairn_repo_hash_algo(repo))) == 1)
		err = check_entry_name(tree, &e);
	for (pos = 0; err == NULL && r == 0 && cairn_tree_next(&e, data, len,
	    &pos, cairn_repo_hash_algo(repo)) == 1;)
		if (e.mode == CAIRN_MODE_TREE)
			err = checkout_check(repo, &e.id, seen, depth + 1);
	if (err == NULL && r < 0)
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "malformed tree");
	free(data);
	if (err == NULL) {
		memset(&m, 0, sizeof(m));
		memcpy(m.id, tree->hash, tree->len);
		err = cairn_memtable_put(seen, &m);
	}
	return err;
}

struct fd_sink {
	int fd;
	const char *name;
};

static const struct cairn_error *
write_sink(void *arg, const void *data, size_t len)
{
	struct fd_sink *s = arg;
	const unsigned char *p = data;
	ssize_t n;

	while (len > 0) {
		if ((n = write(s->fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return cairn_error_sys(errno, "write '%s'", s->name);
		}
		p += n;
		len -= (size_t)n;
	}
	return NULL;
}

/*
 * Nonzero if the directory at prefix (relative to dfd: "", "../", ...)
 * bears the marks of a cairn repository (cairn-repository(5)): a
 * manifest and a config, with a lock or refs/ beside them, whatever
 * their type (a damaged repository is still one).  A checkout never
 * writes into one or below one: a tree whose names match a
 * repository's files would replace them under -f.
 */
static int
is_repo_dir(int dfd, const char *prefix)
{
	static const char *const marks[] = {
		"manifest", "config", "lock", "refs",
	};
	char path[PATH_MAX];
	struct stat st;
	int found[4];
	size_t i;

	for (i = 0; i < 4; i++)
		found[i] = snprintf(path, sizeof(path), "%s%s", prefix,
		    marks[i]) < (int)sizeof(path) &&
		    fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
	return found[0] && found[1] && (found[2] || found[3]);
}

/*
 * CAIRN_ERR_INVALID if dir is a repository or lies inside one.  The
 * directory looked at is base (relative to dfd: "" for dfd itself, or
 * "<path>/"), which is dir itself or, with up set, the directory that
 * will hold it.  Its ancestors are reached as base "../", "../../", ...,
 * which needs only search permission and follows no name a user could
 * have swapped, up to the root (its own parent).
 */
static const struct cairn_error *
check_not_in_repo(int dfd, const char *base, const char *dir, int up)
{
	char path[PATH_MAX];
	struct stat st, prev;
	size_t n = strlen(base);

	if (n + sizeof("manifest") > sizeof(path))
		return NULL;	/* no such path: creating dir fails */
	memcpy(path, base, n + 1);
	if (fstatat(dfd, n ? path : ".", &prev, 0) != 0)
		return NULL;	/* nothing there: creating dir fails */
	for (;;) {
		if (is_repo_dir(dfd, path))
			return cairn_error_new(CAIRN_ERR_INVALID, "refusing "
			    "to check out into '%s': it is %sa cairn "
			    "repository", dir, up ? "inside " : "");
		if (n + sizeof("../") + sizeof("manifest") > sizeof(path))
			return NULL;
		memcpy(path + n, "../", sizeof("../"));
		n += 3;
		up = 1;
		if (fstatat(dfd, path, &st, 0) != 0 ||
		    (st.st_dev == prev.st_dev && st.st_ino == prev.st_ino))
			return NULL;
		prev = st;
	}
}

/*
 * The directory that will hold dir, as "<path>/" for check_not_in_repo,
 * into out; "" for the working directory.
 */
static void
parent_of(char *out, size_t size, const char *dir)
{
	size_t n = strlen(dir);

	out[0] = '\0';
	if (n >= size)
		return;
	memcpy(out, dir, n + 1);
	while (n > 1 && out[n - 1] == '/')
		out[--n] = '\0';
	while (n > 0 && out[n - 1] != '/')
		n--;
	out[n] = '\0';
}

/*
 * Whether name may be written in dirfd: *replace is set when, with force,
 * an existing entry that is not a directory is to be replaced (it stays
 * until what replaces it is whole); a directory is never replaced (only
 * reused when the tree wants one).
 */
static const struct cairn_error *
make_room(int dirfd, const char *name, unsigned flags, int want_dir,
    int *replace)
{
	struct stat st;

	*replace = 0;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? NULL :
		    cairn_error_sys(errno, "stat '%s'", name);
	if (S_ISDIR(st.st_mode) && want_dir)
		return NULL;
	if (!(flags & CAIRN_CHECKOUT_FORCE) || S_ISDIR(st.st_mode))
		return cairn_error_new(CAIRN_ERR_EXISTS, "'%s' already exists",
		    name);
	if (want_dir) {
		/* A directory takes the name at once: nothing to stream. */
		if (unlinkat(dirfd, name, 0) != 0)
			return cairn_error_sys(errno, "remove '%s'", name);
		return NULL;
	}
	*replace = 1;
	return NULL;
}

/*
 * What a file entry names is there, is a blob and, for a link, short
 * enough to be a path (no link holds more than PATH_MAX bytes, and one
 * is never read whole to find out): checked before an existing entry
 * makes room, so a failure leaves the directory as it was.
 */
static const struct cairn_error *
blob_ready(struct cairn_repo *repo, const struct cairn_tree_entry *e,
    const char *name)
{
	const struct cairn_error *err;
	uint64_t size;

	if ((err = expect_type(repo, &e->id, CAIRN_OBJ_BLOB)) != NULL ||
	    e->mode != CAIRN_MODE_LINK)
		return err;
	if ((err = cairn_stat(repo, &e->id, NULL, &size)) != NULL)
		return err;
	if (size >= PATH_MAX)
		return cairn_error_sys(ENAMETOOLONG, "create symbolic link "
		    "'%s' to a target of %" PRIu64 " bytes", name, size);
	return NULL;
}

/*
 * Write the file or link e (checked by blob_ready) as name in dirfd
 * (made there under the name as), with O_EXCL semantics.
 */
static const struct cairn_error *
write_blob(struct cairn_repo *repo, int dirfd,
    const struct cairn_tree_entry *e, const char *name, const char *as)
{
	const struct cairn_error *err;
	unsigned char *data;
	struct fd_sink s;
	size_t len;
	int fd;

	if (e->mode == CAIRN_MODE_LINK) {
		if ((err = get_typed(repo, &e->id, CAIRN_OBJ_BLOB, &data,
		    &len)) != NULL)
			return err;
		if (len == 0 || memchr(data, '\0', len) != NULL)
			err = cairn_error_new(CAIRN_ERR_CORRUPT,
			    "symlink '%s' has a bad target", name);
		else if (symlinkat((char *)data, dirfd, as) != 0)
			err = cairn_error_sys(errno, "create symlink '%s'",
			    name);
		free(data);
		return err;
	}
	fd = openat(dirfd, as, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, e->mode == CAIRN_MODE_EXEC ? 0777 : 0666);
	if (fd == -1)
		return cairn_error_sys(errno, "create '%s'", name);
	s.fd = fd;
	s.name = name;
	err = cairn_get_stream(repo, &e->id, 0, write_sink, &s);
	if (close(fd) != 0 && err == NULL)
		err = cairn_error_sys(errno, "close '%s'", name);
	return err;
}

/*
 * Write e as name in dirfd.  An existing entry being replaced (-f) goes
 * only once its replacement is whole: the blob is written under a
 * temporary name beside it and renamed over it, so a blob that turns out
 * damaged part way leaves the user's file as it was.
 */
static const struct cairn_error *
checkout_blob(struct cairn_repo *repo, int dirfd,
    const struct cairn_tree_entry *e, const char *name, int replace)
{
	static _Thread_local unsigned long seq;
	const struct cairn_error *err;
	char tmp[64];
	int tries;

	if (!replace)
		return write_blob(repo, dirfd, e, name, name);
	for (tries = 0; tries < 100; tries++) {
		snprintf(tmp, sizeof(tmp), ".cairn-get-%ld-%lu",
		    (long)getpid(), ++seq);
		err = write_blob(repo, dirfd, e, name, tmp);
		if (err == NULL || err->sys_errno != EEXIST)
			break;
	}
	if (err != NULL && err->sys_errno == EEXIST)
		return err;	/* tmp is not ours: never removed */
	if (err == NULL && renameat(dirfd, tmp, dirfd, name) != 0)
		err = cairn_error_sys(errno, "replace '%s'", name);
	if (err != NULL)
		unlinkat(dirfd, tmp, 0);
	return err;
}

static const struct cairn_error *checkout_tree(struct cairn_repo *repo,
    const struct cairn_oid *tree, int dirfd, unsigned flags, int depth);

static const struct cairn_error *
checkout_dir(struct cairn_repo *repo, int dirfd,
    const struct cairn_tree_entry *e, const char *name, unsigned flags,
    int depth)
{
	const struct cairn_error *err;
	int fd, made;

	if (!(made = mkdirat(dirfd, name, 0777) == 0) && errno != EEXIST)
		return cairn_error_sys(errno, "create directory '%s'", name);
	/* O_NOFOLLOW: a symlink planted under this name is never entered. */
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		return cairn_error_sys(errno, "open directory '%s'", name);
	/* A directory that was there may be a repository (with -f). */
	if (!made && is_repo_dir(fd, ""))
		err = cairn_error_new(CAIRN_ERR_INVALID, "refusing to check "
		    "out into '%s': it is a cairn repository", name);
	else
		err = e->mode == CAIRN_MODE_GITLINK ? NULL :
		    checkout_tree(repo, &e->id, fd, flags, depth + 1);
	close(fd);
	return err;
}

static const struct cairn_error *
checkout_tree(struct cairn_repo *repo, const struct cairn_oid *tree, int dirfd,
    unsigned flags, int depth)
{
	const struct cairn_error *err;
	struct cairn_tree_entry e;
	unsigned char *data;
	char *name = NULL;
	size_t len, pos = 0;
	int r = 0, dir, replace;

	if (depth > TREE_DEPTH_MAX)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "trees nested too deep");
	if ((err = get_typed(repo, tree, CAIRN_OBJ_TREE, &data, &len)))
		return err;
	while (err == NULL && (r = cairn_tree_next(&e, data, len, &pos,
	    cairn_repo_hash_algo(repo))) == 1) {
		free(name);
		if ((err = check_entry_name(tree, &e)) != NULL)
			break;
		if ((name = strndup(e.name, e.name_len)) == NULL) {
			err = cairn_error_nomem();
			break;
		}
		dir = e.mode == CAIRN_MODE_TREE || e.mode == CAIRN_MODE_GITLINK;
		if ((!dir && (err = blob_ready(repo, &e, name)) != NULL) ||
		    (err = make_room(dirfd, name, flags, dir, &replace)) != NULL)
			break;
		err = dir ? checkout_dir(repo, dirfd, &e, name, flags, depth) :
		    checkout_blob(repo, dirfd, &e, name, replace);
	}
	if (err == NULL && r < 0)
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "malformed tree");
	free(name);
	free(data);
	return err;
}

static int
dir_is_empty(int fd)
{
	struct dirent *de;
	DIR *d;
	int dup_fd = dup(fd), empty = 1;

	if (dup_fd == -1 || (d = fdopendir(dup_fd)) == NULL) {
		if (dup_fd != -1)
			close(dup_fd);
		return 0;
	}
	while (empty && (de = readdir(d)) != NULL)
		empty = strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty;
}

const struct cairn_error *
cairn_checkout(struct cairn_repo *repo, const struct cairn_oid *tree,
    const char *dir, unsigned flags)
{
	const struct cairn_error *err;
	struct cairn_memtable seen;
	char parent[PATH_MAX];
	int fd;

	/* Check every tree first, so a bad name creates nothing at all. */
	cairn_memtable_init(&seen, cairn_hash_len(cairn_repo_hash_algo(repo)));
	err = checkout_check(repo, tree, &seen, 0);
	cairn_memtable_release(&seen);
	if (err != NULL)
		return err;
	/* Neither dir nor the directory that holds it is a repository. */
	parent_of(parent, sizeof(parent), dir);
	if ((err = check_not_in_repo(AT_FDCWD, parent, dir, 1)) != NULL)
		return err;
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return cairn_error_sys(errno, "create directory '%s'", dir);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return cairn_error_sys(errno, "open directory '%s'", dir);
	if ((err = check_not_in_repo(fd, "", dir, 0)) != NULL)
		;
	else if (!(flags & CAIRN_CHECKOUT_FORCE) && !dir_is_empty(fd))
		err = cairn_error_new(CAIRN_ERR_EXISTS,
		    "'%s' is not empty (use -f to write into it)", dir);
	else
		err = checkout_tree(repo, tree, fd, flags, 0);
	close(fd);
	return err;
}

/* Commits. */

static const struct cairn_error *
ident_check(const char *what, const struct cairn_ident *id)
{
	if (id->name == NULL || id->email == NULL)
		return cairn_error_new(CAIRN_ERR_INVALID, "%s identity unknown",
		    what);
	if (strpbrk(id->name, "<>\n") != NULL ||
	    strpbrk(id->email, "<>\n") != NULL)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "%s name or email contains '<', '>' or a newline", what);
	if (id->time < 0 || id->tz_minutes <= -24 * 60 ||
	    id->tz_minutes >= 24 * 60)
		return cairn_error_new(CAIRN_ERR_INVALID, "%s date out of "
		    "range", what);
	return NULL;
}

static const struct cairn_error *
ident_fmt(struct cairn_buf *b, const char *key, const struct cairn_ident *id)
{
	int tz = id->tz_minutes < 0 ? -id->tz_minutes : id->tz_minutes;

	return cairn_buf_printf(b, "%s %s <%s> %" PRId64 " %c%02d%02d\n", key,
	    id->name, id->email, id->time, id->tz_minutes < 0 ? '-' : '+',
	    tz / 60, tz % 60);
}

static const struct cairn_error *
expect_type(struct cairn_repo *repo, const struct cairn_oid *id, int want)
{
	const struct cairn_error *err;
	char hex[CAIRN_OID_HEXMAX + 1];
	int type;

	if ((err = cairn_stat(repo, id, &type, NULL)) != NULL)
		return err;
	if (type != want)
		return cairn_error_new(CAIRN_ERR_INVALID, "object %s is a %s, "
		    "not a %s", cairn_oid_fmt(hex, id), cairn_otype_name(type),
		    cairn_otype_name(want));
	return NULL;
}

const struct cairn_error *
cairn_commit_create(struct cairn_repo *repo, struct cairn_oid *out,
    const struct cairn_oid *tree, const struct cairn_oid *parents,
    size_t nparents, const struct cairn_ident *author,
    const struct cairn_ident *committer, const char *message)
{
	const struct cairn_error *err;
	struct cairn_buf b = { 0 };
	char hex[CAIRN_OID_HEXMAX + 1];
	size_t i;

	if ((err = ident_check("author", author)) != NULL ||
	    (err = ident_check("committer", committer)) != NULL ||
	    (err = expect_type(repo, tree, CAIRN_OBJ_TREE)) != NULL)
		return err;
	for (i = 0; i < nparents; i++)
		if ((err = expect_type(repo, &parents[i], CAIRN_OBJ_COMMIT)))
			return err;
	err = cairn_buf_printf(&b, "tree %s\n", cairn_oid_fmt(hex, tree));
	for (i = 0; i < nparents && err == NULL; i++)
		err = cairn_buf_printf(&b, "parent %s\n",
		    cairn_oid_fmt(hex, &parents[i]));
	if (err == NULL && (err = ident_fmt(&b, "author", author)) == NULL &&
	    (err = ident_fmt(&b, "committer", committer)) == NULL)
		err = cairn_buf_printf(&b, "\n%s", message);
	if (err == NULL)
		err = cairn_put(repo, out, CAIRN_OBJ_COMMIT, b.data, b.len);
	cairn_buf_release(&b);
	return err;
}

/* The line starting at *p (up to '\n'); advances past it. */
static size_t
take_line(const char **p, const char *end, const char **line)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t len;

	*line = *p;
	len = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	*p += len + (nl != NULL);
	return len;
}

static int64_t
ident_time(const char *s, size_t len)
{
	const char *gt = NULL, *p;

	for (p = s; p < s + len; p++)
		if (*p == '>')
			gt = p;
	return gt && gt + 2 < s + len ? strtoll(gt + 2, NULL, 10) : 0;
}

const struct cairn_error *
cairn_commit_parse(struct cairn_commit_info *ci, const unsigned char *data,
    size_t len, int algo)
{
	const struct cairn_error *err;
	const char *p = (const char *)data, *end = p + len, *line, *blank;
	size_t n, hexlen = 2 * cairn_hash_len(algo);

	if ((err = cairn_object_check(CAIRN_OBJ_COMMIT, data, len, algo)))
		return err;
	memset(ci, 0, sizeof(*ci));
	/* Validated: tree, parents, author, committer, in that order. */
	take_line(&p, end, &line);
	cairn_oid_parse(&ci->tree, algo, line + 5, hexlen);
	while ((n = take_line(&p, end, &line)) > 7 &&
	    memcmp(line, "parent ", 7) == 0) {
		if (ci->nparents < 16)
			cairn_oid_parse(&ci->parents[ci->nparents], algo,
			    line + 7, hexlen);
		ci->nparents++;
	}
	ci->author = line + 7;
	ci->author_len = n - 7;
	n = take_line(&p, end, &line);
	ci->committer = line + 10;
	ci->committer_len = n - 10;
	ci->commit_time = ident_time(ci->committer, ci->committer_len);
	/* The message follows the first blank line, if any. */
	blank = p;
	while (blank < end && *blank != '\n')
		take_line(&blank, end, &line);
	ci->message = blank < end ? blank + 1 : end;
	ci->message_len = (size_t)(end - ci->message);
	return NULL;
}

/* History: a max-heap of commits by committer time. */

struct pending {
	struct cairn_oid id;
	int64_t time;
	uint64_t seq;		/* ties: first seen first, as git does */
};

struct heap {
	struct pending *v;
	size_t n, cap;
};

static int
heap_less(const struct pending *a, const struct pending *b)
{
	return a->time < b->time || (a->time == b->time && a->seq > b->seq);
}

static const struct cairn_error *
heap_push(struct heap *h, const struct pending *x)
{
	struct pending *nv, t;
	size_t i;

	if (h->n == h->cap) {
		h->cap = h->cap * 2 + 16;
		if ((nv = realloc(h->v, h->cap * sizeof(*nv))) == NULL)
			return cairn_error_nomem();
		h->v = nv;
	}
	i = h->n++;
	h->v[i] = *x;
	while (i > 0 && heap_less(&h->v[(i - 1) / 2], &h->v[i])) {
		t = h->v[i];
		h->v[i] = h->v[(i - 1) / 2];
		h->v[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
	return NULL;
}

static struct pending
heap_pop(struct heap *h)
{
	struct pending top = h->v[0], t;
	size_t i = 0, c;

	h->v[0] = h->v[--h->n];
	for (;;) {
		c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && heap_less(&h->v[c], &h->v[c + 1]))
			c++;
		if (!heap_less(&h->v[i], &h->v[c]))
			break;
		t = h->v[i];
		h->v[i] = h->v[c];
		h->v[c] = t;
		i = c;
	}
	return top;
}

/* Queue a commit once; its time comes from reading it. */
static const struct cairn_error *
enqueue(struct cairn_repo *repo, struct heap *h, struct cairn_memtable *seen,
    const struct cairn_oid *id, uint64_t *seq)
{
	const struct cairn_error *err;
	struct cairn_commit_info ci;
	struct cairn_mem_ent e;
	struct pending p;
	unsigned char *data;
	size_t len;

	if (cairn_memtable_get(seen, id->hash) != NULL)
		return NULL;
	memset(&e, 0, sizeof(e));
	memcpy(e.id, id->hash, id->len);
	if ((err = cairn_memtable_put(seen, &e)) != NULL)
		return err;
	if ((err = get_typed(repo, id, CAIRN_OBJ_COMMIT, &data, &len)) != NULL)
		return err;
	err = cairn_commit_parse(&ci, data, len, cairn_repo_hash_algo(repo));
	free(data);
	if (err != NULL)
		return err;
	p.id = *id;
	p.time = ci.commit_time;
	p.seq = (*seq)++;
	return heap_push(h, &p);
}

struct parent_queue {
	struct cairn_repo *repo;
	struct heap *h;
	struct cairn_memtable *seen;
	uint64_t *seq;
	const struct cairn_error *err;
};

static int
enqueue_parent(void *arg, const struct cairn_oid *id, int type)
{
	struct parent_queue *q = arg;

	if (type != CAIRN_OBJ_COMMIT)
		return 0;	/* the tree */
	q->err = enqueue(q->repo, q->h, q->seen, id, q->seq);
	return q->err != NULL;
}

/* A tag is followed to what it tags, until a commit. */
static const struct cairn_error *
peel(struct cairn_repo *repo, struct cairn_oid *id)
{
	const struct cairn_error *err;
	unsigned char *data;
	size_t len;
	int type, i;

	for (i = 0; i < 16; i++) {
		if ((err = cairn_stat(repo, id, &type, NULL)) != NULL)
			return err;
		if (type != CAIRN_OBJ_TAG)
			return NULL;
		if ((err = cairn_get(repo, id, 0, &type, &data, &len)) != NULL)
			return err;
		err = cairn_oid_parse(id, cairn_repo_hash_algo(repo),
		    (char *)data + 7, 2 * cairn_hash_len(
		    cairn_repo_hash_algo(repo)));
		free(data);
		if (err != NULL)
			return err;
	}
	return cairn_error_new(CAIRN_ERR_INVALID, "tags nested too deep");
}

const struct cairn_error *
cairn_log_walk(struct cairn_repo *repo, const struct cairn_oid *start,
    uint64_t max,
    int (*fn)(void *arg, const struct cairn_oid *id,
    const unsigned char *data, size_t len), void *arg)
{
	const struct cairn_error *err;
	struct cairn_memtable seen;
	struct cairn_commit_info ci;
	struct heap h = { NULL, 0, 0 };
	struct pending top;
	struct cairn_oid id = *start;
	struct parent_queue pq;
	unsigned char *data = NULL;
	uint64_t seq = 0, shown = 0;
	size_t len;

	cairn_memtable_init(&seen, cairn_hash_len(cairn_repo_hash_algo(repo)));
	if ((err = peel(repo, &id)) == NULL)
		err = enqueue(repo, &h, &seen, &id, &seq);
	while (err == NULL && h.n > 0 && (max == 0 || shown < max)) {
		top = heap_pop(&h);
		if ((err = get_typed(repo, &top.id, CAIRN_OBJ_COMMIT, &data,
		    &len)) != NULL)
			break;
		err = cairn_commit_parse(&ci, data, len,
		    cairn_repo_hash_algo(repo));
		/* Every parent, however many (the info keeps 16). */
		pq.repo = repo;
		pq.h = &h;
		pq.seen = &seen;
		pq.seq = &seq;
		pq.err = NULL;
		if (err == NULL)
			cairn_object_links(CAIRN_OBJ_COMMIT, data, len,
			    cairn_repo_hash_algo(repo), enqueue_parent, &pq);
		if (err == NULL)
			err = pq.err;
		if (err == NULL && fn(arg, &top.id, data, len) != 0)
			max = shown + 1;
		shown++;
		free(data);
		data = NULL;
	}
	free(h.v);
	cairn_memtable_release(&seen);
	return err;
}
