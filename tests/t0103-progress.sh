#!/bin/sh
# t0103-progress: the progress meter.  With stderr on a pseudo-terminal,
# put -r, put --stdin-paths, put --batch, get, flush, fsck, clone, fetch
# and push end with a meter line naming their items and bytes (the final
# line is drawn however fast the work was, so what it says is exact);
# with --no-progress, or with stderr not a terminal, nothing of it is
# written; stdout is the same byte for byte either way; and an error
# message never lands at the end of a meter's line.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# on_tty <file> <command>...: run the command with its stderr on a
# pseudo-terminal (stdin and stdout as they are) and keep in <file> what
# the terminal received; exit with the command's status.
PTYRUN=$TRASH_DIRECTORY/ptyrun.py
cat >"$PTYRUN" <<'EOF'
import os, pty, subprocess, sys
master, slave = pty.openpty()
child = subprocess.Popen(sys.argv[2:], stderr=slave)
os.close(slave)
got = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:
        break
    if not chunk:
        break
    got += chunk
with open(sys.argv[1], "wb") as f:
    f.write(got)
sys.exit(child.wait())
EOF
on_tty () {
	python3 "$PTYRUN" "$@"
}
if command -v python3 >/dev/null 2>&1 &&
	python3 "$PTYRUN" "$TRASH_DIRECTORY/.pty-check" true 2>/dev/null
then
	test_set_prereq PTY
fi

# lines <file>: what a terminal was sent, one line per line: every "\r"
# (of a redraw, and of the terminal's "\r\n") starts a line, and the
# meter's "erase to the end of the line" (ESC [ K) is left out.
lines () {
	tr '\r' '\n' <"$1" | sed "s/$(printf '\033')\\[K//g" |
		grep -v '^ *$' || :
}

# final <title> <file> <pattern>: every line shown in <file> is a line
# of the meter titled <title> (a slow run redraws it), and the last one
# matches the extended regular expression <pattern>.
final () {
	lines "$2" >shown
	if grep -v "^$1: " shown >&9
	then
		echo "final: a line of $2 is not of the $1 meter" >&9
		return 1
	fi
	tail -n 1 shown >last
	if ! grep -E "$3" last >&9
	then
		echo "final: the last line is not /$3/:" >&9
		cat shown >&9
		return 1
	fi
}

# make_files <dir> <n>: n small files, "file <i>" each.
make_files () {
	mkdir -p "$1"
	i=1
	while test "$i" -le "$2"
	do
		echo "file $i" >"$1/f$i"
		i=$((i + 1))
	done
}

# The 300 files' content: "file 1\n" to "file 300\n".
# shellcheck disable=SC2034 # used in the test bodies
BYTES_300='2.5 KiB'

test_expect_success PTY 'put -r on a terminal ends with its files and bytes' '
	make_files d 300
	on_tty tty cairn put -r d >out
	final put tty "^put: 300 files, $BYTES_300"
	cairn put -r d >out.plain 2>err
	test_must_be_empty err
	test_cmp out.plain out
	test_line_count -eq 1 out
'

test_expect_success PTY 'put -n -r draws the meter too' '
	make_files d 300
	on_tty tty cairn put -n -r d >out
	final put tty "^put: 300 files, $BYTES_300"
	cairn put -r d >expect
	test_cmp expect out
'

test_expect_success PTY '--no-progress or stderr not a terminal: no meter' '
	make_files d 300
	on_tty tty cairn --no-progress put -r d >out
	test_must_be_empty tty
	tree=$(cat out)
	on_tty tty cairn --no-progress get "$tree" out.d
	test_must_be_empty tty
	on_tty tty cairn --no-progress flush
	test_must_be_empty tty
	on_tty tty cairn --no-progress fsck
	test_must_be_empty tty
	on_tty tty cairn --no-progress clone "$PWD/.cairn" c
	test_must_be_empty tty
	cairn get "$tree" out.e 2>err
	test_must_be_empty err
	cairn flush 2>err
	test_must_be_empty err
	cairn fsck 2>err
	test_must_be_empty err
	cairn clone "$PWD/.cairn" c2 2>err
	test_must_be_empty err
'

test_expect_success PTY 'put --stdin-paths counts the files it reads' '
	make_files d 300
	ls d/f* >paths
	on_tty tty cairn put --stdin-paths <paths >out
	final put tty "^put: 300 files, $BYTES_300"
	cairn put --stdin-paths <paths >out.plain 2>err
	test_must_be_empty err
	test_cmp out.plain out
	test_line_count -eq 300 out
'

test_expect_success PTY 'put --batch counts the records it reads' '
	make_files d 300
	ls d/f* >paths
	cairn put --stdin-paths <paths >ids
	cairn cat --batch <ids >records
	on_tty tty cairn put --batch <records >out
	final put tty "^put: 300 objects, $BYTES_300"
	test_cmp ids out
	cairn put --batch <records >out.plain 2>err
	test_must_be_empty err
	test_cmp ids out.plain
	on_tty tty cairn --no-progress put --batch <records >out
	test_must_be_empty tty
	test_cmp ids out
'

test_expect_success PTY 'get shows files of the total, and bytes' '
	make_files d 300
	tree=$(cairn put -r d)
	on_tty tty cairn get "$tree" out.d >out
	final get tty "^get: 300/300 files \(100%\), $BYTES_300"
	test_must_be_empty out
	diff -r d out.d
'

test_expect_success PTY 'flush counts the index entries it writes' '
	make_files d 300
	cairn put -r d >/dev/null
	on_tty tty cairn flush >out
	final flush tty "^flush: 301/301 index entries \(100%\)"
	test_must_be_empty out
'

test_expect_success PTY 'fsck ends with the records and bytes it read' '
	make_files d 300
	cairn put -r d >/dev/null
	on_tty tty cairn fsck >out
	final fsck tty "^fsck: [1-9][0-9]* records, [0-9.]+ (B|KiB|MiB)"
	cairn fsck >out.plain 2>err
	test_must_be_empty err
	test_cmp out.plain out
'

test_expect_success PTY 'gc shows each phase with its whole count' '
	make_files d 300
	cairn put -r d >/dev/null
	echo loose | cairn put --stdin >/dev/null
	on_tty tty cairn gc --prune=never >out
	lines tty >shown
	grep -v "^gc: " shown >&9 && exit 1
	grep -q "^gc: scan: 302 objects\$" shown
	grep -q "^gc: mark: 302 objects\$" shown
	tail -n 1 shown >last
	echo "gc: copy: 302 objects" >expect
	test_cmp expect last
	cairn gc --prune=never >out.plain 2>err
	test_must_be_empty err
	test_cmp out.plain out
	on_tty tty cairn --no-progress gc --prune=now >out
	test_must_be_empty tty
'

test_expect_success PTY 'bundle create, verify and unbundle count objects' '
	make_files d 300
	tree=$(cairn put -r d)
	cairn ref set main "$tree"
	on_tty tty cairn bundle create b.bundle main >out
	final bundle tty "^bundle: 301/301 objects, [0-9.]+ of [0-9.]+ KiB \(100%\)"
	on_tty tty cairn bundle verify b.bundle >out
	final verify tty "^verify: 301/301 objects \(100%\)"
	cairn init other >/dev/null
	on_tty tty cairn -r other bundle unbundle b.bundle >out
	final unbundle tty "^unbundle: 301/301 objects \(100%\)"
	cairn -r other bundle unbundle b.bundle >out.plain 2>err
	test_must_be_empty err
	test_cmp out.plain out
'

test_expect_success PTY 'clone, fetch and push count objects and bytes' '
	make_files d 300
	tree=$(cairn put -r d)
	cairn ref set main "$tree"
	on_tty tty cairn clone "$PWD/.cairn" c >out
	final clone tty "^clone: 301/301 objects \(100%\), [0-9.]+ (B|KiB)"
	test_must_be_empty out
	cairn clone "$PWD/.cairn" c2 >/dev/null
	echo more >d/more
	tree=$(cairn put -r d)
	cairn ref set main "$tree"
	on_tty tty cairn -r c fetch "$PWD/.cairn" >out
	final fetch tty "^fetch: 2/2 objects \(100%\), [0-9.]+ (B|KiB)"
	cairn -r c2 fetch "$PWD/.cairn" >out.plain 2>err
	test_must_be_empty err
	test_cmp out.plain out
	cairn init far >/dev/null
	on_tty tty cairn push "$PWD/far" main >out
	final push tty \
		"^push: 302/302 objects, [0-9.]+ of [0-9.]+ KiB \(100%\)"
	echo "$tree main" >expect
	test_cmp expect out
	test_fsck_repo c
	test_fsck_repo c2
	test_fsck_repo far
'

test_expect_success PTY 'an error starts its own line, not a meter'"'"'s' '
	make_files d 2
	test_must_fail --status=2 on_tty tty sh -c "
		{ echo d/f1; sleep 0.3; echo d/f2; echo d/nope; } |
		cairn put --stdin-paths" >out
	lines tty >shown
	grep "^put: 2 files" shown
	grep "^cairn: cannot open .d/nope." shown
	test "$(grep -c "cairn: " shown)" = "$(grep -c "^cairn: " shown)"
	test_line_count -eq 2 out
'

test_done
