/*
 * t-threads.c: one handle shared by threads: 4 readers fetch 100,000
 * random objects (checking every byte) while a writer puts objects and
 * moves a ref, through the plain disk handle and through a cache.  Run
 * under ThreadSanitizer by make check-tsan.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn.h"
#include "tap.h"

#define NOBJ 2000
#define READERS 4
#define READS 25000		/* per reader: 100,000 in all */
#define WRITES 200

struct shared {
	struct cairn_repo *r;
	struct cairn_oid id[NOBJ];
	int failures;
	pthread_mutex_t mu;
};

static void
content(char *buf, size_t len, int i)
{
	snprintf(buf, len, "object %d of the thread test, padded %*d", i,
	    i % 97, i);
}

static void
fail(struct shared *s)
{
	pthread_mutex_lock(&s->mu);
	s->failures++;
	pthread_mutex_unlock(&s->mu);
}

static void *
reader(void *arg)
{
	struct shared *s = arg;
	unsigned seed = (unsigned)(uintptr_t)pthread_self();
	unsigned char *data;
	char want[256];
	size_t len;
	enum cairn_otype type;
	int i, k;

	for (k = 0; k < READS; k++) {
		i = (int)(rand_r(&seed) % NOBJ);
		content(want, sizeof(want), i);
		if (cairn_object_get(s->r, &s->id[i], 0, &type, &data, &len) != NULL) {
			fail(s);
			continue;
		}
		if (type != CAIRN_OBJ_BLOB || len != strlen(want) ||
		    memcmp(data, want, len) != 0)
			fail(s);
		free(data);
	}
	return NULL;
}

static void *
writer(void *arg)
{
	struct shared *s = arg;
	struct cairn_oid id;
	char buf[64];
	int k;

	for (k = 0; k < WRITES; k++) {
		snprintf(buf, sizeof(buf), "written while reading %d", k);
		if (cairn_object_put(s->r, CAIRN_OBJ_BLOB, buf, strlen(buf),
		    &id) !=
		    NULL || cairn_ref_set(s->r, "moving", &id, NULL) != NULL)
			fail(s);
	}
	return NULL;
}

static void
run(const char *path, size_t cache, const char *what)
{
	struct cairn_open_opts o = CAIRN_OPEN_OPTS_INIT;
	struct shared s;
	pthread_t t[READERS + 1];
	char buf[256];
	int i;

	memset(&s, 0, sizeof(s));
	pthread_mutex_init(&s.mu, NULL);
	o.cache_bytes = cache;
	if (!no_error(cairn_repo_open_opts(path, &o, &s.r), "%s: open", what))
		return;
	/* Two batches: the first flushed into a segment, the second in the WAL. */
	for (i = 0; i < NOBJ; i++) {
		content(buf, sizeof(buf), i);
		if ((i == 0 || i == NOBJ / 2) && cairn_batch_begin(s.r) != NULL)
			s.failures++;
		if (cairn_batch_add(s.r, CAIRN_OBJ_BLOB, buf, strlen(buf),
		    &s.id[i]) != NULL)
			s.failures++;
		if ((i == NOBJ / 2 - 1 || i == NOBJ - 1) &&
		    cairn_batch_commit(s.r) != NULL)
			s.failures++;
		if (i == NOBJ / 2 - 1 && cairn_repo_flush(s.r) != NULL)
			s.failures++;
	}
	ok(s.failures == 0, "%s: %d objects stored", what, NOBJ);
	for (i = 0; i < READERS; i++)
		pthread_create(&t[i], NULL, reader, &s);
	pthread_create(&t[READERS], NULL, writer, &s);
	for (i = 0; i <= READERS; i++)
		pthread_join(t[i], NULL);
	ok(s.failures == 0, "%s: %d readers x %d reads beside %d writes: "
	    "no failure (%d)", what, READERS, READS, WRITES, s.failures);
	cairn_repo_close(s.r);
	pthread_mutex_destroy(&s.mu);
}

int
main(void)
{
	char tmpl[] = "/tmp/cairn-t-threads.XXXXXX", path[512];
	const char *dir = mkdtemp(tmpl);

	if (dir == NULL)
		bail_out("mkdtemp failed");
	snprintf(path, sizeof(path), "%s/repo", dir);
	if (!no_error(cairn_repo_init(path, NULL), "init"))
		return done_testing();
	run(path, 0, "disk");
	run(path, 1 << 20, "disk with a 1 MiB cache");
	if (tap_state()->failed == 0) {
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
	return done_testing();
}
