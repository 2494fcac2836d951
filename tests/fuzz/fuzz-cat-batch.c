/*
 * fuzz-cat-batch.c: the input parser of `cairn cat --batch` and
 * `--batch-check` (cmd/cmd_cat.c, cmd/util.c's input reader) and the name
 * resolution behind it (store/repo.c: full ids, refs, hex prefixes), run
 * in-process as fuzz-put-batch.c does.  Input: one flags byte (bit 0:
 * --batch-check, bit 1: -z, bit 2: -Z, bit 3: --no-verify), then the
 * names on standard input.  The repository is the small one util.c makes,
 * never changed (cat opens it read-only).  Every answer about an object of
 * that repository must give its right type, size and content (checked
 * when names are read by line).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"

#include "util.h"

static struct fuzz_template tmpl;
static char *repo;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_template_make(&tmpl, 2);
	repo = fuzz_path(fuzz_scratch(), "repo");
	fuzz_snapshot_write(&tmpl.snap, repo);
	return 0;
}

static const struct fuzz_object *
known(const char *hex)
{
	char h[CAIRN_OID_HEXMAX + 1];
	size_t i;

	for (i = 0; i < tmpl.nobj; i++)
		if (strcmp(cairn_oid_fmt(&tmpl.obj[i].id, h), hex) == 0)
			return &tmpl.obj[i];
	return NULL;
}

/* Check the answers: "<hex> <type> <size>" (and content), or in-band misses. */
static void
check_output(const char *out, size_t len, int check_only, char eol)
{
	const struct fuzz_object *o;
	const char *p = out, *end = out + len, *e;
	char hdr[256], hex[80], type[16];
	unsigned long long size;
	size_t n;
	int used;

	while (p < end) {
		if ((e = memchr(p, eol, (size_t)(end - p))) == NULL)
			fuzz_fail(__FILE__, __LINE__, "an answer without its end");
		n = (size_t)(e - p);
		if ((n >= 8 && memcmp(e - 8, " missing", 8) == 0) ||
		    (n >= 10 && memcmp(e - 10, " ambiguous", 10) == 0)) {
			/* "<name> missing": the name may hold anything. */
			p = e + 1;
			continue;
		}
		FUZZ_CHECK(n < sizeof(hdr), "a long answer");
		memcpy(hdr, p, n);
		hdr[n] = '\0';
		FUZZ_CHECK(sscanf(hdr, "%79s %15s %llu%n", hex, type, &size,
		    &used) == 3 && (size_t)used == n && strlen(hex) == 64 &&
		    cairn_hex_valid(hex, 64), "a malformed answer '%s'", hdr);
		p = e + 1;
		if ((o = known(hex)) != NULL)
			FUZZ_CHECK(strcmp(type, cairn_otype_name(o->type)) == 0 &&
			    size == o->len, "wrong answer '%s'", hdr);
		if (check_only)
			continue;
		FUZZ_CHECK(size <= (size_t)(end - p) && p[size] == eol,
		    "answer '%s' without its content", hdr);
		if (o != NULL)
			FUZZ_CHECK(memcmp(p, o->data, o->len) == 0,
			    "wrong content for '%s'", hdr);
		p += size + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[10], *out;
	int argc = 0, status, flags;
	size_t len;

	if (size < 1)
		return 0;
	flags = data[0];
	argv[argc++] = "cairn";
	argv[argc++] = "-r";
	argv[argc++] = repo;
	argv[argc++] = "cat";
	argv[argc++] = flags & 1 ? "--batch-check" : "--batch";
	if (flags & 2)
		argv[argc++] = "-z";
	if (flags & 4)
		argv[argc++] = "-Z";
	if (flags & 8)
		argv[argc++] = "--no-verify";
	argv[argc] = NULL;
	/* The output is bytes (a tree's content holds NULs): len, not strlen. */
	out = fuzz_run_cli(argc, argv, data + 1, size - 1, &status, &len);
	FUZZ_CHECK(status == 0, "cat --batch exits %d", status);
	/*
	 * Only newline-separated names can be told from answers (with -z a
	 * name may hold newlines; with -Z answers end in NUL).
	 */
	if (!(flags & 6))
		check_output(out, len, flags & 1, '\n');
	free(out);
	return 0;
}
