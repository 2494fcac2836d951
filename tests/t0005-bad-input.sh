#!/bin/sh
# t0005-bad-input: wrong options, names, files, types and streams get the
# documented exit status and a one-line error, and store nothing.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# fails_with <status> <command>...: the command exits with <status>, prints
# nothing on stdout and exactly one `cairn: ` line on stderr.
fails_with () {
	fw_status_=$1
	shift
	test_must_fail --status="$fw_status_" "$@" >fw.out 2>fw.err || return 1
	test_must_be_empty fw.out || return 1
	test_stderr_one_line fw.err
}

test_expect_success 'an unknown command: exit 2' '
	fails_with 2 cairn frobnicate
	fails_with 2 cairn frobnicate --help
	fails_with 2 cairn PUT
'

test_expect_success 'unknown global options: exit 2' '
	fails_with 2 cairn --no-such-option stats
	fails_with 2 cairn -x stats
	fails_with 2 cairn -r
	fails_with 2 cairn -C
'

test_expect_success 'unknown options of each command: exit 2, nothing changed' '
	echo content >file
	for cmd in init put cat stats flush config
	do
		fails_with 2 cairn $cmd --no-such-option
		fails_with 2 cairn $cmd -Y
	done
	fails_with 2 cairn put --no-such-option file
	fails_with 2 cairn put -Y file
	fails_with 2 cairn init --no-such-option newrepo
	test_path_is_missing newrepo
	test "$(cairn_stat objects)" = 0
'

test_expect_success 'missing or extra arguments: exit 2' '
	: >empty
	id=$(cairn put empty)
	fails_with 2 cairn cat
	fails_with 2 cairn cat -t
	fails_with 2 cairn cat -e
	fails_with 2 cairn cat "$id" "$id"
	fails_with 2 cairn cat -t -s "$id"
	fails_with 2 cairn cat -p -e "$id"
	fails_with 2 cairn cat --batch "$id"
	fails_with 2 cairn cat --batch --batch-check
	fails_with 2 cairn cat --batch -t "$id"
	fails_with 2 cairn put -t
	fails_with 2 cairn stats extra
	fails_with 2 cairn flush extra
	fails_with 2 cairn config
	fails_with 2 cairn config a.b c d
	fails_with 2 cairn config --list extra
	fails_with 2 cairn init one two
	test_path_is_missing one
	test_path_is_missing two
	test "$(cairn_stat objects)" = 1
'

test_expect_success 'malformed object names: exit 2, also for -e' '
	: >empty
	id=$(cairn put empty)
	for name in "" "a b" "abc..def" "x^" "x~1" "a:b" "a?" "a*" "a[b" \
		"back\\slash" "@" "x@{1}" "/lead" "trail/" "a//b" ".hidden" \
		"a/.b" "x.lock" "end." "$(printf "ctl\001x")" "tab	x"
	do
		fails_with 2 cairn cat "$name"
		fails_with 2 cairn cat -e "$name"
		fails_with 2 cairn cat -t "$name"
	done
	long=$(printf "%0300d" 0 | tr 0 x)
	fails_with 2 cairn cat "$long"
	fails_with 2 cairn cat -e "$long"
'

test_expect_success 'hex names of the wrong length do not crash' '
	: >empty
	id=$(cairn put empty)
	test_must_fail --status=1,2 cairn cat "${id}0" >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	test_must_fail --status=1,2 cairn cat -e "${id}${id}" >out
	test_must_be_empty out
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	id1=$(cairn -r s1 put empty)
	test_must_fail --status=1,2 cairn -r s1 cat "${id1}0" >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	test_must_fail --status=1,2 cairn -r s1 cat "$id" >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
'

test_expect_success 'a hex id not in the repository: exit 1, even for -e' '
	id=$(echo absent | cairn put -n --stdin)
	fails_with 1 cairn cat "$id"
	fails_with 1 cairn cat -t "$id"
	fails_with 1 cairn cat -s "$id"
	fails_with 1 cairn cat -p "$id"
	test_must_fail --status=1 cairn cat -e "$id" >out
	test_must_be_empty out
'

test_expect_success 'a non-existent input file: exit 2, no id for it' '
	fails_with 2 cairn put nosuch
	grep nosuch fw.err
	fails_with 2 cairn put -n nosuch
	fails_with 2 cairn put -- nosuch
	fails_with 2 cairn put ""
	test "$(cairn_stat objects)" = 0
	test "$(cairn_stat wal_records)" = 0
'

# only_ids <output> <id>...: every line of <output> is one of the ids, in
# the given order, and every printed id is stored.
only_ids () {
	oi_out_=$1
	shift
	for oi_id_
	do
		echo "$oi_id_"
	done >oi.allowed || return 1
	awk 'NR == FNR { allowed[$0] = NR; next }
		!($0 in allowed) || allowed[$0] <= last { bad = 1 }
		{ last = allowed[$0] }
		END { exit bad }' oi.allowed "$oi_out_" || {
		echo "only_ids: unexpected output:" >&9
		cat "$oi_out_" >&9
		return 1
	}
	while read -r oi_line_
	do
		cairn cat -e "$oi_line_" || return 1
	done <"$oi_out_"
}

test_expect_success 'a non-existent file among good ones: exit 2' '
	echo one >a
	echo two >b
	ida=$(cairn put -n a)
	idb=$(cairn put -n b)
	test_must_fail --status=2 cairn put a nosuch b >out 2>err
	test_stderr_one_line err
	only_ids out "$ida" "$idb"
	test_must_fail --status=2 cairn put nosuch a >out 2>err
	test_stderr_one_line err
	only_ids out "$ida"
'

test_expect_success 'a directory given as a file: exit 2' '
	mkdir dir
	fails_with 2 cairn put dir
	fails_with 2 cairn put -n dir
	fails_with 2 cairn put .
	echo dir >list
	fails_with 2 cairn put --stdin-paths <list
	test "$(cairn_stat objects)" = 0
'

test_expect_success '--stdin-paths with a bad path: exit 2, no id for it' '
	echo one >a
	echo two >b
	ida=$(cairn put -n a)
	idb=$(cairn put -n b)
	printf "a\nnosuch\nb\n" >list
	test_must_fail --status=2 cairn put --stdin-paths <list >out 2>err
	test_stderr_one_line err
	only_ids out "$ida" "$idb"
	printf "a\000dir-missing\000" >list.z
	test_must_fail --status=2 cairn put -z --stdin-paths <list.z >out 2>err
	test_stderr_one_line err
	only_ids out "$ida"
'

test_expect_success 'a bad -t type: exit 2, nothing stored' '
	echo content >file
	for type in bogus Blob BLOB "" "blob " tre blobs
	do
		fails_with 2 cairn put -t "$type" file
		fails_with 2 cairn put -n -t "$type" file
	done
	fails_with 2 cairn put -t bogus --stdin <file
	test "$(cairn_stat objects)" = 0
'

test_expect_success 'content that is not a valid tree, commit or tag: exit 2' '
	printf "hello\n" >hello
	for type in tree commit tag
	do
		fails_with 2 cairn put -t $type hello
		fails_with 2 cairn put -t $type --stdin <hello
	done
	test "$(cairn_stat objects)" = 0
'

test_expect_success 'trees must be well formed and sorted' '
	: >empty
	blob=$(cairn put empty)
	{ tree_entry 100644 a "$blob"; tree_entry 100644 b "$blob"; } >good
	tree=$(cairn put -t tree good)
	test "$(cairn cat -t "$tree")" = tree
	n=$(cairn_stat objects)
	{ tree_entry 100644 b "$blob"; tree_entry 100644 a "$blob"; } >unsorted
	fails_with 2 cairn put -t tree unsorted
	{ tree_entry 100644 a "$blob"; tree_entry 100644 a "$blob"; } >duplicate
	fails_with 2 cairn put -t tree duplicate
	{ tree_entry 100644 a "$blob"; tree_entry 40000 a "$tree"; } >dupdir
	fails_with 2 cairn put -t tree dupdir
	tree_entry 100644 a "$blob" >full
	head -c "$(($(wc -c <full) - 1))" full >truncated
	fails_with 2 cairn put -t tree truncated
	tree_entry 10x644 a "$blob" >badmode
	fails_with 2 cairn put -t tree badmode
	{ printf "100644a\000"; hex_to_bin "$blob"; } >nospace
	fails_with 2 cairn put -t tree nospace
	{ printf "100644 a"; hex_to_bin "$blob"; } >nonul
	fails_with 2 cairn put -t tree nonul
	test "$(cairn_stat objects)" = "$n"
'

test_expect_success 'commits and tags need their headers' '
	: >empty
	blob=$(cairn put empty)
	tree_entry 100644 empty "$blob" >entries
	tree=$(cairn put -t tree entries)
	who="A U Thor <author@example.com> 1112911993 -0700"
	printf "tree %s\nauthor %s\ncommitter %s\n\nmessage\n" \
		"$tree" "$who" "$who" >commit
	commit=$(cairn put -t commit commit)
	test "$(cairn cat -t "$commit")" = commit
	printf "object %s\ntype commit\ntag v1\ntagger %s\n\nmessage\n" \
		"$commit" "$who" >tag
	tag=$(cairn put -t tag tag)
	test "$(cairn cat -t "$tag")" = tag
	n=$(cairn_stat objects)
	printf "author %s\ncommitter %s\n\nno tree\n" "$who" "$who" >bad
	fails_with 2 cairn put -t commit bad
	printf "tree nothex\nauthor %s\ncommitter %s\n\nx\n" "$who" "$who" >bad
	fails_with 2 cairn put -t commit bad
	printf "tree %s\n\nno author\n" "$tree" >bad
	fails_with 2 cairn put -t commit bad
	printf "object %s\ntag v1\ntagger %s\n\nno type\n" "$commit" "$who" >bad
	fails_with 2 cairn put -t tag bad
	printf "type commit\ntag v1\ntagger %s\n\nno object\n" "$who" >bad
	fails_with 2 cairn put -t tag bad
	test "$(cairn_stat objects)" = "$n"
'

test_expect_success 'bad put --batch streams store nothing of the bad record' '
	printf "blob 5\nhel" >torn
	fails_with 2 cairn put --batch <torn
	printf "blob x\nhello\n" >bad
	fails_with 2 cairn put --batch <bad
	printf "tree 6\nhello\n\n" >bad
	fails_with 2 cairn put --batch <bad
	test "$(cairn_stat objects)" = 0
	test "$(cairn_stat wal_records)" = 0
'

test_expect_success 'init on an existing repository: exit 1' '
	fails_with 1 cairn init
	fails_with 1 cairn init .cairn
	fails_with 1 cairn init "$PWD/.cairn"
	cairn init other >/dev/null
	test_fsck_repo other
	fails_with 1 cairn init other
	fails_with 1 cairn -C other/.. init other
'

test_expect_success 'init --compression out of range: exit 2' '
	fails_with 2 cairn init --compression=10 r1
	test_path_is_missing r1
	fails_with 2 cairn init --compression=abc r2
	test_path_is_missing r2
	cairn init --compression=0 r3 >/dev/null
	test_fsck_repo r3
'

test_expect_success NOREPOABOVE 'not a repository: exit 3 for every command' '
	norepo=$(mktemp -d "$TRASH_DIRECTORY/norepo.XXXXXX")
	: >empty
	id=$(cairn put -n empty)
	echo x >"$norepo/file"
	fails_with 3 cairn -C "$norepo" stats
	fails_with 3 cairn -C "$norepo" flush
	fails_with 3 cairn -C "$norepo" put file
	fails_with 3 cairn -C "$norepo" cat "$id"
	fails_with 3 cairn -C "$norepo" cat -e "$id"
	fails_with 3 cairn -C "$norepo" cat --batch </dev/null
	fails_with 3 cairn -C "$norepo" config --list
	fails_with 3 cairn -C "$norepo" config core.compression
	test_path_is_missing "$norepo/.cairn"
'

test_expect_success '-C to a missing directory fails cleanly' '
	test_must_fail --status=2,3 cairn -C does-not-exist stats >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
'

test_expect_success '--read-only: writes exit 3, reads work' '
	echo one >a
	echo two >b
	id=$(cairn put a)
	repo_before=$(cd .cairn && find . -type f -exec cksum {} + | sort)
	fails_with 3 cairn --read-only put b
	fails_with 3 cairn --read-only put --stdin <b
	fails_with 3 cairn --read-only flush
	fails_with 3 cairn --read-only config core.compression 1
	cairn --read-only cat "$id" >out
	test_cmp a out
	cairn --read-only cat -e "$id"
	cairn --read-only stats >/dev/null
	repo_after=$(cd .cairn && find . -type f -exec cksum {} + | sort)
	test "$repo_before" = "$repo_after"
	test_must_fail --status=1 cairn cat -e "$(cairn put -n b)"
'

test_expect_success 'config: bad keys and values' '
	cp .cairn/config before
	fails_with 2 cairn config object.format sha1
	fails_with 2 cairn config object.format sha256
	fails_with 2 cairn config no.such-key
	fails_with 2 cairn config no.such-key value
	fails_with 2 cairn config core.compression 42
	fails_with 2 cairn config core.compression abc
	test_cmp before .cairn/config
	test "$(cairn config object.format)" = sha256
'

test_expect_success 'a file name after -- may start with a dash' '
	printf "dash\n" >-n
	printf "dash\n" >plain
	cairn put -n plain >expect
	cairn put -- -n >actual
	test_cmp expect actual
	cairn cat -e "$(cat actual)"
'

test_expect_success 'a very long name in cat --batch is just missing' '
	: >empty
	cairn put empty >/dev/null
	long=$(printf "%0100000d" 0 | tr 0 x)
	echo "$long" >names
	cairn cat --batch-check <names >out
	echo "$long missing" >expect
	test_cmp expect out
	long=$(printf "%0100000d" 0 | tr 0 a)
	echo "$long" >names
	cairn cat --batch <names >out
	echo "$long missing" >expect
	test_cmp expect out
'

test_done
