/*
 * fuzz-wal.c: WAL scanning and crash recovery (store/disk.c,
 * disk_write.c, record.c).  Input: one flags byte, then a WAL image.  If
 * the image does not start with "CAIRNWAL" a valid WAL file header is put
 * before it.  flags bit 0: make the records' header CRCs right (bit 1:
 * content and batch CRCs too) so that mutations get past them; bit 2:
 * keep the template's data file whole (else it is cut at the manifest's
 * watermark, and recovery must redo what the WAL logged past it).
 *
 * The image replaces the WAL of a small repository made by the real code
 * (util.c).  It is opened read-only and every object of the template and
 * of the WAL read; opened writable and flushed (recovery: torn tails,
 * the data file redone from the WAL) and read again; then checked by
 * cairn_repo_fsck.  A read that succeeds must give the right content.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "manifest.h"
#include "record.h"

#include "util.h"

static struct fuzz_template tmpl;
static struct fuzz_file *walfile, *datafile;
static struct cairn_manifest man;
static char *repo;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct fuzz_file *f;

	(void)argc;
	(void)argv;
	fuzz_template_make(&tmpl, 1);
	walfile = fuzz_snapshot_find(&tmpl.snap, ".wal");
	datafile = fuzz_snapshot_find(&tmpl.snap, ".data");
	FUZZ_CHECK(walfile != NULL && datafile != NULL, "template files");
	f = fuzz_snapshot_find(&tmpl.snap, "manifest");
	FUZZ_CHECK(f != NULL, "no manifest");
	fuzz_ok(cairn_manifest_parse(&man, (char *)f->data, f->len,
	    "manifest"), "parse manifest");
	FUZZ_CHECK(man.watermark <= datafile->len, "watermark");
	repo = fuzz_path(fuzz_scratch(), "repo");
	return 0;
}

struct walk {
	struct cairn_oid ids[64];
	size_t n;
};

static void
each(void *arg, const struct cairn_rec *rec, size_t off)
{
	struct walk *w = arg;

	(void)off;
	if (rec->kind != CAIRN_REC_COMMIT && w->n < 64)
		w->ids[w->n++] = rec->id;
}

static void
read_all(struct cairn_repo *r, const struct walk *w, int forged)
{
	struct cairn_oid got;
	unsigned char *data;
	size_t i, len;
	enum cairn_otype type;

	fuzz_template_check(&tmpl, r, forged);
	for (i = 0; i < w->n; i++) {
		if (cairn_object_get(r, &w->ids[i], 0, &type, &data, &len) != NULL)
			continue;
		fuzz_ok(cairn_hash_object(CAIRN_HASH_SHA256, type, data, len,
		    &got), "hash");
		FUZZ_CHECK(cairn_oid_eq(&got, &w->ids[i]),
		    "an object read does not hash to its id");
		free(data);
	}
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
	struct walk w = { .n = 0 };
	unsigned char *img;
	size_t len, hdr, findings = 0;
	char *path;
	int flags;

	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	hdr = size >= 8 && memcmp(data, "CAIRNWAL", 8) == 0 ? 0 :
	    CAIRN_FILEHDR_SIZE;
	len = hdr + size;
	if ((img = malloc(len + 1)) == NULL)
		return 0;
	if (hdr)
		cairn_filehdr_encode(img, "CAIRNWAL", CAIRN_HASH_SHA256);
	memcpy(img + hdr, data, size);
	fuzz_fix_records(img, len, 32, flags & 3, each, &w);
	fuzz_snapshot_write(&tmpl.snap, repo);
	path = fuzz_path(repo, walfile->path);
	fuzz_write_file(path, img, len);
	free(path);
	free(img);
	if (!(flags & 4)) {
		path = fuzz_path(repo, datafile->path);
		fuzz_write_file(path, datafile->data, (size_t)man.watermark);
		free(path);
	}
	if (cairn_repo_open(repo, CAIRN_OPEN_READ_ONLY, &r) == NULL) {
		read_all(r, &w, flags & 1);
		cairn_repo_close(r);
	}
	if (cairn_repo_open(repo, 0, &r) == NULL) {
		cairn_repo_flush(r);
		read_all(r, &w, flags & 1);
		cairn_repo_close(r);
	}
	fuzz_fsck(repo, 0, count, &findings, &res);
	return 0;
}
