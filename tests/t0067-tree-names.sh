#!/bin/sh
# t0067-tree-names: tree entry names that a file system takes for .git or
# .cairn (any case, HFS+ ignored code points, NTFS trailing dots, spaces,
# streams and short names) are refused by put as git fsck refuses them,
# stored only with --literally, listed by ls, and never written by get.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# The names, one a line, as printf formats (no % in them), with the word
# each stands for.
NAMES=$TRASH_DIRECTORY/names
cat >"$NAMES" <<\EOF
git .git
git .GIT
git .Git
git .git.
git .git . .
git .git::$INDEX_ALLOCATION
git git~1
git GIT~1
git .g\342\200\214it
git \357\273\277.git
git a\\.git
cairn .cairn
cairn .Cairn
cairn .CAIRN.
cairn .cairn::$DATA
cairn cairn~1
cairn .ca\342\200\215irn
EOF

# batch_of <file>: a put --batch record of the tree in <file>.
batch_of () {
	printf 'tree %s\n' "$(wc -c <"$1")" && cat "$1" && echo
}

# snapshot <dir>: every path under <dir> with its kind and checksum.
snapshot () {
	(
		cd "$1" || exit 1
		find . -printf '%y %p\n' | LC_ALL=C sort
		find . -type f -exec cksum {} + | LC_ALL=C sort
	)
}

test_expect_success 'put -t tree, put --batch and put -n refuse every lookalike: exit 2, nothing stored' '
	blob=$(printf "x\n" | cairn put --stdin)
	tree_entry 100644 x "$blob" >sub
	sub=$(cairn put -t tree sub)
	n=$(cairn_stat objects)
	w=$(cairn_stat wal_records)
	count=0
	while read -r word fmt
	do
		# shellcheck disable=SC2059 # the format is the point
		name=$(printf "$fmt")
		for kind in file dir
		do
			if test $kind = file
			then
				tree_entry 100644 "$name" "$blob" >bad
			else
				tree_entry 40000 "$name" "$sub" >bad
			fi
			test_must_fail --status=2 cairn put -t tree bad 2>err
			test_stderr_one_line err
			grep -F "contains '"'"'.$word'"'"'" err
			test_must_fail --status=2 cairn put -n -t tree bad 2>err
			grep -F "contains '"'"'.$word'"'"'" err
			test_must_fail --status=2 cairn put -t tree --stdin <bad
			batch_of bad >batch
			test_must_fail --status=2 cairn put --batch <batch 2>err
			grep -F "contains '"'"'.$word'"'"'" err
			test_must_fail --status=2 cairn put -n --batch <batch
			count=$((count + 1))
		done
	done <"$NAMES"
	test "$count" -ge 30
	test "$(cairn_stat objects)" = "$n"
	test "$(cairn_stat wal_records)" = "$w"
'

test_expect_success 'names that only look close are stored without --literally' '
	blob=$(printf "x\n" | cairn put --stdin)
	for name in .gitx .gitignore git~2 git~10 .git~1 x.git .cairnx cairn \
		cairn~5 ...
	do
		tree_entry 100644 "$name" "$blob" >fine
		cairn put -t tree fine >id
		cairn ls "$(cat id)" >ls
		grep -F "	$name" ls
	done
'

test_expect_success 'the error names the entry quoted, on one line' '
	blob=$(printf "x\n" | cairn put --stdin)
	tree_entry 100644 "$(printf ".GIT\134a\042b")" "$blob" >bad
	test_must_fail --status=2 cairn put -t tree bad 2>err
	test_stderr_one_line err
	printf "(entry \042.GIT\134\134a\134\042b\042)" >want
	grep -F -f want err
'

test_expect_success 'put --literally stores them, and ., .. and a/b; fsck warns, get refuses' '
	blob=$(printf "x\n" | cairn put --stdin)
	while read -r word fmt
	do
		# shellcheck disable=SC2059 # the format is the point
		name=$(printf "$fmt")
		tree_entry 100644 "$name" "$blob" >lit
		cairn put --literally -t tree lit >id
		cairn put -n --literally -t tree lit >id.n
		test_cmp id id.n
		batch_of lit >batch
		cairn put --literally --batch <batch >id.b
		test_cmp id id.b
		test "$(cairn cat -t "$(cat id)")" = tree
	done <"$NAMES"
	for name in . .. a/b /etc ../x
	do
		tree_entry 100644 "$name" "$blob" >bad
		test_must_fail --status=2 cairn put -t tree bad
		cairn put --literally -t tree bad >id
		batch_of bad >batch
		cairn put --literally --batch <batch >id.b
		test_cmp id id.b
		test_must_fail --status=2 cairn get "$(cat id)" out 2>err
		test_stderr_one_line err
		grep "refusing to check out" err
		test_path_is_missing out
	done
	# As git fsck: warnings, which leave the exit status at 0.
	cairn fsck >fsck.out
	grep -c "^warning object [0-9a-f]*: tree: hasDotgit: " fsck.out >n
	grep -c "^git " "$NAMES" >expect
	test_cmp expect n
	grep -c "^warning object [0-9a-f]*: tree: hasDotcairn: " fsck.out >n
	grep -c "^cairn " "$NAMES" >expect
	test_cmp expect n
	for check in hasDot hasDotdot fullPathname
	do
		grep "^warning object [0-9a-f]*: tree: $check: " fsck.out
	done
	test_line_count -eq "$(($(wc -l <"$NAMES") + 5))" fsck.out
'

# hook_tree <name>: a tree holding <name>/hooks/post-checkout and a file
# "!readme" (which sorts first), stored with --literally; prints its id.
hook_tree () {
	ht_hook_=$(printf "#!/bin/sh\necho hooked >&2\n" | cairn put --stdin) &&
	ht_file_=$(printf "readme\n" | cairn put --stdin) &&
	tree_entry 100755 post-checkout "$ht_hook_" >ht.hooks &&
	ht_hooks_=$(cairn put -t tree ht.hooks) &&
	tree_entry 40000 hooks "$ht_hooks_" >ht.git &&
	ht_git_=$(cairn put -t tree ht.git) &&
	{
		tree_entry 100644 !readme "$ht_file_" &&
		tree_entry 40000 "$1" "$ht_git_"
	} >ht.root &&
	cairn put --literally -t tree ht.root
}

test_expect_success 'get -f writes no .git/hooks/post-checkout into a git work tree' '
	test_no_fsck
	root=$(hook_tree .git)
	cairn ls "$root" >ls
	grep -F "	.git" ls
	mkdir -p work/.git/hooks
	printf "[core]\n" >work/.git/config
	snapshot work >before
	test_must_fail --status=2 cairn get -f "$root" work 2>err
	test_stderr_one_line err
	grep -F "(entry \".git\")" err
	snapshot work >after
	test_cmp before after
	test_path_is_missing work/.git/hooks/post-checkout
	test_path_is_missing work/!readme
	test_must_fail --status=2 cairn get "$root" fresh
	test_path_is_missing fresh
'

test_expect_success 'get -f refuses every lookalike at the top, writing nothing' '
	test_no_fsck
	mkdir -p work/.git/hooks work/.cairn
	snapshot work >before
	while read -r word fmt
	do
		# shellcheck disable=SC2059 # the format is the point
		name=$(printf "$fmt")
		root=$(hook_tree "$name")
		test_must_fail --status=2 cairn get -f "$root" work 2>err
		test_stderr_one_line err
		grep -F "contains '"'"'.$word'"'"'" err
		snapshot work >after
		test_cmp before after
	done <"$NAMES"
'

test_expect_success 'get refuses a lookalike deep in the tree before writing anything' '
	test_no_fsck
	blob=$(printf "x\n" | cairn put --stdin)
	tree_entry 100644 config "$blob" >deep.git
	git=$(cairn put -t tree deep.git)
	tree_entry 40000 .Cairn "$git" >deep.e
	e=$(cairn put --literally -t tree deep.e)
	tree_entry 40000 e "$e" >deep.d
	d=$(cairn put -t tree deep.d)
	{
		tree_entry 100644 a "$blob"
		tree_entry 40000 d "$d"
		tree_entry 100644 z "$blob"
	} >deep.root
	root=$(cairn put -t tree deep.root)
	test_must_fail --status=2 cairn get "$root" out 2>err
	grep -F "(entry \".Cairn\")" err
	test_path_is_missing out
	mkdir work
	test_must_fail --status=2 cairn get -f "$root" work
	find work -mindepth 1 >written
	test_must_be_empty written
'

test_expect_success 'put -r refuses a directory entry that is a lookalike, naming the directory' '
	mkdir -p src/sub/.GIT
	printf "x\n" >src/sub/.GIT/config
	printf "y\n" >src/file
	test_must_fail --status=2 cairn put -r src 2>err
	test_stderr_one_line err
	grep -F "src/sub" err
	grep -F "(entry \".GIT\")" err
'

test_done
