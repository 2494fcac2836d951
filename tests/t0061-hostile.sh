#!/bin/sh
# t0061-hostile: hostile repositories.  A small repository (blobs stored
# raw, deflated and streamed into the data file, a tree, a commit, two
# refs, one segment, three batches left in the WAL) is damaged in a copy:
# one bit flipped at every byte of every file, then every file cut at
# every offset.  For each damaged copy, `cat --batch` of every object and
# ref either prints exactly what the intact repository prints (status 0)
# or fails with one line on stderr after a correct prefix, never prints
# wrong bytes, never crashes; and `fsck` exits non-zero naming the damaged
# file, or the damage leaves a repository that means the same thing and
# the test knows why (each reason is counted and checked).
#
# To keep to about a minute, `make check` damages every byte of the text
# files but steps through the data file, the WAL and the segment (see
# stride).  CAIRN_HOSTILE_FULL=1 (make torture) damages every byte and
# offset, and also runs a plain `cat` of every object and `cat --batch
# --no-verify` on every damaged copy.

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
W=$TRASH_DIRECTORY/work
FIG=$TRASH_DIRECTORY/figures
FULL=${CAIRN_HOSTILE_FULL:-}

# setup_pristine: $P/repo and what the cases compare against: $P/names
# (every object id, then the refs), $P/batch (what `cat --batch` prints
# for them), $P/bobj/<n> and $P/obj/<n> (the batch answer and the plain
# content of the n-th name), $P/files (every file of the repository), and
# $P/facts (shell assignments: file names and record offsets).
setup_pristine () {
	mkdir -p "$P/src" "$P/bobj" "$P/obj" &&
	cairn init "$P/repo" >/dev/null &&
	# The smallest threshold, so that two blobs take the streamed path.
	cairn -r "$P/repo" config core.bigFileThreshold 1024 || return 1
	# raw (does not shrink), deflated, raw and random, streamed.
	printf 'hello\n' >"$P/src/a" &&
	test_seq 1 40 | sed 's/$/ all work and no play/' >"$P/src/b" &&
	printf 'r4nd0m\001\377\000\200 bytes, stored raw: \033[0m\n' \
		>"$P/src/c" &&
	test_seq 1 300 | sed 's/.*/big/' >"$P/src/big" &&
	sp_tree_=$(cairn -r "$P/repo" put -r "$P/src") &&
	sp_commit_=$(cairn -r "$P/repo" commit -m first "$sp_tree_") &&
	cairn -r "$P/repo" ref set main "$sp_commit_" &&
	cairn -r "$P/repo" ref set tags/v1 "$sp_tree_" &&
	cairn -r "$P/repo" flush || return 1
	# Three batches in the WAL: an OBJECT (with its copy in the data
	# file), a POINTER to a streamed object, and a TOUCH of a.
	printf 'more\n' >"$P/m1" &&
	test_seq 1 400 | sed 's/.*/second big/' >"$P/m2" &&
	cairn -r "$P/repo" put "$P/m1" >"$P/ids.wal" &&
	cairn -r "$P/repo" put "$P/m2" >>"$P/ids.wal" &&
	cairn -r "$P/repo" put "$P/src/a" >/dev/null &&
	cairn -r "$P/repo" fsck || return 1
	test "$(cairn_stat index_segments -r "$P/repo")" = 1 || return 1

	cairn -r "$P/repo" ls "$sp_tree_" | cut -f 1 | cut -d ' ' -f 3 \
		>"$P/names" &&
	{ echo "$sp_tree_" && echo "$sp_commit_" &&
		cat "$P/ids.wal" && echo main && echo tags/v1; } >>"$P/names" &&
	test_line_count -eq 10 "$P/names" || return 1
	sp_n_=0
	while read -r sp_name_
	do
		sp_n_=$((sp_n_ + 1))
		cairn -r "$P/repo" cat "$sp_name_" >"$P/obj/$sp_n_" &&
		echo "$sp_name_" | cairn -r "$P/repo" cat --batch \
			>"$P/bobj/$sp_n_" || return 1
	done <"$P/names"
	cairn -r "$P/repo" cat --batch <"$P/names" >"$P/batch" || return 1
	(cd "$P/repo" && find . -type f -size +0 | sed 's|^\./||' | sort) \
		>"$P/files" &&
	config_settings "$P/repo/config" >"$P/settings" &&
	test_line_count -eq 4 "$P/settings" || return 1

	# The layout the reasons below rely on, checked rather than assumed:
	# the data file ends with the copy of the OBJECT of the first WAL
	# batch, the streamed OBJECT, and the copy of the TOUCH; the WAL
	# holds OBJECT+COMMIT, POINTER+COMMIT, TOUCH+COMMIT.
	DATA=$(sed -n 's/^data \([^ ]*\) .*/\1/p' "$P/repo/manifest") &&
	WM=$(sed -n 's/^data [^ ]* \([0-9]*\)$/\1/p' "$P/repo/manifest") &&
	WAL=$(sed -n 's/^wal \([^ ]*\)$/\1/p' "$P/repo/manifest") &&
	data_records "$P/repo/$DATA" >"$P/data.records" &&
	data_records "$P/repo/$WAL" >"$P/wal.records" || return 1
	if grep end "$P/data.records" "$P/wal.records" >&9
	then
		return 1
	fi
	awk -v w="$WM" '$1 >= w { printf "%s/%s ", $2, $1 - w }
		END { print "" }' "$P/data.records" >"$P/data.tail" &&
	echo "0 $(awk '{ printf "%s ", $2 }' "$P/wal.records")" \
		>"$P/wal.kinds" &&
	echo "0 1 4 2 4 3 4 " >"$P/wal.kinds.expect" &&
	test_cmp "$P/wal.kinds.expect" "$P/wal.kinds" || return 1
	read -r sp_m1_ sp_m2_ sp_touch_ sp_more_ <"$P/data.tail" || return 1
	if test -n "$sp_more_" || test "${sp_m1_%/*}" != 1 ||
		test "${sp_m2_%/*}" != 1 || test "${sp_touch_%/*}" != 3
	then
		echo "unexpected records past the watermark: $(cat "$P/data.tail")" >&9
		return 1
	fi
	DSIZE=$(wc -c <"$P/repo/$DATA" | tr -d ' ') &&
	WSIZE=$(wc -c <"$P/repo/$WAL" | tr -d ' ') &&
	{
		echo "DATA=$DATA WAL=$WAL WM=$WM DSIZE=$DSIZE WSIZE=$WSIZE"
		# Start of the streamed OBJECT, of the TOUCH copy, and of the
		# last WAL batch.
		echo "BIG2_AT=$((WM + ${sp_m2_#*/})) TOUCH_AT=$((WM + ${sp_touch_#*/}))"
		echo "WAL_LAST=$((WSIZE - 160))"
		# Where each batch of the WAL begins.
		echo "WAL_BATCHES='16 $(awk '$2 == 4 { printf "%s ", $1 + 80 }' \
			"$P/wal.records")'"
	} >"$P/facts"
}

# The counters of a sweep, kept in the shell and written to $FIG.
counters_reset () {
	n_cases=0 n_right=0 n_failed=0 n_missing=0 n_wrong=0 n_crash=0
	n_fsck_named=0 n_fsck_unnamed=0 n_undetected=0 n_bad=0
	n_obj_right=0 n_obj_failed=0 n_obj_wrong=0
	: >"$T/undetected"
}

counters_save () {
	echo "$1: $n_cases damaged copies; cat --batch: $n_right right," \
		"$n_failed failed, $n_missing with objects reported missing," \
		"$n_wrong wrong; crashes: $n_crash; fsck: $n_fsck_named" \
		"detected and named, $n_fsck_unnamed detected but not named," \
		"$n_undetected undetected (meaning unchanged)" >>"$FIG"
	if test -n "$FULL"
	then
		echo "$1: plain cat of each name: $n_obj_right right," \
			"$n_obj_failed failed, $n_obj_wrong wrong" >>"$FIG"
	fi
	if test -s "$T/undetected"
	then
		sort "$T/undetected" | uniq -c |
			sed "s/^ */$1: undetected, /" >>"$FIG"
	fi
}

# bad <message>: a case broke a rule; keep the damaged copy's outputs.
bad () {
	n_bad=$((n_bad + 1))
	echo "FAIL: $1" >&9
	if test "$n_bad" -le 5
	then
		for bad_f_ in out err fsck
		do
			echo "--- $bad_f_:" >&9
			head -c 2000 "$T/$bad_f_" | od -c | head -n 20 >&9
		done
	fi
}

# one_line_error <file>: exactly one line, "cairn: ...", newline-ended.
one_line_error () {
	ol_first_=
	{ IFS= read -r ol_first_ && ! IFS= read -r _; } <"$1" &&
	case $ol_first_ in
	"cairn: "?*) return 0 ;;
	esac
	return 1
}

# batch_with_missing: what `cat --batch` must print when some names are
# missing: the intact answer of each name that `cat -e` finds, "<name>
# missing" for the others.  Nonzero if a name is neither.
batch_with_missing () {
	bm_n_=0
	: >"$T/expect"
	while read -r bm_name_
	do
		bm_n_=$((bm_n_ + 1))
		if cairn -r "$W" cat -e "$bm_name_" </dev/null 2>/dev/null
		then
			cat "$P/bobj/$bm_n_" >>"$T/expect"
		else
			test "$?" = 1 || return 1
			echo "$bm_name_ missing" >>"$T/expect"
		fi
	done <"$P/names"
}

# check_cat <label>: run `cat --batch` of every name on the damaged copy
# and classify the answer.  Sets cat_right when it is exactly the intact
# answer.
check_cat () {
	cat_right=
	cc_label_=$1
	shift
	if cairn -r "$W" cat "$@" --batch <"$P/names" >"$T/out" 2>"$T/err"
	then
		st_=0
	else
		st_=$?
	fi
	if test "$st_" -ge 128
	then
		n_crash=$((n_crash + 1))
		bad "$cc_label_: cat --batch exited with status $st_"
		return
	fi
	if test "$st_" = 0
	then
		if test -s "$T/err"
		then
			bad "$cc_label_: cat --batch succeeded with output on stderr"
		elif cmp -s "$T/out" "$P/batch"
		then
			n_right=$((n_right + 1))
			cat_right=t
		elif batch_with_missing && cmp -s "$T/out" "$T/expect"
		then
			n_missing=$((n_missing + 1))
		else
			n_wrong=$((n_wrong + 1))
			bad "$cc_label_: cat --batch printed wrong bytes with status 0"
		fi
		return
	fi
	if ! one_line_error "$T/err"
	then
		bad "$cc_label_: cat --batch failed ($st_) without a one-line error"
		return
	fi
	# What was printed before the failure must be right: a prefix of
	# the intact answer (cmp stops at the end of the shorter file).
	if test -s "$T/out" && ! cmp -s "$T/out" "$P/batch"
	then
		cmp "$T/out" "$P/batch" >"$T/cmp" 2>&1
		if ! grep -q "EOF on $T/out" "$T/cmp"
		then
			n_wrong=$((n_wrong + 1))
			bad "$cc_label_: cat --batch printed wrong bytes before failing"
			return
		fi
	fi
	n_failed=$((n_failed + 1))
}

# check_plain <label>: `cat <name>` of every name, each compared with the
# intact content (CAIRN_HOSTILE_FULL only).
check_plain () {
	cp_n_=0
	while read -r cp_name_
	do
		cp_n_=$((cp_n_ + 1))
		if cairn -r "$W" cat "$cp_name_" </dev/null >"$T/out" 2>"$T/err"
		then
			if cmp -s "$T/out" "$P/obj/$cp_n_" && ! test -s "$T/err"
			then
				n_obj_right=$((n_obj_right + 1))
			else
				n_obj_wrong=$((n_obj_wrong + 1))
				bad "$1: cat $cp_name_ printed wrong bytes"
			fi
		else
			cp_st_=$?
			if test "$cp_st_" -ge 128
			then
				n_crash=$((n_crash + 1))
				bad "$1: cat $cp_name_ exited with status $cp_st_"
			elif one_line_error "$T/err"
			then
				n_obj_failed=$((n_obj_failed + 1))
			else
				bad "$1: cat $cp_name_ failed without a one-line error"
			fi
		fi
	done <"$P/names"
}

# names_damage <file>: whether fsck's report names the damaged file (a
# ref by its name).
names_damage () {
	nd_ref_=${1#refs/}
	while IFS= read -r nd_line_
	do
		case $nd_line_ in
		*"$1"*) return 0 ;;
		*"ref $nd_ref_:"*|*"ref $nd_ref_ "*) return 0 ;;
		esac
	done <"$T/fsck"
	return 1
}

# check_fsck <label> <file> <offset> <how>: run fsck on the damaged copy.
# A damage it does not report must be one of the documented reasons
# (reason below) and must leave what cat prints unchanged.
check_fsck () {
	if cairn -r "$W" fsck </dev/null >"$T/fsck" 2>&1
	then
		st_=0
	else
		st_=$?
	fi
	if test "$st_" -ge 128
	then
		n_crash=$((n_crash + 1))
		bad "$1: fsck exited with status $st_"
	elif test "$st_" != 0
	then
		if names_damage "$2"
		then
			n_fsck_named=$((n_fsck_named + 1))
		else
			n_fsck_unnamed=$((n_fsck_unnamed + 1))
			bad "$1: fsck ($st_) does not name $2"
		fi
	else
		reason "$2" "$3" "$4"
		if test -z "$why_"
		then
			bad "$1: fsck found nothing wrong"
		elif test -n "$recover_" && ! recovers
		then
			bad "$1: fsck found nothing wrong ($why_) but a writer" \
				"does not bring every object back"
		elif test -z "$recover_" && test -z "$cat_right"
		then
			bad "$1: fsck found nothing wrong ($why_) but cat differs"
		else
			n_undetected=$((n_undetected + 1))
			echo "$why_" >>"$T/undetected"
		fi
	fi
}

# config_settings <file>: the settings a config file makes, as
# cairn-repository(5) (Configuration) and cairn(1) (the ranges of the
# numeric keys) define them: one "key=value" line each, sorted, keys in
# lower case and numbers as numbers; or "invalid".
config_settings () {
	awk '
	function trim(s) {
		sub(/^[ \t]+/, "", s)
		sub(/[ \t\r]+$/, "", s)
		return s
	}
	BEGIN {
		min["core.formatversion"] = 1; max["core.formatversion"] = 1
		min["core.compression"] = 0; max["core.compression"] = 9
		min["core.locktimeout"] = 0; max["core.locktimeout"] = 86400000
		min["core.wallimit"] = 4096; max["core.wallimit"] = 2 ^ 40
		min["core.bigfilethreshold"] = 1024
		max["core.bigfilethreshold"] = 2 ^ 30
	}
	{
		line = trim($0)
		if (line == "" || line ~ /^#/)
			next
		eq = index(line, "=")
		key = trim(substr(line, 1, eq - 1))
		if (eq == 0 || key !~ /^[A-Za-z][-A-Za-z0-9_.]*$/ ||
		    key !~ /\./ || key ~ /\.\./ || key ~ /\.$/ ||
		    length(key) > 128) {
			bad = 1
			exit
		}
		v[tolower(key)] = trim(substr(line, eq + 1))
	}
	END {
		if (bad || v["object.format"] != "sha256" ||
		    ("core.alternate" in v)) {
			print "invalid"
			exit
		}
		for (k in min) {
			if (!(k in v))
				continue
			if (v[k] !~ /^[[:space:]]*[-+]?[0-9]+$/ ||
			    v[k] + 0 < min[k] || v[k] + 0 > max[k]) {
				print "invalid"
				exit
			}
			v[k] = sprintf("%d", v[k] + 0)
		}
		for (k in v)
			print k "=" v[k] | "sort"
	}' "$1"
}

# recovers: a writer's recovery (a flush) on a copy of the damaged
# repository brings back every object, and fsck is then clean.
recovers () {
	rm -rf "$T/rec" &&
	cp -R "$W" "$T/rec" &&
	cairn -r "$T/rec" flush </dev/null >/dev/null 2>&1 &&
	cairn -r "$T/rec" cat --batch <"$P/names" >"$T/rec.out" 2>&1 &&
	cmp -s "$T/rec.out" "$P/batch" &&
	cairn -r "$T/rec" fsck </dev/null >/dev/null 2>&1
}

# reason <file> <offset> <flip|cut>: sets why_ to the documented reason
# a damage that fsck does not report leaves a repository that means the
# same, or to nothing; and recover_ when only a writer's recovery brings
# that meaning back (readers may miss objects until then).
#  - The config: its keys are compared without regard to case, a key
#    cairn does not know is ignored, and the numeric settings other than
#    core.formatVersion only steer writers (cairn-repository(5),
#    Configuration; cairn(1)).
#  - The data file cut where the copies of WAL records that only the WAL
#    needs begin (the TOUCH here): nothing reads them, a writer rewrites
#    them from the WAL (Recovery).
#  - The WAL cut at a batch boundary: a shorter log of whole batches,
#    which is what a crash before those batches leaves; the records of
#    the lost batches are intact past the WAL's end in the data file, and
#    a writer keeps them ("kept n intact records found past the end of
#    the WAL", Recovery).
reason () {
	why_=
	recover_=
	case $1,$3,$2 in
	"$DATA,cut,$TOUCH_AT")
		why_="data file: cut off a copy only the WAL needs"
		return 0 ;;
	"$WAL,cut,"*)
		case " $WAL_BATCHES " in
		*" $2 "*)
			why_="WAL: cut at a batch boundary (a writer keeps the records past it)"
			recover_=t ;;
		esac
		return 0 ;;
	esac
	test "$1" = config || return 0
	config_settings "$W/config" >"$T/settings"
	read -r rs_first_ <"$T/settings" || return 0
	test "$rs_first_" != invalid || return 0
	if cmp -s "$T/settings" "$P/settings"
	then
		why_="config: the same settings, written differently"
		return 0
	fi
	# Keys lost and keys gained.
	rs_lost_=$(sed 's/=.*//' "$P/settings" | sort >"$T/keys.p" &&
		sed 's/=.*//' "$T/settings" | sort >"$T/keys.w" &&
		comm -23 "$T/keys.p" "$T/keys.w" | wc -l)
	rs_new_=$(comm -13 "$T/keys.p" "$T/keys.w" | wc -l)
	if test "$rs_lost_" -gt 0 && test "$rs_new_" -gt 0
	then
		why_="config: a key renamed to one cairn ignores (default applies)"
	elif test "$rs_lost_" -gt 0
	then
		why_="config: a setting dropped (default applies)"
	elif test "$rs_new_" = 0
	then
		why_="config: a writer's setting changed to another valid value"
	fi
}

# sweep <flip|cut>: damage every byte of every file of a copy of the
# pristine repository, one at a time, restoring each before the next.
sweep () {
	rm -rf "$W" && cp -R "$P/repo" "$W" || return 1
	while read -r sw_file_
	do
		sw_size_=$(wc -c <"$P/repo/$sw_file_" | tr -d ' ')
		if test "$1" = flip
		then
			sweep_flip "$sw_file_" "$sw_size_" || return 1
		else
			sweep_cut "$sw_file_" "$sw_size_" || return 1
		fi
		cp "$P/repo/$sw_file_" "$W/$sw_file_" || return 1
	done <"$P/files"
	# Nothing but the damage changed the copy: readers and fsck write
	# nothing.
	diff -r "$P/repo" "$W" >&9
}

run_case () {
	n_cases=$((n_cases + 1))
	check_cat "$1"
	if test -n "$FULL"
	then
		check_cat "$1 (--no-verify)" --no-verify
		check_plain "$1"
	fi
	check_fsck "$@"
}

# stride <file> <flip|cut>: the step between the damaged offsets of a
# file.  A full run (CAIRN_HOSTILE_FULL=1) damages every offset; the run
# of `make check` keeps to about a minute by stepping through the binary
# files: flips at every 3rd byte of the data file and the WAL and every
# 11th of the index segment (most of which is the fan-out table), steps
# prime to 8 so that the flipped bit still varies; cuts at every 7th
# offset of the data file, every 3rd of the WAL and every 29th of the
# segment (each of which changes the size that opening it checks first).
# The text files (config, manifest, refs) are damaged at every byte.
stride () {
	case $FULL,$1,$2 in
	,index/*,flip) echo 11 ;;
	,index/*,cut) echo 29 ;;
	,objects.*,flip) echo 3 ;;
	,objects.*.data,cut) echo 7 ;;
	,objects.*.wal,cut) echo 3 ;;
	*) echo 1 ;;
	esac
}

# sweep_flip <file> <size>: flip bit (offset mod 8) of a byte in turn.
# One dd writes back the bytes since the last flipped one, that one
# included, and flips the next.
sweep_flip () {
	od -An -v -tu1 "$P/repo/$1" | tr -s ' ' '\n' | sed '/^$/d' \
		>"$T/bytes" || return 1
	sf_step_=$(stride "$1" flip)
	sf_off_=0
	sf_from_=0
	sf_run_=
	while read -r sf_byte_
	do
		# The byte as octal digits, for a printf escape.
		sf_oct_=$(((sf_byte_ >> 6) * 100 + ((sf_byte_ >> 3) & 7) * 10 +
			(sf_byte_ & 7)))
		if test $((sf_off_ % sf_step_)) != 0
		then
			sf_run_="$sf_run_\\$sf_oct_"
			sf_off_=$((sf_off_ + 1))
			continue
		fi
		sf_new_=$((sf_byte_ ^ (1 << (sf_off_ % 8))))
		sf_new_=$(((sf_new_ >> 6) * 100 + ((sf_new_ >> 3) & 7) * 10 +
			(sf_new_ & 7)))
		# shellcheck disable=SC2059
		printf "$sf_run_\\$sf_new_" |
			dd of="$W/$1" bs=1 seek="$sf_from_" conv=notrunc \
			2>/dev/null || return 1
		run_case "$1 bit $((sf_off_ % 8)) of byte $sf_off_" \
			"$1" "$sf_off_" flip
		sf_from_=$sf_off_
		sf_run_="\\$sf_oct_"
		sf_off_=$((sf_off_ + 1))
	done <"$T/bytes"
	test "$sf_off_" = "$2"
}

# sweep_cut <file> <size>: cut the file at every offset (or every
# stride-th), from the end.
sweep_cut () {
	sc_off_=$2
	sc_step_=$(stride "$1" cut)
	while test "$sc_off_" -gt 0
	do
		sc_off_=$((sc_off_ - sc_step_))
		test "$sc_off_" -ge 0 || sc_off_=0
		dd if=/dev/null of="$W/$1" bs=1 seek="$sc_off_" count=0 \
			2>/dev/null || return 1
		run_case "$1 cut at $sc_off_" "$1" "$sc_off_" cut
	done
}

T=$TRASH_DIRECTORY/case
mkdir -p "$T"
: >"$FIG"

test_expect_success 'a small repository with every kind of record' '
	setup_pristine
'

test_expect_success 'a bit flipped in each file, byte by byte (stride)' '
	. "$P/facts"
	counters_reset
	start=$(date +%s)
	sweep flip
	counters_save "flips ($(($(date +%s) - start)) s)"
	cat "$FIG"
	test "$n_bad" = 0
	test "$n_wrong" = 0
	test "$n_crash" = 0
	test "$n_cases" -gt 1000
'

test_expect_success 'each file cut, offset by offset (stride)' '
	. "$P/facts"
	counters_reset
	start=$(date +%s)
	sweep cut
	counters_save "cuts ($(($(date +%s) - start)) s)"
	cat "$FIG"
	test "$n_bad" = 0
	test "$n_wrong" = 0
	test "$n_crash" = 0
	test "$n_cases" -gt 700
'

sed 's/^/# /' "$FIG" >&2
test_done
