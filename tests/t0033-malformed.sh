#!/bin/sh
# t0033-malformed: commits and tags that git fsck calls an error are
# refused by `cairn put` with exit 2 and store nothing; those it accepts,
# with warnings or without, extra headers and all, keep git's ids.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

NOTES=$TRASH_DIRECTORY/notes
: >"$NOTES"
rm -f "$NOTES.hash" "$NOTES.all"

# The sha1 ids of the empty tree and of the commits P and Q made below.
T=4b825dc642cb6eb9a060e54bf8d69288fbee4904
I='A U Thor <author@example.com> 1112911993 -0700'

# Malformed objects, one a line: "<type>|<label>|<printf format>", where
# @T@ is the empty tree's id, @P@ a commit's id and @I@ a good identity.
# Formats may not contain "|" or "%".
BAD=$TRASH_DIRECTORY/bad
cat >"$BAD" <<\EOF
commit|empty object|
commit|only a message|\nmessage\n
commit|missing tree|author @I@\ncommitter @I@\n\nmessage\n
commit|tree id too short|tree 4b825dc642cb6eb9a060e54bf8d69288fbee490\nauthor @I@\ncommitter @I@\n\nm\n
commit|tree id too long|tree @T@0\nauthor @I@\ncommitter @I@\n\nm\n
commit|tree id not hex|tree 4b825dc642cb6eb9a060e54bf8d69288fbee490g\nauthor @I@\ncommitter @I@\n\nm\n
commit|sha256-sized tree id|tree 6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321\nauthor @I@\ncommitter @I@\n\nm\n
commit|two spaces after tree|tree  @T@\nauthor @I@\ncommitter @I@\n\nm\n
commit|space after the tree id|tree @T@ \nauthor @I@\ncommitter @I@\n\nm\n
commit|CRLF after the tree id|tree @T@\r\nauthor @I@\ncommitter @I@\n\nm\n
commit|parent before tree|parent @P@\ntree @T@\nauthor @I@\ncommitter @I@\n\nm\n
commit|bad parent id|tree @T@\nparent 1234\nauthor @I@\ncommitter @I@\n\nm\n
commit|parent after author|tree @T@\nauthor @I@\nparent @P@\ncommitter @I@\n\nm\n
commit|missing author|tree @T@\ncommitter @I@\n\nm\n
commit|missing committer|tree @T@\nauthor @I@\n\nm\n
commit|missing committer, no body|tree @T@\nauthor @I@\n
commit|committer before author|tree @T@\ncommitter @I@\nauthor @I@\n\nm\n
commit|two authors|tree @T@\nauthor @I@\nauthor @I@\ncommitter @I@\n\nm\n
commit|header between author and committer|tree @T@\nauthor @I@\nencoding UTF-8\ncommitter @I@\n\nm\n
commit|author without email brackets|tree @T@\nauthor A U Thor author@example.com 1112911993 -0700\ncommitter @I@\n\nm\n
commit|author without a space before <|tree @T@\nauthor A U Thor<author@example.com> 1112911993 -0700\ncommitter @I@\n\nm\n
commit|author without a name|tree @T@\nauthor <author@example.com> 1112911993 -0700\ncommitter @I@\n\nm\n
commit|author email not closed|tree @T@\nauthor A U Thor <author@example.com 1112911993 -0700\ncommitter @I@\n\nm\n
commit|author email with <|tree @T@\nauthor A U Thor <auth<or@example.com> 1112911993 -0700\ncommitter @I@\n\nm\n
commit|author name with >|tree @T@\nauthor A > Thor <author@example.com> 1112911993 -0700\ncommitter @I@\n\nm\n
commit|author zero-padded date|tree @T@\nauthor A U Thor <author@example.com> 01112911993 -0700\ncommitter @I@\n\nm\n
commit|author missing date|tree @T@\nauthor A U Thor <author@example.com> -0700\ncommitter @I@\n\nm\n
commit|author date overflows|tree @T@\nauthor A U Thor <author@example.com> 99999999999999999999 -0700\ncommitter @I@\n\nm\n
commit|author without a space before the date|tree @T@\nauthor A U Thor <author@example.com>1112911993 -0700\ncommitter @I@\n\nm\n
commit|author missing timezone|tree @T@\nauthor A U Thor <author@example.com> 1112911993\ncommitter @I@\n\nm\n
commit|author timezone without sign|tree @T@\nauthor A U Thor <author@example.com> 1112911993 0700\ncommitter @I@\n\nm\n
commit|author timezone too short|tree @T@\nauthor A U Thor <author@example.com> 1112911993 -070\ncommitter @I@\n\nm\n
commit|author timezone too long|tree @T@\nauthor A U Thor <author@example.com> 1112911993 -07000\ncommitter @I@\n\nm\n
commit|author timezone not digits|tree @T@\nauthor A U Thor <author@example.com> 1112911993 -07x0\ncommitter @I@\n\nm\n
commit|author date not digits|tree @T@\nauthor A U Thor <author@example.com> 11129x1993 -0700\ncommitter @I@\n\nm\n
commit|committer without email brackets|tree @T@\nauthor @I@\ncommitter C O Mitter committer@example.com 1112912053 -0700\n\nm\n
commit|committer bad timezone|tree @T@\nauthor @I@\ncommitter C O Mitter <committer@example.com> 1112912053 +7\n\nm\n
commit|committer zero-padded date|tree @T@\nauthor @I@\ncommitter C O Mitter <committer@example.com> 0001112912053 -0700\n\nm\n
commit|NUL in the tree line|tree @T@\000\nauthor @I@\ncommitter @I@\n\nm\n
commit|NUL in the author line|tree @T@\nauthor A U\000Thor <author@example.com> 1112911993 -0700\ncommitter @I@\n\nm\n
commit|NUL in an extra header|tree @T@\nauthor @I@\ncommitter @I@\nencoding UTF\0008\n\nm\n
commit|unterminated header|tree @T@\nauthor @I@\ncommitter @I@
commit|unterminated extra header|tree @T@\nauthor @I@\ncommitter @I@\nencoding UTF-8
commit|author date overflows a signed 64-bit time|tree @T@\nauthor A U Thor <author@example.com> 9223372036854775808 -0700\ncommitter @I@\n\nm\n
commit|author date negative|tree @T@\nauthor A U Thor <author@example.com> -5 -0700\ncommitter @I@\n\nm\n
commit|author date a sign alone|tree @T@\nauthor A U Thor <author@example.com> + -0700\ncommitter @I@\n\nm\n
commit|committer line ends after the timezone digits|tree @T@\nauthor @I@\ncommitter C O Mitter <committer@example.com> 1112912053 -0700 x\n\nm\n
commit|ident broken over two lines|tree @T@\nauthor A U Thor <author@example.com> \n1112911993 -0700\ncommitter @I@\n\nm\n
tag|tagger date overflows|object @P@\ntype commit\ntag v1\ntagger C O Mitter <committer@example.com> 99999999999999999999 -0700\n\nm\n
tag|empty object|
tag|missing object|type commit\ntag v1\ntagger @I@\n\nmessage\n
tag|bad object id|object 1234\ntype commit\ntag v1\ntagger @I@\n\nm\n
tag|object id not hex|object 4b825dc642cb6eb9a060e54bf8d69288fbee490x\ntype tree\ntag v1\ntagger @I@\n\nm\n
tag|type before object|type commit\nobject @P@\ntag v1\ntagger @I@\n\nm\n
tag|missing type|object @P@\ntag v1\ntagger @I@\n\nm\n
tag|unknown type|object @P@\ntype blobby\ntag v1\ntagger @I@\n\nm\n
tag|empty type|object @P@\ntype \ntag v1\ntagger @I@\n\nm\n
tag|type with a trailing space|object @P@\ntype commit \ntag v1\ntagger @I@\n\nm\n
tag|type in capitals|object @P@\ntype COMMIT\ntag v1\ntagger @I@\n\nm\n
tag|missing tag line|object @P@\ntype commit\ntagger @I@\n\nm\n
tag|missing tag line and tagger|object @P@\ntype commit\n\nm\n
tag|tagger without email brackets|object @P@\ntype commit\ntag v1\ntagger C O Mitter committer@example.com 1112912053 -0700\n\nm\n
tag|tagger missing timezone|object @P@\ntype commit\ntag v1\ntagger C O Mitter <committer@example.com> 1112912053\n\nm\n
tag|tagger zero-padded date|object @P@\ntype commit\ntag v1\ntagger C O Mitter <committer@example.com> 01112912053 -0700\n\nm\n
tag|tagger without a name|object @P@\ntype commit\ntag v1\ntagger <committer@example.com> 1112912053 -0700\n\nm\n
tag|NUL in the tag line|object @P@\ntype commit\ntag v\0001\ntagger @I@\n\nm\n
tag|unterminated header|object @P@\ntype commit\ntag v1
tag|unterminated tagger|object @P@\ntype commit\ntag v1\ntagger @I@
EOF

# Objects git accepts, in the same form; git hash-object gives their ids.
GOOD=$TRASH_DIRECTORY/good
cat >"$GOOD" <<\EOF
commit|plain|tree @T@\nauthor @I@\ncommitter @I@\n\nmessage\n
commit|with a parent|tree @T@\nparent @P@\nauthor @I@\ncommitter @I@\n\nchild\n
commit|no message, no blank line|tree @T@\nauthor @I@\ncommitter @I@\n
commit|blank line, empty message|tree @T@\nauthor @I@\ncommitter @I@\n\n
commit|encoding header|tree @T@\nauthor @I@\ncommitter @I@\nencoding ISO-8859-1\n\ncaf\351\n
commit|gpgsig with continuation lines|tree @T@\nparent @P@\nauthor @I@\ncommitter @I@\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n =abcd\n -----END PGP SIGNATURE-----\n\nsigned\n
commit|mergetag|tree @T@\nparent @P@\nparent @Q@\nauthor @I@\ncommitter @I@\nmergetag object @Q@\n type commit\n tag v1\n tagger @I@\n \n the tag message\n\nmerge a tag\n
commit|unknown extra headers|tree @T@\nauthor @I@\ncommitter @I@\nx-custom one\nx-custom two\n  indented\n\nm\n
commit|NUL in the message|tree @T@\nauthor @I@\ncommitter @I@\n\nbinary \000 message\n
commit|date 0 and odd timezones|tree @T@\nauthor A U Thor <author@example.com> 0 +0000\ncommitter C O Mitter <committer@example.com> 1 -1459\n\nm\n
commit|empty name and email|tree @T@\nauthor  <> 1112911993 -0700\ncommitter @I@\n\nm\n
commit|name with odd bytes|tree @T@\nauthor A\tU "Thor" caf\303\251 <a@b@c> 1112911993 +0000\ncommitter @I@\n\nm\n
commit|message without final newline|tree @T@\nauthor @I@\ncommitter @I@\n\nno newline
commit|message of blank lines|tree @T@\nauthor @I@\ncommitter @I@\n\n\n\n\n
commit|tree id in capitals|tree 4B825DC642CB6EB9A060E54BF8D69288FBEE4904\nauthor @I@\ncommitter @I@\n\nm\n
commit|author two spaces before the date|tree @T@\nauthor A U Thor <author@example.com>  1112911993 -0700\ncommitter @I@\n\nm\n
commit|author a tab before the date|tree @T@\nauthor A U Thor <author@example.com> \t1112911993 -0700\ncommitter @I@\n\nm\n
commit|author date with a plus sign|tree @T@\nauthor A U Thor <author@example.com> +1112911993 -0700\ncommitter @I@\n\nm\n
commit|author date minus zero|tree @T@\nauthor A U Thor <author@example.com> -0 -0700\ncommitter @I@\n\nm\n
commit|the largest date|tree @T@\nauthor A U Thor <author@example.com> 9223372036854775807 -0700\ncommitter @I@\n\nm\n
commit|a second author after the committer|tree @T@\nauthor @I@\ncommitter @I@\nauthor @I@\n\nm\n
commit|committer date on the next line|tree @T@\nauthor @I@\ncommitter C O Mitter <committer@example.com> \n1112912053 -0700\n\nm\n
tag|empty tag name|object @P@\ntype commit\ntag \ntagger @I@\n\nm\n
tag|tag name not a ref name|object @P@\ntype commit\ntag a..b~c\ntagger @I@\n\nm\n
tag|without a tagger, with other headers|object @P@\ntype commit\ntag v5\nx-extra value\n\nm\n
tag|object id in capitals|object @PU@\ntype commit\ntag v6\ntagger @I@\n\nm\n
tag|annotated commit|object @P@\ntype commit\ntag v1.0\ntagger @I@\n\nrelease\n
tag|of a tree|object @T@\ntype tree\ntag tree-tag\ntagger @I@\n\nm\n
tag|without a tagger|object @P@\ntype commit\ntag old-style\n\nold\n
tag|without a message|object @P@\ntype commit\ntag v2\ntagger @I@\n
tag|signed|object @P@\ntype commit\ntag v3\ntagger @I@\n\nsigned tag\n-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAd\n-----END PGP SIGNATURE-----\n
tag|extra header after tagger|object @P@\ntype commit\ntag v4\ntagger @I@\nx-extra value\n\nm\n
EOF

# object_bytes <format>: the bytes of a table's format.
object_bytes () {
	# shellcheck disable=SC2059
	printf "$(printf '%s' "$1" | sed -e "s/@T@/$T/g" -e "s/@P@/$P/g" \
		-e "s/@PU@/$(echo "$P" | tr a-f A-F)/g" \
		-e "s/@Q@/$Q/g" -e "s/@I@/$I/g")"
}

# fsck_says <git dir> <id> [<option>]: what git fsck says first of <id>:
# "error (...)", "warning (...)" or "nothing".
fsck_says () {
	git --git-dir="$1" fsck ${3:+"$3"} --no-dangling >fsck.out 2>&1 || :
	if grep "$2" fsck.out >fsck.this
	then
		sed -n "1s/ in [^:]*: / (/; 1s/\$/)/p" fsck.this
	else
		echo nothing
	fi
}

# git_verdict <git dir> <type> <file> <label>: whether git hash-object
# refuses the object as cairn does; if it does not, what git fsck says of
# it, with a note in $NOTES unless fsck calls it an error.
git_verdict () {
	echo "$4" >>"$NOTES.all"
	git --git-dir="$1" hash-object -t "$2" --stdin <"$3" >/dev/null 2>&1 ||
		return 0
	gv_id_=$(git --git-dir="$1" hash-object -t "$2" -w --literally --stdin <"$3") ||
		return 1
	gv_plain_=$(fsck_says "$1" "$gv_id_")
	rm -f "$1/objects/$(echo "$gv_id_" | cut -c 1-2)/$(echo "$gv_id_" | cut -c 3-)"
	echo "$2 '$4': git fsck: $gv_plain_" >>"$NOTES.hash"
	case $gv_plain_ in
	error*)
		;;
	*)
		echo "t0033 $2 '$4': cairn rejects it; git hash-object accepts it; git fsck: $gv_plain_" >>"$NOTES"
		;;
	esac
}

# setup_pair: a sha1 cairn repository s1 and a bare git repository g that
# both hold the empty tree and the commits P and Q.
setup_pair () {
	cairn init --object-format=sha1 s1 >/dev/null || return 1
	test_fsck_repo s1
	test "$(cairn -r s1 put -t tree /dev/null)" = $T || return 1
	P=$(CAIRN_AUTHOR_NAME=$GIT_AUTHOR_NAME CAIRN_AUTHOR_EMAIL=$GIT_AUTHOR_EMAIL \
		CAIRN_AUTHOR_DATE=$GIT_AUTHOR_DATE \
		CAIRN_COMMITTER_NAME=$GIT_COMMITTER_NAME \
		CAIRN_COMMITTER_EMAIL=$GIT_COMMITTER_EMAIL \
		CAIRN_COMMITTER_DATE=$GIT_COMMITTER_DATE \
		cairn -r s1 commit -m P $T) || return 1
	Q=$(CAIRN_AUTHOR_NAME=$GIT_AUTHOR_NAME CAIRN_AUTHOR_EMAIL=$GIT_AUTHOR_EMAIL \
		CAIRN_AUTHOR_DATE=$GIT_AUTHOR_DATE \
		CAIRN_COMMITTER_NAME=$GIT_COMMITTER_NAME \
		CAIRN_COMMITTER_EMAIL=$GIT_COMMITTER_EMAIL \
		CAIRN_COMMITTER_DATE=$GIT_COMMITTER_DATE \
		cairn -r s1 commit -p "$P" -m Q $T) || return 1
	if test_have_prereq GIT
	then
		git init -q --bare g &&
		git --git-dir=g hash-object -w -t tree /dev/null >/dev/null &&
		test "$(git --git-dir=g commit-tree -m P $T)" = "$P" &&
		test "$(git --git-dir=g commit-tree -p "$P" -m Q $T)" = "$Q"
	fi
}

# each_line <file> <function>: call <function> <type> <label> <format>
# for every line of a table.
each_line () {
	exec 3<"$1"
	while IFS="|" read -r el_type_ el_label_ el_fmt_ <&3
	do
		"$2" "$el_type_" "$el_label_" "$el_fmt_" || {
			echo "failed on $el_type_ '$el_label_'" >&9
			exec 3<&-
			return 1
		}
	done
	exec 3<&-
}

# refused <type> <label> <format>: cairn refuses the object every way it
# can be given, with exit 2 and one line, and stores nothing.
refused () {
	echo "# $1: $2"
	object_bytes "$3" >obj || return 1
	test_must_fail --status=2 cairn -r s1 put -t "$1" obj >out 2>err &&
	test_must_be_empty out &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn -r s1 put -n -t "$1" obj >out &&
	test_must_be_empty out &&
	test_must_fail --status=2 cairn -r s1 put -t "$1" --stdin <obj &&
	{ printf "%s %s\n" "$1" "$(wc -c <obj)"; cat obj; echo; } >batch.in &&
	test_must_fail --status=2 cairn -r s1 put --batch <batch.in >out &&
	test_must_be_empty out &&
	test "$(cairn_stat objects -r s1)" = "$N" &&
	test "$(cairn_stat wal_records -r s1)" = "$W" || return 1
	if test_have_prereq GIT
	then
		git_verdict g "$1" obj "$2"
	fi
	COUNT=$((COUNT + 1))
}

# accepted <type> <label> <format>: cairn stores the object under git's id.
accepted () {
	echo "# $1: $2"
	object_bytes "$3" >obj || return 1
	id=$(cairn -r s1 put -t "$1" obj) &&
	cairn -r s1 cat "$id" >back &&
	test_cmp_bin obj back &&
	test "$(cairn -r s1 cat -t "$id")" = "$1" &&
	test "$(cairn -r s1 put -n -t "$1" obj)" = "$id" || return 1
	if test_have_prereq GIT
	then
		git --git-dir=g hash-object -t "$1" --stdin <obj >expect &&
		echo "$id" >actual &&
		test_cmp expect actual || return 1
	fi
	COUNT=$((COUNT + 1))
}

test_expect_success 'malformed commits and tags: exit 2, nothing stored' '
	setup_pair
	N=$(cairn_stat objects -r s1)
	W=$(cairn_stat wal_records -r s1)
	COUNT=0
	each_line "$BAD" refused
	test "$COUNT" = "$(wc -l <"$BAD")"
	test "$COUNT" -ge 60
'

test_expect_success 'well-formed commits and tags keep git ids' '
	setup_pair
	COUNT=0
	each_line "$GOOD" accepted
	test "$COUNT" = "$(wc -l <"$GOOD")"
'

test_expect_success GIT 'the well-formed ones pass git fsck' '
	setup_pair
	exec 3<"$GOOD"
	while IFS="|" read -r type label fmt <&3
	do
		object_bytes "$fmt" >obj
		id=$(git --git-dir=g hash-object -t "$type" -w --stdin <obj)
		echo "$id $label"
	done >ids
	exec 3<&-
	git --git-dir=g fsck --no-dangling >fsck.out 2>&1 || :
	cut -d " " -f 1 ids >idlist
	grep -F -f idlist fsck.out >flagged || :
	grep -v "^warning" flagged >errors || :
	test_must_be_empty errors
	sed "s/^/# git fsck: /" flagged
'

test_expect_success GIT 'every malformed object was shown to git, which calls each an error' '
	test "$(wc -l <"$NOTES.all")" = "$(wc -l <"$BAD")"
	test_must_be_empty "$NOTES"
'

test_expect_success 'malformed content in a sha256 repository: exit 2 too' '
	T=6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321
	test "$(cairn put -t tree /dev/null)" = $T
	n=$(cairn_stat objects)
	printf "tree %s\nauthor %s\ncommitter %s\n\nm\n" "$T" "$I" "$I" >good
	printf "tree %s\nauthor %s\ncommitter %s\n\nm\n" \
		4b825dc642cb6eb9a060e54bf8d69288fbee4904 "$I" "$I" >short
	test_must_fail --status=2 cairn put -t commit short
	printf "tree %s\nauthor %s\ncommitter %s\n\nm\n" "$T" \
		"A <a@b> 01 +0000" "$I" >padded
	test_must_fail --status=2 cairn put -t commit padded
	printf "object %s\ntype tree\ntag t\ntagger %s\n\nm\n" \
		4b825dc642cb6eb9a060e54bf8d69288fbee4904 "$I" >shorttag
	test_must_fail --status=2 cairn put -t tag shorttag
	test "$(cairn_stat objects)" = "$n"
	c=$(cairn put -t commit good)
	printf "object %s\ntype commit\ntag t\ntagger %s\n\nm\n" "$c" "$I" >tag
	cairn put -t tag tag
	test "$(cairn_stat objects)" = $((n + 2))
'

if test -f "$NOTES.hash"
then
	echo "# note: t0033: git $(git --version | cut -d " " -f 3) hash-object accepts $(wc -l <"$NOTES.hash") of the $(wc -l <"$BAD") malformed objects; git fsck calls $(grep -c ": git fsck: error" "$NOTES.hash") of those errors"
fi
sed 's/^/# note: /' "$NOTES"
test_done
