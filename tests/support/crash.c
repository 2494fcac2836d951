/*
 * crash.c: the crash layer (see crash.h).
 *
 * The model is a set of nodes (files and directories, like inodes) and a
 * list of pending entry operations in the order they were made.  Node 0
 * is root.  A directory has two entry sets: live (what the program sees;
 * it follows every call, and resolves paths) and durable.  A file has its
 * durable bytes and a list of pending writes.  The model is small (a
 * repository under test has tens of files), so everything is a plain
 * array searched linearly.
 *
 * When the model cannot follow a call (a path it does not know, memory
 * exhausted) it sets confused; a test treats that as a failure, since the
 * states it would produce could be wrong.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crash.h"

#define SECTOR 512

struct centry {
	char *name;
	int node;
};

struct cents {
	struct centry *e;
	size_t n, cap;
};

/* A pending write of len bytes at off, or (trunc) a truncation to off. */
struct cwrite {
	uint64_t off;
	size_t len;
	unsigned char *data;
	int trunc;
};

struct cnode {
	int dir;
	unsigned char *dur;	/* file: durable content */
	size_t dur_len;
	struct cwrite *w;	/* file: pending writes, in order */
	size_t nw, capw;
	struct cents live, durable;	/* directory */
};

enum { OP_CREATE, OP_MKDIR, OP_UNLINK, OP_RMDIR, OP_RENAME };

/*
 * A pending entry operation: kind on entry n1 of directory d1 (for a
 * rename, from d1/n1 to d2/n2), of node.
 */
struct cdirop {
	int kind;
	int d1, d2;
	char *n1, *n2;
	int node;
	int mark;	/* scratch: committing, or chosen for a state */
};

struct cfd {
	int fd;
	int node;
	char *rel;	/* its path under root, for skip_sync */
};

struct crash_model {
	char *root, *real_root;	/* as given, and resolved */
	struct cnode *nodes;
	size_t nnodes, capnodes;
	struct cdirop *ops;
	size_t nops, capops;
	struct cfd *fds;
	size_t nfds, capfds;
	uint64_t rng;
};

#define CR(v) ((struct cairn_vfs_crash *)(v))
#define BELOW(v) (CR(v)->below)

/* ---- small helpers ---- */

/* Make room for one more element in *p (of size sz) holding n of cap. */
static int
grow(void *pp, size_t *cap, size_t n, size_t sz)
{
	void **p = pp;
	size_t ncap;
	void *q;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	if ((q = realloc(*p, ncap * sz)) == NULL)
		return -1;
	*p = q;
	*cap = ncap;
	return 0;
}

/* splitmix64 */
static uint64_t
rnd(struct crash_model *m)
{
	uint64_t z = (m->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
ents_find(const struct cents *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->e[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
ents_get(const struct cents *s, const char *name)
{
	int i = ents_find(s, name);

	return i < 0 ? -1 : s->e[i].node;
}

/* Point name at node, replacing what it named. */
static int
ents_set(struct cents *s, const char *name, int node)
{
	int i = ents_find(s, name);
	char *copy;

	if (i >= 0) {
		s->e[i].node = node;
		return 0;
	}
	if (grow(&s->e, &s->cap, s->n, sizeof(*s->e)) != 0 ||
	    (copy = strdup(name)) == NULL)
		return -1;
	s->e[s->n].name = copy;
	s->e[s->n].node = node;
	s->n++;
	return 0;
}

static void
ents_del(struct cents *s, const char *name)
{
	int i = ents_find(s, name);

	if (i < 0)
		return;
	free(s->e[i].name);
	s->e[i] = s->e[--s->n];
}

static void
ents_free(struct cents *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->e[i].name);
	free(s->e);
	memset(s, 0, sizeof(*s));
}

static int
ents_copy(struct cents *to, const struct cents *from)
{
	size_t i;

	memset(to, 0, sizeof(*to));
	for (i = 0; i < from->n; i++)
		if (ents_set(to, from->e[i].name, from->e[i].node) != 0)
			return -1;
	return 0;
}

static int
new_node(struct crash_model *m, int dir)
{
	if (grow(&m->nodes, &m->capnodes, m->nnodes, sizeof(*m->nodes)) != 0)
		return -1;
	memset(&m->nodes[m->nnodes], 0, sizeof(m->nodes[0]));
	m->nodes[m->nnodes].dir = dir;
	return (int)m->nnodes++;
}

static struct cfd *
fd_find(const struct crash_model *m, int fd)
{
	size_t i;

	for (i = 0; i < m->nfds; i++)
		if (m->fds[i].fd == fd)
			return &m->fds[i];
	return NULL;
}

static int
fd_node(const struct crash_model *m, int fd)
{
	const struct cfd *f = fd_find(m, fd);

	return f != NULL ? f->node : -1;
}

/* path with root and the slashes after it taken off. */
static const char *
rel_path(const struct crash_model *m, const char *path)
{
	size_t len = strlen(m->root);

	if (strncmp(path, m->root, len) != 0)
		len = strlen(m->real_root);
	path += len;
	while (*path == '/')
		path++;
	return path;
}

/* ---- paths ---- */

/*
 * Resolve path under root through the live entries: *parent is the
 * directory holding its last component (-1 for root itself), *name that
 * component (malloc'd), *node what it names now (-1: nothing).  Returns
 * 0; -1 if path is not under root; -2 if it is but its parent is not a
 * known directory.
 */
static int
resolve(struct crash_model *m, const char *path, int *parent, char **name,
    int *node)
{
	const char *p = NULL, *roots[2] = { m->root, m->real_root };
	size_t i, len;
	int cur = 0;

	*parent = -1;
	*name = NULL;
	*node = -1;
	for (i = 0; i < 2 && p == NULL; i++) {
		len = strlen(roots[i]);
		if (strncmp(path, roots[i], len) == 0 &&
		    (path[len] == '/' || path[len] == '\0'))
			p = path + len;
	}
	if (p == NULL)
		return -1;
	for (;;) {
		const char *end;
		char *comp;
		int next;

		while (*p == '/')
			p++;
		if (*p == '\0') {
			if (*name == NULL)
				*node = 0;	/* root itself */
			return 0;
		}
		end = strchr(p, '/');
		len = end ? (size_t)(end - p) : strlen(p);
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' &&
		    p[1] == '.'))
			goto fail;	/* never made by the store */
		if (*name != NULL) {
			/* The previous component must be a directory. */
			if (*node < 0 || !m->nodes[*node].dir)
				goto fail;
			cur = *node;
			free(*name);
			*name = NULL;
		}
		if ((comp = strndup(p, len)) == NULL)
			goto fail;
		next = ents_get(&m->nodes[cur].live, comp);
		*parent = cur;
		*name = comp;
		*node = next;
		p += len;
	}
fail:
	free(*name);
	*name = NULL;
	return -2;
}

/* ---- recording ---- */

static int
add_op(struct crash_model *m, int kind, int d1, const char *n1, int d2,
    const char *n2, int node)
{
	struct cdirop *o;

	if (grow(&m->ops, &m->capops, m->nops, sizeof(*m->ops)) != 0)
		return -1;
	o = &m->ops[m->nops];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->d1 = d1;
	o->d2 = d2;
	o->node = node;
	if ((o->n1 = strdup(n1)) == NULL ||
	    (n2 != NULL && (o->n2 = strdup(n2)) == NULL)) {
		free(o->n1);
		return -1;
	}
	m->nops++;
	return 0;
}

static int
add_write(struct cnode *n, uint64_t off, const void *buf, size_t len,
    int trunc)
{
	struct cwrite *w;

	if (grow(&n->w, &n->capw, n->nw, sizeof(*n->w)) != 0)
		return -1;
	w = &n->w[n->nw];
	memset(w, 0, sizeof(*w));
	w->off = off;
	w->trunc = trunc;
	if (!trunc) {
		if ((w->data = malloc(len ? len : 1)) == NULL)
			return -1;
		memcpy(w->data, buf, len);
		w->len = len;
	}
	n->nw++;
	return 0;
}

/* Set *len bytes of *p to size, zero-filling growth. */
static int
resize(unsigned char **p, size_t *len, size_t size)
{
	unsigned char *q;

	if (size > *len) {
		if ((q = realloc(*p, size)) == NULL)
			return -1;
		memset(q + *len, 0, size - *len);
		*p = q;
	}
	*len = size;
	return 0;
}

/* Apply one write (or truncation) to content; mode says how. */
enum fate { KEEP, DROP, TORN_HEAD, TORN_TAIL, ZEROS, GARBAGE };

static int
apply_write(struct crash_model *m, unsigned char **p, size_t *len,
    const struct cwrite *w, enum fate f)
{
	uint64_t lo = w->off, hi = w->off + w->len, cut, first, last;
	size_t i;

	if (f == DROP)
		return 0;
	if (w->trunc)
		return resize(p, len, (size_t)w->off);
	if (f == TORN_HEAD || f == TORN_TAIL) {
		/* Sector boundaries strictly inside the write. */
		first = (lo / SECTOR + 1) * SECTOR;
		last = (hi - 1) / SECTOR * SECTOR;
		if (hi == lo || first > last)
			return 0;	/* within one sector: all or nothing */
		cut = first + rnd(m) % ((last - first) / SECTOR + 1) * SECTOR;
		if (f == TORN_HEAD)
			hi = cut;
		else
			lo = cut;
	}
	if (hi > *len && resize(p, len, (size_t)hi) != 0)
		return -1;
	if (f == ZEROS)
		memset(*p + lo, 0, (size_t)(hi - lo));
	else if (f == GARBAGE)
		for (i = (size_t)lo; i < hi; i++)
			(*p)[i] = (unsigned char)rnd(m);
	else
		memcpy(*p + lo, w->data + (lo - w->off), (size_t)(hi - lo));
	return 0;
}

static void
sync_file(struct cnode *n)
{
	size_t i;

	for (i = 0; i < n->nw; i++) {
		/* Applying a kept write needs no randomness. */
		if (apply_write(NULL, &n->dur, &n->dur_len, &n->w[i], KEEP))
			break;
		free(n->w[i].data);
	}
	for (; i < n->nw; i++)	/* only after a failed allocation */
		free(n->w[i].data);
	n->nw = 0;
}

/* Apply entry operation o to the per-directory entry sets ents. */
static int
apply_op(struct cents *ents, const struct cdirop *o)
{
	switch (o->kind) {
	case OP_CREATE:
	case OP_MKDIR:
		return ents_set(&ents[o->d1], o->n1, o->node);
	case OP_UNLINK:
	case OP_RMDIR:
		ents_del(&ents[o->d1], o->n1);
		return 0;
	default:
		if (ents_get(&ents[o->d1], o->n1) != o->node)
			return 0;	/* its source is not there */
		ents_del(&ents[o->d1], o->n1);
		return ents_set(&ents[o->d2], o->n2, o->node);
	}
}

/* Do operations a and b touch a common entry? */
static int
same_entry(const struct cdirop *a, const struct cdirop *b)
{
#define EQ(da, na, db, nb) ((da) == (db) && (na) && (nb) && strcmp((na), (nb)) == 0)
	return EQ(a->d1, a->n1, b->d1, b->n1) || EQ(a->d1, a->n1, b->d2, b->n2) ||
	    EQ(a->d2, a->n2, b->d1, b->n1) || EQ(a->d2, a->n2, b->d2, b->n2);
#undef EQ
}

/* Mark op i for commit, with every earlier op on an entry it touches. */
static void
mark_op(struct crash_model *m, size_t i)
{
	size_t j;

	if (m->ops[i].mark)
		return;
	m->ops[i].mark = 1;
	for (j = i; j-- > 0;)
		if (!m->ops[j].mark && same_entry(&m->ops[j], &m->ops[i]))
			mark_op(m, j);
}

/* The directory whose fsync makes o durable. */
static int
op_home(const struct cdirop *o)
{
	return o->kind == OP_RENAME ? o->d2 : o->d1;
}

static int
sync_dir(struct crash_model *m, int d)
{
	size_t i, k;
	int rc = 0;

	for (i = 0; i < m->nops; i++)
		m->ops[i].mark = 0;
	for (i = 0; i < m->nops; i++)
		if (op_home(&m->ops[i]) == d)
			mark_op(m, i);
	for (i = k = 0; i < m->nops; i++) {
		struct cdirop *o = &m->ops[i];

		if (!o->mark) {
			m->ops[k++] = *o;
			continue;
		}
		switch (o->kind) {
		case OP_CREATE:
		case OP_MKDIR:
			rc |= ents_set(&m->nodes[o->d1].durable, o->n1, o->node);
			break;
		case OP_UNLINK:
		case OP_RMDIR:
			ents_del(&m->nodes[o->d1].durable, o->n1);
			break;
		default:
			ents_del(&m->nodes[o->d1].durable, o->n1);
			rc |= ents_set(&m->nodes[o->d2].durable, o->n2, o->node);
		}
		free(o->n1);
		free(o->n2);
	}
	m->nops = k;
	return rc;
}

/* ---- the layer ---- */

/* Nonzero (errno EIO) if power has failed. */
static int
dead(struct cairn_vfs *v)
{
	if (!CR(v)->crashed)
		return 0;
	errno = EIO;
	return 1;
}

/* Count a mutating call that was made; power fails after call crash_at. */
static void
tick(struct cairn_vfs *v)
{
	struct cairn_vfs_crash *c = CR(v);

	if (++c->calls == c->crash_at)
		c->crashed = 1;
}

static void
confuse(struct cairn_vfs *v)
{
	CR(v)->confused = 1;
}

static int
track_fd(struct cairn_vfs *v, int fd, int node, const char *path)
{
	struct crash_model *m = CR(v)->m;
	struct cfd *f = fd_find(m, fd);
	char *rel;

	if ((rel = strdup(rel_path(m, path))) == NULL)
		return -1;
	if (f == NULL) {
		if (grow(&m->fds, &m->capfds, m->nfds, sizeof(*m->fds)) != 0) {
			free(rel);
			return -1;
		}
		f = &m->fds[m->nfds++];
		f->rel = NULL;
	}
	free(f->rel);
	f->fd = fd;
	f->node = node;
	f->rel = rel;
	return 0;
}

/*
 * The calls relative to a directory descriptor are modelled by the path
 * it was opened by (the model follows every entry operation, so that
 * path names it still); the real call is still made relative to it.
 * *path is NULL when dfd is not a directory the model knows.
 */
static int
at_path(struct cairn_vfs *v, int dfd, const char *name, char **path)
{
	struct crash_model *m = CR(v)->m;
	const struct cfd *f = fd_find(m, dfd);
	size_t len;

	*path = NULL;
	if (f == NULL || !m->nodes[f->node].dir)
		return 0;
	len = strlen(m->real_root) + strlen(f->rel) + strlen(name) + 3;
	if ((*path = malloc(len)) == NULL)
		return -1;
	snprintf(*path, len, "%s%s%s/%s", m->real_root, *f->rel ? "/" : "",
	    f->rel, name);
	return 0;
}

/* open, or (dfd != -1) openat of name in dfd, known to the model as path. */
static int
open_common(struct cairn_vfs *v, const char *path, int dfd, const char *at,
    int flags, mode_t mode)
{
	struct crash_model *m = CR(v)->m;
	int mut = (flags & (O_CREAT | O_TRUNC)) != 0;
	int fd, parent, node, err, where;
	char *name;

	if (mut && dead(v))
		return -1;
	where = resolve(m, path, &parent, &name, &node);
	fd = dfd == -1 ? BELOW(v)->open(BELOW(v), path, flags, mode) :
	    BELOW(v)->openat(BELOW(v), dfd, at, flags, mode);
	err = errno;
	if (fd >= 0 && where == -2)
		confuse(v);
	if (fd >= 0 && where == 0) {
		if (node >= 0) {
			if ((flags & O_TRUNC) && !m->nodes[node].dir &&
			    add_write(&m->nodes[node], 0, NULL, 0, 1) != 0)
				confuse(v);
		} else if ((flags & O_CREAT) && parent >= 0) {
			if ((node = new_node(m, 0)) < 0 ||
			    ents_set(&m->nodes[parent].live, name, node) != 0 ||
			    add_op(m, OP_CREATE, parent, name, -1, NULL,
			    node) != 0)
				confuse(v);
		} else
			confuse(v);	/* a file the model never saw */
		if (node >= 0 && track_fd(v, fd, node, path) != 0)
			confuse(v);
	}
	free(name);
	if (mut)
		tick(v);
	errno = err;
	return fd;
}

static int
cr_open(struct cairn_vfs *v, const char *path, int flags, mode_t mode)
{
	return open_common(v, path, -1, NULL, flags, mode);
}

static int
cr_openat(struct cairn_vfs *v, int dfd, const char *name, int flags,
    mode_t mode)
{
	char *path;
	int fd, err;

	if (at_path(v, dfd, name, &path) != 0) {
		confuse(v);
		errno = ENOMEM;
		return -1;
	}
	if (path == NULL) {
		if (!(flags & (O_CREAT | O_TRUNC)))
			return BELOW(v)->openat(BELOW(v), dfd, name, flags,
			    mode);
		confuse(v);	/* a file it cannot place */
		if (dead(v))
			return -1;
		fd = BELOW(v)->openat(BELOW(v), dfd, name, flags, mode);
		err = errno;
		tick(v);
		errno = err;
		return fd;
	}
	fd = open_common(v, path, dfd, name, flags, mode);
	err = errno;
	free(path);
	errno = err;
	return fd;
}

static int
cr_close(struct cairn_vfs *v, int fd)
{
	struct crash_model *m = CR(v)->m;
	size_t i;

	for (i = 0; i < m->nfds; i++)
		if (m->fds[i].fd == fd) {
			free(m->fds[i].rel);
			m->fds[i] = m->fds[--m->nfds];
			break;
		}
	return BELOW(v)->close(BELOW(v), fd);
}

static ssize_t
cr_pread(struct cairn_vfs *v, int fd, void *buf, size_t n, off_t off)
{
	return BELOW(v)->pread(BELOW(v), fd, buf, n, off);
}

static ssize_t
cr_pwrite(struct cairn_vfs *v, int fd, const void *buf, size_t n, off_t off)
{
	struct crash_model *m = CR(v)->m;
	int node = fd_node(m, fd), err;
	ssize_t r;

	if (dead(v))
		return -1;
	r = BELOW(v)->pwrite(BELOW(v), fd, buf, n, off);
	err = errno;
	if (r > 0 && node >= 0 && add_write(&m->nodes[node], (uint64_t)off,
	    buf, (size_t)r, 0) != 0)
		confuse(v);
	tick(v);
	errno = err;
	return r;
}

/*
 * fsync and fdatasync: the model makes the file's writes, or the
 * directory's entry operations, durable.  The real call is not made (it
 * would only slow the tests), but the descriptor is checked as fsync
 * would check it.
 */
static int
do_sync(struct cairn_vfs *v, int fd)
{
	struct cairn_vfs_crash *c = CR(v);
	const struct cfd *f = fd_find(c->m, fd);
	struct stat st;

	if (dead(v))
		return -1;
	if (c->below->fstat(c->below, fd, &st) != 0)
		return -1;
	if (f != NULL && c->skip_sync != NULL &&
	    fnmatch(c->skip_sync, f->rel, 0) == 0)
		c->skipped++;
	else if (f != NULL && !c->m->nodes[f->node].dir)
		sync_file(&c->m->nodes[f->node]);
	else if (f != NULL && sync_dir(c->m, f->node) != 0)
		confuse(v);
	tick(v);
	return 0;
}

static int
cr_fsync(struct cairn_vfs *v, int fd)
{
	return do_sync(v, fd);
}

static int
cr_fdatasync(struct cairn_vfs *v, int fd)
{
	return do_sync(v, fd);
}

static int
cr_ftruncate(struct cairn_vfs *v, int fd, off_t len)
{
	struct crash_model *m = CR(v)->m;
	int node = fd_node(m, fd), r, err;

	if (dead(v))
		return -1;
	r = BELOW(v)->ftruncate(BELOW(v), fd, len);
	err = errno;
	if (r == 0 && node >= 0 &&
	    add_write(&m->nodes[node], (uint64_t)len, NULL, 0, 1) != 0)
		confuse(v);
	tick(v);
	errno = err;
	return r;
}

static int
cr_fstat(struct cairn_vfs *v, int fd, struct stat *st)
{
	return BELOW(v)->fstat(BELOW(v), fd, st);
}

/*
 * A mutating call relative to directories the model does not know: made,
 * counted, and the model marked confused.
 */
static int
unplaced(struct cairn_vfs *v, int r)
{
	int err = errno;

	confuse(v);
	tick(v);
	errno = err;
	return r;
}

/* rename, or (fromdfd != -1) renameat, known to the model as from, to. */
static int
rename_common(struct cairn_vfs *v, const char *from, const char *to,
    int fromdfd, const char *fromat, int todfd, const char *toat)
{
	struct crash_model *m = CR(v)->m;
	int p1, p2, node, old, r, err, w1, w2;
	char *n1, *n2;

	if (dead(v))
		return -1;
	w1 = resolve(m, from, &p1, &n1, &node);
	w2 = resolve(m, to, &p2, &n2, &old);
	r = fromdfd == -1 ? BELOW(v)->rename(BELOW(v), from, to) :
	    BELOW(v)->renameat(BELOW(v), fromdfd, fromat, todfd, toat);
	err = errno;
	if (r == 0 && (w1 != -1 || w2 != -1)) {
		if (w1 != 0 || w2 != 0 || node < 0 || p1 < 0 || p2 < 0)
			confuse(v);
		else if (node != old) {
			ents_del(&m->nodes[p1].live, n1);
			if (ents_set(&m->nodes[p2].live, n2, node) != 0 ||
			    add_op(m, OP_RENAME, p1, n1, p2, n2, node) != 0)
				confuse(v);
		}
	}
	free(n1);
	free(n2);
	tick(v);
	errno = err;
	return r;
}

static int
cr_rename(struct cairn_vfs *v, const char *from, const char *to)
{
	return rename_common(v, from, to, -1, NULL, -1, NULL);
}

static int
cr_renameat(struct cairn_vfs *v, int fromdfd, const char *from, int todfd,
    const char *to)
{
	char *p1 = NULL, *p2 = NULL;
	int r, err;

	if (at_path(v, fromdfd, from, &p1) != 0 ||
	    at_path(v, todfd, to, &p2) != 0) {
		free(p1);
		confuse(v);
		errno = ENOMEM;
		return -1;
	}
	if (p1 == NULL || p2 == NULL) {
		free(p1);
		free(p2);
		if (dead(v))
			return -1;
		return unplaced(v, BELOW(v)->renameat(BELOW(v), fromdfd,
		    from, todfd, to));
	}
	r = rename_common(v, p1, p2, fromdfd, from, todfd, to);
	err = errno;
	free(p1);
	free(p2);
	errno = err;
	return r;
}

/* unlink and rmdir (or, with dfd != -1, unlinkat): remove an entry. */
static int
remove_entry(struct cairn_vfs *v, const char *path, int dir, int dfd,
    const char *at)
{
	struct crash_model *m = CR(v)->m;
	int parent, node, r, err, where;
	char *name;

	if (dead(v))
		return -1;
	where = resolve(m, path, &parent, &name, &node);
	if (dfd != -1)
		r = BELOW(v)->unlinkat(BELOW(v), dfd, at,
		    dir ? AT_REMOVEDIR : 0);
	else
		r = dir ? BELOW(v)->rmdir(BELOW(v), path) :
		    BELOW(v)->unlink(BELOW(v), path);
	err = errno;
	if (r == 0 && where != -1) {
		if (where != 0 || node < 0 || parent < 0)
			confuse(v);
		else {
			ents_del(&m->nodes[parent].live, name);
			if (add_op(m, dir ? OP_RMDIR : OP_UNLINK, parent, name,
			    -1, NULL, node) != 0)
				confuse(v);
		}
	}
	free(name);
	tick(v);
	errno = err;
	return r;
}

static int
cr_unlink(struct cairn_vfs *v, const char *path)
{
	return remove_entry(v, path, 0, -1, NULL);
}

static int
cr_rmdir(struct cairn_vfs *v, const char *path)
{
	return remove_entry(v, path, 1, -1, NULL);
}

static int
cr_unlinkat(struct cairn_vfs *v, int dfd, const char *name, int flags)
{
	char *path;
	int r, err;

	if (at_path(v, dfd, name, &path) != 0) {
		confuse(v);
		errno = ENOMEM;
		return -1;
	}
	if (path == NULL) {
		if (dead(v))
			return -1;
		return unplaced(v, BELOW(v)->unlinkat(BELOW(v), dfd, name,
		    flags));
	}
	r = remove_entry(v, path, (flags & AT_REMOVEDIR) != 0, dfd, name);
	err = errno;
	free(path);
	errno = err;
	return r;
}

/* mkdir, or (dfd != -1) mkdirat of at in dfd, known to the model as path. */
static int
mkdir_common(struct cairn_vfs *v, const char *path, int dfd, const char *at,
    mode_t mode)
{
	struct crash_model *m = CR(v)->m;
	int parent, node, r, err, where;
	char *name;

	if (dead(v))
		return -1;
	where = resolve(m, path, &parent, &name, &node);
	r = dfd == -1 ? BELOW(v)->mkdir(BELOW(v), path, mode) :
	    BELOW(v)->mkdirat(BELOW(v), dfd, at, mode);
	err = errno;
	if (r == 0 && where != -1) {
		if (where != 0 || node >= 0 || parent < 0 || (node = new_node(m, 1)) < 0 ||
		    ents_set(&m->nodes[parent].live, name, node) != 0 ||
		    add_op(m, OP_MKDIR, parent, name, -1, NULL, node) != 0)
			confuse(v);
	}
	free(name);
	tick(v);
	errno = err;
	return r;
}

static int
cr_mkdir(struct cairn_vfs *v, const char *path, mode_t mode)
{
	return mkdir_common(v, path, -1, NULL, mode);
}

static int
cr_mkdirat(struct cairn_vfs *v, int dfd, const char *name, mode_t mode)
{
	char *path;
	int r, err;

	if (at_path(v, dfd, name, &path) != 0) {
		confuse(v);
		errno = ENOMEM;
		return -1;
	}
	if (path == NULL) {
		if (dead(v))
			return -1;
		return unplaced(v, BELOW(v)->mkdirat(BELOW(v), dfd, name,
		    mode));
	}
	r = mkdir_common(v, path, dfd, name, mode);
	err = errno;
	free(path);
	errno = err;
	return r;
}

static int
cr_fstatat(struct cairn_vfs *v, int dfd, const char *name, struct stat *st)
{
	return BELOW(v)->fstatat(BELOW(v), dfd, name, st);
}

static int
cr_flock(struct cairn_vfs *v, int fd, int op)
{
	return BELOW(v)->flock(BELOW(v), fd, op);
}

static void *
cr_mmap(struct cairn_vfs *v, int fd, size_t len)
{
	return BELOW(v)->mmap(BELOW(v), fd, len);
}

static int
cr_munmap(struct cairn_vfs *v, void *addr, size_t len)
{
	return BELOW(v)->munmap(BELOW(v), addr, len);
}

static int
cr_lstat(struct cairn_vfs *v, const char *path, struct stat *st)
{
	return BELOW(v)->lstat(BELOW(v), path, st);
}

/* ---- taking the starting tree ---- */

static int
read_whole(const char *path, unsigned char **out, size_t *len)
{
	unsigned char *p = NULL, *q;
	size_t cap = 0, n = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((q = realloc(p, cap)) == NULL)
				goto fail;
			p = q;
		}
		r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*out = p;
	*len = n;
	return 0;
fail:
	free(p);
	close(fd);
	return -1;
}

/* Take the tree at path as the durable content of directory node d. */
static int
adopt(struct crash_model *m, const char *path, int d)
{
	char sub[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int node, rc = 0;

	if ((dir = opendir(path)) == NULL)
		return -1;
	while (rc == 0 && (de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
		    de->d_name) >= sizeof(sub) || lstat(sub, &st) != 0 ||
		    !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) ||
		    (node = new_node(m, S_ISDIR(st.st_mode))) < 0) {
			rc = -1;
			break;
		}
		/* new_node may move m->nodes: index afresh each time. */
		if (ents_set(&m->nodes[d].live, de->d_name, node) != 0 ||
		    ents_set(&m->nodes[d].durable, de->d_name, node) != 0)
			rc = -1;
		else if (S_ISDIR(st.st_mode))
			rc = adopt(m, sub, node);
		else
			rc = read_whole(sub, &m->nodes[node].dur,
			    &m->nodes[node].dur_len);
	}
	closedir(dir);
	return rc;
}

const struct cairn_error *
cairn_vfs_crash_init(struct cairn_vfs_crash *c, struct cairn_vfs *below,
    const char *root)
{
	static const struct cairn_vfs ops = {
		2, cr_open, cr_close, cr_pread, cr_pwrite, cr_fsync,
		cr_fdatasync, cr_ftruncate, cr_fstat, cr_rename, cr_unlink,
		cr_mkdir, cr_flock, cr_mmap, cr_munmap, cr_lstat, cr_rmdir,
		cr_openat, cr_renameat, cr_unlinkat, cr_mkdirat, cr_fstatat,
	};
	struct crash_model *m;
	char real[PATH_MAX];

	memset(c, 0, sizeof(*c));
	c->vfs = ops;
	c->below = below;
	if (realpath(root, real) == NULL)
		return cairn_error_sys(errno, "resolve '%s'", root);
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->root = strdup(root)) == NULL ||
	    (m->real_root = strdup(real)) == NULL) {
		c->m = m;
		cairn_vfs_crash_free(c);
		return cairn_error_new(CAIRN_ERR_NOMEM, "out of memory");
	}
	c->m = m;
	if (new_node(m, 1) != 0 || adopt(m, real, 0) != 0) {
		cairn_vfs_crash_free(c);
		return cairn_error_new(CAIRN_ERR_IO, "cannot read the tree "
		    "under '%s'", root);
	}
	return NULL;
}

void
cairn_vfs_crash_free(struct cairn_vfs_crash *c)
{
	struct crash_model *m = c->m;
	size_t i, j;

	if (m == NULL)
		return;
	for (i = 0; i < m->nnodes; i++) {
		struct cnode *n = &m->nodes[i];

		free(n->dur);
		for (j = 0; j < n->nw; j++)
			free(n->w[j].data);
		free(n->w);
		ents_free(&n->live);
		ents_free(&n->durable);
	}
	for (i = 0; i < m->nops; i++) {
		free(m->ops[i].n1);
		free(m->ops[i].n2);
	}
	for (i = 0; i < m->nfds; i++)
		free(m->fds[i].rel);
	free(m->nodes);
	free(m->ops);
	free(m->fds);
	free(m->root);
	free(m->real_root);
	free(m);
	c->m = NULL;
}

long
cairn_vfs_crash_pending(const struct cairn_vfs_crash *c)
{
	const struct crash_model *m = c->m;
	long n = (long)m->nops;
	size_t i;

	for (i = 0; i < m->nnodes; i++)
		n += (long)m->nodes[i].nw;
	return n;
}

/* ---- writing a state ---- */

/*
 * Choose which pending entry operations a RANDOM state keeps: a random
 * prefix of each directory's list, shrunk until every chosen operation
 * is within the prefix of each directory it touches.
 */
static int
choose_ops(struct crash_model *m)
{
	size_t *cut, i, d, *seen;
	int changed;

	if ((cut = calloc(m->nnodes, sizeof(*cut))) == NULL ||
	    (seen = calloc(m->nnodes, sizeof(*seen))) == NULL) {
		free(cut);
		return -1;
	}
	/* Count each directory's operations; pick a cut in [0, count]. */
	for (i = 0; i < m->nops; i++) {
		seen[m->ops[i].d1]++;
		if (m->ops[i].kind == OP_RENAME && m->ops[i].d2 != m->ops[i].d1)
			seen[m->ops[i].d2]++;
	}
	for (d = 0; d < m->nnodes; d++)
		cut[d] = seen[d] ? rnd(m) % (seen[d] + 1) : 0;
	do {
		changed = 0;
		memset(seen, 0, m->nnodes * sizeof(*seen));
		for (i = 0; i < m->nops; i++) {
			struct cdirop *o = &m->ops[i];
			size_t p1 = seen[o->d1]++, p2 = p1;
			int two = o->kind == OP_RENAME && o->d2 != o->d1;

			if (two)
				p2 = seen[o->d2]++;
			o->mark = p1 < cut[o->d1] && (!two || p2 < cut[o->d2]);
			if (o->mark)
				continue;
			/* Nothing after an unchosen op in its directories. */
			if (p1 < cut[o->d1]) {
				cut[o->d1] = p1;
				changed = 1;
			}
			if (two && p2 < cut[o->d2]) {
				cut[o->d2] = p2;
				changed = 1;
			}
		}
	} while (changed);
	free(cut);
	free(seen);
	return 0;
}

static enum fate
choose_fate(struct crash_model *m, enum cairn_crash_keep keep,
    const struct cwrite *w)
{
	uint64_t r;

	if (keep == CAIRN_CRASH_NONE)
		return DROP;
	if (keep == CAIRN_CRASH_ALL)
		return KEEP;
	r = rnd(m) % 20;
	if (w->trunc)
		return r < 10 ? KEEP : DROP;
	if (r < 8)
		return KEEP;
	if (r < 13)
		return DROP;
	if (r < 15)
		return TORN_HEAD;
	if (r < 16)
		return TORN_TAIL;
	if (r < 18)
		return ZEROS;
	return GARBAGE;
}

static int
write_file(const char *path, const unsigned char *p, size_t len)
{
	ssize_t r;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1)
		return -1;
	while (len > 0) {
		r = write(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			return -1;
		}
		p += r;
		len -= (size_t)r;
	}
	return close(fd);
}

/* Write the file node n as the state keeps it. */
static int
write_node(struct crash_model *m, const char *path, const struct cnode *n,
    enum cairn_crash_keep keep)
{
	unsigned char *p = NULL;
	size_t len = 0, i;
	int rc = -1;

	if (resize(&p, &len, n->dur_len) != 0)
		goto out;
	if (n->dur_len)
		memcpy(p, n->dur, n->dur_len);
	for (i = 0; i < n->nw; i++)
		if (apply_write(m, &p, &len, &n->w[i],
		    choose_fate(m, keep, &n->w[i])) != 0)
			goto out;
	rc = write_file(path, p, len);
out:
	free(p);
	return rc;
}

static int
write_dir(struct crash_model *m, const char *path, struct cents *ents,
    int d, enum cairn_crash_keep keep, int depth)
{
	char sub[PATH_MAX];
	size_t i;
	int node;

	if (depth > 64 || mkdir(path, 0755) != 0)
		return -1;
	for (i = 0; i < ents[d].n; i++) {
		node = ents[d].e[i].node;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
		    ents[d].e[i].name) >= sizeof(sub))
			return -1;
		if (m->nodes[node].dir ? write_dir(m, sub, ents, node, keep,
		    depth + 1) : write_node(m, sub, &m->nodes[node], keep))
			return -1;
	}
	return 0;
}

const struct cairn_error *
cairn_vfs_crash_state(struct cairn_vfs_crash *c, const char *dir,
    enum cairn_crash_keep keep, uint64_t seed)
{
	struct crash_model *m = c->m;
	struct cents *ents;
	size_t i;
	int rc = 0;

	m->rng = seed;
	if ((ents = calloc(m->nnodes, sizeof(*ents))) == NULL)
		return cairn_error_new(CAIRN_ERR_NOMEM, "out of memory");
	for (i = 0; i < m->nnodes && rc == 0; i++)
		rc = ents_copy(&ents[i], &m->nodes[i].durable);
	if (rc == 0 && keep == CAIRN_CRASH_RANDOM)
		rc = choose_ops(m);
	for (i = 0; i < m->nops && rc == 0; i++)
		if (keep == CAIRN_CRASH_ALL ||
		    (keep == CAIRN_CRASH_RANDOM && m->ops[i].mark))
			rc = apply_op(ents, &m->ops[i]);
	if (rc == 0)
		rc = write_dir(m, dir, ents, 0, keep, 0);
	for (i = 0; i < m->nnodes; i++)
		ents_free(&ents[i]);
	free(ents);
	if (rc != 0)
		return cairn_error_sys(errno ? errno : ENOMEM,
		    "write crash state '%s'", dir);
	return NULL;
}
