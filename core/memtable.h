/*
 * memtable.h: the in-memory table of unflushed objects, an open-addressing
 * hash table keyed by object id (whose bytes are already uniformly random).
 */
#ifndef CAIRN_MEMTABLE_H
#define CAIRN_MEMTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "oid.h"

enum cairn_mem_where {
	CAIRN_MEM_WAL = 1,	/* loc: offset of the OBJECT record in the WAL */
	CAIRN_MEM_DATA = 2,	/* loc: offset of the OBJECT record in the data file */
};

struct cairn_mem_ent {
	unsigned char id[CAIRN_OID_MAX];
	unsigned char used;
	unsigned char where;
	unsigned char type;
	uint64_t size;
	uint64_t loc;
	uint64_t data_off;	/* where the record lives in the data file */
};

struct cairn_memtable {
	struct cairn_mem_ent *tab;
	size_t cap;		/* a power of two, or 0 */
	size_t n;
	size_t idlen;
};

void cairn_memtable_init(struct cairn_memtable *mt, size_t idlen);
void cairn_memtable_release(struct cairn_memtable *mt);
void cairn_memtable_clear(struct cairn_memtable *mt);

/* Insert or replace the entry for e->id. */
const struct cairn_error *cairn_memtable_put(struct cairn_memtable *mt,
    const struct cairn_mem_ent *e);

/* The entry for id, or NULL. */
const struct cairn_mem_ent *cairn_memtable_get(const struct cairn_memtable *mt,
    const unsigned char *id);

#endif
