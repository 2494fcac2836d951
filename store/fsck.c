/*
 * fsck.c: check every file of a disk repository, trusting none of them,
 * and repair what is derived (index segments, blooms, the manifest) or
 * garbage (torn WAL tails, stale locks, temporary and stray files).
 *
 * The check reads the files directly rather than through an open handle,
 * so it works on repositories too damaged to open.  The data file is
 * authoritative: every record in it is checked (frame, header CRC, data
 * CRC, content hash unless quick), and what the index and the WAL say is
 * checked against it.  Every open, read, write, sync, lock, rename and
 * removal goes through the repository's I/O layer (c->vfs), so the fault
 * and crash layers reach the check and the repair alike.  Findings are
 * collected in a list, each with a kind and a subject of parts (file,
 * offset, id, ref, config key); a repair acts under the writer lock,
 * then the whole check runs again, and a finding is "repaired" when no
 * finding of the same kind and subject is left, whatever its message.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bloom.h"
#include "buf.h"
#include "cairn.h"
#include "config.h"
#include "lock.h"
#include "encode.h"
#include "file.h"
#include "idset.h"
#include "manifest.h"
#include "record.h"
#include "refname.h"
#include "refs.h"
#include "repo_int.h"
#include "rados.h"
#include "segment.h"
#include "vfs.h"
#include "wal.h"
#include "zip.h"

#define STRAY_AGE 60		/* seconds before an unnamed file counts */

/* What a repair does about a finding, decided by identity, never by text. */
enum fix {
	FIX_NONE,
	FIX_DIR,		/* file: a directory to (re)create */
	FIX_FILE,		/* file: an empty lock file to (re)create */
	FIX_DATA_HEADER,	/* rewrite the data file's 16-byte header */
	FIX_LOST,		/* salvage: lost for good, never "repaired" */
	FIX_CONFIG,		/* write a config anew (object.format known) */
	FIX_QUARANTINE,		/* file: a directory where a file belongs */
};

/*
 * What a finding is about, by its parts (struct cairn_finding): a file
 * of the repository (and an offset in it), an object, a ref (or lock)
 * under refs/, a setting.  A finding's identity is its kind and these
 * parts: the repair, and the check after it that marks what was
 * repaired, compare nothing else (never the message).
 */
struct subject {
	const char *file;
	uint64_t offset;
	const unsigned char *id;
	const char *ref;
	const char *key;
};

#define NO_OFFSET CAIRN_FINDING_NO_OFFSET

static struct subject
in_file(const char *file)
{
	struct subject s = { file, NO_OFFSET, NULL, NULL, NULL };

	return s;
}

static struct subject
at_offset(const char *file, uint64_t offset)
{
	struct subject s = { file, offset, NULL, NULL, NULL };

	return s;
}

/* An object, and (file NULL: nowhere in particular) where it was seen. */
static struct subject
object_at(const unsigned char *id, const char *file, uint64_t offset)
{
	struct subject s = { file, offset, id, NULL, NULL };

	return s;
}

static struct subject
object(const unsigned char *id)
{
	return object_at(id, NULL, NO_OFFSET);
}

/* A ref or lock, by its name under refs/ ("" for refs/ itself). */
static struct subject
ref_named(const char *ref)
{
	struct subject s = { NULL, NO_OFFSET, NULL, ref, NULL };

	return s;
}

static struct subject
config_key(const char *key)
{
	struct subject s = { "config", NO_OFFSET, NULL, NULL, key };

	return s;
}

struct finding {
	struct cairn_finding f;
	enum fix fix;
	/* The subject's parts, owned (NULL: not part of it). */
	char *file, *ref, *key;
	uint64_t offset;
	struct cairn_oid id;
	int has_id;
	char *subject;		/* as printed */
	char message[512];
};

struct fsck {
	const char *root;
	struct cairn_vfs *vfs;
	unsigned flags;
	int algo;
	size_t idlen;
	struct cairn_buf findings;	/* struct finding */
	struct cairn_manifest man;
	int have_man;
	/* The data file, mapped whole. */
	const unsigned char *data;
	size_t data_len;
	uint64_t data_end;		/* end of the last valid record */
	struct cairn_buf wal;
	struct cairn_buf scratch;	/* content of one small object */
	unsigned threads;		/* that verify the data file */
	/*
	 * Every intact object: its value the offset of its record, its tag
	 * where (DATA or WAL), type and whether an index segment has been
	 * seen to point at the record (one set, not a second of every
	 * indexed id); see obj_where and the rest below.
	 */
	struct cairn_idset objs;
	struct cairn_fsck_result *res;
	cairn_progress_fn progress;
	void *arg;
	struct cairn_repo *alternate;	/* core.alternate, opened read-only */
	int rootfd;			/* the repository directory, or -1 */
	struct cairn_idset named;	/* ids some record or entry names */
	struct cairn_idset wanted;	/* missing ids a ref or link names */
	long long lock_timeout_ms;	/* core.lockTimeout, for --repair */
	/*
	 * The manifest was rebuilt from a guess (the highest-numbered
	 * files): a lower number no longer says a file is an old one.
	 */
	int guessed;
	/* The data file or WAL, if it exists but may not be read. */
	char unreadable[64];
	int unreadable_errno;
};

/*
 * An object's tag in c->objs: its type (bits 0-3), where its record is
 * (bits 4-5: enum cairn_mem_where) and, set once an index segment has
 * been seen to point at the record, INDEXED.
 */
#define TAG_TYPE 0x0f
#define TAG_WHERE_SHIFT 4
#define TAG_INDEXED 0x40

static unsigned
obj_type(const struct fsck *c, size_t at)
{
	return cairn_idset_tag(&c->objs, at) & TAG_TYPE;
}

static unsigned
obj_where(const struct fsck *c, size_t at)
{
	return (cairn_idset_tag(&c->objs, at) >> TAG_WHERE_SHIFT) & 3;
}

static int
obj_indexed(const struct fsck *c, size_t at)
{
	return (cairn_idset_tag(&c->objs, at) & TAG_INDEXED) != 0;
}

/* The offset of its record, in the data file or the WAL. */
static uint64_t
obj_loc(const struct fsck *c, size_t at)
{
	return cairn_idset_value(&c->objs, at);
}

static int
have_own(const struct fsck *c, const unsigned char *id)
{
	return cairn_idset_find(&c->objs, id) != CAIRN_IDSET_NONE;
}

/* Nonzero if the object is in the repository or its alternate. */
static int
have_object(struct fsck *c, const struct cairn_oid *id)
{
	return have_own(c, id->hash) ||
	    (c->alternate != NULL && cairn_object_exists(c->alternate, id) == NULL);
}

/* A missing object that a ref or a link names. */
static void
note_wanted(struct fsck *c, const struct cairn_oid *id)
{
	size_t at;

	/* Out of memory loses a note: a stray is then judged by number. */
	(void)cairn_idset_add(&c->wanted, id->hash, 0, 0, &at, NULL);
}

static const char *const kind_names[] = {
	NULL, "config", "manifest", "data", "object", "link", "index",
	"bloom", "wal", "ref", "lock", "tmp", "stray", "layout",
};

const char *
cairn_finding_kind_name(enum cairn_finding_kind kind)
{
	if ((size_t)kind >= sizeof(kind_names) / sizeof(kind_names[0]) ||
	    kind_names[kind] == NULL)
		return "unknown";
	return kind_names[kind];
}

static void
finding_free(struct finding *f)
{
	free(f->file);
	free(f->ref);
	free(f->key);
	free(f->subject);
}

/* Own copies of the subject's parts, and the subject as printed. */
static int
finding_subject(struct finding *f, const struct subject *s, size_t idlen)
{
	char hex[CAIRN_OID_HEXMAX + 1];
	size_t len;

	f->offset = s->offset;
	if (s->id != NULL) {
		cairn_oid_set(s->id, idlen, &f->id);
		f->has_id = 1;
	}
	if ((s->file != NULL && (f->file = strdup(s->file)) == NULL) ||
	    (s->ref != NULL && (f->ref = strdup(s->ref)) == NULL) ||
	    (s->key != NULL && (f->key = strdup(s->key)) == NULL))
		return -1;
	/* Printed: the ref, else the object, else the file[@offset]. */
	if (s->ref != NULL)
		f->subject = strdup(*s->ref ? s->ref : "refs/");
	else if (s->id != NULL)
		f->subject = strdup(cairn_oid_fmt(&f->id, hex));
	else if (s->file != NULL && s->offset != NO_OFFSET) {
		len = strlen(s->file) + 24;
		if ((f->subject = malloc(len)) != NULL)
			snprintf(f->subject, len, "%s@%llu", s->file,
			    (unsigned long long)s->offset);
	} else
		f->subject = strdup(s->file != NULL ? s->file : "");
	return f->subject == NULL ? -1 : 0;
}

static void
vfind(struct fsck *c, int error, int repairable, enum fix fix,
    enum cairn_finding_kind kind, struct subject s, const char *fmt,
    va_list ap)
{
	struct finding f;

	memset(&f, 0, sizeof(f));
	f.f.error = error;
	f.f.repairable = repairable;
	f.f.kind = kind;
	f.fix = fix;
	vsnprintf(f.message, sizeof(f.message), fmt, ap);
	/* Out of memory here loses a finding, never the check. */
	if (finding_subject(&f, &s, c->idlen) != 0 ||
	    cairn_buf_append(&c->findings, &f, sizeof(f)) != NULL)
		finding_free(&f);
}

static void
find(struct fsck *c, int error, int repairable, enum cairn_finding_kind kind,
    struct subject s, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
find(struct fsck *c, int error, int repairable, enum cairn_finding_kind kind,
    struct subject s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfind(c, error, repairable, FIX_NONE, kind, s, fmt, ap);
	va_end(ap);
}

/* An error salvage could not undo: an object or ref lost. */
static void
find_lost(struct fsck *c, enum cairn_finding_kind kind, struct subject s,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
find_lost(struct fsck *c, enum cairn_finding_kind kind, struct subject s,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfind(c, 1, 0, FIX_LOST, kind, s, fmt, ap);
	va_end(ap);
}

/* A repairable error whose repair is fix. */
static void
find_fix(struct fsck *c, enum fix fix, enum cairn_finding_kind kind,
    struct subject s, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
find_fix(struct fsck *c, enum fix fix, enum cairn_finding_kind kind,
    struct subject s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfind(c, 1, 1, fix, kind, s, fmt, ap);
	va_end(ap);
}

static void
findings_release(struct cairn_buf *b)
{
	struct finding *f = (struct finding *)b->data;
	size_t i, n = b->len / sizeof(*f);

	for (i = 0; i < n; i++)
		finding_free(&f[i]);
	cairn_buf_release(b);
}

/*
 * Remember that something names id (salvage reports the ones lost).
 * Only salvage asks, so only a salvage keeps the table.
 */
static void
note_named(struct fsck *c, const unsigned char *id)
{
	size_t at;

	if (!(c->flags & CAIRN_FSCK_SALVAGE))
		return;
	(void)cairn_idset_add(&c->named, id, 0, 0, &at, NULL);
}

static void
path_of(struct fsck *c, char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", c->root, name);
}

/*
 * Safe access to the repository's files.  Nothing of the repository is
 * followed through a symbolic link and nothing blocks: a file is opened
 * with O_NOFOLLOW|O_NONBLOCK (a FIFO then opens at once) and must be a
 * regular file; a directory is opened with O_DIRECTORY|O_NOFOLLOW,
 * relative to the directory above it, and what is in it is read and
 * removed relative to that descriptor.
 *
 * Every call that opens, reads, writes, syncs, locks, renames or
 * removes goes through c->vfs, so that the fault and crash layers reach
 * the check and the repair alike; only the listing of a directory
 * (readdir, on a duplicate of a descriptor the layer opened) is not a
 * call of the layer.  A directory is reached from the repository's
 * descriptor (rootfd), each component opened from the one above.
 */

/* Why open(2) of a repository file failed, for a finding. */
static const char *
open_why(int e)
{
	if (e == ELOOP || e == EMLINK)
		return "is a symbolic link";
	if (e == ENOTDIR)
		return "a directory above it is not a directory";
	/* What the I/O layer's open says of a FIFO, socket or device. */
	if (e == ENXIO)
		return "is not a regular file";
	if (e == EISDIR)
		return "is a directory";
	return strerror(e);
}

/*
 * Open the root-level or nested file rel for reading (or flags): -1 with
 * *why set if it cannot be opened or is no regular file.
 */
static int open_parent(struct fsck *c, const char *rel, const char **base);
static void close_parent(struct fsck *c, int fd);

static int
open_file(struct fsck *c, const char *rel, int flags, struct stat *st,
    const char **why)
{
	char path[4096];
	const char *base;
	int fd, pfd, e;

	flags |= O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	if (strchr(rel, '/') == NULL) {
		path_of(c, path, sizeof(path), rel);
		fd = c->vfs->open(c->vfs, path, flags, 0);
	} else if ((pfd = open_parent(c, rel, &base)) == -1)
		fd = -1;
	else {
		fd = c->vfs->openat(c->vfs, pfd, base, flags, 0);
		e = errno;
		close_parent(c, pfd);
		errno = e;
	}
	if (fd == -1) {
		*why = errno == ENOENT ? "does not exist" : open_why(errno);
		return -1;
	}
	if (c->vfs->fstat(c->vfs, fd, st) != 0) {
		e = errno;
		*why = strerror(e);
		c->vfs->close(c->vfs, fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		/* errno as open(2) would say it of a directory or FIFO */
		e = S_ISDIR(st->st_mode) ? EISDIR : ENXIO;
		*why = open_why(e);
		c->vfs->close(c->vfs, fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * Read the whole regular file rel, at most max bytes, into out: like
 * cairn_file_slurp, but never through a link and never blocking.
 */
static const struct cairn_error *
slurp(struct fsck *c, const char *rel, size_t max, struct cairn_buf *out)
{
	const struct cairn_error *err;
	struct stat st;
	const char *why;
	int fd, e;

	if ((fd = open_file(c, rel, O_RDONLY, &st, &why)) == -1) {
		e = errno;	/* the caller may ask why */
		err = cairn_error_new(e == ENOENT ? CAIRN_ERR_NOT_FOUND :
		    CAIRN_ERR_CORRUPT, "'%s' %s", rel, why);
		errno = e;
		return err;
	}
	err = (uint64_t)st.st_size > max ? cairn_error_new(CAIRN_ERR_CORRUPT,
	    "'%s' is too large (%llu bytes)", rel,
	    (unsigned long long)st.st_size) : NULL;
	if (err == NULL)
		err = cairn_buf_grow(out, (size_t)st.st_size + 1);
	if (err == NULL)
		err = cairn_file_pread(c->vfs, fd, out->data + out->len,
		    (size_t)st.st_size, 0, rel);
	if (err == NULL) {
		out->len += (size_t)st.st_size;
		out->data[out->len] = '\0';
	}
	c->vfs->close(c->vfs, fd);
	errno = err != NULL ? err->sys_errno : 0;	/* 0: not the system */
	return err;
}

/*
 * The directory that holds rel ("a/b/name": a, then b, each opened
 * relative to the one above, never through a link); *base points at
 * "name".  The repository's own descriptor for a name at the top: give
 * it back with close_parent.  -1 with errno if a directory on the way is
 * missing, a link or no directory.
 */
static int
open_parent(struct fsck *c, const char *rel, const char **base)
{
	char part[4096];
	const char *p = rel, *slash;
	int fd = c->rootfd, next, e;

	if (c->rootfd == -1) {
		errno = EBADF;
		return -1;
	}
	while ((slash = strchr(p, '/')) != NULL) {
		if ((size_t)(slash - p) >= sizeof(part)) {
			close_parent(c, fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(part, p, (size_t)(slash - p));
		part[slash - p] = '\0';
		next = c->vfs->openat(c->vfs, fd, part, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC, 0);
		e = errno;
		close_parent(c, fd);
		errno = e;
		if (next == -1)
			return -1;
		fd = next;
		p = slash + 1;
	}
	*base = p;
	return fd;
}

static void
close_parent(struct fsck *c, int fd)
{
	if (fd != -1 && fd != c->rootfd)
		c->vfs->close(c->vfs, fd);
}

/* Open directory rel ("" for the repository) through the I/O layer. */
static int
open_dir_fd(struct fsck *c, const char *rel)
{
	const char *base;
	int pfd, fd, e;

	if (*rel == '\0' && c->rootfd == -1) {
		errno = EBADF;
		return -1;
	}
	if (*rel == '\0')
		return fcntl(c->rootfd, F_DUPFD_CLOEXEC, 0);
	if ((pfd = open_parent(c, rel, &base)) == -1)
		return -1;
	fd = c->vfs->openat(c->vfs, pfd, base, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC, 0);
	e = errno;
	close_parent(c, pfd);
	errno = e;
	return fd;
}

/*
 * Open directory rel ("" for the repository) to list it: the listing
 * reads a duplicate of the descriptor the layer opened.  NULL, errno.
 */
static DIR *
open_dir(struct fsck *c, const char *rel)
{
	DIR *d;
	int fd, dup_fd, e;

	if ((fd = open_dir_fd(c, rel)) == -1)
		return NULL;
	if (*rel == '\0')
		dup_fd = fd;
	else {
		dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		e = errno;
		c->vfs->close(c->vfs, fd);
		errno = e;
		if (dup_fd == -1)
			return NULL;
	}
	if ((d = fdopendir(dup_fd)) == NULL) {
		e = errno;
		close(dup_fd);
		errno = e;
	} else
		rewinddir(d);	/* a dup shares the offset of the last walk */
	return d;
}

/*
 * Remove rel (the entry itself, never what a link names), relative to
 * the directory that holds it, reached without following a link; gone
 * is fine.
 */
static const struct cairn_error *
remove_rel(struct fsck *c, const char *rel)
{
	const struct cairn_error *err = NULL;
	const char *base;
	int fd;

	if ((fd = open_parent(c, rel, &base)) == -1)
		return errno == ENOENT ? NULL :
		    cairn_error_sys(errno, "remove '%s'", rel);
	if (c->vfs->unlinkat(c->vfs, fd, base, 0) != 0 && errno != ENOENT)
		err = cairn_error_sys(errno, "remove '%s'", rel);
	close_parent(c, fd);
	return err;
}

static int
hex_id(char *out, const unsigned char *id, size_t len)
{
	struct cairn_oid o;

	cairn_oid_set(id, len, &o);
	cairn_oid_fmt(&o, out);
	return 1;
}

/* Config and manifest. */

/*
 * The numeric settings and the ranges that opening a repository enforces
 * (params() in repo.c): a value outside them makes every command fail, so
 * it is damage, not a preference.
 */
/*
 * Every known key the file holds takes its value (the table, config.c);
 * object.format is checked by check_config, which goes on with it.
 */
static void
check_config_values(struct fsck *c, const struct cairn_config *cfg)
{
	const struct cairn_config_key *k;
	const struct cairn_error *err;
	size_t i;

	for (i = 0; i < cfg->n; i++)
		if ((k = cairn_config_key_find(cfg->items[i].key)) != NULL &&
		    strcasecmp(k->key, "object.format") != 0 &&
		    (err = cairn_config_check(k, cfg->items[i].value)) != NULL)
			find(c, 1, 0, CAIRN_FINDING_CONFIG, config_key(k->key),
			    "%s", err->msg);
}

/* The algorithm the header of the data file or WAL name says, or 0. */
static int
algo_of(struct fsck *c, const char *name, int data)
{
	unsigned char hdr[CAIRN_FILEHDR_SIZE];
	struct stat st;
	const char *why;
	int fd, got = 0;

	if (name[0] == '\0' ||
	    (fd = open_file(c, name, O_RDONLY, &st, &why)) == -1)
		return 0;
	if (cairn_file_pread(c->vfs, fd, hdr, sizeof(hdr), 0, name) == NULL &&
	    cairn_filehdr_check(hdr, data ? CAIRN_DATA_MAGIC : CAIRN_WAL_MAGIC,
	    (int)cairn_get_be32(hdr + 12)) == NULL &&
	    cairn_hash_name((int)cairn_get_be32(hdr + 12)) != NULL)
		got = (int)cairn_get_be32(hdr + 12);
	c->vfs->close(c->vfs, fd);
	return got;
}

/*
 * The hash algorithm that the headers of the repository's data files and
 * WALs name, or 0 if none does or they disagree (a stray of another
 * repository must not decide): what a config written anew must say.
 */
static int
all_files_algo(struct fsck *c)
{
	unsigned long long n;
	struct dirent *de;
	char ext[8];
	int algo = 0, got, used;
	DIR *d;

	if ((d = open_dir(c, "")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) >= 60 || sscanf(de->d_name,
		    "objects.%llu.%7[a-z]%n", &n, ext, &used) != 2 ||
		    de->d_name[used] != '\0' || (strcmp(ext, "data") != 0 &&
		    strcmp(ext, "wal") != 0))
			continue;
		got = algo_of(c, de->d_name, strcmp(ext, "data") == 0);
		if (got != 0 && algo != 0 && got != algo) {
			algo = -1;	/* they disagree */
			break;
		}
		if (got != 0)
			algo = got;
	}
	closedir(d);
	return algo > 0 ? algo : 0;
}

/*
 * The files the manifest names decide, if it can be read and they agree;
 * else every data file and WAL of the repository, if they agree.
 */
static int
algo_from_files(struct fsck *c)
{
	struct cairn_buf text = { 0 };
	struct cairn_manifest m;
	int a = 0, w = 0;

	if (slurp(c, "manifest", 1 << 20, &text) == NULL &&
	    cairn_manifest_parse(&m, (char *)text.data, text.len,
	    "manifest") == NULL) {
		a = algo_of(c, m.data, 1);
		w = algo_of(c, m.wal, 0);
	}
	cairn_buf_release(&text);
	if (a != 0 && (w == 0 || w == a))
		return a;
	if (w != 0 && a == 0)
		return w;
	return all_files_algo(c);
}


/*
 * A config that is missing, a link or no regular file, in a repository
 * whose files name their object format, is written anew by --repair (the
 * old entry kept in the quarantine, a link removed): the settings it held
 * are gone, but every object stays readable.  One that cannot be read
 * (permissions) or does not parse is left to its owner.
 */
static void
config_unusable(struct fsck *c, const char *why)
{
	struct stat st;

	if (c->vfs->fstatat(c->vfs, c->rootfd, "config", &st) == 0 &&
	    S_ISREG(st.st_mode)) {
		find(c, 1, 0, CAIRN_FINDING_CONFIG, in_file("config"), "%s", why);
		return;
	}
	if ((c->algo = algo_from_files(c)) == 0) {
		find(c, 1, 0, CAIRN_FINDING_CONFIG, in_file("config"), "%s", why);
		return;
	}
	find_fix(c, FIX_CONFIG, CAIRN_FINDING_CONFIG, in_file("config"), "%s; --repair writes a new "
	    "one (object.format = %s, other settings their defaults)", why,
	    cairn_hash_name(c->algo));
}

static const struct cairn_error *
check_config(struct fsck *c)
{
	struct cairn_buf text = { 0 };
	struct cairn_config cfg;
	char path[4096];
	const char *fmt;
	const struct cairn_error *err;

	path_of(c, path, sizeof(path), "config");
	err = slurp(c, "config", CAIRN_CONFIG_MAX, &text);
	if (err != NULL) {
		struct stat st;

		cairn_buf_release(&text);
		path_of(c, path, sizeof(path), "manifest");
		if (c->vfs->lstat(c->vfs, path, &st) != 0)
			return cairn_error_new(CAIRN_ERR_NOT_REPO,
			    "not a cairn repository: '%s'", c->root);
		config_unusable(c, err->msg);
		return NULL;
	}
	/* The parser reads text up to a NUL: what follows would be lost. */
	if (text.len > 0 && memchr(text.data, '\0', text.len) != NULL)
		find(c, 1, 0, CAIRN_FINDING_CONFIG, in_file("config"), "holds a NUL byte");
	if ((err = cairn_config_parse(&cfg, text.data ? (char *)text.data :
	    "", path)) != NULL) {
		find(c, 1, 0, CAIRN_FINDING_CONFIG, in_file("config"), "%s", err->msg);
	} else {
		check_config_values(c, &cfg);
		/* A bad value leaves the default, to wait with. */
		(void)cairn_config_number(&c->lock_timeout_ms, &cfg,
		    "core.lockTimeout");
		fmt = cairn_config_get(&cfg, "object.format");
		c->algo = fmt ? cairn_hash_parse(fmt) : 0;
		if (c->algo == 0)
			find(c, 1, 0, CAIRN_FINDING_CONFIG, in_file("config"),
			    "bad or missing object.format");
		fmt = cairn_config_get(&cfg, "core.alternate");
		if (fmt != NULL && (err = cairn_repo_open_vfs(fmt,
		    CAIRN_OPEN_READ_ONLY, c->vfs, &c->alternate)) != NULL)
			find(c, 1, 0, CAIRN_FINDING_CONFIG, in_file("config"), "alternate '%s': %s",
			    fmt, err->msg);
		cairn_config_release(&cfg);
	}
	cairn_buf_release(&text);
	return NULL;
}

/* The highest-numbered file "objects.<n>.<ext>" in the repository. */
static int
highest(struct fsck *c, const char *ext, char *out, size_t len)
{
	struct dirent *de;
	unsigned long long n, best = 0;
	char suffix[16];
	int found = 0, used;
	DIR *d;

	if ((d = open_dir(c, "")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (sscanf(de->d_name, "objects.%llu.%15s%n", &n, suffix,
		    &used) == 2 && strcmp(suffix, ext) == 0 &&
		    de->d_name[used] == '\0' && n >= best) {
			best = n;
			found = 1;
		}
	}
	closedir(d);
	if (found)
		snprintf(out, len, "objects.%llu.%s", best, ext);
	return found;
}

/* The number of a file name "objects.<n>.<ext>" or "index/<n>.idx", or 0. */
static unsigned long long
name_number(const char *name)
{
	unsigned long long n = 0;

	if (sscanf(name, "objects.%llu.", &n) == 1 ||
	    sscanf(name, "index/%llu.idx", &n) == 1)
		return n;
	return 0;
}

/*
 * The manifest's "next" must be above the number of every file it names,
 * or the next flush or gc makes a file whose name is taken: the live WAL,
 * replaced.  (Strays may carry higher numbers: an interrupted flush or
 * repair leaves them, and what replaces them loses nothing.)
 */
static void
check_next(struct fsck *c)
{
	uint64_t used = 0;
	size_t i;

	if (name_number(c->man.data) + 1 > used)
		used = name_number(c->man.data) + 1;
	if (name_number(c->man.wal) + 1 > used)
		used = name_number(c->man.wal) + 1;
	for (i = 0; i < c->man.nseg; i++)
		if (name_number(c->man.seg[i]) + 1 > used)
			used = name_number(c->man.seg[i]) + 1;
	if (used > c->man.next)
		find(c, 1, 1, CAIRN_FINDING_MANIFEST, in_file("manifest"), "next file number %llu "
		    "is not above %llu, which is in use",
		    (unsigned long long)c->man.next,
		    (unsigned long long)(used - 1));
}

static void
check_manifest(struct fsck *c)
{
	struct cairn_buf text = { 0 };
	const struct cairn_error *err;
	char path[4096];
	struct stat st;

	path_of(c, path, sizeof(path), "manifest");
	err = slurp(c, "manifest", 1 << 20, &text);
	if (err == NULL)
		err = cairn_manifest_parse(&c->man, (char *)text.data, text.len,
		    path);
	cairn_buf_release(&text);
	if (err == NULL) {
		c->have_man = 1;
		check_next(c);
		return;
	}
	if (c->vfs->fstatat(c->vfs, c->rootfd, "manifest", &st) == 0 &&
	    S_ISDIR(st.st_mode))	/* no rename replaces it */
		find_fix(c, FIX_QUARANTINE, CAIRN_FINDING_MANIFEST, in_file("manifest"), "%s",
		    err->msg);
	else
		find(c, 1, 1, CAIRN_FINDING_MANIFEST, in_file("manifest"), "%s", err->msg);
	/* Go on with what the directory holds. */
	memset(&c->man, 0, sizeof(c->man));
	highest(c, "data", c->man.data, sizeof(c->man.data));
	highest(c, "wal", c->man.wal, sizeof(c->man.wal));
	c->man.watermark = UINT64_MAX;
}

/* The data file. */

/* Next offset after off where a valid record header starts, or len. */
static uint64_t
resync(struct fsck *c, uint64_t off)
{
	struct cairn_rec rec;
	const unsigned char *hit;

	for (off++; off + CAIRN_REC_HDR_SIZE <= c->data_len; off++) {
		hit = memchr(c->data + off, 'C', c->data_len - off);
		if (hit == NULL)
			break;
		off = (uint64_t)(hit - c->data);
		if (off + CAIRN_REC_HDR_SIZE <= c->data_len &&
		    cairn_rec_decode(&rec, hit, c->idlen) == NULL &&
		    rec.data_off == off)
			return off;
	}
	return c->data_len;
}

/* Inflate a record's content; *out malloc'd. */
static const struct cairn_error *
decode(const struct cairn_rec *rec, const unsigned char *stored,
    unsigned char **out)
{
	const struct cairn_error *err = NULL;

	if ((err = cairn_rec_sizes_plausible(rec)) != NULL)
		return err;
	if (rec->size > ((uint64_t)1 << 40) ||
	    (*out = malloc((size_t)rec->size + 1)) == NULL)
		return cairn_error_nomem();
	if ((err = cairn_rec_content(rec, stored, *out)) != NULL) {
		free(*out);
		*out = NULL;
	}
	return err;
}

static const struct cairn_error *
hash_sink(void *arg, const void *p, size_t len)
{
	return cairn_hasher_update(arg, p, len);
}

/* Objects up to this size are inflated whole, larger ones a chunk at a time. */
#define WHOLE_MAX ((uint64_t)1 << 20)

/*
 * The id of a record's content.  A small object is inflated whole into
 * scratch (the fast path); a larger one a chunk at a time and hashed
 * as it comes, so that checking an object takes the same little memory
 * whatever size it has or its header claims.
 */
static const struct cairn_error *
hash_content(struct fsck *c, const struct cairn_rec *rec,
    const unsigned char *stored, struct cairn_buf *scratch,
    struct cairn_oid *got)
{
	const struct cairn_error *err;
	struct cairn_hasher h = { 0 };
	struct cairn_inflater inf = { 0 };
	int whole = (rec->flags & CAIRN_REC_DEFLATED) &&
	    rec->size <= WHOLE_MAX;

	if ((err = cairn_rec_sizes_plausible(rec)) != NULL)
		return err;
	err = cairn_hasher_init_object(&h, c->algo, rec->type, rec->size);
	if (err == NULL && whole) {
		scratch->len = 0;
		if ((err = cairn_buf_grow(scratch,
		    (size_t)rec->size + 1)) == NULL)
			err = cairn_zip_inflate(scratch->data,
			    (size_t)rec->size, stored, (size_t)rec->stored);
		if (err == NULL)
			err = cairn_hasher_update(&h, scratch->data,
			    (size_t)rec->size);
	} else if (err == NULL && (rec->flags & CAIRN_REC_DEFLATED)) {
		err = cairn_inflater_init(&inf, rec->size);
		if (err == NULL)
			err = cairn_inflater_feed(&inf, stored,
			    (size_t)rec->stored, hash_sink, &h);
		if (err == NULL)
			err = cairn_inflater_finish(&inf);
		cairn_inflater_release(&inf);
	} else if (err == NULL)
		err = cairn_hasher_update(&h, stored, (size_t)rec->stored);
	if (err == NULL)
		err = cairn_hasher_final(&h, got);
	cairn_hasher_release(&h);
	return err;
}

/*
 * CRC, decoding and (unless quick) the hash of one object record; NULL
 * if intact, else why not (a constant, or this thread's buffer).  Safe to
 * call from several threads with their own scratch buffers.
 */
static const char *
verify_record(struct fsck *c, const struct cairn_rec *rec,
    const unsigned char *stored, struct cairn_buf *scratch)
{
	static _Thread_local char why[256];
	const struct cairn_error *err;
	struct cairn_oid got;

	if (cairn_crc32(0, stored, (size_t)rec->stored) != rec->crc)
		return "stored bytes fail their checksum";
	if (c->flags & CAIRN_FSCK_QUICK)
		return NULL;
	if ((err = hash_content(c, rec, stored, scratch, &got)) != NULL) {
		snprintf(why, sizeof(why), "%s", err->msg);
		return why;
	}
	if (!cairn_oid_eq(&got, &rec->id))
		return "content does not hash to its id";
	return NULL;
}

/*
 * The first intact record of an object is the one kept.  Out of memory
 * loses the object, as it always has (it is then reported missing).  An
 * offset is below 2^48: the data file is mapped whole, the WAL read.
 */
static void
note_object(struct fsck *c, const struct cairn_rec *rec, int where,
    uint64_t loc)
{
	size_t at;

	if (loc > CAIRN_IDSET_VALUE_MAX)
		return;
	(void)cairn_idset_add(&c->objs, rec->id.hash, loc, (unsigned)rec->type |
	    (unsigned)where << TAG_WHERE_SHIFT, &at, NULL);
}

/*
 * The data file's records are verified on every core.  The object
 * records of a window (up to WINDOW of them, found by walking the
 * headers from where the check has come to, as far as the headers are
 * sound) have their content checked by workers, each taking the next
 * BLOCK of records.  The check then walks the window in file order as
 * before, taking each verdict from the window instead of computing it,
 * so findings come out in the same order whatever the thread count.
 */
#define WINDOW 65536
#define BLOCK 64
#define MAX_THREADS 64

struct verdict {
	uint64_t off;		/* of the record */
	char *why;		/* NULL: intact; else why not (malloc'd) */
	int unknown;		/* no verdict (out of memory): check again */
};

struct window {
	struct fsck *c;
	struct verdict *v;
	size_t n, i;		/* records; the next one the walk reaches */
	uint64_t end;		/* where the header walk stopped */
	atomic_size_t next;	/* the next block a worker takes */
};

/* Would scan_data_record take the record at off as sound?  Its header. */
static int
sound_header(struct fsck *c, uint64_t off, struct cairn_rec *rec)
{
	return c->data_len - off >= CAIRN_REC_HDR_SIZE &&
	    cairn_rec_decode(rec, c->data + off, c->idlen) == NULL &&
	    rec->data_off == off && (rec->kind == CAIRN_REC_TOUCH ||
	    (rec->kind == CAIRN_REC_OBJECT &&
	    rec->stored <= c->data_len - off - CAIRN_REC_HDR_SIZE));
}

static void
verify_block(struct window *w, size_t i, struct cairn_buf *scratch)
{
	struct cairn_rec rec;
	const char *why;
	size_t end = i + BLOCK < w->n ? i + BLOCK : w->n;

	for (; i < end; i++) {
		if (!sound_header(w->c, w->v[i].off, &rec)) {
			w->v[i].unknown = 1;	/* cannot be: walked */
			continue;
		}
		why = verify_record(w->c, &rec, w->c->data + w->v[i].off +
		    CAIRN_REC_HDR_SIZE, scratch);
		if (why != NULL && (w->v[i].why = strdup(why)) == NULL)
			w->v[i].unknown = 1;
	}
}

static void *
verify_worker(void *arg)
{
	struct window *w = arg;
	struct cairn_buf scratch = { 0 };
	size_t i;

	while ((i = atomic_fetch_add(&w->next, BLOCK)) < w->n)
		verify_block(w, i, &scratch);
	cairn_buf_release(&scratch);
	return NULL;
}

static void
window_clear(struct window *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->v[i].why);
	w->n = w->i = 0;
}

/*
 * Fill the window with the object records from off on and verify them.
 * Out of memory (or no thread) leaves records to be checked one by one.
 */
static void
window_fill(struct window *w, uint64_t off)
{
	struct fsck *c = w->c;
	struct cairn_rec rec;
	pthread_t tid[MAX_THREADS];
	unsigned t, started = 0;

	window_clear(w);
	while (w->n < WINDOW && off < c->data_len &&
	    sound_header(c, off, &rec)) {
		if (rec.kind == CAIRN_REC_OBJECT) {
			w->v[w->n].off = off;
			w->v[w->n].why = NULL;
			w->v[w->n++].unknown = 0;
		}
		off += cairn_rec_span(&rec);
	}
	w->end = off;
	atomic_store(&w->next, 0);
	for (t = 1; t < c->threads && w->n > BLOCK; t++)
		if (pthread_create(&tid[started], NULL, verify_worker, w) == 0)
			started++;
	verify_worker(w);
	for (t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
}

/* The window's verdict on the object record at off; 0 if it has none. */
static int
window_verdict(struct window *w, uint64_t off, const char **why)
{
	while (w->i < w->n && w->v[w->i].off < off)
		w->i++;
	if (w->i >= w->n || w->v[w->i].off != off || w->v[w->i].unknown)
		return 0;
	*why = w->v[w->i++].why;
	return 1;
}

static void
scan_data_record(struct fsck *c, uint64_t *off, struct window *w)
{
	struct cairn_rec rec;
	const struct cairn_error *err;
	char subject[128];
	const char *why;
	int below = *off < c->man.watermark;

	snprintf(subject, sizeof(subject), "%s@%llu", c->man.data,
	    (unsigned long long)*off);
	err = c->data_len - *off < CAIRN_REC_HDR_SIZE ?
	    cairn_error_new(CAIRN_ERR_CORRUPT, "truncated record header") :
	    cairn_rec_decode(&rec, c->data + *off, c->idlen);
	if (err == NULL && (rec.data_off != *off ||
	    (rec.kind != CAIRN_REC_OBJECT && rec.kind != CAIRN_REC_TOUCH)))
		err = cairn_error_new(CAIRN_ERR_CORRUPT,
		    "record does not belong at this offset");
	if (err == NULL && rec.kind == CAIRN_REC_OBJECT &&
	    rec.stored > c->data_len - *off - CAIRN_REC_HDR_SIZE)
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "truncated record");
	if (err != NULL) {
		/* Past the watermark, the WAL redoes it: a crash artefact. */
		find(c, below, !below, CAIRN_FINDING_DATA,
		    at_offset(c->man.data, *off), "%s%s", err->msg,
		    below ? " (cairn fsck --salvage keeps the intact records "
		    "around it)" : "");
		*off = resync(c, *off);
		return;
	}
	c->res->records++;
	c->res->bytes += cairn_rec_span(&rec);
	if (rec.kind == CAIRN_REC_OBJECT) {
		if (!window_verdict(w, *off, &why))
			why = verify_record(c, &rec, c->data + *off +
			    CAIRN_REC_HDR_SIZE, &c->scratch);
		/* Past the watermark, a writer rewrites it from the WAL. */
		if (why != NULL && !below)
			find(c, 0, 1, CAIRN_FINDING_DATA,
			    at_offset(c->man.data, *off), "%s", why);
		else if (why != NULL)
			find(c, 1, 0, CAIRN_FINDING_OBJECT, object_at(rec.id.hash,
			    c->man.data, *off), "%s (%s)", why, subject);
		if (why != NULL)
			note_named(c, rec.id.hash);
		else
			note_object(c, &rec, CAIRN_MEM_DATA, *off);
	}
	*off += cairn_rec_span(&rec);
	c->data_end = *off;
	if (c->progress && c->res->records % 4096 == 0)
		c->progress(c->arg, "check", c->res->bytes,
		    (uint64_t)c->data_len + c->wal.len);
}

/*
 * A file that exists as it should but may not be read (permissions, an
 * I/O error) is not damaged: it may hold the only copy of everything,
 * and no repair may act on a view without it.  Note it; 1 if it is one.
 */
static int
held_back(struct fsck *c, const char *name, int e)
{
	if (e == 0 || e == ENOENT || e == ELOOP || e == EMLINK ||
	    e == ENXIO || e == EISDIR || e == ENOTDIR)
		return 0;
	if (c->unreadable_errno == 0) {
		snprintf(c->unreadable, sizeof(c->unreadable), "%s", name);
		c->unreadable_errno = e;
	}
	return 1;
}

static void
check_data(struct fsck *c)
{
	struct window w;
	struct stat st;
	uint64_t off = CAIRN_FILEHDR_SIZE;
	const char *why;
	int fd;

	if (c->man.data[0] == '\0') {
		find(c, 1, 0, CAIRN_FINDING_DATA, in_file("data"), "no data file");
		return;
	}
	if ((fd = open_file(c, c->man.data, O_RDONLY, &st, &why)) == -1) {
		if (held_back(c, c->man.data, errno))
			find(c, 1, 0, CAIRN_FINDING_DATA, in_file(c->man.data), "cannot read: %s "
			    "(nothing is repaired until it can be)", why);
		else
			find(c, 1, 0, CAIRN_FINDING_DATA, in_file(c->man.data), "cannot read: %s "
			    "(cairn fsck --salvage rebuilds from the intact "
			    "records left)", why);
		return;
	}
	c->data_len = (size_t)st.st_size;
	c->data = c->data_len ? c->vfs->mmap(c->vfs, fd, c->data_len) : NULL;
	c->vfs->close(c->vfs, fd);
	if (c->data_len > 0 && c->data == NULL) {
		find(c, 1, 0, CAIRN_FINDING_DATA, in_file(c->man.data), "cannot map: %s",
		    strerror(errno));
		return;
	}
	if (c->data_len < CAIRN_FILEHDR_SIZE) {
		find(c, 1, 0, CAIRN_FINDING_DATA, in_file(c->man.data), "bad file header");
		return;
	}
	/*
	 * The header holds nothing but the magic and the format, which the
	 * config gives: a repair writes it anew, and the records after it
	 * are checked as usual.
	 */
	if (cairn_filehdr_check(c->data, CAIRN_DATA_MAGIC, c->algo) != NULL)
		find_fix(c, FIX_DATA_HEADER, CAIRN_FINDING_DATA, in_file(c->man.data),
		    "bad file header");
	if (c->have_man && c->data_len < c->man.watermark)
		find(c, 1, 0, CAIRN_FINDING_DATA, in_file(c->man.data), "shorter (%zu bytes) than "
		    "its watermark %llu (cairn fsck --salvage rebuilds from "
		    "the intact records left)", c->data_len,
		    (unsigned long long)c->man.watermark);
	c->data_end = off;
	memset(&w, 0, sizeof(w));
	w.c = c;
	w.v = malloc(WINDOW * sizeof(*w.v));	/* NULL: one by one */
	while (off < c->data_len) {
		if (w.v != NULL && off >= w.end)
			window_fill(&w, off);
		scan_data_record(c, &off, &w);
	}
	window_clear(&w);
	free(w.v);
}

/* The WAL. */

/*
 * An OBJECT of a whole batch: its batch was committed whole, so content
 * that does not verify is damage (or a lie), never a torn write.
 */
static void
wal_object(struct fsck *c, const struct cairn_rec *rec, size_t off)
{
	const char *why;

	why = verify_record(c, rec, c->wal.data + off + CAIRN_REC_HDR_SIZE,
	    &c->scratch);
	if (why == NULL) {
		note_object(c, rec, CAIRN_MEM_WAL, off);
		return;
	}
	find(c, 1, 0, CAIRN_FINDING_OBJECT, object_at(rec->id.hash, c->man.wal,
	    off), "%s (%s@%zu)", why, c->man.wal, off);
}

/* Check the records of one whole batch (wal.h). */
static const struct cairn_error *
wal_batch(void *arg, const unsigned char *data, size_t start, size_t end)
{
	struct fsck *c = arg;
	struct cairn_rec rec;
	size_t off, span;

	for (off = start; off < end; off += span) {
		if ((span = cairn_wal_record(&rec, data, off, c->idlen)) == 0)
			break;
		c->res->records++;
		c->res->bytes += span;
		if (rec.kind == CAIRN_REC_OBJECT || rec.kind == CAIRN_REC_POINTER)
			note_named(c, rec.id.hash);
		if (rec.kind == CAIRN_REC_OBJECT)
			wal_object(c, &rec, off);
		else if (rec.kind == CAIRN_REC_POINTER &&
		    !have_own(c, rec.id.hash)) {
			char hex[CAIRN_OID_HEXMAX + 1];

			hex_id(hex, rec.id.hash, c->idlen);
			find(c, 1, 0, CAIRN_FINDING_WAL, in_file(c->man.wal), "object %s logged at "
			    "'%s' offset %llu is not intact there", hex,
			    c->man.data, (unsigned long long)rec.data_off);
		}
	}
	return NULL;
}

/* Walk whole batches, as recovery does; returns the end of the last. */
static size_t
wal_walk(struct fsck *c, size_t *bad)
{
	struct cairn_wal_walk w;

	memset(&w, 0, sizeof(w));
	w.data = c->wal.data;
	w.len = c->wal.len;
	w.idlen = c->idlen;
	w.watermark = c->man.watermark;
	w.good = CAIRN_FILEHDR_SIZE;
	w.next = c->man.watermark;
	(void)cairn_wal_scan(&w, wal_batch, c);
	*bad = w.bad;
	return w.good;
}

/* Nonzero if a whole batch starts at or after from. */
static int
wal_batch_after(struct fsck *c, size_t from)
{
	size_t start, end;

	return cairn_wal_batch_after(c->wal.data, c->wal.len, c->idlen, from,
	    from, &start, &end);
}

/*
 * Is every object of the whole batches found at or after from intact in
 * the data file (noted by check_data)?  Then dropping those batches, as
 * --repair does when it starts a fresh WAL, hides nothing acknowledged.
 */
static int
wal_after_covered(struct fsck *c, size_t from)
{
	struct cairn_rec r;
	size_t at = from, start, end, off, span, o;

	while (cairn_wal_batch_after(c->wal.data, c->wal.len, c->idlen, from,
	    at, &start, &end)) {
		for (off = start; off < end; off += span) {
			span = cairn_wal_record(&r, c->wal.data, off, c->idlen);
			if (span == 0 || span > end - off)
				return 0;
			if (r.kind != CAIRN_REC_OBJECT &&
			    r.kind != CAIRN_REC_POINTER)
				continue;
			o = cairn_idset_find(&c->objs, r.id.hash);
			if (o == CAIRN_IDSET_NONE ||
			    obj_where(c, o) != CAIRN_MEM_DATA)
				return 0;
		}
		at = end + 1;
	}
	return 1;
}

static void
check_wal(struct fsck *c)
{
	const struct cairn_error *err;
	size_t good, bad;

	if (c->man.wal[0] == '\0')
		return;
	err = slurp(c, c->man.wal, (size_t)1 << 34, &c->wal);
	/* errno: why slurp failed, 0 if not the system's refusal */
	if (err != NULL && err->code != CAIRN_ERR_NOT_FOUND &&
	    held_back(c, c->man.wal, errno)) {
		find(c, 1, 0, CAIRN_FINDING_WAL, in_file(c->man.wal), "%s (nothing is repaired "
		    "until it can be read)", err->msg);
		cairn_buf_reset(&c->wal);
		return;
	}
	if (err != NULL || c->wal.len < CAIRN_FILEHDR_SIZE ||
	    cairn_filehdr_check(c->wal.data, CAIRN_WAL_MAGIC, c->algo) != NULL) {
		/*
		 * Whole batches past a bad header may hold acknowledged
		 * records the data file lacks: then only --salvage keeps
		 * them.
		 */
		if (err == NULL && !wal_after_covered(c, 0))
			find(c, 1, 0, CAIRN_FINDING_WAL, in_file(c->man.wal), "bad file header "
			    "before whole batches (fsck --salvage keeps them)");
		else
			find(c, 1, 1, CAIRN_FINDING_WAL, in_file(c->man.wal), "%s",
			    err ? err->msg : "bad file header");
		cairn_buf_reset(&c->wal);
		return;
	}
	good = wal_walk(c, &bad);
	if (good == c->wal.len)
		return;
	/*
	 * A whole batch starting where the walk stopped counts: its commit
	 * record vouches for the bytes the walk refused, so they were
	 * synced and damaged later (recovery refuses such a WAL too).  If
	 * the batches after the damage hold records the data file lacks,
	 * --repair (which redoes only the batches before it, then starts a
	 * fresh WAL) leaves this to --salvage, which keeps every intact
	 * batch.
	 */
	if (wal_batch_after(c, good) && !wal_after_covered(c, good))
		find(c, 1, 0, CAIRN_FINDING_WAL, at_offset(c->man.wal, bad),
		    "corrupt record in or before a whole batch (fsck "
		    "--salvage keeps every intact batch)");
	else if (wal_batch_after(c, good))
		find(c, 1, 1, CAIRN_FINDING_WAL, at_offset(c->man.wal, bad),
		    "corrupt record in or before a whole batch");
	else
		find(c, 0, 1, CAIRN_FINDING_WAL, at_offset(c->man.wal, bad),
		    "torn tail of %zu bytes (a crash artefact: never "
		    "acknowledged)", c->wal.len - good);
}

/* Index segments. */

static void
check_entries(struct fsck *c, const struct cairn_segment *seg, const char *name)
{
	struct cairn_seg_entry e, prev;
	size_t o;
	char hex[CAIRN_OID_HEXMAX + 1];
	uint64_t i, bad = 0, misses = 0;

	for (i = 0; i < seg->count; i++) {
		cairn_segment_entry(seg, i, &e);
		if (i > 0 && memcmp(prev.id, e.id, c->idlen) >= 0 && !bad++)
			find(c, 1, 1, CAIRN_FINDING_INDEX, in_file(name), "entries out of order or "
			    "repeated at entry %llu", (unsigned long long)i);
		prev = e;
		note_named(c, e.id);
		if (!cairn_bloom_test(seg->bloom, seg->bloom_size, e.id) &&
		    !misses++)
			find(c, 1, 1, CAIRN_FINDING_BLOOM, in_file(name), "bloom filter denies "
			    "indexed object %s", (hex_id(hex, e.id, c->idlen),
			    hex));
		o = cairn_idset_find(&c->objs, e.id);
		if (o == CAIRN_IDSET_NONE ||
		    obj_where(c, o) != CAIRN_MEM_DATA ||
		    obj_loc(c, o) != e.off || e.off >= c->man.watermark) {
			find(c, 1, 1, CAIRN_FINDING_INDEX, object_at(e.id, name,
			    NO_OFFSET), "%s points at offset %llu, "
			    "which holds no intact record of it", name,
			    (unsigned long long)e.off);
			continue;
		}
		if (obj_indexed(c, o))
			continue;
		/*
		 * XXX: the memtable this set replaced grew when marking an
		 * entry found a table three quarters full, as when adding
		 * one; growing the same way keeps the slots, and so the
		 * order of the findings, what they were.
		 */
		if ((c->objs.n + 1) * 4 > c->objs.cap * 3)
			(void)cairn_idset_reserve(&c->objs, c->objs.n + 1);
		cairn_idset_set_tag(&c->objs, o, cairn_idset_tag(&c->objs, o) |
		    TAG_INDEXED);
	}
}

static void
check_segments(struct fsck *c)
{
	const struct cairn_error *err;
	struct cairn_segment seg;
	char path[4096];
	size_t i;

	for (i = 0; c->have_man && i < c->man.nseg; i++) {
		struct stat st;
		const char *why;
		int fd;

		/* Never mapped through a link, never a FIFO opened blocking. */
		if ((fd = open_file(c, c->man.seg[i], O_RDONLY, &st,
		    &why)) == -1) {
			find(c, 1, 1, CAIRN_FINDING_INDEX, in_file(c->man.seg[i]), "%s", why);
			continue;
		}
		c->vfs->close(c->vfs, fd);
		path_of(c, path, sizeof(path), c->man.seg[i]);
		if ((err = cairn_segment_open(&seg, c->vfs, path,
		    c->idlen)) != NULL) {
			find(c, 1, 1, CAIRN_FINDING_INDEX, in_file(c->man.seg[i]), "%s", err->msg);
			continue;
		}
		if ((err = cairn_segment_verify(&seg)) != NULL)
			find(c, 1, 1, CAIRN_FINDING_INDEX, in_file(c->man.seg[i]), "%s", err->msg);
		else if (seg.count != c->man.seg_count[i])
			find(c, 1, 1, CAIRN_FINDING_INDEX, in_file(c->man.seg[i]), "%llu entries, "
			    "the manifest says %llu",
			    (unsigned long long)seg.count,
			    (unsigned long long)c->man.seg_count[i]);
		check_entries(c, &seg, c->man.seg[i]);
		cairn_segment_close(&seg);
	}
}

/* Every object below the watermark must be indexed. */
static void
check_unindexed(struct fsck *c)
{
	uint64_t missing = 0;
	size_t i, e;

	/* In the order of the slots (idset.h), as ever. */
	for (i = 0; c->have_man && i < c->objs.cap; i++) {
		e = cairn_idset_slot(&c->objs, i);
		if (e == CAIRN_IDSET_NONE ||
		    obj_where(c, e) != CAIRN_MEM_DATA ||
		    obj_loc(c, e) >= c->man.watermark || obj_indexed(c, e))
			continue;
		if (missing++ < 20)
			find(c, 1, 1, CAIRN_FINDING_INDEX,
			    object_at(cairn_idset_id(&c->objs, e), c->man.data,
			    obj_loc(c, e)), "object at %s@%llu is not indexed",
			    c->man.data, (unsigned long long)obj_loc(c, e));
	}
	if (missing > 20)
		find(c, 1, 1, CAIRN_FINDING_INDEX, in_file(c->man.data), "%llu more objects are "
		    "not indexed", (unsigned long long)(missing - 20));
}

/* Object syntax and links. */

struct link_ctx {
	struct fsck *c;
	const unsigned char *from;	/* the object that links */
};

static int
link_check(void *arg, const struct cairn_oid *id, enum cairn_otype type)
{
	struct link_ctx *l = arg;
	size_t e;
	char hex[CAIRN_OID_HEXMAX + 1];

	e = cairn_idset_find(&l->c->objs, id->hash);
	if (e == CAIRN_IDSET_NONE && have_object(l->c, id))
		return 0;	/* in the alternate */
	if (e == CAIRN_IDSET_NONE)
		note_wanted(l->c, id);
	if (e == CAIRN_IDSET_NONE)
		find(l->c, 1, 0, CAIRN_FINDING_LINK, object(l->from),
		    "links to missing %s %s",
		    cairn_otype_name(type) ? cairn_otype_name(type) : "object",
		    cairn_oid_fmt(id, hex));
	else if (type != CAIRN_OBJ_NONE && obj_type(l->c, e) != type)
		find(l->c, 1, 0, CAIRN_FINDING_LINK, object(l->from),
		    "links to %s as a %s, but "
		    "it is a %s", cairn_oid_fmt(id, hex),
		    cairn_otype_name(type), cairn_otype_name((enum cairn_otype)
		    obj_type(l->c, e)));
	return 0;
}

/* What git fsck says of an object's content, as a finding. */
struct content_ctx {
	struct fsck *c;
	const unsigned char *id;
	enum cairn_otype type;
};

static void
content_msg(void *arg, const struct cairn_check_msg *m)
{
	struct content_ctx *x = arg;
	struct fsck *c = x->c;
	size_t n = c->findings.len;

	/* "invalid tree: treeNotSorted: ...", "tree: hasDotgit: ..." */
	find(c, m->level == CAIRN_CHECK_ERROR, 0, CAIRN_FINDING_OBJECT,
	    object(x->id), "%s%s: %s: %s", m->level == CAIRN_CHECK_ERROR ?
	    "invalid " : "", cairn_otype_name(x->type), m->id, m->text);
	if (c->findings.len > n)
		((struct finding *)(c->findings.data + n))->f.check = m->id;
}

/*
 * An object's content, checked as git fsck checks it: git's errors are
 * errors, its warnings warnings (a ".git" entry, stored literally, is
 * one), each with git's message id.
 */
/*
 * Its size is the record's, read again from the header: the set keeps
 * no more than it must (the record is the one noted, so it decodes).
 */
static void
check_graph_object(struct fsck *c, size_t e)
{
	const struct cairn_error *err;
	struct content_ctx x;
	struct cairn_rec rec;
	struct link_ctx l;
	unsigned char *content;
	const unsigned char *at, *id = cairn_idset_id(&c->objs, e);
	enum cairn_otype type = (enum cairn_otype)obj_type(c, e);

	at = obj_where(c, e) == CAIRN_MEM_DATA ? c->data + obj_loc(c, e) :
	    c->wal.data + obj_loc(c, e);
	if (cairn_rec_decode(&rec, at, c->idlen) != NULL ||
	    decode(&rec, at + CAIRN_REC_HDR_SIZE, &content) != NULL)
		return;	/* reported by the record checks */
	x.c = c;
	x.id = id;
	x.type = type;
	if ((err = cairn_object_check_report(type, content,
	    (size_t)rec.size, c->algo, CAIRN_CHECK_LITERALLY, content_msg,
	    &x)) != NULL) {
		if (err->code != CAIRN_ERR_INVALID)	/* out of memory */
			find(c, 1, 0, CAIRN_FINDING_OBJECT, object(id),
			    "cannot check: %s", err->msg);
	} else {
		l.c = c;
		l.from = id;
		cairn_object_links(type, content, (size_t)rec.size, c->algo,
		    link_check, &l);
	}
	free(content);
}

/* In the order of the slots (idset.h), as ever. */
static void
check_graph(struct fsck *c)
{
	size_t i, e;

	for (i = 0; i < c->objs.cap; i++) {
		e = cairn_idset_slot(&c->objs, i);
		if (e != CAIRN_IDSET_NONE && obj_type(c, e) !=
		    CAIRN_OBJ_BLOB && obj_where(c, e) != 0 &&
		    !(obj_where(c, e) == CAIRN_MEM_DATA && c->data == NULL))
			check_graph_object(c, e);
	}
}

/* Refs, locks, temporary and stray files. */

/* Nonzero if the lock file name in dfd is held by nobody (its holder died). */
static int
lock_is_stale(struct fsck *c, int dfd, const char *name)
{
	int fd, stale;

	fd = c->vfs->openat(c->vfs, dfd, name, O_RDWR | O_CLOEXEC, 0);
	if (fd == -1)
		return 0;
	stale = c->vfs->flock(c->vfs, fd, LOCK_EX | LOCK_NB) == 0;
	c->vfs->close(c->vfs, fd);
	return stale;
}

/*
 * Read the small regular file name in dfd (a ref) into buf: the bytes
 * read, or -1 with *why set.
 */
static ssize_t
read_small(struct fsck *c, int dfd, const char *name, char *buf, size_t len,
    const char **why)
{
	ssize_t n;
	int fd, e;

	fd = c->vfs->openat(c->vfs, dfd, name, O_RDONLY | O_CLOEXEC, 0);
	if (fd == -1) {
		*why = open_why(errno);
		return -1;
	}
	n = c->vfs->pread(c->vfs, fd, buf, len, 0);
	e = errno;
	c->vfs->close(c->vfs, fd);
	if (n < 0)
		*why = strerror(e);
	return n;
}

static void
check_ref_file(struct fsck *c, int dfd, const char *base, const char *name)
{
	struct cairn_oid id;
	char buf[CAIRN_OID_HEXMAX + 8], hex[CAIRN_OID_HEXMAX + 1];
	const struct cairn_error *err;
	const char *why;
	ssize_t n;

	if ((n = read_small(c, dfd, base, buf, sizeof(buf), &why)) < 0) {
		find(c, 1, 0, CAIRN_FINDING_REF, ref_named(name), "cannot read: %s", why);
		return;
	}
	if ((err = cairn_refs_parse(&id, c->algo, buf, (size_t)n,
	    name)) != NULL)
		find(c, 1, 0, CAIRN_FINDING_REF, ref_named(name), "%s", err->msg);
	else if (!have_object(c, &id)) {
		note_wanted(c, &id);
		find(c, 1, 0, CAIRN_FINDING_REF, ref_named(name), "points to missing object %s",
		    cairn_oid_fmt(&id, hex));
	}
}

/* What fsck makes of each entry of the walk of refs/ (refs.h). */
static const struct cairn_error *
refs_visit(void *arg, enum cairn_refs_kind kind, const char *name, int dfd,
    const char *base, int sys_errno)
{
	struct fsck *c = arg;
	size_t len;

	switch (kind) {
	case CAIRN_REFS_REF:
		check_ref_file(c, dfd, base, name);
		break;
	case CAIRN_REFS_LOCK:
		if (lock_is_stale(c, dfd, base))
			find(c, 0, 1, CAIRN_FINDING_LOCK, ref_named(name), "stale lock (its holder "
			    "is gone)");
		break;
	case CAIRN_REFS_BAD_NAME:
		find(c, 1, 0, CAIRN_FINDING_REF, ref_named(name), "invalid ref name");
		break;
	case CAIRN_REFS_LINK:
		find(c, 1, 0, CAIRN_FINDING_REF, ref_named(name), "is a symlink");
		break;
	case CAIRN_REFS_NOT_FILE:
		find(c, 1, 0, CAIRN_FINDING_REF, ref_named(name), "is not a regular file");
		break;
	default:
		len = strlen(name);
		find(c, 1, 0, CAIRN_FINDING_REF, ref_named(name), "cannot read%s: %s",
		    len == 0 || name[len - 1] == '/' ? " the directory" : "",
		    open_why(sys_errno));
		break;
	}
	return NULL;
}

static int
named_by_manifest(struct fsck *c, const char *name)
{
	size_t i;

	if (strcmp(name, c->man.data) == 0 || strcmp(name, c->man.wal) == 0)
		return 1;
	for (i = 0; i < c->man.nseg; i++)
		if (strcmp(name, c->man.seg[i]) == 0)
			return 1;
	return 0;
}

/*
 * Reading a record from a file with bounded memory, whatever its size:
 * the stored bytes go through a 64 KiB buffer, to the CRC and (unless
 * crc_only) the inflater and hasher.  *intact is the verdict; an error
 * means the check could not be made (I/O, memory), never "damaged".
 */
#define CHUNK ((size_t)1 << 16)

struct rec_reader {
	struct fsck *c;
	int fd;
	const char *name;
	uint64_t size;			/* of the file */
	unsigned char buf[CHUNK];
};

static const struct cairn_error *
stream_verify(struct rec_reader *r, uint64_t off, const struct cairn_rec *rec,
    int crc_only, int *intact)
{
	const struct cairn_error *err = NULL, *bad = NULL;
	struct cairn_hasher h = { 0 };
	struct cairn_inflater inf = { 0 };
	struct cairn_oid got;
	uint64_t at = off + CAIRN_REC_HDR_SIZE, left = rec->stored;
	uint32_t crc = 0;
	size_t n;
	int hashing = !crc_only;

	*intact = 0;
	if (rec->stored > r->size || at > r->size - rec->stored)
		return NULL;	/* runs past the end */
	if (hashing && (bad = cairn_rec_sizes_plausible(rec)) != NULL)
		return NULL;
	if (hashing && (err = cairn_hasher_init_object(&h, r->c->algo,
	    rec->type, rec->size)) != NULL)
		return err;
	if (hashing && (rec->flags & CAIRN_REC_DEFLATED) &&
	    (err = cairn_inflater_init(&inf, rec->size)) != NULL)
		goto done;
	while (left > 0 && err == NULL && bad == NULL) {
		n = left < CHUNK ? (size_t)left : CHUNK;
		if ((err = cairn_file_pread(r->c->vfs, r->fd, r->buf, n, at,
		    r->name)) != NULL)
			break;
		crc = cairn_crc32(crc, r->buf, n);
		if (hashing && (rec->flags & CAIRN_REC_DEFLATED))
			bad = cairn_inflater_feed(&inf, r->buf, n, hash_sink, &h);
		else if (hashing)
			err = cairn_hasher_update(&h, r->buf, n);
		at += n;
		left -= n;
	}
	if (err == NULL && bad == NULL && hashing &&
	    (rec->flags & CAIRN_REC_DEFLATED))
		bad = cairn_inflater_finish(&inf);
	if (err == NULL && bad != NULL && bad->code != CAIRN_ERR_CORRUPT)
		err = bad;	/* out of memory: no verdict */
	if (err == NULL && bad == NULL && crc == rec->crc) {
		*intact = 1;
		if (hashing && ((err = cairn_hasher_final(&h, &got)) != NULL ||
		    !cairn_oid_eq(&got, &rec->id)))
			*intact = 0;
	}
done:
	cairn_hasher_release(&h);
	cairn_inflater_release(&inf);
	return err;
}

/*
 * The next record header at or after *off that decodes (a resync after
 * damage); 0 at the end of the file.
 */
static int
next_header(struct rec_reader *r, uint64_t *off, struct cairn_rec *rec,
    int resync)
{
	unsigned char hdr[CAIRN_REC_HDR_SIZE];
	uint64_t at = *off, i;
	size_t n;

	while (at + CAIRN_REC_HDR_SIZE <= r->size) {
		if (cairn_file_pread(r->c->vfs, r->fd, hdr, sizeof(hdr), at,
		    r->name) != NULL)
			return 0;
		if (cairn_rec_decode(rec, hdr, r->c->idlen) == NULL) {
			*off = at;
			return 1;
		}
		if (!resync)
			return 0;
		/* Look for the next magic in a chunk. */
		n = r->size - at - 1 < CHUNK ? (size_t)(r->size - at - 1) : CHUNK;
		if (n < 4 || cairn_file_pread(r->c->vfs, r->fd, r->buf, n,
		    at + 1, r->name) != NULL)
			return 0;
		for (i = 0; i + 4 <= n; i++)
			if (memcmp(r->buf + i, "CRec", 4) == 0)
				break;
		at += 1 + (i + 4 <= n ? i : n - 3);
	}
	return 0;
}

/*
 * Intact objects in a data file or WAL no manifest names that the
 * repository does not have: such a file is not garbage.  Read a record
 * at a time: a stray file can be as large as the data file.
 */
static uint64_t
stray_objects(struct fsck *c, const char *name, int wanted_only)
{
	struct rec_reader *r;
	struct cairn_rec rec;
	struct stat st;
	const char *why;
	uint64_t off = CAIRN_FILEHDR_SIZE, lacking = 0;
	int intact;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return 1;
	r->c = c;
	r->name = name;
	if ((r->fd = open_file(c, name, O_RDONLY, &st, &why)) == -1) {
		free(r);
		return 1;
	}
	r->size = (uint64_t)st.st_size;
	while (next_header(r, &off, &rec, 0)) {
		if (rec.kind == CAIRN_REC_OBJECT &&
		    !have_own(c, rec.id.hash) &&
		    (!wanted_only || cairn_idset_find(&c->wanted,
		    rec.id.hash) != CAIRN_IDSET_NONE)) {
			if (stream_verify(r, off, &rec, 1, &intact) != NULL) {
				lacking++;	/* cannot tell: keep the file */
				break;
			}
			lacking += intact;
		}
		if (cairn_rec_span(&rec) > r->size - off)
			break;
		off += cairn_rec_span(&rec);
	}
	c->vfs->close(c->vfs, r->fd);
	free(r);
	return lacking;
}

/* The number in "objects.<n>.<ext>", or 0. */
static unsigned long long
file_number(const char *name)
{
	unsigned long long n = 0;

	return sscanf(name, "objects.%llu.", &n) == 1 ? n : 0;
}

static void
check_stray(struct fsck *c, const char *name)
{
	uint64_t lacking = 0;
	const char *cur = strstr(name, ".data") ? c->man.data : c->man.wal;

	/*
	 * Names only grow: a data file or WAL numbered below the current
	 * one is what a flush or gc left when it could not delete it (its
	 * objects were flushed, or collected on purpose).
	 */
	if (strncmp(name, "objects.", 8) == 0 && c->have_man && !c->guessed &&
	    file_number(name) < file_number(cur)) {
		/*
		 * Unless it holds what a ref or link names and the
		 * repository lacks: then the manifest, not the file, is
		 * what is wrong (a manifest rebuilt from a newer copy).
		 */
		if ((lacking = stray_objects(c, name, 1)) == 0)
			find(c, 0, 1, CAIRN_FINDING_STRAY, in_file(name), "left over from an older "
			    "generation");
		else
			find(c, 0, 0, CAIRN_FINDING_STRAY, in_file(name), "numbered as an older "
			    "generation, but holds %llu objects that refs or "
			    "links name and the repository lacks (cairn fsck "
			    "--salvage keeps them)",
			    (unsigned long long)lacking);
		return;
	}
	if (strncmp(name, "objects.", 8) == 0)
		lacking = stray_objects(c, name, 0);
	if (lacking == 0)
		find(c, 0, 1, CAIRN_FINDING_STRAY, in_file(name), "not named by the manifest");
	else
		find(c, 0, 0, CAIRN_FINDING_STRAY, in_file(name), "not named by the manifest, but "
		    "holds %llu objects the repository lacks",
		    (unsigned long long)lacking);
}

/* Files no one names, older than STRAY_AGE unless under the lock. */
static void
check_strays(struct fsck *c, const char *sub, const char *kind)
{
	struct dirent *de;
	struct stat st;
	char name[4096];
	time_t now = time(NULL);
	DIR *d;

	if ((d = open_dir(c, sub)) == NULL)
		return;	/* check_layout says why */
	while ((de = readdir(d)) != NULL) {
		snprintf(name, sizeof(name), "%s%s%s", sub, *sub ? "/" : "",
		    de->d_name);
		if (de->d_name[0] == '.' || c->vfs->fstatat(c->vfs, dirfd(d),
		    de->d_name, &st) != 0)
			continue;
		/* A link or FIFO in tmp/ is garbage too: removed, not followed. */
		if (strcmp(kind, "tmp") == 0 && !S_ISDIR(st.st_mode) &&
		    (now - st.st_mtime >= STRAY_AGE ||
		    (c->flags & (CAIRN_FSCK_REPAIR | CAIRN_FSCK_SALVAGE))))
			find(c, 0, 1, CAIRN_FINDING_TMP, in_file(name), "leftover temporary file");
		if (!S_ISREG(st.st_mode) || (now - st.st_mtime < STRAY_AGE &&
		    !(c->flags & (CAIRN_FSCK_REPAIR | CAIRN_FSCK_SALVAGE))))
			continue;
		if (strcmp(kind, "tmp") != 0 && c->have_man &&
		    !named_by_manifest(c, name) &&
		    (strncmp(de->d_name, "objects.", 8) == 0 ||
		    strcmp(sub, "index") == 0))
			check_stray(c, name);
	}
	closedir(d);
}

/*
 * The directories and lock files every command needs.  Missing, or a
 * link or other kind of file in their place, is an error a repair fixes:
 * it removes the link (never what it names) or moves the wrong file into
 * the quarantine, and makes the directory or file anew.
 */
static void
check_layout(struct fsck *c)
{
	static const struct {
		const char *name;
		int dir;
	} parts[] = {
		{ "tmp", 1 }, { "refs", 1 }, { "index", 1 }, { "lock", 0 },
		{ "gc.lock", 0 },
	};
	struct stat st;
	size_t i;
	enum fix fix;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		fix = parts[i].dir ? FIX_DIR : FIX_FILE;
		if (c->rootfd == -1)
			return;
		if (c->vfs->fstatat(c->vfs, c->rootfd, parts[i].name, &st) != 0) {
			if (errno == ENOENT)
				find_fix(c, fix, CAIRN_FINDING_LAYOUT, in_file(parts[i].name),
				    "missing");
			else
				find(c, 1, 0, CAIRN_FINDING_LAYOUT, in_file(parts[i].name),
				    "cannot stat: %s", strerror(errno));
		} else if (S_ISLNK(st.st_mode))
			find_fix(c, fix, CAIRN_FINDING_LAYOUT, in_file(parts[i].name),
			    "is a symbolic link");
		else if (parts[i].dir && !S_ISDIR(st.st_mode))
			find_fix(c, fix, CAIRN_FINDING_LAYOUT, in_file(parts[i].name),
			    "is not a directory");
		else if (!parts[i].dir && !S_ISREG(st.st_mode))
			find_fix(c, fix, CAIRN_FINDING_LAYOUT, in_file(parts[i].name),
			    "is not a regular file");
	}
}

static void
check_files(struct fsck *c)
{
	int fd;

	check_layout(c);
	if ((fd = open_dir_fd(c, "refs")) != -1)
		(void)cairn_refs_walk(c->vfs, fd, refs_visit, c);
	else if (errno != ENOENT && errno != ELOOP && errno != ENOTDIR)
		find(c, 1, 0, CAIRN_FINDING_REF, ref_named(""), "cannot read the directory: %s",
		    strerror(errno));
	check_strays(c, "tmp", "tmp");
	check_strays(c, "", "stray");
	check_strays(c, "index", "stray");
}

/* One whole check. */

static void
release(struct fsck *c)
{
	if (c->data != NULL)
		c->vfs->munmap(c->vfs, (void *)c->data, c->data_len);
	c->data = NULL;
	cairn_buf_release(&c->wal);
	cairn_buf_release(&c->scratch);
	cairn_idset_release(&c->objs);
	findings_release(&c->findings);
	cairn_idset_release(&c->named);
	cairn_idset_release(&c->wanted);
	if (c->rootfd != -1)
		c->vfs->close(c->vfs, c->rootfd);
	c->rootfd = -1;
	cairn_repo_close(c->alternate);
	c->alternate = NULL;
}

/*
 * Size the table of objects (and of named ids, for a salvage) once, from the manifest's
 * count of indexed objects (a table that grows holds the old and the new
 * at once, half again its size at the peak).  The count is not trusted
 * beyond what the data file could hold; if the room cannot be had, the
 * tables grow as they are filled, as before.
 */
static void
reserve_objects(struct fsck *c)
{
	struct stat st;
	char path[4096];
	uint64_t n = 0, most;
	size_t i;

	if (!c->have_man)
		return;
	for (i = 0; i < c->man.nseg && i < CAIRN_MANIFEST_MAX_SEGMENTS; i++)
		n += c->man.seg_count[i];
	path_of(c, path, sizeof(path), c->man.data);
	if (c->vfs->lstat(c->vfs, path, &st) != 0 || st.st_size < 0)
		return;
	most = (uint64_t)st.st_size / CAIRN_REC_HDR_SIZE;
	if (n > most)
		n = most;
	if (n == 0 || n > SIZE_MAX / 4)
		return;
	(void)cairn_idset_reserve(&c->objs, (size_t)n);
	if (c->flags & CAIRN_FSCK_SALVAGE)
		(void)cairn_idset_reserve(&c->named, (size_t)n);
}

static const struct cairn_error *
run_pass(struct fsck *c)
{
	const struct cairn_error *err;

	c->rootfd = c->vfs->open(c->vfs, c->root, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC, 0);
	if ((err = check_config(c)) != NULL)
		return err;
	if (c->algo == 0) {
		find(c, 1, 0, CAIRN_FINDING_CONFIG, in_file("config"), "cannot tell the object "
		    "format: nothing else can be checked");
		return NULL;
	}
	c->idlen = cairn_hash_len(c->algo);
	cairn_idset_init(&c->objs, c->idlen);
	cairn_idset_init(&c->named, c->idlen);
	cairn_idset_init(&c->wanted, c->idlen);
	check_manifest(c);
	reserve_objects(c);
	check_data(c);
	check_wal(c);
	check_segments(c);
	check_unindexed(c);
	check_graph(c);
	check_files(c);
	c->res->objects = c->objs.n;
	return NULL;
}

static void
pass_init(struct fsck *c, struct cairn_vfs *vfs, const char *root,
    unsigned flags, struct cairn_fsck_result *res)
{
	memset(c, 0, sizeof(*c));
	c->root = root;
	c->vfs = vfs;
	c->flags = flags;
	c->res = res;
	c->rootfd = -1;
	c->lock_timeout_ms = CAIRN_LOCK_TIMEOUT_MS;
}

/* Repairs, under the writer lock. */

/* Take the lock file name ("lock" or "gc.lock") exclusively. */
static const struct cairn_error *
take_lock(struct fsck *c, const char *name, int *fd)
{
	const struct cairn_error *err;
	struct cairn_lock_wait w;
	char path[4096];
	struct stat st;

	path_of(c, path, sizeof(path), name);
	*fd = c->vfs->open(c->vfs, path, O_RDWR | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC, 0);
	if (*fd == -1)
		return cairn_error_sys(errno, "open '%s'", path);
	if (c->vfs->fstat(c->vfs, *fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		c->vfs->close(c->vfs, *fd);
		return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s' is not a "
		    "regular file", path);
	}
	cairn_lock_wait_init(&w, c->lock_timeout_ms);
	if ((err = cairn_lock_take(c->vfs, *fd, LOCK_EX, &w, path,
	    strcmp(name, "lock") == 0 ? "repository is locked by another "
	    "writer" : "repository is locked by another ref update or gc")) !=
	    NULL) {
		c->vfs->close(c->vfs, *fd);
		*fd = -1;
	}
	return err;
}

static const struct cairn_error *
writer_lock(struct fsck *c, int *fd)
{
	return take_lock(c, "lock", fd);
}

static const struct cairn_error *
unlink_in(struct fsck *c, const char *name)
{
	return remove_rel(c, name);
}

/*
 * The quarantine: <repo>/quarantine/<n>/, n the first number unused,
 * made when first needed.  What a repair or salvage will not trust but
 * must not delete (it may hold the only copy of a record) is moved there
 * under its own name (relative path kept).
 */
struct quarantine {
	int fd;			/* quarantine/<n>, or -1 */
	char name[64];		/* "quarantine/<n>" */
};

static const struct cairn_error *
quarantine_open(struct fsck *c, struct quarantine *q)
{
	unsigned long n;
	int top, e;

	if (q->fd != -1)
		return NULL;
	if (c->vfs->mkdirat(c->vfs, c->rootfd, "quarantine",
	    CAIRN_DIR_MODE) != 0 && errno != EEXIST)
		return cairn_error_sys(errno, "create '%s/quarantine'", c->root);
	top = c->vfs->openat(c->vfs, c->rootfd, "quarantine", O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC, 0);
	if (top == -1)
		return cairn_error_sys(errno, "open '%s/quarantine'", c->root);
	for (n = 1; n < 1000000; n++) {
		snprintf(q->name, sizeof(q->name), "%lu", n);
		if (c->vfs->mkdirat(c->vfs, top, q->name, CAIRN_DIR_MODE) == 0)
			break;
		if (errno != EEXIST) {
			e = errno;
			c->vfs->close(c->vfs, top);
			return cairn_error_sys(e, "create a directory in "
			    "'%s/quarantine'", c->root);
		}
	}
	q->fd = c->vfs->openat(c->vfs, top, q->name, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC, 0);
	e = errno;
	if (q->fd != -1 && c->vfs->fsync(c->vfs, top) != 0) {
		e = errno;
		c->vfs->close(c->vfs, q->fd);
		q->fd = -1;
	}
	c->vfs->close(c->vfs, top);
	snprintf(q->name, sizeof(q->name), "quarantine/%lu", n);
	if (q->fd == -1)
		return cairn_error_sys(e, "open '%s/%s'", c->root, q->name);
	return NULL;
}

/* Move rel (the entry itself, whatever it is) into the quarantine. */
static const struct cairn_error *
quarantine_move(struct fsck *c, struct quarantine *q, const char *rel)
{
	const struct cairn_error *err;
	char part[4096];
	const char *base, *p, *slash;
	int from, to, next, e = 0;

	if ((err = quarantine_open(c, q)) != NULL)
		return err;
	if ((from = open_parent(c, rel, &base)) == -1)
		return errno == ENOENT ? NULL :
		    cairn_error_sys(errno, "move '%s'", rel);
	/* The same directories inside the quarantine. */
	to = q->fd;
	for (p = rel; to != -1 && (slash = strchr(p, '/')) != NULL &&
	    (size_t)(slash - p) < sizeof(part); p = slash + 1) {
		memcpy(part, p, (size_t)(slash - p));
		part[slash - p] = '\0';
		if (c->vfs->mkdirat(c->vfs, to, part, CAIRN_DIR_MODE) == 0 &&
		    c->vfs->fsync(c->vfs, to) != 0)
			e = errno;
		next = c->vfs->openat(c->vfs, to, part, O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC, 0);
		if (to != q->fd)
			c->vfs->close(c->vfs, to);
		to = next;
	}
	if (e == 0 && (to == -1 ||
	    c->vfs->renameat(c->vfs, from, base, to, base) != 0))
		e = errno;
	if (e == 0 && (c->vfs->fsync(c->vfs, to) != 0 ||
	    c->vfs->fsync(c->vfs, from) != 0))
		e = errno;
	close_parent(c, from);
	if (to != -1 && to != q->fd)
		c->vfs->close(c->vfs, to);
	if (e == ENOENT)
		return NULL;
	return e ? cairn_error_sys(e, "move '%s' to '%s'", rel, q->name) :
	    NULL;
}

/*
 * Keep a copy of the file name (at the top of the repository) in the
 * quarantine under the same name; gone is fine.
 */
static const struct cairn_error *
quarantine_copy(struct fsck *c, struct quarantine *q, const char *name)
{
	const struct cairn_error *err;
	struct cairn_buf text = { 0 };
	char where[128];
	int fd;

	/* Gone, or no regular file of plausible size: nothing to keep. */
	if ((err = slurp(c, name, 1 << 20, &text)) != NULL) {
		if (err->code == CAIRN_ERR_NOT_FOUND ||
		    err->code == CAIRN_ERR_CORRUPT)
			err = NULL;
		goto done;
	}
	if ((err = quarantine_open(c, q)) != NULL)
		goto done;
	snprintf(where, sizeof(where), "%s/%s", q->name, name);
	fd = c->vfs->openat(c->vfs, q->fd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC, CAIRN_FILE_MODE);
	if (fd == -1) {
		err = cairn_error_sys(errno, "keep the old %s in '%s'", name,
		    q->name);
		goto done;
	}
	err = cairn_file_pwrite(c->vfs, fd, text.data, text.len, 0, where);
	if (err == NULL)
		err = cairn_file_sync(c->vfs, fd, 0, where);
	c->vfs->close(c->vfs, fd);
	if (err == NULL && c->vfs->fsync(c->vfs, q->fd) != 0)
		err = cairn_error_sys(errno, "sync '%s'", q->name);
done:
	cairn_buf_release(&text);
	return err;
}

/*
 * Make a missing directory or lock file anew; a link in its place is
 * removed (the link, never what it names), anything else moved into the
 * quarantine first.
 */
static const struct cairn_error *
fix_layout(struct fsck *c, const struct finding *f, struct quarantine *q)
{
	const struct cairn_error *err = NULL;
	char path[4096];
	struct stat st;
	int fd;

	if (c->vfs->fstatat(c->vfs, c->rootfd, f->file, &st) == 0) {
		if (f->fix == FIX_DIR ? S_ISDIR(st.st_mode) :
		    S_ISREG(st.st_mode))
			return NULL;	/* fixed since */
		if (S_ISLNK(st.st_mode) || (!S_ISREG(st.st_mode) &&
		    !S_ISDIR(st.st_mode))) {
			if (c->vfs->unlinkat(c->vfs, c->rootfd, f->file,
			    0) != 0 && errno != ENOENT)
				return cairn_error_sys(errno, "remove '%s/%s'",
				    c->root, f->file);
		} else if ((err = quarantine_move(c, q, f->file)) != NULL)
			return err;
	}
	path_of(c, path, sizeof(path), f->file);
	if (f->fix == FIX_DIR) {
		if (c->vfs->mkdir(c->vfs, path, CAIRN_DIR_MODE) != 0 &&
		    errno != EEXIST)
			return cairn_error_sys(errno, "create '%s'", path);
	} else {
		fd = c->vfs->open(c->vfs, path, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, CAIRN_LOCK_MODE);
		if (fd == -1 && errno != EEXIST)
			return cairn_error_sys(errno, "create '%s'", path);
		if (fd != -1 && (err = cairn_file_sync(c->vfs, fd, 0,
		    path)) != NULL) {
			c->vfs->close(c->vfs, fd);
			return err;
		}
		if (fd != -1 && (err = cairn_file_close(c->vfs, fd,
		    path)) != NULL)
			return err;
	}
	return cairn_file_sync_dir(c->vfs, c->root);
}

/* Move what stands where a file belongs (a directory) into the quarantine. */
static const struct cairn_error *
fix_quarantine(struct fsck *c, const struct finding *f, struct quarantine *q)
{
	struct stat st;

	if (c->vfs->fstatat(c->vfs, c->rootfd, f->file, &st) != 0 ||
	    S_ISREG(st.st_mode))
		return NULL;	/* fixed since */
	return quarantine_move(c, q, f->file);
}

/*
 * Write the config anew, under the writer lock, as init writes it: what
 * stood there (a link is removed, anything else kept in the quarantine)
 * is gone first.  The object format is the one the files name.
 */
static const struct cairn_error *
fix_config(struct fsck *c, struct quarantine *q)
{
	const struct cairn_error *err;
	struct cairn_buf text = { 0 };
	char path[4096], tmpdir[4096];
	struct stat st;
	int fd;

	if ((err = writer_lock(c, &fd)) != NULL)
		return err;
	if (c->vfs->fstatat(c->vfs, c->rootfd, "config", &st) == 0) {
		if (S_ISREG(st.st_mode))
			goto done;	/* fixed since */
		if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
			if (c->vfs->unlinkat(c->vfs, c->rootfd, "config",
			    0) != 0 && errno != ENOENT)
				err = cairn_error_sys(errno, "remove '%s/config'",
				    c->root);
		} else
			err = quarantine_move(c, q, "config");
	}
	if (err == NULL)
		err = cairn_buf_printf(&text, "# cairn repository configuration"
		    "\n# written anew by fsck --repair: the old one was "
		    "unusable\ncore.formatVersion = 1\nobject.format = %s\n"
		    "core.compression = 1\n", cairn_hash_name(c->algo));
	/*
	 * A shared repository (its directory setgid and group-writable, as
	 * init --shared made it) stays shared: without the key, the other
	 * members of the group would be refused.
	 */
	if (err == NULL && c->vfs->fstat(c->vfs, c->rootfd, &st) == 0 &&
	    (st.st_mode & (S_ISGID | S_IWGRP)) == (S_ISGID | S_IWGRP))
		err = cairn_buf_printf(&text, "core.sharedRepository = group\n");
	path_of(c, path, sizeof(path), "config");
	path_of(c, tmpdir, sizeof(tmpdir), "tmp");
	if (err == NULL)
		err = cairn_file_replace(c->vfs, tmpdir, path, text.data,
		    text.len);
	cairn_buf_release(&text);
done:
	c->vfs->close(c->vfs, fd);
	return err;
}

/*
 * The layout first (the lock file and tmp/ may be what is missing), then
 * what needs the lock: the config.
 */
static const struct cairn_error *
fix_layouts(struct fsck *c, const struct finding *f, size_t n,
    struct quarantine *q)
{
	const struct cairn_error *err = NULL, *e;
	size_t i;

	for (i = 0; i < n; i++)
		if ((f[i].fix == FIX_DIR || f[i].fix == FIX_FILE) &&
		    (e = fix_layout(c, &f[i], q)) != NULL && err == NULL)
			err = e;
	for (i = 0; i < n; i++)
		if (f[i].fix == FIX_QUARANTINE &&
		    (e = fix_quarantine(c, &f[i], q)) != NULL && err == NULL)
			err = e;
	for (i = 0; err == NULL && i < n; i++)
		if (f[i].fix == FIX_CONFIG)
			err = fix_config(c, q);
	return err;
}

/* A data file header written anew (it holds only magic and format). */
static const struct cairn_error *
fix_data_header(struct fsck *c)
{
	const struct cairn_error *err;
	unsigned char hdr[CAIRN_FILEHDR_SIZE];
	struct stat st;
	const char *why;
	int fd;

	if ((fd = open_file(c, c->man.data, O_RDWR, &st, &why)) == -1)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s' %s",
		    c->man.data, why);
	cairn_filehdr_encode(hdr, CAIRN_DATA_MAGIC, c->algo);
	err = cairn_file_pwrite(c->vfs, fd, hdr, sizeof(hdr), 0, c->man.data);
	if (err == NULL)
		err = cairn_file_sync(c->vfs, fd, 0, c->man.data);
	c->vfs->close(c->vfs, fd);
	return err;
}

/*
 * Remove what the findings call garbage: stale locks, tmp files, strays.
 * Every removal is tried; the first failure is returned.
 */
static const struct cairn_error *
remove_garbage(struct fsck *c, const struct finding *f, size_t n)
{
	const struct cairn_error *err = NULL, *e;
	struct cairn_buf rel = { 0 };
	const char *base;
	size_t i;
	int fd, dfd;

	for (i = 0; i < n; i++) {
		e = NULL;
		if (f[i].f.kind == CAIRN_FINDING_TMP ||
		    (f[i].f.kind == CAIRN_FINDING_STRAY && f[i].f.repairable))
			e = unlink_in(c, f[i].file);
		else if (f[i].f.kind == CAIRN_FINDING_LOCK) {
			cairn_buf_reset(&rel);
			if (cairn_buf_printf(&rel, "refs/%s", f[i].ref) ||
			    (dfd = open_parent(c, (char *)rel.data,
			    &base)) == -1)
				continue;
			/* Unlink only while holding it: a new holder may have come. */
			fd = c->vfs->openat(c->vfs, dfd, base, O_RDWR |
			    O_CLOEXEC, 0);
			if (fd != -1 &&
			    c->vfs->flock(c->vfs, fd, LOCK_EX | LOCK_NB) == 0 &&
			    c->vfs->unlinkat(c->vfs, dfd, base, 0) != 0 &&
			    errno != ENOENT)
				e = cairn_error_sys(errno, "remove '%s'",
				    (char *)rel.data);
			if (fd != -1)
				c->vfs->close(c->vfs, fd);
			close_parent(c, dfd);
		}
		if (err == NULL)
			err = e;
	}
	cairn_buf_release(&rel);
	return err;
}

static int
entry_cmp(const void *a, const void *b)
{
	return memcmp(((const struct cairn_seg_entry *)a)->id,
	    ((const struct cairn_seg_entry *)b)->id, CAIRN_OID_MAX);
}

struct entries {
	struct cairn_seg_entry *e;
	uint64_t n, i;
};

static int
entries_next(void *arg, struct cairn_seg_entry *out)
{
	struct entries *s = arg;

	if (s->i >= s->n)
		return 0;
	*out = s->e[s->i++];
	return 1;
}

/* The data file's intact objects below limit, sorted. */
static const struct cairn_error *
data_entries(struct fsck *c, uint64_t limit, struct entries *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if ((out->e = calloc(c->objs.n + 1, sizeof(*out->e))) == NULL)
		return cairn_error_nomem();
	for (i = 0; i < c->objs.n; i++)
		if (obj_where(c, i) == CAIRN_MEM_DATA &&
		    obj_loc(c, i) < limit) {
			memcpy(out->e[out->n].id, cairn_idset_id(&c->objs, i),
			    c->idlen);
			out->e[out->n++].off = obj_loc(c, i);
		}
	qsort(out->e, (size_t)out->n, sizeof(*out->e), entry_cmp);
	return NULL;
}

/*
 * The next unused file number, from every numbered file present (and the
 * manifest's "next" if with_manifest).
 */
static uint64_t
next_number(struct fsck *c, int with_manifest)
{
	struct dirent *de;
	unsigned long long n, best = with_manifest && c->have_man ?
	    c->man.next : 0;
	const char *subs[2] = { "", "index" };
	DIR *d;
	int i;

	for (i = 0; i < 2; i++) {
		if ((d = open_dir(c, subs[i])) == NULL)
			continue;
		while ((de = readdir(d)) != NULL)
			if ((sscanf(de->d_name, "objects.%llu.", &n) == 1 ||
			    sscanf(de->d_name, "%llu.idx", &n) == 1) &&
			    n + 1 > best)
				best = n + 1;
		closedir(d);
	}
	return best;
}

/* Copy the WAL's whole batches into the data file (the writer's redo). */
static const struct cairn_error *
redo_wal(struct fsck *c)
{
	const struct cairn_error *err = NULL;
	struct cairn_rec rec;
	char path[4096];
	size_t off, good, bad;
	int fd;

	if (c->wal.len < CAIRN_FILEHDR_SIZE || c->man.data[0] == '\0')
		return NULL;
	good = wal_walk(c, &bad);
	path_of(c, path, sizeof(path), c->man.data);
	if ((fd = c->vfs->open(c->vfs, path, O_RDWR | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC, 0)) == -1)
		return cairn_error_sys(errno, "open '%s'", path);
	for (off = CAIRN_FILEHDR_SIZE; off < good && err == NULL;
	    off += (size_t)cairn_rec_span(&rec)) {
		if (cairn_rec_decode(&rec, c->wal.data + off, c->idlen))
			break;
		if (rec.kind == CAIRN_REC_OBJECT || rec.kind == CAIRN_REC_TOUCH)
			err = cairn_file_pwrite(c->vfs, fd, c->wal.data + off,
			    (size_t)cairn_rec_span(&rec), rec.data_off, path);
	}
	if (err == NULL)
		err = cairn_file_sync(c->vfs, fd, 0, path);
	c->vfs->close(c->vfs, fd);
	return err;
}

/* Every segment file present (all derived data), to be replaced. */
static void
old_segments(struct fsck *c, char (*gone)[64], size_t *ngone)
{
	struct dirent *de;
	DIR *d;

	if ((d = open_dir(c, "index")) == NULL)
		return;
	while ((de = readdir(d)) != NULL && *ngone < CAIRN_MANIFEST_MAX_SEGMENTS)
		if (strlen(de->d_name) < 50 && strstr(de->d_name, ".idx"))
			snprintf(gone[(*ngone)++], 64, "index/%s", de->d_name);
	closedir(d);
}

/*
 * Rebuild the index (one segment of every intact object below the
 * watermark) and publish it.  Without a usable manifest, first redo the
 * WAL into the data file and start a fresh WAL; the watermark becomes the
 * end of the last intact record.  The old WAL is moved into the
 * quarantine if it was damaged (records past the damage may be intact and
 * held nowhere else), removed otherwise.
 */
static const struct cairn_error *
rebuild(struct fsck *old, struct cairn_fsck_result *res, int keep_wal,
    struct quarantine *q)
{
	const struct cairn_error *err;
	struct fsck c;
	struct cairn_manifest m;
	struct entries ent;
	struct cairn_buf text = { 0 };
	char path[4096], tmpdir[4096], gone[2 * CAIRN_MANIFEST_MAX_SEGMENTS + 2][64];
	char oldwal[64] = "";
	unsigned char hdr[CAIRN_FILEHDR_SIZE];
	size_t ngone = 0, i;
	int fresh_wal = !old->have_man;

	if (fresh_wal && (err = redo_wal(old)) != NULL)
		return err;
	pass_init(&c, old->vfs, old->root, old->flags, res);
	if ((err = run_pass(&c)) != NULL)
		goto done;
	m = c.man;
	if (fresh_wal)
		m.watermark = c.data_end;
	m.next = next_number(&c, 1);
	for (i = 0; i < m.nseg; i++)
		memcpy(gone[ngone++], m.seg[i], 64);
	if (fresh_wal)
		old_segments(&c, gone, &ngone);
	if ((err = data_entries(&c, m.watermark, &ent)) != NULL)
		goto done;
	snprintf(m.seg[0], 64, "index/%llu.idx", (unsigned long long)m.next++);
	m.seg_count[0] = ent.n;
	m.nseg = 1;
	path_of(&c, tmpdir, sizeof(tmpdir), "tmp");
	path_of(&c, path, sizeof(path), m.seg[0]);
	err = cairn_segment_write(c.vfs, tmpdir, path, c.idlen, ent.n,
	    entries_next, &ent);
	free(ent.e);
	if (err == NULL && fresh_wal) {
		memcpy(oldwal, m.wal, 64);
		snprintf(m.wal, 64, "objects.%llu.wal",
		    (unsigned long long)m.next++);
		cairn_filehdr_encode(hdr, CAIRN_WAL_MAGIC, c.algo);
		path_of(&c, path, sizeof(path), m.wal);
		err = cairn_file_replace(c.vfs, tmpdir, path, hdr, sizeof(hdr));
	}
	if (err == NULL)
		err = cairn_manifest_format(&text, &m);
	path_of(&c, path, sizeof(path), "manifest");
	if (err == NULL)
		err = cairn_file_replace(c.vfs, tmpdir, path, text.data,
		    text.len);
	for (i = 0; err == NULL && i < ngone; i++)
		err = unlink_in(&c, gone[i]);
	if (err == NULL && oldwal[0] != '\0')
		err = keep_wal ? quarantine_move(&c, q, oldwal) :
		    unlink_in(&c, oldwal);
done:
	cairn_buf_release(&text);
	release(&c);
	return err;
}

/* Let a writer open recover the WAL tail and the data file past it. */
static void
recover(struct fsck *c)
{
	struct cairn_repo *r;

	if (cairn_repo_open_vfs(c->root, 0, c->vfs, &r) != NULL)
		return;
	if (cairn_batch_begin(r) == NULL)
		(void)cairn_batch_commit(r);
	cairn_repo_close(r);
}

static int
has_kind(const struct finding *f, size_t n, enum cairn_finding_kind kind)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (f[i].f.kind == kind)
			return 1;
	return 0;
}

/*
 * Is there a torn WAL tail or damage past the watermark, which a writer's
 * open recovers, and no damage that open would stumble on (a data file
 * that is no regular file, damage below the watermark)?
 */
static int
recoverable(const struct finding *f, size_t n)
{
	size_t i;
	int torn = 0;

	for (i = 0; i < n; i++) {
		if (f[i].f.kind != CAIRN_FINDING_DATA &&
		    f[i].f.kind != CAIRN_FINDING_WAL)
			continue;
		if (!f[i].f.repairable || f[i].fix != FIX_NONE)
			return 0;
		torn = 1;
	}
	return torn;
}

/*
 * Is the WAL broken in a way --repair fixes (by redoing the batches
 * before the damage and starting a fresh WAL), which a writer's recovery
 * does not?  (Damage with whole batches after it is --salvage's.)
 */
static int
wal_broken(const struct finding *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (f[i].f.kind == CAIRN_FINDING_WAL && f[i].f.error &&
		    f[i].f.repairable)
			return 1;
	return 0;
}

/*
 * Repair under the writer lock, from a check made under it too: what
 * the first, unlocked check saw may have been a flush or gc at work.
 */
static const struct cairn_error *
repair(struct fsck *c, const struct finding *f, size_t n,
    struct cairn_fsck_result *scratch)
{
	const struct cairn_error *err = NULL;
	struct quarantine q = { -1, "" };
	struct finding *g;
	struct fsck now;
	size_t m, i;
	int fd, guessed = 0;

	/* Nothing is written to a repository another user owns. */
	if ((err = cairn_file_check_owner(c->root)) != NULL)
		return err;
	/* The lock itself may be what is missing. */
	if ((err = fix_layouts(c, f, n, &q)) != NULL)
		goto done;
	if (c->have_man && !wal_broken(f, n) && recoverable(f, n))
		recover(c);
	if ((err = writer_lock(c, &fd)) != NULL)
		goto done;
	pass_init(&now, c->vfs, c->root, c->flags, scratch);
	if ((err = run_pass(&now)) == NULL && now.unreadable_errno != 0)
		err = cairn_error_sys(now.unreadable_errno, "cannot repair: "
		    "'%s/%s' cannot be read", now.root, now.unreadable);
	if (err == NULL) {
		g = (struct finding *)now.findings.data;
		m = now.findings.len / sizeof(*g);
		guessed = !now.have_man;
		err = remove_garbage(&now, g, m);
		for (i = 0; err == NULL && i < m; i++)
			if (g[i].fix == FIX_DATA_HEADER)
				err = fix_data_header(&now);
		if (wal_broken(g, m))
			now.have_man = 0;	/* rebuild with a fresh WAL */
		if (err == NULL && (has_kind(g, m, CAIRN_FINDING_INDEX) ||
		    has_kind(g, m, CAIRN_FINDING_BLOOM) || has_kind(g, m, CAIRN_FINDING_MANIFEST) ||
		    wal_broken(g, m)))
			err = rebuild(&now, scratch, wal_broken(g, m), &q);
		else
			m = 0;	/* nothing rebuilt: nothing new to clean */
		release(&now);
		/*
		 * A rebuild names a new generation, which may turn files an
		 * interrupted repair left (a WAL the old manifest did not
		 * name) into strays: remove them too, so one repair is enough.
		 */
		if (err == NULL && m > 0) {
			pass_init(&now, c->vfs, c->root, c->flags, scratch);
			now.guessed = guessed;
			if ((err = run_pass(&now)) == NULL) {
				g = (struct finding *)now.findings.data;
				err = remove_garbage(&now, g,
				    now.findings.len / sizeof(*g));
			}
			release(&now);
		}
	} else
		release(&now);
	c->vfs->close(c->vfs, fd);
done:
	if (q.fd != -1)
		c->vfs->close(c->vfs, q.fd);
	return err;
}

/*
 * Salvage: a new generation made of every intact record found anywhere
 * (the data file, the WAL, data files and WALs no manifest names, e.g.
 * left by an interrupted gc), published like gc's (new data file, index
 * segment and WAL, fsync, manifest rename); only then are the old files
 * moved into the quarantine, never deleted.  A record is intact when its
 * header decodes, its stored bytes match their CRC and its content hashes
 * to its id.  Ids that some record or index entry named but no intact
 * record holds are reported lost, and so are refs whose target is lost
 * (moved into the quarantine, so that gc can run again).
 */
#define SALVAGE_MAX_SOURCES 64

struct salvage_src {
	char name[64];
	int fd;
	uint64_t size;
};

struct salvage_rec {
	uint32_t src;
	uint64_t off;
};

struct salvage {
	struct fsck *c;			/* the check made under the locks */
	struct fsck *sink;		/* gets the findings of what was lost */
	struct quarantine *q;
	struct rec_reader *r;
	struct salvage_src src[SALVAGE_MAX_SOURCES];
	size_t nsrc;
	struct cairn_idset found;	/* the ids of intact records */
	struct cairn_buf order;		/* struct salvage_rec, in copy order */
	uint64_t lost_refs;
};

static const struct cairn_error *
salvage_add_source(struct salvage *s, const char *name)
{
	struct stat st;
	const char *why;
	size_t i;
	int fd, e;

	if (name[0] == '\0' || s->nsrc == SALVAGE_MAX_SOURCES)
		return NULL;
	for (i = 0; i < s->nsrc; i++)
		if (strcmp(s->src[i].name, name) == 0)
			return NULL;
	if ((fd = open_file(s->c, name, O_RDONLY, &st, &why)) == -1) {
		/*
		 * A link, FIFO or directory holds nothing of ours; a file
		 * we may not read may hold the only copy of everything.
		 */
		e = errno;
		if (e != ENOENT && e != ELOOP && e != EMLINK && e != ENXIO &&
		    e != EISDIR && e != ENOTDIR)
			return cairn_error_sys(e, "cannot salvage: '%s/%s' "
			    "cannot be read", s->c->root, name);
		return NULL;
	}
	snprintf(s->src[s->nsrc].name, sizeof(s->src[0].name), "%s", name);
	s->src[s->nsrc].fd = fd;
	s->src[s->nsrc++].size = (uint64_t)st.st_size;
	return NULL;
}

/* The files to read: the manifest's, then every other numbered one. */
static const struct cairn_error *
salvage_sources(struct salvage *s)
{
	const struct cairn_error *err;
	struct dirent *de;
	unsigned long long n;
	char ext[8];
	int used;
	DIR *d;

	if ((err = salvage_add_source(s, s->c->man.data)) != NULL ||
	    (err = salvage_add_source(s, s->c->man.wal)) != NULL)
		return err;
	if ((d = open_dir(s->c, "")) == NULL)
		return cairn_error_sys(errno, "cannot salvage: read '%s'",
		    s->c->root);
	while (err == NULL && (de = readdir(d)) != NULL)
		if (strlen(de->d_name) < 60 && sscanf(de->d_name,
		    "objects.%llu.%7[a-z]%n", &n, ext, &used) == 2 &&
		    de->d_name[used] == '\0' && (strcmp(ext, "data") == 0 ||
		    strcmp(ext, "wal") == 0))
			err = salvage_add_source(s, de->d_name);
	closedir(d);
	return err;
}

/* Every intact object record of source i not found before. */
static const struct cairn_error *
salvage_scan(struct salvage *s, uint32_t i)
{
	const struct cairn_error *err;
	struct salvage_rec sr;
	struct cairn_rec rec;
	uint64_t off = CAIRN_FILEHDR_SIZE, span;
	size_t at;
	int intact;

	s->r->fd = s->src[i].fd;
	s->r->size = s->src[i].size;
	s->r->name = s->src[i].name;
	while (next_header(s->r, &off, &rec, 1)) {
		span = cairn_rec_span(&rec);
		if (rec.kind == CAIRN_REC_COMMIT) {
			off += span;
			continue;
		}
		note_named(s->c, rec.id.hash);
		intact = 0;
		if (rec.kind == CAIRN_REC_OBJECT &&
		    cairn_idset_find(&s->found, rec.id.hash) ==
		    CAIRN_IDSET_NONE &&
		    (err = stream_verify(s->r, off, &rec, 0, &intact)) != NULL)
			return err;
		if (intact) {
			sr.src = i;
			sr.off = off;
			if ((err = cairn_idset_add(&s->found, rec.id.hash, 0, 0,
			    &at, NULL)) != NULL ||
			    (err = cairn_buf_append(&s->order, &sr,
			    sizeof(sr))) != NULL)
				return err;
		}
		/* A header whose CRC holds has its true span. */
		off += span <= s->r->size - off ? span : 1;
	}
	return NULL;
}

/* Copy one intact record to w, re-checking its CRC on the way. */
static const struct cairn_error *
salvage_copy(struct salvage *s, const struct salvage_rec *sr,
    struct cairn_wbuf *w, struct cairn_seg_entry *ent)
{
	const struct cairn_error *err;
	struct salvage_src *src = &s->src[sr->src];
	unsigned char hdr[CAIRN_REC_HDR_SIZE];
	struct cairn_rec rec;
	uint64_t at, left;
	uint32_t crc = 0;
	size_t n;

	if ((err = cairn_file_pread(s->c->vfs, src->fd, hdr, sizeof(hdr),
	    sr->off, src->name)) != NULL ||
	    (err = cairn_rec_decode(&rec, hdr, s->c->idlen)) != NULL)
		return err;
	rec.data_off = w->off + w->len;
	memcpy(ent->id, rec.id.hash, CAIRN_OID_MAX);
	ent->off = rec.data_off;
	cairn_rec_encode(hdr, &rec);
	if ((err = cairn_wbuf_put(w, hdr, sizeof(hdr))) != NULL)
		return err;
	at = sr->off + CAIRN_REC_HDR_SIZE;
	for (left = rec.stored; left > 0; left -= n, at += n) {
		n = left < CHUNK ? (size_t)left : CHUNK;
		if ((err = cairn_file_pread(s->c->vfs, src->fd, s->r->buf, n,
		    at, src->name)) != NULL ||
		    (err = cairn_wbuf_put(w, s->r->buf, n)) != NULL)
			return err;
		crc = cairn_crc32(crc, s->r->buf, n);
	}
	if (crc != rec.crc)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s' changed at "
		    "offset %llu while it was salvaged", src->name,
		    (unsigned long long)sr->off);
	return NULL;
}

/* The new data file at name: every intact record; entries sorted. */
static const struct cairn_error *
salvage_write_data(struct salvage *s, const char *name, struct entries *ent,
    uint64_t *end)
{
	const struct cairn_error *err;
	const struct salvage_rec *sr = (const struct salvage_rec *)s->order.data;
	struct cairn_buf tmp = { 0 };
	struct cairn_wbuf *w;
	char tmpdir[4096], path[4096];
	unsigned char hdr[CAIRN_FILEHDR_SIZE];
	size_t i, n = s->order.len / sizeof(*sr);
	int fd = -1;

	memset(ent, 0, sizeof(*ent));
	if ((w = malloc(sizeof(*w))) == NULL ||
	    (ent->e = calloc(n + 1, sizeof(*ent->e))) == NULL) {
		free(w);
		return cairn_error_nomem();
	}
	path_of(s->c, tmpdir, sizeof(tmpdir), "tmp");
	path_of(s->c, path, sizeof(path), name);
	if ((err = cairn_file_tmp(s->c->vfs, tmpdir, &tmp, &fd)) != NULL)
		goto done;
	cairn_wbuf_init(w, s->c->vfs, fd, (char *)tmp.data, 0);
	cairn_filehdr_encode(hdr, CAIRN_DATA_MAGIC, s->c->algo);
	err = cairn_wbuf_put(w, hdr, sizeof(hdr));
	for (i = 0; err == NULL && i < n; i++)
		err = salvage_copy(s, &sr[i], w, &ent->e[ent->n++]);
	*end = w->off + w->len;
	if (err == NULL)
		err = cairn_wbuf_flush(w);
	if (err == NULL) {
		err = cairn_file_commit_tmp(s->c->vfs, fd, (char *)tmp.data,
		    path);
		fd = -1;
	}
	qsort(ent->e, (size_t)ent->n, sizeof(*ent->e), entry_cmp);
done:
	if (fd != -1) {
		s->c->vfs->close(s->c->vfs, fd);
		s->c->vfs->unlink(s->c->vfs, (char *)tmp.data);
	}
	cairn_buf_release(&tmp);
	free(w);
	return err;
}

/*
 * Publish the new generation: data file, segment, empty WAL, then the
 * manifest (the commit point).  The old manifest is kept in the
 * quarantine by a hard link made first.
 */
static const struct cairn_error *
salvage_publish(struct salvage *s, struct cairn_manifest *m)
{
	const struct cairn_error *err;
	struct cairn_buf text = { 0 };
	struct entries ent;
	char tmpdir[4096], path[4096];
	unsigned char hdr[CAIRN_FILEHDR_SIZE];
	uint64_t base = next_number(s->c, 1), end = 0;

	memset(m, 0, sizeof(*m));
	snprintf(m->data, sizeof(m->data), "objects.%llu.data",
	    (unsigned long long)base);
	snprintf(m->wal, sizeof(m->wal), "objects.%llu.wal",
	    (unsigned long long)base + 1);
	snprintf(m->seg[0], sizeof(m->seg[0]), "index/%llu.idx",
	    (unsigned long long)base + 2);
	m->next = base + 3;
	if ((err = salvage_write_data(s, m->data, &ent, &end)) != NULL)
		goto done;
	m->watermark = end;
	m->nseg = 1;
	m->seg_count[0] = ent.n;
	path_of(s->c, tmpdir, sizeof(tmpdir), "tmp");
	path_of(s->c, path, sizeof(path), m->seg[0]);
	err = cairn_segment_write(s->c->vfs, tmpdir, path, s->c->idlen, ent.n,
	    entries_next, &ent);
	if (err == NULL) {
		cairn_filehdr_encode(hdr, CAIRN_WAL_MAGIC, s->c->algo);
		path_of(s->c, path, sizeof(path), m->wal);
		err = cairn_file_replace(s->c->vfs, tmpdir, path, hdr,
		    sizeof(hdr));
	}
	if (err == NULL)
		err = quarantine_open(s->c, s->q);
	if (err == NULL)
		err = quarantine_copy(s->c, s->q, "manifest");
	if (err == NULL)
		err = cairn_manifest_format(&text, m);
	path_of(s->c, path, sizeof(path), "manifest");
	if (err == NULL)
		err = cairn_file_replace(s->c->vfs, tmpdir, path, text.data,
		    text.len);
done:
	free(ent.e);
	cairn_buf_release(&text);
	return err;
}

/* Move every old generation file (all but m's) into the quarantine. */
static const struct cairn_error *
salvage_retire(struct salvage *s, const struct cairn_manifest *m)
{
	const struct cairn_error *err = NULL, *e;
	char name[4096];
	struct dirent *de;
	const char *subs[2] = { "", "index" };
	DIR *d;
	int i;

	for (i = 0; i < 2; i++) {
		if ((d = open_dir(s->c, subs[i])) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			snprintf(name, sizeof(name), "%s%s%s", subs[i],
			    *subs[i] ? "/" : "", de->d_name);
			if (de->d_name[0] == '.' || (!*subs[i] &&
			    strncmp(de->d_name, "objects.", 8) != 0))
				continue;
			if (strcmp(name, m->data) == 0 ||
			    strcmp(name, m->wal) == 0 ||
			    strcmp(name, m->seg[0]) == 0)
				continue;
			if ((e = quarantine_move(s->c, s->q, name)) != NULL &&
			    err == NULL)
				err = e;
		}
		closedir(d);
	}
	return err;
}

/* A ref whose target is lost (or unreadable) goes to the quarantine. */
static void
salvage_ref(struct salvage *s, int dfd, const char *base, const char *name)
{
	const struct cairn_error *err = NULL;
	struct cairn_oid id;
	char buf[CAIRN_OID_HEXMAX + 8], hex[CAIRN_OID_HEXMAX + 1], why[256];
	struct cairn_buf rel = { 0 };
	const char *unused;
	ssize_t n;

	n = read_small(s->c, dfd, base, buf, sizeof(buf), &unused);
	if (n < 0)
		snprintf(why, sizeof(why), "is not a readable regular file");
	else if ((err = cairn_refs_parse(&id, s->c->algo, buf, (size_t)n,
	    name)) != NULL)
		snprintf(why, sizeof(why), "is malformed");
	else if (cairn_idset_find(&s->found, id.hash) == CAIRN_IDSET_NONE &&
	    (s->c->alternate == NULL ||
	    cairn_object_exists(s->c->alternate, &id) != NULL))
		snprintf(why, sizeof(why), "points to %s, which no intact "
		    "record holds", cairn_oid_fmt(&id, hex));
	else
		return;
	if (cairn_buf_printf(&rel, "refs/%s", name) == NULL &&
	    (err = quarantine_move(s->c, s->q, (char *)rel.data)) == NULL) {
		s->lost_refs++;
		find_lost(s->sink, CAIRN_FINDING_REF, ref_named(name), "lost: %s (moved to %s/%s)",
		    why, s->q->name, (char *)rel.data);
	} else
		find_lost(s->sink, CAIRN_FINDING_REF, ref_named(name), "lost: %s; cannot move it: "
		    "%s", why, err ? err->msg : "out of memory");
	cairn_buf_release(&rel);
}

/*
 * What salvage makes of each entry of the walk of refs/ (refs.h): every
 * file but a lock is judged as a ref; a directory that cannot be read
 * is left as it is.
 */
static const struct cairn_error *
salvage_visit(void *arg, enum cairn_refs_kind kind, const char *name, int dfd,
    const char *base, int sys_errno)
{
	(void)sys_errno;
	if (kind != CAIRN_REFS_LOCK && dfd != -1 && base != NULL)
		salvage_ref(arg, dfd, base, name);
	return NULL;
}

/* Report every named id that no intact record holds. */
static void
salvage_lost_objects(struct salvage *s)
{
	const unsigned char *named;
	struct cairn_oid id;
	size_t i, e;

	/* In the order of the slots (idset.h), as ever. */
	for (i = 0; i < s->c->named.cap; i++) {
		e = cairn_idset_slot(&s->c->named, i);
		if (e == CAIRN_IDSET_NONE)
			continue;
		named = cairn_idset_id(&s->c->named, e);
		if (cairn_idset_find(&s->found, named) != CAIRN_IDSET_NONE)
			continue;
		cairn_oid_set(named, s->c->idlen, &id);
		if (s->c->alternate != NULL &&
		    cairn_object_exists(s->c->alternate, &id) == NULL)
			continue;
		find_lost(s->sink, CAIRN_FINDING_OBJECT, object(named), "lost: "
		    "no intact record of it was found");
	}
}

/*
 * Salvage under the writer lock and the gc lock.  c is the first check;
 * the findings of what was lost are added to it.
 */
static const struct cairn_error *
salvage(struct fsck *c, const struct finding *f, size_t n,
    struct cairn_fsck_result *scratch)
{
	const struct cairn_error *err;
	struct quarantine q = { -1, "" };
	struct cairn_manifest m;
	struct salvage s;
	struct fsck now;
	size_t i;
	int fd = -1, gfd = -1, rfd;

	memset(&s, 0, sizeof(s));
	pass_init(&now, c->vfs, c->root, c->flags | CAIRN_FSCK_QUICK,
	    scratch);
	if ((err = cairn_file_check_owner(c->root)) != NULL ||
	    (err = fix_layouts(c, f, n, &q)) != NULL ||
	    (err = writer_lock(c, &fd)) != NULL ||
	    (err = take_lock(c, "gc.lock", &gfd)) != NULL ||
	    (err = run_pass(&now)) != NULL)
		goto done;
	if (now.algo == 0) {
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "cannot salvage: the "
		    "config does not say the object format");
		goto done;
	}
	s.c = &now;
	s.sink = c;
	s.q = &q;
	cairn_idset_init(&s.found, now.idlen);
	if ((s.r = calloc(1, sizeof(*s.r))) == NULL) {
		err = cairn_error_nomem();
		goto done;
	}
	s.r->c = &now;
	err = salvage_sources(&s);
	for (i = 0; err == NULL && i < s.nsrc; i++)
		err = salvage_scan(&s, (uint32_t)i);
	if (err == NULL)
		err = salvage_publish(&s, &m);
	if (err == NULL)
		err = salvage_retire(&s, &m);
	if (err == NULL && (rfd = open_dir_fd(&now, "refs")) != -1)
		(void)cairn_refs_walk(now.vfs, rfd, salvage_visit, &s);
	if (err == NULL)
		salvage_lost_objects(&s);
done:
	for (i = 0; i < s.nsrc; i++)
		now.vfs->close(now.vfs, s.src[i].fd);
	free(s.r);
	cairn_idset_release(&s.found);
	cairn_buf_release(&s.order);
	release(&now);
	if (gfd != -1)
		c->vfs->close(c->vfs, gfd);
	if (fd != -1)
		c->vfs->close(c->vfs, fd);
	if (q.fd != -1)
		c->vfs->close(c->vfs, q.fd);
	return err;
}

/* Reporting. */

static int
same_text(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* The same identity: kind and subject, never the message. */
static int
same_finding(const struct finding *a, const struct finding *b)
{
	return a->f.kind == b->f.kind && a->offset == b->offset &&
	    a->has_id == b->has_id &&
	    (!a->has_id || cairn_oid_cmp(&a->id, &b->id) == 0) &&
	    same_text(a->file, b->file) && same_text(a->ref, b->ref) &&
	    same_text(a->key, b->key);
}

static void
report_all(struct finding *f, size_t n, const struct finding *left,
    size_t nleft, int repairing, struct cairn_fsck_result *res,
    void (*report)(void *, const struct cairn_finding *), void *arg)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		f[i].f.file = f[i].file;
		f[i].f.offset = f[i].offset;
		f[i].f.id = f[i].has_id ? &f[i].id : NULL;
		f[i].f.ref = f[i].ref;
		f[i].f.key = f[i].key;
		f[i].f.subject = f[i].subject;
		f[i].f.message = f[i].message;
		if (repairing && f[i].fix != FIX_LOST) {
			f[i].f.repaired = 1;
			for (j = 0; j < nleft; j++)
				if (same_finding(&f[i], &left[j]))
					f[i].f.repaired = 0;
		}
		/* What --salvage fixed, it could repair, whatever --repair can. */
		if (f[i].f.repaired)
			f[i].f.repairable = 1;
		if (f[i].f.repaired)
			res->repaired++;
		else if (f[i].f.error)
			res->errors++;
		else
			res->warnings++;
		if (!f[i].f.repaired && !f[i].f.error && f[i].f.check != NULL)
			res->object_warnings++;
		if (report != NULL)
			report(arg, &f[i].f);
	}
}

/* Workers that verify the data file: opts' count, or one per core. */
static unsigned
thread_count(unsigned want)
{
	long n = want > 0 ? (long)want : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

const struct cairn_error *
cairn_fsck_vfs(const char *path, const struct cairn_fsck_opts *opts,
    struct cairn_fsck_result *res, struct cairn_vfs *vfs)
{
	const struct cairn_error *err;
	struct cairn_fsck_result scratch = CAIRN_FSCK_RESULT_INIT;
	struct fsck c, after;
	struct finding *f, *left;
	size_t n, nleft, i;
	unsigned flags = opts->flags;
	cairn_finding_fn report = opts->report;
	void *arg = opts->arg;

	memset(res, 0, sizeof(*res));
	res->size = sizeof(*res);
	pass_init(&c, vfs, path, flags, res);
	c.progress = opts->progress;
	c.arg = arg;
	c.threads = thread_count(opts->threads);
	if ((err = run_pass(&c)) != NULL) {
		release(&c);
		return err;
	}
	f = (struct finding *)c.findings.data;
	n = c.findings.len / sizeof(*f);
	if (!(flags & (CAIRN_FSCK_REPAIR | CAIRN_FSCK_SALVAGE)) || n == 0) {
		report_all(f, n, NULL, 0, 0, res, report, arg);
		release(&c);
		return NULL;
	}
	scratch.size = sizeof(scratch);
	if (flags & CAIRN_FSCK_SALVAGE) {
		err = salvage(&c, f, n, &scratch);
		/* salvage added findings: the buffer may have moved */
		f = (struct finding *)c.findings.data;
		n = c.findings.len / sizeof(*f);
	}
	if (err == NULL)
		err = repair(&c, f, n, &scratch);
	pass_init(&after, vfs, path, flags, &scratch);
	after.threads = c.threads;
	if (err == NULL)
		err = run_pass(&after);
	left = (struct finding *)after.findings.data;
	nleft = after.findings.len / sizeof(*left);
	if (err == NULL) {
		report_all(f, n, left, nleft, 1, res, report, arg);
		/* What the repair uncovered (or left) that was not seen before. */
		for (i = 0; i < nleft; i++) {
			size_t j;
			int seen = 0;

			for (j = 0; j < n; j++)
				seen |= same_finding(&left[i], &f[j]);
			if (!seen)
				report_all(&left[i], 1, left, nleft, 0, res,
				    report, arg);
		}
	}
	release(&after);
	release(&c);
	return err;
}

const struct cairn_error *
cairn_repo_fsck(const char *path, const struct cairn_fsck_opts *opts,
    struct cairn_fsck_result *res)
{
	static const struct cairn_fsck_opts defaults = CAIRN_FSCK_OPTS_INIT;
	const struct cairn_error *err;
	struct cairn_fsck_result full;
	struct cairn_fsck_opts o;

	if (path == NULL)
		return cairn_error_new(CAIRN_ERR_USAGE, "no repository path");
	if ((err = cairn_sized_in(&o, sizeof(o), &defaults, opts,
	    "cairn_fsck_opts")) != NULL ||
	    (err = cairn_sized_check(res, sizeof(*res),
	    "cairn_fsck_result")) != NULL)
		return err;
	if (cairn_rados_url(path))
		err = cairn_rados_fsck(path, &o, &full);
	else
		err = cairn_fsck_vfs(path, &o, &full, cairn_vfs_default());
	cairn_sized_out(res, &full, sizeof(full));
	return err;
}
