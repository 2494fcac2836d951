#!/bin/sh
# t0043-gc-fault: I/O failures injected with CAIRN_TEST_FAULT into `gc`, at
# every mutating call in turn, once and persistently, as EIO, ENOSPC and
# short writes.  Each run either fails cleanly (one line on stderr, no
# crash) leaving the old generation whole, or publishes the new one; the
# refs never change; fsck --repair clears whatever the failed attempt left
# and loses nothing; a later gc works.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317,SC2034
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

CAIRN_AUTHOR_NAME=$GIT_AUTHOR_NAME
CAIRN_AUTHOR_EMAIL=$GIT_AUTHOR_EMAIL
CAIRN_AUTHOR_DATE=$GIT_AUTHOR_DATE
CAIRN_COMMITTER_NAME=$GIT_COMMITTER_NAME
CAIRN_COMMITTER_EMAIL=$GIT_COMMITTER_EMAIL
CAIRN_COMMITTER_DATE=$GIT_COMMITTER_DATE
export CAIRN_AUTHOR_NAME CAIRN_AUTHOR_EMAIL CAIRN_AUTHOR_DATE \
	CAIRN_COMMITTER_NAME CAIRN_COMMITTER_EMAIL CAIRN_COMMITTER_DATE

if touch -d '2 hours ago' "$TRASH_DIRECTORY/.touch-d" 2>/dev/null
then
	test_set_prereq TOUCHD
fi

P=$TRASH_DIRECTORY/pristine
MAX_CALLS=300

# snapshot <repo>: every file of the repository with its size, sorted;
# equal for two runs that did the same writes.
snapshot () {
	(cd "$1" && find . -type f -exec wc -c {} + | grep -v ' total$' |
		LC_ALL=C sort -k 2)
}

# make_pristine: $P/repo with commits under refs (some flushed, some only
# in the WAL) and unreachable blobs and trees.  $P/all lists every object,
# $P/reach those the refs reach, $P/unreach the others; $P/<list>.batch
# is what `cat --batch` prints for each list; $P/refs the refs.
make_pristine () {
	mkdir -p "$P/src/sub" "$P/junk" &&
	cairn init "$P/repo" >/dev/null &&
	R=$P/repo || return 1
	for mp_i_ in 1 2 3 4 5 6
	do
		echo "file $mp_i_" >"$P/src/f$mp_i_" || return 1
	done
	test_seq 1 200 >"$P/src/sub/numbers" &&
	mp_t1_=$(cairn -r "$R" put -r "$P/src") &&
	mp_c1_=$(cairn -r "$R" commit -m one "$mp_t1_") &&
	cairn -r "$R" ref set main "$mp_c1_" &&
	echo garbage one >"$P/junk/one" &&
	echo garbage two >"$P/junk/two" &&
	mp_junk_=$(cairn -r "$R" put -r "$P/junk") &&
	cairn -r "$R" flush &&
	echo "file 2, changed" >"$P/src/f2" &&
	mp_t2_=$(cairn -r "$R" put -r "$P/src") &&
	mp_c2_=$(cairn -r "$R" commit -p "$mp_c1_" -m two "$mp_t2_") &&
	cairn -r "$R" ref set main "$mp_c2_" &&
	cairn -r "$R" ref set old "$mp_c1_" &&
	cairn -r "$R" flush &&
	echo "unreachable, in the WAL" | cairn -r "$R" put --stdin >"$P/loose" &&
	echo "file 3, changed" >"$P/src/f3" &&
	mp_t3_=$(cairn -r "$R" put -r "$P/src") &&
	mp_c3_=$(cairn -r "$R" commit -p "$mp_c2_" -m three "$mp_t3_") &&
	cairn -r "$R" ref set wip "$mp_c3_" || return 1
	cairn -r "$R" ref list >"$P/refs" &&
	awk '{ print $1 }' "$P/refs" >"$P/tips" &&
	# Every object: the commits, their trees and the trees' entries.
	printf '%s\n' "$mp_c1_" "$mp_c2_" "$mp_c3_" "$mp_t1_" "$mp_t2_" \
		"$mp_t3_" >"$P/reach.list" || return 1
	for mp_t_ in "$mp_t1_" "$mp_t2_" "$mp_t3_"
	do
		cairn -r "$R" ls "$mp_t_" >ls.out &&
		cairn -r "$R" ls -r "$mp_t_" >>ls.out &&
		awk '{ print $3 }' ls.out >>"$P/reach.list" || return 1
	done
	sort -u "$P/reach.list" >"$P/reach" &&
	cairn -r "$R" ls "$mp_junk_" >ls.out &&
	awk '{ print $3 }' ls.out >"$P/unreach.list" &&
	cat "$P/loose" >>"$P/unreach.list" &&
	echo "$mp_junk_" >>"$P/unreach.list" &&
	sort -u "$P/unreach.list" >"$P/unreach" &&
	sort -u "$P/reach" "$P/unreach" >"$P/all" &&
	test_line_count -gt 12 "$P/reach" &&
	test_line_count -eq 4 "$P/unreach" &&
	cairn -r "$R" cat --batch <"$P/all" >"$P/all.batch" &&
	cairn -r "$R" cat --batch <"$P/reach" >"$P/reach.batch" &&
	! grep " missing\$" "$P/all.batch" &&
	sed -n 's/^data \([^ ]*\) .*/\1/p' "$R/manifest" >"$P/data" &&
	test "$(cairn_stat wal_records -r "$R")" -gt 0
}

# run_gc <fault>: `gc --prune=now` on a fresh copy (run/) of the pristine
# repository, with CAIRN_TEST_FAULT=<fault> (empty: none).  Leaves out, err
# and status.
run_gc () {
	rm -rf run && cp -R "$P/repo" run || return 1
	status=0
	if test -n "$1"
	then
		CAIRN_TEST_FAULT=$1 cairn -r run gc --prune=now >out 2>err ||
			status=$?
	else
		cairn -r run gc --prune=now >out 2>err || status=$?
	fi
	return 0
}

# objects_ok <what>: the state run/ must be in: old (every object there),
# new (the reachable ones there, the others gone).
objects_ok () {
	case $1 in
	old)
		cairn -r run cat --batch <"$P/all" >check 2>check.err &&
		cmp -s "$P/all.batch" check
		;;
	new)
		cairn -r run cat --batch <"$P/reach" >check 2>check.err &&
		cmp -s "$P/reach.batch" check &&
		cairn -r run cat --batch-check <"$P/unreach" >check 2>check.err &&
		test "$(grep -c " missing\$" check)" = "$(wc -l <"$P/unreach")"
		;;
	esac
}

# check_run <what>: after run_gc: no crash; a failure is one line on
# stderr; the repository holds the old generation whole or, if gc got
# past its commit point, the new one; the refs are unchanged; fsck finds
# nothing but leftovers of the attempt, which fsck --repair removes
# without losing anything; a later gc works.
check_run () {
	if test "$status" -ge 126
	then
		echo "$1: crashed or could not run (status $status)" >&2
		cat err >&2
		return 1
	fi
	gen=old
	if test "$(sed -n 's/^data \([^ ]*\) .*/\1/p' run/manifest)" != "$(cat "$P/data")"
	then
		gen=new
	fi
	if test "$status" = 0
	then
		if test "$gen" != new
		then
			echo "$1: gc succeeded but the manifest still names the old data file" >&2
			return 1
		fi
	else
		if ! test_stderr_one_line err
		then
			echo "$1: failed (status $status) without one error line" >&2
			return 1
		fi
		if test -s out
		then
			echo "$1: failed but printed on stdout:" >&2
			cat out >&2
			return 1
		fi
	fi
	if ! objects_ok "$gen"
	then
		echo "$1: status $status, $gen generation, but its objects are not all right:" >&2
		cat check.err >&2
		return 1
	fi
	if ! cairn -r run ref list >refs 2>refs.err || ! cmp -s "$P/refs" refs
	then
		echo "$1: the refs changed or cannot be listed" >&2
		cat refs.err >&2
		return 1
	fi
	# Let leftovers of the attempt look old, as fsck sees them later.
	if test_have_prereq TOUCHD
	then
		find run -type f -exec touch -d '2 hours ago' {} + || return 1
	fi
	cr_fsck_=0
	cairn -r run fsck >fsck.out 2>&1 || cr_fsck_=$?
	if test "$cr_fsck_" != 0 &&
		{ test "$cr_fsck_" != 1 || grep -v -E '^warning (stray|tmp) ' fsck.out >&2; }
	then
		echo "$1: fsck exited $cr_fsck_ after the run:" >&2
		cat fsck.out >&2
		return 1
	fi
	cr_fsck_=0
	cairn -r run fsck --repair >fsck.out 2>&1 || cr_fsck_=$?
	if test "$cr_fsck_" != 0
	then
		echo "$1: fsck --repair exited $cr_fsck_ after the run ($gen generation):" >&2
		cat fsck.out >&2
		return 1
	fi
	if ! cairn -r run fsck >fsck.out 2>&1
	then
		echo "$1: fsck still finds problems after fsck --repair:" >&2
		cat fsck.out >&2
		return 1
	fi
	if ! objects_ok "$gen"
	then
		echo "$1: fsck --repair lost objects" >&2
		return 1
	fi
	if ! cairn -r run gc --prune=now >/dev/null 2>check.err ||
		! objects_ok new ||
		! cairn -r run fsck >/dev/null 2>>check.err
	then
		echo "$1: a later gc failed or lost objects:" >&2
		cat check.err >&2
		return 1
	fi
	return 0
}

# run_checked <n> <mode>: one run with mutating call <n> failing in <mode>
# (EIO, ENOSPC, short; a final + fails every call from <n> on), checked;
# sets clean if gc succeeded leaving the same files as a run without
# faults (so the fault never fired).
run_checked () {
	case $2 in
	*+) rc_spec_=$1+:${2%+} ;;
	*) rc_spec_=$1:$2 ;;
	esac
	run_gc "$rc_spec_" || return 1
	clean=
	if test "$status" = 0
	then
		snapshot run >snap || return 1
		cmp -s snap "$P/gc.snap" && clean=t
	fi
	check_run "gc, CAIRN_TEST_FAULT=$rc_spec_"
}

test_expect_success 'setup: a pristine repository and a gc without faults' '
	mkdir -p "$P" &&
	make_pristine &&
	run_gc "" &&
	test "$status" = 0 &&
	snapshot run >"$P/gc.snap" &&
	check_run "gc without faults" &&
	echo 0 >"$P/gc.calls"
'

test_expect_success 'gc: EIO at each mutating call, counting them' '
	n=1 &&
	bad= &&
	while test "$n" -le "$MAX_CALLS"
	do
		run_checked "$n" EIO || bad="$bad $n"
		test -n "$clean" && break
		n=$((n + 1))
	done &&
	if test -z "$clean"
	then
		echo "still failing after $MAX_CALLS calls" >&2
		false
	fi &&
	echo "gc: $((n - 1)) mutating calls" &&
	test "$n" -gt 5 &&
	echo "$((n - 1))" >"$P/gc.calls" &&
	if test -n "$bad"
	then
		echo "failed checks at calls:$bad" >&2
		false
	fi
'

for mode in EIO+ ENOSPC ENOSPC+ short short+
do
	test_expect_success "gc: $mode at each mutating call" '
		count=$(cat "$P/gc.calls") &&
		test "$count" -gt 0 &&
		n=1 &&
		bad= &&
		while test "$n" -le "$count"
		do
			run_checked "$n" '"$mode"' || bad="$bad $n"
			n=$((n + 1))
		done &&
		run_checked "$n" '"$mode"' &&
		if test -z "$clean"
		then
			echo "a fault at call $n of $count changed something" >&2
			false
		fi &&
		if test -n "$bad"
		then
			echo "failed checks at calls:$bad" >&2
			false
		fi
	'
done

test_expect_success 'a failed gc --dry-run changes nothing' '
	n=1 &&
	while test "$n" -le 5
	do
		rm -rf run && cp -R "$P/repo" run &&
		snapshot run >before &&
		status=0 &&
		CAIRN_TEST_FAULT=$n+:EIO cairn -r run gc --prune=now --dry-run \
			>out 2>err || status=$? &&
		test "$status" -lt 126 &&
		snapshot run >after &&
		test_cmp before after &&
		objects_ok old || return 1
		n=$((n + 1))
	done
'

test_done
