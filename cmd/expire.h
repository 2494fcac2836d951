/*
 * expire.h: expiring refs, for the caches that keep one ref per snapshot:
 * ref expire (by age and by count) and gc --max-size (by a size budget)
 * pick refs the same way, delete them the same way and report them in
 * the same format.
 *
 * A ref's age is the time it was last set (cairn_ref_stat): a ref set
 * again, even to the same id, is young again, as an entry of ccache is
 * when it is used.
 */
#ifndef CAIRN_CMD_EXPIRE_H
#define CAIRN_CMD_EXPIRE_H

#include <stdint.h>

#include "cairn.h"

/* Why a ref goes (the "reason" of the JSON output). */
enum expire_why {
	EXPIRE_KEPT = 0,
	EXPIRE_OLDER,		/* "older-than": set before --older-than */
	EXPIRE_COUNT,		/* "keep": not among the newest --keep */
	EXPIRE_SIZE,		/* "max-size": over gc --max-size */
};

struct expire_ref {
	char *name;
	struct cairn_oid id;	/* its value when read: deleted only if
				   it still holds it */
	int64_t time;		/* when it was last set, ns since the epoch */
	enum expire_why why;
	int moved;		/* it moved before it could be deleted */
	int deleted;		/* expire_apply deleted it */
};

/* The refs a pattern matched, newest first (then by name). */
struct expire_set {
	struct expire_ref *v;
	size_t n, cap;
	int64_t now;		/* seconds since the epoch */
};

/* The seconds since the epoch of a ref's time. */
#define EXPIRE_SECONDS(r) ((r)->time / 1000000000)

/*
 * Does name match one of patterns[0..n) (none: every name)?  A pattern
 * holding *, ? or [ is a shell glob in which * and ? do not match '/';
 * any other is a prefix.  ref list and ref expire share it, so that
 * `ref list <pattern>` shows what `ref expire <pattern>` may take.
 */
int expire_matches(char *const *patterns, int n, const char *name);
int expire_is_glob(const char *pattern);

/* Read the refs matching patterns, with their times, into s. */
const struct cairn_error *expire_collect(struct cairn_repo *repo,
    char *const *patterns, int npatterns, struct expire_set *s);

/*
 * Delete each ref of s that has a why, if it was not set since it was
 * read (the same id, the same time); one that was set again, moved or
 * went meanwhile is marked moved, and named on stderr.
 */
const struct cairn_error *expire_apply(struct cairn_repo *repo,
    struct expire_set *s);

/*
 * The refs of s that expire_apply deleted (with dry_run: that have a
 * why), as lines
 *	expired <name> <id>: set <age> ago, <reason>
 * ("would expire" with dry_run), or, with json, the members of a JSON
 * array, {"name", "id", "time", "age", "reason"}.  why_text[why] is the line's reason ("older than 2.weeks").
 */
void expire_print(const struct expire_set *s, int json, int dry_run,
    const char *const why_text[4]);

void expire_release(struct expire_set *s);

#endif
