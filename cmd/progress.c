/*
 * progress.c: the progress meter of long commands, one line on stderr
 * redrawn in place (see progress.h for its format).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmd.h"
#include "progress.h"

#define REDRAW_NS 100000000L	/* at most ten lines a second */
#define LINE_MAX_ 160		/* the longest line drawn */
#define ERASE_EOL "\033[K"	/* ECMA-48 EL: to the end of the line */

/* The meter whose line may be on the screen, for cmd_meter_hide. */
static struct cmd_meter *active;
/* Whether stdout is a terminal, known once a meter is enabled. */
static int stdout_tty;

static double
seconds_since(const struct timespec *t, const struct timespec *now)
{
	return (double)(now->tv_sec - t->tv_sec) +
	    (double)(now->tv_nsec - t->tv_nsec) / 1e9;
}

/* The terminal's width, less one column: a full line would wrap. */
static size_t
term_width(void)
{
	struct winsize ws;

	if (ioctl(2, TIOCGWINSZ, &ws) != 0 || ws.ws_col < 20)
		return 79;
	return (size_t)ws.ws_col - 1 < LINE_MAX_ ? (size_t)ws.ws_col - 1 :
	    LINE_MAX_;
}

void
cmd_meter_start(struct cmd_meter *m, const char *title, const char *unit)
{
	memset(m, 0, sizeof(*m));
	m->title = title;
	m->unit = unit;
	m->enabled = !cmd_global.no_progress && isatty(2);
	clock_gettime(CLOCK_MONOTONIC, &m->start);
	m->last = m->start;
	if (!m->enabled)
		return;
	m->width = term_width();
	stdout_tty = isatty(1);
	active = m;
}

/* Append to the line at *len (up to size), as snprintf would. */
static void
add(char *line, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add(char *line, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < size - *len ? (size_t)n : size - *len - 1;
}

/* A byte count as people read it: "512 B", "12.3 KiB", "4.1 MiB". */
static void
fmt_bytes(char *out, size_t size, double n)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	size_t i = 0;

	if (n < 1024) {
		snprintf(out, size, "%.0f B", n);
		return;
	}
	n /= 1024;
	while (n >= 1024 && i < 3) {
		n /= 1024;
		i++;
	}
	snprintf(out, size, "%.1f %s", n, units[i]);
}

/* "(24%)" of done out of total. */
static void
add_share(char *line, size_t size, size_t *len, uint64_t done,
    uint64_t total)
{
	add(line, size, len, " (%u%%)", (unsigned)(done >= total ? 100 :
	    (double)done * 100.0 / (double)total));
}

/* The items, the bytes and the share done. */
static void
add_counts(const struct cmd_meter *m, char *line, size_t size, size_t *len)
{
	char a[32], b[32];
	int bytes = m->bytes > 0 || m->bytes_total > 0;

	if (m->unit != NULL && (m->items > 0 || m->items_total > 0 || !bytes)) {
		add(line, size, len, " %llu", (unsigned long long)m->items);
		if (m->items_total > 0)
			add(line, size, len, "/%llu",
			    (unsigned long long)m->items_total);
		add(line, size, len, " %s", m->unit);
		if (m->items_total > 0 && m->bytes_total == 0)
			add_share(line, size, len, m->items, m->items_total);
		if (bytes)
			add(line, size, len, ",");
	}
	if (!bytes)
		return;
	fmt_bytes(a, sizeof(a), (double)m->bytes);
	if (m->bytes_total == 0) {
		add(line, size, len, " %s", a);
		return;
	}
	/* "1.2 of 30.0 MiB": the unit once, the total's. */
	fmt_bytes(b, sizeof(b), (double)m->bytes_total);
	if (m->bytes_total >= 1024 && strchr(a, ' ') != NULL &&
	    strcmp(strchr(a, ' '), strchr(b, ' ')) == 0)
		*strchr(a, ' ') = '\0';
	add(line, size, len, " %s of %s", a, b);
	add_share(line, size, len, m->bytes, m->bytes_total);
}

/* The rate and, unless final, the time left: after a second only. */
static void
add_rate(const struct cmd_meter *m, char *line, size_t size, size_t *len,
    double secs, int final)
{
	char a[32];
	double left = -1;

	if (secs < 1.0)
		return;
	if (m->bytes > 0) {
		fmt_bytes(a, sizeof(a), (double)m->bytes / secs);
		add(line, size, len, ", %s/s", a);
	} else if (m->unit != NULL)
		add(line, size, len, ", %.0f %s/s", (double)m->items / secs,
		    m->unit);
	if (final)
		return;
	if (m->bytes_total > 0 && m->bytes > 0 && m->bytes < m->bytes_total)
		left = secs * (double)(m->bytes_total - m->bytes) /
		    (double)m->bytes;
	else if (m->bytes_total == 0 && m->items_total > 0 && m->items > 0 &&
	    m->items < m->items_total)
		left = secs * (double)(m->items_total - m->items) /
		    (double)m->items;
	if (left >= 0 && left < 360000) {
		unsigned long s = (unsigned long)(left + 0.5);

		if (s >= 3600)
			add(line, size, len, ", ETA %lu:%02lu:%02lu", s / 3600,
			    s / 60 % 60, s % 60);
		else
			add(line, size, len, ", ETA %lu:%02lu", s / 60, s % 60);
	}
}

/*
 * Draw the line over the one on the screen: a carriage return, the line,
 * then the terminal's "erase to the end of the line" for what is left of
 * a longer one.
 */
static void
draw(struct cmd_meter *m, const struct timespec *now, int final)
{
	char line[LINE_MAX_ + 1];
	size_t len = 0;

	add(line, m->width + 1, &len, "%s:", m->title);
	if (m->phase[0] != '\0' && strcmp(m->phase, m->title) != 0 &&
	    (m->unit == NULL || strcmp(m->phase, m->unit) != 0))
		add(line, m->width + 1, &len, " %s:", m->phase);
	add_counts(m, line, m->width + 1, &len);
	if (m->failed > 0)
		add(line, m->width + 1, &len, ", %llu failed",
		    (unsigned long long)m->failed);
	add_rate(m, line, m->width + 1, &len,
	    seconds_since(&m->start, now), final);
	fputc('\r', stderr);
	fwrite(line, 1, len, stderr);
	fputs(ERASE_EOL, stderr);
	fflush(stderr);
	m->shown = 1;
	m->drawn = 1;
	m->last = *now;
}

void
cmd_meter_update(struct cmd_meter *m, uint64_t items, uint64_t items_total,
    uint64_t bytes, uint64_t bytes_total)
{
	struct timespec now;

	m->items = items;
	m->items_total = items_total;
	m->bytes = bytes;
	m->bytes_total = bytes_total;
	if (!m->enabled)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* The first update draws at once: the work has started. */
	if (!m->drawn || (now.tv_sec - m->last.tv_sec) * 1000000000L +
	    (now.tv_nsec - m->last.tv_nsec) >= REDRAW_NS)
		draw(m, &now, 0);
}

/* The unit a library phase counts, or NULL for bytes. */
static const char *
phase_unit(const struct cmd_meter *m, const char *phase)
{
	static const struct {
		const char *phase, *unit;
	} units[] = {
		{ "bytes", NULL }, { "check", NULL },
		{ "files", "files" }, { "flush", "index entries" },
		{ "scan", "objects" }, { "mark", "objects" },
		{ "copy", "objects" },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(phase, units[i].phase) == 0)
			return units[i].unit;
	return m->unit != NULL ? m->unit : "items";
}

/* A new phase of items: a line of its own, its counts from zero. */
static void
new_phase(struct cmd_meter *m, const char *phase, const char *unit)
{
	if (m->phase[0] != '\0') {
		if (m->enabled && m->shown > 0) {
			fputc('\n', stderr);
			fflush(stderr);
		}
		m->shown = 0;
		m->drawn = 0;
		m->items = m->items_total = 0;
		m->bytes = m->bytes_total = 0;
		clock_gettime(CLOCK_MONOTONIC, &m->start);
	}
	snprintf(m->phase, sizeof(m->phase), "%s", phase);
	m->unit = unit;
}

void
cmd_meter_progress(void *arg, const char *phase, uint64_t done,
    uint64_t total)
{
	struct cmd_meter *m = arg;
	const char *unit = phase_unit(m, phase);

	if (unit == NULL) {
		cmd_meter_update(m, m->items, m->items_total, done, total);
		return;
	}
	if (strcmp(m->phase, phase) != 0)
		new_phase(m, phase, unit);
	cmd_meter_update(m, done, total, m->bytes, m->bytes_total);
}

/* Erase m's line from the screen. */
static void
erase(struct cmd_meter *m)
{
	if (!m->enabled || m->shown == 0)
		return;
	fputs("\r" ERASE_EOL, stderr);
	fflush(stderr);
	m->shown = 0;
}

void
cmd_meter_done(struct cmd_meter *m)
{
	struct timespec now;

	if (!m->enabled)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	draw(m, &now, 1);
	fputc('\n', stderr);
	fflush(stderr);
	m->shown = 0;
	m->enabled = 0;
	if (active == m)
		active = NULL;
}

void
cmd_meter_stop(struct cmd_meter *m)
{
	erase(m);
	m->enabled = 0;
	if (active == m)
		active = NULL;
}

void
cmd_meter_hide(void)
{
	if (active != NULL)
		erase(active);
}

void
cmd_meter_stdout(void)
{
	if (active != NULL && stdout_tty)
		erase(active);
}
