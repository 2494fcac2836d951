/*
 * wal.h: the one reader of the WAL's batch framing, used by recovery
 * (disk.c) and by fsck.
 *
 * After its 16-byte file header (record.h) the WAL holds batches.  A
 * batch is one or more OBJECT, POINTER or TOUCH records followed by one
 * COMMIT record whose content size is the number of records before it,
 * whose data offset is the WAL offset of the batch's first record, and
 * whose CRC covers the WAL bytes from that record up to its own header.
 * A batch counts only when whole and verified:
 *
 *   - every header decodes (magic "CRec", header CRC, known fields);
 *   - an OBJECT's stored bytes lie inside the file and match its CRC;
 *   - no record names a data offset below the data file's watermark;
 *   - the data records lie end to end: a record names exactly the data
 *     offset where the one before it ends (an aborted batch gives its
 *     space back), the first from the watermark on;
 *   - the COMMIT record agrees with the batch (count, start, CRC).
 *
 * A record naming another offset is damage and is never redone: a lying
 * offset far past the end would make a huge sparse data file.
 */
#ifndef CAIRN_WAL_H
#define CAIRN_WAL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "record.h"

/*
 * A walk over the WAL bytes data[0..len).  The caller sets data, len,
 * idlen and watermark, then good (a batch boundary to start at, at
 * least CAIRN_FILEHDR_SIZE) and next (the data offset the first record
 * there must name: the watermark at the WAL's start).  The walk leaves
 * good at the end of the last whole batch, next at the data offset the
 * batch after it must start at, and bad where the walk stopped: len if
 * every byte belongs to a whole batch, the start of an unfinished batch
 * that runs to the end of the file, or else the record it refused.
 */
struct cairn_wal_walk {
	const unsigned char *data;
	size_t len;
	size_t idlen;
	uint64_t watermark;
	size_t good;
	uint64_t next;
	size_t bad;
};

/*
 * Called with each whole, verified batch in turn: its records lie at
 * data[start..end) (the COMMIT record at end), and decode without fault
 * through cairn_wal_record().  A returned error stops the walk (good
 * stays before the batch) and is returned by cairn_wal_scan().
 */
typedef const struct cairn_error *(*cairn_wal_batch_fn)(void *arg,
    const unsigned char *data, size_t start, size_t end);

/*
 * cairn_wal_scan(w, fn, arg):
 * Walk whole batches from w->good on, calling fn for each.  Damage is
 * not an error: it is where the walk stops (w->bad).  Only fn's errors
 * are returned.
 */
const struct cairn_error *cairn_wal_scan(struct cairn_wal_walk *w,
    cairn_wal_batch_fn fn, void *arg);

/*
 * cairn_wal_record(rec, data, off, idlen):
 * Decode the record at off of a batch cairn_wal_scan() verified and
 * return its span.  Inside a verified batch this cannot fail.
 */
size_t cairn_wal_record(struct cairn_rec *rec, const unsigned char *data,
    size_t off, size_t idlen);

/*
 * cairn_wal_batch_after(data, len, idlen, from, at, start, end):
 * Find, by its magic and whatever lies between, the first COMMIT record
 * at or after offset at (at >= from) that vouches for a batch starting
 * at or after from: its CRC matches the bytes it covers.  Nonzero if
 * there is one; then *start and *end bound the batch as for
 * cairn_wal_batch_fn (look again from *end + 1 for the next).  A whole
 * batch after damage proves the damage hit bytes that had been synced.
 */
int cairn_wal_batch_after(const unsigned char *data, size_t len,
    size_t idlen, size_t from, size_t at, size_t *start, size_t *end);

#endif
