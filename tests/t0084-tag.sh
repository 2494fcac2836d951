#!/bin/sh
# t0084-tag: `cairn tag` creates annotated tags in git's format (the same
# ids as git tag -a for the same tagger, date and message), lightweight
# tags without -m, lists and deletes them; the ref is tags/<name>.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# The tagger, as git's test environment has it (lib.sh).
CAIRN_COMMITTER_NAME=$GIT_COMMITTER_NAME
CAIRN_COMMITTER_EMAIL=$GIT_COMMITTER_EMAIL
CAIRN_COMMITTER_DATE=$GIT_COMMITTER_DATE
export CAIRN_COMMITTER_NAME CAIRN_COMMITTER_EMAIL CAIRN_COMMITTER_DATE

# make_history <dir>: a git repository with two commits on main.
make_history () {
	git init -q "$1" &&
	git -C "$1" symbolic-ref HEAD refs/heads/main &&
	printf 'one\n' >"$1/top" &&
	git -C "$1" add top &&
	git -C "$1" commit -q -m one &&
	printf 'two\n' >"$1/top" &&
	git -C "$1" commit -q -a -m two
}

test_expect_success GIT 'tag -m: the id of git tag -a; cat -p prints it as git does' '
	make_history g
	cairn init --object-format=sha1 c >/dev/null
	cairn -r c import --git g/.git --refs >/dev/null
	git -C g tag -a -m "first release" v1 main~1
	git -C g tag -a -m "a tree" -m "second paragraph" t "main^{tree}"
	git -C g -c advice.nestedTag=false tag -a -m "of a tag" vv v1
	cairn -r c tag -m "first release" v1 heads/main~1
	cairn -r c tag -m "a tree" -m "second paragraph" t "heads/main^{tree}"
	cairn -r c tag -m "of a tag" vv tags/v1
	for t in v1 t vv
	do
		git -C g rev-parse "refs/tags/$t" >expect &&
		cairn -r c ref get "tags/$t" >actual &&
		test_cmp expect actual || return 1
		git -C g cat-file -p "$t" >expect &&
		cairn -r c cat -p "tags/$t" >actual &&
		test_cmp expect actual || return 1
	done
	printf "from a file\n\nwith a body" >msg
	git -C g tag -a -F "$PWD/msg" vf main
	cairn -r c tag -F msg vf heads/main
	printf "from stdin\n" | git -C g tag -a -F - vs main
	printf "from stdin\n" | cairn -r c tag -F - vs heads/main
	for t in vf vs
	do
		git -C g rev-parse "refs/tags/$t" >expect &&
		cairn -r c ref get "tags/$t" >actual &&
		test_cmp expect actual || return 1
	done
	git -C g rev-parse "vv^{}" >expect
	cairn -r c rev-parse "tags/vv^{}" >actual
	test_cmp expect actual
'

test_expect_success 'without -m: a lightweight tag, the ref only' '
	id=$(printf x | cairn put --stdin)
	n=$(cairn_stat objects)
	cairn tag light "$id"
	test "$(cairn ref get tags/light)" = "$id"
	test "$(cairn_stat objects)" = "$n"
'

test_expect_success 'an existing tag is kept unless -f; -l lists, with patterns; -d deletes' '
	a=$(printf a | cairn put --stdin)
	b=$(printf b | cairn put --stdin)
	cairn tag -m one v1.0 "$a"
	old=$(cairn ref get tags/v1.0)
	test_must_fail --status=1 cairn tag -m two v1.0 "$b" 2>err
	test_stderr_one_line err
	grep "already exists" err
	test "$(cairn ref get tags/v1.0)" = "$old"
	cairn tag -f -m two v1.0 "$b"
	test "$(cairn ref get tags/v1.0)" != "$old"
	cairn tag v1.1 "$a"
	cairn tag v2.0 "$b"
	cairn tag -l >list
	printf "v1.0\nv1.1\nv2.0\n" >expect
	test_cmp expect list
	cairn tag >list
	test_cmp expect list
	cairn tag -l "v1.*" >list
	printf "v1.0\nv1.1\n" >expect
	test_cmp expect list
	cairn tag -d v1.0 v2.0
	cairn tag -l >list
	echo v1.1 >expect
	test_cmp expect list
	test_must_fail --status=1 cairn tag -d v1.0 2>err
	test_stderr_one_line err
'

test_expect_success 'bad input: one line, exit 2, nothing stored' '
	a=$(printf a | cairn put --stdin)
	n=$(cairn_stat objects)
	printf "m\n" >msg
	for args in "-m x" "-m x only-a-name" "-m x bad..name $a" \
	    "-m x -F msg ok $a" "-F no-such-file ok $a" "-F msg" "-l -F msg" \
	    "-m x ok no-such~1" "-l -d x" "-d" "-m x -d v" "-x" \
	    "-m x ok $a extra"
	do
		# Word splitting of $args is wanted here.
		# shellcheck disable=SC2086
		test_must_fail --status=2 cairn tag $args >out 2>err ||
		    return 1
		test_must_be_empty out || return 1
		test_stderr_one_line err || return 1
	done
	test "$(cairn_stat objects)" = "$n"
	test_must_fail --status=1 cairn tag -m x ok "$(printf "%064d" 5)" 2>err
	test_stderr_one_line err
	test_must_fail cairn ref get tags/ok
'

test_done
