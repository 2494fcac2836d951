/*
 * fault.c: the fault layer (see fault.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "fault.h"

#define FAULT(v) ((struct cairn_vfs_fault *)(v))

/* Count a mutating call; nonzero if it must fail (errno set). */
static int
fault_hit(struct cairn_vfs *v)
{
	struct cairn_vfs_fault *f = FAULT(v);

	f->calls++;
	if (f->fail_at == 0 || f->calls < f->fail_at)
		return 0;
	if (f->calls > f->fail_at && !f->persistent)
		return 0;
	f->fired = 1;
	errno = f->err ? f->err : EIO;
	return 1;
}

static int
ft_open(struct cairn_vfs *v, const char *path, int flags, mode_t mode)
{
	if ((flags & (O_CREAT | O_TRUNC)) && fault_hit(v))
		return -1;
	return FAULT(v)->below->open(FAULT(v)->below, path, flags, mode);
}

static int
ft_close(struct cairn_vfs *v, int fd)
{
	return FAULT(v)->below->close(FAULT(v)->below, fd);
}

static ssize_t
ft_pread(struct cairn_vfs *v, int fd, void *buf, size_t n, off_t off)
{
	return FAULT(v)->below->pread(FAULT(v)->below, fd, buf, n, off);
}

static ssize_t
ft_pwrite(struct cairn_vfs *v, int fd, const void *buf, size_t n, off_t off)
{
	struct cairn_vfs_fault *f = FAULT(v);

	if (fault_hit(v)) {
		if (f->err != 0 || n < 2)
			return -1;
		/* A short write: half the bytes reach the file. */
		return f->below->pwrite(f->below, fd, buf, n / 2, off);
	}
	return f->below->pwrite(f->below, fd, buf, n, off);
}

static int
ft_fsync(struct cairn_vfs *v, int fd)
{
	if (fault_hit(v))
		return -1;
	return FAULT(v)->below->fsync(FAULT(v)->below, fd);
}

static int
ft_fdatasync(struct cairn_vfs *v, int fd)
{
	if (fault_hit(v))
		return -1;
	return FAULT(v)->below->fdatasync(FAULT(v)->below, fd);
}

static int
ft_ftruncate(struct cairn_vfs *v, int fd, off_t len)
{
	if (fault_hit(v))
		return -1;
	return FAULT(v)->below->ftruncate(FAULT(v)->below, fd, len);
}

static int
ft_fstat(struct cairn_vfs *v, int fd, struct stat *st)
{
	return FAULT(v)->below->fstat(FAULT(v)->below, fd, st);
}

static int
ft_rename(struct cairn_vfs *v, const char *from, const char *to)
{
	if (fault_hit(v))
		return -1;
	return FAULT(v)->below->rename(FAULT(v)->below, from, to);
}

static int
ft_unlink(struct cairn_vfs *v, const char *path)
{
	if (fault_hit(v))
		return -1;
	return FAULT(v)->below->unlink(FAULT(v)->below, path);
}

static int
ft_mkdir(struct cairn_vfs *v, const char *path, mode_t mode)
{
	if (fault_hit(v))
		return -1;
	return FAULT(v)->below->mkdir(FAULT(v)->below, path, mode);
}

static int
ft_flock(struct cairn_vfs *v, int fd, int op)
{
	return FAULT(v)->below->flock(FAULT(v)->below, fd, op);
}

static void *
ft_mmap(struct cairn_vfs *v, int fd, size_t len)
{
	return FAULT(v)->below->mmap(FAULT(v)->below, fd, len);
}

static int
ft_munmap(struct cairn_vfs *v, void *addr, size_t len)
{
	return FAULT(v)->below->munmap(FAULT(v)->below, addr, len);
}

static int
ft_lstat(struct cairn_vfs *v, const char *path, struct stat *st)
{
	return FAULT(v)->below->lstat(FAULT(v)->below, path, st);
}

static int
ft_rmdir(struct cairn_vfs *v, const char *path)
{
	if (fault_hit(v))
		return -1;
	return FAULT(v)->below->rmdir(FAULT(v)->below, path);
}

static int
ft_openat(struct cairn_vfs *v, int dfd, const char *name, int flags,
    mode_t mode)
{
	if ((flags & (O_CREAT | O_TRUNC)) && fault_hit(v))
		return -1;
	return FAULT(v)->below->openat(FAULT(v)->below, dfd, name, flags,
	    mode);
}

static int
ft_renameat(struct cairn_vfs *v, int fromdfd, const char *from, int todfd,
    const char *to)
{
	if (fault_hit(v))
		return -1;
	return FAULT(v)->below->renameat(FAULT(v)->below, fromdfd, from,
	    todfd, to);
}

static int
ft_unlinkat(struct cairn_vfs *v, int dfd, const char *name, int flags)
{
	if (fault_hit(v))
		return -1;
	return FAULT(v)->below->unlinkat(FAULT(v)->below, dfd, name, flags);
}

static int
ft_mkdirat(struct cairn_vfs *v, int dfd, const char *name, mode_t mode)
{
	if (fault_hit(v))
		return -1;
	return FAULT(v)->below->mkdirat(FAULT(v)->below, dfd, name, mode);
}

static int
ft_fstatat(struct cairn_vfs *v, int dfd, const char *name, struct stat *st)
{
	return FAULT(v)->below->fstatat(FAULT(v)->below, dfd, name, st);
}

void
cairn_vfs_fault_init(struct cairn_vfs_fault *f, struct cairn_vfs *below)
{
	static const struct cairn_vfs ops = {
		2, ft_open, ft_close, ft_pread, ft_pwrite, ft_fsync,
		ft_fdatasync, ft_ftruncate, ft_fstat, ft_rename, ft_unlink,
		ft_mkdir, ft_flock, ft_mmap, ft_munmap, ft_lstat, ft_rmdir,
		ft_openat, ft_renameat, ft_unlinkat, ft_mkdirat, ft_fstatat,
	};

	memset(f, 0, sizeof(*f));
	f->vfs = ops;
	f->below = below;
}
