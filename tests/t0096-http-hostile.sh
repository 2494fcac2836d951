#!/bin/sh
# t0096-http-hostile: fetch and clone over HTTP from a hostile or broken
# web server, and by a careless user, each test a break found by
# attacking the HTTP reader.  What every test asks of cairn: a
# clear one-line error with the right exit status, no hang, no unbounded
# download or temporary file, no process left behind, nothing stored
# that fails fsck.
#
# The server of our own serves a directory with ranges, logs every
# request as "<path> get 0" when it comes and "<path> <action> <bytes
# sent>" when it is answered, and reads its rules again at
# each request from the file "rules" beside the log: one rule a line,
# "<glob> <action> [<arg>]", the first whose glob matches the path (its
# directory included, e.g. "index/*.idx") wins:
#   endless            200, no Content-Length, bytes until CAP or a close
#   long206            206 "bytes 0-99/100", then bytes until CAP
#   claim <total>      206 for any range below <total>, of junk bytes
#   drip               200, Content-Length 1000000, a byte every 0.25 s
#   status <n>         that status, an empty body
#   redirect <url>     302 to <url>
#   norange            the file whole, Range ignored
# CAP is 256 MiB: a client that takes it all has not stopped reading.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

if command -v python3 >/dev/null
then
	test_set_prereq PYTHON
fi
if command -v pgrep >/dev/null
then
	test_set_prereq PGREP
fi

SERVER_PY=$TRASH_DIRECTORY/hostile.py
cat >"$SERVER_PY" <<'EOF'
import fnmatch, os, sys, time
from urllib.parse import unquote
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

root, portfile, log = sys.argv[1], sys.argv[2], sys.argv[3]
rulesfile = os.path.join(os.path.dirname(log), "rules")
CAP = 256 << 20

def rule(rel):
    try:
        with open(rulesfile) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return None, None
    for line in lines:
        w = line.split()
        if w and fnmatch.fnmatch(rel, w[0]):
            return w[1], (w[2] if len(w) > 2 else None)
    return None, None

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def note(self, act, n):
        with open(log, "a") as f:
            f.write("%s %s %d\n" % (self.path, act, n))

    def empty(self, status, extra=()):
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def flood(self, act):
        n = 0
        chunk = b"x" * 65536
        try:
            while n < CAP:
                self.wfile.write(chunk)
                n += len(chunk)
        except OSError:
            pass
        self.close_connection = True
        self.note(act, n)

    def do_GET(self):
        rel = unquote(self.path.split("?")[0]).lstrip("/")
        act, arg = rule(rel)
        self.note("get", 0)
        if act == "endless":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            return self.flood(act)
        if act == "long206":
            self.send_response(206)
            self.send_header("Content-Range", "bytes 0-99/100")
            self.send_header("Connection", "close")
            self.end_headers()
            return self.flood(act)
        if act == "drip":
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            n = 0
            try:
                while n < 1000000:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    n += 1
                    time.sleep(0.25)
            except OSError:
                pass
            self.close_connection = True
            return self.note(act, n)
        if act == "status":
            self.note(act, 0)
            return self.empty(int(arg))
        if act == "redirect":
            self.note(act, 0)
            return self.empty(302, [("Location", arg)])
        rng = self.headers.get("Range")
        if act == "claim":
            total = int(arg)
            a, _, b = (rng or "bytes=0-")[6:].partition("-")
            a, b = int(a), min(int(b) if b else total - 1, total - 1)
            if a >= total:
                self.note(act, 0)
                return self.empty(416, [("Content-Range", "bytes */%d" % total)])
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (a, b, total))
            self.send_header("Content-Length", str(b - a + 1))
            self.end_headers()
            self.wfile.write(b"j" * (b - a + 1))
            return self.note(act, b - a + 1)
        path = os.path.join(root, rel)
        if not os.path.isfile(path):
            self.note("404", 0)
            return self.empty(404)
        with open(path, "rb") as f:
            data = f.read()
        status, body = 200, data
        if rng and act != "norange" and rng.startswith("bytes="):
            a, _, b = rng[6:].partition("-")
            first = int(a)
            last = min(int(b) if b else len(data) - 1, len(data) - 1)
            if first >= len(data):
                self.note("416", 0)
                return self.empty(416, [("Content-Range", "bytes */%d" % len(data))])
            body, status = data[first:last + 1], 206
        self.send_response(status)
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" %
                             (first, last, len(data)))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.note(act or "-", len(body))

s = ThreadingHTTPServer(("127.0.0.1", 0), H)
s.daemon_threads = True
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
EOF

# serve <dir>: start the hostile server on <dir>; sets URL and SERVER
# (its pid), logs to $PWD/log, rules from $PWD/rules.  Stopped at exit.
serve () {
	rm -f port
	python3 "$SERVER_PY" "$1" "$PWD/port" "$PWD/log" &
	SERVER=$!
	trap 'kill $SERVER 2>/dev/null || :' EXIT
	wait_for port
	# shellcheck disable=SC2034 # used by the test bodies
	URL=http://127.0.0.1:$(cat port)
}

# served_repo <dir>: a small repository with two refs, listed for HTTP.
served_repo () {
	cairn init "$1" >/dev/null &&
	echo one >one &&
	echo two >two &&
	cairn -r "$1" ref set heads/main "$(cairn -r "$1" put one)" &&
	cairn -r "$1" ref set tags/t "$(cairn -r "$1" put two)" &&
	cairn -r "$1" flush &&
	cairn -r "$1" update-server-info
}

# sent <action>: the bytes the server sent in responses of that action.
sent () {
	awk -v a="$1" '$2 == a { n += $3 } END { print n + 0 }' log
}

# no_refs_in <repo>: <repo> is absent, or fsck-clean and without refs.
no_refs_in () {
	if test -d "$1"
	then
		cairn -r "$1" fsck &&
		cairn -r "$1" ref list >refs.left &&
		test_must_be_empty refs.left
	fi
}

test_expect_success PYTHON 'an endless body for a small file is cut off, not spooled' '
	served_repo A
	serve A
	mkdir spool
	for how in "config endless" "manifest endless" "refs.list endless" \
	    "manifest long206" "refs/heads/main long206"
	do
		echo "$how" >rules
		: >log
		rm -rf B
		st=0
		TMPDIR=$PWD/spool test_timeout 120 cairn clone "$URL" B 2>err ||
			st=$?
		test "$st" = 3
		test_stderr_one_line err
		no_refs_in B
		# One read of a config of 64 KiB at most: not the 256 MiB sent.
		action=${how#* }
		test "$(sent "$action")" -lt 33554432
		ls spool >left
		test_must_be_empty left
	done
	kill "$SERVER"
'

test_expect_success PYTHON 'an index segment larger than the manifest says is not read whole' '
	served_repo A
	serve A
	# The manifest says 2 entries; the server says 200 MB of junk.
	echo "index/*.idx claim 200000000" >rules
	st=0
	test_timeout 120 cairn clone "$URL" B 2>err || st=$?
	test "$st" = 3
	test_stderr_one_line err
	no_refs_in B
	test "$(sent claim)" -lt 33554432
	kill "$SERVER"
'

test_expect_success PYTHON 'a server that drips a few bytes a second is given up on' '
	served_repo A
	serve A
	# 4 bytes a second: above LOW_SPEED_LIMIT (1 byte/s), so this takes
	# days today.  Four minutes is more than generous.
	echo "config drip" >rules
	st=0
	test_timeout 240 cairn clone "$URL" B 2>err || st=$?
	test "$st" = 3
	test_stderr_one_line err
	no_refs_in B
	kill "$SERVER"
'

test_expect_success PYTHON,PGREP 'a killed clone leaves no cairn serve behind' '
	served_repo A
	serve A
	echo "config drip" >rules
	cairn clone "$URL" B 2>err &
	clone=$!
	n=0
	until grep -q "^/config get " log 2>/dev/null
	do
		test "$n" -lt 200
		sleep 0.05
		n=$((n + 1))
	done
	# The request is in flight: find the child that makes it.
	pgrep -P "$clone" >child
	test_line_count = 1 child
	child=$(cat child)
	kill -TERM "$clone"
	st=0
	wait "$clone" || st=$?
	test "$st" != 0
	n=0
	while kill -0 "$child" 2>/dev/null && test "$n" -lt 200
	do
		sleep 0.05
		n=$((n + 1))
	done
	alive=0
	if kill -0 "$child" 2>/dev/null
	then
		alive=1
		kill "$child"
	fi
	test "$alive" = 0
	kill "$SERVER"
'

test_expect_success PYTHON 'a URL with a scheme is never taken for an ssh host' '
	served_repo A
	serve A
	printf "#!/bin/sh\\n: >\"%s/ssh-ran\"\\nexit 1\\n" "$PWD" >ssh
	chmod +x ssh
	CAIRN_SSH=$PWD/ssh
	export CAIRN_SSH
	# Schemes are case-insensitive (RFC 3986): HTTP:// is http://.
	upper=HTTP://${URL#http://}
	st=0
	cairn clone "$upper" B 2>err || st=$?
	test_path_is_missing ssh-ran
	if test "$st" = 0
	then
		cairn -r B ref get heads/main >/dev/null
	else
		test "$st" = 2
		test_stderr_one_line err
	fi
	# A scheme cairn does not know (or a typo of one) is bad input.
	for u in "htps://127.0.0.1/r" "ftp://127.0.0.1/r" "git://127.0.0.1/r"
	do
		rm -rf C
		test_must_fail --status=2 cairn clone "$u" C 2>err
		test_stderr_one_line err
		test_path_is_missing ssh-ran
		test_path_is_missing C
	done
	kill "$SERVER"
'

test_expect_success PYTHON 'an unusable TMPDIR: the whole file is kept in memory' '
	cairn init A >/dev/null
	head -c 36000000 /dev/urandom >big
	id=$(cairn -r A put big)
	cairn -r A ref set heads/main "$id"
	cairn -r A flush
	cairn -r A update-server-info
	serve A
	# Ranges ignored: the data file comes whole, past 32 MiB to a spool.
	echo "* norange" >rules
	TMPDIR="$PWD/no-such-dir" cairn clone "$URL" B
	cairn -r B cat "$id" | cmp - big
	kill "$SERVER"
'

test_expect_success PYTHON 'an HTTP error: a server error is told from a lost file' '
	served_repo A
	serve A
	echo "manifest status 500" >rules
	test_must_fail --status=3 cairn clone "$URL" B 2>err
	test_stderr_one_line err
	grep "manifest" err
	grep "Remote I/O error" err
	no_refs_in B
	rm -rf B
	echo "manifest redirect /manifest" >rules
	test_must_fail --status=3 cairn clone "$URL" B 2>err
	test_stderr_one_line err
	grep "manifest" err
	no_refs_in B
	kill "$SERVER"
'

test_expect_success PYTHON 'refs.list naming refs the server lacks: not an empty clone' '
	served_repo A
	# A copy uploaded without its refs/ directory.
	mkdir www
	cp -R A www/r
	rm -rf www/r/refs
	serve www
	st=0
	cairn clone "$URL/r" B 2>err || st=$?
	test "$st" = 3
	test_stderr_one_line err
	grep "heads/main" err
	no_refs_in B
	kill "$SERVER"
'

test_done
