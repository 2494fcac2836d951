#!/bin/sh
# t0040-fsck: `cairn fsck` as CLI.md and DESIGN.md section 5 describe it:
# exit 0 on a clean repository, 1 when it finds problems, 3 when it cannot
# run; --json says what the plain output says; --quick skips re-hashing;
# --repair removes stale locks and old temporary files and rebuilds a
# deleted index or a corrupt manifest from the data file.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317,SC2034
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

if command -v python3 >/dev/null 2>&1
then
	test_set_prereq PYTHON
fi
if command -v flock >/dev/null 2>&1
then
	test_set_prereq FLOCK
fi
if touch -d '2 hours ago' "$TRASH_DIRECTORY/.touch-d" 2>/dev/null
then
	test_set_prereq TOUCHD
fi

CAIRN_AUTHOR_NAME=$GIT_AUTHOR_NAME
CAIRN_AUTHOR_EMAIL=$GIT_AUTHOR_EMAIL
CAIRN_AUTHOR_DATE=$GIT_AUTHOR_DATE
CAIRN_COMMITTER_NAME=$GIT_COMMITTER_NAME
CAIRN_COMMITTER_EMAIL=$GIT_COMMITTER_EMAIL
CAIRN_COMMITTER_DATE=$GIT_COMMITTER_DATE
export CAIRN_AUTHOR_NAME CAIRN_AUTHOR_EMAIL CAIRN_AUTHOR_DATE \
	CAIRN_COMMITTER_NAME CAIRN_COMMITTER_EMAIL CAIRN_COMMITTER_DATE

# A file name that JSON must escape: quotes, a backslash, a tab.
ODD=$(printf 'odd "quoted" \\ back\ttab')

# walk <repo> <tips file>: every id reachable from the ids in <tips file>
# (commit -> tree and parents, tag -> object, tree -> entries), sorted.
walk () {
	sort -u "$2" >walk.todo || return 1
	: >walk.seen
	while test -s walk.todo
	do
		: >walk.next
		while read -r wk_id_
		do
			grep -qx "$wk_id_" walk.seen && continue
			echo "$wk_id_" >>walk.seen
			wk_type_=$(cairn -r "$1" cat -t "$wk_id_") || return 1
			case $wk_type_ in
			commit)
				cairn -r "$1" cat "$wk_id_" >walk.obj || return 1
				sed -n '/^$/q; s/^tree //p; s/^parent //p' walk.obj >>walk.next
				;;
			tag)
				cairn -r "$1" cat "$wk_id_" >walk.obj || return 1
				sed -n '/^$/q; s/^object //p' walk.obj >>walk.next
				;;
			tree)
				cairn -r "$1" cat -p "$wk_id_" >walk.obj || return 1
				awk '{ print $3 }' walk.obj >>walk.next
				;;
			esac
		done <walk.todo
		sort -u walk.next >walk.todo || return 1
	done
	sort walk.seen
}

# build_repo <repo>: a repository (made unless it exists) holding blobs,
# trees and commits under three refs, flushed in three index segments,
# with more objects, a commit among them, only in the WAL.  Leaves every
# id in <repo>.ids, what `cat --batch` prints for them in <repo>.batch
# and the refs in <repo>.refs.
build_repo () {
	test -d "$1" || cairn init "$1" >/dev/null || return 1
	br_src_=$1.src
	mkdir -p "$br_src_/many" "$br_src_/sub" || return 1
	for br_i_ in $(test_seq 1 30)
	do
		echo "file $br_i_" >"$br_src_/many/f$br_i_" || return 1
	done
	test_seq 1 300 >"$br_src_/sub/numbers" &&
	printf 'hello\n' >"$br_src_/hello" || return 1
	br_t1_=$(cairn -r "$1" put -r "$br_src_") &&
	br_c1_=$(cairn -r "$1" commit -m one "$br_t1_") &&
	cairn -r "$1" ref set main "$br_c1_" &&
	cairn -r "$1" flush || return 1
	echo changed >"$br_src_/sub/changed" || return 1
	br_t2_=$(cairn -r "$1" put -r "$br_src_") &&
	br_c2_=$(cairn -r "$1" commit -p "$br_c1_" -m two "$br_t2_") &&
	cairn -r "$1" ref set main "$br_c2_" &&
	cairn -r "$1" ref set topic/one "$br_c1_" &&
	cairn -r "$1" flush || return 1
	echo "a loose blob" | cairn -r "$1" put --stdin >"$1.loose" &&
	cairn -r "$1" flush || return 1
	echo "unflushed one" | cairn -r "$1" put --stdin >>"$1.loose" &&
	echo "unflushed two" | cairn -r "$1" put --stdin >>"$1.loose" &&
	br_c3_=$(cairn -r "$1" commit -p "$br_c2_" -m three "$br_t2_") &&
	cairn -r "$1" ref set wip "$br_c3_" || return 1
	cairn -r "$1" ref list >"$1.refs" &&
	awk '{ print $1 }' "$1.refs" >"$1.tips" &&
	cat "$1.loose" >>"$1.tips" &&
	walk "$1" "$1.tips" >"$1.ids" &&
	cairn -r "$1" cat --batch <"$1.ids" >"$1.batch" || return 1
	br_segs_=$(cairn_stat index_segments -r "$1") &&
	br_wal_=$(cairn_stat wal_records -r "$1") || return 1
	if test "$br_segs_" -lt 3 || test "$br_wal_" -lt 3
	then
		echo "build_repo: $br_segs_ segments, $br_wal_ WAL records" >&9
		return 1
	fi
	test_line_count -gt 40 "$1.ids"
}

P=$TRASH_DIRECTORY/pristine

# use_pristine: replace ./.cairn by a copy of the repository the first
# test builds with build_repo, with its .ids, .batch and .refs files.
use_pristine () {
	rm -rf .cairn &&
	cp -R "$P/.cairn" .cairn &&
	for up_ext_ in ids batch refs
	do
		cp "$P/.cairn.$up_ext_" ".cairn.$up_ext_" || return 1
	done
}

# all_readable <repo>: every id of build_repo is there with its content,
# and the refs are as they were.
all_readable () {
	cairn -r "$1" cat --batch <"$1.ids" >"$1.batch.now" &&
	test_cmp_bin "$1.batch" "$1.batch.now" &&
	cairn -r "$1" ref list >"$1.refs.now" &&
	test_cmp "$1.refs" "$1.refs.now"
}

# json_lines <json file>: the findings of `fsck --json` as the plain
# output writes them, after checking the counts against the findings.
json_lines () {
	python3 - "$1" <<\EOF
import json, re, sys

# The man page's quoting of a finding line: C escapes, \ooo for other
# control bytes and bytes that are not UTF-8; a name in double quotes when
# it is empty or holds any of these, a space, a colon, '"' or '\\'.
ESC = {7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r",
       34: '"', 92: "\\"}
def escape(s):
    out, b, i = [], s.encode("utf-8", "surrogateescape"), 0
    while i < len(b):
        c = b[i]
        if c in ESC:
            out.append("\\" + ESC[c]); i += 1; continue
        if c < 0x20 or c == 0x7f:
            out.append("\\%03o" % c); i += 1; continue
        for n in (1, 2, 3, 4):
            try:
                ch = b[i:i + n].decode("utf-8")
                break
            except UnicodeDecodeError:
                ch = None
        if ch is None or c >= 0x80 and len(ch) != 1:
            out.append("\\%03o" % c); i += 1; continue
        out.append(ch); i += len(ch.encode())
    return "".join(out)
def name(s):
    e = escape(s)
    if s == "" or e != s or " " in s or ":" in s:
        return '"' + e + '"'
    return s

text = open(sys.argv[1]).read()
if text.count("\n") != 1 or not text.endswith("\n"):
    sys.exit("fsck --json: not one line")
d = json.loads(text)
want = {"findings", "records", "objects", "errors", "warnings",
        "object_warnings", "repaired"}
if set(d) != want:
    sys.exit("fsck --json: keys %s" % sorted(d))
counts = {"error": 0, "warning": 0, "repaired": 0, "object": 0}
for f in d["findings"]:
    must = {"severity", "kind", "subject", "message", "repairable",
            "repaired"}
    parts = {"file", "offset", "id", "ref", "key"}
    if not must <= set(f) or not set(f) - must <= parts | {"check"}:
        sys.exit("fsck --json: finding keys %s" % sorted(f))
    for k in ("file", "ref", "key"):
        if k in f and not isinstance(f[k], str):
            sys.exit("fsck --json: %s is not a string: %r" % (k, f))
    if "offset" in f and (not isinstance(f["offset"], int) or
                          f["offset"] < 0 or "file" not in f):
        sys.exit("fsck --json: bad offset: %r" % f)
    if "id" in f and not re.fullmatch("[0-9a-f]{40}|[0-9a-f]{64}", f["id"]):
        sys.exit("fsck --json: bad id: %r" % f)
    if "ref" in f and f["subject"] != (f["ref"] or "refs/"):
        sys.exit("fsck --json: ref %r is not the subject %r"
                 % (f["ref"], f["subject"]))
    if not set(f) & parts:
        sys.exit("fsck --json: a finding without a subject part: %r" % f)
    if f["severity"] not in ("error", "warning"):
        sys.exit("fsck --json: severity %r" % f["severity"])
    if not isinstance(f["repairable"], bool) or \
            not isinstance(f["repaired"], bool):
        sys.exit("fsck --json: repairable/repaired not booleans")
    if f["repaired"] and not f["repairable"]:
        sys.exit("fsck --json: repaired but not repairable: %r" % f)
    if "check" in f and (f["kind"] != "object" or "id" not in f or
                         not re.fullmatch("[a-z][A-Za-z0-9]+", f["check"]) or
                         ": %s: " % f["check"] not in f["message"]):
        sys.exit("fsck --json: bad check: %r" % f)
    counts["repaired" if f["repaired"] else f["severity"]] += 1
    if "check" in f and f["severity"] == "warning":
        counts["object"] += 1
    print("%s %s %s: %s%s" % (f["severity"], f["kind"], name(f["subject"]),
          escape(f["message"]), " (repaired)" if f["repaired"] else ""))
for key, name in (("errors", "error"), ("warnings", "warning"),
                  ("repaired", "repaired"), ("object_warnings", "object")):
    if d[key] != counts[name]:
        sys.exit("fsck --json: %s is %r, the findings say %d"
                 % (key, d[key], counts[name]))
for key in ("records", "objects"):
    if not isinstance(d[key], int) or d[key] < 0:
        sys.exit("fsck --json: bad %s" % key)
EOF
}

# json_value <json file> <key>: a top-level number of `fsck --json`.
json_value () {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# alter_record <repo> <id> <old byte> <new byte>: in the data file, replace
# the first <old byte> of the uncompressed record of <id> by <new byte> and
# recompute the record's data CRC and header CRC, so that only the content
# hash can tell.
alter_record () {
	python3 - "$@" <<\EOF
import struct, sys, zlib
repo, oid, old, new = sys.argv[1:5]
man = open(repo + "/manifest").read().split("\n")
data = [l.split()[1] for l in man if l.startswith("data ")][0]
path = repo + "/" + data
b = bytearray(open(path, "rb").read())
off = 16
while off + 80 <= len(b):
    kind, flags, idlen = b[off + 4], b[off + 5], b[off + 7]
    stored = struct.unpack(">Q", b[off + 16:off + 24])[0]
    if kind == 1 and b[off + 40:off + 40 + idlen].hex() == oid:
        if flags != 0:
            sys.exit("record of %s is compressed" % oid)
        body = off + 80
        at = b.index(old.encode(), body, body + stored)
        b[at] = ord(new)
        crc = zlib.crc32(bytes(b[body:body + stored])) & 0xffffffff
        b[off + 72:off + 76] = struct.pack(">I", crc)
        hcrc = zlib.crc32(bytes(b[off:off + 76])) & 0xffffffff
        b[off + 76:off + 80] = struct.pack(">I", hcrc)
        open(path, "wb").write(b)
        print("%s@%d" % (data, off))
        sys.exit(0)
    off += 80 + (stored if kind == 1 else 0)
sys.exit("no record of %s in %s" % (oid, path))
EOF
}

test_expect_success 'fsck exits 0 and says nothing on a clean repository' '
	build_repo .cairn &&
	mkdir "$P" &&
	cp -R .cairn .cairn.ids .cairn.batch .cairn.refs "$P" &&
	cairn fsck >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	cairn fsck --quick >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	cairn fsck --repair >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	all_readable .cairn
'

test_expect_success PYTHON 'fsck --json on a clean repository counts every object' '
	use_pristine &&
	cairn fsck --json >json &&
	json_lines json >lines &&
	test_must_be_empty lines &&
	json_value json objects >objects &&
	wc -l <.cairn.ids | tr -d " " >expect &&
	test_cmp expect objects &&
	cairn_stat objects >stat &&
	test_cmp expect stat &&
	json_value json records >records &&
	test "$(cat records)" -gt "$(cat objects)"
'

test_expect_success 'fsck exits 3 when there is no repository' '
	mkdir empty &&
	test_must_fail --status=3 cairn -r empty fsck >out 2>err &&
	test_must_be_empty out &&
	test_stderr_one_line err &&
	test_must_fail --status=3 cairn -r does-not-exist fsck >out 2>err &&
	test_must_be_empty out &&
	test_stderr_one_line err &&
	test_must_fail --status=3 cairn -r empty fsck --repair >out 2>err &&
	test_must_be_empty out &&
	test_stderr_one_line err &&
	test_path_is_missing empty/manifest &&
	test_path_is_missing empty/lock
'

# A document on stdout would say "errors": 0 about a repository that was
# never checked; a script reading it would take that for a clean bill.
test_expect_success 'fsck --json prints no report when it cannot run' '
	mkdir empty &&
	test_must_fail --status=3 cairn -r empty fsck --json >out 2>err &&
	test_stderr_one_line err &&
	test_must_be_empty out
'

test_expect_success NOREPOABOVE 'fsck exits 3 in a directory with no repository above' '
	mkdir -p "$TRASH_DIRECTORY/outside" &&
	test_must_fail --status=3 cairn -C "$TRASH_DIRECTORY/outside" fsck \
		>out 2>err &&
	test_stderr_one_line err
'

test_expect_success 'fsck usage errors exit 2; --repair with --read-only exits 3' '
	test_must_fail --status=2 cairn fsck --bogus 2>err &&
	test_must_fail --status=2 cairn fsck extra 2>err &&
	test_must_fail --status=3 cairn --read-only fsck --repair 2>err &&
	test_stderr_one_line err &&
	cairn --read-only fsck
'

test_expect_success 'fsck exits 1 and names a ref to a missing object' '
	use_pristine &&
	missing=$(echo "never stored" | cairn put -n --stdin) &&
	printf "%s\n" "$missing" >.cairn/refs/dangling &&
	test_must_fail --status=1 cairn fsck >out 2>err &&
	test_must_be_empty err &&
	echo "error ref dangling: points to missing object $missing" >expect &&
	test_cmp expect out &&
	test_must_fail --status=1 cairn fsck --repair >out &&
	test_cmp expect out &&
	rm .cairn/refs/dangling &&
	cairn fsck >out &&
	test_must_be_empty out
'

test_expect_success 'fsck exits 1 and names a tree that links to a missing blob' '
	mkdir d &&
	echo "never stored here" >d/file &&
	missing=$(cairn put -n d/file) &&
	tree=$(cairn put -r d) &&
	cairn cat "$tree" >tree.raw &&
	cairn init r >/dev/null &&
	test "$(cairn -r r put -t tree tree.raw)" = "$tree" &&
	cairn -r r ref set t "$tree" &&
	test_must_fail --status=1 cairn -r r fsck >out 2>err &&
	test_must_be_empty err &&
	echo "error link $tree: links to missing blob $missing" >expect &&
	test_cmp expect out &&
	test_must_fail --status=1 cairn -r r fsck --repair >out &&
	test_cmp expect out
'

test_expect_success PYTHON,TOUCHD 'fsck --json says what the plain output says' '
	use_pristine &&
	missing=$(echo "never stored" | cairn put -n --stdin) &&
	printf "%s\n" "$missing" >.cairn/refs/dangling &&
	: >.cairn/refs/stale.lock &&
	printf "junk" >".cairn/tmp/$ODD" &&
	touch -d "2 hours ago" .cairn/tmp/* &&
	test_must_fail --status=1 cairn fsck >plain &&
	test_must_fail --status=1 cairn fsck --json >json &&
	json_lines json >from-json &&
	test_cmp plain from-json &&
	test_line_count = 3 plain &&
	grep -F "warning tmp \"tmp/odd \\\"quoted\\\" \\\\ back\\ttab\": " plain &&
	json_value json errors >n &&
	echo 1 >expect &&
	test_cmp expect n &&
	json_value json warnings >n &&
	echo 2 >expect &&
	test_cmp expect n &&
	test_must_fail --status=1 cairn fsck --repair --json >json &&
	json_lines json >from-json &&
	grep -c " (repaired)\$" from-json >n &&
	echo 2 >expect &&
	test_cmp expect n &&
	json_value json repaired >n &&
	test_cmp expect n &&
	json_value json errors >n &&
	echo 1 >expect &&
	test_cmp expect n &&
	rm .cairn/refs/dangling &&
	cairn fsck --json >json &&
	json_lines json >from-json &&
	test_must_be_empty from-json
'

test_expect_success PYTHON '--quick skips the content hash; without it, altered content is an error' '
	cairn init --compression=0 q >/dev/null &&
	printf "the original content of a blob\n" >orig &&
	id=$(cairn -r q put orig) &&
	other=$(echo other | cairn -r q put --stdin) &&
	cairn -r q flush &&
	cairn -r q fsck &&
	where=$(alter_record q "$id" o 0) &&
	cairn -r q fsck --quick >out &&
	test_must_be_empty out &&
	test_must_fail --status=1 cairn -r q fsck >out &&
	grep -Fx "error object $id: content does not hash to its id ($where)" out &&
	! grep -v "^error [a-z]* $id: " out &&
	test_must_fail --status=3 cairn -r q cat "$id" >out 2>err &&
	test_must_be_empty out &&
	test_stderr_one_line err &&
	cairn -r q cat "$other" >out &&
	echo other >expect &&
	test_cmp expect out &&
	test_must_fail --status=1 cairn -r q fsck --repair >out &&
	grep -Fx "error object $id: content does not hash to its id ($where)" out &&
	test_must_fail --status=1 cairn -r q fsck >out &&
	grep -Fx "error object $id: content does not hash to its id ($where)" out &&
	test_must_fail cairn -r q cat "$id" >out &&
	test_must_be_empty out
'

test_expect_success TOUCHD 'stale ref locks and old tmp files are warnings --repair removes' '
	use_pristine &&
	: >.cairn/refs/x.lock &&
	: >.cairn/refs/topic/y.lock &&
	echo leftover >.cairn/tmp/tmp-old &&
	touch -d "2 hours ago" .cairn/tmp/tmp-old &&
	test_must_fail --status=1 cairn fsck >out 2>err &&
	test_must_be_empty err &&
	sort out >actual &&
	cat >expect <<-\EOF &&
	warning lock topic/y.lock: stale lock (its holder is gone)
	warning lock x.lock: stale lock (its holder is gone)
	warning tmp tmp/tmp-old: leftover temporary file
	EOF
	test_cmp expect actual &&
	cairn fsck --repair >out 2>err &&
	test_must_be_empty err &&
	sort out >actual &&
	sed "s/\$/ (repaired)/" expect >expect.repaired &&
	test_cmp expect.repaired actual &&
	test_path_is_missing .cairn/refs/x.lock &&
	test_path_is_missing .cairn/refs/topic/y.lock &&
	test_path_is_missing .cairn/tmp/tmp-old &&
	cairn fsck >out &&
	test_must_be_empty out &&
	all_readable .cairn &&
	cairn ref set x main
'

test_expect_success 'a fresh tmp file is no finding' '
	use_pristine &&
	echo in-flight >.cairn/tmp/tmp-new &&
	cairn fsck >out &&
	test_must_be_empty out &&
	test_path_is_file .cairn/tmp/tmp-new
'

test_expect_success FLOCK 'a ref lock whose holder is alive is no finding, and --repair leaves it' '
	use_pristine &&
	: >.cairn/refs/held.lock &&
	flock .cairn/refs/held.lock cairn fsck >out &&
	test_must_be_empty out &&
	flock .cairn/refs/held.lock cairn fsck --repair >out &&
	test_must_be_empty out &&
	test_path_is_file .cairn/refs/held.lock &&
	rm .cairn/refs/held.lock
'

test_expect_success 'a deleted index: fsck says so, --repair rebuilds it, every object reads again' '
	use_pristine &&
	sed -n "s/^segment \\([^ ]*\\) .*/\\1/p" .cairn/manifest >segments &&
	test_line_count -ge 3 segments &&
	rm .cairn/index/*.idx &&
	test_must_fail --status=1 cairn fsck >out 2>err &&
	test_must_be_empty err &&
	while read -r seg
	do
		grep "^error index $seg: " out || return 1
	done <segments &&
	! grep -v "^error index " out &&
	cairn fsck --repair >out 2>err &&
	test_must_be_empty err &&
	! grep -v " (repaired)\$" out &&
	grep "^error index " out &&
	all_readable .cairn &&
	cairn cat --batch-check <.cairn.ids >check &&
	! grep missing check &&
	test_line_count = "$(wc -l <.cairn.ids)" check &&
	cairn fsck >out &&
	test_must_be_empty out &&
	cairn_stat index_segments >n &&
	echo 1 >expect &&
	test_cmp expect n &&
	echo after >after &&
	cairn put after &&
	cairn flush &&
	cairn fsck
'

test_expect_success 'one deleted index segment (entries and bloom): --repair rebuilds it' '
	use_pristine &&
	seg=$(sed -n "s/^segment \\([^ ]*\\) .*/\\1/p" .cairn/manifest | head -n 1) &&
	rm ".cairn/$seg" &&
	test_must_fail --status=1 cairn fsck >out &&
	grep "^error index $seg: " out &&
	cairn fsck --repair >out &&
	! grep -v " (repaired)\$" out &&
	cairn fsck >out &&
	test_must_be_empty out &&
	all_readable .cairn
'

for how in flip garbage truncate delete
do
	test_expect_success "a corrupt manifest ($how): --repair rebuilds it, objects and refs all read" '
		use_pristine &&
		case '"$how"' in
		flip)
			sed "s/^next /nexT /" .cairn/manifest >m &&
			cat m >.cairn/manifest
			;;
		garbage)
			echo "not a manifest" >.cairn/manifest
			;;
		truncate)
			head -c 20 .cairn/manifest >m &&
			cat m >.cairn/manifest
			;;
		delete)
			rm .cairn/manifest
			;;
		esac &&
		test_must_fail --status=1 cairn fsck >out 2>err &&
		test_must_be_empty err &&
		grep "^error manifest manifest: " out &&
		test_must_fail --status=3 cairn cat --batch <.cairn.ids >/dev/null 2>err &&
		test_stderr_one_line err &&
		cairn fsck --repair >out 2>err &&
		test_must_be_empty err &&
		grep "^error manifest manifest: .* (repaired)\$" out &&
		! grep -v " (repaired)\$" out &&
		test_path_is_file .cairn/manifest &&
		all_readable .cairn &&
		cairn log main >log &&
		test_line_count -gt 5 log &&
		cairn fsck >out &&
		test_must_be_empty out &&
		echo after >after &&
		new=$(cairn put after) &&
		cairn flush &&
		cairn gc &&
		all_readable .cairn &&
		cairn ref set after "$new" &&
		cairn cat -e after
	'
done

test_expect_success 'a broken config: fsck exits 1 and names it' '
	use_pristine &&
	cp .cairn/config config.saved &&
	grep -v "^object.format" config.saved >.cairn/config &&
	test_must_fail --status=1 cairn fsck >out &&
	grep "^error config config: " out &&
	test_must_fail --status=1 cairn fsck --repair >out &&
	grep "^error config config: " out &&
	cp config.saved .cairn/config &&
	cairn fsck
'

test_done
