#!/bin/sh
# t0075-build: the Makefile, run in a copy of the source tree.  Touching a
# header rebuilds only the objects that include it (cmd/cmd.h: cmd/'s
# alone); a header that is gone stops no build; warnings are errors in
# make check and not in a plain make; make check-man fails on a man page
# with a mandoc WARNING and not on a STYLE note.  Times are set with touch
# -d, never waited for.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2034 # used in test bodies
{
TOP=$(cd "$TEST_DIRECTORY/.." && pwd -P)
SRC=$TRASH_DIRECTORY/src
# Sources at OLD, build outputs at BUILT, a touched header at NEW.
OLD=@1000000000
BUILT=@1100000000
NEW=@1200000000
}

if command -v mandoc >/dev/null 2>&1
then
	test_set_prereq MANDOC
fi

# src_make <target>...: make in the copy of the tree, build directory b,
# with no flags of an outer make (its jobserver, check-asan's overrides).
src_make () {
	(
		unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES CC CFLAGS \
			LDFLAGS CPPFLAGS WERROR
		test_timeout 600 make --no-print-directory -C "$SRC" O=b "$@"
	)
}

# set_times: every source of the copy at OLD, everything built at BUILT.
set_times () {
	find "$SRC" -path "$SRC/b" -prune -o -type f -exec touch -d "$OLD" {} + &&
	find "$SRC/b" -exec touch -h -d "$BUILT" {} +
}

# compiled <file>: the objects that make -n's output in <file> would
# compile, sorted.
compiled () {
	sed -n 's/.* -c -o \([^ ]*\) .*/\1/p' "$1" | LC_ALL=C sort
}

test_expect_success 'the copy of the tree builds, then has nothing to do' '
	mkdir "$SRC" &&
	cp -R "$TOP/Makefile" "$TOP/core" "$TOP/store" "$TOP/cmd" "$TOP/man" "$SRC" &&
	src_make -j2 all >build.out 2>&1 &&
	test -x "$SRC/b/cairn" &&
	set_times &&
	src_make -n all >dry &&
	compiled dry >objects &&
	test_must_be_empty objects
'

test_expect_success 'touching cmd/cmd.h rebuilds the objects of cmd/ alone' '
	touch -d "$NEW" "$SRC/cmd/cmd.h" &&
	src_make -n all >dry &&
	touch -d "$OLD" "$SRC/cmd/cmd.h" &&
	compiled dry >actual &&
	# cmd/'"'"'s objects, and the help text made from the man page.
	{
		(cd "$SRC" && for f in cmd/*.c; do echo "b/${f%.c}.o"; done) &&
		echo b/cmd/help_text.o
	} | LC_ALL=C sort >expect &&
	test_cmp expect actual
'

test_expect_success 'touching a header of store/ rebuilds no object of cmd/ or core/' '
	for h in "$SRC"/store/*.h
	do
		case $h in
		*/cairn.h) ;;
		*) break ;;
		esac
	done &&
	touch -d "$NEW" "$h" &&
	src_make -n all >dry &&
	touch -d "$OLD" "$h" &&
	compiled dry >actual &&
	grep "^b/store/" actual &&
	grep "^b/pic/store/" actual &&
	! grep -v -e "^b/store/" -e "^b/pic/store/" actual
'

test_expect_success 'a header no longer included, and gone, stops no build' '
	echo "/* for a while */" >"$SRC/cmd/gone.h" &&
	cp "$SRC/cmd/util.c" util.c &&
	echo "#include \"gone.h\"" >>"$SRC/cmd/util.c" &&
	src_make all >build.out 2>&1 &&
	grep "cmd/gone.h" "$SRC/b/cmd/util.o.d" &&
	cp util.c "$SRC/cmd/util.c" &&
	rm "$SRC/cmd/gone.h" &&
	src_make all >build.out 2>&1 &&
	set_times
'

test_expect_success 'warnings are errors in make check, not in a plain make' '
	src_make -n O=fresh all >dry &&
	grep -e " -c -o " dry >compiles &&
	! grep -e "-Werror" compiles &&
	src_make -n O=fresh check >dry &&
	grep -e " -c -o " dry >compiles &&
	! grep -v -e "-Werror" compiles &&
	src_make -n O=fresh WERROR=0 check >dry &&
	grep -e " -c -o " dry >compiles &&
	! grep -e "-Werror" compiles &&
	src_make -n O=fresh WERROR=1 all >dry &&
	grep -e " -c -o " dry >compiles &&
	! grep -v -e "-Werror" compiles
'

test_expect_success MANDOC 'make check-man fails on a mandoc WARNING, not on STYLE' '
	src_make check-man &&
	cat >"$SRC/man/style.7" <<-\EOF &&
	.Dd January 1, 2026
	.Dt STYLE 7
	.Os
	.Sh NAME
	.Nm style
	.Nd a page with a STYLE note only
	.Sh SEE ALSO
	.Xr no-such-page 1
	EOF
	test_must_fail mandoc -Tlint "$SRC/man/style.7" >lint 2>&1 &&
	grep "STYLE" lint &&
	! grep -e "WARNING" -e "ERROR" lint &&
	src_make check-man &&
	cat >"$SRC/man/warn.7" <<-\EOF &&
	.Dd January 1, 2026
	.Dt WARN 7
	.Os
	.Sh NAME
	.Nm warn
	.Nd a page with a WARNING
	.Sh DESCRIPTION
	.Bl -tag
	.It x
	y
	.El
	EOF
	test_must_fail src_make check-man >out 2>&1 &&
	grep "WARNING" out &&
	rm "$SRC/man/style.7" "$SRC/man/warn.7"
'

test_done
