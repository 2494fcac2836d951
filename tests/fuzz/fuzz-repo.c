/*
 * fuzz-repo.c: a whole repository under hostile edits.  A small valid
 * repository is made once by the real code (util.c: blobs, a tree, a
 * commit, a tag, a ref, two index segments and a WAL).  Each input is a
 * list of 5-byte edits applied to a fresh copy of its files:
 *
 *   byte 0      file: index into the repository's files, sorted by path
 *   byte 1      op (mod 4): 0 xor the byte at offset with value,
 *               1 truncate the file at offset, 2 set the byte at offset
 *               to value, 3 remove the file (odd value: and put an
 *               empty directory in its place)
 *   bytes 2-3   offset, big-endian, modulo the file's size (plus one
 *               for a truncation)
 *   byte 4      value
 *
 * Then the repository is opened read-only and every object read
 * (store/repo.c, disk.c, disk_read.c, segment.c, record.c, core/zip.c);
 * opened writable and flushed (recovery, store/disk_write.c) and read
 * again; checked by cairn_repo_fsck, repaired by cairn_repo_fsck --repair
 * (store/fsck.c), and read once more.  Every read must give the right
 * bytes or an error, never wrong content.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn.h"

#include "util.h"

#define EDIT_SIZE 5
#define MAX_EDITS 16

static struct fuzz_template tmpl;
static char *repo;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_template_make(&tmpl, 2);
	repo = fuzz_path(fuzz_scratch(), "repo");
	return 0;
}

/* The template's files, edited; dirs stay, files may shrink or go. */
static void
edit(struct fuzz_snapshot *s, const uint8_t *data, size_t size)
{
	struct fuzz_file *f;
	size_t i, nfiles = 0, *idx, off;

	if ((idx = malloc(s->n * sizeof(*idx))) == NULL)
		abort();
	for (i = 0; i < s->n; i++)
		if (!s->files[i].dir)
			idx[nfiles++] = i;
	for (i = 0; i + EDIT_SIZE <= size && i < MAX_EDITS * EDIT_SIZE;
	    i += EDIT_SIZE) {
		f = &s->files[idx[data[i] % nfiles]];
		off = (size_t)data[i + 2] << 8 | data[i + 3];
		switch (data[i + 1] % 4) {
		case 0:
			if (f->len > 0)
				f->data[off % f->len] ^= data[i + 4];
			break;
		case 1:
			f->len = off % (f->len + 1);
			break;
		case 2:
			if (f->len > 0)
				f->data[off % f->len] = data[i + 4];
			break;
		case 3:
			f->dir = data[i + 4] & 1 ? 1 : 2;
			break;
		}
	}
	free(idx);
}

static void
count(void *arg, const struct cairn_finding *f)
{
	(void)f;
	(*(size_t *)arg)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_snapshot s;
	struct cairn_fsck_result res = CAIRN_FSCK_RESULT_INIT;
	struct cairn_repo *r;
	size_t i, findings = 0;

	/* A private copy of the template's files to edit. */
	s.n = tmpl.snap.n;
	if ((s.files = malloc(s.n * sizeof(*s.files))) == NULL)
		abort();
	for (i = 0; i < s.n; i++) {
		s.files[i] = tmpl.snap.files[i];
		if (!s.files[i].dir && (s.files[i].data =
		    malloc(s.files[i].len + 1)) != NULL)
			memcpy(s.files[i].data, tmpl.snap.files[i].data,
			    s.files[i].len);
		else if (!s.files[i].dir)
			abort();
	}
	edit(&s, data, size);
	fuzz_snapshot_write(&s, repo);
	for (i = 0; i < s.n; i++)
		free(s.files[i].data);
	free(s.files);

	if (cairn_repo_open(repo, CAIRN_OPEN_READ_ONLY, &r) == NULL) {
		fuzz_template_check(&tmpl, r, 0);
		cairn_repo_close(r);
	}
	if (cairn_repo_open(repo, 0, &r) == NULL) {
		cairn_repo_flush(r);
		fuzz_template_check(&tmpl, r, 0);
		cairn_repo_close(r);
	}
	fuzz_fsck(repo, CAIRN_FSCK_QUICK, count, &findings, &res);
	if (fuzz_fsck(repo, CAIRN_FSCK_REPAIR, count, &findings,
	    &res) == NULL && cairn_repo_open(repo, CAIRN_OPEN_READ_ONLY,
	    &r) == NULL) {
		fuzz_template_check(&tmpl, r, 0);
		cairn_repo_close(r);
	}
	return 0;
}
