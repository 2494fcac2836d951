#!/bin/sh
# t0032-commit-log: `cairn commit` makes the commits git commit-tree makes,
# byte for byte, and `cairn log` shows history as git log does.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# The identities lib.sh gives git, for cairn.
CAIRN_AUTHOR_NAME=$GIT_AUTHOR_NAME
CAIRN_AUTHOR_EMAIL=$GIT_AUTHOR_EMAIL
CAIRN_AUTHOR_DATE=$GIT_AUTHOR_DATE
CAIRN_COMMITTER_NAME=$GIT_COMMITTER_NAME
CAIRN_COMMITTER_EMAIL=$GIT_COMMITTER_EMAIL
CAIRN_COMMITTER_DATE=$GIT_COMMITTER_DATE
export CAIRN_AUTHOR_NAME CAIRN_AUTHOR_EMAIL CAIRN_AUTHOR_DATE \
	CAIRN_COMMITTER_NAME CAIRN_COMMITTER_EMAIL CAIRN_COMMITTER_DATE

# setup_pair [<format>]: a cairn repository s1 and a bare git repository g
# in the cwd, sha1 unless <format> says otherwise, both holding the empty
# tree ($EMPTY) and the tree of a small directory ($TREE).
setup_pair () {
	cairn init --object-format="${1:-sha1}" s1 >/dev/null || return 1
	test_fsck_repo s1
	git init -q --bare --object-format="${1:-sha1}" g || return 1
	mkdir -p files/sub &&
	printf "hello\n" >files/hello &&
	printf "inner\n" >files/sub/inner || return 1
	EMPTY=$(cairn -r s1 put -t tree /dev/null) || return 1
	test "$(git --git-dir=g hash-object -w -t tree /dev/null)" = "$EMPTY" ||
		return 1
	TREE=$(cairn -r s1 put -r files) || return 1
	git --git-dir=g --work-tree=files add -A &&
	test "$(git --git-dir=g write-tree)" = "$TREE"
}

# both <author date> <committer date> <commit-tree argument>...: make a
# commit in s1 and in g with the same dates and arguments; the ids must
# agree and so must the bytes.  Prints the id.
both () {
	both_ad_=$1
	both_cd_=$2
	shift 2
	both_git_=$(GIT_AUTHOR_DATE=$both_ad_ GIT_COMMITTER_DATE=$both_cd_ \
		git --git-dir=g commit-tree "$@" </dev/null) || return 1
	both_cairn_=$(CAIRN_AUTHOR_DATE=$both_ad_ CAIRN_COMMITTER_DATE=$both_cd_ \
		cairn -r s1 commit "$@") || return 1
	git --git-dir=g cat-file commit "$both_git_" >both.git || return 1
	cairn -r s1 cat "$both_cairn_" >both.cairn || return 1
	test_cmp_bin both.git both.cairn || return 1
	if test "$both_git_" != "$both_cairn_"
	then
		echo "git made $both_git_, cairn $both_cairn_: $*" >&9
		return 1
	fi
	echo "$both_cairn_"
}

test_expect_success GIT 'commits with 0, 1, 2 and 3 parents equal git commit-tree' '
	setup_pair
	c1=$(both "1112911993 -0700" "1112912053 -0700" -m "first" "$EMPTY")
	c2=$(both "1112912000 +0000" "1112912100 +0000" -p "$c1" \
		-m "second" -m "with a body" "$TREE")
	c3=$(both "1112913000 +0530" "1112913100 -0130" -p "$c1" \
		-m "third" "$TREE")
	m=$(both "1112914000 +1400" "1112914100 -1200" -p "$c2" -p "$c3" \
		-m "merge" -m "two parents" -m "three paragraphs" "$TREE")
	o=$(both "1112915000 -0000" "1112915100 +0100" -p "$m" -p "$c3" \
		-p "$c1" -m "octopus" "$EMPTY")
	for c in $c1 $c2 $c3 $m $o
	do
		git --git-dir=g cat-file -p "$c" >expect
		cairn -r s1 cat -p "$c" >actual
		test_cmp expect actual
		test "$(cairn -r s1 cat -t "$c")" = commit
		git --git-dir=g cat-file -s "$c" >expect
		cairn -r s1 cat -s "$c" >actual
		test_cmp expect actual
	done
	cairn -r s1 cat "$m" >raw
	test "$(grep -c "^parent " raw)" = 2
	cairn -r s1 cat "$o" >raw
	test "$(grep -c "^parent " raw)" = 3
'

test_expect_success GIT 'messages: several -m, final newlines, unusual bytes' '
	setup_pair
	both "1112911993 -0700" "1112912053 -0700" -m "one line" "$EMPTY"
	both "1112911993 -0700" "1112912053 -0700" -m "ends in newline
" "$EMPTY"
	both "1112911993 -0700" "1112912053 -0700" -m "two
newlines

" "$EMPTY"
	both "1112911993 -0700" "1112912053 -0700" -m a -m b -m c -m d "$EMPTY"
	both "1112911993 -0700" "1112912053 -0700" -m "subject
still subject" -m "body	with tab" -m "$(printf "caf\303\251 \001 \177")" "$TREE"
	both "1112911993 -0700" "1112912053 -0700" -m "
leading newline" "$TREE"
'

test_expect_success GIT 'messages from -F <file> equal git commit-tree -F' '
	setup_pair
	printf "subject\n\nbody\n" >m1
	printf "no final newline" >m2
	: >m3
	for m in m1 m2 m3
	do
		both "1112911993 -0700" "1112912053 -0700" -F "$PWD/$m" \
		    "$EMPTY" || return 1
	done
	c=$(printf "from stdin\n" | cairn -r s1 commit -F - "$EMPTY")
	cairn -r s1 cat "$c" | tail -n 1 >last
	echo "from stdin" >expect
	test_cmp expect last
	printf "a\000b" >nul
	test_must_fail --status=2 cairn -r s1 commit -F nul "$EMPTY" 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn -r s1 commit -F m1 -m x "$EMPTY" 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn -r s1 commit -F no-such "$EMPTY" 2>err
	test_stderr_one_line err
'

test_expect_success GIT 'dates: @<seconds>, seconds alone, and time zones' '
	setup_pair
	both "@1112911993" "@1112912053 +0200" -m "at" "$EMPTY"
	both "1112911993" "1112912053" -m "no zone" "$EMPTY"
	both "1234567890 -0959" "1234567890 +0959" -m "odd zones" "$EMPTY"
	both "@2147483648 +0000" "@4102444800 +0000" -m "past 2038" "$EMPTY"
	c=$(CAIRN_AUTHOR_DATE="@1112911993 -0330" cairn -r s1 commit -m x "$EMPTY")
	cairn -r s1 cat "$c" >raw
	grep "^author A U Thor <author@example.com> 1112911993 -0330\$" raw
	grep "^committer C O Mitter <committer@example.com> 1112912053 -0700\$" raw
'

test_expect_success GIT 'an empty -m gives what git commit-tree gives' '
	setup_pair
	both "1112911993 -0700" "1112912053 -0700" -m subject -m "" "$EMPTY"
	both "1112911993 -0700" "1112912053 -0700" -m "" -m body "$EMPTY"
	both "1112911993 -0700" "1112912053 -0700" -m "" "$EMPTY"
'

test_expect_success GIT 'identity from config user.name and user.email' '
	setup_pair
	cairn -r s1 config user.name "Conf Igured"
	cairn -r s1 config user.email conf@example.com
	c=$(env -u CAIRN_AUTHOR_NAME -u CAIRN_AUTHOR_EMAIL \
		-u CAIRN_COMMITTER_NAME -u CAIRN_COMMITTER_EMAIL \
		cairn -r s1 commit -m "from config" "$TREE")
	g=$(GIT_AUTHOR_NAME="Conf Igured" GIT_AUTHOR_EMAIL=conf@example.com \
		GIT_COMMITTER_NAME="Conf Igured" GIT_COMMITTER_EMAIL=conf@example.com \
		git --git-dir=g commit-tree -m "from config" "$TREE")
	test "$c" = "$g"
	c=$(env -u CAIRN_AUTHOR_EMAIL -u CAIRN_COMMITTER_NAME \
		cairn -r s1 commit -m "mixed" "$TREE")
	g=$(GIT_AUTHOR_EMAIL=conf@example.com GIT_COMMITTER_NAME="Conf Igured" \
		git --git-dir=g commit-tree -m "mixed" "$TREE")
	test "$c" = "$g"
	cairn -r s1 cat "$c" >raw
	grep "^author A U Thor <conf@example.com> " raw
	grep "^committer Conf Igured <committer@example.com> " raw
'

test_expect_success 'without a date, now is used' '
	tree=$(cairn put -t tree /dev/null)
	before=$(date +%s)
	c=$(env -u CAIRN_AUTHOR_DATE -u CAIRN_COMMITTER_DATE \
		cairn commit -m now "$tree")
	after=$(date +%s)
	cairn cat "$c" >raw
	t=$(sed -n "s/^committer .*> \\([0-9]*\\) [-+][0-9]*\$/\\1/p" raw)
	test "$t" -ge "$before"
	test "$t" -le "$after"
	grep "^author .*> [0-9]* [-+][0-9][0-9][0-9][0-9]\$" raw
'

test_expect_success 'missing identity: exit 2, nothing stored' '
	tree=$(cairn put -t tree /dev/null)
	n=$(cairn_stat objects)
	for unset in "-u CAIRN_AUTHOR_NAME" "-u CAIRN_AUTHOR_EMAIL" \
		"-u CAIRN_COMMITTER_NAME" "-u CAIRN_COMMITTER_EMAIL" \
		"-u CAIRN_AUTHOR_NAME -u CAIRN_AUTHOR_EMAIL -u CAIRN_COMMITTER_NAME -u CAIRN_COMMITTER_EMAIL"
	do
		# shellcheck disable=SC2086
		test_must_fail --status=2 env $unset cairn commit -m x "$tree" >out 2>err
		test_must_be_empty out
		test_stderr_one_line err
	done
	cairn config user.name "Only Name"
	test_must_fail --status=2 env -u CAIRN_AUTHOR_EMAIL \
		cairn commit -m x "$tree" 2>err
	test_stderr_one_line err
	test "$(cairn_stat objects)" = "$n"
'

test_expect_success GIT 'dates: RFC 2822, ISO 8601 and git log forms, as git reads them' '
	setup_pair
	for tz in UTC America/New_York Asia/Kolkata
	do
		for d in "Thu, 07 Apr 2005 22:13:13 +0200" \
		    "Thu, 7 Apr 2005 22:13:13 -0330" "7 Apr 2005 22:13 +0000" \
		    "2005-04-07T22:13:13Z" "2005-04-07T22:13:13+02:00" \
		    "2005-04-07T22:13:13.250-0700" "2005-04-07T22:13:13+05" \
		    "2005-04-07 22:13:13 +0200" "Thu Apr 7 22:13:13 2005 +0200" \
		    "2005-04-07 22:13:13" "2005-07-07T22:13:13" "@1112911993" \
		    "Sat, 31 Dec 2039 23:59:59 -1200"
		do
			TZ=$tz both "$d" "$d" -m "$d" "$EMPTY" >/dev/null ||
			    { echo "TZ=$tz date <$d>" >&9; return 1; }
		done
	done
'

test_expect_success 'bad dates: exit 2, nothing stored' '
	tree=$(cairn put -t tree /dev/null)
	n=$(cairn_stat objects)
	for d in "" yesterday "abc +0000" "-5 +0000" "+5 +0000" "@" "@-1" \
		"123 0700" "123 +07" "123 +07000" "123 +0760" "123  +0000" \
		"123 +0000 " " 123 +0000" "1 2 +0000" "12x +0000" "123 +07a0" \
		"99999999999999999999 +0000" "123 +9900" \
		"Thu, 07 Foo 2005 22:13:13 +0200" "2005-13-07T22:13:13Z" \
		"2005-04-07T25:13:13Z" "2005-04-07T22:13:13+2400" \
		"2005-04-07" "Apr 7 2005 +0200" "2005-04-07T22:13:13 x" \
		"Thu, 07 Apr 2005 22:13:13 +0200 +0100"
	do
		echo "date <$d>"
		test_must_fail --status=2 env CAIRN_AUTHOR_DATE="$d" \
			cairn commit -m x "$tree" >out 2>err
		test_must_be_empty out
		test_stderr_one_line err
		test_must_fail --status=2 env CAIRN_COMMITTER_DATE="$d" \
			cairn commit -m x "$tree" 2>err
		test_stderr_one_line err
	done
	test "$(cairn_stat objects)" = "$n"
'

test_expect_success 'a parent or tree of the wrong type, or missing: nonzero, nothing stored' '
	tree=$(cairn put -t tree /dev/null)
	blob=$(printf "x\n" | cairn put --stdin)
	c=$(cairn commit -m root "$tree")
	n=$(cairn_stat objects)
	missing=1111111111111111111111111111111111111111111111111111111111111111
	test_must_fail --status=2 cairn commit -p "$tree" -m x "$tree" 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn commit -p "$blob" -m x "$tree" 2>err
	test_stderr_one_line err
	test_must_fail --status=1 cairn commit -p "$missing" -m x "$tree" 2>err
	test_stderr_one_line err
	test_must_fail cairn commit -p "$c" -p "$missing" -m x "$tree"
	test_must_fail cairn commit -p no-such-ref -m x "$tree"
	test_must_fail cairn commit -p 12 -m x "$tree"
	test_must_fail --status=2 cairn commit -m x "$blob" 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn commit -m x "$c" 2>err
	test_stderr_one_line err
	test_must_fail --status=1 cairn commit -m x "$missing"
	test_must_fail --status=2 cairn commit "$tree"
	test_must_fail --status=2 cairn commit -m x
	test_must_fail --status=2 cairn commit -m x "$tree" "$tree"
	test "$(cairn_stat objects)" = "$n"
'

test_expect_success 'parents and trees may be named by refs and prefixes' '
	tree=$(cairn put -t tree /dev/null)
	c=$(cairn commit -m root "$tree")
	cairn ref set main "$c"
	cairn ref set t "$tree"
	d=$(cairn commit -p main -m child t)
	e=$(cairn commit -p "$(echo "$c" | cut -c 1-12)" -m child "$tree")
	test "$d" = "$e"
	cairn cat "$d" >raw
	grep "^parent $c\$" raw
	grep "^tree $tree\$" raw
'

# make_history: in s1 and g, a history with merges, an octopus, clock
# skew and equal dates; sets TIP, MID and the ids C1...
# shellcheck disable=SC2034 # the ids are used in test bodies
make_history () {
	C1=$(both "1000000000 +0000" "1000000000 +0000" -m "one" "$EMPTY") &&
	C2=$(both "1000000100 -0700" "1000000300 -0700" -p "$C1" \
		-m "two" -m "body of two
second body line" "$TREE") &&
	C3=$(both "1000000150 +0530" "1000000200 +0530" -p "$C1" \
		-m "three
continued subject" "$EMPTY") &&
	M1=$(both "1000000400 -0130" "1000000400 -0130" -p "$C2" -p "$C3" \
		-m "merge two and three" "$TREE") &&
	C4=$(both "1000000350 +1400" "1000000350 +1400" -p "$M1" \
		-m "four, older than its parent" "$TREE") &&
	C5=$(both "1000000500 +0000" "1000000500 +0000" -p "$C3" \
		-m "five" "$EMPTY") &&
	M2=$(both "1000000600 -1100" "1000000600 -1100" -p "$C4" -p "$C5" \
		-p "$C1" -m "octopus" "$TREE") &&
	C6=$(both "1000000600 +0000" "1000000600 +0000" -p "$M2" \
		-m "six, same date as the octopus" "$TREE") &&
	C7=$(both "999999999 +0000" "999999999 +0000" -p "$C6" \
		-m "seven, older than everything" "$EMPTY") &&
	X1=$(both "1000000700 +0000" "1000000700 +0000" -p "$C7" \
		-m "x1" "$TREE") &&
	X2=$(both "1000000700 +0000" "1000000700 +0000" -p "$C7" \
		-m "x2" "$EMPTY") &&
	X3=$(both "1000000700 +0000" "1000000700 +0000" -p "$C5" \
		-m "x3" "$EMPTY") &&
	TIP=$(both "1000000800 +0200" "1000000800 +0200" -p "$X2" -p "$X1" \
		-p "$X3" -m "tip" "$TREE") &&
	MID=$M1
}

# compare_log <log arguments>...: cairn log and git log --no-decorate agree.
compare_log () {
	git --git-dir=g log --no-decorate "$@" >log.git || return 1
	cairn -r s1 log "$@" >log.cairn || return 1
	test_cmp log.git log.cairn
}

test_expect_success GIT 'log, log --oneline and log -n equal git log' '
	setup_pair
	make_history
	for start in $TIP $MID $C7 $C1 $X3
	do
		compare_log "$start"
		compare_log --oneline "$start"
		compare_log -n 1 "$start"
		compare_log -n 2 "$start"
		compare_log -n 5 --oneline "$start"
	done
	cairn -r s1 log --oneline "$TIP" >oneline
	test_line_count = 13 oneline
	git --git-dir=g log --no-decorate -n 0 "$TIP" >expect
	cairn -r s1 log -n 0 "$TIP" >actual
	test_cmp expect actual
	test_must_be_empty actual
'

test_expect_success GITSHA256 'sha256: commits and log equal git' '
	setup_pair sha256
	make_history
	test "$(printf %s "$TIP" | wc -c)" = 64
	compare_log "$TIP"
	compare_log --oneline "$TIP"
	compare_log -n 3 "$MID"
'

test_expect_success GIT 'log follows refs, prefixes and tags' '
	setup_pair
	make_history
	cairn -r s1 ref set main "$TIP"
	cairn -r s1 ref set dir/branch "$MID"
	git --git-dir=g log --no-decorate "$TIP" >expect
	cairn -r s1 log main >actual
	test_cmp expect actual
	git --git-dir=g log --no-decorate --oneline -n 3 "$MID" >expect
	cairn -r s1 log --oneline -n 3 dir/branch >actual
	test_cmp expect actual
	cairn -r s1 log "$(echo "$TIP" | cut -c 1-10)" >actual
	cairn -r s1 log "$TIP" >expect
	test_cmp expect actual
	printf "object %s\ntype commit\ntag v1\ntagger %s <%s> 1000000900 +0000\n\nv1\n" \
		"$MID" "$GIT_COMMITTER_NAME" "$GIT_COMMITTER_EMAIL" >tag
	tag=$(cairn -r s1 put -t tag tag)
	git --git-dir=g hash-object -w -t tag tag >/dev/null
	git --git-dir=g log --no-decorate "$tag" >expect
	cairn -r s1 log "$tag" >actual
	test_cmp expect actual
'

test_expect_success GIT 'log shows message edge cases as git does' '
	setup_pair
	c=$(both "1112911993 -0700" "1112912053 -0700" -m "subject  " \
		-m "body	with tab" -m "   " "$EMPTY")
	compare_log "$c"
	compare_log --oneline "$c"
'

test_expect_success GIT 'log of an octopus with 20 parents equals git log' '
	setup_pair
	parents=
	for i in $(test_seq 1 20)
	do
		p=$(both "$((1000000000 + i)) +0000" "$((1000000000 + i)) +0000" \
			-m "root $i" "$EMPTY")
		parents="$parents -p $p"
	done
	# shellcheck disable=SC2086
	o=$(both "1000000100 +0000" "1000000100 +0000" $parents -m "octopus" "$TREE")
	compare_log "$o"
	compare_log --oneline "$o"
	cairn -r s1 log --oneline "$o" >all
	test_line_count = 21 all
'

test_expect_success GIT 'log follows parents only where git reads them' '
	setup_pair
	root=$(both "1000000000 +0000" "1000000000 +0000" -m root "$EMPTY")
	printf "tree %s\nauthor %s\ncommitter %s\nparent %s\n\nlook-alike header\n" \
		"$EMPTY" "A U Thor <author@example.com> 1000000100 +0000" \
		"C O Mitter <committer@example.com> 1000000100 +0000" \
		"$root" >odd
	id=$(cairn -r s1 put -t commit odd)
	test "$(git --git-dir=g hash-object -t commit -w odd)" = "$id"
	compare_log "$id"
	compare_log --oneline "$id"
	printf "tree %s\nauthor %s\ncommitter %s\nparent %s\n\nbogus parent header\n" \
		"$EMPTY" "A U Thor <author@example.com> 1000000100 +0000" \
		"C O Mitter <committer@example.com> 1000000100 +0000" \
		1111111111111111111111111111111111111111 >odd2
	id2=$(cairn -r s1 put -t commit odd2)
	test "$(git --git-dir=g hash-object -t commit -w odd2)" = "$id2"
	compare_log "$id2"
'

test_expect_success 'log of a tree, a blob, a missing object: nonzero; bad -n: exit 2' '
	tree=$(cairn put -t tree /dev/null)
	blob=$(printf "x\n" | cairn put --stdin)
	c=$(cairn commit -m root "$tree")
	test_must_fail --status=2 cairn log "$tree" 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn log "$blob" 2>err
	test_stderr_one_line err
	test_must_fail --status=1 cairn log \
		1111111111111111111111111111111111111111111111111111111111111111 2>err
	test_stderr_one_line err
	test_must_fail --status=2 cairn log -n x "$c"
	test_must_fail --status=2 cairn log -n -1 "$c"
	test_must_fail --status=2 cairn log
	# Several starting points: each commit once.
	cairn log "$c" "$c" >out
	test_line_count = 5 out
'

test_expect_success 'log -n stops early and never repeats a commit' '
	tree=$(cairn put -t tree /dev/null)
	a=$(CAIRN_COMMITTER_DATE="1000 +0000" cairn commit -m a "$tree")
	b=$(CAIRN_COMMITTER_DATE="1001 +0000" cairn commit -p "$a" -m b "$tree")
	c=$(CAIRN_COMMITTER_DATE="1002 +0000" cairn commit -p "$a" -m c "$tree")
	d=$(CAIRN_COMMITTER_DATE="1003 +0000" cairn commit -p "$b" -p "$c" -p "$a" -m d "$tree")
	cairn log --oneline "$d" >all
	test_line_count = 4 all
	cut -d " " -f 2 all >subjects
	printf "%s\n" d c b a >expect
	test_cmp expect subjects
	for n in 1 2 3 4 5 100
	do
		cairn log --oneline -n $n "$d" >some
		head -n $n all >expect
		test_cmp expect some
	done
'

test_done
