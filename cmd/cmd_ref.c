/*
 * cmd_ref.c: cairn ref, list, read and update refs, with compare-and-swap
 * and transactions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

#define LIST_USAGE "cairn ref list [-z] [--json] [<prefix>]"
#define GET_USAGE "cairn ref get <name>"
#define SET_USAGE "cairn ref set <name> <object> [--old <id> | --create]"
#define DELETE_USAGE "cairn ref delete <name> [--old <id>]"
#define UPDATE_USAGE "cairn ref update [-z]"

const char cmd_ref_usage[] =
    LIST_USAGE "\n"
    "       " GET_USAGE "\n"
    "       " SET_USAGE "\n"
    "       " DELETE_USAGE "\n"
    "       " UPDATE_USAGE;

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

struct list_out {
	int nul, json, n;
};

static int
list_one(void *arg, const char *name, const struct cairn_oid *id)
{
	struct list_out *o = arg;
	char hex[CAIRN_OID_HEXMAX + 1];

	cairn_oid_fmt(id, hex);
	if (o->json) {
		printf("%s{\"name\": ", o->n++ ? ", " : "");
		cmd_json_string(name);
		printf(", \"id\": \"%s\"}", hex);
	} else
		printf("%s %s%c", hex, name, o->nul ? '\0' : '\n');
	/* Stop listing once output cannot be written. */
	return ferror(stdout) ? 1 : 0;
}

static int
ref_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct cairn_repo *repo;
	struct list_out o = { 0, 0, 0 };
	struct cmd_getopt g;
	int c, status;

	cmd_getopt_init(&g, 0);
	while ((c = cmd_getopt(&g, argc, argv, "zh", opts, LIST_USAGE)) != -1) {
		if (c == 'z')
			o.nul = 1;
		else if (c == 'j')
			o.json = 1;
		else if (c == 'h')
			return cmd_help(LIST_USAGE);
		else
			return 2;
	}
	if (argc - g.ind > 1)
		return cmd_usage(LIST_USAGE, "too many arguments");
	if ((status = open_repo(&repo, 0)) != 0)
		return status;
	if (o.json)
		printf("{\"refs\": [");
	err = cairn_ref_list(repo, g.ind < argc ? argv[g.ind] : NULL,
	    list_one, &o);
	if (o.json)
		printf("]}\n");
	cmd_close(repo);
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
