/*
 * cmd_stats.c: cairn stats, repository statistics as key: value lines or
 * one JSON object with the same keys.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cmd.h"

const char cmd_stats_usage[] = "cairn stats [--json]";

static void
print_stats(const struct cairn_repo_stats *st, int json)
{
	const char *fmt_s = json ? "%s\"%s\": \"%s\"" : "%s%s: %s\n";
	const char *fmt_u = json ? "%s\"%s\": %" PRIu64 : "%s%s: %" PRIu64 "\n";
	const char *fmt_f = json ? "%s\"%s\": %.4f" : "%s%s: %.4f\n";
	const char *sep = json ? ", " : "";

	if (json)
		printf("{");
	printf(fmt_s, "", "object_format", st->object_format);
	printf(fmt_u, sep, "format_version", (uint64_t)st->format_version);
	printf(fmt_u, sep, "objects", st->objects);
	printf(fmt_u, sep, "data_bytes", st->data_bytes);
	printf(fmt_u, sep, "content_bytes", st->content_bytes);
	printf(fmt_u, sep, "wal_records", st->wal_records);
	printf(fmt_u, sep, "wal_bytes", st->wal_bytes);
	printf(fmt_u, sep, "index_segments", st->index_segments);
	printf(fmt_u, sep, "indexed_objects", st->indexed_objects);
	printf(fmt_f, sep, "bloom_bits_per_key", st->bloom_bits_per_key);
	printf(fmt_f, sep, "bloom_fpr", st->bloom_fpr);
	printf(fmt_u, sep, "refs", st->refs);
	printf(fmt_u, sep, "reads", st->reads);
	printf(fmt_u, sep, "writes", st->writes);
	printf(fmt_u, sep, "cache_hits", st->cache_hits);
	printf(fmt_u, sep, "cache_misses", st->cache_misses);
	printf(fmt_u, sep, "bloom_negatives", st->bloom_negatives);
	printf(fmt_u, sep, "bloom_false_positives", st->bloom_false_positives);
	if (json)
		printf("}\n");
}

int
cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct cairn_repo *repo;
	struct cairn_repo_stats st = CAIRN_REPO_STATS_INIT;
	struct cmd_getopt g;
	int c, json = 0;

	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "h", opts,
	    cmd_stats_usage)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == 'h')
			return cmd_help(cmd_stats_usage);
		else
			return 2;
	}
	if (g.ind < argc)
		return cmd_usage(cmd_stats_usage, "unexpected argument '%s'",
		    argv[g.ind]);
	if ((err = cmd_open(&repo, 0)) != NULL)
		return cmd_fail(err);
	err = cairn_repo_stats(repo, &st);
	if (err == NULL)
		print_stats(&st, json);
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}
