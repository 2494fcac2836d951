/*
 * log.c: history: the commits reachable from one, newest committer date
 * first, each once, as git log orders them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "memtable.h"

/* History: a max-heap of commits by committer time. */

struct pending {
	struct cairn_oid id;
	int64_t time;
	uint64_t seq;		/* ties: first seen first, as git does */
};

struct heap {
	struct pending *v;
	size_t n, cap;
};

static int
heap_less(const struct pending *a, const struct pending *b)
{
	return a->time < b->time || (a->time == b->time && a->seq > b->seq);
}

static const struct cairn_error *
heap_push(struct heap *h, const struct pending *x)
{
	struct pending *nv, t;
	size_t i;

	if (h->n == h->cap) {
		h->cap = h->cap * 2 + 16;
		if ((nv = realloc(h->v, h->cap * sizeof(*nv))) == NULL)
			return cairn_error_nomem();
		h->v = nv;
	}
	i = h->n++;
	h->v[i] = *x;
	while (i > 0 && heap_less(&h->v[(i - 1) / 2], &h->v[i])) {
		t = h->v[i];
		h->v[i] = h->v[(i - 1) / 2];
		h->v[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
	return NULL;
}

static struct pending
heap_pop(struct heap *h)
{
	struct pending top = h->v[0], t;
	size_t i = 0, c;

	h->v[0] = h->v[--h->n];
	for (;;) {
		c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && heap_less(&h->v[c], &h->v[c + 1]))
			c++;
		if (!heap_less(&h->v[i], &h->v[c]))
			break;
		t = h->v[i];
		h->v[i] = h->v[c];
		h->v[c] = t;
		i = c;
	}
	return top;
}

/* Queue a commit once; its time comes from reading it. */
static const struct cairn_error *
enqueue(struct cairn_repo *repo, struct heap *h, struct cairn_memtable *seen,
    const struct cairn_oid *id, uint64_t *seq)
{
	const struct cairn_error *err;
	struct cairn_commit_info ci;
	struct cairn_mem_ent e;
	struct pending p;
	unsigned char *data;
	size_t len;

	if (cairn_memtable_get(seen, id->hash) != NULL)
		return NULL;
	memset(&e, 0, sizeof(e));
	memcpy(e.id, id->hash, id->len);
	if ((err = cairn_memtable_put(seen, &e)) != NULL)
		return err;
	if ((err = cairn_graph_get_typed(repo, id, CAIRN_OBJ_COMMIT, &data,
	    &len)) != NULL)
		return err;
	err = cairn_commit_parse(data, len, cairn_repo_hash_algo(repo), &ci);
	free(data);
	if (err != NULL)
		return err;
	p.id = *id;
	p.time = ci.commit_time;
	p.seq = (*seq)++;
	return heap_push(h, &p);
}

struct parent_queue {
	struct cairn_repo *repo;
	struct heap *h;
	struct cairn_memtable *seen;
	uint64_t *seq;
	const struct cairn_error *err;
};

static int
enqueue_parent(void *arg, const struct cairn_oid *id, enum cairn_otype type)
{
	struct parent_queue *q = arg;

	if (type != CAIRN_OBJ_COMMIT)
		return 0;	/* the tree */
	q->err = enqueue(q->repo, q->h, q->seen, id, q->seq);
	return q->err != NULL;
}

/* A tag is followed to what it tags, until a commit. */
static const struct cairn_error *
peel(struct cairn_repo *repo, struct cairn_oid *id)
{
	const struct cairn_error *err;
	unsigned char *data;
	size_t len;
	enum cairn_otype type;
	int i;

	for (i = 0; i < 16; i++) {
		if ((err = cairn_object_stat(repo, id, &type, NULL)) != NULL)
			return err;
		if (type != CAIRN_OBJ_TAG)
			return NULL;
		if ((err = cairn_object_get(repo, id, 0, &type, &data,
		    &len)) != NULL)
			return err;
		err = cairn_oid_parse(cairn_repo_hash_algo(repo),
		    (char *)data + 7,
		    2 * cairn_hash_len( cairn_repo_hash_algo(repo)), id);
		free(data);
		if (err != NULL)
			return err;
	}
	return cairn_error_new(CAIRN_ERR_INVALID, "tags nested too deep");
}

const struct cairn_error *
cairn_log_walk(struct cairn_repo *repo, const struct cairn_oid *start,
    uint64_t max,
    int (*fn)(void *arg, const struct cairn_oid *id,
    const unsigned char *data, size_t len), void *arg)
{
	const struct cairn_error *err;
	struct cairn_memtable seen;
	struct cairn_commit_info ci;
	struct heap h = { NULL, 0, 0 };
	struct pending top;
	struct cairn_oid id = *start;
	struct parent_queue pq;
	unsigned char *data = NULL;
	uint64_t seq = 0, shown = 0;
	size_t len;

	cairn_memtable_init(&seen, cairn_hash_len(cairn_repo_hash_algo(repo)));
	if ((err = peel(repo, &id)) == NULL)
		err = enqueue(repo, &h, &seen, &id, &seq);
	while (err == NULL && h.n > 0 && (max == 0 || shown < max)) {
		top = heap_pop(&h);
		if ((err = cairn_graph_get_typed(repo, &top.id,
		    CAIRN_OBJ_COMMIT, &data, &len)) != NULL)
			break;
		err = cairn_commit_parse(data, len, cairn_repo_hash_algo(repo),
		    &ci);
		/* Every parent, however many (the info keeps 16). */
		pq.repo = repo;
		pq.h = &h;
		pq.seen = &seen;
		pq.seq = &seq;
		pq.err = NULL;
		if (err == NULL)
			cairn_object_links(CAIRN_OBJ_COMMIT, data, len,
			    cairn_repo_hash_algo(repo), enqueue_parent, &pq);
		if (err == NULL)
			err = pq.err;
		if (err == NULL && fn(arg, &top.id, data, len) != 0)
			max = shown + 1;
		shown++;
		free(data);
		data = NULL;
	}
	free(h.v);
	cairn_memtable_release(&seen);
	return err;
}
