# lib.sh: shell functions shared by the benchmarks (run.sh, scale.sh),
# sourced first, once they set here (their directory); setup and what
# follows it need T (their temporary directory), OUT (a file for
# key=value lines, or empty), LIMIT (seconds a command may take) and
# SINGLE (invocations of a single-cat timing).
# shellcheck shell=sh

# arguments NAME SCRIPT ARG...: the one argument, the cairn to measure,
# as an absolute path in CAIRN, and git in GIT; else a usage error.
# shellcheck disable=SC2034
arguments() {
	args_name_=$1
	args_script_=$2
	shift 2
	if [ $# -ne 1 ] || [ -z "$1" ]; then
		echo "usage: sh tests/bench/$args_script_ /path/to/cairn" >&2
		exit 2
	fi
	case $1 in
	/*) CAIRN=$1 ;;
	*) CAIRN=$(pwd)/$1 ;;
	esac
	if ! GIT=$(command -v git); then
		echo "$args_name_: git is required" >&2
		exit 2
	fi
}

# positive NAME WHAT VALUE...: each VALUE a positive integer, else WHAT
# (the variables) is the error.
positive() {
	pos_name_=$1
	pos_what_=$2
	shift 2
	for v in "$@"; do
		case $v in
		'' | *[!0-9]* | 0)
			echo "$pos_name_: $pos_what_ must be positive integers" >&2
			exit 2
			;;
		esac
	done
}

# scratch PREFIX: T, a new temporary directory removed at exit.
scratch() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 2
	trap 'rm -rf "$T"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# setup NAME: what every benchmark does first.  Neither tool may see the
# user's configuration or repositories; OUT starts empty; the helpers
# gen.c and proc.c (in the directory $here) are compiled into T, as GEN
# and PROC.  NAME begins the error message of a failure.
# GEN and PROC are the callers'; here is set by them.
# shellcheck disable=SC2034,SC2154
setup() {
	mkdir "$T/home" || exit 2
	HOME=$T/home
	GIT_CONFIG_NOSYSTEM=1
	GIT_CONFIG_GLOBAL=/dev/null
	export HOME GIT_CONFIG_NOSYSTEM GIT_CONFIG_GLOBAL
	unset CAIRN_DIR GIT_DIR GIT_WORK_TREE GIT_OBJECT_DIRECTORY \
	    GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_INDEX_FILE \
	    GIT_CEILING_DIRECTORIES
	if [ -n "$OUT" ]; then
		: >"$OUT" || exit 2
	fi
	CC=${CC:-cc}
	say "compiling helpers with $CC"
	for h in gen proc; do
		if ! "$CC" -O2 -std=c11 -D_POSIX_C_SOURCE=200809L \
		    -o "$T/$h" "$here/$h.c"; then
			echo "$1: cannot compile tests/bench/$h.c" >&2
			exit 2
		fi
	done
	GEN=$T/gen
	PROC=$T/proc
}

say() {
	printf 'bench: %s\n' "$*" >&2
}

# note TEXT: one line for the notes printed after the table (each once).
note() {
	touch "$T/notes"
	grep -qxF -- "$*" "$T/notes" || printf '%s\n' "$*" >>"$T/notes"
}

kv() {
	if [ -n "$OUT" ]; then
		printf '%s=%s\n' "$1" "$2" >>"$OUT"
	fi
}

if command -v timeout >/dev/null 2>&1; then
	limit() { timeout "$LIMIT" "$@"; }
else
	limit() { "$@"; }
fi

now() {
	date +%s.%N
}

# median: the median of the numbers on stdin (one or more per line), or
# "failed" if there are none.
median() {
	tr ' ' '\n' | grep . | sort -n | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) print "failed"
			else if (NR % 2) print v[(NR + 1) / 2]
			else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

isnum() {
	case $1 in
	'' | . | *[!0-9.]*) return 1 ;;
	esac
	return 0
}

# calc EXPR VARS...: awk arithmetic on numeric arguments a, b, c; prints
# "failed" if an argument is not a number.
calc() {
	expr=$1
	shift
	for x in "$@"; do
		isnum "$x" || {
			echo failed
			return
		}
	done
	awk -v a="${1:-0}" -v b="${2:-0}" -v c="${3:-0}" "BEGIN { $expr }"
}

# timed LABEL CMD...: runs CMD (stderr kept aside) and prints its wall time
# in seconds, or nothing if it failed; a failure becomes a note.
timed() {
	label=$1
	shift
	t0=$(now)
	"$@" 2>"$T/stderr"
	rc=$?
	t1=$(now)
	if [ "$rc" -ne 0 ]; then
		note "$label failed with exit status $rc:" \
		    "$(head -c 400 "$T/stderr" | tr '\n' ' ')"
		return 1
	fi
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}

# ------------------------------------------------------------------ table

W_FMT='%-40s %-6s %12s %12s %9s  %s\n'

# row KEY LABEL UNIT CAIRN GIT BETTER: one line of the table, and the same
# figures as KEY.* in BENCH_OUT.  BETTER says which way a ratio is good.
row() {
	if isnum "$4" && isnum "$5"; then
		ratio=$(calc 'if (b == 0) print "-"; else printf "%.2f", a / b' \
		    "$4" "$5")
	else
		ratio=-
	fi
	# shellcheck disable=SC2059
	printf "$W_FMT" "$2" "$3" "$4" "$5" "$ratio" "$6"
	kv "$1.unit" "$3"
	kv "$1.cairn" "$4"
	kv "$1.git" "$5"
	kv "$1.ratio" "$ratio"
}

fmt3() { calc 'printf "%.3f", a' "$1"; }
rate() {
	calc 'if (b > 0) printf "%.0f", a / b; else print "failed"' "$1" "$2"
}

# kib DIR: disk usage of DIR in KiB, or "failed".
kib() {
	k=$(du -sk "$1" 2>/dev/null | cut -f1)
	echo "${k:-failed}"
}

# reps CMD...: median seconds of SINGLE runs of CMD; failures become notes.
reps() {
	res=$("$PROC" reps "$SINGLE" "$@" 2>"$T/stderr")
	case $res in
	*' failed=0 '*)
		echo "$res" | sed -n 's/^median=\([0-9.]*\) .*/\1/p'
		;;
	*)
		note "$1 ... $(echo "$res" | sed 's/.* failed=/failed=/'):" \
		    "$(head -c 300 "$T/stderr" | tr '\n' ' ')"
		echo failed
		;;
	esac
}
