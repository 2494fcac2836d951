/*
 * config.c: reading and writing <repo>/config (format in config.h).
 */
#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cairn.h"
#include "config.h"
#include "file.h"

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

/* An identity a commit can be made with (as cairn_commit_create checks). */
static const struct cairn_error *
check_ident(const char *key, const char *value)
{
	if (strpbrk(value, "<>") != NULL)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "config value for '%s' contains '<' or '>'", key);
	return NULL;
}

/* A prune time gc can take (cairn_gc_expiry's forms). */
static const struct cairn_error *
check_expiry(const char *key, const char *value)
{
	int64_t t;

	if (cairn_gc_expiry(&t, value, 0) != NULL)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "config value for '%s' is not a prune time (\"now\", "
		    "\"never\", \"2.weeks.ago\", \"@<seconds>\"...): '%s'",
		    key, value);
	return NULL;
}

/*
 * Keys whose value another command parses, checked when set so that a
 * bad one is refused here rather than failing that command every time.
 * (The core.* numbers are checked where the repository takes them.)
 */
static const struct {
	const char *key;
	const struct cairn_error *(*check)(const char *key, const char *value);
} value_checks[] = {
	{ "user.name", check_ident },
	{ "user.email", check_ident },
	{ "gc.pruneExpire", check_expiry },
};

const struct cairn_error *
cairn_config_set(struct cairn_config *cfg, const char *key, const char *value)
{
	const struct cairn_error *err;
	const char *why;
	size_t i;

	if (!cairn_config_key_valid(key))
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "invalid config key '%s'", key);
	if ((why = value_problem(value)) != NULL)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "config value for '%s' %s", key, why);
	for (i = 0; i < sizeof(value_checks) / sizeof(value_checks[0]); i++)
		if (strcasecmp(key, value_checks[i].key) == 0 &&
		    (err = value_checks[i].check(key, value)) != NULL)
			return err;
	return set_item(cfg, key, value);
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
	size_t i;

	for (i = 0; i < cfg->n && err == NULL; i++)
		err = cairn_buf_printf(&b, "%s = %s\n", cfg->items[i].key,
		    cfg->items[i].value);
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
	char *end;
	long long v;

	if (s == NULL) {
		*out = dflt;
		return NULL;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "config '%s' must be an integer from %lld to %lld", key,
		    min, max);
	*out = v;
	return NULL;
}
