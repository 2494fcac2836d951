#!/bin/sh
# t0091-enumerate: every object listed once, in id order: cat
# --batch-all-objects as git cat-file --batch-all-objects (with formats,
# an alternate, objects only in the WAL); fsck --unreachable as git fsck
# --unreachable; gc --dry-run -v lists exactly what gc then removes.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

test_git_identity

# make_history <bare git dir>: main (three commits), side (one more off
# the first), an annotated tag, then side and the tag deleted and a loose
# blob added, so that some objects are unreachable.
make_history () {
	git init -q w &&
	for n in 1 2 3
	do
		mkdir -p w/d && printf '%s\n' "$n" >w/top &&
		printf 'd%s\n' "$n" >"w/d/f$n" &&
		git -C w add -A && git -C w commit -q -m "c$n" || return 1
	done &&
	git -C w branch side HEAD~2 &&
	git -C w checkout -q side && printf 's\n' >w/s &&
	git -C w add s && git -C w commit -q -m s &&
	git -C w tag -a -m t t1 HEAD &&
	git -C w checkout -q - &&
	# The git directory itself, bare, without index or reflogs (roots
	# git fsck would count), the tag and side deleted.
	cp -R w/.git "$1" &&
	rm -rf "$1/index" "$1/logs" &&
	git -C "$1" config core.bare true &&
	git -C "$1" tag -d t1 >/dev/null &&
	git -C "$1" branch -q -D side &&
	printf 'loose\n' | git -C "$1" hash-object -w --stdin >/dev/null
}

test_expect_success GIT 'cat --batch-all-objects: every object once, as git cat-file' '
	make_history b.git
	import_history b.git c
	for f in --batch-check --batch "--batch-check=%(objectname) %(objecttype)%(rest)." \
	    "--batch=%(objectsize) %(objecttype)"
	do
		git -C b.git cat-file --batch-all-objects "$f" >expect &&
		cairn -r c cat --batch-all-objects "$f" >actual &&
		test_cmp_bin expect actual || { echo "format $f" >&9; return 1; }
	done &&
	# Flushed (all indexed) gives the same.
	cairn -r c flush &&
	git -C b.git cat-file --batch-all-objects --batch-check >expect &&
	cairn -r c cat --batch-all-objects --batch-check >actual &&
	test_cmp expect actual
'

test_expect_success GIT 'objects in the WAL and the index, and an alternate: each once' '
	make_history b.git
	import_history b.git lower
	cairn -r lower flush
	cairn init --object-format=sha1 --alternate="$PWD/lower" upper >/dev/null
	# Some objects both here and in the alternate, one only here, not
	# flushed.
	git -C b.git cat-file --batch-all-objects --batch-check="%(objectname)" |
	    head -n 5 | cairn -r lower cat --batch | cairn -r upper put --batch >/dev/null
	new=$(printf "only upper\n" | cairn -r upper put --stdin)
	{
		git -C b.git cat-file --batch-all-objects --batch-check &&
		echo "$new blob 11"
	} | LC_ALL=C sort >expect
	cairn -r upper cat --batch-all-objects --batch-check >actual
	test_cmp expect actual
'

test_expect_success GIT 'fsck --unreachable: what git fsck --unreachable lists' '
	make_history b.git
	import_history b.git c
	git -C b.git fsck --unreachable --no-reflogs 2>/dev/null | LC_ALL=C sort >expect
	test -s expect
	cairn -r c fsck --unreachable >out
	grep "^unreachable " out >actual.raw
	# In id order, as documented; as a set, git'"'"'s.
	awk "{ print \$3 }" actual.raw >ids && LC_ALL=C sort -c ids &&
	LC_ALL=C sort actual.raw >actual &&
	test_cmp expect actual &&
	cairn -r c fsck --unreachable --json >out.json &&
	python3 -m json.tool out.json >/dev/null &&
	test "$(grep -o "\"type\":" out.json | wc -l)" = "$(wc -l <expect)"
'

test_expect_success GIT 'fsck --unreachable with an alternate: its objects too, as git' '
	git init -q --bare lower.git &&
	printf "lower\n" | git -C lower.git hash-object -w --stdin >/dev/null &&
	git init -q --bare upper.git &&
	echo "$PWD/lower.git/objects" >upper.git/objects/info/alternates &&
	printf "upper\n" | git -C upper.git hash-object -w --stdin >/dev/null &&
	x=$(printf "x\n" | git -C upper.git hash-object -w --stdin) &&
	t=$(printf "100644 blob %s\tf\n" "$x" | git -C upper.git mktree) &&
	c=$(echo m | git -C upper.git commit-tree "$t") &&
	git -C upper.git update-ref refs/heads/main "$c" &&
	git -C upper.git fsck --unreachable --no-reflogs 2>/dev/null |
	    LC_ALL=C sort >expect &&
	test_line_count = 2 expect &&
	cairn init --object-format=sha1 lower >/dev/null &&
	git -C lower.git cat-file --batch-all-objects --batch |
	    cairn -r lower put --batch >/dev/null &&
	cairn init --object-format=sha1 --alternate="$PWD/lower" upper \
	    >/dev/null &&
	# Only upper.git'"'"'s own objects (git lists the alternate'"'"'s too).
	(cd upper.git/objects && find ?? -type f | tr -d /) >own &&
	git -C upper.git cat-file --batch <own |
	    cairn -r upper put --batch >/dev/null &&
	cairn -r upper ref set heads/main "$c" &&
	cairn -r upper fsck --unreachable >out &&
	grep "^unreachable " out | LC_ALL=C sort >actual &&
	test_cmp expect actual
'

test_expect_success 'fsck --unreachable: findings still printed, the usual status' '
	a=$(printf "a\n" | cairn put --stdin) &&
	b=$(printf "b\n" | cairn put --stdin) &&
	cairn ref set x "$a" &&
	printf "%064d\n" 7 >.cairn/refs/lost &&
	test_must_fail --status=1 cairn fsck --unreachable >out 2>err &&
	test_must_be_empty err &&
	grep "^error ref lost: " out &&
	grep "^unreachable " out >actual &&
	echo "unreachable blob $b" >expect &&
	test_cmp expect actual &&
	test_must_fail --status=1 cairn fsck --unreachable --json >out.json &&
	python3 -m json.tool out.json >/dev/null &&
	grep "\"unreachable\": \[{\"type\": \"blob\", \"id\": \"$b\"}\]" out.json &&
	rm .cairn/refs/lost &&
	cairn flush &&
	seg=.cairn/$(sed -n "s/^segment \([^ ]*\) .*/\1/p" .cairn/manifest) &&
	chmod u+w "$seg" &&
	printf "\377\377\377\377" | dd of="$seg" bs=1 seek=1090 conv=notrunc \
	    2>/dev/null &&
	# A damaged index: the findings, then one line for the listing.
	test_must_fail --status=3 cairn fsck --unreachable >out 2>err &&
	grep "^error index " out &&
	! grep "^unreachable " out &&
	test_stderr_one_line err &&
	test_must_fail --status=3 cairn fsck --unreachable --json >out.json \
	    2>err &&
	python3 -m json.tool out.json >/dev/null &&
	test_stderr_one_line err &&
	cairn fsck --repair --unreachable >out &&
	grep "^unreachable " out >actual &&
	test_cmp expect actual
'

test_expect_success GIT 'gc --dry-run -v lists exactly what gc removes' '
	make_history b.git
	import_history b.git c
	cairn -r c cat --batch-all-objects --batch-check="%(objectname)" >before
	cairn -r c gc --prune=now --dry-run -v >dry
	kept=$(git -C b.git rev-list --objects --all | wc -l)
	test "$(tail -n 1 dry | cut -d" " -f1-2)" = "kept $kept"
	sed "\$d" dry >listed
	awk "NF != 4 || \$4 !~ /^[0-9]+\$/ { exit 1 }" listed
	awk "{ print \$1 }" listed >would
	LC_ALL=C sort -c would
	test -s would
	cairn -r c gc --prune=now --dry-run -v --json >dry.json
	python3 -m json.tool dry.json >/dev/null
	test "$(grep -o "\"id\":" dry.json | wc -l)" = "$(wc -l <would)"
	cairn -r c gc --prune=now -v >real
	sed "\$d" real | awk "{ print \$1 }" >removed
	test_cmp would removed
	cairn -r c cat --batch-all-objects --batch-check="%(objectname)" >after
	LC_ALL=C comm -23 before after >gone
	test_cmp would gone
	# Nothing left to remove: nothing listed.
	cairn -r c gc --prune=now --dry-run -v >again
	test_line_count = 1 again
'

test_expect_success 'what cannot be listed: one line and the documented status' '
	printf "x\n" | cairn put --stdin >/dev/null &&
	test_must_fail --status=2 cairn cat --batch-all-objects >out 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn cat --batch-all-objects -p x >out 2>err &&
	test_must_fail --status=2 cairn cat --batch-all-objects --batch x \
	    >out 2>err &&
	test_must_fail --status=3 cairn cat --batch-all-objects --batch \
	    >/dev/full 2>err &&
	test_stderr_one_line err &&
	cairn flush &&
	seg=.cairn/$(sed -n "s/^segment \([^ ]*\) .*/\1/p" .cairn/manifest) &&
	test_path_is_file "$seg" &&
	# A damaged index segment: an error, not a shorter list.
	chmod u+w "$seg" &&
	printf "\377\377\377\377" | dd of="$seg" bs=1 seek=1090 conv=notrunc \
	    2>/dev/null &&
	test_must_fail cairn cat --batch-all-objects --batch-check >out 2>err &&
	test_stderr_one_line err &&
	cairn fsck --repair >out &&
	cairn cat --batch-all-objects --batch-check >out &&
	test_line_count = 1 out
'

test_done
