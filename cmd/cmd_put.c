/*
 * cmd_put.c: cairn put, store files, stdin, listed paths or a --batch
 * stream as objects and print their ids once they are durable.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "progress.h"

const char cmd_put_usage[] =
    "cairn put [-t <type>] [-n] [--literally] [--] <file>...\n"
    "       cairn put [-t <type>] [-n] [--literally] --stdin\n"
    "       cairn put [-t <type>] [-n] [--literally] [-z] --stdin-paths\n"
    "       cairn put [-n] [--literally] [--stats] --batch\n"
    "       cairn put [-n] [--literally] -r <dir>";

/*
 * Commit a batch once it holds this much (or when input pauses): the
 * small objects of an open batch wait in memory until its commit.
 */
#define BATCH_OBJECTS 10000
#define BATCH_BYTES ((uint64_t)8 << 20)
/* --batch records up to this size are checked before they are stored. */
#define RECORD_IN_MEMORY ((uint64_t)64 << 20)
/* Input of unknown length is kept in memory up to this, then spooled. */
#define SPOOL_MEMORY ((size_t)1 << 20)
/* The library's limit on a tree, commit or tag (read whole to check it). */
#define NONBLOB_MAX ((size_t)256 << 20)

struct putter {
	struct cairn_repo *repo;	/* NULL with -n outside a repository */
	int algo;
	int dry;			/* -n */
	unsigned check_flags;		/* CAIRN_CHECK_LITERALLY or 0 */
	int open;			/* a batch is open */
	struct cairn_oid *ids;		/* ids of the open batch */
	size_t nids, cap;
	size_t objects;			/* added or queued to the open batch */
	uint64_t bytes;			/* their content */
	struct cairn_ingest *ing;	/* workers prepare records (not -n) */
	struct cmd_meter meter;		/* -r, --stdin-paths, --batch */
	uint64_t read, read_bytes;	/* objects read so far, their content */
};

/* Print the open batch's ids after committing it. */
static const struct cairn_error *
put_commit(struct putter *p)
{
	const struct cairn_error *err = NULL, *derr = NULL;
	char hex[CAIRN_OID_HEXMAX + 1];
	size_t i;

	/* What was queued before a failed record is complete: commit it. */
	if (p->ing != NULL)
		derr = cairn_ingest_drain(p->ing);
	if (p->open)
		err = cairn_batch_commit(p->repo);
	p->open = 0;
	if (err != NULL) {
		p->nids = 0;
		return err;
	}
	if (p->nids > 0)
		cmd_meter_stdout();
	for (i = 0; i < p->nids; i++)
		printf("%s\n", cairn_oid_fmt(&p->ids[i], hex));
	p->nids = 0;
	p->objects = 0;
	p->bytes = 0;
	if (fflush(stdout) != 0)
		return cairn_error_sys(errno, "write to standard output");
	return derr;
}

/* An object read (--stdin-paths, --batch), for the meter. */
static void
put_read(struct putter *p, uint64_t size)
{
	p->read++;
	p->read_bytes += size;
	cmd_meter_update(&p->meter, p->read, 0, p->read_bytes, 0);
}

/* Count an object into the open batch's bounds. */
static void
put_count(struct putter *p, uint64_t size)
{
	p->objects++;
	p->bytes += size;
}

/* The open batch is full: commit it. */
static int
put_full(const struct putter *p)
{
	return p->objects >= BATCH_OBJECTS || p->bytes >= BATCH_BYTES;
}

/* An object is in the batch: its id is printed once committed. */
static const struct cairn_error *
put_id(struct putter *p, const struct cairn_oid *id)
{
	struct cairn_oid *n;
	char hex[CAIRN_OID_HEXMAX + 1];

	if (p->dry) {
		printf("%s\n", cairn_oid_fmt(id, hex));
		return NULL;
	}
	if (p->nids == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		if ((n = realloc(p->ids, p->cap * sizeof(*n))) == NULL)
			return cairn_error_nomem();
		p->ids = n;
	}
	p->ids[p->nids++] = *id;
	return NULL;
}

static const struct cairn_error *
put_note(struct putter *p, const struct cairn_oid *id, uint64_t size)
{
	put_count(p, size);
	return put_id(p, id);
}

/* Open a batch if none is. */
static const struct cairn_error *
put_begin(struct putter *p)
{
	const struct cairn_error *err;

	if (p->open)
		return NULL;
	if ((err = cairn_batch_begin(p->repo)) != NULL)
		return err;
	p->open = 1;
	return NULL;
}

static const struct cairn_error *
noted(void *arg, const struct cairn_oid *id, uint64_t size)
{
	(void)size;	/* counted when queued */
	return put_id(arg, id);
}

/*
 * Input of unknown length, read whole before anything is stored so that
 * no lock is held while it arrives: in memory up to SPOOL_MEMORY, beyond
 * that in an unlinked temporary file (tmpfile(3), in /tmp).
 */
struct spool {
	unsigned char *mem;
	size_t len, pos;	/* in mem */
	FILE *file;		/* NULL while it fits in mem */
	uint64_t size;
};

static const struct cairn_error *
spool_write(struct spool *s, const void *data, size_t len)
{
	if (len > 0 && fwrite(data, 1, len, s->file) != len)
		return cairn_error_sys(errno, "write a temporary file");
	s->size += len;
	return NULL;
}

/* Read everything from read into *s, then rewind it for spool_read. */
static const struct cairn_error *
spool_fill(struct spool *s, cairn_read_fn read, void *arg)
{
	const struct cairn_error *err = NULL;
	ssize_t n = 0;

	memset(s, 0, sizeof(*s));
	if ((s->mem = malloc(SPOOL_MEMORY)) == NULL)
		return cairn_error_nomem();
	while (s->len < SPOOL_MEMORY && (n = read(arg, s->mem + s->len,
	    SPOOL_MEMORY - s->len)) > 0)
		s->len += (size_t)n;
	if (s->len < SPOOL_MEMORY) {
		s->size = s->len;
		return n < 0 ? cairn_error_sys(errno, "read object content") :
		    NULL;
	}
	if ((s->file = tmpfile()) == NULL)
		return cairn_error_sys(errno, "create a temporary file");
	err = spool_write(s, s->mem, s->len);
	while (err == NULL && (n = read(arg, s->mem, SPOOL_MEMORY)) != 0)
		err = n < 0 ? cairn_error_sys(errno, "read object content") :
		    spool_write(s, s->mem, (size_t)n);
	if (err == NULL && (fflush(s->file) != 0 || fseeko(s->file, 0,
	    SEEK_SET) != 0))
		err = cairn_error_sys(errno, "write a temporary file");
	return err;
}

static ssize_t
spool_read(void *arg, void *buf, size_t len)
{
	struct spool *s = arg;
	size_t n;

	if (s->file != NULL) {
		n = fread(buf, 1, len, s->file);
		if (n == 0 && ferror(s->file)) {
			errno = EIO;
			return -1;
		}
		return (ssize_t)n;
	}
	n = len < s->len - s->pos ? len : s->len - s->pos;
	memcpy(buf, s->mem + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

static void
spool_release(struct spool *s)
{
	free(s->mem);
	if (s->file != NULL)
		fclose(s->file);
	memset(s, 0, sizeof(*s));
}

/* -n of a tree, commit or tag: read it whole (bounded) and check it. */
static const struct cairn_error *
dry_check(struct putter *p, struct cairn_oid *out, int type, cairn_read_fn read,
    void *arg, int64_t size)
{
	const struct cairn_error *err = NULL;
	unsigned char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;

	for (;;) {
		if (len > NONBLOB_MAX) {
			err = cairn_error_new(CAIRN_ERR_INVALID, "%s object "
			    "larger than %zu MiB", cairn_otype_name(type),
			    NONBLOB_MAX >> 20);
			goto done;
		}
		if (cap - len < 65536) {
			if ((nb = realloc(buf, cap * 2 + 65536)) == NULL) {
				err = cairn_error_nomem();
				goto done;
			}
			buf = nb;
			cap = cap * 2 + 65536;
		}
		if ((n = read(arg, buf + len, cap - len)) < 0) {
			err = cairn_error_sys(errno, "read object content");
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (size >= 0 && (uint64_t)size != len)
		err = cairn_error_new(CAIRN_ERR_INVALID, "content is %zu bytes, "
		    "expected %lld", len, (long long)size);
	else if ((err = cairn_object_check_flags(type, buf, len, p->algo,
	    p->check_flags)) == NULL)
		err = cairn_hash_object(p->algo, type, buf, len, out);
done:
	free(buf);
	return err;
}

/*
 * Hash a stream without storing it (-n).  A blob is hashed as it is read;
 * its header needs the size, so content of unknown length is spooled
 * first (see struct spool).
 */
static const struct cairn_error *
dry_hash(struct putter *p, struct cairn_oid *out, int type, cairn_read_fn read,
    void *arg, int64_t size)
{
	const struct cairn_error *err;
	struct cairn_hasher h = { 0 };
	struct spool sp = { 0 };
	unsigned char buf[65536];
	uint64_t got = 0;
	ssize_t n;

	if (type != CAIRN_OBJ_BLOB)
		return dry_check(p, out, type, read, arg, size);
	if (size < 0) {
		if ((err = spool_fill(&sp, read, arg)) != NULL)
			goto done;
		read = spool_read;
		arg = &sp;
		size = (int64_t)sp.size;
	}
	if ((err = cairn_hasher_init_object(&h, p->algo, type,
	    (uint64_t)size)) != NULL)
		goto done;
	while (err == NULL && (n = read(arg, buf, sizeof(buf))) != 0) {
		if (n < 0)
			err = cairn_error_sys(errno, "read object content");
		else if ((got += (uint64_t)n) <= (uint64_t)size)
			err = cairn_hasher_update(&h, buf, (size_t)n);
	}
	if (err == NULL && got != (uint64_t)size)
		err = cairn_error_new(CAIRN_ERR_INVALID, "content is %llu "
		    "bytes, expected %lld", (unsigned long long)got,
		    (long long)size);
	if (err == NULL)
		err = cairn_hasher_final(&h, out);
done:
	cairn_hasher_release(&h);
	spool_release(&sp);
	return err;
}

/* Store (or with -n hash) one object from a stream. */
static const struct cairn_error *
put_stream(struct putter *p, struct cairn_oid *out, int type,
    cairn_read_fn read, void *arg, int64_t size)
{
	const struct cairn_error *err;
	struct spool sp = { 0 };

	if (p->dry)
		return dry_hash(p, out, type, read, arg, size);
	/* What is queued is noted first: ids print in input order. */
	if (p->ing != NULL && (err = cairn_ingest_drain(p->ing)) != NULL)
		return err;
	if (size < 0) {
		/*
		 * Input that may keep us waiting (a pipe, a terminal) is read
		 * before the writer lock is taken, which other writers wait
		 * for; what is open is committed first.
		 */
		if ((err = put_commit(p)) != NULL ||
		    (err = spool_fill(&sp, read, arg)) != NULL)
			goto done;
		read = spool_read;
		arg = &sp;
		size = (int64_t)sp.size;
	}
	if ((err = put_begin(p)) == NULL)
		err = cairn_batch_add_stream(p->repo, type, read, arg, size, out);
done:
	spool_release(&sp);
	return err;
}

static const struct cairn_error *
put_file(struct putter *p, int type, const char *path)
{
	const struct cairn_error *err;
	struct cairn_oid id;
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return cairn_error_new(errno == ENOENT || errno == ENOTDIR ?
		    CAIRN_ERR_INVALID : CAIRN_ERR_IO,
		    "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		close(fd);
		return cairn_error_new(CAIRN_ERR_INVALID, "'%s' is a directory",
		    path);
	}
	if (p->ing != NULL && S_ISREG(st.st_mode)) {
		/* Hashed and compressed on the workers; noted through noted. */
		if ((err = put_begin(p)) == NULL)
			err = cairn_ingest_add_fd(p->ing, type, fd,
			    (uint64_t)st.st_size);
		close(fd);
		put_count(p, (uint64_t)st.st_size);
	} else {
		err = put_stream(p, &id, type, cairn_fd_read, &fd,
		    S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1);
		close(fd);
		if (err == NULL)
			err = put_note(p, &id, (uint64_t)st.st_size);
	}
	if (err != NULL && err->code == CAIRN_ERR_IO)
		err = cairn_error_new(CAIRN_ERR_IO, "'%s': %s", path, err->msg);
	if (err == NULL)
		put_read(p, (uint64_t)st.st_size);
	return err;
}

/* --stdin-paths: commit whenever input pauses or the batch is big. */
static const struct cairn_error *
put_paths(struct putter *p, int type, int delim)
{
	const struct cairn_error *err = NULL;
	struct cmd_input in;
	char *line;
	size_t len;
	int r, complete;

	cmd_input_init(&in, 0);
	while (err == NULL && (r = cmd_input_line(&in, delim, &line, &len,
	    &complete)) > 0) {
		if (len == 0)
			err = cairn_error_new(CAIRN_ERR_INVALID, "empty path");
		else
			err = put_file(p, type, line);
		if (err == NULL && (put_full(p) || !cmd_input_pending(&in)))
			err = put_commit(p);
	}
	if (err == NULL && r < 0)
		err = cmd_input_error(&in);
	cmd_input_release(&in);
	return err;
}

/* --batch records. */

struct limited {
	struct cmd_input *in;
	uint64_t left;
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
	if ((n = cmd_input_read(l->in, buf, len)) > 0)
		l->left -= (uint64_t)n;
	return n;
}

/* Parse "[<id> SP] <type> SP <size>". */
static const struct cairn_error *
parse_header(struct putter *p, char *line, int *type, uint64_t *size,
    struct cairn_oid *claim, int *has_claim)
{
	char *f[4], *t, *end, orig[128];
	int n = 0, empty = 0;

	snprintf(orig, sizeof(orig), "%s", line);
	/* Fields are separated by exactly one space. */
	for (t = line; n < 4; t++) {
		f[n++] = t;
		empty |= *t == ' ' || *t == '\0';
		if ((t = strchr(t, ' ')) == NULL)
			break;
		*t = '\0';
	}
	*has_claim = n == 3;
	if (n < 2 || n > 3 || empty)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "malformed batch header '%s'", orig);
	if (*has_claim && cairn_oid_parse(p->algo, f[0], strlen(f[0]),
	    claim) != NULL)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "malformed object id '%s'", f[0]);
	if ((*type = cmd_parse_type(f[n - 2])) == 0)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "unknown object type '%s'", f[n - 2]);
	errno = 0;
	*size = strtoull(f[n - 1], &end, 10);
	if (f[n - 1][0] < '0' || f[n - 1][0] > '9' || *end != '\0' ||
	    errno != 0 || *size > ((uint64_t)1 << 62))
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "malformed size '%s'", f[n - 1]);
	return NULL;
}

/*
 * Read a record's content into memory as it arrives (never its claim).
 * Before a read that would wait, the open batch is committed, so the
 * writer lock is not held while the other side is slow.
 */
static const struct cairn_error *
read_content(struct putter *p, struct cmd_input *in, uint64_t size,
    unsigned char **out)
{
	const struct cairn_error *err;
	unsigned char *buf = NULL, *nb;
	size_t have = 0, cap = 0;
	long n;

	while (have < size) {
		if (p->open && !cmd_input_pending(in) &&
		    (err = put_commit(p)) != NULL) {
			free(buf);
			return err;
		}
		if (have == cap) {
			cap = cap ? 2 * cap : 65536;
			if (cap > size)
				cap = (size_t)size;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				return cairn_error_nomem();
			}
			buf = nb;
		}
		if ((n = cmd_input_read(in, buf + have, cap - have)) <= 0) {
			free(buf);
			return n < 0 ? cairn_error_sys(in->err,
			    "read standard input") :
			    cairn_error_new(CAIRN_ERR_INVALID, "batch record "
			    "truncated: %zu of %llu bytes", have,
			    (unsigned long long)size);
		}
		have += (size_t)n;
	}
	*out = buf;
	return NULL;
}

static const struct cairn_error *
check_claim(const struct cairn_oid *got, const struct cairn_oid *claim)
{
	char a[CAIRN_OID_HEXMAX + 1], b[CAIRN_OID_HEXMAX + 1];

	if (cairn_oid_eq(got, claim))
		return NULL;
	return cairn_error_new(CAIRN_ERR_INVALID,
	    "object %s does not match its content (which hashes to %s)",
	    cairn_oid_fmt(claim, a), cairn_oid_fmt(got, b));
}

/* The LF that ends a record's content. */
static const struct cairn_error *
record_end(struct cmd_input *in, uint64_t nrec)
{
	char nl;

	if (cmd_input_read(in, &nl, 1) != 1 || nl != '\n')
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "batch record %llu: no newline after content",
		    (unsigned long long)nrec);
	return NULL;
}

static const struct cairn_error *
put_record(struct putter *p, struct cmd_input *in, int type, uint64_t size,
    const struct cairn_oid *claim, uint64_t nrec)
{
	const struct cairn_error *err;
	struct cairn_oid id;
	struct cairn_mem_src mr;
	struct limited l = { in, size };
	unsigned char *buf = NULL;

	if (p->ing != NULL && size <= RECORD_IN_MEMORY) {
		if ((err = read_content(p, in, size, &buf)) != NULL)
			return err;
		if ((err = record_end(in, nrec)) != NULL) {
			free(buf);
			return err;
		}
		if ((err = put_begin(p)) != NULL) {
			free(buf);
			return err;
		}
		/* The ingest owns buf now; the id comes back through noted. */
		put_count(p, size);
		return cairn_ingest_add(p->ing, type, buf, (size_t)size, claim);
	}
	if (size <= RECORD_IN_MEMORY) {
		if ((err = read_content(p, in, size, &buf)) != NULL)
			return err;
		if ((err = record_end(in, nrec)) != NULL ||
		    (claim != NULL && ((err = cairn_hash_object(p->algo, type,
		    buf, (size_t)size, &id)) != NULL ||
		    (err = check_claim(&id, claim)) != NULL))) {
			free(buf);
			return err;
		}
		mr.data = buf;
		mr.left = (size_t)size;
		err = put_stream(p, &id, type, cairn_mem_read, &mr,
		    (int64_t)size);
		free(buf);
	} else {
		/* Stream it in a batch of its own, so a bad claim costs only it. */
		if ((err = put_commit(p)) != NULL ||
		    (err = put_stream(p, &id, type, limited_read, &l,
		    (int64_t)size)) != NULL)
			return err;
		if (claim != NULL && (err = check_claim(&id, claim)) != NULL) {
			if (p->open)
				cairn_batch_abort(p->repo);
			p->open = 0;
			p->nids = 0;
			return err;
		}
		if ((err = record_end(in, nrec)) != NULL) {
			if (p->open)
				cairn_batch_abort(p->repo);
			p->open = 0;
			p->nids = 0;
			return err;
		}
	}
	return err ? err : put_note(p, &id, size);
}

static const struct cairn_error *
put_batch(struct putter *p)
{
	const struct cairn_error *err = NULL;
	struct cmd_input in;
	struct cairn_oid claim;
	uint64_t size = 0, nrec = 0;
	char *line;
	size_t len;
	int r, complete, type = 0, has_claim = 0;

	cmd_input_init(&in, 0);
	while (err == NULL && (r = cmd_input_line(&in, '\n', &line, &len,
	    &complete)) > 0) {
		nrec++;
		if (!complete)
			err = cairn_error_new(CAIRN_ERR_INVALID,
			    "batch record %llu: header not terminated",
			    (unsigned long long)nrec);
		if (err == NULL)
			err = parse_header(p, line, &type, &size, &claim,
			    &has_claim);
		if (err == NULL)
			err = put_record(p, &in, type, size,
			    has_claim ? &claim : NULL, nrec);
		if (err == NULL)
			put_read(p, size);
		if (err == NULL && (put_full(p) || !cmd_input_pending(&in)))
			err = put_commit(p);
	}
	if (err == NULL && r < 0)
		err = cmd_input_error(&in);
	cmd_input_release(&in);
	return err;
}

/* Options and the command. */

struct put_opts {
	int type, dry, stdin_, paths, batch, nul, stats, literally;
	const char *dir;
};

/*
 * An option getopt refused: name it as given.  For an unknown letter in a
 * cluster ("-leading") optind still points at the cluster, so the letter
 * comes from optopt; an unknown long option is argv[optind - 1].
 */
static int
bad_option(int c, char **argv)
{
	if (c == ':')
		return cmd_usage(cmd_put_usage, "option '-%c' needs a value",
		    optopt);
	if (optopt != 0)
		return cmd_usage(cmd_put_usage, "unknown option '-%c'", optopt);
	return cmd_usage(cmd_put_usage, "unknown option '%s'",
	    argv[optind - 1]);
}

static int
parse_opts(int argc, char **argv, struct put_opts *o)
{
	static const struct option opts[] = {
		{ "stdin", no_argument, NULL, 's' },
		{ "stdin-paths", no_argument, NULL, 'p' },
		{ "batch", no_argument, NULL, 'b' },
		{ "stats", no_argument, NULL, 'S' },
		{ "literally", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->type = CAIRN_OBJ_BLOB;
	while ((c = getopt_long(argc, argv, ":t:nzr:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': o->dir = optarg; break;
		case 't':
			if ((o->type = cmd_parse_type(optarg)) == 0)
				return cmd_usage(cmd_put_usage,
				    "unknown object type '%s'", optarg);
			break;
		case 'n': o->dry = 1; break;
		case 'z': o->nul = 1; break;
		case 's': o->stdin_ = 1; break;
		case 'p': o->paths = 1; break;
		case 'b': o->batch = 1; break;
		case 'S': o->stats = 1; break;
		case 'L': o->literally = 1; break;
		case 'h':
			printf("usage: %s\n", cmd_put_usage);
			return -1;
		default:
			return bad_option(c, argv);
		}
	}
	if (o->stdin_ + o->paths + o->batch + (o->dir != NULL) > 1)
		return cmd_usage(cmd_put_usage,
		    "--stdin, --stdin-paths, --batch and -r exclude each other");
	if (o->dir != NULL && o->type != CAIRN_OBJ_BLOB)
		return cmd_usage(cmd_put_usage, "-r stores blobs and trees; -t "
		    "does not apply");
	if ((o->stdin_ || o->paths || o->batch || o->dir) && optind < argc)
		return cmd_usage(cmd_put_usage, "unexpected argument '%s'",
		    argv[optind]);
	if (!o->stdin_ && !o->paths && !o->batch && !o->dir && optind == argc)
		return cmd_usage(cmd_put_usage, "no file given");
	if (o->nul && !o->paths)
		return cmd_usage(cmd_put_usage, "-z needs --stdin-paths");
	if (o->stats && !o->batch)
		return cmd_usage(cmd_put_usage, "--stats needs --batch");
	return 0;
}

/*
 * cmd_open with CAIRN_OPEN_LITERALLY when asked.
 * XXX cmd_open has no flags argument; this repeats it with one.
 */
static const struct cairn_error *
open_repo(struct cairn_repo **out, int write, unsigned flags)
{
	const struct cairn_error *err;
	char *path;

	if (!flags)
		return cmd_open(out, write);
	if ((err = cmd_repo_path(&path)) != NULL)
		return err;
	err = cairn_repo_open(path,
	    flags | (write && !cmd_global.read_only ? 0 : CAIRN_OPEN_READ_ONLY),
	    out);
	free(path);
	return err;
}

static const struct cairn_error *
put_open(struct putter *p, int dry, int literally)
{
	const struct cairn_error *err;

	memset(p, 0, sizeof(*p));
	p->dry = dry;
	p->algo = CAIRN_HASH_SHA256;
	p->check_flags = literally ? CAIRN_CHECK_LITERALLY : 0;
	err = open_repo(&p->repo, !dry, literally ? CAIRN_OPEN_LITERALLY : 0);
	if (err != NULL && dry && err->code == CAIRN_ERR_NOT_REPO)
		return NULL;
	if (err == NULL)
		p->algo = cairn_repo_hash_algo(p->repo);
	return err;
}

/*
 * The bytes left on standard input if it is a regular file (which never
 * keeps a reader waiting), else -1: the length is not known in advance.
 */
static int64_t
stdin_size(void)
{
	struct stat st;
	off_t at;

	if (fstat(0, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (at = lseek(0, 0, SEEK_CUR)) < 0 || at > st.st_size)
		return -1;
	return (int64_t)(st.st_size - at);
}

/* -r; with -n into a scratch memory repository of the same hash. */
static const struct cairn_error *
put_dir(struct putter *p, const char *dir, struct cairn_oid *id)
{
	const struct cairn_error *err;
	struct cairn_repo *scratch;

	if (!p->dry) {
		cairn_repo_set_progress(p->repo, cmd_meter_progress, &p->meter);
		err = cairn_tree_put_dir(p->repo, dir, id);
		cairn_repo_set_progress(p->repo, NULL, NULL);
		return err;
	}
	if ((err = cairn_repo_open(NULL,
	    CAIRN_OPEN_MEMORY | (p->check_flags ? CAIRN_OPEN_LITERALLY : 0) |
	    (p->algo == CAIRN_HASH_SHA1 ? CAIRN_OPEN_SHA1 : 0),
	    &scratch)) != NULL)
		return err;
	cairn_repo_set_progress(scratch, cmd_meter_progress, &p->meter);
	err = cairn_tree_put_dir(scratch, dir, id);
	cairn_repo_close(scratch);
	return err;
}

static const struct cairn_error *
put_run(struct putter *p, const struct put_opts *o, int argc, char **argv)
{
	const struct cairn_error *err = NULL;
	struct cairn_oid id;
	char hex[CAIRN_OID_HEXMAX + 1];
	int fd = 0, i;

	/* Many objects: hashed and compressed on worker threads. */
	if (!p->dry && (o->batch || o->paths || argc > 1) &&
	    (err = cairn_ingest_open(&p->ing, p->repo, noted, p)) != NULL)
		return err;
	if (o->batch)
		return put_batch(p);
	if (o->dir != NULL) {
		if ((err = put_dir(p, o->dir, &id)) == NULL) {
			cmd_meter_stdout();
			printf("%s\n", cairn_oid_fmt(&id, hex));
			fflush(stdout);
		}
		return err;
	}
	if (o->paths)
		return put_paths(p, o->type, o->nul ? '\0' : '\n');
	if (o->stdin_) {
		err = put_stream(p, &id, o->type, cairn_fd_read, &fd,
		    stdin_size());
		return err ? err : put_note(p, &id, 0);
	}
	for (i = 0; i < argc && err == NULL; i++) {
		if (strcmp(argv[i], "-") == 0) {
			err = put_stream(p, &id, o->type, cairn_fd_read, &fd,
			    stdin_size());
			if (err == NULL)
				err = put_note(p, &id, 0);
		} else
			err = put_file(p, o->type, argv[i]);
		/* Bounded batches: memory does not grow with the list. */
		if (err == NULL && put_full(p))
			err = put_commit(p);
	}
	return err;
}

int
cmd_put(int argc, char **argv)
{
	const struct cairn_error *err, *cerr;
	struct put_opts o;
	struct putter p;
	int r;

	if ((r = parse_opts(argc, argv, &o)) != 0)
		return r < 0 ? cmd_finish_output(0) : r;
	if ((err = put_open(&p, o.dry, o.literally)) != NULL)
		return cmd_fail(err);
	/* The modes that may take long have a meter (put_open zeroed it). */
	if (o.dir != NULL || o.paths || o.batch)
		cmd_meter_start(&p.meter, "put", o.batch ? "objects" : "files");
	err = put_run(&p, &o, argc - optind, argv + optind);
	/* What was complete before an error is still stored and printed. */
	cerr = put_commit(&p);
	if (err == NULL)
		err = cerr;
	if (err == NULL)
		cmd_meter_done(&p.meter);
	else
		cmd_meter_stop(&p.meter);
	cairn_ingest_close(p.ing);
	if (o.stats)
		cmd_print_counters(p.repo);
	cmd_close(p.repo);
	free(p.ids);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}
