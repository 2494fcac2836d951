/*
 * fault.h: the fault layer, an I/O layer that fails chosen calls.  The
 * unit tests set one up around a repository; the test build of cairn
 * takes one from CAIRN_TEST_FAULT (hooks.h).
 */
#ifndef CAIRN_FAULT_H
#define CAIRN_FAULT_H

#include "vfs.h"

/*
 * The fault layer: passes calls to below, counting the mutating ones
 * (open or openat with O_CREAT or O_TRUNC, pwrite, fsync, fdatasync,
 * ftruncate, rename, renameat, unlink, unlinkat, mkdir, mkdirat, rmdir).
 * Call number fail_at (1-based) fails with err, or, for a pwrite with
 * err == 0, writes half its bytes (a short write).
 * With persistent set, every mutating call from fail_at on fails.
 */
struct cairn_vfs_fault {
	struct cairn_vfs vfs;	/* must be first */
	struct cairn_vfs *below;
	long calls;		/* mutating calls seen so far */
	long fail_at;		/* 0: never */
	int err;		/* errno to fail with; 0: short write */
	int persistent;
	int fired;		/* a call was failed */
};

void cairn_vfs_fault_init(struct cairn_vfs_fault *f, struct cairn_vfs *below);

#endif
