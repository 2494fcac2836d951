#!/bin/sh
# t0070-fuzz: the fuzz targets of tests/fuzz/.  Each target's committed
# corpus (tests/fuzz/corpus/<name>: seeds made by the real code, inputs
# libFuzzer found, and every input that once crashed) is replayed through
# <name>-replay, the target built with the build's compiler and a plain
# main: every input must run without a crash or a broken invariant.  Then,
# if clang's libFuzzer works here, the targets are built with it and the
# sanitizers (in $CAIRN_BUILD/fuzz) and the same corpus runs through them
# (tests/fuzz/run.sh with FUZZ_RUNS=0: every input once, no mutation).
#
# The check is deterministic: the same tree passes or fails the same way
# on every run and every machine.  It never mutates inputs for a while and
# passes if it happened not to find anything: libFuzzer's mutations follow
# its coverage feedback, which differs from run to run here (the order a
# directory is read in, time-dependent paths), so even a fixed -seed and
# -runs do not fix the inputs it tries.  FUZZ_SMOKE_RUNS=<n> adds <n>
# mutated inputs per target from -seed=1 for whoever wants that; `make
# fuzz` explores (with a time limit and random seeds), and every crash it
# finds goes into the corpus as a regress-* input, replayed here.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$TEST_DIRECTORY/.." && pwd -P)
CORPUS=$SRC/tests/fuzz/corpus
FUZZ_SMOKE_RUNS=${FUZZ_SMOKE_RUNS:-0}
NAMES=$(cd "$SRC/tests/fuzz" && for f in fuzz-*.c
do
	n=${f#fuzz-}
	echo "${n%.c}"
done)
export SRC CORPUS FUZZ_SMOKE_RUNS NAMES

for name in $NAMES
do
	test_expect_success "replay the $name corpus" '
		test -d "$CORPUS/'"$name"'" &&
		TMPDIR=$SCRATCH "$CAIRN_BUILD/tests/fuzz/'"$name"'-replay" \
			"$CORPUS/'"$name"'" >out &&
		cat out &&
		grep "^replayed [1-9][0-9]* inputs$" out
	'
done

# libFuzzer: clang with its runtime (libclang-rt-*-dev on Debian).
if printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	'{ (void)d; (void)n; return 0; }' >"$TRASH_DIRECTORY/probe.c" &&
	clang -fsanitize=fuzzer,address,undefined -o "$TRASH_DIRECTORY/probe" \
		"$TRASH_DIRECTORY/probe.c" >/dev/null 2>&1 &&
	"$TRASH_DIRECTORY/probe" -runs=1 >/dev/null 2>&1
then
	test_set_prereq LIBFUZZER
fi

# The outer make's flags and jobserver are not for this build.
test_expect_success LIBFUZZER 'build the libFuzzer targets' '
	unset MAKEFLAGS MFLAGS MAKELEVEL &&
	make -s -C "$SRC" FUZZ_O="$CAIRN_BUILD/fuzz" fuzz-build >build.log 2>&1 ||
	{ cat build.log; false; }
'

test_expect_success LIBFUZZER "run every corpus through the sanitized targets" '
	if test "$FUZZ_SMOKE_RUNS" = 0
	then
		FUZZ_RUNS=0 sh "$SRC/tests/fuzz/run.sh" "$CAIRN_BUILD/fuzz" \
			0 2 $NAMES >report 2>&1 || { cat report; false; }
	else
		FUZZ_RUNS=$FUZZ_SMOKE_RUNS FUZZ_SEEDS_ONLY=1 \
			sh "$SRC/tests/fuzz/run.sh" "$CAIRN_BUILD/fuzz" \
			0 2 $NAMES >report 2>&1 || { cat report; false; }
	fi
	cat report
	cp report "$TRASH_DIRECTORY/report"
'
if test -f "$TRASH_DIRECTORY/report"
then
	sed 's/^/# /' "$TRASH_DIRECTORY/report"
fi

test_done
