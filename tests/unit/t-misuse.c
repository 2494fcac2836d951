/*
 * t-misuse.c: the library under plausible misuse, on disk and in memory.
 *
 *  - A call refused inside an open batch (a second begin, flush, gc, a
 *    ref update) gives back nothing it did not take: the batch goes on
 *    and still excludes other threads until it is committed.
 *  - Batches open on two handles at once in one thread (copying between
 *    repositories) are legal: each reads its own objects, each commit
 *    releases its own handle, and other threads then get both.
 *  - Batch calls from a thread that has no batch open on the handle are
 *    refused (CAIRN_ERR_USAGE), never run on another thread's batch.
 *  - A handle closed inside its batch releases the writer lock.
 *  - A read function that returns more than it was asked for (or less
 *    than -1) fails the stream (CAIRN_ERR_USAGE), for blobs and for
 *    trees alike: nothing past the buffer is read or stored.
 *
 * A thread that must not get a handle is given 300 ms to show it does
 * not; one that must get it is waited for up to 20 s.  Neither bound
 * decides a correct run: the first only gives a wrong one the chance to
 * show itself, and the second is never reached unless a lock is lost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cairn.h"
#include "repo_int.h"
#include "tap.h"
#include "scratch.h"

struct probe {
	struct cairn_repo *r;
	int write;			/* begin and commit a batch, else read */
	const struct cairn_error *err;
	int done;			/* atomic */
};

static void *
probe_run(void *arg)
{
	struct probe *p = arg;
	struct cairn_repo_stats st = CAIRN_REPO_STATS_INIT;
	struct cairn_oid id;

	if (p->write) {
		p->err = cairn_batch_begin(p->r);
		if (p->err == NULL && (p->err = cairn_batch_add(p->r,
		    CAIRN_OBJ_BLOB, "probe", 5, &id)) == NULL)
			p->err = cairn_batch_commit(p->r);
	} else
		p->err = cairn_repo_stats(p->r, &st);
	__atomic_store_n(&p->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int finished_within(struct probe *p, long ms);

/* Join the probe's thread, or stop here if it is stuck on a lock. */
static void
join(pthread_t t, struct probe *p)
{
	if (!finished_within(p, 20000))
		bail_out("a thread is stuck on a handle's lock");
	pthread_join(t, NULL);
}

/* Wait up to ms for the probe; 1 if it finished. */
static int
finished_within(struct probe *p, long ms)
{
	long waited;

	for (waited = 0; waited < ms; waited += 10) {
		if (__atomic_load_n(&p->done, __ATOMIC_SEQ_CST))
			return 1;
		sleep_ms(10);
	}
	return __atomic_load_n(&p->done, __ATOMIC_SEQ_CST);
}

static void
start(pthread_t *t, struct probe *p, struct cairn_repo *r, int write)
{
	memset(p, 0, sizeof(*p));
	p->r = r;
	p->write = write;
	if (pthread_create(t, NULL, probe_run, p) != 0)
		bail_out("pthread_create failed");
}

static struct cairn_repo *
open_kind(const char *dir, const char *name, int memory)
{
	struct cairn_repo *r;
	char path[4400];
	const struct cairn_error *err;

	if (memory) {
		if ((err = cairn_repo_open(NULL, CAIRN_OPEN_MEMORY,
		    &r)) != NULL)
			bail_out("open memory: %s", err->msg);
		return r;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((err = cairn_repo_init(path, NULL)) != NULL ||
	    (err = cairn_repo_open(path, 0, &r)) != NULL)
		bail_out("init %s: %s", path, err->msg);
	return r;
}

static void
refused_inside_a_batch(const char *dir, int memory)
{
	const char *kind = memory ? "memory" : "disk";
	struct cairn_repo *r = open_kind(dir, "refused", memory);
	struct cairn_gc_opts go = CAIRN_GC_OPTS_INIT;
	struct cairn_gc_result gr = CAIRN_GC_RESULT_INIT;
	struct cairn_oid id, id2;
	struct probe p;
	pthread_t t;
	unsigned char *data;
	size_t len;
	enum cairn_otype type;

	no_error(cairn_batch_begin(r), "%s: begin", kind);
	no_error(cairn_batch_add(r, CAIRN_OBJ_BLOB, "first", 5, &id),
	    "%s: add", kind);
	is_error(cairn_batch_begin(r), CAIRN_ERR_USAGE,
	    "%s: a second begin is refused", kind);
	ok(cairn_repo_flush(r) != NULL || memory, "%s: flush is refused", kind);
	go.keep_since = INT64_MIN;
	ok(cairn_gc_handle(r, &go, &gr) != NULL, "%s: gc is refused", kind);
	ok(cairn_ref_set(r, "main", &id, NULL) != NULL,
	    "%s: a ref update is refused", kind);
	/* The batch still holds the handle: another thread waits. */
	start(&t, &p, r, 0);
	ok(!finished_within(&p, 300),
	    "%s: a reader waits for the batch after the refused calls", kind);
	no_error(cairn_batch_add(r, CAIRN_OBJ_BLOB, "second", 6, &id2),
	    "%s: the batch goes on", kind);
	no_error(cairn_batch_commit(r), "%s: commit", kind);
	ok(finished_within(&p, 20000), "%s: the reader gets the handle after "
	    "the commit", kind);
	join(t, &p);
	no_error(p.err, "%s: the reader's call", kind);
	if (no_error(cairn_object_get(r, &id2, 0, &type, &data, &len),
	    "%s: the object added after the refused calls", kind))
		free(data);
	is_error(cairn_batch_commit(r), CAIRN_ERR_USAGE,
	    "%s: a second commit is refused", kind);
	start(&t, &p, r, 1);
	ok(finished_within(&p, 20000), "%s: the lock was released once and "
	    "only once: another thread's batch", kind);
	join(t, &p);
	no_error(p.err, "%s: another thread's batch", kind);
	cairn_repo_close(r);
}

static void
two_handles_one_thread(const char *dir, int memory)
{
	const char *kind = memory ? "memory" : "disk";
	struct cairn_repo *a = open_kind(dir, "a", memory);
	struct cairn_repo *b = open_kind(dir, "b", memory);
	struct cairn_oid ia, ib;
	struct probe pa, pb;
	pthread_t ta, tb;
	unsigned char *data;
	size_t len;
	enum cairn_otype type;

	no_error(cairn_batch_begin(a), "%s: begin on a", kind);
	no_error(cairn_batch_begin(b), "%s: begin on b while a's is open",
	    kind);
	no_error(cairn_batch_add(a, CAIRN_OBJ_BLOB, "in a", 4, &ia),
	    "%s: add to a", kind);
	no_error(cairn_batch_add(b, CAIRN_OBJ_BLOB, "in b", 4, &ib),
	    "%s: add to b", kind);
	/* Reading a while b's batch is the later one must not deadlock. */
	if (no_error(cairn_object_get(a, &ia, 0, &type, &data, &len),
	    "%s: read a inside both batches", kind))
		free(data);
	no_error(cairn_batch_commit(a), "%s: commit a", kind);
	if (no_error(cairn_object_get(b, &ib, 0, &type, &data, &len),
	    "%s: read b inside its batch", kind))
		free(data);
	no_error(cairn_batch_commit(b), "%s: commit b", kind);
	start(&ta, &pa, a, 1);
	start(&tb, &pb, b, 1);
	ok(finished_within(&pa, 20000), "%s: a is free after both commits",
	    kind);
	ok(finished_within(&pb, 20000), "%s: b is free after both commits",
	    kind);
	join(ta, &pa);
	join(tb, &pb);
	no_error(pa.err, "%s: a batch on a from another thread", kind);
	no_error(pb.err, "%s: a batch on b from another thread", kind);
	cairn_repo_close(a);
	cairn_repo_close(b);
}

struct foreign {
	struct cairn_repo *r;
	const struct cairn_error *add, *commit;
	int code_add, code_commit;
};

static void *
foreign_run(void *arg)
{
	struct foreign *f = arg;
	struct cairn_oid id;

	f->add = cairn_batch_add(f->r, CAIRN_OBJ_BLOB, "stray", 5, &id);
	f->code_add = f->add ? f->add->code : 0;
	f->commit = cairn_batch_commit(f->r);
	f->code_commit = f->commit ? f->commit->code : 0;
	cairn_batch_abort(f->r);	/* no batch here: does nothing */
	return NULL;
}

static void
other_threads_batch(const char *dir, int memory)
{
	const char *kind = memory ? "memory" : "disk";
	struct cairn_repo *r = open_kind(dir, "foreign", memory);
	struct foreign f;
	struct cairn_oid id;
	struct cairn_repo_stats st = CAIRN_REPO_STATS_INIT;
	pthread_t t;

	no_error(cairn_batch_begin(r), "%s: begin", kind);
	no_error(cairn_batch_add(r, CAIRN_OBJ_BLOB, "mine", 4, &id),
	    "%s: add", kind);
	memset(&f, 0, sizeof(f));
	f.r = r;
	if (pthread_create(&t, NULL, foreign_run, &f) != 0)
		bail_out("pthread_create failed");
	pthread_join(t, NULL);
	is_int(f.code_add, CAIRN_ERR_USAGE,
	    "%s: an add from a thread without the batch is refused", kind);
	is_int(f.code_commit, CAIRN_ERR_USAGE,
	    "%s: a commit from a thread without the batch is refused", kind);
	no_error(cairn_batch_commit(r), "%s: the owner's commit", kind);
	if (no_error(cairn_repo_stats(r, &st), "%s: stats", kind))
		is_uint(st.objects, 1, "%s: only the owner's object is stored",
		    kind);
	cairn_repo_close(r);
}

static void
closed_inside_a_batch(const char *dir)
{
	struct cairn_repo *r = open_kind(dir, "closed", 0), *again;
	char path[4200];
	struct cairn_oid id;

	snprintf(path, sizeof(path), "%s/closed", dir);
	no_error(cairn_batch_begin(r), "disk: begin, then close");
	no_error(cairn_batch_add(r, CAIRN_OBJ_BLOB, "dropped", 7, &id),
	    "disk: add before the close");
	cairn_repo_close(r);
	if (no_error(cairn_repo_open(path, 0, &again), "disk: reopen")) {
		no_error(cairn_object_put(again, CAIRN_OBJ_BLOB, "kept", 4,
		    &id),
		    "disk: a new handle writes: the writer lock was released");
		cairn_repo_close(again);
	}
}

/*
 * Sized structs: a size field left 0, or larger than this library's
 * struct (a newer header), is refused before anything is done; a smaller
 * one (an older header) gets the rest defaulted and is written no
 * further than its size; NULL options are the defaults.
 */
static void
sized_structs(const char *dir)
{
	struct cairn_init_opts io = CAIRN_INIT_OPTS_INIT;
	struct cairn_fsck_opts fo = CAIRN_FSCK_OPTS_INIT;
	struct cairn_gc_opts go = CAIRN_GC_OPTS_INIT;
	struct cairn_open_opts oo = CAIRN_OPEN_OPTS_INIT;
	struct cairn_repo_stats st = CAIRN_REPO_STATS_INIT;
	struct cairn_fsck_result fr = CAIRN_FSCK_RESULT_INIT;
	struct cairn_gc_result gr = CAIRN_GC_RESULT_INIT;
	struct {
		struct cairn_repo_stats st;
		unsigned char guard[16];
	} small;
	struct cairn_repo *r;
	char path[4200], bad[4200];
	size_t i, cut = offsetof(struct cairn_repo_stats, objects);
	int guard_ok = 1;

	snprintf(path, sizeof(path), "%s/sized", dir);
	snprintf(bad, sizeof(bad), "%s/never", dir);
	io.size = 0;
	is_error(cairn_repo_init(bad, &io), CAIRN_ERR_USAGE,
	    "init: a size field of 0 is refused");
	io.size = sizeof(io) + 8;
	is_error(cairn_repo_init(bad, &io), CAIRN_ERR_USAGE,
	    "init: a size from a newer header is refused");
	ok(access(bad, F_OK) != 0, "and nothing was created");
	no_error(cairn_repo_init(path, NULL), "init: NULL options");
	oo.size = 0;
	is_error(cairn_repo_open_opts(path, &oo, &r), CAIRN_ERR_USAGE,
	    "open: a size field of 0 is refused");
	ok(r == NULL, "and no handle is made");
	if (!no_error(cairn_repo_open_opts(path, NULL, &r),
	    "open: NULL options"))
		return;
	st.size = 0;
	is_error(cairn_repo_stats(r, &st), CAIRN_ERR_USAGE,
	    "stats: a size field of 0 is refused");
	memset(&small, 0xa5, sizeof(small));
	small.st.size = cut;
	no_error(cairn_repo_stats(r, &small.st),
	    "stats: a struct from an older header, cut before objects");
	for (i = cut; i < sizeof(small); i++)
		guard_ok &= ((unsigned char *)&small)[i] == 0xa5;
	ok(guard_ok && small.st.size == cut && small.st.object_format != NULL,
	    "stats: written up to its size and no further");
	cairn_repo_close(r);
	fo.size = 0;
	is_error(cairn_repo_fsck(path, &fo, &fr), CAIRN_ERR_USAGE,
	    "fsck: options with a size field of 0 are refused");
	fr.size = 0;
	is_error(cairn_repo_fsck(path, NULL, &fr), CAIRN_ERR_USAGE,
	    "fsck: a result with a size field of 0 is refused");
	fr.size = sizeof(fr);
	ok(cairn_repo_fsck(path, NULL, &fr) == NULL && fr.errors == 0 &&
	    fr.size == sizeof(fr), "fsck: NULL options check quietly");
	go.size = sizeof(go) + 1;
	is_error(cairn_repo_gc(path, &go, &gr), CAIRN_ERR_USAGE,
	    "gc: options from a newer header are refused");
	ok(cairn_repo_gc(path, NULL, &gr) == NULL && gr.removed == 0,
	    "gc: NULL options keep everything");
	is_error(cairn_repo_gc(path, NULL, NULL), CAIRN_ERR_USAGE,
	    "gc: a NULL result is refused");
	is_error(cairn_repo_fsck(path, NULL, NULL), CAIRN_ERR_USAGE,
	    "fsck: a NULL result is refused");
	is_error(cairn_repo_gc(NULL, NULL, &gr), CAIRN_ERR_USAGE,
	    "gc: a NULL path is refused");
	is_error(cairn_repo_fsck(NULL, NULL, &fr), CAIRN_ERR_USAGE,
	    "fsck: a NULL path is refused");
}

/* The header's version and the library's agree, in both forms. */
static void
versions(void)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", CAIRN_VERSION_MAJOR,
	    CAIRN_VERSION_MINOR, CAIRN_VERSION_PATCH);
	is_str(CAIRN_VERSION, want, "CAIRN_VERSION is major.minor.patch");
	is_str(cairn_version(), CAIRN_VERSION, "the library's version string");
	is_int(cairn_version_number(), CAIRN_VERSION_NUMBER,
	    "the library's version number");
}

/* A read function that claims 4096 bytes more than the buffer holds. */
static ssize_t
lying_read(void *arg, void *buf, size_t len)
{
	int *calls = arg;

	(void)buf;
	return (*calls)++ > 0 ? 0 : (ssize_t)len + 4096;
}

/* One that returns less than -1. */
static ssize_t
below_read(void *arg, void *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	return -2;
}

static void
read_fn_lies(const char *dir, int memory)
{
	struct cairn_repo *r = open_kind(dir, "lies", memory);
	static const enum cairn_otype types[] = { CAIRN_OBJ_BLOB,
	    CAIRN_OBJ_TREE };
	struct cairn_repo_stats st = CAIRN_REPO_STATS_INIT;
	struct cairn_oid id;
	size_t i;
	int calls;

	for (i = 0; i < 2; i++) {
		if (cairn_batch_begin(r) != NULL)
			bail_out("begin");
		calls = 0;
		is_error(cairn_batch_add_stream(r, types[i], lying_read,
		    &calls, -1, &id), CAIRN_ERR_USAGE,
		    "%s: a count past the buffer fails the stream (%s)",
		    memory ? "memory" : "disk", cairn_otype_name(types[i]));
		is_error(cairn_batch_add_stream(r, types[i], below_read, NULL,
		    -1, &id), CAIRN_ERR_USAGE,
		    "%s: a count below -1 fails the stream (%s)",
		    memory ? "memory" : "disk", cairn_otype_name(types[i]));
		no_error(cairn_batch_commit(r), "the batch goes on");
	}
	no_error(cairn_repo_stats(r, &st), "stats");
	is_uint(st.objects, 0, "%s: nothing was stored",
	    memory ? "memory" : "disk");
	cairn_repo_close(r);
}

int
main(void)
{
	char dir[4096];
	int memory;

	scratch_base(dir, sizeof(dir), "misuse", 0);
	for (memory = 0; memory <= 1; memory++) {
		char sub[4200];

		snprintf(sub, sizeof(sub), "%s/%d", dir, memory);
		if (mkdir(sub, 0700) != 0)
			bail_out("mkdir %s: %s", sub, strerror(errno));
		refused_inside_a_batch(sub, memory);
		two_handles_one_thread(sub, memory);
		other_threads_batch(sub, memory);
		read_fn_lies(sub, memory);
	}
	closed_inside_a_batch(dir);
	sized_structs(dir);
	versions();
	rm_rf(dir);
	return done_testing();
}
