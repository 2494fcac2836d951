/*
 * t-idset: the compact id set against core/memtable, filled by the same
 * calls: the same ids found with their values and tags, the same absent,
 * and the slots walked in the memtable's order, whatever the growth.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idset.h"
#include "memtable.h"

#include "tap.h"

static uint64_t rng_state = 0x1d5e7ca1f00dULL;

static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * A random id.  skew 1: few values of the bytes that place a slot, so
 * long runs of collisions; 2: few values of the bytes a slot keeps too,
 * so that a probe must compare whole ids.
 */
static void
make_id(unsigned char *id, size_t idlen, int skew)
{
	size_t k;

	for (k = 0; k < idlen; k++)
		id[k] = (unsigned char)rng_next();
	if (skew >= 1)
		for (k = 8; k < 16; k++)
			id[k] = (unsigned char)(rng_next() % 4 == 0 ? 1 : 0);
	if (skew >= 2)
		id[0] = id[1] = id[2] = 7;
}

/* Compare the set with the memtable, entry by entry and slot by slot. */
static void
compare(const struct cairn_idset *s, const struct cairn_memtable *mt,
    const char *what)
{
	const struct cairn_mem_ent *e;
	size_t i, j, at;
	int same = 1, order = 1;

	is_uint(s->n, mt->n, "%s: as many entries", what);
	is_uint(s->cap, mt->cap, "%s: as many slots", what);
	for (i = j = 0; i < mt->cap; i++) {
		e = &mt->tab[i];
		if (!e->used)
			continue;
		at = cairn_idset_find(s, e->id);
		same &= at != CAIRN_IDSET_NONE &&
		    memcmp(cairn_idset_id(s, at), e->id, mt->idlen) == 0 &&
		    cairn_idset_value(s, at) == e->loc &&
		    cairn_idset_tag(s, at) == e->type;
		/* The next entry of the walk is this one. */
		while (j < s->cap && cairn_idset_slot(s, j) == CAIRN_IDSET_NONE)
			j++;
		order &= j < s->cap && cairn_idset_slot(s, j) == at;
		j++;
	}
	while (j < s->cap && cairn_idset_slot(s, j) == CAIRN_IDSET_NONE)
		j++;
	ok(same, "%s: every id found, with its value and tag", what);
	ok(order && j == s->cap, "%s: slots walked in the memtable's order",
	    what);
}

static void
check_fill(size_t idlen, size_t n, size_t reserve, int skew)
{
	struct cairn_idset s;
	struct cairn_memtable mt;
	struct cairn_mem_ent e;
	unsigned char *ids, absent[CAIRN_OID_MAX];
	char what[128];
	size_t i, at, dups = 0;
	int added, fine = 1, none = 1;
	uint64_t value;

	snprintf(what, sizeof(what), "%zu ids of %zu bytes, reserve %zu, "
	    "skew %d", n, idlen, reserve, skew);
	if ((ids = malloc(n * idlen + 1)) == NULL)
		bail_out("no memory");
	cairn_idset_init(&s, idlen);
	cairn_memtable_init(&mt, idlen);
	if (reserve > 0) {
		no_error(cairn_idset_reserve(&s, reserve), "%s: reserve", what);
		no_error(cairn_memtable_reserve(&mt, reserve),
		    "%s: memtable reserve", what);
	}
	for (i = 0; i < n; i++) {
		/* Every tenth id again: the first value stays. */
		if (i > 0 && i % 10 == 0) {
			memcpy(ids + i * idlen, ids + (i / 2) * idlen, idlen);
			dups++;
		} else
			make_id(ids + i * idlen, idlen, skew);
		value = i % 3 == 0 ? CAIRN_IDSET_VALUE_MAX - i : i * 1000;
		if (cairn_idset_add(&s, ids + i * idlen, value,
		    (unsigned)(i & 0xff), &at, &added) != NULL)
			bail_out("%s: add failed", what);
		fine &= memcmp(cairn_idset_id(&s, at), ids + i * idlen,
		    idlen) == 0 && added == (i == 0 || i % 10 != 0);
		if (cairn_memtable_get(&mt, ids + i * idlen) != NULL)
			continue;
		memset(&e, 0, sizeof(e));
		memcpy(e.id, ids + i * idlen, idlen);
		e.loc = value;
		e.type = (unsigned char)(i & 0xff);
		if (cairn_memtable_put(&mt, &e) != NULL)
			bail_out("%s: memtable put failed", what);
	}
	ok(fine, "%s: add says what it added, and where", what);
	is_uint(s.n, n - dups, "%s: repeated ids added once", what);
	compare(&s, &mt, what);
	for (i = 0; i < 1000; i++) {
		make_id(absent, idlen, skew);
		none &= (cairn_idset_find(&s, absent) == CAIRN_IDSET_NONE) ==
		    (cairn_memtable_get(&mt, absent) == NULL);
	}
	ok(none, "%s: ids not added are not found", what);
	if (s.n > 0) {
		cairn_idset_set_tag(&s, s.n - 1, 0xa5);
		is_uint(cairn_idset_tag(&s, s.n - 1), 0xa5, "%s: a tag is set",
		    what);
		ok(cairn_idset_find(&s, cairn_idset_id(&s, s.n - 1)) ==
		    s.n - 1, "%s: and the entry is still found", what);
	}
	cairn_idset_release(&s);
	cairn_memtable_release(&mt);
	free(ids);
}

int
main(void)
{
	static const size_t sizes[] = { 0, 1, 767, 768, 769, 5000, 100000 };
	struct cairn_idset s;
	size_t i, at;
	int skew;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (skew = 0; skew < 3; skew++) {
			check_fill(20, sizes[i], 0, skew);
			check_fill(32, sizes[i], sizes[i] / 2, skew);
			check_fill(20, sizes[i], sizes[i], skew);
		}
	cairn_idset_init(&s, 20);
	ok(cairn_idset_find(&s, (const unsigned char *)"0123456789abcdefghij")
	    == CAIRN_IDSET_NONE, "an empty set finds nothing");
	no_error(cairn_idset_add(&s, (const unsigned char *)
	    "0123456789abcdefghij", 5, 1, &at, NULL),
	    "added without asking whether");
	cairn_idset_release(&s);
	cairn_idset_release(&s);	/* twice is harmless */
	return done_testing();
}
