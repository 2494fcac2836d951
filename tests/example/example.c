/*
 * example.c: a program built against the installed library alone: it
 * creates a repository, stores objects, reads one back and moves a ref by
 * compare-and-swap, printing TAP.  Usage: example <new directory>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn.h>

static const char first[] = "hello, cairn\n";
static const char second[] = "hello again\n";

static int count;
static int failed;

/* Print one TAP line for a step that went well if ok is nonzero. */
static void
report(int ok, const char *what, const struct cairn_error *err)
{
	count++;
	printf("%sok %d - %s\n", ok ? "" : "not ", count, what);
	if (!ok) {
		failed++;
		if (err != NULL)
			printf("# error %d: %s\n", err->code, err->msg);
	}
}

/* Print "# <label> <hex id>", for the test to compare with the CLI. */
static void
show(const char *label, const struct cairn_oid *id)
{
	char hex[CAIRN_OID_HEXMAX + 1];

	printf("# %s %s\n", label, cairn_oid_fmt(id, hex));
}

/* Read a back whole and compare it with what was stored. */
static void
check_get(struct cairn_repo *repo, const struct cairn_oid *a)
{
	const struct cairn_error *err;
	unsigned char *data = NULL;
	size_t len = 0;
	enum cairn_otype type = CAIRN_OBJ_NONE;

	err = cairn_object_get(repo, a, 0, &type, &data, &len);
	report(err == NULL && type == CAIRN_OBJ_BLOB &&
	    len == strlen(first) && memcmp(data, first, len) == 0,
	    "get returns the blob as it was put", err);
	free(data);
}

/*
 * Create the ref main at a, move it to b only if it is still at a, then
 * try to move it back with the now stale a as the expected old value.
 */
static void
check_ref(struct cairn_repo *repo, const struct cairn_oid *a,
    const struct cairn_oid *b)
{
	const struct cairn_error *err;
	struct cairn_oid got;

	err = cairn_ref_create(repo, "main", a);
	report(err == NULL, "ref create main", err);
	err = cairn_ref_create(repo, "main", b);
	report(err != NULL && err->code == CAIRN_ERR_EXISTS,
	    "a second create of main fails with CAIRN_ERR_EXISTS", NULL);
	err = cairn_ref_set(repo, "main", b, a);
	report(err == NULL, "ref set main with the right old id", err);
	err = cairn_ref_set(repo, "main", a, a);
	report(err != NULL && err->code == CAIRN_ERR_CAS_MISMATCH,
	    "ref set main with a stale old id fails with CAIRN_ERR_CAS_MISMATCH",
	    NULL);
	err = cairn_ref_get(repo, "main", &got);
	report(err == NULL && cairn_oid_eq(&got, b),
	    "main is where the successful swap put it", err);
	if (err == NULL)
		show("main", &got);
}

int
main(int argc, char **argv)
{
	const struct cairn_error *err;
	struct cairn_repo *repo = NULL;
	struct cairn_oid a, b;

	if (argc != 2) {
		fprintf(stderr, "usage: example <new directory>\n");
		return 2;
	}
	printf("# libcairn %s\n", cairn_version());

	err = cairn_repo_init(argv[1], NULL);
	if (err == NULL)
		err = cairn_repo_open(argv[1], 0, &repo);
	report(err == NULL, "init and open a repository", err);
	if (err != NULL)
		goto done;

	err = cairn_object_put(repo, CAIRN_OBJ_BLOB, first, strlen(first), &a);
	if (err == NULL)
		err = cairn_object_put(repo, CAIRN_OBJ_BLOB, second,
		    strlen(second), &b);
	report(err == NULL, "put two blobs", err);
	if (err != NULL)
		goto done;
	show("blob", &a);

	check_get(repo, &a);
	check_ref(repo, &a, &b);

done:
	cairn_repo_close(repo);
	printf("1..%d\n", count);
	return failed ? 1 : 0;
}
