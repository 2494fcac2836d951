/*
 * record.h: the self-describing record shared by the WAL and the data file.
 *
 * Both files start with a 16-byte file header:
 *
 *   offset size  field
 *   0      8     magic: "CAIRNDAT" (data file) or "CAIRNWAL" (WAL)
 *   8      4     format version, big-endian, 1
 *   12     4     hash algorithm, big-endian: 1 sha256, 2 sha1
 *
 * and then holds records back to back.  A record is an 80-byte header,
 * followed, for kind OBJECT only, by stored_size bytes of stored content:
 *
 *   offset size  field
 *   0      4     magic "CRec"
 *   4      1     kind: 1 OBJECT, 2 POINTER, 3 TOUCH, 4 COMMIT
 *   5      1     flags: bit 0 set = stored bytes are a zlib stream;
 *                other bits zero
 *   6      1     object type: 1 blob, 2 tree, 3 commit, 4 tag (0 for COMMIT)
 *   7      1     id length: 32 (sha256) or 20 (sha1); 0 for COMMIT
 *   8      8     content size (the object's size; for COMMIT: the number
 *                of records in the batch)
 *   16     8     stored size (bytes of stored content; 0 for TOUCH, COMMIT)
 *   24     8     data offset (see below)
 *   32     8     time: seconds since the epoch when written or touched
 *   40     32    object id, zero-padded past the id length
 *   72     4     CRC-32 of the stored bytes (for COMMIT: of the WAL bytes
 *                from the batch's first record up to this header)
 *   76     4     CRC-32 of header bytes 0..75
 *
 * All integers are big-endian.  Kinds:
 *
 *   OBJECT   an object; its stored bytes follow.  In the data file the data
 *            offset is the record's own offset.  In the WAL it is the offset
 *            the identical record has, or will have, in the data file.
 *   POINTER  WAL only: an object too large to log twice, whose OBJECT
 *            record was written and synced at the data offset before this
 *            record was logged.  Sizes, id and CRC repeat that record's.
 *            Recovery also logs intact records it finds past the WAL's
 *            end this way, of any size, after syncing the data file.
 *   TOUCH    an existing object was put again: gc's grace period counts
 *            from this time.  No stored bytes.  Data offset as for OBJECT.
 *   COMMIT   WAL only: ends a batch (one group commit).  The data offset
 *            field holds the WAL offset of the batch's first record.
 *
 * A record is valid when the magic matches, the header CRC matches, kind,
 * flags, type and id length are known and agree with the repository, the
 * stored bytes lie inside the file, and (checked when they are read) their
 * CRC matches.  An uncompressed record's stored size equals its content size.
 */
#ifndef CAIRN_RECORD_H
#define CAIRN_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "oid.h"

#define CAIRN_FILEHDR_SIZE	16
#define CAIRN_REC_HDR_SIZE	80
#define CAIRN_FORMAT_VERSION	1
#define CAIRN_DATA_MAGIC	"CAIRNDAT"
#define CAIRN_WAL_MAGIC		"CAIRNWAL"

/*
 * Where the engine's table of unflushed objects (core/memtable.h) says an
 * object's record is, in its where field.
 */
enum cairn_mem_where {
	CAIRN_MEM_WAL = 1,	/* loc: offset of the OBJECT record in the WAL */
	CAIRN_MEM_DATA = 2,	/* loc: offset of the OBJECT record in the
				   data file */
};

enum cairn_rec_kind {
	CAIRN_REC_OBJECT = 1,
	CAIRN_REC_POINTER = 2,
	CAIRN_REC_TOUCH = 3,
	CAIRN_REC_COMMIT = 4,
};

#define CAIRN_REC_DEFLATED	0x01

struct cairn_rec {
	int kind;
	int flags;
	int type;
	uint64_t size;		/* content size */
	uint64_t stored;	/* stored size */
	uint64_t data_off;
	uint64_t time;
	uint32_t crc;		/* of the stored bytes */
	struct cairn_oid id;
};

/* Encode rec into the 80 bytes at p, header CRC included. */
void cairn_rec_encode(unsigned char *p, const struct cairn_rec *rec);

/*
 * cairn_rec_decode(rec, p, idlen):
 * Decode and check the header at p (80 bytes): magic, header CRC, kind,
 * flags, type, id length (must be idlen except for COMMIT), sizes.
 * CAIRN_ERR_CORRUPT with a short reason otherwise; the caller adds the
 * file and offset.
 */
const struct cairn_error *cairn_rec_decode(struct cairn_rec *rec,
    const unsigned char *p, size_t idlen);

/* Bytes the record occupies in its file (header plus stored bytes). */
uint64_t cairn_rec_span(const struct cairn_rec *rec);

/* Encode the 16-byte file header; check one (CAIRN_ERR_CORRUPT). */
void cairn_filehdr_encode(unsigned char *p, const char *magic, int algo);
const struct cairn_error *cairn_filehdr_check(const unsigned char *p,
    const char *magic, int algo);

/*
 * cairn_rec_sizes_plausible(rec):
 * CAIRN_ERR_CORRUPT if an OBJECT's content size cannot be true for its
 * stored size: raw content must be exactly as long, and deflate codes at
 * most 258 bytes in two bits (a one-bit length code and a one-bit
 * distance code), so a zlib stream of n bytes never inflates to more
 * than 1032 n bytes.  Callers check this before allocating or inflating
 * anything for a record; sizes merely wrong are caught by the bounded
 * inflation.  The caller adds the file and offset.
 */
#define CAIRN_INFLATE_RATIO_MAX 1032
const struct cairn_error *cairn_rec_sizes_plausible(const struct cairn_rec *rec);

/*
 * cairn_rec_content(rec, stored, out):
 * An OBJECT record's content, from its rec->stored bytes at stored, into
 * the rec->size bytes at out: inflated, or copied.  The caller has checked
 * the sizes (cairn_rec_sizes_plausible) and, if it wants, the CRC.
 */
const struct cairn_error *cairn_rec_content(const struct cairn_rec *rec,
    const unsigned char *stored, unsigned char *out);

#endif
