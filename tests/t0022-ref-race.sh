#!/bin/sh
# t0022-ref-race: compare-and-swap under contention (no lost update), a
# lock left by a killed process is taken over, and a lock held by a live
# process makes others wait up to core.lockTimeout and then exit 4.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317,SC2034
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# The lost-update test: WORKERS processes each make ITERS successful
# increments of one counter.
WORKERS=8
ITERS=200

# Sub-second sleeps where sleep(1) takes fractions (GNU, busybox, BSD).
if sleep 0.01 2>/dev/null
then
	test_set_prereq FRACSLEEP
fi
# Millisecond clock (GNU date).
case $(date +%s%N 2>/dev/null) in
*[!0-9]*|'') ;;
*) test_set_prereq MSCLOCK ;;
esac
if command -v flock >/dev/null 2>&1
then
	test_set_prereq FLOCK
fi

nap () {
	sleep 0.05 2>/dev/null || sleep 1
}

now_ms () {
	echo $(($(date +%s%N) / 1000000))
}

# wait_for <path> <pid>: until <path> exists (at most about 20 seconds),
# while process <pid> is alive.
wait_for () {
	wf_n_=0
	while ! test -e "$1"
	do
		if ! kill -0 "$2" 2>/dev/null
		then
			echo "process $2 ended before $1 appeared" >&9
			return 1
		fi
		wf_n_=$((wf_n_ + 1))
		if test "$wf_n_" -gt 400
		then
			echo "$1 did not appear" >&9
			return 1
		fi
		nap
	done
}

# no_locks: no lock file is left under refs/.
no_locks () {
	find .cairn/refs -name "*.lock" >locks || return 1
	test_must_be_empty locks
}

obj () {
	printf '%s\n' "$1" | cairn put --stdin
}

# incrementer <w>: ITERS increments of ref "counter": read it (id and
# content in one `cat --batch`), store "counter <n+1>\nprev <old id>\n",
# and move the ref with --old.  A lost race (exit 1) or a busy lock
# (exit 4) is retried after a short back-off; anything else is an error,
# written to err.<w>.  Each acknowledged new value is appended to
# acked.<w>.  Every 20 increments the worker also flushes.
incrementer () {
	in_w_=$1
	in_done_=0
	in_tries_=0
	in_fails_=0
	: >"acked.$in_w_"
	while test "$in_done_" -lt "$ITERS"
	do
		in_tries_=$((in_tries_ + 1))
		if ! echo counter | cairn cat --batch >"cur.$in_w_" 2>>"err.$in_w_"
		then
			echo "worker $in_w_: cat --batch failed" >>"err.$in_w_"
			return 1
		fi
		in_old_=''
		in_type_=''
		in_key_=''
		in_n_=''
		{
			read -r in_old_ in_type_ in_size_ || :
			read -r in_key_ in_n_ || :
		} <"cur.$in_w_"
		if test "$in_type_" = missing
		then
			# The ref named an object this reader could not
			# find (a separate test below covers this); it is
			# not what this test is about, so read again.
			echo "$in_tries_" >>"stale.$in_w_"
			continue
		fi
		if test "$in_type_" != blob || test "$in_key_" != counter
		then
			echo "worker $in_w_: bad value read:" >>"err.$in_w_"
			cat "cur.$in_w_" >>"err.$in_w_"
			return 1
		fi
		printf 'counter %d\nprev %s\n' $((in_n_ + 1)) "$in_old_" \
			>"new.$in_w_"
		if ! cairn put "new.$in_w_" >"id.$in_w_" 2>>"err.$in_w_"
		then
			echo "worker $in_w_: put failed" >>"err.$in_w_"
			return 1
		fi
		read -r in_new_ <"id.$in_w_"
		in_st_=0
		cairn ref set counter "$in_new_" --old "$in_old_" \
			2>"seterr.$in_w_" || in_st_=$?
		case $in_st_ in
		0)
			echo "$in_new_" >>"acked.$in_w_"
			in_done_=$((in_done_ + 1))
			in_fails_=0
			# A flush now and then keeps the WAL, which every
			# process reads when it opens the repository, short;
			# and it runs alongside the ref updates of the others.
			if test $((in_done_ % 20)) = 0
			then
				in_fst_=0
				cairn flush 2>"flusherr.$in_w_" || in_fst_=$?
				case $in_fst_ in
				0|4) ;;
				*)
					echo "worker $in_w_: flush exited $in_fst_:" >>"err.$in_w_"
					cat "flusherr.$in_w_" >>"err.$in_w_"
					return 1
					;;
				esac
			fi
			;;
		1|4)
			if test "$in_st_" = 1 &&
				! grep -q "is at .* but expected $in_old_\$" "seterr.$in_w_"
			then
				echo "worker $in_w_: unexpected failure:" >>"err.$in_w_"
				cat "seterr.$in_w_" >>"err.$in_w_"
				return 1
			fi
			# Back off 60 ms more for each failure in a row (at
			# most 600 ms), with a jitter of up to 90 ms that
			# differs per worker and attempt, so that fewer
			# attempts are wasted.
			in_fails_=$((in_fails_ + 1))
			in_ms_=$((in_fails_ * 60 + (in_w_ * 7 + in_tries_ * 3) % 10 * 10))
			test "$in_ms_" -le 600 || in_ms_=600
			if test -n "$FRAC"
			then
				sleep "$(printf "0.%03d" "$in_ms_")"
			fi
			;;
		*)
			echo "worker $in_w_: ref set exited $in_st_:" >>"err.$in_w_"
			cat "seterr.$in_w_" >>"err.$in_w_"
			return 1
			;;
		esac
	done
	echo "$in_tries_" >"tries.$in_w_"
}

# walk_chain <batch output> <final id>: follow prev from the final value.
# Prints "<steps> <final counter>" on success; on any gap, repeat, wrong
# step or unknown id, a message on stderr and status 1.
walk_chain () {
	awk -v final="$2" '
	NF == 3 && $2 == "blob" { id = $1; next }
	$1 == "counter" { counter[id] = $2; next }
	$1 == "prev" { prev[id] = $2; next }
	END {
		cur = final
		steps = 0
		if (!(cur in counter)) {
			print "final value " cur " is not a known value" > "/dev/stderr"
			exit 1
		}
		top = counter[cur]
		while (1) {
			if (cur in seen) {
				print "value " cur " is visited twice" > "/dev/stderr"
				exit 1
			}
			seen[cur] = 1
			if (prev[cur] == "none")
				break
			p = prev[cur]
			if (!(p in counter)) {
				print "gap: " p " (before " cur ") is not a known value" > "/dev/stderr"
				exit 1
			}
			if (counter[p] != counter[cur] - 1) {
				print "counter goes from " counter[p] " to " counter[cur] > "/dev/stderr"
				exit 1
			}
			cur = p
			steps++
		}
		if (counter[cur] != 0) {
			print "the chain starts at counter " counter[cur] > "/dev/stderr"
			exit 1
		}
		print steps + 1, top
	}' "$1"
}

test_expect_success 'no lost update: 8 processes, 200 compare-and-swap increments each' '
	FRAC=
	if test_have_prereq FRACSLEEP
	then
		FRAC=t
	fi
	cairn config core.lockTimeout 60000
	printf "counter 0\nprev none\n" >zero
	cairn put zero >root
	cairn ref set counter "$(cat root)"
	start=$(date +%s)
	pids=
	w=1
	while test "$w" -le "$WORKERS"
	do
		incrementer "$w" &
		pids="$pids $!"
		w=$((w + 1))
	done
	bad=
	for pid in $pids
	do
		wait "$pid" || bad=t
	done
	end=$(date +%s)
	cat tries.* >tries || :
	cat stale.* >stale 2>/dev/null || :
	echo "# $((WORKERS * ITERS)) increments in $((end - start)) s," \
		"$(awk "{ s += \$1 } END { print s }" tries) attempts," \
		"$(wc -l <stale) reads of a missing object"
	cat err.* >errs
	test_must_be_empty errs
	test -z "$bad"
	# Every acknowledged value, each once.
	cat acked.* >acked
	test_line_count = $((WORKERS * ITERS)) acked
	sort acked >sorted
	sort -u acked >unique
	test_cmp sorted unique
	# The final value counts every increment, and the chain back from
	# it visits every value once, counting down by one, to the root.
	cairn ref get counter >final
	cairn cat counter >content
	head -n 1 content >line
	echo "counter $((WORKERS * ITERS))" >expect
	test_cmp expect line
	cat root acked | cairn cat --batch >values
	walk_chain values "$(cat final)" >walked
	echo "$((WORKERS * ITERS + 1)) $((WORKERS * ITERS))" >expect
	test_cmp expect walked
	# The chain holds exactly the acknowledged values and the root.
	awk "NF == 3 && \$2 == \"blob\" { print \$1 }" values | sort >all
	cat root acked | sort >expect
	test_cmp expect all
	no_locks
'

test_expect_success 'a reader finds the object of a ref moved after it opened the repository' '
	A=$(obj one)
	cairn ref set r "$A"
	mkfifo in
	cairn cat --batch-check <in >out 2>err &
	pid=$!
	exec 8>in
	echo r >&8
	# The reader has opened the repository and answered once.
	n=0
	while ! test -s out && test "$n" -lt 200
	do
		nap
		n=$((n + 1))
	done
	B=$(obj "two, stored after the reader opened")
	cairn ref set r "$B" --old "$A"
	echo r >&8
	echo "$B" >&8
	exec 8>&-
	wait "$pid"
	printf "%s blob 4\n%s blob 36\n%s blob 36\n" "$A" "$B" "$B" >expect
	test_cmp expect out
	test_must_be_empty err
'

test_expect_success 'a lock left by a killed process is taken over' '
	A=$(obj one)
	B=$(obj two)
	C=$(obj three)
	cairn ref set x "$A"
	CAIRN_TEST_REF_SLEEP=5000 cairn ref set x "$B" &
	pid=$!
	wait_for .cairn/refs/x.lock "$pid"
	kill -9 "$pid"
	st=0
	wait "$pid" || st=$?
	test "$st" -gt 128
	test_path_is_file .cairn/refs/x.lock
	test "$(cairn ref get x)" = "$A"
	cairn ref set x "$C" 2>err
	test_must_be_empty err
	test "$(cairn ref get x)" = "$C"
	no_locks
'

test_expect_success 'stale locks of a killed transaction are taken over' '
	A=$(obj one)
	B=$(obj two)
	cairn ref set x "$A"
	cairn ref set y/z "$A"
	printf "set x %s %s\nset y/z %s %s\ncreate w %s\n" \
		"$B" "$A" "$B" "$A" "$B" >tx
	CAIRN_TEST_REF_SLEEP=5000 cairn ref update <tx &
	pid=$!
	wait_for .cairn/refs/y/z.lock "$pid"
	wait_for .cairn/refs/x.lock "$pid"
	wait_for .cairn/refs/w.lock "$pid"
	kill -9 "$pid"
	wait "$pid" || :
	printf "%s x\n%s y/z\n" "$A" "$A" >expect
	cairn ref list >out
	test_cmp expect out
	cairn ref update <tx
	printf "%s w\n%s x\n%s y/z\n" "$B" "$B" "$B" >expect
	cairn ref list >out
	test_cmp expect out
	no_locks
'

test_expect_success 'stale lock files with leftover content are taken over' '
	A=$(obj one)
	B=$(obj two)
	cairn ref set x "$A"
	echo garbage >.cairn/refs/x.lock
	echo "$B" >.cairn/refs/new.lock
	cairn ref set x "$B"
	test "$(cairn ref get x)" = "$B"
	cairn ref set --create new "$A"
	test "$(cairn ref get new)" = "$A"
	: >.cairn/refs/x.lock
	cairn ref delete x
	fails_with_1=0
	cairn ref get x || fails_with_1=$?
	test "$fails_with_1" = 1
	no_locks
'

test_expect_success MSCLOCK 'a live holder: others exit 4 after core.lockTimeout; the holder finishes' '
	A=$(obj one)
	B=$(obj two)
	C=$(obj three)
	cairn ref set x "$A"
	cairn ref set y "$A"
	cairn config core.lockTimeout 300
	CAIRN_TEST_REF_SLEEP=4000 cairn ref set x "$B" --old "$A" 2>holder.err &
	pid=$!
	wait_for .cairn/refs/x.lock "$pid"
	t0=$(now_ms)
	st=0
	cairn ref set x "$C" 2>err || st=$?
	t1=$(now_ms)
	echo "# waited $((t1 - t0)) ms"
	test "$st" = 4
	test_stderr_one_line err
	test $((t1 - t0)) -ge 250
	test $((t1 - t0)) -lt 3000
	kill -0 "$pid"
	# Readers are never blocked.
	test "$(cairn ref get x)" = "$A"
	# A transaction that needs the lock changes nothing.
	printf "set y %s\nset x %s\n" "$C" "$C" >tx
	st=0
	cairn ref update <tx 2>err || st=$?
	test "$st" = 4
	test "$(cairn ref get y)" = "$A"
	st=0
	cairn ref delete x 2>err || st=$?
	test "$st" = 4
	wait "$pid"
	test_must_be_empty holder.err
	test "$(cairn ref get x)" = "$B"
	test "$(cairn ref get y)" = "$A"
	no_locks
'

test_expect_success 'a waiter with a long timeout gets the lock when the holder finishes' '
	A=$(obj one)
	B=$(obj two)
	C=$(obj three)
	cairn ref set x "$A"
	cairn config core.lockTimeout 20000
	CAIRN_TEST_REF_SLEEP=1000 cairn ref set x "$B" &
	pid=$!
	wait_for .cairn/refs/x.lock "$pid"
	# The waiter reads the value under the lock: the holder'\''s.
	cairn ref set x "$C" --old "$B"
	wait "$pid"
	test "$(cairn ref get x)" = "$C"
	no_locks
'

test_expect_success FLOCK,MSCLOCK 'while gc holds gc.lock, ref updates exit 4 after the timeout' '
	A=$(obj one)
	B=$(obj two)
	cairn ref set x "$A"
	cairn config core.lockTimeout 300
	flock -x .cairn/gc.lock -c "touch held; sleep 3" &
	pid=$!
	wait_for held "$pid"
	t0=$(now_ms)
	st=0
	cairn ref set x "$B" 2>err || st=$?
	t1=$(now_ms)
	test "$st" = 4
	test_stderr_one_line err
	test $((t1 - t0)) -ge 250
	test $((t1 - t0)) -lt 2500
	test "$(cairn ref get x)" = "$A"
	wait "$pid"
	cairn ref set x "$B"
	test "$(cairn ref get x)" = "$B"
	no_locks
'

test_done
