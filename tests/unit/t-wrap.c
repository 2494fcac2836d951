/*
 * t-wrap.c: the cached wrapper, observed through the handle's counters
 * (the disk backend counts the reads that reach it): repeated reads hit
 * the cache, and the capacity bound holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn.h"
#include "tap.h"

#define N 64
#define SIZE 4096

static void
fill(unsigned char *buf, int i)
{
	int k;

	for (k = 0; k < SIZE; k++)
		buf[k] = (unsigned char)(i * 31 + k * 7);
}

static void
read_all(struct cairn_repo *r, const struct cairn_oid *id, int n, int *bad)
{
	unsigned char *data, want[SIZE];
	size_t len;
	enum cairn_otype type;
	int i;

	for (i = 0; i < n; i++) {
		fill(want, i);
		if (cairn_object_get(r, &id[i], 0, &type, &data, &len) != NULL) {
			(*bad)++;
			continue;
		}
		*bad += len != SIZE || memcmp(data, want, SIZE) != 0;
		free(data);
	}
}

static void
stats(struct cairn_repo *r, struct cairn_repo_stats *st)
{
	if (cairn_repo_stats(r, st) != NULL)
		memset(st, 0, sizeof(*st));
}

int
main(void)
{
	char tmpl[] = "/tmp/cairn-t-wrap.XXXXXX", path[512];
	struct cairn_open_opts o = CAIRN_OPEN_OPTS_INIT;
	struct cairn_repo *r;
	struct cairn_oid id[N];
	struct cairn_repo_stats a = CAIRN_REPO_STATS_INIT;
	struct cairn_repo_stats b = CAIRN_REPO_STATS_INIT;
	struct cairn_repo_stats c = CAIRN_REPO_STATS_INIT;
	unsigned char buf[SIZE];
	const char *dir = mkdtemp(tmpl);
	int i, bad = 0;

	if (dir == NULL)
		bail_out("mkdtemp failed");
	snprintf(path, sizeof(path), "%s/repo", dir);
	if (!no_error(cairn_repo_init(path, NULL), "init"))
		return done_testing();
	o.cache_bytes = 16 * (SIZE + 256);	/* room for about 16 objects */
	if (!no_error(cairn_repo_open_opts(path, &o, &r), "open cached"))
		return done_testing();
	no_error(cairn_batch_begin(r), "begin");
	for (i = 0; i < N; i++) {
		fill(buf, i);
		bad += cairn_batch_add(r, CAIRN_OBJ_BLOB, buf, SIZE, &id[i]) !=
		    NULL;
	}
	no_error(cairn_batch_commit(r), "commit");
	ok(bad == 0, "%d objects stored", N);

	/* Eight objects, twice: the second round never reaches the disk. */
	stats(r, &a);
	read_all(r, id, 8, &bad);
	stats(r, &b);
	read_all(r, id, 8, &bad);
	stats(r, &c);
	ok(bad == 0, "every read returns the right bytes");
	is_uint(b.reads - a.reads, 8, "first round: 8 reads reach the disk");
	is_uint(b.cache_misses - a.cache_misses, 8, "first round: 8 misses");
	is_uint(c.reads - b.reads, 0, "second round: no read reaches the disk");
	is_uint(c.cache_hits - b.cache_hits, 8, "second round: 8 hits");

	/* All 64 twice: the cache holds about 16, so most miss again. */
	read_all(r, id, N, &bad);
	stats(r, &a);
	read_all(r, id, N, &bad);
	stats(r, &b);
	ok(bad == 0, "reads through a full cache return the right bytes");
	ok(b.cache_misses - a.cache_misses >= N - 20,
	    "capacity holds: %llu of %d reads miss once the cache is full",
	    (unsigned long long)(b.cache_misses - a.cache_misses), N);
	ok(b.reads - a.reads == b.cache_misses - a.cache_misses,
	    "every miss, and only a miss, reaches the disk");
	cairn_repo_close(r);

	/* Without a cache nothing is counted as a hit or a miss. */
	if (no_error(cairn_repo_open(path, 0, &r), "open plain")) {
		read_all(r, id, 8, &bad);
		read_all(r, id, 8, &bad);
		stats(r, &a);
		is_uint(a.reads, 16, "plain: every read reaches the disk");
		is_uint(a.cache_hits + a.cache_misses, 0, "plain: no cache");
		cairn_repo_close(r);
	}
	if (tap_state()->failed == 0) {
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
	return done_testing();
}
