/*
 * linediff.c: line counts of a change, by Myers' O(ND) greedy algorithm
 * over lines hashed once.  Common lines at both ends are taken first, as
 * git's xdiff does; what remains is walked diagonal by diagonal, keeping
 * only the furthest point of each (linear space), until the two ends
 * meet: D, the edit distance, is then ins + del.  A walk that would
 * take more than WORK_MAX steps (two large files with little in common)
 * stops, and the lines are then matched as multisets: an upper bound of
 * what a script keeps, so the counts are at most that many too low.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "linediff.h"

#define WORK_MAX 100000000u

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
hash_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Lines of a[0..n) and b[0..m) that pair up by hash, order aside. */
static size_t
common_lines(const struct line *a, size_t n, const struct line *b, size_t m,
    int *nomem)
{
	uint64_t *ha, *hb;
	size_t i = 0, j = 0, c = 0;

	ha = malloc((n + 1) * sizeof(*ha));
	hb = malloc((m + 1) * sizeof(*hb));
	if (ha == NULL || hb == NULL) {
		free(ha);
		free(hb);
		*nomem = 1;
		return 0;
	}
	for (i = 0; i < n; i++)
		ha[i] = a[i].hash;
	for (j = 0; j < m; j++)
		hb[j] = b[j].hash;
	qsort(ha, n, sizeof(*ha), hash_cmp);
	qsort(hb, m, sizeof(*hb), hash_cmp);
	for (i = j = 0; i < n && j < m;) {
		if (ha[i] == hb[j]) {
			c++;
			i++;
			j++;
		} else if (ha[i] < hb[j]) {
			i++;
		} else {
			j++;
		}
	}
	free(ha);
	free(hb);
	return c;
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
	size_t na, nb, lo = 0, ha, hb, n, m, d, max, work = 0;
	ptrdiff_t k, x, y, *v;
	int nomem = 0;

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
					work++;
				}
				if (++work > WORK_MAX)
					goto too_long;
				v[max + k + 1] = x;
				if (x >= (ptrdiff_t)n && y >= (ptrdiff_t)m)
					goto done;
			}
		}
too_long:
		/* Too costly: pair the lines up as multisets instead. */
		d = n + m - 2 * common_lines(la + lo, n, lb + lo, m, &nomem);
done:
		free(v);
	} else if (n > 0 && m > 0) {
		free(la);
		free(lb);
		return -1;
	}
	if (nomem) {
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
