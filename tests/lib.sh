# shellcheck shell=sh
# tests/lib.sh: the harness of cairn's shell tests, in the spirit of git's
# test-lib.  A test script sources it, runs test_expect_success blocks and
# ends with test_done; the result is TAP on stdout, diagnostics on stderr.
#
#   test_expect_success [<prereq>,...] <description> <body>
#	Runs <body> with eval in a subshell under `set -e`, with stdin from
#	/dev/null and stdout/stderr captured in a log that is shown when the
#	test fails.  The cwd is a fresh empty directory ($SCRATCH) that holds
#	a fresh repository made by `cairn init` (./.cairn); CAIRN_DIR is
#	unset.  After a passing test, if `cairn help fsck` succeeds, `cairn
#	fsck` is run on that repository (and on every repository named by
#	test_fsck_repo) and the test fails if fsck does.
#	Known prerequisites: GIT (git is installed), GITSHA256 (git can make
#	sha256 repositories), NOTROOT (file permissions are enforced),
#	ROOT (running as root), NOREPOABOVE (no .cairn directory above the
#	trash directory); others
#	are set with test_set_prereq.  A missing prerequisite gives a skip.
#   test_nobody_check			sets the prerequisite NOBODY when
#	we are root and a process running as the user nobody (as_nobody
#	<command>...) can run this build's cairn and enter the trash
#	directory; otherwise test_nobody_why says why not (for a skip).
#   test_skip <description> <reason>	prints `ok N - <description> # skip <reason>`
#   test_done				prints the plan; exit 1 if any test failed
#
# In bodies: test_must_fail [--status=N[,M...]] <cmd>, test_cmp, test_cmp_bin,
# test_must_be_empty, test_line_count, test_stderr_one_line, cairn_stat,
# test_fsck_repo, test_path_is_file, test_path_is_dir, test_path_is_missing,
# test_seq, test_timeout, test_no_fsck; and to build objects, hex_to_bin and
# tree_entry.  They explain a failure on file descriptor 9,
# which goes to the test's log even where the body redirects stderr; bodies
# should leave descriptor 9 alone.  In helper functions outside the quoted
# bodies, write `test_line_count -eq N file` (shellcheck reads `= N` as a
# broken assignment).
#
# Options: -v/--verbose shows every test's log, -i/--immediate stops at the
# first failure, -d/--debug keeps the trash directory.
#
# Bodies run under `set -e`, which is ignored inside `a && b` lists (except
# for their last command), `if` conditions and pipelines (except their last
# command): write one command per line, and send output to a file before
# checking it rather than piping it.

TEST_DIRECTORY=$(cd "$(dirname "$0")" && pwd -P) || exit 1
TEST_NAME=$(basename "$0" .sh)

test_verbose_=
test_immediate_=
test_debug_=
for test_arg_
do
	case $test_arg_ in
	-v|--verbose) test_verbose_=t ;;
	-i|--immediate) test_immediate_=t ;;
	-d|--debug) test_debug_=t ;;
	*) echo "Bail out! $TEST_NAME: unknown option '$test_arg_'"; exit 1 ;;
	esac
done

# The cairn the tests run is the test build, $CAIRN_BUILD/tests/bin/cairn
# (CAIRN_CLI): the shipped command with the hooks CAIRN_TEST_FAULT and
# CAIRN_TEST_REF_SLEEP (tests/support/hooks.h).  A test of the shipped
# binary runs $CAIRN_BUILD/cairn by its path.
: "${CAIRN_BUILD:=$TEST_DIRECTORY/../build}"
if ! CAIRN_BUILD=$(cd "$CAIRN_BUILD" 2>/dev/null && pwd -P) ||
	! test -x "$CAIRN_BUILD/cairn"
then
	echo "Bail out! no cairn binary in ${CAIRN_BUILD:-the build directory} (run make)"
	exit 1
fi
CAIRN_CLI=$CAIRN_BUILD/tests/bin/cairn
if ! test -x "$CAIRN_CLI"
then
	echo "Bail out! no test build of cairn at $CAIRN_CLI (run make units)"
	exit 1
fi
PATH=$CAIRN_BUILD/tests/bin:$CAIRN_BUILD:$PATH
export CAIRN_BUILD CAIRN_CLI PATH

# A predictable environment: nothing from the user's cairn or git setup.
unset CAIRN_DIR CAIRN_AUTHOR_NAME CAIRN_AUTHOR_EMAIL CAIRN_AUTHOR_DATE \
	CAIRN_COMMITTER_NAME CAIRN_COMMITTER_EMAIL CAIRN_COMMITTER_DATE
unset GIT_DIR GIT_WORK_TREE GIT_OBJECT_DIRECTORY GIT_INDEX_FILE \
	GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_CONFIG_PARAMETERS GIT_NAMESPACE \
	GIT_CEILING_DIRECTORIES GIT_CONFIG GIT_CONFIG_COUNT
LC_ALL=C
LANG=C
TZ=UTC
GIT_CONFIG_NOSYSTEM=1
GIT_AUTHOR_NAME='A U Thor'
GIT_AUTHOR_EMAIL=author@example.com
GIT_AUTHOR_DATE='1112911993 -0700'
GIT_COMMITTER_NAME='C O Mitter'
GIT_COMMITTER_EMAIL=committer@example.com
GIT_COMMITTER_DATE='1112912053 -0700'
# Under the sanitizers, an error kills the program with SIGABRT, so that
# test_must_fail tells it from an ordinary failure.
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS
export LC_ALL LANG TZ GIT_CONFIG_NOSYSTEM GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL \
	GIT_AUTHOR_DATE GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL \
	GIT_COMMITTER_DATE

# One trash directory per script, outside the source tree, so that scripts
# run in parallel never share anything.
if ! TRASH_DIRECTORY=$(mktemp -d "${TMPDIR:-/tmp}/cairn-test.$TEST_NAME.XXXXXX") ||
	! TRASH_DIRECTORY=$(cd "$TRASH_DIRECTORY" && pwd -P)
then
	echo "Bail out! cannot create a trash directory"
	exit 1
fi
HOME=$TRASH_DIRECTORY
export HOME TRASH_DIRECTORY

# Diagnostics of the helpers; inside a test this is the test's log.
exec 9>&2

test_count=0
test_failed=0
test_fsck_checked_=
test_fsck_have_=
SCRATCH=
TEST_FSCK_LIST=

# Prerequisites.

test_set_prereq () {
	eval "test_prereq_$1=t"
}

test_have_git () {
	command -v git >/dev/null 2>&1
}

test_check_prereq_ () {
	case $1 in
	GIT)
		test_have_git
		;;
	GITSHA256)
		test_have_git || return 1
		if test -z "${test_prereq_GITSHA256_checked-}"
		then
			test_prereq_GITSHA256_checked=t
			if git init -q --object-format=sha256 \
				"$TRASH_DIRECTORY/.prereq-sha256" >/dev/null 2>&1
			then
				test_prereq_GITSHA256=t
			fi
			rm -rf "$TRASH_DIRECTORY/.prereq-sha256"
		fi
		test "${test_prereq_GITSHA256-}" = t
		;;
	NOTROOT)
		test "$(id -u)" != 0
		;;
	ROOT)
		test "$(id -u)" = 0
		;;
	NOREPOABOVE)
		test_prereq_dir_=$(dirname "$TRASH_DIRECTORY")
		while :
		do
			test -e "$test_prereq_dir_/.cairn" && return 1
			test "$test_prereq_dir_" = / && return 0
			test_prereq_dir_=$(dirname "$test_prereq_dir_")
		done
		;;
	*)
		eval "test \"\${test_prereq_$1-}\" = t"
		;;
	esac
}

# test_have_prereq <prereq>[,<prereq>...]
test_have_prereq () {
	test_prereq_rest_=$1,
	while test -n "$test_prereq_rest_"
	do
		test_prereq_one_=${test_prereq_rest_%%,*}
		test_prereq_rest_=${test_prereq_rest_#*,}
		test -z "$test_prereq_one_" && continue
		test_check_prereq_ "$test_prereq_one_" || {
			test_prereq_missing_=$test_prereq_one_
			return 1
		}
	done
	return 0
}

# Running tests.

test_diag_ () {
	printf '%s\n' "$@" | sed 's/^/# /' >&2
}

test_ok_ () {
	echo "ok $test_count - $1"
}

test_not_ok_ () {
	test_failed=$((test_failed + 1))
	echo "not ok $test_count - $1"
	test_diag_ "failed: $1 ($2)"
	test_diag_ "$3"
	if test -s "$4"
	then
		test_diag_ "last lines of the log ($4):"
		tail -n 40 "$4" | cut -c 1-300 | sed 's/^/#	/' >&2
	fi
	if test -n "$test_immediate_"
	then
		test_diag_ "stopping at the first failure; trash kept in $TRASH_DIRECTORY"
		echo "1..$test_count"
		exit 1
	fi
}

# Whether this build has fsck; asked once per script.
test_fsck_available_ () {
	if test -z "$test_fsck_checked_"
	then
		test_fsck_checked_=t
		if cairn help fsck >/dev/null 2>&1
		then
			test_fsck_have_=t
		fi
	fi
	test -n "$test_fsck_have_"
}

# test_no_fsck: this test leaves its repository broken on purpose (a
# graph with dangling or mistyped links, say), so the after-test fsck is
# skipped for it.
test_no_fsck () {
	: >"$SCRATCH/.no-fsck"
}

# fsck every repository the test left behind; fails on the first dirty one.
test_fsck_all_ () {
	test_fsck_available_ || return 0
	test -f "$SCRATCH/.no-fsck" && return 0
	test -d "$SCRATCH/.cairn" && echo "$SCRATCH/.cairn" >>"$TEST_FSCK_LIST"
	test -f "$TEST_FSCK_LIST" || return 0
	while IFS= read -r test_fsck_repo_
	do
		test -d "$test_fsck_repo_" || continue
		echo "+ cairn -r '$test_fsck_repo_' fsck" >>"$1"
		(cd "$SCRATCH" && cairn -r "$test_fsck_repo_" fsck) \
			</dev/null >>"$1" 2>&1 || {
			echo "fsck of $test_fsck_repo_ failed" >>"$1"
			return 1
		}
	done <"$TEST_FSCK_LIST"
	return 0
}

test_expect_success () {
	test_prereq_=
	if test "$#" = 3
	then
		test_prereq_=$1
		shift
	fi
	if test "$#" != 2
	then
		echo "Bail out! $TEST_NAME: bug in the test script: test_expect_success needs a description and a body"
		exit 1
	fi
	if test -n "$test_prereq_" && ! test_have_prereq "$test_prereq_"
	then
		test_skip "$1" "missing $test_prereq_missing_"
		return 0
	fi

	test_count=$((test_count + 1))
	SCRATCH=$TRASH_DIRECTORY/t$test_count
	TEST_FSCK_LIST=$TRASH_DIRECTORY/t$test_count.fsck
	test_log_=$TRASH_DIRECTORY/t$test_count.log
	if ! mkdir "$SCRATCH" 2>"$test_log_" ||
		! (cd "$SCRATCH" && cairn init) </dev/null >>"$test_log_" 2>&1
	then
		test_not_ok_ "$1" "setup: cairn init failed" "$2" "$test_log_"
		return 0
	fi

	# Not part of an if or && list, so that set -e is honoured inside.
	(
		set -e
		cd "$SCRATCH"
		eval "$2"
	) </dev/null >>"$test_log_" 2>&1 9>&1
	test_status_=$?
	if test -n "$test_verbose_" && test -s "$test_log_"
	then
		sed 's/^/#	/' "$test_log_" | cut -c 1-300 >&2
	fi
	if test "$test_status_" != 0
	then
		test_not_ok_ "$1" "body exited with status $test_status_" "$2" "$test_log_"
	elif ! test_fsck_all_ "$test_log_"
	then
		test_not_ok_ "$1" "cairn fsck failed after the test" "$2" "$test_log_"
	else
		test_ok_ "$1"
	fi
	return 0
}

# test_skip <description> <reason>
test_skip () {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # skip $2"
}

test_done () {
	echo "1..$test_count"
	if test "$test_failed" != 0
	then
		test_diag_ "failed $test_failed among $test_count test(s); trash kept in $TRASH_DIRECTORY"
		exit 1
	fi
	if test -z "$test_debug_"
	then
		chmod -R u+rwx "$TRASH_DIRECTORY" 2>/dev/null
		rm -rf "$TRASH_DIRECTORY"
	else
		test_diag_ "trash kept in $TRASH_DIRECTORY"
	fi
	exit 0
}

# Helpers for bodies.  Each returns nonzero on failure, with a message on
# file descriptor 9: the test's log, even where the body redirects stderr.

# test_must_fail [--status=N[,M...]] <command> [<arg>...]
# Succeeds if the command fails in a controlled way: a nonzero status below
# 126 (126, 127 and anything from 128 up mean it could not run or it died by
# a signal), and one of the listed statuses if --status is given.
test_must_fail () {
	test_mf_want_=
	case $1 in
	--status=*)
		test_mf_want_=${1#--status=}
		shift
		;;
	esac
	test_mf_status_=0
	"$@" || test_mf_status_=$?
	if test "$test_mf_status_" = 0
	then
		echo "test_must_fail: command succeeded: $*" >&9
		return 1
	elif test "$test_mf_status_" -ge 126
	then
		echo "test_must_fail: command could not run or crashed (status $test_mf_status_): $*" >&9
		return 1
	fi
	test -z "$test_mf_want_" && return 0
	case ",$test_mf_want_," in
	*",$test_mf_status_,"*)
		return 0
		;;
	esac
	echo "test_must_fail: status $test_mf_status_, expected $test_mf_want_: $*" >&9
	return 1
}

# test_cmp <expected> <actual>: text files must be equal (diff shown).
test_cmp () {
	diff -u "$1" "$2" >&9
}

# test_cmp_bin <expected> <actual>: files must be byte-identical.
test_cmp_bin () {
	cmp "$1" "$2" >&9
}

test_must_be_empty () {
	if test -s "$1"
	then
		echo "'$1' is not empty, it contains:" >&9
		head -n 20 "$1" >&9
		return 1
	fi
	test -f "$1" || {
		echo "'$1' is missing" >&9
		return 1
	}
}

# test_line_count <op> <n> <file>, e.g. test_line_count = 3 out
test_line_count () {
	test_lc_=$(wc -l <"$3") || return 1
	test_lc_=$((test_lc_ + 0))
	if ! test "$test_lc_" "$1" "$2"
	then
		echo "test_line_count: '$3' has $test_lc_ lines, expected $1 $2" >&9
		return 1
	fi
}

# test_stderr_one_line <file>: exactly one line, `cairn: <message>`, with no
# final period, as CLI.md requires of every error.
test_stderr_one_line () {
	if ! awk 'END { exit !(NR == 1) }' "$1"
	then
		echo "test_stderr_one_line: '$1' is not exactly one line:" >&9
		head -n 10 "$1" >&9
		return 1
	fi
	if ! grep -q '^cairn: ..*' "$1"
	then
		echo "test_stderr_one_line: '$1' does not start with 'cairn: ':" >&9
		cat "$1" >&9
		return 1
	fi
	if grep -q '\.$' "$1"
	then
		echo "test_stderr_one_line: '$1' ends with a period:" >&9
		cat "$1" >&9
		return 1
	fi
	test "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' || {
		echo "test_stderr_one_line: '$1' does not end with a newline" >&9
		return 1
	}
}

# cairn_stat <key> [<global option>...]: the value of one `cairn stats` key.
cairn_stat () {
	test_stat_key_=$1
	shift
	cairn "$@" stats >"$TRASH_DIRECTORY/.stats" || {
		echo "cairn_stat: cairn $* stats failed" >&9
		return 1
	}
	test_stat_val_=$(sed -n "s/^$test_stat_key_: //p" "$TRASH_DIRECTORY/.stats")
	if test -z "$test_stat_val_"
	then
		echo "cairn_stat: no '$test_stat_key_' in cairn stats:" >&9
		cat "$TRASH_DIRECTORY/.stats" >&9
		return 1
	fi
	echo "$test_stat_val_"
}

# test_fsck_repo <repo>: also fsck <repo> after this test passes.
test_fsck_repo () {
	(cd "$1" && pwd -P) >>"$TEST_FSCK_LIST"
}

test_path_is_file () {
	test -f "$1" || {
		echo "'$1' is not a file" >&9
		return 1
	}
}

test_path_is_dir () {
	test -d "$1" || {
		echo "'$1' is not a directory" >&9
		return 1
	}
}

test_path_is_missing () {
	if test -e "$1" || test -L "$1"
	then
		echo "'$1' exists" >&9
		return 1
	fi
}

# test_seq <first> <last>: the integers from <first> to <last>, one a line.
test_seq () {
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++) print i }'
}

# as_nobody <command> [<arg>...]: run as the unprivileged user nobody
# (needs root and setpriv; see test_nobody_check).
as_nobody () {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

# test_nobody_check: whether a test can run this build as nobody in its
# scratch directories (which makes the trash directory a+x).  Asked of a
# shell already running as nobody: setpriv may exec its own command
# before its file access is nobody's (it runs a binary under a mode 700
# /root that nobody cannot reach, while an env or sh started as nobody
# cannot), and the cairn found must be this build's, not another one
# further along PATH.
# shellcheck disable=SC2016,SC2034 # sh -c scripts; callers read the reason
test_nobody_check () {
	test_nobody_why=
	if test "$(id -u)" != 0
	then
		test_nobody_why="not running as root"
	elif ! command -v setpriv >/dev/null 2>&1
	then
		test_nobody_why="no setpriv"
	elif ! chmod a+x "$TRASH_DIRECTORY" ||
		! as_nobody sh -c 'test "$(command -v cairn)" = "$CAIRN_CLI" &&
			cairn --version' >/dev/null 2>&1
	then
		test_nobody_why="nobody cannot run $CAIRN_CLI (is a directory above it closed to other users?)"
	elif ! as_nobody sh -c 'cd "$1"' sh "$TRASH_DIRECTORY" >/dev/null 2>&1
	then
		test_nobody_why="nobody cannot enter the trash directory $TRASH_DIRECTORY (set TMPDIR elsewhere)"
	else
		test_set_prereq NOBODY
	fi
}

# test_timeout <seconds> <command> [<arg>...]: run with a time limit where
# timeout(1) exists (status 124 when it expires).
test_timeout () {
	if command -v timeout >/dev/null 2>&1
	then
		timeout "$@"
	else
		shift
		"$@"
	fi
}

# hex_to_bin <hex>: the bytes the hex digits spell.
hex_to_bin () {
	printf '%b' "$(printf '%s\n' "$1" | awk '{
		for (i = 1; i <= length($0); i += 2)
			printf "\\0%03o", (index("0123456789abcdef", substr($0, i, 1)) - 1) * 16 + \
				index("0123456789abcdef", substr($0, i + 1, 1)) - 1
	}')"
}

# tree_entry <mode> <name> <hex id>: one entry of a git tree, in its bytes.
tree_entry () {
	printf '%s %s\000' "$1" "$2" && hex_to_bin "$3"
}

# test_self_git: set SELF to a snapshot (a bare clone) of this source
# tree's own history, SELF_GIT to its git directory, and the prerequisite
# SELFGIT, when the tree is a git work tree of its own (not a tarball, nor
# a directory inside some other repository).
test_self_git () {
	SELF=$TRASH_DIRECTORY/self.git
	SELF_GIT=
	test_self_top_=$(cd "$TEST_DIRECTORY/.." && pwd -P)
	if test_have_prereq GIT &&
		test "$(git -C "$test_self_top_" rev-parse --show-toplevel \
			2>/dev/null)" = "$test_self_top_" &&
		SELF_GIT=$(git -C "$test_self_top_" rev-parse --absolute-git-dir) &&
		git clone -q --bare --no-local "$SELF_GIT" "$SELF" >/dev/null 2>&1
	then
		test_set_prereq SELFGIT
	fi
}

# data_records <file>: "<offset> <kind> <stored size> <id>" for each
# record of a data file or WAL (store/record.h), read with od alone, and
# "end <offset> <size>" if bytes follow the last whole record.
data_records () {
	od -An -v -tu1 "$1" | awk '
	{ for (i = 1; i <= NF; i++) b[n++] = $i }
	END {
		off = 16
		while (off + 80 <= n) {
			st = 0
			for (i = 16; i < 24; i++)
				st = st * 256 + b[off + i]
			id = ""
			for (i = 40; i < 40 + b[off + 7]; i++)
				id = id sprintf("%02x", b[off + i])
			print off, b[off + 4], st, id
			off += 80 + (b[off + 4] == 1 ? st : 0)
		}
		if (off != n)
			print "end", off, n
	}'
}

# flip_byte <file> <offset>: invert every bit of the byte at <offset>.
flip_byte () {
	fl_byte_=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	if test -z "$fl_byte_"
	then
		echo "flip_byte: no byte at $2 in $1" >&9
		return 1
	fi
	# shellcheck disable=SC2059
	printf "\\$(printf %03o $((fl_byte_ ^ 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# test_git_identity: a fixed author, committer and dates for git, so that
# its ids are the same in every run.
test_git_identity () {
	GIT_AUTHOR_NAME='A U Thor' GIT_AUTHOR_EMAIL=author@example.com
	GIT_COMMITTER_NAME='C O Mitter' GIT_COMMITTER_EMAIL=committer@example.com
	GIT_AUTHOR_DATE='1112911993 -0700' GIT_COMMITTER_DATE='1112912053 +0200'
	export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME \
		GIT_COMMITTER_EMAIL GIT_AUTHOR_DATE GIT_COMMITTER_DATE
}

# wait_for <file>: until it exists (10 s at most).
wait_for () {
	wf_n_=0
	until test -e "$1"
	do
		test "$wf_n_" -lt 200 || return 1
		sleep 0.05
		wf_n_=$((wf_n_ + 1))
	done
}

# objects_of <repo> <file>: the sorted ids of every object of <repo>.
objects_of () {
	cairn -r "$1" cat --batch-all-objects --batch-check='%(objectname)' |
		LC_ALL=C sort >"$2"
}

# git_objects <git dir> <file> <rev>...: the sorted ids rev-list lists.
git_objects () {
	go_dir_=$1
	go_out_=$2
	shift 2
	git -C "$go_dir_" rev-list --objects "$@" >"$go_out_.raw" &&
	cut -d " " -f 1 "$go_out_.raw" | LC_ALL=C sort -u >"$go_out_"
}

# import_history <git work tree or git dir> <repo>: a new SHA-1
# repository at <repo> holding every object of the git repository, with
# its branches and tags as heads/<branch> and tags/<tag>.
import_history () {
	if test -d "$1/.git"
	then
		ih_git_=$1/.git
	else
		ih_git_=$1
	fi
	cairn init --object-format=sha1 "$2" >/dev/null &&
	cairn -r "$2" import --git "$ih_git_" --refs >/dev/null
}
