#!/bin/sh
# store/exports.sh: print the GNU ld version script of libcairn.so, which
# exports every function declared in the given public headers and keeps
# every other symbol of the library local.
#
# Usage: sh store/exports.sh <header>...
#
# A function is declared where a name starting with cairn_ is followed by
# "(" once comments and preprocessor lines are gone.  Function pointers
# ("(*fn)(", "(*cairn_read_fn)(") have a ")" between name and "(", so
# neither they nor comments that quote a call are taken.

set -e

if test "$#" = 0
then
	echo "usage: sh store/exports.sh <header>..." >&2
	exit 2
fi

names=$(awk '
	{ text = text $0 "\n" }

	END {
		# Block comments; a comment becomes a space, as in C.
		code = ""
		while ((i = index(text, "/*")) > 0) {
			code = code substr(text, 1, i - 1) " "
			text = substr(text, i + 2)
			j = index(text, "*/")
			if (j == 0) {
				text = ""
				break
			}
			text = substr(text, j + 2)
		}
		code = code text

		# Line comments and preprocessor lines (with continuations).
		n = split(code, line, "\n")
		code = ""
		cont = 0
		for (k = 1; k <= n; k++) {
			l = line[k]
			directive = cont || l ~ /^[ \t]*#/
			cont = directive && l ~ /\\$/
			if (directive)
				continue
			sub(/\/\/.*/, "", l)
			code = code l "\n"
		}

		while (match(code, /cairn_[A-Za-z0-9_]*[ \t\n]*\(/)) {
			decl = substr(code, RSTART, RLENGTH)
			code = substr(code, RSTART + RLENGTH)
			match(decl, /cairn_[A-Za-z0-9_]*/)
			print substr(decl, RSTART, RLENGTH)
		}
	}
' "$@")

if test -z "$names"
then
	echo "exports.sh: no function declared in $*" >&2
	exit 1
fi

echo "/* libcairn.so: the functions of $*. */"
echo "{"
echo "	global:"
printf '%s\n' "$names" | LC_ALL=C sort -u | sed 's/.*/		&;/'
echo "	local:"
echo "		*;"
echo "};"
