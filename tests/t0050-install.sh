#!/bin/sh
# t0050-install: make install puts the binary, the static and shared
# libraries, the header, cairn.pc and the man pages under DESTDIR; a
# program built from the installed files alone, through pkg-config, runs;
# the one installed header, cairn.h, shadows no system header; make
# uninstall takes all of it away again.  The headers an earlier version
# installed beside cairn.h are removed.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# Programs are built with the compiler and flags of the build under test,
# which make check passes on: a sanitized library needs the sanitizer's
# runtime in the program that loads it.
: "${CAIRN_CC:=cc}" "${CAIRN_CFLAGS=}" "${CAIRN_LDFLAGS=}"

# shellcheck disable=SC2034 # used in test bodies
{
EXAMPLE_CFLAGS="-std=c11 -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes $CAIRN_CFLAGS"
TOP=$(cd "$TEST_DIRECTORY/.." && pwd -P)
EXAMPLE=$TEST_DIRECTORY/example/example.c
DEST=$TRASH_DIRECTORY/dest
PREFIX=/usr/local
ROOT=$DEST$PREFIX
VERSION=$(sed -n 's/^#define CAIRN_VERSION "\([^"]*\)".*/\1/p' "$TOP/store/cairn.h")
SOMAJOR=${VERSION%%.*}
}

if command -v pkg-config >/dev/null 2>&1
then
	test_set_prereq PKGCONFIG
fi

# install_make <target> [<variable>=<value>...]: make in the source tree
# for the build under test.  -o all installs what make check has built
# and builds nothing, as other tests are running from that build.  Flags
# of an outer make (its jobserver, check-asan's overrides) stay out.
install_make () {
	(
		unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
		make --no-print-directory -C "$TOP" O="$CAIRN_BUILD" -o all "$@"
	)
}

# expected_files: what make install puts under DESTDIR, sorted: one
# header, cairn.h, alone in include/cairn, and every man page in the
# source tree.
expected_files () {
	{
		echo "$PREFIX/bin/cairn"
		echo "$PREFIX/lib/libcairn.a"
		echo "$PREFIX/lib/libcairn.so"
		echo "$PREFIX/lib/libcairn.so.$SOMAJOR"
		echo "$PREFIX/lib/libcairn.so.$VERSION"
		echo "$PREFIX/lib/pkgconfig/cairn.pc"
		echo "$PREFIX/include/cairn/cairn.h"
		for page in "$TOP"/man/*.[1-8]
		do
			echo "$PREFIX/share/man/man${page##*.}/${page##*/}"
		done
		echo "$PREFIX/share/bash-completion/completions/cairn"
		echo "$PREFIX/share/zsh/site-functions/_cairn"
	} | LC_ALL=C sort
}

# installed_files <destdir>: every file and symlink under <destdir>,
# relative to it, sorted.
installed_files () {
	(cd "$1" && find . ! -type d) | sed 's/^\.//' | LC_ALL=C sort
}

# declared_functions: the functions the installed headers declare, found
# by the preprocessor (which drops comments), one a line, sorted.
declared_functions () {
	$CAIRN_CC -E -P -I"$ROOT/include/cairn" "$ROOT/include/cairn/cairn.h" |
		grep -o 'cairn_[A-Za-z0-9_]*[ 	]*(' |
		sed 's/[ 	]*($//' | LC_ALL=C sort -u
}

# exported_functions <library>: the names its dynamic symbol table defines.
exported_functions () {
	nm -D --defined-only "$1" | awk '{ print $NF }' | LC_ALL=C sort
}

# pc <pkg-config option>...: ask about the cairn.pc under DESTDIR, with
# its paths moved into DESTDIR.
pc () {
	PKG_CONFIG_LIBDIR=$ROOT/lib/pkgconfig PKG_CONFIG_PATH='' \
		PKG_CONFIG_SYSROOT_DIR=$DEST pkg-config "$@" cairn
}

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

# check_example <file>: the output of example.c in <file> passes, and
# what it says it stored is what the CLI says (in the repository ./repo).
check_example () {
	tap_passed "$1" || return 1
	sed -n 's/^# blob //p' "$1" >example.blob
	printf 'hello, cairn\n' | cairn put --stdin >example.expect
	test_cmp example.expect example.blob || return 1
	sed -n 's/^# main //p' "$1" >example.main
	cairn -r repo ref get main >example.ref
	test_cmp example.main example.ref
}

test_expect_success 'make install puts every file under DESTDIR' '
	mkdir -p "$ROOT/include/cairn" &&
	for h in error.h object.h oid.h
	do
		echo "#error an earlier version'"'"'s header" >"$ROOT/include/cairn/$h" ||
		exit 1
	done &&
	install_make install DESTDIR="$DEST" PREFIX="$PREFIX" &&
	expected_files >expect &&
	installed_files "$DEST" >actual &&
	test_cmp expect actual &&
	test "$(readlink "$ROOT/lib/libcairn.so")" = "libcairn.so.$VERSION" &&
	test "$(readlink "$ROOT/lib/libcairn.so.$SOMAJOR")" = "libcairn.so.$VERSION" &&
	test -x "$ROOT/bin/cairn" &&
	"$ROOT/bin/cairn" --version >out &&
	echo "cairn version $VERSION" >expect &&
	test_cmp expect out &&
	test_cmp "$TOP/man/cairn.1" "$ROOT/share/man/man1/cairn.1" &&
	"$ROOT/bin/cairn" completion bash >expect &&
	test_cmp expect "$ROOT/share/bash-completion/completions/cairn" &&
	"$ROOT/bin/cairn" completion zsh >expect &&
	test_cmp expect "$ROOT/share/zsh/site-functions/_cairn"
'

if command -v man >/dev/null 2>&1
then
	test_set_prereq MAN
fi

test_expect_success MAN 'man cairn finds the installed page' '
	MANPATH="$ROOT/share/man" man -w cairn >where &&
	echo "$ROOT/share/man/man1/cairn.1" >expect &&
	test_cmp expect where &&
	MANPATH="$ROOT/share/man" man -w 5 cairn-repository >where &&
	echo "$ROOT/share/man/man5/cairn-repository.5" >expect &&
	test_cmp expect where
'

test_expect_success 'libcairn.so has its soname and exports the public functions only' '
	lib=$ROOT/lib/libcairn.so.$VERSION &&
	readelf -d "$lib" >dynamic &&
	grep "(SONAME).*\[libcairn\.so\.$SOMAJOR\]" dynamic &&
	declared_functions >declared &&
	exported_functions "$lib" >exported &&
	test_cmp declared exported &&
	for f in cairn_repo_open cairn_object_put cairn_object_get cairn_ref_set cairn_oid_fmt
	do
		grep -qx "$f" exported || {
			echo "$f is not exported" >&9
			exit 1
		}
	done &&
	nm "$ROOT/lib/libcairn.a" >static-symbols &&
	for f in cairn_disk_open cairn_segment_write cairn_memtable_put
	do
		grep -q " T $f\$" static-symbols &&
		if grep -qx "$f" exported
		then
			echo "internal $f is exported" >&9
			exit 1
		fi
	done
'

test_expect_success PKGCONFIG 'a program built through cairn.pc from the installed files runs' '
	echo "$VERSION" >expect &&
	pc --modversion >actual &&
	test_cmp expect actual &&
	flags=$(pc --cflags --libs) &&
	$CAIRN_CC $EXAMPLE_CFLAGS -o example "$EXAMPLE" $flags $CAIRN_LDFLAGS &&
	readelf -d example >dynamic &&
	grep "(NEEDED).*\[libcairn\.so\.$SOMAJOR\]" dynamic &&
	LD_LIBRARY_PATH=$ROOT/lib ldd ./example >ldd.out &&
	grep "libcairn\.so\.$SOMAJOR => $ROOT/lib/libcairn\.so\.$SOMAJOR " ldd.out &&
	LD_LIBRARY_PATH=$ROOT/lib ./example repo >out &&
	check_example out &&
	test_fsck_repo repo
'

# shadow.c includes glibc's <error.h> beside <cairn.h> and must get glibc's
# error(): taking its address fails to compile, whatever the warning
# flags, where nothing declares it.
cat >"$TRASH_DIRECTORY/shadow.c" <<\EOF
#include <error.h>
#include <stdio.h>

#include <cairn.h>

int main(void)
{
	void (*report)(int, int, const char *, ...) = error;

	report(0, 0, "x");
	printf("%u %s\n", error_message_count, cairn_version());
	return 0;
}
EOF

test_expect_success PKGCONFIG 'a program including <error.h> and <cairn.h> gets glibc'"'"'s error()' '
	cflags=$(pc --cflags) &&
	libs=$(pc --libs) &&
	$CAIRN_CC $EXAMPLE_CFLAGS -o shadow "$TRASH_DIRECTORY/shadow.c" \
		$cflags $libs $CAIRN_LDFLAGS &&
	LD_LIBRARY_PATH=$ROOT/lib ./shadow >out 2>err &&
	echo "1 $VERSION" >expect &&
	test_cmp expect out &&
	echo "./shadow: x" >expect &&
	test_cmp expect err
'

test_expect_success PKGCONFIG 'no header of the source tree but cairn.h is reachable through cairn.pc' '
	cflags=$(pc --cflags) &&
	for h in "$TOP"/core/*.h "$TOP"/store/*.h "$TOP"/cmd/*.h
	do
		name=${h##*/} &&
		test "$name" != cairn.h || continue
		echo "#include <$name>" >probe.c &&
		if $CAIRN_CC -M $cflags probe.c >deps 2>/dev/null &&
			grep -F "$ROOT/" deps >found
		then
			echo "<$name> reaches an installed file:" >&9
			cat found >&9
			exit 1
		fi
	done &&
	echo "#include <cairn.h>" >probe.c &&
	$CAIRN_CC -M $cflags probe.c >deps &&
	grep -F "$ROOT/include/cairn/cairn.h" deps
'

test_expect_success PKGCONFIG 'a static link takes its libraries from cairn.pc' '
	mkdir static &&
	cp "$ROOT/lib/libcairn.a" static/ &&
	cflags=$(pc --cflags) &&
	libs=$(pc --static --libs-only-l) &&
	$CAIRN_CC $EXAMPLE_CFLAGS -o example "$EXAMPLE" $cflags -Lstatic $libs $CAIRN_LDFLAGS &&
	readelf -d example >dynamic &&
	! grep libcairn dynamic &&
	./example repo >out &&
	check_example out &&
	test_fsck_repo repo
'

test_expect_success 'make uninstall removes every installed file' '
	install_make uninstall DESTDIR="$DEST" PREFIX="$PREFIX" &&
	installed_files "$DEST" >left &&
	test_must_be_empty left &&
	test_path_is_missing "$ROOT/include/cairn"
'

test_expect_success PKGCONFIG 'cairn.pc follows PREFIX and LIBDIR' '
	dest=$TRASH_DIRECTORY/dest2 &&
	install_make install DESTDIR="$dest" PREFIX=/opt/cairn LIBDIR=/opt/cairn/lib64 &&
	pcdir=$dest/opt/cairn/lib64/pkgconfig &&
	test_path_is_file "$dest/opt/cairn/lib64/libcairn.so.$VERSION" &&
	PKG_CONFIG_LIBDIR=$pcdir pkg-config --cflags --libs cairn >flags &&
	echo "-I/opt/cairn/include/cairn -L/opt/cairn/lib64 -lcairn" >expect &&
	sed "s/ *\$//" flags >actual &&
	test_cmp expect actual &&
	PKG_CONFIG_LIBDIR=$pcdir pkg-config --define-prefix --variable=libdir cairn >libdir &&
	echo "$dest/opt/cairn/lib64" >expect &&
	test_cmp expect libdir &&
	install_make uninstall DESTDIR="$dest" PREFIX=/opt/cairn LIBDIR=/opt/cairn/lib64 &&
	installed_files "$dest" >left &&
	test_must_be_empty left
'

test_done
