/*
 * t-each.c: cairn_object_each over every backend (memory; disk with
 * objects in the WAL, in index segments and in both; the layered
 * wrapper of a repository with an alternate): each object once, in id
 * order, nothing aborted or collected; and gc's removed callback, which
 * tells in id order exactly what a following real gc removes.
 */
#define _XOPEN_SOURCE 700
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "tap.h"
#include "scratch.h"

#define MAXIDS 256

struct seen {
	struct cairn_repo *repo;	/* non-NULL: read each object */
	struct cairn_oid id[MAXIDS];
	int n;
	int stop_at;		/* > 0: stop after this many */
	int bad_order, bad_read;
};

static int
collect(void *arg, const struct cairn_oid *id)
{
	struct seen *s = arg;
	enum cairn_otype type;
	unsigned char *data;
	size_t len;

	if (s->n >= MAXIDS)
		return 1;
	if (s->n > 0 && cairn_oid_cmp(&s->id[s->n - 1], id) >= 0)
		s->bad_order++;
	if (s->repo != NULL) {
		if (cairn_object_get(s->repo, id, 0, &type, &data, &len) !=
		    NULL)
			s->bad_read++;
		else
			free(data);
	}
	s->id[s->n++] = *id;
	return s->stop_at > 0 && s->n >= s->stop_at;
}

/* Every id of want[0..n) was seen. */
static int
has_all(const struct seen *s, const struct cairn_oid *want, int n)
{
	int i, j, found, missing = 0;

	for (i = 0; i < n; i++) {
		for (j = 0, found = 0; j < s->n && !found; j++)
			found = cairn_oid_eq(&s->id[j], &want[i]);
		missing += !found;
	}
	return missing == 0;
}

static const struct cairn_error *
put_n(struct cairn_repo *r, int from, int n, struct cairn_oid *out)
{
	const struct cairn_error *err;
	char buf[64];
	int i, len;

	for (i = 0; i < n; i++) {
		len = snprintf(buf, sizeof(buf), "object %d\n", from + i);
		if ((err = cairn_object_put(r, CAIRN_OBJ_BLOB, buf,
		    (size_t)len, &out[i])) != NULL)
			return err;
	}
	return NULL;
}

static void
each(struct cairn_repo *r, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	no_error(cairn_object_each(r, collect, s), "each");
}

static void
test_memory(void)
{
	struct cairn_repo *r;
	struct cairn_oid id[20], extra;
	struct seen s;

	if (!no_error(cairn_repo_open(NULL, CAIRN_OPEN_MEMORY |
	    CAIRN_OPEN_SHA1, &r), "memory: open"))
		return;
	each(r, &s);
	is_int(s.n, 0, "memory: an empty repository lists nothing");
	no_error(put_n(r, 0, 20, id), "memory: put");
	no_error(cairn_batch_begin(r), "memory: begin");
	no_error(cairn_batch_add(r, CAIRN_OBJ_BLOB, "gone\n", 5, &extra),
	    "memory: add");
	cairn_batch_abort(r);
	no_error(put_n(r, 0, 5, id), "memory: put again");
	memset(&s, 0, sizeof(s));
	s.repo = r;
	no_error(cairn_object_each(r, collect, &s), "memory: each");
	is_int(s.n, 20, "memory: each object once, the aborted one not");
	is_int(s.bad_order, 0, "memory: in id order");
	is_int(s.bad_read, 0, "memory: fn may read the objects");
	ok(has_all(&s, id, 20), "memory: every object");
	cairn_repo_close(r);
}

static void
test_disk(const char *dir)
{
	struct cairn_init_opts io = CAIRN_INIT_OPTS_INIT;
	struct cairn_open_opts o = CAIRN_OPEN_OPTS_INIT;
	struct cairn_repo *r;
	struct cairn_oid id[60];
	struct seen s;
	char path[512];

	snprintf(path, sizeof(path), "%s/disk", dir);
	io.hash_algo = CAIRN_HASH_SHA1;
	if (!no_error(cairn_repo_init(path, &io), "disk: init") ||
	    !no_error(cairn_repo_open(path, 0, &r), "disk: open"))
		return;
	no_error(put_n(r, 0, 30, id), "disk: put 30");
	each(r, &s);
	is_int(s.n, 30, "disk: the WAL's objects, not flushed");
	is_int(s.bad_order, 0, "disk: WAL only, in id order");
	no_error(cairn_repo_flush(r), "disk: flush");
	/* 10 of these again (WAL and segment), 30 new (WAL only). */
	no_error(put_n(r, 20, 40, id + 20), "disk: put 40 more");
	memset(&s, 0, sizeof(s));
	s.repo = r;
	no_error(cairn_object_each(r, collect, &s), "disk: each");
	is_int(s.n, 60, "disk: WAL and segment, each object once");
	is_int(s.bad_order, 0, "disk: in id order");
	is_int(s.bad_read, 0, "disk: fn may read the objects");
	ok(has_all(&s, id, 60), "disk: every object");
	memset(&s, 0, sizeof(s));
	s.stop_at = 7;
	no_error(cairn_object_each(r, collect, &s), "disk: each, stopped");
	is_int(s.n, 7, "disk: a nonzero return of fn stops");
	cairn_repo_close(r);

	/* Another handle sees what this one committed. */
	if (!no_error(cairn_repo_open(path, CAIRN_OPEN_READ_ONLY, &r),
	    "disk: open read-only"))
		return;
	each(r, &s);
	is_int(s.n, 60, "disk: a read-only handle lists the same");
	cairn_repo_close(r);

	/* Through the cache wrapper, with objects in its cache. */
	o.cache_bytes = 1 << 20;
	if (!no_error(cairn_repo_open_opts(path, &o, &r), "disk: open cached"))
		return;
	memset(&s, 0, sizeof(s));
	s.repo = r;
	no_error(cairn_object_each(r, collect, &s), "disk: each, cached");
	no_error(put_n(r, 100, 3, id), "disk: put 3 through the cache");
	each(r, &s);
	is_int(s.n, 63, "disk: the cached handle lists every object once");
	is_int(s.bad_order, 0, "disk: cached, in id order");
	cairn_repo_close(r);
}

static void
test_alternate(const char *dir)
{
	struct cairn_init_opts io = CAIRN_INIT_OPTS_INIT;
	struct cairn_repo *lo, *up;
	struct cairn_oid a[10], b[10];
	struct seen s;
	char lower[512], upper[512];

	snprintf(lower, sizeof(lower), "%s/lower", dir);
	snprintf(upper, sizeof(upper), "%s/upper", dir);
	if (!no_error(cairn_repo_init(lower, NULL), "alt: init lower") ||
	    !no_error(cairn_repo_open(lower, 0, &lo), "alt: open lower"))
		return;
	no_error(put_n(lo, 0, 10, a), "alt: put in lower");
	no_error(cairn_repo_flush(lo), "alt: flush lower");
	cairn_repo_close(lo);
	io.alternate = lower;
	if (!no_error(cairn_repo_init(upper, &io), "alt: init upper") ||
	    !no_error(cairn_repo_open_opts(upper, NULL, &up), "alt: open"))
		return;
	/* Objects 5..9 in both, 10..14 only here (in the WAL). */
	no_error(put_n(up, 5, 10, b), "alt: put in upper");
	memset(&s, 0, sizeof(s));
	s.repo = up;
	no_error(cairn_object_each(up, collect, &s), "alt: each");
	is_int(s.n, 15, "alt: the union, each object once");
	is_int(s.bad_order, 0, "alt: in id order");
	is_int(s.bad_read, 0, "alt: fn may read the objects");
	ok(has_all(&s, a, 10) && has_all(&s, b, 10), "alt: every object");
	cairn_repo_close(up);
}

struct told {
	struct cairn_oid id[MAXIDS];
	int n, bad_order, bad_type, bad_size;
};

static void
removed(void *arg, const struct cairn_oid *id, enum cairn_otype type,
    uint64_t size, int64_t when)
{
	struct told *t = arg;

	(void)when;
	if (t->n >= MAXIDS)
		return;
	if (t->n > 0 && cairn_oid_cmp(&t->id[t->n - 1], id) >= 0)
		t->bad_order++;
	t->bad_type += type != CAIRN_OBJ_BLOB;
	t->bad_size += size < 9 || size > 11;	/* "object <n>\n" */
	t->id[t->n++] = *id;
}

static void
test_gc(const char *dir)
{
	struct cairn_gc_opts o = CAIRN_GC_OPTS_INIT;
	struct cairn_gc_result res = CAIRN_GC_RESULT_INIT;
	struct cairn_repo *r, *old;
	struct cairn_oid id[40];
	struct seen before, after;
	struct told dry, real;
	char path[512];
	int i, j, bad = 0, found;

	snprintf(path, sizeof(path), "%s/gc", dir);
	if (!no_error(cairn_repo_init(path, NULL), "gc: init") ||
	    !no_error(cairn_repo_open(path, 0, &r), "gc: open"))
		return;
	no_error(put_n(r, 0, 20, id), "gc: put 20");
	no_error(cairn_repo_flush(r), "gc: flush");
	no_error(put_n(r, 20, 20, id + 20), "gc: put 20 more, not flushed");
	no_error(cairn_ref_set(r, "keep/a", &id[3], NULL), "gc: ref a");
	no_error(cairn_ref_set(r, "keep/b", &id[33], NULL), "gc: ref b");
	each(r, &before);
	cairn_repo_close(r);
	/* A handle open across the gc. */
	if (!no_error(cairn_repo_open(path, CAIRN_OPEN_READ_ONLY, &old),
	    "gc: open a reader"))
		return;

	memset(&dry, 0, sizeof(dry));
	o.keep_since = INT64_MAX;
	o.dry_run = 1;
	o.removed = removed;
	o.arg = &dry;
	no_error(cairn_repo_gc(path, &o, &res), "gc: dry run");
	is_int(dry.n, 38, "gc: the dry run tells each object it would remove");
	is_uint(res.removed, 38, "gc: as many as it counts");
	is_int(dry.bad_order, 0, "gc: in id order");
	is_int(dry.bad_type + dry.bad_size, 0, "gc: with type and size");

	memset(&real, 0, sizeof(real));
	o.dry_run = 0;
	o.arg = &real;
	no_error(cairn_repo_gc(path, &o, &res), "gc: real");
	is_int(real.n, dry.n, "gc: the real gc tells as many");
	ok(real.n == dry.n && memcmp(real.id, dry.id, sizeof(real.id[0]) *
	    (size_t)dry.n) == 0, "gc: the same ids");

	if (!no_error(cairn_repo_open(path, 0, &r), "gc: open again"))
		return;
	each(r, &after);
	is_int(after.n, 2, "gc: what was removed is no longer listed");
	/* before == after + told, as sets. */
	for (i = 0; i < before.n; i++) {
		for (j = 0, found = 0; j < after.n; j++)
			found += cairn_oid_eq(&after.id[j], &before.id[i]);
		for (j = 0; j < real.n; j++)
			found += cairn_oid_eq(&real.id[j], &before.id[i]);
		bad += found != 1;
	}
	is_int(bad, 0, "gc: listed before = kept + told, each once");
	cairn_repo_close(r);
	each(old, &after);
	is_int(after.n, 2, "gc: a handle opened before gc lists what it kept");
	cairn_repo_close(old);

	/* Nothing to remove: nothing told. */
	memset(&real, 0, sizeof(real));
	no_error(cairn_repo_gc(path, &o, &res), "gc: again");
	is_int(real.n, 0, "gc: nothing left, nothing told");
}

int
main(void)
{
	char dir[512];

	scratch_base(dir, sizeof(dir), "t-each", 1);
	test_memory();
	test_disk(dir);
	test_alternate(dir);
	test_gc(dir);
	rm_rf(dir);
	return done_testing();
}
