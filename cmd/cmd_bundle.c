/*
 * cmd_bundle.c: cairn bundle, objects and the refs that name them moved
 * as one file.
 *
 * A bundle is:
 *
 *   # cairn bundle v1
 *   object-format <sha256|sha1>
 *   prerequisite <hex>          one per commit the receiver must have
 *   ref <hex> <name>            one per object the bundle was made for
 *   objects <n>                 the number of object records
 *   (an empty line)
 *   the object stream (transfer.h): every object reachable from the refs
 *     and not from the prerequisites, then the end record
 *   32 bytes: the SHA-256 of every byte before them
 *
 * The header is text, a line at most CMD_LINE_MAX bytes; lines are in
 * this order, and a reader refuses a line it does not know.  A damaged
 * bundle (a bad header, an object that does not hash to its id, a wrong
 * count, a checksum that does not match, bytes after it) is refused
 * with exit status 1, as is one whose prerequisites the repository
 * lacks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"
#include "transfer.h"

const char cmd_bundle_usage[] =
    "cairn bundle create <file> <object>... [--not <object>...]\n"
    "       cairn bundle verify <file>\n"
    "       cairn bundle list <file>\n"
    "       cairn bundle unbundle <file>";

#define MAGIC "# cairn bundle v1"

struct bundle_ref {
	struct cairn_oid id;
	char *name;
};

/* A bundle's header, as read. */
struct bundle {
	const char *file;
	int fd;
	struct cmd_input in;
	struct cairn_hasher h;	/* over every byte read */
	enum cairn_hash_algo algo;
	struct xfer_ids prereq;
	struct bundle_ref *refs;
	size_t nrefs;
	uint64_t objects;
};

static void
bundle_release(struct bundle *b)
{
	size_t i;

	for (i = 0; i < b->nrefs; i++)
		free(b->refs[i].name);
	free(b->refs);
	xfer_ids_release(&b->prereq);
	cairn_hasher_release(&b->h);
	cmd_input_release(&b->in);
	if (b->fd > 0)
		close(b->fd);
}

static const struct cairn_error *
damaged(const struct bundle *b, const char *why)
{
	return cairn_error_new(CAIRN_ERR_CORRUPT, "%s is not a valid bundle: "
	    "%s", b->file, why);
}

/* The next header line, hashed; *line without its newline. */
static const struct cairn_error *
header_line(struct bundle *b, char **line)
{
	size_t len;
	int complete, r;

	if ((r = cmd_input_line(&b->in, '\n', line, &len, &complete)) < 0)
		return b->in.too_long ? damaged(b, "a header line is too long")
		    : cairn_error_sys(b->in.err, "read %s", b->file);
	if (r == 0 || !complete)
		return damaged(b, "the header is truncated");
	if (strlen(*line) != len)
		return damaged(b, "the header holds a NUL byte");
	(void)cairn_hasher_update(&b->h, *line, len);
	return cairn_hasher_update(&b->h, "\n", 1);
}

static const struct cairn_error *
parse_id(struct bundle *b, const char *hex, size_t len, struct cairn_oid *id)
{
	if (cairn_oid_parse(b->algo, hex, len, id) != NULL)
		return damaged(b, "a header line holds a malformed id");
	return NULL;
}

/* Open file ("-": standard input) and read its header. */
static const struct cairn_error *
bundle_open(struct bundle *b, const char *file)
{
	const struct cairn_error *err;
	struct bundle_ref *r;
	struct cairn_oid id;
	size_t hl;
	char *line, *end;
	unsigned long long n;
	int stage = 0;

	memset(b, 0, sizeof(*b));
	b->file = strcmp(file, "-") == 0 ? "standard input" : file;
	if (strcmp(file, "-") == 0)
		b->fd = 0;
	else if ((b->fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return cairn_error_new(errno == ENOENT ? CAIRN_ERR_NOT_FOUND :
		    CAIRN_ERR_IO, "cannot open bundle '%s': %s", file,
		    strerror(errno));
	cmd_input_init(&b->in, b->fd);
	if ((err = cairn_hasher_init(&b->h, CAIRN_HASH_SHA256)) != NULL ||
	    (err = header_line(b, &line)) != NULL)
		return err;
	if (strcmp(line, MAGIC) != 0)
		return damaged(b, "it does not begin with '" MAGIC "'");
	if ((err = header_line(b, &line)) != NULL)
		return err;
	if (strncmp(line, "object-format ", 14) != 0 ||
	    (b->algo = cairn_hash_parse(line + 14)) == 0)
		return damaged(b, "no known object-format line");
	hl = 2 * cairn_hash_len(b->algo);
	for (;;) {
		if ((err = header_line(b, &line)) != NULL)
			return err;
		if (stage == 0 && strncmp(line, "prerequisite ", 13) == 0) {
			if (strlen(line + 13) != hl)
				return damaged(b, "a prerequisite line is "
				    "malformed");
			if ((err = parse_id(b, line + 13, hl, &id)) != NULL ||
			    (err = xfer_ids_add(&b->prereq, &id)) != NULL)
				return err;
		} else if (stage <= 1 && strncmp(line, "ref ", 4) == 0) {
			stage = 1;
			if (strlen(line + 4) < hl + 2 || line[4 + hl] != ' ')
				return damaged(b, "a ref line is malformed");
			if ((err = parse_id(b, line + 4, hl, &id)) != NULL)
				return err;
			if (cairn_ref_name_check(line + 5 + hl) != NULL)
				return damaged(b, "a ref line holds an invalid "
				    "name");
			if ((r = realloc(b->refs, (b->nrefs + 1) *
			    sizeof(*r))) == NULL)
				return cairn_error_nomem();
			b->refs = r;
			r[b->nrefs].id = id;
			if ((r[b->nrefs].name = strdup(line + 5 + hl)) ==
			    NULL)
				return cairn_error_nomem();
			b->nrefs++;
		} else if (strncmp(line, "objects ", 8) == 0) {
			errno = 0;
			n = strtoull(line + 8, &end, 10);
			if (line[8] < '0' || line[8] > '9' || *end != '\0' ||
			    errno != 0)
				return damaged(b, "the objects line is "
				    "malformed");
			b->objects = n;
			break;
		} else
			return damaged(b, "a header line is not known");
	}
	if ((err = header_line(b, &line)) != NULL)
		return err;
	if (*line != '\0')
		return damaged(b, "the header does not end with an empty line");
	return NULL;
}

/*
 * Read the objects (storing them in repo, if not NULL) and the checksum,
 * on a meter titled title.
 */
static const struct cairn_error *
bundle_read_objects(struct bundle *b, struct cairn_repo *repo,
    const char *title)
{
	const struct cairn_error *err;
	unsigned char sum[32], extra;
	struct cairn_oid want;
	struct cmd_meter m;
	uint64_t count;

	cmd_meter_start(&m, title, "objects");
	err = xfer_receive_metered(repo, b->algo, &b->in, &b->h, &m,
	    b->objects, &count);
	if (err == NULL)
		cmd_meter_done(&m);
	else
		cmd_meter_stop(&m);
	if (err != NULL)
		return err->code == CAIRN_ERR_CORRUPT ? damaged(b, err->msg) :
		    err;
	if (count != b->objects)
		return damaged(b, "its object count does not match its header");
	if ((err = cairn_hasher_final(&b->h, &want)) != NULL)
		return err;
	if ((err = xfer_read_full(&b->in, sum, sizeof(sum), NULL,
	    "bundle")) != NULL)
		return err->code == CAIRN_ERR_CORRUPT ?
		    damaged(b, "its checksum is truncated") : err;
	if (want.len != sizeof(sum) || memcmp(want.hash, sum, sizeof(sum)))
		return damaged(b, "its checksum does not match");
	if (cmd_input_read(&b->in, &extra, 1) != 0)
		return damaged(b, "bytes follow its checksum");
	return NULL;
}

/* Every prerequisite is in repo: else CAIRN_ERR_NOT_FOUND naming one. */
static const struct cairn_error *
check_prereqs(struct bundle *b, struct cairn_repo *repo)
{
	char hex[CAIRN_OID_HEXMAX + 1];
	enum cairn_otype type;
	size_t i;

	if (cairn_repo_hash_algo(repo) != b->algo)
		return cairn_error_new(CAIRN_ERR_NOT_FOUND, "%s holds %s "
		    "objects but the repository is %s", b->file,
		    cairn_hash_name(b->algo),
		    cairn_hash_name(cairn_repo_hash_algo(repo)));
	for (i = 0; i < b->prereq.n; i++)
		if (cairn_object_stat(repo, &b->prereq.v[i], &type, NULL) !=
		    NULL || type != CAIRN_OBJ_COMMIT)
			return cairn_error_new(CAIRN_ERR_NOT_FOUND, "the "
			    "repository lacks the prerequisite commit %s",
			    cairn_oid_fmt(&b->prereq.v[i], hex));
	return NULL;
}

/* A damaged bundle is exit status 1, as a missing prerequisite is. */
static int
bundle_fail(const struct cairn_error *err)
{
	if (err->code == CAIRN_ERR_CORRUPT)
		err = cairn_error_relabel(err, CAIRN_ERR_NOT_FOUND, "%s",
		    err->msg);
	return cmd_fail(err);
}

static int
bundle_create(int argc, char **argv)
{
	const struct cairn_error *err = NULL;
	struct xfer_ids tips = { 0 }, hide = { 0 }, ids = { 0 }, prereq = { 0 };
	struct cairn_repo *repo = NULL;
	struct cairn_hasher h = { 0 };
	struct xfer_out *o = NULL;
	struct cairn_oid id, sum;
	struct cmd_meter m;
	const char *file = argv[1];
	char hex[CAIRN_OID_HEXMAX + 1];
	char *tmp = NULL;
	FILE *fp = NULL;
	int i, not = 0, nrefs = 0;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--not") == 0) {
			not = 1;
			continue;
		}
		if ((err = cairn_rev_check(argv[i])) != NULL)
			return cmd_fail(err);
		nrefs += !not;
	}
	if (nrefs == 0)
		return cmd_usage(cmd_bundle_usage, "no object given");
	if ((err = cmd_open(&repo, 0)) != NULL)
		return cmd_fail(err);
	not = 0;
	for (i = 2; err == NULL && i < argc; i++) {
		if (strcmp(argv[i], "--not") == 0)
			not = 1;
		else if ((err = cairn_rev_resolve(repo, argv[i], &id)) == NULL)
			err = xfer_ids_add(not ? &hide : &tips, &id);
	}
	if (err == NULL)
		err = xfer_collect(repo, tips.v, tips.n, hide.v, hide.n, &ids);
	/* The prerequisites: the commits --not names. */
	for (i = 0; err == NULL && (size_t)i < hide.n; i++) {
		char rev[CAIRN_OID_HEXMAX + 16];

		snprintf(rev, sizeof(rev), "%s^{commit}",
		    cairn_oid_fmt(&hide.v[i], hex));
		if (cairn_rev_resolve(repo, rev, &id) == NULL)
			err = xfer_ids_add(&prereq, &id);
	}
	if (err == NULL && (o = calloc(1, sizeof(*o))) == NULL)
		err = cairn_error_nomem();
	if (err == NULL && strcmp(file, "-") == 0)
		fp = stdout;
	else if (err == NULL)
		err = cmd_output_open(file, &fp, &tmp);
	if (err == NULL)
		err = cairn_hasher_init(&h, CAIRN_HASH_SHA256);
	if (err == NULL) {
		char line[CAIRN_OID_HEXMAX + 64];
		int ti = 0;

		fflush(fp);
		o->fd = fileno(fp);
		o->h = &h;
		xfer_put(o, MAGIC "\n", strlen(MAGIC) + 1);
		snprintf(line, sizeof(line), "object-format %s\n",
		    cairn_hash_name(cairn_repo_hash_algo(repo)));
		xfer_put(o, line, strlen(line));
		for (i = 0; (size_t)i < prereq.n; i++) {
			snprintf(line, sizeof(line), "prerequisite %s\n",
			    cairn_oid_fmt(&prereq.v[i], hex));
			xfer_put(o, line, strlen(line));
		}
		for (i = 2; i < argc && strcmp(argv[i], "--not") != 0; i++) {
			/* A ref is named as given; another object by id. */
			struct cairn_oid r;
			const char *name = cairn_ref_get(repo, argv[i], &r) ==
			    NULL ? argv[i] : cairn_oid_fmt(&tips.v[ti], hex);

			cairn_oid_fmt(&tips.v[ti], line);
			xfer_put(o, "ref ", 4);
			xfer_put(o, line, strlen(line));
			xfer_put(o, " ", 1);
			xfer_put(o, name, strlen(name));
			xfer_put(o, "\n", 1);
			ti++;
		}
		snprintf(line, sizeof(line), "objects %zu\n\n", ids.n);
		xfer_put(o, line, strlen(line));
		cmd_meter_start(&m, "bundle", "objects");
		o->meter = &m;
		err = xfer_send(repo, &ids, NULL, o);
		if (err == NULL)
			cmd_meter_done(&m);
		else
			cmd_meter_stop(&m);
		if (err == NULL)
			err = cairn_hasher_final(&h, &sum);
		if (err == NULL) {
			o->h = NULL;
			xfer_put(o, sum.hash, sum.len);
			err = xfer_flush(o);
		}
		if (err != NULL && err->code == CAIRN_ERR_IO && fp != stdout)
			err = cairn_error_relabel(err, CAIRN_ERR_NONE,
			    "write to %s: %s", file, err->msg);
	}
	if (fp != NULL && fp != stdout)
		err = cmd_output_close(fp, file, tmp, err);
	cairn_hasher_release(&h);
	free(o);
	xfer_ids_release(&tips);
	xfer_ids_release(&hide);
	xfer_ids_release(&ids);
	xfer_ids_release(&prereq);
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}

static int
bundle_verify(const char *file)
{
	const struct cairn_error *err;
	struct cairn_repo *repo = NULL;
	struct bundle b;
	char *path;
	int status;

	if ((err = bundle_open(&b, file)) == NULL &&
	    (err = bundle_read_objects(&b, NULL, "verify")) == NULL &&
	    cmd_repo_path(&path) == NULL) {
		/* In a repository, its prerequisites must be there. */
		free(path);
		if ((err = cmd_open(&repo, 0)) == NULL)
			err = check_prereqs(&b, repo);
		cmd_close(repo);
	}
	if (err == NULL)
		printf("%s is okay: %zu refs, %llu objects, %zu prerequisites\n",
		    b.file, b.nrefs, (unsigned long long)b.objects, b.prereq.n);
	status = err ? bundle_fail(err) : cmd_finish_output(0);
	bundle_release(&b);
	return status;
}

static int
bundle_list(const char *file)
{
	const struct cairn_error *err;
	char hex[CAIRN_OID_HEXMAX + 1];
	struct bundle b;
	size_t i;
	int status;

	if ((err = bundle_open(&b, file)) == NULL)
		for (i = 0; i < b.nrefs; i++) {
			fputs(cairn_oid_fmt(&b.refs[i].id, hex), stdout);
			putchar(' ');
			cmd_print_path(b.refs[i].name, strlen(b.refs[i].name));
			putchar('\n');
		}
	status = err ? bundle_fail(err) : cmd_finish_output(0);
	bundle_release(&b);
	return status;
}

static int
bundle_unbundle(const char *file)
{
	const struct cairn_error *err;
	struct cairn_repo *repo = NULL;
	struct xfer_ids have = { 0 }, tips = { 0 };
	char hex[CAIRN_OID_HEXMAX + 1];
	struct bundle b;
	size_t i;
	int status;

	memset(&b, 0, sizeof(b));
	if ((err = cmd_open(&repo, 1)) == NULL &&
	    (err = bundle_open(&b, file)) == NULL &&
	    (err = check_prereqs(&b, repo)) == NULL &&
	    (err = bundle_read_objects(&b, repo, "unbundle")) == NULL) {
		/* What the refs reach is all here now. */
		for (i = 0; err == NULL && i < b.nrefs; i++)
			err = xfer_ids_add(&tips, &b.refs[i].id);
		for (i = 0; err == NULL && i < b.prereq.n; i++)
			err = xfer_ids_add(&have, &b.prereq.v[i]);
		if (err == NULL)
			err = xfer_ref_tips(repo, &have);
		if (err == NULL && (err = xfer_connected(repo, tips.v, tips.n,
		    have.v, have.n)) != NULL && err->code ==
		    CAIRN_ERR_NOT_FOUND)
			err = damaged(&b, err->msg);
	}
	for (i = 0; err == NULL && i < b.nrefs; i++) {
		fputs(cairn_oid_fmt(&b.refs[i].id, hex), stdout);
		putchar(' ');
		cmd_print_path(b.refs[i].name, strlen(b.refs[i].name));
		putchar('\n');
	}
	status = err ? bundle_fail(err) : cmd_finish_output(0);
	xfer_ids_release(&have);
	xfer_ids_release(&tips);
	bundle_release(&b);
	cmd_close(repo);
	return status;
}

int
cmd_bundle(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_getopt g;
	const char *sub;
	int c;

	/* Options end at the subcommand; create's --not is an operand. */
	cmd_getopt_init(&g, 1);
	if ((c = cmd_getopt(&g, argc, argv, "h", opts, cmd_bundle_usage)) !=
	    -1)
		return c == 'h' ? cmd_help(cmd_bundle_usage) : 2;
	if (g.ind == argc)
		return cmd_usage(cmd_bundle_usage, "no subcommand given");
	sub = argv[g.ind];
	argc -= g.ind;
	argv += g.ind;
	if (argc > 1 && strcmp(argv[1], "--help") == 0)
		return cmd_help(cmd_bundle_usage);
	if (strcmp(sub, "create") == 0) {
		if (argc < 2)
			return cmd_usage(cmd_bundle_usage, "no file given");
		return bundle_create(argc, argv);
	}
	if (strcmp(sub, "verify") != 0 && strcmp(sub, "list") != 0 &&
	    strcmp(sub, "unbundle") != 0)
		return cmd_usage(cmd_bundle_usage, "unknown subcommand '%s'",
		    sub);
	if (argc != 2)
		return cmd_usage(cmd_bundle_usage, argc < 2 ? "no file given" :
		    "too many arguments");
	if (strcmp(sub, "verify") == 0)
		return bundle_verify(argv[1]);
	if (strcmp(sub, "list") == 0)
		return bundle_list(argv[1]);
	return bundle_unbundle(argv[1]);
}
