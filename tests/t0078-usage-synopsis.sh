#!/bin/sh
# t0078-usage-synopsis: every command's usage string (cairn help <command>,
# and cairn help's own for the global options) says what the SYNOPSIS of
# man/cairn.1 says, and so do the forms that open each command's
# subsection of COMMANDS (help's too).  Both are brought to one normal form, a line per form
# of a command: the command's name, the form's number, then its words in
# order, an option as -x or --long, an operand as <name>, a literal word
# as itself; brackets, bars, "=" and "..." are left out.  The page is read
# from its mdoc source (Fl, Ar, Cm, No), so no formatter is needed.

# Test bodies are single-quoted on purpose: lib.sh evaluates them, and
# calls the helpers they use.
# shellcheck disable=SC2016,SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2034 # used in test bodies
PAGE=$(cd "$TEST_DIRECTORY/.." && pwd -P)/man/cairn.1

# man_forms <page> [commands]: the normal form of every form of the page's
# SYNOPSIS, the global ones under the name "cairn"; with "commands", of
# the forms that open each command's subsection of COMMANDS instead (up to
# the first .Pp, .El or line of text).
man_forms () {
	awk -v where="${2:-synopsis}" '
		function flush() {
			if (nf > 0)
				print (cmd == "" ? "cairn" : cmd) " " \
				    (++forms[cmd == "" ? "cairn" : cmd]) ":" toks
			nf = 0
			cmd = ""
			toks = ""
		}
		function emit(t, iscm) {
			if (!started && iscm && cmd == "") {
				cmd = t
				started = 1
				return
			}
			started = 1
			toks = toks " " t
		}
		where == "synopsis" && /^\.Sh SYNOPSIS/ { on = 1; next }
		where == "synopsis" && on && /^\.Sh / { flush(); exit }
		where == "commands" && /^\.Sh / { flush(); on = 0; cmds = /^\.Sh COMMANDS/; next }
		where == "commands" && cmds && /^\.Ss / { flush(); on = 1; next }
		where == "commands" && on && (/^\.(Pp|El)/ || !/^\./) { flush(); on = 0 }
		!on || /^\.(Bl|It)/ { next }
		{
			line = $0
			gsub(/\\-/, "-", line)
			gsub(/\\&/, "", line)
			n = split(line, w, /[ \t]+/)
			mode = ""
			for (i = 1; i <= n; i++) {
				x = w[i]
				if (i == 1) {
					if (x !~ /^\./)
						mode = "No"
					else
						x = substr(x, 2)
				}
				if (x == "Nm") {
					flush()
					nf = 1
					started = 0
					i++	# the name, cairn
					continue
				}
				# "Fl Ns Ar n": the option -<n>, a count.
				if (x == "Fl" && w[i + 1] == "Ns" &&
				    w[i + 2] == "Ar") {
					emit("-<" w[i + 3] ">", 0)
					i += 3
					continue
				}
				if (x ~ /^(Fl|Ar|Cm|No)$/) {
					mode = x
					if (x == "Fl" && (i == n || w[i + 1] ~ \
					    /^(Fl|Ar|Cm|No|Op|Oo|Oc|Pq|Ns|Xo|Xc)$/))
						emit("-", 0)
					continue
				}
				if (x ~ /^(Op|Oo|Oc|Pq|Ns|Xo|Xc|Pp|Bk|Ek)$/)
					continue
				if (x ~ /^(\||\[|\]|\(|\)|\.\.\.|=|:|)$/)
					continue
				if (mode == "Fl")
					emit("-" x, 0)
				else if (mode == "Ar")
					emit("<" x ">", 0)
				else
					emit(x, mode == "Cm")
			}
		}
		END { flush() }
	' "$1"
}

# usage_forms: the normal form of the usage text on stdin (its first
# paragraph), the global forms under the name "cairn".
usage_forms () {
	awk '
		function flush() {
			if (cmd != "")
				print cmd " " (++forms[cmd]) ":" toks
			cmd = ""
			toks = ""
		}
		/^$/ { exit }
		{
			line = $0
			sub(/^usage:/, "", line)
			gsub(/[][()|=:]/, " ", line)
			gsub(/\.\.\./, " ", line)
			n = split(line, w, /[ \t]+/)
			for (i = 1; i <= n; i++) {
				if (w[i] == "")
					continue
				if (w[i] == "cairn" && toks_started == 0 && \
				    cmd == "") {
					cmd = "cairn"
					first = 1
					continue
				}
				if (w[i] == "cairn" && first == 0) {
					flush()
					cmd = "cairn"
					first = 1
					continue
				}
				if (first && w[i] !~ /^[-<]/) {
					cmd = w[i]
					first = 0
					continue
				}
				first = 0
				toks = toks " " w[i]
			}
		}
		END { flush() }
	'
}

# The commands cairn help lists.
COMMANDS=$(cairn help | awk '/^commands:/ { on = 1; next } on && /^ +[a-z]/ { print $1 }')

test_expect_success 'cairn help lists commands' '
	test -n "$COMMANDS"
'

test_expect_success 'the normal forms are what they should be' '
	cat >page.1 <<-\EOF &&
	.Sh SYNOPSIS
	.Nm cairn
	.Op Fl C Ar dir
	.Ar command
	.Nm cairn
	.Fl \-version | \-help | Cm help Op Ar command
	.Nm cairn
	.Cm gc
	.Op Fl \-prune Ns = Ns Ar age Ns | Ns Cm now Ns | Ns Cm never
	.Oo Fl p Ar parent Oc Ns No ...
	.Ar tree dir
	.Nm cairn
	.Cm ref list
	.Op Fl z
	.Sh DESCRIPTION
	.Fl x
	EOF
	man_forms page.1 >man &&
	cat >usage <<-\EOF &&
	usage: cairn [-C <dir>] <command>
	       cairn --version | --help | help [<command>]
	usage: cairn gc [--prune=<age>|now|never] [-p <parent>]...
	           <tree> <dir>
	usage: cairn ref list [-z]

	not a usage line
	EOF
	usage_forms <usage >actual &&
	cat >expect <<-\EOF &&
	cairn 1: -C <dir> <command>
	cairn 2: --version --help help <command>
	gc 1: --prune <age> now never -p <parent> <tree> <dir>
	ref 1: list -z
	EOF
	test_cmp expect man &&
	test_cmp expect actual
'

test_expect_success 'the SYNOPSIS names the commands cairn help lists' '
	man_forms "$PAGE" >man &&
	awk "{ print \$1 }" man | grep -v -x cairn | LC_ALL=C sort -u >expect &&
	echo "$COMMANDS" | LC_ALL=C sort -u >actual &&
	test_cmp expect actual
'

test_expect_success 'the global usage matches the SYNOPSIS' '
	man_forms "$PAGE" >all &&
	grep "^cairn " all >expect &&
	test_timeout 60 cairn help >help &&
	usage_forms <help >actual &&
	test_cmp expect actual
'

for cmd in $COMMANDS
do
	test_expect_success "cairn $cmd: its usage matches the SYNOPSIS" '
		man_forms "$PAGE" >all &&
		grep "^$cmd " all >expect &&
		test_timeout 60 cairn help "$cmd" >help &&
		usage_forms <help >actual &&
		test_cmp expect actual
	'
done

# The forms at the head of each command's subsection of COMMANDS (help's
# too) are the same again.
SECTIONS=$(man_forms "$PAGE" commands | awk '{ print $1 }' | uniq)

test_expect_success 'COMMANDS has a subsection for each command' '
	echo "$SECTIONS" | grep -v -x help | LC_ALL=C sort -u >actual &&
	echo "$COMMANDS" | LC_ALL=C sort -u >expect &&
	test_cmp expect actual
'

for cmd in $SECTIONS
do
	test_expect_success "cairn $cmd: its usage matches its subsection" '
		man_forms "$PAGE" commands >all &&
		grep "^$cmd " all >expect &&
		test_timeout 60 cairn help "$cmd" >help &&
		usage_forms <help >actual &&
		test_cmp expect actual
	'
done

# help_options: the options the heads of the options section of cairn
# help's output on stdin name ("--format" and "--pretty" of
# "    --format=<fmt>, --pretty[=<fmt>]").
help_options () {
	awk '
		/^options:/ { on = 1; next }
		on && /^$/ { exit }
		on && /^    [^ ]/ {
			n = split(substr($0, 5), w, /[][ ,=|]+/)
			for (i = 1; i <= n; i++)
				if (w[i] ~ /^-/)
					print w[i]
		}
	'
}

for cmd in $COMMANDS
do
	test_expect_success "cairn $cmd: help has a line for each option" '
		test_timeout 60 cairn help "$cmd" >help &&
		help_options <help | LC_ALL=C sort -u >have &&
		usage_forms <help | tr " " "\n" | grep "^-" | grep -v -x -- "--" |
		    LC_ALL=C sort -u >want &&
		LC_ALL=C comm -23 want have >missing &&
		test_must_be_empty missing
	'
done

test_expect_success 'a SYNOPSIS without an option of the usage is a difference' '
	sed "/^\.Cm ls$/,/^\.Nm/{/^\.Op Fl z$/d;}" "$PAGE" >page.1 &&
	! cmp "$PAGE" page.1 >/dev/null &&
	man_forms page.1 >all &&
	grep "^ls " all >expect &&
	test_timeout 60 cairn help ls >help &&
	usage_forms <help >actual &&
	! test_cmp expect actual
'

# The README shows the output of cairn help; it must be what cairn prints.
test_expect_success 'the README shows what cairn help prints' '
	sed -n "/^    \$ cairn help\$/,/cairn-repository(5))\.\$/p" \
		"$TEST_DIRECTORY/../README" >block &&
	sed "1d; s/^    //" block >readme-help &&
	cairn help >help &&
	test_cmp help readme-help
'

test_done
