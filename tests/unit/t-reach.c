/*
 * t-reach.c: unit tests of cairn_reach_check, whether everything an object
 * reaches is in the repository, on a memory repository.
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

/* The id an object would have, without storing it. */
static struct cairn_oid
hash(enum cairn_otype type, const void *data, size_t len)
{
	struct cairn_oid id;

	if (cairn_hash_object(CAIRN_HASH_SHA1, type, data, len, &id) != NULL)
		bail_out("cannot hash a test object");
	return id;
}

/* A tree of one entry. */
static size_t
tree1(unsigned char *buf, const char *mode, const char *name,
    const struct cairn_oid *id)
{
	size_t n = (size_t)sprintf((char *)buf, "%s %s", mode, name) + 1;

	memcpy(buf + n, id->hash, id->len);
	return n + id->len;
}

/* A commit of tree with at most one parent. */
static size_t
commit(char *buf, size_t size, const struct cairn_oid *tree,
    const struct cairn_oid *parent)
{
	char t[CAIRN_OID_HEXMAX + 1], p[CAIRN_OID_HEXMAX + 1];
	int n;

	cairn_oid_fmt(tree, t);
	if (parent != NULL)
		cairn_oid_fmt(parent, p);
	n = snprintf(buf, size, "tree %s\n%s%s%sauthor A <a@b> 1 +0000\n"
	    "committer A <a@b> 1 +0000\n\nm\n", t, parent ? "parent " : "",
	    parent ? p : "", parent ? "\n" : "");
	return (size_t)n;
}

/* Check roots; want[i]: 1 complete, else the id that must be missing. */
static void
check(const char *what, const struct cairn_oid *ids, size_t n,
    const struct cairn_oid *const *want)
{
	struct cairn_oid missing[8];
	int complete[8];
	size_t i;

	if (!no_error(cairn_reach_check(repo, ids, n, missing, complete),
	    "%s: cairn_reach_check", what))
		return;
	for (i = 0; i < n; i++) {
		if (want[i] == NULL)
			ok(complete[i], "%s: root %zu is complete", what, i);
		else
			ok(!complete[i] && cairn_oid_eq(&missing[i], want[i]),
			    "%s: root %zu misses the object expected", what, i);
	}
}

int
main(void)
{
	const struct cairn_oid *none = NULL;
	struct cairn_oid blob, absent, tree, bad_tree, c1, c2, orphan, tag,
	    gone_parent, roots[4];
	const struct cairn_oid *want[4];
	unsigned char tb[128];
	char cb[512];
	size_t len;

	if (!no_error(cairn_repo_open(NULL, CAIRN_OPEN_MEMORY | CAIRN_OPEN_SHA1,
	    &repo), "open a memory repository"))
		return done_testing();

	blob = put(CAIRN_OBJ_BLOB, "here\n", 5);
	absent = hash(CAIRN_OBJ_BLOB, "gone\n", 5);
	len = tree1(tb, "100644", "a", &blob);
	tree = put(CAIRN_OBJ_TREE, tb, len);
	len = tree1(tb, "100644", "b", &absent);
	bad_tree = put(CAIRN_OBJ_TREE, tb, len);
	len = commit(cb, sizeof(cb), &tree, NULL);
	c1 = put(CAIRN_OBJ_COMMIT, cb, len);
	len = commit(cb, sizeof(cb), &tree, &c1);
	c2 = put(CAIRN_OBJ_COMMIT, cb, len);
	len = commit(cb, sizeof(cb), &bad_tree, &c2);
	orphan = put(CAIRN_OBJ_COMMIT, cb, len);
	len = commit(cb, sizeof(cb), &tree, &absent);
	gone_parent = put(CAIRN_OBJ_COMMIT, cb, len);
	{
		char hex[CAIRN_OID_HEXMAX + 1];

		len = (size_t)snprintf(cb, sizeof(cb), "object %s\ntype commit\n"
		    "tag v1\ntagger A <a@b> 1 +0000\n\nv1\n",
		    cairn_oid_fmt(&c2, hex));
		tag = put(CAIRN_OBJ_TAG, cb, len);
	}

	roots[0] = blob;
	check("a blob", roots, 1, &none);
	roots[0] = c2;
	roots[1] = tag;
	roots[2] = tree;
	want[0] = want[1] = want[2] = NULL;
	check("a history, a tag of it, a tree", roots, 3, want);
	roots[0] = absent;
	want[0] = &absent;
	check("an absent object", roots, 1, want);
	/* The bad root first, then one that shares its history. */
	roots[0] = orphan;
	roots[1] = c2;
	roots[2] = bad_tree;
	roots[3] = gone_parent;
	want[0] = &absent;
	want[1] = NULL;
	want[2] = &absent;
	want[3] = &absent;
	check("a missing blob and a missing parent", roots, 4, want);
	/* Gitlinks name commits of other repositories: not followed. */
	len = tree1(tb, "160000", "sub", &absent);
	roots[0] = put(CAIRN_OBJ_TREE, tb, len);
	check("a gitlink", roots, 1, &none);
	no_error(cairn_reach_check(repo, roots, 0, NULL, NULL), "no roots");
	cairn_repo_close(repo);
	return done_testing();
}
