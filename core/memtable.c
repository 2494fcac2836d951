/*
 * memtable.c: a table of object ids, open addressing with linear
 * probing, twice the size once three quarters full (see memtable.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "memtable.h"

void
cairn_memtable_init(struct cairn_memtable *mt, size_t idlen)
{
	memset(mt, 0, sizeof(*mt));
	mt->idlen = idlen;
}

void
cairn_memtable_release(struct cairn_memtable *mt)
{
	free(mt->tab);
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
	if ((bigger.tab = calloc(bigger.cap, sizeof(*bigger.tab))) == NULL)
		return cairn_error_nomem();
	for (i = 0; i < mt->cap; i++)
		if (mt->tab[i].used) {
			bigger.tab[slot_of(&bigger, mt->tab[i].id)] =
			    mt->tab[i];
			bigger.n++;
		}
	free(mt->tab);
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

const struct cairn_mem_ent *
cairn_memtable_get(const struct cairn_memtable *mt, const unsigned char *id)
{
	size_t i;

	if (mt->n == 0)
		return NULL;
	i = slot_of(mt, id);
	return mt->tab[i].used ? &mt->tab[i] : NULL;
}
