#!/bin/sh
# t0081-oid-git: object ids are git's, SHA-1 and SHA-256, from the empty
# object to ones of several MiB, whichever library does the hashing.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# make_files: the files, in the current directory: empty, one byte,
# 55/56/64 bytes (around SHA's padding), about 1.2 MiB of text, and that
# three times and a byte more (over 3 MiB).
make_files () {
	: >empty
	printf x >one
	printf "%055d" 0 >f55
	printf "%056d" 0 >f56
	printf "%064d" 0 >f64
	awk 'BEGIN { for (i = 0; i < 80000; i++)
	    printf "%d %x\n", i, (i * 2654435761) % 4294967296 }' >big
	cat big big big >big3
	printf z >>big3
	test "$(wc -c <big | tr -d " ")" -gt 1048576 &&
	test "$(wc -c <big3 | tr -d " ")" -gt 3145728
}

# Used in the test bodies.
# shellcheck disable=SC2034
files="empty one f55 f56 f64 big big3"

test_expect_success GIT 'sha1: put prints git hash-object ids, cat gives the bytes back' '
	make_files
	cairn init --object-format=sha1 s1 >/dev/null
	for f in $files
	do
		git hash-object --no-filters "$f" || return 1
	done >expect
	cairn -r s1 put $files >actual
	test_cmp expect actual
	cairn -r s1 put -n $files >actual
	test_cmp expect actual
	set -- $files
	while read -r id
	do
		cairn -r s1 cat "$id" >out &&
		cmp "$1" out || return 1
		shift
	done <expect
	test_fsck_repo s1
'

test_expect_success GITSHA256 'sha256: put prints git hash-object ids, cat gives the bytes back' '
	make_files
	cairn init --object-format=sha256 s256 >/dev/null
	git init -q --object-format=sha256 g
	for f in $files
	do
		git -C g hash-object --no-filters "$PWD/$f" || return 1
	done >expect
	cairn -r s256 put $files >actual
	test_cmp expect actual
	cairn -r s256 put -n $files >actual
	test_cmp expect actual
	set -- $files
	while read -r id
	do
		cairn -r s256 cat "$id" >out &&
		cmp "$1" out || return 1
		shift
	done <expect
	test_fsck_repo s256
'

test_done
