#!/bin/sh
# t0102-completion: `cairn completion bash|zsh` prints completion scripts
# whose words come from the program's tables: commands, each command's
# options as cairn(1) lists them, subcommands, ref names from `cairn ref
# list` (with the line's -C and -r), remote names, config keys, and file
# names where a path is expected.  bash is driven through the function the
# script registers; zsh, when installed, by a real interactive shell on a
# pty (zsh/zpty).

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

if command -v bash >/dev/null 2>&1
then
	test_set_prereq BASH
fi
if command -v zsh >/dev/null 2>&1 && zsh -fc 'zmodload zsh/zpty' 2>/dev/null &&
	command -v timeout >/dev/null 2>&1
then
	test_set_prereq ZSH
fi
if test -w /dev/full
then
	test_set_prereq DEVFULL
fi
if command -v shellcheck >/dev/null 2>&1
then
	test_set_prereq SHELLCHECK
fi

# write_bash_driver <file>: a bash script that loads comp.bash beside it, sets
# COMP_LINE, COMP_POINT, COMP_WORDS and COMP_CWORD for the line $1 with
# the cursor at its end, split as readline splits it (at blanks, and at
# '=' and ':' into words of their own), calls _cairn and prints COMPREPLY.
write_bash_driver () {
	cat >"$1" <<\EOF
. "$(dirname "${BASH_SOURCE[0]}")/comp.bash" || exit 1
line=$1
COMP_LINE=$line
COMP_POINT=${#line}
COMP_WORDS=()
rest=$line
while [[ $rest =~ ^[[:blank:]]*([^[:blank:]]+)(.*)$ ]]; do
	tok=${BASH_REMATCH[1]}
	rest=${BASH_REMATCH[2]}
	while [[ $tok =~ ^([^=:]*)([=:]+)(.*)$ ]]; do
		if [[ -n ${BASH_REMATCH[1]} ]]; then
			COMP_WORDS+=("${BASH_REMATCH[1]}")
		fi
		COMP_WORDS+=("${BASH_REMATCH[2]}")
		tok=${BASH_REMATCH[3]}
	done
	if [[ -n $tok ]]; then
		COMP_WORDS+=("$tok")
	fi
done
if [[ $line == *[[:blank:]] || ${#COMP_WORDS[@]} -eq 0 ]]; then
	COMP_WORDS+=("")
fi
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMPREPLY=()
_cairn
if ((${#COMPREPLY[@]} > 0)); then
	printf '%s\n' "${COMPREPLY[@]}"
fi
EOF
}

# complete_bash <line>: the replies bash completion gives for <line>,
# sorted, one per line (the script is made here when missing).
complete_bash () {
	if ! test -f comp.bash
	then
		cairn completion bash >comp.bash || return 1
		write_bash_driver driver.bash
	fi
	bash driver.bash "$1" >complete.out || return 1
	sort complete.out
}

# expect_replies <line> [<reply>...]: complete_bash gives exactly these.
expect_replies () {
	expect_line_=$1
	shift
	: >expect
	if test $# -gt 0
	then
		printf '%s\n' "$@" | sort >expect
	fi
	complete_bash "$expect_line_" >actual || return 1
	test_cmp expect actual
}

# write_zsh_driver <file>: a zsh script that starts an interactive zsh on
# a pty, loads the completion (mode "fpath <dir>": compinit finds _cairn
# in <dir>; "source <file>": sourced after compinit), and for each
# further argument types it, then TAB, then ^X, bound to a widget that
# prints the line as completion left it, between << and >>.
write_zsh_driver () {
	cat >"$1" <<\EOF
zmodload zsh/zpty || exit 1
mode=$1 arg=$2
shift 2
zpty z 'zsh -f -i' || exit 1
if [[ $mode == fpath ]]; then
	setup="fpath=($arg \$fpath); autoload -Uz compinit; compinit -u -D"
else
	setup="autoload -Uz compinit; compinit -u -D; source $arg"
fi
zpty -w z "PS1= ; RPS1= ; $setup"
zpty -w z 'show() { zle -I; print -r -- "<""<$BUFFER>"">"; BUFFER=; }'
zpty -w z 'zle -N show; bindkey "^X" show'
for l; do
	zpty -w -n z "$l"$'\t\x18'
	out=
	while zpty -r z line; do
		out+=$line
		[[ $out == *'<<'*'>>'* ]] && break
	done
	print -r -- "${${out##*<<}%%>>*}"
done
zpty -d z
EOF
}

test_expect_success 'completion bash prints a script that registers _cairn' '
	cairn completion bash >comp.bash &&
	head -n 1 comp.bash | grep "^# bash completion for cairn" &&
	tail -n 1 comp.bash >last &&
	echo "complete -F _cairn cairn" >expect &&
	test_cmp expect last
'

test_expect_success BASH 'bash loads the script without bash-completion' '
	cairn completion bash >comp.bash &&
	bash -n comp.bash &&
	bash --norc --noprofile -c ". ./comp.bash && complete -p cairn" >out &&
	echo "complete -F _cairn cairn" >expect &&
	test_cmp expect out
'

test_expect_success SHELLCHECK 'the bash script is shellcheck clean' '
	cairn completion bash >comp.bash &&
	shellcheck -s bash comp.bash
'

test_expect_success BASH 'commands complete from a prefix' '
	expect_replies "cairn fl" flush &&
	expect_replies "cairn re" ref remote rev-list rev-parse &&
	expect_replies "cairn com" commit completion
'

# Expected: "cairn <TAB>" offers exactly the commands cairn help lists,
# and help.
test_expect_success BASH 'every command of cairn help is offered' '
	cairn help >help.out &&
	sed -n "/^commands:/,/^\$/s/^   \([a-z-]*\) .*/\1/p" help.out >names &&
	echo help >>names &&
	sort names >expect &&
	test_line_count -gt 20 expect &&
	complete_bash "cairn " >actual &&
	test_cmp expect actual
'

test_expect_success BASH 'global options complete before the command' '
	expect_replies "cairn --r" --read-only &&
	expect_replies "cairn --v" --version &&
	complete_bash "cairn -" >actual &&
	for o in -C -r --read-only --no-progress --version --help
	do
		grep -x -e "$o" actual
	done
'

test_expect_success BASH 'options complete per command' '
	expect_replies "cairn log --on" --oneline &&
	complete_bash "cairn gc --" >actual &&
	grep -x -e --prune= actual &&
	grep -x -e --dry-run actual &&
	grep -x -e --json actual &&
	! grep -x -e --oneline actual &&
	expect_replies "cairn ref list --so" --sort= &&
	expect_replies "cairn ref set --o" --old
'

# Expected: every long option cairn help <command> shows (from cairn(1))
# is offered for that command, with a trailing = when it takes a value.
test_expect_success BASH 'the options follow the man page' '
	: >all &&
	for c in log gc cat archive fsck ls diff put init
	do
		cairn help "$c" >help.out &&
		awk "/^    -/ { sub(/^    /, \"\"); sub(/  .*/, \"\"); print }" \
		    help.out >items &&
		tr " ," "\n\n" <items |
		    sed -n "s/^\(--[a-z][a-z-]*=\{0,1\}\).*/\1/p" |
		    sort -u >expect &&
		cat expect >>all &&
		complete_bash "cairn $c --" >actual &&
		comm -23 expect actual >missing &&
		if test -s missing
		then
			echo "$c: missing:" >&9
			cat missing >&9
			return 1
		fi
	done &&
	test_line_count -gt 30 all
'

test_expect_success BASH 'option values complete after = and after the option' '
	expect_replies "cairn archive --format=t" tar tar.gz &&
	expect_replies "cairn gc --prune=n" never now &&
	expect_replies "cairn put -t " blob commit tag tree &&
	expect_replies "cairn completion " bash zsh
'

test_expect_success BASH 'ref names complete where a revision is expected' '
	id=$(printf "x" | cairn put --stdin) &&
	cairn ref set main "$id" &&
	cairn ref set snap/a "$id" &&
	cairn ref set snap/b "$id" &&
	expect_replies "cairn log sn" snap/a snap/b &&
	expect_replies "cairn log ma" main &&
	expect_replies "cairn show main sn" snap/a snap/b &&
	expect_replies "cairn rev-parse snap/" snap/a snap/b &&
	expect_replies "cairn cat -p m" main &&
	expect_replies "cairn ls -r m" main &&
	expect_replies "cairn get m" main &&
	expect_replies "cairn diff main sn" snap/a snap/b &&
	expect_replies "cairn archive -o out.tar m" main &&
	expect_replies "cairn commit -p sn" snap/a snap/b &&
	expect_replies "cairn ref get sn" snap/a snap/b &&
	expect_replies "cairn ref set --old m" main &&
	expect_replies "cairn ref delete snap/b" snap/b &&
	expect_replies "cairn push origin main:snap/" snap/a snap/b
'

test_expect_success BASH 'tag names complete without tags/' '
	id=$(printf "x" | cairn put --stdin) &&
	cairn ref set tags/v1 "$id" &&
	cairn ref set tags/v2 "$id" &&
	cairn ref set main "$id" &&
	expect_replies "cairn tag -d v" v1 v2
'

test_expect_success BASH 'ref names come from the repository -r and -C name' '
	id=$(printf "x" | cairn put --stdin) &&
	cairn ref set main "$id" &&
	cairn init other >/dev/null &&
	id=$(printf "y" | cairn -r other put --stdin) &&
	cairn -r other ref set only/x "$id" &&
	mkdir third &&
	cairn init third/.cairn >/dev/null &&
	id=$(printf "z" | cairn -r third/.cairn put --stdin) &&
	cairn -r third/.cairn ref set thirdref "$id" &&
	expect_replies "cairn -r other log " only/x &&
	expect_replies "cairn -r other --read-only log on" only/x &&
	expect_replies "cairn -C third log th" thirdref &&
	expect_replies "cairn log " main &&
	mkdir sub &&
	here=$(pwd) &&
	(cd sub && bash ../driver.bash "cairn -r $here/other log o" >../far) &&
	echo only/x >expect &&
	test_cmp expect far &&
	test_fsck_repo other &&
	test_fsck_repo third/.cairn
'

test_expect_success BASH 'ref subcommands complete' '
	complete_bash "cairn ref " >actual &&
	for s in list get set delete update
	do
		grep -x -e "$s" actual
	done &&
	expect_replies "cairn ref s" set &&
	expect_replies "cairn remote " add list remove
'

test_expect_success BASH 'remote names complete when remotes exist' '
	cairn init far >/dev/null &&
	expect_replies "cairn push or" &&
	cairn remote add origin far &&
	cairn remote add backup far &&
	expect_replies "cairn push or" origin &&
	expect_replies "cairn fetch " backup origin &&
	expect_replies "cairn remote remove b" backup &&
	test_fsck_repo far
'

test_expect_success BASH 'file names complete where a path is expected' '
	echo a >file1.txt &&
	echo b >file2.txt &&
	mkdir dir1 &&
	echo m >msg &&
	expect_replies "cairn put fi" file1.txt file2.txt &&
	expect_replies "cairn put file1.txt fi" file1.txt file2.txt &&
	expect_replies "cairn put -r d" dir1 &&
	expect_replies "cairn get main d" dir1 &&
	expect_replies "cairn commit -F ms" msg &&
	expect_replies "cairn archive -o fi" file1.txt file2.txt &&
	expect_replies "cairn archive --output=fi" file1.txt file2.txt &&
	expect_replies "cairn -C d" dir1 &&
	expect_replies "cairn -r d" dir1
'

test_expect_success BASH 'config keys and commands of help complete' '
	expect_replies "cairn config core.comp" core.compression &&
	expect_replies "cairn config --unset object.f" object.format &&
	expect_replies "cairn help fl" flush
'

test_expect_success 'completion zsh prints a #compdef script' '
	cairn completion zsh >_cairn &&
	head -n 1 _cairn >first &&
	echo "#compdef cairn" >expect &&
	test_cmp expect first &&
	grep "compdef _cairn cairn" _cairn
'

test_expect_success ZSH 'zsh parses the script' '
	cairn completion zsh >_cairn &&
	zsh -n _cairn
'

test_expect_success ZSH 'zsh completes through compinit and when sourced' '
	id=$(printf "x" | cairn put --stdin) &&
	cairn ref set main "$id" &&
	cairn ref set snap/a "$id" &&
	cairn ref set snap/b "$id" &&
	cairn init far >/dev/null &&
	cairn remote add origin far &&
	mkdir fp &&
	cairn completion zsh >fp/_cairn &&
	write_zsh_driver driver.zsh &&
	timeout 60 zsh -f driver.zsh fpath "$(pwd)/fp" "cairn fl" \
	    "cairn log --on" "cairn log ma" "cairn log sn" \
	    "cairn archive --format=tar." "cairn push or" >out &&
	cat >expect <<-\EOF &&
	cairn flush 
	cairn log --oneline 
	cairn log main 
	cairn log snap/
	cairn archive --format=tar.gz 
	cairn push origin 
	EOF
	test_cmp expect out &&
	timeout 60 zsh -f driver.zsh source "$(pwd)/fp/_cairn" "cairn fl" \
	    "cairn ref get ma" >out &&
	printf "%s\n" "cairn flush " "cairn ref get main " >expect &&
	test_cmp expect out &&
	test_fsck_repo far
'

test_expect_success 'bad usage is exit status 2 with one line' '
	test_must_fail --status=2 cairn completion >out 2>err &&
	test_must_be_empty out &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn completion fish >out 2>err &&
	test_must_be_empty out &&
	test_stderr_one_line err &&
	grep "fish" err &&
	test_must_fail --status=2 cairn completion bash zsh >out 2>err &&
	test_must_be_empty out &&
	test_stderr_one_line err &&
	test_must_fail --status=2 cairn completion --bogus bash >out 2>err &&
	test_must_be_empty out &&
	test_stderr_one_line err
'

test_expect_success 'completion --help prints the usage' '
	cairn completion --help >out &&
	head -n 1 out >first &&
	echo "usage: cairn completion bash|zsh" >expect &&
	test_cmp expect first &&
	cairn help >help.out &&
	grep "^   completion  *print a shell completion script" help.out
'

test_expect_success DEVFULL 'a write error is exit status 3' '
	test_must_fail --status=3 cairn completion bash >/dev/full 2>err &&
	test_stderr_one_line err &&
	test_must_fail --status=3 cairn completion zsh >/dev/full 2>err &&
	test_stderr_one_line err
'

test_done
