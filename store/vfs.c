/*
 * vfs.c: the real I/O layer, and the default layer of the process.  The
 * layers that tests put in its place live under tests/support/.
 */
#include <sys/file.h>
#include <sys/mman.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "vfs.h"

/*
 * Check what open(2) or openat(2) gave: a directory if one was asked
 * for, else a regular file, made blocking again.  Closes fd on failure.
 */
static int
px_opened(int fd, int want_dir)
{
	struct stat st;
	int fl, e = 0;

	if (fd == -1)
		return -1;
	if (fstat(fd, &st) != 0)
		e = errno;
	else if (want_dir)
		e = S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	else if (!S_ISREG(st.st_mode))
		e = S_ISDIR(st.st_mode) ? EISDIR : ENXIO;
	else if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		e = errno;
	if (e != 0) {
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * Open path; nothing blocks and nothing is followed.  A file (no
 * O_DIRECTORY) is opened with O_NOFOLLOW (a symbolic link fails with
 * ELOOP) and O_NONBLOCK (a FIFO opens at once instead of waiting for a
 * writer), then must be a regular file: a directory fails with EISDIR,
 * any other type (FIFO, socket, device) with ENXIO; O_NONBLOCK is then
 * cleared.  A directory (O_DIRECTORY) may be reached through a link (the
 * repository's own path may hold one) and must be a directory.  Every
 * descriptor is close-on-exec.
 */
static int
px_open(struct cairn_vfs *v, const char *path, int flags, mode_t mode)
{
	int fd, want_dir = (flags & O_DIRECTORY) != 0;

	(void)v;
	if (!want_dir)
		flags |= O_NOFOLLOW | O_NONBLOCK;
	do
		fd = open(path, flags | O_CLOEXEC, mode);
	while (fd == -1 && errno == EINTR);
	return px_opened(fd, want_dir);
}

/* As px_open, relative to dfd, and never through a link. */
static int
px_openat(struct cairn_vfs *v, int dfd, const char *name, int flags,
    mode_t mode)
{
	int fd, want_dir = (flags & O_DIRECTORY) != 0;

	(void)v;
	flags |= O_NOFOLLOW;
	if (!want_dir)
		flags |= O_NONBLOCK;
	do
		fd = openat(dfd, name, flags | O_CLOEXEC, mode);
	while (fd == -1 && errno == EINTR);
	return px_opened(fd, want_dir);
}

static int
px_close(struct cairn_vfs *v, int fd)
{
	(void)v;
	return close(fd);
}

static ssize_t
px_pread(struct cairn_vfs *v, int fd, void *buf, size_t n, off_t off)
{
	ssize_t r;

	(void)v;
	do
		r = pread(fd, buf, n, off);
	while (r == -1 && errno == EINTR);
	return r;
}

static ssize_t
px_pwrite(struct cairn_vfs *v, int fd, const void *buf, size_t n, off_t off)
{
	ssize_t r;

	(void)v;
	do
		r = pwrite(fd, buf, n, off);
	while (r == -1 && errno == EINTR);
	return r;
}

static int
px_fsync(struct cairn_vfs *v, int fd)
{
	(void)v;
	return fsync(fd);
}

static int
px_fdatasync(struct cairn_vfs *v, int fd)
{
	(void)v;
	return fdatasync(fd);
}

static int
px_ftruncate(struct cairn_vfs *v, int fd, off_t len)
{
	(void)v;
	return ftruncate(fd, len);
}

static int
px_fstat(struct cairn_vfs *v, int fd, struct stat *st)
{
	(void)v;
	return fstat(fd, st);
}

static int
px_rename(struct cairn_vfs *v, const char *from, const char *to)
{
	(void)v;
	return rename(from, to);
}

static int
px_unlink(struct cairn_vfs *v, const char *path)
{
	(void)v;
	return unlink(path);
}

static int
px_mkdir(struct cairn_vfs *v, const char *path, mode_t mode)
{
	(void)v;
	return mkdir(path, mode);
}

static int
px_flock(struct cairn_vfs *v, int fd, int op)
{
	int r;

	(void)v;
	do
		r = flock(fd, op);
	while (r == -1 && errno == EINTR);
	return r;
}

static void *
px_mmap(struct cairn_vfs *v, int fd, size_t len)
{
	void *p;

	(void)v;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

static int
px_munmap(struct cairn_vfs *v, void *addr, size_t len)
{
	(void)v;
	return munmap(addr, len);
}

static int
px_lstat(struct cairn_vfs *v, const char *path, struct stat *st)
{
	(void)v;
	return lstat(path, st);
}

static int
px_rmdir(struct cairn_vfs *v, const char *path)
{
	(void)v;
	return rmdir(path);
}

static int
px_renameat(struct cairn_vfs *v, int fromdfd, const char *from, int todfd,
    const char *to)
{
	(void)v;
	return renameat(fromdfd, from, todfd, to);
}

static int
px_unlinkat(struct cairn_vfs *v, int dfd, const char *name, int flags)
{
	(void)v;
	return unlinkat(dfd, name, flags);
}

static int
px_mkdirat(struct cairn_vfs *v, int dfd, const char *name, mode_t mode)
{
	(void)v;
	return mkdirat(dfd, name, mode);
}

static int
px_fstatat(struct cairn_vfs *v, int dfd, const char *name, struct stat *st)
{
	(void)v;
	return fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW);
}

static struct cairn_vfs posix_vfs = {
	2, px_open, px_close, px_pread, px_pwrite, px_fsync, px_fdatasync,
	px_ftruncate, px_fstat, px_rename, px_unlink, px_mkdir, px_flock,
	px_mmap, px_munmap, px_lstat, px_rmdir, px_openat, px_renameat,
	px_unlinkat, px_mkdirat, px_fstatat,
};

struct cairn_vfs *
cairn_vfs_posix(void)
{
	return &posix_vfs;
}

/* The default layer; NULL stands for the real one. */
static _Atomic(struct cairn_vfs *) default_vfs;

struct cairn_vfs *
cairn_vfs_default(void)
{
	struct cairn_vfs *v = atomic_load(&default_vfs);

	return v != NULL ? v : &posix_vfs;
}

void
cairn_vfs_set_default(struct cairn_vfs *vfs)
{
	atomic_store(&default_vfs, vfs);
}
