#!/bin/sh
# t0034-git-compat: every object git fsck accepts, with warnings or
# informational messages (old modes such as 100664, zero-padded modes,
# tags without a tagger, odd tag names, a NUL in a commit message), is
# stored by cairn under git's id and reported by `cairn fsck` with git's
# message ids as warnings that leave its exit status at 0; the names git
# only warns of but a checkout must never write (".", "..", "a/b", ".git")
# are stored only with --literally; what git calls an error is refused even
# then.  ls, cat -p and get read odd modes as git does.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# The sha1 ids the objects below link to: the empty blob, the empty tree,
# the null id, and (made in setup) a commit P.
B=e69de29bb2d1d6434b8b29ae775ad8c2e48c5391
E=4b825dc642cb6eb9a060e54bf8d69288fbee4904
Z=0000000000000000000000000000000000000000
I='A U Thor <author@example.com> 1112911993 -0700'

# Objects, one a line: "<type>|<label>|<content>".  A tree's content is
# its entries, "<mode> <name> <B|E|Z>" separated by ";"; a commit's or a
# tag's is a printf format where @T@ is the empty tree's id, @P@ the
# commit P's and @I@ an identity.
#
# Accepted as they are; git fsck warns of some (or says nothing).
ACCEPTED=$TRASH_DIRECTORY/accepted
cat >"$ACCEPTED" <<\EOF
tree|mode 100664, which early git wrote|100664 a B
tree|mode 100600|100600 a B
tree|mode 100775|100775 a B
tree|mode 100000|100000 a B
tree|zero-padded file mode|0100644 a B
tree|zero-padded directory mode|040000 d E
tree|zero-padded symlink mode|0120000 l B
tree|mode 0|0 m B
tree|mode 644|644 m B
tree|mode 40755|40755 d E
tree|mode 120777|120777 l B
tree|mode 160644|160644 m B
tree|mode 1100644, which git holds in 16 bits|1100644 a B
tree|a gitlink to the null id|160000 m Z
tree|.gitignore a symlink|120000 .gitignore B
tree|.gitattributes a symlink|120000 .gitattributes B
tree|.mailmap a symlink|120000 .mailmap B
tree|.gitignore a symlink, by its NTFS short name|120000 gi250a~1 B
tree|.gitignore a file|100644 .gitignore B
tree|.gitmodules a file|100644 .gitmodules B
tree|all at once|120000 .mailmap B;040000 d E;100664 f B;100600 g B
commit|a NUL in the message|tree @T@\nauthor @I@\ncommitter @I@\n\nbinary \000 body\n
tag|without a tagger|object @P@\ntype commit\ntag v0\n\nold\n
tag|an empty tag name|object @P@\ntype commit\ntag \ntagger @I@\n\nm\n
tag|a tag name that is no ref name|object @P@\ntype commit\ntag a..b\ntagger @I@\n\nm\n
tag|other headers instead of a tagger|object @P@\ntype commit\ntag v1\nx-note y\n\nm\n
EOF

# Accepted only with --literally: git warns, a checkout must never write them.
UNSAFE=$TRASH_DIRECTORY/unsafe
cat >"$UNSAFE" <<\EOF
tree|an entry named .|100644 . B
tree|an entry named ..|40000 .. E
tree|an entry with a slash|100644 a/b B
tree|an entry named .git|40000 .git E
tree|an entry named GIT~1|100644 GIT~1 B
tree|an entry named .git after a backslash|100644 a\.git B
EOF

# Refused even with --literally: git calls them errors.
REFUSED=$TRASH_DIRECTORY/refused
cat >"$REFUSED" <<\EOF
tree|unsorted|100644 b B;100644 a B
tree|a directory before a file it sorts after|40000 a E;100644 a.b B
tree|duplicate files|100644 a B;100644 a B
tree|a file and a directory of one name|100644 a B;40000 a E
tree|a file and a directory of one name, apart|100644 a B;100644 a.b B;40000 a E
tree|.gitmodules a symlink|120000 .gitmodules B
tree|.gitmodules a symlink, by its NTFS short name|120000 GITMOD~1 B
tree|.gitmodules a symlink, after a backslash|120000 x\.gitmodules B
EOF

# object_bytes <type> <content>: the object's bytes on stdout.
object_bytes () {
	if test "$1" = tree
	then
		printf '%s\n' "$2" | tr ";" "\n" | while read -r ob_mode_ ob_name_ ob_ref_
		do
			case $ob_ref_ in
			B) ob_id_=$B ;;
			E) ob_id_=$E ;;
			Z) ob_id_=$Z ;;
			*) return 1 ;;
			esac
			tree_entry "$ob_mode_" "$ob_name_" "$ob_id_" || return 1
		done
	else
		# shellcheck disable=SC2059 # the format is the point
		printf "$(printf '%s' "$2" | sed -e "s/@T@/$E/g" -e "s/@P@/$P/g" \
			-e "s/@I@/$I/g")"
	fi
}

# batch_record <type> <file>: a put --batch record of the object in <file>.
batch_record () {
	printf '%s %s\n' "$1" "$(wc -c <"$2")" && cat "$2" && echo
}

# setup_pair: a sha1 cairn repository (./.cairn, in place of the test's)
# and, if git is there, a bare git repository g, both holding the empty
# blob, the empty tree and a commit P of it.
setup_pair () {
	rm -rf .cairn &&
	cairn init --object-format=sha1 >/dev/null &&
	cairn put /dev/null >/dev/null &&
	cairn put -t tree /dev/null >/dev/null &&
	P=$(CAIRN_AUTHOR_NAME="A U Thor" CAIRN_AUTHOR_EMAIL=author@example.com \
		CAIRN_AUTHOR_DATE="1112911993 -0700" \
		CAIRN_COMMITTER_NAME="A U Thor" \
		CAIRN_COMMITTER_EMAIL=author@example.com \
		CAIRN_COMMITTER_DATE="1112911993 -0700" \
		cairn commit -m P "$E") || return 1
	if test_have_prereq GIT
	then
		git init -q --bare g &&
		git --git-dir=g hash-object -w /dev/null >/dev/null &&
		git --git-dir=g hash-object -w -t tree /dev/null >/dev/null &&
		test "$(GIT_AUTHOR_NAME="A U Thor" GIT_AUTHOR_EMAIL=author@example.com \
			GIT_AUTHOR_DATE="1112911993 -0700" \
			GIT_COMMITTER_NAME="A U Thor" \
			GIT_COMMITTER_EMAIL=author@example.com \
			GIT_COMMITTER_DATE="1112911993 -0700" \
			git --git-dir=g commit-tree -m P "$E")" = "$P"
	fi
}

# git_id <type> <file>: the id git gives the object (stored in g).
git_id () {
	git --git-dir=g hash-object --literally -w -t "$1" "$2"
}

# git_messages <ids file>: "<id> <message id> <warning|error>" of what git
# fsck says of those objects, sorted.
git_messages () {
	git --git-dir=g fsck --no-dangling >gfsck.out 2>&1 || :
	sed -n 's/^\(warning\|error\) in [a-z]* \([0-9a-f]*\): \([A-Za-z0-9]*\): .*/\2 \3 \1/p' \
		gfsck.out | grep -F -f "$1" | LC_ALL=C sort -u
}

# cairn_messages <ids file>: the same of what cairn fsck --json says.
cairn_messages () {
	cairn fsck --json >cfsck.json
	python3 -c '
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    if "check" in f:
        print(f["id"], f["check"], f["severity"])
' cfsck.json | grep -F -f "$1" | LC_ALL=C sort -u
}

test_expect_success 'objects git accepts are stored under git ids by put -t, -n, --stdin and --batch' '
	setup_pair
	: >ids
	: >batch
	count=0
	while IFS="|" read -r type label content
	do
		echo "# $type: $label"
		object_bytes "$type" "$content" >obj
		id=$(cairn put -t "$type" obj)
		test "$(cairn put -n -t "$type" obj)" = "$id"
		test "$(cairn put -t "$type" --stdin <obj)" = "$id"
		cairn cat "$id" >back
		test_cmp_bin obj back
		test "$(cairn cat -t "$id")" = "$type"
		if test_have_prereq GIT
		then
			test "$(git_id "$type" obj)" = "$id"
		fi
		batch_record "$type" obj >>batch
		echo "$id" >>ids
		count=$((count + 1))
	done <"$ACCEPTED"
	test "$count" = "$(wc -l <"$ACCEPTED")"
	# Into a new repository, after what they link to.
	cairn init --object-format=sha1 b >/dev/null
	test_fsck_repo b
	printf "%s\n" $B $E "$P" >base.ids
	cairn cat --batch <base.ids >base
	cat base batch | cairn -r b put --batch >batch.ids
	cat base.ids ids >expect
	test_cmp expect batch.ids
'

test_expect_success GIT 'cairn fsck says of them what git fsck says, as warnings, and exits 0' '
	setup_pair
	: >ids
	while IFS="|" read -r type label content
	do
		object_bytes "$type" "$content" >obj
		cairn put -t "$type" obj >>ids
		git_id "$type" obj >/dev/null
	done <"$ACCEPTED"
	git_messages ids >expect
	cairn_messages ids >actual
	test_cmp expect actual
	# Each class of git warning is among them.
	for check in badFilemode zeroPaddedFilemode nullSha1 gitignoreSymlink \
		gitattributesSymlink mailmapSymlink nulInCommit \
		missingTaggerEntry badTagName
	do
		grep " $check warning\$" actual
	done
	! grep " error\$" actual
	cairn fsck >out
	grep -c "^warning object " out >n
	wc -l <expect >n.expect
	test_cmp n.expect n
	python3 -c "import json, sys; d = json.load(open(sys.argv[1])); sys.exit(d[\"object_warnings\"] != d[\"warnings\"])" cfsck.json
'

test_expect_success 'names git warns of but a checkout must not write: only with --literally' '
	setup_pair
	: >ids
	while IFS="|" read -r type label content
	do
		echo "# $label"
		object_bytes "$type" "$content" >obj
		test_must_fail --status=2 cairn put -t "$type" obj 2>err
		test_stderr_one_line err
		batch_record "$type" obj >batch
		test_must_fail --status=2 cairn put --batch <batch >batch.out
		test_must_be_empty batch.out
		id=$(cairn put --literally -t "$type" obj)
		test "$(cairn put --literally --batch <batch)" = "$id"
		if test_have_prereq GIT
		then
			test "$(git_id "$type" obj)" = "$id"
		fi
		echo "$id" >>ids
		test_must_fail --status=2 cairn get "$id" out 2>err
		test_stderr_one_line err
		test_path_is_missing out
		cairn ls "$id" >ls.out
		test_line_count -eq 1 ls.out
	done <"$UNSAFE"
	cairn fsck >out
	test_line_count -eq "$(wc -l <"$UNSAFE")" out
	if test_have_prereq GIT
	then
		git_messages ids >expect
		cairn_messages ids >actual
		test_cmp expect actual
	fi
'

test_expect_success 'what git calls an error is refused, even with --literally, in git words' '
	setup_pair
	n=$(cairn_stat objects)
	while IFS="|" read -r type label content
	do
		echo "# $label"
		object_bytes "$type" "$content" >obj
		test_must_fail --status=2 cairn put -t "$type" obj 2>err
		test_stderr_one_line err
		test_must_fail --status=2 cairn put --literally -t "$type" obj
		test_must_fail --status=2 cairn put -n --literally -t "$type" obj
		batch_record "$type" obj >batch
		test_must_fail --status=2 cairn put --literally --batch <batch
		if test_have_prereq GIT
		then
			id=$(git_id "$type" obj)
			echo "$id" >id
			git_messages id >said
			grep " error\$" said >errors
			# The refusal names git message id of the first error.
			check=$(sed -n "1s/^[0-9a-f]* \([A-Za-z0-9]*\) error\$/\1/p" errors)
			test -n "$check"
			grep ": invalid $type: $check: " err
		fi
	done <"$REFUSED"
	test "$(cairn_stat objects)" = "$n"
'

# listing <dir>: every path under <dir> with its kind, and a file's
# checksum or a link's target.
listing () {
	(
		cd "$1" || exit 1
		find . -mindepth 1 | LC_ALL=C sort | while read -r li_path_
		do
			if test -L "$li_path_"
			then
				echo "link $li_path_ $(readlink "$li_path_")"
			elif test -d "$li_path_"
			then
				echo "dir $li_path_"
			elif test -x "$li_path_"
			then
				echo "exec $li_path_ $(cksum <"$li_path_")"
			else
				echo "file $li_path_ $(cksum <"$li_path_")"
			fi
		done
	)
}

test_expect_success GIT 'ls, ls -r, cat -p and get read odd modes as git does' '
	setup_pair
	printf "file\n" >file
	printf "target" >target
	f=$(cairn put file)
	l=$(cairn put target)
	test "$(git --git-dir=g hash-object -w file)" = "$f"
	test "$(git --git-dir=g hash-object -w target)" = "$l"
	{
		tree_entry 100664 f "$f"
		tree_entry 0100755 x "$f"
	} >sub
	sub=$(cairn put -t tree sub)
	test "$(git_id tree sub)" = "$sub"
	{
		tree_entry 100600 a "$f"
		tree_entry 100664 b "$f"
		tree_entry 100775 c "$f"
		tree_entry 040000 d "$sub"
		tree_entry 40755 e "$sub"
		tree_entry 120777 l "$l"
		tree_entry 0 m "$P"
		tree_entry 160644 n "$P"
		tree_entry 100000 o "$f"
	} >top
	top=$(cairn put -t tree top)
	test "$(git_id tree top)" = "$top"
	git --git-dir=g ls-tree "$top" >expect
	cairn ls "$top" >actual
	test_cmp expect actual
	git --git-dir=g ls-tree -r "$top" >expect
	cairn ls -r "$top" >actual
	test_cmp expect actual
	git --git-dir=g cat-file -p "$top" >expect
	cairn cat -p "$top" >actual
	test_cmp expect actual
	cairn get "$top" out
	mkdir gout
	git --git-dir=g archive "$top" >top.tar
	tar -x -C gout -f top.tar
	listing gout >expect
	listing out >actual
	test_cmp expect actual
	grep "^exec ./c " actual
	grep "^file ./b " actual
	grep "^dir ./m\$" actual
	grep "^link ./l target\$" actual
	grep "^exec ./d/x " actual
'

test_done
