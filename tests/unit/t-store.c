/*
 * t-store.c: unit tests of the object store through the public API, run
 * against the memory backend and the disk backend (sha256 and sha1):
 * round trips, dedup, batches and abort, name resolution, flushes and
 * segment merges, several handles on one repository, read-only handles,
 * and the write amplification of a large streamed object.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn.h"

#include "tap.h"

/* splitmix64: a fixed-seed generator, so every run sees the same data. */
static uint64_t rng_state = 0x5eed2024cafef00dULL;

static uint64_t
rng_next(void)
{
	uint64_t z;

	z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_fill(unsigned char *p, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i % 8 == 0)
			v = rng_next();
		p[i] = (unsigned char)(v >> (8 * (i % 8)));
	}
}

static void *
xmalloc(size_t len)
{
	void *p;

	if ((p = malloc(len == 0 ? 1 : len)) == NULL)
		bail_out("out of memory allocating %zu bytes", len);
	return p;
}

/* ---- scratch directories ---- */

static char base_dir[1024];
static int repo_seq;

static void
make_base(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(base_dir, sizeof(base_dir), "%s/cairn-t-store.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(base_dir) == NULL)
		bail_out("mkdtemp %s: %s", base_dir, strerror(errno));
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh path for a repository under the scratch directory. */
static void
new_repo_path(char *out, size_t len)
{
	snprintf(out, len, "%s/r%d", base_dir, ++repo_seq);
}

/* A fresh RADOS repository name in the pool the environment names. */
static void
new_rados_path(char *out, size_t len)
{
	snprintf(out, len, "rados://%s/t-store-%ld-%d",
	    getenv("CAIRN_TEST_RADOS_POOL"), (long)getpid(), ++repo_seq);
}

/* ---- backends ---- */

enum { MEMORY, DISK, RADOS };

struct backend {
	const char *name;
	int kind;
	int algo;
	size_t cache;		/* > 0: the cached wrapper of that capacity */
	int layered;		/* an (empty) alternate under the repository */
};

/* The suite runs on each backend, and on each wrapper stacked on disk. */
static const struct backend backends[] = {
	{ "memory", MEMORY, CAIRN_HASH_SHA256, 0, 0 },
	{ "disk sha256", DISK, CAIRN_HASH_SHA256, 0, 0 },
	{ "disk sha1", DISK, CAIRN_HASH_SHA1, 0, 0 },
	{ "cached disk", DISK, CAIRN_HASH_SHA256, 4 << 20, 0 },
	{ "layered disk", DISK, CAIRN_HASH_SHA1, 0, 1 },
	{ "cached layered disk", DISK, CAIRN_HASH_SHA256, 1 << 20, 1 },
	/* With CAIRN_TEST_RADOS_POOL set (tests/t0100-rados.sh sets it). */
	{ "rados sha256", RADOS, CAIRN_HASH_SHA256, 0, 0 },
	{ "rados sha1", RADOS, CAIRN_HASH_SHA1, 0, 0 },
	{ "cached rados", RADOS, CAIRN_HASH_SHA256, 1 << 20, 0 },
	{ "layered rados over disk", RADOS, CAIRN_HASH_SHA1, 0, 1 },
};

static const struct cairn_error *
open_be(struct cairn_repo **r, const struct backend *be, const char *path,
    unsigned flags)
{
	struct cairn_open_opts o = CAIRN_OPEN_OPTS_INIT;

	o.flags = flags;
	o.cache_bytes = be->cache;
	return cairn_repo_open_opts(path, &o, r);
}

/* An open repository under test, with its path for disk ones. */
struct tr {
	const struct backend *be;
	struct cairn_repo *r;
	char path[4096];
};

static void
tr_open(struct tr *t, const struct backend *be)
{
	struct cairn_init_opts o = {
	    .size = sizeof(struct cairn_init_opts), .hash_algo = be->algo,
	    .compression = -1 };
	const struct cairn_error *err = NULL;
	char lower[4096];

	memset(t, 0, sizeof(*t));
	t->be = be;
	if (be->kind == MEMORY) {
		err = cairn_repo_open(NULL, CAIRN_OPEN_MEMORY, &t->r);
	} else {
		if (be->layered) {
			new_repo_path(lower, sizeof(lower));
			err = cairn_repo_init(lower, &o);
			o.alternate = lower;
		}
		if (be->kind == RADOS)
			new_rados_path(t->path, sizeof(t->path));
		else
			new_repo_path(t->path, sizeof(t->path));
		if (err == NULL && (err = cairn_repo_init(t->path, &o)) == NULL)
			err = open_be(&t->r, be, t->path, 0);
	}
	if (err != NULL)
		bail_out("%s: open a fresh repository: %s", be->name, err->msg);
}

/* Close and open again (disk only; a memory repository is gone at close). */
static int
tr_reopen(struct tr *t, unsigned flags)
{
	const struct cairn_error *err;

	if (t->be->kind == MEMORY)
		return 0;
	cairn_repo_close(t->r);
	t->r = NULL;
	if ((err = open_be(&t->r, t->be, t->path, flags)) != NULL)
		bail_out("%s: reopen '%s': %s", t->be->name, t->path,
		    err->msg);
	return 1;
}

static void
tr_close(struct tr *t)
{
	cairn_repo_close(t->r);
	t->r = NULL;
}

/* ---- a model of what a repository must hold ---- */

struct obj {
	struct cairn_oid id;
	int type;
	unsigned char *data;
	size_t len;
};

struct model {
	struct obj *o;
	size_t n, cap;
};

static void
model_add(struct model *m, const struct cairn_oid *id, int type,
    const void *data, size_t len)
{
	struct obj *o;

	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		if ((m->o = realloc(m->o, m->cap * sizeof(*m->o))) == NULL)
			bail_out("out of memory");
	}
	o = &m->o[m->n++];
	o->id = *id;
	o->type = type;
	o->len = len;
	o->data = xmalloc(len);
	if (len > 0)
		memcpy(o->data, data, len);
}

static void
model_free(struct model *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->o[i].data);
	free(m->o);
	memset(m, 0, sizeof(*m));
}

/*
 * Check one object: exists, stat, and (if full) get with and without
 * verification.  Returns NULL or a short reason.
 */
static const char *
check_obj(struct cairn_repo *r, const struct obj *o, int full)
{
	const struct cairn_error *err;
	unsigned char *data = NULL;
	size_t len = 0;
	uint64_t size = 0;
	enum cairn_otype type = 0;
	static char why[600];

	if ((err = cairn_object_exists(r, &o->id)) != NULL)
		goto fail;
	if ((err = cairn_object_stat(r, &o->id, &type, &size)) != NULL)
		goto fail;
	if ((int)type != o->type || size != o->len) {
		snprintf(why, sizeof(why), "stat says type %d size %" PRIu64
		    ", want %d %zu", type, size, o->type, o->len);
		return why;
	}
	if (!full)
		return NULL;
	if ((err = cairn_object_get(r, &o->id, 0, &type, &data, &len)) != NULL)
		goto fail;
	if ((int)type != o->type || len != o->len ||
	    memcmp(data, o->data, len) != 0 || data[len] != '\0') {
		free(data);
		return "get returned the wrong content";
	}
	free(data);
	return NULL;
fail:
	snprintf(why, sizeof(why), "%s", err->msg);
	return why;
}

/* Every object of m readable; one test line. */
static int
verify_model(struct cairn_repo *r, const struct model *m, int full,
    const char *what)
{
	const char *why;
	char hex[CAIRN_OID_HEXMAX + 1];
	size_t i, bad = 0;

	for (i = 0; i < m->n; i++) {
		if ((why = check_obj(r, &m->o[i], full)) == NULL)
			continue;
		if (bad++ < 3)
			diag("object %zu (%s, %zu bytes): %s", i,
			    cairn_oid_fmt(&m->o[i].id, hex), m->o[i].len, why);
	}
	return ok(bad == 0, "%s: all %zu objects readable", what, m->n);
}

/* ---- streaming helpers ---- */

struct reader {
	const unsigned char *p;
	size_t len, pos, step;
};

static ssize_t
mem_read(void *arg, void *buf, size_t len)
{
	struct reader *rd = arg;
	size_t n = rd->len - rd->pos;

	if (n > len)
		n = len;
	if (rd->step != 0 && n > rd->step)
		n = rd->step;
	memcpy(buf, rd->p + rd->pos, n);
	rd->pos += n;
	return (ssize_t)n;
}

static ssize_t
fail_read(void *arg, void *buf, size_t len)
{
	struct reader *rd = arg;
	ssize_t n;

	if (rd->pos >= rd->len / 2) {
		errno = EIO;
		return -1;
	}
	n = mem_read(arg, buf, len);
	return n;
}

struct sink {
	unsigned char *p;
	size_t len, cap;
	int calls;
};

static const struct cairn_error *
sink_write(void *arg, const void *data, size_t len)
{
	struct sink *s = arg;

	if (s->len + len > s->cap) {
		s->cap = (s->len + len) * 2;
		if ((s->p = realloc(s->p, s->cap)) == NULL)
			bail_out("out of memory");
	}
	memcpy(s->p + s->len, data, len);
	s->len += len;
	s->calls++;
	return NULL;
}

/* Add content through the streaming call within an open batch. */
static const struct cairn_error *
add_stream(struct cairn_repo *r, struct cairn_oid *id, int type,
    const unsigned char *p, size_t len, int64_t size, size_t step)
{
	struct reader rd = { p, len, 0, step };

	return cairn_batch_add_stream(r, type, mem_read, &rd, size, id);
}

/* One object in its own batch through the streaming call. */
static const struct cairn_error *
put_stream(struct cairn_repo *r, struct cairn_oid *id, int type,
    const unsigned char *p, size_t len, int64_t size, size_t step)
{
	const struct cairn_error *err;

	if ((err = cairn_batch_begin(r)) != NULL)
		return err;
	if ((err = add_stream(r, id, type, p, len, size, step)) != NULL) {
		cairn_batch_abort(r);
		return err;
	}
	return cairn_batch_commit(r);
}

static uint64_t
stat_objects(struct cairn_repo *r)
{
	struct cairn_repo_stats st = CAIRN_REPO_STATS_INIT;
	const struct cairn_error *err;

	if ((err = cairn_repo_stats(r, &st)) != NULL) {
		diag("cairn_repo_stats: %s", err->msg);
		return UINT64_MAX;
	}
	return st.objects;
}

static struct cairn_repo_stats
stats_of(struct cairn_repo *r)
{
	struct cairn_repo_stats st = CAIRN_REPO_STATS_INIT;
	const struct cairn_error *err;

	if ((err = cairn_repo_stats(r, &st)) != NULL) {
		diag("cairn_repo_stats: %s", err->msg);
	}
	return st;
}

/* A small object with deterministic, distinct content. */
static size_t
small_content(char *buf, size_t cap, const char *tag, unsigned n)
{
	return (size_t)snprintf(buf, cap, "%s object %u %016" PRIx64 "\n",
	    tag, n, rng_next());
}

/* ---- round trips ---- */

/* Append git's tree entry "<mode> <name>\0<raw id>". */
static size_t
tree_entry(unsigned char *p, const char *mode, const char *name,
    const struct cairn_oid *id)
{
	size_t n = (size_t)sprintf((char *)p, "%s %s", mode, name) + 1;

	memcpy(p + n, id->hash, id->len);
	return n + id->len;
}

/* Put content of type both ways (whole and streamed); add it to m. */
static void
put_both(struct tr *t, struct model *m, int type, const void *data,
    size_t len, struct cairn_oid *id)
{
	struct cairn_oid want, got;

	cairn_hash_object(t->be->algo, type, data, len, &want);
	no_error(cairn_object_put(t->r, type, data, len, id), "%s: put a %s",
	    t->be->name, cairn_otype_name(type));
	ok(cairn_oid_eq(id, &want), "%s: id of the %s is the hash",
	    t->be->name, cairn_otype_name(type));
	no_error(put_stream(t->r, &got, type, data, len, (int64_t)len, 7),
	    "%s: stream the %s again", t->be->name, cairn_otype_name(type));
	ok(cairn_oid_eq(&got, &want), "%s: streamed id of the %s",
	    t->be->name, cairn_otype_name(type));
	model_add(m, &want, type, data, len);
}

/*
 * Trees, commits and tags in git's formats, and content that is not
 * one: CAIRN_ERR_INVALID, nothing stored.
 */
static void
test_nonblobs(struct tr *t, struct model *m)
{
	unsigned char tree[256];
	char text[1024], hex[CAIRN_OID_HEXMAX + 1];
	struct cairn_oid empty, blob, tid, cid, tagid, id;
	uint64_t before;
	size_t n;

	put_both(t, m, CAIRN_OBJ_TREE, "", 0, &empty);
	no_error(cairn_object_put(t->r, CAIRN_OBJ_BLOB, "leaf\n", 5, &blob),
	    "%s: put a blob for the tree", t->be->name);
	model_add(m, &blob, CAIRN_OBJ_BLOB, "leaf\n", 5);
	n = tree_entry(tree, "100644", "a", &blob);
	n += tree_entry(tree + n, "40000", "b", &empty);
	n += tree_entry(tree + n, "100755", "c.sh", &blob);
	put_both(t, m, CAIRN_OBJ_TREE, tree, n, &tid);
	n = (size_t)snprintf(text, sizeof(text), "tree %s\n"
	    "author A U Thor <author@example.com> 1112911993 -0700\n"
	    "committer C O Mitter <committer@example.com> 1112912053 -0700\n"
	    "\na commit\n", cairn_oid_fmt(&tid, hex));
	put_both(t, m, CAIRN_OBJ_COMMIT, text, n, &cid);
	n = (size_t)snprintf(text, sizeof(text), "object %s\ntype commit\n"
	    "tag v1.0\n"
	    "tagger C O Mitter <committer@example.com> 1112912053 -0700\n"
	    "\na tag\n", cairn_oid_fmt(&cid, hex));
	put_both(t, m, CAIRN_OBJ_TAG, text, n, &tagid);

	before = stat_objects(t->r);
	is_error(cairn_object_put(t->r, CAIRN_OBJ_COMMIT, "not a commit\n", 13,
	    &id),
	    CAIRN_ERR_INVALID, "%s: a commit without headers", t->be->name);
	is_error(put_stream(t->r, &id, CAIRN_OBJ_TAG, (unsigned char *)
	    "not a tag\n", 10, 10, 0), CAIRN_ERR_INVALID, "%s: a streamed "
	    "tag without headers", t->be->name);
	n = tree_entry(tree, "100644", "b", &blob);
	n += tree_entry(tree + n, "100644", "a", &blob);
	is_error(cairn_object_put(t->r, CAIRN_OBJ_TREE, tree, n, &id),
	    CAIRN_ERR_INVALID, "%s: a tree out of order", t->be->name);
	is_error(cairn_object_put(t->r, CAIRN_OBJ_TREE, tree, n - 1, &id),
	    CAIRN_ERR_INVALID, "%s: a truncated tree", t->be->name);
	is_uint(stat_objects(t->r), before, "%s: invalid objects are not "
	    "stored", t->be->name);
}

static void
test_roundtrip(const struct backend *be)
{
	static const size_t sizes[] = { 0, 1, 100, 64 << 10 };
	const size_t big = 3 << 20;
	struct cairn_oid id, want;
	struct cairn_repo_stats before, after;
	struct model m = { 0 };
	struct sink s = { 0 };
	unsigned char *buf, *bigr, *bigz;
	struct tr t;
	size_t i;
	int good;

	tr_open(&t, be);
	buf = xmalloc(64 << 10);
	is_int(cairn_repo_hash_algo(t.r), be->algo, "%s: hash algorithm",
	    be->name);

	/* Small sizes, each through cairn_object_put and through the stream call. */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		enum cairn_otype type = CAIRN_OBJ_BLOB;

		rng_fill(buf, sizes[i]);
		cairn_hash_object(be->algo, type, buf, sizes[i], &want);
		if (!no_error(cairn_object_put(t.r, type, buf, sizes[i], &id),
		    "%s: put %zu bytes", be->name, sizes[i]))
			continue;
		ok(cairn_oid_eq(&id, &want), "%s: id of %zu bytes is the "
		    "hash", be->name, sizes[i]);
		model_add(&m, &id, type, buf, sizes[i]);
		buf[0] ^= 0x55;
		if (sizes[i] > 0) {
			cairn_hash_object(be->algo, type, buf, sizes[i], &want);
			no_error(put_stream(t.r, &id, type, buf, sizes[i],
			    (int64_t)sizes[i], 333), "%s: stream %zu bytes",
			    be->name, sizes[i]);
			ok(cairn_oid_eq(&id, &want), "%s: streamed id of %zu "
			    "bytes is the hash", be->name, sizes[i]);
			model_add(&m, &id, type, buf, sizes[i]);
		}
	}

	test_nonblobs(&t, &m);

	/*
	 * Big objects: random (stored raw) and compressible, with the size
	 * known and unknown, read through a reader that returns odd chunks.
	 */
	bigr = xmalloc(big);
	bigz = xmalloc(big);
	rng_fill(bigr, big);
	for (i = 0; i < big; i++)
		bigz[i] = (unsigned char)("cairn stores objects\n"[i % 21] +
		    (i % 4099 == 0));
	before = stats_of(t.r);
	cairn_hash_object(be->algo, CAIRN_OBJ_BLOB, bigr, big, &want);
	no_error(put_stream(t.r, &id, CAIRN_OBJ_BLOB, bigr, big,
	    (int64_t)big, 0), "%s: stream 3 MiB random, size known",
	    be->name);
	ok(cairn_oid_eq(&id, &want), "%s: id of 3 MiB random", be->name);
	model_add(&m, &id, CAIRN_OBJ_BLOB, bigr, big);
	bigr[17] ^= 1;
	cairn_hash_object(be->algo, CAIRN_OBJ_BLOB, bigr, big, &want);
	no_error(put_stream(t.r, &id, CAIRN_OBJ_BLOB, bigr, big, -1, 100000),
	    "%s: stream 3 MiB random, size unknown", be->name);
	ok(cairn_oid_eq(&id, &want), "%s: id of 3 MiB random, size unknown",
	    be->name);
	model_add(&m, &id, CAIRN_OBJ_BLOB, bigr, big);
	cairn_hash_object(be->algo, CAIRN_OBJ_BLOB, bigz, big, &want);
	no_error(put_stream(t.r, &id, CAIRN_OBJ_BLOB, bigz, big, -1, 0),
	    "%s: stream 3 MiB compressible, size unknown", be->name);
	ok(cairn_oid_eq(&id, &want), "%s: id of 3 MiB compressible",
	    be->name);
	model_add(&m, &id, CAIRN_OBJ_BLOB, bigz, big);
	bigz[5] ^= 1;
	cairn_hash_object(be->algo, CAIRN_OBJ_BLOB, bigz, big, &want);
	no_error(put_stream(t.r, &id, CAIRN_OBJ_BLOB, bigz, big, (int64_t)big,
	    4097), "%s: stream 3 MiB compressible, size known", be->name);
	ok(cairn_oid_eq(&id, &want), "%s: id of 3 MiB compressible, known",
	    be->name);
	model_add(&m, &id, CAIRN_OBJ_BLOB, bigz, big);
	after = stats_of(t.r);
	is_uint(after.objects - before.objects, 4, "%s: four big objects "
	    "counted", be->name);
	if (be->kind == DISK) {
		/* Big objects are logged as pointers, not copied to the WAL. */
		ok(after.wal_bytes - before.wal_bytes < 4096, "%s: the WAL "
		    "grew by %" PRIu64 " bytes for 12 MiB of big objects",
		    be->name, after.wal_bytes - before.wal_bytes);
		ok(after.data_bytes - before.data_bytes < 4 * big,
		    "%s: data file grew by %" PRIu64 " (compressed content "
		    "shrinks)", be->name, after.data_bytes -
		    before.data_bytes);
		ok(after.data_bytes - before.data_bytes > 2 * big,
		    "%s: raw content is stored whole", be->name);
	}

	/* A stream whose length differs from its declared size. */
	before = stats_of(t.r);
	no_error(cairn_batch_begin(t.r), "%s: begin", be->name);
	is_error(add_stream(t.r, &id, CAIRN_OBJ_BLOB, bigr, big - 1,
	    (int64_t)big, 0), CAIRN_ERR_INVALID, "%s: big stream shorter "
	    "than its size", be->name);
	is_error(add_stream(t.r, &id, CAIRN_OBJ_BLOB, bigr, big,
	    (int64_t)big - 1, 0), CAIRN_ERR_INVALID, "%s: big stream longer "
	    "than its size", be->name);
	is_error(add_stream(t.r, &id, CAIRN_OBJ_BLOB, buf, 10, 11, 0),
	    CAIRN_ERR_INVALID, "%s: small stream shorter than its size",
	    be->name);
	is_error(add_stream(t.r, &id, CAIRN_OBJ_BLOB, buf, 10, 9, 0),
	    CAIRN_ERR_INVALID, "%s: small stream longer than its size",
	    be->name);
	{
		struct reader rd = { bigr, big, 0, 0 };

		ok(cairn_batch_add_stream(t.r, CAIRN_OBJ_BLOB, fail_read, &rd,
		    (int64_t)big, &id) != NULL, "%s: a failing reader fails "
		    "the add", be->name);
	}
	is_error(cairn_batch_add(t.r, 9, buf, 10, &id), CAIRN_ERR_INVALID,
	    "%s: bad object type", be->name);
	no_error(cairn_batch_commit(t.r), "%s: commit after failed adds",
	    be->name);
	after = stats_of(t.r);
	is_uint(after.objects, before.objects, "%s: failed adds store "
	    "nothing", be->name);
	if (be->kind == DISK)
		ok(after.data_bytes - before.data_bytes < 4096, "%s: failed "
		    "big adds leave no data behind (%" PRIu64 " bytes)",
		    be->name, after.data_bytes - before.data_bytes);
	is_error(cairn_object_put(t.r, 0, buf, 1, &id), CAIRN_ERR_INVALID,
	    "%s: put of type 0", be->name);

	/* Streaming reads of a big and a small object. */
	memset(&s, 0, sizeof(s));
	no_error(cairn_object_get_stream(t.r, &m.o[m.n - 1].id, 0, sink_write, &s),
	    "%s: get_stream of 3 MiB", be->name);
	ok(s.len == big && memcmp(s.p, bigz, big) == 0, "%s: streamed "
	    "content of 3 MiB", be->name);
	s.len = 0;
	no_error(cairn_object_get_stream(t.r, &m.o[2].id, CAIRN_GET_NO_VERIFY,
	    sink_write, &s), "%s: get_stream of 1 byte, no verify", be->name);
	ok(s.len == m.o[2].len && memcmp(s.p, m.o[2].data, s.len) == 0,
	    "%s: streamed content of 1 byte", be->name);
	free(s.p);

	/* Absent objects. */
	memset(buf, 0xab, 100);
	cairn_hash_object(be->algo, CAIRN_OBJ_BLOB, buf, 99, &want);
	is_error(cairn_object_exists(t.r, &want), CAIRN_ERR_NOT_FOUND,
	    "%s: exists of an absent object", be->name);
	{
		unsigned char *d = NULL;
		size_t len;
		enum cairn_otype type;

		is_error(cairn_object_get(t.r, &want, 0, &type, &d, &len),
		    CAIRN_ERR_NOT_FOUND, "%s: get of an absent object",
		    be->name);
		cairn_hash_object(be->algo == CAIRN_HASH_SHA1 ? CAIRN_HASH_SHA256 : CAIRN_HASH_SHA1,
		    m.o[0].type, m.o[0].data, m.o[0].len, &want);
		is_error(cairn_object_get(t.r, &want, 0, &type, &d, &len),
		    CAIRN_ERR_NOT_FOUND, "%s: get of an id of the other "
		    "algorithm", be->name);
	}

	verify_model(t.r, &m, 1, "round trips, same handle");
	if (tr_reopen(&t, 0)) {
		verify_model(t.r, &m, 1, "round trips after reopen");
		no_error(cairn_repo_flush(t.r), "%s: flush", be->name);
		verify_model(t.r, &m, 1, "round trips after flush");
		tr_reopen(&t, CAIRN_OPEN_READ_ONLY);
		verify_model(t.r, &m, 1, "round trips after flush and "
		    "read-only reopen");
		good = 1;
		for (i = 0; i < m.n; i++) {
			unsigned char *d = NULL;
			size_t len;
			enum cairn_otype type;

			good &= cairn_object_get(t.r, &m.o[i].id, CAIRN_GET_NO_VERIFY,
			    &type, &d, &len) == NULL && len == m.o[i].len &&
			    memcmp(d, m.o[i].data, len) == 0;
			free(d);
		}
		ok(good, "%s: reads without verification", be->name);
	}
	tr_close(&t);
	model_free(&m);
	free(buf);
	free(bigr);
	free(bigz);
}

/* ---- dedup ---- */

static void
test_dedup(const struct backend *be)
{
	const size_t big = (1 << 20) + 4096;
	struct cairn_oid a, b;
	struct cairn_repo_stats s1, s2;
	unsigned char *p;
	char text[] = "the same content twice\n";
	struct tr t;

	tr_open(&t, be);
	no_error(cairn_object_put(t.r, CAIRN_OBJ_BLOB, text, strlen(text), &a),
	    "%s: first put", be->name);
	s1 = stats_of(t.r);
	no_error(cairn_object_put(t.r, CAIRN_OBJ_BLOB, text, strlen(text), &b),
	    "%s: second put", be->name);
	ok(cairn_oid_eq(&a, &b), "%s: same id twice", be->name);
	is_uint(stat_objects(t.r), s1.objects, "%s: object count unchanged",
	    be->name);
	no_error(cairn_object_put(t.r, CAIRN_OBJ_BLOB, "", 0, &a),
	    "%s: the empty blob", be->name);
	no_error(cairn_object_put(t.r, CAIRN_OBJ_TREE, "", 0, &b),
	    "%s: the same bytes as a tree", be->name);
	ok(!cairn_oid_eq(&a, &b), "%s: the type is part of the id",
	    be->name);
	is_uint(stat_objects(t.r), s1.objects + 2, "%s: another type is "
	    "another object", be->name);

	/* Twice in one batch. */
	no_error(cairn_batch_begin(t.r), "%s: begin", be->name);
	no_error(cairn_batch_add(t.r, CAIRN_OBJ_BLOB, text, 5, &a), "%s: add",
	    be->name);
	no_error(cairn_batch_add(t.r, CAIRN_OBJ_BLOB, text, 5, &b),
	    "%s: add again", be->name);
	no_error(cairn_batch_commit(t.r), "%s: commit", be->name);
	ok(cairn_oid_eq(&a, &b), "%s: same id twice in a batch", be->name);
	is_uint(stat_objects(t.r), s1.objects + 3, "%s: counted once",
	    be->name);

	/* A big object twice, streamed, with and without its size. */
	p = xmalloc(big);
	rng_fill(p, big);
	no_error(put_stream(t.r, &a, CAIRN_OBJ_BLOB, p, big, (int64_t)big, 0),
	    "%s: big put", be->name);
	s1 = stats_of(t.r);
	no_error(put_stream(t.r, &b, CAIRN_OBJ_BLOB, p, big, -1, 0),
	    "%s: big put again, size unknown", be->name);
	ok(cairn_oid_eq(&a, &b), "%s: big: same id", be->name);
	no_error(put_stream(t.r, &b, CAIRN_OBJ_BLOB, p, big, (int64_t)big, 0),
	    "%s: big put again, size known", be->name);
	ok(cairn_oid_eq(&a, &b), "%s: big: same id again", be->name);
	s2 = stats_of(t.r);
	is_uint(s2.objects, s1.objects, "%s: big: object count unchanged",
	    be->name);
	if (be->kind == DISK)
		ok(s2.data_bytes - s1.data_bytes < 4096, "%s: big: a "
		    "duplicate takes no space (%" PRIu64 " bytes)", be->name,
		    s2.data_bytes - s1.data_bytes);

	/* Dedup against flushed (indexed) objects, across a reopen. */
	if (tr_reopen(&t, 0)) {
		no_error(cairn_repo_flush(t.r), "%s: flush", be->name);
		s1 = stats_of(t.r);
		no_error(cairn_object_put(t.r, CAIRN_OBJ_BLOB, text,
		    strlen(text), &b), "%s: put after flush", be->name);
		no_error(put_stream(t.r, &b, CAIRN_OBJ_BLOB, p, big, -1, 0),
		    "%s: big put after flush", be->name);
		ok(cairn_oid_eq(&a, &b), "%s: big after flush: same id",
		    be->name);
		s2 = stats_of(t.r);
		is_uint(s2.objects, s1.objects, "%s: indexed objects are not "
		    "stored again", be->name);
		is_uint(s2.indexed_objects, s1.indexed_objects,
		    "%s: indexed count unchanged", be->name);
		ok(s2.data_bytes - s1.data_bytes < 4096, "%s: duplicates of "
		    "indexed objects take no space", be->name);
		no_error(cairn_repo_flush(t.r), "%s: flush of touches only",
		    be->name);
		tr_reopen(&t, 0);
		is_uint(stat_objects(t.r), s1.objects, "%s: count after "
		    "reopen", be->name);
	}
	tr_close(&t);
	free(p);
}

/* ---- batches ---- */

static void
test_batches(const struct backend *be)
{
	struct model m = { 0 }, gone = { 0 };
	struct cairn_oid id;
	struct cairn_repo_stats s0, s1;
	char buf[128];
	unsigned char *big;
	const size_t bigsz = (1 << 20) + 100;
	size_t len, i, bad;
	struct tr t;

	tr_open(&t, be);
	is_error(cairn_batch_add(t.r, CAIRN_OBJ_BLOB, "x", 1, &id),
	    CAIRN_ERR_USAGE, "%s: add outside a batch", be->name);
	is_error(cairn_batch_commit(t.r), CAIRN_ERR_USAGE,
	    "%s: commit outside a batch", be->name);
	cairn_batch_abort(t.r);
	no_error(cairn_batch_begin(t.r), "%s: begin", be->name);
	is_error(cairn_batch_begin(t.r), CAIRN_ERR_USAGE,
	    "%s: begin inside a batch", be->name);
	if (be->kind == DISK)
		is_error(cairn_repo_flush(t.r), CAIRN_ERR_USAGE,
		    "%s: flush inside a batch", be->name);
	no_error(cairn_batch_commit(t.r), "%s: commit an empty batch",
	    be->name);

	/* A big batch. */
	no_error(cairn_batch_begin(t.r), "%s: begin a batch of 1000",
	    be->name);
	bad = 0;
	for (i = 0; i < 1000; i++) {
		len = small_content(buf, sizeof(buf), "batch", (unsigned)i);
		if (cairn_batch_add(t.r, CAIRN_OBJ_BLOB, buf, len, &id) != NULL)
			bad++;
		else
			model_add(&m, &id, CAIRN_OBJ_BLOB, buf, len);
	}
	is_uint(bad, 0, "%s: 1000 adds", be->name);
	verify_model(t.r, &m, 1, "objects readable inside their batch");
	no_error(cairn_batch_commit(t.r), "%s: commit 1000", be->name);
	verify_model(t.r, &m, 1, "a batch of 1000 after commit");
	s0 = stats_of(t.r);
	is_uint(s0.objects, 1000, "%s: 1000 objects", be->name);

	/* An aborted batch, with a big object in it. */
	big = xmalloc(bigsz);
	rng_fill(big, bigsz);
	no_error(cairn_batch_begin(t.r), "%s: begin a batch to abort",
	    be->name);
	for (i = 0; i < 100; i++) {
		len = small_content(buf, sizeof(buf), "aborted", (unsigned)i);
		if (cairn_batch_add(t.r, CAIRN_OBJ_BLOB, buf, len, &id) == NULL)
			model_add(&gone, &id, CAIRN_OBJ_BLOB, buf, len);
	}
	if (no_error(add_stream(t.r, &id, CAIRN_OBJ_BLOB, big, bigsz,
	    (int64_t)bigsz, 0), "%s: big add in the batch to abort", be->name))
		model_add(&gone, &id, CAIRN_OBJ_BLOB, big, bigsz);
	/* Existing objects added again in the aborted batch stay. */
	no_error(cairn_batch_add(t.r, CAIRN_OBJ_BLOB, m.o[7].data, m.o[7].len,
	    &id), "%s: re-add an existing object", be->name);
	verify_model(t.r, &gone, 1, "objects of the open batch readable");
	cairn_batch_abort(t.r);
	bad = 0;
	for (i = 0; i < gone.n; i++)
		if (cairn_object_exists(t.r, &gone.o[i].id) == NULL)
			bad++;
	is_uint(bad, 0, "%s: aborted objects are gone", be->name);
	verify_model(t.r, &m, 0, "committed objects survive an abort");
	s1 = stats_of(t.r);
	is_uint(s1.objects, s0.objects, "%s: abort leaves the count",
	    be->name);
	if (be->kind == DISK)
		is_uint(s1.data_bytes, s0.data_bytes, "%s: abort leaves the "
		    "data file", be->name);

	/* A later batch, re-adding some of the aborted objects. */
	no_error(cairn_batch_begin(t.r), "%s: begin after abort", be->name);
	for (i = 0; i < gone.n; i += 10) {
		if (gone.o[i].len > (1 << 20))
			no_error(add_stream(t.r, &id, gone.o[i].type,
			    gone.o[i].data, gone.o[i].len, -1, 0),
			    "%s: re-add the aborted big object", be->name);
		else if (cairn_batch_add(t.r, gone.o[i].type, gone.o[i].data,
		    gone.o[i].len, &id) != NULL)
			diag("re-add %zu failed", i);
		model_add(&m, &gone.o[i].id, gone.o[i].type, gone.o[i].data,
		    gone.o[i].len);
	}
	no_error(add_stream(t.r, &id, CAIRN_OBJ_BLOB, big, bigsz, -1, 0),
	    "%s: re-add the aborted big object again, size unknown",
	    be->name);
	no_error(cairn_batch_commit(t.r), "%s: commit after abort", be->name);
	verify_model(t.r, &m, 1, "re-added aborted objects");
	is_uint(stat_objects(t.r), m.n, "%s: object count after re-adding",
	    be->name);
	if (tr_reopen(&t, 0)) {
		verify_model(t.r, &m, 1, "batches after reopen");
		bad = 0;
		for (i = 0; i < gone.n; i++)
			if (i % 10 != 0 && gone.o[i].len < 1000 &&
			    cairn_object_exists(t.r, &gone.o[i].id) == NULL)
				bad++;
		is_uint(bad, 0, "%s: aborted objects stay gone after reopen",
		    be->name);
		is_uint(stat_objects(t.r), m.n, "%s: object count after "
		    "reopen", be->name);
		/* Abort on close. */
		no_error(cairn_batch_begin(t.r), "%s: begin, then close",
		    be->name);
		len = small_content(buf, sizeof(buf), "closed", 1);
		no_error(cairn_batch_add(t.r, CAIRN_OBJ_BLOB, buf, len, &id),
		    "%s: add, then close", be->name);
		tr_reopen(&t, 0);
		is_error(cairn_object_exists(t.r, &id), CAIRN_ERR_NOT_FOUND,
		    "%s: closing inside a batch aborts it", be->name);
		verify_model(t.r, &m, 0, "after closing inside a batch");
		no_error(cairn_object_put(t.r, CAIRN_OBJ_BLOB, buf, len, &id),
		    "%s: put after closing inside a batch", be->name);
	}
	free(big);
	tr_close(&t);
	model_free(&m);
	model_free(&gone);
}

/* ---- resolve ---- */

static const struct model *sort_model;

static int
cmp_index(const void *a, const void *b)
{
	const struct obj *x = &sort_model->o[*(const size_t *)a];
	const struct obj *y = &sort_model->o[*(const size_t *)b];

	return memcmp(x->id.hash, y->id.hash, x->id.len);
}

/* Hex digits two ids have in common at the start. */
static size_t
common_digits(const struct cairn_oid *a, const struct cairn_oid *b)
{
	size_t i;

	for (i = 0; i < a->len && a->hash[i] == b->hash[i]; i++)
		;
	if (i == a->len)
		return 2 * i;
	return 2 * i + ((a->hash[i] >> 4) == (b->hash[i] >> 4));
}

/*
 * For every object of m, the shortest prefix length (at least 4) that is
 * unique among m: one more than the longest run it shares with a
 * neighbour in sorted order.
 */
static size_t *
unique_lens(const struct model *m)
{
	size_t *ord = xmalloc(m->n * sizeof(*ord));
	size_t *need = xmalloc(m->n * sizeof(*need));
	size_t i, c;

	for (i = 0; i < m->n; i++) {
		ord[i] = i;
		need[i] = 4;
	}
	sort_model = m;
	qsort(ord, m->n, sizeof(*ord), cmp_index);
	for (i = 0; i + 1 < m->n; i++) {
		c = common_digits(&m->o[ord[i]].id, &m->o[ord[i + 1]].id) + 1;
		if (c > need[ord[i]])
			need[ord[i]] = c;
		if (c > need[ord[i + 1]])
			need[ord[i + 1]] = c;
	}
	free(ord);
	return need;
}

/* Resolve every prefix length from the unique one up; one test line. */
static void
resolve_all(struct cairn_repo *r, const struct model *m, int algo,
    const char *what)
{
	const struct cairn_error *err;
	struct cairn_oid got;
	char hex[CAIRN_OID_HEXMAX + 1], pre[CAIRN_OID_HEXMAX + 1];
	size_t full = 2 * cairn_hash_len(algo), i, l, bad = 0, odd = 0;
	size_t *need = unique_lens(m);

	for (i = 0; i < m->n; i++) {
		cairn_oid_fmt(&m->o[i].id, hex);
		for (l = need[i]; l <= need[i] + 2 && l <= full; l++) {
			memcpy(pre, hex, l);
			pre[l] = '\0';
			err = cairn_object_resolve(r, pre, &got);
			if (err == NULL && cairn_oid_eq(&got, &m->o[i].id))
				continue;
			if (l % 2 == 1)
				odd++;
			if (bad++ < 5)
				diag("resolve '%s' (unique from %zu digits): "
				    "%s", pre, need[i], err ? err->msg :
				    "another id");
		}
	}
	free(need);
	ok(bad == 0, "%s: unique prefixes of %zu objects resolve", what,
	    m->n);
	if (bad > 0)
		diag("%zu of the failures are odd-length prefixes", odd);
}

/*
 * Indexes of two objects whose ids share the first 4 hex digits (and,
 * with diff5, differ in the fifth).
 */
static int
find_collision(const struct model *m, size_t *pi, size_t *pj, int diff5)
{
	size_t *ord = xmalloc((m->n + 1) * sizeof(*ord));
	size_t i, c;
	int found = 0;

	for (i = 0; i < m->n; i++)
		ord[i] = i;
	sort_model = m;
	qsort(ord, m->n, sizeof(*ord), cmp_index);
	for (i = 0; !found && i + 1 < m->n; i++) {
		c = common_digits(&m->o[ord[i]].id, &m->o[ord[i + 1]].id);
		if (c >= 4 && (!diff5 || c == 4)) {
			*pi = ord[i];
			*pj = ord[i + 1];
			found = 1;
		}
	}
	free(ord);
	return found;
}

static void
test_resolve(const struct backend *be)
{
	const struct cairn_error *err;
	struct model m = { 0 };
	struct cairn_oid id, got;
	char buf[128], hex[CAIRN_OID_HEXMAX + 1], name[CAIRN_OID_HEXMAX + 8];
	size_t full = 2 * cairn_hash_len(be->algo), len, i, j, n;
	unsigned used[65536 / 32] = { 0 }, v;
	struct tr t;
	int phase;

	tr_open(&t, be);
	/* Objects until two pairs share 4 hex digits, one differing at 5. */
	no_error(cairn_batch_begin(t.r), "%s: begin", be->name);
	for (n = 0; n < 5000; n++) {
		len = small_content(buf, sizeof(buf), "resolve", (unsigned)n);
		if ((err = cairn_batch_add(t.r, CAIRN_OBJ_BLOB, buf, len,
		    &id)) != NULL)
			bail_out("add: %s", err->msg);
		model_add(&m, &id, CAIRN_OBJ_BLOB, buf, len);
		if (n % 100 == 99 && n >= 300 &&
		    find_collision(&m, &i, &j, 1))
			break;
	}
	/* Half now (in a segment after the flush), half later (the WAL). */
	no_error(cairn_batch_commit(t.r), "%s: commit %zu objects", be->name,
	    m.n);
	ok(find_collision(&m, &i, &j, 1), "%s: generated ids sharing 4 hex "
	    "digits and differing at the 5th", be->name);

	for (phase = 0; phase < 3; phase++) {
		const char *what = phase == 0 ? "unflushed" : phase == 1 ?
		    "flushed" : "flushed and reopened";

		if (phase == 1 && (be->kind == MEMORY ||
		    !no_error(cairn_repo_flush(t.r), "%s: flush", be->name)))
			break;
		if (phase == 2 && !tr_reopen(&t, CAIRN_OPEN_READ_ONLY))
			break;
		diag("%s: resolve, %s", be->name, what);
		resolve_all(t.r, &m, be->algo, what);
		if (find_collision(&m, &i, &j, 0)) {
			cairn_oid_fmt(&m.o[i].id, hex);
			hex[4] = '\0';
			is_error(cairn_object_resolve(t.r, hex, &got),
			    CAIRN_ERR_AMBIGUOUS, "%s: %s: ambiguous prefix "
			    "'%s'", be->name, what, hex);
		}
		/*
		 * Two ids share 4 digits, the later differs at the 5th: its
		 * 5-digit prefix names it alone, although the earlier id
		 * comes first among those sharing the whole bytes "xxxx".
		 */
		if (find_collision(&m, &i, &j, 1)) {
			char want[CAIRN_OID_HEXMAX + 1];

			if (cairn_oid_cmp(&m.o[i].id, &m.o[j].id) > 0) {
				size_t k = i;

				i = j;
				j = k;
			}
			cairn_oid_fmt(&m.o[j].id, want);
			snprintf(name, sizeof(name), "%.5s", want);
			err = cairn_object_resolve(t.r, name, &got);
			if (!ok(err == NULL && cairn_oid_eq(&got, &m.o[j].id),
			    "%s: %s: odd-length prefix '%s' after a smaller "
			    "id with the same 4 digits", be->name, what, name))
				diag("  ids %s and %s: %s", cairn_oid_fmt(&m.o[i].id,
				    hex), want, err ? err->msg :
				    "resolved to another id");
		}
		/* Full ids: present, absent, upper case. */
		cairn_oid_fmt(&m.o[3].id, hex);
		err = cairn_object_resolve(t.r, hex, &got);
		ok(err == NULL && cairn_oid_eq(&got, &m.o[3].id),
		    "%s: %s: full id", be->name, what);
		for (j = 0; j < full; j++)
			name[j] = (char)(hex[j] >= 'a' ? hex[j] - 32 : hex[j]);
		name[full] = '\0';
		err = cairn_object_resolve(t.r, name, &got);
		ok(err == NULL && cairn_oid_eq(&got, &m.o[3].id),
		    "%s: %s: full id in upper case", be->name, what);
		cairn_hash_object(be->algo, CAIRN_OBJ_BLOB, "absent", 6, &id);
		cairn_oid_fmt(&id, hex);
		err = cairn_object_resolve(t.r, hex, &got);
		ok(err == NULL && cairn_oid_eq(&got, &id), "%s: %s: a full "
		    "id resolves even if absent", be->name, what);
		/* A 4-digit prefix nobody has. */
		memset(used, 0, sizeof(used));
		for (j = 0; j < m.n; j++) {
			v = (unsigned)m.o[j].id.hash[0] << 8 | m.o[j].id.hash[1];
			used[v / 32] |= 1u << (v % 32);
		}
		for (v = 0; v < 65536 && (used[v / 32] >> (v % 32) & 1); v++)
			;
		snprintf(name, sizeof(name), "%04x", v);
		is_error(cairn_object_resolve(t.r, name,
		    &got), CAIRN_ERR_NOT_FOUND,
		    "%s: %s: unused prefix '%s'", be->name, what, name);
		snprintf(name, sizeof(name), "%04x0", v);
		is_error(cairn_object_resolve(t.r, name,
		    &got), CAIRN_ERR_NOT_FOUND,
		    "%s: %s: unused odd prefix '%s'", be->name, what, name);
		/*
		 * Too short, not hex, too long: not ids or prefixes, but
		 * well-formed ref names naming no ref, so not found.
		 */
		cairn_oid_fmt(&m.o[0].id, hex);
		snprintf(name, sizeof(name), "%.3s", hex);
		is_error(cairn_object_resolve(t.r, name,
		    &got), CAIRN_ERR_NOT_FOUND,
		    "%s: %s: 3 digits", be->name, what);
		is_error(cairn_object_resolve(t.r, "", &got), CAIRN_ERR_INVALID,
		    "%s: %s: empty name", be->name, what);
		is_error(cairn_object_resolve(t.r, "12g4",
		    &got), CAIRN_ERR_NOT_FOUND,
		    "%s: %s: not hex", be->name, what);
		snprintf(name, sizeof(name), "%s0", hex);
		is_error(cairn_object_resolve(t.r, name,
		    &got), CAIRN_ERR_NOT_FOUND,
		    "%s: %s: one digit too many", be->name, what);
		snprintf(name, sizeof(name), "%.8s ", hex);
		is_error(cairn_object_resolve(t.r, name,
		    &got), CAIRN_ERR_INVALID,
		    "%s: %s: trailing space", be->name, what);
		snprintf(name, sizeof(name), "%.*s", (int)full - 1, hex);
		err = cairn_object_resolve(t.r, name, &got);
		ok(err == NULL && cairn_oid_eq(&got, &m.o[0].id),
		    "%s: %s: all but one digit", be->name, what);
	}
	tr_close(&t);
	model_free(&m);
}

/* ---- many flushes ---- */

static int
ilog2(unsigned n)
{
	int l = 0;

	while (n >>= 1)
		l++;
	return l;
}

/* cairn_object_each: the ids it gives, in order. */
struct each_seen {
	struct cairn_oid *v;
	size_t n, cap;
	size_t stop_at;		/* stop after this many; 0: never */
};

static int
each_collect(void *arg, const struct cairn_oid *id)
{
	struct each_seen *s = arg;

	if (s->n == s->cap) {
		s->cap = s->cap * 2 + 64;
		if ((s->v = realloc(s->v, s->cap * sizeof(*s->v))) == NULL)
			bail_out("out of memory");
	}
	s->v[s->n++] = *id;
	return s->stop_at != 0 && s->n == s->stop_at;
}

static int
oid_sort_cmp(const void *a, const void *b)
{
	return cairn_oid_cmp(a, b);
}

/*
 * Every object once, in id order, unflushed, flushed and reopened, with
 * objects stored twice and objects in both the WAL and a segment; and a
 * nonzero return stops it.
 */
static void
test_each(const struct backend *be)
{
	struct model m = { 0 };
	struct each_seen s = { 0 };
	struct cairn_oid id, *want;
	char buf[128];
	size_t len, i, n;
	struct tr t;
	int phase, good;

	tr_open(&t, be);
	for (phase = 0; phase < 4; phase++) {
		const char *what = phase == 0 ? "unflushed" : phase == 1 ?
		    "flushed" : phase == 2 ? "flushed, then more" : "reopened";

		if (phase == 1 && (be->kind == MEMORY ||
		    !no_error(cairn_repo_flush(t.r), "%s: flush", be->name)))
			break;
		if (phase == 3 && !tr_reopen(&t, 0))
			break;
		/* Phase 2 stores 100 objects again, and 200 new ones. */
		if (phase != 1 && phase != 3) {
			no_error(cairn_batch_begin(t.r), "%s: begin", be->name);
			for (n = 0; n < 300; n++) {
				if (phase == 2 && n < 100) {
					no_error(cairn_batch_add(t.r,
					    CAIRN_OBJ_BLOB, m.o[n].data,
					    m.o[n].len, &id), "%s: add again",
					    be->name);
					continue;
				}
				len = small_content(buf, sizeof(buf), "each",
				    (unsigned)n);
				no_error(cairn_batch_add(t.r, CAIRN_OBJ_BLOB,
				    buf, len, &id), "%s: add", be->name);
				model_add(&m, &id, CAIRN_OBJ_BLOB, buf, len);
			}
			no_error(cairn_batch_commit(t.r), "%s: commit",
			    be->name);
		}
		s.n = 0;
		s.stop_at = 0;
		no_error(cairn_object_each(t.r, each_collect, &s),
		    "%s: each, %s", be->name, what);
		want = xmalloc((m.n + 1) * sizeof(*want));
		for (i = 0; i < m.n; i++)
			want[i] = m.o[i].id;
		qsort(want, m.n, sizeof(*want), oid_sort_cmp);
		good = s.n == m.n;
		for (i = 0; good && i < m.n; i++)
			good = cairn_oid_eq(&want[i], &s.v[i]);
		ok(good, "%s: each, %s: %zu objects once each in id order "
		    "(got %zu)", be->name, what, m.n, s.n);
		free(want);
		s.n = 0;
		s.stop_at = 7;
		no_error(cairn_object_each(t.r, each_collect, &s),
		    "%s: each stopped", be->name);
		ok(s.n == 7, "%s: each, %s: a nonzero return stops it",
		    be->name, what);
	}
	free(s.v);
	model_free(&m);
	tr_close(&t);
}

static void
test_flushes(const struct backend *be)
{
	struct model m = { 0 };
	struct cairn_oid id;
	struct cairn_repo_stats st = CAIRN_REPO_STATS_INIT;
	char buf[128];
	size_t len;
	unsigned f, i, maxseg = 0, bad_seg = 0, bad_read = 0, merged = 0;
	struct tr t;
	const unsigned flushes = 40;

	if (be->kind == MEMORY) {
		tr_open(&t, be);
		no_error(cairn_repo_flush(t.r), "%s: flush is a no-op", be->name);
		tr_close(&t);
		return;
	}
	tr_open(&t, be);
	for (f = 1; f <= flushes; f++) {
		/* Uneven batch sizes so segments differ. */
		unsigned count = 5 + (f * 7) % 23;

		no_error(cairn_batch_begin(t.r), "%s: flush %u: begin",
		    be->name, f);
		for (i = 0; i < count; i++) {
			len = small_content(buf, sizeof(buf), "flush",
			    f * 100 + i);
			if (cairn_batch_add(t.r, CAIRN_OBJ_BLOB, buf, len,
			    &id) == NULL)
				model_add(&m, &id, CAIRN_OBJ_BLOB, buf, len);
		}
		/* One already indexed object again: a touch. */
		if (m.n > count)
			cairn_batch_add(t.r, CAIRN_OBJ_BLOB, m.o[0].data,
			    m.o[0].len, &id);
		if (cairn_batch_commit(t.r) != NULL)
			bad_read++;
		if (cairn_repo_flush(t.r) != NULL)
			bad_read++;
		st = stats_of(t.r);
		if (st.index_segments > (uint64_t)ilog2(f) + 2) {
			if (bad_seg++ < 3)
				diag("after flush %u: %" PRIu64 " segments", f,
				    st.index_segments);
		}
		if (st.index_segments > maxseg)
			maxseg = (unsigned)st.index_segments;
		if (st.index_segments < f)
			merged = 1;
		if (st.objects != m.n || st.indexed_objects != m.n ||
		    st.wal_records != 0) {
			if (bad_read++ < 3)
				diag("after flush %u: objects %" PRIu64
				    " indexed %" PRIu64 " wal %" PRIu64
				    ", want %zu", f, st.objects,
				    st.indexed_objects, st.wal_records, m.n);
		}
		for (i = 0; i < m.n; i++)
			if (check_obj(t.r, &m.o[i], i % 5 == 0) != NULL) {
				if (bad_read++ < 3)
					diag("after flush %u: object %u "
					    "unreadable", f, i);
			}
		if (f % 4 == 0) {
			tr_reopen(&t, f % 8 == 0 ? CAIRN_OPEN_READ_ONLY : 0);
			for (i = 0; i < m.n; i++)
				if (check_obj(t.r, &m.o[i], 1) != NULL) {
					if (bad_read++ < 3)
						diag("after flush %u and "
						    "reopen: object %u "
						    "unreadable", f, i);
				}
			tr_reopen(&t, 0);
		}
	}
	is_uint(bad_read, 0, "%s: every object readable after each of %u "
	    "flushes", be->name, flushes);
	is_uint(bad_seg, 0, "%s: segments stay within log2(flushes) + 2 "
	    "(at most %u seen)", be->name, maxseg);
	ok(merged, "%s: segments were merged", be->name);
	/* A flush with nothing to do changes nothing. */
	st = stats_of(t.r);
	no_error(cairn_repo_flush(t.r), "%s: empty flush", be->name);
	is_uint(stats_of(t.r).index_segments, st.index_segments,
	    "%s: empty flush adds no segment", be->name);
	tr_reopen(&t, 0);
	verify_model(t.r, &m, 1, "after many flushes and a reopen");
	tr_close(&t);
	model_free(&m);
}

/* ---- several handles ---- */

static void
test_handles(const struct backend *be)
{
	const struct cairn_error *err;
	struct cairn_repo *b = NULL, *c = NULL;
	struct model m = { 0 };
	struct cairn_oid x, y, z, w;
	const size_t bigsz = (1 << 20) + 1;
	unsigned char *big;
	struct tr t;
	char buf[128];
	size_t len;

	if (be->kind == MEMORY)
		return;
	tr_open(&t, be);
	len = small_content(buf, sizeof(buf), "first", 0);
	no_error(cairn_object_put(t.r, CAIRN_OBJ_BLOB, buf, len,
	    &x), "%s: put x",
	    be->name);
	model_add(&m, &x, CAIRN_OBJ_BLOB, buf, len);
	no_error(cairn_repo_flush(t.r), "%s: flush x into a segment", be->name);
	big = xmalloc(bigsz);
	rng_fill(big, bigsz);
	no_error(put_stream(t.r, &z, CAIRN_OBJ_BLOB, big, bigsz,
	    (int64_t)bigsz, 0), "%s: put a big object", be->name);
	model_add(&m, &z, CAIRN_OBJ_BLOB, big, bigsz);
	free(big);
	no_error(cairn_repo_open(t.path, CAIRN_OPEN_READ_ONLY, &b),
	    "%s: open a reader", be->name);
	if (b == NULL)
		bail_out("no reader");
	verify_model(b, &m, 1, "reader sees committed x");

	/* A committed object becomes visible to a reopened reader. */
	len = small_content(buf, sizeof(buf), "second", 0);
	no_error(cairn_object_put(t.r, CAIRN_OBJ_BLOB, buf, len,
	    &y), "%s: put y",
	    be->name);
	model_add(&m, &y, CAIRN_OBJ_BLOB, buf, len);
		cairn_repo_close(b);
	no_error(cairn_repo_open(t.path, CAIRN_OPEN_READ_ONLY, &b),
	    "%s: reopen the reader", be->name);
	verify_model(b, &m, 1, "reopened reader sees committed y");

	/* Uncommitted objects are invisible to other handles. */
	no_error(cairn_batch_begin(t.r), "%s: begin", be->name);
	len = small_content(buf, sizeof(buf), "pending", 0);
	no_error(cairn_batch_add(t.r, CAIRN_OBJ_BLOB, buf, len, &z),
	    "%s: add z", be->name);
	cairn_repo_close(b);
	no_error(cairn_repo_open(t.path, CAIRN_OPEN_READ_ONLY, &b),
	    "%s: reopen the reader during a batch", be->name);
	is_error(cairn_object_exists(b, &z), CAIRN_ERR_NOT_FOUND,
	    "%s: an uncommitted object is invisible to others", be->name);
	/* A second writer times out on the lock. */
	no_error(cairn_repo_open(t.path, 0, &c), "%s: open a second writer",
	    be->name);
	if (c == NULL)
		bail_out("no second writer");
	no_error(cairn_batch_commit(t.r), "%s: commit z", be->name);
	model_add(&m, &z, CAIRN_OBJ_BLOB, buf, len);
	no_error(cairn_repo_config_set(c, "core.lockTimeout", "50"),
	    "%s: set a short lock timeout", be->name);
	cairn_repo_close(c);
	no_error(cairn_repo_open(t.path, 0, &c), "%s: reopen the second "
	    "writer", be->name);
	no_error(cairn_batch_begin(t.r), "%s: first writer takes the lock",
	    be->name);
	if (be->kind == RADOS) {
		/* Writers share no lock there: both go on. */
		no_error(cairn_object_put(c, CAIRN_OBJ_BLOB, "w", 1, &w),
		    "%s: a second writer stores during the first's batch",
		    be->name);
		model_add(&m, &w, CAIRN_OBJ_BLOB, "w", 1);
		no_error(cairn_repo_flush(c), "%s: and flushes", be->name);
	} else {
		is_error(cairn_object_put(c, CAIRN_OBJ_BLOB, "w", 1,
		    &w), CAIRN_ERR_LOCKED,
		    "%s: second writer gives up on the lock", be->name);
		is_error(cairn_repo_flush(c), CAIRN_ERR_LOCKED,
		    "%s: so does its flush", be->name);
	}
	cairn_batch_abort(t.r);

	/* The second writer's objects reach the first at its next batch. */
	len = small_content(buf, sizeof(buf), "from c", 0);
	no_error(cairn_object_put(c, CAIRN_OBJ_BLOB, buf, len,
	    &w), "%s: second "
	    "writer puts w", be->name);
	model_add(&m, &w, CAIRN_OBJ_BLOB, buf, len);
	verify_model(c, &m, 1, "second writer sees everything");
	no_error(cairn_object_put(t.r, CAIRN_OBJ_BLOB, "again", 5, &x),
	    "%s: first writer puts again", be->name);
	model_add(&m, &x, CAIRN_OBJ_BLOB, "again", 5);
	verify_model(t.r, &m, 1, "first writer sees the second's objects "
	    "after taking the lock");
	ok(stat_objects(t.r) == m.n, "%s: count includes the other writer's",
	    be->name);

	/*
	 * A flush by one writer, merging the segment the reader mapped; the
	 * reader still reads what it knew (x, y and the big object).
	 */
	no_error(cairn_repo_flush(t.r), "%s: flush by the first writer", be->name);
	{
		struct model known = { 0 };
		size_t i;

		for (i = 0; i < 3; i++)
			model_add(&known, &m.o[i].id, m.o[i].type,
			    m.o[i].data, m.o[i].len);
		verify_model(b, &known, 1, "old reader reads its objects "
		    "after another handle flushed");
		model_free(&known);
	}
	len = small_content(buf, sizeof(buf), "after flush", 0);
	no_error(cairn_object_put(c, CAIRN_OBJ_BLOB, buf, len,
	    &w), "%s: second "
	    "writer puts after the first flushed", be->name);
	model_add(&m, &w, CAIRN_OBJ_BLOB, buf, len);
	no_error(cairn_repo_flush(c), "%s: second writer flushes", be->name);
	len = small_content(buf, sizeof(buf), "after both", 0);
	no_error(cairn_object_put(t.r, CAIRN_OBJ_BLOB, buf, len, &w),
	    "%s: first writer puts after the second flushed", be->name);
	model_add(&m, &w, CAIRN_OBJ_BLOB, buf, len);
	verify_model(t.r, &m, 1, "first writer after both flushed");
	cairn_repo_close(b);
	err = cairn_repo_open(t.path, CAIRN_OPEN_READ_ONLY, &b);
	no_error(err, "%s: reopen the reader at the end", be->name);
	if (err == NULL)
		verify_model(b, &m, 1, "reader reopened at the end");
	is_uint(stat_objects(b), m.n, "%s: reader's count", be->name);
	cairn_repo_close(b);
	cairn_repo_close(c);
	tr_close(&t);
	model_free(&m);
}

/* ---- read-only ---- */

static void
test_read_only(const struct backend *be)
{
	struct cairn_repo *r = NULL;
	struct cairn_oid id;
	struct model m = { 0 };
	struct stat s1, s2;
	char man[4200];
	struct tr t;

	if (be->kind == MEMORY) {
		no_error(cairn_repo_open(NULL,
		    CAIRN_OPEN_MEMORY | CAIRN_OPEN_READ_ONLY,
		    &r), "%s: open read-only", be->name);
		if (r == NULL)
			return;
		is_error(cairn_object_put(r, CAIRN_OBJ_BLOB, "x", 1, &id),
		    CAIRN_ERR_READ_ONLY, "%s: put read-only", be->name);
		is_error(cairn_batch_begin(r), CAIRN_ERR_READ_ONLY,
		    "%s: begin read-only", be->name);
		is_error(cairn_repo_flush(r), CAIRN_ERR_READ_ONLY,
		    "%s: flush read-only", be->name);
		cairn_repo_close(r);
		return;
	}
	tr_open(&t, be);
	no_error(cairn_object_put(t.r, CAIRN_OBJ_BLOB, "kept", 4,
	    &id), "%s: put",
	    be->name);
	model_add(&m, &id, CAIRN_OBJ_BLOB, "kept", 4);
	tr_reopen(&t, CAIRN_OPEN_READ_ONLY);
	snprintf(man, sizeof(man), "%s/manifest", t.path);
	stat(man, &s1);
	is_error(cairn_object_put(t.r, CAIRN_OBJ_BLOB, "x", 1, &id),
	    CAIRN_ERR_READ_ONLY, "%s: put read-only", be->name);
	is_error(cairn_object_put(t.r, CAIRN_OBJ_BLOB, "kept", 4, &id),
	    CAIRN_ERR_READ_ONLY, "%s: put of an existing object read-only",
	    be->name);
	is_error(cairn_batch_begin(t.r), CAIRN_ERR_READ_ONLY,
	    "%s: begin read-only", be->name);
	is_error(cairn_batch_add(t.r, CAIRN_OBJ_BLOB, "x", 1, &id),
	    CAIRN_ERR_READ_ONLY, "%s: add without a batch read-only",
	    be->name);
	is_error(cairn_repo_flush(t.r), CAIRN_ERR_READ_ONLY, "%s: flush read-only",
	    be->name);
	is_error(cairn_repo_config_set(t.r, "core.compression", "5"),
	    CAIRN_ERR_READ_ONLY, "%s: config update read-only", be->name);
	verify_model(t.r, &m, 1, "read-only handle reads");
	stat(man, &s2);
	if (be->kind == RADOS)
		skip(1, "%s: no manifest file", be->name);
	else
		ok(s1.st_ino == s2.st_ino && s1.st_mtime == s2.st_mtime,
		    "%s: the manifest is untouched", be->name);
	/* Read-only open of a directory that is no repository. */
	{
		char p[4200];

		snprintf(p, sizeof(p), "%s/tmp", t.path);
		is_error(cairn_repo_open(p, CAIRN_OPEN_READ_ONLY, &r),
		    CAIRN_ERR_NOT_REPO, "%s: open a non-repository", be->name);
		snprintf(p, sizeof(p), "%s/nonexistent", t.path);
		is_error(cairn_repo_open(p, 0, &r), CAIRN_ERR_NOT_REPO,
		    "%s: open a missing directory", be->name);
		ok(cairn_repo_init(t.path, NULL) != NULL, "%s: init over a "
		    "repository fails", be->name);
	}
	tr_close(&t);
	model_free(&m);
}

/* ---- write amplification ---- */

static int
proc_write_bytes(uint64_t *out)
{
	FILE *f = fopen("/proc/self/io", "r");
	char line[256];
	int found = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "write_bytes: %" SCNu64, out) == 1)
			found = 1;
	fclose(f);
	return found;
}

static void
test_write_amp(void)
{
	const size_t size = (size_t)64 << 20;
	static const struct backend be = { "disk sha256", DISK,
	    CAIRN_HASH_SHA256, 0, 0 };
	struct cairn_repo_stats s1, s2;
	struct cairn_oid id, want;
	unsigned char *p, *got = NULL;
	uint64_t w1 = 0, w2 = 0, grown;
	size_t len = 0;
	struct tr t;
	enum cairn_otype type;
	int have;

	tr_open(&t, &be);
	p = xmalloc(size);
	rng_fill(p, size);
	cairn_hash_object(be.algo, CAIRN_OBJ_BLOB, p, size, &want);
	s1 = stats_of(t.r);
	have = proc_write_bytes(&w1);
	no_error(put_stream(t.r, &id, CAIRN_OBJ_BLOB, p, size, (int64_t)size,
	    0), "write amplification: stream 64 MiB");
	have = have && proc_write_bytes(&w2);
	s2 = stats_of(t.r);
	ok(cairn_oid_eq(&id, &want), "write amplification: id");
	grown = s2.data_bytes - s1.data_bytes;
	ok(grown >= size && grown < size + 4096, "write amplification: the "
	    "data file grew by %" PRIu64 " bytes", grown);
	if (!have || w2 == w1)
		skip(1, "write amplification: /proc/self/io write_bytes is "
		    "not accounted here");
	else
		ok((double)(w2 - w1) <= 1.1 * (double)grown,
		    "write amplification: %" PRIu64 " bytes written for %"
		    PRIu64 " stored (%.3fx)", w2 - w1, grown,
		    (double)(w2 - w1) / (double)grown);
	ok(cairn_object_get(t.r, &id, 0, &type, &got, &len) == NULL &&
	    len == size && memcmp(got, p, size) == 0,
	    "write amplification: 64 MiB reads back");
	free(got);
	tr_close(&t);
	free(p);
}

/*
 * One handle closed, another opened (likely at the same address): a
 * lookup through the new one must not reuse where the old one found the
 * same id.  Two repositories hold the same object at different offsets.
 */
static void
test_reopen_other(void)
{
	char a[1100], b[1100];
	struct cairn_repo *r;
	struct cairn_oid id, pad;
	unsigned char *data = NULL;
	size_t len = 0, i;
	enum cairn_otype type;

	new_repo_path(a, sizeof(a));
	new_repo_path(b, sizeof(b));
	if (cairn_repo_init(a, NULL) != NULL || cairn_repo_init(b, NULL) != NULL)
		bail_out("init %s, %s", a, b);
	if (cairn_repo_open(b, 0, &r) != NULL ||
	    cairn_object_put(r, CAIRN_OBJ_BLOB, "padding first", 13,
	        &pad) != NULL)
		bail_out("put in %s", b);
	cairn_repo_close(r);
	for (i = 0; i < 2; i++) {
		if (cairn_repo_open(i ? b : a, 0, &r) != NULL ||
		    cairn_object_put(r, CAIRN_OBJ_BLOB, "same", 4,
		        &id) != NULL ||
		    cairn_repo_flush(r) != NULL)
			bail_out("put and flush");
		cairn_repo_close(r);
	}
	for (i = 0; i < 4; i++) {
		if (cairn_repo_open(i % 2 ? b : a, 0, &r) != NULL)
			bail_out("open");
		ok(cairn_object_get(r, &id, 0, &type, &data, &len) == NULL &&
		    len == 4 && memcmp(data, "same", 4) == 0, "reopen: a "
		    "handle on %s after one on %s finds the object",
		    i % 2 ? "b" : "a", i % 2 ? "a" : "b");
		free(data);
		data = NULL;
		cairn_repo_close(r);
	}
}

int
main(void)
{
	size_t i;

	make_base();
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		const char *pool = getenv("CAIRN_TEST_RADOS_POOL");

		/* One or the other: t0100-rados.sh runs the RADOS ones. */
		if ((backends[i].kind == RADOS) != (pool != NULL &&
		    *pool != '\0'))
			continue;
		diag("backend: %s", backends[i].name);
		test_roundtrip(&backends[i]);
		test_dedup(&backends[i]);
		test_batches(&backends[i]);
		test_resolve(&backends[i]);
		test_each(&backends[i]);
		test_flushes(&backends[i]);
		test_handles(&backends[i]);
		test_read_only(&backends[i]);
	}
	if (getenv("CAIRN_TEST_RADOS_POOL") == NULL) {
		test_write_amp();
		test_reopen_other();
	}
	if (tap_state()->failed == 0)
		rm_rf(base_dir);
	else
		diag("scratch kept in %s", base_dir);
	return done_testing();
}
