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

int
cmd_fail(const struct cairn_error *err)
{
	fflush(stdout);
	fprintf(stderr, "cairn: %s\n", err->msg);
	return cairn_error_exit_status(err);
}

int
cmd_usage(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("cairn: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\n", usage);
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
