#!/bin/sh
# t0087-ref-list: `ref list` with glob patterns and prefixes, --format and
# --sort, against git for-each-ref on the same refs (git's names carry
# the refs/ that cairn's leave out).

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# make_refs <dir>: a git repository with branches main, topic/a, topic/b
# and release, an annotated tag v1.0 and lightweight tags v1.1 and v2.0.
make_refs () {
	git init -q "$1" &&
	git -C "$1" symbolic-ref HEAD refs/heads/main &&
	printf 'one\n' >"$1/f" &&
	git -C "$1" add f &&
	git -C "$1" commit -q -m one &&
	git -C "$1" branch topic/a &&
	printf 'two\n' >"$1/f" &&
	git -C "$1" commit -q -a -m two &&
	git -C "$1" branch topic/b &&
	git -C "$1" branch release HEAD~1 &&
	git -C "$1" tag -a -m "one oh" v1.0 HEAD~1 &&
	git -C "$1" tag v1.1 &&
	git -C "$1" tag v2.0 "HEAD^{tree}"
}

test_expect_success GIT 'patterns, formats and sort keys: what git for-each-ref prints' '
	make_refs g
	cairn init --object-format=sha1 c >/dev/null
	cairn -r c import --git g/.git --refs >/dev/null
	fmt="%(objectname) %(objecttype) %(refname) %(objectname:short) %% x"
	for pats in "" "heads" "heads/topic/*" "tags/v1.*" "tags/v?.0" \
	    "heads/*" "*/main tags/v2.0" "tags/v[12].1" "nomatch"
	do
		for sort in refname -refname objectname
		do
			gp=
			for p in $pats
			do
				gp="$gp refs/$p"
			done
			# Word splitting of $gp and $pats is wanted here.
			# shellcheck disable=SC2086
			git -C g for-each-ref --format="$fmt" --sort="$sort" \
			    $gp | sed "s| refs/| |" >expect &&
			# shellcheck disable=SC2086
			cairn -r c ref list --format="$fmt" --sort="$sort" \
			    $pats >actual &&
			test_cmp expect actual ||
			    { echo "ref list --sort=$sort $pats" >&9; return 1; }
		done || return 1
	done
'

test_expect_success 'several patterns, -z, --json; a ref to a missing object' '
	a=$(printf a | cairn put --stdin)
	b=$(printf b | cairn put --stdin)
	cairn ref set x/one "$a"
	cairn ref set x/two "$b"
	cairn ref set y/one "$a"
	cairn ref list "x/*" y >out
	printf "%s x/one\n%s x/two\n%s y/one\n" "$a" "$b" "$a" >expect
	test_cmp expect out
	cairn ref list -z --format="%(refname)" "*/one" >out
	printf "x/one\000y/one\000" >expect
	test_cmp_bin expect out
	cairn ref list --json --sort=-refname x >out
	printf "{\"refs\": [{\"name\": \"x/two\", \"id\": \"%s\"}, {\"name\": \"x/one\", \"id\": \"%s\"}]}\n" "$b" "$a" >expect
	test_cmp expect out
	cairn init m >/dev/null
	missing=$(printf "%064d" 3)
	printf "%s\n" "$missing" >m/refs/gone
	cairn -r m ref list --format="%(refname)" >out
	echo gone >expect
	test_cmp expect out
	test_must_fail --status=1 cairn -r m ref list --format="%(objecttype)" 2>err
	test_stderr_one_line err
'

test_done
