#!/bin/sh
# t0092-bundle: bundle create, verify, list and unbundle on a real history
# (merges, an annotated and a light tag, an executable, a symlink, a file
# deleted and added again) and on this source tree's own history: a
# bundle carries exactly the objects git rev-list --objects lists, with
# --not exactly those of git rev-list --objects <tips> ^<prerequisites>;
# list and unbundle print the ref lines and unbundle moves no ref; a
# bundle whose prerequisites the repository lacks is refused and stores
# nothing; several refs, a tag, a tree and a blob in one bundle; every
# kind of damage (a flipped byte, a truncation anywhere, a byte appended,
# a wrong checksum, count, magic or header line, another object format)
# refused with exit status 1 and one line, nothing stored that does not
# hash to its id; verify outside any repository; usage errors; create to
# a missing directory, onto an existing file, failing half way, to
# standard output; unbundle from a pipe; a multi-megabyte blob.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

test_self_git

test_git_identity

# make_history <dir>: a branch main of five commits with a merge of a
# branch side, an annotated tag v1 of the merge and a light tag light;
# main~2 is the merge's first parent, and main adds again a file that
# main~3 deleted (so that it is in no tree of main~2).
make_history () {
	git init -q "$1" &&
	git -C "$1" symbolic-ref HEAD refs/heads/main &&
	mkdir -p "$1/dir/sub" &&
	printf 'one\n' >"$1/a" &&
	printf 'b\n' >"$1/dir/b" &&
	printf 'deep\n' >"$1/dir/sub/deep" &&
	printf '#!/bin/sh\necho run\n' >"$1/run" &&
	chmod +x "$1/run" &&
	ln -s a "$1/link" &&
	printf 'comes back\n' >"$1/gone" &&
	git -C "$1" add -A &&
	git -C "$1" commit -q -m one &&
	git -C "$1" rm -q gone &&
	printf 'two\n' >>"$1/a" &&
	git -C "$1" commit -q -a -m two &&
	git -C "$1" checkout -q -b side &&
	printf 'side\n' >"$1/s" &&
	git -C "$1" add s &&
	git -C "$1" commit -q -m side &&
	git -C "$1" checkout -q main &&
	printf 'b, changed\n' >"$1/dir/b" &&
	git -C "$1" commit -q -a -m three &&
	git -C "$1" merge -q --no-ff --no-edit side &&
	git -C "$1" tag -a -m "tag one" v1 &&
	git -C "$1" tag light main~1 &&
	printf 'comes back\n' >"$1/gone" &&
	chmod -x "$1/run" &&
	git -C "$1" add -A &&
	git -C "$1" commit -q -m five
}

# git_objects <git dir> <out> <rev>...: the sorted ids of git rev-list
# --objects <rev>...
git_objects () {
	go_dir_=$1 go_out_=$2
	shift 2
	git --git-dir="$go_dir_" rev-list --objects "$@" >"$go_out_.list" &&
	cut -d " " -f 1 "$go_out_.list" | sort >"$go_out_"
}

# objects_of <repo> <out>: the sorted ids of every object of <repo>.
objects_of () {
	cairn -r "$1" cat --batch-all-objects --batch-check="%(objectname)" \
	    >"$2.list" &&
	sort "$2.list" >"$2"
}

# bundle_records <bundle> [<id length>]: "header <length>", then
# "object <offset> <type> <size> <id>" for each object record (the id
# 20 bytes long unless told), "end <offset> <count>" and "checksum
# <offset> <bytes left>", read with od alone.
bundle_records () {
	od -An -v -tu1 "$1" | awk -v idlen="${2:-20}" '
	{ for (i = 1; i <= NF; i++) b[n++] = $i }
	END {
		for (off = 0; off + 1 < n; off++)
			if (b[off] == 10 && b[off + 1] == 10)
				break
		off += 2
		print "header", off
		while (off + 9 <= n) {
			sz = 0
			for (i = 1; i < 9; i++)
				sz = sz * 256 + b[off + i]
			if (b[off] == 0) {
				print "end", off, sz
				off += 9
				break
			}
			id = ""
			for (i = 0; i < idlen; i++)
				id = id sprintf("%02x", b[off + 9 + i])
			print "object", off, b[off], sz, id
			off += 9 + idlen + sz
		}
		print "checksum", off, n - off
	}'
}

# record_field <records> <kind> <n> <field>: field <field> of the <n>th
# line of <kind> in the output of bundle_records.
record_field () {
	awk -v k="$2" -v n="$3" -v f="$4" \
	    '$1 == k && ++i == n { print $f }' "$1"
}

# reseal <bundle>: replace its last 32 bytes by the SHA-256 of the rest,
# so that the checksum matches again.
reseal () {
	rs_len_=$(wc -c <"$1") &&
	head -c "$((rs_len_ - 32))" "$1" >"$1.body" &&
	rs_sum_=$(sha256sum "$1.body") &&
	cat "$1.body" >"$1" &&
	hex_to_bin "${rs_sum_%% *}" >>"$1" &&
	rm -f "$1.body"
}

# edit_header <bundle> <sed script>: edit the header's text, leaving the
# bytes after it alone.
edit_header () {
	bundle_records "$1" >"$1.recs" &&
	eh_len_=$(record_field "$1.recs" header 1 2) &&
	head -c "$eh_len_" "$1" >"$1.hdr" &&
	sed "$2" "$1.hdr" >"$1.new" &&
	tail -c "+$((eh_len_ + 1))" "$1" >>"$1.new" &&
	mv "$1.new" "$1" &&
	rm -f "$1.hdr" "$1.recs"
}

# names <pattern> <file>: <file> matches <pattern>.
names () {
	grep -e "$1" "$2" >/dev/null || {
		echo "'$2' does not match '$1':" >&9
		cat "$2" >&9
		return 1
	}
}

# refused <bundle> <pattern>: in a fresh SHA-1 repository R, verify and
# unbundle both exit 1 with nothing on stdout and one line on stderr
# matching "is not a valid bundle" and <pattern>; R is then whole, and
# holds nothing but objects of main (the ids of the file all).
refused () {
	echo "refused: $1 ($2)" >&9
	rm -rf R &&
	cairn init --object-format=sha1 R >/dev/null &&
	test_must_fail --status=1 cairn -r R bundle verify "$1" >out 2>err &&
	test_must_be_empty out &&
	test_stderr_one_line err &&
	names "is not a valid bundle: " err &&
	names "$2" err &&
	test_must_fail --status=1 cairn -r R bundle unbundle "$1" >out 2>err &&
	test_must_be_empty out &&
	test_stderr_one_line err &&
	names "is not a valid bundle: " err &&
	names "$2" err &&
	cairn -r R fsck >/dev/null &&
	objects_of R stored &&
	comm -13 all stored >extra &&
	test_must_be_empty extra
}

test_expect_success GIT 'a history: verify, list, unbundle the objects git rev-list --objects lists' '
	make_history g
	import_history g A
	cairn -r A bundle create b.bundle heads/main >out
	test_must_be_empty out
	cairn init --object-format=sha1 B >/dev/null
	test_fsck_repo B
	cairn -r B bundle verify b.bundle >out
	git_objects g/.git expect main
	n=$(wc -l <expect)
	test "$n" -gt 20
	echo "b.bundle is okay: 1 refs, $n objects, 0 prerequisites" >expect.verify
	test_cmp expect.verify out
	git -C g rev-parse main >id
	echo "$(cat id) heads/main" >expect.list
	cairn -r B bundle list b.bundle >out
	test_cmp expect.list out
	objects_of B before
	test_must_be_empty before
	cairn -r B bundle unbundle b.bundle >out
	test_cmp expect.list out
	objects_of B actual
	test_cmp expect actual
	cairn -r B ref list >refs
	test_must_be_empty refs
	cairn -r B fsck >/dev/null
	cairn -r B archive heads/main~0 >/dev/null 2>err && exit 1
	cairn -r B archive "$(cat id)" >actual.tar
	git -C g archive --format=tar main >expect.tar
	test_cmp_bin expect.tar actual.tar
	cairn -r B bundle unbundle b.bundle >out
	test_cmp expect.list out
	objects_of B again
	test_cmp expect again
'

test_expect_success GIT 'the header: magic, object format, prerequisites, refs, count' '
	make_history g
	import_history g A
	cairn -r A bundle create inc.bundle heads/main --not heads/main~2
	git -C g rev-parse main~2 >base
	git -C g rev-parse main >tip
	git_objects g/.git inc main ^main~2
	n=$(wc -l <inc)
	printf "%s\n" "# cairn bundle v1" "object-format sha1" \
	    "prerequisite $(cat base)" "ref $(cat tip) heads/main" \
	    "objects $n" "" >expect
	head -n 6 inc.bundle >actual
	test_cmp expect actual
	bundle_records inc.bundle >recs
	record_field recs end 1 3 >count
	echo "$n" >expect.count
	test_cmp expect.count count
	record_field recs checksum 1 3 >left
	echo 32 >expect.left
	test_cmp expect.left left
	off=$(record_field recs checksum 1 2)
	head -c "$off" inc.bundle >body
	sha256sum body >sum
	hex_to_bin "$(cut -d " " -f 1 sum)" >expect.sum
	tail -c 32 inc.bundle >actual.sum
	test_cmp_bin expect.sum actual.sum
	awk "\$1 == \"object\" { print \$5 }" recs | sort >ids
	test_cmp inc ids
'

test_expect_success GIT 'prerequisites: refused and nothing stored until they are there' '
	make_history g
	import_history g A
	cairn -r A bundle create inc.bundle heads/main --not heads/main~2
	cairn -r A bundle create base.bundle heads/main~2
	git -C g rev-parse main~2 >base
	git_objects g/.git all main
	git_objects g/.git inc main ^main~2
	git_objects g/.git old main~2
	cairn init --object-format=sha1 B >/dev/null
	test_fsck_repo B
	test_must_fail --status=1 cairn -r B bundle verify inc.bundle >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	names "prerequisite.*$(cat base)" err
	test_must_fail --status=1 cairn -r B bundle unbundle inc.bundle >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	names "prerequisite.*$(cat base)" err
	objects_of B stored
	test_must_be_empty stored
	cairn -r B bundle list inc.bundle >out
	echo "$(git -C g rev-parse main) heads/main" >expect
	test_cmp expect out
	cairn -r B bundle unbundle base.bundle >out
	echo "$(cat base) $(cat base)" >expect.base
	test_cmp expect.base out
	objects_of B stored
	test_cmp old stored
	cairn -r B bundle verify inc.bundle >out
	echo "inc.bundle is okay: 1 refs, $(wc -l <inc | tr -d " ") objects, 1 prerequisites" >expect.verify
	test_cmp expect.verify out
	cairn -r B bundle unbundle inc.bundle >out
	test_cmp expect out
	objects_of B actual
	test_cmp all actual
	comm -13 old actual >new
	comm -23 inc old >expect.new
	test_cmp expect.new new
	cairn -r B ref list >refs
	test_must_be_empty refs
'

test_expect_success GIT,NOREPOABOVE 'verify outside any repository: the prerequisites are not checked' '
	make_history g
	import_history g A
	cairn -r A bundle create inc.bundle heads/main --not heads/main~2
	cairn -r A bundle create b.bundle heads/main
	git_objects g/.git inc main ^main~2
	n=$(wc -l <inc)
	outside=$(mktemp -d "$TRASH_DIRECTORY/outside.XXXXXX")
	cp inc.bundle b.bundle "$outside"
	(
		cd "$outside"
		unset CAIRN_DIR
		cairn bundle verify inc.bundle >out
		echo "inc.bundle is okay: 1 refs, $n objects, 1 prerequisites" >expect
		test_cmp expect out
		cairn bundle list inc.bundle >out
		echo "$(git -C "$SCRATCH/g" rev-parse main) heads/main" >expect
		test_cmp expect out
		cairn bundle verify - <b.bundle >out
		names "^standard input is okay: 1 refs, [0-9]* objects, 0 prerequisites\$" out
		flip_byte b.bundle 200
		test_must_fail --status=1 cairn bundle verify b.bundle >out 2>err
		test_stderr_one_line err
		names "is not a valid bundle" err
		test_must_fail cairn bundle unbundle inc.bundle 2>err
		test_stderr_one_line err
		test_path_is_missing .cairn
	)
'

test_expect_success GIT 'several refs and tags in one bundle' '
	make_history g
	import_history g A
	cairn -r A ref list >refs
	cut -d " " -f 2 refs >names
	test_line_count = 4 names
	cairn -r A bundle create m.bundle $(cat names)
	cairn -r A bundle list m.bundle >out
	test_cmp refs out
	cairn init --object-format=sha1 B >/dev/null
	test_fsck_repo B
	cairn -r B bundle unbundle m.bundle >out
	test_cmp refs out
	git_objects g/.git expect main side v1 light
	objects_of B actual
	test_cmp expect actual
	git -C g cat-file -t v1 >type
	echo tag >expect.type
	test_cmp expect.type type
	cairn -r B cat -t "$(git -C g rev-parse v1)" >type
	test_cmp expect.type type
	cairn -r B ref list >out
	test_must_be_empty out
	while read -r id name
	do
		cairn -r B ref set "$name" "$id"
	done <refs
	cairn -r B ref list >out
	test_cmp refs out
'

test_expect_success GIT 'a tree and a blob: the ref line is the id' '
	make_history g
	import_history g A
	git -C g rev-parse "main^{tree}" >tree
	git -C g rev-parse main:dir/b >blob
	t=$(cat tree)
	b=$(cat blob)
	cairn -r A bundle create t.bundle "heads/main^{tree}" "$b"
	printf "%s %s\n" "$t" "$t" "$b" "$b" >expect
	cairn -r A bundle list t.bundle >out
	test_cmp expect out
	cairn init --object-format=sha1 B >/dev/null
	test_fsck_repo B
	cairn -r B bundle unbundle t.bundle >out
	test_cmp expect out
	git_objects g/.git objs "$t" "$b"
	objects_of B actual
	test_cmp objs actual
	cairn -r A bundle create b.bundle "heads/main:dir/b"
	printf "%s %s\n" "$b" "$b" >expect
	cairn -r A bundle list b.bundle >out
	test_cmp expect out
	cairn -r A bundle verify b.bundle >out
	echo "b.bundle is okay: 1 refs, 1 objects, 0 prerequisites" >expect
	test_cmp expect out
'

test_expect_success GIT 'an abbreviated id names no ref: its ref line is the full id' '
	make_history g
	import_history g A
	git -C g rev-parse "main^{tree}" >tree
	t=$(cat tree)
	short=$(printf "%.12s" "$t")
	cairn -r A rev-parse "$short" >resolved
	test_cmp tree resolved
	cairn -r A bundle create t.bundle "$short"
	echo "$t $t" >expect
	cairn -r A bundle list t.bundle >out
	test_cmp expect out
'

test_expect_success GIT 'damaged bundles: exit 1, one line, nothing stored that fails its hash' '
	make_history g
	import_history g A
	cairn -r A bundle create b.bundle heads/main
	git_objects g/.git all main
	bundle_records b.bundle >recs
	hdr=$(record_field recs header 1 2)
	nobj=$(grep -c "^object " recs)
	test "$nobj" = "$(wc -l <all | tr -d " ")"
	end=$(record_field recs end 1 2)
	sum=$(record_field recs checksum 1 2)
	size=$(wc -c <b.bundle)
	test "$((sum + 32))" = "$size"

	# A byte of the content of the objects in the middle, one a blob.
	for k in $((nobj / 2)) $(awk "\$1 == \"object\" && \$3 == 1 { print ++i }" recs | tail -n 1)
	do
		test "$k" -gt 0
		off=$(record_field recs object "$k" 2)
		sz=$(record_field recs object "$k" 4)
		id=$(record_field recs object "$k" 5)
		test "$sz" -gt 0
		cp b.bundle x.bundle
		flip_byte x.bundle "$((off + 29 + sz / 2))"
		refused x.bundle "object $id"
		test_must_fail --status=1 cairn -r R cat -e "$id"
	done

	# Its type byte, and a byte of its id.
	k=$((nobj / 2))
	off=$(record_field recs object "$k" 2)
	id=$(record_field recs object "$k" 5)
	cp b.bundle x.bundle
	flip_byte x.bundle "$off"
	refused x.bundle "unknown type"
	test_must_fail --status=1 cairn -r R cat -e "$id"
	cp b.bundle x.bundle
	flip_byte x.bundle "$((off + 9 + 7))"
	refused x.bundle "object "
	test_must_fail --status=1 cairn -r R cat -e "$id"

	# Truncated in the header, in a record header, in a content, at the
	# end record, in the checksum, by a byte.
	for t in 0 1 17 $((hdr - 1)) "$hdr" $((hdr + 5)) $((hdr + 9 + 20 + 3)) \
	    $((end - 1)) "$end" $((end + 4)) "$sum" $((sum + 16)) $((size - 1))
	do
		head -c "$t" b.bundle >x.bundle
		refused x.bundle "truncated"
	done

	cp b.bundle x.bundle
	printf x >>x.bundle
	refused x.bundle "bytes follow its checksum"

	cp b.bundle x.bundle
	flip_byte x.bundle "$((sum + 31))"
	refused x.bundle "checksum does not match"
	cp b.bundle x.bundle
	flip_byte x.bundle "$sum"
	refused x.bundle "checksum does not match"

	# The count of the header, the checksum made to match again.
	for c in $((nobj - 1)) $((nobj + 1)) 0
	do
		cp b.bundle x.bundle
		edit_header x.bundle "s/^objects $nobj\$/objects $c/"
		reseal x.bundle
		names "^objects $c\$" x.bundle
		refused x.bundle "count does not match"
	done
	# The count of the end record, likewise.
	cp b.bundle x.bundle
	flip_byte x.bundle "$((end + 8))"
	reseal x.bundle
	refused x.bundle "object stream ends after $nobj objects"

	cp b.bundle x.bundle
	edit_header x.bundle "1s/v1/v2/"
	refused x.bundle "does not begin with"
	cp b.bundle x.bundle
	edit_header x.bundle "2a\\
frobnicate yes"
	reseal x.bundle
	refused x.bundle "header line is not known"
	cp b.bundle x.bundle
	edit_header x.bundle "s/^objects /objects  /"
	reseal x.bundle
	refused x.bundle "objects line is malformed"
	cp b.bundle x.bundle
	edit_header x.bundle "s/^ref \\([0-9a-f]*\\)[0-9a-f] /ref \\1 /"
	reseal x.bundle
	refused x.bundle "ref line is malformed"
	cp b.bundle x.bundle
	edit_header x.bundle "s/^object-format sha1/object-format md5/"
	reseal x.bundle
	refused x.bundle "object-format"

	# Intact, it still goes in whole.
	rm -rf R
	cairn init --object-format=sha1 R >/dev/null
	cairn -r R bundle unbundle b.bundle >out
	objects_of R stored
	test_cmp all stored
'

test_expect_success GIT 'a flipped end record (read as an error record) is damage: exit 1' '
	make_history g
	import_history g A
	cairn -r A bundle create b.bundle heads/main
	git_objects g/.git all main
	bundle_records b.bundle >recs
	end=$(record_field recs end 1 2)
	cp b.bundle x.bundle
	flip_byte x.bundle "$end"
	refused x.bundle "."
'

test_expect_success GIT 'what the refs reach must all be there after unbundle' '
	b=$(printf "nope\n" | git hash-object --stdin)
	tree_entry 100644 missing "$b" >tree
	t=$(git hash-object -t tree tree)
	{
		printf "# cairn bundle v1\nobject-format sha1\nref %s %s\nobjects 1\n\n" "$t" "$t"
		hex_to_bin "02$(printf %016x "$(wc -c <tree)")$t"
		cat tree
		hex_to_bin 000000000000000001
		printf "%032d" 0
	} >x.bundle
	reseal x.bundle
	cairn init --object-format=sha1 R >/dev/null
	cairn -r R bundle verify x.bundle >out
	test_must_fail --status=1 cairn -r R bundle unbundle x.bundle >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	names "$b" err
'

test_expect_success 'another object format: refused, nothing stored' '
	printf "in sha256\n" >f
	cairn put f >id
	cairn bundle create s.bundle "$(cat id)"
	head -n 2 s.bundle >hdr
	names "^object-format sha256\$" hdr
	cairn init --object-format=sha1 R >/dev/null
	test_fsck_repo R
	test_must_fail --status=1 cairn -r R bundle verify s.bundle >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	names sha256 err
	test_must_fail --status=1 cairn -r R bundle unbundle s.bundle >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	names sha256 err
	objects_of R stored
	test_must_be_empty stored
	printf "in sha1\n" >g
	cairn -r R put g >id1
	cairn -r R bundle create s1.bundle "$(cat id1)"
	test_must_fail --status=1 cairn bundle unbundle s1.bundle >out 2>err
	test_stderr_one_line err
	test_must_fail --status=1 cairn cat -e "$(cat id1)"
	cairn init S >/dev/null
	test_fsck_repo S
	cairn -r S bundle unbundle s.bundle >out
	echo "$(cat id) $(cat id)" >expect
	test_cmp expect out
	cairn -r S cat "$(cat id)" >back
	test_cmp f back
'

test_expect_success 'usage errors exit 2, a missing bundle 1' '
	printf "x\n" >f
	cairn put f >id
	cairn bundle create ok.bundle "$(cat id)"
	for args in "" "frob" "frob ok.bundle" "verify" "list" "unbundle" \
	    "create" "create x.bundle" "create x.bundle --not $(cat id)" \
	    "create x.bundle heads/main~x" "create x.bundle heads/main^{nope}" \
	    "create x.bundle ..bad" "verify ok.bundle ok.bundle" \
	    "list ok.bundle ok.bundle" "unbundle ok.bundle ok.bundle"
	do
		echo "bundle $args" >&9
		test_must_fail --status=2 cairn bundle $args >out 2>err
		test_must_be_empty out
		test_stderr_one_line err
	done
	test_path_is_missing x.bundle
	for sub in verify list unbundle
	do
		test_must_fail --status=1 cairn bundle $sub nosuch.bundle >out 2>err
		test_must_be_empty out
		test_stderr_one_line err
		names nosuch.bundle err
	done
	test_must_fail --status=1 cairn bundle create x.bundle heads/nosuch >out 2>err
	test_stderr_one_line err
	test_path_is_missing x.bundle
'

test_expect_success GIT 'create: a missing directory, an existing file, a failure half way, stdout' '
	make_history g
	import_history g A
	mkdir out
	test_must_fail cairn -r A bundle create nodir/x.bundle heads/main >o 2>err
	test_stderr_one_line err
	test_path_is_missing nodir
	ls -a >list
	names "x\\.bundle" list && exit 1
	cairn -r A bundle create out/x.bundle heads/main
	cairn -r A bundle create - heads/main >full.bundle
	test_cmp_bin full.bundle out/x.bundle
	b=$(git -C g rev-parse main:a)
	cairn -r A bundle create - "$b" >small.bundle
	cairn -r A bundle create out/x.bundle "$b"
	test_cmp_bin small.bundle out/x.bundle
	printf "%s\n" . .. x.bundle >expect
	ls -a out >list
	test_cmp expect list
	cairn -r A bundle verify - <small.bundle >o
	echo "standard input is okay: 1 refs, 1 objects, 0 prerequisites" >expect.o
	test_cmp expect.o o

	# A tree whose blob is missing: create fails after opening its file.
	missing=$(printf "not here\n" | git hash-object --stdin)
	tree_entry 100644 f "$missing" >tree
	cairn init --object-format=sha1 M >/dev/null
	cairn -r M put -t tree tree >tid
	cp full.bundle out/x.bundle
	test_must_fail cairn -r M bundle create out/x.bundle "$(cat tid)" >o 2>err
	test_must_be_empty o
	test_stderr_one_line err
	names "$missing" err
	test_cmp_bin full.bundle out/x.bundle
	ls -a out >list
	test_cmp expect list
'

test_expect_success GIT 'unbundle from standard input, a pipe or a file' '
	make_history g
	import_history g A
	cairn -r A bundle create b.bundle heads/main
	git_objects g/.git all main
	echo "$(git -C g rev-parse main) heads/main" >expect
	cairn init --object-format=sha1 C >/dev/null
	test_fsck_repo C
	cat b.bundle | cairn -r C bundle unbundle - >out
	test_cmp expect out
	objects_of C actual
	test_cmp all actual
	cairn init --object-format=sha1 D >/dev/null
	test_fsck_repo D
	cairn -r D bundle unbundle - <b.bundle >out
	test_cmp expect out
	objects_of D actual
	test_cmp all actual
	cairn -r A bundle create - heads/main | cairn -r D bundle verify - >out
	names "^standard input is okay: 1 refs" out
	flip_byte b.bundle 300
	cairn init --object-format=sha1 E >/dev/null
	test_fsck_repo E
	test_must_fail --status=1 cairn -r E bundle unbundle - <b.bundle >out 2>err
	test_stderr_one_line err
	names "standard input is not a valid bundle" err
'

test_expect_success GIT 'a multi-megabyte blob goes through whole' '
	git init -q g
	git -C g symbolic-ref HEAD refs/heads/main
	seq 1 1000000 >g/big
	printf "small\n" >g/small
	git -C g add big small
	git -C g commit -q -m big
	import_history g A
	cairn -r A bundle create b.bundle heads/main
	cairn init --object-format=sha1 B >/dev/null
	test_fsck_repo B
	cairn -r B bundle verify b.bundle >out
	cairn -r B bundle unbundle b.bundle >out
	git_objects g/.git all main
	objects_of B actual
	test_cmp all actual
	id=$(git -C g rev-parse main:big)
	cairn -r B cat "$id" >back
	test_cmp_bin g/big back
	head -n 4 b.bundle >/dev/null
	hdr=$(sed -n "1,/^\$/p" b.bundle | wc -c)
	test "$hdr" -lt 200
	cairn -r A bundle create big.bundle "$id"
	hdr=$(head -n 5 big.bundle | wc -c)
	flip_byte big.bundle "$((hdr + 29 + 3000000))"
	cairn init --object-format=sha1 R >/dev/null
	test_fsck_repo R
	test_must_fail --status=1 cairn -r R bundle unbundle big.bundle >out 2>err
	test_stderr_one_line err
	names "object $id" err
	test_must_fail --status=1 cairn -r R cat -e "$id"
'

test_expect_success SELFGIT 'this source tree: every ref in one bundle' '
	fmt=$(git --git-dir="$SELF" rev-parse --show-object-format)
	cairn init --object-format="$fmt" A >/dev/null
	cairn -r A import --git "$SELF" --refs >/dev/null
	cairn -r A ref list >refs
	cut -d " " -f 2 refs >names
	cairn -r A bundle create all.bundle $(cat names)
	cairn init --object-format="$fmt" B >/dev/null
	test_fsck_repo B
	cairn -r B bundle verify all.bundle >out
	cairn -r B bundle list all.bundle >out
	test_cmp refs out
	cairn -r B bundle unbundle all.bundle >out
	test_cmp refs out
	git_objects "$SELF" expect --all
	objects_of B actual
	test_cmp expect actual
	cairn -r B ref list >out
	test_must_be_empty out
'

test_expect_success GIT 'a ref line with an invalid name is damage; a FIFO is written' '
	make_history g
	import_history g A
	cairn -r A bundle create b.bundle heads/main
	sed "s|^ref \\([0-9a-f]*\\) heads/main\$|ref \\1 ../../etc/x|" b.bundle >x.bundle
	test_must_fail --status=1 cairn bundle verify x.bundle 2>err
	test_stderr_one_line err
	grep "invalid name" err
	mkfifo f
	cat f >got &
	pid=$!
	cairn -r A bundle create f heads/main
	wait "$pid"
	test_cmp_bin b.bundle got
'

test_done
