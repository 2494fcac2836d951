#!/bin/sh
# t0044-gc-concurrent: gc runs again and again while readers read known
# objects with `cat --batch` and a writer puts objects and points refs at
# them.  No reader ever fails or sees wrong content, no put or ref update
# fails (other than "busy"), every ref ends up pointing at an object with
# the content it was given, and fsck is clean at the end.  fsck --repair
# run while gc writes its new generation removes none of it.

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

# strace that can delay system calls: it makes a race window wide enough
# to hit every time.
if strace -f -qq -o /dev/null -e trace=rename,renameat,renameat2 \
	-e inject=rename,renameat,renameat2:delay_enter=1 true >/dev/null 2>&1
then
	test_set_prereq STRACE
fi

# Each command gets at most LIMIT seconds; gc runs GCS times.
LIMIT=60
GCS=40

# records <tag> <count>: `put --batch` records of <count> objects.
records () {
	awk -v tag="$1" -v n="$2" 'BEGIN {
		for (i = 1; i <= n; i++) {
			c = tag " object " i
			if (i % 5 == 0)
				c = c sprintf("%0" (i % 300 + 1) "d", i)
			printf "blob %d\n%s\n", length(c), c
		}
	}'
}

# reader <ids> <expected output> <stop file> <log>: cat --batch the known
# ids over and over until <stop file> appears; every failure or wrong
# output goes to <log>.  At least two full passes are made.
reader () {
	rd_passes_=0
	while test ! -f "$3" || test "$rd_passes_" -lt 2
	do
		rd_status_=0
		test_timeout "$LIMIT" cairn cat --batch <"$1" >"$4.out" \
			2>"$4.err" || rd_status_=$?
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

# retry <log> <what> <command>...: run the command until it does not say
# busy (exit 4), at most 50 times; a failure goes to <log>.  Prints what
# the command prints on stdout.
retry () {
	rt_log_=$1
	rt_what_=$2
	shift 2
	rt_n_=0
	while :
	do
		rt_status_=0
		test_timeout "$LIMIT" "$@" 2>retry.err || rt_status_=$?
		test "$rt_status_" = 0 && return 0
		rt_n_=$((rt_n_ + 1))
		if test "$rt_status_" != 4 || test "$rt_n_" -ge 50
		then
			echo "$rt_what_: exit $rt_status_ (try $rt_n_)" >>"$rt_log_"
			cat retry.err >>"$rt_log_"
			return 1
		fi
	done
}

# writer <stop file> <log>: until <stop file> appears, put a new blob and
# point the ref w/<n> at it; <log>.made gets "<n> <id>" for each ref set.
writer () {
	wr_n_=0
	: >"$2.made"
	while test ! -f "$1" || test "$wr_n_" -lt 3
	do
		wr_n_=$((wr_n_ + 1))
		echo "written by the writer, number $wr_n_" >wr.content
		wr_id_=$(retry "$2" "put $wr_n_" cairn put wr.content) || continue
		if test -z "$wr_id_"
		then
			echo "put $wr_n_ printed no id" >>"$2"
			continue
		fi
		retry "$2" "ref set w/$wr_n_ $wr_id_" \
			cairn ref set "w/$wr_n_" "$wr_id_" >/dev/null || continue
		echo "$wr_n_ $wr_id_" >>"$2.made"
		if test $((wr_n_ % 4)) = 0
		then
			echo "a second blob of writer step $wr_n_" |
				retry "$2" "put --stdin $wr_n_" \
				cairn put --stdin >/dev/null
		fi
	done
}

# gcs <count> <since> <log>: run gc <count> times, alternately with the
# default grace period and with --prune=@<since>; busy (exit 4) is
# acceptable, any other failure goes to <log>.  <log>.ok counts the gcs
# that ran.
gcs () {
	gc_i_=0
	: >"$3.ok"
	while test "$gc_i_" -lt "$1"
	do
		gc_i_=$((gc_i_ + 1))
		gc_status_=0
		if test $((gc_i_ % 2)) = 0
		then
			test_timeout "$LIMIT" cairn gc --prune=@"$2" >gc.out 2>gc.err ||
				gc_status_=$?
		else
			test_timeout "$LIMIT" cairn gc >gc.out 2>gc.err ||
				gc_status_=$?
		fi
		case $gc_status_ in
		0) echo "$gc_i_" >>"$3.ok" ;;
		4) ;;
		*)
			echo "gc $gc_i_: exit $gc_status_" >>"$3"
			cat gc.err >>"$3"
			;;
		esac
	done
}

test_expect_success 'gc while readers read and a writer puts and sets refs' '
	mkdir d &&
	awk "BEGIN { for (i = 1; i <= 600; i++) {
		f = \"d/f\" i
		printf \"known file %d\\n\", i >f
		if (i % 5 == 0)
			printf \"%0\" (i % 300 + 1) \"d\\n\", i >f
		close(f) } }" &&
	tree=$(cairn put -r d) &&
	commit=$(cairn commit -m base "$tree") &&
	cairn ref set base "$commit" &&
	cairn ls -r "$tree" >ls &&
	awk "{ print \$3 }" ls >known &&
	test_line_count = 600 known &&
	printf "%s\n" "$commit" "$tree" >>known &&
	cairn flush &&
	records "garbage" 300 | cairn put --batch >garbage &&
	cairn cat --batch <known >known.batch &&
	cairn ref list >refs.before &&
	since=$(date +%s) &&
	while test "$(date +%s)" -le "$since"
	do
		sleep 1
	done &&
	since=$(date +%s) &&
	mkdir w g &&
	rm -f stop || exit 1

	# Every object written from here on is within the grace period of
	# --prune=@$since.
	reader known known.batch stop r1.log &
	r1=$!
	reader known known.batch stop r2.log &
	r2=$!
	(cd w && writer "$SCRATCH/stop" "$SCRATCH/w.log") &
	w=$!
	(cd g && gcs "$GCS" "$since" "$SCRATCH/gc.log")
	: >stop
	wait "$r1"
	wait "$r2"
	wait "$w"

	for log in r1.log r2.log w.log gc.log
	do
		if test -s "$log"
		then
			echo "$log:" >&2
			cat "$log" >&2
			return 1
		fi
	done &&
	echo "reader passes: $(cat r1.log.passes) $(cat r2.log.passes)" &&
	echo "refs made: $(wc -l <w.log.made)" &&
	echo "gcs that ran: $(wc -l <gc.log.ok)" &&
	test "$(wc -l <gc.log.ok)" -ge $((GCS / 2)) &&
	test_line_count -ge 3 w.log.made &&
	while read -r n id
	do
		echo "written by the writer, number $n" >expect &&
		cairn cat "w/$n" >got &&
		test_cmp expect got &&
		test "$(cairn ref get "w/$n")" = "$id" || return 1
	done <w.log.made &&
	cairn ref list >refs.after &&
	grep -v " w/" refs.after >refs.kept &&
	test_cmp refs.before refs.kept &&
	awk "{ print \$1 }" refs.after >targets &&
	cairn cat --batch-check <targets >check &&
	! grep " missing\$" check &&
	cairn cat --batch <known >batch &&
	test_cmp_bin known.batch batch &&
	cairn fsck &&
	cairn gc --prune=@"$since" >out &&
	cairn cat --batch-check <garbage >check &&
	test "$(grep -c " missing\$" check)" = 300 &&
	cairn cat --batch <known >batch &&
	test_cmp_bin known.batch batch &&
	cairn fsck
'

# slow_gc <delay in microseconds> <gc argument>...: gc with every rename
# delayed, so that the new generation's files sit unpublished for a while.
slow_gc () {
	sg_delay_=$1
	shift
	# LeakSanitizer cannot run under ptrace.
	ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 \
	strace -f -qq -o /dev/null -e trace=rename,renameat,renameat2 \
		-e inject=rename,renameat,renameat2:delay_enter="$sg_delay_" \
		cairn gc "$@"
}

# new_data_file: wait (at most about 20 seconds) until a data file the
# manifest does not name appears; print its name.
new_data_file () {
	nd_n_=0
	nd_cur_=$(sed -n 's/^data \([^ ]*\) .*/\1/p' .cairn/manifest)
	while test "$nd_n_" -lt 400
	do
		for nd_f_ in .cairn/objects.*.data
		do
			if test -f "$nd_f_" && test "${nd_f_#.cairn/}" != "$nd_cur_"
			then
				echo "${nd_f_#.cairn/}"
				return 0
			fi
		done
		sleep 0.05 2>/dev/null || sleep 1
		nd_n_=$((nd_n_ + 1))
	done
	return 1
}

test_expect_success STRACE 'fsck --repair while gc writes its new generation loses nothing' '
	mkdir d &&
	test_seq 1 40 >d/numbers &&
	echo hello >d/hello &&
	tree=$(cairn put -r d) &&
	commit=$(cairn commit -m base "$tree") &&
	cairn ref set main "$commit" &&
	echo unreachable | cairn put --stdin >garbage &&
	cairn flush &&
	printf "%s\n" "$commit" "$tree" >known &&
	cairn ls "$tree" >ls &&
	awk "{ print \$3 }" ls >>known &&
	cairn cat --batch <known >known.batch || exit 1

	slow_gc 500000 --prune=now >gc.out 2>gc.err &
	gc=$!
	new=$(new_data_file) &&
	echo "gc wrote $new" &&
	fsck_status=0 &&
	cairn fsck --repair >repair.out 2>repair.err || fsck_status=$?
	gc_status=0
	wait "$gc" || gc_status=$?
	cat repair.out repair.err gc.out gc.err &&
	test "$gc_status" = 0 &&
	test "$fsck_status" -lt 126 &&
	cairn cat --batch <known >batch &&
	test_cmp_bin known.batch batch &&
	cairn fsck
'

test_done
