/*
 * cmd_gc.c: cairn gc, remove what no ref reaches and compact; with -v,
 * list each object removed (or, with --dry-run, that would be).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"

const char cmd_gc_usage[] =
    "cairn gc [--prune=<age>|now|never] [--dry-run] [-v] [--json]";

/* -v: the objects removed, gathered as lines (or JSON) until gc is done. */
struct removed_list {
	FILE *f;
	char *buf;
	size_t len;
	int json;
	uint64_t n;
	int64_t now;
};

static void
progress(void *arg, const char *phase, uint64_t done, uint64_t total)
{
	(void)arg;
	(void)total;
	fprintf(stderr, "\rgc: %s: %" PRIu64 " objects", phase, done);
	fflush(stderr);
}

static void
removed(void *arg, const struct cairn_oid *id, enum cairn_otype type,
    uint64_t size, int64_t when)
{
	struct removed_list *r = arg;
	char hex[CAIRN_OID_HEXMAX + 1];
	int64_t age = r->now > when ? r->now - when : 0;

	cairn_oid_fmt(id, hex);
	if (r->json)
		fprintf(r->f, "%s{\"id\": \"%s\", \"type\": \"%s\", "
		    "\"size\": %" PRIu64 ", \"age\": %" PRId64 "}",
		    r->n ? ", " : "", hex, cairn_otype_name(type), size, age);
	else
		fprintf(r->f, "%s %s %" PRIu64 " %" PRId64 "\n", hex,
		    cairn_otype_name(type), size, age);
	r->n++;
}

int
cmd_gc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prune", required_argument, NULL, 'p' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct cairn_repo *repo;
	struct cairn_gc_opts o = CAIRN_GC_OPTS_INIT;
	struct cairn_gc_result res = CAIRN_GC_RESULT_INIT;
	struct cmd_getopt g;
	struct removed_list rl;
	const char *prune = NULL;
	char *path;
	int c, json = 0, verbose = 0;

	memset(&rl, 0, sizeof(rl));
	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "vh", opts,
	    cmd_gc_usage)) != -1) {
		if (c == 'p')
			prune = g.arg;
		else if (c == 'n')
			o.dry_run = 1;
		else if (c == 'j')
			json = 1;
		else if (c == 'v')
			verbose = 1;
		else if (c == 'h')
			return cmd_help(cmd_gc_usage);
		else
			return 2;
	}
	if (g.ind < argc)
		return cmd_usage(cmd_gc_usage, "unexpected argument '%s'",
		    argv[g.ind]);
	/* A bad --prune is a usage error, found before the repository. */
	if (prune != NULL && (err = cairn_gc_expiry_parse(prune,
	    (int64_t)time(NULL), &o.keep_since)) != NULL)
		return cmd_fail(err);
	/*
	 * The repository opened for writing first: recovery and its notice,
	 * and the config's gc.pruneExpire.  A dry run also takes the locks,
	 * to count a stable state.
	 */
	if ((err = cmd_open(&repo, 1)) != NULL)
		return cmd_fail(err);
	if (cmd_global.read_only)
		err = cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	if (err == NULL && prune == NULL && (prune = cmd_config_value(repo,
	    "gc.pruneExpire")) == NULL)
		prune = cairn_config_default("gc.pruneExpire");
	if (err == NULL)
		err = cairn_gc_expiry_parse(prune, (int64_t)time(NULL),
		    &o.keep_since);
	cmd_close(repo);
	if (err == NULL)
		err = cmd_repo_path(&path);
	if (err != NULL)
		return cmd_fail(err);
	if (!cmd_global.no_progress && isatty(2))
		o.progress = progress;
	if (verbose) {
		if ((rl.f = open_memstream(&rl.buf, &rl.len)) == NULL) {
			free(path);
			return cmd_fail(cairn_error_nomem());
		}
		rl.json = json;
		rl.now = (int64_t)time(NULL);
		o.removed = removed;
		o.arg = &rl;
	}
	err = cairn_repo_gc(path, &o, &res);
	free(path);
	if (rl.f != NULL && fclose(rl.f) != 0 && err == NULL)
		err = cairn_error_nomem();
	if (o.progress != NULL) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	if (err != NULL) {
		free(rl.buf);
		return cmd_fail(err);
	}
	/* The objects, once gc has done (or would do) what they say. */
	if (verbose && !json)
		fwrite(rl.buf, 1, rl.len, stdout);
	if (json)
		printf("{\"kept\": %" PRIu64 ", \"kept_bytes\": %" PRIu64
		    ", \"removed\": %" PRIu64 ", \"removed_bytes\": %" PRIu64
		    ", \"dry_run\": %s%s%.*s%s}\n", res.kept, res.kept_bytes,
		    res.removed, res.removed_bytes, o.dry_run ? "true" : "false",
		    verbose ? ", \"objects\": [" : "", (int)rl.len,
		    rl.buf ? rl.buf : "", verbose ? "]" : "");
	else
		printf("%s %" PRIu64 " objects (%" PRIu64 " bytes), %s %" PRIu64
		    " objects (%" PRIu64 " bytes)\n", "kept", res.kept,
		    res.kept_bytes, o.dry_run ? "would remove" : "removed",
		    res.removed, res.removed_bytes);
	free(rl.buf);
	return cmd_finish_output(0);
}
