#!/bin/sh
# t0095-http: fetch and clone from a repository served as plain files by
# a static web server on 127.0.0.1, with no cairn on the server: python3
# -m http.server (which ignores range requests, so each file comes
# whole), lighttpd (which honours them) when it is installed, and a
# small server of our own (Python's http.server with ranges) that logs
# every request and can lie: flip a byte, cut a response short, or hold
# a request until the test has changed the repository (a flush, a gc).
# git is the oracle of what a clone must hold.  refs.list, which
# update-server-info writes and ref updates keep current, is how a
# reader over HTTP finds the refs.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

test_git_identity

if command -v python3 >/dev/null
then
	test_set_prereq PYTHON
fi
LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
if test -x "$LIGHTTPD"
then
	test_set_prereq LIGHTTPD
fi

# The server of our own: serve <dir> on 127.0.0.1, port written to
# <portfile>; every request logged as "<path> <status> <bytes>".  The
# options are read again at each request from the file "mode" beside
# the log, if there is one, so that one URL can change its ways:
#   --no-range       ignore Range, as python3 -m http.server does
#   --flip <glob>    invert one byte of every body of a file matching glob
#   --cut <glob>     send half of every such body, then close
#   --hold <glob> <n> hold the n-th request of such a file until the file
#                    "go" exists (after writing "held")
SERVER_PY=$TRASH_DIRECTORY/server.py
cat >"$SERVER_PY" <<'EOF'
import fnmatch, os, sys, time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

args = sys.argv[1:]
root, portfile, log = args[0], args[1], args[2]
modefile = os.path.join(os.path.dirname(log), "mode")
seen = {"n": 0}

def options():
    opts = args[3:]
    if os.path.exists(modefile):
        with open(modefile) as f:
            opts = f.read().split()
    def arg(name, k=1):
        return opts[opts.index(name) + k] if name in opts else None
    return ("--no-range" in opts, arg("--flip"), arg("--cut"),
            arg("--hold"), int(arg("--hold", 2) or 0))

class H(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)

    def log_message(self, *a):
        pass

    def note(self, status, n):
        with open(log, "a") as f:
            f.write("%s %d %d\n" % (self.path, status, n))

    def do_GET(self):
        no_range, flip, cut, hold, hold_n = options()
        path = self.translate_path(self.path)
        name = os.path.basename(path)
        if not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.note(404, 0)
            return
        if hold and fnmatch.fnmatch(name, hold):
            seen["n"] += 1
            if seen["n"] == hold_n:
                open(os.path.join(os.path.dirname(log), "held"), "w").close()
                go = os.path.join(os.path.dirname(log), "go")
                while not os.path.exists(go):
                    time.sleep(0.05)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.note(404, 0)
            return
        status, first = 200, 0
        rng = self.headers.get("Range")
        if rng and not no_range and rng.startswith("bytes="):
            a, _, b = rng[6:].partition("-")
            first = int(a)
            last = min(int(b) if b else len(data) - 1, len(data) - 1)
            if first >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.note(416, 0)
                return
            body = data[first:last + 1]
            status = 206
        else:
            body = data
        if flip and fnmatch.fnmatch(name, flip) and body:
            b = bytearray(body)
            b[len(b) // 2] ^= 0x40
            body = bytes(b)
        self.send_response(status)
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" %
                             (first, first + len(body) - 1, len(data)))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if cut and fnmatch.fnmatch(name, cut):
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.note(status, len(body) // 2)
            return
        self.wfile.write(body)
        self.note(status, len(body))

s = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
EOF

# serve <dir> [options]: start the server of our own on <dir>; sets
# URL and SERVER (its pid), logs to $PWD/log.  Stopped at exit.
serve () {
	sv_dir_=$1
	shift
	rm -f port
	python3 "$SERVER_PY" "$sv_dir_" "$PWD/port" "$PWD/log" "$@" &
	SERVER=$!
	trap 'kill $SERVER 2>/dev/null || :' EXIT
	wait_for port
	URL=http://127.0.0.1:$(cat port)
}

# serve_python <dir>: python3 -m http.server on <dir>; sets URL, SERVER.
serve_python () {
	sv_port_=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	(cd "$1" && exec python3 -m http.server "$sv_port_" --bind 127.0.0.1) \
	    >/dev/null 2>&1 &
	SERVER=$!
	trap 'kill $SERVER 2>/dev/null || :' EXIT
	URL=http://127.0.0.1:$sv_port_
	sv_n_=0
	until curl_ok "$URL/config"
	do
		test "$sv_n_" -lt 200 || return 1
		sleep 0.05
		sv_n_=$((sv_n_ + 1))
	done
}

# curl_ok <url>: does the server answer?
curl_ok () {
	python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' "$1" 2>/dev/null
}

# make_history <dir>: a git history with a merge, tags, an executable, a
# symlink, and three incompressible blobs of 400 KiB, so that the data
# file is larger than one range request.
make_history () {
	git init -q "$1" &&
	git -C "$1" symbolic-ref HEAD refs/heads/main &&
	mkdir "$1/d" &&
	echo one >"$1/a" &&
	echo two >"$1/d/b" &&
	printf '#!/bin/sh\n' >"$1/run" &&
	chmod +x "$1/run" &&
	ln -s a "$1/link" &&
	for i in 1 2 3
	do
		head -c 409600 /dev/urandom >"$1/d/big$i" || return 1
	done &&
	git -C "$1" add -A &&
	git -C "$1" commit -q -m first &&
	git -C "$1" checkout -q -b side &&
	echo side >"$1/d/c" &&
	head -c 409600 /dev/urandom >"$1/d/big4" &&
	git -C "$1" add -A &&
	git -C "$1" commit -q -m side &&
	git -C "$1" checkout -q main &&
	echo three >"$1/a" &&
	git -C "$1" commit -q -a -m second &&
	git -C "$1" merge -q --no-edit side &&
	git -C "$1" tag -a -m release v1 &&
	git -C "$1" tag light main~1
}

# import_served <git dir> <repo>: <repo> made anew with its objects and
# refs (lib.sh's import_history), flushed, its refs listed for HTTP.
import_served () {
	rm -rf "$2" &&
	import_history "$1" "$2" &&
	cairn -r "$2" flush &&
	cairn -r "$2" update-server-info
}

# refs_of <repo> <file>: its refs not under remotes/.
refs_of () {
	cairn -r "$1" ref list >"$2.raw" &&
	{ grep -v " remotes/" "$2.raw" >"$2" || :; }
}

# check_clone <git dir> <repo>: <repo> holds what git lists, A's refs.
check_clone () {
	git_objects "$1/.git" all --all &&
	objects_of "$2" have &&
	test_cmp all have &&
	refs_of A refs.A &&
	refs_of "$2" refs.B &&
	test_cmp refs.A refs.B &&
	cairn -r "$2" fsck
}

test_expect_success 'update-server-info writes refs.list; ref updates keep it' '
	id=$(echo x | cairn put --stdin)
	cairn ref set heads/main "$id"
	cairn ref set tags/v1 "$id"
	test_path_is_missing .cairn/refs.list
	cairn ref set heads/other "$id"
	test_path_is_missing .cairn/refs.list
	cairn update-server-info >out
	test_must_be_empty out
	printf "# cairn refs list 1\nheads/main\nheads/other\ntags/v1\n" >expect
	test_cmp expect .cairn/refs.list
	cairn ref set heads/new "$id"
	printf "# cairn refs list 1\nheads/main\nheads/new\nheads/other\ntags/v1\n" >expect
	test_cmp expect .cairn/refs.list
	cairn ref delete heads/other
	cairn tag -d v1 >/dev/null
	printf "# cairn refs list 1\nheads/main\nheads/new\n" >expect
	test_cmp expect .cairn/refs.list
	id2=$(echo y | cairn put --stdin)
	touch -d "2000-01-01" .cairn/refs.list
	cairn ref set heads/main "$id2"
	test "$(stat -c %Y .cairn/refs.list)" -lt 1000000000
	cairn fsck
	ls .cairn/tmp >tmp
	test_must_be_empty tmp
	test_must_fail --status=2 cairn update-server-info x 2>err
	test_stderr_one_line err
	test_must_fail --status=3 cairn --read-only update-server-info 2>err
	test_stderr_one_line err
'

test_expect_success GIT,PYTHON 'clone and fetch from python3 -m http.server (no ranges)' '
	make_history g
	import_served g A
	serve_python A
	cairn clone "$URL" B >out
	test_must_be_empty out
	check_clone g B
	cairn -r B remote list >remotes
	echo "origin $URL" >expect
	test_cmp expect remotes
	objects_of B before
	old=$(git -C g rev-parse main)
	echo four >g/a
	git -C g commit -q -a -m fourth
	git -C g tag v2
	cairn -r A import --git g/.git --refs >/dev/null
	cairn -r B fetch origin >out
	git_objects g/.git all --all
	objects_of B after
	test_cmp all after
	grep " tags/v2\$" out
	cairn -r B ref get remotes/origin/tags/v2 >/dev/null
	cairn -r B fsck
	kill "$SERVER"
'

test_expect_success PYTHON 'a large file from a server without ranges goes through a spool file' '
	head -c 36000000 /dev/urandom >big
	cairn put big >/dev/null
	id=$(cairn put big)
	cairn ref set heads/main "$id"
	cairn flush
	cairn update-server-info
	serve_python .cairn
	mkdir spool
	TMPDIR=$PWD/spool cairn clone "$URL" B
	cairn -r B cat "$id" | cmp - big
	ls spool >left
	test_must_be_empty left
	kill "$SERVER"
'

test_expect_success GIT,LIGHTTPD 'clone and fetch from lighttpd (ranges)' '
	make_history g
	import_served g A
	port=$(python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])")
	cat >lighttpd.conf <<-EOF
	server.document-root = "$PWD/A"
	server.bind = "127.0.0.1"
	server.port = $port
	server.errorlog = "$PWD/lighttpd.log"
	server.stat-cache-engine = "disable"
	EOF
	"$LIGHTTPD" -D -f "$PWD/lighttpd.conf" &
	SERVER=$!
	trap "kill $SERVER 2>/dev/null || :" EXIT
	n=0
	until curl_ok "http://127.0.0.1:$port/config"
	do
		test "$n" -lt 200
		sleep 0.05
		n=$((n + 1))
	done
	cairn clone "http://127.0.0.1:$port/" B
	check_clone g B
	old=$(git -C g rev-parse main)
	echo five >g/a
	git -C g commit -q -a -m fifth
	cairn -r A import --git g/.git --refs >/dev/null
	cairn -r B fetch origin >/dev/null
	objects_of B after
	git_objects g/.git all --all
	test_cmp all after
	kill "$SERVER"
'

test_expect_success GIT,PYTHON 'ranges: a small fetch reads a small part of the data file' '
	make_history g
	import_served g A
	serve A
	cairn clone "$URL" B
	check_clone g B
	grep " 206 " log >/dev/null
	size=$(stat -c %s A/objects.*.data)
	test "$size" -gt 1500000
	: >log
	echo six >g/a
	git -C g commit -q -a -m sixth
	cairn -r A import --git g/.git --refs >/dev/null
	cairn -r A flush
	cairn -r B fetch origin >/dev/null
	objects_of B after
	git_objects g/.git all --all
	test_cmp all after
	awk "/objects\\.[0-9]*\\.data/ { n += \$3 } END { print n + 0 }" log >read
	test "$(cat read)" -lt "$size"
	kill "$SERVER"
'

test_self_git

test_expect_success SELFGIT,PYTHON 'this source tree, cloned over HTTP' '
	import_served "$SELF" A
	serve A
	cairn clone "$URL" B
	git_objects "$SELF" all --all
	objects_of B have
	test_cmp all have
	refs_of A refs.A
	refs_of B refs.B
	test_cmp refs.A refs.B
	kill "$SERVER"
'

test_expect_success PYTHON 'errors: push, no list, no repository, no server' '
	id=$(echo x | cairn put --stdin)
	cairn ref set heads/main "$id"
	mkdir www
	cp -R .cairn www/r
	serve www
	test_must_fail --status=3 cairn clone "$URL/r" B 2>err
	test_stderr_one_line err
	grep "refs.list" err
	grep "update-server-info" err
	test_must_fail --status=3 cairn clone "$URL/nothere" C 2>err
	test_stderr_one_line err
	grep "not a cairn repository" err
	test_path_is_missing C
	cairn -r .cairn update-server-info
	rm -rf www/r
	cp -R .cairn www/r
	cairn clone "$URL/r" B
	cairn -r B ref get heads/main >got
	echo "$id" >expect
	test_cmp expect got
	test_must_fail --status=2 cairn -r B push origin heads/main 2>err
	test_stderr_one_line err
	grep "read-only" err
	test_must_fail --status=2 cairn -r B push "$URL/r" heads/main 2>err
	kill "$SERVER"
	wait "$SERVER" || :
	test_must_fail --status=3 cairn -r B fetch origin 2>err
	test_stderr_one_line err
	grep "refused" err
'

test_expect_success PYTHON 'refs.list from a server: any order, once each, names checked' '
	id=$(echo x | cairn put --stdin)
	cairn ref set heads/b "$id"
	cairn ref set heads/a "$id"
	cairn update-server-info
	mkdir www
	cp -R .cairn www/r
	printf "# cairn refs list 1\nheads/b\nheads/a\nheads/b\n" \
	    >www/r/refs.list
	serve www
	cairn clone "$URL/r" B
	cairn -r B ref list >got
	printf "%s heads/a\n%s heads/b\n%s remotes/origin/heads/a\n%s remotes/origin/heads/b\n" \
	    "$id" "$id" "$id" "$id" >expect
	test_cmp expect got
	for bad in "heads/../x" "../x" "heads/a.lock" "" "-x y"
	do
		printf "# cairn refs list 1\n%s\n" "$bad" >www/r/refs.list
		rm -rf C
		test_must_fail --status=3 cairn clone "$URL/r" C 2>err
		test_stderr_one_line err
		grep "invalid ref" err
	done
	printf "heads/a\n" >www/r/refs.list
	test_must_fail --status=3 cairn clone "$URL/r" C 2>err
	grep "not a list of refs" err
	kill "$SERVER"
'

test_expect_success GIT,PYTHON 'a lying or broken server: exit 3, nothing bad stored, a rerun completes' '
	make_history g
	import_served g A
	git_objects g/.git all --all
	serve A
	for how in "--flip objects.*.data" "--cut objects.*.data" \
	    "--flip *.idx" "--flip manifest" "--cut refs.list"
	do
		rm -rf B
		echo "$how" >mode
		test_must_fail --status=3 cairn clone "$URL" B 2>err
		test_stderr_one_line err
		if test -d B
		then
			cairn -r B fsck
			cairn -r B ref list >refs
			test_must_be_empty refs
		fi
		rm mode
		cairn clone "$URL" B
		objects_of B have
		test_cmp all have
		cairn -r B fsck
	done
	kill "$SERVER"
	wait "$SERVER" || :
	# A manifest naming a data file the server does not have.
	mkdir www
	cp -R A www/r
	rm www/r/objects.*.data
	serve www
	rm -rf B
	test_must_fail --status=3 cairn clone "$URL/r" B 2>err
	test_stderr_one_line err
	grep "objects\\..*\\.data" err
	kill "$SERVER"
'

test_expect_success GIT,PYTHON 'a flush on the server while a clone reads it' '
	make_history g
	import_served g A
	serve A --hold "objects.*.data" 2
	cairn clone "$URL" B >out 2>err &
	clone=$!
	wait_for held
	echo more | cairn -r A put --stdin >/dev/null
	cairn -r A flush
	: >go
	wait "$clone"
	check_clone g B
	kill "$SERVER"
'

test_expect_success GIT,PYTHON 'kill -9 of a clone over HTTP, then a rerun takes it up' '
	make_history g
	import_served g A
	# The 7th read of the data file comes as the blobs are sent.
	serve A --hold "objects.*.data" 7
	cairn clone "$URL" B >out 2>err &
	clone=$!
	wait_for held
	test_path_is_file B/manifest
	kill -9 "$clone"
	st=0
	wait "$clone" || st=$?
	test "$st" = 137
	: >go
	cairn -r B fsck
	cairn clone "$URL" B
	check_clone g B
	kill "$SERVER"
'

test_expect_success GIT,PYTHON 'a gc on the server while a clone reads it: exit 3, then a rerun' '
	make_history g
	import_served g A
	echo junk | cairn -r A put --stdin >/dev/null
	cairn -r A flush
	cairn -r A config gc.pruneExpire now
	serve A --hold "objects.*.data" 2
	cairn clone "$URL" B >out 2>err &
	clone=$!
	wait_for held
	old=$(ls A/objects.*.data)
	cairn -r A gc >/dev/null
	test_path_is_missing "$old"
	: >go
	st=0
	wait "$clone" || st=$?
	test "$st" = 3
	test_stderr_one_line err
	grep "changed while" err
	if test -d B
	then
		cairn -r B fsck
	fi
	cairn clone "$URL" B
	git_objects g/.git all --all
	objects_of B have
	test_cmp all have
	cairn -r B fsck
	kill "$SERVER"
'

test_done
