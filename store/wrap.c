/*
 * wrap.c: backend wrappers: read-only, cached (an LRU of decoded objects)
 * and layered (an upper backend in front of a lower one, like git's
 * alternates).  Each is a backend of its own over the ones it wraps.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "buf.h"

/* Read-only. */

struct ro {
	struct cairn_backend be;	/* must be first */
	struct cairn_backend *below;
};

#define RO(b) ((struct ro *)(b))
#define BELOW(b) (RO(b)->below)

static const struct cairn_error *
refuse(void)
{
	return cairn_error_new(CAIRN_ERR_READ_ONLY,
	    "repository is open read-only");
}

static void
ro_close(struct cairn_backend *be)
{
	if (be == NULL)
		return;
	BELOW(be)->ops->close(BELOW(be));
	free(be);
}

static const struct cairn_error *
ro_read(struct cairn_backend *be, const struct cairn_oid *id, unsigned f,
    int *type, struct cairn_buf *out)
{
	return BELOW(be)->ops->read(BELOW(be), id, f, type, out);
}

static const struct cairn_error *
ro_read_stream(struct cairn_backend *be, const struct cairn_oid *id,
    unsigned f, cairn_write_fn fn, void *arg)
{
	return BELOW(be)->ops->read_stream(BELOW(be), id, f, fn, arg);
}

static const struct cairn_error *
ro_stat(struct cairn_backend *be, const struct cairn_oid *id, int *type,
    uint64_t *size)
{
	return BELOW(be)->ops->stat(BELOW(be), id, type, size);
}

/* Enumeration below, where the backend below has it. */
static const struct cairn_error *
each_of(struct cairn_backend *b, int (*fn)(void *, const unsigned char *),
    void *arg)
{
	if (b->ops->version < 2 || b->ops->each == NULL)
		return cairn_error_new(CAIRN_ERR_USAGE, "this repository "
		    "cannot list its objects");
	return b->ops->each(b, fn, arg);
}

static const struct cairn_error *
ro_each(struct cairn_backend *be, int (*fn)(void *, const unsigned char *),
    void *arg)
{
	return each_of(BELOW(be), fn, arg);
}

static const struct cairn_error *
ro_prefix(struct cairn_backend *be, const char *hex, size_t len,
    struct cairn_oid *out, int *n)
{
	return BELOW(be)->ops->prefix(BELOW(be), hex, len, out, n);
}

static const struct cairn_error *
ro_begin(struct cairn_backend *be)
{
	(void)be;
	return refuse();
}

static const struct cairn_error *
ro_write(struct cairn_backend *be, struct cairn_oid *out, int type,
    const void *data, size_t len)
{
	(void)be, (void)out, (void)type, (void)data, (void)len;
	return refuse();
}

static const struct cairn_error *
ro_write_stream(struct cairn_backend *be, struct cairn_oid *out, int type,
    cairn_read_fn fn, void *arg, int64_t size)
{
	(void)be, (void)out, (void)type, (void)fn, (void)arg, (void)size;
	return refuse();
}

static void
ro_abort(struct cairn_backend *be)
{
	(void)be;
}

static const struct cairn_error *
ro_stats(struct cairn_backend *be, struct cairn_repo_stats *st)
{
	const struct cairn_error *err = BELOW(be)->ops->stats(BELOW(be), st);

	cairn_counters_add(st, &be->counters);
	return err;
}

static const char *
ro_notice(struct cairn_backend *be)
{
	return BELOW(be)->ops->notice(BELOW(be));
}

static const struct cairn_error *
ro_ref_get(struct cairn_backend *be, const char *name, struct cairn_oid *out)
{
	return BELOW(be)->ops->ref_get(BELOW(be), name, out);
}

static const struct cairn_error *
ro_ref_update(struct cairn_backend *be, const struct cairn_ref_update *u,
    size_t n)
{
	(void)be, (void)u, (void)n;
	return refuse();
}

static const struct cairn_error *
ro_ref_list(struct cairn_backend *be, const char *prefix,
    int (*fn)(void *, const char *, const struct cairn_oid *), void *arg)
{
	return BELOW(be)->ops->ref_list(BELOW(be), prefix, fn, arg);
}

static const struct cairn_error *
ro_gc(struct cairn_backend *be, const struct cairn_gc_opts *o,
    struct cairn_gc_result *res)
{
	(void)be, (void)o, (void)res;
	return refuse();
}

static const struct cairn_error *
ro_publish_refs(struct cairn_backend *be)
{
	(void)be;
	return refuse();
}

static const struct cairn_error *
pt_refresh(struct cairn_backend *be, int *changed)
{
	*changed = 0;
	if (BELOW(be)->ops->refresh == NULL)
		return NULL;
	return BELOW(be)->ops->refresh(BELOW(be), changed);
}

static void
pt_prefetch(struct cairn_backend *be, const struct cairn_oid *ids, size_t n)
{
	if (BELOW(be)->ops->version >= 4 && BELOW(be)->ops->prefetch != NULL)
		BELOW(be)->ops->prefetch(BELOW(be), ids, n);
}

/* ref_stat where the backend below records ref times. */
const struct cairn_error *
cairn_ref_stat_below(struct cairn_backend *below, const char *name,
    struct cairn_oid *out, int64_t *time)
{
	if (below->ops->version < 5 || below->ops->ref_stat == NULL)
		return cairn_error_new(CAIRN_ERR_USAGE, "this repository does "
		    "not record when its refs were set");
	return below->ops->ref_stat(below, name, out, time);
}

static const struct cairn_error *
pt_ref_stat(struct cairn_backend *be, const char *name, struct cairn_oid *out,
    int64_t *time)
{
	return cairn_ref_stat_below(BELOW(be), name, out, time);
}

static const struct cairn_backend_ops ro_ops = {
	CAIRN_BACKEND_VERSION, ro_close, ro_read, ro_read_stream, ro_stat,
	ro_prefix, ro_begin, ro_write, ro_write_stream, ro_begin, ro_abort,
	ro_begin, ro_stats, ro_notice, ro_ref_get, ro_ref_update, ro_ref_list,
	pt_refresh, ro_gc, ro_each, ro_publish_refs, pt_prefetch, pt_ref_stat,
};

const struct cairn_error *
cairn_wrap_readonly(struct cairn_backend **out, struct cairn_backend *below)
{
	struct ro *w;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		below->ops->close(below);
		return cairn_error_nomem();
	}
	w->be.ops = &ro_ops;
	w->be.algo = below->algo;
	w->below = below;
	*out = &w->be;
	return NULL;
}

/* Pass-throughs of the write side, for the wrappers that allow writes. */

static const struct cairn_error *
pt_begin(struct cairn_backend *be)
{
	return BELOW(be)->ops->begin(BELOW(be));
}

static const struct cairn_error *
pt_write(struct cairn_backend *be, struct cairn_oid *out, int type,
    const void *data, size_t len)
{
	return BELOW(be)->ops->write(BELOW(be), out, type, data, len);
}

static const struct cairn_error *
pt_write_stream(struct cairn_backend *be, struct cairn_oid *out, int type,
    cairn_read_fn fn, void *arg, int64_t size)
{
	return BELOW(be)->ops->write_stream(BELOW(be), out, type, fn, arg,
	    size);
}

static const struct cairn_error *
pt_commit(struct cairn_backend *be)
{
	return BELOW(be)->ops->commit(BELOW(be));
}

static void
pt_abort(struct cairn_backend *be)
{
	BELOW(be)->ops->abort(BELOW(be));
}

static const struct cairn_error *
pt_flush(struct cairn_backend *be)
{
	return BELOW(be)->ops->flush(BELOW(be));
}

static const struct cairn_error *
pt_ref_update(struct cairn_backend *be, const struct cairn_ref_update *u,
    size_t n)
{
	return BELOW(be)->ops->ref_update(BELOW(be), u, n);
}

static const struct cairn_error *
pt_publish_refs(struct cairn_backend *be)
{
	if (BELOW(be)->ops->version < 3 || BELOW(be)->ops->publish_refs == NULL)
		return cairn_error_new(CAIRN_ERR_USAGE, "this repository "
		    "keeps no list of refs");
	return BELOW(be)->ops->publish_refs(BELOW(be));
}

static const struct cairn_error *
pt_gc(struct cairn_backend *be, const struct cairn_gc_opts *o,
    struct cairn_gc_result *res)
{
	if (BELOW(be)->ops->gc == NULL)
		return cairn_error_new(CAIRN_ERR_USAGE,
		    "gc applies to disk repositories only");
	return BELOW(be)->ops->gc(BELOW(be), o, res);
}

/*
 * Cached.  Decoded objects in a hash table of chains, and a list in
 * order of use; the least recently used go first when the bytes held
 * pass the capacity.  One mutex guards it all; the wrapped backend is
 * called outside it.
 */
struct centry {
	struct cairn_oid id;
	int type;
	size_t len;
	struct centry *chain;		/* next in the bucket */
	struct centry *prev, *next;	/* in order of use, newest first */
	unsigned char data[];
};

struct cached {
	struct cairn_backend be;	/* must be first */
	struct cairn_backend *below;	/* second, as in struct ro */
	pthread_mutex_t mu;
	struct centry **bucket;
	size_t nbucket;
	struct centry *newest, *oldest;
	size_t held, capacity;
};

#define CACHED(b) ((struct cached *)(b))
#define CENTRY_OVERHEAD (sizeof(struct centry) + 16)

static struct centry **
slot(struct cached *c, const struct cairn_oid *id)
{
	size_t h;
	struct centry **p;

	memcpy(&h, id->hash + 4, sizeof(h));
	for (p = &c->bucket[h % c->nbucket]; *p != NULL; p = &(*p)->chain)
		if (cairn_oid_eq(&(*p)->id, id))
			break;
	return p;
}

static void
unlink_use(struct cached *c, struct centry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->newest = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->oldest = e->prev;
}

static void
push_use(struct cached *c, struct centry *e)
{
	e->prev = NULL;
	e->next = c->newest;
	if (c->newest)
		c->newest->prev = e;
	c->newest = e;
	if (c->oldest == NULL)
		c->oldest = e;
}

static void
evict(struct cached *c)
{
	struct centry *e, **p;

	while (c->held > c->capacity && (e = c->oldest) != NULL) {
		unlink_use(c, e);
		p = slot(c, &e->id);
		*p = e->chain;
		c->held -= e->len + CENTRY_OVERHEAD;
		free(e);
	}
}

static void
insert(struct cached *c, const struct cairn_oid *id, int type,
    const unsigned char *data, size_t len)
{
	struct centry *e, **p;

	if (len + CENTRY_OVERHEAD > c->capacity / 4 ||
	    (e = malloc(sizeof(*e) + len)) == NULL)
		return;
	e->id = *id;
	e->type = type;
	e->len = len;
	memcpy(e->data, data, len);
	pthread_mutex_lock(&c->mu);
	if (*(p = slot(c, id)) != NULL) {
		pthread_mutex_unlock(&c->mu);
		free(e);
		return;
	}
	e->chain = NULL;
	*p = e;
	push_use(c, e);
	c->held += len + CENTRY_OVERHEAD;
	evict(c);
	pthread_mutex_unlock(&c->mu);
}

/* Copy out a cached object, if there; 1 on a hit. */
static int
lookup(struct cached *c, const struct cairn_oid *id, int *type,
    struct cairn_buf *out, const struct cairn_error **err)
{
	struct centry *e;

	pthread_mutex_lock(&c->mu);
	if ((e = *slot(c, id)) != NULL) {
		unlink_use(c, e);
		push_use(c, e);
		*type = e->type;
		*err = out ? cairn_buf_append(out, e->data, e->len) : NULL;
	}
	pthread_mutex_unlock(&c->mu);
	if (e != NULL)
		CAIRN_COUNT(c->be.counters.cache_hits);
	else
		CAIRN_COUNT(c->be.counters.cache_misses);
	return e != NULL;
}

static const struct cairn_error *
ca_read(struct cairn_backend *be, const struct cairn_oid *id, unsigned f,
    int *type, struct cairn_buf *out)
{
	struct cached *c = CACHED(be);
	const struct cairn_error *err = NULL;
	size_t start = out->len;

	if (lookup(c, id, type, out, &err))
		return err;
	/* Only verified content is kept. */
	if ((err = c->below->ops->read(c->below, id, f, type, out)) == NULL &&
	    !(f & CAIRN_GET_NO_VERIFY))
		insert(c, id, *type, out->data + start, out->len - start);
	return err;
}

static const struct cairn_error *
ca_read_stream(struct cairn_backend *be, const struct cairn_oid *id,
    unsigned f, cairn_write_fn fn, void *arg)
{
	struct cached *c = CACHED(be);
	const struct cairn_error *err = NULL;
	struct cairn_buf b = { 0 };
	int type;

	if (!lookup(c, id, &type, &b, &err))
		return c->below->ops->read_stream(c->below, id, f, fn, arg);
	if (err == NULL && b.len > 0)
		err = fn(arg, b.data, b.len);
	cairn_buf_release(&b);
	return err;
}

static const struct cairn_error *
ca_stat(struct cairn_backend *be, const struct cairn_oid *id, int *type,
    uint64_t *size)
{
	struct cached *c = CACHED(be);
	struct centry *e;

	pthread_mutex_lock(&c->mu);
	if ((e = *slot(c, id)) != NULL) {
		*type = e->type;
		*size = e->len;
	}
	pthread_mutex_unlock(&c->mu);
	if (e != NULL)
		return NULL;
	return c->below->ops->stat(c->below, id, type, size);
}

/*
 * An aborted batch takes back objects that may have been read (and
 * cached) while it was open: forget everything.
 */
static void
ca_abort(struct cairn_backend *be)
{
	struct cached *c = CACHED(be);
	struct centry *e, *next;

	c->below->ops->abort(c->below);
	pthread_mutex_lock(&c->mu);
	for (e = c->newest; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	memset(c->bucket, 0, c->nbucket * sizeof(*c->bucket));
	c->newest = c->oldest = NULL;
	c->held = 0;
	pthread_mutex_unlock(&c->mu);
}

static void
ca_close(struct cairn_backend *be)
{
	struct cached *c = CACHED(be);
	struct centry *e, *next;

	if (c == NULL)
		return;
	for (e = c->newest; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	free(c->bucket);
	pthread_mutex_destroy(&c->mu);
	c->below->ops->close(c->below);
	free(c);
}

static const struct cairn_backend_ops cached_ops = {
	CAIRN_BACKEND_VERSION, ca_close, ca_read, ca_read_stream, ca_stat,
	ro_prefix, pt_begin, pt_write, pt_write_stream, pt_commit, ca_abort,
	pt_flush, ro_stats, ro_notice, ro_ref_get, pt_ref_update, ro_ref_list,
	pt_refresh, pt_gc, ro_each, pt_publish_refs, pt_prefetch, pt_ref_stat,
};

const struct cairn_error *
cairn_wrap_cached(struct cairn_backend **out, struct cairn_backend *below,
    size_t capacity)
{
	struct cached *c;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->nbucket = capacity / 4096 + 64,
	    c->bucket = calloc(c->nbucket, sizeof(*c->bucket))) == NULL) {
		free(c);
		below->ops->close(below);
		return cairn_error_nomem();
	}
	pthread_mutex_init(&c->mu, NULL);
	c->be.ops = &cached_ops;
	c->be.algo = below->algo;
	c->below = below;
	c->capacity = capacity;
	*out = &c->be;
	return NULL;
}

/*
 * Layered: an upper backend in front of a lower one.  Reads try the
 * upper, then the lower; writes, refs and maintenance go to the upper.
 * An object the lower already has is not written again.
 */
struct layered {
	struct cairn_backend be;	/* must be first */
	struct cairn_backend *below;	/* the upper, second as in struct ro */
	struct cairn_backend *lower;
};

#define LAYERED(b) ((struct layered *)(b))

static int
missing(const struct cairn_error *err)
{
	return err != NULL && err->code == CAIRN_ERR_NOT_FOUND;
}

static const struct cairn_error *
la_read(struct cairn_backend *be, const struct cairn_oid *id, unsigned f,
    int *type, struct cairn_buf *out)
{
	struct layered *l = LAYERED(be);
	const struct cairn_error *err;

	err = l->below->ops->read(l->below, id, f, type, out);
	return missing(err) ? l->lower->ops->read(l->lower, id, f, type, out) :
	    err;
}

static const struct cairn_error *
la_read_stream(struct cairn_backend *be, const struct cairn_oid *id,
    unsigned f, cairn_write_fn fn, void *arg)
{
	struct layered *l = LAYERED(be);
	const struct cairn_error *err;
	int type;
	uint64_t size;

	/* Ask first: a stream must not start in one and end in the other. */
	err = l->below->ops->stat(l->below, id, &type, &size);
	if (missing(err))
		return l->lower->ops->read_stream(l->lower, id, f, fn, arg);
	return err ? err : l->below->ops->read_stream(l->below, id, f, fn, arg);
}

static const struct cairn_error *
la_stat(struct cairn_backend *be, const struct cairn_oid *id, int *type,
    uint64_t *size)
{
	struct layered *l = LAYERED(be);
	const struct cairn_error *err;

	err = l->below->ops->stat(l->below, id, type, size);
	return missing(err) ? l->lower->ops->stat(l->lower, id, type, size) :
	    err;
}

static const struct cairn_error *
la_prefix(struct cairn_backend *be, const char *hex, size_t len,
    struct cairn_oid *out, int *n)
{
	struct layered *l = LAYERED(be);
	const struct cairn_error *err;
	struct cairn_oid more[2];
	int m, i;

	if ((err = l->below->ops->prefix(l->below, hex, len, out, n)) != NULL ||
	    *n >= 2 ||
	    (err = l->lower->ops->prefix(l->lower, hex, len, more, &m)))
		return err;
	for (i = 0; i < m && *n < 2; i++)
		if (*n == 0 || !cairn_oid_eq(&out[0], &more[i]))
			out[(*n)++] = more[i];
	return NULL;
}

static const struct cairn_error *
la_each(struct cairn_backend *be, int (*fn)(void *, const unsigned char *),
    void *arg)
{
	struct layered *l = LAYERED(be);
	const struct cairn_error *err;

	if ((err = each_of(l->below, fn, arg)) != NULL)
		return err;
	return each_of(l->lower, fn, arg);
}

static const struct cairn_error *
la_write(struct cairn_backend *be, struct cairn_oid *out, int type,
    const void *data, size_t len)
{
	struct layered *l = LAYERED(be);
	const struct cairn_error *err;
	uint64_t size;
	int t;

	if ((err = cairn_hash_object(be->algo, type, data, len, out)) != NULL)
		return err;
	if (l->lower->ops->stat(l->lower, out, &t, &size) == NULL)
		return NULL;
	return l->below->ops->write(l->below, out, type, data, len);
}

static void
la_close(struct cairn_backend *be)
{
	struct layered *l = LAYERED(be);

	if (l == NULL)
		return;
	l->below->ops->close(l->below);
	l->lower->ops->close(l->lower);
	free(l);
}

static const struct cairn_backend_ops layered_ops = {
	CAIRN_BACKEND_VERSION, la_close, la_read, la_read_stream, la_stat,
	la_prefix, pt_begin, la_write, pt_write_stream, pt_commit, pt_abort,
	pt_flush, ro_stats, ro_notice, ro_ref_get, pt_ref_update, ro_ref_list,
	pt_refresh, pt_gc, la_each, pt_publish_refs, pt_prefetch, pt_ref_stat,
};

const struct cairn_error *
cairn_wrap_layered(struct cairn_backend **out, struct cairn_backend *upper,
    struct cairn_backend *lower)
{
	struct layered *l;

	if (upper->algo != lower->algo) {
		upper->ops->close(upper);
		lower->ops->close(lower);
		return cairn_error_new(CAIRN_ERR_INVALID, "the alternate uses "
		    "another object format");
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		upper->ops->close(upper);
		lower->ops->close(lower);
		return cairn_error_nomem();
	}
	l->be.ops = &layered_ops;
	l->be.algo = upper->algo;
	l->below = upper;
	l->lower = lower;
	*out = &l->be;
	return NULL;
}
