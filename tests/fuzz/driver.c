/*
 * driver.c: replay inputs through a fuzz target without libFuzzer, so the
 * committed corpus runs as a regression test under any compiler.
 *
 *   <target>-replay <file or directory>...
 *
 * Every file named, and every regular file directly inside a directory
 * named, is passed once to LLVMFuzzerTestOneInput.  A finding aborts the
 * process (as under libFuzzer); otherwise the exit status is 0 and one
 * line on stdout tells how many inputs ran.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static int
replay_file(const char *path)
{
	unsigned char *buf;
	struct stat st;
	size_t have = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* One byte more, so an empty input still has a valid pointer. */
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		close(fd);
		return -1;
	}
	while (have < (size_t)st.st_size) {
		if ((n = read(fd, buf + have, (size_t)st.st_size - have)) <= 0) {
			fprintf(stderr, "replay: read %s failed\n", path);
			free(buf);
			close(fd);
			return -1;
		}
		have += (size_t)n;
	}
	close(fd);
	if (getenv("FUZZ_REPLAY_VERBOSE") != NULL)
		fprintf(stderr, "replay: %s (%zu bytes)\n", path, have);
	LLVMFuzzerTestOneInput(buf, have);
	free(buf);
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of a directory, in name order (a stable replay). */
static int
replay_dir(const char *dir, long *count)
{
	struct dirent *de;
	struct stat st;
	char **names = NULL, **nn, *p;
	size_t n = 0, i;
	DIR *d;
	int r = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((p = malloc(strlen(dir) + strlen(de->d_name) + 2)) == NULL ||
		    (nn = realloc(names, (n + 1) * sizeof(*nn))) == NULL) {
			fprintf(stderr, "replay: out of memory\n");
			exit(1);
		}
		sprintf(p, "%s/%s", dir, de->d_name);
		names = nn;
		names[n++] = p;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if (r == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
			r = replay_file(names[i]);
			(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return r;
}

int
main(int argc, char **argv)
{
	struct stat st;
	long count = 0;
	int i, r = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s <file or directory>...\n", argv[0]);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc && r == 0; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			r = -1;
		} else if (S_ISDIR(st.st_mode))
			r = replay_dir(argv[i], &count);
		else {
			r = replay_file(argv[i]);
			count++;
		}
	}
	if (r != 0)
		return 1;
	printf("replayed %ld inputs\n", count);
	return 0;
}
