#!/bin/sh
# t0094-fetch-push: clone, fetch and push between repositories over a
# path, file:// and ssh URLs (through $CAIRN_SSH, a stand-in that runs
# the far side here, and a real sshd on 127.0.0.1 when one is
# installed), with git as the oracle of what a history holds: the clone
# holds exactly what git rev-list --objects --all lists, its refs are the
# remote's, and a fetch brings exactly what is new.  push moves the far
# ref by compare-and-swap: a stale or losing push exits 1 naming both
# ids and moves nothing, and of two racing pushes exactly one wins.  A
# far side that lies (an object that does not hash to its id) or whose
# stream is cut is refused with one line and exit 3, nothing that fails
# its hash is stored, no ref moves, and a rerun sends only what is still
# missing.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

test_git_identity

# An ssh stand-in, as git's tests use: it drops "-p <port>" and the
# host and runs the command here.  With FILTER set, the far side's
# output goes through that command.
SSH_SUB=$TRASH_DIRECTORY/ssh-sub
cat >"$SSH_SUB" <<'EOF'
#!/bin/sh
if test "$1" = -p
then
	echo "$2" >>"$TRASH_DIRECTORY/ports"
	shift 2
fi
echo "$1" >>"$TRASH_DIRECTORY/hosts"
shift
if test -n "${FILTER-}"
then
	sh -c "$1" | sh -c "$FILTER"
	exit
fi
exec sh -c "$1"
EOF
chmod +x "$SSH_SUB"

# A filter of a byte stream that passes each read on at once:
# "flip <n>" inverts the low bit of byte <n>; "cut <n>" passes <n> bytes
# and ends; "stall <n>" passes <n> bytes, then holds the stream open.
FILTER_PY=$TRASH_DIRECTORY/filter.py
cat >"$FILTER_PY" <<'EOF'
import os, sys, time
mode, n = sys.argv[1], int(sys.argv[2])
off = 0
def out(b):
    try:
        while b:
            w = os.write(1, b)
            b = b[w:]
    except BrokenPipeError:
        sys.exit(0)
while True:
    b = os.read(0, 65536)
    if not b:
        break
    if mode != "flip" and off + len(b) >= n:
        out(b[:n - off])
        if mode == "stall":
            time.sleep(20)
        break
    if mode == "flip" and off <= n < off + len(b):
        b = bytearray(b)
        b[n - off] ^= 1
        b = bytes(b)
    out(b)
    off += len(b)
EOF

# make_history <dir>: a git history with a merge, a tag, an executable
# and a symlink.
make_history () {
	git init -q "$1" &&
	git -C "$1" symbolic-ref HEAD refs/heads/main &&
	mkdir "$1/d" &&
	echo one >"$1/a" &&
	echo two >"$1/d/b" &&
	printf '#!/bin/sh\n' >"$1/run" &&
	chmod +x "$1/run" &&
	ln -s a "$1/link" &&
	git -C "$1" add -A &&
	git -C "$1" commit -q -m first &&
	git -C "$1" checkout -q -b side &&
	echo side >"$1/d/c" &&
	git -C "$1" add -A &&
	git -C "$1" commit -q -m side &&
	git -C "$1" checkout -q main &&
	echo three >"$1/a" &&
	git -C "$1" commit -q -a -m second &&
	git -C "$1" merge -q --no-edit side &&
	git -C "$1" tag -a -m release v1 &&
	git -C "$1" tag light main~1
}

# refs_of <repo> <file> [prefix]: its refs under prefix, without it;
# without a prefix, those not under remotes/.
refs_of () {
	cairn -r "$1" ref list >"$2.raw" &&
	if test -n "${3-}"
	then
		sed -n "s|^\\([0-9a-f]*\\) $3|\\1 |p" "$2.raw" >"$2"
	else
		grep -v " remotes/" "$2.raw" >"$2" || :
	fi
}

# commit_in <repo> <ref> <text>: a new commit on <ref> with a file
# holding <text>, the ref moved to it; prints its id.
commit_in () {
	mkdir -p "$TRASH_DIRECTORY/w.$$" &&
	echo "$3" >"$TRASH_DIRECTORY/w.$$/f" &&
	ci_tree_=$(cairn -r "$1" put -r "$TRASH_DIRECTORY/w.$$") &&
	ci_id_=$(CAIRN_AUTHOR_NAME=t CAIRN_AUTHOR_EMAIL=t@t \
		CAIRN_COMMITTER_NAME=t CAIRN_COMMITTER_EMAIL=t@t \
		cairn -r "$1" commit -p "$2" -m "$3" "$ci_tree_") &&
	cairn -r "$1" ref set "$2" "$ci_id_" &&
	rm -rf "$TRASH_DIRECTORY/w.$$" &&
	echo "$ci_id_"
}

test_expect_success GIT 'clone by every transport holds what git lists' '
	make_history g
	import_history g A
	git_objects g/.git all --all
	refs_of A refs.A
	CAIRN_SSH=$SSH_SUB
	export CAIRN_SSH
	for url in "$PWD/A" "file://$PWD/A" "host:$PWD/A" \
	    "ssh://me@host:2222$PWD/A"
	do
		rm -rf B
		cairn clone "$url" B >out
		test_must_be_empty out
		objects_of B have
		test_cmp all have
		refs_of B refs.B
		test_cmp refs.A refs.B
		refs_of B refs.track remotes/origin/
		grep " remotes/origin/" refs.B.raw >/dev/null
		test_cmp refs.A refs.track
		cairn -r B remote list >remotes
		echo "origin $url" >expect
		test_cmp expect remotes
		cairn -r B fsck
	done
	test_path_is_file "$TRASH_DIRECTORY/ports"
	grep -x 2222 "$TRASH_DIRECTORY/ports"
	grep -x me@host "$TRASH_DIRECTORY/hosts"
	grep -x host "$TRASH_DIRECTORY/hosts"
'

test_expect_success GIT 'a relative path is stored absolute; file:// kept' '
	make_history g
	import_history g A
	cairn clone A B
	cairn -r B config remote.origin.url >url
	echo "$PWD/A" >expect
	test_cmp expect url
'

test_expect_success GIT 'fetch brings exactly what is new and moves only remotes/' '
	make_history g
	import_history g A
	cairn clone A B
	objects_of B before
	refs_of B local.before
	old=$(git -C g rev-parse main)
	echo four >g/a
	git -C g commit -q -a -m fourth
	echo five >g/e
	git -C g add e
	git -C g commit -q -m fifth
	git -C g tag v2
	cairn -r A import --git g/.git --refs >/dev/null
	cairn -r B fetch origin >out
	git_objects g/.git new --all "^$old"
	objects_of B after
	comm -13 before after >got
	comm -23 new before >expect
	test_cmp expect got
	git_objects g/.git all --all
	test_cmp all after
	refs_of A refs.A
	refs_of B track remotes/origin/
	test_cmp refs.A track
	sed "s/^\\([0-9a-f]*\\) /\\1 /" refs.A >expect
	test_cmp expect out
	cairn -r B ref get heads/main >main
	echo "$old" >expect
	test_cmp expect main
	cairn -r B fetch origin >out2
	test_cmp out out2
	objects_of B again
	test_cmp after again
'

test_expect_success GIT 'fetch of named refs; a ref the remote lacks; a URL records nothing' '
	make_history g
	import_history g A
	cairn init --object-format=sha1 B >/dev/null
	cairn -r B remote add up A
	cairn -r B fetch up tags/light >out
	echo "$(git -C g rev-parse light) tags/light" >expect
	test_cmp expect out
	cairn -r B ref list >refs
	echo "$(git -C g rev-parse light) remotes/up/tags/light" >expect
	test_cmp expect refs
	test_must_fail --status=1 cairn -r B fetch up heads/nope >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	grep "heads/nope" err
	test_must_fail --status=2 cairn -r B fetch up "bad..name" 2>err
	test_stderr_one_line err
	cairn init --object-format=sha1 C >/dev/null
	cairn -r C fetch "$PWD/A" >out
	refs_of A expect
	test_cmp expect out
	cairn -r C ref list >refs
	test_must_be_empty refs
	git_objects g/.git all --all
	objects_of C have
	test_cmp all have
'

test_expect_success GIT 'push moves the remote ref and the tracking ref; stale is exit 1' '
	make_history g
	import_history g A
	cairn clone A B
	cairn clone A C
	new=$(commit_in B heads/main pushed)
	cairn -r B push origin heads/main >out
	echo "$new heads/main" >expect
	test_cmp expect out
	cairn -r A ref get heads/main >got
	echo "$new" >expect
	test_cmp expect got
	cairn -r B ref get remotes/origin/heads/main >got
	test_cmp expect got
	git_objects g/.git all --all
	objects_of A have
	comm -13 all have >extra
	test_line_count -eq 3 extra
	cairn -r A fsck
	other=$(commit_in C heads/main other)
	old=$(cairn -r C ref get remotes/origin/heads/main)
	test_must_fail --status=1 cairn -r C push origin heads/main >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	grep "$new" err
	grep "$old" err
	cairn -r A ref get heads/main >got
	echo "$new" >expect
	test_cmp expect got
	cairn -r C push --force origin heads/main >out
	cairn -r A ref get heads/main >got
	echo "$other" >expect
	test_cmp expect got
	cairn -r C push origin heads/main~1:heads/topic >out
	echo "$old heads/topic" >expect
	test_cmp expect out
	cairn -r A ref get heads/topic >got
	echo "$old" >expect
	test_cmp expect got
'

test_expect_success GIT 'push over an existing ref with no tracking ref, and usage' '
	make_history g
	import_history g A
	cairn init --object-format=sha1 B >/dev/null
	cairn -r B remote add up A
	cairn -r B fetch up heads/main >/dev/null
	cairn -r B ref set heads/main "$(cairn -r B ref get remotes/up/heads/main)"
	cairn -r B ref delete remotes/up/heads/main
	test_must_fail --status=1 cairn -r B push up heads/main 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn -r B push up 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn -r B push 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn -r B push up "heads/main~1" 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn -r B push up "heads/main:bad..x" 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn -r B push --nope up heads/main 2>err
	test_stderr_one_line err
'

test_expect_success GIT 'racing pushes: exactly one wins each round' '
	make_history g
	import_history g A
	cairn clone A B
	cairn clone A C
	for round in 1 2 3 4
	do
		cairn -r B fetch origin >/dev/null
		cairn -r C fetch origin >/dev/null
		cairn -r B ref set heads/main "$(cairn -r B ref get remotes/origin/heads/main)"
		cairn -r C ref set heads/main "$(cairn -r C ref get remotes/origin/heads/main)"
		b=$(commit_in B heads/main "b$round")
		c=$(commit_in C heads/main "c$round")
		sb=0
		sc=0
		cairn -r B push origin heads/main >out.b 2>err.b &
		pb=$!
		cairn -r C push origin heads/main >out.c 2>err.c &
		pc=$!
		wait "$pb" || sb=$?
		wait "$pc" || sc=$?
		cairn -r A ref get heads/main >won
		if test "$sb" = 0
		then
			test "$sc" = 1
			echo "$b" >expect
		else
			test "$sb" = 1
			test "$sc" = 0
			echo "$c" >expect
		fi
		test_cmp expect won
	done
	cairn -r A fsck
'

test_expect_success 'remote add, list and remove' '
	cairn init --object-format=sha1 A >/dev/null
	cairn remote add up A
	cairn remote add far "host:/srv/x"
	cairn remote list >out
	printf "up %s\nfar host:/srv/x\n" "$PWD/A" >expect
	test_cmp expect out
	test_must_fail --status=1 cairn remote add up B 2>err
	test_stderr_one_line err
	for n in "a/b" "" "a b" "a.b"
	do
		test_must_fail --status=2 cairn remote add "$n" X 2>err
		test_stderr_one_line err
	done
	cairn ref set remotes/up/heads/x "$(echo x | cairn put --stdin)"
	cairn ref set remotes/upper/heads/x "$(echo y | cairn put --stdin)"
	cairn remote remove up
	cairn ref list >refs
	grep remotes/upper/heads/x refs
	! grep remotes/up/ refs
	test_must_fail --status=1 cairn remote remove up 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn remote 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn remote frob 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn remote list x 2>err
	test_stderr_one_line err
'

test_expect_success 'what cannot be reached or mixed is refused' '
	mkdir full
	echo x >full/f
	test_must_fail --status=3 cairn clone "$PWD/nothere" B 2>err
	test_stderr_one_line err
	test_path_is_missing B
	test_must_fail --status=3 cairn clone "http://127.0.0.1:1/x" B 2>err
	test_stderr_one_line err
	grep -i http err
	test_path_is_missing B
	CAIRN_SSH=false
	export CAIRN_SSH
	test_must_fail --status=3 cairn clone "host:$PWD/.cairn" B 2>err
	test_path_is_missing B
	unset CAIRN_SSH
	cairn init --object-format=sha1 S1 >/dev/null
	test_must_fail --status=2 cairn fetch "$PWD/S1" 2>err
	test_stderr_one_line err
	test_must_fail --status=1 cairn clone "$PWD/.cairn" full 2>err
	test_stderr_one_line err
	echo full/f >expect
	find full -type f >got
	test_cmp expect got
	test_must_fail --status=2 cairn clone 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn clone a b c 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn fetch 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn serve 2>err
	test_stderr_one_line err
'

# A stream bigger than one batch: 3,000 blobs of 4 KiB, one tree, one
# commit, in a repository named by heads/main.
make_big () {
	cairn init --object-format=sha1 "$1" >/dev/null &&
	mkdir "$1.files" &&
	i=0 &&
	while test "$i" -lt 3000
	do
		printf "%04096d" "$i" >"$1.files/f$i" || return 1
		i=$((i + 1))
	done &&
	bt_=$(cairn -r "$1" put -r "$1.files") &&
	bc_=$(CAIRN_AUTHOR_NAME=t CAIRN_AUTHOR_EMAIL=t@t \
		CAIRN_COMMITTER_NAME=t CAIRN_COMMITTER_EMAIL=t@t \
		cairn -r "$1" commit -m big "$bt_") &&
	cairn -r "$1" ref set heads/main "$bc_"
}

# stream_size <repo>: the bytes the far side sends for a clone of <repo>
# (made, through the stand-in, in <repo>.whole).
stream_size () {
	CAIRN_SSH=$SSH_SUB FILTER="tee $PWD/$1.out" \
		cairn clone "host:$PWD/$1" "$1.whole" >/dev/null &&
	wc -c <"$1.out"
}

test_expect_success 'a far side that lies about an object is refused' '
	make_big A
	whole=$(stream_size A)
	CAIRN_SSH=$SSH_SUB
	export CAIRN_SSH
	export FILTER
	# Flip one byte well inside the object stream.
	FILTER="python3 $FILTER_PY flip $((whole / 2))"
	test_must_fail --status=3 cairn clone "host:$PWD/A" B 2>err
	test_stderr_one_line err
	cairn -r B ref list >refs
	test_must_be_empty refs
	cairn -r B fsck
	objects_of B partial
	objects_of A all
	test "$(wc -l <partial)" -lt "$(wc -l <all)"
	unset FILTER
	cairn clone "host:$PWD/A" B
	objects_of B have
	test_cmp all have
	cairn -r B fsck
'

test_expect_success 'a cut stream: exit 3, nothing named, a rerun sends the rest' '
	make_big A
	whole=$(stream_size A)
	CAIRN_SSH=$SSH_SUB
	export CAIRN_SSH
	export FILTER
	FILTER="python3 $FILTER_PY cut $((whole * 2 / 3))"
	test_must_fail --status=3 cairn clone "host:$PWD/A" B 2>err
	test_stderr_one_line err
	cairn -r B ref list >refs
	test_must_be_empty refs
	cairn -r B fsck
	objects_of B partial
	test "$(wc -l <partial)" -gt 1000
	FILTER="tee $PWD/rest.out"
	cairn clone "host:$PWD/A" B
	rest=$(wc -c <rest.out)
	test "$rest" -lt $((whole / 2))
	objects_of A all
	objects_of B have
	test_cmp all have
	cairn -r B fsck
	cairn -r A fsck
'

test_expect_success 'kill -9 of a fetch, then a rerun' '
	make_big A
	cairn init --object-format=sha1 B >/dev/null
	cairn -r B remote add up A
	CAIRN_SSH=$SSH_SUB
	export CAIRN_SSH
	cairn -r B remote remove up
	cairn -r B remote add up "host:$PWD/A"
	# The far side stops after a third of the stream, and the fetch is
	# killed while it waits.
	whole=$(stream_size A)
	export FILTER
	FILTER="python3 $FILTER_PY stall $((whole / 3))"
	cairn -r B fetch up >/dev/null 2>&1 &
	pid=$!
	n=0
	while test "$n" -lt 100
	do
		objects_of B seen
		test "$(wc -l <seen)" -gt 0 && break
		sleep 0.1
		n=$((n + 1))
	done
	kill -9 "$pid"
	st=0
	wait "$pid" || st=$?
	test "$st" = 137
	unset FILTER
	cairn -r B fsck
	cairn -r B ref list >refs
	test_must_be_empty refs
	cairn -r B fetch up >/dev/null
	objects_of A all
	objects_of B have
	test_cmp all have
	cairn -r B fsck
'

test_expect_success 'serve speaks to a client that only lists refs, and errors' '
	cairn init --object-format=sha1 A >/dev/null
	id=$(echo x | cairn -r A put --stdin)
	cairn -r A ref set heads/x "$id"
	cairn serve A </dev/null >out
	printf "cairn-serve 1 sha1\n%s heads/x\nend\n" "$id" >expect
	test_cmp expect out
	echo frob | test_must_fail --status=3 cairn serve A >out
	tail -n 1 out >last
	grep "^error " last
	test_must_fail --status=3 cairn serve "$PWD/none" </dev/null >out
	grep "^error " out
'

test_expect_success 'a clone with standard output or input closed leaves the source whole' '
	cairn init --object-format=sha1 A >/dev/null
	id=$(echo x | cairn -r A put --stdin)
	cairn -r A ref set heads/main "$id"
	cairn clone "$PWD/A" B >&-
	cairn clone "$PWD/A" C <&-
	cairn -r A fsck
	cairn -r A cat -p heads/main >got
	echo x >expect
	test_cmp expect got
	cairn -r B ref get heads/main >got
	echo "$id" >expect
	test_cmp expect got
	cairn -r C ref get heads/main >got
	test_cmp expect got
'

test_expect_success 'a far side that stalls holds no lock; one that hangs is stopped' '
	make_big A
	cairn init --object-format=sha1 B >/dev/null
	CAIRN_SSH=$SSH_SUB
	export CAIRN_SSH
	whole=$(stream_size A)
	FILTER="python3 $FILTER_PY stall $((whole / 2))"
	export FILTER
	cairn -r B fetch "host:$PWD/A" >/dev/null 2>&1 &
	pid=$!
	n=0
	while test "$n" -lt 100
	do
		objects_of B seen
		test "$(wc -l <seen)" -gt 0 && break
		sleep 0.1
		n=$((n + 1))
	done
	# While the far side stalls, another writer is not kept waiting.
	cairn -r B config core.lockTimeout 0
	echo other | cairn -r B put --stdin >id
	kill -9 "$pid"
	wait "$pid" || :
	unset FILTER
	cat >hang-ssh <<-\EOF
	#!/bin/sh
	echo bogus
	exec sleep 30
	EOF
	chmod +x hang-ssh
	CAIRN_SSH=$PWD/hang-ssh test_timeout 10 cairn clone "host:$PWD/A" H 2>err &&
	exit 1
	test_stderr_one_line err
	grep "protocol" err
'

test_expect_success 'serve gives only what its refs reach' '
	cairn init --object-format=sha1 A >/dev/null
	pub=$(echo public | cairn -r A put --stdin)
	secret=$(echo secret | cairn -r A put --stdin)
	cairn -r A ref set heads/pub "$pub"
	printf "fetch\nwant %s\ndone\n" "$secret" >in
	test_must_fail --status=3 cairn serve A <in >out
	tail -n 1 out >last
	grep "^error 1 .*$secret" last
	! grep secret out
	printf "fetch\nwant %s\ndone\n\001" "$pub" >in
	cairn serve A <in >out
	grep public out
'

test_expect_success 'an object named as the wrong type is refused, no ref set' '
	cairn init --object-format=sha1 A >/dev/null
	mkdir d
	echo x >d/f
	sub=$(cairn -r A put -r d)
	tree_entry 100644 f "$sub" >lie
	t=$(cairn -r A put --literally -t tree lie)
	c=$(CAIRN_AUTHOR_NAME=t CAIRN_AUTHOR_EMAIL=t@t \
		CAIRN_COMMITTER_NAME=t CAIRN_COMMITTER_EMAIL=t@t \
		cairn -r A commit -m lie "$t")
	cairn -r A ref set heads/main "$c"
	test_must_fail --status=3 cairn clone "$PWD/A" B 2>err
	test_stderr_one_line err
	grep "$sub" err
	cairn -r B ref list >refs
	test_must_be_empty refs
'

# A real sshd on 127.0.0.1, with a throwaway host key and user key; the
# key runs the requested command with this build's cairn first on PATH.
if test -x /usr/sbin/sshd && command -v ssh-keygen >/dev/null &&
	command -v ssh >/dev/null &&
	{ test -d /run/sshd || { test "$(id -u)" = 0 && mkdir -p /run/sshd; }; }
then
	test_set_prereq SSHD
fi

test_expect_success GIT,SSHD 'clone, fetch and push through a real sshd' '
	make_history g
	import_history g A
	ssh-keygen -q -t ed25519 -N "" -f "$PWD/hostkey"
	ssh-keygen -q -t ed25519 -N "" -f "$PWD/userkey"
	printf "command=\"PATH=%s:\$PATH; eval \\\\\"\$SSH_ORIGINAL_COMMAND\\\\\"\" %s\n" \
	    "$CAIRN_BUILD/tests/bin" "$(cat userkey.pub)" >authorized_keys
	port=$(python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])")
	cat >sshd_config <<-EOF
	ListenAddress 127.0.0.1
	Port $port
	HostKey $PWD/hostkey
	AuthorizedKeysFile $PWD/authorized_keys
	PidFile none
	StrictModes no
	UsePAM no
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	PermitRootLogin prohibit-password
	EOF
	/usr/sbin/sshd -D -f "$PWD/sshd_config" -E "$PWD/sshd.log" &
	sshd=$!
	trap "kill $sshd 2>/dev/null" EXIT
	n=0
	until grep "Server listening" sshd.log >/dev/null 2>&1
	do
		test "$n" -lt 100
		sleep 0.1
		n=$((n + 1))
	done
	CAIRN_SSH="ssh -i $PWD/userkey -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
	export CAIRN_SSH
	user=$(id -un)
	cairn clone "ssh://$user@127.0.0.1:$port$PWD/A" B
	git_objects g/.git all --all
	objects_of B have
	test_cmp all have
	new=$(commit_in B heads/main "over ssh")
	cairn -r B push origin heads/main >/dev/null
	cairn -r A ref get heads/main >got
	echo "$new" >expect
	test_cmp expect got
	cairn -r B fetch origin >/dev/null
	cairn -r A fsck
	cairn -r B fsck
	kill "$sshd"
'

test_done
