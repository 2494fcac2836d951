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

#define CAIRN_BACKEND_VERSION 1

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
	    struct cairn_stats *);
	const char *(*notice)(struct cairn_backend *);
	/* Refs (cairn.h has the contracts). */
	const struct cairn_error *(*ref_get)(struct cairn_backend *,
	    const char *name, struct cairn_oid *out);
	const struct cairn_error *(*ref_update)(struct cairn_backend *,
	    const struct cairn_ref_update *, size_t n);
	const struct cairn_error *(*ref_list)(struct cairn_backend *,
	    const char *prefix,
	    int (*fn)(void *, const char *, const struct cairn_oid *), void *);
	/* Maintenance that rewrites the store; NULL where unsupported. */
	const struct cairn_error *(*gc)(struct cairn_backend *,
	    const struct cairn_gc_opts *, struct cairn_gc_result *);
};

struct cairn_backend {
	const struct cairn_backend_ops *ops;
	int algo;
	struct cairn_stats counters;	/* reads, writes, bloom_* only */
};

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
};

const struct cairn_error *cairn_disk_open(struct cairn_backend **out,
    const char *path, const struct cairn_backend_params *p);
/* Create the files of an empty repository in the existing directory path. */
const struct cairn_error *cairn_disk_create(const char *path, int algo,
    struct cairn_vfs *vfs, const char *config, size_t config_len);
const struct cairn_error *cairn_memory_open(struct cairn_backend **out,
    const struct cairn_backend_params *p);

#endif
