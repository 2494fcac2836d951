/*
 * fuzz-refs.c: ref files and ref names.  Each input is
 *   - parsed as a ref file's content by cairn_refs_parse (store/refs.c),
 *     with both hash algorithms, and read from disk as refs/x by
 *     cairn_refs_get and cairn_refs_list;
 *   - checked as a ref name by cairn_refname_check (core/refname.c) and
 *     cairn_ref_name_check, against an independent statement of the rules
 *     of core/refname.h: a name the library accepts must break none;
 *   - if valid, looked up as a ref (a path is built from it).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cairn.h"
#include "refname.h"
#include "refs.h"
#include "vfs.h"

#include "util.h"

static char *repo;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *refs;

	(void)argc;
	(void)argv;
	repo = fuzz_path(fuzz_scratch(), "repo");
	refs = fuzz_path(repo, "refs");
	if (mkdir(repo, 0755) != 0 || mkdir(refs, 0755) != 0)
		abort();
	free(refs);
	return 0;
}

/* The rules of refname.h, stated again without looking at refname.c. */
static int
name_ok(const char *s, size_t len)
{
	size_t i, start = 0, clen;

	if (len == 0 || len > CAIRN_REFNAME_MAX)
		return 0;
	if ((len == 1 && s[0] == '@') || s[len - 1] == '.' ||
	    s[0] == '/' || s[len - 1] == '/')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == ' ' || c == '~' ||
		    c == '^' || c == ':' || c == '?' || c == '*' || c == '[' ||
		    c == '\\')
			return 0;
		if (i + 1 < len && ((c == '.' && s[i + 1] == '.') ||
		    (c == '@' && s[i + 1] == '{') || (c == '/' &&
		    s[i + 1] == '/')))
			return 0;
	}
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '/')
			continue;
		clen = i - start;
		if (clen == 0 || clen > CAIRN_REFNAME_COMPONENT_MAX ||
		    s[start] == '.' || (clen >= 5 &&
		    memcmp(s + i - 5, ".lock", 5) == 0))
			return 0;
		start = i + 1;
	}
	return 1;
}

static int
count_ref(void *arg, const char *name, const struct cairn_oid *id)
{
	(void)name;
	(void)id;
	(*(int *)arg)++;
	return 0;
}

static void
ref_file(const uint8_t *data, size_t size, int algo)
{
	struct cairn_refs refs;
	struct cairn_oid id, id2;
	char hex[CAIRN_OID_HEXMAX + 1], *path;
	int parsed, got, n = 0;

	parsed = cairn_refs_parse(&id, algo, (const char *)data, size, "x") ==
	    NULL;
	if (parsed) {
		cairn_oid_fmt(&id, hex);
		FUZZ_CHECK(size == strlen(hex) + 1 &&
		    memcmp(hex, data, size - 1) == 0,
		    "a ref file parses to another id");
	}
	memset(&refs, 0, sizeof(refs));
	refs.vfs = cairn_vfs_posix();
	refs.root = repo;
	refs.algo = algo;
	refs.read_only = 1;
	path = fuzz_path(repo, "refs/x");
	fuzz_write_file(path, data, size);
	free(path);
	got = cairn_refs_get(&refs, "x", &id2) == NULL;
	FUZZ_CHECK(got == parsed, "reading refs/x disagrees with parsing it");
	FUZZ_CHECK(!got || cairn_oid_eq(&id, &id2), "refs/x read wrongly");
	cairn_refs_list(&refs, NULL, count_ref, &n);
}

static void
ref_name(const uint8_t *data, size_t size)
{
	struct cairn_refs refs;
	struct cairn_oid id;
	char *name;
	int ok;

	ok = cairn_refname_check((const char *)data, size) == NULL;
	FUZZ_CHECK(!ok || name_ok((const char *)data, size),
	    "an invalid ref name is accepted");
	if ((name = malloc(size + 1)) == NULL)
		return;
	memcpy(name, data, size);
	name[size] = '\0';
	if (strlen(name) == size)
		FUZZ_CHECK((cairn_ref_name_check(name) == NULL) == ok,
		    "cairn_ref_name_check disagrees with cairn_refname_check");
	if (ok) {
		memset(&refs, 0, sizeof(refs));
		refs.vfs = cairn_vfs_posix();
		refs.root = repo;
		refs.algo = CAIRN_HASH_SHA256;
		refs.read_only = 1;
		/* Only refs/x exists; x/... must not be taken for a ref. */
		if (strcmp(name, "x") != 0)
			FUZZ_CHECK(cairn_refs_get(&refs, name, &id) != NULL,
			    "a ref that does not exist was read");
	}
	free(name);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ref_file(data, size, CAIRN_HASH_SHA256);
	ref_file(data, size, CAIRN_HASH_SHA1);
	ref_name(data, size);
	return 0;
}
