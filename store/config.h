/*
 * config.h: the repository's config file.
 *
 * <repo>/config is text, one setting per line:
 *
 *   # comment
 *   key = value
 *
 * Keys are section.name (letters, digits, '.', '-', '_'; compared
 * case-insensitively, stored as first written); the value runs to the end
 * of the line with surrounding blanks removed.  Known keys:
 * core.formatVersion (1), object.format (sha256 or sha1, fixed at init),
 * core.compression (0-9, default 1), core.lockTimeout (milliseconds,
 * default 5000), core.walLimit (bytes before an automatic flush, default
 * 16 MiB), core.bigFileThreshold (bytes above which an object is not
 * written twice, default 1 MiB), gc.pruneExpire, user.name, user.email.
 * The file is replaced whole (tmp, fsync, rename, fsync dir) on every set.
 */
#ifndef CAIRN_CONFIG_H
#define CAIRN_CONFIG_H

#include <stddef.h>

#include "error.h"
#include "vfs.h"

struct cairn_config_item {
	char *key;
	char *value;
};

struct cairn_config {
	struct cairn_config_item *items;
	size_t n;
};

/* Parse text (NUL-terminated); CAIRN_ERR_CORRUPT names the line. */
const struct cairn_error *cairn_config_parse(struct cairn_config *cfg,
    const char *text, const char *path);
void cairn_config_release(struct cairn_config *cfg);

/* The value of key, or NULL. */
const char *cairn_config_get(const struct cairn_config *cfg, const char *key);

/* Set key (validated: CAIRN_ERR_INVALID) to value in memory. */
const struct cairn_error *cairn_config_set(struct cairn_config *cfg,
    const char *key, const char *value);

/* Nonzero if key is a well-formed key. */
int cairn_config_key_valid(const char *key);

/* Serialise and durably write to path through tmpdir. */
const struct cairn_error *cairn_config_write(const struct cairn_config *cfg,
    struct cairn_vfs *vfs, const char *tmpdir, const char *path);

/* Parse an integer value in [min, max]; CAIRN_ERR_INVALID names key. */
const struct cairn_error *cairn_config_int(long long *out,
    const struct cairn_config *cfg, const char *key, long long dflt,
    long long min, long long max);

#endif
