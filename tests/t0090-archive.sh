#!/bin/sh
# t0090-archive: archive writes the tar git archive writes, byte for
# byte, for commits, tags, prefixes and path limits, on a history with
# executables, symlinks, long names and link targets (pax headers),
# UTF-8 names, empty files and a gitlink; tar.gz is the same tar
# compressed; -o writes git's file, its format from its name; a tree's
# archive extracts to git's files; and what cannot be archived (a wrong
# path, found before anything is written; trees nested too deep), or
# would write outside the archive's directory, is refused.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

test_self_git

test_git_identity

# A name of 150 bytes; a directory name of 120 (no prefix split is
# possible below it).
L150=$(printf '%0150d' 0 | tr 0 n)
L120=$(printf '%0120d' 0 | tr 0 d)

# make_history <dir>: two commits of a tree with every kind of entry,
# and an annotated tag of the second.
make_history () {
	git init -q "$1" &&
	git -C "$1" symbolic-ref HEAD refs/heads/main &&
	mkdir -p "$1/a/b/c" "$1/$L120" "$1/deep/er/still/deeper/and/deeper" &&
	printf 'top\n' >"$1/top" &&
	printf '#!/bin/sh\necho hi\n' >"$1/run" && chmod +x "$1/run" &&
	ln -s top "$1/link" &&
	ln -s "$L150" "$1/longlink" &&
	: >"$1/empty" &&
	printf 'f\n' >"$1/a/b/c/f" &&
	printf 'long\n' >"$1/$L150" &&
	printf 'in a long dir\n' >"$1/$L120/x" &&
	printf 'deep\n' >"$1/deep/er/still/deeper/and/deeper/$L150" &&
	printf 'u\n' >"$1/Ünïcödé" &&
	seq 1 30000 >"$1/a/big" &&
	git -C "$1" add -A &&
	git -C "$1" update-index --add --cacheinfo \
	    160000,1111111111111111111111111111111111111111,sub &&
	git -C "$1" commit -q -m one &&
	printf 'changed\n' >"$1/top" && rm "$1/link" &&
	git -C "$1" add -A && git -C "$1" commit -q -m two &&
	git -C "$1" tag -a -m "tag two" v2
}

test_expect_success GIT 'a commit, a tag, prefixes and paths: the bytes git archive writes' '
	make_history g
	import_history g c
	for r in heads/main heads/main~1 tags/v2
	do
		git -C g archive --format=tar "$r" >expect &&
		cairn -r c archive "$r" >actual &&
		test_cmp_bin expect actual || { echo "rev $r" >&9; return 1; }
		cairn -r c archive --format=tar "$r" >actual &&
		test_cmp_bin expect actual || return 1
	done &&
	for p in p/ p x/y/ "p//" "$L120/"
	do
		git -C g archive --format=tar --prefix="$p" heads/main >expect &&
		cairn -r c archive --prefix="$p" heads/main >actual &&
		test_cmp_bin expect actual || { echo "prefix $p" >&9; return 1; }
	done &&
	for s in a a/ a/b/c/f top run sub "$L120" deep/er link longlink
	do
		git -C g archive --format=tar heads/main~1 "$s" >expect &&
		cairn -r c archive heads/main~1 "$s" >actual &&
		test_cmp_bin expect actual || { echo "path $s" >&9; return 1; }
	done &&
	git -C g archive --format=tar --prefix=q/ heads/main a/b top >expect &&
	cairn -r c archive --prefix=q/ heads/main a/b top >actual &&
	test_cmp_bin expect actual
'

test_expect_success GIT 'tar.gz: the same tar, compressed' '
	make_history g
	import_history g c
	git -C g archive --format=tar heads/main >expect &&
	cairn -r c archive --format=tar.gz heads/main >out.tar.gz &&
	gzip -dc out.tar.gz >actual &&
	test_cmp_bin expect actual &&
	cairn -r c archive --format=tgz --prefix=p/ heads/main a >out.tgz &&
	git -C g archive --format=tar --prefix=p/ heads/main a >expect &&
	gzip -dc out.tgz >actual &&
	test_cmp_bin expect actual
'

test_expect_success GIT 'a tree: the files git archive gives, dated now' '
	make_history g
	import_history g c
	mkdir x y &&
	git -C g archive --format=tar "main^{tree}" | tar -xf - -C x &&
	cairn -r c archive "heads/main^{tree}" | tar -xf - -C y &&
	diff -r x y &&
	test -x y/run && test -h y/longlink &&
	cairn -r c archive "heads/main^{tree}" | tar -tvf - >list &&
	! grep pax_global_header list
'

test_expect_success SELFGIT 'this source tree: the bytes git archive writes' '
	fmt=$(git --git-dir="$SELF" rev-parse --show-object-format)
	cairn init --object-format="$fmt" c >/dev/null
	cairn -r c import --git "$SELF" --refs >/dev/null
	b=$(git --git-dir="$SELF" for-each-ref --count=1 \
	    --format="%(refname:strip=1)" refs/heads)
	git --git-dir="$SELF" archive --format=tar "$b" >expect &&
	cairn -r c archive "$b" >actual &&
	test_cmp_bin expect actual
'

test_expect_success GIT 'what cannot be archived: one line and the documented status' '
	make_history g
	import_history g c
	test_must_fail --status=2 cairn -r c archive heads/main nosuch \
	    >out 2>err &&
	test_stderr_one_line err &&
	grep "pathspec .nosuch. did not match any files" err &&
	test_must_be_empty out &&
	test_must_fail --status=2 cairn -r c archive heads/main top a/nosuch \
	    >out 2>err &&
	test_stderr_one_line err && grep "a/nosuch" err &&
	test_must_be_empty out &&
	test_must_fail --status=2 cairn -r c archive -o made.tar heads/main \
	    nosuch 2>err &&
	test_stderr_one_line err && test ! -e made.tar &&
	test_must_fail --status=2 cairn -r c archive heads/main:top >out 2>err &&
	test_stderr_one_line err && grep "heads/main:top. is not a tree" err &&
	test_must_be_empty out &&
	test_must_fail --status=2 cairn -r c archive "heads/main~x" >out 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn -r c archive --format=zip heads/main \
	    >out 2>err &&
	test_must_be_empty out &&
	test_must_fail --status=2 cairn -r c archive >out 2>err &&
	test_must_fail --status=2 cairn -r c archive heads/main /top >out 2>err &&
	test_must_fail --status=3 cairn -r c archive heads/main >/dev/full \
	    2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=3 cairn -r c archive --format=tar.gz \
	    heads/main >/dev/full 2>err &&
	test_stderr_one_line err
'

test_expect_success GIT '-o: the file git archive -o writes, its format from its name' '
	make_history g
	import_history g c
	git -C g archive --format=tar heads/main >expect &&
	cairn -r c archive -o out.tar heads/main >stdout &&
	test_must_be_empty stdout &&
	test_cmp_bin expect out.tar &&
	cairn -r c archive --output=out.bin heads/main &&
	test_cmp_bin expect out.bin &&
	for f in out.tgz out.tar.gz
	do
		cairn -r c archive -o "$f" heads/main &&
		gzip -dc "$f" >actual &&
		test_cmp_bin expect actual || { echo "file $f" >&9; return 1; }
	done &&
	git -C g archive -o "$PWD/g.tgz" heads/main &&
	gzip -dc g.tgz >actual && test_cmp_bin expect actual &&
	cairn -r c archive --format=tar -o plain.tgz heads/main &&
	test_cmp_bin expect plain.tgz &&
	test_must_fail --status=2 cairn -r c archive -o out.zip heads/main \
	    2>err &&
	test_stderr_one_line err && test ! -e out.zip &&
	test_must_fail --status=3 cairn -r c archive -o nodir/out.tar \
	    heads/main 2>err &&
	test_stderr_one_line err && grep "nodir/out.tar" err &&
	# A file replaced whole; no temporary file left; a device written.
	cairn -r c archive -o out.tar heads/main~1 &&
	git -C g archive --format=tar heads/main~1 >expect1 &&
	test_cmp_bin expect1 out.tar &&
	test_must_fail --status=2 cairn -r c archive -o out.tar heads/main \
	    nosuch 2>err &&
	test_cmp_bin expect1 out.tar &&
	! ls | grep "\.tmp-" &&
	cairn -r c archive -o /dev/stdout heads/main >dev.tar &&
	test_cmp_bin expect dev.tar &&
	test -h /dev/stdout &&
	ln -s target.tar link.tar &&
	cairn -r c archive -o link.tar heads/main &&
	test -h link.tar && test_cmp_bin expect target.tar
'

test_expect_success 'trees nested past the depth bound are refused, not recursed into' '
	blob=$(printf "x\n" | cairn put --stdin)
	t=$blob mode=100644 i=0
	while test $i -lt 520
	do
		tree_entry $mode d "$t" >d.tree &&
		t=$(cairn put -t tree d.tree) || return 1
		mode=040000 i=$((i + 1))
	done &&
	test_must_fail --status=3 cairn archive "$t" >out 2>err &&
	test_stderr_one_line err && grep "too deep" err
'

test_expect_success 'a tree with an entry named .., . or a/b is refused, nothing written past it' '
	blob=$(printf "x\n" | cairn put --stdin)
	for bad in .. . a/b
	do
		tree_entry 100644 "$bad" "$blob" >bad.tree &&
		t=$(cairn put --literally -t tree bad.tree) &&
		tree_entry 040000 sub "$t" >outer.tree &&
		o=$(cairn put --literally -t tree outer.tree) &&
		test_must_fail --status=3 cairn archive "$o" >out 2>err &&
		test_stderr_one_line err &&
		grep "outside" err || return 1
	done &&
	# A symbolic link and a directory of one name (extracting the
	# directory'"'"'s file would write through the link) cannot even be
	# stored; archive refuses it as well, should one be found.
	lnk=$(printf "/tmp" | cairn put --stdin) &&
	tree_entry 100644 x "$blob" >in.tree &&
	t=$(cairn put -t tree in.tree) &&
	{ tree_entry 120000 a "$lnk" && tree_entry 040000 a "$t"; } >dup.tree &&
	test_must_fail --status=2 cairn put --literally -t tree dup.tree \
	    >out 2>err &&
	grep duplicateEntries err
'

test_done
