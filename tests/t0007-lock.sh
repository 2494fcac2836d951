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

test_done
