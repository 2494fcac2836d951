#!/bin/sh
# t0035-import: `cairn import --git` stores every object of a git
# repository with git's ids, sets its branches and tags as refs only where
# everything they reach is stored, refuses what cairn refuses object by
# object, and fails cleanly (one line, the repository unchanged or
# consistent) on bad input, a broken git, or an interruption.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# The git the fake gits below hand over to.
REAL_GIT=$(command -v git 2>/dev/null) || REAL_GIT=
export REAL_GIT

test_self_git

# A pseudo-terminal for the progress meter, through script(1).
if command -v script >/dev/null 2>&1 &&
	script -qec true /dev/null >/dev/null 2>&1
then
	test_set_prereq TTY
fi

# A 100 MB address space limit the build can run under (not a sanitizer's).
# shellcheck disable=SC3045
if (ulimit -v 100000 && cairn help >/dev/null 2>&1) 2>/dev/null
then
	test_set_prereq ULIMIT_V
fi

# make_small <dir>: a git repository (work tree <dir>, branch main) with
# two commits, an annotated and a lightweight tag.
make_small () {
	git init -q "$1" &&
	git -C "$1" symbolic-ref HEAD refs/heads/main &&
	printf 'one\n' >"$1/a" &&
	git -C "$1" add a &&
	git -C "$1" commit -q -m one &&
	mkdir "$1/d" &&
	printf 'two\n' >"$1/d/b" &&
	git -C "$1" add d/b &&
	git -C "$1" commit -q -m two &&
	git -C "$1" tag -a -m "tag one" v1 HEAD~1 &&
	git -C "$1" tag light
}

# make_evil <dir>: make_small, and a branch "evil" whose commit holds a
# tree with an entry named .git (which only git hash-object --literally
# writes); sets BAD (that tree) and EVIL (that commit).
make_evil () {
	make_small "$1" &&
	{ printf '100644 .git\000' && hex_to_bin "$(git -C "$1" rev-parse HEAD:a)"; } >bad.tree &&
	BAD=$(git -C "$1" hash-object --literally -t tree -w --stdin <bad.tree) &&
	EVIL=$(git -C "$1" commit-tree -p HEAD -m evil "$BAD" </dev/null) &&
	git -C "$1" branch evil "$EVIL"
}

# git_objects <git-dir>: every object git has, as cat --batch-check prints.
git_objects () {
	git --git-dir="$1" cat-file --batch-all-objects \
		--batch-check='%(objectname) %(objecttype) %(objectsize)'
}

# git_refs <git-dir>: its branches and tags as cairn ref list prints them.
git_refs () {
	git --git-dir="$1" for-each-ref --format='%(objectname) %(refname:strip=1)' \
		refs/heads refs/tags
}

# fake_git <dir>: a git in <dir> whose cat-file prints the file $FAKE_OUT
# and exits $FAKE_STATUS (0 by default); with FAKE_STALL set, it prints
# the first $FAKE_STALL bytes of the real output instead, writes its pid
# to $FAKE_PID and waits.  Every other command is the real git's.
fake_git () {
	mkdir -p "$1" &&
	cat >"$1/git" <<-\EOF &&
	#!/bin/sh
	for a
	do
		test "$a" = cat-file || continue
		if test -n "${FAKE_STALL-}"
		then
			"$REAL_GIT" "$@" | head -c "$FAKE_STALL"
			echo $$ >"$FAKE_PID"
			exec sleep 60
		fi
		cat "$FAKE_OUT"
		exit "${FAKE_STATUS:-0}"
	done
	exec "$REAL_GIT" "$@"
	EOF
	chmod +x "$1/git"
}

# with_fake <command>...: run it with the fake git first on PATH.
with_fake () {
	PATH=$PWD/fake:$PATH "$@"
}

# fails_with <status> <command>...: it exits with <status>, prints nothing
# on stdout and exactly one `cairn: ` line on stderr (fw.err).
fails_with () {
	fw_status_=$1
	shift
	test_must_fail --status="$fw_status_" "$@" >fw.out 2>fw.err || return 1
	test_must_be_empty fw.out || return 1
	test_stderr_one_line fw.err
}

test_expect_success SELFGIT 'this repository: every object with its type and size, refs, log' '
	fmt=$(git --git-dir="$SELF" rev-parse --show-object-format)
	cairn init --object-format="$fmt" c >/dev/null
	test_fsck_repo c
	git_objects "$SELF" >git.check
	n=$(wc -l <git.check)
	git_refs "$SELF" >git.refs
	r=$(wc -l <git.refs)
	test "$r" -gt 0
	cairn -r c import --git "$SELF" --refs >out 2>err
	echo "imported $((n)) objects, 0 failed; set $((r)) refs, 0 failed" >expect
	test_cmp expect out
	test_must_be_empty err
	cut -d " " -f 1 git.check >ids
	cairn -r c cat --batch-check <ids >cairn.check
	test_cmp git.check cairn.check
	test "$(cairn_stat objects -r c)" = "$((n))"
	cairn -r c fsck >fsck.out
	test_must_be_empty fsck.out
	cairn -r c ref list >cairn.refs
	test_cmp git.refs cairn.refs
	git --git-dir="$SELF" for-each-ref --format="%(refname:strip=2)" \
		refs/heads >branches
	while read -r b
	do
		git --git-dir="$SELF" log --no-decorate "refs/heads/$b" >log.git
		cairn -r c log "heads/$b" >log.cairn
		test_cmp log.git log.cairn
		git --git-dir="$SELF" log --no-decorate --oneline "refs/heads/$b" >log.git
		cairn -r c log --oneline "heads/$b" >log.cairn
		test_cmp log.git log.cairn
	done <branches
'

test_expect_success SELFGIT 'this repository again: nothing new is stored, the refs stay' '
	fmt=$(git --git-dir="$SELF" rev-parse --show-object-format)
	cairn init --object-format="$fmt" c >/dev/null
	test_fsck_repo c
	cairn -r c import --git "$SELF" --refs >out1
	n=$(cairn_stat objects -r c)
	content=$(cairn_stat content_bytes -r c)
	cairn -r c import --git "$SELF" --refs >out2
	test_cmp out1 out2
	test "$(cairn_stat objects -r c)" = "$n"
	test "$(cairn_stat content_bytes -r c)" = "$content"
	git_refs "$SELF" >expect
	cairn -r c ref list >actual
	test_cmp expect actual
'

test_expect_success SELFGIT 'the git directory of this very work tree, as git gives it' '
	fmt=$(git --git-dir="$SELF" rev-parse --show-object-format)
	cairn init --object-format="$fmt" c >/dev/null
	test_fsck_repo c
	cairn -r c import --git "$SELF_GIT" >out 2>err
	grep "^imported [0-9]* objects, 0 failed\$" out
	test_must_be_empty err
	git_objects "$SELF" >git.check
	cut -d " " -f 1 git.check >ids
	cairn -r c cat --batch-check <ids >cairn.check
	test_cmp git.check cairn.check
'

test_expect_success GIT 'a tree cairn refuses: named, the rest stored, refs reaching it not set' '
	make_evil w
	git -C w update-ref refs/tags/badtree "$BAD"
	cairn init --object-format=sha1 c >/dev/null
	test_fsck_repo c
	git_objects w/.git >git.check
	n=$(wc -l <git.check)
	test_must_fail --status=1 cairn -r c import --git w/.git --refs >out 2>err
	echo "imported $((n - 1)) objects, 1 failed; set 3 refs, 2 failed" >expect
	test_cmp expect out
	cat >expect <<-EOF
	cairn: import: $BAD: invalid tree: hasDotgit: contains '\''.git'\'' (entry ".git")
	cairn: import: ref heads/evil: reaches $BAD, which is not in this repository
	cairn: import: ref tags/badtree: $BAD is not in this repository
	EOF
	test_cmp expect err
	sed "s/^$BAD .*/$BAD missing/" git.check >expect
	cut -d " " -f 1 git.check | cairn -r c cat --batch-check >actual
	test_cmp expect actual
	test "$(cairn -r c cat -t "$EVIL")" = commit
	git_refs w/.git | grep -v -e " heads/evil\$" -e " tags/badtree\$" >expect
	cairn -r c ref list >actual
	test_cmp expect actual
	test_line_count = 3 actual
	cairn -r c log heads/main >log.cairn
	git -C w log --no-decorate main >log.git
	test_cmp log.git log.cairn
	# What stays is the commit whose tree is not here, and fsck says so.
	test_must_fail --status=1 cairn -r c fsck >fsck.out
	echo "error link $EVIL: links to missing tree $BAD" >expect
	test_cmp expect fsck.out
	# --literally takes that tree too, and then every ref.
	cairn -r c import --git w/.git --refs --literally >out 2>err
	echo "imported $((n)) objects, 0 failed; set 5 refs, 0 failed" >expect
	test_cmp expect out
	test_must_be_empty err
	cut -d " " -f 1 git.check | cairn -r c cat --batch-check >actual
	test_cmp git.check actual
	git_refs w/.git >expect
	cairn -r c ref list >actual
	test_cmp expect actual
	# fsck warns of the tree only --literally stores, and of nothing else;
	# that is history, as to git fsck: the exit status stays 0.
	cairn -r c fsck >fsck.out
	test_line_count = 1 fsck.out
	grep "^warning object $BAD: tree: hasDotgit: contains" fsck.out
'

test_expect_success GIT 'an empty git repository; a repository with alternates' '
	git init -q --bare empty.git
	cairn init --object-format=sha1 c >/dev/null
	test_fsck_repo c
	cairn -r c import --git empty.git --refs >out 2>err
	echo "imported 0 objects, 0 failed; set 0 refs, 0 failed" >expect
	test_cmp expect out
	test_must_be_empty err
	make_small w
	git clone -q --shared w alt
	test_path_is_file alt/.git/objects/info/alternates
	cairn -r c import --git alt/.git >out
	git_objects w/.git >git.check
	echo "imported $(wc -l <git.check) objects, 0 failed" >expect
	test_cmp expect out
	cut -d " " -f 1 git.check | cairn -r c cat --batch-check >actual
	test_cmp git.check actual
'

test_expect_success GIT 'what GIT_DIR and GIT_OBJECT_DIRECTORY say does not matter' '
	make_small w
	git init -q --bare other.git
	printf "other\n" | git --git-dir=other.git hash-object -w --stdin >other.id
	git_objects w/.git >git.check
	cairn init --object-format=sha1 c >/dev/null
	test_fsck_repo c
	GIT_DIR=$PWD/other.git GIT_OBJECT_DIRECTORY=$PWD/other.git/objects \
		GIT_ALTERNATE_OBJECT_DIRECTORIES=$PWD/other.git/objects \
		cairn -r c import --git w/.git >out
	echo "imported $(wc -l <git.check) objects, 0 failed" >expect
	test_cmp expect out
	test_must_fail --status=1 cairn -r c cat -e "$(cat other.id)"
'

test_expect_success GIT 'a symlink to a git directory, a .git file, a git dir named -x' '
	make_small w
	git_objects w/.git >git.check
	n=$(wc -l <git.check)
	echo "imported $((n)) objects, 0 failed" >expect
	ln -s w/.git link
	cairn init --object-format=sha1 c1 >/dev/null
	test_fsck_repo c1
	cairn -r c1 import --git link >out
	test_cmp expect out
	git init -q --separate-git-dir="$PWD/sep.git" sep
	test_path_is_file sep/.git
	git -C sep fetch -q ../w main:imported
	cairn init --object-format=sha1 c2 >/dev/null
	test_fsck_repo c2
	cairn -r c2 import --git sep/.git --refs >out
	git_objects sep.git >git.check2
	git_refs sep.git >refs2
	grep " heads/imported\$" refs2
	echo "imported $(wc -l <git.check2) objects, 0 failed; set $(wc -l <refs2) refs, 0 failed" >expect2
	test_cmp expect2 out
	cairn -r c2 ref list >actual2
	test_cmp refs2 actual2
	mv w/.git ./-x
	cairn init --object-format=sha1 c3 >/dev/null
	test_fsck_repo c3
	cairn -r c3 import --git -x >out
	test_cmp expect out
	cairn -r c3 import --git=-x >out
	test_cmp expect out
'

test_expect_success GIT 'a shallow clone: objects imported, refs whose history is cut not set' '
	make_small w
	git clone -q --bare --depth 1 "file://$PWD/w" shallow.git
	test_path_is_file shallow.git/shallow
	cairn init --object-format=sha1 c >/dev/null
	test_fsck_repo c
	git_objects shallow.git >git.check
	r=$(git_refs shallow.git | wc -l)
	test "$r" -gt 0
	test_must_fail --status=1 cairn -r c import --git shallow.git --refs >out 2>err
	echo "imported $(wc -l <git.check) objects, 0 failed; set 0 refs, $((r)) failed" >expect
	test_cmp expect out
	parent=$(git -C w rev-parse main~1)
	grep "^cairn: import: ref heads/main: reaches $parent, which is not in this repository\$" err
	test "$(grep -c "reaches $parent, which is not in this repository" err)" = "$((r))"
	test_line_count = "$((r))" err
	cairn -r c ref list >refs
	test_must_be_empty refs
	# The commit at the cut links to a parent that is not here.
	test_no_fsck
	test_must_fail --status=1 cairn -r c fsck >fsck.out
	grep "^error link [0-9a-f]*: links to missing commit $parent\$" fsck.out
	sed "/^error link [0-9a-f]*: links to missing commit $parent\$/d" \
		fsck.out >other
	test_must_be_empty other
'

test_expect_success GIT 'refs: overwritten; a name cairn refuses and a collision fail alone' '
	make_small w
	cairn init --object-format=sha1 c >/dev/null
	test_fsck_repo c
	cairn -r c import --git w/.git --refs >/dev/null
	# Overwritten: a ref cairn holds elsewhere is moved to git'\''s.
	first=$(git -C w rev-parse main~1)
	cairn -r c ref set heads/main "$first"
	# heads/topic is a file in cairn; git has heads/topic/sub.
	cairn -r c ref set heads/topic "$first"
	git -C w branch topic/sub main
	# A component longer than 255 bytes: git takes it in packed-refs.
	long=$(test_seq 1 130 | awk "{ printf \"ab\" }")
	main=$(git -C w rev-parse main)
	echo "$main refs/heads/$long" >>w/.git/packed-refs
	git -C w for-each-ref --format="%(refname)" >all
	grep -x "refs/heads/$long" all
	test_must_fail --status=1 cairn -r c import --git w/.git --refs >out 2>err
	git_objects w/.git >git.check
	echo "imported $(wc -l <git.check) objects, 0 failed; set 3 refs, 2 failed" >expect
	test_cmp expect out
	test_line_count = 2 err
	short=$(echo "$long" | cut -c 1-194)
	grep "^cairn: import: ref heads/$short\.\.\.: invalid ref name .*longer than 255 bytes\$" err
	grep "^cairn: import: ref heads/topic/sub: " err
	test "$(cairn -r c ref get heads/main)" = "$main"
	test "$(cairn -r c ref get heads/topic)" = "$first"
	test "$(cairn -r c ref get tags/v1)" = "$(git -C w rev-parse v1)"
	test "$(cairn -r c ref get tags/light)" = "$main"
'

test_expect_success GIT 'large blobs: streamed past 64 MiB, and past the big-file threshold' '
	git init -q --bare big.git
	: >empty
	head -c 2100000 /dev/urandom >two
	head -c 70000000 /dev/urandom >seventy
	e=$(git --git-dir=big.git hash-object -w empty)
	t=$(git --git-dir=big.git hash-object -w two)
	s=$(git --git-dir=big.git hash-object -w seventy)
	cairn init --object-format=sha1 c >/dev/null
	test_fsck_repo c
	cairn -r c import --git big.git >out
	echo "imported 3 objects, 0 failed" >expect
	test_cmp expect out
	cairn -r c cat "$t" >two.out
	test_cmp_bin two two.out
	cairn -r c cat "$s" >seventy.out
	test_cmp_bin seventy seventy.out
	test "$(cairn -r c cat -s "$e")" = 0
'

test_expect_success GIT,ULIMIT_V 'a 90 MB blob imports under a 100 MB address space limit' '
	git init -q --bare big.git
	head -c 90000000 /dev/urandom >ninety
	id=$(git --git-dir=big.git hash-object -w ninety)
	cairn init --object-format=sha1 c >/dev/null
	test_fsck_repo c
	(ulimit -v 100000 && cairn -r c import --git big.git >out)
	echo "imported 1 objects, 0 failed" >expect
	test_cmp expect out
	test "$(cairn -r c cat -s "$id")" = 90000000
'

test_expect_success GIT 'bad input: exit status, one line, nothing stored' '
	n=$(cairn_stat objects)
	printf "x\n" >file
	mkfifo fifo
	ln -s fifo fifo-link
	mkdir emptydir
	for dir in missing file fifo fifo-link emptydir ""
	do
		status=0
		test_timeout 20 cairn import --git "$dir" >out 2>err || status=$?
		test "$status" = 3
		test_must_be_empty out
		test_stderr_one_line err
		grep -F "cairn: '\''$dir'\'' is not a git repository" err
	done
	fails_with 2 cairn import
	grep -F "no git repository given" fw.err
	fails_with 2 cairn import --git emptydir extra
	grep -F "unexpected argument '\''extra'\''" fw.err
	fails_with 2 cairn import --bogus --git emptydir
	fails_with 2 cairn import --git
	fails_with 2 cairn import --git a --git b
	fails_with 2 cairn import -x
	test "$(cairn_stat objects)" = "$n"
	cairn import --help >out
	grep -x "usage: cairn import --git <git-dir> \\[--refs\\] \\[--literally\\]" out
'

test_expect_success GIT 'a FIFO is never opened: git rev-parse fails on it at once too' '
	mkfifo fifo
	status=0
	test_timeout 20 git --git-dir=fifo rev-parse --show-object-format \
		2>err || status=$?
	test "$status" = 128
	grep "not a git repository" err
'

test_expect_success GIT 'a work tree instead of its git directory; no repository; read-only' '
	make_small w
	n=$(cairn_stat objects)
	fails_with 3 cairn import --git w
	grep -F "its git directory is '\''w/.git'\''" fw.err
	fails_with 3 cairn --read-only import --git w/.git
	grep -F "read-only" fw.err
	fails_with 3 env CAIRN_DIR="$PWD/nowhere" cairn import --git w/.git
	test "$(cairn_stat objects)" = "$n"
'

test_expect_success GIT 'object formats must agree: a sha1 git repository, a sha256 cairn one' '
	make_small w
	n=$(cairn_stat objects)
	test "$(cairn_stat object_format)" = sha256
	fails_with 2 cairn import --git w/.git --refs
	grep -F "has sha1 ids, this repository sha256" fw.err
	test "$(cairn_stat objects)" = "$n"
	cairn ref list >refs
	test_must_be_empty refs
'

test_expect_success GITSHA256 'object formats must agree: a sha256 git repository, a sha1 cairn one' '
	git init -q --bare --object-format=sha256 g256
	printf "x\n" | git --git-dir=g256 hash-object -w --stdin >/dev/null
	cairn init --object-format=sha1 c >/dev/null
	test_fsck_repo c
	fails_with 2 cairn -r c import --git g256
	grep -F "has sha256 ids, this repository sha1" fw.err
	test "$(cairn_stat objects -r c)" = 0
	cairn init --object-format=sha256 c256 >/dev/null
	test_fsck_repo c256
	cairn -r c256 import --git g256 >out
	echo "imported 1 objects, 0 failed" >expect
	test_cmp expect out
'

test_expect_success GIT 'no git on PATH, or one that cannot run: exit 3, one line' '
	make_small w
	n=$(cairn_stat objects)
	mkdir nogit
	fails_with 3 env PATH="$PWD/nogit" "$CAIRN_CLI" import --git w/.git
	grep -F "cannot run git" fw.err
	printf "#!/bin/sh\n" >nogit/git
	fails_with 3 env PATH="$PWD/nogit" "$CAIRN_CLI" import --git w/.git
	grep -F "cannot run git" fw.err
	test "$(cairn_stat objects)" = "$n"
'

test_expect_success GIT 'git output that is cut short or malformed: exit 3, one line' '
	make_small w
	cairn init --object-format=sha1 c >/dev/null
	test_fsck_repo c
	fake_git fake
	FAKE_OUT=$PWD/fake.out
	export FAKE_OUT
	hi=$(printf "hi\n" | git hash-object --stdin)
	ok="$hi blob 3"
	for bad in "hello" "$hi blob" "$hi blob 3 4" "$hi  blob 3" "$hi blob -3" \
		"$hi blob +3" "$hi blob 3x" "$hi blob 99999999999999999999" \
		"$hi blobby 3" "${hi}0 blob 3" "$(echo "$hi" | tr a-f g-l) blob 3" \
		"$hi$hi blob 3" "$hi blob 3 " "$hi blob 4611686018427387905"
	do
		printf "%s\nhi\n\n" "$bad" >fake.out
		fails_with 3 with_fake cairn -r c import --git w/.git
		grep -F "malformed header" fw.err
	done
	printf "%s blob 3\000x\nhi\n\n" "$hi" >fake.out
	fails_with 3 with_fake cairn -r c import --git w/.git
	grep -F "malformed header" fw.err
	printf "%s\nh" "$ok" >fake.out
	fails_with 3 with_fake cairn -r c import --git w/.git
	grep -F "ends inside object $hi" fw.err
	printf "%s\nhi\n" "$ok" >fake.out
	fails_with 3 with_fake cairn -r c import --git w/.git
	grep -F "ends inside object $hi" fw.err
	printf "%s\nhi\nX" "$ok" >fake.out
	fails_with 3 with_fake cairn -r c import --git w/.git
	grep -F "no newline after object $hi" fw.err
	printf "%s" "$ok" >fake.out
	fails_with 3 with_fake cairn -r c import --git w/.git
	grep -F "ends inside a header" fw.err
	test "$(cairn_stat objects -r c)" = 0
	: >fake.out
	with_fake cairn -r c import --git w/.git >out
	echo "imported 0 objects, 0 failed" >expect
	test_cmp expect out
'

test_expect_success GIT 'git failing part way: what was complete is stored, exit 3' '
	make_small w
	cairn init --object-format=sha1 c >/dev/null
	test_fsck_repo c
	fake_git fake
	FAKE_OUT=$PWD/fake.out
	export FAKE_OUT
	hi=$(printf "hi\n" | git hash-object --stdin)
	printf "%s blob 3\nhi\n\n%s blob 30\nabc" "$hi" "$hi" >fake.out
	FAKE_STATUS=128
	export FAKE_STATUS
	fails_with 3 with_fake cairn -r c import --git w/.git
	grep -F "git cat-file failed (exit status 128)" fw.err
	test "$(cairn -r c cat "$hi")" = hi
	printf "%s blob 3\nhi\n\n" "$hi" >fake.out
	FAKE_STATUS=1
	fails_with 3 with_fake cairn -r c import --git w/.git
	grep -F "git cat-file failed (exit status 1)" fw.err
	cairn -r c ref list >refs
	test_must_be_empty refs
'

test_expect_success GIT 'an id git gives that the content does not hash to: that object fails' '
	make_small w
	cairn init --object-format=sha1 c >/dev/null
	test_fsck_repo c
	fake_git fake
	FAKE_OUT=$PWD/fake.out
	export FAKE_OUT
	hi=$(printf "hi\n" | git hash-object --stdin)
	ho=$(printf "ho\n" | git hash-object --stdin)
	lie=0123456789abcdef0123456789abcdef01234567
	printf "%s blob 3\nhi\n\n%s blob 3\nhi\n\n%s blob 3\nho\n\n" \
		"$hi" "$lie" "$ho" >fake.out
	test_must_fail --status=1 with_fake cairn -r c import --git w/.git \
		>out 2>err
	echo "imported 2 objects, 1 failed" >expect
	test_cmp expect out
	echo "cairn: import: $lie: content hashes to $hi" >expect
	test_cmp expect err
	test "$(cairn -r c cat "$ho")" = ho
	test_must_fail --status=1 cairn -r c cat -e "$lie"
'

test_expect_success GIT 'killed part way: batches committed stay, no ref is set, a rerun completes' '
	make_small w
	for i in $(test_seq 1 300)
	do
		printf "file %s\n" "$i" >w/f$i
	done
	git -C w add .
	git -C w commit -q -m many
	cairn init --object-format=sha1 c >/dev/null
	test_fsck_repo c
	fake_git fake
	FAKE_STALL=20000 FAKE_PID=$PWD/fake.pid
	export FAKE_STALL FAKE_PID
	PATH=$PWD/fake:$PATH "$CAIRN_CLI" -r c import --git w/.git --refs \
		>out 2>err &
	pid=$!
	# Until git stalls and cairn has committed what it read.
	i=0
	while test $i -lt 300
	do
		if test -s fake.pid && test "$(cairn_stat objects -r c)" != 0
		then
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	test -s fake.pid
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	kill "$(cat fake.pid)"
	test "$status" = 143
	test_must_be_empty out
	stored=$(cairn_stat objects -r c)
	git_objects w/.git >git.check
	test "$stored" -gt 0
	test "$stored" -lt "$(wc -l <git.check)"
	cairn -r c ref list >refs
	test_must_be_empty refs
	# Stored and intact; what is not yet here, fsck names as missing links.
	test_must_fail --status=1 cairn -r c fsck >fsck.out
	sed "/^error link [0-9a-f]*: links to missing [a-z]* [0-9a-f]*\$/d" \
		fsck.out >other
	test_must_be_empty other
	unset FAKE_STALL
	cairn -r c import --git w/.git --refs >out
	echo "imported $(wc -l <git.check) objects, 0 failed; set 3 refs, 0 failed" >expect
	test_cmp expect out
	git_refs w/.git >expect
	cairn -r c ref list >actual
	test_cmp expect actual
'

test_expect_success GIT 'no progress meter when stderr is not a terminal' '
	make_small w
	cairn init --object-format=sha1 c >/dev/null
	test_fsck_repo c
	cairn -r c import --git w/.git >out 2>err
	test_must_be_empty err
'

test_expect_success GIT,TTY 'a progress meter on a terminal, cleared; none with --no-progress' '
	make_small w
	cairn init --object-format=sha1 c >/dev/null
	test_fsck_repo c
	script -qec "cairn -r c import --git w/.git" /dev/null >tty.out
	grep "import: [0-9]* objects" tty.out
	printf "\033[K" >clear
	grep -F -f clear tty.out
	grep "imported [0-9]* objects, 0 failed" tty.out
	script -qec "cairn -r c --no-progress import --git w/.git" /dev/null >tty.out
	test_must_fail grep "import:" tty.out
	grep "imported [0-9]* objects, 0 failed" tty.out
'

test_done
