/*
 * disk_read.c: the disk backend's read side.  Lookups go newest first:
 * the memtable of unflushed objects, then each index segment from the
 * newest to the oldest (bloom filter, fan-out, then a search that
 * starts where the id's bytes say it lies).  A hit costs a few cache
 * lines per segment and no system call.
 *
 * A miss is "not found" only once every segment is known intact (the read
 * rule of segment.h): damage to a bloom filter, a fan-out or an entry can
 * hide an id that is there, so the first miss to reach a segment hashes
 * it (once per mapping, remembered), and a damaged one makes the lookup
 * CAIRN_ERR_CORRUPT.  A hit whose record turns out not to be the object
 * asks the same of the segment that answered, to name the damaged file.
 * Deduplication alone looks up without the check: on a miss it writes a
 * new copy, which is never wrong.
 *
 * Every read checks the record's header and CRC; content is inflated with
 * a bound of its declared size, and re-hashed against the requested id
 * unless the caller said not to.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bloom.h"
#include "disk_int.h"
#include "file.h"
#include "zip.h"

#define CHUNK (1 << 20)
#define WHOLE_MAX ((uint64_t)64 << 20)	/* read whole, verify, then emit */

/*
 * The last id found in a segment, per thread (a stat then a read of the
 * same object finds it once).  gen tells a reloaded state from the one
 * the entry was found in.
 */
static _Thread_local struct {
	const struct disk *d;
	uint64_t gen;
	unsigned char id[CAIRN_OID_MAX];
	uint64_t loc;
	size_t seg;
} last;

/* The "segment" of an id found in the memtable. */
#define IN_MEMTABLE ((size_t)-1)

/* disk_locate, also saying which segment answered (*seg). */
static int
locate(struct disk *d, const unsigned char *id, int *where, uint64_t *loc,
    size_t *seg)
{
	const struct cairn_mem_ent *e;
	int neg;
	size_t i;

	/* The memtable first: it holds the newest copy of an id. */
	if ((e = cairn_memtable_get(&d->mem, id)) != NULL) {
		*where = e->where;
		*loc = e->loc;
		*seg = IN_MEMTABLE;
		return 1;
	}
	if (last.d == d && last.gen == d->gen &&
	    memcmp(last.id, id, d->idlen) == 0) {
		*where = CAIRN_MEM_DATA;
		*loc = last.loc;
		*seg = last.seg;
		return 1;
	}
	for (i = d->nseg; i-- > 0;) {
		if (cairn_segment_find(&d->seg[i], id, loc, &neg)) {
			*where = CAIRN_MEM_DATA;
			*seg = i;
			last.d = d;
			last.gen = d->gen;
			memcpy(last.id, id, d->idlen);
			last.loc = *loc;
			last.seg = i;
			return 1;
		}
		if (neg)
			CAIRN_COUNT(d->be.counters.bloom_negatives);
		else
			CAIRN_COUNT(d->be.counters.bloom_false_positives);
	}
	return 0;
}

int
disk_locate(struct disk *d, const unsigned char *id, int *where, uint64_t *loc)
{
	size_t seg;

	return locate(d, id, where, loc, &seg);
}

/*
 * Whether a miss may be called an absence: every segment could have held
 * the id, so every one must be intact (checked once per mapping).
 */
static const struct cairn_error *
segments_intact(struct disk *d)
{
	const struct cairn_error *err;
	size_t i;

	for (i = d->nseg; i-- > 0;)
		if ((err = cairn_segment_check(&d->seg[i])) != NULL)
			return err;
	return NULL;
}

const struct cairn_error *
disk_data_header(struct disk *d, uint64_t off, struct cairn_rec *rec)
{
	const struct cairn_error *err;
	unsigned char buf[CAIRN_REC_HDR_SIZE];
	const unsigned char *p = buf;

	if (off + CAIRN_REC_HDR_SIZE <= d->data_map_len)
		p = d->data_map + off;
	else if ((err = cairn_file_pread(d->vfs, d->data_fd, buf, sizeof(buf),
	    off, d->man.data)) != NULL)
		return err;
	if ((err = cairn_rec_decode(rec, p, d->idlen)) != NULL)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s' offset %llu: %s", d->man.data,
		    (unsigned long long)off, err->msg);
	return NULL;
}

/* The header of the object record at (where, loc), checked against id. */
static const struct cairn_error *
object_header(struct disk *d, int where, uint64_t loc,
    const struct cairn_oid *id, struct cairn_rec *rec)
{
	const struct cairn_error *err;
	const char *file = where == CAIRN_MEM_WAL ? d->man.wal : d->man.data;

	if (where == CAIRN_MEM_WAL)
		err = cairn_rec_decode(rec, d->wal.data + loc, d->idlen);
	else
		err = disk_data_header(d, loc, rec);
	if (err != NULL)
		return err;
	if (rec->kind != CAIRN_REC_OBJECT || !cairn_oid_eq(&rec->id, id) ||
	    (where == CAIRN_MEM_DATA && rec->data_off != loc))
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s' offset %llu: record does not hold the object the "
		    "index points to", file, (unsigned long long)loc);
	return NULL;
}

const struct cairn_error *
disk_stored(struct disk *d, int where, uint64_t loc, const struct cairn_rec *rec,
    disk_chunk_fn fn, void *arg)
{
	const struct cairn_error *err = NULL;
	uint64_t off = loc + CAIRN_REC_HDR_SIZE, left = rec->stored;
	unsigned char *buf;
	size_t n;

	if (where == CAIRN_MEM_WAL)
		return fn(arg, d->wal.data + off, (size_t)left);
	if (off + left <= d->data_map_len)
		return fn(arg, d->data_map + off, (size_t)left);
	if ((buf = malloc(left < CHUNK ? (size_t)left + 1 : CHUNK)) == NULL)
		return cairn_error_nomem();
	while (err == NULL && left > 0) {
		n = left < CHUNK ? (size_t)left : CHUNK;
		err = cairn_file_pread(d->vfs, d->data_fd, buf, n, off,
		    d->man.data);
		if (err == NULL)
			err = fn(arg, buf, n);
		off += n;
		left -= n;
	}
	free(buf);
	return err;
}

static const struct cairn_error *
crc_chunk(void *arg, const unsigned char *p, size_t len)
{
	*(uint32_t *)arg = cairn_crc32(*(uint32_t *)arg, p, len);
	return NULL;
}

/* Content decoding: inflate or copy the stored bytes to a sink. */
struct decode {
	struct cairn_inflater inf;
	int deflated;
	cairn_write_fn sink;
	void *arg;
};

static const struct cairn_error *
decode_chunk(void *arg, const unsigned char *p, size_t len)
{
	struct decode *dc = arg;

	if (dc->deflated)
		return cairn_inflater_feed(&dc->inf, p, len, dc->sink, dc->arg);
	return dc->sink(dc->arg, p, len);
}

/*
 * Check the CRC of the record's stored bytes, then decode them to sink,
 * which receives exactly rec->size bytes or the call fails.
 */
static const struct cairn_error *
read_content(struct disk *d, int where, uint64_t loc,
    const struct cairn_rec *rec, cairn_write_fn sink, void *arg)
{
	const struct cairn_error *err;
	struct decode dc;
	uint32_t crc = 0;

	if ((err = disk_stored(d, where, loc, rec, crc_chunk, &crc)) != NULL)
		return err;
	if (crc != rec->crc)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s' offset %llu: record checksum mismatch",
		    where == CAIRN_MEM_WAL ? d->man.wal : d->man.data,
		    (unsigned long long)loc);
	memset(&dc, 0, sizeof(dc));
	dc.deflated = rec->flags & CAIRN_REC_DEFLATED;
	dc.sink = sink;
	dc.arg = arg;
	if (dc.deflated && (err = cairn_inflater_init(&dc.inf, rec->size)))
		return err;
	err = disk_stored(d, where, loc, rec, decode_chunk, &dc);
	if (err == NULL && dc.deflated)
		err = cairn_inflater_finish(&dc.inf);
	cairn_inflater_release(&dc.inf);
	return err;
}

static const struct cairn_error *
buf_sink(void *arg, const void *p, size_t len)
{
	return cairn_buf_append(arg, p, len);
}

static const struct cairn_error *
hash_sink(void *arg, const void *p, size_t len)
{
	return cairn_hasher_update(arg, p, len);
}

/*
 * Refuse a header whose sizes cannot be true before anything is
 * allocated or inflated for them: stored bytes past the end of the data
 * file (the WAL scan already made sure a WAL record's lie in the WAL), or
 * a content size that no zlib stream of the stored size inflates to.
 * Sizes that are merely wrong are caught by the bounded inflation.
 */
static const struct cairn_error *
plausible(struct disk *d, int where, uint64_t loc, const struct cairn_rec *rec)
{
	const struct cairn_error *err;
	uint64_t end = loc + CAIRN_REC_HDR_SIZE + rec->stored, size;

	if (where == CAIRN_MEM_DATA && end > d->data_map_len) {
		if ((err = cairn_file_size(d->vfs, d->data_fd, d->man.data,
		    &size)) != NULL)
			return err;
		if (end > size)
			return cairn_error_new(CAIRN_ERR_CORRUPT,
			    "'%s' offset %llu: record runs past the end of "
			    "the file", d->man.data, (unsigned long long)loc);
	}
	if ((err = cairn_rec_sizes_plausible(rec)) != NULL)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s' offset %llu: %s",
		    where == CAIRN_MEM_WAL ? d->man.wal : d->man.data,
		    (unsigned long long)loc, err->msg);
	return NULL;
}

/* The record of id at the location segment seg gave, checked. */
static const struct cairn_error *
found_record(struct disk *d, const struct cairn_oid *id, int where,
    uint64_t loc, size_t seg, struct cairn_rec *rec)
{
	const struct cairn_error *err;
	char hex[CAIRN_OID_HEXMAX + 1];

	/*
	 * An index segment covers the data file below the watermark only:
	 * an entry pointing elsewhere is a damaged index, not an absence.
	 */
	if (seg != IN_MEMTABLE && loc + CAIRN_REC_HDR_SIZE > d->man.watermark)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "index entry of object %s points at offset %llu, past the "
		    "watermark %llu of '%s' (run cairn fsck --repair)",
		    cairn_oid_fmt(id, hex), (unsigned long long)loc,
		    (unsigned long long)d->man.watermark, d->man.data);
	if ((err = object_header(d, where, loc, id, rec)) != NULL)
		return err;
	return plausible(d, where, loc, rec);
}

static const struct cairn_error *
find(struct disk *d, const struct cairn_oid *id, int *where, uint64_t *loc,
    struct cairn_rec *rec)
{
	const struct cairn_error *err, *seg_err;
	char hex[CAIRN_OID_HEXMAX + 1];
	size_t seg;

	if (id->len != d->idlen)
		return cairn_error_new(CAIRN_ERR_NOT_FOUND,
		    "object %s not found", cairn_oid_fmt(id, hex));
	if (!locate(d, id->hash, where, loc, &seg)) {
		if ((err = segments_intact(d)) != NULL)
			return err;
		return cairn_error_new(CAIRN_ERR_NOT_FOUND,
		    "object %s not found", cairn_oid_fmt(id, hex));
	}
	err = found_record(d, id, *where, *loc, seg, rec);
	/*
	 * A wrong record at the place a segment gave: either the segment
	 * or the data file is damaged, and the segment's checksum says
	 * which one to name.
	 */
	if (err != NULL && err->code == CAIRN_ERR_CORRUPT &&
	    seg != IN_MEMTABLE &&
	    (seg_err = cairn_segment_check(&d->seg[seg])) != NULL)
		return seg_err;
	return err;
}

/* Hash the whole content of a record and compare with id. */
static const struct cairn_error *
verify(struct disk *d, int where, uint64_t loc, const struct cairn_rec *rec,
    const struct cairn_oid *id, const struct cairn_buf *have)
{
	const struct cairn_error *err;
	struct cairn_hasher h = { 0 };
	struct cairn_oid got;
	char hex[CAIRN_OID_HEXMAX + 1], hex2[CAIRN_OID_HEXMAX + 1];

	err = cairn_hasher_init_object(&h, d->be.algo, rec->type, rec->size);
	if (err == NULL && have != NULL)
		err = cairn_hasher_update(&h, have->data, have->len);
	else if (err == NULL)
		err = read_content(d, where, loc, rec, hash_sink, &h);
	if (err == NULL)
		err = cairn_hasher_final(&h, &got);
	cairn_hasher_release(&h);
	if (err == NULL && !cairn_oid_eq(&got, id))
		err = cairn_error_new(CAIRN_ERR_CORRUPT,
		    "object %s does not match its content (it hashes to %s)",
		    cairn_oid_fmt(id, hex), cairn_oid_fmt(&got, hex2));
	return err;
}

const struct cairn_error *
disk_hash_record(struct disk *d, uint64_t off, const struct cairn_rec *rec,
    struct cairn_oid *out)
{
	const struct cairn_error *err;
	struct cairn_hasher h = { 0 };

	err = cairn_hasher_init_object(&h, d->be.algo, rec->type, rec->size);
	if (err == NULL)
		err = read_content(d, CAIRN_MEM_DATA, off, rec, hash_sink, &h);
	if (err == NULL)
		err = cairn_hasher_final(&h, out);
	cairn_hasher_release(&h);
	return err;
}

/*
 * The stored bytes of a record, if they lie whole in memory (the WAL
 * buffer or the mapped part of the data file); NULL otherwise.
 */
static const unsigned char *
stored_in_memory(struct disk *d, int where, uint64_t loc,
    const struct cairn_rec *rec)
{
	uint64_t off = loc + CAIRN_REC_HDR_SIZE;

	if (where == CAIRN_MEM_WAL)
		return d->wal.data + off;
	if (off + rec->stored <= d->data_map_len)
		return d->data_map + off;
	return NULL;
}

/* Decode a record whose stored bytes are in memory straight into out. */
static const struct cairn_error *
decode_in_memory(struct disk *d, int where, uint64_t loc,
    const struct cairn_rec *rec, const unsigned char *p, unsigned char *out)
{
	if (cairn_crc32(0, p, (size_t)rec->stored) != rec->crc)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s' offset %llu: record checksum mismatch",
		    where == CAIRN_MEM_WAL ? d->man.wal : d->man.data,
		    (unsigned long long)loc);
	return cairn_rec_content(rec, p, out);
}

const struct cairn_error *
disk_read(struct cairn_backend *be, const struct cairn_oid *id,
    unsigned flags, int *type, struct cairn_buf *out)
{
	struct disk *d = (struct disk *)be;
	const struct cairn_error *err;
	const unsigned char *p;
	struct cairn_rec rec;
	struct cairn_buf content;
	size_t start = out->len;
	uint64_t loc;
	int where;

	if ((err = find(d, id, &where, &loc, &rec)) != NULL)
		return err;
	if (rec.size > SIZE_MAX - 1 - out->len ||
	    cairn_buf_grow(out, (size_t)rec.size + 1) != NULL)
		return cairn_error_nomem();
	if ((p = stored_in_memory(d, where, loc, &rec)) != NULL) {
		err = decode_in_memory(d, where, loc, &rec, p,
		    out->data + start);
		if (err == NULL)
			out->len += (size_t)rec.size;
	} else
		err = read_content(d, where, loc, &rec, buf_sink, out);
	/* Verify what was decoded, seen through a window on out. */
	content.data = out->data + start;
	content.len = out->len - start;
	content.cap = content.len;
	if (err == NULL && !(flags & CAIRN_GET_NO_VERIFY))
		err = verify(d, where, loc, &rec, id, &content);
	if (err != NULL) {
		out->len = start;
		return err;
	}
	*type = rec.type;
	CAIRN_COUNT(be->counters.reads);
	return NULL;
}

const struct cairn_error *
disk_read_stream(struct cairn_backend *be, const struct cairn_oid *id,
    unsigned flags, cairn_write_fn sink, void *arg)
{
	struct disk *d = (struct disk *)be;
	const struct cairn_error *err;
	struct cairn_buf content = { 0 };
	struct cairn_rec rec;
	uint64_t loc;
	int where, type;

	if ((err = find(d, id, &where, &loc, &rec)) != NULL)
		return err;
	if (rec.size <= WHOLE_MAX) {
		err = disk_read(be, id, flags, &type, &content);
		if (err == NULL && content.len > 0)
			err = sink(arg, content.data, content.len);
		cairn_buf_release(&content);
		return err;
	}
	/* Large: verify in a first pass so nothing unverified is emitted. */
	if (!(flags & CAIRN_GET_NO_VERIFY) &&
	    (err = verify(d, where, loc, &rec, id, NULL)) != NULL)
		return err;
	CAIRN_COUNT(be->counters.reads);
	return read_content(d, where, loc, &rec, sink, arg);
}

const struct cairn_error *
disk_stat(struct cairn_backend *be, const struct cairn_oid *id, int *type,
    uint64_t *size)
{
	struct disk *d = (struct disk *)be;
	const struct cairn_error *err;
	struct cairn_rec rec;
	uint64_t loc;
	int where;

	if ((err = find(d, id, &where, &loc, &rec)) != NULL)
		return err;
	*type = rec.type;
	*size = rec.size;
	return NULL;
}

/* Add id to the up-to-two distinct matches. */
static void
add_match(struct cairn_oid *out, int *n, const unsigned char *id, size_t len)
{
	struct cairn_oid o;

	cairn_oid_set(id, len, &o);
	if (*n >= 1 && cairn_oid_eq(&out[0], &o))
		return;
	if (*n < 2)
		out[*n] = o;
	if (*n < 2)
		(*n)++;
}

const struct cairn_error *
disk_prefix(struct cairn_backend *be, const char *hex, size_t len,
    struct cairn_oid *out, int *n)
{
	struct disk *d = (struct disk *)be;
	unsigned char key[CAIRN_OID_MAX];
	struct cairn_seg_entry e;
	struct cairn_oid o;
	size_t i, klen = len / 2;
	uint64_t j;

	*n = 0;
	for (i = 0; i < klen; i++)
		key[i] = (unsigned char)(cairn_hex_digit(hex[2 * i]) << 4 |
		    cairn_hex_digit(hex[2 * i + 1]));
	/* An odd digit: the smallest id with it is the digit, then zeros. */
	if (len % 2)
		key[klen++] =
		    (unsigned char)(cairn_hex_digit(hex[len - 1]) << 4);
	for (i = 0; i < d->mem.cap; i++) {
		if (!d->mem.tab[i].used)
			continue;
		cairn_oid_set(d->mem.tab[i].id, d->idlen, &o);
		if (cairn_hex_prefix_match(&o, hex, len))
			add_match(out, n, o.hash, d->idlen);
	}
	for (i = 0; i < d->nseg && *n < 2; i++)
		for (j = cairn_segment_lower_bound(&d->seg[i], key, klen);
		    j < d->seg[i].count && *n < 2; j++) {
			cairn_segment_entry(&d->seg[i], j, &e);
			cairn_oid_set(e.id, d->idlen, &o);
			if (!cairn_hex_prefix_match(&o, hex, len))
				break;
			add_match(out, n, o.hash, d->idlen);
		}
	/* No match is an absence only if no segment hides one. */
	return *n == 0 ? segments_intact(d) : NULL;
}

/* Every object: those of the memtable, then each segment's. */
const struct cairn_error *
disk_each(struct cairn_backend *be, int (*fn)(void *, const unsigned char *),
    void *arg)
{
	struct disk *d = (struct disk *)be;
	const struct cairn_error *err;
	struct cairn_seg_entry e;
	size_t i;
	uint64_t j;

	if ((err = segments_intact(d)) != NULL)
		return err;
	for (i = 0; i < d->mem.cap; i++)
		if (d->mem.tab[i].used && fn(arg, d->mem.tab[i].id) != 0)
			return NULL;
	for (i = 0; i < d->nseg; i++)
		for (j = 0; j < d->seg[i].count; j++) {
			cairn_segment_entry(&d->seg[i], j, &e);
			if (fn(arg, e.id) != 0)
				return NULL;
		}
	return NULL;
}

/* Sum the content sizes of the data file's indexed object records. */
static const struct cairn_error *
content_bytes(struct disk *d, uint64_t *sum)
{
	const struct cairn_error *err;
	struct cairn_rec rec;
	uint64_t off = CAIRN_FILEHDR_SIZE;

	while (off < d->man.watermark) {
		if ((err = disk_data_header(d, off, &rec)) != NULL)
			return err;
		if (rec.kind == CAIRN_REC_OBJECT)
			*sum += rec.size;
		off += cairn_rec_span(&rec);
	}
	return NULL;
}

const struct cairn_error *
disk_stats(struct cairn_backend *be, struct cairn_repo_stats *st)
{
	struct disk *d = (struct disk *)be;
	const struct cairn_error *err;
	double miss = 1.0;
	uint64_t bloom_bytes = 0;
	size_t i;

	for (i = 0; i < d->nseg; i++) {
		st->indexed_objects += d->seg[i].count;
		bloom_bytes += d->seg[i].bloom_size;
		miss *= 1.0 - cairn_bloom_fpr(d->seg[i].bloom_size,
		    d->seg[i].count);
	}
	cairn_counters_add(st, &be->counters);
	st->index_segments = d->nseg;
	st->objects = st->indexed_objects + d->mem_objects;
	st->wal_records = d->mem_objects;
	st->wal_bytes = d->wal.len;
	st->bloom_bits_per_key = st->indexed_objects ?
	    (double)bloom_bytes * 8 / (double)st->indexed_objects : 0;
	st->bloom_fpr = 1.0 - miss;
	if ((err = cairn_file_size(d->vfs, d->data_fd, d->man.data,
	    &st->data_bytes)) != NULL)
		return err;
	if ((err = content_bytes(d, &st->content_bytes)) != NULL)
		return err;
	for (i = 0; i < d->mem.cap; i++)
		if (d->mem.tab[i].used)
			st->content_bytes += d->mem.tab[i].size;
	return NULL;
}

/*
 * disk_intact(d, id, ok):
 * *ok = 1 if a copy of id is stored whose record can be trusted: the
 * record at the location the lookup finds holds id, its sizes are
 * plausible, and its stored bytes pass their CRC (read chunk by chunk;
 * the content is not hashed).  A missing or damaged copy gives *ok = 0.
 * An error is a check that could not be made (memory, I/O).
 */
const struct cairn_error *
disk_intact(struct disk *d, const struct cairn_oid *id, int *ok)
{
	const struct cairn_error *err;
	struct cairn_rec rec;
	uint64_t loc;
	uint32_t crc = 0;
	int where;

	*ok = 0;
	/* A miss (the common case) makes no error object: none is wanted. */
	if (id->len != d->idlen || !disk_locate(d, id->hash, &where, &loc))
		return NULL;
	err = find(d, id, &where, &loc, &rec);
	if (err == NULL)
		err = disk_stored(d, where, loc, &rec, crc_chunk, &crc);
	if (err != NULL)
		return err->code == CAIRN_ERR_NOT_FOUND ||
		    err->code == CAIRN_ERR_CORRUPT ? NULL : err;
	*ok = crc == rec.crc;
	return NULL;
}
