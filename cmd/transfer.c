/*
 * transfer.c: the object stream (transfer.h), and the walks that choose
 * what it carries.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Collecting the ids a walk lists. */
struct collect {
	struct xfer_ids *ids;
	const struct cairn_error *err;
};

static int
collect_commit(void *arg, const struct cairn_oid *id,
    const unsigned char *data, size_t len)
{
	struct collect *c = arg;

	(void)data;
	(void)len;
	return (c->err = xfer_ids_add(c->ids, id)) != NULL;
}

static int
collect_object(void *arg, const struct cairn_oid *id, enum cairn_otype type,
    const char *path)
{
	(void)type;
	(void)path;
	return collect_commit(arg, id, NULL, 0);
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
	struct collect c = { out, NULL };
	const struct cairn_error *err;

	err = walk(repo, tips, ntips, hide, nhide, collect_commit,
	    collect_object, &c);
	return c.err != NULL ? c.err : err;
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

const struct cairn_error *
xfer_send(struct cairn_repo *repo, const struct xfer_ids *ids,
    const unsigned char *need, struct xfer_out *o)
{
	const struct cairn_error *err = NULL;
	enum cairn_otype type;
	unsigned char *data;
	uint64_t size, count = 0;
	size_t i, len;

	for (i = 0; i < ids->n && err == NULL; i++) {
		if (need != NULL && !(need[i / 8] & (1u << (i % 8))))
			continue;
		/* The receiver hashes every object: no need to here. */
		if ((err = cairn_object_stat(repo, &ids->v[i], &type,
		    &size)) != NULL)
			break;
		put_header(o, type, size, &ids->v[i]);
		if (size > BIG_OBJECT)
			err = cairn_object_get_stream(repo, &ids->v[i],
			    CAIRN_GET_NO_VERIFY, stream_sink, o);
		else if ((err = cairn_object_get(repo, &ids->v[i],
		    CAIRN_GET_NO_VERIFY, &type, &data, &len)) == NULL) {
			if (len != size)
				err = cairn_error_new(CAIRN_ERR_CORRUPT,
				    "object %s changed size as it was read",
				    cairn_oid_fmt(&ids->v[i], (char [
				    CAIRN_OID_HEXMAX + 1]){ 0 }));
			else
				xfer_put(o, data, len);
			free(data);
		}
		count++;
		if (err == NULL)
			err = o->err;
	}
	if (err != NULL)
		return err;
	put_header(o, XFER_END, count, NULL);
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

/*
 * Nonzero if in has nothing to read within a tenth of a second: the
 * sender is slow, and the lock should not be held while it is awaited.
 */
static int
input_stalls(struct cmd_input *in)
{
	struct pollfd p = { .fd = in->fd, .events = POLLIN };

	if (cmd_input_pending(in))
		return 0;
	while (poll(&p, 1, 100) < 0)
		if (errno != EINTR)
			return 1;
	return !(p.revents & (POLLIN | POLLHUP | POLLERR));
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

const struct cairn_error *
xfer_receive(struct cairn_repo *repo, enum cairn_hash_algo algo,
    struct cmd_input *in, struct cairn_hasher *h, uint64_t *count)
{
	const struct cairn_error *err = NULL;
	struct cairn_ingest *ing = NULL;
	size_t idlen = cairn_hash_len(algo);
	unsigned char hdr[HDR_MAX];
	uint64_t size, n = 0, batch_n = 0, batch_bytes = 0;
	struct cairn_oid claim;
	int in_batch = 0;
	unsigned char *data;

	*count = 0;
	if (repo != NULL && (err = cairn_ingest_open(&ing, repo, stored,
	    NULL)) != NULL)
		return err;
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
				err = cairn_error_new(CAIRN_ERR_IO,
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
		if ((err = xfer_read_full(in, hdr + 9, idlen, h,
		    "object stream")) != NULL)
			break;
		cairn_oid_set(hdr + 9, idlen, &claim);
		n++;
		if (repo == NULL) {
			if ((err = check_only(algo, in, h, hdr[0], size,
			    &claim)) != NULL)
				break;
			continue;
		}
		if (size > BIG_OBJECT) {
			/* Everything before it first, then it alone. */
			if ((err = end_batch(repo, ing, &in_batch)) != NULL ||
			    (err = cairn_batch_begin(repo)) != NULL)
				break;
			in_batch = 1;
			if ((err = store_big(repo, in, h, hdr[0], size,
			    &claim)) != NULL)
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
			if (!in_batch) {
				if ((err = cairn_batch_begin(repo)) != NULL) {
					free(data);
					break;
				}
				in_batch = 1;
			}
			/* A content that hashes to another id is refused. */
			if ((err = cairn_ingest_add(ing, hdr[0], data,
			    (size_t)size, &claim)) != NULL)
				break;
			batch_n++;
			batch_bytes += size;
		}
		/*
		 * What has come is made durable now and then, so that a
		 * transfer cut short is resumed where it stopped: after
		 * enough objects or bytes, or when the sender makes us wait
		 * (the writer lock is not held while it is awaited).
		 */
		if (batch_n >= BATCH_OBJECTS || batch_bytes >= BATCH_BYTES ||
		    input_stalls(in)) {
			if ((err = end_batch(repo, ing, &in_batch)) != NULL)
				break;
			batch_n = 0;
			batch_bytes = 0;
		}
	}
	if (err == NULL && ing != NULL)
		err = end_batch(repo, ing, &in_batch);
	if (err != NULL && err->code == CAIRN_ERR_INVALID)
		/* The ingest's claim check, in the stream's terms. */
		err = cairn_error_relabel(err, CAIRN_ERR_CORRUPT, "%s",
		    err->msg);
	cairn_ingest_close(ing);
	if (in_batch)
		cairn_batch_abort(repo);
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
	struct collect c = { out, NULL };
	const struct cairn_error *err = cairn_ref_list(repo, NULL, add_tip,
	    &c);

	return c.err != NULL ? c.err : err;
}

/* A blob a walk lists must be there; trees and commits were read. */
static int
connected_object(void *arg, const struct cairn_oid *id,
    enum cairn_otype type, const char *path)
{
	void **a = arg;
	const struct cairn_error *err;

	(void)path;
	if (type != CAIRN_OBJ_BLOB)
		return 0;
	if ((err = cairn_object_exists(a[0], id)) != NULL) {
		a[1] = (void *)err;
		return 1;
	}
	return 0;
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
