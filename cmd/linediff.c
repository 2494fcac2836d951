/*
 * linediff.c: line counts of a change, by Myers' O(ND) greedy algorithm
 * over lines hashed once.  Common lines at both ends are taken first, as
 * git's xdiff does; what remains is walked diagonal by diagonal, keeping
 * only the furthest point of each (linear space), until the two ends
 * meet: D, the edit distance, is then ins + del.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linediff.h"

struct line {
	const unsigned char *p;
	size_t len;
	uint64_t hash;
};

int
cmd_is_binary(const unsigned char *data, size_t len)
{
	return memchr(data, '\0', len < 8000 ? len : 8000) != NULL;
}

/* The lines of data, each with its newline; *n of them. */
static struct line *
split(const unsigned char *data, size_t len, size_t *n)
{
	struct line *v;
	const unsigned char *p = data, *end = data + len, *nl;
	size_t count = 0, i;
	uint64_t h;

	for (p = data; p < end; p = nl + 1) {
		count++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
	}
	if ((v = calloc(count + 1, sizeof(*v))) == NULL)
		return NULL;
	for (p = data, i = 0; p < end; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		v[i].p = p;
		v[i].len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		for (h = 14695981039346656037ULL, nl = p; nl < p + v[i].len;
		    nl++)
			h = (h ^ *nl) * 1099511628211ULL;
		v[i].hash = h;
		p += v[i].len;
	}
	*n = count;
	return v;
}

static int
same(const struct line *a, const struct line *b)
{
	return a->hash == b->hash && a->len == b->len &&
	    memcmp(a->p, b->p, a->len) == 0;
}

int
cmd_line_diff(const unsigned char *a, size_t alen,
    const unsigned char *b, size_t blen, size_t *ins, size_t *del)
{
	struct line *la, *lb;
	size_t na, nb, lo = 0, ha, hb, n, m, d, max;
	ptrdiff_t k, x, y, *v;

	if ((la = split(a, alen, &na)) == NULL)
		return -1;
	if ((lb = split(b, blen, &nb)) == NULL) {
		free(la);
		return -1;
	}
	/* Common lines at the start and at the end. */
	while (lo < na && lo < nb && same(&la[lo], &lb[lo]))
		lo++;
	ha = na;
	hb = nb;
	while (ha > lo && hb > lo && same(&la[ha - 1], &lb[hb - 1])) {
		ha--;
		hb--;
	}
	n = ha - lo;
	m = hb - lo;
	max = n + m;
	d = max;
	if (n > 0 && m > 0 && (v = calloc(2 * max + 3, sizeof(*v))) != NULL) {
		/* v[max + 1 + k]: the furthest x on diagonal k. */
		for (d = 0; d <= max; d++) {
			for (k = -(ptrdiff_t)d; k <= (ptrdiff_t)d; k += 2) {
				if (k == -(ptrdiff_t)d || (k != (ptrdiff_t)d &&
				    v[max + k] < v[max + k + 2]))
					x = v[max + k + 2];
				else
					x = v[max + k] + 1;
				y = x - k;
				while (x < (ptrdiff_t)n && y < (ptrdiff_t)m &&
				    same(&la[lo + (size_t)x], &lb[lo + (size_t)y])) {
					x++;
					y++;
				}
				v[max + k + 1] = x;
				if (x >= (ptrdiff_t)n && y >= (ptrdiff_t)m)
					goto done;
			}
		}
done:
		free(v);
	} else if (n > 0 && m > 0) {
		free(la);
		free(lb);
		return -1;
	}
	/* d = ins + del, and ins - del = m - n. */
	*ins = (d + m - n) / 2;
	*del = (d + n - m) / 2;
	free(la);
	free(lb);
	return 0;
}
