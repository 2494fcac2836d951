#!/bin/sh
# t0073-adversarial-paths: `get`, `flush` and `config` as a hostile user
# or a careless operator would use them.  Nothing is written, removed or
# followed outside the repository or outside get's target directory
# (a sentinel tree around each case is checksummed before and after);
# nothing of the repository is lost; bad input gets one line and the
# right exit status, never a crash or a hang (every command that could
# hang runs under a timeout).

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317,SC2034
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

unset CAIRN_SAFE_DIRECTORIES

if command -v timeout >/dev/null 2>&1 && command -v mkfifo >/dev/null 2>&1
then
	test_set_prereq TIMEOUT
fi
# A memory limit this build runs under (sanitizers reserve terabytes;
# a shell without ulimit -v skips).
# shellcheck disable=SC3045
if (ulimit -v 40000 && cairn --version) >/dev/null 2>&1
then
	test_set_prereq ULIMIT
fi
test_nobody_check

# sum_tree <dir>: names, types, modes, sizes, times, link targets and
# contents of everything under <dir>.
sum_tree () {
	(cd "$1" &&
		find . -printf '%p %y %m %s %T@ %l\n' | LC_ALL=C sort &&
		find . -type f -exec sha256sum {} + | LC_ALL=C sort) | sha256sum
}

# sentinel: the tree ../around (outside every repository of the test):
# a file, a subdirectory, a file named like a repository file; its sum in
# around.sum.
sentinel () {
	rm -rf ../around &&
	mkdir -p ../around/sub &&
	echo precious >../around/keep &&
	echo precious >../around/sub/keep &&
	echo precious >../around/config &&
	sum_tree ../around >around.sum
}

# sentinel_intact: ../around is as sentinel left it.
sentinel_intact () {
	sum_tree ../around >around.now &&
	test_cmp around.sum around.now
}

# tree_of <mode> <name> <id> ...: a tree with these entries, stored
# as given (put -t tree), its id on stdout.
tree_of () {
	while test $# -gt 0
	do
		printf '%s %s\0' "$1" "$2"
		printf '%s' "$3" | xxd -r -p
		shift 3
	done >tree.bin &&
	cairn put -t tree tree.bin
}

# repo_intact <repo>: every object <repo> held (ids in <repo>.ids) is
# readable and fsck is clean.
repo_intact () {
	cairn -r "$1" cat --batch-check <"$1.ids" >"$1.check" &&
	! grep missing "$1.check" &&
	cairn -r "$1" fsck
}

# A tree with a file, an executable, a symbolic link to ../around and a
# subdirectory: T.
make_tree () {
	mkdir -p src/sub &&
	echo one >src/a &&
	echo two >src/sub/b &&
	echo run >src/x &&
	chmod +x src/x &&
	ln -s ../around src/l &&
	T=$(cairn put -r src)
}

# --- get: the repository is no target ---

# Expected: get -f into the repository itself writes nothing there (a
# tree whose files are named like the repository's would replace them).
test_expect_success 'get -f into the repository refuses and leaves it intact' '
	sentinel &&
	mkdir evil &&
	echo "junk" >evil/config &&
	echo "junk" >evil/manifest &&
	E=$(cairn put -r evil) &&
	echo "$E" >.cairn.ids &&
	cp .cairn/config config.before &&
	test_must_fail --status=2 cairn get -f "$E" .cairn 2>err &&
	test_stderr_one_line err &&
	grep "cairn repository" err &&
	test_cmp config.before .cairn/config &&
	repo_intact .cairn &&
	sentinel_intact
'

# Expected: a target inside the repository (refs/, tmp/) is refused
# before anything is created there.
test_expect_success 'get into a directory inside the repository refuses' '
	make_tree &&
	test_must_fail --status=2 cairn get "$T" .cairn/refs/x 2>err &&
	test_stderr_one_line err &&
	test_path_is_missing .cairn/refs/x &&
	mkdir .cairn/tmp/t &&
	test_must_fail --status=2 cairn get "$T" .cairn/tmp/t/deeper 2>err &&
	test_stderr_one_line err &&
	test_path_is_missing .cairn/tmp/t/deeper &&
	rmdir .cairn/tmp/t &&
	cairn ref list >refs &&
	test_must_be_empty refs
'

# Expected: get -f over a directory holding another repository does not
# enter it: that repository keeps every object and its config.
test_expect_success 'get -f never writes into a repository met inside the target' '
	mkdir -p out &&
	cairn init out/other >/dev/null &&
	echo "kept" >k &&
	cairn -r out/other put k >out/other.ids &&
	cp out/other/config other.config &&
	mkdir -p evil/other &&
	echo "junk" >evil/other/config &&
	echo "junk" >evil/other/manifest &&
	echo "fine" >evil/top &&
	E=$(cairn put -r evil) &&
	test_must_fail --status=2 cairn get -f "$E" out 2>err &&
	test_stderr_one_line err &&
	grep "out/other\|other" err &&
	test_cmp other.config out/other/config &&
	repo_intact out/other
'

# --- get: what the target holds ---

# Expected: a subdirectory of the target that is a link to outside is
# never entered: without -f the target is refused (not empty), with -f
# the link itself is replaced by a directory; the outside is untouched.
test_expect_success 'get over a subdirectory linked to outside' '
	sentinel &&
	make_tree &&
	mkdir t &&
	ln -s ../../around/sub t/sub &&
	test_must_fail --status=1 cairn get "$T" t 2>err &&
	test_stderr_one_line err &&
	cairn get -f "$T" t &&
	test -d t/sub && ! test -L t/sub &&
	test_cmp src/sub/b t/sub/b &&
	sentinel_intact
'

# Expected: with -f, a FIFO, a link to an outside file and a hard link
# to an outside file under an entry's name are replaced, never opened,
# written through or waited on.
test_expect_success TIMEOUT 'get -f over a FIFO, a link and a hard link' '
	sentinel &&
	make_tree &&
	mkdir t &&
	mkfifo t/a &&
	ln -s ../../around/keep t/x &&
	ln ../around/sub/keep t/l &&
	timeout 20 cairn get -f "$T" t &&
	test_cmp src/a t/a &&
	test_cmp src/x t/x &&
	test -x t/x && ! test -L t/x &&
	test "$(readlink t/l)" = ../around &&
	sentinel_intact
'

# Expected: get -f removes an existing file only once what replaces it
# is known to be there: a tree naming a missing blob, or a tree where a
# blob should be, leaves the file as it was.
test_expect_success 'get -f keeps a file the tree cannot replace' '
	test_no_fsck &&
	echo "never stored" >ns &&
	MISS=$(cairn put -n ns) &&
	echo "a blob" >b &&
	B=$(cairn put b) &&
	SUB=$(tree_of 100644 f "$B") &&
	mkdir t &&
	echo precious >t/a &&
	echo precious >t/l &&
	for entry in "100644 a $MISS" "100644 a $SUB" "120000 l $MISS" "120000 l $SUB"
	do
		# shellcheck disable=SC2086
		E=$(tree_of $entry) &&
		test_must_fail cairn get -f "$E" t 2>err &&
		test_stderr_one_line err &&
		echo precious >want &&
		test_cmp want t/a &&
		test_cmp want t/l || return 1
	done
'

# Expected: a target that is a file, a FIFO, a dangling link or below a
# missing directory is one line, exit 3, no hang; "-" and a name with a
# newline are ordinary names.
test_expect_success TIMEOUT 'get to a target that cannot be a directory, or an odd name' '
	make_tree &&
	echo f >file &&
	mkfifo fifo &&
	ln -s nowhere dangling &&
	for target in file fifo dangling missing/deeper
	do
		test_must_fail --status=3 timeout 20 cairn get "$T" "$target" 2>err &&
		test_stderr_one_line err || return 1
	done &&
	cairn get "$T" - &&
	test_cmp src/a ./-/a &&
	nl=$(printf "a\nb") &&
	cairn get "$T" "$nl" &&
	test_cmp src/a "$nl/a" &&
	mkdir "$nl/x2" &&
	test_must_fail --status=1 cairn get "$T" "$nl" 2>err &&
	test_stderr_one_line err
'

# Expected: a target the user cannot write is one line, exit 3.
test_expect_success NOBODY 'get into a directory the user cannot write' '
	make_tree &&
	mkdir -p closed &&
	chmod 755 closed &&
	chmod -R a+rX .cairn &&
	chmod a+rwx . &&
	test_must_fail --status=3 as_nobody cairn get "$T" closed 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=3 as_nobody cairn get "$T" closed/deeper 2>err &&
	test_stderr_one_line err &&
	test_path_is_missing closed/deeper
'

# Expected: names a put --literally accepted (.git, .cairn and their
# lookalikes) are refused by get before anything is written.
test_expect_success 'get refuses .git and .cairn entries stored with --literally' '
	test_no_fsck &&
	sentinel &&
	echo hook >hook &&
	B=$(cairn put hook) &&
	for name in .git .GIT .cairn "git~1" ".git." ".cairn "
	do
		printf "100644 %s\0" "$name" >tree.bin &&
		printf "%s" "$B" | xxd -r -p >>tree.bin &&
		L=$(cairn put --literally -t tree tree.bin) &&
		rm -rf t &&
		test_must_fail --status=2 cairn get -f "$L" t 2>err &&
		test_stderr_one_line err &&
		test_path_is_missing "t/$name" || return 1
	done &&
	sentinel_intact
'

# Expected: a symbolic link whose target is longer than any path is
# refused without reading the blob into memory.
test_expect_success ULIMIT 'get of a link to a huge target does not read it whole' '
	head -c 64000000 /dev/zero | tr "\0" a >big &&
	BIG=$(cairn put big) &&
	L=$(tree_of 120000 l "$BIG") &&
	rm big &&
	test_must_fail --status=3 sh -c "ulimit -v 40000 && exec cairn get \"$L\" t" 2>err &&
	test_stderr_one_line err &&
	grep "symbolic link .l." err &&
	test_path_is_missing t/l
'

# Expected: get -f replaces a user's file only once its replacement is
# whole: a blob whose stored copy turns out damaged part way (exit 3)
# leaves the existing file as it was, and no temporary file behind.
test_expect_success 'get -f of a damaged blob keeps the file it would replace' '
	test_no_fsck &&
	cairn config core.compression 0 &&
	head -c 100000 /dev/zero | tr "\0" Q >big &&
	BIG=$(cairn put big) &&
	cairn flush >/dev/null &&
	F=$(tree_of 100644 f "$BIG") &&
	data=$(sed -n "s/^data \([^ ]*\) .*/\1/p" .cairn/manifest) &&
	off=$(grep -abo QQQQQQQQ ".cairn/$data" | head -n 1 | cut -d: -f1) &&
	printf Z | dd of=".cairn/$data" bs=1 seek=$((off + 5000)) conv=notrunc 2>/dev/null &&
	mkdir t &&
	echo mine >t/f &&
	test_must_fail --status=3 cairn get -f "$F" t 2>err &&
	test_stderr_one_line err &&
	echo mine >want &&
	test_cmp want t/f &&
	ls -A t >names &&
	echo f >want &&
	test_cmp want names
'

# Expected: under a file size limit (ulimit -f), a write that passes it
# fails with one line and exit 3; no signal kills the command.
test_expect_success 'get under a file size limit' '
	head -c 3000000 /dev/zero | tr "\0" b >big &&
	BIG=$(cairn put big) &&
	F=$(tree_of 100644 f "$BIG") &&
	test_must_fail --status=3 sh -c "ulimit -f 1000 && exec cairn get \"$F\" t" 2>err &&
	test_stderr_one_line err
'

# Expected: the same for every command that writes: put of content
# larger than the limit fails with one line and exit 3 (the signal is
# ignored once, for every command), and what was stored before reads.
test_expect_success 'put under a file size limit' '
	echo small >s &&
	S=$(cairn put s) &&
	head -c 3000000 /dev/urandom >big &&
	test_must_fail --status=3 sh -c "ulimit -f 1000 && exec cairn put --stdin <big" 2>err &&
	test_stderr_one_line err &&
	cairn cat "$S" >got &&
	test_cmp s got
'

# --- config ---

# Expected: a set that would make the config larger than a repository
# reads is refused (exit 2): the repository still opens.  (An argument
# holds at most 128 KiB and only user.name and user.email take any
# text, so the file is first filled by hand, under a key of no meaning.)
test_expect_success 'config set never writes a config too large to read back' '
	v=$(head -c 120000 /dev/zero | tr "\0" a) &&
	pad=$(head -c 1000000 /dev/zero | tr "\0" p) &&
	echo "extra.pad = $pad" >>.cairn/config &&
	cairn config user.name x &&
	cp .cairn/config config.before &&
	test_must_fail --status=2 cairn config user.email "$v" 2>err &&
	test_stderr_one_line err &&
	test_cmp config.before .cairn/config &&
	cairn config --unset extra.pad &&
	cairn config user.email "$v" &&
	cairn config user.email >got &&
	test "$(cat got)" = "$v" &&
	echo x | cairn put --stdin >/dev/null
'

# Expected: a value that would not read back as given (blanks at either
# end, a carriage return or another control character) is refused.
test_expect_success 'config set refuses values that would not read back' '
	cp .cairn/config config.before &&
	for v in " lead" "trail " "	tab" "a$(printf "\r")b" "a$(printf "\033")[31m" \
		"$(printf "a\001")"
	do
		test_must_fail --status=2 cairn config user.name "$v" 2>err &&
		test_stderr_one_line err || return 1
	done &&
	test_cmp config.before .cairn/config &&
	cairn config user.name "A  U	Thor" &&
	test "$(cairn config user.name)" = "A  U	Thor"
'

# Expected: an alternate whose path ends with a blank (which reading
# would trim, naming another directory) is refused: the repository
# still opens.
test_expect_success 'config set of an alternate the reader would trim' '
	cairn init "alt " >/dev/null &&
	test_fsck_repo "alt " &&
	test_must_fail --status=2 cairn config core.alternate "$PWD/alt " 2>err &&
	test_stderr_one_line err &&
	cairn stats >/dev/null &&
	cairn config --list >list &&
	! grep alternate list
'

# Expected: a value the command that reads it would refuse is refused
# when set (exit 2), so that command keeps working.
test_expect_success 'config set refuses identities a commit would refuse' '
	cp .cairn/config config.before &&
	test_must_fail --status=2 cairn config user.name "Eve <e@x> 0 +0000" 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn config user.email "x> y" 2>err &&
	test_stderr_one_line err &&
	test_cmp config.before .cairn/config &&
	cairn config user.name "A U Thor" &&
	cairn config user.email a@example.com &&
	echo t >t &&
	T=$(cairn put -r .) &&
	cairn commit -m m "$T" >/dev/null
'

# Expected: config get of a key that is not set exits 1 and prints
# nothing; an unknown or malformed key or a newline in a key or value is
# exit 2.
test_expect_success 'config of unknown keys and malformed input' '
	test_must_fail --status=1 cairn config user.name >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test_must_fail --status=2 cairn config nosuch.key >out 2>err &&
	test_must_be_empty out &&
	test_stderr_one_line err &&
	for k in nodot ".a" "a..b" "a.b$(printf "\nc")" "1a.b"
	do
		test_must_fail --status=2 cairn config "$k" v 2>err &&
		test_stderr_one_line err || return 1
	done &&
	test_must_fail --status=2 cairn config user.name "$(printf "x\ny = z")" 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn config object.format sha1 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn config --list extra 2>err &&
	test_stderr_one_line err
'

# Expected: a config that is a link to a file outside, a FIFO, a
# directory: every get and set is one line, exit 3, no hang, and nothing
# is written through the link.
test_expect_success TIMEOUT 'config that is a link, a FIFO or a directory' '
	sentinel &&
	mv .cairn/config config.orig &&
	ln -s ../../around/config .cairn/config &&
	for kind in link fifo dir
	do
		case $kind in
		fifo) rm .cairn/config && mkfifo .cairn/config ;;
		dir) rm .cairn/config && mkdir .cairn/config ;;
		esac &&
		test_must_fail --status=3 timeout 20 cairn config user.name x 2>err &&
		test_stderr_one_line err &&
		test_must_fail --status=3 timeout 20 cairn config user.name 2>err &&
		test_stderr_one_line err &&
		test_must_fail --status=3 timeout 20 cairn config --list 2>err &&
		test_stderr_one_line err || return 1
	done &&
	rmdir .cairn/config &&
	mv config.orig .cairn/config &&
	sentinel_intact
'

# Expected: a config this user cannot read is one line, exit 3.
test_expect_success NOBODY 'config that cannot be read' '
	chown -R nobody .cairn &&
	chmod 000 .cairn/config &&
	test_must_fail --status=3 as_nobody cairn config user.name x 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=3 as_nobody cairn config user.name 2>err &&
	test_stderr_one_line err &&
	chmod 644 .cairn/config &&
	chown -R root .cairn
'

# Expected: with tmp/ a link to a directory outside, config set writes
# nothing there (not even a temporary file): it refuses (exit 3, fsck
# --repair puts tmp/ back).
test_expect_success 'config set with tmp/ linked outside writes nothing there' '
	sentinel &&
	cp .cairn/config config.before &&
	rmdir .cairn/tmp &&
	ln -s ../../around/sub .cairn/tmp &&
	test_must_fail --status=3 cairn config user.name x 2>err &&
	test_stderr_one_line err &&
	test_cmp config.before .cairn/config &&
	sentinel_intact &&
	cairn fsck --repair >/dev/null &&
	cairn config user.name x &&
	test "$(cairn config user.name)" = x &&
	sentinel_intact
'

# Expected: a missing tmp/ is made again by config set (as by a flush).
test_expect_success 'config set with tmp/ missing makes it again' '
	rmdir .cairn/tmp &&
	cairn config user.name x &&
	test_path_is_dir .cairn/tmp &&
	test "$(cairn config user.name)" = x
'

# Expected: a value that a hand edit left with a control character is
# read as it is (the repository opens), and set again only cleanly.
test_expect_success 'a hand-edited value with a control character still opens' '
	printf "user.name = a\001b\n" >>.cairn/config &&
	cairn config user.name >got &&
	printf "a\001b\n" >want &&
	test_cmp want got &&
	echo x | cairn put --stdin >/dev/null &&
	cairn config user.name ab &&
	test "$(cairn config user.name)" = ab
'

# (The limit also holds for err: the config outgrows it, the message
# does not.)
# Expected: a prune time gc would refuse is refused when set (exit 2,
# the file unchanged), so gc does not fail on it every time after.
test_expect_success 'config set of a prune time gc would refuse' '
	cp .cairn/config before &&
	for bad in bogus "3 fortnights" "" "@" "1.day.ago.later"
	do
		test_must_fail --status=2 cairn config gc.pruneExpire "$bad" 2>err &&
		test_stderr_one_line err &&
		test_cmp before .cairn/config || return 1
	done &&
	cairn config gc.pruneExpire 3.days.ago &&
	cairn gc >/dev/null
'

# Expected: a NUL byte in config hides nothing silently: every command
# that opens the repository refuses it with one line naming the byte
# (exit 3), fsck reports it, and nothing is written.
test_expect_success 'config holding a NUL byte' '
	echo kept >k &&
	K=$(cairn put k) &&
	printf "x.y = 1\000\nuser.name = hidden\n" >>.cairn/config &&
	test_must_fail --status=3 cairn config user.name 2>err &&
	test_stderr_one_line err &&
	grep "NUL byte" err &&
	test_must_fail --status=3 cairn cat "$K" 2>err &&
	test_must_fail --status=1 cairn fsck >out 2>&1 &&
	grep "NUL byte" out &&
	tr -d "\000" <.cairn/config >c && cp c .cairn/config &&
	cairn cat "$K" >got &&
	test_cmp k got
'

test_expect_success 'config set under a file size limit' '
	cairn config user.email "$(test_seq 1 400 | tr -d "\n")" &&
	cp .cairn/config config.before &&
	test_must_fail --status=3 sh -c "ulimit -f 1 && exec cairn config user.name x" 2>err &&
	test_stderr_one_line err &&
	test_cmp config.before .cairn/config &&
	ls .cairn/tmp >tmp.list &&
	test_must_be_empty tmp.list
'

# Expected: config sets and unsets racing each other and writers lose no
# update: 60 keys written by hand are unset by two racers while they also
# set a key each, and none comes back.
test_expect_success TIMEOUT 'concurrent config sets lose no update' '
	cairn config core.lockTimeout 60000
	for i in $(test_seq 1 30); do echo "extra.a$i = 1"; echo "extra.b$i = 1"; done >>.cairn/config
	(for i in $(test_seq 1 30); do timeout 60 cairn config --unset extra.a$i && timeout 60 cairn config user.name a$i || exit 1; done) &
	pa=$! &&
	(for i in $(test_seq 1 30); do timeout 60 cairn config --unset extra.b$i && timeout 60 cairn config user.email b$i || exit 1; done) &
	pb=$! &&
	(for i in $(test_seq 1 20); do echo "$i" | timeout 60 cairn put --stdin >/dev/null || exit 1; done) &
	pc=$! &&
	wait $pa &&
	wait $pb &&
	wait $pc &&
	cairn config --list >list &&
	! grep "^extra\." list &&
	grep "^user.name=a30$" list &&
	grep "^user.email=b30$" list
'

# --- flush ---

# Expected: with tmp/ or index/ a link to outside, a FIFO or a file,
# flush is one line, exit 3, no hang, and writes nothing outside; the
# objects stay readable, and after fsck --repair flush works.
test_expect_success TIMEOUT 'flush with tmp/ or index/ replaced' '
	for i in 1 2 3
	do
		echo "obj $i" | cairn put --stdin || return 1
	done >.cairn.ids &&
	for dir in tmp index
	do
		for kind in link fifo file
		do
			sentinel &&
			mv .cairn/$dir saved &&
			case $kind in
			link) ln -s ../../around/sub .cairn/$dir ;;
			fifo) mkfifo .cairn/$dir ;;
			file) echo x >.cairn/$dir ;;
			esac &&
			test_must_fail --status=3 timeout 20 cairn flush 2>err &&
			test_stderr_one_line err &&
			sentinel_intact &&
			timeout 20 cairn cat --batch-check <.cairn.ids >check &&
			! grep missing check &&
			rm .cairn/$dir &&
			mv saved .cairn/$dir || return 1
		done
	done &&
	timeout 20 cairn flush &&
	repo_intact .cairn
'

# Expected: flush with an unreadable index/ or tmp/ is one line, exit 3.
test_expect_success NOBODY 'flush with an unreadable tmp/ or index/' '
	echo one | cairn put --stdin >.cairn.ids &&
	chown -R nobody .cairn &&
	for dir in tmp index
	do
		chmod 000 .cairn/$dir &&
		test_must_fail --status=3 as_nobody timeout 20 cairn flush 2>err &&
		test_stderr_one_line err &&
		chmod 755 .cairn/$dir || return 1
	done &&
	as_nobody cairn flush &&
	chown -R root .cairn &&
	repo_intact .cairn
'

# Expected: flushes racing gc and a put --batch co-process lose no
# acknowledged object.
test_expect_success TIMEOUT 'flush while gc runs and put --batch writes' '
	cairn config core.lockTimeout 60000 &&
	for i in $(test_seq 1 200)
	do
		s="object $i $(test_seq 1 $i | tr -d "\n")"
		printf "blob %d\n%s\n" "${#s}" "$s"
	done >batch.in &&
	(timeout 120 cairn put --batch <batch.in >batch.ids) &
	pb=$! &&
	(for i in $(test_seq 1 20); do timeout 60 cairn flush || exit 1; done) &
	pf=$! &&
	(for i in $(test_seq 1 8); do timeout 60 cairn gc >/dev/null || exit 1; done) &
	pg=$! &&
	wait $pb &&
	wait $pf &&
	wait $pg &&
	test_line_count = 200 batch.ids &&
	cp batch.ids .cairn.ids &&
	repo_intact .cairn
'

test_expect_success 'flush under a file size limit' '
	for i in $(test_seq 1 300)
	do
		echo "object $i" || return 1
	done >objs &&
	cairn put --stdin-paths <<-EOF >.cairn.ids &&
	objs
	EOF
	split -l 1 objs part. &&
	ls part.* | cairn put --stdin-paths >>.cairn.ids &&
	test_must_fail --status=3 sh -c "ulimit -f 2 && exec cairn flush" 2>err &&
	test_stderr_one_line err &&
	repo_intact .cairn &&
	cairn flush &&
	repo_intact .cairn
'

test_expect_success 'flush takes no argument' '
	test_must_fail --status=2 cairn flush now 2>err &&
	test_stderr_one_line err
'

test_done
