#!/bin/sh
# t0082-put-threads: `put <file>...`, `put --stdin-paths` and `put -r`
# hash and compress on worker threads; the ids, their order, what is
# stored and what an error leaves behind do not depend on the number of
# threads, and equal what -n (which hashes on one thread) prints.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# make_tree <dir>: files of every kind of size and content (empty, one
# byte, text that compresses, bytes that do not, and files above the
# 8 KiB core.bigFileThreshold the tests set, which take the streaming
# path), a symlink, an executable, nested and empty directories.
make_tree () {
	mkdir -p "$1/sub/deeper" "$1/empty/also" &&
	: >"$1/zero" &&
	printf x >"$1/one" &&
	awk 'BEGIN { for (i = 0; i < 3000; i++) print "line", i }' >"$1/text" &&
	head -c 5000 /dev/urandom >"$1/noise" &&
	head -c 20000 /dev/urandom >"$1/sub/bigger" &&
	cat "$1/text" "$1/text" >"$1/sub/deeper/big-text" &&
	printf "#!/bin/sh\n" >"$1/sub/run" &&
	chmod +x "$1/sub/run" &&
	ln -s ../one "$1/sub/link" &&
	i=0 &&
	while test "$i" -lt 300
	do
		printf "file %d\n" "$i" >"$1/sub/deeper/f$i" || return 1
		i=$((i + 1))
	done
}

# repo <dir>: a repository whose objects above 8 KiB are streamed.
repo () {
	cairn init "$1" >/dev/null &&
	cairn -r "$1" config core.bigFileThreshold 8192
}

test_expect_success 'put <file>...: the same ids, in order, with 1, 2 and 7 threads' '
	make_tree t
	(cd t && find . -type f | sort) >list
	(cd t && cairn put -n $(cat ../list)) >expect
	test_line_count -eq 307 expect
	for n in 1 2 7
	do
		repo r$n
		(cd t && CAIRN_INGEST_THREADS=$n cairn -r ../r$n put \
		    $(cat ../list)) >actual$n || return 1
		test_cmp expect actual$n || return 1
		cairn -r r$n cat --batch-check <actual$n >check$n || return 1
		! grep missing check$n || return 1
		test "$(cairn_stat objects -r r$n)" = "$(sort -u expect | wc -l | tr -d " ")" ||
		    return 1
	done
	test_cmp check1 check7
'

test_expect_success 'put --stdin-paths: the same ids, in order; a fifo and - keep their place' '
	make_tree t
	mkfifo t/pipe
	(cd t && find . -type f | sort) >list
	{ head -n 100 list; echo ./pipe; tail -n +101 list; } >paths
	printf "through the pipe\n" >piped
	(cd t && cairn put -n $(head -n 100 ../list)) >expect
	cairn put -n piped >>expect
	(cd t && cairn put -n $(tail -n +101 ../list)) >>expect
	for n in 1 3
	do
		repo r$n
		(cd t || exit 1
		 timeout 60 sh -c "cat ../piped >pipe" &
		 CAIRN_INGEST_THREADS=$n cairn -r ../r$n put --stdin-paths \
		    <../paths >../actual$n; s=$?; wait; exit $s) || return 1
		test_cmp expect actual$n || return 1
	done
	repo z
	tr "\n" "\000" <paths >zpaths
	(cd t || exit 1
	 timeout 60 sh -c "cat ../piped >pipe" &
	 cairn -r ../z put -z --stdin-paths <../zpaths >../zactual; s=$?;
	 wait; exit $s)
	test_cmp expect zactual
	repo d
	(cd t && cairn -r ../d put one - text <../piped) >dash
	{ cairn put -n t/one piped t/text; } >dexpect
	test_cmp dexpect dash
'

test_expect_success 'a file that is not what its size said: exit 2, what came before stays' '
	make_tree t
	cairn put -n t/one t/text >expect
	for n in 1 4
	do
		repo r$n
		test_must_fail --status=2 env CAIRN_INGEST_THREADS=$n \
		    cairn -r r$n put t/one t/text /proc/self/status t/noise \
		    >out$n 2>err$n || return 1
		test_stderr_one_line err$n || return 1
		grep "did it change while being read" err$n || return 1
		test_cmp expect out$n || return 1
		cairn -r r$n cat --batch-check <out$n >check || return 1
		! grep missing check || return 1
		cairn put -n t/noise >noise
		cairn -r r$n cat -t "$(cat noise)" 2>/dev/null && return 1
		printf "%s\n" t/one t/text /proc/self/status t/noise |
		    test_must_fail --status=2 env CAIRN_INGEST_THREADS=$n \
		    cairn -r r$n put --stdin-paths >pout 2>perr || return 1
		test_cmp expect pout || return 1
	done
'

test_expect_success 'a missing file in a list: what came before is stored and printed' '
	make_tree t
	cairn put -n t/one t/text t/noise >expect
	repo r
	printf "%s\n" t/one t/text t/noise t/no-such t/zero |
	    test_must_fail --status=2 cairn -r r put --stdin-paths >out 2>err
	test_stderr_one_line err
	grep no-such err
	test_cmp expect out
	cairn put -n t/zero >zero
	test_must_fail cairn -r r cat -t "$(cat zero)" 2>/dev/null
'

test_expect_success 'put -r: the same root with 1, 2 and 7 threads, every object stored' '
	make_tree t
	cairn put -n -r t >expect
	for n in 1 2 7
	do
		repo r$n
		CAIRN_INGEST_THREADS=$n cairn -r r$n put -r t >actual$n ||
		    return 1
		test_cmp expect actual$n || return 1
		cairn -r r$n ls -r "$(cat actual$n)" >ls$n || return 1
		cairn -r r$n fsck >/dev/null || return 1
	done
	test_cmp ls1 ls7
	test_line_count -eq 308 ls1
	n=$(cairn_stat objects -r r1)
	CAIRN_INGEST_THREADS=2 cairn -r r1 put -r t >again
	test_cmp expect again
	test "$(cairn_stat objects -r r1)" = "$n"
'

test_expect_success GIT 'put -r with threads: the root is git write-tree'"'"'s' '
	make_tree t
	git init -q g
	cp -R t/. g/
	(cd g && git add -A && git write-tree) >expect
	cairn init --object-format=sha1 s1 >/dev/null
	cairn -r s1 config core.bigFileThreshold 8192
	CAIRN_INGEST_THREADS=3 cairn -r s1 put -r g >actual
	test_cmp expect actual
'

test_expect_success 'put -r: an error drops what was queued; nothing is left half stored' '
	make_tree t
	mkfifo t/sub/zz-fifo
	repo r
	test_must_fail --status=2 cairn -r r put -r t >out 2>err
	test_must_be_empty out
	test_stderr_one_line err
	grep zz-fifo err
	test "$(cairn_stat objects -r r)" = 0
	test "$(cairn_stat wal_records -r r)" = 0
'

test_done
