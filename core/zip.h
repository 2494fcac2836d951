/*
 * zip.h: zlib deflate and inflate with limits.
 *
 * Inflation is always bounded by a size declared in advance: a stream that
 * would produce more, or that ends before producing that many bytes, is an
 * error (CAIRN_ERR_CORRUPT), never an allocation of what the input claims.
 */
#ifndef CAIRN_ZIP_H
#define CAIRN_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

/*
 * cairn_zip_deflate(out, in, len, level):
 * Append the zlib stream of in[0..len) at level (1-9) to out.
 */
const struct cairn_error *cairn_zip_deflate(struct cairn_buf *out,
    const void *in, size_t len, int level);

/*
 * cairn_zip_inflate(out, outlen, in, inlen):
 * Inflate the zlib stream in[0..inlen) into out, which holds outlen bytes.
 * Succeeds only if the stream is valid, ends exactly at inlen, and
 * produces exactly outlen bytes.  CAIRN_ERR_CORRUPT otherwise.
 */
const struct cairn_error *cairn_zip_inflate(void *out, size_t outlen,
    const void *in, size_t inlen);

/* Receives output of the streaming coders; an error stops the coder. */
typedef const struct cairn_error *(*cairn_zip_sink)(void *arg,
    const void *data, size_t len);

/* Streaming deflate.  A zeroed struct may be released. */
struct cairn_deflater {
	void *z;		/* z_stream */
};

const struct cairn_error *cairn_deflater_init(struct cairn_deflater *d,
    int level);
/* Compress len bytes; with finish set, also end the stream. */
const struct cairn_error *cairn_deflater_feed(struct cairn_deflater *d,
    const void *in, size_t len, int finish, cairn_zip_sink sink, void *arg);
void cairn_deflater_release(struct cairn_deflater *d);

/* Streaming inflate bounded by expect bytes.  A zeroed struct may be released. */
struct cairn_inflater {
	void *z;		/* z_stream */
	uint64_t expect;	/* bytes the stream must produce */
	uint64_t produced;	/* bytes produced so far */
	int ended;		/* the stream's end was seen */
};

const struct cairn_error *cairn_inflater_init(struct cairn_inflater *i,
    uint64_t expect);
/*
 * Feed len bytes of the stream; output goes to sink.  Producing more than
 * expect, input after the stream's end, or a zlib error: CAIRN_ERR_CORRUPT.
 */
const struct cairn_error *cairn_inflater_feed(struct cairn_inflater *i,
    const void *in, size_t len, cairn_zip_sink sink, void *arg);
/* CAIRN_ERR_CORRUPT unless the stream ended having produced exactly expect. */
const struct cairn_error *cairn_inflater_finish(struct cairn_inflater *i);
void cairn_inflater_release(struct cairn_inflater *i);

/* CRC-32 (zlib's polynomial) of len bytes, continuing from crc (0 to start). */
uint32_t cairn_crc32(uint32_t crc, const void *data, size_t len);

#endif
