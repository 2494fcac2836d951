#!/bin/sh
# Benchmark: cairn against git on the same machine and the same data, side
# by side.  Prints figures and ratios only; it never judges them.
#
# Usage: sh tests/bench/run.sh /absolute/path/to/cairn      (make bench)
#
# Environment:
#   BENCH_OBJECTS   corpus size in blobs (default 200000)
#   BENCH_RUNS      runs of each timed measurement; the median is shown
#                   (default 3)
#   BENCH_SINGLE    invocations timed for the one-object cat (default 50)
#   BENCH_LARGE_MB  size of the blob of the write-amplification test
#                   (default 256)
#   BENCH_TIMEOUT   seconds after which one command is killed (default 1800)
#   BENCH_TREE_ENTRIES
#                   files per directory of the fsck/gc tree (default 256)
#   BENCH_DIR_FILES files of the directory test (default 20000)
#   BENCH_OUT       also write every figure to this file as key=value lines
#   BENCH_GIT_DIR   the git repository the import row imports (default:
#                   this source tree's own, when it is a git work tree)
#   CC              C compiler for the helpers (default cc)
#
# Measurements (cairn repository: `init --object-format=sha1`, defaults, so
# durability is on; git repository: plain `git init --bare`, sha1):
#   ingest        `cairn put --batch` vs `git fast-import` of the same blobs
#                 into a fresh repository; objects/s.  Both make the data
#                 durable: cairn syncs its WAL per batch, fast-import syncs
#                 its pack (core.fsync default).
#   read          every object once, in a shuffled order: `cairn cat --batch`
#                 vs `git cat-file --batch`, output to /dev/null.  Done
#                 once right after ingest (as put left the repository:
#                 objects still in its WAL are read from there; the notes
#                 give the WAL record count), and once after `cairn flush`
#                 (one data file and its index, like the one pack
#                 fast-import wrote).
#                 The flushed pass is repeated with `cat --no-verify`, as
#                 git does not re-hash what it reads.
#   exists        batch-check of a shuffled list of 10% present and 90%
#                 absent ids: `cat --batch-check` vs `cat-file --batch-check`.
#   single cat    `cairn cat <id>` vs `git cat-file -p <id>`, one process
#                 each, from fork to exit; median of BENCH_SINGLE runs.
#   size          du -sk of both repositories.
#   fsck          the two repositories are extended with the same trees
#                 (every other blob of the corpus, BENCH_TREE_ENTRIES files
#                 per directory, under one root tree) and a commit of them,
#                 named by the ref main (refs/heads/main in git): half of
#                 the blobs are unreachable.  `cairn fsck` vs `git fsck`
#                 (both hash every object and check every link; git also
#                 walks reachability from the refs), and `cairn fsck
#                 --quick` vs `git fsck --connectivity-only` (no hashing;
#                 cairn still reads every record and checks its CRCs, git
#                 reads no blob); read-only, the same repositories each run.
#   gc            `cairn gc --prune=now` vs `git gc --prune=now`
#                 (gc.auto 0, otherwise git's defaults), each run on a
#                 fresh `cp -a` of the repositories of the fsck test; the
#                 time, and the size of the repositories before and after.
#                 Time rows are followed by git time / cairn time (higher
#                 favours cairn).
#   import        a real history: `cairn import --git <dir>` (every object
#                 of BENCH_GIT_DIR, or of this source tree's repository)
#                 into a fresh cairn repository of the same object format,
#                 vs `git index-pack --stdin` of a pack of the same objects
#                 into a fresh bare repository (the pack is made first,
#                 untimed, by `git pack-objects` from the list of every
#                 object); objects/s, and git time / cairn time.  Both
#                 start from git's compressed, deltified objects: cairn's
#                 time includes the git cat-file that reads them, git's the
#                 delta resolution and hashing of index-pack; both sync
#                 what they write.
#   directory     BENCH_DIR_FILES files of the corpus (BENCH_TREE_ENTRIES
#                 per directory): `cairn put -r <dir>` vs `git add -A` and
#                 `git write-tree` in a fresh repository whose work tree
#                 it is (git writes loose objects), and `cairn put
#                 --stdin-paths` vs `git hash-object -w --stdin-paths` of
#                 the same files; files/s.  Page cache warm.
#   transfer      the repositories of the fsck test cloned over an ssh
#                 stand-in (a script that runs the far side here):
#                 `cairn clone host:<repo>` vs `git clone --bare
#                 --no-local host:<repo>`; both served as plain files
#                 by a static web server on 127.0.0.1 (lighttpd, else
#                 python3 -m http.server): `cairn clone http://...` vs
#                 git's dumb HTTP `git clone --bare http://...` of a
#                 repacked copy; then 1% of the corpus is committed on
#                 top of main and fetched into a copy of
#                 each clone (`cairn fetch origin` vs `git fetch origin
#                 main`), with each fetch's share of its clone's time;
#                 then `cairn bundle create`/`unbundle` of main vs `git
#                 bundle create`/`unbundle`, and the bundles' sizes.
#   large blob    `cairn put <file>` vs `git hash-object -w <file>` of one
#                 incompressible file: speed, and bytes written to disk
#                 (write_bytes of /proc/<pid>/io) divided by the file size.
# All data is generated (deterministically) into a temporary directory under
# ${TMPDIR:-/tmp}, which is removed at exit.  Page caches are warm for both
# tools; `sync` runs before every timed write.

# The measured commands are small functions that run through timed().
# shellcheck disable=SC2317

set -u
LC_ALL=C
export LC_ALL

here=$(cd "$(dirname "$0")" && pwd) || exit 2
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$here/lib.sh"
arguments bench run.sh "$@"

N=${BENCH_OBJECTS:-200000}
RUNS=${BENCH_RUNS:-3}
SINGLE=${BENCH_SINGLE:-50}
LARGE_MB=${BENCH_LARGE_MB:-256}
LIMIT=${BENCH_TIMEOUT:-1800}
PER=${BENCH_TREE_ENTRIES:-256}
DN=${BENCH_DIR_FILES:-20000}
OUT=${BENCH_OUT:-}
positive bench "BENCH_OBJECTS, BENCH_RUNS, BENCH_SINGLE, BENCH_LARGE_MB, \
BENCH_TIMEOUT, BENCH_TREE_ENTRIES and BENCH_DIR_FILES" \
    "$N" "$RUNS" "$SINGLE" "$LARGE_MB" "$LIMIT" "$PER" "$DN"
if [ "$N" -lt 10 ]; then
	echo "bench: BENCH_OBJECTS must be at least 10" >&2
	exit 2
fi
scratch cairn-bench

# Neither tool may see the user's configuration or repositories; the
# helpers are compiled (lib.sh: setup).
setup bench

# ----------------------------------------------------------------- header

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null |
	head -n 1)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' \
	/proc/meminfo 2>/dev/null)
fstype=$(stat -f -c %T "$T" 2>/dev/null || echo unknown)
gitver=$("$GIT" --version)
if cairnver=$("$CAIRN" --version 2>&1); then
	cairnver=$(echo "$cairnver" | head -n 1)
else
	cairnver="(cairn --version failed: $(echo "$cairnver" | head -n 1))"
fi
bytes=$("$GEN" total "$N")

echo "cairn benchmark: cairn and git side by side"
echo "date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine:  ${cpu:-unknown cpu}, nproc $(nproc), ${mem:-? GiB}," \
    "$(uname -sr)"
echo "tmp dir:  $T ($fstype)"
echo "git:      $gitver"
echo "cairn:    $cairnver ($CAIRN)"
echo "corpus:   $N text blobs of 64 B..4 KiB, $bytes bytes, sha1 ids"
echo "runs:     median of $RUNS; single cat: median of $SINGLE invocations"
echo "load:     $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null ||
	echo unknown) at start (1, 5, 15 min)"
echo
# shellcheck disable=SC2059
printf "$W_FMT" measurement unit cairn git cairn/git better
# shellcheck disable=SC2059
printf "$W_FMT" "-----------" ---- ----- --- --------- ------
kv nproc "$(nproc)"
kv git_version "$gitver"
kv cairn_version "$cairnver"
kv objects "$N"
kv corpus_bytes "$bytes"
kv runs "$RUNS"
kv single_runs "$SINGLE"
kv fs "$fstype"

# ----------------------------------------------------------------- ingest

say "generating $N blobs"
"$GEN" put "$N" >"$T/put.stream" || exit 2
"$GEN" fastimport "$N" >"$T/fi.stream" || exit 2

C=$T/c.cairn
G=$T/g.git

c_init() {
	rm -rf "$1"
	"$CAIRN" init --object-format=sha1 "$1" >/dev/null 2>"$T/stderr" ||
		note "cairn init failed: $(head -c 400 "$T/stderr" | tr '\n' ' ')"
}
g_init() {
	rm -rf "$1"
	"$GIT" init -q --bare "$1"
}
c_ingest() { limit "$CAIRN" -r "$C" put --batch <"$T/put.stream" >"$T/ids"; }
g_ingest() { limit "$GIT" -C "$G" fast-import --quiet <"$T/fi.stream"; }

ci=
gi=
r=0
while [ "$r" -lt "$RUNS" ]; do
	r=$((r + 1))
	say "ingest, run $r of $RUNS"
	c_init "$C"
	sync
	ci="$ci $(timed "cairn put --batch" c_ingest)"
	g_init "$G"
	sync
	gi="$gi $(timed "git fast-import" g_ingest)"
done
ci=$(echo "$ci" | median)
gi=$(echo "$gi" | median)
row ingest "ingest (put --batch / fast-import)" obj/s \
    "$(rate "$N" "$ci")" "$(rate "$N" "$gi")" higher

# The ids to read come from cairn's output; if it printed too few, git's
# ids stand in so that the git half still runs.
nids=$(wc -l <"$T/ids" 2>/dev/null | tr -d ' ')
nids=${nids:-0}
if [ "$nids" -ne "$N" ]; then
	note "cairn put --batch printed $nids ids for $N objects;" \
	    "the read tests use the ids git stored"
	"$GIT" -C "$G" cat-file --batch-all-objects \
	    --batch-check='%(objectname)' >"$T/ids"
else
	unknown=$("$GIT" -C "$G" cat-file --batch-check <"$T/ids" |
		grep -c ' missing$')
	if [ "$unknown" -eq 0 ]; then
		note "ids printed by cairn put --batch: all $N equal git's"
	else
		note "ids printed by cairn put --batch: $unknown of $N" \
		    "are not ids git computed for the same blobs"
	fi
fi
"$GEN" shuffle 1 <"$T/ids" >"$T/ids.shuf"

"$CAIRN" -r "$C" stats >"$T/stats.ingest" 2>&1 ||
	note "cairn stats failed: $(head -c 200 "$T/stats.ingest" | tr '\n' ' ')"
note "cairn stats after ingest: $(tr '\n' ';' <"$T/stats.ingest" |
	sed 's/;$//; s/;/; /g')"
wal=$(sed -n 's/^wal[_ ]records: *\([0-9]*\)$/\1/p' "$T/stats.ingest")
if [ -n "$wal" ]; then
	note "WAL records right after ingest: $wal of $N objects"
fi
c_size_wal=$(kib "$C")
g_size=$(kib "$G")

# ------------------------------------------------------------------- reads

c_read() { limit "$CAIRN" -r "$C" cat --batch <"$T/ids.shuf" >/dev/null; }
g_read() { limit "$GIT" -C "$G" cat-file --batch <"$T/ids.shuf" >/dev/null; }

# read_pass KEY LABEL: RUNS interleaved reads of every object by both.
read_pass() {
	cr=
	gr=
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		r=$((r + 1))
		say "$2, run $r of $RUNS"
		cr="$cr $(timed "cairn cat --batch ($2)" c_read)"
		gr="$gr $(timed "git cat-file --batch" g_read)"
	done
	cr=$(echo "$cr" | median)
	gr=$(echo "$gr" | median)
	row "$1" "$2" obj/s "$(rate "$N" "$cr")" "$(rate "$N" "$gr")" higher
}

read_pass read_wal "random read, right after ingest"

"$CAIRN" -r "$C" stats >"$T/stats.read" 2>&1
cmp -s "$T/stats.ingest" "$T/stats.read" ||
	note "cairn stats changed during the unflushed reads:" \
	    "$(tr '\n' ';' <"$T/stats.read" | sed 's/;$//; s/;/; /g')"

say "cairn flush"
sync
fl=$(timed "cairn flush" limit "$CAIRN" -r "$C" flush)
fl=${fl:-failed}
row flush "cairn flush after ingest" s "$(fmt3 "$fl")" - lower
row ingest_flush "ingest + flush (vs fast-import)" obj/s \
    "$(calc 'if (a + b > 0) printf "%.0f", c / (a + b)' "$ci" "$fl" "$N")" \
    "$(rate "$N" "$gi")" higher

read_pass read "random read, flushed"

# git cat-file never re-hashes what it reads; cairn cat does unless told not
# to.  The same reads without that check, against the git figure above.
c_read_nv() {
	limit "$CAIRN" -r "$C" cat --no-verify --batch <"$T/ids.shuf" >/dev/null
}
cn=
r=0
while [ "$r" -lt "$RUNS" ]; do
	r=$((r + 1))
	say "random read, flushed, --no-verify, run $r of $RUNS"
	cn="$cn $(timed "cairn cat --no-verify --batch" c_read_nv)"
done
cn=$(echo "$cn" | median)
row read_noverify "  same, cat --no-verify" obj/s "$(rate "$N" "$cn")" \
    "$(rate "$N" "$gr")" higher

# One more pass of each, untimed, to compare what they print.
cs=$(limit "$CAIRN" -r "$C" cat --batch <"$T/ids.shuf" 2>/dev/null | cksum)
gs=$("$GIT" -C "$G" cat-file --batch <"$T/ids.shuf" | cksum)
if [ "$cs" = "$gs" ]; then
	note "cairn cat --batch output: identical to git cat-file --batch"
else
	note "cairn cat --batch output: DIFFERS from git cat-file --batch" \
	    "(cksum $cs vs $gs)"
fi

# ------------------------------------------------------------ existence

say "existence checks"
present=$((N / 10))
head -n "$present" "$T/ids.shuf" >"$T/exist.tmp"
"$GEN" miss $((N - present)) 1 >>"$T/exist.tmp"
"$GEN" shuffle 2 <"$T/exist.tmp" >"$T/exist.ids"

c_check() {
	limit "$CAIRN" -r "$C" cat --batch-check <"$T/exist.ids" >"$T/check.c"
}
g_check() {
	limit "$GIT" -C "$G" cat-file --batch-check <"$T/exist.ids" \
	    >"$T/check.g"
}
ce=
ge=
r=0
while [ "$r" -lt "$RUNS" ]; do
	r=$((r + 1))
	ce="$ce $(timed "cairn cat --batch-check" c_check)"
	ge="$ge $(timed "git cat-file --batch-check" g_check)"
done
ce=$(echo "$ce" | median)
ge=$(echo "$ge" | median)
row exists "exists, 90% absent (--batch-check)" obj/s \
    "$(rate "$N" "$ce")" "$(rate "$N" "$ge")" higher
if [ -s "$T/check.c" ] && cmp -s "$T/check.c" "$T/check.g"; then
	note "cairn cat --batch-check output: identical to git's" \
	    "($((N - present)) missing of $N)"
else
	cm=$(grep -c ' missing$' "$T/check.c" 2>/dev/null)
	note "cairn cat --batch-check output: DIFFERS from git's" \
	    "(cairn: ${cm:-0} missing, expected $((N - present)) of $N)"
fi

# ------------------------------------------------------------- single cat

say "single cat, $SINGLE invocations each"
id=$(head -n 1 "$T/ids.shuf")
cs=$(reps "$CAIRN" -r "$C" cat "$id")
gs=$(reps "$GIT" -C "$G" cat-file -p "$id")
row single_cat "single cat <id> (cat / cat-file -p)" ms \
    "$(calc 'printf "%.2f", a * 1000' "$cs")" \
    "$(calc 'printf "%.2f", a * 1000' "$gs")" lower

# ------------------------------------------------------------------ sizes

c_size=$(kib "$C")
row size_wal "repo size, right after ingest" KiB "$c_size_wal" "$g_size" lower
row size "repo size, flushed" KiB "$c_size" "$g_size" lower
row size_per_obj "bytes on disk per object, flushed" B \
    "$(calc 'printf "%.0f", a * 1024 / b' "$c_size" "$N")" \
    "$(calc 'printf "%.0f", a * 1024 / b' "$g_size" "$N")" lower

# ----------------------------------------------------------- fsck and gc

# Both repositories get the same trees and commit, built independently:
# cairn from binary trees written by gen, git by `git mktree` from ls-tree
# listings of the same entries, and a commit by each tool from the same
# identity and dates.  The ids printed on both sides are compared.
say "trees and a commit over every other blob"
"$GIT" -C "$G" config gc.auto 0
"$GIT" -C "$G" symbolic-ref HEAD refs/heads/main
awk 'NR % 2 == 1' "$T/ids" >"$T/reach.ids"
nreach=$(wc -l <"$T/reach.ids" | tr -d ' ')

# step LABEL CMD...: runs CMD (its stdout left to the caller); a failure
# becomes a note.
step() {
	what=$1
	shift
	"$@" 2>"$T/stderr"
	rc=$?
	[ "$rc" -eq 0 ] && return 0
	note "$what failed with exit status $rc:" \
	    "$(head -c 400 "$T/stderr" | tr '\n' ' ')"
	return 1
}
c_put_batch() { limit "$CAIRN" -r "$C" put --batch; }
g_mktree() { limit "$GIT" -C "$G" mktree --batch; }

"$GEN" trees cairn "$PER" <"$T/reach.ids" >"$T/trees.c" || exit 2
"$GEN" trees git "$PER" <"$T/reach.ids" >"$T/trees.g" || exit 2
step "cairn put --batch (trees)" c_put_batch <"$T/trees.c" \
    >"$T/trees.ids.c"
step "git mktree --batch" g_mktree <"$T/trees.g" >"$T/trees.ids.g"
ntrees=$(wc -l <"$T/trees.ids.g" | tr -d ' ')
"$GEN" root cairn <"$T/trees.ids.c" >"$T/root.c" || exit 2
"$GEN" root git <"$T/trees.ids.g" >"$T/root.g" || exit 2
ctree=$(step "cairn put --batch (root tree)" c_put_batch <"$T/root.c")
gtree=$(step "git mktree --batch (root tree)" g_mktree <"$T/root.g")

msg="bench: every other blob of the corpus"
c_commit() {
	CAIRN_AUTHOR_NAME="Bench Author" \
	CAIRN_AUTHOR_EMAIL=author@bench.invalid \
	CAIRN_AUTHOR_DATE="1700000000 +0000" \
	CAIRN_COMMITTER_NAME="Bench Committer" \
	CAIRN_COMMITTER_EMAIL=committer@bench.invalid \
	CAIRN_COMMITTER_DATE="1700000000 +0000" \
	    "$CAIRN" -r "$C" commit -m "$msg" "$1"
}
g_commit() {
	GIT_AUTHOR_NAME="Bench Author" \
	GIT_AUTHOR_EMAIL=author@bench.invalid \
	GIT_AUTHOR_DATE="1700000000 +0000" \
	GIT_COMMITTER_NAME="Bench Committer" \
	GIT_COMMITTER_EMAIL=committer@bench.invalid \
	GIT_COMMITTER_DATE="1700000000 +0000" \
	    "$GIT" -C "$G" commit-tree -m "$msg" "$1"
}
ccommit=
gcommit=
[ -n "$ctree" ] && ccommit=$(step "cairn commit" c_commit "$ctree")
[ -n "$gtree" ] && gcommit=$(step "git commit-tree" g_commit "$gtree")
[ -n "$ccommit" ] &&
	step "cairn ref set main" "$CAIRN" -r "$C" ref set main "$ccommit"
[ -n "$gcommit" ] &&
	step "git update-ref" "$GIT" -C "$G" update-ref refs/heads/main \
	    "$gcommit"

if [ -s "$T/trees.ids.g" ] && cmp -s "$T/trees.ids.c" "$T/trees.ids.g" &&
    [ -n "$gtree" ] && [ "$ctree" = "$gtree" ] &&
    [ -n "$gcommit" ] && [ "$ccommit" = "$gcommit" ]; then
	note "fsck/gc repositories: tree ids ($((ntrees + 1))) and commit id" \
	    "equal on both sides (commit $gcommit)"
else
	note "fsck/gc repositories: ids DIFFER: cairn trees" \
	    "$(wc -l <"$T/trees.ids.c" | tr -d ' ') (root ${ctree:-none})," \
	    "commit ${ccommit:-none}; git trees $ntrees (root ${gtree:-none})," \
	    "commit ${gcommit:-none}$(cmp -s "$T/trees.ids.c" \
	    "$T/trees.ids.g" || echo '; subtree ids differ')"
fi
nall=$((N + ntrees + 2))
nlive=$((nreach + ntrees + 2))
note "fsck/gc repositories: $nall objects ($N blobs, $((ntrees + 1))" \
    "trees, 1 commit); $nlive reachable from main, $((N - nreach))" \
    "blobs unreachable"
"$CAIRN" -r "$C" stats >"$T/stats.fsck" 2>&1
note "cairn stats before fsck: $(tr '\n' ';' <"$T/stats.fsck" |
	sed 's/;$//; s/;/; /g')"

# pair KEY LABEL PREP CFUNC GFUNC CNAME GNAME: RUNS interleaved runs of
# CFUNC and GFUNC, each after "PREP cairn" or "PREP git"; sets pc and pg to
# the medians and prints the time row and the git/cairn row.
pair() {
	pc=
	pg=
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		r=$((r + 1))
		say "$2, run $r of $RUNS"
		$3 cairn
		pc="$pc $(timed "$6" "$4")"
		$3 git
		pg="$pg $(timed "$7" "$5")"
	done
	pc=$(echo "$pc" | median)
	pg=$(echo "$pg" | median)
	row "$1" "$2" s "$(fmt3 "$pc")" "$(fmt3 "$pg")" lower
	row "$1_speedup" "  git time / cairn time" x \
	    "$(calc 'if (a > 0) printf "%.2f", b / a; else print "-"' \
		"$pc" "$pg")" - higher
}
noprep() { :; }

c_fsck() { limit "$CAIRN" -r "$C" fsck >"$T/fsck.c"; }
g_fsck() { limit "$GIT" -C "$G" fsck >"$T/fsck.g"; }
pair fsck "fsck (fsck / git fsck)" noprep c_fsck g_fsck \
    "cairn fsck" "git fsck"
c_fsck_q() { limit "$CAIRN" -r "$C" fsck --quick >"$T/fsckq.c"; }
g_fsck_q() {
	limit "$GIT" -C "$G" fsck --connectivity-only >"$T/fsckq.g"
}
pair fsck_quick "fsck --quick / --connectivity-only" noprep c_fsck_q \
    g_fsck_q "cairn fsck --quick" "git fsck --connectivity-only"

for f in fsck fsckq; do
	if [ -s "$T/$f.c" ]; then
		note "cairn fsck$([ "$f" = fsckq ] && echo ' --quick'):" \
		    "$(wc -l <"$T/$f.c" | tr -d ' ') findings, first:" \
		    "$(head -n 1 "$T/$f.c" | head -c 200)"
	fi
done
note "git fsck: $(grep -c '^dangling blob ' "$T/fsck.g") dangling blobs" \
    "reported (unreachable: $((N - nreach)))"

CG=$T/gc.cairn
GG=$T/gc.git
gc_prep() {
	if [ "$1" = cairn ]; then
		rm -rf "$CG"
		cp -a "$C" "$CG"
	else
		rm -rf "$GG"
		cp -a "$G" "$GG"
	fi
	sync
}
c_gc() { limit "$CAIRN" -r "$CG" gc --prune=now --json >"$T/gc.c"; }
g_gc() { limit "$GIT" -C "$GG" gc --prune=now --quiet; }
c_gc_before=$(kib "$C")
g_gc_before=$(kib "$G")
pair gc "gc --prune=now" gc_prep c_gc g_gc \
    "cairn gc --prune=now" "git gc --prune=now"
c_gc_after=failed
g_gc_after=failed
isnum "$pc" && c_gc_after=$(kib "$CG")
isnum "$pg" && g_gc_after=$(kib "$GG")
row gc_size_before "  repo size before gc" KiB "$c_gc_before" \
    "$g_gc_before" lower
row gc_size_after "  repo size after gc" KiB "$c_gc_after" "$g_gc_after" \
    lower

# What the last gc left, untimed.
if isnum "$pc"; then
	note "cairn gc --json: $(head -c 300 "$T/gc.c")"
	"$CAIRN" -r "$CG" stats >"$T/stats.gc" 2>&1
	note "cairn stats after gc: $(tr '\n' ';' <"$T/stats.gc" |
		sed 's/;$//; s/;/; /g')"
	if "$CAIRN" -r "$CG" fsck >"$T/fsck.gc" 2>&1; then
		note "cairn fsck after gc: no findings"
	else
		note "cairn fsck after gc: exit status $?," \
		    "$(wc -l <"$T/fsck.gc" | tr -d ' ') lines, first:" \
		    "$(head -n 1 "$T/fsck.gc" | head -c 200)"
	fi
fi
if isnum "$pg"; then
	note "git count-objects -v after gc: $("$GIT" -C "$GG" count-objects \
	    -v | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
fi
# A reachable and an unreachable blob, on both sides after gc.
kept=$(head -n 1 "$T/reach.ids")
gone=$(sed -n 2p "$T/ids")
if [ -n "$kept" ] && [ -n "$gone" ]; then
	ck=$("$CAIRN" -r "$CG" cat -e "$kept" 2>/dev/null; echo $?)
	cg=$("$CAIRN" -r "$CG" cat -e "$gone" 2>/dev/null; echo $?)
	gk=$("$GIT" -C "$GG" cat-file -e "$kept" 2>/dev/null; echo $?)
	gg=$("$GIT" -C "$GG" cat-file -e "$gone" 2>/dev/null; echo $?)
	note "after gc, cat -e / cat-file -e status of a reachable blob:" \
	    "cairn $ck, git $gk; of an unreachable one: cairn $cg, git $gg"
fi
rm -rf "$CG" "$GG"

# ------------------------------------------------------------- transfer

# The repositories of the fsck test, main reaching half the corpus: cloned
# over an ssh stand-in that runs the far side here (cairn serve / git
# upload-pack), each found on PATH as over ssh; then 1% of the corpus is
# committed on top and fetched; then bundles of main.
say "transfer: clone, fetch of 1% new objects, bundles"
SSHSUB=$T/ssh-sub
cat >"$SSHSUB" <<'SUB'
#!/bin/sh
# An ssh stand-in: drop "-p <port>" and the host, run the command here.
[ "$1" = -p ] && shift 2
shift
exec sh -c "$1"
SUB
chmod +x "$SSHSUB"
mkdir -p "$T/bin"
ln -sf "$CAIRN" "$T/bin/cairn"
XPATH=$T/bin:$PATH
TC=$T/xfer.cairn
TG=$T/xfer.git
rm -rf "$TC" "$TG"
cp -a "$C" "$TC"
cp -a "$G" "$TG"

c_clone() {
	rm -rf "$T/clone.c"
	PATH=$XPATH CAIRN_SSH=$SSHSUB limit "$CAIRN" clone "localhost:$TC" \
	    "$T/clone.c" >/dev/null
}
g_clone() {
	rm -rf "$T/clone.g"
	GIT_SSH_COMMAND=$SSHSUB GIT_SSH_VARIANT=simple limit "$GIT" clone -q \
	    --bare --no-local "localhost:$TG" "$T/clone.g"
}
cc=
gc=
r=0
while [ "$r" -lt "$RUNS" ]; do
	r=$((r + 1))
	say "clone, run $r of $RUNS"
	sync
	cc="$cc $(timed "cairn clone" c_clone)"
	sync
	gc="$gc $(timed "git clone" g_clone)"
done
cc=$(echo "$cc" | median)
gc=$(echo "$gc" | median)
row clone "clone over ssh stand-in ($nlive obj)" s "$(fmt3 "${cc:-0}")" \
    "$(fmt3 "${gc:-0}")" lower
row clone_rate "  clone: git time / cairn time" x \
    "$(calc 'if (a > 0) printf "%.2f", b / a; else print "-"' "${cc:-0}" \
    "${gc:-0}")" - higher

# The same repositories served as plain files by one static web server
# on 127.0.0.1 (lighttpd, which honours range requests, else python3 -m
# http.server, which does not): cairn clone of http:// (refs.list, the
# manifest, the index segments whole, the data file by ranges) vs git's
# dumb HTTP (info/refs, then its packs) of a copy repacked into one pack,
# as a repository served that way is kept (loose objects would cost git
# a request each).
HTTP_PID=
HTTP_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null)
LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
if [ -n "$HTTP_PORT" ] && [ -x "$LIGHTTPD" ]; then
	printf 'server.document-root = "%s"\nserver.bind = "127.0.0.1"\nserver.port = %s\nserver.stat-cache-engine = "disable"\n' \
	    "$T" "$HTTP_PORT" >"$T/lighttpd.conf"
	"$LIGHTTPD" -D -f "$T/lighttpd.conf" & HTTP_PID=$!
	HTTP_NAME=lighttpd
elif [ -n "$HTTP_PORT" ]; then
	(cd "$T" && exec python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1) \
	    >/dev/null 2>&1 & HTTP_PID=$!
	HTTP_NAME="python3 http.server"
fi
if [ -n "$HTTP_PID" ]; then
	sleep 1
	"$CAIRN" -r "$TC" update-server-info
	rm -rf "$T/http.git"
	cp -a "$TG" "$T/http.git"
	"$GIT" -C "$T/http.git" repack -q -a -d &&
	    "$GIT" -C "$T/http.git" update-server-info
	c_hclone() {
		rm -rf "$T/hclone.c"
		limit "$CAIRN" clone "http://127.0.0.1:$HTTP_PORT/xfer.cairn" \
		    "$T/hclone.c" >/dev/null
	}
	g_hclone() {
		rm -rf "$T/hclone.g"
		limit "$GIT" clone -q --bare \
		    "http://127.0.0.1:$HTTP_PORT/http.git" "$T/hclone.g"
	}
	hc=
	hg=
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		r=$((r + 1))
		say "clone over HTTP ($HTTP_NAME), run $r of $RUNS"
		sync
		hc="$hc $(timed "cairn clone http" c_hclone)"
		sync
		hg="$hg $(timed "git clone http" g_hclone)"
	done
	hc=$(echo "$hc" | median)
	hg=$(echo "$hg" | median)
	row http_clone "clone over HTTP, $HTTP_NAME ($nlive obj)" s \
	    "$(fmt3 "${hc:-0}")" "$(fmt3 "${hg:-0}")" lower
	kill "$HTTP_PID" 2>/dev/null
	rm -rf "$T/hclone.c" "$T/hclone.g" "$T/http.git"
fi

# 1% of the corpus (blobs main does not reach), in new trees under a new
# commit on top of main, made the same on both sides.
nnew=$((N / 100))
[ "$nnew" -lt 1 ] && nnew=1
awk 'NR % 2 == 0' "$T/ids" | head -n "$nnew" >"$T/new.ids"
"$GEN" trees cairn "$PER" <"$T/new.ids" >"$T/ntrees.c" || exit 2
"$GEN" trees git "$PER" <"$T/new.ids" >"$T/ntrees.g" || exit 2
"$CAIRN" -r "$TC" put --batch <"$T/ntrees.c" >"$T/ntrees.ids.c"
"$GIT" -C "$TG" mktree --batch <"$T/ntrees.g" >"$T/ntrees.ids.g"
"$GEN" root cairn <"$T/ntrees.ids.c" >"$T/nroot.c" || exit 2
"$GEN" root git <"$T/ntrees.ids.g" >"$T/nroot.g" || exit 2
nct=$("$CAIRN" -r "$TC" put --batch <"$T/nroot.c")
ngt=$("$GIT" -C "$TG" mktree --batch <"$T/nroot.g")
ncc=$(CAIRN_AUTHOR_NAME=b CAIRN_AUTHOR_EMAIL=b@bench.invalid \
    CAIRN_COMMITTER_NAME=b CAIRN_COMMITTER_EMAIL=b@bench.invalid \
    "$CAIRN" -r "$TC" commit -p main -m "1%" "$nct") &&
    "$CAIRN" -r "$TC" ref set main "$ncc"
ngc=$(GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@bench.invalid \
    GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@bench.invalid \
    "$GIT" -C "$TG" commit-tree -p refs/heads/main -m "1%" "$ngt") &&
    "$GIT" -C "$TG" update-ref refs/heads/main "$ngc"
nfetch=$((nnew + $(wc -l <"$T/ntrees.ids.g") + 2))

# Each run fetches into a fresh copy of a clone made before the commit.
c_clone && cp -a "$T/clone.c" "$T/base.c"
g_clone && cp -a "$T/clone.g" "$T/base.g"
c_fetch() {
	PATH=$XPATH CAIRN_SSH=$SSHSUB limit "$CAIRN" -r "$T/fetch.c" fetch \
	    origin >/dev/null
}
g_fetch() {
	GIT_SSH_COMMAND=$SSHSUB GIT_SSH_VARIANT=simple limit "$GIT" \
	    -C "$T/fetch.g" fetch -q origin main
}
cf=
gf=
r=0
while [ "$r" -lt "$RUNS" ]; do
	r=$((r + 1))
	say "fetch, run $r of $RUNS"
	rm -rf "$T/fetch.c" "$T/fetch.g"
	cp -a "$T/base.c" "$T/fetch.c"
	cp -a "$T/base.g" "$T/fetch.g"
	sync
	cf="$cf $(timed "cairn fetch" c_fetch)"
	sync
	gf="$gf $(timed "git fetch" g_fetch)"
done
cf=$(echo "$cf" | median)
gf=$(echo "$gf" | median)
row fetch "fetch of 1% new ($nfetch obj)" s "$(fmt3 "${cf:-0}")" \
    "$(fmt3 "${gf:-0}")" lower
row fetch_share "  fetch time / clone time" x \
    "$(calc 'if (b > 0) printf "%.3f", a / b; else print "-"' "${cf:-0}" \
    "${cc:-0}")" \
    "$(calc 'if (b > 0) printf "%.3f", a / b; else print "-"' "${gf:-0}" \
    "${gc:-0}")" lower
rm -rf "$T/base.c" "$T/base.g" "$T/fetch.c" "$T/fetch.g" "$T/clone.c" \
    "$T/clone.g"

# Bundles of main (now 1% past the fsck test's), created, then unbundled
# into a fresh repository.
c_bcreate() { limit "$CAIRN" -r "$TC" bundle create "$T/b.c" main >/dev/null; }
g_bcreate() { limit "$GIT" -C "$TG" bundle create -q "$T/b.g" main; }
c_unbundle() { limit "$CAIRN" -r "$T/ub.c" bundle unbundle "$T/b.c" >/dev/null; }
g_unbundle() { limit "$GIT" -C "$T/ub.g" bundle unbundle "$T/b.g" >/dev/null; }
bc=
bg=
uc=
ug=
r=0
while [ "$r" -lt "$RUNS" ]; do
	r=$((r + 1))
	say "bundles, run $r of $RUNS"
	rm -f "$T/b.c" "$T/b.g"
	sync
	bc="$bc $(timed "cairn bundle create" c_bcreate)"
	sync
	bg="$bg $(timed "git bundle create" g_bcreate)"
	c_init "$T/ub.c"
	g_init "$T/ub.g"
	sync
	uc="$uc $(timed "cairn bundle unbundle" c_unbundle)"
	sync
	ug="$ug $(timed "git bundle unbundle" g_unbundle)"
done
bc=$(echo "$bc" | median)
bg=$(echo "$bg" | median)
uc=$(echo "$uc" | median)
ug=$(echo "$ug" | median)
row bundle_create "bundle create" s "$(fmt3 "${bc:-0}")" \
    "$(fmt3 "${bg:-0}")" lower
row bundle_unbundle "bundle unbundle" s "$(fmt3 "${uc:-0}")" \
    "$(fmt3 "${ug:-0}")" lower
row bundle_size "bundle size" KiB "$(($(wc -c <"$T/b.c" 2>/dev/null ||
    echo 0) / 1024))" "$(($(wc -c <"$T/b.g" 2>/dev/null || echo 0) / 1024))" \
    lower
rm -rf "$TC" "$TG" "$T/ub.c" "$T/ub.g" "$T/b.c" "$T/b.g"

# -------------------------------------------------------------- directory

say "directory of $DN files"
D=$T/dir
CD=$T/dir.cairn
GD=$T/dir.git
mkdir "$D" && "$GEN" files "$DN" "$D" "$PER" || exit 2
find "$D" -type f | sort >"$T/dir.paths" || exit 2
c_putdir() { limit "$CAIRN" -r "$CD" put -r "$D" >"$T/dir.c"; }
g_putdir() {
	limit "$GIT" --git-dir="$GD" --work-tree="$D" add -A &&
	    limit "$GIT" --git-dir="$GD" --work-tree="$D" write-tree \
	    >"$T/dir.g"
}
c_paths() {
	limit "$CAIRN" -r "$CD" put --stdin-paths <"$T/dir.paths" \
	    >"$T/paths.c"
}
g_paths() {
	limit "$GIT" --git-dir="$GD" hash-object -w --stdin-paths \
	    <"$T/dir.paths" >"$T/paths.g"
}
dc=
dg=
pc=
pg=
r=0
while [ "$r" -lt "$RUNS" ]; do
	r=$((r + 1))
	say "directory, run $r of $RUNS"
	c_init "$CD"
	g_init "$GD"
	sync
	dc="$dc $(timed "cairn put -r" c_putdir)"
	sync
	dg="$dg $(timed "git add + write-tree" g_putdir)"
	c_init "$CD"
	g_init "$GD"
	sync
	pc="$pc $(timed "cairn put --stdin-paths" c_paths)"
	sync
	pg="$pg $(timed "git hash-object --stdin-paths" g_paths)"
done
dc=$(echo "$dc" | median)
dg=$(echo "$dg" | median)
pc=$(echo "$pc" | median)
pg=$(echo "$pg" | median)
if [ "$(cat "$T/dir.c" 2>/dev/null)" = "$(cat "$T/dir.g" 2>/dev/null)" ]
then
	note "directory: put -r printed git write-tree's id"
else
	note "directory: put -r printed" \
	    "'$(head -c 100 "$T/dir.c" 2>/dev/null)', git write-tree" \
	    "'$(head -c 100 "$T/dir.g" 2>/dev/null)'"
fi
if ! cmp -s "$T/paths.c" "$T/paths.g"; then
	note "directory: put --stdin-paths and hash-object printed different ids"
fi
row putdir "directory (put -r / add + write-tree)" files/s \
    "$(rate "$DN" "${dc:-failed}")" "$(rate "$DN" "${dg:-failed}")" higher
row stdin_paths "files (--stdin-paths / hash-object)" files/s \
    "$(rate "$DN" "${pc:-failed}")" "$(rate "$DN" "${pg:-failed}")" higher
kv dir_files "$DN"
rm -rf "$D" "$CD" "$GD" "$T/dir.paths" "$T/dir.c" "$T/dir.g" \
    "$T/paths.c" "$T/paths.g"

# ----------------------------------------------------------------- import

IG=${BENCH_GIT_DIR:-}
if [ -z "$IG" ]; then
	top=$(cd "$here/../.." && pwd -P)
	if [ "$("$GIT" -C "$top" rev-parse --show-toplevel 2>/dev/null)" = \
	    "$top" ]; then
		IG=$("$GIT" -C "$top" rev-parse --absolute-git-dir)
	fi
fi
ifmt=
ni=0
if [ -z "$IG" ]; then
	note "import: no git repository to import (this source tree is not" \
	    "a git work tree; set BENCH_GIT_DIR)"
elif ! ifmt=$("$GIT" --git-dir="$IG" rev-parse --show-object-format \
    2>"$T/stderr"); then
	note "import: '$IG' is not a git repository:" \
	    "$(head -c 300 "$T/stderr" | tr '\n' ' ')"
	ifmt=
else
	say "import: listing and packing the objects of $IG"
	if ! "$GIT" --git-dir="$IG" cat-file --batch-all-objects \
	    --batch-check='%(objectname)' >"$T/import.ids" ||
	    ! "$GIT" --git-dir="$IG" pack-objects -q --stdout \
	    <"$T/import.ids" >"$T/import.pack"; then
		note "import: listing or packing the objects of $IG failed"
		: >"$T/import.ids"
	fi
	ni=$(wc -l <"$T/import.ids" | tr -d ' ')
	note "import: $IG, $ni objects ($ifmt), pack of" \
	    "$(wc -c <"$T/import.pack" | tr -d ' ') bytes"
fi

CI=$T/import.cairn
GI=$T/import.git
c_import() {
	limit "$CAIRN" -r "$CI" --no-progress import --git "$IG" \
	    >"$T/import.out"
}
g_import() {
	limit "$GIT" --git-dir="$GI" index-pack --stdin <"$T/import.pack" \
	    >/dev/null
}
cm=
gm=
if [ -n "$ifmt" ] && [ "$ni" -gt 0 ]; then
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		r=$((r + 1))
		say "import, run $r of $RUNS"
		rm -rf "$CI"
		"$CAIRN" init --object-format="$ifmt" "$CI" >/dev/null \
		    2>"$T/stderr" || note "cairn init failed:" \
		    "$(head -c 400 "$T/stderr" | tr '\n' ' ')"
		sync
		cm="$cm $(timed "cairn import" c_import)"
		rm -rf "$GI"
		"$GIT" init -q --bare --object-format="$ifmt" "$GI"
		sync
		gm="$gm $(timed "git index-pack" g_import)"
	done
	cm=$(echo "$cm" | median)
	gm=$(echo "$gm" | median)
	note "cairn import printed: $(head -c 200 "$T/import.out" 2>/dev/null)"
	co=$("$CAIRN" -r "$CI" stats 2>/dev/null |
		sed -n 's/^objects: //p')
	gio=$("$GIT" --git-dir="$GI" cat-file --batch-all-objects \
	    --batch-check='%(objectname)' 2>/dev/null | wc -l | tr -d ' ')
	note "import: objects stored: cairn ${co:-?}, git $gio, of $ni"
fi
row import "import (import --git / index-pack)" obj/s \
    "$(rate "$ni" "${cm:-failed}")" "$(rate "$ni" "${gm:-failed}")" higher
row import_speedup "  git time / cairn time" x \
    "$(calc 'if (a > 0) printf "%.2f", b / a; else print "-"' \
	"${cm:-failed}" "${gm:-failed}")" - higher
kv import.objects "$ni"
rm -rf "$CI" "$GI" "$T/import.pack" "$T/import.ids"

# ------------------------------------------------------------- large blob

say "large blob, $LARGE_MB MiB"
rm -rf "$C" "$G" "$T/put.stream" "$T/fi.stream"
"$GEN" bytes "$LARGE_MB" >"$T/big" || exit 2
big_bytes=$((LARGE_MB * 1048576))
C2=$T/big.cairn
G2=$T/big.git
c_init "$C2"
g_init "$G2"

# io_of FILE FIELD
io_of() {
	awk -v f="$2" -F': *' '$1 == f { print $2; found = 1 }
		END { if (!found) print "" }' "$1" 2>/dev/null
}

c_big() {
	limit "$PROC" io "$T/io.c" "$CAIRN" -r "$C2" put "$T/big" >"$T/big.id.c"
}
g_big() {
	limit "$PROC" io "$T/io.g" "$GIT" -C "$G2" hash-object -w "$T/big" \
	    >"$T/big.id.g"
}
c_big_flush() {
	limit "$PROC" io "$T/io.f" "$CAIRN" -r "$C2" flush
}
sync
cb=$(timed "cairn put (large blob)" c_big)
sync
gb=$(timed "git hash-object -w (large blob)" g_big)
sync
cf=$(timed "cairn flush (large blob)" c_big_flush)
row large_put "large blob put (put / hash-object -w)" MiB/s \
    "$(calc 'printf "%.0f", a / b' "$LARGE_MB" "${cb:-failed}")" \
    "$(calc 'printf "%.0f", a / b' "$LARGE_MB" "${gb:-failed}")" higher

if [ "$(cat "$T/big.id.c" 2>/dev/null)" = "$(cat "$T/big.id.g")" ]; then
	note "large blob id: equal to git's"
else
	note "large blob id: cairn printed" \
	    "'$(head -c 100 "$T/big.id.c" 2>/dev/null)', git $(cat "$T/big.id.g")"
fi

field=write_bytes
# Only a command that succeeded tells whether write_bytes is counted.
for f in ${cb:+io.c} ${gb:+io.g}; do
	v=$(io_of "$T/$f" write_bytes)
	if [ "${v:-0}" = 0 ]; then
		field=wchar
	fi
done
if [ "$field" = wchar ]; then
	note "write_bytes is not counted on this file system ($fstype);" \
	    "write amplification uses wchar (bytes passed to write calls)"
fi
# A command that failed has no figure.
cw=failed
gw=failed
fw=failed
[ -n "$cb" ] && cw=$(io_of "$T/io.c" "$field")
[ -n "$gb" ] && gw=$(io_of "$T/io.g" "$field")
[ -n "$cf" ] && fw=$(io_of "$T/io.f" "$field")
cancel=$(io_of "$T/io.c" cancelled_write_bytes)
if isnum "${cancel:-x}" && [ "$cancel" != 0 ]; then
	note "cairn put (large blob): cancelled_write_bytes $cancel"
fi
row write_amp "large blob write amp ($field/size)" x \
    "$(calc 'printf "%.3f", a / b' "${cw:-failed}" "$big_bytes")" \
    "$(calc 'printf "%.3f", a / b' "${gw:-failed}" "$big_bytes")" lower
row write_amp_flush "  same, put + flush" x \
    "$(calc 'printf "%.3f", (a + c) / b' "${cw:-failed}" "$big_bytes" \
	"${fw:-failed}")" \
    "$(calc 'printf "%.3f", a / b' "${gw:-failed}" "$big_bytes")" lower
note "cairn flush after the large put: ${cf:-failed} s"
kv large_mb "$LARGE_MB"
kv write_amp.field "$field"

# ------------------------------------------------------------------ notes

echo
echo "ratio is cairn/git; 'better' says which direction favours cairn."
echo "reads: page cache warm.  'right after ingest': the repository as put left"
echo "it (WAL records: see notes); 'flushed': after cairn flush.  git reads the"
echo "one pack fast-import wrote."
echo "load at the end: $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null ||
	echo unknown) (1, 5, 15 min)"
if [ -s "$T/notes" ]; then
	echo
	echo "notes:"
	sed 's/^/  /' "$T/notes"
fi
exit 0
