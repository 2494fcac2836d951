/*
 * oid.h: object ids, object types, hashing of git-style objects.
 *
 * An object id is H("<type> <decimal size>\0" || content), H being SHA-256
 * or SHA-1 (nettle), exactly as git computes it.
 */
#ifndef CAIRN_OID_H
#define CAIRN_OID_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define CAIRN_OID_MAX		32	/* bytes in the longest id (SHA-256) */
#define CAIRN_OID_HEXMAX	64	/* hex digits in the longest id */
#define CAIRN_OBJHDR_MAX	32	/* "commit 18446744073709551615\0" fits */

enum cairn_hash_algo {
	CAIRN_HASH_SHA256 = 1,
	CAIRN_HASH_SHA1 = 2,
};

enum cairn_otype {
	CAIRN_OBJ_NONE = 0,
	CAIRN_OBJ_BLOB = 1,
	CAIRN_OBJ_TREE = 2,
	CAIRN_OBJ_COMMIT = 3,
	CAIRN_OBJ_TAG = 4,
};

/* An object id; len (20 or 32) tells the algorithm.  Bytes past len are 0. */
struct cairn_oid {
	unsigned char hash[CAIRN_OID_MAX];
	unsigned char len;
};

/* Bytes in an id of the algorithm (32 or 20), 0 for an unknown one. */
size_t cairn_hash_len(enum cairn_hash_algo algo);

/* "sha256" / "sha1", or NULL.  Parse returns 0 for an unknown name. */
const char *cairn_hash_name(enum cairn_hash_algo algo);
enum cairn_hash_algo cairn_hash_parse(const char *name);

/* "blob", "tree", "commit", "tag", or NULL for another value. */
const char *cairn_otype_name(enum cairn_otype type);

/* The type named by the len bytes at name, or CAIRN_OBJ_NONE. */
enum cairn_otype cairn_otype_parse(const char *name, size_t len);

/*
 * cairn_oid_fmt(oid, hex):
 * Write the lowercase hex of oid and a NUL to hex, which must hold
 * CAIRN_OID_HEXMAX + 1 bytes.  Returns hex.
 */
char *cairn_oid_fmt(const struct cairn_oid *oid, char *hex);

/*
 * cairn_oid_parse(algo, hex, len, out):
 * Parse exactly len hex digits (either case) as an id of algo; len must be
 * 2 * cairn_hash_len(algo).  CAIRN_ERR_INVALID otherwise.
 */
const struct cairn_error *cairn_oid_parse(enum cairn_hash_algo algo,
    const char *hex, size_t len, struct cairn_oid *out);

/* Nonzero if the len bytes at s are all hex digits (0 < len). */
int cairn_hex_valid(const char *s, size_t len);

/* The value of hex digit c (either case), or -1. */
int cairn_hex_digit(char c);

/*
 * cairn_hex_prefix_match(oid, hex, len):
 * Nonzero if the first len hex digits of oid equal hex (either case).
 */
int cairn_hex_prefix_match(const struct cairn_oid *oid, const char *hex,
    size_t len);

/* memcmp order of the two ids; ids of different lengths order by length. */
int cairn_oid_cmp(const struct cairn_oid *a, const struct cairn_oid *b);
int cairn_oid_eq(const struct cairn_oid *a, const struct cairn_oid *b);

/* Set out from len raw bytes. */
void cairn_oid_set(const unsigned char *raw, size_t len, struct cairn_oid *out);

/*
 * cairn_objhdr_fmt(type, size, buf):
 * Write git's object header "<type> <size>\0" to buf (CAIRN_OBJHDR_MAX
 * bytes) and return its length including the NUL.
 */
size_t cairn_objhdr_fmt(enum cairn_otype type, uint64_t size, char *buf);

/*
 * Incremental hashing.  A hasher must be released after a successful init,
 * also when final was called.  Release of a never-initialised (zeroed)
 * hasher does nothing.
 */
struct cairn_hasher {
	void *ctx;		/* the hash state, allocated by init */
	enum cairn_hash_algo algo;
};

const struct cairn_error *cairn_hasher_init(struct cairn_hasher *h,
    enum cairn_hash_algo algo);
const struct cairn_error *cairn_hasher_update(struct cairn_hasher *h,
    const void *data, size_t len);
const struct cairn_error *cairn_hasher_final(struct cairn_hasher *h,
    struct cairn_oid *out);
void cairn_hasher_release(struct cairn_hasher *h);

/*
 * cairn_hasher_init_object(h, algo, type, size):
 * Init h and feed it git's header for an object of type and size, so that
 * feeding the content and calling final yields the object id.
 */
const struct cairn_error *cairn_hasher_init_object(struct cairn_hasher *h,
    enum cairn_hash_algo algo, enum cairn_otype type, uint64_t size);

/* The id of the object (type, data[0..len)) under algo, in one call. */
const struct cairn_error *cairn_hash_object(enum cairn_hash_algo algo,
    enum cairn_otype type,
    const void *data, size_t len, struct cairn_oid *out);

#endif
