#!/bin/sh
# t0104-shared: a repository shared by a group (cairn init --shared=group,
# core.sharedRepository = group).  Two users of one group both write and
# read it, under umask 077 as under 022: every directory stays setgid and
# group-writable, every file group-readable and group-writable, whoever
# made it and whichever command (put, commit, ref set, flush, gc, fsck
# --repair); the ownership check lets a member of the group write; a user
# outside the group is still refused (exit status 3, nothing changed), and
# so is a member of the group in a repository that is not shared.  The
# users are made by the test (root only) and removed at its end.

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

# The group and its two members; nobody (not in it) is the outsider.
GRP=cairntest_grp
UA=cairntest_a
UB=cairntest_b

# as_user <user> <command> [<arg>...]: run as <user> with the groups the
# group database gives it (GRP for both members).
as_user () {
	test_as_user_=$1
	shift
	setpriv --reuid="$test_as_user_" --regid="$GRP" --init-groups "$@"
}
as_a () {
	as_user "$UA" "$@"
}
as_b () {
	as_user "$UB" "$@"
}

shared_made_=
shared_cleanup () {
	if test -n "$shared_made_"
	then
		userdel "$UA" >/dev/null 2>&1
		userdel "$UB" >/dev/null 2>&1
		groupdel "$GRP" >/dev/null 2>&1
	fi
}

# SHARED: we are root, made the group and its users, and they (and
# nobody) can run this build of cairn in the trash directory.
shared_why=
test_nobody_check
if test "$(id -u)" != 0
then
	shared_why="not running as root"
elif ! command -v useradd >/dev/null 2>&1 ||
	! command -v groupadd >/dev/null 2>&1
then
	shared_why="no useradd or groupadd"
elif ! test_have_prereq NOBODY
then
	shared_why=$test_nobody_why
elif getent group "$GRP" >/dev/null || getent passwd "$UA" >/dev/null ||
	getent passwd "$UB" >/dev/null
then
	shared_why="$GRP, $UA or $UB already exists (left by a killed run? remove them)"
else
	trap shared_cleanup EXIT
	trap 'exit 1' HUP INT TERM
	shared_made_=t
	if ! groupadd "$GRP" ||
		! useradd -M -N -g "$GRP" -s /bin/sh "$UA" ||
		! useradd -M -N -g "$GRP" -s /bin/sh "$UB"
	then
		shared_why="cannot create the users"
	elif ! as_a sh -c 'test "$(command -v cairn)" = "$CAIRN_CLI" &&
			cd "$1"' sh "$TRASH_DIRECTORY" >/dev/null 2>&1
	then
		shared_why="$UA cannot run $CAIRN_CLI in the trash directory"
	else
		test_set_prereq SHARED
	fi
fi

# modes_shared <repo> [private]: every directory is setgid and group
# rwx, every file group rw, and everything belongs to the group of
# <repo>; nothing is world-writable.  With "private" (umask 077), others
# have no bits.
modes_shared () {
	{
		find "$1" -type d ! -perm -2070
		find "$1" -type f ! -perm -060
		find "$1" ! -group "$(stat -c %G "$1")"
		find "$1" ! -type l -perm -o+w
		if test "${2-}" = private
		then
			find "$1" ! -type l -perm /o+rwx
		fi
	} >"$TRASH_DIRECTORY/.badmode" || return 1
	if test -s "$TRASH_DIRECTORY/.badmode"
	then
		echo "not shared with $GRP under '$1':" >&9
		sort -u "$TRASH_DIRECTORY/.badmode" | xargs ls -ld >&9
		return 1
	fi
}

# snapshot <dir>: every path's owner, mode, size and content digest.
snapshot () {
	(cd "$1" && find . -exec stat -c '%n %U %a %s' {} + | sort &&
		find . -type f -exec sha256sum {} + | sort)
}

# refused <file>: <file> holds the one-line ownership refusal.
refused () {
	test_stderr_one_line "$1" || return 1
	grep "owned by uid [0-9]* (you are uid [0-9]*); to allow it, add it to CAIRN_SAFE_DIRECTORIES\$" "$1" >/dev/null || {
		echo "not the ownership refusal:" >&9
		cat "$1" >&9
		return 1
	}
}

# setup_shared <umask>: in ./w (UA's), UA makes the shared repository
# w/r under <umask>; the inputs a, b, sub/ are readable by all.
setup_shared () {
	mkdir w sub &&
	echo from-a >a &&
	echo from-b >b &&
	echo deep >sub/file &&
	chmod 644 a b sub/file &&
	chmod 755 sub &&
	chown "$UA:$GRP" w &&
	umask "$1" &&
	as_a cairn init --shared=group w/r >/dev/null
}

# Expected: --shared takes group (or true, or nothing) and umask (or
# false); anything else, and --shared for a repository in RADOS, is a
# usage error (exit status 2, one line) that creates nothing.
test_expect_success '--shared takes group or umask; anything else is exit 2' '
	cairn init --shared=group g1 >/dev/null
	grep "^core.sharedRepository = group\$" g1/config
	cairn init --shared g2 >/dev/null
	grep "^core.sharedRepository = group\$" g2/config
	cairn init --shared=true g3 >/dev/null
	grep "^core.sharedRepository = group\$" g3/config
	cairn init --shared=umask u1 >/dev/null
	! grep sharedRepository u1/config
	cairn init --shared=false u2 >/dev/null
	! grep sharedRepository u2/config
	test_must_fail --status=2 cairn init --shared=all bad 2>err
	test_stderr_one_line err
	grep "group or umask" err
	test_path_is_missing bad
	test_must_fail --status=2 cairn init --shared=group rados://pool/x 2>err
	test_stderr_one_line err
	grep RADOS err
'

# Expected: core.sharedRepository reads back, and only init sets it.
test_expect_success 'core.sharedRepository is set by init only' '
	cairn init --shared=group s >/dev/null
	cairn -r s config core.sharedRepository >out
	echo group >expect
	test_cmp expect out
	test_must_fail --status=1 cairn config core.sharedRepository >out
	test_must_be_empty out
	cp s/config config.before
	test_must_fail --status=2 cairn -r s config core.sharedRepository umask 2>err
	test_stderr_one_line err
	grep "cannot be changed after init" err
	test_must_fail --status=2 cairn config core.sharedRepository group 2>err
	test_cmp config.before s/config
'

# Expected: a new directory is made setgid and group-writable by init
# whatever the umask; one already there (empty, ours) is made so too.
test_expect_success 'init --shared=group under umask 077 and into an empty directory' '
	umask 077
	cairn init --shared=group r >/dev/null
	test_path_is_dir r
	stat -c %a r >mode
	echo 2770 >expect
	test_cmp expect mode
	modes_shared r private
	mkdir e
	cairn init --shared=group e >/dev/null
	stat -c %a e >mode
	test_cmp expect mode
	modes_shared e private
'

for u in 077 022
do
	if test $u = 077
	then
		private=private
	else
		private=
	fi

	# Expected: both members write, each reads what the other wrote,
	# and every file and directory, whoever made it, is the group's.
	test_expect_success SHARED "umask $u: both members write and read each other's objects and refs" '
		setup_shared '"$u"'
		modes_shared w/r '"$private"'
		stat -c %G w/r >group
		echo "$GRP" >expect
		test_cmp expect group
		A=$(as_a cairn -r w/r put a)
		B=$(as_b cairn -r w/r put b)
		T=$(as_b cairn -r w/r put -r sub)
		C=$(as_b cairn -r w/r commit -m by-b "$T")
		as_b cairn -r w/r ref set refs/heads/b "$C"
		as_a cairn -r w/r ref set refs/heads/a "$C"
		as_a cairn -r w/r cat -p "$B" >out
		test_cmp b out
		as_b cairn -r w/r cat -p "$A" >out
		test_cmp a out
		as_a cairn -r w/r flush
		as_b cairn -r w/r put sub/file >/dev/null
		as_b cairn -r w/r flush
		as_a cairn -r w/r rev-parse refs/heads/b >out
		echo "$C" >expect
		test_cmp expect out
		modes_shared w/r '"$private"'
		test_fsck_repo w/r
	'

	# Expected: after gc by one member the other writes, and the other
	# way round; the files gc made are the group's.
	test_expect_success SHARED "umask $u: gc --prune=now by either member leaves the repository to the other" '
		setup_shared '"$u"'
		A=$(as_a cairn -r w/r put a)
		T=$(as_a cairn -r w/r put -r sub)
		C=$(as_a cairn -r w/r commit -m by-a "$T")
		as_a cairn -r w/r ref set main "$C"
		as_b cairn -r w/r put b >/dev/null
		as_b cairn -r w/r gc --prune=now >/dev/null
		modes_shared w/r '"$private"'
		as_a cairn -r w/r put b >/dev/null
		as_a cairn -r w/r ref set other "$C"
		as_a cairn -r w/r flush
		as_a cairn -r w/r gc --prune=now >/dev/null
		modes_shared w/r '"$private"'
		as_b cairn -r w/r put a >/dev/null
		as_b cairn -r w/r ref delete other
		as_b cairn -r w/r flush
		as_b cairn -r w/r cat -p "$A" >out
		test_cmp a out
		modes_shared w/r '"$private"'
		test_fsck_repo w/r
	'

	# Expected: fsck --repair by one member (here rebuilding the index
	# it is missing) leaves files the other can use, both ways.
	test_expect_success SHARED "umask $u: fsck --repair by either member leaves the repository to the other" '
		setup_shared '"$u"'
		A=$(as_a cairn -r w/r put a)
		as_a cairn -r w/r flush
		as_b cairn -r w/r put b >/dev/null
		as_b cairn -r w/r flush
		rm -f w/r/index/*
		test_must_fail as_a cairn -r w/r fsck >/dev/null 2>&1
		as_a cairn -r w/r fsck --repair >/dev/null 2>&1
		as_a cairn -r w/r fsck >/dev/null
		modes_shared w/r '"$private"'
		as_b cairn -r w/r put sub/file >/dev/null
		as_b cairn -r w/r flush
		as_b cairn -r w/r cat -p "$A" >out
		test_cmp a out
		rm -f w/r/index/*
		as_b cairn -r w/r fsck --repair >/dev/null 2>&1
		as_b cairn -r w/r fsck >/dev/null
		modes_shared w/r '"$private"'
		as_a cairn -r w/r put b >/dev/null
		as_a cairn -r w/r ref set main "$(as_a cairn -r w/r commit -m m "$(as_a cairn -r w/r put -r sub)")"
		as_a cairn -r w/r flush
		modes_shared w/r '"$private"'
		# A config written anew by the repair keeps the repository shared.
		rm w/r/config
		as_a cairn -r w/r fsck --repair >/dev/null 2>&1
		grep "^core.sharedRepository = group\$" w/r/config
		as_b cairn -r w/r put a >/dev/null
		as_b cairn -r w/r flush
		modes_shared w/r '"$private"'
		test_fsck_repo w/r
	'

	# Expected: a user outside the group is refused as before (exit 3,
	# one line), whichever command writes, and nothing changes.
	test_expect_success SHARED "umask $u: a user outside the group is refused" '
		setup_shared '"$u"'
		A=$(as_a cairn -r w/r put a)
		as_a cairn -r w/r flush
		chmod -R o+rX w/r
		snapshot w/r >before
		test_must_fail --status=3 as_nobody cairn -r w/r put b >out 2>err
		refused err
		test_must_fail --status=3 as_nobody cairn -r w/r ref set x "$A" 2>err
		refused err
		test_must_fail --status=3 as_nobody cairn -r w/r gc 2>err
		refused err
		snapshot w/r >after
		test_cmp before after
	'
done

# Expected: a member of the group is refused where the repository is
# not shared, even with its directory setgid and group-writable, and
# where the config says shared but the directory is not group-writable;
# nothing changes.
test_expect_success SHARED 'a member of the group is refused in a repository not shared' '
	mkdir w
	echo from-b >b
	chmod 644 b
	chown "$UA:$GRP" w
	as_a cairn init w/plain >/dev/null
	chmod 2775 w/plain
	snapshot w/plain >before
	test_must_fail --status=3 as_b cairn -r w/plain put b 2>err
	refused err
	snapshot w/plain >after
	test_cmp before after
	as_a cairn init --shared=group w/s >/dev/null
	chmod g-w w/s
	snapshot w/s >before
	test_must_fail --status=3 as_b cairn -r w/s put b 2>err
	refused err
	snapshot w/s >after
	test_cmp before after
'

# Expected: a repository made without --shared in a directory that is
# setgid and group-writable is not its group's to write: under umask 077,
# 022 and 002 no file or directory of it is group-writable.
test_expect_success 'a repository not shared is never group-writable, whatever its parent' '
	mkdir -m 2775 parent
	for u in 077 022 002
	do
		(umask $u && cairn init "parent/r$u" >/dev/null) || return 1
		(umask $u && cd "parent/r$u" && cairn -r . put --stdin </dev/null >/dev/null &&
			cairn -r . ref set main "$(echo x | cairn -r . put --stdin)" &&
			cairn -r . flush && cairn -r . gc --prune=now >/dev/null) || return 1
		find "parent/r$u" -perm -g+w >writable
		test_must_be_empty writable || return 1
	done
'

if ! test_have_prereq SHARED
then
	test_skip 'two users of one group share a repository' "$shared_why"
fi

test_done
