/*
 * repo.c: the public API of cairn.h over a backend: opening and creating
 * repositories, configuration, and object calls that dispatch to the
 * backend's operations (cairn_object_each gathers the backend's ids,
 * sorts them and gives each once).
 */
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <strings.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "buf.h"
#include "config.h"
#include "lock.h"
#include "file.h"
#include "http.h"
#include "rados.h"
#include "object.h"
#include "refname.h"
#include "repo_int.h"
#include "vfs.h"

/* Trees, commits and tags are held whole to be validated; cap them. */
#define NONBLOB_MAX (256 << 20)

/* Alternates may chain; this bounds the chain (and catches loops). */
#define ALTERNATE_DEPTH 8

/*
 * Threads: reads take lock shared, everything that writes takes it
 * exclusively (a batch from begin to commit or abort).  The handle
 * records which thread holds it exclusively (owner, that thread's number
 * from self()) and how often (depth): that thread reads and calls in
 * again without taking it twice, a call refused inside its batch gives
 * back only what it took, and batches open on several handles in one
 * thread each keep their own lock.
 */
struct cairn_repo {
	struct cairn_backend *be;
	struct cairn_backend *base;	/* the disk or memory backend */
	char *path;
	struct cairn_config cfg;
	struct cairn_vfs *vfs;
	struct cairn_vfs *own_vfs;	/* made for this handle (http.c) */
	unsigned flags;
	pthread_rwlock_t lock;
	uint64_t owner;			/* atomic: self() of the writer, or 0 */
	unsigned depth;			/* the owner's holds */
	uint64_t refreshed;		/* CLOCK_MONOTONIC ns of the last look */
	int fill;			/* core.alternateCache: keep what is
					   read from the alternate */
	int base_writable;		/* base opened for writing */
};

#define REFRESH_NS 2000000u

/*
 * A number for the calling thread, never given to another thread, even
 * one that reuses a dead thread's storage (so a batch a thread leaves
 * open when it ends is no later thread's).
 */
static uint64_t thread_count;
static _Thread_local uint64_t thread_number;

static uint64_t
self(void)
{
	if (thread_number == 0)
		thread_number = __atomic_add_fetch(&thread_count, 1,
		    __ATOMIC_RELAXED);
	return thread_number;
}

/* Does this thread hold r exclusively?  (Only it can make this true.) */
static int
mine(const struct cairn_repo *r)
{
	return __atomic_load_n(&r->owner, __ATOMIC_RELAXED) == self();
}

static void
rd_lock(struct cairn_repo *r)
{
	if (!mine(r))
		pthread_rwlock_rdlock(&r->lock);
}

static void
rd_unlock(struct cairn_repo *r)
{
	if (!mine(r))
		pthread_rwlock_unlock(&r->lock);
}

static void
wr_lock(struct cairn_repo *r)
{
	if (!mine(r)) {
		pthread_rwlock_wrlock(&r->lock);
		__atomic_store_n(&r->owner, self(), __ATOMIC_RELAXED);
	}
	r->depth++;
}

static void
wr_unlock(struct cairn_repo *r)
{
	if (!mine(r) || r->depth == 0)
		return;
	if (--r->depth == 0) {
		__atomic_store_n(&r->owner, 0, __ATOMIC_RELAXED);
		pthread_rwlock_unlock(&r->lock);
	}
}

void
cairn_counters_add(struct cairn_repo_stats *st, const struct cairn_counters *c)
{
	st->reads += __atomic_load_n(&c->reads, __ATOMIC_RELAXED);
	st->writes += __atomic_load_n(&c->writes, __ATOMIC_RELAXED);
	st->cache_hits += __atomic_load_n(&c->cache_hits, __ATOMIC_RELAXED);
	st->cache_misses += __atomic_load_n(&c->cache_misses,
	    __ATOMIC_RELAXED);
	st->bloom_negatives += __atomic_load_n(&c->bloom_negatives,
	    __ATOMIC_RELAXED);
	st->bloom_false_positives += __atomic_load_n(
	    &c->bloom_false_positives, __ATOMIC_RELAXED);
}

const char *
cairn_version(void)
{
	return CAIRN_VERSION;
}

ssize_t
cairn_fd_read(void *arg, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(*(int *)arg, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

ssize_t
cairn_mem_read(void *arg, void *buf, size_t len)
{
	struct cairn_mem_src *m = arg;

	if (len > m->left)
		len = m->left;
	if (len == 0)
		return 0;
	memcpy(buf, m->data, len);
	m->data += len;
	m->left -= len;
	return (ssize_t)len;
}

int
cairn_version_number(void)
{
	return CAIRN_VERSION_NUMBER;
}

/*
 * Sized structs (see cairn.h): the caller's struct, of the size its
 * first field says, read over the defaults into the library's full one.
 */
const struct cairn_error *
cairn_sized_check(const void *given, size_t full_size, const char *name)
{
	size_t size;

	if (given == NULL)
		return cairn_error_new(CAIRN_ERR_USAGE, "struct %s: NULL where "
		    "one is needed", name);
	memcpy(&size, given, sizeof(size));
	if (size < sizeof(size) || size > full_size)
		return cairn_error_new(CAIRN_ERR_USAGE, "struct %s: its size "
		    "field is %zu, not one this library knows (set it with "
		    "the _INIT macro)", name, size);
	return NULL;
}

const struct cairn_error *
cairn_sized_in(void *full, size_t full_size, const void *defaults,
    const void *given, const char *name)
{
	const struct cairn_error *err;
	size_t size;

	memcpy(full, defaults, full_size);
	if (given == NULL)
		return NULL;
	if ((err = cairn_sized_check(given, full_size, name)) != NULL)
		return err;
	memcpy(&size, given, sizeof(size));
	memcpy(full, given, size);
	memcpy(full, &full_size, sizeof(full_size));
	return NULL;
}

void
cairn_sized_out(void *given, const void *full, size_t full_size)
{
	size_t size;

	memcpy(&size, given, sizeof(size));
	if (size > full_size)
		size = full_size;
	if (size > sizeof(size))
		memcpy((char *)given + sizeof(size),
		    (const char *)full + sizeof(size), size - sizeof(size));
}

/* Creation. */

/* Nonzero if the directory holds nothing but "." and "..". */
static int
dir_empty(const char *path)
{
	struct dirent *de;
	DIR *dir;
	int empty = 1;

	if ((dir = opendir(path)) == NULL)
		return 0;
	while (empty && (de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = 0;
	closedir(dir);
	return empty;
}

/* Create the missing parents of path, as git init does. */
static const struct cairn_error *
make_parents(struct cairn_vfs *vfs, const char *path)
{
	char *copy, *p;
	const struct cairn_error *err = NULL;

	if ((copy = strdup(path)) == NULL)
		return cairn_error_nomem();
	for (p = copy + 1; *p != '\0' && err == NULL; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (vfs->mkdir(vfs, copy, CAIRN_DIR_MODE) != 0 &&
		    errno != EEXIST)
			err = cairn_error_sys(errno, "create '%s'", copy);
		*p = '/';
	}
	free(copy);
	return err;
}

/* *made: path did not exist and init_dir created it. */
static const struct cairn_error *
init_dir(struct cairn_vfs *vfs, const char *path, int *made)
{
	const struct cairn_error *err;
	struct stat st;
	struct cairn_buf m = { 0 };
	int isrepo;

	*made = 0;
	if ((err = make_parents(vfs, path)) != NULL)
		return err;
	if (vfs->mkdir(vfs, path, CAIRN_DIR_MODE) == 0) {
		*made = 1;
		return NULL;
	}
	if (errno != EEXIST)
		return cairn_error_sys(errno, "create '%s'", path);
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return cairn_error_new(CAIRN_ERR_EXISTS,
		    "'%s' exists and is not a directory", path);
	/* An empty directory of someone else's is theirs to fill. */
	if (dir_empty(path))
		return cairn_file_check_owner(path);
	if (cairn_buf_printf(&m, "%s/manifest", path) != NULL)
		return cairn_error_nomem();
	isrepo = access((char *)m.data, F_OK) == 0;
	cairn_buf_release(&m);
	if (isrepo)
		return cairn_error_new(CAIRN_ERR_EXISTS,
		    "repository already exists in '%s'", path);
	return cairn_error_new(CAIRN_ERR_EXISTS,
	    "'%s' exists and is not empty", path);
}

/* fsync the parent of path, so the new directory's name is durable. */
static const struct cairn_error *
sync_parent(struct cairn_vfs *vfs, const char *path)
{
	const struct cairn_error *err;
	char *copy, *slash;

	if ((copy = strdup(path)) == NULL)
		return cairn_error_nomem();
	while ((slash = strrchr(copy, '/')) != NULL && slash[1] == '\0' &&
	    slash != copy)
		*slash = '\0';
	slash = strrchr(copy, '/');
	if (slash == NULL)
		strcpy(copy, ".");
	else if (slash == copy)
		copy[1] = '\0';
	else
		*slash = '\0';
	err = cairn_file_sync_dir(vfs, copy);
	free(copy);
	return err;
}

/*
 * An alternate must be a repository of the same object format; it is
 * recorded by absolute path (abs, PATH_MAX bytes).
 */
/*
 * The chain of alternates from path must not lead back to self (a loop
 * would make every repository in it unopenable) and must leave room for
 * one more link.
 */
static const struct cairn_error *
check_chain(const char *path, const char *self)
{
	const struct cairn_error *err = NULL;
	char cur[PATH_MAX], me[PATH_MAX], cfgpath[PATH_MAX + 16];
	struct cairn_buf text = { 0 };
	struct cairn_config cfg;
	const char *next;
	int depth;

	/* A repository being created has no path yet, and no loop. */
	if (self == NULL || realpath(self, me) == NULL)
		me[0] = '\0';
	snprintf(cur, sizeof(cur), "%s", path);
	for (depth = 1; ; depth++) {
		if (strcmp(cur, me) == 0) {
			err = cairn_error_new(CAIRN_ERR_INVALID, "alternate "
			    "'%s' leads back to this repository", path);
			break;
		}
		/* cur is the depth-th alternate below the new link. */
		if (depth > ALTERNATE_DEPTH) {
			err = cairn_error_new(CAIRN_ERR_INVALID, "alternate "
			    "'%s' ends a chain too long (at most %d "
			    "alternates below a repository)", path,
			    ALTERNATE_DEPTH);
			break;
		}
		snprintf(cfgpath, sizeof(cfgpath), "%s/config", cur);
		cairn_buf_reset(&text);
		if (cairn_file_slurp(cairn_vfs_posix(), cfgpath,
		    CAIRN_CONFIG_MAX, &text) != NULL ||
		    cairn_config_parse_buf(&cfg, text.data ? (char *)text.data :
		    "", text.len, cfgpath) != NULL)
			break;
		next = cairn_config_get(&cfg, "core.alternate");
		if (next == NULL || realpath(next, cur) == NULL) {
			cairn_config_release(&cfg);
			break;
		}
		cairn_config_release(&cfg);
	}
	cairn_buf_release(&text);
	return err;
}

static const struct cairn_error *
check_alternate(const char *path, int algo, char *abs, const char *self)
{
	const struct cairn_error *err;
	struct cairn_repo *r;
	int other;

	if (cairn_rados_url(path) || cairn_rados_url(self)) {
		if (strlen(path) >= PATH_MAX)
			return cairn_error_new(CAIRN_ERR_INVALID,
			    "alternate '%s': name too long", path);
		if (self != NULL && strcmp(path, self) == 0)
			return cairn_error_new(CAIRN_ERR_INVALID, "alternate "
			    "'%s' leads back to this repository", path);
		strcpy(abs, path);
	} else if (realpath(path, abs) == NULL)
		return cairn_error_new(CAIRN_ERR_INVALID, "alternate '%s': %s",
		    path, strerror(errno));
	if ((err = cairn_repo_open(abs, CAIRN_OPEN_READ_ONLY, &r)) != NULL)
		return cairn_error_relabel(err, CAIRN_ERR_INVALID,
		    "alternate '%s': %s", path, err->msg);
	other = cairn_repo_hash_algo(r);
	cairn_repo_close(r);
	if (!cairn_rados_url(abs) && (err = check_chain(abs, self)) != NULL)
		return err;
	if (other != algo)
		return cairn_error_new(CAIRN_ERR_INVALID, "alternate '%s' uses "
		    "%s ids, not %s", path, cairn_hash_name(other),
		    cairn_hash_name(algo));
	return NULL;
}

const struct cairn_error *
cairn_repo_init(const char *path, const struct cairn_init_opts *opts)
{
	return cairn_repo_init_vfs(path, opts, cairn_vfs_default());
}

/*
 * Undo a failed init: remove what cairn_disk_create makes (nothing else
 * was there: the directory was empty), then the directory if init made
 * it.  Best effort: a failure leaves a directory that is no repository
 * (it has no manifest) and that init refuses as not empty.
 */
static void
init_undo(struct cairn_vfs *vfs, const char *path, int made)
{
	static const char *const files[] = { "manifest", "objects.2.wal",
	    "objects.1.data", "config", "gc.lock", "lock" };
	static const char *const dirs[] = { "index", "refs", "tmp" };
	struct cairn_buf b = { 0 };
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		cairn_buf_reset(&b);
		if (cairn_buf_printf(&b, "%s/%s", path, files[i]) == NULL)
			vfs->unlink(vfs, (char *)b.data);
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		cairn_buf_reset(&b);
		if (cairn_buf_printf(&b, "%s/%s", path, dirs[i]) == NULL)
			vfs->rmdir(vfs, (char *)b.data);
	}
	cairn_buf_release(&b);
	if (made)
		vfs->rmdir(vfs, path);
}

const struct cairn_error *
cairn_repo_init_vfs(const char *path, const struct cairn_init_opts *opts,
    struct cairn_vfs *vfs)
{
	static const struct cairn_init_opts defaults = CAIRN_INIT_OPTS_INIT;
	const struct cairn_error *err;
	struct cairn_init_opts o;
	struct cairn_buf cfg = { 0 };
	char alt[PATH_MAX];
	enum cairn_hash_algo algo;
	int made, level;

	if ((err = cairn_sized_in(&o, sizeof(o), &defaults, opts,
	    "cairn_init_opts")) != NULL)
		return err;
	algo = o.hash_algo ? o.hash_algo : CAIRN_HASH_SHA256;
	level = o.compression >= 0 ? o.compression : 1;
	if (cairn_hash_name(algo) == NULL)
		return cairn_error_new(CAIRN_ERR_INVALID, "unknown hash algorithm");
	if (level > 9)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "compression level must be 0 to 9");
	if (o.shared != CAIRN_SHARED_UMASK && o.shared != CAIRN_SHARED_GROUP)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "unknown sharing mode %d", o.shared);
	if (o.shared == CAIRN_SHARED_GROUP && cairn_rados_url(path))
		return cairn_error_new(CAIRN_ERR_USAGE, "'%s': a repository in "
		    "RADOS cannot be shared by group (file modes are a disk "
		    "repository's)", path);
	if (o.alternate != NULL &&
	    (err = check_alternate(o.alternate, algo, alt, NULL)) != NULL)
		return err;
	if (cairn_rados_url(path)) {
		err = cairn_buf_printf(&cfg, "# cairn repository configuration\n"
		    "core.formatVersion = 1\nobject.format = %s\n"
		    "core.compression = %d\n", cairn_hash_name(algo), level);
		if (err == NULL && o.alternate != NULL)
			err = cairn_buf_printf(&cfg, "core.alternate = %s\n",
			    alt);
		if (err == NULL)
			err = cairn_rados_create(path, algo, (char *)cfg.data,
			    cfg.len);
		cairn_buf_release(&cfg);
		return err;
	}
	if ((err = init_dir(vfs, path, &made)) != NULL)
		return err;
	/*
	 * Shared: the directory first, so that everything made in it
	 * (vfs.h, group sharing) is the group's too.
	 */
	if (o.shared == CAIRN_SHARED_GROUP)
		err = cairn_file_share_dir(vfs, path);
	else
		err = cairn_file_keep_dir(vfs, path);
	if (err == NULL)
		err = cairn_buf_printf(&cfg, "# cairn repository configuration"
		    "\ncore.formatVersion = 1\nobject.format = %s\n"
		    "core.compression = %d\n", cairn_hash_name(algo), level);
	if (err == NULL && o.alternate != NULL)
		err = cairn_buf_printf(&cfg, "core.alternate = %s\n", alt);
	if (err == NULL && o.shared == CAIRN_SHARED_GROUP)
		err = cairn_buf_printf(&cfg, "core.sharedRepository = group\n");
	if (err == NULL)
		err = cairn_disk_create(path, algo, vfs, (char *)cfg.data,
		    cfg.len);
	if (err == NULL)
		err = cairn_file_sync_dir(vfs, path);
	if (err == NULL)
		err = sync_parent(vfs, path);
	cairn_buf_release(&cfg);
	if (err != NULL)
		init_undo(vfs, path, made);
	return err;
}

const struct cairn_error *
cairn_repo_find(const char *start, char **out)
{
	char dir[PATH_MAX], cand[PATH_MAX + 16], *slash;
	struct stat st;

	if (realpath(start, dir) == NULL)
		return cairn_error_sys(errno, "resolve '%s'", start);
	for (;;) {
		snprintf(cand, sizeof(cand), "%s/.cairn",
		    strcmp(dir, "/") == 0 ? "" : dir);
		if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode)) {
			if ((*out = strdup(cand)) == NULL)
				return cairn_error_nomem();
			return NULL;
		}
		if (strcmp(dir, "/") == 0)
			break;
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	return cairn_error_new(CAIRN_ERR_NOT_REPO,
	    "not a cairn repository (or any parent up to /): '%s'", start);
}

/* Open. */

/*
 * err, from reading path's config, unless path has no manifest: the
 * manifest is the last file init makes, so without one this is no
 * repository (perhaps an init that failed), whatever its config says.
 */
static const struct cairn_error *
unfinished(struct cairn_repo *r, const struct cairn_error *err)
{
	struct cairn_buf path = { 0 };
	struct stat st;

	if (err->code != CAIRN_ERR_NOT_REPO && !cairn_rados_url(r->path) &&
	    cairn_buf_printf(&path, "%s/manifest", r->path) == NULL &&
	    r->vfs->lstat(r->vfs, (char *)path.data, &st) != 0 &&
	    errno == ENOENT)
		err = cairn_error_new(CAIRN_ERR_NOT_REPO,
		    "not a cairn repository: '%s'", r->path);
	cairn_buf_release(&path);
	return err;
}

static const struct cairn_error *
load_config(struct cairn_repo *r)
{
	const struct cairn_error *err;
	struct cairn_buf path = { 0 }, text = { 0 };

	if ((err = cairn_buf_printf(&path, "%s/config", r->path)) != NULL)
		return err;
	if (cairn_rados_url(r->path))
		err = cairn_rados_config_read(r->path, &text);
	else
		err = cairn_file_slurp(r->vfs, (char *)path.data,
		    CAIRN_CONFIG_MAX, &text);
	if (err != NULL && (err->code == CAIRN_ERR_NOT_FOUND ||
	    err->sys_errno == ENOTDIR))
		err = cairn_error_new(CAIRN_ERR_NOT_REPO,
		    "not a cairn repository: '%s'", r->path);
	if (err == NULL)
		err = cairn_config_parse_buf(&r->cfg, text.data ?
		    (char *)text.data : "", text.len, (char *)path.data);
	cairn_buf_release(&path);
	cairn_buf_release(&text);
	return err;
}

static const struct cairn_error *open_with(struct cairn_repo **out,
    const char *path, const struct cairn_open_opts *o, struct cairn_vfs *vfs,
    int depth);
static const struct cairn_error *open_url(struct cairn_repo **out,
    const char *url, const struct cairn_open_opts *o);

/*
 * The alternate named by core.alternate, opened read-only, layered under
 * the base backend.  Its own alternates come along (to a bounded depth).
 */
static const struct cairn_error *
add_alternate(struct cairn_repo *r, int depth)
{
	const struct cairn_error *err;
	struct cairn_open_opts lo = CAIRN_OPEN_OPTS_INIT;
	struct cairn_repo *lower;
	const char *alt = cairn_config_get(&r->cfg, "core.alternate");

	if (alt == NULL || r->path == NULL)
		return NULL;
	if (cairn_http_url(r->path))
		return cairn_error_new(CAIRN_ERR_INVALID, "'%s' reads objects "
		    "from an alternate, which is not followed over HTTP",
		    r->path);
	if (depth >= ALTERNATE_DEPTH)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "alternates nested too deep (a loop?) at '%s'", alt);
	lo.flags = CAIRN_OPEN_READ_ONLY;
	if ((err = open_with(&lower, alt, &lo, r->vfs, depth + 1)) != NULL)
		return cairn_error_relabel(err, CAIRN_ERR_NONE,
		    "alternate '%s': %s", alt, err->msg);
	/* Take the lower's backend stack; the handle itself goes. */
	if (cairn_rados_url(r->path))
		cairn_rados_set_lower(r->base, lower->be);
	else
		cairn_disk_set_lower(r->base, lower->be);
	err = cairn_wrap_layered(&r->be, r->be, lower->be);
	lower->be = lower->base = NULL;
	cairn_repo_close(lower);
	if (err == NULL) {
		long long fill;

		err = cairn_config_number(&fill, &r->cfg, "core.alternateCache");
		r->fill = fill == 1 && r->base_writable;
	}
	return err;
}

/* Wrappers over the base backend, as the options ask. */
static const struct cairn_error *
stack(struct cairn_repo *r, const struct cairn_open_opts *o, int depth)
{
	const struct cairn_error *err;

	r->be = r->base;
	if ((err = add_alternate(r, depth)) != NULL) {
		r->be = r->base = NULL;
		return err;
	}
	if (o->cache_bytes > 0 &&
	    (err = cairn_wrap_cached(&r->be, r->be, o->cache_bytes)) != NULL) {
		r->be = r->base = NULL;
		return err;
	}
	if ((o->flags & CAIRN_OPEN_READ_ONLY) &&
	    (err = cairn_wrap_readonly(&r->be, r->be)) != NULL) {
		r->be = r->base = NULL;
		return err;
	}
	return NULL;
}

/* Backend parameters from the config; bad values are errors, not defaults. */
static const struct cairn_error *
params(struct cairn_repo *r, struct cairn_backend_params *p)
{
	const struct cairn_error *err;
	const char *fmt = cairn_config_get(&r->cfg, "object.format");
	long long v;

	memset(p, 0, sizeof(*p));
	p->vfs = r->vfs;
	p->remote = cairn_http_url(r->path);
	p->read_only = (r->flags & CAIRN_OPEN_READ_ONLY) != 0;
	p->algo = fmt ? cairn_hash_parse(fmt) : 0;
	if (p->algo == 0)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s/config': bad or missing object.format", r->path);
	/* Defaults and ranges are the table's (config.c). */
	if ((err = cairn_config_number(&v, &r->cfg,
	    "core.formatVersion")) != NULL ||
	    (err = cairn_config_number(&v, &r->cfg,
	    "core.compression")) != NULL)
		return err;
	p->level = (int)v;
	if ((err = cairn_config_number(&p->lock_timeout_ms, &r->cfg,
	    "core.lockTimeout")) != NULL ||
	    (err = cairn_config_number(&p->wal_limit, &r->cfg,
	    "core.walLimit")) != NULL)
		return err;
	return cairn_config_number(&p->big_threshold, &r->cfg,
	    "core.bigFileThreshold");
}

const struct cairn_error *
cairn_repo_open(const char *path, unsigned flags, struct cairn_repo **out)
{
	struct cairn_open_opts o = CAIRN_OPEN_OPTS_INIT;

	o.flags = flags;
	return cairn_repo_open_opts(path, &o, out);
}

const struct cairn_error *
cairn_repo_open_vfs(const char *path, unsigned flags, struct cairn_vfs *vfs,
    struct cairn_repo **out)
{
	struct cairn_open_opts o = CAIRN_OPEN_OPTS_INIT;

	o.flags = flags;
	return open_with(out, path, &o, vfs, 0);
}

const struct cairn_error *
cairn_repo_open_opts(const char *path, const struct cairn_open_opts *opts,
    struct cairn_repo **out)
{
	static const struct cairn_open_opts defaults = CAIRN_OPEN_OPTS_INIT;
	const struct cairn_error *err;
	struct cairn_open_opts o = CAIRN_OPEN_OPTS_INIT;

	*out = NULL;
	if ((err = cairn_sized_in(&o, sizeof(o), &defaults, opts,
	    "cairn_open_opts")) != NULL)
		return err;
	if (path != NULL && !(o.flags & CAIRN_OPEN_MEMORY) &&
	    cairn_http_url(path))
		return open_url(out, path, &o);
	return open_with(out, path, &o, cairn_vfs_default(), 0);
}

/* A repository a web server serves, read through http.c. */
static const struct cairn_error *
open_url(struct cairn_repo **out, const char *url,
    const struct cairn_open_opts *o)
{
	const struct cairn_error *err;
	struct cairn_vfs *vfs;
	char *root;
	size_t len = strlen(url);

	if (!(o->flags & CAIRN_OPEN_READ_ONLY))
		return cairn_error_new(CAIRN_ERR_READ_ONLY, "'%s': a "
		    "repository over HTTP can only be opened read-only", url);
	while (len > 0 && url[len - 1] == '/')
		len--;
	if ((root = strndup(url, len)) == NULL)
		return cairn_error_nomem();
	if ((err = cairn_vfs_http_new(&vfs)) == NULL) {
		if ((err = open_with(out, root, o, vfs, 0)) == NULL)
			(*out)->own_vfs = vfs;
		else
			cairn_vfs_http_free(vfs);
	}
	free(root);
	return err;
}

/*
 * A writer open of a repository owned by someone else is refused before
 * anything is written (opening for writing may already recover the WAL).
 * Read-only opens (alternates always are) work on any repository that
 * can be read.
 */
static const struct cairn_error *
writable_here(const struct cairn_repo *r)
{
	if ((r->flags & CAIRN_OPEN_READ_ONLY) || cairn_rados_url(r->path))
		return NULL;
	return cairn_file_check_owner(r->path);
}

/*
 * A read cache in front of an alternate (core.alternateCache = 1) keeps
 * what is read: its own backend is opened for writing even under a
 * read-only handle, when this user may write it (the handle still
 * refuses every write of the caller).
 */
static void
cache_writable(struct cairn_repo *r, struct cairn_backend_params *p,
    int depth)
{
	long long fill;

	r->base_writable = !p->read_only;
	/* An alternate is never written, cache or not. */
	if (!p->read_only || depth > 0 ||
	    cairn_config_get(&r->cfg, "core.alternate") ==
	    NULL || cairn_config_number(&fill, &r->cfg,
	    "core.alternateCache") != NULL || fill != 1 || p->remote)
		return;
	if (!cairn_rados_url(r->path) && cairn_file_check_owner(r->path) !=
	    NULL)
		return;
	p->read_only = 0;
	r->base_writable = 1;
}

static const struct cairn_error *
open_with(struct cairn_repo **out, const char *path,
    const struct cairn_open_opts *o, struct cairn_vfs *vfs, int depth)
{
	const struct cairn_error *err;
	struct cairn_backend_params p;
	struct cairn_repo *r;
	unsigned flags = o->flags;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return cairn_error_nomem();
	pthread_rwlock_init(&r->lock, NULL);
	r->flags = flags;
	r->vfs = vfs;
	if (flags & CAIRN_OPEN_MEMORY) {
		memset(&p, 0, sizeof(p));
		p.algo = flags & CAIRN_OPEN_SHA1 ? CAIRN_HASH_SHA1 :
		    CAIRN_HASH_SHA256;
		p.level = 1;
		p.big_threshold = 1 << 20;
		p.read_only = (flags & CAIRN_OPEN_READ_ONLY) != 0;
		err = cairn_memory_open(&r->base, &p);
	} else if (path == NULL || (r->path = strdup(path)) == NULL)
		err = path ? cairn_error_nomem() : cairn_error_new(
		    CAIRN_ERR_USAGE, "no repository path");
	else if ((err = load_config(r)) == NULL &&
	    (err = writable_here(r)) == NULL &&
	    (err = params(r, &p)) == NULL) {
		cache_writable(r, &p, depth);
		err = cairn_rados_url(path) ? cairn_rados_open(&r->base, path,
		    &p) : cairn_disk_open(&r->base, path, &p);
	}
	else
		err = unfinished(r, err);
	if (err == NULL)
		err = stack(r, o, depth);
	if (err != NULL) {
		cairn_repo_close(r);
		return err;
	}
	*out = r;
	return NULL;
}

void
cairn_repo_set_progress(struct cairn_repo *r, cairn_progress_fn fn, void *arg)
{
	r->base->progress = fn;
	r->base->progress_arg = arg;
}

void
cairn_repo_progress(struct cairn_repo *r, const char *phase, uint64_t done,
    uint64_t total)
{
	if (r->base->progress != NULL)
		r->base->progress(r->base->progress_arg, phase, done, total);
}

void
cairn_repo_close(struct cairn_repo *r)
{
	if (r == NULL)
		return;
	if (r->be != NULL)
		r->be->ops->close(r->be);
	else if (r->base != NULL)
		r->base->ops->close(r->base);
	while (mine(r) && r->depth > 0)	/* closed inside a batch */
		wr_unlock(r);
	pthread_rwlock_destroy(&r->lock);
	cairn_config_release(&r->cfg);
	cairn_vfs_http_free(r->own_vfs);
	free(r->path);
	free(r);
}

enum cairn_hash_algo
cairn_repo_hash_algo(const struct cairn_repo *r)
{
	return r->be->algo;
}

const char *
cairn_repo_notice(const struct cairn_repo *r)
{
	return r->be->ops->notice(r->be);
}

/*
 * After a miss: catch up with other processes, and say whether there was
 * anything new (then the caller asks again).  Not inside our own batch.
 */
static int
caught_up(struct cairn_repo *r, const struct cairn_error *err)
{
	struct timespec ts;
	uint64_t now, last;
	int changed = 0;

	if (err == NULL || err->code != CAIRN_ERR_NOT_FOUND || mine(r) ||
	    r->be->ops->refresh == NULL)
		return 0;
	/*
	 * At most one look every REFRESH_NS: a stream of misses (existence
	 * checks) costs no system calls, and a commit is seen at most that
	 * long after it returned.
	 */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	last = __atomic_load_n(&r->refreshed, __ATOMIC_RELAXED);
	if (now - last < REFRESH_NS)
		return 0;
	__atomic_store_n(&r->refreshed, now, __ATOMIC_RELAXED);
	wr_lock(r);
	if (r->be->ops->refresh(r->be, &changed) != NULL)
		changed = 0;
	wr_unlock(r);
	return changed;
}

/* Objects. */

/* A batch call from a thread that has no batch open on the handle. */
static const struct cairn_error *
no_batch(const struct cairn_repo *r)
{
	if (r->flags & CAIRN_OPEN_READ_ONLY)
		return cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	return cairn_error_new(CAIRN_ERR_USAGE, "no batch is open on this "
	    "handle in this thread");
}

const struct cairn_error *
cairn_batch_begin(struct cairn_repo *r)
{
	const struct cairn_error *err;

	wr_lock(r);
	if ((err = r->be->ops->begin(r->be)) != NULL)
		wr_unlock(r);
	return err;
}

const struct cairn_error *
cairn_batch_add(struct cairn_repo *r, enum cairn_otype type, const void *data, size_t len,
    struct cairn_oid *out)
{
	const struct cairn_error *err;
	unsigned check;

	if (!mine(r))
		return no_batch(r);
	check = (r->flags & CAIRN_OPEN_LITERALLY) ? CAIRN_CHECK_LITERALLY : 0;
	if ((err = cairn_object_check_flags(type, data, len, r->be->algo,
	    check)) != NULL)
		return err;
	return r->be->ops->write(r->be, out, type, data, len);
}

/* Trees, commits and tags are validated whole: read them into memory. */
static const struct cairn_error *
add_checked_stream(struct cairn_repo *r, struct cairn_oid *out, int type,
    cairn_read_fn read, void *arg, int64_t size)
{
	const struct cairn_error *err = NULL;
	struct cairn_buf b = { 0 };
	ssize_t n;

	for (;;) {
		if (b.len > NONBLOB_MAX) {
			err = cairn_error_new(CAIRN_ERR_INVALID,
			    "%s object larger than %d MiB",
			    cairn_otype_name(type), NONBLOB_MAX >> 20);
			goto done;
		}
		if ((err = cairn_buf_grow(&b, 65536)) != NULL)
			goto done;
		if ((n = read(arg, b.data + b.len, 65536)) < 0) {
			err = cairn_error_sys(errno, "read object content");
			goto done;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
	}
	if (size >= 0 && (uint64_t)size != b.len)
		err = cairn_error_new(CAIRN_ERR_INVALID,
		    "content is %zu bytes, expected %lld", b.len,
		    (long long)size);
	else
		err = cairn_batch_add(r, type, b.data, b.len, out);
done:
	cairn_buf_release(&b);
	return err;
}

/*
 * The caller's read function, checked: a count larger than the buffer
 * (or below -1) would have the backend store, or run past, memory the
 * caller never filled.  It fails the read instead (EINVAL), and the
 * error says why.
 */
struct checked_read {
	cairn_read_fn read;
	void *arg;
	int bad;
};

static ssize_t
checked_read(void *arg, void *buf, size_t len)
{
	struct checked_read *c = arg;
	ssize_t n = c->read(c->arg, buf, len);

	if (n < -1 || (n > 0 && (size_t)n > len)) {
		c->bad = 1;
		errno = EINVAL;
		return -1;
	}
	return n;
}

const struct cairn_error *
cairn_batch_add_stream(struct cairn_repo *r, enum cairn_otype type, cairn_read_fn read,
    void *arg, int64_t size, struct cairn_oid *out)
{
	const struct cairn_error *err;
	struct checked_read c = { read, arg, 0 };

	if (!mine(r))
		return no_batch(r);
	if (type != CAIRN_OBJ_BLOB)
		err = add_checked_stream(r, out, type, checked_read, &c, size);
	else
		err = r->be->ops->write_stream(r->be, out, type, checked_read,
		    &c, size);
	if (err != NULL && c.bad)
		err = cairn_error_new(CAIRN_ERR_USAGE, "the read function "
		    "returned more bytes than it was asked for");
	return err;
}

const struct cairn_error *
cairn_batch_commit(struct cairn_repo *r)
{
	const struct cairn_error *err;

	if (!mine(r))
		return no_batch(r);
	err = r->be->ops->commit(r->be);
	wr_unlock(r);
	return err;
}

void
cairn_batch_abort(struct cairn_repo *r)
{
	if (!mine(r))
		return;
	r->be->ops->abort(r->be);
	wr_unlock(r);
}

const struct cairn_error *
cairn_object_put(struct cairn_repo *r, enum cairn_otype type, const void *data, size_t len,
    struct cairn_oid *out)
{
	const struct cairn_error *err;

	if ((err = cairn_batch_begin(r)) != NULL)
		return err;
	if ((err = cairn_batch_add(r, type, data, len, out)) != NULL) {
		cairn_batch_abort(r);
		return err;
	}
	return cairn_batch_commit(r);
}

/*
 * core.alternateCache: an object just read that this repository lacks
 * (so it came from the alternate) is stored here, in a batch of its own,
 * so the next read is served here.  A cache: a failure to store it is
 * no failure of the read.  Not inside the caller's own batch.
 */
static void
fill_cache(struct cairn_repo *r, const struct cairn_oid *id, int type,
    const unsigned char *data, size_t len)
{
	struct cairn_backend *b = r->base;
	struct cairn_oid got;
	uint64_t size;
	int t;

	if (!r->fill || mine(r))
		return;
	wr_lock(r);
	if (b->ops->stat(b, id, &t, &size) != NULL && b->ops->begin(b) ==
	    NULL) {
		if (b->ops->write(b, &got, type, data, len) != NULL ||
		    b->ops->commit(b) != NULL)
			b->ops->abort(b);
	}
	wr_unlock(r);
}

const struct cairn_error *
cairn_object_get(struct cairn_repo *r, const struct cairn_oid *id,
    unsigned flags, enum cairn_otype *type, unsigned char **data, size_t *len)
{
	const struct cairn_error *err;
	struct cairn_buf b = { 0 };
	int t;

	do {
		rd_lock(r);
		err = r->be->ops->read(r->be, id, flags, &t, &b);
		rd_unlock(r);
	} while (caught_up(r, err));
	if (err == NULL)
		*type = (enum cairn_otype)t;
	if (err == NULL)
		err = cairn_buf_append(&b, "", 1);
	if (err != NULL) {
		cairn_buf_release(&b);
		return err;
	}
	*data = cairn_buf_detach(&b, len);
	(*len)--;
	fill_cache(r, id, t, *data, *len);
	return NULL;
}

const struct cairn_error *
cairn_object_get_stream(struct cairn_repo *r, const struct cairn_oid *id,
    unsigned flags, cairn_write_fn write, void *arg)
{
	const struct cairn_error *err;
	uint64_t size;
	int t;

	/* To be kept, it is read whole first (then from here). */
	if (r->fill && !mine(r) &&
	    r->base->ops->stat(r->base, id, &t, &size) != NULL) {
		enum cairn_otype type;
		unsigned char *data;
		size_t len;

		if (cairn_object_get(r, id, flags, &type, &data, &len) == NULL)
			free(data);
	}

	do {
		rd_lock(r);
		err = r->be->ops->read_stream(r->be, id, flags, write, arg);
		rd_unlock(r);
	} while (caught_up(r, err));
	return err;
}

const struct cairn_error *
cairn_object_stat(struct cairn_repo *r, const struct cairn_oid *id,
    enum cairn_otype *type, uint64_t *size)
{
	const struct cairn_error *err;
	uint64_t s;
	int t;

	do {
		rd_lock(r);
		err = r->be->ops->stat(r->be, id, &t, size ? size : &s);
		rd_unlock(r);
	} while (caught_up(r, err));
	if (err == NULL && type != NULL)
		*type = (enum cairn_otype)t;
	return err;
}

void
cairn_object_prefetch(struct cairn_repo *r, const struct cairn_oid *ids,
    size_t n)
{
	if (r->be->ops->version < 4 || r->be->ops->prefetch == NULL || n == 0)
		return;
	rd_lock(r);
	r->be->ops->prefetch(r->be, ids, n);
	rd_unlock(r);
}

const struct cairn_error *
cairn_object_exists(struct cairn_repo *r, const struct cairn_oid *id)
{
	return cairn_object_stat(r, id, NULL, NULL);
}

/*
 * The ids cairn_object_each gathers, idlen bytes each, one after the
 * other.  Where growing the array fails, the gathering stops (nomem).
 */
struct id_list {
	unsigned char *v;
	size_t n, cap, idlen;
	int nomem;
};

static int
gather(void *arg, const unsigned char *id)
{
	struct id_list *l = arg;
	unsigned char *nv;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap + l->cap / 2 + 4096;
		if (cap > SIZE_MAX / l->idlen ||
		    (nv = realloc(l->v, cap * l->idlen)) == NULL) {
			l->nomem = 1;
			return 1;
		}
		l->v = nv;
		l->cap = cap;
	}
	memcpy(l->v + l->n++ * l->idlen, id, l->idlen);
	return 0;
}

/* qsort has no argument for the length: one comparison per hash. */
static int
cmp_sha1(const void *a, const void *b)
{
	return memcmp(a, b, 20);
}

static int
cmp_sha256(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

const struct cairn_error *
cairn_object_each(struct cairn_repo *r, cairn_object_fn fn, void *arg)
{
	const struct cairn_error *err;
	struct id_list l = { NULL, 0, 0, 0, 0 };
	struct cairn_oid id;
	size_t i;
	int changed = 0;

	l.idlen = cairn_hash_len(r->be->algo);
	if (r->be->ops->version < 2 || r->be->ops->each == NULL)
		return cairn_error_new(CAIRN_ERR_USAGE, "this repository "
		    "cannot list its objects");
	/* What other processes committed up to now is listed too. */
	if (!mine(r) && r->be->ops->refresh != NULL) {
		wr_lock(r);
		err = r->be->ops->refresh(r->be, &changed);
		wr_unlock(r);
		if (err != NULL)
			return err;
	}
	rd_lock(r);
	err = r->be->ops->each(r->be, gather, &l);
	rd_unlock(r);
	if (err == NULL && l.nomem)
		err = cairn_error_nomem();
	if (err == NULL && l.n > 1)
		qsort(l.v, l.n, l.idlen, l.idlen == 20 ? cmp_sha1 : cmp_sha256);
	for (i = 0; err == NULL && i < l.n; i++) {
		if (i > 0 && memcmp(l.v + i * l.idlen, l.v + (i - 1) *
		    l.idlen, l.idlen) == 0)
			continue;
		cairn_oid_set(l.v + i * l.idlen, l.idlen, &id);
		if (fn(arg, &id) != 0)
			break;
	}
	free(l.v);
	return err;
}

const struct cairn_error *
cairn_object_resolve(struct cairn_repo *r, const char *name,
    struct cairn_oid *out)
{
	const struct cairn_error *err;
	struct cairn_oid m[2];
	size_t len = strlen(name), full = 2 * cairn_hash_len(r->be->algo);
	int n;

	if (len == full && cairn_hex_valid(name, len))
		return cairn_oid_parse(r->be->algo, name, len, out);
	if (cairn_refname_check(name, len) == NULL) {
		err = cairn_ref_get(r, name, out);
		if (err == NULL || err->code != CAIRN_ERR_NOT_FOUND)
			return err;
	}
	if (len < 4 || len > full || !cairn_hex_valid(name, len)) {
		/* A well-formed name that names nothing is just not there. */
		if (cairn_refname_check(name, len) == NULL)
			return cairn_error_new(CAIRN_ERR_NOT_FOUND,
			    "'%s' is neither a ref nor an object", name);
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "not a valid object name: '%s'", name);
	}
	rd_lock(r);
	err = r->be->ops->prefix(r->be, name, len, m, &n);
	rd_unlock(r);
	if (err == NULL && n == 0 && caught_up(r, cairn_error_new(
	    CAIRN_ERR_NOT_FOUND, "not found"))) {
		rd_lock(r);
		err = r->be->ops->prefix(r->be, name, len, m, &n);
		rd_unlock(r);
	}
	if (err != NULL)
		return err;
	if (n == 0)
		return cairn_error_new(CAIRN_ERR_NOT_FOUND,
		    "object '%s' not found", name);
	if (n > 1)
		return cairn_error_new(CAIRN_ERR_AMBIGUOUS,
		    "short object id '%s' is ambiguous", name);
	*out = m[0];
	return NULL;
}

/* Refs. */

const struct cairn_error *
cairn_ref_name_check(const char *name)
{
	return cairn_refname_check(name, strlen(name));
}

/*
 * A ref just read may name an object another process committed within
 * the last REFRESH_NS: the next miss looks again whatever the time, so
 * that what a ref names is found.
 */
static void
ref_read(struct cairn_repo *r)
{
	__atomic_store_n(&r->refreshed, 0, __ATOMIC_RELAXED);
}

const struct cairn_error *
cairn_ref_get(struct cairn_repo *r, const char *name, struct cairn_oid *out)
{
	const struct cairn_error *err;

	rd_lock(r);
	err = r->be->ops->ref_get(r->be, name, out);
	rd_unlock(r);
	ref_read(r);
	return err;
}

const struct cairn_error *
cairn_ref_stat(struct cairn_repo *r, const char *name, struct cairn_oid *out,
    int64_t *time)
{
	const struct cairn_error *err;

	rd_lock(r);
	err = cairn_ref_stat_below(r->be, name, out, time);
	rd_unlock(r);
	ref_read(r);
	return err;
}

const struct cairn_error *
cairn_ref_transaction(struct cairn_repo *r, const struct cairn_ref_update *u,
    size_t n)
{
	if (r->flags & CAIRN_OPEN_READ_ONLY)
		return cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	const struct cairn_error *err;

	wr_lock(r);
	err = r->be->ops->ref_update(r->be, u, n);
	wr_unlock(r);
	return err;
}

const struct cairn_error *
cairn_ref_list_publish(struct cairn_repo *r)
{
	const struct cairn_error *err;

	if (r->flags & CAIRN_OPEN_READ_ONLY)
		return cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	if (r->be->ops->version < 3 || r->be->ops->publish_refs == NULL)
		return cairn_error_new(CAIRN_ERR_USAGE, "this repository "
		    "keeps no list of refs");
	wr_lock(r);
	err = r->be->ops->publish_refs(r->be);
	wr_unlock(r);
	return err;
}

static const struct cairn_error *
ref_one(struct cairn_repo *r, int op, const char *name,
    const struct cairn_oid *new_id, const struct cairn_oid *old)
{
	struct cairn_ref_update u;

	memset(&u, 0, sizeof(u));
	u.op = op;
	u.name = name;
	if (new_id != NULL)
		u.new_id = *new_id;
	if (old != NULL) {
		u.has_old = 1;
		u.old_id = *old;
	}
	return cairn_ref_transaction(r, &u, 1);
}

const struct cairn_error *
cairn_ref_set(struct cairn_repo *r, const char *name,
    const struct cairn_oid *new_id, const struct cairn_oid *old)
{
	return ref_one(r, CAIRN_REF_SET, name, new_id, old);
}

const struct cairn_error *
cairn_ref_create(struct cairn_repo *r, const char *name,
    const struct cairn_oid *new_id)
{
	return ref_one(r, CAIRN_REF_CREATE, name, new_id, NULL);
}

const struct cairn_error *
cairn_ref_delete(struct cairn_repo *r, const char *name,
    const struct cairn_oid *old)
{
	return ref_one(r, CAIRN_REF_DELETE, name, NULL, old);
}

const struct cairn_error *
cairn_ref_list(struct cairn_repo *r, const char *prefix,
    int (*fn)(void *arg, const char *name, const struct cairn_oid *id),
    void *arg)
{
	const struct cairn_error *err;

	rd_lock(r);
	err = r->be->ops->ref_list(r->be, prefix, fn, arg);
	rd_unlock(r);
	ref_read(r);
	return err;
}

/* Maintenance. */

const struct cairn_error *
cairn_repo_gc(const char *path, const struct cairn_gc_opts *opts,
    struct cairn_gc_result *res)
{
	static const struct cairn_gc_opts defaults = CAIRN_GC_OPTS_INIT;
	const struct cairn_error *err;
	struct cairn_gc_result full = CAIRN_GC_RESULT_INIT;
	struct cairn_gc_opts o;
	struct cairn_repo *r;

	if (path == NULL)
		return cairn_error_new(CAIRN_ERR_USAGE, "no repository path");
	if ((err = cairn_sized_in(&o, sizeof(o), &defaults, opts,
	    "cairn_gc_opts")) != NULL ||
	    (err = cairn_sized_check(res, sizeof(*res), "cairn_gc_result")) !=
	    NULL)
		return err;
	if ((err = cairn_repo_open(path, 0, &r)) != NULL)
		return err;
	err = cairn_gc_handle(r, &o, &full);
	cairn_repo_close(r);
	cairn_sized_out(res, &full, sizeof(full));
	return err;
}

const struct cairn_error *
cairn_gc_handle(struct cairn_repo *r, const struct cairn_gc_opts *opts,
    struct cairn_gc_result *res)
{
	const struct cairn_error *err;

	if (r->flags & CAIRN_OPEN_READ_ONLY)
		return cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	if (r->be->ops->gc == NULL)
		return cairn_error_new(CAIRN_ERR_USAGE,
		    "gc applies to disk repositories only");
	if (opts->plan_n > 0 && (!opts->dry_run || opts->plan_refs == NULL ||
	    opts->plan_bytes == NULL))
		return cairn_error_new(CAIRN_ERR_USAGE, "a gc plan needs "
		    "dry_run, plan_refs and plan_bytes");
	wr_lock(r);
	err = r->be->ops->gc(r->be, opts, res);
	wr_unlock(r);
	return err;
}

const struct cairn_error *
cairn_repo_flush(struct cairn_repo *r)
{
	const struct cairn_error *err;

	wr_lock(r);
	err = r->be->ops->flush(r->be);
	wr_unlock(r);
	return err;
}

/* Count the refs cairn_ref_list passes. */
static int
count_ref(void *arg, const char *name, const struct cairn_oid *id)
{
	(void)name;
	(void)id;
	(*(uint64_t *)arg)++;
	return 0;
}

const struct cairn_error *
cairn_repo_stats(struct cairn_repo *r, struct cairn_repo_stats *given)
{
	const struct cairn_error *err;
	struct cairn_repo_stats full, *st = &full;

	if ((err = cairn_sized_check(given, sizeof(full),
	    "cairn_repo_stats")) != NULL)
		return err;
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->object_format = cairn_hash_name(r->be->algo);
	st->format_version = 1;
	rd_lock(r);
	err = r->be->ops->stats(r->be, st);
	rd_unlock(r);
	if (err != NULL)
		return err;
	/*
	 * The refs that a listing passes, as `ref list` shows them; what is
	 * under refs/ but no ref (which the listing reports) is not counted.
	 */
	(void)cairn_ref_list(r, NULL, count_ref, &st->refs);
	cairn_sized_out(given, st, sizeof(*st));
	return NULL;
}

/* Configuration. */

const char *
cairn_repo_cfg_value(struct cairn_repo *r, const char *key)
{
	return cairn_config_get(&r->cfg, key);
}

/*
 * Hold the writer lock's file while the config is rewritten, waiting at
 * most timeout_ms for it.
 */
static const struct cairn_error *
config_lock(struct cairn_repo *r, int *fd, long long timeout_ms)
{
	struct cairn_buf path = { 0 };
	const struct cairn_error *err = NULL;
	struct cairn_lock_wait w;

	if (cairn_buf_printf(&path, "%s/lock", r->path) != NULL)
		return cairn_error_nomem();
	*fd = r->vfs->open(r->vfs, (char *)path.data, O_RDWR | O_NOFOLLOW, 0);
	if (*fd == -1)
		err = cairn_error_sys(errno, "open '%s'", (char *)path.data);
	cairn_lock_wait_init(&w, timeout_ms);
	if (err == NULL)
		err = cairn_lock_take(r->vfs, *fd, LOCK_EX, &w,
		    (char *)path.data, "repository is locked by another writer");
	cairn_buf_release(&path);
	return err;
}

/*
 * After a failed update the handle keeps what the file holds, not a value
 * that was never written: read it again.  err stays the error reported,
 * saying so if even the file cannot be read (the handle's config is then
 * empty).
 */
static const struct cairn_error *
config_reread(struct cairn_repo *r, const struct cairn_error *err)
{
	const struct cairn_error *again;
	char first[512];

	snprintf(first, sizeof(first), "%s", err->msg);
	cairn_config_release(&r->cfg);
	if ((again = load_config(r)) != NULL)
		return cairn_error_relabel(err, CAIRN_ERR_NONE, "%s (and the "
		    "config cannot be read again: %s)", first, again->msg);
	return err;
}

const struct cairn_error *
cairn_repo_config_set(struct cairn_repo *r, const char *key, const char *value)
{
	const struct cairn_error *err;
	struct cairn_buf path = { 0 }, tmp = { 0 };
	struct cairn_backend_params p;
	char alt[PATH_MAX];
	long long timeout;
	int fd = -1;

	if (r->flags & CAIRN_OPEN_READ_ONLY)
		return cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	if (strcasecmp(key, "object.format") == 0 ||
	    strcasecmp(key, "core.formatVersion") == 0)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "'%s' cannot be changed after init", key);
	if (r->path == NULL)
		return cairn_config_set(&r->cfg, key, value);
	/* A bad value leaves the default in timeout, to wait with. */
	(void)cairn_config_number(&timeout, &r->cfg, "core.lockTimeout");
	if (!cairn_rados_url(r->path) &&
	    (err = config_lock(r, &fd, timeout)) != NULL)
		goto done;
	/* Re-read under the lock so a concurrent update is not lost. */
	cairn_config_release(&r->cfg);
	if ((err = load_config(r)) != NULL ||
	    (err = cairn_config_set(&r->cfg, key, value)) != NULL)
		goto done;
	/* A value the repository could not be opened with is refused. */
	if (strcasecmp(key, "core.alternate") == 0 &&
	    (err = check_alternate(value, r->be->algo, alt, r->path)) == NULL)
		err = cairn_config_set(&r->cfg, key, alt);
	if (err != NULL || (err = params(r, &p)) != NULL) {
		err = config_reread(r, cairn_error_relabel(err,
		    CAIRN_ERR_INVALID, NULL));
		goto done;
	}
	if (cairn_rados_url(r->path)) {
		if ((err = cairn_config_text(&tmp, &r->cfg)) == NULL)
			err = cairn_rados_config_write(r->path,
			    (char *)tmp.data, tmp.len);
	} else if ((err = cairn_buf_printf(&path, "%s/config", r->path)) ==
	    NULL && (err = cairn_buf_printf(&tmp, "%s/tmp", r->path)) == NULL)
		err = cairn_config_write(&r->cfg, r->vfs, (char *)tmp.data,
		    (char *)path.data);
	if (err != NULL)
		err = config_reread(r, err);
done:
	if (fd != -1)
		r->vfs->close(r->vfs, fd);
	cairn_buf_release(&path);
	cairn_buf_release(&tmp);
	return err;
}

void
cairn_repo_config_list(struct cairn_repo *r,
    int (*fn)(void *arg, const char *key, const char *value), void *arg)
{
	size_t i;

	for (i = 0; i < r->cfg.n; i++)
		if (fn(arg, r->cfg.items[i].key, r->cfg.items[i].value) != 0)
			return;
}
