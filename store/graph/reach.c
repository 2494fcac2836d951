/*
 * reach.c: whether everything an object reaches through tree, commit and
 * tag links is in the repository, as a ref's target must be before gc
 * can keep what the ref reaches.
 */
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "memtable.h"

/*
 * What the table knows of an object (struct cairn_mem_ent's where): seen
 * by walk number loc; complete, with all it reaches; or not here.
 */
enum {
	REACH_SEEN = 1,
	REACH_COMPLETE,
	REACH_ABSENT,
};

/* An object to look at, with the type its linker gives it (0: unknown). */
struct reach_item {
	struct cairn_oid id;
	enum cairn_otype type;
};

struct reach {
	struct cairn_repo *repo;
	struct cairn_memtable known;
	struct reach_item *stack;
	size_t nstack, capstack;
	struct cairn_oid *seen;		/* the objects of this walk */
	size_t nseen, capseen;
	uint64_t walk;			/* this walk's number */
	const struct cairn_error *err;	/* of push, from a link callback */
};

static const struct cairn_error *
push(struct reach *r, const struct cairn_oid *id, enum cairn_otype type)
{
	struct reach_item *n;

	if (r->nstack == r->capstack) {
		r->capstack = r->capstack * 2 + 64;
		if ((n = realloc(r->stack, r->capstack * sizeof(*n))) == NULL)
			return cairn_error_nomem();
		r->stack = n;
	}
	r->stack[r->nstack].id = *id;
	r->stack[r->nstack].type = type;
	r->nstack++;
	return NULL;
}

static int
push_link(void *arg, const struct cairn_oid *id, enum cairn_otype type)
{
	struct reach *r = arg;

	r->err = push(r, id, type);
	return r->err != NULL;
}

static const struct cairn_error *
mark(struct reach *r, const struct cairn_oid *id, int what)
{
	struct cairn_mem_ent e;

	memset(&e, 0, sizeof(e));
	memcpy(e.id, id->hash, id->len);
	e.where = (unsigned char)what;
	e.loc = r->walk;
	return cairn_memtable_put(&r->known, &e);
}

/* Note id as seen by this walk, to be marked complete if the walk is. */
static const struct cairn_error *
see(struct reach *r, const struct cairn_oid *id)
{
	struct cairn_oid *n;

	if (r->nseen == r->capseen) {
		r->capseen = r->capseen * 2 + 64;
		if ((n = realloc(r->seen, r->capseen * sizeof(*n))) == NULL)
			return cairn_error_nomem();
		r->seen = n;
	}
	r->seen[r->nseen++] = *id;
	return mark(r, id, REACH_SEEN);
}

/*
 * Look at one object: *absent = 1 if it is not here; else push what it
 * links to.  Blobs are only looked up, never read.
 */
static const struct cairn_error *
visit(struct reach *r, const struct reach_item *it, int *absent)
{
	const struct cairn_error *err;
	enum cairn_otype type = it->type;
	unsigned char *data;
	size_t len;

	*absent = 0;
	err = type == CAIRN_OBJ_BLOB ? cairn_object_exists(r->repo, &it->id) :
	    cairn_object_stat(r->repo, &it->id, &type, NULL);
	if (err != NULL && err->code == CAIRN_ERR_NOT_FOUND) {
		*absent = 1;
		return mark(r, &it->id, REACH_ABSENT);
	}
	if (err == NULL)
		err = see(r, &it->id);
	if (err != NULL || type == CAIRN_OBJ_BLOB)
		return err;
	/* Presence is asked, not integrity: CRCs are checked, hashes not. */
	if ((err = cairn_object_get(r->repo, &it->id, CAIRN_GET_NO_VERIFY,
	    &type, &data, &len)) != NULL)
		return err;
	r->err = NULL;
	cairn_object_links(type, data, len, cairn_repo_hash_algo(r->repo),
	    push_link, r);
	free(data);
	return r->err;
}

/* One root: *complete, or 0 with *missing. */
static const struct cairn_error *
walk_root(struct reach *r, const struct cairn_oid *root,
    struct cairn_oid *missing, int *complete)
{
	const struct cairn_error *err;
	const struct cairn_mem_ent *e;
	struct reach_item it;
	size_t i;
	int absent = 0;

	r->walk++;
	r->nstack = r->nseen = 0;
	*complete = 0;
	if ((err = push(r, root, 0)) != NULL)
		return err;
	while (r->nstack > 0 && !absent) {
		it = r->stack[--r->nstack];
		e = cairn_memtable_get(&r->known, it.id.hash);
		if (e != NULL && (e->where == REACH_COMPLETE ||
		    (e->where == REACH_SEEN && e->loc == r->walk)))
			continue;
		if (e != NULL && e->where == REACH_ABSENT)
			absent = 1;
		else if ((err = visit(r, &it, &absent)) != NULL)
			return err;
		if (absent)
			*missing = it.id;
	}
	if (absent)
		return NULL;
	/* Everything this walk saw reaches only what is here. */
	for (i = 0; i < r->nseen; i++)
		if ((err = mark(r, &r->seen[i], REACH_COMPLETE)) != NULL)
			return err;
	*complete = 1;
	return NULL;
}

const struct cairn_error *
cairn_reach_check(struct cairn_repo *repo, const struct cairn_oid *ids,
    size_t n, struct cairn_oid *missing, int *complete)
{
	const struct cairn_error *err = NULL;
	struct reach r;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.repo = repo;
	cairn_memtable_init(&r.known, cairn_hash_len(cairn_repo_hash_algo(repo)));
	for (i = 0; i < n && err == NULL; i++)
		err = walk_root(&r, &ids[i], &missing[i], &complete[i]);
	cairn_memtable_release(&r.known);
	free(r.stack);
	free(r.seen);
	return err;
}

/* Unreachable objects: everything minus what refs reach. */

struct unreach {
	struct cairn_repo *repo;
	struct cairn_memtable reached;
	struct cairn_oid *stack;
	size_t n, cap;
	const struct cairn_error *err;
	cairn_unreachable_fn fn;
	void *arg;
};

static int
unreach_push(void *arg, const struct cairn_oid *id, enum cairn_otype type)
{
	struct unreach *u = arg;
	struct cairn_oid *nv;

	(void)type;
	if (u->n == u->cap) {
		u->cap = u->cap * 2 + 64;
		if ((nv = realloc(u->stack, u->cap * sizeof(*nv))) == NULL) {
			u->err = cairn_error_nomem();
			return 1;
		}
		u->stack = nv;
	}
	u->stack[u->n++] = *id;
	return 0;
}

static int
unreach_ref(void *arg, const char *name, const struct cairn_oid *id)
{
	(void)name;
	return unreach_push(arg, id, 0);
}

/*
 * Mark what the stack reaches.  An object that is not here reaches
 * nothing (fsck reports it); one that cannot be read stops the listing.
 */
static const struct cairn_error *
unreach_mark(struct unreach *u)
{
	const struct cairn_error *err;
	struct cairn_mem_ent *e;
	struct cairn_oid id;
	enum cairn_otype type;
	unsigned char *data;
	size_t len;
	int added;

	while (u->n > 0 && u->err == NULL) {
		id = u->stack[--u->n];
		if ((err = cairn_memtable_add(&u->reached, id.hash, &e,
		    &added)) != NULL)
			return err;
		if (!added)
			continue;
		err = cairn_object_stat(u->repo, &id, &type, NULL);
		if (err != NULL && err->code == CAIRN_ERR_NOT_FOUND)
			continue;
		if (err != NULL)
			return err;
		if (type == CAIRN_OBJ_BLOB)
			continue;
		if ((err = cairn_object_get(u->repo, &id, CAIRN_GET_NO_VERIFY,
		    &type, &data, &len)) != NULL)
			return err;
		cairn_object_links(type, data, len,
		    cairn_repo_hash_algo(u->repo), unreach_push, u);
		free(data);
	}
	return u->err;
}

static int
unreach_each(void *arg, const struct cairn_oid *id)
{
	struct unreach *u = arg;
	enum cairn_otype type;

	if (cairn_memtable_get(&u->reached, id->hash) != NULL)
		return 0;
	if ((u->err = cairn_object_stat(u->repo, id, &type, NULL)) != NULL)
		return 1;
	return u->fn(u->arg, id, type);
}

const struct cairn_error *
cairn_reach_unreachable(struct cairn_repo *repo, cairn_unreachable_fn fn,
    void *arg)
{
	const struct cairn_error *err;
	struct unreach u;

	memset(&u, 0, sizeof(u));
	u.repo = repo;
	u.fn = fn;
	u.arg = arg;
	cairn_memtable_init(&u.reached,
	    cairn_hash_len(cairn_repo_hash_algo(repo)));
	if ((err = cairn_ref_list(repo, NULL, unreach_ref, &u)) == NULL &&
	    (err = u.err) == NULL &&
	    (err = unreach_mark(&u)) == NULL &&
	    (err = cairn_object_each(repo, unreach_each, &u)) == NULL)
		err = u.err;
	free(u.stack);
	cairn_memtable_release(&u.reached);
	return err;
}
