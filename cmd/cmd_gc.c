/*
 * cmd_gc.c: cairn gc, remove what no ref reaches and compact; with -v,
 * list each object removed (or, with --dry-run, that would be).  With
 * --max-size, first expire the least recently set refs (expire.h) until
 * what stays fits.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "expire.h"
#include "progress.h"

const char cmd_gc_usage[] =
    "cairn gc [--prune=<age>|now|never] [--max-size=<size> "
    "[--expire=<pattern>]...]\n"
    "                [--dry-run] [-v] [--json]";

/* The most patterns --expire takes. */
#define MAX_PATTERNS 256

/*
 * --max-size: bytes, with an optional suffix k, m, g or t (powers of
 * 1024, either case, "KiB" and "KB" alike).  0 if malformed.
 */
static int
parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "kmgt";
	const char *u;
	char *end;
	unsigned long long n;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		return 0;
	if (*end != '\0') {
		if ((u = strchr(units, tolower((unsigned char)*end))) == NULL)
			return 0;
		shift = 10 * (int)(u - units + 1);
		end++;
		if (*end == 'i' || *end == 'I')
			end++;
		if (*end == 'b' || *end == 'B')
			end++;
		if (*end != '\0')
			return 0;
	}
	if (n > (UINT64_MAX >> shift))
		return 0;
	*out = (uint64_t)n << shift;
	return 1;
}

/*
 * gc failed after --max-size deleted refs (or before, with none
 * deleted): with --json, the refs deleted are still listed, as
 * {"max_size": <n>, "expired": [...]} (the lines are out already); the
 * error says they were.
 */
static int
expire_failed(struct expire_set *s, int json, uint64_t max_size,
    const char *const why_text[4], const struct cairn_error *err)
{
	size_t i, n = 0;
	int status;

	for (i = 0; i < s->n; i++)
		n += s->v[i].deleted != 0;
	if (json && n > 0) {
		printf("{\"max_size\": %" PRIu64 ", \"expired\": [",
		    max_size);
		expire_print(s, 1, 0, why_text);
		printf("]}\n");
	}
	if (n > 0)
		err = cairn_error_relabel(err, CAIRN_ERR_NONE, "%s (%zu refs "
		    "were expired before, as listed)", err->msg, n);
	expire_release(s);
	status = cmd_fail(err);
	return n > 0 ? cmd_finish_output(status) : status;
}

/*
 * A dry run of gc with a plan (cairn_gc_opts) of the refs of s, in their
 * order: all of them, or with going set those marked to go.  bytes (may
 * be NULL) gets the plan's figures, s->n of them at most; res counts
 * what would stay and go without the plan's refs.
 */
static const struct cairn_error *
gc_plan(const char *path, const struct cairn_gc_opts *gc,
    const struct expire_set *s, int going, uint64_t *bytes,
    struct cairn_gc_result *res)
{
	const struct cairn_error *err;
	struct cairn_gc_opts o = *gc;
	uint64_t *own = NULL;
	const char **names;
	size_t i, n = 0;

	names = calloc(s->n + 1, sizeof(*names));
	if (bytes == NULL)
		bytes = own = calloc(s->n + 1, sizeof(*bytes));
	if (names == NULL || bytes == NULL) {
		free(names);
		free(own);
		return cairn_error_nomem();
	}
	for (i = 0; i < s->n; i++)
		if (!going || s->v[i].why != EXPIRE_KEPT)
			names[n++] = s->v[i].name;
	o.dry_run = 1;
	o.plan_refs = names;
	o.plan_n = n;
	o.plan_bytes = bytes;
	err = cairn_repo_gc(path, &o, res);
	free(names);
	free(own);
	return err;
}

/*
 * --max-size: the refs to expire.  A plan of every candidate, newest
 * first, gives what would stay with the newest k of them kept, for every
 * k; the newest that fit are kept, the others marked to go.  Sets *base
 * to what stays with none of them.
 */
static const struct cairn_error *
plan_expiry(const char *path, const struct cairn_gc_opts *gc,
    struct expire_set *s, uint64_t max_size, uint64_t *base)
{
	const struct cairn_error *err;
	struct cairn_gc_opts o = *gc;
	struct cairn_gc_result res = CAIRN_GC_RESULT_INIT;
	uint64_t *bytes;
	size_t i, keep = 0;

	if ((bytes = calloc(s->n + 1, sizeof(*bytes))) == NULL)
		return cairn_error_nomem();
	o.progress = NULL;
	o.removed = NULL;
	if ((err = gc_plan(path, &o, s, 0, bytes, &res)) == NULL) {
		*base = res.kept_bytes;
		while (keep < s->n && bytes[keep] <= max_size)
			keep++;
		if (res.kept_bytes > max_size)
			keep = 0;
		for (i = keep; i < s->n; i++)
			s->v[i].why = EXPIRE_SIZE;
	}
	free(bytes);
	return err;
}

/*
 * What gc's callbacks share (cairn_gc_opts has one arg): -v's objects
 * removed, gathered as lines (or JSON) until gc is done, and the meter.
 */
struct removed_list {
	FILE *f;
	char *buf;
	size_t len;
	int json;
	uint64_t n;
	int64_t now;
	struct cmd_meter meter;
};

static void
progress(void *arg, const char *phase, uint64_t done, uint64_t total)
{
	cmd_meter_progress(&((struct removed_list *)arg)->meter, phase, done,
	    total);
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
		{ "max-size", required_argument, NULL, 'm' },
		{ "expire", required_argument, NULL, 'e' },
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
	struct expire_set s;
	const char *prune = NULL, *max_text = NULL, *why_text[4] = { "" };
	char *patterns[MAX_PATTERNS], size_text[96];
	char *path;
	uint64_t max_size = 0, base = 0;
	int c, json = 0, verbose = 0, npatterns = 0;

	memset(&rl, 0, sizeof(rl));
	memset(&s, 0, sizeof(s));
	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "vh", opts,
	    cmd_gc_usage)) != -1) {
		if (c == 'p')
			prune = g.arg;
		else if (c == 'm') {
			if (!parse_size(g.arg, &max_size))
				return cmd_usage(cmd_gc_usage, "--max-size "
				    "takes a size (bytes, or with k, m, g or t), "
				    "not '%s'", g.arg);
			max_text = g.arg;
		} else if (c == 'e') {
			if (npatterns == MAX_PATTERNS)
				return cmd_usage(cmd_gc_usage, "more than %d "
				    "--expire patterns", MAX_PATTERNS);
			if (*g.arg == '\0')
				return cmd_usage(cmd_gc_usage,
				    "empty --expire pattern");
			patterns[npatterns++] = (char *)g.arg;
		} else if (c == 'n')
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
	if (npatterns > 0 && max_text == NULL)
		return cmd_usage(cmd_gc_usage, "--expire needs --max-size");
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
	/* --max-size: the candidates, every ref unless --expire says. */
	if (err == NULL && max_text != NULL)
		err = expire_collect(repo, patterns, npatterns, &s);
	cmd_close(repo);
	if (err == NULL)
		err = cmd_repo_path(&path);
	if (err != NULL) {
		expire_release(&s);
		return cmd_fail(err);
	}
	if (max_text != NULL) {
		snprintf(size_text, sizeof(size_text), "over --max-size %s",
		    max_text);
		why_text[EXPIRE_SIZE] = size_text;
		if ((err = plan_expiry(path, &o, &s, max_size, &base)) ==
		    NULL && !o.dry_run && (err = cmd_open(&repo, 1)) == NULL) {
			err = expire_apply(repo, &s);
			cmd_close(repo);
		}
		/*
		 * What is deleted is said at once: if anything fails from
		 * here on, the refs are gone all the same.
		 */
		if (!json && !o.dry_run) {
			expire_print(&s, 0, 0, why_text);
			fflush(stdout);
		}
		if (err != NULL) {
			free(path);
			return expire_failed(&s, json, max_size, why_text, err);
		}
	}
	cmd_meter_start(&rl.meter, "gc", "objects");
	o.progress = progress;
	o.arg = &rl;
	if (verbose) {
		if ((rl.f = open_memstream(&rl.buf, &rl.len)) == NULL) {
			free(path);
			expire_release(&s);
			return cmd_fail(cairn_error_nomem());
		}
		rl.json = json;
		rl.now = (int64_t)time(NULL);
		o.removed = removed;
	}
	/* A dry run counts as if the refs to go were gone. */
	if (max_text != NULL && o.dry_run)
		err = gc_plan(path, &o, &s, 1, NULL, &res);
	else
		err = cairn_repo_gc(path, &o, &res);
	free(path);
	if (rl.f != NULL && fclose(rl.f) != 0 && err == NULL)
		err = cairn_error_nomem();
	if (err == NULL)
		cmd_meter_done(&rl.meter);
	else
		cmd_meter_stop(&rl.meter);
	if (err != NULL) {
		free(rl.buf);
		return expire_failed(&s, json, max_size, why_text, err);
	}
	if (max_text != NULL && base > max_size)
		fprintf(stderr, "cairn: warning: what stays without the refs "
		    "--max-size may expire (%" PRIu64 " bytes) is over %s\n",
		    base, max_text);
	/* The refs that would expire, then the objects, once gc has done
	 * (or would do) what they say. */
	if (!json && o.dry_run)
		expire_print(&s, 0, 1, why_text);
	if (verbose && !json)
		fwrite(rl.buf, 1, rl.len, stdout);
	if (json) {
		printf("{\"kept\": %" PRIu64 ", \"kept_bytes\": %" PRIu64
		    ", \"removed\": %" PRIu64 ", \"removed_bytes\": %" PRIu64
		    ", \"dry_run\": %s%s%.*s%s", res.kept, res.kept_bytes,
		    res.removed, res.removed_bytes, o.dry_run ? "true" : "false",
		    verbose ? ", \"objects\": [" : "", (int)rl.len,
		    rl.buf ? rl.buf : "", verbose ? "]" : "");
		if (max_text != NULL) {
			printf(", \"max_size\": %" PRIu64 ", \"expired\": [",
			    max_size);
			expire_print(&s, 1, o.dry_run, why_text);
			printf("]");
		}
		printf("}\n");
	} else
		printf("%s %" PRIu64 " objects (%" PRIu64 " bytes), %s %" PRIu64
		    " objects (%" PRIu64 " bytes)\n", "kept", res.kept,
		    res.kept_bytes, o.dry_run ? "would remove" : "removed",
		    res.removed, res.removed_bytes);
	free(rl.buf);
	expire_release(&s);
	return cmd_finish_output(0);
}
