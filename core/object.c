/*
 * object.c: tree, commit and tag syntax (formats in object.h).
 */
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
cairn_tree_next(struct cairn_tree_entry *e, const unsigned char *data,
    size_t len, size_t *pos, int algo)
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
	cairn_oid_set(&e->id, nul + 1, idlen);
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

static const struct cairn_error *
check_name(const struct cairn_tree_entry *e)
{
	if (e->name_len == 0)
		return bad("tree", "empty entry name");
	if (memchr(e->name, '/', e->name_len) != NULL)
		return bad("tree", "entry name contains '/'");
	if ((e->name_len == 1 && e->name[0] == '.') ||
	    (e->name_len == 2 && memcmp(e->name, "..", 2) == 0))
		return bad("tree", "entry name is '.' or '..'");
	return NULL;
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
check_tree(const unsigned char *data, size_t len, int algo)
{
	const struct cairn_error *err = NULL;
	struct cairn_buf seen = { 0 };
	struct cairn_tree_entry e, *prev;
	size_t pos = 0, n = 0;
	int r;

	while (err == NULL &&
	    (r = cairn_tree_next(&e, data, len, &pos, algo)) == 1) {
		if ((err = check_name(&e)) != NULL)
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
	if (cairn_oid_parse(id, algo, q + klen + 1, hexlen) != NULL)
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
cairn_object_check(int type, const unsigned char *data, size_t len, int algo)
{
	switch (type) {
	case CAIRN_OBJ_BLOB:
		return NULL;
	case CAIRN_OBJ_TREE:
		return check_tree(data, len, algo);
	case CAIRN_OBJ_COMMIT:
		return check_commit((const char *)data, len, algo);
	case CAIRN_OBJ_TAG:
		return check_tag((const char *)data, len, algo);
	default:
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "unknown object type %d", type);
	}
}

const struct cairn_error *
cairn_object_check_flags(int type, const unsigned char *data, size_t len,
    int algo, unsigned flags)
{
	(void)flags;
	return cairn_object_check(type, data, len, algo);
}

int
cairn_object_links(int type, const unsigned char *data, size_t len, int algo,
    int (*fn)(void *arg, const struct cairn_oid *id, int type), void *arg)
{
	const char *p = (const char *)data, *end = p + len;
	struct cairn_tree_entry e;
	struct cairn_oid id;
	size_t pos = 0;
	int r;

	if (type == CAIRN_OBJ_TREE) {
		while (cairn_tree_next(&e, data, len, &pos, algo) == 1)
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
