#!/bin/sh
# t0002-put-git: `cairn put` computes the ids git computes, in both object
# formats, for every way of naming the input.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

IN=$TRASH_DIRECTORY/in

# random_file <size> <path>
random_file () {
	head -c "$1" /dev/urandom >"$2"
}

# text_file <lines> <path>
text_file () {
	awk -v k="$1" 'BEGIN {
		for (j = 0; j < k; j++)
			printf "line %d of %d: the quick brown fox jumps over the lazy dog\n", j, k
	}' >"$2"
}

# make_inputs: a few hundred files under $IN/small and a few large ones
# under $IN/big, with their lists, and the ids git gives them if git is here.
make_inputs () {
	mkdir -p "$IN/small" "$IN/big" || return 1
	: >"$IN/small/f.000" || return 1
	n=0
	for b in 000 001 011 012 015 040 060 101 141 176 177 200 240 377
	do
		n=$((n + 1))
		# shellcheck disable=SC2059
		printf "\\$b" >"$(printf '%s/small/f.%03d' "$IN" "$n")" || return 1
	done
	for k in $(test_seq 1 200)
	do
		n=$((n + 1))
		random_file $(((k * k * 7919) % 100000 + 2)) \
			"$(printf '%s/small/f.%03d' "$IN" "$n")" || return 1
	done
	for k in $(test_seq 1 80)
	do
		n=$((n + 1))
		text_file "$((k * 3))" "$(printf '%s/small/f.%03d' "$IN" "$n")" ||
			return 1
	done
	n=$((n + 1))
	printf 'no final newline' >"$(printf '%s/small/f.%03d' "$IN" "$n")" || return 1
	n=$((n + 1))
	printf 'crlf\r\ntext\r\n' >"$(printf '%s/small/f.%03d' "$IN" "$n")" || return 1
	for size in 4095 4096 4097 65535 65536 65537
	do
		n=$((n + 1))
		random_file "$size" "$(printf '%s/small/f.%03d' "$IN" "$n")" || return 1
	done

	random_file 1048575 "$IN/big/b.1" &&
	random_file 1048576 "$IN/big/b.2" &&
	random_file 1048577 "$IN/big/b.3" &&
	head -c 3145728 /dev/zero >"$IN/big/b.4" &&
	random_file 4194304 "$IN/big/b.5" &&
	text_file 80000 "$IN/big/b.6" &&
	random_file 20971520 "$IN/big/b.7" || return 1

	for set in small big
	do
		for f in "$IN/$set"/*
		do
			echo "$f"
		done >"$IN/$set.list" || return 1
	done

	if test_have_prereq GIT
	then
		for set in small big
		do
			git hash-object --no-filters --stdin-paths \
				<"$IN/$set.list" >"$IN/$set.sha1" || return 1
		done
	fi
	if test_have_prereq GITSHA256
	then
		git init -q --object-format=sha256 "$IN/g256" || return 1
		for set in small big
		do
			git -C "$IN/g256" hash-object --no-filters --stdin-paths \
				<"$IN/$set.list" >"$IN/$set.sha256" || return 1
		done
	fi
}

# repo_listing <repo>: every file of a repository with its checksum.
repo_listing () {
	(cd "$1" && find . -type f -exec cksum {} + | sort) || return 1
	(cd "$1" && find . | sort)
}

test_expect_success 'setup: generate inputs' '
	make_inputs
	test "$(wc -l <"$IN/small.list")" -ge 300
	test "$(wc -l <"$IN/big.list")" = 7
'

test_expect_success GIT 'sha1: put prints what git hash-object prints' '
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	cairn -r s1 put -- "$IN"/small/* >actual
	test_cmp "$IN/small.sha1" actual
	sort -u actual >unique
	test "$(cairn_stat objects -r s1)" = "$(wc -l <unique)"
	cairn -r s1 cat --batch-check <unique >check
	awk "\$2 != \"blob\"" check >bad
	test_must_be_empty bad
'

test_expect_success GIT 'sha1: large files and size boundaries' '
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	cairn -r s1 put -- "$IN"/big/* >actual
	test_cmp "$IN/big.sha1" actual
	test "$(cairn_stat objects -r s1)" = 7
	for f in "$IN"/big/*
	do
		id=$(git hash-object --no-filters "$f")
		cairn -r s1 cat "$id" >content
		test_cmp_bin "$f" content
	done
'

test_expect_success GITSHA256 'sha256: put prints what git --object-format=sha256 prints' '
	cairn put -- "$IN"/small/* >actual
	test_cmp "$IN/small.sha256" actual
	sort -u actual >unique
	test "$(cairn_stat objects)" = "$(wc -l <unique)"
	cairn cat --batch-check <unique >check
	awk "\$2 != \"blob\"" check >bad
	test_must_be_empty bad
'

test_expect_success GITSHA256 'sha256: large files and size boundaries' '
	cairn put -- "$IN"/big/* >actual
	test_cmp "$IN/big.sha256" actual
	test "$(cairn_stat objects)" = 7
	exec 3<"$IN/big.sha256"
	for f in "$IN"/big/*
	do
		read -r id <&3
		cairn cat "$id" >content
		test_cmp_bin "$f" content
	done
	exec 3<&-
'

test_expect_success GIT '--stdin-paths: absolute and relative paths' '
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	cairn -r s1 put --stdin-paths <"$IN/small.list" >actual
	test_cmp "$IN/small.sha1" actual
	(cd "$IN/small" && ls) >relative
	(cd "$IN/small" && cairn -r "$SCRATCH/s1" put --stdin-paths) \
		<relative >actual
	test_cmp "$IN/small.sha1" actual
	cairn -r s1 put --stdin-paths <"$IN/big.list" >actual
	test_cmp "$IN/big.sha1" actual
'

test_expect_success GITSHA256 '--stdin-paths in a sha256 repository' '
	cairn put --stdin-paths <"$IN/small.list" >actual
	test_cmp "$IN/small.sha256" actual
	cairn put --stdin-paths <"$IN/big.list" >actual
	test_cmp "$IN/big.sha256" actual
'

test_expect_success '--stdin-paths: an empty list prints nothing' '
	cairn put --stdin-paths </dev/null >out
	test_must_be_empty out
	test "$(cairn_stat objects)" = 0
'

test_expect_success '--stdin and - read standard input' '
	for f in "$IN/small/f.000" "$IN/small/f.001" "$IN/small/f.100" \
		"$IN/small/f.250" "$IN/big/b.2" "$IN/big/b.5"
	do
		cairn put -n -- "$f" >expect
		cairn put --stdin <"$f" >actual
		test_cmp expect actual
		cairn put - <"$f" >actual
		test_cmp expect actual
		cairn cat "$(cat actual)" >content
		test_cmp_bin "$f" content
	done
	test "$(cairn_stat objects)" = 6
'

test_expect_success '- mixed with file names keeps the input order' '
	a=$IN/small/f.020
	b=$IN/small/f.021
	c=$IN/small/f.022
	cairn put -n -- "$a" "$c" "$b" >expect
	cairn put -- "$a" - "$b" <"$c" >actual
	test_cmp expect actual
	test "$(cairn_stat objects)" = 3
'

test_expect_success GIT '--stdin matches git hash-object --stdin' '
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	printf "" >empty
	printf "hello\n" >hello
	printf "a\000b\000\n\377" >binary
	for f in empty hello binary "$IN/big/b.3"
	do
		git hash-object --no-filters --stdin <"$f" >expect
		cairn -r s1 put --stdin <"$f" >actual
		test_cmp expect actual
	done
'

test_expect_success '-z --stdin-paths reads NUL-separated paths' '
	mkdir names
	printf "space" >"names/with space"
	printf "newline" >"names/new
line"
	printf "tab" >"names/tab	here"
	printf "plain" >names/plain
	printf "dash" >names/-dash
	: >expect
	for f in names/*
	do
		cairn put -n -- "$f" >>expect
		printf "%s\000" "$f" >>list
	done
	test_line_count = 5 expect
	cairn put -z --stdin-paths <list >actual
	test_cmp expect actual
	test "$(cairn_stat objects)" = 5
'

test_expect_success GIT '-z --stdin-paths ids match git' '
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	printf "first" >"a b"
	printf "second" >"c
d"
	git hash-object --no-filters -- "a b" "c
d" >expect
	printf "a b\000c\nd\000" >list
	cairn -r s1 put -z --stdin-paths <list >actual
	test_cmp expect actual
'

test_expect_success '--stdin-paths keeps spaces in names' '
	printf "x" >"one two"
	printf "y" >" lead"
	cairn put -n -- "one two" " lead" >expect
	printf "one two\n lead\n" >list
	cairn put --stdin-paths <list >actual
	test_cmp expect actual
'

test_expect_success '-n writes nothing' '
	repo_listing .cairn >before
	cairn put -n -- "$IN"/small/* >ids
	cairn put -n --stdin-paths <"$IN/big.list" >>ids
	cairn put -n --stdin <"$IN/small/f.007" >>ids
	cairn put -n -t blob -- "$IN/small/f.008" >>ids
	test "$(cairn_stat objects)" = 0
	test "$(cairn_stat wal_records)" = 0
	repo_listing .cairn >after
	test_cmp before after
	for id in $(sed -n "1p;100p;\$p" ids)
	do
		test_must_fail --status=1 cairn cat -e "$id"
	done
	cairn put -- "$IN"/small/* >stored
	cairn put --stdin-paths <"$IN/big.list" >>stored
	cairn put --stdin <"$IN/small/f.007" >>stored
	cairn put -- "$IN/small/f.008" >>stored
	test_cmp ids stored
'

test_expect_success NOREPOABOVE '-n works outside a repository, as sha256' '
	norepo=$(mktemp -d "$TRASH_DIRECTORY/norepo.XXXXXX")
	cairn put -n -- "$IN/small/f.050" "$IN/small/f.000" >expect
	(cd "$norepo" && cairn put -n -- "$IN/small/f.050" "$IN/small/f.000") >actual
	test_cmp expect actual
	(cd "$norepo" && cairn put -n --stdin) <"$IN/small/f.050" >actual
	head -n 1 expect >expect1
	test_cmp expect1 actual
	test_path_is_missing "$norepo/.cairn"
	if test_have_prereq GITSHA256
	then
		sed -n 51p "$IN/small.sha256" >git
		sed -n 1p "$IN/small.sha256" >>git
		test_cmp git expect
	fi
'

test_expect_success '-t blob is the default' '
	cairn put -- "$IN/small/f.030" >expect
	cairn put -t blob -- "$IN/small/f.030" >actual
	test_cmp expect actual
	test "$(cairn_stat objects)" = 1
'

test_expect_success 'the same content twice in one put is stored once' '
	cp "$IN/small/f.040" copy
	cairn put -- "$IN/small/f.040" copy "$IN/small/f.040" >ids
	test_line_count = 3 ids
	test "$(sort -u ids | wc -l)" = 1
	test "$(cairn_stat objects)" = 1
'

test_expect_success 'put again in a new process dedups, before and after flush' '
	cairn put --stdin-paths <"$IN/small.list" >first
	sort -u first >unique
	n=$(wc -l <unique)
	test "$(cairn_stat objects)" = "$n"
	wal=$(cairn_stat wal_records)
	cairn put --stdin-paths <"$IN/small.list" >second
	test_cmp first second
	test "$(cairn_stat objects)" = "$n"
	test "$(cairn_stat wal_records)" = "$wal"
	cairn flush
	test "$(cairn_stat wal_records)" = 0
	test "$(cairn_stat objects)" = "$n"
	cairn put --stdin-paths <"$IN/small.list" >third
	test_cmp first third
	cairn put -- "$IN"/small/* >fourth
	test_cmp first fourth
	test "$(cairn_stat objects)" = "$n"
	test "$(cairn_stat wal_records)" = 0
	cairn cat --batch-check <unique >check
	awk "\$2 != \"blob\"" check >bad
	test_must_be_empty bad
'

test_expect_success 'large objects dedup after flush too' '
	cairn put --stdin-paths <"$IN/big.list" >first
	cairn flush
	cairn put --stdin-paths <"$IN/big.list" >second
	test_cmp first second
	test "$(cairn_stat objects)" = 7
	test "$(cairn_stat wal_records)" = 0
	cairn cat "$(sed -n 7p first)" >content
	test_cmp_bin "$IN/big/b.7" content
'

# make_git_objects <work tree>: commit a few files, with a subdirectory
# and an executable, and tag the commit; lists every object of the git
# repository as "<id> <type>" lines in ./objects.
make_git_objects () {
	mkdir -p "$1/sub" &&
	printf "top\n" >"$1/top" &&
	printf "inner\n" >"$1/sub/inner" &&
	printf "#!/bin/sh\n" >"$1/run" &&
	chmod +x "$1/run" &&
	git -C "$1" add . &&
	git -C "$1" commit -q -m "first" &&
	git -C "$1" tag -a -m "a tag" v1 &&
	git -C "$1" cat-file --batch-all-objects \
		--batch-check="%(objectname) %(objecttype)" >objects
}

# put_git_objects <git work tree> <cairn global option>...: put every object
# listed in ./objects with its type; each id must come out the same.
put_git_objects () {
	put_git_dir_=$1
	shift
	exec 3<objects
	while read -r id type <&3
	do
		git -C "$put_git_dir_" cat-file "$type" "$id" >raw || return 1
		cairn "$@" put -t "$type" raw >actual || return 1
		echo "$id" >expect
		test_cmp expect actual || return 1
		test "$(cairn "$@" cat -t "$id")" = "$type" || return 1
		cairn "$@" cat "$id" >back || return 1
		test_cmp_bin raw back || return 1
	done
	exec 3<&-
}

test_expect_success GIT 'trees, commits and tags made by git keep their ids (sha1)' '
	git init -q g
	make_git_objects g
	test_line_count = 7 objects
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	put_git_objects g -r s1
	test "$(cairn_stat objects -r s1)" = 7
'

test_expect_success GITSHA256 'trees, commits and tags made by git keep their ids (sha256)' '
	git init -q --object-format=sha256 g
	make_git_objects g
	test_line_count = 7 objects
	put_git_objects g
	test "$(cairn_stat objects)" = 7
'

test_done
