/*
 * t-diff.c: unit tests of cairn_tree_diff, the changes between two trees
 * as git diff-tree -r reports them, on a memory repository: git's order
 * (a directory sorts as if its name ended in '/'), a file that becomes a
 * directory, type and mode changes, path limits on a directory boundary,
 * equal subtrees not read, the empty tree, errors, and a callback that
 * stops the walk.  The expected lists are what git diff-tree -r prints
 * for the same trees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"

#include "tap.h"

static struct cairn_repo *repo;

static struct cairn_oid
put(enum cairn_otype type, const void *data, size_t len)
{
	struct cairn_oid id;

	if (cairn_object_put(repo, type, data, len, &id) != NULL)
		bail_out("cannot store a test object");
	return id;
}

/* One tree entry appended to buf at *len. */
static void
entry(unsigned char *buf, size_t *len, const char *mode, const char *name,
    const struct cairn_oid *id)
{
	size_t n = (size_t)sprintf((char *)buf + *len, "%s %s", mode, name) + 1;

	memcpy(buf + *len + n, id->hash, id->len);
	*len += n + id->len;
}

/* The entries reported, one "S old new path" line each, modes octal. */
struct seen {
	char text[2048];
	size_t used;
	int calls, stop_after;
	struct cairn_diff_entry first;
};

static int
record(void *arg, const struct cairn_diff_entry *d)
{
	struct seen *s = arg;
	int n;

	if (s->calls == 0)
		s->first = *d;
	s->calls++;
	n = snprintf(s->text + s->used, sizeof(s->text) - s->used,
	    "%c %06o %06o %s\n", d->status, d->old_mode, d->new_mode, d->path);
	if (n < 0 || (size_t)n >= sizeof(s->text) - s->used)
		bail_out("the list of changes is too long");
	s->used += (size_t)n;
	return s->stop_after != 0 && s->calls >= s->stop_after;
}

/* Diff a and b limited to paths; compare the list with want. */
static void
check(const char *what, const struct cairn_oid *a, const struct cairn_oid *b,
    const char *const *paths, size_t npaths, const char *want)
{
	struct seen s;

	memset(&s, 0, sizeof(s));
	if (!no_error(cairn_tree_diff(repo, a, b, paths, npaths, record, &s),
	    "%s: cairn_tree_diff", what))
		return;
	is_str(s.text, want, "%s: the changes, in git's order", what);
}

int
main(void)
{
	static const char a_to_b[] =
	    "M 100644 100644 a.b\n"
	    "M 100644 100644 a/f\n"
	    "D 100644 000000 a0\n"
	    "T 100644 120000 l\n"
	    "M 100644 100755 m\n"
	    "A 000000 100644 new\n"
	    "D 100644 000000 z\n"
	    "A 000000 100644 z/f\n";
	static const char b_to_a[] =
	    "M 100644 100644 a.b\n"
	    "M 100644 100644 a/f\n"
	    "A 000000 100644 a0\n"
	    "T 120000 100644 l\n"
	    "M 100755 100644 m\n"
	    "D 100644 000000 new\n"
	    "A 000000 100644 z\n"
	    "D 100644 000000 z/f\n";
	struct cairn_oid x, y, s1, s2, keep, keep2, ta, tb, tk, tk2, zero;
	unsigned char buf[1024];
	size_t len;
	struct seen s;

	if (!no_error(cairn_repo_open(NULL, CAIRN_OPEN_MEMORY | CAIRN_OPEN_SHA1,
	    &repo), "open a memory repository"))
		return done_testing();

	x = put(CAIRN_OBJ_BLOB, "x\n", 2);
	y = put(CAIRN_OBJ_BLOB, "y\n", 2);
	len = 0;
	entry(buf, &len, "100644", "f", &x);
	s1 = put(CAIRN_OBJ_TREE, buf, len);
	len = 0;
	entry(buf, &len, "100644", "f", &y);
	s2 = put(CAIRN_OBJ_TREE, buf, len);
	/* Subtrees whose ids are known but which are not stored. */
	len = 0;
	entry(buf, &len, "100644", "k", &x);
	if (cairn_hash_object(CAIRN_HASH_SHA1, CAIRN_OBJ_TREE, buf, len,
	    &keep) != NULL)
		bail_out("cannot hash a test tree");
	len = 0;
	entry(buf, &len, "100644", "k", &y);
	if (cairn_hash_object(CAIRN_HASH_SHA1, CAIRN_OBJ_TREE, buf, len,
	    &keep2) != NULL)
		bail_out("cannot hash a test tree");

	len = 0;
	entry(buf, &len, "100644", "a.b", &x);
	entry(buf, &len, "40000", "a", &s1);
	entry(buf, &len, "100644", "a0", &x);
	entry(buf, &len, "100644", "ab", &x);
	entry(buf, &len, "40000", "keep", &keep);
	entry(buf, &len, "100644", "l", &x);
	entry(buf, &len, "100644", "m", &x);
	entry(buf, &len, "100644", "z", &x);
	ta = put(CAIRN_OBJ_TREE, buf, len);
	len = 0;
	entry(buf, &len, "100644", "a.b", &y);
	entry(buf, &len, "40000", "a", &s2);
	entry(buf, &len, "100644", "ab", &x);
	entry(buf, &len, "40000", "keep", &keep);
	entry(buf, &len, "120000", "l", &x);
	entry(buf, &len, "100755", "m", &x);
	entry(buf, &len, "100644", "new", &y);
	entry(buf, &len, "40000", "z", &s2);
	tb = put(CAIRN_OBJ_TREE, buf, len);

	/* The missing subtree keep is equal on both sides: never read. */
	check("a to b", &ta, &tb, NULL, 0, a_to_b);
	check("b to a", &tb, &ta, NULL, 0, b_to_a);
	check("a tree to itself", &ta, &ta, NULL, 0, "");

	{
		const char *const p_a[] = { "a" };
		const char *const p_z[] = { "z" };
		const char *const p_two[] = { "z/f", "a.b" };
		const char *const p_none[] = { "nothere" };
		const char *const p_deep[] = { "a/f" };

		check("limited to a: not a.b, a0 nor ab", &ta, &tb, p_a, 1,
		    "M 100644 100644 a/f\n");
		check("limited to a/f", &ta, &tb, p_deep, 1,
		    "M 100644 100644 a/f\n");
		check("limited to z: the file and the directory", &ta, &tb,
		    p_z, 1, "D 100644 000000 z\nA 000000 100644 z/f\n");
		check("two paths, in any order", &ta, &tb, p_two, 2,
		    "M 100644 100644 a.b\nA 000000 100644 z/f\n");
		check("a path in neither tree", &ta, &tb, p_none, 1, "");
	}

	check("from the empty tree", NULL, &s1, NULL, 0,
	    "A 000000 100644 f\n");
	check("to the empty tree", &s2, NULL, NULL, 0,
	    "D 100644 000000 f\n");
	check("empty to empty", NULL, NULL, NULL, 0, "");

	/* The ids of each side; all zero on the absent one. */
	memset(&zero, 0, sizeof(zero));
	memset(&s, 0, sizeof(s));
	if (no_error(cairn_tree_diff(repo, NULL, &s1, NULL, 0, record, &s),
	    "an added file: cairn_tree_diff")) {
		ok(s.calls == 1 && cairn_oid_eq(&s.first.new_id, &x),
		    "an added file: its new id");
		ok(memcmp(s.first.old_id.hash, zero.hash,
		    sizeof(zero.hash)) == 0, "an added file: old id all zero");
	}

	/* A nonzero return stops the walk. */
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	ok(cairn_tree_diff(repo, &ta, &tb, NULL, 0, record, &s) == NULL &&
	    s.calls == 2, "a nonzero return of the callback stops the walk");

	/* Subtrees that differ must be read: a missing one is not found. */
	len = 0;
	entry(buf, &len, "40000", "keep", &keep);
	tk = put(CAIRN_OBJ_TREE, buf, len);
	len = 0;
	entry(buf, &len, "40000", "keep", &keep2);
	tk2 = put(CAIRN_OBJ_TREE, buf, len);
	memset(&s, 0, sizeof(s));
	is_error(cairn_tree_diff(repo, &tk, &tk2, NULL, 0, record, &s),
	    CAIRN_ERR_NOT_FOUND, "a differing subtree that is missing");
	memset(&s, 0, sizeof(s));
	is_error(cairn_tree_diff(repo, &tk, &keep, NULL, 0, record, &s),
	    CAIRN_ERR_NOT_FOUND, "a root tree that is missing");
	memset(&s, 0, sizeof(s));
	is_error(cairn_tree_diff(repo, &ta, &x, NULL, 0, record, &s),
	    CAIRN_ERR_INVALID, "a blob is not a tree");
	{
		const char *const p_other[] = { "a" };

		memset(&s, 0, sizeof(s));
		ok(cairn_tree_diff(repo, &tk, &tk2, p_other, 1, record,
		    &s) == NULL && s.calls == 0,
		    "a missing subtree outside the path limit is not read");
	}

	cairn_repo_close(repo);
	return done_testing();
}
