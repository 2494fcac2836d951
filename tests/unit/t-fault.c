/*
 * t-fault.c: I/O failures during writes.  Each operation (a batch of puts,
 * a flush that merges segments, a big-object put, a put that first
 * recovers from a crash) is run once to count its mutating I/O calls,
 * then again with each call failing in turn (EIO, ENOSPC, a short write;
 * once or from then on).  The operation must fail cleanly or succeed; a
 * fresh handle on the real I/O layer must then find every acknowledged
 * object intact and be able to write and flush.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cairn.h"
#include "repo_int.h"
#include "vfs.h"

#include "tap.h"
#include "scratch.h"
#include "fault.h"

/* splitmix64: a fixed-seed generator, so every run sees the same data. */
static uint64_t rng_state = 0xfa017fa017ULL;

static uint64_t
rng_next(void)
{
	return splitmix64(&rng_state);
}

static void
rng_fill(unsigned char *p, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i % 8 == 0)
			v = rng_next();
		p[i] = (unsigned char)(v >> (8 * (i % 8)));
	}
}

/* ---- files ---- */

static char base_dir[1024];

/*
 * Make dst hold exactly the regular files of src (same directories):
 * remove the files src does not have and copy every file over.
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

/* The WAL and data file names of a repository's manifest. */
static void
manifest_names(const char *repo, char *wal, char *data, size_t len)
{
	char path[4096], line[512], name[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/manifest", repo);
	if ((f = fopen(path, "r")) == NULL)
		bail_out("open %s: %s", path, strerror(errno));
	*wal = *data = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "data %255s", name) == 1)
			snprintf(data, len, "%s/%s", repo, name);
		else if (sscanf(line, "wal %255s", name) == 1)
			snprintf(wal, len, "%s/%s", repo, name);
	}
	fclose(f);
	if (*wal == '\0' || *data == '\0')
		bail_out("no wal or data line in %s", path);
}

static uint64_t
file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		bail_out("stat %s: %s", path, strerror(errno));
	return (uint64_t)st.st_size;
}

/* ---- objects ---- */

struct obj {
	struct cairn_oid id;
	unsigned char *data;
	size_t len;
};

struct model {
	struct obj *o;
	size_t n, cap;
};

static void
model_add(struct model *m, int algo, const void *data, size_t len)
{
	struct obj *o;

	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 32;
		if ((m->o = realloc(m->o, m->cap * sizeof(*m->o))) == NULL)
			bail_out("out of memory");
	}
	o = &m->o[m->n++];
	cairn_hash_object(algo, CAIRN_OBJ_BLOB, data, len, &o->id);
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
	free(m->o);
	memset(m, 0, sizeof(*m));
}

/* Small objects with content from tag and a number. */
static void
model_small(struct model *m, int algo, const char *tag, size_t count)
{
	char buf[128];
	size_t i, len;

	for (i = 0; i < count; i++) {
		len = (size_t)snprintf(buf, sizeof(buf), "%s %zu: %s\n", tag,
		    i, i % 2 ? "compressible compressible compressible" :
		    "x");
		model_add(m, algo, buf, len);
	}
}

static char why_buf[1024];

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

/*
 * must: every object present and intact.  Otherwise each object must be
 * absent or intact: a read never returns wrong bytes or claims damage.
 */
static int
check_model(struct cairn_repo *r, const struct model *m, int must,
    const char *what)
{
	const struct cairn_error *err;
	char hex[CAIRN_OID_HEXMAX + 1];
	unsigned char *p;
	size_t i, len;
	enum cairn_otype type;
	int good = 1;

	for (i = 0; i < m->n; i++) {
		p = NULL;
		err = cairn_object_get(r, &m->o[i].id, 0, &type, &p, &len);
		if (err != NULL && !must && err->code == CAIRN_ERR_NOT_FOUND)
			continue;
		if (err != NULL) {
			why("%s: get %.12s: %s", what, cairn_oid_fmt(&m->o[i].id,
			    hex), err->msg);
			good = 0;
		} else if (len != m->o[i].len ||
		    memcmp(p, m->o[i].data, len) != 0) {
			why("%s: get %.12s: wrong content", what,
			    cairn_oid_fmt(&m->o[i].id, hex));
			good = 0;
		}
		free(p);
	}
	return good;
}

struct reader {
	const unsigned char *p;
	size_t len, pos;
};

static ssize_t
mem_read(void *arg, void *buf, size_t len)
{
	struct reader *rd = arg;
	size_t n = rd->len - rd->pos;

	if (n > len)
		n = len;
	memcpy(buf, rd->p + rd->pos, n);
	rd->pos += n;
	return (ssize_t)n;
}

/* ---- operations ---- */

enum op { OP_BATCH, OP_FLUSH, OP_BIG, OP_RECOVER, NOPS };

static const char *op_names[NOPS] = {
	"batch of 20 puts", "flush with a merge", "big-object put",
	"put that recovers a crash",
};

/* The objects each operation writes (none for the flush). */
static struct model op_objs[NOPS];

/* Objects acknowledged before any operation, per pristine repository. */
static struct model acked, acked_torn;

static char pristine[2048], pristine_torn[2048];
static const int algo = CAIRN_HASH_SHA256;

static const struct cairn_error *
add_all(struct cairn_repo *r, const struct model *m)
{
	const struct cairn_error *err;
	struct cairn_oid id;
	size_t i;

	for (i = 0; i < m->n; i++)
		if ((err = cairn_batch_add(r, CAIRN_OBJ_BLOB, m->o[i].data,
		    m->o[i].len, &id)) != NULL)
			return err;
	return NULL;
}

static const struct cairn_error *
put_all(struct cairn_repo *r, const struct model *m)
{
	const struct cairn_error *err;

	if ((err = cairn_batch_begin(r)) != NULL)
		return err;
	if ((err = add_all(r, m)) != NULL) {
		cairn_batch_abort(r);
		return err;
	}
	return cairn_batch_commit(r);
}

static const struct cairn_error *
run_op(struct cairn_repo *r, enum op op)
{
	const struct cairn_error *err;
	struct cairn_oid id;
	struct reader rd;

	switch (op) {
	case OP_BATCH:
	case OP_RECOVER:
		return put_all(r, &op_objs[op]);
	case OP_FLUSH:
		return cairn_repo_flush(r);
	case OP_BIG:
		if ((err = cairn_batch_begin(r)) != NULL)
			return err;
		rd.p = op_objs[op].o[0].data;
		rd.len = op_objs[op].o[0].len;
		rd.pos = 0;
		err = cairn_batch_add_stream(r, CAIRN_OBJ_BLOB, mem_read, &rd,
		    (int64_t)rd.len, &id);
		if (err == NULL)
			err = add_all(r, &op_objs[OP_BATCH]);
		if (err != NULL) {
			cairn_batch_abort(r);
			return err;
		}
		return cairn_batch_commit(r);
	default:
		abort();
	}
}

static const char *
op_pristine(enum op op)
{
	return op == OP_RECOVER ? pristine_torn : pristine;
}

static const struct model *
op_acked(enum op op)
{
	return op == OP_RECOVER ? &acked_torn : &acked;
}

/*
 * The pristine repository: 10 objects flushed into a segment, 10 more in
 * the WAL.  The torn one has, in addition, a batch whose WAL tail was
 * cut short and a data file cut inside the WAL's first record: what a
 * crash leaves behind.
 */
static void
make_pristines(void)
{
	const struct cairn_error *err;
	struct cairn_repo *r;
	struct cairn_init_opts o = {
	    .size = sizeof(struct cairn_init_opts), .hash_algo = algo,
	    .compression = -1 };
	struct model lost = { 0 };
	char wal[4096], data[4096];
	uint64_t wal_before, wm;

	snprintf(pristine, sizeof(pristine), "%s/pristine", base_dir);
	snprintf(pristine_torn, sizeof(pristine_torn), "%s/pristine-torn",
	    base_dir);
	model_small(&acked, algo, "flushed", 10);
	if ((err = cairn_repo_init(pristine, &o)) != NULL ||
	    (err = cairn_repo_open(pristine, 0, &r)) != NULL ||
	    (err = put_all(r, &acked)) != NULL ||
	    (err = cairn_repo_flush(r)) != NULL)
		bail_out("pristine: %s", err->msg);
	/* The flush op then merges a segment of 10 with one of 10. */
	model_small(&acked, algo, "in the WAL", 10);
	{
		struct model second = { 0 };

		model_small(&second, algo, "in the WAL", 10);
		if ((err = put_all(r, &second)) != NULL)
			bail_out("pristine: %s", err->msg);
		model_free(&second);
	}
	cairn_repo_close(r);

	copy_tree(pristine, pristine_torn);
	model_small(&acked_torn, algo, "flushed", 10);
	model_small(&acked_torn, algo, "in the WAL", 10);
	manifest_names(pristine_torn, wal, data, sizeof(wal));
	wal_before = file_size(wal);
	model_small(&lost, algo, "torn", 4);
	if ((err = cairn_repo_open(pristine_torn, 0, &r)) != NULL ||
	    (err = put_all(r, &lost)) != NULL)
		bail_out("pristine-torn: %s", err->msg);
	cairn_repo_close(r);
	model_free(&lost);
	/* Half of the last batch reached the WAL, little of the data file. */
	wm = file_size(wal);
	if (truncate(wal, (off_t)(wal_before + (wm - wal_before) / 2)) != 0)
		bail_out("truncate %s: %s", wal, strerror(errno));
	{
		char line[512], path[4096];
		unsigned long long w = 0;
		FILE *f;

		snprintf(path, sizeof(path), "%s/manifest", pristine_torn);
		if ((f = fopen(path, "r")) == NULL)
			bail_out("open %s", path);
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "data %*s %llu", &w) == 1)
				break;
		fclose(f);
		if (truncate(data, (off_t)w + 40) != 0)
			bail_out("truncate %s: %s", data, strerror(errno));
	}

	model_small(&op_objs[OP_BATCH], algo, "batch", 20);
	model_small(&op_objs[OP_RECOVER], algo, "after recovery", 3);
	{
		const size_t big = (3 << 20) / 2 + 7;
		unsigned char *p = xmalloc(big);

		rng_fill(p, big);
		model_add(&op_objs[OP_BIG], algo, p, big);
		free(p);
	}
}

/* ---- running a case ---- */

static char case_dir[2048];
static const char *case_src;
static int case_seq, case_reusable, kept;

static void
new_case(const char *src)
{
	++case_seq;
	if (case_reusable && case_src == src) {
		sync_tree(src, case_dir);
	} else {
		snprintf(case_dir, sizeof(case_dir), "%s/case%d", base_dir,
		    case_seq);
		copy_tree(src, case_dir);
	}
	case_src = src;
	case_reusable = 0;
}

static void
end_case(int good)
{
	case_reusable = good || kept >= 3;
	if (!good && kept++ < 3)
		diag("  kept %s", case_dir);
}

/* ---- a layer that logs the mutating calls ---- */

#define LOG_MAX 512
#define FD_MAX 1024

/*
 * Sits below the fault layer and records each mutating call that reaches
 * it (kind and file, relative to the case directory), numbered as the
 * fault layer numbers them.
 */
struct logvfs {
	struct cairn_vfs vfs;	/* must be first */
	struct cairn_vfs *below;
	char fdname[FD_MAX][48];
	long n;
	struct {
		char kind[12];
		char name[48];
	} call[LOG_MAX];
};

#define LOGV(v) ((struct logvfs *)(v))

static const char *
rel(const char *path)
{
	size_t n = strlen(case_dir);

	if (strncmp(path, case_dir, n) == 0 && path[n] == '/')
		return path + n + 1;
	if (strcmp(path, case_dir) == 0)
		return ".";
	return path;
}

static void
log_call(struct cairn_vfs *v, const char *kind, const char *name)
{
	struct logvfs *l = LOGV(v);

	if (l->n < LOG_MAX) {
		snprintf(l->call[l->n].kind, sizeof(l->call[0].kind), "%s",
		    kind);
		snprintf(l->call[l->n].name, sizeof(l->call[0].name), "%s",
		    name);
	}
	l->n++;
}

static const char *
fdname(struct cairn_vfs *v, int fd)
{
	return fd >= 0 && fd < FD_MAX ? LOGV(v)->fdname[fd] : "?";
}

static int
lg_open(struct cairn_vfs *v, const char *path, int flags, mode_t mode)
{
	int fd;

	if (flags & (O_CREAT | O_TRUNC))
		log_call(v, "create", rel(path));
	fd = LOGV(v)->below->open(LOGV(v)->below, path, flags, mode);
	if (fd >= 0 && fd < FD_MAX)
		snprintf(LOGV(v)->fdname[fd], sizeof(LOGV(v)->fdname[0]),
		    "%s", rel(path));
	return fd;
}

static int
lg_close(struct cairn_vfs *v, int fd)
{
	return LOGV(v)->below->close(LOGV(v)->below, fd);
}

static ssize_t
lg_pread(struct cairn_vfs *v, int fd, void *buf, size_t n, off_t off)
{
	return LOGV(v)->below->pread(LOGV(v)->below, fd, buf, n, off);
}

static ssize_t
lg_pwrite(struct cairn_vfs *v, int fd, const void *buf, size_t n, off_t off)
{
	log_call(v, "pwrite", fdname(v, fd));
	return LOGV(v)->below->pwrite(LOGV(v)->below, fd, buf, n, off);
}

static int
lg_fsync(struct cairn_vfs *v, int fd)
{
	log_call(v, "fsync", fdname(v, fd));
	return LOGV(v)->below->fsync(LOGV(v)->below, fd);
}

static int
lg_fdatasync(struct cairn_vfs *v, int fd)
{
	log_call(v, "fdatasync", fdname(v, fd));
	return LOGV(v)->below->fdatasync(LOGV(v)->below, fd);
}

static int
lg_ftruncate(struct cairn_vfs *v, int fd, off_t len)
{
	log_call(v, "ftruncate", fdname(v, fd));
	return LOGV(v)->below->ftruncate(LOGV(v)->below, fd, len);
}

static int
lg_fstat(struct cairn_vfs *v, int fd, struct stat *st)
{
	return LOGV(v)->below->fstat(LOGV(v)->below, fd, st);
}

static int
lg_rename(struct cairn_vfs *v, const char *from, const char *to)
{
	log_call(v, "rename", rel(to));
	return LOGV(v)->below->rename(LOGV(v)->below, from, to);
}

static int
lg_unlink(struct cairn_vfs *v, const char *path)
{
	log_call(v, "unlink", rel(path));
	return LOGV(v)->below->unlink(LOGV(v)->below, path);
}

static int
lg_mkdir(struct cairn_vfs *v, const char *path, mode_t mode)
{
	log_call(v, "mkdir", rel(path));
	return LOGV(v)->below->mkdir(LOGV(v)->below, path, mode);
}

static int
lg_rmdir(struct cairn_vfs *v, const char *path)
{
	log_call(v, "rmdir", rel(path));
	return LOGV(v)->below->rmdir(LOGV(v)->below, path);
}

/* The name of name in the directory open as dfd, for the log. */
static const char *
atname(struct cairn_vfs *v, int dfd, const char *name, char *buf,
    size_t size)
{
	snprintf(buf, size, "%s/%s", fdname(v, dfd), name);
	return buf;
}

static int
lg_openat(struct cairn_vfs *v, int dfd, const char *name, int flags,
    mode_t mode)
{
	char buf[48];
	int fd;

	atname(v, dfd, name, buf, sizeof(buf));
	if (flags & (O_CREAT | O_TRUNC))
		log_call(v, "create", buf);
	fd = LOGV(v)->below->openat(LOGV(v)->below, dfd, name, flags, mode);
	if (fd >= 0 && fd < FD_MAX)
		snprintf(LOGV(v)->fdname[fd], sizeof(LOGV(v)->fdname[0]),
		    "%s", buf);
	return fd;
}

static int
lg_renameat(struct cairn_vfs *v, int fromdfd, const char *from, int todfd,
    const char *to)
{
	char buf[48];

	log_call(v, "rename", atname(v, todfd, to, buf, sizeof(buf)));
	return LOGV(v)->below->renameat(LOGV(v)->below, fromdfd, from, todfd,
	    to);
}

static int
lg_unlinkat(struct cairn_vfs *v, int dfd, const char *name, int flags)
{
	char buf[48];

	log_call(v, (flags & AT_REMOVEDIR) ? "rmdir" : "unlink",
	    atname(v, dfd, name, buf, sizeof(buf)));
	return LOGV(v)->below->unlinkat(LOGV(v)->below, dfd, name, flags);
}

static int
lg_mkdirat(struct cairn_vfs *v, int dfd, const char *name, mode_t mode)
{
	char buf[48];

	log_call(v, "mkdir", atname(v, dfd, name, buf, sizeof(buf)));
	return LOGV(v)->below->mkdirat(LOGV(v)->below, dfd, name, mode);
}

static int
lg_flock(struct cairn_vfs *v, int fd, int op)
{
	return LOGV(v)->below->flock(LOGV(v)->below, fd, op);
}

static void *
lg_mmap(struct cairn_vfs *v, int fd, size_t len)
{
	return LOGV(v)->below->mmap(LOGV(v)->below, fd, len);
}

static int
lg_munmap(struct cairn_vfs *v, void *addr, size_t len)
{
	return LOGV(v)->below->munmap(LOGV(v)->below, addr, len);
}

/*
 * below must be the real layer: operations this layer does not know (the
 * read-only ones) go to it directly, and it ignores its first argument.
 * A mutating operation it does not know shows as a count that differs
 * from the fault layer's.
 */
static void
logvfs_init(struct logvfs *l, struct cairn_vfs *below)
{
	memset(l, 0, sizeof(*l));
	l->vfs = *below;
	l->vfs.open = lg_open;
	l->vfs.close = lg_close;
	l->vfs.pread = lg_pread;
	l->vfs.pwrite = lg_pwrite;
	l->vfs.fsync = lg_fsync;
	l->vfs.fdatasync = lg_fdatasync;
	l->vfs.ftruncate = lg_ftruncate;
	l->vfs.fstat = lg_fstat;
	l->vfs.rename = lg_rename;
	l->vfs.unlink = lg_unlink;
	l->vfs.mkdir = lg_mkdir;
	l->vfs.rmdir = lg_rmdir;
	l->vfs.flock = lg_flock;
	l->vfs.mmap = lg_mmap;
	l->vfs.munmap = lg_munmap;
	l->vfs.openat = lg_openat;
	l->vfs.renameat = lg_renameat;
	l->vfs.unlinkat = lg_unlinkat;
	l->vfs.mkdirat = lg_mkdirat;
	l->below = below;
}

/* The calls of the operation without faults, as the counting run saw them. */
static struct logvfs op_log;

static int
is_sync(long n)
{
	return n >= 1 && n <= op_log.n && n <= LOG_MAX &&
	    (strcmp(op_log.call[n - 1].kind, "fsync") == 0 ||
	    strcmp(op_log.call[n - 1].kind, "fdatasync") == 0);
}

struct mode {
	const char *name;
	int err;
	int persistent;
};

static const struct mode modes[] = {
	{ "EIO", EIO, 0 },
	{ "EIO+", EIO, 1 },
	{ "ENOSPC", ENOSPC, 0 },
	{ "ENOSPC+", ENOSPC, 1 },
	{ "short", 0, 0 },
	{ "short+", 0, 1 },
};

/* Exit statuses of the child that runs the operation. */
#define ST_OK		10	/* the operation succeeded */
#define ST_FAILED	11	/* it returned an error */
#define ST_NOT_FIRED	2	/* added to either: the fault never fired */
#define ST_SETUP	20	/* could not open */

/*
 * Run op on the case directory through a fault layer failing call
 * fail_at, in a child process so a crash is seen as one.  The child's
 * error message comes back through msg.  Returns the wait status.
 */
static int
run_child(enum op op, long fail_at, const struct mode *m, char *msg,
    size_t msglen)
{
	struct cairn_vfs_fault f;
	const struct cairn_error *err;
	struct cairn_repo *r = NULL;
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	if (pipe(fds) != 0)
		bail_out("pipe: %s", strerror(errno));
	if ((pid = fork()) == -1)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		cairn_vfs_fault_init(&f, cairn_vfs_posix());
		if ((err = cairn_repo_open_vfs(case_dir, 0, &f.vfs, &r))) {
			n = write(fds[1], err->msg, strlen(err->msg));
			_exit(ST_SETUP);
		}
		f.calls = 0;
		f.fail_at = fail_at;
		f.err = m->err;
		f.persistent = m->persistent;
		err = run_op(r, op);
		if (err != NULL)
			n = write(fds[1], err->msg, strlen(err->msg));
		cairn_repo_close(r);
		(void)n;
		_exit((err == NULL ? ST_OK : ST_FAILED) +
		    (f.fired ? 0 : ST_NOT_FIRED));
	}
	close(fds[1]);
	n = read(fds[0], msg, msglen - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			bail_out("waitpid: %s", strerror(errno));
	return status;
}

/*
 * After the operation: a fresh handle on the real layer must open, find
 * every acknowledged object (and the operation's, if it succeeded) intact
 * and never wrong bytes, put and flush, and see it all after a reopen.
 */
static int
check_after(enum op op, int op_ok)
{
	const struct cairn_error *err;
	struct cairn_repo *r = NULL;
	struct model more = { 0 };
	int good = 1;
	char buf[64];
	size_t len;

	if ((err = cairn_repo_open(case_dir, 0, &r)) != NULL) {
		why("reopen: %s", err->msg);
		return 0;
	}
	good &= check_model(r, op_acked(op), 1, "acknowledged before");
	good &= check_model(r, &op_objs[op], op_ok, op_ok ?
	    "acknowledged by the operation" : "of the failed operation");
	if (op == OP_BIG)
		good &= check_model(r, &op_objs[OP_BATCH], op_ok, "small "
		    "objects of the big-object batch");
	len = (size_t)snprintf(buf, sizeof(buf), "after case %08d\n",
	    case_seq);
	model_add(&more, algo, buf, len);
	if ((err = put_all(r, &more)) != NULL) {
		why("put afterwards: %s", err->msg);
		good = 0;
	} else if ((err = cairn_repo_flush(r)) != NULL) {
		why("flush afterwards: %s", err->msg);
		good = 0;
	}
	cairn_repo_close(r);
	if ((err = cairn_repo_open(case_dir, CAIRN_OPEN_READ_ONLY, &r))) {
		why("reopen after the flush: %s", err->msg);
		model_free(&more);
		return 0;
	}
	good &= check_model(r, op_acked(op), 1, "after flush");
	good &= check_model(r, &op_objs[op], op_ok, "after flush");
	good &= check_model(r, &more, good, "after flush");
	cairn_repo_close(r);
	model_free(&more);
	return good;
}

/* Count the operation's mutating calls, without faults. */
static long
count_calls(enum op op)
{
	struct cairn_vfs_fault f;
	const struct cairn_error *err;
	struct cairn_repo *r = NULL;
	struct cairn_repo_stats st = CAIRN_REPO_STATS_INIT;

	new_case(op_pristine(op));
	logvfs_init(&op_log, cairn_vfs_posix());
	cairn_vfs_fault_init(&f, &op_log.vfs);
	if ((err = cairn_repo_open_vfs(case_dir, 0, &f.vfs, &r)) != NULL)
		bail_out("open: %s", err->msg);
	f.calls = 0;
	op_log.n = 0;
	err = run_op(r, op);
	if (!no_error(err, "%s: runs without faults", op_names[op]))
		bail_out("cannot go on");
	if (op == OP_FLUSH) {
		cairn_repo_stats(r, &st);
		is_uint(st.index_segments, 1, "%s: the two segments were "
		    "merged", op_names[op]);
	}
	cairn_repo_close(r);
	why_buf[0] = '\0';
	if (!ok(check_after(op, 1), "%s: intact without faults",
	    op_names[op]))
		diag("  %s", why_buf);
	end_case(1);
	ok(f.calls > 0, "%s: %ld mutating calls", op_names[op], f.calls);
	is_int(op_log.n, f.calls, "%s: the fault layer counts every mutating "
	    "call", op_names[op]);
	{
		char line[4096];
		size_t len = 0;
		long i;

		for (i = 0; i < op_log.n && i < LOG_MAX; i++)
			len += (size_t)snprintf(line + len, len < sizeof(line) ?
			    sizeof(line) - len : 0, "%s%ld %s %s", i ? ", " : "",
			    i + 1, op_log.call[i].kind, op_log.call[i].name);
		diag("%s: %s", op_names[op], line);
	}
	return f.calls;
}

static void
test_op(enum op op)
{
	char msg[600];
	long count, n;
	size_t k;
	int status, code, good, bad, cases, failed, succeeded;

	count = count_calls(op);
	for (k = 0; k < sizeof(modes) / sizeof(modes[0]); k++) {
		bad = cases = failed = succeeded = 0;
		for (n = 1; n <= count; n++) {
			new_case(op_pristine(op));
			why_buf[0] = '\0';
			status = run_child(op, n, &modes[k], msg, sizeof(msg));
			good = 1;
			code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
			if (!WIFEXITED(status)) {
				why("the operation crashed (signal %d)",
				    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
				good = 0;
			} else if (code == ST_SETUP) {
				why("open with the fault layer: %s", msg);
				good = 0;
			} else if (code != ST_OK && code != ST_FAILED) {
				why("the fault at call %ld never fired", n);
				good = 0;
			}
			/* Nothing is acknowledged after a failed sync. */
			if (good && code == ST_OK && is_sync(n)) {
				why("succeeded although %s of %s failed",
				    op_log.call[n - 1].kind,
				    op_log.call[n - 1].name);
				good = 0;
			}
			if (code == ST_OK)
				succeeded++;
			else if (code == ST_FAILED)
				failed++;
			if (good)
				good = check_after(op, code == ST_OK);
			cases++;
			if (!good && bad++ < 3)
				diag("  %s, %s at call %ld (%s): %s",
				    op_names[op], modes[k].name, n,
				    code == ST_OK ? "succeeded" : msg,
				    why_buf);
			end_case(good);
		}
		ok(bad == 0, "%s: %s at each of %ld calls: clean failure or "
		    "success, nothing acknowledged lost (%d failed, %d "
		    "succeeded, %d bad)", op_names[op], modes[k].name, count,
		    failed, succeeded, bad);
	}
}

int
main(void)
{
	int op;

	/* A child's crash is reported by the parent, not by a core file. */
	signal(SIGPIPE, SIG_IGN);
	scratch_base(base_dir, sizeof(base_dir), "t-fault", 0);
	make_pristines();
	for (op = 0; op < NOPS; op++)
		test_op((enum op)op);
	for (op = 0; op < NOPS; op++)
		model_free(&op_objs[op]);
	model_free(&acked);
	model_free(&acked_torn);
	if (tap_state()->failed == 0)
		rm_rf(base_dir);
	else
		diag("scratch kept in %s", base_dir);
	return done_testing();
}
