/*
 * checkout.c: writing a tree out as files, links and directories: every
 * entry name is checked before anything is written, a checkout never
 * goes into or below a repository, and a file it replaces (with force)
 * goes only once its replacement is whole.
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

#include "graph.h"
#include "memtable.h"


/*
 * What a checkout has written, for the handle's progress fn (phases
 * "files", of the total the check counted, and "bytes"), told every
 * PROGRESS_FILES files or PROGRESS_BYTES bytes and at the end.
 */
#define PROGRESS_FILES 64
#define PROGRESS_BYTES ((uint64_t)4 << 20)

struct tally {
	struct cairn_repo *repo;
	uint64_t files, total, bytes;
	uint64_t files_told, bytes_told;
};

static void
tally_tell(struct tally *t)
{
	t->files_told = t->files;
	t->bytes_told = t->bytes;
	cairn_repo_progress(t->repo, "files", t->files, t->total);
	cairn_repo_progress(t->repo, "bytes", t->bytes, 0);
}

/* A file or link of size bytes is written. */
static void
tally_file(struct tally *t, uint64_t size)
{
	t->files++;
	t->bytes += size;
	if (t->files - t->files_told >= PROGRESS_FILES ||
	    t->bytes - t->bytes_told >= PROGRESS_BYTES)
		tally_tell(t);
}

/*
 * A name that is safe as one path component here and on the file systems
 * git guards against (cairn_tree_name_check): one that is not (".", "..",
 * a '/', a ".git" or ".cairn" lookalike), which only a put with
 * CAIRN_OPEN_LITERALLY stores, is refused, whatever a tree may hold.
 */
static const struct cairn_error *
check_entry_name(const struct cairn_oid *tree, const struct cairn_tree_entry *e)
{
	const struct cairn_error *err;
	char hex[CAIRN_OID_HEXMAX + 1];

	if ((err = cairn_tree_name_check(e->name, e->name_len, 0)) == NULL)
		return NULL;
	return cairn_error_new(CAIRN_ERR_INVALID, "refusing to check out "
	    "tree %s: %s", cairn_oid_fmt(tree, hex), err->msg);
}

/*
 * Check every entry name of every tree under tree before anything is
 * written, so that a refused name leaves the directory as it was.  Trees
 * already checked are remembered in seen (a tree may be shared).
 */
static const struct cairn_error *
checkout_check(struct cairn_repo *repo, const struct cairn_oid *tree,
    struct cairn_memtable *seen, int depth, uint64_t *files)
{
	const struct cairn_error *err;
	const struct cairn_mem_ent *got;
	struct cairn_tree_entry e;
	struct cairn_mem_ent m;
	unsigned char *data;
	uint64_t n = 0;
	size_t len, pos = 0;
	int r = 0;

	if (depth > TREE_DEPTH_MAX)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "trees nested too deep");
	if ((got = cairn_memtable_get(seen, tree->hash)) != NULL) {
		*files += got->size;
		return NULL;
	}
	if ((err = cairn_graph_get_typed(repo, tree, CAIRN_OBJ_TREE, &data,
	    &len)) != NULL)
		return err;
	while (err == NULL && (r = cairn_tree_next(data, len, &pos,
	    cairn_repo_hash_algo(repo), &e)) == 1)
		err = check_entry_name(tree, &e);
	for (pos = 0; err == NULL && r == 0 && cairn_tree_next(data, len, &pos,
	    cairn_repo_hash_algo(repo), &e) == 1;)
		if (e.mode == CAIRN_MODE_TREE)
			err = checkout_check(repo, &e.id, seen, depth + 1, &n);
		else if (e.mode != CAIRN_MODE_GITLINK)
			n++;
	if (err == NULL && r < 0)
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "malformed tree");
	free(data);
	if (err == NULL) {
		/* A tree met again counts its files again: size keeps them. */
		memset(&m, 0, sizeof(m));
		memcpy(m.id, tree->hash, tree->len);
		m.size = n;
		err = cairn_memtable_put(seen, &m);
	}
	*files += n;
	return err;
}

struct fd_sink {
	int fd;
	const char *name;
	uint64_t written;
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
		s->written += (uint64_t)n;
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

	if ((err = cairn_graph_expect_type(repo, &e->id,
	    CAIRN_OBJ_BLOB)) != NULL ||
	    e->mode != CAIRN_MODE_LINK)
		return err;
	if ((err = cairn_object_stat(repo, &e->id, NULL, &size)) != NULL)
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
write_blob(struct tally *t, int dirfd, const struct cairn_tree_entry *e,
    const char *name, const char *as)
{
	const struct cairn_error *err;
	unsigned char *data;
	struct fd_sink s;
	size_t len;
	int fd;

	if (e->mode == CAIRN_MODE_LINK) {
		if ((err = cairn_graph_get_typed(t->repo, &e->id,
		    CAIRN_OBJ_BLOB, &data, &len)) != NULL)
			return err;
		if (len == 0 || memchr(data, '\0', len) != NULL)
			err = cairn_error_new(CAIRN_ERR_CORRUPT,
			    "symlink '%s' has a bad target", name);
		else if (symlinkat((char *)data, dirfd, as) != 0)
			err = cairn_error_sys(errno, "create symlink '%s'",
			    name);
		free(data);
		if (err == NULL)
			tally_file(t, len);
		return err;
	}
	fd = openat(dirfd, as, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, e->mode == CAIRN_MODE_EXEC ? 0777 : 0666);
	if (fd == -1)
		return cairn_error_sys(errno, "create '%s'", name);
	s.fd = fd;
	s.name = name;
	s.written = 0;
	err = cairn_object_get_stream(t->repo, &e->id, 0, write_sink, &s);
	if (close(fd) != 0 && err == NULL)
		err = cairn_error_sys(errno, "close '%s'", name);
	if (err == NULL)
		tally_file(t, s.written);
	return err;
}

/*
 * Write e as name in dirfd.  An existing entry being replaced (-f) goes
 * only once its replacement is whole: the blob is written under a
 * temporary name beside it and renamed over it, so a blob that turns out
 * damaged part way leaves the user's file as it was.
 */
static const struct cairn_error *
checkout_blob(struct tally *t, int dirfd, const struct cairn_tree_entry *e,
    const char *name, int replace)
{
	static _Thread_local unsigned long seq;
	const struct cairn_error *err;
	char tmp[64];
	int tries;

	if (!replace)
		return write_blob(t, dirfd, e, name, name);
	for (tries = 0; tries < 100; tries++) {
		snprintf(tmp, sizeof(tmp), ".cairn-get-%ld-%lu",
		    (long)getpid(), ++seq);
		err = write_blob(t, dirfd, e, name, tmp);
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

static const struct cairn_error *checkout_tree(struct tally *t,
    const struct cairn_oid *tree, int dirfd, unsigned flags, int depth);

static const struct cairn_error *
checkout_dir(struct tally *t, int dirfd, const struct cairn_tree_entry *e,
    const char *name, unsigned flags, int depth)
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
		    checkout_tree(t, &e->id, fd, flags, depth + 1);
	close(fd);
	return err;
}

static const struct cairn_error *
checkout_tree(struct tally *t, const struct cairn_oid *tree, int dirfd,
    unsigned flags, int depth)
{
	struct cairn_repo *repo = t->repo;
	const struct cairn_error *err;
	struct cairn_tree_entry e;
	unsigned char *data;
	char *name = NULL;
	size_t len, pos = 0;
	int r = 0, dir, replace;

	if (depth > TREE_DEPTH_MAX)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "trees nested too deep");
	if ((err = cairn_graph_get_typed(repo, tree, CAIRN_OBJ_TREE, &data,
	    &len)) != NULL)
		return err;
	while (err == NULL && (r = cairn_tree_next(data, len, &pos,
	    cairn_repo_hash_algo(repo), &e)) == 1) {
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
		err = dir ? checkout_dir(t, dirfd, &e, name, flags, depth) :
		    checkout_blob(t, dirfd, &e, name, replace);
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
cairn_tree_checkout(struct cairn_repo *repo, const struct cairn_oid *tree,
    const char *dir, unsigned flags)
{
	const struct cairn_error *err;
	struct cairn_memtable seen;
	struct tally t = { 0 };
	char parent[PATH_MAX];
	int fd;

	/* Check every tree first, so a bad name creates nothing at all. */
	t.repo = repo;
	cairn_memtable_init(&seen, cairn_hash_len(cairn_repo_hash_algo(repo)));
	err = checkout_check(repo, tree, &seen, 0, &t.total);
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
	else if ((err = checkout_tree(&t, tree, fd, flags, 0)) == NULL)
		tally_tell(&t);
	close(fd);
	return err;
}
