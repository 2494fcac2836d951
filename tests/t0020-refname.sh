#!/bin/sh
# t0020-refname: ref names.  A table of valid and invalid names: `ref set`
# exits 0 for a valid name and 2 for an invalid one; an invalid name
# changes nothing anywhere near the repository, a valid one writes only
# refs/<name>.  cairn never accepts a name git's check-ref-format rejects.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# The table: <v|i> SP <printf format of the name>.  v: valid, i: invalid,
# as CLI.md (section Refs) defines them.  {L255} and {L256} stand for a
# component of 255 and 256 bytes.  Spaces are written \040 (read(1) would
# trim them).  Unicode names are UTF-8 bytes.
name_table () {
	cat <<'EOF'
v main
v HEAD
v a/b
v builds/linux/x86
v refs/heads/master
v a/b/c/d/e/f/g/h
v feature/x-y_z
v v1.0
v a.b/c.d
v a./b
v a.lock.b
v a.locks/x.lockx
v lock/lock
v a@b
v @x
v x@
v a/@
v @/a
v a{b}
v @}
v a]b
v a#b
v a+b=c,d
v a;b!c
v a'b"c
v a%%b
v a&b|c
v a(b)c
v a<b>c
v a$b
v 0
v 0123456789abcdef
v caf\303\251
v \346\227\245\346\234\254/\350\252\236
v emoji\360\237\230\200/x
v \377\376raw
v {L255}
v x/{L255}
i EMPTY
i ../x
i ../../x
i a/../../b
i a/../../../../b
i ..
i a/..
i .
i a/.
i a/./b
i ./a
i /abs
i /x
i x/
i a/b/
i a//b
i //
i /
i a..b
i .hidden
i a/.hidden
i a\001b
i a\tb
i a\nb
i a\rb
i a\033[31m
i a\037b
i a\177b
i \001
i a\040b
i \040a
i a\040
i a~b
i a~1
i a^b
i a^{}
i a:b
i a?b
i a*b
i *
i a[b
i a\\b
i a@{b
i @{
i a@{1}
i @
i a.
i a/b.
i a.lock
i a/b.lock
i a.lock/b
i .lock
i refs/heads/x.lock
i {L256}
i x/{L256}
i {L256}/x
EOF
}

NAMES=$(name_table | wc -l)
L255=$(awk 'BEGIN { for (i = 0; i < 255; i++) printf "n" }')
L256=${L255}n

# load_case <n>: sets case_exp (v or i), case_fmt (the printf format) and
# case_name (the name itself) from line <n> of the table.
load_case () {
	case_line=$(name_table | sed -n "$1p")
	case_exp=${case_line%% *}
	case_fmt=${case_line#* }
	if test "$case_fmt" = EMPTY
	then
		case_name=
		return 0
	fi
	# shellcheck disable=SC2059
	case_name=$(printf "${case_fmt}x")
	case_name=${case_name%x}
	while :
	do
		case $case_name in
		*'{L255}'*) lc_tok_='{L255}' lc_val_=$L255 ;;
		*'{L256}'*) lc_tok_='{L256}' lc_val_=$L256 ;;
		*) break ;;
		esac
		case_name=${case_name%%"$lc_tok_"*}$lc_val_${case_name#*"$lc_tok_"}
	done
}

# snap <file>: everything under the scratch directory (which holds the
# repository, its parent and their parents) but meta/, with the content
# of every file, into <file>.
snap () {
	find . -path ./meta -prune -o -print | LC_ALL=C sort >"$1" || return 1
	find . -path ./meta -prune -o -type f -exec cksum {} + |
		LC_ALL=C sort >>"$1"
}

# snap_outside_refs <file>: the same, leaving out the refs directory.
snap_outside_refs () {
	find . -path ./meta -prune -o -path "./$R/refs" -prune -o -print |
		LC_ALL=C sort >"$1" || return 1
	find . -path ./meta -prune -o -path "./$R/refs" -prune -o -type f \
		-exec cksum {} + | LC_ALL=C sort >>"$1"
}

R=top/mid/repo

# setup_repo: a repository at $R (three levels down, so that a name that
# climbs out of refs/ lands somewhere the snapshot sees) with one object
# ($id) and the gc lock file already made by a first update.
setup_repo () {
	mkdir meta || return 1
	cairn init "$R" >/dev/null || return 1
	echo content >meta/file || return 1
	id=$(cairn -r "$R" put meta/file) || return 1
	cairn -r "$R" ref set warmup "$id" || return 1
	cairn -r "$R" ref delete warmup || return 1
	test_fsck_repo "$R"
}

# expect_status <want> <what> <command>...: run, record stderr in
# meta/err, compare the status.
expect_status () {
	es_want_=$1
	es_what_=$2
	shift 2
	es_status_=0
	"$@" >meta/out 2>meta/err || es_status_=$?
	if test "$es_status_" != "$es_want_"
	then
		echo "$es_what_: exit $es_status_, expected $es_want_" >&9
		cat meta/err >&9
		return 1
	fi
}

# check_invalid: every command that takes a name rejects it with exit 2
# and one error line, and nothing changes anywhere.
check_invalid () {
	snap meta/before || return 1
	expect_status 2 "ref set" cairn -r "$R" ref set "$case_name" "$id" ||
		return 1
	test_stderr_one_line meta/err || return 1
	expect_status 2 "ref set --create" \
		cairn -r "$R" ref set --create "$case_name" "$id" || return 1
	expect_status 2 "ref set --old" \
		cairn -r "$R" ref set "$case_name" "$id" --old "$id" || return 1
	expect_status 2 "ref get" cairn -r "$R" ref get "$case_name" ||
		return 1
	test_must_be_empty meta/out || return 1
	expect_status 2 "ref delete" cairn -r "$R" ref delete "$case_name" ||
		return 1
	printf 'create %s\000%s\000' "$case_name" "$id" >meta/tx || return 1
	expect_status 2 "ref update -z" cairn -r "$R" ref update -z \
		<meta/tx || return 1
	test_stderr_one_line meta/err || return 1
	printf 'verify %s\000\000' "$case_name" >meta/tx || return 1
	expect_status 2 "ref update -z verify" cairn -r "$R" ref update -z \
		<meta/tx || return 1
	snap meta/after || return 1
	test_cmp meta/before meta/after || return 1
	cairn -r "$R" ref list >meta/list || return 1
	test_must_be_empty meta/list
}

# check_valid: `ref set` writes exactly refs/<name> (and the directories
# above it) and nothing else; get, list and delete see it.
check_valid () {
	snap_outside_refs meta/before || return 1
	(cd "$R/refs" && find . | LC_ALL=C sort) >meta/refs.before ||
		return 1
	expect_status 0 "ref set" cairn -r "$R" ref set "$case_name" "$id" ||
		return 1
	test_must_be_empty meta/err || return 1
	snap_outside_refs meta/after || return 1
	test_cmp meta/before meta/after || return 1
	# The entries that appeared under refs/: the name's directories and
	# the name itself, nothing else.
	{
		cat meta/refs.before
		cv_rest_=$case_name
		cv_path_=.
		while :
		do
			cv_path_=$cv_path_/${cv_rest_%%/*}
			echo "$cv_path_"
			case $cv_rest_ in
			*/*) cv_rest_=${cv_rest_#*/} ;;
			*) break ;;
			esac
		done
	} | LC_ALL=C sort -u >meta/refs.expect || return 1
	(cd "$R/refs" && find . | LC_ALL=C sort) >meta/refs.after || return 1
	test_cmp meta/refs.expect meta/refs.after || return 1
	test_path_is_file "$R/refs/$case_name" || return 1
	echo "$id" >meta/expect || return 1
	test_cmp_bin meta/expect "$R/refs/$case_name" || return 1
	expect_status 0 "ref get" cairn -r "$R" ref get "$case_name" ||
		return 1
	test_cmp meta/expect meta/out || return 1
	printf '%s %s\n' "$id" "$case_name" >meta/expect || return 1
	cairn -r "$R" ref list >meta/list || return 1
	test_cmp meta/expect meta/list || return 1
	expect_status 0 "ref delete" cairn -r "$R" ref delete "$case_name" ||
		return 1
	expect_status 1 "ref get after delete" \
		cairn -r "$R" ref get "$case_name" || return 1
	test_path_is_missing "$R/refs/$case_name"
}

check_case () {
	load_case "$1" || return 1
	setup_repo || return 1
	case $case_exp in
	v) check_valid ;;
	i) check_invalid ;;
	*) echo "bad table line $1" >&9; return 1 ;;
	esac
}

test_expect_success 'the table has at least 60 names, each unique' '
	test "$NAMES" -ge 60
	i=1
	while test "$i" -le "$NAMES"
	do
		load_case "$i"
		printf "%s" "$case_name" | od -An -tx1 | tr -d " \n" >>names
		echo >>names
		i=$((i + 1))
	done
	sort names >sorted
	sort -u names >unique
	test_cmp sorted unique
	test_line_count = "$NAMES" unique
'

test_expect_success 'the long names are 255 and 256 bytes a component' '
	load_case "$(name_table | grep -n "^v {L255}\$" | cut -d: -f1)"
	test "$(printf "%s" "$case_name" | wc -c)" = 255
	load_case "$(name_table | grep -n "^i {L256}\$" | cut -d: -f1)"
	test "$(printf "%s" "$case_name" | wc -c)" = 256
'

i=1
while test "$i" -le "$NAMES"
do
	load_case "$i"
	case $case_exp in
	v) what=valid ;;
	*) what=invalid ;;
	esac
	# The description shows the printf format; lib.sh prints it with
	# echo, which may interpret backslashes: double them.
	label=$(printf '%s' "$case_fmt" |
		sed 's/{L255}/<255 bytes>/; s/{L256}/<256 bytes>/; s/\\/\\\\/g')
	test_expect_success "name $i, $what: $label" "check_case $i"
	i=$((i + 1))
done

test_expect_success 'a NUL inside a name given to update -z is rejected' '
	setup_repo
	cairn -r "$R" ref set b "$id"
	snap meta/before
	# "a\0b" as a name: the NUL ends the name field, and what follows
	# is not an id.
	printf "create a\000b\000%s\000" "$id" >meta/tx
	test_must_fail --status=2 cairn -r "$R" ref update -z <meta/tx 2>meta/err
	test_stderr_one_line meta/err
	printf "set a\000b\000%s\000\000" "$id" >meta/tx
	test_must_fail --status=2 cairn -r "$R" ref update -z <meta/tx 2>meta/err
	test_stderr_one_line meta/err
	printf "set x\000y\000%s\000\000" "$id" >meta/tx
	test_must_fail cairn -r "$R" ref update -z <meta/tx 2>meta/err
	test_stderr_one_line meta/err
	printf "delete a\000b\000" >meta/tx
	test_must_fail cairn -r "$R" ref update -z <meta/tx 2>meta/err
	# Without -z, a NUL anywhere in a line is an error.
	printf "create a\000b %s\n" "$id" >meta/tx
	test_must_fail --status=2 cairn -r "$R" ref update <meta/tx 2>meta/err
	test_stderr_one_line meta/err
	printf "create ab %s\000\n" "$id" >meta/tx
	test_must_fail --status=2 cairn -r "$R" ref update <meta/tx 2>meta/err
	snap meta/after
	test_cmp meta/before meta/after
	printf "%s b\n" "$id" >meta/expect
	cairn -r "$R" ref list >meta/list
	test_cmp meta/expect meta/list
'

test_expect_success 'errors about a name never echo its control characters raw' '
	setup_repo
	i=1
	bad=
	while test "$i" -le "$NAMES"
	do
		load_case "$i"
		case $case_name in
		*[[:cntrl:]]*)
			st=0
			cairn -r "$R" ref set "$case_name" "$id" 2>meta/err || st=$?
			test "$st" = 2
			# Only the final newline may be a control character.
			if test "$(wc -l <meta/err)" -ne 1 ||
				tr -d "\n" <meta/err | LC_ALL=C grep -q "[[:cntrl:]]"
			then
				printf "name %s (%s): raw control characters on stderr:\n" \
					"$i" "$case_fmt" >&9
				od -c meta/err | head -n 5 >&9
				bad=t
			fi
			;;
		esac
		i=$((i + 1))
	done
	test -z "$bad"
'

# git_verdicts: for every name of the table, cairn's and git's answers:
# a line "<n> <set status> <get status> <git status> <long>" where long
# is 1 if a component is longer than 255 bytes.
git_verdicts () {
	gv_i_=1
	while test "$gv_i_" -le "$NAMES"
	do
		load_case "$gv_i_" || return 1
		rm -rf gv && cairn init gv >/dev/null || return 1
		gv_id_=$(cairn -r gv put meta/file) || return 1
		gv_get_=0
		cairn -r gv ref get "$case_name" >/dev/null 2>&1 || gv_get_=$?
		gv_set_=0
		cairn -r gv ref set "$case_name" "$gv_id_" 2>/dev/null ||
			gv_set_=$?
		gv_git_=0
		git check-ref-format --allow-onelevel "$case_name" ||
			gv_git_=$?
		gv_long_=0
		case $case_fmt in
		*'{L256}'*) gv_long_=1 ;;
		esac
		echo "$gv_i_ $gv_set_ $gv_get_ $gv_git_ $gv_long_"
		gv_i_=$((gv_i_ + 1))
	done
}

test_expect_success GIT 'cairn never accepts a name git check-ref-format rejects' '
	mkdir meta
	echo content >meta/file
	git_verdicts >verdicts
	test_line_count = "$NAMES" verdicts
	# git answers 0 or 1; anything else means it did not understand
	# the question.
	awk "\$4 != 0 && \$4 != 1" verdicts >odd
	test_must_be_empty odd
	# Accepted by cairn (set succeeded, or get found the name valid):
	# git accepts it too.
	awk "(\$2 == 0 || \$3 == 1) && \$4 != 0" verdicts >bad
	test_must_be_empty bad
	# Rejected by cairn as a name: git rejects it too, unless a
	# component is over 255 bytes (our one extra rule).
	awk "(\$2 == 2 || \$3 == 2) && \$4 == 0 && \$5 == 0" verdicts >extra
	test_must_be_empty extra
'

test_done
