/*
 * gen: deterministic input generator for the benchmark (tests/bench/run.sh).
 * Every mode writes to stdout and depends only on its arguments.
 *
 *   gen put N          N blobs as a `cairn put --batch` stream
 *   gen fastimport N   the same N blobs as a `git fast-import` stream
 *   gen total N        total content bytes of those N blobs
 *   gen miss N SEED    N random 40-digit hex ids (absent from any corpus)
 *   gen shuffle SEED   the lines of stdin in a random order
 *   gen bytes MIB      MIB mebibytes of incompressible bytes
 *   gen trees FMT PER  trees of the blobs whose hex ids are the lines of
 *                      stdin: PER entries each (the last one may have
 *                      fewer), a regular file "f<line number>.c" (mode
 *                      100644) per id, in input order
 *   gen root FMT       one tree of the trees whose hex ids are the lines
 *                      of stdin: a directory "d<line number>" per id
 *   gen files N DIR PER
 *                      the N blobs as files in the existing directory
 *                      DIR: blob i is DIR/d<i / PER>/f<i>.c
 *
 * FMT is "cairn" (records of a `cairn put --batch` stream, the trees in
 * git's binary format) or "git" (`git mktree --batch` input: one
 * `ls-tree` line per entry, trees separated by an empty line).  Names
 * have a fixed width, so input order is git's tree order.
 *
 * Blob i is text that compresses roughly like source code: tokens drawn from
 * a small vocabulary, in indented lines.  Its first line names i, so all
 * blobs differ.  Sizes are spread log-uniformly over 64 B .. 4 KiB (like
 * the files of a source tree), mean about 1 KiB.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SEED 0x636169726e2d6265ULL
#define MIN_SIZE 64
#define MAX_SIZE 4096

static const char *const vocab[] = {
	"static", "int", "return", "if", "else", "for", "while", "struct",
	"const", "char", "void", "size_t", "uint32_t", "uint64_t", "buf", "len",
	"err", "goto", "done", "NULL", "0", "1", "=", "==", "!=", "+", "-",
	"(", ")", "{", "}", ";", "->", "*", "&", "ptr", "node", "next", "free",
	"malloc", "memcpy", "the", "object", "index", "value", "key", "hash",
	"data", "read", "write", "file", "open", "close", "offset", "size",
	"count", "entry", "table", "lookup", "insert", "error", "unsigned",
	"break", "case", "switch", "default", "sizeof", "/*", "*/", "repo",
	"segment", "bloom", "wal", "flush", "record", "crc", "header", "type",
};
#define NVOCAB (sizeof(vocab) / sizeof(vocab[0]))

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
below(uint64_t *s, uint64_t n)
{
	return splitmix(s) % n;
}

static void
die(const char *msg)
{
	fprintf(stderr, "gen: %s\n", msg);
	exit(2);
}

static unsigned long
number(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end)
		die("expected a number");
	return v;
}

static void
put(const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, stdout) != n)
		die("write error");
}

/* Size of blob i: pick an octave [64<<k, 128<<k] with k in 0..5. */
static size_t
blob_size(unsigned long i)
{
	uint64_t s = SEED ^ (i * 0xd1b54a32d192ed03ULL);
	size_t lo = (size_t)MIN_SIZE << below(&s, 6);

	return lo + (size_t)below(&s, lo + 1);
}

/* Fill buf with exactly blob_size(i) bytes of blob i; returns that size. */
static size_t
blob_fill(char *buf, unsigned long i)
{
	uint64_t s = SEED + i;
	size_t size = blob_size(i), n;
	int col = 0;

	n = (size_t)snprintf(buf, MAX_SIZE + 1, "/* object %lu */\n", i);
	while (n < size) {
		const char *w;
		size_t wl;

		if (col == 0) {
			int depth = (int)below(&s, 4);

			while (depth-- > 0 && n < size)
				buf[n++] = '\t';
		}
		w = vocab[below(&s, NVOCAB)];
		wl = strlen(w);
		if (wl > size - n)
			wl = size - n;
		memcpy(buf + n, w, wl);
		n += wl;
		col += (int)wl + 1;
		if (n < size) {
			if (col > 40 && below(&s, 3) == 0) {
				buf[n++] = '\n';
				col = 0;
			} else {
				buf[n++] = ' ';
			}
		}
	}
	return size;
}

static void
emit_blobs(unsigned long count, int fastimport)
{
	char buf[MAX_SIZE + 64];
	unsigned long i;

	for (i = 0; i < count; i++) {
		size_t size = blob_fill(buf, i);

		if (fastimport)
			printf("blob\nmark :%lu\ndata %zu\n", i + 1, size);
		else
			printf("blob %zu\n", size);
		put(buf, size);
		put("\n", 1);
	}
}

static void
emit_total(unsigned long count)
{
	unsigned long long total = 0;
	unsigned long i;

	for (i = 0; i < count; i++)
		total += blob_size(i);
	printf("%llu\n", total);
}

static void
emit_miss(unsigned long count, unsigned long seed)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t s = SEED ^ 0x6d697373ULL ^ ((uint64_t)seed << 32);
	char line[41];
	unsigned long i;
	int j;

	line[40] = '\n';
	for (i = 0; i < count; i++) {
		uint64_t r = 0;

		for (j = 0; j < 40; j++) {
			if (j % 16 == 0)
				r = splitmix(&s);
			line[j] = hex[r & 15];
			r >>= 4;
		}
		put(line, sizeof(line));
	}
}

struct lines {
	char *data;
	char **line;	/* each ends with '\n' */
	size_t n;
};

/* All of stdin, split into lines (a missing last newline is added). */
static void
read_lines(struct lines *l)
{
	size_t len = 0, cap = 0, lcap = 0, i, start;

	l->data = NULL;
	l->line = NULL;
	l->n = 0;
	for (;;) {
		size_t got;

		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			if (!(l->data = realloc(l->data, cap)))
				die("out of memory");
		}
		got = fread(l->data + len, 1, cap - len, stdin);
		if (got == 0)
			break;
		len += got;
	}
	if (ferror(stdin))
		die("read error");
	if (len && l->data[len - 1] != '\n')
		l->data[len++] = '\n';
	for (start = 0, i = 0; i < len; i++) {
		if (l->data[i] != '\n')
			continue;
		if (l->n == lcap) {
			lcap = lcap ? lcap * 2 : 4096;
			if (!(l->line = realloc(l->line,
			    lcap * sizeof(*l->line))))
				die("out of memory");
		}
		l->line[l->n++] = l->data + start;
		start = i + 1;
	}
}

static size_t
line_len(const char *line)
{
	return (size_t)(strchr(line, '\n') - line);
}

static void
emit_shuffle(unsigned long seed)
{
	uint64_t s = SEED ^ 0x73687566ULL ^ ((uint64_t)seed << 32);
	struct lines l;
	size_t i;

	read_lines(&l);
	for (i = l.n; i > 1; i--) {
		size_t j = (size_t)below(&s, i);
		char *t = l.line[i - 1];

		l.line[i - 1] = l.line[j];
		l.line[j] = t;
	}
	for (i = 0; i < l.n; i++)
		put(l.line[i], line_len(l.line[i]) + 1);
	free(l.line);
	free(l.data);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Raw bytes of a 40- or 64-digit hex id; returns their count. */
static size_t
unhex(unsigned char *out, const char *hex, size_t len)
{
	size_t i;

	if (len != 40 && len != 64)
		die("expected lines of 40 or 64 hex digits");
	for (i = 0; i < len / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			die("expected lines of 40 or 64 hex digits");
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return len / 2;
}

/*
 * One tree of the ids l->line[from .. to-1]: entry k is named
 * "<prefix><from + k, 8 digits><suffix>".  git's binary format for cairn,
 * a mktree listing ended by an empty line for git.
 */
static void
emit_tree(const struct lines *l, size_t from, size_t to, int git,
    const char *prefix, const char *suffix, int dir)
{
	const char *mode = dir ? "40000" : "100644";
	char *buf, name[64];
	size_t cap, n = 0, i;

	cap = (to - from) * (sizeof(name) + 96);
	if (!(buf = malloc(cap ? cap : 1)))
		die("out of memory");
	for (i = from; i < to; i++) {
		size_t hl = line_len(l->line[i]);

		snprintf(name, sizeof(name), "%s%08zu%s", prefix, i, suffix);
		if (git) {
			n += (size_t)sprintf(buf + n, "%s%s %s %.*s\t%s\n",
			    dir ? "0" : "", mode, dir ? "tree" : "blob",
			    (int)hl, l->line[i], name);
		} else {
			n += (size_t)sprintf(buf + n, "%s %s", mode, name) + 1;
			n += unhex((unsigned char *)buf + n, l->line[i], hl);
		}
	}
	if (git) {
		put(buf, n);
		put("\n", 1);
	} else {
		printf("tree %zu\n", n);
		put(buf, n);
		put("\n", 1);
	}
	free(buf);
}

static int
tree_format(const char *fmt)
{
	if (!strcmp(fmt, "git"))
		return 1;
	if (!strcmp(fmt, "cairn"))
		return 0;
	die("tree format must be cairn or git");
	return 0;
}

static void
emit_trees(const char *fmt, unsigned long per, int root)
{
	int git = tree_format(fmt);
	struct lines l;
	size_t i;

	if (per == 0)
		die("entries per tree must be positive");
	read_lines(&l);
	if (root)
		emit_tree(&l, 0, l.n, git, "d", "", 1);
	else
		for (i = 0; i < l.n; i += per)
			emit_tree(&l, i, l.n - i > per ? i + per : l.n, git,
			    "f", ".c", 0);
	free(l.line);
	free(l.data);
}

static void
emit_bytes(unsigned long mib)
{
	uint64_t s = SEED ^ 0x6279746573ULL, buf[8192];
	unsigned long blk, nblk = mib * (1024 * 1024 / sizeof(buf));
	size_t j;

	for (blk = 0; blk < nblk; blk++) {
		for (j = 0; j < sizeof(buf) / sizeof(buf[0]); j++)
			buf[j] = splitmix(&s);
		put(buf, sizeof(buf));
	}
}

static void
emit_files(unsigned long count, const char *dir, unsigned long per)
{
	char buf[MAX_SIZE + 64], path[4096];
	unsigned long i;
	FILE *f;

	if (per == 0)
		die("gen files: PER must be positive");
	for (i = 0; i < count; i++) {
		size_t size = blob_fill(buf, i);

		snprintf(path, sizeof(path), "%s/d%lu", dir, i / per);
		if (i % per == 0 && mkdir(path, 0777) != 0)
			die("gen files: cannot create a directory");
		snprintf(path, sizeof(path), "%s/d%lu/f%lu.c", dir, i / per, i);
		if ((f = fopen(path, "w")) == NULL)
			die("gen files: cannot create a file");
		if ((size && fwrite(buf, 1, size, f) != size) || fclose(f) != 0)
			die("gen files: write error");
	}
}

int
main(int argc, char **argv)
{
	static char obuf[1 << 20];
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (!strcmp(mode, "put") && argc == 3)
		emit_blobs(number(argv[2]), 0);
	else if (!strcmp(mode, "fastimport") && argc == 3)
		emit_blobs(number(argv[2]), 1);
	else if (!strcmp(mode, "total") && argc == 3)
		emit_total(number(argv[2]));
	else if (!strcmp(mode, "miss") && argc == 4)
		emit_miss(number(argv[2]), number(argv[3]));
	else if (!strcmp(mode, "shuffle") && argc == 3)
		emit_shuffle(number(argv[2]));
	else if (!strcmp(mode, "bytes") && argc == 3)
		emit_bytes(number(argv[2]));
	else if (!strcmp(mode, "trees") && argc == 4)
		emit_trees(argv[2], number(argv[3]), 0);
	else if (!strcmp(mode, "root") && argc == 3)
		emit_trees(argv[2], 1, 1);
	else if (!strcmp(mode, "files") && argc == 5)
		emit_files(number(argv[2]), argv[3], number(argv[4]));
	else
		die("usage: gen put|fastimport|total N | miss N SEED | "
		    "shuffle SEED | bytes MIB | trees cairn|git PER | "
		    "root cairn|git | files N DIR PER");
	if (fflush(stdout) != 0 || ferror(stdout))
		die("write error");
	return 0;
}
