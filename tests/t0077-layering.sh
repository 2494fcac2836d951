#!/bin/sh
# t0077-layering: make check-layering, run in a copy of the source tree,
# passes on the tree as it is and fails on each kind of violation put into
# the copy: a file of cmd/ that includes an engine header (by a quoted or an
# angle-bracket name), a file of core/ that includes a header of store/ (by
# its name or by a path), and the graph layer including an engine internal.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2034 # used in test bodies
{
TOP=$(cd "$TEST_DIRECTORY/.." && pwd -P)
SRC=$TRASH_DIRECTORY/src
}

# src_make <target>...: make in the copy of the tree, build directory b,
# with no flags of an outer make (its jobserver, check-asan's overrides).
src_make () {
	(
		unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES CC CFLAGS \
			LDFLAGS CPPFLAGS WERROR
		test_timeout 300 make --no-print-directory -C "$SRC" O=b "$@"
	)
}

# violates <file> <line> <what>: with <line> added to <file> of the copy
# (after its last #include), make check-layering fails and names <file>
# and <what>; then the file is put back and the check passes again.
violates () {
	cp "$SRC/$1" saved &&
	awk -v add="$2" '
		{ lines[NR] = $0 }
		/^#[ \t]*include/ { last = NR }
		END {
			for (i = 1; i <= NR; i++) {
				print lines[i]
				if (i == last)
					print add
			}
		}
	' saved >"$SRC/$1" &&
	grep -F -x -e "$2" "$SRC/$1" >/dev/null &&
	test_must_fail src_make check-layering >out 2>&1 &&
	cat out >&9 &&
	grep -F -e "$1" out >/dev/null &&
	grep -F -e "$3" out >/dev/null &&
	cp saved "$SRC/$1" &&
	src_make check-layering >out 2>&1
}

test_expect_success 'the copy of the tree passes make check-layering' '
	mkdir "$SRC" &&
	cp -R "$TOP/Makefile" "$TOP/core" "$TOP/store" "$TOP/cmd" "$TOP/man" "$SRC" &&
	src_make check-layering >out 2>&1 &&
	grep "layering ok" out
'

test_expect_success 'cmd/ including an engine header fails' '
	violates cmd/cmd_stats.c "#include \"disk_int.h\"" disk_int.h
'

test_expect_success 'cmd/ including an engine header by <name> fails' '
	violates cmd/cmd_ls.c "#include <repo_int.h>" repo_int.h
'

test_expect_success 'cmd/ including a core header the public API leaves out fails' '
	violates cmd/cmd.h "#include \"buf.h\"" buf.h
'

test_expect_success 'cmd/ including an engine header by its path fails' '
	violates cmd/main.c "#include \"../store/vfs.h\"" vfs.h
'

test_expect_success 'core/ including a header of store/ fails' '
	violates core/object.c "#include \"refs.h\"" refs.h
'

test_expect_success 'core/ including a header of store/ by its path fails' '
	violates core/buf.c "#include \"../store/lock.h\"" lock.h
'

test_expect_success 'a header of core/ including the public API fails' '
	violates core/oid.h "#include \"cairn.h\"" cairn.h
'

test_expect_success 'the graph layer including an engine internal fails' '
	violates store/graph/tree.c "#include \"repo_int.h\"" repo_int.h
'

test_done
