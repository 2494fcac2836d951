/*
 * t-core.c: unit tests of core/: errors, object ids and hashing, buffers,
 * zlib with limits, CRC-32 and the bloom filter.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "bloom.h"
#include "buf.h"
#include "encode.h"
#include "error.h"
#include "oid.h"
#include "memtable.h"
#include "zip.h"

#include "tap.h"

/* splitmix64: a fixed-seed generator, so every run sees the same data. */
static uint64_t rng_state = 0x5eed2024cafef00dULL;

static uint64_t
rng_next(void)
{
	uint64_t z;

	z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_fill(unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(rng_next() >> 56);
}

static void *
xmalloc(size_t len)
{
	void *p;

	if ((p = malloc(len == 0 ? 1 : len)) == NULL)
		bail_out("out of memory allocating %zu bytes", len);
	return p;
}

/* ---- error ---- */

static void *
thread_errors(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 100; i++)
		(void)cairn_error_new(CAIRN_ERR_IO, "thread error %d", i);
	return NULL;
}

static void
test_error_basics(void)
{
	const struct cairn_error *e, *w;
	char want[600];

	e = cairn_error_new(CAIRN_ERR_NOT_FOUND, "object %s not found", "abc");
	is_int(e->code, CAIRN_ERR_NOT_FOUND, "error_new keeps the code");
	is_str(e->msg, "object abc not found", "error_new formats");
	is_int(e->sys_errno, 0, "error_new: sys_errno is 0");

	e = cairn_error_sys(ENOENT, "cannot open %s", "x/y");
	snprintf(want, sizeof(want), "cannot open x/y: %s", strerror(ENOENT));
	is_int(e->code, CAIRN_ERR_IO, "error_sys is CAIRN_ERR_IO");
	is_int(e->sys_errno, ENOENT, "error_sys keeps errno");
	is_str(e->msg, want, "error_sys appends strerror");

	e = cairn_error_nomem();
	is_int(e->code, CAIRN_ERR_NOMEM, "nomem code");
	is_str(e->msg, "out of memory", "nomem message");
	ok(cairn_error_nomem() == e, "nomem is one static object");

	e = cairn_error_new(CAIRN_ERR_CORRUPT, "inner");
	w = cairn_error_new(CAIRN_ERR_IO, "outer: %s", e->msg);
	is_str(w->msg, "outer: inner", "an error may quote the previous one");
	is_str(e->msg, "inner", "the quoted error is intact");
}

static void
test_error_ring(void)
{
	const struct cairn_error *e[8], *w;
	char big[1000], name[32];
	pthread_t t;
	int i, good = 1;

	for (i = 0; i < 8; i++)
		e[i] = cairn_error_new(CAIRN_ERR_INVALID, "ring %d", i);
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "ring %d", i);
		good &= strcmp(e[i]->msg, name) == 0;
	}
	ok(good, "eight errors in a row all stay valid");
	/* The ninth takes the oldest slot; quoting the oldest still works. */
	w = cairn_error_new(CAIRN_ERR_IO, "wrap: %s", e[0]->msg);
	is_str(w->msg, "wrap: ring 0", "wrapping the oldest error in the ring");

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	w = cairn_error_new(CAIRN_ERR_IO, "%s", big);
	is_int(strlen(w->msg), 511, "long messages are truncated to 511");

	e[0] = cairn_error_new(CAIRN_ERR_EXISTS, "main thread");
	if (pthread_create(&t, NULL, thread_errors, NULL) != 0)
		bail_out("pthread_create failed");
	pthread_join(t, NULL);
	is_str(e[0]->msg, "main thread", "another thread's errors leave ours");
}

/* ---- oid ---- */

/* A relabelled error keeps its errno, and its code unless told. */
static void
test_error_relabel(void)
{
	const struct cairn_error *e, *r;

	e = cairn_error_sys(ENOENT, "open 'x'");
	r = cairn_error_relabel(e, CAIRN_ERR_CORRUPT, "segment: %s", e->msg);
	is_int(r->code, CAIRN_ERR_CORRUPT, "relabel: the new code");
	is_int(r->sys_errno, ENOENT, "relabel: the errno stays");
	is_str(r->msg, "segment: open 'x': No such file or directory",
	    "relabel: the new message quotes the old");
	r = cairn_error_relabel(e, CAIRN_ERR_NONE, NULL);
	is_int(r->code, CAIRN_ERR_IO, "relabel: CAIRN_ERR_NONE keeps the code");
	is_str(r->msg, e->msg, "relabel: a NULL format keeps the message");
	is_int(r->sys_errno, ENOENT, "relabel: and the errno");
}

static void
test_names(void)
{
	char hdr[CAIRN_OBJHDR_MAX];

	is_int(cairn_hash_len(CAIRN_HASH_SHA256), 32, "sha256 length");
	is_int(cairn_hash_len(CAIRN_HASH_SHA1), 20, "sha1 length");
	is_int(cairn_hash_len(0), 0, "unknown algorithm length");
	is_str(cairn_hash_name(CAIRN_HASH_SHA256), "sha256", "sha256 name");
	is_str(cairn_hash_name(CAIRN_HASH_SHA1), "sha1", "sha1 name");
	is_str(cairn_hash_name(7), NULL, "unknown algorithm name");
	is_int(cairn_hash_parse("sha256"), CAIRN_HASH_SHA256, "parse sha256");
	is_int(cairn_hash_parse("sha1"), CAIRN_HASH_SHA1, "parse sha1");
	is_int(cairn_hash_parse("SHA1"), 0, "hash names are case-sensitive");
	is_int(cairn_hash_parse("md5"), 0, "parse unknown hash");

	is_str(cairn_otype_name(CAIRN_OBJ_BLOB), "blob", "blob name");
	is_str(cairn_otype_name(CAIRN_OBJ_TREE), "tree", "tree name");
	is_str(cairn_otype_name(CAIRN_OBJ_COMMIT), "commit", "commit name");
	is_str(cairn_otype_name(CAIRN_OBJ_TAG), "tag", "tag name");
	is_str(cairn_otype_name(CAIRN_OBJ_NONE), NULL, "no name for NONE");
	is_str(cairn_otype_name(5), NULL, "no name for 5");
	is_str(cairn_otype_name(-1), NULL, "no name for -1");
	is_int(cairn_otype_parse("commit", 6), CAIRN_OBJ_COMMIT,
	    "parse commit");
	is_int(cairn_otype_parse("tag", 3), CAIRN_OBJ_TAG, "parse tag");
	is_int(cairn_otype_parse("blobx", 4), CAIRN_OBJ_BLOB,
	    "parse looks at len bytes only");
	is_int(cairn_otype_parse("blo", 3), CAIRN_OBJ_NONE, "parse a prefix");
	is_int(cairn_otype_parse("blobs", 5), CAIRN_OBJ_NONE, "parse blobs");
	is_int(cairn_otype_parse("Blob", 4), CAIRN_OBJ_NONE, "parse Blob");
	is_int(cairn_otype_parse("", 0), CAIRN_OBJ_NONE, "parse empty");

	is_int(cairn_objhdr_fmt(CAIRN_OBJ_BLOB, 0, hdr), 7, "header length");
	is_mem(hdr, "blob 0", 7, "header of the empty blob, NUL included");
	is_int(cairn_objhdr_fmt(CAIRN_OBJ_COMMIT, UINT64_MAX, hdr), 28,
	    "longest header length");
	is_mem(hdr, "commit 18446744073709551615", 28, "longest header");
}

struct vector {
	int algo, type;
	const char *content;	/* NULL: built by the test */
	const char *hex;
	size_t len;		/* nonzero: the pattern blob of len bytes */
};

/* Verified with git 2.39 hash-object (sha256 in a sha256 repository). */
static const char commit_text[] =
    "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
    "author A U Thor <author@example.com> 1112911993 -0700\n"
    "committer C O Mitter <committer@example.com> 1112911993 -0700\n"
    "\ninitial\n";
static const char tag_text[] =
    "object 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
    "type tree\ntag v1\n"
    "tagger C O Mitter <committer@example.com> 1112911993 -0700\n"
    "\nmsg\n";

static const struct vector vectors[] = {
	{ CAIRN_HASH_SHA1, CAIRN_OBJ_BLOB, "",
	    "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391", 0 },
	{ CAIRN_HASH_SHA256, CAIRN_OBJ_BLOB, "",
	    "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813", 0 },
	{ CAIRN_HASH_SHA1, CAIRN_OBJ_BLOB, "hello\n",
	    "ce013625030ba8dba906f756967f9e9ca394464a", 0 },
	{ CAIRN_HASH_SHA256, CAIRN_OBJ_BLOB, "hello\n",
	    "2cf8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb4", 0 },
	{ CAIRN_HASH_SHA1, CAIRN_OBJ_TREE, "",
	    "4b825dc642cb6eb9a060e54bf8d69288fbee4904", 0 },
	{ CAIRN_HASH_SHA256, CAIRN_OBJ_TREE, "",
	    "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321", 0 },
	{ CAIRN_HASH_SHA1, CAIRN_OBJ_COMMIT, commit_text,
	    "66fe8b3f2df5c2a6e67944af865f3a0893093d69", 0 },
	{ CAIRN_HASH_SHA256, CAIRN_OBJ_COMMIT, commit_text,
	    "b719e6cc6351861728580143600c54c061c54d3feee67e8ce7ef15e092ffae33", 0 },
	{ CAIRN_HASH_SHA1, CAIRN_OBJ_TAG, tag_text,
	    "bdfaeb58ddb0b0446149dfdfaf04eb646795d3b6", 0 },
	{ CAIRN_HASH_SHA256, CAIRN_OBJ_TAG, tag_text,
	    "2f80e09d54fda0951bfb9771916180f8b14fc2c174fe60cd9a7d7f2ea7082f71", 0 },
	/* A tree holding "100644 hello" -> the hello blob above. */
	{ CAIRN_HASH_SHA1, CAIRN_OBJ_TREE, NULL,
	    "b4d01e9b0c4a9356736dfddf8830ba9a54f5271c", 0 },
	{ CAIRN_HASH_SHA256, CAIRN_OBJ_TREE, NULL,
	    "ab39bc840914e6c219053910a617f89e6e0b561cfab5953c79f014c4302f8a01", 0 },
	/* 1,000,000 times 'a'. */
	{ CAIRN_HASH_SHA1, CAIRN_OBJ_BLOB, NULL,
	    "de1fbf0c2f34f67f01f355f31ed0cf7319643c5e", 0 },
	{ CAIRN_HASH_SHA256, CAIRN_OBJ_BLOB, NULL,
	    "58c1b77092d2e48b2c6cbd0b91bcbd882f3c129f5f2633527afc7c23dd75ec56", 0 },
	/* 3 MiB + 17 bytes of pattern_byte(), past any 1 MiB boundary. */
	{ CAIRN_HASH_SHA1, CAIRN_OBJ_BLOB, NULL,
	    "0faaf98d45a701936f0f4116b9ef26384aa070e0", (3 << 20) + 17 },
	{ CAIRN_HASH_SHA256, CAIRN_OBJ_BLOB, NULL,
	    "22c633e87659b24afe27ecc73f14d88205678031cc186c7d05927fb5377fe216",
	    (3 << 20) + 17 },
};

/* Byte i of the pattern blob: no period of 64 bytes, no run of zeros. */
static unsigned char
pattern_byte(size_t i)
{
	return (unsigned char)(i * 131 + (i >> 8));
}

/* The content of vector v in a malloc'd buffer of *len bytes. */
static unsigned char *
vector_content(const struct vector *v, size_t *len)
{
	static const char hello_entry[] = "100644 hello";
	struct cairn_oid blob;
	unsigned char *p;

	size_t i;

	if (v->content != NULL) {
		*len = strlen(v->content);
		p = xmalloc(*len);
		memcpy(p, v->content, *len);
	} else if (v->len != 0) {
		*len = v->len;
		p = xmalloc(*len);
		for (i = 0; i < *len; i++)
			p[i] = pattern_byte(i);
	} else if (v->type == CAIRN_OBJ_BLOB) {
		*len = 1000000;
		p = xmalloc(*len);
		memset(p, 'a', *len);
	} else {
		if (cairn_hash_object(v->algo, CAIRN_OBJ_BLOB, "hello\n", 6,
		    &blob) != NULL)
			bail_out("cannot hash the hello blob");
		*len = sizeof(hello_entry) + blob.len;	/* NUL included */
		p = xmalloc(*len);
		memcpy(p, hello_entry, sizeof(hello_entry));
		memcpy(p + sizeof(hello_entry), blob.hash, blob.len);
	}
	return p;
}

/* Hash content through a hasher in random pieces. */
static const struct cairn_error *
hash_chunked(struct cairn_oid *out, int algo, int type,
    const unsigned char *p, size_t len)
{
	const struct cairn_error *err;
	struct cairn_hasher h;
	size_t off = 0, n;

	memset(&h, 0, sizeof(h));
	if ((err = cairn_hasher_init_object(&h, algo, type, len)) != NULL)
		goto done;
	while (off < len) {
		n = (size_t)(rng_next() % 7919);
		if (n > len - off)
			n = len - off;
		if ((err = cairn_hasher_update(&h, p + off, n)) != NULL)
			goto done;
		off += n;
	}
	err = cairn_hasher_final(&h, out);
done:
	cairn_hasher_release(&h);
	return err;
}

static void
test_vectors(void)
{
	const struct vector *v;
	struct cairn_oid id;
	char hex[CAIRN_OID_HEXMAX + 1];
	unsigned char *p;
	size_t i, len;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		v = &vectors[i];
		p = vector_content(v, &len);
		no_error(cairn_hash_object(v->algo, v->type, p, len, &id),
		    "hash vector %zu", i);
		is_str(cairn_oid_fmt(&id, hex), v->hex, "%s %s of %zu bytes",
		    cairn_hash_name(v->algo), cairn_otype_name(v->type), len);
		is_int(id.len, cairn_hash_len(v->algo), "id length of %zu", i);
		memset(&id, 0, sizeof(id));
		no_error(hash_chunked(&id, v->algo, v->type, p, len),
		    "chunked hash of vector %zu", i);
		is_str(cairn_oid_fmt(&id, hex), v->hex,
		    "chunked hash of vector %zu matches", i);
		free(p);
	}
}

/*
 * Plain digests (no object header) of FIPS 180 test messages, whole and in
 * pieces: the hash itself, apart from git's framing.
 */
static const struct {
	int algo;
	const char *msg;	/* NULL: one million 'a' */
	const char *hex;
} plain[] = {
	{ CAIRN_HASH_SHA1, "",
	    "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
	{ CAIRN_HASH_SHA256, "",
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ CAIRN_HASH_SHA1, "abc",
	    "a9993e364706816aba3e25717850c26c9cd0d89d" },
	{ CAIRN_HASH_SHA256, "abc",
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ CAIRN_HASH_SHA1,
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
	{ CAIRN_HASH_SHA256,
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ CAIRN_HASH_SHA1, NULL,
	    "34aa973cd4c4daa4f61eeb2bdbad27316534016f" },
	{ CAIRN_HASH_SHA256, NULL,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
};

static void
test_plain_vectors(void)
{
	struct cairn_hasher h;
	struct cairn_oid id;
	char hex[CAIRN_OID_HEXMAX + 1];
	unsigned char *p;
	size_t i, len, off, n;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (plain[i].msg != NULL) {
			len = strlen(plain[i].msg);
			p = xmalloc(len + 1);
			memcpy(p, plain[i].msg, len);
		} else {
			len = 1000000;
			p = xmalloc(len);
			memset(p, 'a', len);
		}
		/* Whole, then byte by byte up to 200 and in random pieces. */
		memset(&h, 0, sizeof(h));
		no_error(cairn_hasher_init(&h, plain[i].algo), "init %zu", i);
		no_error(cairn_hasher_update(&h, p, len), "update %zu", i);
		no_error(cairn_hasher_final(&h, &id), "final %zu", i);
		cairn_hasher_release(&h);
		is_str(cairn_oid_fmt(&id, hex), plain[i].hex,
		    "plain %s of %zu bytes", cairn_hash_name(plain[i].algo),
		    len);
		memset(&id, 0, sizeof(id));
		no_error(cairn_hasher_init(&h, plain[i].algo), "init %zu", i);
		for (off = 0; off < len; off += n) {
			n = off < 200 ? 1 : (size_t)(rng_next() % 4099);
			if (n > len - off)
				n = len - off;
			if (cairn_hasher_update(&h, p + off, n) != NULL)
				break;
		}
		no_error(cairn_hasher_final(&h, &id), "final %zu", i);
		cairn_hasher_release(&h);
		is_str(cairn_oid_fmt(&id, hex), plain[i].hex,
		    "plain %s of %zu bytes in pieces",
		    cairn_hash_name(plain[i].algo), len);
		free(p);
	}
}

static void
test_hasher_misc(void)
{
	struct cairn_hasher h;
	struct cairn_oid id;

	memset(&h, 0, sizeof(h));
	cairn_hasher_release(&h);
	ok(h.ctx == NULL, "release of a zeroed hasher is a no-op");
	is_error(cairn_hasher_init(&h, 99), CAIRN_ERR_INVALID,
	    "init with an unknown algorithm");
	is_error(cairn_hasher_init_object(&h, CAIRN_HASH_SHA1, 9, 0),
	    CAIRN_ERR_INVALID, "init_object with an unknown type");
	cairn_hasher_release(&h);
	is_error(cairn_hash_object(0, CAIRN_OBJ_BLOB, "", 0, &id),
	    CAIRN_ERR_INVALID, "hash_object with an unknown algorithm");
	/* final, then release twice: the second release does nothing. */
	no_error(cairn_hasher_init(&h, CAIRN_HASH_SHA256), "plain init");
	no_error(cairn_hasher_update(&h, "abc", 3), "update");
	no_error(cairn_hasher_final(&h, &id), "final");
	cairn_hasher_release(&h);
	cairn_hasher_release(&h);
	ok(h.ctx == NULL, "released twice");
	/* Plain sha256("abc"), FIPS 180-2. */
	ok(id.hash[0] == 0xba && id.hash[1] == 0x78 && id.hash[31] == 0xad &&
	    id.len == 32, "plain sha256 of \"abc\"");
}

static void
test_oid_parse(void)
{
	static const char h1[] = "ce013625030ba8dba906f756967f9e9ca394464a";
	static const char up[] = "CE013625030BA8DBA906F756967F9E9CA394464A";
	struct cairn_oid a, b;
	char hex[CAIRN_OID_HEXMAX + 1], bad[41];
	size_t i;
	int zero = 1;

	memset(&a, 0xff, sizeof(a));
	no_error(cairn_oid_parse(CAIRN_HASH_SHA1, h1, 40, &a), "parse sha1");
	is_int(a.len, 20, "parsed length");
	for (i = 20; i < CAIRN_OID_MAX; i++)
		zero &= a.hash[i] == 0;
	ok(zero, "bytes past len are zero");
	is_str(cairn_oid_fmt(&a, hex), h1, "format round trip");
	no_error(cairn_oid_parse(CAIRN_HASH_SHA1, up, 40, &b), "parse upper");
	ok(cairn_oid_eq(&a, &b), "uppercase parses to the same id");
	is_str(cairn_oid_fmt(&b, hex), h1, "formatting is lowercase");

	is_error(cairn_oid_parse(CAIRN_HASH_SHA1, h1, 39, &b),
	    CAIRN_ERR_INVALID, "39 digits rejected");
	is_error(cairn_oid_parse(CAIRN_HASH_SHA1, h1, 0, &b),
	    CAIRN_ERR_INVALID, "0 digits rejected");
	is_error(cairn_oid_parse(CAIRN_HASH_SHA256, h1, 40, &b),
	    CAIRN_ERR_INVALID, "40 digits rejected for sha256");
	is_error(cairn_oid_parse(0, h1, 40, &b), CAIRN_ERR_INVALID,
	    "unknown algorithm rejected");
	memcpy(bad, h1, sizeof(bad));
	bad[17] = 'g';
	is_error(cairn_oid_parse(CAIRN_HASH_SHA1, bad, 40, &b),
	    CAIRN_ERR_INVALID, "a 'g' is rejected");
	bad[17] = ' ';
	is_error(cairn_oid_parse(CAIRN_HASH_SHA1, bad, 40, &b),
	    CAIRN_ERR_INVALID, "a space is rejected");
	bad[17] = '\0';
	is_error(cairn_oid_parse(CAIRN_HASH_SHA1, bad, 40, &b),
	    CAIRN_ERR_INVALID, "an embedded NUL is rejected");

	ok(cairn_hex_valid("0123456789abcdefABCDEF", 22), "hex_valid digits");
	ok(!cairn_hex_valid("", 0), "hex_valid: empty is not hex");
	ok(!cairn_hex_valid("12x4", 4), "hex_valid: x");
	ok(cairn_hex_valid("12x4", 2), "hex_valid looks at len bytes only");
	ok(!cairn_hex_valid("-1", 2), "hex_valid: minus");
}

static void
test_oid_prefix(void)
{
	static const char h1[] = "ce013625030ba8dba906f756967f9e9ca394464a";
	struct cairn_oid a, b, s;
	unsigned char raw[32];

	if (cairn_oid_parse(CAIRN_HASH_SHA1, h1, 40, &a) != NULL)
		bail_out("cannot parse %s", h1);
	ok(cairn_hex_prefix_match(&a, "", 0), "empty prefix matches");
	ok(cairn_hex_prefix_match(&a, "c", 1), "odd prefix c");
	ok(cairn_hex_prefix_match(&a, "ce0", 3), "odd prefix ce0");
	ok(cairn_hex_prefix_match(&a, "CE01", 4), "uppercase prefix");
	ok(cairn_hex_prefix_match(&a, h1, 40), "the full id");
	ok(!cairn_hex_prefix_match(&a, "cf", 2), "cf does not match");
	ok(!cairn_hex_prefix_match(&a, "ce1", 3), "ce1 does not match");
	ok(!cairn_hex_prefix_match(&a, "c-", 2), "non-hex does not match");
	ok(!cairn_hex_prefix_match(&a,
	    "ce013625030ba8dba906f756967f9e9ca394464a0", 41),
	    "a prefix longer than the id does not match");

	memset(raw, 0, sizeof(raw));
	raw[0] = 0xce;
	cairn_oid_set(raw, 32, &s);
	is_int(s.len, 32, "oid_set length");
	ok(cairn_oid_cmp(&a, &s) < 0 && cairn_oid_cmp(&s, &a) > 0,
	    "shorter ids order first");
	ok(!cairn_oid_eq(&a, &s), "ids of different lengths differ");
	b = a;
	ok(cairn_oid_cmp(&a, &b) == 0 && cairn_oid_eq(&a, &b), "equal ids");
	b.hash[19] ^= 1;
	ok(cairn_oid_cmp(&a, &b) < 0 && cairn_oid_cmp(&b, &a) > 0,
	    "memcmp order (last byte)");
	b = a;
	b.hash[0] = 0x01;
	ok(cairn_oid_cmp(&a, &b) > 0, "memcmp order (first byte)");
}

/* ---- buf ---- */

static void
test_buf(void)
{
	struct cairn_buf b = { NULL, 0, 0 };
	unsigned char *p;
	size_t i, len, lastcap = 0;
	int grows = 0, good = 1;

	for (i = 0; i < 1000000; i++) {
		if (cairn_buf_append(&b, "x", 1) != NULL)
			bail_out("append failed");
		grows += b.cap != lastcap;
		lastcap = b.cap;
	}
	is_uint(b.len, 1000000, "a million appends");
	ok(grows <= 25, "growth is geometric (%d reallocations)", grows);
	for (i = 0; i < b.len; i++)
		good &= b.data[i] == 'x';
	ok(good, "appended bytes intact");
	cairn_buf_reset(&b);
	ok(b.len == 0 && b.cap == lastcap, "reset keeps the memory");

	no_error(cairn_buf_append(&b, NULL, 0), "append of nothing");
	no_error(cairn_buf_printf(&b, "%s-%d", "ab", 42), "printf");
	no_error(cairn_buf_printf(&b, "%c", '!'), "printf again");
	is_uint(b.len, 6, "printf does not count the NUL");
	is_str((char *)b.data, "ab-42!", "printf content, NUL kept");
	is_error(cairn_buf_grow(&b, SIZE_MAX), CAIRN_ERR_NOMEM,
	    "grow past SIZE_MAX is nomem");
	is_error(cairn_buf_grow(&b, SIZE_MAX / 2), CAIRN_ERR_NOMEM,
	    "an impossible grow is nomem");
	is_str((char *)b.data, "ab-42!", "a failed grow keeps the contents");

	p = cairn_buf_detach(&b, &len);
	ok(p != NULL && len == 6 && memcmp(p, "ab-42!", 6) == 0, "detach");
	ok(b.data == NULL && b.len == 0 && b.cap == 0, "detach empties");
	free(p);
	no_error(cairn_buf_append(&b, "again", 5), "reuse after detach");
	cairn_buf_release(&b);
	ok(b.data == NULL && b.len == 0 && b.cap == 0, "release empties");
	cairn_buf_release(&b);
	no_error(cairn_buf_grow(&b, 0), "grow by 0");
	ok(b.data != NULL, "data is set after the first grow");
	cairn_buf_release(&b);
}

/* ---- zip ---- */

static const struct cairn_error *
buf_sink(void *arg, const void *data, size_t len)
{
	return cairn_buf_append(arg, data, len);
}

/* A sink that only counts, and fails once it has seen limit bytes. */
struct count_sink {
	uint64_t n, limit;
	size_t calls, maxcall;
};

static const struct cairn_error *
count_sink(void *arg, const void *data, size_t len)
{
	struct count_sink *c = arg;

	(void)data;
	c->n += len;
	c->calls++;
	if (len > c->maxcall)
		c->maxcall = len;
	if (c->limit != 0 && c->n >= c->limit)
		return cairn_error_new(CAIRN_ERR_EXISTS, "sink is full");
	return NULL;
}

/* Deflate in[0..len) into out by the one-shot call, or bail. */
static void
deflate_or_bail(struct cairn_buf *out, const void *in, size_t len, int level)
{
	const struct cairn_error *err;

	out->len = 0;
	if ((err = cairn_zip_deflate(out, in, len, level)) != NULL)
		bail_out("deflate failed: %s", err->msg);
}

static void
test_zip_roundtrip(void)
{
	static const size_t sizes[] = { 0, 1, 4095, 1 << 20 };
	static const int levels[] = { 0, 1, 6, 9 };
	struct cairn_buf z = { NULL, 0, 0 };
	unsigned char *in, *out;
	uLongf zlen;
	size_t i, j;

	in = xmalloc(1 << 20);
	out = xmalloc(1 << 20);
	rng_fill(in, 1 << 20);
	for (i = 0; i < 4; i++) {
		for (j = 0; j < 4; j++) {
			no_error(cairn_zip_deflate(&z, in, sizes[i], levels[j]),
			    "deflate %zu random bytes at level %d", sizes[i],
			    levels[j]);
			memset(out, 0xaa, sizes[i]);
			no_error(cairn_zip_inflate(out, sizes[i], z.data, z.len),
			    "inflate %zu bytes", sizes[i]);
			is_mem(out, in, sizes[i], "%zu bytes round trip",
			    sizes[i]);
			z.len = 0;
		}
	}
	/* The stream is plain zlib: zlib's own uncompress agrees. */
	memset(in, 'q', 100000);
	deflate_or_bail(&z, in, 100000, 6);
	ok(z.len < 1000, "repetitive data compresses (%zu bytes)", z.len);
	zlen = 1 << 20;
	ok(uncompress(out, &zlen, z.data, z.len) == Z_OK && zlen == 100000 &&
	    memcmp(out, in, 100000) == 0, "zlib's uncompress reads it");
	no_error(cairn_zip_inflate(NULL, 0, "\x78\x9c\x03\x00\x00\x00\x00\x01",
	    8), "inflate to outlen 0 with a NULL buffer");
	is_error(cairn_zip_deflate(&z, in, 10, 10), CAIRN_ERR_INVALID,
	    "level 10 rejected");
	is_error(cairn_zip_deflate(&z, in, 10, -1), CAIRN_ERR_INVALID,
	    "level -1 rejected");
	free(in);
	free(out);
	cairn_buf_release(&z);
}

static void
test_zip_reject(void)
{
	struct cairn_buf z = { NULL, 0, 0 };
	unsigned char in[4095], out[4096 + 8], *junk;
	size_t n;
	int all = 1;

	rng_fill(in, sizeof(in));
	deflate_or_bail(&z, in, sizeof(in), 6);
	is_error(cairn_zip_inflate(out, sizeof(in) - 1, z.data, z.len),
	    CAIRN_ERR_CORRUPT, "declared size one too small");
	is_error(cairn_zip_inflate(out, sizeof(in) + 1, z.data, z.len),
	    CAIRN_ERR_CORRUPT, "declared size one too large");
	is_error(cairn_zip_inflate(out, 0, z.data, z.len), CAIRN_ERR_CORRUPT,
	    "declared size 0 for a non-empty stream");
	for (n = 0; n < z.len; n++)
		all &= cairn_zip_inflate(out, sizeof(in), z.data, n) != NULL;
	ok(all, "every truncation of a %zu-byte stream is rejected", z.len);
	is_error(cairn_zip_inflate(out, sizeof(in), z.data, z.len - 1),
	    CAIRN_ERR_CORRUPT, "a truncated stream is corrupt");

	if (cairn_buf_append(&z, "G", 1) != NULL)
		bail_out("append failed");
	is_error(cairn_zip_inflate(out, sizeof(in), z.data, z.len),
	    CAIRN_ERR_CORRUPT, "one byte of trailing garbage");
	z.len--;
	z.data[z.len - 1] ^= 0x01;
	is_error(cairn_zip_inflate(out, sizeof(in), z.data, z.len),
	    CAIRN_ERR_CORRUPT, "a flipped checksum bit");
	z.data[z.len - 1] ^= 0x01;
	z.data[0] ^= 0x10;
	is_error(cairn_zip_inflate(out, sizeof(in), z.data, z.len),
	    CAIRN_ERR_CORRUPT, "a damaged header");

	junk = xmalloc(4096);
	rng_fill(junk, 4096);
	is_error(cairn_zip_inflate(out, 4096, junk, 4096), CAIRN_ERR_CORRUPT,
	    "random garbage");
	is_error(cairn_zip_inflate(out, 0, junk, 0), CAIRN_ERR_CORRUPT,
	    "empty input");
	free(junk);

	/* Two whole streams back to back: the second is trailing data. */
	deflate_or_bail(&z, "abc", 3, 6);
	n = z.len;
	if (cairn_buf_append(&z, z.data, n) != NULL)
		bail_out("append failed");
	is_error(cairn_zip_inflate(out, 3, z.data, z.len), CAIRN_ERR_CORRUPT,
	    "a second stream after the first");
	no_error(cairn_zip_inflate(out, 3, z.data, n), "the first alone");
	cairn_buf_release(&z);
}

/*
 * Whole buffers are coded by libdeflate and judged by zlib when libdeflate
 * refuses them: streams zlib wrote (every level, window and strategy; the
 * repositories of earlier versions) must still read, and the errors keep
 * zlib's words.
 */
static void
test_zip_codecs(void)
{
	static const int strategies[] = { Z_DEFAULT_STRATEGY, Z_FILTERED,
	    Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED };
	static const unsigned char dict_stream[] = { 0x78, 0xbb, 0, 0, 0, 1,
	    0x03, 0x00, 0, 0, 0, 1 };
	struct cairn_buf z = { NULL, 0, 0 };
	const struct cairn_error *err;
	unsigned char *in, *out;
	size_t len = 100000, i;
	z_stream zs;
	int level, bits, s, all = 1;

	in = xmalloc(len);
	out = xmalloc(len);
	for (i = 0; i < len; i++)	/* text-like: compresses, not trivially */
		in[i] = (unsigned char)("abcdefgh \n"[rng_next() % 10]);
	if (cairn_buf_grow(&z, compressBound(len) + 64) != NULL)
		bail_out("no memory");
	for (level = 0; level <= 9; level++)
		for (bits = 9; bits <= 15; bits++)
			for (s = 0; s < 5; s++) {
				memset(&zs, 0, sizeof(zs));
				if (deflateInit2(&zs, level, Z_DEFLATED, bits, 8,
				    strategies[s]) != Z_OK)
					bail_out("deflateInit2 failed");
				zs.next_in = in;
				zs.avail_in = (uInt)len;
				zs.next_out = z.data;
				zs.avail_out = (uInt)z.cap;
				if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
					bail_out("deflate did not finish");
				z.len = z.cap - zs.avail_out;
				deflateEnd(&zs);
				memset(out, 0, len);
				all &= cairn_zip_inflate(out, len, z.data,
				    z.len) == NULL && memcmp(out, in, len) == 0;
			}
	ok(all, "zlib's streams of every level, window and strategy read");

	deflate_or_bail(&z, in, len, 6);
	err = cairn_zip_inflate(out, len, z.data, z.len - 3);
	ok(err != NULL && strstr(err->msg, "truncated") != NULL,
	    "a truncated stream is called truncated: %s",
	    err ? err->msg : "(none)");
	err = cairn_zip_inflate(out, len - 1, z.data, z.len);
	ok(err != NULL && strstr(err->msg, "exceeds the declared") != NULL,
	    "an overlong stream names the declared size: %s",
	    err ? err->msg : "(none)");
	err = cairn_zip_inflate(out, len, z.data, z.len);
	no_error(err, "the exact size reads");
	if (cairn_buf_append(&z, "x", 1) != NULL)
		bail_out("append failed");
	err = cairn_zip_inflate(out, len, z.data, z.len);
	ok(err != NULL && strstr(err->msg, "trailing garbage") != NULL,
	    "trailing bytes are called trailing garbage: %s",
	    err ? err->msg : "(none)");
	err = cairn_zip_inflate(out, 1, dict_stream, sizeof(dict_stream));
	ok(err != NULL && strstr(err->msg, "preset dictionary") != NULL,
	    "a stream needing a dictionary says so: %s",
	    err ? err->msg : "(none)");

	/* Levels alternate within one thread: each gives its own stream. */
	all = 1;
	for (i = 0; i < 20; i++) {
		level = (int)(i % 10);
		deflate_or_bail(&z, in, len, level);
		all &= cairn_zip_inflate(out, len, z.data, z.len) == NULL &&
		    memcmp(out, in, len) == 0 &&
		    (level != 0 || z.len > len) && (level == 0 || z.len < len);
	}
	ok(all, "levels 0-9 alternating in one thread each round trip");
	free(in);
	free(out);
	cairn_buf_release(&z);
}

static void
test_zip_bomb(void)
{
	struct cairn_buf z = { NULL, 0, 0 };
	struct cairn_inflater inf;
	struct count_sink c = { 0, 0, 0, 0 };
	const struct cairn_error *err;
	unsigned char *zeros, out[16];
	size_t big = (size_t)64 << 20;

	zeros = calloc(1, big);
	if (zeros == NULL)
		bail_out("out of memory");
	deflate_or_bail(&z, zeros, big, 9);
	free(zeros);
	diag("64 MiB of zeros deflate to %zu bytes", z.len);
	err = cairn_zip_inflate(out, 10, z.data, z.len);
	is_error(err, CAIRN_ERR_CORRUPT, "bomb with declared size 10");
	ok(err != NULL && strstr(err->msg, "declared size") != NULL,
	    "the message names the declared size: %s", err ? err->msg : "");

	no_error(cairn_inflater_init(&inf, 10), "streaming bomb: init");
	is_error(cairn_inflater_feed(&inf, z.data, z.len, count_sink, &c),
	    CAIRN_ERR_CORRUPT, "streaming bomb with expect 10");
	ok(c.n <= 10, "the sink saw at most 10 bytes (%" PRIu64 ")", c.n);
	is_error(cairn_inflater_finish(&inf), CAIRN_ERR_CORRUPT,
	    "finish after the error still fails");
	cairn_inflater_release(&inf);

	memset(&c, 0, sizeof(c));
	no_error(cairn_inflater_init(&inf, big), "streaming 64 MiB: init");
	no_error(cairn_inflater_feed(&inf, z.data, z.len, count_sink, &c),
	    "streaming 64 MiB: feed");
	no_error(cairn_inflater_finish(&inf), "streaming 64 MiB: finish");
	is_uint(c.n, big, "streaming 64 MiB: all bytes reach the sink");
	ok(c.maxcall <= 64 * 1024, "sink calls are bounded (largest %zu)",
	    c.maxcall);
	cairn_inflater_release(&inf);
	cairn_buf_release(&z);
}

/* Deflate in through a deflater fed in random pieces (some empty). */
static const struct cairn_error *
deflate_chunked(struct cairn_buf *out, const unsigned char *in, size_t len,
    int level)
{
	const struct cairn_error *err;
	struct cairn_deflater d = { NULL };
	size_t off = 0, n;

	if ((err = cairn_deflater_init(&d, level)) != NULL)
		goto done;
	do {
		n = (size_t)(rng_next() % 70000);
		if (rng_next() % 8 == 0)
			n = 0;
		if (n > len - off)
			n = len - off;
		err = cairn_deflater_feed(&d, in + off, n, off + n == len,
		    buf_sink, out);
		off += n;
	} while (err == NULL && off < len);
done:
	cairn_deflater_release(&d);
	return err;
}

/* Inflate z through an inflater fed maxpiece bytes at most at a time. */
static const struct cairn_error *
inflate_chunked(struct cairn_buf *out, const struct cairn_buf *z,
    uint64_t expect, size_t maxpiece)
{
	const struct cairn_error *err;
	struct cairn_inflater inf;
	size_t off = 0, n;

	if ((err = cairn_inflater_init(&inf, expect)) != NULL)
		goto done;
	while (err == NULL && off < z->len) {
		n = 1 + (size_t)(rng_next() % maxpiece);
		if (n > z->len - off)
			n = z->len - off;
		err = cairn_inflater_feed(&inf, z->data + off, n, buf_sink,
		    out);
		off += n;
	}
	if (err == NULL)
		err = cairn_inflater_finish(&inf);
done:
	cairn_inflater_release(&inf);
	return err;
}

static void
test_zip_stream(void)
{
	static const size_t sizes[] = { 0, 1, 4095, 3 << 20 };
	struct cairn_buf z = { NULL, 0, 0 }, o = { NULL, 0, 0 };
	unsigned char *in;
	size_t i, big = 3 << 20;

	in = xmalloc(big);
	rng_fill(in, big / 2);
	memset(in + big / 2, 'z', big - big / 2);	/* some long runs */
	for (i = 0; i < 4; i++) {
		z.len = o.len = 0;
		no_error(deflate_chunked(&z, in, sizes[i], 6),
		    "chunked deflate of %zu bytes", sizes[i]);
		no_error(inflate_chunked(&o, &z, sizes[i], 100000),
		    "chunked inflate of %zu bytes", sizes[i]);
		ok(o.len == sizes[i] && (sizes[i] == 0 ||
		    memcmp(o.data, in, sizes[i]) == 0),
		    "streaming round trip of %zu bytes", sizes[i]);
		o.len = 0;
		if (sizes[i] < 10000)
			no_error(inflate_chunked(&o, &z, sizes[i], 1),
			    "inflate of %zu bytes one byte at a time",
			    sizes[i]);
		if (cairn_buf_grow(&o, sizes[i]) != NULL)
			bail_out("out of memory");
		no_error(cairn_zip_inflate(o.data, sizes[i], z.data, z.len),
		    "one-shot inflate of the chunked deflate (%zu)", sizes[i]);
		ok(sizes[i] == 0 || memcmp(o.data, in, sizes[i]) == 0,
		    "one-shot inflate content (%zu)", sizes[i]);
	}
	free(in);
	cairn_buf_release(&z);
	cairn_buf_release(&o);
}

/* Feed z[0..len) to a fresh inflater expecting expect; return feed+finish. */
static const struct cairn_error *
inflate_once(const unsigned char *z, size_t len, uint64_t expect)
{
	const struct cairn_error *err;
	struct cairn_inflater inf;
	struct count_sink c = { 0, 0, 0, 0 };

	if ((err = cairn_inflater_init(&inf, expect)) != NULL)
		goto done;
	if ((err = cairn_inflater_feed(&inf, z, len, count_sink, &c)) != NULL)
		goto done;
	err = cairn_inflater_finish(&inf);
done:
	cairn_inflater_release(&inf);
	return err;
}

static void
test_zip_stream_reject(void)
{
	struct cairn_buf z = { NULL, 0, 0 };
	struct cairn_inflater inf;
	struct cairn_deflater d;
	struct count_sink c = { 0, 0, 0, 0 };
	unsigned char in[5000];

	memset(&inf, 0, sizeof(inf));
	cairn_inflater_release(&inf);
	memset(&d, 0, sizeof(d));
	cairn_deflater_release(&d);
	ok(inf.z == NULL && d.z == NULL, "zeroed coders release as no-ops");

	rng_fill(in, sizeof(in));
	deflate_or_bail(&z, in, sizeof(in), 6);
	no_error(inflate_once(z.data, z.len, sizeof(in)), "stream accepted");
	is_error(inflate_once(z.data, z.len - 1, sizeof(in)),
	    CAIRN_ERR_CORRUPT, "stream: truncated");
	is_error(inflate_once(z.data, z.len, sizeof(in) + 1),
	    CAIRN_ERR_CORRUPT, "stream: expect one too many");
	is_error(inflate_once(z.data, z.len, sizeof(in) - 1),
	    CAIRN_ERR_CORRUPT, "stream: expect one too few");
	is_error(inflate_once(in, sizeof(in), sizeof(in)), CAIRN_ERR_CORRUPT,
	    "stream: random garbage");
	is_error(inflate_once(z.data, 0, 0), CAIRN_ERR_CORRUPT,
	    "stream: no input at all");

	if (cairn_buf_append(&z, "\0", 1) != NULL)
		bail_out("out of memory");
	is_error(inflate_once(z.data, z.len, sizeof(in)), CAIRN_ERR_CORRUPT,
	    "stream: trailing byte in the same feed");
	no_error(cairn_inflater_init(&inf, sizeof(in)), "init");
	no_error(cairn_inflater_feed(&inf, z.data, z.len - 1, count_sink, &c),
	    "feed the whole stream");
	no_error(cairn_inflater_feed(&inf, z.data, 0, count_sink, &c),
	    "an empty feed after the end is fine");
	is_error(cairn_inflater_feed(&inf, "x", 1, count_sink, &c),
	    CAIRN_ERR_CORRUPT, "a byte fed after the end");
	is_error(cairn_inflater_feed(&inf, z.data, 0, count_sink, &c),
	    CAIRN_ERR_CORRUPT, "feeding after an error keeps failing");
	cairn_inflater_release(&inf);

	c.n = 0;
	c.limit = 1000;
	no_error(cairn_inflater_init(&inf, sizeof(in)), "init");
	is_error(cairn_inflater_feed(&inf, z.data, z.len - 1, count_sink, &c),
	    CAIRN_ERR_EXISTS, "a sink's error comes back from inflate");
	cairn_inflater_release(&inf);

	c.n = 0;
	c.limit = 1;
	no_error(cairn_deflater_init(&d, 1), "deflater init");
	is_error(cairn_deflater_feed(&d, in, sizeof(in), 1, count_sink, &c),
	    CAIRN_ERR_EXISTS, "a sink's error comes back from deflate");
	cairn_deflater_release(&d);
	is_error(cairn_deflater_init(&d, 42), CAIRN_ERR_INVALID,
	    "deflater level 42");
	ok(d.z == NULL, "a failed init leaves nothing to release");
	cairn_buf_release(&z);
}

/* Every length up to 1 KiB, at every alignment, and a large buffer. */
static void
crc32_against_zlib(void)
{
	static unsigned char big[(1 << 20) + 64];
	size_t len, off;
	uint32_t c;
	int all = 1;

	rng_fill(big, sizeof(big));
	for (off = 0; off < 16; off++)
		for (len = 0; len <= 1024; len++)
			all &= cairn_crc32(0, big + off, len) ==
			    (uint32_t)crc32(0, big + off, (uInt)len);
	ok(all, "crc32 agrees with zlib's at every length and alignment");
	c = cairn_crc32(0, big, 1000);
	c = cairn_crc32(c, big + 1000, sizeof(big) - 1000);
	is_uint(c, (uint32_t)crc32(0, big, (uInt)sizeof(big)),
	    "crc32 of 1 MiB, continued, agrees with zlib's");
}

static void
test_crc32(void)
{
	static const char digits[] = "123456789";
	uint32_t c;

	is_uint(cairn_crc32(0, digits, 9), 0xcbf43926, "crc32 of 123456789");
	c = cairn_crc32(0, digits, 4);
	c = cairn_crc32(c, digits + 4, 5);
	is_uint(c, 0xcbf43926, "crc32 continued over two pieces");
	is_uint(cairn_crc32(0, NULL, 0), 0, "crc32 of nothing");
	is_uint(cairn_crc32(0x12345678, "", 0), 0x12345678,
	    "crc32 of nothing keeps the running value");
	is_uint(cairn_crc32(0, "a", 1), 0xe8b7be43, "crc32 of a");
	crc32_against_zlib();
}

/* ---- memtable ---- */

/* An id of 20 random-looking bytes derived from i. */
static void
mt_id(unsigned char *id, uint64_t i)
{
	uint64_t x = i * 0x9e3779b97f4a7c15ULL + 1;
	size_t k;

	for (k = 0; k < 20; k++) {
		x ^= x >> 29;
		x *= 0xbf58476d1ce4e5b9ULL;
		id[k] = (unsigned char)(x >> 56);
	}
}

static void
test_memtable(void)
{
	struct cairn_memtable mt;
	struct cairn_mem_ent e;
	const struct cairn_mem_ent *g;
	size_t i, n = 100000, cap;
	int all = 1;

	cairn_memtable_init(&mt, 20);
	ok(cairn_memtable_get(&mt, (const unsigned char *)"0123456789abcdefghij")
	    == NULL, "an empty table finds nothing");
	no_error(cairn_memtable_reserve(&mt, n), "reserve %zu", n);
	cap = mt.cap;
	ok(cap >= n + n / 3 && (cap & (cap - 1)) == 0,
	    "reserved capacity %zu is a power of two above n/0.75", cap);
	memset(&e, 0, sizeof(e));
	for (i = 0; i < n; i++) {
		mt_id(e.id, i);
		e.loc = i;
		if (cairn_memtable_put(&mt, &e) != NULL)
			bail_out("put failed");
	}
	is_uint(mt.cap, cap, "putting the reserved count does not grow");
	is_uint(mt.n, n, "every id is counted once");
	for (i = 0; i < n; i++) {
		mt_id(e.id, i);
		g = cairn_memtable_get(&mt, e.id);
		all &= g != NULL && g->loc == i && g->used;
	}
	ok(all, "every id is found with its value");
	no_error(cairn_memtable_reserve(&mt, 10), "reserve fewer");
	is_uint(mt.cap, cap, "reserving fewer keeps the table");
	no_error(cairn_memtable_reserve(&mt, 4 * n), "reserve more");
	ok(mt.cap > cap && mt.n == n, "reserving more moves every entry");
	mt_id(e.id, 7);
	e.loc = 12345;
	no_error(cairn_memtable_put(&mt, &e), "replace");
	g = cairn_memtable_get(&mt, e.id);
	ok(g != NULL && g->loc == 12345 && mt.n == n,
	    "a put of a present id replaces its values");
	mt_id(e.id, n + 1);
	ok(cairn_memtable_get(&mt, e.id) == NULL, "an absent id is absent");
	cairn_memtable_clear(&mt);
	mt_id(e.id, 7);
	ok(mt.n == 0 && cairn_memtable_get(&mt, e.id) == NULL,
	    "clear forgets every entry");
	cairn_memtable_release(&mt);
	ok(mt.tab == NULL && mt.cap == 0, "release frees the table");
}

static void
test_memtable_add(void)
{
	struct cairn_memtable mt;
	struct cairn_mem_ent *ent;
	unsigned char id[20];
	size_t i, n = 5000;
	int added, all = 1;

	cairn_memtable_init(&mt, 20);
	for (i = 0; i < n; i++) {	/* from empty: the table grows */
		mt_id(id, i);
		if (cairn_memtable_add(&mt, id, &ent, &added) != NULL)
			bail_out("add failed");
		all &= added && ent->used && ent->loc == 0 && ent->where == 0 &&
		    memcmp(ent->id, id, 20) == 0;
		ent->loc = i + 1;
	}
	ok(all, "adding new ids adds zeroed entries with their id");
	is_uint(mt.n, n, "every added id is counted");
	all = 1;
	for (i = 0; i < n; i++) {
		mt_id(id, i);
		if (cairn_memtable_add(&mt, id, &ent, &added) != NULL)
			bail_out("add failed");
		all &= !added && ent->loc == i + 1;
	}
	ok(all, "adding a present id finds its entry, values kept");
	is_uint(mt.n, n, "adding present ids counts nothing");
	mt_id(id, n + 3);
	ok(cairn_memtable_get(&mt, id) == NULL, "an id never added is absent");
	cairn_memtable_release(&mt);
}

/* ---- bloom ---- */

static void
test_bloom_layout(void)
{
	static const unsigned int pos[7] = { 0, 7, 8, 511, 100, 256, 63 };
	unsigned char bits[3 * 64], want[3 * 64], id[32];
	uint64_t h2 = 0;
	int i;

	is_uint(cairn_bloom_size(0), 64, "size for 0 keys");
	is_uint(cairn_bloom_size(1), 64, "size for 1 key");
	is_uint(cairn_bloom_size(51), 64, "51 keys fit one block");
	is_uint(cairn_bloom_size(52), 128, "52 keys need two");
	is_uint(cairn_bloom_size(100000), 1954 * 64, "size for 100000 keys");
	is_uint(cairn_bloom_size(UINT64_MAX) % 64, 0,
	    "an absurd key count saturates to whole blocks");

	/* Block 5 % 3 = 2; the seven positions of the header's formula. */
	for (i = 0; i < 7; i++)
		h2 |= (uint64_t)pos[i] << (9 * i);
	h2 |= (uint64_t)1 << 63;	/* bit 63 is not used */
	memset(id, 0xee, sizeof(id));
	cairn_put_be64(id, 5);
	cairn_put_be64(id + 8, h2);
	memset(bits, 0, sizeof(bits));
	cairn_bloom_add(bits, sizeof(bits), id);
	memset(want, 0, sizeof(want));
	want[128 + 0] = 0x81;		/* bits 0 and 7 */
	want[128 + 1] = 0x01;		/* bit 8 */
	want[128 + 7] = 0x80;		/* bit 63 */
	want[128 + 12] = 0x10;		/* bit 100 */
	want[128 + 32] = 0x01;		/* bit 256 */
	want[128 + 63] = 0x80;		/* bit 511 */
	is_mem(bits, want, sizeof(bits), "bit layout of one key");
	ok(cairn_bloom_test(bits, sizeof(bits), id), "the key is present");
	id[15] ^= 0x02;			/* position 0 becomes 2 */
	ok(!cairn_bloom_test(bits, sizeof(bits), id), "a near miss is absent");
	id[15] ^= 0x02;
	id[31] ^= 0xff;			/* bytes past 16 do not matter */
	ok(cairn_bloom_test(bits, sizeof(bits), id), "bytes past 16 ignored");
}

static void
test_bloom_rate(void)
{
	enum { N = 100000 };
	unsigned char *bits, *ids, id[32];
	size_t size, i, misses = 0, hits = 0;
	double est, rate;

	size = cairn_bloom_size(N);
	bits = calloc(1, size);
	ids = xmalloc((size_t)N * 32);
	if (bits == NULL)
		bail_out("out of memory");
	rng_fill(ids, (size_t)N * 32);
	for (i = 0; i < N; i++)
		cairn_bloom_add(bits, size, ids + 32 * i);
	for (i = 0; i < N; i++)
		misses += !cairn_bloom_test(bits, size, ids + 32 * i);
	is_uint(misses, 0, "no false negatives among %d keys", N);
	for (i = 0; i < N; i++) {
		rng_fill(id, sizeof(id));
		hits += cairn_bloom_test(bits, size, id);
	}
	rate = (double)hits / N;
	est = cairn_bloom_fpr(size, N);
	diag("false positives %zu of %d (%.4f), estimate %.4f", hits, N,
	    rate, est);
	ok(rate < 0.02, "measured false positive rate %.4f < 2%%", rate);
	ok(est > 0.005 && est < 0.02, "estimated rate %.4f near 1%%", est);
	ok(rate > est * 0.8 && rate < est * 1.25,
	    "estimate %.4f matches measurement %.4f", est, rate);
	ok(cairn_bloom_fpr(size, 0) == 0.0, "empty filter: rate 0");
	ok(cairn_bloom_fpr(size, N / 2) < est && est < cairn_bloom_fpr(size,
	    2 * N), "rate grows with the keys");
	ok(cairn_bloom_fpr(64, 1000000) > 0.99, "an overfull block: rate ~1");
	free(bits);
	free(ids);
}

int
main(void)
{
	test_error_basics();
	test_error_ring();
	test_error_relabel();
	test_names();
	test_vectors();
	test_plain_vectors();
	test_hasher_misc();
	test_oid_parse();
	test_oid_prefix();
	test_buf();
	test_zip_roundtrip();
	test_zip_reject();
	test_zip_codecs();
	test_zip_bomb();
	test_zip_stream();
	test_zip_stream_reject();
	test_crc32();
	test_memtable();
	test_memtable_add();
	test_bloom_layout();
	test_bloom_rate();
	return done_testing();
}
