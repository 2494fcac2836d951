/*
 * fuzz-segment.c: index segments (store/segment.c) and their blooms.
 * Each input is a whole segment file.  It is opened by
 * cairn_segment_open (both id lengths); one that opens is walked entry by
 * entry, every entry looked up by cairn_segment_find and by prefix, and
 * its checksum verified.  Then it replaces the index segment of a small
 * repository made by the real code (util.c), which is opened read-only:
 * every object must read back right or fail, whatever the segment says;
 * and the repository is checked by cairn_repo_fsck --quick.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "segment.h"
#include "vfs.h"

#include "util.h"

static struct fuzz_template tmpl;
static struct fuzz_file *segfile;
static char *repo, *file;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_template_make(&tmpl, 1);
	segfile = fuzz_snapshot_find(&tmpl.snap, ".idx");
	FUZZ_CHECK(segfile != NULL, "the template has no index segment");
	repo = fuzz_path(fuzz_scratch(), "repo");
	file = fuzz_path(fuzz_scratch(), "segment");
	return 0;
}

static void
walk(const char *path, size_t idlen)
{
	struct cairn_segment seg;
	struct cairn_seg_entry e;
	uint64_t i, off, lb;
	int neg;

	if (cairn_segment_open(&seg, cairn_vfs_posix(), path, idlen) != NULL)
		return;
	for (i = 0; i < seg.count && i < 4096; i++) {
		cairn_segment_entry(&seg, i, &e);
		cairn_segment_find(&seg, e.id, &off, &neg);
		lb = cairn_segment_lower_bound(&seg, e.id, 1);
		FUZZ_CHECK(lb <= seg.count, "lower bound past the end");
		lb = cairn_segment_lower_bound(&seg, e.id, idlen);
		FUZZ_CHECK(lb <= seg.count, "lower bound past the end");
	}
	cairn_segment_verify(&seg);
	cairn_segment_close(&seg);
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
	struct cairn_fsck_result res = CAIRN_FSCK_RESULT_INIT;
	struct cairn_repo *r;
	size_t findings = 0;
	char *path;

	fuzz_write_file(file, data, size);
	walk(file, 32);
	walk(file, 20);
	fuzz_snapshot_write(&tmpl.snap, repo);
	path = fuzz_path(repo, segfile->path);
	fuzz_write_file(path, data, size);
	free(path);
	if (cairn_repo_open(repo, CAIRN_OPEN_READ_ONLY, &r) == NULL) {
		fuzz_template_check(&tmpl, r, 0);
		cairn_repo_close(r);
	}
	fuzz_fsck(repo, CAIRN_FSCK_QUICK, count, &findings, &res);
	return 0;
}
