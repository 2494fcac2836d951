/*
 * t-writers.c: long-lived writers and what they may trust.  Several
 * library handles (and child processes with handles of their own) commit
 * in turn: every acknowledged object stays readable by every handle and
 * no file shrinks below what was acknowledged.  Recovery keeps a large
 * intact record past the WAL's end under a memory limit and stops (never
 * truncates) when it cannot read it.  A failed commit leaves nothing
 * visible; a ref update checks its target against the current state,
 * not a stale one; a damaged stored copy does not stop a new one.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cairn.h"
#include "manifest.h"
#include "repo_int.h"
#include "vfs.h"

#include "tap.h"
#include "scratch.h"
#include "fault.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif

static char base_dir[1024];
static int repo_seq;

static uint64_t rng_state = 0x77217e25c0ffeeULL;

static void
rng_fill(unsigned char *p, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i % 8 == 0)
			v = splitmix64(&rng_state);
		p[i] = (unsigned char)(v >> (8 * (i % 8)));
	}
}

static void
new_repo(char *path, size_t len)
{
	struct cairn_init_opts io = CAIRN_INIT_OPTS_INIT;
	const struct cairn_error *err;

	snprintf(path, len, "%s/r%d", base_dir, ++repo_seq);
	if ((err = cairn_repo_init(path, &io)) != NULL)
		bail_out("init %s: %s", path, err->msg);
}

static void
set_config(const char *path, const char *key, const char *val)
{
	struct cairn_repo *r;

	if (cairn_repo_open(path, 0, &r) != NULL ||
	    cairn_repo_config_set(r, key, val) != NULL)
		bail_out("config %s in %s", key, path);
	cairn_repo_close(r);
}

/* "<repo>/<name of the manifest's key>" */
static void
manifest_file(const char *repo, const char *key, char *out, size_t len)
{
	char path[2048], line[512], name[256], fmt[32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/manifest", repo);
	snprintf(fmt, sizeof(fmt), "%s %%255s", key);
	if ((f = fopen(path, "r")) == NULL)
		bail_out("open %s: %s", path, strerror(errno));
	*out = '\0';
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, fmt, name) == 1)
			snprintf(out, len, "%s/%s", repo, name);
	fclose(f);
	if (*out == '\0')
		bail_out("no %s in %s", key, path);
}

static uint64_t
size_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		bail_out("stat %s: %s", path, strerror(errno));
	return (uint64_t)st.st_size;
}

/*
 * Nonzero if r reads id with exactly data.  A handle looks for other
 * processes' commits at most every 2 ms (repo.c): a miss is asked again
 * once after that.
 */
static int
reads(struct cairn_repo *r, const struct cairn_oid *id, const void *data,
    size_t len)
{
	struct timespec ts = { 0, 3000000 };
	unsigned char *got = NULL;
	size_t glen = 0;
	enum cairn_otype type;
	int same;

	if (cairn_object_get(r, id, 0, &type, &got, &glen) != NULL) {
		nanosleep(&ts, NULL);
		if (cairn_object_get(r, id, 0, &type, &got, &glen) != NULL)
			return 0;
	}
	same = glen == len && memcmp(got, data, len) == 0;
	free(got);
	return same;
}

/* ---- many long-lived writers ---- */

#define HANDLES 4
#define ROUNDS 60
#define OBJ 200

struct acked {
	struct cairn_oid id[ROUNDS * 2];
	unsigned char data[ROUNDS * 2][OBJ];
	size_t n;
};

/* A child process opens its own handle, puts one object and exits. */
static int
child_put(const char *path, const unsigned char *data)
{
	struct cairn_repo *r;
	struct cairn_oid id;
	pid_t pid;
	int st;

	if ((pid = fork()) == -1)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		if (cairn_repo_open(path, 0, &r) != NULL ||
		    cairn_object_put(r, CAIRN_OBJ_BLOB, data, OBJ, &id) != NULL)
			_exit(1);
		cairn_repo_close(r);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		bail_out("waitpid: %s", strerror(errno));
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/*
 * Round k: a handle (or a child process) commits a new object; every
 * handle must then read every acknowledged object, and the WAL and data
 * file never shrink while the manifest names the same ones.
 */
static void
test_long_writers(void)
{
	struct cairn_repo *h[HANDLES], *fresh;
	struct acked *a = xmalloc(sizeof(*a));
	char path[1100], wal[2200], data[2200], wal0[2200], data0[2200];
	const struct cairn_error *err;
	uint64_t wsize = 0, dsize = 0;
	int k, i, bad_put = 0, unreadable = 0, shrank = 0, writer;
	size_t j;

	new_repo(path, sizeof(path));
	/* No automatic flush: everything stays in the WAL and past the mark. */
	set_config(path, "core.walLimit", "1073741824");
	for (i = 0; i < HANDLES; i++)
		if ((err = cairn_repo_open(path, 0, &h[i])) != NULL)
			bail_out("open: %s", err->msg);
	a->n = 0;
	manifest_file(path, "wal", wal0, sizeof(wal0));
	manifest_file(path, "data", data0, sizeof(data0));
	for (k = 0; k < ROUNDS; k++) {
		rng_fill(a->data[a->n], OBJ);
		writer = (int)(splitmix64(&rng_state) % (HANDLES + 2));
		if (writer >= HANDLES) {
			cairn_hash_object(CAIRN_HASH_SHA256, CAIRN_OBJ_BLOB,
			    a->data[a->n], OBJ, &a->id[a->n]);
			if (!child_put(path, a->data[a->n])) {
				bad_put++;
				continue;
			}
		} else if ((err = cairn_object_put(h[writer], CAIRN_OBJ_BLOB,
		    a->data[a->n], OBJ, &a->id[a->n])) != NULL) {
			if (bad_put++ == 0)
				diag("round %d: handle %d: %s", k, writer,
				    err->msg);
			continue;
		}
		a->n++;
		if (k == ROUNDS / 2) {
			/* A flush by one of them: the others must follow. */
			if ((err = cairn_repo_flush(h[k % HANDLES])) != NULL &&
			    bad_put++ == 0)
				diag("flush: %s", err->msg);
			manifest_file(path, "wal", wal0, sizeof(wal0));
			manifest_file(path, "data", data0, sizeof(data0));
			wsize = dsize = 0;
		}
		manifest_file(path, "wal", wal, sizeof(wal));
		manifest_file(path, "data", data, sizeof(data));
		if (strcmp(wal, wal0) == 0 && strcmp(data, data0) == 0) {
			if (size_of(wal) < wsize || size_of(data) < dsize)
				shrank++;
			wsize = size_of(wal);
			dsize = size_of(data);
		}
		for (i = 0; i < HANDLES; i++)
			for (j = 0; j < a->n; j++)
				if (!reads(h[i], &a->id[j], a->data[j], OBJ) &&
				    unreadable++ == 0)
					diag("round %d: handle %d cannot read "
					    "object %zu", k, i, j);
	}
	is_int(bad_put, 0, "%d rounds of %d long-lived handles and child "
	    "processes: every commit succeeded", ROUNDS, HANDLES);
	is_int(unreadable, 0, "every acknowledged object readable by every "
	    "handle after every round");
	is_int(shrank, 0, "the WAL and the data file never shrank");
	for (i = 0; i < HANDLES; i++)
		cairn_repo_close(h[i]);
	if ((err = cairn_repo_open(path, 0, &fresh)) != NULL)
		bail_out("open: %s", err->msg);
	for (j = 0, unreadable = 0; j < a->n; j++)
		unreadable += !reads(fresh, &a->id[j], a->data[j], OBJ);
	is_int(unreadable, 0, "a fresh handle reads all %zu objects", a->n);
	cairn_repo_close(fresh);
	free(a);
}

/* ---- a large intact record past the WAL's end ---- */

#define BIG ((size_t)48 << 20)

/*
 * A repository whose data file holds a big object's intact record past
 * the watermark while the WAL lost the batch naming it (cut back to its
 * header, as a torn tail would be).
 */
static void
big_past_wal(char *path, size_t len, struct cairn_oid *id,
    unsigned char **content, uint64_t *dsize)
{
	struct cairn_repo *r;
	char wal[2200], data[2200];
	unsigned char *big = xmalloc(BIG);
	const struct cairn_error *err;

	new_repo(path, len);
	set_config(path, "core.walLimit", "1073741824");
	rng_fill(big, BIG);
	if ((err = cairn_repo_open(path, 0, &r)) != NULL ||
	    (err = cairn_object_put(r, CAIRN_OBJ_BLOB, big, BIG, id)) != NULL)
		bail_out("put big: %s", err->msg);
	cairn_repo_close(r);
	manifest_file(path, "wal", wal, sizeof(wal));
	manifest_file(path, "data", data, sizeof(data));
	if (truncate(wal, 16) != 0)
		bail_out("truncate %s: %s", wal, strerror(errno));
	*dsize = size_of(data);
	*content = big;
}

static int
child_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		bail_out("waitpid: %s", strerror(errno));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

/* Address space in use now, in bytes (from /proc/self/statm). */
static uint64_t
vm_size(void)
{
	unsigned long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL || fscanf(f, "%lu", &pages) != 1)
		bail_out("cannot read /proc/self/statm");
	fclose(f);
	return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void
test_salvage_memory(void)
{
	char path[1100], data[2200];
	struct cairn_oid id, sid;
	struct cairn_repo *r;
	struct rlimit rl;
	unsigned char *big;
	uint64_t dsize;
	pid_t pid;
	int rc;

#ifdef UNDER_SANITIZER
	skip(3, "an address-space limit does not work under a sanitizer");
	return;
#endif
	big_past_wal(path, sizeof(path), &id, &big, &dsize);
	manifest_file(path, "data", data, sizeof(data));
	if ((pid = fork()) == -1)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		/* Far less room than the record: only streaming can check it. */
		rl.rlim_cur = rl.rlim_max = vm_size() + ((uint64_t)24 << 20);
		if (setrlimit(RLIMIT_AS, &rl) != 0)
			_exit(20);
		if (cairn_repo_open(path, 0, &r) != NULL)
			_exit(21);
		/* The first write recovers. */
		rc = cairn_object_put(r, CAIRN_OBJ_BLOB, "small", 5,
		    &sid) != NULL;
		cairn_repo_close(r);
		_exit(rc);
	}
	rc = child_status(pid);
	ok(rc == 0 || rc == 1, "recovery under a memory limit ends cleanly "
	    "(status %d)", rc);
	ok(size_of(data) >= dsize, "the data file kept the big record "
	    "(%llu bytes, was %llu)", (unsigned long long)size_of(data),
	    (unsigned long long)dsize);
	if (cairn_repo_open(path, 0, &r) != NULL)
		bail_out("reopen");
	ok(cairn_object_put(r, CAIRN_OBJ_BLOB, "other", 5, &sid) == NULL &&
	    reads(r, &id, big, BIG), "the acknowledged big object is still "
	    "there after recovery");
	cairn_repo_close(r);
	free(big);
}

/* A layer whose large reads fail with EIO. */
struct eio_vfs {
	struct cairn_vfs vfs;
	struct cairn_vfs *below;
	long failed;
};

static ssize_t
eio_pread(struct cairn_vfs *v, int fd, void *buf, size_t n, off_t off)
{
	struct eio_vfs *e = (struct eio_vfs *)v;

	if (n >= 65536) {
		e->failed++;
		errno = EIO;
		return -1;
	}
	return e->below->pread(e->below, fd, buf, n, off);
}

static void
test_salvage_eio(void)
{
	char path[1100], data[2200];
	struct cairn_oid id, sid;
	struct cairn_repo *r;
	struct eio_vfs e;
	const struct cairn_error *err;
	unsigned char *big;
	uint64_t dsize;

	big_past_wal(path, sizeof(path), &id, &big, &dsize);
	manifest_file(path, "data", data, sizeof(data));
	e.below = cairn_vfs_posix();
	e.vfs = *e.below;
	e.vfs.pread = eio_pread;
	e.failed = 0;
	if (cairn_repo_open_vfs(path, 0, &e.vfs, &r) != NULL)
		bail_out("open");
	err = cairn_object_put(r, CAIRN_OBJ_BLOB, "small", 5, &sid);
	ok(err != NULL && err->code == CAIRN_ERR_IO && e.failed > 0,
	    "recovery that cannot read a record past the WAL fails with an "
	    "I/O error (%s)", err ? err->msg : "no error");
	cairn_repo_close(r);
	ok(size_of(data) >= dsize, "and truncates nothing");
	if (cairn_repo_open(path, 0, &r) != NULL)
		bail_out("reopen");
	ok(cairn_object_put(r, CAIRN_OBJ_BLOB, "other", 5, &sid) == NULL &&
	    reads(r, &id, big, BIG), "a later recovery keeps the object");
	cairn_repo_close(r);
	free(big);
}

/* ---- a failed commit leaves nothing visible ---- */

static void
test_failed_commit(void)
{
	char path[1100], name[32], content[64];
	struct cairn_vfs_fault f;
	struct cairn_repo *r;
	struct cairn_oid id;
	const struct cairn_error *err;
	long at;
	enum cairn_otype type;
	int failed = 0, visible = 0, ref_ok = 0;
	unsigned char *got;
	size_t glen;

	new_repo(path, sizeof(path));
	for (at = 1; at <= 8; at++) {
		cairn_vfs_fault_init(&f, cairn_vfs_posix());
		if (cairn_repo_open_vfs(path, 0, &f.vfs, &r) != NULL)
			bail_out("open");
		/* Recover and warm up first, then fail call at of a commit. */
		if (cairn_object_put(r, CAIRN_OBJ_BLOB, "warm", 4, &id) != NULL)
			bail_out("warm-up put");
		f.fail_at = f.calls + at;
		f.err = EIO;
		snprintf(content, sizeof(content), "never stored %ld", at);
		err = cairn_batch_begin(r);
		if (err == NULL && (err = cairn_batch_add(r, CAIRN_OBJ_BLOB,
		    content, strlen(content), &id)) == NULL)
			err = cairn_batch_commit(r);
		else if (err == NULL)
			cairn_batch_abort(r);
		if (err != NULL) {
			failed++;
			if (cairn_object_get(r, &id, 0, &type, &got, &glen) == NULL) {
				visible++;
				free(got);
			}
			snprintf(name, sizeof(name), "f%ld", at);
			if (cairn_ref_set(r, name, &id, NULL) == NULL)
				ref_ok++;
		}
		cairn_repo_close(r);
	}
	ok(failed > 0, "%d of 8 fault points failed the commit", failed);
	is_int(visible, 0, "after a failed commit the handle does not serve "
	    "the object");
	is_int(ref_ok, 0, "nor accepts a ref to it");
}

/* ---- ref updates check the current state ---- */

static void
test_stale_durable(void)
{
	char path[1100];
	struct cairn_repo *old, *r;
	struct cairn_gc_opts go = CAIRN_GC_OPTS_INIT;
	struct cairn_gc_result res = CAIRN_GC_RESULT_INIT;
	struct cairn_oid x;
	const struct cairn_error *err;
	pid_t pid;

	new_repo(path, sizeof(path));
	if (cairn_repo_open(path, 0, &r) != NULL ||
	    cairn_object_put(r, CAIRN_OBJ_BLOB, "doomed", 6, &x) != NULL ||
	    cairn_repo_flush(r) != NULL)
		bail_out("put x");
	cairn_repo_close(r);
	if (cairn_repo_open(path, 0, &old) != NULL)
		bail_out("open old");
	ok(reads(old, &x, "doomed", 6), "the old handle sees x");
	if ((pid = fork()) == -1)
		bail_out("fork");
	if (pid == 0) {
		go.keep_since = INT64_MAX;
		if (cairn_repo_open(path, 0, &r) != NULL ||
		    cairn_gc_handle(r, &go, &res) != NULL || res.removed == 0)
			_exit(1);
		cairn_repo_close(r);
		_exit(0);
	}
	if (child_status(pid) != 0)
		bail_out("gc in the child failed");
	err = cairn_ref_set(old, "dangling", &x, NULL);
	is_error(err, CAIRN_ERR_NOT_FOUND, "a ref set through a handle "
	    "opened before gc removed the object fails: not found");
	cairn_repo_close(old);
}

/* ---- a damaged stored copy does not stop a new one ---- */

/* Flip a byte in the last stored bytes of the data file's object record. */
static void
damage_data(const char *path, uint64_t from_end)
{
	char data[2200];
	unsigned char c;
	uint64_t off;
	int fd;

	manifest_file(path, "data", data, sizeof(data));
	off = size_of(data) - from_end;
	if ((fd = open(data, O_RDWR)) == -1 || pread(fd, &c, 1, (off_t)off) != 1)
		bail_out("read %s", data);
	c ^= 0x40;
	if (pwrite(fd, &c, 1, (off_t)off) != 1)
		bail_out("write %s", data);
	close(fd);
}

static void
test_dedup_damaged(void)
{
	char path[1100];
	struct cairn_repo *r;
	struct cairn_oid id, id2;
	unsigned char content[300], *big;
	size_t bigsz = 5000;

	/* A small object indexed in a segment. */
	new_repo(path, sizeof(path));
	set_config(path, "core.compression", "0");
	rng_fill(content, sizeof(content));
	if (cairn_repo_open(path, 0, &r) != NULL ||
	    cairn_object_put(r, CAIRN_OBJ_BLOB, content, sizeof(content),
	        &id) ||
	    cairn_repo_flush(r) != NULL)
		bail_out("put");
	cairn_repo_close(r);
	damage_data(path, 10);
	if (cairn_repo_open(path, 0, &r) != NULL)
		bail_out("open");
	ok(!reads(r, &id, content, sizeof(content)), "the damaged copy does "
	    "not read");
	ok(cairn_object_put(r, CAIRN_OBJ_BLOB, content, sizeof(content),
	    &id2) ==
	    NULL && reads(r, &id, content, sizeof(content)), "putting the "
	    "content again stores a copy that reads");
	ok(cairn_repo_flush(r) == NULL && reads(r, &id, content, sizeof(content)),
	    "and it still reads after a flush");
	cairn_repo_close(r);
	if (cairn_repo_open(path, 0, &r) != NULL)
		bail_out("open");
	ok(reads(r, &id, content, sizeof(content)), "and from a new handle");
	cairn_repo_close(r);

	/* A big object past the watermark (a POINTER in the WAL). */
	new_repo(path, sizeof(path));
	set_config(path, "core.bigFileThreshold", "1024");
	set_config(path, "core.compression", "0");
	big = xmalloc(bigsz);
	rng_fill(big, bigsz);
	if (cairn_repo_open(path, 0, &r) != NULL ||
	    cairn_object_put(r, CAIRN_OBJ_BLOB, big, bigsz, &id) != NULL)
		bail_out("put big");
	cairn_repo_close(r);
	damage_data(path, 100);
	if (cairn_repo_open(path, 0, &r) != NULL)
		bail_out("open");
	ok(cairn_object_put(r, CAIRN_OBJ_BLOB, big, bigsz, &id2) == NULL &&
	    reads(r, &id, big, bigsz), "a big object put again over a "
	    "damaged copy reads");
	cairn_repo_close(r);
	if (cairn_repo_open(path, 0, &r) != NULL)
		bail_out("open");
	ok(reads(r, &id, big, bigsz) && cairn_repo_flush(r) == NULL &&
	    reads(r, &id, big, bigsz), "from a new handle, and after a flush");
	cairn_repo_close(r);
	free(big);
}


/* ---- file numbers, file types, directories ---- */

/* Rewrite the manifest with its next counter set to next. */
static void
set_next(const char *repo, uint64_t next)
{
	char path[2048];
	struct cairn_buf text = { 0 };
	struct cairn_manifest m;
	char raw[8192];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/manifest", repo);
	if ((f = fopen(path, "r")) == NULL)
		bail_out("open %s", path);
	n = fread(raw, 1, sizeof(raw), f);
	fclose(f);
	if (cairn_manifest_parse(&m, raw, n, path) != NULL)
		bail_out("parse %s", path);
	m.next = next;
	if (cairn_manifest_format(&text, &m) != NULL ||
	    (f = fopen(path, "w")) == NULL ||
	    fwrite(text.data, 1, text.len, f) != text.len || fclose(f) != 0)
		bail_out("write %s", path);
	cairn_buf_release(&text);
}

static void
test_next_behind(void)
{
	char path[1100];
	struct cairn_repo *r;
	struct cairn_oid x, y, z;
	const struct cairn_error *err;
	int good;

	new_repo(path, sizeof(path));
	if (cairn_repo_open(path, 0, &r) != NULL ||
	    cairn_object_put(r, CAIRN_OBJ_BLOB, "x in the WAL", 12, &x) != NULL)
		bail_out("put x");
	cairn_repo_close(r);
	/* The live files are objects.1.data and objects.2.wal. */
	set_next(path, 1);
	if (cairn_repo_open(path, 0, &r) != NULL)
		bail_out("open");
	err = cairn_object_put(r, CAIRN_OBJ_BLOB, "y", 1, &y);
	if (err == NULL)
		err = cairn_repo_flush(r);
	no_error(err, "a put and a flush with the manifest's counter behind "
	    "the numbers in use");
	cairn_repo_close(r);
	err = cairn_repo_open(path, 0, &r);
	good = err == NULL && reads(r, &x, "x in the WAL", 12) &&
	    reads(r, &y, "y", 1) &&
	    cairn_object_put(r, CAIRN_OBJ_BLOB, "z", 1, &z) == NULL &&
	    cairn_repo_flush(r) == NULL && reads(r, &x, "x in the WAL", 12) &&
	    reads(r, &z, "z", 1);
	ok(good, "the repository opens afterwards and holds every object "
	    "(%s)", err ? err->msg : "opened");
	if (err == NULL)
		cairn_repo_close(r);
}

/*
 * Open path (a child process with a 10 s alarm: a hang is a failure) and
 * read id; the exit status is the error code (0: read), 99 on a hang.
 */
static int
open_and_read(const char *path, const struct cairn_oid *id)
{
	const struct cairn_error *err;
	struct cairn_repo *r;
	unsigned char *got;
	size_t glen;
	pid_t pid;
	enum cairn_otype type;
	int st;

	if ((pid = fork()) == -1)
		bail_out("fork");
	if (pid == 0) {
		alarm(10);
		if ((err = cairn_repo_open(path, 0, &r)) == NULL) {
			err = cairn_object_get(r, id, 0, &type, &got, &glen);
			if (err == NULL)
				err = cairn_object_put(r, CAIRN_OBJ_BLOB, "w",
				    1, &(struct cairn_oid){ 0 });
		}
		_exit(err == NULL ? 0 : err->code);
	}
	if (waitpid(pid, &st, 0) != pid)
		bail_out("waitpid");
	if (WIFSIGNALED(st))
		return WTERMSIG(st) == SIGALRM ? 99 : 100 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static void
test_not_regular(void)
{
	static const char *const kinds[] = { "FIFO", "symlink", "directory" };
	static const char *const files[] = { "wal", "data", "segment" };
	char path[1100], file[2200], saved[2300], outside[2300];
	struct cairn_repo *r;
	struct cairn_oid x;
	int f, k, rc, fd;

	new_repo(path, sizeof(path));
	if (cairn_repo_open(path, 0, &r) != NULL ||
	    cairn_object_put(r, CAIRN_OBJ_BLOB, "indexed", 7, &x) != NULL ||
	    cairn_repo_flush(r) != NULL)
		bail_out("put");
	cairn_repo_close(r);
	snprintf(outside, sizeof(outside), "%s/outside-%d", base_dir,
	    repo_seq);
	for (f = 0; f < 3; f++)
		for (k = 0; k < 3; k++) {
			manifest_file(path, files[f], file, sizeof(file));
			snprintf(saved, sizeof(saved), "%s.saved", file);
			if (rename(file, saved) != 0)
				bail_out("rename %s", file);
			if ((fd = open(outside, O_WRONLY | O_CREAT | O_TRUNC,
			    0644)) == -1 || write(fd, "keep", 4) != 4)
				bail_out("create %s", outside);
			close(fd);
			if ((k == 0 && mkfifo(file, 0644) != 0) ||
			    (k == 1 && symlink(outside, file) != 0) ||
			    (k == 2 && mkdir(file, 0755) != 0))
				bail_out("make %s", file);
			rc = open_and_read(path, &x);
			is_int(rc, CAIRN_ERR_CORRUPT, "the %s replaced by a %s: "
			    "an error that names it, no hang", files[f],
			    kinds[k]);
			ok(size_of(outside) == 4, "nothing written through it");
			if (k == 2)
				rmdir(file);
			else
				unlink(file);
			if (rename(saved, file) != 0)
				bail_out("restore %s", file);
		}
	unlink(outside);
	ok(open_and_read(path, &x) == 0, "the restored repository works");
}

static void
test_missing_dirs(void)
{
	char path[1100], dir[2200], outside[2300];
	struct cairn_repo *r;
	struct cairn_oid x;
	const struct cairn_error *err;
	struct stat st;
	DIR *dp;
	int n = 0;

	new_repo(path, sizeof(path));
	snprintf(dir, sizeof(dir), "%s/tmp", path);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/index", path);
	rmdir(dir);
	if (cairn_repo_open(path, 0, &r) != NULL ||
	    cairn_object_put(r, CAIRN_OBJ_BLOB, "x", 1, &x) != NULL)
		bail_out("put");
	no_error(cairn_repo_flush(r), "a flush with tmp/ and index/ missing");
	snprintf(dir, sizeof(dir), "%s/tmp", path);
	ok(lstat(dir, &st) == 0 && S_ISDIR(st.st_mode), "it made tmp/");
	snprintf(dir, sizeof(dir), "%s/index", path);
	ok(lstat(dir, &st) == 0 && S_ISDIR(st.st_mode), "and index/");
	cairn_repo_close(r);

	/* A symbolic link there is never followed nor replaced. */
	snprintf(outside, sizeof(outside), "%s/outside-dir-%d", base_dir,
	    repo_seq);
	if (mkdir(outside, 0755) != 0)
		bail_out("mkdir %s", outside);
	snprintf(dir, sizeof(dir), "%s/tmp", path);
	if ((rmdir(dir) != 0 && errno != ENOENT) || symlink(outside, dir) != 0)
		bail_out("symlink %s", dir);
	if (cairn_repo_open(path, 0, &r) != NULL ||
	    cairn_object_put(r, CAIRN_OBJ_BLOB, "y", 1, &x) != NULL)
		bail_out("put");
	err = cairn_repo_flush(r);
	is_error(err, CAIRN_ERR_CORRUPT, "a flush with tmp/ a symbolic link "
	    "fails");
	cairn_repo_close(r);
	if ((dp = opendir(outside)) == NULL)
		bail_out("opendir %s", outside);
	while (readdir(dp) != NULL)
		n++;
	closedir(dp);
	is_int(n, 2, "and writes nothing where it points");
	ok(lstat(dir, &st) == 0 && S_ISLNK(st.st_mode), "the link is left "
	    "for fsck --repair");
	unlink(dir);
	mkdir(dir, 0755);
	rmdir(outside);
}

int
main(void)
{
	scratch_base(base_dir, sizeof(base_dir), "t-writers", 0);
	test_long_writers();
	test_failed_commit();
	test_stale_durable();
	test_dedup_damaged();
	test_next_behind();
	test_not_regular();
	test_missing_dirs();
	test_salvage_eio();
	test_salvage_memory();
	if (tap_state()->failed == 0)
		rm_rf(base_dir);
	else
		diag("scratch kept in %s", base_dir);
	return done_testing();
}
