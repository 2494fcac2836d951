/*
 * oid.c: object ids, type names, and hashing of git-style objects with
 * nettle's SHA-1 and SHA-256.
 */
#include <assert.h>
#include <inttypes.h>
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

int
cairn_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
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

	hlen = cairn_hash_len(algo);
	if (hlen == 0)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "unknown hash algorithm %d", algo);
	if (len != 2 * hlen)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "malformed %s object id: %zu hex digits, expected %zu",
		    cairn_hash_name(algo), len, 2 * hlen);
	if (!cairn_hex_valid(hex, len))
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "malformed %s object id: not a hex string",
		    cairn_hash_name(algo));
	memset(out, 0, sizeof(*out));
	for (i = 0; i < hlen; i++)
		out->hash[i] = (unsigned char)(cairn_hex_digit(hex[2 * i]) << 4 |
		    cairn_hex_digit(hex[2 * i + 1]));
	out->len = (unsigned char)hlen;
	return NULL;
}

int
cairn_hex_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (cairn_hex_digit(s[i]) < 0)
			return 0;
	}
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
 * The hash state.  nettle picks its SHA-NI (or other) code for the CPU
 * once, when the library is loaded; there is nothing to look up here.
 */
union hash_ctx {
	struct sha256_ctx sha256;
	struct sha1_ctx sha1;
};

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

const struct cairn_error *
cairn_hasher_update(struct cairn_hasher *h, const void *data, size_t len)
{
	union hash_ctx *ctx = h->ctx;

	if (len == 0)
		return NULL;
	if (h->algo == CAIRN_HASH_SHA256)
		sha256_update(&ctx->sha256, len, data);
	else
		sha1_update(&ctx->sha1, len, data);
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
