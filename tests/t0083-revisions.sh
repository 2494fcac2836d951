#!/bin/sh
# t0083-revisions: `<rev>~<n>`, `^<n>`, `^{type}`, `^{}` and
# `<rev>:<path>` mean what gitrevisions(7) says, in rev-parse and wherever
# a command names an object; git rev-parse is the oracle, on a history
# with merges, annotated tags, a tag of a tag and tags of a tree and a
# blob.  What cannot be followed is one line and exit status 2.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# make_history <dir>: a git repository, branch main, whose history is
#   one - two - three - merge(three, side) - five, side: one - s1 - s2
# with annotated tags v1 (at three), v2 (a tag of v1), tree (at five's
# tree) and blob (at five:top), and a lightweight tag light (at two).
make_history () {
	git init -q "$1" &&
	git -C "$1" symbolic-ref HEAD refs/heads/main &&
	mkdir -p "$1/a/b" &&
	printf 'one\n' >"$1/top" &&
	printf 'f\n' >"$1/a/b/f" &&
	ln -s top "$1/link" &&
	git -C "$1" add -A &&
	git -C "$1" commit -q -m one &&
	git -C "$1" branch side &&
	for n in two three; do
		printf '%s\n' "$n" >"$1/top" &&
		git -C "$1" commit -q -a -m "$n" || return 1
	done &&
	git -C "$1" tag light HEAD~1 &&
	git -C "$1" tag -a -m "v one" v1 &&
	git -C "$1" -c advice.nestedTag=false tag -a -m "v two" v2 v1 &&
	git -C "$1" checkout -q side &&
	for n in s1 s2; do
		printf '%s\n' "$n" >"$1/a/side" &&
		git -C "$1" add a/side &&
		git -C "$1" commit -q -m "$n" || return 1
	done &&
	git -C "$1" checkout -q main &&
	git -C "$1" merge -q --no-edit side &&
	printf 'five\n' >"$1/a/b/f" &&
	git -C "$1" commit -q -a -m five &&
	git -C "$1" tag -a -m "a tree" tree "HEAD^{tree}" &&
	git -C "$1" tag -a -m "a blob" blob HEAD:top
}

# Revisions git and cairn both take, with the same meaning (used in the
# test bodies).
# shellcheck disable=SC2034
REVS='heads/main heads/main~0 heads/main~1 heads/main~2 heads/main~4
heads/main^ heads/main^0 heads/main^1 heads/main~1^2 heads/main~1^2~1
heads/main~1^2^ heads/main^^ heads/main~1~1 heads/side~2 heads/main^^2
tags/v1 tags/v1^{} tags/v1^{commit} tags/v1~1 tags/v1^ tags/v1^{tree}
tags/v1^{tag} tags/v2 tags/v2^{} tags/v2^{tag} tags/v2^{commit}
tags/v2~2 tags/light tags/light^{commit} tags/tree^{} tags/tree^{tree}
tags/blob^{} tags/blob^{blob} heads/main^{tree} heads/main:
heads/main:top heads/main:a heads/main:a/ heads/main:a/b/f
heads/main~1:a/side heads/main~1^2:a/side tags/v2:top tags/tree:a/b
heads/main^{tree}:link heads/main:link heads/main~3^{tree}:a/b'

test_expect_success GIT 'rev-parse gives git rev-parse'"'"'s id for every form' '
	make_history g
	import_history g c
	for r in $REVS
	do
		git -C g rev-parse "$r" >expect &&
		cairn -r c rev-parse "$r" >actual &&
		test_cmp expect actual || { echo "revision $r" >&9; return 1; }
	done
	# Several at once, in order; full and abbreviated ids as names.
	main=$(git -C g rev-parse main)
	short=$(printf %.10s "$main")
	git -C g rev-parse "$main~2" "$short~1^2" "$main:a/b" >expect
	cairn -r c rev-parse "$main~2" "$short~1^2" "$main:a/b" >actual
	test_cmp expect actual
'

test_expect_success GIT 'commands take revisions: cat, ls, log, get, commit -p, ref set' '
	make_history g
	import_history g c
	git -C g cat-file -p main~1:top >expect
	cairn -r c cat -p heads/main~1:top >actual
	test_cmp expect actual
	git -C g cat-file -p v2 >expect
	cairn -r c cat -p tags/v2 >actual
	test_cmp expect actual
	git -C g ls-tree main~1^2:a >expect
	cairn -r c ls heads/main~1^2:a >actual
	test_cmp expect actual
	git -C g rev-list main~1 | sort >expect
	cairn -r c log heads/main~1 | sed -n "s/^commit //p" | sort >actual
	test_cmp expect actual
	cairn -r c get "tags/v1^{tree}" out
	test "$(cat out/top)" = three
	cairn -r c ref set old heads/main~2
	test "$(cairn -r c ref get old)" = "$(git -C g rev-parse main~2)"
	cairn -r c ref set old heads/main~1^2 --old heads/main~2
	test "$(cairn -r c ref get old)" = "$(git -C g rev-parse main~1^2)"
	id=$(CAIRN_AUTHOR_NAME=A CAIRN_AUTHOR_EMAIL=a@e \
	    CAIRN_COMMITTER_NAME=C CAIRN_COMMITTER_EMAIL=c@e \
	    cairn -r c commit -m next -p heads/main -p heads/side~1 \
	    "heads/main:a")
	cairn -r c cat -p "$id" >commit
	grep "^tree $(git -C g rev-parse main:a)$" commit
	grep "^parent $(git -C g rev-parse side~1)$" commit
'

test_expect_success GIT 'what cannot be followed: one line, exit 2, the revision named' '
	make_history g
	import_history g c
	for r in heads/main~9 heads/main^2 heads/main~1^3 heads/main:nope \
	    heads/main:top/x heads/main:a//b heads/main:top/ \
	    "tags/blob^{tree}" "tags/tree^{commit}" "heads/main^{tag}" \
	    "tags/tree~1" nosuch~1 "nosuch^{}" nosuch:top
	do
		test_must_fail --status=2 cairn -r c rev-parse "$r" \
		    >out 2>err || return 1
		test_must_be_empty out || return 1
		test_stderr_one_line err || return 1
		grep -F -- "$r" err || return 1
		test_must_fail --status=2 cairn -r c cat -p "$r" \
		    >out 2>err || return 1
		test_stderr_one_line err || return 1
	done
'

test_expect_success 'malformed revisions are refused before the repository is read' '
	for r in "main^{foo}" "main^{" "main~x" "main~1x" ":top" "~1" "^" \
	    "main~99999999999" "main^{tree" "a..b" "main@{1}" ""
	do
		test_must_fail --status=2 cairn rev-parse "$r" >out 2>err ||
		    return 1
		test_must_be_empty out || return 1
		test_stderr_one_line err || return 1
		test_must_fail --status=2 cairn -r no-such-repo rev-parse \
		    "$r" 2>err || return 1
		! grep "not a cairn repository" err || return 1
	done
	test_must_fail --status=2 cairn rev-parse 2>err
	test_stderr_one_line err
'

test_expect_success 'a plain name keeps its meaning; all ids or none are printed' '
	id=$(printf x | cairn put --stdin)
	test "$(cairn rev-parse "$id")" = "$id"
	test_must_fail --status=1 cairn rev-parse no-such-ref 2>err
	test_stderr_one_line err
	test_must_fail cairn rev-parse "$id" no-such-ref >out 2>err
	test_must_be_empty out
'

# (In a repository of its own: fsck rightly reports the missing object.)
test_expect_success 'a tag of a missing object: one line, exit 2' '
	cairn init m >/dev/null
	missing=$(printf "%064d" 7)
	tag=$(printf "object %s\ntype commit\ntag t\ntagger T <t@e> 1 +0000\n\nt\n" \
	    "$missing" | cairn -r m put -t tag --stdin)
	test_must_fail --status=2 cairn -r m rev-parse "$tag^{}" >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	grep "is missing" err
	test_must_fail --status=2 cairn -r m rev-parse "$tag~1" 2>err
	test_stderr_one_line err
'

test_done
