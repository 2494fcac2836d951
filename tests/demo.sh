#!/bin/sh
# tests/demo.sh: a short guided session with cairn in a throwaway
# repository.  Usage: sh tests/demo.sh <path to the cairn binary>

set -e

if test "$#" != 1
then
	echo "usage: sh tests/demo.sh <path to cairn>" >&2
	exit 2
fi
case $1 in
/*) CAIRN=$1 ;;
*) CAIRN=$(pwd)/$1 ;;
esac
if ! test -x "$CAIRN"
then
	echo "demo: no cairn binary at $CAIRN (run make first)" >&2
	exit 1
fi

DEMO=$(mktemp -d "${TMPDIR:-/tmp}/cairn-demo.XXXXXX")
trap 'rm -rf "$DEMO"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$DEMO"
unset CAIRN_DIR

say () {
	printf '\n# %s\n' "$*"
}

# show <arg>...: print a cairn command line as typed.
show () {
	printf '$ cairn'
	printf ' %s' "$@"
	printf '\n'
}

# run <arg>...: show the command, then run it.
run () {
	show "$@"
	"$CAIRN" "$@"
}

say "A repository is a directory, ./.cairn by default."
run init

say "Some files to store."
printf 'hello, world\n' >hello.txt
printf 'cairn keeps every object it is given, named by its hash.\n' >notes.txt
head -c 65536 /dev/urandom >random.bin
wc -c hello.txt notes.txt random.bin

say "put stores each file and prints its id (the same id git would give)."
show put hello.txt notes.txt random.bin
"$CAIRN" put hello.txt notes.txt random.bin >ids
cat ids
hello=$(sed -n 1p ids)
notes=$(sed -n 2p ids)

say "Putting the same content again stores nothing new: same id."
run put hello.txt

say "cat prints an object's content; -t its type, -s its size."
run cat "$hello"
run cat -t "$notes"
run cat -s "$notes"

say "A unique prefix of at least 4 hex digits is enough."
prefix=$(printf '%s' "$notes" | cut -c 1-8)
run cat "$prefix"

say "cat --batch-check reads names on stdin, like git cat-file; the last one was never stored."
missing=$(printf 'never stored\n' | "$CAIRN" put -n --stdin)
{ cat ids; echo "$missing"; } >names
printf '$ cairn cat --batch-check <names\n'
"$CAIRN" cat --batch-check <names

say "New objects sit in the write-ahead log until a flush indexes them."
show stats
"$CAIRN" stats >stats.txt
grep -E '^(objects|wal_records|index_segments):' stats.txt
run flush
run stats

say "Everything reads back the same after the flush."
run cat "$hello"
if "$CAIRN" help fsck >/dev/null 2>&1
then
	say "fsck checks every object and index."
	run fsck
fi

say "Done; the demo repository is removed on exit."
