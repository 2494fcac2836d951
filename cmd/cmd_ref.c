/*
 * cmd_ref.c: cairn ref, list, read and update refs, with compare-and-swap
 * and transactions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "expire.h"

#define LIST_USAGE "cairn ref list [-z] [--json | --format=<format>] " \
    "[--sort=<key>] [<pattern>...]"
#define GET_USAGE "cairn ref get <name>"
#define SET_USAGE "cairn ref set <name> <object> [--old <id> | --create]"
#define DELETE_USAGE "cairn ref delete <name> [--old <id>]"
#define UPDATE_USAGE "cairn ref update [-z]"
#define EXPIRE_USAGE "cairn ref expire [--older-than=<age>] [--keep=<n>] " \
    "[--dry-run] [--json] <pattern>..."

const char cmd_ref_usage[] =
    LIST_USAGE "\n"
    "       " GET_USAGE "\n"
    "       " SET_USAGE "\n"
    "       " DELETE_USAGE "\n"
    "       " UPDATE_USAGE "\n"
    "       " EXPIRE_USAGE;

/*
 * Each subcommand parses and checks its arguments before it opens the
 * repository, so that a usage error is one (exit 2) wherever it is run.
 */
static int
open_repo(struct cairn_repo **repo, int write)
{
	const struct cairn_error *err;

	if ((err = cmd_open(repo, write)) != NULL)
		return cmd_fail(err);
	return 0;
}

/* list */

/*
 * What ref list shows: refs matching any pattern (a shell glob when it
 * holds *, ? or [, where * and ? do not match '/'; otherwise a prefix),
 * in the order --sort asks, as lines, NUL-ended lines, JSON or a format
 * of %(refname), %(objectname), %(objectname:short), %(objecttype) and %%.
 */
struct ref_ent {
	char *name;
	struct cairn_oid id;
};

struct list_out {
	struct cairn_repo *repo;
	int nul, json, n;
	const char *format;
	char **patterns;
	int npatterns;
	struct ref_ent *v;
	size_t nv, cap;
	int oom;
};

static int
collect_ref(void *arg, const char *name, const struct cairn_oid *id)
{
	struct list_out *o = arg;
	struct ref_ent *n;

	if (!expire_matches(o->patterns, o->npatterns, name))
		return 0;
	if (o->nv == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 64;
		if ((n = realloc(o->v, o->cap * sizeof(*n))) == NULL) {
			o->oom = 1;
			return 1;
		}
		o->v = n;
	}
	if ((o->v[o->nv].name = strdup(name)) == NULL) {
		o->oom = 1;
		return 1;
	}
	o->v[o->nv++].id = *id;
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct ref_ent *)a)->name,
	    ((const struct ref_ent *)b)->name);
}

static int
by_name_desc(const void *a, const void *b)
{
	return by_name(b, a);
}

static int
by_id(const void *a, const void *b)
{
	const struct ref_ent *x = a, *y = b;
	int c = cairn_oid_cmp(&x->id, &y->id);

	return c != 0 ? c : strcmp(x->name, y->name);
}

static const char *const atoms[] = {
	"refname", "objectname", "objectname:short", "objecttype",
};
#define NATOMS (sizeof(atoms) / sizeof(atoms[0]))

/* The atom (index into atoms) at f, past "%(", its length with ')'. */
static int
ref_atom(const char *f, size_t *len)
{
	const char *end = strchr(f, ')');
	size_t i;

	if (end == NULL)
		return -1;
	*len = (size_t)(end - f) + 1;
	for (i = 0; i < NATOMS; i++)
		if (strlen(atoms[i]) == *len - 1 &&
		    strncmp(f, atoms[i], *len - 1) == 0)
			return (int)i;
	return -1;
}

static const struct cairn_error *
ref_format_check(const char *f)
{
	size_t len;

	while ((f = strchr(f, '%')) != NULL) {
		if (f[1] != '(') {
			f += f[1] == '%' ? 2 : 1;
			continue;
		}
		if (ref_atom(f + 2, &len) < 0)
			return cairn_error_new(CAIRN_ERR_INVALID,
			    "unknown format element '%s'", f);
		f += 2 + len;
	}
	return NULL;
}

static const struct cairn_error *
ref_format_print(struct list_out *o, const struct ref_ent *e)
{
	const struct cairn_error *err;
	const char *f;
	char hex[CAIRN_OID_HEXMAX + 1];
	enum cairn_otype type;
	size_t len;

	for (f = o->format; *f != '\0'; f++) {
		if (f[0] != '%' || (f[1] != '(' && f[1] != '%')) {
			putchar(*f);
			continue;
		}
		if (f[1] == '%') {
			putchar('%');
			f++;
			continue;
		}
		switch (ref_atom(f + 2, &len)) {
		case 0:
			fputs(e->name, stdout);
			break;
		case 1:
			fputs(cairn_oid_fmt(&e->id, hex), stdout);
			break;
		case 2:
			cmd_abbrev(o->repo, &e->id, hex);
			fputs(hex, stdout);
			break;
		default:
			if ((err = cairn_object_stat(o->repo, &e->id, &type,
			    NULL)) != NULL)
				return err;
			fputs(cairn_otype_name(type), stdout);
			break;
		}
		f += 1 + len;
	}
	putchar(o->nul ? '\0' : '\n');
	return NULL;
}

static const struct cairn_error *
list_print(struct list_out *o)
{
	const struct cairn_error *err;
	char hex[CAIRN_OID_HEXMAX + 1];
	size_t i;

	if (o->json)
		printf("{\"refs\": [");
	for (i = 0; i < o->nv && !ferror(stdout); i++) {
		cairn_oid_fmt(&o->v[i].id, hex);
		if (o->json) {
			printf("%s{\"name\": ", i ? ", " : "");
			cmd_json_string(o->v[i].name);
			printf(", \"id\": \"%s\"}", hex);
		} else if (o->format != NULL) {
			if ((err = ref_format_print(o, &o->v[i])) != NULL)
				return err;
		} else
			printf("%s %s%c", hex, o->v[i].name,
			    o->nul ? '\0' : '\n');
	}
	if (o->json)
		printf("]}\n");
	return NULL;
}

static int
ref_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "sort", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err, *lerr;
	struct list_out o;
	struct cmd_getopt g;
	int (*cmp)(const void *, const void *) = NULL;
	const char *prefix = NULL;
	size_t i;
	int c, status;

	memset(&o, 0, sizeof(o));
	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "zh", opts, LIST_USAGE)) != -1) {
		if (c == 'z')
			o.nul = 1;
		else if (c == 'j')
			o.json = 1;
		else if (c == 'f')
			o.format = g.arg;
		else if (c == 's') {
			if (strcmp(g.arg, "refname") == 0)
				cmp = by_name;
			else if (strcmp(g.arg, "-refname") == 0)
				cmp = by_name_desc;
			else if (strcmp(g.arg, "objectname") == 0)
				cmp = by_id;
			else
				return cmd_usage(LIST_USAGE, "unknown sort key "
				    "'%s' (refname, -refname or objectname)",
				    g.arg);
		} else if (c == 'h')
			return cmd_help(LIST_USAGE);
		else
			return 2;
	}
	if (o.json && o.format != NULL)
		return cmd_usage(LIST_USAGE, "--json and --format exclude "
		    "each other");
	if (o.format != NULL && (err = ref_format_check(o.format)) != NULL)
		return cmd_usage(LIST_USAGE, "%s", err->msg);
	o.patterns = argv + g.ind;
	o.npatterns = argc - g.ind;
	/* One plain prefix: only that part of refs/ is read. */
	if (o.npatterns == 1 && !expire_is_glob(o.patterns[0]))
		prefix = o.patterns[0];
	if ((status = open_repo(&o.repo, 0)) != 0)
		return status;
	/* The good refs are shown even when a problem follows them. */
	lerr = cairn_ref_list(o.repo, prefix, collect_ref, &o);
	if (o.oom)
		err = cairn_error_nomem();
	else {
		if (cmp != NULL)
			qsort(o.v, o.nv, sizeof(*o.v), cmp);
		if ((err = list_print(&o)) == NULL)
			err = lerr;
	}
	for (i = 0; i < o.nv; i++)
		free(o.v[i].name);
	free(o.v);
	cmd_close(o.repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}

/* get, set, delete */

/* Options of a subcommand that takes only --help. */
static int
no_options(int argc, char **argv, const char *usage, int *ind)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_getopt g;
	int c;

	cmd_getopt_init(&g, 0);
	if ((c = cmd_getopt(&g, argc, argv, "h", opts, usage)) != -1)
		return c == 'h' ? cmd_help(usage) : 2;
	*ind = g.ind;
	return -1;
}

static int
ref_get(int argc, char **argv)
{
	const struct cairn_error *err;
	struct cairn_repo *repo;
	struct cairn_oid id;
	char hex[CAIRN_OID_HEXMAX + 1];
	int ind = 0, status;

	if ((status = no_options(argc, argv, GET_USAGE, &ind)) >= 0)
		return status;
	if (argc - ind != 1)
		return cmd_usage(GET_USAGE, "ref get takes one name");
	if ((err = cairn_ref_name_check(argv[ind])) != NULL)
		return cmd_fail(err);
	if ((status = open_repo(&repo, 0)) != 0)
		return status;
	if ((err = cairn_ref_get(repo, argv[ind], &id)) == NULL)
		printf("%s\n", cairn_oid_fmt(&id, hex));
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}

struct precondition {
	const char *old;	/* --old, or NULL */
	int create;		/* --create */
	int ind;		/* the first operand */
};

/* Parse --old and --create; returns -1 to go on, else the exit status. */
static int
precondition(int argc, char **argv, int allow_create, const char *usage,
    struct precondition *pc)
{
	static const struct option opts[] = {
		{ "old", required_argument, NULL, 'o' },
		{ "create", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option delete_opts[] = {
		{ "old", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct cmd_getopt g;
	int c;

	memset(pc, 0, sizeof(*pc));
	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "h", allow_create ? opts :
	    delete_opts, usage)) != -1) {
		if (c == 'o')
			pc->old = g.arg;
		else if (c == 'c')
			pc->create = 1;
		else if (c == 'h')
			return cmd_help(usage);
		else
			return 2;
	}
	if (pc->old != NULL && pc->create)
		return cmd_usage(usage, "--old and --create exclude each other");
	if (pc->old != NULL && (err = cmd_check_name(pc->old)) != NULL)
		return cmd_fail(err);
	pc->ind = g.ind;
	return -1;
}

static int
ref_set(int argc, char **argv)
{
	const struct cairn_error *err;
	struct cairn_repo *repo;
	struct cairn_oid id, old;
	struct precondition pc;
	const char *name;
	int status;

	if ((status = precondition(argc, argv, 1, SET_USAGE, &pc)) >= 0)
		return status;
	if (argc - pc.ind != 2)
		return cmd_usage(SET_USAGE,
		    "ref set takes a name and an object");
	name = argv[pc.ind];
	if ((err = cairn_ref_name_check(name)) != NULL ||
	    (err = cmd_check_name(argv[pc.ind + 1])) != NULL)
		return cmd_fail(err);
	if ((status = open_repo(&repo, 1)) != 0)
		return status;
	if ((pc.old == NULL ||
	    (err = cairn_rev_resolve(repo, pc.old, &old)) == NULL) &&
	    (err = cairn_rev_resolve(repo, argv[pc.ind + 1], &id)) == NULL) {
		if (pc.create)
			err = cairn_ref_create(repo, name, &id);
		else
			err = cairn_ref_set(repo, name, &id,
			    pc.old ? &old : NULL);
	}
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}

static int
ref_delete(int argc, char **argv)
{
	const struct cairn_error *err;
	struct cairn_repo *repo;
	struct cairn_oid old;
	struct precondition pc;
	const char *name;
	int status;

	if ((status = precondition(argc, argv, 0, DELETE_USAGE, &pc)) >= 0)
		return status;
	if (argc - pc.ind != 1)
		return cmd_usage(DELETE_USAGE, "ref delete takes one name");
	name = argv[pc.ind];
	if ((err = cairn_ref_name_check(name)) != NULL)
		return cmd_fail(err);
	if ((status = open_repo(&repo, 1)) != 0)
		return status;
	if (pc.old == NULL || (err = cairn_rev_resolve(repo, pc.old,
	    &old)) == NULL)
		err = cairn_ref_delete(repo, name, pc.old ? &old : NULL);
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}

/* expire */

/*
 * Mark the refs of s (newest first) that go: every one after the newest
 * keep (keep < 0: no such limit) that was set before since (if has_since;
 * "never" is INT64_MIN, before which nothing was set).  A ref both older
 * and past the count is said to go for its age.
 */
static void
pick_expired(struct expire_set *s, long long keep, int has_since,
    int64_t since)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (keep >= 0 && i < (size_t)keep)
			continue;
		if (!has_since)
			s->v[i].why = EXPIRE_COUNT;
		else if (EXPIRE_SECONDS(&s->v[i]) < since)
			s->v[i].why = EXPIRE_OLDER;
	}
}

static int
ref_expire(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "older-than", required_argument, NULL, 'o' },
		{ "keep", required_argument, NULL, 'k' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err = NULL;
	const char *older = NULL, *why_text[4] = { "" };
	struct cairn_repo *repo;
	struct expire_set s;
	struct cmd_getopt g;
	char keep_text[64], older_text[128], *end;
	long long keep = -1;
	int64_t since = INT64_MIN;
	int c, i, dry_run = 0, json = 0, status;

	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "nh", opts,
	    EXPIRE_USAGE)) != -1) {
		if (c == 'o')
			older = g.arg;
		else if (c == 'k') {
			keep = strtoll(g.arg, &end, 10);
			if (*g.arg < '0' || *g.arg > '9' || *end != '\0' ||
			    keep < 0 || keep > 1000000000)
				return cmd_usage(EXPIRE_USAGE, "--keep takes a "
				    "count, not '%s'", g.arg);
		} else if (c == 'n')
			dry_run = 1;
		else if (c == 'j')
			json = 1;
		else if (c == 'h')
			return cmd_help(EXPIRE_USAGE);
		else
			return 2;
	}
	if (older == NULL && keep < 0)
		return cmd_usage(EXPIRE_USAGE, "ref expire needs --older-than "
		    "or --keep");
	if (g.ind == argc)
		return cmd_usage(EXPIRE_USAGE, "ref expire needs a pattern "
		    "(every ref: '*')");
	for (i = g.ind; i < argc; i++)
		if (argv[i][0] == '\0')
			return cmd_usage(EXPIRE_USAGE, "empty pattern");
	if (older != NULL && (err = cairn_gc_expiry_parse(older,
	    (int64_t)time(NULL), &since)) != NULL)
		return cmd_fail(err);
	snprintf(older_text, sizeof(older_text), "older than %s", older ?
	    older : "");
	snprintf(keep_text, sizeof(keep_text), "not among the newest %lld",
	    keep);
	why_text[EXPIRE_OLDER] = older_text;
	why_text[EXPIRE_COUNT] = keep_text;
	if ((status = open_repo(&repo, !dry_run)) != 0)
		return status;
	if ((err = expire_collect(repo, argv + g.ind, argc - g.ind,
	    &s)) == NULL) {
		pick_expired(&s, keep, older != NULL, since);
		if (!dry_run)
			err = expire_apply(repo, &s);
	}
	cmd_close(repo);
	/* What was deleted is listed, even when a later delete failed. */
	if (json)
		printf("{\"dry_run\": %s, \"expired\": [",
		    dry_run ? "true" : "false");
	expire_print(&s, json, dry_run && err == NULL, why_text);
	if (json)
		printf("]}\n");
	expire_release(&s);
	if (err != NULL)
		status = cmd_fail(err);
	return cmd_finish_output(err ? status : 0);
}

/* update: a transaction from stdin */

struct tx {
	struct cairn_ref_update *u;
	size_t n, cap;
};

static const struct cairn_error *
tx_id(struct cairn_repo *repo, const char *s, struct cairn_oid *out, int *has)
{
	*has = *s != '\0';
	return *has ? cairn_rev_resolve(repo, s, out) : NULL;
}

/*
 * One command: op, name, and up to two id fields (NULL when absent).
 * Returns the op or 0 for an unknown one.
 */
static int
tx_op(const char *word, int *nfields)
{
	static const struct {
		const char *word;
		int op, nfields;
	} ops[] = {
		{ "set", CAIRN_REF_SET, 2 },
		{ "create", CAIRN_REF_CREATE, 1 },
		{ "delete", CAIRN_REF_DELETE, 1 },
		{ "verify", CAIRN_REF_VERIFY, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(word, ops[i].word) == 0) {
			*nfields = ops[i].nfields;
			return ops[i].op;
		}
	return 0;
}

static const struct cairn_error *
tx_add(struct tx *tx, struct cairn_repo *repo, int op, const char *name,
    const char *f1, const char *f2)
{
	const struct cairn_error *err;
	struct cairn_ref_update *u;
	int has_new = 0;

	if (tx->n == tx->cap) {
		tx->cap = tx->cap * 2 + 8;
		if ((u = realloc(tx->u, tx->cap * sizeof(*u))) == NULL)
			return cairn_error_nomem();
		tx->u = u;
	}
	u = &tx->u[tx->n];
	memset(u, 0, sizeof(*u));
	u->op = op;
	if ((err = cairn_ref_name_check(name)) != NULL)
		return err;
	if ((u->name = strdup(name)) == NULL)
		return cairn_error_nomem();
	tx->n++;
	if (op == CAIRN_REF_SET || op == CAIRN_REF_CREATE) {
		if ((err = tx_id(repo, f1 ? f1 : "", &u->new_id, &has_new)))
			return err;
		if (!has_new)
			return cairn_error_new(CAIRN_ERR_INVALID,
			    "%s of ref '%s' needs an object", op ==
			    CAIRN_REF_SET ? "set" : "create", name);
		return tx_id(repo, f2 ? f2 : "", &u->old_id, &u->has_old);
	}
	return tx_id(repo, f1 ? f1 : "", &u->old_id, &u->has_old);
}

/* A line "<op> SP <name> [SP <id> [SP <id>]]". */
static const struct cairn_error *
tx_line(struct tx *tx, struct cairn_repo *repo, char *line)
{
	char *f[5];
	int n = 0, op, nfields;

	for (f[0] = line; n < 4; n++) {
		char *sp = strchr(f[n], ' ');

		if (sp == NULL)
			break;
		*sp = '\0';
		f[n + 1] = sp + 1;
	}
	n++;
	if ((op = tx_op(f[0], &nfields)) == 0 || n < 2 || n > 2 + nfields)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "malformed ref update line starting '%s'", f[0]);
	return tx_add(tx, repo, op, f[1], n > 2 ? f[2] : NULL,
	    n > 3 ? f[3] : NULL);
}

/* -z: "<op> SP <name> NUL" then the op's id fields, each NUL-terminated. */
static const struct cairn_error *
tx_nul(struct tx *tx, struct cairn_repo *repo, struct cmd_input *in,
    char *first)
{
	char *sp = strchr(first, ' '), *line, *fields[2] = { NULL, NULL };
	size_t len;
	int op, nfields, i, r, complete;
	const struct cairn_error *err;
	char *name;

	if (sp == NULL)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "malformed ref update command '%s'", first);
	*sp = '\0';
	if ((op = tx_op(first, &nfields)) == 0)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "unknown ref update command '%s'", first);
	if ((name = strdup(sp + 1)) == NULL)
		return cairn_error_nomem();
	for (i = 0; i < nfields; i++) {
		r = cmd_input_line(in, '\0', &line, &len, &complete);
		if (r < 0) {
			err = cmd_input_error(in);
			goto done;
		}
		if (r == 0 || !complete) {
			err = cairn_error_new(CAIRN_ERR_INVALID,
			    "ref update of '%s': missing field", name);
			goto done;
		}
		if ((fields[i] = strdup(line)) == NULL) {
			err = cairn_error_nomem();
			goto done;
		}
	}
	err = tx_add(tx, repo, op, name, fields[0], fields[1]);
done:
	free(name);
	free(fields[0]);
	free(fields[1]);
	return err;
}

static int
ref_update(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err = NULL;
	struct cairn_repo *repo;
	struct tx tx = { NULL, 0, 0 };
	struct cmd_input in;
	struct cmd_getopt g;
	char *line;
	size_t len, i;
	int nul = 0, r, c, complete, status;

	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "zh", opts, UPDATE_USAGE)) != -1) {
		if (c == 'z')
			nul = 1;
		else if (c == 'h')
			return cmd_help(UPDATE_USAGE);
		else
			return 2;
	}
	if (g.ind < argc)
		return cmd_usage(UPDATE_USAGE, "unexpected argument '%s'",
		    argv[g.ind]);
	if ((status = open_repo(&repo, 1)) != 0)
		return status;
	cmd_input_init(&in, 0);
	while (err == NULL && (r = cmd_input_line(&in, nul ? '\0' : '\n',
	    &line, &len, &complete)) > 0) {
		if (strlen(line) != len)
			err = cairn_error_new(CAIRN_ERR_INVALID,
			    "NUL in a ref update line (use -z)");
		else
			err = nul ? tx_nul(&tx, repo, &in, line) :
			    tx_line(&tx, repo, line);
	}
	if (err == NULL && r < 0)
		err = cmd_input_error(&in);
	if (err == NULL && tx.n > 0)
		err = cairn_ref_transaction(repo, tx.u, tx.n);
	cmd_input_release(&in);
	for (i = 0; i < tx.n; i++)
		free((char *)tx.u[i].name);
	free(tx.u);
	cmd_close(repo);
	return err ? cmd_fail(err) : cmd_finish_output(0);
}

int
cmd_ref(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} subs[] = {
		{ "list", ref_list },
		{ "get", ref_get },
		{ "set", ref_set },
		{ "delete", ref_delete },
		{ "update", ref_update },
		{ "expire", ref_expire },
	};
	size_t i;

	if (argc < 2)
		return cmd_usage(cmd_ref_usage, "no ref command given");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return cmd_help(cmd_ref_usage);
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(argc - 1, argv + 1);
	return cmd_usage(cmd_ref_usage, "unknown ref command '%s'", argv[1]);
}
