#!/bin/sh
# store/header.sh: print the installed cairn.h, which is store/cairn.h with
# every header it includes by a quoted name ("error.h") put in its place,
# and so on down, each header once.  A program then needs that one file,
# and no header of cairn's is on its include path under a name a system
# header has (<error.h>).  Angle-bracket includes stay as they are.
#
# Usage: sh store/header.sh [-l] <header> <dir>...
#
# A quoted name is looked up beside the file that includes it, then in
# each <dir> in turn, as the compiler's -I does.  With -l, print instead
# the files that go into the result, one a line, in order.

set -e

list=
if test "$1" = -l
then
	list=1
	shift
fi
if test "$#" -lt 1
then
	echo "usage: sh store/header.sh [-l] <header> <dir>..." >&2
	exit 2
fi

top=$1
shift

awk -v list="$list" -v top="$top" -v dirs="$*" '
	function exists(path,   line, r) {
		r = (getline line < path) >= 0
		close(path)
		return r
	}

	function find(name, from,   here, i, n, d) {
		here = from
		if (sub(/\/[^\/]*$/, "", here) == 0)
			here = "."
		if (exists(here "/" name))
			return here "/" name
		n = split(dirs, d, " ")
		for (i = 1; i <= n; i++)
			if (exists(d[i] "/" name))
				return d[i] "/" name
		return ""
	}

	function emit(path,   line, name, sub_, r) {
		done[path] = 1
		if (list)
			print path
		while ((r = (getline line < path)) > 0) {
			if (line ~ /^[ \t]*#[ \t]*include[ \t]*"/) {
				name = line
				sub(/^[^"]*"/, "", name)
				sub(/".*/, "", name)
				sub_ = find(name, path)
				if (sub_ == "") {
					printf "header.sh: %s: \"%s\" not found\n", \
					    path, name > "/dev/stderr"
					failed = 1
					exit 1
				}
				if (!(sub_ in done))
					emit(sub_)
				continue
			}
			if (!list)
				print line
		}
		if (r < 0) {
			printf "header.sh: cannot read %s\n", path > "/dev/stderr"
			failed = 1
			exit 1
		}
		close(path)
	}

	BEGIN {
		if (!list)
			printf "/* Made by store/header.sh from %s and the " \
			    "headers it includes. */\n", top
		emit(top)
		exit failed
	}
'
