/*
 * transfer.c: the object stream (transfer.h), and the walks that choose
 * what it carries.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "transfer.h"

/* Objects larger than this are streamed, never held whole. */
#define BIG_OBJECT	((uint64_t)64 << 20)
/* A batch is committed after this many objects or bytes. */
#define BATCH_OBJECTS	50000
#define BATCH_BYTES	((uint64_t)64 << 20)
/* The record header: type, size, and the longest id. */
#define HDR_MAX		(1 + 8 + CAIRN_OID_MAX)

const struct cairn_error *
xfer_ids_add(struct xfer_ids *s, const struct cairn_oid *id)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		struct cairn_oid *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return cairn_error_nomem();
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *id;
	return NULL;
}

void
xfer_ids_release(struct xfer_ids *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static void
out_write(struct xfer_out *o, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n > 0 && o->err == NULL) {
		ssize_t w = write(o->fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			o->err = cairn_error_sys(errno, "write");
		else {
			c += w;
			n -= (size_t)w;
		}
	}
}

void
xfer_put(struct xfer_out *o, const void *p, size_t n)
{
	if (o->err != NULL)
		return;
	if (o->h != NULL && (o->err = cairn_hasher_update(o->h, p, n)) != NULL)
		return;
	if (o->len + n > sizeof(o->buf)) {
		out_write(o, o->buf, o->len);
		o->len = 0;
	}
	if (n >= sizeof(o->buf))
		out_write(o, p, n);
	else {
		memcpy(o->buf + o->len, p, n);
		o->len += n;
	}
}

const struct cairn_error *
xfer_flush(struct xfer_out *o)
{
	out_write(o, o->buf, o->len);
	o->len = 0;
	return o->err;
}

const struct cairn_error *
xfer_read_full(struct cmd_input *in, void *buf, size_t n,
    struct cairn_hasher *h, const char *what)
{
	unsigned char *p = buf;
	size_t got = 0;
	long r;

	while (got < n) {
		if ((r = cmd_input_read(in, p + got, n - got)) < 0)
			return cairn_error_sys(in->err, "read %s", what);
		if (r == 0)
			return cairn_error_new(CAIRN_ERR_CORRUPT,
			    "%s is truncated", what);
		got += (size_t)r;
	}
	return h != NULL ? cairn_hasher_update(h, buf, n) : NULL;
}

static void
put_u64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t
get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Collecting the ids a walk lists: commits, tags, and the rest. */
struct collect {
	struct xfer_ids *ids;		/* xfer_ref_tips: everything here */
	struct xfer_ids part[3];
	const struct cairn_error *err;
};

static int
collect_commit(void *arg, const struct cairn_oid *id,
    const unsigned char *data, size_t len)
{
	struct collect *c = arg;

	(void)data;
	(void)len;
	return (c->err = xfer_ids_add(&c->part[0], id)) != NULL;
}

static int
collect_object(void *arg, const struct cairn_oid *id, enum cairn_otype type,
    const char *path)
{
	struct collect *c = arg;

	(void)path;
	return (c->err = xfer_ids_add(&c->part[type == CAIRN_OBJ_TAG ? 1 : 2],
	    id)) != NULL;
}

/* The commits of ids (tags peeled to them); the rest is dropped. */
static const struct cairn_error *
commits_of(struct cairn_repo *repo, const struct cairn_oid *ids, size_t n,
    struct xfer_ids *out)
{
	const struct cairn_error *err;
	char rev[CAIRN_OID_HEXMAX + 16];
	struct cairn_oid c;
	size_t i;

	for (i = 0; i < n; i++) {
		cairn_oid_fmt(&ids[i], rev);
		strcat(rev, "^{commit}");
		if (cairn_object_exists(repo, &ids[i]) != NULL ||
		    cairn_rev_resolve(repo, rev, &c) != NULL)
			continue;
		if ((err = xfer_ids_add(out, &c)) != NULL)
			return err;
	}
	return NULL;
}

/* A walk over tips hiding hide, each object listed passed to fn. */
static const struct cairn_error *
walk(struct cairn_repo *repo, const struct cairn_oid *tips, size_t ntips,
    const struct cairn_oid *hide, size_t nhide, cairn_log_fn commit,
    cairn_walk_object_fn object, void *arg)
{
	struct cairn_walk_opts w = CAIRN_WALK_OPTS_INIT;
	struct xfer_ids hidden = { 0 };
	const struct cairn_error *err;

	if (ntips == 0)
		return NULL;
	if ((err = commits_of(repo, hide, nhide, &hidden)) != NULL) {
		xfer_ids_release(&hidden);
		return err;
	}
	w.starts = tips;
	w.nstarts = ntips;
	w.hide = hidden.v;
	w.nhide = hidden.n;
	w.flags = CAIRN_WALK_OBJECTS;
	w.commit = commit;
	w.object = object;
	w.arg = arg;
	err = cairn_rev_walk(repo, &w);
	xfer_ids_release(&hidden);
	return err;
}

const struct cairn_error *
xfer_collect(struct cairn_repo *repo, const struct cairn_oid *tips,
    size_t ntips, const struct cairn_oid *hide, size_t nhide,
    struct xfer_ids *out)
{
	static const int order[3] = { 2, 0, 1 };
	struct collect c = { 0 };
	const struct cairn_error *err;
	size_t i, k;

	err = walk(repo, tips, ntips, hide, nhide, collect_commit,
	    collect_object, &c);
	if (c.err != NULL)
		err = c.err;
	/*
	 * Each object after what it names: a walk lists a tree before its
	 * entries and a commit before its parents, so each list is taken
	 * backwards, trees and blobs first, then commits, then tags.  A
	 * transfer cut short then leaves whole objects only: everything
	 * what it kept names is there too.
	 */
	for (k = 0; err == NULL && k < 3; k++)
		for (i = c.part[order[k]].n; err == NULL && i > 0; i--)
			err = xfer_ids_add(out, &c.part[order[k]].v[i - 1]);
	for (k = 0; k < 3; k++)
		xfer_ids_release(&c.part[k]);
	return err;
}

const struct cairn_error *
xfer_missing(struct cairn_repo *repo, const struct xfer_ids *ids,
    unsigned char *need)
{
	const struct cairn_error *err;
	size_t i;

	memset(need, 0, (ids->n + 7) / 8);
	for (i = 0; i < ids->n; i++) {
		err = cairn_object_exists(repo, &ids->v[i]);
		if (err != NULL && err->code != CAIRN_ERR_NOT_FOUND)
			return err;
		if (err != NULL)
			need[i / 8] |= (unsigned char)(1u << (i % 8));
	}
	return NULL;
}

static void
put_header(struct xfer_out *o, unsigned type, uint64_t size,
    const struct cairn_oid *id)
{
	unsigned char hdr[HDR_MAX];

	hdr[0] = (unsigned char)type;
	put_u64(hdr + 1, size);
	if (id != NULL)
		memcpy(hdr + 9, id->hash, id->len);
	xfer_put(o, hdr, 9 + (id ? id->len : 0));
}

static const struct cairn_error *
stream_sink(void *arg, const void *data, size_t len)
{
	struct xfer_out *o = arg;

	xfer_put(o, data, len);
	return o->err;
}

/*
 * Sending: every object after those it names that are sent too, so that
 * any prefix of the stream (what a receiver keeps of a transfer cut
 * short) holds whole objects only.  Blobs go first, then trees, each
 * after its subtrees (a walk from each tree down, reading each tree
 * once), then commits (oldest first, as xfer_collect lists them), then
 * tags.
 */
struct sendset {
	struct cairn_repo *repo;
	const struct xfer_ids *ids;
	struct xfer_out *o;
	unsigned char *type;	/* of each object to send, else 0 */
	uint64_t *size;
	unsigned char *state;	/* 0 to send, 1 on the tree stack, 2 sent */
	size_t *trees;		/* indices of the trees to send, by id */
	size_t ntrees;
	uint64_t count;
	uint64_t bytes;		/* of content sent */
	uint64_t total, total_bytes;	/* to send */
};

/* Send object i: data (its content) if not NULL, else read. */
static const struct cairn_error *
send_one(struct sendset *s, size_t i, const unsigned char *data)
{
	const struct cairn_oid *id = &s->ids->v[i];
	const struct cairn_error *err = NULL;
	enum cairn_otype type;
	unsigned char *buf;
	size_t len;

	put_header(s->o, s->type[i], s->size[i], id);
	if (data != NULL)
		xfer_put(s->o, data, (size_t)s->size[i]);
	else if (s->size[i] > BIG_OBJECT)
		err = cairn_object_get_stream(s->repo, id, CAIRN_GET_NO_VERIFY,
		    stream_sink, s->o);
	else if ((err = cairn_object_get(s->repo, id, CAIRN_GET_NO_VERIFY,
	    &type, &buf, &len)) == NULL) {
		if (len != s->size[i])
			err = cairn_error_new(CAIRN_ERR_CORRUPT, "object %s "
			    "changed size as it was read", cairn_oid_fmt(id,
			    (char [CAIRN_OID_HEXMAX + 1]){ 0 }));
		else
			xfer_put(s->o, buf, len);
		free(buf);
	}
	s->state[i] = 2;
	s->count++;
	s->bytes += s->size[i];
	if (s->o->meter != NULL)
		cmd_meter_update(s->o->meter, s->count, s->total, s->bytes,
		    s->total_bytes);
	return err != NULL ? err : s->o->err;
}

static const struct sendset *sort_set;

static int
tree_cmp(const void *a, const void *b)
{
	const struct cairn_oid *x = &sort_set->ids->v[*(const size_t *)a];
	const struct cairn_oid *y = &sort_set->ids->v[*(const size_t *)b];

	return memcmp(x->hash, y->hash, x->len);
}

/* The index of the tree to send whose raw id is at raw, or SIZE_MAX. */
static size_t
tree_index(const struct sendset *s, const unsigned char *raw, size_t idlen)
{
	size_t lo = 0, hi = s->ntrees, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(s->ids->v[s->trees[mid]].hash, raw, idlen);
		if (c == 0)
			return s->trees[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

struct frame {
	size_t idx;
	unsigned char *data;
	size_t pos;
};

/* The next subtree of f still to send, or SIZE_MAX; f->pos moves on. */
static size_t
next_subtree(const struct sendset *s, struct frame *f)
{
	size_t len = (size_t)s->size[f->idx];
	size_t idlen = s->ids->v[f->idx].len, k;
	const unsigned char *p, *sp, *nul;
	int is_tree;

	while (f->pos < len) {
		p = f->data + f->pos;
		if ((sp = memchr(p, ' ', len - f->pos)) == NULL ||
		    (nul = memchr(sp, '\0', len - (size_t)(sp - f->data))) ==
		    NULL || (size_t)(nul + 1 - f->data) + idlen > len) {
			/* Malformed: the receiver will say so. */
			f->pos = len;
			break;
		}
		is_tree = sp - p == 5 && memcmp(p, "40000", 5) == 0;
		f->pos = (size_t)(nul + 1 - f->data) + idlen;
		if (is_tree && (k = tree_index(s, nul + 1, idlen)) !=
		    SIZE_MAX && s->state[k] == 0)
			return k;
	}
	return SIZE_MAX;
}

/* Send tree i after every subtree of it still to send. */
static const struct cairn_error *
send_tree(struct sendset *s, size_t i)
{
	const struct cairn_error *err = NULL;
	struct frame *st = NULL, *f;
	enum cairn_otype type;
	size_t n = 0, cap = 0, len, k;

	for (k = i; err == NULL; ) {
		if (k != SIZE_MAX) {
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				if ((f = realloc(st, cap * sizeof(*f))) ==
				    NULL) {
					err = cairn_error_nomem();
					break;
				}
				st = f;
			}
			f = &st[n];
			if ((err = cairn_object_get(s->repo, &s->ids->v[k],
			    CAIRN_GET_NO_VERIFY, &type, &f->data, &len)) !=
			    NULL)
				break;
			if (len != s->size[k]) {
				free(f->data);
				err = cairn_error_new(CAIRN_ERR_CORRUPT,
				    "object %s changed size as it was read",
				    cairn_oid_fmt(&s->ids->v[k], (char [
				    CAIRN_OID_HEXMAX + 1]){ 0 }));
				break;
			}
			f->idx = k;
			f->pos = 0;
			s->state[k] = 1;
			n++;
		}
		if (n == 0)
			break;
		f = &st[n - 1];
		if ((k = next_subtree(s, f)) != SIZE_MAX)
			continue;
		err = send_one(s, f->idx, f->data);
		free(f->data);
		n--;
	}
	while (n > 0)
		free(st[--n].data);
	free(st);
	return err;
}

const struct cairn_error *
xfer_send(struct cairn_repo *repo, const struct xfer_ids *ids,
    const unsigned char *need, struct xfer_out *o)
{
	static const enum cairn_otype pass[] = { CAIRN_OBJ_BLOB,
	    CAIRN_OBJ_TREE, CAIRN_OBJ_COMMIT, CAIRN_OBJ_TAG };
	const struct cairn_error *err = NULL;
	struct sendset s = { repo, ids, o, NULL, NULL, NULL, NULL, 0, 0, 0, 0,
	    0 };
	enum cairn_otype type;
	size_t i, p, n = ids->n;

	if ((s.type = calloc(n + 1, 1)) == NULL ||
	    (s.state = calloc(n + 1, 1)) == NULL ||
	    (s.size = calloc(n + 1, sizeof(*s.size))) == NULL ||
	    (s.trees = calloc(n + 1, sizeof(*s.trees))) == NULL)
		err = cairn_error_nomem();
	for (i = 0; err == NULL && i < n; i++) {
		if (need != NULL && !(need[i / 8] & (1u << (i % 8))))
			continue;
		if ((err = cairn_object_stat(repo, &ids->v[i], &type,
		    &s.size[i])) != NULL)
			break;
		s.type[i] = (unsigned char)type;
		s.total++;
		s.total_bytes += s.size[i];
		if (type == CAIRN_OBJ_TREE)
			s.trees[s.ntrees++] = i;
	}
	if (err == NULL) {
		sort_set = &s;
		qsort(s.trees, s.ntrees, sizeof(*s.trees), tree_cmp);
	}
	for (p = 0; err == NULL && p < 4; p++)
		for (i = 0; err == NULL && i < n; i++) {
			if (s.type[i] != pass[p] || s.state[i] != 0)
				continue;
			err = pass[p] == CAIRN_OBJ_TREE ? send_tree(&s, i) :
			    send_one(&s, i, NULL);
		}
	free(s.type);
	free(s.state);
	free(s.size);
	free(s.trees);
	if (err != NULL)
		return err;
	put_header(o, XFER_END, s.count, NULL);
	return o->err;
}

void
xfer_send_error(struct xfer_out *o, const struct cairn_error *err)
{
	size_t n = strlen(err->msg);

	put_header(o, XFER_ERROR, n, NULL);
	xfer_put(o, err->msg, n);
	(void)xfer_flush(o);
}

/* Reading one large object's content for cairn_batch_add_stream. */
struct big_src {
	struct cmd_input *in;
	struct cairn_hasher *h;
	uint64_t left;
	const struct cairn_error *err;
};

static ssize_t
big_read(void *arg, void *buf, size_t len)
{
	struct big_src *s = arg;

	if (len > s->left)
		len = (size_t)s->left;
	if (len == 0)
		return 0;
	if ((s->err = xfer_read_full(s->in, buf, len, s->h,
	    "object stream")) != NULL) {
		errno = EIO;
		return -1;
	}
	s->left -= len;
	return (ssize_t)len;
}

static const struct cairn_error *
mismatch(const struct cairn_oid *claim, const struct cairn_oid *got)
{
	char a[CAIRN_OID_HEXMAX + 1], b[CAIRN_OID_HEXMAX + 1];

	return cairn_error_new(CAIRN_ERR_CORRUPT, "object %s was received "
	    "with content that hashes to %s", cairn_oid_fmt(claim, a),
	    cairn_oid_fmt(got, b));
}

/* Check, without storing, that size bytes of in hash to claim. */
static const struct cairn_error *
check_only(enum cairn_hash_algo algo, struct cmd_input *in,
    struct cairn_hasher *h, enum cairn_otype type, uint64_t size,
    const struct cairn_oid *claim)
{
	struct cairn_hasher oh = { 0 };
	const struct cairn_error *err;
	unsigned char buf[65536];
	struct cairn_oid got;
	size_t n;

	if ((err = cairn_hasher_init_object(&oh, algo, type, size)) != NULL)
		return err;
	while (size > 0 && err == NULL) {
		n = size > sizeof(buf) ? sizeof(buf) : (size_t)size;
		if ((err = xfer_read_full(in, buf, n, h, "object stream")) ==
		    NULL)
			err = cairn_hasher_update(&oh, buf, n);
		size -= n;
	}
	if (err == NULL && (err = cairn_hasher_final(&oh, &got)) == NULL &&
	    !cairn_oid_eq(&got, claim))
		err = mismatch(claim, &got);
	cairn_hasher_release(&oh);
	return err;
}

/* Store one large object in a batch of its own. */
static const struct cairn_error *
store_big(struct cairn_repo *repo, struct cmd_input *in,
    struct cairn_hasher *h, enum cairn_otype type, uint64_t size,
    const struct cairn_oid *claim)
{
	struct big_src s = { in, h, size, NULL };
	const struct cairn_error *err;
	struct cairn_oid got;

	if ((err = cairn_batch_add_stream(repo, type, big_read, &s,
	    (int64_t)size, &got)) != NULL)
		return s.err != NULL ? s.err : err;
	if (!cairn_oid_eq(&got, claim))
		return mismatch(claim, &got);
	return NULL;
}

static const struct cairn_error *
stored(void *arg, const struct cairn_oid *id, uint64_t size)
{
	(void)arg;
	(void)id;
	(void)size;
	return NULL;
}

static int
type_ok(unsigned t)
{
	return t >= CAIRN_OBJ_BLOB && t <= CAIRN_OBJ_TAG;
}

/* Everything queued made durable, and the writer lock let go. */
static const struct cairn_error *
end_batch(struct cairn_repo *repo, struct cairn_ingest *ing, int *in_batch)
{
	const struct cairn_error *err;

	if (!*in_batch)
		return NULL;
	*in_batch = 0;
	if ((err = cairn_ingest_drain(ing)) != NULL) {
		cairn_batch_abort(repo);
		return err;
	}
	return cairn_batch_commit(repo);
}

/*
 * The receiving side's batch, and when it must end: the writer lock is
 * never held while the sender is awaited for long.
 */
struct recv {
	struct cairn_repo *repo;
	struct cairn_ingest *ing;
	int in_batch;
	int streaming;		/* a large object is being read into it */
	int fd;			/* the input's */
	time_t opened;
	const struct cairn_error *err;	/* ending it failed */
};

/*
 * cmd_input's before_wait: the input is empty.  Unless more comes
 * within a tenth of a second, and the batch has been open for under a
 * second, what is in the batch is made durable and the lock let go.
 */
static int
before_wait(void *arg)
{
	struct recv *r = arg;

	if (!r->in_batch || r->streaming)
		return 0;
	if (time(NULL) - r->opened < 1 && r->err == NULL) {
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		int k;

		while ((k = poll(&p, 1, 100)) < 0 && errno == EINTR)
			;
		if (k > 0)
			return 0;
	}
	if ((r->err = end_batch(r->repo, r->ing, &r->in_batch)) != NULL)
		return 1;
	return 0;
}

const struct cairn_error *
xfer_receive(struct cairn_repo *repo, enum cairn_hash_algo algo,
    struct cmd_input *in, struct cairn_hasher *h, uint64_t *count)
{
	return xfer_receive_metered(repo, algo, in, h, NULL, 0, count);
}

const struct cairn_error *
xfer_receive_metered(struct cairn_repo *repo, enum cairn_hash_algo algo,
    struct cmd_input *in, struct cairn_hasher *h, struct cmd_meter *meter,
    uint64_t expect, uint64_t *count)
{
	const struct cairn_error *err = NULL;
	size_t idlen = cairn_hash_len(algo);
	unsigned char hdr[HDR_MAX];
	uint64_t size, n = 0, batch_n = 0, batch_bytes = 0, bytes = 0;
	struct cairn_oid claim;
	struct recv r = { 0 };
	unsigned char *data;

	*count = 0;
	r.repo = repo;
	r.fd = in->fd;
	if (repo != NULL && (err = cairn_ingest_open(&r.ing, repo, stored,
	    NULL)) != NULL)
		return err;
	in->before_wait = before_wait;
	in->before_wait_arg = &r;
	for (;;) {
		if ((err = xfer_read_full(in, hdr, 9, h, "object stream")) !=
		    NULL)
			break;
		size = get_u64(hdr + 1);
		if (hdr[0] == XFER_END) {
			if (size != n)
				err = cairn_error_new(CAIRN_ERR_CORRUPT,
				    "object stream ends after %llu objects "
				    "but claims %llu", (unsigned long long)n,
				    (unsigned long long)size);
			break;
		}
		if (hdr[0] == XFER_ERROR) {
			char msg[512];
			size_t m = size < sizeof(msg) - 1 ? (size_t)size :
			    sizeof(msg) - 1;

			if ((err = xfer_read_full(in, msg, m, h,
			    "object stream")) == NULL) {
				msg[m] = '\0';
				err = cairn_error_new(CAIRN_ERR_CORRUPT,
				    "the sender failed: %s", msg);
			}
			break;
		}
		if (!type_ok(hdr[0])) {
			err = cairn_error_new(CAIRN_ERR_CORRUPT, "object "
			    "stream record %llu has an unknown type %u",
			    (unsigned long long)n + 1, hdr[0]);
			break;
		}
		if (size > (uint64_t)INT64_MAX) {
			err = cairn_error_new(CAIRN_ERR_CORRUPT, "object "
			    "stream record %llu claims %llu bytes",
			    (unsigned long long)n + 1,
			    (unsigned long long)size);
			break;
		}
		if ((err = xfer_read_full(in, hdr + 9, idlen, h,
		    "object stream")) != NULL)
			break;
		cairn_oid_set(hdr + 9, idlen, &claim);
		n++;
		if (repo == NULL) {
			if ((err = check_only(algo, in, h, hdr[0], size,
			    &claim)) != NULL)
				break;
			bytes += size;
			if (meter != NULL)
				cmd_meter_update(meter, n, expect, bytes, 0);
			continue;
		}
		if (size > BIG_OBJECT) {
			/* Everything before it first, then it alone. */
			if ((err = end_batch(repo, r.ing, &r.in_batch)) !=
			    NULL || (err = cairn_batch_begin(repo)) != NULL)
				break;
			r.in_batch = 1;
			r.opened = time(NULL);
			r.streaming = 1;
			err = store_big(repo, in, h, hdr[0], size, &claim);
			r.streaming = 0;
			if (err != NULL)
				break;
			batch_n = BATCH_OBJECTS;
		} else {
			if ((data = malloc(size ? (size_t)size : 1)) == NULL) {
				err = cairn_error_nomem();
				break;
			}
			if ((err = xfer_read_full(in, data, (size_t)size, h,
			    "object stream")) != NULL) {
				free(data);
				break;
			}
			if (!r.in_batch) {
				if ((err = cairn_batch_begin(repo)) != NULL) {
					free(data);
					break;
				}
				r.in_batch = 1;
				r.opened = time(NULL);
			}
			/* A content that hashes to another id is refused. */
			if ((err = cairn_ingest_add(r.ing, hdr[0], data,
			    (size_t)size, &claim)) != NULL)
				break;
			batch_n++;
			batch_bytes += size;
		}
		bytes += size;
		if (meter != NULL)
			cmd_meter_update(meter, n, expect, bytes, 0);
		/*
		 * What has come is made durable now and then, so that a
		 * transfer cut short is resumed where it stopped: after
		 * enough objects or bytes here, and in before_wait when the
		 * sender makes us wait.
		 */
		if (batch_n >= BATCH_OBJECTS || batch_bytes >= BATCH_BYTES) {
			if ((err = end_batch(repo, r.ing, &r.in_batch)) !=
			    NULL)
				break;
			batch_n = 0;
			batch_bytes = 0;
		}
	}
	in->before_wait = NULL;
	if (r.err != NULL)
		err = r.err;
	if (err == NULL && r.ing != NULL)
		err = end_batch(repo, r.ing, &r.in_batch);
	if (err != NULL && err->code == CAIRN_ERR_INVALID)
		/* The ingest's claim check, in the stream's terms. */
		err = cairn_error_relabel(err, CAIRN_ERR_CORRUPT, "%s",
		    err->msg);
	/*
	 * After a failure, what came whole before it is kept: every
	 * object in the batch was hashed, and a rerun need not send it.
	 */
	if (r.in_batch) {
		(void)cairn_ingest_drain(r.ing);
		(void)cairn_batch_commit(repo);
	}
	cairn_ingest_close(r.ing);
	*count = n;
	return err;
}

static int
add_tip(void *arg, const char *name, const struct cairn_oid *id)
{
	struct collect *c = arg;

	(void)name;
	return (c->err = xfer_ids_add(c->ids, id)) != NULL;
}

const struct cairn_error *
xfer_ref_tips(struct cairn_repo *repo, struct xfer_ids *out)
{
	struct collect c = { .ids = out };
	const struct cairn_error *err = cairn_ref_list(repo, NULL, add_tip,
	    &c);

	return c.err != NULL ? c.err : err;
}

/*
 * Each object a walk lists must be there, and be what the object that
 * names it says it is (a tree entry's mode, a tag's type line).
 */
static int
connected_object(void *arg, const struct cairn_oid *id,
    enum cairn_otype type, const char *path)
{
	void **a = arg;
	const struct cairn_error *err;
	char hex[CAIRN_OID_HEXMAX + 1];
	enum cairn_otype is;

	(void)path;
	if ((err = cairn_object_stat(a[0], id, &is, NULL)) == NULL &&
	    is != type)
		err = cairn_error_new(CAIRN_ERR_NOT_FOUND, "%s is named as a "
		    "%s but is a %s", cairn_oid_fmt(id, hex),
		    cairn_otype_name(type), cairn_otype_name(is));
	a[1] = (void *)err;
	return err != NULL;
}

const struct cairn_error *
xfer_connected(struct cairn_repo *repo, const struct cairn_oid *tips,
    size_t ntips, const struct cairn_oid *have, size_t nhave)
{
	const struct cairn_error *err;
	void *a[2] = { repo, NULL };
	size_t i;

	/* The tips themselves, so that a missing one is named. */
	for (i = 0; i < ntips; i++)
		if ((err = cairn_object_exists(repo, &tips[i])) != NULL)
			return err;
	err = walk(repo, tips, ntips, have, nhave, NULL, connected_object, a);
	if (err == NULL && a[1] != NULL)
		err = a[1];
	return err;
}
