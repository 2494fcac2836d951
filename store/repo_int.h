/*
 * repo_int.h: repository entry points for tests inside the tree, not part
 * of the public API.
 */
#ifndef CAIRN_REPO_INT_H
#define CAIRN_REPO_INT_H

#include "cairn.h"
#include "vfs.h"

/* cairn_repo_open with an explicit I/O layer (a fault layer, say). */
const struct cairn_error *cairn_repo_open_vfs(const char *path, unsigned flags,
    struct cairn_vfs *vfs, struct cairn_repo **out);

/* The value of key in the handle's config, or NULL (no key check). */
const char *cairn_repo_cfg_value(struct cairn_repo *r, const char *key);

/* cairn_repo_init with an explicit I/O layer. */
const struct cairn_error *cairn_repo_init_vfs(const char *path,
    const struct cairn_init_opts *opts, struct cairn_vfs *vfs);

/*
 * cairn_repo_fsck with an explicit I/O layer: the check, the repair and the
 * opens a repair makes (recovery, the alternate) all go through vfs.
 */
const struct cairn_error *cairn_fsck_vfs(const char *path, unsigned flags,
    void (*report)(void *arg, const struct cairn_finding *f),
    void (*progress)(void *arg, uint64_t records, uint64_t bytes),
    void *arg, struct cairn_fsck_result *res, struct cairn_vfs *vfs);

#endif
