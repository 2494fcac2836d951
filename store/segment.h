/*
 * segment.h: immutable index segments, id -> data file offset.
 *
 * A segment file (index/<n>.idx) is written once, through a temporary
 * file, and never changed.  Layout (integers big-endian):
 *
 *   offset      size      field
 *   0           8         magic "CAIRNIDX"
 *   8           4         format version, 1
 *   12          4         id length L: 32 (sha256) or 20 (sha1)
 *   16          8         entry count N (< 2^32)
 *   24          8         bloom size B in bytes (a positive multiple of 64)
 *   32          32        zero
 *   64          1024      fan-out: 256 x u32; entry f is the number of
 *                         entries whose first id byte is <= f
 *   1088        N*(L+8)   entries sorted by id, unique: id (L bytes),
 *                         u64 data file offset of the object's record
 *   1088+N(L+8) B         bloom filter of the N ids (core/bloom.h)
 *   ...         32        SHA-256 of all the bytes before it
 *
 * A segment is valid when the size is exactly 1088 + N(L+8) + B + 32,
 * the header fields agree, the fan-out is monotonic and ends at N, and the
 * checksum matches.  Open checks all but the checksum (which would cost a
 * read of the whole file); fsck checks everything, including the order of
 * entries and that each points at a record with the same id.  Segments are
 * derived data: fsck --repair rebuilds them from the data file.
 *
 * The read rule: a hit needs no checksum (the record it points at is
 * checked against the id, its CRC and its hash), but a miss does.  A
 * cleared bloom bit, or an altered id byte or fan-out entry, hides an id
 * that is there, and only the checksum tells that from absence.  So an id
 * is reported absent only after every segment that could hold it has
 * passed cairn_segment_check, which hashes a segment once per open
 * mapping and remembers the verdict: hits pay nothing, and a stream of
 * misses pays one read of each segment.  A segment that fails is
 * CAIRN_ERR_CORRUPT, never "not found".
 */
#ifndef CAIRN_SEGMENT_H
#define CAIRN_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "oid.h"
#include "vfs.h"

#define CAIRN_SEG_HDR_SIZE	64
#define CAIRN_SEG_FANOUT_SIZE	1024
#define CAIRN_SEG_TRAILER_SIZE	32

struct cairn_seg_entry {
	unsigned char id[CAIRN_OID_MAX];
	uint64_t off;
};

/* What cairn_segment_check has found out about a segment. */
enum cairn_seg_state {
	CAIRN_SEG_UNCHECKED = 0,
	CAIRN_SEG_INTACT,
	CAIRN_SEG_DAMAGED
};

/* An open, mapped segment. */
struct cairn_segment {
	struct cairn_vfs *vfs;
	char *path;
	const unsigned char *map;
	size_t map_len;
	size_t idlen;
	uint64_t count;
	const unsigned char *fanout;
	const unsigned char *entries;
	const unsigned char *bloom;
	size_t bloom_size;
	enum cairn_seg_state state;	/* atomic (__atomic builtins) */
};

/* Map and check the segment at path.  Close releases what open made. */
const struct cairn_error *cairn_segment_open(struct cairn_segment *seg,
    struct cairn_vfs *vfs, const char *path, size_t idlen);
void cairn_segment_close(struct cairn_segment *seg);

/*
 * cairn_segment_find(seg, id, off, bloom_neg):
 * 1 and *off if id is in the segment, else 0.  *bloom_neg is set to 1
 * when the bloom filter alone answered no.  A 0 means absent only once
 * cairn_segment_check has passed (the read rule above).
 */
int cairn_segment_find(const struct cairn_segment *seg,
    const unsigned char *id, uint64_t *off, int *bloom_neg);

/* Entry i (0 <= i < count). */
void cairn_segment_entry(const struct cairn_segment *seg, uint64_t i,
    struct cairn_seg_entry *out);

/* Index of the first entry whose id is >= the prefix key[0..klen). */
uint64_t cairn_segment_lower_bound(const struct cairn_segment *seg,
    const unsigned char *key, size_t klen);

/*
 * Source of sorted, unique entries for cairn_segment_write: fills *out
 * with the next one and returns 1, or returns 0 at the end.
 */
typedef int (*cairn_seg_next)(void *arg, struct cairn_seg_entry *out);

/*
 * cairn_segment_write(vfs, tmpdir, path, idlen, count, next, arg):
 * Write a segment of the count entries next yields (sorted, unique)
 * durably at path, through a temporary file in tmpdir.
 */
const struct cairn_error *cairn_segment_write(struct cairn_vfs *vfs,
    const char *tmpdir, const char *path, size_t idlen, uint64_t count,
    cairn_seg_next next, void *arg);

/*
 * The same in memory, for a store whose files are not files
 * (store/rados.c).  cairn_segment_encode appends the segment of the count
 * entries next yields to out.  cairn_segment_load checks the segment in
 * data[0..len) as cairn_segment_open checks a file, under the name name;
 * data stays the caller's and must outlive seg.
 */
const struct cairn_error *cairn_segment_encode(struct cairn_buf *out,
    size_t idlen, uint64_t count, cairn_seg_next next, void *arg);
const struct cairn_error *cairn_segment_load(struct cairn_segment *seg,
    const char *name, const unsigned char *data, size_t len, size_t idlen);

/* Verify the trailing checksum (reads the whole mapped file). */
const struct cairn_error *cairn_segment_verify(const struct cairn_segment *seg);

/*
 * cairn_segment_check(seg):
 * cairn_segment_verify, once per open segment: the first call hashes the
 * file, later calls return the verdict it reached (the mapping never
 * changes: segments are immutable once written).  A damaged segment is
 * CAIRN_ERR_CORRUPT naming the file and saying to run fsck; any other
 * error (memory) is returned and decides nothing.  Safe to call from
 * several threads at once on one segment (at worst two of them hash it).
 */
const struct cairn_error *cairn_segment_check(struct cairn_segment *seg);

#endif
