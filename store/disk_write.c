/*
 * disk_write.c: the disk backend's write path and flush.
 *
 * A batch runs under the writer lock.  Each new object becomes an OBJECT
 * record appended to the in-memory WAL; an object above
 * core.bigFileThreshold is instead streamed once into the data file,
 * synced there, and logged as a POINTER record.  Commit appends a COMMIT
 * record, writes the batch to the WAL with one write and one fdatasync
 * (the group commit; nothing is acknowledged before it returns), then
 * copies the batch's records to the data file past its watermark without
 * syncing: the WAL holds them until a flush syncs the data file.
 *
 * Flush syncs the data file, writes an index segment for the WAL's
 * objects, merges segments geometrically (the two newest while the older
 * has at most twice the entries of the newer, so each entry is rewritten
 * O(log n) times), creates a fresh WAL, and publishes a manifest naming
 * all of it.  The manifest rename is the commit point; old files are
 * deleted after it.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "disk_int.h"
#include "file.h"
#include "zip.h"

#define STREAM_CHUNK (1 << 20)

const struct cairn_error *
disk_begin(struct cairn_backend *be)
{
	struct disk *d = (struct disk *)be;
	const struct cairn_error *err;

	if (d->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE, "batch already open");
	if ((err = disk_lock(d)) != NULL)
		return err;
	if ((err = disk_refresh(d)) != NULL) {
		disk_unlock(d);
		return err;
	}
	d->in_batch = 1;
	d->batch_start = d->wal.len;
	d->batch_records = 0;
	d->batch_data_start = d->data_end;
	return NULL;
}

/* Append a record (header and stored bytes) to the batch in the WAL buffer. */
static const struct cairn_error *
log_record(struct disk *d, struct cairn_rec *rec, const void *stored)
{
	const struct cairn_error *err;
	unsigned char hdr[CAIRN_REC_HDR_SIZE];
	struct cairn_mem_ent e;
	size_t off = d->wal.len;

	rec->time = (uint64_t)time(NULL);
	cairn_rec_encode(hdr, rec);
	if ((err = cairn_buf_append(&d->wal, hdr, sizeof(hdr))) != NULL)
		return err;
	if (rec->kind == CAIRN_REC_OBJECT &&
	    (err = cairn_buf_append(&d->wal, stored, (size_t)rec->stored)))
		return err;
	d->batch_records++;
	if (rec->kind == CAIRN_REC_TOUCH || rec->kind == CAIRN_REC_COMMIT)
		return NULL;
	memset(&e, 0, sizeof(e));
	memcpy(e.id, rec->id.hash, rec->id.len);
	e.type = (unsigned char)rec->type;
	e.size = rec->size;
	e.data_off = rec->data_off;
	e.where = rec->kind == CAIRN_REC_OBJECT ? CAIRN_MEM_WAL : CAIRN_MEM_DATA;
	e.loc = rec->kind == CAIRN_REC_OBJECT ? off : rec->data_off;
	d->mem_objects++;
	return cairn_memtable_put(&d->mem, &e);
}

/*
 * An object that exists already: log a TOUCH so gc's grace period counts
 * from now (a script's put-then-ref-set is then safe from a concurrent
 * gc), unless this batch wrote it.
 */
static const struct cairn_error *
touch(struct disk *d, const struct cairn_oid *id, enum cairn_otype type)
{
	const struct cairn_mem_ent *e = cairn_memtable_get(&d->mem, id->hash);
	struct cairn_rec rec;

	/* Written by this very batch: its own time is now. */
	if (e != NULL && ((e->where == CAIRN_MEM_WAL &&
	    e->loc >= d->batch_start) || (e->where == CAIRN_MEM_DATA &&
	    e->loc >= d->batch_data_start)))
		return NULL;
	memset(&rec, 0, sizeof(rec));
	rec.kind = CAIRN_REC_TOUCH;
	rec.type = type;
	rec.id = *id;
	rec.data_off = d->data_end;
	d->data_end += CAIRN_REC_HDR_SIZE;
	return log_record(d, &rec, NULL);
}

/*
 * Deduplication trusts a stored copy only if it is intact (its CRC,
 * checked cheaply): a damaged copy is not an object, and the new copy is
 * written; it supersedes the damaged one, as lookups, flush and segment
 * merges keep the newest copy of an id.
 */
static const struct cairn_error *
exists(struct disk *d, const struct cairn_oid *id, int *found)
{
	return disk_intact(d, id, found);
}

static const struct cairn_error *
check_batch(struct disk *d, int type)
{
	if (!d->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE, "no batch is open");
	if (cairn_otype_name(type) == NULL)
		return cairn_error_new(CAIRN_ERR_INVALID, "bad object type %d",
		    type);
	return NULL;
}

/*
 * The record the calling thread prepared for its next write (see
 * disk_prepared_set), or NULL.  Thread-local: a batch belongs to one
 * thread, and workers never touch it.
 */
static _Thread_local const struct disk_prepared *prepared;

void
disk_prepared_set(const struct disk_prepared *p)
{
	prepared = p;
}

/* The prepared record for exactly this write at this level, or NULL. */
static const struct disk_prepared *
prepared_for(struct disk *d, int type, const void *data, size_t len)
{
	const struct disk_prepared *p = prepared;

	if (p == NULL || p->data != data || p->len != len || p->type != type ||
	    p->level != d->p.level || p->algo != d->be.algo)
		return NULL;
	return p;
}

const struct cairn_error *
disk_write(struct cairn_backend *be, struct cairn_oid *out, int type,
    const void *data, size_t len)
{
	struct disk *d = (struct disk *)be;
	const struct cairn_error *err;
	const struct disk_prepared *pre;
	struct cairn_buf z = { 0 };
	struct cairn_rec rec;
	const void *stored = data;
	int found;

	if ((err = check_batch(d, type)) != NULL)
		return err;
	pre = prepared_for(d, type, data, len);
	if (pre != NULL)
		*out = pre->id;
	else if ((err = cairn_hash_object(be->algo, type, data, len,
	    out)) != NULL)
		return err;
	if ((err = exists(d, out, &found)) != NULL)
		return err;
	if (found)
		return touch(d, out, type);
	memset(&rec, 0, sizeof(rec));
	rec.kind = CAIRN_REC_OBJECT;
	rec.type = type;
	rec.id = *out;
	rec.size = rec.stored = len;
	if (pre != NULL) {
		/* Hashed, compressed and summed off this thread already. */
		rec.flags = pre->deflated ? CAIRN_REC_DEFLATED : 0;
		rec.stored = pre->stored_len;
		stored = pre->stored;
	} else if (d->p.level > 0 && len > 0) {
		if ((err = cairn_zip_deflate(&z, data, len, d->p.level)))
			return err;
		if (z.len < len) {
			rec.flags = CAIRN_REC_DEFLATED;
			rec.stored = z.len;
			stored = z.data;
		}
	}
	rec.crc = pre != NULL ? pre->crc :
	    cairn_crc32(0, stored, (size_t)rec.stored);
	rec.data_off = d->data_end;
	err = log_record(d, &rec, stored);
	if (err == NULL) {
		d->data_end += cairn_rec_span(&rec);
		CAIRN_COUNT(be->counters.writes);
	}
	cairn_buf_release(&z);
	return err;
}

/* Streaming a large object into the data file. */

struct big {
	struct disk *d;
	uint64_t off;		/* where the stored bytes go */
	uint64_t stored;
	uint32_t crc;
	struct cairn_deflater def;
	int deflate;
};

static const struct cairn_error *
big_sink(void *arg, const void *p, size_t len)
{
	struct big *b = arg;
	const struct cairn_error *err;

	err = cairn_file_pwrite(b->d->vfs, b->d->data_fd, p, len,
	    b->off + b->stored, b->d->man.data);
	b->stored += len;
	b->crc = cairn_crc32(b->crc, p, len);
	return err;
}

static const struct cairn_error *
big_feed(struct big *b, const void *p, size_t len, int finish)
{
	if (b->deflate)
		return cairn_deflater_feed(&b->def, p, len, finish, big_sink, b);
	return len > 0 ? big_sink(b, p, len) : NULL;
}

/* Read up to len bytes (fewer only at the end of the stream). */
static const struct cairn_error *
read_full(cairn_read_fn read, void *arg, unsigned char *buf, size_t len,
    size_t *got)
{
	ssize_t n;

	*got = 0;
	while (*got < len) {
		n = read(arg, buf + *got, len - *got);
		if (n < 0)
			return cairn_error_sys(errno, "read object content");
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return NULL;
}

/*
 * Decide on compression from the first chunk: content that does not
 * shrink by 5% there (already compressed media, say) is stored raw.
 */
static const struct cairn_error *
big_start(struct big *b, const unsigned char *first, size_t len)
{
	const struct cairn_error *err;
	struct cairn_buf z = { 0 };

	if (b->d->p.level == 0)
		return NULL;
	if ((err = cairn_zip_deflate(&z, first, len, b->d->p.level)) != NULL)
		return err;
	b->deflate = z.len < len - len / 20;
	cairn_buf_release(&z);
	if (b->deflate)
		return cairn_deflater_init(&b->def, b->d->p.level);
	return NULL;
}

/*
 * Stream all content (the first chunk is already in buf) into the data
 * file at b->off; hash it on the way if its size is known.  *total gets
 * the content length.
 */
static const struct cairn_error *
big_stream(struct big *b, unsigned char *buf, size_t have, cairn_read_fn read,
    void *arg, struct cairn_hasher *h, uint64_t *total)
{
	const struct cairn_error *err;
	size_t got = have;

	*total = 0;
	if ((err = big_start(b, buf, have)) != NULL)
		return err;
	for (;;) {
		if (h != NULL && (err = cairn_hasher_update(h, buf, got)))
			return err;
		*total += got;
		if (got == 0)
			return big_feed(b, NULL, 0, 1);
		if ((err = big_feed(b, buf, got, 0)) != NULL)
			return err;
		if ((err = read_full(read, arg, buf, STREAM_CHUNK, &got)))
			return err;
	}
}

/* Finish a streamed object whose id is known: dedup, or header + sync + log. */
static const struct cairn_error *
big_commit(struct disk *d, struct cairn_rec *rec)
{
	const struct cairn_error *err;
	unsigned char hdr[CAIRN_REC_HDR_SIZE];
	int found;

	if ((err = exists(d, &rec->id, &found)) != NULL)
		return err;
	if (found) {
		if (d->vfs->ftruncate(d->vfs, d->data_fd, (off_t)d->data_end))
			return cairn_error_sys(errno, "truncate '%s'",
			    d->man.data);
		return touch(d, &rec->id, rec->type);
	}
	rec->kind = CAIRN_REC_OBJECT;
	rec->time = (uint64_t)time(NULL);
	rec->data_off = d->data_end;
	cairn_rec_encode(hdr, rec);
	if ((err = cairn_file_pwrite(d->vfs, d->data_fd, hdr, sizeof(hdr),
	    d->data_end, d->man.data)) != NULL ||
	    (err = cairn_file_sync(d->vfs, d->data_fd, 1, d->man.data)) != NULL)
		return err;
	rec->kind = CAIRN_REC_POINTER;
	d->data_end += CAIRN_REC_HDR_SIZE + rec->stored;
	CAIRN_COUNT(d->be.counters.writes);
	return log_record(d, rec, NULL);
}

static const struct cairn_error *
write_big(struct disk *d, struct cairn_oid *out, int type, unsigned char *buf,
    size_t have, cairn_read_fn read, void *arg, int64_t size)
{
	const struct cairn_error *err;
	struct cairn_hasher h = { 0 };
	struct cairn_rec rec;
	struct big b;
	uint64_t total;

	memset(&b, 0, sizeof(b));
	b.d = d;
	b.off = d->data_end + CAIRN_REC_HDR_SIZE;
	if (size >= 0 && (err = cairn_hasher_init_object(&h, d->be.algo, type,
	    (uint64_t)size)) != NULL)
		return err;
	err = big_stream(&b, buf, have, read, arg, size >= 0 ? &h : NULL,
	    &total);
	if (err == NULL && size >= 0 && total != (uint64_t)size)
		err = cairn_error_new(CAIRN_ERR_INVALID,
		    "content is %llu bytes, expected %lld (did it change "
		    "while being read?)", (unsigned long long)total,
		    (long long)size);
	memset(&rec, 0, sizeof(rec));
	rec.type = type;
	rec.size = total;
	rec.stored = b.stored;
	rec.crc = b.crc;
	rec.flags = b.deflate ? CAIRN_REC_DEFLATED : 0;
	if (err == NULL && size >= 0)
		err = cairn_hasher_final(&h, &rec.id);
	else if (err == NULL)
		err = disk_hash_record(d, d->data_end, &rec, &rec.id);
	if (err == NULL)
		err = big_commit(d, &rec);
	if (err != NULL)
		d->vfs->ftruncate(d->vfs, d->data_fd, (off_t)d->data_end);
	else
		*out = rec.id;
	cairn_hasher_release(&h);
	cairn_deflater_release(&b.def);
	return err;
}

const struct cairn_error *
disk_write_stream(struct cairn_backend *be, struct cairn_oid *out, int type,
    cairn_read_fn read, void *arg, int64_t size)
{
	struct disk *d = (struct disk *)be;
	const struct cairn_error *err;
	unsigned char *buf;
	size_t cap, got;

	if ((err = check_batch(d, type)) != NULL)
		return err;
	cap = (size_t)d->p.big_threshold + 1;
	if (cap < STREAM_CHUNK)
		cap = STREAM_CHUNK;
	if ((buf = malloc(cap)) == NULL)
		return cairn_error_nomem();
	err = read_full(read, arg, buf, (size_t)d->p.big_threshold + 1, &got);
	if (err == NULL && got <= (size_t)d->p.big_threshold) {
		if (size >= 0 && (uint64_t)size != got)
			err = cairn_error_new(CAIRN_ERR_INVALID,
			    "content is %zu bytes, expected %lld (did it "
			    "change while being read?)", got, (long long)size);
		else
			err = disk_write(be, out, type, buf, got);
	} else if (err == NULL)
		err = write_big(d, out, type, buf, got, read, arg, size);
	free(buf);
	return err;
}

/* Commit. */

/* Copy the batch's OBJECT and TOUCH records to the data file, in runs. */
static const struct cairn_error *
append_data(struct disk *d, size_t from, size_t to)
{
	const struct cairn_error *err;
	struct cairn_rec rec;
	size_t off = from, run = from;
	uint64_t run_data = 0, span;

	while (off < to) {
		if ((err = cairn_rec_decode(&rec, d->wal.data + off,
		    d->idlen)) != NULL)
			return err;
		span = cairn_rec_span(&rec);
		if (rec.kind == CAIRN_REC_POINTER) {
			if (off > run && (err = cairn_file_pwrite(d->vfs,
			    d->data_fd, d->wal.data + run, off - run,
			    run_data, d->man.data)) != NULL)
				return err;
			run = off + (size_t)span;
		} else if (off == run)
			run_data = rec.data_off;
		off += (size_t)span;
	}
	if (off > run)
		return cairn_file_pwrite(d->vfs, d->data_fd, d->wal.data + run,
		    off - run, run_data, d->man.data);
	return NULL;
}

static void
end_batch(struct disk *d)
{
	d->in_batch = 0;
	disk_unlock(d);
}

/*
 * Forget the open batch: the WAL buffer and the memtable go back to what
 * was committed before it (a rescan of the buffer), the data file to its
 * end then (streamed objects of the batch lie past it).  Nothing of the
 * batch stays visible.
 */
static void
forget_batch(struct disk *d)
{
	size_t good, bad;

	d->wal.len = d->batch_start;
	cairn_memtable_clear(&d->mem);
	d->mem_objects = 0;
	if (disk_scan_wal(d, CAIRN_FILEHDR_SIZE, &good, &bad) != NULL ||
	    good != d->batch_start)
		d->broken = 1;
	d->data_end = d->batch_data_start;
	if (d->vfs->ftruncate(d->vfs, d->data_fd, (off_t)d->data_end) != 0)
		d->broken = 1;
}

const struct cairn_error *
disk_commit(struct cairn_backend *be)
{
	struct disk *d = (struct disk *)be;
	const struct cairn_error *err;
	struct cairn_rec rec;
	size_t end;

	if (!d->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE, "no batch is open");
	if (d->batch_records == 0) {
		end_batch(d);
		return NULL;
	}
	memset(&rec, 0, sizeof(rec));
	rec.kind = CAIRN_REC_COMMIT;
	rec.size = d->batch_records;
	rec.data_off = d->batch_start;
	rec.crc = cairn_crc32(0, d->wal.data + d->batch_start,
	    d->wal.len - d->batch_start);
	d->batch_records = 0;
	if ((err = log_record(d, &rec, NULL)) != NULL)
		goto fail;
	err = cairn_file_pwrite(d->vfs, d->wal_fd, d->wal.data + d->batch_start,
	    d->wal.len - d->batch_start, d->batch_start, d->man.wal);
	if (err == NULL)
		err = cairn_file_sync(d->vfs, d->wal_fd, 1, d->man.wal);
	if (err != NULL)
		goto fail;
	/*
	 * Durable from here.  The next batch, ours or another process's,
	 * starts where this one ends, in the WAL and in the data file.  A
	 * failure to copy to the data file loses nothing: the next writer
	 * redoes it from the WAL.
	 */
	d->scan_next = d->data_end;
	d->wal_seen = d->wal.len;
	end = d->wal.len - CAIRN_REC_HDR_SIZE;
	if (append_data(d, d->batch_start, end) == NULL)
		d->wal_verified = d->wal.len;
	end_batch(d);
	if (d->wal.len > (uint64_t)d->p.wal_limit &&
	    (err = disk_flush(be)) != NULL)
		snprintf(d->notice, sizeof(d->notice),
		    "automatic flush failed: %s", err->msg);
	return NULL;
fail:
	/*
	 * Nothing of the batch was acknowledged, so nothing of it may be
	 * served: forget it, and cut what reached the WAL file back off
	 * (other processes must not find it either).  The handle cannot
	 * tell what the disk holds now: it writes no more.
	 */
	forget_batch(d);
	if (d->vfs->ftruncate(d->vfs, d->wal_fd, (off_t)d->batch_start) == 0)
		(void)cairn_file_sync(d->vfs, d->wal_fd, 1, d->man.wal);
	d->broken = 1;
	end_batch(d);
	return err;
}

void
disk_abort(struct cairn_backend *be)
{
	struct disk *d = (struct disk *)be;

	if (!d->in_batch)
		return;
	forget_batch(d);
	end_batch(d);
}

/* Flush. */

static int
entry_cmp(const void *a, const void *b)
{
	return memcmp(((const struct cairn_seg_entry *)a)->id,
	    ((const struct cairn_seg_entry *)b)->id, CAIRN_OID_MAX);
}

struct array_src {
	const struct cairn_seg_entry *e;
	uint64_t i, n;
};

/*
 * A merge of the WAL's sorted entries with the newest k segments, in id
 * order; on a tie the newest source's entry wins (the array is newest).
 */
struct merge_src {
	const struct cairn_segment *seg;	/* oldest first */
	size_t nseg;
	uint64_t *pos;				/* per segment */
	struct array_src *arr;
	size_t apos;
};

/* The head of source i (i == nseg: the array); 0 if it is exhausted. */
static int
merge_head(struct merge_src *m, size_t i, struct cairn_seg_entry *e)
{
	if (i == m->nseg) {
		if (m->apos >= m->arr->n)
			return 0;
		*e = m->arr->e[m->apos];
		return 1;
	}
	if (m->pos[i] >= m->seg[i].count)
		return 0;
	cairn_segment_entry(&m->seg[i], m->pos[i], e);
	return 1;
}

static int
merge_next(void *arg, struct cairn_seg_entry *out)
{
	struct merge_src *m = arg;
	struct cairn_seg_entry e;
	size_t i;
	int found = 0;

	for (i = 0; i <= m->nseg; i++)
		if (merge_head(m, i, &e) && (!found ||
		    memcmp(e.id, out->id, CAIRN_OID_MAX) <= 0)) {
			*out = e;	/* later (newer) sources win ties */
			found = 1;
		}
	if (!found)
		return 0;
	for (i = 0; i <= m->nseg; i++)
		if (merge_head(m, i, &e) &&
		    memcmp(e.id, out->id, CAIRN_OID_MAX) == 0) {
			if (i == m->nseg)
				m->apos++;
			else
				m->pos[i]++;
		}
	return 1;
}

/* The memtable's entries, sorted, as the source of a new segment. */
static const struct cairn_error *
wal_entries(struct disk *d, struct cairn_seg_entry **out, uint64_t *n)
{
	struct cairn_seg_entry *e;
	size_t i;

	*n = 0;
	if ((e = calloc(d->mem.n + 1, sizeof(*e))) == NULL)
		return cairn_error_nomem();
	for (i = 0; i < d->mem.cap; i++)
		if (d->mem.tab[i].used) {
			memcpy(e[*n].id, d->mem.tab[i].id, CAIRN_OID_MAX);
			e[(*n)++].off = d->mem.tab[i].data_off;
		}
	qsort(e, (size_t)*n, sizeof(*e), entry_cmp);
	*out = e;
	return NULL;
}

/* The number in a file name of the manifest ("objects.7.wal": 7), or 0. */
static uint64_t
name_number(const char *name)
{
	uint64_t n = 0;

	while (*name != '\0' && (*name < '0' || *name > '9'))
		name++;
	while (*name >= '0' && *name <= '9' && n < UINT64_MAX / 10)
		n = n * 10 + (uint64_t)(*name++ - '0');
	return n;
}

/* Nonzero if a file m names carries the number n. */
static int
number_in(const struct cairn_manifest *m, uint64_t n)
{
	size_t i;

	if (name_number(m->data) == n || name_number(m->wal) == n)
		return 1;
	for (i = 0; i < m->nseg; i++)
		if (name_number(m->seg[i]) == n)
			return 1;
	return 0;
}

/*
 * disk_reserve_name(d, m, out, prefix, suffix, path):
 * A new file "<prefix><n><suffix>" for the manifest m, with n from
 * m->next on.  A number that a file of the published manifest or of m
 * carries is skipped, and so is one whose file exists (a manifest whose
 * counter fell behind, a stray of a failed flush): no live file is ever
 * overwritten.  The name is taken by creating an empty file with O_EXCL,
 * which the caller then replaces (rename) with the real one, or unlinks;
 * its path is left in path.
 */
const struct cairn_error *
disk_reserve_name(struct disk *d, struct cairn_manifest *m, char *out,
    const char *prefix, const char *suffix, struct cairn_buf *path)
{
	const struct cairn_error *err;
	uint64_t n;
	int fd, tries;

	for (tries = 0; tries < 1000; tries++) {
		n = m->next++;
		if (number_in(&d->man, n) || number_in(m, n))
			continue;
		snprintf(out, 64, "%s%llu%s", prefix, (unsigned long long)n,
		    suffix);
		if ((err = disk_path(d, path, out)) != NULL)
			return err;
		fd = d->vfs->open(d->vfs, (char *)path->data,
		    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, CAIRN_FILE_MODE);
		if (fd != -1)
			return cairn_file_close(d->vfs, fd, (char *)path->data);
		if (errno != EEXIST)
			return cairn_error_sys(errno, "create '%s'",
			    (char *)path->data);
	}
	return cairn_error_new(CAIRN_ERR_CORRUPT, "no free file number "
	    "after %llu in '%s' (run cairn fsck)",
	    (unsigned long long)m->next, d->root);
}

static const struct cairn_error *
write_segment(struct disk *d, struct cairn_manifest *m, uint64_t count,
    cairn_seg_next next, void *arg)
{
	const struct cairn_error *err;
	struct cairn_buf path = { 0 };

	err = disk_reserve_name(d, m, m->seg[m->nseg], "index/", ".idx",
	    &path);
	if (err == NULL) {
		err = cairn_segment_write(d->vfs, d->tmpdir, (char *)path.data,
		    d->idlen, count, next, arg);
		/* No manifest names it yet: ours to remove. */
		if (err != NULL)
			d->vfs->unlink(d->vfs, (char *)path.data);
	}
	if (err == NULL)
		m->seg_count[m->nseg++] = count;
	cairn_buf_release(&path);
	return err;
}

/*
 * How many of the newest segments the new entries absorb: each merge
 * takes the next older segment while it holds at most twice what is
 * being written (so an entry is rewritten O(log n) times), and always
 * when the manifest's list would be full.
 */
static size_t
merge_depth(const struct cairn_manifest *m, uint64_t n)
{
	uint64_t total = n;
	size_t k = 0;

	while (k < m->nseg && (m->seg_count[m->nseg - 1 - k] <= 2 * total ||
	    m->nseg - k >= CAIRN_MANIFEST_MAX_SEGMENTS - 1)) {
		total += m->seg_count[m->nseg - 1 - k];
		k++;
	}
	return k;
}

/*
 * The merge's entries as they go into the segment, counted for the
 * handle's progress fn (cairn_repo_set_progress): phase "flush", every
 * PROGRESS_ENTRIES entries and at the end.
 */
#define PROGRESS_ENTRIES 4096

struct counted_src {
	struct disk *d;
	struct merge_src *src;
	uint64_t done, total;
};

static void
flush_progress(struct disk *d, uint64_t done, uint64_t total)
{
	if (d->be.progress != NULL)
		d->be.progress(d->be.progress_arg, "flush", done, total);
}

static int
counted_next(void *arg, struct cairn_seg_entry *out)
{
	struct counted_src *c = arg;

	if (!merge_next(c->src, out))
		return 0;
	if (++c->done % PROGRESS_ENTRIES == 0)
		flush_progress(c->d, c->done, c->total);
	return 1;
}

/*
 * Write one segment of the WAL's entries merged with the newest k mapped
 * segments, and replace those k in the manifest by it.
 */
static const struct cairn_error *
write_merged(struct disk *d, struct cairn_manifest *m, struct array_src *arr,
    size_t k, char (*gone)[64], size_t *ngone)
{
	const struct cairn_error *err;
	struct merge_src src;
	struct counted_src counted;
	struct cairn_seg_entry e;
	uint64_t count = 0;
	size_t i;

	/* A damaged segment is never merged into one whose checksum holds. */
	for (i = d->nseg - k; i < d->nseg; i++)
		if ((err = cairn_segment_check(&d->seg[i])) != NULL)
			return err;
	memset(&src, 0, sizeof(src));
	src.seg = &d->seg[d->nseg - k];
	src.nseg = k;
	src.arr = arr;
	if ((src.pos = calloc(k + 1, sizeof(*src.pos))) == NULL)
		return cairn_error_nomem();
	while (merge_next(&src, &e))
		count++;
	memset(src.pos, 0, (k + 1) * sizeof(*src.pos));
	src.apos = 0;
	for (i = m->nseg - k; i < m->nseg; i++)
		memcpy(gone[(*ngone)++], m->seg[i], 64);
	m->nseg -= k;
	counted.d = d;
	counted.src = &src;
	counted.done = 0;
	counted.total = count;
	err = count > 0 ? write_segment(d, m, count, counted_next, &counted) :
	    NULL;
	free(src.pos);
	if (err == NULL)
		flush_progress(d, count, count);
	return err;
}

/*
 * The fresh WAL: a new number (disk_reserve_name), then a temporary file
 * renamed over the reservation, so it appears whole.
 */
static const struct cairn_error *
new_wal(struct disk *d, struct cairn_manifest *m)
{
	const struct cairn_error *err;
	struct cairn_buf path = { 0 };
	unsigned char hdr[CAIRN_FILEHDR_SIZE];

	err = disk_reserve_name(d, m, m->wal, "objects.", ".wal", &path);
	if (err != NULL)
		goto done;
	cairn_filehdr_encode(hdr, CAIRN_WAL_MAGIC, d->be.algo);
	err = cairn_file_replace(d->vfs, d->tmpdir, (char *)path.data, hdr,
	    sizeof(hdr));
	if (err != NULL)
		d->vfs->unlink(d->vfs, (char *)path.data);
done:
	cairn_buf_release(&path);
	return err;
}

static const struct cairn_error *
publish(struct disk *d, const struct cairn_manifest *m)
{
	const struct cairn_error *err;
	struct cairn_buf text = { 0 }, path = { 0 };

	if ((err = cairn_manifest_format(&text, m)) == NULL &&
	    (err = disk_path(d, &path, "manifest")) == NULL)
		err = cairn_file_replace(d->vfs, d->tmpdir, (char *)path.data,
		    text.data, text.len);
	cairn_buf_release(&text);
	cairn_buf_release(&path);
	return err;
}

/* After the commit point: old files go; failures leave strays for fsck. */
static void
remove_old(struct disk *d, char (*gone)[64], size_t ngone)
{
	struct cairn_buf path = { 0 };
	size_t i;

	for (i = 0; i < ngone; i++)
		if (disk_path(d, &path, gone[i]) == NULL)
			d->vfs->unlink(d->vfs, (char *)path.data);
	cairn_buf_release(&path);
}

/*
 * The directory root/name that a flush or a gc writes in: recreated (through the
 * I/O layer, CAIRN_DIR_MODE, the root synced) when it is missing, so a
 * lost tmp/ or index/ does not make every flush fail while the WAL
 * grows.  Anything else there (a symbolic link, a file) is left alone
 * and is an error for fsck --repair.
 */
const struct cairn_error *
disk_ensure_dir(struct disk *d, const char *name)
{
	const struct cairn_error *err;
	struct cairn_buf path = { 0 };
	struct stat st;

	if ((err = disk_path(d, &path, name)) != NULL)
		return err;
	if (d->vfs->lstat(d->vfs, (char *)path.data, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			err = cairn_error_new(CAIRN_ERR_CORRUPT,
			    "'%s' is not a directory (run cairn fsck --repair)",
			    (char *)path.data);
	} else if (errno != ENOENT)
		err = cairn_error_sys(errno, "stat '%s'", (char *)path.data);
	else if (d->vfs->mkdir(d->vfs, (char *)path.data, CAIRN_DIR_MODE))
		err = cairn_error_sys(errno, "create '%s'", (char *)path.data);
	else
		err = cairn_file_sync_dir(d->vfs, d->root);
	cairn_buf_release(&path);
	return err;
}

static const struct cairn_error *
flush_locked(struct disk *d)
{
	const struct cairn_error *err;
	struct cairn_manifest m = d->man;
	struct array_src src = { NULL, 0, 0 };
	char gone[2 * CAIRN_MANIFEST_MAX_SEGMENTS + 1][64];
	size_t ngone = 0;

	if (d->wal.len <= CAIRN_FILEHDR_SIZE)
		return NULL;
	if ((err = disk_ensure_dir(d, "tmp")) != NULL ||
	    (err = disk_ensure_dir(d, "index")) != NULL)
		return err;
	if ((err = cairn_file_sync(d->vfs, d->data_fd, 1, d->man.data)))
		return err;
	if ((err = wal_entries(d, (struct cairn_seg_entry **)&src.e,
	    &src.n)) != NULL)
		return err;
	err = write_merged(d, &m, &src, merge_depth(&m, src.n), gone, &ngone);
	free((void *)src.e);
	if (err == NULL)
		err = new_wal(d, &m);
	m.watermark = d->data_end;
	if (err == NULL)
		err = publish(d, &m);
	if (err != NULL)
		return err;
	memcpy(gone[ngone++], d->man.wal, 64);
	remove_old(d, gone, ngone);
	return disk_reload(d);
}

const struct cairn_error *
disk_flush(struct cairn_backend *be)
{
	struct disk *d = (struct disk *)be;
	const struct cairn_error *err;

	if (d->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE,
		    "cannot flush inside a batch");
	if ((err = disk_lock(d)) != NULL)
		return err;
	err = disk_refresh(d);
	if (err == NULL)
		err = flush_locked(d);
	if (err == NULL)
		d->wal_verified = d->wal.len;
	disk_unlock(d);
	return err;
}
