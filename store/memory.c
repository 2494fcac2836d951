/*
 * memory.c: the memory backend: objects in a hash table, gone at close.
 * It implements the same operations as the disk backend, so unit tests
 * can run against both, and serves programs that want a scratch store.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "memtable.h"
#include "refname.h"

struct memory {
	struct cairn_backend be;	/* must be first */
	struct cairn_memtable index;	/* loc: slot in objs */
	struct cairn_buf objs;		/* struct mobj per object */
	size_t nobjs;
	size_t batch_start;		/* nobjs when the batch began */
	int in_batch;
	int read_only;
	int level;
	long long big_threshold;
	struct mref *refs;		/* sorted by name */
	size_t nrefs;
};

struct mref {
	char *name;
	struct cairn_oid id;
	int64_t time;			/* when it was last set, ns */
};

struct mobj {
	struct cairn_mem_ent ent;
	unsigned char *data;
};

static struct mobj *
slots(struct memory *m)
{
	return (struct mobj *)m->objs.data;
}

static const struct cairn_error *
mem_find(struct memory *m, const struct cairn_oid *id,
    const struct cairn_mem_ent **e)
{
	char hex[CAIRN_OID_HEXMAX + 1];

	if (id->len != cairn_hash_len(m->be.algo) ||
	    (*e = cairn_memtable_get(&m->index, id->hash)) == NULL ||
	    (*e)->loc >= m->nobjs)
		return cairn_error_new(CAIRN_ERR_NOT_FOUND,
		    "object %s not found", cairn_oid_fmt(id, hex));
	return NULL;
}

static const struct cairn_error *
mem_read(struct cairn_backend *be, const struct cairn_oid *id, unsigned flags,
    int *type, struct cairn_buf *out)
{
	struct memory *m = (struct memory *)be;
	const struct cairn_error *err;
	const struct cairn_mem_ent *e;

	(void)flags;
	if ((err = mem_find(m, id, &e)) != NULL)
		return err;
	*type = e->type;
	CAIRN_COUNT(be->counters.reads);
	return cairn_buf_append(out, slots(m)[e->loc].data, (size_t)e->size);
}

static const struct cairn_error *
mem_read_stream(struct cairn_backend *be, const struct cairn_oid *id,
    unsigned flags, cairn_write_fn sink, void *arg)
{
	struct memory *m = (struct memory *)be;
	const struct cairn_error *err;
	const struct cairn_mem_ent *e;

	(void)flags;
	if ((err = mem_find(m, id, &e)) != NULL)
		return err;
	CAIRN_COUNT(be->counters.reads);
	return e->size > 0 ? sink(arg, slots(m)[e->loc].data, (size_t)e->size) :
	    NULL;
}

static const struct cairn_error *
mem_stat(struct cairn_backend *be, const struct cairn_oid *id, int *type,
    uint64_t *size)
{
	struct memory *m = (struct memory *)be;
	const struct cairn_error *err;
	const struct cairn_mem_ent *e;

	if ((err = mem_find(m, id, &e)) != NULL)
		return err;
	*type = e->type;
	*size = e->size;
	return NULL;
}

static const struct cairn_error *
mem_prefix(struct cairn_backend *be, const char *hex, size_t len,
    struct cairn_oid *out, int *n)
{
	struct memory *m = (struct memory *)be;
	struct cairn_oid o;
	size_t i;

	*n = 0;
	for (i = 0; i < m->index.cap && *n < 2; i++) {
		if (!m->index.tab[i].used || m->index.tab[i].loc >= m->nobjs)
			continue;
		cairn_oid_set(m->index.tab[i].id, m->index.idlen, &o);
		if (cairn_hex_prefix_match(&o, hex, len))
			out[(*n)++] = o;
	}
	return NULL;
}

static const struct cairn_error *
mem_each(struct cairn_backend *be, int (*fn)(void *, const unsigned char *),
    void *arg)
{
	struct memory *m = (struct memory *)be;
	size_t i;

	for (i = 0; i < m->index.cap; i++)
		if (m->index.tab[i].used && m->index.tab[i].loc < m->nobjs &&
		    fn(arg, m->index.tab[i].id) != 0)
			break;
	return NULL;
}

static const struct cairn_error *
mem_begin(struct cairn_backend *be)
{
	struct memory *m = (struct memory *)be;

	if (m->read_only)
		return cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	if (m->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE, "batch already open");
	m->in_batch = 1;
	m->batch_start = m->nobjs;
	return NULL;
}

static const struct cairn_error *
mem_write(struct cairn_backend *be, struct cairn_oid *out, int type,
    const void *data, size_t len)
{
	struct memory *m = (struct memory *)be;
	const struct cairn_error *err;
	struct mobj o;

	if (!m->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE, "no batch is open");
	if (cairn_otype_name(type) == NULL)
		return cairn_error_new(CAIRN_ERR_INVALID, "bad object type %d",
		    type);
	if ((err = cairn_hash_object(be->algo, type, data, len, out)) != NULL)
		return err;
	if (cairn_memtable_get(&m->index, out->hash) != NULL)
		return NULL;
	memset(&o, 0, sizeof(o));
	if ((o.data = malloc(len + 1)) == NULL)
		return cairn_error_nomem();
	memcpy(o.data, data, len);
	memcpy(o.ent.id, out->hash, out->len);
	o.ent.type = (unsigned char)type;
	o.ent.size = len;
	o.ent.loc = m->nobjs;
	if ((err = cairn_memtable_put(&m->index, &o.ent)) != NULL ||
	    (err = cairn_buf_append(&m->objs, &o, sizeof(o))) != NULL) {
		free(o.data);
		return err;
	}
	m->nobjs++;
	CAIRN_COUNT(be->counters.writes);
	return NULL;
}

static const struct cairn_error *
mem_write_stream(struct cairn_backend *be, struct cairn_oid *out, int type,
    cairn_read_fn read, void *arg, int64_t size)
{
	const struct cairn_error *err;
	struct cairn_buf b = { 0 };
	ssize_t n;

	for (;;) {
		if ((err = cairn_buf_grow(&b, 1 << 16)) != NULL)
			goto done;
		if ((n = read(arg, b.data + b.len, 1 << 16)) < 0) {
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
		err = mem_write(be, out, type, b.data, b.len);
done:
	cairn_buf_release(&b);
	return err;
}

static const struct cairn_error *
mem_commit(struct cairn_backend *be)
{
	struct memory *m = (struct memory *)be;

	if (!m->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE, "no batch is open");
	m->in_batch = 0;
	return NULL;
}

/* Drop the objects added since begin and rebuild the index without them. */
static void
mem_abort(struct cairn_backend *be)
{
	struct memory *m = (struct memory *)be;
	size_t i;

	if (!m->in_batch)
		return;
	for (i = m->batch_start; i < m->nobjs; i++)
		free(slots(m)[i].data);
	m->nobjs = m->batch_start;
	m->objs.len = m->nobjs * sizeof(struct mobj);
	cairn_memtable_clear(&m->index);
	/* Cannot fail: the table already held more entries than this. */
	for (i = 0; i < m->nobjs; i++)
		(void)cairn_memtable_put(&m->index, &slots(m)[i].ent);
	m->in_batch = 0;
}

static const struct cairn_error *
mem_flush(struct cairn_backend *be)
{
	struct memory *m = (struct memory *)be;

	if (m->read_only)
		return cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	return NULL;
}

static const struct cairn_error *
mem_stats(struct cairn_backend *be, struct cairn_repo_stats *st)
{
	struct memory *m = (struct memory *)be;
	size_t i;

	cairn_counters_add(st, &be->counters);
	st->objects = m->nobjs;
	for (i = 0; i < m->index.cap; i++)
		if (m->index.tab[i].used && m->index.tab[i].loc < m->nobjs)
			st->content_bytes += m->index.tab[i].size;
	st->data_bytes = st->content_bytes;
	st->refs = m->nrefs;
	return NULL;
}

static const char *
mem_notice(struct cairn_backend *be)
{
	(void)be;
	return NULL;
}

static void
mem_close(struct cairn_backend *be)
{
	struct memory *m = (struct memory *)be;
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nobjs; i++)
		free(slots(m)[i].data);
	cairn_buf_release(&m->objs);
	cairn_memtable_release(&m->index);
	for (i = 0; i < m->nrefs; i++)
		free(m->refs[i].name);
	free(m->refs);
	free(m);
}

/* Refs: a sorted array. */

static struct mref *
mref_find(struct memory *m, const char *name, size_t *at)
{
	size_t lo = 0, hi = m->nrefs, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(m->refs[mid].name, name);
		if (c == 0) {
			*at = mid;
			return &m->refs[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

static const struct cairn_error *
mem_ref_stat(struct cairn_backend *be, const char *name, struct cairn_oid *out,
    int64_t *time)
{
	struct memory *m = (struct memory *)be;
	const struct cairn_error *err;
	struct mref *r;
	size_t at;

	if ((err = cairn_refname_check(name, strlen(name))) != NULL)
		return err;
	if ((r = mref_find(m, name, &at)) == NULL)
		return cairn_error_new(CAIRN_ERR_NOT_FOUND,
		    "ref '%s' does not exist", name);
	*out = r->id;
	if (time != NULL)
		*time = r->time;
	return NULL;
}

static const struct cairn_error *
mem_ref_get(struct cairn_backend *be, const char *name, struct cairn_oid *out)
{
	return mem_ref_stat(be, name, out, NULL);
}

/* Nonzero if name and an existing ref would be a file and a directory. */
static int
mref_conflict(struct memory *m, const char *name)
{
	size_t i, len = strlen(name), rl;

	for (i = 0; i < m->nrefs; i++) {
		rl = strlen(m->refs[i].name);
		if ((rl < len && name[rl] == '/' &&
		    strncmp(name, m->refs[i].name, rl) == 0) ||
		    (len < rl && m->refs[i].name[len] == '/' &&
		    strncmp(name, m->refs[i].name, len) == 0))
			return 1;
	}
	return 0;
}

static const struct cairn_error *
mem_ref_check(struct memory *m, const struct cairn_ref_update *u)
{
	const struct cairn_error *err;
	const struct cairn_mem_ent *e;
	struct mref *r;
	size_t at;
	char a[CAIRN_OID_HEXMAX + 1], b[CAIRN_OID_HEXMAX + 1];
	int sets = u->op == CAIRN_REF_SET || u->op == CAIRN_REF_CREATE;

	if ((err = cairn_refname_check(u->name, strlen(u->name))) != NULL)
		return err;
	r = mref_find(m, u->name, &at);
	if (u->op == CAIRN_REF_CREATE && r != NULL)
		return cairn_error_new(CAIRN_ERR_EXISTS,
		    "ref '%s' already exists", u->name);
	if (u->op == CAIRN_REF_VERIFY && !u->has_old && r != NULL)
		return cairn_error_new(CAIRN_ERR_EXISTS,
		    "ref '%s' already exists", u->name);
	if (r == NULL && (u->has_old || u->op == CAIRN_REF_DELETE))
		return cairn_error_new(u->has_old ? CAIRN_ERR_CAS_MISMATCH :
		    CAIRN_ERR_NOT_FOUND, "ref '%s' does not exist", u->name);
	if (u->has_old && !cairn_oid_eq(&r->id, &u->old_id))
		return cairn_error_new(CAIRN_ERR_CAS_MISMATCH,
		    "ref '%s' is at %s but expected %s", u->name,
		    cairn_oid_fmt(&r->id, a), cairn_oid_fmt(&u->old_id, b));
	if (sets && r == NULL && mref_conflict(m, u->name))
		return cairn_error_new(CAIRN_ERR_EXISTS,
		    "cannot create ref '%s': it conflicts with an existing ref",
		    u->name);
	if (sets && (mem_find(m, &u->new_id, &e)) != NULL)
		return cairn_error_new(CAIRN_ERR_NOT_FOUND,
		    "object %s not found", cairn_oid_fmt(&u->new_id, a));
	return NULL;
}

/* The time a ref is set, in nanoseconds since the epoch. */
static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const struct cairn_error *
mem_ref_apply(struct memory *m, const struct cairn_ref_update *u)
{
	struct mref *r, *nr;
	size_t at;

	r = mref_find(m, u->name, &at);
	if (u->op == CAIRN_REF_DELETE && r != NULL) {
		free(r->name);
		memmove(r, r + 1, (m->nrefs - at - 1) * sizeof(*r));
		m->nrefs--;
	} else if (u->op == CAIRN_REF_SET || u->op == CAIRN_REF_CREATE) {
		if (r != NULL) {
			r->id = u->new_id;
			r->time = now_ns();
			return NULL;
		}
		if ((nr = realloc(m->refs, (m->nrefs + 1) * sizeof(*nr))) ==
		    NULL)
			return cairn_error_nomem();
		m->refs = nr;
		memmove(nr + at + 1, nr + at, (m->nrefs - at) * sizeof(*nr));
		if ((nr[at].name = strdup(u->name)) == NULL) {
			memmove(nr + at, nr + at + 1,
			    (m->nrefs - at) * sizeof(*nr));
			return cairn_error_nomem();
		}
		nr[at].id = u->new_id;
		nr[at].time = now_ns();
		m->nrefs++;
	}
	return NULL;
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

static const struct cairn_error *
mem_ref_update(struct cairn_backend *be, const struct cairn_ref_update *u,
    size_t n)
{
	struct memory *m = (struct memory *)be;
	const struct cairn_error *err;
	size_t i, j;

	if (m->read_only)
		return cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	/* As on disk: a ref must not name what an abort may take back. */
	if (m->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE,
		    "refs cannot be updated inside a batch");
	for (i = 0; i < n; i++) {
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
		if ((err = mem_ref_check(m, &u[i])) != NULL)
			return err;
	}
	for (i = 0; i < n; i++)
		if ((err = mem_ref_apply(m, &u[i])) != NULL)
			return err;
	return NULL;
}

static const struct cairn_error *
mem_ref_list(struct cairn_backend *be, const char *prefix,
    int (*fn)(void *, const char *, const struct cairn_oid *), void *arg)
{
	struct memory *m = (struct memory *)be;
	size_t i, plen = prefix ? strlen(prefix) : 0;

	for (i = 0; i < m->nrefs; i++)
		if (strncmp(m->refs[i].name, prefix ? prefix : "", plen) == 0 &&
		    fn(arg, m->refs[i].name, &m->refs[i].id) != 0)
			break;
	return NULL;
}

static const struct cairn_backend_ops memory_ops = {
	CAIRN_BACKEND_VERSION,
	mem_close,
	mem_read,
	mem_read_stream,
	mem_stat,
	mem_prefix,
	mem_begin,
	mem_write,
	mem_write_stream,
	mem_commit,
	mem_abort,
	mem_flush,
	mem_stats,
	mem_notice,
	mem_ref_get,
	mem_ref_update,
	mem_ref_list,
	NULL,
	NULL,
	mem_each,
	NULL,
	NULL,
	mem_ref_stat,
};

const struct cairn_error *
cairn_memory_open(struct cairn_backend **out,
    const struct cairn_backend_params *p)
{
	struct memory *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return cairn_error_nomem();
	m->be.ops = &memory_ops;
	m->be.algo = p->algo;
	m->read_only = p->read_only;
	m->level = p->level;
	m->big_threshold = p->big_threshold;
	cairn_memtable_init(&m->index, cairn_hash_len(p->algo));
	*out = &m->be;
	return NULL;
}
