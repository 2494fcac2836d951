/*
 * refname.c: ref name validation (rules in refname.h).
 */
#include <string.h>

#include "refname.h"

static const struct cairn_error *
bad(const char *name, size_t len, const char *why)
{
	int shown = len > 200 ? 200 : (int)len;

	return cairn_error_new(CAIRN_ERR_INVALID, "invalid ref name '%.*s%s': %s",
	    shown, name, len > 200 ? "..." : "", why);
}

static const struct cairn_error *
check_component(const char *name, size_t len, const char *c, size_t clen,
    int bounded)
{
	if (clen == 0)
		return bad(name, len, "empty component");
	if (c[0] == '.')
		return bad(name, len, "a component starts with '.'");
	if (clen >= 5 && memcmp(c + clen - 5, ".lock", 5) == 0)
		return bad(name, len, "a component ends with '.lock'");
	if (bounded && clen > CAIRN_REFNAME_COMPONENT_MAX)
		return bad(name, len, "a component is longer than 255 bytes");
	return NULL;
}

static const struct cairn_error *
check_chars(const char *name, size_t len)
{
	size_t i;
	unsigned char ch;

	for (i = 0; i < len; i++) {
		ch = (unsigned char)name[i];
		if (ch < 0x20 || ch == 0x7f)
			return bad(name, len, "control character");
		if (strchr(" ~^:?*[\\", ch) != NULL)
			return bad(name, len, "forbidden character");
		if (ch == '.' && i + 1 < len && name[i + 1] == '.')
			return bad(name, len, "contains '..'");
		if (ch == '@' && i + 1 < len && name[i + 1] == '{')
			return bad(name, len, "contains '@{'");
	}
	return NULL;
}

/* The rules, with the length bounds if bounded. */
static const struct cairn_error *
check(const char *name, size_t len, int bounded)
{
	const struct cairn_error *err;
	const char *c = name, *slash, *end = name + len;

	if (len == 0)
		return cairn_error_new(CAIRN_ERR_INVALID, "empty ref name");
	if (bounded && len > CAIRN_REFNAME_MAX)
		return bad(name, len, "too long");
	if (memchr(name, '\0', len) != NULL)
		return bad(name, len, "contains NUL");
	if ((err = check_chars(name, len)) != NULL)
		return err;
	if (len == 1 && name[0] == '@')
		return bad(name, len, "is '@'");
	if (name[len - 1] == '.')
		return bad(name, len, "ends with '.'");
	for (;;) {
		slash = memchr(c, '/', (size_t)(end - c));
		if ((err = check_component(name, len, c,
		    (size_t)((slash ? slash : end) - c), bounded)) != NULL)
			return err;
		if (slash == NULL)
			return NULL;
		c = slash + 1;
	}
}

const struct cairn_error *
cairn_refname_check(const char *name, size_t len)
{
	return check(name, len, 1);
}

const struct cairn_error *
cairn_refname_check_git(const char *name, size_t len)
{
	return check(name, len, 0);
}
