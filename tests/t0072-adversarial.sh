#!/bin/sh
# t0072-adversarial: what a hostile user or a careless operator can do to
# a repository must never make fsck --repair, --salvage or gc lose an
# intact object that a ref reaches, or write outside the repository.
# Each test states the behaviour expected of cairn; a failure here is a
# way found to break that promise.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# data_of <repo>: the data file the manifest names.
data_of () {
	sed -n 's/^data \([^ ]*\) .*/\1/p' "$1/manifest"
}

# repair [<option>]: fsck --repair (or the option given) finishes, within
# a minute, with a status that is no crash (0, or 1: problems left).
repair () {
	rp_rc_=0
	test_timeout 60 cairn fsck "${1:---repair}" >repair.out 2>&1 ||
		rp_rc_=$?
	cat repair.out
	test "$rp_rc_" -le 1
}

# two_generations: blob A (ref a) flushed, a copy of that data file kept
# as ../early; then blob B (ref b) flushed.  A and B are intact.
two_generations () {
	echo "first content" >a &&
	A=$(cairn put a) &&
	cairn ref set a "$A" &&
	cairn flush >/dev/null &&
	cp ".cairn/$(data_of .cairn)" early &&
	echo "second content" >b &&
	B=$(cairn put b) &&
	cairn ref set b "$B" &&
	cairn flush >/dev/null
}

# b_kept: B is readable, or the file holding it was kept (the repair said
# it holds an object the repository lacks) and --salvage brings it back.
b_kept () {
	if ! cairn cat "$B" >got 2>/dev/null
	then
		test -f .cairn/objects.1.data &&
		grep "^warning stray objects\.1\.data: .*holds 1 objects" repair.out &&
		repair --salvage &&
		cairn cat "$B" >got
	fi &&
	test_cmp b got &&
	cairn cat "$A" >got &&
	test_cmp a got
}

# Expected: with the manifest gone, --repair rebuilds from what the
# directory holds without deleting the data file that holds the only copy
# of B: an older or partial data file with a higher number (an earlier
# copy, or the output of an interrupted gc) is not a reason to delete the
# live one (it stays, reported, and --salvage reads it).
test_expect_success 'repair of a missing manifest keeps the data file a higher-numbered stray would shadow' '
	two_generations &&
	cp early .cairn/objects.50.data &&
	rm .cairn/manifest &&
	repair &&
	b_kept
'

# Expected: the same when a directory stands in place of the manifest
# (it is moved to the quarantine, then the repository is rebuilt).
test_expect_success 'repair of a manifest that is a directory keeps the live data file' '
	two_generations &&
	cp early .cairn/objects.50.data &&
	rm .cairn/manifest &&
	mkdir .cairn/manifest &&
	repair &&
	b_kept
'

# Expected: a config written anew takes object.format from the files the
# manifest names (or refuses when files disagree), never from a stray
# data file of another format: the repository stays sha256 and every
# object stays readable.
test_expect_success 'repair of a missing config is not misled by a stray data file of another format' '
	echo "some content" >h &&
	H=$(cairn put h) &&
	cairn ref set main "$H" &&
	cairn flush >/dev/null &&
	cairn init --object-format=sha1 other >/dev/null &&
	cp "other/$(data_of other)" .cairn/objects.99.data &&
	rm .cairn/config &&
	repair &&
	grep -qx "object.format = sha256" .cairn/config &&
	cairn cat "$H" >got &&
	test_cmp h got
'

# linked_dir <name>: three flushed generations and a ref, then the
# repository's <name>/ (tmp or index) moved to ../outside/<name> and a
# link to it left in its place; ../outside's listing and content sums
# saved in ../outside.sum.
linked_dir () {
	for i in 1 2 3; do
		echo "content $i" >"f$i" &&
		cairn put "f$i" >/dev/null &&
		cairn flush >/dev/null || return 1
	done &&
	echo "kept" >k &&
	K=$(cairn put k) &&
	cairn ref set main "$K" &&
	mkdir outside &&
	mv ".cairn/$1" "outside/$1" &&
	ln -s "$PWD/outside/$1" ".cairn/$1" &&
	sum_outside >outside.sum
}

sum_outside () {
	(cd outside && find . -print | sort && find . -type f -exec cksum {} + | sort)
}

# Expected: gc writes nothing through a tmp/ or index/ that is a link
# (the new data file, WAL, manifest and segments would land outside,
# and the old segments would be removed there): it stops with exit 3
# before the sweep, naming the directory; fsck --repair puts a real
# directory back, and gc then works.
for dir in tmp index
do
	test_expect_success "gc writes nothing through $dir/ when it is a link" '
		linked_dir '"$dir"' &&
		test_must_fail --status=3 cairn gc --prune=now 2>err &&
		grep -F "'"$dir"'" err &&
		sum_outside >now.sum &&
		test_cmp outside.sum now.sum &&
		echo more >m &&
		cairn put m >/dev/null &&
		test_must_fail --status=3 cairn flush &&
		sum_outside >now.sum &&
		test_cmp outside.sum now.sum &&
		repair &&
		cairn gc --prune=now >/dev/null &&
		cairn cat "$K" >got &&
		test_cmp k got &&
		sum_outside >now.sum &&
		test_cmp outside.sum now.sum
	'
done

test_done
