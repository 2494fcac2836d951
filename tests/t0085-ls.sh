#!/bin/sh
# t0085-ls: `cairn ls` with -r, -d, -l, --name-only, -z and paths prints
# what git ls-tree prints for the same tree, options and paths.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# make_tree <dir>: a git repository (branch main) whose one commit holds
# nested directories, an executable, a symlink and names with a space, a
# tab and non-ASCII bytes (which git quotes).
make_tree () {
	git init -q "$1" &&
	git -C "$1" symbolic-ref HEAD refs/heads/main &&
	mkdir -p "$1/dir/sub/deep" "$1/other" &&
	printf 'a\n' >"$1/top" &&
	printf 'bb\n' >"$1/dir/x" &&
	chmod +x "$1/dir/x" &&
	printf 'ccc\n' >"$1/dir/sub/y" &&
	printf 'dddd\n' >"$1/dir/sub/deep/z" &&
	printf 'e\n' >"$1/other/w" &&
	printf 'sp\n' >"$1/dir/with space" &&
	printf 'tab\n' >"$1/dir/ta	b" &&
	printf 'u\n' >"$1/other/caf$(printf '\303\251')" &&
	ln -s top "$1/link" &&
	git -C "$1" add -A &&
	git -C "$1" commit -q -m tree
}

test_expect_success GIT 'ls gives git ls-tree'"'"'s output for every option and path' '
	make_tree g
	cairn init --object-format=sha1 c >/dev/null
	cairn -r c import --git g/.git --refs >/dev/null
	printf "%s\n" "" "dir" "dir/" "dir/sub" "dir/sub/" "dir/sub/deep/z" \
	    "top dir/x" "nope" "dir/su" "other dir/sub/" "link" "dir/x/" \
	    "dir/sub/deep/" "dir//sub" "./top" "dir/../top" "." "dir/." \
	    "dir/sub/.." "./" >paths
	n=0
	for opts in "" "-r" "-d" "-r -d" "-l" "-r -l" "--name-only" \
	    "-r --name-only" "-z" "-r -z" "-l -z" "-d -l" "-r -d -l" \
	    "--name-only -z" "-r -d --name-only"
	do
		while read -r p
		do
			# Word splitting of $opts and $p is wanted here.
			# shellcheck disable=SC2086
			git -C g ls-tree $opts HEAD $p >expect &&
			# shellcheck disable=SC2086
			cairn -r c ls $opts heads/main $p >actual &&
			test_cmp_bin expect actual ||
			    { echo "ls $opts heads/main $p" >&9; return 1; }
			n=$((n + 1))
		done <paths || return 1
	done
	test "$n" = 300
	# Names with a space, a tab or non-ASCII bytes, given as paths.
	for p in "dir/with space" "dir/ta	b" "other/caf$(printf "\303\251")"
	do
		git -C g ls-tree HEAD "$p" >expect &&
		cairn -r c ls heads/main "$p" >actual &&
		test_cmp expect actual || return 1
		test -s actual || return 1
	done
'

test_expect_success 'bad input: exit 2, one line' '
	tree=$(printf "" | cairn put -t tree --stdin)
	for args in "$tree /abs" "$tree ../up" "$tree dir/../../up" \
	    "-l --name-only $tree" "-x $tree" ""
	do
		# Word splitting of $args is wanted here.
		# shellcheck disable=SC2086
		test_must_fail --status=2 cairn ls $args >out 2>err || return 1
		test_must_be_empty out || return 1
		test_stderr_one_line err || return 1
	done
'

test_done
