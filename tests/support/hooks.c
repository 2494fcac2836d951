/*
 * hooks.c: the hooks of the test build of cairn (see hooks.h): the
 * environment read into layers, and the ref-sleep layer.
 */
#include <sys/file.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fault.h"
#include "hooks.h"
#include "rados.h"

#define MAX_LOCKS 64

/* The ref-sleep layer: the fds of ref lock files, and which are held. */
struct ref_sleep {
	struct cairn_vfs vfs;	/* must be first */
	struct cairn_vfs *below;
	long ms;
	pthread_mutex_t mu;
	int fd[MAX_LOCKS];
	int held[MAX_LOCKS];
	size_t n;
	int slept;
};

#define RS(v) ((struct ref_sleep *)(v))
#define BELOW(v) (RS(v)->below)

static int
ends_lock(const char *name)
{
	size_t len = strlen(name);

	return len >= 5 && strcmp(name + len - 5, ".lock") == 0;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Index of fd among the lock files, or -1.  Called with mu held. */
static int
find_lock(struct ref_sleep *r, int fd)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->fd[i] == fd)
			return (int)i;
	return -1;
}

/*
 * Sleep, once, before a call that changes a ref: a pwrite to a held lock
 * (fd != -1), or another call made while any lock is held (fd == -1).
 */
static void
pause_before(struct cairn_vfs *v, int fd)
{
	struct ref_sleep *r = RS(v);
	int i, go = 0;
	size_t j;

	pthread_mutex_lock(&r->mu);
	if (!r->slept) {
		if (fd != -1)
			go = (i = find_lock(r, fd)) != -1 && r->held[i];
		else
			for (j = 0; j < r->n; j++)
				go |= r->held[j];
		r->slept = go;
	}
	pthread_mutex_unlock(&r->mu);
	if (go)
		sleep_ms(r->ms);
}

static int
rs_open(struct cairn_vfs *v, const char *path, int flags, mode_t mode)
{
	return BELOW(v)->open(BELOW(v), path, flags, mode);
}

static int
rs_close(struct cairn_vfs *v, int fd)
{
	struct ref_sleep *r = RS(v);
	int i;

	pthread_mutex_lock(&r->mu);
	if ((i = find_lock(r, fd)) != -1) {
		r->n--;
		r->fd[i] = r->fd[r->n];
		r->held[i] = r->held[r->n];
	}
	pthread_mutex_unlock(&r->mu);
	return BELOW(v)->close(BELOW(v), fd);
}

static ssize_t
rs_pread(struct cairn_vfs *v, int fd, void *buf, size_t n, off_t off)
{
	return BELOW(v)->pread(BELOW(v), fd, buf, n, off);
}

static ssize_t
rs_pwrite(struct cairn_vfs *v, int fd, const void *buf, size_t n, off_t off)
{
	pause_before(v, fd);
	return BELOW(v)->pwrite(BELOW(v), fd, buf, n, off);
}

static int
rs_fsync(struct cairn_vfs *v, int fd)
{
	return BELOW(v)->fsync(BELOW(v), fd);
}

static int
rs_fdatasync(struct cairn_vfs *v, int fd)
{
	return BELOW(v)->fdatasync(BELOW(v), fd);
}

static int
rs_ftruncate(struct cairn_vfs *v, int fd, off_t len)
{
	return BELOW(v)->ftruncate(BELOW(v), fd, len);
}

static int
rs_fstat(struct cairn_vfs *v, int fd, struct stat *st)
{
	return BELOW(v)->fstat(BELOW(v), fd, st);
}

static int
rs_rename(struct cairn_vfs *v, const char *from, const char *to)
{
	return BELOW(v)->rename(BELOW(v), from, to);
}

static int
rs_unlink(struct cairn_vfs *v, const char *path)
{
	return BELOW(v)->unlink(BELOW(v), path);
}

static int
rs_mkdir(struct cairn_vfs *v, const char *path, mode_t mode)
{
	return BELOW(v)->mkdir(BELOW(v), path, mode);
}

static int
rs_flock(struct cairn_vfs *v, int fd, int op)
{
	struct ref_sleep *r = RS(v);
	int i, ret = BELOW(v)->flock(BELOW(v), fd, op);

	if (ret == 0 && (op & LOCK_EX)) {
		pthread_mutex_lock(&r->mu);
		if ((i = find_lock(r, fd)) != -1)
			r->held[i] = 1;
		pthread_mutex_unlock(&r->mu);
	}
	return ret;
}

static void *
rs_mmap(struct cairn_vfs *v, int fd, size_t len)
{
	return BELOW(v)->mmap(BELOW(v), fd, len);
}

static int
rs_munmap(struct cairn_vfs *v, void *addr, size_t len)
{
	return BELOW(v)->munmap(BELOW(v), addr, len);
}

static int
rs_lstat(struct cairn_vfs *v, const char *path, struct stat *st)
{
	return BELOW(v)->lstat(BELOW(v), path, st);
}

static int
rs_rmdir(struct cairn_vfs *v, const char *path)
{
	return BELOW(v)->rmdir(BELOW(v), path);
}

static int
rs_openat(struct cairn_vfs *v, int dfd, const char *name, int flags,
    mode_t mode)
{
	struct ref_sleep *r = RS(v);
	int fd = BELOW(v)->openat(BELOW(v), dfd, name, flags, mode);

	if (fd != -1 && (flags & O_ACCMODE) == O_RDWR && ends_lock(name)) {
		pthread_mutex_lock(&r->mu);
		if (r->n < MAX_LOCKS) {
			r->fd[r->n] = fd;
			r->held[r->n++] = 0;
		}
		pthread_mutex_unlock(&r->mu);
	}
	return fd;
}

static int
rs_renameat(struct cairn_vfs *v, int fromdfd, const char *from, int todfd,
    const char *to)
{
	return BELOW(v)->renameat(BELOW(v), fromdfd, from, todfd, to);
}

static int
rs_unlinkat(struct cairn_vfs *v, int dfd, const char *name, int flags)
{
	if (flags == 0 && !ends_lock(name))
		pause_before(v, -1);
	return BELOW(v)->unlinkat(BELOW(v), dfd, name, flags);
}

static int
rs_mkdirat(struct cairn_vfs *v, int dfd, const char *name, mode_t mode)
{
	return BELOW(v)->mkdirat(BELOW(v), dfd, name, mode);
}

static int
rs_fstatat(struct cairn_vfs *v, int dfd, const char *name, struct stat *st)
{
	return BELOW(v)->fstatat(BELOW(v), dfd, name, st);
}

struct cairn_vfs *
cairn_test_ref_sleep(struct cairn_vfs *below, long ms)
{
	static const struct cairn_vfs ops = {
		2, rs_open, rs_close, rs_pread, rs_pwrite, rs_fsync,
		rs_fdatasync, rs_ftruncate, rs_fstat, rs_rename, rs_unlink,
		rs_mkdir, rs_flock, rs_mmap, rs_munmap, rs_lstat, rs_rmdir,
		rs_openat, rs_renameat, rs_unlinkat, rs_mkdirat, rs_fstatat,
	};
	struct ref_sleep *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->vfs = ops;
	r->below = below;
	r->ms = ms;
	pthread_mutex_init(&r->mu, NULL);
	return &r->vfs;
}

/* The fault layer CAIRN_TEST_FAULT asks for, over below; else below. */
static struct cairn_vfs *
fault_from_env(struct cairn_vfs *below)
{
	static struct cairn_vfs_fault f;
	const char *s = getenv("CAIRN_TEST_FAULT");
	char *end;
	long n;

	if (s == NULL || (n = strtol(s, &end, 10)) <= 0)
		return below;
	cairn_vfs_fault_init(&f, below);
	if (*end == '+') {
		f.persistent = 1;
		end++;
	}
	if (strcmp(end, ":ENOSPC") == 0)
		f.err = ENOSPC;
	else if (strcmp(end, ":short") == 0)
		f.err = 0;
	else if (strcmp(end, ":EIO") == 0)
		f.err = EIO;
	else
		return below;
	f.fail_at = n;
	return &f.vfs;
}

void
cairn_test_hooks_install(void)
{
	struct cairn_vfs *v = fault_from_env(cairn_vfs_posix()), *top;
	const char *s = getenv("CAIRN_TEST_REF_SLEEP");

	if (s != NULL && atoi(s) > 0 &&
	    (top = cairn_test_ref_sleep(v, atoi(s))) != NULL)
		v = top;
	if (v != cairn_vfs_posix())
		cairn_vfs_set_default(v);
	s = getenv("CAIRN_TEST_RADOS_FAULT");
	if (s != NULL && strcmp(s, "cas") == 0)
		cairn_rados_fault_cas(1);
}
