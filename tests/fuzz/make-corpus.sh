#!/bin/sh
# tests/fuzz/make-corpus.sh: make the seed corpus of the fuzz targets from
# real files written by the real code.
#
#   sh tests/fuzz/make-corpus.sh <cairn binary> <output dir>
#
# Writes <output dir>/<target>/seed-*.  The committed corpus under
# tests/fuzz/corpus/ was made this way, plus the inputs libFuzzer found
# (named by their SHA-1, as libFuzzer names them) and regression inputs
# (named regress-*).  Record times differ from run to run, so the files
# differ in those bytes only.

set -eu
if test $# -ne 2
then
	echo "usage: $0 <cairn binary> <output dir>" >&2
	exit 2
fi
cairn=$1
out=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-corpus.XXXXXX")
trap 'rm -rf "$work"' EXIT
export CAIRN_COMMITTER_DATE='1112912053 -0700' CAIRN_AUTHOR_DATE='1112911993 -0700'
export CAIRN_AUTHOR_NAME='A U Thor' CAIRN_AUTHOR_EMAIL=author@example.com
export CAIRN_COMMITTER_NAME='C O Mitter' CAIRN_COMMITTER_EMAIL=committer@example.com

for t in object refs manifest config bloom record segment wal put-batch \
	cat-batch repo
do
	mkdir -p "$out/$t"
done

# A repository: objects in two flushed segments and in the WAL.
r=$work/repo
"$cairn" init "$r" >/dev/null
mkdir -p "$work/tree/sub"
printf 'hello\n' >"$work/tree/a.txt"
printf '#!/bin/sh\necho hi\n' >"$work/tree/run.sh"
chmod +x "$work/tree/run.sh"
seq 1 400 >"$work/tree/sub/numbers"
ln -s a.txt "$work/tree/link"
tree=$("$cairn" -r "$r" put -r "$work/tree")
c1=$("$cairn" -r "$r" commit -m 'first' "$tree")
c2=$("$cairn" -r "$r" commit -p "$c1" -m 'second

body' "$tree")
"$cairn" -r "$r" ref set main "$c2" >/dev/null
printf 'object %s\ntype commit\ntag v1\ntagger A U Thor <a@example.com> 1112911993 -0700\n\nv1\n' \
	"$c2" >"$work/tag"
tag=$("$cairn" -r "$r" put -t tag "$work/tag")
cp "$r/manifest" "$out/manifest/seed-empty"
"$cairn" -r "$r" flush >/dev/null
cp "$r"/index/*.idx "$out/segment/seed-one"
seed_data1=$(ls "$r"/objects.*.data)
printf 'second\n' | "$cairn" -r "$r" put --stdin >/dev/null
"$cairn" -r "$r" flush >/dev/null
cp "$r/manifest" "$out/manifest/seed-two"
printf 'in the wal\n' | "$cairn" -r "$r" put --stdin >/dev/null
printf 'blob 3\nabc\nblob 0\n\n' | "$cairn" -r "$r" put --batch >/dev/null

# Objects: git's formats, as stored.
for id in "$tree" "$c1" "$c2" "$tag"
do
	"$cairn" -r "$r" cat "$id" >"$out/object/seed-$id"
done
sub=$("$cairn" -r "$r" ls "$tree" | sed -n 's/^040000 tree \([0-9a-f]*\).*/\1/p')
"$cairn" -r "$r" cat "$sub" >"$out/object/seed-subtree"

# Refs: ref files of both lengths and ref names.
cp "$r/refs/main" "$out/refs/seed-file-sha256"
printf '%040d\n' 0 | tr 0 a >"$out/refs/seed-file-sha1"
i=0
for name in main refs/heads/master a/b/c v1.0 'a.lock' 'x..y' '@{u}' '@' \
	'.hidden' 'a//b' 'trailing/' 'ends.' 'sp ace' 'feature/x-y_z'
do
	i=$((i + 1))
	printf '%s' "$name" >"$out/refs/seed-name-$i"
done

# Config.
cp "$r/config" "$out/config/seed-init"
{ cat "$r/config"; printf 'core.walLimit = 4096\ncore.bigFileThreshold = 100\nuser.name = A U Thor\n'; } \
	>"$out/config/seed-settings"
printf 'object.format = sha1\ncore.formatVersion = 1\n' >"$out/config/seed-sha1"
printf '# c\n\n  core.compression=9  \r\nbad line\n' >"$out/config/seed-bad"

# Manifests and segments; bloom: a key and a segment's filter.
cp "$r/manifest" "$out/manifest/seed-three"
for f in "$r"/index/*.idx
do
	cp "$f" "$out/segment/seed-$(basename "$f" .idx)"
	n=$(od -An -tu1 -j16 -N8 "$f" | awk '{ v = 0; for (i = 1; i <= NF; i++) v = v * 256 + $i; print v }')
	b=$(od -An -tu1 -j24 -N8 "$f" | awk '{ v = 0; for (i = 1; i <= NF; i++) v = v * 256 + $i; print v }')
	{ dd if="$f" bs=1 skip=1088 count=32 2>/dev/null
	  dd if="$f" bs=1 skip=$((1088 + n * 40)) count="$b" 2>/dev/null; } \
		>"$out/bloom/seed-$(basename "$f" .idx)"
done

# Data records: flags 5 (header CRCs fixed, watermark over all) and 7.
data=$(ls "$r"/objects.*.data)
{ printf '\005'; tail -c +17 "$data"; } >"$out/record/seed-data"
{ printf '\007'; tail -c +17 "$seed_data1"; } >"$out/record/seed-data-flushed"

# WALs: flags 0 (as is) and 3 (all CRCs fixed); an empty one.
wal=$(ls "$r"/objects.*.wal)
{ printf '\000'; cat "$wal"; } >"$out/wal/seed-wal"
{ printf '\003'; cat "$wal"; } >"$out/wal/seed-wal-fixed"
{ printf '\004'; head -c 16 "$wal"; } >"$out/wal/seed-empty"

# put --batch streams: flags 0 (store) and 1 (-n).
hello=$(printf 'hello\n' | "$cairn" put -n --stdin)
printf '\000blob 6\nhello\n\n' >"$out/put-batch/seed-one"
printf '\000%s blob 6\nhello\n\ntree 0\n\nblob 3\nabc\n' "$hello" >"$out/put-batch/seed-claim"
printf '\001blob 2\nhi\ncommit 4\nxxxx\n' >"$out/put-batch/seed-dry"
{ printf '\000tree %d\n' "$(wc -c <"$out/object/seed-$tree")"
  cat "$out/object/seed-$tree"; printf '\n'; } >"$out/put-batch/seed-tree"
printf '\000blob 5\nab\n' >"$out/put-batch/seed-short"

# cat --batch names; the fuzz repository holds "hello\n" and a ref main.
printf '\000%s\nmain\n%s\nnope\n' "$hello" "$(echo "$hello" | cut -c1-6)" \
	>"$out/cat-batch/seed-batch"
printf '\001%s\nmain\n' "$hello" >"$out/cat-batch/seed-check"
printf '\002%s\000main\000' "$hello" >"$out/cat-batch/seed-z"
printf '\010%s\n' "$hello" >"$out/cat-batch/seed-noverify"

# Whole repository edits (5 bytes each: file, op, offset, value).
printf '' >"$out/repo/seed-none"
printf '\002\000\000\100\001' >"$out/repo/seed-xor"
printf '\003\001\000\100\000' >"$out/repo/seed-truncate"
printf '\004\003\000\000\000\005\002\000\020\377' >"$out/repo/seed-remove-set"
