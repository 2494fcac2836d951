#!/bin/sh
# t0079-test-hooks: the test machinery stays out of what is shipped.  The
# library (libcairn.a, libcairn.so) and the cairn binary hold no
# CAIRN_TEST_ string; the shipped cairn ignores CAIRN_TEST_FAULT and
# CAIRN_TEST_REF_SLEEP, the test build (tests/support/hooks.h) honours
# them; and the library's writable static data is the reviewed list
# below, so that a new variable fails here until it is reviewed.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317,SC2034
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

SHIPPED=$CAIRN_BUILD/cairn

# objdump -t names each symbol's section, which nm does not: nm calls a
# constant table that needs relocations (.data.rel.ro) and a thread-local
# variable (.tbss) "d" or "b" too.  The sanitizers add data of their own.
if command -v objdump >/dev/null 2>&1 &&
	! objdump -t "$CAIRN_BUILD/libcairn.a" | grep -q '__[a-z]*san_'
then
	test_set_prereq OBJDUMP
fi

# The writable static data of the library, "<object> <variable>", each
# reviewed: it must be constant once set up, atomic, or guarded.
#   oid.o shani_once, shani_ok: set once, under pthread_once.
#   zip.o coders_once, coders_key, coders_key_ok: the same.
#   disk.o generations: _Atomic.
#   http.o once, global_init, C, load_error: set once, under pthread_once.
#   rados.o once, R, load_error: the same; cluster, connected: under
#	conn_mu; cas_fault: atomic (set by the test build only).
#   repo.o thread_count: changed only by __atomic_add_fetch.
#   vfs.o posix_vfs: the real layer's table, never written (not const
#	as cairn_vfs_posix hands out a pointer to it).
#   vfs.o default_vfs: _Atomic.
ALLOWED='disk.o generations
http.o C
http.o global_init
http.o load_error
http.o once
oid.o shani_ok
oid.o shani_once
rados.o R
rados.o cas_fault
rados.o cluster
rados.o conn_mu
rados.o connected
rados.o load_error
rados.o once
repo.o thread_count
vfs.o default_vfs
vfs.o posix_vfs
zip.o coders_key
zip.o coders_key_ok
zip.o coders_once'

# writable_data <archive>: "<object> <variable>" for every data object in
# a writable section (.data, .bss and theirs, common; not .data.rel.ro,
# which is read-only once relocated, nor thread-local .tdata and .tbss).
# A function's static is named <name>.<n> by gcc, <function>.<name> by
# clang: the <name> is kept.
writable_data () {
	objdump -t "$1" | awk '
		/file format/ { obj = $1; sub(/:$/, "", obj); next }
		$0 ~ / O / && NF >= 4 {
			sec = $(NF - 2); name = $NF
			if (sec ~ /^\.data\.rel\.ro/) next
			if (sec !~ /^(\.data|\.bss|\*COM\*)/) next
			sub(/\.[0-9]+$/, "", name); sub(/^.*\./, "", name)
			print obj, name
		}' | sort -u
}

test_expect_success 'the library and the shipped binary hold no CAIRN_TEST_ string' '
	for f in libcairn.a libcairn.so "$(basename "$SHIPPED")"
	do
		test -f "$CAIRN_BUILD/$f"
		if grep -a -l CAIRN_TEST_ "$CAIRN_BUILD/$f" >found
		then
			echo "$f holds CAIRN_TEST_" >&9
			false
		fi
	done
	grep -a -q CAIRN_TEST_FAULT "$CAIRN_CLI"
'

test_expect_success 'the shipped cairn ignores CAIRN_TEST_FAULT, the test build fails as asked' '
	echo hello >f
	CAIRN_TEST_FAULT=1:EIO "$SHIPPED" put f >out
	test_line_count -eq 1 out
	cairn cat -p "$(cat out)" >back
	test_cmp f back
	echo other >g
	test_must_fail --status=3 env CAIRN_TEST_FAULT=1:EIO "$CAIRN_CLI" put g 2>err
	test_stderr_one_line err
	grep "Input/output error" err
	"$CAIRN_CLI" put g >out
	test_line_count -eq 1 out
'

test_expect_success 'the shipped cairn ignores CAIRN_TEST_REF_SLEEP' '
	A=$(echo one | cairn put --stdin)
	test_timeout 60 env CAIRN_TEST_REF_SLEEP=600000 "$SHIPPED" ref set x "$A"
	test "$(cairn ref get x)" = "$A"
'

test_expect_success OBJDUMP 'the writable static data of libcairn.a is the reviewed list' '
	printf "%s\n" "$ALLOWED" >allowed
	writable_data "$CAIRN_BUILD/libcairn.a" >found
	test -s found
	if ! comm -23 found allowed >new ||
		test -s new
	then
		echo "not reviewed (see the list in $TEST_NAME):" >&9
		cat new >&9
		false
	fi
'

test_done
