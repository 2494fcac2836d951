/*
 * cmd.h: what the subcommands share: global options, the repository
 * opener, error reporting, and a buffered input reader for stdin.
 */
#ifndef CAIRN_CMD_H
#define CAIRN_CMD_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

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
int cmd_import(int argc, char **argv);
int cmd_rev_parse(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_rev_list(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_archive(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_remote(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_push(int argc, char **argv);
int cmd_clone(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_update_server_info(int argc, char **argv);
int cmd_completion(int argc, char **argv);

extern const char cmd_init_usage[], cmd_put_usage[], cmd_cat_usage[],
    cmd_flush_usage[], cmd_stats_usage[], cmd_config_usage[],
    cmd_ref_usage[], cmd_ls_usage[], cmd_get_usage[], cmd_commit_usage[],
    cmd_log_usage[], cmd_fsck_usage[], cmd_gc_usage[], cmd_import_usage[],
    cmd_rev_parse_usage[], cmd_tag_usage[], cmd_rev_list_usage[],
    cmd_diff_usage[], cmd_show_usage[], cmd_archive_usage[],
    cmd_bundle_usage[], cmd_remote_usage[], cmd_fetch_usage[],
    cmd_push_usage[], cmd_clone_usage[], cmd_serve_usage[],
    cmd_update_server_info_usage[], cmd_completion_usage[];

/*
 * main.c's command table (cmd_ncommands entries, in `cairn help`'s order)
 * and its usage of the global options, for cairn completion.
 */
extern const struct cmd *const cmd_commands;
extern const size_t cmd_ncommands;
extern const char *const cmd_main_usage;

/*
 * Options.  cmd_getopt reads the options of argv[1..argc) with getopt_long's
 * tables and GNU's conventions: short options cluster ("-zZ") and take
 * their value attached or as the next argument ("-n5", "-n 5"); long ones
 * as "--name=value" or "--name value", abbreviated while unambiguous;
 * options may follow operands; "--" ends the options; "-" is an operand.
 * Unlike getopt it reports a bad option itself, as one usage error (see
 * cmd_usage) that names the option as the user wrote it: "unknown option
 * '-l'", "option '--old' requires a value", "option '--json' takes no
 * value", and then returns CMD_OPT_ERROR: the caller exits 2.  Otherwise
 * it returns the option's letter or its longopts val, with its value in
 * g->arg (NULL if it takes none), and -1 when the options end: the
 * operands, in their order, are then argv[g->ind..argc).
 */
struct cmd_getopt {
	int ind;		/* after -1: the first operand */
	const char *arg;	/* the value of the option just returned */
	/* Private. */
	int in_order;		/* stop at the first operand */
	int next;		/* the argument being read */
	int done;
	const char *cluster;	/* the rest of a cluster of short options */
};

#define CMD_OPT_ERROR (-2)

/* in_order: the options end at the first operand (as getopt's "+"). */
void cmd_getopt_init(struct cmd_getopt *g, int in_order);
int cmd_getopt(struct cmd_getopt *g, int argc, char **argv,
    const char *shortopts, const struct option *longopts, const char *usage);

/*
 * Print "usage: <usage>" on stdout (--help), then the command's options
 * with the first sentence of each one's text in cairn(1); returns the
 * exit status.
 */
int cmd_help(const char *usage);

/* An option of a command, from man/cairn.1 (man/options.awk). */
struct cmd_option_help {
	const char *cmd;	/* its subsection: "log", "ref" */
	const char *option;	/* "-n <n>, --max-count=<n>" */
	const char *text;
};
/* Every command's options, in the page's order; a NULL cmd ends it. */
extern const struct cmd_option_help cmd_option_help[];

/* Print "cairn: <msg>" on stderr; return the exit status for err. */
int cmd_fail(const struct cairn_error *err);

/* The value of a config key, or NULL if it is not set. */
const char *cmd_config_value(struct cairn_repo *repo, const char *key);

/* Print a formatted usage error ("cairn: ..."), then usage; return 2. */
int cmd_usage(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Check that name is well formed as an object name (CAIRN_ERR_INVALID,
 * exit 2, otherwise), before any repository is opened: usage errors are
 * the same inside and outside a repository.
 */
const struct cairn_error *cmd_check_name(const char *name);

/*
 * cmd_identity(repo, who, id): the identity of who ("AUTHOR",
 * "COMMITTER") from CAIRN_<who>_NAME, _EMAIL and _DATE, else the config
 * keys user.name and user.email, and now.  CAIRN_ERR_INVALID if unknown.
 */
const struct cairn_error *cmd_identity(struct cairn_repo *repo,
    const char *who, struct cairn_ident *id);

/*
 * cmd_add_message(msg, m): append -m's m to the malloc'd *msg (NULL to
 * start) as git commit-tree does: paragraphs separated by a newline, and
 * a final newline unless empty.  0 if out of memory.
 */
int cmd_add_message(char **msg, const char *m);

/*
 * cmd_message_file(path, newline, out): -F's message, the content of
 * path ("-": standard input), with a final newline added if it has none
 * and newline is set (git tag adds it, git commit-tree does not), into a
 * malloc'd *out.  CAIRN_ERR_INVALID if it cannot be opened or holds a
 * NUL byte.
 */
const struct cairn_error *cmd_message_file(const char *path, int newline,
    char **out);

/*
 * cmd_abbrev(repo, id, out): the shortest prefix of id of at least 7
 * digits that names only it, as git abbreviates, into out
 * (CAIRN_OID_HEXMAX + 1 bytes).
 */
void cmd_abbrev(struct cairn_repo *repo, const struct cairn_oid *id,
    char *out);

/* The repository path: -r, $CAIRN_DIR, or the nearest .cairn upwards. */
const struct cairn_error *cmd_repo_path(char **out);

/*
 * Open the repository (read-only if --read-only or !write).  The caller
 * closes it with cmd_close, which reports any notice from recovery.
 */
const struct cairn_error *cmd_open(struct cairn_repo **out, int write);
/* cmd_open with CAIRN_OPEN_* flags (CAIRN_OPEN_LITERALLY, say). */
const struct cairn_error *cmd_open_flags(struct cairn_repo **out, int write,
    unsigned flags);
void cmd_close(struct cairn_repo *repo);

/*
 * Finish stdout: flush it and turn a write error into exit status 3 with
 * a message (status if it already is an error).  A closed pipe does not
 * get here: SIGPIPE keeps its default action, as in git, and ends the
 * process (status 141 in a shell); main says why.
 */
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
	int too_long;		/* a line was longer than CMD_LINE_MAX */
	unsigned long long lineno;	/* lines read so far */
	/*
	 * If set, called before a read that would wait (no input ready), as
	 * the moment to commit what is pending.  A nonzero return fails that
	 * read: cmd_input_line or cmd_input_read returns -1 with err
	 * ECANCELED, and the caller knows why.
	 */
	int (*before_wait)(void *arg);
	void *before_wait_arg;
};

/*
 * The longest line cmd_input_line accepts, without its delimiter: far more
 * than any object name, ref name (4096), path (PATH_MAX) or command needs,
 * and small enough that input in lines is read in bounded memory.
 */
#define CMD_LINE_MAX 65536

void cmd_input_init(struct cmd_input *in, int fd);
void cmd_input_release(struct cmd_input *in);

/*
 * Read up to and excluding delim.  Returns 1 with *line (NUL-terminated,
 * valid until the next call) and *len, 0 at the end of input, -1 on a
 * read error or on a line longer than CMD_LINE_MAX (in->too_long; the
 * reader then stops there, having buffered at most CMD_LINE_MAX bytes
 * and one read more).  A last line without delim counts as a line;
 * *complete tells whether delim was seen.
 */
int cmd_input_line(struct cmd_input *in, int delim, char **line, size_t *len,
    int *complete);

/*
 * Call fn for each whole line already read into the buffer and not yet
 * taken by cmd_input_line, up to max of them, without reading or
 * taking anything (lines are not NUL-terminated there).  Returns how
 * many were passed.
 */
size_t cmd_input_buffered(struct cmd_input *in, int delim, size_t max,
    void (*fn)(void *arg, const char *line, size_t len), void *arg);

/*
 * After cmd_input_line failed on a line that is too long: pass that whole
 * line to fn piece by piece (in bounded memory), consume it and its
 * delim, and read on.  Returns 0, or -1 on a read error (in->err).
 */
int cmd_input_drain_line(struct cmd_input *in, int delim,
    void (*fn)(void *arg, const void *p, size_t n), void *arg);

/*
 * The error for cmd_input_line's -1: CAIRN_ERR_INVALID (exit 2) for a line
 * that is too long, naming its number, else the read error (exit 3).
 */
const struct cairn_error *cmd_input_error(const struct cmd_input *in);

/* Read up to len bytes into buf; returns the count (0 at the end), -1 on error. */
long cmd_input_read(struct cmd_input *in, void *buf, size_t len);

/* Nonzero if input is buffered or ready without blocking (or at EOF). */
int cmd_input_pending(struct cmd_input *in);

/* A cairn_write_fn that writes to stdout (arg unused). */
const struct cairn_error *cmd_stdout_sink(void *arg, const void *data,
    size_t len);

/* A path, quoted as git quotes it (core.quotePath), to stdout or f. */
void cmd_print_path(const char *name, size_t len);
void cmd_fprint_path(FILE *f, const char *name, size_t len);

/* A tree entry as git ls-tree prints it, path = prefix + name; nul: -z. */
void cmd_print_entry(const struct cairn_tree_entry *e, const char *prefix,
    int nul);

/* Follow a commit or tag to its tree (a tree stays itself). */
const struct cairn_error *cmd_peel_tree(struct cairn_repo *repo,
    struct cairn_oid *id);

/* The handle's counters on one stderr line (--stats). */
void cmd_print_counters(struct cairn_repo *repo);

/*
 * A JSON string literal on stdout that gives back the exact bytes, and
 * is valid UTF-8 whatever they hold: valid UTF-8 is written as it is,
 * except '"' and the backslash (escaped with a backslash) and the control
 * characters U+0000 to U+001F and U+007F (as \u00XX); each byte that is
 * not part of a valid UTF-8 sequence (always 0x80 to 0xFF) as the lone
 * surrogate \udc80 to \udcff, which no valid UTF-8 decodes to (PEP 383's
 * "surrogateescape": in Python, os.fsencode(json.loads(t)) or
 * json.loads(t).encode("utf-8", "surrogateescape") is the bytes).
 */
void cmd_json_bytes(const void *p, size_t n);
void cmd_json_string(const char *s);

/*
 * The length of the valid UTF-8 sequence at p (at most n bytes), or 0:
 * the shortest form of a code point up to U+10FFFF that is not a
 * surrogate (RFC 3629), the rule JSON decoders apply.
 */
size_t cmd_utf8_len(const unsigned char *p, size_t n);

/*
 * An output file written whole or not at all.  cmd_output_open(path,
 * out, tmp): a regular or new file is written as a temporary file beside
 * it (*tmp, malloc'd); a symbolic link, FIFO or device is written
 * through as it is (*tmp NULL).  cmd_output_close(out, path, tmp, err):
 * with err NULL, flush and fsync out, rename the temporary file into
 * place and sync the directory; else (or if that fails) remove it.
 * Closes out, frees tmp, returns err or the new error.
 */
const struct cairn_error *cmd_output_open(const char *path, FILE **out,
    char **tmp);
const struct cairn_error *cmd_output_close(FILE *out, const char *path,
    char *tmp, const struct cairn_error *err);

/* The object type named by s, or 0. */
int cmd_parse_type(const char *s);

#endif
