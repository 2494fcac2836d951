/*
 * record.c: encoding and checking of record headers (format in record.h).
 */
#include <string.h>

#include "encode.h"
#include "record.h"
#include "zip.h"

#define REC_MAGIC "CRec"
/* Sizes beyond this are lies: no file of ours gets near 2^62 bytes. */
#define REC_SIZE_MAX ((uint64_t)1 << 62)

void
cairn_rec_encode(unsigned char *p, const struct cairn_rec *rec)
{
	memcpy(p, REC_MAGIC, 4);
	p[4] = (unsigned char)rec->kind;
	p[5] = (unsigned char)rec->flags;
	p[6] = (unsigned char)rec->type;
	p[7] = rec->kind == CAIRN_REC_COMMIT ? 0 : rec->id.len;
	cairn_put_be64(p + 8, rec->size);
	cairn_put_be64(p + 16, rec->stored);
	cairn_put_be64(p + 24, rec->data_off);
	cairn_put_be64(p + 32, rec->time);
	memset(p + 40, 0, 32);
	if (rec->kind != CAIRN_REC_COMMIT)
		memcpy(p + 40, rec->id.hash, rec->id.len);
	cairn_put_be32(p + 72, rec->crc);
	cairn_put_be32(p + 76, cairn_crc32(0, p, 76));
}

static const struct cairn_error *
check_fields(const struct cairn_rec *rec, size_t idlen)
{
	if (rec->kind < CAIRN_REC_OBJECT || rec->kind > CAIRN_REC_COMMIT)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "unknown record kind %d", rec->kind);
	if (rec->flags & ~CAIRN_REC_DEFLATED)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "unknown record flags 0x%x", rec->flags);
	if (rec->size > REC_SIZE_MAX || rec->stored > REC_SIZE_MAX ||
	    rec->data_off > REC_SIZE_MAX)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "record size out of range");
	if (rec->kind == CAIRN_REC_COMMIT)
		return NULL;
	if (rec->id.len != idlen)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "record id length %u, expected %zu",
		    (unsigned)rec->id.len, idlen);
	if (cairn_otype_name(rec->type) == NULL)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "unknown object type %d", rec->type);
	if (rec->kind == CAIRN_REC_TOUCH && rec->stored != 0)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "touch record with stored bytes");
	if (!(rec->flags & CAIRN_REC_DEFLATED) &&
	    rec->kind != CAIRN_REC_TOUCH && rec->stored != rec->size)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "uncompressed record of %llu bytes stores %llu",
		    (unsigned long long)rec->size,
		    (unsigned long long)rec->stored);
	return NULL;
}

const struct cairn_error *
cairn_rec_decode(struct cairn_rec *rec, const unsigned char *p, size_t idlen)
{
	if (memcmp(p, REC_MAGIC, 4) != 0)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "bad record magic");
	if (cairn_get_be32(p + 76) != cairn_crc32(0, p, 76))
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "record header checksum mismatch");
	memset(rec, 0, sizeof(*rec));
	rec->kind = p[4];
	rec->flags = p[5];
	rec->type = p[6];
	rec->size = cairn_get_be64(p + 8);
	rec->stored = cairn_get_be64(p + 16);
	rec->data_off = cairn_get_be64(p + 24);
	rec->time = cairn_get_be64(p + 32);
	rec->crc = cairn_get_be32(p + 72);
	if (p[7] > CAIRN_OID_MAX)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "record id length %u", (unsigned)p[7]);
	cairn_oid_set(p + 40, p[7], &rec->id);
	return check_fields(rec, idlen);
}

uint64_t
cairn_rec_span(const struct cairn_rec *rec)
{
	if (rec->kind == CAIRN_REC_OBJECT)
		return CAIRN_REC_HDR_SIZE + rec->stored;
	return CAIRN_REC_HDR_SIZE;
}

void
cairn_filehdr_encode(unsigned char *p, const char *magic, int algo)
{
	memcpy(p, magic, 8);
	cairn_put_be32(p + 8, CAIRN_FORMAT_VERSION);
	cairn_put_be32(p + 12, (uint32_t)algo);
}

const struct cairn_error *
cairn_filehdr_check(const unsigned char *p, const char *magic, int algo)
{
	if (memcmp(p, magic, 8) != 0)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "bad file magic");
	if (cairn_get_be32(p + 8) != CAIRN_FORMAT_VERSION)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "unsupported format version %u",
		    (unsigned)cairn_get_be32(p + 8));
	if (cairn_get_be32(p + 12) != (uint32_t)algo)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "file hash algorithm differs from the repository's");
	return NULL;
}

const struct cairn_error *
cairn_rec_sizes_plausible(const struct cairn_rec *rec)
{
	if (rec->flags & CAIRN_REC_DEFLATED ?
	    rec->size / CAIRN_INFLATE_RATIO_MAX > rec->stored :
	    rec->size != rec->stored)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "content size %llu "
		    "does not fit %llu %s bytes", (unsigned long long)rec->size,
		    (unsigned long long)rec->stored,
		    rec->flags & CAIRN_REC_DEFLATED ? "compressed" : "stored");
	return NULL;
}

const struct cairn_error *
cairn_rec_content(const struct cairn_rec *rec, const unsigned char *stored,
    unsigned char *out)
{
	if (rec->flags & CAIRN_REC_DEFLATED)
		return cairn_zip_inflate(out, (size_t)rec->size, stored,
		    (size_t)rec->stored);
	memcpy(out, stored, (size_t)rec->size);
	return NULL;
}
