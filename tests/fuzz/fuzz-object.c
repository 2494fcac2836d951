/*
 * fuzz-object.c: each input is parsed as a tree, a commit and a tag, with
 * both hash algorithms, as libgit2's objects fuzzer does: cairn_object_check
 * (core/object.c), cairn_tree_next, cairn_object_links and
 * cairn_commit_parse (core/object.c).  Invariants: a tree that checks
 * iterates to its end without a malformed entry and its entries are in
 * git's order; a commit that checks parses, and names as many parents as
 * its links report.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn.h"

#include "util.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int
count_link(void *arg, const struct cairn_oid *id, enum cairn_otype type)
{
	(void)id;
	(void)type;
	(*(size_t *)arg)++;
	return 0;
}

static void
one_tree(const unsigned char *data, size_t len, int algo)
{
	struct cairn_tree_entry e, prev = { 0 };
	size_t pos = 0, n = 0, links = 0;
	int ok, r;

	ok = cairn_object_check(CAIRN_OBJ_TREE, data, len, algo) == NULL;
	while ((r = cairn_tree_next(data, len, &pos, algo, &e)) == 1) {
		FUZZ_CHECK(pos <= len, "tree entry past the end");
		FUZZ_CHECK(e.name + e.name_len < (const char *)data + len,
		    "tree entry name out of bounds");
		FUZZ_CHECK(!ok || e.name_len > 0, "a valid tree, empty name");
		if (ok && n > 0)
			FUZZ_CHECK(cairn_tree_name_cmp(prev.name, prev.name_len,
			    prev.mode == CAIRN_MODE_TREE, e.name, e.name_len,
			    e.mode == CAIRN_MODE_TREE) < 0,
			    "a valid tree out of order");
		prev = e;
		n++;
	}
	FUZZ_CHECK(!ok || r == 0, "a valid tree with a malformed entry");
	if (ok) {
		cairn_object_links(CAIRN_OBJ_TREE, data, len, algo, count_link,
		    &links);
		FUZZ_CHECK(links <= n, "more links than tree entries");
	}
}

static void
one_commit(const unsigned char *data, size_t len, int algo)
{
	struct cairn_commit_info ci;
	size_t links = 0;
	int ok, parsed;

	ok = cairn_object_check(CAIRN_OBJ_COMMIT, data, len, algo) == NULL;
	parsed = cairn_commit_parse(data, len, algo, &ci) == NULL;
	FUZZ_CHECK(!ok || parsed, "a valid commit does not parse");
	if (parsed) {
		FUZZ_CHECK(ci.message >= (const char *)data &&
		    ci.message + ci.message_len <= (const char *)data + len,
		    "commit message out of bounds");
		FUZZ_CHECK(ci.author + ci.author_len <= (const char *)data +
		    len && ci.committer + ci.committer_len <=
		    (const char *)data + len, "commit ident out of bounds");
	}
	if (ok) {
		cairn_object_links(CAIRN_OBJ_COMMIT, data, len, algo,
		    count_link, &links);
		FUZZ_CHECK(links == ci.nparents + 1,
		    "commit links %zu, parents %zu", links, ci.nparents);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *copy;
	size_t links = 0;
	int algo;

	/* A copy of exactly size bytes, so reading past it is caught. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	for (algo = CAIRN_HASH_SHA256; algo <= CAIRN_HASH_SHA1; algo++) {
		one_tree(copy, size, algo);
		one_commit(copy, size, algo);
		if (cairn_object_check(CAIRN_OBJ_TAG, copy, size, algo) == NULL)
			cairn_object_links(CAIRN_OBJ_TAG, copy, size, algo,
			    count_link, &links);
		FUZZ_CHECK(cairn_object_check(CAIRN_OBJ_BLOB, copy, size,
		    algo) == NULL, "a blob is not valid");
	}
	free(copy);
	return 0;
}
