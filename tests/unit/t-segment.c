/*
 * t-segment: an index segment's search against a plain bisection of all entries.  The search
 * guesses where a key lies from its bytes (ids are hashes) and narrows by
 * doubling steps; whatever the keys, it must return exactly the first
 * entry not below the key, for whole ids and for every prefix length.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "segment.h"
#include "vfs.h"

#include "tap.h"

#define IDLEN 20

static uint64_t rng_state = 0x5e67e47cafe0001ULL;

static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct ids {
	struct cairn_seg_entry *e;
	uint64_t n, i;
};

static int
ent_cmp(const void *a, const void *b)
{
	return memcmp(((const struct cairn_seg_entry *)a)->id,
	    ((const struct cairn_seg_entry *)b)->id, IDLEN);
}

static int
ids_next(void *arg, struct cairn_seg_entry *out)
{
	struct ids *s = arg;

	if (s->i >= s->n)
		return 0;
	*out = s->e[s->i++];
	return 1;
}

/*
 * n sorted, unique ids.  skew 0: uniform (hashes); 1: crowded into a
 * few values of the bytes the search guesses from, the worst case for
 * the guess; 2: runs of ids that share all but the last byte.
 */
static void
make_ids(struct ids *s, uint64_t n, int skew)
{
	uint64_t i, j, k, r;

	s->e = calloc(n ? n : 1, sizeof(*s->e));
	if (s->e == NULL)
		bail_out("no memory");
	for (i = 0; i < n; i++) {
		for (k = 0; k < IDLEN; k += 8) {
			r = rng_next();
			memcpy(s->e[i].id + k, &r, IDLEN - k < 8 ? IDLEN - k : 8);
		}
		if (skew == 1)
			for (k = 1; k < 8; k++)
				s->e[i].id[k] = (unsigned char)(rng_next() % 3 == 0 ?
				    0xff : 0);
		if (skew == 2 && i > 0 && rng_next() % 4 != 0) {
			memcpy(s->e[i].id, s->e[i - 1].id, IDLEN - 1);
			s->e[i].id[IDLEN - 1] = (unsigned char)rng_next();
		}
		s->e[i].off = i;
	}
	qsort(s->e, n, sizeof(*s->e), ent_cmp);
	for (i = j = 0; i < n; i++)	/* unique */
		if (j == 0 || memcmp(s->e[j - 1].id, s->e[i].id, IDLEN) != 0)
			s->e[j++] = s->e[i];
	s->n = j;
	s->i = 0;
}

/* The first of the sorted ids not below key[0..klen), by bisection. */
static uint64_t
scan_bound(const struct ids *s, const unsigned char *key, size_t klen)
{
	uint64_t lo = 0, hi = s->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (memcmp(s->e[mid].id, key, klen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A key: an id of the set, one next to it, or random. */
static void
make_key(const struct ids *s, unsigned char *key)
{
	uint64_t r = rng_next(), k;

	for (k = 0; k < IDLEN; k++)
		key[k] = (unsigned char)rng_next();
	if (s->n == 0 || r % 3 == 0)
		return;
	memcpy(key, s->e[rng_next() % s->n].id, IDLEN);
	if (r % 3 == 1)		/* a neighbour of an id that is there */
		key[IDLEN - 1 - rng_next() % 3] += (unsigned char)(r % 2 ?
		    1 : 255);
}

static void
check_set(const char *dir, uint64_t n, int skew)
{
	const struct cairn_error *err;
	struct cairn_segment seg;
	struct ids s;
	char path[512];
	unsigned char key[IDLEN];
	uint64_t off, want, t, tries = 4000;
	size_t klen;
	int neg, all = 1, found = 1;

	make_ids(&s, n, skew);
	snprintf(path, sizeof(path), "%s/seg-%llu-%d.idx", dir,
	    (unsigned long long)n, skew);
	if ((err = cairn_segment_write(cairn_vfs_posix(), dir, path, IDLEN,
	    s.n, ids_next, &s)) != NULL)
		bail_out("segment write: %s", err->msg);
	if ((err = cairn_segment_open(&seg, cairn_vfs_posix(), path,
	    IDLEN)) != NULL)
		bail_out("segment open: %s", err->msg);
	for (t = 0; t < tries; t++) {
		make_key(&s, key);
		klen = t % 4 == 0 ? 1 + rng_next() % IDLEN : IDLEN;
		want = scan_bound(&s, key, klen);
		all &= cairn_segment_lower_bound(&seg, key, klen) == want;
	}
	ok(all, "%llu ids (skew %d): %llu searches equal a bisection",
	    (unsigned long long)s.n, skew, (unsigned long long)tries);
	for (t = 0; t < s.n; t += 1 + s.n / 1000)
		found &= cairn_segment_find(&seg, s.e[t].id, &off, &neg) &&
		    off == s.e[t].off;
	ok(found, "%llu ids (skew %d): every id sampled is found at its "
	    "offset", (unsigned long long)s.n, skew);
	cairn_segment_close(&seg);
	unlink(path);
	free(s.e);
}

int
main(void)
{
	static const uint64_t sizes[] = { 0, 1, 17, 300, 5000, 200000 };
	char dir[] = "/tmp/t-segment.XXXXXX";
	size_t i;
	int skew;

	if (mkdtemp(dir) == NULL)
		bail_out("mkdtemp failed");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (skew = 0; skew < 3; skew++)
			check_set(dir, sizes[i], skew);
	rmdir(dir);
	return done_testing();
}
