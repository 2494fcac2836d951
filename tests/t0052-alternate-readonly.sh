#!/bin/sh
# Alternates (a repository layered over another, read-only one) and
# read-only use: what the lower holds is readable through the upper,
# writes land in the upper only, the lower is never modified; with
# --read-only every mutating command exits 3 and changes nothing.

. "$(dirname "$0")/lib.sh"

# checksum_tree <dir>: a digest of every file's path, mode and content.
checksum_tree () {
	(cd "$1" && find . -type f -exec sha256sum {} + | sort &&
		find . -exec stat -c '%n %a %s' {} + | sort) | sha256sum
}

test_expect_success 'objects of the alternate are read through the upper' '
	cairn init --object-format=sha1 lower >/dev/null
	echo shared >shared
	echo mine >mine
	echo unflushed >unflushed
	s=$(cairn -r lower put shared)
	cairn -r lower flush
	t=$(cairn -r lower put unflushed)
	before=$(checksum_tree lower)
	cairn init --object-format=sha1 --alternate=lower upper >/dev/null
	grep "^core.alternate = /" upper/config
	cairn -r upper cat "$s" >got
	test_cmp shared got
	test "$(cairn -r upper cat -t "$t")" = blob
	m=$(cairn -r upper put mine)
	cairn -r upper cat "$m" >got
	test_cmp mine got
	test_must_fail --status=1 cairn -r lower cat -e "$m"
	cairn -r upper ref set main "$s"
	test "$(cairn -r upper ref get main)" = "$s"
	test_must_fail --status=1 cairn -r lower ref get main
	cairn -r upper flush
	cairn -r upper gc --prune=now >out
	cairn -r upper cat "$s" >got
	test_cmp shared got
	cairn -r upper fsck
	test_fsck_repo lower
	test_fsck_repo upper
	test "$(checksum_tree lower)" = "$before"
'

test_expect_success 'an alternate of another object format is refused' '
	cairn init --object-format=sha256 other >/dev/null
	test_must_fail --status=2 cairn init --object-format=sha1 \
		--alternate=other up 2>err
	test_stderr_one_line err
	test_path_is_missing up/manifest
	test_must_fail --status=2 cairn init --alternate=nowhere up2 2>err
	test_stderr_one_line err
'

test_expect_success '--read-only: every mutating command exits 3, nothing changes' '
	echo content >file
	id=$(cairn put file)
	cairn ref set main "$id"
	before=$(checksum_tree .cairn)
	test_must_fail --status=3 cairn --read-only put file 2>err
	test_stderr_one_line err
	echo x | test_must_fail --status=3 cairn --read-only put --stdin
	printf "blob 1\nx\n" | test_must_fail --status=3 cairn --read-only put --batch
	test_must_fail --status=3 cairn --read-only flush
	test_must_fail --status=3 cairn --read-only gc --prune=now
	test_must_fail --status=3 cairn --read-only fsck --repair
	test_must_fail --status=3 cairn --read-only ref set main "$id"
	test_must_fail --status=3 cairn --read-only ref delete main
	echo "delete main" | test_must_fail --status=3 cairn --read-only ref update
	test_must_fail --status=3 cairn --read-only config core.compression 5
	test "$(checksum_tree .cairn)" = "$before"
	cairn --read-only cat "$id" >got
	test_cmp file got
	cairn --read-only ref list >refs
	test_line_count = 1 refs
	cairn --read-only stats >/dev/null
'

test_expect_success NOTROOT 'a repository the user cannot write is readable' '
	echo content >file
	id=$(cairn put file)
	chmod -R a-w .cairn
	cairn --read-only cat "$id" >got
	cairn cat "$id" >got2
	chmod -R u+w .cairn
	test_cmp file got
	test_cmp file got2
'

test_expect_success 'a chain of exactly 8 alternates below a repository works; a 9th is refused' '
	blob=$(echo "at the bottom" | cairn init r0 >/dev/null && echo "at the bottom" | cairn -r r0 put --stdin) &&
	for i in 1 2 3 4 5 6 7 8
	do
		cairn init --alternate="$PWD/r$((i - 1))" "r$i" >/dev/null || return 1
	done &&
	test "$(cairn -r r8 cat "$blob")" = "at the bottom" &&
	test_must_fail --status=2 cairn init --alternate="$PWD/r8" r9 2>err &&
	test_stderr_one_line err &&
	grep -q "chain too long (at most 8 alternates" err &&
	! test -e r9 &&
	cairn init r9 >/dev/null &&
	test_must_fail --status=2 cairn -r r9 config core.alternate "$PWD/r8" 2>err &&
	test_stderr_one_line err &&
	cairn -r r9 config core.alternate "$PWD/r7"
'

test_done
