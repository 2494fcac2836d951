#!/bin/sh
# Benchmark: cairn on RADOS, side by side with cairn on a local disk, with
# the engine itself (rados bench) and with git, on the same machine and the
# same small objects.  Prints figures and ratios only; it never judges them.
#
# Usage: sh tests/bench/rados.sh /absolute/path/to/cairn    (make bench-rados)
#
# It starts its own throwaway one-node Ceph cluster (tests/ceph/cluster.sh:
# one monitor, one memstore OSD, so every object lives in the OSD's memory)
# in its temporary directory, with a pool cairnbench, and stops it at exit.
# Needs bash, ceph-mon, ceph-osd and ceph-common (rados), and a cairn built
# with librados-dev installed.
#
# Environment:
#   BENCH_RADOS_N   corpus size in objects (default 100000: about 1 KiB
#                   each, so 100 MB; memstore holds at most 2 GiB, so the
#                   corpus may not exceed 1 GiB)
#   BENCH_RADOS_READS
#                   ids read by each random-read run (default 5000, at most
#                   BENCH_RADOS_N)
#   BENCH_RADOS_WRITERS
#                   concurrent writers of the aggregate ingest (default 8)
#   BENCH_RADOS_SECS
#                   seconds of each rados bench phase (default 3)
#   BENCH_RADOS_FILES
#                   files of the file ingest, the one git is measured on
#                   (default 3000, at most BENCH_RADOS_N): git writes a
#                   loose file per object, and a file system may take
#                   longer to remove many small files than cairn takes to
#                   store them
#   BENCH_RUNS      runs of each timed measurement; the median is shown
#                   (default 3)
#   BENCH_TIMEOUT   seconds after which one command is killed (default 600)
#   BENCH_OUT       also write every figure to this file as key=value lines
#   CC              C compiler for the helpers (default cc)
#
# Measurements (cairn repositories: `init --object-format=sha1`, defaults,
# so durability is on; each run into a fresh one; page cache warm; `sync`
# before every timed write):
#   ingest        the corpus of run.sh (gen.c: text blobs of 64 B..4 KiB,
#                 mean about 1 KiB) as a `cairn put --batch` stream, into
#                 rados://cairnbench/<name> and into a disk repository;
#                 objects/s and MiB/s (of content).
#   files         the first BENCH_RADOS_FILES blobs as files (256 a
#                 directory): `cairn put --stdin-paths` into RADOS and
#                 disk, and `git hash-object -w --stdin-paths` into a
#                 fresh bare repository; objects/s.
#   8 writers     BENCH_RADOS_WRITERS `cairn put --batch` processes at once
#                 into one fresh RADOS repository, each given its own
#                 contiguous slice of the stream; aggregate objects/s from
#                 the start of the first to the end of the last.
#   random read   `cairn cat --batch` of BENCH_RADOS_READS ids of the
#                 corpus in a shuffled order, output to /dev/null, from the
#                 repositories of the last ingest run (the disk one as put
#                 left it; the notes give its WAL records).  Each run
#                 includes opening the repository; that alone is shown as
#                 "open + one read" (`cat --batch` of one id; git: `git
#                 cat-file --batch` of one id of the file ingest).
#   engine        `rados bench <secs> write -b <mean size> -t 16
#                 --no-cleanup`, then `rados bench <secs> rand -t 16` of
#                 what it wrote, then `rand -t 1` (one read in flight, as
#                 cairn cat --batch reads); Average IOPS and Bandwidth as
#                 rados bench prints them (its "MB/sec" is MiB/s).
# Ratios: cairn-on-RADOS ingest objects/s over the engine's write IOPS,
# and random-read objects/s over the engine's rand IOPS, each with the
# target the RADOS backend's issue set; cairn RADOS over cairn disk; and
# cairn over git.  The cluster shares the machine's CPUs with cairn, so
# the load at the start and the end is printed.
# All data is generated (deterministically) into a temporary directory under
# ${TMPDIR:-/tmp}, which is removed at exit, the cluster with it.

# The measured commands are small functions that run through timed().
# shellcheck disable=SC2317

set -u
LC_ALL=C
export LC_ALL

here=$(cd "$(dirname "$0")" && pwd) || exit 2
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$here/lib.sh"
arguments bench-rados rados.sh "$@"

N=${BENCH_RADOS_N:-100000}
READS=${BENCH_RADOS_READS:-5000}
WRITERS=${BENCH_RADOS_WRITERS:-8}
SECS=${BENCH_RADOS_SECS:-3}
GN=${BENCH_RADOS_FILES:-3000}
RUNS=${BENCH_RUNS:-3}
LIMIT=${BENCH_TIMEOUT:-600}
OUT=${BENCH_OUT:-}
positive bench-rados "BENCH_RADOS_N, BENCH_RADOS_READS, BENCH_RADOS_WRITERS, \
BENCH_RADOS_SECS, BENCH_RADOS_FILES, BENCH_RUNS and BENCH_TIMEOUT" \
    "$N" "$READS" "$WRITERS" "$SECS" "$GN" "$RUNS" "$LIMIT"
if [ "$N" -lt "$WRITERS" ]; then
	echo "bench-rados: BENCH_RADOS_N must be at least BENCH_RADOS_WRITERS" >&2
	exit 2
fi
[ "$READS" -le "$N" ] || READS=$N
[ "$GN" -le "$N" ] || GN=$N
for c in bash ceph-mon ceph-osd rados; do
	if ! command -v "$c" >/dev/null 2>&1; then
		echo "bench-rados: $c is required (apt-get install ceph-mon" \
		    "ceph-osd ceph-common)" >&2
		exit 2
	fi
done
POOL=cairnbench
CLUSTER=

T=$(mktemp -d "${TMPDIR:-/tmp}/cairn-rbench.XXXXXX") || exit 2
# The cluster is stopped before its directory goes.
cleanup() {
	if [ -n "$CLUSTER" ]; then
		bash "$here/../ceph/cluster.sh" stop "$CLUSTER" >/dev/null 2>&1
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Neither tool may see the user's configuration or repositories; the
# helpers are compiled (lib.sh: setup).
setup bench-rados
bytes=$("$GEN" total "$N")
if [ "$bytes" -gt 1073741824 ]; then
	echo "bench-rados: a corpus of $bytes bytes does not fit the" \
	    "cluster's memstore (2 GiB); lower BENCH_RADOS_N" >&2
	exit 2
fi
mean=$(calc 'printf "%.0f", a / b' "$bytes" "$N")

# ---------------------------------------------------------------- cluster

say "starting a one-node Ceph cluster"
CLUSTER=$T/ceph
if ! CEPH_CONF=$(bash "$here/../ceph/cluster.sh" start "$CLUSTER" "$POOL" \
    2>"$T/stderr"); then
	echo "bench-rados: the Ceph cluster did not start:" >&2
	cat "$T/stderr" >&2
	exit 2
fi
export CEPH_CONF
unset CEPH_ARGS

RADOS() { limit rados -c "$CEPH_CONF" -p "$POOL" "$@"; }

# drop NAME: removes every RADOS object of the repository rados://POOL/NAME,
# so that memstore keeps only what is still measured.
drop() {
	RADOS -N "$1" ls 2>/dev/null | xargs rados -c "$CEPH_CONF" \
	    -p "$POOL" -N "$1" rm --force-full >/dev/null 2>&1
}

if ! "$CAIRN" init --object-format=sha1 "rados://$POOL/probe" \
    >/dev/null 2>"$T/stderr"; then
	echo "bench-rados: cairn cannot make a RADOS repository:" \
	    "$(head -c 400 "$T/stderr" | tr '\n' ' ')" >&2
	exit 2
fi
drop probe

# ----------------------------------------------------------------- header

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null |
	head -n 1)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' \
	/proc/meminfo 2>/dev/null)
fstype=$(stat -f -c %T "$T" 2>/dev/null || echo unknown)
gitver=$("$GIT" --version)
cephver=$(rados --version 2>/dev/null | head -n 1)
if cairnver=$("$CAIRN" --version 2>&1); then
	cairnver=$(echo "$cairnver" | head -n 1)
else
	cairnver="(cairn --version failed: $(echo "$cairnver" | head -n 1))"
fi

echo "cairn RADOS benchmark: cairn on RADOS, on disk, rados bench and git"
echo "date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine:  ${cpu:-unknown cpu}, nproc $(nproc), ${mem:-? GiB}," \
    "$(uname -sr)"
echo "tmp dir:  $T ($fstype)"
echo "ceph:     ${cephver:-unknown}; one mon, one memstore OSD, pool $POOL" \
    "(size 1, 8 PGs), on this machine"
echo "git:      $gitver"
echo "cairn:    $cairnver ($CAIRN)"
echo "corpus:   $N text blobs of 64 B..4 KiB, $bytes bytes (mean $mean" \
    "B), sha1 ids; file ingest: the first $GN, as files"
echo "runs:     median of $RUNS; random reads: $READS ids; $WRITERS" \
    "writers; rados bench: $SECS s a phase"
echo "load:     $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null ||
	echo unknown) at start (1, 5, 15 min)"
echo
R_FMT='%-42s %-6s %11s %11s %11s %11s\n'
# shellcheck disable=SC2059
printf "$R_FMT" measurement unit "cairn RADOS" "cairn disk" "rados bench" git
# shellcheck disable=SC2059
printf "$R_FMT" "-----------" ---- ----------- ---------- ----------- ---
kv nproc "$(nproc)"
kv ceph_version "$cephver"
kv git_version "$gitver"
kv cairn_version "$cairnver"
kv objects "$N"
kv corpus_bytes "$bytes"
kv mean_size "$mean"
kv runs "$RUNS"
kv reads "$READS"
kv writers "$WRITERS"
kv files "$GN"
kv fs "$fstype"

# rrow KEY LABEL UNIT RADOS DISK ENGINE GIT: one line of the table, and the
# same figures as KEY.* in BENCH_OUT.
rrow() {
	# shellcheck disable=SC2059
	printf "$R_FMT" "$2" "$3" "$4" "$5" "$6" "$7"
	kv "$1.unit" "$3"
	kv "$1.rados" "$4"
	kv "$1.disk" "$5"
	kv "$1.engine" "$6"
	kv "$1.git" "$7"
}

mibs() {
	calc 'if (b > 0) printf "%.1f", a / b / 1048576; else print "failed"' \
	    "$1" "$2"
}
ms() { calc 'printf "%.1f", a * 1000' "$1"; }

# ----------------------------------------------------------------- corpus

say "generating $N blobs, and $GN of them as files"
"$GEN" put "$N" >"$T/put.stream" || exit 2
# Each writer's slice: a contiguous range of the records of the stream
# ("blob <size>", then size bytes and a newline; C locale, so length()
# counts bytes).
awk -v k="$WRITERS" -v n="$N" -v p="$T/slice" '
	need <= 0 {
		out = p "." int(i * k / n)
		i++
		need = substr($0, 6) + 1
		print > out
		next
	}
	{
		print > out
		need -= length($0) + 1
	}' "$T/put.stream" || exit 2
D=$T/files
mkdir "$D" && "$GEN" files "$GN" "$D" 256 || exit 2
# In the order of the stream, so the ids are its first ones.
awk -v n="$GN" -v d="$D" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "%s/d%d/f%d.c\n", d, int(i / 256), i
}' >"$T/paths" || exit 2
gbytes=$("$GEN" total "$GN")

# ----------------------------------------------------------------- ingest

DK=$T/disk.cairn
FR=
FD=$T/files.cairn
G=$T/git.git
url=

c_init() {
	"$CAIRN" init --object-format=sha1 "$1" >/dev/null 2>"$T/stderr" ||
		note "cairn init $1 failed: $(head -c 400 "$T/stderr" |
		tr '\n' ' ')"
}
r_ingest() {
	limit "$CAIRN" -r "$url" put --batch <"$T/put.stream" >"$T/ids.rados"
}
d_ingest() {
	limit "$CAIRN" -r "$DK" put --batch <"$T/put.stream" >"$T/ids.disk"
}
r_files() {
	limit "$CAIRN" -r "$FR" put --stdin-paths <"$T/paths" \
	    >"$T/ids.frados"
}
d_files() {
	limit "$CAIRN" -r "$FD" put --stdin-paths <"$T/paths" >"$T/ids.fdisk"
}
g_files() {
	limit "$GIT" --git-dir="$G" hash-object -w --stdin-paths \
	    <"$T/paths" >"$T/ids.git"
}

ri=
di=
rf=
df=
gf=
r=0
while [ "$r" -lt "$RUNS" ]; do
	r=$((r + 1))
	say "ingest, run $r of $RUNS"
	[ -n "$url" ] && drop "${url##*/}"
	url=rados://$POOL/ingest$r
	c_init "$url"
	sync
	ri="$ri $(timed "cairn put --batch (RADOS)" r_ingest)"
	rm -rf "$DK"
	c_init "$DK"
	sync
	di="$di $(timed "cairn put --batch (disk)" d_ingest)"

	[ -n "$FR" ] && drop "${FR##*/}"
	FR=rados://$POOL/files$r
	c_init "$FR"
	sync
	rf="$rf $(timed "cairn put --stdin-paths (RADOS)" r_files)"
	rm -rf "$FD"
	c_init "$FD"
	sync
	df="$df $(timed "cairn put --stdin-paths (disk)" d_files)"
	rm -rf "$G"
	"$GIT" init -q --bare "$G"
	sync
	gf="$gf $(timed "git hash-object -w --stdin-paths" g_files)"
done
ri=$(echo "$ri" | median)
di=$(echo "$di" | median)
rf=$(echo "$rf" | median)
df=$(echo "$df" | median)
gf=$(echo "$gf" | median)
drop "${FR##*/}"
rm -rf "$FD"
if cmp -s "$T/ids.rados" "$T/ids.disk" &&
    [ "$(wc -l <"$T/ids.rados" | tr -d ' ')" = "$N" ]; then
	note "ingest: RADOS and disk printed the same $N ids"
else
	note "ingest: RADOS printed $(wc -l <"$T/ids.rados" | tr -d ' ')" \
	    "ids, disk $(wc -l <"$T/ids.disk" | tr -d ' '), of $N;" \
	    "they differ"
fi
if head -n "$GN" "$T/ids.rados" | cmp -s - "$T/ids.git" &&
    cmp -s "$T/ids.git" "$T/ids.frados" &&
    cmp -s "$T/ids.git" "$T/ids.fdisk"; then
	note "files: cairn (RADOS, disk) and git printed the same ids, those" \
	    "of the first $GN blobs of the stream"
else
	note "files: cairn and git printed different ids"
fi
st=$("$CAIRN" -r "$url" stats 2>/dev/null)
note "RADOS repository after put --batch: $(echo "$st" |
	sed -n 's/^objects: //p') objects, $(echo "$st" |
	sed -n 's/^index_segments: //p') index segments, $(echo "$st" |
	sed -n 's/^data_bytes: //p') data bytes," \
    "$(RADOS -N "${url##*/}" ls 2>/dev/null | wc -l | tr -d ' ') RADOS objects"
note "disk repository after put --batch: $("$CAIRN" -r "$DK" stats \
    2>/dev/null | sed -n 's/^wal_records: //p') WAL records"

# ------------------------------------------------------------------- read

say "random reads of $READS ids"
"$GEN" shuffle 7 <"$T/ids.rados" | head -n "$READS" >"$T/rids"
head -n 1 "$T/rids" >"$T/rid1"
head -n 1 "$T/ids.git" >"$T/gid1"
rbytes=$("$CAIRN" -r "$DK" cat --batch-check <"$T/rids" 2>/dev/null |
	awk '{ s += $3 } END { printf "%.0f", s }')

r_read() {
	limit "$PROC" io "$T/io.read" "$CAIRN" -r "$url" cat --batch \
	    <"$T/rids" >/dev/null
}
d_read() { limit "$CAIRN" -r "$DK" cat --batch <"$T/rids" >/dev/null; }
r_one() { limit "$CAIRN" -r "$url" cat --batch <"$T/rid1" >/dev/null; }
d_one() { limit "$CAIRN" -r "$DK" cat --batch <"$T/rid1" >/dev/null; }
g_one() { limit "$GIT" --git-dir="$G" cat-file --batch <"$T/gid1" >/dev/null; }

rr=
dr=
r1=
d1=
g1=
r=0
while [ "$r" -lt "$RUNS" ]; do
	r=$((r + 1))
	say "random read, run $r of $RUNS"
	rr="$rr $(timed "cairn cat --batch (RADOS)" r_read)"
	dr="$dr $(timed "cairn cat --batch (disk)" d_read)"
	r1="$r1 $(timed "cairn cat --batch, one id (RADOS)" r_one)"
	d1="$d1 $(timed "cairn cat --batch, one id (disk)" d_one)"
	g1="$g1 $(timed "git cat-file --batch, one id" g_one)"
done
rr=$(echo "$rr" | median)
dr=$(echo "$dr" | median)
r1=$(echo "$r1" | median)
d1=$(echo "$d1" | median)
g1=$(echo "$g1" | median)
rchar=$(awk -F': *' '$1 == "rchar" { print $2 }' "$T/io.read" 2>/dev/null)
note "cairn cat --batch (RADOS): $(calc 'printf "%.1f", a / b / 1024' \
    "${rchar:-x}" "$READS") KiB read from its sockets (rchar) per object" \
    "read, for objects of $(calc 'printf "%.0f", a / b' "$rbytes" "$READS")" \
    "B on average; $(calc 'printf "%.1f", a / b / 1024' "${rchar:-x}" 1) KiB" \
    "in all"

# ----------------------------------------------------------------- engine

e_write() {
	RADOS bench "$SECS" write -b "$mean" -t 16 --no-cleanup \
	    --run-name "rb$r" >"$T/rb.write"
}
e_rand() { RADOS bench "$SECS" rand -t 16 --run-name "rb$r" >"$T/rb.rand"; }
e_rand1() { RADOS bench "$SECS" rand -t 1 --run-name "rb$r" >"$T/rb.rand1"; }

# rb FILE FIELD: the figure after "FIELD:" in rados bench's output FILE.
rb() {
	awk -F':[[:space:]]*' -v f="$2" '$1 == f { print $2; exit }' "$1" \
	    2>/dev/null
}

ew=
ewb=
ewl=
er=
erb=
erl=
e1=
e1l=
r=0
while [ "$r" -lt "$RUNS" ]; do
	r=$((r + 1))
	say "rados bench, run $r of $RUNS"
	sync
	if [ -n "$(timed "rados bench write" e_write)" ]; then
		ew="$ew $(rb "$T/rb.write" "Average IOPS")"
		ewb="$ewb $(rb "$T/rb.write" "Bandwidth (MB/sec)")"
		ewl="$ewl $(rb "$T/rb.write" "Average Latency(s)")"
		if [ -n "$(timed "rados bench rand -t 16" e_rand)" ]; then
			er="$er $(rb "$T/rb.rand" "Average IOPS")"
			erb="$erb $(rb "$T/rb.rand" "Bandwidth (MB/sec)")"
			erl="$erl $(rb "$T/rb.rand" "Average Latency(s)")"
		fi
		if [ -n "$(timed "rados bench rand -t 1" e_rand1)" ]; then
			e1="$e1 $(rb "$T/rb.rand1" "Average IOPS")"
			e1l="$e1l $(rb "$T/rb.rand1" "Average Latency(s)")"
		fi
	fi
	RADOS cleanup --run-name "rb$r" >/dev/null 2>&1
done
ew=$(echo "$ew" | median)
ewb=$(echo "$ewb" | median)
ewl=$(echo "$ewl" | median)
er=$(echo "$er" | median)
erb=$(echo "$erb" | median)
erl=$(echo "$erl" | median)
e1=$(echo "$e1" | median)
e1l=$(echo "$e1l" | median)
note "rados bench average latency: write -t 16 $(ms "$ewl") ms," \
    "rand -t 16 $(ms "$erl") ms, rand -t 1 $(ms "$e1l") ms;" \
    "cairn cat --batch on RADOS: $(calc 'printf "%.2f", a * 1000 / b' \
    "$rr" "$READS") ms per id read, opening included"

# -------------------------------------------------------------- 8 writers

m_ingest() {
	pids=
	i=0
	while [ "$i" -lt "$WRITERS" ]; do
		limit "$CAIRN" -r "$murl" put --batch <"$T/slice.$i" \
		    >"$T/multi.$i" &
		pids="$pids $!"
		i=$((i + 1))
	done
	st=0
	for p in $pids; do
		wait "$p" || st=$?
	done
	return "$st"
}

mi=
murl=
r=0
while [ "$r" -lt "$RUNS" ]; do
	r=$((r + 1))
	say "$WRITERS writers, run $r of $RUNS"
	[ -n "$murl" ] && drop "${murl##*/}"
	murl=rados://$POOL/multi$r
	c_init "$murl"
	sync
	mi="$mi $(timed "$WRITERS x cairn put --batch (RADOS)" m_ingest)"
done
mi=$(echo "$mi" | median)
mo=$("$CAIRN" -r "$murl" stats 2>/dev/null | sed -n 's/^objects: //p')
mids=$(cat "$T"/multi.* 2>/dev/null | wc -l | tr -d ' ')
if [ "${mo:-0}" = "$N" ] && [ "$mids" = "$N" ]; then
	note "$WRITERS writers: the repository holds all $N objects"
else
	note "$WRITERS writers: printed $mids ids; the repository holds" \
	    "${mo:-?} objects, of $N"
fi

# ------------------------------------------------------------------ table

rrate=$(rate "$N" "$ri")
drate=$(rate "$N" "$di")
mrate=$(rate "$N" "$mi")
rread=$(rate "$READS" "$rr")
dread=$(rate "$READS" "$dr")
rrow ingest "ingest, 1 writer (put --batch)" obj/s "$rrate" "$drate" \
    "$(calc 'printf "%.0f", a' "$ew")" -
rrow ingest_mib "  same" MiB/s "$(mibs "$bytes" "$ri")" \
    "$(mibs "$bytes" "$di")" "$(calc 'printf "%.1f", a' "$ewb")" -
rrow multi "ingest, $WRITERS writers at once (put --batch)" obj/s "$mrate" \
    - - -
rrow multi_mib "  same" MiB/s "$(mibs "$bytes" "$mi")" - - -
rrow files "ingest, $GN files (--stdin-paths)" obj/s "$(rate "$GN" "$rf")" \
    "$(rate "$GN" "$df")" - "$(rate "$GN" "$gf")"
rrow files_mib "  same" MiB/s "$(mibs "$gbytes" "$rf")" \
    "$(mibs "$gbytes" "$df")" - "$(mibs "$gbytes" "$gf")"
rrow read "random read (cat --batch, $READS ids)" obj/s "$rread" "$dread" \
    "$(calc 'printf "%.0f", a' "$er")" -
rrow read_mib "  same" MiB/s "$(mibs "$rbytes" "$rr")" \
    "$(mibs "$rbytes" "$dr")" "$(calc 'printf "%.1f", a' "$erb")" -
rrow read1 "random read, 1 in flight (rand -t 1)" obj/s - - \
    "$(calc 'printf "%.0f", a' "$e1")" -
rrow open "open + one read (cat --batch, 1 id)" ms "$(ms "$r1")" \
    "$(ms "$d1")" - "$(ms "$g1")"

# ratio KEY LABEL VALUE TARGET
ratio() {
	printf '%-58s %8s  %s\n' "$2" "$3" "$4"
	kv "ratio.$1" "$3"
}
div() {
	calc 'if (b > 0) printf "%.2f", a / b; else print "failed"' "$1" "$2"
}
echo
printf '%-58s %8s  %s\n' ratio value target
printf '%-58s %8s  %s\n' ----- ----- ------
ratio ingest_engine "cairn RADOS ingest obj/s / rados bench write IOPS" \
    "$(div "$rrate" "$ew")" ">= 1"
ratio read_engine "cairn RADOS random read obj/s / rados bench rand IOPS" \
    "$(div "$rread" "$er")" ">= 0.5"
ratio read_engine1 "  same, over rand IOPS with 1 in flight" \
    "$(div "$rread" "$e1")" -
ratio multi_engine "cairn RADOS $WRITERS writers / rados bench write IOPS" \
    "$(div "$mrate" "$ew")" -
ratio multi_single "cairn RADOS $WRITERS writers / 1 writer, ingest" \
    "$(div "$mrate" "$rrate")" -
ratio ingest_disk "cairn RADOS / cairn disk, ingest" \
    "$(div "$rrate" "$drate")" -
ratio files_disk "cairn RADOS / cairn disk, ingest of files" \
    "$(div "$(rate "$GN" "$rf")" "$(rate "$GN" "$df")")" -
ratio read_disk "cairn RADOS / cairn disk, random read" \
    "$(div "$rread" "$dread")" -
ratio files_git_rados "cairn RADOS / git, ingest of files" \
    "$(div "$(rate "$GN" "$rf")" "$(rate "$GN" "$gf")")" -
ratio files_git_disk "cairn disk / git, ingest of files" \
    "$(div "$(rate "$GN" "$df")" "$(rate "$GN" "$gf")")" -

# ------------------------------------------------------------------ notes

echo
echo "rados bench writes and reads one RADOS object per small object, 16 in"
echo "flight; cairn packs a batch of objects into 8 MiB RADOS objects, and"
echo "cat --batch reads up to 256 objects ahead (ranged reads of the packs)."
echo "Reads: page cache warm, cluster in memory."
echo "load at the end: $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null ||
	echo unknown) (1, 5, 15 min)"
if [ -s "$T/notes" ]; then
	echo
	echo "notes:"
	sed 's/^/  /' "$T/notes"
fi
exit 0
