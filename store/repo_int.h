/*
 * repo_int.h: what the library's own files and the tests inside the tree
 * share beyond the public API: entry points taking an I/O layer or an
 * open handle, the sized-struct helpers, a handle's config.  Not part of
 * the public API.
 */
#ifndef CAIRN_REPO_INT_H
#define CAIRN_REPO_INT_H

#include "cairn.h"
#include "vfs.h"

/* cairn_repo_open with an explicit I/O layer (a fault layer, say). */
const struct cairn_error *cairn_repo_open_vfs(const char *path, unsigned flags,
    struct cairn_vfs *vfs, struct cairn_repo **out);

/*
 * Sized structs (cairn.h): cairn_sized_in copies the caller's struct
 * (NULL: none) over defaults into full, CAIRN_ERR_USAGE if its size field
 * is 0 or larger than full_size; cairn_sized_check checks a result
 * struct's size field; cairn_sized_out copies full into it, as far as
 * its size says.
 */
const struct cairn_error *cairn_sized_in(void *full, size_t full_size,
    const void *defaults, const void *given, const char *name);
const struct cairn_error *cairn_sized_check(const void *given,
    size_t full_size, const char *name);
void cairn_sized_out(void *given, const void *full, size_t full_size);

/* The value of key in the handle's config, or NULL (no key check). */
const char *cairn_repo_cfg_value(struct cairn_repo *r, const char *key);

/*
 * cairn_repo_gc on an open handle (the command line's and the tests'):
 * opts and res are full structs.
 */
const struct cairn_error *cairn_gc_handle(struct cairn_repo *r,
    const struct cairn_gc_opts *opts, struct cairn_gc_result *res);

/* cairn_repo_init with an explicit I/O layer. */
const struct cairn_error *cairn_repo_init_vfs(const char *path,
    const struct cairn_init_opts *opts, struct cairn_vfs *vfs);

/*
 * cairn_repo_fsck with an explicit I/O layer: the check, the repair and the
 * opens a repair makes (recovery, the alternate) all go through vfs.
 */
const struct cairn_error *cairn_fsck_vfs(const char *path,
    const struct cairn_fsck_opts *opts, struct cairn_fsck_result *res,
    struct cairn_vfs *vfs);

#endif
