/*
 * rados.c: the RADOS backend: a repository in a Ceph RADOS pool, shared
 * by writers on many hosts at once, with no lock to store objects.
 *
 * rados://<pool>/<name> keeps its RADOS objects in pool <pool>, namespace
 * <name>:
 *
 *   config          the config text, as a disk repository's config file
 *   head            the commit point.  Its data is the manifest (below);
 *                   its xattr "gen" is a decimal counter that gc and
 *                   flush raise whenever they take a batch out of the
 *                   manifest; its omap holds the refs, key the ref name,
 *                   value the id in hex
 *   p.<hex>.<n>     part n of pack <hex> (32 hex digits picked at random
 *                   by the writer, so no two writers ever share a name).
 *                   A pack is one byte stream cut into parts of PART
 *                   bytes (the last one shorter, possibly empty): the
 *                   16-byte file header of record.h ("CAIRNDAT"), then
 *                   records of record.h (kind OBJECT), each with its time
 *   s.<hex>         an index segment of segment.h, written whole once.
 *                   Each entry's offset is slot << 48 | offset: the
 *                   object's record is at that offset of the slot-th pack
 *                   its manifest line names
 *
 * The manifest is text, one item per line:
 *
 *   cairn rados manifest 1 <sha256|sha1>
 *   b <time> <seg hex> <own pack hex or -> [<pack hex>...]
 *   d <time> <object name>
 *
 * A "b" line is a committed batch: its segment, the pack it wrote (slot
 * 0), and the packs of objects it only touched (put again: found stored,
 * so only named; slots 1...).  Its time (seconds since the epoch) counts
 * as the time of every object the segment lists, for gc's grace period,
 * besides each record's own time; gc's output has time 0.  A "d" line
 * names an object gc or flush took out of the manifest at <time>; a later
 * gc deletes it once no line names it and it is an hour old (readers of
 * an older manifest may still be reading it; a writer that touched an
 * object there may still be committing).
 *
 * Committing a batch: write the pack's parts, then the segment, then
 * append the line to head in one write op that compares "gen" with the
 * value the writer's touches were resolved under.  When gc or flush ran in
 * between, the writer reloads, resolves its touches again (an object that
 * moved is named where it now is; one that is gone is still in a pack an
 * hour from deletion, or the commit fails) and retries.  Nothing else
 * serialises writers.
 *
 * gc and flush rewrite the manifest with write_full in one op that asserts
 * head's object version (so nothing was appended and no ref moved since
 * they read it) and raises "gen"; they hold the RADOS lock "gc" on head,
 * which expires by itself if they die.  A ref update is one op on head:
 * an omap compare of each ref's current value (empty: absent), the
 * "gen" compare (no gc since the targets were found), then the sets and
 * removals; a transaction is all or nothing.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "encode.h"
#include "memtable.h"
#include "object.h"
#include "rados.h"
#include "record.h"
#include "refname.h"
#include "segment.h"
#include "zip.h"

int
cairn_rados_url(const char *path)
{
	return path != NULL && strncasecmp(path, "rados://", 8) == 0;
}

#if defined(__has_include)
#if __has_include(<rados/librados.h>)
#define HAVE_RADOS 1
#endif
#endif

#ifndef HAVE_RADOS

static const struct cairn_error *
absent(void)
{
	return cairn_error_new(CAIRN_ERR_IO, "this build of cairn has no "
	    "RADOS support (librados-dev was not installed when it was "
	    "built)");
}

const struct cairn_error *
cairn_rados_create(const char *url, int algo, const char *config, size_t len)
{
	(void)url, (void)algo, (void)config, (void)len;
	return absent();
}

const struct cairn_error *
cairn_rados_config_read(const char *url, struct cairn_buf *out)
{
	(void)url, (void)out;
	return absent();
}

const struct cairn_error *
cairn_rados_config_write(const char *url, const char *text, size_t len)
{
	(void)url, (void)text, (void)len;
	return absent();
}

const struct cairn_error *
cairn_rados_open(struct cairn_backend **out, const char *url,
    const struct cairn_backend_params *p)
{
	(void)out, (void)url, (void)p;
	return absent();
}

const struct cairn_error *
cairn_rados_fsck(const char *url, const struct cairn_fsck_opts *opts,
    struct cairn_fsck_result *res)
{
	(void)url, (void)opts, (void)res;
	return absent();
}

void
cairn_rados_set_lower(struct cairn_backend *be, struct cairn_backend *lower)
{
	(void)be, (void)lower;
}

void
cairn_rados_fault_cas(int on)
{
	(void)on;
}

#else

#include <rados/librados.h>

#define PART		(8u << 20)	/* bytes of a pack part */
#define SLOT_SHIFT	48
#define OFF_MASK	((UINT64_C(1) << SLOT_SHIFT) - 1)
#define MAX_SLOTS	4096
#define RETRIES		200		/* compare-and-swap attempts */
#define DOOM_DELAY	3600		/* seconds a doomed object stays */
#define LOCK_SECONDS	120
#define AUTO_FLUSH	256		/* manifest lines a commit merges */
#define FIRST_READ	16384		/* stored bytes read with a header */
#define PREFETCH	256		/* reads in flight ahead, at most */
#define REFVAL_MAX	256		/* bytes of a ref value read */
#define HEX		32		/* hex digits of a pack or segment */
#define MANIFEST_MAGIC	"cairn rados manifest 1"
#define LINE_MAX_BYTES	(64 + (HEX + 1) * (MAX_SLOTS + 1))

/* librados, loaded at first use: linking it costs every run of cairn. */
#define RADOS_FUNCS(X) \
	X(rados_create) X(rados_conf_read_file) X(rados_conf_parse_env) \
	X(rados_conf_set) X(rados_connect) X(rados_ioctx_create) \
	X(rados_ioctx_destroy) X(rados_ioctx_set_namespace) X(rados_read) \
	X(rados_write_full) X(rados_remove) X(rados_stat) \
	X(rados_create_write_op) X(rados_release_write_op) \
	X(rados_write_op_assert_version) X(rados_write_op_cmpxattr) \
	X(rados_write_op_omap_cmp) X(rados_write_op_omap_set) \
	X(rados_write_op_omap_rm_keys) X(rados_write_op_setxattr) \
	X(rados_write_op_append) X(rados_write_op_write_full) \
	X(rados_write_op_create) X(rados_write_op_operate) \
	X(rados_create_read_op) X(rados_release_read_op) \
	X(rados_read_op_read) X(rados_read_op_stat) \
	X(rados_read_op_getxattrs) X(rados_getxattrs_next) \
	X(rados_getxattrs_end) X(rados_read_op_omap_get_vals2) \
	X(rados_read_op_omap_get_vals_by_keys) X(rados_omap_get_next) \
	X(rados_omap_get_end) X(rados_read_op_operate) \
	X(rados_get_last_version) X(rados_lock_exclusive) X(rados_unlock) \
	X(rados_nobjects_list_open) X(rados_nobjects_list_next) \
	X(rados_nobjects_list_close) X(rados_aio_create_completion2) \
	X(rados_aio_read) X(rados_aio_wait_for_complete) \
	X(rados_aio_get_return_value) X(rados_aio_release)

static struct {
#define FIELD(f) __typeof__(&f) f;
	RADOS_FUNCS(FIELD)
#undef FIELD
} R;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t conn_mu = PTHREAD_MUTEX_INITIALIZER;
static char load_error[256];
static rados_t cluster;		/* the process's connection, kept to exit */
static int connected;

static void
load_rados(void)
{
	void *lib = dlopen("librados.so.2", RTLD_NOW | RTLD_LOCAL);

	if (lib == NULL) {
		snprintf(load_error, sizeof(load_error), "%s", dlerror());
		return;
	}
#define LOAD(f) \
	if ((*(void **)&R.f = dlsym(lib, #f)) == NULL) { \
		snprintf(load_error, sizeof(load_error), "no %s", #f); \
		return; \
	}
	RADOS_FUNCS(LOAD)
#undef LOAD
}

static const struct cairn_error *
rerr(int r, const char *what, const char *name)
{
	int e = r < 0 ? -r : r;

	if (e == ENOENT)
		return cairn_error_new(CAIRN_ERR_NOT_FOUND, "rados: %s '%s': "
		    "no such object", what, name);
	if (e == ETIMEDOUT)
		return cairn_error_new(CAIRN_ERR_IO, "rados: %s '%s' timed "
		    "out (is the cluster up?)", what, name);
	return cairn_error_new(CAIRN_ERR_IO, "rados: %s '%s': %s", what,
	    name, strerror(e));
}

/*
 * The process's cluster connection, made once: Ceph's configuration from
 * CEPH_CONF or its default places and CEPH_ARGS, the client id from
 * CAIRN_RADOS_ID, and time-outs (CAIRN_RADOS_TIMEOUT seconds, default 60)
 * so that a cluster that does not answer is an error, not a hang.
 */
static const struct cairn_error *
connect_cluster(void)
{
	const char *id = getenv("CAIRN_RADOS_ID");
	const char *t = getenv("CAIRN_RADOS_TIMEOUT");
	char tbuf[32];
	long secs = 60;
	int r;

	pthread_once(&once, load_rados);
	if (load_error[0] != '\0')
		return cairn_error_new(CAIRN_ERR_IO, "cannot load librados "
		    "(librados.so.2, Debian package librados2): %s",
		    load_error);
	pthread_mutex_lock(&conn_mu);
	if (connected) {
		pthread_mutex_unlock(&conn_mu);
		return NULL;
	}
	if (t != NULL && *t != '\0') {
		char *end;

		secs = strtol(t, &end, 10);
		if (*end != '\0' || secs < 1 || secs > 86400) {
			pthread_mutex_unlock(&conn_mu);
			return cairn_error_new(CAIRN_ERR_USAGE,
			    "CAIRN_RADOS_TIMEOUT must be 1 to 86400 "
			    "seconds, not '%s'", t);
		}
	}
	snprintf(tbuf, sizeof(tbuf), "%ld", secs);
	if ((r = R.rados_create(&cluster, id && *id ? id : NULL)) < 0) {
		pthread_mutex_unlock(&conn_mu);
		return rerr(r, "create client", id ? id : "admin");
	}
	R.rados_conf_set(cluster, "log_to_stderr", "false");
	R.rados_conf_set(cluster, "err_to_stderr", "false");
	/* A missing default file is fine; CEPH_CONF naming one is not. */
	r = R.rados_conf_read_file(cluster, NULL);
	if (r < 0 && getenv("CEPH_CONF") != NULL) {
		pthread_mutex_unlock(&conn_mu);
		return cairn_error_new(CAIRN_ERR_IO, "cannot read the Ceph "
		    "configuration CEPH_CONF='%s': %s", getenv("CEPH_CONF"),
		    strerror(-r));
	}
	R.rados_conf_parse_env(cluster, NULL);
	R.rados_conf_set(cluster, "rados_osd_op_timeout", tbuf);
	R.rados_conf_set(cluster, "rados_mon_op_timeout", tbuf);
	R.rados_conf_set(cluster, "client_mount_timeout", tbuf);
	R.rados_conf_set(cluster, "log_to_stderr", "false");
	R.rados_conf_set(cluster, "err_to_stderr", "false");
	if ((r = R.rados_connect(cluster)) < 0) {
		pthread_mutex_unlock(&conn_mu);
		return cairn_error_new(CAIRN_ERR_IO, "rados: cannot connect "
		    "to the cluster (CEPH_CONF=%s): %s", getenv("CEPH_CONF") ?
		    getenv("CEPH_CONF") : "default", strerror(-r));
	}
	connected = 1;
	pthread_mutex_unlock(&conn_mu);
	return NULL;
}

/* Pool and namespace of a rados:// name. */
static const struct cairn_error *
parse_url(const char *url, char **pool, char **ns)
{
	const char *p = url + 8, *slash = strchr(p, '/');
	size_t i, nl;

	*pool = *ns = NULL;
	if (slash == NULL || slash == p || slash[1] == '\0')
		return cairn_error_new(CAIRN_ERR_USAGE, "'%s': a RADOS "
		    "repository is named rados://<pool>/<name>", url);
	nl = strlen(slash + 1);
	while (nl > 0 && slash[nl] == '/')
		nl--;
	for (i = 1; i <= nl; i++) {
		unsigned char c = (unsigned char)slash[i];

		if (c <= ' ' || c == 0x7f || c == '\\')
			return cairn_error_new(CAIRN_ERR_USAGE, "'%s': the "
			    "name of a RADOS repository has no spaces or "
			    "control characters", url);
	}
	if (nl == 0 || nl > 200)
		return cairn_error_new(CAIRN_ERR_USAGE, "'%s': the name of a "
		    "RADOS repository has 1 to 200 bytes", url);
	if ((*pool = strndup(p, (size_t)(slash - p))) == NULL ||
	    (*ns = strndup(slash + 1, nl)) == NULL) {
		free(*pool);
		*pool = NULL;
		return cairn_error_nomem();
	}
	return NULL;
}

static const struct cairn_error *
open_ioctx(const char *url, rados_ioctx_t *io)
{
	const struct cairn_error *err;
	char *pool, *ns;
	int r;

	if ((err = parse_url(url, &pool, &ns)) != NULL)
		return err;
	if ((err = connect_cluster()) == NULL) {
		if ((r = R.rados_ioctx_create(cluster, pool, io)) < 0)
			err = r == -ENOENT ? cairn_error_new(CAIRN_ERR_NOT_REPO,
			    "not a cairn repository: '%s' (no pool '%s')", url,
			    pool) : rerr(r, "open pool", pool);
		else
			R.rados_ioctx_set_namespace(*io, ns);
	}
	free(pool);
	free(ns);
	return err;
}

/* Read a whole object into out (appending); ENOENT is NOT_FOUND. */
static const struct cairn_error *
read_whole(rados_ioctx_t io, const char *name, size_t max,
    struct cairn_buf *out)
{
	const struct cairn_error *err;
	uint64_t size;
	time_t mt;
	int r;

	if ((r = R.rados_stat(io, name, &size, &mt)) < 0)
		return rerr(r, "stat", name);
	if (size > max)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "rados object '%s' "
		    "is %" PRIu64 " bytes, more than it can be", name, size);
	if ((err = cairn_buf_grow(out, (size_t)size + 1)) != NULL)
		return err;
	r = size == 0 ? 0 : R.rados_read(io, name, (char *)out->data +
	    out->len, (size_t)size, 0);
	if (r < 0)
		return rerr(r, "read", name);
	if ((uint64_t)r != size)
		return cairn_error_new(CAIRN_ERR_IO, "rados object '%s' "
		    "changed while it was read", name);
	out->len += (size_t)r;
	out->data[out->len] = '\0';
	return NULL;
}

const struct cairn_error *
cairn_rados_config_read(const char *url, struct cairn_buf *out)
{
	const struct cairn_error *err;
	rados_ioctx_t io;

	if ((err = open_ioctx(url, &io)) != NULL)
		return err;
	err = read_whole(io, "config", 1 << 20, out);
	if (err != NULL && err->code == CAIRN_ERR_NOT_FOUND)
		err = cairn_error_new(CAIRN_ERR_NOT_REPO,
		    "not a cairn repository: '%s'", url);
	R.rados_ioctx_destroy(io);
	return err;
}

const struct cairn_error *
cairn_rados_config_write(const char *url, const char *text, size_t len)
{
	const struct cairn_error *err;
	rados_ioctx_t io;
	int r;

	if ((err = open_ioctx(url, &io)) != NULL)
		return err;
	if ((r = R.rados_write_full(io, "config", text, len)) < 0)
		err = rerr(r, "write", "config");
	R.rados_ioctx_destroy(io);
	return err;
}

const struct cairn_error *
cairn_rados_create(const char *url, int algo, const char *config, size_t len)
{
	const struct cairn_error *err;
	rados_ioctx_t io;
	rados_write_op_t op;
	char head[64];
	int r;

	if ((err = open_ioctx(url, &io)) != NULL)
		return err;
	/* The config first: head is what makes it a repository. */
	snprintf(head, sizeof(head), "%s %s\n", MANIFEST_MAGIC,
	    cairn_hash_name(algo));
	op = R.rados_create_write_op();
	R.rados_write_op_create(op, LIBRADOS_CREATE_EXCLUSIVE, NULL);
	R.rados_write_op_write_full(op, config, len);
	r = R.rados_write_op_operate(op, io, "config", NULL, 0);
	R.rados_release_write_op(op);
	if (r == -EEXIST) {
		uint64_t size;
		time_t mt;

		/* An init that stopped before head: take it up. */
		if (R.rados_stat(io, "head", &size, &mt) == -ENOENT &&
		    (r = R.rados_write_full(io, "config", config, len)) < 0)
			err = rerr(r, "write", "config");
		else if (r == -EEXIST)
			err = cairn_error_new(CAIRN_ERR_EXISTS, "'%s' already "
			    "holds a repository", url);
	} else if (r < 0)
		err = rerr(r, "create", "config");
	if (err == NULL) {
		op = R.rados_create_write_op();
		R.rados_write_op_create(op, LIBRADOS_CREATE_EXCLUSIVE, NULL);
		R.rados_write_op_write_full(op, head, strlen(head));
		R.rados_write_op_setxattr(op, "gen", "0", 1);
		r = R.rados_write_op_operate(op, io, "head", NULL, 0);
		R.rados_release_write_op(op);
		if (r < 0) {
			err = r == -EEXIST ? cairn_error_new(CAIRN_ERR_EXISTS,
			    "'%s' already holds a repository", url) :
			    rerr(r, "create", "head");
			/* The config this init wrote goes with it. */
			R.rados_remove(io, "config");
		}
	}
	R.rados_ioctx_destroy(io);
	return err;
}

/* The backend. */

static void backoff(int attempt);

struct line {
	int64_t time;
	char seg[HEX + 1];
	uint32_t *packs;	/* into the pack table; packs[0] may be NONE */
	size_t npacks;
};

#define NONE UINT32_MAX

struct doom {
	int64_t time;
	char name[HEX + 16];
};

/* A read started ahead: the first bytes of an object's record. */
struct ahead {
	int used;
	unsigned char id[CAIRN_OID_MAX];
	const char *pack;		/* the pack table's, as located */
	uint64_t off;
	rados_completion_t c;
	int done, r;			/* waited for; its return value */
	unsigned char *buf;
	size_t len;
};

/*
 * An object put again: where it was found, by pack name (the pack table
 * is rebuilt when the manifest is read again).
 */
struct touch {
	unsigned char id[CAIRN_OID_MAX];
	char pack[HEX + 1];
	uint64_t off;
};

struct rbe {
	struct cairn_backend be;	/* must be first */
	rados_ioctx_t io;
	char *url;
	int read_only, level;
	int noload;			/* fsck: parse lines, load no segment */
	struct cairn_backend *lower;	/* an alternate: not ours to close */
	/* Reads started ahead (rb_prefetch), taken by the read of their id. */
	pthread_mutex_t pf_mu;
	struct ahead *ahead;		/* PREFETCH slots */
	size_t next_ahead;		/* the slot to reuse next */
	/* What the manifest said when last read. */
	uint64_t version;		/* head's object version */
	uint64_t gen;
	struct cairn_buf manifest;	/* its text, as parsed */
	struct line *lines;
	size_t nlines;
	char (*packs)[HEX + 1];
	size_t npacks;
	struct doom *doomed;
	size_t ndoomed;
	/* id -> loc: pack, data_off: offset, size: the newest line time */
	struct cairn_memtable objs;
	/* The open batch. */
	int in_batch;
	char bpack[HEX + 1];
	struct cairn_buf part;		/* the part being filled */
	uint64_t partno, boff;		/* its number; the pack's length */
	struct cairn_memtable bobjs;	/* written: data_off = offset, loc
					   = 0 (bpack) or k (bigs[k - 1]) */
	size_t nsmall;			/* of them in bpack */
	char (*bigs)[HEX + 1];		/* a pack for each large stream */
	size_t nbigs;
	struct touch *touches;
	size_t ntouches, captouches;
	struct cairn_memtable btouched;
};

static void
random_hex(char *out)
{
	unsigned char b[HEX / 2];
	size_t i;
	ssize_t n = getrandom(b, sizeof(b), 0);

	if (n != (ssize_t)sizeof(b)) {	/* never on Linux past boot */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)((uint64_t)ts.tv_nsec >> (i % 8 *
			    8) ^ (uint64_t)getpid() >> (i % 4 * 8) ^
			    (uintptr_t)&b >> (i % 8 * 8));
	}
	for (i = 0; i < sizeof(b); i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void
part_name(char *out, size_t len, const char *pack, uint64_t n)
{
	snprintf(out, len, "p.%s.%" PRIu64, pack, n);
}

static const struct cairn_error *
corrupt(struct rbe *b, const char *what)
{
	return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s': %s: run cairn fsck",
	    b->url, what);
}

/*
 * Read len bytes at off of pack into buf, across parts; *got is what was
 * there (less at the pack's end).
 */
static const struct cairn_error *
pack_read(rados_ioctx_t io, const char *pack, uint64_t off, void *buf,
    size_t len, size_t *got)
{
	char name[HEX + 32];
	size_t n;
	int r;

	*got = 0;
	while (len > 0) {
		uint64_t in = off % PART;

		n = PART - in < len ? (size_t)(PART - in) : len;
		part_name(name, sizeof(name), pack, off / PART);
		r = R.rados_read(io, name, (char *)buf + *got, n, in);
		if (r == -ENOENT && *got > 0)
			return NULL;
		if (r < 0)
			return rerr(r, "read", name);
		*got += (size_t)r;
		if ((size_t)r < n)
			return NULL;
		off += n;
		len -= n;
	}
	return NULL;
}

static void drop_ahead(struct rbe *b);

static void
state_clear(struct rbe *b)
{
	size_t i;

	drop_ahead(b);
	for (i = 0; i < b->nlines; i++)
		free(b->lines[i].packs);
	free(b->lines);
	free(b->packs);
	free(b->doomed);
	b->lines = NULL;
	b->packs = NULL;
	b->doomed = NULL;
	b->nlines = b->npacks = b->ndoomed = 0;
	cairn_buf_reset(&b->manifest);
	cairn_memtable_clear(&b->objs);
}

static int
is_hex(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* The pack table's number for name, added if new. */
static const struct cairn_error *
pack_number(struct rbe *b, const char *name, uint32_t *out)
{
	void *nv;
	size_t i;

	for (i = b->npacks; i-- > 0;)
		if (strcmp(b->packs[i], name) == 0) {
			*out = (uint32_t)i;
			return NULL;
		}
	if ((b->npacks & (b->npacks + 1)) == 0 || b->npacks == 0) {
		if ((nv = realloc(b->packs, (b->npacks * 2 + 2) *
		    sizeof(*b->packs))) == NULL)
			return cairn_error_nomem();
		b->packs = nv;
	}
	memcpy(b->packs[b->npacks], name, HEX + 1);
	*out = (uint32_t)b->npacks++;
	return NULL;
}

/* Load the segment of line l into the table of objects. */
static const struct cairn_error *
load_segment(struct rbe *b, const struct line *l)
{
	const struct cairn_error *err;
	struct cairn_buf data = { 0 };
	struct cairn_segment seg;
	struct cairn_seg_entry e;
	struct cairn_mem_ent *m;
	char name[HEX + 8];
	uint64_t i, slot;
	int added;

	snprintf(name, sizeof(name), "s.%s", l->seg);
	err = read_whole(b->io, name, (size_t)1 << 34, &data);
	if (err != NULL && err->code == CAIRN_ERR_NOT_FOUND)
		err = cairn_error_new(CAIRN_ERR_NOT_FOUND, "index segment "
		    "'%s' of '%s' is missing (the repository changed while "
		    "it was read, or is damaged: run cairn fsck)", name,
		    b->url);
	if (err == NULL && (err = cairn_segment_load(&seg, name, data.data,
	    data.len, cairn_hash_len(b->be.algo))) == NULL) {
		if ((err = cairn_segment_verify(&seg)) != NULL)
			err = cairn_error_new(CAIRN_ERR_CORRUPT, "index "
			    "segment '%s' of '%s' is damaged: run cairn fsck "
			    "--repair", name, b->url);
		if (err == NULL)
			err = cairn_memtable_reserve(&b->objs, b->objs.n +
			    (size_t)seg.count);
		for (i = 0; err == NULL && i < seg.count; i++) {
			cairn_segment_entry(&seg, i, &e);
			slot = e.off >> SLOT_SHIFT;
			if (slot >= l->npacks || l->packs[slot] == NONE) {
				err = cairn_error_new(CAIRN_ERR_CORRUPT,
				    "index segment '%s' of '%s' names a pack "
				    "its line does not: run cairn fsck", name,
				    b->url);
				break;
			}
			if ((err = cairn_memtable_add(&b->objs, e.id, &m,
			    &added)) != NULL)
				break;
			m->where = CAIRN_MEM_DATA;
			m->loc = l->packs[slot];
			m->data_off = e.off & OFF_MASK;
			if (added || (int64_t)m->size < l->time)
				m->size = (uint64_t)l->time;
		}
		cairn_segment_close(&seg);
	} else if (err != NULL && err->code == CAIRN_ERR_CORRUPT)
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "index segment '%s' of "
		    "'%s' is damaged (%s): run cairn fsck --repair", name,
		    b->url, err->msg);
	cairn_buf_release(&data);
	return err;
}

/* Parse the manifest text from byte from on, loading new segments. */
static const struct cairn_error *
parse_manifest(struct rbe *b, size_t from)
{
	const struct cairn_error *err = NULL;
	char *text = (char *)b->manifest.data, *p, *nl, *tok, *save;
	struct line l;
	void *nv;
	char magic[64], *copy;

	if (from == 0) {
		snprintf(magic, sizeof(magic), "%s %s\n", MANIFEST_MAGIC,
		    cairn_hash_name(b->be.algo));
		if (b->manifest.len < strlen(magic) ||
		    memcmp(text, magic, strlen(magic)) != 0)
			return corrupt(b, "head does not start with the "
			    "manifest header of this repository's format");
		from = strlen(magic);
	}
	if ((copy = malloc(LINE_MAX_BYTES)) == NULL)
		return cairn_error_nomem();
	for (p = text + from; err == NULL && p < text + b->manifest.len;
	    p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(text + b->manifest.len -
		    p))) == NULL) {
			err = corrupt(b, "the manifest's last line is cut");
			break;
		}
		if ((size_t)(nl - p) >= LINE_MAX_BYTES) {
			err = corrupt(b, "a manifest line is too long");
			break;
		}
		/* strtok_r writes: the text stays as it was read. */
		memcpy(copy, p, (size_t)(nl - p));
		copy[nl - p] = '\0';
		memset(&l, 0, sizeof(l));
		tok = strtok_r(copy, " ", &save);
		if (tok != NULL && strcmp(tok, "d") == 0) {
			struct doom *d;

			tok = strtok_r(NULL, " ", &save);
			l.time = tok ? strtoll(tok, NULL, 10) : 0;
			tok = strtok_r(NULL, " ", &save);
			/* Only a pack or a segment is ever doomed. */
			if (tok == NULL || (strncmp(tok, "p.", 2) != 0 &&
			    strncmp(tok, "s.", 2) != 0) || !is_hex(tok + 2,
			    HEX))
				err = corrupt(b, "a bad 'd' line in the "
				    "manifest");
			else if ((nv = realloc(b->doomed, (b->ndoomed + 1) *
			    sizeof(*d))) == NULL)
				err = cairn_error_nomem();
			else {
				b->doomed = nv;
				d = &b->doomed[b->ndoomed++];
				d->time = l.time;
				snprintf(d->name, sizeof(d->name), "%s", tok);
			}
			continue;
		}
		if (tok == NULL || strcmp(tok, "b") != 0 ||
		    (tok = strtok_r(NULL, " ", &save)) == NULL) {
			err = corrupt(b, "a bad line in the manifest");
			break;
		}
		l.time = strtoll(tok, NULL, 10);
		tok = strtok_r(NULL, " ", &save);
		if (tok == NULL || !is_hex(tok, HEX)) {
			err = corrupt(b, "a bad segment name in the manifest");
			break;
		}
		memcpy(l.seg, tok, HEX + 1);
		while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
			uint32_t n = NONE;

			if (l.npacks == MAX_SLOTS || !(is_hex(tok, HEX) ||
			    (l.npacks == 0 && strcmp(tok, "-") == 0))) {
				err = corrupt(b, "a bad pack name in the "
				    "manifest");
				break;
			}
			if (strcmp(tok, "-") != 0 &&
			    (err = pack_number(b, tok, &n)) != NULL)
				break;
			if ((nv = realloc(l.packs, (l.npacks + 1) *
			    sizeof(*l.packs))) == NULL) {
				err = cairn_error_nomem();
				break;
			}
			l.packs = nv;
			l.packs[l.npacks++] = n;
		}
		if (err == NULL && l.npacks == 0)
			err = corrupt(b, "a manifest line names no pack");
		if (err == NULL && (nv = realloc(b->lines, (b->nlines + 1) *
		    sizeof(*b->lines))) == NULL)
			err = cairn_error_nomem();
		if (err != NULL) {
			free(l.packs);
			break;
		}
		b->lines = nv;
		b->lines[b->nlines++] = l;
		if (!b->noload)
			err = load_segment(b, &b->lines[b->nlines - 1]);
	}
	free(copy);
	return err;
}

/*
 * Read head: the manifest text into text, its gen and object version.
 */
static const struct cairn_error *
read_head(struct rbe *b, struct cairn_buf *text, uint64_t *gen,
    uint64_t *version, int lenient)
{
	rados_read_op_t op;
	rados_xattrs_iter_t it;
	const char *name, *val;
	size_t vlen, got = 0, cap = 1 << 16;
	uint64_t size = 0;
	int r, rs = 0, rr = 0, rx = 0;

	for (;;) {
		const struct cairn_error *err;

		cairn_buf_reset(text);
		if ((err = cairn_buf_grow(text, cap + 1)) != NULL)
			return err;
		op = R.rados_create_read_op();
		R.rados_read_op_stat(op, &size, NULL, &rs);
		R.rados_read_op_read(op, 0, cap, (char *)text->data, &got, &rr);
		R.rados_read_op_getxattrs(op, &it, &rx);
		r = R.rados_read_op_operate(op, b->io, "head", 0);
		if (r >= 0)
			*version = R.rados_get_last_version(b->io);
		R.rados_release_read_op(op);
		if (r == -ENOENT)
			return cairn_error_new(CAIRN_ERR_NOT_REPO, "not a cairn "
			    "repository: '%s' (no head)", b->url);
		if (r < 0)
			return rerr(r, "read", "head");
		*gen = UINT64_MAX;
		while (rx >= 0 && R.rados_getxattrs_next(it, &name, &val,
		    &vlen) == 0 && name != NULL)
			if (strcmp(name, "gen") == 0 && vlen > 0 &&
			    vlen < 20 && strspn(val, "0123456789") >= vlen) {
				char g[24];

				memcpy(g, val, vlen);
				g[vlen] = '\0';
				*gen = strtoull(g, NULL, 10);
			}
		if (rx >= 0)
			R.rados_getxattrs_end(it);
		if (size <= cap)
			break;
		cap = (size_t)size + 4096;
	}
	/* fsck --repair writes a good one (publish). */
	if (*gen == UINT64_MAX && lenient)
		*gen = 0;
	else if (*gen == UINT64_MAX)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s': head's gen is "
		    "missing or damaged: run cairn fsck --repair", b->url);
	text->len = got;
	text->data[got] = '\0';
	return NULL;
}

/*
 * Catch up with head: new lines only when nothing was taken out since
 * (gen unchanged, the old text a prefix of the new), else everything.
 */
static const struct cairn_error *reload_once(struct rbe *b,
    int *changed);

/*
 * A segment the manifest named may be gone by the time it is read: a
 * gc elsewhere replaced the manifest (and, with --prune=now, deleted
 * it).  Then the manifest is read again, a few times.
 */
static const struct cairn_error *
reload(struct rbe *b, int *changed)
{
	const struct cairn_error *err;
	int attempt;

	for (attempt = 0;; attempt++) {
		err = reload_once(b, changed);
		if (err == NULL || err->code != CAIRN_ERR_NOT_FOUND ||
		    attempt == 5)
			break;
		*changed = 1;
		backoff(attempt);
	}
	if (err != NULL && err->code == CAIRN_ERR_NOT_FOUND)
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "%s", err->msg);
	return err;
}

static const struct cairn_error *
reload_once(struct rbe *b, int *changed)
{
	const struct cairn_error *err;
	struct cairn_buf text = { 0 };
	uint64_t gen, version;
	size_t old = b->manifest.len;

	*changed = 0;
	if ((err = read_head(b, &text, &gen, &version, 0)) != NULL)
		goto done;
	if (version == b->version && old > 0)
		goto done;
	*changed = 1;
	if (gen == b->gen && old > 0 && text.len >= old &&
	    memcmp(text.data, b->manifest.data, old) == 0) {
		b->version = version;
		if (text.len == old)
			goto done;
		cairn_buf_reset(&b->manifest);
		if ((err = cairn_buf_append(&b->manifest, text.data,
		    text.len)) == NULL)
			err = parse_manifest(b, old);
	} else {
		state_clear(b);
		b->version = version;
		b->gen = gen;
		if ((err = cairn_buf_append(&b->manifest, text.data,
		    text.len)) == NULL)
			err = parse_manifest(b, 0);
	}
	if (err != NULL) {
		state_clear(b);
		b->version = 0;
	}
done:
	cairn_buf_release(&text);
	return err;
}

/* Reading. */

/*
 * The record of id at off of pack: its header in *rec, and its stored
 * bytes in stored (when stored is not NULL), checked: the header, the id,
 * the sizes and (for the stored bytes) the CRC.
 */
static int take_ahead(struct rbe *b, const unsigned char *id,
    const char *pack, uint64_t off, unsigned char *out, size_t *got,
    int keep);

/*
 * A pack the loaded manifest names is gone.  If head has moved since it
 * was read (a gc elsewhere moved the object and deleted the pack), the
 * object is "not found" here, which makes the handle read the manifest
 * again and ask once more (repo.c, caught_up); if head has not moved,
 * the repository is damaged.
 */
static const struct cairn_error *
pack_gone(struct rbe *b, const unsigned char *id, const char *where)
{
	struct cairn_oid o;
	uint64_t size;
	time_t mt;
	char hex[CAIRN_OID_HEXMAX + 1];

	if (id != NULL && R.rados_stat(b->io, "head", &size, &mt) == 0 &&
	    R.rados_get_last_version(b->io) != b->version) {
		cairn_oid_set(id, cairn_hash_len(b->be.algo), &o);
		return cairn_error_new(CAIRN_ERR_NOT_FOUND, "object %s not "
		    "found (it moved: %s is gone)", cairn_oid_fmt(&o, hex),
		    where);
	}
	return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s': %s is gone: run "
	    "cairn fsck", b->url, where);
}

static const struct cairn_error *
read_record(struct rbe *b, const char *pack, uint64_t off,
    const unsigned char *id, struct cairn_rec *rec, struct cairn_buf *stored)
{
	const struct cairn_error *err = NULL;
	/*
	 * One read for the header and, for most objects, all their stored
	 * bytes (or a read started ahead); a larger one takes a second.
	 */
	unsigned char first[CAIRN_REC_HDR_SIZE + FIRST_READ];
	size_t want = stored ? sizeof(first) : CAIRN_REC_HDR_SIZE, got, have;
	char where[HEX + 48];

	snprintf(where, sizeof(where), "pack %s @%" PRIu64, pack, off);
	if ((id == NULL || !take_ahead(b, id, pack, off, first, &got,
	    stored == NULL)) &&
	    (err = pack_read(b->io, pack, off, first, want, &got)) != NULL) {
		if (err->code == CAIRN_ERR_NOT_FOUND)
			err = pack_gone(b, id, where);
		return err;
	}
	if (got < CAIRN_REC_HDR_SIZE)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s': %s: record "
		    "cut short: run cairn fsck", b->url, where);
	if ((err = cairn_rec_decode(rec, first, cairn_hash_len(b->be.algo)))
	    != NULL || (err = cairn_rec_sizes_plausible(rec)) != NULL)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s': %s: %s: run "
		    "cairn fsck", b->url, where, err->msg);
	if (rec->kind != CAIRN_REC_OBJECT || (id != NULL &&
	    memcmp(rec->id.hash, id, rec->id.len) != 0))
		return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s': %s holds "
		    "another object than its index says: run cairn fsck",
		    b->url, where);
	if (stored == NULL)
		return NULL;
	if (rec->stored > SIZE_MAX - 1)
		return cairn_error_nomem();
	if ((err = cairn_buf_grow(stored, (size_t)rec->stored + 1)) != NULL)
		return err;
	have = got - CAIRN_REC_HDR_SIZE;
	if (have > rec->stored)
		have = (size_t)rec->stored;
	memcpy(stored->data, first + CAIRN_REC_HDR_SIZE, have);
	if (have < rec->stored) {
		err = pack_read(b->io, pack, off + CAIRN_REC_HDR_SIZE + have,
		    stored->data + have, (size_t)rec->stored - have, &got);
		if (err != NULL)
			return err;
		have += got;
	}
	if (have < rec->stored)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s': %s: record "
		    "cut short: run cairn fsck", b->url, where);
	stored->len = (size_t)rec->stored;
	if (cairn_crc32(0, stored->data, stored->len) != rec->crc)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s': %s: the "
		    "stored bytes fail their CRC: run cairn fsck", b->url,
		    where);
	return NULL;
}

/* Wait for the read started ahead in slot a (once). */
static void
wait_ahead(struct ahead *a)
{
	if (a->done)
		return;
	R.rados_aio_wait_for_complete(a->c);
	a->r = R.rados_aio_get_return_value(a->c);
	R.rados_aio_release(a->c);
	a->done = 1;
}

/* Wait for slot a and free it.  Called with pf_mu held. */
static void
drop_slot(struct ahead *a)
{
	wait_ahead(a);
	free(a->buf);
	a->used = a->done = 0;
}

/*
 * The bytes of a read started ahead of the record at (pack, off), if any,
 * into out (sizeof first in read_record).  A read of the header alone
 * (keep) leaves them for the read of the whole that follows.
 */
static int
take_ahead(struct rbe *b, const unsigned char *id, const char *pack,
    uint64_t off, unsigned char *out, size_t *got, int keep)
{
	size_t i;
	int hit = 0;

	if (b->ahead == NULL)
		return 0;
	pthread_mutex_lock(&b->pf_mu);
	for (i = 0; i < PREFETCH; i++) {
		struct ahead *a = &b->ahead[i];

		if (a->used && a->pack == pack && a->off == off &&
		    memcmp(a->id, id, cairn_hash_len(b->be.algo)) == 0) {
			wait_ahead(a);
			if (a->r > 0) {
				memcpy(out, a->buf, (size_t)a->r);
				*got = (size_t)a->r;
				hit = 1;
			}
			if (!keep || !hit)
				drop_slot(a);
			break;
		}
	}
	pthread_mutex_unlock(&b->pf_mu);
	return hit;
}

/*
 * Start reading the first bytes of each object's record (as read_record
 * would, within one part), so that many round trips overlap; the read of
 * the object takes them.  The oldest slot is reused when all are taken.
 */
static void
rb_prefetch(struct cairn_backend *be, const struct cairn_oid *ids, size_t n)
{
	struct rbe *b = (struct rbe *)be;
	size_t i, j;

	if (b->in_batch)
		return;
	pthread_mutex_lock(&b->pf_mu);
	if (b->ahead == NULL &&
	    (b->ahead = calloc(PREFETCH, sizeof(*b->ahead))) == NULL) {
		pthread_mutex_unlock(&b->pf_mu);
		return;
	}
	for (i = 0; i < n && i < PREFETCH; i++) {
		const struct cairn_mem_ent *e;
		struct ahead *a;
		char name[HEX + 32];
		uint64_t in;

		if (ids[i].len != cairn_hash_len(be->algo) ||
		    (e = cairn_memtable_get(&b->objs, ids[i].hash)) == NULL)
			continue;
		for (j = 0; j < PREFETCH; j++)
			if (b->ahead[j].used && b->ahead[j].off == e->data_off &&
			    b->ahead[j].pack == b->packs[e->loc])
				break;
		if (j < PREFETCH)
			continue;
		a = &b->ahead[b->next_ahead];
		b->next_ahead = (b->next_ahead + 1) % PREFETCH;
		if (a->used)
			drop_slot(a);
		in = e->data_off % PART;
		a->len = CAIRN_REC_HDR_SIZE + FIRST_READ;
		if (a->len > PART - in)
			a->len = (size_t)(PART - in);
		if ((a->buf = malloc(a->len)) == NULL)
			break;
		if (R.rados_aio_create_completion2(NULL, NULL, &a->c) < 0) {
			free(a->buf);
			break;
		}
		part_name(name, sizeof(name), b->packs[e->loc],
		    e->data_off / PART);
		if (R.rados_aio_read(b->io, name, a->c, (char *)a->buf, a->len,
		    in) < 0) {
			R.rados_aio_release(a->c);
			free(a->buf);
			continue;
		}
		memcpy(a->id, ids[i].hash, ids[i].len);
		a->pack = b->packs[e->loc];
		a->off = e->data_off;
		a->used = 1;
	}
	pthread_mutex_unlock(&b->pf_mu);
}

/* Drop every read started ahead (the pack table is about to change). */
static void
drop_ahead(struct rbe *b)
{
	size_t i;

	if (b->ahead == NULL)
		return;
	pthread_mutex_lock(&b->pf_mu);
	for (i = 0; i < PREFETCH; i++)
		if (b->ahead[i].used)
			drop_slot(&b->ahead[i]);
	pthread_mutex_unlock(&b->pf_mu);
}

static const struct cairn_error *
not_found(struct rbe *b, const struct cairn_oid *id)
{
	char hex[CAIRN_OID_HEXMAX + 1];

	(void)b;
	return cairn_error_new(CAIRN_ERR_NOT_FOUND, "object %s not found",
	    cairn_oid_fmt(id, hex));
}

/* Where id is: the open batch's pack, or one the manifest names. */
static const struct cairn_error *
locate(struct rbe *b, const struct cairn_oid *id, const char **pack,
    uint64_t *off)
{
	const struct cairn_mem_ent *e;

	if (id->len != cairn_hash_len(b->be.algo))
		return not_found(b, id);
	if (b->in_batch && (e = cairn_memtable_get(&b->bobjs, id->hash)) !=
	    NULL) {
		*pack = e->loc == 0 ? b->bpack : b->bigs[e->loc - 1];
		*off = e->data_off;
		return NULL;
	}
	if ((e = cairn_memtable_get(&b->objs, id->hash)) == NULL)
		return not_found(b, id);
	*pack = b->packs[e->loc];
	*off = e->data_off;
	return NULL;
}

/* A record of the open batch that is still in the part being filled. */
static int
in_part(struct rbe *b, const char *pack, uint64_t off)
{
	return pack == b->bpack && off >= b->partno * PART;
}

static const struct cairn_error *
get_record(struct rbe *b, const struct cairn_oid *id, struct cairn_rec *rec,
    struct cairn_buf *stored)
{
	const struct cairn_error *err;
	const char *pack = NULL;
	uint64_t off = 0;

	if ((err = locate(b, id, &pack, &off)) != NULL)
		return err;
	if (in_part(b, pack, off)) {
		const unsigned char *p = b->part.data + (off - b->partno * PART);

		if ((err = cairn_rec_decode(rec, p, id->len)) != NULL)
			return err;
		if (stored != NULL) {
			cairn_buf_reset(stored);
			return cairn_buf_append(stored, p + CAIRN_REC_HDR_SIZE,
			    (size_t)rec->stored);
		}
		return NULL;
	}
	return read_record(b, pack, off, id->hash, rec, stored);
}

static const struct cairn_error *
rb_read(struct cairn_backend *be, const struct cairn_oid *id, unsigned flags,
    int *type, struct cairn_buf *out)
{
	struct rbe *b = (struct rbe *)be;
	const struct cairn_error *err;
	struct cairn_buf stored = { 0 };
	struct cairn_rec rec;
	struct cairn_oid got;
	size_t start = out->len;

	if ((err = get_record(b, id, &rec, &stored)) != NULL)
		goto done;
	if (rec.size > SIZE_MAX - 1 - out->len) {
		err = cairn_error_nomem();
		goto done;
	}
	if ((err = cairn_buf_grow(out, (size_t)rec.size + 1)) != NULL ||
	    (err = cairn_rec_content(&rec, stored.data, out->data + out->len))
	    != NULL)
		goto done;
	out->len += (size_t)rec.size;
	out->data[out->len] = '\0';
	if (!(flags & CAIRN_GET_NO_VERIFY) && (err = cairn_hash_object(
	    be->algo, rec.type, out->data + start, (size_t)rec.size, &got)) ==
	    NULL && !cairn_oid_eq(&got, id)) {
		char hex[CAIRN_OID_HEXMAX + 1];

		out->len = start;
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "object %s: content "
		    "does not match its id: run cairn fsck",
		    cairn_oid_fmt(id, hex));
	}
	*type = rec.type;
	CAIRN_COUNT(be->counters.reads);
done:
	cairn_buf_release(&stored);
	return err;
}

#define STREAM_CHUNK	(1u << 20)

struct hsink {
	struct cairn_hasher *h;
};

static const struct cairn_error *
hash_sink(void *arg, const void *p, size_t len)
{
	return cairn_hasher_update(((struct hsink *)arg)->h, p, len);
}

/*
 * One pass over a record's stored bytes, a chunk at a time: their CRC
 * into *crc, and, with out, their content (inflated) to out.
 */
static const struct cairn_error *
stream_pass(struct rbe *b, const char *pack, uint64_t off,
    const struct cairn_rec *rec, cairn_zip_sink out, void *arg,
    uint32_t *crc, unsigned char *chunk)
{
	const struct cairn_error *err = NULL;
	struct cairn_inflater inf = { 0 };
	uint64_t pos;
	size_t n, got;
	int z = out != NULL && (rec->flags & CAIRN_REC_DEFLATED);

	*crc = 0;
	if (z && (err = cairn_inflater_init(&inf, rec->size)) != NULL)
		return err;
	for (pos = 0; err == NULL && pos < rec->stored; pos += n) {
		n = rec->stored - pos < STREAM_CHUNK ?
		    (size_t)(rec->stored - pos) : STREAM_CHUNK;
		err = pack_read(b->io, pack, off + CAIRN_REC_HDR_SIZE + pos,
		    chunk, n, &got);
		if (err == NULL && got < n)
			err = cairn_error_new(CAIRN_ERR_CORRUPT, "'%s': pack %s "
			    "@%" PRIu64 ": record cut short: run cairn fsck",
			    b->url, pack, off);
		if (err != NULL)
			break;
		*crc = cairn_crc32(*crc, chunk, n);
		if (out != NULL)
			err = z ? cairn_inflater_feed(&inf, chunk, n, out, arg) :
			    out(arg, chunk, n);
	}
	if (err == NULL && z)
		err = cairn_inflater_finish(&inf);
	cairn_inflater_release(&inf);
	return err;
}

/*
 * A large object is read twice, a chunk at a time: once to check its
 * CRC and hash, then to hand it out, so that nothing reaches sink before
 * the whole is verified and none of it is held whole.
 */
static const struct cairn_error *
rb_read_stream(struct cairn_backend *be, const struct cairn_oid *id,
    unsigned flags, cairn_write_fn sink, void *arg)
{
	struct rbe *b = (struct rbe *)be;
	const struct cairn_error *err;
	struct cairn_buf whole = { 0 };
	struct cairn_hasher h = { 0 };
	struct hsink hs = { &h };
	struct cairn_rec rec;
	struct cairn_oid got;
	const char *pack = NULL;
	unsigned char *chunk = NULL;
	char hex[CAIRN_OID_HEXMAX + 1];
	uint64_t off = 0;
	uint32_t crc;
	int type;

	if ((err = locate(b, id, &pack, &off)) != NULL)
		return err;
	if (in_part(b, pack, off) || (err = read_record(b, pack, off,
	    id->hash, &rec, NULL)) != NULL || rec.stored <= STREAM_CHUNK) {
		if (err != NULL)
			return err;
		if ((err = rb_read(be, id, flags, &type, &whole)) == NULL &&
		    whole.len > 0)
			err = sink(arg, whole.data, whole.len);
		cairn_buf_release(&whole);
		return err;
	}
	if ((chunk = malloc(STREAM_CHUNK)) == NULL)
		return cairn_error_nomem();
	if (!(flags & CAIRN_GET_NO_VERIFY))
		err = cairn_hasher_init_object(&h, be->algo, rec.type,
		    rec.size);
	if (err == NULL)
		err = stream_pass(b, pack, off, &rec, (flags &
		    CAIRN_GET_NO_VERIFY) ? NULL : hash_sink, &hs, &crc, chunk);
	if (err == NULL && crc != rec.crc)
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "'%s': pack %s @%"
		    PRIu64 ": the stored bytes fail their CRC: run cairn fsck",
		    b->url, pack, off);
	if (err == NULL && !(flags & CAIRN_GET_NO_VERIFY) &&
	    (err = cairn_hasher_final(&h, &got)) == NULL &&
	    !cairn_oid_eq(&got, id))
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "object %s: content "
		    "does not match its id: run cairn fsck",
		    cairn_oid_fmt(id, hex));
	if (err == NULL) {
		CAIRN_COUNT(be->counters.reads);
		err = stream_pass(b, pack, off, &rec, sink, arg, &crc, chunk);
		/* Changed between the passes: never, but say so. */
		if (err == NULL && crc != rec.crc)
			err = cairn_error_new(CAIRN_ERR_CORRUPT, "'%s': pack %s "
			    "changed while it was read: run cairn fsck", b->url,
			    pack);
	}
	cairn_hasher_release(&h);
	free(chunk);
	return err;
}

static const struct cairn_error *
rb_stat(struct cairn_backend *be, const struct cairn_oid *id, int *type,
    uint64_t *size)
{
	const struct cairn_error *err;
	struct cairn_rec rec;

	if ((err = get_record((struct rbe *)be, id, &rec, NULL)) != NULL)
		return err;
	*type = rec.type;
	*size = rec.size;
	return NULL;
}

static void
add_match(struct cairn_oid *out, int *n, const unsigned char *id, size_t len)
{
	struct cairn_oid o;

	cairn_oid_set(id, len, &o);
	if (*n == 1 && cairn_oid_eq(&out[0], &o))
		return;
	if (*n < 2)
		out[(*n)++] = o;
}

static const struct cairn_error *
rb_prefix(struct cairn_backend *be, const char *hex, size_t len,
    struct cairn_oid *out, int *n)
{
	struct rbe *b = (struct rbe *)be;
	struct cairn_memtable *t[2] = { &b->objs, &b->bobjs };
	struct cairn_oid o;
	size_t i, k;

	*n = 0;
	for (k = 0; k < 2; k++)
		for (i = 0; i < t[k]->cap && *n < 2; i++) {
			if (!t[k]->tab[i].used)
				continue;
			cairn_oid_set(t[k]->tab[i].id, t[k]->idlen, &o);
			if (cairn_hex_prefix_match(&o, hex, len))
				add_match(out, n, o.hash, o.len);
		}
	return NULL;
}

static const struct cairn_error *
rb_each(struct cairn_backend *be, int (*fn)(void *, const unsigned char *),
    void *arg)
{
	struct rbe *b = (struct rbe *)be;
	size_t i;

	for (i = 0; i < b->objs.cap; i++)
		if (b->objs.tab[i].used && fn(arg, b->objs.tab[i].id) != 0)
			return NULL;
	if (b->in_batch)
		for (i = 0; i < b->bobjs.cap; i++)
			if (b->bobjs.tab[i].used &&
			    cairn_memtable_get(&b->objs, b->bobjs.tab[i].id) ==
			    NULL && fn(arg, b->bobjs.tab[i].id) != 0)
				return NULL;
	return NULL;
}

/* Writing. */

static const struct cairn_error *
rb_begin(struct cairn_backend *be)
{
	struct rbe *b = (struct rbe *)be;
	unsigned char hdr[CAIRN_FILEHDR_SIZE];

	if (b->read_only)
		return cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	if (b->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE, "batch already open");
	random_hex(b->bpack);
	cairn_buf_reset(&b->part);
	cairn_filehdr_encode(hdr, CAIRN_DATA_MAGIC, be->algo);
	b->partno = 0;
	b->boff = CAIRN_FILEHDR_SIZE;
	b->ntouches = 0;
	b->nsmall = b->nbigs = 0;
	cairn_memtable_clear(&b->bobjs);
	cairn_memtable_clear(&b->btouched);
	b->in_batch = 1;
	return cairn_buf_append(&b->part, hdr, sizeof(hdr));
}

/* Write the full parts of the part buffer (all of it, with last set). */
static const struct cairn_error *
flush_parts(struct rbe *b, int last)
{
	char name[HEX + 32];
	int r;

	while (b->part.len >= PART || last) {
		size_t n = b->part.len < PART ? b->part.len : PART;

		part_name(name, sizeof(name), b->bpack, b->partno);
		if ((r = R.rados_write_full(b->io, name, (char *)b->part.data,
		    n)) < 0)
			return rerr(r, "write", name);
		memmove(b->part.data, b->part.data + n, b->part.len - n);
		b->part.len -= n;
		b->partno++;
		if (last && n < PART)
			break;
	}
	return NULL;
}

/* Put again: name where it is, so its time is this batch's. */
static const struct cairn_error *
touch(struct rbe *b, const struct cairn_oid *id)
{
	const struct cairn_error *err;
	const struct cairn_mem_ent *e = cairn_memtable_get(&b->objs, id->hash);
	struct cairn_mem_ent *t;
	int added;

	if ((err = cairn_memtable_add(&b->btouched, id->hash, &t, &added)) !=
	    NULL || !added)
		return err;
	if (b->ntouches == b->captouches) {
		void *nv;

		b->captouches = b->captouches * 2 + 64;
		if ((nv = realloc(b->touches, b->captouches *
		    sizeof(*b->touches))) == NULL)
			return cairn_error_nomem();
		b->touches = nv;
	}
	memcpy(b->touches[b->ntouches].id, id->hash, id->len);
	memcpy(b->touches[b->ntouches].pack, b->packs[e->loc], HEX + 1);
	b->touches[b->ntouches].off = e->data_off;
	b->ntouches++;
	return NULL;
}

/* Append the record of an object whose stored bytes are ready. */
static const struct cairn_error *
append_record(struct rbe *b, const struct cairn_oid *id, int type,
    uint64_t size, const void *stored, size_t stored_len, int deflated)
{
	const struct cairn_error *err;
	struct cairn_mem_ent e;
	struct cairn_rec rec;
	unsigned char hdr[CAIRN_REC_HDR_SIZE];

	memset(&rec, 0, sizeof(rec));
	rec.kind = CAIRN_REC_OBJECT;
	rec.flags = deflated ? CAIRN_REC_DEFLATED : 0;
	rec.type = type;
	rec.size = size;
	rec.stored = stored_len;
	rec.data_off = b->boff;
	rec.time = (uint64_t)time(NULL);
	rec.crc = cairn_crc32(0, stored, stored_len);
	rec.id = *id;
	cairn_rec_encode(hdr, &rec);
	if (b->boff + CAIRN_REC_HDR_SIZE + stored_len > OFF_MASK)
		return cairn_error_new(CAIRN_ERR_INVALID, "batch too large");
	memset(&e, 0, sizeof(e));
	memcpy(e.id, id->hash, id->len);
	e.data_off = b->boff;
	e.type = (unsigned char)type;
	e.size = size;
	if ((err = cairn_buf_append(&b->part, hdr, sizeof(hdr))) != NULL ||
	    (err = cairn_buf_append(&b->part, stored, stored_len)) != NULL)
		return err;
	b->boff += CAIRN_REC_HDR_SIZE + stored_len;
	if ((err = cairn_memtable_put(&b->bobjs, &e)) != NULL)
		return err;
	b->nsmall++;
	CAIRN_COUNT(b->be.counters.writes);
	return flush_parts(b, 0);
}

static const struct cairn_error *
rb_write(struct cairn_backend *be, struct cairn_oid *out, int type,
    const void *data, size_t len)
{
	struct rbe *b = (struct rbe *)be;
	const struct cairn_error *err;
	struct cairn_buf z = { 0 };

	if (!b->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE, "no batch is open");
	if (cairn_otype_name(type) == NULL)
		return cairn_error_new(CAIRN_ERR_INVALID, "bad object type %d",
		    type);
	if ((err = cairn_hash_object(be->algo, type, data, len, out)) != NULL)
		return err;
	if (cairn_memtable_get(&b->bobjs, out->hash) != NULL)
		return NULL;
	if (cairn_memtable_get(&b->objs, out->hash) != NULL)
		return touch(b, out);
	if (b->level > 0 && len > 0) {
		if ((err = cairn_zip_deflate(&z, data, len, b->level)) == NULL)
			err = append_record(b, out, type, len, z.data, z.len, 1);
	} else
		err = append_record(b, out, type, len, data, len, 0);
	cairn_buf_release(&z);
	return err;
}

struct zsink {
	struct cairn_buf *out;
};

static const struct cairn_error *
zsink(void *arg, const void *p, size_t len)
{
	return cairn_buf_append(((struct zsink *)arg)->out, p, len);
}

/*
 * A large stream goes to a pack of its own, written part by part as it
 * is compressed: only its first part (which its record header opens,
 * known at the end) and the part being filled are held.
 */
struct bigw {
	struct rbe *b;
	char hex[HEX + 1];
	struct cairn_buf p0, cur;	/* part 0; part n being filled */
	uint64_t n;
	uint32_t crc;
	uint64_t stored;
};

static const struct cairn_error *
big_sink(void *arg, const void *data, size_t len)
{
	struct bigw *w = arg;
	const struct cairn_error *err;
	const unsigned char *p = data;
	char name[HEX + 32];
	size_t k;
	int r;

	w->crc = cairn_crc32(w->crc, p, len);
	w->stored += len;
	if (w->p0.len < PART) {
		k = PART - w->p0.len < len ? PART - w->p0.len : len;
		if ((err = cairn_buf_append(&w->p0, p, k)) != NULL)
			return err;
		p += k;
		len -= k;
	}
	if (len > 0 && (err = cairn_buf_append(&w->cur, p, len)) != NULL)
		return err;
	while (w->cur.len >= PART) {
		part_name(name, sizeof(name), w->hex, w->n);
		if ((r = R.rados_write_full(w->b->io, name,
		    (char *)w->cur.data, PART)) < 0)
			return rerr(r, "write", name);
		memmove(w->cur.data, w->cur.data + PART, w->cur.len - PART);
		w->cur.len -= PART;
		w->n++;
	}
	return NULL;
}

static const struct cairn_error *
write_big(struct rbe *b, struct cairn_oid *out, int type, cairn_read_fn read,
    void *arg, uint64_t size)
{
	const struct cairn_error *err;
	struct cairn_hasher h = { 0 };
	struct cairn_deflater d = { 0 };
	struct bigw w;
	struct cairn_rec rec;
	struct cairn_mem_ent e;
	unsigned char *chunk = NULL, hdr[CAIRN_FILEHDR_SIZE];
	char name[HEX + 32];
	uint64_t total = 0, i;
	ssize_t n;
	int r, z = b->level > 0;

	memset(&w, 0, sizeof(w));
	w.b = b;
	w.n = 1;
	random_hex(w.hex);
	cairn_filehdr_encode(hdr, CAIRN_DATA_MAGIC, b->be.algo);
	memset(&rec, 0, sizeof(rec));
	if ((chunk = malloc(1 << 16)) == NULL ||
	    (err = cairn_buf_append(&w.p0, hdr, sizeof(hdr))) != NULL ||
	    (err = cairn_buf_grow(&w.p0, CAIRN_REC_HDR_SIZE)) != NULL) {
		err = chunk ? err : cairn_error_nomem();
		goto done;
	}
	memset(w.p0.data + w.p0.len, 0, CAIRN_REC_HDR_SIZE);
	w.p0.len += CAIRN_REC_HDR_SIZE;
	if ((err = cairn_hasher_init_object(&h, b->be.algo, type, size)) !=
	    NULL || (z && (err = cairn_deflater_init(&d, b->level)) != NULL))
		goto done;
	for (;;) {
		if ((n = read(arg, chunk, 1 << 16)) < 0) {
			err = cairn_error_sys(errno, "read object content");
			goto done;
		}
		total += (uint64_t)n;
		if (total > size)
			break;
		if ((err = cairn_hasher_update(&h, chunk, (size_t)n)) != NULL ||
		    (err = z ? cairn_deflater_feed(&d, chunk, (size_t)n, n == 0,
		    big_sink, &w) : big_sink(&w, chunk, (size_t)n)) != NULL)
			goto done;
		if (n == 0)
			break;
	}
	if (total != size) {
		err = cairn_error_new(CAIRN_ERR_INVALID, "content is %s %llu "
		    "bytes", total > size ? "more than" : "not the expected",
		    (unsigned long long)size);
		goto done;
	}
	if ((err = cairn_hasher_final(&h, out)) != NULL)
		goto done;
	if (cairn_memtable_get(&b->bobjs, out->hash) != NULL)
		goto done;
	if (cairn_memtable_get(&b->objs, out->hash) != NULL) {
		err = touch(b, out);
		goto done;
	}
	if (b->nbigs + 2 >= MAX_SLOTS) {
		err = cairn_error_new(CAIRN_ERR_INVALID, "a batch holds too "
		    "many large objects (at most %d)", MAX_SLOTS - 2);
		goto done;
	}
	rec.kind = CAIRN_REC_OBJECT;
	rec.flags = z ? CAIRN_REC_DEFLATED : 0;
	rec.type = type;
	rec.size = size;
	rec.stored = w.stored;
	rec.data_off = CAIRN_FILEHDR_SIZE;
	rec.time = (uint64_t)time(NULL);
	rec.crc = w.crc;
	rec.id = *out;
	cairn_rec_encode(w.p0.data + CAIRN_FILEHDR_SIZE, &rec);
	/* The last part short (empty if need be): it ends the pack. */
	if (w.p0.len == PART) {
		part_name(name, sizeof(name), w.hex, w.n);
		if ((r = R.rados_write_full(b->io, name, (char *)w.cur.data,
		    w.cur.len)) < 0) {
			err = rerr(r, "write", name);
			goto done;
		}
	}
	part_name(name, sizeof(name), w.hex, 0);
	if ((r = R.rados_write_full(b->io, name, (char *)w.p0.data,
	    w.p0.len)) < 0) {
		err = rerr(r, "write", name);
		goto done;
	}
	if ((b->nbigs & (b->nbigs + 1)) == 0) {
		void *nv = realloc(b->bigs, (b->nbigs * 2 + 2) *
		    sizeof(*b->bigs));

		if (nv == NULL) {
			err = cairn_error_nomem();
			goto done;
		}
		b->bigs = nv;
	}
	memcpy(b->bigs[b->nbigs++], w.hex, HEX + 1);
	memset(&e, 0, sizeof(e));
	memcpy(e.id, out->hash, out->len);
	e.loc = b->nbigs;
	e.data_off = CAIRN_FILEHDR_SIZE;
	e.type = (unsigned char)type;
	e.size = size;
	if ((err = cairn_memtable_put(&b->bobjs, &e)) == NULL) {
		CAIRN_COUNT(b->be.counters.writes);
		w.n = 0;	/* kept */
	}
done:
	/* Not kept: the parts written go (part 0 only ever at the end). */
	for (i = 1; w.n > 0 && i <= w.n; i++) {
		part_name(name, sizeof(name), w.hex, i);
		R.rados_remove(b->io, name);
	}
	if (w.n > 0 && err != NULL) {
		part_name(name, sizeof(name), w.hex, 0);
		R.rados_remove(b->io, name);
	}
	free(chunk);
	cairn_hasher_release(&h);
	cairn_deflater_release(&d);
	cairn_buf_release(&w.p0);
	cairn_buf_release(&w.cur);
	return err;
}

/*
 * A stream is hashed and compressed as it comes: only its stored bytes
 * are held, not its content (a large one, not even those).
 */
static const struct cairn_error *
rb_write_stream(struct cairn_backend *be, struct cairn_oid *out, int type,
    cairn_read_fn read, void *arg, int64_t size)
{
	struct rbe *b = (struct rbe *)be;
	const struct cairn_error *err;
	struct cairn_hasher h = { 0 };
	struct cairn_deflater d = { 0 };
	struct cairn_buf z = { 0 }, raw = { 0 };
	struct zsink zs = { &z };
	unsigned char *chunk = NULL;
	uint64_t total = 0;
	ssize_t n;

	if (!b->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE, "no batch is open");
	if (size < 0) {		/* size unknown: the header needs it */
		for (;;) {
			if ((err = cairn_buf_grow(&raw, 1 << 16)) != NULL)
				goto done;
			if ((n = read(arg, raw.data + raw.len, 1 << 16)) < 0) {
				err = cairn_error_sys(errno,
				    "read object content");
				goto done;
			}
			if (n == 0)
				break;
			raw.len += (size_t)n;
		}
		err = rb_write(be, out, type, raw.data, raw.len);
		goto done;
	}
	if ((uint64_t)size > PART / 2)
		return write_big(b, out, type, read, arg, (uint64_t)size);
	if ((chunk = malloc(1 << 16)) == NULL) {
		err = cairn_error_nomem();
		goto done;
	}
	if ((err = cairn_hasher_init_object(&h, be->algo, type,
	    (uint64_t)size)) != NULL || (b->level > 0 &&
	    (err = cairn_deflater_init(&d, b->level)) != NULL))
		goto done;
	for (;;) {
		if ((n = read(arg, chunk, 1 << 16)) < 0) {
			err = cairn_error_sys(errno, "read object content");
			goto done;
		}
		total += (uint64_t)n;
		if (total > (uint64_t)size)
			break;
		if ((err = cairn_hasher_update(&h, chunk, (size_t)n)) != NULL ||
		    (err = b->level > 0 ? cairn_deflater_feed(&d, chunk,
		    (size_t)n, n == 0, zsink, &zs) : cairn_buf_append(&z,
		    chunk, (size_t)n)) != NULL)
			goto done;
		if (n == 0)
			break;
	}
	if (total != (uint64_t)size) {
		err = cairn_error_new(CAIRN_ERR_INVALID, "content is %s %lld "
		    "bytes", total > (uint64_t)size ? "more than" :
		    "not the expected", (long long)size);
		goto done;
	}
	if ((err = cairn_hasher_final(&h, out)) != NULL)
		goto done;
	if (cairn_memtable_get(&b->bobjs, out->hash) != NULL)
		goto done;
	if (cairn_memtable_get(&b->objs, out->hash) != NULL)
		err = touch(b, out);
	else
		err = append_record(b, out, type, (uint64_t)size, z.data, z.len,
		    b->level > 0 && size > 0);
done:
	free(chunk);
	cairn_hasher_release(&h);
	cairn_deflater_release(&d);
	cairn_buf_release(&z);
	cairn_buf_release(&raw);
	return err;
}

static void remove_pack(struct rbe *b, const char *hex);

/* Remove what the open batch wrote (best effort: gc takes the rest). */
static void
drop_parts(struct rbe *b)
{
	char name[HEX + 32];
	uint64_t i;

	for (i = 0; i < b->partno; i++) {
		part_name(name, sizeof(name), b->bpack, i);
		R.rados_remove(b->io, name);
	}
	for (i = 0; i < b->nbigs; i++)
		remove_pack(b, b->bigs[i]);
	b->nbigs = 0;
}

static void
rb_abort(struct cairn_backend *be)
{
	struct rbe *b = (struct rbe *)be;

	if (!b->in_batch)
		return;
	drop_parts(b);
	b->in_batch = 0;
	b->nsmall = 0;
	cairn_buf_reset(&b->part);
	cairn_memtable_clear(&b->bobjs);
	cairn_memtable_clear(&b->btouched);
	b->ntouches = 0;
}

/* The entries of a segment being built, sorted by id. */
struct sentry {
	unsigned char id[CAIRN_OID_MAX];
	uint64_t off;		/* slot << SLOT_SHIFT | offset */
};

/* Ids are zero past their length: all CAIRN_OID_MAX bytes compare. */
static int
sentry_cmp(const void *a, const void *b)
{
	return memcmp(((const struct sentry *)a)->id,
	    ((const struct sentry *)b)->id, CAIRN_OID_MAX);
}

struct sgen {
	struct sentry *e;
	size_t i, n;
};

static int
sgen_next(void *arg, struct cairn_seg_entry *out)
{
	struct sgen *g = arg;

	if (g->i == g->n)
		return 0;
	memset(out, 0, sizeof(*out));
	memcpy(out->id, g->e[g->i].id, CAIRN_OID_MAX);
	out->off = g->e[g->i].off;
	g->i++;
	return 1;
}

/* Sort e[0..n) and write it as segment s.<hex>. */
static const struct cairn_error *
write_segment(struct rbe *b, struct sentry *e, size_t n, const char *hex)
{
	const struct cairn_error *err;
	struct cairn_buf seg = { 0 };
	struct sgen g = { e, 0, n };
	char name[HEX + 8];
	int r;

	qsort(e, n, sizeof(*e), sentry_cmp);
	snprintf(name, sizeof(name), "s.%s", hex);
	if ((err = cairn_segment_encode(&seg, cairn_hash_len(b->be.algo), n,
	    sgen_next, &g)) == NULL && (r = R.rados_write_full(b->io, name,
	    (char *)seg.data, seg.len)) < 0)
		err = rerr(r, "write", name);
	cairn_buf_release(&seg);
	return err;
}

/*
 * The segment and manifest line of the open batch, its touches resolved
 * against the manifest as now loaded.  A touched object the manifest no
 * longer names (gc took it out) is still named where it was, if that
 * pack is still there.
 */
static const struct cairn_error *
batch_line(struct rbe *b, const char *seg, struct cairn_buf *line)
{
	const struct cairn_error *err = NULL;
	struct sentry *e;
	const char **slots = NULL;
	size_t first = 1 + b->nbigs, nslots = first, i, j, n = 0;
	size_t idlen = cairn_hash_len(b->be.algo);
	int own = b->nsmall > 0;

	if (first >= MAX_SLOTS)
		return cairn_error_new(CAIRN_ERR_INVALID, "a batch holds too "
		    "many large objects (at most %d)", MAX_SLOTS - 2);
	if ((e = calloc(b->bobjs.n + b->ntouches + 1, sizeof(*e))) == NULL ||
	    (slots = calloc(MAX_SLOTS, sizeof(*slots))) == NULL) {
		free(e);
		return cairn_error_nomem();
	}
	/* Slot 0: the batch's pack; 1...: its large objects' packs. */
	for (i = 0; i < b->bobjs.cap; i++)
		if (b->bobjs.tab[i].used) {
			memcpy(e[n].id, b->bobjs.tab[i].id, idlen);
			e[n++].off = b->bobjs.tab[i].loc << SLOT_SHIFT |
			    b->bobjs.tab[i].data_off;
		}
	for (i = 0; i < b->ntouches && err == NULL; i++) {
		const struct cairn_mem_ent *m;
		struct touch *t = &b->touches[i];

		if (cairn_memtable_get(&b->bobjs, t->id) != NULL)
			continue;
		if ((m = cairn_memtable_get(&b->objs, t->id)) != NULL) {
			memcpy(t->pack, b->packs[m->loc], HEX + 1);
			t->off = m->data_off;
		} else {
			char part[HEX + 32];
			uint64_t sz;
			time_t mt;

			part_name(part, sizeof(part), t->pack, 0);
			if (R.rados_stat(b->io, part, &sz, &mt) != 0) {
				struct cairn_oid o;
				char hex[CAIRN_OID_HEXMAX + 1];

				cairn_oid_set(t->id, idlen, &o);
				err = cairn_error_new(CAIRN_ERR_NOT_FOUND,
				    "object %s was removed by a gc while this "
				    "batch stored it again: store it again",
				    cairn_oid_fmt(&o, hex));
				break;
			}
		}
		for (j = first; j < nslots && strcmp(slots[j], t->pack) != 0;
		    j++)
			;
		if (j == nslots) {
			if (nslots == MAX_SLOTS) {
				err = cairn_error_new(CAIRN_ERR_INVALID,
				    "a batch touches objects in too many "
				    "packs");
				break;
			}
			slots[nslots++] = t->pack;
		}
		memcpy(e[n].id, t->id, idlen);
		e[n++].off = (uint64_t)j << SLOT_SHIFT | t->off;
	}
	if (err == NULL)
		err = write_segment(b, e, n, seg);
	free(e);
	if (err == NULL)
		err = cairn_buf_printf(line, "b %lld %s %s", (long long)time(NULL),
		    seg, own ? b->bpack : "-");
	for (i = 0; err == NULL && i < b->nbigs; i++)
		err = cairn_buf_printf(line, " %s", b->bigs[i]);
	for (i = first; err == NULL && i < nslots; i++)
		err = cairn_buf_printf(line, " %s", slots[i]);
	free(slots);
	if (err == NULL)
		err = cairn_buf_append(line, "\n", 1);
	return err;
}

static void
remove_segment(struct rbe *b, const char *hex)
{
	char name[HEX + 8];

	snprintf(name, sizeof(name), "s.%s", hex);
	R.rados_remove(b->io, name);
}

static int cas_fault;		/* atomic: cairn_rados_fault_cas */

void
cairn_rados_fault_cas(int on)
{
	__atomic_store_n(&cas_fault, on, __ATOMIC_RELAXED);
}

/* The gen a compare expects ("never" under the fault). */
static void
gen_expected(const struct rbe *b, char *out, size_t len)
{
	if (__atomic_load_n(&cas_fault, __ATOMIC_RELAXED))
		snprintf(out, len, "never");
	else
		snprintf(out, len, "%" PRIu64, b->gen);
}

static void
backoff(int attempt)
{
	struct timespec ts;
	unsigned r = 0;
	long ms = attempt < 6 ? 1L << attempt : 64;

	(void)getrandom(&r, sizeof(r), 0);
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(r % (unsigned)(ms * 1000 + 1)) * 1000;
	nanosleep(&ts, NULL);
}

static const struct cairn_error *rb_flush(struct cairn_backend *be);

static const struct cairn_error *
rb_commit(struct cairn_backend *be)
{
	struct rbe *b = (struct rbe *)be;
	const struct cairn_error *err;
	struct cairn_buf line = { 0 };
	char seg[HEX + 1], gen[24];
	int attempt, r = 0, changed;

	if (!b->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE, "no batch is open");
	if (b->bobjs.n == 0 && b->ntouches == 0) {
		b->in_batch = 0;
		return NULL;
	}
	if (b->nsmall > 0 && (err = flush_parts(b, 1)) != NULL)
		goto fail;
	for (attempt = 0; attempt < RETRIES; attempt++) {
		rados_write_op_t op;

		random_hex(seg);
		cairn_buf_reset(&line);
		if ((err = batch_line(b, seg, &line)) != NULL)
			goto fail;
		gen_expected(b, gen, sizeof(gen));
		op = R.rados_create_write_op();
		R.rados_write_op_cmpxattr(op, "gen", LIBRADOS_CMPXATTR_OP_EQ,
		    gen, strlen(gen));
		R.rados_write_op_append(op, (char *)line.data, line.len);
		r = R.rados_write_op_operate(op, b->io, "head", NULL, 0);
		R.rados_release_write_op(op);
		if (r >= 0)
			break;
		if (r != -ECANCELED) {
			/*
			 * The append may have landed (a time-out): leave the
			 * segment and the packs, which a line may name; if
			 * none does, gc removes them an hour on.
			 */
			err = cairn_error_new(CAIRN_ERR_IO, "'%s': the commit's "
			    "outcome is unknown (%s): its objects may be "
			    "stored; store them again", b->url,
			    strerror(-r));
			b->partno = 0;
			b->nbigs = 0;
			goto fail;
		}
		remove_segment(b, seg);
		/* A gc or flush took lines out: resolve the touches again. */
		if ((err = reload(b, &changed)) != NULL)
			goto fail;
		backoff(attempt);
	}
	if (r < 0) {
		err = cairn_error_new(CAIRN_ERR_LOCKED, "'%s': the commit lost "
		    "to other writers %d times in a row; try again later",
		    b->url, RETRIES);
		goto fail;
	}
	b->in_batch = 0;
	/*
	 * Others' lines may be before ours: read them all.  The batch is
	 * committed whatever this says; a failure here leaves the state to
	 * the next look after a miss.
	 */
	(void)reload(b, &changed);
	cairn_buf_release(&line);
	cairn_memtable_clear(&b->bobjs);
	b->ntouches = 0;
	b->nsmall = b->nbigs = 0;
	cairn_buf_reset(&b->part);
	/*
	 * Every open reads one segment per line: past AUTO_FLUSH lines,
	 * merge them (unless a gc or flush runs elsewhere; no failure of
	 * this is the commit's).
	 */
	if (b->nlines > AUTO_FLUSH)
		(void)rb_flush(be);
	return NULL;
fail:
	cairn_buf_release(&line);
	rb_abort(be);
	return err;
}

/* Refs: head's omap. */

static const struct cairn_error *
parse_ref(struct rbe *b, const char *name, const char *val, size_t len,
    struct cairn_oid *out)
{
	char hex[CAIRN_OID_HEXMAX + 1];

	if (len != 2 * cairn_hash_len(b->be.algo))
		return cairn_error_new(CAIRN_ERR_CORRUPT, "ref '%s' of '%s' "
		    "holds no id: run cairn fsck", name, b->url);
	memcpy(hex, val, len);
	hex[len] = '\0';
	if (cairn_oid_parse(b->be.algo, hex, len, out) != NULL)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "ref '%s' of '%s' "
		    "holds no id: run cairn fsck", name, b->url);
	return NULL;
}

/*
 * The values of the keys names[0..n) (vals[i] "" when absent), as one
 * read, exactly as stored (a value of more than REFVAL_MAX bytes, or
 * holding a NUL, is damage).
 */
static const struct cairn_error *
ref_values(struct rbe *b, const char *const *names, size_t n, char (*vals)[
    REFVAL_MAX + 1])
{
	rados_read_op_t op;
	rados_omap_iter_t it;
	char *k, *v;
	size_t vl, i;
	int r, rv = 0;

	for (i = 0; i < n; i++)
		vals[i][0] = '\0';
	op = R.rados_create_read_op();
	R.rados_read_op_omap_get_vals_by_keys(op, names, n, &it, &rv);
	r = R.rados_read_op_operate(op, b->io, "head", 0);
	R.rados_release_read_op(op);
	if (r < 0)
		return rerr(r, "read refs of", "head");
	if (rv < 0)
		return rerr(rv, "read refs of", "head");
	while (R.rados_omap_get_next(it, &k, &v, &vl) == 0 && k != NULL)
		for (i = 0; i < n; i++)
			if (strcmp(k, names[i]) == 0) {
				if (vl > REFVAL_MAX || memchr(v, '\0', vl)) {
					R.rados_omap_get_end(it);
					return cairn_error_new(CAIRN_ERR_CORRUPT,
					    "ref '%s' of '%s' holds no id: run "
					    "cairn fsck", names[i], b->url);
				}
				memcpy(vals[i], v, vl);
				vals[i][vl] = '\0';
			}
	R.rados_omap_get_end(it);
	return NULL;
}

static const struct cairn_error *
rb_ref_get(struct cairn_backend *be, const char *name, struct cairn_oid *out)
{
	struct rbe *b = (struct rbe *)be;
	const struct cairn_error *err;
	char val[1][REFVAL_MAX + 1];

	if ((err = cairn_refname_check(name, strlen(name))) != NULL ||
	    (err = ref_values(b, &name, 1, val)) != NULL)
		return err;
	if (val[0][0] == '\0')
		return cairn_error_new(CAIRN_ERR_NOT_FOUND,
		    "ref '%s' does not exist", name);
	return parse_ref(b, name, val[0], strlen(val[0]), out);
}

/*
 * Call fn for the refs whose names start with prefix, in name order, a
 * page at a time; all of them are read before the first call.
 */
static const struct cairn_error *
rb_ref_list(struct cairn_backend *be, const char *prefix,
    int (*fn)(void *, const char *, const struct cairn_oid *), void *arg)
{
	struct rbe *b = (struct rbe *)be;
	const struct cairn_error *err = NULL;
	struct cairn_buf names = { 0 }, ids = { 0 }, after = { 0 };
	struct cairn_oid id;
	unsigned char more = 1;
	size_t i, off;

	if ((err = cairn_buf_append(&after, "", 1)) != NULL)
		return err;
	while (more && err == NULL) {
		rados_read_op_t op = R.rados_create_read_op();
		rados_omap_iter_t it;
		char *k, *v;
		size_t vl;
		int r, rv = 0;

		R.rados_read_op_omap_get_vals2(op, (char *)after.data,
		    prefix ? prefix : "", 1000, &it, &more, &rv);
		r = R.rados_read_op_operate(op, b->io, "head", 0);
		R.rados_release_read_op(op);
		if (r < 0 || rv < 0)
			return rerr(r < 0 ? r : rv, "list refs of", "head");
		while (err == NULL && R.rados_omap_get_next(it, &k, &v, &vl) ==
		    0 && k != NULL) {
			if (cairn_refname_check(k, strlen(k)) != NULL)
				err = cairn_error_new(CAIRN_ERR_CORRUPT, "'%s' "
				    "holds a ref with a bad name: run cairn "
				    "fsck", b->url);
			else if ((err = parse_ref(b, k, v, vl, &id)) == NULL &&
			    (err = cairn_buf_append(&names, k, strlen(k) + 1)) ==
			    NULL)
				err = cairn_buf_append(&ids, &id, sizeof(id));
			if (err == NULL) {
				cairn_buf_reset(&after);
				err = cairn_buf_append(&after, k, strlen(k) + 1);
			}
		}
		R.rados_omap_get_end(it);
	}
	for (i = 0, off = 0; err == NULL && off < names.len; i++) {
		const char *n = (char *)names.data + off;

		memcpy(&id, ids.data + i * sizeof(id), sizeof(id));
		if (fn(arg, n, &id) != 0)
			break;
		off += strlen(n) + 1;
	}
	cairn_buf_release(&names);
	cairn_buf_release(&ids);
	cairn_buf_release(&after);
	return err;
}

static int
sets(const struct cairn_ref_update *u)
{
	return u->op == CAIRN_REF_SET || u->op == CAIRN_REF_CREATE;
}

/* Nonzero if one name is a directory of the other ("a" and "a/b"). */
static int
nested(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > lb)
		return nested(b, a);
	return la < lb && b[la] == '/' && strncmp(a, b, la) == 0;
}

struct first_ref {
	int found;
};

static int
first_ref(void *arg, const char *name, const struct cairn_oid *id)
{
	(void)name, (void)id;
	((struct first_ref *)arg)->found = 1;
	return 1;
}

/* Would creating name make a ref a directory of another? */
static const struct cairn_error *
ref_conflict(struct rbe *b, const char *name, int *conflict)
{
	const struct cairn_error *err;
	struct cairn_buf pre = { 0 };
	struct first_ref f = { 0 };
	char val[1][REFVAL_MAX + 1];
	const char *slash;

	*conflict = 0;
	for (slash = strchr(name, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		char *parent = strndup(name, (size_t)(slash - name));
		const char *pp = parent;

		if (parent == NULL)
			return cairn_error_nomem();
		err = ref_values(b, &pp, 1, val);
		free(parent);
		if (err != NULL)
			return err;
		if (val[0][0] != '\0') {
			*conflict = 1;
			return NULL;
		}
	}
	if ((err = cairn_buf_printf(&pre, "%s/", name)) == NULL)
		err = rb_ref_list(&b->be, (char *)pre.data, first_ref, &f);
	cairn_buf_release(&pre);
	*conflict = f.found;
	return err;
}

static int
in_lower(struct rbe *b, const struct cairn_oid *id)
{
	int type;
	uint64_t size;

	return b->lower != NULL && b->lower->ops->stat(b->lower, id, &type,
	    &size) == NULL;
}

/* Check u against the current value cur ("" absent), as the disk does. */
static const struct cairn_error *
ref_check(struct rbe *b, const struct cairn_ref_update *u, const char *cur)
{
	const struct cairn_error *err;
	struct cairn_oid id;
	char a[CAIRN_OID_HEXMAX + 1], c[CAIRN_OID_HEXMAX + 1];
	int conflict;

	if (u->op == CAIRN_REF_CREATE && cur[0] != '\0')
		return cairn_error_new(CAIRN_ERR_EXISTS,
		    "ref '%s' already exists", u->name);
	if (u->op == CAIRN_REF_VERIFY && !u->has_old && cur[0] != '\0')
		return cairn_error_new(CAIRN_ERR_EXISTS,
		    "ref '%s' already exists", u->name);
	if (cur[0] == '\0' && (u->has_old || u->op == CAIRN_REF_DELETE))
		return cairn_error_new(u->has_old ? CAIRN_ERR_CAS_MISMATCH :
		    CAIRN_ERR_NOT_FOUND, "ref '%s' does not exist", u->name);
	if (u->has_old) {
		if ((err = parse_ref(b, u->name, cur, strlen(cur), &id)) != NULL)
			return err;
		if (!cairn_oid_eq(&id, &u->old_id))
			return cairn_error_new(CAIRN_ERR_CAS_MISMATCH,
			    "ref '%s' is at %s but expected %s", u->name, cur,
			    cairn_oid_fmt(&u->old_id, c));
	}
	if (sets(u) && cur[0] == '\0') {
		if ((err = ref_conflict(b, u->name, &conflict)) != NULL)
			return err;
		if (conflict)
			return cairn_error_new(CAIRN_ERR_EXISTS, "cannot create "
			    "ref '%s': it conflicts with an existing ref",
			    u->name);
	}
	if (sets(u) && cairn_memtable_get(&b->objs, u->new_id.hash) == NULL) {
		int changed;

		if ((err = reload(b, &changed)) != NULL)
			return err;
		if (u->new_id.len != cairn_hash_len(b->be.algo) ||
		    (cairn_memtable_get(&b->objs, u->new_id.hash) == NULL &&
		    !in_lower(b, &u->new_id)))
			return cairn_error_new(CAIRN_ERR_NOT_FOUND,
			    "object %s not found", cairn_oid_fmt(&u->new_id,
			    a));
	}
	return NULL;
}

static const struct cairn_error *
rb_ref_update(struct cairn_backend *be, const struct cairn_ref_update *u,
    size_t n)
{
	struct rbe *b = (struct rbe *)be;
	const struct cairn_error *err = NULL;
	const char **names = NULL, **snames = NULL, **vals = NULL, **rm = NULL;
	char (*cur)[REFVAL_MAX + 1] = NULL, (*hex)[CAIRN_OID_HEXMAX + 1] =
	    NULL;
	size_t *lens = NULL, i, j, ns, nr;
	int attempt, r = -ECANCELED, changed, *rc = NULL;

	if (b->read_only)
		return cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	if (b->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE,
		    "refs cannot be updated inside a batch");
	for (i = 0; i < n; i++) {
		if ((err = cairn_refname_check(u[i].name, strlen(u[i].name))) !=
		    NULL)
			return err;
		for (j = 0; j < i; j++) {
			if (strcmp(u[i].name, u[j].name) == 0)
				return cairn_error_new(CAIRN_ERR_INVALID,
				    "ref '%s' is updated twice", u[i].name);
			if (nested(u[i].name, u[j].name) &&
			    (sets(&u[i]) || sets(&u[j])))
				return cairn_error_new(CAIRN_ERR_EXISTS,
				    "refs '%s' and '%s' cannot both exist",
				    u[j].name, u[i].name);
		}
	}
	if (n == 0)
		return NULL;
	names = calloc(n, sizeof(*names));
	snames = calloc(n, sizeof(*snames));
	vals = calloc(n, sizeof(*vals));
	rm = calloc(n, sizeof(*rm));
	lens = calloc(n, sizeof(*lens));
	cur = calloc(n, sizeof(*cur));
	hex = calloc(n, sizeof(*hex));
	rc = calloc(n, sizeof(*rc));
	if (!names || !snames || !vals || !rm || !lens || !cur || !hex || !rc) {
		err = cairn_error_nomem();
		goto done;
	}
	for (i = 0; i < n; i++)
		names[i] = u[i].name;
	for (attempt = 0; attempt < RETRIES && r == -ECANCELED; attempt++) {
		rados_write_op_t op;
		char gen[24];

		if (attempt > 0)
			backoff(attempt);
		if ((err = ref_values(b, names, n, cur)) != NULL)
			goto done;
		for (i = 0; i < n; i++)
			if ((err = ref_check(b, &u[i], cur[i])) != NULL)
				goto done;
		op = R.rados_create_write_op();
		gen_expected(b, gen, sizeof(gen));
		R.rados_write_op_cmpxattr(op, "gen", LIBRADOS_CMPXATTR_OP_EQ,
		    gen, strlen(gen));
		for (i = ns = nr = 0; i < n; i++) {
			R.rados_write_op_omap_cmp(op, names[i],
			    LIBRADOS_CMPXATTR_OP_EQ, cur[i], strlen(cur[i]),
			    &rc[i]);
			if (sets(&u[i])) {
				cairn_oid_fmt(&u[i].new_id, hex[ns]);
				snames[ns] = names[i];
				vals[ns] = hex[ns];
				lens[ns] = strlen(hex[ns]);
				ns++;
			} else if (u[i].op == CAIRN_REF_DELETE)
				rm[nr++] = names[i];
		}
		if (ns > 0)
			R.rados_write_op_omap_set(op, snames, vals, lens, ns);
		if (nr > 0)
			R.rados_write_op_omap_rm_keys(op, rm, nr);
		r = R.rados_write_op_operate(op, b->io, "head", NULL, 0);
		R.rados_release_write_op(op);
		if (r == -ECANCELED && (err = reload(b, &changed)) != NULL)
			goto done;
	}
	if (r == -ECANCELED)
		err = cairn_error_new(CAIRN_ERR_LOCKED, "'%s': the ref update "
		    "lost to other writers %d times in a row; try again later",
		    b->url, RETRIES);
	else if (r < 0)
		err = rerr(r, "update refs of", "head");
done:
	free(names);
	free(snames);
	free(vals);
	free(rm);
	free(lens);
	free(cur);
	free(hex);
	free(rc);
	return err;
}

/* gc and flush: rewriting the manifest. */

static const struct cairn_error *
gc_lock(struct rbe *b, char *cookie)
{
	struct timeval tv = { LOCK_SECONDS, 0 };
	int r;

	random_hex(cookie);
	r = R.rados_lock_exclusive(b->io, "head", "gc", cookie,
	    "cairn gc or flush", &tv, 0);
	if (r == -EBUSY || r == -EEXIST)
		return cairn_error_new(CAIRN_ERR_LOCKED, "'%s': a gc or flush "
		    "is running elsewhere (its lock expires by itself %d s "
		    "after it stops)", b->url, LOCK_SECONDS);
	if (r < 0)
		return rerr(r, "lock", "head");
	return NULL;
}

static void
gc_unlock(struct rbe *b, const char *cookie)
{
	R.rados_unlock(b->io, "head", "gc", cookie);
}

/* Force a full read of head. */
static const struct cairn_error *
reload_all(struct rbe *b)
{
	int changed;

	state_clear(b);
	b->version = 0;
	return reload(b, &changed);
}

/*
 * Publish the manifest text m if head is still at the version the state
 * was read at, raising gen.  CAIRN_ERR_CAS_MISMATCH if it moved.
 */
static const struct cairn_error *
publish(struct rbe *b, const struct cairn_buf *m)
{
	rados_write_op_t op = R.rados_create_write_op();
	char gen[24];
	int r;

	snprintf(gen, sizeof(gen), "%" PRIu64, b->gen + 1);
	R.rados_write_op_assert_version(op, b->version);
	R.rados_write_op_write_full(op, (char *)m->data, m->len);
	R.rados_write_op_setxattr(op, "gen", gen, strlen(gen));
	r = R.rados_write_op_operate(op, b->io, "head", NULL, 0);
	R.rados_release_write_op(op);
	if (r == -ERANGE || r == -EOVERFLOW)
		return cairn_error_new(CAIRN_ERR_CAS_MISMATCH, "'%s' changed",
		    b->url);
	if (r < 0)
		return rerr(r, "write", "head");
	return NULL;
}

/* The manifest's first line, and its "d" lines plus one for each name. */
static const struct cairn_error *
manifest_start(struct rbe *b, struct cairn_buf *m)
{
	return cairn_buf_printf(m, "%s %s\n", MANIFEST_MAGIC,
	    cairn_hash_name(b->be.algo));
}

static const struct cairn_error *
manifest_doom_old(struct rbe *b, struct cairn_buf *m, int packs_too)
{
	const struct cairn_error *err = NULL;
	long long now = (long long)time(NULL);
	size_t i;

	for (i = 0; err == NULL && i < b->ndoomed; i++)
		err = cairn_buf_printf(m, "d %lld %s\n",
		    (long long)b->doomed[i].time, b->doomed[i].name);
	for (i = 0; err == NULL && i < b->nlines; i++)
		err = cairn_buf_printf(m, "d %lld s.%s\n", now,
		    b->lines[i].seg);
	for (i = 0; err == NULL && packs_too && i < b->npacks; i++)
		err = cairn_buf_printf(m, "d %lld p.%s\n", now, b->packs[i]);
	return err;
}

static int
line_touches(const struct line *l)
{
	return l->npacks > 1 || l->packs[0] == NONE;
}

static const struct cairn_error *
rb_flush(struct cairn_backend *be)
{
	struct rbe *b = (struct rbe *)be;
	const struct cairn_error *err;
	struct cairn_buf m = { 0 };
	struct sentry *e = NULL;
	char cookie[HEX + 1], seg[HEX + 1];
	int64_t t = 0;
	size_t i, n, attempt;

	if (b->read_only)
		return cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	if (b->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE, "flush inside a batch");
	if ((err = gc_lock(b, cookie)) != NULL)
		return err;
	for (attempt = 0; attempt < 20; attempt++) {
		if ((err = reload_all(b)) != NULL || b->nlines < 2)
			break;
		if (b->npacks >= MAX_SLOTS) {
			err = cairn_error_new(CAIRN_ERR_INVALID, "'%s' has "
			    "more than %d packs: run cairn gc to compact it",
			    b->url, MAX_SLOTS - 1);
			break;
		}
		/* One segment for all: the table's entries, slot = pack. */
		if ((e = calloc(b->objs.n + 1, sizeof(*e))) == NULL) {
			err = cairn_error_nomem();
			break;
		}
		for (i = n = 0; i < b->objs.cap; i++)
			if (b->objs.tab[i].used) {
				memcpy(e[n].id, b->objs.tab[i].id,
				    b->objs.idlen);
				e[n++].off = b->objs.tab[i].loc << SLOT_SHIFT |
				    b->objs.tab[i].data_off;
			}
		for (i = 0; i < b->nlines; i++)
			if (line_touches(&b->lines[i]) && b->lines[i].time > t)
				t = b->lines[i].time;
		random_hex(seg);
		cairn_buf_reset(&m);
		if ((err = write_segment(b, e, n, seg)) == NULL &&
		    (err = manifest_start(b, &m)) == NULL &&
		    (err = cairn_buf_printf(&m, "b %lld %s", (long long)t,
		    seg)) == NULL) {
			for (i = 0; err == NULL && i < b->npacks; i++)
				err = cairn_buf_printf(&m, " %s", b->packs[i]);
			if (err == NULL && (err = cairn_buf_append(&m, "\n", 1))
			    == NULL && (err = manifest_doom_old(b, &m, 0)) ==
			    NULL)
				err = publish(b, &m);
		}
		free(e);
		e = NULL;
		if (err == NULL || err->code != CAIRN_ERR_CAS_MISMATCH) {
			if (err != NULL)
				remove_segment(b, seg);
			break;
		}
		remove_segment(b, seg);
		backoff((int)attempt);
	}
	if (err != NULL && err->code == CAIRN_ERR_CAS_MISMATCH)
		err = cairn_error_new(CAIRN_ERR_LOCKED, "'%s': writers kept "
		    "committing while flush tried to merge the index; try "
		    "again later", b->url);
	if (err == NULL)
		err = reload_all(b);
	gc_unlock(b, cookie);
	cairn_buf_release(&m);
	return err;
}

/* Reading a pack from start to end through a window of a part or more. */
struct window {
	struct rbe *b;
	const char *pack;
	struct cairn_buf buf;
	uint64_t start;		/* pack offset of buf.data[0] */
	int eof;		/* the pack ends within buf */
};

/* Point *p at len bytes at off; *p NULL if the pack ends before. */
static const struct cairn_error *
window_get(struct window *w, uint64_t off, size_t len,
    const unsigned char **p)
{
	const struct cairn_error *err;
	size_t want = len > PART ? len : PART, got;

	*p = NULL;
	if (off >= w->start && off + len <= w->start + w->buf.len) {
		*p = w->buf.data + (off - w->start);
		return NULL;
	}
	if (w->eof && off >= w->start && off <= w->start + w->buf.len)
		return NULL;
	cairn_buf_reset(&w->buf);
	if ((err = cairn_buf_grow(&w->buf, want)) != NULL)
		return err;
	if ((err = pack_read(w->b->io, w->pack, off, w->buf.data, want, &got))
	    != NULL)
		return err;
	w->buf.len = got;
	w->start = off;
	w->eof = got < want;
	if (got >= len)
		*p = w->buf.data;
	return NULL;
}

/*
 * Call fn for each record of pack, with its offset and stored bytes
 * (not yet checked against the CRC).  A record that does not decode
 * ends the walk with CAIRN_ERR_CORRUPT, *bad_off set to its offset.
 */
static const struct cairn_error *
scan_pack(struct rbe *b, const char *pack,
    const struct cairn_error *(*fn)(void *, const struct cairn_rec *,
    uint64_t, const unsigned char *), void *arg, uint64_t *bad_off,
    int resync)
{
	const struct cairn_error *err;
	struct window w = { b, pack, { 0 }, 0, 0 };
	const unsigned char *p;
	struct cairn_rec rec;
	uint64_t off = CAIRN_FILEHDR_SIZE;

	*bad_off = UINT64_MAX;
	if ((err = window_get(&w, 0, CAIRN_FILEHDR_SIZE, &p)) != NULL)
		goto done;
	if (p == NULL || cairn_filehdr_check(p, CAIRN_DATA_MAGIC, b->be.algo) !=
	    NULL) {
		*bad_off = 0;
		if (!resync || p == NULL) {
			err = cairn_error_new(CAIRN_ERR_CORRUPT, "pack %s: bad "
			    "header", pack);
			goto done;
		}
	}
	for (;;) {
		int ok;

		if ((err = window_get(&w, off, CAIRN_REC_HDR_SIZE, &p)) != NULL)
			break;
		if (p == NULL && w.start + w.buf.len == off)
			break;		/* the end, between records */
		ok = p != NULL && cairn_rec_decode(&rec, p, cairn_hash_len(
		    b->be.algo)) == NULL && rec.kind == CAIRN_REC_OBJECT &&
		    cairn_rec_sizes_plausible(&rec) == NULL &&
		    rec.stored <= SIZE_MAX / 2;
		if (ok && (err = window_get(&w, off + CAIRN_REC_HDR_SIZE,
		    (size_t)rec.stored, &p)) != NULL)
			break;
		if (ok && p != NULL) {
			if ((err = fn(arg, &rec, off, p)) != NULL)
				break;
			off += CAIRN_REC_HDR_SIZE + rec.stored;
			continue;
		}
		/*
		 * A record that does not decode, or is cut short.  fsck and
		 * its repair look for the next one that does, so that one bad
		 * header hides no intact record after it.
		 */
		if (*bad_off == UINT64_MAX)
			*bad_off = off;
		if (!resync)
			break;
		for (off++;; off++) {
			if ((err = window_get(&w, off, CAIRN_REC_HDR_SIZE,
			    &p)) != NULL || p == NULL)
				break;
			if (memcmp(p, "CRec", 4) == 0 && cairn_rec_decode(&rec,
			    p, cairn_hash_len(b->be.algo)) == NULL)
				break;
		}
		if (err != NULL || p == NULL)
			break;
	}
	if (err == NULL && *bad_off != UINT64_MAX)
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "pack %s: a bad or cut "
		    "record at %" PRIu64, pack, *bad_off);
done:
	cairn_buf_release(&w.buf);
	return err;
}

/* What gc knows of each object the manifest names. */
struct ginfo {
	unsigned char id[CAIRN_OID_MAX];
	uint32_t pack;
	uint64_t off;
	int type;
	uint64_t size, span;
	int64_t time;
	int seen, marked;
};

struct gc {
	struct rbe *b;
	const struct cairn_gc_opts *o;
	struct ginfo *g;
	size_t n;
	struct cairn_memtable at;	/* id -> loc: index into g */
	struct cairn_memtable lower_seen;	/* followed in the alternate */
	uint32_t pack;			/* being scanned */
	struct cairn_oid *stack;
	size_t nstack, capstack;
	const struct cairn_error *err;
	/* copying */
	struct cairn_buf out;
	char opack[HEX + 1];
	uint64_t opart, ooff;
	struct sentry *e;
	size_t ne;
};

static const struct cairn_error *
gc_scan_one(void *arg, const struct cairn_rec *rec, uint64_t off,
    const unsigned char *stored)
{
	struct gc *g = arg;
	const struct cairn_mem_ent *m = cairn_memtable_get(&g->at,
	    rec->id.hash);
	struct ginfo *i;

	(void)stored;
	if (m == NULL)
		return NULL;
	i = &g->g[m->loc];
	if (i->pack != g->pack || i->off != off)
		return NULL;
	i->seen = 1;
	i->type = rec->type;
	i->size = rec->size;
	i->span = CAIRN_REC_HDR_SIZE + rec->stored;
	if ((int64_t)rec->time > i->time)
		i->time = (int64_t)rec->time;
	return NULL;
}

static const struct cairn_error *
gc_push(struct gc *g, const struct cairn_oid *id)
{
	if (g->nstack == g->capstack) {
		void *nv;

		g->capstack = g->capstack * 2 + 64;
		if ((nv = realloc(g->stack, g->capstack * sizeof(*g->stack))) ==
		    NULL)
			return cairn_error_nomem();
		g->stack = nv;
	}
	g->stack[g->nstack++] = *id;
	return NULL;
}

static int
gc_push_link(void *arg, const struct cairn_oid *id, enum cairn_otype type)
{
	struct gc *g = arg;

	(void)type;
	g->err = gc_push(g, id);
	return g->err != NULL;
}

static int
gc_push_ref(void *arg, const char *name, const struct cairn_oid *id)
{
	(void)name;
	return gc_push_link(arg, id, 0);
}

static const struct cairn_error *
gc_mark(struct gc *g)
{
	const struct cairn_error *err;
	struct cairn_buf data = { 0 };
	char hex[CAIRN_OID_HEXMAX + 1];
	int type;

	while (g->nstack > 0) {
		struct cairn_oid id = g->stack[--g->nstack];
		const struct cairn_mem_ent *m = cairn_memtable_get(&g->at,
		    id.hash);
		struct ginfo *i;

		if (m == NULL) {
			struct cairn_mem_ent *seen;
			int added;

			/*
			 * In the alternate, then: what it links to may be
			 * ours again.  Each is followed once.
			 */
			if ((g->err = cairn_memtable_add(&g->lower_seen,
			    id.hash, &seen, &added)) != NULL)
				break;
			if (!added)
				continue;
			cairn_buf_reset(&data);
			err = g->b->lower == NULL ? not_found(g->b, &id) :
			    g->b->lower->ops->read(g->b->lower, &id, 0, &type,
			    &data);
			if (err != NULL) {
				cairn_buf_release(&data);
				return cairn_error_new(err->code, "'%s': object "
				    "%s is reachable but cannot be read (%s): "
				    "nothing was removed", g->b->url,
				    cairn_oid_fmt(&id, hex), err->msg);
			}
			cairn_object_links(type, data.data, data.len,
			    g->b->be.algo, gc_push_link, g);
			if (g->err != NULL)
				break;
			continue;
		}
		i = &g->g[m->loc];
		if (i->marked)
			continue;
		i->marked = 1;
		if (i->type == CAIRN_OBJ_BLOB)
			continue;
		cairn_buf_reset(&data);
		if ((err = rb_read(&g->b->be, &id, 0, &type, &data)) != NULL) {
			cairn_buf_release(&data);
			return cairn_error_new(err->code, "%s: nothing was "
			    "removed", err->msg);
		}
		cairn_object_links(type, data.data, data.len, g->b->be.algo,
		    gc_push_link, g);
		if (g->err != NULL)
			break;
	}
	cairn_buf_release(&data);
	return g->err;
}

static int
ginfo_cmp(const void *a, const void *b)
{
	return memcmp(((const struct ginfo *)a)->id,
	    ((const struct ginfo *)b)->id, CAIRN_OID_MAX);
}

static const struct cairn_error *
gc_copy_one(void *arg, const struct cairn_rec *rec, uint64_t off,
    const unsigned char *stored)
{
	struct gc *g = arg;
	const struct cairn_error *err;
	const struct cairn_mem_ent *m = cairn_memtable_get(&g->at,
	    rec->id.hash);
	struct ginfo *i;
	struct cairn_rec nr;
	unsigned char hdr[CAIRN_REC_HDR_SIZE];
	char hex[CAIRN_OID_HEXMAX + 1], name[HEX + 32];
	int r;

	if (m == NULL)
		return NULL;
	i = &g->g[m->loc];
	if (!i->marked || i->pack != g->pack || i->off != off)
		return NULL;
	if (cairn_crc32(0, stored, (size_t)rec->stored) != rec->crc)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s': object %s "
		    "fails its CRC: nothing was removed", g->b->url,
		    cairn_oid_fmt(&rec->id, hex));
	nr = *rec;
	nr.time = (uint64_t)(i->time > 0 ? i->time : 0);
	nr.data_off = g->ooff;
	cairn_rec_encode(hdr, &nr);
	g->e[g->ne].off = g->ooff;
	memcpy(g->e[g->ne++].id, rec->id.hash, rec->id.len);
	if ((err = cairn_buf_append(&g->out, hdr, sizeof(hdr))) != NULL ||
	    (err = cairn_buf_append(&g->out, stored, (size_t)rec->stored)) !=
	    NULL)
		return err;
	g->ooff += CAIRN_REC_HDR_SIZE + rec->stored;
	while (g->out.len >= PART) {
		part_name(name, sizeof(name), g->opack, g->opart);
		if ((r = R.rados_write_full(g->b->io, name, (char *)g->out.data,
		    PART)) < 0)
			return rerr(r, "write", name);
		memmove(g->out.data, g->out.data + PART, g->out.len - PART);
		g->out.len -= PART;
		g->opart++;
	}
	return NULL;
}

static void
remove_pack(struct rbe *b, const char *hex)
{
	char name[HEX + 32];
	uint64_t i;

	for (i = 0;; i++) {
		part_name(name, sizeof(name), hex, i);
		if (R.rados_remove(b->io, name) == -ENOENT && i > 0)
			break;
		if (i > 1000000)
			break;
	}
}

/* Is the object name (s.<hex> or p.<hex>) named by a line of the state? */
static int
named(struct rbe *b, const char *name)
{
	size_t i;

	if (strncmp(name, "s.", 2) == 0) {
		for (i = 0; i < b->nlines; i++)
			if (strcmp(b->lines[i].seg, name + 2) == 0)
				return 1;
		return 0;
	}
	for (i = 0; i < b->npacks; i++)
		if (strncmp(b->packs[i], name + 2, HEX) == 0)
			return 1;
	return 0;
}

/*
 * Delete what earlier rewrites doomed, once due and named by no line,
 * and leftovers of writers that died (objects no line or "d" line names,
 * untouched for DOOM_DELAY), then drop the "d" lines of what is gone.
 */
static void
delete_doomed(struct rbe *b, int64_t keep_since)
{
	struct cairn_buf m = { 0 };
	int64_t now = (int64_t)time(NULL);
	rados_list_ctx_t ls;
	const char *entry;
	size_t i, kept = 0;

	for (i = 0; i < b->ndoomed; i++) {
		struct doom *d = &b->doomed[i];
		int due = d->time <= now - DOOM_DELAY ||
		    keep_since == INT64_MAX;

		if (named(b, d->name))
			continue;	/* alive again: drop the line */
		if (!due) {
			b->doomed[kept++] = *d;
			continue;
		}
		if (d->name[0] == 'p')
			remove_pack(b, d->name + 2);
		else
			R.rados_remove(b->io, d->name);
	}
	if (R.rados_nobjects_list_open(b->io, &ls) == 0) {
		while (R.rados_nobjects_list_next(ls, &entry, NULL, NULL) ==
		    0) {
			char base[HEX + 3];
			uint64_t sz;
			time_t mt;
			size_t j;
			int doomed = 0;

			if ((strncmp(entry, "p.", 2) != 0 &&
			    strncmp(entry, "s.", 2) != 0) ||
			    strlen(entry) < HEX + 2)
				continue;
			snprintf(base, sizeof(base), "%.*s", HEX + 2, entry);
			for (j = 0; j < kept; j++)
				doomed |= strcmp(b->doomed[j].name, base) == 0;
			if (doomed || named(b, base) ||
			    R.rados_stat(b->io, entry, &sz, &mt) != 0 ||
			    (int64_t)mt > now - DOOM_DELAY)
				continue;
			R.rados_remove(b->io, entry);
		}
		R.rados_nobjects_list_close(ls);
	}
	if (kept == b->ndoomed)
		return;
	b->ndoomed = kept;
	if (manifest_start(b, &m) == NULL) {
		const struct cairn_error *err = NULL;
		const char *text = (char *)b->manifest.data;
		const char *end = text + b->manifest.len, *p, *nl;

		/* The "b" lines as they are, then the "d" lines kept. */
		p = memchr(text, '\n', b->manifest.len);
		for (p = p ? p + 1 : end; err == NULL && p < end; p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				break;
			if (*p == 'b')
				err = cairn_buf_append(&m, p,
				    (size_t)(nl - p) + 1);
		}
		for (i = 0; err == NULL && i < kept; i++)
			err = cairn_buf_printf(&m, "d %lld %s\n",
			    (long long)b->doomed[i].time, b->doomed[i].name);
		if (err == NULL)
			(void)publish(b, &m);
	}
	cairn_buf_release(&m);
}

static void
gc_release(struct gc *g)
{
	free(g->g);
	free(g->stack);
	free(g->e);
	cairn_memtable_release(&g->at);
	cairn_memtable_release(&g->lower_seen);
	cairn_buf_release(&g->out);
	memset(g, 0, sizeof(*g));
}

/* One attempt of gc on the state as just read. */
static const struct cairn_error *
gc_once(struct rbe *b, const struct cairn_gc_opts *o,
    struct cairn_gc_result *res)
{
	const struct cairn_error *err = NULL;
	struct gc g;
	struct cairn_buf m = { 0 };
	struct cairn_mem_ent e;
	char seg[HEX + 1] = "", name[HEX + 32];
	uint64_t bad;
	size_t i, k;
	int r;

	memset(&g, 0, sizeof(g));
	g.b = b;
	g.o = o;
	memset(res, 0, sizeof(*res));
	res->size = sizeof(*res);
	cairn_memtable_init(&g.at, cairn_hash_len(b->be.algo));
	cairn_memtable_init(&g.lower_seen, cairn_hash_len(b->be.algo));
	if ((g.g = calloc(b->objs.n + 1, sizeof(*g.g))) == NULL) {
		err = cairn_error_nomem();
		goto done;
	}
	for (i = 0; err == NULL && i < b->objs.cap; i++) {
		if (!b->objs.tab[i].used)
			continue;
		memcpy(g.g[g.n].id, b->objs.tab[i].id, b->objs.idlen);
		g.g[g.n].pack = (uint32_t)b->objs.tab[i].loc;
		g.g[g.n].off = b->objs.tab[i].data_off;
		g.g[g.n].time = (int64_t)b->objs.tab[i].size;
		g.n++;
	}
	qsort(g.g, g.n, sizeof(*g.g), ginfo_cmp);
	for (i = 0; err == NULL && i < g.n; i++) {
		memset(&e, 0, sizeof(e));
		memcpy(e.id, g.g[i].id, b->objs.idlen);
		e.loc = i;
		err = cairn_memtable_put(&g.at, &e);
	}
	/* Scan: each object's type, size and record time. */
	for (k = 0; err == NULL && k < b->npacks; k++) {
		if (o->progress)
			o->progress(o->arg, "scan", k, b->npacks);
		g.pack = (uint32_t)k;
		if ((err = scan_pack(b, b->packs[k], gc_scan_one, &g, &bad, 0)) !=
		    NULL)
			err = cairn_error_new(err->code, "'%s': %s: nothing "
			    "was removed", b->url, err->msg);
	}
	for (i = 0; err == NULL && i < g.n; i++)
		if (!g.g[i].seen) {
			struct cairn_oid id;
			char hex[CAIRN_OID_HEXMAX + 1];

			cairn_oid_set(g.g[i].id, b->objs.idlen, &id);
			err = cairn_error_new(CAIRN_ERR_CORRUPT, "'%s': object "
			    "%s is not where its index says: nothing was "
			    "removed", b->url, cairn_oid_fmt(&id, hex));
		}
	/* Mark from the refs and from what the grace period keeps. */
	if (err == NULL)
		err = rb_ref_list(&b->be, NULL, gc_push_ref, &g);
	for (i = 0; err == NULL && i < g.n; i++)
		if (g.g[i].time >= o->keep_since) {
			struct cairn_oid id;

			cairn_oid_set(g.g[i].id, b->objs.idlen, &id);
			err = gc_push(&g, &id);
		}
	if (err == NULL)
		err = g.err;
	if (err == NULL)
		err = gc_mark(&g);
	if (err != NULL)
		goto done;
	for (i = 0; i < g.n; i++) {
		if (g.g[i].marked) {
			res->kept++;
			res->kept_bytes += g.g[i].span;
			continue;
		}
		res->removed++;
		res->removed_bytes += g.g[i].span;
		if (o->removed != NULL) {
			struct cairn_oid id;

			cairn_oid_set(g.g[i].id, b->objs.idlen, &id);
			o->removed(o->arg, &id, g.g[i].type, g.g[i].size,
			    g.g[i].time);
		}
	}
	if (o->dry_run)
		goto done;
	/* Copy what stays to one new pack, then index it. */
	if ((g.e = calloc(res->kept + 1, sizeof(*g.e))) == NULL) {
		err = cairn_error_nomem();
		goto done;
	}
	random_hex(g.opack);
	cairn_filehdr_encode((unsigned char *)name, CAIRN_DATA_MAGIC,
	    b->be.algo);
	if ((err = cairn_buf_append(&g.out, name, CAIRN_FILEHDR_SIZE)) != NULL)
		goto done;
	g.ooff = CAIRN_FILEHDR_SIZE;
	for (k = 0; err == NULL && res->kept > 0 && k < b->npacks; k++) {
		if (o->progress)
			o->progress(o->arg, "copy", k, b->npacks);
		g.pack = (uint32_t)k;
		err = scan_pack(b, b->packs[k], gc_copy_one, &g, &bad, 0);
	}
	if (err == NULL && res->kept > 0) {
		part_name(name, sizeof(name), g.opack, g.opart);
		if ((r = R.rados_write_full(b->io, name, (char *)g.out.data,
		    g.out.len)) < 0)
			err = rerr(r, "write", name);
		random_hex(seg);
		if (err == NULL)
			err = write_segment(b, g.e, g.ne, seg);
	}
	if (err == NULL)
		err = manifest_start(b, &m);
	if (err == NULL && res->kept > 0)
		err = cairn_buf_printf(&m, "b 0 %s %s\n", seg, g.opack);
	if (err == NULL)
		err = manifest_doom_old(b, &m, 1);
	if (err == NULL)
		err = publish(b, &m);
	if (err != NULL && res->kept > 0) {
		remove_pack(b, g.opack);
		if (seg[0] != '\0')
			remove_segment(b, seg);
	}
done:
	cairn_buf_release(&m);
	gc_release(&g);
	return err;
}

static const struct cairn_error *
rb_gc(struct cairn_backend *be, const struct cairn_gc_opts *o,
    struct cairn_gc_result *res)
{
	struct rbe *b = (struct rbe *)be;
	const struct cairn_error *err = NULL;
	char cookie[HEX + 1];
	int attempt;

	if (b->read_only)
		return cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	if (b->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE, "gc inside a batch");
	if (o->plan_n > 0)
		return cairn_error_new(CAIRN_ERR_USAGE, "'%s': gc plans (gc "
		    "--max-size) need ref times, which RADOS repositories do "
		    "not record", b->url);
	if ((err = gc_lock(b, cookie)) != NULL)
		return err;
	for (attempt = 0; attempt < 20; attempt++) {
		if ((err = reload_all(b)) != NULL)
			break;
		err = gc_once(b, o, res);
		if (err == NULL || err->code != CAIRN_ERR_CAS_MISMATCH)
			break;
		backoff(attempt);
	}
	if (err != NULL && err->code == CAIRN_ERR_CAS_MISMATCH)
		err = cairn_error_new(CAIRN_ERR_LOCKED, "'%s': writers kept "
		    "changing the repository while gc tried to publish; "
		    "nothing was removed; try again later", b->url);
	if (err == NULL && !o->dry_run && (err = reload_all(b)) == NULL)
		delete_doomed(b, o->keep_since);
	gc_unlock(b, cookie);
	return err;
}

/* The rest of the operations. */

static const struct cairn_error *
rb_refresh(struct cairn_backend *be, int *changed)
{
	struct rbe *b = (struct rbe *)be;

	*changed = 0;
	if (b->in_batch)
		return NULL;
	return reload(b, changed);
}

struct sizes {
	struct rbe *b;
	uint32_t pack;
	uint64_t sum;
};

/* Add the size of each object whose record the index names. */
static const struct cairn_error *
size_one(void *arg, const struct cairn_rec *rec, uint64_t off,
    const unsigned char *stored)
{
	struct sizes *z = arg;
	const struct cairn_mem_ent *m = cairn_memtable_get(&z->b->objs,
	    rec->id.hash);

	(void)stored;
	if (m != NULL && m->loc == z->pack && m->data_off == off)
		z->sum += rec->size;
	return NULL;
}

static const struct cairn_error *
rb_stats(struct cairn_backend *be, struct cairn_repo_stats *st)
{
	struct rbe *b = (struct rbe *)be;
	const struct cairn_error *err;
	uint64_t sz;
	time_t mt;
	size_t i, p;
	char name[HEX + 32];

	cairn_counters_add(st, &be->counters);
	st->objects = b->objs.n;
	st->index_segments = b->nlines;
	st->indexed_objects = b->objs.n;
	for (i = 0; i < b->npacks; i++)
		for (p = 0;; p++) {
			part_name(name, sizeof(name), b->packs[i], p);
			if (R.rados_stat(b->io, name, &sz, &mt) != 0)
				break;
			st->data_bytes += sz;
			if (sz < PART)
				break;
		}
	for (i = 0; i < b->npacks; i++) {
		struct sizes z = { b, (uint32_t)i, 0 };
		uint64_t bad;

		if ((err = scan_pack(b, b->packs[i], size_one, &z, &bad, 0)) !=
		    NULL)
			return err;
		st->content_bytes += z.sum;
	}
	return NULL;
}

static const char *
rb_notice(struct cairn_backend *be)
{
	(void)be;
	return NULL;
}

static void
rb_close(struct cairn_backend *be)
{
	struct rbe *b = (struct rbe *)be;

	if (b == NULL)
		return;
	rb_abort(be);
	state_clear(b);
	free(b->ahead);
	pthread_mutex_destroy(&b->pf_mu);
	cairn_buf_release(&b->manifest);
	cairn_buf_release(&b->part);
	cairn_memtable_release(&b->objs);
	cairn_memtable_release(&b->bobjs);
	cairn_memtable_release(&b->btouched);
	free(b->touches);
	free(b->bigs);
	if (b->io != NULL)
		R.rados_ioctx_destroy(b->io);
	free(b->url);
	free(b);
}

static const struct cairn_backend_ops rados_ops = {
	CAIRN_BACKEND_VERSION,
	rb_close,
	rb_read,
	rb_read_stream,
	rb_stat,
	rb_prefix,
	rb_begin,
	rb_write,
	rb_write_stream,
	rb_commit,
	rb_abort,
	rb_flush,
	rb_stats,
	rb_notice,
	rb_ref_get,
	rb_ref_update,
	rb_ref_list,
	rb_refresh,
	rb_gc,
	rb_each,
	NULL,
	rb_prefetch,
	NULL,		/* ref_stat: ref times are not recorded in RADOS */
};

void
cairn_rados_set_lower(struct cairn_backend *be, struct cairn_backend *lower)
{
	((struct rbe *)be)->lower = lower;
}

/* A handle on url's namespace, its manifest not read yet. */
static const struct cairn_error *
rbe_new(struct rbe **out, const char *url,
    const struct cairn_backend_params *p)
{
	const struct cairn_error *err;
	struct rbe *b;

	*out = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return cairn_error_nomem();
	b->be.ops = &rados_ops;
	b->be.algo = p->algo;
	b->read_only = p->read_only;
	b->level = p->level;
	pthread_mutex_init(&b->pf_mu, NULL);
	cairn_memtable_init(&b->objs, cairn_hash_len(p->algo));
	cairn_memtable_init(&b->bobjs, cairn_hash_len(p->algo));
	cairn_memtable_init(&b->btouched, cairn_hash_len(p->algo));
	if ((b->url = strdup(url)) == NULL)
		err = cairn_error_nomem();
	else
		err = open_ioctx(url, &b->io);
	if (err != NULL) {
		rb_close(&b->be);
		return err;
	}
	*out = b;
	return NULL;
}

const struct cairn_error *
cairn_rados_open(struct cairn_backend **out, const char *url,
    const struct cairn_backend_params *p)
{
	const struct cairn_error *err;
	struct rbe *b;
	int changed;

	*out = NULL;
	if ((err = rbe_new(&b, url, p)) != NULL)
		return err;
	if ((err = reload(b, &changed)) != NULL) {
		rb_close(&b->be);
		return err;
	}
	*out = &b->be;
	return NULL;
}

/* fsck. */

struct rfind {
	int error, repairable;
	enum cairn_finding_kind kind;
	char subject[HEX + 64];
	char file[HEX + 32];
	uint64_t offset;
	struct cairn_oid id;
	int has_id;
	char ref[256];
	char msg[256];
};

struct rfsck {
	struct rbe *b;
	unsigned flags;
	struct cairn_fsck_result *res;
	struct rfind *f;
	size_t n, cap;
	int need_rebuild;	/* an index or the manifest is to rebuild */
	int caught_up;		/* committed_since read head again */
	int manifest_bad;
	struct cairn_memtable good;	/* intact records: loc pack, off */
	struct cairn_memtable links;	/* ids objects link to */
	uint32_t pack;
	struct cairn_buf scratch;
};

static void
rfind(struct rfsck *c, int error, int repairable, enum cairn_finding_kind kind,
    const char *file, uint64_t off, const struct cairn_oid *id,
    const char *ref, const char *fmt, ...) __attribute__((format(printf, 9,
    10)));

static void
rfind(struct rfsck *c, int error, int repairable, enum cairn_finding_kind kind,
    const char *file, uint64_t off, const struct cairn_oid *id,
    const char *ref, const char *fmt, ...)
{
	struct rfind *f;
	char hex[CAIRN_OID_HEXMAX + 1];
	va_list ap;

	if (c->n == c->cap) {
		void *nv;

		c->cap = c->cap * 2 + 16;
		if ((nv = realloc(c->f, c->cap * sizeof(*c->f))) == NULL)
			return;
		c->f = nv;
	}
	f = &c->f[c->n++];
	memset(f, 0, sizeof(*f));
	f->error = error;
	f->repairable = repairable;
	f->kind = kind;
	f->offset = off;
	if (file != NULL)
		snprintf(f->file, sizeof(f->file), "%s", file);
	if (ref != NULL)
		snprintf(f->ref, sizeof(f->ref), "%s", ref);
	if (id != NULL) {
		f->id = *id;
		f->has_id = 1;
	}
	if (ref != NULL)
		snprintf(f->subject, sizeof(f->subject), "%s", ref);
	else if (id != NULL)
		snprintf(f->subject, sizeof(f->subject), "%s",
		    cairn_oid_fmt(id, hex));
	else if (off != CAIRN_FINDING_NO_OFFSET)
		snprintf(f->subject, sizeof(f->subject), "%s@%" PRIu64,
		    f->file, off);
	else
		snprintf(f->subject, sizeof(f->subject), "%s", f->file);
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
	if (repairable && (kind == CAIRN_FINDING_INDEX ||
	    kind == CAIRN_FINDING_BLOOM || kind == CAIRN_FINDING_MANIFEST))
		c->need_rebuild = 1;
}

static int
fsck_link(void *arg, const struct cairn_oid *id, enum cairn_otype type)
{
	struct rfsck *c = arg;
	struct cairn_mem_ent *e;
	int added;

	(void)type;
	return cairn_memtable_add(&c->links, id->hash, &e, &added) != NULL;
}

/* Verify each record of a pack; note the intact ones. */
static const struct cairn_error *
fsck_record(void *arg, const struct cairn_rec *rec, uint64_t off,
    const unsigned char *stored)
{
	struct rfsck *c = arg;
	const struct cairn_error *err;
	struct cairn_mem_ent *e;
	struct cairn_oid got;
	char file[HEX + 8];
	int added;

	snprintf(file, sizeof(file), "p.%s", c->b->packs[c->pack]);
	c->res->records++;
	c->res->bytes += CAIRN_REC_HDR_SIZE + rec->stored;
	if (cairn_crc32(0, stored, (size_t)rec->stored) != rec->crc) {
		rfind(c, 1, 0, CAIRN_FINDING_DATA, file, off, &rec->id, NULL,
		    "stored bytes fail their CRC");
		return NULL;
	}
	if (!(c->flags & CAIRN_FSCK_QUICK)) {
		cairn_buf_reset(&c->scratch);
		if (rec->size > SIZE_MAX - 1 ||
		    (err = cairn_buf_grow(&c->scratch, (size_t)rec->size + 1)) !=
		    NULL)
			return cairn_error_nomem();
		if ((err = cairn_rec_content(rec, stored, c->scratch.data)) !=
		    NULL || (err = cairn_hash_object(c->b->be.algo, rec->type,
		    c->scratch.data, (size_t)rec->size, &got)) != NULL ||
		    !cairn_oid_eq(&got, &rec->id)) {
			rfind(c, 1, 0, CAIRN_FINDING_OBJECT, file, off,
			    &rec->id, NULL, "content does not match its id%s%s",
			    err ? ": " : "", err ? err->msg : "");
			return NULL;
		}
		if (rec->type != CAIRN_OBJ_BLOB)
			cairn_object_links(rec->type, c->scratch.data,
			    (size_t)rec->size, c->b->be.algo, fsck_link, c);
	}
	if ((err = cairn_memtable_add(&c->good, rec->id.hash, &e, &added)) !=
	    NULL)
		return err;
	e->type = (unsigned char)rec->type;
	e->loc = c->pack;
	e->data_off = off;
	e->size = rec->size;
	e->where = 1;
	return NULL;
}

struct ref_walk {
	struct rfsck *c;
};

/*
 * A ref may name an object committed after fsck read the manifest:
 * look at the lines appended since (once) before calling it missing.
 */
static int
committed_since(struct rfsck *c, const struct cairn_oid *id)
{
	struct rbe *b = c->b;
	int changed;

	if (!c->caught_up) {
		c->caught_up = 1;
		if (reload(b, &changed) != NULL)
			return 0;
	}
	return cairn_memtable_get(&b->objs, id->hash) != NULL;
}

static const struct cairn_error *
fsck_refs(struct rfsck *c)
{
	struct rbe *b = c->b;
	struct cairn_buf after = { 0 };
	const struct cairn_error *err;
	unsigned char more = 1;

	if ((err = cairn_buf_append(&after, "", 1)) != NULL)
		return err;
	while (more && err == NULL) {
		rados_read_op_t op = R.rados_create_read_op();
		rados_omap_iter_t it;
		struct cairn_oid id;
		char *k, *v;
		size_t vl;
		int r, rv = 0;

		R.rados_read_op_omap_get_vals2(op, (char *)after.data, "", 1000,
		    &it, &more, &rv);
		r = R.rados_read_op_operate(op, b->io, "head", 0);
		R.rados_release_read_op(op);
		if (r < 0 || rv < 0) {
			err = rerr(r < 0 ? r : rv, "list refs of", "head");
			break;
		}
		while (R.rados_omap_get_next(it, &k, &v, &vl) == 0 && k !=
		    NULL) {
			if (cairn_refname_check(k, strlen(k)) != NULL)
				rfind(c, 1, 0, CAIRN_FINDING_REF, "head",
				    CAIRN_FINDING_NO_OFFSET, NULL, k, "not a "
				    "valid ref name");
			else if (parse_ref(b, k, v, vl, &id) != NULL)
				rfind(c, 1, 0, CAIRN_FINDING_REF, "head",
				    CAIRN_FINDING_NO_OFFSET, NULL, k, "holds "
				    "no object id");
			else if (cairn_memtable_get(&b->objs, id.hash) ==
			    NULL && !committed_since(c, &id)) {
				char hex[CAIRN_OID_HEXMAX + 1];

				rfind(c, 1, 0, CAIRN_FINDING_REF, "head",
				    CAIRN_FINDING_NO_OFFSET, NULL, k, "points "
				    "at %s, which is missing",
				    cairn_oid_fmt(&id, hex));
			}
			cairn_buf_reset(&after);
			if ((err = cairn_buf_append(&after, k, strlen(k) + 1))
			    != NULL)
				break;
		}
		R.rados_omap_get_end(it);
	}
	cairn_buf_release(&after);
	return err;
}

/*
 * Objects of the namespace no one names.  Packs and segments younger
 * than DOOM_DELAY may be a writer's batch in flight: not reported.
 */
static const struct cairn_error *
fsck_strays(struct rfsck *c)
{
	struct rbe *b = c->b;
	rados_list_ctx_t ls;
	const char *entry;
	int64_t now = (int64_t)time(NULL);
	int r;

	if ((r = R.rados_nobjects_list_open(b->io, &ls)) < 0)
		return rerr(r, "list", b->url);
	while ((r = R.rados_nobjects_list_next(ls, &entry, NULL, NULL)) == 0) {
		char base[HEX + 3];
		uint64_t sz;
		time_t mt;
		size_t j;
		int doomed = 0, ours;

		if (strcmp(entry, "head") == 0 || strcmp(entry, "config") == 0)
			continue;
		ours = (strncmp(entry, "p.", 2) == 0 ||
		    strncmp(entry, "s.", 2) == 0) && strlen(entry) >= HEX + 2;
		snprintf(base, sizeof(base), "%.*s", HEX + 2, entry);
		for (j = 0; ours && j < b->ndoomed; j++)
			doomed |= strcmp(b->doomed[j].name, base) == 0;
		if (ours && (doomed || named(b, base)))
			continue;
		if (R.rados_stat(b->io, entry, &sz, &mt) != 0 ||
		    (ours && (int64_t)mt > now - DOOM_DELAY))
			continue;
		rfind(c, 0, ours, CAIRN_FINDING_STRAY, entry,
		    CAIRN_FINDING_NO_OFFSET, NULL, NULL, ours ? "left by a "
		    "writer that did not commit" : "not a cairn object");
	}
	R.rados_nobjects_list_close(ls);
	return r == -ENOENT ? NULL : rerr(r, "list", b->url);
}

/* One pass of checks; findings into c. */
static const struct cairn_error *
fsck_pass(struct rfsck *c)
{
	struct rbe *b = c->b;
	const struct cairn_error *err;
	struct cairn_buf data = { 0 };
	size_t i, k;
	uint64_t bad;
	char name[HEX + 32];
	int changed;

	c->need_rebuild = c->manifest_bad = c->caught_up = 0;
	cairn_memtable_clear(&c->good);
	cairn_memtable_clear(&c->links);
	state_clear(b);
	b->version = 0;
	b->noload = 1;
	err = reload(b, &changed);
	b->noload = 0;
	if (err != NULL && err->code == CAIRN_ERR_CORRUPT) {
		rfind(c, 1, 1, CAIRN_FINDING_MANIFEST, "head",
		    CAIRN_FINDING_NO_OFFSET, NULL, NULL, "%s", err->msg);
		c->manifest_bad = 1;
		return NULL;
	}
	if (err != NULL)
		return err;
	/* Every record of every pack the manifest names. */
	for (k = 0; k < b->npacks; k++) {
		c->pack = (uint32_t)k;
		snprintf(name, sizeof(name), "p.%s", b->packs[k]);
		err = scan_pack(b, b->packs[k], fsck_record, c, &bad, 1);
		if (err != NULL && err->code == CAIRN_ERR_NOT_FOUND && bad ==
		    UINT64_MAX)
			rfind(c, 1, 0, CAIRN_FINDING_DATA, name,
			    CAIRN_FINDING_NO_OFFSET, NULL, NULL,
			    "pack is missing");
		else if (err != NULL && err->code == CAIRN_ERR_CORRUPT)
			rfind(c, 1, 0, CAIRN_FINDING_DATA, name, bad, NULL,
			    NULL, "%s", err->msg);
		else if (err != NULL)
			return err;
	}
	/* Every segment: intact, and naming intact records. */
	for (i = 0; i < b->nlines; i++) {
		const struct line *l = &b->lines[i];
		struct cairn_segment seg;
		struct cairn_seg_entry e;
		uint64_t j;

		snprintf(name, sizeof(name), "s.%s", l->seg);
		cairn_buf_reset(&data);
		err = read_whole(b->io, name, (size_t)1 << 34, &data);
		if (err != NULL && err->code != CAIRN_ERR_NOT_FOUND &&
		    err->code != CAIRN_ERR_CORRUPT)
			goto done;
		if (err == NULL && (err = cairn_segment_load(&seg, name,
		    data.data, data.len, cairn_hash_len(b->be.algo))) == NULL &&
		    (err = cairn_segment_verify(&seg)) != NULL)
			cairn_segment_close(&seg);
		if (err != NULL) {
			rfind(c, 1, 1, CAIRN_FINDING_INDEX, name,
			    CAIRN_FINDING_NO_OFFSET, NULL, NULL, "%s",
			    err->msg);
			err = NULL;
			continue;
		}
		for (j = 0; j < seg.count; j++) {
			const struct cairn_mem_ent *g;
			struct cairn_oid id;
			uint64_t slot, off;
			int bn;

			cairn_segment_entry(&seg, j, &e);
			cairn_oid_set(e.id, seg.idlen, &id);
			slot = e.off >> SLOT_SHIFT;
			off = e.off & OFF_MASK;
			if (!cairn_segment_find(&seg, e.id, &off, &bn)) {
				rfind(c, 1, 1, CAIRN_FINDING_BLOOM, name,
				    CAIRN_FINDING_NO_OFFSET, NULL, NULL,
				    "the %s hides an entry", bn ?
				    "bloom filter" : "fan-out");
				break;
			}
			off = e.off & OFF_MASK;
			g = cairn_memtable_get(&c->good, e.id);
			if (slot >= l->npacks || l->packs[slot] == NONE)
				rfind(c, 1, 1, CAIRN_FINDING_INDEX, name, j,
				    &id, NULL, "names a pack its line does "
				    "not");
			else if (g == NULL)
				rfind(c, 1, 0, CAIRN_FINDING_OBJECT, name,
				    CAIRN_FINDING_NO_OFFSET, &id, NULL,
				    "no intact record of the object is left");
			else if (g->loc != l->packs[slot] || g->data_off != off)
				rfind(c, 1, 1, CAIRN_FINDING_INDEX, name,
				    CAIRN_FINDING_NO_OFFSET, &id, NULL,
				    "the entry does not point at the object's "
				    "record");
			else {
				struct cairn_mem_ent *o;

				err = cairn_memtable_add(&b->objs, e.id, &o,
				    &changed);
			}
			if (err != NULL)
				break;
		}
		cairn_segment_close(&seg);
		if (err != NULL)
			goto done;
	}
	c->res->objects = b->objs.n;
	/* What objects link to, and what refs name, must be there. */
	for (i = 0; i < c->links.cap; i++)
		if (c->links.tab[i].used && cairn_memtable_get(&b->objs,
		    c->links.tab[i].id) == NULL) {
			struct cairn_oid id;

			cairn_oid_set(c->links.tab[i].id, c->links.idlen, &id);
			rfind(c, 1, 0, CAIRN_FINDING_LINK, NULL,
			    CAIRN_FINDING_NO_OFFSET, &id, NULL, "an object "
			    "links to it, but it is missing");
		}
	err = fsck_refs(c);
	if (err == NULL)
		err = fsck_strays(c);
done:
	cairn_buf_release(&data);
	return err;
}

/* The packs of the namespace, for a manifest that cannot be read. */
static const struct cairn_error *
listed_packs(struct rbe *b)
{
	const struct cairn_error *err = NULL;
	rados_list_ctx_t ls;
	const char *entry;
	uint32_t n;
	int r;

	if ((r = R.rados_nobjects_list_open(b->io, &ls)) < 0)
		return rerr(r, "list", b->url);
	while (err == NULL && (r = R.rados_nobjects_list_next(ls, &entry, NULL,
	    NULL)) == 0) {
		char hex[HEX + 1];

		if (strncmp(entry, "p.", 2) != 0 || strlen(entry) != HEX + 4 ||
		    strcmp(entry + HEX + 2, ".0") != 0)
			continue;
		memcpy(hex, entry + 2, HEX);
		hex[HEX] = '\0';
		if (is_hex(hex, HEX))
			err = pack_number(b, hex, &n);
	}
	R.rados_nobjects_list_close(ls);
	if (err == NULL && r != -ENOENT)
		err = rerr(r, "list", b->url);
	return err;
}

/*
 * Rebuild the index: one segment over the intact records of every pack
 * (the manifest's, or all there are if it cannot be read), published
 * in place of the manifest.
 */
static const struct cairn_error *
rebuild_once(struct rfsck *c)
{
	struct rbe *b = c->b;
	const struct cairn_error *err;
	struct cairn_buf text = { 0 }, m = { 0 };
	struct sentry *e = NULL;
	char seg[HEX + 1];
	int64_t t = 0;
	uint64_t bad, gen, version;
	size_t i, n = 0;
	unsigned flags = c->flags;
	int changed;

	/*
	 * The version the manifest is read at is the one the new manifest
	 * replaces: a batch committed during the scan makes the publish fail,
	 * and the rebuild starts again with it.
	 */
	if ((err = read_head(b, &text, &gen, &version, 1)) != NULL)
		return err;
	state_clear(b);
	b->version = 0;
	b->noload = 1;
	err = reload(b, &changed);
	b->noload = 0;
	if (err != NULL && err->code != CAIRN_ERR_CORRUPT)
		return err;
	if (err != NULL && (err = listed_packs(b)) != NULL)
		return err;
	for (i = 0; i < b->nlines; i++)
		if (b->lines[i].time > t)
			t = b->lines[i].time;
	if (b->nlines == 0)
		t = (int64_t)time(NULL);
	if (b->npacks >= MAX_SLOTS)
		return cairn_error_new(CAIRN_ERR_INVALID, "'%s' has too many "
		    "packs to index in one segment", b->url);
	cairn_memtable_clear(&c->good);
	c->flags |= CAIRN_FSCK_QUICK;
	for (i = 0; i < b->npacks; i++) {
		struct cairn_fsck_result scratch;

		c->pack = (uint32_t)i;
		scratch = *c->res;
		err = scan_pack(b, b->packs[i], fsck_record, c, &bad, 1);
		*c->res = scratch;
		if (err != NULL && err->code != CAIRN_ERR_CORRUPT &&
		    err->code != CAIRN_ERR_NOT_FOUND)
			goto done;
		err = NULL;
	}
	if ((e = calloc(c->good.n + 1, sizeof(*e))) == NULL) {
		err = cairn_error_nomem();
		goto done;
	}
	for (i = 0; i < c->good.cap; i++)
		if (c->good.tab[i].used) {
			memcpy(e[n].id, c->good.tab[i].id, c->good.idlen);
			e[n++].off = c->good.tab[i].loc << SLOT_SHIFT |
			    c->good.tab[i].data_off;
		}
	random_hex(seg);
	if ((err = write_segment(b, e, n, seg)) != NULL ||
	    (err = manifest_start(b, &m)) != NULL)
		goto done;
	if (b->npacks > 0) {
		err = cairn_buf_printf(&m, "b %lld %s", (long long)t, seg);
		for (i = 0; err == NULL && i < b->npacks; i++)
			err = cairn_buf_printf(&m, " %s", b->packs[i]);
		if (err == NULL)
			err = cairn_buf_append(&m, "\n", 1);
	}
	if (err == NULL)
		err = manifest_doom_old(b, &m, 0);
	b->version = version;
	b->gen = gen;
	if (err == NULL)
		err = publish(b, &m);
	if (err != NULL || b->npacks == 0)
		remove_segment(b, seg);
done:
	c->flags = flags;
	free(e);
	cairn_buf_release(&text);
	cairn_buf_release(&m);
	return err;
}

static const struct cairn_error *
rebuild(struct rfsck *c)
{
	const struct cairn_error *err = NULL;
	int attempt;

	for (attempt = 0; attempt < 20; attempt++) {
		err = rebuild_once(c);
		if (err == NULL || err->code != CAIRN_ERR_CAS_MISMATCH)
			return err;
		backoff(attempt);
	}
	return cairn_error_new(CAIRN_ERR_LOCKED, "'%s': writers kept "
	    "committing while fsck --repair rebuilt the index; try again "
	    "later", c->b->url);
}

static int
same_rfind(const struct rfind *a, const struct rfind *b)
{
	return a->kind == b->kind && strcmp(a->subject, b->subject) == 0;
}

static void
report(const struct cairn_fsck_opts *o, const struct rfind *f, int repaired,
    struct cairn_fsck_result *res)
{
	struct cairn_finding x;

	memset(&x, 0, sizeof(x));
	x.error = f->error;
	x.kind = f->kind;
	x.file = f->file[0] ? f->file : NULL;
	x.offset = f->offset;
	x.id = f->has_id ? &f->id : NULL;
	x.ref = f->ref[0] ? f->ref : NULL;
	x.subject = f->subject;
	x.message = f->msg;
	x.repairable = f->repairable;
	x.repaired = repaired;
	if (repaired)
		res->repaired++;
	else if (f->error)
		res->errors++;
	else
		res->warnings++;
	if (o->report != NULL)
		o->report(o->arg, &x);
}

const struct cairn_error *
cairn_rados_fsck(const char *url, const struct cairn_fsck_opts *opts,
    struct cairn_fsck_result *res)
{
	const struct cairn_error *err;
	struct cairn_buf text = { 0 };
	struct cairn_config cfg;
	struct cairn_backend_params p;
	struct cairn_backend *be = NULL;
	struct rfsck c, after;
	const char *fmt;
	size_t i, j;
	char cookie[HEX + 1];
	int locked = 0;

	memset(res, 0, sizeof(*res));
	res->size = sizeof(*res);
	memset(&c, 0, sizeof(c));
	memset(&after, 0, sizeof(after));
	memset(&cfg, 0, sizeof(cfg));
	if ((err = cairn_rados_config_read(url, &text)) != NULL)
		return err;
	err = cairn_config_parse_buf(&cfg, (char *)text.data, text.len,
	    "config");
	fmt = err == NULL ? cairn_config_get(&cfg, "object.format") : NULL;
	memset(&p, 0, sizeof(p));
	p.algo = fmt ? cairn_hash_parse(fmt) : 0;
	cairn_config_release(&cfg);
	cairn_buf_release(&text);
	if (p.algo == 0)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s': the config "
		    "names no object format", url);
	p.read_only = !(opts->flags & CAIRN_FSCK_REPAIR);
	p.level = 1;
	/* Opened without reading the manifest: fsck reads it itself. */
	if ((err = rbe_new(&c.b, url, &p)) != NULL)
		return err;
	be = &c.b->be;
	after.b = c.b;
	c.flags = after.flags = opts->flags;
	c.res = res;
	cairn_memtable_init(&c.good, cairn_hash_len(p.algo));
	cairn_memtable_init(&c.links, cairn_hash_len(p.algo));
	if ((err = fsck_pass(&c)) != NULL)
		goto done;
	for (i = 0; i < c.n && (opts->flags & CAIRN_FSCK_REPAIR); i++)
		if (c.f[i].repairable)
			break;
	if (i == c.n || !(opts->flags & CAIRN_FSCK_REPAIR)) {
		for (i = 0; i < c.n; i++)
			report(opts, &c.f[i], 0, res);
		goto done;
	}
	if ((err = gc_lock(c.b, cookie)) != NULL)
		goto done;
	locked = 1;
	if (c.need_rebuild && (err = rebuild(&c)) != NULL)
		goto done;
	for (i = 0; i < c.n; i++)
		if (c.f[i].kind == CAIRN_FINDING_STRAY && c.f[i].repairable)
			R.rados_remove(c.b->io, c.f[i].file);
	{
		struct cairn_fsck_result scratch = *res;

		after.res = &scratch;
		cairn_memtable_init(&after.good, cairn_hash_len(p.algo));
		cairn_memtable_init(&after.links, cairn_hash_len(p.algo));
		if ((err = fsck_pass(&after)) != NULL)
			goto done;
		*res = scratch;
		res->size = sizeof(*res);
		res->errors = res->warnings = res->repaired = 0;
	}
	for (i = 0; i < c.n; i++) {
		int left = 0;

		for (j = 0; j < after.n; j++)
			left |= same_rfind(&c.f[i], &after.f[j]);
		/* Gone after the repair (a ref's target, indexed again). */
		report(opts, &c.f[i], !left, res);
	}
	for (j = 0; j < after.n; j++) {
		int seen = 0;

		for (i = 0; i < c.n; i++)
			seen |= same_rfind(&c.f[i], &after.f[j]);
		if (!seen)
			report(opts, &after.f[j], 0, res);
	}
done:
	if (locked)
		gc_unlock(c.b, cookie);
	free(c.f);
	free(after.f);
	cairn_memtable_release(&c.good);
	cairn_memtable_release(&c.links);
	cairn_memtable_release(&after.good);
	cairn_memtable_release(&after.links);
	cairn_buf_release(&c.scratch);
	cairn_buf_release(&after.scratch);
	if (be != NULL)
		rb_close(be);
	return err;
}

#endif /* HAVE_RADOS */
