#!/bin/sh
# t0068-repair: fsck --repair and --salvage on structural damage.  Nothing
# of the repository is followed through a symbolic link (a sentinel tree
# outside it never changes), a FIFO never blocks, what is missing is made
# anew, no intact record is ever deleted, every damaged state ends in a
# repository that opens, reads what was intact and can be gc'd; findings
# are one a line with names quoted, and --json encodes names losslessly.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317,SC2034
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

if command -v python3 >/dev/null 2>&1
then
	test_set_prereq PYTHON
fi
if touch -d '2 hours ago' "$TRASH_DIRECTORY/.touch-d" 2>/dev/null
then
	test_set_prereq TOUCHD
fi
if command -v mkfifo >/dev/null 2>&1
then
	test_set_prereq FIFO
fi
# A 200 MB address space limit the build can run under (not a sanitizer's).
if (ulimit -v 200000 && cairn help >/dev/null 2>&1)
then
	test_set_prereq ULIMIT_V
fi

# sum_tree <dir>: one line per entry (type, name, content checksum).
sum_tree () {
	(cd "$1" && find . -print | LC_ALL=C sort | while IFS= read -r st_f_
	do
		if test -L "$st_f_"
		then
			echo "link $st_f_ $(readlink "$st_f_")"
		elif test -f "$st_f_"
		then
			echo "file $st_f_ $(cksum <"$st_f_")"
		else
			echo "dir $st_f_"
		fi
	done)
}

# sentinel <dir>: a tree outside the repository that must never change:
# old files with names a repair would remove in tmp/ or index/.
sentinel () {
	mkdir -p "$1/sub" &&
	echo precious >"$1/tmp-1234" &&
	echo precious >"$1/9.idx" &&
	echo precious >"$1/objects.99.data" &&
	echo precious >"$1/sub/keep" &&
	touch -d '2 hours ago' "$1/tmp-1234" "$1/9.idx" "$1/objects.99.data" &&
	sum_tree "$1" >"$1.sum"
}

sentinel_same () {
	sum_tree "$1" >"$1.now" &&
	test_cmp "$1.sum" "$1.now"
}

# some_objects: a few objects flushed and a few only in the WAL, a ref;
# their ids in ids, contents in obj/<id>.
some_objects () {
	mkdir -p obj &&
	: >ids || return 1
	for so_i_ in 1 2 3 4 5 6
	do
		echo "object number $so_i_" >o &&
		so_id_=$(cairn put o) &&
		cp o "obj/$so_id_" &&
		echo "$so_id_" >>ids || return 1
		test "$so_i_" = 3 && { cairn flush || return 1; }
	done
	cairn ref set main "$(head -n 1 ids)"
}

# all_read: every object of ids (but those in lost) reads back as it was
# put.
all_read () {
	touch lost &&
	while read -r ar_id_
	do
		grep -qx "$ar_id_" lost && continue
		cairn cat "$ar_id_" >got &&
		test_cmp "obj/$ar_id_" got || return 1
	done <ids
}

# works: the repository opens, reads everything, takes a put, a flush
# and a gc, and fsck is clean.
works () {
	all_read &&
	echo "one more" | cairn put --stdin >/dev/null &&
	cairn flush &&
	cairn gc --prune=never >/dev/null &&
	all_read &&
	cairn fsck
}

test_expect_success TOUCHD 'a symlinked tmp/: reported, repair removes the link, never what it names' '
	some_objects &&
	sentinel "$PWD/outside" &&
	rmdir .cairn/tmp &&
	ln -s "$PWD/outside" .cairn/tmp &&
	test_must_fail --status=1 cairn fsck >out &&
	grep -Fx "error layout tmp: is a symbolic link" out &&
	! grep "tmp-1234" out &&
	cairn fsck --repair >out &&
	grep -Fx "error layout tmp: is a symbolic link (repaired)" out &&
	sentinel_same "$PWD/outside" &&
	test -d .cairn/tmp && ! test -L .cairn/tmp &&
	works
'

test_expect_success TOUCHD 'a symlinked index/: reported, repair removes the link, never what it names' '
	some_objects &&
	sentinel "$PWD/outside" &&
	cp .cairn/index/* outside/ &&
	sum_tree outside >outside.sum &&
	rm -r .cairn/index &&
	ln -s "$PWD/outside" .cairn/index &&
	test_must_fail --status=1 cairn fsck >out &&
	grep -Fx "error layout index: is a symbolic link" out &&
	cairn fsck --repair >out &&
	sentinel_same "$PWD/outside" &&
	test -d .cairn/index && ! test -L .cairn/index &&
	works
'

test_expect_success 'a symlinked refs/ is reported and replaced by a directory' '
	some_objects &&
	mkdir outside &&
	cp -R .cairn/refs outside/refs &&
	sum_tree outside >outside.sum &&
	rm -r .cairn/refs &&
	ln -s "$PWD/outside/refs" .cairn/refs &&
	test_must_fail --status=1 cairn fsck >out &&
	grep -Fx "error layout refs: is a symbolic link" out &&
	cairn fsck --repair >out &&
	sum_tree outside >outside.now &&
	test_cmp outside.sum outside.now &&
	test -d .cairn/refs && ! test -L .cairn/refs &&
	works
'

for what in tmp refs index lock gc.lock
do
	test_expect_success "a missing $what is reported and made anew" "
		some_objects &&
		rm -rf .cairn/$what &&
		test_must_fail --status=1 cairn fsck >out &&
		grep -Fx 'error layout $what: missing' out &&
		cairn fsck --repair >out &&
		grep -Fx 'error layout $what: missing (repaired)' out &&
		test -e .cairn/$what &&
		cairn ref set other \"\$(head -n 1 ids)\" &&
		works
	"
done

test_expect_success FIFO 'a FIFO in place of a lock file or directory never blocks' '
	some_objects &&
	rm .cairn/gc.lock &&
	mkfifo .cairn/gc.lock &&
	test_must_fail --status=1 test_timeout 10 cairn fsck >out &&
	grep -Fx "error layout gc.lock: is not a regular file" out &&
	test_timeout 10 cairn fsck --repair >out &&
	test -f .cairn/gc.lock &&
	works
'

test_expect_success FIFO 'a FIFO in place of the WAL, a segment, a ref or a tmp file never blocks' '
	some_objects &&
	cp -R .cairn saved &&
	for f in "$(sed -n "s/^wal //p" .cairn/manifest)" \
		"$(sed -n "s/^segment \([^ ]*\) .*/\1/p" .cairn/manifest)" \
		refs/main
	do
		rm -rf .cairn && cp -R saved .cairn &&
		rm ".cairn/$f" && mkfifo ".cairn/$f" &&
		test_must_fail --status=1 test_timeout 10 cairn fsck >out ||
			return 1
		grep -F " ${f#refs/}: " out || return 1
	done &&
	rm -rf .cairn && cp -R saved .cairn &&
	mkfifo .cairn/tmp/fifo &&
	test_timeout 10 cairn fsck --repair >out &&
	grep -Fx "warning tmp tmp/fifo: leftover temporary file (repaired)" out &&
	test_path_is_missing .cairn/tmp/fifo
'

test_expect_success 'a WAL replaced by a symlink is reported; repair keeps its objects' '
	some_objects &&
	wal=$(sed -n "s/^wal //p" .cairn/manifest) &&
	mv ".cairn/$wal" outside.wal &&
	cksum <outside.wal >outside.sum &&
	ln -s "$PWD/outside.wal" ".cairn/$wal" &&
	test_must_fail --status=1 cairn fsck >out &&
	grep "^error wal $wal: .*symbolic link" out &&
	cairn fsck --repair >out &&
	cksum <outside.wal >outside.now &&
	test_cmp outside.sum outside.now &&
	works
'

test_expect_success PYTHON 'a manifest whose next number is in use is reported and repaired' '
	some_objects &&
	python3 - .cairn/manifest <<-\EOF &&
	import sys, zlib
	p = sys.argv[1]
	lines = open(p).read().split("\n")
	lines = [("next 1" if l.startswith("next ") else l) for l in lines
		 if l and not l.startswith("crc ")]
	body = "\n".join(lines) + "\n"
	open(p, "w").write(body + "crc %08x\n" % zlib.crc32(body.encode()))
	EOF
	test_must_fail --status=1 cairn fsck >out &&
	grep "^error manifest manifest: next file number 1 is not above" out &&
	cairn fsck --repair >out &&
	works &&
	echo two more | cairn put --stdin >/dev/null &&
	cairn flush &&
	all_read
'

test_expect_success 'a damaged data file header with a large object in the WAL: repair keeps both' '
	cairn config core.bigFileThreshold 1024 &&
	some_objects &&
	test_seq 1 3000 >big &&
	id=$(cairn put big) &&
	cp big "obj/$id" && echo "$id" >>ids &&
	grep -q "^wal " .cairn/manifest &&
	data=$(sed -n "s/^data \([^ ]*\) .*/\1/p" .cairn/manifest) &&
	printf XXXX | dd of=".cairn/$data" bs=1 seek=0 conv=notrunc 2>/dev/null &&
	test_must_fail --status=1 cairn fsck >out &&
	grep -Fx "error data $data: bad file header" out &&
	cairn fsck --repair >out &&
	works
'

# rec_off <repo> <n>: the offset of the n-th record (from 1) of the data file.
rec_off () {
	ro_data_=$(sed -n "s/^data \([^ ]*\) .*/\1/p" "$1/manifest") &&
	od -An -v -tu1 "$1/$ro_data_" | awk -v want="$2" '
	{ for (i = 1; i <= NF; i++) b[n++] = $i }
	END {
		off = 16
		for (k = 1; off + 80 <= n; k++) {
			if (k == want) { print off; exit }
			st = 0
			for (i = 16; i < 24; i++)
				st = st * 256 + b[off + i]
			off += 80 + (b[off + 4] == 1 ? st : 0)
		}
	}'
}

data_of () {
	sed -n "s/^data \([^ ]*\) .*/\1/p" .cairn/manifest
}

test_expect_success 'a damaged record in the middle of the data file: --salvage keeps the rest, reports the loss' '
	some_objects &&
	lost=$(sed -n 2p ids) &&
	data=$(data_of) &&
	off=$(rec_off .cairn 2) &&
	flip_byte ".cairn/$data" $((off + 8)) &&
	test_must_fail --status=1 cairn fsck >out &&
	test_must_fail cairn gc --prune=never &&
	test_must_fail --status=1 cairn fsck --salvage >out &&
	grep -Fx "error object $lost: lost: no intact record of it was found" out &&
	echo "$lost" >lost &&
	test -f ".cairn/quarantine/1/$data" &&
	test -f .cairn/quarantine/1/manifest &&
	works
'

test_expect_success 'a data file truncated below its watermark: --salvage keeps what the WAL holds' '
	some_objects &&
	data=$(data_of) &&
	off=$(rec_off .cairn 3) &&
	size=$(wc -c <".cairn/$data") &&
	dd if=/dev/null of=".cairn/$data" bs=1 seek=$((off + 10)) count=0 2>/dev/null &&
	test_must_fail --status=1 cairn fsck >out &&
	grep "^error data $data: shorter" out &&
	test_must_fail --status=1 cairn fsck --salvage >out &&
	sed -n 3p ids >lost &&
	grep -Fx "error object $(cat lost): lost: no intact record of it was found" out &&
	test "$(grep -c "lost:" out)" = 1 &&
	works
'

test_expect_success 'a ref whose target is lost is moved into the quarantine' '
	some_objects &&
	head -n 1 ids >lost &&
	data=$(data_of) &&
	flip_byte ".cairn/$data" $((16 + 85)) &&
	test_must_fail --status=1 cairn fsck --salvage >out &&
	grep -Fx "error ref main: lost: points to $(cat lost), which no intact record holds (moved to quarantine/1/refs/main)" out &&
	test_path_is_missing .cairn/refs/main &&
	test_cmp .cairn/quarantine/1/refs/main lost &&
	works
'

test_expect_success 'records only a stray data file holds are salvaged from it' '
	some_objects &&
	data=$(data_of) &&
	cp ".cairn/$data" .cairn/objects.90.data &&
	flip_byte ".cairn/$data" $((16 + 85)) &&
	test_must_fail --status=1 cairn fsck >out &&
	cairn fsck --salvage >out &&
	test_path_is_missing .cairn/objects.90.data &&
	test -f .cairn/quarantine/1/objects.90.data &&
	works
'

test_expect_success 'a WAL damaged before whole batches: --salvage keeps every intact batch' '
	some_objects &&
	wal=$(sed -n "s/^wal //p" .cairn/manifest) &&
	flip_byte ".cairn/$wal" $((16 + 85)) &&
	test_must_fail --status=1 cairn fsck >out &&
	cairn fsck --salvage >out &&
	works
'

# Objects 4-6 are only in the WAL's batches once the data file is cut at
# its watermark; the first of them is damaged.
test_expect_success 'a WAL damaged before whole batches the data file lacks: --repair leaves it to --salvage' '
	some_objects &&
	wal=$(sed -n "s/^wal //p" .cairn/manifest) &&
	data=$(data_of) &&
	wm=$(sed -n "s/^data [^ ]* \([0-9]*\)\$/\1/p" .cairn/manifest) &&
	truncate -s "$wm" ".cairn/$data" &&
	flip_byte ".cairn/$wal" $((16 + 85)) &&
	cp ".cairn/$wal" wal.before &&
	test_must_fail --status=1 cairn fsck --repair >out &&
	grep "^error wal $wal@16: .*fsck --salvage keeps every intact batch)\$" out &&
	test_cmp_bin wal.before ".cairn/$wal" &&
	test_must_fail --status=1 cairn fsck --salvage >out &&
	grep -Fx "error object $(sed -n 4p ids): lost: no intact record of it was found" out &&
	sed -n 4p ids >lost &&
	test "$(grep -c "lost:" out)" = 1 &&
	works
'

test_expect_success 'a damaged data file header: --salvage also ends in a working repository' '
	some_objects &&
	data=$(data_of) &&
	printf XXXX | dd of=".cairn/$data" bs=1 seek=0 conv=notrunc 2>/dev/null &&
	cairn fsck --salvage >out &&
	works
'

test_expect_success ULIMIT_V 'a stray data file is read a record at a time' '
	some_objects &&
	data=$(data_of) &&
	off=$(rec_off .cairn 2) &&
	dd if=".cairn/$data" of=.cairn/objects.77.data bs=1 count="$off" 2>/dev/null &&
	dd if=/dev/null of=.cairn/objects.77.data bs=1M seek=300 count=0 2>/dev/null &&
	touch -d "2 hours ago" .cairn/objects.77.data &&
	(ulimit -v 200000 && test_must_fail --status=1 cairn fsck >out) &&
	grep -Fx "warning stray objects.77.data: not named by the manifest" out &&
	rm .cairn/objects.77.data
'

test_expect_success TOUCHD 'a name with a newline makes one quoted finding line' '
	name=$(printf "a\nerror forged x: y") &&
	echo x >".cairn/tmp/$name" &&
	touch -d "2 hours ago" ".cairn/tmp/$name" &&
	test_must_fail --status=1 cairn fsck >out &&
	test_line_count = 1 out &&
	printf "%s\n" "warning tmp \"tmp/a\\nerror forged x: y\": leftover temporary file" >expect &&
	test_cmp expect out &&
	cairn fsck --repair >out &&
	test_line_count = 1 out
'

test_expect_success PYTHON 'names of every byte value: quoted lines and --json give them back exactly' '
	python3 - .cairn/tmp <<-\EOF &&
	import os, sys
	d = sys.argv[1].encode()
	for b in range(1, 256):
	    if b == 0x2f:
	        continue
	    p = os.path.join(d, b"n" + bytes([b]) + b"\xc3\xbf")
	    open(p, "wb").close()
	    os.utime(p, (0, 0))
	p = os.path.join(d, b"valid \xe2\x82\xac \xed\xa0\x80 \xc3")
	open(p, "wb").close()
	os.utime(p, (0, 0))
	EOF
	test_must_fail --status=1 cairn fsck --json >json &&
	test_must_fail --status=1 cairn fsck >text &&
	python3 - .cairn/tmp json text <<-\EOF
	import json, os, re, sys
	want = set(b"tmp/" + n for n in os.listdir(sys.argv[1].encode()))
	assert len(want) == 255, len(want)
	doc = json.loads(open(sys.argv[2], "rb").read())
	got = set(f["subject"].encode("utf-8", "surrogateescape")
	          for f in doc["findings"] if f["kind"] == "tmp")
	assert got == want, (sorted(want - got), sorted(got - want))
	esc = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13,
	       "\"": 34, "\\": 92}
	def unquote(s):
	    if not s.startswith(b"\""):
	        return s
	    assert s.endswith(b"\""), s
	    out, i, s = bytearray(), 0, s[1:-1]
	    while i < len(s):
	        if s[i] != 92:
	            out.append(s[i]); i += 1
	        elif chr(s[i + 1]) in esc:
	            out.append(esc[chr(s[i + 1])]); i += 2
	        else:
	            out.append(int(s[i + 1:i + 4], 8)); i += 4
	    return bytes(out)
	lines = open(sys.argv[3], "rb").read().split(b"\n")
	assert lines[-1] == b""
	got = set()
	for l in lines[:-1]:
	    m = re.match(rb"warning tmp (\"(?:[^\"\\]|\\.)*\"|[^ :\"]+): leftover temporary file$", l)
	    assert m, l
	    got.add(unquote(m.group(1)))
	assert got == want, (sorted(want - got), sorted(got - want))
	EOF
	cairn fsck --repair >/dev/null
'

test_expect_success FIFO 'a FIFO in place of the data file: fsck, --repair and --salvage never block' '
	some_objects &&
	data=$(data_of) &&
	mv ".cairn/$data" saved.data &&
	mkfifo ".cairn/$data" &&
	test_must_fail --status=1 test_timeout 10 cairn fsck >out &&
	grep "^error data $data: cannot read: is not a regular file" out &&
	test_must_fail --status=1 test_timeout 10 cairn fsck --repair >out &&
	test_must_fail --status=1 test_timeout 10 cairn fsck --salvage >out &&
	test -p ".cairn/quarantine/1/$data" &&
	sed -n "1,3p" ids >lost &&
	test_timeout 10 cairn fsck &&
	all_read
'

test_expect_success 'a ref deeper than 64 directories is checked' '
	some_objects &&
	deep=$(test_seq 1 70 | sed "s/.*/d/" | tr "\n" / | sed "s,/\$,,") &&
	mkdir -p ".cairn/refs/$deep" &&
	missing=$(echo never stored | cairn put -n --stdin) &&
	echo "$missing" >".cairn/refs/$deep/x" &&
	test_must_fail --status=1 cairn fsck >out &&
	grep -Fx "error ref $deep/x: points to missing object $missing" out &&
	rm -r .cairn/refs/d
'

# A config that is missing, a link, a FIFO or a directory is written anew
# by --repair with the object format the files name (sha1 here, not the
# default), other settings their defaults; a directory is kept in the
# quarantine, a link is removed and never what it names.  One that cannot
# be parsed is left to its owner.
for how in missing link fifo directory
do
	test_expect_success "a config that is $how: --repair writes it anew" "
		rm -rf .cairn &&
		cairn init --object-format=sha1 >/dev/null &&
		some_objects &&
		mkdir outside &&
		cp .cairn/config outside/config &&
		cp .cairn/config config.orig &&
		case $how in
		missing) rm .cairn/config ;;
		link) rm .cairn/config && ln -s \"\$PWD/outside/config\" .cairn/config ;;
		fifo) rm .cairn/config && mkfifo .cairn/config ;;
		directory) rm .cairn/config && mkdir .cairn/config && echo x >.cairn/config/x ;;
		esac &&
		test_must_fail --status=1 test_timeout 10 cairn fsck >out &&
		grep '^error config config: .*--repair writes a new one (object.format = sha1' out &&
		test_timeout 10 cairn fsck --repair >out &&
		grep '^error config config: .*(repaired)\$' out &&
		test -f .cairn/config && ! test -L .cairn/config &&
		grep -x 'object.format = sha1' .cairn/config &&
		test_cmp config.orig outside/config &&
		if test $how = directory
		then
			test -f .cairn/quarantine/1/config/x
		fi &&
		works
	"
done

test_expect_success 'a config that does not parse is not replaced' '
	some_objects &&
	echo "this is not a setting" >.cairn/config &&
	test_must_fail --status=1 cairn fsck >out &&
	test_must_fail cairn fsck --repair >out &&
	test "$(cat .cairn/config)" = "this is not a setting" &&
	test_no_fsck
'

test_done
