/*
 * t-bomb.c: decompression bombs and lying sizes.  Records whose header
 * claims 2^63, 2^62, 2^40 or far more bytes than their zlib stream
 * inflates to, or far fewer (1 GiB of zeros deflated to about 1 MB under
 * a header that declares 4 KiB), and one that honestly declares 1 GiB,
 * are crafted with valid CRCs, so that the lie reaches the inflater, in
 * each place a record can be read from: the data file below the
 * watermark (through a segment), an OBJECT in the WAL, and a POINTER in
 * the WAL naming an OBJECT past the watermark.  For each, forked children
 * run cairn_object_stat, cairn_object_get, cairn_object_get_stream and cairn_repo_fsck, and `cairn
 * cat` and `cairn fsck` (CAIRN_BUILD/cairn): every lie is a clean error
 * with the right code, and the peak RSS of each child (wait4) stays under
 * a cap.
 *
 * The cap, RSS_CAP (64 MiB): streaming reads use a 1 MiB read buffer and
 * a 64 KiB inflate chunk, fsck hashes content as it inflates it, and the
 * WAL (about 1 MB here) is held in memory and the data file below the
 * watermark mapped.  A reader holds content whole only when asked for a
 * whole object (cairn_object_get; cairn_object_get_stream up to 64 MiB), and then at
 * most its declared size, once that size has passed the check that its
 * stored bytes can inflate to it.  So every child stays under RSS_CAP but
 * cairn_object_get of a record whose declared size passes that check (the
 * honest 1 GiB, the 80 MiB lies, the 16 MiB bomb), held to that size plus
 * RSS_CAP; a reader that believed a claim of 2^40 bytes, or inflated a
 * bomb into memory, would go far above.
 *
 * Peak RSS figures are printed as diagnostics.  Under a sanitizer the
 * allocator's shadow and quarantine make RSS meaningless: the caps are
 * then skipped.  CAIRN_HOSTILE_FULL=1 (make torture) uses 1 GiB for
 * every inflating case and adds a 4 GiB honest object.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#include "cairn.h"
#include "encode.h"
#include "manifest.h"
#include "record.h"
#include "repo_int.h"
#include "segment.h"
#include "zip.h"

#include "tap.h"

#define MiB		((uint64_t)1 << 20)
#define GiB		((uint64_t)1 << 30)
#define RSS_CAP		(64 * MiB)
#define TIME		1700000000u	/* record times */
#define WAL_MAGIC	"CAIRNWAL"	/* cairn-repository(5) */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static char base_dir[1024];
static const char *cli;			/* the cairn binary, or NULL */

/* ---- files ---- */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
write_file(const char *path, const void *p, size_t len, int append)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC),
	    0644);
	if (fd == -1 || write(fd, p, len) != (ssize_t)len || close(fd) != 0)
		bail_out("write %s: %s", path, strerror(errno));
}

/* ---- streams ---- */

/*
 * The zlib stream of n MiB of zeros at level 9, about n KB, made in
 * milliseconds: raw deflate of 1 MiB of zeros ended by Z_FULL_FLUSH
 * (byte-aligned, the compressor's state reset) gives the same bytes every
 * time, so the stream is the zlib header, that block n times, the final
 * empty block, and the Adler-32 of the zeros.  For L zero bytes Adler-32
 * has A = 1 and B = L mod 65521.
 */
static void
zero_stream(struct cairn_buf *out, uint64_t mib)
{
	static unsigned char zeros[1 << 20];
	unsigned char *block, fin[64], trailer[4];
	z_stream z;
	size_t blen, flen;
	uint64_t i;

	block = malloc(64 * 1024);
	memset(&z, 0, sizeof(z));
	if (block == NULL || deflateInit2(&z, 9, Z_DEFLATED, -15, 9,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		bail_out("deflateInit2");
	z.next_in = zeros;
	z.avail_in = sizeof(zeros);
	z.next_out = block;
	z.avail_out = 64 * 1024;
	if (deflate(&z, Z_FULL_FLUSH) != Z_OK || z.avail_in != 0 ||
	    z.avail_out == 0)
		bail_out("deflate of the zero block");
	blen = 64 * 1024 - z.avail_out;
	z.next_out = fin;
	z.avail_out = sizeof(fin);
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		bail_out("deflate finish");
	flen = sizeof(fin) - z.avail_out;
	deflateEnd(&z);
	out->len = 0;
	if (cairn_buf_append(out, "\x78\xda", 2) != NULL)
		bail_out("out of memory");
	for (i = 0; i < mib; i++)
		if (cairn_buf_append(out, block, blen) != NULL)
			bail_out("out of memory");
	cairn_put_be32(trailer, (uint32_t)(((mib << 20) % 65521) << 16 | 1));
	if (cairn_buf_append(out, fin, flen) != NULL ||
	    cairn_buf_append(out, trailer, 4) != NULL)
		bail_out("out of memory");
	free(block);
}

/* The id of a blob of n MiB of zeros. */
static void
zero_id(struct cairn_oid *id, uint64_t mib)
{
	static unsigned char zeros[1 << 20];
	struct cairn_hasher h = { 0 };
	uint64_t i;

	if (cairn_hasher_init_object(&h, CAIRN_HASH_SHA256, CAIRN_OBJ_BLOB,
	    mib << 20) != NULL)
		bail_out("hasher");
	for (i = 0; i < mib; i++)
		if (cairn_hasher_update(&h, zeros, sizeof(zeros)) != NULL)
			bail_out("hasher");
	if (cairn_hasher_final(&h, id) != NULL)
		bail_out("hasher");
	cairn_hasher_release(&h);
}

static void
blob_id(struct cairn_oid *id, const void *p, size_t len)
{
	struct cairn_hasher h = { 0 };

	if (cairn_hasher_init_object(&h, CAIRN_HASH_SHA256, CAIRN_OBJ_BLOB,
	    len) != NULL || cairn_hasher_update(&h, p, len) != NULL ||
	    cairn_hasher_final(&h, id) != NULL)
		bail_out("hasher");
	cairn_hasher_release(&h);
}

/* ---- crafted repositories ---- */

enum place { IN_DATA, IN_WAL, BY_POINTER };
static const char *place_name[] = { "data file", "WAL OBJECT", "WAL POINTER" };

/* What to write: an object record whose header may lie. */
struct craft {
	enum place place;
	int deflated;
	uint64_t size;			/* declared content size */
	uint64_t stored_claim;		/* stored size field (0: the truth) */
	const struct cairn_buf *stored;	/* the stored bytes */
	struct cairn_oid id;
};

static int
one_entry(void *arg, struct cairn_seg_entry *out)
{
	struct cairn_seg_entry **e = arg;

	if (*e == NULL)
		return 0;
	*out = **e;
	*e = NULL;
	return 1;
}

static void
write_manifest(const char *repo, uint64_t watermark)
{
	struct cairn_manifest m;
	struct cairn_buf b = { 0 };
	char path[4096];

	memset(&m, 0, sizeof(m));
	snprintf(m.data, sizeof(m.data), "objects.1.data");
	snprintf(m.wal, sizeof(m.wal), "objects.2.wal");
	snprintf(m.seg[0], sizeof(m.seg[0]), "index/3.idx");
	m.watermark = watermark;
	m.nseg = 1;
	m.seg_count[0] = 1;
	m.next = 4;
	if (cairn_manifest_format(&b, &m) != NULL)
		bail_out("manifest format");
	snprintf(path, sizeof(path), "%s/manifest", repo);
	write_file(path, b.data, b.len, 0);
	cairn_buf_release(&b);
}

/*
 * A new repository at path holding the crafted record: in the data file
 * at offset 16, indexed, below the watermark; or logged in the WAL as an
 * OBJECT (with its copy past the watermark, as a writer leaves it) or as
 * a POINTER to it; then a COMMIT.
 */
static void
make_repo(const char *path, const struct craft *c)
{
	const struct cairn_error *err;
	struct cairn_seg_entry ent, *entp = &ent;
	struct cairn_rec rec;
	unsigned char hdr[CAIRN_REC_HDR_SIZE], fh[CAIRN_FILEHDR_SIZE];
	char file[4096], tmp[4096];
	struct cairn_buf wal = { 0 };
	uint32_t crc;

	if ((err = cairn_repo_init(path, NULL)) != NULL)
		bail_out("init %s: %s", path, err->msg);
	memset(&rec, 0, sizeof(rec));
	rec.kind = CAIRN_REC_OBJECT;
	rec.flags = c->deflated ? CAIRN_REC_DEFLATED : 0;
	rec.type = CAIRN_OBJ_BLOB;
	rec.size = c->size;
	rec.stored = c->stored_claim ? c->stored_claim : c->stored->len;
	rec.data_off = CAIRN_FILEHDR_SIZE;
	rec.time = TIME;
	rec.crc = cairn_crc32(0, c->stored->data, c->stored->len);
	rec.id = c->id;
	cairn_rec_encode(hdr, &rec);
	snprintf(file, sizeof(file), "%s/objects.1.data", path);
	write_file(file, hdr, sizeof(hdr), 1);
	write_file(file, c->stored->data, c->stored->len, 1);
	if (c->place == IN_DATA) {
		memcpy(ent.id, c->id.hash, c->id.len);
		ent.off = CAIRN_FILEHDR_SIZE;
		snprintf(file, sizeof(file), "%s/index/3.idx", path);
		snprintf(tmp, sizeof(tmp), "%s/tmp", path);
		if ((err = cairn_segment_write(cairn_vfs_posix(), tmp, file,
		    c->id.len, 1, one_entry, &entp)) != NULL)
			bail_out("segment: %s", err->msg);
		write_manifest(path, CAIRN_FILEHDR_SIZE + sizeof(hdr) +
		    c->stored->len);
		return;
	}
	/* The WAL: its header, the batch, the COMMIT. */
	cairn_filehdr_encode(fh, WAL_MAGIC, CAIRN_HASH_SHA256);
	if (cairn_buf_append(&wal, fh, sizeof(fh)) != NULL)
		bail_out("out of memory");
	if (c->place == BY_POINTER) {
		rec.kind = CAIRN_REC_POINTER;
		cairn_rec_encode(hdr, &rec);
		err = cairn_buf_append(&wal, hdr, sizeof(hdr));
	} else {
		err = cairn_buf_append(&wal, hdr, sizeof(hdr));
		if (err == NULL)
			err = cairn_buf_append(&wal, c->stored->data,
			    c->stored->len);
	}
	if (err != NULL)
		bail_out("out of memory");
	crc = cairn_crc32(0, wal.data + CAIRN_FILEHDR_SIZE,
	    wal.len - CAIRN_FILEHDR_SIZE);
	memset(&rec, 0, sizeof(rec));
	rec.kind = CAIRN_REC_COMMIT;
	rec.size = 1;
	rec.data_off = CAIRN_FILEHDR_SIZE;
	rec.time = TIME;
	rec.crc = crc;
	cairn_rec_encode(hdr, &rec);
	if (cairn_buf_append(&wal, hdr, sizeof(hdr)) != NULL)
		bail_out("out of memory");
	snprintf(file, sizeof(file), "%s/objects.2.wal", path);
	write_file(file, wal.data, wal.len, 0);
	cairn_buf_release(&wal);
}

/* ---- children ---- */

enum op { OP_STAT, OP_GET, OP_STREAM, OP_FSCK, OP_CAT, OP_CLI_FSCK };
static const char *op_name[] = { "cairn_object_stat", "cairn_object_get",
    "cairn_object_get_stream", "cairn_repo_fsck", "cairn cat", "cairn fsck" };

/* What a child reports through its pipe. */
struct result {
	int code;		/* error code, 0 for success; for the CLI, the exit status */
	uint64_t n;		/* size, or bytes read */
	int zeros;		/* every byte read was zero */
	uint64_t errors, warnings;
	char msg[256];
	/* Filled in by the parent. */
	int crashed;		/* killed by a signal */
	long rss_kib;		/* peak RSS */
	double secs;
};

struct counted {
	uint64_t n;
	int zeros;
};

static void
count_bytes(struct counted *c, const unsigned char *p, size_t len)
{
	static const unsigned char zeros[4096];
	size_t n;

	c->n += len;
	while (len > 0 && c->zeros) {
		n = len < sizeof(zeros) ? len : sizeof(zeros);
		c->zeros = memcmp(p, zeros, n) == 0;
		p += n;
		len -= n;
	}
}

static const struct cairn_error *
count_sink(void *arg, const void *data, size_t len)
{
	count_bytes(arg, data, len);
	return NULL;
}

static void
on_finding(void *arg, const struct cairn_finding *f)
{
	struct result *r = arg;

	if (f->error)
		r->errors++;
	else
		r->warnings++;
	if (r->msg[0] == '\0')
		snprintf(r->msg, sizeof(r->msg), "%s %s %s: %s",
		    f->error ? "error" : "warning",
		    cairn_finding_kind_name(f->kind), f->subject, f->message);
}

static void
set_error(struct result *r, const struct cairn_error *err)
{
	r->code = err == NULL ? 0 : (int)err->code;
	if (err != NULL)
		snprintf(r->msg, sizeof(r->msg), "%s", err->msg);
}

/* The library operations, in the child. */
static void
child_lib(enum op op, const char *path, const struct cairn_oid *id,
    struct result *r)
{
	const struct cairn_error *err;
	struct cairn_fsck_result fr = CAIRN_FSCK_RESULT_INIT;
	struct cairn_fsck_opts fo = CAIRN_FSCK_OPTS_INIT;
	struct cairn_repo *repo = NULL;
	struct counted c = { 0, 1 };
	unsigned char *data = NULL;
	size_t len = 0;
	enum cairn_otype type;

	if (op == OP_FSCK) {
		fo.report = on_finding;
		fo.arg = r;
		err = cairn_repo_fsck(path, &fo, &fr);
		r->code = err == NULL ? 0 : (int)err->code;
		r->errors = fr.errors;
		r->warnings = fr.warnings;
		return;
	}
	if ((err = cairn_repo_open(path, CAIRN_OPEN_READ_ONLY, &repo))) {
		set_error(r, err);
		return;
	}
	if (op == OP_STAT) {
		err = cairn_object_stat(repo, id, &type, &r->n);
	} else if (op == OP_GET) {
		err = cairn_object_get(repo, id, 0, &type, &data, &len);
		if (err == NULL)
			count_bytes(&c, data, len);
		free(data);
	} else
		err = cairn_object_get_stream(repo, id, 0, count_sink, &c);
	set_error(r, err);
	if (op != OP_STAT) {
		r->n = c.n;
		r->zeros = c.zeros;
	}
	cairn_repo_close(repo);
}

/* The CLI, in the child: exec with stdout to the pipe. */
static void
child_cli(enum op op, const char *path, const struct cairn_oid *id,
    const char *errfile, int out)
{
	char hex[CAIRN_OID_HEXMAX + 1];
	int fd;

	cairn_oid_fmt(id, hex);
	if ((fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    dup2(fd, 2) == -1 || dup2(out, 1) == -1)
		_exit(126);
	if (op == OP_CAT)
		execl(cli, "cairn", "-r", path, "cat", hex, (char *)NULL);
	else
		execl(cli, "cairn", "-r", path, "fsck", (char *)NULL);
	_exit(127);
}

/* Read the child's output: a result struct, or the CLI's stdout. */
static void
read_output(int fd, enum op op, struct result *r, struct cairn_buf *text)
{
	unsigned char buf[65536];
	struct counted c = { 0, 1 };
	size_t got = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			bail_out("read from child: %s", strerror(errno));
		if (op < OP_CAT) {
			if (got + (size_t)n > sizeof(*r))
				bail_out("child wrote too much");
			memcpy((unsigned char *)r + got, buf, (size_t)n);
			got += (size_t)n;
		} else {
			count_bytes(&c, buf, (size_t)n);
			if (op == OP_CLI_FSCK && text->len < 4096 &&
			    cairn_buf_append(text, buf, (size_t)n) != NULL)
				bail_out("out of memory");
		}
	}
	if (op >= OP_CAT) {
		r->n = c.n;
		r->zeros = c.zeros;
	} else if (got != sizeof(*r))
		r->crashed = 1;
}

/* The first line of a file, and whether it is the only one. */
static int
one_line(const char *path, char *line, size_t size)
{
	FILE *f;
	int c, lines = 0;
	size_t n = 0;

	line[0] = '\0';
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while ((c = getc(f)) != EOF) {
		if (c == '\n') {
			lines++;
			continue;
		}
		if (lines == 0 && n + 1 < size) {
			line[n++] = (char)c;
			line[n] = '\0';
		} else if (lines > 0)
			lines = 2;
	}
	fclose(f);
	return lines == 1;
}

/* Run op on the repository at path in a child; fill r. */
static void
run(enum op op, const char *path, const struct cairn_oid *id,
    struct result *r)
{
	struct rusage ru;
	struct timeval t0, t1;
	struct cairn_buf text = { 0 };
	char errfile[2048];
	pid_t pid;
	int p[2], status;

	memset(r, 0, sizeof(*r));
	snprintf(errfile, sizeof(errfile), "%s/stderr", base_dir);
	fflush(stdout);
	fflush(stderr);
	gettimeofday(&t0, NULL);
	if (pipe(p) != 0 || (pid = fork()) == -1)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		if (op >= OP_CAT)
			child_cli(op, path, id, errfile, p[1]);
		child_lib(op, path, id, r);
		if (write(p[1], r, sizeof(*r)) != (ssize_t)sizeof(*r))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	read_output(p[0], op, r, &text);
	close(p[0]);
	while (wait4(pid, &status, 0, &ru) == -1)
		if (errno != EINTR)
			bail_out("wait4: %s", strerror(errno));
	gettimeofday(&t1, NULL);
	r->secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_usec - t0.tv_usec) / 1e6;
	r->rss_kib = ru.ru_maxrss;
	if (WIFSIGNALED(status) || (op < OP_CAT && WEXITSTATUS(status) != 0))
		r->crashed = 1;
	if (op >= OP_CAT && WIFEXITED(status)) {
		r->code = WEXITSTATUS(status);
		if (r->code >= 126)
			r->crashed = 1;
		/* A failure is one line on stderr (fsck's findings are on
		 * stdout, with status 1). */
		if (r->code != 0 && !(op == OP_CLI_FSCK && r->code == 1) &&
		    !one_line(errfile, r->msg, sizeof(r->msg)))
			r->code = -1;
		if (op == OP_CLI_FSCK && r->msg[0] == '\0' && text.len > 0)
			snprintf(r->msg, sizeof(r->msg), "%.*s",
			    (int)(strchr((char *)text.data, '\n') != NULL ?
			    strchr((char *)text.data, '\n') -
			    (char *)text.data : 0), (char *)text.data);
	}
	cairn_buf_release(&text);
}

/* ---- cases ---- */

/* What a case must give. */
struct expect {
	int code;		/* for get and stream: 0, or the error */
	int stat_may_pass;	/* stat may return the declared size */
	int fsck_dirty;		/* fsck must find something */
	uint64_t size;		/* the honest size, when code is 0 */
};

static int case_seq;
static long rss_max_capped;	/* the highest RSS of the capped children */

/* The exit status of the CLI for an error code (CLI.md). */
static int
exit_status(int code)
{
	switch (code) {
	case 0:
		return 0;
	case CAIRN_ERR_NOT_FOUND:
		return 1;
	default:
		return 3;
	}
}

static void
check_rss(const char *what, enum op op, const struct result *r,
    uint64_t cap)
{
	diag("  %-16s %-26.26s peak RSS %6ld KiB, %.2f s", op_name[op],
	    r->msg[0] != '\0' ? r->msg : (r->code == 0 ? "ok" : "?"),
	    r->rss_kib, r->secs);
	if (SANITIZED) {
		skip(1, "%s: %s: RSS cap (sanitizer build)", what, op_name[op]);
		return;
	}
	ok((uint64_t)r->rss_kib * 1024 <= cap, "%s: %s: peak RSS %ld KiB "
	    "<= %" PRIu64 " KiB", what, op_name[op], r->rss_kib, cap / 1024);
	if (cap == RSS_CAP && r->rss_kib > rss_max_capped)
		rss_max_capped = r->rss_kib;
}

static void
run_case(const char *what, const struct craft *c, const struct expect *e)
{
	char path[2048];
	struct result r;
	enum op op;
	uint64_t cap;

	snprintf(path, sizeof(path), "%s/case-%d", base_dir, ++case_seq);
	make_repo(path, c);
	diag("%s (%s)", what, place_name[c->place]);
	for (op = OP_STAT; op <= OP_CLI_FSCK; op++) {
		if (op >= OP_CAT && cli == NULL) {
			skip(2, "%s: %s: no CAIRN_BUILD/cairn", what,
			    op_name[op]);
			continue;
		}
		run(op, path, &c->id, &r);
		if (!ok(!r.crashed, "%s: %s does not crash", what,
		    op_name[op]))
			continue;
		cap = RSS_CAP;
		switch (op) {
		case OP_STAT:
			if (e->code == 0 || e->stat_may_pass)
				ok(r.code == 0 ? r.n == c->size :
				    r.code == CAIRN_ERR_CORRUPT,
				    "%s: stat gives the declared size or "
				    "corrupt (%d: %s)", what, r.code, r.msg);
			else
				is_int(r.code, e->code, "%s: stat: %s", what,
				    r.msg);
			break;
		case OP_GET:
			/*
			 * cairn_object_get holds the object whole: up to its
			 * declared size, when that is one its stored bytes
			 * could inflate to.
			 */
			if (c->size <= 1032 * (uint64_t)c->stored->len &&
			    c->deflated)
				cap += c->size;
			/* FALLTHROUGH */
		case OP_STREAM:
			if (e->code == 0)
				ok(r.code == 0 && r.n == e->size && r.zeros,
				    "%s: %s reads %" PRIu64 " right bytes "
				    "(%d, %" PRIu64 ": %s)", what, op_name[op],
				    e->size, r.code, r.n, r.msg);
			else
				ok(r.code == e->code && r.msg[0] != '\0',
				    "%s: %s fails with code %d and a message "
				    "(%d: %s)", what, op_name[op], e->code,
				    r.code, r.msg);
			break;
		case OP_FSCK:
			ok(r.code == 0 && (e->fsck_dirty ?
			    r.errors + r.warnings > 0 : r.errors +
			    r.warnings == 0),
			    "%s: fsck %s (%" PRIu64 " errors, %" PRIu64
			    " warnings: %s)", what, e->fsck_dirty ?
			    "reports it" : "is clean", r.errors, r.warnings,
			    r.msg);
			break;
		case OP_CAT:
			if (e->code == 0)
				ok(r.code == 0 && r.n == e->size && r.zeros,
				    "%s: cairn cat prints %" PRIu64 " right "
				    "bytes (status %d, %" PRIu64 " bytes)",
				    what, e->size, r.code, r.n);
			else
				ok(r.code == exit_status(e->code) && r.n == 0,
				    "%s: cairn cat exits %d with one line and "
				    "prints nothing (%d, %" PRIu64 " bytes: %s)",
				    what, exit_status(e->code), r.code, r.n,
				    r.msg);
			break;
		case OP_CLI_FSCK:
			is_int(r.code, e->fsck_dirty ? 1 : 0,
			    "%s: cairn fsck exit status (%s)", what, r.msg);
			break;
		}
		check_rss(what, op, &r, cap);
	}
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the lies ---- */

static void
test_small(enum place place)
{
	struct cairn_buf text = { 0 }, z = { 0 };
	struct craft c;
	struct expect e;
	size_t i;
	int invalid_in_wal = place != IN_DATA;
	struct {
		const char *what;
		uint64_t size;
		int header_valid;
	} lies[] = {
		{ "text declared 2^63 bytes", (uint64_t)1 << 63, 0 },
		{ "text declared 2^62 bytes", (uint64_t)1 << 62, 1 },
		{ "text declared 2^40 bytes", (uint64_t)1 << 40, 1 },
		{ "text declared 8 MiB", 8 * MiB, 1 },
		{ "text declared one byte more", 0, 1 },
		{ "text declared one byte less", 1, 1 },
		{ "text declared 10 bytes", 10, 1 },
	};

	for (i = 0; i < 300; i++)
		if (cairn_buf_append(&text, "all work and no play ", 21))
			bail_out("out of memory");
	if (cairn_zip_deflate(&z, text.data, text.len, 9) != NULL)
		bail_out("deflate");
	memset(&c, 0, sizeof(c));
	c.place = place;
	c.deflated = 1;
	c.stored = &z;
	blob_id(&c.id, text.data, text.len);
	for (i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		c.size = lies[i].size;
		if (i == 4)
			c.size = text.len + 1;
		else if (i == 5)
			c.size = text.len - 1;
		memset(&e, 0, sizeof(e));
		e.fsck_dirty = 1;
		e.stat_may_pass = 1;
		/*
		 * A header that is not valid (a size past 2^62) is damage
		 * at lookup in the data file; in the WAL it stops the scan
		 * inside a batch whose commit record vouches for it (its
		 * CRC covers the lie): synced data is damaged, so the WAL
		 * is corrupt and opening the repository says so.  It is
		 * never taken for a torn tail and cut off.
		 */
		if (!lies[i].header_valid && invalid_in_wal) {
			e.code = CAIRN_ERR_CORRUPT;
			e.stat_may_pass = 0;
		} else {
			e.code = CAIRN_ERR_CORRUPT;
			e.stat_may_pass = lies[i].header_valid;
		}
		run_case(lies[i].what, &c, &e);
	}

	/* Stored raw, with a stored size (and so a size) far past the file. */
	c.deflated = 0;
	c.size = (uint64_t)1 << 40;
	c.stored_claim = (uint64_t)1 << 40;
	memset(&e, 0, sizeof(e));
	e.fsck_dirty = 1;
	/*
	 * In the WAL, stored bytes past the end of the file stop the scan
	 * inside a whole batch: the WAL is corrupt, as above.
	 */
	e.code = CAIRN_ERR_CORRUPT;
	e.stat_may_pass = place != IN_WAL;
	run_case("raw text declared 2^40 stored bytes", &c, &e);
	cairn_buf_release(&text);
	cairn_buf_release(&z);
}

/* n MiB of zeros: the zlib stream and the id. */
struct zeros {
	uint64_t mib;
	struct cairn_buf z;
	struct cairn_oid id;
};

static void
zeros_make(struct zeros *zs, uint64_t mib)
{
	memset(zs, 0, sizeof(*zs));
	zs->mib = mib;
	zero_stream(&zs->z, mib);
	zero_id(&zs->id, mib);
}

/* Declared exactly: the streamed readers hold none of it whole. */
static void
test_honest(enum place place, const struct zeros *zs)
{
	struct craft c;
	struct expect e;
	char what[128];

	memset(&c, 0, sizeof(c));
	memset(&e, 0, sizeof(e));
	c.place = place;
	c.deflated = 1;
	c.stored = &zs->z;
	c.id = zs->id;
	c.size = e.size = zs->mib * MiB;
	snprintf(what, sizeof(what), "%" PRIu64 " MiB of zeros in %zu bytes, "
	    "declared honestly", zs->mib, zs->z.len);
	run_case(what, &c, &e);
}

/*
 * Declared one byte more or less than the stream inflates to (the lie is
 * found only at the end of the stream), or far less (a bomb: the
 * inflater must stop at the declared size), or far more.
 */
static void
test_lies(enum place place, const struct zeros *near,
    const struct zeros *bomb)
{
	struct craft c;
	struct expect e;
	char what[160];
	size_t i;
	struct {
		const struct zeros *zs;
		const char *what;
		uint64_t size;
	} lies[] = {
		{ near, "declared one byte less", near->mib * MiB - 1 },
		{ near, "declared one byte more", near->mib * MiB + 1 },
		{ bomb, "declared 4 KiB", 4096 },
		{ bomb, "declared 16 MiB", 16 * MiB },
		{ bomb, "declared 2^40 bytes", (uint64_t)1 << 40 },
		{ bomb, "declared 2^62 bytes", (uint64_t)1 << 62 },
	};

	for (i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		memset(&c, 0, sizeof(c));
		memset(&e, 0, sizeof(e));
		c.place = place;
		c.deflated = 1;
		c.stored = &lies[i].zs->z;
		c.id = lies[i].zs->id;
		c.size = lies[i].size;
		e.code = CAIRN_ERR_CORRUPT;
		e.stat_may_pass = 1;
		e.fsck_dirty = 1;
		snprintf(what, sizeof(what), "%s: %" PRIu64 " MiB of zeros "
		    "in %zu bytes, %s", i < 2 ? "lie" : "bomb",
		    lies[i].zs->mib, lies[i].zs->z.len, lies[i].what);
		run_case(what, &c, &e);
	}
}

int
main(void)
{
	static char clibuf[2048];
	const char *tmp = getenv("TMPDIR"), *build = getenv("CAIRN_BUILD");
	const char *full = getenv("CAIRN_HOSTILE_FULL");
	struct zeros bomb, near;
	enum place place;
	int full_run;

	snprintf(base_dir, sizeof(base_dir), "%s/cairn-t-bomb.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(base_dir) == NULL)
		bail_out("mkdtemp %s: %s", base_dir, strerror(errno));
	if (build != NULL && *build != '\0') {
		snprintf(clibuf, sizeof(clibuf), "%s/cairn", build);
		if (access(clibuf, X_OK) == 0)
			cli = clibuf;
	}
	if (cli == NULL)
		diag("no CAIRN_BUILD/cairn: the CLI checks are skipped");
	/*
	 * 1 GiB of zeros is the bomb, and the honest object in the data
	 * file; elsewhere, and for the lies found only at the end of the
	 * stream, 80 MiB (past the 64 MiB that readers hold whole) keeps
	 * the run short.  CAIRN_HOSTILE_FULL: 1 GiB everywhere, and 4 GiB.
	 */
	full_run = full != NULL && *full != '\0';
	zeros_make(&bomb, 1024);
	zeros_make(&near, full_run ? 1024 : 80);
	for (place = IN_DATA; place <= BY_POINTER; place++) {
		test_small(place);
		test_honest(place, place == IN_DATA ? &bomb : &near);
		test_lies(place, &near, &bomb);
	}
	if (full_run) {
		cairn_buf_release(&near.z);
		zeros_make(&near, 4096);
		test_honest(IN_DATA, &near);
	}
	cairn_buf_release(&bomb.z);
	cairn_buf_release(&near.z);
	diag("highest peak RSS of a child held to %" PRIu64 " KiB: %ld KiB",
	    RSS_CAP / 1024, rss_max_capped);
	nftw(base_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
