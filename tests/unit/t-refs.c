/*
 * t-refs.c: unit tests of refs through the public API, against the disk
 * and the memory backend: get, set, create, delete, transactions and
 * their error codes, name checks, directory/file conflicts, list order
 * and prefixes, ref names in cairn_object_resolve, read-only handles; for disk
 * also locks (a live holder, a stale lock, the gc lock) and I/O failures
 * at each mutating call of a set and of a transaction, after which every
 * ref holds its old or its new value and the next update works.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn.h"
#include "repo_int.h"
#include "vfs.h"

#include "tap.h"
#include "scratch.h"
#include "fault.h"

/* ---- files ---- */

static char base_dir[1024];
static int repo_seq;

static int
is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* Number of files under dir whose name ends with ".lock". */
static int
count_locks_in(const char *dir)
{
	char p[4096];
	struct dirent *de;
	struct stat st;
	size_t len;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (is_dot(de->d_name))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		len = strlen(de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			n += count_locks_in(p);
		else if (len >= 5 && strcmp(de->d_name + len - 5, ".lock") == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Number of lock files under <repo>/refs. */
static int
count_locks(const char *repo)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/refs", repo);
	return count_locks_in(p);
}

/* Nonzero if <repo>/refs has no entries at all. */
static int
refs_empty(const char *repo)
{
	char p[4096];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(p, sizeof(p), "%s/refs", repo);
	if ((d = opendir(p)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (!is_dot(de->d_name)) {
			diag("  refs/ holds '%s'", de->d_name);
			n++;
		}
	closedir(d);
	return n == 0;
}

/* ---- repositories ---- */

enum { MEMORY, DISK, NBACKENDS };
static const char *backend_name[NBACKENDS] = { "memory", "disk" };

struct fixture {
	int be;
	char path[2048];		/* disk only */
	struct cairn_repo *r;
	struct cairn_oid o[6];		/* stored: apple ... fig */
	struct cairn_oid missing;	/* never stored */
};

static const char *contents[6] = {
	"apple\n", "banana\n", "cherry\n", "date\n", "elder\n", "fig\n",
};

static void
fixture_open(struct fixture *fx, int be)
{
	const struct cairn_error *err;
	size_t i;

	memset(fx, 0, sizeof(*fx));
	fx->be = be;
	if (be == DISK) {
		snprintf(fx->path, sizeof(fx->path), "%s/repo%d", base_dir,
		    ++repo_seq);
		if ((err = cairn_repo_init(fx->path, NULL)) != NULL ||
		    (err = cairn_repo_open(fx->path, 0, &fx->r)) != NULL)
			bail_out("disk repository %s: %s", fx->path, err->msg);
	} else if ((err = cairn_repo_open(NULL, CAIRN_OPEN_MEMORY, &fx->r)))
		bail_out("memory repository: %s", err->msg);
	for (i = 0; i < 6; i++)
		if ((err = cairn_object_put(fx->r, CAIRN_OBJ_BLOB, contents[i],
		    strlen(contents[i]), &fx->o[i])) != NULL)
			bail_out("put: %s", err->msg);
	if ((err = cairn_hash_object(cairn_repo_hash_algo(fx->r),
	    CAIRN_OBJ_BLOB, "never\n", 6, &fx->missing)))
		bail_out("hash: %s", err->msg);
}

static void
fixture_close(struct fixture *fx)
{
	cairn_repo_close(fx->r);
	fx->r = NULL;
}

/* Reopen a disk fixture (flags: CAIRN_OPEN_READ_ONLY or 0). */
static void
fixture_reopen(struct fixture *fx, unsigned flags)
{
	const struct cairn_error *err;

	cairn_repo_close(fx->r);
	if ((err = cairn_repo_open(fx->path, flags, &fx->r)) != NULL)
		bail_out("reopen %s: %s", fx->path, err->msg);
}

/* ---- refs as text ---- */

struct text {
	char s[65536];
	size_t len;
	int stop_after;		/* stop the walk after this many; 0: never */
	int seen;
};

static int
list_fn(void *arg, const char *name, const struct cairn_oid *id)
{
	struct text *t = arg;
	char hex[CAIRN_OID_HEXMAX + 1];
	int n;

	n = snprintf(t->s + t->len, sizeof(t->s) - t->len, "%s %.8s\n", name,
	    cairn_oid_fmt(id, hex));
	if (n > 0 && (size_t)n < sizeof(t->s) - t->len)
		t->len += (size_t)n;
	t->seen++;
	return t->stop_after > 0 && t->seen >= t->stop_after;
}

/* All refs with prefix as "name id8\n" lines, into t (static storage). */
static const char *
list_text(struct cairn_repo *r, const char *prefix)
{
	static struct text t;
	const struct cairn_error *err;

	memset(&t, 0, sizeof(t));
	if ((err = cairn_ref_list(r, prefix, list_fn, &t)) != NULL)
		snprintf(t.s, sizeof(t.s), "error: %s", err->msg);
	return t.s;
}

/* "name id8\n" for the given refs: name, oid, name, oid, ..., NULL. */
static const char *
expect_text(const char *name, ...)
{
	static char s[65536];
	char hex[CAIRN_OID_HEXMAX + 1];
	size_t len = 0;
	va_list ap;

	s[0] = '\0';
	va_start(ap, name);
	for (; name != NULL; name = va_arg(ap, const char *)) {
		const struct cairn_oid *id;

		id = va_arg(ap, const struct cairn_oid *);

		len += (size_t)snprintf(s + len, sizeof(s) - len, "%s %.8s\n",
		    name, cairn_oid_fmt(id, hex));
	}
	va_end(ap);
	return s;
}

static char saved[65536];

static void
save_state(struct cairn_repo *r)
{
	snprintf(saved, sizeof(saved), "%s", list_text(r, NULL));
}

static int
unchanged(struct cairn_repo *r, const char *what)
{
	return is_str(list_text(r, NULL), saved, "%s: nothing changed", what);
}

/* Is ref name at id (or absent, with id NULL)? */
static int
ref_is(struct cairn_repo *r, const char *name, const struct cairn_oid *id)
{
	const struct cairn_error *err;
	struct cairn_oid got;

	err = cairn_ref_get(r, name, &got);
	if (id == NULL)
		return err != NULL && err->code == CAIRN_ERR_NOT_FOUND;
	return err == NULL && cairn_oid_eq(&got, id);
}

static struct cairn_ref_update
upd(int op, const char *name, const struct cairn_oid *new_id,
    const struct cairn_oid *old)
{
	struct cairn_ref_update u;

	memset(&u, 0, sizeof(u));
	u.op = op;
	u.name = name;
	if (new_id != NULL)
		u.new_id = *new_id;
	if (old != NULL) {
		u.has_old = 1;
		u.old_id = *old;
	}
	return u;
}

/* ---- the suites, for each backend ---- */

static void
test_single(int be)
{
	const char *bn = backend_name[be];
	const struct cairn_error *err;
	struct fixture fx;
	struct cairn_oid got, *o;
	char a[CAIRN_OID_HEXMAX + 1], b[CAIRN_OID_HEXMAX + 1], msg[512];

	fixture_open(&fx, be);
	o = fx.o;
	is_error(cairn_ref_get(fx.r, "main", &got), CAIRN_ERR_NOT_FOUND,
	    "%s: get of a missing ref", bn);
	no_error(cairn_ref_set(fx.r, "main", &o[0], NULL), "%s: set", bn);
	ok(ref_is(fx.r, "main", &o[0]), "%s: get sees the set", bn);
	no_error(cairn_ref_set(fx.r, "main", &o[1], NULL),
	    "%s: set over a ref", bn);
	ok(ref_is(fx.r, "main", &o[1]), "%s: get sees the new value", bn);

	/* --old */
	no_error(cairn_ref_set(fx.r, "main", &o[2], &o[1]),
	    "%s: set with the right old value", bn);
	err = cairn_ref_set(fx.r, "main", &o[3], &o[1]);
	is_error(err, CAIRN_ERR_CAS_MISMATCH, "%s: set with a wrong old value",
	    bn);
	snprintf(msg, sizeof(msg), "ref 'main' is at %s but expected %s",
	    cairn_oid_fmt(&o[2], a), cairn_oid_fmt(&o[1], b));
	is_str(err ? err->msg : NULL, msg, "%s: the mismatch message", bn);
	ok(ref_is(fx.r, "main", &o[2]), "%s: a failed set changes nothing", bn);
	err = cairn_ref_set(fx.r, "nope", &o[3], &o[1]);
	is_error(err, CAIRN_ERR_CAS_MISMATCH,
	    "%s: set with an old value of a missing ref", bn);
	is_str(err ? err->msg : NULL, "ref 'nope' does not exist",
	    "%s: its message", bn);
	ok(ref_is(fx.r, "nope", NULL), "%s: and it is still missing", bn);

	/* create */
	err = cairn_ref_create(fx.r, "main", &o[3]);
	is_error(err, CAIRN_ERR_EXISTS, "%s: create of an existing ref", bn);
	is_str(err ? err->msg : NULL, "ref 'main' already exists",
	    "%s: its message", bn);
	ok(ref_is(fx.r, "main", &o[2]), "%s: ... changes nothing", bn);
	no_error(cairn_ref_create(fx.r, "other", &o[3]), "%s: create", bn);
	ok(ref_is(fx.r, "other", &o[3]), "%s: get sees the create", bn);

	/* a target that is not stored */
	save_state(fx.r);
	is_error(cairn_ref_set(fx.r, "main", &fx.missing, NULL),
	    CAIRN_ERR_NOT_FOUND, "%s: set to a missing object", bn);
	is_error(cairn_ref_set(fx.r, "new", &fx.missing, NULL),
	    CAIRN_ERR_NOT_FOUND, "%s: set of a new ref to a missing object",
	    bn);
	is_error(cairn_ref_create(fx.r, "new", &fx.missing),
	    CAIRN_ERR_NOT_FOUND, "%s: create to a missing object", bn);
	is_error(cairn_ref_set(fx.r, "main", &fx.missing, &o[2]),
	    CAIRN_ERR_NOT_FOUND, "%s: set --old to a missing object", bn);
	unchanged(fx.r, "missing targets");

	/* delete */
	is_error(cairn_ref_delete(fx.r, "nope", NULL), CAIRN_ERR_NOT_FOUND,
	    "%s: delete of a missing ref", bn);
	is_error(cairn_ref_delete(fx.r, "nope", &o[0]), CAIRN_ERR_CAS_MISMATCH,
	    "%s: delete --old of a missing ref", bn);
	is_error(cairn_ref_delete(fx.r, "main", &o[0]), CAIRN_ERR_CAS_MISMATCH,
	    "%s: delete with a wrong old value", bn);
	unchanged(fx.r, "failed deletes");
	no_error(cairn_ref_delete(fx.r, "main", &o[2]),
	    "%s: delete with the right old value", bn);
	ok(ref_is(fx.r, "main", NULL), "%s: the ref is gone", bn);
	no_error(cairn_ref_delete(fx.r, "other", NULL), "%s: delete", bn);
	is_str(list_text(fx.r, NULL), "", "%s: no refs left", bn);
	no_error(cairn_ref_create(fx.r, "main", &o[4]),
	    "%s: create after a delete", bn);
	if (be == DISK) {
		fixture_reopen(&fx, 0);
		ok(ref_is(fx.r, "main", &o[4]), "%s: a reopen sees the ref",
		    bn);
		is_int(count_locks(fx.path), 0, "%s: no lock files left", bn);
	}
	fixture_close(&fx);
}

static const char *bad_names[] = {
	"", "/", "/a", "a/", "a//b", "..", "../a", "a/../b", "a/..", ".",
	"./a", "a/./b", ".a", "a/.b", "a..b", "a.", "a/b.", "a.lock",
	"a.lock/b", "a/b.lock", "@", "a@{b", "@{", "a b", " a", "a\tb",
	"a\nb", "a\001b", "a\177b", "a~b", "a^b", "a:b", "a?b", "a*b", "a[b",
	"a\\b",
};

static void
test_names(int be)
{
	const char *bn = backend_name[be];
	struct fixture fx;
	struct cairn_oid got;
	struct cairn_ref_update u[2];
	char long_name[300], long_name2[300];
	size_t i;
	int good;

	fixture_open(&fx, be);
	save_state(fx.r);
	good = 1;
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		const char *n = bad_names[i];
		const struct cairn_error *e[6];
		int j;

		e[0] = cairn_ref_name_check(n);
		e[1] = cairn_ref_get(fx.r, n, &got);
		e[2] = cairn_ref_set(fx.r, n, &fx.o[0], NULL);
		e[3] = cairn_ref_create(fx.r, n, &fx.o[0]);
		e[4] = cairn_ref_delete(fx.r, n, NULL);
		u[0] = upd(CAIRN_REF_VERIFY, n, NULL, NULL);
		e[5] = cairn_ref_transaction(fx.r, u, 1);
		for (j = 0; j < 6; j++)
			if (e[j] == NULL || e[j]->code != CAIRN_ERR_INVALID) {
				diag("%s: name #%zu, call %d: %s", bn, i, j,
				    e[j] ? e[j]->msg : "accepted");
				good = 0;
			}
	}
	ok(good, "%s: %zu invalid names are CAIRN_ERR_INVALID everywhere", bn,
	    sizeof(bad_names) / sizeof(bad_names[0]));
	unchanged(fx.r, "invalid names");
	if (be == DISK)
		ok(refs_empty(fx.path), "%s: refs/ is still empty", bn);

	memset(long_name, 'n', 255);
	long_name[255] = '\0';
	memcpy(long_name2, long_name, 255);
	long_name2[255] = 'n';
	long_name2[256] = '\0';
	no_error(cairn_ref_name_check(long_name), "%s: a 255-byte component "
	    "is valid", bn);
	is_error(cairn_ref_name_check(long_name2), CAIRN_ERR_INVALID,
	    "%s: a 256-byte component is not", bn);
	is_error(cairn_ref_set(fx.r, long_name2, &fx.o[0], NULL),
	    CAIRN_ERR_INVALID, "%s: set of a 256-byte component", bn);
	no_error(cairn_ref_set(fx.r, long_name, &fx.o[0], NULL),
	    "%s: set of a ref named by a 255-byte component", bn);
	ok(ref_is(fx.r, long_name, &fx.o[0]), "%s: ... reads back", bn);

	/* Valid names of all kinds. */
	good = 1;
	{
		static const char *names[] = {
			"a/b/c/d/e/f", "x@y", "@x", "a/@", "caf\303\251",
			"\377raw", "a{b}", "a.lock.b", "v1.0", "q\"uote",
		};

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			const struct cairn_error *err;

			if ((err = cairn_ref_set(fx.r, names[i], &fx.o[1],
			    NULL)) != NULL || !ref_is(fx.r, names[i],
			    &fx.o[1]) || (err = cairn_ref_delete(fx.r,
			    names[i], &fx.o[1])) != NULL) {
				diag("%s: '%s': %s", bn, names[i],
				    err ? err->msg : "wrong value");
				good = 0;
			}
		}
	}
	ok(good, "%s: valid names can be set, read and deleted", bn);
	fixture_close(&fx);
}

static void
test_transactions(int be)
{
	const char *bn = backend_name[be];
	const struct cairn_error *err;
	struct fixture fx;
	struct cairn_oid *o;
	struct cairn_ref_update u[8];

	fixture_open(&fx, be);
	o = fx.o;
	no_error(cairn_ref_set(fx.r, "a", &o[0], NULL), "%s: setup a", bn);
	no_error(cairn_ref_set(fx.r, "b", &o[1], NULL), "%s: setup b", bn);
	no_error(cairn_ref_set(fx.r, "c", &o[2], NULL), "%s: setup c", bn);

	no_error(cairn_ref_transaction(fx.r, u, 0),
	    "%s: an empty transaction", bn);
	u[0] = upd(CAIRN_REF_SET, "a", &o[3], &o[0]);
	u[1] = upd(CAIRN_REF_CREATE, "d", &o[3], NULL);
	u[2] = upd(CAIRN_REF_DELETE, "c", NULL, &o[2]);
	u[3] = upd(CAIRN_REF_VERIFY, "b", NULL, &o[1]);
	u[4] = upd(CAIRN_REF_VERIFY, "absent", NULL, NULL);
	u[5] = upd(CAIRN_REF_SET, "b2", &o[4], NULL);
	no_error(cairn_ref_transaction(fx.r, u, 6),
	    "%s: set, create, delete, verify at once", bn);
	is_str(list_text(fx.r, NULL), expect_text("a", &o[3], "b", &o[1],
	    "b2", &o[4], "d", &o[3], NULL), "%s: all of it applied", bn);

	/* Each failing precondition, in first and last place. */
	{
		struct {
			struct cairn_ref_update u;
			int code;
			const char *what;
		} bad[] = {
			{ upd(CAIRN_REF_SET, "a", &o[5], &o[0]),
			    CAIRN_ERR_CAS_MISMATCH, "set, wrong old" },
			{ upd(CAIRN_REF_SET, "zz", &o[5], &o[0]),
			    CAIRN_ERR_CAS_MISMATCH, "set, old of missing ref" },
			{ upd(CAIRN_REF_CREATE, "b", &o[5], NULL),
			    CAIRN_ERR_EXISTS, "create of an existing ref" },
			{ upd(CAIRN_REF_DELETE, "zz", NULL, NULL),
			    CAIRN_ERR_NOT_FOUND, "delete of a missing ref" },
			{ upd(CAIRN_REF_DELETE, "b", NULL, &o[0]),
			    CAIRN_ERR_CAS_MISMATCH, "delete, wrong old" },
			{ upd(CAIRN_REF_VERIFY, "b", NULL, NULL),
			    CAIRN_ERR_EXISTS, "verify absent, but present" },
			{ upd(CAIRN_REF_VERIFY, "b", NULL, &o[0]),
			    CAIRN_ERR_CAS_MISMATCH, "verify, wrong value" },
			{ upd(CAIRN_REF_VERIFY, "zz", NULL, &o[0]),
			    CAIRN_ERR_CAS_MISMATCH, "verify, missing ref" },
			{ upd(CAIRN_REF_SET, "b", &fx.missing, NULL),
			    CAIRN_ERR_NOT_FOUND, "set to a missing object" },
			{ upd(CAIRN_REF_CREATE, "zz", &fx.missing, NULL),
			    CAIRN_ERR_NOT_FOUND, "create to a missing object" },
		};
		size_t i;

		save_state(fx.r);
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			u[0] = bad[i].u;
			u[1] = upd(CAIRN_REF_SET, "a", &o[5], &o[3]);
			u[2] = upd(CAIRN_REF_CREATE, "e", &o[5], NULL);
			u[3] = upd(CAIRN_REF_DELETE, "d", NULL, NULL);
			u[4] = upd(CAIRN_REF_VERIFY, "nothing", NULL, NULL);
			if (strcmp(bad[i].u.name, "a") == 0)
				u[1] = upd(CAIRN_REF_VERIFY, "b2", NULL, &o[4]);
			is_error(cairn_ref_transaction(fx.r, u, 5), bad[i].code,
			    "%s: %s, first", bn, bad[i].what);
			unchanged(fx.r, bad[i].what);
			u[4] = u[0];
			u[0] = upd(CAIRN_REF_VERIFY, "nothing", NULL, NULL);
			is_error(cairn_ref_transaction(fx.r, u, 5), bad[i].code,
			    "%s: %s, last", bn, bad[i].what);
			unchanged(fx.r, bad[i].what);
		}
	}

	/* A name twice. */
	u[0] = upd(CAIRN_REF_SET, "a", &o[5], NULL);
	u[1] = upd(CAIRN_REF_CREATE, "new", &o[5], NULL);
	u[2] = upd(CAIRN_REF_VERIFY, "a", NULL, &o[3]);
	is_error(cairn_ref_transaction(fx.r, u, 3), CAIRN_ERR_INVALID,
	    "%s: a name twice (set and verify)", bn);
	u[2] = upd(CAIRN_REF_CREATE, "new", &o[4], NULL);
	is_error(cairn_ref_transaction(fx.r, u, 3), CAIRN_ERR_INVALID,
	    "%s: a name twice (create and create)", bn);
	unchanged(fx.r, "names twice");

	/* A bad name anywhere fails it all. */
	u[2] = upd(CAIRN_REF_CREATE, "bad..name", &o[4], NULL);
	is_error(cairn_ref_transaction(fx.r, u, 3), CAIRN_ERR_INVALID,
	    "%s: a bad name in a transaction", bn);
	unchanged(fx.r, "a bad name");

	/* verify alone: absence, or a value. */
	u[0] = upd(CAIRN_REF_VERIFY, "nothing", NULL, NULL);
	no_error(cairn_ref_transaction(fx.r, u, 1),
	    "%s: verify of an absent ref", bn);
	u[0] = upd(CAIRN_REF_VERIFY, "a", NULL, &o[3]);
	no_error(cairn_ref_transaction(fx.r, u, 1),
	    "%s: verify of a ref's value", bn);
	unchanged(fx.r, "verify");

	/* Delete without old of present refs, set without old. */
	u[0] = upd(CAIRN_REF_DELETE, "a", NULL, NULL);
	u[1] = upd(CAIRN_REF_DELETE, "b", NULL, NULL);
	u[2] = upd(CAIRN_REF_SET, "d", &o[0], NULL);
	err = cairn_ref_transaction(fx.r, u, 3);
	no_error(err, "%s: deletes and a set", bn);
	is_str(list_text(fx.r, NULL), expect_text("b2", &o[4], "d", &o[0],
	    NULL), "%s: applied", bn);
	if (be == DISK)
		is_int(count_locks(fx.path), 0, "%s: no lock files left", bn);
	fixture_close(&fx);
}

static void
test_conflicts(int be)
{
	const char *bn = backend_name[be];
	struct fixture fx;
	struct cairn_oid *o, got;
	struct cairn_ref_update u[3];

	fixture_open(&fx, be);
	o = fx.o;
	no_error(cairn_ref_set(fx.r, "a", &o[0], NULL), "%s: set a", bn);
	save_state(fx.r);
	is_error(cairn_ref_set(fx.r, "a/b", &o[1], NULL), CAIRN_ERR_EXISTS,
	    "%s: a/b while a exists", bn);
	is_error(cairn_ref_create(fx.r, "a/b/c", &o[1]), CAIRN_ERR_EXISTS,
	    "%s: a/b/c while a exists", bn);
	is_error(cairn_ref_get(fx.r, "a/b", &got), CAIRN_ERR_NOT_FOUND,
	    "%s: get a/b while a exists", bn);
	unchanged(fx.r, "a/b under a");
	no_error(cairn_ref_delete(fx.r, "a", NULL), "%s: delete a", bn);
	no_error(cairn_ref_set(fx.r, "a/b", &o[1], NULL),
	    "%s: then a/b can be made", bn);
	save_state(fx.r);
	is_error(cairn_ref_set(fx.r, "a", &o[2], NULL), CAIRN_ERR_EXISTS,
	    "%s: a while a/b exists", bn);
	is_error(cairn_ref_create(fx.r, "a", &o[2]), CAIRN_ERR_EXISTS,
	    "%s: create a while a/b exists", bn);
	is_error(cairn_ref_get(fx.r, "a", &got), CAIRN_ERR_NOT_FOUND,
	    "%s: get a while a/b exists", bn);
	is_error(cairn_ref_delete(fx.r, "a", NULL), CAIRN_ERR_NOT_FOUND,
	    "%s: delete a while a/b exists", bn);
	unchanged(fx.r, "a over a/b");
	no_error(cairn_ref_delete(fx.r, "a/b", NULL), "%s: delete a/b", bn);
	no_error(cairn_ref_set(fx.r, "a", &o[2], NULL),
	    "%s: then a can be made", bn);
	no_error(cairn_ref_delete(fx.r, "a", NULL), "%s: delete a again", bn);

	/* Failed updates of nested names leave nothing in the way. */
	is_error(cairn_ref_set(fx.r, "x/y/z", &fx.missing, NULL),
	    CAIRN_ERR_NOT_FOUND, "%s: x/y/z to a missing object", bn);
	is_error(cairn_ref_set(fx.r, "p/q", &o[0], &o[1]),
	    CAIRN_ERR_CAS_MISMATCH, "%s: p/q with an old value", bn);
	no_error(cairn_ref_set(fx.r, "x", &o[0], NULL),
	    "%s: x after a failed x/y/z", bn);
	no_error(cairn_ref_set(fx.r, "p", &o[0], NULL),
	    "%s: p after a failed p/q", bn);
	no_error(cairn_ref_delete(fx.r, "x", NULL), "%s: cleanup x", bn);
	no_error(cairn_ref_delete(fx.r, "p", NULL), "%s: cleanup p", bn);

	/* In one transaction: a ref and a ref under it. */
	save_state(fx.r);
	u[0] = upd(CAIRN_REF_CREATE, "0", &o[0], NULL);
	u[1] = upd(CAIRN_REF_CREATE, "m", &o[0], NULL);
	u[2] = upd(CAIRN_REF_CREATE, "m/n", &o[0], NULL);
	is_error(cairn_ref_transaction(fx.r, u, 3), CAIRN_ERR_EXISTS,
	    "%s: create m and m/n at once", bn);
	unchanged(fx.r, "m and m/n at once");
	u[1] = upd(CAIRN_REF_SET, "m/n/o", &o[0], NULL);
	u[2] = upd(CAIRN_REF_SET, "m", &o[0], NULL);
	is_error(cairn_ref_transaction(fx.r, u, 3), CAIRN_ERR_EXISTS,
	    "%s: set m/n/o and m at once", bn);
	unchanged(fx.r, "m/n/o and m at once");
	no_error(cairn_ref_set(fx.r, "m", &o[1], NULL),
	    "%s: m can be made afterwards", bn);
	ok(ref_is(fx.r, "0", NULL), "%s: and 0 was never made", bn);
	fixture_close(&fx);
}

static void
test_list(int be)
{
	const char *bn = backend_name[be];
	static const char *names[] = {
		"z", "b", "ab", "a.b", "a-c", "B", "builds/linux/x86",
		"builds/linux0", "a/b", "0", "a/b0", "builds/mac",
	};
	struct fixture fx;
	struct text t;
	struct cairn_oid *o;
	size_t i;

	fixture_open(&fx, be);
	o = fx.o;
	is_str(list_text(fx.r, NULL), "", "%s: an empty list", bn);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!no_error(cairn_ref_set(fx.r, names[i], &o[i % 6], NULL),
		    "%s: set %s", bn, names[i]))
			break;
	is_str(list_text(fx.r, NULL), expect_text(
	    "0", &o[9 % 6], "B", &o[5], "a-c", &o[4], "a.b", &o[3],
	    "a/b", &o[8 % 6], "a/b0", &o[10 % 6], "ab", &o[2], "b", &o[1],
	    "builds/linux/x86", &o[6 % 6], "builds/linux0", &o[7 % 6],
	    "builds/mac", &o[11 % 6], "z", &o[0], NULL),
	    "%s: every ref, in byte order of names", bn);
	is_str(list_text(fx.r, ""), expect_text("0", &o[9 % 6], "B", &o[5],
	    "a-c", &o[4], "a.b", &o[3], "a/b", &o[8 % 6], "a/b0", &o[10 % 6],
	    "ab", &o[2], "b", &o[1], "builds/linux/x86", &o[6 % 6],
	    "builds/linux0", &o[7 % 6], "builds/mac", &o[11 % 6], "z", &o[0],
	    NULL), "%s: prefix \"\" is everything", bn);
	is_str(list_text(fx.r, "a"), expect_text("a-c", &o[4], "a.b", &o[3],
	    "a/b", &o[8 % 6], "a/b0", &o[10 % 6], "ab", &o[2], NULL),
	    "%s: prefix a", bn);
	is_str(list_text(fx.r, "a/"), expect_text("a/b", &o[8 % 6], "a/b0",
	    &o[10 % 6], NULL), "%s: prefix a/", bn);
	is_str(list_text(fx.r, "builds/linux"), expect_text(
	    "builds/linux/x86", &o[0], "builds/linux0", &o[1], NULL),
	    "%s: prefix builds/linux", bn);
	is_str(list_text(fx.r, "builds/linux/x86"), expect_text(
	    "builds/linux/x86", &o[0], NULL), "%s: a full name as prefix", bn);
	is_str(list_text(fx.r, "nothing"), "", "%s: a prefix of nothing", bn);
	memset(&t, 0, sizeof(t));
	t.stop_after = 3;
	no_error(cairn_ref_list(fx.r, NULL, list_fn, &t),
	    "%s: a walk stopped by its callback", bn);
	is_int(t.seen, 3, "%s: ... stops after 3", bn);
	fixture_close(&fx);
}

static void
test_resolve(int be)
{
	const char *bn = backend_name[be];
	const struct cairn_error *err;
	struct fixture fx;
	struct cairn_oid got, *o;
	char hex[CAIRN_OID_HEXMAX + 1], pfx[16];

	fixture_open(&fx, be);
	o = fx.o;
	no_error(cairn_ref_set(fx.r, "main", &o[0], NULL), "%s: set main", bn);
	no_error(cairn_ref_set(fx.r, "builds/linux/x86", &o[1], NULL),
	    "%s: set builds/linux/x86", bn);
	err = cairn_object_resolve(fx.r, "main", &got);
	ok(err == NULL && cairn_oid_eq(&got, &o[0]),
	    "%s: resolve of a ref name", bn);
	err = cairn_object_resolve(fx.r, "builds/linux/x86", &got);
	ok(err == NULL && cairn_oid_eq(&got, &o[1]),
	    "%s: resolve of a nested ref name", bn);
	no_error(cairn_ref_set(fx.r, "main", &o[2], &o[0]), "%s: move main",
	    bn);
	err = cairn_object_resolve(fx.r, "main", &got);
	ok(err == NULL && cairn_oid_eq(&got, &o[2]),
	    "%s: resolve follows the move", bn);
	/* A full id is an id, even if a ref has that name. */
	cairn_oid_fmt(&o[3], hex);
	no_error(cairn_ref_set(fx.r, hex, &o[4], NULL),
	    "%s: a ref named like an id", bn);
	err = cairn_object_resolve(fx.r, hex, &got);
	ok(err == NULL && cairn_oid_eq(&got, &o[3]),
	    "%s: a full id wins over a ref of that name", bn);
	/* A ref wins over a prefix. */
	snprintf(pfx, sizeof(pfx), "%.8s", cairn_oid_fmt(&o[5], hex));
	err = cairn_object_resolve(fx.r, pfx, &got);
	ok(err == NULL && cairn_oid_eq(&got, &o[5]),
	    "%s: a prefix resolves to its object", bn);
	no_error(cairn_ref_set(fx.r, pfx, &o[0], NULL),
	    "%s: a ref named like a prefix", bn);
	err = cairn_object_resolve(fx.r, pfx, &got);
	ok(err == NULL && cairn_oid_eq(&got, &o[0]),
	    "%s: a ref wins over a prefix", bn);
	no_error(cairn_ref_delete(fx.r, "main", NULL), "%s: delete main", bn);
	err = cairn_object_resolve(fx.r, "main", &got);
	ok(err != NULL && (err->code == CAIRN_ERR_NOT_FOUND ||
	    err->code == CAIRN_ERR_INVALID), "%s: a deleted ref resolves to "
	    "nothing", bn);
	is_error(cairn_object_resolve(fx.r, "no..name",
	    &got), CAIRN_ERR_INVALID,
	    "%s: not a name at all", bn);
	fixture_close(&fx);
}

static void
test_read_only(int be)
{
	const char *bn = backend_name[be];
	struct fixture fx;
	struct cairn_ref_update u[1];
	struct cairn_oid got;

	if (be == MEMORY) {
		const struct cairn_error *err;
		struct cairn_repo *r;
		struct cairn_oid id;

		if ((err = cairn_repo_open(NULL,
		    CAIRN_OPEN_MEMORY | CAIRN_OPEN_READ_ONLY, &r)) != NULL)
			bail_out("memory read-only: %s", err->msg);
		cairn_hash_object(cairn_repo_hash_algo(r), CAIRN_OBJ_BLOB, "x",
		    1, &id);
		is_error(cairn_ref_set(r, "a", &id, NULL), CAIRN_ERR_READ_ONLY,
		    "%s: set on a read-only handle", bn);
		u[0] = upd(CAIRN_REF_VERIFY, "a", NULL, NULL);
		is_error(cairn_ref_transaction(r, u, 1), CAIRN_ERR_READ_ONLY,
		    "%s: a transaction on a read-only handle", bn);
		is_error(cairn_ref_get(r, "a", &got), CAIRN_ERR_NOT_FOUND,
		    "%s: get works read-only", bn);
		cairn_repo_close(r);
		return;
	}
	fixture_open(&fx, be);
	no_error(cairn_ref_set(fx.r, "a", &fx.o[0], NULL), "%s: set a", bn);
	save_state(fx.r);
	fixture_reopen(&fx, CAIRN_OPEN_READ_ONLY);
	is_error(cairn_ref_set(fx.r, "a", &fx.o[1], NULL), CAIRN_ERR_READ_ONLY,
	    "%s: set on a read-only handle", bn);
	is_error(cairn_ref_set(fx.r, "b", &fx.o[1], NULL), CAIRN_ERR_READ_ONLY,
	    "%s: set of a new ref on a read-only handle", bn);
	is_error(cairn_ref_create(fx.r, "b", &fx.o[1]), CAIRN_ERR_READ_ONLY,
	    "%s: create on a read-only handle", bn);
	is_error(cairn_ref_delete(fx.r, "a", NULL), CAIRN_ERR_READ_ONLY,
	    "%s: delete on a read-only handle", bn);
	u[0] = upd(CAIRN_REF_VERIFY, "a", NULL, &fx.o[0]);
	is_error(cairn_ref_transaction(fx.r, u, 1), CAIRN_ERR_READ_ONLY,
	    "%s: a transaction on a read-only handle", bn);
	ok(ref_is(fx.r, "a", &fx.o[0]), "%s: get works read-only", bn);
	unchanged(fx.r, "read-only");
	is_int(count_locks(fx.path), 0, "%s: no lock files", bn);
	fixture_close(&fx);
}

/* ---- disk only: locks ---- */

static void
set_timeout(struct fixture *fx, const char *ms)
{
	const struct cairn_error *err;

	if ((err = cairn_repo_config_set(fx->r, "core.lockTimeout", ms)))
		bail_out("config: %s", err->msg);
	fixture_reopen(fx, 0);
}

static void
test_locks(void)
{
	struct fixture fx;
	struct cairn_ref_update u[2];
	char lock[4096], gclock[4096];
	int fd;

	fixture_open(&fx, DISK);
	set_timeout(&fx, "100");
	no_error(cairn_ref_set(fx.r, "x", &fx.o[0], NULL), "locks: set x");
	no_error(cairn_ref_set(fx.r, "y", &fx.o[0], NULL), "locks: set y");

	/* A live holder: an open, flocked x.lock. */
	snprintf(lock, sizeof(lock), "%s/refs/x.lock", fx.path);
	if ((fd = open(lock, O_RDWR | O_CREAT | O_EXCL, 0644)) == -1 ||
	    flock(fd, LOCK_EX) != 0)
		bail_out("lock %s: %s", lock, strerror(errno));
	save_state(fx.r);
	is_error(cairn_ref_set(fx.r, "x", &fx.o[1], NULL), CAIRN_ERR_LOCKED,
	    "locks: set of a ref another holder has locked");
	is_error(cairn_ref_delete(fx.r, "x", NULL), CAIRN_ERR_LOCKED,
	    "locks: delete of a locked ref");
	u[0] = upd(CAIRN_REF_SET, "y", &fx.o[1], NULL);
	u[1] = upd(CAIRN_REF_SET, "x", &fx.o[1], NULL);
	is_error(cairn_ref_transaction(fx.r, u, 2), CAIRN_ERR_LOCKED,
	    "locks: a transaction with a locked ref");
	unchanged(fx.r, "locked");
	ok(access(lock, F_OK) == 0, "locks: the holder's lock file stays");
	{
		struct cairn_oid got;

		no_error(cairn_ref_get(fx.r, "x", &got),
		    "locks: readers are not blocked");
	}
	/* The holder dies: its lock file is left, unlocked. */
	close(fd);
	no_error(cairn_ref_set(fx.r, "x", &fx.o[2], &fx.o[0]),
	    "locks: a stale lock is taken over");
	ok(ref_is(fx.r, "x", &fx.o[2]), "locks: ... and the set applied");
	is_int(count_locks(fx.path), 0, "locks: no lock file left");

	/* gc holds gc.lock exclusively. */
	snprintf(gclock, sizeof(gclock), "%s/gc.lock", fx.path);
	if ((fd = open(gclock, O_RDWR | O_CREAT, 0644)) == -1 ||
	    flock(fd, LOCK_EX) != 0)
		bail_out("lock %s: %s", gclock, strerror(errno));
	is_error(cairn_ref_set(fx.r, "x", &fx.o[3], NULL), CAIRN_ERR_LOCKED,
	    "locks: no ref update while gc holds its lock");
	ok(ref_is(fx.r, "x", &fx.o[2]), "locks: ... nothing changed");
	close(fd);
	no_error(cairn_ref_set(fx.r, "x", &fx.o[3], NULL),
	    "locks: updates resume when gc lets go");
	is_int(count_locks(fx.path), 0, "locks: no lock file left");
	fixture_close(&fx);
}

/* ---- disk only: a concurrent delete empties a directory ---- */

/*
 * A layer that, the first time a file whose path ends with trigger is
 * created, first does what a concurrent "delete d/x" does at that very
 * moment: unlink the ref and remove its emptied directory.
 */
struct racevfs {
	struct cairn_vfs vfs;	/* must be first */
	const char *trigger;
	char unlink_path[4096], rmdir_path[4096];
	int fired;
};

static int
race_open(struct cairn_vfs *v, const char *path, int flags, mode_t mode)
{
	struct racevfs *r = (struct racevfs *)v;
	size_t len = strlen(path), tl = strlen(r->trigger);
	struct cairn_vfs *posix = cairn_vfs_posix();

	if (!r->fired && (flags & O_CREAT) && len >= tl &&
	    strcmp(path + len - tl, r->trigger) == 0) {
		r->fired = 1;
		if (unlink(r->unlink_path) != 0 || rmdir(r->rmdir_path) != 0)
			diag("  race layer: %s", strerror(errno));
	}
	return posix->open(posix, path, flags, mode);
}

/* The same for a file created relative to a directory: name is the trigger's last part. */
static int
race_openat(struct cairn_vfs *v, int dfd, const char *name, int flags,
    mode_t mode)
{
	struct racevfs *r = (struct racevfs *)v;
	struct cairn_vfs *posix = cairn_vfs_posix();
	const char *last = strrchr(r->trigger, '/');

	if (!r->fired && (flags & O_CREAT) && strcmp(name, last + 1) == 0) {
		r->fired = 1;
		if (unlink(r->unlink_path) != 0 || rmdir(r->rmdir_path) != 0)
			diag("  race layer: %s", strerror(errno));
	}
	return posix->openat(posix, dfd, name, flags, mode);
}

static void
test_races(void)
{
	const struct cairn_error *err;
	struct fixture fx;
	struct racevfs rv;
	struct cairn_repo *r;

	fixture_open(&fx, DISK);
	no_error(cairn_ref_set(fx.r, "d/x", &fx.o[0], NULL), "race: set d/x");
	fixture_close(&fx);
	memset(&rv, 0, sizeof(rv));
	rv.vfs = *cairn_vfs_posix();
	rv.vfs.open = race_open;
	rv.vfs.openat = race_openat;
	rv.trigger = "/refs/d/y.lock";
	snprintf(rv.unlink_path, sizeof(rv.unlink_path), "%s/refs/d/x",
	    fx.path);
	snprintf(rv.rmdir_path, sizeof(rv.rmdir_path), "%s/refs/d", fx.path);
	if ((err = cairn_repo_open_vfs(fx.path, 0, &rv.vfs, &r)) != NULL)
		bail_out("open %s: %s", fx.path, err->msg);
	no_error(cairn_ref_set(r, "d/y", &fx.o[1], NULL), "race: set d/y "
	    "while a delete of d/x removes the directory d");
	ok(rv.fired, "race: the concurrent delete happened");
	ok(ref_is(r, "d/y", &fx.o[1]), "race: d/y is set");
	ok(ref_is(r, "d/x", NULL), "race: d/x is gone");
	cairn_repo_close(r);
	is_int(count_locks(fx.path), 0, "race: no lock file left");
}

/*
 * A layer that, the first time the file trigger (a last component) is
 * opened under refs/d, first swaps the directory refs/d for a link to
 * outside, as a hostile user with write access to refs/ could between
 * any check and the open.  Both the path calls and the calls relative to
 * a directory are watched, so the test means the same whichever the
 * code uses.
 */
struct swapvfs {
	struct cairn_vfs vfs;	/* must be first */
	const char *trigger;
	char dir[4096], moved[4096], outside[4096];
	int fired;
};

static void
swap_now(struct swapvfs *s)
{
	s->fired = 1;
	if (rename(s->dir, s->moved) != 0 || symlink(s->outside, s->dir) != 0)
		diag("  swap layer: %s", strerror(errno));
}

static int
swap_open(struct cairn_vfs *v, const char *path, int flags, mode_t mode)
{
	struct swapvfs *s = (struct swapvfs *)v;
	struct cairn_vfs *posix = cairn_vfs_posix();
	size_t dl = strlen(s->dir);

	if (!s->fired && strncmp(path, s->dir, dl) == 0 && path[dl] == '/' &&
	    strcmp(path + dl + 1, s->trigger) == 0)
		swap_now(s);
	return posix->open(posix, path, flags, mode);
}

static int
swap_openat(struct cairn_vfs *v, int dfd, const char *name, int flags,
    mode_t mode)
{
	struct swapvfs *s = (struct swapvfs *)v;
	struct cairn_vfs *posix = cairn_vfs_posix();

	if (!s->fired && strcmp(name, s->trigger) == 0)
		swap_now(s);
	return posix->openat(posix, dfd, name, flags, mode);
}

/* Files in dir other than "x", and whether x still holds want. */
static int
outside_changed(const char *dir, const char *want)
{
	char p[4200], buf[128];
	struct dirent *de;
	ssize_t n;
	DIR *d;
	int fd, changed = 0;

	if ((d = opendir(dir)) == NULL)
		return 1;
	while ((de = readdir(d)) != NULL)
		if (!is_dot(de->d_name) && strcmp(de->d_name, "x") != 0)
			changed = 1;
	closedir(d);
	snprintf(p, sizeof(p), "%s/x", dir);
	if ((fd = open(p, O_RDONLY)) == -1)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0 || (size_t)n != strlen(want) || memcmp(buf, want, (size_t)n))
		changed = 1;
	return changed;
}

static void
test_swapped_dir(void)
{
	static const char *ops[3] = { "set", "delete", "get" };
	const struct cairn_error *err;
	char hex[CAIRN_OID_HEXMAX + 2], p[4200];
	struct cairn_oid got;
	struct fixture fx;
	struct swapvfs sv;
	struct cairn_repo *r;
	int op, fd;

	for (op = 0; op < 3; op++) {
		fixture_open(&fx, DISK);
		no_error(cairn_ref_set(fx.r, "d/x", &fx.o[0], NULL),
		    "swap %s: set d/x", ops[op]);
		fixture_close(&fx);
		memset(&sv, 0, sizeof(sv));
		sv.vfs = *cairn_vfs_posix();
		sv.vfs.open = swap_open;
		sv.vfs.openat = swap_openat;
		sv.trigger = op == 2 ? "x" : "x.lock";
		snprintf(sv.dir, sizeof(sv.dir), "%s/refs/d", fx.path);
		snprintf(sv.moved, sizeof(sv.moved), "%s/refs/moved", fx.path);
		snprintf(sv.outside, sizeof(sv.outside), "%s-outside", fx.path);
		/* Outside, a valid ref file naming another object. */
		cairn_oid_fmt(&fx.o[5], hex);
		strcat(hex, "\n");
		snprintf(p, sizeof(p), "%s/x", sv.outside);
		if (mkdir(sv.outside, 0755) != 0 ||
		    (fd = open(p, O_WRONLY | O_CREAT, 0644)) == -1 ||
		    write(fd, hex, strlen(hex)) != (ssize_t)strlen(hex) ||
		    close(fd) != 0)
			bail_out("outside %s: %s", p, strerror(errno));
		if ((err = cairn_repo_open_vfs(fx.path, 0, &sv.vfs, &r)))
			bail_out("open %s: %s", fx.path, err->msg);
		if (op == 0)
			err = cairn_ref_set(r, "d/x", &fx.o[1], NULL);
		else if (op == 1)
			err = cairn_ref_delete(r, "d/x", NULL);
		else
			err = cairn_ref_get(r, "d/x", &got);
		ok(sv.fired, "swap %s: refs/d became a link to outside "
		    "mid-update", ops[op]);
		ok(!outside_changed(sv.outside, hex), "swap %s: nothing "
		    "outside the repository was written or removed", ops[op]);
		if (op == 2)
			ok(err != NULL || !cairn_oid_eq(&got, &fx.o[5]),
			    "swap get: the ref outside is not read");
		else
			ok(err == NULL, "swap %s: the update went to the "
			    "directory it had opened (%s)", ops[op],
			    err ? err->msg : "ok");
		cairn_repo_close(r);
	}
}

/* ---- disk only: I/O failures ---- */

static char pristine[2048];
static struct cairn_oid ids[6];
static int algo;

/* The pristine repository: a, b, c at apple, banana, cherry. */
static void
make_pristine(void)
{
	struct fixture fx;

	fixture_open(&fx, DISK);
	if (cairn_ref_set(fx.r, "a", &fx.o[0], NULL) != NULL ||
	    cairn_ref_set(fx.r, "b", &fx.o[1], NULL) != NULL ||
	    cairn_ref_set(fx.r, "c", &fx.o[2], NULL) != NULL)
		bail_out("pristine refs");
	memcpy(ids, fx.o, sizeof(ids));
	algo = cairn_repo_hash_algo(fx.r);
	fixture_close(&fx);
	snprintf(pristine, sizeof(pristine), "%s", fx.path);
}

/* A ref, its value before and after the operation (NULL: absent). */
struct change {
	const char *name;
	const struct cairn_oid *old, *new_id;
};

enum fop { FOP_SET, FOP_TX, NFOPS };
static const char *fop_name[NFOPS] = { "set --old", "3-ref transaction" };

static const struct cairn_error *
run_fop(struct cairn_repo *r, enum fop op)
{
	struct cairn_ref_update u[3];

	if (op == FOP_SET)
		return cairn_ref_set(r, "a", &ids[3], &ids[0]);
	u[0] = upd(CAIRN_REF_SET, "a", &ids[3], &ids[0]);
	u[1] = upd(CAIRN_REF_CREATE, "new/sub", &ids[4], NULL);
	u[2] = upd(CAIRN_REF_DELETE, "c", NULL, &ids[2]);
	return cairn_ref_transaction(r, u, 3);
}

static size_t
fop_changes(enum fop op, struct change *c)
{
	c[0] = (struct change){ "a", &ids[0], &ids[3] };
	c[1] = (struct change){ "b", &ids[1], &ids[1] };
	if (op == FOP_SET) {
		c[2] = (struct change){ "c", &ids[2], &ids[2] };
		return 3;
	}
	c[2] = (struct change){ "c", &ids[2], NULL };
	c[3] = (struct change){ "new/sub", NULL, &ids[4] };
	return 4;
}

static char why_buf[1024];

static void why(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
why(const char *fmt, ...)
{
	va_list ap;

	if (why_buf[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
	va_end(ap);
}

static int
same_or_absent(const struct cairn_oid *a, const struct cairn_oid *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return cairn_oid_eq(a, b);
}

/*
 * After a run (failed or not) in dir: a fresh handle on the real layer
 * sees each ref at its old or its new value (its new value if the run
 * succeeded), no other ref; the next update of every ref works and
 * leaves no lock file.
 */
static int
check_after(const char *dir, enum fop op, int succeeded)
{
	const struct cairn_error *err;
	struct cairn_repo *r;
	struct change c[4];
	struct cairn_ref_update u[4];
	struct cairn_oid got;
	struct text t;
	size_t n, i;
	int good = 1, count = 0;

	if ((err = cairn_repo_open_vfs(dir, 0, cairn_vfs_posix(), &r))) {
		why("reopen: %s", err->msg);
		return 0;
	}
	n = fop_changes(op, c);
	for (i = 0; i < n; i++) {
		const struct cairn_oid *now = NULL;

		err = cairn_ref_get(r, c[i].name, &got);
		if (err == NULL)
			now = &got;
		else if (err->code != CAIRN_ERR_NOT_FOUND) {
			why("get %s: %s", c[i].name, err->msg);
			good = 0;
			continue;
		}
		if (succeeded && !same_or_absent(now, c[i].new_id)) {
			why("succeeded, but %s is not at its new value",
			    c[i].name);
			good = 0;
		} else if (!same_or_absent(now, c[i].old) &&
		    !same_or_absent(now, c[i].new_id)) {
			why("%s is neither old nor new", c[i].name);
			good = 0;
		}
		count += now != NULL;
	}
	memset(&t, 0, sizeof(t));
	if ((err = cairn_ref_list(r, NULL, list_fn, &t)) != NULL) {
		why("list: %s", err->msg);
		good = 0;
	} else if (t.seen != count) {
		why("list shows %d refs, expected %d:\n%s", t.seen, count,
		    t.s);
		good = 0;
	}
	for (i = 0; i < n; i++)
		u[i] = upd(CAIRN_REF_SET, c[i].name, &ids[5], NULL);
	if ((err = cairn_ref_transaction(r, u, n)) != NULL) {
		why("the next update: %s", err->msg);
		good = 0;
	}
	for (i = 0; i < n && good; i++)
		if (!ref_is(r, c[i].name, &ids[5])) {
			why("after the next update %s is wrong", c[i].name);
			good = 0;
		}
	cairn_repo_close(r);
	if (count_locks(dir) != 0) {
		why("lock files remain after the next update");
		good = 0;
	}
	return good;
}

/*
 * Fail mutating call n = 1, 2, ... of op with err (0: a short write),
 * once or from then on, until op runs without the fault firing.
 */
static void
fault_each(enum fop op, int err_code, int persistent)
{
	struct cairn_vfs_fault f;
	const struct cairn_error *err;
	struct cairn_repo *r;
	char dir[2048];
	long n;
	int bad = 0, case_seq = 0, finished = 0;
	const char *mode = err_code == EIO ? "EIO" : err_code == ENOSPC ?
	    "ENOSPC" : "short";

	for (n = 1; n <= 200 && !finished; n++) {
		snprintf(dir, sizeof(dir), "%s/fault-%d-%d-%d-%ld", base_dir,
		    (int)op, err_code, persistent, n);
		copy_tree(pristine, dir);
		case_seq++;
		cairn_vfs_fault_init(&f, cairn_vfs_posix());
		if ((err = cairn_repo_open_vfs(dir, 0, &f.vfs, &r)) != NULL)
			bail_out("open %s: %s", dir, err->msg);
		f.calls = 0;
		f.fail_at = n;
		f.err = err_code;
		f.persistent = persistent;
		err = run_fop(r, op);
		f.fail_at = 0;
		cairn_repo_close(r);
		why_buf[0] = '\0';
		if (!check_after(dir, op, err == NULL)) {
			diag("%s, %s%s at call %ld (%s): %s", fop_name[op],
			    mode, persistent ? "+" : "", n, err ? err->msg :
			    "succeeded", why_buf);
			bad++;
		} else
			rm_rf(dir);
		if (err == NULL && !f.fired)
			finished = 1;
	}
	ok(finished && bad == 0, "faults: %s, %s%s at each of %ld mutating "
	    "calls", fop_name[op], mode, persistent ? "+" : "", n - 2);
	if (!finished)
		diag("  still failing after 200 calls");
}

int
main(void)
{
	static const int modes[] = { EIO, ENOSPC, 0 };
	int be, op, status;
	size_t m;

	scratch_base(base_dir, sizeof(base_dir), "t-refs", 0);
	for (be = 0; be < NBACKENDS; be++) {
		test_single(be);
		test_names(be);
		test_transactions(be);
		test_conflicts(be);
		test_list(be);
		test_resolve(be);
		test_read_only(be);
	}
	test_locks();
	test_races();
	test_swapped_dir();
	make_pristine();
	for (op = 0; op < NFOPS; op++)
		for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
			fault_each((enum fop)op, modes[m], 0);
			fault_each((enum fop)op, modes[m], 1);
		}
	status = done_testing();
	if (status == 0)
		rm_rf(base_dir);
	else
		diag("kept %s", base_dir);
	return status;
}
