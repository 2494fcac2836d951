#!/bin/sh
# t0089-diff-show: diff between two trees in git diff-tree -r's formats,
# and show of commits, tags, trees and blobs as git show --no-patch (and
# --name-status) prints them, byte for byte, on a history with adds,
# deletes, edits, mode changes, a file that becomes a symlink and one
# that becomes a directory, quoted names, binary files and a gitlink;
# then on this source tree's own history.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

test_self_git
unset COLUMNS

test_git_identity

# snap <dir> <message>: commit everything in the work tree.
snap () {
	git -C "$1" add -A && git -C "$1" commit -q --allow-empty -m "$2"
}

# make_history <dir>: a branch main of seven commits, each changing the
# tree in another way, a branch side, and an annotated tag.
make_history () {
	git init -q "$1" &&
	git -C "$1" symbolic-ref HEAD refs/heads/main &&
	mkdir -p "$1/a/b" "$1/d" &&
	printf 'one\ntwo\nthree\n' >"$1/top" &&
	printf 'f\n' >"$1/a/b/f" &&
	printf 'x\n' >"$1/d/x" &&
	printf 'plain\n' >"$1/mode" &&
	printf 'will be a link\n' >"$1/link" &&
	printf 'will be a dir\n' >"$1/dir" &&
	printf '\000\001binary\n' >"$1/bin" &&
	printf 'q\n' >"$1/with space" &&
	printf 'q\n' >"$1/tab	in" &&
	printf 'q\n' >"$1/Ünï" &&
	snap "$1" one &&
	git -C "$1" branch side &&
	printf 'one\n2\nthree\nfour\n' >"$1/top" &&
	chmod +x "$1/mode" &&
	rm "$1/link" && ln -s top "$1/link" &&
	rm "$1/dir" && mkdir "$1/dir" && printf 'in\n' >"$1/dir/in" &&
	printf '\000\002binary, longer\n' >"$1/bin" &&
	snap "$1" two &&
	rm -r "$1/d" && printf 'new\n' >"$1/a/new" &&
	printf 'r\n' >"$1/with space" && rm "$1/tab	in" &&
	snap "$1" three &&
	git -C "$1" update-index --add --cacheinfo \
	    160000,1111111111111111111111111111111111111111,sub &&
	git -C "$1" commit -q -m gitlink &&
	seq 1 200 >"$1/long" && printf 'q\n' >"$1/Ünï" &&
	snap "$1" five &&
	seq 1 3 200 >"$1/long" && seq 1 60 >>"$1/a/b/f" &&
	rm "$1/link" && printf 'a file again\n' >"$1/link" &&
	snap "$1" six &&
	git -C "$1" tag -a -m "tag six" v6 &&
	git -C "$1" checkout -q side &&
	printf 'side\n' >"$1/side" && snap "$1" s1 &&
	git -C "$1" checkout -q main &&
	git -C "$1" merge -q --no-edit side
}

# same <git dir> <cairn repo> <git args> :: <cairn args>: equal output.
same () {
	# shellcheck disable=SC2034 # same_g_: read by eval
	same_g_=$1 same_c_=$2
	shift 2
	same_ga_=
	while test "$1" != ::
	do
		# Each argument single-quoted for eval.
		same_ga_="$same_ga_ '$(printf %s "$1" | sed "s/'/'\\\\''/g")'"
		shift
	done
	shift
	eval "git --git-dir=\"\$same_g_\" $same_ga_" >expect &&
	cairn -r "$same_c_" "$@" >actual &&
	test_cmp expect actual || { echo "differs: $*" >&9; return 1; }
}

# shellcheck disable=SC2034
REVS='heads/main heads/main~1 heads/main~2 heads/main~3 heads/main~4
heads/main~5 heads/main~6 heads/side tags/v6'

test_expect_success GIT 'diff: every pair of revisions, every format, as git diff-tree -r' '
	make_history g
	import_history g c
	for a in $REVS
	do
		for b in $REVS
		do
			for f in --raw --name-status --name-only --numstat --stat
			do
				same g/.git c diff-tree -r $f "$a" "$b" :: \
				    diff $f "$a" "$b" || return 1
			done
			same g/.git c diff-tree -r "$a" "$b" :: diff "$a" "$b" &&
			same g/.git c diff-tree -r -z "$a" "$b" :: \
			    diff -z "$a" "$b" &&
			same g/.git c diff-tree -r -z --name-status "$a" "$b" :: \
			    diff -z --name-status "$a" "$b" || return 1
		done
	done
'

test_expect_success GIT 'diff: paths limit as git diff-tree pathspecs' '
	make_history g
	import_history g c
	for p in a a/b a/b/f dir link "with space" a/ nosuch "a b" d
	do
		same g/.git c diff-tree -r heads/main~6 heads/main -- "$p" :: \
		    diff heads/main~6 heads/main "$p" || return 1
	done &&
	same g/.git c diff-tree -r --name-status heads/main~6 heads/main -- \
	    a/b top :: \
	    diff --name-status heads/main~6 heads/main a/b top
'

test_expect_success GIT 'show: commits, merges, tags, trees and blobs as git show' '
	make_history g
	import_history g c
	for r in heads/main heads/main~1 heads/main~3 heads/main~6 heads/side \
	    tags/v6 "heads/main^{tree}" heads/main:a heads/main:top \
	    heads/main:dir
	do
		same g/.git c show --no-patch "$r" :: show "$r" &&
		same g/.git c show --name-status --diff-merges=first-parent \
		    "$r" :: show --name-status "$r" || return 1
	done &&
	same g/.git c show --no-patch heads/main tags/v6 heads/main:a \
	    heads/main:top heads/side :: \
	    show heads/main tags/v6 heads/main:a heads/main:top heads/side &&
	same g/.git c show --no-patch --oneline heads/main~2 :: \
	    show --oneline heads/main~2 &&
	same g/.git c show --no-patch --format=%H%n%s heads/main~2 :: \
	    show --format=%H%n%s heads/main~2
'

test_expect_success SELFGIT 'this source tree: diff --raw and --name-status, show --name-status' '
	fmt=$(git --git-dir="$SELF" rev-parse --show-object-format)
	cairn init --object-format="$fmt" c >/dev/null
	cairn -r c import --git "$SELF" --refs >/dev/null
	b=$(git --git-dir="$SELF" for-each-ref --count=1 \
	    --format="%(refname:strip=1)" refs/heads)
	git --git-dir="$SELF" rev-list --first-parent "$b" | head -n 30 >ids
	prev=
	while read -r id
	do
		if test -n "$prev"
		then
			same "$SELF" c diff-tree -r "$id" "$prev" :: \
			    diff "$id" "$prev" &&
			same "$SELF" c diff-tree -r --name-status "$id" "$prev" :: \
			    diff --name-status "$id" "$prev" || return 1
		fi
		same "$SELF" c show --name-status --diff-merges=first-parent \
		    "$id" :: show --name-status "$id" || return 1
		prev=$id
	done <ids
'

test_expect_success GIT 'two large files with nothing in common: the counts git gives, quickly' '
	git init -q big &&
	git -C big symbolic-ref HEAD refs/heads/main &&
	seq 1 100000 >big/f && seq 1 3 300000 >big/g &&
	git -C big add -A && git -C big commit -q -m one &&
	seq 100001 200000 >big/f && seq 2 3 300000 >big/g &&
	git -C big add -A && git -C big commit -q -m two &&
	import_history big c &&
	same big/.git c diff-tree -r --numstat HEAD~1 HEAD :: \
	    diff --numstat heads/main~1 heads/main &&
	same big/.git c diff-tree -r --stat HEAD~1 HEAD :: \
	    diff --stat heads/main~1 heads/main
'

test_expect_success GIT 'diff: the empty tree by its id, stored or not, as git' '
	make_history g
	import_history g c
	empty=$(git hash-object -t tree /dev/null) &&
	test_must_fail --status=1 cairn -r c cat -t "$empty" 2>/dev/null &&
	for f in --raw --name-status --stat --numstat
	do
		same g/.git c diff-tree -r $f "$empty" heads/main :: \
		    diff $f "$empty" heads/main &&
		same g/.git c diff-tree -r $f heads/main "$empty" :: \
		    diff $f heads/main "$empty" || return 1
	done &&
	cairn -r c diff "$empty" "$empty" >out &&
	test_must_be_empty out
'

test_expect_success GIT 'what cannot be compared: one line and the documented status' '
	make_history g
	import_history g c
	test_must_fail --status=2 cairn -r c diff heads/main >out 2>err &&
	test_must_be_empty out &&
	test_must_fail --status=2 cairn -r c diff "heads/main~x" heads/main \
	    >out 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn -r c diff heads/main:top heads/main \
	    >out 2>err &&
	test_stderr_one_line err && grep "heads/main:top: not a tree" err &&
	test_must_fail --status=1 cairn -r c diff nosuch heads/main \
	    >out 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=3 cairn -r c diff --stat heads/main~6 \
	    heads/main >/dev/full 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn -r c show >out 2>err &&
	test_must_fail --status=2 cairn -r c show "heads/main^{foo}" \
	    >out 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=3 cairn -r c show heads/main >/dev/full 2>err &&
	test_stderr_one_line err
'

test_expect_success GIT 'a tree missing from the repository: not found, one line' '
	make_history g
	import_history g c
	cairn init --object-format=sha1 d >/dev/null
	gone=$(git -C g rev-parse main~6:a/b)
	git -C g cat-file --batch-all-objects --batch-check="%(objectname)" |
	    grep -v "$gone" |
	    cairn -r c cat --batch | cairn -r d put --batch >/dev/null
	test_must_fail --status=1 cairn -r d diff "$(git -C g rev-parse main~6)" \
	    "$(git -C g rev-parse main)" >out 2>err &&
	test_stderr_one_line err
'

test_done
