/*
 * progress.h: the progress meter every long command draws on stderr
 * (CLI.md: only when stderr is a terminal, never with --no-progress).
 *
 * One line, redrawn in place ("\r", the line, then ESC [ K to erase what
 * is left of a longer one) at most ten times a second:
 *
 *   put: 1234 files, 12.3 MiB, 4.1 MiB/s
 *   get: 1234/5000 files (24%), 12.3 MiB, 4.1 MiB/s, ETA 0:12
 *   push: 12/300 objects, 1.2 of 30.0 MiB (4%), 2.0 MiB/s, ETA 0:14
 *   fsck: 12.3 of 40.0 MiB (30%), 4.1 MiB/s, ETA 0:06
 *
 * The title, then the items ("<n>[/<total>] <unit>", left out when only
 * bytes are counted), the bytes ("<n>[ of <total>]"), the share done when
 * a total is known (of the bytes if their total is known, else of the
 * items), and once a second has passed the rate (bytes, else items, per
 * second) and, with a total, the time left.  cmd_meter_done draws the
 * final line, whatever the speed of the work, and ends it with a
 * newline; a meter that is not enabled writes nothing at all.
 *
 * Use:
 *
 *	struct cmd_meter m;
 *
 *	cmd_meter_start(&m, "gc", "objects");
 *	o.progress = cmd_meter_progress;	(a cairn_progress_fn)
 *	o.arg = &m;
 *	err = cairn_repo_gc(path, &o, &res);
 *	if (err == NULL)
 *		cmd_meter_done(&m);
 *	else
 *		cmd_meter_stop(&m);
 *
 * or, counting in the command, cmd_meter_update(&m, items, items_total,
 * bytes, bytes_total) as the work goes (cheap when nothing is drawn).
 * cmd_fail erases a meter's line before it prints an error.  A meter
 * of zeros ("= { 0 }", memset) is a stopped one: every call on it does
 * nothing, so one meter can serve a command whose modes differ.
 */
#ifndef CAIRN_PROGRESS_H
#define CAIRN_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct cmd_meter {
	const char *title;	/* the line's first word: "put" */
	const char *unit;	/* what the items are ("files"), or NULL
				   when only bytes are counted */
	int enabled;		/* stderr is a terminal, no --no-progress */
	uint64_t items, items_total;	/* a total of 0: not known */
	uint64_t bytes, bytes_total;
	uint64_t failed;	/* if nonzero, drawn as ", <n> failed" */
	/* Private. */
	char phase[32];		/* cmd_meter_progress's current phase */
	struct timespec start;	/* of the current line */
	struct timespec last;	/* when it was last drawn */
	int drawn;		/* it has been drawn once */
	int shown;		/* a line of it is on the screen */
	size_t width;		/* of the terminal */
};

/*
 * Start a meter titled title counting unit (both static strings, unit
 * NULL for bytes alone), enabled when stderr is a terminal and
 * --no-progress was not given.  Nothing is drawn yet.
 */
void cmd_meter_start(struct cmd_meter *m, const char *title,
    const char *unit);

/*
 * The work done so far, and the totals (0: not known).  Draws the line
 * the first time, then again whenever a tenth of a second has passed
 * since it was last drawn.
 */
void cmd_meter_update(struct cmd_meter *m, uint64_t items,
    uint64_t items_total, uint64_t bytes, uint64_t bytes_total);

/*
 * A cairn_progress_fn for the library's phases, arg the meter: "bytes"
 * and fsck's "check" count bytes; any other phase counts items ("flush":
 * index entries; gc's "scan", "mark", "copy": objects).  When the phase
 * of the items changes, the line of the last one is finished with a
 * newline and a new line starts, showing the phase after the title
 * ("gc: mark: 1234 objects") unless it says no more than the title or
 * the unit.
 */
void cmd_meter_progress(void *arg, const char *phase, uint64_t done,
    uint64_t total);

/* Draw the final line and end it with a newline; the meter stops. */
void cmd_meter_done(struct cmd_meter *m);

/*
 * Erase the line, if drawn, and stop: after a failure, or when a summary
 * of the command's own follows (import).
 */
void cmd_meter_stop(struct cmd_meter *m);

/*
 * Erase the line of the meter being drawn, if any, so that a message on
 * stderr starts at the beginning of a line; the next update draws it
 * again.  cmd_fail calls it.
 */
void cmd_meter_hide(void);

/*
 * About to write to stdout: if stdout is a terminal (the meter's, most
 * likely), erase the meter's line first, as cmd_meter_hide.
 */
void cmd_meter_stdout(void);

#endif
