/*
 * cmd.h: what the subcommands share: global options, the repository
 * opener, error reporting, and a buffered input reader for stdin.
 */
#ifndef CAIRN_CMD_H
#define CAIRN_CMD_H

#include <stddef.h>

#include "cairn.h"

/* Global options, parsed by main before the command. */
struct cmd_global {
	const char *repo;	/* -r, or NULL */
	int read_only;		/* --read-only */
	int no_progress;	/* --no-progress */
};

extern struct cmd_global cmd_global;

/* A subcommand: its name, entry point and usage string (SYNOPSIS form). */
struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
	const char *summary;
};

int cmd_init(int argc, char **argv);
int cmd_put(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_flush(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_ref(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_commit(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_fsck(int argc, char **argv);
int cmd_gc(int argc, char **argv);

extern const char cmd_init_usage[], cmd_put_usage[], cmd_cat_usage[],
    cmd_flush_usage[], cmd_stats_usage[], cmd_config_usage[],
    cmd_ref_usage[], cmd_ls_usage[], cmd_get_usage[], cmd_commit_usage[],
    cmd_log_usage[], cmd_fsck_usage[], cmd_gc_usage[];

/* Print "cairn: <msg>" on stderr; return the exit status for err. */
int cmd_fail(const struct cairn_error *err);

/* Print a formatted usage error ("cairn: ..."), then usage; return 2. */
int cmd_usage(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The repository path: -r, $CAIRN_DIR, or the nearest .cairn upwards. */
const struct cairn_error *cmd_repo_path(char **out);

/*
 * Open the repository (read-only if --read-only or !write).  The caller
 * closes it with cmd_close, which reports any notice from recovery.
 */
const struct cairn_error *cmd_open(struct cairn_repo **out, int write);
void cmd_close(struct cairn_repo *repo);

/* Finish stdout: flush it and turn a write error into exit status 3. */
int cmd_finish_output(int status);

/*
 * Buffered reader over a file descriptor (stdin), for line- and
 * record-oriented input.  pending() tells whether more input can be had
 * without blocking, so batches can be committed (and output flushed)
 * exactly when the writer on the other side is waiting for answers.
 */
struct cmd_input {
	int fd;
	unsigned char *buf;
	size_t cap, pos, len;
	int eof;
	int err;		/* errno of a failed read */
};

void cmd_input_init(struct cmd_input *in, int fd);
void cmd_input_release(struct cmd_input *in);

/*
 * Read up to and excluding delim.  Returns 1 with *line (NUL-terminated,
 * valid until the next call) and *len, 0 at the end of input, -1 on a
 * read error.  A last line without delim counts as a line; *complete
 * tells whether delim was seen.
 */
int cmd_input_line(struct cmd_input *in, int delim, char **line, size_t *len,
    int *complete);

/* Read up to len bytes into buf; returns the count (0 at the end), -1 on error. */
long cmd_input_read(struct cmd_input *in, void *buf, size_t len);

/* Nonzero if input is buffered or ready without blocking (or at EOF). */
int cmd_input_pending(struct cmd_input *in);

/* A path, quoted as git quotes it (core.quotePath). */
void cmd_print_path(const char *name, size_t len);

/* A tree entry as git ls-tree prints it, path = prefix + name; nul: -z. */
void cmd_print_entry(const struct cairn_tree_entry *e, const char *prefix,
    int nul);

/* Follow a commit or tag to its tree (a tree stays itself). */
const struct cairn_error *cmd_peel_tree(struct cairn_repo *repo,
    struct cairn_oid *id);

/* The handle's counters on one stderr line (--stats). */
void cmd_print_counters(struct cairn_repo *repo);

/* A JSON string literal of s on stdout (valid UTF-8 whatever s holds). */
void cmd_json_string(const char *s);

/* The object type named by s, or 0. */
int cmd_parse_type(const char *s);

#endif
