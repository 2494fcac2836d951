/*
 * t-recovery.c: crash recovery of the disk backend, by editing a
 * repository's files the way a crash (or a bad disk) leaves them: a WAL
 * cut at every byte of its last batch, a data file cut at every byte past
 * its watermark or followed by garbage, a damaged batch in the middle of
 * the WAL, damaged data records below the watermark, and batches whose
 * CRCs hold but which break the WAL's framing rules (wal.h), on which
 * recovery and fsck must agree.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn.h"
#include "record.h"
#include "zip.h"

#include "tap.h"
#include "scratch.h"

#define HDR 80			/* bytes of a record header (record.h) */
#define FILEHDR 16		/* bytes of a file header (record.h) */

/* splitmix64: a fixed-seed generator, so every run sees the same data. */
static uint64_t rng_state = 0x7ec0e5e11aULL;

static uint64_t
rng_next(void)
{
	return splitmix64(&rng_state);
}

static void
rng_fill(unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(rng_next() >> 56);
}

/* ---- files ---- */

static char base_dir[1024];
static int case_seq;

static uint64_t
file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		bail_out("stat %s: %s", path, strerror(errno));
	return (uint64_t)st.st_size;
}

static void
cut_file(const char *path, uint64_t len)
{
	if (truncate(path, (off_t)len) != 0)
		bail_out("truncate %s: %s", path, strerror(errno));
}

static void
write_at(const char *path, uint64_t off, const void *p, size_t len)
{
	int fd;

	if ((fd = open(path, O_WRONLY)) == -1 ||
	    pwrite(fd, p, len, (off_t)off) != (ssize_t)len)
		bail_out("write %s: %s", path, strerror(errno));
	close(fd);
}

static void
read_at(const char *path, uint64_t off, void *p, size_t len)
{
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1 ||
	    pread(fd, p, len, (off_t)off) != (ssize_t)len)
		bail_out("read %s: %s", path, strerror(errno));
	close(fd);
}

static void
flip_byte(const char *path, uint64_t off)
{
	unsigned char c;

	read_at(path, off, &c, 1);
	c ^= 0x5a;
	write_at(path, off, &c, 1);
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char *p;

	*len = (size_t)file_size(path);
	p = xmalloc(*len + 1);
	read_at(path, 0, p, *len);
	p[*len] = '\0';
	return p;
}

/* The file names a manifest holds (manifest.h). */
struct names {
	char wal[256], data[256];
	uint64_t watermark;
};

static void
read_names(const char *repo, struct names *n)
{
	char path[4096], line[512], name[256];
	unsigned long long wm;
	FILE *f;

	memset(n, 0, sizeof(*n));
	snprintf(path, sizeof(path), "%s/manifest", repo);
	if ((f = fopen(path, "r")) == NULL)
		bail_out("open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "data %255s %llu", name, &wm) == 2) {
			snprintf(n->data, sizeof(n->data), "%s", name);
			n->watermark = wm;
		} else if (sscanf(line, "wal %255s", name) == 1)
			snprintf(n->wal, sizeof(n->wal), "%s", name);
	}
	fclose(f);
	if (n->wal[0] == '\0' || n->data[0] == '\0')
		bail_out("no data or wal line in %s", path);
}

static void
repo_file(char *out, size_t len, const char *repo, const char *name)
{
	snprintf(out, len, "%s/%s", repo, name);
}

/* ---- a model of what a repository must hold ---- */

struct obj {
	struct cairn_oid id;
	int type;
	unsigned char *data;
	size_t len;
};

struct model {
	struct obj o[16];
	size_t n;
};

static void
model_add(struct model *m, const struct cairn_oid *id, int type,
    const void *data, size_t len)
{
	struct obj *o;

	if (m->n == sizeof(m->o) / sizeof(m->o[0]))
		bail_out("model full");
	o = &m->o[m->n++];
	o->id = *id;
	o->type = type;
	o->len = len;
	o->data = xmalloc(len);
	memcpy(o->data, data, len);
}

static void
model_free(struct model *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->o[i].data);
	m->n = 0;
}

static char why_buf[1024];

/* Record the first reason a case failed. */
static void
why(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
why(const char *fmt, ...)
{
	va_list ap;

	if (why_buf[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
	va_end(ap);
}

/* 1 if o reads back whole and correct (with and without verification). */
static int
obj_intact(struct cairn_repo *r, const struct obj *o, const char *what)
{
	const struct cairn_error *err;
	unsigned char *p = NULL;
	char hex[CAIRN_OID_HEXMAX + 1];
	size_t len = 0;
	unsigned flags;
	enum cairn_otype type = 0;

	for (flags = 0; flags <= CAIRN_GET_NO_VERIFY; flags++) {
		err = cairn_object_get(r, &o->id, flags, &type, &p, &len);
		if (err != NULL) {
			why("%s: get %.12s: %s", what, cairn_oid_fmt(&o->id,
			    hex), err->msg);
			return 0;
		}
		if ((int)type != o->type || len != o->len ||
		    memcmp(p, o->data, len) != 0) {
			free(p);
			why("%s: get %.12s returned wrong content", what,
			    cairn_oid_fmt(&o->id, hex));
			return 0;
		}
		free(p);
	}
	return 1;
}

static int
model_intact(struct cairn_repo *r, const struct model *m, const char *what)
{
	size_t i;
	int good = 1;

	for (i = 0; i < m->n; i++)
		good &= obj_intact(r, &m->o[i], what);
	return good;
}


static int
model_absent(struct cairn_repo *r, const struct model *m, const char *what)
{
	char hex[CAIRN_OID_HEXMAX + 1];
	size_t i;
	int good = 1;

	for (i = 0; i < m->n; i++)
		if (cairn_object_exists(r, &m->o[i].id) == NULL) {
			why("%s: %.12s of a torn batch is present", what,
			    cairn_oid_fmt(&m->o[i].id, hex));
			good = 0;
		}
	return good;
}

/* ---- the pristine repository ---- */

/*
 * A repository with: batch A (3 objects) flushed below the watermark;
 * then in the WAL batch W1 (1 object), batch W2 (1 object and a touch
 * of an object of A), and the last batch L (2 objects).  Every batch was
 * acknowledged.  Offsets of the batches in the WAL and the data file
 * are recorded for the cases.
 */
struct pristine {
	int algo;
	const char *algo_name;
	char path[2048];
	struct names n;
	struct model a, w1, w2, last;
	uint64_t w1_start, w2_start, l_start, l_end;	/* WAL offsets */
	uint64_t data_end;
	uint64_t a_rec[3];		/* data offsets of A's records */
	int a_rec_n;
};

static uint64_t
wal_size(const struct pristine *p)
{
	char path[4096];

	repo_file(path, sizeof(path), p->path, p->n.wal);
	return file_size(path);
}

static void
put_batch(struct cairn_repo *r, struct model *m, size_t count,
    const char *tag, const struct obj *touch)
{
	const struct cairn_error *err;
	struct cairn_oid id;
	unsigned char buf[300];
	size_t i, len;

	if ((err = cairn_batch_begin(r)) != NULL)
		bail_out("begin: %s", err->msg);
	for (i = 0; i < count; i++) {
		if (i % 3 == 1) {
			/* Random bytes: stored raw. */
			len = 20 + i;
			rng_fill(buf, len);
		} else {
			/* Text: stored deflated when it shrinks. */
			len = (size_t)snprintf((char *)buf, sizeof(buf),
			    "%s %zu: %s %s %s\n", tag, i,
			    "all work and no play", "all work and no play",
			    "all work and no play");
		}
		if ((err = cairn_batch_add(r, CAIRN_OBJ_BLOB, buf, len, &id)))
			bail_out("add: %s", err->msg);
		model_add(m, &id, CAIRN_OBJ_BLOB, buf, len);
	}
	if (touch != NULL && (err = cairn_batch_add(r, touch->type, touch->data,
	    touch->len, &id)) != NULL)
		bail_out("add (touch): %s", err->msg);
	if ((err = cairn_batch_commit(r)) != NULL)
		bail_out("commit: %s", err->msg);
}

/* The offsets of the OBJECT records in [FILEHDR, end) of a data file. */
static int
walk_records(const char *path, uint64_t end, uint64_t *offs, int max)
{
	unsigned char h[HDR];
	uint64_t off = FILEHDR, stored;
	int n = 0, i;

	while (off + HDR <= end) {
		read_at(path, off, h, HDR);
		if (memcmp(h, "CRec", 4) != 0)
			bail_out("%s: no record at %" PRIu64, path, off);
		for (stored = 0, i = 16; i < 24; i++)
			stored = stored << 8 | h[i];
		if (h[4] == 1 && n < max)
			offs[n++] = off;
		off += HDR + (h[4] == 1 ? stored : 0);
	}
	return n;
}

static void
make_pristine(struct pristine *p, int algo, const char *name)
{
	struct cairn_init_opts o = {
	    .size = sizeof(struct cairn_init_opts), .hash_algo = algo,
	    .compression = -1 };
	const struct cairn_error *err;
	struct cairn_repo *r;
	char data[4096];

	memset(p, 0, sizeof(*p));
	p->algo = algo;
	p->algo_name = name;
	snprintf(p->path, sizeof(p->path), "%s/pristine-%s", base_dir, name);
	if ((err = cairn_repo_init(p->path, &o)) != NULL ||
	    (err = cairn_repo_open(p->path, 0, &r)) != NULL)
		bail_out("pristine %s: %s", name, err->msg);
	put_batch(r, &p->a, 3, "a", NULL);
	if ((err = cairn_repo_flush(r)) != NULL)
		bail_out("flush: %s", err->msg);
	read_names(p->path, &p->n);
	p->w1_start = wal_size(p);
	put_batch(r, &p->w1, 1, "w1", NULL);
	p->w2_start = wal_size(p);
	put_batch(r, &p->w2, 1, "w2", &p->a.o[0]);
	p->l_start = wal_size(p);
	put_batch(r, &p->last, 2, "last", NULL);
	p->l_end = wal_size(p);
	cairn_repo_close(r);
	read_names(p->path, &p->n);
	repo_file(data, sizeof(data), p->path, p->n.data);
	p->data_end = file_size(data);
	p->a_rec_n = walk_records(data, p->n.watermark, p->a_rec, 3);
	diag("%s: watermark %" PRIu64 ", data end %" PRIu64 ", WAL batches "
	    "at %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", end %" PRIu64, name,
	    p->n.watermark, p->data_end, p->w1_start, p->w2_start,
	    p->l_start, p->l_end);
}

static void
free_pristine(struct pristine *p)
{
	model_free(&p->a);
	model_free(&p->w1);
	model_free(&p->w2);
	model_free(&p->last);
}

/*
 * Make dst hold exactly the regular files of src (same directories):
 * remove the files src does not have and copy every file over.  Cheaper
 * than a fresh copy, since creating and removing files and directories
 * costs a journal commit each on some file systems.
 */
static void
sync_tree(const char *src, const char *dst)
{
	char a[4096], b[4096];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if ((d = opendir(dst)) == NULL)
		bail_out("opendir %s: %s", dst, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(a, sizeof(a), "%s/%s", src, de->d_name);
		snprintf(b, sizeof(b), "%s/%s", dst, de->d_name);
		if (lstat(b, &st) != 0)
			bail_out("stat %s: %s", b, strerror(errno));
		if (S_ISDIR(st.st_mode))
			sync_tree(a, b);
		else if (lstat(a, &st) != 0 && unlink(b) != 0)
			bail_out("unlink %s: %s", b, strerror(errno));
	}
	closedir(d);
	if ((d = opendir(src)) == NULL)
		bail_out("opendir %s: %s", src, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		snprintf(a, sizeof(a), "%s/%s", src, de->d_name);
		snprintf(b, sizeof(b), "%s/%s", dst, de->d_name);
		if (lstat(a, &st) == 0 && S_ISREG(st.st_mode))
			copy_file(a, b, O_TRUNC);
	}
	closedir(d);
}

/* The case directory, reused while cases pass; a failed one is kept. */
static char case_dir[2048];
static const struct pristine *case_of;
static int case_reusable;

/* A fresh copy of the pristine repository in out. */
static void
new_case(const struct pristine *p, char *out, size_t len)
{
	++case_seq;
	if (case_reusable && case_of == p) {
		sync_tree(p->path, case_dir);
	} else {
		snprintf(case_dir, sizeof(case_dir), "%s/case%d", base_dir,
		    case_seq);
		copy_tree(p->path, case_dir);
	}
	case_of = p;
	case_reusable = 0;
	snprintf(out, len, "%s", case_dir);
}

/*
 * The case is over: its directory may be reused if it passed; the first
 * few failed ones are kept for a look.
 */
static void
end_case(int good)
{
	static int kept;

	case_reusable = good || kept >= 3;
	if (!good && kept++ < 3)
		diag("  kept %s", case_dir);
}

/* Every object acknowledged before the last batch. */
static int
acked_intact(struct cairn_repo *r, const struct pristine *p, const char *what)
{
	return model_intact(r, &p->a, what) & model_intact(r, &p->w1, what) &
	    model_intact(r, &p->w2, what);
}

static struct cairn_repo *
open_or_why(const char *path, unsigned flags, const char *what)
{
	const struct cairn_error *err;
	struct cairn_repo *r = NULL;

	if ((err = cairn_repo_open(path, flags, &r)) != NULL)
		why("%s: open: %s", what, err->msg);
	return r;
}

/* Put a new object unique to the case; add it to *m. */
static int
put_new(struct cairn_repo *r, struct model *m, const char *what)
{
	const struct cairn_error *err;
	struct cairn_oid id;
	char buf[64];
	size_t len;

	len = (size_t)snprintf(buf, sizeof(buf), "new object of case %08d\n",
	    case_seq);
	if ((err = cairn_object_put(r, CAIRN_OBJ_BLOB, buf, len,
	    &id)) != NULL) {
		why("%s: put: %s", what, err->msg);
		return 0;
	}
	model_add(m, &id, CAIRN_OBJ_BLOB, buf, len);
	return 1;
}

/*
 * After recovery: flush, reopen read-only (reads now come from the data
 * file through the index), check everything.
 */
static int
flush_and_check(struct cairn_repo **r, const char *path,
    const struct pristine *p, const struct model *more, int with_last)
{
	const struct cairn_error *err;
	int good = 1;

	if ((err = cairn_repo_flush(*r)) != NULL) {
		why("flush: %s", err->msg);
		return 0;
	}
	cairn_repo_close(*r);
	if ((*r = open_or_why(path, CAIRN_OPEN_READ_ONLY, "after flush")) ==
	    NULL)
		return 0;
	good &= acked_intact(*r, p, "after flush");
	good &= model_intact(*r, more, "after flush");
	if (with_last)
		good &= model_intact(*r, &p->last, "after flush");
	else
		good &= model_absent(*r, &p->last, "after flush");
	return good;
}

/* ---- (a) the WAL cut inside its last batch ---- */

static int
wal_cut_case(const struct pristine *p, uint64_t cut, int flush_first)
{
	struct cairn_repo *r = NULL;
	struct model more = { .n = 0 };
	char path[2048], wal[4096];
	const char *notice;
	int good = 1, whole = cut == p->l_end;
	int dropped = cut > p->l_start && cut < p->l_end;

	new_case(p, path, sizeof(path));
	repo_file(wal, sizeof(wal), path, p->n.wal);
	cut_file(wal, cut);

	/* A reader sees the acknowledged objects and repairs nothing. */
	if ((r = open_or_why(path, CAIRN_OPEN_READ_ONLY, "reader")) == NULL)
		return 0;
	good &= acked_intact(r, p, "reader");
	good &= whole ? model_intact(r, &p->last, "reader") :
	    model_absent(r, &p->last, "reader");
	cairn_repo_close(r);
	if (file_size(wal) != cut) {
		why("a reader changed the WAL");
		good = 0;
	}

	/* A writer recovers at its first write. */
	if ((r = open_or_why(path, 0, "writer")) == NULL)
		return 0;
	if (flush_first) {
		const struct cairn_error *err = cairn_repo_flush(r);

		if (err != NULL) {
			why("first flush: %s", err->msg);
			good = 0;
		}
	}
	good &= put_new(r, &more, "writer");
	notice = cairn_repo_notice(r);
	if (dropped && (notice == NULL || strstr(notice, p->n.wal) == NULL)) {
		why("no notice naming the WAL for a dropped tail (got %s)",
		    notice ? notice : "none");
		good = 0;
	} else if (!dropped && !whole && (notice == NULL ||
	    strstr(notice, "intact records") == NULL)) {
		why("no notice of the records kept from the data file (got %s)",
		    notice ? notice : "none");
		good = 0;
	}
	good &= acked_intact(r, p, "writer");
	good &= model_intact(r, &more, "writer");
	/*
	 * The cut batch's records are whole in the data file: a writer
	 * never throws an intact record away, so they come back.
	 */
	good &= model_intact(r, &p->last, "writer");
	/* Syncs are slow: flush and read back through the index sometimes. */
	if (whole || cut % 8 == 0)
		good &= flush_and_check(&r, path, p, &more, 1);
	cairn_repo_close(r);
	model_free(&more);
	end_case(good);
	return good;
}

static void
test_wal_cut(const struct pristine *p)
{
	uint64_t cut;
	int good;

	for (cut = p->l_start; cut <= p->l_end; cut++) {
		why_buf[0] = '\0';
		good = wal_cut_case(p, cut, cut % 5 == 3);
		if (!ok(good, "%s: WAL cut at %" PRIu64 " (last batch %" PRIu64
		    "..%" PRIu64 ")", p->algo_name, cut, p->l_start, p->l_end))
			diag("  %s", why_buf);
	}
}

/* ---- (b) the data file cut past its watermark, or with garbage ---- */

/* The size of the data file after the new put, undamaged. */
static uint64_t control_size;

/*
 * Recover from a damaged region past the watermark: the writer must
 * rewrite it from the WAL, byte for byte, and drop what follows.
 */
static int
data_case(const struct pristine *p, const char *path, uint64_t *after,
    int flush)
{
	struct cairn_repo *r = NULL;
	struct model more = { .n = 0 };
	unsigned char *orig, *now;
	char data[4096], pdata[4096];
	size_t olen, nlen;
	int good = 1;

	repo_file(data, sizeof(data), path, p->n.data);
	repo_file(pdata, sizeof(pdata), p->path, p->n.data);
	if ((r = open_or_why(path, CAIRN_OPEN_READ_ONLY, "reader")) == NULL)
		return 0;
	good &= acked_intact(r, p, "reader");
	good &= model_intact(r, &p->last, "reader");
	cairn_repo_close(r);
	if ((r = open_or_why(path, 0, "writer")) == NULL)
		return 0;
	good &= put_new(r, &more, "writer");
	good &= acked_intact(r, p, "writer");
	good &= model_intact(r, &p->last, "writer");
	/* The redone region equals the undamaged file's. */
	orig = slurp(pdata, &olen);
	now = slurp(data, &nlen);
	if (nlen < olen || memcmp(orig, now, olen) != 0) {
		why("data file differs from the undamaged one before offset "
		    "%zu after recovery", olen);
		good = 0;
	}
	*after = nlen;
	if (control_size != 0 && nlen != control_size) {
		why("data file is %zu bytes after recovery, undamaged %"
		    PRIu64, nlen, control_size);
		good = 0;
	}
	free(orig);
	free(now);
	/*
	 * The file equals the undamaged one, so reads through the index
	 * after a flush are covered; do them sometimes (syncs are slow).
	 */
	if (flush)
		good &= flush_and_check(&r, path, p, &more, 1);
	cairn_repo_close(r);
	model_free(&more);
	return good;
}

static void
test_data_cut(const struct pristine *p)
{
	static const size_t garbage[] = { 1, 79, 80, 81, 200, 5000 };
	char path[2048], data[4096];
	unsigned char junk[5000];
	uint64_t cut, after;
	size_t i;
	int good;

	control_size = 0;
	new_case(p, path, sizeof(path));
	why_buf[0] = '\0';
	good = data_case(p, path, &control_size, 1);
	if (!ok(good, "%s: control: undamaged data file", p->algo_name))
		diag("  %s", why_buf);
	end_case(good);
	for (cut = p->n.watermark; cut < p->data_end; cut++) {
		new_case(p, path, sizeof(path));
		repo_file(data, sizeof(data), path, p->n.data);
		cut_file(data, cut);
		why_buf[0] = '\0';
		good = data_case(p, path, &after, cut % 16 == 0);
		if (!ok(good, "%s: data file cut at %" PRIu64 " (watermark %"
		    PRIu64 ", end %" PRIu64 ")", p->algo_name, cut,
		    p->n.watermark, p->data_end))
			diag("  %s", why_buf);
		end_case(good);
	}
	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		new_case(p, path, sizeof(path));
		repo_file(data, sizeof(data), path, p->n.data);
		rng_fill(junk, garbage[i]);
		/* Some of it looks like the start of a record. */
		if (garbage[i] >= 4)
			memcpy(junk, "CRec", 4);
		write_at(data, p->data_end, junk, garbage[i]);
		why_buf[0] = '\0';
		good = data_case(p, path, &after, 1);
		if (!ok(good, "%s: %zu bytes of garbage after the data file's "
		    "end", p->algo_name, garbage[i]))
			diag("  %s", why_buf);
		end_case(good);
	}
}

/* ---- (c) damage inside an early, acknowledged WAL batch ---- */

/* A writer's refusal: CAIRN_ERR_CORRUPT naming the WAL and an offset. */
static int
refused(const struct pristine *p, const struct cairn_error *err,
    const char *what)
{
	if (err == NULL || err->code != CAIRN_ERR_CORRUPT) {
		why("%s: %s", what, err ? err->msg : "succeeded");
		return 0;
	}
	if (strstr(err->msg, p->n.wal) == NULL ||
	    strstr(err->msg, "offset") == NULL) {
		why("%s: the message does not name the WAL and an offset: %s",
		    what, err->msg);
		return 0;
	}
	return 1;
}

/*
 * Damage one byte of WAL batch number batch (1 or 2) of the pristine
 * repository.  *reader: a read-only open is refused with the file and
 * offset.  *writer: a writer refuses to go on.
 */
static void
wal_damage_case(const struct pristine *p, uint64_t off, int batch,
    int *reader, int *writer)
{
	const struct cairn_error *err;
	struct cairn_repo *r = NULL;
	struct cairn_oid id;
	unsigned char before, after;
	char path[2048], wal[4096];
	int good = 1;

	(void)batch;
	new_case(p, path, sizeof(path));
	repo_file(wal, sizeof(wal), path, p->n.wal);
	read_at(wal, off, &before, 1);
	flip_byte(wal, off);

	/*
	 * A reader is refused too, naming the file and an offset: serving
	 * what lies before the damage would make what follows it look
	 * missing, with no error.
	 */
	err = cairn_repo_open(path, CAIRN_OPEN_READ_ONLY, &r);
	if (err == NULL) {
		why("a read-only open of the damaged WAL succeeded");
		cairn_repo_close(r);
		r = NULL;
		good = 0;
	} else
		good = refused(p, err, "reader open");
	*reader = good;

	/*
	 * A writer refuses, naming the file and an offset: at open, or at
	 * the first write, which takes the lock and recovers.
	 */
	good = 1;
	err = cairn_repo_open(path, 0, &r);
	if (err != NULL) {
		good &= refused(p, err, "writer open");
	} else {
		good &= refused(p, cairn_object_put(r, CAIRN_OBJ_BLOB,
		    "refused", 7, &id), "put");
		good &= refused(p, cairn_repo_flush(r), "flush");
		cairn_repo_close(r);
	}
	/* Nothing acknowledged was thrown away. */
	read_at(wal, off, &after, 1);
	if (file_size(wal) != p->l_end || after != (before ^ 0x5a)) {
		why("the damaged WAL was changed (%" PRIu64 " bytes)",
		    file_size(wal));
		good = 0;
	}
	*writer = good;
	end_case(*reader && *writer);
}

static void
wal_damage_batch(const struct pristine *p, int batch, uint64_t from,
    uint64_t to, uint64_t step)
{
	uint64_t off;
	int reader, writer, rbad = 0, wbad = 0, cases = 0;

	for (off = from; off < to; off += step) {
		why_buf[0] = '\0';
		wal_damage_case(p, off, batch, &reader, &writer);
		cases++;
		if (!reader && rbad++ < 3)
			diag("  reader, WAL byte %" PRIu64 ": %s", off, why_buf);
		if (!writer && wbad++ < 3)
			diag("  writer, WAL byte %" PRIu64 ": %s", off, why_buf);
	}
	ok(wbad == 0, "%s: damage in WAL batch %d (%" PRIu64 "..%" PRIu64
	    "), a whole batch after it: the writer refuses with the file and "
	    "offset (%d of %d cases)", p->algo_name, batch, from, to,
	    cases - wbad, cases);
	ok(rbad == 0, "%s: damage in WAL batch %d (%" PRIu64 "..%" PRIu64
	    "): a reader is refused with the file and offset too "
	    "(%d of %d cases)", p->algo_name, batch, from, to, cases - rbad,
	    cases);
}

static void
test_wal_damage(const struct pristine *p)
{
	/* Every byte of batch W2, with W1 before it and L after it. */
	wal_damage_batch(p, 2, p->w2_start, p->l_start, 1);
	/* Some bytes of the first batch of the WAL. */
	wal_damage_batch(p, 1, p->w1_start, p->w2_start, 7);
}

/* ---- (d) damaged data records below the watermark ---- */

static const struct cairn_error *
count_sink(void *arg, const void *data, size_t len)
{
	(void)data;
	*(size_t *)arg += len;
	return NULL;
}

/* Which object of A has its record at off. */
static const struct obj *
obj_at(const struct pristine *p, const char *data, uint64_t off)
{
	unsigned char h[HDR];
	size_t i;

	read_at(data, off, h, HDR);
	for (i = 0; i < p->a.n; i++)
		if (memcmp(h + 40, p->a.o[i].id.hash, p->a.o[i].id.len) == 0)
			return &p->a.o[i];
	bail_out("no object of A at %" PRIu64, off);
}

static int
data_damage_case(const struct pristine *p, uint64_t rec, uint64_t off,
    int fix_crc)
{
	const struct cairn_error *err;
	const struct obj *o;
	struct cairn_repo *r = NULL;
	unsigned char *got = NULL, h[HDR];
	char path[2048], data[4096];
	size_t len = 0, i, streamed = 0;
	uint64_t stored;
	unsigned flags;
	uint32_t crc;
	enum cairn_otype type;
	int good = 1;

	new_case(p, path, sizeof(path));
	repo_file(data, sizeof(data), path, p->n.data);
	o = obj_at(p, data, rec);
	flip_byte(data, off);
	if (fix_crc) {
		/* Make the record's CRCs agree with the damaged bytes. */
		unsigned char *s;

		read_at(data, rec, h, HDR);
		for (stored = 0, i = 16; i < 24; i++)
			stored = stored << 8 | h[i];
		s = xmalloc((size_t)stored);
		read_at(data, rec + HDR, s, (size_t)stored);
		crc = cairn_crc32(0, s, (size_t)stored);
		free(s);
		for (i = 0; i < 4; i++)
			h[72 + i] = (unsigned char)(crc >> (24 - 8 * i));
		crc = cairn_crc32(0, h, 76);
		for (i = 0; i < 4; i++)
			h[76 + i] = (unsigned char)(crc >> (24 - 8 * i));
		write_at(data, rec, h, HDR);
	}
	if ((r = open_or_why(path, CAIRN_OPEN_READ_ONLY, "reader")) == NULL)
		return 0;
	for (flags = 0; flags <= CAIRN_GET_NO_VERIFY; flags++) {
		err = cairn_object_get(r, &o->id, flags, &type, &got, &len);
		if (fix_crc && flags == CAIRN_GET_NO_VERIFY) {
			/* Not verified on request: any bytes, no crash. */
			if (err == NULL)
				free(got);
			continue;
		}
		if (err == NULL || err->code != CAIRN_ERR_CORRUPT) {
			why("get (flags %u): %s", flags, err ? err->msg :
			    "returned damaged content");
			if (err == NULL)
				free(got);
			good = 0;
		}
		streamed = 0;
		err = cairn_object_get_stream(r, &o->id, flags, count_sink,
		    &streamed);
		if (err == NULL || err->code != CAIRN_ERR_CORRUPT ||
		    streamed != 0) {
			why("get_stream (flags %u): %s, %zu bytes out", flags,
			    err ? err->msg : "succeeded", streamed);
			good = 0;
		}
	}
	/* The other objects are untouched. */
	for (i = 0; i < p->a.n; i++)
		if (&p->a.o[i] != o)
			good &= obj_intact(r, &p->a.o[i], "neighbour");
	good &= model_intact(r, &p->w1, "neighbour");
	cairn_repo_close(r);
	end_case(good);
	return good;
}

static void
test_data_damage(const struct pristine *p)
{
	char data[4096];
	unsigned char h[HDR];
	uint64_t off, end, stored;
	int k, i, good, bad = 0, cases = 0;

	repo_file(data, sizeof(data), p->path, p->n.data);
	is_int(p->a_rec_n, 3, "%s: three records below the watermark",
	    p->algo_name);
	for (k = 0; k < p->a_rec_n; k++) {
		read_at(data, p->a_rec[k], h, HDR);
		for (stored = 0, i = 16; i < 24; i++)
			stored = stored << 8 | h[i];
		end = p->a_rec[k] + HDR + stored;
		bad = cases = 0;
		for (off = p->a_rec[k]; off < end; off++) {
			why_buf[0] = '\0';
			good = data_damage_case(p, p->a_rec[k], off, 0);
			cases++;
			if (!good && bad++ < 5)
				diag("  byte %" PRIu64 " of the record at %"
				    PRIu64 ": %s", off, p->a_rec[k], why_buf);
		}
		ok(bad == 0, "%s: every byte of the data record at %" PRIu64
		    " (%s, %" PRIu64 " stored bytes) damaged: %d of %d cases "
		    "caught", p->algo_name, p->a_rec[k], (h[5] & 1) ?
		    "deflated" : "raw", stored, cases - bad, cases);
		/* Damage with matching CRCs: only the hash catches it. */
		why_buf[0] = '\0';
		if (!ok(data_damage_case(p, p->a_rec[k], p->a_rec[k] + HDR +
		    stored / 2, 1), "%s: content damaged under good CRCs at "
		    "%" PRIu64 ": verification catches it", p->algo_name,
		    p->a_rec[k]))
			diag("  %s", why_buf);
	}
}

/* ---- (e) batches sealed with good CRCs that break the framing rules ---- */

static void
count_finding(void *arg, const struct cairn_finding *f)
{
	(void)arg;
	(void)f;
}

/*
 * Set the data offset of the first record of batch W2 to data_off, then
 * seal the batch again: the record's header CRC and the COMMIT record's
 * CRC hold, so only the framing rules of wal.h can tell.
 */
static void
forge_w2(const struct pristine *p, const char *wal, uint64_t data_off)
{
	struct cairn_rec rec, commit;
	unsigned char *w;
	size_t len, off;

	w = slurp(wal, &len);
	if (cairn_rec_decode(&rec, w + p->w2_start, (size_t)(p->algo ==
	    CAIRN_HASH_SHA1 ? 20 : 32)) != NULL)
		bail_out("batch W2 does not start with a record");
	rec.data_off = data_off;
	cairn_rec_encode(w + p->w2_start, &rec);
	for (off = (size_t)p->w2_start; off + HDR <= len;
	    off += (size_t)cairn_rec_span(&commit)) {
		if (cairn_rec_decode(&commit, w + off, (size_t)(p->algo ==
		    CAIRN_HASH_SHA1 ? 20 : 32)) != NULL)
			bail_out("batch W2 has a damaged record at %zu", off);
		if (commit.kind == CAIRN_REC_COMMIT)
			break;
	}
	commit.crc = cairn_crc32(0, w + p->w2_start, off - p->w2_start);
	cairn_rec_encode(w + off, &commit);
	write_at(wal, 0, w, len);
	free(w);
}

static void
forged_case(const struct pristine *p, uint64_t data_off, const char *what)
{
	const struct cairn_error *err;
	struct cairn_fsck_result fr = CAIRN_FSCK_RESULT_INIT;
	struct cairn_fsck_opts fo = CAIRN_FSCK_OPTS_INIT;
	struct cairn_repo *r = NULL;
	struct cairn_oid id;
	char path[2048], wal[4096];
	int good = 1;

	why_buf[0] = '\0';
	new_case(p, path, sizeof(path));
	repo_file(wal, sizeof(wal), path, p->n.wal);
	forge_w2(p, wal, data_off);
	err = cairn_repo_open(path, 0, &r);
	if (err == NULL) {
		err = cairn_object_put(r, CAIRN_OBJ_BLOB, "refused", 7, &id);
		good &= refused(p, err, "put");
		cairn_repo_close(r);
	} else
		good &= refused(p, err, "writer open");
	if (!ok(good, "%s: %s: recovery refuses the WAL", p->algo_name, what))
		diag("  %s", why_buf);
	fo.report = count_finding;
	err = cairn_repo_fsck(path, &fo, &fr);
	ok(err == NULL && fr.errors > 0, "%s: %s: fsck reports it as an error "
	    "(%" PRIu64 " errors)", p->algo_name, what, fr.errors);
	end_case(good && err == NULL && fr.errors > 0);
}

static void
test_wal_forged(const struct pristine *p)
{
	struct cairn_rec rec;
	unsigned char h[HDR];
	char wal[4096];

	repo_file(wal, sizeof(wal), p->path, p->n.wal);
	read_at(wal, p->w2_start, h, HDR);
	if (cairn_rec_decode(&rec, h, (size_t)(p->algo == CAIRN_HASH_SHA1 ?
	    20 : 32)) != NULL)
		bail_out("batch W2 does not start with a record");
	forged_case(p, rec.data_off + HDR, "a record names a data offset past "
	    "where the one before it ends");
	forged_case(p, rec.data_off - HDR, "a record names a data offset "
	    "before where the one before it ends");
	forged_case(p, p->n.watermark - 1, "a record names a data offset "
	    "below the watermark");
	forged_case(p, (uint64_t)1 << 40, "a record names a data offset a "
	    "terabyte out");
}

int
main(void)
{
	static const struct { int algo; const char *name; } algos[] = {
		{ CAIRN_HASH_SHA256, "sha256" },
		{ CAIRN_HASH_SHA1, "sha1" },
	};
	struct pristine p;
	size_t i;

	scratch_base(base_dir, sizeof(base_dir), "t-recovery", 0);
	for (i = 0; i < sizeof(algos) / sizeof(algos[0]); i++) {
		make_pristine(&p, algos[i].algo, algos[i].name);
		test_wal_cut(&p);
		test_data_cut(&p);
		test_wal_damage(&p);
		test_data_damage(&p);
		test_wal_forged(&p);
		free_pristine(&p);
	}
	if (tap_state()->failed == 0)
		rm_rf(base_dir);
	else
		diag("scratch kept in %s", base_dir);
	return done_testing();
}
