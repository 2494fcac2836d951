#!/bin/sh
# t0062-perms: permissions and ownership.  Under `umask 000` every file
# cairn creates in a repository is 0644 and every directory 0755, so
# nothing is group- or world-writable, whichever command made it; files
# that `get` checks out follow the umask, as git's do.  A command that
# writes refuses a repository owned by another user (root included) with
# exit status 3 and one line naming the owner, changing nothing, unless
# CAIRN_SAFE_DIRECTORIES names it; reading commands work.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

CAIRN_AUTHOR_NAME=$GIT_AUTHOR_NAME
CAIRN_AUTHOR_EMAIL=$GIT_AUTHOR_EMAIL
CAIRN_AUTHOR_DATE=$GIT_AUTHOR_DATE
CAIRN_COMMITTER_NAME=$GIT_COMMITTER_NAME
CAIRN_COMMITTER_EMAIL=$GIT_COMMITTER_EMAIL
CAIRN_COMMITTER_DATE=$GIT_COMMITTER_DATE
export CAIRN_AUTHOR_NAME CAIRN_AUTHOR_EMAIL CAIRN_AUTHOR_DATE \
	CAIRN_COMMITTER_NAME CAIRN_COMMITTER_EMAIL CAIRN_COMMITTER_DATE
unset CAIRN_SAFE_DIRECTORIES

# SETPRIV: we are root, and a process running as nobody can run this
# build of cairn and enter the test's scratch directories, which is what
# the test that needs it does (lib.sh, test_nobody_check); otherwise
# test_nobody_why says why not, for the skip.
test_nobody_check
if test_have_prereq NOBODY
then
	test_set_prereq SETPRIV
fi

# no_writable <dir>: nothing under <dir> (itself included) is group- or
# world-writable; symbolic links, whose mode means nothing, aside.
no_writable () {
	find "$1" ! -type l \( -perm -g+w -o -perm -o+w \) >"$TRASH_DIRECTORY/.writable" ||
		return 1
	if test -s "$TRASH_DIRECTORY/.writable"
	then
		echo "group- or world-writable under '$1':" >&9
		xargs ls -ld <"$TRASH_DIRECTORY/.writable" >&9
		return 1
	fi
}

# modes_are <dir> <file mode> <dir mode>: every file and directory under
# <dir> has exactly that mode; prints how many of each were checked.
modes_are () {
	find "$1" \( -type f ! -perm "$2" \) -o \( -type d ! -perm "$3" \) \
		>"$TRASH_DIRECTORY/.badmode" || return 1
	if test -s "$TRASH_DIRECTORY/.badmode"
	then
		echo "not $2 (files) or $3 (directories) under '$1':" >&9
		xargs ls -ld <"$TRASH_DIRECTORY/.badmode" >&9
		return 1
	fi
	echo "$(find "$1" -type f | wc -l) files $2, $(find "$1" -type d | wc -l) directories $3"
}

# snapshot <dir>: every path's owner, mode, size and content digest.
snapshot () {
	(cd "$1" && find . -exec stat -c '%n %U %a %s' {} + | sort &&
		find . -type f -exec sha256sum {} + | sort)
}

# refused <file> <owner uid> <our uid>: <file> holds the one-line refusal.
refused () {
	test_stderr_one_line "$1" || return 1
	grep "owned by uid $2 (you are uid $3); to allow it, add it to CAIRN_SAFE_DIRECTORIES\$" "$1" >/dev/null || {
		echo "not the ownership refusal:" >&9
		cat "$1" >&9
		return 1
	}
}

# make_src: a small directory ./src, with an executable file.
make_src () {
	mkdir -p src/sub &&
	echo one >src/one &&
	echo two >src/sub/two &&
	printf '#!/bin/sh\necho run\n' >src/run &&
	chmod 755 src/run
}

# fill <repo>: store, flush and name some objects of ./src; sets BLOB
# (used by the bodies), TREE and COMMIT.
# shellcheck disable=SC2034
fill () {
	BLOB=$(cairn -r "$1" put src/one) &&
	TREE=$(cairn -r "$1" put -r src) &&
	COMMIT=$(cairn -r "$1" commit -m first "$TREE") &&
	cairn -r "$1" ref set main "$COMMIT" &&
	cairn -r "$1" flush
}

test_expect_success 'the mode checks see a group- or world-writable file' '
	mkdir d
	: >d/f
	no_writable d
	chmod o+w d/f
	! no_writable d 9>/dev/null
	chmod o-w,g+w d/f
	! no_writable d 9>/dev/null
	chmod g-w d/f
	chmod 711 d
	! modes_are d 0644 0755 9>/dev/null
'

test_expect_success 'under umask 000 every command leaves 0644 files and 0755 directories' '
	umask 000
	make_src
	cairn init deep/er/r >/dev/null
	R=deep/er/r
	fill $R
	echo stdin | cairn -r $R put --stdin >/dev/null
	printf "blob 5\nbatch\n" | cairn -r $R put --batch >/dev/null
	echo unreachable >gone
	cairn -r $R put gone >/dev/null
	cairn -r $R flush
	ls $R/index/*.idx >idx
	test_line_count -ge 1 idx
	cairn -r $R ref set nested/a/b "$BLOB" --create
	printf "set main %s %s\ncreate other %s\n" "$TREE" "$COMMIT" "$BLOB" |
		cairn -r $R ref update
	cairn -r $R ref delete other
	cairn -r $R config core.compression 6
	cairn -r $R config user.name Someone
	cairn -r $R gc --prune=now >out
	grep "removed [1-9][0-9]* objects" out
	cairn -r $R put src/sub/two >/dev/null
	cairn -r $R flush
	rm $R/index/*.idx
	cairn -r $R fsck --repair >out
	grep "(repaired)\$" out
	ls $R/index/*.idx >idx
	test_line_count -ge 1 idx
	test_path_is_dir $R/refs/nested/a
	modes_are deep 0644 0755 >counts
	cat counts
	no_writable deep
	test_fsck_repo $R
'

test_expect_success 'a stricter umask narrows the modes: 077 makes a private repository' '
	umask 077
	make_src
	cairn init p >/dev/null
	fill p
	cairn -r p ref set x/y "$BLOB"
	cairn -r p gc --prune=now >/dev/null
	modes_are p 0600 0700
	test_fsck_repo p
'

test_expect_success 'get: checked-out files follow the umask; other modes are written as git writes them' '
	make_src
	tree=$(cairn put -r src)
	(umask 022 && cairn get "$tree" out022)
	test "$(stat -c %a out022/one)" = 644
	test "$(stat -c %a out022/run)" = 755
	test "$(stat -c %a out022/sub)" = 755
	test "$(stat -c %a out022/sub/two)" = 644
	(umask 000 && cairn get "$tree" out000)
	test "$(stat -c %a out000/one)" = 666
	test "$(stat -c %a out000/run)" = 777
	test "$(stat -c %a out000/sub)" = 777
	# Other modes are stored as git stores them and written as git
	# writes them: an executable if the owner may run it, else a file.
	blob=$(cairn put src/one)
	for mode in 100666:644 100777:755 100664:644 100600:644 100700:755
	do
		printf "%s x\\0" "${mode%:*}" >odd
		printf "%s" "$blob" | sed "s/../\\\\x&/g" | xargs -0 printf >>odd
		odd=$(cairn put -t tree odd) || return 1
		rm -rf "out$mode"
		(umask 022 && cairn get "$odd" "out$mode") || return 1
		test "$(stat -c %a "out$mode/x")" = "${mode#*:}" || return 1
	done
	printf "100755 x\\0" >good
	printf "%s" "$blob" | sed "s/../\\\\x&/g" | xargs -0 printf >>good
	cairn put -t tree good
'

test_expect_success ROOT 'a repository owned by another user: writes refused, reads work' '
	nobody=$(id -u nobody)
	make_src
	cairn init r >/dev/null
	fill r
	chown -R nobody r
	snapshot r >before
	test_must_fail --status=3 cairn -r r put src/one 2>err
	refused err "$nobody" 0
	echo x | test_must_fail --status=3 cairn -r r put --stdin 2>err
	refused err "$nobody" 0
	printf "blob 1\nx\n" | test_must_fail --status=3 cairn -r r put --batch 2>err
	refused err "$nobody" 0
	test_must_fail --status=3 cairn -r r put -r src 2>err
	refused err "$nobody" 0
	test_must_fail --status=3 cairn -r r flush 2>err
	refused err "$nobody" 0
	test_must_fail --status=3 cairn -r r gc --prune=now 2>err
	refused err "$nobody" 0
	test_must_fail --status=3 cairn -r r commit -m again "$TREE" 2>err
	refused err "$nobody" 0
	test_must_fail --status=3 cairn -r r ref set main "$BLOB" 2>err
	refused err "$nobody" 0
	test_must_fail --status=3 cairn -r r ref delete main 2>err
	refused err "$nobody" 0
	echo "create new $BLOB" | test_must_fail --status=3 cairn -r r ref update 2>err
	refused err "$nobody" 0
	test_must_fail --status=3 cairn -r r config core.compression 5 2>err
	refused err "$nobody" 0
	(cd r && test_must_fail --status=3 cairn -r . flush 2>../err)
	refused err "$nobody" 0
	test_must_fail --status=3 env CAIRN_DIR="$PWD/r" cairn flush 2>err
	refused err "$nobody" 0
	snapshot r >after
	test_cmp before after
	cairn -r r cat "$BLOB" >got
	test_cmp src/one got
	cairn -r r cat -p "$TREE" >/dev/null
	cairn -r r ls -r "$TREE" >ls
	test_line_count = 3 ls
	cairn -r r log --oneline main >log
	test_line_count = 1 log
	cairn -r r stats >/dev/null
	test "$(cairn -r r ref get main)" = "$COMMIT"
	cairn -r r ref list >refs
	test_line_count = 1 refs
	cairn -r r fsck >out
	test_must_be_empty out
	cairn -r r fsck --repair >out
	test_must_be_empty out
	cairn -r r get "$TREE" checkout
	test_cmp src/sub/two checkout/sub/two
	test "$(cairn -r r put -n src/one)" = "$BLOB"
	test "$(cairn -r r config core.compression)" = 1
	snapshot r >after
	test_cmp before after
	test_fsck_repo r
'

test_expect_success ROOT 'fsck --repair refuses a damaged repository owned by another user' '
	nobody=$(id -u nobody)
	make_src
	cairn init d >/dev/null
	fill d
	rm d/index/*.idx
	chown -R nobody d
	snapshot d >before
	test_must_fail --status=3 cairn -r d fsck --repair >out 2>err
	refused err "$nobody" 0
	snapshot d >after
	test_cmp before after
	CAIRN_SAFE_DIRECTORIES=$PWD/d cairn -r d fsck --repair >out
	grep "(repaired)\$" out
	chown -R nobody d
	cairn -r d fsck
	test_fsck_repo d
'

test_expect_success ROOT 'init refuses an existing empty directory owned by another user' '
	nobody=$(id -u nobody)
	mkdir e
	chown nobody e
	test_must_fail --status=3 cairn init e 2>err
	refused err "$nobody" 0
	find e -mindepth 1 >left
	test_must_be_empty left
	CAIRN_SAFE_DIRECTORIES=$PWD/e cairn init e >/dev/null
	test_path_is_file e/manifest
	test_fsck_repo e
'

test_expect_success ROOT 'CAIRN_SAFE_DIRECTORIES: absolute paths, links resolved, or *' '
	nobody=$(id -u nobody)
	make_src
	cairn init r >/dev/null
	cairn init other >/dev/null
	fill r
	chown -R nobody r
	ln -s r link
	for list in "" r ./r "$PWD/other" /nonexistent ":" "$PWD/r/x" "$PWD/r*" "**"
	do
		test_must_fail --status=3 env CAIRN_SAFE_DIRECTORIES="$list" \
			cairn -r r ref set a "$BLOB" 2>err || return 1
		refused err "$nobody" 0 || return 1
	done
	CAIRN_SAFE_DIRECTORIES=$PWD/r cairn -r r ref set a "$BLOB"
	CAIRN_SAFE_DIRECTORIES="/nonexistent::$PWD/r/" cairn -r r put src/one
	CAIRN_SAFE_DIRECTORIES=$PWD/link cairn -r r ref set b "$BLOB"
	CAIRN_SAFE_DIRECTORIES=$PWD/r cairn -r link ref set c "$BLOB"
	CAIRN_SAFE_DIRECTORIES="/x:*" cairn -r r flush
	CAIRN_SAFE_DIRECTORIES="*" cairn -r r gc --prune=now >/dev/null
	cairn -r r ref list >refs
	test_line_count = 4 refs
	chown -R nobody r
	test_fsck_repo r
'

if test -n "$test_nobody_why"
then
	test_skip 'as nobody: a root-owned repository is read, never written' \
		"$test_nobody_why"
else
test_expect_success ROOT,SETPRIV 'as nobody: a root-owned repository is read, never written' '
	chmod a+x "$TRASH_DIRECTORY"
	chmod 755 .
	umask 022
	make_src
	cairn init r >/dev/null
	fill r
	mkdir out
	chown nobody out
	snapshot r >before
	test_must_fail --status=3 as_nobody cairn -r r put src/one 2>err
	refused err 0 "$(id -u nobody)"
	test_must_fail --status=3 as_nobody cairn -r r ref set main "$BLOB" 2>err
	refused err 0 "$(id -u nobody)"
	test_must_fail --status=3 as_nobody cairn -r r flush 2>err
	refused err 0 "$(id -u nobody)"
	test_must_fail --status=3 as_nobody cairn -r r gc 2>err
	refused err 0 "$(id -u nobody)"
	as_nobody cairn -r r cat "$BLOB" >got
	test_cmp src/one got
	as_nobody cairn -r r ls -r "$TREE" >ls
	test_line_count = 3 ls
	as_nobody cairn -r r log main >/dev/null
	as_nobody cairn -r r stats >/dev/null
	test "$(as_nobody cairn -r r ref get main)" = "$COMMIT"
	as_nobody cairn -r r fsck >out.fsck
	test_must_be_empty out.fsck
	as_nobody cairn -r r get "$TREE" out/tree
	test_cmp src/sub/two out/tree/sub/two
	snapshot r >after
	test_cmp before after
	chmod -R o+w r
	test_must_fail --status=3 as_nobody cairn -r r put src/one 2>err
	refused err 0 "$(id -u nobody)"
	as_nobody env CAIRN_SAFE_DIRECTORIES="$PWD/r" cairn -r r put src/sub/two >id
	test "$(cat id)" = "$(cairn put -n src/sub/two)"
	chmod -R o-w r
	test_fsck_repo r
'
fi

test_done
