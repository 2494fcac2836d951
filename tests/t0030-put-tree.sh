#!/bin/sh
# t0030-put-tree: `cairn put -r` stores a directory as the trees git
# write-tree makes of the same files, in both object formats, and `cairn
# cat -p` and `cairn ls` list those trees as git ls-tree does.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

TREES=$TRASH_DIRECTORY/trees
# The directories under $TREES that the git comparisons walk.
NAMES='nested order unicode links modes big empties quoting kitchen'
# shellcheck disable=SC2034 # used in test bodies
EMPTY_SHA1=4b825dc642cb6eb9a060e54bf8d69288fbee4904
# shellcheck disable=SC2034 # used in test bodies
EMPTY_SHA256=6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321

# make_nested <dir>: a few levels of directories with files at each.
make_nested () {
	mkdir -p "$1/d1/d2/d3/d4" "$1/d1/e" "$1/z" &&
	printf 'top\n' >"$1/top" &&
	printf 'one\n' >"$1/d1/one" &&
	printf 'two\n' >"$1/d1/d2/two" &&
	printf 'three\n' >"$1/d1/d2/d3/three" &&
	printf 'four\n' >"$1/d1/d2/d3/d4/four" &&
	printf 'top\n' >"$1/d1/e/same-as-top" &&
	printf 'z\n' >"$1/z/z"
}

# make_order <dir>: names whose order depends on git's rule that a tree
# sorts as if its name ended in '/': '-' and '.' sort before '/', '0'
# after; the file a sits in f/, the directory a at the top.
make_order () {
	mkdir -p "$1/a/in" "$1/f/ab" "$1/f/a-dir" &&
	printf 'a.b\n' >"$1/a.b" &&
	printf 'a-c\n' >"$1/a-c" &&
	printf 'a0\n' >"$1/a0" &&
	printf 'a!\n' >"$1/a!" &&
	printf 'a b\n' >"$1/a b" &&
	printf 'a~\n' >"$1/a~" &&
	printf 'in a\n' >"$1/a/x" &&
	printf 'deeper\n' >"$1/a/in/y" &&
	printf 'file a\n' >"$1/f/a" &&
	printf 'file a.b\n' >"$1/f/a.b" &&
	printf 'file a-c\n' >"$1/f/a-c" &&
	printf 'file a0\n' >"$1/f/a0" &&
	printf 'in ab\n' >"$1/f/ab/k" &&
	printf 'ab.c\n' >"$1/f/ab.c" &&
	printf 'ab-\n' >"$1/f/ab-" &&
	printf 'ab0\n' >"$1/f/ab0" &&
	printf 'x\n' >"$1/f/a-dir/x" &&
	printf 'a-dir.txt\n' >"$1/f/a-dir.txt" &&
	printf 'B\n' >"$1/f/B" &&
	printf '_\n' >"$1/f/_"
}

# make_unicode <dir>: UTF-8 names (composed and decomposed), and a name
# that is not UTF-8 at all.
make_unicode () {
	mkdir -p "$1/$(printf 'r\303\251pertoire')" &&
	printf 'e acute\n' >"$1/$(printf 'caf\303\251')" &&
	printf 'e + combining acute\n' >"$1/$(printf 'cafe\314\201')" &&
	printf 'nihongo\n' >"$1/$(printf '\346\227\245\346\234\254\350\252\236')" &&
	printf 'emoji\n' >"$1/$(printf '\360\237\230\200.txt')" &&
	printf 'latin-1\n' >"$1/$(printf 'l\351gacy')" &&
	printf 'inside\n' >"$1/$(printf 'r\303\251pertoire/\303\274ber')"
}

# make_links <dir>: symlinks to files and directories, dangling, absolute,
# to themselves; symlinks are never followed and sort as files.
make_links () {
	mkdir -p "$1/dir/sub" &&
	printf 'target\n' >"$1/file" &&
	printf 'in dir\n' >"$1/dir/f" &&
	printf 'in sub\n' >"$1/dir/sub/g" &&
	ln -s file "$1/to-file" &&
	ln -s dir "$1/s" &&
	printf 's.txt\n' >"$1/s.txt" &&
	printf 's0\n' >"$1/s0" &&
	ln -s dir/sub "$1/to-sub" &&
	ln -s no/such/target "$1/dangling" &&
	ln -s /nonexistent/absolute "$1/absolute" &&
	ln -s .. "$1/up" &&
	ln -s self "$1/self" &&
	ln -s 'with space/and	tab' "$1/odd-target" &&
	ln -s ../file "$1/dir/back"
}

# make_modes <dir>: only the owner's execute bit makes an executable.
make_modes () {
	mkdir -p "$1/bin" &&
	for m in 755 700 744 711 644 600 604 640 610 601 666 775
	do
		printf 'mode %s\n' "$m" >"$1/m$m" &&
		chmod "$m" "$1/m$m" || return 1
	done &&
	printf '#!/bin/sh\necho hi\n' >"$1/bin/script" &&
	chmod +x "$1/bin/script" &&
	printf 'same content\n' >"$1/plain" &&
	printf 'same content\n' >"$1/exec" &&
	chmod 755 "$1/exec"
}

# make_big <dir>: a file of several MiB next to empty files.
make_big () {
	mkdir -p "$1/sub" &&
	head -c 5242880 /dev/urandom >"$1/five-mib" &&
	head -c 1048577 /dev/zero >"$1/sub/zeros" &&
	: >"$1/empty" &&
	: >"$1/sub/empty-too" &&
	: >"$1/sub/empty-exec" &&
	chmod +x "$1/sub/empty-exec"
}

# make_empties <dir>: empty directories, and directories holding only
# empty directories, contribute nothing.
make_empties () {
	mkdir -p "$1/empty" "$1/only/empty/dirs/below" "$1/only/more" \
		"$1/mixed/empty" "$1/mixed/deep/er" &&
	printf 'kept\n' >"$1/mixed/file" &&
	printf 'kept too\n' >"$1/mixed/deep/er/leaf" &&
	: >"$1/zero"
}

# make_quoting <dir>: names that git ls-tree quotes.
# shellcheck disable=SC1003 # a name ends in two backslashes
make_quoting () {
	mkdir -p "$1/$(printf 'dir\twith tab')" &&
	printf '1\n' >"$1/$(printf 'tab\there')" &&
	printf '2\n' >"$1/new
line" &&
	printf '3\n' >"$1/quo\"te" &&
	printf '4\n' >"$1/back\\slash" &&
	printf '5\n' >"$1/$(printf 'caf\303\251')" &&
	printf '6\n' >"$1/$(printf 'ctl\001x')" &&
	printf '7\n' >"$1/$(printf 'del\177x')" &&
	printf '8\n' >"$1/$(printf 'cr\rx')" &&
	printf '9\n' >"$1/$(printf 'bell\007 vt\013 ff\014 bs\010')" &&
	printf '10\n' >"$1/plain name" &&
	printf '11\n' >"$1/$(printf 'dir\twith tab/in"side')" &&
	ln -s "$(printf 'tar\tget')" "$1/$(printf 'link\\\\')"
}

# gen_trees: every directory of $NAMES, and a few more for single tests.
gen_trees () {
	mkdir -p "$TREES" || return 1
	for n in $NAMES
	do
		test "$n" = kitchen && continue
		mkdir "$TREES/$n" && "make_$n" "$TREES/$n" || return 1
	done
	mkdir "$TREES/kitchen" || return 1
	for n in nested order unicode links modes empties quoting
	do
		mkdir "$TREES/kitchen/$n" && "make_$n" "$TREES/kitchen/$n" ||
			return 1
	done
	printf 'root file\n' >"$TREES/kitchen/README" &&
	mkdir -p "$TREES/allempty/a/b/c" "$TREES/allempty/d" "$TREES/void" &&
	mkdir -p "$TREES/special/sub" &&
	printf 'regular\n' >"$TREES/special/regular" &&
	printf 'regular\n' >"$TREES/special/sub/a" &&
	mkfifo "$TREES/special/sub/fifo"
}

# git_tree <git dir> <dir>: the id of the tree git write-tree makes of
# <dir>'s files, with a fresh index.
git_tree () {
	rm -f "$1/index"
	git --git-dir="$1" --work-tree="$2" add -A || return 1
	git --git-dir="$1" write-tree
}

# compare_with_git <git dir> <cairn global option>...: put -r every tree
# of $NAMES and compare its id with git's; then every object git holds
# for those trees must be in cairn with the same type, and cairn must
# hold nothing else.
compare_with_git () {
	cwg_git_=$1
	shift
	: >all-ids
	for n in $NAMES
	do
		git_tree "$cwg_git_" "$TREES/$n" >expect || return 1
		cairn "$@" put -r "$TREES/$n" >actual || return 1
		echo "# $n: $(cat actual)"
		test_cmp expect actual || return 1
		root=$(cat expect)
		echo "$root tree" >>all-ids
		git --git-dir="$cwg_git_" ls-tree -r -t "$root" >objects ||
			return 1
		awk "{ print \$3, \$2 }" objects >>all-ids
	done
	sort -u all-ids >want
	cut -d " " -f 1 want | cairn "$@" cat --batch-check >got || return 1
	sed "s/ [0-9]*\$//" got >got-types
	test_cmp want got-types || return 1
	test "$(cairn_stat objects "$@")" = "$(wc -l <want)"
}

# test_differ <file> <file>: the files are not the same.
test_differ () {
	if cmp -s "$1" "$2"
	then
		echo "'$1' and '$2' are the same" >&9
		return 1
	fi
}

test_expect_success 'setup: generate directory trees' '
	gen_trees
	test -p "$TREES/special/sub/fifo"
	test -L "$TREES/links/dangling"
	test -x "$TREES/modes/m700"
	test "$(wc -c <"$TREES/big/five-mib")" = 5242880
	test "$(find "$TREES/quoting" -type f | wc -l)" = 12
'

test_expect_success GIT 'sha1: put -r gives the id of git write-tree, object for object' '
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	git init -q --bare g1
	compare_with_git "$SCRATCH/g1" -r s1
'

test_expect_success GITSHA256 'sha256: put -r gives the id of git write-tree, object for object' '
	git init -q --bare --object-format=sha256 g256
	compare_with_git "$SCRATCH/g256"
'

test_expect_success GIT 'sha1: each kind of tree on its own in a fresh repository' '
	git init -q --bare g1
	for n in $NAMES
	do
		rm -rf s1
		cairn init --object-format=sha1 s1 >/dev/null
		git_tree "$SCRATCH/g1" "$TREES/$n" >expect
		cairn -r s1 put -r "$TREES/$n" >actual
		test_cmp expect actual
		git --git-dir=g1 ls-tree -r -t "$(cat expect)" >objects
		test "$(cairn_stat objects -r s1)" = \
			"$(($(cut -f 1 objects | cut -d " " -f 3 | sort -u | wc -l) + 1))"
	done
'

test_expect_success 'the tree order puts a directory a after a-c and a.b, before a0' '
	cairn put -r "$TREES/order" >root
	cairn ls "$(cat root)" >ls
	cut -f 2 ls >names
	printf "%s\n" "a b" "a!" "a-c" "a.b" a a0 "a~" f >expect
	test_cmp expect names
	grep "	a\$" ls >a
	grep -q "^040000 tree " a
	fid=$(awk -F "\t" "\$2 == \"f\" { split(\$1, w, \" \"); print w[3] }" ls)
	cairn ls "$fid" >fls
	cut -f 2 fls >fnames
	printf "%s\n" B _ a a-c a-dir.txt a-dir a.b a0 ab- ab.c ab ab0 >expect
	test_cmp expect fnames
'

test_expect_success 'symlinks are stored as links, never followed, sorted as files' '
	cairn put -r "$TREES/links" >root
	cairn ls "$(cat root)" >ls
	cut -f 2 ls >names
	printf "%s\n" absolute dangling dir file odd-target s s.txt s0 self \
		to-file to-sub up >expect
	test_cmp expect names
	grep "^120000 blob .*	s\$" ls
	grep "^120000 blob .*	to-sub\$" ls
	grep "^040000 tree .*	dir\$" ls
	for l in s to-sub dangling absolute up self odd-target
	do
		id=$(awk -F "\t" -v n="$l" "\$2 == n { split(\$1, w, \" \"); print w[3] }" ls)
		cairn cat "$id" >target
		printf "%s" "$(readlink "$TREES/links/$l")" >expect
		test_cmp_bin expect target
	done
'

test_expect_success 'only the owner execute bit gives 100755' '
	cairn put -r "$TREES/modes" >root
	cairn ls "$(cat root)" >ls
	for m in 755 700 744 711
	do
		grep "^100755 blob .*	m$m\$" ls
	done
	for m in 644 600 604 640 610 601 666
	do
		grep "^100644 blob .*	m$m\$" ls
	done
	grep "^100755 blob .*	m775\$" ls
	p=$(grep "	plain\$" ls | cut -d " " -f 3 | cut -f 1)
	e=$(grep "	exec\$" ls | cut -d " " -f 3 | cut -f 1)
	test "$p" = "$e"
	grep "^100755 blob $e	exec\$" ls
'

test_expect_success 'empty directories are skipped; an all-empty directory is the empty tree' '
	cairn put -r "$TREES/empties" >root
	cairn ls -r "$(cat root)" >ls
	cut -f 2 ls >names
	printf "%s\n" mixed/deep/er/leaf mixed/file zero >expect
	test_cmp expect names
	cairn ls "$(cat root)" >top
	test_line_count = 2 top
	test "$(cairn put -r "$TREES/allempty")" = $EMPTY_SHA256
	test "$(cairn put -r "$TREES/void")" = $EMPTY_SHA256
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	test "$(cairn -r s1 put -r "$TREES/allempty")" = $EMPTY_SHA1
	test "$(cairn_stat objects -r s1)" = 1
	test "$(cairn -r s1 cat -t $EMPTY_SHA1)" = tree
	test "$(cairn -r s1 cat -s $EMPTY_SHA1)" = 0
'

test_expect_success 'the big file and empty files round trip through cat' '
	cairn put -r "$TREES/big" >root
	cairn ls -r "$(cat root)" >ls
	id=$(grep "	five-mib\$" ls | cut -d " " -f 3 | cut -f 1)
	cairn cat "$id" >content
	test_cmp_bin "$TREES/big/five-mib" content
	test "$(cairn put -n "$TREES/big/five-mib")" = "$id"
	grep "^100755 blob .*	sub/empty-exec\$" ls
	test "$(grep -c " $(cairn put -n /dev/null)	" ls)" = 3
'

test_expect_success 'put -r twice stores nothing new; the id does not depend on the path' '
	cairn put -r "$TREES/kitchen" >first
	n=$(cairn_stat objects)
	w=$(cairn_stat wal_records)
	cairn put -r "$TREES/kitchen" >second
	test_cmp first second
	test "$(cairn_stat objects)" = "$n"
	test "$(cairn_stat wal_records)" = "$w"
	(cd "$TREES/kitchen" && cairn -r "$SCRATCH/.cairn" put -r .) >third
	test_cmp first third
	cairn put -r "$TREES/kitchen/" >fourth
	test_cmp first fourth
	ln -s "$TREES/kitchen" linked
	cairn put -r linked >fifth
	test_cmp first fifth
	cp -R "$TREES/kitchen" copy
	cairn put -r copy >sixth
	test_cmp first sixth
	test "$(cairn_stat objects)" = "$n"
'

test_expect_success '.git and .cairn entries are not stored' '
	cp -R "$TREES/nested" plain
	cp -R "$TREES/nested" with
	mkdir -p with/.git/objects with/d1/.cairn
	printf "[core]\n" >with/.git/config
	printf "x\n" >with/d1/.cairn/junk
	cairn put -r plain >expect
	cairn put -r with >actual
	test_cmp expect actual
	printf "x\n" >with/.gitx
	cairn put -r with >other
	test_differ expect other
'

test_expect_success 'put -n -r prints the same id and stores nothing' '
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	for n in $NAMES
	do
		cairn -r s1 put -r "$TREES/$n"
	done >stored1
	(cd .cairn && find . -type f -exec cksum {} + | sort) >before
	for n in $NAMES
	do
		cairn put -n -r "$TREES/$n"
	done >dry
	test "$(cairn_stat objects)" = 0
	test "$(cairn_stat wal_records)" = 0
	(cd .cairn && find . -type f -exec cksum {} + | sort) >after
	test_cmp before after
	for n in $NAMES
	do
		cairn put -r "$TREES/$n"
	done >stored
	test_cmp stored dry
	n1=$(cairn_stat objects -r s1)
	for n in $NAMES
	do
		cairn -r s1 put -n -r "$TREES/$n"
	done >dry1
	test_cmp stored1 dry1
	test "$(cairn_stat objects -r s1)" = "$n1"
	test_differ dry dry1
'

test_expect_success NOREPOABOVE 'put -n -r works outside a repository, as sha256' '
	norepo=$(mktemp -d "$TRASH_DIRECTORY/norepo.XXXXXX")
	cairn put -r "$TREES/kitchen" >expect
	(cd "$norepo" && cairn put -n -r "$TREES/kitchen") >actual
	test_cmp expect actual
	test_path_is_missing "$norepo/.cairn"
'

test_expect_success 'a fifo is refused: exit 2, one line, nothing stored' '
	test_must_fail --status=2 cairn put -r "$TREES/special" >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	grep fifo err
	test "$(cairn_stat objects)" = 0
	test "$(cairn_stat wal_records)" = 0
	test_must_fail --status=2 cairn put -n -r "$TREES/special" >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	cairn put -r "$TREES/nested" >/dev/null
	n=$(cairn_stat objects)
	test_must_fail --status=2 cairn put -r "$TREES/special"
	test "$(cairn_stat objects)" = "$n"
'

test_expect_success 'a missing directory, a file, extra arguments: exit 2, nothing stored' '
	printf "x\n" >file
	for arg in no-such-dir file "$TREES/links/dangling" "$TREES/special/sub/fifo"
	do
		test_must_fail --status=2 cairn put -r "$arg" >out 2>err
		test_must_be_empty out
		test_stderr_one_line err
		test_must_fail --status=2 cairn put -n -r "$arg" >out 2>err
		test_must_be_empty out
	done
	test_must_fail --status=2 cairn put -r "$TREES/nested" file 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn put -t tree -r "$TREES/nested" 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn put -r 2>err
	test_stderr_one_line err
	test "$(cairn_stat objects)" = 0
	test "$(cairn_stat wal_records)" = 0
'

# compare_listings <git dir> <cairn global option>...: cat -p and ls in
# every form against git for every tree and subtree of $NAMES.
compare_listings () {
	cl_git_=$1
	shift
	for n in $NAMES
	do
		root=$(git_tree "$cl_git_" "$TREES/$n") || return 1
		test "$(cairn "$@" put -r "$TREES/$n")" = "$root" || return 1
		git --git-dir="$cl_git_" ls-tree -r -t "$root" >subtrees || return 1
		{ echo "$root"; awk "\$2 == \"tree\" { print \$3 }" subtrees; } >trees
		while read -r t
		do
			git --git-dir="$cl_git_" cat-file -p "$t" >expect &&
			cairn "$@" cat -p "$t" >actual &&
			test_cmp expect actual &&
			git --git-dir="$cl_git_" ls-tree "$t" >expect &&
			cairn "$@" ls "$t" >actual &&
			test_cmp expect actual &&
			git --git-dir="$cl_git_" ls-tree -r "$t" >expect &&
			cairn "$@" ls -r "$t" >actual &&
			test_cmp expect actual &&
			git --git-dir="$cl_git_" ls-tree -z "$t" >expect &&
			cairn "$@" ls -z "$t" >actual &&
			test_cmp_bin expect actual &&
			git --git-dir="$cl_git_" ls-tree -r -z "$t" >expect &&
			cairn "$@" ls -r -z "$t" >actual &&
			test_cmp_bin expect actual || return 1
		done <trees
	done
}

test_expect_success GIT 'sha1: cat -p, ls, ls -r, ls -z equal git cat-file -p and ls-tree' '
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	git init -q --bare g1
	compare_listings "$SCRATCH/g1" -r s1
'

test_expect_success GITSHA256 'sha256: cat -p, ls, ls -r, ls -z equal git cat-file -p and ls-tree' '
	git init -q --bare --object-format=sha256 g256
	compare_listings "$SCRATCH/g256"
'

test_expect_success GIT 'names that need quoting are quoted as git quotes them' '
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	git init -q --bare g1
	root=$(git_tree "$SCRATCH/g1" "$TREES/quoting")
	test "$(cairn -r s1 put -r "$TREES/quoting")" = "$root"
	cairn -r s1 ls -r "$root" >actual
	grep -F "\"tab\\there\"" actual
	grep -F "\"new\\nline\"" actual
	grep -F "\"quo\\\"te\"" actual
	grep -F "\"back\\\\slash\"" actual
	grep -F "\"caf\\303\\251\"" actual
	grep -F "\"ctl\\001x\"" actual
	grep -F "\"del\\177x\"" actual
	grep -F "\"cr\\rx\"" actual
	grep -F "\"bell\\a vt\\v ff\\f bs\\b\"" actual
	grep -F "	plain name" actual
	grep -F "\"dir\\twith tab/in\\\"side\"" actual
	git --git-dir=g1 ls-tree -r "$root" >expect
	test_cmp expect actual
'

test_expect_success 'ls and cat -p refuse what is not a tree; ls takes a commit' '
	id=$(cairn put -r "$TREES/nested")
	blob=$(cairn put "$TREES/nested/top")
	test_must_fail --status=2 cairn ls "$blob" 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn ls -r "$blob"
	test_must_fail cairn ls 0000000000000000000000000000000000000000000000000000000000000000
	cairn cat -p "$blob" >content
	test_cmp "$TREES/nested/top" content
	c=$(CAIRN_AUTHOR_NAME=A CAIRN_AUTHOR_EMAIL=a@example.com \
		CAIRN_COMMITTER_NAME=C CAIRN_COMMITTER_EMAIL=c@example.com \
		CAIRN_AUTHOR_DATE="1 +0000" CAIRN_COMMITTER_DATE="2 +0000" \
		cairn commit -m msg "$id")
	cairn ls "$id" >expect
	cairn ls "$c" >actual
	test_cmp expect actual
	cairn ls -r "$id" >expect
	cairn ls -r "$c" >actual
	test_cmp expect actual
'

# Memory: RSS is measured with GNU time, not under the sanitizers (whose
# allocator keeps freed memory).
if /usr/bin/time -f %M true >/dev/null 2>&1 &&
	! nm "$CAIRN_BUILD/cairn" 2>/dev/null | grep -q '__[a-z]*san_'
then
	test_set_prereq RSS
fi

# rss_kb <file> <command>...: run the command with its output in <file>;
# print its peak RSS in KiB.
rss_kb () {
	rss_out_=$1
	shift
	/usr/bin/time -o "$rss_out_.rss" -f %M "$@" >"$rss_out_.out" 2>"$rss_out_.err" ||
		{ cat "$rss_out_.err" >&9; return 1; }
	tail -n 1 "$rss_out_.rss"
}

# make_files <dir> <count>: <count> files of 16 KiB of random bytes.
make_files () {
	mkdir -p "$1" &&
	head -c $(($2 * 16384)) /dev/urandom >"$1.all" &&
	(cd "$1" && split -b 16384 -a 4 - f <"../$(basename "$1").all") &&
	rm "$1.all"
}

# no_growth <small KiB> <big KiB>: the big run grew by less than 12 MiB
# while its input grew by 29 MiB.
no_growth () {
	echo "peak RSS: $1 KiB small, $2 KiB big" >&9
	test $(($2 - $1)) -lt 12288
}

test_expect_success RSS 'put -r and put <files> commit bounded batches: RSS does not grow with the tree' '
	make_files small 200
	make_files big 2000
	for r in a b c d
	do
		cairn init $r >/dev/null
		cairn -r $r config core.walLimit 1048576
		test_fsck_repo $r
	done
	s=$(rss_kb s cairn -r a put -r small)
	b=$(rss_kb b cairn -r b put -r big)
	no_growth "$s" "$b"
	cairn put -n -r big >expect
	test_cmp expect b.out
	cairn -r b cat -t "$(cat b.out)" >type
	echo tree >want
	test_cmp want type
	s=$(cd small && rss_kb ../s cairn -r ../c put -- *)
	b=$(cd big && rss_kb ../b cairn -r ../d put -- *)
	no_growth "$s" "$b"
	test_line_count -eq 2000 b.out
	(cd big && cairn put -n -- *) >expect
	test_cmp expect b.out
	cairn -r d cat --batch-check <b.out >check
	test_line_count -eq 2000 check
	! grep missing check
'

test_expect_success RSS 'put -n hashes by streaming, from a file, a pipe or standard input' '
	head -c 1048576 /dev/urandom >small
	head -c 33554432 /dev/urandom >big
	cairn put big >expect
	s=$(rss_kb s cairn put -n small)
	b=$(rss_kb b cairn put -n big)
	no_growth "$s" "$b"
	test_cmp expect b.out
	s=$(rss_kb s cairn put -n --stdin <small)
	b=$(rss_kb b cairn put -n --stdin <big)
	no_growth "$s" "$b"
	test_cmp expect b.out
	s=$(rss_kb s sh -c "cat small | cairn put -n --stdin")
	b=$(rss_kb b sh -c "cat big | cairn put -n -")
	no_growth "$s" "$b"
	test_cmp expect b.out
'

test_expect_success 'put --stdin reads its input before it takes the lock' '
	cairn config core.lockTimeout 200
	printf "other\n" >other
	printf "x\n" >x
	cairn put -n x >expect
	(sleep 3; printf "x\n") | cairn put --stdin >slow.out 2>slow.err &
	slow=$!
	sleep 1
	test_timeout 2 cairn put other >fast.out
	test_line_count -eq 1 fast.out
	wait $slow
	test_cmp expect slow.out
'

test_expect_success 'put --batch does not hold the lock while a record is late' '
	cairn config core.lockTimeout 200
	printf "ab" >ab
	printf "other\n" >other
	cairn put -n ab >expect
	{ printf "blob 2\nab\nblob 2\na"; sleep 3; printf "b\n"; } |
		cairn put --batch >slow.out 2>slow.err &
	slow=$!
	sleep 1
	test_timeout 2 cairn put other >fast.out
	test_line_count -eq 1 fast.out
	wait $slow
	cat expect expect >expect2
	test_cmp expect2 slow.out
'

test_expect_success 'input of more than 1 MiB on a pipe is spooled, and stored whole' '
	head -c 3000000 /dev/urandom >big
	cairn put -n big >expect
	cat big | cairn put --stdin >actual
	test_cmp expect actual
	cairn cat "$(cat actual)" >back
	test_cmp_bin big back
	printf "tree 1\nx\n" >bad
	cat bad | test_must_fail --status=2 cairn put -t tree --stdin
'

test_expect_success 'put, ls and get name an unknown option as given' '
	test_must_fail --status=2 cairn put -leading 2>err
	grep -F "unknown option '"'"'-l'"'"'" err
	test_must_fail --status=2 cairn put --no-such-option x 2>err
	grep -F "unknown option '"'"'--no-such-option'"'"'" err
	test_must_fail --status=2 cairn put -t 2>err
	grep -F "'"'"'-t'"'"' needs a value" err
	test_must_fail --status=2 cairn ls -rq x 2>err
	grep -F "unknown option '"'"'-q'"'"'" err
	test_must_fail --status=2 cairn get -fx x y 2>err
	grep -F "unknown option '"'"'-x'"'"'" err
	test_path_is_missing y
'

test_done
