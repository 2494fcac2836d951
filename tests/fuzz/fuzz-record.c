/*
 * fuzz-record.c: data records and the data file (store/record.c, and the
 * readers of the data file in store/disk*.c, store/fsck.c, core/zip.c).
 * Input: one flags byte, then the records of a data file (what follows
 * its 16-byte file header).  flags bit 0: make the records' header CRCs
 * right (bit 1: their content CRCs too), so mutations get past them;
 * bit 2: the manifest's watermark covers the whole file (else only its
 * header, leaving the records to recovery).
 *
 * The first 80 bytes are decoded raw by cairn_rec_decode; every record of
 * the walk must encode and decode back to itself.  Then the image becomes
 * the data file of an empty repository: opened read-only (stats), checked
 * by cairn_repo_fsck, repaired (which indexes the records), and every record's
 * object read: a read that succeeds must give content that hashes to the
 * id asked for.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "buf.h"
#include "manifest.h"
#include "record.h"

#include "util.h"

static struct fuzz_snapshot skel;
static struct cairn_manifest man;
static char *repo;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct fuzz_file *f;
	char *tmpl;

	(void)argc;
	(void)argv;
	tmpl = fuzz_path(fuzz_scratch(), "template");
	fuzz_ok(cairn_repo_init(tmpl, NULL), "init");
	fuzz_snapshot_take(&skel, tmpl);
	fuzz_rm_rf(tmpl);
	free(tmpl);
	f = fuzz_snapshot_find(&skel, "manifest");
	FUZZ_CHECK(f != NULL, "no manifest");
	fuzz_ok(cairn_manifest_parse(&man, (char *)f->data, f->len,
	    "manifest"), "parse manifest");
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
	struct cairn_rec again;
	unsigned char p[CAIRN_REC_HDR_SIZE];

	(void)off;
	cairn_rec_encode(p, rec);
	fuzz_ok(cairn_rec_decode(&again, p, rec->id.len ? rec->id.len : 32),
	    "decode an encoded record");
	FUZZ_CHECK(again.kind == rec->kind && again.flags == rec->flags &&
	    again.size == rec->size && again.stored == rec->stored &&
	    again.data_off == rec->data_off && again.time == rec->time &&
	    again.crc == rec->crc, "a record changes when encoded");
	FUZZ_CHECK(rec->kind == CAIRN_REC_COMMIT ||
	    cairn_oid_eq(&again.id, &rec->id), "a record's id changes");
	if (rec->kind != CAIRN_REC_COMMIT && w->n < 64)
		w->ids[w->n++] = rec->id;
}

static void
read_all(const struct walk *w)
{
	struct cairn_repo *r;
	struct cairn_repo_stats st = CAIRN_REPO_STATS_INIT;
	struct cairn_oid got;
	unsigned char *data;
	size_t i, len;
	enum cairn_otype type;

	if (cairn_repo_open(repo, CAIRN_OPEN_READ_ONLY, &r) != NULL)
		return;
	cairn_repo_stats(r, &st);
	for (i = 0; i < w->n; i++) {
		if (cairn_object_get(r, &w->ids[i], 0, &type, &data, &len) != NULL)
			continue;
		fuzz_ok(cairn_hash_object(CAIRN_HASH_SHA256, type, data, len,
		    &got), "hash");
		FUZZ_CHECK(cairn_oid_eq(&got, &w->ids[i]),
		    "an object read does not hash to its id");
		free(data);
	}
	cairn_repo_close(r);
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
	struct cairn_rec rec;
	struct cairn_manifest m = man;
	struct cairn_buf mtext = { 0 };
	struct cairn_fsck_result res = CAIRN_FSCK_RESULT_INIT;
	struct walk w = { .n = 0 };
	unsigned char *img;
	size_t len, findings = 0;
	char *path;
	int flags;

	if (size < 1)
		return 0;
	flags = data[0];
	if (size >= 1 + CAIRN_REC_HDR_SIZE) {
		cairn_rec_decode(&rec, data + 1, 32);
		cairn_rec_decode(&rec, data + 1, 20);
	}
	len = CAIRN_FILEHDR_SIZE + size - 1;
	if ((img = malloc(len)) == NULL)
		return 0;
	cairn_filehdr_encode(img, "CAIRNDAT", CAIRN_HASH_SHA256);
	memcpy(img + CAIRN_FILEHDR_SIZE, data + 1, size - 1);
	fuzz_fix_records(img, len, 32, flags & 3, each, &w);
	fuzz_snapshot_write(&skel, repo);
	path = fuzz_path(repo, m.data);
	fuzz_write_file(path, img, len);
	free(path);
	free(img);
	m.watermark = flags & 4 ? len : CAIRN_FILEHDR_SIZE;
	fuzz_ok(cairn_manifest_format(&mtext, &m), "format manifest");
	path = fuzz_path(repo, "manifest");
	fuzz_write_file(path, mtext.data, mtext.len);
	free(path);
	cairn_buf_release(&mtext);

	read_all(&w);
	fuzz_fsck(repo, 0, count, &findings, &res);
	fuzz_fsck(repo, CAIRN_FSCK_REPAIR, count, &findings, &res);
	read_all(&w);
	return 0;
}
