/*
 * cmd_import.c: cairn import, store every object of a git repository as
 * `git cat-file --batch-all-objects --batch` gives them, and with --refs
 * its branches and tags as refs.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "progress.h"

extern char **environ;

const char cmd_import_usage[] =
    "cairn import --git <git-dir> [--refs] [--literally]";

/* Batches are bounded as put --batch bounds them (cmd_put.c). */
#define BATCH_OBJECTS 10000
#define BATCH_BYTES ((uint64_t)8 << 20)
/*
 * Records up to this size are read whole and their id checked before
 * they are stored; larger ones are streamed in a batch of their own.
 */
#define RECORD_IN_MEMORY ((uint64_t)64 << 20)
/*
 * The open batch is committed once git has been quiet this long, so that
 * the writer lock, which other writers wait for, is not held while
 * nothing arrives.
 */
#define QUIET_MS 200
/* What is kept of the output of git rev-parse. */
#define SHORT_OUTPUT 4096

/* A git process whose standard output we read. */

struct git {
	pid_t pid;		/* 0: none */
	int fd;			/* the read end of its stdout, or -1 */
	const char *what;	/* "git cat-file", for messages */
};

/*
 * The variables git itself clears before it runs in another repository
 * (its local_repo_env): from our environment they would point the child
 * at other objects or refs than those of --git.
 */
static const char *const local_env[] = {
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG",
	"GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_OBJECT_DIRECTORY",
	"GIT_DIR", "GIT_WORK_TREE", "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE",
	"GIT_INDEX_FILE", "GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE",
	"GIT_PREFIX", "GIT_SHALLOW_FILE", "GIT_COMMON_DIR", NULL,
};

static int
is_local_env(const char *kv)
{
	size_t i, n;

	for (i = 0; local_env[i] != NULL; i++) {
		n = strlen(local_env[i]);
		if (strncmp(kv, local_env[i], n) == 0 && kv[n] == '=')
			return 1;
	}
	return 0;
}

/* environ without local_env (the strings are environ's), or NULL. */
static char **
git_environ(void)
{
	char **env;
	size_t n = 0, i, j = 0;

	while (environ[n] != NULL)
		n++;
	if ((env = calloc(n + 1, sizeof(*env))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (!is_local_env(environ[i]))
			env[j++] = environ[i];
	return env;
}

/*
 * fd moved to 3 or above (close-on-exec), so that the child's dup2 onto
 * 0, 1 or 2 never meets it when our own standard files are closed.
 */
static int
above_stdio(int fd)
{
	int nfd, e;

	if (fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	e = errno;
	close(fd);
	errno = e;
	return nfd;
}

static const struct cairn_error *
spawn(struct git *g, char **argv, int out, int merge)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def, none;
	char **env;
	int e;

	if ((env = git_environ()) == NULL)
		return cairn_error_nomem();
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGXFSZ);
	if ((e = posix_spawn_file_actions_init(&fa)) != 0) {
		free(env);
		return cairn_error_sys(e, "cannot run git");
	}
	if ((e = posix_spawnattr_init(&at)) == 0) {
		if ((e = posix_spawnattr_setsigdefault(&at, &def)) == 0 &&
		    (e = posix_spawnattr_setsigmask(&at, &none)) == 0 &&
		    (e = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
		    POSIX_SPAWN_SETSIGMASK)) == 0 &&
		    (e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
		    O_RDONLY, 0)) == 0 &&
		    (e = posix_spawn_file_actions_adddup2(&fa, out, 1)) == 0 &&
		    (!merge || (e = posix_spawn_file_actions_adddup2(&fa, out,
		    2)) == 0))
			e = posix_spawnp(&g->pid, "git", &fa, &at, argv, env);
		posix_spawnattr_destroy(&at);
	}
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	if (e != 0) {
		g->pid = 0;
		return cairn_error_sys(e, "cannot run git");
	}
	return NULL;
}

/*
 * git_start(g, gitdir, args, merge):
 * Run `git --no-replace-objects --git-dir=<gitdir> <args>` ("git" from
 * PATH) with stdin /dev/null and stdout (and stderr too, with merge) into
 * a pipe whose read end is g->fd; stderr is otherwise ours.  Objects are
 * read as stored, never through replace refs.
 */
static const struct cairn_error *
git_start(struct git *g, const char *gitdir, const char *const *args,
    int merge)
{
	const struct cairn_error *err;
	char *argv[16], *dirarg;
	size_t n = 0, len = strlen(gitdir) + sizeof("--git-dir=");
	int p[2];

	g->pid = 0;
	g->fd = -1;
	if ((dirarg = malloc(len)) == NULL)
		return cairn_error_nomem();
	snprintf(dirarg, len, "--git-dir=%s", gitdir);
	argv[n++] = (char *)"git";
	argv[n++] = (char *)"--no-replace-objects";
	argv[n++] = dirarg;
	while (*args != NULL && n < sizeof(argv) / sizeof(argv[0]) - 1)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	if (pipe(p) != 0) {
		free(dirarg);
		return cairn_error_sys(errno, "create a pipe");
	}
	if (fcntl(p[0], F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(p[1], F_SETFD, FD_CLOEXEC) != 0 ||
	    (p[0] = above_stdio(p[0])) < 0 || (p[1] = above_stdio(p[1])) < 0) {
		err = cairn_error_sys(errno, "create a pipe");
		if (p[0] >= 0)
			close(p[0]);
		if (p[1] >= 0)
			close(p[1]);
		free(dirarg);
		return err;
	}
	err = spawn(g, argv, p[1], merge);
	free(dirarg);
	close(p[1]);
	if (err != NULL) {
		close(p[0]);
		return err;
	}
	g->fd = p[0];
	return NULL;
}

/*
 * git_reap(g, stop, status):
 * Close our end of the pipe and wait for git; *status is waitpid's.
 * With stop set (we read no further) git is first told to end (SIGTERM),
 * so that waiting never hangs on a git that would not write again.
 */
static const struct cairn_error *
git_reap(struct git *g, int stop, int *status)
{
	pid_t r;

	*status = 0;
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	if (g->pid <= 0)
		return NULL;
	if (stop)
		kill(g->pid, SIGTERM);
	do
		r = waitpid(g->pid, status, 0);
	while (r < 0 && errno == EINTR);
	g->pid = 0;
	if (r < 0)
		return cairn_error_sys(errno, "wait for %s", g->what);
	return NULL;
}

/* Exit status 127: the shell's and posix_spawn's "could not run it". */
static int
not_run(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == 127;
}

/*
 * git_finish(g, stop):
 * git_reap, then the error for how git ended if it failed, unless it
 * was stopped (how it ended then does not matter).
 */
static const struct cairn_error *
git_finish(struct git *g, int stop)
{
	const struct cairn_error *err;
	int status;

	if ((err = git_reap(g, stop, &status)) != NULL || stop ||
	    (WIFEXITED(status) && WEXITSTATUS(status) == 0))
		return err;
	if (not_run(status))
		return cairn_error_new(CAIRN_ERR_IO, "cannot run git (%s "
		    "exited with status 127)", g->what);
	if (WIFEXITED(status))
		return cairn_error_new(CAIRN_ERR_IO, "%s failed (exit status "
		    "%d)", g->what, WEXITSTATUS(status));
	return cairn_error_new(CAIRN_ERR_IO, "%s was killed by signal %d",
	    g->what, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* The git repository. */

/*
 * gitdir must be a directory, or a regular file (a ".git" file naming
 * one), before git is run on it: a FIFO or a device is never opened.
 * Not a git repository, like not a cairn one, is exit status 3.
 */
static const struct cairn_error *
check_git_path(const char *gitdir)
{
	struct stat st;

	if (stat(gitdir, &st) != 0)
		return cairn_error_new(CAIRN_ERR_NOT_REPO, "'%s' is not a git "
		    "repository: %s", gitdir, strerror(errno));
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return cairn_error_new(CAIRN_ERR_NOT_REPO, "'%s' is not a git "
		    "repository: not a directory", gitdir);
	return NULL;
}

/* Read what git prints into buf (NUL-terminated, the rest dropped). */
static const struct cairn_error *
read_short(struct git *g, char *buf, size_t size)
{
	char sink[512];
	size_t have = 0;
	ssize_t n;

	for (;;) {
		if (have < size - 1)
			n = read(g->fd, buf + have, size - 1 - have);
		else
			n = read(g->fd, sink, sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cairn_error_sys(errno, "read from %s", g->what);
		if (n == 0)
			break;
		if (have < size - 1)
			have += (size_t)n;
	}
	buf[have] = '\0';
	return NULL;
}

/*
 * The line of out that says why git failed: its first "fatal: " line,
 * else its first line (NUL-terminated in place; "fatal: " left out).
 */
static char *
git_reason(char *out)
{
	char *line, *p = out;

	while (p != NULL && strncmp(p, "fatal: ", 7) != 0)
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	line = p != NULL ? p + 7 : out;
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/* Why git rev-parse failed, from what it printed. */
static const struct cairn_error *
not_a_git_repo(const char *gitdir, char *out)
{
	char *line = git_reason(out), *dotgit;
	size_t len;
	struct stat st;

	if (strncmp(line, "not a git repository", 20) != 0)
		return cairn_error_new(CAIRN_ERR_NOT_REPO, "'%s' is not a git "
		    "repository: %s", gitdir, *line ? line :
		    "git rev-parse failed");
	/* A work tree instead of its git directory: say where that is. */
	len = strlen(gitdir) + sizeof("/.git");
	if ((dotgit = malloc(len)) != NULL) {
		snprintf(dotgit, len, "%s/.git", gitdir);
		if (stat(dotgit, &st) == 0) {
			const struct cairn_error *err = cairn_error_new(
			    CAIRN_ERR_NOT_REPO, "'%s' is not a git repository "
			    "(a work tree? its git directory is '%s')", gitdir,
			    dotgit);

			free(dotgit);
			return err;
		}
		free(dotgit);
	}
	return cairn_error_new(CAIRN_ERR_NOT_REPO,
	    "'%s' is not a git repository", gitdir);
}

/*
 * The last line of out, which git writes after any warning (NUL-terminated
 * in place, without its newline).
 */
static char *
last_line(char *out)
{
	size_t len = strlen(out);
	char *p;

	while (len > 0 && out[len - 1] == '\n')
		out[--len] = '\0';
	p = strrchr(out, '\n');
	return p != NULL ? p + 1 : out;
}

/*
 * The git repository's object format, by git rev-parse, must be the
 * cairn repository's: ids are kept as they are.
 */
static const struct cairn_error *
check_format(const char *gitdir, enum cairn_hash_algo algo)
{
	static const char *const args[] = { "rev-parse",
	    "--show-object-format", NULL };
	const struct cairn_error *err, *rerr;
	struct git g = { 0, -1, "git rev-parse" };
	char out[SHORT_OUTPUT], *fmt;
	const char *ours = cairn_hash_name(algo);
	int status;

	if ((err = git_start(&g, gitdir, args, 1)) != NULL)
		return err;
	err = read_short(&g, out, sizeof(out));
	rerr = git_reap(&g, err != NULL, &status);
	if (err != NULL || rerr != NULL)
		return err ? err : rerr;
	if (not_run(status))
		return cairn_error_new(CAIRN_ERR_IO, "cannot run git (git "
		    "rev-parse exited with status 127)");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return not_a_git_repo(gitdir, out);
	fmt = last_line(out);
	if (strcmp(fmt, "sha1") != 0 && strcmp(fmt, "sha256") != 0)
		return cairn_error_new(CAIRN_ERR_INVALID, "git repository '%s' "
		    "has an object format cairn does not know: '%s'", gitdir,
		    fmt);
	if (strcmp(fmt, ours) != 0)
		return cairn_error_new(CAIRN_ERR_INVALID, "git repository '%s' "
		    "has %s ids, this repository %s (make one with cairn init "
		    "--object-format=%s)", gitdir, fmt, ours, fmt);
	return NULL;
}

/* The import. */

struct importer {
	struct cairn_repo *repo;
	enum cairn_hash_algo algo;
	struct git git;			/* git cat-file */
	struct cmd_input in;		/* over git.fd */
	int open;			/* a batch is open */
	int streaming;			/* the library is reading a record */
	const struct cairn_error *wait_err;	/* of a commit in quiet() */
	uint64_t batch_objects, batch_bytes;	/* in the open batch */
	uint64_t records;		/* records read */
	uint64_t imported, failed;	/* objects stored durably, refused */
	uint64_t refs_set, refs_failed;
	unsigned char *buf;		/* the content of the record */
	size_t cap;
	uint64_t bytes;			/* content of the records read */
	struct cmd_meter meter;		/* records, bytes, failures */
};

/*
 * One failure line, "cairn: import: <what>: <reason>" (cmd_fail erases
 * the meter's line first); the import goes on.
 */
static void
report(const char *what, const struct cairn_error *why)
{
	cmd_fail(cairn_error_relabel(why, CAIRN_ERR_NONE, "import: %s: %s",
	    what, why->msg));
}

static void
refuse(struct importer *im, const struct cairn_oid *id,
    const struct cairn_error *why)
{
	char hex[CAIRN_OID_HEXMAX + 1];

	report(cairn_oid_fmt(id, hex), why);
	im->failed++;
}

static const struct cairn_error *
batch_open(struct importer *im)
{
	const struct cairn_error *err;

	if (im->open)
		return NULL;
	if ((err = cairn_batch_begin(im->repo)) != NULL)
		return err;
	im->open = 1;
	return NULL;
}

/* Commit the open batch: its objects are then imported. */
static const struct cairn_error *
batch_commit(struct importer *im)
{
	const struct cairn_error *err;

	if (!im->open)
		return NULL;
	im->open = 0;
	err = cairn_batch_commit(im->repo);
	if (err == NULL)
		im->imported += im->batch_objects;
	im->batch_objects = im->batch_bytes = 0;
	return err;
}

static void
batch_abort(struct importer *im)
{
	if (im->open)
		cairn_batch_abort(im->repo);
	im->open = 0;
	im->batch_objects = im->batch_bytes = 0;
}

/*
 * Before a read from git that would wait (the before_wait of im->in): see
 * QUIET_MS.  Not while the library streams a record from git: its batch
 * is that record's, and a callback must not call into the handle.
 */
static int
quiet(void *arg)
{
	struct importer *im = arg;
	struct pollfd pfd;

	if (!im->open || im->streaming)
		return 0;
	pfd.fd = im->in.fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, QUIET_MS) > 0)
		return 0;
	return (im->wait_err = batch_commit(im)) != NULL;
}

static const struct cairn_error *
cut_short(const struct cairn_oid *id)
{
	char hex[CAIRN_OID_HEXMAX + 1];

	return cairn_error_new(CAIRN_ERR_CORRUPT, "git cat-file output ends "
	    "inside object %s", cairn_oid_fmt(id, hex));
}

static const struct cairn_error *
read_error(struct importer *im)
{
	if (im->wait_err != NULL)
		return im->wait_err;
	return cairn_error_sys(im->in.err, "read from git cat-file");
}

/* A record's content into im->buf, grown as it arrives (never to its claim). */
static const struct cairn_error *
read_content(struct importer *im, const struct cairn_oid *id, size_t size)
{
	unsigned char *nb;
	size_t have = 0, cap;
	long n;

	while (have < size) {
		if (have == im->cap) {
			cap = im->cap ? 2 * im->cap : 65536;
			if (cap > size)
				cap = size;
			if ((nb = realloc(im->buf, cap)) == NULL)
				return cairn_error_nomem();
			im->buf = nb;
			im->cap = cap;
		}
		n = cmd_input_read(&im->in, im->buf + have,
		    (im->cap < size ? im->cap : size) - have);
		if (n < 0)
			return read_error(im);
		if (n == 0)
			return cut_short(id);
		have += (size_t)n;
	}
	return NULL;
}

/* The LF after a record's content. */
static const struct cairn_error *
record_end(struct importer *im, const struct cairn_oid *id)
{
	char hex[CAIRN_OID_HEXMAX + 1];
	char nl;
	long n;

	if ((n = cmd_input_read(&im->in, &nl, 1)) < 0)
		return read_error(im);
	if (n == 0)
		return cut_short(id);
	if (nl != '\n')
		return cairn_error_new(CAIRN_ERR_CORRUPT, "git cat-file "
		    "output: no newline after object %s",
		    cairn_oid_fmt(id, hex));
	return NULL;
}

static const struct cairn_error *
mismatch(const struct cairn_oid *got)
{
	char hex[CAIRN_OID_HEXMAX + 1];

	return cairn_error_new(CAIRN_ERR_INVALID, "content hashes to %s",
	    cairn_oid_fmt(got, hex));
}

/*
 * A record read whole: its id checked, then added to the open batch.  A
 * refused object (CAIRN_ERR_INVALID, found before anything is written)
 * leaves the batch as it was.
 */
static const struct cairn_error *
store_whole(struct importer *im, const struct cairn_oid *id, int type,
    size_t size)
{
	const struct cairn_error *err;
	struct cairn_mem_src mr;
	struct cairn_oid got;

	if ((err = read_content(im, id, size)) != NULL ||
	    (err = record_end(im, id)) != NULL ||
	    (err = cairn_hash_object(im->algo, type, im->buf, size,
	    &got)) != NULL)
		return err;
	if (!cairn_oid_eq(&got, id)) {
		refuse(im, id, mismatch(&got));
		return NULL;
	}
	if ((err = batch_open(im)) != NULL)
		return err;
	mr.data = im->buf;
	mr.left = size;
	/* The library decides what is too large to log twice. */
	err = cairn_batch_add_stream(im->repo, type, cairn_mem_read, &mr,
	    (int64_t)size, &got);
	if (err != NULL && err->code == CAIRN_ERR_INVALID) {
		refuse(im, id, err);
		return NULL;
	}
	if (err != NULL)
		return err;
	im->batch_objects++;
	im->batch_bytes += size;
	return NULL;
}

/* The content of one record as a stream, for records too large to hold. */
struct limited {
	struct cmd_input *in;
	uint64_t left;
	int ended;		/* git's output ended first */
};

static ssize_t
limited_read(void *arg, void *buf, size_t len)
{
	struct limited *l = arg;
	long n;

	if (l->left == 0)
		return 0;
	if (len > l->left)
		len = (size_t)l->left;
	n = cmd_input_read(l->in, buf, len);
	if (n < 0) {
		errno = l->in->err;
		return -1;
	}
	if (n == 0)
		l->ended = 1;
	l->left -= (uint64_t)n;
	return n;
}

/* Skip what the library did not read of a record (it refused it early). */
static const struct cairn_error *
skip_rest(struct importer *im, struct limited *l)
{
	unsigned char sink[65536];
	ssize_t n;

	while (l->left > 0 && (n = limited_read(l, sink, sizeof(sink))) > 0)
		;
	if (l->left > 0 && !l->ended)
		return read_error(im);
	return NULL;
}

/*
 * A record too large to hold: streamed in a batch of its own, which is
 * aborted if git's output ends inside it, if cairn refuses it or if its
 * id is not git's.
 */
static const struct cairn_error *
store_streamed(struct importer *im, const struct cairn_oid *id, int type,
    uint64_t size)
{
	const struct cairn_error *err, *serr;
	struct limited l = { &im->in, size, 0 };
	struct cairn_oid got;

	if ((err = batch_commit(im)) != NULL || (err = batch_open(im)) != NULL)
		return err;
	/* Until the id is checked, nothing commits this batch. */
	im->streaming = 1;
	err = cairn_batch_add_stream(im->repo, type, limited_read, &l,
	    (int64_t)size, &got);
	if (l.ended)
		serr = cut_short(id);
	else if (err != NULL && err->code != CAIRN_ERR_INVALID)
		serr = err;
	else if ((serr = skip_rest(im, &l)) == NULL && l.ended)
		serr = cut_short(id);
	if (serr == NULL)
		serr = record_end(im, id);
	im->streaming = 0;
	if (serr != NULL) {
		batch_abort(im);
		return serr;
	}
	if (err == NULL && !cairn_oid_eq(&got, id))
		err = mismatch(&got);
	if (err != NULL) {
		batch_abort(im);
		refuse(im, id, err);
		return NULL;
	}
	im->batch_objects = 1;
	im->batch_bytes = size;
	return batch_commit(im);
}

static const struct cairn_error *
bad_header(const char *line)
{
	return cairn_error_new(CAIRN_ERR_CORRUPT, "git cat-file output: "
	    "malformed header '%.100s'", line);
}

/*
 * "<id> SP <type> SP <size>" (len bytes), each field separated by exactly
 * one space, the size in decimal and at most 2^62.
 * XXX put --batch parses the same records (cmd_put.c, where the id is
 * optional); one parser in util.c should serve both.
 */
static const struct cairn_error *
parse_header(struct importer *im, const char *line, size_t len,
    struct cairn_oid *id, int *type, uint64_t *size)
{
	const char *t, *s, *p;

	if (strlen(line) != len || (t = strchr(line, ' ')) == NULL ||
	    (s = strchr(t + 1, ' ')) == NULL ||
	    cairn_oid_parse(im->algo, line, (size_t)(t - line), id) != NULL ||
	    (*type = cairn_otype_parse(t + 1, (size_t)(s - t - 1))) ==
	    CAIRN_OBJ_NONE)
		return bad_header(line);
	s++;
	*size = 0;
	for (p = s; *p >= '0' && *p <= '9' && p - s < 19; p++)
		*size = *size * 10 + (uint64_t)(*p - '0');
	if (p == s || *p != '\0' || *size > ((uint64_t)1 << 62))
		return bad_header(line);
	return NULL;
}

/* Every record of git cat-file, until its output ends. */
static const struct cairn_error *
import_objects(struct importer *im)
{
	const struct cairn_error *err;
	struct cairn_oid id;
	uint64_t size = 0;
	char *line;
	size_t len;
	int r, complete, type = 0;

	for (;;) {
		r = cmd_input_line(&im->in, '\n', &line, &len, &complete);
		if (r == 0)
			return NULL;
		if (r < 0 && im->in.too_long)
			return cairn_error_new(CAIRN_ERR_CORRUPT, "git "
			    "cat-file output: header longer than %d bytes",
			    CMD_LINE_MAX);
		if (r < 0)
			return read_error(im);
		if (!complete)
			return cairn_error_new(CAIRN_ERR_CORRUPT, "git "
			    "cat-file output ends inside a header");
		if ((err = parse_header(im, line, len, &id, &type,
		    &size)) != NULL)
			return err;
		err = size <= RECORD_IN_MEMORY ?
		    store_whole(im, &id, type, (size_t)size) :
		    store_streamed(im, &id, type, size);
		if (err != NULL)
			return err;
		im->records++;
		im->bytes += size;
		im->meter.failed = im->failed;
		cmd_meter_update(&im->meter, im->records, 0, im->bytes, 0);
		if (im->batch_objects >= BATCH_OBJECTS ||
		    im->batch_bytes >= BATCH_BYTES)
			if ((err = batch_commit(im)) != NULL)
				return err;
	}
}

/*
 * Run git cat-file and store what it prints.  What was complete before an
 * error is committed.  When git's output ended early, git's own failure
 * (it printed why) is the error.
 */
static const struct cairn_error *
import_all(struct importer *im, const char *gitdir)
{
	static const char *const args[] = { "cat-file", "--batch-all-objects",
	    "--batch", "--unordered", NULL };
	const struct cairn_error *err, *cerr, *gerr;
	int ended;

	im->git.what = "git cat-file";
	if ((err = git_start(&im->git, gitdir, args, 0)) != NULL)
		return err;
	cmd_input_init(&im->in, im->git.fd);
	im->in.before_wait = quiet;
	im->in.before_wait_arg = im;
	err = import_objects(im);
	ended = im->in.eof;
	cmd_input_release(&im->in);
	cerr = batch_commit(im);
	gerr = git_finish(&im->git, err != NULL && !ended);
	if (err != NULL && ended && gerr != NULL)
		return gerr;
	return err ? err : cerr ? cerr : gerr;
}

/* Refs. */

struct git_ref {
	char *name;		/* cairn's: heads/<b>, tags/<t> */
	struct cairn_oid id;
};

struct ref_list {
	struct git_ref *v;
	size_t n, cap;
};

static void
ref_list_free(struct ref_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
}

/* "<id> refs/heads/<b>" or "<id> refs/tags/<t>" */
static const struct cairn_error *
ref_line(struct importer *im, struct ref_list *l, const char *line)
{
	const char *sp = strchr(line, ' ');
	struct git_ref *nv;

	if (sp == NULL || (strncmp(sp + 1, "refs/heads/", 11) != 0 &&
	    strncmp(sp + 1, "refs/tags/", 10) != 0))
		return cairn_error_new(CAIRN_ERR_CORRUPT, "git for-each-ref "
		    "output: malformed line '%.100s'", line);
	if (l->n == l->cap) {
		l->cap = l->cap * 2 + 16;
		if ((nv = realloc(l->v, l->cap * sizeof(*nv))) == NULL)
			return cairn_error_nomem();
		l->v = nv;
	}
	if (cairn_oid_parse(im->algo, line, (size_t)(sp - line),
	    &l->v[l->n].id) != NULL)
		return cairn_error_new(CAIRN_ERR_CORRUPT, "git for-each-ref "
		    "output: malformed line '%.100s'", line);
	if ((l->v[l->n].name = strdup(sp + 1 + 5)) == NULL)
		return cairn_error_nomem();
	l->n++;
	return NULL;
}

static const struct cairn_error *
read_refs(struct importer *im, const char *gitdir, struct ref_list *l)
{
	static const char *const args[] = { "for-each-ref",
	    "--format=%(objectname) %(refname)", "refs/heads", "refs/tags",
	    NULL };
	const struct cairn_error *err = NULL, *gerr;
	struct git g = { 0, -1, "git for-each-ref" };
	struct cmd_input in;
	char *line;
	size_t len;
	int r = 0, complete;

	if ((err = git_start(&g, gitdir, args, 0)) != NULL)
		return err;
	cmd_input_init(&in, g.fd);
	while (err == NULL && (r = cmd_input_line(&in, '\n', &line, &len,
	    &complete)) > 0)
		err = complete ? ref_line(im, l, line) : cairn_error_new(
		    CAIRN_ERR_CORRUPT, "git for-each-ref output ends inside "
		    "a line");
	if (err == NULL && r < 0)
		err = in.too_long ? cairn_error_new(CAIRN_ERR_CORRUPT,
		    "git for-each-ref output: line longer than %d bytes",
		    CMD_LINE_MAX) : cairn_error_sys(in.err,
		    "read from git for-each-ref");
	gerr = git_finish(&g, err != NULL);
	cmd_input_release(&in);
	return err ? err : gerr;
}

/* A ref that is not set: its failure line. */
static void
ref_refuse(struct importer *im, const struct git_ref *r,
    const struct cairn_error *why)
{
	size_t len = strlen(r->name);

	/* Long names are cut as the library cuts them in its messages. */
	cmd_fail(cairn_error_relabel(why, CAIRN_ERR_NONE, "import: ref %.*s%s: "
	    "%s", len > 200 ? 200 : (int)len, r->name, len > 200 ? "..." : "",
	    why->msg));
	im->refs_failed++;
}

/* An update refused for this ref alone; anything else stops the import. */
static int
ref_own_fault(const struct cairn_error *err)
{
	return err->code == CAIRN_ERR_INVALID || err->code == CAIRN_ERR_EXISTS ||
	    err->code == CAIRN_ERR_NOT_FOUND ||
	    err->code == CAIRN_ERR_CAS_MISMATCH;
}

/*
 * Keep in l the refs cairn can take: a valid name, and a target that is
 * here with everything it reaches (else gc could not run).
 */
static const struct cairn_error *
ref_filter(struct importer *im, struct ref_list *l)
{
	const struct cairn_error *err;
	struct cairn_oid *ids = NULL, *missing = NULL;
	char hex[CAIRN_OID_HEXMAX + 1];
	int *complete = NULL;
	size_t i, n = 0;

	for (i = 0; i < l->n; i++) {
		if ((err = cairn_ref_name_check(l->v[i].name)) != NULL) {
			ref_refuse(im, &l->v[i], err);
			free(l->v[i].name);
		} else
			l->v[n++] = l->v[i];
	}
	l->n = n;
	if (n == 0)
		return NULL;
	ids = malloc(n * sizeof(*ids));
	missing = malloc(n * sizeof(*missing));
	complete = malloc(n * sizeof(*complete));
	err = ids && missing && complete ? NULL : cairn_error_nomem();
	for (i = 0; err == NULL && i < n; i++)
		ids[i] = l->v[i].id;
	if (err == NULL)
		err = cairn_reach_check(im->repo, ids, n, missing, complete);
	for (i = 0, n = 0; err == NULL && i < l->n; i++) {
		if (complete[i]) {
			l->v[n++] = l->v[i];
			continue;
		}
		ref_refuse(im, &l->v[i], cairn_error_new(CAIRN_ERR_NOT_FOUND,
		    cairn_oid_eq(&missing[i], &l->v[i].id) ? "%s is not in "
		    "this repository" : "reaches %s, which is not in this "
		    "repository", cairn_oid_fmt(&missing[i], hex)));
		free(l->v[i].name);
	}
	if (err == NULL)
		l->n = n;
	free(ids);
	free(missing);
	free(complete);
	return err;
}

/*
 * Set the refs of l, overwriting what cairn had: one transaction; if it
 * is refused for one ref's sake (a name that collides with a ref
 * directory, say), one update per ref, so that the others are still set.
 */
static const struct cairn_error *
ref_apply(struct importer *im, struct ref_list *l)
{
	const struct cairn_error *err;
	struct cairn_ref_update *u;
	size_t i;

	if (l->n == 0)
		return NULL;
	if ((u = calloc(l->n, sizeof(*u))) == NULL)
		return cairn_error_nomem();
	for (i = 0; i < l->n; i++) {
		u[i].op = CAIRN_REF_SET;
		u[i].name = l->v[i].name;
		u[i].new_id = l->v[i].id;
	}
	err = cairn_ref_transaction(im->repo, u, l->n);
	free(u);
	if (err == NULL) {
		im->refs_set += l->n;
		return NULL;
	}
	if (!ref_own_fault(err))
		return err;
	for (i = 0; i < l->n; i++) {
		err = cairn_ref_set(im->repo, l->v[i].name, &l->v[i].id, NULL);
		if (err != NULL && !ref_own_fault(err))
			return err;
		if (err != NULL)
			ref_refuse(im, &l->v[i], err);
		else
			im->refs_set++;
	}
	return NULL;
}

static const struct cairn_error *
import_refs(struct importer *im, const char *gitdir)
{
	const struct cairn_error *err;
	struct ref_list l = { NULL, 0, 0 };

	if ((err = read_refs(im, gitdir, &l)) == NULL &&
	    (err = ref_filter(im, &l)) == NULL)
		err = ref_apply(im, &l);
	ref_list_free(&l);
	return err;
}

/* Options and the command. */

struct import_opts {
	const char *gitdir;
	int refs, literally;
};

static int
parse_opts(int argc, char **argv, struct import_opts *o)
{
	static const struct option opts[] = {
		{ "git", required_argument, NULL, 'g' },
		{ "refs", no_argument, NULL, 'R' },
		{ "literally", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_getopt g;
	int c;

	memset(o, 0, sizeof(*o));
	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "h", opts,
	    cmd_import_usage)) != -1) {
		switch (c) {
		case 'g':
			if (o->gitdir != NULL)
				return cmd_usage(cmd_import_usage,
				    "option '--git' given twice");
			o->gitdir = g.arg;
			break;
		case 'R': o->refs = 1; break;
		case 'L': o->literally = 1; break;
		case 'h':
			c = cmd_help(cmd_import_usage);
			return c == 0 ? -1 : c;
		default: return 2;
		}
	}
	if (g.ind < argc)
		return cmd_usage(cmd_import_usage, "unexpected argument '%s'",
		    argv[g.ind]);
	if (o->gitdir == NULL)
		return cmd_usage(cmd_import_usage, "no git repository given "
		    "(--git <git-dir>)");
	return 0;
}

static const struct cairn_error *
import_run(struct importer *im, const struct import_opts *o)
{
	const struct cairn_error *err;

	if (cmd_global.read_only)
		return cairn_error_new(CAIRN_ERR_READ_ONLY,
		    "repository is open read-only");
	if ((err = check_git_path(o->gitdir)) != NULL ||
	    (err = check_format(o->gitdir, im->algo)) != NULL ||
	    (err = import_all(im, o->gitdir)) != NULL)
		return err;
	/* The objects are in; the summary on stdout says how many. */
	cmd_meter_stop(&im->meter);
	return o->refs ? import_refs(im, o->gitdir) : NULL;
}

int
cmd_import(int argc, char **argv)
{
	const struct cairn_error *err;
	struct import_opts o;
	struct importer im;
	int r;

	if ((r = parse_opts(argc, argv, &o)) != 0)
		return r < 0 ? 0 : r;
	memset(&im, 0, sizeof(im));
	im.git.fd = -1;
	cmd_meter_start(&im.meter, "import", "objects");
	if ((err = cmd_open_flags(&im.repo, 1, o.literally ?
	    CAIRN_OPEN_LITERALLY : 0)) != NULL)
		return cmd_fail(err);
	im.algo = cairn_repo_hash_algo(im.repo);
	err = import_run(&im, &o);
	cmd_meter_stop(&im.meter);
	cmd_close(im.repo);
	free(im.buf);
	if (err != NULL)
		return cmd_fail(err);
	printf("imported %" PRIu64 " objects, %" PRIu64 " failed",
	    im.imported, im.failed);
	if (o.refs)
		printf("; set %" PRIu64 " refs, %" PRIu64 " failed",
		    im.refs_set, im.refs_failed);
	putchar('\n');
	return cmd_finish_output(im.failed + im.refs_failed > 0 ? 1 : 0);
}
