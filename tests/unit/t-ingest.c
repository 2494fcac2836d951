/*
 * t-ingest.c: unit tests of cairn_ingest: ids come back in input order
 * for many small objects, a mix of sizes (some above bigFileThreshold)
 * and duplicates, with one worker and with several; a bad claim or an
 * invalid object in the middle stops the ingest with the same error as
 * cairn_batch_add, keeping what came before it and nothing after.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn.h"

#include "tap.h"

#define NOBJ 3000

static char base_dir[] = "/tmp/cairn-ingest-XXXXXX";

struct seen {
	struct cairn_oid *ids;
	size_t n;
};

static const struct cairn_error *
note(void *arg, const struct cairn_oid *id, uint64_t size)
{
	struct seen *s = arg;

	(void)size;
	s->ids[s->n++] = *id;
	return NULL;
}

/* Object i of the input: sizes from 0 to 2 MiB, every 7th a repeat. */
static size_t
make(size_t i, unsigned char **out)
{
	size_t len, j, k = i % 7 == 6 ? i - 3 : i;
	unsigned char *p;

	len = k % 500 == 17 ? ((size_t)2 << 20) + k : (k * 37) % 5000;
	if ((p = malloc(len + 1)) == NULL)
		bail_out("out of memory");
	for (j = 0; j < len; j++)
		p[j] = (unsigned char)((k * 131 + j * (j % 13 ? 1 : k)) >> 2);
	*out = p;
	return len;
}

static struct cairn_repo *
fresh(const char *name)
{
	struct cairn_repo *r;
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", base_dir, name);
	if (cairn_repo_init(path, NULL) != NULL ||
	    cairn_repo_open(path, 0, &r) != NULL)
		bail_out("cannot make %s", path);
	return r;
}

static void
test_order(const char *threads)
{
	struct cairn_repo *r, *ref;
	struct cairn_ingest *g;
	struct seen s;
	struct cairn_oid want;
	unsigned char *data, *back;
	enum cairn_otype type;
	size_t i, len, blen, bad = 0;
	char name[32];

	setenv("CAIRN_INGEST_THREADS", threads, 1);
	snprintf(name, sizeof(name), "order-%s", threads);
	r = fresh(name);
	if (cairn_repo_open(NULL, CAIRN_OPEN_MEMORY, &ref) != NULL)
		bail_out("memory repository");
	s.ids = calloc(NOBJ, sizeof(*s.ids));
	s.n = 0;
	ok(cairn_batch_begin(r) == NULL, "%s: begin", threads);
	no_error(cairn_ingest_open(&g, r, note, &s), "%s: open", threads);
	for (i = 0; i < NOBJ; i++) {
		len = make(i, &data);
		if (cairn_ingest_add(g, CAIRN_OBJ_BLOB, data, len, NULL) != NULL)
			bad++;
	}
	is_uint(bad, 0, "%s: every add succeeds", threads);
	no_error(cairn_ingest_drain(g), "%s: drain", threads);
	is_uint(s.n, NOBJ, "%s: one id per object", threads);
	no_error(cairn_batch_commit(r), "%s: commit", threads);
	cairn_ingest_close(g);
	ok(cairn_batch_begin(ref) == NULL, "reference begin");
	for (i = 0, bad = 0; i < NOBJ; i++) {
		len = make(i, &data);
		if (cairn_batch_add(ref, CAIRN_OBJ_BLOB, data, len,
		    &want) != NULL || !cairn_oid_eq(&want, &s.ids[i]))
			bad++;
		if (i % 97 == 0 && (cairn_object_get(r, &s.ids[i], 0, &type,
		    &back, &blen) != NULL || blen != len ||
		    memcmp(back, data, len) != 0 || (free(back), 0)))
			bad++;
		free(data);
	}
	is_uint(bad, 0, "%s: ids in input order, content reads back",
	    threads);
	cairn_batch_abort(ref);
	cairn_repo_close(ref);
	cairn_repo_close(r);
	free(s.ids);
}

/* A failure at object k: the k before it stored, none after. */
static void
test_failure(const char *what, size_t k)
{
	struct cairn_repo *r, *ref;
	struct cairn_ingest *g;
	const struct cairn_error *err = NULL, *e;
	enum cairn_otype type;
	unsigned char *back = NULL;
	size_t blen;
	struct seen s;
	struct cairn_oid claim, id;
	unsigned char *data;
	size_t i, len;
	int tree = strcmp(what, "tree") == 0;
	char name[32];

	setenv("CAIRN_INGEST_THREADS", "3", 1);
	snprintf(name, sizeof(name), "fail-%s", what);
	r = fresh(name);
	s.ids = calloc(NOBJ, sizeof(*s.ids));
	s.n = 0;
	memset(&claim, 0, sizeof(claim));
	claim.len = 32;
	ok(cairn_batch_begin(r) == NULL, "%s: begin", what);
	no_error(cairn_ingest_open(&g, r, note, &s), "%s: open", what);
	for (i = 0; i < 200; i++) {
		len = make(i + 1000, &data);
		if (i == k && tree) {
			memcpy(data, "junk", len < 4 ? len : 4);
			e = cairn_ingest_add(g, CAIRN_OBJ_TREE, data, len,
			    NULL);
		} else
			e = cairn_ingest_add(g, CAIRN_OBJ_BLOB, data, len,
			    i == k ? &claim : NULL);
		if (err == NULL)
			err = e;
	}
	e = cairn_ingest_drain(g);
	if (err == NULL)
		err = e;
	is_error(err, CAIRN_ERR_INVALID, "%s: the ingest fails", what);
	is_error(e, CAIRN_ERR_INVALID, "%s: drain repeats it", what);
	is_uint(s.n, k, "%s: only the objects before it come back", what);
	no_error(cairn_batch_commit(r), "%s: what came before commits", what);
	cairn_ingest_close(g);
	/* The object after the failed one was dropped, not stored. */
	if (cairn_repo_open(NULL, CAIRN_OPEN_MEMORY, &ref) != NULL)
		bail_out("memory repository");
	len = make(k + 1001, &data);
	no_error(cairn_object_put(ref, CAIRN_OBJ_BLOB, data, len, &id),
	    "%s: id of the next object", what);
	is_error(cairn_object_get(r, &id, 0, &type, &back, &blen),
	    CAIRN_ERR_NOT_FOUND, "%s: the next object is not stored", what);
	if (k > 0)
		no_error(cairn_object_get(r, &s.ids[k - 1], 0, &type, &back,
		    &blen), "%s: the one before is", what);
	free(back);
	cairn_repo_close(ref);
	free(data);
	cairn_repo_close(r);
	free(s.ids);
}

int
main(void)
{
	char cmd[512];

	if (mkdtemp(base_dir) == NULL)
		bail_out("mkdtemp %s: %s", base_dir, strerror(errno));
	test_order("1");
	test_order("4");
	test_failure("claim", 57);
	test_failure("tree", 120);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base_dir);
	if (system(cmd) != 0)
		diag("could not remove %s", base_dir);
	return done_testing();
}
