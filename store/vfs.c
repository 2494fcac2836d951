/*
 * vfs.c: the real I/O layer, and the default layer of the process.  The
 * layers that tests put in its place live under tests/support/.
 */
#include <sys/file.h>
#include <sys/mman.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
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
 * Group sharing (core.sharedRepository = group, cairn-repository(5)).
 * A directory that is setgid and group-writable is one its group writes
 * in together: what is created in it gets for the group the bits its
 * owner has, and a directory becomes setgid too, whatever the umask, so
 * that every member can read, lock, append to and replace it and its
 * group stays the directory's.  The policy follows the directory, as
 * the group a new file gets does, so every writer (init, gc, fsck
 * --repair, a ref update) keeps it with no setting to pass along; and
 * it gives the group nothing new: in a directory the group may write,
 * a member can already replace any file.  Only a file of our own is
 * changed (another member's was made so by them), and only ever by
 * adding bits.  A file renamed into place keeps the mode of the
 * temporary it was, so the moment of creation is the only one.
 */

/* Nonzero if st, a directory, shares what is made in it by group. */
static int
px_shares(const struct stat *st)
{
	return S_ISDIR(st->st_mode) &&
	    (st->st_mode & (S_ISGID | S_IWGRP)) == (S_ISGID | S_IWGRP);
}

/* Nonzero if the directory that holds path shares by group. */
static int
px_parent_shares(const char *path)
{
	char dir[PATH_MAX];
	struct stat st;
	size_t len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	while (len > 0 && path[len - 1] != '/')
		len--;
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= sizeof(dir))
		return 0;	/* longer than any path open took */
	if (len == 0)
		strcpy(dir, ".");
	else {
		memcpy(dir, path, len);
		dir[len] = '\0';
	}
	return stat(dir, &st) == 0 && px_shares(&st);
}

/* Give fd's file, if it is ours, the group's bits of the policy. */
static int
px_share_fd(int fd)
{
	struct stat st;
	mode_t mode;

	if (fstat(fd, &st) != 0)
		return -1;
	if (st.st_uid != geteuid())
		return 0;
	mode = (st.st_mode & 07777) | (st.st_mode & S_IRWXU) >> 3;
	if (S_ISDIR(st.st_mode))
		mode |= S_ISGID;
	if (mode == (st.st_mode & 07777))
		return 0;
	return fchmod(fd, mode);
}

/*
 * After open or openat with O_CREAT: fd, under the policy if shares.
 * On failure fd is closed and a file that O_EXCL proves we made is
 * removed again (name relative to dfd, or a path when dfd is -1), so
 * that no file without the group's bits is left for a retry to find.
 */
static int
px_created(int fd, int shares, int flags, int dfd, const char *name)
{
	int e;

	if (fd == -1 || !shares || px_share_fd(fd) == 0)
		return fd;
	e = errno;
	close(fd);
	if (flags & O_EXCL)
		(void)(dfd == -1 ? unlink(name) : unlinkat(dfd, name, 0));
	errno = e;
	return -1;
}

/*
 * After mkdir or mkdirat made name (relative to dfd, or a path when dfd
 * is AT_FDCWD): the policy, reached through a descriptor so no link put
 * in its place is followed.  On failure the directory is removed again.
 */
static int
px_made_dir(int dfd, const char *name)
{
	int fd, r, e;

	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		r = -1;
	else {
		r = px_share_fd(fd);
		e = errno;
		close(fd);
		errno = e;
	}
	if (r != 0) {
		e = errno;
		(void)unlinkat(dfd, name, AT_REMOVEDIR);
		errno = e;
	}
	return r;
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
	fd = px_opened(fd, want_dir);
	if (fd == -1 || !(flags & O_CREAT))
		return fd;
	return px_created(fd, px_parent_shares(path), flags, -1, path);
}

/* As px_open, relative to dfd, and never through a link. */
static int
px_openat(struct cairn_vfs *v, int dfd, const char *name, int flags,
    mode_t mode)
{
	struct stat st;
	int fd, want_dir = (flags & O_DIRECTORY) != 0;

	(void)v;
	flags |= O_NOFOLLOW;
	if (!want_dir)
		flags |= O_NONBLOCK;
	do
		fd = openat(dfd, name, flags | O_CLOEXEC, mode);
	while (fd == -1 && errno == EINTR);
	fd = px_opened(fd, want_dir);
	if (fd == -1 || !(flags & O_CREAT))
		return fd;
	return px_created(fd, fstat(dfd, &st) == 0 && px_shares(&st), flags,
	    dfd, name);
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
	if (mkdir(path, mode) != 0)
		return -1;
	return px_parent_shares(path) ? px_made_dir(AT_FDCWD, path) : 0;
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
	struct stat st;

	(void)v;
	if (mkdirat(dfd, name, mode) != 0)
		return -1;
	if (fstat(dfd, &st) != 0 || !px_shares(&st))
		return 0;
	return px_made_dir(dfd, name);
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
