/*
 * scratch.h: scratch directories and files for the C unit tests.
 * Header-only (static inline functions); include after tap.h, which provides
 * bail_out.  Failures of the test's own setup bail out.
 */
#ifndef CAIRN_SCRATCH_H
#define CAIRN_SCRATCH_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void *
xmalloc(size_t len)
{
	void *p;

	if ((p = malloc(len == 0 ? 1 : len)) == NULL)
		bail_out("out of memory allocating %zu bytes", len);
	return p;
}

static inline void *
xrealloc(void *p, size_t len)
{
	if ((p = realloc(p, len == 0 ? 1 : len)) == NULL)
		bail_out("out of memory allocating %zu bytes", len);
	return p;
}

/*
 * scratch_base(dir, len, name):
 * A new directory for the test's files under $TMPDIR (or /tmp), or under
 * /dev/shm when prefer_memory is set and it is usable: tests that write
 * thousands of small repositories need no disk.
 */
static inline void
scratch_base(char *dir, size_t len, const char *name, int prefer_memory)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (prefer_memory && access("/dev/shm", W_OK | X_OK) == 0)
		tmp = "/dev/shm";
	snprintf(dir, len, "%s/cairn-%s.XXXXXX", tmp, name);
	if (mkdtemp(dir) == NULL)
		bail_out("mkdtemp %s: %s", dir, strerror(errno));
}

static inline int
scratch_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0)
		bail_out("remove %s: %s", path, strerror(errno));
	return 0;
}

/* Remove path and everything under it; a missing path is fine. */
static inline void
rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0 && errno == ENOENT)
		return;
	if (nftw(path, scratch_rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		bail_out("remove %s: %s", path, strerror(errno));
}

/* Copy a file; flags O_EXCL (a new file) or O_TRUNC (over an old one). */
static inline void
copy_file(const char *from, const char *to, int flags)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	if ((in = open(from, O_RDONLY)) == -1)
		bail_out("open %s: %s", from, strerror(errno));
	if ((out = open(to, O_WRONLY | O_CREAT | flags, 0644)) == -1)
		bail_out("create %s: %s", to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			bail_out("write %s: %s", to, strerror(errno));
	if (n < 0)
		bail_out("read %s: %s", from, strerror(errno));
	close(in);
	if (close(out) != 0)
		bail_out("close %s: %s", to, strerror(errno));
}

/* Copy the directories and regular files under from to to (new). */
static inline void
copy_tree(const char *from, const char *to)
{
	char a[4096], b[4096];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (mkdir(to, 0755) != 0)
		bail_out("mkdir %s: %s", to, strerror(errno));
	if ((d = opendir(from)) == NULL)
		bail_out("opendir %s: %s", from, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(a, sizeof(a), "%s/%s", from, de->d_name);
		snprintf(b, sizeof(b), "%s/%s", to, de->d_name);
		if (lstat(a, &st) != 0)
			bail_out("stat %s: %s", a, strerror(errno));
		if (S_ISDIR(st.st_mode))
			copy_tree(a, b);
		else if (S_ISREG(st.st_mode))
			copy_file(a, b, O_EXCL);
	}
	closedir(d);
}

/* splitmix64: a seeded generator, so every run sees the same data. */
static inline uint64_t
splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#endif
