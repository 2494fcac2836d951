/*
 * hooks.h: the test build of cairn ($(O)/tests/bin/cairn, main.c), the
 * shipped command with two hooks the shell tests drive through the
 * environment:
 *
 *   CAIRN_TEST_FAULT="<n>[+]:<EIO|ENOSPC|short>"
 *	The fault layer (fault.h) fails mutating call n (every one from n
 *	on with "+") with EIO or ENOSPC, or makes it a short write.  A
 *	value of another form is ignored.
 *   CAIRN_TEST_REF_SLEEP=<ms>
 *	A ref update pauses <ms> milliseconds with all its locks taken and
 *	checked, before it changes anything (the ref-sleep layer below), to
 *	be killed or raced there.  Once per process.
 *   CAIRN_TEST_RADOS_FAULT=cas
 *	Every compare of a RADOS commit or ref update fails, as endless
 *	contention would (store/rados.h, cairn_rados_fault_cas).
 *
 * The shipped library and binary know nothing of either: the hooks are
 * I/O layers installed as the process's default (cairn_vfs_set_default).
 */
#ifndef CAIRN_HOOKS_H
#define CAIRN_HOOKS_H

#include "vfs.h"

/*
 * cairn_test_ref_sleep(below, ms):
 * The ref-sleep layer over below.  A ref lock is a file opened by openat
 * whose name ends in ".lock" and that is then flocked exclusively; it is
 * held until closed.  The first pwrite to a held lock (a set or create
 * writing the new value) or the first unlinkat of another name while a
 * lock is held (a delete removing the ref) sleeps ms first.  NULL if out
 * of memory.
 */
struct cairn_vfs *cairn_test_ref_sleep(struct cairn_vfs *below, long ms);

/*
 * cairn_test_hooks_install():
 * Put the layers the environment asks for over the real one, fault
 * layer below, and make the top one the default.  Without either
 * variable the default stays the real layer.
 */
void cairn_test_hooks_install(void);

#endif
