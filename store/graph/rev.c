/*
 * rev.c: revisions, the names gitrevisions(7) gives objects relative to
 * others, over the public API.
 *
 *   rev      := name suffix* [ ":" path ]
 *   suffix   := "~" [digits]          first parent, that many times (1)
 *             | "^" [digits]          that parent (1); ^0 the commit itself
 *             | "^{" type "}"          peeled to a commit, tree, blob or tag
 *             | "^{}"                 peeled past every tag
 *   name     := what cairn_object_resolve takes: a ref name or a hex id
 *   path     := "/"-separated names of entries below the tree the rest
 *               names (empty: the tree itself)
 *
 * A name ends at the first '~', '^' or ':', none of which a ref name or a
 * hex id may hold; the path is everything after the first ':'.  Commits
 * are reached through tags, as git does for '~' and '^'.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "object.h"

/* The longest revision taken: a path inside a tree is at most this. */
#define REV_MAX 65536

enum peel {
	PEEL_NONE,		/* "^{}": past every tag */
	PEEL_COMMIT,
	PEEL_TREE,
	PEEL_BLOB,
	PEEL_TAG,
};

/* One step of a revision: a suffix parsed. */
struct step {
	int kind;		/* '~', '^' or '{' */
	unsigned long n;	/* for '~' and '^' */
	enum peel peel;		/* for '{' */
};

/* Digits at *p (none: dflt); *p moves past them. */
static int
number(const char **p, unsigned long dflt, unsigned long *out)
{
	const char *s = *p;
	unsigned long v = 0;

	if (*s < '0' || *s > '9') {
		*out = dflt;
		return 0;
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (ULONG_MAX - 9) / 10 || v * 10 + (unsigned long)(*s -
		    '0') > INT_MAX)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

/* The suffix at *p into *st, *p past it; -1 if malformed. */
static int
parse_step(const char **p, struct step *st)
{
	static const struct {
		const char *name;
		enum peel peel;
	} peels[] = {
		{ "}", PEEL_NONE }, { "commit}", PEEL_COMMIT },
		{ "tree}", PEEL_TREE }, { "blob}", PEEL_BLOB },
		{ "tag}", PEEL_TAG },
	};
	const char *s = *p;
	size_t i, l;

	memset(st, 0, sizeof(*st));
	st->kind = *s++;
	if (st->kind != '~' && st->kind != '^')
		return -1;
	if (st->kind == '^' && *s == '{') {
		s++;
		for (i = 0; i < sizeof(peels) / sizeof(peels[0]); i++) {
			l = strlen(peels[i].name);
			if (strncmp(s, peels[i].name, l) == 0) {
				st->kind = '{';
				st->peel = peels[i].peel;
				*p = s + l;
				return 0;
			}
		}
		return -1;
	}
	if (number(&s, 1, &st->n) != 0)
		return -1;
	*p = s;
	return 0;
}

/* Where the name ends: at the first '~', '^' or ':' (or the end). */
static size_t
name_len(const char *rev, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (rev[i] == '~' || rev[i] == '^' || rev[i] == ':')
			break;
	return i;
}

static const struct cairn_error *
malformed(const char *rev)
{
	return cairn_error_new(CAIRN_ERR_INVALID, "malformed revision '%s'",
	    rev);
}

const struct cairn_error *
cairn_rev_check(const char *rev)
{
	const char *p, *end;
	struct step st;
	size_t len = strlen(rev), n;
	char *name;
	int bad;

	if (len == 0 || len > REV_MAX)
		return malformed(rev);
	n = name_len(rev, len);
	if (n == 0)
		return malformed(rev);
	if ((name = malloc(n + 1)) == NULL)
		return cairn_error_nomem();
	memcpy(name, rev, n);
	name[n] = '\0';
	bad = cairn_ref_name_check(name) != NULL;
	free(name);
	if (bad)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "not a valid object name: '%s'", rev);
	end = memchr(rev, ':', len);
	if (end == NULL)
		end = rev + len;
	for (p = rev + n; p < end;)
		if (parse_step(&p, &st) != 0 || p > end)
			return malformed(rev);
	return NULL;
}

/* The object's type; NOT_FOUND named by the revision. */
static const struct cairn_error *
type_of(struct cairn_repo *repo, const char *rev, const struct cairn_oid *id,
    enum cairn_otype *type)
{
	const struct cairn_error *err;
	char hex[CAIRN_OID_HEXMAX + 1];

	err = cairn_object_stat(repo, id, type, NULL);
	if (err != NULL && err->code == CAIRN_ERR_NOT_FOUND)
		return cairn_error_new(CAIRN_ERR_INVALID, "revision '%s': "
		    "object %s is missing", rev, cairn_oid_fmt(id, hex));
	return err;
}

/* A tag's object: its one link. */
static int
take_link(void *arg, const struct cairn_oid *id, enum cairn_otype type)
{
	(void)type;
	*(struct cairn_oid *)arg = *id;
	return 1;
}

static const struct cairn_error *
tag_target(struct cairn_repo *repo, struct cairn_oid *id)
{
	const struct cairn_error *err;
	unsigned char *data;
	size_t len;
	int r;

	if ((err = cairn_graph_get_typed(repo, id, CAIRN_OBJ_TAG, &data,
	    &len)) != NULL)
		return err;
	r = cairn_object_links(CAIRN_OBJ_TAG, data, len,
	    cairn_repo_hash_algo(repo), take_link, id);
	free(data);
	if (r == 0)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "malformed tag");
	return NULL;
}

/*
 * Peel *id as want says: through tags, and for a tree from a commit to
 * its tree.  *type is the type of what *id names at the end.
 */
static const struct cairn_error *
peel(struct cairn_repo *repo, const char *rev, struct cairn_oid *id,
    enum peel want, enum cairn_otype *type)
{
	static const enum cairn_otype wanted[] = {
		[PEEL_COMMIT] = CAIRN_OBJ_COMMIT, [PEEL_TREE] = CAIRN_OBJ_TREE,
		[PEEL_BLOB] = CAIRN_OBJ_BLOB, [PEEL_TAG] = CAIRN_OBJ_TAG,
	};
	const struct cairn_error *err;
	struct cairn_commit_info ci;
	char hex[CAIRN_OID_HEXMAX + 1];
	unsigned char *data;
	size_t len;
	int depth;

	for (depth = 0;; depth++) {
		if ((err = type_of(repo, rev, id, type)) != NULL)
			return err;
		if (want == PEEL_TAG || *type != CAIRN_OBJ_TAG)
			break;
		if (depth == 64)
			return cairn_error_new(CAIRN_ERR_INVALID, "revision "
			    "'%s': tags nested too deep", rev);
		if ((err = tag_target(repo, id)) != NULL)
			return err;
	}
	if (want == PEEL_TREE && *type == CAIRN_OBJ_COMMIT) {
		if ((err = cairn_graph_get_typed(repo, id, CAIRN_OBJ_COMMIT,
		    &data, &len)) != NULL)
			return err;
		err = cairn_commit_parse(data, len, cairn_repo_hash_algo(repo),
		    &ci);
		if (err == NULL)
			*id = ci.tree;
		free(data);
		if (err != NULL)
			return err;
		*type = CAIRN_OBJ_TREE;
	}
	if (want != PEEL_NONE && *type != wanted[want])
		return cairn_error_new(CAIRN_ERR_INVALID, "revision '%s': %s "
		    "is a %s, not a %s", rev, cairn_oid_fmt(id, hex),
		    cairn_otype_name(*type), cairn_otype_name(wanted[want]));
	return NULL;
}

/* Parent n (1-based) of the commit *id names, through tags. */
static const struct cairn_error *
parent(struct cairn_repo *repo, const char *rev, struct cairn_oid *id,
    unsigned long n)
{
	const struct cairn_error *err;
	struct cairn_commit_info ci;
	enum cairn_otype type;
	char hex[CAIRN_OID_HEXMAX + 1];
	unsigned char *data;
	size_t len;

	if ((err = peel(repo, rev, id, PEEL_COMMIT, &type)) != NULL || n == 0)
		return err;
	if ((err = cairn_graph_get_typed(repo, id, CAIRN_OBJ_COMMIT, &data,
	    &len)) != NULL)
		return err;
	if ((err = cairn_commit_parse(data, len, cairn_repo_hash_algo(repo),
	    &ci)) == NULL) {
		if (n > ci.nparents)
			err = cairn_error_new(CAIRN_ERR_INVALID, "revision "
			    "'%s': commit %s has %zu parent%s", rev,
			    cairn_oid_fmt(id, hex), ci.nparents,
			    ci.nparents == 1 ? "" : "s");
		else
			err = cairn_commit_parent(&ci, n - 1, id);
	}
	free(data);
	return err;
}

/* The entry at path (len bytes, '/'-separated) below the tree *id. */
static const struct cairn_error *
entry_at(struct cairn_repo *repo, const char *rev, struct cairn_oid *id,
    const char *path, size_t len)
{
	const struct cairn_error *err;
	struct cairn_tree_entry e;
	enum cairn_otype type = CAIRN_OBJ_TREE;
	const char *full = path;
	unsigned char *data;
	size_t pos, l, tlen;
	int r, found;

	while (len > 0) {
		l = 0;
		while (l < len && path[l] != '/')
			l++;
		if (l == 0)
			return cairn_error_new(CAIRN_ERR_INVALID, "revision "
			    "'%s': empty name in the path", rev);
		if (type != CAIRN_OBJ_TREE)
			return cairn_error_new(CAIRN_ERR_INVALID, "revision "
			    "'%s': '%.*s' is not a tree", rev,
			    (int)(path - 1 - full), full);
		if ((err = cairn_graph_get_typed(repo, id, CAIRN_OBJ_TREE,
		    &data, &tlen)) != NULL)
			return err;
		pos = 0;
		found = 0;
		while ((r = cairn_tree_next(data, tlen, &pos,
		    cairn_repo_hash_algo(repo), &e)) == 1)
			if (e.name_len == l && memcmp(e.name, path, l) == 0) {
				found = 1;
				*id = e.id;
				type = e.mode == CAIRN_MODE_TREE ?
				    CAIRN_OBJ_TREE : CAIRN_OBJ_BLOB;
				if (e.mode == CAIRN_MODE_GITLINK)
					type = CAIRN_OBJ_COMMIT;
				break;
			}
		free(data);
		if (r < 0)
			return cairn_error_new(CAIRN_ERR_CORRUPT,
			    "malformed tree");
		if (!found)
			return cairn_error_new(CAIRN_ERR_INVALID, "revision "
			    "'%s': path '%.*s' does not exist", rev,
			    (int)(path + l - full), full);
		path += l;
		len -= l;
		/* A trailing '/' is allowed, as git allows it. */
		if (len > 0) {
			path++;
			len--;
			if (len == 0 && type != CAIRN_OBJ_TREE)
				return cairn_error_new(CAIRN_ERR_INVALID,
				    "revision '%s': '%.*s' is not a tree", rev,
				    (int)(path - 1 - full), full);
		}
	}
	return NULL;
}

const struct cairn_error *
cairn_rev_resolve(struct cairn_repo *repo, const char *rev,
    struct cairn_oid *out)
{
	const struct cairn_error *err;
	const char *p, *colon;
	struct cairn_oid id;
	enum cairn_otype type;
	struct step st;
	size_t len = strlen(rev), n;
	char *name;

	/* A plain name (the common case, as in cat --batch) directly. */
	if ((n = name_len(rev, len)) == len)
		return cairn_object_resolve(repo, rev, out);
	if ((err = cairn_rev_check(rev)) != NULL)
		return err;
	if ((name = malloc(n + 1)) == NULL)
		return cairn_error_nomem();
	memcpy(name, rev, n);
	name[n] = '\0';
	err = cairn_object_resolve(repo, name, &id);
	free(name);
	if (err != NULL && (err->code == CAIRN_ERR_NOT_FOUND ||
	    err->code == CAIRN_ERR_AMBIGUOUS))
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "unknown revision '%s': %s", rev, err->msg);
	if (err != NULL)
		return err;
	colon = memchr(rev, ':', len);
	for (p = rev + n; err == NULL && p < (colon ? colon : rev + len);) {
		parse_step(&p, &st);
		if (st.kind == '~')
			for (err = parent(repo, rev, &id, 0);
			    err == NULL && st.n > 0; st.n--)
				err = parent(repo, rev, &id, 1);
		else if (st.kind == '^')
			err = parent(repo, rev, &id, st.n);
		else
			err = peel(repo, rev, &id, st.peel, &type);
	}
	if (err == NULL && colon != NULL &&
	    (err = peel(repo, rev, &id, PEEL_TREE, &type)) == NULL)
		err = entry_at(repo, rev, &id, colon + 1,
		    len - (size_t)(colon + 1 - rev));
	if (err == NULL)
		*out = id;
	return err;
}
