/*
 * lock.h: the one timed flock of a repository.
 *
 * Every lock a command may wait for is taken with the same policy: the
 * writer lock (the file "lock", also held while the config is rewritten
 * and by fsck --repair), gc.lock (exclusive for gc, shared by ref
 * updates) and each ref's lock file.  A busy lock is tried again after a
 * pause that starts at 1 ms and doubles up to 32 ms, until it is taken
 * or the wait's budget (core.lockTimeout, CAIRN_LOCK_TIMEOUT_MS by
 * default) is spent; the locks of one operation share one budget.  Then
 * the error is CAIRN_ERR_LOCKED and names, where the system says so
 * (Linux's /proc/locks), the process that holds the lock and since when
 * it runs.
 */
#ifndef CAIRN_LOCK_H
#define CAIRN_LOCK_H

#include <sys/stat.h>
#include <stddef.h>

#include "error.h"
#include "vfs.h"

#define CAIRN_LOCK_TIMEOUT_MS 5000	/* core.lockTimeout's default */

struct cairn_lock_wait {
	long long timeout_ms;	/* the whole wait allowed */
	long long left_ms;	/* what is left of it */
	long step_ms;		/* the next pause */
};

void cairn_lock_wait_init(struct cairn_lock_wait *w, long long timeout_ms);

/*
 * After a failed attempt: 0 if the budget is spent (give up), else pause
 * and return 1 (try again).
 */
int cairn_lock_pause(struct cairn_lock_wait *w);

/*
 * cairn_lock_take(vfs, fd, op, w, path, what):
 * flock(2) fd with op (LOCK_EX or LOCK_SH), waiting as above.  A lock
 * still busy when w's budget is spent is CAIRN_ERR_LOCKED: "<what>
 * (waited <n> ms[; held by ...])"; any other failure CAIRN_ERR_IO
 * naming path.
 */
const struct cairn_error *cairn_lock_take(struct cairn_vfs *vfs, int fd,
    int op, struct cairn_lock_wait *w, const char *path, const char *what);

/*
 * cairn_lock_busy(w, st, what):
 * The CAIRN_ERR_LOCKED error for a lock on the file st describes, as
 * cairn_lock_take gives it, for a caller that runs its own attempts.
 */
const struct cairn_error *cairn_lock_busy(const struct cairn_lock_wait *w,
    const struct stat *st, const char *what);

#endif
