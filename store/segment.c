/*
 * segment.c: writing, mapping and searching index segments (format in
 * segment.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "bloom.h"
#include "buf.h"
#include "encode.h"
#include "file.h"
#include "segment.h"

#define SEG_MAGIC "CAIRNIDX"

static const struct cairn_error *
seg_corrupt(const struct cairn_segment *seg, const char *what)
{
	return cairn_error_new(CAIRN_ERR_CORRUPT, "index segment '%s': %s",
	    seg->path, what);
}

/*
 * Check a segment's header p against the file's size, before it is
 * mapped: a size the header does not account for is never read (over
 * HTTP a server says what the size is).
 */
static const struct cairn_error *
seg_header(struct cairn_segment *seg, const unsigned char *p, uint64_t size)
{
	uint64_t n, b, want;

	if (size < CAIRN_SEG_HDR_SIZE + CAIRN_SEG_FANOUT_SIZE +
	    CAIRN_SEG_TRAILER_SIZE || memcmp(p, SEG_MAGIC, 8) != 0)
		return seg_corrupt(seg, "bad header");
	if (cairn_get_be32(p + 8) != 1 || cairn_get_be32(p + 12) != seg->idlen)
		return seg_corrupt(seg, "unsupported version or id length");
	n = cairn_get_be64(p + 16);
	b = cairn_get_be64(p + 24);
	if (n >= UINT32_MAX || b == 0 || b % CAIRN_BLOOM_BLOCK != 0 ||
	    b > size)
		return seg_corrupt(seg, "bad entry count or bloom size");
	want = CAIRN_SEG_HDR_SIZE + CAIRN_SEG_FANOUT_SIZE +
	    n * (seg->idlen + 8) + b + CAIRN_SEG_TRAILER_SIZE;
	if (want != size)
		return seg_corrupt(seg, "size does not match its header");
	return NULL;
}

/* Check the header and the fan-out of a freshly mapped segment. */
static const struct cairn_error *
seg_check(struct cairn_segment *seg)
{
	const struct cairn_error *err;
	const unsigned char *p = seg->map;
	uint64_t n, b;
	uint32_t prev = 0, f;
	int i;

	if ((err = seg_header(seg, p, seg->map_len)) != NULL)
		return err;
	n = cairn_get_be64(p + 16);
	b = cairn_get_be64(p + 24);
	seg->count = n;
	seg->fanout = p + CAIRN_SEG_HDR_SIZE;
	for (i = 0; i < 256; i++) {
		f = cairn_get_be32(seg->fanout + 4 * i);
		if (f < prev)
			return seg_corrupt(seg, "fan-out is not monotonic");
		prev = f;
	}
	if (prev != n)
		return seg_corrupt(seg, "fan-out does not end at the count");
	seg->entries = seg->fanout + CAIRN_SEG_FANOUT_SIZE;
	seg->bloom = seg->entries + n * (seg->idlen + 8);
	seg->bloom_size = (size_t)b;
	return NULL;
}

const struct cairn_error *
cairn_segment_open(struct cairn_segment *seg, struct cairn_vfs *vfs,
    const char *path, size_t idlen)
{
	const struct cairn_error *err;
	unsigned char hdr[CAIRN_SEG_HDR_SIZE];
	struct stat st;
	uint64_t size = 0;
	int fd;

	memset(seg, 0, sizeof(*seg));
	seg->vfs = vfs;
	seg->idlen = idlen;
	if ((seg->path = strdup(path)) == NULL)
		return cairn_error_nomem();
	/* Never follow a link, never wait on a FIFO: a regular file only. */
	fd = vfs->open(vfs, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
	if (fd == -1) {
		err = errno == ENOENT ?
		    cairn_error_new(CAIRN_ERR_NOT_FOUND,
			"index segment '%s' does not exist", path) :
		    cairn_file_open_error(errno, path);
		goto done;
	}
	if (vfs->fstat(vfs, fd, &st) != 0)
		err = cairn_error_sys(errno, "stat '%s'", path);
	else if (!S_ISREG(st.st_mode))
		err = cairn_file_open_error(S_ISDIR(st.st_mode) ? EISDIR :
		    ENXIO, path);
	else
		err = cairn_file_size(vfs, fd, path, &size);
	if (err == NULL && size < CAIRN_SEG_HDR_SIZE)
		err = seg_corrupt(seg, "truncated");
	if (err == NULL && (err = cairn_file_pread(vfs, fd, hdr, sizeof(hdr),
	    0, path)) == NULL)
		err = seg_header(seg, hdr, size);
	if (err == NULL) {
		seg->map_len = (size_t)size;
		seg->map = vfs->mmap(vfs, fd, seg->map_len);
		if (seg->map == NULL)
			err = cairn_error_sys(errno, "map '%s'", path);
	}
	vfs->close(vfs, fd);
	if (err == NULL)
		err = seg_check(seg);
done:
	if (err != NULL)
		cairn_segment_close(seg);
	return err;
}

const struct cairn_error *
cairn_segment_load(struct cairn_segment *seg, const char *name,
    const unsigned char *data, size_t len, size_t idlen)
{
	const struct cairn_error *err;

	memset(seg, 0, sizeof(*seg));
	seg->idlen = idlen;
	if ((seg->path = strdup(name)) == NULL)
		return cairn_error_nomem();
	seg->map = data;
	seg->map_len = len;
	if (len < CAIRN_SEG_HDR_SIZE)
		err = seg_corrupt(seg, "truncated");
	else if ((err = seg_header(seg, data, len)) == NULL)
		err = seg_check(seg);
	if (err != NULL) {
		seg->map = NULL;
		cairn_segment_close(seg);
	}
	return err;
}

void
cairn_segment_close(struct cairn_segment *seg)
{
	if (seg->map != NULL && seg->vfs != NULL)
		seg->vfs->munmap(seg->vfs, (void *)seg->map, seg->map_len);
	free(seg->path);
	memset(seg, 0, sizeof(*seg));
}

void
cairn_segment_entry(const struct cairn_segment *seg, uint64_t i,
    struct cairn_seg_entry *out)
{
	const unsigned char *e = seg->entries + i * (seg->idlen + 8);

	memset(out->id, 0, sizeof(out->id));
	memcpy(out->id, e, seg->idlen);
	out->off = cairn_get_be64(e + seg->idlen);
}

/* Does entry i sort before key[0..klen)? */
static int
before(const struct cairn_segment *seg, uint64_t i, const unsigned char *key,
    size_t klen)
{
	return memcmp(seg->entries + i * (seg->idlen + 8), key, klen) < 0;
}

/*
 * Where key would be among the n entries of a fan-out bucket starting at
 * lo, if ids were spread evenly: ids are hashes, so the bytes after the
 * first are uniform, and the guess is off by about the square root of n.
 */
static uint64_t
guess(uint64_t lo, uint64_t n, const unsigned char *key, size_t klen)
{
	uint64_t k = 0, g;
	size_t j;

	for (j = 1; j < 8; j++)
		k = k << 8 | (j < klen ? key[j] : 0);
	g = (uint64_t)((double)k / 72057594037927936.0 * (double)n);
	return lo + (g < n ? g : n - 1);
}

/*
 * The bucket's bounds [lo, hi) narrowed around the guess g: the answer
 * lies at or above the new lo and at or below the new hi, found by steps
 * that double (a few probes, all near g, where a bisection of the whole
 * bucket would touch a cache line per step).
 */
static void
narrow(const struct cairn_segment *seg, const unsigned char *key, size_t klen,
    uint64_t g, uint64_t *lo, uint64_t *hi)
{
	uint64_t a, b, step = 1;

	if (before(seg, g, key, klen)) {
		for (a = g + 1; a + step < *hi; step *= 2) {
			if (!before(seg, a + step, key, klen)) {
				*hi = a + step;
				break;
			}
			a += step + 1;
		}
		*lo = a;
		return;
	}
	for (b = g; b >= *lo + step; step *= 2) {
		if (before(seg, b - step, key, klen)) {
			*lo = b - step + 1;
			break;
		}
		b -= step;
	}
	*hi = b;
}

uint64_t
cairn_segment_lower_bound(const struct cairn_segment *seg,
    const unsigned char *key, size_t klen)
{
	uint64_t lo, hi, mid;

	lo = key[0] == 0 ? 0 : cairn_get_be32(seg->fanout + 4 * (key[0] - 1));
	hi = cairn_get_be32(seg->fanout + 4 * key[0]);
	if (hi > lo + 16 && klen > 1)
		narrow(seg, key, klen, guess(lo, hi - lo, key, klen), &lo, &hi);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (before(seg, mid, key, klen))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
cairn_segment_find(const struct cairn_segment *seg, const unsigned char *id,
    uint64_t *off, int *bloom_neg)
{
	const unsigned char *e;
	uint64_t i;

	*bloom_neg = 0;
	if (!cairn_bloom_test(seg->bloom, seg->bloom_size, id)) {
		*bloom_neg = 1;
		return 0;
	}
	i = cairn_segment_lower_bound(seg, id, seg->idlen);
	if (i >= seg->count)
		return 0;
	e = seg->entries + i * (seg->idlen + 8);
	if (memcmp(e, id, seg->idlen) != 0)
		return 0;
	*off = cairn_get_be64(e + seg->idlen);
	return 1;
}

/* Writing. */

struct seg_writer {
	struct cairn_wbuf w;
	struct cairn_hasher h;
};

static const struct cairn_error *
sw_put(struct seg_writer *sw, const void *data, size_t len)
{
	const struct cairn_error *err;

	if ((err = cairn_hasher_update(&sw->h, data, len)) != NULL)
		return err;
	return cairn_wbuf_put(&sw->w, data, len);
}

/*
 * Pull the entries once: entries go to the file while the fan-out and the
 * bloom are built in memory (both small); the header and fan-out are
 * written at the end, and the checksum over them is computed from a second
 * read, so the entries never need to be held in memory.
 */
static const struct cairn_error *
seg_emit(struct seg_writer *sw, size_t idlen, uint64_t count,
    cairn_seg_next next, void *arg, uint32_t *fan, unsigned char *bloom,
    size_t bsize)
{
	const struct cairn_error *err;
	struct cairn_seg_entry e;
	unsigned char prev[CAIRN_OID_MAX], off[8];
	uint64_t i;
	int f;

	for (i = 0; i < count; i++) {
		if (!next(arg, &e))
			return cairn_error_new(CAIRN_ERR_CORRUPT,
			    "index segment: fewer entries than announced");
		if (i > 0 && memcmp(prev, e.id, idlen) >= 0)
			return cairn_error_new(CAIRN_ERR_CORRUPT,
			    "index segment: entries out of order");
		memcpy(prev, e.id, idlen);
		for (f = e.id[0]; f < 256; f++)
			fan[f]++;
		cairn_bloom_add(bloom, bsize, e.id);
		cairn_put_be64(off, e.off);
		if ((err = cairn_wbuf_put(&sw->w, e.id, idlen)) != NULL ||
		    (err = cairn_wbuf_put(&sw->w, off, 8)) != NULL)
			return err;
	}
	return NULL;
}

/* Hash the header, fan-out, then re-read the entries back for the hash. */
static const struct cairn_error *
seg_finish(struct seg_writer *sw, const unsigned char *head, size_t headlen,
    uint64_t entbytes, const unsigned char *bloom, size_t bsize)
{
	const struct cairn_error *err;
	unsigned char chunk[1 << 16];
	struct cairn_oid sum;
	uint64_t off = headlen;
	size_t n;

	if ((err = cairn_wbuf_flush(&sw->w)) != NULL)
		return err;
	if ((err = cairn_hasher_update(&sw->h, head, headlen)) != NULL)
		return err;
	while (entbytes > 0) {
		n = entbytes < sizeof(chunk) ? (size_t)entbytes : sizeof(chunk);
		err = cairn_file_pread(sw->w.vfs, sw->w.fd, chunk, n, off,
		    sw->w.path);
		if (err == NULL)
			err = cairn_hasher_update(&sw->h, chunk, n);
		if (err != NULL)
			return err;
		off += n;
		entbytes -= n;
	}
	if ((err = sw_put(sw, bloom, bsize)) != NULL ||
	    (err = cairn_hasher_final(&sw->h, &sum)) != NULL ||
	    (err = cairn_wbuf_put(&sw->w, sum.hash, 32)) != NULL ||
	    (err = cairn_wbuf_flush(&sw->w)) != NULL)
		return err;
	return cairn_file_pwrite(sw->w.vfs, sw->w.fd, head, headlen, 0,
	    sw->w.path);
}

const struct cairn_error *
cairn_segment_write(struct cairn_vfs *vfs, const char *tmpdir,
    const char *path, size_t idlen, uint64_t count, cairn_seg_next next,
    void *arg)
{
	const struct cairn_error *err;
	struct cairn_buf tmp = { 0 };
	struct seg_writer *sw = NULL;
	unsigned char head[CAIRN_SEG_HDR_SIZE + CAIRN_SEG_FANOUT_SIZE];
	unsigned char *bloom = NULL;
	uint32_t fan[256] = { 0 };
	size_t bsize = cairn_bloom_size(count);
	int fd = -1, i;

	if (count >= UINT32_MAX)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "index segment too large");
	if ((sw = calloc(1, sizeof(*sw))) == NULL ||
	    (bloom = calloc(1, bsize)) == NULL) {
		err = cairn_error_nomem();
		goto done;
	}
	if ((err = cairn_file_tmp(vfs, tmpdir, &tmp, &fd)) != NULL)
		goto done;
	cairn_wbuf_init(&sw->w, vfs, fd, (char *)tmp.data, sizeof(head));
	if ((err = cairn_hasher_init(&sw->h, CAIRN_HASH_SHA256)) != NULL)
		goto fail;
	err = seg_emit(sw, idlen, count, next, arg, fan, bloom, bsize);
	if (err != NULL)
		goto fail;
	memset(head, 0, sizeof(head));
	memcpy(head, SEG_MAGIC, 8);
	cairn_put_be32(head + 8, 1);
	cairn_put_be32(head + 12, (uint32_t)idlen);
	cairn_put_be64(head + 16, count);
	cairn_put_be64(head + 24, bsize);
	for (i = 0; i < 256; i++)
		cairn_put_be32(head + CAIRN_SEG_HDR_SIZE + 4 * i, fan[i]);
	err = seg_finish(sw, head, sizeof(head), count * (idlen + 8), bloom,
	    bsize);
	if (err != NULL)
		goto fail;
	err = cairn_file_commit_tmp(vfs, fd, (char *)tmp.data, path);
	fd = -1;
	goto done;
fail:
	vfs->close(vfs, fd);
	vfs->unlink(vfs, (char *)tmp.data);
done:
	if (sw != NULL)
		cairn_hasher_release(&sw->h);
	free(sw);
	free(bloom);
	cairn_buf_release(&tmp);
	return err;
}

const struct cairn_error *
cairn_segment_encode(struct cairn_buf *out, size_t idlen, uint64_t count,
    cairn_seg_next next, void *arg)
{
	const struct cairn_error *err;
	struct cairn_seg_entry e;
	struct cairn_oid sum;
	unsigned char *p, *fan, *bloom;
	size_t bsize = cairn_bloom_size(count), start = out->len, at;
	size_t total;
	uint64_t i;
	uint32_t f = 0;
	int b;

	if (count >= UINT32_MAX)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "index segment too large");
	total = CAIRN_SEG_HDR_SIZE + CAIRN_SEG_FANOUT_SIZE +
	    (size_t)count * (idlen + 8) + bsize + CAIRN_SEG_TRAILER_SIZE;
	if ((err = cairn_buf_grow(out, total)) != NULL)
		return err;
	p = out->data + start;
	memset(p, 0, total);
	memcpy(p, SEG_MAGIC, 8);
	cairn_put_be32(p + 8, 1);
	cairn_put_be32(p + 12, (uint32_t)idlen);
	cairn_put_be64(p + 16, count);
	cairn_put_be64(p + 24, bsize);
	fan = p + CAIRN_SEG_HDR_SIZE;
	at = CAIRN_SEG_HDR_SIZE + CAIRN_SEG_FANOUT_SIZE;
	bloom = p + at + (size_t)count * (idlen + 8);
	for (i = 0, b = 0; i < count; i++, at += idlen + 8) {
		if (!next(arg, &e))
			return cairn_error_new(CAIRN_ERR_CORRUPT,
			    "index segment: fewer entries than announced");
		if (i > 0 && memcmp(p + at - idlen - 8, e.id, idlen) >= 0)
			return cairn_error_new(CAIRN_ERR_CORRUPT,
			    "index segment: entries out of order");
		for (; b < e.id[0]; b++)
			cairn_put_be32(fan + 4 * b, f);
		f++;
		memcpy(p + at, e.id, idlen);
		cairn_put_be64(p + at + idlen, e.off);
		cairn_bloom_add(bloom, bsize, e.id);
	}
	for (; b < 256; b++)
		cairn_put_be32(fan + 4 * b, f);
	{
		struct cairn_hasher h = { 0 };

		if ((err = cairn_hasher_init(&h, CAIRN_HASH_SHA256)) == NULL &&
		    (err = cairn_hasher_update(&h, p,
		    total - CAIRN_SEG_TRAILER_SIZE)) == NULL)
			err = cairn_hasher_final(&h, &sum);
		cairn_hasher_release(&h);
		if (err != NULL)
			return err;
	}
	memcpy(p + total - CAIRN_SEG_TRAILER_SIZE, sum.hash, 32);
	out->len = start + total;
	return NULL;
}

const struct cairn_error *
cairn_segment_verify(const struct cairn_segment *seg)
{
	const struct cairn_error *err;
	struct cairn_hasher h = { 0 };
	struct cairn_oid sum;
	size_t body = seg->map_len - CAIRN_SEG_TRAILER_SIZE;

	if ((err = cairn_hasher_init(&h, CAIRN_HASH_SHA256)) == NULL &&
	    (err = cairn_hasher_update(&h, seg->map, body)) == NULL)
		err = cairn_hasher_final(&h, &sum);
	cairn_hasher_release(&h);
	if (err == NULL && memcmp(sum.hash, seg->map + body, 32) != 0)
		err = seg_corrupt(seg, "checksum mismatch");
	return err;
}

static const struct cairn_error *
seg_damaged(const struct cairn_segment *seg)
{
	return cairn_error_new(CAIRN_ERR_CORRUPT, "index segment '%s' is "
	    "damaged (checksum mismatch): run cairn fsck --repair", seg->path);
}

const struct cairn_error *
cairn_segment_check(struct cairn_segment *seg)
{
	const struct cairn_error *err;
	enum cairn_seg_state st;

	/*
	 * The verdict depends on the mapped bytes alone, which never change:
	 * threads that race here reach the same one, so the flag needs no
	 * lock, only atomic access.
	 */
	st = __atomic_load_n(&seg->state, __ATOMIC_ACQUIRE);
	if (st == CAIRN_SEG_INTACT)
		return NULL;
	if (st == CAIRN_SEG_DAMAGED)
		return seg_damaged(seg);
	err = cairn_segment_verify(seg);
	if (err != NULL && err->code != CAIRN_ERR_CORRUPT)
		return err;
	st = err == NULL ? CAIRN_SEG_INTACT : CAIRN_SEG_DAMAGED;
	__atomic_store_n(&seg->state, st, __ATOMIC_RELEASE);
	return err == NULL ? NULL : seg_damaged(seg);
}
