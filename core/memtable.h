/*
 * memtable.h: a table of object ids in memory, an open-addressing hash
 * table keyed by id (ids of idlen bytes, at least 16, whose bytes are a
 * hash's, so already uniformly random), each with a few values its user
 * keeps beside it.  The engine keeps its unflushed objects in one (where,
 * loc, data_off: the record of the object, where taking record.h's
 * enum cairn_mem_where; type, size: the object);
 * fsck, gc and the graph layer keep sets of ids seen in others, leaving
 * the values zero or giving them a meaning of their own.
 */
#ifndef CAIRN_MEMTABLE_H
#define CAIRN_MEMTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "oid.h"

/* An entry: the id and the values kept with it, all the user's. */
struct cairn_mem_ent {
	unsigned char id[CAIRN_OID_MAX];
	unsigned char used;	/* the table's: the slot holds an entry */
	unsigned char where;
	unsigned char type;
	uint64_t size;
	uint64_t loc;
	uint64_t data_off;	/* the engine's: the record in the data file */
};

struct cairn_memtable {
	struct cairn_mem_ent *tab;
	size_t cap;		/* a power of two, or 0 */
	size_t n;
	size_t idlen;
};

/*
 * cairn_table_alloc(bytes): a zeroed table of bytes bytes for ids looked
 * up at random (mapped, asking for huge pages, when large); NULL if out
 * of memory.  cairn_table_free(p, bytes) frees it, given the same size.
 */
void *cairn_table_alloc(size_t bytes);
void cairn_table_free(void *p, size_t bytes);

/* An empty table of ids of idlen bytes; release frees it. */
void cairn_memtable_init(struct cairn_memtable *mt, size_t idlen);
void cairn_memtable_release(struct cairn_memtable *mt);
/* Forget every entry, keeping the memory. */
void cairn_memtable_clear(struct cairn_memtable *mt);

/*
 * Make room for n entries in all, so that putting them allocates nothing
 * more (a table filled from a known count grows once, not log n times).
 */
const struct cairn_error *cairn_memtable_reserve(struct cairn_memtable *mt,
    size_t n);

/* Insert or replace the entry for e->id. */
const struct cairn_error *cairn_memtable_put(struct cairn_memtable *mt,
    const struct cairn_mem_ent *e);

/*
 * The entry for id, added (its values zero) if the table has none: one
 * probe where a get then a put would take two.  *added says which; the
 * entry is the table's and moves when the table grows.
 */
const struct cairn_error *cairn_memtable_add(struct cairn_memtable *mt,
    const unsigned char *id, struct cairn_mem_ent **ent, int *added);

/*
 * A hint: start loading the slot where a look-up of id begins, so that a
 * get or add of it a little later finds it in cache.
 */
void cairn_memtable_prefetch(const struct cairn_memtable *mt,
    const unsigned char *id);

/* The entry for id, or NULL. */
const struct cairn_mem_ent *cairn_memtable_get(const struct cairn_memtable *mt,
    const unsigned char *id);

#endif
