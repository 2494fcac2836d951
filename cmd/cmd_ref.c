/*
 * cmd_ref.c: cairn ref, list, read and update refs, with compare-and-swap
 * and transactions.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const char cmd_ref_usage[] =
    "cairn ref list [-z] [--json] [<prefix>]\n"
    "       cairn ref get <name>\n"
    "       cairn ref set <name> <object> [--old <id> | --create]\n"
    "       cairn ref delete <name> [--old <id>]\n"
    "       cairn ref update [-z]";

/* list */

struct list_out {
	int nul, json, n;
};


static int
list_one(void *arg, const char *name, const struct cairn_oid *id)
{
	struct list_out *o = arg;
	char hex[CAIRN_OID_HEXMAX + 1];

	cairn_oid_fmt(hex, id);
	if (o->json) {
		printf("%s{\"name\": ", o->n++ ? ", " : "");
		cmd_json_string(name);
		printf(", \"id\": \"%s\"}", hex);
	} else
		printf("%s %s%c", hex, name, o->nul ? '\0' : '\n');
	return 0;
}

static int
ref_list(struct cairn_repo *repo, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	struct list_out o = { 0, 0, 0 };
	int c;

	while ((c = getopt_long(argc, argv, "z", opts, NULL)) != -1) {
		if (c == 'z')
			o.nul = 1;
		else if (c == 'j')
			o.json = 1;
		else
			return cmd_usage(cmd_ref_usage, "unknown option '%s'",
			    argv[optind - 1]);
	}
	if (argc - optind > 1)
		return cmd_usage(cmd_ref_usage, "too many arguments");
	if (o.json)
		printf("{\"refs\": [");
	err = cairn_ref_list(repo, optind < argc ? argv[optind] : NULL,
	    list_one, &o);
	if (o.json)
		printf("]}\n");
	return err ? cmd_fail(err) : 0;
}

/* get, set, delete */

static int
ref_get(struct cairn_repo *repo, int argc, char **argv)
{
	const struct cairn_error *err;
	struct cairn_oid id;
	char hex[CAIRN_OID_HEXMAX + 1];

	if (argc != 2)
		return cmd_usage(cmd_ref_usage, "ref get takes one name");
	if ((err = cairn_ref_get(repo, argv[1], &id)) != NULL)
		return cmd_fail(err);
	printf("%s\n", cairn_oid_fmt(hex, &id));
	return 0;
}

/* Parse --old and --create; fills *old when given. */
static int
precondition(int argc, char **argv, int allow_create, struct cairn_repo *repo,
    struct cairn_oid *old, int *has_old, int *create)
{
	static const struct option opts[] = {
		{ "old", required_argument, NULL, 'o' },
		{ "create", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cairn_error *err;
	int c;

	*has_old = *create = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'o') {
			if ((err = cairn_resolve(repo, old, optarg)) != NULL)
				return cmd_fail(err);
			*has_old = 1;
		} else if (c == 'c' && allow_create)
			*create = 1;
		else
			return cmd_usage(cmd_ref_usage, "unknown option '%s'",
			    argv[optind - 1]);
	}
	if (*has_old && *create)
		return cmd_usage(cmd_ref_usage,
		    "--old and --create exclude each other");
	return 0;
}

static int
ref_set(struct cairn_repo *repo, int argc, char **argv)
{
	const struct cairn_error *err;
	struct cairn_oid id, old;
	int r, has_old, create;

	if ((r = precondition(argc, argv, 1, repo, &old, &has_old, &create)))
		return r;
	if (argc - optind != 2)
		return cmd_usage(cmd_ref_usage,
		    "ref set takes a name and an object");
	if ((err = cairn_refname_valid(argv[optind])) != NULL ||
	    (err = cairn_resolve(repo, &id, argv[optind + 1])) != NULL)
		return cmd_fail(err);
	if (create)
		err = cairn_ref_create(repo, argv[optind], &id);
	else
		err = cairn_ref_set(repo, argv[optind], &id,
		    has_old ? &old : NULL);
	return err ? cmd_fail(err) : 0;
}

static int
ref_delete(struct cairn_repo *repo, int argc, char **argv)
{
	const struct cairn_error *err;
	struct cairn_oid old;
	int r, has_old, create;

	if ((r = precondition(argc, argv, 0, repo, &old, &has_old, &create)))
		return r;
	if (argc - optind != 1)
		return cmd_usage(cmd_ref_usage, "ref delete takes one name");
	err = cairn_ref_delete(repo, argv[optind], has_old ? &old : NULL);
	return err ? cmd_fail(err) : 0;
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
	return *has ? cairn_resolve(repo, out, s) : NULL;
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
	if ((err = cairn_refname_valid(name)) != NULL)
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
	int op, nfields, i, complete;
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
		if (cmd_input_line(in, '\0', &line, &len, &complete) != 1 ||
		    !complete || (fields[i] = strdup(line)) == NULL) {
			err = cairn_error_new(CAIRN_ERR_INVALID,
			    "ref update of '%s': missing field", name);
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
ref_update(struct cairn_repo *repo, int argc, char **argv)
{
	const struct cairn_error *err = NULL;
	struct tx tx = { NULL, 0, 0 };
	struct cmd_input in;
	char *line;
	size_t len, i;
	int nul = 0, r, complete;

	if (argc == 2 && strcmp(argv[1], "-z") == 0)
		nul = 1;
	else if (argc != 1)
		return cmd_usage(cmd_ref_usage, "ref update takes only -z");
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
		err = cairn_error_new(CAIRN_ERR_IO, "read standard input");
	if (err == NULL && tx.n > 0)
		err = cairn_ref_transaction(repo, tx.u, tx.n);
	cmd_input_release(&in);
	for (i = 0; i < tx.n; i++)
		free((char *)tx.u[i].name);
	free(tx.u);
	return err ? cmd_fail(err) : 0;
}

int
cmd_ref(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(struct cairn_repo *, int, char **);
		int writes;
	} subs[] = {
		{ "list", ref_list, 0 },
		{ "get", ref_get, 0 },
		{ "set", ref_set, 1 },
		{ "delete", ref_delete, 1 },
		{ "update", ref_update, 1 },
	};
	const struct cairn_error *err;
	struct cairn_repo *repo;
	size_t i;
	int status;

	if (argc < 2)
		return cmd_usage(cmd_ref_usage, "no ref command given");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		printf("usage: %s\n", cmd_ref_usage);
		return cmd_finish_output(0);
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			break;
	if (i == sizeof(subs) / sizeof(subs[0]))
		return cmd_usage(cmd_ref_usage, "unknown ref command '%s'",
		    argv[1]);
	if ((err = cmd_open(&repo, subs[i].writes)) != NULL)
		return cmd_fail(err);
	optind = 0;
	status = subs[i].run(repo, argc - 1, argv + 1);
	cmd_close(repo);
	return cmd_finish_output(status);
}
