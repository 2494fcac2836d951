#!/usr/bin/env bash
# tests/ceph/cluster.sh: a throwaway one-node Ceph cluster for cairn's RADOS
# tests: one monitor and one memstore OSD, bound to 127.0.0.1, no manager
# (nothing cairn uses needs one), no authentication.
#
#   cluster.sh start <dir> [<pool>]
#	Makes <dir> if need be and starts the cluster there, with a pool
#	<pool> (default: cairn) of size 1.  Waits (at most 60 s in all)
#	until an object can be written to the pool, then prints one line on
#	stdout: the path of the cluster's configuration, <dir>/ceph.conf.
#	Clients use it with `CEPH_CONF=<dir>/ceph.conf` (or `-c`, or
#	rados_conf_read_file).  On failure it says why in one line on
#	stderr, shows the tail of the daemons' logs, stops whatever it
#	started and exits 1.
#   cluster.sh stop <dir>
#	Kills (SIGKILL) the daemons named by the pid files under <dir> and
#	waits until they are gone.  Safe to run twice, after a start that
#	failed midway, or on a <dir> that is gone.  It removes nothing: the
#	caller removes <dir>.
#   cluster.sh osd-stop <dir>
#	Stops the OSD alone, cleanly (SIGTERM: it tells the monitor it is
#	going down, and memstore saves its objects under <dir>), and waits
#	until the monitor has it down.  Clients' operations then wait for
#	the OSD (or fail with ETIMEDOUT after rados_osd_op_timeout).
#   cluster.sh osd-start <dir>
#	Starts the OSD again and waits (at most 60 s) until the pool can be
#	written again.  Objects written before osd-stop are still there.
#
# Everything lives under <dir>: ceph.conf, pool (the pool's name), mon/
# (the monitor's store), osd/ (the OSD; memstore keeps objects in memory,
# at most 2 GiB, and writes them here only when the OSD stops), log/, run/
# (pid files, admin sockets), crash/.  Nothing is written under
# /var/lib/ceph, /var/log/ceph or /var/run/ceph.  Runs as root or as any
# user; the daemons keep the user that started them.  Needs ceph-mon,
# ceph-osd and ceph-common (Debian 12 ships 16.2.15); ceph-mgr is not
# needed.
#
# When memstore is full (about 2.2 GiB of objects), the pool is marked full
# and writes wait, removals too unless forced (LIBRADOS_OPERATION_FULL_FORCE,
# `rados rm --force-full`): they fail with ETIMEDOUT only if the client set
# rados_osd_op_timeout.  start and osd-start probe the pool by writing and
# removing an object named cluster.sh-probe.
#
# The monitor's port is chosen at random in 20000-39999 among those that
# nothing listens on (tried again with another if the monitor cannot bind
# it); the OSD takes ports from Ceph's own range, 6800-7300.

set -u

me=cluster.sh
deadline_s=60
conf='' dir='' pool=cairn fsid=''

usage() {
	echo "usage: $me start <dir> [<pool>] | stop <dir> | osd-stop <dir> | osd-start <dir>" >&2
	exit 2
}

fail() {
	echo "$me: $*" >&2
	exit 1
}

# Shows the last lines of the daemons' logs on stderr.
dump_logs() {
	local f
	for f in "$dir"/log/mon.a.log "$dir"/log/osd.0.log "$dir"/log/*.out; do
		[ -s "$f" ] || continue
		echo "--- tail of $f" >&2
		tail -n 20 "$f" >&2
	done
}

# A failed start: one line of reason, the logs, everything stopped.
start_failed() {
	echo "$me: $*" >&2
	dump_logs
	stop_all
	exit 1
}

# The ceph CLI against our cluster, never waiting long.
c_ceph() {
	timeout 30 ceph -c "$conf" --connect-timeout 10 "$@"
}

# Prints the pid in <pidfile> if it names a live daemon of this cluster
# (a process started with -c <dir>/ceph.conf), else nothing.
live_pid() {
	local pid
	[ -f "$1" ] || return 1
	read -r pid <"$1" 2>/dev/null || return 1
	case $pid in '' | *[!0-9]*) return 1 ;; esac
	running "$pid" || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "-c $conf " || return 1
	echo "$pid"
}

# Whether process <pid> runs: a zombie does not (it has let go of its ports
# and files; whoever reaps it, init here, may take a second to).
running() {
	local rest
	[ -r "/proc/$1/stat" ] || return 1
	read -r rest <"/proc/$1/stat" 2>/dev/null || return 1
	rest=${rest##*) }
	[ "${rest%% *}" != Z ]
}

# Stops the daemon of <pidfile> with <signal>; if it is still there after
# <grace> seconds, SIGKILL.  Returns once the process is gone.
kill_pidfile() {
	local pidfile=$1 sig=$2 grace=$3 pid i
	pid=$(live_pid "$pidfile") || return 0
	kill "-$sig" "$pid" 2>/dev/null
	for ((i = 0; i < grace * 10; i++)); do
		running "$pid" || return 0
		sleep 0.1
	done
	if [ "$sig" != KILL ]; then
		echo "$me: $(basename "$pidfile" .pid) (pid $pid) still there ${grace}s after SIG$sig; killing it" >&2
		kill -KILL "$pid" 2>/dev/null
		for ((i = 0; i < 100; i++)); do
			running "$pid" || return 0
			sleep 0.1
		done
	fi
	echo "$me: pid $pid did not exit" >&2
	return 1
}

# Nothing of the cluster is kept, so SIGKILL: a clean shutdown takes each
# daemon 1.5 to 2 seconds, for nothing.
stop_all() {
	local st=0
	kill_pidfile "$dir/run/osd.0.pid" KILL 10 || st=1
	kill_pidfile "$dir/run/mon.a.pid" KILL 10 || st=1
	return $st
}

port_in_use() {
	ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

write_conf() {
	local port=$1
	cat >"$conf.tmp" <<EOF
# Written by tests/ceph/cluster.sh: a throwaway one-node cluster.
[global]
fsid = $fsid
mon host = 127.0.0.1:$port
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv4 = true
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
keyring = $dir/keyring
run dir = $dir/run
crash dir = $dir/crash
mon debug dump location = $dir/log/\$name.tdump
mon cluster log file = $dir/log/cluster.log
mon data = $dir/mon
osd data = $dir/osd
osd journal = $dir/osd/journal
osd objectstore = memstore
memstore device bytes = 2147483648
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool delete = true
mon allow pool size one = true
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim = false
mon warn on insecure global id reclaim allowed = false
# No manager, on purpose: without this, MGR_DOWN two minutes in.
mon mgr mkfs grace = 31536000
mon data avail warn = 2
mon data avail crit = 1
osd op num shards = 2
osd op num threads per shard = 2

[mon]
paxos propose interval = 0.1
ms bind retry count = 1
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
admin socket = $dir/run/\$name.asok

[osd]
osd fast shutdown = false
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
admin socket = $dir/run/\$name.asok

[client]
log file =
admin socket =
# A client notices an OSD back after osd-start within a second, not five.
objecter tick interval = 1
EOF
	mv "$conf.tmp" "$conf"
}

# Starts the OSD (osd.0, made already) and waits until it is up and the
# pool takes a write, by <deadline> (seconds since the epoch).
start_osd_and_wait() {
	local deadline=$1 why
	if ! ceph-osd -c "$conf" -i 0 >>"$dir/log/osd.0.out" 2>&1; then
		echo "ceph-osd did not start"
		return 1
	fi
	why="the OSD was not up after ${deadline_s}s"
	while :; do
		if c_ceph osd stat -f json 2>/dev/null | grep -q '"num_up_osds":1[,}]'; then
			break
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "$why"
			return 1
		fi
		if ! live_pid "$dir/run/osd.0.pid" >/dev/null; then
			sleep 0.5
			live_pid "$dir/run/osd.0.pid" >/dev/null || { echo "ceph-osd exited"; return 1; }
		fi
		sleep 0.2
	done
	why="pool $pool did not take a write within ${deadline_s}s"
	while :; do
		if timeout 10 rados -c "$conf" --rados-osd-op-timeout 5 \
			-p "$pool" put cluster.sh-probe /dev/null >/dev/null 2>&1 &&
			timeout 10 rados -c "$conf" --rados-osd-op-timeout 5 \
				-p "$pool" rm cluster.sh-probe >/dev/null 2>&1; then
			return 0
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "$why"
			return 1
		fi
		sleep 0.2
	done
}

do_start() {
	local deadline port tries err out osd_uuid
	deadline=$(($(date +%s) + deadline_s))
	if live_pid "$dir/run/mon.a.pid" >/dev/null || live_pid "$dir/run/osd.0.pid" >/dev/null; then
		fail "a cluster is already running in $dir"
	fi
	for c in ceph-mon ceph-osd ceph monmaptool rados ss timeout; do
		command -v "$c" >/dev/null || fail "$c not found (apt-get install ceph-mon ceph-osd ceph-common)"
	done
	[ -e "$dir/mon" ] && fail "$dir already holds a cluster (remove it first)"
	mkdir -p "$dir/log" "$dir/run" "$dir/crash" "$dir/osd" ||
		fail "cannot make the directories under $dir"
	echo "$pool" >"$dir/pool" || fail "cannot write $dir/pool"
	# An admin socket's path must fit in sun_path.
	[ ${#dir} -le 80 ] || fail "$dir: path too long for the admin sockets under it (at most 80 bytes)"
	read -r fsid </proc/sys/kernel/random/uuid || fail "no uuid"
	read -r osd_uuid </proc/sys/kernel/random/uuid || fail "no uuid"

	# The monitor, on a port that nothing listens on; if another process
	# takes it first, the monitor cannot bind and we try another.
	for ((tries = 0; tries < 5; tries++)); do
		port=
		for ((err = 0; err < 50; err++)); do
			port=$((20000 + RANDOM % 20000))
			port_in_use "$port" || break
			port=
		done
		[ -n "$port" ] || start_failed "no free TCP port found for the monitor"
		write_conf "$port"
		rm -rf "$dir/mon" "$dir/monmap"
		out=$(monmaptool --create --add a "127.0.0.1:$port" --fsid "$fsid" \
			"$dir/monmap" 2>&1) || start_failed "monmaptool failed: $out"
		out=$(ceph-mon -c "$conf" -i a --mkfs --monmap "$dir/monmap" \
			--keyring /dev/null 2>&1) || start_failed "ceph-mon --mkfs failed: $out"
		if ceph-mon -c "$conf" -i a >>"$dir/log/mon.a.out" 2>&1; then
			break
		fi
		if port_in_use "$port"; then
			echo "$me: port $port taken meanwhile; trying another" >&2
			continue
		fi
		start_failed "ceph-mon did not start"
	done
	[ "$tries" -lt 5 ] || start_failed "ceph-mon could not bind a port in 5 tries"

	# The OSD.
	out=$(c_ceph osd new "$osd_uuid" 2>&1) || start_failed "ceph osd new failed: $out"
	[ "$out" = 0 ] || start_failed "ceph osd new made osd.$out, not osd.0"
	out=$(ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" 2>&1) ||
		start_failed "ceph-osd --mkfs failed: $out"
	# The pool (the monitor makes its placement groups; no mgr needed).
	out=$(c_ceph osd pool create "$pool" 8 8 2>&1) ||
		start_failed "ceph osd pool create $pool failed: $out"
	out=$(c_ceph osd pool application enable "$pool" rados 2>&1) ||
		start_failed "ceph osd pool application enable failed: $out"
	out=$(start_osd_and_wait "$deadline") || start_failed "$out"
	echo "$conf"
}

do_osd_stop() {
	local i
	live_pid "$dir/run/osd.0.pid" >/dev/null || fail "no OSD running in $dir"
	kill_pidfile "$dir/run/osd.0.pid" TERM 30 || fail "the OSD did not exit"
	# It told the monitor as it went; make sure the monitor has it down.
	for ((i = 0; i < 50; i++)); do
		c_ceph osd stat -f json 2>/dev/null | grep -q '"num_up_osds":0[,}]' && return 0
		[ "$i" = 20 ] && c_ceph osd down 0 >/dev/null 2>&1
		sleep 0.2
	done
	fail "the monitor still has the OSD up"
}

do_osd_start() {
	local out
	live_pid "$dir/run/mon.a.pid" >/dev/null || fail "no monitor running in $dir"
	live_pid "$dir/run/osd.0.pid" >/dev/null && fail "the OSD is running already"
	read -r pool <"$dir/pool" || fail "$dir/pool: cannot read the pool's name"
	if ! out=$(start_osd_and_wait $(($(date +%s) + deadline_s))); then
		echo "$me: $out" >&2
		dump_logs
		exit 1
	fi
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
case $cmd in
start) [ $# -le 3 ] || usage; [ $# = 3 ] && pool=$3 ;;
stop | osd-stop | osd-start) [ $# = 2 ] || usage ;;
*) usage ;;
esac
[ -n "$dir" ] || usage
case $pool in '' | *[!A-Za-z0-9._-]*) fail "bad pool name: $pool" ;; esac
if [ "$cmd" = start ]; then
	mkdir -p "$dir" || fail "cannot make $dir"
elif [ "$cmd" = stop ] && ! [ -e "$dir" ]; then
	exit 0
fi
[ -d "$dir" ] || fail "$dir: not a directory"
dir=$(cd "$dir" && pwd -P) || fail "cannot enter $2"
conf=$dir/ceph.conf
export CEPH_CONF="$conf"
unset CEPH_ARGS

case $cmd in
start) do_start ;;
stop) stop_all || exit 1 ;;
osd-stop) do_osd_stop ;;
osd-start) do_osd_start ;;
esac
