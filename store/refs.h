/*
 * refs.h: the refs of a disk repository.
 *
 * Format: <repo>/refs/<name> is a regular file holding the lowercase hex
 * id and a newline, nothing else.  Its modification time is when the ref
 * was last set (created, moved, or set again to the same id): every set
 * writes a new file (step 4 below), and the fsync that makes its content
 * durable makes its time durable too (cairn_ref_stat; ref expire and gc
 * --max-size go by it).  A copy that does not keep modification times
 * (cp without -p) makes every ref look set at the time of the copy.  Names are checked (core/refname.h)
 * before any path is built; a symlink anywhere under refs/ is never
 * followed: it is an error to read and never written through.
 *
 * Update protocol, per ref, under a shared flock on <repo>/gc.lock (gc
 * takes it exclusively to stop ref updates while it marks and switches):
 *
 *   1. create <ref>.lock with O_CREAT|O_EXCL|O_NOFOLLOW and flock it.  If
 *      it exists but can be flocked, its holder died: the lock is taken
 *      over (after checking that the path still names the flocked file).
 *      A lock held by a live process is retried until core.lockTimeout.
 *   2. read the current value under the lock and check the expectation;
 *   3. check that the new target exists and is durable;
 *   4. write the lock file, fsync it, rename it over the ref, fsync the
 *      directory; only then report success.  A delete unlinks the ref,
 *      fsyncs the directory and removes the lock.
 *
 * A transaction locks all its refs in name order, checks everything, and
 * only then renames.  A crash leaves every ref at its old or new value and
 * at worst a stale lock, which the next update takes over.
 */
#ifndef CAIRN_REFS_H
#define CAIRN_REFS_H

#include "cairn.h"
#include "vfs.h"

struct cairn_refs {
	struct cairn_vfs *vfs;
	char *root;			/* the repository */
	int algo;
	int read_only;
	int names_file;			/* list refs from refs.list */
	long long timeout_ms;
	/* Does the object exist durably?  NULL or CAIRN_ERR_NOT_FOUND. */
	const struct cairn_error *(*durable)(void *arg,
	    const struct cairn_oid *id);
	void *arg;
};

const struct cairn_error *cairn_refs_get(struct cairn_refs *refs,
    const char *name, struct cairn_oid *out);
/*
 * cairn_refs_get, and the time the ref was last set, in nanoseconds since
 * the epoch (time may be NULL).
 */
const struct cairn_error *cairn_refs_stat(struct cairn_refs *refs,
    const char *name, struct cairn_oid *out, int64_t *time);
const struct cairn_error *cairn_refs_update(struct cairn_refs *refs,
    const struct cairn_ref_update *u, size_t n);
/*
 * cairn_refs_walk(vfs, dfd, fn, arg):
 * The one walk of refs/ (open as dfd through vfs, closed here), for the
 * listing and for fsck.  Every call but the listing of a directory goes
 * through vfs, and the dfd passed to fn is one vfs opened.  Directories
 * are entered relative to the one above without following a link, to
 * any depth.  fn sees every entry that is not a directory, by kind, with its name under refs/, and (where there is one)
 * the directory it is in (dfd) and its name there (base), valid during
 * the call; and every directory that cannot be read (name ending in '/',
 * "" for refs/ itself), or entry that cannot be examined, as UNREADABLE
 * with its errno.  An error from fn stops the walk and is returned.
 */
enum cairn_refs_kind {
	CAIRN_REFS_REF,		/* a regular file with a valid ref name */
	CAIRN_REFS_LOCK,	/* a regular file "<name>.lock" */
	CAIRN_REFS_BAD_NAME,	/* a regular file no ref may be named as */
	CAIRN_REFS_LINK,	/* a symbolic link */
	CAIRN_REFS_NOT_FILE,	/* a FIFO, socket or device */
	CAIRN_REFS_UNREADABLE	/* sys_errno says why */
};

typedef const struct cairn_error *(*cairn_refs_visit)(void *arg,
    enum cairn_refs_kind kind, const char *name, int dfd, const char *base,
    int sys_errno);

const struct cairn_error *cairn_refs_walk(struct cairn_vfs *vfs, int dfd,
    cairn_refs_visit fn, void *arg);

/*
 * refs.list: the names of the refs, for a reader that cannot list a
 * directory (a repository served as plain files over HTTP, http.h).  A
 * text file: the line CAIRN_REFS_LIST_MAGIC, then each ref's name on a
 * line of its own, in byte order.  Only names: a reader reads each ref's
 * value from its file, so the list is never behind a ref that moved.
 * cairn_refs_publish writes it (under an flock of refs/, through tmp/,
 * fsync'd and renamed); once it exists, every transaction that creates
 * or deletes a ref writes it again before it returns.  A crash between
 * the two leaves it without the change until the next one: run
 * cairn_refs_publish (cairn update-server-info) again.
 *
 * With refs->names_file set, cairn_refs_list takes the names from
 * refs.list instead of refs/ (a missing list is CAIRN_ERR_NOT_REPO);
 * a name whose ref is not there is CAIRN_ERR_CORRUPT, after the others
 * (the list is written again before a delete returns, so only a copy
 * made without its refs/, or a race with a delete, leaves one).
 */
#define CAIRN_REFS_LIST		"refs.list"
#define CAIRN_REFS_LIST_MAGIC	"# cairn refs list 1"
#define CAIRN_REFS_LIST_MAX	(64u << 20)

const struct cairn_error *cairn_refs_publish(struct cairn_refs *refs);

const struct cairn_error *cairn_refs_list(struct cairn_refs *refs,
    const char *prefix,
    int (*fn)(void *arg, const char *name, const struct cairn_oid *id),
    void *arg);

/* Parse a ref file's content; CAIRN_ERR_CORRUPT names the ref. */
const struct cairn_error *cairn_refs_parse(struct cairn_oid *out, int algo,
    const char *text, size_t len, const char *name);

#endif
