#!/bin/sh
# t0086-cat-format: `cat --batch=<format>` and `--batch-check=<format>`
# print what git cat-file prints for the same format and input lines:
# %(objectname), %(objecttype), %(objectsize), %(rest), %% and other text.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

test_expect_success GIT 'formats: the output of git cat-file, byte for byte' '
	git init -q g
	git -C g symbolic-ref HEAD refs/heads/main
	printf "one\n" >g/top
	mkdir g/dir
	printf "two\n" >g/dir/f
	git -C g add -A
	git -C g commit -q -m one
	cairn init --object-format=sha1 c >/dev/null
	cairn -r c import --git g/.git --refs >/dev/null
	# Input lines: names with rest after a blank or a tab, a missing
	# name, a tree, a line with blanks only after the name.
	printf "%s\n" "heads/main x y" "heads/main:top	tab  rest" "nope z" \
	    "heads/main:dir" "heads/main:dir/f   " >in
	sed "s|heads/main|refs/heads/main|" in >in.git
	for f in "%(objectname) [%(objecttype)] %(objectsize) %% %x <%(rest)>" \
	    "" "%(objecttype)" "x%(rest)y" "%(objectsize)%(objectsize)" \
	    "%(rest)%" "%(objectname)"
	do
		for m in batch batch-check
		do
			git -C g cat-file --$m="$f" <in.git |
			    sed "s|refs/heads/main|heads/main|" >expect &&
			cairn -r c cat --$m="$f" <in >actual &&
			test_cmp_bin expect actual ||
			    { echo "--$m=$f" >&9; return 1; }
		done || return 1
	done
'

test_expect_success 'a bad format: exit 2, one line, before any input is read' '
	for f in "%(bogus)" "%(objectname" "%(objectsize:disk)" "%()"
	do
		echo nope | test_must_fail --status=2 cairn cat --batch-check="$f" \
		    >out 2>err || return 1
		test_must_be_empty out || return 1
		test_stderr_one_line err || return 1
	done
'

test_done
