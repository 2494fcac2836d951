/*
 * transfer.h: moving objects between repositories, what bundles
 * (cmd_bundle.c) and the serve protocol (remote.c) share.
 *
 * The object stream, the part of a bundle or of a transfer that carries
 * objects, is a sequence of records:
 *
 *   object:  type (1 byte, cairn_otype 1-4), size (8 bytes, big-endian),
 *            id (the repository's hash length, raw), content (size bytes)
 *   end:     type 0, size = the number of object records before it
 *   error:   type 255, size = the length of a message that follows: the
 *            sender failed part way (its message is the receiver's error)
 *
 * Nothing in a stream is trusted: every object is hashed as it is
 * received and refused unless its content hashes to its id, and the
 * count of the end record must match.
 */
#ifndef CAIRN_TRANSFER_H
#define CAIRN_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "progress.h"

#define XFER_END	0
#define XFER_ERROR	255

/* A growing array of ids. */
struct xfer_ids {
	struct cairn_oid *v;
	size_t n, cap;
};

const struct cairn_error *xfer_ids_add(struct xfer_ids *s,
    const struct cairn_oid *id);
void xfer_ids_release(struct xfer_ids *s);

/*
 * Buffered output to a file descriptor; if h is set, every byte is
 * also hashed.  The first failure is kept in err and later writes do
 * nothing.  If meter is set, xfer_send counts on it the objects and
 * bytes of content it sends, of their totals.
 */
struct xfer_out {
	int fd;
	struct cairn_hasher *h;
	struct cmd_meter *meter;
	const struct cairn_error *err;
	size_t len;
	unsigned char buf[65536];
};

void xfer_put(struct xfer_out *o, const void *p, size_t n);
const struct cairn_error *xfer_flush(struct xfer_out *o);

/*
 * Read exactly n bytes of in (hashed into h if not NULL).
 * CAIRN_ERR_CORRUPT "<what> is truncated" at a premature end,
 * CAIRN_ERR_IO on a read error.
 */
const struct cairn_error *xfer_read_full(struct cmd_input *in, void *buf,
    size_t n, struct cairn_hasher *h, const char *what);

/*
 * xfer_collect(repo, tips, ntips, hide, nhide, out): the ids of every
 * object reachable from tips and not from hide (which may name anything:
 * only those that are commits of the repository, or tags of them, are
 * used), each after every object it names (as far as committer dates
 * order history): trees and blobs, then commits oldest first, then
 * tags.  The objects of hide are assumed whole on the side that
 * receives.
 */
const struct cairn_error *xfer_collect(struct cairn_repo *repo,
    const struct cairn_oid *tips, size_t ntips,
    const struct cairn_oid *hide, size_t nhide, struct xfer_ids *out);

/*
 * xfer_missing(repo, ids, need): bit i of need (ceil(n/8) bytes, least
 * significant bit first) is set when ids->v[i] is not in repo.  The
 * lookups go through the segments' bloom filters, so what is absent
 * costs no read.
 */
const struct cairn_error *xfer_missing(struct cairn_repo *repo,
    const struct xfer_ids *ids, unsigned char *need);

/*
 * xfer_send(repo, ids, need, o): write the objects of ids whose bit is
 * set in need (all if need is NULL) as records, then the end record.
 */
const struct cairn_error *xfer_send(struct cairn_repo *repo,
    const struct xfer_ids *ids, const unsigned char *need,
    struct xfer_out *o);

/* Write an error record carrying err's message. */
void xfer_send_error(struct xfer_out *o, const struct cairn_error *err);

/*
 * xfer_receive(repo, algo, in, h, count): read a stream up to its end
 * record, re-hash every object and store it in repo (NULL: only check
 * them), hashing the bytes read into h if not NULL.  Objects are
 * committed in batches as they come (and whenever the sender makes us
 * wait, so that the writer lock is not held meanwhile), and after a
 * failure what came whole before it is committed too: a transfer run
 * again sends only the rest.
 * *count is the number of object records.  CAIRN_ERR_CORRUPT for a
 * malformed stream, or an object whose content does not hash to its id.
 */
const struct cairn_error *xfer_receive(struct cairn_repo *repo,
    enum cairn_hash_algo algo, struct cmd_input *in,
    struct cairn_hasher *h, uint64_t *count);

/*
 * xfer_receive_metered(repo, algo, in, h, meter, expect, count):
 * xfer_receive, counting on meter the objects and bytes of content
 * received, of expect objects (0: not known).
 */
const struct cairn_error *xfer_receive_metered(struct cairn_repo *repo,
    enum cairn_hash_algo algo, struct cmd_input *in,
    struct cairn_hasher *h, struct cmd_meter *meter, uint64_t expect,
    uint64_t *count);

/*
 * xfer_connected(repo, tips, ntips, have, nhave): NULL if everything
 * reachable from tips is in repo, given that what have reaches is
 * (have: the tips of the repository's refs).  CAIRN_ERR_NOT_FOUND
 * naming an object that is missing.
 */
const struct cairn_error *xfer_connected(struct cairn_repo *repo,
    const struct cairn_oid *tips, size_t ntips,
    const struct cairn_oid *have, size_t nhave);

/* The tips of every ref of repo, for xfer_connected's have. */
const struct cairn_error *xfer_ref_tips(struct cairn_repo *repo,
    struct xfer_ids *out);

#endif
