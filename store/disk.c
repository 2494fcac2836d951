/*
 * disk.c: the disk backend: repository creation, open, the writer lock,
 * loading the engine's state from the manifest, and crash recovery.
 *
 * Files of a repository (see also man/cairn-repository.5):
 *
 *   config                settings (config.h)
 *   manifest              the commit point (manifest.h)
 *   objects.<n>.data      append-only data file (record.h)
 *   objects.<n>.wal       write-ahead log of recent objects (record.h)
 *   index/<n>.idx         immutable index segments (segment.h)
 *   refs/                 named roots
 *   lock                  flock target serialising writers
 *   tmp/                  temporary files; anything here is garbage
 *
 * Recovery.  The WAL is read in batches: records followed by a COMMIT
 * record whose CRC covers the batch.  Only whole, verified batches count.
 * If the WAL ends in a damaged or incomplete batch, that is a crash
 * artefact: a batch is acknowledged only after its fdatasync, so a batch
 * that did not reach the disk whole was never acknowledged.  A writer
 * truncates such a tail away and says so.  If, however, a complete,
 * verified batch follows the damage, the damage hit a batch that had been
 * synced: that is corruption, and open refuses with the file and offset
 * (fsck's job).  The tail is judged from the whole WAL read again from
 * its start, never from a handle's incremental view, so a batch another
 * process committed is never taken for a torn tail.  The writer then
 * makes the data file match the WAL: every OBJECT or TOUCH record of the
 * WAL is compared with the bytes at its data offset and rewritten if they
 * differ; a POINTER record's data must verify (it was synced before being
 * logged).  Intact records past the last one (checked chunk by chunk:
 * CRC, then the content's hash) are kept and logged again as POINTER
 * records after the data file is synced; a record that cannot be checked
 * (out of memory, I/O error) stops recovery, never counts as damaged.
 * Anything else past the last record is truncated.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "disk_int.h"
#include "file.h"
#include "lock.h"
#include "wal.h"
#include "zip.h"

static void disk_close(struct cairn_backend *be);
static const struct cairn_error *disk_refresh_reader(struct cairn_backend *,
    int *);
static const struct cairn_error *disk_ref_get(struct cairn_backend *,
    const char *, struct cairn_oid *);
static const struct cairn_error *disk_ref_update(struct cairn_backend *,
    const struct cairn_ref_update *, size_t);
static const struct cairn_error *disk_ref_stat(struct cairn_backend *,
    const char *, struct cairn_oid *, int64_t *);
static const struct cairn_error *disk_ref_list(struct cairn_backend *,
    const char *, int (*)(void *, const char *, const struct cairn_oid *),
    void *);
static int later_batch(struct disk *d, size_t from);
static const char *disk_notice(struct cairn_backend *be);
static const struct cairn_error *disk_publish_refs(struct cairn_backend *be);

static const struct cairn_backend_ops disk_ops = {
	CAIRN_BACKEND_VERSION,
	disk_close,
	disk_read,
	disk_read_stream,
	disk_stat,
	disk_prefix,
	disk_begin,
	disk_write,
	disk_write_stream,
	disk_commit,
	disk_abort,
	disk_flush,
	disk_stats,
	disk_notice,
	disk_ref_get,
	disk_ref_update,
	disk_ref_list,
	disk_refresh_reader,
	disk_gc,
	disk_each,
	disk_publish_refs,
	NULL,
	disk_ref_stat,
};

const struct cairn_error *
disk_path(struct disk *d, struct cairn_buf *out, const char *name)
{
	cairn_buf_reset(out);
	return cairn_buf_printf(out, "%s/%s", d->root, name);
}

/* Creation. */

static const struct cairn_error *
create_file(struct cairn_vfs *vfs, const char *path, const void *data,
    size_t len)
{
	const struct cairn_error *err;
	int fd;

	fd = vfs->open(vfs, path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
	if (fd == -1)
		return cairn_error_sys(errno, "create '%s'", path);
	err = cairn_file_pwrite(vfs, fd, data, len, 0, path);
	if (err == NULL)
		err = cairn_file_sync(vfs, fd, 0, path);
	if (err == NULL)
		return cairn_file_close(vfs, fd, path);
	vfs->close(vfs, fd);
	return err;
}

static const struct cairn_error *
make_dir(struct cairn_vfs *vfs, struct cairn_buf *b, const char *root,
    const char *name)
{
	cairn_buf_reset(b);
	if (cairn_buf_printf(b, "%s/%s", root, name) != NULL)
		return cairn_error_nomem();
	if (vfs->mkdir(vfs, (char *)b->data, 0755) != 0)
		return cairn_error_sys(errno, "create '%s'", (char *)b->data);
	return NULL;
}

static const struct cairn_error *
create_named(struct cairn_vfs *vfs, struct cairn_buf *b, const char *root,
    const char *name, const void *data, size_t len)
{
	cairn_buf_reset(b);
	if (cairn_buf_printf(b, "%s/%s", root, name) != NULL)
		return cairn_error_nomem();
	return create_file(vfs, (char *)b->data, data, len);
}

/*
 * The files of an empty repository; the manifest comes last, so a
 * repository whose creation was interrupted has none and is not one.
 */
const struct cairn_error *
cairn_disk_create(const char *root, int algo, struct cairn_vfs *vfs,
    const char *config, size_t config_len)
{
	const struct cairn_error *err;
	struct cairn_manifest m;
	struct cairn_buf b = { 0 }, tmp = { 0 }, text = { 0 };
	unsigned char hdr[CAIRN_FILEHDR_SIZE];

	if ((err = make_dir(vfs, &b, root, "tmp")) != NULL ||
	    (err = make_dir(vfs, &b, root, "refs")) != NULL ||
	    (err = make_dir(vfs, &b, root, "index")) != NULL ||
	    (err = create_named(vfs, &b, root, "lock", "", 0)) != NULL ||
	    (err = create_named(vfs, &b, root, "gc.lock", "", 0)) != NULL ||
	    (err = create_named(vfs, &b, root, "config", config,
	    config_len)) != NULL)
		goto done;
	cairn_filehdr_encode(hdr, CAIRN_DATA_MAGIC, algo);
	if ((err = create_named(vfs, &b, root, "objects.1.data", hdr,
	    sizeof(hdr))) != NULL)
		goto done;
	cairn_filehdr_encode(hdr, CAIRN_WAL_MAGIC, algo);
	if ((err = create_named(vfs, &b, root, "objects.2.wal", hdr,
	    sizeof(hdr))) != NULL)
		goto done;
	memset(&m, 0, sizeof(m));
	strcpy(m.data, "objects.1.data");
	m.watermark = CAIRN_FILEHDR_SIZE;
	strcpy(m.wal, "objects.2.wal");
	m.next = 3;
	if ((err = cairn_manifest_format(&text, &m)) != NULL ||
	    (err = cairn_buf_printf(&tmp, "%s/tmp", root)) != NULL)
		goto done;
	cairn_buf_reset(&b);
	if ((err = cairn_buf_printf(&b, "%s/manifest", root)) == NULL)
		err = cairn_file_replace(vfs, (char *)tmp.data,
		    (char *)b.data, text.data, text.len);
done:
	cairn_buf_release(&b);
	cairn_buf_release(&tmp);
	cairn_buf_release(&text);
	return err;
}

/* Locking. */

const struct cairn_error *
disk_lock(struct disk *d)
{
	const struct cairn_error *err;
	struct cairn_buf path = { 0 };
	struct cairn_lock_wait w;

	if (d->p.read_only)
		return cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	if (d->broken)
		return cairn_error_new(CAIRN_ERR_IO,
		    "an earlier write failed; reopen the repository");
	if (d->lock_fd == -1) {
		if ((err = disk_path(d, &path, "lock")) != NULL)
			return err;
		d->lock_fd = d->vfs->open(d->vfs, (char *)path.data,
		    O_RDWR | O_NOFOLLOW | O_NONBLOCK, 0);
		if (d->lock_fd == -1)
			err = cairn_file_open_error(errno,
			    (char *)path.data);
		cairn_buf_release(&path);
		if (err != NULL)
			return err;
	}
	cairn_lock_wait_init(&w, d->p.lock_timeout_ms);
	if ((err = cairn_lock_take(d->vfs, d->lock_fd, LOCK_EX, &w, "lock",
	    "repository is locked by another writer")) != NULL)
		return err;
	d->locked = 1;
	return NULL;
}

void
disk_unlock(struct disk *d)
{
	if (d->locked)
		d->vfs->flock(d->vfs, d->lock_fd, LOCK_UN);
	d->locked = 0;
}

/* Loading state. */

static _Atomic uint64_t generations;

static void
unload(struct disk *d)
{
	size_t i;

	for (i = 0; i < d->nseg; i++)
		cairn_segment_close(&d->seg[i]);
	d->nseg = 0;
	if (d->data_map != NULL)
		d->vfs->munmap(d->vfs, (void *)d->data_map, d->data_map_len);
	d->data_map = NULL;
	d->data_map_len = 0;
	if (d->data_fd != -1)
		d->vfs->close(d->vfs, d->data_fd);
	if (d->wal_fd != -1)
		d->vfs->close(d->vfs, d->wal_fd);
	d->data_fd = d->wal_fd = -1;
	cairn_buf_reset(&d->wal);
	cairn_memtable_clear(&d->mem);
	d->mem_objects = 0;
	d->wal_verified = 0;
	/*
	 * Numbered across all handles of the process: a handle opened at
	 * the address of a closed one must not match what disk_read.c's
	 * per-thread cache of the last lookup kept from the old one.
	 */
	d->gen = atomic_fetch_add(&generations, 1) + 1;
}

static const struct cairn_error *
read_manifest(struct disk *d, struct cairn_manifest *m)
{
	const struct cairn_error *err;
	struct cairn_buf path = { 0 }, text = { 0 };

	err = disk_path(d, &path, "manifest");
	if (err == NULL)
		err = cairn_file_slurp(d->vfs, (char *)path.data, 1 << 20,
		    &text);
	if (err != NULL && err->code == CAIRN_ERR_NOT_FOUND)
		err = cairn_error_new(CAIRN_ERR_NOT_REPO,
		    "not a cairn repository: '%s'", d->root);
	if (err == NULL)
		err = cairn_manifest_parse(m, (char *)text.data, text.len,
		    (char *)path.data);
	cairn_buf_release(&path);
	cairn_buf_release(&text);
	return err;
}

/* Open a file named by the manifest; ENOENT is CAIRN_ERR_NOT_FOUND. */
static const struct cairn_error *
open_named(struct disk *d, const char *name, int *fd, struct cairn_buf *path)
{
	const struct cairn_error *err;
	struct stat st;
	const char *p;
	int flags;

	if ((err = disk_path(d, path, name)) != NULL)
		return err;
	/* Never follow a link, never wait on a FIFO: a regular file only. */
	flags = (d->p.read_only ? O_RDONLY : O_RDWR) | O_NOFOLLOW | O_NONBLOCK;
	p = (char *)path->data;
	if ((*fd = d->vfs->open(d->vfs, p, flags, 0)) == -1)
		return errno == ENOENT ? cairn_error_new(CAIRN_ERR_NOT_FOUND,
		    "'%s' does not exist", p) : cairn_file_open_error(errno, p);
	if (d->vfs->fstat(d->vfs, *fd, &st) != 0)
		err = cairn_error_sys(errno, "stat '%s'", p);
	else if (!S_ISREG(st.st_mode))
		err = cairn_file_open_error(S_ISDIR(st.st_mode) ? EISDIR :
		    ENXIO, p);
	if (err != NULL) {
		d->vfs->close(d->vfs, *fd);
		*fd = -1;
	}
	return err;
}

static const struct cairn_error *
load_data(struct disk *d)
{
	const struct cairn_error *err;
	struct cairn_buf path = { 0 };
	unsigned char hdr[CAIRN_FILEHDR_SIZE];
	uint64_t size;

	if ((err = open_named(d, d->man.data, &d->data_fd, &path)) != NULL)
		goto done;
	if ((err = cairn_file_size(d->vfs, d->data_fd, (char *)path.data,
	    &size)) != NULL)
		goto done;
	if (size < d->man.watermark || d->man.watermark < CAIRN_FILEHDR_SIZE) {
		err = cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s' is shorter than its watermark %llu",
		    (char *)path.data, (unsigned long long)d->man.watermark);
		goto done;
	}
	if ((err = cairn_file_pread(d->vfs, d->data_fd, hdr, sizeof(hdr), 0,
	    (char *)path.data)) != NULL)
		goto done;
	if ((err = cairn_filehdr_check(hdr, CAIRN_DATA_MAGIC, d->be.algo))) {
		err = cairn_error_relabel(err, CAIRN_ERR_CORRUPT, "'%s': %s",
		    (char *)path.data, err->msg);
		goto done;
	}
	/* Over HTTP, mapping would read it all: reads go by range. */
	if (d->p.remote)
		goto done;
	d->data_map_len = (size_t)d->man.watermark;
	d->data_map = d->vfs->mmap(d->vfs, d->data_fd, d->data_map_len);
	if (d->data_map == NULL)
		err = cairn_error_sys(errno, "map '%s'", (char *)path.data);
done:
	cairn_buf_release(&path);
	return err;
}

static const struct cairn_error *
load_segments(struct disk *d)
{
	const struct cairn_error *err = NULL;
	struct cairn_buf path = { 0 };
	size_t i;

	for (i = 0; i < d->man.nseg; i++) {
		if ((err = disk_path(d, &path, d->man.seg[i])) != NULL)
			break;
		err = cairn_segment_open(&d->seg[i], d->vfs, (char *)path.data,
		    d->idlen);
		if (err != NULL)
			break;
		d->nseg++;
		if (d->seg[i].count != d->man.seg_count[i]) {
			err = cairn_error_new(CAIRN_ERR_CORRUPT,
			    "index segment '%s' has %llu entries, the manifest "
			    "says %llu", (char *)path.data,
			    (unsigned long long)d->seg[i].count,
			    (unsigned long long)d->man.seg_count[i]);
			break;
		}
	}
	cairn_buf_release(&path);
	return err;
}

/* Append the WAL file's bytes from wal.len to its end to the buffer. */
static const struct cairn_error *
read_wal_tail(struct disk *d, const char *path, uint64_t *size)
{
	const struct cairn_error *err;
	size_t have = d->wal.len;

	if ((err = cairn_file_size(d->vfs, d->wal_fd, path, size)) != NULL)
		return err;
	if (*size <= have)
		return NULL;
	if (*size - have > ((uint64_t)1 << 40))
		return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s' is too large",
		    path);
	if ((err = cairn_buf_grow(&d->wal, (size_t)(*size - have))) != NULL)
		return err;
	err = cairn_file_pread(d->vfs, d->wal_fd, d->wal.data + have,
	    (size_t)(*size - have), have, path);
	if (err == NULL)
		d->wal.len = (size_t)*size;
	return err;
}

static const struct cairn_error *
load_wal(struct disk *d)
{
	const struct cairn_error *err;
	struct cairn_buf path = { 0 };
	uint64_t size;
	size_t good, bad;

	if ((err = open_named(d, d->man.wal, &d->wal_fd, &path)) != NULL)
		goto done;
	if ((err = read_wal_tail(d, (char *)path.data, &size)) != NULL)
		goto done;
	if (d->wal.len < CAIRN_FILEHDR_SIZE ||
	    (err = cairn_filehdr_check(d->wal.data, CAIRN_WAL_MAGIC,
	    d->be.algo)) != NULL) {
		err = cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s': bad file header", (char *)path.data);
		goto done;
	}
	err = disk_scan_wal(d, CAIRN_FILEHDR_SIZE, &good, &bad);
	/*
	 * The tail past the last whole batch is the writer's business (it
	 * may be a batch being written right now), unless a whole batch
	 * follows the damage: then synced data is damaged.
	 */
	if (err == NULL && good < d->wal.len && later_batch(d, good))
		err = cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s' is corrupt at offset %zu", (char *)path.data, bad);
	d->wal.len = good;
	d->wal_seen = good == size ? size : 0;
done:
	cairn_buf_release(&path);
	return err;
}

const struct cairn_error *
disk_reload(struct disk *d)
{
	const struct cairn_error *err;
	int tries;

	for (tries = 0; tries < 10; tries++) {
		unload(d);
		err = read_manifest(d, &d->man);
		if (err == NULL)
			err = load_data(d);
		if (err == NULL)
			err = load_segments(d);
		if (err == NULL)
			err = load_wal(d);
		/* A file named by the manifest vanished: a flush replaced it. */
		if (err == NULL || err->code != CAIRN_ERR_NOT_FOUND)
			break;
	}
	if (err != NULL && err->code == CAIRN_ERR_NOT_FOUND)
		err = cairn_error_relabel(err, CAIRN_ERR_CORRUPT, NULL);
	d->data_end = d->man.watermark;
	return err;
}

/* WAL scanning (the framing rules are in wal.h). */

/* Publish the entries of one whole batch to the memtable. */
static const struct cairn_error *
publish_batch(void *arg, const unsigned char *data, size_t start, size_t end)
{
	const struct cairn_error *err;
	struct disk *d = arg;
	struct cairn_mem_ent e;
	struct cairn_rec rec;
	size_t off, span;

	for (off = start; off < end; off += span) {
		if ((span = cairn_wal_record(&rec, data, off, d->idlen)) == 0)
			return cairn_error_new(CAIRN_ERR_CORRUPT,
			    "batch changed while it was read");
		if (rec.kind == CAIRN_REC_TOUCH)
			continue;
		memset(&e, 0, sizeof(e));
		memcpy(e.id, rec.id.hash, rec.id.len);
		e.type = (unsigned char)rec.type;
		e.size = rec.size;
		e.data_off = rec.data_off;
		e.where = rec.kind == CAIRN_REC_OBJECT ? CAIRN_MEM_WAL :
		    CAIRN_MEM_DATA;
		e.loc = rec.kind == CAIRN_REC_OBJECT ? off : rec.data_off;
		if ((err = cairn_memtable_put(&d->mem, &e)) != NULL)
			return err;
		d->mem_objects++;
	}
	return NULL;
}

/*
 * disk_scan_wal(d, from, good_end, bad_at):
 * Walk the records of the WAL buffer from offset from (a batch boundary),
 * publishing every whole, verified batch to the memtable.  *good_end is
 * the end of the last such batch, *bad_at where the walk stopped (wal.len
 * if it reached the end).  Only memory errors are returned: damage is
 * reported through the two offsets.
 */
const struct cairn_error *
disk_scan_wal(struct disk *d, size_t from, size_t *good_end, size_t *bad_at)
{
	const struct cairn_error *err;
	struct cairn_wal_walk w;

	if (from == CAIRN_FILEHDR_SIZE)
		d->scan_next = d->man.watermark;
	memset(&w, 0, sizeof(w));
	w.data = d->wal.data;
	w.len = d->wal.len;
	w.idlen = d->idlen;
	w.watermark = d->man.watermark;
	w.good = from;
	w.next = d->scan_next;
	err = cairn_wal_scan(&w, publish_batch, d);
	d->scan_next = w.next;
	*good_end = w.good;
	*bad_at = w.bad;
	return err;
}

/*
 * Nonzero if a whole, verified batch starts at or after from: proof that
 * damage before it hit data that had been synced.
 */
static int
later_batch(struct disk *d, size_t from)
{
	size_t start, end;

	return cairn_wal_batch_after(d->wal.data, d->wal.len, d->idlen, from,
	    from, &start, &end);
}

/* Decide what the bytes past the last whole batch are, and drop a torn tail. */
static const struct cairn_error *
settle_tail(struct disk *d, size_t good, size_t bad, uint64_t size)
{
	const struct cairn_error *err;
	struct cairn_buf path = { 0 };

	if (size <= good)
		return NULL;
	if ((err = disk_path(d, &path, d->man.wal)) != NULL)
		return err;
	if (later_batch(d, good)) {
		err = cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s' is corrupt at offset %zu",
		    (char *)path.data, bad);
		goto done;
	}
	if (d->vfs->ftruncate(d->vfs, d->wal_fd, (off_t)good) != 0) {
		err = cairn_error_sys(errno, "truncate '%s'", (char *)path.data);
		goto done;
	}
	err = cairn_file_sync(d->vfs, d->wal_fd, 1, (char *)path.data);
	snprintf(d->notice, sizeof(d->notice),
	    "dropped a torn tail of %llu bytes at offset %zu of '%s'",
	    (unsigned long long)(size - good), good, d->man.wal);
done:
	d->wal.len = good;
	cairn_buf_release(&path);
	return err;
}

/* Redo: make the data record of the WAL record at off match it. */
static const struct cairn_error *
redo_record(struct disk *d, const struct cairn_rec *rec, size_t off,
    const char *dpath, struct cairn_buf *scratch)
{
	const struct cairn_error *err;
	struct cairn_rec drec;
	size_t span = (size_t)cairn_rec_span(rec);

	if (rec->kind == CAIRN_REC_POINTER) {
		err = disk_data_header(d, rec->data_off, &drec);
		if (err == NULL && (drec.kind != CAIRN_REC_OBJECT ||
		    !cairn_oid_eq(&drec.id, &rec->id) || drec.crc != rec->crc ||
		    drec.stored != rec->stored))
			err = cairn_error_new(CAIRN_ERR_CORRUPT,
			    "'%s': record at offset %llu does not match the "
			    "WAL's pointer to it", dpath,
			    (unsigned long long)rec->data_off);
		return err;
	}
	cairn_buf_reset(scratch);
	if ((err = cairn_buf_grow(scratch, span)) != NULL)
		return err;
	err = cairn_file_pread(d->vfs, d->data_fd, scratch->data, span,
	    rec->data_off, dpath);
	if (err == NULL && memcmp(scratch->data, d->wal.data + off, span) == 0)
		return NULL;
	if (err != NULL && err->code != CAIRN_ERR_CORRUPT)
		return err;
	return cairn_file_pwrite(d->vfs, d->data_fd, d->wal.data + off, span,
	    rec->data_off, dpath);
}

/*
 * intact_at(d, off, size, rec, ok):
 * Whether the record at data offset off, past the WAL's end, is intact:
 * framed at its own offset, inside the file (of size bytes), CRC
 * matching, content hashing to its id.  The stored bytes are read in
 * chunks, never whole, so a record of any size can be checked.  *ok is
 * the verdict; an error (out of memory, I/O) is a check that could not be
 * made, never a verdict, and stops recovery.
 */
static const struct cairn_error *
intact_at(struct disk *d, uint64_t off, uint64_t size, struct cairn_rec *rec,
    int *ok)
{
	const struct cairn_error *err;
	unsigned char hdr[CAIRN_REC_HDR_SIZE];
	struct cairn_oid got;

	*ok = 0;
	if (size - off < CAIRN_REC_HDR_SIZE)
		return NULL;
	err = cairn_file_pread(d->vfs, d->data_fd, hdr, sizeof(hdr), off,
	    d->man.data);
	if (err != NULL)
		return err->code == CAIRN_ERR_CORRUPT ? NULL : err;
	if (cairn_rec_decode(rec, hdr, d->idlen) != NULL ||
	    rec->data_off != off || cairn_rec_span(rec) > size - off ||
	    (rec->kind != CAIRN_REC_OBJECT &&
	    rec->kind != CAIRN_REC_TOUCH) ||
	    cairn_rec_sizes_plausible(rec) != NULL)
		return NULL;
	if (rec->kind == CAIRN_REC_TOUCH) {
		*ok = 1;
		return NULL;
	}
	/* CRC first, then the content's hash, chunk by chunk. */
	err = disk_hash_record(d, off, rec, &got);
	if (err != NULL)
		return err->code == CAIRN_ERR_CORRUPT ? NULL : err;
	*ok = cairn_oid_eq(&got, &rec->id);
	return NULL;
}

/*
 * Records past the WAL's end are normally a crashed writer's unfinished
 * work, and are cut off.  But a record that is intact there is a real
 * object (a big object's record is synced before its batch is logged;
 * a batch may have been synced and then damaged in the WAL): never throw
 * such a record away.  They are logged again, as a batch of their own:
 * POINTER records for objects (header only, so memory does not grow with
 * their size), TOUCH records as they are, after the data file is synced
 * (a POINTER's record must be durable before it is logged); *end moves
 * past them.  A record that cannot be checked stops recovery with the
 * error; nothing is truncated then.
 */
static const struct cairn_error *
salvage(struct disk *d, uint64_t *end, uint64_t size)
{
	const struct cairn_error *err = NULL;
	struct cairn_rec rec;
	size_t start = d->wal.len, good, bad, len;
	uint64_t off = *end, n = 0;
	int ok;

	for (;;) {
		err = intact_at(d, off, size, &rec, &ok);
		if (err != NULL || !ok)
			break;
		off += cairn_rec_span(&rec);
		if (rec.kind == CAIRN_REC_OBJECT)
			rec.kind = CAIRN_REC_POINTER;
		err = cairn_buf_grow(&d->wal, CAIRN_REC_HDR_SIZE);
		if (err != NULL)
			break;
		cairn_rec_encode(d->wal.data + d->wal.len, &rec);
		d->wal.len += CAIRN_REC_HDR_SIZE;
		n++;
	}
	if (err == NULL && n > 0)
		err = cairn_file_sync(d->vfs, d->data_fd, 1, d->man.data);
	if (err != NULL || n == 0) {
		d->wal.len = start;
		return err;
	}
	memset(&rec, 0, sizeof(rec));
	rec.kind = CAIRN_REC_COMMIT;
	rec.size = n;
	rec.data_off = start;
	rec.crc = cairn_crc32(0, d->wal.data + start, d->wal.len - start);
	if ((err = cairn_buf_grow(&d->wal, CAIRN_REC_HDR_SIZE)) != NULL) {
		d->wal.len = start;
		return err;
	}
	cairn_rec_encode(d->wal.data + d->wal.len, &rec);
	d->wal.len += CAIRN_REC_HDR_SIZE;
	if ((err = cairn_file_pwrite(d->vfs, d->wal_fd, d->wal.data + start,
	    d->wal.len - start, start, d->man.wal)) != NULL ||
	    (err = cairn_file_sync(d->vfs, d->wal_fd, 1, d->man.wal)) != NULL) {
		d->broken = 1;
		return err;
	}
	if ((err = disk_scan_wal(d, start, &good, &bad)) != NULL)
		return err;
	if (good != d->wal.len) {
		d->broken = 1;
		return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s': the batch of "
		    "records kept past the end of the WAL does not verify",
		    d->man.wal);
	}
	d->wal_seen = d->wal.len;
	len = strlen(d->notice);
	snprintf(d->notice + len, sizeof(d->notice) - len, "%skept %llu intact "
	    "records found past the end of the WAL", len ? "; " : "",
	    (unsigned long long)n);
	*end = off;
	return NULL;
}

/* Redo the WAL from wal_verified and set data_end; truncate garbage. */
static const struct cairn_error *
redo(struct disk *d)
{
	const struct cairn_error *err = NULL;
	struct cairn_buf path = { 0 }, scratch = { 0 };
	struct cairn_rec rec;
	size_t off = CAIRN_FILEHDR_SIZE;
	uint64_t end = d->man.watermark, size, rec_end;

	if ((err = disk_path(d, &path, d->man.data)) != NULL)
		return err;
	while (err == NULL && off < d->wal.len) {
		if ((err = cairn_rec_decode(&rec, d->wal.data + off,
		    d->idlen)) != NULL)
			break;
		if (rec.kind != CAIRN_REC_COMMIT) {
			if (off >= d->wal_verified)
				err = redo_record(d, &rec, off,
				    (char *)path.data, &scratch);
			rec_end = rec.data_off + CAIRN_REC_HDR_SIZE +
			    (rec.kind == CAIRN_REC_TOUCH ? 0 : rec.stored);
			if (rec_end > end)
				end = rec_end;
		}
		off += (size_t)cairn_rec_span(&rec);
	}
	if (err == NULL)
		err = cairn_file_size(d->vfs, d->data_fd, (char *)path.data,
		    &size);
	if (err == NULL && size > end)
		err = salvage(d, &end, size);
	if (err == NULL && size > end &&
	    d->vfs->ftruncate(d->vfs, d->data_fd, (off_t)end) != 0)
		err = cairn_error_sys(errno, "truncate '%s'", (char *)path.data);
	if (err == NULL) {
		d->data_end = end;
		d->wal_verified = d->wal.len;
	}
	cairn_buf_release(&path);
	cairn_buf_release(&scratch);
	return err;
}

static int
manifest_same(const struct cairn_manifest *a, const struct cairn_manifest *b)
{
	size_t i;

	if (strcmp(a->data, b->data) != 0 || a->watermark != b->watermark ||
	    strcmp(a->wal, b->wal) != 0 || a->nseg != b->nseg ||
	    a->next != b->next)
		return 0;
	for (i = 0; i < a->nseg; i++)
		if (strcmp(a->seg[i], b->seg[i]) != 0)
			return 0;
	return 1;
}

/*
 * Read the whole WAL file again and scan it from its start: the view of a
 * handle that holds the writer lock, built from the file alone.
 */
static const struct cairn_error *
rescan_wal(struct disk *d, size_t *good, size_t *bad, uint64_t *size)
{
	const struct cairn_error *err;
	struct cairn_buf path = { 0 };

	cairn_buf_reset(&d->wal);
	cairn_memtable_clear(&d->mem);
	d->mem_objects = 0;
	d->wal_verified = 0;
	d->wal_seen = 0;
	d->gen = atomic_fetch_add(&generations, 1) + 1;
	if ((err = disk_path(d, &path, d->man.wal)) != NULL)
		return err;
	err = read_wal_tail(d, (char *)path.data, size);
	if (err == NULL && (d->wal.len < CAIRN_FILEHDR_SIZE ||
	    cairn_filehdr_check(d->wal.data, CAIRN_WAL_MAGIC, d->be.algo)))
		err = cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s': bad file header", (char *)path.data);
	if (err == NULL)
		err = disk_scan_wal(d, CAIRN_FILEHDR_SIZE, good, bad);
	cairn_buf_release(&path);
	return err;
}

/*
 * disk_refresh(d): under the writer lock, catch up with what other
 * processes committed since this handle last looked (a flush or gc that
 * replaced the manifest: reload; batches appended to the WAL: scan them),
 * then settle the WAL's tail and redo the data file.  The tail past the
 * last whole batch is cut off only when it is a crashed writer's torn
 * write: nobody else can be writing it (we hold the lock), no whole
 * batch lies in it, and the view it was judged from is the file's own,
 * read again from its start, never this handle's incremental one.
 */
const struct cairn_error *
disk_refresh(struct disk *d)
{
	const struct cairn_error *err;
	struct cairn_manifest m;
	struct cairn_buf path = { 0 };
	uint64_t size;
	size_t good, bad;

	if ((err = read_manifest(d, &m)) != NULL)
		return err;
	if (!manifest_same(&m, &d->man) && (err = disk_reload(d)) != NULL)
		return err;
	if ((err = disk_path(d, &path, d->man.wal)) != NULL)
		return err;
	good = d->wal.len;
	err = read_wal_tail(d, (char *)path.data, &size);
	cairn_buf_release(&path);
	if (err == NULL)
		err = disk_scan_wal(d, good, &good, &bad);
	if (err == NULL && (size != d->wal.len || good != d->wal.len))
		err = rescan_wal(d, &good, &bad, &size);
	if (err == NULL)
		err = settle_tail(d, good, bad, size);
	d->wal.len = good;
	if (err == NULL)
		d->wal_seen = size > good ? good : size;
	if (err == NULL)
		err = redo(d);
	return err;
}

/* Refs. */

/*
 * Catch up with the repository's current state without the writer lock:
 * reload if the manifest changed (a flush or gc replaced files), else
 * read the whole batches appended to the WAL since we last looked (a
 * tail that is not a whole batch yet is left for later).
 */
static const struct cairn_error *
catch_up(struct disk *d)
{
	const struct cairn_error *err;
	struct cairn_manifest m;
	struct cairn_buf path = { 0 };
	size_t good, bad, have = d->wal.len;
	uint64_t size = 0;

	if ((err = read_manifest(d, &m)) != NULL)
		return err;
	if (!manifest_same(&m, &d->man))
		return disk_reload(d);
	if ((err = disk_path(d, &path, d->man.wal)) != NULL)
		return err;
	err = read_wal_tail(d, (char *)path.data, &size);
	cairn_buf_release(&path);
	if (err == NULL)
		err = disk_scan_wal(d, have, &good, &bad);
	d->wal.len = err == NULL ? good : have;
	if (err == NULL && good == size)
		d->wal_seen = size;
	return err;
}

/*
 * A ref may point only at an object that is durably stored, now: refs.c
 * asks under the ref locks and the shared gc lock, so the answer holds
 * until the ref is written.  The handle's view may be stale (a gc in
 * another process may have removed the object since), so it catches up
 * with the manifest and the WAL first.  One found in a segment is
 * durable; one in the WAL is once the WAL is synced (a reader can see a
 * batch whose writer is still in its fdatasync), so sync it here too.
 * A handle whose write failed answers nothing.
 */
static const struct cairn_error *
disk_durable(void *arg, const struct cairn_oid *id)
{
	struct disk *d = arg;
	const struct cairn_error *err;
	int type;
	uint64_t size;

	if (d->broken)
		return cairn_error_new(CAIRN_ERR_IO,
		    "an earlier write failed; reopen the repository");
	if (d->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE,
		    "refs cannot be updated inside a batch");
	if ((err = catch_up(d)) != NULL)
		return err;
	err = disk_stat(&d->be, id, &type, &size);
	/* An alternate's objects are durable there. */
	if (err != NULL && err->code == CAIRN_ERR_NOT_FOUND && d->lower)
		return d->lower->ops->stat(d->lower, id, &type, &size);
	if (err != NULL)
		return err;
	return cairn_file_sync(d->vfs, d->wal_fd, 1, d->man.wal);
}

/*
 * A reader's refresh, after a miss: one fstat of the WAL tells whether a
 * writer appended (read the new whole batches) or a flush or gc replaced
 * it (reload from the manifest).  A writer in a batch is current already.
 */
static const struct cairn_error *
disk_refresh_reader(struct cairn_backend *be, int *changed)
{
	struct disk *d = (struct disk *)be;
	const struct cairn_error *err;
	struct cairn_buf path = { 0 };
	struct stat st;
	size_t good, bad, have;
	uint64_t size;

	*changed = 0;
	if (d->in_batch || d->wal_fd == -1 ||
	    d->vfs->fstat(d->vfs, d->wal_fd, &st) != 0)
		return NULL;
	if (st.st_nlink == 0) {
		*changed = 1;
		return disk_reload(d);
	}
	if ((uint64_t)st.st_size == d->wal_seen)
		return NULL;
	if ((err = disk_path(d, &path, d->man.wal)) != NULL)
		return err;
	good = have = d->wal.len;
	size = 0;
	err = read_wal_tail(d, (char *)path.data, &size);
	cairn_buf_release(&path);
	if (err == NULL)
		err = disk_scan_wal(d, have, &good, &bad);
	/* A tail that is not a whole batch yet is left for later. */
	d->wal.len = err == NULL ? good : have;
	if (err == NULL && good > have)
		*changed = 1;
	d->wal_seen = good == size ? size : d->wal_seen;
	return err;
}

void
cairn_disk_set_lower(struct cairn_backend *be, struct cairn_backend *lower)
{
	((struct disk *)be)->lower = lower;
}

static const struct cairn_error *
disk_ref_get(struct cairn_backend *be, const char *name, struct cairn_oid *out)
{
	return cairn_refs_get(&((struct disk *)be)->refs, name, out);
}

static const struct cairn_error *
disk_ref_stat(struct cairn_backend *be, const char *name,
    struct cairn_oid *out, int64_t *time)
{
	return cairn_refs_stat(&((struct disk *)be)->refs, name, out, time);
}

static const struct cairn_error *
disk_ref_update(struct cairn_backend *be, const struct cairn_ref_update *u,
    size_t n)
{
	struct disk *d = (struct disk *)be;

	if (d->in_batch)
		return cairn_error_new(CAIRN_ERR_USAGE,
		    "refs cannot be updated inside a batch");
	return cairn_refs_update(&d->refs, u, n);
}

static const struct cairn_error *
disk_ref_list(struct cairn_backend *be, const char *prefix,
    int (*fn)(void *, const char *, const struct cairn_oid *), void *arg)
{
	return cairn_refs_list(&((struct disk *)be)->refs, prefix, fn, arg);
}

static const struct cairn_error *
disk_publish_refs(struct cairn_backend *be)
{
	return cairn_refs_publish(&((struct disk *)be)->refs);
}

/* Open and close. */

static const struct cairn_error *
disk_init_paths(struct disk *d, const char *root)
{
	struct cairn_buf b = { 0 };

	if ((d->root = strdup(root)) == NULL)
		return cairn_error_nomem();
	if (cairn_buf_printf(&b, "%s/tmp", root) != NULL)
		return cairn_error_nomem();
	d->tmpdir = (char *)cairn_buf_detach(&b, NULL);
	return NULL;
}

const struct cairn_error *
cairn_disk_open(struct cairn_backend **out, const char *root,
    const struct cairn_backend_params *p)
{
	const struct cairn_error *err;
	struct disk *d;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return cairn_error_nomem();
	d->be.ops = &disk_ops;
	d->be.algo = p->algo;
	d->p = *p;
	d->vfs = p->vfs;
	d->idlen = cairn_hash_len(p->algo);
	d->lock_fd = d->data_fd = d->wal_fd = -1;
	cairn_memtable_init(&d->mem, d->idlen);
	d->refs.vfs = d->vfs;
	d->refs.algo = p->algo;
	d->refs.read_only = p->read_only;
	d->refs.names_file = p->remote;
	d->refs.timeout_ms = p->lock_timeout_ms;
	d->refs.durable = disk_durable;
	d->refs.arg = d;
	if ((err = disk_init_paths(d, root)) == NULL)
		err = disk_reload(d);
	d->refs.root = d->root;
	if (err != NULL) {
		disk_close(&d->be);
		return err;
	}
	*out = &d->be;
	return NULL;
}

static void
disk_close(struct cairn_backend *be)
{
	struct disk *d = (struct disk *)be;

	if (d == NULL)
		return;
	if (d->in_batch)
		disk_abort(be);
	unload(d);
	disk_unlock(d);
	if (d->lock_fd != -1)
		d->vfs->close(d->vfs, d->lock_fd);
	cairn_memtable_release(&d->mem);
	cairn_buf_release(&d->wal);
	free(d->root);
	free(d->tmpdir);
	free(d);
}

static const char *
disk_notice(struct cairn_backend *be)
{
	struct disk *d = (struct disk *)be;

	return d->notice[0] != '\0' ? d->notice : NULL;
}
