/*
 * workload.h: the workloads of the crash and fault tests, the record of
 * what they acknowledged (the oracle), and the check of a repository
 * against it.  Header-only; include after tap.h and scratch.h.
 *
 * A workload is a sequence of steps run on one handle, from a pristine
 * repository (objects in two segments and in the WAL, two refs):
 *   put	one object (cairn_object_put)
 *   batch	a batch of ten objects, then a flush
 *   auto	six objects of about 900 bytes, one put each: the WAL passes
 *		core.walLimit (4096 here), so a put flushes and merges segments
 *   big	a batch with a streamed object over core.bigFileThreshold (a
 *		pointer record) and a small one
 *   refs	a ref created, "main" moved by compare-and-swap, and a
 *		transaction creating one ref and moving "keep"
 *   gc		gc keeping only what refs reach
 * and one step the sequences of every step leave out, for a damaged
 * repository (w_damage):
 *   repair	fsck --repair through the same I/O layer, the handle closed
 *		for it (fsck takes the writer lock) and opened again after
 * Every object's content is unique to its workload position.
 *
 * The oracle: an object is acknowledged when the call that wrote it
 * returned success; from the start of a gc, an object no ref reaches
 * may vanish.  A ref may hold its last acknowledged value, or the value
 * of an update that had not returned yet (or failed).
 */
#ifndef CAIRN_WORKLOAD_H
#define CAIRN_WORKLOAD_H

#include <inttypes.h>
#include <stdarg.h>
#include <time.h>

#include "cairn.h"
#include "repo_int.h"

enum wstep {
	W_PUT, W_BATCH, W_AUTO, W_BIG, W_REFS, W_GC,
	W_NSTEPS,		/* the steps the sequences are made of */
	W_REPAIR = W_NSTEPS
};

static const char *const wstep_names[W_NSTEPS + 1] = {
	"put", "batch", "auto", "big", "refs", "gc", "repair",
};

struct wobj {
	struct cairn_oid id;
	unsigned char *data;
	size_t len;
	int acked;
	int may_vanish;
};

#define WREF_VALUES 8

/* A ref's allowed values: v[0] is the acknowledged one. */
struct wref {
	char name[32];
	int n;
	struct {
		int has;
		struct cairn_oid id;
	} v[WREF_VALUES];
};

struct oracle {
	struct wobj *o;
	size_t n, cap;
	struct wref r[32];
	size_t nr;
};

static const int w_algo = CAIRN_HASH_SHA256;

static void
oracle_free(struct oracle *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->o[i].data);
	free(o->o);
	memset(o, 0, sizeof(*o));
}

static void
oracle_copy(struct oracle *to, const struct oracle *from)
{
	size_t i;

	*to = *from;
	to->o = xmalloc((from->cap ? from->cap : 1) * sizeof(*to->o));
	for (i = 0; i < from->n; i++) {
		to->o[i] = from->o[i];
		to->o[i].data = xmalloc(from->o[i].len);
		memcpy(to->o[i].data, from->o[i].data, from->o[i].len);
	}
}

/* Add an object (not yet acknowledged); its index. */
static size_t
oracle_obj(struct oracle *o, const void *data, size_t len)
{
	struct wobj *w;

	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 64;
		o->o = xrealloc(o->o, o->cap * sizeof(*o->o));
	}
	w = &o->o[o->n];
	memset(w, 0, sizeof(*w));
	if (cairn_hash_object(w_algo, CAIRN_OBJ_BLOB, data, len, &w->id))
		bail_out("hash failed");
	w->data = xmalloc(len);
	memcpy(w->data, data, len);
	w->len = len;
	return o->n++;
}

static struct wref *
oracle_ref(struct oracle *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->nr; i++)
		if (strcmp(o->r[i].name, name) == 0)
			return &o->r[i];
	if (o->nr == sizeof(o->r) / sizeof(o->r[0]))
		bail_out("too many refs in a workload");
	memset(&o->r[o->nr], 0, sizeof(o->r[0]));
	snprintf(o->r[o->nr].name, sizeof(o->r[0].name), "%s", name);
	o->r[o->nr].n = 1;	/* v[0]: absent */
	return &o->r[o->nr++];
}

/* An update of name to id (NULL: delete) is under way. */
static void
ref_pending(struct oracle *o, const char *name, const struct cairn_oid *id)
{
	struct wref *r = oracle_ref(o, name);

	if (r->n == WREF_VALUES)
		bail_out("too many pending values for %s", name);
	r->v[r->n].has = id != NULL;
	if (id != NULL)
		r->v[r->n].id = *id;
	r->n++;
}

/* The update of name to id was acknowledged. */
static void
ref_acked(struct oracle *o, const char *name, const struct cairn_oid *id)
{
	struct wref *r = oracle_ref(o, name);

	r->n = 1;
	r->v[0].has = id != NULL;
	if (id != NULL)
		r->v[0].id = *id;
}

/* The newest acknowledged object (a ref target that must be durable). */
static const struct cairn_oid *
oracle_last_acked(const struct oracle *o, size_t skip)
{
	size_t i;

	for (i = o->n; i-- > 0;)
		if (o->o[i].acked && !o->o[i].may_vanish && skip-- == 0)
			return &o->o[i].id;
	bail_out("no acknowledged object");
	return NULL;
}

/* ---- steps ---- */

static size_t
w_content(unsigned char *buf, size_t cap, int pos, const char *what,
    int i, size_t len)
{
	uint64_t s = (uint64_t)pos * 1000003u + (uint64_t)i * 7919u +
	    (uint64_t)what[0];
	size_t n, k;

	n = (size_t)snprintf((char *)buf, cap, "%s %d/%d ", what, pos, i);
	if (len > cap)
		len = cap;
	for (k = n; k < len; k++)	/* half random: ~2:1 compression */
		buf[k] = (k & 1) ? (unsigned char)splitmix64(&s) : 'x';
	return len > n ? len : n;
}

struct w_reader {
	const unsigned char *p;
	size_t len, pos;
};

static ssize_t
w_read(void *arg, void *buf, size_t len)
{
	struct w_reader *rd = arg;

	if (len > rd->len - rd->pos)
		len = rd->len - rd->pos;
	memcpy(buf, rd->p + rd->pos, len);
	rd->pos += len;
	return (ssize_t)len;
}

/* Remember the first error of a workload. */
static const struct cairn_error *
w_keep(const struct cairn_error **first, const struct cairn_error *err)
{
	if (err != NULL && *first == NULL)
		*first = err;
	return err;
}

static const struct cairn_error *
w_batch(struct cairn_repo *r, struct oracle *o, int pos, int count)
{
	unsigned char buf[256];
	const struct cairn_error *err;
	size_t idx[16], len;
	struct cairn_oid id;
	int i;

	if ((err = cairn_batch_begin(r)) != NULL)
		return err;
	for (i = 0; i < count; i++) {
		len = w_content(buf, sizeof(buf), pos, "batch", i,
		    40 + (size_t)i * 17);
		idx[i] = oracle_obj(o, buf, len);
		if ((err = cairn_batch_add(r, CAIRN_OBJ_BLOB, buf, len,
		    &id)) != NULL) {
			cairn_batch_abort(r);
			return err;
		}
	}
	if ((err = cairn_batch_commit(r)) != NULL)
		return err;
	for (i = 0; i < count; i++)
		o->o[idx[i]].acked = 1;
	return NULL;
}

static const struct cairn_error *
w_put(struct cairn_repo *r, struct oracle *o, const char *what, int pos,
    int i, size_t len)
{
	unsigned char buf[1024];
	const struct cairn_error *err;
	struct cairn_oid id;
	size_t k;

	len = w_content(buf, sizeof(buf), pos, what, i, len);
	k = oracle_obj(o, buf, len);
	if ((err = cairn_object_put(r, CAIRN_OBJ_BLOB, buf, len, &id)) == NULL)
		o->o[k].acked = 1;
	return err;
}

static const struct cairn_error *
w_big(struct cairn_repo *r, struct oracle *o, int pos)
{
	unsigned char big[3000], small[64];
	const struct cairn_error *err;
	struct w_reader rd = { big, 0, 0 };
	struct cairn_oid id;
	size_t kb, ks, ls;

	rd.len = w_content(big, sizeof(big), pos, "big", 0, sizeof(big));
	ls = w_content(small, sizeof(small), pos, "big", 1, sizeof(small));
	kb = oracle_obj(o, big, rd.len);
	ks = oracle_obj(o, small, ls);
	if ((err = cairn_batch_begin(r)) != NULL)
		return err;
	if ((err = cairn_batch_add_stream(r, CAIRN_OBJ_BLOB, w_read, &rd,
	    (int64_t)rd.len, &id)) != NULL ||
	    (err = cairn_batch_add(r, CAIRN_OBJ_BLOB, small, ls,
	        &id)) != NULL) {
		cairn_batch_abort(r);
		return err;
	}
	if ((err = cairn_batch_commit(r)) != NULL)
		return err;
	o->o[kb].acked = o->o[ks].acked = 1;
	return NULL;
}

static const struct cairn_error *
w_refs(struct cairn_repo *r, struct oracle *o, int pos)
{
	const struct cairn_error *err, *first = NULL;
	struct cairn_ref_update u[2];
	struct cairn_oid a, b, oldm, oldk;
	char na[32], nb[32];
	struct wref *m, *k;

	a = *oracle_last_acked(o, 0);
	b = *oracle_last_acked(o, 1);
	snprintf(na, sizeof(na), "s%d/a", pos);
	snprintf(nb, sizeof(nb), "s%d/b", pos);

	ref_pending(o, na, &a);
	if (w_keep(&first, cairn_ref_create(r, na, &a)) == NULL)
		ref_acked(o, na, &a);

	m = oracle_ref(o, "main");
	oldm = m->v[0].id;
	ref_pending(o, "main", &b);
	if (w_keep(&first, cairn_ref_set(r, "main", &b, &oldm)) == NULL)
		ref_acked(o, "main", &b);

	k = oracle_ref(o, "keep");
	oldk = k->v[0].id;
	memset(u, 0, sizeof(u));
	u[0].op = CAIRN_REF_CREATE;
	u[0].name = nb;
	u[0].new_id = b;
	u[1].op = CAIRN_REF_SET;
	u[1].name = "keep";
	u[1].new_id = a;
	u[1].has_old = 1;
	u[1].old_id = oldk;
	ref_pending(o, nb, &b);
	ref_pending(o, "keep", &a);
	if ((err = w_keep(&first, cairn_ref_transaction(r, u, 2))) == NULL) {
		ref_acked(o, nb, &b);
		ref_acked(o, "keep", &a);
	}
	return first;
}

static int
w_reached(const struct oracle *o, const struct cairn_oid *id)
{
	size_t i;
	int j;

	for (i = 0; i < o->nr; i++)
		for (j = 0; j < o->r[i].n; j++)
			if (o->r[i].v[j].has &&
			    cairn_oid_eq(&o->r[i].v[j].id, id))
				return 1;
	return 0;
}

struct w_actual {
	struct cairn_oid id[64];
	size_t n;
};

static int
w_actual_ref(void *arg, const char *name, const struct cairn_oid *id)
{
	struct w_actual *a = arg;

	(void)name;
	if (a->n < sizeof(a->id) / sizeof(a->id[0]))
		a->id[a->n++] = *id;
	return 0;
}

/*
 * gc keeps what the refs reach as it finds them.  After a failed update
 * a ref may hold either value, so what this process reads now decides
 * (a power loss before gc commits leaves the old generation whole).
 */
static const struct cairn_error *
w_gc(struct cairn_repo *r, struct oracle *o)
{
	struct cairn_gc_opts opts = CAIRN_GC_OPTS_INIT;
	struct cairn_gc_result res = CAIRN_GC_RESULT_INIT;
	struct w_actual act;
	size_t i, j;

	act.n = 0;
	if (cairn_ref_list(r, NULL, w_actual_ref, &act) != NULL)
		act.n = 0;
	for (i = 0; i < o->n; i++) {
		for (j = 0; j < act.n; j++)
			if (cairn_oid_eq(&act.id[j], &o->o[i].id))
				break;
		if (!w_reached(o, &o->o[i].id) || j == act.n)
			o->o[i].may_vanish = 1;
	}
	opts.keep_since = INT64_MAX;
	return cairn_gc_handle(r, &opts, &res);
}

/* Run step s at position pos of a workload. */
static const struct cairn_error *
w_step(struct cairn_repo *r, struct oracle *o, enum wstep s, int pos)
{
	const struct cairn_error *err = NULL;
	int i;

	switch (s) {
	case W_PUT:
		return w_put(r, o, "put", pos, 0, 100);
	case W_BATCH:
		if ((err = w_batch(r, o, pos, 10)) != NULL)
			return err;
		return cairn_repo_flush(r);
	case W_AUTO:
		for (i = 0; i < 6 && err == NULL; i++)
			err = w_put(r, o, "auto", pos, i, 900);
		return err;
	case W_BIG:
		return w_big(r, o, pos);
	case W_REFS:
		return w_refs(r, o, pos);
	case W_GC:
		return w_gc(r, o);
	default:
		bail_out("bad step");
	}
	return NULL;
}

/*
 * A workload's first error, copied: the library's error messages live in
 * a ring that later failures of the same workload overwrite.
 */
static struct cairn_error w_first_err;
static char w_first_msg[1024];

static const struct cairn_error *
w_keep_copy(const struct cairn_error **first, const struct cairn_error *err)
{
	if (err != NULL && *first == NULL) {
		snprintf(w_first_msg, sizeof(w_first_msg), "%s", err->msg);
		w_first_err = *err;
		w_first_err.msg = w_first_msg;
		*first = &w_first_err;
	}
	return err;
}

/* fsck --repair of path through vfs. */
static const struct cairn_error *
w_repair(const char *path, struct cairn_vfs *vfs)
{
	struct cairn_fsck_opts opts = CAIRN_FSCK_OPTS_INIT;
	struct cairn_fsck_result res = CAIRN_FSCK_RESULT_INIT;

	opts.flags = CAIRN_FSCK_REPAIR;
	return cairn_fsck_vfs(path, &opts, &res, vfs);
}

/*
 * Open path through vfs and run steps; *first gets the first error (NULL
 * if every step succeeded).  Every step runs even after a failure; a
 * step that needs the handle is skipped if it cannot be opened.
 */
static void
w_run(const char *path, struct cairn_vfs *vfs, struct oracle *o,
    const enum wstep *steps, int nsteps, const struct cairn_error **first)
{
	struct cairn_repo *r = NULL;
	int i;

	*first = NULL;
	for (i = 0; i < nsteps; i++) {
		if (steps[i] == W_REPAIR) {
			if (r != NULL)
				cairn_repo_close(r);
			r = NULL;
			w_keep_copy(first, w_repair(path, vfs));
			continue;
		}
		if (r == NULL && w_keep_copy(first, cairn_repo_open_vfs(path, 0,
		    vfs, &r)) != NULL) {
			r = NULL;
			continue;
		}
		w_keep_copy(first, w_step(r, o, steps[i], i));
	}
	if (r != NULL)
		cairn_repo_close(r);
}

/*
 * The pristine repository at path and its oracle: 8 objects flushed, 6
 * more flushed into a second segment, 4 in the WAL; main and keep.
 */
static void
w_pristine(const char *path, struct oracle *o)
{
	struct cairn_init_opts io = CAIRN_INIT_OPTS_INIT;
	struct cairn_repo *r;

	memset(o, 0, sizeof(*o));
	if (cairn_repo_init(path, &io) != NULL ||
	    cairn_repo_open(path, 0, &r) != NULL ||
	    cairn_repo_config_set(r, "core.walLimit", "4096") != NULL ||
	    cairn_repo_config_set(r, "core.bigFileThreshold", "1024") != NULL)
		bail_out("cannot make the pristine repository %s", path);
	if (w_batch(r, o, 100, 8) != NULL || cairn_repo_flush(r) != NULL ||
	    w_batch(r, o, 101, 6) != NULL || cairn_repo_flush(r) != NULL ||
	    w_batch(r, o, 102, 4) != NULL)
		bail_out("cannot fill the pristine repository");
	if (cairn_ref_create(r, "main", &o->o[0].id) != NULL ||
	    cairn_ref_create(r, "keep", &o->o[1].id) != NULL)
		bail_out("cannot make the pristine refs");
	ref_acked(o, "main", &o->o[0].id);
	ref_acked(o, "keep", &o->o[1].id);
	cairn_repo_close(r);
}

/*
 * The damaged repository the repair workloads start from: the pristine
 * one at path with its index segments removed (every flushed object
 * unindexed: repair rebuilds the index and publishes a new generation),
 * a stale ref lock and a leftover temporary file two hours old (repair
 * removes both).  Its oracle is the pristine one's.
 */
static void
w_damage(const char *path)
{
	struct timespec old[2];
	char p[1500];
	DIR *d;
	struct dirent *e;
	int fd, removed = 0;

	snprintf(p, sizeof(p), "%s/index", path);
	if ((d = opendir(p)) == NULL)
		bail_out("cannot list %s", p);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/index/%s", path, e->d_name);
		if (unlink(p) != 0)
			bail_out("cannot remove %s", p);
		removed++;
	}
	closedir(d);
	if (removed == 0)
		bail_out("no index segment to remove in %s", path);
	snprintf(p, sizeof(p), "%s/refs/stale.lock", path);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644)) == -1)
		bail_out("cannot make %s", p);
	close(fd);
	snprintf(p, sizeof(p), "%s/tmp/leftover", path);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644)) == -1 ||
	    write(fd, "junk", 4) != 4)
		bail_out("cannot make %s", p);
	close(fd);
	clock_gettime(CLOCK_REALTIME, &old[0]);
	old[0].tv_sec -= 7200;
	old[1] = old[0];
	if (utimensat(AT_FDCWD, p, old, 0) != 0)
		bail_out("cannot age %s", p);
}

/* ---- checking a repository against an oracle ---- */

/* What check_repo found wrong, by kind (the figures tests report). */
struct w_tally {
	long lost;		/* acknowledged object missing or unreadable */
	long wrong;		/* an object read back with other content */
	long bad_ref;		/* a ref neither old nor new, or dangling */
	long unrecoverable;	/* open failed, or fsck or repair did not fix it */
	long other;		/* anything else (a failed write afterwards) */
};

static char w_why[1024];

static int w_fail(long *counter, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
w_fail(long *counter, const char *fmt, ...)
{
	va_list ap;

	(*counter)++;
	va_start(ap, fmt);
	vsnprintf(w_why, sizeof(w_why), fmt, ap);
	va_end(ap);
	return 1;
}

struct w_findings {
	long unrepairable;
	char first[512];
};

static void
w_finding(void *arg, const struct cairn_finding *f)
{
	struct w_findings *w = arg;

	if (f->error && !f->repairable) {
		if (w->unrepairable++ == 0)
			snprintf(w->first, sizeof(w->first), "%s %s: %s",
			    cairn_finding_kind_name(f->kind), f->subject,
			    f->message);
	}
}

/* fsck of path with flags, its findings counted in fs. */
static const struct cairn_error *
w_fsck(const char *path, unsigned flags, struct w_findings *fs,
    struct cairn_fsck_result *res)
{
	struct cairn_fsck_opts opts = CAIRN_FSCK_OPTS_INIT;

	opts.flags = flags;
	opts.report = w_finding;
	opts.arg = fs;
	res->size = sizeof(*res);
	return cairn_repo_fsck(path, &opts, res);
}

/* fsck of path finds nothing repair cannot fix: 0, or 1 (tallied in t). */
static int
w_repairable(const char *path, struct w_tally *t,
    struct cairn_fsck_result *res)
{
	const struct cairn_error *err;
	struct w_findings fs;

	memset(&fs, 0, sizeof(fs));
	if ((err = w_fsck(path, 0, &fs, res)) != NULL)
		return w_fail(&t->unrecoverable, "fsck: %s", err->msg);
	if (fs.unrepairable)
		return w_fail(&t->unrecoverable, "fsck: %ld findings repair "
		    "cannot fix, the first: %s", fs.unrepairable, fs.first);
	return 0;
}

/*
 * check_repo(path, o, t):
 * Open the repository with the real code and check it against o: every
 * acknowledged object present with its content, any other object either
 * absent or intact, every ref at an allowed value and at an object that
 * exists, no other ref.  Then fsck: no finding repair cannot fix, and
 * after a repair (if anything was found) none at all.  Finally a put and
 * a flush must work.  Returns 0, or 1 with w_why saying what failed
 * first (tallied in t).
 */
static int
check_repo(const char *path, const struct oracle *o, struct w_tally *t)
{
	const struct cairn_error *err;
	struct cairn_fsck_result res = CAIRN_FSCK_RESULT_INIT;
	struct w_findings fs;
	struct cairn_repo *r;
	struct cairn_oid id;
	unsigned char *data;
	char hex[2 * CAIRN_OID_MAX + 1];
	size_t i, len;
	enum cairn_otype type;
	int j, bad = 0;

	if ((err = cairn_repo_open(path, 0, &r)) != NULL)
		return w_fail(&t->unrecoverable, "open: %s", err->msg);
	for (i = 0; i < o->n && !bad; i++) {
		const struct wobj *w = &o->o[i];

		err = cairn_object_get(r, &w->id, 0, &type, &data, &len);
		if (err == NULL) {
			if (len != w->len || memcmp(data, w->data, len) != 0)
				bad = w_fail(&t->wrong, "object %s: wrong "
				    "content", cairn_oid_fmt(&w->id, hex));
			free(data);
		} else if (err->code != CAIRN_ERR_NOT_FOUND)
			bad = w_fail(w->acked && !w->may_vanish ? &t->lost :
			    &t->other, "object %s (%s): %s",
			    cairn_oid_fmt(&w->id, hex),
			    w->acked ? "acknowledged" : "not acknowledged",
			    err->msg);
		else if (w->acked && !w->may_vanish)
			bad = w_fail(&t->lost, "acknowledged object %s is "
			    "missing", cairn_oid_fmt(&w->id, hex));
	}
	for (i = 0; i < o->nr && !bad; i++) {
		const struct wref *w = &o->r[i];
		int has = (err = cairn_ref_get(r, w->name, &id)) == NULL;

		if (!has && err->code != CAIRN_ERR_NOT_FOUND) {
			bad = w_fail(&t->bad_ref, "ref %s: %s", w->name,
			    err->msg);
			break;
		}
		for (j = 0; j < w->n; j++)
			if (w->v[j].has == has && (!has ||
			    cairn_oid_eq(&w->v[j].id, &id)))
				break;
		if (j == w->n)
			bad = w_fail(&t->bad_ref, "ref %s is %s, neither its "
			    "old nor its new value", w->name,
			    has ? cairn_oid_fmt(&id, hex) : "absent");
		else if (has && (err = cairn_object_exists(r, &id)) != NULL)
			bad = w_fail(&t->bad_ref, "ref %s points at %s: %s",
			    w->name, cairn_oid_fmt(&id, hex), err->msg);
	}
	cairn_repo_close(r);
	if (bad)
		return 1;

	if (w_repairable(path, t, &res))
		return 1;
	if (res.errors + res.warnings > 0) {
		memset(&fs, 0, sizeof(fs));
		if ((err = w_fsck(path, CAIRN_FSCK_REPAIR, &fs, &res)) !=
		    NULL)
			return w_fail(&t->unrecoverable, "fsck --repair: %s",
			    err->msg);
		memset(&fs, 0, sizeof(fs));
		if ((err = w_fsck(path, 0, &fs, &res)) != NULL ||
		    res.errors + res.warnings > 0)
			return w_fail(&t->unrecoverable, "fsck after repair: "
			    "%" PRIu64 " errors, %" PRIu64 " warnings",
			    res.errors, res.warnings);
	}

	if ((err = cairn_repo_open(path, 0, &r)) != NULL)
		return w_fail(&t->other, "reopen: %s", err->msg);
	if ((err = cairn_object_put(r, CAIRN_OBJ_BLOB, "after", 5,
	    &id)) != NULL ||
	    (err = cairn_repo_flush(r)) != NULL ||
	    (err = cairn_object_get(r, &id, 0, &type, &data, &len)) != NULL)
		bad = w_fail(&t->other, "write afterwards: %s", err->msg);
	else
		free(data);
	cairn_repo_close(r);
	return bad;
}

/*
 * check_repaired(path, o, t): a repair workload's end state, as an
 * operator finds it after an interrupted repair: fsck names nothing
 * repair cannot fix, a second repair (the real I/O layer) completes,
 * and then check_repo holds.
 */
static int
check_repaired(const char *path, const struct oracle *o, struct w_tally *t)
{
	const struct cairn_error *err;
	struct cairn_fsck_result res = CAIRN_FSCK_RESULT_INIT;

	if (w_repairable(path, t, &res))
		return 1;
	if ((err = w_repair(path, cairn_vfs_posix())) != NULL)
		return w_fail(&t->unrecoverable, "fsck --repair: %s",
		    err->msg);
	return check_repo(path, o, t);
}

#endif
