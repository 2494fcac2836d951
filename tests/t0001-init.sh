#!/bin/sh
# t0001-init: creating repositories, finding them, and the global options.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

test_expect_success 'init makes the documented layout' '
	mkdir fresh
	cd fresh
	cairn init >out 2>err
	echo "initialized empty cairn repository in $PWD/.cairn" >expect
	test_cmp expect out
	test_must_be_empty err
	test_path_is_dir .cairn
	test_path_is_file .cairn/config
	test_path_is_file .cairn/manifest
	test_path_is_file .cairn/lock
	test_path_is_dir .cairn/tmp
	test_path_is_dir .cairn/refs
	test_path_is_dir .cairn/index
	ls .cairn >names
	grep -E "^objects\.[0-9]+\.data$" names
	grep -E "^objects\.[0-9]+\.wal$" names
	test_fsck_repo .cairn
'

test_expect_success 'init <repo> creates the repository at that path' '
	mkdir -p a/b
	cairn init a/b/repo >out
	echo "initialized empty cairn repository in $PWD/a/b/repo" >expect
	test_cmp expect out
	test_path_is_file a/b/repo/config
	test_path_is_file a/b/repo/manifest
	cairn init "$PWD/abs.repo" >out
	echo "initialized empty cairn repository in $PWD/abs.repo" >expect
	test_cmp expect out
	test_path_is_file abs.repo/manifest
	test_fsck_repo a/b/repo
	test_fsck_repo abs.repo
'

test_expect_success 'init creates missing parent directories, like git init' '
	cairn init a/b/c >out
	echo "initialized empty cairn repository in $PWD/a/b/c" >expect
	test_cmp expect out
	test_path_is_file a/b/c/config
	test_fsck_repo a/b/c
'

test_expect_success 'a new repository is empty' '
	test "$(cairn_stat objects)" = 0
	test "$(cairn_stat wal_records)" = 0
	cairn_stat index_segments >segments
	grep -E "^[0-9]+$" segments
	ls .cairn/refs >refs
	test_must_be_empty refs
'

test_expect_success 'init on an existing repository fails and changes nothing' '
	echo hello >file
	cairn put file >id
	(cd .cairn && find . -type f -exec cksum {} + | sort) >before
	(cd .cairn && find . | sort) >>before
	test_must_fail --status=1 cairn init >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	test_must_fail --status=1 cairn init .cairn 2>err
	test_stderr_one_line err
	test_must_fail --status=1 cairn init --object-format=sha1 .cairn 2>err
	test_stderr_one_line err
	(cd .cairn && find . -type f -exec cksum {} + | sort) >after
	(cd .cairn && find . | sort) >>after
	test_cmp before after
	cairn cat "$(cat id)" >content
	test_cmp file content
'

test_expect_success 'the default object format is sha256' '
	test "$(cairn config object.format)" = sha256
	test "$(cairn_stat object_format)" = sha256
	echo hello >file
	cairn put -n file >id
	grep -E "^[0-9a-f]{64}$" id
	cairn init --object-format=sha256 explicit >/dev/null
	test "$(cairn -r explicit config object.format)" = sha256
	cairn -r explicit put file >id2
	test_cmp id id2
	test_fsck_repo explicit
'

test_expect_success 'init --object-format=sha1 makes a sha1 repository' '
	cairn init --object-format=sha1 s1 >out
	echo "initialized empty cairn repository in $PWD/s1" >expect
	test_cmp expect out
	test "$(cairn -r s1 config object.format)" = sha1
	test "$(cairn_stat object_format -r s1)" = sha1
	echo hello >file
	cairn -r s1 put file >id
	grep -E "^[0-9a-f]{40}$" id
	cairn -r s1 cat "$(cat id)" >content
	test_cmp file content
	test_fsck_repo s1
'

test_expect_success GIT 'sha1 ids match git hash-object' '
	printf "hello\n" >file
	cairn init --object-format=sha1 s1 >/dev/null
	cairn -r s1 put file >actual
	git hash-object --no-filters file >expect
	test_cmp expect actual
	test_fsck_repo s1
'

test_expect_success GITSHA256 'sha256 ids match git --object-format=sha256' '
	printf "hello\n" >file
	git init -q --object-format=sha256 g
	git -C g hash-object --no-filters "$PWD/file" >expect
	cairn put file >actual
	test_cmp expect actual
'

test_expect_success 'init rejects an unknown object format' '
	test_must_fail --status=2 cairn init --object-format=md5 bad >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	test_path_is_missing bad
	test_must_fail --status=2 cairn init --object-format= bad2 2>err
	test_stderr_one_line err
	test_path_is_missing bad2
'

test_expect_success 'the repository is found from a subdirectory' '
	mkdir -p a/b/c
	echo deep >a/b/c/file
	(cd a/b/c && cairn put file) >id
	cairn cat -e "$(cat id)"
	test "$(cairn_stat objects)" = 1
	(cd a/b/c && cairn cat "$(cat ../../../id)") >content
	test_cmp a/b/c/file content
	test_path_is_missing a/b/c/.cairn
	test_path_is_missing a/.cairn
'

test_expect_success 'the nearest repository upwards wins' '
	mkdir -p outer/inner/deeper
	cairn init outer/inner/.cairn >/dev/null
	echo nested >outer/inner/deeper/file
	(cd outer/inner/deeper && cairn put file) >id
	cairn -r outer/inner/.cairn cat -e "$(cat id)"
	test_must_fail --status=1 cairn cat -e "$(cat id)"
	test "$(cairn_stat objects)" = 0
	test_fsck_repo outer/inner/.cairn
'

test_expect_success '-C changes directory first' '
	mkdir -p sub/dir
	cairn -C sub init >out
	echo "initialized empty cairn repository in $PWD/sub/.cairn" >expect
	test_cmp expect out
	echo content >sub/dir/file
	cairn -C sub/dir put file >id
	cairn -r sub/.cairn cat -e "$(cat id)"
	test_must_fail --status=1 cairn cat -e "$(cat id)"
	cairn -C sub/dir cat "$(cat id)" >actual
	test_cmp sub/dir/file actual
	cairn -C sub -r .cairn cat -e "$(cat id)"
	test_fsck_repo sub/.cairn
'

test_expect_success 'CAIRN_DIR names the repository' '
	cairn init other >/dev/null
	echo via-env >file
	CAIRN_DIR=$PWD/other cairn put file >id
	cairn -r other cat -e "$(cat id)"
	test_must_fail --status=1 cairn cat -e "$(cat id)"
	test "$(cairn_stat objects)" = 0
	(CAIRN_DIR=$PWD/other && export CAIRN_DIR && cairn cat "$(cat id)") >actual
	test_cmp file actual
	test_fsck_repo other
'

test_expect_success '-r overrides CAIRN_DIR, CAIRN_DIR overrides discovery' '
	cairn init one >/dev/null
	cairn init two >/dev/null
	echo which >file
	CAIRN_DIR=$PWD/one cairn -r two put file >id
	cairn -r two cat -e "$(cat id)"
	test_must_fail --status=1 cairn -r one cat -e "$(cat id)"
	test_must_fail --status=1 cairn cat -e "$(cat id)"
	test_fsck_repo one
	test_fsck_repo two
'

test_expect_success NOREPOABOVE 'outside any repository commands exit 3' '
	norepo=$(mktemp -d "$TRASH_DIRECTORY/norepo.XXXXXX")
	echo x >"$norepo/file"
	test_must_fail --status=3 cairn -C "$norepo" stats >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	test_must_fail --status=3 cairn -C "$norepo" put file 2>err
	test_stderr_one_line err
	test_must_fail --status=3 cairn -C "$norepo" flush 2>err
	test_stderr_one_line err
	test_must_fail --status=3 cairn -C "$norepo" config --list 2>err
	test_stderr_one_line err
	test_path_is_missing "$norepo/.cairn"
'

test_expect_success '-r or CAIRN_DIR naming a non-repository exits 3' '
	mkdir empty
	echo x >plain
	test_must_fail --status=3 cairn -r empty stats 2>err
	test_stderr_one_line err
	test_must_fail --status=3 cairn -r plain stats 2>err
	test_stderr_one_line err
	test_must_fail --status=3 cairn -r does-not-exist stats 2>err
	test_stderr_one_line err
	test_path_is_missing does-not-exist
	test_must_fail --status=3 env CAIRN_DIR="$PWD/does-not-exist" cairn stats 2>err
	test_stderr_one_line err
	test_path_is_missing does-not-exist
'

test_expect_success 'config reads, sets and lists keys' '
	cairn config --list >list
	grep "^object\.format=sha256$" list
	awk "!/^[a-zA-Z0-9_.-]+=/" list >bad
	test_must_be_empty bad
	cairn config core.compression 9 >out
	test_must_be_empty out
	test "$(cairn config core.compression)" = 9
	cairn config user.name "A U Thor"
	test "$(cairn config user.name)" = "A U Thor"
	cairn config --list >list
	grep "^core\.compression=9$" list
	grep "^user\.name=A U Thor$" list
'

test_expect_success 'object.format is read-only after init' '
	cp .cairn/config config.before
	test_must_fail --status=2 cairn config object.format sha1 >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	test "$(cairn config object.format)" = sha256
	test_cmp config.before .cairn/config
'

test_expect_success 'reading a key that is not set exits 1, an unknown key 2' '
	test_must_fail --status=1 cairn config user.name >out
	test_must_be_empty out
	test_must_fail --status=2 cairn config no.such-key >out
	test_must_be_empty out
'

test_expect_success 'stats prints key: value lines' '
	cairn stats >stats
	for key in object_format format_version objects wal_records index_segments
	do
		grep "^$key: ..*" stats
	done
	awk "!/^[a-z0-9_]+: /" stats >bad
	test_must_be_empty bad
'

test_expect_success 'stats --json has the same keys and values' '
	echo one >a
	echo two >b
	cairn put a b >/dev/null
	cairn stats >stats
	cairn stats --json >json
	test_line_count = 1 json
	for key in object_format format_version objects wal_records index_segments
	do
		grep "\"$key\"" json
	done
	if command -v jq >/dev/null 2>&1
	then
		jq -e "type == \"object\"" json
		for key in object_format format_version objects wal_records index_segments
		do
			jq -r ".$key" json >j
			sed -n "s/^$key: //p" stats >s
			test_cmp s j
		done
	fi
	test "$(sed -n "s/^objects: //p" stats)" = 2
'

test_expect_success '--no-progress is accepted everywhere' '
	echo data >file
	cairn --no-progress put file >id
	cairn --no-progress cat "$(cat id)" >out
	test_cmp file out
	cairn --no-progress flush
	cairn --no-progress stats >/dev/null
'

test_expect_success '--version and help' '
	cairn --version >out
	grep -E "^cairn version [0-9]+\.[0-9]+\.[0-9]+$" out
	test_line_count = 1 out
	cairn help >out
	test -s out
	test_must_fail --status=2 cairn help frobnicate >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	cairn --help >out
	test -s out
	for cmd in init put cat stats flush config
	do
		cairn help $cmd >out
		grep "$cmd" out
	done
'

test_done
