#!/bin/sh
# t0080-fsck-threads: fsck verifies the data file on several threads, and
# what it finds does not depend on how many: damaged records anywhere in
# the file (in the first, a middle and the last block of work, and a
# header that forces a resync) give the same findings, in the same order,
# with --threads=1, 2, 7 and the default, plain, --quick and --json.

# Test bodies are single-quoted on purpose: lib.sh evaluates them.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

R=$TRASH_DIRECTORY/repo
T=$TRASH_DIRECTORY

# fsck_all <name> <args>...: fsck with each thread count; every output
# must equal the first, and the status must be 1 (findings) each time.
fsck_all () {
	fa_name_=$1
	shift
	for fa_t_ in 1 2 7 default
	do
		if test "$fa_t_" = default
		then
			test_must_fail cairn -r "$R" fsck "$@" \
				>"$fa_name_.$fa_t_" || return 1
		else
			test_must_fail cairn -r "$R" fsck --threads="$fa_t_" \
				"$@" >"$fa_name_.$fa_t_" || return 1
		fi
		test_cmp "$fa_name_.1" "$fa_name_.$fa_t_" || return 1
	done
}

test_expect_success 'a repository of 3000 objects, flushed' '
	awk "BEGIN { for (i = 1; i <= 3000; i++) {
		s = sprintf(\"object %d of the thread test\\n\", i)
		for (j = 0; j < i % 7; j++)
			s = s sprintf(\"line %d of object %d\\n\", j, i)
		printf \"blob %d\\n%s\\n\", length(s), s
	} }" >input &&
	cairn init "$R" >/dev/null &&
	cairn -r "$R" put --batch <input >ids &&
	test_line_count = 3000 ids &&
	cairn -r "$R" flush &&
	cairn -r "$R" fsck --threads=1 >clean.1 &&
	cairn -r "$R" fsck --threads=7 >clean.7 &&
	test_cmp clean.1 clean.7 &&
	sed -n "s/^data \([^ ]*\) .*/\1/p" "$R/manifest" >"$T/data" &&
	data_records "$R/$(cat "$T/data")" >"$T/recs" &&
	test_line_count = 3000 "$T/recs"
'

test_expect_success 'damage in the first, middle and last records' '
	data=$R/$(cat "$T/data") &&
	for n in 2 1400 2999
	do
		set -- $(sed -n "${n}p" "$T/recs") &&
		flip_byte "$data" $(($1 + 80 + $3 / 2)) || return 1
	done &&
	set -- $(sed -n "2100p" "$T/recs") &&
	flip_byte "$data" $(($1 + 9))
'

test_expect_success 'the same findings with every thread count' '
	fsck_all plain &&
	grep -c "" plain.1 >count &&
	test "$(cat count)" -ge 4 &&
	for n in 2 1400 2999
	do
		set -- $(sed -n "${n}p" "$T/recs") &&
		grep -q "@$1" plain.1 || return 1
	done
'

test_expect_success 'the same with --quick and --json' '
	fsck_all quick --quick &&
	fsck_all json --json &&
	grep -q "\"errors\": [1-9]" json.1
'

test_expect_success 'a bad thread count is a usage error' '
	for bad in 0 65 -1 x 2x ""
	do
		test_must_fail --status=2 cairn -r "$R" fsck \
			--threads="$bad" 2>err || return 1
		test_stderr_one_line err || return 1
	done
'

test_done
