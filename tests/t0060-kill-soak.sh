#!/bin/sh
# t0060-kill-soak: 8 clients put objects, read them back and move 3 refs
# with compare-and-swap, while a killer sends kill -9 to the cairn command
# a client is running, or to a whole client, at random moments, and starts
# the client again.  Afterwards every acknowledged put (exit status 0) is
# present with its exact bytes, the successful compare-and-swaps of each
# ref form one chain (no lost update, real-time order kept), fsck finds
# only the leftovers a kill may leave, all of them repairable, and no
# stale lock keeps a writer waiting.
#
# CAIRN_SOAK_KILLS (default 200) is the number of kills; CAIRN_SOAK_SEED
# fixes the random choices (not the timing) of a run.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317,SC2034
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

CLIENTS=8
REFS=3
KILLS=${CAIRN_SOAK_KILLS:-200}
SEED=${CAIRN_SOAK_SEED:-$(($(date +%s) % 1000000 * 1000 + $$ % 1000))}
# The killer gives up (and the test fails) if the kills take longer.
MAXSECS=$((KILLS * 2 + 60))
LOCK_TIMEOUT=5000
# fsck findings: what a kill may leave behind, the files no one names
# (reported only once a minute old, without --repair), and those repaired.
TMP_STRAY='(tmp [^ ]+: leftover temporary file|stray [^ ]+: '\
'(left over from an older generation|not named by the manifest))'
LEFTOVERS='^warning (wal [^ ]+: torn tail of [0-9]+ bytes '\
'\(a crash artefact: never acknowledged\)|data [^ ]+: .*|'\
'lock [^ ]+: stale lock \(its holder is gone\)|'"$TMP_STRAY)\$"
UNNAMED="^warning $TMP_STRAY\$"
UNNAMED_REPAIRED="^warning $TMP_STRAY \\(repaired\\)\$"
# The soak's repository and logs, shared by the tests below.
W=$TRASH_DIRECTORY/soak

case $KILLS in
''|*[!0-9]*)
	echo "Bail out! CAIRN_SOAK_KILLS must be a number"
	exit 1
	;;
esac
case $SEED in
''|*[!0-9]*)
	echo "Bail out! CAIRN_SOAK_SEED must be a number"
	exit 1
	;;
esac

# Sub-second sleeps (GNU, busybox, BSD) and a microsecond clock (GNU
# date; whole seconds elsewhere, which only weakens the order checks).
if sleep 0.001 2>/dev/null
then
	test_set_prereq FRACSLEEP
fi
case $(date +%s%6N 2>/dev/null) in
*[!0-9]*|'') CLOCK_FMT=+%s000000 ;;
*)
	CLOCK_FMT=+%s%6N
	test_set_prereq USCLOCK
	;;
esac

now () {
	date "$CLOCK_FMT"
}

# rnd <n>: a pseudo-random number in [0, n) in $r, from the state in
# $r_state (an LCG; the shell has no $RANDOM, and this forks nothing).
rnd () {
	r_state=$(((r_state * 1103515245 + 12345) % 2147483648))
	r=$((r_state / 65536 % $1))
}

# is_id <string>: a full SHA-256 id.
is_id () {
	case $1 in
	*[!0-9a-f]*) return 1 ;;
	esac
	test "${#1}" = 64
}

# --- The client --------------------------------------------------------
#
# client <c> <incarnation>: until killed, repeat at random one of: put an
# object; cat an object acknowledged earlier (by this client or another);
# read a ref, put a new value naming the one read, and move the ref from
# the one read to it (ref set --old, or ref update); flush; gc.  Every
# cairn command runs in the background and its pid is written to cur.<c>,
# for the killer.  The client writes one line per event to
# log.<c>.<incarnation>, each ending in " ." so that a line cut short by a
# kill is known:
#
#	P <id> <file> .				put acknowledged (exit 0)
#	R <ref> <value> <t0> <t1> .		ref get
#	S <ref> <old> <new> <t0> <how> .	a CAS is about to start
#	C <ref> <old> <new> <t0> <t1> <outcome> <seen> .
#						its outcome: ok, mismatch
#						(<seen> is the value the ref
#						held), busy or killed
#	F <command> .				flush or gc finished
#	K <command> <status> .			a command killed (137) or
#						busy (4)
#	V <id> .				cat printed the right bytes
#
# Anything wrong (wrong bytes, an unexpected exit status or message) goes
# to err.<c>.<incarnation>.  Times are microseconds.

# run <stdin> <command>...: run a command in the background, let the
# killer know its pid, wait for it; its status is in $st, its output in
# $cl_out and $cl_eout.
run () {
	run_in_=$1
	shift
	"$@" <"$run_in_" >"$cl_out" 2>"$cl_eout" &
	run_pid_=$!
	echo "$run_pid_" >"cur.$cl_c"
	wait "$run_pid_"
	st=$?
}

# unexpected <what>: record an unexpected exit status of a command.
unexpected () {
	{
		echo "$1: exit status $st, stderr:"
		cat "$cl_eout"
	} >>"$cl_err"
}

# other <command> <status>: a kill (137) or busy (4) is recorded; anything
# else is an error.
other () {
	case $2 in
	137|4)
		echo "K $1 $2 ." >>"$cl_log"
		;;
	*)
		unexpected "$1"
		;;
	esac
}

# make_content <file> <header>: the header line, and now and then filler
# text: small objects go through the WAL (and fill it past core.walLimit
# now and then: an automatic flush), those larger than
# core.bigFileThreshold are streamed into the data file.
make_content () {
	rnd 20
	if test "$r" -lt 12
	then
		printf '%s\n' "$2" >"$1"
	elif test "$r" -lt 16
	then
		{ printf '%s\n' "$2"; cat pad.s; } >"$1"
	elif test "$r" -lt 19
	then
		{ printf '%s\n' "$2"; cat pad.m; } >"$1"
	else
		{ printf '%s\n' "$2"; cat pad.l; } >"$1"
	fi
}

# acked <id> <file>: a put of <file> was acknowledged.
acked () {
	echo "P $1 $2 ." >>"$cl_log"
	eval "ring_$((cl_acked % 16))=\"\$1 \$2\""
	cl_acked=$((cl_acked + 1))
	# Replaced with rename: `read` reads a byte at a time, and would
	# splice two ids if the file were rewritten in place under it.
	echo "$1 $2 ." >"last.$cl_c.tmp"
	mv -f "last.$cl_c.tmp" "last.$cl_c"
}

# put_file <file>: put it; on success the id is in $id.
put_file () {
	id=
	run /dev/null cairn put "$1"
	if test "$st" = 0
	then
		read -r id <"$cl_out"
		if ! is_id "$id"
		then
			unexpected "put printed '$id'"
			id=
			return 1
		fi
		acked "$id" "$1"
		return 0
	fi
	other put "$st"
	return 1
}

op_put () {
	make_content "objs/p.$cl_c.$cl_inc.$cl_n" "put $cl_c $cl_inc $cl_n $SEED"
	put_file "objs/p.$cl_c.$cl_inc.$cl_n"
}

# op_cat: read back an object this client stored (one of its last 16) or
# the last one another client stored, and compare with the file.
op_cat () {
	rnd 2
	if test "$r" = 0 && test "$cl_acked" -gt 0
	then
		n_=$cl_acked
		test "$n_" -le 16 || n_=16
		rnd "$n_"
		entry=
		eval "entry=\$ring_$r"
		id=${entry%% *}
		f=${entry#* }
	else
		rnd "$CLIENTS"
		id=
		f=
		dot=
		if test -f "last.$((r + 1))"
		then
			read -r id f dot <"last.$((r + 1))"
		fi
		# None yet, or the one of a client killed while writing
		# it: try another time.
		if ! is_id "$id" || test "$dot" != . || ! test -f "$f"
		then
			return 0
		fi
	fi
	run /dev/null cairn cat "$id"
	case $st in
	0)
		if cmp -s "$cl_out" "$f"
		then
			echo "V $id ." >>"$cl_log"
		else
			cp "$cl_out" "wrong.$cl_c.$cl_inc.$cl_n"
			echo "cat $id printed bytes other than $f's" \
				"(in wrong.$cl_c.$cl_inc.$cl_n)" >>"$cl_err"
		fi
		;;
	*)
		other cat "$st"
		;;
	esac
}

# op_cas: read a ref, put a value that names what was read, and move the
# ref from that to the new value.
op_cas () {
	rnd "$REFS"
	ref=soak/r$r
	t0=$(now)
	run /dev/null cairn ref get "$ref"
	t1=$(now)
	if test "$st" != 0
	then
		other ref-get "$st"
		return 0
	fi
	read -r old <"$cl_out"
	if ! is_id "$old"
	then
		unexpected "ref get printed '$old'"
		return 0
	fi
	echo "R $ref $old $t0 $t1 ." >>"$cl_log"
	f=objs/c.$cl_c.$cl_inc.$cl_n
	printf 'soak-cas %s\nprev %s\nby %s %s %s %s\n' "$ref" "$old" \
		"$cl_c" "$cl_inc" "$cl_n" "$SEED" >"$f"
	put_file "$f" || return 0
	new=$id
	rnd 4
	how='set'
	test "$r" != 0 || how=update
	t0=$(now)
	echo "S $ref $old $new $t0 $how ." >>"$cl_log"
	if test "$how" = set
	then
		run /dev/null cairn ref set "$ref" "$new" --old "$old"
	else
		printf 'set %s %s %s\n' "$ref" "$new" "$old" >"$cl_tx"
		run "$cl_tx" cairn ref update
	fi
	t1=$(now)
	seen=-
	case $st in
	0)
		outcome=ok
		;;
	1)
		outcome=mismatch
		line=
		read -r line <"$cl_eout"
		seen=${line#"cairn: ref '$ref' is at "}
		seen=${seen%" but expected $old"}
		if ! is_id "$seen" || test "$seen" = "$old"
		then
			unexpected "ref $how (not a mismatch)"
			return 0
		fi
		;;
	4)
		outcome=busy
		;;
	137)
		outcome=killed
		;;
	*)
		unexpected "ref $how"
		return 0
		;;
	esac
	echo "C $ref $old $new $t0 $t1 $outcome $seen ." >>"$cl_log"
}

op_flush () {
	run /dev/null cairn flush
	if test "$st" = 0
	then
		echo "F flush ." >>"$cl_log"
	else
		other flush "$st"
	fi
}

# gc keeps everything: every object was written within its grace period.
op_gc () {
	run /dev/null cairn gc
	if test "$st" = 0
	then
		read -r line <"$cl_out"
		case $line in
		"kept "*", removed 0 objects (0 bytes)")
			echo "F gc ." >>"$cl_log"
			;;
		*)
			unexpected "gc printed '$line'"
			;;
		esac
	else
		other gc "$st"
	fi
}

client () {
	set +e
	cl_c=$1
	cl_inc=$2
	cl_log=log.$cl_c.$cl_inc
	cl_err=err.$cl_c.$cl_inc
	cl_out=out.$cl_c.$cl_inc
	cl_eout=eout.$cl_c.$cl_inc
	cl_tx=tx.$cl_c.$cl_inc
	cl_n=0
	cl_acked=0
	r_state=$((SEED + cl_c * 7919 + cl_inc * 104729))
	: >"$cl_log"
	: >"$cl_err"
	while :
	do
		cl_n=$((cl_n + 1))
		rnd 200
		if test "$r" -lt 80
		then
			op_put
		elif test "$r" -lt 120
		then
			op_cat
		elif test "$r" -lt 190
		then
			op_cas
		elif test "$r" -lt 199
		then
			op_flush
		else
			op_gc
		fi
	done
	return 0
}

# --- The killer --------------------------------------------------------

# live_cairn <pid> <parent>: <pid> is a cairn command, not yet dead, whose
# parent is <parent> (so it is the command a client runs, not a recycled
# pid).
live_cairn () {
	lc_pid_=$1
	lc_parent_=$2
	is_num "$lc_pid_" || return 1
	if test -d /proc/self
	then
		lc_line_=
		{ read -r lc_line_ <"/proc/$lc_pid_/stat"; } 2>/dev/null ||
			return 1
		# pid (comm) state ppid ...; comm is "cairn", without blanks.
		# shellcheck disable=SC2086
		set -- $lc_line_
	else
		lc_line_=$(ps -o pid= -o comm= -o stat= -o ppid= -p "$lc_pid_" \
			2>/dev/null) || return 1
		# shellcheck disable=SC2086
		set -- $lc_line_
		set -- "$1" "($2)" "$3" "$4"
	fi
	test "$#" -ge 4 && test "$2" = "(cairn)" && test "$4" = "$lc_parent_" ||
		return 1
	case $3 in
	Z*|X*|x*) return 1 ;;
	esac
	return 0
}

is_num () {
	case $1 in
	''|*[!0-9]*) return 1 ;;
	esac
	return 0
}

# nap <ms>: sleep up to <ms> (below 1000) milliseconds, at random.
nap () {
	rnd "$1"
	sleep "$(printf '0.%03d' "$r")" 7>&-
}

start_client () {
	eval "inc_$1=\$((inc_$1 + 1))"
	eval "client $1 \$inc_$1 2>stderr.$1.\$inc_$1" &
	eval "pid_$1=\$!"
}

# kill_one <c>: kill -9 the cairn command client <c> runs; 1 if it runs
# none just now.
kill_one () {
	ko_parent_=
	eval "ko_parent_=\$pid_$1"
	ko_pid_=
	read -r ko_pid_ <"cur.$1" 2>/dev/null || return 1
	live_cairn "$ko_pid_" "$ko_parent_" || return 1
	kill -9 "$ko_pid_" 2>/dev/null
}

# kill_client <c> [last]: kill -9 client <c> itself and, most of the
# time, the command it runs (else that command finishes on its own, with
# no one to record it), and start it again; with "last", kill both and
# do not start it again.
kill_client () {
	kc_parent_=
	eval "kc_parent_=\$pid_$1"
	kc_pid_=
	read -r kc_pid_ <"cur.$1" 2>/dev/null || kc_pid_=
	kc_live_=
	if live_cairn "$kc_pid_" "$kc_parent_"
	then
		kc_live_=t
	fi
	kill -9 "$kc_parent_"
	rnd 4
	if test -n "$kc_live_" && { test "$r" != 0 || test "$2" = last; }
	then
		kill -9 "$kc_pid_" 2>/dev/null || :
	elif test -n "$kc_live_"
	then
		orphans=$((orphans + 1))
	fi
	kc_st_=0
	wait "$kc_parent_" || kc_st_=$?
	if test "$kc_st_" != 137
	then
		echo "client $1 ended with status $kc_st_ when killed" >>killer.err
	fi
	# Reaped: its pid may be given to another process now.
	eval "pid_$1="
	test "$2" = last || start_client "$1"
}

soak_cleanup () {
	c=1
	while test "$c" -le "$CLIENTS"
	do
		p_=
		eval "p_=\${pid_$c-}"
		test -z "$p_" || kill -9 "$p_" 2>/dev/null
		c=$((c + 1))
	done
}

# soak: start the clients, kill until KILLS kills were delivered, then
# kill them all.  Figures go to the file figures.
soak () {
	r_state=$SEED
	kills=0
	whole=0
	misses=0
	orphans=0
	: >killer.err
	# If this shell exits early, the clients must not run on.
	trap soak_cleanup EXIT
	# Every client, and every command it starts, holds the write end of
	# the fifo `alive` open: when the reader sees its end, all of them
	# are gone, the commands of killed clients too.
	mkfifo alive
	{ cat alive >/dev/null; : >alive.end; } &
	reader=$!
	exec 7>alive
	c=1
	while test "$c" -le "$CLIENTS"
	do
		eval "inc_$c=0"
		start_client "$c"
		c=$((c + 1))
	done
	t_start=$(date +%s)
	rounds=0
	missed=
	while test "$kills" -lt "$KILLS"
	do
		rounds=$((rounds + 1))
		if test $((rounds % 16)) = 0 &&
			test $(($(date +%s) - t_start)) -gt "$MAXSECS"
		then
			echo "only $kills kills in $MAXSECS s" >>killer.err
			break
		fi
		# After a miss (the client was between two commands), try
		# again sooner.
		if test "$missed" = t
		then
			nap 20
		else
			nap 150
		fi
		missed=
		rnd "$CLIENTS"
		c=$((r + 1))
		rnd 20
		if test "$r" = 0
		then
			kill_client "$c" next
			whole=$((whole + 1))
			kills=$((kills + 1))
		elif kill_one "$c"
		then
			kills=$((kills + 1))
		else
			misses=$((misses + 1))
			missed=t
		fi
	done
	# The last blow: every client, and the command it runs, at once.
	c=1
	while test "$c" -le "$CLIENTS"
	do
		kill_client "$c" last
		c=$((c + 1))
	done
	kills=$((kills + CLIENTS))
	exec 7>&-
	n_=0
	while ! test -e alive.end && test "$n_" -lt 1200
	do
		sleep 0.05
		n_=$((n_ + 1))
	done
	if test -e alive.end
	then
		wait "$reader"
	else
		echo "cairn commands still running a minute after the end" >>killer.err
	fi
	trap - EXIT
	t_end=$(date +%s)
	{
		echo "seed $SEED: $kills kills delivered in $((t_end - t_start)) s" \
			"($whole whole clients, $orphans commands left to finish" \
			"alone, $misses times no command to kill)"
	} >figures
}

# --- Checks ------------------------------------------------------------

# logs: the complete lines of every client's logs.
logs () {
	cat "$W"/log.*.* | awk '$NF == "." && NF >= 3'
}

# make_pads: filler text (not compressible much, and awk-readable) to
# make objects larger: pad.s (1 KiB), pad.m (8 KiB) and pad.l (96 KiB),
# the last two past core.bigFileThreshold.
make_pads () {
	awk -v seed="$SEED" 'BEGIN {
		srand(seed)
		for (i = 0; i < 1536; i++) {
			s = ""
			for (j = 0; j < 63; j++)
				s = s sprintf("%c", 33 + int(rand() * 94))
			print s
		}
	}' >pad.l &&
	head -n 16 pad.l >pad.s &&
	head -n 128 pad.l >pad.m
}

# tally <log lines>: what the clients did, and how many of their commands
# died by the signal, per command.
tally () {
	awk '
	$1 == "P" { done["put"]++ }
	$1 == "V" { done["cat"]++ }
	$1 == "R" { done["ref-get"]++ }
	$1 == "F" { done[$2]++ }
	$1 == "K" && $3 == 137 { died[$2]++; all++ }
	$1 == "K" && $3 == 4 { busy[$2]++ }
	$1 == "C" && $7 == "killed" { died["ref-cas"]++; all++ }
	$1 == "C" && $7 != "killed" { done["ref-cas"]++ }
	END {
		printf "commands that ended (killed, busy):"
		n = split("put cat ref-get ref-cas flush gc", k, " ")
		for (i = 1; i <= n; i++)
			printf " %s %d (%d, %d)", k[i], done[k[i]], died[k[i]], busy[k[i]]
		printf "; died %d by the signal\n", all
	}' "$1"
}

# only_lines <ERE> <file>: every line of <file> matches <ERE>.
only_lines () {
	ol_st_=0
	grep -v -E "$1" "$2" >"$2.other" || ol_st_=$?
	case $ol_st_ in
	1)
		return 0
		;;
	0)
		echo "lines of $2 that do not match '$1':" >&9
		cat "$2.other" >&9
		;;
	esac
	return 1
}

# batch_expect <list>: what cat --batch prints for the "<id> <file>" lines
# of <list>: "<id> blob <size>", the content of <file> (in $W) and a
# newline.  The files are text, ending in a newline, so awk reads them.
batch_expect () {
	awk -v dir="$W" '{
		f = dir "/" $2
		c = ""
		while ((getline l <f) > 0)
			c = c l "\n"
		close(f)
		printf "%s blob %d\n%s\n", $1, length(c), c
	}' "$1"
}

# chain_check <ref> <root> <final> <logs> <values>: the chain of <ref>
# from <final> back to <root>, through the "prev" of each value (read
# from the repository with cat --batch into <values>), checked against
# the clients' logs.  Prints figures; on any violation, messages on
# stderr and status 1.
chain_check () {
	awk -v ref="$1" -v root="$2" -v final="$3" '
	function fail(msg) {
		print ref ": " msg > "/dev/stderr"
		bad++
	}
	FILENAME == ARGV[2] && NF == 3 && $2 == "blob" { id = $1; next }
	FILENAME == ARGV[2] && $1 == "soak-cas" { vref[id] = $2; next }
	FILENAME == ARGV[2] && $1 == "prev" { prev[id] = $2; next }
	FILENAME == ARGV[2] { next }
	$2 != ref { next }
	$1 == "S" {
		if ($4 in sold)
			fail("value " $4 " is the new value of two attempts")
		sold[$4] = $3; sstart[$4] = $5
		attempts++
		next
	}
	$1 == "C" {
		if (!($4 in sold) || sold[$4] != $3)
			fail("outcome of an attempt " $3 " -> " $4 \
			    " that did not start")
		cold[$4] = $3; cend[$4] = $6; cout[$4] = $7
		ended++
		if ($7 == "ok") { okold[$3]++; oks[$4] = 1 }
		if ($7 == "mismatch") {
			nr++; rval[nr] = $8; r0[nr] = $5; r1[nr] = $6
		}
		count[$7]++
		next
	}
	$1 == "R" {
		nr++; rval[nr] = $3; r0[nr] = $4; r1[nr] = $5
		reads++
		next
	}
	END {
		# Walk back from the final value.
		n = 0
		cur = final
		while (cur != root) {
			if (cur in pos) { fail("value " cur " is visited twice"); exit 1 }
			if (!(cur in prev) || vref[cur] != ref) {
				fail("value " cur " is not a value made for this ref")
				exit 1
			}
			pos[cur] = ++n
			chain[n] = cur
			cur = prev[cur]
		}
		len = n
		# chain[len] follows the root; number from the root instead.
		for (i = 1; i <= len; i++) {
			at[i] = chain[len + 1 - i]
			pos[at[i]] = i
		}
		pos[root] = 0
		unknown = 0
		big = 1e300
		maxstart = 0
		for (i = 1; i <= len; i++) {
			v = at[i]
			end[i] = big
			start[i] = 0
			if (!(v in sold)) {
				fail("value " v " was set by no logged attempt")
				continue
			}
			if (sold[v] != (i == 1 ? root : at[i - 1]))
				fail("value " v " was set from " sold[v] " but follows another")
			o = (v in cout) ? cout[v] : "unknown"
			if (o != "ok" && o != "killed" && o != "unknown")
				fail("value " v " was set by an attempt that reported " o)
			if (o != "ok")
				unknown++
			end[i] = (v in cend) ? cend[v] : big
			start[i] = sstart[v]
			# Real time: what ended before an earlier step began
			# cannot come after it.
			if (end[i] < maxstart)
				fail("step " i " (" v ") ended before an " \
				    "earlier step began")
			if (start[i] > maxstart)
				maxstart = start[i]
		}
		# No lost update: every acknowledged CAS is in the chain,
		# and no old value was acknowledged twice.
		lost = 0
		for (v in oks)
			if (!(v in pos)) {
				fail("acknowledged CAS " cold[v] " -> " v \
				    " is not in the chain (lost update)")
				lost++
			}
		for (o in okold)
			if (okold[o] > 1)
				fail("old value " o " was replaced by " \
				    okold[o] " acknowledged CASes")
		# Reads (ref get, and the value a mismatch saw) return a value
		# of the chain, consistent with real time: not before the step
		# that set it began, not after the next step ended.
		minend[len + 1] = big
		for (i = len; i >= 1; i--)
			minend[i] = end[i] < minend[i + 1] ? end[i] : minend[i + 1]
		for (k = 1; k <= nr; k++) {
			v = rval[k]
			if (!(v in pos)) {
				fail("read " v ", which is not in the chain")
				continue
			}
			p = pos[v]
			if (p > 0 && start[p] > r1[k])
				fail("read " v " before the step that set it began")
			if (minend[p + 1] < r0[k])
				fail("read " v " after a later step had ended")
		}
		printf "%s: chain of %d steps; CAS ok %d, mismatch %d, " \
			"busy %d, unknown %d (%d of them in the chain); " \
			"reads %d; lost updates %d\n",
			ref, len, count["ok"], count["mismatch"], count["busy"],
			count["killed"] + attempts - ended, unknown,
			reads, lost
		exit (bad > 0)
	}' "$4" "$5"
}

test_expect_success FRACSLEEP "kill soak: $CLIENTS clients, $KILLS kills (seed $SEED)" '
	mkdir "$W"
	cd "$W"
	cairn init >/dev/null
	cairn config core.lockTimeout "$LOCK_TIMEOUT"
	cairn config core.walLimit 16384
	cairn config core.bigFileThreshold 4096
	mkdir objs
	make_pads
	i=0
	while test "$i" -lt "$REFS"
	do
		printf "soak-root soak/r%d\n" "$i" >"objs/root.$i"
		cairn put "objs/root.$i" >"root.$i"
		cairn ref set "soak/r$i" "$(cat "root.$i")"
		i=$((i + 1))
	done
	soak
	# Whatever the soak saw, the tests below check what it left.
	: >done
	cat figures
	test_must_be_empty killer.err
	cat err.*.* >errors
	test_must_be_empty errors
	# The shell reports the commands killed under a client.
	cat stderr.*.* | grep -v -x Killed >errors || :
	test_must_be_empty errors
	# The clients saw their commands die by the signal.
	logs >all
	tally all >>figures
	test_must_fail grep "died 0 " figures
'

if test -f "$W/done"
then
	test_set_prereq SOAKED
fi

# A kill may leave (cairn(1), fsck): a torn WAL tail, records past the
# data file's watermark, stale ref locks, and files no one names
# (temporary files, and the index segments, data files or WALs of a
# flush or gc that did not finish, or did not finish removing the old
# ones; fsck reports these once they are a minute old).  All are
# warnings, which the next writer or fsck --repair deals with; anything
# else (an error, or a stray file holding objects the repository lacks)
# is damage.
test_expect_success SOAKED 'right after the kills, fsck finds only what a kill leaves' '
	st=0
	cairn -r "$W/.cairn" fsck >fsck.out 2>fsck.err || st=$?
	cat fsck.out
	test "$st" = 0 || test "$st" = 1
	test_must_be_empty fsck.err
	only_lines "$LEFTOVERS" fsck.out
	echo "fsck right after the kills: $(wc -l <fsck.out) findings" \
		"($(grep -c "^warning lock " fsck.out) stale locks)" >>"$W/figures"
'

test_expect_success SOAKED 'every acknowledged put is present, with its bytes' '
	logs >all
	awk "\$1 == \"P\" { print \$2, \$3 }" all >puts
	test -s puts
	cut -d " " -f 1 puts >ids
	sort ids >sorted
	sort -u ids >unique
	test_cmp sorted unique
	batch_expect puts >expect
	cairn -r "$W/.cairn" cat --batch <ids >actual
	test_cmp_bin expect actual
	n=$(wc -l <puts)
	v=$(awk "\$1 == \"V\"" all | wc -l)
	echo "acknowledged puts: $n, all present and intact; $v reads" \
		"during the soak printed the right bytes" >>"$W/figures"
'

test_expect_success SOAKED 'the compare-and-swaps of each ref form one chain: no lost update' '
	logs >all
	awk "\$1 == \"S\" { print \$4 }" all >news
	cat "$W"/root.* news | cairn -r "$W/.cairn" cat --batch >values
	i=0
	while test "$i" -lt "$REFS"
	do
		cairn -r "$W/.cairn" ref get "soak/r$i" >final
		chain_check "soak/r$i" "$(cat "$W/root.$i")" "$(cat final)" \
			all values >>chains
		i=$((i + 1))
	done
	cat chains
	cat chains >>"$W/figures"
	awk "{ s += \$4 } END { print \"chain length (all refs):\", s }" \
		chains >>"$W/figures"
	only_lines "lost updates 0\$" chains
'

# No stale lock blocks anyone: writers finish well within core.lockTimeout.
test_expect_success SOAKED,USCLOCK 'after the soak, put and ref updates proceed at once' '
	cd "$W"
	echo "after the soak" >objs/after
	t0=$(now)
	id=$(cairn put objs/after)
	t1=$(now)
	cairn cat "$id" >out
	test_cmp objs/after out
	ms=$(((t1 - t0) / 1000))
	worst=$ms
	i=0
	while test "$i" -lt "$REFS"
	do
		old=$(cairn ref get "soak/r$i")
		t0=$(now)
		cairn ref set "soak/r$i" "$id" --old "$old"
		t1=$(now)
		test $(((t1 - t0) / 1000)) -le "$worst" || worst=$(((t1 - t0) / 1000))
		test "$(cairn ref get "soak/r$i")" = "$id"
		i=$((i + 1))
	done
	t0=$(now)
	cairn flush
	t1=$(now)
	test $(((t1 - t0) / 1000)) -le "$worst" || worst=$(((t1 - t0) / 1000))
	echo "# slowest writer after the soak: $worst ms"
	test "$worst" -lt "$LOCK_TIMEOUT"
	find .cairn/refs -name "*.lock" >locks
	test_must_be_empty locks
	echo "after the soak: put, 3 ref updates and a flush, the slowest" \
		"in $worst ms" >>"$W/figures"
'

test_expect_success SOAKED 'fsck after the writers: what remains is repaired, then clean' '
	st=0
	cairn -r "$W/.cairn" fsck >fsck.out || st=$?
	cat fsck.out
	test "$st" = 0 || test "$st" = 1
	only_lines "$UNNAMED" fsck.out
	cairn -r "$W/.cairn" fsck --repair >repair.out
	cat repair.out
	only_lines "$UNNAMED_REPAIRED" repair.out
	cairn -r "$W/.cairn" fsck >fsck2.out
	test_must_be_empty fsck2.out
	echo "fsck --repair removed $(wc -l <repair.out) leftover files;" \
		"fsck clean" >>"$W/figures"
'

if test -f "$W/figures"
then
	sed "s/^/# kill soak: /" "$W/figures" >&2
fi

test_done
