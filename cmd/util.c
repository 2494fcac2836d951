/*
 * util.c: helpers shared by the subcommands.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "progress.h"

struct cmd_global cmd_global;

/* A message on one line: control characters (from names, paths) escaped. */
static void
put_message(const char *msg)
{
	const unsigned char *p;

	for (p = (const unsigned char *)msg; *p != '\0'; p++)
		if (*p == '\n')
			fputs("\\n", stderr);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\%03o", *p);
		else
			fputc(*p, stderr);
}

/* The exit status of CLI.md for an error's code. */
static int
exit_status(const struct cairn_error *err)
{
	switch (err->code) {
	case CAIRN_ERR_NOT_FOUND:
	case CAIRN_ERR_CAS_MISMATCH:
	case CAIRN_ERR_EXISTS:
		return 1;
	case CAIRN_ERR_USAGE:
	case CAIRN_ERR_INVALID:
	case CAIRN_ERR_AMBIGUOUS:
		return 2;
	case CAIRN_ERR_LOCKED:
		return 4;
	default:
		/* NOT_REPO, CORRUPT, IO, READ_ONLY, NOMEM and anything unknown. */
		return 3;
	}
}

int
cmd_fail(const struct cairn_error *err)
{
	/* The message starts a line, not the end of a meter's. */
	cmd_meter_hide();
	fflush(stdout);
	fputs("cairn: ", stderr);
	put_message(err->msg);
	fputc('\n', stderr);
	return exit_status(err);
}

const char *
cmd_config_value(struct cairn_repo *repo, const char *key)
{
	const char *value;

	return cairn_repo_config_get(repo, key, &value) == NULL ? value : NULL;
}

/*
 * Errors are one line (CLI.md), so the usage itself is not repeated: the
 * line points at "cairn help <command>", named by usage's second word.
 */
int
cmd_usage(const char *usage, const char *fmt, ...)
{
	va_list ap;
	const char *name = usage + strlen("cairn ");
	size_t len = strcspn(name, " \n");
	char msg[1024];

	fflush(stdout);
	fputs("cairn: ", stderr);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	put_message(msg);
	if (strncmp(usage, "cairn ", 6) != 0 || name[0] == '[')
		fprintf(stderr, " (see 'cairn help')\n");
	else
		fprintf(stderr, " (see 'cairn help %.*s')\n", (int)len, name);
	return 2;
}

#define HELP_COLUMN 30	/* where an option's text starts */
#define HELP_WIDTH 79

/* Text from column col on, words wrapped at HELP_WIDTH. */
static void
help_wrap(const char *text, int col)
{
	const char *p = text, *sp;
	int len;

	while (*p != '\0') {
		len = (int)strcspn(p, " ");
		if (col > HELP_COLUMN && col + 1 + len > HELP_WIDTH) {
			printf("\n%*s", HELP_COLUMN, "");
			col = HELP_COLUMN;
		} else if (col > HELP_COLUMN) {
			putchar(' ');
			col++;
		}
		printf("%.*s", len, p);
		col += len;
		sp = p + len;
		p = sp + strspn(sp, " ");
	}
	putchar('\n');
}

int
cmd_help(const char *usage)
{
	const struct cmd_option_help *o;
	const char *name = usage, *sub;
	size_t len, sublen;
	int col, any = 0;

	printf("usage: %s\n", usage);
	/* "cairn <name> ...": the command's subsection of the page. */
	if (strncmp(name, "cairn ", 6) == 0)
		name += 6;
	len = strcspn(name, " \n");
	/* "cairn ref list ...": the entry of that subcommand alone. */
	sub = name + len + strspn(name + len, " ");
	sublen = strcspn(sub, " \n");
	for (o = cmd_option_help; o->cmd != NULL; o++)
		if (strlen(o->cmd) == len && strncmp(o->cmd, name, len) == 0 &&
		    strncmp(o->option, sub, sublen) == 0 &&
		    (o->option[sublen] == ' ' || o->option[sublen] == '\0'))
			break;
	if (o->cmd == NULL || *sub == '-' || strchr(usage, '\n') != NULL)
		sublen = 0;
	for (o = cmd_option_help; o->cmd != NULL; o++) {
		if (strlen(o->cmd) != len || strncmp(o->cmd, name, len) != 0)
			continue;
		if (sublen > 0 && (strncmp(o->option, sub, sublen) != 0 ||
		    (o->option[sublen] != ' ' && o->option[sublen] != '\0')))
			continue;
		if (!any++)
			printf("\noptions:\n");
		/* A subcommand's own option, "expire --keep=<n>": the option. */
		col = printf("    %s", sublen > 0 && o->option[sublen] == ' ' &&
		    o->option[sublen + 1] == '-' ? o->option + sublen + 1 :
		    o->option);
		if (col >= HELP_COLUMN - 1) {
			printf("\n%*s", HELP_COLUMN, "");
		} else {
			printf("%*s", HELP_COLUMN - col, "");
		}
		help_wrap(o->text, HELP_COLUMN);
	}
	printf("\nThe whole description: 'man cairn', section COMMANDS, %.*s.\n",
	    (int)len, name);
	return cmd_finish_output(0);
}

/* Options (see cmd.h). */

void
cmd_getopt_init(struct cmd_getopt *g, int in_order)
{
	memset(g, 0, sizeof(*g));
	g->ind = g->next = 1;
	g->in_order = in_order;
}

/*
 * The option argv[g->next] and its value (span 1 or 2 arguments) move
 * before the operands skipped so far, argv[g->ind..g->next), so that
 * operands end up after all options, in their order.
 */
static void
take(struct cmd_getopt *g, char **argv, int span)
{
	char *save[2];
	int i;

	for (i = 0; i < span; i++)
		save[i] = argv[g->next + i];
	memmove(argv + g->ind + span, argv + g->ind,
	    (size_t)(g->next - g->ind) * sizeof(*argv));
	for (i = 0; i < span; i++)
		argv[g->ind + i] = save[i];
	g->ind += span;
	g->next += span;
}

static int
long_option(struct cmd_getopt *g, int argc, char **argv,
    const struct option *lo, const char *usage)
{
	const char *a = argv[g->next] + 2, *eq = strchr(a, '=');
	const struct option *hit = NULL;
	size_t n = eq ? (size_t)(eq - a) : strlen(a);
	int i, nhits = 0, span = 1;

	for (i = 0; lo != NULL && lo[i].name != NULL; i++) {
		if (strncmp(lo[i].name, a, n) != 0)
			continue;
		hit = &lo[i];
		if (lo[i].name[n] == '\0') {
			nhits = 1;
			break;
		}
		nhits++;
	}
	if (nhits != 1) {
		cmd_usage(usage, "%s option '--%.*s'", nhits ? "ambiguous" :
		    "unknown", (int)n, a);
		return CMD_OPT_ERROR;
	}
	g->arg = eq ? eq + 1 : NULL;
	if (hit->has_arg == no_argument && eq != NULL) {
		cmd_usage(usage, "option '--%s' takes no value", hit->name);
		return CMD_OPT_ERROR;
	}
	if (hit->has_arg == required_argument && eq == NULL) {
		if (g->next + 1 >= argc) {
			cmd_usage(usage, "option '--%s' requires a value",
			    hit->name);
			return CMD_OPT_ERROR;
		}
		g->arg = argv[g->next + 1];
		span = 2;
	}
	take(g, argv, span);
	return hit->val;
}

static int
short_option(struct cmd_getopt *g, int argc, char **argv,
    const char *shortopts, const char *usage)
{
	int c = (unsigned char)*g->cluster++, span = 1;
	const char *spec = c != ':' ? strchr(shortopts, c) : NULL;

	g->arg = NULL;
	if (spec == NULL) {
		if (c < 0x80)
			cmd_usage(usage, "unknown option '-%c'", c);
		else
			cmd_usage(usage, "unknown option '%s'", argv[g->next]);
		return CMD_OPT_ERROR;
	}
	if (spec[1] == ':') {
		if (*g->cluster != '\0')
			g->arg = g->cluster;
		else if (g->next + 1 < argc) {
			g->arg = argv[g->next + 1];
			span = 2;
		} else {
			cmd_usage(usage, "option '-%c' requires a value", c);
			return CMD_OPT_ERROR;
		}
		g->cluster = "";
	}
	if (*g->cluster == '\0') {
		g->cluster = NULL;
		take(g, argv, span);
	}
	return c;
}

int
cmd_getopt(struct cmd_getopt *g, int argc, char **argv,
    const char *shortopts, const struct option *longopts, const char *usage)
{
	const char *a;

	if (g->cluster != NULL)
		return short_option(g, argc, argv, shortopts, usage);
	while (!g->done && g->next < argc) {
		a = argv[g->next];
		if (a[0] != '-' || a[1] == '\0') {
			if (g->in_order)
				break;
			g->next++;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			take(g, argv, 1);
			break;
		}
		if (a[1] == '-')
			return long_option(g, argc, argv, longopts, usage);
		g->cluster = a + 1;
		return short_option(g, argc, argv, shortopts, usage);
	}
	g->done = 1;
	g->arg = NULL;
	return -1;
}

/* An object name or revision, checked before any repository is read. */
const struct cairn_error *
cmd_check_name(const char *name)
{
	return cairn_rev_check(name);
}

const struct cairn_error *
cmd_repo_path(char **out)
{
	const char *env = getenv("CAIRN_DIR");

	if (cmd_global.repo != NULL || (env != NULL && *env != '\0')) {
		*out = strdup(cmd_global.repo ? cmd_global.repo : env);
		return *out ? NULL : cairn_error_nomem();
	}
	return cairn_repo_find(".", out);
}

const struct cairn_error *
cmd_open(struct cairn_repo **out, int write)
{
	return cmd_open_flags(out, write, 0);
}

const struct cairn_error *
cmd_open_flags(struct cairn_repo **out, int write, unsigned flags)
{
	const struct cairn_error *err;
	char *path;

	if ((err = cmd_repo_path(&path)) != NULL)
		return err;
	if (!write || cmd_global.read_only)
		flags |= CAIRN_OPEN_READ_ONLY;
	err = cairn_repo_open(path, flags, out);
	free(path);
	return err;
}

void
cmd_close(struct cairn_repo *repo)
{
	const char *notice;

	if (repo == NULL)
		return;
	if ((notice = cairn_repo_notice(repo)) != NULL) {
		cmd_meter_hide();
		fprintf(stderr, "cairn: warning: %s\n", notice);
	}
	cairn_repo_close(repo);
}

int
cmd_finish_output(int status)
{
	int flushed;

	errno = 0;
	flushed = fflush(stdout) == 0;
	if (flushed && !ferror(stdout))
		return status;
	/* Only a program that ignores SIGPIPE (running main) sees EPIPE. */
	if (!flushed && errno == EPIPE)
		return status;
	if (!flushed && errno != 0)
		fprintf(stderr, "cairn: write to standard output: %s\n",
		    strerror(errno));
	else
		fprintf(stderr, "cairn: write to standard output failed\n");
	return status ? status : 3;
}

int
cmd_parse_type(const char *s)
{
	int t = cairn_otype_parse(s, strlen(s));

	return t;
}

/* Input. */

void
cmd_input_init(struct cmd_input *in, int fd)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
}

void
cmd_input_release(struct cmd_input *in)
{
	free(in->buf);
	memset(in, 0, sizeof(*in));
}

/* Whether a read of fd would return at once. */
static int
fd_ready(int fd)
{
	struct pollfd pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) > 0;
}

/* Read more input, after compacting; 1 if bytes came, 0 at EOF, -1 error. */
static int
fill(struct cmd_input *in)
{
	unsigned char *nb;
	ssize_t n;

	if (in->eof)
		return 0;
	if (in->pos > 0) {
		memmove(in->buf, in->buf + in->pos, in->len - in->pos);
		in->len -= in->pos;
		in->pos = 0;
	}
	if (in->cap - in->len < 65536) {
		if ((nb = realloc(in->buf, in->cap * 2 + 131072)) == NULL) {
			in->err = ENOMEM;
			return -1;
		}
		in->buf = nb;
		in->cap = in->cap * 2 + 131072;
	}
	if (!cmd_input_pending(in))
		fflush(stdout);
	/* Whatever is buffered, this read is the one that would wait. */
	if (in->before_wait != NULL && !fd_ready(in->fd) &&
	    in->before_wait(in->before_wait_arg) != 0) {
		in->err = ECANCELED;
		return -1;
	}
	do
		n = read(in->fd, in->buf + in->len, in->cap - in->len - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		in->err = errno;
		return -1;
	}
	if (n == 0) {
		in->eof = 1;
		return 0;
	}
	in->len += (size_t)n;
	return 1;
}

int
cmd_input_line(struct cmd_input *in, int delim, char **line, size_t *len,
    int *complete)
{
	unsigned char *p;
	size_t scanned = 0;
	int r;

	if (in->too_long)
		return -1;
	for (;;) {
		p = in->len > in->pos + scanned ? memchr(in->buf + in->pos +
		    scanned, delim, in->len - in->pos - scanned) : NULL;
		if (p != NULL)
			break;
		scanned = in->len - in->pos;
		/* Stop before buffering more of a line that is too long. */
		if (scanned > CMD_LINE_MAX)
			break;
		if ((r = fill(in)) < 0)
			return -1;
		if (r == 0) {
			if (in->len == in->pos)
				return 0;
			p = in->buf + in->len;
			break;
		}
	}
	if ((p != NULL ? (size_t)(p - (in->buf + in->pos)) : scanned) >
	    CMD_LINE_MAX) {
		in->too_long = 1;
		in->err = EMSGSIZE;	/* for callers that only know in->err */
		in->lineno++;
		return -1;
	}
	in->lineno++;
	*complete = p < in->buf + in->len;
	*line = (char *)in->buf + in->pos;
	*len = (size_t)(p - (in->buf + in->pos));
	*p = '\0';
	in->pos += *len + (*complete ? 1 : 0);
	return 1;
}

size_t
cmd_input_buffered(struct cmd_input *in, int delim, size_t max,
    void (*fn)(void *arg, const char *line, size_t len), void *arg)
{
	const unsigned char *p = in->buf + in->pos, *end = in->buf + in->len;
	const unsigned char *nl;
	size_t n = 0;

	if (in->too_long || in->buf == NULL)
		return 0;
	while (n < max && p < end && (nl = memchr(p, delim,
	    (size_t)(end - p))) != NULL) {
		fn(arg, (const char *)p, (size_t)(nl - p));
		p = nl + 1;
		n++;
	}
	return n;
}

int
cmd_input_drain_line(struct cmd_input *in, int delim,
    void (*fn)(void *arg, const void *p, size_t n), void *arg)
{
	unsigned char *p;
	size_t n;
	int r;

	in->too_long = 0;
	in->err = 0;
	for (;;) {
		n = in->len - in->pos;
		p = n > 0 ? memchr(in->buf + in->pos, delim, n) : NULL;
		if (p != NULL)
			n = (size_t)(p - (in->buf + in->pos));
		if (n > 0)
			fn(arg, in->buf + in->pos, n);
		in->pos += n;
		if (p != NULL) {
			in->pos++;
			return 0;
		}
		if ((r = fill(in)) <= 0)
			return r;
	}
}

const struct cairn_error *
cmd_input_error(const struct cmd_input *in)
{
	if (in->too_long)
		return cairn_error_new(CAIRN_ERR_INVALID, "line %llu of "
		    "standard input is longer than %d bytes", in->lineno,
		    CMD_LINE_MAX);
	return cairn_error_sys(in->err, "read standard input");
}

long
cmd_input_read(struct cmd_input *in, void *buf, size_t len)
{
	size_t n;
	int r;

	if (in->pos == in->len) {
		if ((r = fill(in)) <= 0)
			return r;
	}
	n = in->len - in->pos;
	if (n > len)
		n = len;
	memcpy(buf, in->buf + in->pos, n);
	in->pos += n;
	return (long)n;
}

int
cmd_input_pending(struct cmd_input *in)
{
	return in->pos < in->len || in->eof || fd_ready(in->fd);
}

/*
 * Print a path as git does with core.quotePath: as is, unless it holds a
 * control character, '"', '\\' or a byte >= 0x80; then in double quotes
 * with C escapes and octal for the rest.
 */
void
cmd_fprint_path(FILE *f, const char *name, size_t len)
{
	static const char esc[] = "\a\b\t\n\v\f\r";
	static const char letter[] = "abtnvfr";
	const unsigned char *p = (const unsigned char *)name;
	const char *e;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] >= 0x7f || p[i] == '"' || p[i] == '\\')
			break;
	if (i == len) {
		fwrite(name, 1, len, f);
		return;
	}
	putc('"', f);
	for (i = 0; i < len; i++) {
		if (p[i] == '"' || p[i] == '\\')
			fprintf(f, "\\%c", p[i]);
		else if (p[i] != 0 && (e = strchr(esc, p[i])) != NULL)
			fprintf(f, "\\%c", letter[e - esc]);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			fprintf(f, "\\%03o", p[i]);
		else
			putc(p[i], f);
	}
	putc('"', f);
}

void
cmd_print_path(const char *name, size_t len)
{
	cmd_fprint_path(stdout, name, len);
}

/* One tree entry in git ls-tree format ("<mode> <type> <id>\t<name>"). */
void
cmd_print_entry(const struct cairn_tree_entry *e, const char *prefix,
    int nul)
{
	char hex[CAIRN_OID_HEXMAX + 1];
	const char *type = e->mode == CAIRN_MODE_TREE ? "tree" :
	    e->mode == CAIRN_MODE_GITLINK ? "commit" : "blob";

	printf("%06o %s %s\t", e->mode, type, cairn_oid_fmt(&e->id, hex));
	if (nul) {
		fputs(prefix, stdout);
		fwrite(e->name, 1, e->name_len, stdout);
		putchar('\0');
		return;
	}
	if (*prefix != '\0') {
		/* Quote prefix and name as one path. */
		size_t plen = strlen(prefix);
		char *full = malloc(plen + e->name_len + 1);

		if (full != NULL) {
			memcpy(full, prefix, plen);
			memcpy(full + plen, e->name, e->name_len);
			cmd_print_path(full, plen + e->name_len);
			free(full);
		}
	} else
		cmd_print_path(e->name, e->name_len);
	putchar('\n');
}

/*
 * A commit (or a tag of one) names its tree, as git's "<commit>^{tree}":
 * ls and get accept them.
 */
const struct cairn_error *
cmd_peel_tree(struct cairn_repo *repo, struct cairn_oid *id)
{
	const struct cairn_error *err;
	struct cairn_commit_info ci;
	unsigned char *data;
	size_t len;
	enum cairn_otype type;
	int i;

	for (i = 0; i < 16; i++) {
		if ((err = cairn_object_stat(repo, id, &type, NULL)) != NULL)
			return err;
		if (type == CAIRN_OBJ_TREE)
			return NULL;
		if (type == CAIRN_OBJ_BLOB)
			return cairn_error_new(CAIRN_ERR_INVALID,
			    "not a tree: a blob");
		if ((err = cairn_object_get(repo, id, 0, &type, &data, &len)))
			return err;
		if (type == CAIRN_OBJ_COMMIT) {
			err = cairn_commit_parse(data, len,
			    cairn_repo_hash_algo(repo), &ci);
			if (err == NULL)
				*id = ci.tree;
		} else
			err = cairn_oid_parse(cairn_repo_hash_algo(repo),
			    (char *)data + 7,
			    2 * cairn_hash_len(cairn_repo_hash_algo(repo)), id);
		free(data);
		if (err != NULL)
			return err;
	}
	return cairn_error_new(CAIRN_ERR_INVALID, "tags nested too deep");
}

/* The handle's counters, one line on stderr (--stats of the batch modes). */
void
cmd_print_counters(struct cairn_repo *repo)
{
	struct cairn_repo_stats st = CAIRN_REPO_STATS_INIT;

	if (repo == NULL || cairn_repo_stats(repo, &st) != NULL)
		return;
	fprintf(stderr, "reads %llu, writes %llu, cache hits %llu, cache "
	    "misses %llu, bloom negatives %llu, bloom false positives %llu\n",
	    (unsigned long long)st.reads, (unsigned long long)st.writes,
	    (unsigned long long)st.cache_hits,
	    (unsigned long long)st.cache_misses,
	    (unsigned long long)st.bloom_negatives,
	    (unsigned long long)st.bloom_false_positives);
}

/* See cmd.h. */
size_t
cmd_utf8_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	/* The second byte's range excludes overlong forms, surrogates and
	 * code points past U+10FFFF. */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* See cmd.h for the encoding. */
void
cmd_json_bytes(const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t len;

	putchar('"');
	for (; n > 0; p += len, n -= len) {
		len = 1;
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else if ((len = cmd_utf8_len(p, n)) == 0) {
			printf("\\udc%02x", *p);
			len = 1;
		} else
			fwrite(p, 1, len, stdout);
	}
	putchar('"');
}

void
cmd_json_string(const char *s)
{
	cmd_json_bytes(s, strlen(s));
}

/* The shortest unique prefix of at least 7 digits, as git abbreviates. */
void
cmd_abbrev(struct cairn_repo *repo, const struct cairn_oid *id, char *out)
{
	const struct cairn_error *err;
	struct cairn_oid got;
	size_t n, full = 2 * (size_t)id->len;

	cairn_oid_fmt(id, out);
	for (n = 7; n < full; n++) {
		char save = out[n];

		out[n] = '\0';
		err = cairn_object_resolve(repo, out, &got);
		if (err == NULL || err->code != CAIRN_ERR_AMBIGUOUS)
			return;
		out[n] = save;
	}
}

const struct cairn_error *
cmd_stdout_sink(void *arg, const void *data, size_t len)
{
	(void)arg;
	if (fwrite(data, 1, len, stdout) != len)
		return cairn_error_sys(errno, "write to standard output");
	return NULL;
}

/*
 * A regular file (or a new one) is written as a temporary file beside
 * it, renamed into place once whole, so that a failure leaves nothing
 * partial under its name; anything else (a symbolic link, a FIFO, a
 * device) is opened and written as it is: renaming onto /dev/stdout
 * would replace the link.
 */
const struct cairn_error *
cmd_output_open(const char *path, FILE **out, char **tmp)
{
	struct stat st;
	size_t n = strlen(path) + 16;
	mode_t um;
	int fd;

	*tmp = NULL;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if ((*out = fopen(path, "wb")) == NULL)
			return cairn_error_sys(errno, "%s", path);
		return NULL;
	}
	if ((*tmp = malloc(n)) == NULL)
		return cairn_error_nomem();
	snprintf(*tmp, n, "%s.tmp-XXXXXX", path);
	if ((fd = mkstemp(*tmp)) < 0) {
		free(*tmp);
		*tmp = NULL;
		return cairn_error_sys(errno, "%s", path);
	}
	/* As a file made by open(2) with 0666 would be, under the umask. */
	um = umask(0);
	umask(um);
	(void)fchmod(fd, 0666 & ~um);
	if ((*out = fdopen(fd, "wb")) == NULL) {
		close(fd);
		(void)unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
		return cairn_error_sys(errno, "%s", path);
	}
	return NULL;
}

/* Make a rename into the directory of path durable. */
static const struct cairn_error *
sync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, r;

	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return cairn_error_nomem();
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) < 0) {
		free(dir);
		return cairn_error_sys(errno, "open directory of '%s'", path);
	}
	r = fsync(fd);
	close(fd);
	free(dir);
	return r != 0 ? cairn_error_sys(errno, "sync directory of '%s'",
	    path) : NULL;
}

const struct cairn_error *
cmd_output_close(FILE *out, const char *path, char *tmp,
    const struct cairn_error *err)
{
	struct stat st;

	/* A FIFO or device written through has nothing to sync. */
	if (err == NULL && (fflush(out) != 0 || (fstat(fileno(out), &st) ==
	    0 && S_ISREG(st.st_mode) && fsync(fileno(out)) != 0)))
		err = cairn_error_sys(errno, "write to %s", path);
	if (fclose(out) != 0 && err == NULL)
		err = cairn_error_sys(errno, "write to %s", path);
	/* Whole, under its name; or not there at all. */
	if (tmp != NULL && err == NULL && rename(tmp, path) != 0)
		err = cairn_error_sys(errno, "rename '%s' to '%s'", tmp, path);
	else if (tmp != NULL && err == NULL)
		err = sync_dir_of(path);
	if (tmp != NULL && err != NULL)
		(void)unlink(tmp);
	free(tmp);
	return err;
}
