/*
 * cmd_cat.c: cairn cat, print an object, its type or size, or answer a
 * stream of names (or, with --batch-all-objects, every object in id
 * order) in git cat-file's --batch formats.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const char cmd_cat_usage[] =
    "cairn cat <object>\n"
    "       cairn cat (-t | -s | -e | -p) <object>\n"
    "       cairn cat [--no-verify] [--stats] [--batch-all-objects] "
    "(--batch[=<format>] | --batch-check[=<format>]) [-z | -Z]";

struct cat_opts {
	int mode;		/* 0 plain, 't', 's', 'e', 'p', 'b' batch, 'c' check */
	int no_verify;
	int stats;
	int nul_in, nul_out;
	const char *format;	/* of --batch=, --batch-check=; NULL: git's */
	int split;		/* the format has %(rest) */
	int all;		/* --batch-all-objects */
	int ind;		/* the first operand */
};

/*
 * Formats of the batch modes, as git cat-file's: %(objectname),
 * %(objecttype), %(objectsize) and %(rest) (what follows the name on its
 * input line, after blanks), "%%" for '%'; any other text is copied.
 */
enum atom { ATOM_NAME, ATOM_TYPE, ATOM_SIZE, ATOM_REST, ATOM_NONE };

/* The atom at f (just past "%("), its length through ')' in *len. */
static const struct cairn_error *
format_atom(const char *f, size_t *len, enum atom *a)
{
	static const char *const names[] = {
		"objectname", "objecttype", "objectsize", "rest",
	};
	const char *end = strchr(f, ')');
	size_t i;

	if (end == NULL)
		return cairn_error_new(CAIRN_ERR_INVALID, "format element "
		    "'(%s' does not end in ')'", f);
	*len = (size_t)(end - f) + 1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == *len - 1 &&
		    strncmp(f, names[i], *len - 1) == 0) {
			*a = (enum atom)i;
			return NULL;
		}
	return cairn_error_new(CAIRN_ERR_INVALID, "unknown format element: "
	    "%.*s", (int)(*len - 1), f);
}

/* Check a format; *split if it has %(rest). */
static const struct cairn_error *
format_check(const char *f, int *split)
{
	const struct cairn_error *err;
	enum atom a;
	size_t len;

	*split = 0;
	while ((f = strchr(f, '%')) != NULL) {
		if (f[1] != '(') {
			f += f[1] == '%' ? 2 : 1;
			continue;
		}
		if ((err = format_atom(f + 2, &len, &a)) != NULL)
			return err;
		*split |= a == ATOM_REST;
		f += 2 + len;
	}
	return NULL;
}

static void
format_print(const char *f, const char *hex, enum cairn_otype type,
    uint64_t size, const char *rest)
{
	enum atom a = ATOM_NONE;
	size_t len;

	for (; *f != '\0'; f++) {
		if (f[0] != '%' || (f[1] != '(' && f[1] != '%')) {
			putchar(*f);
			continue;
		}
		if (f[1] == '%') {
			putchar('%');
			f++;
			continue;
		}
		/* Checked by format_check. */
		if (format_atom(f + 2, &len, &a) != NULL)
			return;
		if (a == ATOM_NAME)
			fputs(hex, stdout);
		else if (a == ATOM_TYPE)
			fputs(cairn_otype_name(type), stdout);
		else if (a == ATOM_SIZE)
			printf("%" PRIu64, size);
		else if (a == ATOM_REST && rest != NULL)
			fputs(rest, stdout);
		f += 1 + len;
	}
}

static unsigned
get_flags(const struct cat_opts *o)
{
	return o->no_verify ? CAIRN_GET_NO_VERIFY : 0;
}

/* cat -p of a tree: its entries in git ls-tree format. */
static const struct cairn_error *
print_tree(struct cairn_repo *repo, const struct cat_opts *o,
    const struct cairn_oid *id)
{
	const struct cairn_error *err;
	struct cairn_tree_entry e;
	unsigned char *data;
	size_t len, pos = 0;
	enum cairn_otype type;
	int r;

	if ((err = cairn_object_get(repo, id, get_flags(o), &type, &data, &len)))
		return err;
	while ((r = cairn_tree_next(data, len, &pos, cairn_repo_hash_algo(repo),
	    &e)) == 1)
		cmd_print_entry(&e, "", 0);
	free(data);
	if (r < 0)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "malformed tree");
	return NULL;
}

/* The single-object forms. */
static const struct cairn_error *
cat_one(struct cairn_repo *repo, const struct cat_opts *o, const char *name,
    int *status)
{
	const struct cairn_error *err;
	struct cairn_oid id;
	uint64_t size;
	enum cairn_otype type;

	err = cairn_rev_resolve(repo, name, &id);
	if (err == NULL)
		err = cairn_object_stat(repo, &id, &type, &size);
	if (o->mode == 'e') {
		if (err != NULL && err->code == CAIRN_ERR_NOT_FOUND) {
			*status = 1;
			return NULL;
		}
		return err;
	}
	if (err != NULL)
		return err;
	if (o->mode == 't')
		printf("%s\n", cairn_otype_name(type));
	else if (o->mode == 's')
		printf("%" PRIu64 "\n", size);
	else if (o->mode == 'p' && type == CAIRN_OBJ_TREE)
		err = print_tree(repo, o, &id);
	else
		err = cairn_object_get_stream(repo, &id, get_flags(o),
		    cmd_stdout_sink, NULL);
	return err;
}

/* The line before an object's content, or the whole --batch-check answer. */
static void
batch_header(const struct cat_opts *o, const char *hex, enum cairn_otype type,
    uint64_t size, const char *rest, char eol)
{
	if (o->format == NULL)
		printf("%s %s %" PRIu64, hex, cairn_otype_name(type), size);
	else
		format_print(o->format, hex, type, size, rest);
	putchar(eol);
}

/*
 * One batch answer.  Names that do not resolve are reported in-band
 * ("<name> missing", "<name> ambiguous"), as git does; a damaged object
 * stops the command.
 */
static const struct cairn_error *
cat_batch_one(struct cairn_repo *repo, const struct cat_opts *o,
    char *name, char eol)
{
	const struct cairn_error *err;
	char *p, *rest = NULL;
	struct cairn_oid id;
	char hex[CAIRN_OID_HEXMAX + 1];
	unsigned char *data = NULL;
	uint64_t size;
	size_t len;
	enum cairn_otype type;

	/* With %(rest), the name ends at the first blank. */
	if (o->split && (p = strpbrk(name, " \t")) != NULL) {
		*p++ = '\0';
		rest = p + strspn(p, " \t");
	}
	err = cairn_rev_resolve(repo, name, &id);
	if (err == NULL)
		err = cairn_object_stat(repo, &id, &type, &size);
	if (err != NULL && err->code == CAIRN_ERR_AMBIGUOUS) {
		printf("%s ambiguous%c", name, eol);
		return NULL;
	}
	if (err != NULL && (err->code == CAIRN_ERR_NOT_FOUND ||
	    err->code == CAIRN_ERR_INVALID)) {
		printf("%s missing%c", name, eol);
		return NULL;
	}
	if (err != NULL)
		return err;
	cairn_oid_fmt(&id, hex);
	if (o->mode == 'c') {
		batch_header(o, hex, type, size, rest, eol);
		return NULL;
	}
	if (size <= ((uint64_t)64 << 20)) {
		/* Whole and verified before its header goes out. */
		if ((err = cairn_object_get(repo, &id, get_flags(o), &type, &data,
		    &len)) != NULL)
			return err;
		batch_header(o, hex, type, len, rest, eol);
		err = cmd_stdout_sink(NULL, data, len);
		free(data);
	} else {
		batch_header(o, hex, type, size, rest, eol);
		err = cairn_object_get_stream(repo, &id, get_flags(o),
		    cmd_stdout_sink, NULL);
	}
	if (err == NULL && putchar(eol) == EOF)
		err = cairn_error_sys(errno, "write to standard output");
	return err;
}

static void
echo_name(void *arg, const void *p, size_t n)
{
	(void)arg;
	fwrite(p, 1, n, stdout);
}

/*
 * A name longer than a line may be (CMD_LINE_MAX) names no object: as
 * git does for any name it cannot find, it is echoed back, "<name>
 * missing", here streamed from the input.
 */
static const struct cairn_error *
cat_batch_long(struct cmd_input *in, const struct cat_opts *o)
{
	if (cmd_input_drain_line(in, o->nul_in ? '\0' : '\n', echo_name,
	    NULL) < 0)
		return cmd_input_error(in);
	printf(" missing%c", o->nul_out ? '\0' : '\n');
	return NULL;
}

/* The full ids among lines already read, to start reading them ahead. */
struct ahead {
	struct cairn_repo *repo;
	struct cairn_oid ids[256];
	size_t n;
};

static void
ahead_line(void *arg, const char *line, size_t len)
{
	struct ahead *a = arg;
	size_t idlen = 2 * cairn_hash_len(cairn_repo_hash_algo(a->repo));

	/* The name ends at the first blank (the rest is %(rest)). */
	if ((len == idlen || (len > idlen && (line[idlen] == ' ' ||
	    line[idlen] == '\t'))) && cairn_oid_parse(cairn_repo_hash_algo(
	    a->repo), line, idlen, &a->ids[a->n]) == NULL)
		a->n++;
}

static const struct cairn_error *
cat_batch(struct cairn_repo *repo, const struct cat_opts *o)
{
	const struct cairn_error *err = NULL;
	struct cmd_input in;
	struct ahead *ahead;
	unsigned long long ahead_to = 0;
	char *line;
	size_t len;
	int r, complete;

	if ((ahead = malloc(sizeof(*ahead))) == NULL)
		return cairn_error_nomem();
	ahead->repo = repo;
	cmd_input_init(&in, 0);
	while (err == NULL && ((r = cmd_input_line(&in, o->nul_in ? '\0' :
	    '\n', &line, &len, &complete)) > 0 || (r < 0 && in.too_long))) {
		/*
		 * Past the lines read ahead: start reading the objects the
		 * next buffered lines name (never waiting for input), so a
		 * store whose reads are round trips overlaps them.
		 */
		if (in.lineno > ahead_to) {
			ahead->n = 0;
			ahead_to = in.lineno + cmd_input_buffered(&in,
			    o->nul_in ? '\0' : '\n', 256, ahead_line, ahead);
			cairn_object_prefetch(repo, ahead->ids, ahead->n);
		}
		if (r < 0)
			err = cat_batch_long(&in, o);
		else
			err = cat_batch_one(repo, o, line, o->nul_out ? '\0' :
			    '\n');
		/* No more work once output cannot be written. */
		if (err == NULL && ferror(stdout))
			err = cairn_error_new(CAIRN_ERR_IO,
			    "write to standard output failed");
	}
	if (err == NULL && r < 0)
		err = cmd_input_error(&in);
	cmd_input_release(&in);
	free(ahead);
	return err;
}

struct cat_all {
	struct cairn_repo *repo;
	const struct cat_opts *o;
	const struct cairn_error *err;
};

static int
cat_all_one(void *arg, const struct cairn_oid *id)
{
	struct cat_all *a = arg;
	char hex[CAIRN_OID_HEXMAX + 1];

	a->err = cat_batch_one(a->repo, a->o, cairn_oid_fmt(id, hex),
	    a->o->nul_out ? '\0' : '\n');
	if (a->err == NULL && ferror(stdout))
		a->err = cairn_error_new(CAIRN_ERR_IO,
		    "write to standard output failed");
	return a->err != NULL;
}

/* --batch-all-objects: every object, in id order, as if named in turn. */
static const struct cairn_error *
cat_batch_all(struct cairn_repo *repo, const struct cat_opts *o)
{
	const struct cairn_error *err;
	struct cat_all a = { repo, o, NULL };

	if ((err = cairn_object_each(repo, cat_all_one, &a)) != NULL)
		return err;
	return a.err;
}

/* Returns 0 to go on (the operands from o->ind), else the exit status. */
static int
parse_opts(int argc, char **argv, struct cat_opts *o)
{
	static const struct option opts[] = {
		{ "batch", optional_argument, NULL, 'b' },
		{ "batch-check", optional_argument, NULL, 'c' },
		{ "batch-all-objects", no_argument, NULL, 'A' },
		{ "no-verify", no_argument, NULL, 'V' },
		{ "stats", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct cmd_getopt g;
	int c;

	memset(o, 0, sizeof(*o));
	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "tsepzZh", opts,
	    cmd_cat_usage)) != -1) {
		switch (c) {
		case 't': case 's': case 'e': case 'p': case 'b': case 'c':
			if (o->mode != 0 && o->mode != c)
				return cmd_usage(cmd_cat_usage,
				    "options -t, -s, -e, -p, --batch and "
				    "--batch-check exclude each other");
			o->mode = c;
			if (c == 'b' || c == 'c')
				o->format = g.arg;
			break;
		case 'A': o->all = 1; break;
		case 'V': o->no_verify = 1; break;
		case 'S': o->stats = 1; break;
		case 'z': o->nul_in = 1; break;
		case 'Z': o->nul_in = o->nul_out = 1; break;
		case 'h':
			return cmd_help(cmd_cat_usage);
		default:
			return 2;
		}
	}
	o->ind = g.ind;
	if (o->mode == 'b' || o->mode == 'c') {
		if (g.ind < argc)
			return cmd_usage(cmd_cat_usage,
			    "unexpected argument '%s'", argv[g.ind]);
		if (o->format != NULL &&
		    (err = format_check(o->format, &o->split)) != NULL)
			return cmd_usage(cmd_cat_usage, "%s", err->msg);
		return 0;
	}
	if (o->nul_in || o->stats || o->all)
		return cmd_usage(cmd_cat_usage, "-z, -Z, --stats and "
		    "--batch-all-objects need --batch or --batch-check");
	if (argc - g.ind != 1)
		return cmd_usage(cmd_cat_usage, "expected one object name");
	/* -e answers 1 for a missing object, but 2 for a malformed name. */
	if ((err = cmd_check_name(argv[g.ind])) != NULL)
		return cmd_fail(err);
	return 0;
}

int
cmd_cat(int argc, char **argv)
{
	const struct cairn_error *err;
	struct cairn_repo *repo;
	struct cat_opts o;
	int r, status = 0;

	if ((r = parse_opts(argc, argv, &o)) != 0)
		return r;
	if ((err = cmd_open(&repo, 0)) != NULL)
		return cmd_fail(err);
	if (o.all)
		err = cat_batch_all(repo, &o);
	else if (o.mode == 'b' || o.mode == 'c')
		err = cat_batch(repo, &o);
	else
		err = cat_one(repo, &o, argv[o.ind], &status);
	if (o.stats)
		cmd_print_counters(repo);
	cmd_close(repo);
	if (err != NULL)
		return cmd_fail(err);
	return cmd_finish_output(status);
}
