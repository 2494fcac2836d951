/*
 * cmd_completion.c: cairn completion, a completion script for bash or zsh.
 * Its words come from the program's own tables, so the script follows
 * the program: the commands, their summaries and usage strings (main.c's
 * table) and every command's options as cairn(1) lists them
 * (cmd_option_help); only the walk over the command line is written here.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const char cmd_completion_usage[] = "cairn completion bash|zsh";

/*
 * What a word is, as the scripts complete it (a "kind"): "ref" (a ref
 * name, from `cairn ref list`), "tag" (a ref under tags/, without it),
 * "remote" (a remote's name from `cairn remote list`, else a directory),
 * "key" (a config key that `cairn config --list` prints), "command",
 * "file", "dir", "none" (anything: nothing to offer), or
 * "words:<a>|<b>|..." (one of those literal words).  A list of operand
 * kinds ends in "<kind>..." when its last operand repeats.
 */
#define WORD_MAX 64		/* an option or key; longer ones are left out */
#define KIND_MAX 128
#define OPERANDS_MAX 8

/* An option of a key: "-n", or "--format=" when its value is attached. */
struct comp_opt {
	char name[WORD_MAX];
	char kind[KIND_MAX];	/* its value's kind, "" if it takes none */
	const char *help;	/* the first sentence in cairn(1), or NULL */
};

/* A command ("log"), a subcommand ("ref list"), or "" (global options). */
struct comp_key {
	char name[WORD_MAX];
	const char *summary;	/* commands only */
	struct comp_opt *opts;
	size_t nopts, capopts;
	char operands[OPERANDS_MAX][KIND_MAX];
	size_t noperands;
	char subs[KIND_MAX * 2];	/* its subcommands, blank-separated */
};

struct comp_table {
	struct comp_key *keys;
	size_t nkeys, capkeys;
	int nomem;
};

/*
 * A placeholder of a usage string or option ("<tree-ish>") and the kind
 * of word it stands for, in a command or subcommand ("remote remove"),
 * or in any (cmd NULL).  The first match counts, so a command's own
 * meaning comes before the general one.
 */
static const struct {
	const char *cmd;
	const char *placeholder;
	const char *kind;
} placeholder_kinds[] = {
	{ "config", "key", "key" },
	{ "remote remove", "name", "remote" },
	{ "tag", "name", "tag" },
	{ "tag", "pattern", "tag" },
	{ "ref", "name", "ref" },
	{ NULL, "object", "ref" },
	{ NULL, "tree", "ref" },
	{ NULL, "tree-ish", "ref" },
	{ NULL, "commit", "ref" },
	{ NULL, "rev", "ref" },
	{ NULL, "parent", "ref" },
	{ NULL, "id", "ref" },
	{ NULL, "ref", "ref" },
	{ NULL, "pattern", "ref" },
	{ NULL, "file", "file" },
	{ NULL, "dir", "dir" },
	{ NULL, "repo", "dir" },
	{ NULL, "git-dir", "dir" },
	{ NULL, "url", "dir" },
	{ NULL, "remote", "remote" },
	{ NULL, "command", "command" },
};

#define NPLACEHOLDERS (sizeof(placeholder_kinds) / sizeof(placeholder_kinds[0]))

/*
 * Words go into the scripts between single quotes and as case patterns:
 * one with any other character is left out.
 */
static int
word_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._|=/+:- ", *s) ==
		    NULL)
			return 0;
	return 1;
}

/* Copy n bytes of s into out (size WORD_MAX or KIND_MAX); 0 if too long. */
static int
copy_word(char *out, size_t size, const char *s, size_t n)
{
	if (n >= size)
		return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	return 1;
}

/* The types put -t takes, as "words:blob|tree|commit|tag". */
static void
type_words(char *out, size_t size)
{
	const char *name;
	size_t len = 0;
	int t;

	snprintf(out, size, "words:");
	len = strlen(out);
	for (t = 1; (name = cairn_otype_name(t)) != NULL && len < size; t++)
		len += (size_t)snprintf(out + len, size - len, "%s%s",
		    t > 1 ? "|" : "", name);
	if (len >= size)
		snprintf(out, size, "none");
}

/* Whether key ("ref", "ref list") is cmd or a subcommand of it. */
static int
key_in(const char *key, const char *cmd)
{
	size_t n = strlen(cmd);

	return strncmp(key, cmd, n) == 0 && (key[n] == '\0' || key[n] == ' ');
}

/* The kind of the placeholder ph (len bytes, without <>) in key. */
static const char *
placeholder_kind(const char *key, const char *ph, size_t len)
{
	size_t i;

	if (len == 4 && strncmp(ph, "type", 4) == 0)
		return "type";
	for (i = 0; i < NPLACEHOLDERS; i++)
		if ((placeholder_kinds[i].cmd == NULL ||
		    key_in(key, placeholder_kinds[i].cmd)) &&
		    strlen(placeholder_kinds[i].placeholder) == len &&
		    strncmp(placeholder_kinds[i].placeholder, ph, len) == 0)
			return placeholder_kinds[i].kind;
	return "none";
}

/*
 * The kind of a value as a usage string or the page writes it: "<file>",
 * "tar|tar.gz", "<age>|now|never" (its literal words), "<remote>|<url>"
 * (its first placeholder that means something).
 */
static void
spec_kind(char *out, size_t size, const char *key, const char *spec)
{
	const char *p = spec, *kind = "none";
	char words[KIND_MAX] = "";
	size_t n, len = 0;

	while (*p != '\0') {
		n = strcspn(p, "|");
		if (n > 2 && p[0] == '<' && p[n - 1] == '>') {
			if (strcmp(kind, "none") == 0)
				kind = placeholder_kind(key, p + 1, n - 2);
		} else if (n > 0 && len + n + 1 < sizeof(words)) {
			len += (size_t)snprintf(words + len, sizeof(words) - len,
			    "%s%.*s", len > 0 ? "|" : "", (int)n, p);
		}
		p += n + (p[n] == '|');
	}
	if (len > 0)
		snprintf(out, size, "words:%s", words);
	else if (strcmp(kind, "type") == 0)
		type_words(out, size);
	else
		snprintf(out, size, "%s", kind);
	if (!word_ok(out))
		snprintf(out, size, "none");
}

/* Whether the n bytes at p hold "...". */
static int
has_dots(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 3 <= n; i++)
		if (strncmp(p + i, "...", 3) == 0)
			return 1;
	return 0;
}

/* Tokens of a usage line or an option's item in cairn(1). */
enum tok_type { TOK_END, TOK_OPTION, TOK_OPERAND, TOK_WORD };

struct token {
	enum tok_type type;
	char name[WORD_MAX];	/* an option ("--format") or a word */
	char value[KIND_MAX];	/* an option's value or an operand, as written */
	int attached;		/* the value follows '=' (1) or "[=" (2) */
	int repeat;		/* "..." follows the operand */
};

/* The end of a value written after an option: "<file>", "tar|tar.gz". */
static size_t
value_len(const char *p, int attached)
{
	if (attached == 0)
		return *p == '<' ? strcspn(p, ">") + (p[strcspn(p, ">")] == '>') :
		    0;
	return strcspn(p, attached == 2 ? "]" : " \t\n]),");
}

/* An option at p ("-n <n>", "--format=<fmt>", "--batch[=<format>]"). */
static const char *
scan_option(const char *p, struct token *t)
{
	size_t n = strspn(p, "-") + strspn(p + strspn(p, "-"),
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-");

	t->type = TOK_OPTION;
	if (!copy_word(t->name, sizeof(t->name), p, n))
		t->name[0] = '\0';
	p += n;
	if (*p == '=')
		t->attached = 1;
	else if (p[0] == '[' && p[1] == '=')
		t->attached = 2;
	else if (p[0] == ' ' && p[1] == '<')
		p++;
	p += t->attached;
	n = value_len(p, t->attached);
	if (!copy_word(t->value, sizeof(t->value), p, n))
		t->value[0] = '\0';
	return p + n;
}

/*
 * The token at p, into t; returns where the next one starts.  Brackets,
 * parentheses, '|' and ',' only group; "-<n>" and a lone "--" are no
 * option; an operand's token may go on after its placeholder, as in
 * "<ref>[:<dst>]...", and repeats if it holds "...".
 */
static const char *
next_token(const char *p, struct token *t)
{
	size_t n;

	memset(t, 0, sizeof(*t));
	for (;;) {
		p += strspn(p, " \t\n[]()|,.:");
		if (*p == '\0') {
			t->type = TOK_END;
			return p;
		}
		if (*p == '-' && isalnum((unsigned char)p[1 + (p[1] == '-')]))
			return scan_option(p, t);
		n = strcspn(p, " \t\n");
		if (*p == '<' || isalpha((unsigned char)*p))
			break;
		p += n;		/* "-<n>", "--", stray punctuation */
	}
	if (*p == '<') {
		t->type = TOK_OPERAND;
		t->repeat = has_dots(p, n);
		/* "<remote>|<url>": the alternatives, up to the last '>'. */
		n = strcspn(p, " \t\n[]");
		while (n > 0 && p[n - 1] != '>')
			n--;
		if (!copy_word(t->value, sizeof(t->value), p, n))
			t->value[0] = '\0';
		return p + strcspn(p, " \t\n");
	}
	n = strcspn(p, " \t\n[]()");
	t->type = memchr(p, '|', n) != NULL ? TOK_OPERAND : TOK_WORD;
	if (!copy_word(t->type == TOK_WORD ? t->name : t->value,
	    WORD_MAX, p, n))
		t->type = TOK_WORD;
	return p + n;
}

/* The key named name, added if new; NULL if out of memory. */
static struct comp_key *
table_key(struct comp_table *t, const char *name)
{
	struct comp_key *k;
	size_t i;

	for (i = 0; i < t->nkeys; i++)
		if (strcmp(t->keys[i].name, name) == 0)
			return &t->keys[i];
	if (t->nkeys == t->capkeys) {
		size_t cap = t->capkeys ? 2 * t->capkeys : 64;

		if ((k = realloc(t->keys, cap * sizeof(*k))) == NULL) {
			t->nomem = 1;
			return NULL;
		}
		t->keys = k;
		t->capkeys = cap;
	}
	k = &t->keys[t->nkeys++];
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	return k;
}

/*
 * Add option name to k, or complete what is known of it: the value's
 * kind most telling ("words:now|never" over "none") and its help.
 */
static void
key_add_option(struct comp_table *t, struct comp_key *k, const char *name,
    const char *kind, const char *help)
{
	struct comp_opt *o;
	size_t i;

	if (!word_ok(name) || strchr(name, ' ') != NULL)
		return;
	for (i = 0; i < k->nopts; i++)
		if (strcmp(k->opts[i].name, name) == 0)
			break;
	if (i == k->nopts) {
		if (k->nopts == k->capopts) {
			size_t cap = k->capopts ? 2 * k->capopts : 16;

			if ((o = realloc(k->opts, cap * sizeof(*o))) == NULL) {
				t->nomem = 1;
				return;
			}
			k->opts = o;
			k->capopts = cap;
		}
		memset(&k->opts[k->nopts++], 0, sizeof(k->opts[0]));
	}
	o = &k->opts[i];
	snprintf(o->name, sizeof(o->name), "%s", name);
	if (o->kind[0] == '\0' || (strcmp(o->kind, "none") == 0 &&
	    kind[0] != '\0'))
		snprintf(o->kind, sizeof(o->kind), "%s", kind);
	if (o->help == NULL)
		o->help = help;
}

/* Add the option token to k: "--batch[=<f>]" is "--batch" and "--batch=". */
static void
key_add_token(struct comp_table *t, struct comp_key *k,
    const struct token *tok, const char *help)
{
	char name[WORD_MAX], kind[KIND_MAX] = "";

	if (tok->name[0] == '\0')
		return;
	if (tok->value[0] != '\0')
		spec_kind(kind, sizeof(kind), k->name, tok->value);
	if (tok->attached == 0) {
		key_add_option(t, k, tok->name, kind, help);
		return;
	}
	if (tok->attached == 2)
		key_add_option(t, k, tok->name, "", help);
	if (snprintf(name, sizeof(name), "%s=", tok->name) < (int)sizeof(name))
		key_add_option(t, k, name, kind[0] ? kind : "none", help);
}

/* Add the word sub to the blank-separated list subs (size KIND_MAX * 2). */
static void
subs_add(char *subs, size_t size, const char *sub)
{
	size_t len = strlen(subs), n = strlen(sub);
	const char *p;

	for (p = subs; (p = strstr(p, sub)) != NULL; p += n)
		if ((p == subs || p[-1] == ' ') && (p[n] == ' ' ||
		    p[n] == '\0'))
			return;
	if (word_ok(sub) && len + n + 2 <= size)
		snprintf(subs + len, size - len, "%s%s", len ? " " : "", sub);
}

/*
 * Read one usage line after "cairn <cmd>" (usage set) or one item of
 * cairn(1) (with its help): a first bare word is a subcommand ("ref
 * list"), whose key the rest belongs to; options are added to the key;
 * a usage line's operands become the key's, unless an earlier line gave
 * it some.  Global (cmd ""): the options alone.
 */
static void
table_scan(struct comp_table *t, const char *cmd, const char *line,
    int usage, const char *help)
{
	char ops[OPERANDS_MAX][KIND_MAX], name[WORD_MAX];
	struct comp_key *k;
	struct token tok;
	size_t nops = 0;
	int first = 1;

	if ((k = table_key(t, cmd)) == NULL)
		return;
	while ((line = next_token(line, &tok)), tok.type != TOK_END) {
		if (tok.type == TOK_WORD && first && *cmd != '\0' &&
		    snprintf(name, sizeof(name), "%s %s", cmd, tok.name) <
		    (int)sizeof(name)) {
			subs_add(k->subs, sizeof(k->subs), tok.name);
			if ((k = table_key(t, name)) == NULL)
				return;
		} else if (tok.type == TOK_OPTION) {
			key_add_token(t, k, &tok, help);
		} else if (tok.type == TOK_OPERAND && usage && *cmd != '\0' &&
		    nops < OPERANDS_MAX) {
			spec_kind(ops[nops], KIND_MAX - 3, k->name, tok.value);
			if (tok.repeat)
				strcat(ops[nops], "...");
			nops++;
		}
		first = 0;
	}
	if (nops > 0 && k->noperands == 0) {
		memcpy(k->operands, ops, sizeof(ops[0]) * nops);
		k->noperands = nops;
	}
}

/* Each line of usage ("cairn <cmd> ..." or "       cairn <cmd> ..."). */
static void
table_scan_usage(struct comp_table *t, const char *cmd, const char *usage)
{
	char line[1024];
	const char *p = usage, *rest;
	size_t n;

	while (*p != '\0') {
		n = strcspn(p, "\n");
		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			rest = line + strspn(line, " ");
			if (strncmp(rest, "cairn ", 6) == 0)
				rest += 6;
			if (*cmd != '\0' && strncmp(rest, cmd, strlen(cmd)) == 0)
				rest += strlen(cmd);
			table_scan(t, cmd, rest, 1, NULL);
		}
		p += n + (p[n] == '\n');
	}
}

/* The table of every command; NULL if out of memory. */
static struct comp_table *
table_build(void)
{
	const struct cmd_option_help *o;
	struct comp_table *t;
	struct comp_key *k;
	size_t i;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	table_scan_usage(t, "", cmd_main_usage);
	for (i = 0; i < cmd_ncommands; i++) {
		if ((k = table_key(t, cmd_commands[i].name)) != NULL)
			k->summary = cmd_commands[i].summary;
		table_scan_usage(t, cmd_commands[i].name,
		    cmd_commands[i].usage);
	}
	/* help is main's own: "cairn help [<command>]". */
	if ((k = table_key(t, "help")) != NULL)
		k->summary = "print the usage of cairn or of a command";
	table_scan_usage(t, "help", "cairn help [<command>]");
	/* The page's options, of the commands there are. */
	for (o = cmd_option_help; o->cmd != NULL; o++)
		for (i = 0; i < cmd_ncommands; i++)
			if (strcmp(o->cmd, cmd_commands[i].name) == 0)
				table_scan(t, o->cmd, o->option, 0, o->text);
	/* Every command and subcommand takes --help. */
	for (i = 0; i < t->nkeys; i++)
		if (t->keys[i].name[0] != '\0' &&
		    strcmp(t->keys[i].name, "help") != 0)
			key_add_option(t, &t->keys[i], "--help", "",
			    "Print the usage and the options.");
	return t;
}

static void
table_free(struct comp_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nkeys; i++)
		free(t->keys[i].opts);
	free(t->keys);
	free(t);
}

/* The scripts. */

/* s between single quotes, for sh: a quote as '\''. */
static void
put_quoted(const char *s, size_t n)
{
	size_t i;

	putchar('\'');
	for (i = 0; i < n && s[i] != '\0'; i++) {
		if (s[i] == '\'')
			fputs("'\\''", stdout);
		else if ((unsigned char)s[i] < 0x20)
			putchar(' ');
		else
			putchar(s[i]);
	}
	putchar('\'');
}

/* A description of at most about 60 bytes, cut at a blank. */
static size_t
help_len(const char *text)
{
	size_t n = strlen(text), cut;

	if (n <= 60)
		return n;
	for (cut = 60; cut > 20 && text[cut] != ' '; cut--)
		;
	return cut;
}

static void
put_lines(const char *const *lines)
{
	for (; *lines != NULL; lines++)
		printf("%s\n", *lines);
}

/*
 * The tables both scripts share, as shell functions that set _cairn_r:
 * _cairn_subcommands <command>, _cairn_options <key>, _cairn_value
 * <key> <option> (the kind of its value, "" if it takes none) and
 * _cairn_operands <key> (the kinds of its operands, in order).
 */
static void
put_tables(const struct comp_table *t)
{
	const struct comp_key *k;
	const char *sep = "";
	size_t j;

	printf("_cairn_commands='");
	for (k = t->keys; k < t->keys + t->nkeys; k++)
		if (k->summary != NULL) {
			printf("%s%s", sep, k->name);
			sep = " ";
		}
	printf("'\n\n_cairn_subcommands() {\n\tcase $1 in\n");
	for (k = t->keys; k < t->keys + t->nkeys; k++)
		if (k->subs[0] != '\0')
			printf("\t'%s') _cairn_r='%s' ;;\n", k->name, k->subs);
	printf("\t*) _cairn_r= ;;\n\tesac\n}\n\n");
	printf("_cairn_options() {\n\tcase $1 in\n");
	for (k = t->keys; k < t->keys + t->nkeys; k++) {
		printf("\t'%s') _cairn_r='", k->name);
		for (j = 0; j < k->nopts; j++)
			printf("%s%s", j ? " " : "", k->opts[j].name);
		printf("' ;;\n");
	}
	printf("\t*) _cairn_r= ;;\n\tesac\n}\n\n");
	printf("_cairn_value() {\n\tcase \"$1 $2\" in\n");
	for (k = t->keys; k < t->keys + t->nkeys; k++)
		for (j = 0; j < k->nopts; j++)
			if (k->opts[j].kind[0] != '\0')
				printf("\t'%s %s') _cairn_r='%s' ;;\n", k->name,
				    k->opts[j].name, k->opts[j].kind);
	printf("\t*) _cairn_r= ;;\n\tesac\n}\n\n");
	printf("_cairn_operands() {\n\tcase $1 in\n");
	for (k = t->keys; k < t->keys + t->nkeys; k++) {
		if (k->noperands == 0)
			continue;
		printf("\t'%s') _cairn_r='", k->name);
		for (j = 0; j < k->noperands; j++)
			printf("%s%s", j ? " " : "", k->operands[j]);
		printf("' ;;\n");
	}
	printf("\t*) _cairn_r= ;;\n\tesac\n}\n");
}

static const char *const bash_head[] = {
	"# bash completion for cairn, made by `cairn completion bash`.",
	"# Load it with: source <(cairn completion bash)",
	"#",
	"# Kinds of words: ref, tag (a ref under tags/, without it), remote,",
	"# key (of config), command, file, dir, none, words:<a>|<b>|...; an",
	"# operand kind ending in '...' repeats.  An option ending in '='",
	"# takes its value attached.",
	"",
	NULL
};

/*
 * How both scripts read one word before the cursor (bash and zsh alike):
 * a value waited for, "--", an option (which may wait for its value),
 * the command, a subcommand, or an operand.
 */
static const char *const word_step[] = {
	"\t\t\tpending=",
	"\t\telif ((opts)) && [[ -n $cmd && $w == -- ]]; then",
	"\t\t\topts=0",
	"\t\telif ((opts)) && [[ $w == -?* ]]; then",
	"\t\t\t_cairn_value \"$key\" \"$w\"",
	"\t\t\tif [[ -n $_cairn_r ]]; then",
	"\t\t\t\tpending=$w",
	"\t\t\telif [[ -z $cmd ]]; then",
	"\t\t\t\t_cairn_global+=(\"$w\")",
	"\t\t\tfi",
	"\t\telif [[ -z $cmd ]]; then",
	"\t\t\tcmd=$w",
	"\t\t\tkey=$w",
	"\t\t\t_cairn_subcommands \"$cmd\"",
	"\t\t\tsubs=$_cairn_r",
	"\t\telif [[ -n $subs ]]; then",
	"\t\t\tkey=\"$cmd $w\"",
	"\t\t\tsubs=",
	"\t\telse",
	"\t\t\tn=$((n + 1))",
	"\t\tfi",
	NULL
};

static const char *const bash_body[] = {
	"",
	"# _cairn_split: the command line up to the cursor as the user typed",
	"# it, into _cairn_words, and the word being completed, into _cairn_cur.",
	"# COMP_WORDS is split at COMP_WORDBREAKS too (\"--format=x\" and \"a:b\"",
	"# are three words each): a piece that follows the one before it with",
	"# no blank between is joined to it again.",
	"_cairn_split() {",
	"\tlocal line=${COMP_LINE:0:COMP_POINT} gap w i last",
	"\t_cairn_words=()",
	"\t_cairn_cur=",
	"\tfor ((i = 0; i <= COMP_CWORD; i++)); do",
	"\t\tw=${COMP_WORDS[i]}",
	"\t\tgap=${line%%[![:blank:]]*}",
	"\t\tline=${line#\"$gap\"}",
	"\t\tif ((i == COMP_CWORD)); then",
	"\t\t\tw=$line",
	"\t\telse",
	"\t\t\tline=${line#\"$w\"}",
	"\t\tfi",
	"\t\tlast=$((${#_cairn_words[@]} - 1))",
	"\t\tif ((i > 0 && last >= 0)) && [[ -z $gap ]]; then",
	"\t\t\tif ((i == COMP_CWORD)); then",
	"\t\t\t\t_cairn_cur=${_cairn_words[last]}$w",
	"\t\t\t\tunset '_cairn_words[last]'",
	"\t\t\telse",
	"\t\t\t\t_cairn_words[last]+=$w",
	"\t\t\tfi",
	"\t\telif ((i == COMP_CWORD)); then",
	"\t\t\t_cairn_cur=$w",
	"\t\telse",
	"\t\t\t_cairn_words+=(\"$w\")",
	"\t\tfi",
	"\tdone",
	"}",
	"",
	"# _cairn_tilde <path>: _cairn_r is <path> with a leading ~/ expanded.",
	"_cairn_tilde() {",
	"\t_cairn_r=$1",
	"\t# shellcheck disable=SC2088 # the ~ typed, not expanded",
	"\tif [[ $_cairn_r == \"~/\"* ]]; then",
	"\t\t_cairn_r=$HOME/${_cairn_r#\"~/\"}",
	"\tfi",
	"}",
	"",
	"# _cairn_run <arg>...: what this cairn prints, run read-only with the",
	"# global options of the command line (-C, -r), its errors silenced.",
	"_cairn_run() {",
	"\t_cairn_tilde \"${_cairn_words[0]}\"",
	"\tcommand \"$_cairn_r\" ${_cairn_global[@]+\"${_cairn_global[@]}\"} \\",
	"\t    --read-only --no-progress \"$@\" 2>/dev/null </dev/null",
	"}",
	"",
	"# _cairn_add <prefix> <cur> <word>...: a reply <prefix><word> for each",
	"# word that starts with <cur>.",
	"_cairn_add() {",
	"\tlocal pre=$1 cur=$2 w",
	"\tshift 2",
	"\tfor w; do",
	"\t\tif [[ $w == \"$cur\"* ]]; then",
	"\t\t\tCOMPREPLY+=(\"$pre$w\")",
	"\t\tfi",
	"\tdone",
	"}",
	"",
	"# _cairn_lines <prefix> <cur> <strip> <cut>: _cairn_add for each line",
	"# of stdin, without <strip> at its start and from <cut> on.",
	"_cairn_lines() {",
	"\tlocal pre=$1 cur=$2 strip=$3 cut=$4 w",
	"\twhile IFS= read -r w; do",
	"\t\tw=${w#\"$strip\"}",
	"\t\tif [[ -n $cut ]]; then",
	"\t\t\tw=${w%%\"$cut\"*}",
	"\t\tfi",
	"\t\tif [[ -n $w && $w == \"$cur\"* ]]; then",
	"\t\t\tCOMPREPLY+=(\"$pre$w\")",
	"\t\tfi",
	"\tdone",
	"}",
	"",
	"# _cairn_complete <kind> <prefix> <cur>: the replies for a word of",
	"# that kind, after <prefix>.",
	"_cairn_complete() {",
	"\tlocal kind=$1 pre=$2 cur=$3 out n=${#COMPREPLY[@]}",
	"\tcase $kind in",
	"\tref|tag)",
	"\t\t# \"<src>:<dst>\" (push, fetch): a ref on each side.",
	"\t\tif [[ $cur == *:* ]]; then",
	"\t\t\tpre=$pre${cur%:*}:",
	"\t\t\tcur=${cur##*:}",
	"\t\tfi",
	"\t\tif [[ $kind == tag ]]; then",
	"\t\t\tout=$(_cairn_run ref list --format='%(refname)' tags/)",
	"\t\t\t_cairn_lines \"$pre\" \"$cur\" tags/ '' <<<\"$out\"",
	"\t\telse",
	"\t\t\tout=$(_cairn_run ref list --format='%(refname)')",
	"\t\t\t_cairn_lines \"$pre\" \"$cur\" '' '' <<<\"$out\"",
	"\t\tfi",
	"\t\t;;",
	"\tremote)",
	"\t\t# `cairn remote list`: \"<name> <url>\" lines; else a path.",
	"\t\tout=$(_cairn_run remote list)",
	"\t\t_cairn_lines \"$pre\" \"$cur\" '' ' ' <<<\"$out\"",
	"\t\tif ((${#COMPREPLY[@]} == n)); then",
	"\t\t\t_cairn_complete dir \"$pre\" \"$cur\"",
	"\t\tfi",
	"\t\t;;",
	"\tkey)",
	"\t\t# `cairn config --list`: \"<key>=<value>\" lines.",
	"\t\tout=$(_cairn_run config --list)",
	"\t\t_cairn_lines \"$pre\" \"$cur\" '' = <<<\"$out\"",
	"\t\t;;",
	"\tcommand)",
	"\t\t# shellcheck disable=SC2086 # one word each",
	"\t\t_cairn_add \"$pre\" \"$cur\" $_cairn_commands",
	"\t\t;;",
	"\tfile|dir)",
	"\t\tcompopt -o filenames 2>/dev/null",
	"\t\tif [[ $kind == dir ]]; then",
	"\t\t\tout=$(compgen -d -- \"$cur\")",
	"\t\telse",
	"\t\t\tout=$(compgen -f -- \"$cur\")",
	"\t\tfi",
	"\t\t_cairn_lines \"$pre\" '' '' '' <<<\"$out\"",
	"\t\t;;",
	"\twords:*)",
	"\t\tlocal IFS='|'",
	"\t\t# shellcheck disable=SC2086 # split at '|'",
	"\t\t_cairn_add \"$pre\" \"$cur\" ${kind#words:}",
	"\t\t;;",
	"\tesac",
	"\treturn 0",
	"}",
	"",
	"# _cairn_trim: readline replaces only what follows the last",
	"# COMP_WORDBREAKS character of the word (\"--format=\", \"<src>:\"); the",
	"# replies lose what comes before.",
	"_cairn_trim() {",
	"\tlocal i=${#_cairn_cur}",
	"\twhile ((i > 0)); do",
	"\t\tcase $COMP_WORDBREAKS in",
	"\t\t*\"${_cairn_cur:i-1:1}\"*) break ;;",
	"\t\tesac",
	"\t\ti=$((i - 1))",
	"\tdone",
	"\tif ((i > 0 && ${#COMPREPLY[@]} > 0)); then",
	"\t\tCOMPREPLY=(\"${COMPREPLY[@]#\"${_cairn_cur:0:i}\"}\")",
	"\tfi",
	"}",
	"",
	"# _cairn: complete a cairn command line.  The words before the cursor",
	"# give the key (\"\" before the command, \"log\", \"ref list\"), how many",
	"# operands came, and whether an option waits for its value.",
	"_cairn() {",
	"\tlocal _cairn_r _cairn_cur w key='' cmd='' subs='' pending='' kind",
	"\tlocal i n=0 opts=1",
	"\tlocal -a _cairn_words _cairn_global",
	"\tCOMPREPLY=()",
	"\t_cairn_global=()",
	"\t_cairn_split",
	"\tfor ((i = 1; i < ${#_cairn_words[@]}; i++)); do",
	"\t\tw=${_cairn_words[i]}",
	"\t\tif [[ -n $pending ]]; then",
	"\t\t\tif [[ -z $cmd ]]; then",
	"\t\t\t\t_cairn_tilde \"$w\"",
	"\t\t\t\t_cairn_global+=(\"$pending\" \"$_cairn_r\")",
	"\t\t\tfi",
	NULL
};

static const char *const bash_tail[] = {
	"\tdone",
	"\tif [[ -n $pending ]]; then",
	"\t\t_cairn_value \"$key\" \"$pending\"",
	"\t\t_cairn_complete \"$_cairn_r\" '' \"$_cairn_cur\"",
	"\telif ((opts)) && [[ $_cairn_cur == --*=* ]]; then",
	"\t\t_cairn_value \"$key\" \"${_cairn_cur%%=*}=\"",
	"\t\t_cairn_complete \"$_cairn_r\" \"${_cairn_cur%%=*}=\" \\",
	"\t\t    \"${_cairn_cur#*=}\"",
	"\telif ((opts)) && [[ $_cairn_cur == -* ]]; then",
	"\t\t_cairn_options \"$key\"",
	"\t\t# shellcheck disable=SC2086 # one word each",
	"\t\t_cairn_add '' \"$_cairn_cur\" $_cairn_r",
	"\t\tfor w in \"${COMPREPLY[@]}\"; do",
	"\t\t\tif [[ $w == *= ]]; then",
	"\t\t\t\tcompopt -o nospace 2>/dev/null",
	"\t\t\tfi",
	"\t\tdone",
	"\telif [[ -z $cmd ]]; then",
	"\t\t# shellcheck disable=SC2086 # one word each",
	"\t\t_cairn_add '' \"$_cairn_cur\" $_cairn_commands",
	"\telif [[ -n $subs ]]; then",
	"\t\t# shellcheck disable=SC2086 # one word each",
	"\t\t_cairn_add '' \"$_cairn_cur\" $subs",
	"\telse",
	"\t\t_cairn_operands \"$key\"",
	"\t\t# shellcheck disable=SC2086 # one kind each",
	"\t\tset -- $_cairn_r",
	"\t\tif ((n < $#)); then",
	"\t\t\tshift \"$n\"",
	"\t\t\tkind=$1",
	"\t\telif (($# > 0)); then",
	"\t\t\tkind=${!#}",
	"\t\t\t[[ $kind == *... ]] || kind=none",
	"\t\telse",
	"\t\t\tkind=none",
	"\t\tfi",
	"\t\t_cairn_complete \"${kind%...}\" '' \"$_cairn_cur\"",
	"\tfi",
	"\t_cairn_trim",
	"\treturn 0",
	"}",
	"",
	"complete -F _cairn cairn",
	NULL
};

static int
put_bash(const struct comp_table *t)
{
	put_lines(bash_head);
	put_tables(t);
	put_lines(bash_body);
	put_lines(word_step);
	put_lines(bash_tail);
	return 0;
}

/*
 * zsh's descriptions: _cairn_command_help, "<command>:<summary>", and
 * _cairn_option_help <key>, which sets _cairn_plain and _cairn_eq (the
 * options that take their value attached) to "<option>:<help>".
 */
static void
put_zsh_help(const struct comp_table *t)
{
	const struct comp_key *k;
	size_t i, j;
	int eq;

	printf("_cairn_command_help=(\n");
	for (k = t->keys; k < t->keys + t->nkeys; k++)
		if (k->summary != NULL) {
			printf("\t'%s:'", k->name);
			put_quoted(k->summary, strlen(k->summary));
			printf("\n");
		}
	printf(")\n\n_cairn_option_help() {\n");
	printf("\t_cairn_plain=()\n\t_cairn_eq=()\n\tcase $1 in\n");
	for (k = t->keys; k < t->keys + t->nkeys; k++) {
		printf("\t'%s')\n", k->name);
		for (eq = 0; eq < 2; eq++) {
			printf("\t\t%s=(", eq ? "_cairn_eq" : "_cairn_plain");
			for (j = i = 0; j < k->nopts; j++) {
				const struct comp_opt *o = &k->opts[j];

				if ((o->name[strlen(o->name) - 1] == '=') != eq)
					continue;
				/* "<option>:<help>", quoted in two pieces. */
				printf("%s'%s%s'", i++ ? "\n\t\t    " : "",
				    o->name, o->help ? ":" : "");
				if (o->help != NULL)
					put_quoted(o->help, help_len(o->help));
				if (o->help != NULL &&
				    o->help[help_len(o->help)] != '\0')
					printf("'...'");
			}
			printf(")\n");
		}
		printf("\t\t;;\n");
	}
	printf("\tesac\n}\n");
}

static const char *const zsh_head[] = {
	"#compdef cairn",
	"# zsh completion for cairn, made by `cairn completion zsh`.  Install it",
	"# as _cairn in a folder of $fpath (compinit loads it), or load it with",
	"# source <(cairn completion zsh) after compinit.",
	"#",
	"# Kinds of words: ref, tag (a ref under tags/, without it), remote,",
	"# key (of config), command, file, dir, none, words:<a>|<b>|...; an",
	"# operand kind ending in '...' repeats.  An option ending in '='",
	"# takes its value attached.",
	"",
	NULL
};

static const char *const zsh_body[] = {
	"",
	"# _cairn_run <arg>...: what this cairn prints, run read-only with the",
	"# global options of the command line (-C, -r), its errors silenced.",
	"_cairn_run() {",
	"\tlocal prog=${(Q)words[1]}",
	"\t[[ $prog == '~/'* ]] && prog=$HOME/${prog#'~/'}",
	"\tcommand $prog \"${_cairn_global[@]}\" --read-only --no-progress \"$@\" \\",
	"\t    2>/dev/null </dev/null",
	"}",
	"",
	"# _cairn_complete <kind>: complete the word at the cursor as a <kind>.",
	"_cairn_complete() {",
	"\tlocal -a names",
	"\tcase $1 in",
	"\tref|tag)",
	"\t\t# \"<src>:<dst>\" (push, fetch): a ref on each side.",
	"\t\tcompset -P '*:'",
	"\t\tif [[ $1 == tag ]]; then",
	"\t\t\tnames=(${${(f)\"$(_cairn_run ref list --format='%(refname)' tags/)\"}#tags/})",
	"\t\telse",
	"\t\t\tnames=(${(f)\"$(_cairn_run ref list --format='%(refname)')\"})",
	"\t\tfi",
	"\t\tcompadd -a names",
	"\t\t;;",
	"\tremote)",
	"\t\t# `cairn remote list`: \"<name> <url>\" lines; else a path.",
	"\t\tnames=(${${(f)\"$(_cairn_run remote list)\"}%% *})",
	"\t\tif (( $#names )); then",
	"\t\t\tcompadd -a names",
	"\t\telse",
	"\t\t\t_files -/",
	"\t\tfi",
	"\t\t;;",
	"\tkey)",
	"\t\t# `cairn config --list`: \"<key>=<value>\" lines.",
	"\t\tnames=(${${(f)\"$(_cairn_run config --list)\"}%%=*})",
	"\t\tcompadd -a names",
	"\t\t;;",
	"\tcommand)",
	"\t\t_describe -t commands 'cairn command' _cairn_command_help",
	"\t\t;;",
	"\tfile)",
	"\t\t_files",
	"\t\t;;",
	"\tdir)",
	"\t\t_files -/",
	"\t\t;;",
	"\twords:*)",
	"\t\tnames=(${(s:|:)${1#words:}})",
	"\t\tcompadd -a names",
	"\t\t;;",
	"\t*)",
	"\t\treturn 1",
	"\t\t;;",
	"\tesac",
	"}",
	"",
	"# _cairn: complete a cairn command line.  The words before the cursor",
	"# give the key (\"\" before the command, \"log\", \"ref list\"), how many",
	"# operands came, and whether an option waits for its value.",
	"_cairn() {",
	"\tlocal _cairn_r w key='' cmd='' subs='' pending='' kind",
	"\tlocal -a _cairn_global _cairn_plain _cairn_eq kinds",
	"\tlocal -i i n=0 opts=1",
	"\tfor (( i = 2; i < CURRENT; i++ )); do",
	"\t\tw=${(Q)words[i]}",
	"\t\tif [[ -n $pending ]]; then",
	"\t\t\tif [[ -z $cmd ]]; then",
	"\t\t\t\t[[ $w == '~/'* ]] && w=$HOME/${w#'~/'}",
	"\t\t\t\t_cairn_global+=(\"$pending\" \"$w\")",
	"\t\t\tfi",
	NULL
};

static const char *const zsh_tail[] = {
	"\tdone",
	"\tif [[ -n $pending ]]; then",
	"\t\t_cairn_value \"$key\" \"$pending\"",
	"\t\t_cairn_complete \"$_cairn_r\"",
	"\telif (( opts )) && [[ $PREFIX == --*=* ]]; then",
	"\t\t_cairn_value \"$key\" \"${PREFIX%%=*}=\"",
	"\t\tcompset -P '*='",
	"\t\t_cairn_complete \"$_cairn_r\"",
	"\telif (( opts )) && [[ $PREFIX == -* ]]; then",
	"\t\t_cairn_option_help \"$key\"",
	"\t\t_describe -t options 'option' _cairn_plain -- _cairn_eq -S ''",
	"\telif [[ -z $cmd ]]; then",
	"\t\t_describe -t commands 'cairn command' _cairn_command_help",
	"\telif [[ -n $subs ]]; then",
	"\t\tcompadd -- ${=subs}",
	"\telse",
	"\t\t_cairn_operands \"$key\"",
	"\t\tkinds=(${=_cairn_r})",
	"\t\tif (( n < $#kinds )); then",
	"\t\t\tkind=${kinds[n+1]}",
	"\t\telif (( $#kinds )) && [[ ${kinds[-1]} == *... ]]; then",
	"\t\t\tkind=${kinds[-1]}",
	"\t\telse",
	"\t\t\tkind=none",
	"\t\tfi",
	"\t\t_cairn_complete \"${kind%...}\"",
	"\tfi",
	"}",
	"",
	"# Autoloaded from a file _cairn, this is _cairn's first call: go on",
	"# with it.  Sourced, register the function.",
	"if [[ $funcstack[1] == _cairn ]]; then",
	"\t_cairn \"$@\"",
	"elif (( $+functions[compdef] )); then",
	"\tcompdef _cairn cairn",
	"fi",
	NULL
};

static int
put_zsh(const struct comp_table *t)
{
	put_lines(zsh_head);
	put_tables(t);
	printf("\n");
	put_zsh_help(t);
	put_lines(zsh_body);
	put_lines(word_step);
	put_lines(zsh_tail);
	return 0;
}

int
cmd_completion(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct comp_table *t;
	struct cmd_getopt g;
	const char *shell;
	int c, status;

	cmd_getopt_init(&g, 0);
	if ((c = cmd_getopt(&g, argc, argv, "h", opts,
	    cmd_completion_usage)) != -1)
		return c == 'h' ? cmd_help(cmd_completion_usage) : 2;
	if (g.ind == argc)
		return cmd_usage(cmd_completion_usage, "no shell given");
	if (argc - g.ind > 1)
		return cmd_usage(cmd_completion_usage, "too many arguments");
	shell = argv[g.ind];
	if (strcmp(shell, "bash") != 0 && strcmp(shell, "zsh") != 0)
		return cmd_usage(cmd_completion_usage,
		    "unknown shell '%s' (bash or zsh)", shell);
	if ((t = table_build()) == NULL || t->nomem) {
		table_free(t);
		return cmd_fail(cairn_error_nomem());
	}
	status = strcmp(shell, "bash") == 0 ? put_bash(t) : put_zsh(t);
	table_free(t);
	return cmd_finish_output(status);
}
