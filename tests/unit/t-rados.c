/*
 * t-rados.c: many writers on one RADOS repository, each a process with a
 * connection of its own, as writers on separate hosts would be.
 *
 * Runs only where CAIRN_TEST_RADOS_POOL names a pool of the cluster
 * CEPH_CONF describes (tests/t0100-rados.sh starts one); otherwise it
 * skips.  The program is its own worker: "t-rados <role> <url> ..." runs
 * one writer and exits.
 *
 *   - 8 writers, 200 compare-and-swap increments each on one ref (a blob
 *     holding the count): the count ends at 1600, no increment lost.
 *   - 8 writers committing batches at once, with a gc and a flush
 *     running beside them: every id a commit acknowledged is readable
 *     afterwards by a fresh handle.
 *   - Writers and a gc killed (SIGKILL) after a number of acknowledged
 *     batches that differs per writer: every acknowledged object is
 *     readable and fsck finds no error.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cairn.h"

#include "tap.h"

#define WRITERS 8
#define INCREMENTS 200

static char self[4096];

static void
die(const char *what, const struct cairn_error *err)
{
	fprintf(stderr, "worker: %s: %s\n", what, err ? err->msg : "");
	exit(2);
}

/* The count the blob named by ref "counter" holds (0 if no ref). */
static long
read_count(struct cairn_repo *r, struct cairn_oid *cur, int *have)
{
	const struct cairn_error *err;
	enum cairn_otype type;
	unsigned char *data;
	size_t len;
	long n;

	err = cairn_ref_get(r, "counter", cur);
	if (err != NULL && err->code == CAIRN_ERR_NOT_FOUND) {
		*have = 0;
		return 0;
	}
	if (err != NULL)
		die("ref get", err);
	*have = 1;
	if ((err = cairn_object_get(r, cur, 0, &type, &data, &len)) != NULL)
		die("get count", err);
	n = strtol((char *)data, NULL, 10);
	free(data);
	return n;
}

/* Role "inc": INCREMENTS increments of the counter, retrying lost races. */
static int
worker_inc(const char *url, int who)
{
	const struct cairn_error *err;
	struct cairn_repo *r;
	struct cairn_oid cur, next;
	char text[64];
	int done = 0, have, len;
	long n;

	if ((err = cairn_repo_open(url, 0, &r)) != NULL)
		die("open", err);
	while (done < INCREMENTS) {
		n = read_count(r, &cur, &have);
		/* The writer's number makes each blob new (no dedup). */
		len = snprintf(text, sizeof(text), "%ld by %d\n", n + 1, who);
		if ((err = cairn_object_put(r, CAIRN_OBJ_BLOB, text,
		    (size_t)len, &next)) != NULL)
			die("put", err);
		err = have ? cairn_ref_set(r, "counter", &next, &cur) :
		    cairn_ref_create(r, "counter", &next);
		if (err == NULL)
			done++;
		else if (err->code != CAIRN_ERR_CAS_MISMATCH &&
		    err->code != CAIRN_ERR_EXISTS)
			die("ref set", err);
	}
	cairn_repo_close(r);
	return 0;
}

/*
 * Role "batch": batches of 20 small objects, forever or count times;
 * after each commit returns, the ids go to the log (written and synced
 * before the next batch starts), so the log holds only acknowledged ids.
 */
static int
worker_batch(const char *url, int who, int count, const char *log)
{
	const struct cairn_error *err;
	struct cairn_repo *r;
	struct cairn_oid ids[20];
	char text[128], hex[CAIRN_OID_HEXMAX + 1];
	int fd, b, i, len;
	FILE *f;

	if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) < 0 ||
	    (f = fdopen(fd, "a")) == NULL)
		die("open log", NULL);
	if ((err = cairn_repo_open(url, 0, &r)) != NULL)
		die("open", err);
	for (b = 0; count < 0 || b < count; b++) {
		if ((err = cairn_batch_begin(r)) != NULL)
			die("begin", err);
		for (i = 0; i < 20; i++) {
			len = snprintf(text, sizeof(text), "writer %d batch %d "
			    "object %d\n", who, b, i);
			if ((err = cairn_batch_add(r, CAIRN_OBJ_BLOB, text,
			    (size_t)len, &ids[i])) != NULL)
				die("add", err);
		}
		if ((err = cairn_batch_commit(r)) != NULL)
			die("commit", err);
		for (i = 0; i < 20; i++)
			fprintf(f, "%s\n", cairn_oid_fmt(&ids[i], hex));
		fprintf(f, "batch\n");
		if (fflush(f) != 0 || fsync(fd) != 0)
			die("write log", NULL);
	}
	fclose(f);
	cairn_repo_close(r);
	return 0;
}

/*
 * Role "touch": put again the object whose content is text (already
 * stored) in a batch, tell the parent (file ready), wait for the file
 * go, then commit, name it by a ref and read it back.
 */
static int
worker_touch(const char *url, const char *text, const char *dir)
{
	const struct cairn_error *err;
	struct cairn_repo *r;
	struct cairn_oid id;
	enum cairn_otype type;
	unsigned char *data;
	size_t len;
	char ready[4200], go[4200];
	int fd, i;

	snprintf(ready, sizeof(ready), "%s/ready", dir);
	snprintf(go, sizeof(go), "%s/go", dir);
	if ((err = cairn_repo_open(url, 0, &r)) != NULL)
		die("open", err);
	if ((err = cairn_batch_begin(r)) != NULL ||
	    (err = cairn_batch_add(r, CAIRN_OBJ_BLOB, text, strlen(text),
	    &id)) != NULL)
		die("touch", err);
	if ((fd = open(ready, O_WRONLY | O_CREAT, 0644)) < 0)
		die("ready", NULL);
	close(fd);
	for (i = 0; i < 6000 && access(go, F_OK) != 0; i++)
		usleep(10000);
	if ((err = cairn_batch_commit(r)) != NULL)
		die("commit", err);
	if ((err = cairn_ref_set(r, "touched", &id, NULL)) != NULL)
		die("ref set", err);
	cairn_repo_close(r);
	if ((err = cairn_repo_open(url, CAIRN_OPEN_READ_ONLY, &r)) != NULL)
		die("reopen", err);
	if ((err = cairn_object_get(r, &id, 0, &type, &data, &len)) != NULL)
		die("get", err);
	if (len != strlen(text) || memcmp(data, text, len) != 0)
		die("get: wrong content", NULL);
	free(data);
	cairn_repo_close(r);
	return 0;
}

/*
 * Role "long": a handle that reads the object named by ref "k", tells
 * the parent (ready), waits for go, and reads it again through the same
 * handle, after a gc elsewhere moved it and deleted its old pack.
 */
static int
worker_long(const char *url, const char *dir)
{
	const struct cairn_error *err;
	struct cairn_repo *r;
	struct cairn_oid id;
	enum cairn_otype type;
	unsigned char *data;
	size_t len;
	char ready[4200], go[4200];
	int fd, i;

	snprintf(ready, sizeof(ready), "%s/ready", dir);
	snprintf(go, sizeof(go), "%s/go", dir);
	if ((err = cairn_repo_open(url, CAIRN_OPEN_READ_ONLY, &r)) != NULL ||
	    (err = cairn_ref_get(r, "k", &id)) != NULL ||
	    (err = cairn_object_get(r, &id, 0, &type, &data, &len)) != NULL)
		die("first read", err);
	free(data);
	if ((fd = open(ready, O_WRONLY | O_CREAT, 0644)) < 0)
		die("ready", NULL);
	close(fd);
	for (i = 0; i < 6000 && access(go, F_OK) != 0; i++)
		usleep(10000);
	if ((err = cairn_object_get(r, &id, 0, &type, &data, &len)) != NULL)
		die("read after the gc", err);
	free(data);
	cairn_repo_close(r);
	return 0;
}

/* Role "gc": gc (keeping what is new) and flush, rounds times or forever. */
static int
worker_gc(const char *url, int rounds)
{
	struct cairn_gc_opts o = CAIRN_GC_OPTS_INIT;
	struct cairn_gc_result res = CAIRN_GC_RESULT_INIT;
	const struct cairn_error *err;
	struct cairn_repo *r;
	int i;

	/* -2: one gc whose grace ends in 100 s; -3: one --prune=now. */
	o.keep_since = rounds == -3 ? INT64_MAX :
	    (int64_t)time(NULL) + (rounds == -2 ? 100 : -3600);
	if (rounds == -2 || rounds == -3)
		rounds = 1;
	for (i = 0; rounds < 0 || i < rounds; i++) {
		err = cairn_repo_gc(url, &o, &res);
		if (err != NULL && err->code != CAIRN_ERR_LOCKED)
			die("gc", err);
		if ((err = cairn_repo_open(url, 0, &r)) != NULL)
			die("open", err);
		err = cairn_repo_flush(r);
		if (err != NULL && err->code != CAIRN_ERR_LOCKED)
			die("flush", err);
		cairn_repo_close(r);
	}
	return 0;
}

static pid_t
spawn(const char *role, const char *url, const char *a, const char *b,
    const char *c)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl(self, self, role, url, a, b, c, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int
wait_ok(pid_t pid)
{
	int st;

	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0;
}

/* Count the "batch" lines of a log. */
static int
batches_in(const char *log)
{
	char line[256];
	FILE *f = fopen(log, "r");
	int n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n += strcmp(line, "batch\n") == 0;
	fclose(f);
	return n;
}

/* Every id of the logs readable by a fresh handle; how many were not. */
static size_t
unreadable(const char *url, const char *dir, int n, size_t *total)
{
	const struct cairn_error *err;
	struct cairn_repo *r;
	struct cairn_oid id;
	char path[4200], line[256];
	enum cairn_otype type;
	unsigned char *data;
	size_t bad = 0, len;
	int i;

	*total = 0;
	if ((err = cairn_repo_open(url, CAIRN_OPEN_READ_ONLY, &r)) != NULL) {
		diag("open: %s", err->msg);
		return 1;
	}
	for (i = 0; i < n; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/log.%d", dir, i);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			if (strcmp(line, "batch") == 0)
				continue;
			(*total)++;
			if ((err = cairn_object_resolve(r, line, &id)) != NULL ||
			    (err = cairn_object_get(r, &id, 0, &type, &data,
			    &len)) != NULL) {
				if (bad++ < 3)
					diag("%s: %s", line, err->msg);
			} else
				free(data);
		}
		fclose(f);
	}
	cairn_repo_close(r);
	return bad;
}

/*
 * Everything that talks to the cluster runs in a worker that is a new
 * program (fork, then exec): librados' threads do not survive a fork, so
 * the parent never connects.
 */
static void
init_repo(const char *url)
{
	if (!wait_ok(spawn("init", url, "", "", "")))
		bail_out("init %s", url);
}

static void
test_increments(const char *pool, const char *dir)
{
	char url[512], who[16], log[4200];
	pid_t pids[WRITERS];
	int i, good = 1;

	snprintf(url, sizeof(url), "rados://%s/t-rados-inc-%ld", pool,
	    (long)getpid());
	init_repo(url);
	for (i = 0; i < WRITERS; i++) {
		snprintf(who, sizeof(who), "%d", i);
		pids[i] = spawn("inc", url, who, "", "");
	}
	for (i = 0; i < WRITERS; i++)
		good &= wait_ok(pids[i]);
	ok(good, "%d writers did %d increments each", WRITERS, INCREMENTS);
	snprintf(log, sizeof(log), "%s/count", dir);
	if (spawn("count", url, log, "", "") > 0)
		wait(NULL);
	{
		FILE *f = fopen(log, "r");
		long n = -1;

		if (f != NULL) {
			if (fscanf(f, "%ld", &n) != 1)
				n = -1;
			fclose(f);
		}
		is_int(n, WRITERS * INCREMENTS, "the count is %d: no "
		    "increment lost", WRITERS * INCREMENTS);
	}
}

static void
test_batches(const char *pool, const char *dir)
{
	char url[512], who[16], log[4200];
	pid_t pids[WRITERS], gc;
	int i, good = 1;

	snprintf(url, sizeof(url), "rados://%s/t-rados-batch-%ld", pool,
	    (long)getpid());
	init_repo(url);
	gc = spawn("gc", url, "5", "", "");
	for (i = 0; i < WRITERS; i++) {
		snprintf(who, sizeof(who), "%d", i);
		snprintf(log, sizeof(log), "%s/log.%d", dir, i);
		pids[i] = spawn("batch", url, who, "10", log);
	}
	for (i = 0; i < WRITERS; i++)
		good &= wait_ok(pids[i]);
	ok(good, "%d writers committed 10 batches each", WRITERS);
	ok(wait_ok(gc), "gc and flush ran beside them");
	ok(wait_ok(spawn("check", url, dir, "200", "")), "every acknowledged "
	    "object (8 x 10 x 20) is readable");
	for (i = 0; i < WRITERS; i++) {
		snprintf(log, sizeof(log), "%s/log.%d", dir, i);
		unlink(log);
	}
}

static void
test_kills(const char *pool, const char *dir)
{
	char url[512], who[16], log[4200];
	pid_t pids[WRITERS], gc;
	int i, st, left = WRITERS, tries;

	snprintf(url, sizeof(url), "rados://%s/t-rados-kill-%ld", pool,
	    (long)getpid());
	init_repo(url);
	gc = spawn("gc", url, "-1", "", "");
	for (i = 0; i < WRITERS; i++) {
		snprintf(who, sizeof(who), "%d", i);
		snprintf(log, sizeof(log), "%s/log.%d", dir, i);
		pids[i] = spawn("batch", url, who, "-1", log);
	}
	/* Writer i dies after i + 1 acknowledged batches (at least). */
	for (tries = 0; left > 0 && tries < 6000; tries++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		for (i = 0; i < WRITERS; i++) {
			snprintf(log, sizeof(log), "%s/log.%d", dir, i);
			if (pids[i] > 0 && batches_in(log) > i) {
				kill(pids[i], SIGKILL);
				waitpid(pids[i], &st, 0);
				pids[i] = 0;
				left--;
			}
		}
		if (left == WRITERS / 2 && gc > 0) {
			kill(gc, SIGKILL);
			waitpid(gc, &st, 0);
			gc = 0;
		}
		nanosleep(&ts, NULL);
	}
	for (i = 0; i < WRITERS; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], &st, 0);
		}
	if (gc > 0) {
		kill(gc, SIGKILL);
		waitpid(gc, &st, 0);
	}
	is_int(left, 0, "every writer acknowledged batches before its kill");
	ok(wait_ok(spawn("check", url, dir, "20", "")), "every acknowledged "
	    "object is readable after the kills");
	ok(wait_ok(spawn("fsck", url, "", "", "")), "fsck finds no error");
}

/*
 * An object put again in a batch while a gc that does not keep it (no
 * ref, and a grace period that ends in the future) takes it out of the
 * manifest: the commit names it in the pack it is still in (deleted an
 * hour later at the earliest), and the ref set after it reads it back.
 */
static void
test_touch_across_gc(const char *pool, const char *dir)
{
	char url[512], path[4200];
	pid_t toucher;
	int i;

	snprintf(url, sizeof(url), "rados://%s/t-rados-touch-%ld", pool,
	    (long)getpid());
	init_repo(url);
	ok(wait_ok(spawn("put", url, "unnamed\n", "", "")) &&
	    wait_ok(spawn("put", url, "kept\n", "k", "")), "two objects, "
	    "one named by a ref");
	snprintf(path, sizeof(path), "%s/ready", dir);
	unlink(path);
	toucher = spawn("touch", url, "unnamed\n", dir, "");
	for (i = 0; i < 6000 && access(path, F_OK) != 0; i++)
		usleep(10000);
	ok(wait_ok(spawn("gc", url, "-2", "", "")), "a gc that keeps only "
	    "what refs reach ran while the batch was open");
	snprintf(path, sizeof(path), "%s/go", dir);
	close(open(path, O_WRONLY | O_CREAT, 0644));
	ok(wait_ok(toucher), "the batch committed, its ref is set and the "
	    "object reads back");
	ok(wait_ok(spawn("fsck", url, "", "", "")), "fsck finds no error");
	unlink(path);
	snprintf(path, sizeof(path), "%s/ready", dir);
	unlink(path);
}

/*
 * A long-lived handle reads an object after a gc elsewhere (--prune=now)
 * moved it to a new pack and deleted the pack the handle knew.
 */
static void
test_long_handle(const char *pool, const char *dir)
{
	char url[512], path[4200];
	pid_t reader;
	int i;

	snprintf(url, sizeof(url), "rados://%s/t-rados-long-%ld", pool,
	    (long)getpid());
	init_repo(url);
	ok(wait_ok(spawn("put", url, "moved\n", "k", "")) &&
	    wait_ok(spawn("put", url, "garbage\n", "", "")), "an object "
	    "named by a ref, and garbage");
	snprintf(path, sizeof(path), "%s/ready", dir);
	unlink(path);
	reader = spawn("long", url, dir, "", "");
	for (i = 0; i < 6000 && access(path, F_OK) != 0; i++)
		usleep(10000);
	ok(wait_ok(spawn("gc", url, "-3", "", "")), "gc --prune=now ran "
	    "beside the open handle");
	snprintf(path, sizeof(path), "%s/go", dir);
	close(open(path, O_WRONLY | O_CREAT, 0644));
	ok(wait_ok(reader), "the handle reads the object where gc moved it");
	unlink(path);
	snprintf(path, sizeof(path), "%s/ready", dir);
	unlink(path);
}

int
main(int argc, char **argv)
{
	const char *pool = getenv("CAIRN_TEST_RADOS_POOL");
	const char *tmp = getenv("TMPDIR");
	char dirbuf[4096];
	ssize_t n;

	if (argc >= 3 && strcmp(argv[1], "inc") == 0)
		return worker_inc(argv[2], atoi(argv[3]));
	if (argc >= 5 && strcmp(argv[1], "batch") == 0)
		return worker_batch(argv[2], atoi(argv[3]), atoi(argv[4]),
		    argv[5]);
	if (argc >= 4 && strcmp(argv[1], "gc") == 0)
		return worker_gc(argv[2], atoi(argv[3]));
	if (argc >= 4 && strcmp(argv[1], "long") == 0)
		return worker_long(argv[2], argv[3]);
	if (argc >= 5 && strcmp(argv[1], "touch") == 0)
		return worker_touch(argv[2], argv[3], argv[4]);
	if (argc >= 4 && strcmp(argv[1], "put") == 0) {
		struct cairn_repo *r;
		struct cairn_oid id;
		const struct cairn_error *err;

		if ((err = cairn_repo_open(argv[2], 0, &r)) != NULL ||
		    (err = cairn_object_put(r, CAIRN_OBJ_BLOB, argv[3],
		    strlen(argv[3]), &id)) != NULL)
			die("put", err);
		if (argc >= 5 && *argv[4] != '\0' &&
		    (err = cairn_ref_set(r, argv[4], &id, NULL)) != NULL)
			die("ref set", err);
		cairn_repo_close(r);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "init") == 0) {
		struct cairn_init_opts o = CAIRN_INIT_OPTS_INIT;

		return cairn_repo_init(argv[2], &o) == NULL ? 0 : 1;
	}
	if (argc >= 3 && strcmp(argv[1], "fsck") == 0) {
		struct cairn_fsck_result res = CAIRN_FSCK_RESULT_INIT;
		const struct cairn_error *err;

		err = cairn_repo_fsck(argv[2], NULL, &res);
		if (err != NULL || res.errors != 0)
			diag("fsck: %s, %llu errors", err ? err->msg : "ran",
			    (unsigned long long)res.errors);
		return err == NULL && res.errors == 0 ? 0 : 1;
	}
	if (argc >= 5 && strcmp(argv[1], "check") == 0) {
		size_t total, bad = unreadable(argv[2], argv[3], WRITERS,
		    &total);

		diag("%zu acknowledged ids, %zu unreadable", total, bad);
		return bad == 0 && total >= (size_t)atoi(argv[4]) * WRITERS ?
		    0 : 1;
	}
	if (argc >= 4 && strcmp(argv[1], "count") == 0) {
		struct cairn_repo *r;
		struct cairn_oid cur;
		FILE *f = fopen(argv[3], "w");
		int have;

		if (f == NULL || cairn_repo_open(argv[2], 0, &r) != NULL)
			return 2;
		fprintf(f, "%ld\n", read_count(r, &cur, &have));
		fclose(f);
		cairn_repo_close(r);
		return 0;
	}
	if (pool == NULL || *pool == '\0') {
		printf("1..0 # skip CAIRN_TEST_RADOS_POOL is not set "
		    "(tests/t0100-rados.sh sets it)\n");
		return 0;
	}
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0)
		bail_out("readlink /proc/self/exe");
	self[n] = '\0';
	snprintf(dirbuf, sizeof(dirbuf), "%s/cairn-t-rados.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dirbuf) == NULL)
		bail_out("mkdtemp");
	test_increments(pool, dirbuf);
	test_batches(pool, dirbuf);
	test_kills(pool, dirbuf);
	test_touch_across_gc(pool, dirbuf);
	test_long_handle(pool, dirbuf);
	{
		char p[4200];

		snprintf(p, sizeof(p), "%s/count", dirbuf);
		unlink(p);
		for (n = 0; n < WRITERS; n++) {
			snprintf(p, sizeof(p), "%s/log.%d", dirbuf, (int)n);
			unlink(p);
		}
		rmdir(dirbuf);
	}
	return done_testing();
}
