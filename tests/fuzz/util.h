/*
 * util.h: what the fuzz targets share: a scratch directory per process,
 * whole-file helpers, and snapshots of a directory tree (a repository
 * image) held in memory, written out afresh for every input.
 *
 * Helpers abort on failures of the test machinery itself (a full disk, a
 * missing /tmp): libFuzzer then reports a crash, which is what such a
 * failure deserves.  Findings of the code under test abort through
 * FUZZ_CHECK, which names the broken invariant.
 */
#ifndef CAIRN_FUZZ_UTIL_H
#define CAIRN_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "cairn.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with a message if cond is false. */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, __VA_ARGS__);		\
} while (0)

void fuzz_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

/* Abort (machinery failure) if err is not NULL. */
struct cairn_error;
void fuzz_ok(const struct cairn_error *err, const char *what);

/* cairn_repo_fsck of repo with flags, each finding to report(arg, f). */
const struct cairn_error *fuzz_fsck(const char *repo, unsigned flags,
    cairn_finding_fn report, void *arg, struct cairn_fsck_result *res);

/*
 * A fresh directory for this process (under $TMPDIR, else /tmp), removed
 * at exit.  The returned string is static.
 */
const char *fuzz_scratch(void);

/* "<a>/<b>" into a malloc'd string (never NULL). */
char *fuzz_path(const char *a, const char *b);

/* Write len bytes to path (created or truncated). */
void fuzz_write_file(const char *path, const void *data, size_t len);

/* The whole file, malloc'd, with a NUL after its len bytes. */
unsigned char *fuzz_read_file(const char *path, size_t *len);

/* Remove path and, if a directory, all below it; missing is fine. */
void fuzz_rm_rf(const char *path);

/* A directory tree in memory: directories and regular files, by path. */
struct fuzz_file {
	char *path;		/* relative to the tree's root */
	int dir;		/* 1: a directory (data unused); 2: absent */
	unsigned char *data;
	size_t len;
};

struct fuzz_snapshot {
	struct fuzz_file *files;
	size_t n;
};

/* Read every directory and regular file below dir. */
void fuzz_snapshot_take(struct fuzz_snapshot *s, const char *dir);

/* Replace dir by the snapshot's files (directories made as needed). */
void fuzz_snapshot_write(const struct fuzz_snapshot *s, const char *dir);

/* The file whose path ends with suffix, or NULL. */
struct fuzz_file *fuzz_snapshot_find(const struct fuzz_snapshot *s,
    const char *suffix);

void fuzz_snapshot_free(struct fuzz_snapshot *s);


/* An object of the template repository, with the content it must have. */
struct fuzz_object {
	int type;
	unsigned char *data;
	size_t len;
	struct cairn_oid id;
};

struct fuzz_template {
	struct fuzz_snapshot snap;
	struct fuzz_object obj[16];
	size_t nobj;
};

/*
 * Build a small repository with the real code and take its snapshot:
 * blobs (deflated and stored), a tree, a commit, a tag, a ref "main",
 * objects in two flushed index segments and objects only in the WAL.
 * flushes: 0 leaves everything in the WAL, 1 or 2 flushes that often.
 */
void fuzz_template_make(struct fuzz_template *t, int flushes);


/*
 * Read every object of the template through repo, whole and streamed,
 * verified and not: each read must fail or give exactly the object's type
 * and content.  With forged set (the input may carry records whose CRCs
 * the target made right), reads without CAIRN_GET_NO_VERIFY only: an
 * unverified read trusts the CRCs.  Returns how many whole verified reads
 * succeeded.
 */
size_t fuzz_template_check(const struct fuzz_template *t,
    struct cairn_repo *repo, int forged);


/*
 * Walk the records of a data file or WAL image (file header included)
 * from offset 16, as far as they decode, first making their checksums
 * right if fix says so, so that mutations reach past them: fix bit 0, the
 * header CRC; bits 0 and 1, also the CRC of an object's stored bytes and a
 * COMMIT's CRC of its batch.  Calls fn (may be NULL) for every record
 * that decodes.  Returns the offset where the walk stopped.
 */
struct cairn_rec;
size_t fuzz_fix_records(unsigned char *buf, size_t len, size_t idlen,
    int fix, void (*fn)(void *arg, const struct cairn_rec *rec,
    size_t off), void *arg);

/*
 * Run the CLI (cmd/main.c, its main renamed) in-process with data on
 * standard input; return its standard output (malloc'd, with a NUL after
 * it), set *outlen to its length in bytes and *status to its exit status.
 * The output is bytes: it may hold NULs (a tree's content, -z answers),
 * so measure it with *outlen, never strlen.  Its standard error is
 * discarded.
 */
char *fuzz_run_cli(int argc, char **argv, const uint8_t *data, size_t size,
    int *status, size_t *outlen);

#endif
