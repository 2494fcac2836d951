/*
 * idset.h: a compact set of object ids, each with a 48-bit value and an
 * 8-bit tag its user keeps beside it, for sets of millions (fsck's table
 * of every object of a repository).
 *
 * The entries are packed in an array in the order they were added, each
 * idlen + 7 bytes: the id, the value (6 bytes, little-endian), the tag.
 * They are found through an open-addressing table of 4-byte slots, each
 * an entry's number plus one (0: empty) in its low log2(capacity) bits
 * and, above them, as many of the first bits of the id (bytes 0..3,
 * which the slot's position does not use), so that a probe seldom reads
 * an entry that is not the one sought (1 in 256 for a table of 2^24).
 *
 * The table is placed exactly as core/memtable.h places its entries:
 * the home slot of an id is its bytes 8..15, big-endian, modulo the
 * capacity (a power of two, 1024 at least); a collision moves to the
 * next slot; the table doubles when an addition would fill more than
 * three quarters of it, and reserve sizes it the same way.  So walking
 * the slots (cairn_idset_slot) visits the ids in the order a memtable
 * filled by the same calls would, at about a quarter of the memory:
 * idlen + 7 bytes an entry and 5.3 to 10.7 bytes of slots (27 + 8 for
 * a sha1 id in a table between half and three quarters full, against
 * 64 bytes a slot, two slots an entry, for a memtable).  A set holds
 * at most three quarters of 2^32 ids.
 */
#ifndef CAIRN_IDSET_H
#define CAIRN_IDSET_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define CAIRN_IDSET_NONE SIZE_MAX
#define CAIRN_IDSET_VALUE_MAX (((uint64_t)1 << 48) - 1)
#define CAIRN_IDSET_MAX ((size_t)3 << 30)	/* entries at most */

struct cairn_idset {
	unsigned char *ent;	/* n entries of stride bytes; room */
	size_t n, room;
	size_t idlen, stride;
	uint32_t *slot;		/* cap slots */
	size_t cap;		/* a power of two (2^shift), or 0 */
	unsigned shift;
};

#define CAIRN_IDSET_INIT { NULL, 0, 0, 0, 0, NULL, 0, 0 }

/* An empty set of ids of idlen bytes (16 at least); release frees it. */
void cairn_idset_init(struct cairn_idset *s, size_t idlen);
void cairn_idset_release(struct cairn_idset *s);

/*
 * Make room for n entries in all, so that adding them allocates nothing
 * more.  CAIRN_ERR_NOMEM (the set unchanged) if the room cannot be had.
 */
const struct cairn_error *cairn_idset_reserve(struct cairn_idset *s,
    size_t n);

/*
 * The entry of id: added with value (at most CAIRN_IDSET_VALUE_MAX) and
 * tag if the set lacks it, else the one it has, unchanged (*added says
 * which; added may be NULL).  *at is the entry's number, which stays
 * its own for the life of the set.  CAIRN_ERR_NOMEM (nothing added) if
 * there is no room.
 */
const struct cairn_error *cairn_idset_add(struct cairn_idset *s,
    const unsigned char *id, uint64_t value, unsigned tag, size_t *at,
    int *added);

/* The number of id's entry, or CAIRN_IDSET_NONE. */
size_t cairn_idset_find(const struct cairn_idset *s, const unsigned char *id);

/*
 * The entry in slot i (i < s->cap), or CAIRN_IDSET_NONE if the slot is
 * empty: walking i from 0 to cap visits every entry once.
 */
static inline size_t
cairn_idset_slot(const struct cairn_idset *s, size_t i)
{
	uint32_t v = s->slot[i] & (uint32_t)(s->cap - 1);

	return v == 0 ? CAIRN_IDSET_NONE : (size_t)(v - 1);
}

/* Entry at's id, value and tag. */
static inline const unsigned char *
cairn_idset_id(const struct cairn_idset *s, size_t at)
{
	return s->ent + at * s->stride;
}

static inline uint64_t
cairn_idset_value(const struct cairn_idset *s, size_t at)
{
	const unsigned char *p = s->ent + at * s->stride + s->idlen;

	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40;
}

static inline unsigned
cairn_idset_tag(const struct cairn_idset *s, size_t at)
{
	return s->ent[at * s->stride + s->idlen + 6];
}

static inline void
cairn_idset_set_tag(struct cairn_idset *s, size_t at, unsigned tag)
{
	s->ent[at * s->stride + s->idlen + 6] = (unsigned char)tag;
}

#endif
