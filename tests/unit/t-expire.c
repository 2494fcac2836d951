/*
 * t-expire.c: what ref expire and gc --max-size stand on.
 *
 * cairn_ref_stat: the time a ref was last set, on disk (the ref file's
 * modification time, made old here with utimensat) and in memory; a ref
 * set again, even to the same id, is young again; a missing ref is
 * NOT_FOUND.  gc plans (cairn_gc_opts.plan_*): the result counts what
 * would stay without the plan's refs, plan_bytes[i] what would stay with
 * the first i + 1 of them, and each figure equals what a real gc keeps
 * once only those refs are left; a name that is no ref adds nothing; a
 * plan is refused without dry_run, and changes nothing.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cairn.h"

#include "tap.h"
#include "scratch.h"

static char base_dir[1024];

/* A blob of n bytes that do not compress, different for each seed. */
static struct cairn_oid
put_noise(struct cairn_repo *repo, size_t n, unsigned seed)
{
	unsigned char *buf = xmalloc(n);
	uint64_t x = 0x9e3779b97f4a7c15ULL * (seed + 1);
	struct cairn_oid id;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (unsigned char)x;
	}
	if (cairn_object_put(repo, CAIRN_OBJ_BLOB, buf, n, &id) != NULL)
		bail_out("cannot store a test blob");
	free(buf);
	return id;
}

/* Make refs/<name> look set secs (and nsec nanoseconds) ago. */
static void
age_ns(const char *repo, const char *name, int64_t secs, long nsec)
{
	char path[4096];
	struct timespec t[2];

	snprintf(path, sizeof(path), "%s/refs/%s", repo, name);
	t[0].tv_sec = t[1].tv_sec = (time_t)((int64_t)time(NULL) - secs);
	t[0].tv_nsec = t[1].tv_nsec = nsec;
	if (utimensat(AT_FDCWD, path, t, 0) != 0)
		bail_out("utimensat %s: %s", path, strerror(errno));
}

static void
age(const char *repo, const char *name, int64_t secs)
{
	age_ns(repo, name, secs, 0);
}

static void
test_ref_stat_disk(void)
{
	char path[4096];
	struct cairn_repo *repo;
	struct cairn_oid a, b, got;
	int64_t t, before;

	snprintf(path, sizeof(path), "%s/stat", base_dir);
	if (cairn_repo_init(path, NULL) != NULL ||
	    cairn_repo_open(path, 0, &repo) != NULL)
		bail_out("cannot make %s", path);
	a = put_noise(repo, 10, 1);
	b = put_noise(repo, 10, 2);
	before = (int64_t)time(NULL);
	no_error(cairn_ref_set(repo, "snap/a", &a, NULL), "set snap/a");
	no_error(cairn_ref_stat(repo, "snap/a", &got, &t), "stat snap/a");
	t /= 1000000000;
	ok(cairn_oid_cmp(&got, &a) == 0, "stat gives the ref's id");
	ok(t >= before && t <= (int64_t)time(NULL),
	    "disk: the time is when it was set");
	age(path, "snap/a", 86400);
	no_error(cairn_ref_stat(repo, "snap/a", &got, &t), "stat again");
	t /= 1000000000;
	ok(t <= (int64_t)time(NULL) - 86400 &&
	    t >= (int64_t)time(NULL) - 86400 - 5,
	    "the time is the ref file's modification time");
	no_error(cairn_ref_stat(repo, "snap/a", &got, NULL),
	    "time may be NULL");
	age_ns(path, "snap/a", 60, 123456789);
	no_error(cairn_ref_stat(repo, "snap/a", &got, &t), "stat: ns");
	is_int(t % 1000000000, 123456789,
	    "the time has the file's nanoseconds");
	no_error(cairn_ref_set(repo, "snap/a", &a, NULL),
	    "set again to the same id");
	no_error(cairn_ref_stat(repo, "snap/a", &got, &t), "stat after");
	t /= 1000000000;
	ok(t >= before, "a ref set again is young again");
	age(path, "snap/a", 86400);
	no_error(cairn_ref_set(repo, "snap/a", &b, &a), "moved");
	no_error(cairn_ref_stat(repo, "snap/a", &got, &t), "stat moved");
	t /= 1000000000;
	ok(t >= before && cairn_oid_cmp(&got, &b) == 0,
	    "a moved ref is young, at its new id");
	is_error(cairn_ref_stat(repo, "snap/none", &got, &t),
	    CAIRN_ERR_NOT_FOUND, "a missing ref");
	is_error(cairn_ref_stat(repo, "bad..name", &got, &t),
	    CAIRN_ERR_INVALID, "a bad name");
	cairn_repo_close(repo);
}

static void
test_ref_stat_memory(void)
{
	struct cairn_repo *repo;
	struct cairn_oid a, got;
	int64_t t = 0, before;

	if (cairn_repo_open(NULL, CAIRN_OPEN_MEMORY, &repo) != NULL)
		bail_out("cannot open a memory repository");
	a = put_noise(repo, 10, 3);
	before = (int64_t)time(NULL);
	no_error(cairn_ref_set(repo, "m", &a, NULL), "memory: set");
	no_error(cairn_ref_stat(repo, "m", &got, &t), "memory: stat");
	t /= 1000000000;
	ok(t >= before && t <= (int64_t)time(NULL) &&
	    cairn_oid_cmp(&got, &a) == 0, "memory: the id and when it was set");
	is_error(cairn_ref_stat(repo, "none", &got, &t), CAIRN_ERR_NOT_FOUND,
	    "memory: a missing ref");
	cairn_repo_close(repo);
}

/* What a real gc keeps of path once the refs del[0..ndel) are gone. */
static uint64_t
kept_with(const char *path, const char *const *del, size_t ndel)
{
	struct cairn_gc_opts o = CAIRN_GC_OPTS_INIT;
	struct cairn_gc_result res = CAIRN_GC_RESULT_INIT;
	struct cairn_repo *repo;
	size_t i;

	if (cairn_repo_open(path, 0, &repo) != NULL)
		bail_out("cannot open %s", path);
	for (i = 0; i < ndel; i++)
		if (cairn_ref_delete(repo, del[i], NULL) != NULL)
			bail_out("cannot delete %s", del[i]);
	cairn_repo_close(repo);
	o.keep_since = INT64_MAX;
	if (cairn_repo_gc(path, &o, &res) != NULL)
		bail_out("cannot gc %s", path);
	return res.kept_bytes;
}

static void
test_plan(void)
{
	static const char *const plan[] = { "d", "c", "nothing", "b", "a" };
	struct cairn_gc_opts o = CAIRN_GC_OPTS_INIT;
	struct cairn_gc_result res = CAIRN_GC_RESULT_INIT;
	char path[4096], copy[4096];
	struct cairn_repo *repo;
	struct cairn_oid id, shared;
	uint64_t bytes[5], want;
	static const char *const names[] = { "a", "b", "c", "d" };
	size_t i;

	snprintf(path, sizeof(path), "%s/plan", base_dir);
	if (cairn_repo_init(path, NULL) != NULL ||
	    cairn_repo_open(path, 0, &repo) != NULL)
		bail_out("cannot make %s", path);
	shared = put_noise(repo, 5000, 100);
	for (i = 0; i < 4; i++) {
		id = put_noise(repo, 1000 * (i + 1), (unsigned)i);
		if (cairn_ref_set(repo, names[i], &id, NULL) != NULL)
			bail_out("cannot set %s", names[i]);
	}
	/* A ref outside the plan: what it reaches is always kept. */
	if (cairn_ref_set(repo, "keep", &shared, NULL) != NULL)
		bail_out("cannot set keep");
	(void)put_noise(repo, 700, 200);	/* reached by nothing */
	cairn_repo_close(repo);

	o.keep_since = INT64_MAX;
	o.plan_refs = plan;
	o.plan_n = 5;
	o.plan_bytes = bytes;
	is_error(cairn_repo_gc(path, &o, &res), CAIRN_ERR_USAGE,
	    "a plan needs dry_run");
	o.dry_run = 1;
	o.plan_bytes = NULL;
	is_error(cairn_repo_gc(path, &o, &res), CAIRN_ERR_USAGE,
	    "a plan needs plan_bytes");
	o.plan_bytes = bytes;
	if (!no_error(cairn_repo_gc(path, &o, &res), "a plan"))
		return;
	is_uint(res.kept, 1, "the result keeps what no plan ref reaches");
	is_uint(res.removed, 5, "and removes the plan's and the unreached");
	ok(bytes[0] > res.kept_bytes && bytes[1] > bytes[0] &&
	    bytes[2] == bytes[1] && bytes[3] > bytes[2] && bytes[4] > bytes[3],
	    "each plan ref adds its objects; a name that is no ref adds "
	    "nothing");

	/*
	 * Each figure is what a real gc keeps of a copy in which the refs
	 * left are the plan's first ones: with none of them the result,
	 * with d bytes[0], with d and c bytes[1] (and bytes[2]: "nothing"),
	 * with d, c and b bytes[3], with all of them bytes[4].
	 */
	for (i = 0; i <= 4; i++) {
		static const char *const del[] = { "a", "b", "c", "d" };
		uint64_t got = i == 0 ? res.kept_bytes : bytes[i == 1 ? 0 :
		    i == 2 ? 1 : i];

		snprintf(copy, sizeof(copy), "%s/plan%zu", base_dir, i);
		copy_tree(path, copy);
		want = kept_with(copy, del, 4 - i);
		is_uint(got, want, "with the plan's first %zu refs, what gc "
		    "keeps", i);
	}

	/* The plan changed nothing. */
	if (cairn_repo_open(path, 0, &repo) != NULL)
		bail_out("cannot open %s", path);
	no_error(cairn_ref_get(repo, "a", &id), "the refs are still there");
	cairn_repo_close(repo);
	o.plan_n = 0;
	o.plan_refs = NULL;
	no_error(cairn_repo_gc(path, &o, &res), "a dry run");
	is_uint(res.removed, 1, "and only the unreached would go");
}

int
main(void)
{
	scratch_base(base_dir, sizeof(base_dir), "t-expire", 0);
	test_ref_stat_disk();
	test_ref_stat_memory();
	test_plan();
	rm_rf(base_dir);
	return done_testing();
}
