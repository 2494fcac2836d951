/*
 * log.c: history, as git log and git rev-list walk it: the commits
 * reachable from some and not from others, newest committer date first,
 * each once; then, on request, the trees, blobs and tags they reach, in
 * git rev-list --objects' order.
 *
 * The walk:
 *  1. Every commit reachable from a hidden one is marked hidden (all
 *     parents, whatever the flags, as git marks them uninteresting).
 *  2. The starting points are peeled (tags noted for the object pass);
 *     their commits go on a heap ordered by committer time, ties first
 *     seen first; trees and blobs are noted for the object pass.
 *  3. The newest commit is popped and shown, and its parents not hidden
 *     and not yet queued (the first only, with CAIRN_WALK_FIRST_PARENT)
 *     are pushed, until the heap is empty or max commits were shown.
 *     Its tree is noted for the object pass; the trees of its hidden
 *     parents (git's "edges") are marked uninteresting, with all they
 *     hold.
 *  4. The object pass: the noted objects in the order noted (the
 *     starting points' tags, trees and blobs, then each shown commit's
 *     tree), each once, none marked uninteresting; a tree before its
 *     entries, in tree order, each with its path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "graph.h"
#include "memtable.h"
#include "object.h"

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

/* What the object pass will visit, in order. */
struct noted {
	struct cairn_oid id;
	enum cairn_otype type;
	char *path;		/* the name it is shown with */
};

struct walk {
	struct cairn_repo *repo;
	const struct cairn_walk_opts *o;
	enum cairn_hash_algo algo;
	struct cairn_memtable queued;	/* commits pushed on the heap */
	struct cairn_memtable hidden;	/* commits reachable from o->hide */
	struct cairn_memtable objects;	/* type 1: shown, 2: uninteresting */
	struct heap h;
	uint64_t seq;
	struct noted *noted;
	size_t nnoted, capnoted;
	int stopped;			/* a callback asked to stop */
};

#define OBJ_SHOWN 1
#define OBJ_UNINTERESTING 2

static const struct cairn_error *
note(struct walk *w, const struct cairn_oid *id, enum cairn_otype type,
    const char *path)
{
	struct noted *nv;

	if (w->nnoted == w->capnoted) {
		w->capnoted = w->capnoted * 2 + 16;
		if ((nv = realloc(w->noted, w->capnoted * sizeof(*nv))) == NULL)
			return cairn_error_nomem();
		w->noted = nv;
	}
	if ((w->noted[w->nnoted].path = strdup(path ? path : "")) == NULL)
		return cairn_error_nomem();
	w->noted[w->nnoted].id = *id;
	w->noted[w->nnoted].type = type;
	w->nnoted++;
	return NULL;
}

static const struct cairn_error *
set_add(struct cairn_memtable *t, const struct cairn_oid *id, int *added)
{
	struct cairn_mem_ent *e;

	return cairn_memtable_add(t, id->hash, &e, added);
}

/* Queue a commit once; its time comes from reading it. */
static const struct cairn_error *
enqueue(struct walk *w, const struct cairn_oid *id)
{
	const struct cairn_error *err;
	struct cairn_commit_info ci;
	struct pending p;
	unsigned char *data;
	size_t len;
	int added;

	if (cairn_memtable_get(&w->hidden, id->hash) != NULL)
		return NULL;
	if ((err = set_add(&w->queued, id, &added)) != NULL || !added)
		return err;
	if ((err = cairn_graph_get_typed(w->repo, id, CAIRN_OBJ_COMMIT, &data,
	    &len)) != NULL)
		return err;
	err = cairn_commit_parse(data, len, w->algo, &ci);
	free(data);
	if (err != NULL)
		return err;
	p.id = *id;
	p.time = ci.commit_time;
	p.seq = w->seq++;
	return heap_push(&w->h, &p);
}

/*
 * The object a tag names, and the tag's name ("tag <name>" line), as
 * git reads them; *name is malloc'd.
 */
static const struct cairn_error *
tag_target(struct walk *w, const struct cairn_oid *tag, struct cairn_oid *out,
    char **name)
{
	const struct cairn_error *err;
	unsigned char *data;
	const char *p, *end, *nl;
	size_t len, hexlen = 2 * cairn_hash_len(w->algo);

	if ((err = cairn_graph_get_typed(w->repo, tag, CAIRN_OBJ_TAG, &data,
	    &len)) != NULL)
		return err;
	p = (const char *)data;
	end = p + len;
	*name = NULL;
	if (len < 7 + hexlen || memcmp(p, "object ", 7) != 0)
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "malformed tag");
	else
		err = cairn_oid_parse(w->algo, p + 7, hexlen, out);
	while (err == NULL && p < end && *p != '\n') {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((size_t)(nl - p) >= 4 && memcmp(p, "tag ", 4) == 0 &&
		    *name == NULL && (*name = strndup(p + 4,
		    (size_t)(nl - p) - 4)) == NULL)
			err = cairn_error_nomem();
		p = nl + 1;
	}
	if (err == NULL && *name == NULL && (*name = strdup("")) == NULL)
		err = cairn_error_nomem();
	free(data);
	if (err != NULL) {
		free(*name);
		*name = NULL;
	}
	return err;
}

/*
 * Peel id through tags to a commit, noting each tag for the object pass
 * when objects are wanted.  *type is what it ends at.
 */
static const struct cairn_error *
peel(struct walk *w, struct cairn_oid *id, int notetags, enum cairn_otype *type)
{
	const struct cairn_error *err;
	struct cairn_oid target;
	char *name = NULL;
	int i;

	for (i = 0; i < 64; i++) {
		if ((err = cairn_object_stat(w->repo, id, type, NULL)) != NULL)
			return err;
		if (*type != CAIRN_OBJ_TAG)
			return NULL;
		if ((err = tag_target(w, id, &target, &name)) == NULL &&
		    notetags)
			err = note(w, id, CAIRN_OBJ_TAG, name);
		free(name);
		if (err != NULL)
			return err;
		*id = target;
	}
	return cairn_error_new(CAIRN_ERR_INVALID, "tags nested too deep");
}

/* Step 1: mark hidden every commit the hidden ones reach. */
static const struct cairn_error *
mark_hidden(struct walk *w)
{
	const struct cairn_error *err = NULL;
	struct cairn_commit_info ci;
	struct cairn_oid *stack = NULL, *ns, id, parent;
	size_t n = 0, cap = 0, i;
	enum cairn_otype type;
	unsigned char *data;
	size_t len;
	int added;

	for (i = 0; i < w->o->nhide && err == NULL; i++) {
		id = w->o->hide[i];
		if ((err = peel(w, &id, 0, &type)) != NULL)
			break;
		if (type != CAIRN_OBJ_COMMIT) {
			char hex[CAIRN_OID_HEXMAX + 1];

			err = cairn_error_new(CAIRN_ERR_INVALID, "object %s is "
			    "a %s, not a commit", cairn_oid_fmt(&w->o->hide[i],
			    hex), cairn_otype_name(type));
			break;
		}
		if ((err = set_add(&w->hidden, &id, &added)) != NULL || !added)
			continue;
		if (n == cap) {
			cap = cap * 2 + 16;
			if ((ns = realloc(stack, cap * sizeof(*ns))) == NULL) {
				err = cairn_error_nomem();
				break;
			}
			stack = ns;
		}
		stack[n++] = id;
		while (n > 0 && err == NULL) {
			id = stack[--n];
			if ((err = cairn_graph_get_typed(w->repo, &id,
			    CAIRN_OBJ_COMMIT, &data, &len)) != NULL)
				break;
			err = cairn_commit_parse(data, len, w->algo, &ci);
			for (size_t k = 0; err == NULL && k < ci.nparents; k++) {
				if ((err = cairn_commit_parent(&ci, k,
				    &parent)) != NULL ||
				    (err = set_add(&w->hidden, &parent,
				    &added)) != NULL || !added)
					continue;
				if (n == cap) {
					cap = cap * 2 + 16;
					if ((ns = realloc(stack, cap *
					    sizeof(*ns))) == NULL) {
						err = cairn_error_nomem();
						break;
					}
					stack = ns;
				}
				stack[n++] = parent;
			}
			free(data);
		}
	}
	free(stack);
	return err;
}

/* Mark a tree and all it holds uninteresting (git's edge trees). */
static const struct cairn_error *
mark_tree(struct walk *w, const struct cairn_oid *tree, int depth)
{
	const struct cairn_error *err = NULL;
	struct cairn_mem_ent *ent;
	struct cairn_tree_entry e;
	enum cairn_otype type;
	unsigned char *data;
	size_t len, pos = 0;
	int added, r;

	if ((err = cairn_memtable_add(&w->objects, tree->hash, &ent,
	    &added)) != NULL)
		return err;
	if (ent->type == OBJ_UNINTERESTING)
		return NULL;
	ent->type = OBJ_UNINTERESTING;
	if (depth > TREE_DEPTH_MAX)
		return cairn_error_new(CAIRN_ERR_INVALID, "trees nest deeper "
		    "than %d", TREE_DEPTH_MAX);
	/* As git: a tree that is not here is skipped. */
	if (cairn_object_get(w->repo, tree, 0, &type, &data, &len) != NULL)
		return NULL;
	while (err == NULL && type == CAIRN_OBJ_TREE &&
	    (r = cairn_tree_next(data, len, &pos, w->algo, &e)) == 1) {
		if (e.mode == CAIRN_MODE_TREE)
			err = mark_tree(w, &e.id, depth + 1);
		else if (e.mode != CAIRN_MODE_GITLINK &&
		    (err = cairn_memtable_add(&w->objects, e.id.hash, &ent,
		    &added)) == NULL)
			ent->type = OBJ_UNINTERESTING;
	}
	free(data);
	return err;
}

/* Step 3, for one commit: its parents and, for objects, its trees. */
static const struct cairn_error *
follow(struct walk *w, const unsigned char *data, size_t len)
{
	const struct cairn_error *err;
	struct cairn_commit_info ci, pci;
	struct cairn_oid parent;
	int objects = (w->o->flags & CAIRN_WALK_OBJECTS) != 0;
	unsigned char *pdata;
	size_t plen, i;

	if ((err = cairn_commit_parse(data, len, w->algo, &ci)) != NULL)
		return err;
	for (i = 0; i < ci.nparents && err == NULL; i++) {
		if ((err = cairn_commit_parent(&ci, i, &parent)) != NULL)
			break;
		if (cairn_memtable_get(&w->hidden, parent.hash) != NULL) {
			if (!objects)
				continue;
			/* An edge: what its tree holds is not listed. */
			if ((err = cairn_graph_get_typed(w->repo, &parent,
			    CAIRN_OBJ_COMMIT, &pdata, &plen)) != NULL)
				break;
			if ((err = cairn_commit_parse(pdata, plen, w->algo,
			    &pci)) == NULL)
				err = mark_tree(w, &pci.tree, 0);
			free(pdata);
			continue;
		}
		if (i == 0 || !(w->o->flags & CAIRN_WALK_FIRST_PARENT))
			err = enqueue(w, &parent);
	}
	if (err == NULL && objects)
		err = note(w, &ci.tree, CAIRN_OBJ_TREE, "");
	return err;
}

static int
show_object(struct walk *w, const struct cairn_oid *id, enum cairn_otype type,
    const char *path)
{
	if (w->o->object != NULL && w->o->object(w->o->arg, id, type,
	    path) != 0)
		w->stopped = 1;
	return w->stopped;
}

/* Whether id is still to be shown; if so it is marked shown. */
static const struct cairn_error *
first_sight(struct walk *w, const struct cairn_oid *id, int *fresh)
{
	const struct cairn_error *err;
	struct cairn_mem_ent *ent;
	int added;

	if ((err = cairn_memtable_add(&w->objects, id->hash, &ent,
	    &added)) != NULL)
		return err;
	*fresh = ent->type == 0;
	if (*fresh)
		ent->type = OBJ_SHOWN;
	return NULL;
}

/* Step 4 for a tree: itself, then its entries, depth first. */
static const struct cairn_error *
show_tree(struct walk *w, const struct cairn_oid *tree, struct cairn_buf *path,
    int depth)
{
	const struct cairn_error *err;
	struct cairn_tree_entry e;
	unsigned char *data;
	size_t len, pos = 0, base = path->len;
	int fresh, r;

	if ((err = first_sight(w, tree, &fresh)) != NULL || !fresh)
		return err;
	if (show_object(w, tree, CAIRN_OBJ_TREE, path->data ?
	    (const char *)path->data : ""))
		return NULL;
	if (depth > TREE_DEPTH_MAX)
		return cairn_error_new(CAIRN_ERR_INVALID, "trees nest deeper "
		    "than %d", TREE_DEPTH_MAX);
	if ((err = cairn_graph_get_typed(w->repo, tree, CAIRN_OBJ_TREE, &data,
	    &len)) != NULL)
		return err;
	while (err == NULL && !w->stopped &&
	    (r = cairn_tree_next(data, len, &pos, w->algo, &e)) == 1) {
		if (e.mode == CAIRN_MODE_GITLINK)
			continue;
		path->len = base;
		if (base > 0)
			err = cairn_buf_append(path, "/", 1);
		if (err == NULL)
			err = cairn_buf_append(path, e.name, e.name_len);
		if (err == NULL)
			err = cairn_buf_append(path, "", 1);
		if (err != NULL)
			break;
		path->len--;	/* the NUL stays after the text */
		if (e.mode == CAIRN_MODE_TREE) {
			err = show_tree(w, &e.id, path, depth + 1);
		} else if ((err = first_sight(w, &e.id, &fresh)) == NULL &&
		    fresh)
			show_object(w, &e.id, CAIRN_OBJ_BLOB,
			    (const char *)path->data);
	}
	if (err == NULL && r < 0 && !w->stopped)
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "malformed tree");
	path->len = base;
	if (path->data != NULL)
		path->data[base] = '\0';
	free(data);
	return err;
}

static const struct cairn_error *
object_pass(struct walk *w)
{
	const struct cairn_error *err = NULL;
	struct cairn_buf path = { 0 };
	struct noted *n;
	size_t i;
	int fresh;

	for (i = 0; i < w->nnoted && err == NULL && !w->stopped; i++) {
		n = &w->noted[i];
		if (n->type == CAIRN_OBJ_TREE) {
			path.len = 0;
			if ((err = cairn_buf_append(&path, n->path,
			    strlen(n->path) + 1)) == NULL) {
				path.len--;
				err = show_tree(w, &n->id, &path, 0);
			}
		} else if ((err = first_sight(w, &n->id, &fresh)) == NULL &&
		    fresh) {
			show_object(w, &n->id, n->type, n->path);
		}
	}
	cairn_buf_release(&path);
	return err;
}

static const struct cairn_error *
walk_run(struct walk *w)
{
	const struct cairn_walk_opts *o = w->o;
	const struct cairn_error *err;
	char hex[CAIRN_OID_HEXMAX + 1];
	struct pending top;
	struct cairn_oid id;
	enum cairn_otype type;
	unsigned char *data;
	uint64_t shown = 0;
	size_t i, len;
	int objects = (o->flags & CAIRN_WALK_OBJECTS) != 0;

	if ((err = mark_hidden(w)) != NULL)
		return err;
	for (i = 0; i < o->nstarts; i++) {
		id = o->starts[i];
		if ((err = peel(w, &id, objects, &type)) != NULL)
			return err;
		if (type == CAIRN_OBJ_COMMIT)
			err = enqueue(w, &id);
		else if (objects)
			err = note(w, &id, type, o->paths ? o->paths[i] : "");
		else
			err = cairn_error_new(CAIRN_ERR_INVALID, "object %s is "
			    "a %s, not a commit", cairn_oid_fmt(&o->starts[i],
			    hex), cairn_otype_name(type));
		if (err != NULL)
			return err;
	}
	while (w->h.n > 0 && (o->max == 0 || shown < o->max)) {
		top = heap_pop(&w->h);
		if ((err = cairn_graph_get_typed(w->repo, &top.id,
		    CAIRN_OBJ_COMMIT, &data, &len)) != NULL)
			return err;
		err = follow(w, data, len);
		if (err == NULL && o->commit != NULL &&
		    o->commit(o->arg, &top.id, data, len) != 0)
			w->stopped = 1;
		free(data);
		if (err != NULL || w->stopped)
			return err;
		shown++;
	}
	return objects ? object_pass(w) : NULL;
}

const struct cairn_error *
cairn_rev_walk(struct cairn_repo *repo, const struct cairn_walk_opts *opts)
{
	const struct cairn_error *err;
	struct walk w;
	size_t idlen, i;

	if (opts == NULL || opts->size < sizeof(struct cairn_walk_opts))
		return cairn_error_new(CAIRN_ERR_USAGE, "cairn_rev_walk: "
		    "opts->size not set (use CAIRN_WALK_OPTS_INIT)");
	memset(&w, 0, sizeof(w));
	w.repo = repo;
	w.o = opts;
	w.algo = cairn_repo_hash_algo(repo);
	idlen = cairn_hash_len(w.algo);
	cairn_memtable_init(&w.queued, idlen);
	cairn_memtable_init(&w.hidden, idlen);
	cairn_memtable_init(&w.objects, idlen);
	err = walk_run(&w);
	for (i = 0; i < w.nnoted; i++)
		free(w.noted[i].path);
	free(w.noted);
	free(w.h.v);
	cairn_memtable_release(&w.queued);
	cairn_memtable_release(&w.hidden);
	cairn_memtable_release(&w.objects);
	return err;
}

const struct cairn_error *
cairn_log_walk(struct cairn_repo *repo, const struct cairn_oid *start,
    uint64_t max, cairn_log_fn fn, void *arg)
{
	struct cairn_walk_opts o = CAIRN_WALK_OPTS_INIT;

	o.starts = start;
	o.nstarts = 1;
	o.max = max;
	o.commit = fn;
	o.arg = arg;
	return cairn_rev_walk(repo, &o);
}
