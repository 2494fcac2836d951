/*
 * crash.h: the crash layer, an I/O layer that simulates power loss.
 *
 * It passes every call to the layer below (so the program sees its own
 * writes, as it would with a page cache), and keeps, beside the real
 * files, a model of what the disk holds durably: for each file the
 * content as of its last fsync or fdatasync, and the writes and
 * truncations made since; for each directory the entries as of its last
 * fsync, and the creates, renames, unlinks, mkdirs and rmdirs made since.
 * An fsync of a file makes its pending writes durable (not its name); an
 * fsync of a directory makes its pending entry operations durable, with
 * the operations they depend on (the create of a file renamed out of
 * another directory).  A rename between directories is durable when the
 * directory it renames into is synced; until then it happens whole or not
 * at all.
 *
 * Power fails right after mutating call crash_at (counted as the fault
 * layer counts them): every later mutating call fails with EIO and
 * changes nothing.  cairn_vfs_crash_state() then writes into a directory
 * one state the disk could be left in.
 *
 * Only paths under root are modelled; root must exist and be durable.
 * The tree under root when the layer starts is taken as durable.  The
 * real fsync calls are not made: what is durable is what the model says.
 */
#ifndef CAIRN_CRASH_H
#define CAIRN_CRASH_H

#include <stdint.h>

#include "error.h"
#include "vfs.h"

struct crash_model;

struct cairn_vfs_crash {
	struct cairn_vfs vfs;	/* must be first */
	struct cairn_vfs *below;
	long calls;		/* mutating calls seen so far */
	long crash_at;		/* 0: never */
	int crashed;		/* power has failed */
	int confused;		/* a call the model could not follow */
	/*
	 * A mutant, for showing that a checker sees a missing fsync: an
	 * fsync or fdatasync of a file or directory whose path under root
	 * matches this fnmatch(3) pattern ("" for root itself) succeeds
	 * without making anything durable.  NULL: none.
	 */
	const char *skip_sync;
	long skipped;		/* syncs the mutant skipped */
	struct crash_model *m;
};

/*
 * What a state keeps of the operations still pending at the crash:
 *   NONE: nothing (exactly the durable state);
 *   ALL: everything, in order (what a killed process leaves);
 *   RANDOM: for each directory a random prefix of its pending
 *	operations (an operation between two directories needs both), and
 *	for each pending write a random fate: kept, dropped, torn at a
 *	512-byte boundary (the first or the last part reaches the disk),
 *	or the range filled with zeros or with garbage (the new size
 *	reached the disk, the data did not).  Pending truncations are kept
 *	or dropped.
 */
enum cairn_crash_keep { CAIRN_CRASH_NONE, CAIRN_CRASH_ALL, CAIRN_CRASH_RANDOM };

/* Start the layer over below, taking the tree under root as durable. */
const struct cairn_error *cairn_vfs_crash_init(struct cairn_vfs_crash *c,
    struct cairn_vfs *below, const char *root);

/* Free the model.  Open descriptors stay open (the caller closes them). */
void cairn_vfs_crash_free(struct cairn_vfs_crash *c);

/*
 * cairn_vfs_crash_state(c, dir, keep, seed):
 * Write into dir (created; it must not exist) the tree a power loss at
 * this moment could leave under root, keeping what keep says of the
 * pending operations; seed drives the RANDOM choices.
 */
const struct cairn_error *cairn_vfs_crash_state(struct cairn_vfs_crash *c,
    const char *dir, enum cairn_crash_keep keep, uint64_t seed);

/* Pending operations the model holds now (writes and entry operations). */
long cairn_vfs_crash_pending(const struct cairn_vfs_crash *c);

#endif
