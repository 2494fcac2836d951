/*
 * t-faultloop.c: every mutating I/O call of every workload fails in turn.
 *
 * Each workload of workload.h (every step alone and every pair of steps;
 * with CAIRN_TORTURE=1 also every sequence of three) runs once on the fault layer to count its mutating
 * calls, then once per call and per fault (EIO, ENOSPC, a short write;
 * once, or that call and every later one), from the pristine repository.
 * After each run: a step that failed did so with an I/O error and a
 * one-line message; the repository opens with the real I/O layer and
 * holds everything the workload acknowledged (check_repo: refs at old or
 * new values, fsck finds nothing repair cannot fix, and nothing after a
 * repair, and a put and a flush work).  The loop ends when a fault past
 * the last call no longer fires: every fault point was exhausted.
 *
 * fsck --repair gets the same treatment: from a damaged repository
 * (w_damage: no index, a stale lock, a leftover file) repair alone and
 * followed by each step, and from the pristine one each step followed
 * by repair (of what the fault left); each of their calls fails in turn.
 * Afterwards fsck finds nothing repair cannot fix, a second repair
 * completes, and everything acknowledged is there (check_repaired).
 */
#define _XOPEN_SOURCE 700
#include <time.h>

#include "tap.h"
#include "scratch.h"
#include "workload.h"
#include "fault.h"

static char base[1024], pristine[1100], damaged[1100], work[1100];
static struct oracle orig;

static const struct mode {
	const char *name;
	int err;
	int persistent;
} modes[] = {
	{ "EIO once", EIO, 0 },
	{ "EIO from then on", EIO, 1 },
	{ "ENOSPC once", ENOSPC, 0 },
	{ "ENOSPC from then on", ENOSPC, 1 },
	{ "a short write once", 0, 0 },
	{ "short writes from then on", 0, 1 },
};

/* Figures. */
static long n_points, n_runs, n_failed_clean, n_swallowed;
static long n_wrong_status;
static struct w_tally total;

/* Run seq with call at failing as m says (at 0: no fault). */
static int
fault_run(const enum wstep *seq, int n, long at, const struct mode *m,
    long *calls, char *why, size_t whylen)
{
	const struct cairn_error *first;
	struct cairn_vfs_fault f;
	struct w_tally t;
	struct oracle o;
	int i, bad = 0, repair = 0;

	for (i = 0; i < n; i++)
		repair |= seq[i] == W_REPAIR;
	rm_rf(work);
	copy_tree(seq[0] == W_REPAIR ? damaged : pristine, work);
	oracle_copy(&o, &orig);
	cairn_vfs_fault_init(&f, cairn_vfs_posix());
	f.fail_at = at;
	f.err = m->err;
	f.persistent = m->persistent;
	w_run(work, &f.vfs, &o, seq, n, &first);
	*calls = f.calls;
	n_runs++;
	if (at == 0 && first != NULL) {
		snprintf(why, whylen, "fails without a fault: %s", first->msg);
		bad = 1;
	} else if (first != NULL && (first->code != CAIRN_ERR_IO ||
	    first->msg[0] == '\0' || strchr(first->msg, '\n') != NULL)) {
		n_wrong_status++;
		snprintf(why, whylen, "error code %d, message '%s'",
		    first->code, first->msg);
		bad = 1;
	} else if (f.fired && first == NULL)
		n_swallowed++;	/* a cleanup call: the step still worked */
	else if (f.fired)
		n_failed_clean++;
	memset(&t, 0, sizeof(t));
	if (!bad && (repair ? check_repaired(work, &o, &t) :
	    check_repo(work, &o, &t))) {
		snprintf(why, whylen, "afterwards: %s", w_why);
		bad = 1;
	}
	total.lost += t.lost;
	total.wrong += t.wrong;
	total.bad_ref += t.bad_ref;
	total.unrecoverable += t.unrecoverable;
	total.other += t.other;
	oracle_free(&o);
	if (!f.fired && at != 0 && !bad && at <= *calls) {
		snprintf(why, whylen, "call %ld of %ld did not fail", at,
		    *calls);
		bad = 1;
	}
	return bad;
}

static void
fault_workload(const enum wstep *seq, int n)
{
	char name[64], why[1200], first[1400];
	long calls, count, at, bad = 0, runs = 0;
	size_t k;
	int i;

	name[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(name + strlen(name), sizeof(name) - strlen(name),
		    "%s%s", i ? "+" : "", wstep_names[seq[i]]);
	if (fault_run(seq, n, 0, &modes[0], &count, why, sizeof(why)))
		bail_out("%s: %s", name, why);
	for (k = 0; k < sizeof(modes) / sizeof(modes[0]); k++) {
		for (at = 1; at <= count; at++) {
			runs++;
			if (fault_run(seq, n, at, &modes[k], &calls, why,
			    sizeof(why)) && bad++ == 0)
				snprintf(first, sizeof(first), "%s at call "
				    "%ld: %s", modes[k].name, at, why);
		}
		/* One past the last call: nothing left to fail. */
		fault_run(seq, n, count + 1, &modes[k], &calls, why,
		    sizeof(why));
	}
	n_points += count * (long)(sizeof(modes) / sizeof(modes[0]));
	if (!ok(bad == 0, "%s: each of %ld calls failed 6 ways: clean "
	    "error, nothing acknowledged lost (%ld runs)", name, count, runs))
		diag("  %ld bad runs; first: %s", bad, first);
}

int
main(void)
{
	enum wstep seq[3];
	int a, b, c, torture;
	time_t t0 = time(NULL);

	torture = getenv("CAIRN_TORTURE") != NULL &&
	    strcmp(getenv("CAIRN_TORTURE"), "1") == 0;
	scratch_base(base, sizeof(base), "t-faultloop", 1);
	snprintf(pristine, sizeof(pristine), "%s/pristine", base);
	snprintf(work, sizeof(work), "%s/work", base);
	w_pristine(pristine, &orig);
	snprintf(damaged, sizeof(damaged), "%s/damaged", base);
	copy_tree(pristine, damaged);
	w_damage(damaged);

	for (a = 0; a < W_NSTEPS; a++) {
		seq[0] = (enum wstep)a;
		fault_workload(seq, 1);
	}
	for (a = 0; a < W_NSTEPS; a++)
		for (b = 0; b < W_NSTEPS; b++) {
			seq[0] = (enum wstep)a;
			seq[1] = (enum wstep)b;
			fault_workload(seq, 2);
		}
	/* Repair alone, then before and after each step. */
	seq[0] = W_REPAIR;
	fault_workload(seq, 1);
	for (a = 0; a < W_NSTEPS; a++) {
		seq[0] = W_REPAIR;
		seq[1] = (enum wstep)a;
		fault_workload(seq, 2);
		seq[0] = (enum wstep)a;
		seq[1] = W_REPAIR;
		fault_workload(seq, 2);
	}
	for (a = 0; torture && a < W_NSTEPS; a++)
		for (b = 0; b < W_NSTEPS; b++)
			for (c = 0; c < W_NSTEPS; c++) {
				seq[0] = (enum wstep)a;
				seq[1] = (enum wstep)b;
				seq[2] = (enum wstep)c;
				fault_workload(seq, 3);
			}

	diag("fault points %ld (all exhausted), runs %ld, in %ld s",
	    n_points, n_runs, (long)(time(NULL) - t0));
	diag("failed with an I/O error %ld, fault absorbed by a cleanup "
	    "call %ld, wrong error code or message %ld", n_failed_clean,
	    n_swallowed, n_wrong_status);
	diag("acknowledged writes lost %ld, wrong content %ld, refs neither "
	    "old nor new %ld, unrecoverable %ld, other %ld", total.lost,
	    total.wrong, total.bad_ref, total.unrecoverable, total.other);
	ok(total.lost == 0 && total.bad_ref == 0 && n_wrong_status == 0,
	    "no acknowledged write lost, no ref neither old nor new, no "
	    "wrong error code");
	if (tap_state()->failed == 0)
		rm_rf(base);
	else
		diag("scratch kept in %s", base);
	oracle_free(&orig);
	return done_testing();
}
