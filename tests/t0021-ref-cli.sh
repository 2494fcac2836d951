#!/bin/sh
# t0021-ref-cli: `cairn ref` as CLI.md (section Refs) describes it: list,
# get, set, delete and update, their preconditions, messages and exit
# statuses; a failed update changes nothing.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317,SC2034
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

if command -v python3 >/dev/null 2>&1
then
	test_set_prereq PYTHON
fi

# obj <text>: store a blob of <text> and a newline; print its id.
obj () {
	printf '%s\n' "$1" | cairn put --stdin
}

# missing_id <text>: the id <text> would have, without storing it.
missing_id () {
	printf '%s\n' "$1" | cairn put -n --stdin
}

# fails_with <status> <command>...: the command exits with <status>,
# prints nothing on stdout and one `cairn: ` line on stderr (in fw.err).
fails_with () {
	fw_status_=$1
	shift
	test_must_fail --status="$fw_status_" "$@" >fw.out 2>fw.err || return 1
	test_must_be_empty fw.out || return 1
	test_stderr_one_line fw.err
}

# err_is <message>: the error of the last fails_with was `cairn: <message>`.
err_is () {
	printf 'cairn: %s\n' "$1" >fw.expect || return 1
	test_cmp fw.expect fw.err
}

# state <file>: what the refs hold (`ref list`), for before/after checks.
state () {
	cairn ref list >"$1"
}

# no_locks: no lock file is left under refs/.
no_locks () {
	find .cairn/refs -name "*.lock" >locks || return 1
	test_must_be_empty locks
}

# setup_abc: refs a, b, c at objects $A, $B, $C; $D stored, no ref to it.
setup_abc () {
	A=$(obj apple) && B=$(obj banana) && C=$(obj cherry) &&
		D=$(obj date) || return 1
	cairn ref set a "$A" && cairn ref set b "$B" && cairn ref set c "$C"
}

# --- list ---

test_expect_success 'list: an empty repository lists nothing' '
	cairn ref list >out 2>err
	test_must_be_empty out
	test_must_be_empty err
	cairn ref list -z >out
	test_must_be_empty out
	cairn ref list some/prefix >out
	test_must_be_empty out
'

test_expect_success 'list: <id> SP <name> lines in byte order of names' '
	A=$(obj one)
	B=$(obj two)
	for name in z b ab a.b a-c B builds/linux/x86 builds/linux0 a/b \
		"caf$(printf "\303\251")" 0
	do
		cairn ref set "$name" "$A"
		echo "$name" >>names
	done
	cairn ref set ab "$B"
	cairn ref list >out
	LC_ALL=C sort names >expect.names
	cut -d " " -f 2- out >got.names
	test_cmp expect.names got.names
	# Each line is the id of the ref, a space, the name.
	while IFS= read -r name
	do
		printf "%s %s\n" "$(cairn ref get "$name")" "$name"
	done <expect.names >expect
	test_cmp expect out
	grep -q "^$B ab\$" out
	test_line_count = 11 out
'

test_expect_success 'list <prefix>: only names that start with it' '
	A=$(obj one)
	for name in a a-c a.b a/b ab b builds/linux/x86 builds/mac buildsx
	do
		# a and a/b cannot both exist: a is made last, after a/b goes.
		test "$name" = a && continue
		cairn ref set "$name" "$A"
	done
	cairn ref list a >out
	cut -d " " -f 2 out >got
	printf "%s\n" a-c a.b a/b ab >expect
	test_cmp expect got
	cairn ref list builds/ >out
	cut -d " " -f 2 out >got
	printf "%s\n" builds/linux/x86 builds/mac >expect
	test_cmp expect got
	cairn ref list builds >out
	test_line_count = 3 out
	cairn ref list builds/linux/x86 >out
	test_line_count = 1 out
	cairn ref list nomatch >out
	test_must_be_empty out
	cairn ref list -z a/ >out
	printf "%s a/b\000" "$A" >expect
	test_cmp_bin expect out
'

test_expect_success 'list -z: the same records, NUL-terminated' '
	A=$(obj one)
	B=$(obj two)
	cairn ref set x "$A"
	cairn ref set y/z "$B"
	cairn ref set "q\"uote" "$B"
	cairn ref list >plain
	cairn ref list -z >nul
	tr "\n" "\000" <plain >expect
	test_cmp_bin expect nul
'

test_expect_success 'list: bad arguments exit 2' '
	fails_with 2 cairn ref list --no-such-option
	fails_with 2 cairn ref list -x
	fails_with 2 cairn ref list --sort=size
	fails_with 2 cairn ref list --format="%(bogus)"
	fails_with 2 cairn ref list --json --format=x
'

# json_refs <file>: parse `ref list --json` output strictly (UTF-8, one
# object with key "refs", a list of objects with string "name" and "id")
# and print it as `<id> <name>` lines, each name decoded as cairn(1) says:
# a lone surrogate U+DC80..U+DCFF stands for the byte 0x80..0xFF
# (Python's surrogateescape, as os.fsencode does it).
json_refs () {
	python3 -c '
import json, sys
raw = sys.stdin.buffer.read()
doc = json.loads(raw.decode("utf-8"))
assert isinstance(doc, dict) and list(doc) == ["refs"], doc
out = sys.stdout.buffer
for r in doc["refs"]:
    assert isinstance(r, dict) and sorted(r) == ["id", "name"], r
    assert isinstance(r["name"], str) and isinstance(r["id"], str), r
    name = r["name"].encode("utf-8", "surrogateescape")
    out.write(r["id"].encode() + b" " + name + b"\n")
' <"$1"
}

test_expect_success PYTHON 'list --json: one parsable object, same refs as the lines' '
	cairn ref list --json >json
	json_refs json >got
	test_must_be_empty got
	A=$(obj one)
	B=$(obj two)
	for name in main "q\"uote" "back\`tick" "a{b}" builds/linux/x86 \
		"caf$(printf "\303\251")" "$(printf "\346\227\245")/x"
	do
		cairn ref set "$name" "$A"
	done
	cairn ref set main "$B"
	cairn ref list --json >json
	json_refs json >got
	cairn ref list >expect
	test_cmp expect got
	cairn ref list --json builds/ >json
	json_refs json >got
	cairn ref list builds/ >expect
	test_cmp expect got
	test_line_count = 1 got
'

test_expect_success PYTHON 'list --json stays valid UTF-8 JSON for a name that is not UTF-8' '
	A=$(obj one)
	cairn ref set "$(printf "\377raw")" "$A"
	cairn ref set plain "$A"
	cairn ref list --json >json
	json_refs json >got
	test_line_count = 2 got
'

# every_name_byte: `create <name> <id>` lines (id $A) for names holding
# every byte a ref name can hold (0x21..0xff but for 0x7f and
# ~^:?*[\), alone and around valid and invalid UTF-8 sequences.
every_name_byte () {
	python3 -c '
import sys
out = sys.stdout.buffer
bad = set(b"~^:?*[\\\x7f")
names = [b"b%02x-" % c + bytes([c]) + b"-" for c in range(0x21, 0x100)
         if c not in bad]
names += [b"seq-" + s for s in (
    b"\xc3\xbf", b"\xc3", b"\xff", b"\xc3\xbf\xff",   # U+00FF vs the byte 0xFF
    b"\xe2\x82\xac", b"\xe2\x82", b"\xf0\x9d\x84\x9e", b"\xf0\x9d\x84",
    b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\xaf", b"\xe0\x9f\xbf",  # overlong
    b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xed\x9f\xbf",        # surrogates, U+D7FF
    b"\xef\xbf\xbf", b"\xf4\x8f\xbf\xbf", b"\xf4\x90\x80\x80",  # U+FFFF, U+10FFFF, past
    b"\xf5\x80\x80\x80", b"\xf8\x88\x80\x80\x80", b"\x80\x80",
    b"\xed\xb3\xbf")]                                 # UTF-8 of U+DCFF itself
for n in names:
    out.write(b"create " + n + b" " + sys.argv[1].encode() + b"\n")
' "$A"
}

test_expect_success PYTHON 'list --json: every byte a name can hold comes back exactly' '
	A=$(obj one)
	every_name_byte >tx
	cairn ref update <tx
	cut -d " " -f 2 <tx | LC_ALL=C sort >names
	test_line_count = 237 names
	cairn ref list --json >json
	json_refs json >got
	sed "s/^[^ ]* //" got >got.names
	test_cmp_bin names got.names
	cairn ref list >plain
	test_cmp_bin plain got
	# The byte 0xFF and the character U+00FF (ÿ) stay apart.
	grep -F "\"seq-\\udcff\"" json
	grep -F "\"seq-$(printf "\303\277")\"" json
	# Each name read back from JSON names its ref.
	while IFS= read -r name
	do
		test "$(cairn ref get "$name")" = "$A" || return 1
	done <got.names
'

# --- get ---

test_expect_success 'get: the id and a newline; exit 1 if missing' '
	A=$(obj one)
	cairn ref set main "$A"
	cairn ref get main >out 2>err
	echo "$A" >expect
	test_cmp_bin expect out
	test_must_be_empty err
	fails_with 1 cairn ref get nope
	fails_with 1 cairn ref get main/sub
	fails_with 1 cairn ref get builds/linux/x86
	fails_with 2 cairn ref get "a..b"
	fails_with 2 cairn ref get
	fails_with 2 cairn ref get main extra
'

# --- set ---

test_expect_success 'set: creates and moves a ref' '
	setup_abc
	cairn ref set a "$B" >out 2>err
	test_must_be_empty out
	test_must_be_empty err
	test "$(cairn ref get a)" = "$B"
	cairn ref set new "$D"
	test "$(cairn ref get new)" = "$D"
	test "$(cat .cairn/refs/new)" = "$D"
	no_locks
'

test_expect_success 'set --old: only from the given value, with the documented message' '
	setup_abc
	cairn ref set a "$B" --old "$A"
	test "$(cairn ref get a)" = "$B"
	state before
	fails_with 1 cairn ref set a "$C" --old "$A"
	err_is "ref '\''a'\'' is at $B but expected $A"
	fails_with 1 cairn ref set --old "$C" a "$D"
	err_is "ref '\''a'\'' is at $B but expected $C"
	fails_with 1 cairn ref set nope "$C" --old "$A"
	err_is "ref '\''nope'\'' does not exist"
	state after
	test_cmp before after
	test_path_is_missing .cairn/refs/nope
	# --old takes any object name: a prefix, or a ref.
	cairn ref set a "$C" --old "$(echo "$B" | cut -c 1-12)"
	cairn ref set a "$A" --old c
	test "$(cairn ref get a)" = "$A"
	fails_with 2 cairn ref set a "$B" --old not-hex-nor-ref..
	fails_with 2 cairn ref set a "$B" --old
	test "$(cairn ref get a)" = "$A"
	no_locks
'

test_expect_success 'set --create: only if the ref does not exist' '
	setup_abc
	state before
	fails_with 1 cairn ref set --create a "$D"
	err_is "ref '\''a'\'' already exists"
	fails_with 1 cairn ref set b "$D" --create
	err_is "ref '\''b'\'' already exists"
	state after
	test_cmp before after
	cairn ref set --create d "$D"
	test "$(cairn ref get d)" = "$D"
	fails_with 2 cairn ref set --create --old "$A" e "$D"
	fails_with 2 cairn ref set e "$D" --old "$A" --create
	test_path_is_missing .cairn/refs/e
	no_locks
'

test_expect_success 'set: the object may be an id, a unique prefix or a ref name' '
	setup_abc
	cairn ref set x "$(echo "$D" | cut -c 1-10)"
	test "$(cairn ref get x)" = "$D"
	cairn ref set y c
	test "$(cairn ref get y)" = "$C"
	cairn ref set y x
	test "$(cairn ref get y)" = "$D"
'

test_expect_success 'set: a ref cannot point to a missing object' '
	setup_abc
	M=$(missing_id "never stored")
	state before
	fails_with 1 cairn ref set a "$M"
	fails_with 1 cairn ref set a "$M" --old "$A"
	fails_with 1 cairn ref set --create m "$M"
	fails_with 1 cairn ref set m "$M"
	fails_with 1 cairn ref set m "$(echo "$M" | cut -c 1-16)"
	state after
	test_cmp before after
	test_path_is_missing .cairn/refs/m
	printf "set a %s\n" "$M" | test_must_fail --status=1 cairn ref update
	printf "create m %s\n" "$M" | test_must_fail --status=1 cairn ref update
	state after
	test_cmp before after
	no_locks
'

test_expect_success 'set: wrong arguments exit 2' '
	A=$(obj one)
	fails_with 2 cairn ref set
	fails_with 2 cairn ref set x
	fails_with 2 cairn ref set x "$A" extra
	fails_with 2 cairn ref set x "$A" --bogus
	fails_with 2 cairn ref set x not-an-object..
	test_path_is_missing .cairn/refs/x
	fails_with 2 cairn ref
	fails_with 2 cairn ref frobnicate
'

test_expect_success 'set after put, in a fresh process, without a flush' '
	echo fresh >file
	cairn put file >id
	cairn ref set fresh "$(cat id)"
	test "$(cairn ref get fresh)" = "$(cat id)"
	cairn cat fresh >out
	test_cmp file out
	test "$(cairn_stat wal_records)" -ge 1
'

# --- delete ---

test_expect_success 'delete: removes the ref; exit 1 if it does not exist' '
	setup_abc
	cairn ref delete a >out 2>err
	test_must_be_empty out
	test_must_be_empty err
	fails_with 1 cairn ref get a
	test_path_is_missing .cairn/refs/a
	fails_with 1 cairn ref delete a
	err_is "ref '\''a'\'' does not exist"
	fails_with 1 cairn ref delete never
	printf "%s b\n%s c\n" "$B" "$C" >expect
	state after
	test_cmp expect after
	no_locks
'

test_expect_success 'delete --old: only from the given value' '
	setup_abc
	state before
	fails_with 1 cairn ref delete a --old "$B"
	err_is "ref '\''a'\'' is at $A but expected $B"
	fails_with 1 cairn ref delete --old "$B" nope
	err_is "ref '\''nope'\'' does not exist"
	state after
	test_cmp before after
	cairn ref delete a --old "$A"
	fails_with 1 cairn ref get a
	cairn ref delete --old b b
	fails_with 1 cairn ref get b
	fails_with 2 cairn ref delete c --create
	fails_with 2 cairn ref delete
	fails_with 2 cairn ref delete c extra
	fails_with 2 cairn ref delete "c..d"
	test "$(cairn ref get c)" = "$C"
	no_locks
'

# --- update ---

test_expect_success 'update: set, create, delete and verify in one transaction' '
	setup_abc
	cat >tx <<-EOF
	set a $B $A
	set b $C
	create d $D
	delete c $C
	verify absent
	verify d2
	EOF
	cairn ref update <tx >out 2>err
	test_must_be_empty out
	test_must_be_empty err
	printf "%s a\n%s b\n%s d\n" "$B" "$C" "$D" >expect
	state after
	test_cmp expect after
	printf "verify a %s\nverify b %s\ndelete d\n" "$B" "$C" >tx
	cairn ref update <tx
	printf "%s a\n%s b\n" "$B" "$C" >expect
	state after
	test_cmp expect after
	no_locks
'

test_expect_success 'update: verify <name> alone asserts that the ref does not exist' '
	setup_abc
	echo "verify nope" | cairn ref update
	echo "verify a" >tx
	fails_with 1 cairn ref update <tx
	err_is "ref '\''a'\'' already exists"
	printf "verify a %s\n" "$A" | cairn ref update
	printf "verify a %s\n" "$B" >tx
	fails_with 1 cairn ref update <tx
	err_is "ref '\''a'\'' is at $A but expected $B"
	printf "verify nope %s\n" "$B" >tx
	fails_with 1 cairn ref update <tx
	err_is "ref '\''nope'\'' does not exist"
	test_path_is_missing .cairn/refs/nope
'

# tx_fails <status> <transaction text>: update fails with <status> and
# changes nothing.
tx_fails () {
	state tf.before || return 1
	printf "%s" "$2" >tf.in || return 1
	fails_with "$1" cairn ref update <tf.in || {
		echo "transaction was:" >&9
		cat tf.in >&9
		return 1
	}
	state tf.after || return 1
	test_cmp tf.before tf.after || return 1
	no_locks
}

test_expect_success 'update: any failing precondition fails it all (exit 1), nothing changes' '
	setup_abc
	M=$(missing_id "never stored")
	ok="set a $D $A
create e $D
delete c
verify f
"
	tx_fails 1 "${ok}set b $D $A
"
	tx_fails 1 "set b $D $A
${ok}"
	tx_fails 1 "${ok}create b $D
"
	tx_fails 1 "${ok}delete zz
"
	tx_fails 1 "${ok}delete b $A
"
	tx_fails 1 "${ok}verify b $A
"
	tx_fails 1 "${ok}verify b
"
	tx_fails 1 "${ok}verify zz $B
"
	tx_fails 1 "${ok}set zz $D $A
"
	tx_fails 1 "${ok}set b $M
"
	tx_fails 1 "create zz $M
${ok}"
	test_path_is_missing .cairn/refs/e
	test_path_is_missing .cairn/refs/zz
'

test_expect_success 'update -z: NUL-terminated fields' '
	setup_abc
	{
		printf "set a\000%s\000%s\000" "$B" "$A"
		printf "set b\000%s\000\000" "$C"
		printf "create d\000%s\000" "$D"
		printf "delete c\000%s\000" "$C"
		printf "verify absent\000\000"
		printf "verify d2\000\000"
	} >tx
	cairn ref update -z <tx >out 2>err
	test_must_be_empty out
	test_must_be_empty err
	printf "%s a\n%s b\n%s d\n" "$B" "$C" "$D" >expect
	state after
	test_cmp expect after
	{
		printf "verify a\000%s\000" "$B"
		printf "delete b\000\000"
		printf "delete d\000%s\000" "$D"
	} >tx
	cairn ref update -z <tx
	printf "%s a\n" "$B" >expect
	state after
	test_cmp expect after
	state before
	{
		printf "delete a\000\000"
		printf "verify a2\000%s\000" "$B"
	} >tx
	fails_with 1 cairn ref update -z <tx
	err_is "ref '\''a2'\'' does not exist"
	state after
	test_cmp before after
	no_locks
'

test_expect_success 'update: malformed input exits 2 and changes nothing' '
	setup_abc
	ok="set a $D $A
"
	tx_fails 2 "${ok}bogus b $A
"
	tx_fails 2 "${ok}SET b $A
"
	tx_fails 2 "${ok}set
"
	tx_fails 2 "${ok}set b
"
	tx_fails 2 "${ok}create b
"
	tx_fails 2 "${ok}create b $A $B
"
	tx_fails 2 "${ok}set b $A $B $C
"
	tx_fails 2 "${ok}delete b $A $B
"
	tx_fails 2 "${ok}verify b $A $B
"
	tx_fails 2 "${ok}set b not-an-id..
"
	tx_fails 2 "${ok}set b $A not-an-id..
"
	tx_fails 2 "${ok}set b..c $A
"
	tx_fails 2 "${ok}delete /b
"
	tx_fails 2 "${ok}
"
	tx_fails 2 "
${ok}"
	tx_fails 2 "${ok}set a $B
"
	tx_fails 2 "${ok}create x $B
create x $C
"
	# -z: a command without a name, a missing field, an unknown op.
	state before
	printf "set a\000%s\000%s\000set\000" "$D" "$A" >tx
	fails_with 2 cairn ref update -z <tx
	printf "set a\000%s\000%s\000create b\000" "$D" "$A" >tx
	fails_with 2 cairn ref update -z <tx
	printf "set a\000%s\000%s\000set b\000%s" "$D" "$A" "$B" >tx
	fails_with 2 cairn ref update -z <tx
	printf "set a\000%s\000%s\000frob b\000%s\000" "$D" "$A" "$B" >tx
	fails_with 2 cairn ref update -z <tx
	fails_with 2 cairn ref update -x </dev/null
	fails_with 2 cairn ref update -z extra </dev/null
	state after
	test_cmp before after
	no_locks
'

test_expect_success 'update: no input is an empty transaction' '
	setup_abc
	state before
	cairn ref update </dev/null >out 2>err
	test_must_be_empty out
	test_must_be_empty err
	cairn ref update -z </dev/null
	state after
	test_cmp before after
'

# --- names ---

test_expect_success 'nested names: builds/linux/x86' '
	A=$(obj one)
	B=$(obj two)
	cairn ref set builds/linux/x86 "$A"
	cairn ref set builds/linux/arm "$B"
	test "$(cairn ref get builds/linux/x86)" = "$A"
	test_path_is_file .cairn/refs/builds/linux/x86
	cairn ref list builds/linux/ >out
	printf "%s builds/linux/arm\n%s builds/linux/x86\n" "$B" "$A" >expect
	test_cmp expect out
	fails_with 1 cairn ref get builds/linux
	fails_with 1 cairn ref get builds
	cairn ref delete builds/linux/x86
	fails_with 1 cairn ref get builds/linux/x86
	test "$(cairn ref get builds/linux/arm)" = "$B"
	cairn cat -t builds/linux/arm >type
	echo blob >expect
	test_cmp expect type
'

test_expect_success 'a ref and a ref under it conflict, both ways: clear error, nothing changed' '
	A=$(obj one)
	B=$(obj two)
	cairn ref set a "$A"
	state before
	fails_with 1 cairn ref set a/b "$B"
	grep "a/b" fw.err
	fails_with 1 cairn ref set --create a/b/c "$B"
	printf "create a/b %s\n" "$B" >tx
	fails_with 1 cairn ref update <tx
	state after
	test_cmp before after
	test_path_is_file .cairn/refs/a
	cairn ref delete a
	cairn ref set x/y "$A"
	state before
	fails_with 1 cairn ref set x "$B"
	grep "x" fw.err
	fails_with 1 cairn ref set --create x "$B"
	printf "set x %s\n" "$B" >tx
	fails_with 1 cairn ref update <tx
	state after
	test_cmp before after
	test_path_is_file .cairn/refs/x/y
	fails_with 1 cairn ref get x
	fails_with 1 cairn ref delete x
	test "$(cairn ref get x/y)" = "$A"
	no_locks
'

test_expect_success 'a transaction creating a ref and a ref under it fails cleanly, changing nothing' '
	A=$(obj one)
	state before
	printf "create 0 %s\ncreate a %s\ncreate a/b %s\n" "$A" "$A" "$A" >tx
	st=0
	cairn ref update <tx 2>err || st=$?
	state after
	test_cmp before after
	test_stderr_one_line err
	test "$st" = 1
	printf "set a/b %s\nset a %s\n" "$A" "$A" >tx
	test_must_fail --status=1 cairn ref update <tx 2>err
	test_stderr_one_line err
	state after
	test_cmp before after
	# Nothing is left in the way of either name.
	cairn ref set a "$A"
	cairn ref delete a
	cairn ref set a/b "$A"
'

test_expect_success 'a deleted or failed nested ref leaves nothing in the way' '
	A=$(obj one)
	M=$(missing_id "never stored")
	cairn ref set a/b/c "$A"
	cairn ref delete a/b/c
	cairn ref set a/b "$A"
	cairn ref delete a/b
	cairn ref set a "$A"
	test "$(cairn ref get a)" = "$A"
	test_must_fail --status=1 cairn ref set x/y/z "$M"
	test_must_fail --status=1 cairn ref set p/q "$A" --old "$A"
	cairn ref set x "$A"
	cairn ref set p "$A"
	printf "%s a\n%s p\n%s x\n" "$A" "$A" "$A" >expect
	state after
	test_cmp expect after
'

test_expect_success 'ref names are object names: cat main, cat -t main' '
	echo "the content" >file
	id=$(cairn put file)
	cairn ref set main "$id"
	cairn ref set builds/linux/x86 "$id"
	cairn cat main >out
	test_cmp file out
	cairn cat -t main >out
	echo blob >expect
	test_cmp expect out
	cairn cat -s main >out
	echo 12 >expect
	test_cmp expect out
	cairn cat -e main
	cairn cat builds/linux/x86 >out
	test_cmp file out
	printf "main\nbuilds/linux/x86\n" | cairn cat --batch-check >out
	printf "%s blob 12\n%s blob 12\n" "$id" "$id" >expect
	test_cmp expect out
	test_must_fail cairn cat nomain 2>err
	test_stderr_one_line err
'

# --- read-only ---

test_expect_success '--read-only: set, delete and update exit 3 and change nothing' '
	setup_abc
	state before
	(cd .cairn && find . -type f -exec cksum {} + | sort) >files.before
	fails_with 3 cairn --read-only ref set a "$D"
	fails_with 3 cairn --read-only ref set --create n "$D"
	fails_with 3 cairn --read-only ref set a "$D" --old "$A"
	fails_with 3 cairn --read-only ref delete a
	fails_with 3 cairn --read-only ref delete b --old "$B"
	printf "set a %s\ncreate n %s\n" "$D" "$D" >tx
	fails_with 3 cairn --read-only ref update <tx
	printf "set a\000%s\000\000" "$D" >tx
	fails_with 3 cairn --read-only ref update -z <tx
	state after
	test_cmp before after
	(cd .cairn && find . -type f -exec cksum {} + | sort) >files.after
	test_cmp files.before files.after
	no_locks
	cairn --read-only ref list >ro
	test_cmp before ro
	test "$(cairn --read-only ref get a)" = "$A"
	cairn --read-only cat a >/dev/null
'

test_done
