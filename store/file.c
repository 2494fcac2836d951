/*
 * file.c: error-reporting file helpers over the I/O layer.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "file.h"

const struct cairn_error *
cairn_file_pwrite(struct cairn_vfs *vfs, int fd, const void *buf, size_t len,
    uint64_t off, const char *path)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = vfs->pwrite(vfs, fd, p, len, (off_t)off);
		if (n < 0)
			return cairn_error_sys(errno, "write '%s'", path);
		if (n == 0)
			return cairn_error_sys(EIO, "write '%s'", path);
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return NULL;
}

const struct cairn_error *
cairn_file_pread(struct cairn_vfs *vfs, int fd, void *buf, size_t len,
    uint64_t off, const char *path)
{
	unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = vfs->pread(vfs, fd, p, len, (off_t)off);
		if (n < 0)
			return cairn_error_sys(errno, "read '%s'", path);
		if (n == 0)
			return cairn_error_new(CAIRN_ERR_CORRUPT,
			    "'%s' is truncated at offset %llu", path,
			    (unsigned long long)off);
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return NULL;
}

const struct cairn_error *
cairn_file_open_error(int e, const char *path)
{
	switch (e) {
	case ELOOP:
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s' is a symbolic link", path);
	case EISDIR:
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s' is a directory", path);
	case ENXIO:
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s' is not a regular file", path);
	}
	return cairn_error_sys(e, "open '%s'", path);
}

const struct cairn_error *
cairn_file_sync(struct cairn_vfs *vfs, int fd, int data_only, const char *path)
{
	int r = data_only ? vfs->fdatasync(vfs, fd) : vfs->fsync(vfs, fd);

	if (r != 0)
		return cairn_error_sys(errno, "sync '%s'", path);
	return NULL;
}

const struct cairn_error *
cairn_file_sync_dir(struct cairn_vfs *vfs, const char *dir)
{
	const struct cairn_error *err = NULL;
	int fd;

	fd = vfs->open(vfs, dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd == -1)
		return cairn_error_sys(errno, "open directory '%s'", dir);
	if (vfs->fsync(vfs, fd) != 0)
		err = cairn_error_sys(errno, "sync directory '%s'", dir);
	vfs->close(vfs, fd);
	return err;
}

const struct cairn_error *
cairn_file_close(struct cairn_vfs *vfs, int fd, const char *path)
{
	if (vfs->close(vfs, fd) != 0)
		return cairn_error_sys(errno, "close '%s'", path);
	return NULL;
}

const struct cairn_error *
cairn_file_size(struct cairn_vfs *vfs, int fd, const char *path,
    uint64_t *size)
{
	struct stat st;

	if (vfs->fstat(vfs, fd, &st) != 0)
		return cairn_error_sys(errno, "stat '%s'", path);
	*size = (uint64_t)st.st_size;
	return NULL;
}

const struct cairn_error *
cairn_file_slurp(struct cairn_vfs *vfs, const char *path, size_t max,
    struct cairn_buf *out)
{
	const struct cairn_error *err;
	uint64_t size;
	int fd;

	fd = vfs->open(vfs, path, O_RDONLY, 0);
	if (fd == -1) {
		if (errno == ENOENT)
			return cairn_error_new(CAIRN_ERR_NOT_FOUND,
			    "'%s' does not exist", path);
		return cairn_file_open_error(errno, path);
	}
	err = cairn_file_size(vfs, fd, path, &size);
	if (err == NULL && size > max)
		err = cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s' is too large (%llu bytes)", path,
		    (unsigned long long)size);
	if (err == NULL)
		err = cairn_buf_grow(out, (size_t)size + 1);
	if (err == NULL)
		err = cairn_file_pread(vfs, fd, out->data + out->len,
		    (size_t)size, 0, path);
	if (err == NULL) {
		out->len += (size_t)size;
		out->data[out->len] = '\0';
	}
	vfs->close(vfs, fd);
	return err;
}

const struct cairn_error *
cairn_file_tmp(struct cairn_vfs *vfs, const char *tmpdir,
    struct cairn_buf *path, int *fd)
{
	static _Thread_local unsigned long seq;
	const struct cairn_error *err = NULL;
	struct timespec ts;
	int tries, dfd, e = EEXIST;

	/*
	 * The file is made relative to tmpdir opened without following a
	 * link: a tmp/ replaced by a link to elsewhere is refused (ELOOP),
	 * never written through.
	 */
	*fd = -1;
	dfd = vfs->open(vfs, tmpdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (dfd == -1)
		return cairn_error_sys(errno, "create temporary file in '%s'",
		    tmpdir);
	for (tries = 0; tries < 100 && err == NULL && *fd == -1; tries++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		cairn_buf_reset(path);
		err = cairn_buf_printf(path, "%s/tmp-%ld-%lu-%ld", tmpdir,
		    (long)getpid(), ++seq, (long)ts.tv_nsec);
		if (err != NULL)
			break;
		*fd = vfs->openat(vfs, dfd, strrchr((char *)path->data, '/') +
		    1, O_RDWR | O_CREAT | O_EXCL, CAIRN_FILE_MODE);
		if (*fd == -1 && (e = errno) != EEXIST)
			break;
	}
	vfs->close(vfs, dfd);
	if (err == NULL && *fd == -1)
		err = cairn_error_sys(e, "create temporary file in '%s'",
		    tmpdir);
	return err;
}

/* The directory part of path ("." if none), into out. */
static const struct cairn_error *
dir_of(struct cairn_buf *out, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return cairn_buf_append(out, ".", 2);
	if (slash == path)
		return cairn_buf_append(out, "/", 2);
	if (cairn_buf_append(out, path, (size_t)(slash - path)) != NULL)
		return cairn_error_nomem();
	return cairn_buf_append(out, "", 1);
}

const struct cairn_error *
cairn_file_commit_tmp(struct cairn_vfs *vfs, int fd, const char *tmppath,
    const char *path)
{
	const struct cairn_error *err, *cerr;
	struct cairn_buf dir = { 0 };

	err = cairn_file_sync(vfs, fd, 0, tmppath);
	cerr = cairn_file_close(vfs, fd, tmppath);
	if (err == NULL)
		err = cerr;
	if (err == NULL && vfs->rename(vfs, tmppath, path) != 0)
		err = cairn_error_sys(errno, "rename '%s' to '%s'", tmppath,
		    path);
	if (err != NULL) {
		vfs->unlink(vfs, tmppath);
		return err;
	}
	err = dir_of(&dir, path);
	if (err == NULL)
		err = cairn_file_sync_dir(vfs, (char *)dir.data);
	cairn_buf_release(&dir);
	return err;
}

const struct cairn_error *
cairn_file_replace(struct cairn_vfs *vfs, const char *tmpdir,
    const char *path, const void *data, size_t len)
{
	const struct cairn_error *err;
	struct cairn_buf tmp = { 0 };
	int fd;

	err = cairn_file_tmp(vfs, tmpdir, &tmp, &fd);
	if (err != NULL)
		goto done;
	err = cairn_file_pwrite(vfs, fd, data, len, 0, (char *)tmp.data);
	if (err != NULL) {
		vfs->close(vfs, fd);
		vfs->unlink(vfs, (char *)tmp.data);
		goto done;
	}
	err = cairn_file_commit_tmp(vfs, fd, (char *)tmp.data, path);
done:
	cairn_buf_release(&tmp);
	return err;
}

void
cairn_wbuf_init(struct cairn_wbuf *w, struct cairn_vfs *vfs, int fd,
    const char *path, uint64_t off)
{
	w->vfs = vfs;
	w->fd = fd;
	w->path = path;
	w->off = off;
	w->len = 0;
}

const struct cairn_error *
cairn_wbuf_flush(struct cairn_wbuf *w)
{
	const struct cairn_error *err;

	if (w->len == 0)
		return NULL;
	err = cairn_file_pwrite(w->vfs, w->fd, w->buf, w->len, w->off,
	    w->path);
	w->off += w->len;
	w->len = 0;
	return err;
}

const struct cairn_error *
cairn_wbuf_put(struct cairn_wbuf *w, const void *data, size_t len)
{
	const struct cairn_error *err;
	const unsigned char *p = data;
	size_t n;

	while (len > 0) {
		if (w->len == sizeof(w->buf) &&
		    (err = cairn_wbuf_flush(w)) != NULL)
			return err;
		n = sizeof(w->buf) - w->len;
		if (n > len)
			n = len;
		memcpy(w->buf + w->len, p, n);
		w->len += n;
		p += n;
		len -= n;
	}
	return NULL;
}

/* Ownership. */

/*
 * Nonzero if the list (CAIRN_SAFE_DIRECTORIES) names the directory real,
 * a canonical path.  Entries are compared canonicalized too, so a link
 * or a trailing slash in either does not matter; relative and empty
 * entries are ignored (they would depend on the current directory).
 */
static int
listed_safe(const char *list, const char *real)
{
	char entry[PATH_MAX], canon[PATH_MAX];
	const char *p = list, *end;
	size_t len;

	for (; *p != '\0'; p = *end ? end + 1 : end) {
		if ((end = strchr(p, ':')) == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len == 1 && *p == '*')
			return 1;
		if (len == 0 || *p != '/' || len >= sizeof(entry))
			continue;
		memcpy(entry, p, len);
		entry[len] = '\0';
		if (realpath(entry, canon) != NULL && strcmp(canon, real) == 0)
			return 1;
	}
	return 0;
}

/* Nonzero if gid is the effective group or a supplementary one. */
static int
in_my_groups(gid_t gid)
{
	gid_t *list;
	int n, i, found = getegid() == gid;

	if (found || (n = getgroups(0, NULL)) <= 0)
		return found;
	if ((list = calloc((size_t)n, sizeof(*list))) == NULL)
		return 0;
	if ((n = getgroups(n, list)) > 0)
		for (i = 0; i < n && !found; i++)
			found = list[i] == gid;
	free(list);
	return found;
}

/*
 * One lookup for owner_in_group, in buf of 2 * half bytes: 0 (*member
 * set if uid is in gid) or the error, ERANGE when buf is too small.
 */
static int
member_try(uid_t uid, gid_t gid, char *buf, size_t half, int *member)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	size_t i;
	int e;

	if ((e = getpwuid_r(uid, &pw, buf, half, &pwp)) != 0 || pwp == NULL)
		return e;
	if (pw.pw_gid == gid) {
		*member = 1;
		return 0;
	}
	if ((e = getgrgid_r(gid, &gr, buf + half, half, &grp)) != 0 ||
	    grp == NULL)
		return e;
	for (i = 0; gr.gr_mem[i] != NULL; i++)
		if (strcmp(gr.gr_mem[i], pw.pw_name) == 0)
			*member = 1;
	return 0;
}

/*
 * Nonzero if the user uid is a member of the group gid: it is the
 * user's primary group, or the group database lists the user.  A
 * failed lookup is a no.
 */
static int
owner_in_group(uid_t uid, gid_t gid)
{
	char *buf = NULL, *grown;
	size_t size;
	int member = 0;

	for (size = 16384; size <= ((size_t)1 << 24); size *= 2) {
		if ((grown = realloc(buf, size)) == NULL ||
		    member_try(uid, gid, grown, size / 2, &member) != ERANGE) {
			buf = grown != NULL ? grown : buf;
			break;
		}
		buf = grown;
	}
	free(buf);
	return member;
}

/* Nonzero if dir's config says core.sharedRepository = group. */
static int
config_shares(const char *dir)
{
	struct cairn_buf path = { 0 }, text = { 0 };
	struct cairn_config cfg;
	const char *v;
	int shared = 0;

	if (cairn_buf_printf(&path, "%s/config", dir) == NULL &&
	    cairn_file_slurp(cairn_vfs_posix(), (char *)path.data,
	    CAIRN_CONFIG_MAX, &text) == NULL &&
	    cairn_config_parse_buf(&cfg, text.data ? (char *)text.data : "",
	    text.len, (char *)path.data) == NULL) {
		v = cairn_config_get(&cfg, "core.sharedRepository");
		shared = v != NULL && (strcasecmp(v, "group") == 0 ||
		    strcasecmp(v, "true") == 0);
		cairn_config_release(&cfg);
	}
	cairn_buf_release(&path);
	cairn_buf_release(&text);
	return shared;
}

/*
 * Nonzero if we may write dir, st, another user's repository, as a
 * member of the group it is shared with.  The ownership check exists
 * so that nobody is led to write where a stranger controls the files;
 * a shared repository is one whose owner handed it to the group, so
 * all of these must hold: its config says so; the directory is setgid
 * and group-writable, and not world-writable (anyone could plant files
 * there); its group is one of ours; and its owner is in that group too
 * (a stranger cannot make a directory of the group by creating it in a
 * setgid directory of the group's that anyone may write).
 */
static int
group_writer(const char *dir, const struct stat *st)
{
	if (!S_ISDIR(st->st_mode) ||
	    (st->st_mode & (S_ISGID | S_IWGRP | S_IWOTH)) !=
	    (S_ISGID | S_IWGRP))
		return 0;
	return in_my_groups(st->st_gid) && owner_in_group(st->st_uid,
	    st->st_gid) && config_shares(dir);
}

const struct cairn_error *
cairn_file_check_owner(const char *dir)
{
	const char *list = getenv("CAIRN_SAFE_DIRECTORIES");
	char real[PATH_MAX];
	struct stat st;
	uid_t me = geteuid();

	if (stat(dir, &st) != 0 || st.st_uid == me)
		return NULL;
	if (realpath(dir, real) == NULL)
		return NULL;
	if (list != NULL && listed_safe(list, real))
		return NULL;
	if (group_writer(real, &st))
		return NULL;
	return cairn_error_new(CAIRN_ERR_READ_ONLY, "refusing to write to "
	    "repository '%s' owned by uid %lu (you are uid %lu); to allow it, "
	    "add it to CAIRN_SAFE_DIRECTORIES", real, (unsigned long)st.st_uid,
	    (unsigned long)me);
}

/* Make fd (st), a directory of ours, setgid and group-writable. */
static const struct cairn_error *
share_fd(int fd, const struct stat *st, const char *dir)
{
	mode_t mode = (st->st_mode & 07777) | S_ISGID | S_IRWXG;

	if (st->st_uid != geteuid())
		return cairn_error_new(CAIRN_ERR_READ_ONLY, "cannot share '%s': "
		    "owned by uid %lu (you are uid %lu)", dir,
		    (unsigned long)st->st_uid, (unsigned long)geteuid());
	if (st->st_mode & S_IWOTH)
		return cairn_error_new(CAIRN_ERR_INVALID, "cannot share '%s' "
		    "with its group: anyone may write it", dir);
	/* (Without privilege, the system would drop setgid anyway.) */
	if (geteuid() != 0 && !in_my_groups(st->st_gid))
		return cairn_error_new(CAIRN_ERR_INVALID, "cannot share '%s' "
		    "with group %lu: you are not a member", dir,
		    (unsigned long)st->st_gid);
	/*
	 * XXX: the I/O layer has no chmod; this one call goes to the
	 * descriptor the layer opened, at init, before anything is written.
	 */
	if (mode != (st->st_mode & 07777) && fchmod(fd, mode) != 0)
		return cairn_error_sys(errno, "chmod '%s'", dir);
	return NULL;
}

const struct cairn_error *
cairn_file_keep_dir(struct cairn_vfs *vfs, const char *dir)
{
	const struct cairn_error *err = NULL;
	struct stat st;
	int fd;

	if ((fd = vfs->open(vfs, dir, O_RDONLY | O_DIRECTORY, 0)) == -1)
		return cairn_error_sys(errno, "open '%s'", dir);
	if (vfs->fstat(vfs, fd, &st) != 0)
		err = cairn_error_sys(errno, "stat '%s'", dir);
	else if (st.st_uid == geteuid() &&
	    (st.st_mode & (S_ISGID | S_IWGRP)) == (S_ISGID | S_IWGRP) &&
	    fchmod(fd, (st.st_mode & 07777) & ~(mode_t)S_IWGRP) != 0)
		err = cairn_error_sys(errno, "chmod '%s'", dir);
	if (vfs->close(vfs, fd) != 0 && err == NULL)
		err = cairn_error_sys(errno, "close '%s'", dir);
	return err;
}

const struct cairn_error *
cairn_file_share_dir(struct cairn_vfs *vfs, const char *dir)
{
	const struct cairn_error *err = NULL;
	struct stat st;
	int fd;

	if ((fd = vfs->open(vfs, dir, O_RDONLY | O_DIRECTORY, 0)) == -1)
		return cairn_error_sys(errno, "open '%s'", dir);
	if (vfs->fstat(vfs, fd, &st) != 0)
		err = cairn_error_sys(errno, "stat '%s'", dir);
	if (err == NULL)
		err = share_fd(fd, &st, dir);
	if (err == NULL && vfs->fstat(vfs, fd, &st) != 0)
		err = cairn_error_sys(errno, "stat '%s'", dir);
	/* Where setgid does not hold (a file system without it?). */
	if (err == NULL && !(st.st_mode & S_ISGID))
		err = cairn_error_new(CAIRN_ERR_INVALID, "cannot share '%s' "
		    "with group %lu: it does not keep the setgid bit", dir,
		    (unsigned long)st.st_gid);
	if (vfs->close(vfs, fd) != 0 && err == NULL)
		err = cairn_error_sys(errno, "close '%s'", dir);
	return err;
}
