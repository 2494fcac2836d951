#!/bin/sh
# t0004-batch: `cat --batch`/`--batch-check` against git cat-file, and the
# `put --batch` stream: copies between repositories, id-prefixed records,
# truncated and malformed streams.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

IN=$TRASH_DIRECTORY/in

make_inputs () {
	mkdir -p "$IN/f" || return 1
	: >"$IN/f/a.empty" &&
	printf 'x' >"$IN/f/a.one" &&
	printf 'hello\n' >"$IN/f/a.hello" &&
	printf 'no newline' >"$IN/f/a.nonl" &&
	printf '\n\n\n' >"$IN/f/a.newlines" &&
	printf 'nul\000in\000the\000middle\n\377' >"$IN/f/a.nul" &&
	printf 'blob 5\nhello\n' >"$IN/f/a.header" &&
	printf '0123456789abcdef missing\n' >"$IN/f/a.missing" &&
	head -c 100000 /dev/urandom >"$IN/f/a.random" &&
	head -c 2097152 /dev/urandom >"$IN/f/a.large" || return 1
	for i in $(test_seq 1 300)
	do
		echo "small object $i" >"$IN/f/s.$i" || return 1
	done
	for f in "$IN"/f/*
	do
		echo "$f"
	done >"$IN/list"
}

# make_names <ids> <missing ids> <prefix length>: object names for cat
# --batch on stdout: every id, unique prefixes of some, missing ids and
# missing prefixes mixed in, and a repeated id.
make_names () {
	awk -v missing="$2" -v plen="$3" '
	BEGIN {
		while ((getline line <missing) > 0)
			miss[nmiss++] = line
	}
	{
		ids[NR] = $0
		print
		if (NR % 25 == 1)
			print substr($0, 1, plen)
		if (NR % 40 == 0 && k < nmiss)
			print miss[k++]
		if (NR % 60 == 0)
			print substr(miss[0], 1, plen)
	}
	END {
		while (k < nmiss)
			print miss[k++]
		print ids[1]
		print ids[NR]
	}' "$1"
}

# missing_ids <count> [<git option>...]: ids of blobs nobody stored.
missing_ids () {
	mi_count_=$1
	shift
	for mi_i_ in $(test_seq 1 "$mi_count_")
	do
		echo "never stored $mi_i_" | git "$@" hash-object --stdin || return 1
	done
}

# compare_with_git <git dir> <cairn global option>...: --batch and
# --batch-check, LF and NUL-separated input, byte-identical to git.
compare_with_git () {
	cg_git_=$1
	shift
	git -C "$cg_git_" hash-object -w --no-filters --stdin-paths \
		<"$IN/list" >git.ids || return 1
	cairn "$@" put --stdin-paths <"$IN/list" >ids || return 1
	test_cmp git.ids ids || return 1
	missing_ids 8 -C "$cg_git_" >missing || return 1
	make_names ids missing 12 >names || return 1
	for cg_mode_ in --batch --batch-check
	do
		git -C "$cg_git_" cat-file "$cg_mode_" <names >expect || return 1
		cairn "$@" cat "$cg_mode_" <names >actual || return 1
		test_cmp_bin expect actual || return 1
		tr "\n" "\000" <names >names.z || return 1
		git -C "$cg_git_" cat-file "$cg_mode_" -z <names.z >expect || return 1
		cairn "$@" cat "$cg_mode_" -z <names.z >actual || return 1
		test_cmp_bin expect actual || return 1
	done
	grep " missing$" expect >/dev/null
}

test_expect_success 'setup: generate inputs' '
	make_inputs
	test_line_count = 310 "$IN/list"
'

test_expect_success GIT 'sha1: cat --batch and --batch-check match git cat-file' '
	git init -q g
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	compare_with_git g -r s1
'

test_expect_success GIT 'sha1: the same after flush' '
	git init -q g
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	cairn -r s1 put --stdin-paths <"$IN/list" >/dev/null
	cairn -r s1 flush
	compare_with_git g -r s1
	test "$(cairn_stat wal_records -r s1)" = 0
'

test_expect_success GITSHA256 'sha256: cat --batch and --batch-check match git cat-file' '
	git init -q --object-format=sha256 g
	compare_with_git g
	cairn flush
	cairn cat --batch <names >actual
	git -C g cat-file --batch <names >expect
	test_cmp_bin expect actual
'

test_expect_success GIT 'names that are not ids are missing, as in git' '
	git init -q g
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	printf "hello\n" >hello
	git -C g hash-object -w --no-filters "$PWD/hello" >id
	cairn -r s1 put hello >/dev/null
	{
		cat id
		echo no-such-ref
		echo refs/heads/nothing
		echo
		echo " "
		echo " $(cat id)"
		echo "$(cat id) "
		echo "$(cat id) trailing words"
		printf "%s\tx\n" "$(cat id)"
		echo "a b"
		echo "x^{tree}"
		echo "abc..def"
		cat id
	} >names
	git -C g cat-file --batch-check <names >expect
	cairn -r s1 cat --batch-check <names >actual
	test_cmp expect actual
	git -C g cat-file --batch <names >expect
	cairn -r s1 cat --batch <names >actual
	test_cmp_bin expect actual
'

# find_collision <cairn global option>...: two blobs whose ids share their
# first four hex digits; their contents in ./a and ./b, the prefix in
# ./prefix.
find_collision () {
	mkdir -p gen || return 1
	for i in $(test_seq 1 3000)
	do
		echo "collide $i" >"gen/$i" || return 1
		echo "gen/$i"
	done >paths
	cairn "$@" put -n --stdin-paths <paths >ids || return 1
	paste ids paths >both || return 1
	awk '{
		p = substr($1, 1, 4)
		if (p in seen) {
			print seen[p]
			print $2
			print p >"prefix"
			exit
		}
		seen[p] = $2
	}' both >pair || return 1
	test_line_count -eq 2 pair || return 1
	cp "$(sed -n 1p pair)" a && cp "$(sed -n 2p pair)" b
}

test_expect_success 'an ambiguous prefix in a batch is reported as such' '
	find_collision
	cairn put a b >ids
	p=$(cat prefix)
	printf "%s\n%s\n%s\n" "$(sed -n 1p ids)" "$p" "$(sed -n 2p ids)" >names
	cairn cat --batch-check <names >actual
	{
		echo "$(sed -n 1p ids) blob $(wc -c <a | tr -d " ")"
		echo "$p ambiguous"
		echo "$(sed -n 2p ids) blob $(wc -c <b | tr -d " ")"
	} >expect
	test_cmp expect actual
'

test_expect_success GIT 'an ambiguous prefix in a batch: as git says' '
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	find_collision -r s1
	cairn -r s1 put a b >ids
	git init -q g
	git -C g hash-object -w --no-filters "$PWD/a" "$PWD/b" >git.ids
	test_cmp git.ids ids
	{ cat ids; cat prefix; cut -c 1-5 ids; } >names
	for mode in --batch --batch-check
	do
		git -C g cat-file $mode <names >expect
		cairn -r s1 cat $mode <names >actual
		test_cmp_bin expect actual
	done
'

test_expect_success '--no-verify changes nothing for sound objects' '
	cairn put --stdin-paths <"$IN/list" >ids
	cairn cat --batch <ids >expect
	cairn cat --no-verify --batch <ids >actual
	test_cmp_bin expect actual
	id=$(sed -n 3p ids)
	cairn cat --no-verify "$id" >actual
	cairn cat "$id" >expect
	test_cmp_bin expect actual
'

test_expect_success 'batch output format, without git' '
	printf "hello\n" >hello
	id=$(cairn put hello)
	missing=$(cairn put -n "$IN/f/a.one")
	printf "%s\n%s\n" "$id" "$missing" >names
	printf "%s blob 6\nhello\n\n%s missing\n" "$id" "$missing" >expect
	cairn cat --batch <names >actual
	test_cmp_bin expect actual
	printf "%s blob 6\n%s missing\n" "$id" "$missing" >expect
	cairn cat --batch-check <names >actual
	test_cmp expect actual
'

test_expect_success 'a missing object leaves the batch exit status alone' '
	missing=$(cairn put -n "$IN/f/a.one")
	echo "$missing" >names
	cairn cat --batch <names >actual
	echo "$missing missing" >expect
	test_cmp expect actual
	cairn cat --batch-check <names >actual
	test_cmp expect actual
'

test_expect_success 'empty input: no output, success' '
	cairn put "$IN/f/a.hello" >/dev/null
	cairn cat --batch </dev/null >out
	test_must_be_empty out
	cairn cat --batch-check </dev/null >out
	test_must_be_empty out
	cairn cat --batch -z </dev/null >out
	test_must_be_empty out
'

test_expect_success '-Z: NUL-separated input and output' '
	cairn put --stdin-paths <"$IN/list" >ids
	cairn put -n "$IN/f/a.one" >/dev/null
	printf "never stored\n" >never
	cairn put -n never >missing
	make_names ids missing 12 >names
	cairn cat --batch-check <names >check
	tr "\n" "\000" <names >names.z
	tr "\n" "\000" <check >expect
	cairn cat --batch-check -Z <names.z >actual
	test_cmp_bin expect actual
	: >expect
	exec 3<check
	while read -r name type size <&3
	do
		if test "$type" = missing
		then
			printf "%s missing\000" "$name" >>expect
		else
			printf "%s %s %s\000" "$name" "$type" "$size" >>expect
			cairn cat "$name" >>expect
			printf "\000" >>expect
		fi
	done
	exec 3<&-
	cairn cat --batch -Z <names.z >actual
	test_cmp_bin expect actual
'

test_expect_success GIT '-Z matches git cat-file -Z where git has it' '
	if git cat-file -h 2>&1 | grep -e "^ *-Z " >/dev/null
	then
		git init -q g
		cairn init --object-format=sha1 s1 >/dev/null
		test_fsck_repo s1
		git -C g hash-object -w --no-filters --stdin-paths <"$IN/list" >ids
		cairn -r s1 put --stdin-paths <"$IN/list" >/dev/null
		missing_ids 3 -C g >missing
		make_names ids missing 12 | tr "\n" "\000" >names.z
		for mode in --batch --batch-check
		do
			git -C g cat-file $mode -Z <names.z >expect
			cairn -r s1 cat $mode -Z <names.z >actual
			test_cmp_bin expect actual
		done
	else
		echo "this git has no cat-file -Z; covered by the previous test"
	fi
'

test_expect_success 'cat --batch | put --batch copies objects and verifies them' '
	cairn put --stdin-paths <"$IN/list" >ids
	cairn cat --batch <ids >stream
	cairn init B >/dev/null
	test_fsck_repo B
	cairn -r B put --batch <stream >copied
	test_cmp ids copied
	test "$(cairn_stat objects -r B)" = 310
	cairn -r B cat --batch <ids >stream2
	test_cmp_bin stream stream2
	cairn -r B put --batch <stream >again
	test_cmp ids again
	test "$(cairn_stat objects -r B)" = 310
'

test_expect_success 'the copy also works across a flush on both sides' '
	cairn put --stdin-paths <"$IN/list" >ids
	cairn flush
	cairn cat --batch <ids >stream
	cairn init B >/dev/null
	test_fsck_repo B
	cairn -r B put --batch <stream >copied
	test_cmp ids copied
	cairn -r B flush
	cairn -r B cat --batch <ids >stream2
	test_cmp_bin stream stream2
'

test_expect_success GIT 'put --batch reads what git cat-file --batch writes' '
	git init -q g
	mkdir -p g/sub
	printf "top\n" >g/top
	printf "inner\n" >g/sub/inner
	git -C g add .
	git -C g commit -q -m first
	git -C g tag -a -m "a tag" v1
	git -C g hash-object -w --no-filters --stdin-paths <"$IN/list" >/dev/null
	git -C g cat-file --batch-all-objects --batch-check="%(objectname)" >ids
	git -C g cat-file --batch <ids >stream
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	cairn -r s1 put --batch <stream >actual
	test_cmp ids actual
	cairn -r s1 cat --batch <ids >copy
	test_cmp_bin stream copy
	git -C g cat-file --batch-all-objects --batch-check >expect
	cairn -r s1 cat --batch-check <ids >actual
	test_cmp expect actual
'

test_expect_success 'records without an id get their id computed' '
	printf "hello\n" >hello
	printf "" >empty
	{
		printf "blob 6\n"
		cat hello
		printf "\n"
		printf "blob 0\n\n"
		printf "blob %s\n" "$(wc -c <"$IN/f/a.nul" | tr -d " ")"
		cat "$IN/f/a.nul"
		printf "\n"
	} >stream
	cairn put -n hello empty "$IN/f/a.nul" >expect
	cairn put --batch <stream >actual
	test_cmp expect actual
	test "$(cairn_stat objects)" = 3
	cairn cat "$(sed -n 3p actual)" >content
	test_cmp_bin "$IN/f/a.nul" content
'

test_expect_success 'id-prefixed records are checked' '
	printf "hello\n" >hello
	id=$(cairn put -n hello)
	printf "%s blob 6\nhello\n\n" "$id" >stream
	cairn put --batch <stream >actual
	echo "$id" >expect
	test_cmp expect actual
	cairn cat -e "$id"
'

test_expect_success 'a record whose id does not match: exit 2, not stored' '
	printf "hello\n" >hello
	printf "other\n" >other
	good=$(cairn put -n hello)
	wrong=$(cairn put -n other)
	printf "%s blob 6\nhello\n\n%s blob 6\nhello\n\n" "$good" "$wrong" >stream
	test_must_fail --status=2 cairn put --batch <stream >out 2>err
	echo "$good" >expect
	test_cmp expect out
	test_stderr_one_line err
	cairn cat -e "$good"
	test_must_fail --status=1 cairn cat -e "$wrong"
	test "$(cairn_stat objects)" = 1
'

test_expect_success 'a mismatching id alone stores nothing' '
	printf "hello\n" >hello
	printf "other\n" >other
	wrong=$(cairn put -n other)
	printf "%s blob 6\nhello\n\n" "$wrong" >stream
	test_must_fail --status=2 cairn put --batch <stream >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	test "$(cairn_stat objects)" = 0
	test_must_fail --status=1 cairn cat -e "$(cairn put -n hello)"
'

# check_bad_stream <good records> <bad tail>: the good records are stored
# and printed, the stream fails with 2, and nothing else is stored.
check_bad_stream () {
	printf "%b" "$1" >stream || return 1
	printf "%b" "$2" >>stream || return 1
	cbs_before_=$(cairn_stat objects) || return 1
	cbs_status_=0
	cairn put --batch <stream >out 2>err || cbs_status_=$?
	if test "$cbs_status_" != 2
	then
		echo "check_bad_stream: exit status $cbs_status_, expected 2" >&9
		return 1
	fi
	test_stderr_one_line err || return 1
	printf "%b" "$1" >good || return 1
	cairn put -n --batch <good >expect || return 1
	test_cmp expect out || return 1
	test "$(cairn_stat objects)" = "$((cbs_before_ + $(wc -l <expect)))" ||
		return 1
	cat out >>stored
}

test_expect_success 'truncated streams: earlier records kept, the torn one not' '
	: >stored
	good="blob 6\nfirst\n\nblob 7\nsecond\n\n"
	check_bad_stream "$good" "blob 100\n0123456789"
	check_bad_stream "blob 2\nab\n" "blob 5\nhel"
	check_bad_stream "" "blob 5"
	check_bad_stream "blob 2\ncd\n" "blob 5\n"
	printf "0123456789" >torn
	printf "hel" >torn2
	test_must_fail --status=1 cairn cat -e "$(cairn put -n torn)"
	test_must_fail --status=1 cairn cat -e "$(cairn put -n torn2)"
	test "$(cairn_stat objects)" = 4
	cairn cat --batch-check <stored >check
	awk "\$2 != \"blob\"" check >bad
	test_must_be_empty bad
'

test_expect_success 'a stream missing the LF after the last content fails' '
	check_bad_stream "blob 2\nef\n" "blob 5\nhello"
	printf "hello" >h
	test_must_fail --status=1 cairn cat -e "$(cairn put -n h)"
'

test_expect_success 'wrong sizes: exit 2' '
	check_bad_stream "" "blob 3\nhello\n"
	check_bad_stream "blob 1\na\n" "blob 7\nhello\nblob 1\nx\n"
	check_bad_stream "blob 1\nb\n" "blob 2\nhello\n"
	test "$(cairn_stat objects)" = 2
'

test_expect_success 'malformed headers: exit 2' '
	check_bad_stream "" "blob abc\nabc\n"
	check_bad_stream "" "blob -1\n\n"
	check_bad_stream "" "blob\nx\n"
	check_bad_stream "" "blob 1 extra\nx\n"
	check_bad_stream "" "blob  1\nx\n"
	check_bad_stream "" "blob 99999999999999999999999999\nx\n"
	check_bad_stream "" "nosuchtype 1\nx\n"
	check_bad_stream "" "zz blob 1\nx\n"
	check_bad_stream "" "\n"
	check_bad_stream "blob 1\nc\n" "garbage\n"
	test "$(cairn_stat objects)" = 1
'

test_expect_success 'invalid object content in a batch: exit 2, not stored' '
	check_bad_stream "blob 1\nd\n" "tree 5\nhello\n"
	check_bad_stream "" "commit 5\nhello\n"
	check_bad_stream "" "tag 5\nhello\n"
	test "$(cairn_stat objects)" = 1
'

test_expect_success 'put -n --batch prints ids and stores nothing' '
	cairn put --stdin-paths <"$IN/list" >ids
	cairn cat --batch <ids >stream
	cairn init B >/dev/null
	test_fsck_repo B
	cairn -r B put -n --batch <stream >actual
	test_cmp ids actual
	test "$(cairn_stat objects -r B)" = 0
	test "$(cairn_stat wal_records -r B)" = 0
'

test_expect_success 'an empty put --batch stream stores nothing' '
	cairn put --batch </dev/null >out
	test_must_be_empty out
	test "$(cairn_stat objects)" = 0
'

test_done
