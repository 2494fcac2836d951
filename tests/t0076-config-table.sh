#!/bin/sh
# t0076-config-table: `cairn config` knows every key it accepts.  A key
# the table does not hold is exit status 2 for get, set and --unset; a
# value the table's type or range refuses is refused when set, with one
# line and the file untouched; --unset removes a key durably (exit 1 if
# it was not set), refuses the read-only keys and core.alternate.

# Test bodies are single-quoted on purpose: lib.sh evaluates them.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# Expected: every key the man page lists can be read (set or not: exit 0
# or 1, never 2).
test_expect_success 'every known key can be read' '
	for k in core.compression core.lockTimeout core.walLimit \
	    core.bigFileThreshold gc.pruneExpire core.alternate user.name \
	    user.email object.format core.formatVersion CORE.COMPRESSION
	do
		st=0
		cairn config "$k" >out 2>err || st=$?
		test_must_be_empty err
		case $st in 0|1) ;; *) echo "$k: exit $st" >&9; return 1 ;; esac
	done
'

# Expected: an unknown key is exit status 2 with one line naming it, for
# get, set and --unset alike, and the file is untouched.
test_expect_success 'an unknown key is exit status 2' '
	cp .cairn/config config.before
	test_must_fail --status=2 cairn config no.such-key >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	grep "unknown config key .no.such-key." err
	test_must_fail --status=2 cairn config core.compresion 3 >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	grep "unknown config key .core.compresion." err
	test_must_fail --status=2 cairn config user.emial a@b >out 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn config --unset no.such-key >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	test_cmp config.before .cairn/config
'

# Expected: a malformed key is exit status 2 with one line, for every form.
test_expect_success 'a malformed key is exit status 2' '
	for k in nodot ".a" "a..b" "a." "1a.b" "a b.c"
	do
		test_must_fail --status=2 cairn config "$k" >out 2>err
		test_stderr_one_line err
		test_must_fail --status=2 cairn config "$k" v 2>err
		test_stderr_one_line err
		test_must_fail --status=2 cairn config --unset "$k" 2>err
		test_stderr_one_line err
	done
'

# Expected: a value outside the table's range or type is refused when
# set (exit 2, one line), the file is untouched, and the good values at
# each end of a range are taken.
test_expect_success 'values are checked against the table when set' '
	cp .cairn/config config.before
	for kv in "core.compression|10" "core.compression|-1" \
	    "core.compression|1x" "core.compression|" \
	    "core.lockTimeout|86400001" "core.walLimit|4095" \
	    "core.bigFileThreshold|1023" "core.bigFileThreshold|1073741825" \
	    "gc.pruneExpire|bogus" "user.name|a<b" "core.alternate|"
	do
		test_must_fail --status=2 cairn config "${kv%%|*}" "${kv#*|}" \
		    >out 2>err
		test_must_be_empty out
		test_stderr_one_line err
	done
	test_cmp config.before .cairn/config
	cairn config core.compression 9
	cairn config core.compression 0
	cairn config core.lockTimeout 86400000
	cairn config core.walLimit 4096
	cairn config core.bigFileThreshold 1073741824
	test "$(cairn config core.bigFileThreshold)" = 1073741824
'

# Expected: a key set in another case is stored as the table spells it.
test_expect_success 'a key is stored as the table spells it' '
	cairn config CORE.LOCKTIMEOUT 700
	grep "^core.lockTimeout = 700$" .cairn/config
	test "$(cairn config core.locktimeout)" = 700
'

# Expected: --unset removes a set key (exit 0), durably: a new process
# reads it as unset, and --list no longer shows it.
test_expect_success '--unset removes a key' '
	cairn config user.name "Ann Example"
	cairn config gc.pruneExpire now
	cairn config --unset user.name >out 2>err
	test_must_be_empty out
	test_must_be_empty err
	test_must_fail --status=1 cairn config user.name >out
	test_must_be_empty out
	cairn config --list >list
	! grep -i "^user.name=" list
	grep "^gc.pruneExpire=now$" list
	! grep -i "user.name" .cairn/config
	cairn config --unset GC.PRUNEEXPIRE
	test_must_fail --status=1 cairn config gc.pruneExpire
'

# Expected: --unset of a known key that is not set is exit status 1 and
# changes nothing.
test_expect_success '--unset of a key not set is exit status 1' '
	cp .cairn/config config.before
	test_must_fail --status=1 cairn config --unset user.email >out 2>err
	test_must_be_empty out
	test_cmp config.before .cairn/config
'

# Expected: --unset of a read-only key, or of core.alternate (the objects
# it lends would go missing), is exit status 2 and changes nothing.
test_expect_success '--unset refuses read-only keys and core.alternate' '
	cairn init alt >/dev/null
	cairn config core.alternate "$PWD/alt"
	cp .cairn/config config.before
	for k in object.format core.formatVersion core.alternate
	do
		test_must_fail --status=2 cairn config --unset "$k" >out 2>err
		test_must_be_empty out
		test_stderr_one_line err
	done
	test_cmp config.before .cairn/config
	test "$(cairn config object.format)" = sha256
'

# Expected: after --unset, an integer key reads its default again (the
# repository opens and works with the default).
test_expect_success '--unset of an integer key restores its default' '
	cairn config core.compression 0
	cairn config --unset core.compression
	test_must_fail --status=1 cairn config core.compression
	echo hello | cairn put --stdin >id
	cairn cat "$(cat id)" >out
	echo hello >expect
	test_cmp expect out
'

# Expected: a key the table does not know that a file holds (written by
# hand) does not stop the repository; --list shows it and --unset removes
# it, the way out of a hand edit; get and set of it stay exit 2.
test_expect_success 'a hand-written unknown key can be removed' '
	echo "extra.thing = 1" >>.cairn/config
	cairn config --list >list
	grep "^extra.thing=1$" list
	test_must_fail --status=2 cairn config extra.thing 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn config extra.thing 2 2>err
	test_stderr_one_line err
	cairn config --unset extra.thing
	! grep extra .cairn/config
	test_must_fail --status=2 cairn config --unset extra.thing 2>err
	test_stderr_one_line err
'

# Expected: --unset takes exactly one key and no value; --unset with
# --list is a usage error.
test_expect_success '--unset usage' '
	test_must_fail --status=2 cairn config --unset 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn config --unset user.name x 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn config --unset --list 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn config --list --unset user.name 2>err
	test_stderr_one_line err
'

# Expected: --unset on a read-only open is refused (exit 3) and changes
# nothing.
test_expect_success '--unset through --read-only is refused' '
	cairn config user.name x
	cp .cairn/config config.before
	test_must_fail --status=3 cairn --read-only config --unset user.name 2>err
	test_stderr_one_line err
	test_cmp config.before .cairn/config
'

# Expected: remote.<name>.url is a family of keys, one per remote name of
# letters, digits, '-' and '_': each is set, read back, listed and unset
# as written; a name outside that set, or a key of the family with
# another last part, is unknown (exit 2); fsck takes the keys.
test_expect_success 'remote.<name>.url keys' '
	cairn config remote.origin.url /srv/a &&
	cairn config remote.Back-up_2.url "ssh://h/x y" &&
	echo /srv/a >expect &&
	cairn config remote.origin.url >actual &&
	test_cmp expect actual &&
	echo "ssh://h/x y" >expect &&
	cairn config remote.Back-up_2.url >actual &&
	test_cmp expect actual &&
	cairn config --list >list &&
	grep -x "remote.origin.url=/srv/a" list &&
	grep -x "remote.Back-up_2.url=ssh://h/x y" list &&
	test_must_fail --status=1 cairn config remote.other.url >out &&
	test_must_be_empty out &&
	cp .cairn/config config.before &&
	for k in remote.a/b.url remote..url remote.url remote.a.b.url \
	    remote.a.uri "remote.a b.url"
	do
		test_must_fail --status=2 cairn config "$k" v 2>err &&
		test_stderr_one_line err || return 1
	done &&
	test_cmp config.before .cairn/config &&
	cairn fsck &&
	cairn config --unset remote.Back-up_2.url &&
	test_must_fail --status=1 cairn config remote.Back-up_2.url &&
	test_must_fail --status=1 cairn config --unset remote.Back-up_2.url
'

test_done
