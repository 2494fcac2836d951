/*
 * commit.c: creating commits and annotated tags in git's format, after
 * checking the identities and that what they name is in the repository.
 * The syntax of both, and their parsing, are core/object.c's.
 */
#include <inttypes.h>
#include <string.h>

#include "buf.h"
#include "graph.h"

static const struct cairn_error *
ident_check(const char *what, const struct cairn_ident *id)
{
	if (id->name == NULL || id->email == NULL)
		return cairn_error_new(CAIRN_ERR_INVALID, "%s identity unknown",
		    what);
	if (strpbrk(id->name, "<>\n") != NULL ||
	    strpbrk(id->email, "<>\n") != NULL)
		return cairn_error_new(CAIRN_ERR_INVALID,
		    "%s name or email contains '<', '>' or a newline", what);
	if (id->time < 0 || id->tz_minutes <= -24 * 60 ||
	    id->tz_minutes >= 24 * 60)
		return cairn_error_new(CAIRN_ERR_INVALID, "%s date out of "
		    "range", what);
	return NULL;
}

static const struct cairn_error *
ident_fmt(struct cairn_buf *b, const char *key, const struct cairn_ident *id)
{
	int tz = id->tz_minutes < 0 ? -id->tz_minutes : id->tz_minutes;

	return cairn_buf_printf(b, "%s %s <%s> %" PRId64 " %c%02d%02d\n", key,
	    id->name, id->email, id->time, id->tz_minutes < 0 ? '-' : '+',
	    tz / 60, tz % 60);
}

const struct cairn_error *
cairn_graph_expect_type(struct cairn_repo *repo, const struct cairn_oid *id,
    enum cairn_otype want)
{
	const struct cairn_error *err;
	char hex[CAIRN_OID_HEXMAX + 1];
	enum cairn_otype type;

	if ((err = cairn_object_stat(repo, id, &type, NULL)) != NULL)
		return err;
	if (type != want)
		return cairn_error_new(CAIRN_ERR_INVALID, "object %s is a %s, "
		    "not a %s", cairn_oid_fmt(id, hex), cairn_otype_name(type),
		    cairn_otype_name(want));
	return NULL;
}

const struct cairn_error *
cairn_commit_create(struct cairn_repo *repo, const struct cairn_oid *tree,
    const struct cairn_oid *parents, size_t nparents,
    const struct cairn_ident *author, const struct cairn_ident *committer,
    const char *message, struct cairn_oid *out)
{
	const struct cairn_error *err;
	struct cairn_buf b = { 0 };
	char hex[CAIRN_OID_HEXMAX + 1];
	size_t i;

	if ((err = ident_check("author", author)) != NULL ||
	    (err = ident_check("committer", committer)) != NULL ||
	    (err = cairn_graph_expect_type(repo, tree, CAIRN_OBJ_TREE)) != NULL)
		return err;
	for (i = 0; i < nparents; i++)
		if ((err = cairn_graph_expect_type(repo, &parents[i],
		    CAIRN_OBJ_COMMIT)) != NULL)
			return err;
	err = cairn_buf_printf(&b, "tree %s\n", cairn_oid_fmt(tree, hex));
	for (i = 0; i < nparents && err == NULL; i++)
		err = cairn_buf_printf(&b, "parent %s\n",
		    cairn_oid_fmt(&parents[i], hex));
	if (err == NULL && (err = ident_fmt(&b, "author", author)) == NULL &&
	    (err = ident_fmt(&b, "committer", committer)) == NULL)
		err = cairn_buf_printf(&b, "\n%s", message);
	if (err == NULL)
		err = cairn_object_put(repo, CAIRN_OBJ_COMMIT, b.data, b.len,
		    out);
	cairn_buf_release(&b);
	return err;
}

const struct cairn_error *
cairn_tag_create(struct cairn_repo *repo, const struct cairn_oid *object,
    const char *name, const struct cairn_ident *tagger, const char *message,
    struct cairn_oid *out)
{
	const struct cairn_error *err;
	struct cairn_buf b = { 0 };
	char hex[CAIRN_OID_HEXMAX + 1];
	enum cairn_otype type;

	if ((err = ident_check("tagger", tagger)) != NULL ||
	    (err = cairn_object_stat(repo, object, &type, NULL)) != NULL)
		return err;
	if (*name == '\0' || strchr(name, '\n') != NULL)
		return cairn_error_new(CAIRN_ERR_INVALID, "bad tag name");
	if ((err = cairn_buf_printf(&b, "object %s\ntype %s\ntag %s\n",
	    cairn_oid_fmt(object, hex), cairn_otype_name(type),
	    name)) == NULL && (err = ident_fmt(&b, "tagger", tagger)) == NULL)
		err = cairn_buf_printf(&b, "\n%s", message);
	if (err == NULL)
		err = cairn_object_put(repo, CAIRN_OBJ_TAG, b.data, b.len, out);
	cairn_buf_release(&b);
	return err;
}
