/*
 * fuzz-manifest.c: manifest text (store/manifest.c).  Each input is parsed
 * by cairn_manifest_parse as it is, and again with a correct "crc" line
 * appended, so that mutations get past the checksum to the lines.  A
 * manifest that parses is formatted by cairn_manifest_format and parsed
 * again: it must come back the same, and hold only file names that stay
 * inside the repository.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "manifest.h"
#include "zip.h"

#include "util.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
check_name(const char *s)
{
	FUZZ_CHECK(*s != '\0' && *s != '/' && strstr(s, "..") == NULL &&
	    strlen(s) < 64, "manifest accepted the file name '%s'", s);
}

static void
one(const char *text, size_t len)
{
	struct cairn_manifest m, m2;
	struct cairn_buf out = { 0 };
	size_t i;

	if (cairn_manifest_parse(&m, text, len, "manifest") != NULL)
		return;
	check_name(m.data);
	check_name(m.wal);
	FUZZ_CHECK(m.nseg <= CAIRN_MANIFEST_MAX_SEGMENTS, "too many segments");
	for (i = 0; i < m.nseg; i++)
		check_name(m.seg[i]);
	fuzz_ok(cairn_manifest_format(&out, &m), "format");
	FUZZ_CHECK(cairn_manifest_parse(&m2, (const char *)out.data, out.len,
	    "manifest") == NULL, "a formatted manifest does not parse");
	FUZZ_CHECK(memcmp(&m, &m2, sizeof(m)) == 0,
	    "a manifest changes when formatted and parsed again");
	cairn_buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, line[32];
	int n;

	if ((text = malloc(size + sizeof(line))) == NULL)
		return 0;
	memcpy(text, data, size);
	one(text, size);
	n = snprintf(line, sizeof(line), "crc %08lx\n",
	    (unsigned long)cairn_crc32(0, data, size));
	memcpy(text + size, line, (size_t)n);
	one(text, size + (size_t)n);
	free(text);
	return 0;
}
