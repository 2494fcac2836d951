#!/bin/sh
# Scale benchmark: cairn against git on millions of objects, side by side,
# with the peak memory of every command.  Prints figures and ratios only;
# it never judges them.
#
# Usage: sh tests/bench/scale.sh /absolute/path/to/cairn    (make bench-scale)
#
# Environment:
#   SCALE_OBJECTS  corpus size in blobs (default 2000000)
#   SCALE_RUNS     runs of each fast measurement (reads, absent checks);
#                  the median is shown (default 3)
#   SCALE_LONG_RUNS
#                  runs of each long one (ingest, fsck, gc; default 1)
#   SCALE_READS    ids read and ids checked absent (default 20000)
#   SCALE_SINGLE   invocations timed for a one-object cat (default 50)
#   SCALE_OUT      also write every figure to this file as key=value lines
#   BENCH_TIMEOUT  seconds after which one command is killed (default 7200)
#   CC             C compiler for the helpers (default cc)
#
# Rows (the same corpus and commands as run.sh, at scale; both tools make
# what they write durable):
#   ingest         `cairn put --batch` vs `git fast-import`, objects/s
#   flush          `cairn flush` after it (git has no such step)
#   read           SCALE_READS random present ids: `cat --batch` (content
#                  re-hashed) and `cat --no-verify --batch` vs `git cat-file
#                  --batch`, objects/s
#   absent         SCALE_READS absent ids: `cat --batch-check` vs `git
#                  cat-file --batch-check`, ids/s
#   single cat     `cairn cat <id>` vs `git cat-file -p <id>`, process start
#                  to exit; and the same in a repository of 1,000 objects,
#                  to show that opening costs the same whatever the size
#   fsck           trees over every other blob and a commit, named by a
#                  ref (as run.sh builds them); `fsck` vs `git fsck`,
#                  `fsck --quick` vs `git fsck --connectivity-only`
#   gc             `gc --prune=now` vs `git gc --prune=now` (half of the
#                  blobs unreachable), on copies
#   size           du of both repositories after flush, per object
# Every timed command also gets a row of its peak resident memory (KiB;
# for cairn the mapped files count as far as they were touched).

# The measured commands are small functions that run through timed().
# shellcheck disable=SC2317

set -u
LC_ALL=C
export LC_ALL

here=$(cd "$(dirname "$0")" && pwd) || exit 2
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$here/lib.sh"
arguments bench-scale scale.sh "$@"

N=${SCALE_OBJECTS:-2000000}
RUNS=${SCALE_RUNS:-3}
LONG=${SCALE_LONG_RUNS:-1}
READS=${SCALE_READS:-20000}
SINGLE=${SCALE_SINGLE:-50}
LIMIT=${BENCH_TIMEOUT:-7200}
OUT=${SCALE_OUT:-}
PER=256
positive bench-scale "SCALE_OBJECTS, SCALE_RUNS, SCALE_LONG_RUNS, SCALE_READS, \
SCALE_SINGLE and BENCH_TIMEOUT" \
    "$N" "$RUNS" "$LONG" "$READS" "$SINGLE" "$LIMIT"
if [ "$N" -lt 2000 ]; then
	echo "bench-scale: SCALE_OBJECTS must be at least 2000" >&2
	exit 2
fi
[ "$READS" -gt "$N" ] && READS=$N
scratch cairn-scale

# Disk: the two input streams (about 1.1 KB per object each), both
# repositories (about 0.6 KB per object each) and their copies for gc.
need_kib=$((N * 5 + 1024 * 1024))
have_kib=$(df -Pk "$T" | awk 'NR == 2 { print $4 }')
if [ -z "$have_kib" ] || [ "$have_kib" -lt "$need_kib" ]; then
	echo "bench-scale: $N objects need about $((need_kib / 1024)) MiB" \
	    "free under ${TMPDIR:-/tmp}; there are $((${have_kib:-0} / 1024))" \
	    "MiB (set TMPDIR or SCALE_OBJECTS)" >&2
	exit 2
fi

# Neither tool may see the user's configuration or repositories; the
# helpers are compiled (lib.sh: setup).
setup bench-scale

# peak NAME CMD...: run CMD (killed after LIMIT seconds) under proc rss;
# its peak RSS goes to $T/rss.NAME (appended, one line per run).
peak() {
	pk_name=$1
	shift
	if command -v timeout >/dev/null 2>&1; then
		"$PROC" rss "$T/rss.one" timeout "$LIMIT" "$@"
	else
		"$PROC" rss "$T/rss.one" "$@"
	fi
	pk_rc=$?
	cat "$T/rss.one" >>"$T/rss.$pk_name" 2>/dev/null
	return "$pk_rc"
}
# rss NAME: the median peak RSS of the runs of NAME, in KiB.
rss() {
	if [ -s "$T/rss.$1" ]; then
		median <"$T/rss.$1"
	else
		echo failed
	fi
}
# mem_row KEY LABEL CNAME GNAME: the peak memory row of a measurement.
mem_row() {
	row "$1_rss" "  peak memory" KiB "$(rss "$3")" "$(rss "$4")" lower
}

# ----------------------------------------------------------------- header

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null |
	head -n 1)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' \
	/proc/meminfo 2>/dev/null)
fstype=$(stat -f -c %T "$T" 2>/dev/null || echo unknown)
gitver=$("$GIT" --version)
cairnver=$("$CAIRN" --version 2>&1 | head -n 1)
bytes=$("$GEN" total "$N")

echo "cairn scale benchmark: cairn and git side by side"
echo "date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine:  ${cpu:-unknown cpu}, nproc $(nproc), ${mem:-? GiB}," \
    "$(uname -sr)"
echo "tmp dir:  $T ($fstype), $((have_kib / 1024)) MiB free," \
    "about $((need_kib / 1024)) MiB needed"
echo "git:      $gitver"
echo "cairn:    $cairnver ($CAIRN)"
echo "corpus:   $N text blobs of 64 B..4 KiB, $bytes bytes, sha1 ids"
echo "runs:     ingest, fsck, gc: median of $LONG; reads and absent" \
    "checks ($READS ids): median of $RUNS; single cat: median of $SINGLE"
echo "load:     $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null ||
	echo unknown) at start (1, 5, 15 min)"
echo
# shellcheck disable=SC2059
printf "$W_FMT" measurement unit cairn git cairn/git better
# shellcheck disable=SC2059
printf "$W_FMT" "-----------" ---- ----- --- --------- ------
kv objects "$N"
kv corpus_bytes "$bytes"
kv runs "$RUNS"
kv long_runs "$LONG"

# ----------------------------------------------------------------- ingest

say "generating $N blobs"
"$GEN" put "$N" >"$T/put.stream" || exit 2
"$GEN" fastimport "$N" >"$T/fi.stream" || exit 2

C=$T/c.cairn
G=$T/g.git
c_init() {
	rm -rf "$1"
	"$CAIRN" init --object-format=sha1 "$1" >/dev/null
}
g_init() {
	rm -rf "$1"
	"$GIT" init -q --bare "$1"
}
c_ingest() {
	peak ingest.c "$CAIRN" -r "$C" put --batch <"$T/put.stream" \
	    >"$T/ids"
}
g_ingest() {
	peak ingest.g "$GIT" -C "$G" fast-import --quiet <"$T/fi.stream"
}

ci=
gi=
r=0
while [ "$r" -lt "$LONG" ]; do
	r=$((r + 1))
	say "ingest, run $r of $LONG"
	c_init "$C" || exit 2
	sync
	ci="$ci $(timed "cairn put --batch" c_ingest)"
	g_init "$G" || exit 2
	sync
	gi="$gi $(timed "git fast-import" g_ingest)"
done
ci=$(echo "$ci" | median)
gi=$(echo "$gi" | median)
row ingest "ingest (put --batch / fast-import)" obj/s \
    "$(rate "$N" "$ci")" "$(rate "$N" "$gi")" higher
mem_row ingest "" ingest.c ingest.g

nids=$(wc -l <"$T/ids" | tr -d ' ')
if [ "$nids" -ne "$N" ]; then
	echo "bench-scale: cairn put --batch printed $nids ids for $N" \
	    "objects: $(head -c 300 "$T/stderr" | tr '\n' ' ')" >&2
	exit 1
fi

say "cairn flush"
sync
fl=$(timed "cairn flush" peak flush.c "$CAIRN" -r "$C" flush)
row flush "cairn flush after ingest" s "$(fmt3 "${fl:-failed}")" - lower
row flush_rss "  peak memory" KiB "$(rss flush.c)" - lower
row ingest_flush "ingest + flush (vs fast-import)" obj/s \
    "$(calc 'if (a + b > 0) printf "%.0f", c / (a + b)' "$ci" "${fl:-x}" \
	"$N")" "$(rate "$N" "$gi")" higher

# ------------------------------------------------------------------- reads

"$GEN" shuffle 1 <"$T/ids" | head -n "$READS" >"$T/read.ids"
"$GEN" miss "$READS" 3 >"$T/miss.ids"

# pass KEY LABEL CFUNC GFUNC: RUNS interleaved runs; rate rows and memory.
pass() {
	pc=
	pg=
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		r=$((r + 1))
		say "$2, run $r of $RUNS"
		pc="$pc $(timed "$2 (cairn)" "$3")"
		pg="$pg $(timed "$2 (git)" "$4")"
	done
	pc=$(echo "$pc" | median)
	pg=$(echo "$pg" | median)
	row "$1" "$2" obj/s "$(rate "$READS" "$pc")" "$(rate "$READS" "$pg")" \
	    higher
	mem_row "$1" "" "$1.c" "$1.g"
}

c_read() {
	peak read.c "$CAIRN" -r "$C" cat --batch <"$T/read.ids" \
	    >/dev/null
}
c_read_nv() {
	peak read_nv.c "$CAIRN" -r "$C" cat --no-verify --batch \
	    <"$T/read.ids" >/dev/null
}
g_read() {
	peak read.g "$GIT" -C "$G" cat-file --batch <"$T/read.ids" \
	    >/dev/null
}
g_read_nv() {
	peak read_nv.g "$GIT" -C "$G" cat-file --batch \
	    <"$T/read.ids" >/dev/null
}
c_absent() {
	peak absent.c "$CAIRN" -r "$C" cat --batch-check \
	    <"$T/miss.ids" >"$T/absent.c"
}
g_absent() {
	peak absent.g "$GIT" -C "$G" cat-file --batch-check \
	    <"$T/miss.ids" >"$T/absent.g"
}
pass read "random read, $READS ids" c_read g_read
pass read_nv "  same, cat --no-verify" c_read_nv g_read_nv
pass absent "absent, $READS ids (--batch-check)" c_absent g_absent
if ! cmp -s "$T/absent.c" "$T/absent.g"; then
	note "cat --batch-check of absent ids: outputs DIFFER"
fi
cs=$(limit "$CAIRN" -r "$C" cat --batch <"$T/read.ids" 2>/dev/null | cksum)
gs=$("$GIT" -C "$G" cat-file --batch <"$T/read.ids" | cksum)
[ "$cs" = "$gs" ] || note "cat --batch output DIFFERS from git's"

# ------------------------------------------------------------- single cat

say "single cat, $SINGLE invocations each"
id=$(head -n 1 "$T/read.ids")
cs=$(reps "$CAIRN" -r "$C" cat "$id")
gs=$(reps "$GIT" -C "$G" cat-file -p "$id")
row single_cat "single cat <id> (cat / cat-file -p)" ms \
    "$(calc 'printf "%.2f", a * 1000' "$cs")" \
    "$(calc 'printf "%.2f", a * 1000' "$gs")" lower

# The same in repositories of 1,000 objects: open costs no more at scale.
S=$T/small.cairn
SG=$T/small.git
c_init "$S" && g_init "$SG" || exit 2
"$GEN" put 1000 | "$CAIRN" -r "$S" put --batch >"$T/small.ids" &&
	"$CAIRN" -r "$S" flush &&
	"$GEN" fastimport 1000 | "$GIT" -C "$SG" fast-import --quiet || exit 2
sid=$(head -n 1 "$T/small.ids")
ss=$(reps "$CAIRN" -r "$S" cat "$sid")
sg=$(reps "$GIT" -C "$SG" cat-file -p "$sid")
row single_cat_small "  same, 1,000 objects in all" ms \
    "$(calc 'printf "%.2f", a * 1000' "$ss")" \
    "$(calc 'printf "%.2f", a * 1000' "$sg")" lower
row single_cat_growth "  time at $N / at 1,000 objects" x \
    "$(calc 'if (b > 0) printf "%.2f", a / b; else print "-"' "$cs" "$ss")" \
    "$(calc 'if (b > 0) printf "%.2f", a / b; else print "-"' "$gs" "$sg")" \
    lower

# ------------------------------------------------------------------ sizes

c_size=$(kib "$C")
g_size=$(kib "$G")
row size "repo size, flushed" KiB "$c_size" "$g_size" lower
row size_per_obj "  bytes per object" B \
    "$(calc 'printf "%.0f", a * 1024 / b' "$c_size" "$N")" \
    "$(calc 'printf "%.0f", a * 1024 / b' "$g_size" "$N")" lower

# ----------------------------------------------------------- fsck and gc

say "trees and a commit over every other blob"
"$GIT" -C "$G" config gc.auto 0
"$GIT" -C "$G" symbolic-ref HEAD refs/heads/main
awk 'NR % 2 == 1' "$T/ids" >"$T/reach.ids"
"$GEN" trees cairn "$PER" <"$T/reach.ids" |
	"$CAIRN" -r "$C" put --batch >"$T/trees.c" || exit 1
"$GEN" trees git "$PER" <"$T/reach.ids" |
	"$GIT" -C "$G" mktree --batch >"$T/trees.g" || exit 1
ctree=$("$GEN" root cairn <"$T/trees.c" | "$CAIRN" -r "$C" put --batch)
gtree=$("$GEN" root git <"$T/trees.g" | "$GIT" -C "$G" mktree --batch)
if [ -z "$ctree" ] || [ "$ctree" != "$gtree" ]; then
	note "root trees DIFFER: cairn ${ctree:-none}, git ${gtree:-none}"
fi
msg="bench: every other blob of the corpus"
ccommit=$(CAIRN_AUTHOR_NAME="Bench Author" \
	CAIRN_AUTHOR_EMAIL=author@bench.invalid \
	CAIRN_AUTHOR_DATE="1700000000 +0000" \
	CAIRN_COMMITTER_NAME="Bench Committer" \
	CAIRN_COMMITTER_EMAIL=committer@bench.invalid \
	CAIRN_COMMITTER_DATE="1700000000 +0000" \
	"$CAIRN" -r "$C" commit -m "$msg" "$ctree") &&
	"$CAIRN" -r "$C" ref set main "$ccommit" &&
	"$CAIRN" -r "$C" flush || exit 1
gcommit=$(GIT_AUTHOR_NAME="Bench Author" \
	GIT_AUTHOR_EMAIL=author@bench.invalid \
	GIT_AUTHOR_DATE="1700000000 +0000" \
	GIT_COMMITTER_NAME="Bench Committer" \
	GIT_COMMITTER_EMAIL=committer@bench.invalid \
	GIT_COMMITTER_DATE="1700000000 +0000" \
	"$GIT" -C "$G" commit-tree -m "$msg" "$gtree") &&
	"$GIT" -C "$G" update-ref refs/heads/main "$gcommit" || exit 1
[ "$ccommit" = "$gcommit" ] ||
	note "commits DIFFER: cairn $ccommit, git $gcommit"

# long KEY LABEL PREP CFUNC GFUNC: LONG interleaved runs, each after
# "PREP cairn" / "PREP git"; time rows, git/cairn and memory.
long() {
	pc=
	pg=
	r=0
	while [ "$r" -lt "$LONG" ]; do
		r=$((r + 1))
		say "$2, run $r of $LONG"
		$3 cairn
		pc="$pc $(timed "$2 (cairn)" "$4")"
		$3 git
		pg="$pg $(timed "$2 (git)" "$5")"
	done
	pc=$(echo "$pc" | median)
	pg=$(echo "$pg" | median)
	row "$1" "$2" s "$(fmt3 "$pc")" "$(fmt3 "$pg")" lower
	row "$1_speedup" "  git time / cairn time" x \
	    "$(calc 'if (a > 0) printf "%.2f", b / a; else print "-"' \
		"$pc" "$pg")" - higher
	mem_row "$1" "" "$1.c" "$1.g"
}
noprep() { :; }

c_fsck() { peak fsck.c "$CAIRN" -r "$C" fsck >"$T/fsck.c"; }
g_fsck() { peak fsck.g "$GIT" -C "$G" fsck >"$T/fsck.g"; }
c_quick() { peak quick.c "$CAIRN" -r "$C" fsck --quick >/dev/null; }
g_quick() {
	peak quick.g "$GIT" -C "$G" fsck --connectivity-only >/dev/null
}
long fsck "fsck (fsck / git fsck)" noprep c_fsck g_fsck
long quick "fsck --quick / --connectivity-only" noprep c_quick g_quick

gc_prep() {
	if [ "$1" = cairn ]; then
		rm -rf "$T/gc.c" && cp -a "$C" "$T/gc.c"
	else
		rm -rf "$T/gc.g" && cp -a "$G" "$T/gc.g"
	fi
	sync
}
c_gc() { peak gc.c "$CAIRN" -r "$T/gc.c" gc --prune=now >/dev/null; }
g_gc() { peak gc.g "$GIT" -C "$T/gc.g" gc --prune=now --quiet; }
long gc "gc --prune=now" gc_prep c_gc g_gc
row size_gc "  repo size after gc" KiB "$(kib "$T/gc.c")" "$(kib "$T/gc.g")" \
    lower

echo
echo "ratio is cairn/git; 'better' says which direction favours cairn."
echo "peak memory: maximum resident set (ru_maxrss) of the command; it"
echo "counts the pages of mapped files the command touched."
echo "load at the end: $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null ||
	echo unknown) (1, 5, 15 min)"
if [ -s "$T/notes" ]; then
	echo
	echo "notes:"
	sed 's/^/  /' "$T/notes"
fi
