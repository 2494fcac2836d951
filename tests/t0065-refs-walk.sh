#!/bin/sh
# t0065-refs-walk: the walk of refs/ sees every ref or says why it cannot.
# A valid name of any depth (70 components) is set, listed, read and kept
# by gc; what is no ref (a directory that cannot be read, a symbolic link,
# a FIFO, a file whose name no ref may have) makes `ref list` print every
# good ref and then fail with the reason (exit 3), and makes gc stop
# before it removes anything (exit 3), so that nothing a ref reaches is
# lost while the root set is incomplete.  A "<ref>.lock" is no ref and no
# problem.  Nothing outside refs/ is read through a link.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

if command -v mkfifo >/dev/null 2>&1
then
	test_set_prereq FIFO
fi
if test "$(id -u)" = 0
then
	test_nobody_check
else
	test_set_prereq NOTROOT
fi

# deep_name: a valid ref name of 70 components.
deep_name () {
	test_seq 1 70 | sed 's/^/d/' | tr '\n' '/' | sed 's,/$,,'
}

# setup_two: blobs A (reached by main) and B (by a deep ref), in .cairn.
setup_two () {
	echo reached by main >a &&
	echo reached by the deep ref >b &&
	A=$(cairn put a) && B=$(cairn put b) &&
	cairn ref set main "$A" && cairn flush >/dev/null
}

test_expect_success 'a ref 70 components deep is set, listed, read and kept by gc' '
	setup_two &&
	DEEP=$(deep_name) &&
	cairn ref set "$DEEP" "$B" &&
	test "$(cairn ref get "$DEEP")" = "$B" &&
	cairn ref list >list &&
	grep -qxF "$B $DEEP" list &&
	test_line_count -eq 2 list &&
	cairn gc --prune=now >/dev/null &&
	test "$(cairn cat "$B")" = "reached by the deep ref" &&
	cairn ref delete "$DEEP" &&
	cairn ref list >list &&
	test_line_count -eq 1 list
'

test_expect_success 'a stale <ref>.lock is neither a ref nor a problem' '
	setup_two &&
	echo "$B" >.cairn/refs/main.lock &&
	cairn ref list >list &&
	test_line_count -eq 1 list &&
	cairn gc --prune=now >/dev/null &&
	test_must_fail --status=1 cairn cat -e "$B" &&
	rm .cairn/refs/main.lock
'

# no_ref_problem <what>: after setup_two and with the damage made, ref
# list lists main then fails (exit 3, one line), gc --prune=now stops
# (exit 3, one line) and both blobs are still there.
no_ref_problem () {
	test_must_fail --status=3 test_timeout 10 cairn ref list >list 2>err &&
	test_stderr_one_line err &&
	grep -q "$1" err &&
	grep -qxF "$A main" list &&
	test_must_fail --status=3 test_timeout 10 cairn gc --prune=now \
		>out 2>err &&
	test_stderr_one_line err &&
	grep -q "$1.*nothing was removed" err &&
	test "$(cairn cat "$A")" = "reached by main" &&
	test "$(cairn cat "$B")" = "reached by the deep ref"
}

test_expect_success 'a symbolic link in refs/ stops gc, whatever it names' '
	setup_two &&
	mkdir -p outside/heads &&
	echo "$B" >outside/heads/x &&
	ln -s "$PWD/outside/heads" .cairn/refs/heads &&
	no_ref_problem "symbolic link" &&
	test "$(cat outside/heads/x)" = "$B" &&
	rm .cairn/refs/heads
'

test_expect_success FIFO 'a FIFO in refs/ stops gc and blocks nothing' '
	setup_two &&
	mkfifo .cairn/refs/pipe &&
	no_ref_problem "not a regular file" &&
	rm .cairn/refs/pipe
'

test_expect_success 'a file in refs/ whose name no ref may have stops gc' '
	setup_two &&
	echo "$B" >".cairn/refs/bad..name" &&
	no_ref_problem "not a valid ref name" &&
	rm ".cairn/refs/bad..name"
'

test_expect_success 'a malformed ref stops gc; the good ones are listed' '
	setup_two &&
	echo garbage >.cairn/refs/broken &&
	no_ref_problem "malformed" &&
	rm .cairn/refs/broken
'

test_expect_success 'a missing refs/ stops gc' '
	setup_two &&
	mv .cairn/refs refs.moved &&
	test_must_fail --status=3 cairn gc --prune=now 2>err &&
	test_stderr_one_line err &&
	test "$(cairn cat "$A")" = "reached by main" &&
	mv refs.moved .cairn/refs
'

# unreadable_case <owner> <who...>: refs/tags (holding the deep ref) mode
# 000, the repository owned by <owner> (or left alone if empty), and gc
# run by <who...>.
unreadable_case () {
	uc_owner_=$1 &&
	shift &&
	setup_two &&
	cairn ref set "tags/$(deep_name)" "$B" &&
	{ test -z "$uc_owner_" || chown -R "$uc_owner_" .cairn; } &&
	chmod 000 .cairn/refs/tags &&
	test_must_fail --status=3 "$@" cairn gc --prune=now 2>err &&
	test_stderr_one_line err &&
	grep -q "refs/tags" err &&
	chmod 755 .cairn/refs/tags &&
	test "$(cairn cat "$B")" = "reached by the deep ref"
}

test_expect_success NOTROOT 'a refs/ directory that cannot be read stops gc' '
	unreadable_case "" env
'

test_expect_success NOBODY 'a refs/ directory nobody can read stops gc run as nobody' '
	unreadable_case nobody:nogroup as_nobody
'

test_expect_success 'a ref listing with a prefix is not failed by problems elsewhere' '
	setup_two &&
	cairn ref set tags/v1 "$B" &&
	echo garbage >.cairn/refs/broken &&
	cairn ref list tags/ >list &&
	grep -qxF "$B tags/v1" list &&
	test_line_count -eq 1 list &&
	rm .cairn/refs/broken
'

test_expect_success FIFO 'a malformed, empty or FIFO ref is set or deleted anew; with --old it is refused' '
	setup_two &&
	echo garbage >.cairn/refs/m &&
	: >.cairn/refs/e &&
	mkfifo .cairn/refs/f &&
	for r in m e f
	do
		test_must_fail --status=3 test_timeout 10 \
			cairn ref set "$r" "$A" --old "$B" 2>err &&
		test_stderr_one_line err || return 1
	done &&
	test "$(cat .cairn/refs/m)" = garbage &&
	test -p .cairn/refs/f &&
	test_timeout 10 cairn ref set m "$A" &&
	test "$(cairn ref get m)" = "$A" &&
	test_timeout 10 cairn ref delete e &&
	test_timeout 10 cairn ref delete f &&
	! test -e .cairn/refs/e && ! test -e .cairn/refs/f &&
	cairn ref list >list &&
	test_line_count -eq 2 list
'

test_expect_success 'stats counts the refs ref list shows, deep ones and x.lockfile too' '
	setup_two &&
	cairn ref set x.lockfile "$A" &&
	cairn ref set "$(deep_name)" "$B" &&
	cairn ref list >list &&
	test_line_count -eq 3 list &&
	test "$(cairn_stat refs)" = 3
'

# Expected: fsck and the listing (so gc) see refs/ through one walk and
# agree on what is wrong: a link or a FIFO named like a lock file is a
# problem for both (fsck once skipped anything named "*.lock"), and a
# real stale lock file is only a warning.
test_expect_success 'fsck and ref list agree on what lies under refs/' '
	test_no_fsck &&
	setup_two &&
	ln -s /etc/passwd .cairn/refs/evil.lock &&
	mkfifo .cairn/refs/pipe.lock &&
	: >.cairn/refs/stale.lock &&
	test_must_fail --status=3 test_timeout 10 cairn ref list >refs.out 2>err &&
	test_line_count -eq 1 refs.out &&
	test_must_fail --status=1 test_timeout 10 cairn fsck >out 2>&1 &&
	grep -Fx "error ref evil.lock: is a symlink" out &&
	grep -Fx "error ref pipe.lock: is not a regular file" out &&
	grep -Fx "warning lock stale.lock: stale lock (its holder is gone)" out &&
	test_must_fail --status=3 test_timeout 10 cairn gc --prune=now 2>err &&
	rm .cairn/refs/evil.lock .cairn/refs/pipe.lock &&
	test_timeout 10 cairn fsck --repair >/dev/null &&
	test_path_is_missing .cairn/refs/stale.lock &&
	test_timeout 10 cairn fsck &&
	cairn ref list >refs.out &&
	test_line_count -eq 1 refs.out
'

test_done
