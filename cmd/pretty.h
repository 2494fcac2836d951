/*
 * pretty.h: commits printed as git log and git show print them, and the
 * revision arguments of log and rev-list.
 */
#ifndef CAIRN_PRETTY_H
#define CAIRN_PRETTY_H

#include <stddef.h>
#include <stdint.h>

#include "cairn.h"

enum cmd_pretty_kind {
	CMD_PRETTY_MEDIUM,	/* git's default */
	CMD_PRETTY_ONELINE,	/* "<id> <subject>" */
	CMD_PRETTY_FORMAT,	/* format:<fmt>: entries separated by '\n' */
	CMD_PRETTY_TFORMAT,	/* tformat:<fmt>: each ended by '\n' */
};

struct cmd_pretty {
	struct cairn_repo *repo;
	enum cmd_pretty_kind kind;
	int abbrev;		/* oneline: abbreviated ids (--oneline) */
	const char *fmt;	/* for the formats */
	unsigned long shown;	/* commits printed so far */
};

/*
 * cmd_pretty_parse(p, spec): set p from a --pretty/--format value as git
 * reads it: "oneline", "medium", "format:<fmt>", "tformat:<fmt>", or a
 * string holding '%', which is tformat.  -1 for anything else.
 */
int cmd_pretty_parse(struct cmd_pretty *p, const char *spec);

/* Print one commit (its id and content) in p's format. */
void cmd_pretty_commit(struct cmd_pretty *p, const struct cairn_oid *id,
    const unsigned char *data, size_t len);

/*
 * cmd_pretty_person(label, ident, len): "<label>: <name> <<email>>" and
 * "Date:   <date>" lines of an identity ("<name> <<email>> <time> <tz>"),
 * as git log and git show print an author or a tagger.
 */
void cmd_pretty_person(const char *label, const char *ident, size_t len);

/*
 * Revision arguments of log and rev-list, as git takes them: "<rev>",
 * "^<rev>" (hide what it reaches) and "<a>..<b>" (^<a> <b>).
 */
struct cmd_revs {
	struct cairn_oid *starts, *hide;
	char **paths;		/* per start: the path of "<rev>:<path>" */
	size_t nstarts, nhide;
};

/*
 * cmd_revs_check(args, n): CAIRN_ERR_INVALID (exit 2) unless each of the
 * n arguments is a well-formed revision argument; no repository is read.
 */
const struct cairn_error *cmd_revs_check(char **args, size_t n);

/* cmd_revs_resolve(repo, args, n, r): resolve them; release frees r. */
const struct cairn_error *cmd_revs_resolve(struct cairn_repo *repo,
    char **args, size_t n, struct cmd_revs *r);
void cmd_revs_release(struct cmd_revs *r);

/* Set w's starting points (with their paths) and hidden ones from r. */
void cmd_revs_walk(const struct cmd_revs *r, struct cairn_walk_opts *w);

/* -n's value: 0 and *max, or -1 if s is not a count. */
int cmd_parse_count(const char *s, uint64_t *max);

/*
 * cmd_count_args(argc, argv, max): take each "-<n>" argument before "--"
 * out of argv (git log's -<n>: the last one counts) into *max, leaving
 * the rest in order.  1 if one was given, 0 if none, -1 for a count too
 * large.
 */
int cmd_count_args(int *argc, char **argv, uint64_t *max);

#endif
