#!/bin/sh
# t0064-long-writers: long-lived writers (`put --batch` co-processes that
# stay open between records) interleave their commits with each other and
# with short-lived `cairn put` processes.  Every acknowledged object is
# readable by every process, the WAL and the data file never shrink below
# acknowledged content, and fsck finds nothing.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317,SC2034
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

WRITERS=3
ROUNDS=40
LIMIT=60

# manifest_file <key>: the path of the file the manifest names for key.
manifest_file () {
	awk -v k="$1" '$1 == k { print ".cairn/" $2 }' .cairn/manifest
}

# wait_lines <file> <count>: wait (up to $LIMIT s) until file has count lines.
wait_lines () {
	wl_n_=0
	while test "$(wc -l <"$1")" -lt "$2"
	do
		wl_n_=$((wl_n_ + 1))
		test "$wl_n_" -lt $((LIMIT * 100)) || return 1
		sleep 0.01
	done
}

# start_writer <i>: a `put --batch` co-process reading records from the
# FIFO w<i>.in (held open on descriptor 3+i), ids to w<i>.out.
start_writer () {
	mkfifo "w$1.in" || return 1
	: >"w$1.out" || return 1
	{
		sw_rc_=0
		test_timeout "$LIMIT" cairn put --batch <"w$1.in" >"w$1.out" \
			2>"w$1.err" || sw_rc_=$?
		echo "$sw_rc_" >"w$1.rc"
	} &
	eval "exec $((3 + $1))>w$1.in"
}

# record <i> <round>: content of a writer's record in a round
record () {
	printf "writer %s round %s %s\n" "$1" "$2" "$(test_seq 1 $(($2 % 9 + 1)))"
}

test_expect_success "$WRITERS put --batch co-processes and short puts interleave $ROUNDS rounds" '
	cairn config core.walLimit 1073741824 &&
	i=0 &&
	while test $i -lt $WRITERS
	do
		start_writer $i || return 1
		i=$((i + 1))
	done &&
	: >acked &&
	: >bad &&
	wsize=0 dsize=0 wal0=$(manifest_file wal) &&
	k=0 &&
	while test $k -lt $ROUNDS
	do
		w=$((k % (WRITERS + 1))) &&
		record "$w" "$k" >content &&
		if test $w -eq $WRITERS
		then
			cairn put content >>acked 2>>bad ||
			echo "round $k: put failed" >>bad
		else
			n=$(($(wc -l <"w$w.out") + 1)) &&
			len=$(wc -c <content) &&
			eval "{ printf \"blob %s\\n\" $len; cat content; echo; } >&$((3 + w))" &&
			if wait_lines "w$w.out" $n
			then
				tail -n 1 "w$w.out" >>acked
			else
				echo "round $k: writer $w did not acknowledge" >>bad
			fi
		fi &&
		cairn cat --batch-check <acked >check 2>>bad &&
		if grep -v " blob " check >/dev/null
		then
			echo "round $k: missing: $(grep -v " blob " check)" >>bad
		fi &&
		if test "$(manifest_file wal)" = "$wal0"
		then
			ws=$(wc -c <"$(manifest_file wal)") &&
			ds=$(wc -c <"$(manifest_file data)") &&
			if test "$ws" -lt "$wsize" || test "$ds" -lt "$dsize"
			then
				echo "round $k: WAL $wsize -> $ws, data $dsize -> $ds" >>bad
			fi &&
			wsize=$ws dsize=$ds
		fi &&
		k=$((k + 1)) || return 1
	done &&
	i=0 &&
	while test $i -lt $WRITERS
	do
		eval "exec $((3 + i))>&-" &&
		i=$((i + 1))
	done &&
	wait &&
	for i in $(test_seq 0 $((WRITERS - 1)))
	do
		echo 0 >expect_rc &&
		test_cmp expect_rc "w$i.rc" || { cat "w$i.err"; return 1; }
	done &&
	test_line_count = $ROUNDS acked &&
	test_must_be_empty bad &&
	cairn cat --batch-check <acked >check &&
	test_must_fail grep -v " blob " check &&
	cairn fsck
'

test_expect_success 'a writer after a flush by another keeps their objects' '
	echo before >content &&
	cairn put content >before &&
	start_writer 3 &&
	printf "blob 6\nfirst!\n" >&6 &&
	wait_lines w3.out 1 &&
	cairn flush &&
	cairn put before >/dev/null &&
	printf "blob 7\nsecond!\n" >&6 &&
	wait_lines w3.out 2 &&
	exec 6>&- &&
	wait &&
	cat before w3.out >all &&
	cairn cat --batch-check <all >check &&
	test_line_count = 3 check &&
	test_must_fail grep -v " blob " check &&
	cairn fsck
'

test_done
