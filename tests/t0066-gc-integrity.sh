#!/bin/sh
# t0066-gc-integrity: gc sweeps only after it has read every root and
# every object a ref reaches, whole and intact.  A reachable object that
# is missing (here and in the alternate) or whose stored bytes fail their
# CRC or hash stops gc before it removes anything: exit 3, one line that
# names the object or offset, every file of the repository unchanged.
# Damage to what no ref reaches does not stop gc.

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

if command -v python3 >/dev/null 2>&1
then
	test_set_prereq PYTHON
fi

# tree_of <hex id> <name>: git's binary tree with one blob entry.
tree_of () {
	python3 -c 'import sys
sys.stdout.buffer.write(b"100644 " + sys.argv[2].encode() + b"\0" +
    bytes.fromhex(sys.argv[1]))' "$1" "$2"
}

# flip <repo> <hex id>: flip one bit of the stored bytes of the record
# of <id> in the repository's data file (the record header holds the id
# at offset 40; its stored bytes follow the 80-byte header).
flip () {
	fl_data_=$(sed -n 's/^data \([^ ]*\) .*/\1/p' "$1/manifest") &&
	python3 -c 'import sys
path, oid = sys.argv[1], bytes.fromhex(sys.argv[2])
b = bytearray(open(path, "rb").read())
at = b.find(oid)
assert at >= 40 and b[at - 40:at - 36] == b"CRec", "record not found"
b[at - 40 + 80] ^= 0x10
open(path, "wb").write(b)' "$1/$fl_data_" "$2"
}

# sums <repo>: a checksum line for every file of the repository.
sums () {
	(cd "$1" && find . -type f ! -name lock ! -name gc.lock | LC_ALL=C sort |
		xargs cksum)
}

# stops <repo>: gc --prune=now stops with exit 3 and one line holding
# "nothing was removed", and no file of the repository changed.
stops () {
	sums "$1" >sums.before &&
	test_must_fail --status=3 cairn -r "$1" gc --prune=now >out 2>err &&
	test_stderr_one_line err &&
	grep -q "nothing was removed" err &&
	sums "$1" >sums.after &&
	test_cmp sums.before sums.after
}

# chain: blob, tree, commit and ref main in .cairn, flushed.
chain () {
	echo "precious content" >f &&
	BLOB=$(cairn put f) &&
	tree_of "$BLOB" f >t.bin &&
	TREE=$(cairn put -t tree t.bin) &&
	COMMIT=$(cairn commit -m one "$TREE") &&
	cairn ref set main "$COMMIT" &&
	cairn flush
}

test_expect_success PYTHON 'a flipped bit in a reachable tree stops gc; its blob stays' '
	chain &&
	flip .cairn "$TREE" &&
	stops .cairn &&
	grep -q "offset" err &&
	test "$(cairn cat "$BLOB")" = "precious content" &&
	test_no_fsck
'

test_expect_success PYTHON 'a flipped bit in a reachable blob stops gc' '
	chain &&
	flip .cairn "$BLOB" &&
	stops .cairn &&
	test_no_fsck
'

test_expect_success PYTHON 'a flipped bit in a reachable blob stops a dry run too' '
	chain &&
	flip .cairn "$BLOB" &&
	sums .cairn >sums.before &&
	test_must_fail --status=3 cairn gc --prune=now --dry-run >out 2>err &&
	test_stderr_one_line err &&
	grep -q "do not match their CRC" err &&
	sums .cairn >sums.after &&
	test_cmp sums.before sums.after &&
	test_no_fsck
'

test_expect_success PYTHON 'a flipped bit among many reachable blobs stops gc' '
	chain &&
	for i in 1 2 3 4 5 6 7 8
	do
		echo "more $i" >m$i && cairn put m$i >>ids || return 1
	done &&
	n=0 &&
	while read -r id
	do
		n=$((n + 1)) &&
		tree_of "$id" "f$n" >>t2.bin || return 1
	done <ids &&
	T2=$(cairn put -t tree t2.bin) &&
	C2=$(cairn commit -m two "$T2") &&
	cairn ref set side "$C2" &&
	cairn flush &&
	flip .cairn "$(sed -n 5p ids)" &&
	stops .cairn &&
	grep -q "do not match their CRC" err &&
	test_no_fsck
'

test_expect_success PYTHON 'a flipped bit in an object no ref reaches does not stop gc' '
	chain &&
	echo "garbage" >g &&
	G=$(cairn put g) &&
	cairn flush &&
	flip .cairn "$G" &&
	cairn gc --prune=now >out &&
	test_must_fail --status=1 cairn cat -e "$G" &&
	test "$(cairn cat "$BLOB")" = "precious content" &&
	cairn fsck
'

test_expect_success PYTHON 'a tree the alternate lost stops the borrowing repository'"'"'s gc' '
	cairn init A >/dev/null &&
	cairn init --alternate="$PWD/A" B >/dev/null &&
	echo "only in B" >b &&
	B2=$(cairn -r B put b) &&
	tree_of "$B2" b >t.bin &&
	T2=$(cairn -r A put -t tree t.bin) &&
	C=$(cairn -r B commit -m borrowed "$T2") &&
	cairn -r B ref set main "$C" &&
	cairn -r B flush &&
	cairn -r A gc --prune=now >/dev/null &&
	test_must_fail --status=1 cairn -r A cat -e "$T2" &&
	stops B &&
	grep -q "$T2" err &&
	test "$(cairn -r B cat "$B2")" = "only in B"
'

test_expect_success 'a ref to an object that is missing stops gc' '
	chain &&
	echo "never stored" >n &&
	N=$(cairn put -n n) &&
	mkdir -p .cairn/refs/tags &&
	echo "$N" >.cairn/refs/tags/gone &&
	stops .cairn &&
	grep -q "$N" err &&
	test_no_fsck
'

test_done
