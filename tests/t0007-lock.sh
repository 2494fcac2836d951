#!/bin/sh
# The writer lock: a writer that cannot get it within core.lockTimeout
# exits 4 and stores nothing; readers never wait for it; the lock is free
# again once its holder is gone.

. "$(dirname "$0")/lib.sh"

# hold_lock <seconds>: hold the repository's writer lock in the background
# (flock(1) takes the same kind of lock cairn does).  Sets HOLDER.
hold_lock () {
	# -o: the lock stays with flock itself, not with sleep.
	flock -o .cairn/lock sleep "$1" &
	HOLDER=$!
	# Wait until it is held: a non-blocking attempt fails.
	i=0
	while flock -n .cairn/lock true
	do
		i=$((i + 1))
		test "$i" -lt 500 || return 1
		sleep 0.01
	done
}

if ! command -v flock >/dev/null 2>&1
then
	test_skip 'a held writer lock makes put exit 4' 'flock(1) missing'
	test_done
fi

test_expect_success 'a held writer lock makes put exit 4 after the timeout' '
	echo content >file &&
	cairn config core.lockTimeout 200 &&
	hold_lock 5 &&
	start=$(date +%s%N) &&
	test_must_fail --status=4 cairn put file >out 2>err &&
	end=$(date +%s%N) &&
	kill "$HOLDER" &&
	test_must_be_empty out &&
	test_stderr_one_line err &&
	grep "locked" err &&
	test $(( (end - start) / 1000000 )) -ge 200 &&
	test "$(cairn_stat objects)" = 0
'

test_expect_success 'flush waits for the lock too, and readers do not' '
	echo content >file &&
	id=$(cairn put file) &&
	cairn config core.lockTimeout 100 &&
	hold_lock 5 &&
	test_must_fail --status=4 cairn flush 2>err &&
	cairn cat "$id" >got &&
	cairn stats >/dev/null &&
	kill "$HOLDER" &&
	test_cmp file got
'

test_expect_success 'the lock is free again once its holder is gone' '
	echo content >file &&
	cairn config core.lockTimeout 100 &&
	hold_lock 5 &&
	kill -9 "$HOLDER" &&
	wait "$HOLDER" || :
	cairn put file >id &&
	test_line_count = 1 id
'

test_expect_success 'a put waits for a short-lived holder within the timeout' '
	echo content >file &&
	cairn config core.lockTimeout 5000 &&
	hold_lock 0.3 &&
	cairn put file >id &&
	test_line_count = 1 id
'

# hold <file> [-s]: hold a flock on .cairn/<file> (created if missing)
# in the background, exclusive or (-s) shared, until killed.  Sets HOLDER.
hold () {
	flock -o $2 ".cairn/$1" sleep 30 &
	HOLDER=$!
	i=0
	while flock -n ".cairn/$1" true
	do
		i=$((i + 1))
		test "$i" -lt 500 || return 1
		sleep 0.01
	done
}

# Every lock a command waits for says, past the timeout, which process
# holds it (where /proc/locks tells) and since when that process runs.
if test -r /proc/locks
then
	test_expect_success 'a busy lock names its holder: writer lock, gc.lock, ref lock' '
		echo content >file &&
		id=$(cairn put file) &&
		cairn config core.lockTimeout 100 &&
		echo other >file2 &&
		hold lock &&
		test_must_fail --status=4 cairn put file2 2>err &&
		kill "$HOLDER" &&
		test_stderr_one_line err &&
		grep "locked by another writer (waited 100 ms; held by pid $HOLDER, running since 20[0-9-]* [0-9:]* UTC)" err &&
		hold gc.lock -s &&
		test_must_fail --status=4 cairn gc 2>err &&
		kill "$HOLDER" &&
		grep "gc.lock is held by a ref update (waited 100 ms; held by pid $HOLDER, " err &&
		hold refs/main.lock &&
		test_must_fail --status=4 cairn ref set main "$id" 2>err &&
		kill "$HOLDER" &&
		grep "ref .main. is locked by another process (waited 100 ms; held by pid $HOLDER, " err &&
		rm .cairn/refs/main.lock &&
		hold gc.lock &&
		test_must_fail --status=4 cairn ref set main "$id" 2>err &&
		kill "$HOLDER" &&
		grep "refs are locked by gc (waited 100 ms; held by pid $HOLDER, " err
	'
else
	test_skip 'a busy lock names its holder' '/proc/locks missing'
fi

test_done
