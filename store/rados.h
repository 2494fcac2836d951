/*
 * rados.h: repositories in a Ceph RADOS pool (rados.c has the layout).
 *
 * A repository is named rados://<pool>/<name>: its RADOS objects live in
 * the pool <pool>, in the namespace <name>.  librados is loaded when a
 * rados:// name is first used; a machine without it gets
 * CAIRN_ERR_IO naming the library, and a build without its header
 * CAIRN_ERR_IO saying the build has no RADOS support.
 */
#ifndef CAIRN_RADOS_H
#define CAIRN_RADOS_H

#include <stddef.h>

#include "backend.h"
#include "buf.h"

/* Nonzero if path names a RADOS repository ("rados://", any case). */
int cairn_rados_url(const char *path);

/*
 * Create an empty repository with config text config[0..len) (CAIRN_ERR_
 * EXISTS if the namespace already holds one).
 */
const struct cairn_error *cairn_rados_create(const char *url, int algo,
    const char *config, size_t len);

/* The repository's config text (CAIRN_ERR_NOT_REPO if there is none). */
const struct cairn_error *cairn_rados_config_read(const char *url,
    struct cairn_buf *out);
/* Replace the config text, durably. */
const struct cairn_error *cairn_rados_config_write(const char *url,
    const char *text, size_t len);

const struct cairn_error *cairn_rados_open(struct cairn_backend **out,
    const char *url, const struct cairn_backend_params *p);

/* As cairn_disk_set_lower (backend.h), for a RADOS backend. */
void cairn_rados_set_lower(struct cairn_backend *be,
    struct cairn_backend *lower);

/*
 * For the test build only (tests/support/hooks.c): every compare of a
 * commit or ref update fails, as endless contention would.
 */
void cairn_rados_fault_cas(int on);

/* cairn_repo_fsck of a RADOS repository (opts and res complete). */
const struct cairn_error *cairn_rados_fsck(const char *url,
    const struct cairn_fsck_opts *opts, struct cairn_fsck_result *res);

#endif
