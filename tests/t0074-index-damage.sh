#!/bin/sh
# t0074-index-damage: damage to an index segment never makes a present
# object read as "not found".  A bloom bit cleared, an id byte of an
# entry altered, an entry's offset altered, the trailer checksum altered:
# `cat`, `cat -e`, `cat -t`, `cat --batch` and `--batch-check` exit 3
# with one line naming the segment and suggesting fsck (never exit 1, never
# "missing"); a `put` of the same content stores a copy that reads back;
# fsck reports the segment, `fsck --repair` rebuilds it and everything
# reads again.  Lookups that hit pay nothing: a damaged checksum alone
# leaves present objects readable, and only a miss reports it.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

ABSENT=0000000000000000000000000000000000000000000000000000000000000000

# make_objects: eight blobs f1..f8 stored and flushed into one segment;
# ids (in f order) in ./ids, sorted in ./sorted, the segment's manifest
# name in $SEGNAME and its path in $SEG.
make_objects () {
	for mo_i_ in 1 2 3 4 5 6 7 8
	do
		echo "object $mo_i_" >"f$mo_i_" || return 1
	done
	cairn put f1 f2 f3 f4 f5 f6 f7 f8 >ids &&
	test_line_count -eq 8 ids &&
	cairn flush &&
	LC_ALL=C sort ids >sorted &&
	sed -n 's/^segment \([^ ]*\) .*/\1/p' .cairn/manifest >segs &&
	test_line_count -eq 1 segs &&
	SEGNAME=$(cat segs) &&
	SEG=.cairn/$SEGNAME &&
	test_path_is_file "$SEG"
}

# getbyte <file> <offset>: the byte there, in decimal.
getbyte () {
	od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' '
}

# putbyte <file> <offset> <value>: write one byte in place.
putbyte () {
	# shellcheck disable=SC2059
	printf "$(printf '\\%03o' "$3")" |
	dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# entry_off <id>: the offset of the id's entry in $SEG (sha256 ids: each
# entry is 32 id bytes and an 8-byte offset, after 1088 bytes of header
# and fan-out).
entry_off () {
	eo_n_=$(grep -n "^$1\$" sorted | cut -d: -f1) &&
	test -n "$eo_n_" &&
	echo $((1088 + (eo_n_ - 1) * 40))
}

# hexbyte <id> <i>: byte i of a hex id, in decimal.
hexbyte () {
	echo $((0x$(echo "$1" | cut -c $((2 * $2 + 1))-$((2 * $2 + 2)))))
}

# clear_bloom_bit <id>: clear the first of the id's 7 bloom bits in $SEG
# (core/bloom.h; with 8 keys the filter is one 64-byte block, so the bit
# is (bytes 14..15 of the id) & 511 of the block after the entries).
clear_bloom_bit () {
	cb_p_=$((($(hexbyte "$1" 14) * 256 + $(hexbyte "$1" 15)) & 511)) &&
	cb_at_=$((1088 + 8 * 40 + cb_p_ / 8)) &&
	cb_old_=$(getbyte "$SEG" "$cb_at_") &&
	putbyte "$SEG" "$cb_at_" $((cb_old_ & ~(1 << (cb_p_ % 8)) & 255)) &&
	test "$(getbyte "$SEG" "$cb_at_")" != "$cb_old_"
}

# flip <file> <offset>: invert every bit of the byte there.
flip () {
	fl_old_=$(getbyte "$1" "$2") &&
	putbyte "$1" "$2" $((fl_old_ ^ 255))
}

# reads_corrupt <name>: every way of reading <name> exits 3 with one line
# naming the segment and fsck; batch modes never say "missing".
reads_corrupt () {
	for rc_opt_ in "" -e -t -s -p
	do
		# shellcheck disable=SC2086
		test_must_fail --status=3 cairn cat $rc_opt_ "$1" >out 2>err ||
			return 1
		if ! { test_must_be_empty out &&
			test_stderr_one_line err &&
			grep -F "$SEGNAME" err >/dev/null &&
			grep "cairn fsck" err >/dev/null; }
		then
			echo "cat $rc_opt_ $1:" >&9
			cat err >&9
			return 1
		fi
	done
	for rc_opt_ in --batch --batch-check
	do
		echo "$1" >in &&
		test_must_fail --status=3 cairn cat $rc_opt_ <in >out 2>err &&
		test_stderr_one_line err &&
		grep -F "$SEGNAME" err >/dev/null &&
		! grep missing out || return 1
	done
}

# put_again <f>: storing the same content again succeeds and the object
# then reads back whole.
put_again () {
	cairn put "$1" >out &&
	test_line_count -eq 1 out &&
	cairn cat "$(cat out)" >got &&
	test_cmp_bin "$1" got
}

# repaired: fsck names the segment (exit 1); --repair rebuilds it; then
# fsck is clean, every object reads back and an absent id is just absent.
repaired () {
	test_must_fail --status=1 cairn fsck >out 2>&1 &&
	grep -F "$SEGNAME" out >/dev/null &&
	cairn fsck --repair >out 2>&1 &&
	cairn fsck &&
	all_read &&
	test_must_fail --status=1 cairn cat -e "$ABSENT"
}

# all_read: each of f1..f8 reads back from its id.
all_read () {
	ar_i_=0
	while IFS= read -r ar_id_
	do
		ar_i_=$((ar_i_ + 1))
		cairn cat "$ar_id_" >got && test_cmp_bin "f$ar_i_" got ||
			return 1
	done <ids
}

test_expect_success 'an intact index answers a miss with exit 1 and "missing"' '
	make_objects &&
	test_must_fail --status=1 cairn cat -e "$ABSENT" &&
	test_must_fail --status=1 cairn cat "$ABSENT" 2>err &&
	printf "%s\n%s\n" "$ABSENT" "$(sed -n 1p ids)" >in &&
	cairn cat --batch-check <in >out &&
	grep "^$ABSENT missing\$" out &&
	test_line_count = 2 out &&
	all_read
'

test_expect_success '(a) a bloom bit of a present id cleared: corruption, not absence' '
	make_objects &&
	id=$(sed -n 3p ids) &&
	clear_bloom_bit "$id" &&
	reads_corrupt "$id" &&
	put_again f3 &&
	repaired
'

test_expect_success '(a) a zeroed bloom filter: every present id is corruption' '
	make_objects &&
	dd if=/dev/zero of="$SEG" bs=1 seek=$((1088 + 8 * 40)) count=64 \
		conv=notrunc 2>/dev/null &&
	while IFS= read -r id
	do
		reads_corrupt "$id" || exit 1
	done <ids &&
	repaired
'

test_expect_success '(b) the last id byte of an entry altered: corruption' '
	make_objects &&
	id=$(sed -n 5p ids) &&
	at=$(entry_off "$id") &&
	flip "$SEG" $((at + 31)) &&
	reads_corrupt "$id" &&
	put_again f5 &&
	repaired
'

test_expect_success '(b) the first id byte of an entry altered: corruption, by prefix too' '
	make_objects &&
	id=$(sed -n 2p ids) &&
	at=$(entry_off "$id") &&
	flip "$SEG" "$at" &&
	reads_corrupt "$id" &&
	reads_corrupt "$(echo "$id" | cut -c 1-12)" &&
	put_again f2 &&
	repaired
'

test_expect_success '(c) an entry offset altered to garbage: corruption' '
	make_objects &&
	id=$(sed -n 4p ids) &&
	at=$(entry_off "$id") &&
	flip "$SEG" $((at + 39)) &&
	reads_corrupt "$id" &&
	put_again f4 &&
	repaired
'

test_expect_success '(c) an entry offset set to another object record: corruption' '
	make_objects &&
	id=$(sed -n 6p ids) &&
	other=$(sed -n 7p ids) &&
	at=$(entry_off "$id") &&
	from=$(entry_off "$other") &&
	dd if="$SEG" bs=1 skip=$((from + 32)) count=8 of=off 2>/dev/null &&
	dd if=off of="$SEG" bs=1 seek=$((at + 32)) conv=notrunc 2>/dev/null &&
	reads_corrupt "$id" &&
	cairn cat "$other" >got &&
	test_cmp_bin f7 got &&
	put_again f6 &&
	repaired
'

test_expect_success '(d) the trailer checksum altered: hits read, a miss is corruption' '
	make_objects &&
	size=$(wc -c <"$SEG") &&
	flip "$SEG" $((size - 1)) &&
	all_read &&
	reads_corrupt "$ABSENT" &&
	printf "%s\n%s\n" "$(sed -n 1p ids)" "$ABSENT" >in &&
	test_must_fail --status=3 cairn cat --batch-check <in >out 2>err &&
	test_line_count = 1 out &&
	! grep missing out &&
	grep -F "$SEGNAME" err &&
	put_again f1 &&
	repaired
'

test_expect_success 'a damaged older segment: ids of the newer one read, its own are corruption' '
	make_objects &&
	old=$SEG &&
	oldname=$SEGNAME &&
	echo "newer object" >g &&
	cairn put g >gid &&
	cairn flush &&
	sed -n "s/^segment \([^ ]*\) .*/\1/p" .cairn/manifest >segs &&
	test_line_count = 2 segs &&
	id=$(sed -n 8p ids) &&
	clear_bloom_bit "$id" &&
	cairn cat "$(cat gid)" >got &&
	test_cmp_bin g got &&
	reads_corrupt "$id" &&
	test_must_fail --status=1 cairn fsck >out 2>&1 &&
	grep -F "$oldname" out &&
	cairn fsck --repair &&
	cairn fsck &&
	all_read &&
	cairn cat "$(cat gid)" >got &&
	test_cmp_bin g got
'

test_expect_success 'a flush never merges a damaged segment into an intact one' '
	make_objects && id=$(sed -n 5p ids) && at=$(entry_off "$id") &&
	flip "$SEG" $((at + 31)) &&
	for i in 1 2 3 4 5; do echo "new $i" >"g$i" || exit 1; done &&
	cairn put g1 g2 g3 g4 g5 >/dev/null &&
	test_must_fail --status=3 cairn flush 2>err && grep -F "$SEGNAME" err &&
	reads_corrupt "$id" && repaired
'

test_done
