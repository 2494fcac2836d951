/*
 * gc.c: garbage collection of a disk repository.
 *
 * Mark: the roots are every ref and every object written or touched since
 * keep_since; marking follows tree, commit and tag links.  Then, if
 * opts->removed is set, it is told of each object not marked, in id
 * order, before anything changes.  Sweep: the marked records are copied
 * raw, in their old order, to a new data file (only the header changes:
 * its offset, and its time becomes the latest write or touch, so the
 * grace period survives the copy); one index segment and an empty WAL
 * go with it, and a new manifest publishes the generation.  The manifest rename is the commit point: before it the old
 * generation is whole and the new files are strays; after it the old
 * files are, and are deleted.  The writer lock keeps puts out; an
 * exclusive flock on gc.lock keeps ref updates out from before the refs
 * are read until the switch is done.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "disk_int.h"
#include "file.h"
#include "lock.h"
#include "object.h"
#include "zip.h"

/*
 * The object table: a memtable whose entries say, for each object of the
 * data file, where its record is (loc) and how long it is (size: header
 * and stored bytes), its latest write or touch time (data_off), its type,
 * and whether it is marked (where has GC_MARKED; GC_CHECK too for a blob
 * a ref reaches, whose stored bytes are checked after the marking, in
 * file order: see check_blobs).
 */
#define GC_PRESENT 1
#define GC_MARKED 2
#define GC_CHECK 4

/* A ref of a plan (cairn_gc_opts) and its index in plan_refs. */
struct plan_ref {
	const char *name;
	size_t at;
};

struct gc {
	struct disk *d;
	const struct cairn_gc_opts *o;
	const char *phase;		/* of the progress counted in done */
	uint64_t done;
	const unsigned char *map;	/* the data file, [0, data_end) */
	size_t map_len;
	struct cairn_memtable objs;
	struct cairn_memtable lower_seen;	/* objects followed in the alternate */
	struct cairn_buf stack;		/* struct cairn_oid to visit */
	struct cairn_mem_ent **order;	/* the marked, in file order */
	size_t norder;
	const struct cairn_error *root_err;	/* a root that could not be kept */
	uint64_t marked_bytes;		/* the record bytes of the marked */
	/* A plan (cairn_gc_opts): the plan's refs by name, and their ids. */
	struct plan_ref *plan_order;	/* o->plan_refs, by name */
	struct cairn_oid *plan_ids;
	unsigned char *plan_found;
};

const struct cairn_error *
cairn_gc_expiry_parse(const char *spec, int64_t now, int64_t *out)
{
	static const struct {
		const char *unit;
		int64_t secs;
	} units[] = {
		{ "second", 1 }, { "minute", 60 }, { "hour", 3600 },
		{ "day", 86400 }, { "week", 604800 }, { "month", 2592000 },
		{ "year", 31536000 },
	};
	char unit[32], rest[32];
	long long n;
	size_t i, len;

	if (strcmp(spec, "now") == 0) {
		*out = INT64_MAX;
		return NULL;
	}
	if (strcmp(spec, "never") == 0) {
		*out = INT64_MIN;
		return NULL;
	}
	if (spec[0] == '@' && sscanf(spec + 1, "%lld%1s", &n, rest) == 1) {
		*out = n;
		return NULL;
	}
	rest[0] = '\0';
	if (sscanf(spec, "%lld.%31[a-z].%31s", &n, unit, rest) < 2 &&
	    sscanf(spec, "%lld %31[a-z] %31s", &n, unit, rest) < 2)
		goto bad;
	if (rest[0] != '\0' && strcmp(rest, "ago") != 0)
		goto bad;
	len = strlen(unit);
	if (len > 1 && unit[len - 1] == 's')
		unit[--len] = '\0';
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(unit, units[i].unit) == 0 && n >= 0 &&
		    n < INT64_MAX / units[i].secs) {
			*out = now - n * units[i].secs;
			return NULL;
		}
bad:
	return cairn_error_new(CAIRN_ERR_INVALID, "bad prune expiry '%s' "
	    "(expected now, never, or like 2.weeks.ago)", spec);
}

/* The count of the phase that ends, whole (tick reports every 4096). */
static void
tell_phase(struct gc *g)
{
	if (g->o->progress != NULL && g->phase != NULL && g->done % 4096 != 0)
		g->o->progress(g->o->arg, g->phase, g->done, 0);
}

/* One more object done in phase ("scan", "mark", "copy"). */
static void
tick(struct gc *g, const char *phase)
{
	if (g->o->progress == NULL)
		return;
	if (phase != g->phase) {
		tell_phase(g);
		g->phase = phase;
		g->done = 0;
	}
	if (++g->done % 4096 == 0)
		g->o->progress(g->o->arg, phase, g->done, 0);
}

/* Do the stored bytes of the record at off match their CRC? */
static int
stored_intact(struct gc *g, uint64_t off)
{
	struct cairn_rec rec;

	return cairn_rec_decode(&rec, g->map + off, g->d->idlen) == NULL &&
	    cairn_crc32(0, g->map + off + CAIRN_REC_HDR_SIZE,
	    (size_t)rec.stored) == rec.crc;
}

/*
 * Ask for the whole map to be read in ahead, in order, and its pages
 * mapped in one call rather than faulted in one by one as scan first
 * touches each header.  Hints only: a system that refuses them (or a map
 * that is not page-aligned) costs the faults and nothing else.
 */
static void
map_prefetch(const unsigned char *map, size_t len)
{
	void *p = (void *)(uintptr_t)map;

#ifdef MADV_SEQUENTIAL
	(void)madvise(p, len, MADV_SEQUENTIAL);
#endif
#ifdef MADV_POPULATE_READ
	if (madvise(p, len, MADV_POPULATE_READ) == 0)
		return;
#endif
#ifdef MADV_WILLNEED
	(void)madvise(p, len, MADV_WILLNEED);
#endif
}

/* Enter the record r (decoded and checked) in the object table. */
static const struct cairn_error *
scan_one(struct gc *g, const struct cairn_rec *r)
{
	const struct cairn_error *err;
	struct cairn_mem_ent *have;
	uint64_t off = r->data_off;
	int added;

	/* An object's record takes one probe to find or add. */
	if (r->kind != CAIRN_REC_OBJECT) {
		have = (struct cairn_mem_ent *)cairn_memtable_get(&g->objs,
		    r->id.hash);
		added = 0;
	} else if ((err = cairn_memtable_add(&g->objs, r->id.hash, &have,
	    &added)) != NULL)
		return err;
	if (added) {
		have->where = GC_PRESENT;
		have->type = (unsigned char)r->type;
		have->size = cairn_rec_span(r);
		have->loc = off;
		have->data_off = r->time;
	} else if (have != NULL) {
		if (r->time > have->data_off)
			have->data_off = r->time;
		/* Of two copies, keep one that is intact. */
		if (r->kind == CAIRN_REC_OBJECT &&
		    !stored_intact(g, have->loc) && stored_intact(g, off)) {
			have->loc = off;
			have->size = cairn_rec_span(r);
		}
	}
	return NULL;
}

/* Records decoded ahead of their table look-ups (see scan). */
#define SCAN_AHEAD 16
/* Bytes of the data file read at a time for their headers. */
#define SCAN_WINDOW ((size_t)1 << 20)

/*
 * Index every record of the data file: position, span, type, latest
 * time.  (scan has checked that each record's span lies inside the
 * file.)  The headers are read from the file a window at a time, in
 * order, rather than touched in the map one by one (each a miss that
 * only the header before says where to take).  They are decoded
 * SCAN_AHEAD at a time, the table slot of each asked for as it is
 * decoded, so that the look-ups, each a cache miss in a table of
 * millions, overlap rather than wait one by one.
 */
static const struct cairn_error *
scan(struct gc *g)
{
	const struct cairn_error *err;
	struct cairn_rec batch[SCAN_AHEAD], *r;
	uint64_t off = CAIRN_FILEHDR_SIZE, expect = g->d->mem_objects;
	uint64_t win_off = 0;
	unsigned char *win;
	size_t i, k, nb, win_len = 0;

	/* The table is sized once, for the objects the index knows of. */
	for (i = 0; i < g->d->nseg; i++)
		expect += g->d->seg[i].count;
	if (expect < SIZE_MAX / 2 &&
	    (err = cairn_memtable_reserve(&g->objs, (size_t)expect)) != NULL)
		return err;
	if ((win = malloc(SCAN_WINDOW)) == NULL)
		return cairn_error_nomem();
	while (off < g->map_len) {
		for (nb = 0; nb < SCAN_AHEAD && off < g->map_len; nb++) {
			r = &batch[nb];
			if (g->map_len - off >= CAIRN_REC_HDR_SIZE &&
			    (off < win_off || off + CAIRN_REC_HDR_SIZE >
			    win_off + win_len)) {
				win_off = off;
				win_len = g->map_len - off < SCAN_WINDOW ?
				    (size_t)(g->map_len - off) : SCAN_WINDOW;
				if ((err = cairn_file_pread(g->d->vfs,
				    g->d->data_fd, win, win_len, win_off,
				    g->d->man.data)) != NULL)
					goto done;
			}
			if (g->map_len - off < CAIRN_REC_HDR_SIZE ||
			    (err = cairn_rec_decode(r, win + (off - win_off),
			    g->d->idlen)) || r->data_off != off ||
			    cairn_rec_span(r) > g->map_len - off) {
				err = cairn_error_new(CAIRN_ERR_CORRUPT, "'%s': "
				    "bad record at offset %llu (run cairn fsck)",
				    g->d->man.data, (unsigned long long)off);
				goto done;
			}
			cairn_memtable_prefetch(&g->objs, r->id.hash);
			off += cairn_rec_span(r);
		}
		for (k = 0; k < nb; k++) {
			r = &batch[k];
			if ((err = scan_one(g, r)) != NULL)
				goto done;
			tick(g, "scan");
		}
	}
	err = NULL;
done:
	free(win);
	return err;
}

static const struct cairn_error *
push(struct gc *g, const struct cairn_oid *id)
{
	cairn_memtable_prefetch(&g->objs, id->hash);	/* mark looks it up */
	return cairn_buf_append(&g->stack, id, sizeof(*id));
}

static int
push_link(void *arg, const struct cairn_oid *id, enum cairn_otype type)
{
	(void)type;
	return push(arg, id) != NULL;
}

/*
 * An object only the alternate has is never removed (it is not ours), but
 * what it links to may be ours: follow it there, once.  One neither here
 * nor there is missing: with strict set (a ref reaches it) that stops gc.
 */
static const struct cairn_error *
follow_lower(struct gc *g, const struct cairn_oid *id, int strict)
{
	struct cairn_backend *lower = g->d->lower;
	const struct cairn_error *err;
	struct cairn_mem_ent e;
	struct cairn_buf b = { 0 };
	char hex[CAIRN_OID_HEXMAX + 1];
	uint64_t size;
	int type;

	if (cairn_memtable_get(&g->lower_seen, id->hash))
		return NULL;
	memset(&e, 0, sizeof(e));
	memcpy(e.id, id->hash, id->len);
	if ((err = cairn_memtable_put(&g->lower_seen, &e)) != NULL)
		return err;
	err = lower == NULL ? cairn_error_new(CAIRN_ERR_NOT_FOUND, "missing") :
	    lower->ops->stat(lower, id, &type, &size);
	if (err == NULL && type != CAIRN_OBJ_BLOB &&
	    (err = lower->ops->read(lower, id, 0, &type, &b)) == NULL &&
	    cairn_object_links(type, b.data, b.len, g->d->be.algo, push_link,
	    g) != 0)
		err = cairn_error_nomem();
	cairn_buf_release(&b);
	if (err == NULL || (!strict && err->code != CAIRN_ERR_NOMEM))
		return NULL;
	cairn_oid_fmt(id, hex);
	if (err->code == CAIRN_ERR_NOT_FOUND)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "object %s, which a "
		    "ref reaches, is missing%s (run cairn fsck; nothing was "
		    "removed)", hex, lower != NULL ? " here and in the "
		    "alternate" : "");
	return err->code == CAIRN_ERR_NOMEM ? err : cairn_error_relabel(err,
	    CAIRN_ERR_NONE, "object %s, which a ref reaches: %s (nothing was "
	    "removed)", hex, err->msg);
}

/*
 * The content of the marked record e, whole and checked: its stored
 * bytes match their CRC and, but for a blob (whose links are none), its
 * content hashes to its id.  *content (malloc'd) is NULL for a blob.
 */
static const struct cairn_error *
read_marked(struct gc *g, const struct cairn_mem_ent *e,
    unsigned char **content, size_t *len)
{
	const struct cairn_error *err;
	struct cairn_rec rec;
	struct cairn_oid got;
	const unsigned char *stored;

	*content = NULL;
	if ((err = cairn_rec_decode(&rec, g->map + e->loc,
	    g->d->idlen)) != NULL ||
	    (err = cairn_rec_sizes_plausible(&rec)) != NULL)
		goto bad;
	stored = g->map + e->loc + CAIRN_REC_HDR_SIZE;
	if (cairn_crc32(0, stored, (size_t)rec.stored) != rec.crc) {
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "stored bytes do "
		    "not match their CRC");
		goto bad;
	}
	if (e->type == CAIRN_OBJ_BLOB)
		return NULL;
	if ((*content = malloc((size_t)rec.size + 1)) == NULL)
		return cairn_error_nomem();
	err = cairn_rec_content(&rec, stored, *content);
	if (err == NULL)
		err = cairn_hash_object(g->d->be.algo, rec.type, *content,
		    (size_t)rec.size, &got);
	if (err == NULL && !cairn_oid_eq(&got, &rec.id))
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "content does not "
		    "hash to its id");
	if (err == NULL) {
		*len = (size_t)rec.size;
		return NULL;
	}
	free(*content);
	*content = NULL;
bad:
	return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s' offset %llu: %s "
	    "(run cairn fsck; nothing was removed)", g->d->man.data,
	    (unsigned long long)e->loc, err->msg);
}

/*
 * Mark what the stack holds and everything it reaches.  With strict set
 * (what the refs reach), an object that is neither here nor in the
 * alternate, or that cannot be read intact, stops gc: sweeping on an
 * incomplete view would remove what the missing part links to.
 */
static const struct cairn_error *
mark(struct gc *g, int strict)
{
	const struct cairn_error *err;
	struct cairn_mem_ent *e;
	struct cairn_oid id;
	unsigned char *content;
	size_t len = 0;

	while (g->stack.len > 0) {
		g->stack.len -= sizeof(id);
		memcpy(&id, g->stack.data + g->stack.len, sizeof(id));
		e = (struct cairn_mem_ent *)cairn_memtable_get(&g->objs,
		    id.hash);
		if (e == NULL) {
			if ((err = follow_lower(g, &id, strict)) != NULL)
				return err;
			continue;
		}
		if (e->where & GC_MARKED)
			continue;
		e->where = GC_MARKED;
		g->marked_bytes += e->size;
		tick(g, "mark");
		/*
		 * A blob links to nothing: reading it now would only check
		 * it, a touch of the data file at a random place for each.
		 * One a ref reaches is checked after, in file order; one
		 * only recent roots reach would be kept, intact or not.
		 */
		if (e->type == CAIRN_OBJ_BLOB) {
			if (strict)
				e->where |= GC_CHECK;
			continue;
		}
		if ((err = read_marked(g, e, &content, &len)) != NULL) {
			if (strict || err->code == CAIRN_ERR_NOMEM)
				return err;
			continue;	/* no ref reaches it: kept, not followed */
		}
		if (content == NULL)
			continue;
		if (cairn_object_links(e->type, content, len, g->d->be.algo,
		    push_link, g) != 0) {
			free(content);
			return cairn_error_nomem();
		}
		free(content);
	}
	return NULL;
}

static int
plan_cmp(const void *a, const void *b)
{
	return strcmp(((const struct plan_ref *)a)->name,
	    ((const struct plan_ref *)b)->name);
}

/* The index in o->plan_refs of the ref name, or -1. */
static long
plan_find(const struct gc *g, const char *name)
{
	size_t lo = 0, hi = g->o->plan_n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(name, g->plan_order[mid].name);
		if (c == 0)
			return (long)g->plan_order[mid].at;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static const struct cairn_error *
plan_init(struct gc *g)
{
	size_t i, n = g->o->plan_n;

	if ((g->plan_order = calloc(n, sizeof(*g->plan_order))) == NULL ||
	    (g->plan_ids = calloc(n, sizeof(*g->plan_ids))) == NULL ||
	    (g->plan_found = calloc(n, 1)) == NULL)
		return cairn_error_nomem();
	for (i = 0; i < n; i++) {
		g->plan_order[i].name = g->o->plan_refs[i];
		g->plan_order[i].at = i;
	}
	qsort(g->plan_order, n, sizeof(*g->plan_order), plan_cmp);
	return NULL;
}

static int
push_ref(void *arg, const char *name, const struct cairn_oid *id)
{
	struct gc *g = arg;
	long at;

	/* A ref of the plan is marked after the rest (plan_mark). */
	if (g->o->plan_n > 0 && (at = plan_find(g, name)) >= 0) {
		g->plan_ids[at] = *id;
		g->plan_found[at] = 1;
		return 0;
	}
	/* Stopping the listing is not failing it: say why, for mark_roots. */
	return (g->root_err = push(g, id)) != NULL;
}

/* The plan's refs, one after another, after every other root. */
static const struct cairn_error *
plan_mark(struct gc *g)
{
	const struct cairn_error *err;
	size_t i;

	for (i = 0; i < g->o->plan_n; i++) {
		if (g->plan_found[i] &&
		    ((err = push(g, &g->plan_ids[i])) != NULL ||
		    (err = mark(g, 1)) != NULL))
			return err;
		g->o->plan_bytes[i] = g->marked_bytes;
	}
	return NULL;
}

/* The roots: refs, and objects written or touched since keep_since. */
static const struct cairn_error *
mark_roots(struct gc *g, int64_t keep_since)
{
	const struct cairn_error *err;
	struct cairn_oid id;
	size_t i;

	if ((err = cairn_refs_list(&g->d->refs, NULL, push_ref, g)) != NULL)
		return err->code == CAIRN_ERR_NOMEM ? err :
		    cairn_error_relabel(err, CAIRN_ERR_NONE, "%s (run cairn "
		    "fsck; nothing was removed)", err->msg);
	if (g->root_err != NULL)	/* the root set is not whole */
		return g->root_err;
	if ((err = mark(g, 1)) != NULL)
		return err;
	for (i = 0; i < g->objs.cap; i++)
		if (g->objs.tab[i].used && keep_since != INT64_MAX &&
		    (keep_since == INT64_MIN ||
		    (int64_t)g->objs.tab[i].data_off >= keep_since)) {
			cairn_oid_set(g->objs.tab[i].id, g->d->idlen, &id);
			if ((err = push(g, &id)) != NULL)
				return err;
		}
	return mark(g, 0);
}

/*
 * Check the stored bytes of every blob a ref reaches (see mark), in the
 * order of the data file: a failure stops gc as it would have in mark.
 * A dry run checks them here; a sweep as it copies them (copy_records),
 * a failure then discarding the new file before anything is published.
 */
static const struct cairn_error *
check_blobs(struct gc *g)
{
	const struct cairn_error *err;
	unsigned char *content;
	size_t i, len;

	for (i = 0; i < g->norder; i++)
		if ((g->order[i]->where & GC_CHECK) &&
		    (err = read_marked(g, g->order[i], &content, &len)) != NULL)
			return err;
	return NULL;
}

static void
count(struct gc *g, struct cairn_gc_result *res)
{
	uint64_t span;
	size_t i;

	for (i = 0; i < g->objs.cap; i++) {
		if (!g->objs.tab[i].used)
			continue;
		span = g->objs.tab[i].size;	/* scan decoded the header */
		if (g->objs.tab[i].where & GC_MARKED) {
			res->kept++;
			res->kept_bytes += span;
		} else {
			res->removed++;
			res->removed_bytes += span;
		}
	}
}

static int
ent_id_cmp(const void *a, const void *b)
{
	const struct cairn_mem_ent *x = *(const struct cairn_mem_ent *const *)a;
	const struct cairn_mem_ent *y = *(const struct cairn_mem_ent *const *)b;

	return memcmp(x->id, y->id, sizeof(x->id));
}

/* Tell o->removed of each object not marked, in id order. */
static const struct cairn_error *
tell_removed(struct gc *g)
{
	const struct cairn_error *err = NULL;
	struct cairn_mem_ent **v;
	struct cairn_rec rec;
	struct cairn_oid id;
	size_t i, n = 0;

	if (g->o->removed == NULL)
		return NULL;
	for (i = 0; i < g->objs.cap; i++)
		n += g->objs.tab[i].used && !(g->objs.tab[i].where & GC_MARKED);
	if (n == 0)
		return NULL;
	if ((v = malloc(n * sizeof(*v))) == NULL)
		return cairn_error_nomem();
	for (i = 0, n = 0; i < g->objs.cap; i++)
		if (g->objs.tab[i].used && !(g->objs.tab[i].where & GC_MARKED))
			v[n++] = &g->objs.tab[i];
	qsort(v, n, sizeof(*v), ent_id_cmp);
	for (i = 0; i < n && err == NULL; i++) {
		/* scan checked that each record's header decodes. */
		if ((err = cairn_rec_decode(&rec, g->map + v[i]->loc,
		    g->d->idlen)) != NULL)
			break;
		cairn_oid_set(v[i]->id, g->d->idlen, &id);
		g->o->removed(g->o->arg, &id, (enum cairn_otype)v[i]->type,
		    rec.size, (int64_t)v[i]->data_off);
	}
	free(v);
	return err;
}

/* Sweep: write the new generation. */

struct gen {
	struct cairn_manifest m;
	struct cairn_seg_entry *ent;
	uint64_t n, i;
	char gone[CAIRN_MANIFEST_MAX_SEGMENTS + 2][64];
	size_t ngone;
};

static int
gen_next(void *arg, struct cairn_seg_entry *out)
{
	struct gen *g = arg;

	if (g->i >= g->n)
		return 0;
	*out = g->ent[g->i++];
	return 1;
}

static int
ent_cmp(const void *a, const void *b)
{
	return memcmp(((const struct cairn_seg_entry *)a)->id,
	    ((const struct cairn_seg_entry *)b)->id, CAIRN_OID_MAX);
}

/*
 * Sort the new index's entries by id: spread by their first two bytes
 * (ids are hashes, so the buckets are small), then each bucket by qsort
 * (which keeps a bucket that crafted ids crowd from going quadratic).
 */
static const struct cairn_error *
ent_sort(struct gen *gen)
{
	struct cairn_seg_entry *tmp;
	size_t i, k, sum, *cnt;
	unsigned b;

	if (gen->n < 2)
		return NULL;
	tmp = malloc((size_t)gen->n * sizeof(*tmp));
	cnt = calloc((size_t)1 << 16, sizeof(*cnt));
	if (tmp == NULL || cnt == NULL) {
		free(tmp);
		free(cnt);
		return cairn_error_nomem();
	}
	for (i = 0; i < gen->n; i++)
		cnt[(unsigned)gen->ent[i].id[0] << 8 | gen->ent[i].id[1]]++;
	for (k = 0, sum = 0; k < (size_t)1 << 16; k++) {
		sum += cnt[k];
		cnt[k] = sum - cnt[k];	/* where bucket k starts */
	}
	for (i = 0; i < gen->n; i++) {
		b = (unsigned)gen->ent[i].id[0] << 8 | gen->ent[i].id[1];
		tmp[cnt[b]++] = gen->ent[i];
	}
	/* Now cnt[k] is where bucket k ends, and bucket k + 1 starts. */
	memcpy(gen->ent, tmp, (size_t)gen->n * sizeof(*tmp));
	for (k = 0, i = 0; k < (size_t)1 << 16; k++) {
		if (cnt[k] - i > 1)
			qsort(gen->ent + i, cnt[k] - i, sizeof(*gen->ent),
			    ent_cmp);
		i = cnt[k];
	}
	free(tmp);
	free(cnt);
	return NULL;
}

#define RADIX_BITS 11

/*
 * The marked entries, in the order of their records in the data file:
 * a radix sort on the offset, a digit of RADIX_BITS bits a pass, as many
 * passes as the file's length has digits (offsets are unique, below
 * map_len).
 */
static const struct cairn_error *
marked_in_file_order(struct gc *g, struct cairn_mem_ent ***out, size_t *n)
{
	struct cairn_mem_ent **v, **tmp, **swap, *e;
	size_t i, k, sum, cnt[1 << RADIX_BITS];
	unsigned shift;

	*n = 0;
	v = calloc(g->objs.n + 1, sizeof(*v));
	tmp = calloc(g->objs.n + 1, sizeof(*tmp));
	if (v == NULL || tmp == NULL) {
		free(v);
		free(tmp);
		return cairn_error_nomem();
	}
	for (i = 0; i < g->objs.cap; i++)
		if (g->objs.tab[i].used && (g->objs.tab[i].where & GC_MARKED))
			v[(*n)++] = &g->objs.tab[i];
	for (shift = 0; shift < 64 && ((uint64_t)g->map_len >> shift) != 0;
	    shift += RADIX_BITS) {
		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < *n; i++)
			cnt[(v[i]->loc >> shift) & ((1 << RADIX_BITS) - 1)]++;
		for (k = 0, sum = 0; k < (size_t)1 << RADIX_BITS; k++) {
			sum += cnt[k];
			cnt[k] = sum - cnt[k];
		}
		for (i = 0; i < *n; i++) {
			e = v[i];
			tmp[cnt[(e->loc >> shift) & ((1 << RADIX_BITS) - 1)]++] =
			    e;
		}
		swap = v;
		v = tmp;
		tmp = swap;
	}
	free(tmp);
	*out = v;
	return NULL;
}

/*
 * Copy the marked records, in file order, to a new data file: only the
 * header is rewritten, the stored bytes go as they are.
 */
static const struct cairn_error *
copy_records(struct gc *g, struct gen *gen, const char *path,
    uint64_t *end)
{
	const struct cairn_error *err;
	struct disk *d = g->d;
	struct cairn_buf tmp = { 0 };
	struct cairn_wbuf *w;
	struct cairn_mem_ent *e;
	struct cairn_rec rec;
	unsigned char hdr[CAIRN_REC_HDR_SIZE], *content;
	size_t i, len;
	int fd = -1;

	if ((w = malloc(sizeof(*w))) == NULL)
		return cairn_error_nomem();
	if ((err = cairn_file_tmp(d->vfs, d->tmpdir, &tmp, &fd)) != NULL)
		goto done;
	cairn_wbuf_init(w, d->vfs, fd, (char *)tmp.data, 0);
	cairn_filehdr_encode(hdr, CAIRN_DATA_MAGIC, d->be.algo);
	err = cairn_wbuf_put(w, hdr, CAIRN_FILEHDR_SIZE);
	for (i = 0; err == NULL && i < g->norder; i++) {
		e = g->order[i];
		/* A blob a ref reaches is checked as it is copied. */
		if ((e->where & GC_CHECK) &&
		    (err = read_marked(g, e, &content, &len)) != NULL)
			break;
		/* scan decoded this header: it is whole and inside the map. */
		if ((err = cairn_rec_decode(&rec, g->map + e->loc, d->idlen)))
			break;
		rec.data_off = w->off + w->len;
		rec.time = e->data_off;
		memcpy(gen->ent[gen->n].id, e->id, CAIRN_OID_MAX);
		gen->ent[gen->n++].off = rec.data_off;
		cairn_rec_encode(hdr, &rec);
		tick(g, "copy");
		if ((err = cairn_wbuf_put(w, hdr, sizeof(hdr))) == NULL)
			err = cairn_wbuf_put(w, g->map + e->loc +
			    CAIRN_REC_HDR_SIZE, (size_t)rec.stored);
	}
	*end = w->off + w->len;
	if (err == NULL)
		err = cairn_wbuf_flush(w);
	if (err == NULL) {
		err = cairn_file_commit_tmp(d->vfs, fd, (char *)tmp.data, path);
		fd = -1;
	}
done:
	if (fd != -1) {
		d->vfs->close(d->vfs, fd);
		d->vfs->unlink(d->vfs, (char *)tmp.data);
	}
	cairn_buf_release(&tmp);
	free(w);
	return err;
}

static const struct cairn_error *
sweep(struct gc *g, struct gen *gen)
{
	const struct cairn_error *err;
	struct disk *d = g->d;
	struct cairn_buf path = { 0 }, text = { 0 };
	unsigned char hdr[CAIRN_FILEHDR_SIZE];
	uint64_t end = 0;
	size_t i;

	gen->m = d->man;
	if ((gen->ent = calloc(g->objs.n + 1, sizeof(*gen->ent))) == NULL)
		return cairn_error_nomem();
	memcpy(gen->gone[gen->ngone++], d->man.data, 64);
	memcpy(gen->gone[gen->ngone++], d->man.wal, 64);
	for (i = 0; i < d->man.nseg; i++)
		memcpy(gen->gone[gen->ngone++], d->man.seg[i], 64);
	snprintf(gen->m.data, 64, "objects.%llu.data",
	    (unsigned long long)gen->m.next++);
	if ((err = disk_path(d, &path, gen->m.data)) != NULL ||
	    (err = copy_records(g, gen, (char *)path.data, &end)) != NULL)
		goto done;
	gen->m.watermark = end;
	if ((err = ent_sort(gen)) != NULL)
		goto done;
	snprintf(gen->m.seg[0], 64, "index/%llu.idx",
	    (unsigned long long)gen->m.next++);
	gen->m.seg_count[0] = gen->n;
	gen->m.nseg = gen->n > 0;
	if (gen->n > 0 && ((err = disk_path(d, &path, gen->m.seg[0])) != NULL ||
	    (err = cairn_segment_write(d->vfs, d->tmpdir, (char *)path.data,
	    d->idlen, gen->n, gen_next, gen)) != NULL))
		goto done;
	snprintf(gen->m.wal, 64, "objects.%llu.wal",
	    (unsigned long long)gen->m.next++);
	cairn_filehdr_encode(hdr, CAIRN_WAL_MAGIC, d->be.algo);
	if ((err = disk_path(d, &path, gen->m.wal)) != NULL ||
	    (err = cairn_file_replace(d->vfs, d->tmpdir, (char *)path.data,
	    hdr, sizeof(hdr))) != NULL)
		goto done;
	/* The commit point. */
	if ((err = cairn_manifest_format(&text, &gen->m)) == NULL &&
	    (err = disk_path(d, &path, "manifest")) == NULL)
		err = cairn_file_replace(d->vfs, d->tmpdir, (char *)path.data,
		    text.data, text.len);
	for (i = 0; err == NULL && i < gen->ngone; i++)
		if (disk_path(d, &path, gen->gone[i]) == NULL)
			d->vfs->unlink(d->vfs, (char *)path.data);
done:
	cairn_buf_release(&path);
	cairn_buf_release(&text);
	free(gen->ent);
	return err;
}

/* gc.lock, exclusively: ref updates hold it shared. */
static const struct cairn_error *
gc_lock(struct disk *d, int *fd)
{
	const struct cairn_error *err = NULL;
	struct cairn_buf path = { 0 };
	struct cairn_lock_wait w;

	if ((err = disk_path(d, &path, "gc.lock")) != NULL)
		return err;
	*fd = d->vfs->open(d->vfs, (char *)path.data,
	    O_RDWR | O_CREAT | O_NOFOLLOW, CAIRN_LOCK_MODE);
	if (*fd == -1)
		err = cairn_error_sys(errno, "open '%s'", (char *)path.data);
	cairn_lock_wait_init(&w, d->p.lock_timeout_ms);
	if (err == NULL)
		err = cairn_lock_take(d->vfs, *fd, LOCK_EX, &w,
		    (char *)path.data, "gc.lock is held by a ref update");
	if (err != NULL && *fd != -1) {
		d->vfs->close(d->vfs, *fd);
		*fd = -1;
	}
	cairn_buf_release(&path);
	return err;
}

static const struct cairn_error *
gc_locked(struct disk *d, const struct cairn_gc_opts *o,
    struct cairn_gc_result *res)
{
	const struct cairn_error *err;
	struct gc g;
	struct gen *gen = NULL;

	memset(&g, 0, sizeof(g));
	g.d = d;
	g.o = o;
	cairn_memtable_init(&g.objs, d->idlen);
	cairn_memtable_init(&g.lower_seen, d->idlen);
	g.map_len = (size_t)d->data_end;
	g.map = d->vfs->mmap(d->vfs, d->data_fd, g.map_len);
	if (g.map == NULL)
		return cairn_error_sys(errno, "map '%s'", d->man.data);
	map_prefetch(g.map, g.map_len);
	err = o->plan_n > 0 ? plan_init(&g) : NULL;
	if (err == NULL)
		err = scan(&g);
	if (err == NULL)
		err = mark_roots(&g, o->keep_since);
	if (err == NULL &&
	    (err = marked_in_file_order(&g, &g.order, &g.norder)) == NULL &&
	    o->dry_run && o->plan_n == 0)
		err = check_blobs(&g);
	if (err == NULL)
		count(&g, res);
	if (err == NULL)
		err = tell_removed(&g);
	if (err == NULL && o->plan_n > 0)
		err = plan_mark(&g);
	/* A plan checks what every ref, its own included, reaches. */
	if (err == NULL && o->plan_n > 0) {
		free(g.order);
		g.order = NULL;
		if ((err = marked_in_file_order(&g, &g.order, &g.norder)) ==
		    NULL)
			err = check_blobs(&g);
	}
	/* What the sweep writes in must be real directories (not links). */
	if (err == NULL && !o->dry_run &&
	    (err = disk_ensure_dir(d, "tmp")) == NULL)
		err = disk_ensure_dir(d, "index");
	if (err == NULL && !o->dry_run) {
		if ((gen = calloc(1, sizeof(*gen))) == NULL)
			err = cairn_error_nomem();
		else
			err = sweep(&g, gen);
	}
	if (err == NULL)
		tell_phase(&g);
	free(gen);
	free(g.order);
	free(g.plan_order);
	free(g.plan_ids);
	free(g.plan_found);
	d->vfs->munmap(d->vfs, (void *)g.map, g.map_len);
	cairn_memtable_release(&g.objs);
	cairn_memtable_release(&g.lower_seen);
	cairn_buf_release(&g.stack);
	return err;
}

const struct cairn_error *
disk_gc(struct cairn_backend *be, const struct cairn_gc_opts *o,
    struct cairn_gc_result *res)
{
	struct disk *d = (struct disk *)be;
	const struct cairn_error *err;
	int gcfd = -1;

	memset(res, 0, sizeof(*res));
	if (d->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE,
		    "cannot gc inside a batch");
	if ((err = disk_lock(d)) != NULL)
		return err;
	if ((err = disk_refresh(d)) == NULL &&
	    (err = cairn_file_sync(d->vfs, d->data_fd, 1, d->man.data)) == NULL &&
	    (err = gc_lock(d, &gcfd)) == NULL)
		err = gc_locked(d, o, res);
	if (gcfd != -1)
		d->vfs->close(d->vfs, gcfd);
	if (err == NULL && !o->dry_run)
		err = disk_reload(d);
	disk_unlock(d);
	return err;
}
