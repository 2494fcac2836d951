#!/bin/sh
# t0042-gc: `cairn gc` keeps exactly what the refs reach plus what was
# written or touched within the grace period (and what that reaches), as
# git would (rev-list --objects is the oracle); --dry-run changes nothing
# and counts what gc then does; the grace period survives a gc; refs, log
# and fsck are fine afterwards; a second gc changes nothing.

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

P=$TRASH_DIRECTORY/pristine

# walk <repo> <tips file>: every id reachable from the ids in <tips file>
# (commit -> tree and parents, tag -> object, tree -> entries), sorted.
walk () {
	sort -u "$2" >walk.todo || return 1
	: >walk.seen
	while test -s walk.todo
	do
		: >walk.next
		while read -r wk_id_
		do
			grep -qx "$wk_id_" walk.seen && continue
			echo "$wk_id_" >>walk.seen
			wk_type_=$(cairn -r "$1" cat -t "$wk_id_") || return 1
			case $wk_type_ in
			commit)
				cairn -r "$1" cat "$wk_id_" >walk.obj || return 1
				sed -n '/^$/q; s/^tree //p; s/^parent //p' walk.obj >>walk.next
				;;
			tag)
				cairn -r "$1" cat "$wk_id_" >walk.obj || return 1
				sed -n '/^$/q; s/^object //p' walk.obj >>walk.next
				;;
			tree)
				cairn -r "$1" cat -p "$wk_id_" >walk.obj || return 1
				awk '{ print $3 }' walk.obj >>walk.next
				;;
			esac
		done <walk.todo
		sort -u walk.next >walk.todo || return 1
	done
	sort walk.seen
}

# present <repo> <ids file>: the ids of <ids file> the repository has,
# sorted.
present () {
	cairn -r "$1" cat --batch-check <"$2" >present.out || return 1
	awk '$2 != "missing" { print $1 }' present.out | sort
}

# checksums <repo>: every file of the repository with a checksum of its
# content, sorted by name.
checksums () {
	(cd "$1" && find . -type f | LC_ALL=C sort | while IFS= read -r ck_f_
	do
		printf '%s %s\n' "$(cksum <"$ck_f_")" "$ck_f_"
	done)
}

# tag_object <object> <name>: the text of a tag of commit <object>.
tag_object () {
	printf 'object %s\ntype commit\ntag %s\ntagger %s <%s> %s\n\ntag %s\n' \
		"$1" "$2" "$GIT_COMMITTER_NAME" "$GIT_COMMITTER_EMAIL" \
		"$GIT_COMMITTER_DATE" "$2"
}

# gc_counts <output of gc>: "<kept> <kept bytes> <removed> <removed bytes>".
gc_counts () {
	sed -n -E 's/^kept ([0-9]+) objects \(([0-9]+) bytes\), (removed|would remove) ([0-9]+) objects \(([0-9]+) bytes\)$/\1 \2 \4 \5/p' "$1"
}

# setup_history: in a sha1 repository $P/repo, three versions of a
# directory (put -r) with commits on top of each other, a side commit, a
# tag of the second commit, refs to some of them (one to a blob, one to
# the tag); unreachable blobs, a tree, a commit and a tag; some objects,
# reachable and not, flushed, others only in the WAL.  $P/all lists every object, $P/tips the
# refs' targets.
setup_history () {
	mkdir -p "$P/v/sub" "$P/junk/deeper" &&
	cairn init --object-format=sha1 "$P/repo" >/dev/null &&
	R=$P/repo &&
	: >"$P/all.tips" || return 1
	printf 'alpha\n' >"$P/v/a" &&
	printf 'beta\n' >"$P/v/b" &&
	test_seq 1 100 >"$P/v/sub/c" &&
	sh_t1_=$(cairn -r "$R" put -r "$P/v") &&
	sh_c1_=$(cairn -r "$R" commit -m one "$sh_t1_") &&
	printf 'alpha two\n' >"$P/v/a" &&
	printf 'delta\n' >"$P/v/sub/d" &&
	sh_t2_=$(cairn -r "$R" put -r "$P/v") &&
	sh_c2_=$(cairn -r "$R" commit -p "$sh_c1_" -m two "$sh_t2_") &&
	cairn -r "$R" flush &&
	rm "$P/v/b" &&
	printf 'epsilon\n' >"$P/v/e" &&
	sh_t3_=$(cairn -r "$R" put -r "$P/v") &&
	sh_c3_=$(cairn -r "$R" commit -p "$sh_c2_" -m three "$sh_t3_") &&
	sh_side_=$(cairn -r "$R" commit -p "$sh_c2_" -m side "$sh_t1_") &&
	tag_object "$sh_c2_" v1 >"$P/tag.v1" &&
	sh_tag_=$(cairn -r "$R" put -t tag "$P/tag.v1") &&
	printf 'a blob under a ref of its own\n' >"$P/noted" &&
	sh_noted_=$(cairn -r "$R" put "$P/noted") &&
	cairn -r "$R" ref set main "$sh_c3_" &&
	cairn -r "$R" ref set side "$sh_side_" &&
	cairn -r "$R" ref set tags/v1 "$sh_tag_" &&
	cairn -r "$R" ref set notes/blob "$sh_noted_" &&
	cairn -r "$R" flush || return 1
	# Unreachable: a fourth version and its commit on top of main, loose
	# blobs, a tree of unrelated files, a tag nobody refers to; some of
	# them flushed, the rest only in the WAL.
	printf 'zeta\n' >"$P/v/z" &&
	sh_t4_=$(cairn -r "$R" put -r "$P/v") &&
	sh_c4_=$(cairn -r "$R" commit -p "$sh_c3_" -m four "$sh_t4_") &&
	tag_object "$sh_c4_" v4 >"$P/tag.v4" &&
	sh_tag4_=$(cairn -r "$R" put -t tag "$P/tag.v4") &&
	cairn -r "$R" flush &&
	printf 'junk one\n' >"$P/junk/one" &&
	printf 'junk two\n' >"$P/junk/deeper/two" &&
	sh_junk_=$(cairn -r "$R" put -r "$P/junk") &&
	printf 'loose one\n' >"$P/loose1" &&
	printf 'loose two\n' >"$P/loose2" &&
	cairn -r "$R" put "$P/loose1" "$P/loose2" >"$P/loose.ids" &&
	# Reachable, and only in the WAL: a blob under a ref of its own.
	printf 'in the WAL, under a ref\n' >"$P/walblob" &&
	sh_walblob_=$(cairn -r "$R" put "$P/walblob") &&
	cairn -r "$R" ref set notes/wal "$sh_walblob_" || return 1
	cat "$P/loose.ids" >>"$P/all.tips" &&
	printf '%s\n' "$sh_c3_" "$sh_side_" "$sh_tag_" "$sh_noted_" \
		"$sh_c4_" "$sh_tag4_" "$sh_junk_" "$sh_walblob_" >>"$P/all.tips" &&
	cairn -r "$R" ref list >"$P/refs" &&
	awk '{ print $1 }' "$P/refs" >"$P/tips" &&
	walk "$R" "$P/all.tips" >"$P/all" &&
	walk "$R" "$P/tips" >"$P/reach" &&
	comm -23 "$P/all" "$P/reach" >"$P/unreach" &&
	comm -13 "$P/all" "$P/reach" >"$P/stray" &&
	test_must_be_empty "$P/stray" &&
	cairn -r "$R" cat --batch <"$P/all" >"$P/all.batch" &&
	cairn -r "$R" log main >"$P/log.main" || return 1
	test "$(cairn_stat wal_records -r "$R")" -gt 0 &&
	test_line_count -gt 15 "$P/reach" &&
	test_line_count -gt 8 "$P/unreach"
}

# use_pristine: ./.cairn becomes a copy of $P/repo.
use_pristine () {
	rm -rf .cairn &&
	cp -R "$P/repo" .cairn
}

test_expect_success 'setup: a history with refs, a tag and unreachable objects' '
	setup_history &&
	wc -l "$P/all" "$P/reach" "$P/unreach"
'

test_expect_success 'gc --prune=now keeps exactly what the refs reach' '
	use_pristine &&
	present .cairn "$P/all" >before &&
	test_cmp "$P/all" before &&
	bytes_before=$(cairn_stat data_bytes) &&
	cairn gc --prune=now >out &&
	gc_counts out >counts &&
	test_line_count = 1 counts &&
	read -r kept kept_bytes removed removed_bytes <counts &&
	test "$kept" = "$(wc -l <"$P/reach")" &&
	test "$removed" = "$(wc -l <"$P/unreach")" &&
	test "$removed_bytes" -gt 0 &&
	present .cairn "$P/all" >after &&
	test_cmp "$P/reach" after &&
	while read -r id
	do
		test_must_fail --status=1 cairn cat -e "$id" || return 1
	done <"$P/unreach" &&
	cairn cat --batch <"$P/reach" >batch &&
	cairn -r "$P/repo" cat --batch <"$P/reach" >expect &&
	test_cmp_bin expect batch &&
	bytes_after=$(cairn_stat data_bytes) &&
	test "$bytes_after" -lt "$bytes_before" &&
	test "$bytes_after" = "$((kept_bytes + 16))" &&
	cairn fsck &&
	cairn ref list >refs &&
	test_cmp "$P/refs" refs &&
	cairn log main >log &&
	test_cmp "$P/log.main" log &&
	cairn cat -t tags/v1 >type &&
	echo tag >expect &&
	test_cmp expect type &&
	cairn cat notes/blob >noted &&
	test_cmp "$P/noted" noted
'

test_expect_success GIT 'the set gc keeps is what git rev-list --objects reaches' '
	git init -q --bare git &&
	while read -r id
	do
		type=$(cairn -r "$P/repo" cat -t "$id") &&
		cairn -r "$P/repo" cat "$id" >obj &&
		got=$(git --git-dir=git hash-object -w --stdin -t "$type" <obj) &&
		test "$got" = "$id" || {
			echo "git stores $id as $got" >&9
			return 1
		}
	done <"$P/all" &&
	git --git-dir=git rev-list --objects $(cat "$P/tips") >rev-list &&
	awk "{ print \$1 }" rev-list | sort -u >git-reach &&
	test_cmp git-reach "$P/reach" &&
	use_pristine &&
	cairn gc --prune=now &&
	present .cairn "$P/all" >after &&
	test_cmp git-reach after &&
	git --git-dir=git count-objects -v >count &&
	grep "^count: $(wc -l <"$P/all" | tr -d " ")\$" count
'

test_expect_success '--dry-run changes nothing and counts what gc then does' '
	use_pristine &&
	checksums .cairn >sums.before &&
	cairn gc --prune=now --dry-run >dry &&
	checksums .cairn >sums.after &&
	test_cmp sums.before sums.after &&
	present .cairn "$P/all" >present &&
	test_cmp "$P/all" present &&
	cairn gc --prune=now --dry-run --json >dry.json &&
	checksums .cairn >sums.after &&
	test_cmp sums.before sums.after &&
	grep "would remove" dry &&
	gc_counts dry >dry.counts &&
	test_line_count = 1 dry.counts &&
	cairn gc --prune=now >real &&
	gc_counts real >real.counts &&
	test_cmp dry.counts real.counts &&
	! grep "would" real &&
	cairn fsck
'

test_expect_success PYTHON 'gc --json says what the plain output says' '
	use_pristine &&
	cairn gc --prune=now --dry-run >dry &&
	cairn gc --prune=now --dry-run --json >dry.json &&
	cairn gc --prune=now --json >real.json &&
	for f in dry real
	do
		python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {\"kept\", \"kept_bytes\", \"removed\", \"removed_bytes\", \"dry_run\"}, d
assert d[\"dry_run\"] is (sys.argv[2] == \"dry\"), d
print(d[\"kept\"], d[\"kept_bytes\"], d[\"removed\"], d[\"removed_bytes\"])
" "$f.json" "$f" >"$f.json.counts" || return 1
	done &&
	gc_counts dry >dry.counts &&
	test_cmp dry.counts dry.json.counts &&
	test_cmp dry.counts real.json.counts &&
	cairn fsck
'

test_expect_success 'a second gc changes nothing' '
	use_pristine &&
	cairn gc --prune=now >first &&
	cairn fsck &&
	data1=$(sed -n "s/^data \\([^ ]*\\) .*/\\1/p" .cairn/manifest) &&
	cp ".cairn/$data1" data.first &&
	cairn gc --prune=now >second &&
	cairn fsck &&
	gc_counts first >c1 &&
	gc_counts second >c2 &&
	read -r kept kept_bytes removed removed_bytes <c1 &&
	echo "$kept $kept_bytes 0 0" >expect &&
	test_cmp expect c2 &&
	data2=$(sed -n "s/^data \\([^ ]*\\) .*/\\1/p" .cairn/manifest) &&
	test_cmp_bin data.first ".cairn/$data2" &&
	present .cairn "$P/all" >after &&
	test_cmp "$P/reach" after &&
	cairn gc >third &&
	gc_counts third >c3 &&
	test_cmp expect c3 &&
	cairn fsck
'

test_expect_success 'the default grace period keeps recent unreachable objects' '
	use_pristine &&
	checksums .cairn >sums.before &&
	cairn gc >out &&
	gc_counts out >counts &&
	echo "$(wc -l <"$P/all" | tr -d " ") 0 0" >expect &&
	awk "{ print \$1, \$3, \$4 }" counts >actual &&
	test_cmp expect actual &&
	present .cairn "$P/all" >present &&
	test_cmp "$P/all" present &&
	cairn cat --batch <"$P/all" >batch &&
	test_cmp_bin "$P/all.batch" batch &&
	cairn gc --prune=2.weeks.ago >out2 &&
	gc_counts out2 >counts2 &&
	awk "{ print \$1, \$3, \$4 }" counts2 >actual &&
	test_cmp expect actual &&
	cairn fsck
'

test_expect_success '--prune=never keeps everything; gc.pruneExpire is the default' '
	use_pristine &&
	cairn gc --prune=never >out &&
	gc_counts out >counts &&
	awk "{ print \$1, \$3, \$4 }" counts >actual &&
	echo "$(wc -l <"$P/all" | tr -d " ") 0 0" >expect &&
	test_cmp expect actual &&
	present .cairn "$P/all" >present &&
	test_cmp "$P/all" present &&
	cairn config gc.pruneExpire never &&
	cairn gc >out &&
	gc_counts out >counts &&
	awk "{ print \$1, \$3, \$4 }" counts >actual &&
	test_cmp expect actual &&
	cairn config gc.pruneExpire now &&
	cairn gc --dry-run >out &&
	gc_counts out >counts &&
	awk "{ print \$1, \$3 }" counts >actual &&
	echo "$(wc -l <"$P/reach" | tr -d " ") $(wc -l <"$P/unreach" | tr -d " ")" >expect &&
	test_cmp expect actual &&
	cairn gc --prune=never >out &&
	present .cairn "$P/all" >present &&
	test_cmp "$P/all" present &&
	cairn gc >out &&
	present .cairn "$P/all" >present &&
	test_cmp "$P/reach" present &&
	cairn fsck
'

test_expect_success 'a bad --prune or gc.pruneExpire is refused and changes nothing' '
	use_pristine &&
	checksums .cairn >sums.before &&
	for bad in soon 2.fortnights.ago 1.week.later -3.days.ago @ @12x ""
	do
		test_must_fail --status=2 cairn gc --prune="$bad" >out 2>err &&
		test_must_be_empty out &&
		test_stderr_one_line err || return 1
	done &&
	test_must_fail --status=2 cairn config gc.pruneExpire whenever &&
	echo "gc.pruneExpire = whenever" >>.cairn/config &&
	test_must_fail cairn gc >out 2>err &&
	test_stderr_one_line err &&
	checksums .cairn >sums.after &&
	grep -v " ./config\$" sums.before >b &&
	grep -v " ./config\$" sums.after >a &&
	test_cmp b a &&
	test_must_fail --status=2 cairn gc --bogus 2>err &&
	test_must_fail --status=2 cairn gc extra 2>err &&
	test_must_fail --status=3 cairn --read-only gc --prune=now 2>err &&
	test_stderr_one_line err &&
	present .cairn "$P/all" >present &&
	test_cmp "$P/all" present &&
	test_must_fail --status=1 cairn fsck >out &&
	grep "gc.pruneExpire.*whenever" out &&
	grep -v "^gc.pruneExpire" .cairn/config >c &&
	cp c .cairn/config
'

# now_after <seconds>: wait until the clock is past <seconds>; print it.
now_after () {
	while test "$(date +%s)" -le "$1"
	do
		sleep 1
	done
	date +%s
}

test_expect_success 'objects written or touched since the expiry are kept, with what they reach' '
	mkdir d &&
	printf "in an old tree\n" >d/z &&
	a1=$(date +%s) &&
	x=$(echo "touched later" | cairn put --stdin) &&
	y=$(echo "never touched" | cairn put --stdin) &&
	w=$(echo "touched in the WAL" | cairn put --stdin) &&
	t=$(cairn put -r d) &&
	z=$(cairn put -n d/z) &&
	cairn flush &&
	v=$(echo "old, only in the WAL" | cairn put --stdin) &&
	echo "touched in the WAL" | cairn put --stdin >/dev/null &&
	b1=$(date +%s) &&
	a2=$(now_after "$b1") &&
	echo "touched later" | cairn put --stdin >x.again &&
	echo "$x" >expect &&
	test_cmp expect x.again &&
	echo "touched in the WAL" | cairn put --stdin >/dev/null &&
	k=$(cairn commit -m "new commit, old tree" "$t") &&
	b2=$(date +%s) &&
	echo "$a1 $b1 $a2 $b2" &&
	printf "%s\n" "$x" "$y" "$w" "$t" "$z" "$v" "$k" | sort >ids &&
	printf "%s\n" "$x" "$w" "$t" "$z" "$k" | sort >kept.expect &&
	cairn gc --prune=@"$a2" --dry-run >dry &&
	gc_counts dry >counts &&
	awk "{ print \$1, \$3 }" counts >actual &&
	echo "5 2" >expect &&
	test_cmp expect actual &&
	cairn gc --prune=@"$a2" >out &&
	gc_counts out >counts &&
	awk "{ print \$1, \$3 }" counts >actual &&
	test_cmp expect actual &&
	present .cairn ids >present &&
	test_cmp kept.expect present &&
	cairn fsck &&
	cairn gc --prune=@"$a2" >out &&
	gc_counts out >counts &&
	awk "{ print \$1, \$3 }" counts >actual &&
	echo "5 0" >expect &&
	test_cmp expect actual &&
	present .cairn ids >present &&
	test_cmp kept.expect present &&
	cairn gc --prune=@"$((b2 + 1))" >out &&
	gc_counts out >counts &&
	awk "{ print \$1, \$3 }" counts >actual &&
	echo "0 5" >expect &&
	test_cmp expect actual &&
	present .cairn ids >present &&
	test_must_be_empty present &&
	cairn fsck
'

test_expect_success 'a ref keeps an old object the grace period does not' '
	a1=$(date +%s) &&
	x=$(echo "old but referenced" | cairn put --stdin) &&
	y=$(echo "old and unreferenced" | cairn put --stdin) &&
	cairn ref set keep "$x" &&
	b1=$(date +%s) &&
	a2=$(now_after "$b1") &&
	cairn gc --prune=@"$a2" >out &&
	cairn cat -e "$x" &&
	test_must_fail --status=1 cairn cat -e "$y" &&
	cairn ref delete keep &&
	cairn gc --prune=@"$a2" >out &&
	test_must_fail --status=1 cairn cat -e "$x" &&
	cairn fsck
'

test_expect_success 'objects put after a gc are found; puts, flushes and gcs interleave' '
	use_pristine &&
	cairn gc --prune=now &&
	new=$(echo "after the gc" | cairn put --stdin) &&
	cairn cat -e "$new" &&
	cairn flush &&
	cairn gc --prune=now >out &&
	test_must_fail --status=1 cairn cat -e "$new" &&
	new=$(echo "after the second gc" | cairn put --stdin) &&
	cairn ref set fresh "$new" &&
	cairn gc --prune=now &&
	cairn cat "$new" >got &&
	echo "after the second gc" >expect &&
	test_cmp expect got &&
	cairn flush &&
	present .cairn "$P/reach" >present &&
	test_cmp "$P/reach" present &&
	cairn fsck
'

test_expect_success 'gc of an empty repository' '
	cairn gc --prune=now >out &&
	echo "kept 0 objects (0 bytes), removed 0 objects (0 bytes)" >expect &&
	test_cmp expect out &&
	cairn fsck &&
	id=$(echo first | cairn put --stdin) &&
	cairn flush &&
	cairn cat -e "$id" &&
	cairn gc --prune=now >out &&
	test_must_fail --status=1 cairn cat -e "$id" &&
	cairn fsck
'

test_expect_success 'large objects are kept and removed like small ones' '
	awk "BEGIN { srand(7); for (i = 0; i < 60000; i++)
		printf \"%08x%08x%08x%08x\\n\", rand() * 4294967295,
			rand() * 4294967295, rand() * 4294967295, i }" >big.keep &&
	awk "BEGIN { srand(8); for (i = 0; i < 50000; i++)
		printf \"%08x%08x%08x%08x\\n\", rand() * 4294967295,
			rand() * 4294967295, rand() * 4294967295, i }" >big.drop &&
	test "$(wc -c <big.keep)" -gt 1500000 &&
	keep=$(cairn put big.keep) &&
	drop=$(cairn put big.drop) &&
	cairn ref set big "$keep" &&
	cairn gc --prune=now >out &&
	gc_counts out >counts &&
	awk "{ print \$1, \$3 }" counts >actual &&
	echo "1 1" >expect &&
	test_cmp expect actual &&
	cairn cat big >got &&
	test_cmp_bin big.keep got &&
	test_must_fail --status=1 cairn cat -e "$drop" &&
	cairn fsck &&
	drop=$(cairn put big.drop) &&
	cairn flush &&
	cairn gc --prune=now &&
	test_must_fail --status=1 cairn cat -e "$drop" &&
	cairn cat big >got &&
	test_cmp_bin big.keep got &&
	cairn fsck
'

test_done
