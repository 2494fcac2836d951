/*
 * config.h: the repository's config file and the table of its keys.
 *
 * <repo>/config is text, one setting per line:
 *
 *   # comment
 *   key = value
 *
 * Keys are section.name (letters, digits, '.', '-', '_'; compared
 * case-insensitively); the value runs to the end of the line with
 * surrounding blanks removed.  The file is replaced whole (tmp, fsync,
 * rename, fsync dir) on every set or unset.
 *
 * The keys a repository knows are one table in config.c (see
 * cairn_config_key_find): each with its type, default, range, flags and
 * a line of description.  Setting checks a value against it; opening a
 * repository and fsck read values through it.  No section is open to
 * keys of the user's own (git's user.* takes anything; ours does not): a
 * key the table does not hold, such as user.emial, is refused when set
 * or read, so a typo is never kept and then silently ignored.  A file
 * may still hold one (written by hand, or by another version): it is
 * kept, listed, and can be unset.  A key set anew is stored as the table
 * spells it.
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

#include "buf.h"
#include "error.h"
#include "vfs.h"

/* How a key's value is read and checked. */
enum cairn_config_type {
	CAIRN_CONFIG_INT,	/* a decimal integer in [min, max] */
	CAIRN_CONFIG_STRING,	/* any value that reads back as written */
	CAIRN_CONFIG_EXPIRY,	/* a prune time cairn_gc_expiry_parse takes */
	CAIRN_CONFIG_IDENT,	/* a commit identity part: no '<' or '>' */
	CAIRN_CONFIG_PATH,	/* a path, not empty (the repository checks
				 * what it names when it is set) */
	CAIRN_CONFIG_FORMAT,	/* a hash name cairn_hash_parse takes */
};

/* Set by init only: set and unset refuse the key. */
#define CAIRN_CONFIG_READ_ONLY	0x1
/* Unset refuses the key (what it names is relied on once set). */
#define CAIRN_CONFIG_KEEP	0x2
/*
 * A family of keys, "<section>.<name>.<key>" for any name of letters,
 * digits, '-' and '_' (remote.<name>.url): the entry's key holds '*'
 * where the name goes, and a key is written as it was given.
 */
#define CAIRN_CONFIG_FAMILY	0x4

/* A known key. */
struct cairn_config_key {
	const char *key;	/* as written to a new file */
	enum cairn_config_type type;
	unsigned flags;		/* CAIRN_CONFIG_READ_ONLY, _KEEP */
	const char *dflt;	/* the value when unset, or NULL for none */
	long long min, max;	/* CAIRN_CONFIG_INT: the range */
	const char *description;	/* one line, for people */
};

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
 * Set key to value in memory, or remove key if value is NULL.
 * CAIRN_ERR_INVALID for a malformed or unknown key (one line: "invalid
 * config key '...'" or "unknown config key '...'"), a read-only key, or
 * a value cairn_config_check refuses.  Removing: CAIRN_ERR_NOT_FOUND if
 * cfg does not hold key; CAIRN_ERR_INVALID for a malformed key, a
 * read-only or CAIRN_CONFIG_KEEP key, or an unknown key cfg does not
 * hold (an unknown key cfg holds is removed).
 */
const struct cairn_error *cairn_config_set(struct cairn_config *cfg,
    const char *key, const char *value);

/*
 * The table's entry for key (compared without regard to case), or NULL
 * if key is unknown (or malformed).  Static: never freed.
 */
const struct cairn_config_key *cairn_config_key_find(const char *key);

/* The whole table, *n entries, in the order of the man page. */
const struct cairn_config_key *cairn_config_key_list(size_t *n);

/*
 * NULL if key is a known key, else CAIRN_ERR_INVALID: "invalid config
 * key '...'" if it is malformed, "unknown config key '...'" if the table
 * does not hold it.
 */
const struct cairn_error *cairn_config_key_check(const char *key);

/*
 * NULL if value is one that key (known) can hold: it reads back as
 * written, and its type and range take it.  CAIRN_ERR_INVALID naming
 * key otherwise.  What set checks, and what fsck checks of every known
 * key a file holds.
 */
const struct cairn_error *cairn_config_check(const struct cairn_config_key *k,
    const char *value);

/*
 * The integer key (a CAIRN_CONFIG_INT key of the table) in cfg, or its
 * default if cfg does not set it.  CAIRN_ERR_INVALID naming key if the
 * value is outside the table's range; *out is then the default, for a
 * caller that goes on with it (a lock wait).  Callers never repeat a
 * default or a bound.
 */
const struct cairn_error *cairn_config_number(long long *out,
    const struct cairn_config *cfg, const char *key);

/*
 * A new repository's config in cfg (which is overwritten): the
 * read-only keys, core.formatVersion from the table and object.format
 * = format (a hash name).  Add the rest with cairn_config_set.
 */
const struct cairn_error *cairn_config_new(struct cairn_config *cfg,
    const char *format);

/* Append cfg as the file holds it ("key = value" lines) to b. */
const struct cairn_error *cairn_config_text(struct cairn_buf *b,
    const struct cairn_config *cfg);

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

/*
 * Parse an integer value in [min, max]; CAIRN_ERR_INVALID names key.
 * For a key of the table, cairn_config_number says the same without
 * repeating the table's default and bounds.
 */
const struct cairn_error *cairn_config_int(long long *out,
    const struct cairn_config *cfg, const char *key, long long dflt,
    long long min, long long max);

#endif
