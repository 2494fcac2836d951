#!/bin/sh
# t0063-fault-cli: I/O failures injected with CAIRN_TEST_FAULT into every
# writing command that t0010 (put --batch, flush), t0023 (ref updates
# with a precondition) and t0043 (gc) leave out: init of a new directory,
# put of a small file, of a file streamed past core.bigFileThreshold, of
# stdin and of a directory tree, commit, config, ref set without a
# precondition (a new nested ref, a moved ref, --create), and fsck
# --repair of leftovers and of a deleted index segment.
#
# Each mutating call of each command fails in turn (EIO, ENOSPC or a short
# write; once, or from that call on with "+").  Every run must exit 0, or
# 3 (an I/O error) with one line on stderr and nothing on stdout (but the
# ids of whole batches committed before the failure); what it printed is
# there (ids give the exact bytes, refs and config
# hold the new value); what it did not acknowledge is old or new; the
# pristine repository's objects and refs are intact; the repository opens;
# fsck is clean, or finds only warnings that fsck --repair removes; a later
# put and flush work.  A failed init leaves either a working repository or
# a directory every command refuses with one line, and init again says why.
#
# A failure of fsck --repair to remove a leftover is an I/O error (exit 3,
# one line), and one repair is always enough: after an interrupted
# rebuild of the manifest it also removes the WAL of the older generation
# that the rebuild turned into a stray.
#
# By default EIO (counting the calls), EIO+, short and short+ run (no code
# tells ENOSPC from EIO).  CAIRN_TORTURE=1 adds ENOSPC and ENOSPC+, put of
# several files at once (one streamed) and fsck --repair of a manifest
# that is garbage.  The figures go out as TAP diagnostics.

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
LOG=$TRASH_DIRECTORY/runs
MAX_CALLS=200
WORKLOADS="init put-file put-big put-stdin put-tree commit config ref-new
ref-move ref-create fsck-leftovers fsck-index"
MODES="EIO+ short short+"
if test "${CAIRN_TORTURE:-}" = 1
then
	WORKLOADS="$WORKLOADS put-files fsck-manifest"
	MODES="$MODES ENOSPC ENOSPC+"
fi

# The ref each ref workload sets, and the value it sets.
ref_of () {
	case $1 in
	ref-new) echo topic/new ;;
	ref-move) echo main ;;
	ref-create) echo fresh ;;
	esac
}

# snapshot <dir>: every file with its size, sorted; equal for two runs
# that did the same writes.
snapshot () {
	test -d "$1" || return 0
	(cd "$1" && find . -type f -exec wc -c {} + |
		awk '$2 != "total" { print $2, $1 }' | LC_ALL=C sort)
}

# listing <dir>: what is in <dir>, to tell whether anything changed.
listing () {
	if test -d "$1"
	then
		ls -lRn "$1"
	else
		echo "no $1"
	fi
}

# age <dir>: let every file look old, as fsck sees leftovers later (it
# reports tmp and stray files only once they are a minute old).
age () {
	find "$1" -type f -exec touch -t 200001010000 {} +
}

# make_pristine: the repositories and inputs every run starts from.
#   repo: objects flushed into a segment and others in the WAL, a tree,
#   commits, refs main and side; core.bigFileThreshold 1024.
#   leftovers: repo with a stale ref lock, a tmp file, a WAL of an older
#   generation and a stray segment.
#   index: repo with its index segment deleted.
make_pristine () {
	mkdir -p "$P/tree/sub" "$P/tree2" || return 1
	cairn init "$P/repo" >/dev/null &&
	cairn -r "$P/repo" config core.bigFileThreshold 1024 || return 1
	echo "a small file" >"$P/small" &&
	echo "from standard input" >"$P/stdin" &&
	echo "put later" >"$P/later" &&
	awk 'BEGIN { for (i = 0; i < 3000; i++)
		printf "line %d of a big file %d\n", i, (i * 7919) % 10007 }' \
		>"$P/big" || return 1
	echo one >"$P/tree/one" &&
	printf '#!/bin/sh\necho run\n' >"$P/tree/run.sh" &&
	chmod +x "$P/tree/run.sh" &&
	ln -s one "$P/tree/link" &&
	echo deeper >"$P/tree/sub/two" &&
	echo other >"$P/tree2/file" || return 1
	for i in 1 2 3 4
	do
		echo "flushed $i" | cairn -r "$P/repo" put --stdin || return 1
	done >"$P/ids"
	cairn -r "$P/repo" flush || return 1
	t0=$(cairn -r "$P/repo" put -r "$P/tree2") &&
	c0=$(cairn -r "$P/repo" commit -m zero "$t0") &&
	t1=$(cairn -r "$P/repo" put -r "$P/tree") &&
	c1=$(cairn -r "$P/repo" commit -p "$c0" -m one "$t1") &&
	cairn -r "$P/repo" ref set main "$c1" &&
	cairn -r "$P/repo" ref set side "$c0" || return 1
	cairn -r "$P/repo" ls -r "$t1" | awk '{ print $3 }' >>"$P/ids" &&
	printf '%s\n' "$t0" "$c0" "$t1" "$c1" >>"$P/ids" || return 1
	for i in 1 2
	do
		echo "in the WAL $i" | cairn -r "$P/repo" put --stdin || return 1
	done >>"$P/ids"
	cairn -r "$P/repo" cat --batch <"$P/ids" >"$P/ids.batch" &&
	! grep -q " missing\$" "$P/ids.batch" &&
	cairn -r "$P/repo" ref list >"$P/refs" || return 1
	# What the commands under test use.
	echo "$t0" >"$P/tree0" &&
	echo "$c0" >"$P/commit0" &&
	echo "$c1" >"$P/commit1" &&
	printf '%s\n' "$c1" >"$P/ref-move.old" &&
	printf '%s\n' "$c0" >"$P/ref-move.new" &&
	printf '%s\n' "$t1" >"$P/ref-new.new" &&
	printf '%s\n' "$c0" >"$P/ref-create.new" &&
	echo - >"$P/ref-new.old" && echo - >"$P/ref-create.old" || return 1
	age "$P/repo" || return 1

	cp -R "$P/repo" "$P/leftovers" &&
	: >"$P/leftovers/refs/side.lock" &&
	echo "half of something" >"$P/leftovers/tmp/tmp-1-1-1" || return 1
	wal=$(sed -n 's/^wal //p' "$P/repo/manifest") &&
	seg=$(sed -n 's/^segment \([^ ]*\) .*/\1/p' "$P/repo/manifest") &&
	test -n "$wal" && test -n "$seg" || return 1
	cp "$P/leftovers/$wal" "$P/leftovers/objects.1.wal" &&
	cp "$P/leftovers/$seg" "$P/leftovers/index/1.idx" &&
	age "$P/leftovers" || return 1

	cp -R "$P/repo" "$P/manifest" &&
	echo "not a manifest" >"$P/manifest/manifest" || return 1

	cp -R "$P/repo" "$P/index" &&
	rm "$P/index/$seg" || return 1
	# The findings of each pristine repository, as they read in run/.
	for w in $WORKLOADS
	do
		rm -rf run || return 1
		: >"$P/$w.allowed" &&
		awk -v skip="$(ref_of "$w")" '$2 != skip' "$P/refs" \
			>"$P/$w.refs" || return 1
		case $w in
		fsck-*)
			cp -Rp "$(pristine_of "$w")" run || return 1
			test_must_fail --status=1 cairn -r run fsck \
				>"$P/$w.allowed" || return 1
			;;
		esac
	done
	test_line_count -eq 4 "$P/fsck-leftovers.allowed" &&
	! grep -v "^warning " "$P/fsck-leftovers.allowed" &&
	grep "^error index $seg: " "$P/fsck-index.allowed"
}

# pristine_of <workload>: the repository the workload starts from.
pristine_of () {
	case $1 in
	init) echo "" ;;
	fsck-leftovers) echo "$P/leftovers" ;;
	fsck-index) echo "$P/index" ;;
	fsck-manifest) echo "$P/manifest" ;;
	*) echo "$P/repo" ;;
	esac
}

# run_cmd <workload> <fault>: the command under test on a fresh copy
# (run/) of its pristine repository, with CAIRN_TEST_FAULT=<fault> (empty:
# none).  Leaves out, err and status.
run_cmd () {
	rm -rf run || return 1
	rc_p_=$(pristine_of "$1")
	if test -n "$rc_p_"
	then
		cp -Rp "$rc_p_" run || return 1
	fi
	set -- "$1" "$2" "$(cat "$P/commit1")"
	status=0
	case $1 in
	init)
		env ${2:+CAIRN_TEST_FAULT=$2} cairn init run ;;
	put-file)
		env ${2:+CAIRN_TEST_FAULT=$2} cairn -r run put "$P/small" ;;
	put-big)
		env ${2:+CAIRN_TEST_FAULT=$2} cairn -r run put "$P/big" ;;
	put-stdin)
		env ${2:+CAIRN_TEST_FAULT=$2} cairn -r run put --stdin \
			<"$P/stdin" ;;
	put-tree)
		env ${2:+CAIRN_TEST_FAULT=$2} cairn -r run put -r "$P/tree" ;;
	put-files)
		env ${2:+CAIRN_TEST_FAULT=$2} cairn -r run put "$P/small" \
			"$P/big" "$P/later" ;;
	commit)
		env ${2:+CAIRN_TEST_FAULT=$2} cairn -r run commit -p "$3" \
			-m two "$(cat "$P/tree0")" ;;
	config)
		env ${2:+CAIRN_TEST_FAULT=$2} cairn -r run config user.name \
			"Some One" ;;
	ref-new|ref-move)
		env ${2:+CAIRN_TEST_FAULT=$2} cairn -r run ref set \
			"$(ref_of "$1")" "$(cat "$P/$1.new")" ;;
	ref-create)
		env ${2:+CAIRN_TEST_FAULT=$2} cairn -r run ref set --create \
			"$(ref_of "$1")" "$(cat "$P/$1.new")" ;;
	fsck-*)
		env ${2:+CAIRN_TEST_FAULT=$2} cairn -r run fsck --repair ;;
	esac </dev/null >out 2>err || status=$?
	return 0
}

# expected_out <workload>: what a run without faults prints.
expected_out () {
	case $1 in
	init) echo "initialized empty cairn repository in $PWD/run" ;;
	*) cat "$P/$1.out" ;;
	esac
}

# content_of <workload> <id>: what the object a workload stored reads as.
content_of () {
	case $1 in
	put-files)
		cairn -r run cat --batch <out
		;;
	put-tree)
		cairn -r run ls -r "$2" >content.ls &&
		awk '{ print $3 }' content.ls |
			cairn -r run cat --batch >content.cat &&
		cat content.ls content.cat
		;;
	*)
		cairn -r run cat -p "$2"
		;;
	esac
}

# check_output <workload> <what>: the command's own promise: on success
# what it printed is true; on failure it printed nothing misleading and
# what it did not acknowledge is old or new.
check_output () {
	case $1 in
	put-files)
		# Ids are printed once their batch is committed: a failure
		# may come after some, each of which must read back.
		co_i_=0
		while read -r co_id_
		do
			co_i_=$((co_i_ + 1))
			set -- "$1" "$2" "$(sed -n "${co_i_}p" "$P/$1.out")"
			case $co_i_ in
			1) co_f_=$P/small ;;
			2) co_f_=$P/big ;;
			*) co_f_=$P/later ;;
			esac
			if test "$co_id_" != "$3" ||
				! cairn -r run cat "$co_id_" >got 2>got.err ||
				! cmp -s got "$co_f_"
			then
				echo "$2: printed $co_id_ (line $co_i_) but:" >&2
				cat got.err >&2
				return 1
			fi
		done <out
		if test "$status" = 0 && ! cmp -s out "$P/$1.out"
		then
			echo "$2: succeeded but printed:" >&2
			cat out >&2
			return 1
		fi
		return 0
		;;
	put-*|commit)
		if test "$status" = 0
		then
			if ! cmp -s out "$P/$1.out"
			then
				echo "$2: succeeded but printed:" >&2
				cat out >&2
				return 1
			fi
			if ! content_of "$1" "$(cat out)" >got 2>got.err ||
				! cmp -s got "$P/$1.content"
			then
				echo "$2: the printed id does not read back:" >&2
				cat got.err >&2
				return 1
			fi
		fi
		;;
	config)
		co_st_=0
		cairn -r run config user.name >got 2>got.err || co_st_=$?
		co_v_=$(cat got)
		if test "$co_st_" -gt 1 ||
			{ test "$co_v_" != "Some One" &&
			{ test "$status" = 0 || test -n "$co_v_"; }; }
		then
			echo "$2: user.name is '$co_v_' (exit $co_st_, status $status)" >&2
			cat got.err >&2
			return 1
		fi
		;;
	ref-*)
		co_v_=-
		co_st_=0
		cairn -r run ref get "$(ref_of "$1")" >got 2>got.err ||
			co_st_=$?
		if test "$co_st_" = 0
		then
			read -r co_v_ <got || return 1
		elif test "$co_st_" != 1
		then
			echo "$2: ref get failed afterwards:" >&2
			cat got.err >&2
			return 1
		fi
		co_new_=
		co_old_=
		read -r co_new_ <"$P/$1.new" || return 1
		read -r co_old_ <"$P/$1.old" || return 1
		if test "$co_v_" != "$co_new_" &&
			{ test "$status" = 0 || test "$co_v_" != "$co_old_"; }
		then
			echo "$2: the ref is '$co_v_' (status $status)" >&2
			return 1
		fi
		;;
	fsck-*)
		if test "$status" = 0 && ! cmp -s out "$P/$1.out"
		then
			echo "$2: succeeded but printed:" >&2
			cat out >&2
			return 1
		fi
		test "$status" = 1 || return 0
		# Findings left: each one "(repaired)" is gone, each other
		# one is still there.
		co_st_=0
		cairn -r run fsck >after 2>&1 || co_st_=$?
		if test "$co_st_" -gt 1
		then
			echo "$2: fsck exited $co_st_ after the run:" >&2
			cat after >&2
			return 1
		fi
		sed -n "s/ (repaired)\$//p" out >said.gone &&
		grep -v " (repaired)\$" out >said.left
		if grep -x -F -f said.gone after >&2 ||
			grep -v -x -F -f after said.left >&2
		then
			echo "$2: fsck --repair printed, then fsck printed:" >&2
			cat out after >&2
			return 1
		fi
		;;
	esac
	# Nothing but ids and findings is ever printed, and only on success
	# (or by fsck, whose findings stay true: checked by check_repo).
	case $1,$status in
	*,0|fsck-*,1) ;;
	*)
		if test -s out
		then
			echo "$2: failed (status $status) but printed:" >&2
			cat out >&2
			return 1
		fi
		;;
	esac
}

# check_repo <workload> <what>: the repository run/ after the command:
# it opens (unless its pristine did not), fsck finds at most warnings
# (and what the pristine had), fsck --repair leaves it clean, the
# pristine's objects and refs are all there, and a later put and flush
# work.
check_repo () {
	# The repository opens, unless its pristine one did not.
	case $1 in
	fsck-index|fsck-manifest) ;;
	*) check_objects "$2" || return 1 ;;
	esac
	age run || return 1
	cr_st_=0
	cairn -r run fsck >fsck.out 2>&1 || cr_st_=$?
	if test "$cr_st_" != 0
	then
		if test "$cr_st_" != 1 ||
			grep -v "^warning " fsck.out |
			grep -v -x -F -f "$P/$1.allowed" >&2
		then
			echo "$2: fsck exited $cr_st_ after the run:" >&2
			cat fsck.out >&2
			return 1
		fi
		cr_st_=0
		cairn -r run fsck --repair >fsck.out 2>&1 || cr_st_=$?
		if test "$cr_st_" != 0 || ! cairn -r run fsck >fsck.out 2>&1
		then
			echo "$2: fsck --repair (exit $cr_st_) left it unclean:" >&2
			cat fsck.out >&2
			return 1
		fi
	fi
	check_objects "$2" || return 1
	if ! cairn -r run ref list >refs 2>check.err ||
		! awk -v skip="$(ref_of "$1")" '$2 != skip' refs >refs.other ||
		! cmp -s refs.other "$P/$1.refs"
	then
		echo "$2: the other refs changed:" >&2
		cat refs check.err >&2
		return 1
	fi
	check_later "$2"
}

# check_objects <what>: the repository opens and every object of the
# pristine one reads back.
check_objects () {
	if ! cairn -r run cat --batch <"$P/ids" >check 2>check.err ||
		! cmp -s check "$P/ids.batch"
	then
		echo "$1: the pristine objects do not read back:" >&2
		cat check.err >&2
		return 1
	fi
}

# check_later <what>: a later put and flush work in run/.
check_later () {
	if ! cairn -r run put "$P/later" >/dev/null 2>check.err ||
		! cairn -r run flush 2>>check.err
	then
		echo "$1: a later put and flush failed:" >&2
		cat check.err >&2
		return 1
	fi
}

# check_init <what>: after a run of init: on success a working
# repository; after a failure either a working repository that init
# refuses to make again, or a directory that every command refuses with
# one line, and that init makes again or refuses with one line.  Sets
# outcome.
check_init () {
	if test "$status" = 0
	then
		echo "initialized empty cairn repository in $PWD/run" >expect
		if ! cmp -s out expect
		then
			echo "$1: succeeded but printed:" >&2
			cat out >&2
			return 1
		fi
	fi
	ci_st_=0
	cairn -r run stats >/dev/null 2>stats.err || ci_st_=$?
	if test "$ci_st_" = 0
	then
		test "$status" = 0 || outcome=opens
		ci_st_=0
		cairn init run >/dev/null 2>init.err || ci_st_=$?
		if test "$ci_st_" != 1 || ! test_stderr_one_line init.err 9>&2
		then
			echo "$1: init again exited $ci_st_:" >&2
			cat init.err >&2
			return 1
		fi
		check_fresh "$1"
		return
	fi
	if test "$status" = 0 || test "$ci_st_" != 3 ||
		! test_stderr_one_line stats.err 9>&2
	then
		echo "$1: (status $status) then stats exited $ci_st_:" >&2
		cat stats.err >&2
		return 1
	fi
	# Refused: writing refuses too, and changes nothing.
	listing run >before || return 1
	ci_st_=0
	cairn -r run put "$P/small" >put.out 2>put.err || ci_st_=$?
	listing run >after || return 1
	if test "$ci_st_" != 3 || ! test_stderr_one_line put.err 9>&2 ||
		test -s put.out || ! cmp -s before after
	then
		echo "$1: put in what init left exited $ci_st_:" >&2
		cat put.out put.err >&2
		return 1
	fi
	ci_st_=0
	cairn init run >/dev/null 2>init.err || ci_st_=$?
	case $ci_st_ in
	0)
		outcome=reinit
		;;
	1)
		outcome=refused
		if ! test_stderr_one_line init.err 9>&2
		then
			echo "$1: init again refused without one line:" >&2
			return 1
		fi
		read -r ci_stats_ <stats.err && read -r ci_init_ <init.err &&
		printf '%s | init: %s\n' "$ci_stats_" "$ci_init_" |
			sed "s/'[^']*'/'X'/g" >>"$LOG.refusals"
		return 0
		;;
	*)
		echo "$1: init again exited $ci_st_:" >&2
		cat init.err >&2
		return 1
		;;
	esac
	check_fresh "$1"
}

# check_fresh <what>: run/ is a working empty repository.
check_fresh () {
	if ! cairn -r run fsck >fsck.out 2>&1
	then
		echo "$1: fsck fails on the new repository:" >&2
		cat fsck.out >&2
		return 1
	fi
	check_later "$1"
}

# check_run <workload> <what>: after run_cmd: no crash; exit 0, or 3
# with one line on stderr (fsck --repair: or 1 with nothing on stderr,
# when it could not remove a leftover); then the checks above.  Sets
# outcome.
check_run () {
	outcome=ok
	case $1,$status in
	*,0)
		;;
	*,3)
		if ! test_stderr_one_line err 9>&2
		then
			echo "$2: failed (status $status) without one error line" >&2
			return 1
		fi
		;;
	*)
		echo "$2: wrong exit status $status:" >&2
		cat err >&2
		outcome=status
		return 1
		;;
	esac
	check_output "$1" "$2" || return 1
	if test "$1" = init
	then
		check_init "$2"
	else
		check_repo "$1" "$2"
	fi
}

# run_checked <workload> <n> <mode>: one run with mutating call <n>
# failing in <mode> (EIO, ENOSPC, short; a final + fails every call from
# <n> on), checked and logged; sets clean if it ended as a run without
# faults does (so the fault never fired).
run_checked () {
	case $3 in
	*+) rc_spec_=$2+:${3%+} ;;
	*) rc_spec_=$2:$3 ;;
	esac
	run_cmd "$1" "$rc_spec_" || return 1
	clean=
	rc_out_=$P/$1.out
	if test "$1" = init
	then
		rc_out_=expect.out
		expected_out init >expect.out || return 1
	fi
	if test "$status" = 0 && cmp -s out "$rc_out_"
	then
		snapshot run >snap || return 1
		cmp -s snap "$P/$1.snap" && clean=t
	fi
	rc_ok_=ok
	check_run "$1" "$1, CAIRN_TEST_FAULT=$rc_spec_" || rc_ok_=bad
	echo "$1 $3 $2 $status $outcome $rc_ok_ ${clean:--}" >>"$LOG"
	test "$rc_ok_" = ok
}

# fault_count <workload>: fail call n = 1, 2, ... with EIO until two runs
# in a row end as a run without faults does; the count of calls goes to
# $P/<workload>.calls.  A clean run before those (a failed call without
# any effect) is reported.
fault_count () {
	fc_n_=1
	fc_bad_=
	fc_streak_=0
	fc_ignored_=
	while test "$fc_n_" -le "$MAX_CALLS"
	do
		run_checked "$1" "$fc_n_" EIO || fc_bad_="$fc_bad_ $fc_n_"
		if test -n "$clean"
		then
			fc_streak_=$((fc_streak_ + 1))
			test "$fc_streak_" = 2 && break
		else
			if test "$fc_streak_" != 0
			then
				fc_ignored_="$fc_ignored_ $((fc_n_ - 1))"
			fi
			fc_streak_=0
		fi
		fc_n_=$((fc_n_ + 1))
	done
	if test "$fc_streak_" != 2
	then
		echo "$1: still failing after $MAX_CALLS calls" >&2
		return 1
	fi
	fc_count_=$((fc_n_ - 2))
	echo "$1: $fc_count_ mutating calls"
	echo "$fc_count_" >"$P/$1.calls" &&
	echo "$1 $fc_count_" >>"$LOG.calls" || return 1
	if test -n "$fc_ignored_"
	then
		echo "$1: EIO at call(s)$fc_ignored_ changed nothing" >&2
		echo "$1$fc_ignored_" >>"$LOG.ignored"
	fi
	test "$fc_count_" -ge 2 || {
		echo "$1: too few calls counted" >&2
		return 1
	}
	if test -n "$fc_bad_"
	then
		echo "$1: failed checks at calls:$fc_bad_" >&2
		return 1
	fi
}

# fault_each <workload> <mode>: fail each counted call in turn in <mode>;
# one past the count, the fault must never fire.
fault_each () {
	fe_count_=$(cat "$P/$1.calls") || return 1
	fe_n_=1
	fe_bad_=
	while test "$fe_n_" -le "$fe_count_"
	do
		run_checked "$1" "$fe_n_" "$2" || fe_bad_="$fe_bad_ $fe_n_"
		fe_n_=$((fe_n_ + 1))
	done
	run_checked "$1" "$fe_n_" "$2" || return 1
	if test -z "$clean"
	then
		echo "$1, $2: a fault at call $fe_n_ of $fe_count_ changed something" >&2
		return 1
	fi
	if test -n "$fe_bad_"
	then
		echo "$1, $2: failed checks at calls:$fe_bad_" >&2
		return 1
	fi
}

test_expect_success 'setup: pristine repositories and runs without faults' '
	mkdir -p "$P" &&
	: >"$LOG" &&
	make_pristine &&
	for w in $WORKLOADS
	do
		run_cmd "$w" "" &&
		test "$status" = 0 &&
		cp out "$P/$w.out" &&
		snapshot run >"$P/$w.snap" &&
		case $w in
		put-*|commit)
			content_of "$w" "$(cat out)" >"$P/$w.content"
			;;
		init|fsck-*)
			test -s out
			;;
		*)
			test_must_be_empty out
			;;
		esac &&
		check_run "$w" "$w without faults" || return 1
	done &&
	for w in put-file put-big put-stdin put-tree commit
	do
		test_line_count = 1 "$P/$w.out" || return 1
	done &&
	# put-big streams into the data file: the WAL grows by far less.
	cairn_stat wal_bytes -r "$P/repo" >wal.before &&
	run_cmd put-big "" &&
	cairn_stat wal_bytes -r run >wal.after &&
	test "$(($(cat wal.after) - $(cat wal.before)))" -lt 1024 &&
	test "$(wc -c <"$P/big")" -gt 65536 &&
	cmp "$P/small" "$P/put-file.content" &&
	cmp "$P/big" "$P/put-big.content" &&
	cmp "$P/stdin" "$P/put-stdin.content" &&
	test_line_count = 4 "$P/fsck-leftovers.out" &&
	! grep -v " (repaired)\$" "$P/fsck-leftovers.out" &&
	! grep -v " (repaired)\$" "$P/fsck-index.out"
'

for w in $WORKLOADS
do
	test_expect_success "$w: EIO at each mutating call, counting them" "
		fault_count $w
	"
	for mode in $MODES
	do
		test_expect_success "$w: $mode at each mutating call" "
			fault_each $w $mode
		"
	done
done

# The figures, from the log of every run: "<workload> <mode> <n> <status>
# <outcome> <ok|bad> <clean>".
if test -s "$LOG"
then
	: >>"$LOG.calls"
	awk -v runlog="$LOG" '
	FILENAME != runlog {
		calls[$1] = $2
		next
	}
	{
		w = $1
		if (!(w in runs))
			order[nw++] = w
		runs[w]++
		if ($4 != 0)
			failed[w]++
		if ($4 == 3 && $6 == "ok")
			oneline[w]++
		if ($5 == "status" || $4 >= 128)
			wrong[w]++
		if ($5 == "opens" || $5 == "reinit" || $5 == "refused")
			init[$5]++
		if ($6 == "bad")
			bad[w]++
		total++
		tbad += $6 == "bad"
		twrong += ($5 == "status" || $4 >= 128)
	}
	END {
		for (i = 0; i < nw; i++) {
			w = order[i]
			line = sprintf("%s: %d mutating calls, %d runs, %d failed" \
			    " (%d exit 3 with one line), %d wrong exit statuses", w,
			    calls[w], runs[w], failed[w], oneline[w], wrong[w])
			if (bad[w])
				line = line sprintf(", %d FAILED CHECKS", bad[w])
			print line
		}
		printf "failed init: %d left a working repository, %d a" \
		    " directory init made again, %d one init refuses\n",
		    init["opens"], init["reinit"], init["refused"]
		printf "total: %d runs, %d wrong exit statuses, %d failed checks\n",
		    total, twrong, tbad
	}' "$LOG.calls" "$LOG" | sed "s/^/# $TEST_NAME: /" >&2
	if test -s "$LOG.refusals"
	then
		sort "$LOG.refusals" | uniq -c |
			sed "s/^ */# $TEST_NAME: after a failed init (times): /" >&2
	fi
	if test -s "$LOG.ignored"
	then
		sed "s/^/# $TEST_NAME: EIO changed nothing at calls: /" \
			"$LOG.ignored" >&2
	fi
fi

test_done
