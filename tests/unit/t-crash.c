/*
 * t-crash.c: simulated power loss at every point of every workload.
 *
 * Each workload (a sequence of up to three steps of workload.h) runs
 * once through the crash layer (tests/support/crash.h) to count its mutating
 * calls, then again from the pristine repository with the power failing
 * after call 1, 2, ... in turn.  For each crash point, several states the
 * disk could be left in are written (nothing pending kept, everything
 * kept, and random choices: dropped, torn, zeroed, garbage writes, lost
 * directory entries) and each is opened with the real code and checked
 * against what the workload had acknowledged (check_repo in workload.h).
 *
 * fsck --repair too: from a damaged repository (w_damage) repair alone
 * and followed by each step, and from the pristine one each step
 * followed by repair; each state is then checked as an operator would
 * find it (check_repaired: nothing repair cannot fix, a second repair
 * completes, and check_repo holds).
 *
 * Negative controls: the same checker with one fsync skipped by the
 * layer (the WAL's fdatasync; the refs directory's fsync after a rename)
 * must find violations, or it could not see a missing fsync either.
 *
 * Depth: CAIRN_TORTURE=1 runs every sequence of three steps at every
 * crash point with more random states (make torture); by default the
 * sequences of one and two steps get every point and the three-step ones
 * a sample of points.
 */
#define _XOPEN_SOURCE 700
#include <time.h>

#include "tap.h"
#include "scratch.h"
#include "workload.h"
#include "crash.h"

static char base[1024], pristine[1100], damaged[1100], work[1100];
static char state[1100];
static struct oracle orig;
static int torture;

/* Figures for the summary. */
static long n_points, n_states, n_confused;
static struct w_tally total;

struct run {
	const char *from;	/* the repository it starts from */
	const struct oracle *start;	/* and what that holds */
	const enum wstep *seq;
	int n;
	const char *skip;	/* a mutant: the sync this skips */
	struct w_tally t;
	long points, states, bad_states;
	char first[1400];	/* the first failure, described */
};

static void
seq_name(char *buf, size_t len, const enum wstep *seq, int n)
{
	size_t k = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? "+" : "",
		    wstep_names[seq[i]]);
}

/*
 * Run the workload with power failing after call at (0: never) and check
 * nrandom random states beside the two extremes.  Returns the number of
 * mutating calls the run made.
 */
static long
crash_point(struct run *run, const struct oracle *start, long at, int nrandom)
{
	static const char *const keep_names[] = { "nothing", "everything",
	    "random" };
	const struct cairn_error *err, *first;
	struct cairn_vfs_crash c;
	struct oracle o;
	long calls;
	int i, k, repair = 0;

	for (i = 0; i < run->n; i++)
		repair |= run->seq[i] == W_REPAIR;
	rm_rf(work);
	copy_tree(run->from, work);
	oracle_copy(&o, start);
	if ((err = cairn_vfs_crash_init(&c, cairn_vfs_posix(), work)) != NULL)
		bail_out("crash layer: %s", err->msg);
	c.crash_at = at;
	c.skip_sync = run->skip;
	w_run(work, &c.vfs, &o, run->seq, run->n, &first);
	if (c.confused) {
		n_confused++;
		bail_out("the crash layer could not follow the workload");
	}
	if (at == 0 && first != NULL && run->skip == NULL)
		bail_out("the workload failed without a crash: %s", first->msg);
	run->points++;
	for (k = 0; k < nrandom + 2; k++) {
		enum cairn_crash_keep keep = k == 0 ? CAIRN_CRASH_NONE :
		    k == 1 ? CAIRN_CRASH_ALL : CAIRN_CRASH_RANDOM;
		uint64_t seed = (uint64_t)at * 7919u + (uint64_t)k;

		rm_rf(state);
		if ((err = cairn_vfs_crash_state(&c, state, keep, seed)) != NULL)
			bail_out("crash state: %s", err->msg);
		run->states++;
		if ((repair ? check_repaired(state, &o, &run->t) :
		    check_repo(state, &o, &run->t)) != 0 &&
		    run->bad_states++ == 0)
			snprintf(run->first, sizeof(run->first),
			    "power lost %s %ld, %s pending kept "
			    "(seed %" PRIu64 "): %s", at ? "after call" :
			    "at the end, call", at ? at : c.calls,
			    keep_names[keep], seed, w_why);
	}
	calls = c.calls;
	cairn_vfs_crash_free(&c);
	oracle_free(&o);
	return calls;
}

/*
 * Every crash point of a workload (every stride-th one, from a rotating
 * start, if stride > 1).
 */
static void
crash_workload(struct run *run, int nrandom, long stride)
{
	long total_calls, at;

	if (run->from == NULL) {
		run->from = pristine;
		run->start = &orig;
	}
	total_calls = crash_point(run, run->start, 0, nrandom);
	for (at = 1 + (long)(run->seq[0] + run->n) % stride; at <= total_calls;
	    at += stride)
		crash_point(run, run->start, at, nrandom);
}

static void
report(struct run *run)
{
	char name[64];

	seq_name(name, sizeof(name), run->seq, run->n);
	n_points += run->points;
	n_states += run->states;
	total.lost += run->t.lost;
	total.wrong += run->t.wrong;
	total.bad_ref += run->t.bad_ref;
	total.unrecoverable += run->t.unrecoverable;
	total.other += run->t.other;
	if (!ok(run->bad_states == 0, "%s: %ld crash points, %ld states, "
	    "every one consistent", name, run->points, run->states))
		diag("  %ld bad states; first: %s", run->bad_states, run->first);
}

/* ---- the layer itself ---- */

/* Bytes of path (at most cap) into buf; -1 if it does not exist. */
static long
slurp(const char *path, unsigned char *buf, size_t cap)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	n = read(fd, buf, cap);
	close(fd);
	return (long)n;
}

static int
has_file(const char *dir, const char *name, const char *want)
{
	unsigned char buf[256];
	char path[1400];
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	n = slurp(path, buf, sizeof(buf));
	if (want == NULL)
		return n == -1;
	return n == (long)strlen(want) && memcmp(buf, want, (size_t)n) == 0;
}

/* A state of c, freshly written. */
static void
layer_state(struct cairn_vfs_crash *c, enum cairn_crash_keep keep,
    uint64_t seed)
{
	const struct cairn_error *err;

	rm_rf(state);
	if ((err = cairn_vfs_crash_state(c, state, keep, seed)) != NULL)
		bail_out("crash state: %s", err->msg);
}

static int
vwrite(struct cairn_vfs *v, const char *path, int flags, const char *s,
    off_t off, int sync)
{
	int fd = v->open(v, path, O_WRONLY | flags, 0644);

	if (fd < 0)
		return -1;
	if (v->pwrite(v, fd, s, strlen(s), off) != (ssize_t)strlen(s) ||
	    (sync && v->fsync(v, fd) != 0)) {
		v->close(v, fd);
		return -1;
	}
	return v->close(v, fd);
}

static int
vsyncdir(struct cairn_vfs *v, const char *path)
{
	int fd = v->open(v, path, O_RDONLY | O_DIRECTORY, 0), r;

	if (fd < 0)
		return -1;
	r = v->fsync(v, fd);
	v->close(v, fd);
	return r;
}

/*
 * What the layer promises: unsynced data and names are lost in the
 * "nothing" state and kept in the "everything" state; a synced file is
 * kept only if its name was synced too; a rename between directories is
 * durable with its target directory; random states tear writes at
 * sector boundaries, zero them or drop them; after the power fails,
 * calls fail and change nothing.
 */
static void
layer_tests(void)
{
	char p[1200], q[1200], sub[1200];
	struct cairn_vfs_crash c;
	struct cairn_vfs *v = &c.vfs;
	unsigned char buf[4096], want[3 * 1024];
	int torn = 0, zeros = 0, dropped = 0, kept = 0, prefix_ok = 1;
	uint64_t seed;
	long n;

	rm_rf(work);
	if (mkdir(work, 0755) != 0)
		bail_out("mkdir %s: %s", work, strerror(errno));
	snprintf(p, sizeof(p), "%s/old", work);
	if (vwrite(cairn_vfs_posix(), p, O_CREAT, "durable", 0, 0) != 0)
		bail_out("write %s", p);
	if (cairn_vfs_crash_init(&c, cairn_vfs_posix(), work) != NULL)
		bail_out("crash layer init");

	/* A new file, synced, its name not. */
	snprintf(p, sizeof(p), "%s/new", work);
	ok(vwrite(v, p, O_CREAT | O_EXCL, "hello", 0, 1) == 0, "layer: write");
	layer_state(&c, CAIRN_CRASH_NONE, 1);
	ok(has_file(state, "new", NULL) && has_file(state, "old", "durable"),
	    "layer: a synced file whose directory was not synced is lost");
	layer_state(&c, CAIRN_CRASH_ALL, 1);
	ok(has_file(state, "new", "hello"), "layer: kept when all is kept");
	ok(vsyncdir(v, work) == 0, "layer: sync the directory");
	layer_state(&c, CAIRN_CRASH_NONE, 1);
	ok(has_file(state, "new", "hello"), "layer: file and name durable");

	/* Unsynced data over durable data. */
	snprintf(p, sizeof(p), "%s/old", work);
	ok(vwrite(v, p, 0, "CHANGED", 0, 0) == 0, "layer: overwrite");
	layer_state(&c, CAIRN_CRASH_NONE, 1);
	ok(has_file(state, "old", "durable"), "layer: unsynced write lost");
	layer_state(&c, CAIRN_CRASH_ALL, 1);
	ok(has_file(state, "old", "CHANGED"), "layer: or kept");

	/* An unlink and a rename, unsynced, then a rename between dirs. */
	snprintf(q, sizeof(q), "%s/new", work);
	ok(v->unlink(v, q) == 0, "layer: unlink");
	layer_state(&c, CAIRN_CRASH_NONE, 1);
	ok(has_file(state, "new", "hello"), "layer: unsynced unlink lost");
	snprintf(sub, sizeof(sub), "%s/d", work);
	ok(v->mkdir(v, sub, 0755) == 0 && vsyncdir(v, work) == 0,
	    "layer: mkdir, synced");
	snprintf(q, sizeof(q), "%s/d/moved", work);
	ok(v->rename(v, p, q) == 0, "layer: rename into d");
	layer_state(&c, CAIRN_CRASH_NONE, 1);
	ok(has_file(state, "old", "durable") &&
	    has_file(state, "d/moved", NULL), "layer: unsynced rename lost");
	ok(vsyncdir(v, sub) == 0, "layer: sync the target directory");
	layer_state(&c, CAIRN_CRASH_NONE, 1);
	ok(has_file(state, "old", NULL) && has_file(state, "d/moved",
	    "durable"), "layer: the rename is durable with its target "
	    "directory (the pending write is not)");

	/* Three 1 KiB writes appended to a synced empty file, unsynced. */
	snprintf(p, sizeof(p), "%s/d/log", work);
	ok(vwrite(v, p, O_CREAT | O_EXCL, "", 0, 1) == 0 &&
	    vsyncdir(v, sub) == 0, "layer: an empty file, durable");
	for (n = 0; n < 3 * 1024; n++)
		want[n] = (unsigned char)('a' + n % 26);
	for (n = 0; n < 3; n++) {
		char chunk[1025];

		memcpy(chunk, want + n * 1024, 1024);
		chunk[1024] = '\0';
		if (vwrite(v, p, 0, chunk, (off_t)n * 1024, 0) != 0)
			bail_out("append");
	}
	for (seed = 0; seed < 300; seed++) {
		long i, len;

		layer_state(&c, CAIRN_CRASH_RANDOM, seed);
		snprintf(q, sizeof(q), "%s/d/log", state);
		len = slurp(q, buf, sizeof(buf));
		if (len < 0 || len > 3 * 1024 || len % 512 != 0)
			prefix_ok = 0;
		/* Per 512-byte sector: the data, zeros or garbage. */
		for (i = 0; i + 512 <= len; i += 512) {
			if (memcmp(buf + i, want + i, 512) == 0)
				kept++;
			else if (buf[i] == 0 && memcmp(buf + i, buf + i + 1,
			    511) == 0)
				zeros++;
		}
		if (len < 3 * 1024)
			dropped++;
		if (len > 0 && len % 1024 == 512)
			torn++;
	}
	ok(prefix_ok, "layer: random states keep whole sectors");
	ok(kept > 0 && zeros > 0 && dropped > 0 && torn > 0, "layer: random "
	    "states keep, zero, drop and tear writes (%d, %d, %d, %d)", kept,
	    zeros, dropped, torn);

	/* Power fails after the next call. */
	c.crash_at = c.calls + 1;
	snprintf(p, sizeof(p), "%s/d/late", work);
	ok(vwrite(v, p, O_CREAT | O_EXCL, "x", 0, 0) != 0 && errno == EIO,
	    "layer: calls after the power failed fail with EIO");
	snprintf(q, sizeof(q), "%s/d/late", work);
	ok(slurp(q, buf, sizeof(buf)) == 0, "layer: and change nothing");
	ok(!c.confused, "layer: the model followed every call");
	cairn_vfs_crash_free(&c);
}

/*
 * init: a repository made in an empty directory, power failing after
 * each call.  Once init has returned, the repository must open, check
 * clean and take writes; before, opening may fail (cleanly) or find a
 * working repository.
 */
static void
crash_init(int nrandom)
{
	struct cairn_init_opts io = CAIRN_INIT_OPTS_INIT;
	const struct cairn_error *err;
	struct cairn_vfs_crash c;
	struct oracle none;
	char repo[1200], st_repo[1200];
	long at, calls = 1, bad = 0, states = 0;
	struct run run;
	int k, acked;

	memset(&none, 0, sizeof(none));
	memset(&run, 0, sizeof(run));
	snprintf(repo, sizeof(repo), "%s/r", work);
	snprintf(st_repo, sizeof(st_repo), "%s/r", state);
	for (at = 0; at <= calls; at++) {
		rm_rf(work);
		if (mkdir(work, 0755) != 0)
			bail_out("mkdir %s: %s", work, strerror(errno));
		if ((err = cairn_vfs_crash_init(&c, cairn_vfs_posix(),
		    work)) != NULL)
			bail_out("crash layer: %s", err->msg);
		c.crash_at = at;
		acked = cairn_repo_init_vfs(repo, &io, &c.vfs) == NULL;
		if (c.confused)
			bail_out("the crash layer could not follow init");
		if (at == 0)
			calls = c.calls;
		for (k = 0; k < nrandom + 2; k++) {
			struct cairn_repo *r;
			int fail;

			rm_rf(state);
			if ((err = cairn_vfs_crash_state(&c, state, k == 0 ?
			    CAIRN_CRASH_NONE : k == 1 ? CAIRN_CRASH_ALL :
			    CAIRN_CRASH_RANDOM, (uint64_t)at * 31u + k)) != NULL)
				bail_out("crash state: %s", err->msg);
			states++;
			if (acked)
				fail = check_repo(st_repo, &none, &run.t);
			else if (cairn_repo_open(st_repo, 0, &r) != NULL)
				fail = 0;	/* not a repository: fine */
			else {
				cairn_repo_close(r);
				fail = check_repo(st_repo, &none, &run.t);
			}
			if (fail && bad++ == 0)
				snprintf(run.first, sizeof(run.first),
				    "power lost after call %ld (init %s): %s",
				    at, acked ? "acknowledged" :
				    "not acknowledged", w_why);
		}
		cairn_vfs_crash_free(&c);
	}
	n_points += calls + 1;
	n_states += states;
	total.unrecoverable += run.t.unrecoverable;
	total.other += run.t.other;
	if (!ok(bad == 0, "init: %ld crash points, %ld states, every one "
	    "consistent", calls + 1, states))
		diag("  %ld bad states; first: %s", bad, run.first);
}

/*
 * A crash during recovery from a crash: states left by a power loss in
 * the middle of a batch (or a flush) become the starting point of a put,
 * which recovers first, and the power fails again at each of its calls.
 */
static void
crash_recovery(int nrandom, long stride)
{
	static const enum wstep batch[1] = { W_BATCH }, put[1] = { W_PUT };
	const struct cairn_error *err, *first;
	char from[1200];
	struct cairn_vfs_crash c;
	struct oracle o;
	long at, calls, bad = 0, points = 0, states = 0;
	struct run run;
	int k;

	snprintf(from, sizeof(from), "%s/torn", base);
	memset(&run, 0, sizeof(run));
	run.seq = batch;
	run.n = 1;
	run.from = pristine;
	run.start = &orig;
	calls = crash_point(&run, &orig, 0, 0);
	for (at = 1; at <= calls; at += stride) {
		for (k = 0; k < 2; k++) {
			/* The first crash: power lost after call at. */
			rm_rf(work);
			copy_tree(pristine, work);
			oracle_copy(&o, &orig);
			if ((err = cairn_vfs_crash_init(&c, cairn_vfs_posix(),
			    work)) != NULL)
				bail_out("crash layer: %s", err->msg);
			c.crash_at = at;
			w_run(work, &c.vfs, &o, batch, 1, &first);
			rm_rf(from);
			if ((err = cairn_vfs_crash_state(&c, from, k == 0 ?
			    CAIRN_CRASH_ALL : CAIRN_CRASH_RANDOM,
			    (uint64_t)at * 104729u)) != NULL)
				bail_out("crash state: %s", err->msg);
			cairn_vfs_crash_free(&c);

			/* The second, at every call of the put that follows. */
			memset(&run, 0, sizeof(run));
			run.seq = put;
			run.n = 1;
			run.from = from;
			run.start = &o;
			crash_workload(&run, nrandom, 1);
			points += run.points;
			states += run.states;
			if (run.bad_states > 0)
				bad++;
			if (run.bad_states > 0)
				diag("  first crash after call %ld: %s", at,
				    run.first);
			total.lost += run.t.lost;
			total.bad_ref += run.t.bad_ref;
			oracle_free(&o);
		}
	}
	n_points += points;
	n_states += states;
	ok(bad == 0, "crash during recovery: %ld first crashes, %ld second "
	    "crash points, %ld states, every one consistent", 2 * ((calls +
	    stride - 1) / stride), points, states);
}

/* A mutant run: the checker must see the skipped sync. */
static void
negative_control(enum wstep step, const char *skip, const char *what)
{
	struct run run;
	enum wstep seq[1];

	seq[0] = step;
	memset(&run, 0, sizeof(run));
	run.seq = seq;
	run.n = 1;
	run.skip = skip;
	crash_workload(&run, 2, 1);
	if (ok(run.bad_states > 0, "negative control: without %s the "
	    "checker finds bad states (%ld of %ld)", what, run.bad_states,
	    run.states))
		diag("  e.g. %s", run.first);
	else
		diag("  the checker cannot see a missing %s", what);
}

int
main(void)
{
	enum wstep seq[3];
	struct run run;
	const char *mutant, *colon;
	long stride3;
	int a, b, c2, r1, r2, r3;
	time_t t0 = time(NULL);

	torture = getenv("CAIRN_TORTURE") != NULL &&
	    strcmp(getenv("CAIRN_TORTURE"), "1") == 0;
	r1 = torture ? 12 : 6;
	r2 = torture ? 8 : 2;
	r3 = torture ? 4 : 1;
	stride3 = torture ? 1 : 7;

	scratch_base(base, sizeof(base), "t-crash", 1);
	snprintf(pristine, sizeof(pristine), "%s/pristine", base);
	snprintf(work, sizeof(work), "%s/work", base);
	snprintf(state, sizeof(state), "%s/state", base);
	w_pristine(pristine, &orig);
	snprintf(damaged, sizeof(damaged), "%s/damaged", base);
	copy_tree(pristine, damaged);
	w_damage(damaged);

	/* CAIRN_CRASH_MUTANT=<step>:<pattern>: one mutant run only. */
	if ((mutant = getenv("CAIRN_CRASH_MUTANT")) != NULL &&
	    (colon = strchr(mutant, ':')) != NULL) {
		for (a = 0; a < W_NSTEPS; a++)
			if (strncmp(mutant, wstep_names[a],
			    (size_t)(colon - mutant)) == 0)
				negative_control((enum wstep)a, colon + 1,
				    colon + 1);
		rm_rf(base);
		oracle_free(&orig);
		return done_testing();
	}

	layer_tests();
	crash_init(r1);
	for (a = 0; a < W_NSTEPS; a++) {
		memset(&run, 0, sizeof(run));
		seq[0] = (enum wstep)a;
		run.seq = seq;
		run.n = 1;
		crash_workload(&run, r1, 1);
		report(&run);
	}
	for (a = 0; a < W_NSTEPS; a++)
		for (b = 0; b < W_NSTEPS; b++) {
			memset(&run, 0, sizeof(run));
			seq[0] = (enum wstep)a;
			seq[1] = (enum wstep)b;
			run.seq = seq;
			run.n = 2;
			crash_workload(&run, r2, 1);
			report(&run);
		}
	for (a = 0; a < W_NSTEPS; a++)
		for (b = 0; b < W_NSTEPS; b++)
			for (c2 = 0; c2 < W_NSTEPS; c2++) {
				memset(&run, 0, sizeof(run));
				seq[0] = (enum wstep)a;
				seq[1] = (enum wstep)b;
				seq[2] = (enum wstep)c2;
				run.seq = seq;
				run.n = 3;
				crash_workload(&run, r3, stride3);
				report(&run);
			}

	crash_recovery(r3, torture ? 1 : 2);

	/* Repair, from the damaged repository or after a step. */
	memset(&run, 0, sizeof(run));
	seq[0] = W_REPAIR;
	run.seq = seq;
	run.n = 1;
	run.from = damaged;
	run.start = &orig;
	crash_workload(&run, r1, 1);
	report(&run);
	for (a = 0; a < 2 * W_NSTEPS; a++) {
		memset(&run, 0, sizeof(run));
		seq[a % 2] = W_REPAIR;
		seq[1 - a % 2] = (enum wstep)(a / 2);
		run.seq = seq;
		run.n = 2;
		if (a % 2 == 0) {
			run.from = damaged;
			run.start = &orig;
		}
		crash_workload(&run, r2, 1);
		report(&run);
	}

	negative_control(W_PUT, "objects.*.wal", "the WAL's fdatasync");
	negative_control(W_REFS, "refs", "the fsync of refs/ after a rename");

	diag("crash points %ld, states checked %ld, in %ld s", n_points,
	    n_states, (long)(time(NULL) - t0));
	diag("acknowledged writes lost %ld, wrong content %ld, refs neither "
	    "old nor new %ld, unrecoverable %ld, other %ld", total.lost,
	    total.wrong, total.bad_ref, total.unrecoverable, total.other);
	ok(n_states >= 10000, "at least 10,000 crash states checked (%ld)",
	    n_states);
	ok(total.lost == 0 && total.bad_ref == 0, "no acknowledged write "
	    "lost, no ref neither old nor new");
	if (tap_state()->failed == 0)
		rm_rf(base);
	else
		diag("scratch kept in %s", base);
	oracle_free(&orig);
	return done_testing();
}
