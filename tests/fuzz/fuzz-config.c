/*
 * fuzz-config.c: the config file (store/config.c).  Each input is parsed
 * by cairn_config_parse (up to its first NUL, as a repository's config is
 * read); if it parses, every known key is read as an integer, and the
 * config is written by cairn_config_write and parsed again: it must come
 * back with the same keys and values.  Then the input becomes the config
 * of a fresh repository, which is opened read-only and writable (store/
 * repo.c reads object.format, core.* and core.alternate from it) and, if
 * it opens, takes one put.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "config.h"
#include "vfs.h"

#include "util.h"

static struct fuzz_snapshot skel;
static char *repo, *cfgfile, *tmpdir;

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
	cfgfile = fuzz_path(fuzz_scratch(), "config");
	tmpdir = strdup(fuzz_scratch());
	return 0;
}

static const char *const int_keys[] = {
	"core.formatVersion", "core.compression", "core.lockTimeout",
	"core.walLimit", "core.bigFileThreshold",
};

static void
roundtrip(const struct cairn_config *cfg)
{
	struct cairn_config again;
	char *text;
	size_t i, len;
	long long v;

	for (i = 0; i < sizeof(int_keys) / sizeof(int_keys[0]); i++)
		cairn_config_int(&v, cfg, int_keys[i], 1, 0, 1LL << 40);
	fuzz_ok(cairn_config_write(cfg, cairn_vfs_posix(), tmpdir, cfgfile),
	    "write config");
	text = (char *)fuzz_read_file(cfgfile, &len);
	FUZZ_CHECK(cairn_config_parse(&again, text, "config") ==
	    NULL, "a written config does not parse");
	FUZZ_CHECK(again.n == cfg->n, "a config changes its number of items");
	for (i = 0; i < cfg->n; i++)
		FUZZ_CHECK(strcmp(cfg->items[i].key, again.items[i].key) == 0 &&
		    strcmp(cfg->items[i].value, again.items[i].value) == 0,
		    "config item %zu changes when written", i);
	cairn_config_release(&again);
	free(text);
}

static void
open_with(const char *text, size_t len)
{
	struct cairn_repo *r;
	struct cairn_oid id;
	char *path;

	fuzz_snapshot_write(&skel, repo);
	path = fuzz_path(repo, "config");
	fuzz_write_file(path, text, len);
	free(path);
	if (cairn_repo_open(repo, CAIRN_OPEN_READ_ONLY, &r) == NULL)
		cairn_repo_close(r);
	if (cairn_repo_open(repo, 0, &r) == NULL) {
		cairn_object_put(r, CAIRN_OBJ_BLOB, "x", 1, &id);
		cairn_repo_close(r);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cairn_config cfg;
	char *text;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (cairn_config_parse(&cfg, text, "config") == NULL) {
		roundtrip(&cfg);
		cairn_config_release(&cfg);
	}
	open_with(text, size);
	free(text);
	return 0;
}
