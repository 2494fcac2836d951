/*
 * util.c: helpers shared by the subcommands.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

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

int
cmd_fail(const struct cairn_error *err)
{
	fflush(stdout);
	fputs("cairn: ", stderr);
	put_message(err->msg);
	fputc('\n', stderr);
	return cairn_error_exit_status(err);
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

const struct cairn_error *
cmd_repo_path(char **out)
{
	const char *env = getenv("CAIRN_DIR");

	if (cmd_global.repo != NULL || (env != NULL && *env != '\0')) {
		*out = strdup(cmd_global.repo ? cmd_global.repo : env);
		return *out ? NULL : cairn_error_nomem();
	}
	return cairn_repo_find(out, ".");
}

const struct cairn_error *
cmd_open(struct cairn_repo **out, int write)
{
	const struct cairn_error *err;
	char *path;

	if ((err = cmd_repo_path(&path)) != NULL)
		return err;
	err = cairn_repo_open(out, path,
	    write && !cmd_global.read_only ? 0 : CAIRN_OPEN_READ_ONLY);
	free(path);
	return err;
}

void
cmd_close(struct cairn_repo *repo)
{
	const char *notice;

	if (repo == NULL)
		return;
	if ((notice = cairn_repo_notice(repo)) != NULL)
		fprintf(stderr, "cairn: warning: %s\n", notice);
	cairn_repo_close(repo);
}

int
cmd_finish_output(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			return status;
		fprintf(stderr, "cairn: write to standard output: %s\n",
		    strerror(errno));
		return status ? status : 3;
	}
	return status;
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

	for (;;) {
		p = in->len > in->pos + scanned ? memchr(in->buf + in->pos +
		    scanned, delim, in->len - in->pos - scanned) : NULL;
		if (p != NULL)
			break;
		scanned = in->len - in->pos;
		if ((r = fill(in)) < 0)
			return -1;
		if (r == 0) {
			if (in->len == in->pos)
				return 0;
			p = in->buf + in->len;
			break;
		}
	}
	*complete = p < in->buf + in->len;
	*line = (char *)in->buf + in->pos;
	*len = (size_t)(p - (in->buf + in->pos));
	*p = '\0';
	in->pos += *len + (*complete ? 1 : 0);
	return 1;
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
	struct pollfd pfd;

	if (in->pos < in->len || in->eof)
		return 1;
	pfd.fd = in->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) > 0;
}

/*
 * Print a path as git does with core.quotePath: as is, unless it holds a
 * control character, '"', '\\' or a byte >= 0x80; then in double quotes
 * with C escapes and octal for the rest.
 */
void
cmd_print_path(const char *name, size_t len)
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
		fwrite(name, 1, len, stdout);
		return;
	}
	putchar('"');
	for (i = 0; i < len; i++) {
		if (p[i] == '"' || p[i] == '\\')
			printf("\\%c", p[i]);
		else if (p[i] != 0 && (e = strchr(esc, p[i])) != NULL)
			printf("\\%c", letter[e - esc]);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			printf("\\%03o", p[i]);
		else
			putchar(p[i]);
	}
	putchar('"');
}

/* One tree entry in git ls-tree format ("<mode> <type> <id>\t<name>"). */
void
cmd_print_entry(const struct cairn_tree_entry *e, const char *prefix,
    int nul)
{
	char hex[CAIRN_OID_HEXMAX + 1];
	const char *type = e->mode == CAIRN_MODE_TREE ? "tree" :
	    e->mode == CAIRN_MODE_GITLINK ? "commit" : "blob";

	printf("%06o %s %s\t", e->mode, type, cairn_oid_fmt(hex, &e->id));
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
	int type, i;

	for (i = 0; i < 16; i++) {
		if ((err = cairn_stat(repo, id, &type, NULL)) != NULL)
			return err;
		if (type == CAIRN_OBJ_TREE)
			return NULL;
		if (type == CAIRN_OBJ_BLOB)
			return cairn_error_new(CAIRN_ERR_INVALID,
			    "not a tree: a blob");
		if ((err = cairn_get(repo, id, 0, &type, &data, &len)))
			return err;
		if (type == CAIRN_OBJ_COMMIT) {
			err = cairn_commit_parse(&ci, data, len,
			    cairn_repo_hash_algo(repo));
			if (err == NULL)
				*id = ci.tree;
		} else
			err = cairn_oid_parse(id, cairn_repo_hash_algo(repo),
			    (char *)data + 7,
			    2 * cairn_hash_len(cairn_repo_hash_algo(repo)));
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
	struct cairn_stats st;

	if (repo == NULL || cairn_stats(repo, &st) != NULL)
		return;
	fprintf(stderr, "reads %llu, writes %llu, cache hits %llu, cache "
	    "misses %llu, bloom negatives %llu, bloom false positives %llu\n",
	    (unsigned long long)st.reads, (unsigned long long)st.writes,
	    (unsigned long long)st.cache_hits,
	    (unsigned long long)st.cache_misses,
	    (unsigned long long)st.bloom_negatives,
	    (unsigned long long)st.bloom_false_positives);
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	len = p[0] >= 0xf0 && p[0] < 0xf5 ? 4 : p[0] >= 0xe0 ? 3 :
	    p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : 0;
	if (len == 0 || len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/*
 * A JSON string.  Output stays valid UTF-8: a byte that is not part of a
 * UTF-8 sequence (names are bytes) is written as the code point of the
 * same value, \u00XX.
 */
void
cmd_json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len;

	putchar('"');
	while (n > 0) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else if ((len = utf8_len(p, n)) > 1) {
			fwrite(p, 1, len, stdout);
			p += len;
			n -= len;
			continue;
		} else if (len == 0)
			printf("\\u%04x", *p);
		else
			putchar(*p);
		p++;
		n--;
	}
	putchar('"');
}
