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
 *
 * A value read back is the value set: cairn_config_set refuses a value
 * with a control character (other than a tab inside it) or a blank at
 * either end, which the reader would split or trim.  A file is at most
 * CAIRN_CONFIG_MAX bytes: readers refuse a larger one (the repository
 * would not open), so no write makes one.
 */

/* The largest config file a repository reads, in bytes. */
#define CAIRN_CONFIG_MAX ((size_t)1 << 20)
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

/*
 * Parse the len bytes at text (text[len] must be NUL): as
 * cairn_config_parse, but a NUL byte inside, which would hide every
 * line after it, is CAIRN_ERR_CORRUPT naming its offset.  What a reader
 * of a config file calls.
 */
const struct cairn_error *cairn_config_parse_buf(struct cairn_config *cfg,
    const char *text, size_t len, const char *path);
void cairn_config_release(struct cairn_config *cfg);

/* The value of key, or NULL. */
const char *cairn_config_get(const struct cairn_config *cfg, const char *key);

/*
 * Set key to value in memory.  CAIRN_ERR_INVALID for a malformed key, a
 * value that would not read back as given (see above), or one that the
 * command reading the key would refuse (user.name and user.email hold
 * no '<' or '>', as a commit's identity).
 */
const struct cairn_error *cairn_config_set(struct cairn_config *cfg,
    const char *key, const char *value);

/* Nonzero if key is a well-formed key. */
int cairn_config_key_valid(const char *key);

/*
 * Serialise and durably write to path through tmpdir.  CAIRN_ERR_INVALID
 * if the file would exceed CAIRN_CONFIG_MAX (nothing written);
 * CAIRN_ERR_CORRUPT if tmpdir is there but no directory (a symbolic
 * link is not followed: nothing is written where it points); a missing
 * tmpdir is made again.
 */
const struct cairn_error *cairn_config_write(const struct cairn_config *cfg,
    struct cairn_vfs *vfs, const char *tmpdir, const char *path);

/* Parse an integer value in [min, max]; CAIRN_ERR_INVALID names key. */
const struct cairn_error *cairn_config_int(long long *out,
    const struct cairn_config *cfg, const char *key, long long dflt,
    long long min, long long max);

#endif
