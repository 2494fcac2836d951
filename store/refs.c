/*
 * refs.c: refs of a disk repository (format and protocol in refs.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "lock.h"
#include "refname.h"
#include "refs.h"

/*
 * A locked ref of a transaction.  Every file call under refs/ is made
 * relative to dfd, the ref's directory, opened one component at a time
 * from refs/ without following a link: nothing done here can reach
 * outside refs/, even if a directory is swapped for a link meanwhile.
 */
struct held {
	const struct cairn_ref_update *u;
	char *path;			/* <root>/refs/<name>, for messages */
	char *lock;			/* <root>/refs/<name>.lock, likewise */
	int dfd;			/* the directory of both, or -1 */
	int fd;				/* the lock file, flocked */
	int exists;
	struct cairn_oid cur;
};

/* The last component of a path: what is opened relative to dfd. */
static const char *
leaf(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

const struct cairn_error *
cairn_refs_parse(struct cairn_oid *out, int algo, const char *text,
    size_t len, const char *name)
{
	size_t hexlen = 2 * cairn_hash_len(algo), i;

	if (len != hexlen + 1 || text[hexlen] != '\n')
		goto bad;
	for (i = 0; i < hexlen; i++)
		if (!((text[i] >= '0' && text[i] <= '9') ||
		    (text[i] >= 'a' && text[i] <= 'f')))
			goto bad;
	return cairn_oid_parse(algo, text, hexlen, out);
bad:
	return cairn_error_new(CAIRN_ERR_CORRUPT,
	    "ref '%s' is malformed (expected a hex id and a newline)", name);
}

static const struct cairn_error *
ref_path(struct cairn_refs *refs, struct cairn_buf *out, const char *name,
    const char *suffix)
{
	cairn_buf_reset(out);
	return cairn_buf_printf(out, "%s/refs/%s%s", refs->root, name, suffix);
}

/* fsync the directory dfd, which holds path. */
static const struct cairn_error *
sync_dir(struct cairn_refs *refs, int dfd, const char *path)
{
	if (refs->vfs->fsync(refs->vfs, dfd) != 0)
		return cairn_error_sys(errno, "sync the directory of '%s'",
		    path);
	return NULL;
}

/*
 * Open refs/<the first len bytes of name> (refs/ itself for len 0; else
 * len ends before a '/' of name) into *dfd: refs/ first, then each
 * component relative to the one above, never through a link.  With
 * create set, a missing directory is made, and its name made durable
 * before anything is made in it.  Without it, one that is missing or is
 * not a directory sets *missing (and leaves *dfd -1): no ref lies there.
 */
static const struct cairn_error *
open_dir(struct cairn_refs *refs, const char *name, size_t len, int create,
    int *dfd, int *missing)
{
	struct cairn_vfs *v = refs->vfs;
	const struct cairn_error *err = NULL;
	struct cairn_buf path = { 0 };
	const char *p = name, *end = name + len, *slash;
	char comp[CAIRN_REFNAME_COMPONENT_MAX + 1];
	struct stat st;
	size_t clen;
	int fd, next, tries;

	*missing = 0;
	*dfd = -1;
	if ((err = cairn_buf_printf(&path, "%s/refs", refs->root)) != NULL)
		return err;
	fd = v->open(v, (char *)path.data, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW, 0);
	if (fd == -1) {
		if (errno == ENOENT && !create)
			*missing = 1;
		else
			err = cairn_error_sys(errno, "open '%s'",
			    (char *)path.data);
	}
	while (fd != -1 && err == NULL && p < end) {
		slash = memchr(p, '/', (size_t)(end - p));
		clen = slash ? (size_t)(slash - p) : (size_t)(end - p);
		if (clen == 0 || clen >= sizeof(comp)) {
			err = cairn_error_new(CAIRN_ERR_INVALID,
			    "ref '%s' is not a valid name", name);
			break;
		}
		memcpy(comp, p, clen);
		comp[clen] = '\0';
		if ((err = cairn_buf_printf(&path, "/%s", comp)) != NULL)
			break;
		/* A delete may remove a directory just made: make it again. */
		for (tries = 0; tries < 100; tries++) {
			next = v->openat(v, fd, comp, O_RDONLY | O_DIRECTORY, 0);
			if (next != -1 || errno != ENOENT || !create)
				break;
			if (v->mkdirat(v, fd, comp, CAIRN_DIR_MODE) == 0) {
				if ((err = sync_dir(refs, fd,
				    (char *)path.data)) != NULL)
					break;
			} else if (errno != EEXIST) {
				err = cairn_error_sys(errno, "create '%s'",
				    (char *)path.data);
				break;
			}
		}
		if (err == NULL && next == -1) {
			/* Without create, "a" being a ref means no "a/b". */
			if (!create && (errno == ENOENT || errno == ENOTDIR ||
			    errno == ELOOP))
				*missing = 1;
			else if ((errno == ENOTDIR || errno == ELOOP) &&
			    v->fstatat(v, fd, comp, &st) == 0)
				err = cairn_error_new(CAIRN_ERR_EXISTS,
				    S_ISREG(st.st_mode) ? "cannot create ref "
				    "'%s': ref '%.*s' exists" : "cannot use ref "
				    "'%s': '%.*s' is not a directory", name,
				    (int)(p + clen - name), name);
			else
				err = cairn_error_sys(errno, "open '%s'",
				    (char *)path.data);
		}
		v->close(v, fd);
		fd = next;
		if (err != NULL || *missing)
			break;
		p += clen + 1;
	}
	if ((err != NULL || *missing) && fd != -1) {
		v->close(v, fd);
		fd = -1;
	}
	*dfd = fd;
	cairn_buf_release(&path);
	return err;
}

/* The length of the directory part of name (0 for a name at the top). */
static size_t
dir_len(const char *name)
{
	const char *slash = strrchr(name, '/');

	return slash ? (size_t)(slash - name) : 0;
}

/*
 * Read the ref file name in dfd (path for messages), which must be a
 * regular file; *exists 0 if absent.
 */
static const struct cairn_error *
read_ref(struct cairn_refs *refs, int dfd, const char *path, const char *name,
    int *exists, struct cairn_oid *out, int64_t *time)
{
	const struct cairn_error *err;
	char buf[CAIRN_OID_HEXMAX + 8];
	struct stat st;
	ssize_t n;
	int fd;

	*exists = 0;
	fd = refs->vfs->openat(refs->vfs, dfd, leaf(path), O_RDONLY, 0);
	if (fd == -1) {
		if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR)
			return NULL;
		if (errno == ELOOP)
			return cairn_error_new(CAIRN_ERR_CORRUPT,
			    "ref '%s' is a symlink", name);
		if (errno == ENXIO)	/* the I/O layer's word for a FIFO */
			return cairn_error_new(CAIRN_ERR_CORRUPT,
			    "ref '%s' is not a regular file", name);
		return cairn_error_sys(errno, "open '%s'", path);
	}
	n = refs->vfs->pread(refs->vfs, fd, buf, sizeof(buf), 0);
	if (n >= 0 && time != NULL) {
		if (refs->vfs->fstat(refs->vfs, fd, &st) != 0) {
			err = cairn_error_sys(errno, "stat '%s'", path);
			refs->vfs->close(refs->vfs, fd);
			return err;
		}
		*time = (int64_t)st.st_mtim.tv_sec * 1000000000 +
		    st.st_mtim.tv_nsec;
	}
	refs->vfs->close(refs->vfs, fd);
	if (n < 0)
		return cairn_error_sys(errno, "read '%s'", path);
	if ((err = cairn_refs_parse(out, refs->algo, buf, (size_t)n, name)))
		return err;
	*exists = 1;
	return NULL;
}

const struct cairn_error *
cairn_refs_get(struct cairn_refs *refs, const char *name,
    struct cairn_oid *out)
{
	return cairn_refs_stat(refs, name, out, NULL);
}

const struct cairn_error *
cairn_refs_stat(struct cairn_refs *refs, const char *name,
    struct cairn_oid *out, int64_t *time)
{
	const struct cairn_error *err;
	struct cairn_buf path = { 0 };
	int exists = 0, missing, dfd = -1;

	if ((err = cairn_refname_check(name, strlen(name))) != NULL)
		return err;
	if ((err = open_dir(refs, name, dir_len(name), 0, &dfd,
	    &missing)) == NULL && !missing &&
	    (err = ref_path(refs, &path, name, "")) == NULL)
		err = read_ref(refs, dfd, (char *)path.data, name, &exists,
		    out, time);
	if (dfd != -1)
		refs->vfs->close(refs->vfs, dfd);
	cairn_buf_release(&path);
	if (err == NULL && !exists)
		err = cairn_error_new(CAIRN_ERR_NOT_FOUND,
		    "ref '%s' does not exist", name);
	return err;
}

/* The last '/' among the first len bytes of s, or NULL. */
static const char *
memrchr_bounded(const char *s, size_t len)
{
	while (len-- > 0)
		if (s[len] == '/')
			return s + len;
	return NULL;
}

/*
 * "<ref>.lock", unless the last component is too long to take the
 * suffix (names allow 255 bytes, as file names do): then its first 200
 * bytes, '~' and a 64-bit FNV-1a hash of it in hex, which no valid ref
 * name can be (refs never contain '~').
 */
static const struct cairn_error *
lock_path(struct cairn_refs *refs, struct cairn_buf *out, const char *name)
{
	const char *last = strrchr(name, '/');
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;

	last = last ? last + 1 : name;
	if (strlen(last) + 5 <= 255)
		return ref_path(refs, out, name, ".lock");
	for (p = (const unsigned char *)last; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;
	cairn_buf_reset(out);
	return cairn_buf_printf(out, "%s/refs/%.*s%.200s~%016llx.lock",
	    refs->root, (int)(last - name), name, last,
	    (unsigned long long)h);
}

/* Locking. */

/* Nonzero if the lock file's name in its directory still names fd. */
static int
same_file(struct cairn_refs *refs, const struct held *h, int fd)
{
	struct stat a, b;

	return refs->vfs->fstat(refs->vfs, fd, &a) == 0 &&
	    refs->vfs->fstatat(refs->vfs, h->dfd, leaf(h->lock), &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * One attempt at the lock: 1 taken, 0 busy (retry), or an error.  A lock
 * file that exists but can be flocked was left by a dead process: it is
 * taken over as it is.
 */
static int
try_lock(struct cairn_refs *refs, const struct held *h, int *fd,
    const struct cairn_error **err)
{
	struct cairn_vfs *v = refs->vfs;
	const char *lock = h->lock;
	int created = 1;

	*fd = v->openat(v, h->dfd, leaf(lock), O_RDWR | O_CREAT | O_EXCL,
	    CAIRN_FILE_MODE);
	if (*fd == -1 && errno == EEXIST) {
		created = 0;
		*fd = v->openat(v, h->dfd, leaf(lock), O_RDWR, 0);
	}
	if (*fd == -1) {
		/* The lock vanished between the two opens: try again. */
		if (errno == ENOENT && !created)
			return 0;
		/* A delete removed an emptied parent meanwhile: remake it. */
		if (errno == ENOENT)
			return 2;
		*err = errno == ELOOP ? cairn_error_new(CAIRN_ERR_CORRUPT,
		    "lock '%s' is a symlink", lock) :
		    cairn_error_sys(errno, "create '%s'", lock);
		return -1;
	}
	if (v->flock(v, *fd, LOCK_EX | LOCK_NB) == 0 &&
	    same_file(refs, h, *fd)) {
		if (!created && v->ftruncate(v, *fd, 0) != 0) {
			*err = cairn_error_sys(errno, "truncate '%s'", lock);
			v->close(v, *fd);
			return -1;
		}
		return 1;
	}
	v->close(v, *fd);
	*fd = -1;
	return 0;
}

static const struct cairn_error *
take_lock(struct cairn_refs *refs, struct held *h, struct cairn_lock_wait *w)
{
	const struct cairn_error *err = NULL;
	char what[CAIRN_REFNAME_MAX + 64];
	struct stat st;
	int r, missing, remade = 0;

	while ((r = try_lock(refs, h, &h->fd, &err)) == 0 ||
	    (r == 2 && remade++ < 100)) {
		if (r == 2) {
			refs->vfs->close(refs->vfs, h->dfd);
			h->dfd = -1;
			if ((err = open_dir(refs, h->u->name,
			    dir_len(h->u->name), 1, &h->dfd, &missing)) != NULL)
				return err;
			continue;
		}
		if (!cairn_lock_pause(w)) {
			snprintf(what, sizeof(what), "ref '%s' is locked by "
			    "another process", h->u->name);
			return cairn_lock_busy(w, refs->vfs->fstatat(refs->vfs,
			    h->dfd, leaf(h->lock), &st) == 0 ? &st : NULL,
			    what);
		}
	}
	if (r == 2)
		return cairn_error_sys(ENOENT, "create '%s'", h->lock);
	return r < 0 ? err : NULL;
}

/* Unlock: remove the lock file we hold, then close it. */
static void
drop_lock(struct cairn_refs *refs, struct held *h)
{
	if (h->fd == -1)
		return;
	if (same_file(refs, h, h->fd))
		refs->vfs->unlinkat(refs->vfs, h->dfd, leaf(h->lock), 0);
	refs->vfs->close(refs->vfs, h->fd);
	h->fd = -1;
}

/* The gc lock, held shared by ref updates. */
static const struct cairn_error *
gc_lock_shared(struct cairn_refs *refs, int *fd, struct cairn_lock_wait *w)
{
	const struct cairn_error *err = NULL;
	struct cairn_buf path = { 0 };
	struct cairn_vfs *v = refs->vfs;

	if ((err = cairn_buf_printf(&path, "%s/gc.lock", refs->root)))
		return err;
	*fd = v->open(v, (char *)path.data, O_RDWR | O_NOFOLLOW, 0);
	if (*fd == -1 && errno == ENOENT)
		*fd = v->open(v, (char *)path.data,
		    O_RDWR | O_CREAT | O_NOFOLLOW, CAIRN_LOCK_MODE);
	if (*fd == -1)
		err = cairn_error_sys(errno, "open '%s'", (char *)path.data);
	if (err == NULL)
		err = cairn_lock_take(v, *fd, LOCK_SH, w, (char *)path.data,
		    "refs are locked by gc");
	if (err != NULL && *fd != -1) {
		v->close(v, *fd);
		*fd = -1;
	}
	cairn_buf_release(&path);
	return err;
}

/* Preparing a transaction. */

static int
cmp_held(const void *a, const void *b)
{
	return strcmp(((const struct held *)a)->u->name,
	    ((const struct held *)b)->u->name);
}

static int
creates(const struct held *h)
{
	return h->u->op == CAIRN_REF_SET || h->u->op == CAIRN_REF_CREATE;
}

/*
 * "a" and "a/b" cannot both exist: a transaction that would make one
 * while the other is in it too fails before anything changes.  Sorted,
 * the names under "a/" follow "a" closely.
 */
static const struct cairn_error *
check_nesting(struct held *h, size_t n)
{
	size_t i, j, len;

	for (i = 0; i < n; i++) {
		len = strlen(h[i].u->name);
		for (j = i + 1; j < n; j++) {
			if (strncmp(h[j].u->name, h[i].u->name, len) != 0)
				break;
			if (h[j].u->name[len] == '/' &&
			    (creates(&h[i]) || creates(&h[j])))
				return cairn_error_new(CAIRN_ERR_EXISTS,
				    "refs '%s' and '%s' cannot both exist",
				    h[i].u->name, h[j].u->name);
		}
	}
	return NULL;
}

static const struct cairn_error *
check_names(struct held *h, size_t n)
{
	const struct cairn_error *err;
	size_t i;

	for (i = 0; i < n; i++)
		if ((err = cairn_refname_check(h[i].u->name,
		    strlen(h[i].u->name))) != NULL)
			return err;
	for (i = 1; i < n; i++)
		if (strcmp(h[i - 1].u->name, h[i].u->name) == 0)
			return cairn_error_new(CAIRN_ERR_INVALID,
			    "ref '%s' is updated twice", h[i].u->name);
	return check_nesting(h, n);
}

/* Lock one ref and read its value under the lock. */
static const struct cairn_error *
lock_one(struct cairn_refs *refs, struct held *h, struct cairn_lock_wait *w)
{
	struct cairn_vfs *v = refs->vfs;
	const struct cairn_error *err;
	struct cairn_buf b = { 0 };
	struct stat st;
	int missing;
	int writes = h->u->op == CAIRN_REF_SET || h->u->op == CAIRN_REF_CREATE;

	if ((err = ref_path(refs, &b, h->u->name, "")) != NULL)
		return err;
	h->path = (char *)cairn_buf_detach(&b, NULL);
	if ((err = lock_path(refs, &b, h->u->name)) != NULL)
		return err;
	h->lock = (char *)cairn_buf_detach(&b, NULL);
	if ((err = open_dir(refs, h->u->name, dir_len(h->u->name), writes,
	    &h->dfd, &missing)) != NULL)
		return err;
	if (missing)
		return NULL;	/* no parent directory: no ref, nothing to lock */
	if (v->fstatat(v, h->dfd, leaf(h->path), &st) == 0 &&
	    S_ISDIR(st.st_mode) && !(writes &&
	    v->unlinkat(v, h->dfd, leaf(h->path), AT_REMOVEDIR) == 0)) {
		if (writes)
			return cairn_error_new(CAIRN_ERR_EXISTS,
			    "cannot create ref '%s': refs under '%s/' exist",
			    h->u->name, h->u->name);
		return NULL;
	}
	if ((err = take_lock(refs, h, w)) != NULL)
		return err;
	err = read_ref(refs, h->dfd, h->path, h->u->name, &h->exists,
	    &h->cur, NULL);
	/*
	 * A damaged ref (malformed, a link, a FIFO) is replaced or removed
	 * by an update that does not ask what it holds; one that does ask
	 * (--old, create, verify) cannot be answered.
	 */
	if (err != NULL && err->code == CAIRN_ERR_CORRUPT &&
	    !h->u->has_old && (h->u->op == CAIRN_REF_SET ||
	    h->u->op == CAIRN_REF_DELETE)) {
		h->exists = 1;
		memset(&h->cur, 0, sizeof(h->cur));
		return NULL;
	}
	return err;
}

/* The precondition of one update, against the value read under its lock. */
static const struct cairn_error *
check_one(struct cairn_refs *refs, const struct held *h)
{
	const struct cairn_ref_update *u = h->u;
	char a[CAIRN_OID_HEXMAX + 1], b[CAIRN_OID_HEXMAX + 1];
	int need_old = u->has_old || (u->op == CAIRN_REF_VERIFY);

	if (u->op == CAIRN_REF_CREATE && h->exists)
		return cairn_error_new(CAIRN_ERR_EXISTS,
		    "ref '%s' already exists", u->name);
	if (u->op == CAIRN_REF_VERIFY && !u->has_old && h->exists)
		return cairn_error_new(CAIRN_ERR_EXISTS,
		    "ref '%s' already exists", u->name);
	if (u->op == CAIRN_REF_DELETE && !u->has_old && !h->exists)
		return cairn_error_new(CAIRN_ERR_NOT_FOUND,
		    "ref '%s' does not exist", u->name);
	if (need_old && u->has_old && !h->exists)
		return cairn_error_new(CAIRN_ERR_CAS_MISMATCH,
		    "ref '%s' does not exist", u->name);
	if (u->has_old && !cairn_oid_eq(&h->cur, &u->old_id))
		return cairn_error_new(CAIRN_ERR_CAS_MISMATCH,
		    "ref '%s' is at %s but expected %s", u->name,
		    cairn_oid_fmt(&h->cur, a), cairn_oid_fmt(&u->old_id, b));
	if ((u->op == CAIRN_REF_SET || u->op == CAIRN_REF_CREATE) &&
	    u->new_id.len != cairn_hash_len(refs->algo))
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "ref '%s': id of the wrong length", u->name);
	return NULL;
}

/* Applying. */

static const struct cairn_error *
write_lock(struct cairn_refs *refs, struct held *h)
{
	const struct cairn_error *err;
	char line[CAIRN_OID_HEXMAX + 2];
	size_t len;

	cairn_oid_fmt(&h->u->new_id, line);
	len = strlen(line);
	line[len++] = '\n';
	if ((err = cairn_file_pwrite(refs->vfs, h->fd, line, len, 0,
	    h->lock)) != NULL)
		return err;
	if (refs->vfs->ftruncate(refs->vfs, h->fd, (off_t)len) != 0)
		return cairn_error_sys(errno, "truncate '%s'", h->lock);
	return cairn_file_sync(refs->vfs, h->fd, 0, h->lock);
}


/*
 * After a delete, directories of the name that are now empty go too (as
 * git does), so that "a" can be created after "a/b" is deleted.  A
 * directory that is not empty, or that another update is filling at the
 * same moment, stays: rmdir fails then, harmlessly.
 */
static void
remove_empty_parents(struct cairn_refs *refs, const char *name)
{
	char comp[CAIRN_REFNAME_COMPONENT_MAX + 1];
	const char *slash, *up;
	size_t len = strlen(name), at;
	int dfd, missing, r;

	while ((slash = memrchr_bounded(name, len)) != NULL && slash > name) {
		/* Remove refs/<name[0, len)> from the directory above it. */
		len = (size_t)(slash - name);
		up = memrchr_bounded(name, len);
		at = up ? (size_t)(up - name) + 1 : 0;
		if (len - at >= sizeof(comp) || open_dir(refs, name,
		    at ? at - 1 : 0, 0, &dfd, &missing) != NULL || missing)
			break;
		memcpy(comp, name + at, len - at);
		comp[len - at] = '\0';
		r = refs->vfs->unlinkat(refs->vfs, dfd, comp, AT_REMOVEDIR);
		refs->vfs->close(refs->vfs, dfd);
		if (r != 0)
			break;
	}
}

static const struct cairn_error *
apply_one(struct cairn_refs *refs, struct held *h)
{
	struct cairn_vfs *v = refs->vfs;
	const struct cairn_error *err;

	switch (h->u->op) {
	case CAIRN_REF_SET:
	case CAIRN_REF_CREATE:
		if (v->renameat(v, h->dfd, leaf(h->lock), h->dfd,
		    leaf(h->path)) != 0)
			return cairn_error_sys(errno, "rename '%s'", h->lock);
		/* The lock file is the ref now; closing releases the flock. */
		err = sync_dir(refs, h->dfd, h->path);
		v->close(v, h->fd);
		h->fd = -1;
		return err;
	case CAIRN_REF_DELETE:
		if (h->dfd == -1)	/* no directory: nothing to remove */
			return NULL;
		if (h->exists && v->unlinkat(v, h->dfd, leaf(h->path), 0) != 0 &&
		    errno != ENOENT)
			return cairn_error_sys(errno, "remove '%s'", h->path);
		err = sync_dir(refs, h->dfd, h->path);
		drop_lock(refs, h);
		remove_empty_parents(refs, h->u->name);
		return err;
	default:
		drop_lock(refs, h);
		return NULL;
	}
}

static const struct cairn_error *
lock_and_check(struct cairn_refs *refs, struct held *h, size_t n,
    struct cairn_lock_wait *w)
{
	const struct cairn_error *err = NULL;
	size_t i;

	for (i = 0; i < n && err == NULL; i++)
		err = lock_one(refs, &h[i], w);
	for (i = 0; i < n && err == NULL; i++)
		err = check_one(refs, &h[i]);
	for (i = 0; i < n && err == NULL; i++)
		if (h[i].u->op == CAIRN_REF_SET || h[i].u->op == CAIRN_REF_CREATE)
			err = refs->durable(refs->arg, &h[i].u->new_id);
	return err;
}

/*
 * Did the transaction make or remove a ref, in a repository that keeps
 * refs.list?  (A ref that only moves leaves the list as it is.)
 */
static int
names_change(struct cairn_refs *refs, const struct held *h, size_t n)
{
	struct cairn_buf path = { 0 };
	struct stat st;
	size_t i;
	int change = 0, kept;

	for (i = 0; i < n; i++)
		if ((h[i].u->op == CAIRN_REF_DELETE && h[i].exists) ||
		    ((h[i].u->op == CAIRN_REF_SET ||
		    h[i].u->op == CAIRN_REF_CREATE) && !h[i].exists))
			change = 1;
	if (!change || cairn_buf_printf(&path, "%s/" CAIRN_REFS_LIST,
	    refs->root) != NULL)
		return change;
	kept = refs->vfs->lstat(refs->vfs, (char *)path.data, &st) == 0;
	cairn_buf_release(&path);
	return kept;
}

/* After the refs moved: the list is rewritten, or the error says so. */
static const struct cairn_error *
republish(struct cairn_refs *refs)
{
	const struct cairn_error *err = cairn_refs_publish(refs);

	if (err == NULL)
		return NULL;
	return cairn_error_relabel(err, CAIRN_ERR_NONE, "the refs were "
	    "updated, but not '" CAIRN_REFS_LIST "': %s", err->msg);
}

const struct cairn_error *
cairn_refs_update(struct cairn_refs *refs, const struct cairn_ref_update *u,
    size_t n)
{
	const struct cairn_error *err;
	struct held *h;
	struct cairn_lock_wait w;
	size_t i;
	int gcfd = -1, named = 0;

	if (refs->read_only)
		return cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	if ((h = calloc(n + 1, sizeof(*h))) == NULL)
		return cairn_error_nomem();
	for (i = 0; i < n; i++) {
		h[i].u = &u[i];
		h[i].dfd = -1;
		h[i].fd = -1;
	}
	qsort(h, n, sizeof(*h), cmp_held);
	if ((err = check_names(h, n)) != NULL)
		goto done;
	named = 1;
	cairn_lock_wait_init(&w, refs->timeout_ms);
	if ((err = gc_lock_shared(refs, &gcfd, &w)) != NULL)
		goto done;
	if ((err = lock_and_check(refs, h, n, &w)) != NULL)
		goto done;
	for (i = 0; i < n && err == NULL; i++)
		if (h[i].u->op == CAIRN_REF_SET || h[i].u->op == CAIRN_REF_CREATE)
			err = write_lock(refs, &h[i]);
	for (i = 0; i < n && err == NULL; i++)
		err = apply_one(refs, &h[i]);
	if (err == NULL && names_change(refs, h, n))
		err = republish(refs);
done:
	for (i = 0; i < n; i++) {
		drop_lock(refs, &h[i]);
		if (h[i].dfd != -1)
			refs->vfs->close(refs->vfs, h[i].dfd);
		if (err != NULL && named && creates(&h[i]))
			remove_empty_parents(refs, h[i].u->name);
		free(h[i].path);
		free(h[i].lock);
	}
	free(h);
	if (gcfd != -1)
		refs->vfs->close(refs->vfs, gcfd);
	return err;
}

/* Listing. */

/*
 * The names under refs/, and the first problem found on the way that
 * concerns the listing's prefix (its name has the prefix, or is a
 * directory above it).
 */
struct ref_walk {
	char **names;
	size_t n, cap;
	const char *prefix;
	int pcode;			/* the first problem, or 0 */
	char pmsg[512];
};

static int
concerns(const struct ref_walk *w, const char *name)
{
	size_t a = strlen(name), b = strlen(w->prefix);

	return strncmp(name, w->prefix, a < b ? a : b) == 0;
}

/* Keep a copy of err: errors live in a ring that later ones reuse. */
static void
problem(struct ref_walk *w, const char *name, const struct cairn_error *err)
{
	if (w->pcode == 0 && concerns(w, name)) {
		w->pcode = err->code;
		snprintf(w->pmsg, sizeof(w->pmsg), "%s", err->msg);
	}
}

static const struct cairn_error *
add_name(struct ref_walk *w, const char *name)
{
	if (w->n == w->cap) {
		char **nn = realloc(w->names, (w->cap * 2 + 16) *
		    sizeof(*nn));

		if (nn == NULL)
			return cairn_error_nomem();
		w->names = nn;
		w->cap = w->cap * 2 + 16;
	}
	if ((w->names[w->n] = strdup(name)) == NULL)
		return cairn_error_nomem();
	w->n++;
	return NULL;
}

/*
 * The one walk of refs/.  It goes through the directory dfd (refs/<name>,
 * name empty or ending in '/'), which it closes, depth-first through
 * directory descriptors opened with O_NOFOLLOW relative to the one
 * above: nothing outside refs/ is read and no depth is too deep (only
 * the descriptor limit, which is reported like any other failure).
 * Every entry that is not a directory, and every directory that cannot
 * be read, is passed to fn with its kind; fn's error stops the walk.
 */
struct walker {
	struct cairn_vfs *vfs;
	cairn_refs_visit fn;
	void *arg;
};

static const struct cairn_error *
walk(struct walker *w, int dfd, struct cairn_buf *name)
{
	const struct cairn_error *err = NULL;
	enum cairn_refs_kind kind;
	struct dirent *de;
	struct stat st;
	size_t len, at = name->len;
	DIR *d = NULL;
	int sub, listed;

	/*
	 * The listing reads a duplicate; everything else is relative to
	 * dfd, which the I/O layer opened (and closes).
	 */
	if ((listed = fcntl(dfd, F_DUPFD_CLOEXEC, 0)) == -1 ||
	    (d = fdopendir(listed)) == NULL) {
		err = w->fn(w->arg, CAIRN_REFS_UNREADABLE, (char *)name->data,
		    -1, NULL, errno);
		if (listed != -1)
			close(listed);
		w->vfs->close(w->vfs, dfd);
		return err;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			name->len = at;
			name->data[at] = '\0';
			if (errno != 0)
				err = w->fn(w->arg, CAIRN_REFS_UNREADABLE,
				    (char *)name->data, -1, NULL, errno);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		name->len = at;
		if ((err = cairn_buf_printf(name, "%s", de->d_name)) != NULL)
			break;
		len = strlen(de->d_name);
		if (w->vfs->fstatat(w->vfs, dfd, de->d_name, &st) != 0) {
			if (errno != ENOENT &&	/* else removed meanwhile */
			    (err = w->fn(w->arg, CAIRN_REFS_UNREADABLE,
			    (char *)name->data, dfd, de->d_name,
			    errno)) != NULL)
				break;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if ((err = cairn_buf_printf(name, "/")) != NULL)
				break;
			sub = w->vfs->openat(w->vfs, dfd, de->d_name,
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
			if (sub != -1)
				err = walk(w, sub, name);
			else if (errno != ENOENT)
				err = w->fn(w->arg, CAIRN_REFS_UNREADABLE,
				    (char *)name->data, dfd, de->d_name,
				    errno);
			if (err != NULL)
				break;
			continue;
		}
		if (S_ISLNK(st.st_mode))
			kind = CAIRN_REFS_LINK;
		else if (!S_ISREG(st.st_mode))
			kind = CAIRN_REFS_NOT_FILE;
		else if (len > 5 && strcmp(de->d_name + len - 5, ".lock") == 0)
			kind = CAIRN_REFS_LOCK;
		else if (cairn_refname_check((char *)name->data,
		    name->len) != NULL)
			kind = CAIRN_REFS_BAD_NAME;
		else
			kind = CAIRN_REFS_REF;
		if ((err = w->fn(w->arg, kind, (char *)name->data, dfd,
		    de->d_name, 0)) != NULL)
			break;
	}
	closedir(d);
	w->vfs->close(w->vfs, dfd);
	name->len = at;
	if (name->data != NULL)
		name->data[at] = '\0';
	return err;
}

const struct cairn_error *
cairn_refs_walk(struct cairn_vfs *vfs, int dfd, cairn_refs_visit fn,
    void *arg)
{
	const struct cairn_error *err;
	struct cairn_buf name = { 0 };
	struct walker w = { vfs, fn, arg };

	if ((err = cairn_buf_printf(&name, "%s", "")) != NULL) {
		vfs->close(vfs, dfd);
		return err;
	}
	err = walk(&w, dfd, &name);
	cairn_buf_release(&name);
	return err;
}

/* The listing's visitor: refs are collected, anything else a problem. */
static const struct cairn_error *
list_visit(void *arg, enum cairn_refs_kind kind, const char *name, int dfd,
    const char *base, int sys_errno)
{
	struct ref_walk *w = arg;

	(void)dfd;
	(void)base;
	switch (kind) {
	case CAIRN_REFS_REF:
		return add_name(w, name);
	case CAIRN_REFS_LOCK:
		return NULL;
	case CAIRN_REFS_BAD_NAME:
		problem(w, name, cairn_error_new(CAIRN_ERR_CORRUPT,
		    "refs/%s is not a valid ref name", name));
		return NULL;
	case CAIRN_REFS_LINK:
		problem(w, name, cairn_error_new(CAIRN_ERR_CORRUPT,
		    "refs/%s is a symbolic link", name));
		return NULL;
	case CAIRN_REFS_NOT_FILE:
		problem(w, name, cairn_error_new(CAIRN_ERR_CORRUPT,
		    "refs/%s is not a regular file", name));
		return NULL;
	default:
		problem(w, name, cairn_error_sys(sys_errno,
		    "cannot read refs/%s", name));
		return NULL;
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names under refs/, sorted, into w. */
static const struct cairn_error *
walk_names(struct cairn_refs *refs, struct ref_walk *w)
{
	const struct cairn_error *err;
	struct cairn_buf dir = { 0 };
	int dfd;

	if ((err = cairn_buf_printf(&dir, "%s/refs", refs->root)) == NULL) {
		dfd = refs->vfs->open(refs->vfs, (char *)dir.data,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
		if (dfd == -1)
			problem(w, "", cairn_error_sys(errno, "cannot read "
			    "'%s'", (char *)dir.data));
		else
			err = cairn_refs_walk(refs->vfs, dfd, list_visit, w);
	}
	cairn_buf_release(&dir);
	if (err == NULL && w->n > 0)
		qsort(w->names, w->n, sizeof(*w->names), cmp_str);
	return err;
}

/* w's names in byte order, each once (a list may come from anywhere). */
static const struct cairn_error *
sort_unique(struct ref_walk *w)
{
	size_t i, n = 0;

	if (w->n > 0)
		qsort(w->names, w->n, sizeof(*w->names), cmp_str);
	for (i = 0; i < w->n; i++) {
		if (n > 0 && strcmp(w->names[n - 1], w->names[i]) == 0)
			free(w->names[i]);
		else
			w->names[n++] = w->names[i];
	}
	w->n = n;
	return NULL;
}

/* The names refs.list holds, sorted, into w. */
static const struct cairn_error *
read_names(struct cairn_refs *refs, struct ref_walk *w)
{
	const struct cairn_error *err;
	struct cairn_buf path = { 0 }, text = { 0 };
	char *p, *end, *nl;

	if ((err = cairn_buf_printf(&path, "%s/" CAIRN_REFS_LIST,
	    refs->root)) == NULL)
		err = cairn_file_slurp(refs->vfs, (char *)path.data,
		    CAIRN_REFS_LIST_MAX, &text);
	if (err != NULL && err->code == CAIRN_ERR_NOT_FOUND)
		err = cairn_error_new(CAIRN_ERR_NOT_REPO, "'%s' does not "
		    "exist: the repository's refs cannot be listed (run "
		    "'cairn update-server-info' in it)", (char *)path.data);
	p = (char *)text.data;
	end = p + text.len;
	if (err == NULL && (text.len < sizeof(CAIRN_REFS_LIST_MAGIC) ||
	    memcmp(p, CAIRN_REFS_LIST_MAGIC "\n",
	    sizeof(CAIRN_REFS_LIST_MAGIC)) != 0 || end[-1] != '\n'))
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "'%s' is not a list "
		    "of refs", (char *)path.data);
	if (err == NULL)
		p += sizeof(CAIRN_REFS_LIST_MAGIC);
	for (; err == NULL && p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		*nl = '\0';
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL ||
		    cairn_refname_check(p, (size_t)(nl - p)) != NULL)
			err = cairn_error_new(CAIRN_ERR_CORRUPT, "'%s' names "
			    "an invalid ref", (char *)path.data);
		else
			err = add_name(w, p);
	}
	cairn_buf_release(&path);
	cairn_buf_release(&text);
	return err == NULL ? sort_unique(w) : err;
}

const struct cairn_error *
cairn_refs_publish(struct cairn_refs *refs)
{
	const struct cairn_error *err;
	struct cairn_buf dir = { 0 }, path = { 0 }, tmp = { 0 }, text = { 0 };
	struct cairn_lock_wait wait;
	struct ref_walk w;
	size_t i;
	int dfd = -1;

	if (refs->read_only)
		return cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	memset(&w, 0, sizeof(w));
	w.prefix = "";
	/* One writer at a time, so the last one written is the newest. */
	if ((err = cairn_buf_printf(&dir, "%s/refs", refs->root)) == NULL &&
	    (dfd = refs->vfs->open(refs->vfs, (char *)dir.data, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)) == -1)
		err = cairn_error_sys(errno, "open '%s'", (char *)dir.data);
	if (err == NULL) {
		cairn_lock_wait_init(&wait, refs->timeout_ms);
		err = cairn_lock_take(refs->vfs, dfd, LOCK_EX, &wait,
		    (char *)dir.data, "the list of refs is being written");
	}
	if (err == NULL && (err = walk_names(refs, &w)) == NULL && w.pcode)
		err = cairn_error_new(w.pcode, "%s", w.pmsg);
	if (err == NULL)
		err = cairn_buf_printf(&text, "%s\n", CAIRN_REFS_LIST_MAGIC);
	for (i = 0; i < w.n && err == NULL; i++)
		err = cairn_buf_printf(&text, "%s\n", w.names[i]);
	if (err == NULL &&
	    (err = cairn_buf_printf(&path, "%s/" CAIRN_REFS_LIST,
	    refs->root)) == NULL &&
	    (err = cairn_buf_printf(&tmp, "%s/tmp", refs->root)) == NULL)
		err = cairn_file_replace(refs->vfs, (char *)tmp.data,
		    (char *)path.data, text.data, text.len);
	if (dfd != -1)
		refs->vfs->close(refs->vfs, dfd);	/* drops the flock */
	for (i = 0; i < w.n; i++)
		free(w.names[i]);
	free(w.names);
	cairn_buf_release(&dir);
	cairn_buf_release(&path);
	cairn_buf_release(&tmp);
	cairn_buf_release(&text);
	return err;
}

/*
 * Every ref is listed that can be, then the first problem is returned:
 * a caller that must see every root (gc) stops on it, one that lists
 * for a person has listed what is good.
 */
const struct cairn_error *
cairn_refs_list(struct cairn_refs *refs, const char *prefix,
    int (*fn)(void *arg, const char *name, const struct cairn_oid *id),
    void *arg)
{
	const struct cairn_error *err;
	struct ref_walk w;
	struct cairn_oid id;
	size_t i, plen = prefix ? strlen(prefix) : 0;

	memset(&w, 0, sizeof(w));
	w.prefix = prefix ? prefix : "";
	err = refs->names_file ? read_names(refs, &w) : walk_names(refs, &w);
	for (i = 0; i < w.n && err == NULL; i++) {
		if (strncmp(w.names[i], w.prefix, plen) != 0)
			continue;
		err = cairn_refs_get(refs, w.names[i], &id);
		if (err != NULL) {
			/*
			 * Gone from refs/: deleted since the walk, or, named
			 * by refs.list, a server that lacks it (a delete
			 * writes the list again before it returns).
			 */
			if (err->code != CAIRN_ERR_NOT_FOUND)
				problem(&w, w.names[i], err);
			else if (refs->names_file)
				problem(&w, w.names[i], cairn_error_new(
				    CAIRN_ERR_CORRUPT, "'%s/" CAIRN_REFS_LIST
				    "' names ref '%s', which is not there",
				    refs->root, w.names[i]));
			err = NULL;
			continue;
		}
		if (fn(arg, w.names[i], &id) != 0) {
			w.pcode = 0;	/* the caller has seen enough */
			break;
		}
	}
	for (i = 0; i < w.n; i++)
		free(w.names[i]);
	free(w.names);
	if (err == NULL && w.pcode != 0)
		err = cairn_error_new(w.pcode, "%s", w.pmsg);
	return err;
}
