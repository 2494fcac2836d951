#!/bin/sh
# tests/fuzz/run.sh: run libFuzzer targets built by `make fuzz-build`.
#
#   sh tests/fuzz/run.sh <build dir> <seconds> <jobs> <name>...
#
# Each target <build dir>/tests/fuzz/<name>-fuzzer runs for <seconds> on a
# fresh copy of its committed corpus (tests/fuzz/corpus/<name>, copied to
# <build dir>/corpus/<name>, where new inputs also go; with FUZZ_SEEDS_ONLY
# set, only its seed-* and regress-* files, which start faster), at most
# <jobs> targets at a time.  Crashing inputs are saved as
# <build dir>/crashes/<name>-crash-*, the log as <build dir>/logs/<name>.log.
# One line per target: executions, exec/s, coverage (edges), features,
# corpus size and crashes.  Exit status 1 if any target crashed.
#
# With FUZZ_RUNS=<n> set, <seconds> is ignored and a target runs <n>
# inputs in all (-runs=<n>), its corpus first, then mutations from a fixed
# seed (-seed=1), whatever the machine's speed.  FUZZ_RUNS=0 runs each input
# of the corpus once and nothing else: deterministic, what `make check`
# (t0070) does.  With n > 0 the mutated inputs still vary from run to run
# (libFuzzer follows coverage feedback, which varies here).  `make fuzz`
# explores with a time limit and a random seed.

set -u
if test $# -lt 4
then
	echo "usage: $0 <build dir> <seconds> <jobs> <name>..." >&2
	exit 2
fi
out=$1 secs=$2 jobs=$3
shift 3
src=$(cd "$(dirname "$0")" && pwd -P) || exit 2
mkdir -p "$out/logs" "$out/crashes" "$out/corpus" || exit 2
# The targets write scratch repositories, in a directory of this run's
# (removed at the end), in memory if the machine has /dev/shm: faster.
base=${TMPDIR:-/tmp}
if test -d /dev/shm && test -w /dev/shm
then
	base=/dev/shm
fi
TMPDIR=$(mktemp -d "$base/cairn-fuzz-run.XXXXXX") || exit 2
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT

run_one () {
	name=$1
	rm -rf "$out/corpus/$name"
	mkdir -p "$out/corpus/$name" || return 1
	if test -d "$src/corpus/$name" && test -n "${FUZZ_SEEDS_ONLY-}"
	then
		cp "$src/corpus/$name"/seed-* "$src/corpus/$name"/regress-* \
			"$out/corpus/$name"/ 2>/dev/null
	elif test -d "$src/corpus/$name"
	then
		cp "$src/corpus/$name"/* "$out/corpus/$name"/ 2>/dev/null
	fi
	rm -f "$out/crashes/$name"-*
	if test -n "${FUZZ_RUNS-}"
	then
		set -- -seed=1 -runs="$FUZZ_RUNS"
	else
		set -- -max_total_time="$secs"
	fi
	# Sanitizer reports abort (a crash for libFuzzer); a run is one input
	# at most 25 s.  stdout of the target (none expected) goes to the log.
	ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1} \
	"$out/tests/fuzz/$name-fuzzer" "$@" \
		-timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/crashes/$name-" \
		"$out/corpus/$name" >"$out/logs/$name.log" 2>&1
	echo $? >"$out/logs/$name.status"
}

report () {
	name=$1
	log=$out/logs/$name.log
	status=$(cat "$out/logs/$name.status" 2>/dev/null || echo 99)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/\1 \2 \3/p' "$log" | tail -n 1)
	# shellcheck disable=SC2086 # three numbers, split on purpose
	set -- $cov
	crashes=$(find "$out/crashes" -name "$name-*" | wc -l)
	printf '%-10s execs %9s  exec/s %6s  edges %5s  features %6s  corpus %5s  crashes %s  (status %s)\n' \
		"$name" "${execs:-?}" "${rate:-?}" "${1:-?}" "${2:-?}" "${3:-?}" \
		"$crashes" "$status"
	test "$status" = 0 && test "$crashes" = 0
}

# At most $jobs at a time, in order.
running=0
for name
do
	run_one "$name" &
	running=$((running + 1))
	if test "$running" -ge "$jobs"
	then
		wait
		running=0
	fi
done
wait

failed=0
for name
do
	report "$name" || failed=1
done
if test "$failed" != 0
then
	echo "fuzz: crashes found; inputs in $out/crashes, logs in $out/logs" >&2
	exit 1
fi
exit 0
