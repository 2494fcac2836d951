#!/bin/sh
# t0071-cli-edges: the edges of the command line that scripts meet: a
# line of input longer than CMD_LINE_MAX (64 KiB) is read in bounded
# memory; a closed pipe ends a command as it ends git (SIGPIPE, quietly);
# other write errors exit 3; options are parsed alike by every command
# (usage errors exit 2 before any repository is looked for, "--" ends
# options, --help after a ref subcommand, a missing value is named);
# init ignores CAIRN_DIR.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317,SC2034
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# A 100 MB address space limit the build can run under (not a sanitizer's):
# reading a 100 MB line into memory cannot succeed under it.  (Where the
# shell has no ulimit -v, the tests that need it are skipped.)
# shellcheck disable=SC3045
if (ulimit -v 100000 && cairn help >/dev/null 2>&1)
then
	test_set_prereq ULIMIT_V
fi
if test -w /dev/full && ! (echo x >/dev/full) 2>/dev/null
then
	test_set_prereq DEVFULL
fi

# fails_with <status> <command>...: the command exits with <status>, prints
# nothing on stdout and exactly one `cairn: ` line on stderr (fw.err).
fails_with () {
	fw_status_=$1
	shift
	test_must_fail --status="$fw_status_" "$@" >fw.out 2>fw.err || return 1
	test_must_be_empty fw.out || return 1
	test_stderr_one_line fw.err
}

# err_has <text>: the error of the last fails_with holds <text>.
err_has () {
	if ! grep -F -e "$1" fw.err >/dev/null
	then
		echo "err_has: no '$1' in:" >&9
		cat fw.err >&9
		return 1
	fi
}

# a_line <bytes>: that many "a" and no newline.
a_line () {
	head -c "$1" /dev/zero | tr "\000" a
}

# obj <text>: store a blob of <text> and a newline; print its id.
obj () {
	printf '%s\n' "$1" | cairn put --stdin
}

# --- lines longer than the bound ---

test_expect_success ULIMIT_V 'cat --batch-check: a 100 MB name is missing, read in bounded memory' '
	A=$(obj one)
	{ a_line 100000000; echo; echo "$A"; } |
	(ulimit -v 100000 && cairn cat --batch-check >out 2>err)
	test_must_be_empty err
	printf "aaaa missing\n%s blob 4\n" "$A" >expect
	tail -c "$(wc -c <expect)" out >got
	test_cmp expect got
	test "$(wc -c <out)" = $((100000000 + $(wc -c <expect) - 4))
	rm out
'

test_expect_success ULIMIT_V 'cat --batch -Z: a 100 MB name is missing, and the next answered' '
	A=$(obj one)
	{ a_line 100000000; printf "\000%s\000" "$A"; } |
	(ulimit -v 100000 && cairn cat --batch -Z >out 2>err)
	test_must_be_empty err
	printf "aaaa missing\000%s blob 4\000one\n\000" "$A" >expect
	tail -c "$(wc -c <expect)" out >got
	test_cmp_bin expect got
	rm out
'

test_expect_success 'cat --batch: names just over and under the bound are missing alike' '
	for n in 65535 65536 65537 131073 200000
	do
		a_line $n >name
		echo >>name
		cairn cat --batch-check <name >out || return 1
		{ a_line $n; echo " missing"; } >expect
		test_cmp expect out || return 1
	done
'

test_expect_success ULIMIT_V 'ref update: a 100 MB line is invalid input: exit 2, nothing changed' '
	A=$(obj one)
	{ echo "create first $A"; a_line 100000000; echo; echo "create last $A"; } |
	(ulimit -v 100000 && test_must_fail --status=2 cairn ref update >out 2>err)
	test_must_be_empty out
	test_stderr_one_line err
	grep -F "line 2 of standard input is longer than 65536 bytes" err
	cairn ref list >refs
	test_must_be_empty refs
'

test_expect_success 'ref update: 65536 bytes are a line, 65537 too many' '
	A=$(obj one)
	{ echo "create first $A"; a_line 65536; echo; } >tx
	fails_with 2 cairn ref update <tx
	err_has "malformed ref update line"
	{ echo "create first $A"; a_line 65537; echo; } >tx
	fails_with 2 cairn ref update <tx
	err_has "line 2 of standard input is longer than 65536 bytes"
	{ printf "create first\000%s\000" "$A"; a_line 65537; printf "\000"; } >tx
	fails_with 2 cairn ref update -z <tx
	err_has "line 3 of standard input is longer than 65536 bytes"
	{ printf "set first\000"; a_line 70000; printf "\000\000"; } >tx
	fails_with 2 cairn ref update -z <tx
	err_has "line 2 of standard input is longer than 65536 bytes"
	cairn ref list >refs
	test_must_be_empty refs
'

test_expect_success 'put --batch and --stdin-paths: an over-long line is invalid input: exit 2, one line' '
	A=$(obj one)
	{ printf "blob 4\none\n\n"; a_line 70000; echo; } >in
	test_must_fail --status=2 cairn put --batch <in >fw.out 2>fw.err
	test_stderr_one_line fw.err
	err_has "line 2 of standard input is longer than 65536 bytes"
	# What came before the line is stored and acknowledged as usual.
	echo "$A" >expect
	test_cmp expect fw.out
	{ a_line 70000; echo; } >paths
	fails_with 2 cairn put --stdin-paths <paths
	err_has "line 1 of standard input is longer than 65536 bytes"
'

# --- a closed pipe, and other write errors ---

# pipe_status <file> <command>...: run the command with its stdout into
# `head -c 1`, its exit status into <file> and its stderr into pipe.err.
pipe_status () {
	ps_file_=$1
	shift
	{
		ps_status_=0
		"$@" 2>pipe.err || ps_status_=$?
		echo "$ps_status_" >"$ps_file_"
	} | head -c 1 >/dev/null
}

test_expect_success 'a closed pipe ends cat quietly, killed by SIGPIPE as git is' '
	head -c 1048576 /dev/urandom >big
	id=$(cairn put big)
	pipe_status status cairn cat "$id"
	test "$(kill -l "$(cat status)")" = PIPE
	test_must_be_empty pipe.err
	echo "$id" >names
	pipe_status status cairn cat --batch <names
	test "$(kill -l "$(cat status)")" = PIPE
	test_must_be_empty pipe.err
'

test_expect_success 'even when the parent ignores SIGPIPE' '
	head -c 1048576 /dev/urandom >big
	id=$(cairn put big)
	(
		trap "" PIPE
		pipe_status status cairn cat "$id"
	)
	test "$(kill -l "$(cat status)")" = PIPE
	test_must_be_empty pipe.err
'

test_expect_success GIT 'the status is the one git cat-file gives' '
	head -c 1048576 /dev/urandom >big
	id=$(cairn put big)
	git init -q g
	gid=$(git --git-dir=g/.git hash-object -w big)
	pipe_status git.status git --git-dir=g/.git cat-file -p "$gid"
	pipe_status status cairn cat "$id"
	test_cmp git.status status
'

test_expect_success DEVFULL 'a full disk on stdout: exit 3, one line' '
	A=$(obj one)
	cairn ref set main "$A"
	echo "$A" >names
	for cmd in "cat $A" "cat -p main" "ref list" "ref list --json" \
		"ref get main" "stats" "stats --json" "config --list" \
		"config object.format" "help" "help cat" "--version" "ref set --help"
	do
		# shellcheck disable=SC2086
		test_must_fail --status=3 cairn $cmd >/dev/full 2>err || return 1
		test_stderr_one_line err || return 1
		grep -F "write to standard output" err || return 1
	done
	test_must_fail --status=3 cairn cat --batch <names >/dev/full 2>err
	test_stderr_one_line err
'

# --- options ---

test_expect_success 'an unknown option is named as written' '
	fails_with 2 cairn cat -leading
	err_has "unknown option '\''-l'\''"
	fails_with 2 cairn cat -tX main
	err_has "unknown option '\''-X'\''"
	fails_with 2 cairn ref list --no-such
	err_has "unknown option '\''--no-such'\''"
	fails_with 2 cairn stats --json=yes
	err_has "option '\''--json'\'' takes no value"
	fails_with 2 cairn ref list --json=1
	err_has "option '\''--json'\'' takes no value"
	fails_with 2 cairn cat --bat
	err_has "ambiguous option '\''--bat'\''"
	fails_with 2 cairn --read-only=yes stats
	err_has "option '\''--read-only'\'' takes no value"
'

test_expect_success 'a value-less option says it needs one' '
	A=$(obj one)
	fails_with 2 cairn log -n
	err_has "option '\''-n'\'' requires a value"
	fails_with 2 cairn ref set x "$A" --old
	err_has "option '\''--old'\'' requires a value"
	fails_with 2 cairn gc --prune
	err_has "option '\''--prune'\'' requires a value"
	fails_with 2 cairn commit -m
	err_has "option '\''-m'\'' requires a value"
	fails_with 2 cairn -r
	err_has "option '\''-r'\'' requires a value"
	test_path_is_missing .cairn/refs/x
'

test_expect_success 'long options abbreviate, values attach or follow' '
	A=$(obj one)
	echo "$A" >names
	cairn cat --batch-c <names >out
	echo "$A blob 4" >expect
	test_cmp expect out
	cairn ref set --create x "$A"
	cairn ref set x "$A" --old="$A"
	cairn ref set x "$A" --ol "$A"
	T=$(printf "" | cairn put -t tree --stdin)
	C=$(CAIRN_AUTHOR_NAME=a CAIRN_AUTHOR_EMAIL=a@b \
		CAIRN_COMMITTER_NAME=a CAIRN_COMMITTER_EMAIL=a@b \
		cairn commit -mfirst "$T")
	cairn log -n1 --oneline "$C" >one
	cairn log --oneline -n 1 "$C" >two
	test_cmp one two
	test_line_count = 1 one
'

test_expect_success '-- ends options: a ref named -name' '
	A=$(obj one)
	cairn ref set -- -name "$A"
	test "$(cairn ref get -- -name)" = "$A"
	cairn cat -t -- -name >out
	echo blob >expect
	test_cmp expect out
	cairn ref list -- -n >out
	echo "$A -name" >expect
	test_cmp expect out
	cairn ref set --old "$A" -- -name "$A"
	cairn ref delete --old "$A" -- -name
	fails_with 1 cairn ref get -- -name
	fails_with 2 cairn ref get -name
	err_has "unknown option '\''-n'\''"
'

test_expect_success '--help after a ref subcommand: that usage, exit 0' '
	for sub in list get set delete update
	do
		cairn ref $sub --help >out 2>err || return 1
		test_must_be_empty err || return 1
		head -n 1 out | grep "^usage: cairn ref $sub" || return 1
		# Then the subcommand'"'"'s line of the options, and no other.
		test "$(grep -c "^    [a-z]" out)" = 1 || return 1
		grep "^    $sub" out || return 1
		cairn ref $sub -h >out2 || return 1
		test_cmp out out2 || return 1
	done
	cairn ref set x y --help >out
	grep "^usage: cairn ref set <name> <object>" out
	test_path_is_missing .cairn/refs/x
'

test_expect_success NOREPOABOVE 'usage errors outside a repository exit 2' '
	norepo=$(mktemp -d "$TRASH_DIRECTORY/norepo.XXXXXX")
	cd "$norepo"
	for cmd in "ref set" "ref set x" "ref set x y z" "ref set x y --old" \
		"ref set x y --bogus" "ref set a..b y" "ref get" "ref get a b" \
		"ref get a..b" "ref delete" "ref delete x --create" \
		"ref list --sort=bogus" "ref list --bogus" "ref update x" "ref update -q" \
		"ref frobnicate" "gc --prune=bogus" "gc extra" "log" "log -n" \
		"log -n x y" "commit" "commit -m x" "cat" "cat -leading" \
		"stats extra" "flush extra" "config" "config --bogus" \
		"cat a..b" "cat -e a..b" "log a...b" "ref set x a..b" \
		"ref set x y --old a..b" "ref delete x --old a..b" \
		"commit -m m a..b" "commit -m m -p a..b t"
	do
		# shellcheck disable=SC2086
		fails_with 2 cairn $cmd || return 1
	done
	cairn ref set --help >out
	grep "^usage: cairn ref set" out
	fails_with 3 cairn ref list
	fails_with 3 cairn ref get x
	test_path_is_missing .cairn
'

# --- init ---

test_expect_success 'init ignores CAIRN_DIR: the argument, -r, else ./.cairn' '
	mkdir sub
	(cd sub && CAIRN_DIR="$TRASH_DIRECTORY/elsewhere" cairn init >../out)
	test_path_is_dir sub/.cairn
	test_path_is_missing "$TRASH_DIRECTORY/elsewhere"
	grep "in $(cd sub && pwd -P)/.cairn\$" out
	CAIRN_DIR="$TRASH_DIRECTORY/elsewhere" cairn init named >/dev/null
	test_path_is_dir named
	test_path_is_missing "$TRASH_DIRECTORY/elsewhere"
	test_fsck_repo sub/.cairn
	test_fsck_repo named
'

test_done
