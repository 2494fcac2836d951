#!/bin/sh
# t0006-concurrency: writers in parallel with each other, with readers and
# with flushes; everything acknowledged is there afterwards, and nobody
# sees an error.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317,SC2034
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

IN=$TRASH_DIRECTORY/in
COUNT=3000
LIMIT=600

# make_set <name> <count>: <count> small distinct files under $IN/<name>,
# listed in $IN/<name>.list.
make_set () {
	mkdir -p "$IN/$1" || return 1
	awk -v dir="$IN/$1" -v set="$1" -v n="$2" 'BEGIN {
		for (i = 1; i <= n; i++) {
			f = dir "/" i
			printf "%s object %d\n", set, i >f
			if (i % 7 == 0)
				printf "%0" (i % 500 + 1) "d\n", i >f
			close(f)
			print f
		}
	}' >"$IN/$1.list"
}

# reader <ids> <expected output> <stop file> <log>: cat --batch the known
# ids over and over until <stop file> appears; every failure or wrong
# output is written to <log>.  At least two full passes are made.
reader () {
	rd_passes_=0
	while test ! -f "$3" || test "$rd_passes_" -lt 2
	do
		rd_status_=0
		test_timeout "$LIMIT" cairn cat --batch <"$1" >"$4.out" 2>"$4.err" ||
			rd_status_=$?
		if test "$rd_status_" != 0
		then
			echo "pass $rd_passes_: cat --batch exited $rd_status_" >>"$4"
			cat "$4.err" >>"$4"
		elif test -s "$4.err"
		then
			echo "pass $rd_passes_: cat --batch wrote to stderr" >>"$4"
			cat "$4.err" >>"$4"
		elif ! cmp -s "$2" "$4.out"
		then
			echo "pass $rd_passes_: cat --batch output differs" >>"$4"
		fi
		rd_passes_=$((rd_passes_ + 1))
	done
	echo "$rd_passes_" >"$4.passes"
}

# writer <list> <name> [<option>...]: put --stdin-paths <list>, leaving
# the ids in <name>.ids, stderr in <name>.err and the status in
# <name>.status.
writer () {
	wr_list_=$1
	wr_name_=$2
	shift 2
	wr_status_=0
	test_timeout "$LIMIT" cairn put "$@" --stdin-paths <"$wr_list_" \
		>"$wr_name_.ids" 2>"$wr_name_.err" || wr_status_=$?
	echo "$wr_status_" >"$wr_name_.status"
}

# flusher <stop file> <log>: cairn flush in a loop until <stop file>
# appears; a busy repository (exit 4) is acceptable, anything else is not.
flusher () {
	fl_n_=0
	while test ! -f "$1"
	do
		fl_status_=0
		test_timeout "$LIMIT" cairn flush 2>>"$2.err" || fl_status_=$?
		case $fl_status_ in
		0|4) ;;
		*) echo "flush exited $fl_status_" >>"$2" ;;
		esac
		fl_n_=$((fl_n_ + 1))
	done
	echo "$fl_n_" >"$2.count"
}

# expect_clean <name>...: each writer exited 0 and wrote nothing to stderr.
expect_clean () {
	for ec_name_
	do
		test "$(cat "$ec_name_.status")" = 0 || {
			echo "$ec_name_ exited $(cat "$ec_name_.status")" >&9
			cat "$ec_name_.err" >&9
			return 1
		}
		test_must_be_empty "$ec_name_.err" || return 1
	done
}

# all_present <ids>: every id is in the repository, as a blob.
all_present () {
	cairn cat --batch-check <"$1" >ap.check || return 1
	awk '$2 != "blob"' ap.check >ap.bad || return 1
	test_must_be_empty ap.bad
}

test_expect_success 'setup: generate inputs and their ids' '
	make_set a "$COUNT"
	make_set b "$COUNT"
	make_set known 300
	for set in a b known
	do
		cairn put -n --stdin-paths <"$IN/$set.list" >"$IN/$set.ids"
		test_line_count = "$(wc -l <"$IN/$set.list")" "$IN/$set.ids"
		sort -u "$IN/$set.ids" >unique
		sort "$IN/$set.ids" >sorted
		test_cmp unique sorted
	done
	cat "$IN/a.ids" "$IN/b.ids" "$IN/known.ids" | sort -u >all
	test_line_count = $((2 * COUNT + 300)) all
'

test_expect_success 'two writers and a reader at once' '
	cairn put --stdin-paths <"$IN/known.list" >known.ids
	test_cmp "$IN/known.ids" known.ids
	cairn flush
	head -n 100 "$IN/b.list" | cairn put --stdin-paths >/dev/null
	cairn cat --batch <known.ids >known.expect
	reader known.ids known.expect stop reader.log &
	rpid=$!
	writer "$IN/a.list" a &
	apid=$!
	writer "$IN/b.list" b &
	bpid=$!
	wait $apid
	wait $bpid
	touch stop
	wait $rpid
	expect_clean a b
	test_path_is_missing reader.log
	test "$(cat reader.log.passes)" -ge 2
	test_cmp "$IN/a.ids" a.ids
	test_cmp "$IN/b.ids" b.ids
	all_present "$IN/a.ids"
	all_present "$IN/b.ids"
	all_present known.ids
	test "$(cairn_stat objects)" = $((2 * COUNT + 300))
'

test_expect_success 'everything is still there after a flush and a reopen' '
	writer "$IN/a.list" a &
	apid=$!
	writer "$IN/b.list" b &
	bpid=$!
	wait $apid
	wait $bpid
	expect_clean a b
	cairn flush
	test "$(cairn_stat wal_records)" = 0
	all_present "$IN/a.ids"
	all_present "$IN/b.ids"
	test "$(cairn_stat objects)" = $((2 * COUNT))
	cat "$IN/a.ids" "$IN/b.ids" >ids
	cairn cat --batch <ids >first
	cairn cat --batch <ids >second
	test_cmp_bin first second
'

test_expect_success 'two writers of the same files store each object once' '
	writer "$IN/a.list" a1 &
	p1=$!
	writer "$IN/a.list" a2 &
	p2=$!
	wait $p1
	wait $p2
	expect_clean a1 a2
	test_cmp "$IN/a.ids" a1.ids
	test_cmp "$IN/a.ids" a2.ids
	test "$(cairn_stat objects)" = "$COUNT"
	all_present "$IN/a.ids"
'

test_expect_success 'writers, readers and flushes at once' '
	cairn put --stdin-paths <"$IN/known.list" >known.ids
	cairn cat --batch <known.ids >known.expect
	flusher stop flush.log &
	fpid=$!
	reader known.ids known.expect stop reader.log &
	rpid=$!
	writer "$IN/a.list" a &
	apid=$!
	writer "$IN/b.list" b &
	bpid=$!
	wait $apid
	wait $bpid
	touch stop
	wait $rpid
	wait $fpid
	expect_clean a b
	test_path_is_missing reader.log
	test_path_is_missing flush.log
	test_cmp "$IN/a.ids" a.ids
	test_cmp "$IN/b.ids" b.ids
	all_present "$IN/a.ids"
	all_present "$IN/b.ids"
	all_present known.ids
	test "$(cairn_stat objects)" = $((2 * COUNT + 300))
	cairn flush
	test "$(cairn_stat wal_records)" = 0
	all_present "$IN/a.ids"
	all_present "$IN/b.ids"
'

test_expect_success 'many short writers at once' '
	split -l 500 "$IN/b.list" part.
	pids=
	for part in part.*
	do
		writer "$part" "w.$part" &
		pids="$pids $!"
	done
	for pid in $pids
	do
		wait "$pid"
	done
	for part in part.*
	do
		expect_clean "w.$part"
		cairn put -n --stdin-paths <"$part" >"$part.expect"
		test_cmp "$part.expect" "w.$part.ids"
	done
	all_present "$IN/b.ids"
	test "$(cairn_stat objects)" = "$COUNT"
'

test_done
