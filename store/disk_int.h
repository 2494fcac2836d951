/*
 * disk_int.h: internals shared by the disk backend's files (disk.c: open,
 * state, locking and recovery; disk_write.c: the write path and flush;
 * disk_read.c: lookups and reads).
 */
#ifndef CAIRN_DISK_INT_H
#define CAIRN_DISK_INT_H

#include <stdint.h>

#include "backend.h"
#include "buf.h"
#include "manifest.h"
#include "memtable.h"
#include "record.h"
#include "refs.h"
#include "segment.h"
#include "vfs.h"


struct disk {
	struct cairn_backend be;	/* must be first */
	struct cairn_backend_params p;
	struct cairn_vfs *vfs;
	size_t idlen;
	char *root;
	char *tmpdir;
	int lock_fd;
	int locked;
	int broken;			/* a failed write left the state unknown */
	struct cairn_manifest man;
	int data_fd;
	const unsigned char *data_map;	/* [0, watermark) of the data file */
	size_t data_map_len;
	int wal_fd;
	struct cairn_buf wal;		/* the WAL's valid prefix (and the batch) */
	uint64_t wal_verified;		/* WAL bytes whose data records we checked */
	uint64_t scan_next;		/* data offset the next batch must start at */
	uint64_t wal_seen;		/* WAL file size whose every batch we hold */
	uint64_t data_end;		/* writer: offset of the next data record */
	size_t nseg;
	struct cairn_segment seg[CAIRN_MANIFEST_MAX_SEGMENTS];
	struct cairn_memtable mem;
	uint64_t mem_objects;		/* object records in the WAL */
	int in_batch;
	size_t batch_start;		/* WAL offset where the batch began */
	uint32_t batch_records;
	uint64_t batch_data_start;	/* data_end when the batch began */
	struct cairn_refs refs;
	char notice[256];
	uint64_t gen;			/* bumped by every reload */
	struct cairn_backend *lower;	/* an alternate, or NULL (not owned) */
};

/* "<root>/<name>" into a per-call buffer of the caller. */
const struct cairn_error *disk_path(struct disk *d, struct cairn_buf *out,
    const char *name);

/* Take and drop the writer lock (core.lockTimeout; CAIRN_ERR_LOCKED). */
const struct cairn_error *disk_lock(struct disk *d);
void disk_unlock(struct disk *d);

/*
 * Bring the state up to date under the writer lock: re-read the manifest,
 * pick up records other writers logged, drop a torn WAL tail, and redo the
 * data file from the WAL.
 */
const struct cairn_error *disk_refresh(struct disk *d);

/* Drop all loaded state and load it again from the manifest. */
const struct cairn_error *disk_reload(struct disk *d);

/* Scan WAL bytes [from, wal.len) into the memtable (see disk.c). */
const struct cairn_error *disk_scan_wal(struct disk *d, size_t from,
    size_t *good_end, size_t *bad_at);

/* The record header of an object at data offset off, via map or pread. */
const struct cairn_error *disk_data_header(struct disk *d, uint64_t off,
    struct cairn_rec *rec);

/* Iterate over the stored bytes of a record: from memory or by pread. */
typedef const struct cairn_error *(*disk_chunk_fn)(void *arg,
    const unsigned char *p, size_t len);
const struct cairn_error *disk_stored(struct disk *d, int where, uint64_t loc,
    const struct cairn_rec *rec, disk_chunk_fn fn, void *arg);

/* Hash the content of the data file's record at off (CRC checked first). */
const struct cairn_error *disk_hash_record(struct disk *d, uint64_t off,
    const struct cairn_rec *rec, struct cairn_oid *out);

/* Locate an object: memtable, then segments newest first. */
int disk_locate(struct disk *d, const unsigned char *id, int *where,
    uint64_t *loc);

/*
 * Whether a stored copy of id can be trusted (*ok): its record holds id
 * and its stored bytes pass their CRC.  Errors only when the check could
 * not be made.
 */
const struct cairn_error *disk_intact(struct disk *d,
    const struct cairn_oid *id, int *ok);

/*
 * root/name (tmp or index), which a flush or a gc writes in, must be a
 * directory: made again if missing; anything else there (a link, a
 * file) is CAIRN_ERR_CORRUPT, for fsck --repair.
 */
const struct cairn_error *disk_ensure_dir(struct disk *d, const char *name);

/*
 * A new file name "<prefix><n><suffix>" (64 bytes into out) for the
 * manifest m being built, from m->next on, skipping every number a file
 * of d->man or m carries and every name that exists; the name is taken
 * by creating an empty file with O_EXCL (path gets its path), which the
 * caller replaces by rename or unlinks.  Never overwrites a live file.
 */
const struct cairn_error *disk_reserve_name(struct disk *d,
    struct cairn_manifest *m, char *out, const char *prefix,
    const char *suffix, struct cairn_buf *path);

/*
 * A record hashed and compressed ahead of its write (store/ingest.c):
 * the object (type, data[0..len)) has id, and its stored bytes are
 * stored[0..stored_len) (deflated at level if deflated, else data
 * itself) with CRC-32 crc; id is under hash algorithm algo.
 */
struct disk_prepared {
	int type;
	const void *data;
	size_t len;
	int level;
	int algo;
	struct cairn_oid id;
	const void *stored;
	size_t stored_len;
	int deflated;
	uint32_t crc;
};

/*
 * disk_prepared_set(p): until the next call, a disk_write by this thread
 * of exactly (p->type, p->data, p->len) at level p->level and under
 * p->id's algorithm uses p instead of hashing and compressing again.
 * NULL clears it.  The caller keeps p alive while it is set.
 */
void disk_prepared_set(const struct disk_prepared *p);

/* Backend operations defined in disk_read.c and disk_write.c. */
const struct cairn_error *disk_read(struct cairn_backend *,
    const struct cairn_oid *, unsigned, int *, struct cairn_buf *);
const struct cairn_error *disk_read_stream(struct cairn_backend *,
    const struct cairn_oid *, unsigned, cairn_write_fn, void *);
const struct cairn_error *disk_stat(struct cairn_backend *,
    const struct cairn_oid *, int *, uint64_t *);
const struct cairn_error *disk_each(struct cairn_backend *,
    int (*)(void *, const unsigned char *), void *);
const struct cairn_error *disk_prefix(struct cairn_backend *, const char *,
    size_t, struct cairn_oid *, int *);
const struct cairn_error *disk_stats(struct cairn_backend *,
    struct cairn_repo_stats *);
const struct cairn_error *disk_begin(struct cairn_backend *);
const struct cairn_error *disk_write(struct cairn_backend *,
    struct cairn_oid *, int, const void *, size_t);
const struct cairn_error *disk_write_stream(struct cairn_backend *,
    struct cairn_oid *, int, cairn_read_fn, void *, int64_t);
const struct cairn_error *disk_commit(struct cairn_backend *);
void disk_abort(struct cairn_backend *);
const struct cairn_error *disk_flush(struct cairn_backend *);
const struct cairn_error *disk_gc(struct cairn_backend *,
    const struct cairn_gc_opts *, struct cairn_gc_result *);

#endif
