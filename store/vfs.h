/*
 * vfs.h: the I/O layer.  Every file system call of the disk backend goes
 * through a struct cairn_vfs, so tests can swap in layers that fail calls
 * or simulate power loss (tests/support/: the fault and crash layers).
 *
 * The functions keep POSIX conventions (-1 and errno) so a layer can pass
 * a call through unchanged; store/ turns failures into error objects that
 * name the file.
 */
#ifndef CAIRN_VFS_H
#define CAIRN_VFS_H

#include <sys/types.h>
#include <sys/stat.h>
#include <stddef.h>

struct cairn_vfs {
	int version;		/* 2 */
	int (*open)(struct cairn_vfs *, const char *path, int flags,
	    mode_t mode);
	int (*close)(struct cairn_vfs *, int fd);
	ssize_t (*pread)(struct cairn_vfs *, int fd, void *buf, size_t n,
	    off_t off);
	ssize_t (*pwrite)(struct cairn_vfs *, int fd, const void *buf,
	    size_t n, off_t off);
	int (*fsync)(struct cairn_vfs *, int fd);
	int (*fdatasync)(struct cairn_vfs *, int fd);
	int (*ftruncate)(struct cairn_vfs *, int fd, off_t len);
	int (*fstat)(struct cairn_vfs *, int fd, struct stat *st);
	int (*rename)(struct cairn_vfs *, const char *from, const char *to);
	int (*unlink)(struct cairn_vfs *, const char *path);
	int (*mkdir)(struct cairn_vfs *, const char *path, mode_t mode);
	int (*flock)(struct cairn_vfs *, int fd, int op);
	void *(*mmap)(struct cairn_vfs *, int fd, size_t len);	/* NULL on failure */
	int (*munmap)(struct cairn_vfs *, void *addr, size_t len);
	int (*lstat)(struct cairn_vfs *, const char *path, struct stat *st);
	int (*rmdir)(struct cairn_vfs *, const char *path);
	/*
	 * Version 2: calls relative to an open directory, for a hierarchy
	 * whose names the user picks (refs/): each component is opened
	 * from the one above, so no link anywhere on the way is followed,
	 * even one put there after a check.  openat never follows a link,
	 * with or without O_DIRECTORY; otherwise it keeps open's rules.
	 * unlinkat takes 0 or AT_REMOVEDIR; fstatat never follows a link.
	 */
	int (*openat)(struct cairn_vfs *, int dfd, const char *name,
	    int flags, mode_t mode);
	int (*renameat)(struct cairn_vfs *, int fromdfd, const char *from,
	    int todfd, const char *to);
	int (*unlinkat)(struct cairn_vfs *, int dfd, const char *name,
	    int flags);
	int (*mkdirat)(struct cairn_vfs *, int dfd, const char *name,
	    mode_t mode);
	int (*fstatat)(struct cairn_vfs *, int dfd, const char *name,
	    struct stat *st);
};

/*
 * The real layer: plain POSIX calls, except that open never follows a
 * link and never blocks.  Without O_DIRECTORY it adds O_NOFOLLOW and
 * opens only a regular file: a symbolic link fails with ELOOP, a
 * directory with EISDIR, anything else (FIFO, socket, device) with ENXIO
 * (a FIFO is opened O_NONBLOCK for the check, so that open returns at
 * once).  With O_DIRECTORY the path must be a directory (it may be
 * reached through a link: the repository's own path may hold one).
 * Every descriptor is close-on-exec.  cairn_file_open_error (file.h)
 * names these failures.
 *
 * Group sharing: a file or directory that open, openat (with O_CREAT),
 * mkdir or mkdirat makes in a directory that is setgid and group-
 * writable gets, whatever the umask, for its group the permission bits
 * its owner has, and a directory is made setgid; if that fails, the call
 * fails (and removes what it made, a directory or an O_EXCL file).  So
 * a repository made shared by init (core.sharedRepository = group) stays
 * shared whatever writes in it.
 */
struct cairn_vfs *cairn_vfs_posix(void);

/*
 * cairn_vfs_default():
 * The layer a repository opened by path (cairn_repo_open, cairn_repo_init,
 * fsck) goes through: the real layer, unless cairn_vfs_set_default put
 * another in its place.  Read atomically, once per open: a repository
 * keeps the layer it was opened with.
 *
 * cairn_vfs_set_default(vfs):
 * Make vfs the default (NULL: the real layer again).  Only test programs
 * call it, before they open anything; vfs must outlive every repository
 * opened through it.  Neither function is part of the public API.
 */
struct cairn_vfs *cairn_vfs_default(void);
void cairn_vfs_set_default(struct cairn_vfs *vfs);

#endif
