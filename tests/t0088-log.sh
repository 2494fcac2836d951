#!/bin/sh
# t0088-log: log's counts, formats, --reverse, --first-parent, ranges and
# several starting points, and rev-list with and without --objects, byte
# for byte as git log and git rev-list print them, on a history with
# merges (an octopus among them), time zones east and west, messages
# kept verbatim, equal commit times, tags of tags, of a tree and of a
# blob; then on this source tree's own history.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

test_self_git

# at <seconds> <tz> <author name> <command>...: a git command with both
# dates set (the committer a minute after the author).
at () {
	at_t_=$1 at_tz_=$2 at_name_=$3
	shift 3
	GIT_AUTHOR_DATE="@$at_t_ $at_tz_" \
	    GIT_COMMITTER_DATE="@$((at_t_ + 60)) $at_tz_" \
	    GIT_AUTHOR_NAME="$at_name_" \
	    GIT_AUTHOR_EMAIL="$(echo "$at_name_" | tr -d " ")@example.org" \
	    GIT_COMMITTER_NAME="Committer Person" \
	    GIT_COMMITTER_EMAIL=committer@example.org \
	    "$@"
}

# commit_msg <dir> <seconds> <tz> <name> <message file>: commit all, the
# message as written.
commit_msg () {
	git -C "$1" add -A &&
	at "$2" "$3" "$4" git -C "$1" commit -q --allow-empty \
	    --cleanup=verbatim -F "$PWD/$5"
}

# make_history <dir>: main: c1 - c2 - c3 - m(c3, s2) - o(m, s1, x) - c6,
# side: c1 - s1 - s2, x a root of its own; tags v1 (at c3), v2 (of v1),
# tree, blob.  s1 and c2 are committed at the same second.
make_history () {
	git init -q "$1" &&
	git -C "$1" symbolic-ref HEAD refs/heads/main &&
	mkdir -p "$1/a/b" &&
	echo one >"$1/top" && echo f >"$1/a/b/f" && ln -s top "$1/link" &&
	printf 'one\n' >msg1 &&
	commit_msg "$1" 1000000000 +0000 "A U Thor" msg1 &&
	git -C "$1" branch side &&
	echo two >"$1/top" &&
	printf 'Subject line  \ncontinued here\n\n\n Body\twith a tab\n\n  trailing  \n\n\n' >msg2 &&
	commit_msg "$1" 1000100000 -0700 "Zoë Ünicode" msg2 &&
	echo three >"$1/top" && chmod +x "$1/top" &&
	printf '\n\nleading blank lines, no final newline' >msg3 &&
	commit_msg "$1" 1000200000 +0530 "A U Thor" msg3 &&
	git -C "$1" tag -a -m "v one" v1 &&
	git -C "$1" -c advice.nestedTag=false tag -a -m "v two" v2 v1 &&
	git -C "$1" checkout -q side &&
	echo s1 >"$1/a/side" &&
	printf 's1\n\nbody of s1\n' >msg4 &&
	commit_msg "$1" 1000100000 +1400 "Side Person" msg4 &&
	mkdir "$1/a/new" && echo s2 >"$1/a/new/s2" &&
	printf 's2\n' >msg5 &&
	commit_msg "$1" 1000300000 -1200 "Side Person" msg5 &&
	git -C "$1" checkout -q main &&
	at 1000400000 -0330 "A U Thor" git -C "$1" merge -q --no-edit side &&
	x=$(printf 'root\n' | at 1000450000 +0100 Rooted git -C "$1" \
	    commit-tree "$(git -C "$1" rev-parse "main~1^{tree}")") &&
	s1=$(git -C "$1" rev-parse side~1) &&
	o=$(printf 'octopus\n' | at 1000500000 +0000 "A U Thor" git -C "$1" \
	    commit-tree "$(git -C "$1" rev-parse "main^{tree}")" -p main \
	    -p "$s1" -p "$x") &&
	git -C "$1" update-ref refs/heads/main "$o" &&
	git -C "$1" reset -q --hard &&
	echo six >"$1/a/b/f" &&
	printf 'six\n' >msg6 &&
	commit_msg "$1" 1000600000 +0000 "A U Thor" msg6 &&
	git -C "$1" tag -a -m "a tree" tree "main^{tree}" &&
	git -C "$1" tag -a -m "a blob" blob main:top
}

# same <git dir> <cairn repo> <command> [<arg>...]: git and cairn print
# the same bytes and both succeed.
same () {
	same_g_=$1 same_c_=$2
	shift 2
	git --git-dir="$same_g_" "$@" >expect &&
	cairn -r "$same_c_" "$@" >actual &&
	test_cmp expect actual || { echo "differs: $*" >&9; return 1; }
}

# shellcheck disable=SC2034
ALL_FORMAT='%H|%h|%T|%t|%P|%p|%an|%ae|%ad|%aD|%ai|%aI|%at|%cn|%ce|%cd|%cD|%ci|%cI|%ct|%s|%%|%x41%n[%b]%n{%B}'
# shellcheck disable=SC2034
LOG_REVS='heads/main heads/side heads/main~1 heads/main~2
heads/side..heads/main heads/main~3..heads/main tags/v1..heads/side
tags/v2 tags/v1^{commit}'

test_expect_success GIT 'log: every option set, revision and range as git log' '
	make_history g
	import_history g c
	for r in $LOG_REVS
	do
		same g/.git c log "$r" &&
		same g/.git c log --oneline "$r" &&
		same g/.git c log -2 "$r" &&
		same g/.git c log -n 3 --reverse "$r" &&
		same g/.git c log --max-count=1 "$r" &&
		same g/.git c log --reverse "$r" &&
		same g/.git c log --first-parent "$r" &&
		same g/.git c log --first-parent --oneline --reverse "$r" &&
		same g/.git c log "--format=$ALL_FORMAT" "$r" &&
		same g/.git c log "--pretty=format:$ALL_FORMAT" "$r" &&
		same g/.git c log "--pretty=tformat:%h %s" "$r" &&
		same g/.git c log --pretty=oneline "$r" &&
		same g/.git c log --format=medium "$r" &&
		same g/.git c log --pretty "$r" &&
		same g/.git c log -0 "$r" || return 1
	done
'

test_expect_success GIT 'log: several starting points, hidden ones, each commit once' '
	make_history g
	import_history g c
	same g/.git c log --oneline heads/side heads/main~2 &&
	same g/.git c log heads/main heads/side heads/main~1 &&
	same g/.git c log --format=%H ^heads/side heads/main &&
	same g/.git c log --format=%H heads/main ^heads/main~1^2 ^tags/v1 &&
	same g/.git c log --format=%H heads/side..heads/side &&
	same g/.git c log --format=%s heads/main..heads/side heads/main~1^3
'

test_expect_success GIT 'rev-list, with and without --objects, as git rev-list' '
	make_history g
	import_history g c
	for r in $LOG_REVS
	do
		same g/.git c rev-list "$r" &&
		same g/.git c rev-list --objects "$r" &&
		same g/.git c rev-list --first-parent --objects "$r" &&
		same g/.git c rev-list -2 "$r" || return 1
	done &&
	same g/.git c rev-list --objects tags/tree tags/blob tags/v2 &&
	same g/.git c rev-list --objects "heads/main^{tree}" heads/main:a \
	    heads/main~2:top heads/side &&
	same g/.git c rev-list --objects heads/main ^heads/side ^tags/v1 &&
	same g/.git c rev-list --objects heads/side~1 heads/main~1^3
'

test_expect_success SELFGIT 'this source tree: log formats and rev-list --objects as git' '
	fmt=$(git --git-dir="$SELF" rev-parse --show-object-format)
	cairn init --object-format="$fmt" c >/dev/null
	cairn -r c import --git "$SELF" --refs >/dev/null
	b=$(git --git-dir="$SELF" for-each-ref --count=1 \
	    --format="%(refname:strip=1)" refs/heads)
	same "$SELF" c log "$b" &&
	same "$SELF" c log "--format=$ALL_FORMAT" "$b" &&
	same "$SELF" c log --first-parent --reverse --oneline "$b" &&
	same "$SELF" c rev-list --objects "$b" &&
	n=$(git --git-dir="$SELF" rev-list --count "$b") &&
	if test "$n" -gt 4
	then
		same "$SELF" c log --oneline "$b~4..$b" &&
		same "$SELF" c rev-list --objects "$b~4..$b"
	fi
'

test_expect_success GIT 'what cannot be walked: one line and the documented status' '
	make_history g
	import_history g c
	# Malformed revisions and ranges: usage, before the repository.
	for r in "heads/main..." "..heads/main" "heads/main.." "^a..b" \
	    "heads/main~x" ""
	do
		test_must_fail --status=2 cairn -r c log "$r" >out 2>err &&
		test_must_be_empty out && test_stderr_one_line err &&
		test_must_fail --status=2 cairn -r c rev-list "$r" >out 2>err &&
		test_stderr_one_line err || return 1
	done &&
	test_must_fail --status=2 cairn -r c log >out 2>err &&
	test_must_fail --status=2 cairn -r c log --format=nosuch heads/main \
	    >out 2>err &&
	test_must_be_empty out &&
	# Unknown names (not found, as cat), and a tree where a commit is
	# needed.
	test_must_fail --status=1 cairn -r c log nosuch >out 2>err &&
	test_stderr_one_line err && grep nosuch err &&
	test_must_fail --status=2 cairn -r c log "heads/main^{tree}" \
	    >out 2>err &&
	test_stderr_one_line err && grep "not a commit" err &&
	test_must_fail --status=2 cairn -r c rev-list heads/main:top \
	    >out 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn -r c log -99999999999999999999 \
	    heads/main >out 2>err &&
	# Output that cannot be written: exit 3, one line.
	test_must_fail --status=3 cairn -r c log heads/main >/dev/full 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=3 cairn -r c rev-list --objects heads/main \
	    >/dev/full 2>err &&
	test_stderr_one_line err
'

test_expect_success GIT 'a history with a commit missing: one line, not found' '
	make_history g
	import_history g c
	cairn init --object-format=sha1 d >/dev/null
	# Everything but main~1 itself, taken whole from the full copy.
	gone=$(git -C g rev-parse main~1)
	git -C g cat-file --batch-all-objects --batch-check="%(objectname)" |
	    grep -v "$gone" |
	    cairn -r c cat --batch | cairn -r d put --batch >/dev/null
	cairn -r d ref set main "$(git -C g rev-parse main)"
	test_must_fail --status=1 cairn -r d log --oneline heads/main \
	    >out 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=1 cairn -r d rev-list --objects heads/main \
	    >out 2>err &&
	test_stderr_one_line err
'

test_done
