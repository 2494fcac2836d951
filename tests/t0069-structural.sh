#!/bin/sh
# t0069-structural: structural damage.  A small repository (blobs stored
# raw, deflated and streamed, a tree, a commit, a ref and a nested one, a
# flushed segment, unflushed WAL batches) is damaged in a copy: each of
# its files and directories (config, manifest, the data file, the WAL,
# the segment, index/, tmp/, refs/, refs/tags/, a ref file, lock and
# gc.lock) is in turn missing, a symbolic link to a copy outside the
# repository, a FIFO, a directory (a regular file for a directory) and
# unreadable (mode 000; run as nobody when we are root, who reads
# anything).  Each damaged
# copy then gets `fsck`, `fsck --repair`, `fsck --salvage`, `cat --batch`
# of every object, a `put`, a `ref set` and a `gc --prune=now`, each under
# `timeout 10`.  Counted over every case, and all must be zero:
#  - hangs: a command that timeout had to stop (status 124);
#  - wrong: an object printed with other bytes than its own;
#  - lost: an object that the damaged file or directory did not hold
#    (every object is in the data file; the WAL holds the unflushed ones;
#    an unreadable file holds nothing: it is not damaged, and with its
#    mode given back everything must be there) that cannot be read after
#    the repairs, or that a ref left intact
#    reaches and cannot be read after gc; an acknowledged put or ref set
#    that is not there at the end;
#  - outside: a change in a sentinel tree around the repository (the
#    copies a link points at, files named like ours);
#  - crashes: an exit status other than 0 to 4.
# Every broken rule is reported on its own diagnostic line ("# FAIL
# <kind> <file>: ..."; objects by number: 1-4 the blobs a, b, c and big
# (streamed), 5 the tree, 6 the commit, 7 and 8 the blobs only the WAL
# names (8 streamed), 9 the one put on the damaged copy), with one
# summary line:
#   # structural: N cases, lost=X wrong=Y hangs=Z outside=W crashes=C

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
unset CAIRN_SAFE_DIRECTORIES

P=$TRASH_DIRECTORY/pristine
# The case: $A is the sentinel tree, the repository copy is $A/repo.
T=$TRASH_DIRECTORY/case
A=$TRASH_DIRECTORY/around
W=$A/repo
FIG=$TRASH_DIRECTORY/figures
LIMIT=${CAIRN_STRUCTURAL_TIMEOUT:-10}

if command -v timeout >/dev/null 2>&1 && command -v mkfifo >/dev/null 2>&1
then
	test_set_prereq TIMEOUT
fi
# Who runs the unreadable cases: we, or nobody if we are root.
umask 022
UNREADABLE_AS=
UNREADABLE_WHY=
if test "$(id -u)" = 0
then
	test_nobody_check
	UNREADABLE_AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	UNREADABLE_WHY=$test_nobody_why
fi

# setup_pristine: $P/repo; $P/names ("<n> <id>" for the 8 objects: the
# blobs a, b, c, big, the tree, the commit, then m1 and m2, only in the
# WAL); $P/bobj/<n> (what `cat --batch` prints for object n); $P/refs
# ("<name> <id>"); $P/new (a file to put) and NEW (its id); and $P/facts
# (DATA, WAL, SEG: the file names).
setup_pristine () {
	mkdir -p "$P/src" "$P/bobj" &&
	cairn init "$P/repo" >/dev/null &&
	cairn -r "$P/repo" config core.bigFileThreshold 1024 || return 1
	printf 'hello\n' >"$P/src/a" &&
	test_seq 1 40 | sed 's/$/ all work and no play/' >"$P/src/b" &&
	printf 'r4nd0m\001\377\000\200 bytes, stored raw\n' >"$P/src/c" &&
	test_seq 1 300 | sed 's/.*/big/' >"$P/src/big" &&
	sp_tree_=$(cairn -r "$P/repo" put -r "$P/src") &&
	sp_commit_=$(cairn -r "$P/repo" commit -m first "$sp_tree_") &&
	cairn -r "$P/repo" ref set main "$sp_commit_" &&
	cairn -r "$P/repo" ref set tags/v1 "$sp_tree_" &&
	cairn -r "$P/repo" flush || return 1
	printf 'more\n' >"$P/m1" &&
	test_seq 1 400 | sed 's/.*/second big/' >"$P/m2" &&
	sp_m1_=$(cairn -r "$P/repo" put "$P/m1") &&
	sp_m2_=$(cairn -r "$P/repo" put "$P/m2") &&
	cairn -r "$P/repo" put "$P/src/a" >/dev/null &&
	cairn -r "$P/repo" fsck || return 1
	sp_n_=0
	: >"$P/names"
	for sp_id_ in $(cairn -r "$P/repo" put -n "$P/src/a" "$P/src/b" \
		"$P/src/c" "$P/src/big") "$sp_tree_" "$sp_commit_" "$sp_m1_" \
		"$sp_m2_"
	do
		sp_n_=$((sp_n_ + 1))
		echo "$sp_n_ $sp_id_" >>"$P/names"
		echo "$sp_id_" | cairn -r "$P/repo" cat --batch \
			>"$P/bobj/$sp_n_" || return 1
	done
	test_line_count -eq 8 "$P/names" || return 1
	{ echo "main $sp_commit_" && echo "tags/v1 $sp_tree_"; } >"$P/refs"
	echo "new content, put on a damaged repository" >"$P/new" &&
	sp_new_=$(cairn -r "$P/repo" put -n "$P/new") &&
	{ echo "$sp_new_ blob $(wc -c <"$P/new" | tr -d ' ')" &&
		cat "$P/new" && echo; } >"$P/bobj/9" || return 1
	sp_data_=$(sed -n 's/^data \([^ ]*\) .*/\1/p' "$P/repo/manifest") &&
	sp_wal_=$(sed -n 's/^wal \([^ ]*\)$/\1/p' "$P/repo/manifest") &&
	sp_seg_=$(sed -n 's/^segment \([^ ]*\) .*/\1/p' "$P/repo/manifest") &&
	test -n "$sp_data_" && test -n "$sp_wal_" && test -n "$sp_seg_" &&
	test -f "$P/repo/lock" && test -f "$P/repo/gc.lock" &&
	test -d "$P/repo/tmp" && test -d "$P/repo/refs/tags" || return 1
	echo "DATA=$sp_data_ WAL=$sp_wal_ SEG=$sp_seg_ NEW=$sp_new_" \
		>"$P/facts"
}

# What each target holds, as object numbers: every object is in the data
# file, the WAL holds m1 (its content) and m2 (a pointer to it).
holds () {
	case $1 in
	"$DATA") echo "1 2 3 4 5 6 7 8" ;;
	"$WAL") echo "7 8" ;;
	*) echo "" ;;
	esac
}

# The objects a ref reaches: main the commit, its tree and the blobs;
# tags/v1 the tree and the blobs.
reaches () {
	case $1 in
	main) echo "1 2 3 4 5 6" ;;
	tags/v1) echo "1 2 3 4 5" ;;
	esac
}

# fail <message>: a rule broken in the current case.
fail () {
	echo "FAIL $case_: $1" >>"$FIG.fail"
}

# run <what> <command>...: run a command of the case (as $AS), under the
# time limit, output in $T/out and $T/err, status in st_.  Counts hangs
# and crashes; after a hang the rest of the case is skipped (hung_).
run () {
	run_what_=$1
	shift
	st_=0
	# shellcheck disable=SC2086 # $AS is a command prefix, or nothing
	timeout "$LIMIT" $AS "$@" >"$T/out" 2>"$T/err" || st_=$?
	if test "$st_" = 124
	then
		n_hangs=$((n_hangs + 1))
		hung_=t
		fail "$run_what_ hangs (stopped after $LIMIT s; rest of the case skipped)"
	elif test "$st_" -gt 4
	then
		n_crashes=$((n_crashes + 1))
		fail "$run_what_ exits with status $st_: $(head -c 200 "$T/err")"
	fi
}

# sum_outside: the sentinel tree around the repository (everything in $A
# but the repository), names, types, modes, sizes, times and contents.
sum_outside () {
	(cd "$A" &&
		find . -path ./repo -prune -o -printf '%p %y %m %s %T@ %l\n' |
			LC_ALL=C sort &&
		find . -path ./repo -prune -o -type f -exec sha256sum {} + |
			LC_ALL=C sort) | sha256sum
}

# read_object <n> <id> <phase> <required>: `cat --batch` of one object.
# Printing other bytes is wrong; not printing it is a loss if required.
read_object () {
	test -z "$hung_" || return 0
	printf '%s\n' "$2" >"$T/name"
	st_=0
	# shellcheck disable=SC2086
	timeout "$LIMIT" $AS cairn -r "$W" cat --batch <"$T/name" \
		>"$T/obj" 2>"$T/err" || st_=$?
	if test "$st_" = 124
	then
		n_hangs=$((n_hangs + 1))
		hung_=t
		fail "$3: cat --batch of object $1 hangs"
		return 0
	elif test "$st_" -gt 4
	then
		n_crashes=$((n_crashes + 1))
		fail "$3: cat --batch of object $1 exits with status $st_"
		return 0
	fi
	if cmp -s "$T/obj" "$P/bobj/$1"
	then
		test "$st_" = 0 || {
			fail "$3: cat --batch of object $1 prints it but exits $st_"
			n_crashes=$((n_crashes + 1))
		}
		return 0
	fi
	ro_missing_=
	if test "$st_" = 0 && test "$(cat "$T/obj")" = "$2 missing"
	then
		ro_missing_=t
	elif test "$st_" = 0 || test -s "$T/obj"
	then
		# A failure may follow a correct prefix of the answer.
		cmp "$T/obj" "$P/bobj/$1" >"$T/cmp" 2>&1 || :
		if test "$st_" = 0 || ! grep -q "EOF on $T/obj" "$T/cmp"
		then
			n_wrong=$((n_wrong + 1))
			fail "$3: cat --batch of object $1 prints wrong bytes (status $st_)"
			return 0
		fi
	fi
	if test -n "$4"
	then
		n_lost=$((n_lost + 1))
		if test -n "$ro_missing_"
		then
			ro_why_="cat --batch: missing"
		else
			ro_why_="cat --batch, status $st_: $(head -c 160 "$T/err")"
		fi
		# One line for the objects lost the same way (lost_flush).
		if test "$3: $ro_why_" = "$lost_how_"
		then
			lost_list_="$lost_list_ $1"
		else
			lost_flush
			lost_how_="$3: $ro_why_"
			lost_list_=$1
		fi
	fi
}

# lost_flush: report the objects read_object found lost, if any.
lost_flush () {
	if test -n "$lost_list_"
	then
		fail "${lost_how_%%: *}: lost object(s) $lost_list_ (${lost_how_#*: })"
	fi
	lost_list_=
	lost_how_=
}

# ref_intact <name> <id>: the ref file is still in the repository, a
# regular file reached through directories (no link), holding <id>.
ref_intact () {
	ri_path_=$W/refs
	ri_rest_=$1
	while :
	do
		test -d "$ri_path_" && ! test -L "$ri_path_" || return 1
		case $ri_rest_ in
		*/*)
			ri_path_=$ri_path_/${ri_rest_%%/*}
			ri_rest_=${ri_rest_#*/} ;;
		*)
			break ;;
		esac
	done
	ri_path_=$ri_path_/$ri_rest_
	test -f "$ri_path_" && ! test -L "$ri_path_" &&
		test "$(cat "$ri_path_")" = "$2"
}

# damage <kind> <target>: damage $W/<target>; the sentinel copies go to
# $A/s.  A link points at the original, moved out (with files a careless
# repair would remove, for a directory).
damage () {
	dm_path_=$W/$2
	case $1 in
	missing)
		rm -rf "$dm_path_" ;;
	link)
		mv "$dm_path_" "$A/s/target" &&
		if test -d "$A/s/target"
		then
			echo precious >"$A/s/target/tmp-1234" &&
			echo precious >"$A/s/target/9.idx" &&
			touch -d '2 hours ago' "$A/s/target/tmp-1234" \
				"$A/s/target/9.idx"
		fi &&
		ln -s "$A/s/target" "$dm_path_" ;;
	fifo)
		rm -rf "$dm_path_" &&
		mkfifo "$dm_path_" ;;
	other)
		if test -d "$dm_path_"
		then
			rm -rf "$dm_path_" &&
			echo "not a directory" >"$dm_path_"
		else
			rm -f "$dm_path_" &&
			mkdir "$dm_path_"
		fi ;;
	unreadable)
		chmod 000 "$dm_path_" ;;
	esac
}

# set_mode <kind> <target> <mode>: for an unreadable target, its mode,
# if the commands left it in place (a link is left alone).
set_mode () {
	if test "$1" = unreadable && test -e "$W/$2" && ! test -L "$W/$2"
	then
		chmod "$3" "$W/$2"
	fi
}

# one_case <kind> <target>
one_case () {
	case_="$1 $2"
	hung_=
	lost_list_=
	lost_how_=
	n_cases=$((n_cases + 1))
	rm -rf "$A" "$T" &&
	mkdir -p "$A/s/sub" "$T" &&
	cp -R "$P/repo" "$W" &&
	echo precious >"$A/s/sub/keep" &&
	echo precious >"$A/objects.99.data" &&
	echo precious >"$A/tmp-1234" || return 1
	if test "$1" = unreadable && test -n "$AS"
	then
		chown -R nobody "$W" "$T" || return 1
	fi
	oc_mode_=$(stat -c %a "$W/$2") &&
	damage "$1" "$2" || return 1
	sum_outside >"$T/sum.before" || return 1

	run fsck cairn -r "$W" fsck
	if test "$st_" = 0 && test -z "$hung_"
	then
		echo "$case_" >>"$FIG.silent"
	fi
	test -n "$hung_" || run "fsck --repair" cairn -r "$W" fsck --repair
	if test -n "$SALVAGE" && test -z "$hung_"
	then
		run "fsck --salvage" cairn -r "$W" fsck --salvage
	fi

	# What the damaged file did not hold must be readable now (with
	# the mode given back for the reads, for an unreadable file: it
	# is not lost, it cannot be read by this user).
	set_mode "$1" "$2" "$oc_mode_"
	oc_held_=" $(holds "$2") "
	# A file that cannot be read is not damaged: with its mode back,
	# everything it held must be there (invariant 11: a check that
	# could not be made is an error, never a verdict of "damaged").
	test "$1" != unreadable || oc_held_="  "
	while read -r oc_n_ oc_id_
	do
		case $oc_held_ in
		*" $oc_n_ "*) oc_req_= ;;
		*) oc_req_=t ;;
		esac
		read_object "$oc_n_" "$oc_id_" "after the repairs" "$oc_req_"
	done <"$P/names"
	set_mode "$1" "$2" 000

	oc_new_=
	if test -z "$hung_"
	then
		run put cairn -r "$W" put "$P/new"
		if test "$st_" = 0
		then
			oc_new_=t
			if test "$(cat "$T/out")" != "$NEW"
			then
				n_wrong=$((n_wrong + 1))
				fail "put prints $(head -c 80 "$T/out"), not $NEW"
			fi
			read_object 9 "$NEW" "after put (the put object)" t
		fi
	fi
	oc_ref_=
	if test -z "$hung_"
	then
		run "ref set" cairn -r "$W" ref set tags/sweep "$NEW"
		test "$st_" != 0 || oc_ref_=t
		if test -n "$oc_ref_" && test -z "$oc_new_"
		then
			# The ref must not point at an object not stored.
			read_object 9 "$NEW" "ref set without a put" t
		fi
	fi
	test -n "$hung_" || run "gc --prune=now" cairn -r "$W" gc --prune=now

	# After gc: what an intact ref reaches, and what was acknowledged.
	set_mode "$1" "$2" "$oc_mode_"
	oc_reach_=
	while read -r oc_ref_name_ oc_ref_id_
	do
		if ref_intact "$oc_ref_name_" "$oc_ref_id_"
		then
			oc_reach_="$oc_reach_ $(reaches "$oc_ref_name_")"
		fi
	done <"$P/refs"
	oc_reach_="$oc_reach_ "
	while read -r oc_n_ oc_id_
	do
		oc_req_=
		case $oc_held_,$oc_reach_ in
		*" $oc_n_ "*,*) ;;
		*,*" $oc_n_ "*) oc_req_=t ;;
		esac
		read_object "$oc_n_" "$oc_id_" "after gc" "$oc_req_"
	done <"$P/names"
	if test -n "$oc_ref_" && test -z "$hung_"
	then
		if ! ref_intact tags/sweep "$NEW"
		then
			n_lost=$((n_lost + 1))
			fail "ref set tags/sweep succeeded but the ref is not in the repository"
		fi
		read_object 9 "$NEW" "after gc (the put object)" t
	elif test -n "$oc_new_"
	then
		# Unreferenced: --prune=now may remove it; only wrong bytes
		# count.
		read_object 9 "$NEW" "after gc (the put object)" ""
	fi

	lost_flush
	sum_outside >"$T/sum.after" || return 1
	if ! cmp -s "$T/sum.before" "$T/sum.after"
	then
		n_outside=$((n_outside + 1))
		fail "the tree around the repository changed"
	fi
	chmod -R u+rwx "$W" 2>/dev/null || :
	return 0
}

TARGETS=
KINDS="missing link fifo other unreadable"

test_expect_success 'a small repository with every kind of file' '
	setup_pristine
'

# --salvage, if this build has it (exit 2 "unknown option" if not).
SALVAGE=t
cairn init "$TRASH_DIRECTORY/probe" >/dev/null 2>&1
if cairn -r "$TRASH_DIRECTORY/probe" fsck --salvage \
	>/dev/null 2>"$TRASH_DIRECTORY/probe.err"
then
	:
elif grep -q "unknown option" "$TRASH_DIRECTORY/probe.err"
then
	SALVAGE=
fi
export SALVAGE

: >"$FIG"
: >"$FIG.fail"
: >"$FIG.silent"
if test -f "$P/facts"
then
	. "$P/facts"
	TARGETS="config manifest $DATA $WAL $SEG index tmp refs refs/tags
		refs/main lock gc.lock"
fi

for kind in $KINDS
do
	if test "$kind" = unreadable && test -n "$UNREADABLE_WHY"
	then
		test_skip "every file and directory $kind, then fsck, repairs, read, write, gc" \
			"$UNREADABLE_WHY"
		continue
	fi
	prereq=TIMEOUT
	test_expect_success "$prereq" "every file and directory $kind, then fsck, repairs, read, write, gc" '
		AS=
		test "'"$kind"'" != unreadable || AS=$UNREADABLE_AS
		n_cases=0 n_lost=0 n_wrong=0 n_hangs=0 n_outside=0 n_crashes=0
		for target in $TARGETS
		do
			one_case "'"$kind"'" "$target"
		done
		echo "'"$kind"' $n_cases $n_lost $n_wrong $n_hangs $n_outside $n_crashes" >>"$FIG"
		grep "^FAIL '"$kind"' " "$FIG.fail" || :
		test "$n_lost" = 0
		test "$n_wrong" = 0
		test "$n_hangs" = 0
		test "$n_outside" = 0
		test "$n_crashes" = 0
	'
done

if test -z "$SALVAGE"
then
	test_skip "fsck --salvage after each damage" "this build has no fsck --salvage"
fi

awk '{ n += $2; l += $3; w += $4; h += $5; o += $6; c += $7 }
	END { printf "# structural: %d cases, lost=%d wrong=%d hangs=%d outside=%d crashes=%d\n",
		n, l, w, h, o, c }' "$FIG" >&2
sed 's/^/# /' "$FIG.fail" >&2
if test -s "$FIG.silent"
then
	echo "# fsck exits 0 on $(wc -l <"$FIG.silent" | tr -d " ") damaged copies:" \
		"$(tr '\n' ',' <"$FIG.silent")" >&2
fi
test_done
