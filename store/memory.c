/*
 * memory.c: the memory backend: objects in a hash table, gone at close.
 * It implements the same operations as the disk backend, so unit tests
 * can run against both, and serves programs that want a scratch store.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "memtable.h"

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
		    "object %s not found", cairn_oid_fmt(hex, id));
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
	be->counters.reads++;
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
	be->counters.reads++;
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
		cairn_oid_set(&o, m->index.tab[i].id, m->index.idlen);
		if (cairn_hex_prefix_match(&o, hex, len))
			out[(*n)++] = o;
	}
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
	if ((err = cairn_hash_object(out, be->algo, type, data, len)) != NULL)
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
	be->counters.writes++;
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
mem_stats(struct cairn_backend *be, struct cairn_stats *st)
{
	struct memory *m = (struct memory *)be;
	size_t i;

	st->objects = m->nobjs;
	for (i = 0; i < m->index.cap; i++)
		if (m->index.tab[i].used && m->index.tab[i].loc < m->nobjs)
			st->content_bytes += m->index.tab[i].size;
	st->data_bytes = st->content_bytes;
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
	free(m);
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
