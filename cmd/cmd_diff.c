/*
 * cmd_diff.c: cairn diff, what changed between two trees, in the formats
 * of git diff-tree -r: --raw (the default), --name-status, --name-only,
 * --numstat and --stat.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "linediff.h"

const char cmd_diff_usage[] =
    "cairn diff [--raw | --name-status | --name-only | --numstat | --stat] "
    "[-z] <tree-ish> <tree-ish> [<path>...]";

#define BIG_FILE ((uint64_t)512 << 20)

enum format { RAW, NAME_STATUS, NAME_ONLY, NUMSTAT, STAT };

/* A file's line (or, binary, byte) counts, for --numstat and --stat. */
struct file_stat {
	char *name;		/* as printed: quoted as git quotes it */
	int binary;
	uint64_t added, deleted;	/* binary: the new and old sizes */
};

struct diff_opts {
	struct cairn_repo *repo;
	enum format format;
	int nul;		/* -z */
	const struct cairn_error *err;
	struct file_stat *files;
	size_t n, cap;
};

/* The path as git prints it: quoted unless -z. */
static void
print_name(const struct diff_opts *o, const char *path)
{
	if (o->nul)
		fputs(path, stdout);
	else
		cmd_print_path(path, strlen(path));
}

static const struct cairn_error *
read_blob(struct cairn_repo *repo, unsigned mode, const struct cairn_oid *id,
    unsigned char **data, size_t *len)
{
	enum cairn_otype type;

	char hex[CAIRN_OID_HEXMAX + 1];

	*data = NULL;
	*len = 0;
	/* The absent side holds no lines. */
	if (mode == 0)
		return NULL;
	/* A gitlink is one line, as git diffs a submodule. */
	if (mode == CAIRN_MODE_GITLINK) {
		if ((*data = malloc(CAIRN_OID_HEXMAX + 32)) == NULL)
			return cairn_error_nomem();
		*len = (size_t)sprintf((char *)*data, "Subproject commit %s\n",
		    cairn_oid_fmt(id, hex));
		return NULL;
	}
	return cairn_object_get(repo, id, 0, &type, data, len);
}

/* The counts of one change. */
static const struct cairn_error *
count(struct diff_opts *o, const struct cairn_diff_entry *d,
    struct file_stat *fs)
{
	const struct cairn_error *err;
	unsigned char *a, *b = NULL;
	size_t alen, blen, ins, del;
	uint64_t as = 0, bs = 0;

	/*
	 * Past core.bigFileThreshold's default (512 MiB) a file is binary,
	 * as in git, and is not read.
	 */
	if (d->old_mode == CAIRN_MODE_FILE || d->old_mode == CAIRN_MODE_EXEC)
		if ((err = cairn_object_stat(o->repo, &d->old_id, NULL,
		    &as)) != NULL)
			return err;
	if (d->new_mode == CAIRN_MODE_FILE || d->new_mode == CAIRN_MODE_EXEC)
		if ((err = cairn_object_stat(o->repo, &d->new_id, NULL,
		    &bs)) != NULL)
			return err;
	if (as > BIG_FILE || bs > BIG_FILE) {
		fs->binary = 1;
		fs->added = bs;
		fs->deleted = as;
		return NULL;
	}
	if ((err = read_blob(o->repo, d->old_mode, &d->old_id, &a, &alen)) !=
	    NULL || (err = read_blob(o->repo, d->new_mode, &d->new_id, &b,
	    &blen)) != NULL) {
		free(a);
		return err;
	}
	fs->binary = (a != NULL && cmd_is_binary(a, alen)) ||
	    (b != NULL && cmd_is_binary(b, blen));
	if (fs->binary) {
		fs->added = blen;
		fs->deleted = alen;
	} else if (cmd_line_diff(a ? a : (const unsigned char *)"", alen,
	    b ? b : (const unsigned char *)"", blen, &ins, &del) != 0) {
		err = cairn_error_nomem();
	} else {
		fs->added = ins;
		fs->deleted = del;
	}
	free(a);
	free(b);
	return err;
}

/* The name as printed, in a malloc'd string (for --stat's widths). */
static char *
quoted_name(const struct diff_opts *o, const char *path)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (f == NULL)
		return NULL;
	if (o->nul)
		fputs(path, f);
	else
		cmd_fprint_path(f, path, strlen(path));
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int
change(void *arg, const struct cairn_diff_entry *d)
{
	struct diff_opts *o = arg;
	char eol = o->nul ? '\0' : '\n';
	char hex1[CAIRN_OID_HEXMAX + 1], hex2[CAIRN_OID_HEXMAX + 1];
	struct file_stat fs, *nv;

	switch (o->format) {
	case RAW:
		printf(":%06o %06o %s %s %c%c", d->old_mode, d->new_mode,
		    cairn_oid_fmt(&d->old_id, hex1),
		    cairn_oid_fmt(&d->new_id, hex2), d->status,
		    o->nul ? '\0' : '\t');
		print_name(o, d->path);
		putchar(eol);
		break;
	case NAME_STATUS:
		printf("%c%c", d->status, o->nul ? '\0' : '\t');
		print_name(o, d->path);
		putchar(eol);
		break;
	case NAME_ONLY:
		print_name(o, d->path);
		putchar(eol);
		break;
	case NUMSTAT:
		if ((o->err = count(o, d, &fs)) != NULL)
			return 1;
		if (fs.binary)
			printf("-\t-\t");
		else
			printf("%" PRIu64 "\t%" PRIu64 "\t", fs.added,
			    fs.deleted);
		print_name(o, d->path);
		putchar(eol);
		break;
	case STAT:
		if ((o->err = count(o, d, &fs)) != NULL)
			return 1;
		if ((fs.name = quoted_name(o, d->path)) == NULL) {
			o->err = cairn_error_nomem();
			return 1;
		}
		if (o->n == o->cap) {
			o->cap = o->cap * 2 + 16;
			if ((nv = realloc(o->files, o->cap * sizeof(*nv))) ==
			    NULL) {
				free(fs.name);
				o->err = cairn_error_nomem();
				return 1;
			}
			o->files = nv;
		}
		o->files[o->n++] = fs;
		break;
	}
	return ferror(stdout) ? 1 : 0;
}

static int
decimal_width(uint64_t n)
{
	int w = 1;

	while (n >= 10) {
		n /= 10;
		w++;
	}
	return w;
}

static uint64_t
scale_linear(uint64_t it, uint64_t width, uint64_t max)
{
	return it == 0 ? 0 : 1 + it * (width - 1) / max;
}

static void
repeat(int c, uint64_t n)
{
	while (n-- > 0)
		putchar(c);
}

/*
 * --stat, laid out as git's show_stats lays it out in 80 columns: the
 * names (cut from the left, "...", when too long), " | ", the count and
 * a graph of '+' and '-' scaled to fit, then the summary line.
 */
static void
print_stat(const struct diff_opts *o)
{
	uint64_t max_change = 0, ins = 0, del = 0, add, dl, total;
	int width = 80, max_len = 0, number_width = 0, bin_width = 0;
	int name_width, graph_width, len, w, pad;
	const struct file_stat *f;
	const char *name, *prefix, *slash;
	size_t i;

	for (i = 0; i < o->n; i++) {
		f = &o->files[i];
		if ((int)strlen(f->name) > max_len)
			max_len = (int)strlen(f->name);
		if (f->binary) {
			w = 14 + decimal_width(f->added) +
			    decimal_width(f->deleted);
			if (w > bin_width)
				bin_width = w;
			number_width = 3;
			continue;
		}
		if (f->added + f->deleted > max_change)
			max_change = f->added + f->deleted;
	}
	if (decimal_width(max_change) > number_width)
		number_width = decimal_width(max_change);
	graph_width = max_change + 4 > (uint64_t)bin_width ? (int)max_change :
	    bin_width - 4;
	name_width = max_len;
	if (name_width + number_width + 6 + graph_width > width) {
		if (graph_width > width * 3 / 8 - number_width - 6) {
			graph_width = width * 3 / 8 - number_width - 6;
			if (graph_width < 6)
				graph_width = 6;
		}
		if (name_width > width - number_width - 6 - graph_width)
			name_width = width - number_width - 6 - graph_width;
		else
			graph_width = width - number_width - 6 - name_width;
	}
	for (i = 0; i < o->n; i++) {
		f = &o->files[i];
		name = f->name;
		prefix = "";
		len = name_width;
		if ((int)strlen(name) > name_width) {
			prefix = "...";
			len = name_width - 3 < 0 ? 0 : name_width - 3;
			name += strlen(name) - (size_t)len;
			if ((slash = strchr(name, '/')) != NULL)
				name = slash;
		}
		pad = len - (int)strlen(name);
		printf(" %s%s%*s |", prefix, name, pad > 0 ? pad : 0, "");
		if (f->binary) {
			printf(" %*s", number_width, "Bin");
			if (f->added == 0 && f->deleted == 0) {
				putchar('\n');
				continue;
			}
			printf(" %" PRIu64 " -> %" PRIu64 " bytes\n", f->deleted,
			    f->added);
			continue;
		}
		ins += f->added;
		del += f->deleted;
		add = f->added;
		dl = f->deleted;
		if ((uint64_t)graph_width <= max_change) {
			total = scale_linear(add + dl, (uint64_t)graph_width,
			    max_change);
			if (total < 2 && add && dl)
				total = 2;
			if (add < dl) {
				add = scale_linear(add, (uint64_t)graph_width,
				    max_change);
				dl = total - add;
			} else {
				dl = scale_linear(dl, (uint64_t)graph_width,
				    max_change);
				add = total - dl;
			}
		}
		printf(" %*" PRIu64 "%s", number_width, f->added + f->deleted,
		    f->added + f->deleted ? " " : "");
		repeat('+', add);
		repeat('-', dl);
		putchar('\n');
	}
	if (o->n == 0)
		return;
	printf(" %zu file%s changed", o->n, o->n == 1 ? "" : "s");
	if (ins || del == 0)
		printf(", %" PRIu64 " insertion%s(+)", ins, ins == 1 ? "" : "s");
	if (del || ins == 0)
		printf(", %" PRIu64 " deletion%s(-)", del, del == 1 ? "" : "s");
	putchar('\n');
}

/*
 * The tree rev names (a commit or tag stands for its tree).  The empty
 * tree's full id names the empty tree (*empty) even if it is not stored,
 * as in git.  A blob, or a tag of one, is an error naming rev.
 */
static const struct cairn_error *
resolve_tree(struct cairn_repo *repo, const char *rev, struct cairn_oid *id,
    int *empty)
{
	const struct cairn_error *err;
	struct cairn_oid e;
	char hex[CAIRN_OID_HEXMAX + 1];

	*empty = 0;
	if ((err = cairn_rev_resolve(repo, rev, id)) == NULL &&
	    (err = cmd_peel_tree(repo, id)) == NULL)
		return NULL;
	if (err->code == CAIRN_ERR_NOT_FOUND &&
	    cairn_hash_object(cairn_repo_hash_algo(repo), CAIRN_OBJ_TREE, "",
	    0, &e) == NULL && strcmp(rev, cairn_oid_fmt(&e, hex)) == 0) {
		*empty = 1;
		return NULL;
	}
	if (err->code == CAIRN_ERR_INVALID)
		return cairn_error_relabel(err, CAIRN_ERR_NONE, "%s: %s", rev,
		    err->msg);
	return err;
}

int
cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "raw", no_argument, NULL, 'R' },
		{ "name-status", no_argument, NULL, 'S' },
		{ "name-only", no_argument, NULL, 'N' },
		{ "numstat", no_argument, NULL, 'U' },
		{ "stat", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err = NULL;
	struct diff_opts o;
	struct cairn_oid a, b;
	struct cmd_getopt g;
	size_t i;
	int a_empty = 0, b_empty = 0;
	int c;

	memset(&o, 0, sizeof(o));
	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "zh", opts,
	    cmd_diff_usage)) != -1) {
		switch (c) {
		case 'R':
			o.format = RAW;
			break;
		case 'S':
			o.format = NAME_STATUS;
			break;
		case 'N':
			o.format = NAME_ONLY;
			break;
		case 'U':
			o.format = NUMSTAT;
			break;
		case 'T':
			o.format = STAT;
			break;
		case 'z':
			o.nul = 1;
			break;
		case 'h':
			return cmd_help(cmd_diff_usage);
		default:
			return 2;
		}
	}
	if (argc - g.ind < 2)
		return cmd_usage(cmd_diff_usage, "expected two trees");
	if ((err = cairn_rev_check(argv[g.ind])) != NULL ||
	    (err = cairn_rev_check(argv[g.ind + 1])) != NULL)
		return cmd_fail(err);
	if ((err = cmd_open(&o.repo, 0)) != NULL)
		return cmd_fail(err);
	if ((err = resolve_tree(o.repo, argv[g.ind], &a, &a_empty)) == NULL &&
	    (err = resolve_tree(o.repo, argv[g.ind + 1], &b,
	    &b_empty)) == NULL &&
	    (err = cairn_tree_diff(o.repo, a_empty ? NULL : &a,
	    b_empty ? NULL : &b,
	    (const char *const *)argv + g.ind + 2, (size_t)(argc - g.ind - 2),
	    change, &o)) == NULL)
		err = o.err;
	if (err == NULL && o.format == STAT && !ferror(stdout))
		print_stat(&o);
	for (i = 0; i < o.n; i++)
		free(o.files[i].name);
	free(o.files);
	cmd_close(o.repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}
