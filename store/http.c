/*
 * http.c: the read-only I/O layer over HTTP (contract in http.h), on
 * libcurl's easy interface: one handle per layer, so connections are
 * kept alive between requests.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dlfcn.h>

#include <curl/curl.h>

#include "buf.h"
#include "cairn.h"
#include "http.h"

#define FIRST		(64u << 10)	/* bytes open asks for */
#define BLOCK		(256u << 10)	/* bytes a read's request asks for */
#define RUN_BLOCKS	64		/* blocks at most in one request */
#define CACHE_BLOCKS	256		/* blocks the cache keeps */
#define FD_BASE		(1 << 24)	/* descriptors are FD_BASE + slot */
#define SPOOL		(32u << 20)	/* a larger whole body goes to a file */

struct hfile {
	int used;
	int dir;
	int whole;		/* data (or spool) holds the whole file */
	int later;		/* ranges ignored: read it whole when needed */
	char *url;
	unsigned char *data;
	int spool;		/* an unlinked temporary file, or -1 */
	uint64_t size;
};

struct block {
	int fd;			/* -1: free */
	uint64_t index;		/* offset / BLOCK */
	unsigned char *data;
	size_t len;
	uint64_t used;		/* the tick of the last use */
};

struct http {
	struct cairn_vfs vfs;	/* must be first */
	pthread_mutex_t mu;
	CURL *curl;
	struct hfile *files;
	size_t nfiles;
	struct block cache[CACHE_BLOCKS];
	uint64_t tick;
};

/* One response: its status, the body, and Content-Range. */
struct response {
	long status;
	struct cairn_buf body;
	int spool;		/* past SPOOL bytes the body is here, or -1 */
	uint64_t spooled;	/* its length */
	uint64_t max;		/* a longer body is an error */
	int too_long;
	int no_spool;		/* the spool file could not be made */
	int64_t length;		/* Content-Length, or -1 */
	int has_range;
	uint64_t first, last, total;
};

/*
 * libcurl is loaded when a repository is first opened over HTTP, not at
 * startup: linked in, its dependencies (TLS, GSSAPI, LDAP, ...) would
 * cost every run of every command some milliseconds to load.
 */
static struct {
	CURLcode (*global_init)(long);
	CURL *(*init)(void);
	CURLcode (*setopt)(CURL *, CURLoption, ...);
	CURLcode (*perform)(CURL *);
	CURLcode (*getinfo)(CURL *, CURLINFO, ...);
	const char *(*strerror)(CURLcode);
	void (*cleanup)(CURL *);
} C;

int
cairn_http_url(const char *path)
{
	return strncasecmp(path, "http://", 7) == 0 ||
	    strncasecmp(path, "https://", 8) == 0;
}

/* Write all of p to fd; 0 or -1. */
static int
write_all(int fd, const void *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * A whole file from a server that ignores ranges can be the size of the
 * repository: past SPOOL bytes it goes to an unlinked file in $TMPDIR.
 */
static int
start_spool(struct response *r)
{
	const char *dir = getenv("TMPDIR");
	struct cairn_buf path = { 0 };
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if (cairn_buf_printf(&path, "%s/cairn-http-XXXXXX", dir) != NULL)
		return -1;
	fd = mkstemp((char *)path.data);
	if (fd != -1) {
		(void)unlink((char *)path.data);
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	cairn_buf_release(&path);
	if (fd == -1)
		return -1;
	if (write_all(fd, r->body.data, r->body.len) != 0) {
		close(fd);
		return -1;
	}
	r->spool = fd;
	r->spooled = r->body.len;
	cairn_buf_release(&r->body);
	return 0;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct response *r = arg;

	n *= size;
	/* Never more than asked for, or than the range says it holds. */
	if (r->body.len + r->spooled + n > r->max || (r->has_range &&
	    r->body.len + r->spooled + n > r->last - r->first + 1)) {
		r->too_long = 1;
		return 0;
	}
	/* Without a spool file (no $TMPDIR), memory must do. */
	if (r->spool == -1 && !r->no_spool && r->body.len + n > SPOOL &&
	    start_spool(r) != 0)
		r->no_spool = 1;
	if (r->spool != -1) {
		if (write_all(r->spool, p, n) != 0)
			return 0;
		r->spooled += n;
	} else if (cairn_buf_append(&r->body, p, n) != NULL)
		return 0;
	return n;
}

static void
response_release(struct response *r)
{
	cairn_buf_release(&r->body);
	if (r->spool != -1)
		close(r->spool);
	r->spool = -1;
}

/* "Content-Range: bytes <first>-<last>/<total>", in any case. */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	static const char name[] = "content-range:";
	struct response *r = arg;
	unsigned long long a, b, t;
	char line[256];
	size_t len = size * n;

	if (len < sizeof(name) - 1 || len >= sizeof(line) ||
	    strncasecmp(p, name, sizeof(name) - 1) != 0)
		return len;
	memcpy(line, p, len);
	line[len] = '\0';
	if (sscanf(line + sizeof(name) - 1, " bytes %llu-%llu/%llu", &a, &b,
	    &t) == 3 && a <= b && b < t) {
		r->has_range = 1;
		r->first = a;
		r->last = b;
		r->total = t;
	}
	return len;
}

/* The errno for a failed transfer. */
static int
curl_errno(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
		return ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return ETIMEDOUT;
	case CURLE_OUT_OF_MEMORY:
		return ENOMEM;
	case CURLE_UNSUPPORTED_PROTOCOL:
		return EPROTONOSUPPORT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
		return EPROTO;
	default:
		return EIO;
	}
}

/* The errno for a status that is neither 200 nor 206. */
static int
status_errno(long status)
{
	switch (status) {
	case 404:
	case 410:
		return ENOENT;
	case 401:
	case 403:
		return EACCES;
	default:
		return status >= 500 && status < 600 ? EREMOTEIO : EIO;
	}
}

/*
 * GET url, asking for bytes [off, off + len) (len 0: no range), with at
 * most max bytes of body.  -1 and errno if no response came whole; 1 if
 * the body was longer than max (or than its range): then the status and
 * length are set, and the body holds what came.
 */
static int
request(struct http *h, const char *url, uint64_t off, uint64_t len,
    uint64_t max, struct response *r)
{
	char range[64];
	curl_off_t length;
	CURLcode c;

	memset(r, 0, sizeof(*r));
	r->spool = -1;
	r->max = max;
	C.setopt(h->curl, CURLOPT_URL, url);
	if (len > 0) {
		snprintf(range, sizeof(range), "%llu-%llu",
		    (unsigned long long)off,
		    (unsigned long long)(off + len - 1));
		C.setopt(h->curl, CURLOPT_RANGE, range);
	} else
		C.setopt(h->curl, CURLOPT_RANGE, NULL);
	C.setopt(h->curl, CURLOPT_WRITEDATA, r);
	C.setopt(h->curl, CURLOPT_HEADERDATA, r);
	c = C.perform(h->curl);
	C.getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	r->length = -1;
	if (C.getinfo(h->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
	    &length) == CURLE_OK && length >= 0)
		r->length = length;
	if (c != CURLE_OK && r->too_long)
		return 1;
	if (c != CURLE_OK) {
		response_release(r);
		errno = curl_errno(c);
		return -1;
	}
	return 0;
}

static struct hfile *
file_of(struct http *h, int fd)
{
	if (fd < FD_BASE || (size_t)(fd - FD_BASE) >= h->nfiles ||
	    !h->files[fd - FD_BASE].used) {
		errno = EBADF;
		return NULL;
	}
	return &h->files[fd - FD_BASE];
}

/* A free slot's descriptor, or -1 (ENOMEM, EMFILE). */
static int
new_slot(struct http *h)
{
	struct hfile *f;
	size_t i, n;

	for (i = 0; i < h->nfiles; i++)
		if (!h->files[i].used)
			return FD_BASE + (int)i;
	n = h->nfiles ? 2 * h->nfiles : 16;
	if (n > 65536) {
		errno = EMFILE;
		return -1;
	}
	if ((f = realloc(h->files, n * sizeof(*f))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	memset(f + h->nfiles, 0, (n - h->nfiles) * sizeof(*f));
	h->files = f;
	i = h->nfiles;
	h->nfiles = n;
	return FD_BASE + (int)i;
}

static void
drop_blocks(struct http *h, int fd)
{
	size_t i;

	for (i = 0; i < CACHE_BLOCKS; i++)
		if (h->cache[i].fd == fd) {
			free(h->cache[i].data);
			h->cache[i].data = NULL;
			h->cache[i].fd = -1;
		}
}

static struct block *
find_block(struct http *h, int fd, uint64_t index)
{
	size_t i;

	for (i = 0; i < CACHE_BLOCKS; i++)
		if (h->cache[i].fd == fd && h->cache[i].index == index) {
			h->cache[i].used = ++h->tick;
			return &h->cache[i];
		}
	return NULL;
}

/* Keep data (taken over) as block index of fd, in place of the oldest. */
static void
keep_block(struct http *h, int fd, uint64_t index, unsigned char *data,
    size_t len)
{
	struct block *b = &h->cache[0];
	size_t i;

	for (i = 0; i < CACHE_BLOCKS && b->fd != -1; i++)
		if (h->cache[i].fd == -1 || h->cache[i].used < b->used)
			b = &h->cache[i];
	free(b->data);
	b->fd = fd;
	b->index = index;
	b->data = data;
	b->len = len;
	b->used = ++h->tick;
}

/* The whole body of a 200 becomes f's content. */
static void
take_whole(struct hfile *f, struct response *r)
{
	free(f->data);
	if (f->spool != -1)
		close(f->spool);
	f->whole = 1;
	f->size = r->body.len + r->spooled;
	f->data = cairn_buf_detach(&r->body, NULL);
	f->spool = r->spool;
	r->spool = -1;
}

/* n bytes at off of a whole file (off + n <= f->size); 0 or -1. */
static int
read_whole(struct hfile *f, void *buf, size_t n, uint64_t off)
{
	ssize_t got;

	if (f->spool == -1) {
		memcpy(buf, f->data + off, n);
		return 0;
	}
	while (n > 0) {
		got = pread(f->spool, buf, n, (off_t)off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (got == 0)
				errno = EIO;
			return -1;
		}
		buf = (char *)buf + got;
		n -= (size_t)got;
		off += (uint64_t)got;
	}
	return 0;
}

/*
 * The whole of f, from a server that ignores ranges: as long as its
 * length said at open, no longer.
 */
static int
fetch_whole(struct http *h, int fd, struct hfile *f)
{
	struct response r;
	int c;

	if ((c = request(h, f->url, 0, 0, f->size, &r)) != 0) {
		if (c > 0) {
			response_release(&r);
			errno = EIO;
		}
		return -1;
	}
	if (r.status != 200 || r.body.len + r.spooled != f->size) {
		response_release(&r);
		errno = r.status == 200 ? EIO : status_errno(r.status);
		return -1;
	}
	take_whole(f, &r);
	f->later = 0;
	drop_blocks(h, fd);
	return 0;
}

/*
 * Fetch blocks [first, first + n) of f (descriptor fd) into the cache,
 * or the whole file if the server answers a range with all of it.
 */
static int
fetch_blocks(struct http *h, int fd, struct hfile *f, uint64_t first,
    uint64_t n)
{
	struct response r;
	uint64_t off = first * BLOCK, want = n * BLOCK, got, i, len;
	unsigned char *p;
	int c;

	if ((c = request(h, f->url, off, want, want, &r)) < 0)
		return -1;
	if (c > 0) {
		/* A server that ignores ranges sends more than asked for. */
		response_release(&r);
		if (r.status != 200) {
			errno = EIO;
			return -1;
		}
		return fetch_whole(h, fd, f);
	}
	if (r.status == 200) {
		take_whole(f, &r);
		drop_blocks(h, fd);
		return 0;
	}
	if (r.status == 416) {		/* nothing there: end of file */
		response_release(&r);
		f->size = off < f->size ? off : f->size;
		return 0;
	}
	got = r.body.len;
	if (r.status != 206 || !r.has_range || r.first != off ||
	    r.last + 1 - r.first != got || got > want ||
	    (got < want && r.last + 1 != r.total)) {
		response_release(&r);
		errno = r.status == 206 || r.status == 200 ? EIO :
		    status_errno(r.status);
		return -1;
	}
	if (r.total > f->size)
		f->size = r.total;
	for (i = 0; i * BLOCK < got; i++) {
		len = got - i * BLOCK < BLOCK ? got - i * BLOCK : BLOCK;
		if ((p = malloc(len ? len : 1)) == NULL) {
			response_release(&r);
			errno = ENOMEM;
			return -1;
		}
		memcpy(p, r.body.data + i * BLOCK, len);
		keep_block(h, fd, first + i, p, len);
	}
	response_release(&r);
	return 0;
}

static ssize_t
read_locked(struct http *h, int fd, void *buf, size_t n, off_t off)
{
	struct hfile *f;
	struct block *b;
	uint64_t at = (uint64_t)off, idx, run, done = 0, in;

	if ((f = file_of(h, fd)) == NULL)
		return -1;
	if (f->dir || off < 0) {
		errno = f->dir ? EISDIR : EINVAL;
		return -1;
	}
	if (f->later && n > 0 && fetch_whole(h, fd, f) != 0)
		return -1;
	while (done < n) {
		if (f->whole) {
			if (at >= f->size)
				break;
			in = f->size - at < n - done ? f->size - at : n - done;
			if (read_whole(f, (char *)buf + done, in, at) != 0)
				return -1;
			done += in;
			break;
		}
		idx = at / BLOCK;
		if ((b = find_block(h, fd, idx)) == NULL) {
			/* The blocks still missing of this read, together. */
			run = 1;
			while (run < RUN_BLOCKS && (idx + run) * BLOCK <
			    at + (n - done) && find_block(h, fd, idx + run) ==
			    NULL)
				run++;
			if (fetch_blocks(h, fd, f, idx, run) != 0)
				return -1;
			if (f->whole)
				continue;
			if ((b = find_block(h, fd, idx)) == NULL)
				break;	/* past the end */
		}
		if (at - idx * BLOCK >= b->len)
			break;
		in = b->len - (at - idx * BLOCK);
		if (in > n - done)
			in = n - done;
		memcpy((char *)buf + done, b->data + (at - idx * BLOCK), in);
		done += in;
		at += in;
		if (b->len < BLOCK)
			break;	/* the last block of the file */
	}
	return (ssize_t)done;
}

static ssize_t
h_pread(struct cairn_vfs *vfs, int fd, void *buf, size_t n, off_t off)
{
	struct http *h = (struct http *)vfs;
	ssize_t r;

	pthread_mutex_lock(&h->mu);
	r = read_locked(h, fd, buf, n, off);
	pthread_mutex_unlock(&h->mu);
	return r;
}

/* Open url (a file, or a directory: no request). */
static int
open_locked(struct http *h, const char *url, int flags)
{
	struct response r;
	struct hfile *f;
	int fd, e, c;

	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC))) {
		errno = EROFS;
		return -1;
	}
	if ((fd = new_slot(h)) == -1)
		return -1;
	f = &h->files[fd - FD_BASE];
	memset(f, 0, sizeof(*f));
	f->spool = -1;
	if ((f->url = strdup(url)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	f->used = 1;
	if (flags & O_DIRECTORY) {
		f->dir = 1;
		return fd;
	}
	if ((c = request(h, url, 0, FIRST, FIRST, &r)) < 0)
		goto fail;
	if (c > 0 && r.status == 200 && r.length >= 0) {
		/*
		 * The server ignores ranges and sends more: the file is read
		 * whole when a read needs it, and no longer than it says.
		 */
		response_release(&r);
		f->size = (uint64_t)r.length;
		f->later = 1;
		return fd;
	}
	if (c > 0) {		/* no length, or a 206 longer than its range */
		response_release(&r);
		errno = EIO;
		goto fail;
	}
	if (r.status == 200) {
		take_whole(f, &r);
		return fd;
	}
	if (r.status == 416) {		/* an empty file */
		response_release(&r);
		f->whole = 1;
		return fd;
	}
	if (r.status != 206 || !r.has_range || r.first != 0 ||
	    r.last + 1 != r.body.len || r.body.len != (r.total < FIRST ?
	    r.total : FIRST)) {
		response_release(&r);
		errno = r.status == 206 ? EIO : status_errno(r.status);
		goto fail;
	}
	if (r.total == r.body.len) {
		take_whole(f, &r);
		return fd;
	}
	/* A larger file is read by blocks, as its reads ask. */
	f->size = r.total;
	response_release(&r);
	return fd;
fail:
	e = errno;
	free(f->url);
	memset(f, 0, sizeof(*f));
	errno = e;
	return -1;
}

static int
h_open(struct cairn_vfs *vfs, const char *path, int flags, mode_t mode)
{
	struct http *h = (struct http *)vfs;
	int fd;

	(void)mode;
	pthread_mutex_lock(&h->mu);
	fd = open_locked(h, path, flags);
	pthread_mutex_unlock(&h->mu);
	return fd;
}

/* dir's URL, '/', and name percent-encoded. */
static char *
join(const char *dir, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	struct cairn_buf b = { 0 };
	const unsigned char *p;
	int bad = cairn_buf_printf(&b, "%s/", dir) != NULL;

	for (p = (const unsigned char *)name; *p && !bad; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL)
			bad = cairn_buf_printf(&b, "%c", *p) != NULL;
		else
			bad = cairn_buf_printf(&b, "%%%c%c", hex[*p >> 4],
			    hex[*p & 15]) != NULL;
	}
	if (bad) {
		cairn_buf_release(&b);
		errno = ENOMEM;
		return NULL;
	}
	return (char *)cairn_buf_detach(&b, NULL);
}

static int
h_openat(struct cairn_vfs *vfs, int dfd, const char *name, int flags,
    mode_t mode)
{
	struct http *h = (struct http *)vfs;
	struct hfile *d;
	char *url = NULL;
	int fd = -1;

	(void)mode;
	pthread_mutex_lock(&h->mu);
	if ((d = file_of(h, dfd)) != NULL && !d->dir)
		errno = ENOTDIR;
	else if (d != NULL && (url = join(d->url, name)) != NULL)
		fd = open_locked(h, url, flags);
	pthread_mutex_unlock(&h->mu);
	free(url);
	return fd;
}

static int
h_close(struct cairn_vfs *vfs, int fd)
{
	struct http *h = (struct http *)vfs;
	struct hfile *f;

	pthread_mutex_lock(&h->mu);
	if ((f = file_of(h, fd)) != NULL) {
		drop_blocks(h, fd);
		free(f->url);
		free(f->data);
		if (f->spool != -1)
			close(f->spool);
		memset(f, 0, sizeof(*f));
	}
	pthread_mutex_unlock(&h->mu);
	return f ? 0 : -1;
}

static int
h_fstat(struct cairn_vfs *vfs, int fd, struct stat *st)
{
	struct http *h = (struct http *)vfs;
	struct hfile *f;

	pthread_mutex_lock(&h->mu);
	if ((f = file_of(h, fd)) != NULL) {
		memset(st, 0, sizeof(*st));
		st->st_mode = f->dir ? S_IFDIR | 0555 : S_IFREG | 0444;
		st->st_size = (off_t)f->size;
		st->st_nlink = 1;
	}
	pthread_mutex_unlock(&h->mu);
	return f ? 0 : -1;
}

/* stat of a URL: an open (one request) and a close. */
static int
stat_url(struct cairn_vfs *vfs, int dfd, const char *path, struct stat *st)
{
	int fd, r;

	fd = dfd == -1 ? h_open(vfs, path, O_RDONLY, 0) :
	    h_openat(vfs, dfd, path, O_RDONLY, 0);
	if (fd == -1)
		return -1;
	r = h_fstat(vfs, fd, st);
	h_close(vfs, fd);
	return r;
}

static int
h_lstat(struct cairn_vfs *vfs, const char *path, struct stat *st)
{
	return stat_url(vfs, -1, path, st);
}

static int
h_fstatat(struct cairn_vfs *vfs, int dfd, const char *name, struct stat *st)
{
	return stat_url(vfs, dfd, name, st);
}

static void *
h_mmap(struct cairn_vfs *vfs, int fd, size_t len)
{
	unsigned char *p;
	ssize_t n;

	if ((p = malloc(len ? len : 1)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if ((n = h_pread(vfs, fd, p, len, 0)) < 0 || (size_t)n != len) {
		if (n >= 0)
			errno = EIO;	/* shorter than it said it was */
		free(p);
		return NULL;
	}
	return p;
}

static int
h_munmap(struct cairn_vfs *vfs, void *addr, size_t len)
{
	(void)vfs;
	(void)len;
	free(addr);
	return 0;
}

static int
h_flock(struct cairn_vfs *vfs, int fd, int op)
{
	struct http *h = (struct http *)vfs;
	int ok;

	(void)op;
	pthread_mutex_lock(&h->mu);
	ok = file_of(h, fd) != NULL;
	pthread_mutex_unlock(&h->mu);
	return ok ? 0 : -1;
}

/* Everything that would write. */
static int
rofs(void)
{
	errno = EROFS;
	return -1;
}

static ssize_t
h_pwrite(struct cairn_vfs *v, int fd, const void *b, size_t n, off_t o)
{
	(void)v, (void)fd, (void)b, (void)n, (void)o;
	return rofs();
}

static int
h_sync(struct cairn_vfs *v, int fd)
{
	(void)v, (void)fd;
	return rofs();
}

static int
h_ftruncate(struct cairn_vfs *v, int fd, off_t len)
{
	(void)v, (void)fd, (void)len;
	return rofs();
}

static int
h_rename(struct cairn_vfs *v, const char *a, const char *b)
{
	(void)v, (void)a, (void)b;
	return rofs();
}

static int
h_unlink(struct cairn_vfs *v, const char *p)
{
	(void)v, (void)p;
	return rofs();
}

static int
h_mkdir(struct cairn_vfs *v, const char *p, mode_t m)
{
	(void)v, (void)p, (void)m;
	return rofs();
}

static int
h_renameat(struct cairn_vfs *v, int a, const char *x, int b, const char *y)
{
	(void)v, (void)a, (void)x, (void)b, (void)y;
	return rofs();
}

static int
h_unlinkat(struct cairn_vfs *v, int d, const char *n, int f)
{
	(void)v, (void)d, (void)n, (void)f;
	return rofs();
}

static int
h_mkdirat(struct cairn_vfs *v, int d, const char *n, mode_t m)
{
	(void)v, (void)d, (void)n, (void)m;
	return rofs();
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode global_init;
static char load_error[256];

static void
init_curl(void)
{
	void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	const char *e;

	if (lib == NULL ||
	    (*(void **)&C.global_init = dlsym(lib, "curl_global_init")) == NULL ||
	    (*(void **)&C.init = dlsym(lib, "curl_easy_init")) == NULL ||
	    (*(void **)&C.setopt = dlsym(lib, "curl_easy_setopt")) == NULL ||
	    (*(void **)&C.perform = dlsym(lib, "curl_easy_perform")) == NULL ||
	    (*(void **)&C.getinfo = dlsym(lib, "curl_easy_getinfo")) == NULL ||
	    (*(void **)&C.strerror = dlsym(lib, "curl_easy_strerror")) ==
	    NULL ||
	    (*(void **)&C.cleanup = dlsym(lib, "curl_easy_cleanup")) == NULL) {
		e = dlerror();
		snprintf(load_error, sizeof(load_error), "%s",
		    e ? e : "libcurl.so.4 lacks a function");
		return;
	}
	global_init = C.global_init(CURL_GLOBAL_DEFAULT);
}

const struct cairn_error *
cairn_vfs_http_new(struct cairn_vfs **out)
{
	struct http *h;
	size_t i;

	*out = NULL;
	pthread_once(&once, init_curl);
	if (load_error[0] != '\0')
		return cairn_error_new(CAIRN_ERR_IO, "HTTP needs libcurl "
		    "(libcurl.so.4): %s", load_error);
	if (global_init != CURLE_OK)
		return cairn_error_new(CAIRN_ERR_IO, "cannot start libcurl: %s",
		    C.strerror(global_init));
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return cairn_error_nomem();
	if ((h->curl = C.init()) == NULL) {
		free(h);
		return cairn_error_nomem();
	}
	pthread_mutex_init(&h->mu, NULL);
	for (i = 0; i < CACHE_BLOCKS; i++)
		h->cache[i].fd = -1;
	C.setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	C.setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	/* As a browser would, to the same protocols and not forever. */
	C.setopt(h->curl, CURLOPT_FOLLOWLOCATION, 1L);
	C.setopt(h->curl, CURLOPT_MAXREDIRS, 5L);
	C.setopt(h->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	C.setopt(h->curl, CURLOPT_FAILONERROR, 0L);
	C.setopt(h->curl, CURLOPT_CONNECTTIMEOUT, 30L);
	/*
	 * A server that sends less than 1 KiB a second for a minute has
	 * gone away (one that drips a byte now and then included).
	 */
	C.setopt(h->curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	C.setopt(h->curl, CURLOPT_LOW_SPEED_TIME, 60L);
	C.setopt(h->curl, CURLOPT_ACCEPT_ENCODING, NULL);
	C.setopt(h->curl, CURLOPT_USERAGENT, "cairn/" CAIRN_VERSION);
	/* Credentials from ~/.netrc, so that no URL need carry them. */
	C.setopt(h->curl, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	C.setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	C.setopt(h->curl, CURLOPT_HEADERFUNCTION, on_header);
	h->vfs.version = 2;
	h->vfs.open = h_open;
	h->vfs.close = h_close;
	h->vfs.pread = h_pread;
	h->vfs.pwrite = h_pwrite;
	h->vfs.fsync = h_sync;
	h->vfs.fdatasync = h_sync;
	h->vfs.ftruncate = h_ftruncate;
	h->vfs.fstat = h_fstat;
	h->vfs.rename = h_rename;
	h->vfs.unlink = h_unlink;
	h->vfs.mkdir = h_mkdir;
	h->vfs.flock = h_flock;
	h->vfs.mmap = h_mmap;
	h->vfs.munmap = h_munmap;
	h->vfs.lstat = h_lstat;
	h->vfs.rmdir = h_unlink;
	h->vfs.openat = h_openat;
	h->vfs.renameat = h_renameat;
	h->vfs.unlinkat = h_unlinkat;
	h->vfs.mkdirat = h_mkdirat;
	h->vfs.fstatat = h_fstatat;
	*out = &h->vfs;
	return NULL;
}

void
cairn_vfs_http_free(struct cairn_vfs *vfs)
{
	struct http *h = (struct http *)vfs;
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nfiles; i++) {
		free(h->files[i].url);
		free(h->files[i].data);
		if (h->files[i].used && h->files[i].spool != -1)
			close(h->files[i].spool);
	}
	for (i = 0; i < CACHE_BLOCKS; i++)
		free(h->cache[i].data);
	free(h->files);
	C.cleanup(h->curl);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
