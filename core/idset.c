/*
 * idset.c: a compact set of ids, packed entries found through a table of
 * slots placed as core/memtable.c places its entries (see idset.h).
 * The slot table comes from cairn_table_alloc, for the reason
 * memtable.c gives: each lookup lands on a random slot.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "idset.h"
#include "memtable.h"

#define CAP_MAX ((size_t)1 << 32)

void
cairn_idset_init(struct cairn_idset *s, size_t idlen)
{
	memset(s, 0, sizeof(*s));
	s->idlen = idlen;
	s->stride = idlen + 7;
}

void
cairn_idset_release(struct cairn_idset *s)
{
	size_t idlen = s->idlen;

	free(s->ent);
	cairn_table_free(s->slot, s->cap * sizeof(uint32_t));
	cairn_idset_init(s, idlen);
}

/* log2 of a table of cap slots. */
static unsigned
shift_of(size_t cap)
{
	unsigned k = 0;

	while (((size_t)1 << k) < cap)
		k++;
	return k;
}

/* The bits of id a slot of a table of 2^shift keeps above the number. */
static uint32_t
tag_of(const unsigned char *id, unsigned shift)
{
	uint32_t top = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 |
	    (uint32_t)id[2] << 8 | id[3];

	return shift >= 32 ? 0 : top >> shift << shift;
}

/*
 * The slot holding id in a table of cap (2^shift) slots, or the empty
 * slot where it would go.
 */
static size_t
slot_of(const struct cairn_idset *s, const uint32_t *slot, size_t cap,
    unsigned shift, const unsigned char *id)
{
	size_t i = (size_t)cairn_get_be64(id + 8) & (cap - 1);
	uint32_t tag = tag_of(id, shift), v;
	uint32_t mask = (uint32_t)(cap - 1);

	while ((v = slot[i]) != 0) {
		if ((v & ~mask) == tag && memcmp(s->ent + ((v & mask) - 1) *
		    s->stride, id, s->idlen) == 0)
			break;
		i = (i + 1) & (cap - 1);
	}
	return i;
}

/*
 * Move the slots into a table of cap, in the order memtable.c does (the
 * tags narrow as the numbers widen).
 */
static const struct cairn_error *
resize(struct cairn_idset *s, size_t cap)
{
	const unsigned char *id;
	uint32_t *slot, mask = (uint32_t)(s->cap - 1), num;
	unsigned shift = shift_of(cap);
	size_t i;

	if (cap > CAP_MAX)
		return cairn_error_nomem();
	if ((slot = cairn_table_alloc(cap * sizeof(uint32_t))) == NULL)
		return cairn_error_nomem();
	for (i = 0; i < s->cap; i++)
		if (s->slot[i] != 0) {
			num = s->slot[i] & mask;
			id = s->ent + (size_t)(num - 1) * s->stride;
			slot[slot_of(s, slot, cap, shift, id)] =
			    tag_of(id, shift) | num;
		}
	cairn_table_free(s->slot, s->cap * sizeof(uint32_t));
	s->slot = slot;
	s->cap = cap;
	s->shift = shift;
	return NULL;
}

/* Room for n entries in the array. */
static const struct cairn_error *
make_room(struct cairn_idset *s, size_t n)
{
	unsigned char *p;

	if (n <= s->room)
		return NULL;
	if (n > CAIRN_IDSET_MAX || n > SIZE_MAX / s->stride)
		return cairn_error_nomem();
	if ((p = realloc(s->ent, n * s->stride)) == NULL)
		return cairn_error_nomem();
	s->ent = p;
	s->room = n;
	return NULL;
}

const struct cairn_error *
cairn_idset_reserve(struct cairn_idset *s, size_t n)
{
	const struct cairn_error *err;
	size_t cap = s->cap ? s->cap : 1024;

	while (n > cap / 4 * 3) {
		if (cap >= CAP_MAX)
			return cairn_error_nomem();
		cap *= 2;
	}
	if ((err = make_room(s, n)) != NULL)
		return err;
	return cap == s->cap ? NULL : resize(s, cap);
}

const struct cairn_error *
cairn_idset_add(struct cairn_idset *s, const unsigned char *id,
    uint64_t value, unsigned tag, size_t *at, int *added)
{
	const struct cairn_error *err;
	unsigned char *p;
	size_t i, room;
	int k;

	if (added != NULL)
		*added = 0;
	/*
	 * Present already: the entry stays as it is and nothing grows
	 * (memtable's put replaces, and may grow first).
	 */
	if ((*at = cairn_idset_find(s, id)) != CAIRN_IDSET_NONE)
		return NULL;
	if ((s->n + 1) * 4 > s->cap * 3) {
		if ((err = resize(s, s->cap ? s->cap * 2 : 1024)) != NULL)
			return err;
	}
	if (s->n == s->room) {
		room = s->room < 1024 ? 1024 : s->room + s->room / 2;
		if ((err = make_room(s, room)) != NULL &&
		    (err = make_room(s, s->n + 1)) != NULL)
			return err;
	}
	i = slot_of(s, s->slot, s->cap, s->shift, id);
	p = s->ent + s->n * s->stride;
	memcpy(p, id, s->idlen);
	for (k = 0; k < 6; k++)
		p[s->idlen + k] = (unsigned char)(value >> (8 * k));
	p[s->idlen + 6] = (unsigned char)tag;
	s->slot[i] = tag_of(id, s->shift) | (uint32_t)(s->n + 1);
	*at = s->n++;
	if (added != NULL)
		*added = 1;
	return NULL;
}

size_t
cairn_idset_find(const struct cairn_idset *s, const unsigned char *id)
{
	size_t i;

	if (s->n == 0)
		return CAIRN_IDSET_NONE;
	i = slot_of(s, s->slot, s->cap, s->shift, id);
	return s->slot[i] == 0 ? CAIRN_IDSET_NONE :
	    (size_t)((s->slot[i] & (uint32_t)(s->cap - 1)) - 1);
}
