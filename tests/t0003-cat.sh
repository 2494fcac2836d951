#!/bin/sh
# t0003-cat: reading objects back with `cairn cat`: content, type, size,
# existence, prefixes, missing and ambiguous names, across flushes.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

IN=$TRASH_DIRECTORY/in

make_inputs () {
	mkdir -p "$IN" || return 1
	: >"$IN/empty" &&
	printf 'x' >"$IN/one" &&
	printf 'hello\n' >"$IN/hello" &&
	printf 'no newline' >"$IN/nonl" &&
	printf 'nul\000in\000the\000middle\n\377\376' >"$IN/nul" &&
	head -c 100000 /dev/urandom >"$IN/random" &&
	head -c 1048576 /dev/urandom >"$IN/mib" &&
	head -c 3000000 /dev/urandom >"$IN/large" &&
	head -c 2000000 /dev/zero >"$IN/zeros" &&
	awk 'BEGIN { for (i = 0; i < 20000; i++) print "text line", i }' \
		>"$IN/text" || return 1
	for f in "$IN"/*
	do
		echo "$f"
	done >"$IN.list"
}

# check_round_trip <id list> <path list> [<global option>...]: every object
# reads back byte-identical with plain cat, cat -p, and has the right -t/-s.
check_round_trip () {
	crt_ids_=$1
	crt_paths_=$2
	shift 2
	exec 4<"$crt_ids_" 5<"$crt_paths_"
	while read -r crt_id_ <&4 && read -r crt_path_ <&5
	do
		cairn "$@" cat "$crt_id_" >content || return 1
		test_cmp_bin "$crt_path_" content || return 1
		cairn "$@" cat -p "$crt_id_" >content || return 1
		test_cmp_bin "$crt_path_" content || return 1
		test "$(cairn "$@" cat -t "$crt_id_")" = blob || return 1
		test "$(cairn "$@" cat -s "$crt_id_")" = "$(wc -c <"$crt_path_" | tr -d " ")" ||
			return 1
		cairn "$@" cat -e "$crt_id_" >out || return 1
		test_must_be_empty out || return 1
	done
	exec 4<&- 5<&-
}

test_expect_success 'setup: generate inputs' '
	make_inputs
	test_line_count = 10 "$IN.list"
'

test_expect_success 'cat gives back exactly what put stored' '
	cairn put --stdin-paths <"$IN.list" >ids
	test_line_count = 10 ids
	check_round_trip ids "$IN.list"
'

test_expect_success 'cat -t, -s, -e and -p print only what is asked' '
	id=$(cairn put "$IN/hello")
	echo blob >expect
	cairn cat -t "$id" >actual
	test_cmp expect actual
	echo 6 >expect
	cairn cat -s "$id" >actual
	test_cmp expect actual
	cairn cat -e "$id" >actual 2>err
	test_must_be_empty actual
	test_must_be_empty err
	cairn cat -p "$id" >actual
	test_cmp "$IN/hello" actual
	cairn cat "$id" >actual 2>err
	test_cmp "$IN/hello" actual
	test_must_be_empty err
	id=$(cairn put "$IN/empty")
	echo 0 >expect
	cairn cat -s "$id" >actual
	test_cmp expect actual
	cairn cat "$id" >actual
	test_must_be_empty actual
'

test_expect_success 'a unique prefix names the object' '
	cairn put "$IN/hello" "$IN/nul" "$IN/one" >ids
	id=$(sed -n 1p ids)
	tested=0
	for len in 4 5 7 8 12 20 40 63 64
	do
		prefix=$(printf "%s" "$id" | cut -c 1-$len)
		if test "$(grep -c "^$prefix" ids)" = 1
		then
			cairn cat "$prefix" >actual
			test_cmp "$IN/hello" actual
			test "$(cairn cat -t "$prefix")" = blob
			test "$(cairn cat -s "$prefix")" = 6
			cairn cat -e "$prefix"
			tested=$((tested + 1))
		fi
	done
	test "$tested" -ge 6
'

test_expect_success 'a missing object: exit 1, nothing on stdout' '
	id=$(cairn put -n "$IN/hello")
	cairn put "$IN/one" >/dev/null
	test_must_fail --status=1 cairn cat "$id" >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	for opt in -t -s -p
	do
		test_must_fail --status=1 cairn cat $opt "$id" >out 2>err
		test_must_be_empty out
		test_stderr_one_line err
	done
	test_must_fail --status=1 cairn cat -e "$id" >out 2>err
	test_must_be_empty out
'

test_expect_success 'a prefix that matches nothing: exit 1' '
	id=$(cairn put "$IN/hello")
	first=$(printf "%s" "$id" | cut -c 1)
	case $first in
	0) other=1 ;;
	*) other=0 ;;
	esac
	test_must_fail --status=1 cairn cat "${other}abcdef" >out
	test_must_be_empty out
	test_must_fail --status=1 cairn cat -e "${other}abc"
'

test_expect_success 'fewer than 4 hex digits are not an object name' '
	id=$(cairn put "$IN/hello")
	short=$(printf "%s" "$id" | cut -c 1-3)
	test_must_fail --status=1,2 cairn cat "$short" >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	short=$(printf "%s" "$id" | cut -c 1)
	test_must_fail --status=1,2 cairn cat -e "$short" >out
	test_must_be_empty out
'

test_expect_success 'a ref name that names no ref is not found: exit 1' '
	cairn put "$IN/hello" >/dev/null
	for name in zzzz no-such-ref refs/heads/nothing deadbeefx
	do
		test_must_fail --status=1 cairn cat "$name" >out 2>err
		test_must_be_empty out
		test_stderr_one_line err
		test_must_fail --status=1 cairn cat -e "$name" >out
		test_must_be_empty out
	done
'

# find_collision: writes to ./pair two files whose ids share their first
# four hex digits, and to ./prefix that prefix.
find_collision () {
	mkdir -p gen || return 1
	for i in $(test_seq 1 3000)
	do
		echo "collide $i" >"gen/$i" || return 1
		echo "gen/$i"
	done >paths
	cairn put -n --stdin-paths <paths >ids || return 1
	test_line_count -eq 3000 ids || return 1
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
	test_line_count -eq 1 prefix
}

test_expect_success 'an ambiguous prefix: exit 2, says so' '
	find_collision
	cairn put --stdin-paths <pair >pair.ids
	cut -c 1-4 pair.ids | sort -u >p
	test_cmp prefix p
	p=$(cat prefix)
	test_must_fail --status=2 cairn cat "$p" >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	grep -i ambiguous err
	for opt in -t -s -e -p
	do
		test_must_fail --status=2 cairn cat $opt "$p" >out 2>err
		test_must_be_empty out
		test_stderr_one_line err
	done
	exec 3<pair.ids 4<pair
	while read -r id <&3 && read -r path <&4
	do
		cairn cat "$id" >actual
		test_cmp "$path" actual
	done
	exec 3<&- 4<&-
'

test_expect_success 'a longer prefix tells the two apart' '
	find_collision
	cairn put --stdin-paths <pair >pair.ids
	first=$(sed -n 1p pair.ids)
	second=$(sed -n 2p pair.ids)
	len=4
	while test "$(printf "%s" "$first" | cut -c 1-$len)" = \
		"$(printf "%s" "$second" | cut -c 1-$len)"
	do
		len=$((len + 1))
	done
	cairn cat "$(printf "%s" "$first" | cut -c 1-$len)" >actual
	test_cmp "$(sed -n 1p pair)" actual
	cairn cat "$(printf "%s" "$second" | cut -c 1-$len)" >actual
	test_cmp "$(sed -n 2p pair)" actual
'

test_expect_success 'ambiguity also counts objects only in the WAL or only in the index' '
	find_collision
	sed -n 1p pair | cairn put --stdin-paths >first.id
	cairn flush
	test "$(cairn_stat wal_records)" = 0
	sed -n 2p pair | cairn put --stdin-paths >second.id
	test_must_fail --status=2 cairn cat "$(cat prefix)" 2>err
	test_stderr_one_line err
	cairn flush
	test_must_fail --status=2 cairn cat "$(cat prefix)" 2>err
	test_stderr_one_line err
'

test_expect_success 'objects read back after flush, in a new process' '
	cairn put --stdin-paths <"$IN.list" >ids
	cairn flush
	test "$(cairn_stat wal_records)" = 0
	test "$(cairn_stat objects)" = 10
	check_round_trip ids "$IN.list"
'

test_expect_success 'objects read back across many flushes' '
	: >ids
	: >paths
	for i in $(test_seq 1 40)
	do
		printf "object %s\n" "$i" >"obj.$i"
		cairn put "obj.$i" >>ids
		echo "obj.$i" >>paths
		cairn flush
	done
	cairn put "$IN/hello" "$IN/text" >>ids
	echo "$IN/hello" >>paths
	echo "$IN/text" >>paths
	test "$(cairn_stat objects)" = 42
	cairn_stat index_segments >segments
	test "$(cat segments)" -ge 1
	check_round_trip ids paths
	missing=$(cairn put -n "$IN/one")
	test_must_fail --status=1 cairn cat -e "$missing"
	cairn flush
	check_round_trip ids paths
	test "$(cairn_stat wal_records)" = 0
'

test_expect_success 'objects read back from a repository at another path' '
	cairn put --stdin-paths <"$IN.list" >ids
	cairn flush
	mv .cairn moved.cairn
	check_round_trip ids "$IN.list" -r moved.cairn
	test_fsck_repo moved.cairn
'

test_expect_success 'a sha1 repository reads back too' '
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	cairn -r s1 put --stdin-paths <"$IN.list" >ids
	grep -E "^[0-9a-f]{40}$" ids >good
	test_cmp ids good
	check_round_trip ids "$IN.list" -r s1
	cairn -r s1 flush
	check_round_trip ids "$IN.list" -r s1
'

test_expect_success GIT 'cat -p of a tree prints git ls-tree lines' '
	git init -q g
	mkdir -p g/sub g/"odd name"
	printf "top\n" >g/top
	printf "inner\n" >g/sub/inner
	printf "odd\n" >g/"odd name"/file
	printf "#!/bin/sh\n" >g/run
	chmod +x g/run
	ln -s top g/link
	git -C g add .
	git -C g commit -q -m "a commit"
	git -C g tag -a -m "a tag" v1
	git -C g update-index --add \
		--cacheinfo "160000,$(git -C g rev-parse HEAD),module"
	tree=$(git -C g write-tree)
	git -C g cat-file --batch-all-objects \
		--batch-check="%(objectname) %(objecttype)" >objects
	cairn init --object-format=sha1 s1 >/dev/null
	test_fsck_repo s1
	exec 3<objects
	while read -r id type <&3
	do
		git -C g cat-file "$type" "$id" >raw
		cairn -r s1 put -t "$type" raw >/dev/null
	done
	exec 3<&-
	git -C g ls-tree "$tree" >expect
	cairn -r s1 cat -p "$tree" >actual
	test_cmp expect actual
	test "$(cairn -r s1 cat -t "$tree")" = tree
	git -C g cat-file -s "$tree" >expect
	cairn -r s1 cat -s "$tree" >actual
	test_cmp expect actual
	git -C g cat-file tree "$tree" >expect
	cairn -r s1 cat "$tree" >actual
	test_cmp_bin expect actual
	for name in HEAD v1 HEAD:sub
	do
		id=$(git -C g rev-parse "$name")
		git -C g cat-file -p "$id" >expect
		cairn -r s1 cat -p "$id" >actual
		test_cmp expect actual
	done
'

test_done
