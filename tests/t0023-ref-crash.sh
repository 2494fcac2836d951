#!/bin/sh
# t0023-ref-crash: I/O failures injected with CAIRN_TEST_FAULT into ref
# updates (set with --old, delete, a transaction of three refs) at every
# mutating call in turn: each run fails with one line on stderr or
# succeeds, every ref holds its old or its new value, and the next update
# works.  And symlinks planted under refs/ are never followed.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

P=$TRASH_DIRECTORY/pristine
MAX_CALLS=200

if cairn help fsck >/dev/null 2>&1
then
	test_set_prereq FSCK
fi

# snapshot <repo>: every file and directory of the repository, with the
# size and checksum of files, sorted.
snapshot () {
	(cd "$1" && find . | LC_ALL=C sort &&
		find . -type f -exec cksum {} + | LC_ALL=C sort)
}

# refs_of <repo>: "<name> <id>" for every ref, by name.
refs_of () {
	cairn -r "$1" ref list | awk '{ print $2, $1 }'
}

# The commands under test, each on a copy of the pristine repository,
# where refs a, b, c are at $A, $B, $C and D, E, F are stored.  For each:
# the refs it touches with their old and new values ("-" for absent).
#
#   set:     ref set a $D --old $A
#   delete:  ref delete b --old $B
#   update:  set a $D $A / create new/sub $E / delete c $C
#   failing: set a $D $A / create n $E / verify c $B  (precondition fails)
run_cmd () {
	rm -rf run && cp -R "$P/repo" run || return 1
	status=0
	case $1 in
	set)
		env ${2:+CAIRN_TEST_FAULT=$2} \
			cairn -r run ref set a "$D" --old "$A" >out 2>err ||
			status=$?
		;;
	delete)
		env ${2:+CAIRN_TEST_FAULT=$2} \
			cairn -r run ref delete b --old "$B" >out 2>err ||
			status=$?
		;;
	update|failing)
		env ${2:+CAIRN_TEST_FAULT=$2} \
			cairn -r run ref update <"$P/$1.tx" >out 2>err ||
			status=$?
		;;
	esac
	return 0
}

# expected <cmd>: lines "<ref> <old> <new>" for every ref of the pristine
# repository and those the command creates.
expected () {
	case $1 in
	set) printf 'a %s %s\nb %s %s\nc %s %s\n' "$A" "$D" "$B" "$B" "$C" "$C" ;;
	delete) printf 'a %s %s\nb %s -\nc %s %s\n' "$A" "$A" "$B" "$C" "$C" ;;
	update) printf 'a %s %s\nb %s %s\nc %s -\nnew/sub - %s\n' \
		"$A" "$D" "$B" "$B" "$C" "$E" ;;
	failing) printf 'a %s %s\nb %s %s\nc %s %s\nn - -\n' \
		"$A" "$A" "$B" "$B" "$C" "$C" ;;
	esac
}

# check_refs <cmd> <what>: after run_cmd, every ref holds its old or its
# new value (its new value if the command succeeded), and there is no
# other ref.
check_refs () {
	if ! refs_of run >refs.now 2>refs.err
	then
		echo "$2: ref list failed afterwards:" >&2
		cat refs.err >&2
		return 1
	fi
	expected "$1" >refs.expect || return 1
	if ! awk -v ok="$status" -v what="$2" '
	NR == FNR { old[$1] = $2; new[$1] = $3; next }
	{
		if (!($1 in old)) {
			print what ": unexpected ref " $1 > "/dev/stderr"
			bad = 1
		}
		now[$1] = $2
	}
	END {
		for (r in old) {
			v = (r in now) ? now[r] : "-"
			if (ok == 0 && v != new[r]) {
				print what ": succeeded but " r " is " v ", not " new[r] > "/dev/stderr"
				bad = 1
			} else if (v != old[r] && v != new[r]) {
				print what ": " r " is " v ", neither " old[r] " nor " new[r] > "/dev/stderr"
				bad = 1
			}
		}
		exit bad
	}' refs.expect refs.now
	then
		return 1
	fi
}

# check_run <cmd> <what>: after run_cmd: a failure is one line on stderr
# and no crash; the refs are old or new; then an ordinary update of every
# ref involved succeeds, leaves no lock file, and fsck is happy.
check_run () {
	if test "$status" -ge 128
	then
		echo "$2: crashed (status $status)" >&2
		return 1
	fi
	if test "$status" != 0 && ! test_stderr_one_line err 9>&2
	then
		echo "$2: failed (status $status) without one error line" >&2
		return 1
	fi
	if test "$1" = failing && test "$status" = 0
	then
		echo "$2: a failing precondition was not reported" >&2
		return 1
	fi
	check_refs "$1" "$2" || return 1
	# The next ordinary update of every ref involved works, whatever
	# stale lock the failed run left.
	expected "$1" | awk -v f="$F" '{ print "set", $1, f }' >next.tx ||
		return 1
	if ! cairn -r run ref update <next.tx 2>next.err
	then
		echo "$2: the next update failed:" >&2
		cat next.err >&2
		return 1
	fi
	expected "$1" | awk -v f="$F" '{ print $1, f }' >next.expect
	refs_of run >next.now || return 1
	if ! cmp -s next.expect next.now
	then
		echo "$2: after the next update the refs are:" >&2
		cat next.now >&2
		return 1
	fi
	find run/refs -name '*.lock' >next.locks || return 1
	if test -s next.locks
	then
		echo "$2: lock files remain after the next update:" >&2
		cat next.locks >&2
		return 1
	fi
	if test -n "$HAVE_FSCK" && ! cairn -r run fsck >next.fsck 2>&1
	then
		echo "$2: fsck fails afterwards:" >&2
		cat next.fsck >&2
		return 1
	fi
	return 0
}

# run_checked <cmd> <n> <mode>: one run with mutating call <n> failing in
# <mode> (EIO, ENOSPC, short; a final + fails every call from <n> on),
# checked; sets clean if the run left the same files as a run without
# faults (so the fault never fired).
run_checked () {
	case $3 in
	*+) rc_spec=$2+:${3%+} ;;
	*) rc_spec=$2:$3 ;;
	esac
	run_cmd "$1" "$rc_spec" || return 1
	clean=
	snapshot run >snap || return 1
	if test "$status" = "$(cat "$P/$1.status")" && cmp -s snap "$P/$1.snap"
	then
		clean=t
	fi
	check_run "$1" "$1, CAIRN_TEST_FAULT=$rc_spec"
}

# fault_count <cmd>: fail call n = 1, 2, ... with EIO until a run ends
# as a run without faults does; the count goes to $P/<cmd>.calls.
fault_count () {
	fc_n=1
	fc_bad=
	while test "$fc_n" -le "$MAX_CALLS"
	do
		run_checked "$1" "$fc_n" EIO || fc_bad=t
		if test -n "$clean"
		then
			echo "$1: $((fc_n - 1)) mutating calls"
			echo "$((fc_n - 1))" >"$P/$1.calls"
			test "$fc_n" -gt 2 || {
				echo "$1: too few calls counted" >&2
				return 1
			}
			test -z "$fc_bad"
			return
		fi
		fc_n=$((fc_n + 1))
	done
	echo "$1: still failing after $MAX_CALLS calls" >&2
	return 1
}

# fault_each <cmd> <mode>: fail each counted call in turn in <mode>; one
# past the count, the fault must never fire.
fault_each () {
	fe_count=$(cat "$P/$1.calls") || return 1
	fe_n=1
	fe_bad=
	while test "$fe_n" -le "$fe_count"
	do
		run_checked "$1" "$fe_n" "$2" || fe_bad=t
		fe_n=$((fe_n + 1))
	done
	run_checked "$1" "$fe_n" "$2" || return 1
	if test -z "$clean"
	then
		echo "$1, $2: a fault at call $fe_n of $fe_count changed something" >&2
		return 1
	fi
	test -z "$fe_bad"
}

# The objects, made once: the same content gives the same ids in every
# repository.
make_pristine () {
	mkdir -p "$P" || return 1
	cairn init "$P/repo" >/dev/null || return 1
	A=$(echo apple | cairn -r "$P/repo" put --stdin) &&
	B=$(echo banana | cairn -r "$P/repo" put --stdin) &&
	C=$(echo cherry | cairn -r "$P/repo" put --stdin) &&
	D=$(echo date | cairn -r "$P/repo" put --stdin) &&
	E=$(echo elder | cairn -r "$P/repo" put --stdin) &&
	F=$(echo fig | cairn -r "$P/repo" put --stdin) || return 1
	cairn -r "$P/repo" ref set a "$A" &&
	cairn -r "$P/repo" ref set b "$B" &&
	cairn -r "$P/repo" ref set c "$C" || return 1
	printf 'set a %s %s\ncreate new/sub %s\ndelete c %s\n' \
		"$D" "$A" "$E" "$C" >"$P/update.tx" || return 1
	printf 'set a %s %s\ncreate n %s\nverify c %s\n' \
		"$D" "$A" "$E" "$B" >"$P/failing.tx" || return 1
	printf '%s\n' "$A" "$B" "$C" "$D" "$E" "$F" >"$P/ids"
}

load_ids () {
	{
		read -r A && read -r B && read -r C && read -r D &&
			read -r E && read -r F
	} <"$P/ids"
}

HAVE_FSCK=
if test_have_prereq FSCK
then
	HAVE_FSCK=t
fi

test_expect_success 'setup: pristine repository and fault-free runs' '
	make_pristine
	load_ids
	for cmd in set delete update failing
	do
		run_cmd $cmd ""
		echo "$status" >"$P/$cmd.status"
		snapshot run >"$P/$cmd.snap"
		check_run $cmd "$cmd without faults"
	done
	test "$(cat "$P/set.status")" = 0
	test "$(cat "$P/delete.status")" = 0
	test "$(cat "$P/update.status")" = 0
	test "$(cat "$P/failing.status")" = 1
	run_cmd failing ""
	printf "cairn: ref '\''c'\'' is at %s but expected %s\n" "$C" "$B" >expect
	test_cmp expect err
'

for cmd in set delete update failing
do
	test_expect_success "$cmd: EIO at each mutating call, counting them" "
		load_ids &&
		fault_count $cmd
	"
	for mode in EIO+ ENOSPC ENOSPC+ short short+
	do
		test_expect_success "$cmd: $mode at each mutating call" "
			load_ids &&
			fault_each $cmd $mode
		"
	done
done

# --- symlinks ---

test_expect_success 'a symlink at refs/x.lock is never written through' '
	A=$(echo one | cairn put --stdin)
	B=$(echo two | cairn put --stdin)
	mkdir outside
	echo "precious" >outside/file
	cp outside/file expect
	ln -s "$PWD/outside/file" .cairn/refs/x.lock
	st=0
	cairn ref set x "$A" 2>err || st=$?
	test "$st" -lt 128
	test "$st" = 0 || test_stderr_one_line err
	test_cmp_bin expect outside/file
	test -L .cairn/refs/x.lock || test "$(cairn ref get x)" = "$A"
	# The same with the ref already there, and with --old.
	rm -f .cairn/refs/x.lock
	cairn ref set y "$A"
	ln -s "$PWD/outside/file" .cairn/refs/y.lock
	st=0
	cairn ref set y "$B" --old "$A" 2>err || st=$?
	test "$st" -lt 128
	test_cmp_bin expect outside/file
	test "$st" = 0 || test "$(cairn ref get y)" = "$A"
	# A dangling link: its target is never created.
	rm -f .cairn/refs/y.lock
	ln -s "$PWD/outside/new" .cairn/refs/z.lock
	st=0
	cairn ref set z "$A" 2>err || st=$?
	test "$st" -lt 128
	test_path_is_missing outside/new
	printf "create w %s\n" "$A" >tx
	ln -s "$PWD/outside/new2" .cairn/refs/w.lock
	st=0
	cairn ref update <tx 2>err || st=$?
	test "$st" -lt 128
	test_path_is_missing outside/new2
	rm -f .cairn/refs/*.lock
	ls outside >list
	printf "file\n" >expect
	test_cmp expect list
'

test_expect_success 'a symlink at refs/x is never read or written through' '
	A=$(echo one | cairn put --stdin)
	B=$(echo two | cairn put --stdin)
	mkdir outside
	# The target holds a well-formed ref: reading through the link
	# would give $B.
	echo "$B" >outside/file
	cp outside/file expect
	ln -s "$PWD/outside/file" .cairn/refs/x
	test_must_fail cairn ref get x >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	test_must_fail cairn cat x >out 2>err
	test_must_be_empty out
	# Listed as a problem (exit 3), never as a ref.
	test_must_fail --status=3 cairn ref list >out 2>err
	grep -q "refs/x is a symbolic link" err
	! grep " x\$" out
	st=0
	cairn ref set x "$A" 2>err || st=$?
	test "$st" -lt 128
	test_cmp_bin expect outside/file
	if test "$st" = 0
	then
		# The link itself was replaced.
		test_path_is_file .cairn/refs/x
		! test -L .cairn/refs/x
		test "$(cairn ref get x)" = "$A"
	else
		test_stderr_one_line err
		test -L .cairn/refs/x
	fi
	rm -f .cairn/refs/x
	ln -s "$PWD/outside/file" .cairn/refs/x
	st=0
	cairn ref set x "$A" --old "$B" 2>err || st=$?
	test "$st" != 0
	test "$st" -lt 128
	test_cmp_bin expect outside/file
	st=0
	cairn ref delete x 2>err || st=$?
	test "$st" -lt 128
	test_cmp_bin expect outside/file
	printf "set x %s\n" "$A" >tx
	st=0
	cairn ref update <tx 2>err || st=$?
	test "$st" -lt 128
	test_cmp_bin expect outside/file
	rm -f .cairn/refs/x .cairn/refs/x.lock
	ls outside >list
	echo file >expect
	test_cmp expect list
'

test_expect_success 'a symlinked directory under refs/ is never followed' '
	A=$(echo one | cairn put --stdin)
	B=$(echo two | cairn put --stdin)
	mkdir outside
	echo "$B" >outside/there
	ln -s "$PWD/outside" .cairn/refs/d
	(cd outside && find . -exec ls -ld {} + | sort) >before
	st=0
	cairn ref set d/y "$A" 2>err || st=$?
	test "$st" != 0
	test "$st" -lt 128
	test_stderr_one_line err
	st=0
	cairn ref set d/sub/y "$A" 2>err || st=$?
	test "$st" != 0
	test "$st" -lt 128
	printf "create d/z %s\n" "$A" >tx
	st=0
	cairn ref update <tx 2>err || st=$?
	test "$st" != 0
	test "$st" -lt 128
	# Nor read through.
	test_must_fail cairn ref get d/there >out 2>err
	test_must_be_empty out
	test_must_fail cairn cat d/there >out 2>err
	test_must_be_empty out
	test_must_fail --status=3 cairn ref list >out 2>err
	grep -q "refs/d is a symbolic link" err
	! grep "there" out
	st=0
	cairn ref delete d/there 2>err || st=$?
	test "$st" != 0
	test_path_is_file outside/there
	(cd outside && find . -exec ls -ld {} + | sort) >after
	test_cmp before after
	rm .cairn/refs/d
'

test_expect_success 'a symlinked directory deeper under refs/ is never followed' '
	A=$(echo one | cairn put --stdin)
	mkdir outside
	cairn ref set p/q/r "$A"
	mv .cairn/refs/p/q .cairn/q.saved
	ln -s "$PWD/outside" .cairn/refs/p/q
	st=0
	cairn ref set p/q/s "$A" 2>err || st=$?
	test "$st" != 0
	test "$st" -lt 128
	ls -A outside >list
	test_must_be_empty list
	rm .cairn/refs/p/q
	mv .cairn/q.saved .cairn/refs/p/q
	test "$(cairn ref get p/q/r)" = "$A"
'

test_done
