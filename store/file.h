/*
 * file.h: file helpers over the I/O layer that turn failures into error
 * objects naming the file, and the tmp -> fsync -> rename -> fsync dir
 * idiom for replacing whole files.
 */
#ifndef CAIRN_FILE_H
#define CAIRN_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "vfs.h"

/*
 * Modes of everything cairn creates in a repository.  open() and mkdir()
 * only clear bits of these by the umask, so they hold under any umask
 * (umask 000 included): nothing is ever group- or world-writable.  A
 * stricter umask (077 for a private repository) narrows them further.
 * man/cairn-repository.5 lists the mode of each file.
 */
#define CAIRN_FILE_MODE	0644	/* data, WAL, segments, manifest, config, refs
				   and <ref>.lock (renamed into a ref) */
#define CAIRN_LOCK_MODE	0644	/* lock and gc.lock: empty, only flocked */
#define CAIRN_DIR_MODE	0755	/* the repository, refs/ and its subdirectories */

/*
 * cairn_file_check_owner(dir):
 * Refuse (CAIRN_ERR_READ_ONLY) to write in a repository directory owned
 * by a user other than the effective one, unless the environment variable
 * CAIRN_SAFE_DIRECTORIES names it: a colon-separated list of absolute
 * paths, or "*" for every directory.  The owner of a repository controls
 * its files (a hard link or a planted file where we append, files of ours
 * left behind that the owner can no longer replace); a setting in the
 * environment is one the owner cannot plant.  Root is no exception, as
 * in git (which, unlike cairn, also trusts SUDO_UID's directories under
 * sudo).  A directory that cannot be stat'ed passes: opening it fails
 * with the better message.
 *
 * A repository shared with a group passes for the members of the group:
 * its config says core.sharedRepository = group (or true); the directory
 * is setgid and group-writable, not world-writable; its group is the
 * caller's effective or a supplementary group; and its owner is a member
 * of that group too.  Anyone else is refused as before.
 */
const struct cairn_error *cairn_file_check_owner(const char *dir);

/*
 * cairn_file_share_dir(vfs, dir):
 * Make dir, a directory of the caller's, shared with its group: setgid
 * and group-writable (the group gets rwx), other bits kept.  What is
 * then created in it follows (the real layer's group sharing, vfs.h).
 * CAIRN_ERR_READ_ONLY if dir is another user's; CAIRN_ERR_INVALID if
 * anyone may write it, or its group is not one of the caller's (the
 * system then refuses setgid).
 */
/*
 * cairn_file_keep_dir(vfs, dir):
 * The opposite, for a repository that is not shared: if dir, a directory
 * of the caller's, is setgid and group-writable (made so by a setgid,
 * group-writable parent, or given so), take the group's write bit away,
 * so that nothing created in it is the group's to write (vfs.h).
 */
const struct cairn_error *cairn_file_keep_dir(struct cairn_vfs *vfs,
    const char *dir);

const struct cairn_error *cairn_file_share_dir(struct cairn_vfs *vfs,
    const char *dir);

/*
 * cairn_file_open_error(e, path):
 * The error for an open of path through the I/O layer that failed with
 * errno e.  What the posix layer refuses because path is not a regular
 * file is CAIRN_ERR_CORRUPT: "'<path>' is a symbolic link" (ELOOP),
 * "'<path>' is a directory" (EISDIR), "'<path>' is not a regular file"
 * (ENXIO: a FIFO, socket or device); anything else is CAIRN_ERR_IO
 * "open '<path>': <strerror(e)>" with sys_errno e.
 */
const struct cairn_error *cairn_file_open_error(int e, const char *path);

/* Write all len bytes at off, retrying short writes. */
const struct cairn_error *cairn_file_pwrite(struct cairn_vfs *vfs, int fd,
    const void *buf, size_t len, uint64_t off, const char *path);

/* Read exactly len bytes at off; end of file first is CAIRN_ERR_CORRUPT. */
const struct cairn_error *cairn_file_pread(struct cairn_vfs *vfs, int fd,
    void *buf, size_t len, uint64_t off, const char *path);

/* fsync (data_only: fdatasync) with an error naming path. */
const struct cairn_error *cairn_file_sync(struct cairn_vfs *vfs, int fd,
    int data_only, const char *path);

/* Open and fsync a directory. */
const struct cairn_error *cairn_file_sync_dir(struct cairn_vfs *vfs,
    const char *dir);

/* Close, reporting a failure (a close error can mean lost writes). */
const struct cairn_error *cairn_file_close(struct cairn_vfs *vfs, int fd,
    const char *path);

/* Size of an open file. */
const struct cairn_error *cairn_file_size(struct cairn_vfs *vfs, int fd,
    const char *path, uint64_t *size);

/*
 * Read a whole file of at most max bytes into out (appending).  A missing
 * file is CAIRN_ERR_NOT_FOUND; a larger one CAIRN_ERR_CORRUPT.
 */
const struct cairn_error *cairn_file_slurp(struct cairn_vfs *vfs,
    const char *path, size_t max, struct cairn_buf *out);

/*
 * cairn_file_replace(vfs, tmpdir, path, data, len):
 * Durably replace path with data: write a new file in tmpdir, fsync it,
 * rename it over path, fsync path's directory.  On failure path is
 * untouched and the temporary file removed.
 */
const struct cairn_error *cairn_file_replace(struct cairn_vfs *vfs,
    const char *tmpdir, const char *path, const void *data, size_t len);

/*
 * A new temporary file in tmpdir, opened for writing; its name in path.
 * tmpdir must be a directory itself, not a link to one (ELOOP).
 */
const struct cairn_error *cairn_file_tmp(struct cairn_vfs *vfs,
    const char *tmpdir, struct cairn_buf *path, int *fd);

/*
 * cairn_file_commit_tmp(vfs, fd, tmppath, path):
 * fsync and close fd, rename tmppath to path, fsync path's directory.
 * fd is closed and tmppath removed (on failure) in every case.
 */
const struct cairn_error *cairn_file_commit_tmp(struct cairn_vfs *vfs,
    int fd, const char *tmppath, const char *path);

/* Sequential buffered writer over the I/O layer. */
struct cairn_wbuf {
	struct cairn_vfs *vfs;
	int fd;
	const char *path;
	uint64_t off;		/* file offset of buf[0] */
	size_t len;
	unsigned char buf[1 << 16];
};

void cairn_wbuf_init(struct cairn_wbuf *w, struct cairn_vfs *vfs, int fd,
    const char *path, uint64_t off);
const struct cairn_error *cairn_wbuf_put(struct cairn_wbuf *w,
    const void *data, size_t len);
const struct cairn_error *cairn_wbuf_flush(struct cairn_wbuf *w);

#endif
