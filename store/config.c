/*
 * config.c: reading and writing <repo>/config (format in config.h), and
 * the one table of the keys a repository knows.
 */
#include <sys/stat.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cairn.h"
#include "config.h"
#include "file.h"
#include "lock.h"

/* A macro's value as a string literal. */
#define XSTR(x) STR(x)
#define STR(x) #x

/*
 * Every key a repository knows.  Opening a repository (params() in
 * repo.c), cairn config, init and fsck read defaults, bounds and types
 * from here and nowhere else.  Keep man/cairn.1 ("config") in step.
 */
static const struct cairn_config_key keys[] = {
	{ "core.compression", CAIRN_CONFIG_INT, 0, "1", 0, 9,
	    "zlib level of new objects (0 stores them uncompressed)" },
	/* lock.h's default, a plain decimal literal (every read of the
	 * key parses it, so anything else fails every command). */
	{ "core.lockTimeout", CAIRN_CONFIG_INT, 0,
	    XSTR(CAIRN_LOCK_TIMEOUT_MS), 0, 86400000,
	    "milliseconds a writer waits for a lock" },
	{ "core.walLimit", CAIRN_CONFIG_INT, 0, "16777216", 4096,
	    (long long)1 << 40,
	    "WAL bytes past which a commit is followed by a flush" },
	{ "core.bigFileThreshold", CAIRN_CONFIG_INT, 0, "1048576", 1024,
	    1 << 30, "bytes above which an object is streamed once" },
	{ "gc.pruneExpire", CAIRN_CONFIG_EXPIRY, 0, "2.weeks.ago", 0, 0,
	    "what gc prunes when --prune is not given" },
	{ "core.alternate", CAIRN_CONFIG_PATH, CAIRN_CONFIG_KEEP, NULL, 0, 0,
	    "the repository whose objects this one borrows" },
	{ "core.alternateCache", CAIRN_CONFIG_INT, 0, "0", 0, 1,
	    "1: an object read from the alternate is stored here too" },
	{ "user.name", CAIRN_CONFIG_IDENT, 0, NULL, 0, 0,
	    "author and committer name of a commit" },
	{ "user.email", CAIRN_CONFIG_IDENT, 0, NULL, 0, 0,
	    "author and committer email of a commit" },
	{ "object.format", CAIRN_CONFIG_FORMAT, CAIRN_CONFIG_READ_ONLY, NULL,
	    0, 0, "the hash of object ids, sha256 or sha1" },
	{ "core.formatVersion", CAIRN_CONFIG_INT, CAIRN_CONFIG_READ_ONLY,
	    "1", 1, 1, "the on-disk format version" },
	/* Read by the ownership check (file.c); "true" is git's alias. */
	{ "core.sharedRepository", CAIRN_CONFIG_STRING, CAIRN_CONFIG_READ_ONLY,
	    "umask", 0, 0, "group: the repository directory's group writes "
	    "it too (set by init --shared)" },
	{ "remote.*.url", CAIRN_CONFIG_STRING, CAIRN_CONFIG_FAMILY, NULL, 0,
	    0, "where the remote <name> of fetch and push is" },
};

/* Does key belong to the family pattern ("a.*.b")? */
static int
family_match(const char *pattern, const char *key)
{
	const char *star = strchr(pattern, '*');
	size_t pre = (size_t)(star - pattern), post = strlen(star + 1);
	size_t len = strlen(key), i;

	if (len <= pre + post || strncasecmp(pattern, key, pre) != 0 ||
	    strcasecmp(star + 1, key + len - post) != 0)
		return 0;
	for (i = pre; i < len - post; i++)
		if (!isalnum((unsigned char)key[i]) && key[i] != '-' &&
		    key[i] != '_')
			return 0;
	return 1;
}

const struct cairn_config_key *
cairn_config_key_list(size_t *n)
{
	*n = sizeof(keys) / sizeof(keys[0]);
	return keys;
}

const struct cairn_config_key *
cairn_config_key_find(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((keys[i].flags & CAIRN_CONFIG_FAMILY) ?
		    family_match(keys[i].key, key) :
		    strcasecmp(keys[i].key, key) == 0)
			return &keys[i];
	return NULL;
}

const struct cairn_error *
cairn_config_key_check(const char *key)
{
	if (!cairn_config_key_valid(key))
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "invalid config key '%s'", key);
	if (cairn_config_key_find(key) == NULL)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "unknown config key '%s'", key);
	return NULL;
}

int
cairn_config_key_valid(const char *key)
{
	const char *p;
	int dot = 0;

	if (!isalpha((unsigned char)key[0]))
		return 0;
	for (p = key; *p != '\0'; p++) {
		if (*p == '.') {
			if (p[1] == '\0' || p[1] == '.')
				return 0;
			dot = 1;
		} else if (!isalnum((unsigned char)*p) && *p != '-' &&
		    *p != '_')
			return 0;
	}
	return dot && p - key <= 128;
}

static char *
trim(char *s, char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		end--;
	*end = '\0';
	return s;
}

static const struct cairn_error *set_item(struct cairn_config *cfg,
    const char *key, const char *value);

static const struct cairn_error *
parse_line(struct cairn_config *cfg, char *line, int lineno, const char *path)
{
	char *eq, *key, *val;

	line = trim(line, line + strlen(line));
	if (*line == '\0' || *line == '#')
		return NULL;
	if ((eq = strchr(line, '=')) == NULL)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s' line %d: expected 'key = value'", path, lineno);
	key = trim(line, eq);
	val = trim(eq + 1, eq + 1 + strlen(eq + 1));
	if (!cairn_config_key_valid(key))
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s' line %d: bad key", path, lineno);
	/* What a file holds is taken as it reads (a hand edit may hold a
	 * control character): a repository opens whatever its values. */
	return set_item(cfg, key, val);
}

const struct cairn_error *
cairn_config_parse(struct cairn_config *cfg, const char *text,
    const char *path)
{
	const struct cairn_error *err = NULL;
	char *copy, *line, *next;
	int lineno = 0;

	memset(cfg, 0, sizeof(*cfg));
	if ((copy = strdup(text)) == NULL)
		return cairn_error_nomem();
	for (line = copy; line != NULL && err == NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		err = parse_line(cfg, line, ++lineno, path);
	}
	free(copy);
	if (err != NULL)
		cairn_config_release(cfg);
	return err;
}

const struct cairn_error *
cairn_config_parse_buf(struct cairn_config *cfg, const char *text, size_t len,
    const char *path)
{
	const char *nul = memchr(text, '\0', len);

	if (nul != NULL) {
		memset(cfg, 0, sizeof(*cfg));
		return cairn_error_new(CAIRN_ERR_CORRUPT, "'%s' holds a NUL "
		    "byte at offset %zu", path, (size_t)(nul - text));
	}
	return cairn_config_parse(cfg, text, path);
}

void
cairn_config_release(struct cairn_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n; i++) {
		free(cfg->items[i].key);
		free(cfg->items[i].value);
	}
	free(cfg->items);
	memset(cfg, 0, sizeof(*cfg));
}

const char *
cairn_config_get(const struct cairn_config *cfg, const char *key)
{
	size_t i;

	for (i = 0; i < cfg->n; i++)
		if (strcasecmp(cfg->items[i].key, key) == 0)
			return cfg->items[i].value;
	return NULL;
}

/* Set key (valid) to value in memory. */
static const struct cairn_error *
set_item(struct cairn_config *cfg, const char *key, const char *value)
{
	struct cairn_config_item *items;
	char *v;
	size_t i;

	if ((v = strdup(value)) == NULL)
		return cairn_error_nomem();
	for (i = 0; i < cfg->n; i++)
		if (strcasecmp(cfg->items[i].key, key) == 0) {
			free(cfg->items[i].value);
			cfg->items[i].value = v;
			return NULL;
		}
	items = realloc(cfg->items, (cfg->n + 1) * sizeof(*items));
	if (items == NULL) {
		free(v);
		return cairn_error_nomem();
	}
	cfg->items = items;
	if ((items[cfg->n].key = strdup(key)) == NULL) {
		free(v);
		return cairn_error_nomem();
	}
	items[cfg->n++].value = v;
	return NULL;
}

/*
 * Why value would not read back as given (the reader splits lines and
 * trims blanks), or NULL.
 */
static const char *
value_problem(const char *value)
{
	const unsigned char *p;
	size_t n = strlen(value);

	for (p = (const unsigned char *)value; *p != '\0'; p++)
		if (*p == '\n')
			return "contains a newline";
		else if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return "contains a control character";
	if (n > 0 && (value[0] == ' ' || value[0] == '\t' ||
	    value[n - 1] == ' ' || value[n - 1] == '\t'))
		return "starts or ends with a blank, which reading trims";
	return NULL;
}

/* *out = the integer s, if s is one in [min, max]. */
static const struct cairn_error *
parse_int(long long *out, const char *key, const char *s, long long min,
    long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "config '%s' must be an integer from %lld to %lld", key,
		    min, max);
	*out = v;
	return NULL;
}

/*
 * Whether value is one of k's type, checked when set so that a bad one
 * is refused here rather than failing the command that reads it every
 * time (and by fsck, of what a file holds).
 */
static const struct cairn_error *
check_type(const struct cairn_config_key *k, const char *value)
{
	int64_t t;
	long long v;

	switch (k->type) {
	case CAIRN_CONFIG_INT:
		return parse_int(&v, k->key, value, k->min, k->max);
	case CAIRN_CONFIG_EXPIRY:
		if (cairn_gc_expiry_parse(value, 0, &t) != NULL)
			return cairn_error_new(CAIRN_ERR_INVALID, "config "
			    "value for '%s' is not a prune time (\"now\", "
			    "\"never\", \"2.weeks.ago\", \"@<seconds>\"...): "
			    "'%s'", k->key, value);
		return NULL;
	case CAIRN_CONFIG_IDENT:
		/* An identity a commit can be made with (as
		 * cairn_commit_create checks). */
		if (strpbrk(value, "<>") != NULL)
			return cairn_error_new(CAIRN_ERR_INVALID, "config "
			    "value for '%s' contains '<' or '>'", k->key);
		return NULL;
	case CAIRN_CONFIG_PATH:
		if (*value == '\0')
			return cairn_error_new(CAIRN_ERR_INVALID,
			    "config value for '%s' is empty", k->key);
		return NULL;
	case CAIRN_CONFIG_FORMAT:
		if (cairn_hash_parse(value) == 0)
			return cairn_error_new(CAIRN_ERR_INVALID, "config "
			    "value for '%s' is not sha256 or sha1: '%s'",
			    k->key, value);
		return NULL;
	case CAIRN_CONFIG_STRING:
		break;
	}
	return NULL;
}

const struct cairn_error *
cairn_config_check(const struct cairn_config_key *k, const char *value)
{
	const char *why;

	if ((why = value_problem(value)) != NULL)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "config value for '%s' %s", k->key, why);
	return check_type(k, value);
}

/* Remove key from cfg; CAIRN_ERR_NOT_FOUND if it is not there. */
static const struct cairn_error *
unset_item(struct cairn_config *cfg, const char *key)
{
	size_t i;

	for (i = 0; i < cfg->n; i++)
		if (strcasecmp(cfg->items[i].key, key) == 0)
			break;
	if (i == cfg->n)
		return cairn_error_new(CAIRN_ERR_NOT_FOUND,
		    "config key '%s' is not set", key);
	free(cfg->items[i].key);
	free(cfg->items[i].value);
	memmove(&cfg->items[i], &cfg->items[i + 1],
	    (cfg->n - i - 1) * sizeof(cfg->items[0]));
	cfg->n--;
	return NULL;
}

/* Unset key: known and not kept, or unknown but held (a hand edit). */
static const struct cairn_error *
unset(struct cairn_config *cfg, const char *key)
{
	const struct cairn_config_key *k = cairn_config_key_find(key);

	if (!cairn_config_key_valid(key))
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "invalid config key '%s'", key);
	if (k == NULL && cairn_config_get(cfg, key) == NULL)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "unknown config key '%s'", key);
	if (k != NULL && (k->flags & CAIRN_CONFIG_READ_ONLY))
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "'%s' cannot be changed after init", k->key);
	if (k != NULL && (k->flags & CAIRN_CONFIG_KEEP))
		return cairn_error_new(CAIRN_ERR_INVALID, "'%s' cannot be "
		    "unset: objects the repository relies on would go "
		    "missing", k->key);
	return unset_item(cfg, key);
}

const struct cairn_error *
cairn_config_set(struct cairn_config *cfg, const char *key, const char *value)
{
	const struct cairn_config_key *k;
	const struct cairn_error *err;

	if (value == NULL)
		return unset(cfg, key);
	if ((err = cairn_config_key_check(key)) != NULL)
		return err;
	k = cairn_config_key_find(key);
	if (k->flags & CAIRN_CONFIG_READ_ONLY)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "'%s' cannot be changed after init", k->key);
	if ((err = cairn_config_check(k, value)) != NULL)
		return err;
	/* A key new to the file is written as the table spells it. */
	return set_item(cfg, (k->flags & CAIRN_CONFIG_FAMILY) ? key : k->key,
	    value);
}

const struct cairn_error *
cairn_config_new(struct cairn_config *cfg, const char *format)
{
	const struct cairn_config_key *k = cairn_config_key_find(
	    "core.formatVersion");
	const struct cairn_config_key *f = cairn_config_key_find(
	    "object.format");
	const struct cairn_error *err;

	memset(cfg, 0, sizeof(*cfg));
	if ((err = cairn_config_check(f, format)) != NULL ||
	    (err = set_item(cfg, k->key, k->dflt)) != NULL ||
	    (err = set_item(cfg, f->key, format)) != NULL)
		cairn_config_release(cfg);
	return err;
}

const struct cairn_error *
cairn_config_text(struct cairn_buf *b, const struct cairn_config *cfg)
{
	const struct cairn_error *err = NULL;
	size_t i;

	for (i = 0; i < cfg->n && err == NULL; i++)
		err = cairn_buf_printf(b, "%s = %s\n", cfg->items[i].key,
		    cfg->items[i].value);
	return err;
}

/*
 * tmpdir, where the new file is made, is a directory and no link to one
 * elsewhere (the same rule as a flush's): made again if missing, an
 * error for fsck --repair if anything else.  Checked under the writer
 * lock, which every writer of the repository takes.
 */
static const struct cairn_error *
check_tmpdir(struct cairn_vfs *vfs, const char *tmpdir, const char *path)
{
	struct cairn_buf dir = { 0 };
	const struct cairn_error *err = NULL;
	struct stat st;
	const char *slash;

	if (vfs->lstat(vfs, tmpdir, &st) == 0)
		return S_ISDIR(st.st_mode) ? NULL : cairn_error_new(
		    CAIRN_ERR_CORRUPT, "'%s' is not a directory (run cairn "
		    "fsck --repair)", tmpdir);
	if (errno != ENOENT)
		return cairn_error_sys(errno, "stat '%s'", tmpdir);
	if (vfs->mkdir(vfs, tmpdir, CAIRN_DIR_MODE) != 0)
		return cairn_error_sys(errno, "create '%s'", tmpdir);
	/* The directory of path holds tmpdir: make the new entry durable. */
	slash = strrchr(path, '/');
	if (slash == NULL)
		err = cairn_file_sync_dir(vfs, ".");
	else if ((err = cairn_buf_append(&dir, path, (size_t)(slash - path +
	    (slash == path)))) == NULL &&
	    (err = cairn_buf_append(&dir, "", 1)) == NULL)
		err = cairn_file_sync_dir(vfs, (char *)dir.data);
	cairn_buf_release(&dir);
	return err;
}

const struct cairn_error *
cairn_config_write(const struct cairn_config *cfg, struct cairn_vfs *vfs,
    const char *tmpdir, const char *path)
{
	const struct cairn_error *err = NULL;
	struct cairn_buf b = { 0 };

	err = cairn_config_text(&b, cfg);
	if (err == NULL && b.len > CAIRN_CONFIG_MAX)
		err = cairn_error_new(CAIRN_ERR_INVALID, "the config would "
		    "be %zu bytes, more than the %zu a repository reads",
		    b.len, CAIRN_CONFIG_MAX);
	if (err == NULL)
		err = check_tmpdir(vfs, tmpdir, path);
	if (err == NULL)
		err = cairn_file_replace(vfs, tmpdir, path, b.data, b.len);
	cairn_buf_release(&b);
	return err;
}

const struct cairn_error *
cairn_config_int(long long *out, const struct cairn_config *cfg,
    const char *key, long long dflt, long long min, long long max)
{
	const char *s = cairn_config_get(cfg, key);

	if (s == NULL) {
		*out = dflt;
		return NULL;
	}
	return parse_int(out, key, s, min, max);
}

const struct cairn_error *
cairn_config_number(long long *out, const struct cairn_config *cfg,
    const char *key)
{
	const struct cairn_config_key *k = cairn_config_key_find(key);
	const char *s = cairn_config_get(cfg, key);
	const struct cairn_error *err;

	/* A key not in the table, or not an integer, is a programmer's
	 * error; every integer key has a default. */
	assert(k != NULL && k->type == CAIRN_CONFIG_INT && k->dflt != NULL);
	if ((err = parse_int(out, k->key, s ? s : k->dflt, k->min,
	    k->max)) != NULL)
		(void)parse_int(out, k->key, k->dflt, k->min, k->max);
	return err;
}
