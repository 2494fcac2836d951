/*
 * zip.c: zlib-format deflate and inflate.  Inflation never trusts a size the
 * input claims: output goes into a buffer of the declared size or through a
 * fixed chunk to a sink, and any excess, shortfall or trailing byte is an
 * error.
 *
 * Whole buffers are coded by libdeflate, which reads and writes the same
 * zlib format about twice as fast as zlib; the streaming coders (objects
 * too large for one buffer) are zlib's.  A stream libdeflate refuses is
 * inflated again by zlib, which names what is wrong with it (and has the
 * last word, so nothing zlib reads is refused).
 */
#include <assert.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST
#include <libdeflate.h>
#include <zlib.h>

#include "zip.h"

#define ZIP_CHUNK	(64 * 1024)	/* output handed to a sink at a time */
#define ZIP_PIECE	(1u << 30)	/* bytes given to zlib per call (uInt) */

/* What a streaming coder's z pointer points at. */
struct zstate {
	z_stream z;
	int done;			/* deflate: stream finished */
	int failed;			/* inflate: an error was returned */
	unsigned char chunk[ZIP_CHUNK];
};

/* The caller's input, handed to zlib in uInt-sized pieces. */
struct zin {
	const unsigned char *p;
	size_t left;
};

/* Give zlib the next piece of input once it has used up the last one. */
static void
refill(z_stream *z, struct zin *in)
{
	uInt n;

	if (z->avail_in != 0 || in->left == 0)
		return;
	n = in->left > ZIP_PIECE ? ZIP_PIECE : (uInt)in->left;
	z->next_in = in->p;
	z->avail_in = n;
	in->p += n;
	in->left -= n;
}

static int
input_done(const z_stream *z, const struct zin *in)
{
	return z->avail_in == 0 && in->left == 0;
}

/* The error for zlib's return r while inflating. */
static const struct cairn_error *
inflate_error(int r, const z_stream *z)
{
	if (r == Z_MEM_ERROR)
		return cairn_error_nomem();
	if (r == Z_NEED_DICT)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "compressed data is corrupt: needs a preset dictionary");
	if (z->msg != NULL)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "compressed data is corrupt: %s", z->msg);
	return cairn_error_new(CAIRN_ERR_CORRUPT,
	    "compressed data is corrupt (zlib error %d)", r);
}

static const struct cairn_error *
truncated_error(void)
{
	return cairn_error_new(CAIRN_ERR_CORRUPT,
	    "compressed data is truncated");
}

static const struct cairn_error *
trailing_error(void)
{
	return cairn_error_new(CAIRN_ERR_CORRUPT,
	    "trailing garbage after the compressed data");
}

static const struct cairn_error *
excess_error(uint64_t declared)
{
	return cairn_error_new(CAIRN_ERR_CORRUPT,
	    "inflated size exceeds the declared size of %" PRIu64 " bytes",
	    declared);
}

static const struct cairn_error *
short_error(uint64_t got, uint64_t declared)
{
	return cairn_error_new(CAIRN_ERR_CORRUPT,
	    "inflated size %" PRIu64 " differs from the declared size %" PRIu64,
	    got, declared);
}

static const struct cairn_error *
check_level(int level)
{
	if (level < 0 || level > 9)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "invalid compression level %d (expected 0-9)", level);
	return NULL;
}

/*
 * The coders of whole buffers, one of each per thread: allocating
 * libdeflate's state costs more than coding a small object.  A thread's
 * coders are freed when it exits.
 */
struct coders {
	struct libdeflate_compressor *comp;
	int level;			/* comp's level */
	struct libdeflate_decompressor *decomp;
	z_stream *z;			/* zlib's, for refused streams */
};

static pthread_key_t coders_key;
static pthread_once_t coders_once = PTHREAD_ONCE_INIT;
static int coders_key_ok;

static void
coders_free(void *p)
{
	struct coders *c = p;

	libdeflate_free_compressor(c->comp);
	libdeflate_free_decompressor(c->decomp);
	if (c->z != NULL) {
		inflateEnd(c->z);
		free(c->z);
	}
	free(c);
}

static void
coders_key_init(void)
{
	coders_key_ok = pthread_key_create(&coders_key, coders_free) == 0;
}

/* This thread's coders; NULL if out of memory. */
static struct coders *
thread_coders(void)
{
	struct coders *c;

	pthread_once(&coders_once, coders_key_init);
	if (!coders_key_ok)
		return NULL;
	if ((c = pthread_getspecific(coders_key)) != NULL)
		return c;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (pthread_setspecific(coders_key, c) != 0) {
		free(c);
		return NULL;
	}
	return c;
}

const struct cairn_error *
cairn_zip_deflate(struct cairn_buf *out, const void *in, size_t len,
    int level)
{
	const struct cairn_error *err;
	struct coders *c;
	size_t bound, n;

	if ((err = check_level(level)) != NULL)
		return err;
	if ((c = thread_coders()) == NULL)
		return cairn_error_nomem();
	if (c->comp == NULL || c->level != level) {
		libdeflate_free_compressor(c->comp);
		if ((c->comp = libdeflate_alloc_compressor(level)) == NULL)
			return cairn_error_nomem();
		c->level = level;
	}
	bound = libdeflate_zlib_compress_bound(c->comp, len);
	if (bound < len || (err = cairn_buf_grow(out, bound)) != NULL)
		return cairn_error_nomem();
	n = libdeflate_zlib_compress(c->comp, in, len, out->data + out->len,
	    bound);
	if (n == 0)		/* the bound is always enough */
		return cairn_error_new(CAIRN_ERR_IO,
		    "libdeflate: compression failed");
	out->len += n;
	return NULL;
}

/*
 * One inflate call into out[*produced..outlen).  Once out is full, zlib gets
 * a single spill byte instead, so that a stream that has nothing more to
 * produce can still reach its end; a byte landing there sets *excess.
 */
static int
inflate_into(z_stream *z, unsigned char *out, size_t outlen,
    size_t *produced, int *excess)
{
	unsigned char spill;
	size_t room;
	int r;

	room = outlen - *produced;
	if (room > ZIP_PIECE)
		room = ZIP_PIECE;
	z->next_out = room > 0 ? out + *produced : &spill;
	z->avail_out = room > 0 ? (uInt)room : 1;
	r = inflate(z, Z_NO_FLUSH);
	if (room == 0)
		*excess = z->avail_out == 0;
	else
		*produced += room - z->avail_out;
	z->next_out = NULL;
	z->avail_out = 0;
	return r;
}

/*
 * zlib's inflater of whole buffers, kept in the thread's coders and reset
 * for each use (inflateInit per stream would cost as much as inflating).
 */
static z_stream *
cached_inflater(struct coders *c, const struct cairn_error **err)
{
	z_stream *z;
	int r;

	if ((z = c->z) != NULL) {
		if ((r = inflateReset(z)) == Z_OK) {
			/* Reset keeps the buffers of the last, maybe failed, use. */
			z->next_in = Z_NULL;
			z->avail_in = 0;
			z->next_out = Z_NULL;
			z->avail_out = 0;
			return z;
		}
		*err = inflate_error(r, z);
		return NULL;
	}
	if ((z = calloc(1, sizeof(*z))) == NULL) {
		*err = cairn_error_nomem();
		return NULL;
	}
	if ((r = inflateInit(z)) != Z_OK) {
		*err = inflate_error(r, z);
		free(z);
		return NULL;
	}
	c->z = z;
	return z;
}

/*
 * Inflate a whole buffer with zlib: the judge of a stream libdeflate
 * refused, with zlib's words for what is wrong.
 */
static const struct cairn_error *
zlib_inflate(struct coders *c, void *out, size_t outlen, const void *in,
    size_t inlen)
{
	const struct cairn_error *err = NULL;
	struct zin src = { in, inlen };
	z_stream *zp;
	size_t produced = 0;
	int r, excess = 0;

	if ((zp = cached_inflater(c, &err)) == NULL)
		return err;
#define z (*zp)
	for (;;) {
		refill(&z, &src);
		r = inflate_into(&z, out, outlen, &produced, &excess);
		if (excess) {
			err = excess_error(outlen);
			goto done;
		}
		if (r == Z_STREAM_END)
			break;
		if (r == Z_BUF_ERROR && input_done(&z, &src)) {
			err = truncated_error();
			goto done;
		}
		if (r != Z_OK) {
			err = inflate_error(r, &z);
			goto done;
		}
	}
	if (!input_done(&z, &src))
		err = trailing_error();
	else if (produced != outlen)
		err = short_error(produced, outlen);
done:
#undef z
	return err;
}

const struct cairn_error *
cairn_zip_inflate(void *out, size_t outlen, const void *in, size_t inlen)
{
	struct coders *c;
	size_t used;

	if ((c = thread_coders()) == NULL)
		return cairn_error_nomem();
	if (c->decomp == NULL &&
	    (c->decomp = libdeflate_alloc_decompressor()) == NULL)
		return cairn_error_nomem();
	/* Without an actual size, libdeflate must fill out exactly. */
	if (libdeflate_zlib_decompress_ex(c->decomp, in, inlen, out, outlen,
	    &used, NULL) == LIBDEFLATE_SUCCESS && used == inlen)
		return NULL;
	return zlib_inflate(c, out, outlen, in, inlen);
}

const struct cairn_error *
cairn_deflater_init(struct cairn_deflater *d, int level)
{
	const struct cairn_error *err;
	struct zstate *s;
	int r;

	d->z = NULL;
	if ((err = check_level(level)) != NULL)
		return err;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return cairn_error_nomem();
	if ((r = deflateInit(&s->z, level)) != Z_OK) {
		free(s);
		if (r == Z_MEM_ERROR)
			return cairn_error_nomem();
		return cairn_error_new(CAIRN_ERR_IO,
		    "zlib: cannot initialise deflate (error %d)", r);
	}
	d->z = s;
	return NULL;
}

/* Hand what zlib wrote into the chunk to the sink. */
static const struct cairn_error *
drain(struct zstate *s, cairn_zip_sink sink, void *arg)
{
	size_t n;

	n = ZIP_CHUNK - s->z.avail_out;
	if (n == 0)
		return NULL;
	return sink(arg, s->chunk, n);
}

const struct cairn_error *
cairn_deflater_feed(struct cairn_deflater *d, const void *in, size_t len,
    int finish, cairn_zip_sink sink, void *arg)
{
	const struct cairn_error *err;
	struct zstate *s = d->z;
	struct zin src = { in, len };
	int r;

	assert(s != NULL && !s->done);
	for (;;) {
		refill(&s->z, &src);
		s->z.next_out = s->chunk;
		s->z.avail_out = ZIP_CHUNK;
		r = deflate(&s->z, finish && src.left == 0 ?
		    Z_FINISH : Z_NO_FLUSH);
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
			return cairn_error_new(CAIRN_ERR_IO,
			    "zlib: deflate failed (error %d)", r);
		if ((err = drain(s, sink, arg)) != NULL)
			return err;
		if (r == Z_STREAM_END) {
			s->done = 1;
			return NULL;
		}
		/* Output space left over means zlib wants more input. */
		if (!finish && input_done(&s->z, &src) && s->z.avail_out != 0)
			return NULL;
		if (r == Z_BUF_ERROR)	/* no progress: cannot happen */
			return cairn_error_new(CAIRN_ERR_IO,
			    "zlib: deflate made no progress");
	}
}

void
cairn_deflater_release(struct cairn_deflater *d)
{
	struct zstate *s = d->z;

	if (s == NULL)
		return;
	deflateEnd(&s->z);
	free(s);
	d->z = NULL;
}

const struct cairn_error *
cairn_inflater_init(struct cairn_inflater *i, uint64_t expect)
{
	struct zstate *s;
	int r;

	memset(i, 0, sizeof(*i));
	i->expect = expect;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return cairn_error_nomem();
	if ((r = inflateInit(&s->z)) != Z_OK) {
		free(s);
		if (r == Z_MEM_ERROR)
			return cairn_error_nomem();
		return cairn_error_new(CAIRN_ERR_IO,
		    "zlib: cannot initialise inflate (error %d)", r);
	}
	i->z = s;
	return NULL;
}

/* Pass the chunk to the sink, never letting the total pass expect. */
static const struct cairn_error *
inflater_drain(struct cairn_inflater *i, cairn_zip_sink sink, void *arg)
{
	struct zstate *s = i->z;
	size_t n;

	n = ZIP_CHUNK - s->z.avail_out;
	if (n == 0)
		return NULL;
	if (n > i->expect - i->produced)
		return excess_error(i->expect);
	i->produced += n;
	return sink(arg, s->chunk, n);
}

/* The loop of cairn_inflater_feed; an error here poisons the inflater. */
static const struct cairn_error *
inflater_run(struct cairn_inflater *i, struct zin *src, cairn_zip_sink sink,
    void *arg)
{
	const struct cairn_error *err;
	struct zstate *s = i->z;
	int r;

	for (;;) {
		refill(&s->z, src);
		s->z.next_out = s->chunk;
		s->z.avail_out = ZIP_CHUNK;
		r = inflate(&s->z, Z_NO_FLUSH);
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
			return inflate_error(r, &s->z);
		if ((err = inflater_drain(i, sink, arg)) != NULL)
			return err;
		if (r == Z_STREAM_END) {
			i->ended = 1;
			return input_done(&s->z, src) ? NULL : trailing_error();
		}
		/*
		 * Output space left over means zlib wants more input; a
		 * Z_BUF_ERROR (no progress) with a whole chunk free is the
		 * same.
		 */
		if (input_done(&s->z, src) && s->z.avail_out != 0)
			return NULL;
	}
}

const struct cairn_error *
cairn_inflater_feed(struct cairn_inflater *i, const void *in, size_t len,
    cairn_zip_sink sink, void *arg)
{
	const struct cairn_error *err;
	struct zstate *s = i->z;
	struct zin src = { in, len };

	assert(s != NULL);
	if (s->failed)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "compressed stream fed after an error");
	if (i->ended)
		err = len == 0 ? NULL : trailing_error();
	else
		err = inflater_run(i, &src, sink, arg);
	if (err != NULL)
		s->failed = 1;
	return err;
}

const struct cairn_error *
cairn_inflater_finish(struct cairn_inflater *i)
{
	struct zstate *s = i->z;

	assert(s != NULL);
	if (s->failed)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "compressed stream finished after an error");
	if (!i->ended)
		return truncated_error();
	if (i->produced != i->expect)
		return short_error(i->produced, i->expect);
	return NULL;
}

void
cairn_inflater_release(struct cairn_inflater *i)
{
	struct zstate *s = i->z;

	if (s == NULL)
		return;
	inflateEnd(&s->z);
	free(s);
	i->z = NULL;
}

uint32_t
cairn_crc32(uint32_t crc, const void *data, size_t len)
{
	return libdeflate_crc32(crc, data, len);
}
