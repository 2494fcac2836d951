#!/bin/sh
# t0100-rados: repositories in a Ceph RADOS pool, on a throwaway one-node
# cluster (tests/ceph/cluster.sh: a monitor and a memstore OSD on
# 127.0.0.1) that the test starts and stops.  Every command a disk
# repository takes works on rados://<pool>/<name>, with git as the oracle
# of ids; the store unit suite and the many-writers test (t-rados) run
# against it; hostile changes made by hand are found by fsck and never
# served; an OSD stopped under a writer makes it fail clearly, and it
# goes on once the OSD is back.  Skipped where Ceph is not installed.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

test_git_identity
export CAIRN_AUTHOR_NAME="$GIT_AUTHOR_NAME" CAIRN_AUTHOR_EMAIL="$GIT_AUTHOR_EMAIL" \
	CAIRN_COMMITTER_NAME="$GIT_COMMITTER_NAME" \
	CAIRN_COMMITTER_EMAIL="$GIT_COMMITTER_EMAIL" \
	CAIRN_AUTHOR_DATE="$GIT_AUTHOR_DATE" \
	CAIRN_COMMITTER_DATE="$GIT_COMMITTER_DATE"

CLUSTER=$TRASH_DIRECTORY/cluster
POOL=cairn
if command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null &&
	command -v rados >/dev/null &&
	test -e /usr/lib/x86_64-linux-gnu/librados.so.2 -o \
		-e /usr/lib/librados.so.2 &&
	"$CAIRN_BUILD/tests/unit/t-rados" 2>/dev/null | grep -q 'skip'
then
	if CEPH_CONF=$(bash "$TEST_DIRECTORY/ceph/cluster.sh" start \
		"$CLUSTER" "$POOL" 2>"$TRASH_DIRECTORY/cluster.err")
	then
		export CEPH_CONF
		test_set_prereq RADOS
		trap 'bash "$TEST_DIRECTORY/ceph/cluster.sh" stop "$CLUSTER"' EXIT
	else
		cat "$TRASH_DIRECTORY/cluster.err" >&2
		echo "Bail out! the test cluster did not start"
		exit 1
	fi
fi
# A repository name of the test's own (its scratch directory's name).
new_url () {
	echo "rados://$POOL/t0100-${PWD##*/}"
}

test_expect_success RADOS 'init, put, cat, ref, fsck, stats on a RADOS repository' '
	R=rados://$POOL/basic &&
	cairn init "$R" >out &&
	echo "initialized empty cairn repository in $R" >expect &&
	test_cmp expect out &&
	test_must_fail --status=1 cairn init "$R" 2>err &&
	test_stderr_one_line err &&
	echo hello >f &&
	id=$(cairn -r "$R" put f) &&
	cairn -r "$R" cat "$id" >got &&
	test_cmp f got &&
	cairn -r "$R" cat -t "$id" >t && echo blob >expect && test_cmp expect t &&
	cairn -r "$R" ref set main "$id" &&
	echo "$id main" >expect &&
	cairn -r "$R" ref list >got && test_cmp expect got &&
	CAIRN_DIR=$R cairn ref get main >got && echo "$id" >expect &&
	test_cmp expect got &&
	cairn -r "$R" fsck &&
	cairn -r "$R" stats >st &&
	grep "^objects: 1$" st &&
	grep "^refs: 1$" st &&
	# Refs in RADOS carry no time: expiring by age or size is refused.
	test_must_fail --status=2 cairn -r "$R" ref expire --keep=0 m 2>err &&
	test_stderr_one_line err &&
	grep "record when its refs were set" err &&
	test_must_fail --status=2 cairn -r "$R" gc --max-size=1 2>err &&
	test_stderr_one_line err &&
	cairn -r "$R" ref get main
'

test_expect_success RADOS,GIT 'ids, trees, commits and batch output match git' '
	R=$(new_url) &&
	cairn init --object-format=sha1 "$R" &&
	mkdir -p src/sub &&
	printf "a\n" >src/a && printf "b\n" >src/sub/b &&
	head -c 300000 /dev/zero | tr "\0" x >src/big &&
	printf "#!/bin/sh\n" >src/run && chmod +x src/run &&
	ln -s a src/link &&
	t=$(cairn -r "$R" put -r src) &&
	git init -q g && cp -R src/. g/ &&
	(cd g && git add -A && git write-tree) >gt &&
	echo "$t" >ct && test_cmp gt ct &&
	c=$(cairn -r "$R" commit -m "first" "$t") &&
	cairn -r "$R" ref set main "$c" &&
	c2=$(cairn -r "$R" commit -m "second" -p "$c" "$t") &&
	cairn -r "$R" ref set main "$c2" --old "$c" &&
	(cd g && git cat-file --batch-all-objects --batch-check) >gall &&
	cairn -r "$R" cat --batch-all-objects --batch-check >call &&
	grep -F -f gall call >both &&
	test_cmp gall both &&
	test_line_count = 9 call &&
	cairn -r "$R" log --format="%H %P %s" main >log &&
	printf "%s %s second\n%s  first\n" "$c2" "$c" "$c" >expect &&
	test_cmp expect log &&
	rm -rf out && cairn -r "$R" get "$t" out &&
	diff -r src/sub out/sub && cmp src/big out/big &&
	test -x out/run && test -h out/link &&
	cairn -r "$R" ls "$t" >ls &&
	(cd g && git ls-tree "$t") >gls &&
	test_cmp gls ls &&
	printf "%s\n" "$t" >ids &&
	cairn -r "$R" cat --batch <ids >cb &&
	(cd g && git cat-file --batch <../ids) >gb &&
	test_cmp_bin gb cb &&
	cairn -r "$R" fsck
'

test_expect_success RADOS 'flush merges the index; gc removes only what no ref reaches' '
	R=$(new_url) &&
	cairn init "$R" &&
	mkdir d &&
	for i in 1 2 3 4 5; do echo "keep $i" >d/f$i; cairn -r "$R" put d/f$i >>kept; done &&
	for i in 1 2 3; do echo "drop $i" | cairn -r "$R" put --stdin >>dropped; done &&
	t=$(cairn -r "$R" put -r d) &&
	cairn -r "$R" ref set keep "$t" &&
	cairn -r "$R" stats >before && grep "^index_segments: 9$" before &&
	cairn -r "$R" flush &&
	cairn -r "$R" stats >after && grep "^index_segments: 1$" after &&
	grep "^objects: 9$" after &&
	cairn -r "$R" gc >gc0 &&
	grep "removed 0 objects" gc0 &&
	cairn -r "$R" gc --prune=now --dry-run -v >dry &&
	grep "would remove 3 objects" dry &&
	cairn -r "$R" gc --prune=now >gc &&
	grep "^kept 6 objects" gc && grep "removed 3 objects" gc &&
	while read -r id; do cairn -r "$R" cat -e "$id"; done <kept &&
	while read -r id; do test_must_fail --status=1 cairn -r "$R" cat -e "$id"; done <dropped &&
	cairn -r "$R" fsck &&
	cairn -r "$R" gc --prune=now >gc2 && grep "removed 0 objects" gc2 &&
	rados -p "$POOL" --namespace "${R##*/}" ls | sort >objs &&
	grep -c "^p\." objs >np && echo 1 >expect && test_cmp expect np &&
	grep -c "^s\." objs >ns && test_cmp expect ns
'

test_expect_success RADOS 'the store unit suite runs against RADOS' '
	CAIRN_TEST_RADOS_POOL=$POOL "$CAIRN_BUILD/tests/unit/t-store" >tap 2>&1 ||
	{ grep -v "^ok" tap >&9; false; } &&
	grep -q "^1\.\.[0-9]" tap && ! grep "^not ok" tap
'

test_expect_success RADOS 'many writers: increments, batches beside gc, kills' '
	CAIRN_TEST_RADOS_POOL=$POOL "$CAIRN_BUILD/tests/unit/t-rados" >tap 2>&1 ||
	{ grep -v "^ok" tap >&9; false; } &&
	grep -q "^1\.\.[0-9]" tap && ! grep "^not ok" tap
'

test_expect_success RADOS 'endless contention ends with exit 4, not a hang' '
	R=$(new_url) &&
	cairn init "$R" &&
	echo x >f &&
	(
		CAIRN_TEST_RADOS_FAULT=cas && export CAIRN_TEST_RADOS_FAULT &&
		test_must_fail --status=4 test_timeout 120 cairn -r "$R" put f 2>err
	) &&
	test_stderr_one_line err &&
	grep "lost to other writers" err &&
	id=$(cairn -r "$R" put f) &&
	(
		CAIRN_TEST_RADOS_FAULT=cas && export CAIRN_TEST_RADOS_FAULT &&
		test_must_fail --status=4 test_timeout 120 cairn -r "$R" ref set main "$id" 2>err
	) &&
	test_stderr_one_line err &&
	test_must_fail --status=1 cairn -r "$R" ref get main &&
	cairn -r "$R" fsck
'

test_expect_success RADOS 'bad names and missing pools are clear errors' '
	echo x >f &&
	test_must_fail --status=2 cairn -r rados://poolonly put f 2>err &&
	test_stderr_one_line err && grep "rados://<pool>/<name>" err &&
	test_must_fail --status=3 cairn -r rados://no-such-pool/x stats 2>err &&
	test_stderr_one_line err && grep "no pool" err &&
	test_must_fail --status=3 cairn -r "rados://$POOL/never-made" stats 2>err &&
	test_stderr_one_line err && grep "not a cairn repository" err &&
	test_must_fail --status=3 cairn -r "rados://$POOL/never-made" fsck 2>err &&
	test_stderr_one_line err
'

# rados_flip <ns> <object> <offset>: invert one byte of a RADOS object.
rados_flip () {
	rados -p "$POOL" --namespace "$1" get "$2" obj.bin &&
	python3 -c '
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read())
b[off] ^= 0xff
open(p, "wb").write(b)' obj.bin "$3" &&
	rados -p "$POOL" --namespace "$1" put "$2" obj.bin
}

test_expect_success RADOS 'damage made by hand is found by fsck and never served' '
	R=$(new_url) && ns=${R##*/} &&
	cairn init "$R" &&
	echo one >a && echo two >b &&
	a=$(cairn -r "$R" put a) &&
	b=$(cairn -r "$R" put b) &&
	cairn -r "$R" ref set a "$a" &&
	cairn -r "$R" fsck &&
	rados -p "$POOL" --namespace "$ns" ls | sort >objs &&
	pa=$(rados -p "$POOL" --namespace "$ns" ls | grep "^p\." | head -1) &&
	# the first record of a pack starts at 16; its stored bytes at 96
	rados_flip "$ns" "$pa" 100 &&
	test_must_fail --status=1 cairn -r "$R" fsck >out &&
	grep "^error" out &&
	one=$(sed -n "s/^error data \([0-9a-f]*\):.*/\1/p" out) &&
	test -n "$one" &&
	test_must_fail --status=3 cairn -r "$R" cat "$one" >got 2>err &&
	test_must_be_empty got && test_stderr_one_line err &&
	rados_flip "$ns" "$pa" 100 &&
	cairn -r "$R" fsck &&
	# a segment overwritten: an error, repaired from the packs
	seg=$(rados -p "$POOL" --namespace "$ns" ls | grep "^s\." | head -1) &&
	echo junk >junk && rados -p "$POOL" --namespace "$ns" put "$seg" junk &&
	test_must_fail --status=3 cairn -r "$R" cat "$a" 2>err &&
	grep "fsck" err &&
	test_must_fail --status=1 cairn -r "$R" fsck >out &&
	grep "^error index" out &&
	cairn -r "$R" fsck --repair >out &&
	grep "repaired" out &&
	cairn -r "$R" fsck &&
	cairn -r "$R" cat "$a" >got && test_cmp a got &&
	cairn -r "$R" cat "$b" >got && test_cmp b got &&
	# a pack deleted: the objects in it are missing, never wrong
	for p in $(rados -p "$POOL" --namespace "$ns" ls | grep "^p\."); do
		rados -p "$POOL" --namespace "$ns" rm "$p"
	done &&
	test_must_fail --status=3 cairn -r "$R" cat "$a" >got 2>err &&
	test_must_be_empty got &&
	test_must_fail --status=1 cairn -r "$R" fsck >out &&
	grep "pack is missing" out &&
	grep "^error ref a" out &&
	# a ref holding no id, a stray object
	rados -p "$POOL" --namespace "$ns" setomapval head refs/bad nonsense &&
	test_must_fail --status=3 cairn -r "$R" ref list 2>err &&
	test_stderr_one_line err &&
	rados -p "$POOL" --namespace "$ns" put stray junk &&
	test_must_fail --status=1 cairn -r "$R" fsck >out &&
	grep "refs/bad" out && grep "stray" out &&
	# head gone: no repository
	rados -p "$POOL" --namespace "$ns" rm head &&
	test_must_fail --status=3 cairn -r "$R" stats 2>err &&
	grep "not a cairn repository" err
'

test_expect_success RADOS 'an OSD stopped under a writer: clear errors, then it goes on' '
	R=$(new_url) &&
	cairn init "$R" &&
	: >acked &&
	{
		(
			i=0
			while test ! -e stop
			do
				i=$((i + 1))
				echo "object $i" >"o$i"
				id=$(cairn -r "$R" put "o$i") || exit 1
				echo "$id" >>acked
			done
		) &
	} &&
	writer=$! &&
	until test "$(wc -l <acked)" -ge 5; do sleep 0.1; done &&
	bash "$TEST_DIRECTORY/ceph/cluster.sh" osd-stop "$CLUSTER" &&
	echo during >f &&
	test_must_fail --status=3 env CAIRN_RADOS_TIMEOUT=3 cairn -r "$R" put f 2>err &&
	test_stderr_one_line err &&
	grep "timed out" err &&
	bash "$TEST_DIRECTORY/ceph/cluster.sh" osd-start "$CLUSTER" &&
	n=$(wc -l <acked) &&
	until test "$(wc -l <acked)" -ge $((n + 5)); do sleep 0.1; done &&
	touch stop && wait "$writer" &&
	while read -r id; do cairn -r "$R" cat -e "$id"; done <acked &&
	cairn -r "$R" fsck
'

test_expect_success RADOS 'clone from disk to RADOS and back; push; fetch' '
	R=$(new_url) &&
	cairn init src &&
	mkdir d && echo one >d/a && echo two >d/b &&
	t=$(cairn -r src put -r d) &&
	c=$(cairn -r src commit -m one "$t") &&
	cairn -r src ref set main "$c" &&
	cairn clone src "$R" >out &&
	cairn -r "$R" ref get remotes/origin/main >got &&
	echo "$c" >expect && test_cmp expect got &&
	cairn -r "$R" fsck &&
	cairn clone "$R" back &&
	cairn -r back ref get remotes/origin/main >got && test_cmp expect got &&
	rm -rf out && cairn -r back get "$c" out && diff -r d out &&
	echo three >d/c &&
	t2=$(cairn -r back put -r d) &&
	c2=$(cairn -r back commit -m two -p "$c" "$t2") &&
	cairn -r back ref set main "$c2" &&
	cairn -r back push origin main &&
	cairn -r "$R" ref get main >got &&
	echo "$c2" >expect && test_cmp expect got &&
	cairn -r src fetch "$R" main &&
	cairn -r "$R" fsck && cairn -r back fsck
'

test_expect_success RADOS 'a RADOS alternate, and a disk read cache in front of RADOS' '
	R=$(new_url) && ns=${R##*/} &&
	cairn init "$R" &&
	mkdir d && echo far >d/a && echo away >d/b &&
	t=$(cairn -r "$R" put -r d) &&
	cairn -r "$R" ref set t "$t" &&
	cairn init near &&
	cairn -r near config core.alternate "$R" &&
	rm -rf out && cairn -r near get "$t" out && diff -r d out &&
	cairn -r near stats >st && grep "^objects: 0$" st &&
	echo mine >m && m=$(cairn -r near put m) &&
	c=$(cairn -r near commit -m x "$t") &&
	cairn -r near ref set c "$c" &&
	cairn -r near gc --prune=now &&
	cairn -r near fsck &&
	cairn init cache &&
	cairn -r cache config core.alternate "$R" &&
	cairn -r cache config core.alternateCache 1 &&
	rm -rf out && cairn -r cache get "$t" out && diff -r d out &&
	cairn -r cache stats >st && grep "^objects: 3$" st &&
	for p in $(rados -p "$POOL" --namespace "$ns" ls | grep "^p\."); do
		rados -p "$POOL" --namespace "$ns" rm "$p"
	done &&
	rm -rf out && cairn -r cache get "$t" out && diff -r d out &&
	rm -rf out && test_must_fail --status=3 cairn -r near get "$t" out
'

test_expect_success RADOS,GIT 'large objects stream in packs of their own; gc of all of them' '
	R=$(new_url) && ns=${R##*/} &&
	cairn init --object-format=sha1 "$R" &&
	head -c 9000000 /dev/urandom >big &&
	yes "cairn stores objects" | head -c 20000000 >z &&
	echo small >s &&
	cairn -r "$R" put s big z s >ids &&
	git hash-object --no-filters s big z s >gids &&
	test_cmp gids ids &&
	cairn -r "$R" cat "$(sed -n 2p ids)" >got && cmp big got &&
	cairn -r "$R" cat "$(sed -n 3p ids)" >got && cmp z got &&
	rados -p "$POOL" --namespace "$ns" ls | grep -c "^p\..*\.0$" >n &&
	echo 3 >expect && test_cmp expect n &&
	cairn -r "$R" put big >again && sed -n 2p ids >expect &&
	test_cmp expect again &&
	cairn -r "$R" fsck &&
	cairn -r "$R" ref set z "$(sed -n 3p ids)" &&
	cairn -r "$R" gc --prune=now >out &&
	grep "removed 2 objects" out &&
	cairn -r "$R" cat "$(sed -n 3p ids)" >got && cmp z got &&
	cairn -r "$R" ref delete z &&
	cairn -r "$R" gc --prune=now >out &&
	grep "^kept 0 objects" out &&
	cairn -r "$R" gc --prune=now >out &&
	grep "removed 0 objects" out &&
	cairn -r "$R" stats >st && grep "^objects: 0$" st &&
	cairn -r "$R" fsck &&
	rados -p "$POOL" --namespace "$ns" ls | sort >left &&
	printf "config\nhead\n" >expect && test_cmp expect left
'

# rados_flip_nth_header <ns> <object> <n>: damage the n-th record header
# (1-based) of a pack part: a byte inside its magic's header.
rados_flip_nth_header () {
	rados -p "$POOL" --namespace "$1" get "$2" obj.bin &&
	off=$(python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
at, n = -1, int(sys.argv[2])
for _ in range(n):
    at = b.find(b"CRec", at + 1)
print(at + 20)' obj.bin "$3") &&
	rados_flip "$1" "$2" "$off"
}

test_expect_success RADOS 'gc after puts again of the same content leaves a sound manifest' '
	R=$(new_url) &&
	cairn init "$R" &&
	for i in $(test_seq 1 30); do echo same | cairn -r "$R" put --stdin >>ids; done &&
	cairn -r "$R" gc --prune=now >out &&
	grep "removed 1 objects" out &&
	echo x | cairn -r "$R" put --stdin &&
	cairn -r "$R" fsck &&
	cairn -r "$R" stats >st && grep "^objects: 1$" st
'

test_expect_success RADOS 'one bad record header hides no intact record after it' '
	R=$(new_url) && ns=${R##*/} &&
	cairn init "$R" &&
	echo one >a && echo two >b && echo three >c &&
	cairn -r "$R" put a b c >ids &&
	pa=$(rados -p "$POOL" --namespace "$ns" ls | grep "^p\.") &&
	rados_flip_nth_header "$ns" "$pa" 2 &&
	test_must_fail --status=1 cairn -r "$R" fsck >out &&
	grep "^error data" out &&
	c=$(sed -n 3p ids) && a=$(sed -n 1p ids) &&
	! grep "$c" out &&
	cairn -r "$R" cat "$c" >got && test_cmp c got &&
	test_must_fail --status=1 cairn -r "$R" fsck --repair >out &&
	cairn -r "$R" cat "$a" >got && test_cmp a got &&
	cairn -r "$R" cat "$c" >got && test_cmp c got
'

test_expect_success RADOS 'a doomed name that is no pack or segment is refused' '
	R=$(new_url) && ns=${R##*/} &&
	cairn init "$R" &&
	echo keep >k && k=$(cairn -r "$R" put k) &&
	cairn -r "$R" ref set k "$k" &&
	rados -p "$POOL" --namespace "$ns" get head m &&
	printf "d 0 head\nd 0 config\n" >>m &&
	rados -p "$POOL" --namespace "$ns" put head m &&
	test_must_fail --status=3 cairn -r "$R" gc --prune=now 2>err &&
	grep "bad .d. line" err &&
	test_must_fail --status=1 cairn -r "$R" fsck >out &&
	grep "^error manifest" out &&
	cairn -r "$R" fsck --repair &&
	cairn -r "$R" gc --prune=now &&
	cairn -r "$R" cat "$k" >got && test_cmp k got &&
	rados -p "$POOL" --namespace "$ns" stat config &&
	cairn -r "$R" fsck
'

test_expect_success RADOS 'a damaged gen or ref value: clear errors, repaired or removed' '
	R=$(new_url) && ns=${R##*/} &&
	cairn init "$R" &&
	echo one >a && a=$(cairn -r "$R" put a) &&
	rados -p "$POOL" --namespace "$ns" setxattr head gen abc &&
	test_must_fail --status=3 cairn -r "$R" put a 2>err &&
	grep "gen is missing or damaged" err &&
	test_must_fail --status=1 cairn -r "$R" fsck &&
	cairn -r "$R" fsck --repair &&
	cairn -r "$R" put a &&
	cairn -r "$R" ref set x "$a" &&
	rados -p "$POOL" --namespace "$ns" setomapval head x "${a}EXTRA" &&
	test_must_fail --status=3 cairn -r "$R" ref get x 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=1 cairn -r "$R" fsck >out &&
	grep "^error ref x" out &&
	cairn -r "$R" ref delete x &&
	cairn -r "$R" fsck
'

# Stopped here: test_done removes the trash directory, pid files and all.
if test_have_prereq RADOS
then
	bash "$TEST_DIRECTORY/ceph/cluster.sh" stop "$CLUSTER"
	trap - EXIT
fi
test_done
