/*
 * backend.h: the storage backend interface, a versioned struct of
 * function pointers.  The public API of cairn.h is a thin layer over it;
 * the disk backend (disk.c) and the memory backend (memory.c) implement
 * it.  A new operation is appended with a version bump; callers check
 * ops->version before using an operation added later.
 */
#ifndef CAIRN_BACKEND_H
#define CAIRN_BACKEND_H

#include "cairn.h"
#include "buf.h"

#define CAIRN_BACKEND_VERSION 5

struct cairn_backend;

struct cairn_backend_ops {
	int version;
	void (*close)(struct cairn_backend *);
	/* Reads.  read appends the content to out. */
	const struct cairn_error *(*read)(struct cairn_backend *,
	    const struct cairn_oid *, unsigned flags, int *type,
	    struct cairn_buf *out);
	const struct cairn_error *(*read_stream)(struct cairn_backend *,
	    const struct cairn_oid *, unsigned flags, cairn_write_fn, void *);
	const struct cairn_error *(*stat)(struct cairn_backend *,
	    const struct cairn_oid *, int *type, uint64_t *size);
	/* Up to two distinct ids matching the hex prefix; *n set to the count. */
	const struct cairn_error *(*prefix)(struct cairn_backend *,
	    const char *hex, size_t len, struct cairn_oid *out, int *n);
	/* Writes, always inside begin .. commit/abort. */
	const struct cairn_error *(*begin)(struct cairn_backend *);
	const struct cairn_error *(*write)(struct cairn_backend *,
	    struct cairn_oid *out, int type, const void *, size_t);
	const struct cairn_error *(*write_stream)(struct cairn_backend *,
	    struct cairn_oid *out, int type, cairn_read_fn, void *,
	    int64_t size);
	const struct cairn_error *(*commit)(struct cairn_backend *);
	void (*abort)(struct cairn_backend *);
	/* Maintenance. */
	const struct cairn_error *(*flush)(struct cairn_backend *);
	const struct cairn_error *(*stats)(struct cairn_backend *,
	    struct cairn_repo_stats *);
	const char *(*notice)(struct cairn_backend *);
	/* Refs (cairn.h has the contracts). */
	const struct cairn_error *(*ref_get)(struct cairn_backend *,
	    const char *name, struct cairn_oid *out);
	const struct cairn_error *(*ref_update)(struct cairn_backend *,
	    const struct cairn_ref_update *, size_t n);
	const struct cairn_error *(*ref_list)(struct cairn_backend *,
	    const char *prefix,
	    int (*fn)(void *, const char *, const struct cairn_oid *), void *);
	/*
	 * Pick up what other processes committed since the state was
	 * loaded; *changed set if anything was.  NULL where there is
	 * nothing to pick up.
	 */
	const struct cairn_error *(*refresh)(struct cairn_backend *,
	    int *changed);
	/* Maintenance that rewrites the store; NULL where unsupported. */
	const struct cairn_error *(*gc)(struct cairn_backend *,
	    const struct cairn_gc_opts *, struct cairn_gc_result *);
	/*
	 * Version 2.  Call fn with the id of every object present (an id
	 * may come more than once); a nonzero return of fn stops.  An index
	 * that cannot be read whole is an error, not a shorter list.  NULL
	 * where unsupported.
	 */
	const struct cairn_error *(*each)(struct cairn_backend *,
	    int (*fn)(void *, const unsigned char *id), void *);
	/*
	 * Version 3.  Write the list of ref names a reader over plain HTTP
	 * takes (refs.h, refs.list).  NULL where unsupported.
	 */
	const struct cairn_error *(*publish_refs)(struct cairn_backend *);
	/*
	 * Version 4.  A hint: the objects ids[0..n) will be read soon; a
	 * backend whose reads are round trips starts them now.  NULL where
	 * there is nothing to gain.
	 */
	void (*prefetch)(struct cairn_backend *, const struct cairn_oid *ids,
	    size_t n);
	/*
	 * Version 5.  ref_get, and the time the ref was last set, in
	 * nanoseconds since the epoch.  NULL where the backend does not
	 * record it.
	 */
	const struct cairn_error *(*ref_stat)(struct cairn_backend *,
	    const char *name, struct cairn_oid *out, int64_t *time);
};

/*
 * Counters of one backend, bumped with CAIRN_COUNT from any thread; a
 * backend's stats operation adds its own to those of what it wraps.
 */
struct cairn_counters {
	uint64_t reads, writes, cache_hits, cache_misses;
	uint64_t bloom_negatives, bloom_false_positives;
};

#define CAIRN_COUNT(field) __atomic_fetch_add(&(field), 1, __ATOMIC_RELAXED)

/* Add the counters c to st. */
void cairn_counters_add(struct cairn_repo_stats *st,
    const struct cairn_counters *c);

struct cairn_backend {
	const struct cairn_backend_ops *ops;
	int algo;
	struct cairn_counters counters;
	/* cairn_repo_set_progress's fn and arg, on the base backend. */
	cairn_progress_fn progress;
	void *progress_arg;
};

/*
 * below's ref_stat, or CAIRN_ERR_USAGE where below does not record ref
 * times (an older version, or NULL).
 */
const struct cairn_error *cairn_ref_stat_below(struct cairn_backend *below,
    const char *name, struct cairn_oid *out, int64_t *time);

/*
 * Wrappers.  Each takes ownership of what it wraps: closing the wrapper
 * closes it.  On failure the wrapped backends are closed too.
 *   read-only: every write fails with CAIRN_ERR_READ_ONLY;
 *   cached: an LRU of decoded objects of at most capacity bytes in front;
 *   layered: reads go to upper, then lower; writes and refs to upper.
 */
const struct cairn_error *cairn_wrap_readonly(struct cairn_backend **out,
    struct cairn_backend *below);
const struct cairn_error *cairn_wrap_cached(struct cairn_backend **out,
    struct cairn_backend *below, size_t capacity);
const struct cairn_error *cairn_wrap_layered(struct cairn_backend **out,
    struct cairn_backend *upper, struct cairn_backend *lower);

/*
 * A disk backend told about a lower repository checks ref targets and
 * follows gc's marking through it (objects it only links to may live
 * there).  lower stays owned by the caller.
 */
void cairn_disk_set_lower(struct cairn_backend *disk,
    struct cairn_backend *lower);

struct cairn_config;
struct cairn_vfs;

/* Parameters the repository layer hands to a backend at open. */
struct cairn_backend_params {
	int algo;
	int read_only;
	int level;			/* zlib level, 0 stores raw */
	long long lock_timeout_ms;
	long long wal_limit;
	long long big_threshold;
	struct cairn_vfs *vfs;
	/*
	 * Read over a layer where every read is a request and directories
	 * cannot be listed (http.c): the data file is read by ranges, never
	 * mapped whole, and the refs are listed from refs.list (refs.h).
	 */
	int remote;
};

const struct cairn_error *cairn_disk_open(struct cairn_backend **out,
    const char *path, const struct cairn_backend_params *p);
/* Create the files of an empty repository in the existing directory path. */
const struct cairn_error *cairn_disk_create(const char *path, int algo,
    struct cairn_vfs *vfs, const char *config, size_t config_len);
const struct cairn_error *cairn_memory_open(struct cairn_backend **out,
    const struct cairn_backend_params *p);

#endif
