/*
 * fsck.c: check every file of a disk repository, trusting none of them,
 * and repair what is derived (index segments, blooms, the manifest) or
 * garbage (torn WAL tails, stale locks, temporary and stray files).
 *
 * The check reads the files directly rather than through an open handle,
 * so it works on repositories too damaged to open.  The data file is
 * authoritative: every record in it is checked (frame, header CRC, data
 * CRC, content hash unless quick), and what the index and the WAL say is
 * checked against it.  Findings are collected in a list; a repair acts
 * under the writer lock, then the whole check runs again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bloom.h"
#include "buf.h"
#include "cairn.h"
#include "config.h"
#include "encode.h"
#include "file.h"
#include "manifest.h"
#include "memtable.h"
#include "record.h"
#include "refname.h"
#include "refs.h"
#include "segment.h"
#include "vfs.h"
#include "zip.h"

#define DATA_MAGIC "CAIRNDAT"
#define WAL_MAGIC "CAIRNWAL"
#define STRAY_AGE 60		/* seconds before an unnamed file counts */

struct finding {
	struct cairn_finding f;
	char kind[16];
	char subject[320];
	char message[320];
};

struct fsck {
	const char *root;
	struct cairn_vfs *vfs;
	unsigned flags;
	int algo;
	size_t idlen;
	struct cairn_buf findings;	/* struct finding */
	struct cairn_manifest man;
	int have_man;
	/* The data file, mapped whole. */
	const unsigned char *data;
	size_t data_len;
	uint64_t data_end;		/* end of the last valid record */
	struct cairn_buf wal;
	struct cairn_memtable objs;	/* where: DATA (loc = offset) or WAL */
	struct cairn_memtable indexed;
	struct cairn_fsck_result *res;
	void (*progress)(void *, uint64_t, uint64_t);
	void *arg;
	struct cairn_repo *alternate;	/* core.alternate, opened read-only */
	long long lock_timeout_ms;	/* core.lockTimeout, for --repair */
};

/* Nonzero if the object is in the repository or its alternate. */
static int
have_object(struct fsck *c, const struct cairn_oid *id)
{
	return cairn_memtable_get(&c->objs, id->hash) != NULL ||
	    (c->alternate != NULL && cairn_exists(c->alternate, id) == NULL);
}

static void
find(struct fsck *c, int error, int repairable, const char *kind,
    const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
find(struct fsck *c, int error, int repairable, const char *kind,
    const char *subject, const char *fmt, ...)
{
	struct finding f;
	va_list ap;

	memset(&f, 0, sizeof(f));
	f.f.error = error;
	f.f.repairable = repairable;
	snprintf(f.kind, sizeof(f.kind), "%s", kind);
	snprintf(f.subject, sizeof(f.subject), "%s", subject);
	va_start(ap, fmt);
	vsnprintf(f.message, sizeof(f.message), fmt, ap);
	va_end(ap);
	/* Out of memory here loses a finding, never the check. */
	(void)cairn_buf_append(&c->findings, &f, sizeof(f));
}

static void
path_of(struct fsck *c, char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", c->root, name);
}

static int
hex_id(char *out, const unsigned char *id, size_t len)
{
	struct cairn_oid o;

	cairn_oid_set(&o, id, len);
	cairn_oid_fmt(out, &o);
	return 1;
}

/* Config and manifest. */

/*
 * The numeric settings and the ranges that opening a repository enforces
 * (params() in repo.c): a value outside them makes every command fail, so
 * it is damage, not a preference.
 */
static const struct {
	const char *key;
	long long min, max;
} config_ints[] = {
	{ "core.formatVersion", 1, 1 },
	{ "core.compression", 0, 9 },
	{ "core.lockTimeout", 0, 86400000 },
	{ "core.walLimit", 4096, (long long)1 << 40 },
	{ "core.bigFileThreshold", 1024, 1 << 30 },
};

static void
check_config_values(struct fsck *c, const struct cairn_config *cfg)
{
	const struct cairn_error *err;
	long long v;
	size_t i;

	for (i = 0; i < sizeof(config_ints) / sizeof(config_ints[0]); i++)
		if ((err = cairn_config_int(&v, cfg, config_ints[i].key, 0,
		    config_ints[i].min, config_ints[i].max)) != NULL)
			find(c, 1, 0, "config", "config", "%s", err->msg);
}

static const struct cairn_error *
check_config(struct fsck *c)
{
	struct cairn_buf text = { 0 };
	struct cairn_config cfg;
	char path[4096];
	const char *fmt;
	const struct cairn_error *err;

	path_of(c, path, sizeof(path), "config");
	err = cairn_file_slurp(c->vfs, path, 1 << 20, &text);
	if (err != NULL) {
		cairn_buf_release(&text);
		path_of(c, path, sizeof(path), "manifest");
		if (access(path, F_OK) != 0)
			return cairn_error_new(CAIRN_ERR_NOT_REPO,
			    "not a cairn repository: '%s'", c->root);
		find(c, 1, 0, "config", "config", "%s", err->msg);
		return NULL;
	}
	/* The parser reads text up to a NUL: what follows would be lost. */
	if (text.len > 0 && memchr(text.data, '\0', text.len) != NULL)
		find(c, 1, 0, "config", "config", "holds a NUL byte");
	if ((err = cairn_config_parse(&cfg, text.data ? (char *)text.data :
	    "", path)) != NULL) {
		find(c, 1, 0, "config", "config", "%s", err->msg);
	} else {
		check_config_values(c, &cfg);
		if (cairn_config_int(&c->lock_timeout_ms, &cfg,
		    "core.lockTimeout", 5000, 0, 86400000) != NULL)
			c->lock_timeout_ms = 5000;
		fmt = cairn_config_get(&cfg, "object.format");
		c->algo = fmt ? cairn_hash_parse(fmt) : 0;
		if (c->algo == 0)
			find(c, 1, 0, "config", "config",
			    "bad or missing object.format");
		fmt = cairn_config_get(&cfg, "core.alternate");
		if (fmt != NULL && (err = cairn_repo_open(&c->alternate, fmt,
		    CAIRN_OPEN_READ_ONLY)) != NULL)
			find(c, 1, 0, "config", "config", "alternate '%s': %s",
			    fmt, err->msg);
		cairn_config_release(&cfg);
	}
	cairn_buf_release(&text);
	return NULL;
}

/* The highest-numbered file "objects.<n>.<ext>" in the repository. */
static int
highest(struct fsck *c, const char *ext, char *out, size_t len)
{
	struct dirent *de;
	unsigned long long n, best = 0;
	char suffix[16];
	int found = 0, used;
	DIR *d;

	if ((d = opendir(c->root)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (sscanf(de->d_name, "objects.%llu.%15s%n", &n, suffix,
		    &used) == 2 && strcmp(suffix, ext) == 0 &&
		    de->d_name[used] == '\0' && n >= best) {
			best = n;
			found = 1;
		}
	}
	closedir(d);
	if (found)
		snprintf(out, len, "objects.%llu.%s", best, ext);
	return found;
}

static void
check_manifest(struct fsck *c)
{
	struct cairn_buf text = { 0 };
	const struct cairn_error *err;
	char path[4096];

	path_of(c, path, sizeof(path), "manifest");
	err = cairn_file_slurp(c->vfs, path, 1 << 20, &text);
	if (err == NULL)
		err = cairn_manifest_parse(&c->man, (char *)text.data, text.len,
		    path);
	cairn_buf_release(&text);
	if (err == NULL) {
		c->have_man = 1;
		return;
	}
	find(c, 1, 1, "manifest", "manifest", "%s", err->msg);
	/* Go on with what the directory holds. */
	memset(&c->man, 0, sizeof(c->man));
	highest(c, "data", c->man.data, sizeof(c->man.data));
	highest(c, "wal", c->man.wal, sizeof(c->man.wal));
	c->man.watermark = UINT64_MAX;
}

/* The data file. */

/* Next offset after off where a valid record header starts, or len. */
static uint64_t
resync(struct fsck *c, uint64_t off)
{
	struct cairn_rec rec;
	const unsigned char *hit;

	for (off++; off + CAIRN_REC_HDR_SIZE <= c->data_len; off++) {
		hit = memchr(c->data + off, 'C', c->data_len - off);
		if (hit == NULL)
			break;
		off = (uint64_t)(hit - c->data);
		if (off + CAIRN_REC_HDR_SIZE <= c->data_len &&
		    cairn_rec_decode(&rec, hit, c->idlen) == NULL &&
		    rec.data_off == off)
			return off;
	}
	return c->data_len;
}

/* Inflate a record's content; *out malloc'd. */
static const struct cairn_error *
decode(const struct cairn_rec *rec, const unsigned char *stored,
    unsigned char **out)
{
	const struct cairn_error *err = NULL;

	if ((err = cairn_rec_sizes_plausible(rec)) != NULL)
		return err;
	if (rec->size > ((uint64_t)1 << 40) ||
	    (*out = malloc((size_t)rec->size + 1)) == NULL)
		return cairn_error_nomem();
	if (rec->flags & CAIRN_REC_DEFLATED)
		err = cairn_zip_inflate(*out, (size_t)rec->size, stored,
		    (size_t)rec->stored);
	else
		memcpy(*out, stored, (size_t)rec->size);
	if (err != NULL) {
		free(*out);
		*out = NULL;
	}
	return err;
}

static const struct cairn_error *
hash_sink(void *arg, const void *p, size_t len)
{
	return cairn_hasher_update(arg, p, len);
}

/*
 * The id of a record's content, inflated a chunk at a time and hashed as
 * it comes, so that checking an object takes the same little memory
 * whatever size it has or its header claims.
 */
static const struct cairn_error *
hash_content(struct fsck *c, const struct cairn_rec *rec,
    const unsigned char *stored, struct cairn_oid *got)
{
	const struct cairn_error *err;
	struct cairn_hasher h = { 0 };
	struct cairn_inflater inf = { 0 };

	if ((err = cairn_rec_sizes_plausible(rec)) != NULL)
		return err;
	err = cairn_hasher_init_object(&h, c->algo, rec->type, rec->size);
	if (err == NULL && (rec->flags & CAIRN_REC_DEFLATED)) {
		err = cairn_inflater_init(&inf, rec->size);
		if (err == NULL)
			err = cairn_inflater_feed(&inf, stored,
			    (size_t)rec->stored, hash_sink, &h);
		if (err == NULL)
			err = cairn_inflater_finish(&inf);
		cairn_inflater_release(&inf);
	} else if (err == NULL)
		err = cairn_hasher_update(&h, stored, (size_t)rec->stored);
	if (err == NULL)
		err = cairn_hasher_final(got, &h);
	cairn_hasher_release(&h);
	return err;
}

/* CRC, decoding and (unless quick) the hash of one object record. */
static const char *
verify_record(struct fsck *c, const struct cairn_rec *rec,
    const unsigned char *stored)
{
	static _Thread_local char why[256];
	const struct cairn_error *err;
	struct cairn_oid got;

	if (cairn_crc32(0, stored, (size_t)rec->stored) != rec->crc)
		return "stored bytes fail their checksum";
	if (c->flags & CAIRN_FSCK_QUICK)
		return NULL;
	if ((err = hash_content(c, rec, stored, &got)) != NULL) {
		snprintf(why, sizeof(why), "%s", err->msg);
		return why;
	}
	if (!cairn_oid_eq(&got, &rec->id))
		return "content does not hash to its id";
	return NULL;
}

static void
note_object(struct fsck *c, const struct cairn_rec *rec, int where,
    uint64_t loc)
{
	struct cairn_mem_ent e;

	if (cairn_memtable_get(&c->objs, rec->id.hash) != NULL)
		return;
	memset(&e, 0, sizeof(e));
	memcpy(e.id, rec->id.hash, rec->id.len);
	e.where = (unsigned char)where;
	e.type = (unsigned char)rec->type;
	e.size = rec->size;
	e.loc = loc;
	(void)cairn_memtable_put(&c->objs, &e);
}

static void
scan_data_record(struct fsck *c, uint64_t *off)
{
	struct cairn_rec rec;
	const struct cairn_error *err;
	char subject[128], hex[CAIRN_OID_HEXMAX + 1];
	const char *why;
	int below = *off < c->man.watermark;

	snprintf(subject, sizeof(subject), "%s@%llu", c->man.data,
	    (unsigned long long)*off);
	err = c->data_len - *off < CAIRN_REC_HDR_SIZE ?
	    cairn_error_new(CAIRN_ERR_CORRUPT, "truncated record header") :
	    cairn_rec_decode(&rec, c->data + *off, c->idlen);
	if (err == NULL && (rec.data_off != *off ||
	    (rec.kind != CAIRN_REC_OBJECT && rec.kind != CAIRN_REC_TOUCH)))
		err = cairn_error_new(CAIRN_ERR_CORRUPT,
		    "record does not belong at this offset");
	if (err == NULL && rec.kind == CAIRN_REC_OBJECT &&
	    rec.stored > c->data_len - *off - CAIRN_REC_HDR_SIZE)
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "truncated record");
	if (err != NULL) {
		/* Past the watermark, the WAL redoes it: a crash artefact. */
		find(c, below, !below, "data", subject, "%s", err->msg);
		*off = resync(c, *off);
		return;
	}
	c->res->records++;
	c->res->bytes += cairn_rec_span(&rec);
	if (rec.kind == CAIRN_REC_OBJECT) {
		why = verify_record(c, &rec, c->data + *off + CAIRN_REC_HDR_SIZE);
		/* Past the watermark, a writer rewrites it from the WAL. */
		if (why != NULL && !below)
			find(c, 0, 1, "data", subject, "%s", why);
		else if (why != NULL)
			find(c, 1, 0, "object", (hex_id(hex, rec.id.hash,
			    c->idlen), hex), "%s (%s)", why, subject);
		else
			note_object(c, &rec, CAIRN_MEM_DATA, *off);
	}
	*off += cairn_rec_span(&rec);
	c->data_end = *off;
	if (c->progress && c->res->records % 4096 == 0)
		c->progress(c->arg, c->res->records, c->res->bytes);
}

static void
check_data(struct fsck *c)
{
	char path[4096];
	struct stat st;
	uint64_t off = CAIRN_FILEHDR_SIZE;
	int fd;

	if (c->man.data[0] == '\0') {
		find(c, 1, 0, "data", "data", "no data file");
		return;
	}
	path_of(c, path, sizeof(path), c->man.data);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW)) == -1 ||
	    fstat(fd, &st) != 0) {
		find(c, 1, 0, "data", c->man.data, "cannot read: %s",
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return;
	}
	c->data_len = (size_t)st.st_size;
	c->data = c->data_len ? mmap(NULL, c->data_len, PROT_READ, MAP_SHARED,
	    fd, 0) : NULL;
	close(fd);
	if (c->data == MAP_FAILED || c->data_len < CAIRN_FILEHDR_SIZE ||
	    cairn_filehdr_check(c->data, DATA_MAGIC, c->algo) != NULL) {
		if (c->data == MAP_FAILED)
			c->data = NULL;
		find(c, 1, 0, "data", c->man.data, "bad file header");
		return;
	}
	if (c->have_man && c->data_len < c->man.watermark)
		find(c, 1, 0, "data", c->man.data, "shorter (%zu bytes) than "
		    "its watermark %llu", c->data_len,
		    (unsigned long long)c->man.watermark);
	c->data_end = off;
	while (off < c->data_len)
		scan_data_record(c, &off);
}

/* The WAL. */

/*
 * An OBJECT of a whole batch: its batch was committed whole, so content
 * that does not verify is damage (or a lie), never a torn write.
 */
static void
wal_object(struct fsck *c, const struct cairn_rec *rec, size_t off)
{
	char hex[CAIRN_OID_HEXMAX + 1];
	const char *why;

	why = verify_record(c, rec, c->wal.data + off + CAIRN_REC_HDR_SIZE);
	if (why == NULL) {
		note_object(c, rec, CAIRN_MEM_WAL, off);
		return;
	}
	hex_id(hex, rec->id.hash, c->idlen);
	find(c, 1, 0, "object", hex, "%s (%s@%zu)", why, c->man.wal, off);
}

static void
wal_batch(struct fsck *c, size_t start, size_t end)
{
	struct cairn_rec rec;
	size_t off;

	for (off = start; off < end; off += (size_t)cairn_rec_span(&rec)) {
		if (cairn_rec_decode(&rec, c->wal.data + off, c->idlen) != NULL)
			return;
		c->res->records++;
		c->res->bytes += cairn_rec_span(&rec);
		if (rec.kind == CAIRN_REC_OBJECT)
			wal_object(c, &rec, off);
		else if (rec.kind == CAIRN_REC_POINTER &&
		    cairn_memtable_get(&c->objs, rec.id.hash) == NULL) {
			char hex[CAIRN_OID_HEXMAX + 1];

			hex_id(hex, rec.id.hash, c->idlen);
			find(c, 1, 0, "wal", c->man.wal, "object %s logged at "
			    "'%s' offset %llu is not intact there", hex,
			    c->man.data, (unsigned long long)rec.data_off);
		}
	}
}

/* Walk whole batches; returns the end of the last good one. */
static size_t
wal_walk(struct fsck *c, size_t *bad)
{
	struct cairn_rec rec;
	size_t off = CAIRN_FILEHDR_SIZE, start = off, good = off, span;
	uint64_t n = 0;

	*bad = c->wal.len;
	while (off < c->wal.len) {
		if (c->wal.len - off < CAIRN_REC_HDR_SIZE ||
		    cairn_rec_decode(&rec, c->wal.data + off, c->idlen) != NULL ||
		    (rec.kind == CAIRN_REC_OBJECT &&
		    rec.stored > c->wal.len - off - CAIRN_REC_HDR_SIZE)) {
			*bad = off;
			break;
		}
		span = (size_t)cairn_rec_span(&rec);
		if (rec.kind == CAIRN_REC_COMMIT) {
			if (rec.size != n || rec.data_off != start ||
			    cairn_crc32(0, c->wal.data + start, off - start) !=
			    rec.crc) {
				*bad = start;
				break;
			}
			wal_batch(c, start, off);
			good = start = off + span;
			n = 0;
		} else
			n++;
		off += span;
	}
	if (*bad == c->wal.len && start < c->wal.len)
		*bad = start;
	return good;
}

/* Nonzero if a whole batch starts at or after from. */
static int
wal_batch_after(struct fsck *c, size_t from)
{
	struct cairn_rec rec;
	const unsigned char *hit;
	size_t off;

	for (off = from; off + CAIRN_REC_HDR_SIZE <= c->wal.len; off++) {
		hit = memchr(c->wal.data + off, 'C', c->wal.len - off);
		if (hit == NULL)
			return 0;
		off = (size_t)(hit - c->wal.data);
		if (off + CAIRN_REC_HDR_SIZE <= c->wal.len &&
		    cairn_rec_decode(&rec, hit, c->idlen) == NULL &&
		    rec.kind == CAIRN_REC_COMMIT && rec.data_off >= from &&
		    rec.data_off <= off && cairn_crc32(0, c->wal.data +
		    rec.data_off, off - rec.data_off) == rec.crc)
			return 1;
	}
	return 0;
}

static void
check_wal(struct fsck *c)
{
	const struct cairn_error *err;
	char path[4096], subject[128];
	size_t good, bad;

	if (c->man.wal[0] == '\0')
		return;
	path_of(c, path, sizeof(path), c->man.wal);
	err = cairn_file_slurp(c->vfs, path, (size_t)1 << 34, &c->wal);
	if (err != NULL || c->wal.len < CAIRN_FILEHDR_SIZE ||
	    cairn_filehdr_check(c->wal.data, WAL_MAGIC, c->algo) != NULL) {
		find(c, 1, 1, "wal", c->man.wal, "%s",
		    err ? err->msg : "bad file header");
		cairn_buf_reset(&c->wal);
		return;
	}
	good = wal_walk(c, &bad);
	if (good == c->wal.len)
		return;
	snprintf(subject, sizeof(subject), "%s@%zu", c->man.wal, bad);
	/*
	 * Repairable: the repair redoes the whole batches, indexes the data
	 * file and starts a fresh WAL; what only the damaged part held is
	 * lost, and what it links to is then reported missing.
	 */
	if (wal_batch_after(c, good + 1))
		find(c, 1, 1, "wal", subject, "corrupt record with whole "
		    "batches after it");
	else
		find(c, 0, 1, "wal", subject, "torn tail of %zu bytes (a crash "
		    "artefact: never acknowledged)", c->wal.len - good);
}

/* Index segments. */

static void
check_entries(struct fsck *c, const struct cairn_segment *seg, const char *name)
{
	struct cairn_seg_entry e, prev;
	const struct cairn_mem_ent *o;
	struct cairn_mem_ent ix;
	char hex[CAIRN_OID_HEXMAX + 1];
	uint64_t i, bad = 0, misses = 0;

	for (i = 0; i < seg->count; i++) {
		cairn_segment_entry(seg, i, &e);
		if (i > 0 && memcmp(prev.id, e.id, c->idlen) >= 0 && !bad++)
			find(c, 1, 1, "index", name, "entries out of order or "
			    "repeated at entry %llu", (unsigned long long)i);
		prev = e;
		if (!cairn_bloom_test(seg->bloom, seg->bloom_size, e.id) &&
		    !misses++)
			find(c, 1, 1, "bloom", name, "bloom filter denies "
			    "indexed object %s", (hex_id(hex, e.id, c->idlen),
			    hex));
		o = cairn_memtable_get(&c->objs, e.id);
		if (o == NULL || o->where != CAIRN_MEM_DATA || o->loc != e.off ||
		    e.off >= c->man.watermark) {
			hex_id(hex, e.id, c->idlen);
			find(c, 1, 1, "index", hex, "%s points at offset %llu, "
			    "which holds no intact record of it", name,
			    (unsigned long long)e.off);
			continue;
		}
		memset(&ix, 0, sizeof(ix));
		memcpy(ix.id, e.id, c->idlen);
		(void)cairn_memtable_put(&c->indexed, &ix);
	}
}

static void
check_segments(struct fsck *c)
{
	const struct cairn_error *err;
	struct cairn_segment seg;
	char path[4096];
	size_t i;

	for (i = 0; c->have_man && i < c->man.nseg; i++) {
		path_of(c, path, sizeof(path), c->man.seg[i]);
		if ((err = cairn_segment_open(&seg, c->vfs, path,
		    c->idlen)) != NULL) {
			find(c, 1, 1, "index", c->man.seg[i], "%s", err->msg);
			continue;
		}
		if ((err = cairn_segment_verify(&seg)) != NULL)
			find(c, 1, 1, "index", c->man.seg[i], "%s", err->msg);
		else if (seg.count != c->man.seg_count[i])
			find(c, 1, 1, "index", c->man.seg[i], "%llu entries, "
			    "the manifest says %llu",
			    (unsigned long long)seg.count,
			    (unsigned long long)c->man.seg_count[i]);
		check_entries(c, &seg, c->man.seg[i]);
		cairn_segment_close(&seg);
	}
}

/* Every object below the watermark must be indexed. */
static void
check_unindexed(struct fsck *c)
{
	const struct cairn_mem_ent *e;
	char hex[CAIRN_OID_HEXMAX + 1];
	uint64_t missing = 0;
	size_t i;

	for (i = 0; c->have_man && i < c->objs.cap; i++) {
		e = &c->objs.tab[i];
		if (!e->used || e->where != CAIRN_MEM_DATA ||
		    e->loc >= c->man.watermark ||
		    cairn_memtable_get(&c->indexed, e->id) != NULL)
			continue;
		if (missing++ < 20)
			find(c, 1, 1, "index", (hex_id(hex, e->id, c->idlen),
			    hex), "object at %s@%llu is not indexed",
			    c->man.data, (unsigned long long)e->loc);
	}
	if (missing > 20)
		find(c, 1, 1, "index", c->man.data, "%llu more objects are "
		    "not indexed", (unsigned long long)(missing - 20));
}

/* Object syntax and links. */

struct link_ctx {
	struct fsck *c;
	const char *from;
};

static int
link_check(void *arg, const struct cairn_oid *id, int type)
{
	struct link_ctx *l = arg;
	const struct cairn_mem_ent *e;
	char hex[CAIRN_OID_HEXMAX + 1];

	e = cairn_memtable_get(&l->c->objs, id->hash);
	if (e == NULL && have_object(l->c, id))
		return 0;	/* in the alternate */
	if (e == NULL)
		find(l->c, 1, 0, "link", l->from, "links to missing %s %s",
		    cairn_otype_name(type) ? cairn_otype_name(type) : "object",
		    cairn_oid_fmt(hex, id));
	else if (type != CAIRN_OBJ_NONE && e->type != type)
		find(l->c, 1, 0, "link", l->from, "links to %s as a %s, but "
		    "it is a %s", cairn_oid_fmt(hex, id),
		    cairn_otype_name(type), cairn_otype_name(e->type));
	return 0;
}

static void
check_graph_object(struct fsck *c, const struct cairn_mem_ent *e)
{
	const struct cairn_error *err;
	struct cairn_rec rec;
	struct link_ctx l;
	unsigned char *content;
	const unsigned char *at;
	char hex[CAIRN_OID_HEXMAX + 1];

	at = e->where == CAIRN_MEM_DATA ? c->data + e->loc :
	    c->wal.data + e->loc;
	if (cairn_rec_decode(&rec, at, c->idlen) != NULL ||
	    decode(&rec, at + CAIRN_REC_HDR_SIZE, &content) != NULL)
		return;	/* reported by the record checks */
	hex_id(hex, e->id, c->idlen);
	if ((err = cairn_object_check(e->type, content, (size_t)e->size,
	    c->algo)) != NULL)
		find(c, 1, 0, "object", hex, "%s", err->msg);
	else {
		l.c = c;
		l.from = hex;
		cairn_object_links(e->type, content, (size_t)e->size, c->algo,
		    link_check, &l);
	}
	free(content);
}

static void
check_graph(struct fsck *c)
{
	size_t i;

	for (i = 0; i < c->objs.cap; i++)
		if (c->objs.tab[i].used && c->objs.tab[i].type !=
		    CAIRN_OBJ_BLOB && c->objs.tab[i].where != 0 &&
		    !(c->objs.tab[i].where == CAIRN_MEM_DATA &&
		    c->data == NULL))
			check_graph_object(c, &c->objs.tab[i]);
}

/* Refs, locks, temporary and stray files. */

/* Nonzero if the lock file at path is held by nobody (its holder died). */
static int
lock_is_stale(const char *path)
{
	int fd = open(path, O_RDWR | O_NOFOLLOW), stale;

	if (fd == -1)
		return 0;
	stale = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return stale;
}

static void
check_ref_file(struct fsck *c, const char *path, const char *name)
{
	struct cairn_oid id;
	char buf[CAIRN_OID_HEXMAX + 8], hex[CAIRN_OID_HEXMAX + 1];
	const struct cairn_error *err;
	ssize_t n;
	int fd;

	if (cairn_refname_check(name, strlen(name)) != NULL) {
		find(c, 1, 0, "ref", name, "invalid ref name");
		return;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW)) == -1) {
		find(c, 1, 0, "ref", name, "cannot read: %s", strerror(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if ((err = cairn_refs_parse(&id, c->algo, buf, n < 0 ? 0 : (size_t)n,
	    name)) != NULL)
		find(c, 1, 0, "ref", name, "%s", err->msg);
	else if (!have_object(c, &id))
		find(c, 1, 0, "ref", name, "points to missing object %s",
		    cairn_oid_fmt(hex, &id));
}

static void
check_refs_dir(struct fsck *c, const char *dir, const char *rel, int depth)
{
	struct dirent *de;
	struct stat st;
	char path[4096], name[4096];
	size_t len;
	DIR *d;

	if (depth > 64 || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		snprintf(name, sizeof(name), "%s%s", rel, de->d_name);
		len = strlen(de->d_name);
		if (lstat(path, &st) != 0)
			continue;
		if (len > 5 && strcmp(de->d_name + len - 5, ".lock") == 0) {
			if (S_ISREG(st.st_mode) && lock_is_stale(path))
				find(c, 0, 1, "lock", name, "stale lock (its "
				    "holder is gone)");
		} else if (S_ISDIR(st.st_mode)) {
			snprintf(name, sizeof(name), "%s%s/", rel, de->d_name);
			check_refs_dir(c, path, name, depth + 1);
		} else if (S_ISLNK(st.st_mode))
			find(c, 1, 0, "ref", name, "is a symlink");
		else if (S_ISREG(st.st_mode))
			check_ref_file(c, path, name);
		else
			find(c, 1, 0, "ref", name, "is not a regular file");
	}
	closedir(d);
}

static int
named_by_manifest(struct fsck *c, const char *name)
{
	size_t i;

	if (strcmp(name, c->man.data) == 0 || strcmp(name, c->man.wal) == 0)
		return 1;
	for (i = 0; i < c->man.nseg; i++)
		if (strcmp(name, c->man.seg[i]) == 0)
			return 1;
	return 0;
}

/*
 * Intact objects in a data file or WAL no manifest names that the
 * repository does not have: such a file is not garbage.
 */
static uint64_t
stray_objects(struct fsck *c, const char *path)
{
	struct cairn_buf b = { 0 };
	struct cairn_rec rec;
	uint64_t off = CAIRN_FILEHDR_SIZE, lacking = 0;

	if (cairn_file_slurp(c->vfs, path, (size_t)1 << 36, &b) != NULL) {
		cairn_buf_release(&b);
		return 1;
	}
	while (off + CAIRN_REC_HDR_SIZE <= b.len &&
	    cairn_rec_decode(&rec, b.data + off, c->idlen) == NULL &&
	    cairn_rec_span(&rec) <= b.len - off) {
		if (rec.kind == CAIRN_REC_OBJECT &&
		    cairn_crc32(0, b.data + off + CAIRN_REC_HDR_SIZE,
		    (size_t)rec.stored) == rec.crc &&
		    cairn_memtable_get(&c->objs, rec.id.hash) == NULL)
			lacking++;
		off += cairn_rec_span(&rec);
	}
	cairn_buf_release(&b);
	return lacking;
}

/* The number in "objects.<n>.<ext>", or 0. */
static unsigned long long
file_number(const char *name)
{
	unsigned long long n = 0;

	return sscanf(name, "objects.%llu.", &n) == 1 ? n : 0;
}

static void
check_stray(struct fsck *c, const char *name, const char *path)
{
	uint64_t lacking = 0;
	const char *cur = strstr(name, ".data") ? c->man.data : c->man.wal;

	/*
	 * Names only grow: a data file or WAL numbered below the current
	 * one is what a flush or gc left when it could not delete it (its
	 * objects were flushed, or collected on purpose).
	 */
	if (strncmp(name, "objects.", 8) == 0 &&
	    file_number(name) < file_number(cur)) {
		find(c, 0, 1, "stray", name, "left over from an older "
		    "generation");
		return;
	}
	if (strncmp(name, "objects.", 8) == 0)
		lacking = stray_objects(c, path);
	if (lacking == 0)
		find(c, 0, 1, "stray", name, "not named by the manifest");
	else
		find(c, 0, 0, "stray", name, "not named by the manifest, but "
		    "holds %llu objects the repository lacks",
		    (unsigned long long)lacking);
}

/* Files no one names, older than STRAY_AGE unless under the lock. */
static void
check_strays(struct fsck *c, const char *sub, const char *kind)
{
	struct dirent *de;
	struct stat st;
	char dir[4096], path[8192], name[4096];
	time_t now = time(NULL);
	DIR *d;

	snprintf(dir, sizeof(dir), "%s%s%s", c->root, *sub ? "/" : "", sub);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		snprintf(name, sizeof(name), "%s%s%s", sub, *sub ? "/" : "",
		    de->d_name);
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || lstat(path, &st) != 0 ||
		    !S_ISREG(st.st_mode) || (now - st.st_mtime < STRAY_AGE &&
		    !(c->flags & CAIRN_FSCK_REPAIR)))
			continue;
		if (strcmp(kind, "tmp") == 0)
			find(c, 0, 1, "tmp", name, "leftover temporary file");
		else if (c->have_man && !named_by_manifest(c, name) &&
		    (strncmp(de->d_name, "objects.", 8) == 0 ||
		    strcmp(sub, "index") == 0))
			check_stray(c, name, path);
	}
	closedir(d);
}

static void
check_files(struct fsck *c)
{
	char path[4096];

	path_of(c, path, sizeof(path), "refs");
	check_refs_dir(c, path, "", 0);
	check_strays(c, "tmp", "tmp");
	check_strays(c, "", "stray");
	check_strays(c, "index", "stray");
}

/* One whole check. */

static void
release(struct fsck *c)
{
	if (c->data != NULL)
		munmap((void *)c->data, c->data_len);
	c->data = NULL;
	cairn_buf_release(&c->wal);
	cairn_memtable_release(&c->objs);
	cairn_memtable_release(&c->indexed);
	cairn_buf_release(&c->findings);
	cairn_repo_close(c->alternate);
	c->alternate = NULL;
}

static const struct cairn_error *
run_pass(struct fsck *c)
{
	const struct cairn_error *err;

	if ((err = check_config(c)) != NULL)
		return err;
	if (c->algo == 0) {
		find(c, 1, 0, "config", "config", "cannot tell the object "
		    "format: nothing else can be checked");
		return NULL;
	}
	c->idlen = cairn_hash_len(c->algo);
	cairn_memtable_init(&c->objs, c->idlen);
	cairn_memtable_init(&c->indexed, c->idlen);
	check_manifest(c);
	check_data(c);
	check_wal(c);
	check_segments(c);
	check_unindexed(c);
	check_graph(c);
	check_files(c);
	c->res->objects = c->objs.n;
	return NULL;
}

static void
pass_init(struct fsck *c, const char *root, unsigned flags,
    struct cairn_fsck_result *res)
{
	memset(c, 0, sizeof(*c));
	c->root = root;
	c->vfs = cairn_vfs_from_env();
	c->flags = flags;
	c->res = res;
	c->lock_timeout_ms = 5000;	/* core.lockTimeout's default */
}

/* Repairs, under the writer lock. */

static const struct cairn_error *
writer_lock(struct fsck *c, int *fd)
{
	char path[4096];
	long long waited = 0;

	path_of(c, path, sizeof(path), "lock");
	if ((*fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return cairn_error_sys(errno, "open '%s'", path);
	while (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK || waited >= c->lock_timeout_ms) {
			close(*fd);
			return errno != EWOULDBLOCK ?
			    cairn_error_sys(errno, "lock '%s'", path) :
			    cairn_error_new(CAIRN_ERR_LOCKED, "repository is "
			    "locked by another writer (waited %lld ms)",
			    c->lock_timeout_ms);
		}
		usleep(10000);
		waited += 10;
	}
	return NULL;
}

/* Remove a file; one already gone is fine. */
static const struct cairn_error *
unlink_path(struct fsck *c, const char *path)
{
	if (c->vfs->unlink(c->vfs, path) != 0 && errno != ENOENT)
		return cairn_error_sys(errno, "remove '%s'", path);
	return NULL;
}

static const struct cairn_error *
unlink_in(struct fsck *c, const char *name)
{
	char path[4096];

	path_of(c, path, sizeof(path), name);
	return unlink_path(c, path);
}

/*
 * Remove what the findings call garbage: stale locks, tmp files, strays.
 * Every removal is tried; the first failure is returned.
 */
static const struct cairn_error *
remove_garbage(struct fsck *c, const struct finding *f, size_t n)
{
	const struct cairn_error *err = NULL, *e;
	char path[4096];
	size_t i;
	int fd;

	for (i = 0; i < n; i++) {
		e = NULL;
		if (strcmp(f[i].kind, "tmp") == 0 ||
		    (strcmp(f[i].kind, "stray") == 0 && f[i].f.repairable))
			e = unlink_in(c, f[i].subject);
		else if (strcmp(f[i].kind, "lock") == 0) {
			snprintf(path, sizeof(path), "%s/refs/%s", c->root,
			    f[i].subject);
			/* Unlink only while holding it: a new holder may have come. */
			if ((fd = open(path, O_RDWR | O_NOFOLLOW)) == -1)
				continue;
			if (flock(fd, LOCK_EX | LOCK_NB) == 0)
				e = unlink_path(c, path);
			close(fd);
		}
		if (err == NULL)
			err = e;
	}
	return err;
}

static int
entry_cmp(const void *a, const void *b)
{
	return memcmp(((const struct cairn_seg_entry *)a)->id,
	    ((const struct cairn_seg_entry *)b)->id, CAIRN_OID_MAX);
}

struct entries {
	struct cairn_seg_entry *e;
	uint64_t n, i;
};

static int
entries_next(void *arg, struct cairn_seg_entry *out)
{
	struct entries *s = arg;

	if (s->i >= s->n)
		return 0;
	*out = s->e[s->i++];
	return 1;
}

/* The data file's intact objects below limit, sorted. */
static const struct cairn_error *
data_entries(struct fsck *c, uint64_t limit, struct entries *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if ((out->e = calloc(c->objs.n + 1, sizeof(*out->e))) == NULL)
		return cairn_error_nomem();
	for (i = 0; i < c->objs.cap; i++)
		if (c->objs.tab[i].used && c->objs.tab[i].where ==
		    CAIRN_MEM_DATA && c->objs.tab[i].loc < limit) {
			memcpy(out->e[out->n].id, c->objs.tab[i].id,
			    CAIRN_OID_MAX);
			out->e[out->n++].off = c->objs.tab[i].loc;
		}
	qsort(out->e, (size_t)out->n, sizeof(*out->e), entry_cmp);
	return NULL;
}

/* The next unused file number, from every numbered file present. */
static uint64_t
next_number(struct fsck *c)
{
	struct dirent *de;
	unsigned long long n, best = c->have_man ? c->man.next : 0;
	char dir[4096];
	const char *subs[2] = { "", "/index" };
	DIR *d;
	int i;

	for (i = 0; i < 2; i++) {
		snprintf(dir, sizeof(dir), "%s%s", c->root, subs[i]);
		if ((d = opendir(dir)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL)
			if ((sscanf(de->d_name, "objects.%llu.", &n) == 1 ||
			    sscanf(de->d_name, "%llu.idx", &n) == 1) &&
			    n + 1 > best)
				best = n + 1;
		closedir(d);
	}
	return best;
}

/* Copy the WAL's whole batches into the data file (the writer's redo). */
static const struct cairn_error *
redo_wal(struct fsck *c)
{
	const struct cairn_error *err = NULL;
	struct cairn_rec rec;
	char path[4096];
	size_t off, good, bad;
	int fd;

	if (c->wal.len < CAIRN_FILEHDR_SIZE || c->man.data[0] == '\0')
		return NULL;
	good = wal_walk(c, &bad);
	path_of(c, path, sizeof(path), c->man.data);
	if ((fd = c->vfs->open(c->vfs, path, O_RDWR | O_NOFOLLOW, 0)) == -1)
		return cairn_error_sys(errno, "open '%s'", path);
	for (off = CAIRN_FILEHDR_SIZE; off < good && err == NULL;
	    off += (size_t)cairn_rec_span(&rec)) {
		if (cairn_rec_decode(&rec, c->wal.data + off, c->idlen))
			break;
		if (rec.kind == CAIRN_REC_OBJECT || rec.kind == CAIRN_REC_TOUCH)
			err = cairn_file_pwrite(c->vfs, fd, c->wal.data + off,
			    (size_t)cairn_rec_span(&rec), rec.data_off, path);
	}
	if (err == NULL)
		err = cairn_file_sync(c->vfs, fd, 0, path);
	c->vfs->close(c->vfs, fd);
	return err;
}

/* Every segment file present (all derived data), to be replaced. */
static void
old_segments(struct fsck *c, char (*gone)[64], size_t *ngone)
{
	struct dirent *de;
	char dir[4096];
	DIR *d;

	path_of(c, dir, sizeof(dir), "index");
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && *ngone < CAIRN_MANIFEST_MAX_SEGMENTS)
		if (strlen(de->d_name) < 50 && strstr(de->d_name, ".idx"))
			snprintf(gone[(*ngone)++], 64, "index/%s", de->d_name);
	closedir(d);
}

/*
 * Rebuild the index (one segment of every intact object below the
 * watermark) and publish it.  Without a usable manifest, first redo the
 * WAL into the data file and start a fresh WAL; the watermark becomes the
 * end of the last intact record.
 */
static const struct cairn_error *
rebuild(struct fsck *old, struct cairn_fsck_result *res)
{
	const struct cairn_error *err;
	struct fsck c;
	struct cairn_manifest m;
	struct entries ent;
	struct cairn_buf text = { 0 };
	char path[4096], tmpdir[4096], gone[2 * CAIRN_MANIFEST_MAX_SEGMENTS + 2][64];
	unsigned char hdr[CAIRN_FILEHDR_SIZE];
	size_t ngone = 0, i;
	int fresh_wal = !old->have_man;

	if (fresh_wal && (err = redo_wal(old)) != NULL)
		return err;
	pass_init(&c, old->root, old->flags, res);
	if ((err = run_pass(&c)) != NULL)
		goto done;
	m = c.man;
	if (fresh_wal)
		m.watermark = c.data_end;
	m.next = next_number(&c);
	for (i = 0; i < m.nseg; i++)
		memcpy(gone[ngone++], m.seg[i], 64);
	if (fresh_wal)
		old_segments(&c, gone, &ngone);
	if ((err = data_entries(&c, m.watermark, &ent)) != NULL)
		goto done;
	snprintf(m.seg[0], 64, "index/%llu.idx", (unsigned long long)m.next++);
	m.seg_count[0] = ent.n;
	m.nseg = 1;
	path_of(&c, tmpdir, sizeof(tmpdir), "tmp");
	path_of(&c, path, sizeof(path), m.seg[0]);
	err = cairn_segment_write(c.vfs, tmpdir, path, c.idlen, ent.n,
	    entries_next, &ent);
	free(ent.e);
	if (err == NULL && fresh_wal) {
		if (m.wal[0] != '\0')
			memcpy(gone[ngone++], m.wal, 64);
		snprintf(m.wal, 64, "objects.%llu.wal",
		    (unsigned long long)m.next++);
		cairn_filehdr_encode(hdr, WAL_MAGIC, c.algo);
		path_of(&c, path, sizeof(path), m.wal);
		err = cairn_file_replace(c.vfs, tmpdir, path, hdr, sizeof(hdr));
	}
	if (err == NULL)
		err = cairn_manifest_format(&text, &m);
	path_of(&c, path, sizeof(path), "manifest");
	if (err == NULL)
		err = cairn_file_replace(c.vfs, tmpdir, path, text.data,
		    text.len);
	for (i = 0; err == NULL && i < ngone; i++)
		err = unlink_in(&c, gone[i]);
done:
	cairn_buf_release(&text);
	release(&c);
	return err;
}

/* Let a writer open recover the WAL tail and the data file past it. */
static void
recover(const char *root)
{
	struct cairn_repo *r;

	if (cairn_repo_open(&r, root, 0) != NULL)
		return;
	if (cairn_batch_begin(r) == NULL)
		(void)cairn_batch_commit(r);
	cairn_repo_close(r);
}

static int
has_kind(const struct finding *f, size_t n, const char *kind)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(f[i].kind, kind) == 0)
			return 1;
	return 0;
}

/* Is any finding of kind not repairable by a writer's recovery? */
static int
wal_broken(const struct finding *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(f[i].kind, "wal") == 0 && f[i].f.error)
			return 1;
	return 0;
}

/*
 * Repair under the writer lock, from a check made under it too: what
 * the first, unlocked check saw may have been a flush or gc at work.
 */
static const struct cairn_error *
repair(struct fsck *c, const struct finding *f, size_t n,
    struct cairn_fsck_result *scratch)
{
	const struct cairn_error *err = NULL;
	struct finding *g;
	struct fsck now;
	size_t m;
	int fd;

	/* Nothing is written to a repository another user owns. */
	if ((err = cairn_file_check_owner(c->root)) != NULL)
		return err;
	if (c->have_man && !wal_broken(f, n) &&
	    (has_kind(f, n, "wal") || has_kind(f, n, "data")))
		recover(c->root);
	if ((err = writer_lock(c, &fd)) != NULL)
		return err;
	pass_init(&now, c->root, c->flags, scratch);
	if ((err = run_pass(&now)) == NULL) {
		g = (struct finding *)now.findings.data;
		m = now.findings.len / sizeof(*g);
		err = remove_garbage(&now, g, m);
		if (wal_broken(g, m))
			now.have_man = 0;	/* rebuild with a fresh WAL */
		if (err == NULL && (has_kind(g, m, "index") ||
		    has_kind(g, m, "bloom") || has_kind(g, m, "manifest") ||
		    wal_broken(g, m)))
			err = rebuild(&now, scratch);
		else
			m = 0;	/* nothing rebuilt: nothing new to clean */
		release(&now);
		/*
		 * A rebuild names a new generation, which may turn files an
		 * interrupted repair left (a WAL the old manifest did not
		 * name) into strays: remove them too, so one repair is enough.
		 */
		if (err == NULL && m > 0) {
			pass_init(&now, c->root, c->flags, scratch);
			if ((err = run_pass(&now)) == NULL) {
				g = (struct finding *)now.findings.data;
				err = remove_garbage(&now, g,
				    now.findings.len / sizeof(*g));
			}
			release(&now);
		}
	} else
		release(&now);
	close(fd);
	return err;
}

/* Reporting. */

static int
same_finding(const struct finding *a, const struct finding *b)
{
	return strcmp(a->kind, b->kind) == 0 &&
	    strcmp(a->subject, b->subject) == 0 &&
	    strcmp(a->message, b->message) == 0;
}

static void
report_all(struct finding *f, size_t n, const struct finding *left,
    size_t nleft, int repairing, struct cairn_fsck_result *res,
    void (*report)(void *, const struct cairn_finding *), void *arg)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		f[i].f.kind = f[i].kind;
		f[i].f.subject = f[i].subject;
		f[i].f.message = f[i].message;
		if (repairing) {
			f[i].f.repaired = 1;
			for (j = 0; j < nleft; j++)
				if (same_finding(&f[i], &left[j]))
					f[i].f.repaired = 0;
		}
		if (f[i].f.repaired)
			res->repaired++;
		else if (f[i].f.error)
			res->errors++;
		else
			res->warnings++;
		if (report != NULL)
			report(arg, &f[i].f);
	}
}

const struct cairn_error *
cairn_fsck(const char *path, unsigned flags,
    void (*report)(void *arg, const struct cairn_finding *f),
    void (*progress)(void *arg, uint64_t records, uint64_t bytes),
    void *arg, struct cairn_fsck_result *res)
{
	const struct cairn_error *err;
	struct cairn_fsck_result scratch;
	struct fsck c, after;
	struct finding *f, *left;
	size_t n, nleft, i;

	memset(res, 0, sizeof(*res));
	pass_init(&c, path, flags, res);
	c.progress = progress;
	c.arg = arg;
	if ((err = run_pass(&c)) != NULL) {
		release(&c);
		return err;
	}
	f = (struct finding *)c.findings.data;
	n = c.findings.len / sizeof(*f);
	if (!(flags & CAIRN_FSCK_REPAIR) || n == 0) {
		report_all(f, n, NULL, 0, 0, res, report, arg);
		release(&c);
		return NULL;
	}
	memset(&scratch, 0, sizeof(scratch));
	err = repair(&c, f, n, &scratch);
	pass_init(&after, path, flags, &scratch);
	if (err == NULL)
		err = run_pass(&after);
	left = (struct finding *)after.findings.data;
	nleft = after.findings.len / sizeof(*left);
	if (err == NULL) {
		report_all(f, n, left, nleft, 1, res, report, arg);
		/* What the repair uncovered (or left) that was not seen before. */
		for (i = 0; i < nleft; i++) {
			size_t j;
			int seen = 0;

			for (j = 0; j < n; j++)
				seen |= same_finding(&left[i], &f[j]);
			if (!seen)
				report_all(&left[i], 1, left, nleft, 0, res,
				    report, arg);
		}
	}
	release(&after);
	release(&c);
	return err;
}
