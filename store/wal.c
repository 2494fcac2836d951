/*
 * wal.c: the one reader of the WAL's batch framing (the rules are in
 * wal.h).  Recovery and fsck both walk the WAL here, so that what one
 * takes for a whole batch the other does too.
 */
#include <string.h>

#include "wal.h"
#include "zip.h"

/*
 * Check the record at off; on success its span.  0 if it is damaged or
 * runs past the end of the file.
 */
static size_t
check_record(const struct cairn_wal_walk *w, size_t off, struct cairn_rec *rec)
{
	const unsigned char *p = w->data + off;
	size_t avail = w->len - off;

	if (avail < CAIRN_REC_HDR_SIZE ||
	    cairn_rec_decode(rec, p, w->idlen) != NULL)
		return 0;
	if (rec->kind == CAIRN_REC_OBJECT &&
	    (rec->stored > avail - CAIRN_REC_HDR_SIZE ||
	    cairn_crc32(0, p + CAIRN_REC_HDR_SIZE, (size_t)rec->stored) !=
	    rec->crc))
		return 0;
	if (rec->kind != CAIRN_REC_COMMIT && rec->data_off < w->watermark)
		return 0;
	return (size_t)cairn_rec_span(rec);
}

/* Does the COMMIT record rec at off close the batch [start, off)? */
static int
commit_matches(const unsigned char *data, const struct cairn_rec *rec,
    size_t start, size_t off, uint64_t records)
{
	return rec->size == records && rec->data_off == start &&
	    cairn_crc32(0, data + start, off - start) == rec->crc;
}

const struct cairn_error *
cairn_wal_scan(struct cairn_wal_walk *w, cairn_wal_batch_fn fn, void *arg)
{
	const struct cairn_error *err;
	struct cairn_rec rec;
	size_t off = w->good, start = w->good, span;
	uint64_t next = w->next, records = 0;

	while (off < w->len) {
		if ((span = check_record(w, off, &rec)) == 0)
			break;
		if (rec.kind == CAIRN_REC_COMMIT) {
			if (!commit_matches(w->data, &rec, start, off, records))
				break;
			if (fn != NULL &&
			    (err = fn(arg, w->data, start, off)) != NULL) {
				w->bad = start;
				return err;
			}
			start = w->good = off + span;
			w->next = next;
			records = 0;
		} else if (rec.data_off != next) {
			break;
		} else {
			records++;
			next += CAIRN_REC_HDR_SIZE +
			    (rec.kind == CAIRN_REC_TOUCH ? 0 : rec.stored);
		}
		off += span;
	}
	w->bad = off < w->len ? off : start;
	if (w->bad > w->len)
		w->bad = w->len;
	return NULL;
}

size_t
cairn_wal_record(struct cairn_rec *rec, const unsigned char *data, size_t off,
    size_t idlen)
{
	if (cairn_rec_decode(rec, data + off, idlen) != NULL)
		return 0;
	return (size_t)cairn_rec_span(rec);
}

int
cairn_wal_batch_after(const unsigned char *data, size_t len, size_t idlen,
    size_t from, size_t at, size_t *start, size_t *end)
{
	const unsigned char *hit;
	struct cairn_rec rec;
	size_t off;

	for (off = at; off + CAIRN_REC_HDR_SIZE <= len; off++) {
		hit = memchr(data + off, 'C', len - off);
		if (hit == NULL)
			return 0;
		off = (size_t)(hit - data);
		if (off + CAIRN_REC_HDR_SIZE > len || memcmp(hit, "CRec", 4) ||
		    cairn_rec_decode(&rec, hit, idlen) != NULL ||
		    rec.kind != CAIRN_REC_COMMIT || rec.data_off < from ||
		    rec.data_off > off ||
		    cairn_crc32(0, data + rec.data_off, off - rec.data_off) !=
		    rec.crc)
			continue;
		*start = (size_t)rec.data_off;
		*end = off;
		return 1;
	}
	return 0;
}
