#!/bin/sh
# t0051-python: libcairn.so from Python through ctypes
# (tests/example/example.py): put, get, and a ref moved by compare-and-swap,
# checked against what the CLI reads.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2034 # used in test bodies
{
LIB=$CAIRN_BUILD/libcairn.so
EXAMPLE_PY=$TEST_DIRECTORY/example/example.py
}

if command -v python3 >/dev/null 2>&1 &&
	python3 -c 'import ctypes' >/dev/null 2>&1
then
	test_set_prereq PYTHON
fi

# A library built with sanitizers needs their runtime loaded before it,
# which python3 does not do.
if nm -D --undefined-only "$LIB" 2>/dev/null | grep -q '__[a-z]*san_'
then
	test_skip 'example.py puts, gets and moves a ref by compare-and-swap' \
		'libcairn.so is built with sanitizers'
	test_done
fi

# tap_passed <file>: the TAP in <file> has a plan, and every test it
# plans printed ok.
tap_passed () {
	tap_plan_=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$1")
	tap_ok_=$(grep -c '^ok ' "$1")
	if test -z "$tap_plan_" || test "$tap_plan_" = 0 ||
		test "$tap_ok_" != "$tap_plan_" || grep -q '^not ok' "$1"
	then
		echo "tap_passed: '$1' is not a passing TAP run:" >&9
		cat "$1" >&9
		return 1
	fi
}

test_expect_success PYTHON 'example.py puts, gets and moves a ref by compare-and-swap' '
	python3 "$EXAMPLE_PY" "$LIB" repo >out &&
	tap_passed out &&
	sed -n "s/^# blob //p" out >blob &&
	printf "hello from python\n" | cairn put --stdin >expect &&
	test_cmp expect blob &&
	sed -n "s/^# main //p" out >main &&
	cairn -r repo ref get main >actual &&
	test_cmp main actual &&
	test_fsck_repo repo
'

test_expect_success PYTHON 'errors reach Python with their code' '
	cairn init repo &&
	test_must_fail python3 "$EXAMPLE_PY" "$LIB" repo >out &&
	grep "^not ok 1 - a library call failed" out &&
	grep "^# error 3: " out
'

test_done
