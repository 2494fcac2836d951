/*
 * manifest.h: the commit point of the engine's state.
 *
 * <repo>/manifest is text, replaced whole (tmp, fsync, rename, fsync dir):
 *
 *   cairn manifest 1
 *   data objects.1.data 16
 *   wal objects.2.wal
 *   segment index/3.idx 1200
 *   segment index/5.idx 300
 *   next 6
 *   crc 1a2b3c4d
 *
 * "data": the data file and its durable watermark: every record below it
 * is synced and indexed by the segments.  "wal": the current WAL.
 * "segment": index segments with their entry counts, oldest first (newer
 * segments win).  "next": the number the next new file will carry, so no
 * name is ever reused.  "crc": CRC-32, lowercase hex, of every byte before
 * that line.  Lines appear in this order; file names are relative to the
 * repository and match [a-z0-9./]+ without "..".  Anything else is
 * corruption.  Renaming a new manifest into place is the only commit point
 * of a flush or a gc.
 */
#ifndef CAIRN_MANIFEST_H
#define CAIRN_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "vfs.h"

#define CAIRN_MANIFEST_MAX_SEGMENTS 64

struct cairn_manifest {
	char data[64];
	uint64_t watermark;
	char wal[64];
	size_t nseg;
	char seg[CAIRN_MANIFEST_MAX_SEGMENTS][64];
	uint64_t seg_count[CAIRN_MANIFEST_MAX_SEGMENTS];
	uint64_t next;
};

/* Parse text of len bytes; CAIRN_ERR_CORRUPT names path. */
const struct cairn_error *cairn_manifest_parse(struct cairn_manifest *m,
    const char *text, size_t len, const char *path);

/* Serialise (appending to out). */
const struct cairn_error *cairn_manifest_format(struct cairn_buf *out,
    const struct cairn_manifest *m);

#endif
