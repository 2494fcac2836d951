/*
 * remote.c: cairn serve, fetch, push, clone and remote: objects and refs
 * moved between repositories over a pipe to `cairn serve`.
 *
 * Where the far side runs (URLs, see parse_url):
 *   <path>, file://<path>           cairn serve <path>, run here
 *   ssh://[<user>@]<host>[:<port>]/<path>, [<user>@]<host>:<path>
 *                                   $CAIRN_SSH (default ssh) [-p <port>]
 *                                   <host> "cairn serve '<path>'", as git
 *                                   runs $GIT_SSH_COMMAND (through sh)
 *   http://..., https://...         cairn serve <url>, run here: it reads
 *                                   the repository's files from the web
 *                                   server (the library's http layer), so
 *                                   fetch and clone work unchanged; push
 *                                   is refused
 *
 * The protocol.  Lines end in '\n'; ids are hex in lines and raw in
 * lists; <code> is a cairn_errcode number.
 *
 *   server: cairn-serve 1 <object-format>
 *           <hex> <ref>                   each ref, in name order
 *           end
 *   client: fetch | push | (end of input: only the refs were wanted)
 *
 *   fetch:  client: want <hex>            what to fetch (repeated)
 *                   have <hex>            the client's ref tips
 *                   done
 *           server: candidates <n>, then n raw ids: every object the
 *                   wants reach and the haves the server knows do not
 *           client: ceil(n/8) bytes, bit i (least significant first)
 *                   set if the client lacks candidate i
 *           server: the object stream of those (transfer.h)
 *   push:   client: candidates <n>, then n raw ids (as fetch's, with the
 *                   server's refs as haves)
 *           server: the bitmap of those it lacks
 *           client: the object stream
 *           server: stored (once they are durable)
 *           client: update <old> <new> <ref>   old: <hex> (the ref must
 *                   be at it), - (it must not exist) or * (anything)
 *                   done
 *           server: ok, once every new target and all it reaches is
 *                   there and the refs moved in one transaction
 *
 * At any point where a line is due, the server may send instead
 * "error <code> <message>" and stop; the client fails with that error.
 * The client trusts nothing it receives: objects are re-hashed,
 * everything the new refs reach must be present before any ref is set.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <unistd.h>

#include "transfer.h"

const char cmd_serve_usage[] = "cairn serve <repo>";
const char cmd_fetch_usage[] = "cairn fetch <remote>|<url> [<ref>...]";
const char cmd_push_usage[] =
    "cairn push [--force] <remote>|<url> <ref>[:<dst>]...";
const char cmd_clone_usage[] = "cairn clone <url> <dir>";
const char cmd_remote_usage[] =
    "cairn remote add <name> <url>\n"
    "       cairn remote remove <name>\n"
    "       cairn remote list";

#define GREETING "cairn-serve 1 "
/* More objects than one transfer may offer (their ids alone: 128 GiB). */
#define MAX_CANDIDATES	((unsigned long long)1 << 32)

/* --- connections -------------------------------------------------------- */

struct remote_ref {
	char *name;
	struct cairn_oid id;
};

struct conn {
	pid_t pid;
	int to;			/* the far side's stdin */
	struct cmd_input in;	/* its stdout */
	struct xfer_out *out;
	enum cairn_hash_algo algo;
	struct remote_ref *refs;
	size_t nrefs;
	const char *url;
};

/* A URL's parts: kind 'p' path, 's' ssh, 'h' http. */
struct url {
	int kind;
	char *host;		/* ssh: [user@]host */
	char *port;		/* ssh: or NULL */
	char *path;
};

static void
url_release(struct url *u)
{
	free(u->host);
	free(u->port);
	free(u->path);
}

/* Schemes compare without regard to case (RFC 3986). */
static int
is_http(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 ||
	    strncasecmp(s, "https://", 8) == 0;
}

/* Does s begin "<scheme>://", scheme = ALPHA *(ALPHA / DIGIT / + - .)? */
static int
has_scheme(const char *s)
{
	size_t n = 0;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-' ||
	    s[n] == '.')
		n++;
	return strncmp(s + n, "://", 3) == 0;
}

static const struct cairn_error *
parse_url(const char *s, struct url *u)
{
	const char *colon, *slash, *p;

	memset(u, 0, sizeof(*u));
	if (*s == '\0')
		return cairn_error_new(CAIRN_ERR_INVALID, "empty URL");
	if (is_http(s)) {
		u->kind = 'h';
		u->path = strdup(s);
	} else if (strncasecmp(s, "file://", 7) == 0) {
		u->kind = 'p';
		u->path = strdup(s + 7);
	} else if (strncasecmp(s, "ssh://", 6) == 0) {
		u->kind = 's';
		s += 6;
		if ((slash = strchr(s, '/')) == NULL || slash == s)
			return cairn_error_new(CAIRN_ERR_INVALID, "malformed "
			    "ssh URL: no host or no path");
		/* An IPv6 address is in brackets; a port after the last ':'. */
		p = s;
		if (*s == '[' && (p = memchr(s, ']', (size_t)(slash - s))) ==
		    NULL)
			return cairn_error_new(CAIRN_ERR_INVALID, "malformed "
			    "ssh URL: unclosed '['");
		colon = memchr(p, ':', (size_t)(slash - p));
		u->host = strndup(s, (size_t)((colon ? colon : slash) - s));
		if (colon != NULL) {
			u->port = strndup(colon + 1, (size_t)(slash -
			    colon - 1));
			if (u->port != NULL && (u->port[0] == '\0' ||
			    strspn(u->port, "0123456789") !=
			    strlen(u->port)))
				return cairn_error_new(CAIRN_ERR_INVALID,
				    "malformed ssh URL: bad port");
		}
		u->path = strdup(slash);
	} else if (strncasecmp(s, "rados://", 8) == 0) {
		/* A RADOS repository: served here, as a path is. */
		u->kind = 'p';
		u->path = strdup(s);
	} else if (has_scheme(s)) {
		return cairn_error_new(CAIRN_ERR_INVALID, "'%s': unknown URL "
		    "scheme (http, https, ssh, file or rados)", s);
	} else if ((colon = strchr(s, ':')) != NULL && colon != s &&
	    ((slash = strchr(s, '/')) == NULL || slash > colon)) {
		/* host:path, as scp and git take it. */
		u->kind = 's';
		u->host = strndup(s, (size_t)(colon - s));
		u->path = strdup(colon[1] ? colon + 1 : ".");
	} else {
		u->kind = 'p';
		u->path = strdup(s);
	}
	if (u->path == NULL || (u->kind == 's' && u->host == NULL))
		return cairn_error_nomem();
	if (u->kind == 's' && u->host[0] == '-')
		return cairn_error_new(CAIRN_ERR_INVALID, "malformed ssh URL: "
		    "a host may not begin with '-'");
	if (u->kind == 'p' && u->path[0] == '\0')
		return cairn_error_new(CAIRN_ERR_INVALID, "empty path in URL");
	return NULL;
}

/* s quoted for sh as one word: '...' with ' as '\''. */
static char *
shell_quote(const char *s)
{
	size_t n = 3, i;
	char *q, *p;

	for (i = 0; s[i]; i++)
		n += s[i] == '\'' ? 4 : 1;
	if ((q = p = malloc(n)) == NULL)
		return NULL;
	*p++ = '\'';
	for (; *s; s++) {
		if (*s == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else
			*p++ = *s;
	}
	*p++ = '\'';
	*p = '\0';
	return q;
}

/* Start the far side of url and read its greeting and refs. */
static const struct cairn_error *
conn_open(struct conn *c, const char *url)
{
	const struct cairn_error *err;
	int in[2], out[2];
	struct url u;
	char *cmd = NULL, *q = NULL;
	char *argv[12];
	int n = 0;

	memset(c, 0, sizeof(*c));
	c->url = url;
	c->to = -1;
	c->in.fd = -1;
	if ((err = parse_url(url, &u)) != NULL) {
		url_release(&u);
		return err;
	}
	if (u.kind == 'p' || u.kind == 'h') {
		argv[n++] = "cairn";
		argv[n++] = "serve";
		argv[n++] = u.path;
	} else {
		const char *ssh = getenv("CAIRN_SSH");

		if ((q = shell_quote(u.path)) == NULL ||
		    (cmd = malloc(strlen(q) + 32)) == NULL) {
			free(q);
			url_release(&u);
			return cairn_error_nomem();
		}
		sprintf(cmd, "cairn serve %s", q);
		if (ssh != NULL && *ssh != '\0') {
			/* As git runs $GIT_SSH_COMMAND: through the shell. */
			argv[n++] = "/bin/sh";
			argv[n++] = "-c";
			argv[n++] = "eval \"$CAIRN_SSH\" '\"$@\"'";
			argv[n++] = "cairn-ssh";
		} else
			argv[n++] = "ssh";
		if (u.port != NULL) {
			argv[n++] = "-p";
			argv[n++] = u.port;
		}
		argv[n++] = u.host;
		argv[n++] = cmd;
	}
	argv[n] = NULL;
	if (pipe(in) != 0 || (pipe(out) != 0 && (close(in[0]),
	    close(in[1]), 1))) {
		err = cairn_error_sys(errno, "pipe");
		goto out;
	}
	fflush(NULL);
	if ((c->pid = fork()) < 0) {
		err = cairn_error_sys(errno, "fork");
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		goto out;
	}
	if (c->pid == 0) {
		/* Ends numbered 0 or 1 are moved out of the way first. */
		int i0 = fcntl(in[0], F_DUPFD, 3), o1 = fcntl(out[1], F_DUPFD, 3);

		if (i0 < 0 || o1 < 0 || dup2(i0, 0) < 0 || dup2(o1, 1) < 0)
			_exit(127);
		close(i0);
		close(o1);
		if (in[0] > 1)
			close(in[0]);
		if (out[1] > 1)
			close(out[1]);
		if (in[1] > 1)
			close(in[1]);
		if (out[0] > 1)
			close(out[0]);
		signal(SIGPIPE, SIG_DFL);
#ifdef __linux__
		/* The far side ends with us, even killed (its requests too). */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() == 1)
			_exit(127);
#endif
		if (u.kind != 's')
			execv("/proc/self/exe", argv);
		else
			execvp(argv[0], argv);
		fprintf(stderr, "cairn: cannot run %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->to = in[1];
	(void)fcntl(c->to, F_SETFD, FD_CLOEXEC);
	(void)fcntl(out[0], F_SETFD, FD_CLOEXEC);
	cmd_input_init(&c->in, out[0]);
	if ((c->out = calloc(1, sizeof(*c->out))) == NULL)
		err = cairn_error_nomem();
	else
		c->out->fd = c->to;
out:
	free(cmd);
	free(q);
	url_release(&u);
	return err;
}

/* The far side's error, if it sent one in place of a line. */
static const struct cairn_error *
remote_error(const char *line)
{
	char *end;
	long code = strtol(line + 6, &end, 10);

	if (code <= 0 || code > CAIRN_ERR_LOCKED || *end != ' ')
		code = CAIRN_ERR_IO;
	else
		end++;
	return cairn_error_new((enum cairn_errcode)code, "remote: %s", end);
}

/* The next line from the far side; "error ..." lines become errors. */
static const struct cairn_error *
conn_line(struct conn *c, char **line)
{
	size_t len;
	int complete, r;

	if ((r = cmd_input_line(&c->in, '\n', line, &len, &complete)) < 0)
		return c->in.too_long ? cairn_error_new(CAIRN_ERR_IO,
		    "'%s' sent a line too long", c->url) :
		    cairn_error_sys(c->in.err, "read from '%s'", c->url);
	if (r == 0 || !complete)
		return cairn_error_new(CAIRN_ERR_IO, "'%s' closed the "
		    "connection", c->url);
	if (strncmp(*line, "error ", 6) == 0)
		return remote_error(*line);
	return NULL;
}

/* Flush what is written; a far side gone may have said why. */
static const struct cairn_error *
conn_flush(struct conn *c)
{
	const struct cairn_error *err = xfer_flush(c->out);
	char *line;

	if (err != NULL) {
		const struct cairn_error *why = conn_line(c, &line);

		if (why != NULL && strncmp(why->msg, "remote: ", 8) == 0)
			return why;
		return cairn_error_relabel(err, CAIRN_ERR_NONE, "write to "
		    "'%s': %s", c->url, err->msg);
	}
	return NULL;
}

static const struct cairn_error *
conn_hello(struct conn *c)
{
	const struct cairn_error *err;
	struct remote_ref *r;
	size_t hl;
	char *line;

	if ((err = conn_line(c, &line)) != NULL)
		return err->code == CAIRN_ERR_IO && strncmp(err->msg,
		    "remote: ", 8) != 0 ? cairn_error_new(CAIRN_ERR_IO,
		    "'%s' is not a cairn repository, or cannot be reached",
		    c->url) : err;
	if (strncmp(line, GREETING, strlen(GREETING)) != 0 ||
	    (c->algo = cairn_hash_parse(line + strlen(GREETING))) == 0)
		return cairn_error_new(CAIRN_ERR_IO, "'%s' does not speak "
		    "cairn's protocol", c->url);
	hl = 2 * cairn_hash_len(c->algo);
	for (;;) {
		if ((err = conn_line(c, &line)) != NULL)
			return err;
		if (strcmp(line, "end") == 0)
			return NULL;
		if ((r = realloc(c->refs, (c->nrefs + 1) * sizeof(*r))) ==
		    NULL)
			return cairn_error_nomem();
		c->refs = r;
		r += c->nrefs;
		if (strlen(line) < hl + 2 || line[hl] != ' ' ||
		    cairn_oid_parse(c->algo, line, hl, &r->id) != NULL ||
		    cairn_ref_name_check(line + hl + 1) != NULL)
			return cairn_error_new(CAIRN_ERR_IO, "'%s' sent a "
			    "malformed ref line", c->url);
		if ((r->name = strdup(line + hl + 1)) == NULL)
			return cairn_error_nomem();
		c->nrefs++;
	}
}

/*
 * Close the connection and wait for the far side; after a failure
 * (failed set) it is stopped first: it may wait for what will not come.
 */
static void
conn_close(struct conn *c, int failed)
{
	size_t i;
	int st;

	if (c->to >= 0)
		close(c->to);
	if (c->in.fd >= 0)
		close(c->in.fd);
	cmd_input_release(&c->in);
	if (c->pid > 0 && failed)
		(void)kill(c->pid, SIGTERM);
	if (c->pid > 0)
		while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
			;
	for (i = 0; i < c->nrefs; i++)
		free(c->refs[i].name);
	free(c->refs);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->to = -1;
	c->in.fd = -1;
}

static struct remote_ref *
conn_ref(struct conn *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nrefs; i++)
		if (strcmp(c->refs[i].name, name) == 0)
			return &c->refs[i];
	return NULL;
}

static void
put_line(struct xfer_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put_line(struct xfer_out *o, const char *fmt, ...)
{
	char line[4096 + 256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		xfer_put(o, line, (size_t)n < sizeof(line) ? (size_t)n :
		    sizeof(line) - 1);
}

/* Send ids as "candidates <n>" and the raw ids. */
static void
send_candidates(struct xfer_out *o, const struct xfer_ids *ids)
{
	size_t i;

	put_line(o, "candidates %zu\n", ids->n);
	for (i = 0; i < ids->n; i++)
		xfer_put(o, ids->v[i].hash, ids->v[i].len);
}

/* Read "candidates <n>" and the ids (bounded by what arrives). */
static const struct cairn_error *
read_candidates(struct cmd_input *in, const char *line,
    enum cairn_hash_algo algo, struct xfer_ids *ids)
{
	const struct cairn_error *err;
	unsigned char raw[CAIRN_OID_MAX];
	size_t hl = cairn_hash_len(algo);
	unsigned long long n, i;
	struct cairn_oid id;
	char *end;

	if (strncmp(line, "candidates ", 11) != 0 || line[11] < '0' ||
	    line[11] > '9' || (n = strtoull(line + 11, &end, 10),
	    *end != '\0'))
		return cairn_error_new(CAIRN_ERR_IO, "protocol error: "
		    "expected 'candidates', got '%.40s'", line);
	if (n > MAX_CANDIDATES)
		return cairn_error_new(CAIRN_ERR_IO, "protocol error: %llu "
		    "objects offered, more than %llu", n,
		    (unsigned long long)MAX_CANDIDATES);
	for (i = 0; i < n; i++) {
		if ((err = xfer_read_full(in, raw, hl, NULL,
		    "list of objects")) != NULL)
			return err;
		cairn_oid_set(raw, hl, &id);
		if ((err = xfer_ids_add(ids, &id)) != NULL)
			return err;
	}
	return NULL;
}

/* --- serve -------------------------------------------------------------- */

struct serve {
	struct xfer_ids tips;	/* the ids of the refs shown */
	struct cairn_repo *repo;
	struct cmd_input in;
	struct xfer_out *out;
	enum cairn_hash_algo algo;
	int http;		/* the repository is read over HTTP */
};

/*
 * Over HTTP, a file the manifest named that is gone was replaced by a gc
 * (or a flush merging index segments) on the server since it was read.
 */
static const struct cairn_error *
serve_changed(struct serve *s, const struct cairn_error *err)
{
	if (!s->http || err->sys_errno != ENOENT)
		return err;
	return cairn_error_relabel(err, CAIRN_ERR_IO, "the repository "
	    "changed while it was read (a gc on the server?); run the "
	    "command again: %s", err->msg);
}

static void
serve_error(struct serve *s, const struct cairn_error *err)
{
	err = serve_changed(s, err);
	put_line(s->out, "error %d %s\n", (int)err->code, err->msg);
	(void)xfer_flush(s->out);
}

static int
serve_ref(void *arg, const char *name, const struct cairn_oid *id)
{
	struct serve *s = arg;
	char hex[CAIRN_OID_HEXMAX + 1];

	put_line(s->out, "%s %s\n", cairn_oid_fmt(id, hex), name);
	return xfer_ids_add(&s->tips, id) != NULL;
}

/* Only what the refs shown name may be asked for, as in git. */
static int
shown(const struct serve *s, const struct cairn_oid *id)
{
	size_t i;

	for (i = 0; i < s->tips.n; i++)
		if (cairn_oid_eq(&s->tips.v[i], id))
			return 1;
	return 0;
}

static const struct cairn_error *
serve_line(struct serve *s, char **line)
{
	size_t len;
	int complete, r;

	if ((r = cmd_input_line(&s->in, '\n', line, &len, &complete)) < 0)
		return cmd_input_error(&s->in);
	if (r == 0 || !complete)
		return cairn_error_new(CAIRN_ERR_IO, "the client closed the "
		    "connection");
	return NULL;
}

/* Read "<word> <hex>" lines until "done" into wants and haves. */
static const struct cairn_error *
serve_fetch(struct serve *s)
{
	const struct cairn_error *err = NULL;
	struct xfer_ids want = { 0 }, have = { 0 }, ids = { 0 };
	size_t hl = 2 * cairn_hash_len(s->algo);
	unsigned char *need = NULL;
	struct cairn_oid id;
	char *line;

	while (err == NULL && (err = serve_line(s, &line)) == NULL &&
	    strcmp(line, "done") != 0) {
		int w = strncmp(line, "want ", 5) == 0;

		if ((!w && strncmp(line, "have ", 5) != 0) ||
		    strlen(line + 5) != hl ||
		    cairn_oid_parse(s->algo, line + 5, hl, &id) != NULL)
			err = cairn_error_new(CAIRN_ERR_INVALID, "protocol "
			    "error: unexpected '%.40s'", line);
		else if (w && !shown(s, &id))
			err = cairn_error_new(CAIRN_ERR_NOT_FOUND, "%s is "
			    "not the object of a ref", line + 5);
		else
			err = xfer_ids_add(w ? &want : &have, &id);
	}
	if (err == NULL)
		err = xfer_collect(s->repo, want.v, want.n, have.v, have.n,
		    &ids);
	if (err != NULL) {
		serve_error(s, err);
		goto out;
	}
	send_candidates(s->out, &ids);
	if ((err = xfer_flush(s->out)) != NULL)
		goto out;
	if ((need = malloc(ids.n / 8 + 1)) == NULL) {
		err = cairn_error_nomem();
		goto out;
	}
	if ((err = xfer_read_full(&s->in, need, (ids.n + 7) / 8, NULL,
	    "bitmap")) != NULL)
		goto out;
	if ((err = xfer_send(s->repo, &ids, need, s->out)) != NULL)
		xfer_send_error(s->out, serve_changed(s, err));
	else
		err = xfer_flush(s->out);
out:
	free(need);
	xfer_ids_release(&want);
	xfer_ids_release(&have);
	xfer_ids_release(&ids);
	return err;
}

/* The updates of a push, checked and applied as one transaction. */
static const struct cairn_error *
serve_updates(struct serve *s)
{
	const struct cairn_error *err = NULL;
	struct cairn_ref_update *u = NULL, *nu;
	struct xfer_ids tips = { 0 }, have = { 0 };
	size_t n = 0, i, hl = 2 * cairn_hash_len(s->algo);
	char *line, *p;

	while (err == NULL && (err = serve_line(s, &line)) == NULL &&
	    strcmp(line, "done") != 0) {
		if ((nu = realloc(u, (n + 1) * sizeof(*u))) == NULL) {
			err = cairn_error_nomem();
			break;
		}
		u = nu;
		memset(&u[n], 0, sizeof(u[n]));
		u[n].op = CAIRN_REF_SET;
		p = line + 7;
		if (strncmp(line, "update ", 7) != 0)
			goto bad;
		if (*p == '-' && p[1] == ' ') {
			u[n].op = CAIRN_REF_CREATE;
			p += 2;
		} else if (*p == '*' && p[1] == ' ')
			p += 2;
		else if (strlen(p) > hl && p[hl] == ' ' &&
		    cairn_oid_parse(s->algo, p, hl, &u[n].old_id) == NULL) {
			u[n].has_old = 1;
			p += hl + 1;
		} else
			goto bad;
		if (strlen(p) < hl + 2 || p[hl] != ' ' ||
		    cairn_oid_parse(s->algo, p, hl, &u[n].new_id) != NULL)
			goto bad;
		if ((u[n].name = strdup(p + hl + 1)) == NULL) {
			err = cairn_error_nomem();
			break;
		}
		n++;
		err = xfer_ids_add(&tips, &u[n - 1].new_id);
		continue;
bad:
		err = cairn_error_new(CAIRN_ERR_INVALID, "protocol error: "
		    "unexpected '%.40s'", line);
	}
	/* Nothing moves unless all the new refs reach is here. */
	if (err == NULL && (err = xfer_ref_tips(s->repo, &have)) == NULL &&
	    (err = xfer_connected(s->repo, tips.v, tips.n, have.v,
	    have.n)) == NULL)
		err = cairn_ref_transaction(s->repo, u, n);
	if (err != NULL)
		serve_error(s, err);
	else {
		put_line(s->out, "ok\n");
		err = xfer_flush(s->out);
	}
	for (i = 0; i < n; i++)
		free((char *)u[i].name);
	free(u);
	xfer_ids_release(&tips);
	xfer_ids_release(&have);
	return err;
}

static const struct cairn_error *
serve_push(struct serve *s)
{
	const struct cairn_error *err;
	struct xfer_ids ids = { 0 };
	unsigned char *need = NULL;
	uint64_t count;
	char *line;

	if ((err = serve_line(s, &line)) != NULL ||
	    (err = read_candidates(&s->in, line, s->algo, &ids)) != NULL)
		goto fail;
	if ((need = malloc(ids.n / 8 + 1)) == NULL) {
		err = cairn_error_nomem();
		goto fail;
	}
	if ((err = xfer_missing(s->repo, &ids, need)) != NULL)
		goto fail;
	xfer_put(s->out, need, (ids.n + 7) / 8);
	if ((err = xfer_flush(s->out)) != NULL)
		goto out;
	if ((err = xfer_receive(s->repo, s->algo, &s->in, NULL, &count)) !=
	    NULL)
		goto fail;
	put_line(s->out, "stored\n");
	if ((err = xfer_flush(s->out)) != NULL)
		goto out;
	err = serve_updates(s);
	goto out;
fail:
	serve_error(s, err);
out:
	free(need);
	xfer_ids_release(&ids);
	return err;
}

int
cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct serve s;
	struct cmd_getopt g;
	char *line;
	size_t len;
	int c, complete, r;

	cmd_getopt_init(&g, 0);
	if ((c = cmd_getopt(&g, argc, argv, "h", opts, cmd_serve_usage)) !=
	    -1)
		return c == 'h' ? cmd_help(cmd_serve_usage) : 2;
	if (argc - g.ind != 1)
		return cmd_usage(cmd_serve_usage, argc == g.ind ?
		    "no repository given" : "too many arguments");
	signal(SIGPIPE, SIG_IGN);
	memset(&s, 0, sizeof(s));
	s.http = is_http(argv[g.ind]);
	cmd_input_init(&s.in, 0);
	if ((s.out = calloc(1, sizeof(*s.out))) == NULL)
		return cmd_fail(cairn_error_nomem());
	s.out->fd = 1;
	/*
	 * Writable if it may be (a push), else for fetches only; over HTTP
	 * (a URL) always read-only.
	 */
	err = cairn_repo_open(argv[g.ind], cmd_global.read_only ||
	    is_http(argv[g.ind]) ? CAIRN_OPEN_READ_ONLY : 0, &s.repo);
	if (err != NULL && err->code == CAIRN_ERR_IO && !is_http(argv[g.ind]))
		err = cairn_repo_open(argv[g.ind], CAIRN_OPEN_READ_ONLY,
		    &s.repo);
	if (err != NULL) {
		serve_error(&s, err);
		goto out;
	}
	s.algo = cairn_repo_hash_algo(s.repo);
	put_line(s.out, GREETING "%s\n", cairn_hash_name(s.algo));
	if ((err = cairn_ref_list(s.repo, NULL, serve_ref, &s)) != NULL) {
		serve_error(&s, err);
		goto out;
	}
	put_line(s.out, "end\n");
	if ((err = xfer_flush(s.out)) != NULL)
		goto out;
	r = cmd_input_line(&s.in, '\n', &line, &len, &complete);
	if (r == 0)
		goto out;	/* only the refs were wanted */
	if (r < 0 || !complete)
		err = r < 0 ? cmd_input_error(&s.in) : cairn_error_new(
		    CAIRN_ERR_IO, "the client closed the connection");
	else if (strcmp(line, "fetch") == 0)
		err = serve_fetch(&s);
	else if (strcmp(line, "push") == 0)
		err = serve_push(&s);
	else {
		err = cairn_error_new(CAIRN_ERR_INVALID, "protocol error: "
		    "unknown command '%.40s'", line);
		serve_error(&s, err);
	}
out:
	cmd_input_release(&s.in);
	xfer_ids_release(&s.tips);
	free(s.out);
	if (s.repo != NULL)
		cairn_repo_close(s.repo);
	/* The client was told; stderr is the client's terminal too. */
	return err ? 3 : 0;
}

/* --- the client side ---------------------------------------------------- */

/* A remote's name: letters, digits, '-' and '_'. */
static int
remote_name_ok(const char *name)
{
	return *name != '\0' && strlen(name) <= 64 &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_") == strlen(name);
}

/*
 * What arg names: a remote of repo (*name set, *url its URL, malloc'd),
 * or else a URL (*name NULL).
 */
static const struct cairn_error *
resolve_remote(struct cairn_repo *repo, const char *arg, char **name,
    char **url)
{
	char key[128];
	const char *v;

	*name = NULL;
	if (remote_name_ok(arg)) {
		snprintf(key, sizeof(key), "remote.%s.url", arg);
		if ((v = cmd_config_value(repo, key)) != NULL) {
			if ((*name = strdup(arg)) == NULL ||
			    (*url = strdup(v)) == NULL)
				return cairn_error_nomem();
			return NULL;
		}
	}
	return (*url = strdup(arg)) != NULL ? NULL : cairn_error_nomem();
}

/* The number of bits set in the first n bits of need. */
static uint64_t
count_needed(const unsigned char *need, size_t n)
{
	uint64_t k = 0;
	size_t i;

	for (i = 0; i < n; i++)
		k += (need[i / 8] >> (i % 8)) & 1;
	return k;
}

/*
 * The objects of wants the repository lacks, fetched over c, with a
 * meter titled title.
 */
static const struct cairn_error *
fetch_objects(struct conn *c, struct cairn_repo *repo,
    const struct xfer_ids *want, const char *title)
{
	const struct cairn_error *err;
	struct xfer_ids have = { 0 }, ids = { 0 };
	struct cmd_meter m = { 0 };
	char hex[CAIRN_OID_HEXMAX + 1];
	unsigned char *need = NULL;
	uint64_t count;
	size_t i;
	char *line;

	if ((err = xfer_ref_tips(repo, &have)) != NULL)
		return err;
	put_line(c->out, "fetch\n");
	for (i = 0; i < want->n; i++)
		put_line(c->out, "want %s\n", cairn_oid_fmt(&want->v[i], hex));
	for (i = 0; i < have.n; i++)
		put_line(c->out, "have %s\n", cairn_oid_fmt(&have.v[i], hex));
	put_line(c->out, "done\n");
	if ((err = conn_flush(c)) != NULL ||
	    (err = conn_line(c, &line)) != NULL ||
	    (err = read_candidates(&c->in, line, c->algo, &ids)) != NULL)
		goto out;
	if ((need = malloc(ids.n / 8 + 1)) == NULL) {
		err = cairn_error_nomem();
		goto out;
	}
	if ((err = xfer_missing(repo, &ids, need)) != NULL)
		goto out;
	xfer_put(c->out, need, (ids.n + 7) / 8);
	if ((err = conn_flush(c)) != NULL)
		goto out;
	/* As many objects come as there are bits set. */
	cmd_meter_start(&m, title, "objects");
	if ((err = xfer_receive_metered(repo, c->algo, &c->in, NULL, &m,
	    count_needed(need, ids.n), &count)) != NULL)
		goto out;
	cmd_meter_done(&m);
	/* Whatever the far side sent, nothing is named that is not whole. */
	err = xfer_connected(repo, want->v, want->n, have.v, have.n);
	if (err != NULL && err->code == CAIRN_ERR_NOT_FOUND)
		err = cairn_error_new(CAIRN_ERR_IO, "'%s' did not send "
		    "everything its refs reach: %s", c->url, err->msg);
out:
	cmd_meter_stop(&m);
	free(need);
	xfer_ids_release(&have);
	xfer_ids_release(&ids);
	return err;
}

/* The refs a fetch or clone takes: named ones, else all but remotes/. */
static const struct cairn_error *
select_refs(struct conn *c, char **names, int n, struct remote_ref ***out,
    size_t *nout, struct xfer_ids *want)
{
	const struct cairn_error *err;
	struct remote_ref *r, **sel;
	size_t i;
	int k;

	*nout = 0;
	if ((sel = calloc(c->nrefs + (size_t)n + 1, sizeof(*sel))) == NULL)
		return cairn_error_nomem();
	*out = sel;
	for (k = 0; k < n; k++) {
		if ((r = conn_ref(c, names[k])) == NULL)
			return cairn_error_new(CAIRN_ERR_NOT_FOUND, "'%s' has "
			    "no ref '%s'", c->url, names[k]);
		sel[(*nout)++] = r;
	}
	for (i = 0; n == 0 && i < c->nrefs; i++)
		if (strncmp(c->refs[i].name, "remotes/", 8) != 0)
			sel[(*nout)++] = &c->refs[i];
	for (i = 0; i < *nout; i++)
		if ((err = xfer_ids_add(want, &sel[i]->id)) != NULL)
			return err;
	return NULL;
}

/* Set the refs "<prefix><name>" of sel in one transaction. */
static const struct cairn_error *
set_refs(struct cairn_repo *repo, struct remote_ref **sel, size_t n,
    const char *prefix, const char *prefix2)
{
	const struct cairn_error *err = NULL;
	struct cairn_ref_update *u;
	size_t i, k = 0, per = prefix2 ? 2 : 1;

	if ((u = calloc(n * per + 1, sizeof(*u))) == NULL)
		return cairn_error_nomem();
	for (i = 0; err == NULL && i < n; i++) {
		const char *pf[2] = { prefix, prefix2 };
		size_t j;

		for (j = 0; j < per; j++) {
			size_t l = strlen(pf[j]) + strlen(sel[i]->name) + 1;
			char *name = malloc(l);

			if (name == NULL) {
				err = cairn_error_nomem();
				break;
			}
			snprintf(name, l, "%s%s", pf[j], sel[i]->name);
			u[k].op = CAIRN_REF_SET;
			u[k].name = name;
			u[k].new_id = sel[i]->id;
			k++;
			if ((err = cairn_ref_name_check(name)) != NULL)
				break;
		}
	}
	if (err == NULL)
		err = cairn_ref_transaction(repo, u, k);
	for (i = 0; i < k; i++)
		free((char *)u[i].name);
	free(u);
	return err;
}

static void
print_refs(struct remote_ref **sel, size_t n)
{
	char hex[CAIRN_OID_HEXMAX + 1];
	size_t i;

	for (i = 0; i < n; i++)
		printf("%s %s\n", cairn_oid_fmt(&sel[i]->id, hex),
		    sel[i]->name);
}

static const struct cairn_error *
check_algo(struct conn *c, struct cairn_repo *repo)
{
	if (c->algo != cairn_repo_hash_algo(repo))
		return cairn_error_new(CAIRN_ERR_INVALID, "'%s' holds %s "
		    "objects but this repository is %s", c->url,
		    cairn_hash_name(c->algo),
		    cairn_hash_name(cairn_repo_hash_algo(repo)));
	return NULL;
}

int
cmd_fetch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct cairn_repo *repo = NULL;
	struct remote_ref **sel = NULL;
	struct xfer_ids want = { 0 };
	struct cmd_getopt g;
	struct conn c;
	char *name = NULL, *url = NULL, prefix[128];
	size_t nsel = 0;
	int ch, i;

	cmd_getopt_init(&g, 0);
	if ((ch = cmd_getopt(&g, argc, argv, "h", opts, cmd_fetch_usage)) !=
	    -1)
		return ch == 'h' ? cmd_help(cmd_fetch_usage) : 2;
	if (g.ind == argc)
		return cmd_usage(cmd_fetch_usage, "no remote given");
	for (i = g.ind + 1; i < argc; i++)
		if ((err = cairn_ref_name_check(argv[i])) != NULL)
			return cmd_fail(err);
	signal(SIGPIPE, SIG_IGN);
	memset(&c, 0, sizeof(c));
	c.to = c.in.fd = -1;
	if ((err = cmd_open(&repo, 1)) == NULL &&
	    (err = resolve_remote(repo, argv[g.ind], &name, &url)) == NULL &&
	    (err = conn_open(&c, url)) == NULL &&
	    (err = conn_hello(&c)) == NULL &&
	    (err = check_algo(&c, repo)) == NULL &&
	    (err = select_refs(&c, argv + g.ind + 1, argc - g.ind - 1, &sel,
	    &nsel, &want)) == NULL &&
	    (err = fetch_objects(&c, repo, &want, "fetch")) == NULL &&
	    name != NULL) {
		snprintf(prefix, sizeof(prefix), "remotes/%s/", name);
		err = set_refs(repo, sel, nsel, prefix, NULL);
	}
	if (err == NULL)
		print_refs(sel, nsel);
	free(sel);
	conn_close(&c, err != NULL);
	xfer_ids_release(&want);
	free(name);
	free(url);
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}

/* A path URL made absolute, so that it names the same place from anywhere. */
static char *
absolute_url(const char *url)
{
	struct url u;
	char *abs = NULL, cwd[PATH_MAX];

	if (parse_url(url, &u) == NULL && u.kind == 'p' && u.path[0] != '/' &&
	    strncasecmp(url, "file://", 7) != 0 &&
	    strncasecmp(url, "rados://", 8) != 0) {
		if ((abs = realpath(u.path, NULL)) == NULL &&
		    getcwd(cwd, sizeof(cwd)) != NULL &&
		    (abs = malloc(strlen(cwd) + strlen(u.path) + 2)) != NULL)
			sprintf(abs, "%s/%s", cwd, u.path);
	}
	url_release(&u);
	return abs ? abs : strdup(url);
}

static int
has_ref(void *arg, const char *name, const struct cairn_oid *id)
{
	(void)name;
	(void)id;
	*(int *)arg = 1;
	return 1;
}

int
cmd_clone(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cairn_init_opts io = CAIRN_INIT_OPTS_INIT;
	const struct cairn_error *err;
	struct cairn_repo *repo = NULL;
	struct remote_ref **sel = NULL;
	struct xfer_ids want = { 0 };
	struct cmd_getopt g;
	struct conn c;
	const char *dir, *old;
	char *url = NULL;
	size_t nsel = 0;
	int ch, refs = 0;

	cmd_getopt_init(&g, 0);
	if ((ch = cmd_getopt(&g, argc, argv, "h", opts, cmd_clone_usage)) !=
	    -1)
		return ch == 'h' ? cmd_help(cmd_clone_usage) : 2;
	if (argc - g.ind != 2)
		return cmd_usage(cmd_clone_usage, argc - g.ind < 2 ?
		    "a URL and a directory are needed" : "too many arguments");
	dir = argv[g.ind + 1];
	signal(SIGPIPE, SIG_IGN);
	memset(&c, 0, sizeof(c));
	c.to = c.in.fd = -1;
	if ((url = absolute_url(argv[g.ind])) == NULL)
		return cmd_fail(cairn_error_nomem());
	if ((err = conn_open(&c, argv[g.ind])) != NULL ||
	    (err = conn_hello(&c)) != NULL)
		goto out;
	/*
	 * A directory an interrupted clone of the same URL left (its
	 * remote.origin.url, and no ref yet) is taken up where it stopped.
	 */
	io.hash_algo = c.algo;
	if ((err = cairn_repo_init(dir, &io)) != NULL &&
	    err->code == CAIRN_ERR_EXISTS &&
	    cairn_repo_open(dir, 0, &repo) == NULL &&
	    cairn_repo_config_get(repo, "remote.origin.url", &old) == NULL &&
	    strcmp(old, url) == 0 &&
	    cairn_ref_list(repo, NULL, has_ref, &refs) == NULL && !refs)
		err = NULL;
	else if (err == NULL && (err = cairn_repo_open(dir, 0, &repo)) ==
	    NULL)
		err = cairn_repo_config_set(repo, "remote.origin.url", url);
	if (err != NULL)
		goto out;
	if ((err = check_algo(&c, repo)) == NULL &&
	    (err = select_refs(&c, NULL, 0, &sel, &nsel, &want)) == NULL &&
	    (err = fetch_objects(&c, repo, &want, "clone")) == NULL)
		err = set_refs(repo, sel, nsel, "", "remotes/origin/");
out:
	free(sel);
	conn_close(&c, err != NULL);
	xfer_ids_release(&want);
	free(url);
	if (repo != NULL)
		cairn_repo_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}

/* One <src>[:<dst>] of a push. */
struct push_spec {
	const char *src;
	char *dst;
	struct cairn_oid id;
};

int
cmd_push(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err = NULL;
	struct cairn_repo *repo = NULL;
	struct push_spec *spec = NULL;
	struct xfer_ids tips = { 0 }, have = { 0 }, ids = { 0 };
	struct cmd_meter m = { 0 };
	struct cmd_getopt g;
	struct conn c;
	struct remote_ref *r;
	struct cairn_oid cur;
	unsigned char *need = NULL;
	char *name = NULL, *url = NULL, *line, *colon;
	char hex[CAIRN_OID_HEXMAX + 1], old[CAIRN_OID_HEXMAX + 1];
	char track[4200];
	int ch, i, n, force = 0;

	memset(&c, 0, sizeof(c));
	c.to = c.in.fd = -1;
	cmd_getopt_init(&g, 0);
	while ((ch = cmd_getopt(&g, argc, argv, "fh", opts,
	    cmd_push_usage)) != -1) {
		if (ch == 'h')
			return cmd_help(cmd_push_usage);
		if (ch == 'f')
			force = 1;
		else
			return 2;
	}
	if (argc - g.ind < 2)
		return cmd_usage(cmd_push_usage, g.ind == argc ?
		    "no remote given" : "no ref given");
	n = argc - g.ind - 1;
	if ((spec = calloc((size_t)n, sizeof(*spec))) == NULL)
		return cmd_fail(cairn_error_nomem());
	for (i = 0; err == NULL && i < n; i++) {
		const char *a = argv[g.ind + 1 + i];

		if ((colon = strrchr(a, ':')) != NULL) {
			spec[i].dst = strdup(colon + 1);
			spec[i].src = strndup(a, (size_t)(colon - a));
		} else {
			spec[i].dst = strdup(a);
			spec[i].src = strdup(a);
		}
		if (spec[i].dst == NULL || spec[i].src == NULL)
			err = cairn_error_nomem();
		else if ((err = cairn_rev_check(spec[i].src)) == NULL &&
		    (err = cairn_ref_name_check(spec[i].dst)) != NULL)
			err = cairn_error_new(CAIRN_ERR_INVALID, "'%s' is not "
			    "a ref name to push to (use <rev>:<ref>)",
			    spec[i].dst);
	}
	if (err != NULL)
		goto out;
	signal(SIGPIPE, SIG_IGN);
	if ((err = cmd_open(&repo, 1)) != NULL ||
	    (err = resolve_remote(repo, argv[g.ind], &name, &url)) != NULL)
		goto out;
	if (is_http(url)) {
		err = cairn_error_new(CAIRN_ERR_INVALID, "cannot push to '%s': "
		    "a repository served over HTTP is read-only", url);
		goto out;
	}
	for (i = 0; err == NULL && i < n; i++)
		if ((err = cairn_rev_resolve(repo, spec[i].src,
		    &spec[i].id)) == NULL)
			err = xfer_ids_add(&tips, &spec[i].id);
	if (err != NULL || (err = conn_open(&c, url)) != NULL ||
	    (err = conn_hello(&c)) != NULL ||
	    (err = check_algo(&c, repo)) != NULL)
		goto out;
	/* What the far side's refs reach it has: the rest is offered. */
	for (i = 0; err == NULL && (size_t)i < c.nrefs; i++)
		err = xfer_ids_add(&have, &c.refs[i].id);
	if (err != NULL || (err = xfer_collect(repo, tips.v, tips.n, have.v,
	    have.n, &ids)) != NULL)
		goto out;
	put_line(c.out, "push\n");
	send_candidates(c.out, &ids);
	if ((err = conn_flush(&c)) != NULL)
		goto out;
	if ((need = malloc(ids.n / 8 + 1)) == NULL) {
		err = cairn_error_nomem();
		goto out;
	}
	if ((err = xfer_read_full(&c.in, need, (ids.n + 7) / 8, NULL,
	    "answer")) != NULL)
		goto out;
	cmd_meter_start(&m, "push", "objects");
	c.out->meter = &m;
	if ((err = xfer_send(repo, &ids, need, c.out)) != NULL) {
		xfer_send_error(c.out, err);
		goto out;
	}
	if ((err = conn_flush(&c)) != NULL)
		goto out;
	cmd_meter_done(&m);
	if ((err = conn_line(&c, &line)) != NULL)
		goto out;
	if (strcmp(line, "stored") != 0) {
		err = cairn_error_new(CAIRN_ERR_IO, "protocol error: "
		    "expected 'stored'");
		goto out;
	}
	/*
	 * Each ref moves only from the value last seen here: the
	 * remote-tracking ref of a named remote (absent: it must not
	 * exist), or what the far side showed for a URL.
	 */
	for (i = 0; i < n; i++) {
		if (force)
			strcpy(old, "*");
		else if (name != NULL) {
			snprintf(track, sizeof(track), "remotes/%s/%s", name,
			    spec[i].dst);
			if (cairn_ref_get(repo, track, &cur) == NULL)
				cairn_oid_fmt(&cur, old);
			else
				strcpy(old, "-");
		} else if ((r = conn_ref(&c, spec[i].dst)) != NULL)
			cairn_oid_fmt(&r->id, old);
		else
			strcpy(old, "-");
		put_line(c.out, "update %s %s %s\n", old,
		    cairn_oid_fmt(&spec[i].id, hex), spec[i].dst);
	}
	put_line(c.out, "done\n");
	if ((err = conn_flush(&c)) != NULL ||
	    (err = conn_line(&c, &line)) != NULL)
		goto out;
	if (strcmp(line, "ok") != 0) {
		err = cairn_error_new(CAIRN_ERR_IO, "protocol error: "
		    "expected 'ok'");
		goto out;
	}
	/* The far side moved: so does what we know of it. */
	for (i = 0; err == NULL && name != NULL && i < n; i++) {
		snprintf(track, sizeof(track), "remotes/%s/%s", name,
		    spec[i].dst);
		err = cairn_ref_set(repo, track, &spec[i].id, NULL);
	}
	for (i = 0; err == NULL && i < n; i++)
		printf("%s %s\n", cairn_oid_fmt(&spec[i].id, hex),
		    spec[i].dst);
out:
	cmd_meter_stop(&m);
	conn_close(&c, err != NULL);
	for (i = 0; spec != NULL && i < n; i++) {
		free((char *)spec[i].src);
		free(spec[i].dst);
	}
	free(spec);
	free(need);
	xfer_ids_release(&tips);
	xfer_ids_release(&have);
	xfer_ids_release(&ids);
	free(name);
	free(url);
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}

/* --- remote ------------------------------------------------------------- */

static int
list_remote(void *arg, const char *key, const char *value)
{
	size_t l = strlen(key);

	(void)arg;
	if (strncasecmp(key, "remote.", 7) == 0 && l > 11 &&
	    strcasecmp(key + l - 4, ".url") == 0)
		printf("%.*s %s\n", (int)(l - 11), key + 7, value);
	return 0;
}

static int
collect_tracking(void *arg, const char *name, const struct cairn_oid *id)
{
	struct cairn_ref_update **u = arg;
	size_t n = 0;

	while ((*u)[n].name != NULL)
		n++;
	if ((*u = realloc(*u, (n + 2) * sizeof(**u))) == NULL)
		return 1;
	memset(&(*u)[n], 0, 2 * sizeof(**u));
	(*u)[n].op = CAIRN_REF_DELETE;
	(*u)[n].has_old = 1;
	(*u)[n].old_id = *id;
	(*u)[n].name = strdup(name);
	return (*u)[n].name == NULL;
}

int
cmd_remote(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err = NULL;
	struct cairn_repo *repo = NULL;
	struct cmd_getopt g;
	const char *sub, *v;
	char key[128], *url = NULL;
	int c, n;

	cmd_getopt_init(&g, 1);
	if ((c = cmd_getopt(&g, argc, argv, "h", opts, cmd_remote_usage)) !=
	    -1)
		return c == 'h' ? cmd_help(cmd_remote_usage) : 2;
	if (g.ind == argc)
		return cmd_usage(cmd_remote_usage, "no subcommand given");
	sub = argv[g.ind];
	n = argc - g.ind - 1;
	if (strcmp(sub, "list") == 0) {
		if (n != 0)
			return cmd_usage(cmd_remote_usage, "too many arguments");
		if ((err = cmd_open(&repo, 0)) != NULL)
			return cmd_fail(err);
		cairn_repo_config_list(repo, list_remote, NULL);
		cmd_close(repo);
		return cmd_finish_output(0);
	}
	if (strcmp(sub, "add") != 0 && strcmp(sub, "remove") != 0)
		return cmd_usage(cmd_remote_usage, "unknown subcommand '%s'",
		    sub);
	if (n != (strcmp(sub, "add") == 0 ? 2 : 1))
		return cmd_usage(cmd_remote_usage, "wrong number of arguments");
	if (!remote_name_ok(argv[g.ind + 1]))
		return cmd_usage(cmd_remote_usage, "'%s' is not a remote name "
		    "(letters, digits, '-' and '_')", argv[g.ind + 1]);
	snprintf(key, sizeof(key), "remote.%s.url", argv[g.ind + 1]);
	if ((err = cmd_open(&repo, 1)) != NULL)
		return cmd_fail(err);
	v = cmd_config_value(repo, key);
	if (strcmp(sub, "add") == 0) {
		struct url u;

		err = parse_url(argv[g.ind + 2], &u);
		url_release(&u);
		if (err == NULL && v != NULL)
			err = cairn_error_new(CAIRN_ERR_EXISTS, "remote '%s' "
			    "already exists", argv[g.ind + 1]);
		if (err == NULL && (url = absolute_url(argv[g.ind + 2])) ==
		    NULL)
			err = cairn_error_nomem();
		if (err == NULL)
			err = cairn_repo_config_set(repo, key, url);
		free(url);
	} else if (v == NULL)
		err = cairn_error_new(CAIRN_ERR_NOT_FOUND, "no remote '%s'",
		    argv[g.ind + 1]);
	else {
		/* Its remote-tracking refs go with it. */
		struct cairn_ref_update *u = calloc(1, sizeof(*u));
		char prefix[128];
		size_t i;

		snprintf(prefix, sizeof(prefix), "remotes/%s/",
		    argv[g.ind + 1]);
		if (u == NULL)
			err = cairn_error_nomem();
		else if ((err = cairn_ref_list(repo, prefix,
		    collect_tracking, &u)) == NULL && u == NULL)
			err = cairn_error_nomem();
		for (i = 0; u != NULL && u[i].name != NULL; i++)
			;
		if (err == NULL)
			err = cairn_ref_transaction(repo, u, i);
		if (err == NULL)
			err = cairn_repo_config_unset(repo, key);
		for (i = 0; u != NULL && u[i].name != NULL; i++)
			free((char *)u[i].name);
		free(u);
	}
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}
