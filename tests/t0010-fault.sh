#!/bin/sh
# t0010-fault: I/O failures injected with CAIRN_TEST_FAULT into `put
# --batch` and `flush`, at every mutating call in turn: each run fails
# with one line on stderr or succeeds, never crashes, and leaves every
# acknowledged object readable and the repository writable.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

P=$TRASH_DIRECTORY/pristine
MAX_CALLS=500

# records <tag> <count>: `put --batch` records of <count> small objects.
records () {
	awk -v tag="$1" -v n="$2" 'BEGIN {
		for (i = 1; i <= n; i++) {
			c = tag " object " i
			if (i % 2 == 0)
				c = c " compressible compressible compressible"
			printf "blob %d\n%s\n", length(c), c
		}
	}'
}

# snapshot <repo>: every file of the repository with its size, sorted;
# equal for two runs that did the same writes.
snapshot () {
	(cd "$1" && find . -type f | LC_ALL=C sort | while IFS= read -r f
	do
		printf '%s %s\n' "$f" "$(wc -c <"$f" | tr -d ' ')"
	done)
}

# make_pristine <name>: a repository with acknowledged objects, six
# flushed into a segment and six in the WAL (so that a flush merges two
# segments), their ids in <name>.ids.
make_pristine () {
	cairn init "$P/$1" >/dev/null || return 1
	records "$1 flushed" 6 >"$P/$1.in1" || return 1
	records "$1 in the WAL" 6 >"$P/$1.in2" || return 1
	cairn -r "$P/$1" put --batch <"$P/$1.in1" >"$P/$1.ids" || return 1
	cairn -r "$P/$1" flush || return 1
	cairn -r "$P/$1" put --batch <"$P/$1.in2" >>"$P/$1.ids" || return 1
	test_line_count "=" 12 "$P/$1.ids"
}

# run_cmd <name> <fault>: the command under test on a fresh copy (run/)
# of pristine <name>, with CAIRN_TEST_FAULT=<fault> (empty: none).
# Leaves out, err and status.
run_cmd () {
	rm -rf run && cp -R "$P/$1" run || return 1
	status=0
	case $1 in
	put)
		if test -n "$2"
		then
			CAIRN_TEST_FAULT=$2 cairn -r run put --batch \
				<"$P/put.new" >out 2>err || status=$?
		else
			cairn -r run put --batch <"$P/put.new" >out 2>err ||
				status=$?
		fi
		;;
	flush)
		if test -n "$2"
		then
			CAIRN_TEST_FAULT=$2 cairn -r run flush >out 2>err ||
				status=$?
		else
			cairn -r run flush >out 2>err || status=$?
		fi
		;;
	esac
	return 0
}

# check_run <name> <what>: after run_cmd: a failure is one line on stderr
# and no crash; every acknowledged object (and what a successful put
# printed) is there; stats works; a later put and flush work.
check_run () {
	if test "$status" -ge 128
	then
		echo "$2: crashed (status $status)" >&2
		return 1
	fi
	if test "$status" != 0 && ! test_stderr_one_line err
	then
		echo "$2: failed (status $status) without one error line" >&2
		return 1
	fi
	cp "$P/$1.ids" want.ids
	if test "$status" = 0 && test "$1" = put
	then
		if ! cmp -s out "$P/put.new.ids"
		then
			echo "$2: succeeded but printed other ids:" >&2
			cat out >&2
			return 1
		fi
		cat out >>want.ids
	fi
	if ! cairn -r run cat --batch-check <want.ids >check 2>check.err
	then
		echo "$2: cat --batch-check failed afterwards:" >&2
		cat check.err >&2
		return 1
	fi
	if grep missing check >&2 || ! test_line_count "=" "$(wc -l <want.ids)" check
	then
		echo "$2: acknowledged objects are missing afterwards" >&2
		return 1
	fi
	if ! cairn -r run stats >/dev/null 2>check.err
	then
		echo "$2: stats failed afterwards:" >&2
		cat check.err >&2
		return 1
	fi
	if ! records "later" 1 | cairn -r run put --batch >/dev/null 2>check.err ||
		! cairn -r run flush 2>>check.err
	then
		echo "$2: put and flush failed afterwards:" >&2
		cat check.err >&2
		return 1
	fi
	return 0
}

# run_checked <name> <n> <mode>: one run with mutating call <n> failing in
# <mode> (EIO, ENOSPC, short; a final + fails every call from <n> on),
# checked; sets clean if it succeeded and left the same files as a run
# without faults (so the fault never fired).
run_checked () {
	case $3 in
	*+) rc_spec=$2+:${3%+} ;;
	*) rc_spec=$2:$3 ;;
	esac
	run_cmd "$1" "$rc_spec" || return 1
	clean=
	if test "$status" = 0
	then
		snapshot run >snap || return 1
		cmp -s snap "$P/$1.snap" && clean=t
	fi
	check_run "$1" "$1, CAIRN_TEST_FAULT=$rc_spec"
}

# fault_count <name>: fail call n = 1, 2, ... with EIO until a run
# succeeds with the fault never firing.  A failure that is tolerated (a
# copy to the data file, a deletion after the commit point) changes the
# files, so it does not end the loop; an EIO that changes nothing and is
# not reported would, and would show as a low count.  The count of calls
# goes to $P/<name>.calls.
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
			test "$fc_n" -gt 3 || {
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

# fault_each <name> <mode>: fail each counted call in turn in <mode>; one
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

test_expect_success 'setup: pristine repositories and fault-free runs' '
	mkdir -p "$P" &&
	make_pristine put &&
	make_pristine flush &&
	records "new" 3 >"$P/put.new" &&
	run_cmd put "" &&
	test "$status" = 0 &&
	test_line_count = 3 out &&
	cp out "$P/put.new.ids" &&
	snapshot run >"$P/put.snap" &&
	check_run put "put without faults" &&
	run_cmd flush "" &&
	test "$status" = 0 &&
	snapshot run >"$P/flush.snap" &&
	cairn_stat index_segments -r run >segs &&
	echo 1 >expect &&
	test_cmp expect segs &&
	check_run flush "flush without faults"
'

for cmd in put flush
do
	test_expect_success "$cmd: EIO at each mutating call, counting them" "
		fault_count $cmd
	"
	for mode in EIO+ ENOSPC ENOSPC+ short short+
	do
		test_expect_success "$cmd: $mode at each mutating call" "
			fault_each $cmd $mode
		"
	done
done

test_expect_success 'an unknown fault specification changes nothing' '
	rm -rf run && cp -R "$P/put" run &&
	records "unknown spec" 2 >in &&
	CAIRN_TEST_FAULT=1:EWHAT cairn -r run put --batch <in >out &&
	test_line_count = 2 out &&
	CAIRN_TEST_FAULT=0:EIO cairn -r run flush &&
	cairn -r run cat --batch-check <out >check &&
	! grep missing check
'

test_done
