/*
 * object.c: tree, commit and tag syntax (formats in object.h): checking
 * objects, reading tree entries and links, parsing a commit.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "object.h"

static const struct {
	const char *text;
	unsigned mode;
} modes[] = {
	{ "100644", CAIRN_MODE_FILE },
	{ "100755", CAIRN_MODE_EXEC },
	{ "120000", CAIRN_MODE_LINK },
	{ "40000", CAIRN_MODE_TREE },
	{ "160000", CAIRN_MODE_GITLINK },
};

int
cairn_tree_next(const unsigned char *data, size_t len, size_t *pos, enum cairn_hash_algo algo,
    struct cairn_tree_entry *e)
{
	const unsigned char *p = data + *pos, *end = data + len, *sp, *nul;
	size_t idlen = cairn_hash_len(algo), i;

	if (*pos >= len)
		return 0;
	if ((sp = memchr(p, ' ', (size_t)(end - p))) == NULL)
		return -1;
	e->mode = 0;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if ((size_t)(sp - p) == strlen(modes[i].text) &&
		    memcmp(p, modes[i].text, (size_t)(sp - p)) == 0)
			e->mode = modes[i].mode;
	if (e->mode == 0)
		return -1;
	if ((nul = memchr(sp + 1, '\0', (size_t)(end - sp - 1))) == NULL ||
	    (size_t)(end - nul - 1) < idlen)
		return -1;
	e->name = (const char *)sp + 1;
	e->name_len = (size_t)(nul - sp - 1);
	cairn_oid_set(nul + 1, idlen, &e->id);
	*pos = (size_t)(nul + 1 + idlen - data);
	return 1;
}

int
cairn_tree_name_cmp(const char *a, size_t alen, int a_tree, const char *b,
    size_t blen, int b_tree)
{
	size_t n = alen < blen ? alen : blen;
	int c = memcmp(a, b, n);
	unsigned char ca, cb;

	if (c != 0)
		return c;
	ca = alen > n ? (unsigned char)a[n] : a_tree ? '/' : 0;
	cb = blen > n ? (unsigned char)b[n] : b_tree ? '/' : 0;
	return ca < cb ? -1 : ca > cb;
}

static const struct cairn_error *
bad(const char *kind, const char *what)
{
	return cairn_error_new(CAIRN_ERR_INVALID, "invalid %s: %s", kind, what);
}

/*
 * Names a file system may take for ".git" or ".cairn" (git's fsck rules,
 * utf8.c is_hfs_dotgit and path.c is_ntfs_dotgit):
 *
 * - HFS+ ignores some Unicode code points in names and folds case: the
 *   name, its UTF-8 decoded with those code points dropped, is '.' and
 *   then the word in any ASCII case, and nothing more;
 * - NTFS drops trailing spaces and periods, takes "name:stream" (as in
 *   ".git::$INDEX_ALLOCATION") for name, folds case, and has 8.3 short
 *   names: ".git" is "git~1" (git makes .git first, so never ~2), ".cairn"
 *   "cairn~1" to "cairn~4" (Windows' hashed fall-back names cannot be
 *   predicted here);
 * - a backslash is a separator on Windows, so every part after one is
 *   checked with the NTFS rules too.
 */
struct reserved {
	const char *word;	/* without the leading '.' */
	const char *short_;	/* the 8.3 short name's stem before '~' */
	char max_tilde;		/* highest digit after '~' */
};

static const struct reserved reserved[] = {
	{ "git", "git", '1' },
	{ "cairn", "cairn", '4' },
};

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c;
}

/*
 * The next code point of [*p, end) that HFS+ does not ignore: 0 at the
 * end, -1 for bytes that are not UTF-8 (which cannot spell ".git").
 */
static long
hfs_next(const unsigned char **p, const unsigned char *end)
{
	const unsigned char *s;
	long c;
	size_t n, i;

	for (;;) {
		if ((s = *p) >= end)
			return 0;
		if (s[0] < 0x80) {
			*p = s + 1;
			return s[0];
		}
		if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
			n = 2, c = s[0] & 0x1f;
		else if ((s[0] & 0xf0) == 0xe0)
			n = 3, c = s[0] & 0x0f;
		else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
			n = 4, c = s[0] & 0x07;
		else
			return -1;
		if ((size_t)(end - s) < n)
			return -1;
		for (i = 1; i < n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return -1;
			c = c << 6 | (s[i] & 0x3f);
		}
		if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
		    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
			return -1;	/* overlong, surrogate, out of range */
		*p = s + n;
		/* Zero-width and directional marks, and the BOM. */
		if ((c >= 0x200c && c <= 0x200f) ||
		    (c >= 0x202a && c <= 0x202e) ||
		    (c >= 0x206a && c <= 0x206f) || c == 0xfeff)
			continue;
		return c;
	}
}

static int
is_hfs_dot(const char *name, size_t len, const char *word)
{
	const unsigned char *p = (const unsigned char *)name, *end = p + len;
	long c;

	if (hfs_next(&p, end) != '.')
		return 0;
	for (; *word != '\0'; word++)
		if ((c = hfs_next(&p, end)) <= 0 || c > 127 ||
		    lower((int)c) != *word)
			return 0;
	return hfs_next(&p, end) == 0;
}

/* Only spaces and periods from i to the end, a ':' or a backslash. */
static int
ntfs_tail(const char *name, size_t len, size_t i)
{
	for (; i < len && name[i] != ':' && name[i] != '\\'; i++)
		if (name[i] != ' ' && name[i] != '.')
			return 0;
	return 1;
}

static int
has_word(const char *name, size_t len, size_t at, const char *word)
{
	size_t i, n = strlen(word);

	if (len - at < n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)name[at + i]) != word[i])
			return 0;
	return 1;
}

static int
is_ntfs_dot(const char *name, size_t len, const struct reserved *r)
{
	size_t n = strlen(r->short_);

	if (len > 0 && name[0] == '.' && has_word(name, len, 1, r->word))
		return ntfs_tail(name, len, 1 + strlen(r->word));
	if (has_word(name, len, 0, r->short_) && len >= n + 2 &&
	    name[n] == '~' && name[n + 1] >= '1' && name[n + 1] <= r->max_tilde)
		return ntfs_tail(name, len, n + 2);
	return 0;
}

/* The reserved word name stands for on some file system, or NULL. */
static const char *
reserved_word(const char *name, size_t len)
{
	const char *part, *bs;
	size_t i, plen;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		if (is_hfs_dot(name, len, reserved[i].word))
			return reserved[i].word;
		for (part = name, plen = len;;) {
			if (is_ntfs_dot(part, plen, &reserved[i]))
				return reserved[i].word;
			if ((bs = memchr(part, '\\', plen)) == NULL)
				break;
			plen -= (size_t)(bs + 1 - part);
			part = bs + 1;
		}
	}
	return NULL;
}

/* name as git quotes a path: in double quotes, C escapes; long ones cut. */
static const char *
quote(char *out, size_t size, const char *name, size_t len)
{
	static const char hex[] = "01234567";
	size_t o = 0, i;
	unsigned char c;

	out[o++] = '"';
	for (i = 0; i < len && o + 8 < size; i++) {
		c = (unsigned char)name[i];
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f)
			out[o++] = (char)c;
		else {
			out[o++] = '\\';
			out[o++] = hex[c >> 6];
			out[o++] = hex[(c >> 3) & 7];
			out[o++] = hex[c & 7];
		}
	}
	if (i < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

const struct cairn_error *
cairn_tree_name_check(const char *name, size_t len, unsigned flags)
{
	char q[160];
	const char *what = NULL, *word;

	if (len == 0)
		return bad("tree", "contains empty pathname");
	if (memchr(name, '/', len) != NULL)
		what = "contains full pathnames";
	else if (memchr(name, '\0', len) != NULL)
		what = "contains a NUL in a name";
	else if (len == 1 && name[0] == '.')
		what = "contains '.'";
	else if (len == 2 && memcmp(name, "..", 2) == 0)
		what = "contains '..'";
	else if (!(flags & CAIRN_CHECK_LITERALLY) &&
	    (word = reserved_word(name, len)) != NULL)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "invalid tree: contains '.%s' (entry %s)", word,
		    quote(q, sizeof(q), name, len));
	if (what == NULL)
		return NULL;
	return cairn_error_new(CAIRN_ERR_INVALID, "invalid tree: %s (entry %s)",
	    what, quote(q, sizeof(q), name, len));
}

/*
 * A tree "x" sorts after a file "x" and after "x.c", "x-1" (bytes below
 * '/'), so a duplicate name need not be adjacent: look back over the
 * entries that start with "x" and then such a byte.
 */
static int
dup_before(const struct cairn_tree_entry *seen, size_t n,
    const struct cairn_tree_entry *e)
{
	const struct cairn_tree_entry *p;

	while (n-- > 0) {
		p = &seen[n];
		if (p->name_len < e->name_len ||
		    memcmp(p->name, e->name, e->name_len) != 0)
			return 0;
		if (p->name_len == e->name_len)
			return 1;
		if ((unsigned char)p->name[e->name_len] >= '/')
			return 0;
	}
	return 0;
}

static const struct cairn_error *
check_tree(const unsigned char *data, size_t len, int algo, unsigned flags)
{
	const struct cairn_error *err = NULL;
	struct cairn_buf seen = { 0 };
	struct cairn_tree_entry e, *prev;
	size_t pos = 0, n = 0;
	int r;

	while (err == NULL &&
	    (r = cairn_tree_next(data, len, &pos, algo, &e)) == 1) {
		if ((err = cairn_tree_name_check(e.name, e.name_len,
		    flags)) != NULL)
			break;
		prev = n > 0 ? (struct cairn_tree_entry *)seen.data + n - 1 :
		    NULL;
		if (prev != NULL && cairn_tree_name_cmp(prev->name,
		    prev->name_len, prev->mode == CAIRN_MODE_TREE, e.name,
		    e.name_len, e.mode == CAIRN_MODE_TREE) > 0)
			err = bad("tree", "entries not sorted");
		else if (dup_before((struct cairn_tree_entry *)seen.data, n, &e))
			err = bad("tree", "duplicate entries");
		else if ((err = cairn_buf_append(&seen, &e, sizeof(e))) == NULL)
			n++;
	}
	cairn_buf_release(&seen);
	if (err == NULL && r < 0)
		err = bad("tree", "malformed entry");
	return err;
}

/* Header helpers over [p, end): lines end in '\n'. */

static const char *
line_end(const char *p, const char *end)
{
	return memchr(p, '\n', (size_t)(end - p));
}

/* "<key> <hex>\n" at *p: parse the id, advance. */
static int
header_id(const char **p, const char *end, const char *key, int algo,
    struct cairn_oid *id)
{
	size_t klen = strlen(key), hexlen = 2 * cairn_hash_len(algo);
	const char *q = *p;

	if ((size_t)(end - q) < klen + 2 + hexlen ||
	    memcmp(q, key, klen) != 0 || q[klen] != ' ' ||
	    q[klen + 1 + hexlen] != '\n')
		return 0;
	for (size_t i = 0; i < hexlen; i++)
		if (!((q[klen + 1 + i] >= '0' && q[klen + 1 + i] <= '9') ||
		    (q[klen + 1 + i] >= 'a' && q[klen + 1 + i] <= 'f')))
			return 0;
	if (cairn_oid_parse(algo, q + klen + 1, hexlen, id) != NULL)
		return 0;
	*p = q + klen + 2 + hexlen;
	return 1;
}

/* An ident "<name> <<email>> <seconds> <+|-hhmm>" from p to the newline. */
static int
ident_ok(const char *p, const char *nl)
{
	const char *lt, *gt, *d;
	int i;

	if ((lt = memchr(p, '<', (size_t)(nl - p))) == NULL ||
	    (gt = memchr(lt, '>', (size_t)(nl - lt))) == NULL)
		return 0;
	if (memchr(p, '>', (size_t)(lt - p)) != NULL ||
	    (lt > p && lt[-1] != ' ') || lt == p)
		return 0;
	if (memchr(lt + 1, '<', (size_t)(gt - lt - 1)) != NULL)
		return 0;
	d = gt + 1;
	if (d >= nl || *d++ != ' ' || d >= nl || *d < '0' || *d > '9')
		return 0;
	if (*d == '0' && d + 1 < nl && d[1] >= '0' && d[1] <= '9')
		return 0;	/* zero-padded date */
	for (i = 0; d < nl && *d >= '0' && *d <= '9'; d++, i++)
		if (i >= 19)
			return 0;	/* date overflow */
	if (nl - d != 6 || d[0] != ' ' || (d[1] != '+' && d[1] != '-'))
		return 0;
	for (i = 2; i < 6; i++)
		if (d[i] < '0' || d[i] > '9')
			return 0;
	return 1;
}

/* "<key> <ident>\n" at *p. */
static int
header_ident(const char **p, const char *end, const char *key)
{
	size_t klen = strlen(key);
	const char *nl;

	if ((size_t)(end - *p) < klen + 1 || memcmp(*p, key, klen) != 0 ||
	    (*p)[klen] != ' ' || (nl = line_end(*p, end)) == NULL ||
	    !ident_ok(*p + klen + 1, nl))
		return 0;
	*p = nl + 1;
	return 1;
}

/*
 * The headers must end: either a blank line, or the buffer ends right
 * after a header's newline; and hold no NUL.
 */
static const struct cairn_error *
check_headers(const char *kind, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl;

	while (p < end) {
		if (*p == '\n')
			return memchr(data, '\0', (size_t)(p - data)) ?
			    bad(kind, "NUL in header") : NULL;
		if ((nl = line_end(p, end)) == NULL)
			return bad(kind, "unterminated header");
		p = nl + 1;
	}
	return memchr(data, '\0', len) ? bad(kind, "NUL in header") : NULL;
}

static const struct cairn_error *
check_commit(const char *data, size_t len, int algo)
{
	const struct cairn_error *err;
	const char *p = data, *end = data + len;
	struct cairn_oid id;

	if ((err = check_headers("commit", data, len)) != NULL)
		return err;
	if (!header_id(&p, end, "tree", algo, &id))
		return bad("commit", "missing or bad tree line");
	while (p < end && strncmp(p, "parent ", 7) == 0)
		if (!header_id(&p, end, "parent", algo, &id))
			return bad("commit", "bad parent line");
	if (!header_ident(&p, end, "author"))
		return bad("commit", "missing or bad author line");
	if (!header_ident(&p, end, "committer"))
		return bad("commit", "missing or bad committer line");
	return NULL;
}

static const struct cairn_error *
check_tag(const char *data, size_t len, int algo)
{
	const struct cairn_error *err;
	const char *p = data, *end = data + len, *nl;
	struct cairn_oid id;

	if ((err = check_headers("tag", data, len)) != NULL)
		return err;
	if (!header_id(&p, end, "object", algo, &id))
		return bad("tag", "missing or bad object line");
	if ((size_t)(end - p) < 5 || memcmp(p, "type ", 5) != 0 ||
	    (nl = line_end(p, end)) == NULL ||
	    cairn_otype_parse(p + 5, (size_t)(nl - p - 5)) == CAIRN_OBJ_NONE)
		return bad("tag", "missing or bad type line");
	p = nl + 1;
	if ((size_t)(end - p) < 4 || memcmp(p, "tag ", 4) != 0 ||
	    (nl = line_end(p, end)) == NULL || nl == p + 4)
		return bad("tag", "missing or bad tag line");
	p = nl + 1;
	if (p < end && strncmp(p, "tagger ", 7) == 0 &&
	    !header_ident(&p, end, "tagger"))
		return bad("tag", "bad tagger line");
	return NULL;
}

const struct cairn_error *
cairn_object_check(enum cairn_otype type, const unsigned char *data, size_t len, enum cairn_hash_algo algo)
{
	return cairn_object_check_flags(type, data, len, algo, 0);
}

const struct cairn_error *
cairn_object_check_flags(enum cairn_otype type, const unsigned char *data, size_t len,
    enum cairn_hash_algo algo, unsigned flags)
{
	switch (type) {
	case CAIRN_OBJ_BLOB:
		return NULL;
	case CAIRN_OBJ_TREE:
		return check_tree(data, len, algo, flags);
	case CAIRN_OBJ_COMMIT:
		return check_commit((const char *)data, len, algo);
	case CAIRN_OBJ_TAG:
		return check_tag((const char *)data, len, algo);
	default:
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "unknown object type %d", type);
	}
}

int
cairn_object_links(enum cairn_otype type, const unsigned char *data, size_t len, enum cairn_hash_algo algo,
    int (*fn)(void *arg, const struct cairn_oid *id, enum cairn_otype type), void *arg)
{
	const char *p = (const char *)data, *end = p + len;
	struct cairn_tree_entry e;
	struct cairn_oid id;
	size_t pos = 0;
	int r;

	if (type == CAIRN_OBJ_TREE) {
		while (cairn_tree_next(data, len, &pos, algo, &e) == 1)
			if (e.mode != CAIRN_MODE_GITLINK && (r = fn(arg, &e.id,
			    e.mode == CAIRN_MODE_TREE ? CAIRN_OBJ_TREE :
			    CAIRN_OBJ_BLOB)) != 0)
				return r;
		return 0;
	}
	if (type == CAIRN_OBJ_COMMIT) {
		if (header_id(&p, end, "tree", algo, &id) &&
		    (r = fn(arg, &id, CAIRN_OBJ_TREE)) != 0)
			return r;
		while (header_id(&p, end, "parent", algo, &id))
			if ((r = fn(arg, &id, CAIRN_OBJ_COMMIT)) != 0)
				return r;
		return 0;
	}
	if (type == CAIRN_OBJ_TAG && header_id(&p, end, "object", algo, &id)) {
		const char *nl = line_end(p, end);
		int t = nl && end - p > 5 ? cairn_otype_parse(p + 5,
		    (size_t)(nl - p - 5)) : CAIRN_OBJ_NONE;
		return fn(arg, &id, t);
	}
	return 0;
}

/* Parsing a commit. */

/* The line starting at *p (up to '\n'); advances past it. */
static size_t
take_line(const char **p, const char *end, const char **line)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t len;

	*line = *p;
	len = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	*p += len + (nl != NULL);
	return len;
}

static int64_t
ident_time(const char *s, size_t len)
{
	const char *gt = NULL, *p;

	for (p = s; p < s + len; p++)
		if (*p == '>')
			gt = p;
	return gt && gt + 2 < s + len ? strtoll(gt + 2, NULL, 10) : 0;
}

const struct cairn_error *
cairn_commit_parse(const unsigned char *data, size_t len,
    enum cairn_hash_algo algo, struct cairn_commit_info *ci)
{
	const struct cairn_error *err;
	const char *p = (const char *)data, *end = p + len, *line, *blank;
	size_t n, hexlen = 2 * cairn_hash_len(algo);

	if ((err = cairn_object_check(CAIRN_OBJ_COMMIT, data, len, algo)))
		return err;
	memset(ci, 0, sizeof(*ci));
	/* Validated: tree, parents, author, committer, in that order. */
	take_line(&p, end, &line);
	cairn_oid_parse(algo, line + 5, hexlen, &ci->tree);
	ci->algo = algo;
	ci->parents = p;
	while ((n = take_line(&p, end, &line)) > 7 &&
	    memcmp(line, "parent ", 7) == 0)
		ci->nparents++;
	ci->author = line + 7;
	ci->author_len = n - 7;
	n = take_line(&p, end, &line);
	ci->committer = line + 10;
	ci->committer_len = n - 10;
	ci->commit_time = ident_time(ci->committer, ci->committer_len);
	/* The message follows the first blank line, if any. */
	blank = p;
	while (blank < end && *blank != '\n')
		take_line(&blank, end, &line);
	ci->message = blank < end ? blank + 1 : end;
	ci->message_len = (size_t)(end - ci->message);
	return NULL;
}

/* The parent lines are validated and consecutive, each of one length. */
const struct cairn_error *
cairn_commit_parent(const struct cairn_commit_info *ci, size_t i,
    struct cairn_oid *out)
{
	size_t hexlen = 2 * cairn_hash_len(ci->algo);

	if (i >= ci->nparents)
		return cairn_error_new(CAIRN_ERR_USAGE, "the commit has %zu "
		    "parents, not %zu", ci->nparents, i + 1);
	return cairn_oid_parse(ci->algo, ci->parents + i * (hexlen + 8) + 7,
	    hexlen, out);
}
