/*
 * manifest.c: parsing and formatting the manifest (format in manifest.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "zip.h"

static int
name_ok(const char *s)
{
	const char *p;

	if (*s == '\0' || *s == '/' || strstr(s, "..") != NULL)
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '.' || *p == '/'))
			return 0;
	return p - s < 64;
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* One line, split into at most 3 words; returns the word count. */
static int
split(char *line, char **w)
{
	int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " ", &save); t != NULL && n < 4;
	    t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	return n;
}

static int
parse_line(struct cairn_manifest *m, char *line, int *state)
{
	char *w[4];
	int n = split(line, w);

	if (*state == 0)
		return (*state = 1, n == 3 && strcmp(w[0], "cairn") == 0 &&
		    strcmp(w[1], "manifest") == 0 && strcmp(w[2], "1") == 0);
	if (*state == 1 && n == 3 && strcmp(w[0], "data") == 0 && name_ok(w[1]))
		return (*state = 2, strcpy(m->data, w[1]),
		    parse_u64(w[2], &m->watermark));
	if (*state == 2 && n == 2 && strcmp(w[0], "wal") == 0 && name_ok(w[1]))
		return (*state = 3, strcpy(m->wal, w[1]), 1);
	if (*state == 3 && n == 3 && strcmp(w[0], "segment") == 0 &&
	    name_ok(w[1]) && m->nseg < CAIRN_MANIFEST_MAX_SEGMENTS) {
		strcpy(m->seg[m->nseg], w[1]);
		return parse_u64(w[2], &m->seg_count[m->nseg++]);
	}
	if (*state == 3 && n == 2 && strcmp(w[0], "next") == 0)
		return (*state = 4, parse_u64(w[1], &m->next));
	return 0;
}

const struct cairn_error *
cairn_manifest_parse(struct cairn_manifest *m, const char *text, size_t len,
    const char *path)
{
	char *copy, *line, *nl;
	const char *crcline;
	char want[16];
	int state = 0, ok = 1;

	memset(m, 0, sizeof(*m));
	crcline = len >= 14 ? text + len - 13 : NULL;
	if (crcline == NULL || memcmp(crcline - 1, "\ncrc ", 5) != 0 ||
	    text[len - 1] != '\n')
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s': missing checksum line", path);
	snprintf(want, sizeof(want), "%08lx\n",
	    (unsigned long)cairn_crc32(0, text, (size_t)(crcline - text)));
	if (memcmp(crcline + 4, want, 9) != 0)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s': checksum mismatch", path);
	if ((copy = strndup(text, (size_t)(crcline - text))) == NULL)
		return cairn_error_nomem();
	for (line = copy; ok && *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			break;
		*nl = '\0';
		ok = parse_line(m, line, &state);
	}
	free(copy);
	if (!ok || state != 4)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "'%s': malformed", path);
	return NULL;
}

const struct cairn_error *
cairn_manifest_format(struct cairn_buf *out, const struct cairn_manifest *m)
{
	const struct cairn_error *err;
	size_t start = out->len, i;

	err = cairn_buf_printf(out, "cairn manifest 1\ndata %s %llu\nwal %s\n",
	    m->data, (unsigned long long)m->watermark, m->wal);
	for (i = 0; err == NULL && i < m->nseg; i++)
		err = cairn_buf_printf(out, "segment %s %llu\n", m->seg[i],
		    (unsigned long long)m->seg_count[i]);
	if (err == NULL)
		err = cairn_buf_printf(out, "next %llu\n",
		    (unsigned long long)m->next);
	if (err == NULL)
		err = cairn_buf_printf(out, "crc %08lx\n", (unsigned long)
		    cairn_crc32(0, out->data + start, out->len - start));
	return err;
}
