/*
 * cairn.h: the public API of the cairn object repository library.
 *
 * A repository stores immutable objects (blob, tree, commit, tag) named by
 * the hash of their content exactly as git names them.  All functions that
 * can fail return const struct cairn_error *: NULL on success, otherwise an
 * error with a code (enum cairn_errcode) and a one-line message, valid
 * until a few more errors are made on the same thread.  Nothing here
 * prints or exits.
 */
#ifndef CAIRN_H
#define CAIRN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "object.h"
#include "oid.h"

/*
 * The version of this header; cairn_version() and cairn_version_number()
 * give the library's, which may be newer.  The major number changes when
 * the API or ABI does in an incompatible way.
 */
#define CAIRN_VERSION_MAJOR	0
#define CAIRN_VERSION_MINOR	2
#define CAIRN_VERSION_PATCH	0
#define CAIRN_VERSION "0.2.0"
#define CAIRN_VERSION_NUMBER \
	(CAIRN_VERSION_MAJOR * 10000 + CAIRN_VERSION_MINOR * 100 + \
	CAIRN_VERSION_PATCH)

/* The library's version string, "<major>.<minor>.<patch>". */
const char *cairn_version(void);

/* The library's version as CAIRN_VERSION_NUMBER computes it. */
int cairn_version_number(void);

/*
 * Option, result and statistics structs begin with a size field, set by
 * their _INIT macro to the size the caller was compiled with; fields may
 * be added at the end in later versions, and the library reads and
 * writes only what the caller's size covers (fields it does not cover
 * take their defaults).  A size of 0 or one larger than the library
 * knows is CAIRN_ERR_USAGE.  Declare them as
 *	struct cairn_gc_opts o = CAIRN_GC_OPTS_INIT;
 * and then set the fields wanted.
 */

/* Callbacks.  A nonzero return of a walk's callback stops the walk. */

/*
 * Called now and then by long operations: phase names the work ("check",
 * "scan", "mark", "copy"), done counts what it has done so far (bytes or
 * objects, as the phase says), total what it will do, or 0 if unknown.
 */
typedef void (*cairn_progress_fn)(void *arg, const char *phase,
    uint64_t done, uint64_t total);

struct cairn_repo;

/* Flags of cairn_repo_open. */
#define CAIRN_OPEN_READ_ONLY	0x1	/* take no lock; every write fails */
#define CAIRN_OPEN_MEMORY	0x2	/* a fresh in-memory repository; path ignored */
#define CAIRN_OPEN_SHA1		0x4	/* with CAIRN_OPEN_MEMORY: SHA-1 ids */
#define CAIRN_OPEN_LITERALLY	0x8	/* puts accept tree entry names refused
					   for safety (.git, .cairn, lookalikes) */

struct cairn_init_opts {
	size_t size;		/* CAIRN_INIT_OPTS_INIT sets it */
	enum cairn_hash_algo hash_algo;	/* CAIRN_HASH_SHA256 (0 means that)
					   or _SHA1 */
	int compression;	/* zlib level 0-9; -1: the default (1) */
	const char *alternate;	/* a repository to read objects from, or NULL */
	/*
	 * CAIRN_SHARED_GROUP: a repository the members of its directory's
	 * group all write (core.sharedRepository = group): directories
	 * setgid and group-writable, and every file and directory made in
	 * it gets for the group the bits its owner has, whatever the umask
	 * (cairn-repository(5)).  CAIRN_SHARED_UMASK (0): the owner's
	 * alone; the directory is not left group-writable.
	 */
	int shared;
};
#define CAIRN_SHARED_UMASK	0
#define CAIRN_SHARED_GROUP	1
#define CAIRN_INIT_OPTS_INIT { .size = sizeof(struct cairn_init_opts), \
	.hash_algo = CAIRN_HASH_SHA256, .compression = -1 }

/*
 * cairn_repo_init(path, opts):
 * Create a repository in the directory path (created if missing; it must
 * be empty).  opts may be NULL for the defaults.  CAIRN_ERR_EXISTS if a
 * repository or other files are already there.
 */
const struct cairn_error *cairn_repo_init(const char *path,
    const struct cairn_init_opts *opts);

/*
 * cairn_repo_find(start, out):
 * Find the repository for a command run in start: the nearest directory
 * named .cairn in start or one of its parents.  *out is malloc'd (caller
 * frees).  CAIRN_ERR_NOT_REPO if there is none.
 */
const struct cairn_error *cairn_repo_find(const char *start, char **out);

/*
 * cairn_repo_open(path, flags, out):
 * Open the repository at path.  Readers take no lock.  A writable handle
 * recovers from a crash the first time it takes the writer lock.
 * CAIRN_ERR_NOT_REPO if path holds no repository; CAIRN_ERR_CORRUPT if
 * its state cannot be read.
 *
 * A path that is an http:// or https:// URL opens the repository a web
 * server serves as plain files (no cairn on the server), with
 * CAIRN_OPEN_READ_ONLY only (else CAIRN_ERR_READ_ONLY): the manifest and
 * index segments are read whole, objects by range requests; refs are
 * listed from its refs.list (cairn_ref_list_publish).  A repository with
 * an alternate is refused.  A file gone from the server (a gc there) is
 * CAIRN_ERR_NOT_FOUND or CAIRN_ERR_IO: open it again.
 */
const struct cairn_error *cairn_repo_open(const char *path, unsigned flags,
    struct cairn_repo **out);

/* Options of cairn_repo_open_opts. */
struct cairn_open_opts {
	size_t size;		/* CAIRN_OPEN_OPTS_INIT sets it */
	unsigned flags;		/* CAIRN_OPEN_* */
	size_t cache_bytes;	/* > 0: an LRU of decoded objects this large */
};
#define CAIRN_OPEN_OPTS_INIT { .size = sizeof(struct cairn_open_opts) }

/*
 * cairn_repo_open_opts(path, opts, out):
 * cairn_repo_open with a cache in front.  A repository whose config sets
 * core.alternate also reads objects from that repository (opened
 * read-only; it is never modified).
 */
const struct cairn_error *cairn_repo_open_opts(const char *path,
    const struct cairn_open_opts *opts, struct cairn_repo **out);

/*
 * Threads: one handle may be used from several threads at once.  Reads
 * run in parallel; writes (a batch, from begin to commit or abort; ref
 * updates, flush, gc) are serialised, and a thread in a batch may read
 * through the same handle.  A batch belongs to the thread that began it:
 * cairn_batch_add, _add_stream and _commit from another thread are
 * CAIRN_ERR_USAGE (and _abort does nothing there).  One thread may have
 * batches open on several handles at once (copying between repositories,
 * say); each commit or abort ends its own.  A call refused inside a
 * batch (a second begin, flush, gc, a ref update: CAIRN_ERR_USAGE)
 * leaves the batch open and the handle held.  Closing a handle inside
 * its batch aborts the batch.  A batch a thread leaves open when it ends
 * is no later thread's (its lock stays held until the handle is closed).
 * Callbacks (the fn of cairn_ref_list, the write function of a streaming
 * read, and the like) run while the handle is held, and must not call
 * into the same handle: that may deadlock.  The configuration calls are
 * not thread-safe: use them before sharing a handle.
 */

/* Close the handle and free everything it holds.  NULL is a no-op. */
void cairn_repo_close(struct cairn_repo *repo);

/*
 * cairn_repo_set_progress(repo, fn, arg):
 * Report the progress of long operations on this handle through fn (NULL
 * to stop): the ingest (cairn_ingest_*, and so cairn_tree_put_dir),
 * phases "files" and "bytes": the objects appended so far and their
 * content, total 0; cairn_tree_checkout, "files" (of the total in the
 * tree) and "bytes" written (total 0); cairn_repo_flush (and the flush a
 * commit may start), "flush": index entries written, of the total.  Each
 * is reported now and then, and once at the end.  fn runs on the calling
 * thread (never on a worker thread, never on two at once), while the
 * handle is held: it must not call into the handle.  Like the
 * configuration calls, set it before sharing the handle.
 *
 * cairn_repo_progress(repo, phase, done, total):
 * Call the handle's fn, if it has one: for long work built on this API
 * (as cairn_tree_checkout is), so that it reports where the rest does.
 */
void cairn_repo_set_progress(struct cairn_repo *repo, cairn_progress_fn fn,
    void *arg);
void cairn_repo_progress(struct cairn_repo *repo, const char *phase,
    uint64_t done, uint64_t total);

/* The repository's hash algorithm (CAIRN_HASH_*). */
enum cairn_hash_algo cairn_repo_hash_algo(const struct cairn_repo *repo);

/*
 * cairn_repo_notice(repo):
 * A message about something open or recovery repaired by itself (a torn
 * WAL tail dropped), or NULL.  Valid until the next call on repo.
 */
const char *cairn_repo_notice(const struct cairn_repo *repo);

/* Objects. */

/*
 * Reads the next bytes of a stream into buf: returns the count (at most
 * len), 0 at the end, -1 with errno set on failure.  A larger count is
 * the caller's error: cairn_batch_add_stream fails (CAIRN_ERR_USAGE).
 */
typedef ssize_t (*cairn_read_fn)(void *arg, void *buf, size_t len);

/* A cairn_read_fn of a file descriptor: arg points at the int fd. */
ssize_t cairn_fd_read(void *arg, void *buf, size_t len);

/*
 * A cairn_read_fn of bytes in memory: arg points at a struct
 * cairn_mem_src, which each read advances.
 */
struct cairn_mem_src {
	const unsigned char *data;	/* the next byte to read */
	size_t left;			/* bytes left */
};
ssize_t cairn_mem_read(void *arg, void *buf, size_t len);

/*
 * Receives content from streaming reads.  Returning an error stops the
 * read, which returns that error.
 */
typedef const struct cairn_error *(*cairn_write_fn)(void *arg,
    const void *data, size_t len);

/*
 * cairn_object_put(repo, type, data, len, out):
 * Store one object durably and set *out to its id.  Equivalent to a batch
 * of one.  CAIRN_ERR_READ_ONLY, CAIRN_ERR_LOCKED (another writer held the
 * lock past core.lockTimeout), CAIRN_ERR_IO.
 */
const struct cairn_error *cairn_object_put(struct cairn_repo *repo,
    enum cairn_otype type,
    const void *data, size_t len, struct cairn_oid *out);

/*
 * Batches: cairn_batch_begin takes the writer lock; objects added are
 * readable through this handle at once but durable, and visible to other
 * processes, only after cairn_batch_commit returns NULL, which does one
 * group commit (one fdatasync) and releases the lock.  A commit that
 * fails ends the batch too, and leaves nothing of it visible: its objects
 * are not read back through the handle and no ref may be set to them.
 * cairn_batch_abort drops what was added since begin and releases the
 * lock.  Objects that already exist intact are not stored again (but
 * count as touched for gc); one whose stored copy is damaged is stored
 * anew.
 */
const struct cairn_error *cairn_batch_begin(struct cairn_repo *repo);
const struct cairn_error *cairn_batch_add(struct cairn_repo *repo,
    enum cairn_otype type,
    const void *data, size_t len, struct cairn_oid *out);
/*
 * cairn_batch_add_stream(repo, type, read, arg, size, out):
 * Add an object whose content comes from read; size is its exact length,
 * or -1 if unknown.  Large content is streamed to the data file, written
 * once, never held in memory whole.  A stream whose length differs from
 * size is CAIRN_ERR_INVALID; a read failure CAIRN_ERR_IO.
 */
const struct cairn_error *cairn_batch_add_stream(struct cairn_repo *repo,
    enum cairn_otype type, cairn_read_fn read, void *arg, int64_t size,
    struct cairn_oid *out);
const struct cairn_error *cairn_batch_commit(struct cairn_repo *repo);
void cairn_batch_abort(struct cairn_repo *repo);

/*
 * Ingest: many objects added to the open batch, hashed and compressed on
 * worker threads while the calling thread appends them in input order.
 *
 * cairn_ingest_open(out, repo, fn, arg): start the workers (as many as
 * online CPUs; the environment variable CAIRN_INGEST_THREADS, 1 to 64,
 * overrides it; threads that cannot start are done without, and with
 * none the calling thread does their work).  The caller owns *out and
 * frees it with cairn_ingest_close.  fn(arg, id, size) is called from
 * the calling thread for each object once it is in the batch, in the
 * order of cairn_ingest_add; an error it returns stops the ingest like
 * any other.
 *
 * cairn_ingest_add(ing, type, data, len, claim): queue an object; data
 * must come from malloc and is the ingest's from now on (freed even on
 * error).  claim, if not NULL, is the id the content must hash to
 * (CAIRN_ERR_INVALID, and the object is not stored, if not).  The queue
 * is bounded (in objects and bytes): this may wait for workers, and
 * appends, through cairn_batch_add's rules and checks, whatever is ready
 * to the batch, which the calling thread must hold open (it is not
 * touched between calls).  Returns the first error of any object queued
 * so far; after one, every object queued after the failed one is
 * dropped unstored, and every later call returns that error.
 *
 * cairn_ingest_add_fd(ing, type, fd, size): queue the content of the
 * file descriptor fd, which must be exactly size bytes long
 * (CAIRN_ERR_INVALID if it is not: the file changed as it was read).
 * Content up to core.bigFileThreshold is read whole now, on the calling
 * thread, and queued as by cairn_ingest_add; larger content is appended
 * after everything queued, streamed, never held whole.  An error reading
 * or storing this content is returned and does not stop the ingest:
 * what was queued before it is still appended.  fd is not closed.
 *
 * cairn_ingest_drain(ing): append everything queued and wait for it;
 * call before cairn_batch_commit.  Returns the first error as above.
 *
 * cairn_ingest_close(ing): drop what is queued, stop the workers, free.
 * NULL does nothing.
 */
struct cairn_ingest;
typedef const struct cairn_error *(*cairn_ingest_fn)(void *arg,
    const struct cairn_oid *id, uint64_t size);
const struct cairn_error *cairn_ingest_open(struct cairn_ingest **out,
    struct cairn_repo *repo, cairn_ingest_fn fn, void *arg);
const struct cairn_error *cairn_ingest_add(struct cairn_ingest *ing,
    enum cairn_otype type, void *data, size_t len,
    const struct cairn_oid *claim);
const struct cairn_error *cairn_ingest_add_fd(struct cairn_ingest *ing,
    enum cairn_otype type, int fd, uint64_t size);
const struct cairn_error *cairn_ingest_drain(struct cairn_ingest *ing);
void cairn_ingest_close(struct cairn_ingest *ing);

/* Flags of reads. */
#define CAIRN_GET_NO_VERIFY	0x1	/* skip re-hashing content (CRCs are always checked) */

/*
 * cairn_object_get(repo, id, flags, type, data, len):
 * Read an object whole.  *data is malloc'd (caller frees; NUL-terminated
 * for convenience, the NUL not counted in *len).  CAIRN_ERR_NOT_FOUND,
 * CAIRN_ERR_CORRUPT (the record fails its checksum, or the content does
 * not hash to id).
 */
const struct cairn_error *cairn_object_get(struct cairn_repo *repo,
    const struct cairn_oid *id, unsigned flags, enum cairn_otype *type,
    unsigned char **data, size_t *len);

/*
 * cairn_object_get_stream(repo, id, flags, write, arg):
 * Read an object of any size through write, in chunks, holding none of
 * it whole.  Unless CAIRN_GET_NO_VERIFY, the content is verified against
 * id before the first byte reaches write.
 */
const struct cairn_error *cairn_object_get_stream(struct cairn_repo *repo,
    const struct cairn_oid *id, unsigned flags, cairn_write_fn write,
    void *arg);

/*
 * cairn_object_stat(repo, id, type, size):
 * Type and content size of an object without reading its content.
 * CAIRN_ERR_NOT_FOUND if absent.  type or size may be NULL.
 */
const struct cairn_error *cairn_object_stat(struct cairn_repo *repo,
    const struct cairn_oid *id, enum cairn_otype *type, uint64_t *size);

/* NULL if the object exists, else CAIRN_ERR_NOT_FOUND (or another error). */
const struct cairn_error *cairn_object_exists(struct cairn_repo *repo,
    const struct cairn_oid *id);

/*
 * cairn_object_prefetch(repo, ids, n):
 * A hint that the objects ids[0..n) will be read soon, in any order: a
 * repository whose reads are round trips (RADOS) starts them at once, so
 * that they overlap.  Ids it does not hold are ignored; it changes no
 * result and reports nothing.
 */
void cairn_object_prefetch(struct cairn_repo *repo,
    const struct cairn_oid *ids, size_t n);

/*
 * cairn_object_resolve(repo, name, out):
 * Resolve an object name: a full hex id (returned whether or not the
 * object exists), else the name of an existing ref, else a hex prefix of
 * at least 4 digits matching exactly one object.  CAIRN_ERR_NOT_FOUND,
 * CAIRN_ERR_AMBIGUOUS, CAIRN_ERR_INVALID (not a name).
 */
const struct cairn_error *cairn_object_resolve(struct cairn_repo *repo,
    const char *name, struct cairn_oid *out);

/*
 * cairn_object_each(repo, fn, arg):
 * Call fn with the id of every object of the repository, those of its
 * alternate too, each once, in id order (bytewise), as git cat-file
 * --batch-all-objects lists them; a nonzero return of fn stops.  What
 * other processes committed before the call is included.  The ids are
 * gathered first (hash length bytes each, sorted in place), so fn may
 * read the objects.  CAIRN_ERR_USAGE for a backend that cannot list
 * its objects.
 * An index that cannot be read whole is an error (CAIRN_ERR_CORRUPT),
 * never a shorter list.
 */
typedef int (*cairn_object_fn)(void *arg, const struct cairn_oid *id);
const struct cairn_error *cairn_object_each(struct cairn_repo *repo,
    cairn_object_fn fn, void *arg);

/* Maintenance. */

/*
 * cairn_repo_flush(repo):
 * Make everything durable and indexed: sync the data file, write an index
 * segment (merging older ones as needed), publish a new manifest, start
 * a fresh WAL.  Takes the writer lock.
 */
const struct cairn_error *cairn_repo_flush(struct cairn_repo *repo);

struct cairn_repo_stats {
	size_t size;			/* CAIRN_REPO_STATS_INIT sets it */
	const char *object_format;
	int format_version;
	uint64_t objects;		/* distinct objects stored */
	uint64_t data_bytes;		/* bytes of the data file */
	uint64_t content_bytes;		/* bytes of object content */
	uint64_t wal_records;		/* object records in the WAL */
	uint64_t wal_bytes;
	uint64_t index_segments;
	uint64_t indexed_objects;
	double bloom_bits_per_key;
	double bloom_fpr;		/* estimated, over all segments */
	uint64_t refs;
	/* Counters of this handle (since it was opened). */
	uint64_t reads, writes, cache_hits, cache_misses;
	uint64_t bloom_negatives, bloom_false_positives;
};

#define CAIRN_REPO_STATS_INIT { .size = sizeof(struct cairn_repo_stats) }

/* Fill *st.  Walks the data file's record headers (not their content). */
const struct cairn_error *cairn_repo_stats(struct cairn_repo *repo,
    struct cairn_repo_stats *st);

/* Graphs: directories as trees, commits, history. */

/*
 * cairn_tree_put_dir(repo, path, out):
 * Store the directory at path as blobs and trees, as git would track it:
 * regular files (100644, or 100755 when the owner may execute them),
 * symlinks (120000, the link's target as content) and subdirectories
 * (40000); empty directories are skipped, and so are entries named .git
 * and .cairn.  *out is the root tree's id, what git write-tree gives for
 * the same files.  Files are hashed and compressed on worker threads
 * (cairn_ingest), large ones streamed; batches are committed as they
 * fill, the root tree in the last, so *out is durable on success.
 * Special files (devices, sockets, fifos) are CAIRN_ERR_INVALID.
 */
const struct cairn_error *cairn_tree_put_dir(struct cairn_repo *repo,
    const char *path, struct cairn_oid *out);

/*
 * cairn_rev_resolve(repo, rev, out):
 * Resolve a revision as gitrevisions(7) does for these forms: a name
 * (what cairn_object_resolve takes) followed by any of "~<n>" (the first
 * parent, n times; n defaults to 1), "^<n>" (parent n, default 1; "^0"
 * the commit itself), "^{commit}", "^{tree}", "^{blob}", "^{tag}" (the
 * object peeled to that type: through tags, and from a commit to its
 * tree) and "^{}" (past every tag), then optionally ":<path>" (the entry
 * at that '/'-separated path in the tree the rest names; an empty path
 * is the tree).  '~' and '^' reach commits through tags.  A plain name
 * gives what cairn_object_resolve gives; a revision that cannot be
 * followed (an unknown name, a commit without that parent, a path not in
 * the tree, an object of the wrong type or missing) is
 * CAIRN_ERR_INVALID naming the revision.
 *
 * cairn_rev_check(rev): CAIRN_ERR_INVALID unless rev is well formed (no
 * repository is read).
 */
const struct cairn_error *cairn_rev_resolve(struct cairn_repo *repo,
    const char *rev, struct cairn_oid *out);
const struct cairn_error *cairn_rev_check(const char *rev);

/*
 * cairn_tree_walk(repo, tree, recursive, fn, arg):
 * Call fn for each entry of tree in order with its path (relative to the
 * tree, '/'-separated); with recursive set, descend into subtrees
 * (reporting only their non-tree entries, as git ls-tree -r does).  A
 * nonzero return of fn stops the walk.
 */
typedef int (*cairn_tree_fn)(void *arg, const char *path,
    const struct cairn_tree_entry *e);
const struct cairn_error *cairn_tree_walk(struct cairn_repo *repo,
    const struct cairn_oid *tree, int recursive, cairn_tree_fn fn,
    void *arg);

/* A change between two trees (cairn_tree_diff). */
struct cairn_diff_entry {
	char status;		/* 'A' added, 'D' deleted, 'M' modified,
				   'T' type changed */
	unsigned old_mode, new_mode;	/* CAIRN_MODE_*; 0 on the absent side */
	struct cairn_oid old_id, new_id;	/* all zero on the absent side */
	const char *path;	/* '/'-separated, from the trees' roots */
};

typedef int (*cairn_diff_fn)(void *arg, const struct cairn_diff_entry *d);

/*
 * cairn_tree_diff(repo, a, b, paths, npaths, fn, arg):
 * Call fn for each entry that differs between the trees a and b (either
 * may be NULL: the empty tree), as git diff-tree -r reports them: in
 * git's tree order, recursively, trees themselves not reported, subtrees
 * with equal ids not read.  A regular file, symlink or gitlink that
 * becomes another of them is 'T'; a file that becomes a tree is a 'D' of
 * the file and an 'A' of each of the tree's entries.  With npaths > 0,
 * only entries at or below one of the paths ('/'-separated, from the
 * root) are reported.  A nonzero return of fn stops the walk.
 * CAIRN_ERR_NOT_FOUND for a tree that is missing, CAIRN_ERR_INVALID for
 * an object that is not a tree, CAIRN_ERR_CORRUPT for a malformed one.
 */
const struct cairn_error *cairn_tree_diff(struct cairn_repo *repo,
    const struct cairn_oid *a, const struct cairn_oid *b,
    const char *const *paths, size_t npaths, cairn_diff_fn fn, void *arg);

#define CAIRN_CHECKOUT_FORCE	0x1	/* dir may be non-empty; replace entries */

/*
 * cairn_tree_checkout(repo, tree, dir, flags):
 * Write the files of tree into dir (created if missing; it must be empty
 * unless CAIRN_CHECKOUT_FORCE).  Entry names are validated before use;
 * nothing is ever written outside dir or through a symlink, whatever the
 * tree holds.  Modes are restored (executable bit, symlinks).
 */
const struct cairn_error *cairn_tree_checkout(struct cairn_repo *repo,
    const struct cairn_oid *tree, const char *dir, unsigned flags);

/* An identity: name, email, and a time with its UTC offset in minutes. */
struct cairn_ident {
	const char *name;
	const char *email;
	int64_t time;
	int tz_minutes;
};

/*
 * cairn_commit_create(repo, tree, parents, nparents, author, *     committer,
 message, out):
 * Store a commit in git's format.  tree must be a tree and each parent a
 * commit of the repository (CAIRN_ERR_NOT_FOUND, CAIRN_ERR_INVALID).
 * message is stored as given.
 */
const struct cairn_error *cairn_commit_create(struct cairn_repo *repo,
    const struct cairn_oid *tree, const struct cairn_oid *parents,
    size_t nparents, const struct cairn_ident *author,
    const struct cairn_ident *committer, const char *message,
    struct cairn_oid *out);

/*
 * cairn_tag_create(repo, object, name, tagger, message, out):
 * Store an annotated tag of object (which must be in the repository)
 * named name, in git's format.  message is stored as given.  No ref is
 * set.
 */
const struct cairn_error *cairn_tag_create(struct cairn_repo *repo,
    const struct cairn_oid *object, const char *name,
    const struct cairn_ident *tagger, const char *message,
    struct cairn_oid *out);

/*
 * cairn_log_walk(repo, start, max, fn, arg):
 * Call fn for the commits reachable from start (a commit, or a tag of
 * one), newest committer date first (as git log), each once, at most max
 * of them (0: no limit).  fn gets the commit's id and content.
 */
typedef int (*cairn_log_fn)(void *arg, const struct cairn_oid *id,
    const unsigned char *data, size_t len);
const struct cairn_error *cairn_log_walk(struct cairn_repo *repo,
    const struct cairn_oid *start, uint64_t max, cairn_log_fn fn, void *arg);

#define CAIRN_WALK_FIRST_PARENT	0x1	/* follow first parents only */
#define CAIRN_WALK_OBJECTS	0x2	/* then list trees, blobs and tags */

/* An object of a walk with CAIRN_WALK_OBJECTS, with its path or name. */
typedef int (*cairn_walk_object_fn)(void *arg, const struct cairn_oid *id,
    enum cairn_otype type, const char *path);

struct cairn_walk_opts {
	size_t size;		/* CAIRN_WALK_OPTS_INIT sets it */
	/*
	 * Where to start: commits, or tags of them; with CAIRN_WALK_OBJECTS
	 * also trees and blobs (paths[i], if paths is not NULL, is the
	 * path each was named by, as in "<rev>:<path>"; else "").
	 */
	const struct cairn_oid *starts;
	const char *const *paths;
	size_t nstarts;
	/* Commits (or tags of them) whose history is left out: "^<rev>". */
	const struct cairn_oid *hide;
	size_t nhide;
	uint64_t max;		/* commits shown at most; 0: no limit */
	unsigned flags;		/* CAIRN_WALK_* */
	cairn_log_fn commit;	/* each commit shown; may be NULL */
	cairn_walk_object_fn object;	/* each other object; may be NULL */
	void *arg;		/* passed to both */
};
#define CAIRN_WALK_OPTS_INIT { .size = sizeof(struct cairn_walk_opts) }

/*
 * cairn_rev_walk(repo, opts):
 * The walk of git rev-list: call opts->commit for each commit reachable
 * from a starting point and not from a hidden one, newest committer date
 * first (ties: first reached first), each once, at most opts->max.  With
 * CAIRN_WALK_OBJECTS, then call opts->object for the tags, trees and
 * blobs they reach, as git rev-list --objects lists them: first the tags
 * peeled from the starting points (named by their "tag" line) and the
 * starting trees and blobs, then each shown commit's tree (path ""); a
 * tree before its entries, in tree order, with '/'-separated paths; each
 * object once; gitlinks not at all; nothing in the tree of a hidden
 * parent of a shown commit.  A nonzero return of a callback stops the
 * walk.  CAIRN_ERR_INVALID for a starting point that is not a commit
 * (without CAIRN_WALK_OBJECTS), CAIRN_ERR_NOT_FOUND for a missing object.
 */
const struct cairn_error *cairn_rev_walk(struct cairn_repo *repo,
    const struct cairn_walk_opts *opts);

/*
 * cairn_reach_check(repo, ids, n, missing, complete):
 * For each of the n objects ids[i], whether it and everything it reaches
 * through tree, commit and tag links (not gitlinks) are in the
 * repository, as a ref's target must be for gc to run: complete[i] = 1
 * if so, else 0 with missing[i] set to one object that is absent (ids[i]
 * itself, or one it reaches).  Trees, commits and tags are read (CRCs
 * checked, hashes not), blobs only looked up; what a complete object
 * reaches is not walked again for a later one.  Returns an error only if
 * the check could not be made: an object that is there but cannot be
 * read (CAIRN_ERR_CORRUPT, CAIRN_ERR_IO), CAIRN_ERR_NOMEM.
 */
const struct cairn_error *cairn_reach_check(struct cairn_repo *repo,
    const struct cairn_oid *ids, size_t n, struct cairn_oid *missing,
    int *complete);

/*
 * cairn_reach_unreachable(repo, fn, arg):
 * Call fn for every object of the repository (cairn_object_each's) that
 * no ref reaches through tree, commit and tag links, in id order, with
 * its type, as git fsck --unreachable lists them (everything unreachable,
 * not only the tips).  An object a ref reaches that is missing reaches
 * nothing more.  A nonzero return of fn stops the listing.
 */
typedef int (*cairn_unreachable_fn)(void *arg, const struct cairn_oid *id,
    enum cairn_otype type);
const struct cairn_error *cairn_reach_unreachable(struct cairn_repo *repo,
    cairn_unreachable_fn fn, void *arg);

/* Refs: named roots, "refs/<name>" holding "<hex id>\n". */

enum cairn_ref_op {
	CAIRN_REF_SET = 1,	/* point name at new_id (if has_old: only if at old_id) */
	CAIRN_REF_CREATE,	/* point name at new_id, only if it does not exist */
	CAIRN_REF_DELETE,	/* remove name (if has_old: only if at old_id) */
	CAIRN_REF_VERIFY,	/* has_old: name is at old_id; else: name does not exist */
};

struct cairn_ref_update {
	enum cairn_ref_op op;
	const char *name;
	struct cairn_oid new_id;
	int has_old;
	struct cairn_oid old_id;
};

/*
 * cairn_ref_name_check(name):
 * NULL if name is a valid ref name (git's check-ref-format rules with
 * one-level names allowed, components of at most 255 bytes), else
 * CAIRN_ERR_INVALID saying why.
 */
const struct cairn_error *cairn_ref_name_check(const char *name);

/*
 * The id name points at.  CAIRN_ERR_NOT_FOUND if there is no such ref.
 * The object a ref names is found by a read that follows, even when
 * another process committed it a moment before.
 */
const struct cairn_error *cairn_ref_get(struct cairn_repo *repo,
    const char *name, struct cairn_oid *out);

/*
 * cairn_ref_stat(repo, name, out, time_ns):
 * cairn_ref_get, and *time_ns (if time_ns is not NULL) = when the ref was
 * last set (created, moved, or set again to the same id), in nanoseconds
 * since the epoch (as finely as the file system keeps times); a disk
 * repository records it durably with the ref (cairn-repository(5)).
 * CAIRN_ERR_USAGE where the repository does not record it (one in
 * RADOS).
 */
const struct cairn_error *cairn_ref_stat(struct cairn_repo *repo,
    const char *name, struct cairn_oid *out, int64_t *time_ns);

/*
 * cairn_ref_transaction(repo, u, n):
 * Apply n updates as one transaction: every ref is locked (in name
 * order), every precondition checked and every new target checked to
 * exist durably before anything changes; if any check fails nothing
 * changes.  Each ref is replaced atomically and durably (after a crash a
 * ref holds its old or its new value), but other processes may see a
 * transaction half applied while it commits.  Errors:
 * CAIRN_ERR_CAS_MISMATCH ("ref 'x' is at A but expected B"),
 * CAIRN_ERR_EXISTS (create of an existing ref, or a name that conflicts
 * with a ref directory or file), CAIRN_ERR_NOT_FOUND (a missing ref where
 * one is required, or a missing target object), CAIRN_ERR_INVALID (a bad
 * name, a name twice), CAIRN_ERR_LOCKED (a lock held past
 * core.lockTimeout), CAIRN_ERR_READ_ONLY, CAIRN_ERR_IO.
 */
const struct cairn_error *cairn_ref_transaction(struct cairn_repo *repo,
    const struct cairn_ref_update *u, size_t n);

/* One-update shorthands; old may be NULL for no precondition. */
const struct cairn_error *cairn_ref_set(struct cairn_repo *repo,
    const char *name, const struct cairn_oid *new_id,
    const struct cairn_oid *old);
const struct cairn_error *cairn_ref_create(struct cairn_repo *repo,
    const char *name, const struct cairn_oid *new_id);
const struct cairn_error *cairn_ref_delete(struct cairn_repo *repo,
    const char *name, const struct cairn_oid *old);

/*
 * cairn_ref_list(repo, prefix, fn, arg):
 * Call fn for every ref whose name starts with prefix (NULL or "" for
 * all), in byte order of names.  A nonzero return of fn stops the walk
 * (and the call returns NULL).  refs/ is walked to any depth, never
 * through a symbolic link.  What is there but is no ref (a link, a FIFO,
 * an invalid name, a malformed or unreadable ref file, a directory that
 * cannot be read; "<ref>.lock" files aside) is not passed to fn: after
 * every good ref, the first such problem whose name could start with
 * prefix is returned (CAIRN_ERR_CORRUPT, or CAIRN_ERR_IO), so that a
 * caller that needs every root, as gc does, stops.
 */
/*
 * cairn_ref_list_publish(repo):
 * Write refs.list, the names of the refs, so that the repository can be
 * read from a plain web server (cairn_repo_open of its http:// URL lists
 * its refs from it).  From then on every ref transaction that creates or
 * deletes a ref writes it again.  CAIRN_ERR_USAGE for a repository in
 * memory.
 */
const struct cairn_error *cairn_ref_list_publish(struct cairn_repo *repo);

typedef int (*cairn_ref_fn)(void *arg, const char *name,
    const struct cairn_oid *id);
const struct cairn_error *cairn_ref_list(struct cairn_repo *repo,
    const char *prefix, cairn_ref_fn fn, void *arg);

/* Checking and repair. */

#define CAIRN_FSCK_QUICK	0x1	/* do not re-hash content */
#define CAIRN_FSCK_REPAIR	0x2	/* rebuild derived data, drop garbage */
#define CAIRN_FSCK_SALVAGE	0x4	/* rebuild from every intact record;
					   quarantine what is damaged */

/* What a finding of cairn_repo_fsck is about. */
enum cairn_finding_kind {
	CAIRN_FINDING_CONFIG = 1,	/* the config file or a setting */
	CAIRN_FINDING_MANIFEST,
	CAIRN_FINDING_DATA,		/* the data file or a record in it */
	CAIRN_FINDING_OBJECT,		/* an object's content or syntax */
	CAIRN_FINDING_LINK,		/* what an object names */
	CAIRN_FINDING_INDEX,		/* an index segment or its entries */
	CAIRN_FINDING_BLOOM,		/* a segment's bloom filter */
	CAIRN_FINDING_WAL,		/* the write-ahead log */
	CAIRN_FINDING_REF,
	CAIRN_FINDING_LOCK,		/* a ref's lock file */
	CAIRN_FINDING_TMP,		/* a leftover temporary file */
	CAIRN_FINDING_STRAY,		/* a file no one names */
	CAIRN_FINDING_LAYOUT,		/* a directory or lock file every
					   command needs */
};

/* "config", "manifest", ... "layout"; "unknown" for another value. */
const char *cairn_finding_kind_name(enum cairn_finding_kind kind);

#define CAIRN_FINDING_NO_OFFSET UINT64_MAX

/*
 * One problem found by cairn_repo_fsck.  Its subject is given by its parts,
 * each NULL (offset: CAIRN_FINDING_NO_OFFSET) when it is not part of
 * it, and printed as one string: the ref, else the object's id, else
 * the file with "@<offset>".  A finding's identity is its kind and its
 * subject's parts, never its message (which may change between runs).
 */
struct cairn_finding {
	int error;		/* 1: error, 0: warning */
	enum cairn_finding_kind kind;
	const char *file;	/* a file or directory, relative to the
				   repository */
	uint64_t offset;	/* a byte offset in file */
	const struct cairn_oid *id;	/* an object */
	const char *ref;	/* a ref or lock, its name under refs/ ("" for
				   refs/ itself) */
	const char *key;	/* a setting of the config */
	const char *subject;	/* the subject as printed */
	const char *message;
	int repairable;		/* derived or garbage: --repair fixes it */
	int repaired;		/* with CAIRN_FSCK_REPAIR: it was fixed */
	const char *check;	/* about an object's content: git fsck's
				   message id ("zeroPaddedFilemode",
				   struct cairn_check_msg), else NULL */
};

typedef void (*cairn_finding_fn)(void *arg, const struct cairn_finding *f);

struct cairn_fsck_opts {
	size_t size;		/* CAIRN_FSCK_OPTS_INIT sets it */
	unsigned flags;		/* CAIRN_FSCK_* */
	cairn_finding_fn report;	/* each finding; may be NULL */
	cairn_progress_fn progress;	/* phase "check": bytes of records
					   read of total; may be NULL */
	void *arg;		/* passed to report and progress */
	unsigned threads;	/* that verify content at once; 0: one per
				   online CPU.  Findings are the same. */
};
#define CAIRN_FSCK_OPTS_INIT { .size = sizeof(struct cairn_fsck_opts) }

struct cairn_fsck_result {
	size_t size;		/* CAIRN_FSCK_RESULT_INIT sets it */
	uint64_t records;	/* data and WAL records read */
	uint64_t bytes;		/* bytes of records read */
	uint64_t objects;	/* distinct objects found */
	uint64_t errors, warnings;	/* findings that remain */
	uint64_t repaired;
	uint64_t object_warnings;	/* of warnings, those about object
					   content git fsck also only warns
					   of (a zero-padded mode): history
					   no repair can change */
};
#define CAIRN_FSCK_RESULT_INIT { .size = sizeof(struct cairn_fsck_result) }

/*
 * cairn_repo_fsck(path, opts, res):
 * Check every file of the repository at path (man/cairn-repository.5
 * lists what is checked) without trusting any of them (so it takes a
 * path, not a handle: a repository too damaged to open is checked too),
 * and call opts->report for each finding.  opts may be NULL: a check
 * without repair that reports nothing but res.  With CAIRN_FSCK_REPAIR,
 * under the writer lock, it
 * also rebuilds the index segments and blooms (and, if need be, the
 * manifest) from the data file alone, drops a torn WAL tail, and removes
 * stale locks, temporary and stray files, then checks again; it never
 * deletes or alters a record whose content verifies.  Findings are
 * reported once, marked repaired when the second check no longer finds
 * them.  Returns an error only if the check could not run
 * (CAIRN_ERR_NOT_REPO, CAIRN_ERR_LOCKED, CAIRN_ERR_IO, or CAIRN_ERR_USAGE
 * for a size field not set).  Disk repositories only.
 */
const struct cairn_error *cairn_repo_fsck(const char *path,
    const struct cairn_fsck_opts *opts, struct cairn_fsck_result *res);

/* Garbage collection. */

struct cairn_gc_opts {
	size_t size;		/* CAIRN_GC_OPTS_INIT sets it */
	/*
	 * Objects written or touched (put again) at or after this time, in
	 * seconds since the epoch, are kept as if reachable, with all they
	 * reach.  INT64_MIN keeps everything; INT64_MAX keeps only what refs
	 * reach.  The default keeps everything: set it, from a prune spec
	 * with cairn_gc_expiry_parse, say.
	 */
	int64_t keep_since;
	int dry_run;		/* count, change nothing */
	/* Phases "scan", "mark", "copy", counting objects; may be NULL. */
	cairn_progress_fn progress;
	void *arg;		/* passed to progress and removed */
	/*
	 * Each object that goes (with dry_run: would go), in id order,
	 * once the mark is done and before anything changes: its id, type,
	 * content size and the time it was last written or touched.  May
	 * be NULL.
	 */
	void (*removed)(void *arg, const struct cairn_oid *id,
	    enum cairn_otype type, uint64_t size, int64_t time);
	/*
	 * A plan for a size budget (gc --max-size), with dry_run only
	 * (CAIRN_ERR_USAGE otherwise, and in RADOS): the refs named
	 * plan_refs[0..plan_n) are left out of the roots, so that the
	 * result counts what gc would keep and remove were they deleted;
	 * then they are marked one after another, in that order, and
	 * plan_bytes[i] (the caller's array of plan_n) is set to the record
	 * bytes gc would keep with plan_refs[0..i] kept too.  A name that
	 * is no ref adds nothing.  What the plan's refs reach is checked as
	 * what the others reach is: a damaged object stops the dry run.
	 */
	const char *const *plan_refs;
	size_t plan_n;
	uint64_t *plan_bytes;
};
#define CAIRN_GC_OPTS_INIT { .size = sizeof(struct cairn_gc_opts), \
	.keep_since = INT64_MIN }

struct cairn_gc_result {
	size_t size;		/* CAIRN_GC_RESULT_INIT sets it */
	uint64_t kept, kept_bytes;	/* objects and their record bytes */
	uint64_t removed, removed_bytes;
};
#define CAIRN_GC_RESULT_INIT { .size = sizeof(struct cairn_gc_result) }

/*
 * cairn_gc_expiry_parse(spec, now, out):
 * The keep_since time for a prune spec as git's gc.pruneExpire takes it:
 * "now", "never", "<n>.<unit>[.ago]" or "<n> <unit> ago" with unit
 * second, minute, hour, day, week, month (30 days) or year (365 days),
 * plural or not, or "@<seconds>".  CAIRN_ERR_INVALID otherwise.
 */
const struct cairn_error *cairn_gc_expiry_parse(const char *spec, int64_t now,
    int64_t *out);

/*
 * cairn_repo_gc(path, opts, res):
 * Collect the repository at path, as cairn_repo_fsck takes it (the call
 * opens it for writing and closes it again; a handle of this process
 * that holds the writer lock, in a batch, makes it wait and fail with
 * CAIRN_ERR_LOCKED).  opts may be NULL: keep everything, which compacts.
 * Under the writer lock and an exclusive lock that holds off ref updates:
 * mark every object reachable from refs through tree, commit and tag
 * links, plus those kept by opts->keep_since and what they reach; copy
 * the marked records raw (no recompression) to a new data file, index
 * it, and publish a manifest naming the new generation; then delete the
 * old files.  A crash at any point leaves the old generation or the new
 * one.  Readers that hold old files keep reading them.  Nothing is
 * removed unless every ref and every object a ref reaches was read whole
 * and intact: a problem under refs/ (see cairn_ref_list), a reachable
 * object missing here and in the alternate, or one whose stored bytes
 * fail their CRC or hash, stops gc first (CAIRN_ERR_CORRUPT, or
 * CAIRN_ERR_IO; the message ends "nothing was removed").
 */
const struct cairn_error *cairn_repo_gc(const char *path,
    const struct cairn_gc_opts *opts, struct cairn_gc_result *res);

/* Configuration. */

/*
 * cairn_repo_config_get(repo, key, value):
 * *value = the value of key (valid until the next config call).
 * CAIRN_ERR_INVALID for a malformed key or one cairn does not know;
 * CAIRN_ERR_NOT_FOUND if key is not set (*value is NULL).
 */
const struct cairn_error *cairn_repo_config_get(struct cairn_repo *repo,
    const char *key, const char **value);

/*
 * cairn_repo_config_set(repo, key, value):
 * Durably set key (value NULL: remove it, as cairn_repo_config_unset).
 * CAIRN_ERR_INVALID for a malformed or unknown key, a value the key does
 * not take, or a read-only key (object.format, core.formatVersion).
 */
const struct cairn_error *cairn_repo_config_set(struct cairn_repo *repo,
    const char *key, const char *value);

/*
 * cairn_repo_config_unset(repo, key):
 * Durably remove key.  CAIRN_ERR_NOT_FOUND if it is not set;
 * CAIRN_ERR_INVALID for a malformed key, a read-only key, core.alternate,
 * or an unknown key the file does not hold; CAIRN_ERR_READ_ONLY on a
 * read-only handle.
 */
const struct cairn_error *cairn_repo_config_unset(struct cairn_repo *repo,
    const char *key);

/* Call fn for every setting, in file order; a nonzero return stops. */
/*
 * cairn_config_default(key):
 * The value a known key has when it is not set ("2.weeks.ago" for
 * gc.pruneExpire), or NULL if it has none or is not known.
 */
const char *cairn_config_default(const char *key);

typedef int (*cairn_config_fn)(void *arg, const char *key,
    const char *value);
void cairn_repo_config_list(struct cairn_repo *repo, cairn_config_fn fn,
    void *arg);

#endif
