/*
 * fuzz-put-batch.c: the input parser of `cairn put --batch`
 * (cmd/cmd_put.c, cmd/util.c's input reader), run in-process: cmd/main.c
 * is built with its main renamed cairn_cli_main (the CLI never calls
 * exit; it returns its status).  Input: one flags byte (bit 0: -n, hash
 * only), then what the command reads on standard input.  Each run gets a
 * fresh empty repository.  Every id the command prints must name an
 * object that is then present, and reads back with content hashing to it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"

#include "util.h"

static struct fuzz_snapshot skel;
static char *repo;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *tmpl;

	(void)argc;
	(void)argv;
	tmpl = fuzz_path(fuzz_scratch(), "template");
	fuzz_ok(cairn_repo_init(tmpl, NULL), "init");
	fuzz_snapshot_take(&skel, tmpl);
	fuzz_rm_rf(tmpl);
	free(tmpl);
	repo = fuzz_path(fuzz_scratch(), "repo");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[8], *out, *line, *save = NULL;
	struct cairn_repo *r;
	struct cairn_oid id;
	unsigned char *content;
	size_t len, outlen;
	enum cairn_otype type;
	int argc = 0, status, dry;

	if (size < 1)
		return 0;
	dry = data[0] & 1;
	fuzz_snapshot_write(&skel, repo);
	argv[argc++] = "cairn";
	argv[argc++] = "-r";
	argv[argc++] = repo;
	argv[argc++] = "put";
	if (dry)
		argv[argc++] = "-n";
	argv[argc++] = "--batch";
	argv[argc] = NULL;
	out = fuzz_run_cli(argc, argv, data + 1, size - 1, &status,
	    &outlen);
	FUZZ_CHECK(status >= 0 && status <= 4, "exit status %d", status);
	/* Ids and newlines only: a NUL would hide what follows from strtok. */
	FUZZ_CHECK(memchr(out, '\0', outlen) == NULL, "put printed a NUL byte");
	if (!dry) {
		fuzz_ok(cairn_repo_open(repo, CAIRN_OPEN_READ_ONLY, &r),
		    "open after put");
		for (line = strtok_r(out, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			FUZZ_CHECK(cairn_oid_parse(CAIRN_HASH_SHA256, line,
			    strlen(line),
			    &id) == NULL, "put printed '%s'", line);
			FUZZ_CHECK(cairn_object_get(r, &id, 0, &type, &content,
			    &len) == NULL, "put printed %s, which is absent",
			    line);
			free(content);
		}
		cairn_repo_close(r);
	}
	free(out);
	return 0;
}
