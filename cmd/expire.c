/*
 * expire.c: picking, deleting and reporting the refs that ref expire and
 * gc --max-size take (expire.h).
 */
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "expire.h"
#include "progress.h"

static const char *const why_names[] = {
	"kept", "older-than", "keep", "max-size",
};

int
expire_is_glob(const char *pattern)
{
	return strpbrk(pattern, "*?[") != NULL;
}

int
expire_matches(char *const *patterns, int n, const char *name)
{
	int i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (expire_is_glob(patterns[i]) ?
		    fnmatch(patterns[i], name, FNM_PATHNAME) == 0 :
		    strncmp(name, patterns[i], strlen(patterns[i])) == 0)
			return 1;
	return 0;
}

struct collect {
	struct expire_set *s;
	char *const *patterns;
	int npatterns;
	int oom;
};

static int
collect_name(void *arg, const char *name, const struct cairn_oid *id)
{
	struct collect *c = arg;
	struct expire_set *s = c->s;
	struct expire_ref *v;

	if (!expire_matches(c->patterns, c->npatterns, name))
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		if ((v = realloc(s->v, s->cap * sizeof(*v))) == NULL) {
			c->oom = 1;
			return 1;
		}
		s->v = v;
	}
	memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
	if ((s->v[s->n].name = strdup(name)) == NULL) {
		c->oom = 1;
		return 1;
	}
	s->v[s->n++].id = *id;
	return 0;
}

/* Newest first; refs set in the same second by name. */
static int
newest_first(const void *a, const void *b)
{
	const struct expire_ref *x = a, *y = b;

	if (x->time != y->time)
		return x->time > y->time ? -1 : 1;
	return strcmp(x->name, y->name);
}

const struct cairn_error *
expire_collect(struct cairn_repo *repo, char *const *patterns, int npatterns,
    struct expire_set *s)
{
	const struct cairn_error *err;
	struct collect c = { s, patterns, npatterns, 0 };
	struct expire_ref *r;
	size_t i, kept = 0;

	memset(s, 0, sizeof(*s));
	s->now = (int64_t)time(NULL);
	/* One plain prefix: only that part of refs/ is read. */
	err = cairn_ref_list(repo, npatterns == 1 &&
	    !expire_is_glob(patterns[0]) ? patterns[0] : NULL, collect_name,
	    &c);
	if (err == NULL && c.oom)
		err = cairn_error_nomem();
	/*
	 * The time is read apart from the listing; a ref deleted in between
	 * is no candidate, and one moved is read at its new value.
	 */
	for (i = 0; err == NULL && i < s->n; i++) {
		r = &s->v[i];
		err = cairn_ref_stat(repo, r->name, &r->id, &r->time);
		if (err != NULL && err->code == CAIRN_ERR_NOT_FOUND) {
			free(r->name);
			err = NULL;
			continue;
		}
		s->v[kept++] = *r;
	}
	/* On an error, what is left unread stays for expire_release. */
	for (; i < s->n; i++)
		s->v[kept++] = s->v[i];
	s->n = kept;
	if (err == NULL)
		qsort(s->v, s->n, sizeof(*s->v), newest_first);
	return err;
}

const struct cairn_error *
expire_apply(struct cairn_repo *repo, struct expire_set *s)
{
	const struct cairn_error *err, *gone;
	struct expire_ref *r;
	struct cairn_oid id;
	int64_t t;
	size_t i;

	for (i = 0; i < s->n; i++) {
		r = &s->v[i];
		if (r->why == EXPIRE_KEPT)
			continue;
		/*
		 * Set again since it was read (the same id, but young now):
		 * in use, so kept.  The delete itself compares the id.
		 */
		err = cairn_ref_stat(repo, r->name, &id, &t);
		if (err == NULL && (cairn_oid_cmp(&id, &r->id) != 0 ||
		    t != r->time))
			err = cairn_error_new(CAIRN_ERR_CAS_MISMATCH, "set");
		if (err == NULL)
			err = cairn_ref_delete(repo, r->name, &r->id);
		if (err == NULL) {
			r->deleted = 1;
			continue;
		}
		if (err->code != CAIRN_ERR_CAS_MISMATCH &&
		    err->code != CAIRN_ERR_NOT_FOUND) {
			/* A delete that failed late (a sync) may be done. */
			gone = cairn_ref_get(repo, r->name, &id);
			r->deleted = gone != NULL &&
			    gone->code == CAIRN_ERR_NOT_FOUND;
			return err;
		}
		r->moved = 1;
		cmd_meter_hide();
		fprintf(stderr, err->code == CAIRN_ERR_NOT_FOUND ?
		    "cairn: ref '%s' was deleted by another process meanwhile\n" :
		    "cairn: ref '%s' was set again while it was being expired; "
		    "it is kept\n", r->name);
	}
	return NULL;
}

/* A duration as people say it: "42 seconds", "3 days". */
static void
print_age(int64_t secs)
{
	static const struct {
		const char *unit;
		int64_t secs;
	} units[] = {
		{ "day", 86400 }, { "hour", 3600 }, { "minute", 60 },
	};
	size_t i;

	if (secs < 0)
		secs = 0;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (secs >= units[i].secs) {
			secs /= units[i].secs;
			printf("%" PRId64 " %s%s", secs, units[i].unit,
			    secs == 1 ? "" : "s");
			return;
		}
	printf("%" PRId64 " second%s", secs, secs == 1 ? "" : "s");
}

/* Seconds since r was set; a time ahead of the clock is 0. */
static int64_t
age(const struct expire_set *s, const struct expire_ref *r)
{
	return s->now > EXPIRE_SECONDS(r) ? s->now - EXPIRE_SECONDS(r) : 0;
}

void
expire_print(const struct expire_set *s, int json, int dry_run,
    const char *const why_text[4])
{
	char hex[CAIRN_OID_HEXMAX + 1];
	const struct expire_ref *r;
	size_t i;
	int first = 1;

	for (i = 0; i < s->n; i++) {
		r = &s->v[i];
		if (r->why == EXPIRE_KEPT || (!dry_run && !r->deleted))
			continue;
		cairn_oid_fmt(&r->id, hex);
		if (json) {
			printf("%s{\"name\": ", first ? "" : ", ");
			cmd_json_string(r->name);
			printf(", \"id\": \"%s\", \"time\": %" PRId64
			    ", \"age\": %" PRId64 ", \"reason\": \"%s\"}", hex,
			    EXPIRE_SECONDS(r), age(s, r), why_names[r->why]);
		} else {
			printf("%s %s %s: set ", dry_run ? "would expire" :
			    "expired", r->name, hex);
			print_age(age(s, r));
			printf(" ago, %s\n", why_text[r->why]);
		}
		first = 0;
	}
}

void
expire_release(struct expire_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	memset(s, 0, sizeof(*s));
}
