/*
 * t-object.c: unit tests of git's object formats: tree entry parsing and
 * order, validation of trees, commits and tags, the links of an object,
 * and commit parsing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "object.h"
#include "oid.h"

#include "tap.h"

#define SHA1 CAIRN_HASH_SHA1
#define SHA256 CAIRN_HASH_SHA256

/* Ids used throughout: hex and raw. */
static const char EMPTY1[] = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
static const char EMPTY256[] =
    "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321";
static const char BLOB1[] = "8ab686eafeb1f44702738c8b0f24f2567c36da6d";
static const char COMMIT1[] = "e83c5163316f89bfbde7d9ab23ca2e25604af290";
static const char COMMIT2[] = "1111111111111111111111111111111111111111";
static const char IDENT[] = "A U Thor <author@example.com> 1112911993 -0700";

/* A growing byte string, for building objects. */
struct bytes {
	unsigned char d[65536];
	size_t len;
};

static void
add(struct bytes *b, const void *p, size_t n)
{
	if (b->len + n > sizeof(b->d))
		bail_out("test object too large");
	memcpy(b->d + b->len, p, n);
	b->len += n;
}

static void
adds(struct bytes *b, const char *s)
{
	add(b, s, strlen(s));
}

static struct cairn_oid
oid(int algo, const char *hex)
{
	struct cairn_oid id;

	if (cairn_oid_parse(algo, hex, strlen(hex), &id) != NULL)
		bail_out("bad test id %s", hex);
	return id;
}

/* "<mode> <name>\0<raw id>" with an explicit name length. */
static void
entry_n(struct bytes *b, const char *mode, const char *name, size_t nlen,
    int algo, const char *hex)
{
	struct cairn_oid id = oid(algo, hex);

	adds(b, mode);
	adds(b, " ");
	add(b, name, nlen);
	add(b, "", 1);
	add(b, id.hash, id.len);
}

static void
entry(struct bytes *b, const char *mode, const char *name, int algo,
    const char *hex)
{
	entry_n(b, mode, name, strlen(name), algo, hex);
}

static const struct cairn_error *
check(int type, const struct bytes *b, int algo)
{
	return cairn_object_check(type, b->d, b->len, algo);
}

static const struct cairn_error *
check_str(int type, const char *s, int algo)
{
	return cairn_object_check(type, (const unsigned char *)s, strlen(s),
	    algo);
}

/* ---- cairn_tree_next ---- */

static void
test_tree_next(void)
{
	struct bytes b = { .len = 0 };
	struct cairn_tree_entry e;
	struct cairn_oid want;
	size_t pos = 0;

	entry(&b, "100644", "file", SHA1, BLOB1);
	entry(&b, "100755", "exec", SHA1, BLOB1);
	entry(&b, "120000", "link", SHA1, BLOB1);
	entry(&b, "40000", "dir", SHA1, EMPTY1);
	entry(&b, "160000", "module", SHA1, COMMIT1);

	is_int(cairn_tree_next(b.d, b.len, &pos, SHA1, &e), 1, "first entry");
	is_uint(e.mode, CAIRN_MODE_FILE, "100644 is a file");
	is_uint(e.name_len, 4, "name length");
	is_mem(e.name, "file", 5, "name, NUL-terminated in the tree");
	want = oid(SHA1, BLOB1);
	ok(cairn_oid_eq(&e.id, &want), "id of the first entry");
	is_uint(pos, 7 + 5 + 20, "pos after the first entry");
	is_int(cairn_tree_next(b.d, b.len, &pos, SHA1, &e), 1, "second");
	is_uint(e.mode, CAIRN_MODE_EXEC, "100755 is an executable");
	is_int(cairn_tree_next(b.d, b.len, &pos, SHA1, &e), 1, "third");
	is_uint(e.mode, CAIRN_MODE_LINK, "120000 is a symlink");
	is_int(cairn_tree_next(b.d, b.len, &pos, SHA1, &e), 1, "fourth");
	is_uint(e.mode, CAIRN_MODE_TREE, "40000 is a tree");
	want = oid(SHA1, EMPTY1);
	ok(cairn_oid_eq(&e.id, &want), "id of the tree entry");
	is_int(cairn_tree_next(b.d, b.len, &pos, SHA1, &e), 1, "fifth");
	is_uint(e.mode, CAIRN_MODE_GITLINK, "160000 is a gitlink");
	is_uint(e.id.len, 20, "sha1 ids are 20 bytes");
	is_int(cairn_tree_next(b.d, b.len, &pos, SHA1, &e), 0, "then the end");
	is_uint(pos, b.len, "pos at the end");
	is_int(cairn_tree_next(b.d, b.len, &pos, SHA1, &e), 0,
	    "the end again");
	pos = b.len + 10;
	is_int(cairn_tree_next(b.d, b.len, &pos, SHA1, &e), 0,
	    "pos past the end is the end");
	pos = 0;
	is_int(cairn_tree_next(b.d, 0, &pos, SHA1, &e), 0,
	    "an empty tree has no entries");

	/* The same bytes read as sha256 entries run out of id bytes. */
	b.len = 0;
	entry(&b, "100644", "a", SHA1, BLOB1);
	pos = 0;
	is_int(cairn_tree_next(b.d, b.len, &pos, SHA256, &e), -1,
	    "a 20-byte id is truncated for sha256");
	b.len = 0;
	entry(&b, "100644", "a", SHA256, EMPTY256);
	pos = 0;
	is_int(cairn_tree_next(b.d, b.len, &pos, SHA256, &e), 1,
	    "a sha256 entry");
	is_uint(e.id.len, 32, "sha256 ids are 32 bytes");
	want = oid(SHA256, EMPTY256);
	ok(cairn_oid_eq(&e.id, &want), "sha256 id");
}

static void
test_tree_next_malformed(void)
{
	static const char *const modes[] = {
		"", "10064x", "+100644", "-100644", "100644\t", "8", "0x1",
	};
	struct cairn_tree_entry e;
	struct bytes b;
	size_t i, pos;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		b.len = 0;
		entry(&b, modes[i], "a", SHA1, BLOB1);
		pos = 0;
		is_int(cairn_tree_next(b.d, b.len, &pos, SHA1, &e), -1,
		    "mode '%s' is refused", modes[i]);
	}

	b.len = 0;
	adds(&b, "100644a");
	add(&b, "", 1);
	add(&b, oid(SHA1, BLOB1).hash, 20);
	pos = 0;
	is_int(cairn_tree_next(b.d, b.len, &pos, SHA1, &e), -1,
	    "no space after the mode");

	b.len = 0;
	adds(&b, "100644 a");
	pos = 0;
	is_int(cairn_tree_next(b.d, b.len, &pos, SHA1, &e), -1,
	    "no NUL after the name");

	b.len = 0;
	entry(&b, "100644", "a", SHA1, BLOB1);
	b.len -= 1;
	pos = 0;
	is_int(cairn_tree_next(b.d, b.len, &pos, SHA1, &e), -1,
	    "an id one byte short");

	b.len = 0;
	entry(&b, "100644", "a", SHA1, BLOB1);
	adds(&b, "xyz");
	pos = 0;
	is_int(cairn_tree_next(b.d, b.len, &pos, SHA1, &e), 1,
	    "a good entry before garbage");
	is_int(cairn_tree_next(b.d, b.len, &pos, SHA1, &e), -1,
	    "then the garbage is malformed");

	b.len = 0;
	entry(&b, "100644", "", SHA1, BLOB1);
	pos = 0;
	is_int(cairn_tree_next(b.d, b.len, &pos, SHA1, &e), -1,
	    "an empty name is malformed, as git reads it");
}

/* Every mode git reads, and the canonical mode it reads it as. */
static void
test_tree_modes(void)
{
	static const struct {
		const char *text;
		unsigned raw, mode;
	} modes[] = {
		{ "100664", 0100664, CAIRN_MODE_FILE },
		{ "100600", 0100600, CAIRN_MODE_FILE },
		{ "100000", 0100000, CAIRN_MODE_FILE },
		{ "100700", 0100700, CAIRN_MODE_EXEC },
		{ "100775", 0100775, CAIRN_MODE_EXEC },
		{ "0100644", 0100644, CAIRN_MODE_FILE },
		{ "00100755", 0100755, CAIRN_MODE_EXEC },
		{ "040000", 0040000, CAIRN_MODE_TREE },
		{ "40755", 0040755, CAIRN_MODE_TREE },
		{ "120777", 0120777, CAIRN_MODE_LINK },
		{ "0120000", 0120000, CAIRN_MODE_LINK },
		{ "160644", 0160644, CAIRN_MODE_GITLINK },
		{ "644", 0644, CAIRN_MODE_GITLINK },
		{ "0", 0, CAIRN_MODE_GITLINK },
		{ "10644", 010644, CAIRN_MODE_GITLINK },
		{ "1100644", 01100644, CAIRN_MODE_FILE },
	};
	struct cairn_tree_entry e;
	struct bytes b;
	size_t i, pos;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		b.len = 0;
		entry(&b, modes[i].text, "a", SHA1, BLOB1);
		pos = 0;
		is_int(cairn_tree_next(b.d, b.len, &pos, SHA1, &e), 1,
		    "mode '%s' parses", modes[i].text);
		is_uint(e.raw_mode, modes[i].raw, "mode '%s' as written",
		    modes[i].text);
		is_uint(e.mode, modes[i].mode, "mode '%s' reads as %06o",
		    modes[i].text, modes[i].mode);
	}
}

/* ---- cairn_tree_name_cmp ---- */

static int
sign(int v)
{
	return (v > 0) - (v < 0);
}

/* Git's order, written the obvious way: trees compare with a '/' added. */
static int
ref_cmp(const char *a, size_t alen, int at, const char *b, size_t blen,
    int bt)
{
	unsigned char x[16], y[16];
	size_t xl = alen, yl = blen, n;
	int c;

	memcpy(x, a, alen);
	memcpy(y, b, blen);
	if (at)
		x[xl++] = '/';
	if (bt)
		y[yl++] = '/';
	n = xl < yl ? xl : yl;
	if ((c = memcmp(x, y, n)) != 0)
		return sign(c);
	return (xl > yl) - (xl < yl);
}

static void
test_name_cmp(void)
{
	static const struct {
		const char *a;
		int at;
		const char *b;
		int bt;
		int want;
	} cases[] = {
		{ "a", 0, "a", 0, 0 },
		{ "a", 1, "a", 1, 0 },
		{ "a", 0, "a", 1, -1 },
		{ "a", 1, "a", 0, 1 },
		{ "a.b", 0, "a", 1, -1 },
		{ "a-c", 0, "a", 1, -1 },
		{ "a", 1, "a0", 0, -1 },
		{ "a", 1, "a.b", 0, 1 },
		{ "a", 0, "a.b", 0, -1 },
		{ "a", 0, "a0", 0, -1 },
		{ "a", 1, "ab", 1, -1 },
		{ "ab", 0, "a", 1, 1 },
		{ "a b", 0, "a", 1, -1 },
		{ "a!", 0, "a", 1, -1 },
		{ "B", 0, "a", 0, -1 },
		{ "_", 0, "a", 0, -1 },
		{ "z", 0, "\303\251", 0, -1 },
		{ "\377", 0, "\177", 0, 1 },
		{ "a\377", 0, "a", 1, 1 },
		{ "x", 1, "x.c", 0, 1 },
		{ "x", 1, "x-1", 1, 1 },
		{ "", 0, "", 1, -1 },
	};
	static const char alphabet[] = " -.0ab\177\303";
	size_t i, trials, bad = 0;
	char a[8], b[8];
	size_t al, bl;
	int at, bt;
	uint64_t s = 0x243f6a8885a308d3ULL;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(sign(cairn_tree_name_cmp(cases[i].a, strlen(cases[i].a),
		    cases[i].at, cases[i].b, strlen(cases[i].b), cases[i].bt)),
		    cases[i].want, "'%s'%s vs '%s'%s", cases[i].a,
		    cases[i].at ? " (tree)" : "", cases[i].b,
		    cases[i].bt ? " (tree)" : "");

	/* Random short names against the reference, and antisymmetry. */
	for (trials = 0; trials < 200000; trials++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		al = (s >> 60) % 4;
		bl = (s >> 56) % 4;
		at = (s >> 55) & 1;
		bt = (s >> 54) & 1;
		for (i = 0; i < al; i++)
			a[i] = alphabet[(s >> (3 * i)) % 8];
		for (i = 0; i < bl; i++)
			b[i] = alphabet[(s >> (3 * i + 20)) % 8];
		if (sign(cairn_tree_name_cmp(a, al, at, b, bl, bt)) !=
		    ref_cmp(a, al, at, b, bl, bt) ||
		    sign(cairn_tree_name_cmp(a, al, at, b, bl, bt)) !=
		    -sign(cairn_tree_name_cmp(b, bl, bt, a, al, at)))
			bad++;
	}
	is_uint(bad, 0, "200000 random pairs follow git's order");
}

/* ---- cairn_object_check: trees ---- */

static void
test_check_tree(void)
{
	struct bytes b;
	static const char *const bad_names[] = { ".", "..", "a/b", "/", "",
	    "../x", "x/" };
	size_t i;

	b.len = 0;
	no_error(check(CAIRN_OBJ_TREE, &b, SHA1), "the empty tree");

	b.len = 0;
	entry(&b, "100755", "a-c", SHA1, BLOB1);
	entry(&b, "120000", "a.b", SHA1, BLOB1);
	entry(&b, "40000", "a", SHA1, EMPTY1);
	entry(&b, "100644", "a0", SHA1, BLOB1);
	entry(&b, "160000", "sub", SHA1, COMMIT1);
	no_error(check(CAIRN_OBJ_TREE, &b, SHA1), "every mode, in git's order");

	b.len = 0;
	entry(&b, "100644", "a-c", SHA1, BLOB1);
	entry(&b, "120000", "a.b", SHA1, BLOB1);
	entry(&b, "40000", "a", SHA1, EMPTY1);
	entry(&b, "100644", "a0", SHA1, BLOB1);
	entry(&b, "100644", "\303\251", SHA1, BLOB1);
	no_error(check(CAIRN_OBJ_TREE, &b, SHA1), "a tree a after a.b");

	b.len = 0;
	entry(&b, "100644", "a0", SHA1, BLOB1);
	entry(&b, "40000", "a", SHA1, EMPTY1);
	is_error(check(CAIRN_OBJ_TREE, &b, SHA1), CAIRN_ERR_INVALID,
	    "a tree a after a0 is unsorted");

	b.len = 0;
	entry(&b, "40000", "a", SHA1, EMPTY1);
	entry(&b, "100644", "a.b", SHA1, BLOB1);
	is_error(check(CAIRN_OBJ_TREE, &b, SHA1), CAIRN_ERR_INVALID,
	    "a tree a before a.b is unsorted");

	b.len = 0;
	entry(&b, "100644", "b", SHA1, BLOB1);
	entry(&b, "100644", "a", SHA1, BLOB1);
	is_error(check(CAIRN_OBJ_TREE, &b, SHA1), CAIRN_ERR_INVALID,
	    "unsorted files");

	b.len = 0;
	entry(&b, "100644", "a", SHA1, BLOB1);
	entry(&b, "100755", "a", SHA1, BLOB1);
	is_error(check(CAIRN_OBJ_TREE, &b, SHA1), CAIRN_ERR_INVALID,
	    "duplicate files");

	b.len = 0;
	entry(&b, "40000", "d", SHA1, EMPTY1);
	entry(&b, "40000", "d", SHA1, EMPTY1);
	is_error(check(CAIRN_OBJ_TREE, &b, SHA1), CAIRN_ERR_INVALID,
	    "duplicate trees");

	b.len = 0;
	entry(&b, "100644", "a", SHA1, BLOB1);
	entry(&b, "40000", "a", SHA1, EMPTY1);
	is_error(check(CAIRN_OBJ_TREE, &b, SHA1), CAIRN_ERR_INVALID,
	    "a file and a tree both named a");

	b.len = 0;
	entry(&b, "100644", "a", SHA1, BLOB1);
	entry(&b, "100644", "a b", SHA1, BLOB1);
	entry(&b, "100644", "a!", SHA1, BLOB1);
	entry(&b, "100644", "a-c", SHA1, BLOB1);
	entry(&b, "100644", "a.b", SHA1, BLOB1);
	entry(&b, "40000", "a", SHA1, EMPTY1);
	is_error(check(CAIRN_OBJ_TREE, &b, SHA1), CAIRN_ERR_INVALID,
	    "a file and a tree named a, four entries apart");

	b.len = 0;
	entry(&b, "100644", "a", SHA1, BLOB1);
	entry(&b, "100644", "a.b", SHA1, BLOB1);
	entry(&b, "40000", "a.b", SHA1, EMPTY1);
	is_error(check(CAIRN_OBJ_TREE, &b, SHA1), CAIRN_ERR_INVALID,
	    "a file and a tree named a.b, after a file a");

	b.len = 0;
	entry(&b, "100644", "a", SHA1, BLOB1);
	entry(&b, "100644", "a.b", SHA1, BLOB1);
	entry(&b, "40000", "a", SHA1, EMPTY1);
	entry(&b, "40000", "a.b", SHA1, EMPTY1);
	is_error(check(CAIRN_OBJ_TREE, &b, SHA1), CAIRN_ERR_INVALID,
	    "a tree a.b after a tree a and a file a.b");

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		b.len = 0;
		entry(&b, "100644", bad_names[i], SHA1, BLOB1);
		is_error(check(CAIRN_OBJ_TREE, &b, SHA1), CAIRN_ERR_INVALID,
		    "a file named '%s'", bad_names[i]);
		b.len = 0;
		entry(&b, "40000", bad_names[i], SHA1, EMPTY1);
		is_error(check(CAIRN_OBJ_TREE, &b, SHA1), CAIRN_ERR_INVALID,
		    "a tree named '%s'", bad_names[i]);
	}

	b.len = 0;
	entry(&b, "100644", "...", SHA1, BLOB1);
	entry(&b, "100644", ".a", SHA1, BLOB1);
	entry(&b, "100644", "a.", SHA1, BLOB1);
	no_error(check(CAIRN_OBJ_TREE, &b, SHA1), "'...', '.a', 'a.' are names");

	b.len = 0;
	entry(&b, "100664", "a", SHA1, BLOB1);
	no_error(check(CAIRN_OBJ_TREE, &b, SHA1), "mode 100664, as git");
	b.len = 0;
	entry(&b, "040000", "a", SHA1, EMPTY1);
	no_error(check(CAIRN_OBJ_TREE, &b, SHA1), "mode 040000, as git");

	b.len = 0;
	entry(&b, "100644", "a", SHA1, BLOB1);
	adds(&b, "1");
	is_error(check(CAIRN_OBJ_TREE, &b, SHA1), CAIRN_ERR_INVALID,
	    "one byte of garbage after the last entry");

	b.len = 0;
	entry(&b, "100644", "a", SHA1, BLOB1);
	is_error(check(CAIRN_OBJ_TREE, &b, SHA256), CAIRN_ERR_INVALID,
	    "a sha1 tree is not a sha256 tree");
	b.len = 0;
	entry(&b, "100644", "a", SHA256, EMPTY256);
	entry(&b, "100644", "b", SHA256, EMPTY256);
	no_error(check(CAIRN_OBJ_TREE, &b, SHA256), "a sha256 tree");
	is_error(check(CAIRN_OBJ_TREE, &b, SHA1), CAIRN_ERR_INVALID,
	    "a sha256 tree is not a sha1 tree");

	/* Blobs are anything; unknown types are refused. */
	no_error(check_str(CAIRN_OBJ_BLOB, "100644 \0garbage", SHA1),
	    "a blob may hold anything");
	no_error(cairn_object_check(CAIRN_OBJ_BLOB, NULL, 0, SHA1),
	    "the empty blob");
	is_error(check_str(CAIRN_OBJ_NONE, "", SHA1), CAIRN_ERR_INVALID,
	    "type none");
	is_error(check_str(7, "", SHA1), CAIRN_ERR_INVALID, "type 7");
}

/* ---- cairn_object_check_report: git fsck's messages ---- */

static const char NULL1[] = "0000000000000000000000000000000000000000";

/* Messages as "<id>:<e|w|u>" (error, warning, unsafe warning), spaced. */
static void
collect_msg(void *arg, const struct cairn_check_msg *m)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 512 - n, "%s%s:%c", n ? " " : "", m->id,
	    m->level == CAIRN_CHECK_ERROR ? 'e' : m->unsafe ? 'u' : 'w');
}

/*
 * A tree from "<mode> <name>[ null]" lines: files link to BLOB1, trees
 * to EMPTY1, gitlinks to COMMIT1, or all to the null id.
 */
static void
tree_of(struct bytes *b, const char *spec)
{
	char line[128], mode[32], name[64], rest[16];
	const char *p = spec, *nl;
	size_t n;
	int k;

	b->len = 0;
	while (*p != '\0') {
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		if (n >= sizeof(line))
			bail_out("long tree spec line");
		memcpy(line, p, n);
		line[n] = '\0';
		rest[0] = '\0';
		if ((k = sscanf(line, "%31s %63s %15s", mode, name, rest)) < 2)
			bail_out("bad tree spec '%s'", line);
		entry(b, mode, name, SHA1, strcmp(rest, "null") == 0 ? NULL1 :
		    mode[strlen(mode) - 5] == '4' ? EMPTY1 :
		    strncmp(mode, "160", 3) == 0 ? COMMIT1 : BLOB1);
		p += n + (nl != NULL);
	}
}

static void
test_check_messages(void)
{
	static const struct {
		int type;
		const char *spec;	/* a tree spec, or the content */
		int refused;		/* without CAIRN_CHECK_LITERALLY */
		const char *want;
		size_t len;		/* of the content, if not strlen */
	} cases[] = {
		{ CAIRN_OBJ_TREE, "100644 a", 0, "", 0 },
		{ CAIRN_OBJ_TREE, "100664 a", 0, "", 0 },
		{ CAIRN_OBJ_TREE, "100600 a", 0, "badFilemode:w", 0 },
		{ CAIRN_OBJ_TREE, "1100644 a", 0, "", 0 },
		{ CAIRN_OBJ_TREE, "0100644 a", 0, "zeroPaddedFilemode:w", 0 },
		{ CAIRN_OBJ_TREE, "040000 d", 0, "zeroPaddedFilemode:w", 0 },
		{ CAIRN_OBJ_TREE, "0 a", 0,
		    "zeroPaddedFilemode:w badFilemode:w", 0 },
		{ CAIRN_OBJ_TREE, "40755 d", 0, "badFilemode:w", 0 },
		{ CAIRN_OBJ_TREE, "160000 m null", 0, "nullSha1:w", 0 },
		{ CAIRN_OBJ_TREE, "100644 .", 1, "hasDot:u", 0 },
		{ CAIRN_OBJ_TREE, "100644 ..", 1, "hasDotdot:u", 0 },
		{ CAIRN_OBJ_TREE, "100644 a/b", 1, "fullPathname:u", 0 },
		{ CAIRN_OBJ_TREE, "100644 .GIT", 1, "hasDotgit:u", 0 },
		{ CAIRN_OBJ_TREE, "100644 a\\.git", 1, "hasDotgit:u", 0 },
		{ CAIRN_OBJ_TREE, "40000 cairn~1", 1, "hasDotcairn:u", 0 },
		{ CAIRN_OBJ_TREE, "120000 .gitmodules", 1,
		    "gitmodulesSymlink:e", 0 },
		{ CAIRN_OBJ_TREE, "120000 GITMOD~1", 1, "gitmodulesSymlink:e", 0 },
		{ CAIRN_OBJ_TREE, "120000 gi7eba~9", 1, "gitmodulesSymlink:e", 0 },
		{ CAIRN_OBJ_TREE, "120000 x\\.gitmodules", 1,
		    "gitmodulesSymlink:e", 0 },
		{ CAIRN_OBJ_TREE, "100644 .gitmodules", 0, "", 0 },
		{ CAIRN_OBJ_TREE, "120000 .gitignore", 0, "gitignoreSymlink:w", 0 },
		{ CAIRN_OBJ_TREE, "120000 .gitattributes . ", 0,
		    "gitattributesSymlink:w", 0 },
		{ CAIRN_OBJ_TREE, "120000 .MAILMAP", 0, "mailmapSymlink:w", 0 },
		{ CAIRN_OBJ_TREE, "100644 .gitignore", 0, "", 0 },
		{ CAIRN_OBJ_TREE, "100644 b\n100644 a", 1, "treeNotSorted:e", 0 },
		{ CAIRN_OBJ_TREE, "100644 a\n100644 a", 1,
		    "duplicateEntries:e", 0 },
		{ CAIRN_OBJ_TREE, "100644 a\n100644 a.b\n40000 a", 1,
		    "duplicateEntries:e", 0 },
		{ CAIRN_OBJ_TREE, "100644 x\n100644 x.1\n100644 x.1.2\n40000 x",
		    1, "duplicateEntries:e", 0 },
		{ CAIRN_OBJ_TREE, "100644 x\n100644 x.1.2\n40000 x.1\n40000 x",
		    1, "duplicateEntries:e", 0 },
		{ CAIRN_OBJ_TREE, "100644 x.1\n40000 x", 0, "", 0 },
		{ CAIRN_OBJ_TREE, "040000 ..\n100600 b\n100644 a", 1,
		    "hasDotdot:u zeroPaddedFilemode:w badFilemode:w "
		    "treeNotSorted:e", 0 },
		{ CAIRN_OBJ_COMMIT, "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904"
		    "\nauthor A <a> 0 +0000\ncommitter C <c> 1 +0000\n\nm\0x\n",
		    0, "nulInCommit:w", 5 + 40 + 1 + 21 + 24 + 5 },
		{ CAIRN_OBJ_TAG, "object e83c5163316f89bfbde7d9ab23ca2e25604af290"
		    "\ntype commit\ntag v1\n\nm\n", 0, "missingTaggerEntry:w", 0 },
		{ CAIRN_OBJ_TAG, "object e83c5163316f89bfbde7d9ab23ca2e25604af290"
		    "\ntype commit\ntag a..b\ntagger T <t> 1 +0000\n\nm\n", 0,
		    "badTagName:w", 0 },
		{ CAIRN_OBJ_TAG, "object e83c5163316f89bfbde7d9ab23ca2e25604af290"
		    "\ntype commit\ntag @\ntagger T <t> 1 +0000\n\nm\n", 0, "", 0 },
		{ CAIRN_OBJ_TAG, "object e83c5163316f89bfbde7d9ab23ca2e25604af290"
		    "\ntype commit\ntag \n\nm\n", 0,
		    "badTagName:w missingTaggerEntry:w", 0 },
		{ CAIRN_OBJ_TAG, "object e83c5163316f89bfbde7d9ab23ca2e25604af290"
		    "\ntype commit\ntag v\ntagger T <t> 1 +0000\nx y\n\nm\n", 0,
		    "", 0 },
		{ CAIRN_OBJ_TAG, "object e83c5163316f89bfbde7d9ab23ca2e25604af290"
		    "\ntype commit\ntag v\ntagger T <t> 01 +0000\n\nm\n", 1,
		    "zeroPaddedDate:e", 0 },
	};
	const struct cairn_error *err;
	char got[512];
	struct bytes b;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].type == CAIRN_OBJ_TREE)
			tree_of(&b, cases[i].spec);
		else {
			b.len = 0;
			add(&b, cases[i].spec, cases[i].len ? cases[i].len :
			    strlen(cases[i].spec));
		}
		got[0] = '\0';
		err = cairn_object_check_report(cases[i].type, b.d, b.len,
		    SHA1, 0, collect_msg, got);
		is_str(got, cases[i].want, "%s '%s': messages",
		    cairn_otype_name(cases[i].type), cases[i].spec);
		if (cases[i].refused)
			is_error(err, CAIRN_ERR_INVALID, "%s '%s': refused",
			    cairn_otype_name(cases[i].type), cases[i].spec);
		else
			no_error(err, "%s '%s': accepted",
			    cairn_otype_name(cases[i].type), cases[i].spec);
		/* Literally, only git's errors refuse. */
		err = cairn_object_check_report(cases[i].type, b.d, b.len,
		    SHA1, CAIRN_CHECK_LITERALLY, NULL, NULL);
		if (strstr(cases[i].want, ":e") != NULL)
			is_error(err, CAIRN_ERR_INVALID, "%s '%s': refused "
			    "literally", cairn_otype_name(cases[i].type),
			    cases[i].spec);
		else
			no_error(err, "%s '%s': accepted literally",
			    cairn_otype_name(cases[i].type), cases[i].spec);
	}

	/* The refusal names the first error in git's words, with its id. */
	tree_of(&b, "100644 b\n100644 a");
	err = check(CAIRN_OBJ_TREE, &b, SHA1);
	is_str(err ? err->msg : NULL, "invalid tree: treeNotSorted: not "
	    "properly sorted (entry \"a\")", "the refusal's words");
}

/* ---- tree entry names a file system takes for .git or .cairn ---- */

static const struct cairn_error *
check_one(const char *mode, const char *name, unsigned flags)
{
	static struct bytes b;

	b.len = 0;
	entry(&b, mode, name, SHA1, strcmp(mode, "40000") == 0 ? EMPTY1 :
	    BLOB1);
	return cairn_object_check_flags(CAIRN_OBJ_TREE, b.d, b.len, SHA1,
	    flags);
}

static void
test_reserved_names(void)
{
	/* Refused by default, accepted with CAIRN_CHECK_LITERALLY. */
	static const char *const reserved[] = {
		".git", ".GIT", ".Git", ".gIT", ".git.", ".git..", ".git ",
		".git . .", "git~1", "GIT~1", "Git~1. ", ".git::$INDEX_ALLOCATION",
		".git:stream", ".g\342\200\214it", "\357\273\277.git",
		".git\342\200\215", ".gi\342\200\256t", ".\342\201\257Git",
		"a\\.git", "a\\b\\GIT~1", ".git\\x", "x\\.git.\\y",
		".cairn", ".CAIRN", ".Cairn", ".cairn.", ".cairn  ", "cairn~1",
		"CAIRN~4", "Cairn~2.", ".cairn::$DATA", ".c\342\200\214airn",
		"\357\273\277.CAIRN", "x\\.cairn",
	};
	/* Accepted either way. */
	static const char *const fine[] = {
		".gitx", ".gitignore", ".git~1", "git~2", "git~10", "git~1x",
		"git", "gitx", ".gi", "x.git", ".git x", ".g\303\257t",
		".git\342\200\213", ".g\377it", "\342\200\214git", ".cairnx",
		"cairn", "cairn~5", "cairn~0", "cairn~", ".cairn_", "a\\b",
		".\\", "...",
	};
	/* Refused by default, accepted literally (git warns of them). */
	static const char *const unsafe[] = { ".", "..", "a/b", ".git/x",
	    "/" };
	const struct cairn_error *err;
	size_t i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		is_error(check_one("40000", reserved[i], 0), CAIRN_ERR_INVALID,
		    "a tree named '%s' is refused", reserved[i]);
		is_error(check_one("100644", reserved[i], 0),
		    CAIRN_ERR_INVALID, "a file named '%s' is refused",
		    reserved[i]);
		no_error(check_one("40000", reserved[i],
		    CAIRN_CHECK_LITERALLY), "literally: a tree named '%s'",
		    reserved[i]);
	}
	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		no_error(check_one("40000", fine[i], 0),
		    "a tree named '%s' is fine", fine[i]);
		no_error(check_one("100644", fine[i], CAIRN_CHECK_LITERALLY),
		    "literally: a file named '%s' is fine", fine[i]);
	}
	for (i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++) {
		is_error(check_one("100644", unsafe[i], 0), CAIRN_ERR_INVALID,
		    "'%s' is refused", unsafe[i]);
		no_error(check_one("100644", unsafe[i], CAIRN_CHECK_LITERALLY),
		    "literally: '%s' is accepted", unsafe[i]);
		is_error(cairn_tree_name_check(unsafe[i], strlen(unsafe[i]), 0),
		    CAIRN_ERR_INVALID, "name check: '%s'", unsafe[i]);
		no_error(cairn_tree_name_check(unsafe[i], strlen(unsafe[i]),
		    CAIRN_CHECK_LITERALLY), "name check literally: '%s'",
		    unsafe[i]);
	}
	is_error(cairn_tree_name_check("", 0, CAIRN_CHECK_LITERALLY),
	    CAIRN_ERR_INVALID, "name check literally: the empty name");
	is_error(cairn_tree_name_check("a\0b", 3, CAIRN_CHECK_LITERALLY),
	    CAIRN_ERR_INVALID, "name check literally: a NUL");

	/* git fsck's words, and the name quoted on one line. */
	err = check_one("40000", ".GIT", 0);
	ok(err != NULL && strstr(err->msg, "contains '.git'") != NULL &&
	    strstr(err->msg, "\".GIT\"") != NULL, "message: %s",
	    err ? err->msg : "none");
	err = check_one("100644", "Cairn~1", 0);
	ok(err != NULL && strstr(err->msg, "contains '.cairn'") != NULL &&
	    strstr(err->msg, "\"Cairn~1\"") != NULL, "message: %s",
	    err ? err->msg : "none");
	err = check_one("100644", "..", 0);
	ok(err != NULL && strstr(err->msg, "contains '..'") != NULL,
	    "message: %s", err ? err->msg : "none");
	err = check_one("100644", "a\n\"b\\/", 0);
	ok(err != NULL && strchr(err->msg, '\n') == NULL &&
	    strstr(err->msg, "\"a\\012\\\"b\\\\/\"") != NULL,
	    "a name with a newline, quote and backslash is quoted: %s",
	    err ? err->msg : "none");

	/* The same rules with and without flags for everything else. */
	is_error(cairn_object_check_flags(CAIRN_OBJ_COMMIT,
	    (const unsigned char *)"x", 1, SHA1, CAIRN_CHECK_LITERALLY),
	    CAIRN_ERR_INVALID, "literally: a bad commit is still refused");
}

/* ---- cairn_object_check: commits and tags ---- */

static void
test_check_commit(void)
{
	static const struct {
		const char *text;
		int valid;
		const char *what;
	} cases[] = {
		{ "tree " "4b825dc642cb6eb9a060e54bf8d69288fbee4904" "\n"
		  "author A <a@b> 1 +0000\ncommitter C <c@d> 2 -0130\n\nm\n",
		  1, "a root commit" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "parent e83c5163316f89bfbde7d9ab23ca2e25604af290\n"
		  "parent 1111111111111111111111111111111111111111\n"
		  "author A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\n"
		  "encoding UTF-8\ngpgsig -----BEGIN-----\n line\n -----END-----\n"
		  "\nmerge\n", 1, "a merge with extra headers" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "author A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\n",
		  1, "no message and no blank line" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "author  <> 0 +0000\ncommitter C <c@d> 2 +0000\n\n",
		  1, "empty name and email, date 0" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "author A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\n\n"
		  "a\0b\n", 1, "a NUL in the message" },
		{ "", 0, "empty" },
		{ "author A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\n\n",
		  0, "no tree" },
		{ "tree 4B825DC642CB6EB9A060E54BF8D69288FBEE4904\n"
		  "author A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\n\n",
		  1, "a tree id in capitals (git reads either case)" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee490\n"
		  "author A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\n\n",
		  0, "a short tree id" },
		{ "parent e83c5163316f89bfbde7d9ab23ca2e25604af290\n"
		  "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "author A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\n\n",
		  0, "parent before tree" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "parent e83c\n"
		  "author A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\n\n",
		  0, "a short parent id" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "committer C <c@d> 2 +0000\n\n", 0, "no author" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "author A <a@b> 1 +0000\n\n", 0, "no committer" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "author A a@b 1 +0000\ncommitter C <c@d> 2 +0000\n\n",
		  0, "no email brackets" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "author A<a@b> 1 +0000\ncommitter C <c@d> 2 +0000\n\n",
		  0, "no space before <" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "author <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\n\n",
		  0, "no name before <" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "author A <a@b> 01 +0000\ncommitter C <c@d> 2 +0000\n\n",
		  0, "a zero-padded date" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "author A <a@b> 1\ncommitter C <c@d> 2 +0000\n\n",
		  0, "no time zone" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "author A <a@b> 1 0000\ncommitter C <c@d> 2 +0000\n\n",
		  0, "a time zone without a sign" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "author A <a@b> 1 +00000\ncommitter C <c@d> 2 +0000\n\n",
		  0, "a time zone too long" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "author A <a@b> 99999999999999999999 +0000\n"
		  "committer C <c@d> 2 +0000\n\n", 0, "a date overflowing" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "author A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000",
		  0, "an unterminated header" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "author A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\n"
		  "encoding x", 0, "an unterminated extra header" },
		{ "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "author A <a@b> 1 +0000\nauthor A <a@b> 1 +0000\n"
		  "committer C <c@d> 2 +0000\n\n", 0, "two authors" },
	};
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = cases[i].text;

		/* The NUL case is the only one with an inner NUL. */
		len = strlen(t);
		if (strstr(cases[i].what, "NUL") != NULL)
			len += 1 + strlen(t + len + 1);
		if (cases[i].valid)
			no_error(cairn_object_check(CAIRN_OBJ_COMMIT,
			    (const unsigned char *)t, len, SHA1),
			    "commit: %s", cases[i].what);
		else
			is_error(cairn_object_check(CAIRN_OBJ_COMMIT,
			    (const unsigned char *)t, len, SHA1),
			    CAIRN_ERR_INVALID, "commit: %s", cases[i].what);
	}

	{
		static const unsigned char nul[] =
		    "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		    "author A <a\0b> 1 +0000\ncommitter C <c@d> 2 +0000\n\n";
		is_error(cairn_object_check(CAIRN_OBJ_COMMIT, nul,
		    sizeof(nul) - 1, SHA1), CAIRN_ERR_INVALID,
		    "commit: a NUL in a header");
	}
	is_error(check_str(CAIRN_OBJ_COMMIT,
	    "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
	    "author A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\n\n", SHA256),
	    CAIRN_ERR_INVALID, "commit: a sha1 tree id in a sha256 commit");
	{
		char buf[512];

		snprintf(buf, sizeof(buf), "tree %s\nauthor %s\ncommitter %s"
		    "\n\nm\n", EMPTY256, IDENT, IDENT);
		no_error(check_str(CAIRN_OBJ_COMMIT, buf, SHA256),
		    "commit: a sha256 commit");
		is_error(check_str(CAIRN_OBJ_COMMIT, buf, SHA1),
		    CAIRN_ERR_INVALID, "commit: a sha256 commit is not sha1");
	}
}

static void
test_check_tag(void)
{
	static const struct {
		const char *text;
		int valid;
		const char *what;
	} cases[] = {
		{ "object e83c5163316f89bfbde7d9ab23ca2e25604af290\n"
		  "type commit\ntag v1\ntagger T <t@g> 3 +0100\n\nmsg\n",
		  1, "an annotated tag" },
		{ "object 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		  "type tree\ntag t\n\nno tagger\n", 1, "no tagger" },
		{ "object 8ab686eafeb1f44702738c8b0f24f2567c36da6d\n"
		  "type blob\ntag b\ntagger T <t@g> 3 +0100\n", 1,
		  "a blob, no message" },
		{ "object e83c5163316f89bfbde7d9ab23ca2e25604af290\n"
		  "type tag\ntag t\ntagger T <t@g> 3 +0100\nextra x\n\nm\n",
		  1, "a tag of a tag, an extra header" },
		{ "", 0, "empty" },
		{ "type commit\ntag v1\n\nm\n", 0, "no object" },
		{ "object e83c\ntype commit\ntag v1\n\nm\n", 0,
		  "a short object id" },
		{ "object e83c5163316f89bfbde7d9ab23ca2e25604af290\n"
		  "tag v1\n\nm\n", 0, "no type" },
		{ "object e83c5163316f89bfbde7d9ab23ca2e25604af290\n"
		  "type blobby\ntag v1\n\nm\n", 0, "an unknown type" },
		{ "object e83c5163316f89bfbde7d9ab23ca2e25604af290\n"
		  "type \ntag v1\n\nm\n", 0, "an empty type" },
		{ "object e83c5163316f89bfbde7d9ab23ca2e25604af290\n"
		  "type commit\n\nm\n", 0, "no tag line" },
		{ "object e83c5163316f89bfbde7d9ab23ca2e25604af290\n"
		  "type commit\ntag v1\ntagger T t@g 3 +0100\n\nm\n", 0,
		  "a bad tagger" },
		{ "object e83c5163316f89bfbde7d9ab23ca2e25604af290\n"
		  "type commit\ntag v1\ntagger T <t@g> 03 +0100\n\nm\n", 0,
		  "a zero-padded tagger date" },
		{ "object e83c5163316f89bfbde7d9ab23ca2e25604af290\n"
		  "type commit\ntag v1", 0, "an unterminated header" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].valid)
			no_error(check_str(CAIRN_OBJ_TAG, cases[i].text, SHA1),
			    "tag: %s", cases[i].what);
		else
			is_error(check_str(CAIRN_OBJ_TAG, cases[i].text, SHA1),
			    CAIRN_ERR_INVALID, "tag: %s", cases[i].what);
	}
}

/* ---- cairn_object_links ---- */

struct links {
	struct cairn_oid id[32];
	int type[32];
	int n;
	int stop_at;		/* return nonzero on this call (1-based); 0 never */
};

static int
collect(void *arg, const struct cairn_oid *id, enum cairn_otype type)
{
	struct links *l = arg;

	if (l->n < 32) {
		l->id[l->n] = *id;
		l->type[l->n] = type;
	}
	l->n++;
	return l->n == l->stop_at ? 42 : 0;
}

static void
test_links(void)
{
	struct links l;
	struct bytes b;
	struct cairn_oid want;
	char text[1024];
	int r;

	b.len = 0;
	entry(&b, "100644", "a", SHA1, BLOB1);
	entry(&b, "100755", "b", SHA1, BLOB1);
	entry(&b, "120000", "c", SHA1, BLOB1);
	entry(&b, "40000", "d", SHA1, EMPTY1);
	entry(&b, "160000", "e", SHA1, COMMIT1);
	entry(&b, "100644", "f", SHA1, COMMIT2);
	memset(&l, 0, sizeof(l));
	r = cairn_object_links(CAIRN_OBJ_TREE, b.d, b.len, SHA1, collect, &l);
	is_int(r, 0, "tree links: returns 0");
	is_int(l.n, 5, "tree links: every entry but the gitlink");
	want = oid(SHA1, BLOB1);
	ok(cairn_oid_eq(&l.id[0], &want) && l.type[0] == CAIRN_OBJ_BLOB,
	    "tree links: a file is a blob");
	ok(l.type[1] == CAIRN_OBJ_BLOB && l.type[2] == CAIRN_OBJ_BLOB,
	    "tree links: executables and symlinks are blobs");
	want = oid(SHA1, EMPTY1);
	ok(cairn_oid_eq(&l.id[3], &want) && l.type[3] == CAIRN_OBJ_TREE,
	    "tree links: a tree is a tree");
	want = oid(SHA1, COMMIT2);
	ok(cairn_oid_eq(&l.id[4], &want) && l.type[4] == CAIRN_OBJ_BLOB,
	    "tree links: the entry after the gitlink");

	memset(&l, 0, sizeof(l));
	l.stop_at = 2;
	r = cairn_object_links(CAIRN_OBJ_TREE, b.d, b.len, SHA1, collect, &l);
	is_int(r, 42, "tree links: a nonzero return is passed back");
	is_int(l.n, 2, "tree links: and stops the walk");

	b.len = 0;
	memset(&l, 0, sizeof(l));
	is_int(cairn_object_links(CAIRN_OBJ_TREE, b.d, 0, SHA1, collect, &l),
	    0, "empty tree: no links");
	is_int(l.n, 0, "empty tree: fn never called");

	snprintf(text, sizeof(text), "tree %s\nparent %s\nparent %s\n"
	    "author %s\ncommitter %s\nmergetag object %s\n type commit\n\nm\n",
	    EMPTY1, COMMIT1, COMMIT2, IDENT, IDENT, BLOB1);
	memset(&l, 0, sizeof(l));
	r = cairn_object_links(CAIRN_OBJ_COMMIT, (unsigned char *)text,
	    strlen(text), SHA1, collect, &l);
	is_int(r, 0, "commit links: returns 0");
	is_int(l.n, 3, "commit links: the tree and two parents, not the mergetag");
	want = oid(SHA1, EMPTY1);
	ok(cairn_oid_eq(&l.id[0], &want) && l.type[0] == CAIRN_OBJ_TREE,
	    "commit links: the tree first");
	want = oid(SHA1, COMMIT1);
	ok(cairn_oid_eq(&l.id[1], &want) && l.type[1] == CAIRN_OBJ_COMMIT,
	    "commit links: the first parent");
	want = oid(SHA1, COMMIT2);
	ok(cairn_oid_eq(&l.id[2], &want) && l.type[2] == CAIRN_OBJ_COMMIT,
	    "commit links: the second parent");
	memset(&l, 0, sizeof(l));
	l.stop_at = 1;
	r = cairn_object_links(CAIRN_OBJ_COMMIT, (unsigned char *)text,
	    strlen(text), SHA1, collect, &l);
	ok(r == 42 && l.n == 1, "commit links: stop after the tree");

	snprintf(text, sizeof(text), "tree %s\nauthor %s\ncommitter %s\n"
	    "parent %s\n\nm\n", EMPTY1, IDENT, IDENT, COMMIT1);
	memset(&l, 0, sizeof(l));
	cairn_object_links(CAIRN_OBJ_COMMIT, (unsigned char *)text,
	    strlen(text), SHA1, collect, &l);
	is_int(l.n, 1, "commit links: a parent header after the committer "
	    "is not a parent");

	snprintf(text, sizeof(text), "object %s\ntype tree\ntag t\n\nm\n",
	    EMPTY1);
	memset(&l, 0, sizeof(l));
	r = cairn_object_links(CAIRN_OBJ_TAG, (unsigned char *)text,
	    strlen(text), SHA1, collect, &l);
	want = oid(SHA1, EMPTY1);
	ok(r == 0 && l.n == 1 && cairn_oid_eq(&l.id[0], &want) &&
	    l.type[0] == CAIRN_OBJ_TREE, "tag links: the object, as a tree");
	snprintf(text, sizeof(text), "object %s\ntype commit\ntag t\n"
	    "tagger %s\n\nm\n", COMMIT1, IDENT);
	memset(&l, 0, sizeof(l));
	cairn_object_links(CAIRN_OBJ_TAG, (unsigned char *)text,
	    strlen(text), SHA1, collect, &l);
	ok(l.n == 1 && l.type[0] == CAIRN_OBJ_COMMIT,
	    "tag links: the object, as a commit");
	snprintf(text, sizeof(text), "object %s\ntype tag\ntag t\n\nm\n",
	    COMMIT1);
	memset(&l, 0, sizeof(l));
	cairn_object_links(CAIRN_OBJ_TAG, (unsigned char *)text,
	    strlen(text), SHA1, collect, &l);
	ok(l.n == 1 && l.type[0] == CAIRN_OBJ_TAG, "tag links: a tag of a tag");
	snprintf(text, sizeof(text), "object %s\ntype blob\ntag t\n\nm\n",
	    BLOB1);
	memset(&l, 0, sizeof(l));
	cairn_object_links(CAIRN_OBJ_TAG, (unsigned char *)text,
	    strlen(text), SHA1, collect, &l);
	ok(l.n == 1 && l.type[0] == CAIRN_OBJ_BLOB, "tag links: a tag of a blob");

	memset(&l, 0, sizeof(l));
	is_int(cairn_object_links(CAIRN_OBJ_BLOB, (unsigned char *)text,
	    strlen(text), SHA1, collect, &l), 0, "blob links: none");
	is_int(l.n, 0, "blob links: fn never called");

	/* sha256 */
	b.len = 0;
	entry(&b, "40000", "d", SHA256, EMPTY256);
	memset(&l, 0, sizeof(l));
	cairn_object_links(CAIRN_OBJ_TREE, b.d, b.len, SHA256, collect, &l);
	want = oid(SHA256, EMPTY256);
	ok(l.n == 1 && cairn_oid_eq(&l.id[0], &want), "sha256 tree links");
	snprintf(text, sizeof(text), "tree %s\nauthor %s\ncommitter %s\n\nm\n",
	    EMPTY256, IDENT, IDENT);
	memset(&l, 0, sizeof(l));
	cairn_object_links(CAIRN_OBJ_COMMIT, (unsigned char *)text,
	    strlen(text), SHA256, collect, &l);
	ok(l.n == 1 && cairn_oid_eq(&l.id[0], &want) &&
	    l.type[0] == CAIRN_OBJ_TREE, "sha256 commit links");
}

/* ---- cairn_commit_parse ---- */

static void
test_commit_parse(void)
{
	struct cairn_commit_info ci;
	struct cairn_oid want, got;
	char text[8192];
	size_t n;
	int i;

	snprintf(text, sizeof(text), "tree %s\nparent %s\nparent %s\n"
	    "author A U Thor <a@x> 1112911993 -0700\n"
	    "committer C O Mitter <c@x> 1112912053 +0530\n"
	    "encoding UTF-8\n\nsubject\n\nbody\n", EMPTY1, COMMIT1, COMMIT2);
	if (!no_error(cairn_commit_parse((unsigned char *)text, strlen(text),
	    SHA1, &ci), "parse a merge"))
		return;
	want = oid(SHA1, EMPTY1);
	ok(cairn_oid_eq(&ci.tree, &want), "the tree");
	is_uint(ci.nparents, 2, "two parents");
	want = oid(SHA1, COMMIT1);
	ok(cairn_commit_parent(&ci, 0, &got) == NULL &&
	    cairn_oid_eq(&got, &want), "the first parent");
	want = oid(SHA1, COMMIT2);
	ok(cairn_commit_parent(&ci, 1, &got) == NULL &&
	    cairn_oid_eq(&got, &want), "the second parent");
	is_error(cairn_commit_parent(&ci, 2, &got), CAIRN_ERR_USAGE,
	    "no third parent");
	is_uint(ci.author_len, strlen("A U Thor <a@x> 1112911993 -0700"),
	    "author length");
	is_mem(ci.author, "A U Thor <a@x> 1112911993 -0700", ci.author_len,
	    "author");
	is_mem(ci.committer, "C O Mitter <c@x> 1112912053 +0530",
	    ci.committer_len, "committer");
	is_uint(ci.committer_len, strlen("C O Mitter <c@x> 1112912053 +0530"),
	    "committer length");
	is_int(ci.commit_time, 1112912053, "commit time");
	is_uint(ci.message_len, strlen("subject\n\nbody\n"), "message length");
	is_mem(ci.message, "subject\n\nbody\n", ci.message_len, "message");

	snprintf(text, sizeof(text), "tree %s\n"
	    "author A <a@x> 5 +0000\ncommitter C <c@x> 0 +0000\n", EMPTY1);
	no_error(cairn_commit_parse((unsigned char *)text, strlen(text), SHA1,
	    &ci), "parse a root commit without a message");
	is_uint(ci.nparents, 0, "no parents");
	is_int(ci.commit_time, 0, "commit time 0");
	is_uint(ci.message_len, 0, "empty message");

	snprintf(text, sizeof(text), "tree %s\n"
	    "author A <a@x> 5 +0000\ncommitter C <c@x> 7 +0000\n\n", EMPTY1);
	no_error(cairn_commit_parse((unsigned char *)text, strlen(text), SHA1,
	    &ci), "parse a commit with a blank line and no message");
	is_uint(ci.message_len, 0, "empty message after the blank line");
	is_int(ci.commit_time, 7, "commit time 7");

	/* Many parents: every one counted and read back. */
	n = (size_t)snprintf(text, sizeof(text), "tree %s\n", EMPTY1);
	for (i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "parent %038d%02d\n", 0, i);
	snprintf(text + n, sizeof(text) - n,
	    "author A <a@x> 5 +0000\ncommitter C <c@x> 9 +0000\n\noctopus\n");
	no_error(cairn_commit_parse((unsigned char *)text, strlen(text), SHA1,
	    &ci), "parse a 20-parent octopus");
	is_uint(ci.nparents, 20, "twenty parents counted");
	for (i = 0; i < 20; i++) {
		char hex[41];

		snprintf(hex, sizeof(hex), "%038d%02d", 0, i);
		want = oid(SHA1, hex);
		if (cairn_commit_parent(&ci, (size_t)i, &got) != NULL ||
		    !cairn_oid_eq(&got, &want))
			break;
	}
	is_int(i, 20, "all twenty parents read back, in order");
	is_mem(ci.message, "octopus\n", ci.message_len, "octopus message");

	/*
	 * A header after the committer is not a parent, as git parses it
	 * and as cairn_object_links walks it; nor is a second committer.
	 */
	snprintf(text, sizeof(text), "tree %s\n"
	    "author A <a@x> 5 +0000\ncommitter C <c@x> 9 +0000\n"
	    "parent %s\ncommitter D <d@x> 10 +0000\n\nm\n", EMPTY1, COMMIT1);
	no_error(cairn_commit_parse((unsigned char *)text, strlen(text), SHA1,
	    &ci), "parse a commit with look-alike extra headers");
	is_uint(ci.nparents, 0, "a parent header after the committer is not "
	    "a parent");
	is_mem(ci.committer, "C <c@x> 9 +0000", ci.committer_len,
	    "the first committer line is the committer");
	is_int(ci.commit_time, 9, "commit time with extra headers");

	/* Continuation lines of a multi-line header. */
	snprintf(text, sizeof(text), "tree %s\nparent %s\n"
	    "author A <a@x> 5 +0000\ncommitter C <c@x> 9 +0000\n"
	    "mergetag object %s\n type commit\n tag v\n"
	    " tagger T <t@x> 11 +0000\n \n tag message\n\nmerged\n",
	    EMPTY1, COMMIT1, COMMIT2);
	no_error(cairn_commit_parse((unsigned char *)text, strlen(text), SHA1,
	    &ci), "parse a commit with a mergetag");
	is_uint(ci.nparents, 1, "one parent with a mergetag");
	is_int(ci.commit_time, 9, "the mergetag's tagger is not the committer");
	is_mem(ci.message, "merged\n", ci.message_len,
	    "the message after the mergetag");

	is_error(cairn_commit_parse((unsigned char *)"tree x\n", 7, SHA1, &ci),
	    CAIRN_ERR_INVALID, "a malformed commit is refused");
	snprintf(text, sizeof(text), "tree %s\n"
	    "author A <a@x> 5 +0000\ncommitter C <c@x> 9 +0000\n\nm\n", EMPTY1);
	is_error(cairn_commit_parse((unsigned char *)text, strlen(text), SHA256,
	    &ci), CAIRN_ERR_INVALID, "a sha1 commit parsed as sha256");
	snprintf(text, sizeof(text), "tree %s\n"
	    "author A <a@x> 5 +0000\ncommitter C <c@x> 9 +0000\n\nm\n",
	    EMPTY256);
	no_error(cairn_commit_parse((unsigned char *)text, strlen(text), SHA256,
	    &ci), "a sha256 commit");
	want = oid(SHA256, EMPTY256);
	ok(cairn_oid_eq(&ci.tree, &want), "its sha256 tree");
}

int
main(void)
{
	test_tree_next();
	test_tree_next_malformed();
	test_tree_modes();
	test_name_cmp();
	test_check_tree();
	test_reserved_names();
	test_check_messages();
	test_check_commit();
	test_check_tag();
	test_links();
	test_commit_parse();
	return done_testing();
}
