/*
 * object.h: git's tree, commit and tag formats: validation with git
 * fsck's rules, iteration over tree entries, parsing a commit, and the
 * links of an object.
 *
 * Tree: a sequence of entries "<mode> SP <name> NUL <raw id>", where mode
 * is one of 100644 (file), 100755 (executable), 120000 (symlink), 40000
 * (tree) and 160000 (gitlink), in octal ASCII without leading zeros; name
 * is non-empty, has no '/' and is not "." or ".." (nor, unless checked
 * literally, ".git" or ".cairn" as some file system reads them); entries
 * are sorted by name, a tree's name comparing as if it ended in '/', with
 * no duplicate names.
 *
 * Commit: "tree <hex>\n", any number of "parent <hex>\n", "author
 * <ident>\n", "committer <ident>\n", then any other headers (kept
 * verbatim), then "\n" and the message.  Tag: "object <hex>\n", "type
 * <type>\n", "tag <name>\n", optionally "tagger <ident>\n", other headers,
 * "\n" and the message.  An ident is "<name> <<email>> <seconds> <+|-hhmm>"
 * where name and email contain no '<', '>' or newline and seconds has no
 * leading zero.  Headers hold no NUL and end with a newline.
 */
#ifndef CAIRN_OBJECT_H
#define CAIRN_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "oid.h"

/* Tree entry modes. */
#define CAIRN_MODE_FILE		0100644
#define CAIRN_MODE_EXEC		0100755
#define CAIRN_MODE_LINK		0120000
#define CAIRN_MODE_TREE		0040000
#define CAIRN_MODE_GITLINK	0160000

struct cairn_tree_entry {
	unsigned mode;
	const char *name;	/* points into the tree; NUL-terminated there */
	size_t name_len;
	struct cairn_oid id;
};

/*
 * cairn_tree_next(data, len, pos, algo, e):
 * Parse the entry at *pos of a tree and advance *pos.  Returns 1 with *e,
 * 0 at the end, or -1 if the entry is malformed (syntax only; order is
 * checked by cairn_object_check).
 */
int cairn_tree_next(const unsigned char *data, size_t len, size_t *pos,
    enum cairn_hash_algo algo, struct cairn_tree_entry *e);

/*
 * cairn_object_check(type, data, len, algo):
 * NULL if content is a well-formed object of type (blobs always are),
 * else CAIRN_ERR_INVALID with the reason, in git fsck's words where it
 * has them.
 */
const struct cairn_error *cairn_object_check(enum cairn_otype type,
    const unsigned char *data, size_t len, enum cairn_hash_algo algo);

/*
 * cairn_object_check_flags(type, data, len, algo, flags):
 * cairn_object_check with flags.  Without CAIRN_CHECK_LITERALLY, tree
 * entry names that some file system takes for ".git" or ".cairn" are
 * refused as git fsck refuses them (see cairn_tree_name_check); with it
 * they are accepted, and everything else is still checked.
 */
#define CAIRN_CHECK_LITERALLY	0x1
const struct cairn_error *cairn_object_check_flags(enum cairn_otype type,
    const unsigned char *data, size_t len, enum cairn_hash_algo algo,
    unsigned flags);

/*
 * cairn_tree_name_check(name, len, flags):
 * NULL if the len bytes at name are safe as a tree entry name, that is as
 * one path component on every file system: not empty, no '/' or NUL, not
 * "." or "..", and (unless flags has CAIRN_CHECK_LITERALLY) not ".git" or
 * ".cairn" in any case nor a name HFS+ or NTFS takes for one of them:
 * with ignored Unicode code points (U+200C-U+200F, U+202A-U+202E,
 * U+206A-U+206F, U+FEFF) inserted, with trailing spaces or periods, with
 * an NTFS stream suffix (".git::$INDEX_ALLOCATION"), as the 8.3 short
 * name "git~1" or "cairn~1" to "cairn~4", or after a backslash.
 * CAIRN_ERR_INVALID otherwise, "invalid tree: contains '.git' (entry
 * "<name>")" and the like in git fsck's words, the name quoted as git
 * quotes paths.
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
