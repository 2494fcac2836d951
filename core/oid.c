/*
 * oid.c: object ids, type names, and hashing of git-style objects with
 * nettle's SHA-1 and SHA-256.
 */
#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "oid.h"

static const char hexdigits[] = "0123456789abcdef";

static const char *const otype_names[] = {
	[CAIRN_OBJ_BLOB] = "blob",
	[CAIRN_OBJ_TREE] = "tree",
	[CAIRN_OBJ_COMMIT] = "commit",
	[CAIRN_OBJ_TAG] = "tag",
};

size_t
cairn_hash_len(enum cairn_hash_algo algo)
{
	switch (algo) {
	case CAIRN_HASH_SHA256:
		return 32;
	case CAIRN_HASH_SHA1:
		return 20;
	default:
		return 0;
	}
}

const char *
cairn_hash_name(enum cairn_hash_algo algo)
{
	switch (algo) {
	case CAIRN_HASH_SHA256:
		return "sha256";
	case CAIRN_HASH_SHA1:
		return "sha1";
	default:
		return NULL;
	}
}

enum cairn_hash_algo
cairn_hash_parse(const char *name)
{
	if (strcmp(name, "sha256") == 0)
		return CAIRN_HASH_SHA256;
	if (strcmp(name, "sha1") == 0)
		return CAIRN_HASH_SHA1;
	return 0;
}

const char *
cairn_otype_name(enum cairn_otype type)
{
	if (type <= CAIRN_OBJ_NONE || type > CAIRN_OBJ_TAG)
		return NULL;
	return otype_names[type];
}

enum cairn_otype
cairn_otype_parse(const char *name, size_t len)
{
	int t;

	for (t = CAIRN_OBJ_BLOB; t <= CAIRN_OBJ_TAG; t++) {
		if (strlen(otype_names[t]) == len &&
		    memcmp(otype_names[t], name, len) == 0)
			return t;
	}
	return CAIRN_OBJ_NONE;
}

/* Each hex digit's value plus one; zero for every other byte. */
static const unsigned char hexval[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

int
cairn_hex_digit(char c)
{
	return (int)hexval[(unsigned char)c] - 1;
}

char *
cairn_oid_fmt(const struct cairn_oid *oid, char *hex)
{
	size_t i;

	assert(oid->len <= CAIRN_OID_MAX);
	for (i = 0; i < oid->len; i++) {
		hex[2 * i] = hexdigits[oid->hash[i] >> 4];
		hex[2 * i + 1] = hexdigits[oid->hash[i] & 0xf];
	}
	hex[2 * i] = '\0';
	return hex;
}

const struct cairn_error *
cairn_oid_parse(enum cairn_hash_algo algo, const char *hex, size_t len, struct cairn_oid *out)
{
	size_t hlen, i;
	unsigned hi, lo;

	hlen = cairn_hash_len(algo);
	if (hlen == 0)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "unknown hash algorithm %d", algo);
	if (len != 2 * hlen)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "malformed %s object id: %zu hex digits, expected %zu",
		    cairn_hash_name(algo), len, 2 * hlen);
	memset(out, 0, sizeof(*out));
	for (i = 0; i < hlen; i++) {
		hi = hexval[(unsigned char)hex[2 * i]];
		lo = hexval[(unsigned char)hex[2 * i + 1]];
		if (hi == 0 || lo == 0)
			return cairn_error_new(CAIRN_ERR_INVALID,
			    "malformed %s object id: not a hex string",
			    cairn_hash_name(algo));
		out->hash[i] = (unsigned char)((hi - 1) << 4 | (lo - 1));
	}
	out->len = (unsigned char)hlen;
	return NULL;
}

int
cairn_hex_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (hexval[(unsigned char)s[i]] == 0)
			return 0;
	return 1;
}

int
cairn_hex_prefix_match(const struct cairn_oid *oid, const char *hex,
    size_t len)
{
	size_t i;
	int v, nib;

	if (len > 2 * (size_t)oid->len)
		return 0;
	for (i = 0; i < len; i++) {
		v = cairn_hex_digit(hex[i]);
		nib = (i % 2 == 0) ? oid->hash[i / 2] >> 4 :
		    oid->hash[i / 2] & 0xf;
		if (v != nib)
			return 0;
	}
	return 1;
}

int
cairn_oid_cmp(const struct cairn_oid *a, const struct cairn_oid *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->hash, b->hash, a->len);
}

int
cairn_oid_eq(const struct cairn_oid *a, const struct cairn_oid *b)
{
	return a->len == b->len && memcmp(a->hash, b->hash, a->len) == 0;
}

void
cairn_oid_set(const unsigned char *raw, size_t len, struct cairn_oid *out)
{
	assert(len <= CAIRN_OID_MAX);
	memset(out, 0, sizeof(*out));
	memcpy(out->hash, raw, len);
	out->len = (unsigned char)len;
}

size_t
cairn_objhdr_fmt(enum cairn_otype type, uint64_t size, char *buf)
{
	const char *name;
	int n;

	name = cairn_otype_name(type);
	assert(name != NULL);
	n = snprintf(buf, CAIRN_OBJHDR_MAX, "%s %" PRIu64, name, size);
	/* The longest, "commit 18446744073709551615", needs 27 + NUL. */
	assert(n > 0 && n < CAIRN_OBJHDR_MAX);
	return (size_t)n + 1;
}

/*
 * The hash state is nettle's: it pads, buffers partial blocks and picks
 * its SHA-NI code for the CPU when the library is loaded.  nettle 3.8
 * compresses one 64-byte block per call, reloading and reshuffling the
 * state each time, which costs about a tenth of the bulk speed; where the
 * CPU has the SHA extensions, runs of whole blocks are compressed here
 * instead, many per call, on the same state (the state words and the
 * block count are the fields nettle declares in its contexts).  Both
 * paths give the same digest; the unit tests check each against the
 * FIPS 180 vectors and git's ids.
 */
union hash_ctx {
	struct sha256_ctx sha256;
	struct sha1_ctx sha1;
};

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CAIRN_SHANI 1
#include <cpuid.h>
#include <immintrin.h>

#define SHANI_TARGET __attribute__((target("sha,sse4.1,ssse3")))

static pthread_once_t shani_once = PTHREAD_ONCE_INIT;
static int shani_ok;

static void
shani_probe(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) ||
	    !(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & bit_SHA))
		return;
	shani_ok = 1;
}

/* Nonzero if this CPU runs the blocks functions below. */
static int
shani(void)
{
	pthread_once(&shani_once, shani_probe);
	return shani_ok;
}

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* Compress n 64-byte blocks at p into the SHA-256 state st (a..h). */
SHANI_TARGET static void
sha256_blocks(uint32_t st[8], const unsigned char *p, size_t n)
{
	const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL,
	    0x0405060700010203ULL);
	__m128i s0, s1, t, m, w[4], save0, save1;
	int i;

	t = _mm_loadu_si128((const __m128i *)&st[0]);		/* dcba */
	s1 = _mm_loadu_si128((const __m128i *)&st[4]);		/* hgfe */
	t = _mm_shuffle_epi32(t, 0xb1);				/* cdab */
	s1 = _mm_shuffle_epi32(s1, 0x1b);			/* efgh */
	s0 = _mm_alignr_epi8(t, s1, 8);				/* abef */
	s1 = _mm_blend_epi16(s1, t, 0xf0);			/* cdgh */
	for (; n > 0; n--, p += 64) {
		save0 = s0;
		save1 = s1;
		/* Four rounds a step; w[] holds the next 16 schedule words. */
#if defined(__clang__)
#pragma clang loop unroll(full)
#else
#pragma GCC unroll 16
#endif
		for (i = 0; i < 16; i++) {
			if (i < 4)
				w[i] = _mm_shuffle_epi8(_mm_loadu_si128(
				    (const __m128i *)(p + 16 * i)), mask);
			m = _mm_add_epi32(w[i % 4], _mm_loadu_si128(
			    (const __m128i *)&sha256_k[4 * i]));
			s1 = _mm_sha256rnds2_epu32(s1, s0, m);
			if (i >= 3 && i <= 14) {
				t = _mm_alignr_epi8(w[i % 4], w[(i + 3) % 4], 4);
				w[(i + 1) % 4] = _mm_sha256msg2_epu32(
				    _mm_add_epi32(w[(i + 1) % 4], t), w[i % 4]);
			}
			m = _mm_shuffle_epi32(m, 0x0e);
			s0 = _mm_sha256rnds2_epu32(s0, s1, m);
			if (i >= 1 && i <= 12)
				w[(i + 3) % 4] = _mm_sha256msg1_epu32(
				    w[(i + 3) % 4], w[i % 4]);
		}
		s0 = _mm_add_epi32(s0, save0);
		s1 = _mm_add_epi32(s1, save1);
	}
	t = _mm_shuffle_epi32(s0, 0x1b);			/* feba */
	s1 = _mm_shuffle_epi32(s1, 0xb1);			/* dchg */
	s0 = _mm_blend_epi16(t, s1, 0xf0);			/* dcba */
	s1 = _mm_alignr_epi8(s1, t, 8);				/* hgfe */
	_mm_storeu_si128((__m128i *)&st[0], s0);
	_mm_storeu_si128((__m128i *)&st[4], s1);
}

/*
 * _mm_sha1rnds4_epu32 takes its round function as an immediate: one
 * four-round step, f being the step's number / 5.
 */
#define SHA1_RNDS4(abcd, e, i)						\
	((i) < 5 ? _mm_sha1rnds4_epu32(abcd, e, 0) :			\
	 (i) < 10 ? _mm_sha1rnds4_epu32(abcd, e, 1) :			\
	 (i) < 15 ? _mm_sha1rnds4_epu32(abcd, e, 2) :			\
	 _mm_sha1rnds4_epu32(abcd, e, 3))

/* Compress n 64-byte blocks at p into the SHA-1 state st (a..e). */
SHANI_TARGET static void
sha1_blocks(uint32_t st[5], const unsigned char *p, size_t n)
{
	const __m128i mask = _mm_set_epi64x(0x0001020304050607ULL,
	    0x08090a0b0c0d0e0fULL);
	__m128i abcd, e[2], w[4], save_abcd, save_e;
	int i;

	abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)st), 0x1b);
	e[0] = _mm_set_epi32((int)st[4], 0, 0, 0);
	for (; n > 0; n--, p += 64) {
		save_abcd = abcd;
		save_e = e[0];
		/* Step i takes its e from e[i % 2] and leaves the next. */
#if defined(__clang__)
#pragma clang loop unroll(full)
#else
#pragma GCC unroll 20
#endif
		for (i = 0; i < 20; i++) {
			if (i < 4)
				w[i] = _mm_shuffle_epi8(_mm_loadu_si128(
				    (const __m128i *)(p + 16 * i)), mask);
			if (i == 0)
				e[0] = _mm_add_epi32(e[0], w[0]);
			else
				e[i % 2] = _mm_sha1nexte_epu32(e[i % 2],
				    w[i % 4]);
			e[(i + 1) % 2] = abcd;
			if (i >= 3 && i <= 18)
				w[(i + 1) % 4] = _mm_sha1msg2_epu32(
				    w[(i + 1) % 4], w[i % 4]);
			abcd = SHA1_RNDS4(abcd, e[i % 2], i);
			if (i >= 1 && i <= 16)
				w[(i + 3) % 4] = _mm_sha1msg1_epu32(
				    w[(i + 3) % 4], w[i % 4]);
			if (i >= 2 && i <= 17)
				w[(i + 2) % 4] = _mm_xor_si128(w[(i + 2) % 4],
				    w[i % 4]);
		}
		e[0] = _mm_sha1nexte_epu32(e[0], save_e);
		abcd = _mm_add_epi32(abcd, save_abcd);
	}
	abcd = _mm_shuffle_epi32(abcd, 0x1b);
	_mm_storeu_si128((__m128i *)st, abcd);
	st[4] = (uint32_t)_mm_extract_epi32(e[0], 3);
}
#endif

const struct cairn_error *
cairn_hasher_init(struct cairn_hasher *h, enum cairn_hash_algo algo)
{
	union hash_ctx *ctx;

	h->ctx = NULL;
	h->algo = algo;
	if (algo != CAIRN_HASH_SHA256 && algo != CAIRN_HASH_SHA1)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "unknown hash algorithm %d", algo);
	if ((ctx = malloc(sizeof(*ctx))) == NULL)
		return cairn_error_nomem();
	if (algo == CAIRN_HASH_SHA256)
		sha256_init(&ctx->sha256);
	else
		sha1_init(&ctx->sha1);
	h->ctx = ctx;
	return NULL;
}

/*
 * Feed len bytes at p: nettle fills its partial block, whole blocks go to
 * the blocks functions when the CPU has them, and nettle keeps the tail.
 */
#ifdef CAIRN_SHANI
#define FEED(c, blocks, update, p, len) do {				\
	size_t fill_ = 0, n_;						\
									\
	if ((c)->index != 0) {						\
		fill_ = sizeof((c)->block) - (c)->index;		\
		if (fill_ > (len))					\
			fill_ = (len);					\
		update((c), fill_, (p));				\
	}								\
	n_ = ((len) - fill_) / 64;					\
	if (n_ > 0 && (c)->index == 0 && shani()) {			\
		blocks((c)->state, (p) + fill_, n_);			\
		(c)->count += n_;					\
		fill_ += 64 * n_;					\
	}								\
	if (fill_ < (len))						\
		update((c), (len) - fill_, (p) + fill_);		\
} while (0)
#else
#define FEED(c, blocks, update, p, len) update((c), (len), (p))
#endif

const struct cairn_error *
cairn_hasher_update(struct cairn_hasher *h, const void *data, size_t len)
{
	union hash_ctx *ctx = h->ctx;
	const unsigned char *p = data;

	if (len == 0)
		return NULL;
	if (h->algo == CAIRN_HASH_SHA256)
		FEED(&ctx->sha256, sha256_blocks, sha256_update, p, len);
	else
		FEED(&ctx->sha1, sha1_blocks, sha1_update, p, len);
	return NULL;
}

const struct cairn_error *
cairn_hasher_final(struct cairn_hasher *h, struct cairn_oid *out)
{
	union hash_ctx *ctx = h->ctx;
	unsigned char md[CAIRN_OID_MAX];
	size_t mdlen = cairn_hash_len(h->algo);

	if (h->algo == CAIRN_HASH_SHA256)
		sha256_digest(&ctx->sha256, SHA256_DIGEST_SIZE, md);
	else
		sha1_digest(&ctx->sha1, SHA1_DIGEST_SIZE, md);
	cairn_oid_set(md, mdlen, out);
	return NULL;
}

void
cairn_hasher_release(struct cairn_hasher *h)
{
	free(h->ctx);
	h->ctx = NULL;
}

const struct cairn_error *
cairn_hasher_init_object(struct cairn_hasher *h, enum cairn_hash_algo algo, enum cairn_otype type,
    uint64_t size)
{
	const struct cairn_error *err;
	char hdr[CAIRN_OBJHDR_MAX];
	size_t hlen;

	h->ctx = NULL;		/* releasable whatever happens below */
	if (cairn_otype_name(type) == NULL)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "unknown object type %d", type);
	if ((err = cairn_hasher_init(h, algo)) != NULL)
		return err;
	hlen = cairn_objhdr_fmt(type, size, hdr);
	if ((err = cairn_hasher_update(h, hdr, hlen)) != NULL)
		cairn_hasher_release(h);
	return err;
}

const struct cairn_error *
cairn_hash_object(enum cairn_hash_algo algo, enum cairn_otype type, const void *data, size_t len,
    struct cairn_oid *out)
{
	const struct cairn_error *err;
	struct cairn_hasher h = { NULL, 0 };

	if ((err = cairn_hasher_init_object(&h, algo, type, len)) != NULL)
		goto done;
	if ((err = cairn_hasher_update(&h, data, len)) != NULL)
		goto done;
	err = cairn_hasher_final(&h, out);
done:
	cairn_hasher_release(&h);
	return err;
}
