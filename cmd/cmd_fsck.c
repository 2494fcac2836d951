/*
 * cmd_fsck.c: cairn fsck, check (and repair) a repository; with
 * --unreachable, then list what no ref reaches, as git fsck does.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "progress.h"

const char cmd_fsck_usage[] =
    "cairn fsck [--quick] [--repair | --salvage] [--unreachable] [--json] "
    "[--threads=<n>]";

struct fsck_out {
	int json;
	int n;
	int unreachable;	/* listed so far */
	FILE *list;		/* where they are gathered */
	struct cmd_meter meter;	/* phase "check": bytes of records */
};

/*
 * Does a name need quoting in a finding line?  When it is empty or holds
 * a control character, a space, a colon, a double quote, a backslash or
 * bytes that are not UTF-8: then the line could not be split, or would
 * not be one line.
 */
static int
name_needs_quotes(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len;

	if (n == 0)
		return 1;
	for (; n > 0; p += len, n -= len) {
		if (*p < 0x20 || *p == 0x7f || *p == ' ' || *p == ':' ||
		    *p == '"' || *p == '\\' || (len = cmd_utf8_len(p, n)) == 0)
			return 1;
	}
	return 0;
}

/*
 * Write s with C escapes, as git quotes a path (core.quotePath off):
 * \a \b \t \n \v \f \r \" \\, any other control byte and every byte
 * of a sequence that is not UTF-8 as \ooo; valid UTF-8 as it is.
 */
static void
put_escaped(const char *s)
{
	static const char from[] = "\a\b\t\n\v\f\r\"\\", to[] = "abtnvfr\"\\";
	const unsigned char *p = (const unsigned char *)s;
	const char *e;
	size_t n = strlen(s), len;

	for (; n > 0; p += len, n -= len) {
		len = 1;
		if (*p != '\0' && (e = strchr(from, *p)) != NULL)
			printf("\\%c", to[e - from]);
		else if (*p < 0x20 || *p == 0x7f ||
		    (len = cmd_utf8_len(p, n)) == 0) {
			printf("\\%03o", *p);
			len = 1;
		} else
			fwrite(p, 1, len, stdout);
	}
}

static void
put_name(const char *s)
{
	if (!name_needs_quotes(s)) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	put_escaped(s);
	putchar('"');
}

static void
report(void *arg, const struct cairn_finding *f)
{
	struct fsck_out *o = arg;
	char hex[CAIRN_OID_HEXMAX + 1];

	/* The JSON document opens with the first finding or at the end. */
	if (o->json && o->n == 0)
		printf("{\"findings\": [");
	cmd_meter_stdout();
	if (!o->json) {
		/* One line whatever the names hold: see put_name. */
		printf("%s %s ", f->error ? "error" : "warning",
		    cairn_finding_kind_name(f->kind));
		put_name(f->subject);
		fputs(": ", stdout);
		put_escaped(f->message);
		printf("%s\n", f->repaired ? " (repaired)" : "");
		return;
	}
	printf("%s{\"severity\": \"%s\", \"kind\": ", o->n++ ? ", " : "",
	    f->error ? "error" : "warning");
	cmd_json_string(cairn_finding_kind_name(f->kind));
	printf(", \"subject\": ");
	cmd_json_string(f->subject);
	/* The subject's parts, those it has. */
	if (f->file != NULL) {
		printf(", \"file\": ");
		cmd_json_string(f->file);
	}
	if (f->offset != CAIRN_FINDING_NO_OFFSET)
		printf(", \"offset\": %llu", (unsigned long long)f->offset);
	if (f->id != NULL)
		printf(", \"id\": \"%s\"", cairn_oid_fmt(f->id, hex));
	if (f->ref != NULL) {
		printf(", \"ref\": ");
		cmd_json_string(f->ref);
	}
	if (f->key != NULL) {
		printf(", \"key\": ");
		cmd_json_string(f->key);
	}
	if (f->check != NULL)
		printf(", \"check\": \"%s\"", f->check);
	printf(", \"message\": ");
	cmd_json_string(f->message);
	printf(", \"repairable\": %s, \"repaired\": %s}",
	    f->repairable ? "true" : "false", f->repaired ? "true" : "false");
}

static void
progress(void *arg, const char *phase, uint64_t bytes, uint64_t total)
{
	struct fsck_out *o = arg;

	cmd_meter_progress(&o->meter, phase, bytes, total);
}

static int
print_unreachable(void *arg, const struct cairn_oid *id, enum cairn_otype type)
{
	struct fsck_out *o = arg;
	char hex[CAIRN_OID_HEXMAX + 1];

	cairn_oid_fmt(id, hex);
	if (o->json)
		fprintf(o->list, "%s{\"type\": \"%s\", \"id\": \"%s\"}",
		    o->unreachable++ ? ", " : "", cairn_otype_name(type), hex);
	else
		fprintf(o->list, "unreachable %s %s\n", cairn_otype_name(type),
		    hex);
	return ferror(o->list) ? 1 : 0;
}

/*
 * --unreachable: after the check (and any repair), what no ref reaches,
 * as git fsck --unreachable lists it, into *buf: printed only whole.
 */
static const struct cairn_error *
list_unreachable(struct fsck_out *o, char **buf, size_t *len)
{
	const struct cairn_error *err;
	struct cairn_repo *repo;

	if ((o->list = open_memstream(buf, len)) == NULL)
		return cairn_error_nomem();
	if ((err = cmd_open(&repo, 0)) == NULL) {
		err = cairn_reach_unreachable(repo, print_unreachable, o);
		cmd_close(repo);
	}
	if (err == NULL && ferror(o->list))
		err = cairn_error_nomem();
	if (fclose(o->list) != 0 && err == NULL)
		err = cairn_error_nomem();
	o->list = NULL;
	return err;
}

int
cmd_fsck(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "repair", no_argument, NULL, 'r' },
		{ "salvage", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "threads", required_argument, NULL, 't' },
		{ "unreachable", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct cairn_fsck_result res = CAIRN_FSCK_RESULT_INIT;
	struct cairn_fsck_opts fo = CAIRN_FSCK_OPTS_INIT;
	struct fsck_out o;
	unsigned flags = 0;
	char *path, *end;
	unsigned long n;
	const struct cairn_error *lerr = NULL;
	char *ubuf = NULL;
	size_t ulen = 0;
	int c, unreachable = 0;

	memset(&o, 0, sizeof(o));
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'q')
			flags |= CAIRN_FSCK_QUICK;
		else if (c == 'r')
			flags |= CAIRN_FSCK_REPAIR;
		else if (c == 's')
			flags |= CAIRN_FSCK_SALVAGE;
		else if (c == 'j')
			o.json = 1;
		else if (c == 'u')
			unreachable = 1;
		else if (c == 't') {
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (!isdigit((unsigned char)optarg[0]) || *end != '\0' ||
			    errno != 0 || n < 1 || n > 64)
				return cmd_usage(cmd_fsck_usage, "--threads "
				    "wants a number from 1 to 64, not '%s'",
				    optarg);
			fo.threads = (unsigned)n;
		} else if (c == 'h') {
			return cmd_help(cmd_fsck_usage);
		} else
			return cmd_usage(cmd_fsck_usage, "unknown option '%s'",
			    argv[optind - 1]);
	}
	if (optind < argc)
		return cmd_usage(cmd_fsck_usage, "unexpected argument '%s'",
		    argv[optind]);
	if ((flags & CAIRN_FSCK_REPAIR) && (flags & CAIRN_FSCK_SALVAGE))
		return cmd_usage(cmd_fsck_usage, "--repair and --salvage "
		    "exclude each other");
	if ((flags & (CAIRN_FSCK_REPAIR | CAIRN_FSCK_SALVAGE)) &&
	    cmd_global.read_only)
		return cmd_fail(cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "cannot %s with --read-only", (flags & CAIRN_FSCK_SALVAGE) ?
		    "salvage" : "repair"));
	if ((err = cmd_repo_path(&path)) != NULL)
		return cmd_fail(err);
	cmd_meter_start(&o.meter, "fsck", "records");
	fo.flags = flags;
	fo.report = report;
	fo.progress = progress;
	fo.arg = &o;
	err = cairn_repo_fsck(path, &fo, &res);
	free(path);
	/* The final line: every record and byte that was read. */
	if (err == NULL) {
		cmd_meter_update(&o.meter, res.records, 0, res.bytes, 0);
		cmd_meter_done(&o.meter);
	} else
		cmd_meter_stop(&o.meter);
	/*
	 * The findings are printed whatever happens to the listing; a
	 * listing that fails (a damaged index, say) is left out, and its
	 * error ends the command.
	 */
	if (err == NULL && unreachable)
		lerr = list_unreachable(&o, &ubuf, &ulen);
	if (o.json && err == NULL && o.n == 0)
		printf("{\"findings\": [");
	if (o.json && err == NULL && unreachable && lerr == NULL)
		printf("], \"unreachable\": [");
	if (err == NULL && unreachable && lerr == NULL)
		fwrite(ubuf, 1, ulen, stdout);
	free(ubuf);
	if (o.json && err == NULL)
		printf("], \"records\": %" PRIu64 ", \"objects\": %" PRIu64
		    ", \"errors\": %" PRIu64 ", \"warnings\": %" PRIu64
		    ", \"object_warnings\": %" PRIu64 ", \"repaired\": %"
		    PRIu64 "}\n", res.records, res.objects, res.errors,
		    res.warnings, res.object_warnings, res.repaired);
	if (err == NULL)
		err = lerr;
	if (err != NULL)
		return cmd_fail(err);
	/* What git fsck only warns of in objects does not fail, as there. */
	return cmd_finish_output(res.errors + res.warnings -
	    res.object_warnings > 0 ? 1 : 0);
}
