#!/bin/sh
# t0101-python-package: the Python package in python/ (ctypes bindings of
# libcairn.so), its pytest suite run against this build's library.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# The tests python/tests holds; update it when tests are added or removed.
PYTEST_COUNT=58

# shellcheck disable=SC2034 # used in test bodies
{
LIB=$CAIRN_BUILD/libcairn.so
PYTHON_DIR=$(cd "$TEST_DIRECTORY/../python" && pwd -P)
}

# A python3 with pytest: the one on PATH, else the system's.
PYTEST_PY=
for py in python3 /usr/bin/python3
do
	if "$py" -m pytest --version >/dev/null 2>&1 &&
		"$py" -c 'import ctypes' >/dev/null 2>&1
	then
		PYTEST_PY=$py
		break
	fi
done

if test -z "$PYTEST_PY"
then
	test_skip 'the python package passes its pytest suite' \
		'no python3 with pytest'
	test_done
fi

# A library built with sanitizers needs their runtime loaded before it,
# which python3 does not do.
if nm -D --undefined-only "$LIB" 2>/dev/null | grep -q '__[a-z]*san_'
then
	test_skip 'the python package passes its pytest suite' \
		'libcairn.so is built with sanitizers'
	test_done
fi

# Without git (or git without sha256) the tests comparing ids with git's
# skip; then skips may make up the count.
if test_have_prereq GIT,GITSHA256
then
	PYTEST_SKIPS_OK=
else
	PYTEST_SKIPS_OK=t
fi

# pytest_passed <file>: the pytest summary in <file> counts PYTEST_COUNT
# tests, every one passed (or skipped, if PYTEST_SKIPS_OK), none failed.
pytest_passed () {
	pp_line_=$(grep -E '^=* *[0-9]+ (passed|failed|skipped|error)' "$1" |
		tail -n 1)
	pp_passed_=$(echo "$pp_line_" | grep -o '[0-9]* passed' | cut -d' ' -f1)
	pp_skipped_=$(echo "$pp_line_" | grep -o '[0-9]* skipped' | cut -d' ' -f1)
	pp_total_=${pp_passed_:-0}
	if test -n "$PYTEST_SKIPS_OK"
	then
		pp_total_=$((pp_total_ + ${pp_skipped_:-0}))
		pp_skipped_=
	fi
	if test -z "$pp_line_" || test -n "$pp_skipped_" ||
		echo "$pp_line_" | grep -q -E 'failed|error|xpass|xfail|deselected' ||
		test "$pp_total_" != "$PYTEST_COUNT"
	then
		echo "pytest_passed: expected $PYTEST_COUNT passed, got: ${pp_line_:-no summary}" >&9
		cat "$1" >&9
		return 1
	fi
}

test_expect_success 'the python package passes its pytest suite' '
	CAIRN_LIBRARY=$LIB PYTHONDONTWRITEBYTECODE=1 \
		"$PYTEST_PY" -m pytest -p no:cacheprovider -q -rs \
		--basetemp="$PWD/pytest" "$PYTHON_DIR/tests" >out 2>&1 &&
	pytest_passed out
'

test_expect_success 'the package loads the library CAIRN_LIBRARY names' '
	CAIRN_LIBRARY=$LIB PYTHONPATH=$PYTHON_DIR PYTHONDONTWRITEBYTECODE=1 \
		"$PYTEST_PY" -c "import cairn; print(cairn.library_version())" >actual &&
	"$CAIRN_BUILD/cairn" --version >version &&
	grep -F "$(cat actual)" version &&
	test_must_fail env CAIRN_LIBRARY="$PWD/nonexistent.so" \
		PYTHONPATH="$PYTHON_DIR" PYTHONDONTWRITEBYTECODE=1 \
		"$PYTEST_PY" -c "import cairn" 2>err &&
	grep "cannot load libcairn" err
'

test_done
