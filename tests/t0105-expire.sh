#!/bin/sh
# t0105-expire: a cache that stays within its budget.  ref expire by age
# (--older-than), by count (--keep) and both, on globs and prefixes, with
# --dry-run and --json; the age is the time the ref was last set, so a
# ref set again is young again.  gc --max-size on a cache of 50 snapshot
# refs: exactly the newest that fit stay (checked against a copy in which
# one more stays and does not fit), the oldest go, nothing a kept ref
# reaches is removed, and a dry run says what the real run then does;
# --expire limits the candidates; objects kept by the grace period count;
# usage errors.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

export CAIRN_AUTHOR_NAME='A U Thor' CAIRN_AUTHOR_EMAIL=author@example.com \
	CAIRN_COMMITTER_NAME='C O Mitter' CAIRN_COMMITTER_EMAIL=committer@example.com

if command -v python3 >/dev/null 2>&1
then
	test_set_prereq PYTHON
fi

# age_ref <repo> <name> <seconds>: make the ref look set <seconds> ago.
age_ref () {
	touch -d "@$(($(date +%s) - $3))" "$1/refs/$2"
}

# bytes <n> <seed>: n bytes that do not compress, the same for a seed.
bytes () {
	python3 -c 'import random, sys
r = random.Random(int(sys.argv[2]))
sys.stdout.buffer.write(r.randbytes(int(sys.argv[1])))' "$1" "$2"
}

# snapshots <repo> <n>: commits snap/00 .. snap/<n-1>, no parents, each a
# tree of a shared file and one of its own; snap/<i> set (n - i) minutes
# ago, so the higher the number, the newer.
snapshots () {
	mkdir -p snapdir &&
	bytes 20000 1000 >snapdir/common &&
	i=0 &&
	while test "$i" -lt "$2"
	do
		name=$(printf 'snap/%02d' "$i") &&
		bytes 10000 "$i" >snapdir/own &&
		tree=$(cairn -r "$1" put -r snapdir) &&
		commit=$(cairn -r "$1" commit -m "snapshot $i" "$tree") &&
		cairn -r "$1" ref set "$name" "$commit" &&
		age_ref "$1" "$name" $((($2 - i) * 60)) &&
		i=$((i + 1)) || return 1
	done
}

# json_field <file> <key>: a top-level number of a JSON object.
json_field () {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

test_expect_success 'ref expire --older-than takes the refs set before the age' '
	blob=$(echo one | cairn put --stdin) &&
	for i in 1 2 3 4 5
	do
		cairn ref set "snap/$i" "$blob" &&
		age_ref .cairn "snap/$i" $((i * 86400 + 3600)) || return 1
	done &&
	cairn ref set other "$blob" &&
	age_ref .cairn other 864000 &&
	cairn ref expire --older-than=3.days snap/ >out &&
	sed "s/ set .*//" out >names &&
	printf "expired snap/%s $blob:\n" 3 4 5 >expect &&
	test_cmp expect names &&
	grep -q "^expired snap/5 $blob: set 5 days ago, older than 3.days\$" out &&
	cairn ref list >list &&
	printf "$blob %s\n" other snap/1 snap/2 >expect &&
	test_cmp expect list
'

test_expect_success 'ref expire --keep keeps the newest, --dry-run changes nothing' '
	blob=$(echo one | cairn put --stdin) &&
	for i in 1 2 3 4 5
	do
		cairn ref set "c/$i" "$blob" &&
		age_ref .cairn "c/$i" $((i * 60)) || return 1
	done &&
	cairn ref expire --keep=2 --dry-run "c/*" >out &&
	sed "s/:.*//" out >names &&
	printf "would expire c/%s $blob\n" 3 4 5 >expect &&
	test_cmp expect names &&
	grep -q "^would expire c/3 $blob: set 3 minutes ago, not among the newest 2\$" out &&
	cairn ref list c/ >list &&
	test_line_count = 5 list &&
	cairn ref expire --keep=2 "c/*" >out &&
	cairn ref list >list &&
	printf "$blob %s\n" c/1 c/2 >expect &&
	test_cmp expect list &&
	cairn ref expire --keep=2 "c/*" >out &&
	test_must_be_empty out
'

test_expect_success 'ref expire with both keeps the newest and only takes the old' '
	blob=$(echo one | cairn put --stdin) &&
	for i in 1 2 3 4 5 6
	do
		cairn ref set "d/$i" "$blob" &&
		age_ref .cairn "d/$i" $((i * 86400 + 60)) || return 1
	done &&
	cairn ref expire --keep=2 --older-than=4.days d/ >out &&
	sed "s/ set .*//" out >names &&
	printf "expired d/%s $blob:\n" 4 5 6 >expect &&
	test_cmp expect names &&
	cairn ref expire --keep=4 --older-than=1.day d/ >out &&
	test_must_be_empty out &&
	cairn ref list >list &&
	printf "$blob d/%s\n" 1 2 3 >expect &&
	test_cmp expect list
'

test_expect_success 'a ref set again is young again' '
	blob=$(echo one | cairn put --stdin) &&
	cairn ref set e/old "$blob" &&
	cairn ref set e/new "$blob" &&
	age_ref .cairn e/old 7200 &&
	age_ref .cairn e/new 3600 &&
	cairn ref set e/old "$blob" &&
	cairn ref expire --keep=1 e/ >out &&
	grep -q "^expired e/new " out &&
	cairn ref list >list &&
	echo "$blob e/old" >expect &&
	test_cmp expect list
'

test_expect_success 'refs set within one second are told apart' '
	blob=$(echo one | cairn put --stdin) &&
	now=$(($(date +%s) - 10)) &&
	for r in q5:1 q3:2 q1:3 q4:4 q2:5
	do
		cairn ref set "${r%:*}" "$blob" &&
		touch -d "@$now.${r#*:}00000000" ".cairn/refs/${r%:*}" || return 1
	done &&
	cairn ref expire --keep=1 --dry-run "q*" >out &&
	sed "s/ $blob.*//" out >names &&
	printf "would expire q%s\n" 4 1 3 5 >expect &&
	test_cmp expect names
'

test_expect_success PYTHON 'a ref set in the future is 0 seconds old, in text and JSON' '
	blob=$(echo one | cairn put --stdin) &&
	cairn ref set fut "$blob" &&
	touch -d "@$(($(date +%s) + 100000))" .cairn/refs/fut &&
	cairn ref expire --keep=0 --dry-run fut >out &&
	grep -q ": set 0 seconds ago, " out &&
	cairn ref expire --keep=0 --dry-run --json fut >out &&
	python3 -c "import json, sys; e = json.load(open(sys.argv[1]))[\"expired\"][0]; assert e[\"age\"] == 0, e" out
'

test_expect_success 'globs do not cross a slash; other refs stay' '
	blob=$(echo one | cairn put --stdin) &&
	for r in f/a f/b f/deep/c g/a
	do
		cairn ref set "$r" "$blob" &&
		age_ref .cairn "$r" 86400 || return 1
	done &&
	cairn ref expire --older-than=1.hour "f/*" >out &&
	cairn ref list >list &&
	printf "$blob %s\n" f/deep/c g/a >expect &&
	test_cmp expect list &&
	cairn ref expire --older-than=1.hour f/ g/ >out &&
	test_line_count = 2 out &&
	cairn ref list >list &&
	test_must_be_empty list
'

test_expect_success PYTHON 'ref expire --json' '
	blob=$(echo one | cairn put --stdin) &&
	cairn ref set "h/a\"q" "$blob" &&
	cairn ref set h/b "$blob" &&
	age_ref .cairn "h/a\"q" 7200 &&
	age_ref .cairn h/b 60 &&
	cairn ref expire --json --older-than=1.hour h/ >out &&
	python3 - "$blob" out <<-\EOF
	import json, sys, time
	blob, path = sys.argv[1], sys.argv[2]
	o = json.load(open(path))
	assert o["dry_run"] is False, o
	assert len(o["expired"]) == 1, o
	e = o["expired"][0]
	assert e["name"] == "h/a\"q" and e["id"] == blob, e
	assert e["reason"] == "older-than", e
	assert abs(e["time"] - (time.time() - 7200)) < 120, e
	assert 7100 < e["age"] < 7400, e
	EOF
'

test_expect_success '--older-than=never and --keep=0' '
	blob=$(echo one | cairn put --stdin) &&
	cairn ref set k/a "$blob" &&
	age_ref .cairn k/a 86400000 &&
	cairn ref expire --older-than=never k/ >out &&
	test_must_be_empty out &&
	cairn ref expire --keep=0 --dry-run k/ >out &&
	test_line_count = 1 out &&
	cairn ref expire --older-than=now k/ >out &&
	test_line_count = 1 out &&
	test_must_fail --status=1 cairn ref get k/a
'

test_expect_success 'ref expire: usage errors' '
	test_must_fail --status=2 cairn ref expire snap/ 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn ref expire --keep=1 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn ref expire --keep=-1 x 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn ref expire --keep=1x x 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn ref expire --older-than=soon x 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn ref expire --keep=1 "" 2>err &&
	test_stderr_one_line err &&
	cairn ref expire --help >out &&
	grep -q "^usage: cairn ref expire" out &&
	grep -q -- "--older-than" out
'

test_expect_success PYTHON 'gc --max-size keeps exactly the newest snapshots that fit' '
	snapshots .cairn 50 &&
	cairn ref list snap/ >all &&
	test_line_count = 50 all &&
	# The oracle: a copy holding only the newest 20, and one with 21.
	cp -a .cairn c20 &&
	cp -a .cairn c21 &&
	for i in $(test_seq 0 29)
	do
		cairn -r c20 ref delete "$(printf "snap/%02d" "$i")" || return 1
	done &&
	for i in $(test_seq 0 28)
	do
		cairn -r c21 ref delete "$(printf "snap/%02d" "$i")" || return 1
	done &&
	cairn -r c20 gc --prune=now --json >g20 &&
	cairn -r c21 gc --prune=now --json >g21 &&
	k20=$(json_field g20 kept_bytes) &&
	k21=$(json_field g21 kept_bytes) &&
	test "$k21" -gt $((k20 + 10000)) &&
	budget=$((k20 + 100)) &&
	# A dry run says what the real run then does, and changes nothing.
	cairn gc --prune=now --max-size="$budget" --dry-run >dry &&
	cairn ref list snap/ >now &&
	test_cmp all now &&
	cairn gc --prune=now --max-size="$budget" >real &&
	sed "s/^would expire/expired/; s/, would remove/, removed/; s/: set .* ago, /: /" dry >dry.as-real &&
	sed "s/: set .* ago, /: /" real >real.cut &&
	test_cmp dry.as-real real.cut &&
	grep "^expired" real >expired &&
	test_line_count = 30 expired &&
	sed -n "s/^expired \(snap\/[0-9]*\) .*/\1/p" real >expired.names &&
	test_seq 0 29 | while read -r i; do printf "snap/%02d\n" "$i"; done >expect &&
	sort expired.names >actual &&
	test_cmp expect actual &&
	grep -q "over --max-size $budget\$" expired &&
	tail -n 1 real >summary &&
	grep -q "^kept [0-9]* objects ($k20 bytes), removed" summary &&
	cairn ref list snap/ >left &&
	test_line_count = 20 left &&
	# Nothing a kept ref reaches is gone: every snapshot checks out whole.
	while read -r id name
	do
		rm -rf out && cairn get "$name" out &&
		test_cmp snapdir/common out/common &&
		n=${name#snap/} &&
		bytes 10000 "${n#0}" >own.expect &&
		test_cmp own.expect out/own || return 1
	done <left &&
	cairn fsck
'

test_expect_success PYTHON 'gc --max-size: a budget that fits everything expires nothing' '
	snapshots .cairn 5 &&
	cairn gc --prune=now --max-size=1g >out &&
	test_must_fail grep -q expired out &&
	cairn ref list snap/ >left &&
	test_line_count = 5 left &&
	cairn gc --prune=now --max-size=1 --expire=nothing/ >out 2>err &&
	cairn ref list snap/ >left &&
	test_line_count = 5 left &&
	grep -q "^cairn: warning: .* is over 1\$" err
'

test_expect_success PYTHON 'gc --max-size --expire only takes matching refs; --json' '
	snapshots .cairn 6 &&
	cairn ref set keep/me "$(cairn ref get snap/00)" &&
	age_ref .cairn keep/me 999999 &&
	cairn gc --prune=now --max-size=1 --expire="snap/*" --json >out 2>err &&
	grep -q "^cairn: warning:" err &&
	cairn ref list >left &&
	test_line_count = 1 left &&
	grep -q " keep/me\$" left &&
	python3 - out <<-\EOF
	import json, sys
	o = json.load(open(sys.argv[1]))
	assert o["max_size"] == 1, o
	assert o["dry_run"] is False, o
	names = sorted(e["name"] for e in o["expired"])
	assert names == ["snap/%02d" % i for i in range(6)], names
	assert all(e["reason"] == "max-size" for e in o["expired"]), o
	assert o["removed"] > 0, o
	EOF
'

test_expect_success PYTHON 'gc --max-size counts what the grace period keeps' '
	snapshots .cairn 3 &&
	cairn gc --prune=2.weeks.ago --json >all &&
	total=$(json_field all kept_bytes) &&
	cairn gc --max-size=$((total - 1)) --prune=2.weeks.ago >out 2>err &&
	grep -q "^cairn: warning:" err &&
	grep -c "^expired" out >n &&
	echo 3 >expect &&
	test_cmp expect n &&
	cairn gc --prune=now --json >after &&
	test "$(json_field after removed)" -gt 0
'

test_expect_success PYTHON 'gc --max-size deletes no ref when what a ref reaches is damaged' '
	snapshots .cairn 4 &&
	cairn flush &&
	cairn ref list >before &&
	data=$(ls .cairn/objects.*.data) &&
	size=$(wc -c <"$data") &&
	printf "\377\377\377\377" |
		dd of="$data" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null &&
	test_must_fail --status=3 cairn gc --prune=now --max-size=1 --dry-run \
		>out 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=3 cairn gc --prune=now --max-size=1 >out 2>err &&
	test_must_be_empty out &&
	test_stderr_one_line err &&
	cairn ref list >after &&
	test_cmp before after &&
	test_no_fsck
'

# Every mutating call from the n-th on fails: whatever gc --max-size had
# deleted by then is listed, in text and in JSON, and nothing else is gone.
test_expect_success PYTHON 'gc --max-size failing at any point lists every ref it deleted' '
	snapshots .cairn 6 &&
	cairn ref list >before &&
	cp -a .cairn pristine &&
	n=1 &&
	while test "$n" -le 80
	do
		for mode in text json
		do
			rm -rf run && cp -a pristine run &&
			if test "$mode" = json
			then
				json=--json
			else
				json=
			fi &&
			status=0 &&
			CAIRN_TEST_FAULT="$n+:EIO" cairn -r run gc --prune=now \
				--max-size=50000 $json >out 2>err || status=$? &&
			cairn -r run ref list >after &&
			sed "s/^[0-9a-f]* //" before >b.names &&
			sed "s/^[0-9a-f]* //" after >a.names &&
			comm -23 b.names a.names >gone &&
			if test "$mode" = json
			then
				python3 -c "import json, sys
o = json.load(open(sys.argv[1])) if open(sys.argv[1]).read().strip() else {\"expired\": []}
print(\"\n\".join(sorted(e[\"name\"] for e in o[\"expired\"])))" out |
					sed "/^\$/d" >listed
			else
				sed -n "s/^expired \([^ ]*\) .*/\1/p" out | sort >listed
			fi &&
			if ! test_cmp gone listed
			then
				echo "fault at call $n ($mode), exit $status" >&9
				cat err >&9
				return 1
			fi || return 1
		done
		n=$((n + 1))
	done
'

test_expect_success 'gc --max-size: usage errors' '
	for bad in "" x 10x 1kk -1 99999999999999999999 1.5g
	do
		test_must_fail --status=2 cairn gc --max-size="$bad" 2>err &&
		test_stderr_one_line err || return 1
	done &&
	test_must_fail --status=2 cairn gc --expire=snap/ 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn gc --max-size=1m --expire= 2>err &&
	test_stderr_one_line err &&
	cairn gc --max-size=4KiB --dry-run >out &&
	cairn gc --max-size=4k --dry-run >out &&
	cairn gc --max-size=4M --dry-run >out
'

test_done
