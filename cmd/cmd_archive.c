/*
 * cmd_archive.c: cairn archive, a tree as a tar file, byte for byte as
 * git archive --format=tar writes it.
 *
 * The layout (git's archive-tar.c):
 *   - for a commit, a pax global header ("pax_global_header", type 'g')
 *     holding "comment=<commit id>";
 *   - each entry in tree order, a tree before what it holds: a ustar
 *     header of 512 bytes (mode, size and mtime in octal, uid and gid 0,
 *     user and group "root", magic "ustar\0" and version "00", checksum),
 *     then for a file its content padded to 512 bytes.  A name longer
 *     than 100 bytes is split into prefix and name where it can be, else
 *     the header is named "<id>.data" and a pax extended header
 *     ("<id>.paxheader", type 'x') before it carries "path=<name>"; a
 *     link target longer than 100 bytes likewise goes in "linkpath", and
 *     a size too large for the field in "size".
 *   - modes under git's default tar.umask 002: files 0664, executables
 *     and directories 0775, symlinks 0777; a gitlink is an empty
 *     directory.  mtime is the committer date (now for a bare tree).
 *   - the whole is written in blocks of 10240 bytes and ends with at least
 *     two zero records of 512.
 * A directory is written when the first entry below it is, so a path
 * limit writes the directories that lead to what it names.  Every limit
 * is found in the tree before anything is written.  -o <file> writes to
 * a file, tar.gz when its name ends in .tar.gz or .tgz, as git infers.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cmd.h"

const char cmd_archive_usage[] =
    "cairn archive [--format=tar|tar.gz] [--prefix=<prefix>] [-o <file>] "
    "<tree-ish> [<path>...]";

#define RECORD 512
#define BLOCK (RECORD * 20)
#define USTAR_MAX_SIZE 077777777777ULL
#define USTAR_MAX_MTIME 077777777777ULL
#define TREE_DEPTH_MAX 512

struct ustar {
	char name[100], mode[8], uid[8], gid[8], size[12], mtime[12];
	char chksum[8], typeflag[1], linkname[100], magic[6], version[2];
	char uname[32], gname[32], devmajor[8], devminor[8], prefix[155];
	char pad[12];
};

/* A directory entered, not yet written (written with its first entry). */
struct pending_dir {
	struct cairn_oid id;
	size_t len;		/* of its path, with the '/' */
};

struct archive {
	struct cairn_repo *repo;
	gzFile gz;		/* tar.gz, else out */
	FILE *out;		/* stdout, or the -o file */
	const char *outname;	/* for messages */
	unsigned char block[BLOCK];
	size_t off;
	uint64_t mtime;
	const struct cairn_error *err;
	char **paths;		/* limits, trailing '/' dropped */
	size_t npaths;
	int *used;		/* per limit: it matched something */
	struct {
		char *data;
		size_t len, cap;
	} path;			/* the entry's, prefix first */
	struct pending_dir *dirs;
	size_t ndirs, capdirs, written;	/* dirs[0..written) are out */
};

static void
flush_block(struct archive *a)
{
	if (a->err != NULL)
		return;
	if (a->gz != NULL) {
		if (gzwrite(a->gz, a->block, BLOCK) != BLOCK)
			a->err = cairn_error_new(CAIRN_ERR_IO, "write to "
			    "%s: %s", a->outname, strerror(errno));
	} else if (fwrite(a->block, 1, BLOCK, a->out) != BLOCK) {
		a->err = cairn_error_sys(errno, "write to %s", a->outname);
	}
	a->off = 0;
}

static void
put(struct archive *a, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n;

	while (len > 0 && a->err == NULL) {
		n = BLOCK - a->off < len ? BLOCK - a->off : len;
		memcpy(a->block + a->off, p, n);
		a->off += n;
		p += n;
		len -= n;
		if (a->off == BLOCK)
			flush_block(a);
	}
}

/* Zeros up to the next record boundary. */
static void
pad(struct archive *a)
{
	static const unsigned char zero[RECORD];

	if (a->off % RECORD != 0)
		put(a, zero, RECORD - a->off % RECORD);
}

static const struct cairn_error *
sink(void *arg, const void *data, size_t len)
{
	struct archive *a = arg;

	put(a, data, len);
	return a->err;
}

/* A pax record "<len> <key>=<value>\n", its length counting itself. */
static int
pax_record(char **buf, size_t *len, const char *key, const char *value,
    size_t vlen)
{
	size_t n = 1 + 1 + strlen(key) + 1 + vlen + 1, tmp;
	char *nb;
	int w;

	for (tmp = 1; n / 10 >= tmp; tmp *= 10)
		n++;
	if ((nb = realloc(*buf, *len + n + 1)) == NULL)
		return -1;
	*buf = nb;
	w = sprintf(nb + *len, "%zu %s=", n, key);
	memcpy(nb + *len + (size_t)w, value, vlen);
	nb[*len + (size_t)w + vlen] = '\n';
	*len += n;
	return 0;
}

static void
header_finish(struct archive *a, struct ustar *h, unsigned mode,
    uint64_t size)
{
	const unsigned char *p = (const unsigned char *)h;
	unsigned sum = 0;
	size_t i;
	char tmp[16];

	snprintf(h->mode, sizeof(h->mode), "%07o", mode & 07777);
	snprintf(tmp, sizeof(tmp), "%011" PRIo64, (mode & 0170000) ==
	    0100000 ? size : 0);
	memcpy(h->size, tmp, sizeof(h->size));
	snprintf(tmp, sizeof(tmp), "%011" PRIo64, a->mtime);
	memcpy(h->mtime, tmp, sizeof(h->mtime));
	snprintf(h->uid, sizeof(h->uid), "%07o", 0);
	snprintf(h->gid, sizeof(h->gid), "%07o", 0);
	strcpy(h->uname, "root");
	strcpy(h->gname, "root");
	snprintf(h->devmajor, sizeof(h->devmajor), "%07o", 0);
	snprintf(h->devminor, sizeof(h->devminor), "%07o", 0);
	memcpy(h->magic, "ustar", 6);
	memcpy(h->version, "00", 2);
	memset(h->chksum, ' ', sizeof(h->chksum));
	for (i = 0; i < sizeof(*h); i++)
		sum += p[i];
	snprintf(h->chksum, sizeof(h->chksum), "%07o", sum);
}

/* A pax header of type flag (global 'g' or extended 'x'), then records. */
static void
pax_header(struct archive *a, char flag, const char *name, const char *rec,
    size_t len)
{
	struct ustar h;

	memset(&h, 0, sizeof(h));
	h.typeflag[0] = flag;
	snprintf(h.name, sizeof(h.name), "%s", name);
	header_finish(a, &h, 0100666, len);
	put(a, &h, sizeof(h));
	put(a, rec, len);
	pad(a);
}

/* Where a path of len bytes can be split into prefix and name. */
static size_t
prefix_len(const char *path, size_t len)
{
	size_t i = len;

	/* The last '/' in the first 155 bytes, not a directory's own. */
	if (i > 1 && path[i - 1] == '/')
		i--;
	if (i > 155)
		i = 155;
	do
		i--;
	while (i > 0 && path[i] != '/');
	return i;
}

/* One entry: header (and extended header), then a file's content. */
static void
write_entry(struct archive *a, const struct cairn_oid *id, const char *path,
    size_t len, unsigned mode, const char *target, size_t tlen,
    uint64_t size)
{
	char hex[CAIRN_OID_HEXMAX + 1], name[CAIRN_OID_HEXMAX + 16];
	char *ext = NULL, num[24];
	size_t extlen = 0, plen, rest;
	struct ustar h;
	int nomem = 0;

	memset(&h, 0, sizeof(h));
	cairn_oid_fmt(id, hex);
	if ((mode & 0170000) == 0040000 || (mode & 0170000) == 0160000) {
		h.typeflag[0] = '5';
		mode = (mode | 0777) & ~002u;
		mode = (mode & 07777) | 0040000;
	} else if ((mode & 0170000) == 0120000) {
		h.typeflag[0] = '2';
		mode |= 0777;
	} else {
		h.typeflag[0] = '0';
		mode = (mode | ((mode & 0100) ? 0777 : 0666)) & ~002u;
	}
	if (len > sizeof(h.name)) {
		plen = prefix_len(path, len);
		rest = len - plen - 1;
		if (plen > 0 && rest <= sizeof(h.name)) {
			memcpy(h.prefix, path, plen);
			memcpy(h.name, path + plen + 1, rest);
		} else {
			snprintf(h.name, sizeof(h.name), "%s.data", hex);
			nomem |= pax_record(&ext, &extlen, "path", path, len);
		}
	} else {
		memcpy(h.name, path, len);
	}
	if ((mode & 0170000) == 0120000) {
		if (tlen > sizeof(h.linkname)) {
			snprintf(h.linkname, sizeof(h.linkname),
			    "see %s.paxheader", hex);
			nomem |= pax_record(&ext, &extlen, "linkpath", target,
			    tlen);
		} else {
			memcpy(h.linkname, target, tlen);
		}
	}
	if ((mode & 0170000) == 0100000 && size > USTAR_MAX_SIZE) {
		snprintf(num, sizeof(num), "%" PRIu64, size);
		nomem |= pax_record(&ext, &extlen, "size", num, strlen(num));
		size = 0;
		/* The header says 0; the content follows all the same. */
		header_finish(a, &h, mode, 0);
	} else {
		header_finish(a, &h, mode, size);
	}
	if (nomem) {
		free(ext);
		if (a->err == NULL)
			a->err = cairn_error_nomem();
		return;
	}
	if (extlen > 0) {
		snprintf(name, sizeof(name), "%s.paxheader", hex);
		pax_header(a, 'x', name, ext, extlen);
	}
	free(ext);
	put(a, &h, sizeof(h));
}

static const struct cairn_error *
path_set(struct archive *a, size_t len, const char *name, size_t nlen,
    int slash)
{
	char *nd;
	size_t need = len + nlen + 2;

	if (need > a->path.cap) {
		if ((nd = realloc(a->path.data, need * 2)) == NULL)
			return cairn_error_nomem();
		a->path.data = nd;
		a->path.cap = need * 2;
	}
	memcpy(a->path.data + len, name, nlen);
	a->path.len = len + nlen;
	if (slash)
		a->path.data[a->path.len++] = '/';
	a->path.data[a->path.len] = '\0';
	return NULL;
}

/* Write the directories entered and not yet written. */
static void
write_dirs(struct archive *a)
{
	for (; a->written < a->ndirs && a->err == NULL; a->written++)
		write_entry(a, &a->dirs[a->written].id, a->path.data,
		    a->dirs[a->written].len, 0040000, NULL, 0, 0);
}

/*
 * Whether the entry at the current path is wanted: inside a limit (1),
 * a tree on the way to one (2), or neither (0).
 */
static int
wanted(struct archive *a, size_t base, int tree)
{
	const char *p = a->path.data + base;
	size_t len = a->path.len - base, i, l;
	int r = 0;

	if (a->npaths == 0)
		return 1;
	if (tree && len > 0 && p[len - 1] == '/')
		len--;
	for (i = 0; i < a->npaths; i++) {
		l = strlen(a->paths[i]);
		if (len >= l && memcmp(p, a->paths[i], l) == 0 &&
		    (len == l || p[l] == '/')) {
			a->used[i] = 1;
			return 1;
		}
		if (tree && l > len && memcmp(p, a->paths[i], len) == 0 &&
		    a->paths[i][len] == '/')
			r = 2;
	}
	return r;
}

static const struct cairn_error *
check_name(const struct cairn_oid *tree, const struct cairn_tree_entry *e)
{
	char hex[CAIRN_OID_HEXMAX + 1];

	if (e->name_len == 0 || memchr(e->name, '/', e->name_len) != NULL ||
	    (e->name_len == 1 && e->name[0] == '.') ||
	    (e->name_len == 2 && memcmp(e->name, "..", 2) == 0))
		return cairn_error_new(CAIRN_ERR_CORRUPT, "tree %s has an "
		    "entry named '%.*s', which would be written outside the "
		    "archive's directory", cairn_oid_fmt(tree, hex),
		    (int)e->name_len, e->name);
	return NULL;
}

struct name {
	const char *p;
	size_t len;
};

static int
name_cmp(const void *x, const void *y)
{
	const struct name *a = x, *b = y;
	int c = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);

	return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

/*
 * Two entries of one name (a symbolic link and a directory, say) would
 * let the second be written through the first when the archive is
 * extracted: such a tree is refused, as one with a bad name.
 */
static const struct cairn_error *
check_unique(struct archive *a, const struct cairn_oid *tree,
    const unsigned char *data, size_t len)
{
	const struct cairn_error *err = NULL;
	struct cairn_tree_entry e;
	struct name *v = NULL, *nv;
	size_t n = 0, cap = 0, pos = 0, i;
	char hex[CAIRN_OID_HEXMAX + 1];

	while (cairn_tree_next(data, len, &pos, cairn_repo_hash_algo(a->repo),
	    &e) == 1) {
		if (n == cap) {
			cap = cap * 2 + 64;
			if ((nv = realloc(v, cap * sizeof(*nv))) == NULL) {
				free(v);
				return cairn_error_nomem();
			}
			v = nv;
		}
		v[n].p = e.name;
		v[n++].len = e.name_len;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), name_cmp);
	for (i = 1; i < n && err == NULL; i++)
		if (name_cmp(&v[i - 1], &v[i]) == 0)
			err = cairn_error_new(CAIRN_ERR_CORRUPT, "tree %s has "
			    "two entries named '%.*s', which would be written "
			    "outside the archive's directory through each "
			    "other", cairn_oid_fmt(tree, hex), (int)v[i].len,
			    v[i].p);
	free(v);
	return err;
}

static const struct cairn_error *
archive_tree(struct archive *a, const struct cairn_oid *tree, size_t base,
    size_t root, int depth)
{
	const struct cairn_error *err = NULL;
	struct cairn_tree_entry e;
	struct pending_dir *nd;
	enum cairn_otype type;
	unsigned char *data, *target;
	size_t len, pos = 0, tlen;
	uint64_t size;
	int r, w;

	if (depth > TREE_DEPTH_MAX)
		return cairn_error_new(CAIRN_ERR_CORRUPT,
		    "trees nested too deep");
	if ((err = cairn_object_get(a->repo, tree, 0, &type, &data, &len)) !=
	    NULL)
		return err;
	if (type != CAIRN_OBJ_TREE) {
		free(data);
		return cairn_error_new(CAIRN_ERR_CORRUPT, "not a tree");
	}
	if ((err = check_unique(a, tree, data, len)) != NULL) {
		free(data);
		return err;
	}
	while (err == NULL && a->err == NULL && (r = cairn_tree_next(data,
	    len, &pos, cairn_repo_hash_algo(a->repo), &e)) == 1) {
		if ((err = check_name(tree, &e)) != NULL ||
		    (err = path_set(a, base, e.name, e.name_len,
		    e.mode == CAIRN_MODE_TREE || e.mode ==
		    CAIRN_MODE_GITLINK)) != NULL)
			break;
		w = wanted(a, root, e.mode == CAIRN_MODE_TREE);
		if (w == 0)
			continue;
		if (e.mode == CAIRN_MODE_TREE) {
			if (a->ndirs == a->capdirs) {
				a->capdirs = a->capdirs * 2 + 16;
				if ((nd = realloc(a->dirs, a->capdirs *
				    sizeof(*nd))) == NULL) {
					err = cairn_error_nomem();
					break;
				}
				a->dirs = nd;
			}
			a->dirs[a->ndirs].id = e.id;
			a->dirs[a->ndirs++].len = a->path.len;
			err = archive_tree(a, &e.id, a->path.len, root,
			    depth + 1);
			/* Leaving it: forget it if nothing below was written. */
			a->ndirs--;
			if (a->written > a->ndirs)
				a->written = a->ndirs;
			continue;
		}
		if (w != 1)
			continue;
		write_dirs(a);
		if (e.mode == CAIRN_MODE_GITLINK) {
			write_entry(a, &e.id, a->path.data, a->path.len,
			    e.mode, NULL, 0, 0);
		} else if (e.mode == CAIRN_MODE_LINK) {
			if ((err = cairn_object_get(a->repo, &e.id, 0, &type,
			    &target, &tlen)) != NULL)
				break;
			write_entry(a, &e.id, a->path.data, a->path.len,
			    e.mode, (const char *)target, tlen, 0);
			free(target);
		} else {
			if ((err = cairn_object_stat(a->repo, &e.id, &type,
			    &size)) != NULL)
				break;
			write_entry(a, &e.id, a->path.data, a->path.len,
			    e.mode, NULL, 0, size);
			if (a->err == NULL && size > 0 &&
			    (err = cairn_object_get_stream(a->repo, &e.id, 0,
			    sink, a)) == NULL)
				pad(a);
		}
	}
	if (err == NULL && a->err == NULL && r < 0)
		err = cairn_error_new(CAIRN_ERR_CORRUPT, "malformed tree");
	free(data);
	return err ? err : a->err;
}

/*
 * The tree rev names, and the time of its entries: a commit's (or a tag
 * of one's) committer date, with its id in *commit; else now.
 */
static const struct cairn_error *
resolve(struct archive *a, const char *rev, struct cairn_oid *tree,
    struct cairn_oid *commit, int *is_commit)
{
	const struct cairn_error *err;
	enum cairn_hash_algo algo = cairn_repo_hash_algo(a->repo);
	struct cairn_commit_info ci;
	enum cairn_otype type;
	unsigned char *data;
	size_t len;
	int i;

	*is_commit = 0;
	a->mtime = (uint64_t)time(NULL);
	if ((err = cairn_rev_resolve(a->repo, rev, tree)) != NULL)
		return err;
	*commit = *tree;
	for (i = 0; i < 64; i++) {
		if ((err = cairn_object_get(a->repo, commit, 0, &type, &data,
		    &len)) != NULL)
			return err;
		if (type == CAIRN_OBJ_TAG) {
			err = len > 7 ? cairn_oid_parse(algo, (char *)data + 7,
			    2 * cairn_hash_len(algo), commit) :
			    cairn_error_new(CAIRN_ERR_CORRUPT, "malformed tag");
		} else if (type == CAIRN_OBJ_COMMIT &&
		    (err = cairn_commit_parse(data, len, algo, &ci)) == NULL) {
			a->mtime = (uint64_t)ci.commit_time;
			*is_commit = 1;
		}
		free(data);
		if (err != NULL)
			return err;
		if (type != CAIRN_OBJ_TAG)
			break;
	}
	if ((err = cmd_peel_tree(a->repo, tree)) != NULL &&
	    err->code == CAIRN_ERR_INVALID)
		return cairn_error_new(CAIRN_ERR_INVALID, "'%s' is %s", rev,
		    err->msg);
	return err;
}

/*
 * Every limit names something in the tree, checked before anything is
 * written (as git does), so a wrong path leaves no partial archive.
 */
static const struct cairn_error *
check_paths(struct archive *a, const struct cairn_oid *tree)
{
	char hex[CAIRN_OID_HEXMAX + 1], *rev;
	struct cairn_oid id;
	const struct cairn_error *err;
	size_t i, n;

	cairn_oid_fmt(tree, hex);
	for (i = 0; i < a->npaths; i++) {
		n = strlen(hex) + 1 + strlen(a->paths[i]) + 1;
		if ((rev = malloc(n)) == NULL)
			return cairn_error_nomem();
		snprintf(rev, n, "%s:%s", hex, a->paths[i]);
		err = cairn_rev_resolve(a->repo, rev, &id);
		free(rev);
		if (err != NULL)
			return cairn_error_new(CAIRN_ERR_INVALID, "pathspec "
			    "'%s' did not match any files", a->paths[i]);
	}
	return NULL;
}

/* The format a -o file's name implies, as git infers it: 1 for gzip. */
static int
format_of(const char *file, int *gz)
{
	size_t l = strlen(file);

	if ((l > 7 && strcmp(file + l - 7, ".tar.gz") == 0) ||
	    (l > 4 && strcmp(file + l - 4, ".tgz") == 0))
		*gz = 1;
	else if (l > 4 && strcmp(file + l - 4, ".zip") == 0)
		return -1;
	return 0;
}

/* Limits as given, trailing '/' dropped. */
static const struct cairn_error *
take_paths(struct archive *a, char **argv, int n)
{
	int i;
	size_t l;

	if (n == 0)
		return NULL;
	a->paths = argv;
	a->npaths = (size_t)n;
	if ((a->used = calloc((size_t)n, sizeof(*a->used))) == NULL)
		return cairn_error_nomem();
	for (i = 0; i < n; i++) {
		l = strlen(argv[i]);
		while (l > 1 && argv[i][l - 1] == '/')
			argv[i][--l] = '\0';
		if (argv[i][0] == '/' || l == 0)
			return cairn_error_new(CAIRN_ERR_INVALID, "bad path "
			    "'%s': paths are taken from the tree's root",
			    argv[i]);
	}
	return NULL;
}

int
cmd_archive(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const unsigned char zero[RECORD * 2];
	const struct cairn_error *err = NULL;
	struct cairn_oid tree, commit;
	struct cmd_getopt g;
	struct archive *a;
	const char *prefix = "", *output = NULL;
	char *tmp = NULL;
	char hex[CAIRN_OID_HEXMAX + 1];
	char *rec = NULL;
	size_t reclen = 0, i, plen;
	int c, gz = -1, is_commit, status, fd;

	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "ho:", opts,
	    cmd_archive_usage)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(g.arg, "tar") == 0)
				gz = 0;
			else if (strcmp(g.arg, "tar.gz") == 0 ||
			    strcmp(g.arg, "tgz") == 0)
				gz = 1;
			else
				return cmd_usage(cmd_archive_usage, "unknown "
				    "format '%s' (tar or tar.gz)", g.arg);
			break;
		case 'p':
			prefix = g.arg;
			break;
		case 'o':
			output = g.arg;
			break;
		case 'h':
			return cmd_help(cmd_archive_usage);
		default:
			return 2;
		}
	}
	if (argc == g.ind)
		return cmd_usage(cmd_archive_usage, "expected a tree");
	if (output != NULL && *output == '\0')
		return cmd_usage(cmd_archive_usage, "-o needs a file name");
	if (gz < 0 && output != NULL && format_of(output, &gz) != 0)
		return cmd_usage(cmd_archive_usage, "'%s' names a zip file; "
		    "give --format=tar or tar.gz", output);
	if (gz < 0)
		gz = 0;
	if ((err = cairn_rev_check(argv[g.ind])) != NULL)
		return cmd_fail(err);
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return cmd_fail(cairn_error_nomem());
	if ((err = take_paths(a, argv + g.ind + 1, argc - g.ind - 1)) != NULL ||
	    (err = cmd_open(&a->repo, 0)) != NULL) {
		free(a->used);
		free(a);
		return cmd_fail(err);
	}
	a->out = stdout;
	a->outname = "standard output";
	if ((err = resolve(a, argv[g.ind], &tree, &commit, &is_commit)) ==
	    NULL)
		err = check_paths(a, &tree);
	/* The file is made once the archive is known to have content. */
	if (err == NULL && output != NULL)
		if ((err = cmd_output_open(output, &a->out, &tmp)) == NULL)
			a->outname = output;
	if (err == NULL && gz) {
		fflush(a->out);
		if ((fd = dup(fileno(a->out))) < 0)
			err = cairn_error_sys(errno, "%s", a->outname);
		else if ((a->gz = gzdopen(fd, "wb")) == NULL) {
			close(fd);
			err = cairn_error_nomem();
		}
	}
	cairn_oid_fmt(&commit, hex);
	if (err == NULL && is_commit && pax_record(&rec, &reclen, "comment",
	    hex, strlen(hex)) != 0)
		err = cairn_error_nomem();
	if (err == NULL && a->mtime > USTAR_MAX_MTIME) {
		char num[24];

		snprintf(num, sizeof(num), "%" PRIu64, a->mtime);
		if (pax_record(&rec, &reclen, "mtime", num, strlen(num)) != 0)
			err = cairn_error_nomem();
		a->mtime = USTAR_MAX_MTIME;
	}
	if (err == NULL && reclen > 0)
		pax_header(a, 'g', "pax_global_header", rec, reclen);
	free(rec);
	plen = strlen(prefix);
	if (err == NULL && (err = path_set(a, 0, prefix, plen, 0)) == NULL) {
		/* A prefix ending in '/' is a directory of its own, as git. */
		if (plen > 0 && prefix[plen - 1] == '/') {
			size_t l = plen;

			while (l > 1 && prefix[l - 2] == '/')
				l--;
			write_entry(a, &tree, prefix, l, 040777, NULL, 0, 0);
		}
		err = archive_tree(a, &tree, plen, plen, 0);
	}
	for (i = 0; err == NULL && i < a->npaths; i++)
		if (!a->used[i])
			err = cairn_error_new(CAIRN_ERR_INVALID, "pathspec "
			    "'%s' did not match any files", a->paths[i]);
	if (err == NULL) {
		/* The trailer: at least two zero records, whole blocks. */
		if (BLOCK - a->off < 2 * RECORD) {
			put(a, zero, BLOCK - a->off);
			put(a, zero, 2 * RECORD);
		} else {
			put(a, zero, 2 * RECORD);
		}
		if (a->off > 0) {
			memset(a->block + a->off, 0, BLOCK - a->off);
			flush_block(a);
		}
		err = a->err;
	}
	if (a->gz != NULL && gzclose(a->gz) != Z_OK && err == NULL)
		err = cairn_error_new(CAIRN_ERR_IO, "write to %s: %s",
		    a->outname, strerror(errno));
	if (a->out != NULL && a->out != stdout)
		err = cmd_output_close(a->out, output, tmp, err);
	else
		free(tmp);
	cmd_close(a->repo);
	free(a->path.data);
	free(a->dirs);
	free(a->used);
	free(a);
	status = err ? cmd_fail(err) : cmd_finish_output(0);
	return status;
}
