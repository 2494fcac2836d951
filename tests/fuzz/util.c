/*
 * util.c: scratch directories, whole-file helpers and in-memory snapshots
 * of directory trees for the fuzz targets (see util.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn.h"
#include "encode.h"
#include "record.h"
#include "zip.h"

#include "util.h"

void
fuzz_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

const struct cairn_error *
fuzz_fsck(const char *repo, unsigned flags, cairn_finding_fn report,
    void *arg, struct cairn_fsck_result *res)
{
	struct cairn_fsck_opts opts = CAIRN_FSCK_OPTS_INIT;

	opts.flags = flags;
	opts.report = report;
	opts.arg = arg;
	res->size = sizeof(*res);
	return cairn_repo_fsck(repo, &opts, res);
}

void
fuzz_ok(const struct cairn_error *err, const char *what)
{
	if (err != NULL)
		fuzz_fail(__FILE__, __LINE__, "%s: %s", what, err->msg);
}

static char *scratch;

static void
scratch_remove(void)
{
	if (scratch != NULL)
		fuzz_rm_rf(scratch);
}

const char *
fuzz_scratch(void)
{
	const char *tmp = getenv("TMPDIR");

	if (scratch != NULL)
		return scratch;
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	scratch = fuzz_path(tmp, "cairn-fuzz.XXXXXX");
	if (mkdtemp(scratch) == NULL)
		fuzz_fail(__FILE__, __LINE__, "mkdtemp %s: %s", scratch,
		    strerror(errno));
	atexit(scratch_remove);
	return scratch;
}

char *
fuzz_path(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p;

	if ((p = malloc(la + lb + 2)) == NULL)
		abort();
	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

void
fuzz_write_file(const char *path, const void *data, size_t len)
{
	const unsigned char *p = data;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		fuzz_fail(__FILE__, __LINE__, "open %s: %s", path,
		    strerror(errno));
	while (len > 0) {
		if ((n = write(fd, p, len)) <= 0)
			fuzz_fail(__FILE__, __LINE__, "write %s: %s", path,
			    strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) != 0)
		fuzz_fail(__FILE__, __LINE__, "close %s: %s", path,
		    strerror(errno));
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) != 0 &&
	    errno != ENOENT)
		fuzz_fail(__FILE__, __LINE__, "remove %s: %s", path,
		    strerror(errno));
	return 0;
}

void
fuzz_rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return;
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fuzz_fail(__FILE__, __LINE__, "remove %s", path);
}

/* Snapshots. */

static void
snap_add(struct fuzz_snapshot *s, const char *rel, int dir,
    unsigned char *data, size_t len)
{
	struct fuzz_file *f;

	if ((f = realloc(s->files, (s->n + 1) * sizeof(*f))) == NULL ||
	    (f[s->n].path = strdup(rel)) == NULL)
		abort();
	s->files = f;
	f[s->n].dir = dir;
	f[s->n].data = data;
	f[s->n].len = len;
	s->n++;
}

unsigned char *
fuzz_read_file(const char *path, size_t *len)
{
	unsigned char *buf;
	struct stat st;
	ssize_t n;
	size_t have = 0;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) != 0)
		fuzz_fail(__FILE__, __LINE__, "open %s: %s", path,
		    strerror(errno));
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		abort();
	while (have < (size_t)st.st_size) {
		if ((n = read(fd, buf + have, (size_t)st.st_size - have)) <= 0)
			fuzz_fail(__FILE__, __LINE__, "read %s", path);
		have += (size_t)n;
	}
	close(fd);
	buf[have] = '\0';
	*len = have;
	return buf;
}

static void
snap_dir(struct fuzz_snapshot *s, const char *root, const char *rel)
{
	struct dirent *de;
	struct stat st;
	char *abs, *sub, *full;
	DIR *d;
	size_t len;

	abs = *rel ? fuzz_path(root, rel) : strdup(root);
	if (abs == NULL || (d = opendir(abs)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "opendir %s", root);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		sub = *rel ? fuzz_path(rel, de->d_name) : strdup(de->d_name);
		full = fuzz_path(root, sub);
		if (sub == NULL || lstat(full, &st) != 0)
			fuzz_fail(__FILE__, __LINE__, "lstat %s", full);
		if (S_ISDIR(st.st_mode)) {
			snap_add(s, sub, 1, NULL, 0);
			snap_dir(s, root, sub);
		} else if (S_ISREG(st.st_mode)) {
			unsigned char *data = fuzz_read_file(full, &len);
			snap_add(s, sub, 0, data, len);
		}
		free(sub);
		free(full);
	}
	closedir(d);
	free(abs);
}

static int
file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fuzz_file *)a)->path,
	    ((const struct fuzz_file *)b)->path);
}

void
fuzz_snapshot_take(struct fuzz_snapshot *s, const char *dir)
{
	memset(s, 0, sizeof(*s));
	snap_dir(s, dir, "");
	/* Sorted, so a directory comes before what it holds. */
	qsort(s->files, s->n, sizeof(s->files[0]), file_cmp);
}

void
fuzz_snapshot_write(const struct fuzz_snapshot *s, const char *dir)
{
	char *p;
	size_t i;

	fuzz_rm_rf(dir);
	if (mkdir(dir, 0755) != 0)
		fuzz_fail(__FILE__, __LINE__, "mkdir %s: %s", dir,
		    strerror(errno));
	for (i = 0; i < s->n; i++) {
		if (s->files[i].dir == 2)
			continue;
		p = fuzz_path(dir, s->files[i].path);
		if (s->files[i].dir) {
			if (mkdir(p, 0755) != 0)
				fuzz_fail(__FILE__, __LINE__, "mkdir %s: %s",
				    p, strerror(errno));
		} else
			fuzz_write_file(p, s->files[i].data, s->files[i].len);
		free(p);
	}
}

struct fuzz_file *
fuzz_snapshot_find(const struct fuzz_snapshot *s, const char *suffix)
{
	size_t i, n = strlen(suffix), len;

	for (i = 0; i < s->n; i++) {
		len = strlen(s->files[i].path);
		if (!s->files[i].dir && len >= n &&
		    strcmp(s->files[i].path + len - n, suffix) == 0)
			return &s->files[i];
	}
	return NULL;
}

void
fuzz_snapshot_free(struct fuzz_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->files[i].path);
		free(s->files[i].data);
	}
	free(s->files);
	memset(s, 0, sizeof(*s));
}

/* The template repository. */

static void
tmpl_put(struct fuzz_template *t, struct cairn_repo *r, int type,
    const void *data, size_t len)
{
	struct fuzz_object *o = &t->obj[t->nobj++];

	if ((o->data = malloc(len + 1)) == NULL)
		abort();
	memcpy(o->data, data, len);
	o->len = len;
	o->type = type;
	fuzz_ok(cairn_object_put(r, type, data, len, &o->id), "template put");
}

static void
tmpl_tree(struct fuzz_template *t, struct cairn_repo *r,
    const struct fuzz_object *a, const struct fuzz_object *b)
{
	unsigned char buf[256];
	size_t n = 0;

	/* Entries in git's order: "a.txt" before "b.bin". */
	memcpy(buf + n, "100644 a.txt", 13);
	n += 13;
	memcpy(buf + n, a->id.hash, a->id.len);
	n += a->id.len;
	memcpy(buf + n, "100755 b.bin", 13);
	n += 13;
	memcpy(buf + n, b->id.hash, b->id.len);
	n += b->id.len;
	tmpl_put(t, r, CAIRN_OBJ_TREE, buf, n);
}

void
fuzz_template_make(struct fuzz_template *t, int flushes)
{
	struct cairn_ident who = { "A U Thor", "a@example.com", 1112911993,
	    -420 };
	struct fuzz_object *o;
	struct cairn_repo *r;
	char hex[CAIRN_OID_HEXMAX + 1], tag[512], *dir;
	unsigned char big[5000], noise[300];
	uint32_t x = 12345;
	size_t i;
	int n;

	memset(t, 0, sizeof(*t));
	dir = fuzz_path(fuzz_scratch(), "template");
	fuzz_rm_rf(dir);
	fuzz_ok(cairn_repo_init(dir, NULL), "template init");
	fuzz_ok(cairn_repo_open(dir, 0, &r), "template open");
	for (i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)"cairn fuzz template\n"[i % 20];
	for (i = 0; i < sizeof(noise); i++) {
		x = x * 1103515245 + 12345;
		noise[i] = (unsigned char)(x >> 16);
	}
	tmpl_put(t, r, CAIRN_OBJ_BLOB, "hello\n", 6);
	tmpl_put(t, r, CAIRN_OBJ_BLOB, big, sizeof(big));
	tmpl_put(t, r, CAIRN_OBJ_BLOB, noise, sizeof(noise));
	tmpl_tree(t, r, &t->obj[0], &t->obj[2]);
	o = &t->obj[t->nobj];
	fuzz_ok(cairn_commit_create(r, &t->obj[3].id, NULL, 0, &who, &who,
	    "first\n", &o->id), "template commit");
	{
		enum cairn_otype type;
		fuzz_ok(cairn_object_get(r, &o->id, 0, &type, &o->data, &o->len),
		    "template commit read");
		o->type = type;
		t->nobj++;
	}
	n = snprintf(tag, sizeof(tag), "object %s\ntype commit\ntag v1\n"
	    "tagger A U Thor <a@example.com> 1112911993 -0700\n\nv1\n",
	    cairn_oid_fmt(&o->id, hex));
	tmpl_put(t, r, CAIRN_OBJ_TAG, tag, (size_t)n);
	fuzz_ok(cairn_ref_set(r, "main", &o->id, NULL), "template ref");
	if (flushes >= 1)
		fuzz_ok(cairn_repo_flush(r), "template flush");
	tmpl_put(t, r, CAIRN_OBJ_BLOB, "second\n", 7);
	tmpl_put(t, r, CAIRN_OBJ_BLOB, "", 0);
	if (flushes >= 2)
		fuzz_ok(cairn_repo_flush(r), "template flush");
	tmpl_put(t, r, CAIRN_OBJ_BLOB, "only in the wal\n", 16);
	tmpl_tree(t, r, &t->obj[7], &t->obj[8]);
	cairn_repo_close(r);
	fuzz_snapshot_take(&t->snap, dir);
	fuzz_rm_rf(dir);
	free(dir);
}

struct sink {
	const struct fuzz_object *o;
	size_t off;
	int bad;
};

static const struct cairn_error *
sink_write(void *arg, const void *data, size_t len)
{
	struct sink *s = arg;

	if (len > s->o->len - s->off ||
	    memcmp(s->o->data + s->off, data, len) != 0)
		s->bad = 1;
	else
		s->off += len;
	return NULL;
}

static int
read_one(const struct fuzz_object *o, struct cairn_repo *repo,
    unsigned flags, int forged)
{
	const struct cairn_error *err;
	struct sink s = { o, 0, 0 };
	unsigned char *data;
	char hex[CAIRN_OID_HEXMAX + 1];
	size_t len;
	uint64_t size;
	enum cairn_otype type;
	int ok = 0, check = 1;

	cairn_oid_fmt(&o->id, hex);
	/* Unverified reads trust the CRCs, which forged ones fool. */
	if (forged && (flags & CAIRN_GET_NO_VERIFY))
		check = 0;
	if (cairn_object_get(repo, &o->id, flags, &type, &data, &len) == NULL) {
		FUZZ_CHECK(!check || ((int)type == o->type && len == o->len &&
		    memcmp(data, o->data, len) == 0),
		    "object %s read back wrong (flags %u)", hex, flags);
		free(data);
		ok = 1;
	}
	err = cairn_object_get_stream(repo, &o->id, flags, sink_write, &s);
	/*
	 * A verified stream checks the content before its first byte goes
	 * out, so what it delivers is right even if it fails later; an
	 * unverified one may deliver bytes before their CRC fails, but must
	 * fail then.
	 */
	FUZZ_CHECK(!check || !s.bad ||
	    (flags & CAIRN_GET_NO_VERIFY && err != NULL),
	    "object %s streamed wrong (flags %u)", hex, flags);
	FUZZ_CHECK(!check || err != NULL || s.off == o->len,
	    "object %s streamed short (flags %u)", hex, flags);
	if (cairn_object_stat(repo, &o->id, &type, &size) == NULL && ok && check)
		FUZZ_CHECK((int)type == o->type && size == o->len,
		    "object %s: stat disagrees with its content", hex);
	return ok;
}

size_t
fuzz_template_check(const struct fuzz_template *t, struct cairn_repo *repo,
    int forged)
{
	size_t i, n = 0;

	for (i = 0; i < t->nobj; i++) {
		n += read_one(&t->obj[i], repo, 0, forged);
		read_one(&t->obj[i], repo, CAIRN_GET_NO_VERIFY, forged);
	}
	return n;
}

size_t
fuzz_fix_records(unsigned char *buf, size_t len, size_t idlen, int fix,
    void (*fn)(void *arg, const struct cairn_rec *rec, size_t off),
    void *arg)
{
	struct cairn_rec rec;
	size_t pos = CAIRN_FILEHDR_SIZE;
	uint64_t stored, start;

	while (pos <= len && len - pos >= CAIRN_REC_HDR_SIZE) {
		unsigned char *p = buf + pos;
		if ((fix & 3) == 3 && p[4] == CAIRN_REC_OBJECT) {
			stored = cairn_get_be64(p + 16);
			if (stored <= len - pos - CAIRN_REC_HDR_SIZE)
				cairn_put_be32(p + 72, cairn_crc32(0,
				    p + CAIRN_REC_HDR_SIZE, (size_t)stored));
		} else if ((fix & 3) == 3 && p[4] == CAIRN_REC_COMMIT) {
			start = cairn_get_be64(p + 24);
			if (start <= pos)
				cairn_put_be32(p + 72, cairn_crc32(0,
				    buf + start, pos - (size_t)start));
		}
		if (fix & 1)
			cairn_put_be32(p + 76, cairn_crc32(0, p, 76));
		if (cairn_rec_decode(&rec, p, idlen) != NULL)
			break;
		if (fn != NULL)
			fn(arg, &rec, pos);
		if (cairn_rec_span(&rec) > len - pos)
			break;
		pos += (size_t)cairn_rec_span(&rec);
	}
	return pos;
}

/* The CLI, in-process. */

int cairn_cli_main(int argc, char **argv);

static FILE *devnull;

/*
 * Run the CLI with data on standard input; its standard output is
 * returned (malloc'd, NUL-terminated), its standard error discarded.
 */
char *
fuzz_run_cli(int argc, char **argv, const uint8_t *data, size_t size,
    int *status, size_t *outlen)
{
	FILE *out, *saved_out = stdout, *saved_err = stderr;
	char *buf = NULL;
	size_t len = 0;
	int fd, saved_in;

	if ((fd = memfd_create("stdin", 0)) == -1 ||
	    (size > 0 && write(fd, data, size) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET) != 0 || (saved_in = dup(0)) == -1 ||
	    dup2(fd, 0) == -1 || (out = open_memstream(&buf, &len)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "cannot set up stdin/stdout");
	close(fd);
	stdout = out;
	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	stderr = devnull;
	optind = 0;	/* a fresh getopt, as in a new process */
	*status = cairn_cli_main(argc, argv);
	stdout = saved_out;
	stderr = saved_err;
	if (fclose(out) != 0 || buf == NULL)
		fuzz_fail(__FILE__, __LINE__, "cannot collect stdout");
	*outlen = len;
	if (dup2(saved_in, 0) == -1)
		abort();
	close(saved_in);
	return buf;
}

