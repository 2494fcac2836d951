#!/bin/sh
# t0031-get: `cairn get` writes a tree's files back as `put -r` read them;
# hostile trees are refused when stored, and nothing a tree or a planted
# symlink holds makes get write outside its directory.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2034 # used in test bodies
SRC=$TRASH_DIRECTORY/src
NOTES=$TRASH_DIRECTORY/notes
: >"$NOTES"

export CAIRN_AUTHOR_NAME='A U Thor' CAIRN_AUTHOR_EMAIL=author@example.com \
	CAIRN_AUTHOR_DATE='1112911993 -0700' CAIRN_COMMITTER_NAME='C O Mitter' \
	CAIRN_COMMITTER_EMAIL=committer@example.com \
	CAIRN_COMMITTER_DATE='1112912053 -0700'

# make_src <dir>: files of every kind get restores.
make_src () {
	mkdir -p "$1/d/e/f" "$1/$(printf 'caf\303\251')" "$1/x" &&
	printf 'top\n' >"$1/top" &&
	printf 'deep\n' >"$1/d/e/f/deep" &&
	printf 'mid\n' >"$1/d/mid" &&
	printf '#!/bin/sh\necho run\n' >"$1/d/run" &&
	chmod 755 "$1/d/run" &&
	: >"$1/empty" &&
	: >"$1/x/empty-exec" &&
	chmod 755 "$1/x/empty-exec" &&
	printf 'no newline' >"$1/x/nonl" &&
	printf 'bin\000\001\377\n' >"$1/x/binary" &&
	head -c 3145728 /dev/urandom >"$1/x/three-mib" &&
	printf 'unicode\n' >"$1/$(printf 'caf\303\251/\346\227\245')" &&
	printf 'tab\n' >"$1/$(printf 'tab\there')" &&
	printf 'quote\n' >"$1/quo\"te" &&
	printf 'backslash\n' >"$1/back\\slash" &&
	printf 'newline\n' >"$1/new
line" &&
	ln -s top "$1/to-top" &&
	ln -s d/e "$1/to-dir" &&
	ln -s no/such/file "$1/dangling" &&
	ln -s /nonexistent/absolute "$1/absolute" &&
	ln -s ../../top "$1/d/e/up" &&
	ln -s "$(printf 'sp ace\ttab')" "$1/x/odd"
}

# listing <dir>: each path with its kind, the owner's execute bit for a
# file, the target of a symlink; then the checksum of every file.
listing () {
	(
		cd "$1" || exit 1
		find . -mindepth 1 -printf '%y %M %p -> %l\n' |
			sed 's/^\(.\) ...\(.\)...... /\1 \2 /' | LC_ALL=C sort
		find . -type f -exec cksum {} + | LC_ALL=C sort
	)
}

# test_differ <file> <file>: the files are not the same.
test_differ () {
	if cmp -s "$1" "$2"
	then
		echo "'$1' and '$2' are the same" >&9
		return 1
	fi
}

# no_outside <dir>: the directory outside every checkout is still empty.
no_outside () {
	find "$1" -mindepth 1 >outside-now
	test_must_be_empty outside-now
}

test_expect_success 'setup: a source tree' '
	make_src "$SRC"
	test -L "$SRC/dangling"
	test -x "$SRC/d/run"
	listing "$SRC" >listing
	test "$(grep -c "^l " listing)" = 6
'

test_expect_success 'round trip: put -r, get, the same files, modes and links' '
	id=$(cairn put -r "$SRC")
	cairn get "$id" out >stdout
	test_must_be_empty stdout
	listing "$SRC" >expect
	listing out >actual
	test_cmp expect actual
	test "$(cairn put -r out)" = "$id"
	test -x out/d/run
	test -x out/x/empty-exec
	test ! -x out/top
	test "$(readlink out/to-dir)" = d/e
	test "$(readlink out/d/e/up)" = ../../top
	test "$(readlink out/dangling)" = no/such/file
	test "$(readlink out/x/odd)" = "$(printf "sp ace\ttab")"
	test_cmp_bin "$SRC/x/three-mib" out/x/three-mib
	test_cmp_bin "$SRC/x/binary" out/x/binary
'

test_expect_success GIT 'round trip in a sha1 repository, checked against git' '
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	git init -q --bare g1
	git --git-dir=g1 --work-tree="$SRC" add -A
	id=$(git --git-dir=g1 write-tree)
	test "$(cairn -r s1 put -r "$SRC")" = "$id"
	cairn -r s1 get "$id" out
	mkdir gitout
	git --git-dir=g1 --work-tree=gitout read-tree "$id"
	git --git-dir=g1 --work-tree=gitout checkout-index -a
	listing gitout >expect
	listing out >actual
	test_cmp expect actual
'

test_expect_success 'empty directories are not restored; the empty tree makes an empty directory' '
	mkdir -p src/a/b src/c
	printf "x\n" >src/c/x
	id=$(cairn put -r src)
	cairn get "$id" out
	test_path_is_missing out/a
	test_path_is_file out/c/x
	empty=$(cairn put -t tree /dev/null)
	cairn get "$empty" eout
	test_path_is_dir eout
	find eout -mindepth 1 >found
	test_must_be_empty found
'

test_expect_success 'get into an existing empty directory' '
	id=$(cairn put -r "$SRC")
	mkdir out
	cairn get "$id" out
	listing "$SRC" >expect
	listing out >actual
	test_cmp expect actual
'

test_expect_success 'get into a non-empty directory fails and writes nothing, unless -f' '
	id=$(cairn put -r "$SRC")
	mkdir out
	printf "mine\n" >out/mine
	listing out >before
	test_must_fail cairn get "$id" out 2>err
	test_stderr_one_line err
	listing out >after
	test_cmp before after
	mkdir out2
	mkdir out2/empty-subdir
	test_must_fail cairn get "$id" out2
	find out2 -mindepth 1 >found
	echo out2/empty-subdir >expect
	test_cmp expect found
	cairn get -f "$id" out
	printf "mine\n" >expect-mine
	test_cmp expect-mine out/mine
	rm out/mine
	listing "$SRC" >expect
	listing out >actual
	test_cmp expect actual
'

test_expect_success 'get -f over a checkout replaces files and keeps directories' '
	id=$(cairn put -r "$SRC")
	cairn get "$id" out
	cairn get -f "$id" out
	listing "$SRC" >expect
	listing out >actual
	test_cmp expect actual
	cp -R "$SRC" changed
	printf "changed\n" >changed/top
	chmod 644 changed/d/run
	rm changed/to-top
	printf "now a file\n" >changed/to-top
	rm changed/to-dir
	ln -s x changed/to-dir
	id2=$(cairn put -r changed)
	cairn get -f "$id2" out
	listing changed >expect
	listing out >actual
	test_cmp expect actual
	test "$(cairn put -r out)" = "$id2"
'

test_expect_success 'get -f: a file in the way of a directory is replaced; a directory in the way of a file is an error' '
	mkdir -p t/d
	printf "in d\n" >t/d/f
	printf "file\n" >t/g
	id=$(cairn put -r t)
	mkdir out
	printf "was a file\n" >out/d
	cairn get -f "$id" out
	test_cmp t/d/f out/d/f
	mkdir out2 out2/g
	printf "keep\n" >out2/g/keep
	test_must_fail cairn get -f "$id" out2 2>err
	test_stderr_one_line err
	test_path_is_file out2/g/keep
'

test_expect_success 'get takes a commit, and a ref to a commit' '
	id=$(cairn put -r "$SRC")
	c=$(cairn commit -m "a commit" "$id")
	cairn get "$c" out
	listing "$SRC" >expect
	listing out >actual
	test_cmp expect actual
	cairn ref set main "$c"
	cairn get main out2
	listing out2 >actual
	test_cmp expect actual
	cairn ref set tree-ref "$id"
	cairn get tree-ref out3
	listing out3 >actual
	test_cmp expect actual
'

test_expect_success 'get of a blob, a missing object or a bad name creates nothing' '
	blob=$(cairn put "$SRC/top")
	test_must_fail --status=2 cairn get "$blob" out 2>err
	test_stderr_one_line err
	test_path_is_missing out
	test_must_fail --status=1 cairn get \
		0000000000000000000000000000000000000000000000000000000000000000 out 2>err
	test_stderr_one_line err
	test_path_is_missing out
	test_must_fail cairn get not-a-name out
	test_path_is_missing out
	test_must_fail --status=2 cairn get "$blob"
	test_must_fail --status=2 cairn get
	test_path_is_missing out
'

test_expect_success 'a gitlink entry becomes an empty directory' '
	blob=$(printf "x\n" | cairn put --stdin)
	{
		tree_entry 100644 a "$blob"
		tree_entry 160000 sub 1111111111111111111111111111111111111111111111111111111111111111
	} >tree
	id=$(cairn put -t tree tree)
	cairn ls "$id" >ls
	grep "^160000 commit 1111111111111111111111111111111111111111111111111111111111111111	sub\$" ls
	cairn get "$id" out
	test_path_is_dir out/sub
	find out/sub -mindepth 1 >found
	test_must_be_empty found
	test_path_is_file out/a
'

# These trees link objects of the wrong type, which cairn fsck reports:
# they live in a repository of their own, which the harness leaves alone.
test_expect_success 'entries whose object has the wrong type are not written' '
	cairn init wrong >/dev/null
	blob=$(printf "x\n" | cairn -r wrong put --stdin)
	tree_entry 100644 a "$blob" >sub
	sub=$(cairn -r wrong put -t tree sub)
	tree_entry 100644 f "$sub" >t1
	t1=$(cairn -r wrong put -t tree t1)
	test_must_fail cairn -r wrong get "$t1" out1 2>err
	test_stderr_one_line err
	test_path_is_missing out1/f
	tree_entry 100755 f "$sub" >t2
	t2=$(cairn -r wrong put -t tree t2)
	test_must_fail cairn -r wrong get "$t2" out2
	test_path_is_missing out2/f
	tree_entry 120000 l "$sub" >t3
	t3=$(cairn -r wrong put -t tree t3)
	test_must_fail cairn -r wrong get "$t3" out3
	test_path_is_missing out3/l
	tree_entry 40000 d "$blob" >t4
	t4=$(cairn -r wrong put -t tree t4)
	test_must_fail cairn -r wrong get "$t4" out4
	# Every tree is read before anything is created.
	test_path_is_missing out4
'

# Hostile trees: "<label>|<printf format of the entries, %s the blob id's
# raw bytes, %t a tree id's raw bytes>".  Each must be refused by put -t
# tree (git too refuses them, or, for the unsafe names, warns; the modes
# git accepts are in t0034).  Formats may not contain "|".
HOSTILE=$TRASH_DIRECTORY/hostile
cat >"$HOSTILE" <<\EOF
name ..|100644 ..\0%s
name .|100644 .\0%s
directory named ..|40000 ..\0%t
directory named .|40000 .\0%t
name with a slash|100644 a/b\0%s
name with a leading slash|100644 /etc\0%s
name ../x|100644 ../x\0%s
empty name|100644 \0%s
empty name before others|100644 \0%s100644 a\0%s
duplicate files|100644 a\0%s100644 a\0%s
duplicate file and directory|100644 a\0%s40000 a\0%t
duplicate file and directory, apart|100644 a\0%s100644 a.b\0%s40000 a\0%t
duplicate directories|40000 a\0%t40000 a\0%t
unsorted files|100644 b\0%s100644 a\0%s
unsorted directory before a.b|40000 a\0%t100644 a.b\0%s
unsorted file a0 before directory a|100644 a0\0%s40000 a\0%t
empty mode| a\0%s
non-octal mode|10064x a\0%s
no space after mode|100644a\0%s
no NUL after name|100644 a
truncated id|100644 a\0abc
trailing garbage|100644 a\0%sxyz
EOF

# hostile_bytes <format> <blob hex> <tree hex>: the bytes of a hostile tree.
hostile_bytes () {
	hb_fmt_=$1
	while test -n "$hb_fmt_"
	do
		case $hb_fmt_ in
		%s*)
			hex_to_bin "$2" || return 1
			hb_fmt_=${hb_fmt_#%s}
			;;
		%t*)
			hex_to_bin "$3" || return 1
			hb_fmt_=${hb_fmt_#%t}
			;;
		*)
			hb_lit_=${hb_fmt_%%%*}
			test "$hb_lit_" = "$hb_fmt_" && hb_fmt_= ||
				hb_fmt_=%${hb_fmt_#*%}
			# shellcheck disable=SC2059 # the format is the point
			printf "$hb_lit_" || return 1
			;;
		esac
	done
}

# fsck_says <git dir> <id> [<option>]: what git fsck says first of <id>:
# "error", "warning" or "nothing", then the message.
fsck_says () {
	git --git-dir="$1" fsck ${3:+"$3"} --no-dangling >fsck.out 2>&1 || :
	if grep "$2" fsck.out >fsck.this
	then
		sed -n "1s/ in [^:]*: / (/; 1s/\$/)/p" fsck.this
	else
		echo nothing
	fi
}

# git_verdict <git dir> <file> <label>: note in $NOTES what git's
# hash-object, fsck and fsck --strict say of the tree in <file> when
# git fsck does not call it an error, as cairn does.
git_verdict () {
	if git --git-dir="$1" hash-object -t tree --stdin <"$2" >/dev/null 2>&1
	then
		gv_hash_=accepts
	else
		gv_hash_=rejects
	fi
	gv_id_=$(git --git-dir="$1" hash-object -t tree -w --literally --stdin <"$2") ||
		return 1
	gv_plain_=$(fsck_says "$1" "$gv_id_")
	gv_strict_=$(fsck_says "$1" "$gv_id_" --strict)
	rm -f "$1/objects/$(echo "$gv_id_" | cut -c 1-2)/$(echo "$gv_id_" | cut -c 3-)"
	echo "$3" >>"$NOTES.all"
	case $gv_plain_ in
	error*)
		;;
	*)
		echo "t0031 tree '$3': cairn rejects it; git hash-object $gv_hash_ it; git fsck: $gv_plain_; git fsck --strict: $gv_strict_" >>"$NOTES"
		;;
	esac
}

test_expect_success 'hostile trees are refused by put -t tree: exit 2, nothing stored' '
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	blob=$(printf "x\n" | cairn -r s1 put --stdin)
	tree_entry 100644 x "$blob" >sub
	tree=$(cairn -r s1 put -t tree sub)
	n=$(cairn_stat objects -r s1)
	w=$(cairn_stat wal_records -r s1)
	if test_have_prereq GIT
	then
		git init -q --bare g1
		git --git-dir=g1 hash-object -w --stdin <<-\EOF >/dev/null
		x
		EOF
		git --git-dir=g1 hash-object -t tree -w sub >/dev/null
	fi
	count=0
	while IFS="|" read -r label fmt
	do
		hostile_bytes "$fmt" "$blob" "$tree" >bad
		test -s bad
		echo "# $label"
		test_must_fail --status=2 cairn -r s1 put -t tree bad 2>err
		test_stderr_one_line err
		test_must_fail --status=2 cairn -r s1 put -n -t tree bad
		test_must_fail --status=2 cairn -r s1 put -t tree --stdin <bad
		{ printf "tree %s\n" "$(wc -c <bad)"; cat bad; echo; } >batch
		test_must_fail --status=2 cairn -r s1 put --batch <batch
		test "$(cairn_stat objects -r s1)" = "$n"
		test "$(cairn_stat wal_records -r s1)" = "$w"
		if test_have_prereq GIT
		then
			git_verdict g1 bad "$label"
		fi
		count=$((count + 1))
	done <"$HOSTILE"
	test "$count" -ge 22
'

test_expect_success GIT 'the entry format used above is right: git and cairn agree on a good tree' '
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	git init -q --bare g1
	blob=$(printf "x\n" | git --git-dir=g1 hash-object -w --stdin)
	printf "x\n" | cairn -r s1 put --stdin
	{ tree_entry 100644 a "$blob"; tree_entry 100755 b "$blob"; tree_entry 120000 c "$blob"; } >good
	git --git-dir=g1 hash-object -t tree -w good >expect
	cairn -r s1 put -t tree good >actual
	test_cmp expect actual
	git --git-dir=g1 ls-tree "$(cat expect)" >gls
	cairn -r s1 ls "$(cat actual)" >cls
	test_cmp gls cls
'

# outside_tree <target>: a tree whose symlink l points at <target>,
# followed by a file, a directory and an executable; prints its id.
outside_tree () {
	ot_link_=$(printf "%s" "$1" | cairn put --stdin) &&
	ot_blob_=$(printf "inside\n" | cairn put --stdin) &&
	tree_entry 100644 f "$ot_blob_" >ot.sub &&
	ot_sub_=$(cairn put -t tree ot.sub) &&
	{
		tree_entry 100644 a "$ot_blob_" &&
		tree_entry 120000 l "$ot_link_" &&
		tree_entry 100644 m "$ot_blob_" &&
		tree_entry 40000 n "$ot_sub_" &&
		tree_entry 100755 x "$ot_blob_"
	} >ot.tree &&
	cairn put -t tree ot.tree
}

test_expect_success 'a symlink to outside is created as a link and never written through' '
	outside=$TRASH_DIRECTORY/outside-$test_count
	mkdir "$outside"
	for target in "$outside" ../outside-$test_count \
		"../../outside-$test_count" "$outside/l" "$outside/n" ..
	do
		rm -rf out
		id=$(outside_tree "$target")
		cairn get "$id" out
		test "$(readlink out/l)" = "$target"
		test_path_is_file out/a
		test_path_is_file out/m
		test_path_is_file out/n/f
		test -x out/x
		no_outside "$outside"
		cairn get -f "$id" out
		no_outside "$outside"
	done
	rm -rf out
	id=$(outside_tree "$TRASH_DIRECTORY/missing-$test_count")
	cairn get "$id" out
	cairn get -f "$id" out
	test_path_is_missing "$TRASH_DIRECTORY/missing-$test_count"
'

test_expect_success 'get -f never writes through a planted symlink or hard link' '
	outside=$TRASH_DIRECTORY/outside-$test_count
	mkdir -p "$outside/dir" "$outside/deep"
	printf "original\n" >"$outside/file"
	printf "hard original\n" >"$outside/hard"
	(cd "$outside" && find . -type f -exec cksum {} + && find . | sort) >outside-before
	mkdir -p t/d/sub t/e
	printf "tree file\n" >t/d/sub/f
	printf "tree file\n" >t/d/g
	printf "tree file\n" >t/file
	printf "tree file\n" >t/hard
	printf "tree file\n" >t/e/h
	ln -s target t/link
	id=$(cairn put -r t)
	mkdir -p out/e
	ln -s "$outside/dir" out/d
	ln -s "$outside/file" out/file
	ln -s "$outside/nothing" out/missing-link
	ln "$outside/hard" out/hard
	ln -s "$outside/deep" out/e/h
	ln -s "$outside/dir" out/link
	cairn get -f "$id" out
	(cd "$outside" && find . -type f -exec cksum {} + && find . | sort) >outside-after
	test_cmp outside-before outside-after
	test_path_is_missing "$outside/dir/sub"
	test_path_is_missing "$outside/nothing"
	test ! -L out/d
	test_path_is_dir out/d
	test_cmp t/d/sub/f out/d/sub/f
	test ! -L out/file
	test_cmp t/file out/file
	test_cmp t/hard out/hard
	test_cmp t/e/h out/e/h
	test "$(readlink out/link)" = target
	rm out/missing-link
	listing t >expect
	listing out >actual
	test_cmp expect actual
'

test_expect_success 'a planted symlink in a subdirectory is not entered either' '
	outside=$TRASH_DIRECTORY/outside-$test_count
	mkdir "$outside"
	mkdir -p t/a/b/c
	printf "deep\n" >t/a/b/c/f
	id=$(cairn put -r t)
	mkdir -p out/a
	ln -s "$outside" out/a/b
	cairn get -f "$id" out
	no_outside "$outside"
	test_cmp t/a/b/c/f out/a/b/c/f
	rm -rf out2
	mkdir -p out2/a/b
	ln -s "$outside" out2/a/b/c
	cairn get -f "$id" out2
	no_outside "$outside"
	test_cmp t/a/b/c/f out2/a/b/c/f
'

test_expect_success 'without -f a planted symlink makes get fail, outside untouched' '
	outside=$TRASH_DIRECTORY/outside-$test_count
	mkdir "$outside"
	mkdir -p t/d
	printf "x\n" >t/d/f
	id=$(cairn put -r t)
	mkdir out
	ln -s "$outside" out/d
	test_must_fail cairn get "$id" out
	no_outside "$outside"
	test -L out/d
'

test_expect_success GIT 'git was asked about every hostile tree' '
	test "$(wc -l <"$NOTES.all")" = "$(wc -l <"$HOSTILE")"
'

sed 's/^/# note: /' "$NOTES"
test_done
