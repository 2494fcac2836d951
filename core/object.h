/*
 * object.h: git's tree, commit and tag formats: checking objects with git
 * fsck's rules, iteration over tree entries, parsing a commit, and the
 * links of an object.
 *
 * Tree: a sequence of entries "<mode> SP <name> NUL <raw id>", where mode
 * is octal ASCII (git writes 100644 for a file, 100755 for an executable,
 * 120000 for a symlink, 40000 for a tree and 160000 for a gitlink; older
 * trees hold 100664, zero-padded modes such as 040000 and other bits), and
 * name is non-empty; entries are sorted by name, a tree's name comparing
 * as if it ended in '/', with no duplicate names.
 *
 * Commit: "tree <hex>\n", any number of "parent <hex>\n", "author
 * <ident>\n", "committer <ident>\n", then any other headers (kept
 * verbatim), then "\n" and the message.  Tag: "object <hex>\n", "type
 * <type>\n", "tag <name>\n", optionally "tagger <ident>\n", other headers,
 * "\n" and the message.  An ident is "<name> <<email>> <seconds> <+|-hhmm>"
 * where name and email contain no '<', '>' or newline and seconds has no
 * leading zero.  Headers hold no NUL and end with a newline.
 *
 * What is well-formed is what git fsck (2.39) accepts: its errors are
 * refused, its warnings and informational messages are accepted and
 * reported (struct cairn_check_msg), in its words and with its message
 * ids, so an object git keeps keeps its id here too.
 */
#ifndef CAIRN_OBJECT_H
#define CAIRN_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "oid.h"

/* Tree entry modes, canonical (as git reads them). */
#define CAIRN_MODE_FILE		0100644
#define CAIRN_MODE_EXEC		0100755
#define CAIRN_MODE_LINK		0120000
#define CAIRN_MODE_TREE		0040000
#define CAIRN_MODE_GITLINK	0160000

struct cairn_tree_entry {
	unsigned mode;		/* canonical: one of CAIRN_MODE_* */
	unsigned raw_mode;	/* as written: 0100664, 040000 for "040000" */
	const char *name;	/* points into the tree; NUL-terminated there */
	size_t name_len;
	struct cairn_oid id;
};

/*
 * cairn_tree_next(data, len, pos, algo, e):
 * Parse the entry at *pos of a tree and advance *pos.  Returns 1 with *e,
 * 0 at the end, or -1 if the entry is malformed (syntax only: a mode of
 * octal digits, a non-empty name and a whole id; order and names are
 * checked by cairn_object_check).  e->mode is the entry's canonical mode,
 * as git reads it: any regular file mode is CAIRN_MODE_EXEC if its owner
 * execute bit is set, else CAIRN_MODE_FILE; any symlink mode is
 * CAIRN_MODE_LINK, any directory mode CAIRN_MODE_TREE, anything else
 * CAIRN_MODE_GITLINK.
 */
int cairn_tree_next(const unsigned char *data, size_t len, size_t *pos,
    enum cairn_hash_algo algo, struct cairn_tree_entry *e);

/*
 * One thing git fsck says of an object's content: its level, whether it
 * is about a tree entry name unsafe to check out, git's message id and
 * its words (with, for a tree entry, the first entry concerned).
 */
enum cairn_check_level {
	CAIRN_CHECK_ERROR = 1,	/* git fsck: an error; the object is refused */
	CAIRN_CHECK_WARNING,	/* git fsck: a warning or an informational
				   message; the object is accepted */
};

struct cairn_check_msg {
	enum cairn_check_level level;
	int unsafe;		/* an entry named ".git", ".cairn", ".", ".."
				   or with a '/': accepted only literally */
	const char *id;		/* "zeroPaddedFilemode", "treeNotSorted" */
	const char *text;	/* "contains zero-padded file modes (entry
				   \"d\")" */
};

typedef void (*cairn_check_fn)(void *arg, const struct cairn_check_msg *m);

/*
 * cairn_object_check_report(type, data, len, algo, flags, fn, arg):
 * Check content as git fsck checks an object of type (blobs always pass)
 * and call fn, if not NULL, for each message, in git's order: git's
 * errors, git's warnings and informational messages (its ignored ones,
 * such as extra tag headers, are not reported), and the ".cairn" names
 * cairn adds to git's ".git" ones (id "hasDotcairn").  Returns NULL if the
 * object is to be accepted, else CAIRN_ERR_INVALID for the first error,
 * "invalid <type>: <id>: <words>": what git calls an error, and an unsafe
 * name unless flags has CAIRN_CHECK_LITERALLY.  Not checked: the content
 * of .gitmodules blobs (git's gitmodules* messages), which needs other
 * objects.
 */
#define CAIRN_CHECK_LITERALLY	0x1
const struct cairn_error *cairn_object_check_report(enum cairn_otype type,
    const unsigned char *data, size_t len, enum cairn_hash_algo algo,
    unsigned flags, cairn_check_fn fn, void *arg);

/* cairn_object_check_report without messages. */
const struct cairn_error *cairn_object_check_flags(enum cairn_otype type,
    const unsigned char *data, size_t len, enum cairn_hash_algo algo,
    unsigned flags);

/* cairn_object_check_flags without flags. */
const struct cairn_error *cairn_object_check(enum cairn_otype type,
    const unsigned char *data, size_t len, enum cairn_hash_algo algo);

/*
 * cairn_tree_name_check(name, len, flags):
 * NULL if the len bytes at name are safe as a tree entry name, that is as
 * one path component on every file system: not empty, no '/' or NUL, not
 * "." or "..", and not ".git" or ".cairn" in any case nor a name HFS+ or
 * NTFS takes for one of them: with ignored Unicode code points
 * (U+200C-U+200F, U+202A-U+202E, U+206A-U+206F, U+FEFF) inserted, with
 * trailing spaces or periods, with an NTFS stream suffix
 * (".git::$INDEX_ALLOCATION"), as the 8.3 short name "git~1" or "cairn~1"
 * to "cairn~4", or after a backslash.  With CAIRN_CHECK_LITERALLY only an
 * empty name or a NUL is refused (git stores the others, with a warning).
 * CAIRN_ERR_INVALID otherwise, "invalid tree: hasDotgit: contains '.git'
 * (entry "<name>")" and the like in git fsck's words, the name quoted as
 * git quotes paths.
 */
const struct cairn_error *cairn_tree_name_check(const char *name,
    size_t len, unsigned flags);

/* Git's order of two tree entry names (trees compare with a trailing '/'). */
int cairn_tree_name_cmp(const char *a, size_t alen, int a_tree,
    const char *b, size_t blen, int b_tree);

/*
 * cairn_object_links(type, data, len, algo, fn, arg):
 * Call fn for every object a well-formed object links to: a tree's entries
 * (not gitlinks, which name commits of other repositories), a commit's
 * tree and parents, a tag's object.  A nonzero return of fn stops the walk
 * and is returned.
 */
typedef int (*cairn_link_fn)(void *arg, const struct cairn_oid *id,
    enum cairn_otype type);
int cairn_object_links(enum cairn_otype type, const unsigned char *data,
    size_t len, enum cairn_hash_algo algo, cairn_link_fn fn, void *arg);

/* A parsed commit, pointing into the caller's buffer. */
struct cairn_commit_info {
	struct cairn_oid tree;
	size_t nparents;		/* all of them: see cairn_commit_parent */
	const char *parents;		/* the first "parent " line */
	enum cairn_hash_algo algo;
	const char *author;		/* "<name> <<email>> <time> <tz>" */
	size_t author_len;
	const char *committer;
	size_t committer_len;
	int64_t commit_time;
	const char *message;		/* after the blank line */
	size_t message_len;
};

/*
 * cairn_commit_parse(data, len, algo, ci):
 * Parse a commit's content into *ci, which points into data: its tree,
 * parents, author and committer lines, committer time and message.
 * CAIRN_ERR_INVALID, as cairn_object_check says, if it is not a
 * well-formed commit.
 */
const struct cairn_error *cairn_commit_parse(const unsigned char *data,
    size_t len, enum cairn_hash_algo algo, struct cairn_commit_info *ci);

/*
 * cairn_commit_parent(ci, i, out):
 * The id of parent i (0 <= i < ci->nparents) of a parsed commit, as many
 * as it has; CAIRN_ERR_USAGE for i out of range.
 */
const struct cairn_error *cairn_commit_parent(
    const struct cairn_commit_info *ci, size_t i, struct cairn_oid *out);

#endif
