/*
 * object.c: tree, commit and tag syntax (formats in object.h): checking
 * objects, reading tree entries and links, parsing a commit.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "object.h"
#include "refname.h"

/* git's canon_mode: what a tree entry's mode, as written, is read as. */
static unsigned
canonical_mode(unsigned raw)
{
	switch (raw & 0170000) {
	case 0100000:
		return raw & 0100 ? CAIRN_MODE_EXEC : CAIRN_MODE_FILE;
	case 0120000:
		return CAIRN_MODE_LINK;
	case 0040000:
		return CAIRN_MODE_TREE;
	default:
		return CAIRN_MODE_GITLINK;
	}
}

int
cairn_tree_next(const unsigned char *data, size_t len, size_t *pos,
    enum cairn_hash_algo algo, struct cairn_tree_entry *e)
{
	const unsigned char *p = data + *pos, *end = data + len, *nul;
	size_t idlen = cairn_hash_len(algo);
	unsigned mode = 0;

	if (*pos >= len)
		return 0;
	/* Octal digits (at least one; they wrap as git's do), a space. */
	if (*p == ' ')
		return -1;
	for (; p < end && *p != ' '; p++) {
		if (*p < '0' || *p > '7')
			return -1;
		mode = (mode << 3) + (unsigned)(*p - '0');
	}
	if (p == end || ++p == end || *p == '\0')
		return -1;	/* no name */
	if ((nul = memchr(p, '\0', (size_t)(end - p))) == NULL ||
	    (size_t)(end - nul - 1) < idlen)
		return -1;
	e->raw_mode = mode;
	e->mode = canonical_mode(mode);
	e->name = (const char *)p;
	e->name_len = (size_t)(nul - p);
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

/*
 * What git fsck says of objects (fsck.h and fsck.c of git 2.39): each
 * message has an id, a level and git's words.  Informational messages are
 * reported as warnings, as git reports them; ignored ones are not
 * reported.  "unsafe" marks the names a checkout must never write, which
 * are stored only literally although git only warns of them.
 */
enum msg_level { M_ERROR, M_WARN, M_IGNORE };

struct msgdef {
	const char *id;
	enum msg_level level;
	int unsafe;
	const char *words;
};

enum {
	/* Every object with headers. */
	NUL_IN_HEADER, UNTERMINATED_HEADER,
	/* Trees. */
	BAD_TREE, GITMODULES_SYMLINK, GITIGNORE_SYMLINK,
	GITATTRIBUTES_SYMLINK, MAILMAP_SYMLINK, NULL_SHA1, FULL_PATHNAME,
	EMPTY_NAME, HAS_DOT, HAS_DOTDOT, HAS_DOTGIT, HAS_DOTCAIRN,
	ZERO_PADDED_FILEMODE, BAD_FILEMODE, DUPLICATE_ENTRIES,
	TREE_NOT_SORTED,
	/* Commits. */
	MISSING_TREE, BAD_TREE_SHA1, BAD_PARENT_SHA1, MISSING_AUTHOR,
	MULTIPLE_AUTHORS, MISSING_COMMITTER, NUL_IN_COMMIT,
	/* Identities. */
	MISSING_NAME_BEFORE_EMAIL, BAD_NAME, MISSING_EMAIL,
	MISSING_SPACE_BEFORE_EMAIL, BAD_EMAIL, MISSING_SPACE_BEFORE_DATE,
	ZERO_PADDED_DATE, BAD_DATE_OVERFLOW, BAD_DATE, BAD_TIMEZONE,
	/* Tags. */
	MISSING_OBJECT, BAD_OBJECT_SHA1, MISSING_TYPE_ENTRY, MISSING_TYPE,
	BAD_TYPE, MISSING_TAG_ENTRY, MISSING_TAG, BAD_TAG_NAME,
	MISSING_TAGGER_ENTRY, EXTRA_HEADER_ENTRY,
};

static const struct msgdef msgs[] = {
	[NUL_IN_HEADER] = { "nulInHeader", M_ERROR, 0,
	    "unterminated header: NUL at offset %zu" },
	[UNTERMINATED_HEADER] = { "unterminatedHeader", M_ERROR, 0,
	    "unterminated header" },
	[BAD_TREE] = { "badTree", M_ERROR, 0, "cannot be parsed as a tree" },
	[GITMODULES_SYMLINK] = { "gitmodulesSymlink", M_ERROR, 0,
	    ".gitmodules is a symbolic link" },
	[GITIGNORE_SYMLINK] = { "gitignoreSymlink", M_WARN, 0,
	    ".gitignore is a symlink" },
	[GITATTRIBUTES_SYMLINK] = { "gitattributesSymlink", M_WARN, 0,
	    ".gitattributes is a symlink" },
	[MAILMAP_SYMLINK] = { "mailmapSymlink", M_WARN, 0,
	    ".mailmap is a symlink" },
	[NULL_SHA1] = { "nullSha1", M_WARN, 0,
	    "contains entries pointing to null sha1" },
	[FULL_PATHNAME] = { "fullPathname", M_WARN, 1,
	    "contains full pathnames" },
	[EMPTY_NAME] = { "emptyName", M_WARN, 1, "contains empty pathname" },
	[HAS_DOT] = { "hasDot", M_WARN, 1, "contains '.'" },
	[HAS_DOTDOT] = { "hasDotdot", M_WARN, 1, "contains '..'" },
	[HAS_DOTGIT] = { "hasDotgit", M_WARN, 1, "contains '.git'" },
	[HAS_DOTCAIRN] = { "hasDotcairn", M_WARN, 1, "contains '.cairn'" },
	[ZERO_PADDED_FILEMODE] = { "zeroPaddedFilemode", M_WARN, 0,
	    "contains zero-padded file modes" },
	[BAD_FILEMODE] = { "badFilemode", M_WARN, 0,
	    "contains bad file modes" },
	[DUPLICATE_ENTRIES] = { "duplicateEntries", M_ERROR, 0,
	    "contains duplicate file entries" },
	[TREE_NOT_SORTED] = { "treeNotSorted", M_ERROR, 0,
	    "not properly sorted" },
	[MISSING_TREE] = { "missingTree", M_ERROR, 0,
	    "invalid format - expected 'tree' line" },
	[BAD_TREE_SHA1] = { "badTreeSha1", M_ERROR, 0,
	    "invalid 'tree' line format - bad sha1" },
	[BAD_PARENT_SHA1] = { "badParentSha1", M_ERROR, 0,
	    "invalid 'parent' line format - bad sha1" },
	[MISSING_AUTHOR] = { "missingAuthor", M_ERROR, 0,
	    "invalid format - expected 'author' line" },
	[MULTIPLE_AUTHORS] = { "multipleAuthors", M_ERROR, 0,
	    "invalid format - multiple 'author' lines" },
	[MISSING_COMMITTER] = { "missingCommitter", M_ERROR, 0,
	    "invalid format - expected 'committer' line" },
	[NUL_IN_COMMIT] = { "nulInCommit", M_WARN, 0,
	    "NUL byte in the commit object body" },
	[MISSING_NAME_BEFORE_EMAIL] = { "missingNameBeforeEmail", M_ERROR, 0,
	    "invalid author/committer line - missing space before email" },
	[BAD_NAME] = { "badName", M_ERROR, 0,
	    "invalid author/committer line - bad name" },
	[MISSING_EMAIL] = { "missingEmail", M_ERROR, 0,
	    "invalid author/committer line - missing email" },
	[MISSING_SPACE_BEFORE_EMAIL] = { "missingSpaceBeforeEmail", M_ERROR,
	    0, "invalid author/committer line - missing space before email" },
	[BAD_EMAIL] = { "badEmail", M_ERROR, 0,
	    "invalid author/committer line - bad email" },
	[MISSING_SPACE_BEFORE_DATE] = { "missingSpaceBeforeDate", M_ERROR, 0,
	    "invalid author/committer line - missing space before date" },
	[ZERO_PADDED_DATE] = { "zeroPaddedDate", M_ERROR, 0,
	    "invalid author/committer line - zero-padded date" },
	[BAD_DATE_OVERFLOW] = { "badDateOverflow", M_ERROR, 0,
	    "invalid author/committer line - date causes integer overflow" },
	[BAD_DATE] = { "badDate", M_ERROR, 0,
	    "invalid author/committer line - bad date" },
	[BAD_TIMEZONE] = { "badTimezone", M_ERROR, 0,
	    "invalid author/committer line - bad time zone" },
	[MISSING_OBJECT] = { "missingObject", M_ERROR, 0,
	    "invalid format - expected 'object' line" },
	[BAD_OBJECT_SHA1] = { "badObjectSha1", M_ERROR, 0,
	    "invalid 'object' line format - bad sha1" },
	[MISSING_TYPE_ENTRY] = { "missingTypeEntry", M_ERROR, 0,
	    "invalid format - expected 'type' line" },
	[MISSING_TYPE] = { "missingType", M_ERROR, 0,
	    "invalid format - unexpected end after 'type' line" },
	[BAD_TYPE] = { "badType", M_ERROR, 0, "invalid 'type' value" },
	[MISSING_TAG_ENTRY] = { "missingTagEntry", M_ERROR, 0,
	    "invalid format - expected 'tag' line" },
	[MISSING_TAG] = { "missingTag", M_ERROR, 0,
	    "invalid format - unexpected end after 'type' line" },
	[BAD_TAG_NAME] = { "badTagName", M_WARN, 0,
	    "invalid 'tag' name: %.*s" },
	[MISSING_TAGGER_ENTRY] = { "missingTaggerEntry", M_WARN, 0,
	    "invalid format - expected 'tagger' line" },
	[EXTRA_HEADER_ENTRY] = { "extraHeaderEntry", M_IGNORE, 0,
	    "invalid format - extra header(s) after 'tagger'" },
};

/* A check in progress: where its messages go, and its first refusal. */
struct check {
	const char *kind;		/* "tree", "commit", "tag" */
	unsigned flags;			/* CAIRN_CHECK_* */
	cairn_check_fn fn;
	void *arg;
	const struct cairn_error *err;	/* the first refusal, or NULL */
};

/*
 * Report message m, its words formatted with the arguments and followed
 * by detail (may be NULL).  Returns nonzero if the object is refused.
 */
static int
report(struct check *c, int m, const char *detail, ...)
{
	const struct msgdef *d = &msgs[m];
	struct cairn_check_msg msg;
	char text[320];
	va_list ap;
	int n, refuse;

	if (d->level == M_IGNORE)
		return 0;
	va_start(ap, detail);
	n = vsnprintf(text, sizeof(text), d->words, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(text) && detail != NULL)
		snprintf(text + n, sizeof(text) - (size_t)n, " %s", detail);
	refuse = d->level == M_ERROR ||
	    (d->unsafe && !(c->flags & CAIRN_CHECK_LITERALLY));
	if (refuse && c->err == NULL)
		c->err = cairn_error_new(CAIRN_ERR_INVALID, "invalid %s: %s: %s",
		    c->kind, d->id, text);
	if (c->fn != NULL) {
		msg.level = d->level == M_ERROR ? CAIRN_CHECK_ERROR :
		    CAIRN_CHECK_WARNING;
		msg.unsafe = d->unsafe;
		msg.id = d->id;
		msg.text = text;
		c->fn(c->arg, &msg);
	}
	return refuse;
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

/* The n letters of word, in any ASCII case, at name[at]. */
static int
has_word_n(const char *name, size_t len, size_t at, const char *word,
    size_t n)
{
	size_t i;

	if (at > len || len - at < n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)name[at + i]) != word[i])
			return 0;
	return 1;
}

static int
has_word(const char *name, size_t len, size_t at, const char *word)
{
	return has_word_n(name, len, at, word, strlen(word));
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

/*
 * git's is_ntfs_dot_generic, for ".gitmodules" and the other names git
 * reads from a tree: NTFS's reading of "." and word (in any case), of its
 * 8.3 short name (the word's first six letters, '~' and 1 to 4), or of a
 * fall-back short name (the six letters of fallback, '~', then digits, in
 * eight bytes), each followed only by spaces and periods up to the end or
 * a ':'.
 */
static int
generic_tail(const char *name, size_t len, size_t i)
{
	for (; i < len && name[i] != ':'; i++)
		if (name[i] != ' ' && name[i] != '.')
			return 0;
	return 1;
}

static int
is_ntfs_dot_generic(const char *name, size_t len, const char *word,
    const char *fallback)
{
	size_t i;
	int saw_tilde = 0;

	if (len > 0 && name[0] == '.' && has_word(name, len, 1, word))
		return generic_tail(name, len, 1 + strlen(word));
	if (len > 7 && has_word_n(name, len, 0, word, 6) && name[6] == '~' &&
	    name[7] >= '1' && name[7] <= '4')
		return generic_tail(name, len, 8);
	for (i = 0; i < 8; i++) {
		if (i >= len)
			return 0;
		if (saw_tilde) {
			if (name[i] < '0' || name[i] > '9')
				return 0;
		} else if (name[i] == '~') {
			if (++i >= len || name[i] < '1' || name[i] > '9')
				return 0;
			saw_tilde = 1;
		} else if (i >= 6 || (name[i] & 0x80) ||
		    lower((unsigned char)name[i]) != fallback[i])
			return 0;
	}
	return generic_tail(name, len, 8);
}

/* name is, on HFS+ or NTFS, the file "." word (fallback: see above). */
static int
is_dot_file(const char *name, size_t len, const char *word,
    const char *fallback)
{
	return is_hfs_dot(name, len, word) ||
	    is_ntfs_dot_generic(name, len, word, fallback);
}

/* The unsafe classes of a tree entry name, as message ids (0: none). */
static int
name_class(const char *name, size_t len)
{
	const char *word;

	if (len == 0)
		return EMPTY_NAME;
	if (memchr(name, '/', len) != NULL)
		return FULL_PATHNAME;
	if (len == 1 && name[0] == '.')
		return HAS_DOT;
	if (len == 2 && memcmp(name, "..", 2) == 0)
		return HAS_DOTDOT;
	if ((word = reserved_word(name, len)) != NULL)
		return strcmp(word, "git") == 0 ? HAS_DOTGIT : HAS_DOTCAIRN;
	return 0;
}

const struct cairn_error *
cairn_tree_name_check(const char *name, size_t len, unsigned flags)
{
	char q[160];
	int m;

	quote(q, sizeof(q), name, len);
	if (memchr(name, '\0', len) != NULL)
		return cairn_error_new(CAIRN_ERR_INVALID, "invalid tree: %s: "
		    "%s (entry %s holds a NUL)", msgs[BAD_TREE].id,
		    msgs[BAD_TREE].words, q);
	if ((m = name_class(name, len)) == 0 ||
	    ((flags & CAIRN_CHECK_LITERALLY) && m != EMPTY_NAME))
		return NULL;
	return cairn_error_new(CAIRN_ERR_INVALID, "invalid tree: %s: %s "
	    "(entry %s)", msgs[m].id, msgs[m].words, q);
}

/* Trees. */

static int
is_dir_mode(unsigned mode)
{
	return (mode & 0170000) == 0040000;
}

static int
is_link_mode(unsigned mode)
{
	return (mode & 0170000) == 0120000;
}

/* A name on the stack of verify_ordered. */
struct tname {
	const char *p;
	size_t n;
};

enum { ORDERED, UNORDERED, HAS_DUPS, NO_MEMORY };

static int
less_than_slash(unsigned char c)
{
	return c != '\0' && c < '/';
}

/*
 * git's verify_ordered: whether entry 2 may follow entry 1 (raw modes).
 * A file "x" and a tree "x" are duplicates even with "x.c" or "x-1"
 * between them (bytes below '/'), so the files that may yet meet a tree
 * of their name wait on stack.
 */
static int
verify_ordered(unsigned m1, const char *n1, size_t l1, unsigned m2,
    const char *n2, size_t l2, struct cairn_buf *stack)
{
	size_t n = l1 < l2 ? l1 : l2;
	int cmp = memcmp(n1, n2, n);
	unsigned char c1, c2;
	struct tname t, *top;

	if (cmp != 0)
		return cmp < 0 ? ORDERED : UNORDERED;
	c1 = n < l1 ? (unsigned char)n1[n] : '\0';
	c2 = n < l2 ? (unsigned char)n2[n] : '\0';
	if (c1 == '\0' && c2 == '\0')
		return HAS_DUPS;
	if (c1 == '\0' && is_dir_mode(m1))
		c1 = '/';
	if (c2 == '\0' && is_dir_mode(m2))
		c2 = '/';
	if (c1 == '\0' && less_than_slash(c2)) {
		t.p = n1;
		t.n = l1;
		if (cairn_buf_append(stack, &t, sizeof(t)) != NULL)
			return NO_MEMORY;
	} else if (c2 == '/' && less_than_slash(c1)) {
		/* Pop the files that can no longer meet a tree. */
		while (stack->len > 0) {
			top = (struct tname *)(stack->data + stack->len) - 1;
			if (l2 < top->n || memcmp(n2, top->p, top->n) != 0) {
				stack->len -= sizeof(*top);
				continue;
			}
			if (l2 == top->n)
				return HAS_DUPS;
			if (less_than_slash((unsigned char)n2[top->n]))
				break;	/* it may meet a later tree */
			stack->len -= sizeof(*top);
		}
	}
	return c1 < c2 ? ORDERED : UNORDERED;
}

static int
null_id(const struct cairn_oid *id)
{
	size_t i;

	for (i = 0; i < id->len; i++)
		if (id->hash[i] != 0)
			return 0;
	return 1;
}

/* What the entries of a tree have shown, for git's one report each. */
struct seen {
	int set;
	const char *name;	/* the first entry concerned */
	size_t len;
};

static void
mark(struct seen *s, int m, const struct cairn_tree_entry *e)
{
	if (!s[m].set) {
		s[m].set = 1;
		s[m].name = e->name;
		s[m].len = e->name_len;
	}
}

/* "(entry "<name>")" into buf. */
static const char *
entry_detail(char *buf, size_t size, const char *name, size_t len)
{
	char q[160];

	snprintf(buf, size, "(entry %s)", quote(q, sizeof(q), name, len));
	return buf;
}

/* The per-entry messages about a link named as a file git reads. */
static void
check_link_names(struct check *c, const struct cairn_tree_entry *e)
{
	static const struct {
		const char *word, *fallback;
		int msg;
	} files[] = {
		{ "gitignore", "gi250a", GITIGNORE_SYMLINK },
		{ "gitattributes", "gi7d29", GITATTRIBUTES_SYMLINK },
		{ "mailmap", "maba30", MAILMAP_SYMLINK },
	};
	char detail[200];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (is_dot_file(e->name, e->name_len, files[i].word,
		    files[i].fallback))
			report(c, files[i].msg, entry_detail(detail,
			    sizeof(detail), e->name, e->name_len));
}

/* Whether e names .gitmodules, itself or after a backslash (NTFS). */
static int
names_gitmodules(const struct cairn_tree_entry *e)
{
	const char *part = e->name, *bs;
	size_t len = e->name_len;

	if (is_hfs_dot(part, len, "gitmodules"))
		return 1;
	for (;;) {
		if (is_ntfs_dot_generic(part, len, "gitmodules", "gi7eba"))
			return 1;
		if ((bs = memchr(part, '\\', len)) == NULL)
			return 0;
		len -= (size_t)(bs + 1 - part);
		part = bs + 1;
	}
}

/* git's fsck_tree. */
static void
check_tree(struct check *c, const unsigned char *data, size_t len,
    enum cairn_hash_algo algo)
{
	struct seen seen[TREE_NOT_SORTED + 1];
	struct cairn_buf stack = { 0 };
	struct cairn_tree_entry e;
	const char *o_name = NULL;
	size_t pos = 0, at, o_len = 0;
	unsigned mode, o_mode = 0;
	char detail[200];
	int m;

	memset(seen, 0, sizeof(seen));
	while (pos < len) {
		at = pos;
		if (cairn_tree_next(data, len, &pos, algo, &e) != 1) {
			report(c, BAD_TREE, NULL);
			goto out;
		}
		mode = e.raw_mode & 0xffff;	/* git holds it in 16 bits */
		if (null_id(&e.id))
			mark(seen, NULL_SHA1, &e);
		if ((m = name_class(e.name, e.name_len)) != 0)
			mark(seen, m, &e);
		if (data[at] == '0')
			mark(seen, ZERO_PADDED_FILEMODE, &e);
		if (is_link_mode(mode) && names_gitmodules(&e))
			report(c, GITMODULES_SYMLINK, entry_detail(detail,
			    sizeof(detail), e.name, e.name_len));
		if (is_link_mode(mode))
			check_link_names(c, &e);
		switch (mode) {
		case 0100755: case 0100644: case 0120000: case 0040000:
		case 0160000:
		case 0100664:	/* early git kept group write: accepted */
			break;
		default:
			mark(seen, BAD_FILEMODE, &e);
		}
		if (o_name != NULL) {
			switch (verify_ordered(o_mode, o_name, o_len, mode,
			    e.name, e.name_len, &stack)) {
			case UNORDERED:
				mark(seen, TREE_NOT_SORTED, &e);
				break;
			case HAS_DUPS:
				mark(seen, DUPLICATE_ENTRIES, &e);
				break;
			case NO_MEMORY:
				if (c->err == NULL)
					c->err = cairn_error_nomem();
				goto out;
			}
		}
		o_mode = mode;
		o_name = e.name;
		o_len = e.name_len;
	}
	for (m = NULL_SHA1; m <= TREE_NOT_SORTED; m++)
		if (seen[m].set)
			report(c, m, entry_detail(detail, sizeof(detail),
			    seen[m].name, seen[m].len));
out:
	cairn_buf_release(&stack);
}

/* Commits and tags.  A byte past the end reads as NUL, as in git. */

static char
at(const char *p, size_t i, const char *end)
{
	return (size_t)(end - p) > i ? p[i] : '\0';
}

/* Advance *p past prefix if it starts there. */
static int
skip(const char **p, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);

	if ((size_t)(end - *p) < n || memcmp(*p, prefix, n) != 0)
		return 0;
	*p += n;
	return 1;
}

/* git's parse_oid_hex: an id in hex of either case at p; *after past it. */
static int
parse_hex(const char *p, const char *end, enum cairn_hash_algo algo,
    const char **after)
{
	size_t n = 2 * cairn_hash_len(algo);

	if (n == 0 || (size_t)(end - p) < n || !cairn_hex_valid(p, n))
		return -1;
	*after = p + n;
	return 0;
}

/* git's verify_headers: no NUL before the blank line; a last newline. */
static int
verify_headers(struct check *c, const char *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (data[i] == '\0')
			return report(c, NUL_IN_HEADER, NULL, i);
		if (data[i] == '\n' && i + 1 < len && data[i + 1] == '\n')
			return 0;
	}
	if (len > 0 && data[len - 1] == '\n')
		return 0;
	return report(c, UNTERMINATED_HEADER, NULL);
}

/* Past the bytes that are none of '<', '>', newline and NUL. */
static const char *
span_name(const char *p, const char *end)
{
	while (p < end && *p != '<' && *p != '>' && *p != '\n' && *p != '\0')
		p++;
	return p;
}

/*
 * strtoumax(p, &end, 10) over [p, end): leading white space, a sign, the
 * digits; UINTMAX_MAX if it overflows, the negation (modulo) for '-'.
 */
static uintmax_t
parse_timestamp(const char *p, const char *end, const char **out)
{
	const char *s = p;
	uintmax_t v = 0;
	unsigned d;
	int neg = 0, any = 0, over = 0;

	while (s < end && (*s == ' ' || (*s >= '\t' && *s <= '\r')))
		s++;
	if (s < end && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	for (; s < end && *s >= '0' && *s <= '9'; s++, any = 1) {
		d = (unsigned)(*s - '0');
		if (v > (UINTMAX_MAX - d) / 10)
			over = 1;
		else
			v = v * 10 + d;
	}
	*out = any ? s : p;
	if (!any)
		return 0;
	return over ? UINTMAX_MAX : neg ? (uintmax_t)0 - v : v;
}

static int
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/*
 * git's fsck_ident, of the identity at *ident ("<name> <<email>>
 * <seconds> <+|-hhmm>"); *ident moves past its line whatever it holds.
 * A date is a timestamp git can hold as a signed 64-bit time.
 */
static int
check_ident(struct check *c, const char **ident, const char *end)
{
	const char *p = *ident, *nl, *e;

	nl = memchr(p, '\n', (size_t)(end - p));
	*ident = nl != NULL ? nl + 1 : end;
	if (at(p, 0, end) == '<')
		return report(c, MISSING_NAME_BEFORE_EMAIL, NULL);
	p = span_name(p, end);
	if (at(p, 0, end) == '>')
		return report(c, BAD_NAME, NULL);
	if (at(p, 0, end) != '<')
		return report(c, MISSING_EMAIL, NULL);
	if (p[-1] != ' ')
		return report(c, MISSING_SPACE_BEFORE_EMAIL, NULL);
	p = span_name(p + 1, end);
	if (at(p, 0, end) != '>')
		return report(c, BAD_EMAIL, NULL);
	if (at(p, 1, end) != ' ')
		return report(c, MISSING_SPACE_BEFORE_DATE, NULL);
	p += 2;
	if (at(p, 0, end) == '0' && at(p, 1, end) != ' ')
		return report(c, ZERO_PADDED_DATE, NULL);
	if (parse_timestamp(p, end, &e) > INT64_MAX)
		return report(c, BAD_DATE_OVERFLOW, NULL);
	if (e == p || at(e, 0, end) != ' ')
		return report(c, BAD_DATE, NULL);
	p = e + 1;
	if ((at(p, 0, end) != '+' && at(p, 0, end) != '-') ||
	    !is_digit(at(p, 1, end)) || !is_digit(at(p, 2, end)) ||
	    !is_digit(at(p, 3, end)) || !is_digit(at(p, 4, end)) ||
	    at(p, 5, end) != '\n')
		return report(c, BAD_TIMEZONE, NULL);
	return 0;
}

/* git's fsck_commit. */
static void
check_commit(struct check *c, const char *data, size_t len,
    enum cairn_hash_algo algo)
{
	const char *p = data, *end = data + len, *q;
	unsigned authors = 0;

	if (verify_headers(c, data, len))
		return;
	if (!skip(&p, end, "tree ")) {
		report(c, MISSING_TREE, NULL);
		return;
	}
	if (parse_hex(p, end, algo, &q) != 0 || at(q, 0, end) != '\n') {
		report(c, BAD_TREE_SHA1, NULL);
		return;
	}
	p = q + 1;
	while (skip(&p, end, "parent ")) {
		if (parse_hex(p, end, algo, &q) != 0 || at(q, 0, end) != '\n') {
			report(c, BAD_PARENT_SHA1, NULL);
			return;
		}
		p = q + 1;
	}
	while (skip(&p, end, "author ")) {
		authors++;
		if (check_ident(c, &p, end))
			return;
	}
	if (authors != 1) {
		report(c, authors ? MULTIPLE_AUTHORS : MISSING_AUTHOR, NULL);
		return;
	}
	if (!skip(&p, end, "committer ")) {
		report(c, MISSING_COMMITTER, NULL);
		return;
	}
	if (check_ident(c, &p, end))
		return;
	if (memchr(data, '\0', len) != NULL)
		report(c, NUL_IN_COMMIT, NULL);
}

/*
 * Whether a tag's name is a good name under refs/tags/ by git's rules:
 * "refs/tags/@" is, although "@" alone is not a ref name.
 */
static int
tag_name_ok(const char *name, size_t len)
{
	return (len == 1 && name[0] == '@') ||
	    cairn_refname_check_git(name, len) == NULL;
}

/* git's fsck_tag. */
static void
check_tag(struct check *c, const char *data, size_t len,
    enum cairn_hash_algo algo)
{
	const char *p = data, *end = data + len, *q, *nl;
	char name[160];

	if (verify_headers(c, data, len))
		return;
	if (!skip(&p, end, "object ")) {
		report(c, MISSING_OBJECT, NULL);
		return;
	}
	if (parse_hex(p, end, algo, &q) != 0 || at(q, 0, end) != '\n') {
		report(c, BAD_OBJECT_SHA1, NULL);
		return;
	}
	p = q + 1;
	if (!skip(&p, end, "type ")) {
		report(c, MISSING_TYPE_ENTRY, NULL);
		return;
	}
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
		report(c, MISSING_TYPE, NULL);
		return;
	}
	if (cairn_otype_parse(p, (size_t)(nl - p)) == CAIRN_OBJ_NONE) {
		report(c, BAD_TYPE, NULL);
		return;
	}
	p = nl + 1;
	if (!skip(&p, end, "tag ")) {
		report(c, MISSING_TAG_ENTRY, NULL);
		return;
	}
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
		report(c, MISSING_TAG, NULL);
		return;
	}
	if (!tag_name_ok(p, (size_t)(nl - p)))
		/* The name quoted: it may hold any byte but NUL and '\n'. */
		report(c, BAD_TAG_NAME, NULL, (int)strlen(quote(name,
		    sizeof(name), p, (size_t)(nl - p))), name);
	p = nl + 1;
	if (!skip(&p, end, "tagger "))
		report(c, MISSING_TAGGER_ENTRY, NULL);
	else if (check_ident(c, &p, end))
		return;
	if (p < end && *p != '\n')
		report(c, EXTRA_HEADER_ENTRY, NULL);
}

const struct cairn_error *
cairn_object_check_report(enum cairn_otype type, const unsigned char *data,
    size_t len, enum cairn_hash_algo algo, unsigned flags, cairn_check_fn fn,
    void *arg)
{
	struct check c = { NULL, flags, fn, arg, NULL };

	switch (type) {
	case CAIRN_OBJ_BLOB:
		return NULL;
	case CAIRN_OBJ_TREE:
		c.kind = "tree";
		check_tree(&c, data, len, algo);
		break;
	case CAIRN_OBJ_COMMIT:
		c.kind = "commit";
		check_commit(&c, (const char *)data, len, algo);
		break;
	case CAIRN_OBJ_TAG:
		c.kind = "tag";
		check_tag(&c, (const char *)data, len, algo);
		break;
	default:
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "unknown object type %d", type);
	}
	return c.err;
}

const struct cairn_error *
cairn_object_check_flags(enum cairn_otype type, const unsigned char *data,
    size_t len, enum cairn_hash_algo algo, unsigned flags)
{
	return cairn_object_check_report(type, data, len, algo, flags, NULL,
	    NULL);
}

const struct cairn_error *
cairn_object_check(enum cairn_otype type, const unsigned char *data,
    size_t len, enum cairn_hash_algo algo)
{
	return cairn_object_check_report(type, data, len, algo, 0, NULL,
	    NULL);
}

/* Links: the ids of a checked object's headers ("<key> <hex>\n"). */

static const char *
line_end(const char *p, const char *end)
{
	return memchr(p, '\n', (size_t)(end - p));
}

static int
header_id(const char **p, const char *end, const char *key,
    enum cairn_hash_algo algo, struct cairn_oid *id)
{
	size_t hexlen = 2 * cairn_hash_len(algo);
	const char *q = *p, *after;

	if (!skip(&q, end, key) || !skip(&q, end, " ") ||
	    parse_hex(q, end, algo, &after) != 0 || at(after, 0, end) != '\n' ||
	    cairn_oid_parse(algo, q, hexlen, id) != NULL)
		return 0;
	*p = after + 1;
	return 1;
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
