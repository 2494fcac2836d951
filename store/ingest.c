/*
 * ingest.c: many objects into the open batch, hashed and compressed on
 * worker threads while the batch's own thread appends them in order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn.h"
#include "disk_int.h"
#include "repo_int.h"
#include "zip.h"

/*
 * The queue's bounds: objects, and bytes of content per worker (one
 * object may exceed it).  A prepared object also holds its deflated
 * form, never larger than its content (it is dropped otherwise), so the
 * queue holds at most twice this.  Enough to keep every worker busy,
 * small enough that memory does not depend on the input.
 */
#define QCAP 512
#define QBYTES_PER_WORKER ((size_t)4 << 20)
#define MAX_WORKERS 64
/*
 * The handle's progress fn (cairn_repo_set_progress) hears of the
 * objects appended, phases "files" and "bytes" (of content), after
 * every this many objects or this many bytes, and at every drain.
 */
#define PROGRESS_OBJECTS 64
#define PROGRESS_BYTES ((uint64_t)4 << 20)

struct item {
	int type;
	unsigned char *data;
	size_t len;
	int has_claim;
	struct cairn_oid claim;
	/* Set by a worker, read after ready under the lock. */
	struct cairn_buf z;
	struct disk_prepared pre;
	int ready;
	int failed;			/* hashing or deflating failed */
	char msg[256];
};

struct cairn_ingest {
	struct cairn_repo *repo;
	cairn_ingest_fn fn;
	void *arg;
	int algo, level;
	uint64_t big;			/* core.bigFileThreshold */
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct item ring[QCAP];
	uint64_t head, next, tail;	/* append <= prepare <= free */
	size_t bytes;			/* content queued */
	size_t qbytes;			/* its bound */
	int stop;
	int waiting;			/* the writer waits on done */
	unsigned idle;			/* workers waiting on work */
	pthread_t th[MAX_WORKERS];
	unsigned nth;
	int code;			/* first error, 0 if none */
	char msg[256];
	/* Appended so far, and at the last report to the progress fn. */
	uint64_t appended, appended_bytes, told, told_bytes;
};

/* Hash, compress and sum one object (a worker, no lock held). */
static void
prepare(struct cairn_ingest *g, struct item *it)
{
	const struct cairn_error *err;
	struct disk_prepared *p = &it->pre;

	memset(p, 0, sizeof(*p));
	p->type = it->type;
	p->data = it->data;
	p->len = it->len;
	p->level = g->level;
	p->algo = g->algo;
	p->stored = it->data;
	p->stored_len = it->len;
	if ((err = cairn_hash_object(g->algo, it->type, it->data, it->len,
	    &p->id)) != NULL)
		goto fail;
	/* The same choice as disk_write: raw unless deflate is smaller. */
	if (g->level > 0 && it->len > 0) {
		if ((err = cairn_zip_deflate(&it->z, it->data, it->len,
		    g->level)) != NULL)
			goto fail;
		if (it->z.len < it->len) {
			p->deflated = 1;
			p->stored = it->z.data;
			p->stored_len = it->z.len;
		} else
			cairn_buf_release(&it->z);
	}
	p->crc = cairn_crc32(0, p->stored, p->stored_len);
	return;
fail:
	/* The error's text lives in this thread's ring: copy it. */
	it->failed = err->code;
	snprintf(it->msg, sizeof(it->msg), "%s", err->msg);
}

static void *
worker(void *arg)
{
	struct cairn_ingest *g = arg;
	struct item *it;

	pthread_mutex_lock(&g->mu);
	for (;;) {
		while (!g->stop && g->next == g->tail) {
			g->idle++;
			pthread_cond_wait(&g->work, &g->mu);
			g->idle--;
		}
		if (g->stop)
			break;
		it = &g->ring[g->next++ % QCAP];
		pthread_mutex_unlock(&g->mu);
		prepare(g, it);
		pthread_mutex_lock(&g->mu);
		it->ready = 1;
		/* Wake-ups cost system calls: only when someone waits. */
		if (g->waiting)
			pthread_cond_signal(&g->done);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

/*
 * Tell the handle's progress fn how far the ingest is.  Only the calling
 * thread appends (retire, add_big, add_fd), so never two at once.
 */
static void
tell(struct cairn_ingest *g)
{
	if (g->appended == g->told && g->appended_bytes == g->told_bytes)
		return;
	g->told = g->appended;
	g->told_bytes = g->appended_bytes;
	cairn_repo_progress(g->repo, "files", g->appended, 0);
	cairn_repo_progress(g->repo, "bytes", g->appended_bytes, 0);
}

/* An object was appended: the caller's fn, and now and then progress. */
static const struct cairn_error *
noted(struct cairn_ingest *g, const struct cairn_oid *id, uint64_t size)
{
	g->appended++;
	g->appended_bytes += size;
	if (g->appended - g->told >= PROGRESS_OBJECTS ||
	    g->appended_bytes - g->told_bytes >= PROGRESS_BYTES)
		tell(g);
	return g->fn(g->arg, id, size);
}

static const struct cairn_error *
failed(struct cairn_ingest *g)
{
	if (g->code == 0)
		return NULL;
	return cairn_error_new(g->code, "%s", g->msg);
}

static void
fail(struct cairn_ingest *g, const struct cairn_error *err)
{
	if (g->code != 0)
		return;
	g->code = err->code;
	snprintf(g->msg, sizeof(g->msg), "%s", err->msg);
}

static const struct cairn_error *
check_claim(const struct item *it)
{
	char a[CAIRN_OID_HEXMAX + 1], b[CAIRN_OID_HEXMAX + 1];

	if (!it->has_claim || cairn_oid_eq(&it->pre.id, &it->claim))
		return NULL;
	return cairn_error_new(CAIRN_ERR_INVALID,
	    "object %s does not match its content (which hashes to %s)",
	    cairn_oid_fmt(&it->claim, a), cairn_oid_fmt(&it->pre.id, b));
}

/* Into the batch: the prepared record, through cairn_batch_add's checks. */
static const struct cairn_error *
append(struct cairn_ingest *g, struct item *it)
{
	const struct cairn_error *err;
	struct cairn_oid id;

	if (it->failed)
		return cairn_error_new(it->failed, "%s", it->msg);
	if ((err = check_claim(it)) != NULL)
		return err;
	disk_prepared_set(&it->pre);
	err = cairn_batch_add(g->repo, it->type, it->data, it->len, &id);
	disk_prepared_set(NULL);
	if (err == NULL)
		err = noted(g, &id, it->len);
	return err;
}

/*
 * Append (or after a failure drop) the oldest queued object, waiting
 * for it if wait, else only if it is ready.  Returns 0 if nothing was
 * done.
 */
static int
retire(struct cairn_ingest *g, int wait)
{
	const struct cairn_error *err;
	struct item *it;

	if (g->head == g->tail)
		return 0;
	it = &g->ring[g->head % QCAP];
	pthread_mutex_lock(&g->mu);
	if (wait && g->next == g->head) {
		/* No worker has it yet: rather than wait, prepare it here. */
		g->next++;
		pthread_mutex_unlock(&g->mu);
		prepare(g, it);
		pthread_mutex_lock(&g->mu);
		it->ready = 1;
	}
	while (wait && !it->ready) {
		g->waiting = 1;
		pthread_cond_wait(&g->done, &g->mu);
		g->waiting = 0;
	}
	if (!it->ready) {
		pthread_mutex_unlock(&g->mu);
		return 0;
	}
	pthread_mutex_unlock(&g->mu);
	if (g->code == 0 && (err = append(g, it)) != NULL)
		fail(g, err);
	free(it->data);
	cairn_buf_release(&it->z);
	g->bytes -= it->len;
	g->head++;
	return 1;
}

static unsigned
workers(void)
{
	const char *e = getenv("CAIRN_INGEST_THREADS");
	long n = e != NULL ? atol(e) : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n > MAX_WORKERS ? MAX_WORKERS : (unsigned)n;
}

static const struct cairn_error *
cfg_number(long long *out, struct cairn_repo *repo, const char *key,
    long long def)
{
	const char *v = cairn_repo_cfg_value(repo, key);
	char *end;

	*out = def;
	if (v == NULL)
		return NULL;
	*out = strtoll(v, &end, 10);
	if (end == v || *end != '\0')
		return cairn_error_new(CAIRN_ERR_CORRUPT, "bad %s '%s'", key, v);
	return NULL;
}

const struct cairn_error *
cairn_ingest_open(struct cairn_ingest **out, struct cairn_repo *repo,
    cairn_ingest_fn fn, void *arg)
{
	const struct cairn_error *err;
	struct cairn_ingest *g;
	long long level, big;
	unsigned i, n = workers();

	*out = NULL;
	/* What the disk backend read at open (repo.c); defaults as there. */
	if ((err = cfg_number(&level, repo, "core.compression", 1)) != NULL ||
	    (err = cfg_number(&big, repo, "core.bigFileThreshold",
	    1 << 20)) != NULL)
		return err;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return cairn_error_nomem();
	g->repo = repo;
	g->fn = fn;
	g->arg = arg;
	g->algo = cairn_repo_hash_algo(repo);
	g->level = (int)level;
	g->big = (uint64_t)big;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->work, NULL);
	pthread_cond_init(&g->done, NULL);
	for (i = 0; i < n; i++) {
		if (pthread_create(&g->th[i], NULL, worker, g) != 0)
			break;
		g->nth++;
	}
	/*
	 * Threads that cannot start (no memory for their stacks) are done
	 * without: with none, the calling thread prepares every object
	 * itself when it retires it.
	 */
	g->qbytes = QBYTES_PER_WORKER * (g->nth > 1 ? g->nth : 2);
	*out = g;
	return NULL;
}

/* Above core.bigFileThreshold: in order, on the streaming path. */
static const struct cairn_error *
add_big(struct cairn_ingest *g, int type, unsigned char *data, size_t len,
    const struct cairn_oid *claim)
{
	const struct cairn_error *err;
	struct cairn_oid id;
	struct cairn_mem_src m = { data, len };
	char a[CAIRN_OID_HEXMAX + 1], b[CAIRN_OID_HEXMAX + 1];

	if ((err = cairn_ingest_drain(g)) != NULL)
		return err;
	if (claim != NULL) {
		if ((err = cairn_hash_object(g->algo, type, data, len,
		    &id)) != NULL)
			goto done;
		if (!cairn_oid_eq(&id, claim)) {
			err = cairn_error_new(CAIRN_ERR_INVALID, "object %s "
			    "does not match its content (which hashes to %s)",
			    cairn_oid_fmt(claim, a), cairn_oid_fmt(&id, b));
			goto done;
		}
	}
	if ((err = cairn_batch_add_stream(g->repo, type, cairn_mem_read, &m,
	    (int64_t)len, &id)) == NULL)
		err = noted(g, &id, len);
done:
	if (err != NULL)
		fail(g, err);
	free(data);
	return failed(g);
}

const struct cairn_error *
cairn_ingest_add(struct cairn_ingest *g, enum cairn_otype type, void *data,
    size_t len, const struct cairn_oid *claim)
{
	struct item *it;

	if (g->code != 0) {
		free(data);
		return failed(g);
	}
	if ((uint64_t)len > g->big)
		return add_big(g, type, data, len, claim);
	while (g->tail - g->head == QCAP ||
	    (g->tail > g->head && g->bytes + len > g->qbytes))
		retire(g, 1);
	it = &g->ring[g->tail % QCAP];
	memset(it, 0, sizeof(*it));
	it->type = type;
	it->data = data;
	it->len = len;
	if ((it->has_claim = claim != NULL))
		it->claim = *claim;
	g->bytes += len;
	pthread_mutex_lock(&g->mu);
	g->tail++;
	if (g->idle > 0)
		pthread_cond_signal(&g->work);
	pthread_mutex_unlock(&g->mu);
	while (retire(g, 0))
		;
	return failed(g);
}

/* Read exactly size bytes of fd into buf, or say how its length differs. */
static const struct cairn_error *
read_exact(int fd, unsigned char *buf, size_t size)
{
	unsigned char extra;
	size_t got = 0;
	ssize_t n;

	while (got < size) {
		if ((n = cairn_fd_read(&fd, buf + got, size - got)) < 0)
			return cairn_error_sys(errno, "read object content");
		if (n == 0)
			return cairn_error_new(CAIRN_ERR_INVALID, "content is "
			    "%zu bytes, expected %zu (did it change while "
			    "being read?)", got, size);
		got += (size_t)n;
	}
	if ((n = cairn_fd_read(&fd, &extra, 1)) < 0)
		return cairn_error_sys(errno, "read object content");
	if (n > 0)
		return cairn_error_new(CAIRN_ERR_INVALID, "content is more "
		    "than %zu bytes, expected %zu (did it change while being "
		    "read?)", size, size);
	return NULL;
}

const struct cairn_error *
cairn_ingest_add_fd(struct cairn_ingest *g, enum cairn_otype type, int fd,
    uint64_t size)
{
	const struct cairn_error *err;
	struct cairn_oid id;
	unsigned char *data;

	if (g->code != 0)
		return failed(g);
	if (size > g->big || size > SIZE_MAX - 1) {
		/* In order, after what is queued, on the streaming path. */
		if ((err = cairn_ingest_drain(g)) != NULL ||
		    (err = cairn_batch_add_stream(g->repo, type, cairn_fd_read,
		    &fd, (int64_t)size, &id)) != NULL)
			return err;
		if ((err = noted(g, &id, size)) != NULL)
			fail(g, err);
		return failed(g);
	}
	if ((data = malloc(size > 0 ? (size_t)size : 1)) == NULL)
		return cairn_error_nomem();
	if ((err = read_exact(fd, data, (size_t)size)) != NULL) {
		free(data);
		return err;
	}
	return cairn_ingest_add(g, type, data, (size_t)size, NULL);
}

const struct cairn_error *
cairn_ingest_drain(struct cairn_ingest *g)
{
	while (retire(g, 1))
		;
	tell(g);
	return failed(g);
}

void
cairn_ingest_close(struct cairn_ingest *g)
{
	unsigned i;

	if (g == NULL)
		return;
	/* Nothing more is appended: what is queued is dropped. */
	if (g->code == 0)
		g->code = CAIRN_ERR_USAGE;
	while (retire(g, 1))
		;
	pthread_mutex_lock(&g->mu);
	g->stop = 1;
	pthread_cond_broadcast(&g->work);
	pthread_mutex_unlock(&g->mu);
	for (i = 0; i < g->nth; i++)
		pthread_join(g->th[i], NULL);
	pthread_cond_destroy(&g->done);
	pthread_cond_destroy(&g->work);
	pthread_mutex_destroy(&g->mu);
	free(g);
}
