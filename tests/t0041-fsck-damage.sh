#!/bin/sh
# t0041-fsck-damage: the damage matrix.  A byte flipped in, or a
# truncation of, each kind of file of a repository (data records below
# and past the watermark, an index segment's entries and bloom filter,
# the manifest, the WAL, a ref): fsck exits 1 without crashing and names
# the damage with the right kind and subject; no damaged object is ever
# printed; `fsck --repair` fixes what is repairable (fsck then exits 0,
# nothing is lost) and still reports what is not.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
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

P=$TRASH_DIRECTORY/pristine

# u64 <file> <offset>: the big-endian 64-bit number there.
u64 () {
	od -An -v -tu1 -j "$2" -N 8 "$1" |
	awk '{ for (i = 1; i <= NF; i++) v = v * 256 + $i } END { print v }'
}

# cut_at <file> <length>: truncate <file> to <length> bytes.
cut_at () {
	dd if=/dev/null of="$1" bs=1 seek="$2" count=0 2>/dev/null &&
	test "$(wc -c <"$1" | tr -d ' ')" = "$2"
}

# setup_pristine: $P/repo, with blobs, trees and commits flushed in two
# segments, and two blobs and a commit (under the ref wip) only in the WAL,
# each in a batch of its own.  $P/ids lists every object, $P/obj/<id>
# holds its content and $P/bobj/<id> what `cat --batch` prints for it,
# $P/batch what `cat --batch` prints for all of them
# and $P/refs the refs.  $P/facts names the files and offsets the cases
# damage.
setup_pristine () {
	mkdir -p "$P/src/many" "$P/src/sub" "$P/obj" "$P/bobj" &&
	cairn init "$P/repo" >/dev/null || return 1
	for sp_i_ in $(test_seq 1 16)
	do
		echo "file number $sp_i_ of the first version" \
			>"$P/src/many/f$sp_i_" || return 1
	done
	test_seq 1 500 >"$P/src/sub/numbers" &&
	printf 'hello\n' >"$P/src/hello" &&
	sp_t1_=$(cairn -r "$P/repo" put -r "$P/src") &&
	sp_c1_=$(cairn -r "$P/repo" commit -m one "$sp_t1_") &&
	cairn -r "$P/repo" ref set main "$sp_c1_" &&
	cairn -r "$P/repo" flush &&
	echo changed >"$P/src/sub/changed" &&
	sp_t2_=$(cairn -r "$P/repo" put -r "$P/src") &&
	sp_c2_=$(cairn -r "$P/repo" commit -p "$sp_c1_" -m two "$sp_t2_") &&
	cairn -r "$P/repo" ref set main "$sp_c2_" &&
	cairn -r "$P/repo" ref set topic/one "$sp_c1_" &&
	cairn -r "$P/repo" flush &&
	echo "unflushed one" | cairn -r "$P/repo" put --stdin >/dev/null &&
	echo "unflushed two" | cairn -r "$P/repo" put --stdin >/dev/null &&
	sp_c3_=$(cairn -r "$P/repo" commit -p "$sp_c2_" -m three "$sp_t2_") &&
	cairn -r "$P/repo" ref set wip "$sp_c3_" &&
	cairn -r "$P/repo" fsck || return 1
	test "$(cairn_stat index_segments -r "$P/repo")" = 2 || return 1

	DATA=$(sed -n 's/^data \([^ ]*\) .*/\1/p' "$P/repo/manifest") &&
	WM=$(sed -n 's/^data [^ ]* \([0-9]*\)$/\1/p' "$P/repo/manifest") &&
	WAL=$(sed -n 's/^wal \([^ ]*\)$/\1/p' "$P/repo/manifest") &&
	SEG=$(sed -n 's/^segment \([^ ]*\) .*/\1/p' "$P/repo/manifest" |
		head -n 1) &&
	test -n "$DATA" && test -n "$WM" && test -n "$WAL" && test -n "$SEG" ||
		return 1
	data_records "$P/repo/$DATA" >"$P/data.records" &&
	data_records "$P/repo/$WAL" >"$P/wal.records" &&
	awk '$2 == 1 { print $4 }' "$P/data.records" | sort -u >"$P/ids" &&
	test_line_count -gt 25 "$P/ids" || return 1
	while read -r sp_id_
	do
		cairn -r "$P/repo" cat "$sp_id_" >"$P/obj/$sp_id_" &&
		echo "$sp_id_" | cairn -r "$P/repo" cat --batch \
			>"$P/bobj/$sp_id_" || return 1
	done <"$P/ids"
	cairn -r "$P/repo" cat --batch <"$P/ids" >"$P/batch" &&
	cairn -r "$P/repo" ref list >"$P/refs" &&
	test_line_count -eq 3 "$P/refs" || return 1

	# The first record of the data file, below the watermark.
	read -r FIRST FIRST_KIND FIRST_STORED FIRST_ID <"$P/data.records" &&
	test "$FIRST" = 16 && test "$FIRST_KIND" = 1 &&
	test "$FIRST_STORED" -gt 2 || return 1
	# The first record at the watermark: the oldest unflushed object.
	WREC_ID=$(awk -v w="$WM" '$1 == w && $2 == 1 { print $4 }' "$P/data.records")
	if test -z "$WREC_ID"
	then
		echo "no object record at the watermark $WM" >&9
		return 1
	fi
	# WAL batches: the first record, and the object record of the last
	# batch (the commit under the ref wip).
	WAL_FIRST=$(awk 'NR == 1 && $2 == 1 { print $1 }' "$P/wal.records") &&
	WAL_LAST=$(awk '$2 == 1 { last = $1 } END { print last }' "$P/wal.records") &&
	test -n "$WAL_FIRST" && test "$WAL_LAST" -gt "$WAL_FIRST" || return 1
	awk '$2 == 4' "$P/wal.records" >"$P/wal.commits" &&
	test_line_count -ge 3 "$P/wal.commits" || return 1
	# The segment: entry count, bloom filter offset and its first nonzero
	# byte.
	SEG_N=$(u64 "$P/repo/$SEG" 16) &&
	SEG_B=$(u64 "$P/repo/$SEG" 24) &&
	BLOOM=$((1088 + SEG_N * 40)) &&
	BLOOM_AT=$(od -An -v -tu1 -j "$BLOOM" -N "$SEG_B" "$P/repo/$SEG" |
		awk -v base="$BLOOM" '{ for (i = 1; i <= NF; i++) {
			if ($i != 0 && !done) { print base + n; done = 1 }
			n++ } }') &&
	test -n "$BLOOM_AT" || return 1

	cat >"$P/facts" <<-EOF
	DATA=$DATA
	WM=$WM
	WAL=$WAL
	SEG=$SEG
	FIRST_ID=$FIRST_ID
	FIRST_STORED=$FIRST_STORED
	WREC_ID=$WREC_ID
	WAL_FIRST=$WAL_FIRST
	WAL_LAST=$WAL_LAST
	BLOOM_AT=$BLOOM_AT
	EOF
}

# no_sanitizer <stderr file>...: no sanitizer report in any of them.
no_sanitizer () {
	if grep -l -E 'Sanitizer|runtime error:' "$@" >&9
	then
		echo "a sanitizer reported an error" >&9
		return 1
	fi
}

# reads_ok <repo> <list>: `cat` of every object prints exactly its content
# or fails (nothing on stdout, status below 126).  Sets READ_ALL when every
# object was read; <list> gets the ids that were.
reads_ok () {
	READ_ALL=
	: >"$2"
	ro_status_=0
	cairn -r "$1" cat --batch <"$P/ids" >batch.out 2>batch.err ||
		ro_status_=$?
	no_sanitizer batch.err || return 1
	if test "$ro_status_" -ge 126
	then
		echo "cat --batch crashed (status $ro_status_)" >&9
		return 1
	fi
	if test "$ro_status_" = 0 && cmp -s "$P/batch" batch.out
	then
		READ_ALL=t
		cp "$P/ids" "$2"
		return 0
	fi
	ro_failed_=0
	while read -r ro_id_
	do
		ro_status_=0
		cairn -r "$1" cat "$ro_id_" >cat.out 2>cat.err || ro_status_=$?
		no_sanitizer cat.err || return 1
		if test "$ro_status_" = 0
		then
			cmp -s "$P/obj/$ro_id_" cat.out || {
				echo "cat $ro_id_ printed wrong content" >&9
				return 1
			}
			echo "$ro_id_" >>"$2"
			continue
		fi
		ro_failed_=$((ro_failed_ + 1))
		if test "$ro_status_" -ge 126
		then
			echo "cat $ro_id_ crashed (status $ro_status_)" >&9
			return 1
		fi
		test_must_be_empty cat.out || {
			echo "cat $ro_id_ failed but printed something" >&9
			return 1
		}
	done <"$P/ids"
	# The same in batch mode, one object at a time: its record, a
	# "missing" line or a failure that prints nothing.
	while read -r ro_id_
	do
		ro_status_=0
		echo "$ro_id_" | cairn -r "$1" cat --batch >cat.out 2>cat.err ||
			ro_status_=$?
		no_sanitizer cat.err || return 1
		if test "$ro_status_" -ge 126
		then
			echo "cat --batch of $ro_id_ crashed (status $ro_status_)" >&9
			return 1
		fi
		cmp -s "$P/bobj/$ro_id_" cat.out && continue
		if test "$ro_status_" = 0
		then
			echo "$ro_id_ missing" >cat.missing &&
			cmp -s cat.missing cat.out && continue
		else
			test -s cat.out || continue
		fi
		echo "cat --batch of $ro_id_ printed something wrong" >&9
		return 1
	done <"$P/ids"
	test "$ro_failed_" = 0 && READ_ALL=t
	return 0
}

# damage <how> <file> <offset>: flip the byte at, or truncate at, <offset>
# in r/<file>.
damage () {
	case $1 in
	flip) flip_byte "r/$2" "$3" ;;
	cut) cut_at "r/$2" "$3" ;;
	*) return 1 ;;
	esac
}

# check_case <how> <file> <offset> <kind> <subject ERE> <repairable|lost>:
# on a fresh copy r of the pristine repository, damage <file>, then:
# fsck exits 1 and reports <kind> for <subject>; cat never prints a damaged
# object; fsck --repair then leaves a clean repository with every object
# and ref (repairable) or still reports <kind> <subject> as an error and
# can still read whatever could be read before (lost).
check_case () {
	. "$P/facts" || return 1
	rm -rf r && cp -R "$P/repo" r || return 1
	cc_file_=$(eval "echo \"$2\"") &&
	cc_off_=$(eval "echo \$(($3))") &&
	cc_subject_=$(eval "echo \"$5\"") || return 1
	damage "$1" "$cc_file_" "$cc_off_" || return 1

	cc_status_=0
	cairn -r r fsck >fsck.out 2>fsck.err || cc_status_=$?
	no_sanitizer fsck.err || return 1
	if test "$cc_status_" != 1
	then
		echo "fsck exited $cc_status_, not 1, on $1 $cc_file_ at $cc_off_" >&9
		cat fsck.out fsck.err >&9
		return 1
	fi
	if ! grep -E "^(error|warning) $4 $cc_subject_: " fsck.out >/dev/null
	then
		echo "fsck does not report '$4 $cc_subject_' for $1 $cc_file_ at $cc_off_:" >&9
		cat fsck.out >&9
		return 1
	fi
	reads_ok r readable.before || return 1

	cc_status_=0
	cairn -r r fsck --repair >repair.out 2>repair.err || cc_status_=$?
	no_sanitizer repair.err || return 1
	cc_after_=0
	cairn -r r fsck >after.out 2>after.err || cc_after_=$?
	no_sanitizer after.err || return 1
	case $6 in
	repairable)
		if test "$cc_status_" != 0 || test "$cc_after_" != 0
		then
			echo "repairable damage: fsck --repair exited $cc_status_, then fsck $cc_after_:" >&9
			cat repair.out repair.err after.out after.err >&9
			return 1
		fi
		reads_ok r readable.after || return 1
		if test -z "$READ_ALL"
		then
			echo "after the repair, some objects are missing" >&9
			return 1
		fi
		cairn -r r ref list >refs.after &&
		test_cmp "$P/refs" refs.after
		;;
	lost)
		if test "$cc_status_" != 1 || test "$cc_after_" != 1
		then
			echo "lost data: fsck --repair exited $cc_status_, then fsck $cc_after_:" >&9
			cat repair.out repair.err after.out after.err >&9
			return 1
		fi
		if ! grep -E "^error $4 $cc_subject_: " after.out >/dev/null
		then
			echo "after the repair, fsck no longer reports '$4 $cc_subject_':" >&9
			cat after.out >&9
			return 1
		fi
		reads_ok r readable.after || return 1
		# The repair never loses an object that could be read.
		comm -23 readable.before readable.after >lost.by.repair &&
		test_must_be_empty lost.by.repair
		;;
	*)
		return 1
		;;
	esac
}

test_expect_success 'setup: a pristine repository with segments, a WAL and refs' '
	setup_pristine &&
	cat "$P/facts"
'

# Each case: <how>;<file>;<offset>;<kind ERE>;<subject ERE>;<outcome>;<label>.
# Files, offsets and subjects are expanded with the facts of the setup.
CASES=$TRASH_DIRECTORY/cases
cat >"$CASES" <<\EOF
flip;$DATA;16 + 8;data;$DATA@16;lost;a data record header below the watermark
flip;$DATA;16 + 78;data;$DATA@16;lost;a data record header CRC below the watermark
flip;$DATA;16 + 80 + FIRST_STORED / 2;object;$FIRST_ID;lost;a data payload below the watermark
flip;$DATA;WM + 8;data;$DATA@$WM;repairable;a data record header past the watermark
flip;$DATA;WM + 80 + 2;(object|data);($DATA@$WM|$WREC_ID);repairable;a data payload past the watermark
flip;$SEG;1088 + 40 + 5;index;$SEG;repairable;an index entry id
flip;$SEG;1088 + 40 * 2 + 39;index;$SEG;repairable;an index entry offset
flip;$SEG;BLOOM_AT;bloom;$SEG;repairable;a bloom filter byte
flip;manifest;20;manifest;manifest;repairable;the manifest
flip;$WAL;4;wal;$WAL;repairable;the WAL file header
flip;$WAL;WAL_FIRST + 80 + 2;wal;$WAL(@[0-9]+)?;repairable;the first WAL batch
flip;$WAL;WAL_LAST + 80 + 2;wal;$WAL(@[0-9]+)?;repairable;the last WAL batch
flip;refs/main;3;ref;main;lost;a ref file
cut;$DATA;0;data;$DATA;lost;the data file at 0
cut;$DATA;WM / 2;data;$DATA(@[0-9]+)?;lost;the data file in the middle
cut;$DATA;$(wc -c <r/$DATA) - 1;data;$DATA(@[0-9]+)?;repairable;the data file at its end - 1
cut;$SEG;0;index;$SEG;repairable;an index segment at 0
cut;$SEG;$(wc -c <r/$SEG) / 2;index;$SEG;repairable;an index segment in the middle
cut;$SEG;$(wc -c <r/$SEG) - 1;index;$SEG;repairable;an index segment at its end - 1
cut;manifest;0;manifest;manifest;repairable;the manifest at 0
cut;manifest;$(wc -c <r/manifest) / 2;manifest;manifest;repairable;the manifest in the middle
cut;manifest;$(wc -c <r/manifest) - 1;manifest;manifest;repairable;the manifest at its end - 1
cut;$WAL;0;wal;$WAL;repairable;the WAL at 0
cut;$WAL;$(wc -c <r/$WAL) / 2;wal;$WAL(@[0-9]+)?;repairable;the WAL in the middle
cut;$WAL;$(wc -c <r/$WAL) - 1;wal;$WAL(@[0-9]+)?;repairable;the WAL at its end - 1
cut;refs/main;0;ref;main;lost;a ref file at 0
cut;refs/main;32;ref;main;lost;a ref file in the middle
cut;refs/main;$(wc -c <r/refs/main) - 1;ref;main;lost;a ref file at its end - 1
EOF

while IFS=';' read -r how file off kind subject outcome label
do
	case $how in
	flip) what="flipped byte in $label" ;;
	*) what="truncation of $label" ;;
	esac
	test_expect_success "$what: fsck names it; --repair: $outcome" "
		check_case $how '$file' '$off' '$kind' '$subject' $outcome
	"
done <"$CASES"

test_expect_success 'a flipped index entry id: the object it named is reported unindexed, at its offset' '
	. "$P/facts" &&
	rm -rf r && cp -R "$P/repo" r &&
	damage flip "$SEG" $((1088 + 40 + 5)) &&
	st_=0 &&
	{ cairn -r r fsck >fsck.out 2>fsck.err || st_=$?; } &&
	test "$st_" = 1 &&
	no_sanitizer fsck.err &&
	grep -E "^error index [0-9a-f]+: object at $DATA@[0-9]+ is not indexed$" \
		fsck.out >unindexed &&
	test_line_count -eq 1 unindexed &&
	cairn -r r fsck --repair >repair.out 2>repair.err &&
	cairn -r r fsck >after.out 2>after.err &&
	! grep "not indexed" after.out
'

test_done
