/*
 * memtable.c: a table of object ids, open addressing with linear
 * probing, twice the size once three quarters full (see memtable.h).
 *
 * A large table is mapped rather than allocated, and asked for huge
 * pages where the system has them: each lookup lands on a random slot,
 * and with 4 KiB pages a table of millions of ids costs a page fault per
 * page on first touch and a TLB miss on nearly every lookup after.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "encode.h"
#include "memtable.h"

#define MAPPED_MIN ((size_t)2 << 20)	/* tables this large are mapped */

void *
cairn_table_alloc(size_t bytes)
{
	void *p;

	if (bytes < MAPPED_MIN)
		return calloc(1, bytes);
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, bytes, MADV_HUGEPAGE);	/* a hint: may be refused */
#endif
	return p;
}

void
cairn_table_free(void *p, size_t bytes)
{
	if (p == NULL)
		return;
	if (bytes < MAPPED_MIN)
		free(p);
	else
		(void)munmap(p, bytes);
}

void
cairn_memtable_init(struct cairn_memtable *mt, size_t idlen)
{
	memset(mt, 0, sizeof(*mt));
	mt->idlen = idlen;
}

void
cairn_memtable_release(struct cairn_memtable *mt)
{
	cairn_table_free(mt->tab, mt->cap * sizeof(*mt->tab));
	mt->tab = NULL;
	mt->cap = mt->n = 0;
}

void
cairn_memtable_clear(struct cairn_memtable *mt)
{
	if (mt->tab != NULL)
		memset(mt->tab, 0, mt->cap * sizeof(*mt->tab));
	mt->n = 0;
}

static size_t
slot_of(const struct cairn_memtable *mt, const unsigned char *id)
{
	size_t i = (size_t)cairn_get_be64(id + 8) & (mt->cap - 1);

	while (mt->tab[i].used && memcmp(mt->tab[i].id, id, mt->idlen) != 0)
		i = (i + 1) & (mt->cap - 1);
	return i;
}

/* Move the entries into a table of cap slots. */
static const struct cairn_error *
resize(struct cairn_memtable *mt, size_t cap)
{
	struct cairn_memtable bigger = *mt;
	size_t i;

	bigger.cap = cap;
	bigger.n = 0;
	if ((bigger.tab = cairn_table_alloc(cap * sizeof(*bigger.tab))) == NULL)
		return cairn_error_nomem();
	for (i = 0; i < mt->cap; i++)
		if (mt->tab[i].used) {
			bigger.tab[slot_of(&bigger, mt->tab[i].id)] =
			    mt->tab[i];
			bigger.n++;
		}
	cairn_table_free(mt->tab, mt->cap * sizeof(*mt->tab));
	*mt = bigger;
	return NULL;
}

static const struct cairn_error *
grow(struct cairn_memtable *mt)
{
	if (mt->cap > SIZE_MAX / 2 / sizeof(*mt->tab))
		return cairn_error_nomem();
	return resize(mt, mt->cap ? mt->cap * 2 : 1024);
}

const struct cairn_error *
cairn_memtable_reserve(struct cairn_memtable *mt, size_t n)
{
	size_t cap = mt->cap ? mt->cap : 1024;

	while (n > cap / 4 * 3) {	/* put grows past three quarters */
		if (cap > SIZE_MAX / 2 / sizeof(*mt->tab))
			return cairn_error_nomem();
		cap *= 2;
	}
	return cap == mt->cap ? NULL : resize(mt, cap);
}

const struct cairn_error *
cairn_memtable_put(struct cairn_memtable *mt, const struct cairn_mem_ent *e)
{
	const struct cairn_error *err;
	size_t i;

	if ((mt->n + 1) * 4 > mt->cap * 3 && (err = grow(mt)) != NULL)
		return err;
	i = slot_of(mt, e->id);
	if (!mt->tab[i].used)
		mt->n++;
	mt->tab[i] = *e;
	mt->tab[i].used = 1;
	return NULL;
}

const struct cairn_error *
cairn_memtable_add(struct cairn_memtable *mt, const unsigned char *id,
    struct cairn_mem_ent **ent, int *added)
{
	const struct cairn_error *err;
	size_t i;

	if ((mt->n + 1) * 4 > mt->cap * 3 && (err = grow(mt)) != NULL)
		return err;
	i = slot_of(mt, id);
	*added = !mt->tab[i].used;
	if (*added) {
		memcpy(mt->tab[i].id, id, mt->idlen);
		mt->tab[i].used = 1;
		mt->n++;
	}
	*ent = &mt->tab[i];
	return NULL;
}

void
cairn_memtable_prefetch(const struct cairn_memtable *mt,
    const unsigned char *id)
{
	if (mt->cap == 0)
		return;
#if defined(__GNUC__) || defined(__clang__)
	__builtin_prefetch(&mt->tab[(size_t)cairn_get_be64(id + 8) &
	    (mt->cap - 1)]);
#else
	(void)id;
#endif
}

const struct cairn_mem_ent *
cairn_memtable_get(const struct cairn_memtable *mt, const unsigned char *id)
{
	size_t i;

	if (mt->n == 0)
		return NULL;
	i = slot_of(mt, id);
	return mt->tab[i].used ? &mt->tab[i] : NULL;
}
